#!/bin/bash
# wpwatch lat's refusals that need no guest (TAP): bad options exit 2 with
# their message, and on a kernel that cannot load the re-randomization core
# (this build machine's own) it exits 6 saying so (docs/latency.md).
# tests: 7
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 3
make -s --no-print-directory build ARCH=x86_64 >/dev/null || { echo "Bail out! build failed"; exit 1; }
bin=.output/x86_64/bin/wpwatch
n=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# expect STATUS PATTERN DESC -- ARGS...
expect() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	"$bin" lat "$@" >/dev/null 2>"$out"
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$out"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (status $rc, want $want)"
		sed 's/^/#   /' "$out"
		failed=$((failed + 1))
	fi
}

expect 2 "--format takes text or json, not 'xml'" "--format xml: exit 2" -- --format xml
expect 2 "--interval takes a positive number of seconds, not '0'" "--interval 0: exit 2" -- -i 0
expect 2 "--pid takes a positive integer" "--pid abc: exit 2" -- -p abc
expect 2 "--probe takes auto, tracepoint, kprobe or fentry" "--probe bogus: exit 2" -- --probe bogus
expect 2 "--events needs --format json" "--events without json: exit 2" -- --events
if [ "$(id -u)" -eq 0 ] && ! grep -q ' add_pause_list' /proc/kallsyms; then
	expect 6 "the re-randomization core is not loaded" "no core here: exit 6" -- -d 1
else
	n=$((n + 1))
	echo "ok $n - no core: exit 6 # SKIP the core is loaded here (or not root)"
fi
# --version is the program's, whichever command parses it
n=$((n + 1))
v=$("$bin" lat --version 2>&1)
if [ "$v" = "$("$bin" --version 2>&1)" ] && [ "${v#wpwatch }" != "$v" ] && [ "${v#wpwatch watch}" = "$v" ]; then
	echo "ok $n - lat --version: '$v', the same as wpwatch --version"
else
	echo "not ok $n - lat --version: '$v'"
	failed=$((failed + 1))
fi
echo "1..$n"
[ "$failed" -eq 0 ]
