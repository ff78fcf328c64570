#!/bin/bash
# Print the path of the kernel's checkpatch.pl (cached), taken from Debian's
# linux-source-6.1 so it matches the kernels we target.
set -euo pipefail
cache=${WPWATCH_CACHE:-$HOME/.cache/wpwatch}
dir=$cache/checkpatch
if [ ! -f "$dir/.complete" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q linux-source-6.1 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.1_*.deb | tar -x -C "$tmp" --wildcards '*/linux-source-6.1.tar.xz'
	tarball=$(find "$tmp" -name linux-source-6.1.tar.xz)
	tar -xJf "$tarball" -C "$tmp" --wildcards --no-anchored \
		'scripts/checkpatch.pl' 'scripts/spelling.txt' 'scripts/const_structs.checkpatch'
	cp "$tmp"/linux-source-6.1/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$dir/"
	touch "$dir/.complete"
fi
echo "$dir/checkpatch.pl"
