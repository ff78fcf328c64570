#!/bin/bash
# Check `make install` end to end in the Debian-userspace guest of ARCH:
# install into a staging DESTDIR on the host, copy it into the guest's
# /usr/local (tests/vm/run --rootfs debian --share), then there: the man
# pages render, bash completion completes, and the installed wpwatch catches
# a write. Prints TAP; exit status = failed tests (or the runner's status).
# Not part of make check (it needs the Debian root, see docs/testing.md).
#   scripts/install-check.sh [x86_64|arm64]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-x86_64}
stage=$(mktemp -d "${TMPDIR:-/tmp}/wpwatch-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
make -s --no-print-directory -C "$top" -f Makefile -f install.mk install \
	INSTALL_ARCH="$arch" DESTDIR="$stage/root" >"$stage/install.log" 2>&1 ||
	{ cat "$stage/install.log" >&2; echo "install-check: make install failed" >&2; exit 3; }
cat >"$stage/check.sh" <<'GUEST'
cp -a /mnt/share/root/usr/local/. /usr/local/
n=0 i=0
t() {
	i=$((i + 1))
	if eval "$2"; then echo "ok $i - $1"; else echo "not ok $i - $1"; n=$((n + 1)); fi
}
comp() {
	bash -c ". /usr/share/bash-completion/bash_completion
		. /usr/local/share/bash-completion/completions/wpwatch
		COMP_WORDS=($1); COMP_CWORD=$2; _wpwatch; echo \${COMPREPLY[*]}"
}
t "man wpwatch-watch renders" 'MANWIDTH=80 man wpwatch-watch 2>/dev/null | grep -q "stream the symbolized stack"'
t "man wpwatch-lat renders" 'MANWIDTH=80 man wpwatch-lat 2>/dev/null | grep -q -- "--probe"'
t "man 4 wpwatch-watchpoint lists period_ms" 'MANWIDTH=80 man 4 wpwatch-watchpoint 2>/dev/null | grep -q period_ms'
t "completion: 'wpwatch l' -> lat" '[ "$(comp "wpwatch l" 1)" = lat ]'
t "completion: 'wpwatch watch -f fo' -> folded" '[ "$(comp "wpwatch watch -f fo" 3)" = folded ]'
t "completion: 'wpwatch watch --sum' -> --summary" '[ "$(comp "wpwatch watch --sum" 2)" = --summary ]'
t "headers installed" '[ -f /usr/local/include/wpwatch/rerandom.h ] && [ -f /usr/local/include/wpwatch/watchpoint.h ]'
modprobe wpw_testwriter
/usr/local/bin/wpwatch watch -n 1 -d 60 wpw_test_target >/tmp/w.out 2>/tmp/w.err &
j=0
while ! grep -q tracing /tmp/w.err && [ $j -lt 1200 ]; do sleep 0.1; j=$((j + 1)); done
echo "0 5 1" >/sys/kernel/debug/wpw_testwriter/write
wait
t "the installed wpwatch catches a write" 'grep -q "wpw_test_write_one" /tmp/w.out'
echo "1..$i"
exit $n
GUEST
"$top/tests/vm/run" --arch "$arch" --rootfs debian --quiet --share "$stage" -- sh /mnt/share/check.sh
