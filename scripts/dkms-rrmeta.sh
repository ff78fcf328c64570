#!/bin/sh
# DKMS PRE_BUILD (dkms.conf): build the host tool rrmeta in the DKMS build
# folder, by its one rule (tools/rrmeta/Makefile), as the top-level build does.
set -e
make -s -C tools/rrmeta OUT="$PWD/rrmeta" ||
	{ echo "dkms-rrmeta.sh: cannot build rrmeta: install gcc and libelf-dev" >&2; exit 1; }
