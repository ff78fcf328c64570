/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space symbols for user stacks, as perf and bpftrace find them: a
 * process's executable mappings from /proc/PID/maps, each mapped ELF file's
 * .symtab (else .dynsym) through libelf, an address turned into a file offset
 * and then, through the file's PT_LOAD headers, into the ELF's own address
 * (so a static binary, a PIE and a shared library go the same way). Cached:
 * a process's mappings once per process (read again when an address is in
 * none of them, or the process's comm changed: an exec), a file's symbols
 * once per file (device and inode). A process that is gone when it is first
 * looked at is marked exited, never guessed.
 *
 * Reusable by every wpwatch command; no global state.
 */
#ifndef WPWATCH_WATCH_USYMS_H
#define WPWATCH_WATCH_USYMS_H

#include <stddef.h>
#include <sys/types.h>

enum usym_kind {
	USYM_FOUND,	/* name+off in obj */
	USYM_NOSYM,	/* in a mapped file, but in no symbol of it (stripped, or between symbols) */
	USYM_UNMAPPED,	/* in no file mapping of the process (anonymous, JIT, vdso without file) */
	USYM_EXITED,	/* the process was gone before its mappings could be read */
};

struct usym {
	enum usym_kind kind;
	const char *name;	/* USYM_FOUND: the function */
	unsigned long off;	/* USYM_FOUND: addr - the function's start */
	const char *obj;	/* USYM_FOUND, USYM_NOSYM: the file as /proc/PID/maps names it */
};

struct usyms;

/* PROC: where the proc file system is (NULL: "/proc"; unit tests give a fixture). NULL + errno. */
struct usyms *usyms__new(const char *proc);
void usyms__free(struct usyms *u);

/*
 * What ADDR is in process PID. COMM (may be NULL): the name the event gave;
 * when it differs from the one seen with PID's cached mappings, the process
 * exec'd (or PID was reused) and its mappings are read again. Strings stay
 * valid until usyms__free(). Returns OUT->kind.
 */
enum usym_kind usyms__lookup(struct usyms *u, pid_t pid, const char *comm, unsigned long addr,
			     struct usym *out);

/*
 * ADDR of PID as text: "name+0xoff (obj)", "[unknown] (obj)", "[unknown]" or
 * "[exited]". Returns what snprintf returns.
 */
int usym_name(struct usyms *u, pid_t pid, const char *comm, unsigned long addr, char *buf,
	      size_t len);

#endif
