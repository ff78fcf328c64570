#!/bin/sh
# wpwatch watch in a booted kernel: every write to wpw_test_target becomes
# exactly one event with the writer's stack, pid, comm and old/new values;
# JSON lines carry the documented keys; several SPECs and multi-slot ranges;
# filters; a tiny ring buffer under a flood keeps hits = delivered + lost;
# --pin; each bad input gets its message and exit status.
# arches: x86_64 arm64
# weight: 3
# timeout: 600
# cpus: 2
. "$(dirname "$0")/lib.sh"

W=/tmp/watch
TW=/sys/kernel/debug/wpw_testwriter
mkdir -p $W

# start_watch NAME ARGS...: wpwatch watch in the background (stdout NAME.out,
# stderr NAME.err), returns once it says it is attached.
start_watch() {
	_n=$1
	shift
	wpwatch watch "$@" >$W/$_n.out 2>$W/$_n.err &
	WPID=$!
	_i=0
	while ! grep -q 'tracing writes' $W/$_n.err 2>/dev/null; do
		if ! kill -0 $WPID 2>/dev/null || [ $_i -gt 600 ]; then
			sed 's/^/#   /' $W/$_n.err
			return 1
		fi
		_i=$((_i + 1))
		sleep 0.1
	done
}
stop_watch() {
	kill -INT $WPID 2>/dev/null
	wait $WPID
	WRC=$?
}
# dd_write "IDX VALUE COUNT": the writes done by a process named dd; its pid in $W/ddpid
dd_write() {
	echo "$1" | sh -c "echo \$\$ >$W/ddpid; exec dd of=$TW/write 2>/dev/null"
}
summary() {	# summary FILE KEY: a number from the JSON summary line
	sed -n 's/.*"type":"summary".*"'"$2"'":\([0-9]*\).*/\1/p' "$1"
}

# --- a stock kernel, none of our modules: jiffies, written by the timer tick ---
if grep -q ' jiffies$' /proc/kallsyms; then
	wpwatch watch -n 3 -f json jiffies >$W/jiffies.out 2>$W/jiffies.err
	num_is $? 0 "no module loaded: wpwatch watch -n 3 jiffies"
	is "$(wpw_jsoncheck $W/jiffies.out)" "writes=3 summaries=1 stack_has=0" "jiffies: 3 events"
	wpw_jsoncheck --print context,comm,pid,sym $W/jiffies.out 2>/dev/null | sed 's/^/# /'
	n_irq=$(wpw_jsoncheck --print context $W/jiffies.out 2>/dev/null | grep -c '^irq$')
	ok "$([ "$n_irq" -ge 1 ]; echo $?)" "jiffies: written in interrupt context by the tick ($n_irq of 3)"
	num_is "$(wpw_jsoncheck --print context,ustack $W/jiffies.out 2>/dev/null |
		grep '^irq' | grep -vc '	-$')" 0 "no user stack for a write in an interrupt"
else
	skip "no module loaded: wpwatch watch jiffies" "$ARCH lists no variables in /proc/kallsyms"
fi

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
stop_watch
num_is "$WRC" 0 "exit status 0 after SIGINT"
run "JSON lines parse and carry the documented keys" -- wpw_jsoncheck $W/json.out
is "$(wpw_jsoncheck --stack-has wpw_test_write_one $W/json.out)" \
	"writes=5 summaries=1 stack_has=5" "5 writes -> 5 events, each with wpw_test_write_one in the stack"
is "$(wpw_jsoncheck --print watched $W/json.out 2>/dev/null | sort -u)" "$addr" \
	"the watched address is the module's wpw_test_target ($addr)"
is "$(wpw_jsoncheck --print old,value $W/json.out 2>/dev/null | tr '\t\n' ' ,')" \
	"0x0 0x64,0x64 0x65,0x65 0x66,0x66 0x67,0x67 0x68," "old -> new values are exact"
is "$(wpw_jsoncheck --print pid,tid,comm $W/json.out 2>/dev/null | sort -u | tr '\t' ' ')" \
	"$ddpid $ddpid dd" "the writing process's pid, tid and comm (a write in its system call)"
is "$(wpw_jsoncheck --print sym $W/json.out 2>/dev/null | sed 's/+.*//' | sort -u)" \
	"wpw_test_write_one" "the instruction address symbolizes to the writer"
num_is "$(summary $W/json.out hits)" 5 "summary: hits 5"
num_is "$(summary $W/json.out lost)" 0 "summary: lost 0"
case "$ARCH" in
arm64) is "$(wpw_jsoncheck --print trap $W/json.out 2>/dev/null | sort -u)" before \
	"arm64 traps before the store (new value decoded from the instruction)" ;;
x86_64) is "$(wpw_jsoncheck --print trap $W/json.out 2>/dev/null | sort -u)" after \
	"x86 traps after the store" ;;
esac
grep -q '"ustack":\["0x' $W/json.out
ok $? "writes in a system call carry a user stack"
is "$(wpw_jsoncheck --print context $W/json.out 2>/dev/null | sort -u)" task \
	"a write in a system call is in task context"

# --- text format ---------------------------------------------------------------
start_watch text wpw_test_target
dd_write "0 7 3"
ddpid=$(cat $W/ddpid)
stop_watch
num_is "$(grep -c "^[0-9]*\.[0-9]* dd $ddpid/$ddpid \[[0-9]*\] wpw_test_target 0x[0-9a-f]*: 0x[0-9a-f]* -> 0x[0-9a-f]*$" $W/text.out)" 3 \
	"text: one header line per write (time comm pid/tid [cpu] spec addr: old -> new)"
grep -q "^	 *[0-9a-f]* wpw_test_write_one+0x[0-9a-f]* \[wpw_testwriter\]$" $W/text.out
ok $? "text: frames as 'sym+0xoff [module]', one a line"
grep -q ": 0x68 -> 0x7$" $W/text.out
ok $? "text: the first write shows the previous value (0x68) -> 0x7"
grep -q 'tracing writes to wpw_test_target (0x[0-9a-f]*, 8 bytes) with 1 hardware watchpoint on 2 CPUs' $W/text.err
ok $? "one line on stderr says what is traced"

# --- -n COUNT stops by itself --------------------------------------------------
start_watch count -f json -n 3 wpw_test_target
echo "0 1 10" >$TW/write
_i=0
while kill -0 $WPID 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
wait $WPID
num_is $? 0 "-n 3 ends by itself with status 0"
is "$(wpw_jsoncheck $W/count.out)" "writes=3 summaries=1 stack_has=0" "-n 3 prints 3 events and the summary"

# --- -d SECONDS --------------------------------------------------------------------
wpwatch watch -d 2 wpw_test_target >$W/dur.out 2>$W/dur.err
num_is $? 0 "-d 2 ends by itself with status 0"

# --- two SPECs, each event tagged with its SPEC ------------------------------------
start_watch two -f json wpw_test_target wpw_test_target+16:8
echo "0 1 3" >$TW/write
echo "2 1 4" >$TW/write
echo "1 1 2" >$TW/write
stop_watch
is "$(wpw_jsoncheck --print spec $W/two.out 2>/dev/null | sort | uniq -c | tr -s ' ' | tr '\n' ,)" \
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
	stop_watch
	n=$((len / 8))
	is "$(wpw_jsoncheck $W/range$len.out)" "writes=$n summaries=1 stack_has=0" \
		"$len bytes: the $n words inside are seen, the ones around are not"
	is "$(wpw_jsoncheck --print addr $W/range$len.out 2>/dev/null | sort -u | wc -l)" "$n" \
		"$len bytes: each event names the word written ($n different addresses)"
	grep -q "with $n hardware watchpoints" $W/range$len.err
	ok $? "$len bytes use $n hardware watchpoints"
done

# --- filters -------------------------------------------------------------------------
start_watch comm -f json --comm dd wpw_test_target
dd_write "0 1 3"
echo "0 1 2" >$TW/write
stop_watch
is "$(wpw_jsoncheck --print comm $W/comm.out 2>/dev/null | sort | uniq -c | tr -s ' ')" " 3 dd" \
	"--comm dd: only dd's 3 writes"
grep '"type":"summary"' $W/comm.out | sed 's/^/# /'
num_is "$(summary $W/comm.out filtered)" 2 "--comm dd: the shell's 2 writes are counted as filtered"
start_watch pid -f json -p $$ wpw_test_target
dd_write "0 1 3"
echo "0 1 2" >$TW/write
stop_watch
is "$(wpw_jsoncheck --print pid $W/pid.out 2>/dev/null | sort | uniq -c | tr -s ' ')" " 2 $$" \
	"-p \$\$: only this shell's 2 writes"
start_watch cpu -f json -C 1 wpw_test_target
taskset 1 sh -c "echo '0 1 2' >$TW/write"
taskset 2 sh -c "echo '0 1 3' >$TW/write"
stop_watch
is "$(wpw_jsoncheck --print cpu $W/cpu.out 2>/dev/null | sort | uniq -c | tr -s ' ')" " 3 1" \
	"-C 1: only the 3 writes on CPU 1"

# --- a tiny ring buffer under a flood: hits = delivered + lost, lost > 0 --------------
before=$(cat $TW/writes)
start_watch flood -f json --no-ustack --ringbuf-size 4096 wpw_test_target
echo "0 1 2000" >$TW/write
stop_watch
after=$(cat $TW/writes)
num_is "$((after - before))" 2000 "the writer finished its 2000 watched writes (never hangs)"
hits=$(summary $W/flood.out hits)
delivered=$(summary $W/flood.out delivered)
lost=$(summary $W/flood.out lost)
diag "flood: hits $hits, delivered $delivered, lost $lost; $(summary $W/flood.out retraps) re-traps"
num_is "$hits" 2000 "one hit per write (2000)"
num_is "$((delivered + lost))" "$hits" "hits = delivered + lost"
ok "$([ "${lost:-0}" -gt 0 ]; echo $?)" "a 4 KiB ring buffer loses events under the flood (lost $lost > 0)"
num_is "$(wpw_jsoncheck $W/flood.out | sed 's/writes=\([0-9]*\).*/\1/')" "$delivered" \
	"every delivered event is printed"

# --- --summary and folded --------------------------------------------------------------
start_watch folded -f folded wpw_test_target
dd_write "0 1 4"
echo "0 1 3" >$TW/write
stop_watch
num_is "$(wc -l <$W/folded.out)" 2 "folded: one line per distinct stack (dd, sh)"
grep -q '^dd;.*;wpw_test_write_one 4$' $W/folded.out
ok $? "folded: comm;outer;...;wpw_test_write_one COUNT"
start_watch summ -s wpw_test_target
echo "0 1 6" >$TW/write
stop_watch
grep -q '^]: 6$' $W/summ.out
ok $? "--summary: the stack with its count (6)"
grep -q '^hits 6, delivered 6, lost 0' $W/summ.out
ok $? "--summary: hits/delivered/lost"

# --- --pin -----------------------------------------------------------------------------
start_watch pin --pin wpw_test_target
echo "0 1 3" >$TW/write
bpftool map dump pinned /sys/fs/bpf/wpwatch/watch_counters >$W/pin.map 2>&1
bpftool prog show pinned /sys/fs/bpf/wpwatch/watch_write_hit >$W/pin.prog 2>&1
bpftool link show >$W/pin.link 2>&1
ls /sys/fs/bpf/wpwatch >$W/pin.ls
stop_watch
num_is "$(grep -o '"hits": [0-9]*' $W/pin.map | awk '{s += $2} END {print s}')" 3 \
	"--pin: bpftool map dump pinned .../watch_counters shows hits (BTF-typed), 3"
grep -q 'name watch_write_hit' $W/pin.prog
ok $? "--pin: bpftool prog show names the program watch_write_hit"
is "$(sort $W/pin.ls | tr '\n' ' ')" \
	"watch_counters watch_events watch_last_trap watch_shadow watch_slots watch_write_hit " \
	"--pin: every map and the program pinned under /sys/fs/bpf/wpwatch"
num_is "$(grep -c 'perf_event' $W/pin.link)" 2 "bpftool link show: one perf_event link per CPU"
ok "$([ ! -e /sys/fs/bpf/wpwatch ]; echo $?)" "--pin: the pins are removed at exit"
cat $W/pin.map | head -20 | sed 's/^/#   /'

# --- bad input: one line, a distinct status ----------------------------------------------
# expect STATUS PATTERN DESC -- CMD...: CMD exits STATUS and its stderr matches PATTERN
expect() {
	_st=$1 _pat=$2 _d=$3
	shift 4
	"$@" >$W/bad.out 2>$W/bad.err
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
expect 4 "need 8 hardware watchpoints.*this CPU has 4" "a range needing 8 slots" -- \
	wpwatch watch wpw_test_target:64
start_watch hold wpw_test_target+256:32
expect 4 "no free hardware watchpoint on CPU 0: this CPU has 4" "all 4 slots taken by another run" -- \
	wpwatch watch wpw_test_target
stop_watch
expect 3 "needs root, or CAP_BPF and CAP_PERFMON" "no capabilities" -- \
	wpw_runas --drop-caps -- wpwatch watch wpw_test_target
expect 3 "CAP_BPF: yes, CAP_PERFMON: no" "CAP_BPF without CAP_PERFMON" -- \
	wpw_runas --drop-caps --keep-cap 39 -- wpwatch watch wpw_test_target
expect 5 "lacks hardware breakpoint support" "perf_event_open says ENOENT (no breakpoint PMU)" -- \
	wpw_runas --deny-perf 2 -- wpwatch watch wpw_test_target
if [ "$ARCH" = arm64 ]; then
	expect 2 "lists functions only (no CONFIG_KALLSYMS_ALL)" \
		"a vmlinux variable arm64's kallsyms cannot place" -- wpwatch watch jiffies
else
	skip "a vmlinux variable kallsyms cannot place" "x86_64 has CONFIG_KALLSYMS_ALL"
	skip "a vmlinux variable kallsyms cannot place (message)" "x86_64 has CONFIG_KALLSYMS_ALL"
fi
rmmod wpw_testwriter
expect 2 "unknown symbol wpw_test_target" "a module variable once the module is gone" -- \
	wpwatch watch wpw_test_target

done_testing
