#!/bin/sh
# Write a man page per kernel module into DIR, generated from the module's own
# modinfo (its description and every MODULE_PARM_DESC), so the pages cannot
# drift from the parameters: wpwatch-watchpoint(4), wpwatch-rerandom(4), ...
#   man/modules.sh DIR MODULE.ko...
set -eu
dir=$1
shift
mkdir -p "$dir"
# notes MODULE: what moved out of the module, for those who knew it there
notes() {
	case $1 in
	watchpoint) cat <<'EOF'
.SH NOTES
The demo writer moved out of watchpoint.ko into the sample module
.B tl_writer.ko
(samples/watchpoint/ of the source tree, not installed): the parameters
.B writer
(now tl_writer's
.BR mode ),
.B period_ms
and
.B allow_writer
(allow-list tl_writer's exported
.B tl_writer_store
with watchpoint_allow_function()), and the debugfs files
.B writer
(now
.BR mode ),
.B writes
and
.B writes_watched
(now in
.IR /sys/kernel/debug/tl_writer/ ).
See docs/watchpoint.md.
EOF
		;;
	esac
}
for ko in "$@"; do
	m=$(basename "$ko" .ko)
	ver=$(modinfo -F version "$ko" 2>/dev/null || true)
	{
		printf "%s\n" ".TH WPWATCH-$(echo "$m" | tr a-z A-Z) 4 \"\" \"wpwatch ${ver:-0.1}\" \"wpwatch manual\""
		printf "%s\n" ".SH NAME"
		printf "%s\n" "$m.ko \\- $(modinfo -F description "$ko" | sed 's/^wpwatch: //; s/\\/\\\\/g; s/-/\\-/g')"
		printf "%s\n" ".SH SYNOPSIS"
		printf "%s\n" ".B modprobe $m"
		printf "%s\n" "[\\fIPARAMETER\\fR=\\fIVALUE\\fR]..."
		printf "%s\n" ".SH PARAMETERS"
		printf "%s\n" "Also readable (some writable) in"
		printf "%s\n" ".IR /sys/module/$m/parameters/ ."
		modinfo -F parm "$ko" | sed 's/\\/\\\\/g; s/-/\\-/g' | while IFS= read -r line; do
			printf "%s\n" ".TP"
			printf "%s\n" ".B ${line%%:*}"
			printf "%s\n" "${line#*:}"
		done
		printf "%s\n" ".SH FILES"
		printf "%s\n" ".I /sys/kernel/debug/$m/"
		printf "%s\n" "(when the module has debugfs files; see the project's docs/ for each file)"
		notes "$m"
		printf "%s\n" ".SH SEE ALSO"
		printf "%s\n" ".BR wpwatch (8),"
		printf "%s\n" ".BR modprobe (8)"
	} >"$dir/wpwatch-$m.4"
done
