#!/bin/bash
# A WARN in a moved copy (docs/rerandom.md, "The kernel's run-time tables, in
# copies"), on both arches: rr_classes.ko's rrc_warn, re-randomized by rrmeta
# --auto, is called while a pass runs every millisecond, and once with an
# argument that trips its WARN_ON_ONCE. A guest run with a WARN fails
# (status 125), so this test boots the guest itself and reads the console:
# the kernel reports the WARN once, with rr_classes_fns.c's file and line and
# the loaded body's name (the copy's trap sent there), the call carries on
# and returns its result, the body kept moving before and after, no other
# complaint than the WARN, and only the W taint besides O and E.
# Usage: tests/host/rr-warn.sh [ARCH...]   (default: x86_64 arm64)   (TAP)
# tests: 22
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
n=0 failed=0
log=$(mktemp)
share=$(mktemp -d)
trap 'rm -rf "$log" "$share"' EXIT

ok() {	# STATUS DESC
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

cat >"$share/warn.sh" <<'SH'
D=/sys/kernel/debug/rerandom C=/sys/kernel/debug/rr_classes
modprobe rr_classes || exit 10
grep "^moved rrc_warn " $D/coverage || exit 11
echo 1 >$D/period_ms
m0=$(awk '$2 == "rrc_warn" { print $4 }' $D/coverage)
i=0 bad=0
while [ $i -lt 50 ]; do
	echo $i >$C/warn && [ "$(cat $C/warn)" = $((i + 1)) ] || bad=$((bad + 1))
	[ $i = 25 ] && { echo 200 >$C/warn; echo "warned: result $(cat $C/warn)"; }
	i=$((i + 1))
done
echo 300 >$C/warn
echo "second: result $(cat $C/warn)"
echo 0 >$D/period_ms
m1=$(awk '$2 == "rrc_warn" { print $4 }' $D/coverage)
echo "moves: $m0 -> $m1, wrong results: $bad, failures: $(awk '$1 == "failures" { print $2 }' $D/stats)"
rmmod rr_classes || exit 12
echo "unloaded"
SH

for arch in "${arches[@]}"; do
	make -s --no-print-directory -C "$top" build ARCH="$arch" >/dev/null || {
		echo "Bail out! build for $arch failed"
		exit 1
	}
	"$top/tests/vm/run" --arch "$arch" --no-build --cpus 2 --timeout 300 \
		--share "$share" -- sh /mnt/share/warn.sh >"$log" 2>&1
	st=$?
	ok "$([ $st = 125 ]; echo $?)" "$arch: the run fails with 125 because of the WARN (status $st)"
	grep -q 'command status: 0' "$log"
	ok $? "$arch: the command itself exits 0 (the WARN did not kill it)"
	# (each kernel line shows up to three times: console, /init's dmesg
	# scan, the runner's complaint list)
	ok "$(grep -oE 'WARNING: CPU: .*' "$log" | sort -u | grep -cE 'at .*rr_classes_fns\.c:[0-9]+ rrc_warn_real' |
		grep -qx 1; echo $?)" "$arch: one WARN, reported at rr_classes_fns.c:LINE in rrc_warn_real (the loaded body)"
	ok "$(grep -oE 'WARNING: CPU: .*' "$log" | sort -u | wc -l | grep -qx 1; echo $?)" \
		"$arch: no other WARN"
	grep -q '^warned: result 201$' "$log"
	ok $? "$arch: the warning call carried on and returned 201"
	grep -q '^second: result 301$' "$log"
	ok $? "$arch: a second tripping call returns 301, without a second report (WARN_ON_ONCE)"
	read -r m0 m1 bad fails < <(sed -n 's/^moves: \([0-9]*\) -> \([0-9]*\), wrong results: \([0-9]*\), failures: \([0-9]*\)$/\1 \2 \3 \4/p' "$log")
	ok "$([ -n "${m1:-}" ] && [ "${m1:-0}" -gt "${m0:-0}" ] && [ "${m0:-0}" -gt 0 ]; echo $?)" \
		"$arch: rrc_warn moved before the calls and kept moving ($m0 -> ${m1:-?} moves)"
	ok "$([ "${bad:-x}" = 0 ] && [ "${fails:-x}" = 0 ]; echo $?)" "$arch: every result right (${bad:-?} wrong), no failed move (${fails:-?})"
	grep -q '^unloaded$' "$log"
	ok $? "$arch: rr_classes unloads after the WARN"
	ok "$(grep -E 'kernel BUG at|Oops|invalid opcode: 0000 \[#|Internal error:|Kernel panic' "$log" | grep -q .; [ $? = 1 ]; echo $?)" \
		"$arch: no oops, BUG or panic beside the WARN"
	grep -qE 'kernel tainted \([0-9]+\): W \(' "$log"
	ok $? "$arch: the only taint flag the runner names is W"
	[ $failed -gt 0 ] && tail -n 40 "$log" | sed 's/^/#   /'
done
echo "1..$n"
[ "$failed" -eq 0 ]
