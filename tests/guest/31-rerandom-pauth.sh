#!/bin/sh
# arm64 with pointer authentication implemented by the CPU (QEMU -cpu
# max,pauth-impdef=on): the whole re-randomization suite (with 10 s of stress
# instead of 30) must pass with the kernel's address authentication on, i.e.
# moved bodies keep signing and checking their return addresses (pac-ret);
# that the bodies hold paciasp/autiasp at all is checked on the host
# (tests/host/rerandom-pauth.sh). Landing pads (BTI) are not tested: Debian's
# 6.1 has ARM64_BTI_KERNEL off, so the kernel enforces none.
# arches: arm64
# cpu: max,pauth-impdef=on
# weight: 3
# timeout: 900
# cpus: 2
# mem: 512
# tests: 43
. "$(dirname "$0")/lib.sh"

feat=$(awk -F: '/^Features/ { print $2; exit }' /proc/cpuinfo)
diag "CPU features:$feat"
case " $feat " in
*" paca "*) ;;
*) bail "the CPU has no pointer authentication (run with --cpu max,pauth-impdef=on)" ;;
esac
dmesg | grep -E "CPU features: detected: (Address authentication|Branch Target)" | sed 's/^/# /'
dmesg | grep -q "CPU features: detected: Address authentication" ||
	bail "the kernel did not enable pointer authentication"
RR_STRESS_S=10 exec sh "$(dirname "$0")/30-rerandom.sh"
