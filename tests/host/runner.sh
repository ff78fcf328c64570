#!/bin/bash
# The guest runner's own promises, tested by booting real guests (TAP):
# exit status carried out, kernel WARN, BUG (in a kernel thread and in a
# process) and panic detected, a bad taint flag alone detected and the
# expected ones (O, E) not, timeout enforced, --share readable in both guests,
# bad usage refused without a boot.
# Usage: tests/host/runner.sh [ARCH...]   (default: x86_64 arm64)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
run=$top/tests/vm/run
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
n=0 failed=0
log=$(mktemp)
share=$(mktemp -d)
trap 'rm -rf "$log" "$share"' EXIT

# expect WANT_STATUS DESC -- RUNNER_ARGS... : run the runner, compare its status
expect() {
	local want=$1 desc=$2
	shift 3
	"$run" "$@" >"$log" 2>&1
	local got=$?
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (status $got, want $want)"
		tail -n 15 "$log" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

# expect_log PATTERN DESC: the last run's output matches PATTERN
expect_log() {
	n=$((n + 1))
	if grep -qE -- "$1" "$log"; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2 (no '$1' in the output)"
		tail -n 15 "$log" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

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
	expect 0 "$arch: 'true' exits 0" -- --arch "$arch" --no-build -- true
	expect 7 "$arch: a command's exit status comes out" -- --arch "$arch" --no-build -- sh -c 'exit 7'
	expect 1 "$arch: 'false' exits non-zero" -- --arch "$arch" --no-build -- false
	expect 125 "$arch: a kernel WARN fails the run, even though the command succeeded" -- \
		--arch "$arch" --no-build -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=warn
	expect_log "kernel complained" "$arch: the runner names the WARN"
	expect 125 "$arch: a kernel panic fails the run" -- \
		--arch "$arch" --no-build --timeout 120 -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=panic
	expect_log "Kernel panic" "$arch: the runner shows the panic"
	# BUG() kills only the thread or process it hits: the command goes on and
	# exits 0, and the runner must still fail it (x86_64: 'kernel BUG at',
	# 'invalid opcode: 0000 [#1]'; arm64: 'Internal error: Oops - BUG').
	expect 125 "$arch: a BUG() in a kernel thread fails the run, though the command exits 0" -- \
		--arch "$arch" --no-build -- sh -c 'insmod /opt/wpwatch/kmod/wpw_crash.ko action=kthread && sleep 1 && echo "went on"'
	expect_log "kernel BUG at .*wpw_crash\.c" "$arch: the runner names the kernel thread's BUG"
	expect_log "command status: 0" "$arch: the command did exit 0 after the kernel thread's BUG"
	expect 125 "$arch: a BUG() in process context (insmod) fails the run, though the command exits 0" -- \
		--arch "$arch" --no-build -- sh -c 'insmod /opt/wpwatch/kmod/wpw_crash.ko action=process; echo "insmod died: $?"'
	expect_log "kernel BUG at .*wpw_crash\.c" "$arch: the runner names the process's BUG"
	expect_log "kernel tainted .*: D( |$)" "$arch: the runner names the D (die) taint"
	expect 0 "$arch: --share makes a host script runnable" -- \
		--arch "$arch" --no-build --share "$share" -- sh /mnt/share/hello.sh
	expect_log "share is $token" "$arch: the shared file's content is seen in the guest"
done
# The taint flags alone: D set with add_taint() and no console line at all.
expect 125 "${arches[0]}: a D taint alone (no console line) fails the run" -- \
	--arch "${arches[0]}" --no-build -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=taint
expect_log "kernel tainted \([0-9]+\): D \(" "${arches[0]}: the runner names the flag"
expect 125 "${arches[0]}: an L taint (soft lockup) alone fails the run" -- \
	--arch "${arches[0]}" --no-build -- insmod /opt/wpwatch/kmod/wpw_crash.ko action=taint bit=14
expect_log "kernel tainted \([0-9]+\): L \(" "${arches[0]}: the runner names the L flag"
expect 0 "${arches[0]}: the O and E taints of loading our modules do not fail a run" -- \
	--arch "${arches[0]}" --no-build -- sh -c 'insmod /opt/wpwatch/kmod/wpw_crash.ko && grep -qx 12288 /proc/sys/kernel/tainted'
expect 124 "${arches[0]}: the timeout kills QEMU" -- --arch "${arches[0]}" --no-build --timeout 15 -- sleep 600
expect_log "timeout" "${arches[0]}: the runner says it timed out"
expect 2 "an unknown arch is refused without a boot" -- --arch sparc -- true
expect_log "unknown arch 'sparc'" "the refusal names the arch"
expect 2 "a missing command is refused" -- --arch x86_64
expect 2 "an unknown kernel is refused" -- --arch x86_64 --kernel nosuch -- true
expect_log "unknown kernel 'nosuch'" "the refusal names the kernel"

echo "1..$n"
[ "$failed" -eq 0 ]
