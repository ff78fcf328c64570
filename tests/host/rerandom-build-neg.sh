#!/bin/bash
# Host-side negative build tests of re-randomizable modules (docs/rerandom.md):
# small modules whose SPECIAL_FUNCTION bodies cannot move must fail the build
# with the function's name and the reason (copy_from_user() and inline user
# access, direct use of a body, signatures the trampoline cannot carry); good
# ones must build, among them bodies with what the core handles in copies
# (WARN_ON, a static key, a LOCK-prefixed atomic on x86_64 (arm64's is an
# LSE alternative: refused), a static call). Each module is built as a
# module author's would be: its Kbuild includes kmod/include/rerandom.mk and
# calls rr_special_module. (copy_from_user() is a call of the out-of-line
# _copy_from_user() in Debian's 6.1, with no exception-table entry in the
# body: refused by policy, docs/rerandom.md.) Builds
# against the cached Debian 6.1 headers, for x86_64 and arm64 (or the arches
# given as arguments). TAP output; exit 0 when all pass.
#
#   tests/host/rerandom-build-neg.sh [x86_64] [arm64]   (make check runs it)
# tests: 22
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib.bash"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
work=$(mktemp -d "${TMPDIR:-/tmp}/rr-neg.XXXXXX")
trap 'rm -rf "$work"' EXIT

rrmeta=$work/rrmeta
build_rrmeta "$rrmeta"


# case NAME EXPECT(grep -E pattern, or "OK" for must build) BODY
cases=(
good OK '
SPECIAL_FUNCTION(int, good_fn, int x)
{
	return x + 1;
}'
warn OK '
SPECIAL_FUNCTION(int, warn_fn, int x)
{
	WARN_ON(x == 42);
	return x;
}'
key OK '
static DEFINE_STATIC_KEY_FALSE(neg_key);
SPECIAL_FUNCTION(int, key_fn, int x)
{
	if (static_branch_unlikely(&neg_key))
		return x + 1;
	return x;
}'
lock OK '
static atomic_t neg_count;
SPECIAL_FUNCTION(int, lock_fn, int x)
{
	atomic_inc(&neg_count);
	return x;
}'
scall OK '
static int neg_add1(int x)
{
	return x + 1;
}
DEFINE_STATIC_CALL(neg_sc, neg_add1);
SPECIAL_FUNCTION(int, scall_fn, int x)
{
	return static_call(neg_sc)(x);
}'
bad_uaccess 'bad_uaccess: refused: .*(exception table|alternatives)' '
SPECIAL_FUNCTION(int, bad_uaccess, int __user *p)
{
	int v = 0;

	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(v, p, efault);
	user_access_end();
	return v;
efault:
	user_access_end();
	return -EFAULT;
}'
bad_copy 'bad_copy: refused: it accesses user memory \(calls [_a-z]*copy_from_user\)' '
SPECIAL_FUNCTION(long, bad_copy, void __user *p)
{
	char b[8];

	return copy_from_user(b, p, sizeof(b));
}'
bad_direct 'bad_direct: refused: .*referenced directly' '
SPECIAL_FUNCTION(int, bad_direct, int x)
{
	return x;
}

int rr_neg_caller(int x);
int rr_neg_caller(int x)
{
	return bad_direct_real(x);
}'
bad_nine 'SPECIAL_FUNCTION bad_nine: more than 8 parameters' '
SPECIAL_FUNCTION(long, bad_nine, long a, long b, long c, long d, long e,
		 long f, long g, long h, long i)
{
	return a + i;
}'
bad_big 'SPECIAL_FUNCTION bad_big: return type .* larger than two registers' '
struct rr_big { long a, b, c; };
SPECIAL_FUNCTION(struct rr_big, bad_big, long a)
{
	struct rr_big r = { a, a, a };

	return r;
}'
bad_arg 'SPECIAL_FUNCTION bad_arg: parameter .* does not fit one register' '
struct rr_two { long a, b; };
SPECIAL_FUNCTION(long, bad_arg, struct rr_two t)
{
	return t.a + t.b;
}'
)

for arch in "${arches[@]}"; do
	kdir=$("$top/scripts/kernel.sh" "$arch")/build || { echo "Bail out! no kernel headers for $arch"; exit 2; }
	case "$arch" in
	x86_64) kargs=() ;;
	arm64) kargs=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	esac
	for ((i = 0; i < ${#cases[@]}; i += 3)); do
		name=${cases[i]} want=${cases[i + 1]} body=${cases[i + 2]}
		# arm64's atomic_inc() is an LSE alternative, which the
		# SPECIAL_FUNCTION path refuses (docs/rerandom.md)
		[ "$arch:$name" = arm64:lock ] && want='lock_fn: refused: it uses alternatives'
		d=$work/$arch/$name
		mkdir -p "$d"
		cat >"$d/$name.c" <<EOT
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/bug.h>
#include <linux/jump_label.h>
#include <linux/static_call.h>
#include <linux/atomic.h>
#include "rerandom.h"
$body

static int __init neg_init(void)
{
	return rerandom_register_module(&__rr_module_desc);
}
module_init(neg_init);
MODULE_LICENSE("GPL");
EOT
		cat >"$d/Kbuild" <<EOT
include $top/kmod/include/rerandom.mk
\$(eval \$(call rr_special_module,rrneg,$name.o,))
EOT
		# RR_CORE_SYMVERS empty: no rerandom.ko here to take CRCs from (modpost
		# only warns of the core's symbols: KBUILD_MODPOST_WARN)
		out=$(make -C "$kdir" M="$d" "${kargs[@]}" RRMETA="$rrmeta" RR_CORE_SYMVERS= \
			KBUILD_MODPOST_WARN=1 modules 2>&1)
		rc=$?
		if [ "$want" = OK ]; then
			[ $rc -eq 0 ] && [ -f "$d/rrneg.meta.c" ]
			tap $? "$arch: $name builds"
			[ $rc -eq 0 ] || printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
			continue
		fi
		msg=$(printf '%s\n' "$out" | grep -E "$want" | head -n 1)
		[ $rc -ne 0 ] && [ -n "$msg" ]
		tap $? "$arch: $name fails the build: ${msg:-no matching message}"
		[ -n "$msg" ] || printf '%s\n' "$out" | grep -E 'rrmeta|error' | head -n 8 | sed 's/^/#   /'
	done
done
tap_end
