#!/bin/sh
# The cost of tracing re-randomizable calls with wpwatch lat, against
# bpftrace doing the same job, in guest instructions (run by make bench:
# -icount shift=0, one vCPU, so 1 ns of guest clock is one instruction).
# wpw_latbench times COUNT direct calls of a body and COUNT calls through its
# trampoline (an inline pause around the body; traced, add_pause_list, body,
# remove_pause_list); we run it untraced,
# under every `wpwatch lat` mode and under bpftrace 0.17's one-liners (Debian's,
# hence the Debian root), all in this one guest, and print markdown tables:
# the cost per call, then where it goes (kernel.bpf_stats_enabled=1: the
# kernel's own run time of every BPF program, wpw_progstats).
# A traced row's cost is printed only if its tool timed every call the driver
# made (the driver's own calls counter; the tool's count, and what it did not
# time or lost, from its own output): otherwise the row reads "not measured
# (N of M handled, L lost)" (tests/bench/lib/handled.sh has the rule), and
# the bench fails when a `wpwatch lat` row without --events is not measured.
# rootfs: debian
# wait_ready from the suites' helpers; under -icount BPF loads slower still
. "$(dirname "$0")/../guest/lib.sh"
. "$(dirname "$0")/lib/handled.sh"
WAIT_READY_S=300
N=${LAT_BENCH_CALLS:-20000}
B=/sys/kernel/debug/wpw_latbench/run
modprobe rerandom && modprobe wpw_latbench || { echo "lat bench: modules missing"; exit 1; }
[ -w /sys/kernel/debug/rerandom/period_ms ] && echo 0 >/sys/kernel/debug/rerandom/period_ms
STATS=/proc/sys/kernel/bpf_stats_enabled
echo 0 >$STATS

field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' $B; }
# one measurement: the best (least disturbed) of 3 runs of N calls; made:
# the trampolined calls the driver says it made (its calls counter, each run)
measure() {
	best_d= best_t= made=0
	for _r in 1 2 3; do
		echo "$N" >$B || exit 1
		d=$(field direct_ns) t=$(field tramp_ns)
		made=$((made + $(field calls)))
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

TP_ONELINER='tracepoint:rerandom:rerandom_call_enter { @s[tid] = nsecs; } tracepoint:rerandom:rerandom_call_exit /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }'
KP_ONELINER='kprobe:add_pause_list { @s[tid] = nsecs; } kprobe:remove_pause_list /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }'
# kprobes on add_pause_list/remove_pause_list see calls only while the core's
# call hooks are on (trampolines pause inline otherwise: docs/rerandom.md);
# a bpftrace user turns them on by hand, as here; `wpwatch lat --probe
# kprobe` does it itself
HOOKS=/sys/module/rerandom/parameters/call_hooks
btk() { echo 1 >$HOOKS; traced "$@"; _r=$?; echo 0 >$HOOKS; return $_r; }
# BEGIN runs once every probe is attached: the "Tracing" line. exec: the
# background job's pid is bpftrace's own, so that kill -INT reaches it (a
# background subshell ignores SIGINT, and would keep it from bpftrace)
bt() { exec bpftrace -B line -e "BEGIN { printf(\"Tracing\\n\"); } $1"; }

measure
direct=$best_d tramp=$best_t

# counted OUT: "MADE HITS DELIVERED LOST" of the traced run whose output is
# OUT, for handled(): the calls the driver made, those the tool timed (what
# it printed: hits and delivered alike), those it did not time or lost
counted() {
	case $1 in
	*bt*.out) _c=$(bt_count "$1"); echo "$made $_c $_c $(bt_lost "$1" "$1.err")" ;;
	*) _c=$(lat_calls "$1" wpw_lb_add); echo "$made ${_c:-?} ${_c:-?} $(lat_untimed "$1")" ;;
	esac
}

traced /tmp/lat.out wpwatch lat || exit 1
lat=$best_t
lat_n=$(counted /tmp/lat.out)
# the kprobe flavour (one vCPU here: attaching it while other CPUs call the
# core is what can crash x86_64, docs/latency.md)
traced /tmp/latk.out wpwatch lat --probe kprobe || exit 1
latk=$best_t
latk_n=$(counted /tmp/latk.out)
traced /tmp/lat.json wpwatch lat --format json --events || exit 1
events=$best_t
# --events: every call timed and its body event printed, none lost
set -- $(lat_events /tmp/lat.json wpw_lb_add)
ev_lost=$2 ev_bodies=$3
set -- $(counted /tmp/lat.json)
events_n="$1 $2 $ev_bodies $(awk -v a="$4" -v b="$ev_lost" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) print a + b; else print "?" }')"

if bt_version=$(bpftrace --version 2>&1) && traced /tmp/bt.out bt "$TP_ONELINER"; then
	bt_tp=$best_t
	bt_tp_n=$(counted /tmp/bt.out)
	btk /tmp/btk.out bt "$KP_ONELINER" || exit 1
	bt_kp=$best_t
	bt_kp_n=$(counted /tmp/btk.out)
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
s_lat_n=$(counted /tmp/s_lat.out)
traced /tmp/s_latk.out wpwatch lat --probe kprobe || exit 1
s_latk=$best_t
s_latk_n=$(counted /tmp/s_latk.out)
# (bpftrace's own breakdown: LAT_BENCH_BT_STATS=1; each bpftrace start is
# its compiler's run, the slowest step of this bench under TCG)
if [ -n "$bt_tp" ] && [ "${LAT_BENCH_BT_STATS:-0}" = 1 ]; then
	traced /tmp/s_bt.out bt "$TP_ONELINER" && s_bt_tp=$best_t && s_bt_tp_n=$(counted /tmp/s_bt.out)
	btk /tmp/s_btk.out bt "$KP_ONELINER" && s_bt_kp=$best_t && s_bt_kp_n=$(counted /tmp/s_btk.out)
fi
STATS_ON=0
echo 0 >$STATS

# why COUNTS: nothing when the run timed every call made (COUNTS: "MADE HITS
# DELIVERED LOST", from counted), else its "not measured (...)"
why() {
	# shellcheck disable=SC2086
	handled $1
}
# the cheapest bpftrace row that timed every call
cheapest=
[ -n "$bt_tp" ] && [ -z "$(why "$bt_tp_n")" ] && cheapest=$bt_tp
[ -n "$bt_kp" ] && [ -z "$(why "$bt_kp_n")" ] && { [ -z "$cheapest" ] || [ "$bt_kp" -lt "$cheapest" ]; } && cheapest=$bt_kp
vs_bt() { [ -n "$cheapest" ] && ratio "$1" "$cheapest"; }
row() { # LABEL TOTAL CALLS [COUNTS]: COUNTS for a traced row, not measured unless all were timed
	_why=
	[ -n "${4:-}" ] && _why=$(why "$4")
	if [ -n "$_why" ]; then
		echo "| $1 | $_why | - | - | - | $3 |"
	else
		echo "| $1 | $(per_call "$2") | $(ratio "$2" "$direct") | $(ratio "$2" "$tramp") | $(vs_bt "$2") | $3 |"
	fi
}
# of COUNTS: "TIMED of MADE" for the calls counted column
of() { set -- $1; echo "$3 of $1"; }

# between these marks: what scripts/bench-doc.sh copies into docs/performance.md
echo "<!-- lat-bench $(uname -m) -->"
echo "### wpwatch lat: cost of tracing a trampolined call ($(uname -m), $N calls, best of 3)"
echo
echo "| call | instructions per call | vs direct | vs untraced trampoline | vs cheapest bpftrace | calls counted |"
echo "|---|---:|---:|---:|---:|---:|"
row "direct call of the body" "$direct" ""
row "trampoline, untraced" "$tramp" ""
row "trampoline, \`wpwatch lat\` (tracepoints)" "$lat" "$(of "$lat_n")" "$lat_n"
row "trampoline, \`wpwatch lat --probe kprobe\`" "$latk" "$(of "$latk_n")" "$latk_n"
row "trampoline, \`wpwatch lat --format json --events\`" "$events" \
	"$(of "$events_n") (events lost: ${ev_lost:-?})" "$events_n"
if [ -n "$bt_tp" ]; then
	row "trampoline, bpftrace on the core's tracepoints" "$bt_tp" "$(of "$bt_tp_n")" "$bt_tp_n"
	row "trampoline, bpftrace on kprobes" "$bt_kp" "$(of "$bt_kp_n")" "$bt_kp_n"
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
stat_row() { # LABEL OUT TOTAL COUNTS
	if _why=$(why "$4"); then :; else
		echo "| $1 | - | $_why | - | - |"
		return
	fi
	_progs=$(awk '$1 == "total" { print $3 }' "$2.stats")
	_np=$(awk -v n=$((3 * N)) '$1 != "total" && $2 >= n { c++ } END { print c + 0 }' "$2.stats")
	echo "| $1 | $_np | $_progs | $(awk -v t="$3" -v n="$N" -v p="$_progs" -v u="$tramp" \
		'BEGIN { printf "%.1f", t / n - u / n - p }') | $(per_call "$3") |"
}
stat_row "\`wpwatch lat\`" /tmp/s_lat.out "$s_lat" "$s_lat_n"
stat_row "\`wpwatch lat --probe kprobe\`" /tmp/s_latk.out "$s_latk" "$s_latk_n"
[ -n "${s_bt_tp:-}" ] && stat_row "bpftrace, tracepoints" /tmp/s_bt.out "$s_bt_tp" "$s_bt_tp_n"
[ -n "${s_bt_kp:-}" ] && stat_row "bpftrace, kprobes" /tmp/s_btk.out "$s_bt_kp" "$s_bt_kp_n"
echo
echo "Each program that ran (name, runs, instructions per run):"
echo
for f in /tmp/s_lat.out /tmp/s_latk.out /tmp/s_bt.out /tmp/s_btk.out; do
	[ -e $f.stats ] && awk '$1 != "total" { printf "    %s: %s runs, %s\n", $1, $2, $3 }' $f.stats
done
echo "<!-- /lat-bench $(uname -m) -->"
# wpwatch lat times every call (without --events, nothing can be lost): the
# figures above are exact or the bench fails
rc=0
for c in "tracepoints|$lat_n" "kprobe|$latk_n" "tracepoints, stats on|$s_lat_n" "kprobe, stats on|$s_latk_n"; do
	w=$(why "${c#*|}") && continue
	echo "lat bench: wpwatch lat (${c%%|*}): $w"
	rc=1
done
exit $rc
