# Shared helpers of the demo steps (tests/guest/demo-*.sh, busybox sh):
# headings, shown commands, output folded to 80 columns, fail(), which
# names the step and what was missing, and bounded(), which every wait of a
# step goes through: a command that does not end in time fails the step by
# name instead of hanging the demo. Each step saves its raw output in
# $DEMO_OUT (default /tmp/demo), which tests/guest/60-demo.sh checks.
DEMO_OUT=${DEMO_OUT:-/tmp/demo}
mkdir -p "$DEMO_OUT"
STEP=${STEP:-$(basename "$0" .sh)}

say() { printf '\n-- %s\n' "$*"; }
# wrap80 [END]: lines longer than 80 columns broken at a space, the rest
# indented (END, e.g. " \\" for a shell command, ends each broken line)
wrap80() {
	awk -v end="${1:-}" -v w=$((80 - ${#1})) '{
		while (length($0) > w) {
			i = w
			while (i > 20 && substr($0, i, 1) != " ")
				i--
			if (i <= 20) {	# no space: cut the word
				print substr($0, 1, w) end
				$0 = "    " substr($0, w + 1)
				continue
			}
			print substr($0, 1, i - 1) end
			$0 = "    " substr($0, i + 1)
		}
		print
	}'
}
# the command as typed (the caller runs it)
cmd() { printf '$ %s\n' "$*" | wrap80 ' \\'; }
# files (or stdin), tabs expanded, wrapped to 80 columns
show() { expand "$@" | wrap80; }
# dmesg lines matching an extended regex, without their timestamps
dmesg_excerpt() {
	dmesg | grep -E "$1" | sed 's/^\[[ 0-9.]*\] //' | tail -n "${2:-3}" | show
}
fail() {
	echo "demo step '$STEP' failed: $*" >&2
	exit 1
}
# alive PID: PID has not ended (a zombie has: only its status is left)
alive() {
	[ -r /proc/$1/status ] && ! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2>/dev/null
}
# bounded SECONDS WHAT CMD...: run CMD, giving it SECONDS to end; past that
# kill it (and what it started) and fail the step: "WHAT did not end within
# SECONDS s". CMD's status otherwise. A command stuck in the kernel (a write
# to debugfs, a module's load or unload, a tool's exit) is not waited for.
bounded() {
	_s=$1 _what=$2
	shift 2
	"$@" &
	_p=$!
	bounded_wait "$_s" "$_what" $_p
}
# bounded_wait SECONDS WHAT PID: wait for the background job PID as bounded()
# does; its status
bounded_wait() {
	_t=$(($1 * 10))
	while alive $3; do
		if [ $_t -le 0 ]; then
			kill_tree $3
			fail "$2 did not end within $1 s"
		fi
		sleep 0.1
		_t=$((_t - 1))
	done
	wait $3
}
# bounded_sh SECONDS WHAT SCRIPT: bounded() for a shell line (a redirection)
bounded_sh() {
	bounded "$1" "$2" sh -c "$3"
}
# children PID: the processes whose parent is PID (from /proc: the guest's
# busybox has no pgrep; the fields after the ") " that ends comm are
# "state ppid ...")
children() {
	for _f in /proc/[0-9]*/stat; do
		sed -n 's/^\([0-9]*\) .*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' "$_f" 2>/dev/null
	done | awk -v p="$1" '$2 == p { print $1 }'
}
# descendants PID: PID's children, grandchildren..., the deepest first
descendants() {
	for _c in $(children "$1"); do
		descendants "$_c"
		echo "$_c"
	done
}
# kill_tree PID: SIGKILL to PID's descendants, then to PID
kill_tree() {
	kill -9 $(descendants "$1") "$1" 2>/dev/null
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	_t=$(($1 * 10))
	shift
	while ! "$@" 2>/dev/null; do
		_t=$((_t - 1))
		[ $_t -le 0 ] && return 1
		sleep 0.1
	done
}
