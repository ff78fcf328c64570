#!/bin/sh
# The foundation, proven in a booted kernel: our module loads and unloads,
# the guest has what every suite relies on, BPF attaches to a perf
# breakpoint and to a kprobe on a module function, and both fire.
# arches: x86_64 arm64
# weight: 1
# timeout: 300
# tests: 10
. "$(dirname "$0")/lib.sh"

# /etc/wpwatch/arch (the lane, where lib.sh's $ARCH comes from) against two
# independent witnesses: the running kernel and the ELF machine of our programs.
case "$(cat /etc/wpwatch/arch)" in
x86_64) want=x86_64 elf="3e 00" ;;
arm64) want=aarch64 elf="b7 00" ;;
*) want="an arch in /etc/wpwatch/arch" elf=none ;;
esac
is "$(uname -m)" "$want" "the kernel is the lane's ($(cat /etc/wpwatch/arch))"
is "$(od -An -tx1 -j18 -N2 "$WPWATCH/bin/wpwatch" | tr -s ' ' | sed 's/^ //;s/ $//')" "$elf" \
	"wpwatch is built for the lane's arch (ELF e_machine)"
run "debugfs, tracefs and bpffs are mounted" -- sh -c \
	'grep -q " /sys/kernel/debug debugfs" /proc/mounts &&
	 grep -q " /sys/kernel/tracing tracefs" /proc/mounts &&
	 grep -q " /sys/fs/bpf bpf" /proc/mounts'
run "bpftool runs" -- bpftool version

run "modprobe wpw_testwriter" -- modprobe wpw_testwriter
run "module is live" -- grep -q '^wpw_testwriter .* Live' /proc/modules
before=$(cat /sys/kernel/debug/wpw_testwriter/writes)
echo "0 7 5" >/sys/kernel/debug/wpw_testwriter/write
after=$(cat /sys/kernel/debug/wpw_testwriter/writes)
num_is "$((after - before))" 5 "the test writer counts its writes"
run "rmmod wpw_testwriter" -- rmmod wpw_testwriter
run "module is gone" -- sh -c '! grep -q "^wpw_testwriter " /proc/modules'

if [ -x "$WPWATCH/bin/wpw_bpf_smoke" ]; then
	modprobe wpw_testwriter
	addr=$(cat /sys/kernel/debug/wpw_testwriter/addr)
	run "BPF on a perf breakpoint fires once per write; kprobe on a module function fires" -- \
		wpw_bpf_smoke "$addr" 7
	rmmod wpw_testwriter
else
	ok 1 "wpw_bpf_smoke was built"
fi

done_testing
