#!/bin/bash
# Print a folder (cached) with the guest's user-space tools for ARCH: a static
# busybox, bpftool with the shared libraries it needs, and gojq (static: the
# suites' JSON parser and query tool), laid out as a root file system fragment
# (bin/, usr/bin/, usr/sbin/, lib/...).
#   tests/vm/guest-tools.sh x86_64|arm64
set -euo pipefail
arch=$1
cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
# The folder's name carries the tool set's version: a set that gains a tool
# gets a new folder, so a folder made by an older checkout (still in use by
# other clones sharing the cache) is never half-updated or deleted under them.
toolset=2	# 1: busybox, bpftool; 2: + gojq
dir=$cache/guest-tools/$arch-v$toolset
[ -f "$dir/.complete" ] && { echo "$dir"; exit 0; }
# One maker at a time (two check workers may ask for the same folder at once).
mkdir -p "$cache/guest-tools"
exec 9>"$dir.lock"
flock 9
[ -f "$dir/.complete" ] && { echo "$dir"; exit 0; }

rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/usr/bin" "$dir/usr/sbin"
case "$arch" in
x86_64)
	cp /bin/busybox "$dir/bin/busybox"
	cp /usr/sbin/bpftool "$dir/usr/sbin/bpftool"
	cp /usr/bin/gojq "$dir/usr/bin/gojq" || {
		echo "guest-tools: /usr/bin/gojq missing (package gojq): run 'make deps'" >&2
		exit 1
	}
	# The host's own libraries are the amd64 guest's.
	for lib in $(ldd /usr/sbin/bpftool | grep -o '/[^ ]*'); do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
	;;
arm64)
	# bpftool:arm64 does not co-install with the host's bpftool, busybox-static:arm64
	# not with busybox-static, gojq:arm64 not with gojq: unpack all three; the
	# libraries come from multiarch packages (gojq is static and needs none).
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q busybox-static:arm64 bpftool:arm64 gojq:arm64 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2 || true)
	for f in "$tmp"/*.deb; do dpkg-deb -x "$f" "$tmp/x"; done
	cp "$tmp/x/bin/busybox" "$dir/bin/busybox"
	cp "$tmp/x/usr/sbin/bpftool" "$dir/usr/sbin/bpftool"
	cp "$tmp/x/usr/bin/gojq" "$dir/usr/bin/gojq"
	mkdir -p "$dir/lib" "$dir/usr/lib/aarch64-linux-gnu"
	cp -L /lib/ld-linux-aarch64.so.1 "$dir/lib/"
	for lib in libelf.so.1 libz.so.1 libcap.so.2 libc.so.6; do
		cp -L "/usr/lib/aarch64-linux-gnu/$lib" "$dir/usr/lib/aarch64-linux-gnu/" || {
			echo "guest-tools: /usr/lib/aarch64-linux-gnu/$lib missing: run 'make deps'" >&2
			exit 1
		}
	done
	;;
*) echo "guest-tools: unknown arch '$arch'" >&2; exit 2 ;;
esac
touch "$dir/.complete"
echo "$dir"
