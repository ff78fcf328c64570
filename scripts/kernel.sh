#!/bin/bash
# Fetch (once) and print the cache folder of a guest kernel.
#
#   scripts/kernel.sh ARCH [KERNEL]     ARCH: x86_64 | arm64, KERNEL: stock (default) or a
#                                        name with a recipe in scripts/kernel-NAME.sh
#
# A stock kernel is Debian 12's current 6.1 image for ARCH, resolved from the
# linux-image-<flavour> metapackage at run time. The folder holds:
#   vmlinuz      the kernel image QEMU boots
#   modules/     lib/modules/<release> of the image (virtio, 9p, ... for the guest)
#   build/       a kernel build tree for out-of-tree modules (KDIR)
#   release      the release string (uname -r)
#   System.map   the kernel's real System.map (see system_map below)
# The cache is $WPWATCH_CACHE (default ~/.cache/wpwatch), shared by every clone.
set -euo pipefail

arch=${1:-}
kernel=${2:-stock}
cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
here=$(cd "$(dirname "$0")" && pwd)

case "$arch" in
x86_64) deb=amd64 ;;
arm64) deb=arm64 ;;
*) echo "kernel.sh: unknown arch '$arch' (use x86_64 or arm64)" >&2; exit 2 ;;
esac

if [ "$kernel" != stock ]; then
	recipe=$here/kernel-$kernel.sh
	if [ ! -x "$recipe" ]; then
		echo "kernel.sh: unknown kernel '$kernel' (have: stock$(cd "$here" && ls kernel-*.sh 2>/dev/null | sed 's/kernel-\(.*\)\.sh/ \1/' | tr -d '\n'))" >&2
		exit 2
	fi
	exec "$recipe" "$arch"
fi

# The ABI (6.1.0-NN) of the current image, from the metapackage.
resolve_abi() {
	apt-cache depends "linux-image-$deb:$deb" 2>/dev/null |
		sed -n "s/^ *Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*\)-$deb\(:$deb\)\?\$/\1/p" | head -n1
}
# apt-cache takes seconds: remember its answer until apt's lists change.
memo=$cache/kernels/stock-$deb.abi
mkdir -p "$cache/kernels"
abi=
if [ -f "$memo" ] && [ "$memo" -nt /var/lib/apt/lists ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$memo" -print -quit)" ]; then
	abi=$(cat "$memo")
fi
[ -n "$abi" ] || abi=$(resolve_abi)
if [ -z "$abi" ]; then
	apt-get update -q >/dev/null 2>&1 || true
	abi=$(resolve_abi)
fi
if [ -z "$abi" ]; then
	echo "kernel.sh: cannot resolve linux-image-$deb's ABI with apt-cache (run 'make deps' as root: it enables arm64 and updates apt)" >&2
	exit 1
fi

echo "$abi" >"$memo"
dir=$cache/kernels/stock-$abi-$deb
release=$abi-$deb

# The kernel's System.map: every symbol, variables included, at link-time
# addresses (wpwatch places vmlinux variables from it where /proc/kallsyms lists
# functions only). Debian's linux-image ships only a one-line placeholder in
# /boot; the real map is in linux-image-RELEASE-dbg (800 MB), at the start of
# its archive: fetched once, read up to the map (tar stops there), and only the
# map kept, as $dir/System.map. Added lazily to a folder cached before it
# existed. A failure only warns: the guest then has no map and wpwatch says so.
system_map() {
	[ -s "$dir/System.map" ] && return 0
	(
		flock 9
		[ -s "$dir/System.map" ] && exit 0
		tmp=$(mktemp -d "$dir/.sysmap.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		echo "kernel.sh: fetching the System.map of $release (from linux-image-$release-dbg)" >&2
		cd "$tmp"
		apt-get download -q "linux-image-$release-dbg:$deb" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' >&2 || true
		for f in ./*.deb; do
			[ -f "$f" ] || break
			dpkg-deb --fsys-tarfile "$f" 2>/dev/null |
				tar -x --occurrence=1 -O "./usr/lib/debug/boot/System.map-$release" >map 2>/dev/null || true
		done
		if [ -f map ] && grep -q ' _stext$' map; then
			mv map "$dir/System.map"
		else
			echo "kernel.sh: warning: no System.map for $release (linux-image-$release-dbg not fetched or without one); guests get none" >&2
		fi
	) 9>"$dir.sysmap.lock"
}

if [ -f "$dir/.complete" ]; then
	system_map || true
	echo "$dir"
	exit 0
fi

echo "kernel.sh: fetching Debian linux-image-$abi-$deb and its headers into $dir" >&2
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
(
	cd "$dir/debs"
	# _apt cannot write into root's home: download as root, quietly.
	apt-get download -q "linux-image-$abi-$deb:$deb" "linux-headers-$abi-$deb:$deb" \
		"linux-headers-$abi-common" "linux-kbuild-6.1" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true
	for f in *.deb; do dpkg-deb -x "$f" "$dir/root"; done
) || { echo "kernel.sh: apt-get download failed for $abi-$deb" >&2; exit 1; }
ls "$dir"/root/boot/vmlinuz-* >/dev/null 2>&1 || { echo "kernel.sh: no vmlinuz in linux-image-$abi-$deb" >&2; exit 1; }

# The package ships no modules.dep (its postinst makes it): make it here.
depmod -b "$dir/root" "$release"
ln -s "root/boot/vmlinuz-$release" "$dir/vmlinuz"
ln -s "root/lib/modules/$release" "$dir/modules"
ln -s "root/boot/config-$release" "$dir/config"
# The headers' Makefile includes /usr/src/linux-headers-<abi>-common by absolute
# path: point it at our extracted copy so nothing on the host is needed.
build=$dir/root/usr/src/linux-headers-$release
echo "include $dir/root/usr/src/linux-headers-$abi-common/Makefile" >"$build/Makefile"
ln -s "root/usr/src/linux-headers-$release" "$dir/build"
echo "$release" >"$dir/release"
rm -rf "$dir/debs"
touch "$dir/.complete"
system_map || true
echo "$dir"
