#!/bin/sh
# A static key and a static call in moved copies (docs/rerandom.md, "The
# kernel's run-time tables, in copies"): rr_classes.ko, plain C built through
# rrmeta --auto; while a pass runs every millisecond the key is flipped and
# the call updated 100 times each (25 on the debug lane in make check), and
# every result read through the moving copies is the one the kernel's
# patched code would give.
# arches: x86_64 arm64
# kernel: stock debug
# timeout: 300
# cpus: 2
# tests: 10
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/rerandom
C=/sys/kernel/debug/rr_classes
st() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }

run "modprobe rr_classes (pulls in rerandom)" -- modprobe rr_classes
grep '^rr_classes: ' $D/coverage | sed 's/^/# /'
for f in rrc_key rrc_call; do
	grep -qE "^moved $f(\.[a-z]+\.[0-9]+)? " $D/coverage
	ok $? "$f is a moving body"
done
echo 1 >$D/trigger
is "$(cat $C/key) $(cat $C/call)" "0 41" "after a pass: the key is off, the call is rrc_add1"
# both counts read while no pass runs (a pass every 1 ms would move between them)
passes0=$(st passes)
moves0=$(awk '$1 == "moved" && $2 == "rrc_key" { print $4 }' $D/coverage)
echo 1 >$D/period_ms
# 25 of each on the debug lane in make check (lib.sh, reps)
flips=$(reps 100 25)
bad=0 i=0
while [ $i -lt "$flips" ]; do
	v=$(((i + 1) % 2))
	echo $v >$C/key
	[ "$(cat $C/key)" = "$v" ] || bad=$((bad + 1))
	c=$((1 + (i + 1) % 2))
	echo $c >$C/call
	[ "$(cat $C/call)" = "$((40 + c))" ] || bad=$((bad + 1))
	i=$((i + 1))
done
echo 0 >$D/period_ms
sleep 1	# a pass under way ends: passes and moves read after it
passes=$(($(st passes) - passes0))
num_is "$bad" 0 "$flips key flips and $flips call updates, each seen at once by the moving copies"
diag "$passes passes meanwhile"
ok "$([ "$passes" -gt 0 ]; echo $?)" "passes ran meanwhile ($passes)"
moves=$(($(awk '$1 == "moved" && $2 == "rrc_key" { print $4 }' $D/coverage) - ${moves0:-0}))
num_is "$moves" "$passes" "rrc_key moved on every pass of the loop ($moves moves in $passes passes)"
num_is "$(st failures)" 0 "no failed move"
run "rmmod rr_classes" -- rmmod rr_classes
num_is "$(st bodies)" 0 "no body left registered"
done_testing
