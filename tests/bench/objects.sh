#!/bin/sh
# Benchmark (not a test) of wpwatch watch on a field of an object (issue 26),
# in one busybox guest:
#   BENCH=objects scripts/bench.sh x86_64     (or arm64)
# which runs tests/vm/run --icount (-icount shift=0, one vCPU): the guest
# clock counts instructions (1 ns = 1 instruction), so figures are
# instructions and repeat from run to run.
#
# The objects are tests/kmod/wpw_objects.c's, armed as 23-watch-objects arms
# them: `wpwatch watch -c wpw_objects kmem_cache_alloc:ret` (what the cache
# hands the module's thread; the field is n_klist, the first 8 bytes).
#  1. The arming window: NOBJ objects, one at a time (--max-objects 1), each
#     allocated (armed), written once DELAY us after the write command
#     started (the debugfs command after the alloc), then freed; DELAY swept
#     over DELAYS, NOBJ / (number of DELAYS) objects each. wpwatch's own
#     figure is its "objects" JSON line (arming_window_ns: n, min, avg, max;
#     it has no median); the sweep gives, per DELAY, the writes missed (a
#     write is caught when an event has its value, which is the object's own)
#     and the shortest DELAY from which on none was missed, with the time
#     from each object's arming call (the event's armed_ns) to its write
#     (the module's log), the shortest caught: a write cannot come sooner
#     than one debugfs command after the allocation that armed it, so when
#     none is missed the window is only bounded by that. The sweep is
#     printed only when wpwatch delivered every hit it had, 0 lost (a lost
#     event would read as a miss).
#  2. The cost of one write to an armed object: K writes of the field, one
#     debugfs command, no gap (wpw_objects' "write ID K 0 0"), once the
#     object is armed and wpwatch has gone idle, against the same address
#     watched as a static SPEC (`wpwatch watch 0xADDR:8`) and not watched.
#     Per write:
#      kernel   = the module's own timestamps (its log: CLOCK_MONOTONIC just
#                 before each store), first to last over K - 1, minus the
#                 unwatched row. wpwatch cannot run inside that span: the
#                 writer is a kernel thread that makes its K stores with no
#                 rescheduling point between them, on one vCPU, and both
#                 stock kernels preempt only voluntarily
#                 (CONFIG_PREEMPT_VOLUNTARY), so wpwatch runs after the last
#                 store and is counted once, in consumer;
#      consumer = wpwatch's own CPU time (/proc/PID/task/*/schedstat) from
#                 before the writes until it has drained them, per write;
#      total    = kernel + consumer.
#     ROUNDS rounds, the three rows once per round in the same order; each
#     row is its round with the lowest total. Output goes to a file on the
#     guest's /tmp (tmpfs), -f json with kernel and user stacks, 64 MiB ring
#     buffer (the writer does not yield during its K writes).
#     A row's cost is printed only if wpwatch handled every write made, in
#     every round: hits = delivered = the writes made and 0 lost, each
#     counted from its own source (the writes by the module's objects file,
#     hits and lost as wpwatch says, delivered from the events it printed
#     for that object); otherwise the row reads "not measured (N of M
#     handled, L lost)" (tests/bench/lib/handled.sh has the rule), and the
#     bench fails.
# Prints markdown between "<!-- objects-bench ARCH -->" marks, which
# scripts/bench-doc.sh copies into docs/performance.md.
. "$(dirname "$0")/lib/handled.sh"
OB=/sys/kernel/debug/wpw_objects
NOBJ=${NOBJ:-54}
DELAYS=${DELAYS:-0 10 20 50 100 200 500 1000 5000}
K=${K:-2000}
ROUNDS=${ROUNDS:-2}
SPEC=kmem_cache_alloc:ret
O=/tmp/ob
mkdir -p $O
modprobe wpw_objects || exit 1
arch=$(uname -m)
rc=0

ocmd() { echo "$*" >$OB/cmd || echo "bench: wpw_objects: '$*' failed" >&2; }
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
# watch ARGS...: wpwatch watch ARGS in the background, its pid in $wp, back
# once it says it is tracing; exits the bench if it died or took 120 s
watch() {
	rm -f $O/out $O/err
	wpwatch watch "$@" >$O/out 2>$O/err &
	wp=$!
	_i=0
	while ! grep -q 'tracing writes' $O/err 2>/dev/null; do
		if ! kill -0 $wp 2>/dev/null || [ $_i -gt 1200 ]; then
			echo "bench: wpwatch watch $* failed to start:" >&2
			cat $O/err >&2
			exit 1
		fi
		_i=$((_i + 1))
		sleep 0.1
	done
}
stop() { kill -INT $wp; wait $wp; }
objs() {	# objs KEY: a member of wpwatch's "objects" JSON line in $O/out
	gojq -r "select(.type == \"objects\") | .$1" $O/out
}
col() { awk -v id="$1" -v c="$2" '$1 == id { print $c }' $OB/objects; }	# col ID COLUMN
# events ADDR: the write events wpwatch printed for the object at ADDR
events() { gojq -c "select(.type == \"write\" and .object.holder == \"$1\")" $O/out | wc -l; }

# --- 1. the arming window -----------------------------------------------------
ndel=$(echo $DELAYS | wc -w)
per=$((NOBJ / ndel))
[ $per -ge 1 ] || per=1
ocmd clear
watch -f json -c wpw_objects --max-objects 1 --ringbuf-size 67108864 $SPEC
: >$O/delays
id=0
r=1
while [ $r -le $per ]; do	# the delays interleaved, round after round
	for d in $DELAYS; do
		ocmd "alloc 1"	# armed from kmem_cache_alloc's return
		ocmd "write $id 1 $d"	# D us after this command starts
		echo "$id $d" >>$O/delays
		ocmd "free $id"
		sleep 0.2	# the slot parked again before the next object
		id=$((id + 1))
	done
	r=$((r + 1))
done
cp $OB/log $O/winlog
stop
gojq -r 'select(.type == "write") | .value' $O/out >$O/winvals
# "VALUE ARMED_NS" of every write caught: when the object's arming call ran
gojq -r 'select(.type == "write") | "\(.value) \(.object.armed_ns)"' $O/out >$O/winarmed
win_n=$(objs arming_window_ns.n) win_min=$(objs arming_window_ns.min)
win_avg=$(objs arming_window_ns.avg) win_max=$(objs arming_window_ns.max)
win_noslot=$(objs not_armed_no_slot)
win_h=$(wpw_hits $O/err) win_l=$(wpw_lost $O/err)
win_d=$(grep -c '^{"type":"write"' $O/out)
win_why=$(handled "$win_h" "$win_h" "$win_d" "$win_l")
[ "$win_noslot" = 0 ] || win_why="not measured ($win_noslot objects found no free slot)"
caught() { grep -qxF "$(awk -v id="$1" '$1 == id { print $3 }' $O/winlog)" $O/winvals; }
: >$O/sweep
for d in $DELAYS; do
	miss=0 n=0
	for i in $(awk -v d=$d '$2 == d { print $1 }' $O/delays); do
		n=$((n + 1))
		caught "$i" || miss=$((miss + 1))
	done
	# the shortest time from an arming call to a write caught, from the
	# module's log (the write's time) and the event (the call's time)
	soon=$(awk -v d=$d 'FILENAME == ARGV[1] { if ($2 == d) want[$1] = 1; next }
		FILENAME == ARGV[2] { if ($1 in want) t[$3] = $4; next }
		($1 in t) { x = t[$1] - $2; if (m == "" || x < m) m = x }
		END { print (m == "" ? "-" : m) }' $O/delays $O/winlog $O/winarmed)
	echo "$d $n $miss $soon" >>$O/sweep
done
# the shortest delay from which on (every longer one too) no write was missed
shortest=$(awk '{ d[NR] = $1; m[NR] = $3 } END { s = "none"
	for (i = NR; i >= 1 && m[i] == 0; i--) s = d[i]; print s }' $O/sweep)
ocmd clear

# --- 2. the cost of one write: unwatched, static SPEC, object SPEC ------------
# span: "FIRST LAST N" of object 0's writes in the module's log
span() { awk '$1 == 0 { if (!n) f = $4; l = $4; n++ } END { print f + 0, l + 0, n + 0 }' $OB/log; }
# measure NAME: one row, one round; appends "NAME kernel-raw consumer h/d/l made"
# to $O/results, kernel-raw per write before the unwatched row is subtracted
measure() {
	ocmd clear
	h=0 d=0 l=0 r0=0 r1=0 r2=0 wp=
	case $1 in
	none)
		ocmd "alloc 1" ;;
	static)
		ocmd "alloc 1"
		watch -f json --ringbuf-size 67108864 "$(col 0 2):8" ;;
	object)
		watch -f json -c wpw_objects --max-objects 1 --ringbuf-size 67108864 $SPEC
		ocmd "alloc 1"	# armed from kmem_cache_alloc's return
		drained $wp ;;	# past the arming window: the slot is live
	esac
	addr=$(col 0 2)
	[ -n "$wp" ] && r0=$(runtime $wp)
	ocmd "write 0 $K 0 0"
	made=$(col 0 4)
	if [ -n "$wp" ]; then
		drained $wp
		r2=$(runtime $wp)
		stop
		h=$(wpw_hits $O/err) l=$(wpw_lost $O/err)
		if [ "$1" = object ]; then d=$(events "$addr"); else d=$(wpw_printed $O/out -f json); fi
	else
		h=$made d=$made
	fi
	if ! why=$(handled "$made" "$h" "$d" "$l"); then
		echo "bench: $1: $why; its stderr:" >&2
		tail -n 20 $O/err | sed 's/^/bench:   /' >&2
	fi
	# shellcheck disable=SC2046
	set -- "$1" $(span)
	kern=$(awk -v f="$2" -v t="$3" -v n="$4" 'BEGIN { printf "%.0f", (n > 1 ? (t - f) / (n - 1) : 0) }')
	cons=$(awk -v c=$((r2 - r0)) -v n="$made" 'BEGIN { printf "%.0f", (n > 0 ? c / n : 0) }')
	echo "$1 $kern $cons ${h:-?}/${d:-?}/${l:-?} ${made:-?}" >>$O/results
}
modes="none|not watched (the module's write loop alone; subtracted from the rows below)
static|\`wpwatch watch -f json 0xADDR:8\`: the object's field as a static SPEC
object|\`wpwatch watch -f json -c wpw_objects --max-objects 1 $SPEC\`: the object SPEC, armed"
: >$O/results
r=1
while [ $r -le "$ROUNDS" ]; do
	for m in none static object; do
		measure $m
	done
	r=$((r + 1))
done
ocmd clear
rmmod wpw_objects
sed 's/^/bench: round: /' $O/results >&2

# best NAME: "kernel consumer hdl total" of the round with the lowest total
best() {
	awk -v n="$1" '$1 == n { t = $2 + $3; if (!seen || t < bt) { bt = t; b = $0 }; seen = 1 }
		END { split(b, f, " "); printf "%s %s %s %.0f\n", f[2], f[3], f[4], bt }' $O/results
}
# verdict NAME: nothing when every round of NAME handled every write made
verdict() {
	awk -v n="$1" '$1 == n { split($4, c, "/"); print $5, c[1], c[2], c[3]; seen = 1 }
		END { if (!seen) print "? ? ? ?" }' $O/results |
		while read -r _w _h _d _l; do
			handled "$_w" "$_h" "$_d" "$_l" || break
		done
}

echo "<!-- objects-bench $arch -->"
echo "#### $arch: the arming window of an object SPEC (guest instructions = ns)"
echo
echo "$(uname -r); \`wpwatch watch -f json -c wpw_objects --max-objects 1 $SPEC\`, $id objects"
echo "of tests/kmod/wpw_objects.c one at a time, each written once DELAY us after the write command"
echo "started (the debugfs command after the allocation that armed it), then freed."
echo
if [ -n "$win_why" ]; then
	echo "wpwatch's arming window and the sweep: $win_why"
	rc=1
else
	echo "| wpwatch's own figure (\`objects\` line, arming_window_ns) | objects | min | avg | max |"
	echo "|---|---:|---:|---:|---:|"
	echo "| the arming call to the slot live on every CPU | $win_n | $win_min | $win_avg | $win_max |"
	echo
	echo "| write DELAY after the write command started | objects | writes missed | arming call to write, shortest caught |"
	echo "|---:|---:|---:|---:|"
	while read -r _d _n _m _s; do
		echo "| $((_d * 1000)) | $_n | $_m | $_s |"
	done <$O/sweep
	echo
	soonest=$(awk '$4 != "-" && (m == "" || $4 < m) { m = $4 } END { print m }' $O/sweep)
	if [ "$shortest" = none ]; then
		echo "Shortest DELAY with no write missed from there on: none (a write was missed at the longest DELAY)."
		rc=1
	elif [ "$shortest" = "$(echo $DELAYS | cut -d' ' -f1)" ]; then
		echo "No write was missed, the soonest $soonest instructions after its arming call: the"
		echo "harness writes no sooner (a debugfs command after the allocation), so the window is"
		echo "only bounded by it here; wpwatch's own figure above is the measure."
	else
		echo "Shortest DELAY with no write missed from there on: $((shortest * 1000)) instructions."
	fi
fi
echo
echo "#### $arch: cost of one write to an armed object's field, beside the static SPEC (guest instructions)"
echo
echo "$K writes of the 8-byte field in one debugfs command, no gap, the object armed and wpwatch"
echo "idle before; kernel from the module's own per-write timestamps; $ROUNDS interleaved rounds,"
echo "each row its round with the lowest total; output to a file on tmpfs, 64 MiB ring buffer."
echo
echo "| watcher | kernel | consumer | total | x static SPEC | hits/delivered/lost |"
echo "|---|---:|---:|---:|---:|---:|"
base=$(best none | cut -d' ' -f1)
# total NAME: a watched row's kernel (less the unwatched row) + consumer, or
# "-" when it or the unwatched row is not measured
total() {
	if [ -n "$(verdict none)" ] || [ -n "$(verdict "$1")" ]; then echo -; return; fi
	best "$1" | awk -v b="$base" '{ printf "%.0f", $1 - b + $2 }'
}
static_total=$(total static)
printf '%s\n' "$modes" | while IFS='|' read -r _m _what; do
	# shellcheck disable=SC2046
	set -- $(best "$_m")
	_why=$(verdict "$_m")
	[ -z "$_why" ] && [ "$_m" != none ] && _why=$(verdict none)
	if [ -n "$_why" ]; then
		printf '| %s | %s | - | - | - | %s |\n' "$_what" "$_why" "$3"
	elif [ "$_m" = none ]; then
		printf '| %s | %s | - | - | - | %s |\n' "$_what" "$1" "$3"
	else
		_t=$(total "$_m")
		_x=$(awk -v a="$_t" -v b="$static_total" 'BEGIN { if (b != "-" && b > 0) printf "%.2f", a / b; else print "-" }')
		printf '| %s | %s | %s | %s | %s | %s |\n' "$_what" "$(($1 - base))" "$2" "$_t" "$_x" "$3"
	fi
done
echo "<!-- /objects-bench $arch -->"
for m in none static object; do
	_why=$(verdict $m)
	[ -z "$_why" ] && continue
	echo "bench: $m: $_why"
	rc=1
done
exit $rc
