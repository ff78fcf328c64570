#!/bin/sh
# watchpoint.ko and trampolines.ko: one callback per write on both arches,
# old/new values, allow-list versus a rogue writer, shared regions, CPU
# hotplug, every bad input's errno and log line, and 100 load/unload cycles
# with the writer running (20 on the debug lane in make check; no debug
# register leaks). The writer is the sample module tl_writer.ko
# (samples/watchpoint/). See docs/watchpoint.md.
# arches: x86_64 arm64
# kernel: stock debug
# weight: 3
# timeout: 300
# cpus: 2
# tests: 95 arm64:stock=96
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/watchpoint
T=/sys/kernel/debug/wpw_wptest
W=/sys/kernel/debug/wpw_testwriter
TL=/sys/kernel/debug/tl_writer
# field FILE KEY: the value after "KEY " in $D/FILE
field() { sed -n "s/^$2 //p" "$D/$1" | head -n1; }
get() { cat "$D/$1"; }
# tl FILE: the sample writer's debugfs FILE
tl() { cat "$TL/$1"; }
loaded() { grep -q "^$1 " /proc/modules; }

# --- the sample writer: callbacks == writes, exactly --------------------------
run "modprobe watchpoint" -- modprobe watchpoint
loaded trampolines
ok $? "modprobe loaded trampolines.ko first, by the symbol dependency"
align=$(cat /sys/module/trampolines/parameters/align)
[ $((align % 4096)) -eq 0 ]
ok $? "trampolines[] is aligned to $align bytes (a page at least)"
run "modprobe tl_writer period_ms=5 (the sample writer)" -- modprobe tl_writer period_ms=5
sleep 3
echo stop >"$TL/mode"
w=$(tl writes)
[ "$w" -ge 20 ]
ok $? "the writer made $w writes in 3 s"
num_is "$(get callbacks)" "$w" "default callback ran once per write"
num_is "$(get hits)" "$w" "hits == writes (the handler's count against the writer's)"
num_is "$(get new_unknown)" 0 "every store was decoded (arm64) or read back (x86)"
is "$(field last comm)" tl_writer "last writer: tl_writer"
is "$(field last new)" 0xd61f0000 "new value 0xd61f0000"
dmesg | grep -q "trampolines value is changed"
ok $? "dmesg: 'trampolines value is changed'"
dmesg | grep -q "Dump stack from watchpoint_handler"
ok $? "dmesg: the default callback dumped the stack"
run "rmmod watchpoint while nothing writes" -- rmmod watchpoint
rmmod tl_writer

# sweep: from the last entry down; watching trampolines[1020] catches the 4th
# write of every 1024, and none of the 3 before it (entries 1023..1021). The
# expected hits come from the write count and the sweep order alone, not from
# the writer's own test of what it wrote.
run "modprobe watchpoint offset=8160" -- modprobe watchpoint offset=8160 dump_stack=0
run "modprobe tl_writer mode=sweep" -- modprobe tl_writer mode=sweep period_ms=2 offset=8160
i=0
while [ "$(tl writes)" -lt 8 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo stop >"$TL/mode"
w=$(tl writes)
[ "$w" -ge 8 ]
ok $? "the sweep made $w writes (past entry 1020)"
num_is "$(get hits)" "$(( (w - 4) / 1024 + 1 ))" "hits: one per pass over entry 1020 in $w sweep writes, none for its neighbours"
is "$(field last addr)" "$(field target address)" "the hit is at trampolines[1020] ($(field target address))"
field last ip | grep -q "^tl_writer_store+"
ok $? "the hit's instruction is the writer's store ($(field last ip))"
rmmod watchpoint tl_writer

# --- another symbol: wpw_test_target; neighbours are not caught --------------
modprobe wpw_testwriter
run "modprobe watchpoint ksym=wpw_test_target" -- modprobe watchpoint ksym=wpw_test_target
is "$(field target address)" "$(cat $W/addr)" "watched address is wpw_test_target"
echo "0 0x1234 1" >"$W/write"
num_is "$(get hits)" 1 "a write to wpw_test_target[0] is caught"
is "$(field last old)" 0x0 "old value 0x0"
is "$(field last new)" 0x1234 "new value 0x1234"
is "$(field last pid)" "$$" "writer pid is this shell's"
is "$(field last comm)" sh "writer comm is sh"
echo "1 5 10" >"$W/write"
num_is "$(get hits)" 1 "10 writes to wpw_test_target[1], next to it, are not"
echo "0 0x55 3" >"$W/write"
num_is "$(get hits)" 4 "3 more writes, 3 more hits"
is "$(field last old)/$(field last new)" 0x56/0x57 "old/new of the last of them"
sed -n '/^stack:/,$p' "$D/last_violation" | grep -q "^  wpw_test_write_one+"
ok $? "the violation's stack names wpw_test_write_one"
rmmod watchpoint

run "modprobe watchpoint ksym=wpw_test_target offset=4 len=4" -- \
	modprobe watchpoint ksym=wpw_test_target offset=4 len=4
echo "0 0x1122334455667788 1" >"$W/write"
is "$(field last old)/$(field last new)" 0x0/0x11223344 "len=4 offset=4: the upper half of an 8-byte store"
echo "0 0xaabbccdd00000000 1" >"$W/write"
is "$(field last old)/$(field last new)" 0x11223344/0xaabbccdd "old is the previous new"
num_is "$(get hits)" 2 "two writes, two hits"
rmmod watchpoint

# --- allow-list: the sample writer is allowed, a rogue writer is not -------------
dmesg -c >/dev/null
run "modprobe watchpoint" -- modprobe watchpoint
run "modprobe wpw_wptest (a second consumer of the same region)" -- modprobe wpw_wptest
run "modprobe tl_writer mode=off (loaded, not writing)" -- modprobe tl_writer mode=off period_ms=5
run "allow-list tl_writer_store through the API (wpw_wptest)" -- \
	sh -c "echo tl_writer_store >$T/allow_function"
grep -q "^function tl_writer_store" "$D/allow"
ok $? "allow list names tl_writer_store"
run "start the sample writer" -- sh -c "echo random >$TL/mode"
is "$(tl mode)" "random running" "tl_writer's mode file: random running"
sleep 1
echo "0 0xbad 3" >"$T/rogue"
sleep 1
echo stop >"$TL/mode"
w=$(tl writes)
[ "$w" -ge 20 ]
ok $? "the allow-listed writer made $w writes"
num_is "$(get violations)" 3 "the rogue writer's 3 writes are the only violations"
num_is "$(get callbacks)" 3 "the default callback saw only them"
num_is "$(get allowed)" "$w" "the sample writer's writes are counted as allowed"
num_is "$(get hits)" "$((w + 3))" "hits = allowed + violations"
num_is "$(sed -n 's/^hits //p' $T/consumer)" "$((w + 3))" "an API consumer with WATCHPOINT_CB_ALLOWED saw every hit"
is "$(sed -n 2p $D/regions | cut -d' ' -f5,6)" "2 2" "one region, 2 users, 2 callbacks: one hardware slot"
num_is "$(wc -l <$D/regions)" 2 "no second region"
sed -n '/^stack:/,$p' "$D/last_violation" | grep -q "^  wpw_rogue_write+"
ok $? "the violation's stack names wpw_rogue_write"
dmesg | grep -q "wpw_rogue_write"
ok $? "dmesg: the dumped stack names wpw_rogue_write"
dmesg | grep "value is changed" -A1 | grep -q tl_writer_store
[ $? -ne 0 ]
ok $? "dmesg: no violation report names the allow-listed writer"

# a store that arm64 does not decode (STLR): still exactly one hit each
h=$(get hits)
echo "0 0x77 50" >"$T/rogue_release"
num_is "$(get hits)" "$((h + 50))" "50 release stores, 50 hits (no re-fire, no double count)"
if [ "$ARCH" = arm64 ]; then
	is "$(field last old)/$(field last new)" "0xa7/unknown 0xa7" "arm64: an STLR's old value, new reported unknown"
else
	is "$(field last old)/$(field last new)" 0xa7/0xa8 "x86: old/new of a release store"
fi

# allow-list by task: this shell's writes become allowed, then violations again
v=$(get violations) a=$(get allowed)
echo $$ >"$T/allow_task"
grep -q "^task $$\$" "$D/allow"
ok $? "allow list names task $$"
echo "0 0x5 2" >"$T/rogue"
is "$(get allowed)/$(get violations)" "$((a + 2))/$v" "an allow-listed task's writes are allowed"
echo "-$$" >"$T/allow_task"
echo "0 0x6 1" >"$T/rogue"
is "$(get allowed)/$(get violations)" "$((a + 2))/$((v + 1))" "removed from the list: a violation again"

# an atomic add (arm64 without LSE: an LDXR/STXR loop) completes; no livelock
h=$(get hits)
r=$(cat $T/rogue_writes)
echo "0 5 3" >"$T/rogue_atomic"
num_is "$(cat $T/rogue_writes)" "$((r + 3))" "3 atomic adds to the watched entry completed"
if [ "$ARCH" = arm64 ]; then
	[ "$(get hits)" -gt "$h" ] && [ "$(get blind_windows)" -ge 1 ]
	ok $? "arm64: caught ($(($(get hits) - h)) hits), the retries ran in $(get blind_windows) blind window(s)"
else
	num_is "$(get hits)" "$((h + 3))" "x86: one hit per atomic add"
fi
run "allow_function -tl_writer_store removes it" -- \
	sh -c "echo -tl_writer_store >$T/allow_function && ! grep -q '^function tl_writer_store' $D/allow"
run "rmmod wpw_wptest watchpoint tl_writer" -- rmmod wpw_wptest watchpoint tl_writer

# --- CPU hotplug: a re-onlined CPU is watched ----------------------------------
if [ -e /sys/devices/system/cpu/cpu1/online ]; then
	modprobe watchpoint ksym=wpw_test_target
	all=$(cat /sys/devices/system/cpu/online)
	is "$(field target cpus)" "$all" "every online CPU watched ($all)"
	echo 0 >/sys/devices/system/cpu/cpu1/online
	is "$(field target cpus)" "$(cat /sys/devices/system/cpu/online)" "CPU 1 offline: its event released"
	echo 1 >/sys/devices/system/cpu/cpu1/online
	is "$(field target cpus)" "$all" "CPU 1 online again: watched again"
	h=$(get hits)
	taskset -c 1 sh -c "echo '0 0x4242 1' >$W/write"
	num_is "$(get hits)" "$((h + 1))" "a write from the re-onlined CPU is caught"
	is "$(field last cpu)" 1 "on CPU 1"
	is "$(field last new)" 0x4242 "with its value"
	rmmod watchpoint
else
	# every lane boots 2 CPUs under QEMU, and CPU 1 can go offline: not a skip
	ok 1 "CPU hotplug: cpu1 cannot go offline in this guest ($(cat /sys/devices/system/cpu/online))"
fi

# --- bad input: errno and one log line each --------------------------------------
# bad DESC ERRNO_TEXT LOG_TEXT ARGS...
bad() {
	_d=$1 _e=$2 _l=$3
	shift 3
	dmesg -c >/dev/null
	_out=$(modprobe watchpoint "$@" 2>&1)
	_rc=$?
	_log=$(dmesg)
	[ $_rc -ne 0 ] && ! loaded watchpoint &&
		printf '%s\n' "$_out" | grep -q "$_e" &&
		printf '%s\n' "$_log" | grep -q "$_l"
	if ! ok $? "$_d: '$_e', log '$_l'"; then
		diag "modprobe: $_out"
		printf '%s\n' "$_log" | tail -n 3 | sed 's/^/#   /'
	fi
}
bad "unknown ksym" "No such device or address" \
	"ksym=no_such_symbol is unknown: it must be an exported symbol" ksym=no_such_symbol
bad "unexported ksym" "No such device or address" \
	"ksym=sys_call_table is unknown: .* and its module loaded" ksym=sys_call_table
rmmod wpw_testwriter
bad "ksym of a module not loaded" "No such device or address" \
	"ksym=wpw_test_target is unknown" ksym=wpw_test_target
bad "len=3" "Invalid argument" "len=3 is not supported: use 1, 2, 4 or 8" len=3
bad "type=x" "Invalid argument" "type=x is not one of w, rw, r" type=x
bad "misaligned offset" "Invalid argument" "offset=4 is not aligned to len=8" offset=4
# the sample writer's own refusals
for a in "mode=fast|mode=fast is not one of off, random, sweep" \
	"period_ms=0|period_ms=0 is out of range: use 1..60000" \
	"offset=8192|offset=8192 size=8 is not inside trampolines\[\]"; do
	dmesg -c >/dev/null
	_out=$(modprobe tl_writer "${a%%|*}" 2>&1)
	_rc=$?
	[ $_rc -ne 0 ] && ! loaded tl_writer && printf '%s\n' "$_out" | grep -q "Invalid argument" &&
		dmesg | grep -q "${a#*|}"
	ok $? "tl_writer ${a%%|*}: 'Invalid argument', log '${a#*|}'"
done
# watchpoint.ko has no writer any more: its old parameter is unknown
dmesg -c >/dev/null
run "modprobe watchpoint writer=random (the old parameter) loads" -- modprobe watchpoint writer=random
dmesg | grep -q "unknown parameter 'writer' ignored" && [ ! -e /sys/module/watchpoint/parameters/writer ] &&
	[ ! -e "$D/writer" ] && ! loaded tl_writer
ok $? "... ignored as unknown: no writer parameter, no debugfs writer, no tl_writer"
rmmod watchpoint
if [ "$ARCH" = arm64 ]; then
	bad "mask=12 on a stock kernel" "Operation not supported" \
		"this kernel has no arm64 watchpoint MASK support; boot the patched kernel, see docs/watchpoint-mask.md" mask=12
	bad "mask=2" "Invalid argument" "mask=2 is out of range: use 3..31" mask=2
	bad "mask=32" "Invalid argument" "mask=32 is out of range: use 3..31" mask=32
	run "type=r (read-only) loads on arm64" -- modprobe watchpoint type=r
	is "$(field target type)" r "target type r"
	rmmod watchpoint
else
	bad "mask=12 on x86" "Operation not supported" "mask=12: the address MASK is arm64-only" mask=12
	bad "type=r on x86" "Operation not supported" "type r (read-only) is not supported on x86: use w or rw" type=r
	run "type=rw loads on x86" -- modprobe watchpoint type=rw
	is "$(field target type)" rw "target type rw"
	rmmod watchpoint
fi

# no free debug register: wpw_wphog takes every free slot
run "modprobe wpw_wphog" -- modprobe wpw_wphog
slots=$(cat /sys/module/wpw_wphog/parameters/hogged)
[ "$slots" -ge 2 ]
ok $? "$slots free watchpoint slots per CPU before we load"
bad "no free debug register" "No space left on device" \
	"no free debug register to watch 0x[0-9a-f]*: every slot is in use"
rmmod wpw_wphog
# through the API: the region after the last free slot fails, cleanly
modprobe watchpoint
dmesg -c >/dev/null
out=$(modprobe wpw_wptest consume=0 regions="$slots" 2>&1)
[ $? -ne 0 ] && printf '%s\n' "$out" | grep -q "No space left on device" &&
	dmesg | grep -q "no free debug register"
ok $? "API: region $((slots + 1)) on $slots slots fails with ENOSPC"
run "API: $((slots - 1)) more regions fit beside watchpoint's own" -- \
	modprobe wpw_wptest consume=0 regions=$((slots - 1))
rmmod wpw_wptest watchpoint

# --- 100 load/unload cycles with the writer running ---------------------------------
# Each cycle loads the watcher, then the writer, waits for the writer's
# first write (so it really ran), then unloads the watcher with the writer
# still running; the unload's dmesg line must count at least the writes
# made before it (every write a hit). 20 cycles on the debug lane in make
# check (lib.sh, reps): module loads under KASAN and lockdep are most of that
# lane's time here, and every cycle runs the same code.
cycles=$(reps 100 20)
fails=0 idle=0 short=0
i=0
while [ $i -lt "$cycles" ]; do
	dmesg -c >/dev/null
	modprobe watchpoint dump_stack=0 || fails=$((fails + 1))
	modprobe tl_writer period_ms=1 || fails=$((fails + 1))
	j=0
	while [ "$(tl writes 2>/dev/null || echo 0)" -lt 1 ] && [ $j -lt 50 ]; do
		sleep 0.02
		j=$((j + 1))
	done
	w=$(tl writes 2>/dev/null || echo 0)
	[ "$w" -ge 1 ] || idle=$((idle + 1))
	rmmod watchpoint || fails=$((fails + 1))
	rmmod tl_writer || fails=$((fails + 1))
	h=$(dmesg | sed -n 's/.*Watchpoint for trampolines removed: \([0-9]*\) hits.*/\1/p' | tail -n 1)
	[ -n "$h" ] && [ "$h" -ge "$w" ] || { short=$((short + 1)); [ $short -le 3 ] && diag "cycle $i: $w writes, unload says '$h' hits"; }
	i=$((i + 1))
done
num_is "$fails" 0 "$cycles load/unload cycles with the writer running"
num_is "$idle" 0 "... the writer wrote in every cycle"
num_is "$short" 0 "... and every write was a hit (the unload counts at least the writes before it)"

# load/unload while another task writes the watched variable without pause
modprobe wpw_testwriter
dmesg -c >/dev/null
rm -f /tmp/wp-stop
sh -c "while [ ! -e /tmp/wp-stop ]; do echo '0 1 1000' >$W/write || exit 1; done" &
bg=$!
fails=0
i=0
# each watcher is unloaded once it has caught a write (at most 5 s), so the
# unload always races the writer's stores (10 on the debug lane in make check)
racing=$(reps 30 10)
while [ $i -lt "$racing" ]; do
	modprobe watchpoint ksym=wpw_test_target dump_stack=0 || fails=$((fails + 1))
	j=0
	while [ "$(get hits 2>/dev/null || echo 0)" -lt 1 ] && [ $j -lt 50 ]; do
		sleep 0.1
		j=$((j + 1))
	done
	rmmod watchpoint || fails=$((fails + 1))
	i=$((i + 1))
done
touch /tmp/wp-stop
wait $bg
ok $? "the busy writer ran throughout and stopped cleanly"
num_is "$fails" 0 "$racing load/unload cycles while hits are in flight"
inflight=$(dmesg | sed -n 's/.*Watchpoint for wpw_test_target removed: \([0-9]*\) hits.*/\1/p' |
	awk '$1 > 0 { n++ } END { print n + 0 }')
num_is "$inflight" "$racing" "all $racing watchers caught writes before they were unloaded"
rmmod wpw_testwriter
modprobe wpw_wphog
num_is "$(cat /sys/module/wpw_wphog/parameters/hogged)" "$slots" "every slot is free again"
rmmod wpw_wphog
run "trampolines unloads last" -- rmmod trampolines

done_testing
