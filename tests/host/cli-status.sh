#!/bin/bash
# The exit statuses of every wpwatch subcommand (the one table in
# docs/wpwatch.md) for what fails before anything is attached, on the host,
# no guest: bad options and values exit 2 (never argp's 64), --help and
# --usage exit 0 naming "wpwatch CMD", --version is the program's, and a
# process without privilege (nobody, no capabilities) exits 3 saying what
# it needs. TAP; ends with "N passed, N failed".
#   bash tests/host/cli-status.sh
# tests: 39
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 3
bin=$top/.output/x86_64/bin/wpwatch
make -s --no-print-directory -f build.mk ARCH=x86_64 user >/dev/null ||
	{ echo "Bail out! building wpwatch failed (make -f build.mk ARCH=x86_64 user)"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
chmod 755 "$out"
n=0 failed=0

# expect STATUS PATTERN DESC -- ARGS...: wpwatch ARGS exits STATUS, its output matches PATTERN
expect() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	"$bin" "$@" >"$out/log" 2>&1 </dev/null
	rc=$?
	report "$want" "$rc" "$pat" "$desc"
}

# the same, run as nobody with no capabilities at all
expect_nobody() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		--bounding-set=-all "$bin" "$@" >"$out/log" 2>&1 </dev/null
	rc=$?
	report "$want" "$rc" "$pat" "$desc"
}

report() {
	n=$((n + 1))
	if [ "$2" -eq "$1" ] && grep -q -- "$3" "$out/log"; then
		echo "ok $n - $4"
	else
		echo "not ok $n - $4 (status $2, want $1; output must match '$3')"
		sed 's/^/#   /' "$out/log" | head -5
		failed=$((failed + 1))
	fi
}

version=$("$bin" --version)
expect 0 "^wpwatch [0-9]" "wpwatch --version: 0" -- --version
expect 0 "^usage: wpwatch COMMAND" "wpwatch --help: 0" -- --help
expect 2 "^usage: wpwatch COMMAND" "wpwatch without a command: 2" --
expect 2 "unknown command 'bogus'" "wpwatch bogus: 2" -- bogus

for cmd in watch lat; do
	expect 0 "^Usage: wpwatch $cmd \[OPTION" "$cmd --help: 0, naming 'wpwatch $cmd'" -- $cmd --help
	expect 0 "^Usage: wpwatch $cmd " "$cmd --usage: 0" -- $cmd --usage
	expect 0 "^$version\$" "$cmd --version: the program's version" -- $cmd --version
	expect 2 "wpwatch $cmd: unrecognized option '--bogus'" "$cmd --bogus: 2, not 64" -- $cmd --bogus
	expect 2 "wpwatch $cmd: invalid option -- 'Z'" "$cmd -Z: 2" -- $cmd -Z
	expect 2 "option requires an argument" "$cmd -p without a value: 2" -- $cmd -p
	expect 2 "takes a positive integer" "$cmd -p abc: 2" -- $cmd -p abc jiffies
	expect 2 "takes a positive integer" "$cmd -t 0: 2" -- $cmd -t 0 jiffies
	expect 2 "takes a positive number of seconds" "$cmd -d 0: 2" -- $cmd -d 0 jiffies
	expect 2 "takes a positive integer" "$cmd -n -1: 2" -- $cmd -n -1 jiffies
done
expect 2 "no SPEC" "watch without a SPEC: 2" -- watch
expect 2 "format takes text, json or folded" "watch -f xml: 2" -- watch -f xml jiffies
expect 2 "longer than a task name" "watch -c with a 16-byte name: 2" -- watch -c 0123456789abcdef jiffies
expect 2 "must start with 0x" "watch 12345 (an address without 0x): 2" -- watch 12345
expect 2 "a field name must follow '->'" "watch 'vfs_write:file->' (an object SPEC's syntax): 2" -- watch 'vfs_write:file->'
expect 2 "one object SPEC per run" "watch two object SPECs: 2" -- watch 'f:a->b' 'g:c->d'
expect 2 "cannot share a run" "watch an object SPEC and a symbol: 2" -- watch 'f:a->b' jiffies
expect 2 "need an object SPEC" "watch --max-objects without one: 2" -- watch --max-objects 1 jiffies
expect 2 "--format takes text or json" "lat --format xml: 2" -- lat --format xml
expect 2 "--events needs --format json" "lat --events without json: 2" -- lat --events
expect 2 "invalid option -- 'c'" "lat -c (the count is -n; -c is watch's comm): 2" -- lat -c 5
expect 2 "--probe takes auto, tracepoint, kprobe or fentry" "lat --probe tp: 2" -- lat --probe tp

# without privilege: the check comes before anything touches the kernel
expect_nobody 3 "wpwatch watch: not enough privilege: needs root, or CAP_BPF and CAP_PERFMON" \
	"watch as nobody: 3" -- watch jiffies
expect_nobody 3 "wpwatch lat: not enough privilege: needs root, or CAP_BPF and CAP_PERFMON" \
	"lat as nobody: 3" -- lat -d 1
expect_nobody 2 "unrecognized option" "a bad option as nobody is still 2 (options first)" -- \
	lat --bogus

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
