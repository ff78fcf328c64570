#!/bin/sh
# bfq re-randomized without editing it (docs/rerandom.md, "Re-randomizing a
# module without editing it"): Debian's bfq sources built through rrmeta
# --auto, loaded in place of Debian's bfq.ko; the coverage the build and the
# core report; every body moves on every pass; with the Debian root
# (--rootfs debian: fio, the root disk /dev/vda), the disk set to bfq runs 4
# fio jobs of verified random I/O in two cgroups of different io.bfq.weight,
# changed during the run, while a pass runs every millisecond and wpwatch lat
# times bfq's calls; then the scheduler is switched away and bfq unloaded.
# On the debug kernel (KASAN, lockdep, kmemleak) it runs 10 s of I/O.
#   tests/vm/run --arch ARCH [--kernel debug] --rootfs debian -- sh tests/guest/35-bfq.sh
# arches: x86_64 arm64
# kernel: stock debug
# rootfs: debian
# weight: 3
# timeout: 600
# cpus: 2
# mem: 1024
# tests: 34
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/rerandom
IO_SECONDS=${IO_SECONDS:-30}
[ "$(cat /etc/wpwatch/kernel 2>/dev/null)" = debug ] && IO_SECONDS=10
st() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }

if grep -q '^bfq ' /proc/modules; then
	bail "a bfq module is loaded already (Debian's?): this suite loads its own"
fi
run "modprobe bfq (ours, from extra/; pulls in rerandom)" -- modprobe bfq
run "bfq.ko is ours: it uses rerandom" -- sh -c \
	'grep "^rerandom " /proc/modules | grep -q "[ ,]bfq[ ,]"'

# --- coverage: the core's report, every function named --------------------
grep -v '^moved \|^refused ' $D/coverage | sed 's/^/# /'
cov=$(sed -n 's/^bfq: //p' $D/coverage)
nbodies=$(grep -c '^moved ' $D/coverage)
nrefused=$(grep -c '^refused ' $D/coverage)
total=$(echo "$cov" | sed -n 's/^moved [0-9]* of \([0-9]*\) functions.*/\1/p')
num_is "$((nbodies + nrefused))" "$total" "coverage names every function of bfq ($total): moved or refused"
grep '^refused ' $D/coverage | cut -c1-160 | sed 's/^/#   /'
bad=$(grep '^refused ' $D/coverage | awk 'NF < 4' | wc -l)
num_is "$bad" 0 "every refused function has its reason"
num_is "$(st bodies)" "$nbodies" "every moving function of bfq is a registered body"

# --- 20 passes on demand: every body at a new address each time ------------
: >/tmp/all
i=0 trig_failed=none
while [ $i -le 20 ]; do
	[ $i -gt 0 ] && { echo 1 >$D/trigger || { trig_failed=$i; break; }; }
	sed "s/^/$i /" $D/bodies >>/tmp/all
	i=$((i + 1))
done
is "$trig_failed" none "20 passes on demand, each trigger accepted (none failed)"
same=$(awk '$1 > 0 && prev[$4] == $2 { n++ } { prev[$4] = $2 } END { print n + 0 }' /tmp/all)
num_is "$same" 0 "20 passes: every body at a new address after each pass"
num_is "$(st failures)" 0 "no failed move"
cov=$(sed -n 's/^bfq: //p' $D/coverage)
echo "# coverage ($ARCH): $cov"
set -- $(echo "$cov" | sed 's/moved \([0-9]*\) of \([0-9]*\) functions, \([0-9]*\) of \([0-9]*\) bytes/\1 \2 \3 \4/')
ok "$([ "$1" -eq "$nbodies" ]; echo $?)" "every body moved ($cov)"
# what may not move is exactly bfq's init and exit (.init.text and .exit.text:
# freed after load, or run only at unload), and on the debug kernel the
# compiler's module constructors and destructors (KASAN's _sub_I_*/_sub_D_*,
# one pair per object file, in the same sections); any other refusal is a
# regression
ctors=$(awk '$1 == "refused" && $2 ~ /^_sub_[DI]_/' $D/coverage | wc -l)
is "$(awk '$1 == "refused" && $2 !~ /^_sub_[DI]_/ { print $2 }' $D/coverage | sed 's/\.[a-z]*\.[0-9]*$//' | sort | tr '\n' ' ')" \
	"bfq_exit bfq_init " "the refused functions are exactly bfq_init and bfq_exit, and $ctors compiler constructors/destructors ($1 of $2 move)"
grep -q '^moved bfq_insert_requests ' $D/coverage
ok $? "bfq_insert_requests (jump labels, static calls on x86_64) moves"

# --- verified I/O on a real disk set to bfq, passes every 1 ms -------------
if ! command -v fio >/dev/null || [ ! -b /dev/vda ]; then
	# the header's "rootfs: debian" guarantees both: their absence is a failure
	ok 1 "verified fio I/O on /dev/vda under bfq with 1 ms passes: needs the Debian root" \
		"(tests/vm/run --rootfs debian: fio, /dev/vda); fio: $(command -v fio || echo missing)"
	run "rmmod bfq" -- rmmod bfq
	done_testing
	exit
fi
Q=/sys/block/vda/queue/scheduler
before=$(sed 's/.*\[\(.*\)\].*/\1/' $Q)
run "set /dev/vda to bfq" -- sh -c "echo bfq >$Q && grep -q '\\[bfq\\]' $Q"
# two cgroups of different weight (bfq's group scheduling)
CG=/sys/fs/cgroup
# (the Debian root has no mount(8): mount(2) through python3's ctypes)
grep -q " $CG cgroup2 " /proc/mounts ||
	python3 -c 'import ctypes, sys
sys.exit(ctypes.CDLL(None, use_errno=True).mount(b"none", b"'$CG'", b"cgroup2", 0, None))'
echo +io >$CG/cgroup.subtree_control 2>/dev/null
mkdir -p $CG/bfq1 $CG/bfq2
run "two cgroups with io.bfq.weight 100 and 500" -- sh -c \
	"echo 100 >$CG/bfq1/io.bfq.weight && echo 500 >$CG/bfq2/io.bfq.weight"
echo 1 >$D/period_ms
dir=/var/tmp/bfq-fio
mkdir -p $dir
# wpwatch lat through the whole run: bfq's deep call paths, with calls in
# interrupts on top of a task's, must neither overflow its per-task call
# stack nor leave frames behind (a missed probe's frame, matched later by
# another call: the mispairing docs/latency.md describes)
wpwatch lat --format json >/tmp/lat.json 2>/tmp/lat.err &
latpid=$!
wait_ready $latpid /tmp/lat.err || sed 's/^/#   lat: /' /tmp/lat.err
passes0=$(st passes) pass_ns0=$(st pass_ns)
# fio_job CGROUP NAME: 2 jobs of verified random I/O, direct, in CGROUP. The
# process that joins the cgroup is the one that becomes fio: sh -c writes its
# own PID ($$ there; in a ( ... ) subshell $$ is the test shell's) and execs
# fio, whose job processes inherit the cgroup.
fio_job() {
	exec sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$1" \
		fio --name="$2" --directory=$dir --size=8m --numjobs=2 \
		--rw=randrw --bs=4k --direct=1 --ioengine=psync \
		--verify=crc32c --verify_backlog=64 --verify_fatal=1 \
		--time_based --runtime="$IO_SECONDS" --group_reporting \
		--output-format=terse --terse-version=3 >/tmp/fio-$2.out 2>/tmp/fio-$2.err
}
# iobytes CGROUP: the bytes read and written by CGROUP, from its io.stat
iobytes() {
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rbytes" || kv[1] == "wbytes") n += kv[2] } }
		END { print n + 0 }' $CG/$1/io.stat
}
# fio_in CGROUP: how many fio processes are in CGROUP
fio_in() {
	for p in $(pgrep -x fio); do cat /proc/$p/cgroup 2>/dev/null; done | grep -cx "0::/$1"
}
(fio_job bfq1 light) &
p1=$!
(fio_job bfq2 heavy) &
p2=$!
# while they run: bodies keep moving, weights change, an unload is refused
sleep 3
cp $D/bodies /tmp/b0
# fio's processes in the cgroups (its parent, and its 2 jobs once forked: 3 s
# in, under TCG, only the parent was seen), and the I/O
# of each group before and after the weights change
in1=$(fio_in bfq1) in2=$(fio_in bfq2)
io1a=$(iobytes bfq1) io2a=$(iobytes bfq2)
echo 800 >$CG/bfq1/io.bfq.weight
echo 50 >$CG/bfq2/io.bfq.weight
rm_refused=0
rmmod bfq 2>/dev/null || rm_refused=1
# a static key (and, on x86_64, a static call) of bfq_insert_requests flipped
# while its copies run: the trace event block_rq_insert, which with bfq on
# the disk only bfq_insert_requests emits
TR=/sys/kernel/debug/tracing
nev=-1
if [ -w $TR/events/block/block_rq_insert/enable ]; then
	: >$TR/trace
	echo 1 >$TR/events/block/block_rq_insert/enable
	sleep 2
	echo 0 >$TR/events/block/block_rq_insert/enable
	nev=$(grep -c 'block_rq_insert:' $TR/trace)
fi
sleep 1
cp $D/bodies /tmp/b1
w1=$(cat $CG/bfq1/io.bfq.weight) w2=$(cat $CG/bfq2/io.bfq.weight)
io1b=$(iobytes bfq1) io2b=$(iobytes bfq2)
wait $p1
s1=$?
wait $p2
s2=$?
passes=$(($(st passes) - passes0))
# what a pass took on average during the I/O (the core's time in passes),
# or the last one with a core that does not count it
if [ -n "$pass_ns0" ] && [ "$passes" -gt 0 ]; then
	pass_ns=$((($(st pass_ns) - pass_ns0) / passes))
else
	pass_ns=$(st last_pass_ns)
fi
echo 0 >$D/period_ms
kill -INT $latpid 2>/dev/null
wait $latpid
num_is $? 0 "wpwatch lat through the fio run exits 0"
sed 's/^/#   lat: /' /tmp/lat.err | grep -v 'Tracing\|^#   lat: *$' | head -5
# the last report: how many of bfq's moving functions it timed, and what it
# could not time (too_deep: calls beyond its per-task stack of 16)
set -- $(python3 -c 'import json, sys
moving = {l.split()[1] for l in open(sys.argv[2]) if l.startswith("moved ")}
r = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
u = r["untimed"]
print(len([f for f in r["functions"] if f["name"] in moving]), u["too_deep"], u["stale"], u["unmatched"], r["calls"]["count"])' \
	/tmp/lat.json $D/coverage 2>/dev/null || echo - - - - -)
diag "wpwatch lat: $5 calls timed, of $1 bfq functions; untimed: $2 too deep, $3 whose remove was missed, $4 unmatched"
ok "$([ "$1" != - ] && [ "$1" -ge 10 ]; echo $?)" "wpwatch lat times at least 10 of bfq's moving functions ($1)"
num_is "$2" 0 "wpwatch lat: no call nested deeper than its stack (missed removes do not pile up)"
num_is "$rm_refused" 1 "rmmod bfq during I/O and passes is refused (the disk uses it)"
is "$w1 $w2" "default 800 default 50" "io.bfq.weight changed during the run"
ok "$([ "$in1" -ge 1 ] && [ "$in2" -ge 1 ]; echo $?)" \
	"fio runs in both cgroups (/proc/PID/cgroup: $in1 fio processes in bfq1, $in2 in bfq2)"
ok "$([ "$io1a" -gt 0 ] && [ "$io2a" -gt 0 ]; echo $?)" \
	"both cgroups did I/O before the weights changed (io.stat: $io1a and $io2a bytes)"
ok "$([ "$io1b" -gt "$io1a" ] && [ "$io2b" -gt "$io2a" ]; echo $?)" \
	"both cgroups did I/O after the weights changed (io.stat: +$((io1b - io1a)) and +$((io2b - io2a)) bytes)"
num_is "$s1$s2" 00 "both fio groups exit 0 (verify_fatal: no verify error)"
# time_based runs skip fio's final verify phase: a job of fixed size writes
# every block of its file once, then reads back and checks every one (crc32c
# in each block), under 1 ms passes again. Its terse line counts both.
echo 1 >$D/period_ms
rb0=$(st passes)
fio --name=readback --directory=$dir --size=4m --numjobs=1 --rw=randwrite --bs=4k \
	--direct=1 --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 \
	--output-format=terse --terse-version=3 >/tmp/fio-readback.out 2>/tmp/fio-readback.err
rb=$?
echo 0 >$D/period_ms
diag "readback job: $(($(st passes) - rb0)) passes meanwhile"
sed 's/^/#   /' /tmp/fio-readback.err
set -- $(awk -F';' '{ print $5 + 0, $6 + 0, $47 + 0 }' /tmp/fio-readback.out)
is "$rb $1 $2 $3" "0 0 4096 4096" \
	"a fixed-size job writes 4096 KiB and reads back and verifies all 4096 KiB (status, errors, read, written)"
sed 's/^/#   /' /tmp/fio-light.err /tmp/fio-heavy.err
# terse v3: field 5 error, 6 read KiB, 47 write KiB (per group)
set -- $(cat /tmp/fio-light.out /tmp/fio-heavy.out | awk -F';' '
	{ err += $5; r += $6; w += $47 } END { print err + 0, r + 0, w + 0 }')
num_is "$1" 0 "fio reports 0 errors"
ok "$([ "$2" -gt 0 ] && [ "$3" -gt 0 ]; echo $?)" "fio read $2 KiB and wrote $3 KiB through bfq"
if [ "$nev" -ge 0 ]; then
	ok "$([ "$nev" -gt 0 ]; echo $?)" "block_rq_insert enabled during the passes: $nev events from the copies of bfq_insert_requests"
else
	ok 1 "block_rq_insert toggled during the passes: no tracefs under $TR (every lane's kernel has it)"
fi
diag "$passes passes during ${IO_SECONDS} s of I/O; $(st overruns) overran the 1 ms period"
# the floor, from the period, the duration and what a pass costs here: a
# pass every 1 ms, or, when a pass takes longer than the period (TCG, KASAN),
# one pass and a rest as long as it (rr_passd after an overrun,
# docs/rerandom.md): IO_SECONDS / max(1 ms, 2 * a pass) passes, of
# which at least a quarter. A pass thread that stalls or stops fails.
cycle_ns=$((2 * ${pass_ns:-0}))
[ "$cycle_ns" -lt 1000000 ] && cycle_ns=1000000
nominal=$((IO_SECONDS * 1000000000 / cycle_ns))
floor=$((nominal / 4))
ok "$([ "$passes" -ge "$floor" ] && [ "$floor" -gt 0 ]; echo $?)" \
	"passes ran during the I/O: $passes, at least a quarter of $nominal (${IO_SECONDS} s at max(1 ms, 2 x a pass of $((pass_ns / 1000)) us))"
moved=$(awk 'NR == FNR { a[$3] = $1; next } a[$3] != $1 { n++ } END { print n + 0 }' /tmp/b0 /tmp/b1)
num_is "$moved" "$nbodies" "every body moved between two looks 3 s apart during the I/O"
num_is "$(st failures)" 0 "no failed move"
diag "arena: $(st arena_bytes) bytes, at most $(st arena_peak) in use; waits for room: $(st arena_waits); failures: nomem $(st fail_nomem), arena $(st fail_arena), fixup $(st fail_fixup)"
sed 's/^/#   failed: /' $D/failures
dmesg | grep 'rerandom: no room for' | sed 's/^/#   /'

# --- switch away, unload ---------------------------------------------------
run "switch /dev/vda back to $before" -- sh -c "echo $before >$Q && ! grep -q '\\[bfq\\]' $Q"
run "remove the two cgroups (their fio processes have exited)" -- rmdir $CG/bfq1 $CG/bfq2
run "rmmod bfq" -- rmmod bfq
num_is "$(st bodies)" 0 "no body left registered"
num_is "$(($(st retired) - $(st freed)))" 0 "every retired copy freed"
done_testing
