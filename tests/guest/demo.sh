#!/bin/sh
# make demo, inside the x86_64 guest: the main jobs of wpwatch, one after the
# other, each shown by its own demo-*.sh script.
. "$(dirname "$0")/lib.sh"
echo "=== wpwatch demo on $(uname -r) ($ARCH) ==="
found=
for d in "$(dirname "$0")"/demo-*.sh; do
	[ -e "$d" ] || continue
	found=1
	echo
	echo "=== $(basename "$d" .sh) ==="
	sh "$d" || echo "(demo $(basename "$d") failed with status $?)"
done
if [ -z "$found" ]; then
	echo "No feature demos yet: the plumbing instead (BPF on a perf breakpoint, kprobe on a module function)."
	modprobe wpw_testwriter
	wpw_bpf_smoke "$(cat /sys/kernel/debug/wpw_testwriter/addr)" 10
fi
