#!/bin/sh
# Run the demo's lat step (tests/guest/demo-lat.sh) N times in a row, as
# tests/guest/60-demo.sh does once, while a monitor prints the core's stats
# and the pass thread's state every 10 s: what a starved guest does to the
# pass thread (docs/latency.md, "When a pass takes longer than its period").
#   tests/vm/run --arch x86_64 --timeout 900 -- sh tests/guest/repro-demo-lat.sh [N]
dir=$(dirname "$0")
n=${1:-5}
echo 7 >/proc/sys/kernel/printk
echo 30 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
(
	while :; do
		sleep 10
		p=$(grep -l "^Name:[[:space:]]*rr_passd$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3 | head -n 1)
		echo "monitor $(cut -d' ' -f1 /proc/uptime): rr_passd ${p:-none}" \
			"state $(awk '/^State/ { print $2 }' /proc/$p/status 2>/dev/null)" \
			"passes $(awk '$1 == "passes" { print $2 }' /sys/kernel/debug/rerandom/stats 2>/dev/null)" \
			"overruns $(awk '$1 == "overruns" { print $2 }' /sys/kernel/debug/rerandom/stats 2>/dev/null)" \
			"load $(cut -d' ' -f1-3 /proc/loadavg)"
		[ -n "$p" ] && cat /proc/$p/stack 2>/dev/null | head -8 | sed 's/^/monitor   /'
	done
) &
mon=$!
rc=0
i=1
while [ $i -le "$n" ]; do
	echo "=== run $i of $n at $(cut -d' ' -f1 /proc/uptime) s"
	DEMO_OUT=/tmp/demo-$i sh "$dir/demo.sh" lat >/tmp/demo-$i.log 2>&1 || rc=1
	grep -E '^=== |failed|Re-randomization passes|^(copy|fixup|switch|grace|free) ' /tmp/demo-$i.log
	i=$((i + 1))
done
kill $mon
cat /sys/kernel/debug/rerandom/stats
exit $rc
