#!/bin/sh
# rootfs: debian
# Benchmark (not a test) of wpwatch watch beside its anchors, in one guest
# booted on the Debian root (Debian's bpftrace 0.17 and perf 6.1):
#   BENCH=watch scripts/bench.sh x86_64     (or arm64)
# which runs tests/vm/run --rootfs debian --icount (-icount shift=0, one vCPU):
# the guest clock counts instructions (1 ns = 1 instruction), so figures are
# instructions and repeat from run to run.
#
# Every watcher sees the same writes: wpw_bench_watch loop N, N writes of the
# 8-byte wpw_test_target in one system call, 5 times (5N writes). Per write:
#  kernel   = the writer's loop per write (best of the 5), minus the same loop
#             unwatched, minus the CPU time the consumer ran during the loop
#             (it preempts the writer at cond_resched(); counted once, below);
#  consumer = the consumer's own CPU time (/proc/PID/task/*/schedstat) from
#             before the writes until it has drained them, per write; for perf,
#             perf record's share plus all of `perf script` (wait4 rusage);
#  total    = kernel + consumer.
# Output of every watcher goes to a file on the guest's /tmp (tmpfs).
# ROUNDS rounds, every watcher once per round in the same order; each row is
# the round with the lowest total, and the spread between rounds is shown.
# Then the highest paced write rate with 0 lost at the default 1 MiB ring
# buffer.
# A row's cost is printed only if its watcher handled every write made, in
# every round: hits = delivered = the writes made and 0 lost, each counted
# from its own source (the writes by wpw_testwriter's own counter; hits and
# lost as the watcher says, delivered from what it printed; bpftrace and perf
# say nothing of hits: what they printed is both); otherwise the row reads
# "not measured (N of M handled, L lost)", and so does every target that
# rests on it (tests/bench/lib/handled.sh has the rule). The bench fails when
# a wpwatch row is not measured.
# Prints markdown between "<!-- watch-bench ARCH -->" marks, which
# scripts/bench-doc.sh copies into docs/performance.md.
TW=/sys/kernel/debug/wpw_testwriter
. "$(dirname "$0")/lib/handled.sh"
. "$(dirname "$0")/lib/watch-tables.sh"
N=${N:-2000}
ROUNDS=${ROUNDS:-2}
O=/tmp/wb
mkdir -p $O
modprobe wpw_testwriter || exit 1
addr=$(cat $TW/addr)
arch=$(uname -m)
writes=$((5 * N))

runtime() {	# runtime PID: CPU ns of all its threads
	cat /proc/$1/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}
# drained PID: wait until PID has stopped using the CPU (it has consumed
# everything; a poll timeout's wake-up costs a few thousand instructions)
drained() {
	_a=$(runtime $1)
	while :; do
		sleep 1
		_b=$(runtime $1)
		[ $((_b - _a)) -lt 2000000 ] && return
		_a=$_b
	done
}
# wait_for FILE PATTERN PID: until FILE matches PATTERN (the watcher is attached)
wait_for() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		if ! kill -0 "$3" 2>/dev/null || [ $_i -gt 1200 ]; then
			echo "bench: watcher failed to start:" >&2
			cat "$1" "$O/err" >&2
			exit 1
		fi
		_i=$((_i + 1))
		sleep 0.1
	done
}
has_perf_event() {	# has_perf_event PID: it holds a perf event fd
	ls -l /proc/$1/fd 2>/dev/null | grep -q 'perf_event'
}
writes_done() { cat $TW/writes; }

base=$(wpw_bench_watch loop $N)
# the floor: a counting perf breakpoint, read by wpw_bench_watch itself, which
# says on stderr when it counted other than the 5N writes (silent: all 5N)
w0=$(writes_done)
floor_f=$(wpw_bench_watch floor $N 2>$O/floor.err)
floor_rc=$?
floor_made=$(($(writes_done) - w0))
floor_n=$(sed -n 's/.*breakpoint counted \([0-9]*\) of [0-9]* writes.*/\1/p' $O/floor.err)
[ -z "$floor_n" ] && [ $floor_rc = 0 ] && [ -n "$floor_f" ] && floor_n=$writes
sed 's/^/bench: floor: /' $O/floor.err >&2
if floor_why=$(handled "$floor_made" "$floor_n" "$floor_n" 0); then
	floor_k=$(awk -v f="$floor_f" -v b="$base" 'BEGIN { printf "%.0f", f - b }')
else
	floor_k=-
fi

# measure NAME: run the watcher NAME once over 5N writes; appends
# "NAME kernel consumer hits/delivered/lost writes-made" to $O/results
measure() {
	name=$1
	rm -f $O/out $O/err $O/perf.data
	extra=0 h= d= l= made=
	case $name in
	bpftrace-count)
		bpftrace -e "watchpoint:$addr:8:w { @[kstack] = count(); }" >$O/out 2>$O/err &
		wp=$!
		wait_for $O/out "Attaching" $wp
		drained $wp ;;	# it prints "Attaching" before it attaches
	bpftrace-printf)
		bpftrace -e "watchpoint:$addr:8:w { printf(\"%s\\n\", kstack); }" >$O/out 2>$O/err &
		wp=$!
		wait_for $O/out "Attaching" $wp
		drained $wp ;;
	perf)
		perf record -q -e "mem:$addr/8:w" -a -g -o $O/perf.data >$O/out 2>$O/err &
		wp=$!
		_i=0
		while ! has_perf_event $wp && [ $_i -lt 1200 ]; do _i=$((_i + 1)); sleep 0.1; done
		drained $wp ;;
	wpwatch*)
		# shellcheck disable=SC2086
		set -- $(echo "$name" | sed 's/^wpwatch//; s/_/ /g')
		wpwatch watch --ringbuf-size 67108864 "$@" wpw_test_target >$O/out 2>$O/err &
		wp=$!
		wait_for $O/err "tracing writes" $wp ;;
	esac
	r0=$(runtime $wp)
	w0=$(writes_done)
	k=$(wpw_bench_watch loop $N $wp)
	made=$(($(writes_done) - w0))
	drained $wp
	r1=$(runtime $wp)
	kill -INT $wp
	wait $wp
	# what it handled, from its own output (bpftrace and perf count no hits
	# of their own: what they printed is their count)
	case $name in
	bpftrace-count)
		d=$(bt_map_sum $O/out) h=$d l=$(bt_lost $O/out $O/err) ;;
	bpftrace-printf)
		d=$(bt_stacks $O/out) h=$d l=$(bt_lost $O/out $O/err) ;;
	perf)
		wpw_bench_watch cpu perf script --show-lost-events -i $O/perf.data >$O/out 2>$O/err.script
		extra=$(sed -n 's/^cpu_ns //p' $O/err.script | tail -n1)
		d=$(perf_samples $O/out) h=$d l=$(perf_lost $O/out) ;;
	wpwatch*)
		h=$(wpw_hits $O/err) l=$(wpw_lost $O/err) d=$(wpw_printed $O/out "$@") ;;
	esac
	if ! why=$(handled "$made" "$h" "$d" "$l"); then
		# say what it said, do not hide it
		echo "bench: $name: $why; its stderr:" >&2
		tail -n 20 $O/err | sed 's/^/bench:   /' >&2
	fi
	kern=$(awk -v k="$k" -v b="$base" 'BEGIN { printf "%.0f", k - b }')
	cons=$(awk -v a="$r0" -v b="$r1" -v x="${extra:-0}" -v n=$writes 'BEGIN { printf "%.0f", (b - a + x) / n }')
	echo "$name $kern $cons ${h:-?}/${d:-?}/${l:-?} ${made:-?}" >>$O/results
}

# the table's rows, in order: "name|what the row runs"
modes="bpftrace-count|bpftrace \`watchpoint:ADDR:8:w { @[kstack] = count(); }\`
bpftrace-printf|bpftrace \`watchpoint:ADDR:8:w { printf(\"%s\\n\", kstack); }\`
perf|\`perf record -e mem:ADDR/8:w -a -g\`, then \`perf script\`
wpwatch_-s|\`wpwatch watch -s\` (counted in the kernel)
wpwatch_-f_folded|\`wpwatch watch -f folded\` (counted in the kernel)
wpwatch_-s_--no-ustack|\`wpwatch watch -s --no-ustack\` (counted in the kernel, kernel stack only, as bpftrace's)
wpwatch|\`wpwatch watch\` (text, kernel and user stacks)
wpwatch_-f_json|\`wpwatch watch -f json\` (kernel and user stacks)
wpwatch_-f_json_--no-ustack|\`wpwatch watch -f json --no-ustack\`
wpwatch_-f_json_-s|\`wpwatch watch -f json -s\` (events and the summary)
wpwatch_--no-stack|\`wpwatch watch --no-stack\` (text, values only)
wpwatch_-f_json_--no-stack|\`wpwatch watch -f json --no-stack\`"
names=$(printf '%s\n' "$modes" | cut -d'|' -f1)

: >$O/results
r=1
while [ $r -le "$ROUNDS" ]; do
	for m in $names; do
		measure "$m"
	done
	r=$((r + 1))
done

echo "<!-- watch-bench $arch -->"
tools="$(uname -r), $(bpftrace --version 2>&1 | head -n1), $(perf version 2>&1 | head -n1)"
watch_cost_table

# --- the highest paced write rate with 0 lost, default ring buffer -------------------
PACED_N=${PACED_N:-20000}
echo "#### $arch: highest paced write rate with 0 lost (default 1 MiB ring buffer)"
echo
echo "$PACED_N writes, one per system call, paced by a busy loop in guest time; \"achieved\""
echo "is the rate the writer reached (below the target when a write costs more than the gap)."
echo
echo "| watcher | target writes/s | achieved | hits/delivered/lost |"
echo "|---|---:|---:|---:|"
: >$O/paced
for m in "-f json" "-f json --no-stack" "--no-stack" "-s"; do
	for rate in ${RATES:-20000 50000 100000 200000 400000}; do
		rm -f $O/out $O/err
		# shellcheck disable=SC2086
		wpwatch watch $m wpw_test_target >$O/out 2>$O/err &
		wp=$!
		wait_for $O/err "tracing writes" $wp
		w0=$(writes_done)
		got=$(wpw_bench_watch paced $rate $PACED_N)
		made=$(($(writes_done) - w0))
		drained $wp
		kill -INT $wp
		wait $wp
		# shellcheck disable=SC2086
		watch_paced_row "$m" "$rate" "$got" "$made" "$(wpw_hits $O/err)" \
			"$(wpw_printed $O/out $m)" "$(wpw_lost $O/err)"
	done
done
echo
watch_paced_best
watch_targets
echo "<!-- /watch-bench $arch -->"
watch_ours_measured
