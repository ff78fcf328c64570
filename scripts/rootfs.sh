#!/bin/bash
# Print the cached Debian 12 root image of ARCH (an ext4 file system image,
# booted by tests/vm/run --rootfs debian), building it first if it is not
# there: mmdebstrap from Debian's mirror with tests/vm/rootfs-packages, for
# arm64 through qemu-user-static (binfmt_misc), plus Debian's headers for
# the stock guest kernel's ABI (linux-headers-RELEASE, what a user installs
# before a DKMS build). See docs/testing.md.
#   scripts/rootfs.sh x86_64|arm64
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
me=scripts/rootfs.sh
die() { echo "$me: $1" >&2; exit 3; }
case "${1:-}" in
x86_64) darch=amd64 ;;
arm64) darch=arm64 ;;
*) echo "usage: $me x86_64|arm64" >&2; exit 2 ;;
esac
arch=$1
list=$top/tests/vm/rootfs-packages
# the headers of the kernel the guest boots (stock): its release names them
kdir=$("$top/scripts/kernel.sh" "$arch" stock) || die "cannot resolve the stock kernel of $arch"
release=$(cat "$kdir/release")
pkgs="$(sed 's/#.*//' "$list" | xargs) linux-headers-$release"
cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
# the folder is named after what makes the root: this script, the list and
# the kernel release (a new Debian kernel ABI builds a new root)
hash=$({ cat "$0" "$list"; echo "$release"; } | sha256sum | cut -c1-12)
dir=$cache/rootfs/debian12-$arch-$hash
[ -f "$dir/.complete" ] && { echo "$dir/root.ext4"; exit 0; }

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
[ -f "$dir/.complete" ] && { echo "$dir/root.ext4"; exit 0; }
[ "$(id -u)" -eq 0 ] || die "building the Debian root needs root (mmdebstrap, device nodes): run as root once, it is cached after"
for t in mmdebstrap mkfs.ext4; do
	command -v $t >/dev/null || die "$t not found: run 'make deps' (packages mmdebstrap, e2fsprogs)"
done
if [ "$darch" != "$(dpkg --print-architecture)" ] && ! arch-test "$darch" >/dev/null 2>&1; then
	# qemu-user-static registers itself with binfmt_misc, if it is mounted
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
	command -v update-binfmts >/dev/null && update-binfmts --enable "qemu-$(uname -m | sed 's/x86_64/aarch64/')" >/dev/null 2>&1 || true
	arch-test "$darch" >/dev/null 2>&1 ||
		die "this machine cannot run $darch programs, which building the $arch root needs: run 'make deps' (qemu-user-static, binfmt-support, arch-test) and make sure binfmt_misc is mounted (mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)"
fi

echo "$me: building the Debian 12 $arch root in $dir (once; a few minutes)" >&2
start=$SECONDS
tmp=$dir/tmp
rm -rf "$tmp"
mkdir -p "$tmp"
mirror=http://deb.debian.org/debian
# The host's own mirror when it has one (its apt may use a local one).
m=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
[ -n "$m" ] && mirror=$m
mmdebstrap --variant=apt --arch="$darch" --include="${pkgs// /,}" \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--customize-hook='echo wpwatch-guest >"$1/etc/hostname"' \
	--customize-hook='rm -f "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*_Packages' \
	bookworm "$tmp/root" \
	"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
	"deb ${mirror%/debian}/debian-security bookworm-security main" </dev/null >"$tmp/mmdebstrap.log" 2>&1 ||
	{ tail -n 20 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed for $arch (whole log: $tmp/mmdebstrap.log)"; }
dpkg-query --admindir="$tmp/root/var/lib/dpkg" -W -f='${Package} ${Version}\n' >"$dir/packages"
mb=$(du -sm "$tmp/root" | cut -f1)
# room for what a command writes (QEMU's snapshot keeps the image itself clean)
mkfs.ext4 -q -F -L wpwatch-root -d "$tmp/root" "$tmp/root.ext4" "$((mb * 13 / 10 + 512))M" ||
	die "mkfs.ext4 -d failed for $arch"
mv "$tmp/root.ext4" "$dir/root.ext4"
cp "$tmp/mmdebstrap.log" "$dir/build.log"
rm -rf "$tmp"
echo "$arch: $((SECONDS - start)) s wall, $mb MB of files, $(wc -l <"$dir/packages") packages" >"$dir/build-time"
touch "$dir/.complete"
echo "$me: $(cat "$dir/build-time")" >&2
echo "$dir/root.ext4"
