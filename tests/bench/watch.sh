#!/bin/sh
# Benchmark (not a test) of wpwatch watch, in one guest:
#   tests/vm/run --arch x86_64 --icount -- sh tests/bench/watch.sh
# With --icount the guest clock counts instructions (1 ns = 1 instruction),
# so the figures are instructions, stable from run to run. Prints markdown:
# the cost of one 8-byte write unwatched, under a counting breakpoint (the
# floor: exception and perf dispatch, no handler work), and under wpwatch
# watch: the kernel side (BPF program, stacks, ring buffer) timed around the
# writer's loop, and the collector's share (CPU time of wpwatch from
# /proc/PID/schedstat per delivered event, JSON to /dev/null); then the
# highest paced write rate with 0 lost with the default ring buffer.
TW=/sys/kernel/debug/wpw_testwriter
N=${N:-500}
modprobe wpw_testwriter || exit 1

watched() {	# watched ARGS...: wpwatch watch in the background, attached
	wpwatch watch -f json "$@" wpw_test_target >/tmp/bw.out 2>/tmp/bw.err &
	wp=$!
	while ! grep -q 'tracing writes' /tmp/bw.err 2>/dev/null; do
		if ! kill -0 $wp 2>/dev/null; then
			echo "bench: wpwatch watch failed:" >&2
			cat /tmp/bw.err >&2
			exit 1
		fi
		sleep 0.1
	done
}
drained() {	# drained COUNT: wait until COUNT events are printed
	while [ "$(wc -l </tmp/bw.out)" -lt "$1" ]; do sleep 0.2; done
}
runtime() { cut -d' ' -f1 /proc/$wp/schedstat; }
unwatch() {
	kill -INT $wp
	wait $wp
	sed -n 's/.*"hits":\([0-9]*\),"delivered":\([0-9]*\),"lost":\([0-9]*\).*/\1 \2 \3/p' \
		/tmp/bw.out >/tmp/bw.sum
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
over() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }

base=$(wpw_bench_watch loop $N)
floor=$(wpw_bench_watch floor $N)
total=$((5 * N))	# wpw_bench_watch loop: best of 5 runs of N writes
rows=
for mode in "--no-ustack" ""; do
	# a ring buffer that holds every event: the kernel side pays for each one
	watched --ringbuf-size 67108864 $mode
	r0=$(runtime)
	k=$(wpw_bench_watch loop $N)
	drained $total
	r1=$(runtime)
	unwatch
	read h d l </tmp/bw.sum
	user=$(awk -v a="$r0" -v b="$r1" -v n="$d" 'BEGIN { printf "%.0f", (b - a) / n }')
	kern=$(over $k $base)
	name="wpwatch watch ${mode:-(user stacks too)}"
	rows="$rows| $name | $k | $kern | $(ratio $kern $(over $floor $base))x | $user | $((kern + user)) | $h/$d/$l |
"
done

echo "### wpwatch watch: cost of one watched 8-byte write ($(uname -m), guest instructions)"
echo
echo "wpw_testwriter writes $N times in one system call, best of 5; \"per write\" is the"
echo "guest clock per write around that system call (1 ns = 1 instruction under --icount),"
echo "\"collector\" is wpwatch's own CPU time per event (/proc/PID/schedstat, JSON output)."
echo
echo "| mode | per write | kernel over unwatched | vs floor | collector per event | total per write | hits/delivered/lost |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| unwatched | $base | 0 | - | - | - | - |"
echo "| counting breakpoint, no handler (floor) | $floor | $(over $floor $base) | 1.0x | - | $(over $floor $base) | - |"
printf '%s' "$rows"
echo
echo "### wpwatch watch: highest paced write rate with 0 lost (1 MiB ring buffer)"
echo
echo "| target rate (writes/s of guest time) | achieved | hits | delivered | lost |"
echo "|---:|---:|---:|---:|---:|"
best=0
for rate in ${RATES:-5000 20000 50000 100000}; do
	watched
	got=$(wpw_bench_watch paced $rate ${PACED_N:-1000})
	unwatch
	read h d l </tmp/bw.sum
	echo "| $rate | $got | $h | $d | $l |"
	[ "$l" = 0 ] && best=$rate
done
echo
echo "Highest rate tried with 0 lost: $best writes/s (guest time)."
