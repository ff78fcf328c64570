#!/bin/sh
# Install every Debian 12 package wpwatch needs to build, test and demo.
# Idempotent: packages already installed are left alone; prints what it installs.
# Usage: scripts/deps.sh [--check]   (--check: exit 1 if anything is missing, install nothing)
set -eu

# Host build and test tools (amd64). dpkg-dev, debhelper, dh-dkms (dkms) and
# lintian: make deb and its host test tests/host/deb.sh.
HOST_PKGS="make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libcmocka-dev
pkg-config linux-headers-amd64 kmod cpio xz-utils busybox-static
qemu-system-x86 qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
flex bison bc libssl-dev dwarves python3 libjansson-dev gojq
mmdebstrap e2fsprogs qemu-user-static binfmt-support arch-test help2man
libmicrohttpd-dev prometheus python3-jsonschema
dpkg-dev debhelper dh-dkms dkms lintian fakeroot"
# arm64 libraries that co-install beside the amd64 ones (multiarch) for static
# cross-linking and for the arm64 guest's bpftool.
ARM64_PKGS="libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libcap2:arm64
libmicrohttpd-dev:arm64"

missing=""
for p in $HOST_PKGS $ARM64_PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
arm64_arch=yes
dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64 || arm64_arch=no

if [ -z "$missing" ] && [ "$arm64_arch" = yes ]; then
	echo "deps: all packages present"
	exit 0
fi
[ "${1:-}" = "--check" ] && { echo "deps: missing:$missing"; exit 1; }

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: not a Debian system; install by hand (Debian names):$missing, and enable the arm64 foreign architecture" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root to install:$missing (or run: sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install$missing)" >&2
	exit 1
fi

if [ "$arm64_arch" = no ]; then
	echo "deps: enabling the arm64 foreign architecture"
	dpkg --add-architecture arm64
fi
echo "deps: installing:$missing"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
echo "deps: done"
