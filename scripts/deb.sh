#!/bin/sh
# make deb: wpwatch's Debian packages for each ARCH given (default: x86_64
# and arm64; arm64 cross-built on an x86_64 machine) into
# .output/ARCH/deb/: wpwatch_VERSION_DEBARCH.deb and wpwatch-dkms_VERSION_all.deb
# (debian/rules says what each holds).
#   scripts/deb.sh [--if-stale] [ARCH...]
# --if-stale: leave an ARCH's packages alone when no file of the checkout
# is newer (tests/vm/run stages them for the install suite). One build per
# ARCH at a time (a lock in .output/ARCH/).
# dpkg-buildpackage writes its products into the parent of the tree it
# builds, so it runs in a copy of the checkout's files (tracked and
# untracked, not ignored) under .output/ARCH/deb/src/, whose .output is a
# link to the checkout's: the build there reuses the checkout's build (the
# man pages come from it).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "deb.sh: $*" >&2; exit 1; }
stale=
[ "${1:-}" = --if-stale ] && { stale=1; shift; }
[ $# -gt 0 ] || set -- x86_64 arm64
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
for arch in "$@"; do
	case "$arch" in
	x86_64) debarch=amd64 ;;
	arm64) debarch=arm64 ;;
	*) die "unknown ARCH '$arch': use x86_64 or arm64" ;;
	esac
	out=$top/.output/$arch/deb
	src=$out/src/wpwatch-$ver
	mkdir -p "$out"
	exec 9>"$top/.output/$arch/deb.lock"
	flock 9
	if [ -n "$stale" ] && [ -f "$out/wpwatch-dkms_${ver}_all.deb" ] && [ -f "$out/wpwatch_${ver}_$debarch.deb" ]; then
		newest=$(cd "$top" && git ls-files -z -co --exclude-standard | xargs -0 stat -c %Y | sort -n | tail -n 1)
		[ "$newest" -le "$(stat -c %Y "$out/wpwatch_${ver}_$debarch.deb")" ] &&
			{ echo "deb: $arch up to date"; exec 9>&-; continue; }
	fi
	rm -rf "$out/src" && mkdir -p "$src"
	(cd "$top" && git ls-files -z -co --exclude-standard | xargs -0 cp -a --parents -t "$src")
	ln -s "$top/.output" "$src/.output"
	# -b: binary packages only; -us -uc: unsigned; -a: the host architecture
	# (cross-building arm64 checks the :arm64 -dev packages of debian/control
	# and the :native build tools, which scripts/deps.sh installs)
	# Cross: CC names the cross compiler (dpkg-architecture checks it; build.mk
	# picks its own from ARCH) and nocheck, since the package runs no tests
	# (the suites do, in guests)
	cross=
	[ "$debarch" = "$(dpkg --print-architecture)" ] || cross=1
	(cd "$src" && ${cross:+env CC=$(dpkg-architecture -a"$debarch" -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc DEB_BUILD_OPTIONS=nocheck} \
		dpkg-buildpackage -a"$debarch" -b -us -uc) >"$out/build.log" 2>&1 ||
		{ tail -n 30 "$out/build.log" >&2; die "dpkg-buildpackage failed for $arch (log: $out/build.log)"; }
	rm -f "$out"/*.deb
	mv "$out/src/wpwatch_${ver}_$debarch.deb" "$out/src/wpwatch-dkms_${ver}_all.deb" "$out/"
	echo "deb: $out/wpwatch_${ver}_$debarch.deb $out/wpwatch-dkms_${ver}_all.deb"
	exec 9>&-
done
