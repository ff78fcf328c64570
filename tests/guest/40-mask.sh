#!/bin/sh
# One watchpoint over 2^MASK bytes (arm64 DBGWCR.MASK, kmod/patches/): the
# original research's mask sweep redone with exact boundaries, the kernel's refusals, and
# a masked range watched through BPF. On the mask kernel the masked requests
# work; on stock kernels (arm64 and x86_64) they are refused with a clear
# message and the ordinary 8-byte path still works. docs/watchpoint-mask.md.
# arches: arm64 x86_64
# kernel: mask stock
# weight: 1
# timeout: 900
# tests: 7 arm64:mask=54
. "$(dirname "$0")/lib.sh"

kernel=$(cat /etc/wpwatch/kernel)
run "modprobe wpw_masktarget" -- modprobe wpw_masktarget
size=$(cat /sys/kernel/debug/wpw_masktarget/size)
diag "area $(cat /sys/kernel/debug/wpw_masktarget/addr), $size bytes, kernel $(uname -r) ($kernel)"

# The ordinary path, every kernel: 8 bytes, one hit, reported through BPF.
run "an 8-byte watchpoint is accepted" -- wpw_mask open 8
run "BPF on an 8-byte watchpoint reports the hit address and the writer's stack" -- \
	wpw_mask bpf 3 0

if [ "$kernel" = mask ]; then
	# The sweep: writes from above the range down to entry 0. The last
	# entry inside 2^MASK bytes must be the first to fire, every entry
	# inside must fire, no entry outside may.
	for m in 4 5 6 9 10 11 12 13 14 15 16 17; do
		out=$(wpw_mask sweep $m)
		rc=$?
		printf '%s\n' "$out" | grep '^mask' | sed 's/^/# /'
		line=$(printf '%s\n' "$out" | grep '^first=')
		first=${line#first=}; first=${first%% *}
		fired=${line#*fired=}; fired=${fired%% *}
		outside=${line#*outside=}; outside=${outside%% *}
		entries=$(( (1 << m) / 8 ))
		if [ $rc -ne 0 ] || [ -z "$line" ]; then
			ok 1 "mask $m: sweep ran (status $rc)"
			continue
		fi
		num_is "$first" $((entries - 1)) "mask $m: the last entry inside 2^$m bytes ($((entries - 1))) is the first to fire"
		num_is "$fired" "$entries" "mask $m: all $entries entries inside fire"
		num_is "$outside" 0 "mask $m: no entry outside fires (entry $entries and up)"
	done

	# What the kernel accepts and refuses (opened disabled: never armed).
	run "2^20 bytes at a 2^20-aligned address are accepted" -- wpw_mask open $((1 << 20)) @$((1 << 20))
	run "2 GiB (MASK 31) at a 2 GiB-aligned address is accepted" -- wpw_mask open $((1 << 31)) @$((1 << 31))
	for req in "512 8:a misaligned address (512 bytes at +8)" \
		"4294967296 @4294967296:MASK 32 (4 GiB), above the architecture's 31" \
		"24 0:a length that is not a power of two (24)" \
		"48 0:a length that is not a power of two (48)" \
		"4096 2048:a misaligned address (4 KiB at +2 KiB)"; do
		args=${req%%:*}
		out=$(wpw_mask open $args 2>&1)
		rc=$?
		num_is $rc 1 "refused: ${req#*:}"
		case "$out" in
		*"Invalid argument"*) ok 0 "  ... with EINVAL" ;;
		*) ok 1 "  ... with EINVAL"; diag "$out" ;;
		esac
	done

	# A masked range through BPF: the hit address is the entry written,
	# not the watched address, and the stack is the writer's.
	run "BPF on a 4 KiB masked watchpoint reports entry 300's address and the writer's stack" -- \
		wpw_mask bpf 12 300
	run "BPF on a 2^17-byte masked watchpoint reports entry 16383's address" -- \
		wpw_mask bpf 17 16383
else
	out=$(wpw_mask open 16 2>&1)
	rc=$?
	num_is $rc 1 "a 16-byte (masked) watchpoint is refused on the $kernel kernel"
	# arm64 refuses a length it cannot program with EINVAL, x86 with EOPNOTSUPP:
	# the errno is the kernel's (wpw_mask prints strerror of perf_event_open's;
	# the hint naming the patch after it is wpw_mask's own, so not checked here)
	want="Invalid argument"
	[ "$ARCH" = x86_64 ] && want="Operation not supported"
	case "$out" in
	*"refused a 16-byte write watchpoint at 0x"*": $want"*) ok 0 "  ... with the kernel's '$want'" ;;
	*) ok 1 "  ... with the kernel's '$want'"; diag "$out" ;;
	esac
	out=$(wpw_mask sweep 9 2>&1)
	num_is $? 1 "the mask 9 sweep is refused on the $kernel kernel"
fi

run "rmmod wpw_masktarget" -- rmmod wpw_masktarget
done_testing
