#!/bin/bash
# The debug guest kernel (x86_64): Debian's linux-source-6.1 with KASAN,
# lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, kmemleak and full preemption,
# on top of the small config every wpwatch guest needs. Built once, cached.
#   scripts/kernel-debug.sh x86_64      (prints the cache folder last)
# Used through `tests/vm/run --arch x86_64 --kernel debug`. See docs/testing.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-}
name=debug
if [ "$arch" != x86_64 ]; then
	echo "kernel-debug: the debug kernel is built for x86_64 only, not '$arch' (use --arch x86_64)" >&2
	exit 2
fi
patches=()
# KASAN inline: bigger code, but much faster than outline under TCG.
# kmemleak scans only when asked (tests/vm/init does at the end), so reports
# never land in the middle of a suite.
fragment="CONFIG_PREEMPT=y
CONFIG_DEBUG_PREEMPT=y
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_KMEMLEAK=y
# CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN is not set
# CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF is not set
CONFIG_DEBUG_LIST=y
# wpw_runas (20-watch) makes perf_event_open fail with a seccomp filter
CONFIG_SECCOMP=y
CONFIG_SECCOMP_FILTER=y
# 35-bfq: the Debian root's virtio disk, ext4, and bfq's group scheduling
# (IOSCHED_BFQ=m as Debian builds it: block/ then exports what an
# out-of-tree bfq needs). PCI_MSI, as in Debian's kernels: without it
# virtio-pci falls back to INTx, whose ACPI _PRT routing timed out under
# KASAN in TCG and left the disk without an interrupt.
CONFIG_PCI_MSI=y
CONFIG_BLK_DEV=y
CONFIG_VIRTIO_BLK=y
CONFIG_EXT4_FS=y
CONFIG_CGROUPS=y
CONFIG_BLK_CGROUP=y
CONFIG_IOSCHED_BFQ=m
CONFIG_BFQ_GROUP_IOSCHED=y"
. "$here/custom-kernel.sh"
