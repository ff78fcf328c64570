// SPDX-License-Identifier: GPL-2.0
/*
 * Sites the kernel patches while the module runs: jump labels (static keys)
 * and, on x86_64, inline static calls. The kernel finds them by address in
 * the module's __jump_table and .static_call_sites, which name the loaded
 * body only, and patches that; a copy's site would go stale. So in every
 * copy each such site becomes a branch to a stub at the copy's end that
 * decides at run time, from the key itself, what the kernel's patched
 * instruction would do now (reloc_<arch>.c writes the stubs):
 *   jump label   branch to the target when static_key_enabled(key) differs
 *                from the entry's branch bit, else fall through;
 *   static call  call (or, for a tail site, jump to) key->func, nothing
 *                when it is NULL.
 * A flip or an update is seen by every copy at once, without patching any.
 * A body whose site cannot be handled so is pinned: registered, never
 * moved, listed in debugfs "coverage" with the reason.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/jump_label.h>
#include <linux/static_call.h>
#include "rr_internal.h"

static int __maybe_unused rr_add_psite(struct rr_body *b, unsigned int *cap, u32 off,
			u8 kind, u8 flag, unsigned long key, u32 target)
{
	struct rr_psite *p;

	if (b->npsites == *cap) {
		unsigned int n = *cap ? *cap * 2 : 4;

		p = krealloc_array(b->psites, n, sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		b->psites = p;
		*cap = n;
	}
	p = &b->psites[b->npsites++];
	p->offset = off;
	p->kind = kind;
	p->flag = flag;
	p->key = key;
	p->target = target;
	return 0;
}

static bool __maybe_unused rr_in_body(const struct rr_body *b,
					unsigned long a)
{
	return a >= b->orig && a < b->orig + b->d->size;
}

/*
 * b->psites from owner's tables; a site that cannot be handled pins b. The
 * stubs follow the copy's body and veneers in the order of b->psites, so
 * each jump label site knows where its stub will be (at) and can tell
 * whether its branch reaches it (a 2-byte site on x86_64).
 */
int rr_find_patched(struct rr_body *b, struct module *owner)
{
	/* (unused without CONFIG_JUMP_LABEL and static calls: arm64's mask kernel) */
	unsigned int __maybe_unused cap = 0, i;
	unsigned int __maybe_unused at = ALIGN(b->d->size, 8) + rr_veneer_room(b);
	int __maybe_unused err;

	if (!owner)
		return 0;
#ifdef CONFIG_JUMP_LABEL
	for (i = 0; i < owner->num_jump_entries; i++) {
		struct jump_entry *e = &owner->jump_entries[i];
		unsigned long code = jump_entry_code(e);

		if (!rr_in_body(b, code))
			continue;
		if (!rr_in_body(b, jump_entry_target(e))) {
			b->pin_why = "a jump label whose target is outside the body";
			return 0;
		}
		if (!rr_key_site_ok(b, code - b->orig, at)) {
			b->pin_why = "a jump label site whose branch cannot reach its stub (x86_64: a 2-byte jmp/nop more than 127 bytes before the copy's end)";
			return 0;
		}
		err = rr_add_psite(b, &cap, code - b->orig, RR_PSITE_KEY,
				   jump_entry_is_branch(e),
				   (unsigned long)jump_entry_key(e),
				   jump_entry_target(e) - b->orig);
		if (err)
			return err;
		at += rr_stub_bytes(RR_PSITE_KEY);
	}
#endif
#ifdef CONFIG_HAVE_STATIC_CALL_INLINE
	for (i = 0; i < owner->num_static_call_sites; i++) {
		struct static_call_site *s = &owner->static_call_sites[i];
		unsigned long addr = (long)s->addr + (unsigned long)&s->addr;
		unsigned long key = (long)s->key + (unsigned long)&s->key;

		if (!rr_in_body(b, addr))
			continue;
		err = rr_add_psite(b, &cap, addr - b->orig, RR_PSITE_CALL,
				   !!(key & STATIC_CALL_SITE_TAIL),
				   key & ~STATIC_CALL_SITE_FLAGS, 0);
		if (err)
			return err;
	}
#endif
	return 0;
}

/* bytes of stubs at the end of each copy of b */
unsigned int rr_patched_room(const struct rr_body *b)
{
	unsigned int k, n = 0;

	for (k = 0; k < b->npsites; k++)
		n += rr_stub_bytes(b->psites[k].kind);
	return n;
}

/* each site of the copy at newaddr (written at dst) branches to its stub */
int rr_fix_patched(struct rr_body *b, u8 *dst, unsigned long newaddr)
{
	unsigned int k, at = ALIGN(b->d->size, 8) + rr_veneer_room(b);
	int err;

	for (k = 0; k < b->npsites; k++) {
		err = rr_write_stub(b, &b->psites[k], dst, newaddr, at);
		if (err)
			return err;
		at += rr_stub_bytes(b->psites[k].kind);
	}
	return 0;
}
