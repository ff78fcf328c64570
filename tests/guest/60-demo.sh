#!/bin/sh
# make demo's script (tests/guest/demo.sh) run as a suite: it must exit 0,
# and every step must have produced what it shows: write events by
# tl_writer with tl_writer_store in their stacks in all four formats of
# wpwatch watch, the watchpoint module's callbacks counted, a latency report
# with passes and percentiles; the output fits 80 columns, no stack was
# dumped to the console, a step broken on purpose fails the demo by name, and
# a step that hangs on purpose is killed at its bound and named. In make
# check-full only: every claim of its steps about the kernel (one callback
# per write, write events and stacks by tl_writer in every format, passes
# and percentiles) is proven in make check on both arches by 10-watchpoint,
# 20-watch and 50-lat; what only this suite proves is the demo script itself
# (docs/testing.md, "make check-full").
# check: full
# arches: x86_64 arm64
# weight: 2
# timeout: 900
# cpus: 2
# mem: 512
# tests: 29
. "$(dirname "$0")/lib.sh"
dir=$(dirname "$0")
O=/tmp/demo
export DEMO_OUT=$O

sh "$dir/demo.sh" >/tmp/demo.log 2>&1
rc=$?
sed 's/^/#   /' /tmp/demo.log
num_is $rc 0 "make demo's script exits 0"
run "... and says every step worked" -- grep -q '^=== demo: every step worked' /tmp/demo.log
for s in watchpoint watch lat; do
	run "step $s: ok" -- grep -q "^=== step $s: ok" /tmp/demo.log
done
n=$(expand /tmp/demo.log | awk 'length > 80' | wc -l)
num_is "$n" 0 "every line of the demo fits 80 columns"
n=$(dmesg | grep -c 'Dump stack from watchpoint_handler')
num_is "$n" 0 "no stack dumped by the default callback (console quiet)"

# --- watchpoint: the original scenario --------------------------------------
c=$(cat $O/watchpoint/callbacks 2>/dev/null)
w=$(cat $O/watchpoint/writes_watched 2>/dev/null)
ok "$([ "${c:-0}" -ge 1 ]; echo $?)" "watchpoint: callbacks counted ($c)"
num_is "$c" "$w" "watchpoint: one callback per watched write"
run "watchpoint: the writer's stack names tl_writer_store" -- \
	grep -q '^  tl_writer_store+' $O/watchpoint/last_violation
run "watchpoint: dmesg excerpt with the callback's line for tl_writer" -- \
	grep -q 'tl_writer\[[0-9]*\] on CPU' $O/watchpoint/dmesg

# --- watch: four formats, real events ------------------------------------------
n=$(grep -c '^[0-9.]* tl_writer [0-9]*/[0-9]* \[[0-9]*\] trampolines:24 0x' $O/watch/text.out)
num_is "$n" 3 "watch text: 3 write events by tl_writer"
n=$(grep -c '^[[:space:]]*[0-9a-f]* tl_writer_store+0x[0-9a-f]* \[tl_writer\]$' $O/watch/text.out)
num_is "$n" 3 "watch text: each stack names tl_writer_store [tl_writer]"
n=$(grep '"type":"write"' $O/watch/json.out | grep '"comm":"tl_writer"' |
	grep -c '"stack":\[{"addr":"0x[0-9a-f]*","sym":"tl_writer_store+')
num_is "$n" 1 "watch json: 1 write event by tl_writer, tl_writer_store innermost"
num_is "$(jqf $O/watch/json.out 'select(.type == "summary") | .printed')" 1 \
	"watch json: a summary object with 1 printed"
run "watch --summary: tl_writer_store's stack counted 5 times" -- \
	sh -c "grep -q '^[[:space:]]*tl_writer_store+' $O/watch/summary.out && grep -q '^]: 5$' $O/watch/summary.out"
run "watch folded: tl_writer;...;tl_writer_store 5" -- \
	grep -Eq '^tl_writer;(.*;)?tl_writer_fn;tl_writer_store 5$' $O/watch/folded.out

# --- lat: a report with passes and percentiles ----------------------------------
p=$(sed -n 's/^Re-randomization passes: \([0-9]*\) .*/\1/p' $O/lat/lat.out)
ok "$([ "${p:-0}" -ge 1 ]; echo $?)" "lat: passes reported ($p)"
n=$(grep -c '^p50 [0-9.]*  p90 [0-9.]*  p99 [0-9.]*  p99.9 [0-9.]*$' $O/lat/lat.out)
ok "$([ "$n" -ge 2 ]; echo $?)" "lat: percentiles for calls and passes ($n lines)"
n=$(awk '$1 == "rr_sleep_ms" { print $2 }' $O/lat/lat.out)
ok "$([ "${n:-0}" -ge 5 ]; echo $?)" "lat: rr_sleep_ms called at least 5 times ($n)"

# --- a step broken on purpose: a wpwatch that always fails ---------------------
mkdir -p /tmp/broken
printf '#!/bin/sh\necho "wpwatch: broken on purpose" >&2\nexit 1\n' >/tmp/broken/wpwatch
chmod +x /tmp/broken/wpwatch
PATH=/tmp/broken:$PATH DEMO_OUT=/tmp/demo-broken sh "$dir/demo.sh" lat >/tmp/broken.log 2>&1
rc=$?
sed 's/^/#   /' /tmp/broken.log
num_is $rc 1 "a broken step: the demo exits 1"
run "... naming the step" -- grep -q '^=== demo FAILED in step(s): lat ' /tmp/broken.log
run "... and what failed" -- grep -q "^demo step 'lat' failed: wpwatch lat did not start tracing (status 1)" /tmp/broken.log

# --- a step that hangs on purpose: a wpwatch lat that never ends ---------------
# demo.sh kills the step at its bound (DEMO_STEP_SECS) and names it; the
# step's EXIT trap still stops the passes and the callers.
mkdir -p /tmp/hang
printf '#!/bin/sh\necho "Tracing (a wpwatch that hangs on purpose)" >&2\nexec sleep 100007\n' >/tmp/hang/wpwatch
chmod +x /tmp/hang/wpwatch
t0=$(cut -d. -f1 /proc/uptime)
PATH=/tmp/hang:$PATH DEMO_OUT=/tmp/demo-hang DEMO_STEP_SECS=20 sh "$dir/demo.sh" lat >/tmp/hang.log 2>&1
rc=$?
t=$(($(cut -d. -f1 /proc/uptime) - t0))
sed 's/^/#   /' /tmp/hang.log
num_is $rc 1 "a step that hangs: the demo exits 1"
run "... naming the step and its bound" -- \
	grep -q "^demo step 'lat' failed: did not end within 20 s (killed)" /tmp/hang.log
run "... and the demo names it" -- grep -q '^=== demo FAILED in step(s): lat ' /tmp/hang.log
ok "$([ "$t" -lt 120 ]; echo $?)" "... within its bound, not the suite's ($t s)"
n=$(grep -l '10000[7]' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)
num_is "$n" 0 "... what the step started is gone"
num_is "$(cat /sys/kernel/debug/rerandom/period_ms)" 0 "... and its EXIT trap stopped the passes"
done_testing
