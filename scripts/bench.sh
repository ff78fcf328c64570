#!/bin/bash
# make bench: every tests/bench/*.sh, each in one guest booted with
# -icount shift=0 and one vCPU, so the guest clock counts instructions and
# figures are comparable run to run (see docs/performance.md). A benchmark
# with the header '# rootfs: debian' boots the Debian 12 root (tests/vm/run
# --rootfs debian) to run Debian's own tools beside wpwatch. Two more headers:
# '# stock-modules: NAME...' puts the kernel's own NAME.ko in the guest at
# /opt/wpwatch/stock-modules (tests/vm/run --stock-module), to compare with
# our build of it; '# out: yes' gives the benchmark a host folder at
# /mnt/out (tests/vm/run --out) for files it makes, .output/bench/ARCH/NAME.
# tests/bench/lib/ is the benches' shared code (sourced in the guest, not a
# benchmark): first of all its host check, since a row is printed only by its
# rule (handled.sh, docs/performance.md).
#   scripts/bench.sh [ARCH...]   (default: x86_64 arm64; BENCH=name runs one)
set -uo pipefail
cd "$(dirname "$0")/.."
sh tests/bench/lib/test-handled.sh >/dev/null ||
	{ sh tests/bench/lib/test-handled.sh | grep -v '^ok'; echo "bench: tests/bench/lib/test-handled.sh failed"; exit 1; }
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
rc=0
for arch in "${arches[@]}"; do
	for b in tests/bench/*.sh; do
		[ -e "$b" ] || { echo "bench: no benchmarks in tests/bench/"; exit 0; }
		name=$(basename "$b" .sh)
		[ -n "${BENCH:-}" ] && [ "$name" != "$BENCH" ] && continue
		# '# rootfs: debian' in a benchmark runs it in the Debian-userspace guest
		# (Debian's bpftrace, perf, fio beside wpwatch); otherwise busybox
		rootfs=$(sed -n 's/^# rootfs: *//p' "$b" | head -n1)
		extra=()
		for m in $(sed -n 's/^# stock-modules: *//p' "$b" | head -n1); do
			extra+=(--stock-module "$m")
		done
		out=
		if [ "$(sed -n 's/^# out: *//p' "$b" | head -n1)" = yes ]; then
			out=.output/bench/$arch/$name
			rm -rf "$out" && mkdir -p "$out"
			extra+=(--out "$out")
		fi
		echo "== bench $name on $arch (guest instructions: -icount shift=0, 1 vCPU${rootfs:+, $rootfs root})"
		tests/vm/run --arch "$arch" --icount --quiet --timeout 3600 --mem 1024 \
			${rootfs:+--rootfs "$rootfs"} "${extra[@]}" -- sh "tests/bench/$name.sh" ||
			{ echo "bench $name on $arch failed"; rc=1; }
		[ -n "$out" ] && echo "bench $name on $arch: its files are in $out: $(ls "$out" | tr '\n' ' ')"
	done
done
exit $rc
