#!/bin/sh
# Demo step lat: wpwatch lat on the re-randomization core at a 20 ms period.
# Two threads call every test-driver function in a loop while the core
# moves their bodies every 20 ms and this shell calls rr_sleep_ms(10) five
# times; wpwatch lat reports what each call and each pass cost
# (docs/latency.md).
. "$(dirname "$0")/demo-lib.sh"
D=/sys/kernel/debug/rerandom
T=/sys/kernel/debug/rr_test_driver
O=$DEMO_OUT/lat
mkdir -p "$O"

say "the test driver's functions, called by 2 threads, moved every 20 ms"
cmd "modprobe rr_test_driver"
cmd "echo 2 >$T/callers"
cmd "echo 20 >$D/period_ms"
modprobe rr_test_driver || fail "modprobe rr_test_driver failed"
trap 'echo 0 >$D/period_ms; echo 0 >$T/callers' EXIT
echo 2 >$T/callers
echo 20 >$D/period_ms

cmd "wpwatch lat -u -d 4"
wpwatch lat -u -d 4 >"$O/lat.out" 2>"$O/lat.err" &
pid=$!
# its banner once every probe is attached (at most 120 s: BPF loads slowly
# under TCG), unless it ended first
i=0
while ! grep -q '^Tracing' "$O/lat.err" && kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! grep -q '^Tracing' "$O/lat.err"; then
	kill $pid 2>/dev/null
	wait $pid
	rc=$?
	show "$O/lat.err"
	fail "wpwatch lat did not start tracing (status $rc)"
fi
show "$O/lat.err"
echo "10 5" >$T/sleep
wait $pid
rc=$?
show "$O/lat.out"
[ $rc -eq 0 ] || fail "wpwatch lat exited with status $rc"
p=$(sed -n 's/^Re-randomization passes: \([0-9]*\) .*/\1/p' "$O/lat.out")
[ "${p:-0}" -ge 1 ] || fail "the report counts no re-randomization pass"
grep -q '^p50 .* p99.9 ' "$O/lat.out" || fail "the report has no percentiles"
grep -q '^rr_sleep_ms ' "$O/lat.out" || fail "the report has no rr_sleep_ms row"
