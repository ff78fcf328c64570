#!/bin/sh
# wpwatch watch in a booted kernel: every write to wpw_test_target becomes
# exactly one event with the writer's stack, pid, comm and old/new values;
# JSON lines carry the documented keys; several SPECs and multi-slot ranges;
# filters; a tiny ring buffer under a flood keeps hits = delivered + lost;
# --pin; each bad input gets its message and exit status. Every JSON output is
# parsed and queried by gojq (Debian's), not by code of ours; every run's
# exit status is checked.
# arches: x86_64 arm64
# kernel: stock
# weight: 3
# timeout: 600
# cpus: 2
# tests: 148
. "$(dirname "$0")/lib.sh"

W=/tmp/watch
TW=/sys/kernel/debug/wpw_testwriter
mkdir -p $W

# dd_write "IDX VALUE COUNT": the writes done by a process named dd; its pid in $W/ddpid
dd_write() {
	echo "$1" | sh -c "echo \$\$ >$W/ddpid; exec dd of=$TW/write 2>/dev/null"
}
summary() {	# summary FILE KEY: a member of the JSON summary object
	jqf "$1" "select(.type == \"summary\") | .$2"
}
# The documented shape of watch's JSON (docs/watch.md): a write has these
# members with these types, a summary has hits = delivered + lost.
SHAPE='def hex: type == "string" and test("^0x[0-9a-f]+$");
def num: type == "number";
def write_ok: (.time_ns | num) and (.cpu | num) and (.pid | num) and (.tid | num) and
	(.comm | type == "string") and (.spec | type == "string") and (.sym | type == "string") and
	(.addr | hex) and (.ip | hex) and ((.value | hex) or .value == null) and
	((has("old") | not) or (.old | hex)) and (.stack | type == "array" and length > 0) and
	all(.stack[]; type == "object" and (.addr | hex) and (.sym | type == "string") and
		((.module | type == "string") or .module == null));
def summary_ok: (.hits | num) and (.delivered | num) and (.lost | num) and
	.hits == .delivered + .lost;'
# check_json NAME WRITES: three tests on $W/NAME.out: every line is one JSON
# object (gojq); every object has the documented shape (the first bad one is
# shown); exactly WRITES writes and one summary.
check_json() {
	if ! json_ok $W/$1.out "$1: every line is one JSON object (gojq)"; then
		ok 1 "$1: every write and the summary have the documented members"
		ok 1 "$1: $2 writes and 1 summary"
		return 1
	fi
	_bad=$(jqf $W/$1.out "$SHAPE"' select(if .type == "write" then write_ok | not
		elif .type == "summary" then summary_ok | not else true end) | tojson' | head -n 1)
	ok "$([ -z "$_bad" ]; echo $?)" "$1: every write and the summary have the documented members" ||
		diag "  first bad: $_bad"
	is "$(jqf $W/$1.out '[.[] | .type] | "writes=\(map(select(. == "write")) | length) summaries=\(map(select(. == "summary")) | length)"' -s)" \
		"writes=$2 summaries=1" "$1: $2 writes and 1 summary"
}
# field NAME FILTER: FILTER on every write of $W/NAME.out, one line each
field() { jqf $W/$1.out "select(.type == \"write\") | $2"; }

# The guest's facts, found here and not by wpwatch's own rules: online CPUs,
# and the hardware watchpoint slots per CPU (wpw_wphog takes every free one).
ncpu=$(nproc)
modprobe wpw_wphog || bail "cannot load wpw_wphog (the slot probe)"
nslots=$(cat /sys/module/wpw_wphog/parameters/hogged)
rmmod wpw_wphog
diag "$ncpu CPUs, $nslots watchpoint slots per CPU (wpw_wphog)"

# --- a stock kernel, none of our modules: jiffies, written by the timer tick ---
# (arm64's kallsyms lists functions only: wpwatch places jiffies from the
# kernel's System.map, which every guest has where Debian puts it; 21-watch-symbols)
# A busy loop on every CPU keeps every tick running: an idle CPU's tick stops
# (NOHZ), and that CPU leaving idle updates jiffies from the idle task, in task
# context (tick_nohz_idle_exit; seen on arm64 on a loaded host, 3 writes of 3).
busy=
i=0
while [ $i -lt "$ncpu" ]; do
	(while :; do :; done) &
	busy="$busy $!"
	i=$((i + 1))
done
wpwatch watch -n 3 -f json jiffies >$W/jiffies.out 2>$W/jiffies.err
rc=$?
kill $busy
wait $busy 2>/dev/null
num_is $rc 0 "no module loaded: wpwatch watch -n 3 jiffies" || sed 's/^/#   /' $W/jiffies.err
check_json jiffies 3
field jiffies '"\(.context) \(.comm) \(.pid) \(.sym)"' | sed 's/^/# /'
n_irq=$(field jiffies 'select(.context == "irq") | 1' | wc -l)
num_is "$n_irq" 3 "jiffies: written in interrupt context by the tick, every CPU busy ($n_irq of 3)"
num_is "$(field jiffies 'select(.context == "irq" and has("ustack")) | 1' | wc -l)" 0 \
	"no user stack for a write in an interrupt"

modprobe wpw_testwriter || bail "cannot load wpw_testwriter"
addr=$(cat $TW/addr)
diag "wpw_test_target is at $addr"

# --- exactly N events, the writer's function, pid, comm, old -> new ---------
if grep -q ' wpw_test_target\b' /proc/kallsyms; then
	diag "wpw_test_target is in /proc/kallsyms"
else
	diag "wpw_test_target is not in /proc/kallsyms: wpwatch must place it from the .ko"
fi
start_watch json -f json wpw_test_target
ok $? "attached to wpw_test_target (json)"
dd_write "0 100 5"
ddpid=$(cat $W/ddpid)
stop_watch json
check_json json 5
num_is "$(field json 'select(any(.stack[]; .sym | startswith("wpw_test_write_one+"))) | 1' | wc -l)" 5 \
	"5 writes -> 5 events, each with wpw_test_write_one in the stack"
is "$(field json .watched | sort -u)" "$addr" \
	"the watched address is the module's wpw_test_target ($addr)"
is "$(field json '"\(.old) \(.value)"' | tr '\n' ,)" \
	"0x0 0x64,0x64 0x65,0x65 0x66,0x66 0x67,0x67 0x68," "old -> new values are exact"
is "$(field json '"\(.pid) \(.tid) \(.comm)"' | sort -u)" \
	"$ddpid $ddpid dd" "the writing process's pid, tid and comm (a write in its system call)"
is "$(field json .sym | sed 's/+.*//' | sort -u)" \
	"wpw_test_write_one" "the instruction address symbolizes to the writer"
num_is "$(summary $W/json.out hits)" 5 "summary: hits 5"
num_is "$(summary $W/json.out lost)" 0 "summary: lost 0"
case "$ARCH" in
arm64) is "$(field json .trap | sort -u)" before \
	"arm64 traps before the store (new value decoded from the instruction)" ;;
x86_64) is "$(field json .trap | sort -u)" after \
	"x86 traps after the store" ;;
esac
num_is "$(field json 'select(.ustack | type == "array" and length > 0 and
	all(.[]; type == "string" and test("^0x[0-9a-f]+$"))) | 1' | wc -l)" 5 \
	"writes in a system call carry a user stack (an array of addresses, all 5)"
is "$(field json .context | sort -u)" task \
	"a write in a system call is in task context"

# --- text format ---------------------------------------------------------------
start_watch text wpw_test_target
dd_write "0 7 3"
ddpid=$(cat $W/ddpid)
stop_watch text
num_is "$(grep -c "^[0-9]*\.[0-9]* dd $ddpid/$ddpid \[[0-9]*\] wpw_test_target 0x[0-9a-f]*: 0x[0-9a-f]* -> 0x[0-9a-f]*$" $W/text.out)" 3 \
	"text: one header line per write (time comm pid/tid [cpu] spec addr: old -> new)"
grep -q "^	 *[0-9a-f]* wpw_test_write_one+0x[0-9a-f]* \[wpw_testwriter\]$" $W/text.out
ok $? "text: frames as 'sym+0xoff [module]', one a line"
grep -q ": 0x68 -> 0x7$" $W/text.out
ok $? "text: the first write shows the previous value (0x68) -> 0x7"
grep -q "tracing writes to wpw_test_target (0x[0-9a-f]*, 8 bytes) with 1 hardware watchpoint on $ncpu CPUs" $W/text.err
ok $? "one line on stderr says what is traced"

# --- -n COUNT stops by itself --------------------------------------------------
start_watch count -f json -n 3 wpw_test_target
echo "0 1 10" >$TW/write
_i=0
while kill -0 $WPID 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
wait $WPID
num_is $? 0 "-n 3 ends by itself with status 0"
check_json count 3

# --- -d SECONDS --------------------------------------------------------------------
wpwatch watch -d 2 wpw_test_target >$W/dur.out 2>$W/dur.err
num_is $? 0 "-d 2 ends by itself with status 0"

# --- two SPECs, each event tagged with its SPEC ------------------------------------
start_watch two -f json wpw_test_target wpw_test_target+16:8
echo "0 1 3" >$TW/write
echo "2 1 4" >$TW/write
echo "1 1 2" >$TW/write
stop_watch two
check_json two 7
is "$(field two .spec | sort | uniq -c | tr -s ' ' | tr '\n' ,)" \
	" 3 wpw_test_target, 4 wpw_test_target+16:8," "two SPECs: 3 + 4 events, each tagged; the unwatched word not seen"

# --- a 32-byte range over 4 slots, a 16-byte one over 2 ------------------------------
for len in 32 16; do
	start_watch range$len -f json wpw_test_target+64:$len
	ok $? "attached to a $len-byte range"
	i=7
	while [ $i -le 12 ]; do
		echo "$i $((i * 16)) 1" >$TW/write
		i=$((i + 1))
	done
	stop_watch range$len
	n=$((len / 8))
	check_json range$len $n
	is "$(field range$len .addr | sort -u | wc -l)" "$n" \
		"$len bytes: each event names the word written ($n different addresses)"
	grep -q "with $n hardware watchpoints" $W/range$len.err
	ok $? "$len bytes use $n hardware watchpoints"
done

# --- filters -------------------------------------------------------------------------
start_watch comm -f json --comm dd wpw_test_target
dd_write "0 1 3"
echo "0 1 2" >$TW/write
stop_watch comm
check_json comm 3
is "$(field comm .comm | sort | uniq -c | tr -s ' ')" " 3 dd" \
	"--comm dd: only dd's 3 writes"
jqf $W/comm.out 'select(.type == "summary") | tojson' | sed 's/^/# /'
num_is "$(summary $W/comm.out filtered)" 2 "--comm dd: the shell's 2 writes are counted as filtered"
start_watch pid -f json -p $$ wpw_test_target
dd_write "0 1 3"
echo "0 1 2" >$TW/write
stop_watch pid
check_json pid 2
is "$(field pid .pid | sort | uniq -c | tr -s ' ')" " 2 $$" \
	"-p \$\$: only this shell's 2 writes"
start_watch cpu -f json -C 1 wpw_test_target
taskset 1 sh -c "echo '0 1 2' >$TW/write"
taskset 2 sh -c "echo '0 1 3' >$TW/write"
stop_watch cpu
check_json cpu 3
is "$(field cpu .cpu | sort | uniq -c | tr -s ' ')" " 3 1" \
	"-C 1: only the 3 writes on CPU 1"

# --- a tiny ring buffer under a flood: hits = delivered + lost, lost > 0 --------------
before=$(cat $TW/writes)
start_watch flood -f json --no-ustack --ringbuf-size 4096 wpw_test_target
echo "0 1 2000" >$TW/write
stop_watch flood
after=$(cat $TW/writes)
num_is "$((after - before))" 2000 "the writer finished its 2000 watched writes (never hangs)"
hits=$(summary $W/flood.out hits)
delivered=$(summary $W/flood.out delivered)
lost=$(summary $W/flood.out lost)
diag "flood: hits $hits, delivered $delivered, lost $lost; $(summary $W/flood.out retraps) re-traps"
num_is "$hits" 2000 "one hit per write (2000)"
num_is "$((delivered + lost))" "$hits" "hits = delivered + lost"
ok "$([ "${lost:-0}" -gt 0 ]; echo $?)" "a 4 KiB ring buffer loses events under the flood (lost $lost > 0)"
check_json flood "$delivered"

# --- --summary and folded --------------------------------------------------------------
start_watch folded -f folded wpw_test_target
dd_write "0 1 4"
echo "0 1 3" >$TW/write
stop_watch folded
num_is "$(wc -l <$W/folded.out)" 2 "folded: one line per distinct stack (dd, sh)"
grep -q '^dd;.*;wpw_test_write_one 4$' $W/folded.out
ok $? "folded: comm;outer;...;wpw_test_write_one COUNT"
start_watch summ -s wpw_test_target
echo "0 1 6" >$TW/write
stop_watch summ
grep -q '^]: 6$' $W/summ.out
ok $? "--summary: the stack with its count (6)"
grep -q '^hits 6, counted 6, lost 0' $W/summ.out
ok $? "--summary: hits/counted/lost (counted in the kernel)"

# --- counting in the kernel: exact counts, full maps counted as lost ------------------
# summ_line NAME: "hits counted lost" from --summary's last line
summ_line() { sed -n 's/^hits \([0-9]*\), counted \([0-9]*\), lost \([0-9]*\),.*/\1 \2 \3/p' $W/$1.out; }
before=$(cat $TW/writes)
start_watch summ2k -s wpw_test_target
echo "0 1 2000" >$TW/write
stop_watch summ2k
num_is "$(($(cat $TW/writes) - before))" 2000 "--summary: the writer did 2000 writes"
is "$(summ_line summ2k)" "2000 2000 0" "--summary: 2000 writes = 2000 hits = 2000 counted, 0 lost"
grep -q '^]: 2000$' $W/summ2k.out
ok $? "--summary: one stack counted 2000 times"
grep -q "2000 hits, 2000 counted in the kernel, 0 lost" $W/summ2k.err
ok $? "--summary: stderr says the writes were counted in the kernel"

# three system calls, three kernel stacks (ksys_write, ksys_pwrite64, do_writev)
writeby3() {
	wpw_writeby write $TW/write "0 1 3" &&
	wpw_writeby pwrite $TW/write "0 1 2" &&
	wpw_writeby writev $TW/write "0 1 4"
}
start_watch fold3 -f folded wpw_test_target
writeby3
stop_watch fold3
sed 's/^/# /' $W/fold3.out
num_is "$(wc -l <$W/fold3.out)" 3 "folded: 3 lines for 3 system calls (3 kernel stacks)"
num_is "$(awk '{ s += $NF } END { print s }' $W/fold3.out)" 9 "folded: the counts sum to the 9 writes"
# pwrite64's frame: ksys_pwrite64, or the syscall wrapper it is inlined into (x86: __x64_sys_pwrite64)
is "$(awk '{ k = /pwrite64;/ ? "pwrite" : /;do_writev;/ ? "writev" : /;ksys_write;/ ? "write" : "other"
	print k, $NF }' $W/fold3.out | sort | tr '\n' ,)" \
	"pwrite 2,write 3,writev 4," "folded: each system call's stack with its own count"
grep -q "9 hits, 9 counted in the kernel, 0 lost" $W/fold3.err
ok $? "folded: hits 9 = counted 9"

# a stack map of one entry: the first stack is kept, the other two are lost and counted
start_watch stackfull -s --max-stacks 1 wpw_test_target
writeby3
stop_watch stackfull
is "$(summ_line stackfull)" "9 3 6" "--max-stacks 1: hits 9 = 3 counted (first stack) + 6 lost"
grep -q "stack map could not store the stack 6, counts map full 0" $W/stackfull.err
ok $? "--max-stacks 1: the 6 lost writes are said to be the stack map's" ||
	sed 's/^/#   /' $W/stackfull.err

# a counts map of one key: dd's stack is counted, sh's (same stack, other comm) is lost
start_watch countsfull -f folded --max-stacks 1 wpw_test_target
dd_write "0 1 4"
echo "0 1 3" >$TW/write
stop_watch countsfull
grep -q '^dd;.*;wpw_test_write_one 4$' $W/countsfull.out
ok $? "--max-stacks 1, folded: the first key (dd) counted 4"
num_is "$(wc -l <$W/countsfull.out)" 1 "--max-stacks 1, folded: no line for the key that did not fit"
grep -q "7 hits, 4 counted in the kernel, 3 lost (ring buffer full 0, stack map could not store the stack 0, counts map full 3" $W/countsfull.err
ok $? "--max-stacks 1, folded: hits 7 = 4 counted + 3 lost to the full counts map" ||
	sed 's/^/#   /' $W/countsfull.err

# streaming with a full stack map: the frames come inline, every event keeps its stack
start_watch inline -f json --max-stacks 1 wpw_test_target
writeby3
stop_watch inline
check_json inline 9
num_is "$(field inline 'select(any(.stack[]; .sym | startswith("wpw_test_write_one+"))) | 1' | wc -l)" 9 \
	"--max-stacks 1, streaming: all 9 events carry the writer's whole stack"
num_is "$(field inline 'select(any(.stack[]; .sym | test("pwrite64[+]"))) | 1' | wc -l)" 2 \
	"--max-stacks 1, streaming: the 2 pwrite events show their own stack (pwrite64)"
ok "$([ "$(summary $W/inline.out stacks_inline)" -gt 0 ]; echo $?)" \
	"--max-stacks 1, streaming: the summary counts the stacks sent inline"

# -n with --summary: counted per event in user space, stops at COUNT
start_watch summn -s -n 3 wpw_test_target
echo "0 1 5" >$TW/write
_i=0
while kill -0 $WPID 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
wait $WPID
num_is $? 0 "-s -n 3 ends by itself with status 0"
grep -q '^]: 3$' $W/summn.out
ok $? "-s -n 3: the stack counted 3 times"

# --- --no-stack: values only -------------------------------------------------------------
echo "0 4 1" >$TW/write	# word 0 holds 4 before the run
start_watch nostack -f json --no-stack wpw_test_target
dd_write "0 200 3"
stop_watch nostack
json_ok $W/nostack.out "--no-stack: every line is one JSON object (gojq)"
is "$(field nostack '"\(.old) \(.value) \(.comm)"' | tr '\n' ,)" \
	"0x4 0xc8 dd,0xc8 0xc9 dd,0xc9 0xca dd," "--no-stack: exact old -> new values and the writer"
num_is "$(field nostack 'select(has("stack") or has("ustack")) | 1' | wc -l)" 0 \
	"--no-stack: no kernel or user stack in any event"
num_is "$(summary $W/nostack.out hits)" 3 "--no-stack: hits 3"
start_watch nostackt --no-stack wpw_test_target
echo "0 9 2" >$TW/write
stop_watch nostackt
num_is "$(grep -c ': 0x[0-9a-f]* -> 0x[0-9a-f]*$' $W/nostackt.out)" 2 "--no-stack, text: 2 header lines"
num_is "$(grep -c '^	' $W/nostackt.out)" 0 "--no-stack, text: no frame lines"
grep -q ": 0xca -> 0x9$" $W/nostackt.out
ok $? "--no-stack, text: 0xca -> 0x9"

# --- --pin -----------------------------------------------------------------------------
start_watch pin --pin wpw_test_target
echo "0 1 3" >$TW/write
bpftool map dump pinned /sys/fs/bpf/wpwatch/watch_counters >$W/pin.map 2>&1
bpftool prog show pinned /sys/fs/bpf/wpwatch/watch_write_hit >$W/pin.prog 2>&1
bpftool link show >$W/pin.link 2>&1
ls /sys/fs/bpf/wpwatch >$W/pin.ls
stop_watch pin
num_is "$(grep -o '"hits": [0-9]*' $W/pin.map | awk '{s += $2} END {print s}')" 3 \
	"--pin: bpftool map dump pinned .../watch_counters shows hits (BTF-typed), 3"
grep -q 'name watch_write_hit' $W/pin.prog
ok $? "--pin: bpftool prog show names the program watch_write_hit"
is "$(sort $W/pin.ls | tr '\n' ' ')" \
	"watch_counters watch_counts watch_events watch_last_trap watch_last_wakeup watch_obj_claims watch_obj_counters watch_obj_holders watch_obj_plans watch_objs watch_scratch watch_shadow watch_slots watch_stacks watch_write_hit " \
	"--pin: every map and the program pinned under /sys/fs/bpf/wpwatch"
num_is "$(grep -c 'perf_event' $W/pin.link)" "$ncpu" "bpftool link show: one perf_event link per CPU ($ncpu)"
ok "$([ ! -e /sys/fs/bpf/wpwatch ]; echo $?)" "--pin: the pins are removed at exit"
cat $W/pin.map | head -20 | sed 's/^/#   /'

# --- bad input: one line, a distinct status ----------------------------------------------
# expect STATUS PATTERN DESC -- CMD...: CMD exits STATUS and its stderr matches PATTERN
expect() {
	_st=$1 _pat=$2 _d=$3
	shift 4
	# bounded: a command that should refuse but watches instead ends the
	# test (status 124), not the suite at its timeout
	timeout 120 "$@" >$W/bad.out 2>$W/bad.err
	_rc=$?
	sed 's/^/#   /' $W/bad.err | head -8
	num_is "$_rc" "$_st" "$_d: exit status $_st"
	grep -q -- "$_pat" $W/bad.err
	ok $? "$_d: says '$_pat'"
}
expect 2 "unknown symbol wpw_test_write_onne; did you mean: wpw_test_write_one" "unknown symbol" -- \
	wpwatch watch wpw_test_write_onne
dup=$(awk '$2 ~ /^[tT]$/ && NF == 3 {print $3}' /proc/kallsyms | sort | uniq -d | head -n1)
expect 2 "is ambiguous" "ambiguous symbol ($dup)" -- wpwatch watch "$dup"
expect 2 "LEN 0 is out of range" "zero length" -- wpwatch watch wpw_test_target:0
expect 2 "out of range" "length beyond 4096" -- wpwatch watch wpw_test_target:8192
expect 2 "must start with 0x" "an address without 0x" -- wpwatch watch 12345
expect 2 "format takes" "bad --format" -- wpwatch watch -f xml wpw_test_target
expect 2 "no SPEC" "no SPEC" -- wpwatch watch
# one slot more than the CPU has (8-byte words, each its own aligned slot)
expect 4 "need $((nslots + 1)) hardware watchpoints.*this CPU has $nslots" \
	"a range needing $((nslots + 1)) slots" -- wpwatch watch wpw_test_target:$(((nslots + 1) * 8))
start_watch hold wpw_test_target+256:$((nslots * 8))
expect 4 "no free hardware watchpoint on CPU 0: this CPU has $nslots" \
	"all $nslots slots taken by another run" -- wpwatch watch wpw_test_target
stop_watch hold
expect 3 "needs root, or CAP_BPF and CAP_PERFMON" "no capabilities" -- \
	wpw_runas --drop-caps -- wpwatch watch wpw_test_target
expect 3 "CAP_BPF: yes, CAP_PERFMON: no" "CAP_BPF without CAP_PERFMON" -- \
	wpw_runas --drop-caps --keep-cap 39 -- wpwatch watch wpw_test_target
expect 5 "lacks hardware breakpoint support" "perf_event_open says ENOENT (no breakpoint PMU)" -- \
	wpw_runas --deny-perf 2 -- wpwatch watch wpw_test_target
# A vmlinux variable arm64's kallsyms does not list (no CONFIG_KALLSYMS_ALL) is
# placed through System.map, and refused without one: 21-watch-symbols (this
# guest has the map, so 'wpwatch watch jiffies' here would watch jiffies).
rmmod wpw_testwriter
expect 2 "unknown symbol wpw_test_target" "a module variable once the module is gone" -- \
	wpwatch watch wpw_test_target

done_testing
