#!/bin/sh
# Host check (no guest) of tests/bench/lib/handled.sh, the benches' one rule
# for printing a row, and of the watch bench's tables that obey it
# (tests/bench/lib/watch-tables.sh): canned counts, tool outputs and bench
# results in, the verdict and the rows out. TAP; under dash and busybox sh,
# the guests' shells:
#   sh tests/bench/lib/test-handled.sh      (also: busybox sh ...)
cd "$(dirname "$0")" || exit 1
. ./handled.sh
. ./watch-tables.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 fail=0
echo "1..52"
is() {	# is GOT WANT NAME
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
		fail=1
	fi
}
# rule MADE HITS DELIVERED LOST: "row" when handled lets the row print,
# else what it says (and it must say something)
rule() {
	_why=$(handled "$@")
	_rc=$?
	if [ $_rc = 0 ] && [ -z "$_why" ]; then echo row
	elif [ $_rc != 0 ] && [ -n "$_why" ]; then echo "$_why"
	else echo "inconsistent: status $_rc, said '$_why'"; fi
}

# --- the rule ------------------------------------------------------------------
is "$(rule 10000 10000 10000 0)" row "every write hit, delivered, none lost: the row"
is "$(rule 60000 60000 60000 0)" row "every call counted: the row"
is "$(rule 10000 8191 8191 0)" "not measured (8191 of 10000 handled, 0 lost)" \
	"bpftrace printf at 8,191 of 10,000: not measured"
is "$(rule 10000 10007 10007 0)" "not measured (10007 of 10000 handled, 0 lost)" \
	"more than were made (arm64 bpftrace count, 10,007): not measured"
is "$(rule 20000 20000 17183 2817)" "not measured (17183 of 20000 handled, 2817 lost, 20000 hits)" \
	"lost events: not measured, hits said"
is "$(rule 10000 10000 10000 1)" "not measured (10000 of 10000 handled, 1 lost)" \
	"one lost is enough"
is "$(rule 10000 10000 9999 0)" "not measured (9999 of 10000 handled, 0 lost, 10000 hits)" \
	"hit but not written out: not measured"
is "$(rule 0 0 0 0)" "not measured (0 of 0 handled, 0 lost)" "0/0/0 (nothing made, nothing seen): not measured"
is "$(rule 10000 0 0 0)" "not measured (0 of 10000 handled, 0 lost)" "a watcher that saw nothing: not measured"
is "$(rule "" 10000 10000 0)" "not measured (a count is missing: made '', hits '10000', delivered '10000', lost '0')" \
	"no count of the writes made: not measured"
is "$(rule 10000 10000 ? 0)" "not measured (a count is missing: made '10000', hits '10000', delivered '?', lost '0')" \
	"a count that is not a number: not measured"
is "$(rule 10000 10000 10000 -1)" "not measured (a count is missing: made '10000', hits '10000', delivered '10000', lost '-1')" \
	"a negative count: not measured"
is "$(rule 010000 10000 10000 00)" row "leading zeros are the same number"
is "$(rule 18446744073709551615 18446744073709551615 18446744073709551615 0)" row \
	"64-bit counts compared as they are (no shell arithmetic)"

# --- counts from the tools' outputs ----------------------------------------------
printf '%s\n' 'wpwatch watch: tracing writes to wpw_test_target' \
	'wpwatch watch: 20000 hits, 17183 delivered, 2817 lost (ring buffer full 2817, stack map could not store the stack 0, counts map full 0: --ringbuf-size, --max-stacks), 0 retraps' >$T/err
is "$(wpw_hits $T/err) $(wpw_lost $T/err)" "20000 2817" "wpwatch's stderr: hits and lost"
printf '%s\n' 'wpwatch watch: 10000 hits, 10000 counted in the kernel, 0 lost, 0 retraps' >$T/err
is "$(wpw_hits $T/err) $(wpw_lost $T/err)" "10000 0" "wpwatch's stderr, counting: hits and lost"
: >$T/err
is "$(rule 10000 "$(wpw_hits $T/err)" 10000 "$(wpw_lost $T/err)")" \
	"not measured (a count is missing: made '10000', hits '', delivered '10000', lost '')" \
	"no summary line from wpwatch: not measured"

{	# two text events, one with a stack
	printf '12.000000001 sh 10/10 [000] wpw_test_target ffffffffc0001000: 0x0 -> 0x1\n'
	printf '\tffffffffc0000010 wpw_test_write_one [wpw_testwriter]\n\t00007f0000000010 write (libc.so.6)\n\n'
	printf '12.000000002 sh 10/10 [000] irq wpw_test_target ffffffffc0001000: 0x1 -> 0x2\n\n'
} >$T/text
is "$(wpw_printed $T/text)" 2 "text events counted by their header lines"
is "$(wpw_printed $T/text --no-stack)" 2 "text, --no-stack"
{
	printf '{"type":"write","time_ns":1,"stack":[{"addr":"ff","sym":"a"}]}\n'
	printf '{"type":"write","time_ns":2}\n'
	printf '{"type":"summary","hits":2,"delivered":2,"lost":0}\n'
} >$T/json
is "$(wpw_printed $T/json -f json)" 2 "JSON: the write lines, not the summary"
is "$(wpw_printed $T/json -f json -s)" 2 "JSON with -s: still the events"
printf 'sh;write;wpw_test_write_one 7\ndd;write;wpw_test_write_one [moved] 5\n' >$T/folded
is "$(wpw_printed $T/folded -f folded)" 12 "folded: the sum of the counts"
printf '@[\n\twpw_test_write_one [wpw_testwriter]\n\tksys_write\n]: 6\n\n@[\n\tother\n]: 4\n\nhits 10, counted 10, lost 0, filtered 0, retraps 0\n' >$T/summ
is "$(wpw_printed $T/summ -s --no-ustack)" 10 "-s (text): the sum of the counts"

printf 'Attaching 1 probe...\n\n\n@[\n        wpw_test_write_one+5\n        write_write+80\n]: 9995\n@[\n        x+1\n]: 5\n\n' >$T/btc
is "$(bt_map_sum $T/btc)" 10000 "bpftrace count map: the sum of its values"
{
	printf 'Attaching 1 probe...\n'
	for i in 1 2 3; do printf '\n        wpw_test_write_one+5\n        write_write+80\n\n'; done
	printf '\n        el1h_64_sync_handler+1\n\n'	# a stack that does not name the writer
	printf 'Lost 12 events\n'
} >$T/btp
is "$(bt_stacks $T/btp)" 4 "bpftrace printf: one per printed stack, whatever it names"
printf 'Lost 3 events\n' >$T/bte
is "$(bt_lost $T/btp $T/bte)" 15 "bpftrace: Lost N events, summed over stdout and stderr"
is "$(bt_lost $T/none)" 0 "bpftrace: no file, nothing said lost"
{
	printf 'wpw_bench_watch   345 [000]    12.345678:          1 mem:0xffffffffc0a01200/8:w: \n'
	printf '\tffffffffc0a00010 wpw_test_write_one+0x10 ([wpw_testwriter])\n\tffffffff81000000 ksys_write+0x1 ([kernel.kallsyms])\n\n'
	printf 'wpw_bench_watch   345 [000]    12.345679:          1 mem:0xffffffffc0a01200/8:w: \n'
	printf '\tffffffffc0a00010 wpw_test_write_one+0x10 ([wpw_testwriter])\n\n'
	printf '            perf     0 [000]     0.000000: PERF_RECORD_LOST lost 7\n'
	printf 'LOST 2 events!\n'
} >$T/perf
is "$(perf_samples $T/perf)" 2 "perf script: one per sample header"
is "$(perf_lost $T/perf)" 9 "perf script: the LOST records' counts"

# wpwatch lat (tests/bench/lat.sh): its text table and not-timed lines, its JSON report and events
{
	printf '\nRe-randomizable calls (body: add_pause_list return -> remove_pause_list)\n'
	printf 'count 60000  avg 1.2us  stddev 0  min 1  max 9  (ns)\n\n'
	printf '%-18s %8s %11s\n' FUNCTION CALLS TOTAL
	printf '%-18s %8s %11s\n' wpw_lb_add 59990 123456
	printf '\nnot timed: 3 calls already running at attach, 4 nested deeper than 16,\n  1 for want of map space, 2 and 0 whose remove/return probe was missed\n'
} >$T/lat.out
is "$(lat_calls $T/lat.out wpw_lb_add) $(lat_untimed $T/lat.out)" "59990 10" \
	"lat text: calls timed, and the not-timed ones summed (not the depth limit)"
is "$(rule 60000 59990 59990 10)" "not measured (59990 of 60000 handled, 10 lost)" "lat text: not measured"
printf 'FUNCTION CALLS\nwpw_lb_add 60000\n' >$T/lat2.out
is "$(lat_untimed $T/lat2.out)" 0 "lat text: no not-timed line, none untimed"
{
	printf '{"type":"event","ts":1,"timestamp":"x","kind":"body","name":"wpw_lb_add","ns":5,"tid":1,"pid":1,"depth":0,"comm":"sh"}\n'
	printf '{"type":"event","ts":2,"timestamp":"x","kind":"wait","name":"wpw_lb_add","ns":5,"tid":1,"pid":1,"depth":0,"comm":"sh"}\n'
	printf '{"type":"event","ts":3,"timestamp":"x","kind":"body","name":"wpw_lb_add","ns":5,"tid":1,"pid":1,"depth":0,"comm":"sh"}\n'
	printf '{"type":"report","time":1,"timestamp":"x","secs":1.000,"unit":"ns","probe":"tracepoint","calls":{"count":60000,"total":1.000},"functions":[{"name":"wpw_lb_add","count":60000,"total":1.000}],"wait":{"count":0},"passes":{"per_sec":0.000,"failed":0,"moved":0,"count":0,"steps":[]},"untimed":{"unmatched":0,"too_deep":0,"nomem":0,"stale":0,"noret":1},"events":{"hits":120000,"delivered":31123,"lost":88877}}\n'
} >$T/lat.json
is "$(lat_calls $T/lat.json wpw_lb_add) $(lat_untimed $T/lat.json)" "60000 1" "lat JSON: calls timed and untimed, from the last report"
is "$(lat_events $T/lat.json wpw_lb_add)" "120000 88877 2" "lat --events: hits, lost, and the body events printed"
is "$(rule 60000 60000 2 88878)" "not measured (2 of 60000 handled, 88878 lost, 60000 hits)" "lat --events with events lost: not measured"
printf '@ns:\n[256, 512)          59000 |@@@@@@@@@@|\n[512, 1K)             1000 |@         |\n' >$T/bt.out
is "$(bt_count $T/bt.out)" 60000 "bpftrace hist: its buckets summed"

# --- the watch bench's tables --------------------------------------------------
O=$T arch=x86_64 N=2000 ROUNDS=2 writes=10000 base=19 tools="6.1.0-57-amd64, bpftrace v0.17.0, perf 6.1"
modes="bpftrace-count|bpftrace count
bpftrace-printf|bpftrace printf
perf|perf
wpwatch_-s|\`wpwatch watch -s\`
wpwatch_-s_--no-ustack|\`wpwatch watch -s --no-ustack\`
wpwatch_-f_folded|\`wpwatch watch -f folded\`
wpwatch|\`wpwatch watch\`
wpwatch_-f_json|\`wpwatch watch -f json\`
wpwatch_--no-stack|\`wpwatch watch --no-stack\`"
names=$(printf '%s\n' "$modes" | cut -d'|' -f1)
floor_k=493 floor_why= floor_n=10000
# two rounds of every row, all handled but bpftrace printf (8,191 of 10,000
# in both rounds) and wpwatch -f json (one round lost 5)
for r in 1 2; do
	echo "bpftrace-count 4646 5 10000/10000/0 10000"
	echo "bpftrace-printf 4696 71736 8191/8191/0 10000"
	echo "perf 4943 95994 10000/10000/0 10000"
	echo "wpwatch_-s 5462 11 10000/10000/0 10000"
	echo "wpwatch_-s_--no-ustack 4620 11 10000/10000/0 10000"
	echo "wpwatch_-f_folded 5675 10 10000/10000/0 10000"
	echo "wpwatch 6156 4878 10000/10000/0 10000"
	echo "wpwatch_--no-stack 2120 2427 10000/10000/0 10000"
done >$T/results
echo "wpwatch_-f_json 6139 14134 10000/10000/0 10000" >>$T/results
echo "wpwatch_-f_json 6100 14000 10000/9995/5 10000" >>$T/results
watch_cost_table >$T/table
row() { grep -F "| $1 |" $T/table; }
is "$(row "bpftrace printf")" "| bpftrace printf | not measured (8191 of 10000 handled, 0 lost) | - | - | - | - | - | 8191/8191/0 |" \
	"cost table: bpftrace printf at 8,191 of 10,000 is not measured, no cost"
is "$(row "bpftrace count")" "| bpftrace count | 4646 | 5 | 4651 | 9.43 | 1.00 | 0.0 % | 10000/10000/0 |" \
	"cost table: a row with every write handled keeps its cost"
is "$(row "\`wpwatch watch -f json\`")" "| \`wpwatch watch -f json\` | not measured (9995 of 10000 handled, 5 lost, 10000 hits) | - | - | - | - | - | 10000/9995/5 |" \
	"cost table: one round that lost events and the row is not measured (though its other round was the cheaper)"
is "$(grep -c 'not measured' $T/table)" 2 "cost table: those two rows only"
is "$(grep -F '(the floor)' $T/table)" "| counting breakpoint, no handler (the floor) | 493 | 0 | 493 | 1.00 | 0.11 | - | 10000/10000/0 |" \
	"cost table: the floor, measured"
# paced: 0/0/0 and lost events are no "0 lost" rate; hits must be the writes made
: >$T/paced
watch_paced_row "-f json" 20000 20001 20000 20000 20000 0 >$T/prow
watch_paced_row "-f json" 50000 49528 20000 20000 17183 2817 >>$T/prow
watch_paced_row "-s" 20000 20001 0 0 0 0 >>$T/prow
watch_paced_row "-s" 50000 50001 20000 19000 19000 0 >>$T/prow
watch_paced_row "--no-stack" 200000 133158 20000 20000 20000 0 >>$T/prow
is "$(sed -n 4p $T/prow)" "| \`wpwatch watch -s\` | 50000 | 50001 | 19000/19000/0 (20000 writes made) |" \
	"paced row: hits short of the writes made are said"
watch_paced_best >$T/pbest
is "$(grep -F 'watch -f json`' $T/pbest)" "- \`wpwatch watch -f json\`: highest achieved rate with 0 lost: 20001 writes/s (guest time)" \
	"paced: the rate with every write handled, not the one that lost 2,817"
is "$(grep -F 'watch -s`' $T/pbest)" "- \`wpwatch watch -s\`: highest achieved rate with 0 lost: not measured (no rate with every write handled)" \
	"paced: 0/0/0 and 19,000 of 20,000 give no '0 lost' rate"
watch_targets >$T/targets
tgt() { grep -F "| $1" $T/targets; }
is "$(tgt "\`-s\` at most")" "| \`-s\` at most 0.8x bpftrace count | 1.18x | no |" "targets: a measured target keeps its ratio"
is "$(tgt "streaming \`-f json\`")" "| streaming \`-f json\`, kernel and user stacks, at most 2x bpftrace count | - | not measured (wpwatch_-f_json: 9995 of 10000 handled, 5 lost, 10000 hits) |" \
	"targets: one that rests on a row not measured is not measured"
is "$(tgt "200,000 paced")" "| 200,000 paced writes/s with 0 lost, default ring buffer | 133158 (\`--no-stack\`) | no |" \
	"targets: the paced rate from the handled rates only"
is "$(watch_ours_measured; echo "status $?")" "bench: wpwatch_-f_json: not measured (9995 of 10000 handled, 5 lost, 10000 hits)
status 1" "a wpwatch row not measured fails the bench (bpftrace's does not)"
# the floor miscounts, bpftrace count lost events: whatever rests on them is not measured
floor_k=- floor_why="not measured (9990 of 10000 handled, 0 lost)"
sed -i 's|^bpftrace-count 4646 5 10000/10000/0|bpftrace-count 4646 5 10007/10007/0|' $T/results
watch_cost_table >$T/table
is "$(grep -F '(the floor)' $T/table)" "| counting breakpoint, no handler (the floor) | not measured (9990 of 10000 handled, 0 lost) | - | - | - | - | - | - |" \
	"a floor breakpoint that miscounts: its row is not measured"
is "$(row "\`wpwatch watch -s\`")" "| \`wpwatch watch -s\` | 5462 | 11 | 5473 | - | - | 0.0 % | 10000/10000/0 |" \
	"rows measured keep their cost, without ratios to rows not measured"
watch_targets >$T/targets
is "$(tgt "\`--no-stack\` at most")" "| \`--no-stack\` at most 2x the floor | - | not measured (floor: 9990 of 10000 handled, 0 lost) |" \
	"targets: against a floor not measured, not measured"
is "$(tgt "\`-s\` at most")" "| \`-s\` at most 0.8x bpftrace count | - | not measured (bpftrace-count: 10007 of 10000 handled, 0 lost) |" \
	"targets: against a bpftrace count not measured, not measured"
exit $fail
