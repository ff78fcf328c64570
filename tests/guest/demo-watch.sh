#!/bin/sh
# Demo step watch: wpwatch watch on trampolines while tl_writer writes it.
# Nothing else holds those bytes; text, JSON, --summary and folded form;
# then a field of an object (f_pos of the files dd writes, by BTF name).
# How: the sample writer tl_writer.ko alone (no watchpoint.ko) writes any of
# the 1024 entries of trampolines[] (size=8192, period_ms=1: every jiffy);
# wpwatch watches the first 24 bytes (3 entries, 3 of the 4 hardware slots
# of each CPU): about 3 writes in 1024 land there.
. "$(dirname "$0")/demo-lib.sh"
O=$DEMO_OUT/watch
mkdir -p "$O"
SPEC=trampolines:24

say "tl_writer writes all of trampolines[], every jiffy; nothing else watches it"
trap 'bounded_sh 60 "rmmod tl_writer" "rmmod tl_writer 2>/dev/null"' EXIT
cmd "modprobe tl_writer size=8192 period_ms=1"
bounded 60 "modprobe tl_writer" modprobe tl_writer size=8192 period_ms=1 ||
	fail "modprobe tl_writer failed"
dmesg_excerpt 'tl_writer: Kernel thread start' 1

# ww NAME OPTIONS...: run wpwatch watch, show it, keep its output (-d 120:
# it ends by itself; 180 s for it to attach, detach and exit)
ww() {
	_n=$1
	shift
	cmd "wpwatch watch -c tl_writer $* $SPEC"
	bounded 180 "wpwatch watch ($_n)" sh -c 'exec "$@" >"$0.out" 2>"$0.err"' \
		"$O/$_n" wpwatch watch -c tl_writer -d 120 "$@" $SPEC
	_rc=$?
	# the "tracing" line, the events, then the counts
	{ head -n 1 "$O/$_n.err"; cat "$O/$_n.out"; tail -n +2 "$O/$_n.err"; } |
		show >"$O/$_n.shown"
	[ $_rc -eq 0 ] || { cat "$O/$_n.shown"; fail "wpwatch watch ($_n) exited with status $_rc"; }
}

say "text: a header per write (time comm pid/tid [cpu] spec addr: old -> new),"
echo "   then the writer's stack, innermost first"
ww text -n 3
cat "$O/text.shown"
n=$(grep -c ' tl_writer .* trampolines:24 ' "$O/text.out")
[ "$n" -eq 3 ] || fail "text: $n write events by tl_writer, expected 3"
grep -q 'tl_writer_store' "$O/text.out" || fail "text: no stack names tl_writer_store"

say "JSON: one object per write (shown one key per line), then a summary"
ww json -n 1 -f json
head -n 1 "$O/json.err" | show
grep '"type":"write"' "$O/json.out" | head -n 1 | awk '{
	i = index($0, ",\"stack\":[")
	top = substr($0, 1, i)
	st = substr($0, i + 1)
	gsub(/,"/, ",\n  \"", top)
	sub(/\[\{/, "[\n    {", st)
	gsub(/\},\{/, "},\n    {", st)
	gsub(/,"/, ", \"", st)
	print top
	print "  " st
}' | show
grep -v '"type":"write"' "$O/json.out" | show
tail -n +2 "$O/json.err" | show
grep '"type":"write"' "$O/json.out" | grep '"comm":"tl_writer"' |
	grep -q '"sym":"tl_writer_store' || fail "json: no write event with tl_writer_store in its stack"

say "--summary: the distinct stacks with their counts, most frequent first"
ww summary -n 5 -s
cat "$O/summary.shown"
grep -q 'tl_writer_store' "$O/summary.out" || fail "--summary: no stack names tl_writer_store"

say "folded: comm;outermost;...;innermost COUNT, for flamegraph.pl"
ww folded -n 5 -f folded
cat "$O/folded.shown"
grep -Eq '^tl_writer;.*tl_writer_store [0-9]+$' "$O/folded.out" ||
	fail "folded: no 'tl_writer;...;tl_writer_store N' line"

bounded 60 "rmmod tl_writer" rmmod tl_writer || fail "rmmod tl_writer failed"
trap - EXIT

say "an object's field, by BTF name: f_pos of the file each vfs_write() of dd is"
echo "   handed, armed at the call, disarmed when the file is freed"
OSPEC='vfs_write:file->f_pos'
cmd "wpwatch watch -c dd -d 8 '$OSPEC'"
wpwatch watch -c dd -d 8 "$OSPEC" >"$O/object.out" 2>"$O/object.err" &
wp=$!
wait_for 120 grep -q 'tracing writes' "$O/object.err" ||
	{ kill_tree $wp; show "$O/object.err"; fail "wpwatch watch '$OSPEC' did not start"; }
# dd writes 512 bytes every 50 ms: slower than the arming window, so each
# write after the first lands on a live slot
cmd "(for i in 1 2 3 4 5 6; do head -c 512 /dev/zero; sleep 0.05; done) | dd of=/tmp/demo-f bs=512"
(i=0; while [ $i -lt 6 ]; do head -c 512 /dev/zero; sleep 0.05; i=$((i + 1)); done) |
	dd of=/tmp/demo-f bs=512 2>/dev/null
bounded_wait 180 "wpwatch watch '$OSPEC'" $wp ||
	{ show "$O/object.err"; fail "wpwatch watch '$OSPEC' exited with status $?"; }
{ head -n 1 "$O/object.err"; head -n 24 "$O/object.out"; tail -n +2 "$O/object.err"; } | show
grep -q " dd .*$OSPEC .* object " "$O/object.out" || fail "object: no write by dd naming its object"
grep -q 'ksys_write' "$O/object.out" || fail "object: no stack through ksys_write (which stores f_pos)"
