#!/bin/bash
# The guest runner's own promises, tested by booting real guests (TAP):
# exit status carried out, kernel WARN, BUG (in a kernel thread and in a
# process) and panic detected, a bad taint flag alone detected and the
# expected ones (O, E) not, timeout enforced, --share readable in both guests,
# bad usage refused without a boot.
# Usage: tests/host/runner.sh [ARCH...]   (default: x86_64 arm64)
#
# Every boot proves something no other boot does (under TCG a boot is 8 to
# 11 s): status 0 comes out of the --share run (and, on the first arch, of
# the O/E taint run), any other status out of 'exit 7'; the runs of 'true'
# and 'false' that proved the same again were dropped (docs/testing.md,
# "make check-full").
# tests: 38
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
. "$top/tests/host/lib.bash"
share=$(mktemp -d)
trap 'rm -rf "$runlog" "$share"' EXIT

cat >"$share/hello.sh" <<'SH'
echo "hello from $(uname -m), share is $(cat /mnt/share/token)"
SH
token=token-$RANDOM-$$
echo "$token" >"$share/token"

for arch in "${arches[@]}"; do
	make -s --no-print-directory -C "$top" build ARCH="$arch" >/dev/null || {
		echo "Bail out! build for $arch failed"
		exit 1
	}
	expect_run 7 "$arch: a command's exit status comes out" -- --arch "$arch" --no-build -- sh -c 'exit 7'
	expect_run 125 "$arch: a kernel WARN fails the run, even though the command succeeded" -- \
		--arch "$arch" --no-build -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=warn
	expect_log "kernel complained" "$arch: the runner names the WARN"
	expect_run 125 "$arch: a kernel panic fails the run" -- \
		--arch "$arch" --no-build --timeout 120 -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=panic
	expect_log "Kernel panic" "$arch: the runner shows the panic"
	# BUG() kills only the thread or process it hits: the command goes on and
	# exits 0, and the runner must still fail it (x86_64: 'kernel BUG at',
	# 'invalid opcode: 0000 [#1]'; arm64: 'Internal error: Oops - BUG').
	expect_run 125 "$arch: a BUG() in a kernel thread fails the run, though the command exits 0" -- \
		--arch "$arch" --no-build -- sh -c 'insmod /opt/wpwatch/kmod/wpw_crash.ko action=kthread && sleep 1 && echo "went on"'
	expect_log "kernel BUG at .*wpw_crash\.c" "$arch: the runner names the kernel thread's BUG"
	expect_log "command status: 0" "$arch: the command did exit 0 after the kernel thread's BUG"
	expect_run 125 "$arch: a BUG() in process context (insmod) fails the run, though the command exits 0" -- \
		--arch "$arch" --no-build -- sh -c 'insmod /opt/wpwatch/kmod/wpw_crash.ko action=process; echo "insmod died: $?"'
	expect_log "kernel BUG at .*wpw_crash\.c" "$arch: the runner names the process's BUG"
	expect_log "kernel tainted .*: D( |$)" "$arch: the runner names the D (die) taint"
	expect_run 0 "$arch: --share makes a host script runnable, and its status 0 comes out" -- \
		--arch "$arch" --no-build --share "$share" -- sh /mnt/share/hello.sh
	expect_log "share is $token" "$arch: the shared file's content is seen in the guest"
done
# The taint flags alone: D set with add_taint() and no console line at all.
expect_run 125 "${arches[0]}: a D taint alone (no console line) fails the run" -- \
	--arch "${arches[0]}" --no-build -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=taint
expect_log "kernel tainted \([0-9]+\): D \(" "${arches[0]}: the runner names the flag"
expect_run 125 "${arches[0]}: an L taint (soft lockup) alone fails the run" -- \
	--arch "${arches[0]}" --no-build -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=taint bit=14
expect_log "kernel tainted \([0-9]+\): L \(" "${arches[0]}: the runner names the L flag"
expect_run 0 "${arches[0]}: the O and E taints of loading our modules do not fail a run" -- \
	--arch "${arches[0]}" --no-build -- sh -c 'insmod /opt/wpwatch/kmod/wpw_crash.ko && grep -qx 12288 /proc/sys/kernel/tainted'
expect_run 124 "${arches[0]}: the timeout kills QEMU" -- --arch "${arches[0]}" --no-build --timeout 15 -- sleep 600
expect_log "timeout" "${arches[0]}: the runner says it timed out"
expect_run 2 "an unknown arch is refused without a boot" -- --arch sparc -- true
expect_log "unknown arch 'sparc'" "the refusal names the arch"
expect_run 2 "a missing command is refused" -- --arch x86_64
expect_run 2 "an unknown kernel is refused" -- --arch x86_64 --kernel nosuch -- true
expect_log "unknown kernel 'nosuch'" "the refusal names the kernel"

tap_end
