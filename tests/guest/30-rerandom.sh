#!/bin/sh
# Re-randomization core and test driver (docs/rerandom.md): bodies move on
# every pass while trampolines and registered pointers stay put; results stay
# exact under 4 calling threads and 1 ms passes; a sleeping thread keeps its
# old copy alive; unloading is refused or clean.
# arches: x86_64 arm64
# kernel: stock debug
# weight: 3
# timeout: 900
# cpus: 2
# mem: 512
# tests: 43
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/rerandom
T=/sys/kernel/debug/rr_test_driver
st() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }
# low 48 bits of a hex address (busybox sh arithmetic is signed 64-bit)
hex() { printf '%d' "0x$(echo "$1" | sed 's/^0*\(.\{0,12\}\)$/\1/;s/^.*\(.\{12\}\)$/\1/')"; }

run "modprobe rr_test_driver (loads rerandom first)" -- modprobe rr_test_driver
run "both modules are live" -- sh -c \
	'grep -q "^rerandom .* Live" /proc/modules && grep -q "^rr_test_driver .* Live" /proc/modules'
nfun=$(wc -l <$T/calls)
num_is "$(st bodies)" "$nfun" "every test-driver function is a registered body ($nfun)"
num_is "$(wc -l <$D/bodies)" "$nfun" "bodies lists one line per body"

# Trampolines are what kallsyms calls NAME; bodies start at NAME_real.
tramps_before=$(awk '{ print $1, $3 }' $D/layout | sort)
bad=0
while read -r name _ tramp _ orig _; do
	k=$(awk -v n="$name" '$3 == n && $4 == "[rr_test_driver]" { print $1 }' /proc/kallsyms)
	kr=$(awk -v n="${name}_real" '$3 == n && $4 == "[rr_test_driver]" { print $1 }' /proc/kallsyms)
	[ "$(hex "$k")" = "$(hex "$tramp")" ] || { diag "$name: kallsyms $k, layout $tramp"; bad=$((bad + 1)); }
	[ "$(hex "$kr")" = "$(hex "$orig")" ] || { diag "${name}_real: kallsyms $kr, layout $orig"; bad=$((bad + 1)); }
done <$D/layout
num_is "$bad" 0 "layout: trampoline = kallsyms NAME, loaded body = kallsyms NAME_real"
fnptrs_before=$(cat $T/fnptrs)
is "$(awk '$1 == "init_entry" { print $2 }' $T/fnptrs)" \
	"$(awk '$3 == "init_entry" && $4 == "[rr_test_driver]" { print $1 }' /proc/kallsyms | sed 's/^0*//')" \
	"the registered init_entry pointer is the trampoline"

# --- 100 passes: every body moves every pass, spread over the arena --------
arena=$(st arena_start)
abytes=$(st arena_bytes)
passes0=$(st passes)
: >/tmp/all
i=0
while [ $i -le 100 ]; do
	[ $i -gt 0 ] && { echo 1 >$D/trigger || break; }
	sed "s/^/$i /" $D/bodies >>/tmp/all
	i=$((i + 1))
done
# per pass and body: did START change, is it in the arena, which eighth
set -- $(awk -v arena="$arena" -v abytes="$abytes" '
	function h(x) { return ("0x" substr(x, length(x) - 11)) + 0 }
	{
		if ($1 > 0 && prev[$4] == $2) same++
		prev[$4] = $2
		if ($1 == 0) next
		off = h($2) - h(arena)
		if (off < 0 || off >= abytes) out++
		else oct[int(off * 8 / abytes)] = 1
	}
	END { n = 0; for (k in oct) n++; print same + 0, out + 0, n }' /tmp/all)
same=$1 outside=$2 octs=$3
num_is "$(($(st passes) - passes0))" 100 "100 passes ran"
num_is "$same" 0 "every body got a new address on every pass"
num_is "$outside" 0 "every copy lies inside the arena"
num_is "$octs" 8 "copies spread over all eighths of the arena"
is "$(awk '{ print $1, $3 }' $D/layout | sort)" "$tramps_before" "trampoline addresses unchanged"
is "$(cat $T/fnptrs)" "$fnptrs_before" "registered function pointers unchanged"
num_is "$(st failures)" 0 "no failed move"

# --- a stack captured inside a moved body reaches its callers -------------
cat $T/stack >/tmp/stack
sed 's/^/#   /' /tmp/stack
body=$(awk '$3 == "rr_stack" { print $1 }' $D/bodies)
first=$(awk 'NR == 1 { print $1 }' /tmp/stack)
end=$(awk '$3 == "rr_stack" { print $2 }' $D/bodies)
ok "$([ "$(hex "$first")" -ge "$(hex "$body")" ] && [ "$(hex "$first")" -lt "$(hex "$end")" ]; echo $?)" \
	"the innermost frame is inside rr_stack's current copy ($body)"
run "the trace goes on through the trampoline rr_stack to the debugfs reader" -- \
	sh -c "sed -n '2,\$p' /tmp/stack | grep -q ' rr_stack+' && grep -q ' rr_stack_show+' /tmp/stack && grep -q ' seq_read' /tmp/stack"

# --- the original research's kernel thread ---------------------------------------------
echo 100 >/sys/module/rerandom/parameters/selftest_period
sleep 1
echo 0 >/sys/module/rerandom/parameters/selftest_period
line=$(dmesg | grep 'selftest rerandom_test: check_entry(11, "chifan", ' | tail -n 1)
diag "$line"
case "$line" in
*") = 17, init_entry "*) ok 0 "selftest thread calls check_entry(11, \"chifan\", t) = 17 through the driver" ;;
*) ok 1 "selftest thread calls check_entry(11, \"chifan\", t) = 17 through the driver" ;;
esac

# --- stress: 4 callers, a pass every millisecond, 30 s --------------------
# (10 s on the debug lane in make check, lib.sh's reps: still hundreds of
# passes there, 859 in a run alone; every check below is scaled by the run's
# length)
stress=${RR_STRESS_S:-$(reps 30 10)}
# rr_passd's voluntary context switches (sleeps), from /proc
passd=$(grep -l '^Name:[[:space:]]*rr_passd$' /proc/[0-9]*/status 2>/dev/null | head -n 1)
nvcsw() { awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "$passd" 2>/dev/null; }
sleeps0=$(nvcsw)
passes0=$(st passes) busy0=$(st pass_ns) over0=$(st overruns)
echo 4 >$T/callers
echo 1 >$D/period_ms
# the reference: the pass thread's fixed-rate loop without the pass, on the
# same vCPUs during the same seconds (tests/guest/bin/wpw_ticker.c)
wpw_ticker "$stress" 1000 >/tmp/ticks
echo 0 >$D/period_ms
echo 0 >$T/callers
read -r _ threads _ calls _ errors <$T/callers
npass=$(($(st passes) - passes0))
sleeps=$(($(nvcsw) - ${sleeps0:-0}))
busy=$(($(st pass_ns) - busy0)) over=$(($(st overruns) - over0))
ticks=$(cat /tmp/ticks)
# A pass cannot start more often than it lasts, and one that ends after the
# next was due (an overrun) is followed by a pause as long as itself
# (docs/rerandom.md, "The pass thread"): where the mean pass takes longer
# than the period (the KASAN debug kernel: about 11 ms; a 2-vCPU TCG guest,
# whose fixup waits for the other vCPU), the room is the run's length over
# twice the mean pass.
pass_ns=$((busy / (npass > 0 ? npass : 1)))
room=$ticks
[ "$pass_ns" -gt 1000000 ] && [ $((stress * 1000000000 / pass_ns / 2)) -lt "$room" ] &&
	room=$((stress * 1000000000 / pass_ns / 2))
diag "callers: $(cat $T/callers); passes: $npass, $over of them overruns; the reference loop: ${ticks:-?} periods of 1 ms in $stress s (nominal $((stress * 1000))); a pass took $pass_ns ns on average, $((busy / 1000000)) ms in all: room for $room"
num_is "$errors" 0 "4 callers, 1 ms passes, $stress s: zero wrong results"
ok "$([ "$calls" -gt 100 ]; echo $?)" "callers completed rounds ($calls)"
# The bound. With the CPU it needs the pass thread keeps 97-98 % of a 1 ms
# period (docs/performance.md: icount, one vCPU, guest time). Under TCG on a
# shared host the guest cannot keep 1 ms for any thread (this suite has seen
# 10-13 % of nominal passes when the host was busy), so the nominal rate is no
# yardstick; the same loop without the pass, run beside it, is. The pass
# thread reached 57 % (x86_64) and 53 % (arm64) of the reference's periods on
# the stock kernels (a pass rewrites code, which TCG pays for), so the bound is
# a quarter: a pass thread that loses 3 of 4 of its periods beyond what the
# guest itself loses (a sleep too long, a pass that blocks) fails. Where a
# pass lasts longer than the period, the room is the run's length over the
# pass's own duration instead (the KASAN debug kernel's case).
ok "$([ -n "$ticks" ] && [ "$ticks" -gt 0 ] && [ "$npass" -ge $((room / 4)) ]; echo $?)" \
	"passes kept up under load: $npass >= a quarter of the room for $room (reference: ${ticks:-?} periods)"
# ... and passes that fall behind leave the CPU: after each overrun the pass
# thread pauses as long as the pass took, so the time in passes stays near
# half of the run (all of it, before the pause: a CPU of the guest busy with
# passes); passes that fit their period add their own time, hence 3/4
ok "$([ "$over" -eq 0 ] || [ $((busy / 1000000)) -le $((stress * 750)) ]; echo $?)" \
	"overrunning passes leave the CPU: $((busy / 1000000)) ms in passes of $((stress * 1000)) ms ($over overruns)"
# The pause is a sleep, a voluntary context switch, after every pass: what
# RCU Tasks waits for (a task preempted at cond_resched() stays a holdout,
# which stalls kprobe optimization, ftrace and BPF trampolines); before, a
# pass that overran was followed by cond_resched() alone, so the switches
# fell short of the passes by the overruns. A sleep of a few microseconds
# (what a pass that nearly fills its period leaves) may end before the
# thread reaches schedule() and switch nothing, hence half the overruns as
# the margin (about 10 such in 10,000 passes on arm64).
ok "$([ -n "$passd" ] && [ "$sleeps" -ge $((npass - over / 2)) ]; echo $?)" \
	"rr_passd sleeps after every pass, overruns too: $sleeps voluntary switches for $npass passes, $over overruns"
# rr_poke is left out of the callers' loop (21-watch-symbols needs it to be
# the only writer of rr_poked): debugfs poke calls it, and checks its result
run "poke: rr_poke(3) through its trampoline returns 4 and stores 3" -- sh -c "echo 3 >$T/poke"
bad=$(awk '$2 == 0 { printf "%s ", $1 }' $T/calls)
is "$bad" "" "every function was called (counted inside its body)"
i=0
while [ $i -lt 20 ] && [ "$(st retired)" != "$(st freed)" ]; do
	sleep 0.5
	i=$((i + 1))
done
num_is "$(st freed)" "$(st retired)" "copies retired == copies freed ($(st retired))"
num_is "$(wc -l <$D/retired)" 0 "no retired copy pending"

# --- a sleeping thread keeps its old copy alive ---------------------------
old=$(awk '$3 == "rr_sleep_ms" { print $1 }' $D/bodies)
# 8 s: long enough for 5 passes and the checks below on the debug kernel too
echo "8000 1" >$T/sleep &
sleeper=$!
sleep 1
for i in 1 2 3 4 5; do echo 1 >$D/trigger; done
sleep 0.5
grep -q "^$old .* rr_sleep_ms\$" $D/retired
ok $? "the copy the sleeper is in ($old) stays retired, not freed, across 5 passes"
ok "$([ "$(st freed)" -lt "$(st retired)" ]; echo $?)" "freed < retired while it sleeps"
kill -0 $sleeper 2>/dev/null
ok $? "the sleeper is still inside rr_sleep_ms (else the next test proves nothing)"
# The refusal itself is the kernel's module refcount (the sleeper is inside
# rr_test_driver's debugfs write); what rerandom must do is keep everything
# registered and moving through it.
run "rmmod rr_test_driver is refused while a thread is inside" -- sh -c '! rmmod rr_test_driver'
num_is "$(st bodies)" "$nfun" "... and every body is still registered"
before=$(awk '{ print $1 }' $D/bodies | sort)
echo 1 >$D/trigger
num_is "$(printf '%s\n%s\n' "$before" "$(awk '{ print $1 }' $D/bodies | sort)" | sort | uniq -d | wc -l)" 0 \
	"... and a pass after the refusal still moves every body"
wait $sleeper
ok $? "the sleeper returned the right value"
echo 1 >$D/trigger
i=0
while [ $i -lt 20 ] && grep -q "^$old " $D/retired; do
	sleep 0.5
	i=$((i + 1))
done
run "its copy is freed after it returned" -- sh -c "! grep -q '^$old ' $D/retired"
i=0
while [ $i -lt 20 ] && [ "$(st retired)" != "$(st freed)" ]; do
	echo 1 >$D/trigger
	sleep 0.5
	i=$((i + 1))
done
num_is "$(st freed)" "$(st retired)" "retired == freed again"

# --- unloading during passes ----------------------------------------------
echo 2 >$T/callers
echo 1 >$D/period_ms
sleep 2
# refused by the kernel's refcount again (rr_test_driver uses rerandom's
# symbols); checked here: the core goes on serving the driver after it
p=$(st passes)
run "rmmod rerandom is refused while the test driver uses it" -- sh -c '! rmmod rerandom'
sleep 1
ok "$([ "$(st passes)" -gt "$p" ] && [ "$(st bodies)" -eq "$nfun" ]; echo $?)" \
	"... and its passes go on over all $nfun bodies ($(($(st passes) - p)) more)"
run "rmmod rr_test_driver during passes and calls" -- rmmod rr_test_driver
num_is "$(st bodies)" 0 "no body registered"
num_is "$(st freed)" "$(st retired)" "every retired copy freed when the driver is gone (rerandom_unregister_module waited)"
num_is "$(wc -l <$D/retired)" 0 "... none pending"
sleep 1
run "rmmod rerandom while its pass thread runs" -- rmmod rerandom
run "both reload" -- sh -c 'modprobe rr_test_driver && echo 1 >/sys/kernel/debug/rerandom/trigger'
run "and unload" -- sh -c 'rmmod rr_test_driver && rmmod rerandom'

done_testing
