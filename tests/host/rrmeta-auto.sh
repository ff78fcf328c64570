#!/bin/bash
# Host tests of rrmeta --auto (tools/rrmeta/auto.c, docs/rerandom.md,
# "Re-randomizing a module without editing it"): small objects compiled like
# kernel code (-ffunction-sections), for x86_64 and arm64, go through the
# rewrite; what moves is redirected to its trampoline and described in the
# generated table, what cannot move stays put with its reason, bad input
# fails with one line and status 2. Cheap (no kernel build); TAP output.
#
#   tests/host/rrmeta-auto.sh [x86_64] [arm64]   (make check runs it)
# tests: 44
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib.bash"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
work=$(mktemp -d "${TMPDIR:-/tmp}/rrauto.XXXXXX")
trap 'rm -rf "$work"' EXIT

rrmeta=$work/rrmeta
build_rrmeta "$rrmeta"


# The module's source: plain C, no SPECIAL_FUNCTION. Kernel tables are made
# by hand (the entries the kernel's macros would emit), so no headers are
# needed.
cat >"$work/mod.c" <<'SRC'
int helper(int x);
static int __attribute__((noinline)) twice(int x) { return helper(x) * 2; }
int __attribute__((noinline)) helper(int x) { return x + 1; }
int (*ops[])(int) = { twice, helper };
int caller(int x) { return twice(x) + helper(x); }
int __attribute__((section(".init.text"))) mod_init(void) { return caller(1); }
int init_module(void) __attribute__((alias("mod_init")));
void __attribute__((noinline)) with_jump(void)
{
	asm volatile("1: nop\n.pushsection __jump_table, \"aw\"\n"
		     ".balign 8\n.long 1b - ., 1b - .\n.quad 0\n.popsection");
}
void __attribute__((noinline)) jump_out(void)
{
	asm volatile("1: nop\n.pushsection __jump_table, \"aw\"\n"
		     ".balign 8\n.long 1b - ., helper - .\n.quad 0\n.popsection");
}
void __attribute__((noinline)) with_bug(void)
{
	asm volatile("1: nop\n.pushsection __bug_table, \"aw\"\n"
		     ".long 1b - .\n.popsection");
}
void __attribute__((noinline)) with_extable(void)
{
	asm volatile("1: nop\n.pushsection __ex_table, \"a\"\n"
		     ".long 1b - ., 1b - .\n.popsection");
}
void __attribute__((noinline)) inner_ref(void)
{
	asm volatile("1: nop\n2: nop\n.pushsection .data.inner, \"aw\"\n"
		     ".quad 2b\n.popsection");
}
SRC

for arch in "${arches[@]}"; do
	case "$arch" in
	x86_64) cc=gcc; flags=(-mcmodel=kernel -mno-red-zone -fno-pic) ;;
	arm64) cc=aarch64-linux-gnu-gcc; flags=(-fno-pic) ;;
	*) echo "Bail out! unknown arch $arch"; exit 2 ;;
	esac
	d=$work/$arch
	mkdir -p "$d"
	if ! "$cc" -O2 -ffunction-sections -fno-reorder-blocks-and-partition \
		"${flags[@]}" -c -o "$d/mod.o" "$work/mod.c" 2>"$d/cc.err"; then
		tap 1 "$arch: the test object compiles"
		sed 's/^/# /' "$d/cc.err"
		continue
	fi
	"$rrmeta" --auto -o "$d/mod.rr.c" -w "$d/mod.rr.o" -r "$d/mod.txt" \
		"$d/mod.o" >"$d/out" 2>"$d/err"
	tap $? "$arch: rrmeta --auto exits 0"
	sed 's/^/# /' "$d/out" "$d/err"
	sed 's/^/#   /' "$d/mod.txt"
	has() { grep -qE "$1" "$d/mod.txt"; }
	for f in twice helper caller with_bug with_jump; do
		has "^moved $f [0-9]+\$"
		tap $? "$arch: $f moves"
	done
	has '^refused mod_init [0-9]+ it is in section \.init\.text'
	tap $? "$arch: a function in .init.text stays, with its reason"
	! has '^(moved|refused) init_module '
	tap $? "$arch: init_module, an alias of mod_init, is not counted twice"
	has '^refused jump_out [0-9]+ a jump label in it jumps to helper\+0, outside the function'
	tap $? "$arch: a jump label whose target is another function stays"
	has '^refused with_extable [0-9]+ it uses the exception table'
	tap $? "$arch: an exception-table user stays (__ex_table)"
	has '^refused inner_ref [0-9]+ it is referenced at \+0x[0-9a-f]+ from \.data\.inner'
	tap $? "$arch: a function referenced inside its body from data stays"
	total=$(grep -cE '^(moved|refused) [^ ]+ [0-9]+( |$)' "$d/mod.txt")
	grep -qE "^moved 5 of $total functions, [0-9]+ of [0-9]+ bytes\$" "$d/mod.txt"
	tap $? "$arch: the coverage line counts 5 of $total"
	# the rewritten object: bodies renamed, references redirected
	syms=$(readelf -sW "$d/mod.rr.o")
	echo "$syms" | grep -qE ' FUNC +(LOCAL|GLOBAL) +(DEFAULT|HIDDEN) +[0-9]+ twice_real$' &&
		echo "$syms" | grep -qE ' FUNC +GLOBAL +HIDDEN +[0-9]+ helper_real$'
	tap $? "$arch: bodies are NAME_real (a global one hidden)"
	echo "$syms" | grep -qE ' NOTYPE +GLOBAL +DEFAULT +UND twice$' &&
		echo "$syms" | grep -qE ' NOTYPE +GLOBAL +DEFAULT +UND helper$'
	tap $? "$arch: NAME is now the trampoline, undefined here"
	rel=$(readelf -rW "$d/mod.rr.o")
	ops=$(echo "$rel" | awk "/'\\.rela\\.data'/,/^\$/")
	echo "$ops" | grep -qE ' twice \+ 0$' && ! echo "$ops" | grep -q 'twice_real\|\.text\.twice'
	tap $? "$arch: the function-pointer table points at the trampoline twice"
	# caller moves: its calls of twice and helper (the first at offset 0)
	# go to their trampolines' inner entries, which skip the second pause
	echo "$rel" | awk '/\.rela\.text\.caller/,/^$/' | grep -q ' twice\.rr_inner ' &&
		echo "$rel" | awk '/\.rela\.text\.caller/,/^$/' | grep -q ' helper\.rr_inner ' &&
		! echo "$rel" | awk '/\.rela\.text\.caller/,/^$/' | grep -q '\.text\.twice\|twice_real\| twice \| helper '
	tap $? "$arch: calls from a moving body go to the trampolines' inner entries"
	# mod_init stays (.init.text): its calls (caller inlined: twice and
	# helper) go to the trampolines, which pause
	echo "$rel" | awk '/\.rela\.init\.text/,/^$/' | grep -qE ' (twice|helper|caller) ' &&
		! echo "$rel" | awk '/\.rela\.init\.text/,/^$/' | grep -q 'rr_inner'
	tap $? "$arch: calls from code that stays go to the trampoline"
	echo "$rel" | awk '/\.rela__bug_table/,/^$/' | grep -q 'with_bug_real\|\.text\.with_bug'
	tap $? "$arch: the bug table still names the loaded body"
	echo "$syms" | grep -qE ' __rr_wrapped_init_module$' && ! echo "$syms" | grep -qE ' init_module$'
	tap $? "$arch: the module's init_module is renamed for the generated wrapper"
	# the generated table
	grep -q '__RR_TRAMPOLINE_AT("twice", "__rr_slot[0-9]*", __RR_MAXARGS);' "$d/mod.rr.c" &&
		grep -q '\.nbodies = 5,' "$d/mod.rr.c" && grep -q '\.nrefused = 4,' "$d/mod.rr.c" &&
		grep -q '"jump_out", [0-9]*, "a jump label in it jumps' "$d/mod.rr.c" &&
		grep -q '^int __init init_module(void)' "$d/mod.rr.c"
	tap $? "$arch: the generated C has the trampolines, 5 bodies, 4 refusals with reasons, the init wrapper"
	# the rewritten object is still a valid object: it links with a stand-in
	# for the generated trampolines
	if [ "$arch" = x86_64 ]; then ld=ld; else ld=aarch64-linux-gnu-ld; fi
	printf '.globl twice, helper\ntwice:\nhelper:\n' >"$d/stub.s"
	"$cc" -c -o "$d/stub.o" "$d/stub.s" && "$ld" -r -o "$d/linked.o" "$d/mod.rr.o" "$d/stub.o" 2>"$d/ld.err"
	tap $? "$arch: the rewritten object links"
done

# bad input: one line, status 2
"$rrmeta" --auto -o "$work/x.c" -w "$work/x.o" "$work/mod.c" >/dev/null 2>"$work/err"
st=$?
[ $st -eq 2 ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q 'not an ELF object' "$work/err"
tap $? "a source file instead of an object: status 2, '$(cat "$work/err")'"
"$rrmeta" --auto -o "$work/x.c" "$work/x86_64/mod.o" >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q '^usage: rrmeta --auto' "$work/err"
tap $? "--auto without -w: status 2 and the usage line"

tap_end
