#!/bin/sh
# Demo piece for `make demo`: wpwatch watch shows, live and readable, who
# writes a piece of kernel memory. It watches `trampolines` when the
# watchpoint module and its demo writer exist (modprobe watchpoint
# writer=random), else wpw_test_target written by wpw_testwriter.
#   tests/vm/run --arch x86_64 -- sh tests/demo-watch.sh
TW=/sys/kernel/debug/wpw_testwriter
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

target=
if modprobe watchpoint writer=random 2>/dev/null; then
	say "watchpoint.ko is loaded with its demo writer: watching trampolines"
	target=trampolines
	# Does anything write it? (a probe of 3 seconds)
	if ! wpwatch watch -n 1 -d 3 -f json trampolines 2>/dev/null | grep -q '"type":"write"'; then
		say "no write to trampolines within 3 s: using wpw_test_target instead"
		target=
	fi
fi
if [ -z "$target" ]; then
	modprobe wpw_testwriter || { echo "demo-watch: cannot load wpw_testwriter" >&2; exit 1; }
	target=wpw_test_target
	# A writer: a few processes writing the array in system calls.
	(
		i=0
		while [ $i -lt 60 ]; do
			echo "$((i % 4)) $i 1" >$TW/write
			[ $((i % 5)) -eq 0 ] && echo "1 $i 2" | dd of=$TW/write 2>/dev/null
			sleep 0.1
			i=$((i + 1))
		done
	) &
	writer=$!
fi

say "wpwatch watch -n 3 $target:32   (text: header per write, then the stack)"
wpwatch watch -n 3 $target:32

say "wpwatch watch -n 1 -f json $target   (one JSON object per write)"
wpwatch watch -n 1 -f json $target

say "wpwatch watch -d 3 -s $target:32   (distinct stacks, most frequent first)"
wpwatch watch -d 3 -s $target:32 >/tmp/summary.txt
cat /tmp/summary.txt

say "wpwatch watch -d 2 -f folded $target:32   (for flamegraph.pl)"
wpwatch watch -d 2 -f folded $target:32

[ -n "${writer:-}" ] && wait $writer
exit 0
