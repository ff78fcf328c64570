#!/bin/bash
# Kernel coding style: every C source and header of a kernel module (kmod/,
# samples/, tests/kmod/) passes the kernel's own checkpatch.pl (from
# linux-source-6.1) with no error or warning.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 3
cp=$(scripts/checkpatch.sh) || { echo "Bail out! cannot fetch checkpatch.pl"; exit 1; }
mapfile -t files < <(find kmod samples tests/kmod -name '*.[ch]' | sort)
# the plan first: one check per file found (tests/check compares)
echo "1..${#files[@]}"
n=0 failed=0
for f in "${files[@]}"; do
	n=$((n + 1))
	out=$(perl "$cp" --no-tree --quiet --show-types -f "$f" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - checkpatch $f"
	else
		echo "not ok $n - checkpatch $f"
		printf '%s\n' "$out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
