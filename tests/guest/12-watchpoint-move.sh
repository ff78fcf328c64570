#!/bin/sh
# watchpoint.ko's movable regions (watchpoint_region_get_movable(),
# _move(), _disarm()): one region, got disarmed, moved between objects of
# wpw_objects.ko's slab cache by the test consumer wpw_wpmove.ko; its
# callback counts exactly the writes to the object armed now (as counted by
# wpw_objects itself), none to the object it left, none while disarmed,
# with the right new value, for an 8-byte and a 4-byte field; bad moves are
# refused and change nothing; a CPU that comes online watches the current
# address (or nothing while disarmed); the modules unload cleanly.
# See docs/watchpoint.md, "Moving a region".
# arches: x86_64 arm64
# kernel: stock debug
# timeout: 300
# cpus: 2
# tests: 46
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/watchpoint
O=/sys/kernel/debug/wpw_objects
M=/sys/kernel/debug/wpw_wpmove
CPU1=/sys/devices/system/cpu/cpu1/online

# obj ID COL: column COL of object ID in wpw_objects' objects file
# (2 the address, 4 the writes made to it)
obj() { awk -v id="$1" -v c="$2" '$1 == id { print $c }' $O/objects; }
# last_value ID: the value of the last write logged for object ID
last_value() { awk -v id="$1" '$1 == id { v = $3 } END { print v }' $O/log; }
# arming K COL: column COL of arming K (2 address, 4 hits, 5 last new value)
arming() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' $M/armings; }
narmings() { wc -l <$M/armings; }
# reg COL: column COL of the movable region's line in watchpoint's regions
# (1 address, 5 users, 6 callbacks, 7 hits, 10 cpus, 11 state)
reg() { awk -v c="$1" 'NR > 1 && $11 != "fixed" { print $c }' $D/regions; }
cmd() { echo "$*" >$O/cmd; }
# hex A + B, for addresses (busybox printf and $((...)) are 64-bit)
add() { printf '0x%x' $(($1 + $2)); }

run "modprobe wpw_objects" -- modprobe wpw_objects
run "modprobe wpw_wpmove (pulls in watchpoint.ko)" -- modprobe wpw_wpmove
is "$(reg 11) $(reg 5) $(reg 6)" "disarmed 1 1" \
	"a movable region got at address 0: disarmed, 1 user, 1 callback"
run "allocate 4 objects" -- cmd alloc 4
a0=$(obj 0 2) a1=$(obj 1 2) a2=$(obj 2 2) a3=$(obj 3 2)
diag "objects at $a0 $a1 $a2 $a3; $(cat $O/field)"

# disarmed: nothing counted
cmd write all 2
num_is "$(reg 7)" 0 "disarmed: 8 writes to 4 objects, no hit"

# armed on object 0
run "move to object 0 ($a0, 8 bytes)" -- sh -c "echo '$a0 8' >$M/move"
is "$(reg 11) $(reg 1)" "armed $a0" "the region is armed at object 0's address"
w0=$(obj 0 4)
cmd write all 3
num_is "$(arming 0 4)" $(($(obj 0 4) - w0)) \
	"arming 0: hits == the writes to object 0 (3 writes to each of 4 objects)"
is "$(arming 0 5)" "$(last_value 0)" "arming 0: the last hit's new value is object 0's last write"

# moved to object 1: nothing more for object 0
run "move to object 1 ($a1)" -- sh -c "echo '$a1 8' >$M/move"
h0=$(arming 0 4) w1=$(obj 1 4)
cmd write all 3
num_is "$(arming 1 4)" $(($(obj 1 4) - w1)) "arming 1: hits == the writes to object 1"
num_is "$(arming 0 4)" "$h0" "arming 0: no hit after the move (object 0 was written 3 times more)"
is "$(arming 1 5)" "$(last_value 1)" "arming 1: the last hit's new value is object 1's last write"
num_is "$(reg 7)" $((h0 + $(arming 1 4))) "the region's hits are the two armings' sum"

# disarmed again: nothing anywhere
run "disarm" -- sh -c "echo disarm >$M/move"
is "$(reg 11)" disarmed "the region is disarmed"
h1=$(arming 1 4) hr=$(reg 7)
cmd write all 2
num_is "$(arming 1 4)" "$h1" "disarmed: no hit for arming 1 (object 1 written twice more)"
num_is "$(reg 7)" "$hr" "disarmed: the region counts no hit"

# a 4-byte field: n_ref's counter
echo n_ref.refcount.refs.counter >$O/field
set -- $(cat $O/field)
f4=$(add "$a2" "$2")
num_is "$3" 4 "the refcount field is 4 bytes (at offset $2)"
run "move to object 2's refcount ($f4, 4 bytes)" -- sh -c "echo '$f4 4' >$M/move"
w2=$(obj 2 4)
cmd write 2 4
cmd write all 1
num_is "$(arming 2 4)" $(($(obj 2 4) - w2)) "arming 2 (4 bytes): hits == the writes to object 2's field"
is "$(arming 2 5)" "$(last_value 2)" "arming 2: the last hit's new value is object 2's last 4-byte write"
num_is "$(arming 1 4)" "$h1" "arming 1: still no hit"
echo n_klist >$O/field

# bad moves: refused, nothing changes
n=$(narmings)
echo "$(add "$a3" 4) 8" >$M/move 2>/dev/null
ok $(($? == 0)) "a move to an address not aligned to its 8 bytes is refused"
echo "$a3 3" >$M/move 2>/dev/null
ok $(($? == 0)) "a move of 3 bytes is refused"
echo "0x10 8" >$M/move 2>/dev/null
ok $(($? == 0)) "a move to an address that cannot be read is refused (EFAULT, before the API)"
num_is "$(narmings)" "$n" "... no arming was kept for them"
is "$(reg 11) $(reg 1)" "armed $f4" "... the region is still armed where it was"
dmesg | grep -q "address $(add "$a3" 4) is not aligned to the 8 bytes watched"
ok $? "dmesg: the misaligned move's reason"

# CPU hotplug: a CPU that comes online watches the current address
if [ -w $CPU1 ] && echo 0 >$CPU1 2>/dev/null; then
	run "move to object 3 ($a3) with CPU 1 offline" -- sh -c "echo '$a3 8' >$M/move"
	is "$(reg 10)" 0 "the region has an event on CPU 0 only"
	echo 1 >$CPU1
	is "$(reg 10) $(reg 11)" "0-1 armed" "CPU 1 back online: an event there too, armed"
	run "the writer thread on CPU 1" -- taskset -p -c 1 "$(cat $O/pid)"
	w3=$(obj 3 4)
	cmd write 3 2
	num_is "$(arming 3 4)" $(($(obj 3 4) - w3)) "arming 3: the writes to object 3 made on CPU 1 are hits"
	run "disarm" -- sh -c "echo disarm >$M/move"
	echo 0 >$CPU1 && echo 1 >$CPU1
	# CPU 1 going offline reset the thread's affinity: pin it again
	taskset -p -c 1 "$(cat $O/pid)" >/dev/null
	is "$(reg 10) $(reg 11)" "0-1 disarmed" "CPU 1 offline and online while disarmed: its new event is off"
	h3=$(arming 3 4)
	cmd write all 1
	num_is "$(arming 3 4)" "$h3" "... and counts nothing (object 3 written on CPU 1)"
	run "move to object 0 again" -- sh -c "echo '$a0 8' >$M/move"
	k=$(($(narmings) - 1))
	w0=$(obj 0 4)
	cmd write 0 2
	num_is "$(arming "$k" 4)" $(($(obj 0 4) - w0)) "arming $k (object 0 again): its writes on CPU 1 are hits"
	num_is "$(arming 0 4)" "$h0" "... counted there, not on object 0's first arming"
else
	for t in 1 2 3 4 5 6 7 8 9 10 11; do
		skip "CPU hotplug check $t" "cpu1 cannot go offline here"
	done
fi
num_is "$(cat $M/stray)" 0 "no hit at an address no arming had"

# frees: the module's objects go back to the cache; unload leaves no region
run "free the objects" -- cmd free all
run "rmmod wpw_wpmove" -- rmmod wpw_wpmove
num_is "$(awk 'NR > 1' $D/regions | wc -l)" 1 "only watchpoint's own region is left"
is "$(awk 'NR > 1 { print $11 }' $D/regions)" fixed "... and it is not movable"
run "rmmod watchpoint trampolines wpw_objects" -- rmmod watchpoint trampolines wpw_objects
done_testing
