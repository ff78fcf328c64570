#!/bin/sh
# The cost of tracing re-randomizable calls with wpwatch lat, in guest
# instructions (run by make bench: -icount shift=0, one vCPU, so 1 ns of guest
# clock is one instruction). wpw_latbench times COUNT direct calls of a body
# and COUNT calls through its trampoline (add_pause_list, body,
# remove_pause_list); we run it untraced, under `wpwatch lat` (in-kernel
# histograms; the core's tracepoints, then kprobes) and under
# `wpwatch lat --format json --events` (plus one ring
# buffer record per call, drained by user space), and print a markdown table.
N=${LAT_BENCH_CALLS:-20000}
B=/sys/kernel/debug/wpw_latbench/run
modprobe rerandom && modprobe wpw_latbench || { echo "lat bench: modules missing"; exit 1; }
[ -w /sys/kernel/debug/rerandom/period_ms ] && echo 0 >/sys/kernel/debug/rerandom/period_ms

field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' $B; }
# one measurement: the best (least disturbed) of 3 runs of N calls
measure() {
	best_d= best_t=
	for _r in 1 2 3; do
		echo "$N" >$B || exit 1
		d=$(field direct_ns) t=$(field tramp_ns)
		[ -z "$best_d" ] || [ "$d" -lt "$best_d" ] && best_d=$d
		[ -z "$best_t" ] || [ "$t" -lt "$best_t" ] && best_t=$t
	done
}
wait_ready() {
	_i=0
	while ! grep -q '^Tracing' "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 3000 ] && return 1
		sleep 0.1
	done
}
per_call() { awk -v t="$1" -v n="$N" 'BEGIN { printf "%.1f", t / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

measure
direct=$best_d tramp=$best_t

# traced OUT ARGS...: measure with `wpwatch lat ARGS` attached (stdout in OUT)
traced() {
	_out=$1
	shift
	wpwatch lat "$@" >"$_out" 2>"$_out.err" &
	_pid=$!
	wait_ready "$_out.err" || { cat "$_out.err"; exit 1; }
	measure
	kill -INT $_pid
	wait $_pid
}

traced /tmp/lat.out
traced=$best_t
calls=$(grep '^wpw_lb_add ' /tmp/lat.out | awk '{ print $2 }')
# the kprobe flavour (one vCPU here: attaching it while other CPUs call the
# core is what can crash x86_64, docs/latency.md)
traced /tmp/lat3.out --probe kprobe
kprobed=$best_t
traced /tmp/lat.json --format json --events
events=$best_t
lost=$(tail -n1 /tmp/lat.json | sed 's/.*"lost":\([0-9]*\).*/\1/')

echo "### wpwatch lat: cost of tracing a trampolined call ($(uname -m), $N calls, best of 3)"
echo
echo "| call | instructions per call | vs direct | vs untraced trampoline |"
echo "|---|---:|---:|---:|"
echo "| direct call of the body | $(per_call "$direct") | 1.00 | |"
echo "| trampoline, untraced | $(per_call "$tramp") | $(ratio "$tramp" "$direct") | 1.00 |"
echo "| trampoline, \`wpwatch lat\` (tracepoints) | $(per_call "$traced") | $(ratio "$traced" "$direct") | $(ratio "$traced" "$tramp") |"
echo "| trampoline, \`wpwatch lat --probe kprobe\` | $(per_call "$kprobed") | $(ratio "$kprobed" "$direct") | $(ratio "$kprobed" "$tramp") |"
echo "| trampoline, \`wpwatch lat --format json --events\` | $(per_call "$events") | $(ratio "$events" "$direct") | $(ratio "$events" "$tramp") |"
echo
echo "(calls counted by wpwatch lat over its 3 runs: ${calls:-?}, want $((3 * N)); events lost: ${lost:-?})"
