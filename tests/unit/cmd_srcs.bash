# shellcheck shell=bash
# cmd_srcs FILE...: the user/wpwatch/*.c that FILE... include by header
# ("X.h" with a user/wpwatch/X.c beside it), transitively: the modules of one
# command that a host program (a unit test, a fuzz target) links besides
# user/lib/*.c. Sourced by tests/unit/run and tests/fuzz/run, from the top.
cmd_srcs() {
	local todo=("$@") seen=" " f h c
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for h in $(sed -n 's/^#include "\([a-z0-9_]*\)\.h"$/\1/p' "$f"); do
			c=user/wpwatch/$h.c
			[ -e "$c" ] && [ -e "user/wpwatch/$h.h" ] && [[ $seen != *" $c "* ]] || continue
			seen="$seen$c "
			todo+=("$c")
		done
	done
	echo "$seen"
}
