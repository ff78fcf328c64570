# tests/bench/lib/handled.sh: the rule every bench row obeys, and the counts
# it is given, read from each tool's own output. Sourced by tests/bench/*.sh
# (in the guest) and by tests/bench/lib/test-handled.sh (on the host); POSIX
# sh (dash, busybox), no bash. Not a bench: scripts/bench.sh runs only
# tests/bench/*.sh, not this folder.
#
# The rule (issue 24): a row's cost is printed only when the tool handled
# every write (or call) that was made, each number counted from its own
# source: MADE by the writer (wpw_testwriter's writes counter, the driver's
# calls), HITS by the tool's kernel side (or its map), DELIVERED from what the
# tool printed, LOST as the tool says. A tool that handled fewer writes than
# were made would divide its cost by writes it never paid for.

# handled MADE HITS DELIVERED LOST: status 0 and nothing printed when all four
# are whole numbers, MADE > 0, HITS = DELIVERED = MADE and LOST = 0; otherwise
# status 1 and the row's text on stdout:
#   not measured (DELIVERED of MADE handled, LOST lost[, HITS hits])
handled() {
	for _v in "$1" "$2" "$3" "$4"; do
		case $_v in
		'' | *[!0-9]*)
			echo "not measured (a count is missing: made '$1', hits '$2', delivered '$3', lost '$4')"
			return 1 ;;
		esac
	done
	# as strings without leading zeros: no arithmetic, so no overflow either
	_m=$(echo "$1" | sed 's/^0*\(.\)/\1/') _h=$(echo "$2" | sed 's/^0*\(.\)/\1/')
	_d=$(echo "$3" | sed 's/^0*\(.\)/\1/') _l=$(echo "$4" | sed 's/^0*\(.\)/\1/')
	[ "$_m" != 0 ] && [ "$_h" = "$_m" ] && [ "$_d" = "$_m" ] && [ "$_l" = 0 ] && return 0
	if [ "$_h" = "$_d" ]; then
		echo "not measured ($_d of $_m handled, $_l lost)"
	else
		echo "not measured ($_d of $_m handled, $_l lost, $_h hits)"
	fi
	return 1
}

# --- counts from the tools' own outputs ----------------------------------------
# wpw_hits ERR / wpw_lost ERR: from wpwatch watch's last line on stderr,
# "wpwatch watch: H hits, D delivered|counted in the kernel, L lost..."
wpw_hits() { sed -n 's/^wpwatch watch: \([0-9]*\) hits, .*/\1/p' "$1" | tail -n1; }
wpw_lost() { sed -n 's/^wpwatch watch: [0-9]* hits, [0-9]* [a-z ]*, \([0-9]*\) lost.*/\1/p' "$1" | tail -n1; }
# wpw_printed OUT ARGS...: what `wpwatch watch ARGS` wrote to OUT, counted
# there: its events (JSON "write" lines; text header lines, whose stack
# frames start with a tab), or for the counting modes (-s in text, -f folded)
# the sum of its counts
wpw_printed() {
	_o=$1
	shift
	_f=text _s=
	while [ $# -gt 0 ]; do
		case $1 in
		-f) _f=${2:-}; shift ;;
		-s) _s=1 ;;
		esac
		shift
	done
	case $_f,$_s in
	folded,*) awk 'NF { s += $NF } END { printf "%.0f\n", s }' "$_o" ;;
	json,*) grep -c '^{"type":"write"' "$_o" ;;
	text,1) awk -F': ' '/^\]: / { s += $2 } END { printf "%.0f\n", s }' "$_o" ;;
	*) grep -cE '^[0-9]+\.[0-9]{9} ' "$_o" ;;
	esac
}
# bt_map_sum FILE: the sum of a bpftrace count map's values ("]: N" lines)
bt_map_sum() { awk -F': ' '/^\]: / { s += $2 } END { printf "%.0f\n", s }' "$1"; }
# bt_count FILE: the calls in bpftrace's hist(): its buckets' counts, summed
bt_count() { awk '/^\[/ { for (i = 1; i < NF; i++) if ($i ~ /\)$/) { s += $(i + 1); break } }
	END { print s + 0 }' "$1"; }
# bt_stacks FILE: how many stacks bpftrace's printf("%s\n", kstack) printed:
# runs of frame lines (indented), whatever the frames name
bt_stacks() {
	awk '/^[ \t]+[^ \t]/ { if (!in_run) n++; in_run = 1; next } { in_run = 0 }
		END { print n + 0 }' "$1"
}
# bt_lost FILE...: the events bpftrace says it lost ("Lost N events")
bt_lost() {
	cat "$@" 2>/dev/null | sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}
# perf_samples FILE: the samples in `perf script` output: a header line (not
# indented) naming the mem: event, its call chain indented below it
perf_samples() { awk '/^[^ \t]/ && / mem:/ && !/LOST/ { n++ } END { print n + 0 }' "$1"; }
# perf_lost FILE: the events `perf script --show-lost-events` says were lost
# (PERF_RECORD_LOST lines: the number after "lost", or 1 a line without one)
perf_lost() {
	awk '/LOST/ { v = 1; for (i = 1; i < NF; i++) if (tolower($i) ~ /^lost:?$/ && $(i + 1) ~ /^[0-9]+$/) v = $(i + 1)
		s += v } END { printf "%.0f\n", s }' "$1"
}
# lat_calls FILE FUNCTION: the calls of FUNCTION that wpwatch lat timed, from
# its text table ("NAME CALLS ...") or its JSON report ({"name":..,"count":N)
lat_calls() {
	if grep -q '^{"type":"report"' "$1"; then
		grep '^{"type":"report"' "$1" | tail -n1 |
			sed -n "s/.*{\"name\":\"$2\",\"count\":\([0-9]*\).*/\1/p"
	else
		awk -v f="$2" '$1 == f { c = $2 } END { print c }' "$1"
	fi
}
# lat_untimed FILE: the calls wpwatch lat saw but did not time (running at
# attach, nested too deep, no map space, a missed remove or return probe),
# from its text ("not timed: ..." two lines) or its JSON report ("untimed")
lat_untimed() {
	if grep -q '^{"type":"report"' "$1"; then
		grep '^{"type":"report"' "$1" | tail -n1 | sed -n 's/.*"untimed":{\([^}]*\)}.*/\1/p' |
			tr ',' '\n' | awk -F: '{ s += $2 } END { printf "%.0f\n", s }'
	else
		awk '/^not timed: / { s += $3 + $9; getline; s += $1 + $7 + $9 } END { printf "%.0f\n", s }' "$1"
	fi
}
# lat_events FILE FUNCTION: "HITS LOST BODIES" of wpwatch lat --events: its
# report's event hits and lost, and the body events of FUNCTION it printed
lat_events() {
	_hl=$(grep '^{"type":"report"' "$1" | tail -n1 |
		sed -n 's/.*"events":{"hits":\([0-9]*\),"delivered":[0-9]*,"lost":\([0-9]*\)}.*/\1 \2/p')
	echo "${_hl:-? ?} $(grep '^{"type":"event"' "$1" | grep -c "\"kind\":\"body\",\"name\":\"$2\"")"
}
