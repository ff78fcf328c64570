#!/bin/bash
# wpwatch's metrics and JSON lines against the real thing (TAP), on x86_64 and
# arm64 at once: Debian's prometheus server on this host scrapes a guest
# through QEMU user-mode networking (restrict=on: the guest reaches nothing;
# one port forwarded to 127.0.0.1, tests/vm/run --forward).
#  - `wpwatch lat --prometheus` while the test driver runs 1 ms passes with
#    callers: Prometheus's histogram_quantile(0.99, ...) of the passes and of
#    every function agrees with wpwatch's own p99 of the same run within the
#    width of the bucket that holds the rank (docs/many-machines.md); the
#    passes counter equals wpwatch's count; rate() of passes is at most one a
#    period and near the rate the core itself counted in the guest.
#  - `wpwatch watch --prometheus --output FILE` while a writer writes N times,
#    the file renamed and SIGHUP sent half way: hits, delivered and the
#    stack counters stored in Prometheus equal N; the two files hold exactly
#    N write lines between them; stack labels carry names, no addresses.
#  - every JSON line of watch, lat (reports) and lat --events validates
#    against docs/schema/*.json with python3-jsonschema (Debian's).
# Data stops changing (no writes, no passes) before the host reads
# Prometheus; host and guest hand over through files in the --out folder.
# tests: 85
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 3
arches=${PROM_ARCHES:-x86_64 arm64}
GPORT=9464
for a in $arches; do
	make -s --no-print-directory build ARCH="$a" >/dev/null 2>&1 ||
		{ echo "Bail out! build for $a failed"; exit 1; }
done
command -v prometheus >/dev/null || { echo "Bail out! prometheus is missing: run make deps"; exit 1; }
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
	{ echo "Bail out! python3-jsonschema is missing: run make deps"; exit 1; }
tmp=$(mktemp -d /tmp/wpwatch-prom.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${PROM_KEEP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- what runs in the guest ---------------------------------------------------
mkdir -p "$tmp/share"
cat >"$tmp/share/guest.sh" <<'EOF'
# The guest's half: phases, each ending with data frozen and a file in
# /mnt/out; the host answers with NAME.done once it has read Prometheus.
O=/mnt/out
D=/sys/kernel/debug/rerandom
T=/sys/kernel/debug/rr_test_driver
TW=/sys/kernel/debug/wpw_testwriter
PORT=$1 N1=$2 N2=$3
fail() { echo "guest: $*" >"$O/error"; echo "guest: $*" >&2; exit 1; }
# wait_for FILE PATTERN SECS: PATTERN in FILE within SECS seconds
wait_for() {
	_i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -gt $(($3 * 10)) ] && return 1; sleep 0.1
	done
}
wait_host() {	# the host's NAME.done, at most 180 s
	_i=0
	until [ -e "$O/$1.done" ]; do
		_i=$((_i + 1)); [ $_i -gt 1800 ] && fail "no $1.done from the host"; sleep 0.1
	done
}
passes() { awk '$1 == "passes" { print $2 }' $D/stats; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

modprobe rr_test_driver || fail "modprobe rr_test_driver"
echo 0 >$D/period_ms
[ -w /sys/module/rerandom/parameters/selftest_period ] &&
	echo 0 >/sys/module/rerandom/parameters/selftest_period
echo 0 >$T/callers

# --- lat: 1 ms passes and a caller thread for a while, then still ------------------
wpwatch lat --prometheus 0.0.0.0:$PORT --format json --output /tmp/lat.json 2>/tmp/lat.err &
lat=$!
wait_for /tmp/lat.err '^Tracing' 300 || { cat /tmp/lat.err >&2; fail "wpwatch lat did not start"; }
echo 1 >$T/callers
echo 1 >$D/period_ms
echo "$(passes) $(uptime_s)" >$O/lat.start
touch $O/lat.running
# 12 s of passes: longer than rate()'s 8 s window below, so that some windows
# hold only the busy phase (a window wider than it averages in idle time)
sleep 12
echo 0 >$D/period_ms
echo 0 >$T/callers
echo "$(passes) $(uptime_s)" >$O/lat.end
sleep 1	# a pass or call under way ends, the next snapshot (0.5 s) has it all
touch $O/lat.frozen
wait_host lat
kill -INT $lat
wait $lat || fail "wpwatch lat exited $?: $(cat /tmp/lat.err)"
cp /tmp/lat.json /tmp/lat.err $O/

# --- lat --events: a short run, every line for the schema ---------------------
echo 10 >$D/period_ms
wpwatch lat -d 2 --format json --events --output /tmp/events.json 2>/tmp/events.err ||
	fail "wpwatch lat --events exited $?: $(cat /tmp/events.err)"
echo 0 >$D/period_ms
cp /tmp/events.json $O/

# --- watch: N1 writes, rename + SIGHUP, N2 writes, then still ------------------
modprobe wpw_testwriter || fail "modprobe wpw_testwriter"
wpwatch watch --prometheus 0.0.0.0:$PORT -f json --output /tmp/w.json wpw_test_target \
	2>/tmp/w.err &
w=$!
wait_for /tmp/w.err 'tracing writes' 300 || { cat /tmp/w.err >&2; fail "wpwatch watch did not start"; }
touch $O/watch.running
echo "0 100 $N1" >$TW/write
wait_for /tmp/w.json "\"value\":\"0x$(printf %x $((100 + N1 - 1)))\"" 60 ||
	fail "the first $N1 writes did not reach /tmp/w.json"
mv /tmp/w.json /tmp/w.json.1
kill -HUP $w
_i=0
until [ -e /tmp/w.json ]; do
	_i=$((_i + 1)); [ $_i -gt 300 ] && fail "no new /tmp/w.json after SIGHUP"; sleep 0.1
done
echo "0 1000 $N2" >$TW/write
sleep 1
touch $O/watch.frozen
wait_host watch
kill -INT $w
wait $w || fail "wpwatch watch exited $?: $(cat /tmp/w.err)"
cp /tmp/w.json.1 /tmp/w.json /tmp/w.err $O/

# --- watch a field of an object (vfs_write:file->f_pos, a writer slower than
# the arming window): the lines of docs/schema/watch.v2.json
wpwatch watch -f json --output /tmp/o.json -c dd 'vfs_write:file->f_pos' 2>/tmp/o.err &
o=$!
wait_for /tmp/o.err 'tracing writes' 300 || { cat /tmp/o.err >&2; fail "wpwatch watch (object SPEC) did not start"; }
( i=0; while [ $i -lt 20 ]; do head -c 512 /dev/zero; sleep 0.05; i=$((i + 1)); done ) |
	dd of=/tmp/o.dat bs=512 2>/dev/null
sleep 1
kill -INT $o
wait $o || fail "wpwatch watch (object SPEC) exited $?: $(cat /tmp/o.err)"
cp /tmp/o.json /tmp/o.err $O/
touch $O/guest.ok
EOF

# --- refusals that need no guest (this host cannot load the core) ------------
bin=.output/x86_64/bin/wpwatch
pre=()
# refuse STATUS PATTERN DESC -- ARGS...
refuse() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	"$bin" "$@" >/dev/null 2>"$tmp/refuse.err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$tmp/refuse.err"; then
		pre+=("ok - $desc")
	else
		pre+=("not ok - $desc (status $rc, want $want: $(head -c 300 "$tmp/refuse.err"))")
	fi
}
refuse 2 "'localhost' is not an IPv4 address" "lat --prometheus localhost:9464: exit 2, says why" \
	-- lat --prometheus localhost:9464
refuse 2 "the port must be a number from 0 to 65535" "watch --prometheus :99999: exit 2, says why" \
	-- watch --prometheus :99999 jiffies
refuse 2 "--prometheus-top" "watch --prometheus-top 1001: exit 2" \
	-- watch --prometheus 9464 --prometheus-top 1001 jiffies
refuse 1 "--output $tmp/no/such/dir/x.json: No such file or directory" \
	"watch --output into a missing folder: exit 1, says why" -- watch --output "$tmp/no/such/dir/x.json" jiffies
refuse 1 "--output $tmp/no/such/dir/x.json: No such file or directory" \
	"lat --output into a missing folder: exit 1, says why" -- lat --output "$tmp/no/such/dir/x.json"

# --- the host's half, one architecture ----------------------------------------
PY=/usr/bin/python3	# Debian's, with python3-jsonschema (not a python earlier on PATH)

# py_checks WHAT ARGS...: a Python block of checks (on stdin) appends its TAP
# lines to $res (one_arch's); an exception in it (a renamed label, a missing
# file) is a failed check, not checks that quietly never ran
py_checks() {
	local what=$1
	shift
	$PY - "$@" >>"$res" ||
		echo "not ok - $a: $what: the Python checks failed (status $?): those after the error did not run" >>"$res"
}

# read_prom PORT DIR SERIES SINCE NAME=EXPR...: wait (at most 600 s) until
# Prometheus holds a sample of SERIES scraped after SINCE (host epoch
# seconds), then evaluate every EXPR at that scrape's time (all of them see
# the same, frozen, state), one instant query each through the HTTP API, into
# DIR/prom.NAME as "LABELS VALUE" lines (LABELS: JSON without job/instance).
read_prom() {
	$PY - "$@" <<'EOF'
import json, sys, time, urllib.parse, urllib.request
port, d, series, since = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def query(expr, at=None):
    args = {"query": expr}
    if at is not None:
        args["time"] = "%.3f" % at
    url = "http://127.0.0.1:%s/api/v1/query?%s" % (port, urllib.parse.urlencode(args))
    r = json.load(urllib.request.urlopen(url, timeout=30))
    if r.get("status") != "success":
        raise RuntimeError(str(r))
    return r["data"]["result"]
at, deadline = None, time.time() + 600
while time.time() < deadline and since < time.time() + 1000:
    try:
        res = query("timestamp(%s)" % series)
        if res and float(res[0]["value"][1]) > since:
            at = float(res[0]["value"][1]) + 0.001
            break
    except Exception:
        pass
    time.sleep(1)
open(d + "/prom.at", "w").write("%s\n" % at)
for arg in sys.argv[5:]:
    name, expr = arg.split("=", 1)
    with open("%s/prom.%s" % (d, name), "w") as f:
        if at is None:
            continue
        for s in query(expr, at):
            m = {k: v for k, v in s["metric"].items() if k not in ("job", "instance")}
            f.write("%s %s\n" % (json.dumps(m, sort_keys=True), s["value"][1]))
EOF
}
now() { date +%s.%N; }

# await FILE SECS PID: FILE appears within SECS while PID (the guest) lives
await() {
	local i=0
	until [ -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 10)) ] && return 1
		kill -0 "$3" 2>/dev/null || { [ -e "$1" ]; return; }
		sleep 0.1
	done
}

# After the data froze (no pass, call or write), wpwatch's next snapshot is
# at most 0.5 s away: a scrape that starts 1 s after the guest said so sees
# the end state. Scrapes may fail under load (the guest is emulated): the
# host waits for one that succeeded.
# one_arch ARCH: everything for ARCH; results as "ok|not ok DESC" lines in $tmp/ARCH.res
one_arch() {
	local a=$1 d=$tmp/$1 hp pp gpid ppid res=$tmp/$1.res n1=40 n2=60 v t
	mkdir -p "$d/out" "$d/tsdb"
	: >"$res"
	r() { if [ "$1" -eq 0 ]; then echo "ok - $a: $2"; else echo "not ok - $a: $2"; fi >>"$res"; }
	hp=$(free_port) pp=$(free_port)
	cat >"$d/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: wpwatch
    static_configs:
      - targets: ['127.0.0.1:$hp']
EOF
	prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
		--web.listen-address="127.0.0.1:$pp" --log.level=warn >"$d/prometheus.log" 2>&1 &
	ppid=$!
	tests/vm/run --arch "$a" --no-build --quiet --log "$d/console.log" \
		--forward "$hp:$GPORT" --share "$tmp/share" \
		--out "$d/out" --timeout 1500 -- sh /mnt/share/guest.sh $GPORT $n1 $n2 \
		>"$d/guest.log" 2>&1 &
	gpid=$!

	# lat
	await "$d/out/lat.frozen" 1000 $gpid
	v=$?
	r $v "the guest ran wpwatch lat --prometheus with 1 ms passes and froze"
	t=$(now)
	# a guest that died or hung: nothing to wait for (the reads find nothing)
	[ $v -eq 0 ] || t=$(echo "$t + 100000" | bc)
	read_prom "$pp" "$d" 'wpwatch_lat_probe_info' "$(echo "$t + 1" | bc)" \
		'passes=last_over_time(wpwatch_lat_passes_total[10m])' \
		'p99=histogram_quantile(0.99, last_over_time(wpwatch_lat_pass_seconds_bucket[10m]))' \
		'fp99=histogram_quantile(0.99, last_over_time(wpwatch_lat_call_seconds_bucket[10m]))' \
		'rate=max_over_time(rate(wpwatch_lat_passes_total[8s])[2m:2s])' \
		'samples=count_over_time(wpwatch_lat_passes_total[2m])' \
		'buckets=last_over_time({__name__=~"wpwatch_lat_.*_bucket"}[10m])'
	[ "$(cat "$d/prom.at")" != None ]
	r $? "Prometheus scraped the guest through the forwarded port after the passes stopped"
	grep -c '0x' "$d/prom.buckets" >"$d/prom.addrlabels"
	touch "$d/out/lat.done"

	# watch
	await "$d/out/watch.frozen" 600 $gpid
	v=$?
	r $v "the guest ran wpwatch watch --prometheus, $n1 + $n2 writes, SIGHUP between"
	t=$(now)
	[ $v -eq 0 ] || t=$(echo "$t + 100000" | bc)
	read_prom "$pp" "$d" 'wpwatch_watch_hits_total' "$(echo "$t + 1" | bc)" \
		'hits=last_over_time(wpwatch_watch_hits_total[10m])' \
		'delivered=last_over_time(wpwatch_watch_delivered_total[10m])' \
		'lost=last_over_time(wpwatch_watch_lost_total[10m])' \
		'stacks=last_over_time(wpwatch_watch_stack_writes_total[10m])'
	touch "$d/out/watch.done"
	wait $gpid
	v=$?
	[ "$v" -eq 0 ] && [ -e "$d/out/guest.ok" ]
	r $? "the guest run ended well (status $v$([ -e "$d/out/error" ] && echo ": $(cat "$d/out/error")"))"
	kill $ppid 2>/dev/null
	wait $ppid 2>/dev/null

	# --- lat: counts, quantiles, rate ---
	py_checks "lat: counts, quantiles, rate" "$d" "$a" <<'EOF'
import json, math, sys
d, a = sys.argv[1], sys.argv[2]
def say(c, m): print(("ok" if c else "not ok") + " - %s: %s" % (a, m))
def prom(name):
    out = {}
    for line in open("%s/%s" % (d, name)):
        if line.startswith("error"):
            continue
        lab, v = line.rsplit(" ", 1)
        out[json.dumps({k: x for k, x in json.loads(lab).items() if k not in ("instance", "job")}, sort_keys=True)] = float(v)
    return out
def width(v):	# the log-linear bucket width at value v (include/lat.h)
    v = int(v)
    return 1 if v < 16 else 2 ** (v.bit_length() - 1 - 4)
try:
    reps = [json.loads(l) for l in open(d + "/out/lat.json") if '"report"' in l]
    rep = reps[-1]
except Exception as e:
    say(False, "wpwatch lat's final JSON report: %s" % e); sys.exit(0)
say(rep["unit"] == "nsecs", "wpwatch lat reported in nanoseconds")
passes = rep["passes"]["count"]
pc = prom("prom.passes")
got = list(pc.values())[0] if pc else None
say(got == passes and passes > 0, "wpwatch_lat_passes_total in Prometheus (%s) = wpwatch's pass count (%d)" % (got, passes))
pp = prom("prom.p99")
q99 = list(pp.values())[0] * 1e9 if pp else float("nan")
p99 = rep["passes"]["p99"]
bound = width(p99) + 1
say(abs(q99 - p99) <= bound, "pass p99: histogram_quantile %.0f ns, wpwatch %.0f ns, within the bucket's %d ns" % (q99, p99, bound))
fp = prom("prom.fp99")
nf = 0
for f in rep["functions"]:
    key = json.dumps({"function": f["name"]}, sort_keys=True)
    if f["count"] < 100:
        continue
    nf += 1
    est = fp.get(key, float("nan")) * 1e9
    b = width(f["p99"]) + 1
    say(abs(est - f["p99"]) <= b, "%s p99: histogram_quantile %.0f ns, wpwatch %.0f ns, within %d ns" % (f["name"], est, f["p99"], b))
say(nf > 0, "functions with 100 calls or more compared: %d" % nf)
s0, u0 = map(float, open(d + "/out/lat.start").read().split())
s1, u1 = map(float, open(d + "/out/lat.end").read().split())
core_rate = (s1 - s0) / (u1 - u0)
pr = prom("prom.rate")
rate = list(pr.values())[0] if pr else float("nan")
ns = list(prom("prom.samples").values())
if not pr:
    # rate() needs two successful scrapes within 8 s of the busy phase:
    # on a host so loaded that the emulated guest answered none, there is
    # nothing to compare (seen at a load of 55 on 2 cores)
    for m in ("rate() of passes at most one a period (1 ms)", "rate() of passes near the core's own average"):
        print("ok - %s: %s # SKIP no two successful scrapes within 8 s while passes ran (host overloaded; %s samples in 2 min)" % (a, m, ns))
    pr = None
if pr is not None:
  say(0 < rate <= 1000 * 1.2, "rate() of passes at most one a period (1 ms): max %.0f/s over 8 s windows (%s samples)" % (rate, ns))
  say(core_rate / 2 <= rate <= core_rate * 3, "rate() of passes (max over 8 s windows, %.0f/s) is near the core's own average (%.0f/s)" % (rate, core_rate))
say(open(d + "/prom.addrlabels").read().strip() == "0", "no label of the lat histograms holds an address (0x...)")
EOF

	# --- watch: counters, rotation ---
	py_checks "watch: counters, rotation" "$d" "$a" $((n1 + n2)) $n1 $n2 <<'EOF'
import json, sys
d, a, n, n1, n2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def say(c, m): print(("ok" if c else "not ok") + " - %s: %s" % (a, m))
def prom(name):
    out = {}
    for line in open("%s/%s" % (d, name)):
        if line.startswith("error"):
            continue
        lab, v = line.rsplit(" ", 1)
        out[line.rsplit(" ", 1)[0]] = float(v)
    return out
for name, what in (("prom.hits", "hits"), ("prom.delivered", "delivered")):
    vals = list(prom(name).values())
    say(vals == [n], "wpwatch_watch_%s_total in Prometheus = %d writes (%s)" % (what, n, vals))
say(list(prom("prom.lost").values()) == [0], "wpwatch_watch_lost_total = 0")
st = prom("prom.stacks")
say(sum(st.values()) == n, "the stack counters add up to %d (%s)" % (n, sum(st.values())))
labels = [json.loads(k)["stack"] for k in st]
say(labels and all("wpw_test_write_one" in s and "0x" not in s for s in labels),
    "stack labels name wpw_test_write_one and hold no address")
def writes(f):
    try:
        return [l for l in open(d + "/out/" + f) if '"type":"write"' in l]
    except OSError:
        return None
w1, w2 = writes("w.json.1"), writes("w.json")
say(w1 is not None and w2 is not None and len(w1) == n1 and len(w2) == n2,
    "SIGHUP rotation: %s + %s write lines in the renamed and the new file (want %d + %d)" %
    (w1 and len(w1), w2 and len(w2), n1, n2))
EOF

	# --- every JSON line against its schema ---
	py_checks "JSON schemas" "$d" "$a" docs/schema <<'EOF'
import json, sys, jsonschema
d, a, sd = sys.argv[1], sys.argv[2], sys.argv[3]
def say(c, m): print(("ok" if c else "not ok") + " - %s: %s" % (a, m))
for schema, files in (("watch.v1.json", ["w.json.1", "w.json"]),
                      ("watch.v2.json", ["w.json.1", "w.json", "o.json"]),
                      ("lat.v1.json", ["lat.json", "events.json"])):
    sch = json.load(open("%s/%s" % (sd, schema)))
    v = jsonschema.Draft202012Validator(sch, format_checker=jsonschema.FormatChecker())
    n, bad, kinds = 0, [], set()
    for f in files:
        try:
            lines = open("%s/out/%s" % (d, f)).read().splitlines()
        except OSError as e:
            bad.append(str(e)); continue
        for i, l in enumerate(lines):
            n += 1
            try:
                o = json.loads(l)
                kinds.add(o.get("type"))
                errs = sorted(v.iter_errors(o), key=str)
                if errs:
                    bad.append("%s:%d: %s" % (f, i + 1, errs[0].message))
            except ValueError as e:
                bad.append("%s:%d: not JSON: %s" % (f, i + 1, e))
    say(n > 0 and not bad, "%d lines of %s validate against docs/schema/%s (types %s)%s" %
        (n, "+".join(files), schema, ",".join(sorted(map(str, kinds))), ("; " + bad[0]) if bad else ""))
try:
    ol = [json.loads(l) for l in open("%s/out/o.json" % d).read().splitlines()]
except (OSError, ValueError):
    ol = []
say(any(o.get("type") == "write" and "object" in o for o in ol) and
    any(o.get("type") == "objects" for o in ol),
    "the object SPEC's run wrote writes naming their object, and the objects line (%d lines)" % len(ol))
EOF
	grep -q '"type":"event"' "$d/out/events.json" 2>/dev/null
	r $? "lat --events wrote event lines"
}

for a in $arches; do
	one_arch "$a" &
	pids+=($!)
done
wait "${pids[@]}"
pids=()

n=0 failed=0
for line in "${pre[@]}"; do
	n=$((n + 1))
	echo "${line/ - / $n - }"
	case "$line" in "not ok"*) failed=$((failed + 1)) ;; esac
done
for a in $arches; do
	while IFS= read -r line; do
		n=$((n + 1))
		echo "${line/ - / $n - }"
		case "$line" in "not ok"*) failed=$((failed + 1)) ;; esac
	done <"$tmp/$a.res"
	if grep -q '^not ok' "$tmp/$a.res"; then
		echo "# $a guest's console:"
		sed "s/^/#   /" "$tmp/$a/console.log" | tail -40
		[ -s "$tmp/$a/prometheus.log" ] && sed 's/^/#   prometheus: /' "$tmp/$a/prometheus.log" | tail -5
	fi
done
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
