// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c: the one table of which sections may refer into a body and what
 * such a reference means, for both of rrmeta's paths (rrmeta.c's
 * SPECIAL_FUNCTION, auto.c's --auto); a difference between the paths is a
 * column of the row, never a second table. Each KEEP row names the part of
 * the core (kmod/rerandom/) that makes it safe; docs/rerandom.md has the
 * same list ("What the build refuses, and why").
 */
#include <gelf.h>
#include <string.h>

#include "rrmeta.h"

#define K REF_KEEP
#define R REF_REFUSE
#define D REF_REDIRECT

/* first match wins: a longer prefix before a shorter one it starts with */
static const struct policy policies[] = {
	/*
	 * a SPECIAL_FUNCTION slot's initial value (rerandom.h); --auto's
	 * slots are generated in OUT.c, never in its input
	 */
	{ ".data.rr_slots", { [PATH_SPECIAL] = K, [PATH_AUTO] = D }, NULL },
	/* x86 ORC: the arena's one frame-pointer entry (arena.S) */
	{ ".orc_unwind_ip", { K, K }, NULL },
	/* x86: read at load only, before the first copy is made */
	{ ".return_sites", { K, K }, NULL },
	{ ".retpoline_sites", { K, K }, NULL },
	{ ".ibt_endbr_seal", { K, K }, NULL },
	{ ".discard", { K, K }, NULL },
	{ ".eh_frame", { K, K }, NULL },
	{ "__ex_table", { R, R },
	  "it uses the exception table (faulting accesses are fixed up by address)" },
	/* a trap in a copy is reported from the loaded body (trap.c) */
	{ "__bug_table", { K, K }, NULL },
	/*
	 * each site of a copy branches to a stub that reads the key
	 * (patched.c); a jump label whose target is outside its function:
	 * refused by --auto (auto_jump_labels()), pinned by the core at
	 * registration either way
	 */
	{ "__jump_table", { K, K }, NULL },
	{ ".static_call_sites", { K, K }, NULL },
	/*
	 * applied once, at load, before the snapshot (auto_alternatives()
	 * checks the replacement and marks the sites RR_SITE_ALT). The
	 * SPECIAL_FUNCTION path has no such check: refused there
	 */
	{ ".altinstructions", { [PATH_SPECIAL] = R, [PATH_AUTO] = K },
	  "it uses alternatives (patched by address)" },
	/* .altinstr_replacement: replacement code that refers to it */
	{ ".altinstr", { R, R }, "it uses alternatives (patched by address)" },
	/*
	 * x86 LOCK prefixes: rewritten at load only when the kernel booted
	 * with one CPU, back into LOCK only if a CPU is added later
	 * (alternatives_enable_smp()): docs/rerandom.md
	 */
	{ ".smp_locks", { K, K }, NULL },
	/* ftrace patches the loaded body only */
	{ "__mcount_loc", { R, R },
	  "ftrace records it (build without CC_FLAGS_FTRACE)" },
	{ "__patchable_function_entries", { R, R },
	  "ftrace records it (build without CC_FLAGS_FTRACE)" },
	{ ".kprobes_text", { R, R }, "it is in the kprobes blacklist" },
	{ "_kprobe_blacklist", { R, R }, "it is in the kprobes blacklist" },
	{ NULL, { 0, 0 }, NULL }
};

/*
 * Not loaded (debug info, .comment, relocation sections): nothing at run
 * time reads it
 */
static const struct policy unloaded = { "", { K, K }, NULL };

/*
 * Any other section: code or data that calls or points at the function.
 * --auto redirects a reference to its entry to the trampoline; for a
 * SPECIAL_FUNCTION body, whose trampoline exists already, it is an error
 * (rrmeta.c names the trampoline to use instead)
 */
static const struct policy other = { "", { D, D }, NULL };

const struct policy *policy_of(const char *sec, unsigned long flags)
{
	const struct policy *p;

	for (p = policies; p->prefix; p++)
		if (!strncmp(sec, p->prefix, strlen(p->prefix)))
			return p;
	if (!(flags & SHF_ALLOC))
		return &unloaded;
	return &other;
}
