#!/bin/sh
# wpwatch lat (docs/latency.md) against the real re-randomization core and
# its test driver: call counts equal the driver's own counters exactly, the
# pass count equals the core's statistics, percentiles are ordered and lie
# between min and max, a 10 ms sleeper lands in its bucket, JSON carries the
# documented keys, the SVG is well formed, pinned maps dump with BTF, and bad
# input gets its documented message and exit status. JSON is parsed and
# queried by gojq (Debian's), not by code of ours. fentry runs where the
# core has module BTF (the debug kernel), and is refused elsewhere.
# arches: x86_64 arm64
# kernel: stock debug
# weight: 2
# timeout: 900
# cpus: 2
# mem: 512
# tests: 74 x86_64:debug=78
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/rerandom
T=/sys/kernel/debug/rr_test_driver
PIN=/sys/fs/bpf/wpwatch/lat
W=/tmp/lat
mkdir -p $W

st() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }
calls_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
kernel=$(cat /etc/wpwatch/kernel)
# rq FILE FILTER: FILTER on the last report of FILE (gojq)
rq() { jqf "$1" "[.[] | select(.type == \"report\")] | last | $2" -s; }
q() { rq "$W/run.json" "$1"; }
# fn NAME FILTER: FILTER on function NAME's entry in the last report of run.json
fn() { q ".functions[] | select(.name == \"$1\") | $2"; }
# nreports FILE: how many report objects FILE holds
nreports() { jqf "$1" '[.[] | select(.type == "report")] | length' -s; }
# floating-point a <= b; a missing or non-numeric side fails
le() { awk -v a="$1" -v b="$2" 'BEGIN {
	n = "^[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$"
	exit !(a ~ n && b ~ n && a + 0 <= b + 0) }'; }

# --- bad input, before the core is loaded -----------------------------------
wpwatch lat -d 1 >/dev/null 2>$W/err
num_is $? 6 "core not loaded: exit status 6"
run "... and the message says so" -- grep -q "re-randomization core is not loaded (add_pause_list is not in /proc/kallsyms)" $W/err
wpwatch lat --format xml >/dev/null 2>$W/err
num_is $? 2 "--format xml: exit status 2"
run "... with the accepted values" -- grep -q "text or json, not 'xml'" $W/err
wpwatch lat --events >/dev/null 2>$W/err
num_is $? 2 "--events without --format json: exit status 2"
grep -q '^nobody:' /etc/passwd 2>/dev/null || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
su -s /bin/sh nobody -c "$WPWATCH/bin/wpwatch lat -d 1" >/dev/null 2>$W/err
num_is $? 3 "not root: exit status 3"
run "... and the message says what is needed" -- grep -q "needs root" $W/err

# The build makes both modules for every lane; without them nothing below can run.
[ -e "$WPWATCH/kmod/rerandom.ko" ] && [ -e "$WPWATCH/kmod/rr_test_driver.ko" ] ||
	bail "rerandom.ko or rr_test_driver.ko missing from $WPWATCH/kmod: the build must make them"

# --- the core, quiet until we say so ------------------------------------------
run "modprobe rr_test_driver (and rerandom)" -- modprobe rr_test_driver
echo 0 >$D/period_ms
[ -w /sys/module/rerandom/parameters/selftest_period ] &&
	echo 0 >/sys/module/rerandom/parameters/selftest_period
echo 0 >$T/callers

wpwatch lat rr_no_such_function >/dev/null 2>$W/err
num_is $? 2 "unknown function: exit status 2"
run "... named in the message" -- grep -q "unknown function 'rr_no_such_function': not in /proc/kallsyms" $W/err
wpwatch lat add_pause_list >/dev/null 2>$W/err
num_is $? 2 "a function without a body: exit status 2"
run "... 'not re-randomizable'" -- grep -q "'add_pause_list' is not re-randomizable: it has no body add_pause_list_real" $W/err
# Module BTF, known from the lane and not from the file wpwatch itself looks
# at: the debug kernel's tree has vmlinux, so modules built against it get
# BTF; Debian's headers have none.
if [ "$kernel" = debug ]; then
	ok "$([ -e /sys/kernel/btf/rerandom ]; echo $?)" "debug kernel: rerandom.ko has module BTF (fentry is tested below)"
else
	ok "$([ ! -e /sys/kernel/btf/rerandom ]; echo $?)" "$kernel kernel: rerandom.ko has no module BTF (built against headers)"
	wpwatch lat --probe fentry >/dev/null 2>$W/err
	num_is $? 5 "--probe fentry without module BTF: exit status 5"
	run "... and the message names the missing BTF" -- grep -q "has no BTF (/sys/kernel/btf/rerandom missing" $W/err
fi

# --- exact counts: callers, passes and sleeps while attached ------------------
wpwatch lat --format json --pin >$W/run.json 2>$W/run.err &
pid=$!
if ! wait_ready $pid $W/run.err; then
	cat $W/run.err
	bail "wpwatch lat did not start"
fi
cp $T/calls $W/calls0
passes0=$(st passes)
echo 2 >$T/callers
for i in 1 2 3; do echo 1 >$D/trigger; done
echo 20 >$D/period_ms
sleep 2
echo 0 >$D/period_ms
sleep 1	# a pass already under way finishes
echo 0 >$T/callers
echo "10 3" >$T/sleep
bpftool map dump pinned $PIN/hists >$W/dump 2>&1
run "--pin: bpftool dumps the histograms with their BTF types" -- \
	grep -q '"kind": 3' $W/dump
run "... fields by name (count, sumsq_hi, slots)" -- sh -c \
	"grep -q '\"count\":' $W/dump && grep -q '\"sumsq_hi\":' $W/dump && grep -q '\"slots\":' $W/dump"
cp $T/calls $W/calls1
passes1=$(st passes)
kill -INT $pid
wait $pid
num_is $? 0 "wpwatch lat ends cleanly on SIGINT"
run "... and unpins its maps" -- sh -c "! [ -e $PIN/hists ]"

json_ok $W/run.json "every line is one JSON object (gojq)"
num_is "$(nreports $W/run.json)" 1 "one report without --interval"
# (gojq keeps objects as sorted maps: the members are compared as a set;
# JSON gives their order no meaning)
srt() { echo "$*" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//'; }
is "$(q 'keys | join(" ")')" "$(srt type time timestamp secs unit probe calls functions wait passes untimed events)" \
	"the report's documented keys"
is "$(q '.calls | keys | join(" ")')" "$(srt count total min avg max stddev p50 p90 p99 p99_9 hist)" \
	"the figures' documented keys"
is "$(q '.passes | keys | join(" ")')" "$(srt per_sec failed moved count total min avg max stddev p50 p90 p99 p99_9 hist steps)" \
	"the passes' documented keys"
# --probe auto must take the core's tracepoints: every rerandom.ko of this tree
# has them (rr_trace.h), and tracefs lists them (not wpwatch's kallsyms rule)
run "tracefs lists the core's tracepoints (rerandom:rerandom_call_enter)" -- \
	test -d /sys/kernel/tracing/events/rerandom/rerandom_call_enter
is "$(q .probe)" tracepoint "probe: the core's tracepoints"
num_is "$(q .untimed.unmatched)" 0 "no call was in flight at attach"

# check_counts LABEL: the report in $W/run.json against the driver's
# counters in $W/calls0 and $W/calls1
check_counts() {
	bad=0 n=0 why=
	while read -r name c1; do
		c0=$(calls_of $W/calls0 "$name")
		want=$((c1 - c0))
		[ "$want" -gt 0 ] || continue
		n=$((n + 1))
		got=$(fn "$name" .count 2>/dev/null)
		[ "$got" = "$want" ] || { why="$why$name: report $got, driver $want; "; bad=$((bad + 1)); }
	done <$W/calls1
	num_is "$bad" 0 "$1: call counts equal the driver's counters for all $n functions called"
	# after the result, where tests/check's summary shows them
	[ "$bad" -eq 0 ] || diag "$why untimed: $(q ".untimed | tojson")"
	num_is "$(q '.functions | length')" "$n" "$1: ... and no other function is reported"
}
check_counts "$(q .probe)"
total=0
for name in $(q '.functions[].name'); do
	total=$((total + $(fn "$name" .count)))
done
num_is "$(q .calls.count)" "$total" "all calls = sum over functions"

want=$((passes1 - passes0))
num_is "$(q .passes.count)" "$want" "pass count equals the core's statistics ($want)"
ok "$([ "$want" -ge 3 ] && echo 0 || echo 1)" "... at least the 3 triggered passes"
bad=0
for step in copy switch sync grace free; do
	got=$(q ".passes.steps[] | select(.name == \"$step\") | .count")
	[ "$got" = "$want" ] || { diag "step $step: $got, want $want"; bad=$((bad + 1)); }
done
num_is "$bad" 0 "one copy, switch, sync, grace and free step per pass"
got=$(q '[.passes.steps[] | select(.name == "fixup") | .count] | add // 0')
ok "$([ "$got" -le "$want" ] && echo 0 || echo 1)" "at most one fixup step per pass ($got)"

# every figure present and a number, and in order (a missing one fails)
bad=$(q '[{name: "calls"} + .calls, {name: "passes"} + .passes, .functions[]] | .[] |
	[.min, .p50, .p90, .p99, .p99_9, .max] as $v |
	select(($v | all(type == "number") | not) or $v != ($v | sort)) | "\(.name): \($v)"')
is "$bad" "" "min <= p50 <= p90 <= p99 <= p99.9 <= max everywhere, all present"

# flavour_run FLAVOUR: wpwatch lat --probe FLAVOUR while 2 callers run and one
# pass is triggered; its calls and passes must equal the driver's and the
# core's own counts (run.err stays for the caller's checks)
flavour_run() {
	wpwatch lat --probe $1 --format json >$W/run.json 2>$W/run.err &
	pid=$!
	wait_ready $pid $W/run.err || { cat $W/run.err; bail "wpwatch lat --probe $1 did not start"; }
	cp $T/calls $W/calls0
	passes0=$(st passes)
	echo 2 >$T/callers
	sleep 2
	echo 1 >$D/trigger
	echo 0 >$T/callers
	cp $T/calls $W/calls1
	passes1=$(st passes)
	kill -INT $pid
	wait $pid
	num_is $? 0 "--probe $1: ends cleanly on SIGINT"
	json_ok $W/run.json "--probe $1: every line is one JSON object (gojq)"
	is "$(q .probe)" $1 "--probe $1: the report says $1"
	check_counts "$1"
	num_is "$(q .passes.count)" "$((passes1 - passes0))" "$1: the pass count equals the core's statistics"
}

# --- --probe kprobe: the same counts --------------------------------------------
# Attached and detached while nothing calls the core: on x86_64 a kprobe
# armed or disarmed at the entry of a function other CPUs are calling can
# crash the kernel (docs/latency.md); this checks the kprobe flavour itself.
flavour_run kprobe
if [ "$ARCH" = x86_64 ]; then
	run "kprobe on x86_64: a warning names the risk" -- grep -q "can crash the kernel" $W/run.err
else
	run "kprobe on $ARCH: no warning" -- sh -c "! grep -q 'warning' $W/run.err"
fi

# --- --probe fentry where the core has module BTF: the same counts -----------
if [ "$kernel" = debug ]; then
	flavour_run fentry
fi
wpwatch lat --probe tp >/dev/null 2>$W/err
num_is $? 2 "--probe tp: exit status 2"
run "... listing the modes" -- grep -q "auto, tracepoint, kprobe or fentry, not 'tp'" $W/err

# --- raw events: -p keeps the callers' threads out, hits = delivered + lost ---
echo 2 >$T/callers
wpwatch lat --format json --events -p $$ >$W/ev.json 2>$W/ev.err &
pid=$!
wait_ready $pid $W/ev.err || bail "wpwatch lat --events did not start"
echo "10 3" >$T/sleep
echo 1 >$D/trigger
echo 1 >$D/trigger
kill -INT $pid
wait $pid
num_is $? 0 "--events run ends cleanly"
echo 0 >$T/callers
json_ok $W/ev.json "--events: every line is one JSON object (gojq)"
e() { rq $W/ev.json "$1"; }
# ev FILTER: how many event objects of ev.json FILTER selects
ev() { jqf $W/ev.json "[.[] | select(.type == \"event\") | select($1)] | length" -s; }
hits=$(e .events.hits) delivered=$(e .events.delivered) lost=$(e .events.lost)
num_is "$hits" "$((delivered + lost))" "events: hits ($hits) = delivered ($delivered) + lost ($lost)"
num_is "$lost" 0 "... none lost at this rate"
num_is "$(ev '.kind == "body" and .name == "rr_sleep_ms" and (.ts | type == "number")')" 3 \
	"one body event per call of this shell's, none of the callers'"
num_is "$(ev '.kind == "body"')" "$(e .calls.count)" "... as many as the report counts"
num_is "$(ev '.kind == "pass"')" 2 "one pass event per pass"
num_is "$(ev ".kind == \"body\" and .tid == $$")" 3 "events carry the caller's tid"

S='.functions[] | select(.name == "rr_sleep_ms")'
num_is "$(e "$S | .count")" 3 "rr_sleep_ms(10): 3 calls from this shell"
run "rr_sleep_ms: each took at least 10 ms" -- le 10000000 "$(e "$S | .min")"
# the bucket holding the median rank (2 of 3) must contain p50
med=$(e "[$S | .hist[] | select(.count > 0)] | reduce .[] as \$b ({cum: 0};
	.cum += \$b.count | if .m == null and .cum >= 2 then .m = \"\(\$b.low) \(\$b.high)\" else . end) | .m")
p50=$(e "$S | .p50")
diag "rr_sleep_ms p50 $p50 ns, median bucket $med"
run "rr_sleep_ms: p50 lies in the median's log2 bucket" -- \
	awk -v p="$p50" -v b="$med" 'BEGIN { split(b, x, " "); exit !(p >= x[1] && p <= x[2] + 1) }'
# every call counted in the bucket its own event's duration names
from_events=$(jqf $W/ev.json 'select(.type == "event" and .kind == "body" and .name == "rr_sleep_ms") | .ns' |
	awk '{ v = $1; lo = 1; while (v >= 2) { v /= 2; lo *= 2 } c[lo > 1 ? lo : 0]++ }
	     END { for (l in c) printf "%d:%d\n", l, c[l] }' | sort -n | tr '\n' ' ')
from_hist=$(e "$S | .hist[] | select(.count > 0) | \"\(.low):\(.count)\"" | sort -n | tr '\n' ' ')
is "$from_hist" "$from_events" "rr_sleep_ms: the histogram's buckets are the events' durations"


# --- text, -p, -L, --svg, -m --------------------------------------------------
echo 2 >$T/callers
wpwatch lat -m -F -L -p $$ --svg $W/lat.svg >$W/text 2>$W/text.err &
pid=$!
wait_ready $pid $W/text.err || bail "wpwatch lat (text) did not start"
echo "10 2" >$T/sleep
sleep 1
kill -INT $pid
wait $pid
num_is $? 0 "text run ends cleanly"
echo 0 >$T/callers
sed 's/^/#   /' $W/text
run "text: the log2 histogram header in msecs" -- grep -q '^ *msecs *: count *distribution$' $W/text
run "text: count/avg/stddev/min/max and the percentiles" -- sh -c \
	"grep -q '^count 2  avg .* stddev .* min .* max .* (msecs)$' $W/text &&
	 grep -q '^p50 .*  p90 .*  p99 .*  p99.9 ' $W/text"
run "-p: this shell's calls: rr_sleep_ms x2" -- grep -q '^rr_sleep_ms  *2 ' $W/text
num_is "$(awk '/^FUNCTION/ { t = 1; next } t && /^$/ { t = 0 } t && /^[^ ]/ { n++ } END { print n + 0 }' $W/text)" 1 \
	"-p: and none of the callers' threads"
run "-L: the calls split per thread, this shell's tid" -- grep -q "^  tid $$  *2 " $W/text
run "-F: a histogram for the function" -- grep -q '^function = rr_sleep_ms$' $W/text
run "--svg: a non-empty file" -- test -s $W/lat.svg
run "--svg: an XML document with one svg element, closed" -- sh -c \
	"head -n1 $W/lat.svg | grep -q '^<?xml' && [ \$(grep -c '<svg' $W/lat.svg) -eq 1 ] &&
	 tail -n1 $W/lat.svg | grep -q '^</svg>$'"
run "--svg: groups balanced, the function drawn" -- sh -c \
	"[ \$(grep -c '<g>' $W/lat.svg) -eq \$(grep -c '</g>' $W/lat.svg) ] &&
	 grep -q '>rr_sleep_ms</text>' $W/lat.svg"

# --- Ctrl-C with a reader that takes nothing ----------------------------------
# Reports every 0.1 s into a FIFO whose reader never reads (a pager left
# alone): once wpwatch lat blocks in the pipe's write, SIGINT must still end
# it within 30 s (runner.c's STOP_GRACE: 1 s for the reader; the rest for a
# loaded host), with status 0
# and the reports it could not write said. Without the bound it would block
# for ever: this fails every time the bound is broken.
mkfifo $W/stall
sleep 600 <$W/stall &
holder=$!
echo 2 >$T/callers
wpwatch lat -i 0.1 -m -F -L >$W/stall 2>$W/stall.err &
pid=$!
wait_ready $pid $W/stall.err || bail "wpwatch lat (stalled reader) did not start"
i=0
while [ "$(cat /proc/$pid/wchan 2>/dev/null)" != pipe_write ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
is "$(cat /proc/$pid/wchan 2>/dev/null)" pipe_write "stalled reader: wpwatch lat blocks in its output"
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do
	i=$((i + 1))
	sleep 0.1
done
ok "$(kill -0 $pid 2>/dev/null; [ $? -ne 0 ]; echo $?)" "stalled reader: SIGINT ends wpwatch lat within 30 s ($((i / 10)).$((i % 10)) s)" ||
	kill -9 $pid
wait $pid
num_is $? 0 "stalled reader: exit status 0"
echo 0 >$T/callers
kill $holder
wait $holder 2>/dev/null
sed 's/^/#   /' $W/stall.err
run "stalled reader: the reports not written are said" -- \
	grep -Eq '^wpwatch lat: [1-9][0-9]* reports? \([0-9]+ bytes\) of output not written' $W/stall.err

# --- intervals -----------------------------------------------------------------
wpwatch lat -i 1 -n 2 --format json >$W/iv.json 2>/dev/null
num_is $? 0 "-i 1 -n 2 stops by itself"
json_ok $W/iv.json "-i 1 -n 2: every line is one JSON object (gojq)"
num_is "$(nreports $W/iv.json)" 2 "... after exactly 2 reports"

run "rmmod rr_test_driver rerandom" -- rmmod rr_test_driver rerandom
done_testing
