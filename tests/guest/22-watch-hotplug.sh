#!/bin/sh
# wpwatch watch through CPU hotplug (docs/wpwatch.md, "CPU hotplug"): first
# the kernel's own behaviour that the design rests on (wpw_hotplug_probe: an
# event whose CPU went offline and came back counts nothing, ENABLE does not
# revive it, it keeps its slot until closed, an offline CPU refuses a new
# one); then a writer pinned to CPU 1 writes N times, CPU 1 goes offline and
# comes back, wpwatch says it re-attached, and the N writes after that on
# CPU 1 are all caught with exact values; hits = delivered + lost throughout,
# also under a flood across a hotplug cycle; watchpoint.ko too. Under a flood that never stops,
# read by a slow consumer, the loop still comes round: it re-attaches and
# ends at -d (libbpf's poll alone would consume for as long as records
# arrive); read by a consumer that stops reading, SIGINT still ends it within
# seconds, with the events it could not write counted. JSON is queried by gojq.
# On x86_64:debug in make check-full only: there its kernel-side part of our
# own, watchpoint.ko's CPU hotplug state, is driven by 10-watchpoint in make
# check too; the rest (the kernel's perf events across hotplug, wpwatch's
# re-attach, its Ctrl-C bound) is proven on both stock lanes (docs/testing.md).
# check: full x86_64:debug
# arches: x86_64 arm64
# kernel: stock debug
# weight: 2
# timeout: 900
# cpus: 2
# tests: 44
. "$(dirname "$0")/lib.sh"

W=/tmp/hotplug
TW=/sys/kernel/debug/wpw_testwriter
CPU1=/sys/devices/system/cpu/cpu1/online
N=5
mkdir -p $W

if [ ! -w $CPU1 ] || ! echo 0 >$CPU1 2>/dev/null; then
	# the header's "cpus: 2" on QEMU gives every lane a CPU 1 that can go offline
	bail "CPU hotplug: cpu1 cannot go offline in this guest (online: $(cat /sys/devices/system/cpu/online))"
fi
echo 1 >$CPU1 || bail "CPU hotplug: cpu1 went offline but does not come back online"
modprobe wpw_testwriter || bail "cannot load wpw_testwriter"
addr=$(cat $TW/addr)

# --- the kernel: what happens to a per-CPU breakpoint event on hotplug ----------
wpw_hotplug_probe "$addr" 1 >$W/probe.out 2>$W/probe.err
num_is $? 0 "wpw_hotplug_probe ran" || sed 's/^/#   /' $W/probe.err
fact() { sed -n "s/^fact $1 //p" $W/probe.out; }
# at least 3: a plain counting event on arm64 also counts a store's re-trap
# (an interrupt in the single-step window, docs/wpwatch.md)
atleast3() { [ -n "$1" ] && [ "$1" -ge 3 ]; echo $?; }
ok "$(atleast3 "$(fact count_before)")" "an event on CPU 1 counts the 3 writes there ($(fact count_before))"
num_is "$(fact open_offline_errno)" 19 "CPU 1 offline: perf_event_open on it fails with ENODEV"
num_is "$(fact count_after_online)" 0 "CPU 1 back online: the old event counts 0 of 3 writes"
num_is "$(fact enabled_frozen_after_online)" 1 "... and its enabled time stands still (state OFF)"
num_is "$(fact ioctl_enable_errno)" 0 "PERF_EVENT_IOC_ENABLE on it succeeds"
num_is "$(fact count_after_enable)" 0 "... but it still counts 0 of 3 writes (out of its context)"
stale=$(fact free_slots_stale_open)
num_is "$(fact free_slots_stale_closed)" "$((stale + 1))" \
	"the old event keeps its watchpoint slot until closed ($stale free with it open)"
ok "$(atleast3 "$(fact count_fresh_event)")" \
	"a new event on the re-onlined CPU counts all 3 ($(fact count_fresh_event))"

# reattached NAME: how many re-attach lines wpwatch printed so far
reattached() { grep -c '^wpwatch watch: CPU 1 .*: re-attached ' $W/$1.err 2>/dev/null; }
# cycle NAME: CPU 1 offline and online again; returns once wpwatch says it
# re-attached (one more line than before), or fails after 30 s of waiting
cycle() {
	_before=$(reattached "$1")
	echo 0 >$CPU1 && echo 1 >$CPU1 || return 1
	_i=0
	while [ "$(reattached "$1")" -le "$_before" ]; do
		[ $_i -gt 300 ] && return 1
		_i=$((_i + 1))
		sleep 0.1
	done
}
# on_cpu1 ARGS: the test writer's write on CPU 1; a failure is noted (checked at the end)
on_cpu1() { taskset -c 1 sh -c "echo '$1' >$TW/write" || echo "write '$1' on CPU 1" >>$W/failed; }
summary() { jqf "$1" "select(.type == \"summary\") | .$2"; }
writes() { jqf $W/$1.out 'select(.type == "write") | "\(.cpu) \(.value)"' | tr '\n' ,; }
# expect N writes of FIRST, FIRST+1, ... on CPU 1, as "1 0x..," each
expect() {
	_v=$1 _k=0
	while [ $_k -lt $N ]; do
		printf '1 0x%x,' $((_v + _k))
		_k=$((_k + 1))
	done
}

# --- wpwatch watch: a writer on CPU 1, before and after a hotplug cycle --------
start_watch one -f json wpw_test_target
ok $? "attached to wpw_test_target on every CPU"
on_cpu1 "0 0x100 $N"
sleep 2.5	# two looks at every CPU's events: no false re-attach
num_is "$(reattached one)" 0 "no re-attach line while nothing changes (2.5 s, two looks)"
cycle one
ok $? "CPU 1 offline and online: wpwatch says it re-attached (one stderr line)"
grep '^wpwatch watch: CPU 1 ' $W/one.err | sed 's/^/# /'
on_cpu1 "0 0x200 $N"
stop_watch one
is "$(writes one)" "$(expect 0x100)$(expect 0x200)" \
	"all $((2 * N)) writes on CPU 1 caught, $N before and $N after, with their values"
num_is "$(summary $W/one.out hits)" $((2 * N)) "summary: hits $((2 * N))"
num_is "$(summary $W/one.out lost)" 0 "summary: lost 0"
grep -q "^wpwatch watch: 1 re-attach after CPU hotplug: writes on a CPU between its coming online and its re-attach were not seen" $W/one.err
ok $? "the end says how many re-attaches there were and what they did not see"

# --- two slots (16 bytes), two cycles, and -C 1 ------------------------------
start_watch two -f json wpw_test_target:16
on_cpu1 "1 0x300 $N"
cycle two
ok $? "16 bytes, first cycle: re-attached"
grep -q "CPU 1 .*: re-attached 2 hardware watchpoints" $W/two.err
ok $? "16 bytes: both slots re-attached"
cycle two
ok $? "16 bytes, second cycle: re-attached again"
on_cpu1 "1 0x400 $N"
stop_watch two
is "$(writes two)" "$(expect 0x300)$(expect 0x400)" "16 bytes: all $((2 * N)) writes caught across two cycles"

start_watch cpu -f json -C 1 wpw_test_target
taskset -c 0 sh -c "echo '0 0x1 2' >$TW/write"
cycle cpu
ok $? "-C 1: CPU 1 re-attached"
on_cpu1 "0 0x500 $N"
taskset -c 0 sh -c "echo '0 0x1 2' >$TW/write"
stop_watch cpu
is "$(writes cpu)" "$(expect 0x500)" "-C 1: the $N writes on CPU 1 after the cycle, none of CPU 0's"

# --- a flood across a cycle: every hit is delivered or lost -------------------
before=$(cat $TW/writes)
start_watch flood -f json --no-ustack --ringbuf-size 4096 wpw_test_target
on_cpu1 "0 1 1000" &
fpid=$!
# the writer running on CPU 1 before it goes offline (taskset -c 1 fails
# while CPU 1 is offline)
_i=0
while [ "$(cat $TW/writes)" -eq "$before" ] && [ $_i -lt 100 ]; do
	_i=$((_i + 1))
	sleep 0.05
done
cycle flood
ok $? "flood: re-attached while the writer writes"
wait $fpid
sleep 1	# the consumer drains the tiny ring buffer
on_cpu1 "0 0x600 1"
stop_watch flood
done_w=$(($(cat $TW/writes) - before))
hits=$(summary $W/flood.out hits)
delivered=$(summary $W/flood.out delivered)
lost=$(summary $W/flood.out lost)
diag "flood: $done_w writes, hits $hits, delivered $delivered, lost $lost"
num_is "$((delivered + lost))" "$hits" "flood: hits = delivered + lost"
ok "$([ "$hits" -le "$done_w" ]; echo $?)" "flood: no more hits than writes ($hits <= $done_w)"
num_is "$(jqf $W/flood.out 'select(.type == "write" and .cpu == 1 and .value == "0x600") | 1' | wc -l)" 1 \
	"flood: a write on CPU 1 after the cycle and the flood is caught"

# --- watchpoint.ko: its own CPU hotplug state, the same writer ---------------------
D=/sys/kernel/debug/watchpoint
modprobe watchpoint ksym=wpw_test_target || bail "cannot load watchpoint.ko"
h0=$(cat $D/hits)
on_cpu1 "0 0x700 $N"
echo 0 >$CPU1 && echo 1 >$CPU1 || echo "watchpoint.ko: CPU 1 offline and online" >>$W/failed
is "$(sed -n 's/^cpus //p' $D/target)" "$(cat /sys/devices/system/cpu/online)" \
	"watchpoint.ko: CPU 1 watched again as soon as it is online"
on_cpu1 "0 0x800 $N"
num_is "$(($(cat $D/hits) - h0))" $((2 * N)) "watchpoint.ko: all $((2 * N)) writes on CPU 1 caught, $N after the cycle"
num_is "$(sed -n 's/^cpus_missed //p' $D/target)" 0 "watchpoint.ko: no CPU came online unwatched"
rmmod watchpoint

# --- a flood that never stops, read slowly or not at all --------------------
# The writer loops until killed. -d: wpwatch's stdout goes through a FIFO to
# a reader that sleeps after each line, so the ring buffer never runs dry,
# and the run still ends at -d with all its output written. SIGINT: the
# reader reads slowly through a CPU cycle, then takes nothing until wpwatch
# has ended (a pager left alone): without the bounded wait after Ctrl-C (runner.c STOP_GRACE)
# wpwatch would block on its output for ever, so this fails every time the
# bound is broken; with it, wpwatch ends within seconds (30 s allowed), says how many events
# it could not write, and every event it delivered is either a whole line the
# reader got or counted unwritten.
mkfifo $W/fifo
slow_reader() { while read -r _l; do echo "$_l"; sleep 0.01; done; }
stalled_reader() {
	while [ ! -e $W/stall ] && read -r _l; do echo "$_l"; sleep 0.01; done
	while [ ! -e $W/ended ]; do sleep 0.1; done
	cat
}
# gone_within N: wpwatch ($WPID) ended within N looks, 0.1 s apart
gone_within() {
	_i=0
	while kill -0 $WPID 2>/dev/null; do
		[ $_i -ge "$1" ] && return 1
		_i=$((_i + 1))
		sleep 0.1
	done
}
taskset -c 1 sh -c "while :; do echo '0 1 100' >$TW/write; done" &
wloop=$!
for how in duration sigint; do
	rm -f $W/ended $W/stall
	if [ $how = duration ]; then
		slow_reader <$W/fifo >$W/slow-$how.out &
		rpid=$!
		wpwatch watch -d 2 -f json --ringbuf-size 65536 wpw_test_target >$W/fifo 2>$W/slow-$how.err &
	else
		stalled_reader <$W/fifo >$W/slow-$how.out &
		rpid=$!
		wpwatch watch -f json --ringbuf-size 65536 wpw_test_target >$W/fifo 2>$W/slow-$how.err &
	fi
	WPID=$!
	_i=0
	while ! grep -q 'tracing writes' $W/slow-$how.err 2>/dev/null && [ $_i -lt 600 ]; do
		_i=$((_i + 1))
		sleep 0.1
	done
	if [ $how = sigint ]; then
		cycle slow-$how
		ok $? "never-ending flood, stalled reader: CPU 1 re-attached all the same"
		touch $W/stall
		sleep 2	# the FIFO and wpwatch's buffer fill up: its writes block
		kill -INT $WPID
		bound=300	# 30 s: 1 s for the reader, the rest to detach and drain under TCG on a loaded host
	else
		bound=600
	fi
	gone_within $bound
	ok $? "never-ending flood: wpwatch ends at $how within $((bound / 10)) s (the writer still writing)" || {
		kill -9 $WPID
		sed 's/^/#   /' $W/slow-$how.err
	}
	diag "$how: wpwatch ended $((_i / 10)).$((_i % 10)) s after"
	wait $WPID
	num_is $? 0 "$how: exit status 0 (hits = delivered + lost)"
	touch $W/ended
	wait $rpid
	kill -0 $wloop 2>/dev/null
	ok $? "$how: the writer was still writing when wpwatch ended"
	sed 's/^/# /' $W/slow-$how.err | tail -n 3
done
kill $wloop
wait $wloop 2>/dev/null
num_is "$(cat $W/failed 2>/dev/null | wc -l)" 0 "every write on CPU 1 and every CPU cycle of this suite succeeded" ||
	sed 's/^/#   /' $W/failed

# The stalled reader's run: what was not written is said and adds up.
E=$W/slow-sigint.err
delivered=$(sed -n 's/^wpwatch watch: [0-9]* hits, \([0-9]*\) delivered.*/\1/p' $E)
unwritten=$(sed -n 's/^wpwatch watch: \([0-9]*\) events* (\([0-9]*\) bytes) of output not written.*/\1/p' $E)
ok "$([ "${unwritten:-0}" -gt 0 ]; echo $?)" "sigint, stalled reader: the events not written are said ($unwritten)"
whole=$(head -n "$(wc -l <$W/slow-sigint.out)" $W/slow-sigint.out | grep -c '"type":"write"')
num_is "$((whole + ${unwritten:-0}))" "${delivered:-x}" \
	"sigint, stalled reader: whole lines read ($whole) + not written = delivered"
num_is "$(grep -c 'wpwatch watch: .* not written' $W/slow-duration.err)" 0 \
	"duration, slow reader: all the output written"

done_testing
