# shellcheck shell=bash
# What the bash host tests share (sourced, after they set $top; named
# .bash so that tests/check, which runs tests/host/*.sh, does not run it):
# TAP lines counted as they go, their end (plan, totals, status), and
# rrmeta built for the host into a scratch folder.
n=0 fail=0
tap() {	# STATUS DESC
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}
tap_end() {	# the plan and the totals; the status: 0 when nothing failed
	echo "1..$n"
	echo "$((n - fail)) passed, $fail failed"
	[ "$fail" -eq 0 ]
}
build_rrmeta() {	# OUT (absolute): tools/rrmeta by its one rule, or bail out
	make -s -C "$top/tools/rrmeta" OUT="$1" >/dev/null ||
		{ echo "Bail out! cannot build rrmeta"; exit 2; }
}
# The guest runner's verdicts (tests/vm/run): its exit status and what it
# printed, kept in $runlog for expect_log (the caller removes it).
runlog=
expect_run() {	# WANT_STATUS DESC -- RUNNER_ARGS...
	local want=$1 desc=$2 got
	shift 3
	[ -n "$runlog" ] || runlog=$(mktemp)
	"$top/tests/vm/run" "$@" >"$runlog" 2>&1
	got=$?
	[ "$got" = "$want" ]
	tap $? "$desc (status $got, want $want)"
	[ "$got" = "$want" ] || tail -n 15 "$runlog" | sed 's/^/#   /'
}
expect_log() {	# ERE DESC: the last run's output matches ERE
	grep -qE -- "$1" "$runlog"
	tap $? "$2"
	grep -qE -- "$1" "$runlog" || tail -n 15 "$runlog" | sed 's/^/#   /'
}
