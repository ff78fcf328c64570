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
# buffer. Prints markdown between "<!-- watch-bench ARCH -->" marks, which
# scripts/bench-doc.sh copies into docs/performance.md.
TW=/sys/kernel/debug/wpw_testwriter
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
fmt() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

base=$(wpw_bench_watch loop $N)
floor_k=$(awk -v f="$(wpw_bench_watch floor $N)" -v b="$base" 'BEGIN { printf "%.0f", f - b }')

# measure NAME: run the watcher NAME once over 5N writes; appends
# "NAME kernel consumer hits/delivered/lost" to $O/results
measure() {
	name=$1
	rm -f $O/out $O/err $O/perf.data
	extra=0 hdl=-
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
	k=$(wpw_bench_watch loop $N $wp)
	drained $wp
	r1=$(runtime $wp)
	kill -INT $wp
	wait $wp
	case $name in
	bpftrace-count)
		h=$(awk -F': ' '/^\]: / { s += $2 } END { print s + 0 }' $O/out)
		hdl="$h/$h/0" ;;
	bpftrace-printf)
		h=$(grep -c 'wpw_test_write_one' $O/out)
		hdl="$h/$h/$(sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' $O/err | awk '{ s += $1 } END { print s + 0 }')" ;;
	perf)
		wpw_bench_watch cpu perf script --show-lost-events -i $O/perf.data >$O/out 2>$O/err.script
		extra=$(sed -n 's/^cpu_ns //p' $O/err.script | tail -n1)
		h=$(grep -c 'wpw_test_write_one' $O/out)
		hdl="$h/$h/$(grep -c 'LOST' $O/out)" ;;
	wpwatch*)
		hdl=$(sed -n 's/.*: \([0-9]*\) hits, \([0-9]*\) [a-z ]*, \([0-9]*\) lost.*/\1\/\2\/\3/p' $O/err) ;;
	esac
	case $hdl in
	0/*|/*|"")	# the watcher saw nothing: say what it said, do not hide it
		echo "bench: $name saw no write; its stderr:" >&2
		sed 's/^/bench:   /' $O/err >&2 ;;
	esac
	kern=$(awk -v k="$k" -v b="$base" 'BEGIN { printf "%.0f", k - b }')
	cons=$(awk -v a="$r0" -v b="$r1" -v x="${extra:-0}" -v n=$writes 'BEGIN { printf "%.0f", (b - a + x) / n }')
	echo "$name $kern $cons $hdl" >>$O/results
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

# best NAME: "kernel consumer hdl total spread%" of the round with the lowest total
best() {
	awk -v n="$1" '$1 == n { t = $2 + $3; if (!seen || t < bt) { bt = t; b = $0 }
		if (!seen || t > wt) wt = t; seen = 1 }
		END { split(b, f, " "); printf "%s %s %s %.0f %.1f\n", f[2], f[3], f[4], bt,
			(bt > 0 ? (wt - bt) * 100 / bt : 0) }' $O/results
}
bc_total=$(best bpftrace-count | cut -d' ' -f4)

echo "<!-- watch-bench $arch -->"
echo "#### $arch: cost of one watched 8-byte write, side by side (guest instructions)"
echo
echo "$(uname -r), $(bpftrace --version 2>&1 | head -n1), $(perf version 2>&1 | head -n1);"
echo "$writes writes (5 runs of $N in one system call), $ROUNDS interleaved rounds; each row is"
echo "its round with the lowest total (\"spread\": how much higher its other rounds were);"
echo "output to a file on tmpfs; streaming wpwatch rows with a 64 MiB ring buffer."
echo
echo "| watcher | kernel | consumer | total | x floor | x bpftrace count | spread | hits/delivered/lost |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
echo "| unwatched loop (subtracted from every row) | $(fmt $base) | - | - | - | - | - | - |"
echo "| counting breakpoint, no handler (the floor) | $floor_k | 0 | $floor_k | 1.00 | $(ratio $floor_k $bc_total) | - | - |"
printf '%s\n' "$modes" | while IFS='|' read -r m what; do
	set -- $(best "$m")
	# printf, not echo: dash's echo would turn the label's \n into a line break
	printf '| %s | %s | %s | %s | %s | %s | %s %% | %s |\n' "$what" "$1" "$2" "$4" \
		"$(ratio $4 $floor_k)" "$(ratio $4 $bc_total)" "$5" "$3"
done
echo

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
		got=$(wpw_bench_watch paced $rate $PACED_N)
		drained $wp
		kill -INT $wp
		wait $wp
		hdl=$(sed -n 's/.*: \([0-9]*\) hits, \([0-9]*\) [a-z ]*, \([0-9]*\) lost.*/\1\/\2\/\3/p' $O/err)
		echo "| \`wpwatch watch $m\` | $rate | $got | $hdl |"
		echo "$m|$got|${hdl##*/}" >>$O/paced
	done
done
echo
# per watcher, in the order measured: "WATCHER|highest achieved rate with 0 lost"
awk -F'|' '$3 == 0 && $2 > best[$1] { best[$1] = $2 } { seen[$1] = 1; if (!($1 in order)) order[$1] = NR }
	END { for (m in seen) printf "%d|%s|%s\n", order[m], m, best[m] + 0 }' $O/paced | sort -n |
	cut -d'|' -f2- >$O/paced-best
while IFS='|' read -r m b; do
	echo "- \`wpwatch watch $m\`: highest achieved rate with 0 lost: $b writes/s (guest time)"
done <$O/paced-best
echo

# --- the targets of issue 14, computed from the rows above ------------------------
# total ROW: the best round's total of a row of the first table
total() { best "$1" | cut -d' ' -f4; }
target() {	# target WHAT VALUE LIMIT: one row, "held" when VALUE <= LIMIT
	awk -v w="$1" -v v="$2" -v l="$3" 'BEGIN { if (v == "-") { printf "| %s | - | no (no figure) |\n", w; exit }
		printf "| %s | %.2fx | %s |\n", w, v, (v <= l ? "yes" : "no") }'
}
echo "#### $arch: against issue 14's targets (ratios of the rows above)"
echo
echo "| target | measured | held? |"
echo "|---|---:|---|"
for r in "wpwatch_-s|-s" "wpwatch_-s_--no-ustack|-s --no-ustack" "wpwatch_-f_folded|-f folded"; do
	target "\`${r#*|}\` at most 0.8x bpftrace count" "$(ratio "$(total "${r%%|*}")" "$bc_total")" 0.8
done
for r in "wpwatch_-f_json|-f json" "wpwatch|text"; do
	target "streaming \`${r#*|}\`, kernel and user stacks, at most 2x bpftrace count" \
		"$(ratio "$(total "${r%%|*}")" "$bc_total")" 2
done
target "\`--no-stack\` at most 2x the floor" "$(ratio "$(total wpwatch_--no-stack)" "$floor_k")" 2
awk -F'|' '$2 + 0 > b + 0 { b = $2; bm = $1 }
	END { printf "| 200,000 paced writes/s with 0 lost, default ring buffer | %d (`%s`) | %s |\n",
			b, bm, (b >= 200000 ? "yes" : "no") }' $O/paced-best
echo "<!-- /watch-bench $arch -->"
