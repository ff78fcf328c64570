#!/bin/sh
# The cost of tracing re-randomizable calls with wpwatch lat, against
# bpftrace doing the same job, in guest instructions (run by make bench:
# -icount shift=0, one vCPU, so 1 ns of guest clock is one instruction).
# wpw_latbench times COUNT direct calls of a body and COUNT calls through its
# trampoline (add_pause_list, body, remove_pause_list); we run it untraced,
# under every `wpwatch lat` mode and under bpftrace 0.17's one-liners (Debian's,
# hence the Debian root), all in this one guest, and print markdown tables:
# the cost per call, then where it goes (kernel.bpf_stats_enabled=1: the
# kernel's own run time of every BPF program, wpw_progstats).
# rootfs: debian
# wait_ready from the suites' helpers; under -icount BPF loads slower still
. "$(dirname "$0")/../guest/lib.sh"
WAIT_READY_S=300
N=${LAT_BENCH_CALLS:-20000}
B=/sys/kernel/debug/wpw_latbench/run
modprobe rerandom && modprobe wpw_latbench || { echo "lat bench: modules missing"; exit 1; }
[ -w /sys/kernel/debug/rerandom/period_ms ] && echo 0 >/sys/kernel/debug/rerandom/period_ms
STATS=/proc/sys/kernel/bpf_stats_enabled
echo 0 >$STATS

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
per_call() { awk -v t="$1" -v n="$N" 'BEGIN { printf "%.1f", t / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# the programs that ran, "NAME per-run" lines, and their sum per traced call
progstats() {
	wpw_progstats | awk -v n=$((3 * N)) '{ printf "%s %d %.1f\n", $1, $2, $3 / $2; s += $3 }
		END { printf "total - %.1f\n", s / n }'
}

# traced OUT CMD...: measure with CMD attached (its stdout in OUT, stderr in
# OUT.err; it must print a line starting "Tracing" once attached); with
# STATS_ON=1, the BPF programs' own cost goes to OUT.stats
traced() {
	_out=$1
	shift
	echo "lat bench: measuring under $*" >&2
	"$@" >"$_out" 2>"$_out.err" &
	_pid=$!
	if ! wait_ready $_pid "$_out" "$_out.err"; then
		cat "$_out.err"
		return 1
	fi
	measure
	[ "${STATS_ON:-0}" = 1 ] && progstats >"$_out.stats"
	kill -INT $_pid
	wait $_pid
}
# bpftrace's hist: the counts of its buckets, summed
bt_count() { awk '/^\[/ { for (i = 1; i < NF; i++) if ($i ~ /\)$/) { s += $(i + 1); break } }
	END { print s + 0 }' "$1"; }

TP_ONELINER='tracepoint:rerandom:rerandom_call_enter { @s[tid] = nsecs; } tracepoint:rerandom:rerandom_call_exit /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }'
KP_ONELINER='kprobe:add_pause_list { @s[tid] = nsecs; } kprobe:remove_pause_list /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }'
# BEGIN runs once every probe is attached: the "Tracing" line. exec: the
# background job's pid is bpftrace's own, so that kill -INT reaches it (a
# background subshell ignores SIGINT, and would keep it from bpftrace)
bt() { exec bpftrace -B line -e "BEGIN { printf(\"Tracing\\n\"); } $1"; }

measure
direct=$best_d tramp=$best_t

traced /tmp/lat.out wpwatch lat || exit 1
lat=$best_t
lat_calls=$(awk '$1 == "wpw_lb_add" { print $2 }' /tmp/lat.out)
# the kprobe flavour (one vCPU here: attaching it while other CPUs call the
# core is what can crash x86_64, docs/latency.md)
traced /tmp/latk.out wpwatch lat --probe kprobe || exit 1
latk=$best_t
latk_calls=$(awk '$1 == "wpw_lb_add" { print $2 }' /tmp/latk.out)
traced /tmp/lat.json wpwatch lat --format json --events || exit 1
events=$best_t
lost=$(tail -n1 /tmp/lat.json | sed 's/.*"lost":\([0-9]*\).*/\1/')

if bt_version=$(bpftrace --version 2>&1) && traced /tmp/bt.out bt "$TP_ONELINER"; then
	bt_tp=$best_t
	bt_tp_calls=$(bt_count /tmp/bt.out)
	traced /tmp/btk.out bt "$KP_ONELINER" || exit 1
	bt_kp=$best_t
	bt_kp_calls=$(bt_count /tmp/btk.out)
else
	echo "lat bench: bpftrace did not run on $(uname -m): $bt_version"
	sed 's/^/  /' /tmp/bt.out.err 2>/dev/null | head -n 20
	bt_tp= bt_kp=
fi

# where the instructions go: the same runs with the kernel's BPF statistics
echo 1 >$STATS
STATS_ON=1
traced /tmp/s_lat.out wpwatch lat || exit 1
s_lat=$best_t
traced /tmp/s_latk.out wpwatch lat --probe kprobe || exit 1
s_latk=$best_t
# (bpftrace's own breakdown: LAT_BENCH_BT_STATS=1; each bpftrace start is
# its compiler's run, the slowest step of this bench under TCG)
if [ -n "$bt_tp" ] && [ "${LAT_BENCH_BT_STATS:-0}" = 1 ]; then
	traced /tmp/s_bt.out bt "$TP_ONELINER" && s_bt_tp=$best_t
	traced /tmp/s_btk.out bt "$KP_ONELINER" && s_bt_kp=$best_t
fi
STATS_ON=0
echo 0 >$STATS

cheapest=
for v in $bt_tp $bt_kp; do
	[ -z "$cheapest" ] || [ "$v" -lt "$cheapest" ] && cheapest=$v
done
vs_bt() { [ -n "$cheapest" ] && ratio "$1" "$cheapest"; }
row() { # LABEL TOTAL CALLS
	echo "| $1 | $(per_call "$2") | $(ratio "$2" "$direct") | $(ratio "$2" "$tramp") | $(vs_bt "$2") | $3 |"
}

# between these marks: what scripts/bench-doc.sh copies into docs/performance.md
echo "<!-- lat-bench $(uname -m) -->"
echo "### wpwatch lat: cost of tracing a trampolined call ($(uname -m), $N calls, best of 3)"
echo
echo "| call | instructions per call | vs direct | vs untraced trampoline | vs cheapest bpftrace | calls counted |"
echo "|---|---:|---:|---:|---:|---:|"
row "direct call of the body" "$direct" ""
row "trampoline, untraced" "$tramp" ""
row "trampoline, \`wpwatch lat\` (tracepoints)" "$lat" "${lat_calls:-?} of $((3 * N))"
row "trampoline, \`wpwatch lat --probe kprobe\`" "$latk" "${latk_calls:-?} of $((3 * N))"
row "trampoline, \`wpwatch lat --format json --events\`" "$events" "(events lost: ${lost:-?})"
if [ -n "$bt_tp" ]; then
	row "trampoline, bpftrace on the core's tracepoints" "$bt_tp" "$bt_tp_calls of $((3 * N))"
	row "trampoline, bpftrace on kprobes" "$bt_kp" "$bt_kp_calls of $((3 * N))"
fi
echo
echo "bpftrace: ${bt_version:-none}; its one-liners:"
echo
echo "    $TP_ONELINER"
echo "    $KP_ONELINER"
echo
echo "### Where the instructions of a traced call go ($(uname -m), kernel.bpf_stats_enabled=1)"
echo
echo "| tool | probes per call | BPF programs' run time per call | the rest of the traced call (probe entry and dispatch, stats' own clock reads, the core's timing) | whole call, stats on |"
echo "|---|---:|---:|---:|---:|"
stat_row() { # LABEL OUT TOTAL
	_progs=$(awk '$1 == "total" { print $3 }' "$2.stats")
	_np=$(awk -v n=$((3 * N)) '$1 != "total" && $2 >= n { c++ } END { print c + 0 }' "$2.stats")
	echo "| $1 | $_np | $_progs | $(awk -v t="$3" -v n="$N" -v p="$_progs" -v u="$tramp" \
		'BEGIN { printf "%.1f", t / n - u / n - p }') | $(per_call "$3") |"
}
stat_row "\`wpwatch lat\`" /tmp/s_lat.out "$s_lat"
stat_row "\`wpwatch lat --probe kprobe\`" /tmp/s_latk.out "$s_latk"
[ -n "${s_bt_tp:-}" ] && stat_row "bpftrace, tracepoints" /tmp/s_bt.out "$s_bt_tp"
[ -n "${s_bt_kp:-}" ] && stat_row "bpftrace, kprobes" /tmp/s_btk.out "$s_bt_kp"
echo
echo "Each program that ran (name, runs, instructions per run):"
echo
for f in /tmp/s_lat.out /tmp/s_latk.out /tmp/s_bt.out /tmp/s_btk.out; do
	[ -e $f.stats ] && awk '$1 != "total" { printf "    %s: %s runs, %s\n", $1, $2, $3 }' $f.stats
done
echo "<!-- /lat-bench $(uname -m) -->"
# every traced call counted: the figures above are exact or the bench fails
[ "$lat_calls" = $((3 * N)) ] && [ "$latk_calls" = $((3 * N)) ] ||
	{ echo "lat bench: wpwatch lat counted $lat_calls and $latk_calls calls, want $((3 * N))"; exit 1; }
