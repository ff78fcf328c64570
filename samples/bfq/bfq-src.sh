#!/bin/bash
# Put bfq's sources, unmodified, into a build folder: block/bfq-*.c and the
# block/ headers they include, from Debian's linux-source-6.1 (the same code
# as Debian's bfq.ko). Extracted once per source version into
# .output/src/bfq-VERSION/ of this checkout, then copied.
#
#   samples/bfq/bfq-src.sh DEST
#
# The tarball: the one the kernel recipes keep in $WPWATCH_CACHE/kernels/src/
# (read only), else apt-get download linux-source-6.1 (not kept).
set -euo pipefail

me=bfq-src.sh
dest=${1:?usage: $me DEST}
top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
files=(bfq-iosched.c bfq-wf2q.c bfq-cgroup.c)

tarball=$(ls "$cache"/kernels/src/linux-source-6.1_*.tar.xz 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$tarball" ]; then
	ver=$(basename "$tarball" .tar.xz)
	ver=${ver#linux-source-6.1_}
else
	ver=$(apt-cache policy linux-source-6.1 2>/dev/null |
		sed -n 's/^ *Candidate: *\([^ ]*\)$/\1/p' | grep -v '(none)' | head -n1 || true)
	[ -n "$ver" ] || { echo "$me: no linux-source-6.1 tarball in $cache/kernels/src and apt-cache knows no linux-source-6.1 (run 'make deps' as root)" >&2; exit 1; }
fi
src=$top/.output/src/bfq-$ver
mkdir -p "$top/.output/src"
exec 9>"$src.lock"
flock 9
if [ ! -f "$src/.complete" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	want=('linux-source-6.1/block/bfq-*.c' 'linux-source-6.1/block/*.h')
	if [ -n "$tarball" ]; then
		tar -xJf "$tarball" -C "$src" --strip-components=2 --wildcards "${want[@]}"
	else
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		(cd "$tmp" && apt-get download -q "linux-source-6.1=$ver" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' >&2 || true)
		deb=$(ls "$tmp"/linux-source-6.1_*.deb 2>/dev/null | head -n1)
		[ -n "$deb" ] || { echo "$me: apt-get download linux-source-6.1=$ver failed" >&2; exit 1; }
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*/linux-source-6.1.tar.xz' |
			tar -xJ -C "$src" --strip-components=2 --wildcards "${want[@]}"
	fi
	for f in "${files[@]}"; do
		[ -f "$src/$f" ] || { echo "$me: $f is not in linux-source-6.1 $ver" >&2; exit 1; }
	done
	echo "$ver" >"$src/.complete"
fi
mkdir -p "$dest"
cp -p "$src"/*.c "$src"/*.h "$dest/"
echo "$ver" >"$dest/bfq-src.version"
