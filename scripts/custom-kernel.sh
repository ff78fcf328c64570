#!/bin/bash
# Build (once) a guest kernel from Debian's linux-source-6.1 with our patches
# and a small config, and print its cache folder on the last line of stdout.
# Sourced by a recipe, scripts/kernel-NAME.sh, after it has set:
#   name        the kernel's name (mask, debug, ...)
#   arch        x86_64 | arm64
#   patches     array of patch files (git format-patch output), maybe empty
#   fragment    Kconfig lines (CONFIG_X=y / # CONFIG_X is not set) on top of
#               allnoconfig and of the base below
#
# The folder, $WPWATCH_CACHE/kernels/NAME-ARCH-HASH (HASH: of the source
# version, the patches and the config), has the layout of a stock one
# (scripts/kernel.sh): vmlinuz, modules/ (lib/modules/RELEASE), build/ (the
# built tree, a KDIR), release, config, .complete; plus build.log.
# Environment: WPWATCH_KERNEL_JOBS (make -j, default 2).
set -euo pipefail

cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
jobs=${WPWATCH_KERNEL_JOBS:-2}
me="kernel-$name"
# Bump when the folder layout or the build procedure changes meaning.
layout=1

case "$arch" in
x86_64) karch=x86_64; cross=; image=arch/x86/boot/bzImage; target=bzImage
	qemu_base="CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_HOTPLUG_CPU=y
CONFIG_PCI=y
CONFIG_ACPI=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_UNWINDER_ORC=y" ;;
arm64) karch=arm64; cross=aarch64-linux-gnu-; image=arch/arm64/boot/Image; target=Image
	qemu_base="CONFIG_SMP=y
CONFIG_HOTPLUG_CPU=y
CONFIG_PCI=y
CONFIG_PCI_HOST_GENERIC=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y" ;;
*) echo "$me: unknown arch '$arch'" >&2; exit 2 ;;
esac

# What every wpwatch guest needs: the runner's /init (busybox, devtmpfs, tmpfs,
# debugfs, tracefs, bpffs, devpts, 9p over virtio), modules, symbols of data
# too (KALLSYMS_ALL), perf events with hardware breakpoints, BPF with BTF (so
# CO-RE skeletons load), kprobes and kprobe/BPF events, ftrace.
base="$qemu_base
CONFIG_LOCALVERSION=\"-wpwatch-$name\"
# CONFIG_LOCALVERSION_AUTO is not set
CONFIG_PRINTK=y
CONFIG_BUG=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_EVENTFD=y
CONFIG_SHMEM=y
CONFIG_POSIX_TIMERS=y
CONFIG_HIGH_RES_TIMERS=y
CONFIG_SYSVIPC=y
CONFIG_SYSCTL=y
CONFIG_PROC_FS=y
CONFIG_PROC_SYSCTL=y
CONFIG_SYSFS=y
CONFIG_IKCONFIG=y
CONFIG_IKCONFIG_PROC=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_DEVTMPFS=y
CONFIG_TMPFS=y
CONFIG_TTY=y
CONFIG_UNIX98_PTYS=y
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_INET=y
CONFIG_VIRTIO_MENU=y
CONFIG_VIRTIO_PCI=y
CONFIG_NETWORK_FILESYSTEMS=y
CONFIG_NET_9P=y
CONFIG_NET_9P_VIRTIO=y
CONFIG_9P_FS=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_KALLSYMS=y
CONFIG_KALLSYMS_ALL=y
CONFIG_PERF_EVENTS=y
CONFIG_HAVE_HW_BREAKPOINT=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_DEBUG_KERNEL=y
CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y
# CONFIG_DEBUG_INFO_REDUCED is not set
CONFIG_DEBUG_INFO_BTF=y
CONFIG_DEBUG_INFO_BTF_MODULES=y
CONFIG_KPROBES=y
CONFIG_FTRACE=y
CONFIG_FUNCTION_TRACER=y
CONFIG_DYNAMIC_FTRACE=y
CONFIG_KPROBE_EVENTS=y
CONFIG_BPF_EVENTS=y
CONFIG_DEBUG_FS=y
CONFIG_STACKTRACE=y"

# The source: Debian's current linux-source-6.1, version read at run time.
src_version() {
	apt-cache policy linux-source-6.1 2>/dev/null | sed -n 's/^ *Candidate: *\([^ ]*\)$/\1/p' | grep -v '(none)' | head -n1
}
ver=$(src_version || true)
if [ -z "$ver" ]; then
	apt-get update -q >/dev/null 2>&1 || true
	ver=$(src_version || true)
fi
[ -n "$ver" ] || { echo "$me: apt-cache knows no linux-source-6.1 (run 'make deps' as root)" >&2; exit 1; }

config_text=$(printf '%s\n%s\n' "$base" "$fragment")
hash=$( {
	echo "layout $layout source $ver arch $arch name $name"
	printf '%s\n' "$config_text"
	for p in "${patches[@]+"${patches[@]}"}"; do cat "$p"; done
} | sha256sum | cut -c1-12)
dir=$cache/kernels/$name-$arch-$hash
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache/kernels"
# One build at a time per folder (parallel suites may all ask for it).
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

for tool in flex bison bc pahole "${cross}gcc" depmod; do
	command -v "$tool" >/dev/null || { echo "$me: $tool not found: run 'make deps' as root" >&2; exit 1; }
done

# The source tarball, downloaded once per version.
srcdir=$cache/kernels/src
tarball=$srcdir/linux-source-6.1_$ver.tar.xz
if [ ! -f "$tarball" ]; then
	echo "$me: fetching linux-source-6.1 $ver" >&2
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "linux-source-6.1=$ver" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2 || true)
	deb=$(ls "$tmp"/linux-source-6.1_*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || { rm -rf "$tmp"; echo "$me: apt-get download linux-source-6.1=$ver failed" >&2; exit 1; }
	dpkg-deb -x "$deb" "$tmp/x"
	mkdir -p "$srcdir"
	rm -f "$srcdir"/linux-source-6.1_*.tar.xz
	mv "$tmp/x/usr/src/linux-source-6.1.tar.xz" "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
	rm -rf "$tmp"
fi

rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
start=$SECONDS
echo "$me: building $name kernel for $arch from linux-source-6.1 $ver (make -j$jobs, 10-30 min; log: $log)" >&2
fail() {
	echo "$me: $1; last lines of $log:" >&2
	tail -n 30 "$log" | sed 's/^/  /' >&2
	exit 1
}
tar -C "$dir" -xf "$tarball" || fail "cannot unpack $tarball"
mv "$dir/linux-source-6.1" "$dir/src"
cd "$dir/src"
for p in "${patches[@]+"${patches[@]}"}"; do
	echo "== patch $p" >>"$log"
	patch -p1 --forward --batch <"$p" >>"$log" 2>&1 || fail "patch $(basename "$p") does not apply to linux-source-6.1 $ver"
done
printf '%s\n' "$config_text" >"$dir/fragment.config"
kmake() { make ARCH="$karch" CROSS_COMPILE="$cross" "$@"; }
kmake KCONFIG_ALLCONFIG="$dir/fragment.config" allnoconfig >>"$log" 2>&1 || fail "allnoconfig failed"
# Every line asked for must have survived (an unmet dependency drops it silently).
bad=
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" .config || bad="$bad ${line%%=*}" ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" .config || bad="$bad !$opt" ;;
	esac
done <"$dir/fragment.config"
[ -z "$bad" ] || fail "the config lost:$bad (a dependency is missing from the fragment)"

echo "== make $target modules" >>"$log"
kmake -j"$jobs" "$target" modules >>"$log" 2>&1 || fail "the kernel build failed"
release=$(kmake -s kernelrelease)
kmake INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1 ||
	fail "modules_install failed"
depmod -b "$dir/root" "$release"
# Objects are dead weight now: out-of-tree modules need the headers, the
# host tools (scripts/, tools/objtool), Module.symvers and vmlinux (for BTF).
find . -name '*.o' -not -path './scripts/*' -not -path './tools/*' -delete
rm -f vmlinux.o
ln -s "src/$image" "$dir/vmlinuz"
ln -s "root/lib/modules/$release" "$dir/modules"
cp .config "$dir/config"
ln -s src "$dir/build"
echo "$release" >"$dir/release"
took=$((SECONDS - start))
# CPU time of everything the build ran (children's user + system): the
# figure that does not depend on what else the machine was doing.
times >"$dir/times"	# a builtin in this shell: a pipe would run it in a subshell
cpu=$(tail -n1 "$dir/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%d", n }')
echo "$name $arch linux-source-6.1 $ver: built in $((took / 60)) min $((took % 60)) s with -j$jobs ($((cpu / 60)) min $((cpu % 60)) s of CPU)" >"$dir/build-time"
touch "$dir/.complete"
echo "$me: $(cat "$dir/build-time")" >&2
# Older builds of this kernel (another source version, config or patch) are
# dead weight of about 2 GB each: drop them, unless one is being built now.
for old in "$cache/kernels/$name-$arch-"*; do
	[ -d "$old" ] && [ "$old" != "$dir" ] || continue
	(
		exec 8>"$old.lock"
		flock -n 8 && rm -rf "$old" "$old.lock"
	) || true
done
echo "$dir"
