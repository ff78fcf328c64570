#!/bin/sh
# Demo step watchpoint: watchpoint.ko on trampolines, its writer, its callbacks.
# The original scenario: watchpoint.ko watches trampolines[0] and its thread
# tl_writer writes it; the callbacks are counted in debugfs; one writer stack.
# The default callback's dump_stack() is off (dump_stack=0): the stack comes
# from debugfs (last_violation), the callback's own lines from dmesg.
. "$(dirname "$0")/demo-lib.sh"
W=/sys/kernel/debug/watchpoint
O=$DEMO_OUT/watchpoint
mkdir -p "$O"

say "watchpoint.ko watches trampolines[0]; its kernel thread tl_writer writes it"
cmd "modprobe watchpoint writer=random dump_stack=0"
modprobe watchpoint writer=random dump_stack=0 ||
	fail "modprobe watchpoint failed (see the message above)"
trap 'rmmod watchpoint 2>/dev/null' EXIT
dmesg_excerpt 'watchpoint: (ksym|Watchpoint for|Kernel thread start)' 3
cmd "cat $W/target"
sed -n '/^symbol /p; /^address /p; /^size /p; /^cpus /p' $W/target

say "tl_writer writes every 100 ms; count the callbacks for 2 s"
wait_for 20 sh -c "[ \$(cat $W/callbacks) -ge 1 ]" ||
	fail "no callback within 20 s ($(cat $W/writes) writes by tl_writer)"
sleep 2
echo stop >$W/writer
for f in writes writes_watched hits violations callbacks; do
	cat $W/$f >"$O/$f"
done
cmd "cd $W; echo stop >writer; grep . writes hits callbacks"
(cd $W && grep . writes hits callbacks)
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

cmd "rmmod watchpoint"
rmmod watchpoint || fail "rmmod watchpoint failed"
trap - EXIT
dmesg_excerpt 'watchpoint: Watchpoint for .* removed' 1
