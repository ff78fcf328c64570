#!/bin/sh
# Benchmark (not a test) of bfq re-randomized under fio (issue 16, "Cost,
# Adelie-style"): what moving all of bfq's bodies costs a disk's I/O.
#   BENCH=bfq scripts/bench.sh x86_64      (or arm64)
# boots one guest on the Debian root (Debian's fio; /dev/vda is the root
# disk) with -icount shift=0 and one vCPU: the guest clock counts
# instructions, 1 ns = 1 instruction while the vCPU runs.
#
# The same fio job (one job, 4 KiB random reads and writes, direct, psync,
# a fixed number of I/Os, fixed random seed) runs on two disks, back to back
# in every configuration: a file of the root file system on /dev/vda (the
# host's disk through virtio), and the raw /dev/nullb0 (Debian's null_blk,
# completing each request in the guest at once, no data: every guest ns of
# that run is an instruction, so its rows do not depend on the host). The
# configurations: the scheduler each disk had before (context), Debian's own
# bfq.ko (insmod of the stock module, put beside ours by the '# stock-modules:'
# header, with null_blk), then our bfq.ko (modprobe, from extra/) with passes
# off and every 20, 5 and 1 ms. ROUNDS interleaved rounds, every
# configuration once per round in that order; each row is the median round.
# Issue 25's targets are computed from the null_blk rows (docs/performance.md,
# "Which disk the targets use"): on /dev/vda a timed pass is spread over the
# I/Os the host's disk latency lets happen in that time.
# Per configuration, over the fio job's I/O only (fio's exec_prerun and
# exec_postrun take the looks):
#   busy   = elapsed guest ns minus the CPU's idle and iowait time
#            (/proc/timer_list): the instructions the guest executed;
#   elapsed guest ns: under -icount the clock also runs, at host real time,
#            while the vCPU sleeps waiting for the disk (QEMU's default
#            sleep=on), so elapsed and IOPS carry the host's I/O latency
#            and load; busy does not.
# Then the time of one pass over all of bfq's bodies (on demand, the core's
# last_pass_ns), and a `wpwatch lat --svg` run during the same fio job with
# passes every LAT_PERIOD ms: its per-function table (bfq's functions) and
# its picture, written to /mnt/out (the '# out: yes' header: the host's
# .output/bench/ARCH/bfq/) for docs/img/. Markdown between the marks
# <!-- bfq-bench ARCH --> goes to docs/performance.md (scripts/bench-doc.sh).
# The counts a figure is divided by are checked against what was asked
# (tests/bench/lib/handled.sh, the benches' one rule): every run of a row did
# the IOS I/Os fio was asked for (fio's own count), the on-demand table rests
# on TRIGGERS passes (the core's passes counter), and `wpwatch lat` saw every
# pass the core made while it was attached; otherwise the row or table reads
# "not measured (N of M handled, L lost)" instead of its figures.
# rootfs: debian
# stock-modules: bfq null_blk
# out: yes
# wait_ready from the suites' helpers; under -icount BPF loads slower still
. "$(dirname "$0")/../guest/lib.sh"
. "$(dirname "$0")/lib/handled.sh"
WAIT_READY_S=300
# 16,000 I/Os, 5 rounds: at 4,000 and 3 the busy figure of one configuration
# spread by 13 to 26 % between rounds (x86_64)
IOS=${BFQ_BENCH_IOS:-16000}
ROUNDS=${BFQ_BENCH_ROUNDS:-5}
TRIGGERS=${BFQ_BENCH_TRIGGERS:-100}
LAT_PERIOD=${BFQ_BENCH_LAT_PERIOD:-1}
D=/sys/kernel/debug/rerandom
P=/sys/module/rerandom/parameters
Q=/sys/block/vda/queue/scheduler
NQ=/sys/block/nullb0/queue/scheduler
SM=/opt/wpwatch/stock-modules
STOCK=$SM/bfq.ko
W=/tmp/bfq-bench
F=/var/tmp/bfq-bench.dat
# the file: as large as the I/O (4 KiB each), at least 32 MiB, so that the
# random map touches every block at most once
MB=$(((IOS * 4 + 1023) / 1024))
[ $MB -lt 32 ] && MB=32
arch=$(cat /etc/wpwatch/arch 2>/dev/null || uname -m)
march=$(uname -m)
die() { echo "bfq bench: $*"; exit 1; }
st() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }

command -v fio >/dev/null && [ -b /dev/vda ] ||
	die "needs the Debian root (fio, /dev/vda): run it through scripts/bench.sh"
[ -r $STOCK ] || die "no $STOCK (Debian's bfq.ko): scripts/bench.sh puts it there (# stock-modules: bfq)"
grep -q '^bfq ' /proc/modules && die "a bfq module is loaded already"
mkdir -p $W
cd $W || exit 1
before=$(sed 's/.*\[\(.*\)\].*/\1/' $Q)
# null_blk: one disk of 4 KiB sectors, completions in softirq on the
# submitting CPU (its default), no memory behind it (reads return nothing,
# writes are dropped: the bench verifies nothing)
[ -d /sys/module/configfs ] || insmod $SM/configfs.ko ||
	die "cannot insmod Debian's configfs.ko (null_blk needs it)"
insmod $SM/null_blk.ko nr_devices=1 bs=4096 gb=4 ||
	die "cannot insmod Debian's null_blk.ko"
[ -b /dev/nullb0 ] && [ -w $NQ ] || die "null_blk made no /dev/nullb0"
nbefore=$(sed 's/.*\[\(.*\)\].*/\1/' $NQ)

# one look, by fio's exec_prerun/exec_postrun: guest clock, idle + iowait
# time of every CPU (ns, /proc/timer_list), the core's passes and moves
cat >$W/snap <<EOF
# (".iowait_sleeptime:" has no blank before its colon: the number is the
# field before "nsecs"; %.0f: awk's %s would print a large sum as 1.4e+13)
awk '/^now at/ { now = \$3 } /\.(idle|iowait)_sleeptime/ { idle += \$(NF - 1) }
	END { printf "%.0f %.0f ", now, idle }' /proc/timer_list >"\$1"
if [ -r $D/stats ]; then
	awk '\$1 == "passes" || \$1 == "moves" { printf "%s ", \$2 }' $D/stats >>"\$1"
else
	printf '0 0 ' >>"\$1"
fi
EOF
cat >$W/job.fio <<EOF
[bfq-bench]
filename=$F
size=${MB}m
io_size=$((IOS * 4))k
rw=randrw
bs=4k
direct=1
ioengine=psync
numjobs=1
fallocate=none
randrepeat=1
exec_prerun=sh $W/snap $W/s0
exec_postrun=sh $W/snap $W/s1
EOF
# the same job on the raw null_blk disk
sed -e "s|^filename=.*|filename=/dev/nullb0|" -e '/^fallocate=/d' $W/job.fio >$W/job-nb.fio
# the file written once, whole: reads of never-written (unwritten extent)
# blocks would not reach the disk
dd if=/dev/zero of=$F bs=1M count=$MB oflag=direct conv=fsync 2>/dev/null ||
	die "cannot write $F"

# fio_run LABEL ROUND: the job once; a line of results in $W/res. A LABEL
# starting nb- runs the null_blk job.
fio_run() {
	_job=$W/job.fio
	case $1 in nb-*) _job=$W/job-nb.fio ;; esac
	rm -f $W/s0 $W/s1
	fio --output-format=terse --terse-version=3 $_job >$W/out 2>$W/err ||
		{ cat $W/err; die "fio failed ($1)"; }
	[ -s $W/s0 ] && [ -s $W/s1 ] || { cat $W/err; die "fio ran without its looks ($1)"; }
	# terse v3: field 5 error, 6 read KiB, 47 write KiB (the line starting
	# "3;": fio also prints where it saved exec_prerun's output)
	set -- "$1" "$2" $(cat $W/s0) $(cat $W/s1) $(awk -F';' '$1 == 3 { print $5, ($6 + $47) / 4 }' $W/out)
	# LABEL ROUND now0 idle0 passes0 moves0 now1 idle1 passes1 moves1 err ios
	[ "${11}" = 0 ] || die "fio error ${11} ($1)"
	echo "$1 $2 $(($7 - $3)) $(($7 - $3 - ($8 - $4))) ${12} $((${9} - $5)) $((${10} - $6))" >>$W/res
}
# sched NAME [NULLB_NAME]: both disks' scheduler (the second for nullb0,
# when it differs)
sched() {
	echo "$1" >$Q && grep -q "\[$1\]" $Q || die "cannot set /dev/vda to $1"
	echo "${2:-$1}" >$NQ && grep -q "\[${2:-$1}\]" $NQ || die "cannot set /dev/nullb0 to ${2:-$1}"
}
# both LABEL ROUND: the job on /dev/vda, then on null_blk
both() { fio_run "$1" "$2"; fio_run "nb-$1" "$2"; }
period() { echo "$1" >$P/period_ms || die "cannot set period_ms $1"; }

# --- the rounds ---------------------------------------------------------------
: >$W/res
both warmup 0	# page cache, fio's first start: not counted
: >$W/res
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "bfq bench: round $r of $ROUNDS ($IOS I/Os a run)" >&2
	fio_run "$before" $r
	fio_run "nb-$nbefore" $r
	insmod $STOCK || die "cannot insmod Debian's bfq.ko"
	grep '^rerandom ' /proc/modules | grep -q '[ ,]bfq[ ,]' && die "the bfq loaded uses rerandom: not Debian's"
	sched bfq
	both debian $r
	sched "$before" "$nbefore"
	rmmod bfq || die "cannot rmmod Debian's bfq"
	modprobe bfq || die "cannot modprobe our bfq"
	grep '^rerandom ' /proc/modules | grep -q '[ ,]bfq[ ,]' || die "the bfq loaded is not ours"
	# the original research's self-test thread calls nothing of bfq's
	echo 0 >$P/selftest_period
	period 0
	sched bfq
	both ours-off $r
	for p in 20 5 1; do
		period $p
		both ours-$p $r
		period 0
	done
	sched "$before" "$nbefore"
	rmmod bfq || die "cannot rmmod our bfq"
	r=$((r + 1))
done

# --- one pass over all of bfq's bodies, on demand --------------------------
modprobe bfq || die "cannot modprobe our bfq"
period 0
nbodies=$(st bodies)
moves0=$(st moves)
passes0=$(st passes)
: >$W/pass
i=0
while [ $i -lt "$TRIGGERS" ]; do
	echo 1 >$D/trigger || die "trigger failed"
	st last_pass_ns >>$W/pass
	i=$((i + 1))
done
moves=$(($(st moves) - moves0))
# every trigger one pass, every pass one last_pass_ns: the p50 and the moves
# per pass rest on them
passes=$(($(st passes) - passes0))
pass_why=$(handled "$TRIGGERS" "$passes" "$(grep -c . $W/pass)" 0)
failures=$(st failures)
# (after the passes: "moved" in coverage is "moved at least once")
cov=$(sed -n 's/^bfq: //p' $D/coverage)
cp $D/coverage $W/coverage
# the core's count of the places each body could take, with the arena as the
# passes left it (docs/rerandom.md, "Placement"), and which bodies are bfq's
cp $D/places $W/places
cp $D/layout $W/layout

# --- wpwatch lat during the fio job with passes every LAT_PERIOD ms ---------
out=/tmp
[ -d /mnt/out ] && [ -w /mnt/out ] && out=/mnt/out
svg=$out/bfq-lat-$arch.svg
sched bfq
wpwatch lat --format json --svg "$svg" >$W/lat.json 2>$W/lat.err &
latpid=$!
wait_ready $latpid $W/lat.err || { cat $W/lat.err; die "wpwatch lat did not start"; }
lat_p0=$(st passes)
period "$LAT_PERIOD"
fio_run lat 1
period 0
# the passes the core made while wpwatch lat was attached, read a second
# after period 0 so that a pass still running then has ended
sleep 1
lat_passes=$(($(st passes) - lat_p0))
kill -INT $latpid
wait $latpid
latrc=$?
[ $latrc = 0 ] || { cat $W/lat.err; echo "bfq bench: wpwatch lat exited $latrc"; }
sched "$before" "$nbefore"
rmmod bfq || die "cannot rmmod our bfq"
[ -s "$svg" ] || die "no picture $svg"

# --- the tables -------------------------------------------------------------
echo "bfq bench: every run (label round elapsed_ns busy_ns ios passes moves):"
sed 's/^/  /' $W/res
# median LABEL FIELD: the median over the rounds (the lower middle one for
# an even count); spread LABEL FIELD: (max - min) / median, in %
median() { awk -v l="$1" -v f="$2" '$1 == l { print $f }' $W/res | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { awk -v l="$1" -v f="$2" '$1 == l { print $f }' $W/res | sort -n |
	awk '{ v[NR] = $1 } END { printf "%.1f", 100 * (v[NR] - v[1]) / v[int((NR + 1) / 2)] }'; }
# ios_why LABEL: nothing when every run of LABEL did the IOS I/Os asked
# (io_size; fio's own count), else the first other run's "not measured (...)"
ios_why() {
	awk -v l="$1" '$1 == l { print $5; seen = 1 } END { if (!seen) print "?" }' $W/res |
		while read -r _n; do
			handled "$IOS" "$_n" "$_n" 0 || break
		done
}
ios=$IOS
# row LABEL TEXT WANTED: one configuration's line of a disk's table, against
# that disk's Debian row ($deb_busy, $deb_el: set by io_table)
row() {
	_why=$(ios_why "$1")
	if [ -n "$_why" ]; then
		echo "| $2 | $3 | $_why | - | - | - | - | - | - | - |"
		return
	fi
	el=$(median "$1" 3) busy=$(median "$1" 4) pa=$(median "$1" 6)
	awk -v t="$2" -v w="$3" -v el="$el" -v b="$busy" -v n="$ios" -v pa="$pa" -v db="$deb_busy" \
		-v de="$deb_el" -v sb="$(spread "$1" 4)" -v se="$(spread "$1" 3)" 'BEGIN {
		vb = (db == "-" ? "-" : sprintf("%.3f", b / db)); ve = (de == "-" ? "-" : sprintf("%.3f", el / de))
		printf "| %s | %s | %.0f | %.0f | %s | %.0f | %s | %.0f | %s %% | %s %% |\n",
			t, w, pa / (el / 1e9), b / n, vb, el / n, ve, n / (el / 1e9), sb, se }'
}
# io_table PREFIX TITLE SOURCE NOTE: one disk's table (labels PREFIX...)
io_table() {
	deb_busy=$(median "${1}debian" 4)
	deb_el=$(median "${1}debian" 3)
	[ -n "$(ios_why "${1}debian")" ] && deb_busy=- deb_el=-
	_b=$before
	[ -n "$1" ] && _b=$nbefore
	echo "#### $march: fio on $2 through bfq, moved and not (median of $ROUNDS rounds)"
	echo
	echo "$ios I/Os a run (one fio job, 4 KiB randrw 50/50, direct, psync, $3), guest instructions (-icount shift=0: 1 ns = 1 instruction while the vCPU runs)."
	echo
	echo "| bfq | passes wanted/s | passes done/s | busy instructions per I/O | vs Debian's bfq.ko | elapsed guest ns per I/O | vs Debian's bfq.ko | IOPS (guest time) | busy spread | elapsed spread |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	row "$1$_b" "no bfq (\`$_b\`, the disk's default)" -
	row "${1}debian" "Debian's bfq.ko" -
	row "${1}ours-off" "ours, passes off" 0
	row "${1}ours-20" "ours, a pass every 20 ms" 50
	row "${1}ours-5" "ours, a pass every 5 ms" 200
	row "${1}ours-1" "ours, a pass every 1 ms" 1000
	echo
	echo "$4 Spread: (max - min) / median over the rounds."
	echo
}
echo "<!-- bfq-bench $march -->"
io_table nb- "/dev/nullb0 (Debian's null_blk: no host I/O)" "the raw disk's first $MB MiB" \
	"busy: elapsed minus the CPU's idle and iowait time (/proc/timer_list), the instructions run. null_blk completes each request in the guest (a softirq on the same CPU), so the vCPU hardly waits: elapsed is busy plus the few idle moments, and both carry nothing of the host."
io_table "" /dev/vda "a $MB MiB file of the root file system, ext4" \
	"busy: as above. elapsed also counts, at host real time, the vCPU's sleeps waiting for the host's disk, so elapsed, IOPS and how many I/Os a timed pass is spread over depend on the host."
echo "#### $march: one pass over all of bfq's bodies ($TRIGGERS passes on demand, no I/O)"
echo
echo "| bodies | moves per pass | p50 | p90 | min | max | per body (p50) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
if [ -n "$pass_why" ]; then
	echo "| $nbodies | $pass_why | - | - | - | - | - |"
else
	sort -n $W/pass | awk -v nb="$nbodies" -v mv="$moves" -v np="$TRIGGERS" '{ v[NR] = $1 } END {
		p50 = v[int(NR * 0.5 + 0.5)]; p90 = v[int(NR * 0.9 + 0.5)]
		printf "| %d | %.1f | %d | %d | %d | %d | %d |\n", nb, mv / np, p50, p90, v[1], v[NR], p50 / nb }'
fi
echo
echo "Guest instructions of \`rerandom_pass()\` (\`last_pass_ns\`); failed moves: $failures. Coverage: $cov."
echo

# --- issue 25's targets, each computed from a row above ------------------------
# ratio LABEL DEBIAN: LABEL's median busy over DEBIAN's; empty when either
# row is not measured, or when a move failed (the core's failures, all runs)
ratio() {
	{ [ -n "$(ios_why "$1")" ] || [ -n "$(ios_why "$2")" ] || [ "$failures" != 0 ]; } && return
	awk -v b="$(median "$1" 4)" -v d="$(median "$2" 4)" 'BEGIN { printf "%.3f", b / d }'
}
# target TEXT VALUE MAX [VDA]: a row, "held?" from VALUE <= MAX; VDA, the
# same figure on /dev/vda, for context
target() {
	_v=-
	[ $# -ge 4 ] && _v=${4:-not measured}
	if [ -z "$2" ]; then
		echo "| $1 | not measured | ≤ $3 | - | $_v |"
		return
	fi
	awk -v t="$1" -v v="$2" -v m="$3" -v o="$_v" 'BEGIN {
		printf "| %s | %s | ≤ %s | %s | %s |\n", t, v, m, (v + 0 <= m + 0) ? "yes" : sprintf("no (%.0f %% over)", 100 * (v - m) / m), o }'
}
# tratio PERIOD: the target row of ours-PERIOD on null_blk, with /dev/vda's
tratio() { target "$1" "$(ratio "nb-ours-$2" nb-debian)" "$3" "$(ratio "ours-$2" debian)"; }
per_body=
[ -z "$pass_why" ] && [ "$failures" = 0 ] && per_body=$(sort -n $W/pass | awk -v nb="$nbodies" '{ v[NR] = $1 } END { printf "%d", v[int(NR * 0.5 + 0.5)] / nb }')
echo "#### $march: the cost targets (issue 25), from the tables above"
echo
echo "| figure | measured (null_blk) | target | held? | on /dev/vda (the host's disk) |"
echo "|---|---:|---:|---|---:|"
tratio "bfq, passes off, busy vs Debian's bfq.ko" off 1.04
tratio "bfq, a pass every 20 ms, busy vs Debian's" 20 1.06
tratio "bfq, a pass every 5 ms, busy vs Debian's" 5 1.12
tratio "bfq, a pass every 1 ms, busy vs Debian's" 1 1.35
target "one pass over bfq, instructions per body (p50)" "$per_body" 600
echo
echo "Measured on null_blk, where the I/Os a timed pass is spread over are themselves guest instructions; /dev/vda's figure, for context, carries the host's disk latency (docs/performance.md, \"Which disk the targets use\"). A figure reads \"not measured\" when its row, or Debian's, did not do every I/O asked, or when a move failed ($failures failed moves). The call's cost is tests/bench/rerandom.sh's table."
echo
lat_seen=$(python3 -c 'import json, sys
print([json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]["passes"]["count"])' $W/lat.json)
lat_why=$(handled "$lat_passes" "$lat_seen" "$lat_seen" 0)
[ -n "$(ios_why lat)" ] && lat_why="$lat_why${lat_why:+; }fio: $(ios_why lat)"
python3 - $W/lat.json $W/coverage "$LAT_PERIOD" "$(basename "$svg")" "$lat_why" <<'EOF' || die "cannot read wpwatch lat's report"
import json, sys
rep = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][-1]
moving = {l.split()[1] for l in open(sys.argv[2]) if l.startswith('moved ')}
fns = rep['functions']
ours = [f for f in fns if f['name'] in moving]
others = [f['name'] for f in fns if f['name'] not in moving]
calls = sum(f['count'] for f in fns)
p = rep['passes']
print(f"#### wpwatch lat during the same fio job, a pass every {sys.argv[3]} ms")
print()
if sys.argv[5]:
    # it missed passes the core made (or fio fell short): its table is no measure
    print(f"`wpwatch lat --format json --svg {sys.argv[4]}`, against the passes the core made while it was attached: {sys.argv[5]}.")
    sys.exit(0)
print(f"`wpwatch lat --format json --svg {sys.argv[4]}`: {len(fns)} functions in its per-function table, "
      f"{len(ours)} of them among bfq's {len(moving)} moving functions"
      + (f" (others: {', '.join(others)})" if others else "")
      + f"; {calls} calls timed; {p['count']} passes ({p['per_sec']:.0f}/s), {p['moved']} moves, {p['failed']} failed; "
      f"untimed: {rep['untimed']['too_deep']} nested deeper than the stack, {rep['untimed']['unmatched']} running at attach. "
      "The 15 with the most time (instructions; a body's time includes its nested calls and the tracing):")
print()
print("| function | calls | total | avg | p99 | max |")
print("|---|---:|---:|---:|---:|---:|")
for f in sorted(fns, key=lambda f: -f['total'])[:15]:
    print(f"| `{f['name']}` | {f['count']} | {f['total']:.0f} | {f['avg']:.0f} | {f['p99']:.0f} | {f['max']:.0f} |")
print()
print(f"Passes (instructions, traced): p50 {p['p50']:.0f}, p99 {p['p99']:.0f}, max {p['max']:.0f}; "
      "steps: " + ", ".join(f"{s['name']} {s['avg']:.0f}" for s in p['steps']) + " (average each).")
EOF
# what the tracing itself cost that fio job (one run, against the median
# untraced run at the same period when there is one)
set -- $(awk '$1 == "lat" { print $4, $5 }' $W/res)
untraced=$(median "ours-$LAT_PERIOD" 4)
[ -n "$(ios_why "ours-$LAT_PERIOD")" ] && untraced=
echo
if [ -n "$(ios_why lat)" ]; then
	echo "The fio job under \`wpwatch lat\`: $(ios_why lat)."
else
	awk -v b="$1" -v n="$2" -v u="$untraced" -v p="$LAT_PERIOD" 'BEGIN {
		printf "The fio job under `wpwatch lat`: %.0f busy instructions per I/O", b / n
		if (u != "") printf ", %.2f x the untraced run with a pass every %s ms", b / u, p
		printf ".\n" }'
fi
echo
echo "#### $march: placement (debugfs \`places\` after the on-demand passes)"
echo
# bits = log2 of the places the core counts for a body: free now (the arena
# as the passes left it: what its next copy draws among) and in the empty arena
awk 'FNR == NR { if ($NF == "bfq") bfq[$1] = 1; next }
	($1 in bfq) && $3 > 0 && $4 > 0 {
		n++
		if (!big || $2 > bb) { big = $1; bb = $2; bf = log($4) / log(2); be = log($3) / log(2) }
		if (!small || $2 < sb) { small = $1; sb = $2; sf = log($4) / log(2); se = log($3) / log(2) }
	}
	END {
		print "| target | measured | wanted | held? |"
		print "|---|---|---:|---|"
		if (!n) { print "| bits of entropy per body (bfq'"'"'s largest and smallest) | not measured (no bfq body in `places`) | >= 20 | no |"; exit }
		printf "| bits of entropy per body (bfq'"'"'s largest and smallest) | %.2f (`%s`, %d bytes) and %.2f (`%s`, %d bytes); empty arena %.2f and %.2f | >= 20 | %s |\n",
			bf, big, bb, sf, small, sb, be, se, (bf >= 20 && sf >= 20) ? "yes" : "no"
	}' $W/layout $W/places
echo
echo "Per body, \`places\` counts where a copy could start among the free places ($(awk '$1 == "arena_align" { print $2 }' $D/stats)-byte alignment, $(awk '$1 == "arena_bytes" { print $2 }' $D/stats)-byte arena); placements needing the exact count (no free place in 32 draws): $(awk '$1 == "arena_fallbacks" { print $2 }' $D/stats)."
echo "<!-- /bfq-bench $march -->"
echo
echo "bfq bench: wpwatch lat's whole per-function table (name calls total avg p99 max):"
python3 -c 'import json, sys
rep = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
for f in sorted(rep["functions"], key=lambda f: -f["total"]):
    print("  %-40s %8d %12.0f %8.0f %8.0f %8.0f" % (f["name"], f["count"], f["total"], f["avg"], f["p99"], f["max"]))' $W/lat.json
echo "bfq bench: picture $svg ($(wc -c <"$svg") bytes)"
rm -f $F
