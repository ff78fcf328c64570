#!/bin/sh
# Placement (docs/rerandom.md, "Placement"): a copy may start at any byte
# (x86_64) or instruction (arm64) of the arena, the core's count of the places
# each body could take (debugfs places) is what the arena's size and the
# body's allow, at least 2^20 (20 bits), and the addresses the passes draw are
# uniform: two chi-square tests over thousands of placements, which fail on a
# biased allocator (the former first fit at 64-byte granules fails the second).
# arches: x86_64 arm64
# kernel: stock
# weight: 1
# timeout: 600
# cpus: 2
# mem: 512
# tests: 11
. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug/rerandom
st() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }

run "modprobe rr_test_driver (loads rerandom first)" -- modprobe rr_test_driver
arena=$(st arena_start) abytes=$(st arena_bytes) align=$(st arena_align)
case "$ARCH" in
x86_64) want=1 ;;
*) want=4 ;;
esac
num_is "$align" "$want" "copies start at any $want-byte boundary ($ARCH's finest)"
# what follows holds the core to the arch's finest alignment, whatever it says
align=$want

# --- the core's count of places, per body ----------------------------------
# places: NAME BYTES PLACES FREE. A copy of BYTES takes max(BYTES rounded up to
# the alignment, 64) bytes, so it can start at (arena - that) / align + 1
# places in the empty arena; on x86_64 every one is allowed, on arm64 those
# that put an adrp in the last 8 bytes of a 4 KiB page are not (Cortex-A53
# erratum 843419, a few per 1,024 per adrp).
cat $D/places >/tmp/places
sed 's/^/#   /' /tmp/places | head -n 5
num_is "$(wc -l </tmp/places)" "$(wc -l <$D/bodies)" "places: one line per body"
# (the guests' busybox awk has no math library: no ^, log or fmod)
set -- $(awk -v abytes="$abytes" -v align="$align" '
	# log2(x) to 1/128: the integer part by halving, the rest by squaring
	function lg(x,  k, j, f) {
		for (k = 0; x >= 2; k++) x /= 2
		for (j = 1; j <= 7; j++) { x *= x; f *= 2; if (x >= 2) { x /= 2; f++ } }
		return k + f / 128
	}
	{
		len = int(($2 + align - 1) / align) * align
		if (len < 64) len = 64
		bound = int((abytes - len) / align) + 1
		if ($3 > bound || (align == 1 && $3 != bound) || $3 < bound * 0.9) bad++
		if ($3 < 1048576) few++
		if ($4 > $3 || $4 < 1) nofree++
		b = lg($3)
		if (NR == 1 || b < lo) lo = b
		if (NR == 1 || b > hi) hi = b
	}
	END { printf "%d %d %d %.2f %.2f\n", bad, few, nofree, lo, hi }' /tmp/places)
diag "bits of entropy per body (log2 places, empty arena): $4 to $5"
num_is "$1" 0 "every body's places are the arena's room for it at align $align"
num_is "$2" 0 "every body has at least 2^20 places (20 bits)"
num_is "$3" 0 "every body has free places, no more than in the empty arena"

# --- many placements ------------------------------------------------------
npass=${RR_UNIFORM_PASSES:-500}
passes0=$(st passes) fail0=$(st failures)
: >/tmp/u
i=0
while [ $i -lt "$npass" ]; do
	echo 1 >$D/trigger || break
	cat $D/bodies >>/tmp/u
	i=$((i + 1))
done
num_is "$(($(st passes) - passes0))" "$npass" "$npass passes ran"
num_is "$(($(st failures) - fail0))" 0 "no failed move"
diag "exact fallbacks (no free place in 32 random draws): $(st arena_fallbacks)"

# Two chi-square tests against uniform, each over every placement (npass x
# bodies, 10,000 with the test driver's 20 bodies; each body's start is uniform
# over its own free places):
#   coarse: 16 bins, equal sixteenths of the arena (what a limited or skewed
#           range fails);
#   fine:   16 bins, the start modulo 16 alignment units, one bin per unit
#           (what a coarser granule fails: 64-byte granules put every start in
#           bin 0).
# 16 bins, 15 degrees of freedom; the critical value at significance 10^-4 is
# 44.26 (P(chi2_15 > 44.26) = 0.0001), so a correct allocator fails either
# test once in 10,000 runs. What uniform leaves out is below what 10,000
# placements can see: the last sixteenth is short by one copy's length (under
# 0.01 %), the other copies take a few KiB of the 32 MiB, and on arm64 each
# adrp excludes 2 of 1,024 instruction places.
set -- $(awk -v arena="$arena" -v abytes="$abytes" -v align="$align" '
	function h(x) { return ("0x" substr(x, length(x) - 11)) + 0 }
	{
		off = h($1) - h(arena)
		u = off / align
		if (off < 0 || off >= abytes || u != int(u)) { bad++; next }
		n++
		c[int(off * 16 / abytes)]++
		f[u - int(u / 16) * 16]++
	}
	END {
		e = n / 16
		for (i = 0; i < 16; i++) {
			x += (c[i] - e) * (c[i] - e) / e
			y += (f[i] - e) * (f[i] - e) / e
			cs = cs (i ? "," : "") c[i] + 0
			fs = fs (i ? "," : "") f[i] + 0
		}
		printf "%d %d %.2f %.2f %s %s\n", bad, n, x, y, cs, fs
	}' /tmp/u)
bad=$1 n=$2 coarse=$3 fine=$4
diag "placements: $n; sixteenths of the arena: $5 (chi2 $coarse)"
diag "starts modulo 16 units of $align: $6 (chi2 $fine)"
num_is "$bad" 0 "every copy lies in the arena, on a multiple of $align"
ok "$(awk -v x="$coarse" -v n="$n" 'BEGIN { exit !(n >= 1000 && x < 44.26) }'; echo $?)" \
	"uniform over the arena: chi2 $coarse < 44.26 (15 df, p 10^-4, $n placements)"
ok "$(awk -v x="$fine" -v n="$n" 'BEGIN { exit !(n >= 1000 && x < 44.26) }'; echo $?)" \
	"uniform at the finest granularity: chi2 $fine < 44.26 (15 df, p 10^-4)"

done_testing
