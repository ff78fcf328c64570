#!/bin/sh
# Demo step watch: wpwatch watch on trampolines while tl_writer writes it.
# Nothing else holds those bytes; text, JSON, --summary and folded form.
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
