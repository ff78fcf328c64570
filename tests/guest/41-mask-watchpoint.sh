#!/bin/sh
# The original research's own experiment, through watchpoint.ko on the mask kernel:
# `mask=N` watches 2^N bytes of trampolines[] from its first byte while the
# sample writer tl_writer.ko (`mode=sweep size=2^N`) writes the array from its
# last entry to its first; exactly the 2^N/8
# entries inside the range are hit. And the original research's rules: MASK 1..2 and 32+,
# and an address not aligned to 2^N, are refused with EINVAL.
# docs/watchpoint-mask.md, docs/watchpoint.md.
# arches: arm64
# kernel: mask
# weight: 1
# timeout: 600
# tests: 37
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/watchpoint
# The build makes watchpoint.ko for every lane: its absence is a failure, not a skip.
[ -e "$WPWATCH/kmod/watchpoint.ko" ] ||
	bail "watchpoint.ko missing from $WPWATCH/kmod: the build must make it"

get() { cat "$D/$1"; }
field() { sed -n "s/^$2 //p" "$D/$1"; }
TL=/sys/kernel/debug/tl_writer
tl() { cat "$TL/$1"; }

# trampolines[] is 1024 u64 entries, page aligned: MASK 9..12 fit from entry 0.
for m in 9 10 11 12; do
	run "modprobe watchpoint mask=$m" -- \
		modprobe watchpoint mask=$m dump_stack=0 || continue
	num_is "$(field target size)" $((1 << m)) "mask=$m: the region is 2^$m bytes"
	run "modprobe tl_writer mode=sweep size=$((1 << m))" -- \
		modprobe tl_writer mode=sweep period_ms=1 size=$((1 << m))
	# one full pass, from entry 1023 down to 0
	i=0
	while [ "$(tl writes)" -lt 1024 ] && [ $i -lt 1200 ]; do
		sleep 0.25
		i=$((i + 1))
	done
	echo stop >"$TL/mode"
	diag "mask=$m: writes $(tl writes), writes to the range $(tl writes_watched), hits $(get hits)"
	[ "$(tl writes)" -ge 1024 ]
	ok $? "mask=$m: the sweep wrote every entry"
	num_is "$(tl writes_watched)" $(((1 << m) / 8)) "mask=$m: $(((1 << m) / 8)) of its writes were inside 2^$m bytes"
	num_is "$(get hits)" "$(tl writes_watched)" "mask=$m: exactly those were hit (none outside)"
	run "rmmod watchpoint tl_writer" -- rmmod watchpoint tl_writer
done

bad() {
	out=$(modprobe watchpoint "$@" 2>&1)
	rc=$?
	[ $rc -ne 0 ] && ! grep -q '^watchpoint ' /proc/modules
	ok $? "refused, nothing loaded: $*"
	case "$out" in
	*"Invalid argument"*) ok 0 "  ... with EINVAL" ;;
	*) ok 1 "  ... with EINVAL"; diag "$out" ;;
	esac
}
bad mask=1
bad mask=2
bad mask=32
bad mask=9 offset=8
dmesg | grep -q "mask=2 is out of range" && dmesg | grep -q "not aligned to the 512 bytes watched"
ok $? "dmesg: one line per refusal says what was wrong"
done_testing
