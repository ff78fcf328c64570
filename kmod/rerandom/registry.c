// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: rerandom_register_module() checks a module's table of
 * bodies (rrmeta's, see rerandom.h) against its code as loaded and adds it
 * to the bodies that passes move; rerandom_unregister_module() puts every
 * body back where it was loaded and frees its copies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/bitmap.h>
#include <linux/string.h>
#include <linux/delay.h>
#include "rr_internal.h"

DEFINE_MUTEX(rr_lock);
LIST_HEAD(rr_mods);
struct rr_body **rr_all;
unsigned int rr_nall;

/* rr_all from rr_mods again (rr_lock held) */
static int rr_all_rebuild(void)
{
	struct rr_body **all = NULL, *b;
	struct rr_mod *m;
	unsigned int n = 0, i;

	rr_for_each_mod(m)
		rr_mod_for_each_body(m, b, i)
			n += !b->pin_why;
	if (n) {
		all = kcalloc(n, sizeof(*all), GFP_KERNEL);
		if (!all)
			return -ENOMEM;
	}
	n = 0;
	rr_for_each_mod(m)
		rr_mod_for_each_body(m, b, i)
			if (!b->pin_why)
				all[n++] = b;
	kfree(rr_all);
	rr_all = all;
	rr_nall = n;
	return 0;
}

static void rr_mod_free(struct rr_mod *m)
{
	struct rr_body *b;
	unsigned int i;

	rr_mod_for_each_body(m, b, i) {
		kfree(b->snap);
		kfree(b->fix);
		bitmap_free(b->place_bad);
		kfree(b->traps);
		kfree(b->psites);
	}
	kfree(m);
}

/*
 * b from its descriptor: the snapshot copies are made from, and what a
 * move does to each site. What it allocates, rr_mod_free() frees.
 */
static int rr_body_init(struct rr_body *b, const struct rr_body_desc *d,
			struct module *owner)
{
	const struct rr_site *s;
	unsigned int k;
	int err;

	b->d = d;
	b->orig = b->cur = (unsigned long)d->body;
	if (!d->size || READ_ONCE(*d->slot) != d->body) {
		pr_err("%s: bad descriptor (size %u, slot %lx)\n",
		       d->name, d->size, (unsigned long)*d->slot);
		return -EINVAL;
	}
	/* whole 8-byte words, the last one's tail poison: copied as words */
	b->snap = kmalloc(ALIGN(d->size, 8), GFP_KERNEL);
	b->fix = kcalloc(max(d->nsites, 1U), sizeof(*b->fix), GFP_KERNEL);
	if (!b->snap || !b->fix)
		return -ENOMEM;
	memcpy(b->snap, d->body, d->size);
	rr_poison_code(b->snap + d->size, ALIGN(d->size, 8) - d->size);
	rr_for_each_site(b, s, k) {
		err = rr_check_site(b, s, &b->fix[b->nfix]);
		if (err > 0) {
			b->nfix++;
		} else if (err) {
			pr_err("%s: site %u at +%#x is not an instruction this module can relocate (%*ph): refused\n",
			       d->name, k, s->offset, 8,
			       b->snap + (s->offset & ~3U));
			return err;
		}
	}
	err = rr_place_init(b);
	if (!err)
		err = rr_find_traps(b, owner);
	if (!err)
		err = rr_find_patched(b, owner);
	if (err)
		return err;
	b->bytes = ALIGN(d->size, 8) + rr_veneer_room(b) + rr_patched_room(b);
	return 0;
}

int rerandom_register_module(struct rr_module_desc *desc)
{
	struct rr_mod *m;
	struct rr_body *b;
	unsigned int i, n;
	int err;

	if (!desc || !desc->nbodies || desc->core)
		return -EINVAL;
	m = kzalloc(struct_size(m, bodies, desc->nbodies), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->desc = desc;
	m->nbodies = desc->nbodies;
	rr_mod_for_each_body(m, b, i) {
		err = rr_body_init(b, &desc->bodies[i], desc->owner);
		if (err)
			goto err_free_mod;
	}
	mutex_lock(&rr_lock);
	list_add_tail(&m->list, &rr_mods);
	err = rr_all_rebuild();
	if (err)
		goto err_unlist;
	desc->core = m;
	n = 0;
	rr_mod_for_each_body(m, b, i)
		n += !b->pin_why;
	m->nmoving = n;
	rr_stats.bodies += n;
	mutex_unlock(&rr_lock);
	pr_info("registered %u bodies of %s (%u pinned)\n", n,
		desc->owner ? module_name(desc->owner) : "?", m->nbodies - n);
	return 0;

err_unlist:
	list_del(&m->list);
	mutex_unlock(&rr_lock);
err_free_mod:
	rr_mod_free(m);
	return err;
}
EXPORT_SYMBOL_GPL(rerandom_register_module);

/*
 * Put every slot back on the loaded body, retire the copies, wait for their
 * grace periods. The module's callers are gone (it is being unloaded), but a
 * copy may still be running a caller that entered before that.
 */
void rerandom_unregister_module(struct rr_module_desc *desc)
{
	struct rr_mod *m = desc ? desc->core : NULL;
	struct rr_batch *bt;
	struct rr_body *b;
	unsigned int i;

	if (!m)
		return;
	mutex_lock(&rr_lock);
	bt = rr_batch_alloc(m->nbodies, GFP_KERNEL | __GFP_NOFAIL);
	rr_mod_for_each_body(m, b, i) {
		/* the loaded body never left: no ordering needed but the store's */
		smp_store_release(b->d->slot, (void *)b->orig);
		if (!rr_in_arena(b->cur))
			continue;
		rr_batch_add(bt, b, b->cur);
		b->cur = b->orig;
	}
	/* the slot stores before the grace period that frees the copies */
	smp_mb();
	rr_retire_batch(bt);
	list_del(&m->list);
	/* shrinking cannot fail for long: retry rather than keep stale pointers */
	while (rr_all_rebuild())
		msleep(20);
	rr_stats.bodies -= m->nmoving;
	desc->core = NULL;
	mutex_unlock(&rr_lock);
	rr_retire_drain();
	rr_mod_free(m);
}
EXPORT_SYMBOL_GPL(rerandom_unregister_module);
