#!/bin/sh
# wpwatch watch on a field of an object a function is handed (issue 26):
# 'vfs_write:file->f_pos' while dd writes a file through a slow pipe: every
# event names dd and the file dd wrote, whose address ftrace's own kprobe
# event (tracefs, no BPF) read from vfs_write's first argument; after the
# first write caught no write of that file is missed (f_pos goes up by 512
# each time, to the end); the writer is ksys_write, vfs_write's caller,
# which stores f_pos back; the file freed when dd exits is disarmed by the
# kmem_cache_free probe; the arming window is measured and its figures are
# consistent; -n per object; --disarm filp_close:filp; --max-objects 1 with
# two files counts the second as not armed; the BTF-dependent refusals (one
# line each, status 2), the module function without BTF among them.
# arches: x86_64 arm64
# kernel: stock
# weight: 2
# timeout: 600
# cpus: 2
# tests: 66
. "$(dirname "$0")/lib.sh"

W=/tmp/objects
T=/sys/kernel/tracing
mkdir -p $W
modprobe wpw_testwriter || bail "cannot load wpw_testwriter"

# slow_dd FILE N: N blocks of 512 bytes to FILE by a dd reading a pipe fed
# 50 ms apart (each pipe write of 512 bytes is atomic: one read, one write)
slow_dd() {
	_n=$2
	( i=0; while [ $i -lt "$_n" ]; do head -c 512 /dev/zero; sleep 0.05; i=$((i + 1)); done ) |
		dd of="$1" bs=512 2>/dev/null
}
objs() {	# objs FILE KEY: a member of the "objects" summary line
	jqf "$1" "select(.type == \"objects\") | .$2"
}

# --- (d) the refusals that need the kernel's BTF ----------------------------
# refuse SPEC WORDS: status 2 and one line that has WORDS
refuse() {
	wpwatch watch -d 1 "$1" >$W/refuse.out 2>$W/refuse.err
	_rc=$?
	num_is "$_rc" 2 "'$1' is refused with status 2"
	if [ "$(wc -l <$W/refuse.err)" -eq 1 ] && grep -qF -- "$2" $W/refuse.err; then
		ok 0 "'$1': one line saying '$2'"
	else
		ok 1 "'$1': one line saying '$2'"
		sed 's/^/#   /' $W/refuse.err
	fi
}
refuse 'vfs_write:file->f_poz' "struct file has no field f_poz; did you mean f_pos?"
refuse 'no_such_function_wpw:file->f_pos' "unknown function no_such_function_wpw"
refuse 'vfs_write:fil->f_pos' "vfs_write has no argument fil; its arguments: file, buf, count, pos"
refuse 'vfs_write:file->f_pos->x' "file->f_pos is loff_t, not a pointer"
refuse 'vfs_write:file->private_data->x' "file->private_data is a void pointer"
refuse 'vfs_write:file->f_op->write->x' "file->f_op->write is a function pointer"
refuse 'wake_up_process:p->sched_reset_on_fork' "is a bitfield (1 bits)"
refuse 'wake_up_process:p->comm[16]' "index 16 is out of bounds: p->comm has 16 elements"
refuse 'wpw_test_write_one:arg0' "no BTF for wpw_test_write_one in module wpw_testwriter"

# --- (a) vfs_write:file->f_pos while dd writes a file -----------------------
# ftrace's view of the same calls: vfs_write's first argument, by dd
echo 'p:wpwobj/vw vfs_write file=$arg1:x64' >>$T/kprobe_events ||
	bail "cannot add a kprobe event to tracefs"
echo 'comm == "dd"' >$T/events/wpwobj/vw/filter
echo >$T/trace
echo 1 >$T/events/wpwobj/vw/enable
N=40
start_watch dd -f json -c dd 'vfs_write:file->f_pos'
ok $? "wpwatch watches vfs_write:file->f_pos"
slow_dd $W/fa $N
sleep 1	# the file's free (RCU) seen before the end
stop_watch dd
echo 0 >$T/events/wpwobj/vw/enable
# the file dd wrote N times, as ftrace saw it
FILE=$(sed -n 's/.* file=\(0x[0-9a-f]*\).*/\1/p' $T/trace | sort | uniq -c | sort -rn |
	awk -v n=$N '$1 == n { print $2; exit }')
echo '-:wpwobj/vw' >>$T/kprobe_events
ok "$([ -n "$FILE" ]; echo $?)" "ftrace saw dd hand vfs_write one file $N times ($FILE)"
ev=$(jqf $W/dd.out "select(.type == \"write\" and .object.holder == \"$FILE\")" -c | wc -l)
ok "$([ "$ev" -ge 1 ]; echo $?)" "events name the file ftrace saw as their object ($ev of them)"
is "$(jqf $W/dd.out 'select(.type == "write") | .comm' | sort -u)" dd "every event's writer is dd"
is "$(jqf $W/dd.out 'select(.type == "write") | .object.armed_by.comm' | sort -u)" dd \
	"every object was armed by dd"
is "$(jqf $W/dd.out "select(.type == \"write\" and .object.holder == \"$FILE\") | .spec" | sort -u)" \
	'vfs_write:file->f_pos' "the events name the SPEC"
# the field is f_pos of that file: its values go up by 512, none missing after the first, to N*512
jqf $W/dd.out "select(.type == \"write\" and .object.holder == \"$FILE\") | .value" >$W/values
last=$(tail -n 1 $W/values)
num_is "$(printf '%d' "$last")" $((N * 512)) "the last write seen sets f_pos to $N * 512"
first=$(printf '%d' "$(head -n 1 $W/values)")
num_is "$ev" $((N - first / 512 + 1)) \
	"no write missed after the first caught (first at $first: $ev events)"
# (the first event's old value is the field when armed: the writes in the window came between)
gaps=$(jqf $W/dd.out "[select(.type == \"write\" and .object.holder == \"$FILE\")] | .[1:][] |
	select((.value | ltrimstr(\"0x\") | explode | reduce .[] as \$c (0; . * 16 + (if \$c >= 97 then \$c - 87 else \$c - 48 end))) !=
	       (.old | ltrimstr(\"0x\") | explode | reduce .[] as \$c (0; . * 16 + (if \$c >= 97 then \$c - 87 else \$c - 48 end))) + 512)" -s -c | wc -l)
num_is "$gaps" 0 "every event's value after the first is its old value + 512"
# the address watched is the holder + f_pos's offset, one for all its events
is "$(jqf $W/dd.out "select(.type == \"write\" and .object.holder == \"$FILE\") | .addr" | sort -u | wc -l)" 1 \
	"one address watched for the file"
is "$(jqf $W/dd.out "select(.type == \"write\" and .object.holder == \"$FILE\") | .stack[0].sym" |
	sed 's/+.*//' | sort -u)" ksys_write \
	"the writer is ksys_write (vfs_write's caller stores f_pos back)"
armed=$(objs $W/dd.out armed)
calls=$(objs $W/dd.out calls)
again=$(objs $W/dd.out again)
ns=$(objs $W/dd.out not_armed_no_slot)
nul=$(objs $W/dd.out not_armed_null)
mis=$(objs $W/dd.out not_armed_misaligned)
num_is "$calls" $((armed + again + ns + nul + mis)) \
	"calls = armed + seen again + not armed ($calls calls, $armed armed)"
freed=$(objs $W/dd.out freed)
ok "$([ "$freed" -ge 1 ]; echo $?)" "the files dd closed were freed and disarmed ($freed)"
is "$(objs $W/dd.out dead_hits_dropped)" 0 "no hit on a freed object (none happen after the free)"

# --- (c) the arming window --------------------------------------------------
n=$(objs $W/dd.out arming_window_ns.n)
min=$(objs $W/dd.out arming_window_ns.min)
avg=$(objs $W/dd.out arming_window_ns.avg)
max=$(objs $W/dd.out arming_window_ns.max)
diag "arming window over $n objects: min $min ns, avg $avg ns, max $max ns"
num_is "$n" "$armed" "the window is measured for every object armed"
ok "$([ "$min" -gt 0 ] && [ "$min" -le "$avg" ] && [ "$avg" -le "$max" ]; echo $?)" \
	"0 < min <= avg <= max"
grep -q "arming window (the call to the slot live on every CPU): min [0-9.]* us" $W/dd.err
ok $? "the window is said at the end"
diag "dd's first write caught set f_pos to $first (the writes before fell in the window)"

# --- -n per object --------------------------------------------------------------
start_watch n2 -f json -c dd -n 2 'vfs_write:file->f_pos'
ok $? "wpwatch watches with -n 2"
slow_dd $W/fb 10
sleep 1
stop_watch n2
most=$(jqf $W/n2.out 'select(.type == "write") | .object.holder' | sort | uniq -c | sort -rn |
	awk 'NR == 1 { print $1 }')
num_is "$most" 2 "-n 2: two events for the file, none after (not armed again)"
ok "$([ "$(objs $W/n2.out done)" -ge 1 ]; echo $?)" "-n 2: objects done counted"

# --- --disarm -----------------------------------------------------------------
start_watch dis -f json -c dd --disarm filp_close:filp 'vfs_write:file->f_pos'
ok $? "wpwatch watches with --disarm filp_close:filp"
slow_dd $W/fc 10
sleep 1
stop_watch dis
ok "$([ "$(objs $W/dis.out disarmed)" -ge 1 ]; echo $?)" \
	"--disarm: the files dd closed were disarmed at filp_close ($(objs $W/dis.out disarmed))"
num_is "$(objs $W/dis.out freed)" 0 "--disarm: nothing was still armed when freed"

# --- --max-objects 1: a second file finds no slot --------------------------------
start_watch max -f json -c dd --max-objects 1 'vfs_write:file->f_pos'
ok $? "wpwatch watches with --max-objects 1"
slow_dd $W/fd 20 &
D1=$!
sleep 0.3
slow_dd $W/fe 10
wait $D1
sleep 1
stop_watch max
num_is "$(objs $W/max.out slots)" 1 "--max-objects 1: one slot"
ok "$([ "$(objs $W/max.out not_armed_no_slot)" -ge 1 ]; echo $?)" \
	"--max-objects 1: the second file is counted as not armed: no free slot ($(objs $W/max.out not_armed_no_slot))"

# --- (b) exact counts: wpw_objects' slab objects, armed as they are allocated ---
# The module's own SPEC (its file spec) names klist_node_attached(), which
# Debian's 6.1 does not let kprobes (nor fentry) probe: "Could not probe
# notrace function" (lib/ is built without ftrace). Its objects are armed
# where they are made instead: kmem_cache_alloc's return value, a void *,
# whose first 8 bytes are the field written (n_klist, at offset 0).
modprobe wpw_objects || bail "cannot load wpw_objects"
O=/sys/kernel/debug/wpw_objects
is "$(cat $O/field)" "n_klist 0 8" "wpw_objects writes n_klist, the object's first 8 bytes"
SPEC=kmem_cache_alloc:ret
ocmd() { echo "$*" >$O/cmd || diag "wpw_objects: '$*' failed"; }
col() { awk -v id="$2" -v c="$3" '$1 == id { print $c }' "$1"; }	# col FILE ID COLUMN
# events FILE ADDR: the writes reported to the object at ADDR
events() { jqf "$1" "select(.type == \"write\" and .object.holder == \"$2\")" -c | wc -l; }
# arming FILE ADDR K: the writes reported to the K-th object armed at ADDR (memory reused)
arming() {
	jqf "$1" "[.[] | select(.type == \"write\" and .object.holder == \"$2\")] |
		group_by(.object.armed_ns) | (.[$3] // []) | length" -s
}
# -c: only allocations by the module's thread arm
start_watch kmod -f json -c wpw_objects --max-objects 2 "$SPEC"
ok $? "wpwatch watches $SPEC"
ocmd "alloc 4"
sleep 1	# past the arming window
ocmd "alloc 2"
ocmd "write 0-5 3"
cp $O/objects $W/objs1
ocmd "free 0"
sleep 0.5
ocmd "alloc 1"	# id 6: armed in the slot object 0's free gave back
sleep 1
ocmd "write 6 2"
ocmd "write 1 2"
sleep 0.5
cp $O/objects $W/objs2
cp $O/log $W/log
stop_watch kmod
num_is "$(objs $W/kmod.out armed)" 3 "objects 0, 1, then 6 armed (--max-objects 2)"
num_is "$(objs $W/kmod.out not_armed_no_slot)" 4 "objects 2 to 5: not armed: no free slot"
a0=$(col $W/objs1 0 2)
num_is "$(arming $W/kmod.out "$a0" 0)" "$(col $W/objs1 0 4)" \
	"object 0: as many writes reported as the module made ($(col $W/objs1 0 4))"
a1=$(col $W/objs2 1 2)
num_is "$(events $W/kmod.out "$a1")" "$(col $W/objs2 1 4)" \
	"object 1: as many writes reported as the module made, before and after object 0's free ($(col $W/objs2 1 4))"
others=0
for id in 2 3 4 5; do
	others=$((others + $(events $W/kmod.out "$(col $W/objs2 $id 2)")))
done
num_is "$others" 0 "no write reported to the objects not armed (2 to 5: $(awk '$1 >= 2 && $1 <= 5 { n += $4 } END { print n }' $W/objs2) writes made)"
a6=$(col $W/objs2 6 2)
[ "$a6" = "$a0" ] && diag "object 6 reused object 0's memory"
if [ "$a6" = "$a0" ]; then n6=$(arming $W/kmod.out "$a6" 1); else n6=$(arming $W/kmod.out "$a6" 0); fi
num_is "$n6" "$(col $W/objs2 6 4)" "object 6: its writes reported, as an object armed after object 0's free"
num_is "$(jqf $W/kmod.out 'select(.type == "write")' -c | wc -l)" 10 "10 writes reported in all (3 + 5 + 2)"
# the values: exactly those the module's log has for objects 0, 1 and 6, in order
awk '$1 == 0 || $1 == 1 || $1 == 6 { print $3 }' $W/log >$W/want
jqf $W/kmod.out 'select(.type == "write") | .value' >$W/got
if [ "$(uname -m)" = aarch64 ]; then
	# arm64 decodes the store for the value (watch_a64.c); an undecoded one is null
	is "$(sort $W/got)" "$(sort $W/want)" "the values reported are the module's, write by write"
else
	is "$(cat $W/got)" "$(cat $W/want)" "the values reported are the module's, write by write"
fi
num_is "$(objs $W/kmod.out freed)" 1 "object 0's free disarmed it (kmem_cache_free)"
num_is "$(objs $W/kmod.out dead_hits_dropped)" 0 "no hit on a freed object"

# --- (c) the arming window: the shortest delay after the arming call with no write missed ---
start_watch win -f json -c wpw_objects --max-objects 1 "$SPEC"
ok $? "wpwatch watches $SPEC for the window"
ocmd "clear"
id=0
DELAYS="0 2000 5000 10000 20000 50000 100000 200000"
for d in $DELAYS; do
	for r in 1 2 3; do
		ocmd "alloc 1"	# armed from kmem_cache_alloc's return
		ocmd "write $id 1 $d"	# D us after this command starts
		echo "$id $d" >>$W/delays
		ocmd "free $id"
		sleep 0.2	# the slot parked again before the next object
		id=$((id + 1))
	done
done
cp $O/log $W/winlog
stop_watch win
# caught ID: the write to object ID was reported (its value is its own: (ID + 1) << 32 | 1)
jqf $W/win.out 'select(.type == "write") | .value' >$W/winvals
caught() { grep -qxF "$(awk -v id="$1" '$1 == id { print $3 }' $W/winlog)" $W/winvals; }
num_is "$(objs $W/win.out not_armed_no_slot)" 0 "every object of the sweep had the slot"
shortest=
for d in $DELAYS; do
	miss=0
	for i in $(awk -v d=$d '$2 == d { print $1 }' $W/delays); do
		caught "$i" || miss=$((miss + 1))
	done
	diag "write ${d} us (and a debugfs command) after the arming call returned: $miss of 3 missed"
	if [ $miss -eq 0 ]; then [ -n "$shortest" ] || shortest=$d; else shortest=; fi
done
wmax=$(objs $W/win.out arming_window_ns.max)
diag "shortest delay with no write missed from there on: ${shortest:-none} us; wpwatch's window: min $(objs $W/win.out arming_window_ns.min) avg $(objs $W/win.out arming_window_ns.avg) max $wmax ns"
ok "$([ -n "$shortest" ]; echo $?)" "writes ${shortest:-?} us or more after the arming call are all seen"
# a write later than the longest window wpwatch measured is never missed
late=0
for d in $DELAYS; do
	[ $((d * 1000)) -gt "$wmax" ] || continue
	for i in $(awk -v d=$d '$2 == d { print $1 }' $W/delays); do
		caught "$i" || late=$((late + 1))
	done
done
num_is "$late" 0 "no write later than the longest measured window ($wmax ns) was missed"
ocmd clear
rmmod wpw_objects

rmmod wpw_testwriter
done_testing
