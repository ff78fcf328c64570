#!/bin/bash
# Copy a benchmark's measured tables from make bench's output into its
# section of docs/performance.md, so that the figures there are the bench's
# own, never typed by hand. The bench prints each table between
#   <!-- NAME-bench ARCH -->  and  <!-- /NAME-bench ARCH -->
# and docs/performance.md holds the same marks where the tables go: what is
# between them is replaced by what the log has (marks missing from the log
# are left as they are, and said so).
#   scripts/bench-doc.sh NAME LOG...      e.g. scripts/bench-doc.sh watch bench-x86_64.log bench-arm64.log
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '8p' "$0" | sed 's/^# *//' >&2; exit 2; }
name=$1
shift
doc=docs/performance.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# the console's lines end with CR; the kernel may interleave its own lines
cat "$@" | tr -d '\r' >"$tmp.log"
trap 'rm -f "$tmp" "$tmp.log"' EXIT
for mark in $(grep -o "<!-- $name-bench [a-z0-9_]* -->" "$doc" | awk '{ print $3 }' | sort -u); do
	if ! grep -q "^<!-- $name-bench $mark -->" "$tmp.log"; then
		echo "bench-doc: no '$name-bench $mark' table in the logs: left as it was" >&2
		continue
	fi
	awk -v opn="<!-- $name-bench $mark -->" -v cls="<!-- /$name-bench $mark -->" -v logf="$tmp.log" '
		BEGIN {
			while ((getline l < logf) > 0) {
				if (l == opn) { keep = 1; body = ""; continue }
				if (l == cls) { keep = 0; continue }
				if (keep && l !~ /^\[ *[0-9]+\.[0-9]+\] /) body = body l "\n"
			}
		}
		$0 == opn { print; printf "%s", body; skip = 1; next }
		$0 == cls { skip = 0 }
		!skip { print }' "$doc" >"$tmp"
	cp "$tmp" "$doc"
	echo "bench-doc: $doc: $name-bench $mark updated" >&2
done
