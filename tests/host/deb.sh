#!/bin/bash
# Host test of the Debian packages (make deb, scripts/deb.sh, debian/): both
# are built for each ARCH, lintian finds nothing but what
# docs/development.md ("The Debian packages") justifies (the overrides in
# debian/*.lintian-overrides), each holds exactly the files it should, and
# wpwatch is linked against Debian's shared libraries with no GnuTLS stub.
# TAP output.
#
#   tests/host/deb.sh [x86_64] [arm64]   (make check runs it)
# tests: 22
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib.bash"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)
work=$(mktemp -d "${TMPDIR:-/tmp}/deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)

# the files of a .deb, without folders, one a line
files() { dpkg -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort; }

for arch in "${arches[@]}"; do
	case $arch in x86_64) debarch=amd64 ;; *) debarch=$arch ;; esac
	out=$top/.output/$arch/deb
	"$top/scripts/deb.sh" "$arch" >"$work/build.log" 2>&1
	tap $? "$arch: make deb builds wpwatch and wpwatch-dkms" || { sed 's/^/#   /' "$work/build.log"; continue; }
	tool=$out/wpwatch_${ver}_$debarch.deb dkms=$out/wpwatch-dkms_${ver}_all.deb

	# --fail-on warning: an error or a warning fails; info tags are shown
	lintian --fail-on error,warning --info "$tool" "$dkms" >"$work/lintian" 2>&1
	c=$?
	sed 's/^/#   /' "$work/lintian"
	tap $c "$arch: lintian: no error or warning"

	want="/usr/bin/wpwatch /usr/bin/wpwatch-rrmeta
/usr/include/wpwatch/rerandom.h /usr/include/wpwatch/watchpoint.h
/usr/share/wpwatch/rerandom.mk /usr/share/bash-completion/completions/wpwatch
/usr/share/man/man8/wpwatch.8.gz /usr/share/man/man8/wpwatch-watch.8.gz
/usr/share/man/man8/wpwatch-lat.8.gz /usr/share/man/man4/wpwatch-watchpoint.4.gz
/usr/share/man/man4/wpwatch-trampolines.4.gz /usr/share/man/man4/wpwatch-rerandom.4.gz
/usr/share/man/man1/wpwatch-rrmeta.1.gz"
	miss=$(for f in $want; do files "$tool" | grep -qx "$f" || echo "$f"; done)
	[ -z "$miss" ]
	tap $? "$arch: wpwatch holds the command, rrmeta, headers, fragment, completion, man pages${miss:+ (missing: $miss)}"

	src=/usr/src/wpwatch-$ver
	for f in dkms.conf kmod/Kbuild kmod/watchpoint/main.c kmod/rerandom/main.c \
		kmod/include/rerandom.h include/rr_steps.h; do
		files "$dkms" | grep -qx "$src/$f" || echo "$f"
	done >"$work/miss"
	[ ! -s "$work/miss" ]
	tap $? "$arch: wpwatch-dkms holds the sources DKMS builds$([ -s "$work/miss" ] && echo " (missing: $(tr '\n' ' ' <"$work/miss"))")"
	! files "$dkms" | grep -E "$src/(kmod/patches|samples|tests|tools)/" >"$work/extra"
	tap $? "$arch: wpwatch-dkms: no samples, tests, tools or patches ($(tr '\n' ' ' <"$work/extra"))"

	rm -rf "$work/x" && dpkg -x "$tool" "$work/x"
	readelf -d "$work/x/usr/bin/wpwatch" | grep -o 'NEEDED.*' >"$work/needed"
	for l in libmicrohttpd.so.12 libbpf.so.1 libelf.so.1; do
		grep -q "\[$l\]" "$work/needed"
		tap $? "$arch: wpwatch needs $l (shared)"
	done
	! nm -D --defined-only "$work/x/usr/bin/wpwatch" | grep -w 'gnutls_[a-z_]*' >"$work/stub"
	tap $? "$arch: wpwatch defines no gnutls_ function (no stub)"
	dep=$(dpkg-deb -f "$tool" Depends)
	echo "# Depends: $dep"
	case $dep in *libmicrohttpd12*libbpf1*|*libbpf1*libmicrohttpd12*) c=0 ;; *) c=1 ;; esac
	tap $c "$arch: Depends (from shlibs) names libbpf1 and libmicrohttpd12"
	dpkg-deb -f "$dkms" Depends | grep -q dkms
	tap $? "$arch: wpwatch-dkms depends on dkms"
done
tap_end
