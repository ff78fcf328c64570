#!/bin/sh
# Demo step watchpoint: watchpoint.ko on trampolines, a writer, its callbacks.
# The original scenario: watchpoint.ko watches trampolines[0] and the thread
# tl_writer of the sample module tl_writer.ko (samples/watchpoint/) writes it;
# the callbacks are counted in debugfs; one writer stack.
# The default callback's dump_stack() is off (dump_stack=0): the stack comes
# from debugfs (last_violation), the callback's own lines from dmesg.
. "$(dirname "$0")/demo-lib.sh"
W=/sys/kernel/debug/watchpoint
TL=/sys/kernel/debug/tl_writer
O=$DEMO_OUT/watchpoint
mkdir -p "$O"

say "watchpoint.ko watches trampolines[0]; the sample tl_writer.ko writes it"
cmd "modprobe watchpoint dump_stack=0"
bounded 60 "modprobe watchpoint" modprobe watchpoint dump_stack=0 ||
	fail "modprobe watchpoint failed (see the message above)"
trap 'bounded_sh 60 "rmmod tl_writer watchpoint" "rmmod tl_writer watchpoint 2>/dev/null"' EXIT
dmesg_excerpt 'watchpoint: (ksym|Watchpoint for)' 2
cmd "cat $W/target"
sed -n '/^symbol /p; /^address /p; /^size /p; /^cpus /p' $W/target
cmd "modprobe tl_writer"
bounded 60 "modprobe tl_writer" modprobe tl_writer ||
	fail "modprobe tl_writer failed (see the message above)"
dmesg_excerpt 'tl_writer: Kernel thread start' 1

say "tl_writer writes every 100 ms; count the callbacks for 2 s"
wait_for 20 sh -c "[ \$(cat $W/callbacks) -ge 1 ]" ||
	fail "no callback within 20 s ($(cat $TL/writes) writes by tl_writer)"
sleep 2
bounded_sh 60 "echo stop >$TL/mode" "echo stop >$TL/mode" ||
	fail "cannot stop tl_writer"
for f in writes writes_watched; do
	cat $TL/$f >"$O/$f"
done
for f in hits violations callbacks; do
	cat $W/$f >"$O/$f"
done
cmd "echo stop >$TL/mode; cd /sys/kernel/debug"
cmd "grep . tl_writer/writes watchpoint/hits watchpoint/callbacks"
(cd /sys/kernel/debug && grep . tl_writer/writes watchpoint/hits watchpoint/callbacks)
w=$(cat "$O/writes_watched") c=$(cat "$O/callbacks") h=$(cat "$O/hits")
[ "$c" -ge 1 ] || fail "callbacks is $c after $w watched writes"
if [ "$c" -eq "$w" ] && [ "$h" -eq "$w" ]; then
	echo "=> one hit and one callback per write: $w writes, $h hits, $c callbacks"
else
	fail "writes, hits and callbacks differ: $w, $h, $c (expected one callback per write)"
fi

say "who wrote it: the last violation, with the writer's stack"
cmd "cat $W/last_violation"
cat $W/last_violation >"$O/last_violation"
grep -v '^addr\|^old\|^allowed' "$O/last_violation" | show
grep -q 'tl_writer_store' "$O/last_violation" ||
	fail "the last violation's stack does not name tl_writer_store"

say "the default callback's lines in dmesg (rate-limited: 10 per 5 s)"
cmd "dmesg | grep -A1 'value is changed' | head -2"
dmesg | grep -A1 'watchpoint: trampolines value is changed' | head -2 |
	sed 's/^\[[ 0-9.]*\] //' | tee "$O/dmesg" | show
grep -q tl_writer "$O/dmesg" || fail "no callback line naming tl_writer in dmesg"

cmd "rmmod tl_writer watchpoint"
bounded 60 "rmmod tl_writer watchpoint" rmmod tl_writer watchpoint ||
	fail "rmmod tl_writer watchpoint failed"
trap - EXIT
dmesg_excerpt 'watchpoint: Watchpoint for .* removed' 1
