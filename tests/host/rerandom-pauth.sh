#!/bin/bash
# Host-side check that the arm64 re-randomizable bodies carry pointer
# authentication (docs/rerandom.md, "arm64"): tests/guest/31-rerandom-pauth.sh
# runs the suite on a CPU with PAC, which proves something only if the bodies
# it moves sign and check their return address. Disassembles the arm64
# rr_test_driver.ko (built for the stock kernel) and checks every body
# (NAME_real): a `paciasp` before LR is first saved, an `autiasp` between every
# reload of LR and the `ret` after it, and a landing pad at entry (`bti c`, or
# `paciasp`, which is one too), as RR_CFLAGS asks (not enforced by Debian's
# kernel, ARM64_BTI_KERNEL is off: checked so that a build change is seen).
# TAP output; exit 0 when all pass.
#
#   tests/host/rerandom-pauth.sh [KO]   (make check runs it; KO: another .ko to check)
# tests: 5
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib.bash"
objdump=aarch64-linux-gnu-objdump
command -v "$objdump" >/dev/null ||
	{ echo "Bail out! $objdump missing (package binutils-aarch64-linux-gnu): run 'make deps'"; exit 2; }
ko=${1:-}
if [ -z "$ko" ]; then
	make -s --no-print-directory -C "$top" build ARCH=arm64 KERNEL=stock >/dev/null 2>&1 ||
		{ echo "Bail out! make build ARCH=arm64 KERNEL=stock failed"; exit 2; }
	ko=$top/.output/arm64/kmod-stock/samples/rerandom/rr_test_driver.ko
fi
[ -f "$ko" ] || { echo "Bail out! $ko not found"; exit 2; }


# One line per body: NAME ENTRY_PAD PACIASP_INDEX LR_SAVE_INDEX AUTIASP UNCHECKED_RETS
# (indexes count instructions from the body's start, -1: none; UNCHECKED_RETS:
# returns after LR was reloaded from the stack with no autiasp in between. A
# shrink-wrapped early return that never saved LR needs none.)
report=$("$objdump" -d --no-show-raw-insn "$ko" | awk '
	function flush() {
		if (name != "")
			print name, pad, pac, save, aut, bad
		name = ""
	}
	/^[0-9a-f]+ <[A-Za-z0-9_]+_real>:$/ {
		flush()
		name = $2; gsub(/[<>:]/, "", name)
		i = 0; pad = 0; pac = -1; save = -1; aut = 0; bad = 0; pending = 0
		next
	}
	/^[0-9a-f]+ </ { flush(); next }
	name != "" && /^ *[0-9a-f]+:\t/ {
		insn = $0; sub(/^ *[0-9a-f]+:\t/, "", insn)
		# paciasp is itself a valid BTI landing pad for blr
		if (i == 0 && (insn ~ /^bti\tc/ || insn ~ /^paciasp/)) pad = 1
		if (pac < 0 && insn ~ /^paciasp/) pac = i
		if (save < 0 && insn ~ /^(stp|str)\t/ && insn ~ /x30/) save = i
		if (insn ~ /^(ldp|ldr)\t/ && insn ~ /x30/) pending = 1
		if (insn ~ /^autiasp/) { aut++; pending = 0 }
		if (insn ~ /^ret/ && pending) bad++
		i++
	}
	END { flush() }')
nbodies=$(printf '%s\n' "$report" | grep -c .)
echo "# $nbodies bodies in $ko"
tap "$([ "$nbodies" -ge 10 ]; echo $?)" "the test driver's bodies are found ($nbodies NAME_real functions)"

bad_pac="" bad_order="" bad_aut="" bad_pad=""
while read -r name pad pac save aut unchecked; do
	[ -n "$name" ] || continue
	[ "$pac" -ge 0 ] || bad_pac="$bad_pac $name"
	if [ "$save" -ge 0 ] && ! { [ "$pac" -ge 0 ] && [ "$pac" -lt "$save" ]; }; then
		bad_order="$bad_order $name"
	fi
	[ "$aut" -ge 1 ] && [ "$unchecked" -eq 0 ] || bad_aut="$bad_aut $name($aut autiasp, $unchecked unchecked ret)"
	[ "$pad" -eq 1 ] || bad_pad="$bad_pad $name"
done <<<"$report"
tap "$([ -z "$bad_pac" ]; echo $?)" "every body signs its return address (paciasp)${bad_pac:+: missing in$bad_pac}"
tap "$([ -z "$bad_order" ]; echo $?)" "... before it saves LR (x30)${bad_order:+: not in$bad_order}"
tap "$([ -z "$bad_aut" ]; echo $?)" "every return with a reloaded LR authenticates it first (autiasp)${bad_aut:+:$bad_aut}"
tap "$([ -z "$bad_pad" ]; echo $?)" "every body starts with a landing pad (bti c or paciasp)${bad_pad:+: not$bad_pad}"
tap_end
