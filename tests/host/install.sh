#!/bin/bash
# Host test of `make install` / `make uninstall` (install.mk), the way to
# install on distributions that do not take the Debian packages: into a
# scratch DESTDIR, every file is installed (the make fragment with its
# RR_PREFIX set to PREFIX), and uninstall leaves nothing, not even the
# folders install made. The modules' DKMS part (make install-dkms) needs a
# kernel to build against and is not run here. TAP output.
#
#   tests/host/install.sh   (make check runs it)
# tests: 17
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib.bash"
work=$(mktemp -d "${TMPDIR:-/tmp}/install.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/root

make -s --no-print-directory -C "$top" install DESTDIR="$dest" PREFIX=/opt/wpw >"$work/log" 2>&1
tap $? "make install DESTDIR=... PREFIX=/opt/wpw" || sed 's/^/#   /' "$work/log"
for f in bin/wpwatch bin/wpwatch-rrmeta include/wpwatch/rerandom.h include/wpwatch/watchpoint.h \
	share/wpwatch/rerandom.mk share/bash-completion/completions/wpwatch \
	share/man/man8/wpwatch.8 share/man/man8/wpwatch-watch.8 share/man/man8/wpwatch-lat.8 \
	share/man/man4/wpwatch-watchpoint.4 share/man/man4/wpwatch-trampolines.4 \
	share/man/man4/wpwatch-rerandom.4 share/man/man1/wpwatch-rrmeta.1; do
	[ -s "$dest/opt/wpw/$f" ]
	tap $? "installed: PREFIX/$f"
done
grep -qx 'RR_PREFIX ?= /opt/wpw' "$dest/opt/wpw/share/wpwatch/rerandom.mk"
tap $? "the installed rerandom.mk finds rrmeta and rerandom.h under PREFIX"
make -s --no-print-directory -C "$top" uninstall DESTDIR="$dest" PREFIX=/opt/wpw >"$work/log" 2>&1
tap $? "make uninstall" || sed 's/^/#   /' "$work/log"
[ ! -e "$dest" ]
tap $? "uninstall removed every file and every folder install made ($(find "$dest" 2>/dev/null | head -3 | tr '\n' ' '))"
tap_end
