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
# tests: 48
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

rmmod wpw_testwriter
done_testing
