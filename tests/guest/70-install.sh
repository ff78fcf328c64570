#!/bin/sh
# The user-space package wpwatch installed on a Debian 12 machine, in the
# Debian-userspace guest (no network: the root has what it depends on),
# without the DKMS compile of wpwatch-dkms (gcc under TCG: 5 to 10 minutes a
# guest), which 71-install-dkms proves in `make check-full` (docs/testing.md,
# "make check-full"): `apt install` of wpwatch alone (scripts/deb.sh, staged
# by tests/vm/run at /opt/wpwatch/deb), the installed wpwatch (linked against
# Debian's shared libraries) catching a write, the man pages rendering, bash
# completion completing, a module of our own (tests/kmod/install) made
# re-randomizable out of tree with only the installed files (against the
# rerandom.ko the runner installed) and its bodies seen moving; then
# `apt purge` leaves exactly the files that were there before.
# arches: x86_64 arm64
# kernel: stock
# rootfs: debian
# weight: 2
# timeout: 900
# cpus: 2
# mem: 1024
# tests: 23
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/install-lib.sh"
R=$(uname -r)
DEB=/opt/wpwatch/deb
MODS=/lib/modules/$R
export DEBIAN_FRONTEND=noninteractive

ls $DEB/wpwatch_*.deb >/dev/null 2>&1 ||
	bail "no package in $DEB (tests/vm/run --rootfs debian on the stock kernel stages it)"
[ -e "$MODS/build/Makefile" ] || bail "no kernel headers at $MODS/build (linux-headers-$R in the Debian root)"

snapshot >/tmp/before

# --- apt install of the command alone (its Recommends, wpwatch-dkms, not) -----
# (an absolute path: apt takes a file name for a package name without ./ or /)
run "apt install ./wpwatch_*.deb (the user-space package alone)" -- \
	apt-get install -y -q --no-install-recommends $DEB/wpwatch_*.deb ||
	bail "apt install failed"
is "$(dpkg-query -W -f='${Status}' wpwatch 2>&1)" "install ok installed" "dpkg: wpwatch installed"
# (dpkg knows it as recommended: "unknown ok not-installed")
st=$(dpkg-query -W -f='${Status}' wpwatch-dkms 2>/dev/null)
ok "$([ "$st" != "install ok installed" ] && [ ! -e "$MODS/updates/dkms" ]; echo $?)" \
	"wpwatch-dkms not installed (${st:-unknown to dpkg}), nothing built by DKMS"

# --- the command and its files ------------------------------------------------
check_command_files

# --- a module of our own, made re-randomizable with the installed files -------
# its Kbuild: include /usr/share/wpwatch/rerandom.mk, one rr_auto_module line;
# the core is the runner's rerandom.ko (modinfo -n rerandom: extra/)
run "modprobe rerandom (the runner's build, $(modinfo -n rerandom 2>&1))" -- modprobe rerandom
check_rr_module

# --- the installed wpwatch catches a write ----------------------------------
check_watch_write
modprobe -r wpw_testwriter rerandom

# --- apt purge: nothing left behind ---------------------------------------------
run "apt purge wpwatch" -- apt-get purge -y -q wpwatch
check_nothing_left
done_testing
