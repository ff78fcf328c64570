#!/bin/sh
# make demo: boot the x86_64 guest and run tests/guest/demo.sh in it.
# DEMO_ARCH=arm64 make demo shows the same on arm64.
set -e
cd "$(dirname "$0")/.."
exec tests/vm/run --arch "${DEMO_ARCH:-x86_64}" --quiet --timeout 600 -- sh tests/guest/demo.sh
