#!/bin/sh
# Reproduces the open x86_64 crash (docs/latency.md, "Known bug"): attach and
# detach `wpwatch lat` 25 times while two callers run and the core moves every
# body every 5 ms. On x86_64 a call into a kprobed rerandom.ko function
# (add_pause_list from a trampoline, or rerandom_step_* from rerandom_pass)
# jumps to address 0 within a few cycles; on arm64 all 25 cycles pass.
#   tests/vm/run --arch x86_64 --timeout 400 -- sh tests/repro-lat-attach.sh
modprobe rr_test_driver || exit 1
T=/sys/kernel/debug/rr_test_driver
echo 5 >/sys/kernel/debug/rerandom/period_ms
echo 2 >$T/callers
rc=0
for i in $(seq 1 25); do
	wpwatch lat -d 1 >/dev/null 2>/tmp/err || { echo "run $i failed"; cat /tmp/err; rc=1; }
done
echo 0 >$T/callers
cat /sys/kernel/debug/rerandom/stats
exit $rc
