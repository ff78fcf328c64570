#!/bin/sh
# wpwatch installed on a Debian 12 machine from its packages, as README.md's
# "Install on your machine" says, in the Debian-userspace guest (no network:
# the root has what the packages depend on): `apt install` of wpwatch and
# wpwatch-dkms (scripts/deb.sh, staged by tests/vm/run at /opt/wpwatch/deb),
# the modules built by DKMS against Debian's linux-headers for the running
# kernel and loaded from the DKMS path (our preloaded copies removed first),
# a module of our own (tests/kmod/install) made re-randomizable out of tree
# with only the installed files and its bodies seen moving, the installed
# wpwatch (linked against Debian's shared libraries) catching a write, the
# man pages rendering, bash completion completing; then `apt purge` leaves
# exactly the files that were there before. In `make check-full` only (its
# DKMS compile under TCG is 5 to 10 minutes a guest); `make check` runs
# 70-install, the same without wpwatch-dkms (docs/testing.md).
# check: full
# arches: x86_64 arm64
# kernel: stock
# rootfs: debian
# weight: 4
# timeout: 1800
# cpus: 2
# mem: 1024
# tests: 33
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/install-lib.sh"
R=$(uname -r)
DEB=/opt/wpwatch/deb
MODS=/lib/modules/$R
export DEBIAN_FRONTEND=noninteractive

ls $DEB/wpwatch_*.deb $DEB/wpwatch-dkms_*_all.deb >/dev/null 2>&1 ||
	bail "no packages in $DEB (tests/vm/run --rootfs debian on the stock kernel stages them)"
[ -e "$MODS/build/Makefile" ] || bail "no kernel headers at $MODS/build (linux-headers-$R in the Debian root)"
# the runner's own copies of the modules out of the way: what loads later
# must come from the DKMS path
rm -f "$MODS/extra/watchpoint.ko" "$MODS/extra/trampolines.ko" \
	"$MODS/extra/rerandom.ko"
depmod -a

snapshot >/tmp/before

# --- apt install: the command, and the modules built by DKMS -----------------
# (absolute paths: apt takes a file name for a package name without ./ or /)
run "apt install ./wpwatch_*.deb ./wpwatch-dkms_*.deb (DKMS builds for $R)" -- \
	apt-get install -y -q $DEB/wpwatch_*.deb $DEB/wpwatch-dkms_*_all.deb ||
	bail "apt install failed"
for p in wpwatch wpwatch-dkms; do
	st=$(dpkg-query -W -f='${Status}' $p 2>&1)
	is "$st" "install ok installed" "dpkg: $p installed"
done
st=$(dkms status -m wpwatch -k "$R" 2>&1)
diag "dkms status: $st"
case "$st" in *installed*) c=0 ;; *) c=1 ;; esac
ok $c "dkms status says installed for $R"
for m in trampolines watchpoint rerandom; do
	p=$(modinfo -n $m 2>/dev/null)
	case "$p" in "$MODS/updates/dkms/$m.ko"*) c=0 ;; *) c=1 ;; esac
	ok $c "modinfo -n $m: the DKMS path ($p)"
done
v=$(modinfo -F vermagic watchpoint | cut -d' ' -f1)
is "$v" "$R" "watchpoint.ko was built for the running kernel"
run "modprobe watchpoint (and trampolines, its dependency)" -- modprobe watchpoint
ok "$([ -d /sys/module/trampolines ] && [ -d /sys/module/watchpoint ]; echo $?)" "both loaded"
run "modprobe -r watchpoint trampolines" -- modprobe -r watchpoint trampolines
run "modprobe rerandom" -- modprobe rerandom
ok "$([ -d /sys/kernel/debug/rerandom ]; echo $?)" "rerandom's debugfs is there"

# --- the command and its files ------------------------------------------------
check_command_files

# --- a module of our own, made re-randomizable with the installed files -------
# its Kbuild: include /usr/share/wpwatch/rerandom.mk, one rr_auto_module line
check_rr_module

# --- the installed wpwatch catches a write ----------------------------------
check_watch_write
modprobe -r wpw_testwriter watchpoint trampolines rerandom

# --- apt purge: nothing left behind ---------------------------------------------
run "apt purge wpwatch wpwatch-dkms (dkms remove)" -- apt-get purge -y -q wpwatch wpwatch-dkms
st=$(dkms status -m wpwatch 2>&1)
is "$st" "" "dkms status knows no wpwatch"
check_nothing_left
done_testing
