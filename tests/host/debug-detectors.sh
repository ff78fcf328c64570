#!/bin/bash
# The debug kernel's detectors fail a run (tests/vm/run's status 125) when
# our code trips them, each shown to fire: KASAN (a write past a slab
# object), lockdep (two locks taken in both orders) and kmemleak (256 bytes
# forgotten at insmod, reported by the runner's scans after the command),
# made on purpose by tests/kmod's wpw_crash.ko; and the same module loaded
# quietly leaves the run at 0 (no report from boot or from our scans).
# Runs in the x86_64:debug lane of tests/check, once its kernel is there.
# lane: x86_64:debug
# weight: 4
# tests: 7
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib.bash"
trap 'rm -f "$runlog"' EXIT
crash=/opt/wpwatch/kmod/wpw_crash.ko
dbg=(--arch x86_64 --kernel debug --no-build --mem 1024 --timeout 600)

expect_run 0 "debug: loading wpw_crash quietly leaves the run at 0 (no detector fires)" -- \
	"${dbg[@]}" -- insmod $crash action=none
expect_run 125 "debug: a write past a slab object fails the run (KASAN)" -- \
	"${dbg[@]}" -- insmod $crash action=kasan
expect_log "BUG: KASAN: slab-out-of-bounds in wpw_crash" "debug: the runner shows KASAN's report, naming the writer"
expect_run 125 "debug: two mutexes taken in both orders fail the run (lockdep)" -- \
	"${dbg[@]}" -- insmod $crash action=lockdep
expect_log "possible circular locking dependency" "debug: the runner shows lockdep's report"
expect_run 125 "debug: 256 bytes leaked at insmod fail the run (kmemleak)" -- \
	"${dbg[@]}" -- insmod $crash action=leak
expect_log "unreferenced object .*\(size 256\)" "debug: the runner shows kmemleak's report of the 256 bytes"
tap_end
