#!/bin/sh
# wpwatch watch's symbols, everywhere a user looks: vmlinux variables by name
# from the kernel's System.map where /proc/kallsyms lists functions only
# (arm64), at the address the map and kallsyms imply (computed here with awk,
# not by wpwatch), and its refusals (no map, Debian's placeholder, a map of
# another build); user stacks symbolized for a static binary (and a PIE with
# its shared libc: the guests have ld.so and libc.so.6), in text, JSON,
# folded and --summary, and a process that exited before its stack was
# symbolized marked, not guessed; a write inside a moved body (rr_poke of
# rr_test_driver) named as that body and marked moved in every format.
# arches: x86_64 arm64
# kernel: stock
# weight: 2
# timeout: 900
# cpus: 2
# tests: 50 arm64:stock=49
. "$(dirname "$0")/lib.sh"

W=/tmp/wsym
TW=/sys/kernel/debug/wpw_testwriter
REL=$(uname -r)
mkdir -p $W

field() { jqf $W/$1.out "select(.type == \"write\") | $2"; }
# low 48 bits of a hex address, as a decimal number (busybox sh arithmetic is signed 64-bit)
lo48() { printf '%d' "0x$(echo "$1" | sed 's/^0x//;s/^0*\(.\{0,12\}\)$/\1/;s/^.*\(.\{12\}\)$/\1/')"; }
# the address a tracing line gives for the first SPEC
traced_addr() { sed -n 's/.*tracing writes to [^ ]* (\(0x[0-9a-f]*\),.*/\1/p' "$1" | head -n 1; }

# --- vmlinux variables by name through System.map ------------------------------
map=
for m in /boot/System.map-$REL /usr/lib/debug/boot/System.map-$REL; do
	grep -q ' _stext$' "$m" 2>/dev/null && { map=$m; break; }
done
ok "$([ -n "$map" ]; echo $?)" "the guest has its kernel's System.map where Debian puts it (${map:-none})"
[ -f /boot/System.map-$REL ] && diag "/boot/System.map-$REL: $(wc -l </boot/System.map-$REL) lines"
if [ -n "$map" ]; then
	# the address the map implies: its jiffies, shifted by the _stext offset
	m_st=$(awk '$3 == "_stext" { print $1; exit }' "$map")
	k_st=$(awk '$3 == "_stext" && NF == 3 { print $1; exit }' /proc/kallsyms)
	m_j=$(awk '$3 == "jiffies" { print $1; exit }' "$map")
	want=$(( (($(lo48 "$m_j") + $(lo48 "$k_st") - $(lo48 "$m_st")) % 281474976710656 + 281474976710656) % 281474976710656 ))
	k_j=$(awk '$3 == "jiffies" && NF == 3 { print $1; exit }' /proc/kallsyms)
	if [ -n "$k_j" ]; then
		num_is "$(lo48 "$k_j")" "$want" "the map's jiffies shifted by the _stext offset is kallsyms' jiffies (0x$k_j)"
	else
		diag "jiffies is not in /proc/kallsyms: wpwatch must place it from $map"
	fi
	wpwatch watch -n 3 -f json jiffies >$W/jiffies.out 2>$W/jiffies.err
	num_is $? 0 "wpwatch watch -n 3 jiffies, by name" || sed 's/^/#   /' $W/jiffies.err
	num_is "$(lo48 "$(traced_addr $W/jiffies.err)")" "$want" \
		"... placed where the map and kallsyms put it ($(traced_addr $W/jiffies.err))"
	num_is "$(field jiffies 1 | wc -l)" 3 "... and 3 writes caught"
	num_is "$(field jiffies 'select(.old != null and .old != .value) | 1' | wc -l)" 3 \
		"... each one changing jiffies (old != new)"
	field jiffies .sym | sort | uniq -c | sed 's/^/#   /'
else
	for t in "kallsyms agrees" "jiffies by name" "placed" "3 writes" "old != new"; do
		skip "$t" "no System.map in the guest"
	done
fi

# x86_64 lists every variable: a name only the map has is placed from it too
# (the first data symbol of the map above _stext that kallsyms lacks).
if [ -n "$map" ]; then
	only=$(awk -v st="$m_st" 'NR == FNR { if (NF == 3) k[$3] = 1; next }
		$2 ~ /^[dDbB]$/ && $1 > st && !($3 in k) && $3 !~ /^__/ { print $3; exit }' /proc/kallsyms "$map")
	if [ -n "$only" ] && grep -q ' [dDbB] ' /proc/kallsyms && [ "$(grep -c ' [dD] ' /proc/kallsyms)" -gt 1000 ]; then
		wpwatch watch -v -d 1 "$only" >$W/only.out 2>$W/only.err
		num_is $? 0 "a variable /proc/kallsyms lacks but the map has ($only) is placed from the map" ||
			sed 's/^/#   /' $W/only.err
		grep -q "placed from $map" $W/only.err
		ok $? "... and -v says where from"
	else
		why="every variable of the map is in /proc/kallsyms"
		[ -n "$only" ] && why="kallsyms lists functions only (jiffies above)"
		skip "a variable only the map has" "$why"
		skip "... -v says where from" "as above"
	fi
fi

# --- the refusals: one line naming the file, exit 2 ------------------------------
# On both arches, with a variable wpwatch must place from the map: jiffies
# where kallsyms lists functions only (arm64), else the variable only the map
# has (x86_64, above).
var=
if ! grep -q ' jiffies$' /proc/kallsyms; then
	var=jiffies
elif [ -n "$only" ] && ! grep -q " $only\$" /proc/kallsyms; then
	var=$only
fi
if [ -n "$map" ] && [ -n "$var" ]; then
	cp "$map" $W/map
	# another build: every function but the anchors 0x40 bytes off
	awk 'function h(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		$2 ~ /^[tT]$/ && $3 != "_stext" && $3 != "_text" {
			$1 = substr($1, 1, 12) sprintf("%04x", (h(substr($1, 13, 4)) + 64) % 65536) }
		{ print }' $W/map >$W/other
	for f in /boot/System.map-$REL /usr/lib/debug/boot/System.map-$REL; do
		[ -f "$f" ] && mv "$f" "$f.away"
	done
	# refused DESC FILE GREP-ARGS...: exit 2 and one line. Where kallsyms lists
	# functions only (arm64), the line says what is wrong with the map; where
	# it lists every variable (x86_64), a name it lacks is just unknown
	# (watch_attach.c: the map is not needed for real variables there).
	refused() {
		_d=$1 _f=$2
		shift 2
		if [ $var != jiffies ]; then
			set -- -q "unknown symbol $var"
		fi
		grep "$@" $_f && [ "$(wc -l <$_f)" -eq 1 ]
		ok $? "$_d" || sed 's/^/#   /' $_f
	}
	wpwatch watch -n 1 "$var" >$W/nomap.out 2>$W/nomap.err
	num_is $? 2 "no System.map: exit 2"
	num_is "$(wc -l <$W/nomap.err)" 1 "... one line" || sed 's/^/#   /' $W/nomap.err
	refused "... naming the files looked for and the package to install (arm64), unknown (x86_64)" $W/nomap.err \
		-q "no System.map of this kernel (looked for /boot/System.map-$REL, /usr/lib/debug/boot/System.map-$REL, .*linux-image-$REL-dbg"
	echo "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package" >/boot/System.map-$REL
	wpwatch watch -n 1 "$var" >$W/ph.out 2>$W/ph.err
	num_is $? 2 "Debian's placeholder only: exit 2"
	refused "... one line naming the placeholder (arm64), unknown (x86_64)" $W/ph.err \
		-q "/boot/System.map-$REL holds no kernel symbols"
	cp $W/other /boot/System.map-$REL
	wpwatch watch -n 1 "$var" >$W/other.out 2>$W/other.err
	num_is $? 2 "a map of another build: exit 2"
	refused "... one line naming the file and how many functions disagree (arm64), unknown (x86_64)" $W/other.err \
		-q "/boot/System.map-$REL does not belong to the running kernel: 16 of 16 functions"
	rm -f /boot/System.map-$REL
	for f in /boot/System.map-$REL /usr/lib/debug/boot/System.map-$REL; do
		[ -f "$f.away" ] && mv "$f.away" "$f"
	done
	wpwatch watch -n 1 jiffies_no_such_var >$W/typo.out 2>$W/typo.err
	num_is $? 2 "a name in neither kallsyms nor the map: exit 2"
	grep -q "unknown symbol jiffies_no_such_var" $W/typo.err
	ok $? "... an unknown symbol" || sed 's/^/#   /' $W/typo.err
	wpwatch watch -n 1 runqueues >$W/pcpu.out 2>$W/pcpu.err
	num_is $? 2 "a per-CPU variable by name: exit 2"
	grep -q "runqueues is a per-CPU variable" $W/pcpu.err
	ok $? "... says it is per-CPU (the map has only its template)" || sed 's/^/#   /' $W/pcpu.err
else
	# the map is the header's promise (Debian's kernel package), and a
	# variable only it has exists on both arches: not a skip
	why="no System.map"
	[ -n "$map" ] && why="no variable only the map has (/proc/kallsyms lists every one)"
	ok 1 "the refusals need a variable placed from the map: $why"
	for t in "no map: 2" "one line" "naming files" "placeholder: 2" "placeholder line" \
		"other build: 2" "other build line" "unknown: 2" "unknown line" "per-CPU: 2" "per-CPU line"; do
		skip "$t" "$why"
	done
fi

# --- user stacks: a static binary ----------------------------------------------
modprobe wpw_testwriter || bail "cannot load wpw_testwriter"
UW=$WPWATCH/bin/wpw_uwrite
# uwrite NAME PROG FORMAT-ARGS...: wpwatch -n 1, one write from PROG, which
# waits until wpwatch has printed the event (its mappings are read meanwhile)
uwrite() {
	_n=$1 _p=$2
	shift 2
	start_watch "$_n" -n 1 "$@" wpw_test_target || return 1
	"$_p" $TW/write "0 5 1" >$W/$_n.prog &
	_up=$!
	wait_watch "$_n"
	kill $_up 2>/dev/null
	wait $_up 2>/dev/null
}
uwrite sjson $UW -f json
sed 's/^/#   /' $W/sjson.out | cut -c 1-400 | head -n 2
is "$(field sjson 'select(.comm == "wpw_uwrite") | [.ustack_syms[] | .sym // "null" | sub("\\+0x[0-9a-f]+$"; "")] | join(" ")' |
	grep -o 'uw_outer main' | head -n 1)" "uw_outer main" \
	"static: JSON ustack_syms name the program's functions, inner first (uw_outer, main)"
is "$(field sjson '[.ustack_syms[] | select(.sym != null and (.sym | startswith("uw_outer+"))) | .obj] | .[0]')" "$UW" \
	"... with the mapped file ($UW)"
field sjson '.ustack_syms[0].sym' | grep -q 'write'
ok $? "... the innermost user frame is libc's write ($(field sjson '.ustack_syms[0].sym'))"
num_is "$(field sjson '.ustack | length')" "$(field sjson '.ustack_syms | length')" \
	"... one symbol per address of ustack"
uwrite stext $UW
grep -q "^	 *[0-9a-f]* uw_outer+0x[0-9a-f]* ($UW)$" $W/stext.out
ok $? "static: text frames 'addr name+0xoff (file)'" || sed 's/^/#   /' $W/stext.out
sed 's/^/#   /' $W/stext.out

uwrite sfold $UW -f folded
grep -q '^wpw_uwrite;.*main;uw_outer;[^;]*write[^;]*;.*;wpw_test_write_one 1$' $W/sfold.out
ok $? "folded: comm, user frames outer to inner, then the kernel's" || sed 's/^/#   /' $W/sfold.out
uwrite ssum $UW -s
grep -q "^	uw_outer+0x[0-9a-f]* ($UW)$" $W/ssum.out &&
	grep -q "^	wpw_test_write_one+0x[0-9a-f]* \[wpw_testwriter\]$" $W/ssum.out
ok $? "--summary: the kernel frames, then the user frames, symbolized" || sed 's/^/#   /' $W/ssum.out

# --- a process gone before its stack is symbolized: marked, not guessed ---------
start_watch gone -f json wpw_test_target
kill -STOP $WPID
$UW $TW/write "0 8 1" exit >/dev/null
kill -CONT $WPID
stop_watch gone
num_is "$(field gone 'select(.comm == "wpw_uwrite" and .ustack_exited == true and
	(.ustack | length) > 0 and all(.ustack_syms[]; .sym == null and .obj == null)) | 1' | wc -l)" 1 \
	"exited first: JSON marks it (ustack_exited), no frame named"
start_watch gonet wpw_test_target
kill -STOP $WPID
$UW $TW/write "0 9 1" exit >/dev/null
kill -CONT $WPID
stop_watch gonet
ok "$(grep -q ' \[exited\]$' $W/gonet.out && ! grep -q 'uw_outer' $W/gonet.out; echo $?)" \
	"exited first: text frames say [exited]" || sed 's/^/#   /' $W/gonet.out

# --- a dynamically linked PIE and its shared libc ----------------------------------
UP=$WPWATCH/bin/wpw_uwrite_pie
uwrite pjson $UP -f json
is "$(field pjson '[.ustack_syms[] | select(.sym != null and (.sym | startswith("uw_outer+"))) | .obj] | .[0]')" "$UP" \
	"PIE: uw_outer named in the PIE ($UP)"
libc=$(field pjson '.ustack_syms[0].obj')
ok "$(case "$libc" in */libc.so.6) field pjson '.ustack_syms[0].sym' | grep -q write; echo $?;; *) echo 1;; esac)" \
	"... the innermost frame is write in the shared libc ($(field pjson '.ustack_syms[0].sym') in $libc)"
uwrite ptext $UP
grep -q "^	 *[0-9a-f]* uw_outer+0x[0-9a-f]* ($UP)$" $W/ptext.out &&
	grep -q "^	 *[0-9a-f]* [^ ]*write[^ ]*+0x[0-9a-f]* (.*/libc\.so\.6)$" $W/ptext.out
ok $? "PIE text: uw_outer in the PIE and write in the shared libc, 'addr name+0xoff (file)'" ||
	sed 's/^/#   /' $W/ptext.out

# --- a write inside a moved body ---------------------------------------------------
D=/sys/kernel/debug/rerandom
T=/sys/kernel/debug/rr_test_driver
modprobe rr_test_driver || bail "cannot load rr_test_driver"
echo 1 >$D/trigger
body=$(awk '$3 == "rr_poke" { print $1 }' $D/bodies)
orig=$(awk '$1 == "rr_poke" { print $5 }' $D/layout)
ok "$([ -n "$body" ] && [ "$body" != "$orig" ]; echo $?)" "rr_poke's body moved ($orig -> $body)"
start_watch moved -f json rr_test_driver:rr_poked
echo 7 >$T/poke
stop_watch moved
field moved '"\(.sym) \(.moved) \(.stack[0].module)"' | sed 's/^/#   /'
is "$(field moved '"\(.sym | sub("\\+0x[0-9a-f]+$"; "")) \(.moved) \(.stack[0].sym | sub("\\+0x[0-9a-f]+$"; "")) \(.stack[0].module) \(.stack[0].moved)"')" \
	"rr_poke true rr_poke rr_test_driver true" \
	"JSON: the writer is rr_poke's body, from rr_test_driver, marked moved"
off=$(field moved '.stack[0].sym | sub("^[^+]*\\+"; "")')
want=$(( $(lo48 "$(field moved .stack[0].addr)") - $(lo48 "$body") ))
num_is "$(printf '%d' "$off")" "$want" "... at its offset in the copy bodies lists ($off)"
num_is "$(field moved '[.stack[] | select(.sym | startswith("rr_arena"))] | length')" 0 \
	"... and no frame left as rr_arena+OFF"
start_watch movedt rr_test_driver:rr_poked
echo 8 >$T/poke
stop_watch movedt
grep -q "^	 *[0-9a-f]* rr_poke+0x[0-9a-f]* \[rr_test_driver\] (moved)$" $W/movedt.out
ok $? "text: 'rr_poke+0xoff [rr_test_driver] (moved)'" || sed 's/^/#   /' $W/movedt.out
sed 's/^/#   /' $W/movedt.out
start_watch movedf -f folded rr_test_driver:rr_poked
echo 9 >$T/poke
stop_watch movedf
grep -q ';rr_poke \[moved\] 1$' $W/movedf.out
ok $? "folded: the innermost frame 'rr_poke [moved]'" || sed 's/^/#   /' $W/movedf.out
start_watch moveds -s rr_test_driver:rr_poked
echo 10 >$T/poke
stop_watch moveds
grep -q "^	rr_poke+0x[0-9a-f]* \[rr_test_driver\] (moved)$" $W/moveds.out
ok $? "--summary: 'rr_poke+0xoff [rr_test_driver] (moved)'" || sed 's/^/#   /' $W/moveds.out
rmmod rr_test_driver rerandom

done_testing
