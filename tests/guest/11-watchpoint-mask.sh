#!/bin/sh
# watchpoint.ko with mask= on the arm64 MASK kernel: one slot watches 2^mask
# bytes of trampolines[]; the sweep of the sample writer tl_writer.ko finds
# the range's last entry, and every write inside it gives exactly one
# callback. docs/watchpoint.md.
# arches: arm64
# kernel: mask
# weight: 1
# timeout: 300
# cpus: 2
# tests: 13
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/watchpoint
field() { sed -n "s/^$2 //p" "$D/$1" | head -n1; }
get() { cat "$D/$1"; }
TL=/sys/kernel/debug/tl_writer
tl() { cat "$TL/$1"; }

run "modprobe watchpoint mask=12" -- modprobe watchpoint mask=12 dump_stack=0
is "$(field target size)" 4096 "one slot watches 4096 bytes"
run "modprobe tl_writer mode=sweep size=4096" -- modprobe tl_writer mode=sweep period_ms=1 size=4096
# the sweep starts at entry 1023; entries 511..0 are the watched 4 KiB
n=0
while [ "$(tl writes)" -lt 600 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
echo stop >"$TL/mode"
w=$(tl writes)
num_is "$(tl writes_watched)" "$((w - 512))" "the sweep wrote $((w - 512)) entries inside the range"
num_is "$(get hits)" "$((w - 512))" "one hit per write inside the range, none outside"
num_is "$(get callbacks)" "$((w - 512))" "one callback per write inside the range"
dmesg | grep -q "511th entry in trampolines"
ok $? "the sweep passed entry 511, the range's last"
rmmod watchpoint tl_writer

run "modprobe watchpoint mask=12" -- modprobe watchpoint mask=12 dump_stack=0
run "modprobe tl_writer size=4096 (random)" -- modprobe tl_writer period_ms=2 size=4096
sleep 2
echo stop >"$TL/mode"
w=$(tl writes)
[ "$w" -ge 10 ]
ok $? "the writer made $w writes across the 512 watched entries"
num_is "$(get hits)" "$w" "hits == writes"
is "$(field last new)" 0xd61f0000 "new value of the last write"
rmmod watchpoint tl_writer

dmesg -c >/dev/null
out=$(modprobe watchpoint mask=12 offset=8 2>&1)
[ $? -ne 0 ] && printf '%s\n' "$out" | grep -q "Invalid argument" &&
	dmesg | grep -q "is not aligned to the 4096 bytes watched"
ok $? "mask=12 at a misaligned address: EINVAL and one line"
rmmod trampolines
done_testing
