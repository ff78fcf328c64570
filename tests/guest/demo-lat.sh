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
bounded 60 "modprobe rr_test_driver" modprobe rr_test_driver ||
	fail "modprobe rr_test_driver failed"
# the passes and the callers stop however the step ends (each bounded)
trap 'bounded_sh 60 "echo 0 >$D/period_ms" "echo 0 >$D/period_ms"
	bounded_sh 60 "echo 0 >$T/callers" "echo 0 >$T/callers"' EXIT
bounded_sh 60 "echo 2 >$T/callers" "echo 2 >$T/callers" ||
	fail "cannot start the callers"
bounded_sh 60 "echo 20 >$D/period_ms" "echo 20 >$D/period_ms" ||
	fail "cannot set the period"

cmd "wpwatch lat -u -d 4"
wpwatch lat -u -d 4 >"$O/lat.out" 2>"$O/lat.err" &
pid=$!
# its banner once every probe is attached (at most 120 s: BPF loads slowly
# under TCG), unless it ended first
i=0
while ! grep -q '^Tracing' "$O/lat.err" && alive $pid && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! grep -q '^Tracing' "$O/lat.err"; then
	alive $pid && kill_tree $pid
	# a wpwatch stuck in the kernel is not waited for
	bounded_wait 10 "wpwatch lat (killed: no banner within 120 s)" $pid
	rc=$?
	show "$O/lat.err"
	fail "wpwatch lat did not start tracing (status $rc)"
fi
show "$O/lat.err"
bounded_sh 60 "echo '10 5' >$T/sleep (five 10 ms sleeps in a moved body)" \
	"echo '10 5' >$T/sleep" || fail "the five rr_sleep_ms(10) calls failed"
# -d 4: its report after 4 s of tracing, then it detaches (slow under TCG)
bounded_wait 120 "wpwatch lat -d 4 (its report and its exit)" $pid
rc=$?
show "$O/lat.out"
[ $rc -eq 0 ] || fail "wpwatch lat exited with status $rc"
p=$(sed -n 's/^Re-randomization passes: \([0-9]*\) .*/\1/p' "$O/lat.out")
[ "${p:-0}" -ge 1 ] || fail "the report counts no re-randomization pass"
grep -q '^p50 .* p99.9 ' "$O/lat.out" || fail "the report has no percentiles"
grep -q '^rr_sleep_ms ' "$O/lat.out" || fail "the report has no rr_sleep_ms row"
