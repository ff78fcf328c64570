#!/bin/bash
# The benches' one rule for printing a row (tests/bench/lib/handled.sh: hits
# = delivered = the writes or calls made, lost 0, each from its own source;
# otherwise "not measured") and the watch bench's tables that obey it,
# checked on the host with canned counts and tool outputs, under dash (the
# guests' shell family): make check proves the rule that make bench applies.
# tests: 52
exec sh "$(dirname "$0")/../bench/lib/test-handled.sh"
