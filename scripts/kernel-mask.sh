#!/bin/bash
# The mask guest kernel (arm64): Debian's linux-source-6.1 with
# kmod/patches/*.patch (DBGWCR.MASK: one watchpoint covers 2^N bytes), on top
# of the small config every wpwatch guest needs. Built once, cached.
#   scripts/kernel-mask.sh arm64      (prints the cache folder last)
# Used through `tests/vm/run --arch arm64 --kernel mask`. See
# docs/watchpoint-mask.md and docs/testing.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-}
name=mask
if [ "$arch" != arm64 ]; then
	echo "kernel-mask: the mask kernel patches arm64's watchpoints: use --arch arm64, not '$arch'" >&2
	exit 2
fi
patches=("$here"/../kmod/patches/*.patch)
[ -f "${patches[0]}" ] || { echo "kernel-mask: no kmod/patches/*.patch" >&2; exit 1; }
fragment=""
. "$here/custom-kernel.sh"
