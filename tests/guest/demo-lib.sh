# Shared helpers of the demo steps (tests/guest/demo-*.sh, busybox sh):
# headings, shown commands, output folded to 80 columns, and fail(), which
# names the step and what was missing. Each step saves its raw output in
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
