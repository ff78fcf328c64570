#!/bin/sh
# The x86_64 kernel failure behind docs/latency.md "x86_64: kprobes on hot
# module functions", without any wpwatch code: two CPUs call a module
# function (wpw_testwriter's wpw_test_write_one) in a loop while a plain
# tracefs kprobe on it is enabled and disabled 40 times. On Debian's 6.1
# x86_64 kernel under QEMU TCG a caller soon jumps to address 0 (RIP 0, IRQs
# off: kprobe_int3_handler took an int3 at an ftrace-based kprobe, whose
# instruction slot is NULL); with one CPU, on arm64, with the function
# tracer instead of a kprobe, or on a vmlinux function it runs clean.
#   tests/vm/run --arch x86_64 --timeout 300 -- sh tests/guest/repro-kprobe-hot-module.sh [SPEC...]
# SPEC: kprobe_events lines without the event name (default p:wpw_test_write_one).
[ $# -gt 0 ] || set -- p:wpw_test_write_one
modprobe wpw_testwriter || exit 1
TW=/sys/kernel/debug/wpw_testwriter
K=/sys/kernel/tracing
for c in 0 1; do taskset $((1 << c)) sh -c "while :; do echo '0 1 2000000' >$TW/write; done" & done
for i in $(seq 1 40); do
	n=0
	for spec in "$@"; do
		n=$((n+1))
		echo "${spec%%:*}:wpx/e$n ${spec#*:}" >>$K/kprobe_events || echo "bad $spec"
	done
	echo 1 >$K/events/wpx/enable
	sleep 0.3
	echo 0 >$K/events/wpx/enable
	echo >$K/kprobe_events
	echo "cycle $i ok"
done
kill %1 %2
cat $TW/writes
