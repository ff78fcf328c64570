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

# every file outside the scratch places, and every module file (apt's
# /var/lib/apt/lists is a cache like /var/cache: apt makes its auxfiles/
# there the first time it installs a .deb file)
snapshot() {
	{
		find / -xdev \( -path /tmp -o -path /root -o -path /var/cache -o -path /var/log \
			-o -path /var/lib/apt/lists \) -prune -o -print
		find "$MODS" -name build -prune -o -print
	} 2>/dev/null | sort
}
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
run "/usr/bin/wpwatch is linked against Debian's libmicrohttpd (no GnuTLS stub)" -- \
	sh -c 'ldd /usr/bin/wpwatch | grep -E "lib(microhttpd|bpf|elf)\.so"'
run "man wpwatch-watch renders" -- sh -c 'MANWIDTH=80 man wpwatch-watch 2>/dev/null | grep -q "stream the symbolized stack"'
run "man wpwatch-lat renders, with its options" -- sh -c 'MANWIDTH=80 man wpwatch-lat 2>/dev/null | grep -q -- "--probe"'
run "man 4 wpwatch-watchpoint lists the module's parameters" -- sh -c 'MANWIDTH=80 man 4 wpwatch-watchpoint 2>/dev/null | grep -q dump_stack'
comp() {
	bash -c ". /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/wpwatch
		COMP_WORDS=($1); COMP_CWORD=$2; _wpwatch; echo \${COMPREPLY[*]}"
}
is "$(comp "wpwatch l" 1)" lat "completion: 'wpwatch l' -> lat"
is "$(comp "wpwatch watch -f fo" 3)" folded "completion: 'wpwatch watch -f fo' -> folded"
/usr/bin/wpwatch-rrmeta >/tmp/rrmeta.out 2>&1
num_is $? 2 "the installed wpwatch-rrmeta runs (usage, status 2)"

# --- a module of our own, made re-randomizable with the installed files -------
# its Kbuild: include /usr/share/wpwatch/rerandom.mk, one rr_auto_module line
cp -a $DEB/kmod /tmp/rrmod
run "make -C $MODS/build M=/tmp/rrmod (rrmeta --auto, the core's CRCs from rerandom.ko)" -- \
	make -C "$MODS/build" M=/tmp/rrmod modules
run "rerandom.symvers has the core's exports with their CRCs" -- \
	grep -E '^0x[0-9a-f]{8}	rerandom_register_module	rerandom	EXPORT_SYMBOL' /tmp/rrmod/rerandom.symvers
run "... and rr_install.ko depends on rerandom" -- sh -c 'modinfo -F depends /tmp/rrmod/rr_install.ko | grep -qx rerandom'
diag "$(tail -n 1 /tmp/rrmod/rr_install.rr.txt)"
run "insmod rr_install.ko" -- insmod /tmp/rrmod/rr_install.ko
D=/sys/kernel/debug/rerandom
run "coverage: rr_install registered, rri_add moved-able" -- sh -c "grep -A20 '^rr_install:' $D/coverage | grep -q 'rri_add'"
body() { grep " rri_add\$" $D/bodies | cut -d' ' -f1; }
p0=$(body)
passes0=$(sed -n 's/^passes //p' $D/stats)
moved=0
for i in 1 2 3 4 5; do
	echo 1 >$D/trigger
	p=$(body)
	[ -n "$p" ] && [ "$p" != "$p0" ] && moved=$((moved + 1))
	p0=$p
	echo $((i * 10)) >/sys/kernel/debug/rr_install/add
	[ "$(cat /sys/kernel/debug/rr_install/add)" = $((i * 20 + 1)) ] || moved=-100
done
num_is $moved 5 "rri_add at a new address after each of 5 passes, and right each time"
passes=$(sed -n 's/^passes //p' $D/stats)
num_is $((passes - passes0)) 5 "the core counted the 5 passes"
grep "^rr_install:" $D/coverage | sed 's/^/#   /'
run "rmmod rr_install" -- rmmod rr_install

# --- the installed wpwatch catches a write ----------------------------------
modprobe wpw_testwriter || bail "cannot load wpw_testwriter"
/usr/bin/wpwatch watch -n 1 -d 120 wpw_test_target >/tmp/w.out 2>/tmp/w.err &
wp=$!
j=0
while ! grep -q tracing /tmp/w.err && kill -0 $wp 2>/dev/null && [ $j -lt 1200 ]; do sleep 0.1; j=$((j + 1)); done
echo "0 5 1" >/sys/kernel/debug/wpw_testwriter/write
wait $wp
num_is $? 0 "the installed wpwatch watch exits 0 after its one event"
run "... and its event names the writer" -- grep -q wpw_test_write_one /tmp/w.out
sed 's/^/#   /' /tmp/w.err
modprobe -r wpw_testwriter watchpoint trampolines rerandom

# --- apt purge: nothing left behind ---------------------------------------------
run "apt purge wpwatch wpwatch-dkms (dkms remove)" -- apt-get purge -y -q wpwatch wpwatch-dkms
st=$(dkms status -m wpwatch 2>&1)
is "$st" "" "dkms status knows no wpwatch"
snapshot >/tmp/after
diff /tmp/before /tmp/after >/tmp/left
c=$?
sed 's/^/#   /' /tmp/left | head -n 20
ok $c "apt purge leaves exactly the files that were there before"
done_testing
