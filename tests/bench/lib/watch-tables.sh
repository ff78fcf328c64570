# tests/bench/lib/watch-tables.sh: the tables of tests/bench/watch.sh, printed
# from what it measured, kept apart so that tests/bench/lib/test-handled.sh
# can feed them canned results on the host. Needs tests/bench/lib/handled.sh
# (the rule: a row not measured prints why, never a cost) and these, set by
# the bench:
#   O        folder of the files: results ("NAME kernel consumer h/d/l made",
#            a line per watcher and round), paced ("ARGS|achieved|yes or no")
#   modes    "NAME|label" lines, the rows in order; names: the NAMEs
#   arch N ROUNDS writes base tools: the header's facts
#   floor_k  the floor's cost, "-" when not measured; floor_why: why not;
#   floor_n  what the floor's breakpoint counted

fmt() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
# ratio A B: A / B, or "-" when either is not a figure (a row not measured)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
# best NAME: "kernel consumer hdl total spread%" of the round with the lowest total
best() {
	awk -v n="$1" '$1 == n { t = $2 + $3; if (!seen || t < bt) { bt = t; b = $0 }
		if (!seen || t > wt) wt = t; seen = 1 }
		END { split(b, f, " "); printf "%s %s %s %.0f %.1f\n", f[2], f[3], f[4], bt,
			(bt > 0 ? (wt - bt) * 100 / bt : 0) }' "$O/results"
}
# verdict NAME: nothing when every round of NAME handled every write made,
# else the first failing round's "not measured (...)"
verdict() {
	awk -v n="$1" '$1 == n { split($4, c, "/"); print $5, c[1], c[2], c[3]; seen = 1 }
		END { if (!seen) print "? ? ? ?" }' "$O/results" |
		while read -r _w _h _d _l; do
			handled "$_w" "$_h" "$_d" "$_l" || break
		done
}
# total ROW: the best round's total of a row of the first table; "-" when
# the row is not measured
total() { if [ -n "$(verdict "$1")" ]; then echo -; else best "$1" | cut -d' ' -f4; fi; }

# the first table: every watcher's cost per write
watch_cost_table() {
	bc_total=$(total bpftrace-count)
	echo "#### $arch: cost of one watched 8-byte write, side by side (guest instructions)"
	echo
	echo "$tools;"
	echo "$writes writes (5 runs of $N in one system call), $ROUNDS interleaved rounds; each row is"
	echo "its round with the lowest total (\"spread\": how much higher its other rounds were);"
	echo "output to a file on tmpfs; streaming wpwatch rows with a 64 MiB ring buffer."
	echo
	echo "| watcher | kernel | consumer | total | x floor | x bpftrace count | spread | hits/delivered/lost |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	echo "| unwatched loop (subtracted from every row) | $(fmt "$base") | - | - | - | - | - | - |"
	if [ "$floor_k" = - ]; then
		echo "| counting breakpoint, no handler (the floor) | $floor_why | - | - | - | - | - | - |"
	else
		echo "| counting breakpoint, no handler (the floor) | $floor_k | 0 | $floor_k | 1.00 | $(ratio "$floor_k" "$bc_total") | - | $floor_n/$floor_n/0 |"
	fi
	printf '%s\n' "$modes" | while IFS='|' read -r _m _what; do
		# shellcheck disable=SC2046
		set -- $(best "$_m")
		_why=$(verdict "$_m")
		# printf, not echo: dash's echo would turn the label's \n into a line break
		if [ -n "$_why" ]; then
			printf '| %s | %s | - | - | - | - | - | %s |\n' "$_what" "$_why" "$3"
		else
			printf '| %s | %s | %s | %s | %s | %s | %s %% | %s |\n' "$_what" "$1" "$2" "$4" \
				"$(ratio "$4" "$floor_k")" "$(ratio "$4" "$bc_total")" "$5" "$3"
		fi
	done
	echo
}

# watch_paced_row ARGS RATE ACHIEVED MADE HITS DELIVERED LOST: one row of the
# paced table; appends "ARGS|ACHIEVED|yes" to $O/paced when every write made
# was handled (hits = delivered = made, 0 lost), "no" otherwise
watch_paced_row() {
	_ok=yes
	handled "$4" "$5" "$6" "$7" >/dev/null || _ok=no
	_seen=
	[ "$5" = "$4" ] || _seen=" ($4 writes made)"
	echo "| \`wpwatch watch $1\` | $2 | $3 | ${5:-?}/${6:-?}/${7:-?}$_seen |"
	echo "$1|$3|$_ok" >>"$O/paced"
}
# after the paced table: per watcher, in the order measured, its highest
# achieved rate with every write handled; "ARGS|rate or -" in $O/paced-best
watch_paced_best() {
	awk -F'|' '$3 == "yes" && (!($1 in best) || $2 + 0 > best[$1] + 0) { best[$1] = $2 }
		{ seen[$1] = 1; if (!($1 in order)) order[$1] = NR }
		END { for (m in seen) printf "%d|%s|%s\n", order[m], m, (m in best ? best[m] : "-") }' "$O/paced" |
		sort -n | cut -d'|' -f2- >"$O/paced-best"
	while IFS='|' read -r _m _b; do
		if [ "$_b" = - ]; then
			echo "- \`wpwatch watch $_m\`: highest achieved rate with 0 lost: not measured (no rate with every write handled)"
		else
			echo "- \`wpwatch watch $_m\`: highest achieved rate with 0 lost: $_b writes/s (guest time)"
		fi
	done <"$O/paced-best"
	echo
}

# target WHAT VALUE LIMIT ROW...: one row, "yes" when VALUE <= LIMIT; "not
# measured" (and why) when a ROW it rests on ("floor" for the floor) is
target() {
	_w=$1 _v=$2 _lim=$3
	shift 3
	for _r in "$@"; do
		if [ "$_r" = floor ]; then _why=$floor_why; else _why=$(verdict "$_r"); fi
		[ -n "$_why" ] && { printf '| %s | - | not measured (%s: %s |\n' "$_w" "$_r" "${_why#not measured (}"; return; }
	done
	awk -v w="$_w" -v v="$_v" -v l="$_lim" 'BEGIN { if (v == "-") { printf "| %s | - | no (no figure) |\n", w; exit }
		printf "| %s | %.2fx | %s |\n", w, v, (v <= l ? "yes" : "no") }'
}
# the targets of issue 14, computed from the rows above
watch_targets() {
	bc_total=$(total bpftrace-count)
	echo "#### $arch: against issue 14's targets (ratios of the rows above)"
	echo
	echo "| target | measured | held? |"
	echo "|---|---:|---|"
	for _t in "wpwatch_-s|-s" "wpwatch_-s_--no-ustack|-s --no-ustack" "wpwatch_-f_folded|-f folded"; do
		target "\`${_t#*|}\` at most 0.8x bpftrace count" "$(ratio "$(total "${_t%%|*}")" "$bc_total")" 0.8 \
			"${_t%%|*}" bpftrace-count
	done
	for _t in "wpwatch_-f_json|-f json" "wpwatch|text"; do
		target "streaming \`${_t#*|}\`, kernel and user stacks, at most 2x bpftrace count" \
			"$(ratio "$(total "${_t%%|*}")" "$bc_total")" 2 "${_t%%|*}" bpftrace-count
	done
	target "\`--no-stack\` at most 2x the floor" "$(ratio "$(total wpwatch_--no-stack)" "$floor_k")" 2 \
		wpwatch_--no-stack floor
	awk -F'|' '$2 != "-" && $2 + 0 > b + 0 { b = $2; bm = $1 }
		END { w = "200,000 paced writes/s with 0 lost, default ring buffer"
			if (bm == "") printf "| %s | - | not measured (no paced rate with every write handled and 0 lost) |\n", w
			else printf "| %s | %d (`%s`) | %s |\n", w, b, bm, (b >= 200000 ? "yes" : "no") }' "$O/paced-best"
}
# watch_ours_measured: status 1 (and why, a line each) when a wpwatch row of
# the first table is not measured: wpwatch must handle every write it is given
watch_ours_measured() {
	_rc=0
	for _m in $names; do
		case $_m in wpwatch*) ;; *) continue ;; esac
		_why=$(verdict "$_m") && [ -z "$_why" ] && continue
		echo "bench: $_m: $_why"
		_rc=1
	done
	return $_rc
}
