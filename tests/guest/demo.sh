#!/bin/sh
# make demo, inside the guest (x86_64 or arm64): the steps of the demo, one
# after the other, each its own tests/guest/demo-STEP.sh. The kernel console
# is kept quiet (log level 4: errors only) while they run; every step that
# fails is named, and the status is then 1. Each step has DEMO_STEP_SECS
# (default 300) to end: one that does not is killed and fails by name (its
# own waits are bounded too, tests/guest/demo-lib.sh, with what it waited
# for); a demo that hangs is itself a defect (docs/demo.md).
#   sh tests/guest/demo.sh [STEP...]      (default: watchpoint watch lat)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/demo-lib.sh"
dir=$(dirname "$0")
export DEMO_OUT=${DEMO_OUT:-/tmp/demo}
mkdir -p "$DEMO_OUT"
steps=${*:-watchpoint watch lat}

echo "=== wpwatch demo on Linux $(uname -r) ($ARCH) ==="
# Warnings and info (the watchpoint module's rate-limit notices) go to dmesg
# only; the runner still scans dmesg for kernel complaints at the end.
level=$(cut -f1 /proc/sys/kernel/printk)
echo 4 >/proc/sys/kernel/printk

failed=
for s in $steps; do
	echo
	echo "=== step $s: $(sed -n 2p "$dir/demo-$s.sh" | sed 's/^# [^:]*: //')"
	STEP=$s sh "$dir/demo-$s.sh" &
	pid=$!
	t=$((${DEMO_STEP_SECS:-300} * 10))
	while alive $pid && [ $t -gt 0 ]; do
		sleep 0.1
		t=$((t - 1))
	done
	if alive $pid; then
		echo "demo step '$s' failed: did not end within ${DEMO_STEP_SECS:-300} s (killed)" >&2
		# what the step started first, so that the step itself ends
		# through its EXIT trap, which stops what it set going
		# (passes, callers, modules; bounded too), then whatever is left
		kids=$(descendants $pid)
		[ -n "$kids" ] && kill -9 $kids 2>/dev/null
		t=700
		while alive $pid && [ $t -gt 0 ]; do
			sleep 0.1
			t=$((t - 1))
		done
		kill_tree $pid
		rc=124
	else
		wait $pid
		rc=$?
	fi
	if [ $rc -eq 0 ]; then
		echo "=== step $s: ok"
	else
		echo "=== step $s: FAILED (status $rc)"
		failed="$failed $s"
	fi
done
echo "$level" >/proc/sys/kernel/printk

echo
if [ -n "$failed" ]; then
	echo "=== demo FAILED in step(s):$failed (see the messages above)"
	exit 1
fi
echo "=== demo: every step worked ($steps)"
