#!/bin/sh
# DKMS PRE_BUILD (dkms.conf): build the host tool rrmeta in the DKMS build
# folder, as build.mk does for the top-level build.
set -e
gcc -O2 -Wall -Wextra -D_GNU_SOURCE -o rrmeta tools/rrmeta/*.c -lelf ||
	{ echo "dkms-rrmeta.sh: cannot build rrmeta: install gcc and libelf-dev" >&2; exit 1; }
