#!/bin/sh
# Benchmark (not a test): does serving Prometheus cost wpwatch watch events?
#   BENCH=prom scripts/bench.sh x86_64     (one guest, -icount, one vCPU)
# A flood of W writes (one dd, as fast as the kernel writes) into the ring
# buffer (RB bytes, default 1 MiB): the consumer keeps up or loses events,
# three ways:
# without --prometheus; with it and nobody scraping; with it and S clients
# fetching /metrics in a loop (busybox wget, over loopback) the whole time.
# Prints a markdown table: hits, delivered, lost (the kernel side's counters
# and the consumer's), and the scrapes answered. With one vCPU the scrapers
# also take CPU from the consumer: that share is the honest cost of being
# scraped on a busy machine, the lock itself is held for a memcpy only.
TW=/sys/kernel/debug/wpw_testwriter
W=${W:-5000}
S=${S:-4}
RB=${RB:-1048576}	# the default ring buffer
PORT=9464
modprobe wpw_testwriter || exit 1
ip link set lo up 2>/dev/null

one() {	# one LABEL SCRAPERS ARGS...
	label=$1 scrapers=$2
	shift 2
	: >/tmp/bp.err
	wpwatch watch -f json --ringbuf-size $RB "$@" wpw_test_target >/tmp/bp.out 2>/tmp/bp.err &
	wp=$!
	while ! grep -q 'tracing writes' /tmp/bp.err 2>/dev/null; do
		kill -0 $wp 2>/dev/null || { cat /tmp/bp.err >&2; exit 1; }
		sleep 0.1
	done
	: >/tmp/bp.scrapes
	i=0 sp=
	while [ $i -lt "$scrapers" ]; do
		(while :; do
			if wget -q -O /dev/null "http://127.0.0.1:$PORT/metrics"; then
				echo >>/tmp/bp.scrapes
			else
				sleep 0.1
			fi
		done) 2>/dev/null &
		sp="$sp $!"
		i=$((i + 1))
	done
	sleep 1
	echo "0 1 $W" >$TW/write
	sleep 1
	for p in $sp; do kill $p; done
	kill -INT $wp
	wait $wp
	sed -n 's/.*"hits":\([0-9]*\),"delivered":\([0-9]*\),"lost":\([0-9]*\).*/\1 \2 \3/p' \
		/tmp/bp.out | { read -r h d l
		echo "| $label | $h | $d | $l | $(wc -l </tmp/bp.scrapes) |"; }
}

echo "| $W writes, $RB-byte ring buffer | hits | delivered | lost | scrapes answered |"
echo "|---|---|---|---|---|"
one "no --prometheus" 0
one "--prometheus, no scraper" 0 --prometheus $PORT
one "--prometheus, $S clients scraping in a loop" "$S" --prometheus $PORT
