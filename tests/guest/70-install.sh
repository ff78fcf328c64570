#!/bin/sh
# wpwatch installed on a Debian 12 machine as README.md's "Install on your
# machine" says, in the Debian-userspace guest: `make install` from a built
# tree (help2man writes the man pages here), the modules built by DKMS
# against Debian's linux-headers for the running kernel, `modprobe` loading
# them from the DKMS path (our preloaded copies removed first), the installed
# wpwatch catching a write, the man pages rendering, bash completion
# completing; then `make uninstall` and `make uninstall-dkms` (dkms remove)
# leave exactly the files that were there before.
# arches: x86_64 arm64
# kernel: stock
# rootfs: debian
# weight: 4
# timeout: 1800
# cpus: 2
# mem: 1024
. "$(dirname "$0")/lib.sh"
R=$(uname -r)
SRC=/tmp/src
MODS=/lib/modules/$R

[ -d /opt/wpwatch/src ] || bail "no built tree at /opt/wpwatch/src (tests/vm/run --rootfs debian on the stock kernel makes it)"
[ -e "$MODS/build/Makefile" ] || bail "no kernel headers at $MODS/build (linux-headers-$R in the Debian root)"
cp -a /opt/wpwatch/src "$SRC"
# the runner's own copies of the modules out of the way: what loads later
# must come from the DKMS path
rm -f "$MODS/extra/watchpoint.ko" "$MODS/extra/trampolines.ko" \
	"$MODS/extra/rerandom.ko"
depmod -a

# every file outside the scratch places, and every module file
snapshot() {
	{
		find / -xdev \( -path /tmp -o -path /root -o -path /var/cache -o -path /var/log \) -prune -o -print
		find "$MODS" -name build -prune -o -print
	} 2>/dev/null | sort
}
snapshot >/tmp/before

# --- make install ---------------------------------------------------------
run "make install (PREFIX=/usr/local)" -- make -C "$SRC" install
for f in bin/wpwatch bin/wpwatch-rrmeta share/man/man8/wpwatch-watch.8 \
	share/man/man4/wpwatch-watchpoint.4 include/wpwatch/rerandom.h \
	include/wpwatch/watchpoint.h share/bash-completion/completions/wpwatch; do
	ok "$([ -s /usr/local/$f ]; echo $?)" "installed: /usr/local/$f"
done
run "the man pages were made here, by help2man from this wpwatch's --help" -- \
	grep -q 'help2man' "$SRC/.output/$ARCH/man/wpwatch-watch.8"
run "man wpwatch-watch renders" -- sh -c 'MANWIDTH=80 man wpwatch-watch 2>/dev/null | grep -q "stream the symbolized stack"'
run "man wpwatch-lat renders, with its options" -- sh -c 'MANWIDTH=80 man wpwatch-lat 2>/dev/null | grep -q -- "--probe"'
run "man 4 wpwatch-watchpoint lists the module's parameters" -- sh -c 'MANWIDTH=80 man 4 wpwatch-watchpoint 2>/dev/null | grep -q dump_stack'
comp() {
	bash -c ". /usr/share/bash-completion/bash_completion
		. /usr/local/share/bash-completion/completions/wpwatch
		COMP_WORDS=($1); COMP_CWORD=$2; _wpwatch; echo \${COMPREPLY[*]}"
}
is "$(comp "wpwatch l" 1)" lat "completion: 'wpwatch l' -> lat"
is "$(comp "wpwatch watch -f fo" 3)" folded "completion: 'wpwatch watch -f fo' -> folded"
is "$(comp "wpwatch watch --sum" 2)" --summary "completion: 'wpwatch watch --sum' -> --summary"
/usr/local/bin/wpwatch-rrmeta >/tmp/rrmeta.out 2>&1
num_is $? 2 "the installed wpwatch-rrmeta runs (usage, status 2)"

# --- the modules through DKMS -----------------------------------------------
run "make install-dkms: dkms add, build and install for $R" -- make -C "$SRC" install-dkms
st=$(dkms status -m wpwatch -v 0.1 -k "$R" 2>&1)
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

# --- the installed wpwatch catches a write ----------------------------------
modprobe wpw_testwriter || bail "cannot load wpw_testwriter"
/usr/local/bin/wpwatch watch -n 1 -d 120 wpw_test_target >/tmp/w.out 2>/tmp/w.err &
wp=$!
j=0
while ! grep -q tracing /tmp/w.err && kill -0 $wp 2>/dev/null && [ $j -lt 1200 ]; do sleep 0.1; j=$((j + 1)); done
echo "0 5 1" >/sys/kernel/debug/wpw_testwriter/write
wait $wp
num_is $? 0 "the installed wpwatch watch exits 0 after its one event"
run "... and its event names the writer" -- grep -q wpw_test_write_one /tmp/w.out
sed 's/^/#   /' /tmp/w.err
modprobe -r wpw_testwriter rerandom

# --- uninstall: nothing left behind ------------------------------------------
run "make uninstall-dkms (dkms remove)" -- make -C "$SRC" uninstall-dkms
run "make uninstall" -- make -C "$SRC" uninstall
snapshot >/tmp/after
diff /tmp/before /tmp/after >/tmp/left
c=$?
sed 's/^/#   /' /tmp/left | head -n 20
ok $c "make uninstall and dkms remove leave exactly the files that were there before"
done_testing
