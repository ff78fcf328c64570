#!/bin/sh
# Benchmark (not a test) of wpwatch watch, in one guest:
#   tests/vm/run --arch x86_64 --icount -- sh tests/bench/watch.sh
# With --icount the guest clock counts instructions (1 ns = 1 instruction),
# so the figures are instructions per write, stable from run to run.
# Prints markdown tables: the cost of one write unwatched, under a counting
# breakpoint (the floor: exception and perf dispatch, no handler work), and
# under wpwatch watch (BPF program, ring buffer, and the collector formatting
# JSON on the same vCPU); then the highest paced write rate with 0 lost.
TW=/sys/kernel/debug/wpw_testwriter
N=${N:-20000}
modprobe wpw_testwriter || exit 1
icount=no
grep -q icount /proc/cmdline 2>/dev/null && icount=yes

# watched MODE ARGS...: wpw_bench_watch MODE ARGS under wpwatch watch (json to
# /dev/null), prints the benchmark's result; lost/hits to /tmp/bw.sum
watched() {
	wpwatch watch -f json "$@" wpw_test_target >/tmp/bw.out 2>/tmp/bw.err &
	wp=$!
	while ! grep -q 'tracing writes' /tmp/bw.err; do sleep 0.1; done
}
unwatch() {
	kill -INT $wp
	wait $wp
	sed -n 's/.*"hits":\([0-9]*\),"delivered":\([0-9]*\),"lost":\([0-9]*\).*/\1 \2 \3/p' \
		/tmp/bw.out >/tmp/bw.sum
}

base=$(wpw_bench_watch loop $N)
floor=$(wpw_bench_watch floor $N)
watched --no-ustack
w_nou=$(wpw_bench_watch loop $N)
unwatch
read h1 d1 l1 </tmp/bw.sum
watched
w_full=$(wpw_bench_watch loop $N)
unwatch
read h2 d2 l2 </tmp/bw.sum

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
over() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }

echo "### wpwatch watch: cost of one watched 8-byte write ($(uname -m), icount: $icount)"
echo
echo "$N writes in one system call (wpw_testwriter), best of 5; figures are guest"
echo "instructions per write (ns of guest clock; with --icount 1 ns = 1 instruction)."
echo
echo "| mode | per write | over unwatched | vs floor |"
echo "|---|---:|---:|---:|"
echo "| unwatched | $base | 0 | - |"
echo "| counting breakpoint, no handler (floor) | $floor | $(over $floor $base) | 1.0x |"
echo "| wpwatch watch --no-ustack (json) | $w_nou | $(over $w_nou $base) | $(ratio $(over $w_nou $base) $(over $floor $base))x |"
echo "| wpwatch watch (json, user stack) | $w_full | $(over $w_full $base) | $(ratio $(over $w_full $base) $(over $floor $base))x |"
echo
echo "In those bursts the collector could not keep up (1 vCPU, 1 MiB ring buffer):"
echo "hits/delivered/lost were $h1/$d1/$l1 (--no-ustack) and $h2/$d2/$l2; hits ="
echo "delivered + lost held in both."
echo
echo "### wpwatch watch: highest paced write rate with 0 lost (default 1 MiB ring buffer)"
echo
echo "| target rate (writes/s of guest time) | achieved | hits | delivered | lost |"
echo "|---:|---:|---:|---:|---:|"
best=0
for rate in 1000 2000 5000 10000 20000 50000 100000; do
	watched
	got=$(wpw_bench_watch paced $rate 3000)
	unwatch
	read h d l </tmp/bw.sum
	echo "| $rate | $got | $h | $d | $l |"
	[ "$l" = 0 ] && best=$rate
done
echo
echo "Highest rate tried with 0 lost: $best writes/s."
