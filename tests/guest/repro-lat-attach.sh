#!/bin/sh
# Attach and detach `wpwatch lat` 25 times while two callers run and the core
# moves every body every 5 ms (docs/latency.md, "x86_64: kprobes on hot module
# functions"). With the default probes (the core's tracepoints) all 25 cycles
# pass on both architectures; with --probe kprobe, x86_64 crashes within a few
# cycles (a call into a kprobed rerandom.ko function jumps to address 0).
#   tests/vm/run --arch x86_64 --timeout 400 -- sh tests/guest/repro-lat-attach.sh [LAT-OPTIONS]
# LAT-OPTIONS go to every `wpwatch lat` (e.g. --probe kprobe).
modprobe rr_test_driver || exit 1
T=/sys/kernel/debug/rr_test_driver
echo 5 >/sys/kernel/debug/rerandom/period_ms
echo 2 >$T/callers
rc=0
for i in $(seq 1 25); do
	wpwatch lat -d 1 "$@" >/dev/null 2>/tmp/err || { echo "run $i failed"; cat /tmp/err; rc=1; }
done
echo 0 >$T/callers
cat /sys/kernel/debug/rerandom/stats
exit $rc
