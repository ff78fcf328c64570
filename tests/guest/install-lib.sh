#!/bin/sh
# The checks 70-install and 71-install-dkms share (sourced after lib.sh, with
# R, DEB and MODS set; not a suite: tests/check runs only NN-*.sh): the
# file-system snapshot apt purge is compared against, the installed command
# and its files, a module of our own made re-randomizable out of tree with
# only the installed files, and the installed wpwatch catching a write. Each
# function runs a fixed number of checks (said above it), which the suites'
# '# tests:' headers count.

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

# 7 checks: the command linked against Debian's libraries, its man pages,
# bash completion, the installed rrmeta
check_command_files() {
	run "/usr/bin/wpwatch is linked against Debian's libmicrohttpd (no GnuTLS stub)" -- \
		sh -c 'ldd /usr/bin/wpwatch | grep -E "lib(microhttpd|bpf|elf)\.so"'
	run "man wpwatch-watch renders" -- sh -c 'MANWIDTH=80 man wpwatch-watch 2>/dev/null | grep -q "stream the symbolized stack"'
	run "man wpwatch-lat renders, with its options" -- sh -c 'MANWIDTH=80 man wpwatch-lat 2>/dev/null | grep -q -- "--probe"'
	run "man 4 wpwatch-watchpoint lists the module's parameters" -- sh -c 'MANWIDTH=80 man 4 wpwatch-watchpoint 2>/dev/null | grep -q dump_stack'
	is "$(comp "wpwatch l" 1)" lat "completion: 'wpwatch l' -> lat"
	is "$(comp "wpwatch watch -f fo" 3)" folded "completion: 'wpwatch watch -f fo' -> folded"
	/usr/bin/wpwatch-rrmeta >/tmp/rrmeta.out 2>&1
	num_is $? 2 "the installed wpwatch-rrmeta runs (usage, status 2)"
}
comp() {
	bash -c ". /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/wpwatch
		COMP_WORDS=($1); COMP_CWORD=$2; _wpwatch; echo \${COMPREPLY[*]}"
}

# 8 checks: tests/kmod/install (its Kbuild: include
# /usr/share/wpwatch/rerandom.mk, one rr_auto_module line) built against the
# loaded rerandom.ko, its body moving on each of 5 passes, unloaded
check_rr_module() {
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
	p0=$(rri_add_at)
	passes0=$(sed -n 's/^passes //p' $D/stats)
	moved=0
	for i in 1 2 3 4 5; do
		echo 1 >$D/trigger
		p=$(rri_add_at)
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
}
rri_add_at() { grep " rri_add\$" /sys/kernel/debug/rerandom/bodies | cut -d' ' -f1; }

# 2 checks: /usr/bin/wpwatch catches one write of wpw_testwriter (left loaded)
check_watch_write() {
	modprobe wpw_testwriter || bail "cannot load wpw_testwriter"
	/usr/bin/wpwatch watch -n 1 -d 120 wpw_test_target >/tmp/w.out 2>/tmp/w.err &
	wp=$!
	j=0
	while ! grep -q tracing /tmp/w.err && kill -0 $wp 2>/dev/null && [ $j -lt 1200 ]; do
		sleep 0.1
		j=$((j + 1))
	done
	echo "0 5 1" >/sys/kernel/debug/wpw_testwriter/write
	wait $wp
	num_is $? 0 "the installed wpwatch watch exits 0 after its one event"
	run "... and its event names the writer" -- grep -q wpw_test_write_one /tmp/w.out
	sed 's/^/#   /' /tmp/w.err
}

# 1 check: the file system as /tmp/before has it
check_nothing_left() {
	snapshot >/tmp/after
	diff /tmp/before /tmp/after >/tmp/left
	c=$?
	sed 's/^/#   /' /tmp/left | head -n 20
	ok $c "apt purge leaves exactly the files that were there before"
}
