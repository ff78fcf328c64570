# Shared helpers of the guest suites (busybox sh): TAP output.
# A suite sources this file, calls the checks, and ends with done_testing,
# which prints the plan and sets the exit status.
#
#   ok COND DESC...          pass when COND is 0 (an exit status)
#   run DESC -- CMD...       pass when CMD succeeds; its output is shown as diagnostics
#   is GOT WANT DESC...      pass when the two strings are equal
#   num_is GOT WANT DESC...  same, compared as integers
#   skip DESC REASON         a test that cannot run here, with the reason
#   diag TEXT...             a '# ' comment line
#   bail REASON              stop the suite ("Bail out!"), status 2
#   json_ok FILE DESC...     pass when FILE is not empty and every line is exactly
#                            one JSON object in valid UTF-8, parsed by gojq (Debian's
#                            package, not our code); else the first bad line is shown
#   jqf FILE FILTER [ARG...] gojq -r FILTER on each object of FILE (ARGs: more gojq
#                            options, e.g. -s, --arg K V); its status is gojq's
#   wait_ready PID FILE...   until a tracer started in the background (PID) prints its
#                            "Tracing" line into one of the FILEs (WAIT_READY_S, 120 s)
#   reps FULL SHORT          a loop's round count: SHORT on the debug lane in make
#                            check, FULL everywhere else (below)
#
# Header lines at the top of a suite file are read by tests/check:
#   # arches: x86_64 arm64      (default both)
#   # kernel: stock             (default stock; 'stock debug': the debug lane too, for
#                               suites that drive our kernel code)
#   # timeout: 300              (seconds, default 300)
#   # cpus: 2  /  # mem: 512    (guest size)
#   # cpu: MODEL                (QEMU -cpu model, e.g. max,pauth-impdef=on; optional)
#   # rootfs: debian            (run in the Debian-userspace guest, tests/vm/run --rootfs
#                               debian: Debian's dash is sh there)
#   # weight: N                 (make check runs the heaviest first; x2 on the debug
#                               kernel; default 1)
#   # check: full [LANE...]     (only in make check-full: on every lane, or on the
#                               lanes named; docs/testing.md, "make check-full")

_tap_n=0
_tap_fail=0
WPWATCH=${WPWATCH:-/opt/wpwatch}
ARCH=$(cat /etc/wpwatch/arch 2>/dev/null || uname -m)
KERNEL=$(cat /etc/wpwatch/kernel 2>/dev/null || echo stock)
# make check-full boots every guest with wpwatch.full=1 (tests/check --full).
# Without it, on the debug lane (KASAN, lockdep, kmemleak: guests 3 to 5
# times slower), a suite runs its repetitive loops with fewer rounds: every
# check still runs there, so the detectors see every code path, and the
# stock lanes run the full counts on both arches (docs/testing.md, "make
# check-full"). The round counts are in the checks' descriptions.
FULL=0
grep -qw 'wpwatch.full=1' /proc/cmdline 2>/dev/null && FULL=1
reps() { if [ "$KERNEL" = debug ] && [ "$FULL" = 0 ]; then echo "$2"; else echo "$1"; fi; }

diag() { echo "# $*"; }

ok() {
	_c=$1
	shift
	_tap_n=$((_tap_n + 1))
	if [ "$_c" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_fail=$((_tap_fail + 1))
	fi
	return "$_c"
}

run() {
	_d=$1
	shift
	[ "$1" = "--" ] && shift
	_out=$("$@" 2>&1)
	_c=$?
	[ -n "$_out" ] && printf '%s\n' "$_out" | sed 's/^/#   /'
	ok "$_c" "$_d"
}

# _verdict SAME GOT WANT DESC: one result; on a mismatch both values as diag
_verdict() {
	_same=$1 _got=$2 _want=$3
	shift 3
	if [ "$_same" -eq 1 ]; then
		ok 0 "$@"
		return 0
	fi
	ok 1 "$@"
	diag "  got:  '$_got'"
	diag "  want: '$_want'"
	return 1
}

is() {
	_s=0
	[ "$1" = "$2" ] && _s=1
	_verdict $_s "$@"
}

num_is() {
	_s=0
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" -eq "$2" ] 2>/dev/null && _s=1
	_verdict $_s "$@"
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

bail() {
	echo "Bail out! $*"
	exit 2
}

json_ok() {
	_f=$1
	shift
	if [ ! -s "$_f" ]; then
		ok 1 "$@"
		diag "  $_f is empty or missing"
		return 1
	fi
	# -R: each line is a string, parsed on its own (two objects on one line, or an
	# object split over two, fail); explode|implode maps invalid UTF-8 to U+FFFD,
	# so a line that changes is not valid UTF-8 (fromjson alone would accept it).
	_out=$(gojq -n -R -r '[inputs] | to_entries[] | (.key + 1) as $n | .value as $l |
		(try ($l | fromjson) catch ("line \($n): not JSON (\(.)): \($l[:160])\n" | halt_error(1))) |
		if type != "object" then "line \($n): a JSON \(type), not an object\n" | halt_error(1)
		elif ($l | explode | implode) != $l then "line \($n): not valid UTF-8\n" | halt_error(1)
		else empty end' "$_f" 2>&1)
	_c=$?
	ok "$_c" "$@" || diag "  $_f: $_out"
}

# wpwatch watch in the background, for suites that watch ($W: their scratch
# folder). start_watch NAME ARGS...: runs `wpwatch watch ARGS` with its
# output in $W/NAME.out and $W/NAME.err, its pid in $WPID; back once it says
# it is tracing (0), or 1 if it died or took 60 s. stop_watch NAME: SIGINT,
# then wait_watch NAME: its exit status (in $WRC) must be 0, which wpwatch
# gives only when hits = delivered + lost.
start_watch() {
	_n=$1
	shift
	wpwatch watch "$@" >$W/$_n.out 2>$W/$_n.err &
	WPID=$!
	_i=0
	while ! grep -q 'tracing writes' $W/$_n.err 2>/dev/null; do
		if ! kill -0 $WPID 2>/dev/null || [ $_i -gt 600 ]; then
			sed 's/^/#   /' $W/$_n.err
			return 1
		fi
		_i=$((_i + 1))
		sleep 0.1
	done
}
stop_watch() {
	kill -INT $WPID 2>/dev/null
	wait_watch "$1"
}
wait_watch() {
	wait $WPID
	WRC=$?
	num_is "$WRC" 0 "$1: wpwatch exits 0 (hits = delivered + lost)" || sed 's/^/#   /' "$W/$1.err"
}

# A tracer in the background (wpwatch lat, bpftrace): wait_ready PID FILE...
# waits for its "Tracing" banner in any FILE; 1 if it died first or took
# longer than WAIT_READY_S seconds (default 120: loading BPF under TCG is
# slow). Also sourced by tests/bench/ (they set WAIT_READY_S for -icount).
wait_ready() {
	_pid=$1 _i=0
	shift
	while ! cat "$@" 2>/dev/null | grep -q '^Tracing'; do
		_i=$((_i + 1))
		[ $_i -gt $((${WAIT_READY_S:-120} * 10)) ] && return 1
		kill -0 "$_pid" 2>/dev/null || return 1
		sleep 0.1
	done
}

jqf() {
	_f=$1 _q=$2
	shift 2
	gojq -r "$@" -- "$_q" "$_f"
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_fail" -eq 0 ]
}
