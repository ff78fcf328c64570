#!/bin/sh
# Demo: wpwatch lat on the live re-randomization core. Two threads call every
# test-driver function in a loop while the core moves their bodies every
# 20 ms and this shell calls rr_sleep_ms(10) five times; wpwatch lat reports
# what each call and each pass cost (docs/latency.md).
D=/sys/kernel/debug/rerandom
T=/sys/kernel/debug/rr_test_driver
modprobe rr_test_driver || exit 1
echo 2 >$T/callers
echo 20 >$D/period_ms

echo '$ wpwatch lat -u -d 4'
wpwatch lat -u -d 4 >/tmp/demo-lat.out 2>/tmp/demo-lat.err &
pid=$!
i=0
while ! grep -q '^Tracing' /tmp/demo-lat.err 2>/dev/null && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
cat /tmp/demo-lat.err
echo "10 5" >$T/sleep
wait $pid
rc=$?
cat /tmp/demo-lat.out
echo 0 >$D/period_ms
echo 0 >$T/callers
exit $rc
