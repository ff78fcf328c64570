#!/bin/bash
# Print a folder (cached) with the guest's user-space tools for ARCH: a static
# busybox and bpftool with the shared libraries it needs, laid out as a root
# file system fragment (bin/, usr/sbin/, lib/...).
#   tests/vm/guest-tools.sh x86_64|arm64
set -euo pipefail
arch=$1
cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
dir=$cache/guest-tools/$arch
[ -f "$dir/.complete" ] && { echo "$dir"; exit 0; }

rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/usr/sbin"
case "$arch" in
x86_64)
	cp /bin/busybox "$dir/bin/busybox"
	cp /usr/sbin/bpftool "$dir/usr/sbin/bpftool"
	# The host's own libraries are the amd64 guest's.
	for lib in $(ldd /usr/sbin/bpftool | grep -o '/[^ ]*'); do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
	;;
arm64)
	# bpftool:arm64 does not co-install with the host's bpftool, and busybox-static:arm64
	# not with busybox-static: unpack both; the libraries come from multiarch packages.
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q busybox-static:arm64 bpftool:arm64 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2 || true)
	for f in "$tmp"/*.deb; do dpkg-deb -x "$f" "$tmp/x"; done
	cp "$tmp/x/bin/busybox" "$dir/bin/busybox"
	cp "$tmp/x/usr/sbin/bpftool" "$dir/usr/sbin/bpftool"
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
