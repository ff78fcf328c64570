# SPDX-License-Identifier: GPL-2.0
# wpwatch: who writes this kernel memory, and what does it cost to keep moving
# our code? See README.md and docs/.
#
#   make            build everything for x86_64 and arm64 (modules, BPF, user)
#   make check      host unit tests + guest suites on both architectures
#   make check-full make check + what does not fit its 30-minute budget: the
#                   DKMS install suite (71-install-dkms), 60-demo, the debug
#                   lane's 22-watch-hotplug and long loops (docs/testing.md,
#                   "make check-full")
#   make demo       the main job, live, in an x86_64 guest
#   make bench      benchmarks (instruction counts in a guest)
#   make deps       install Debian packages (root)
#   make deb        the Debian packages wpwatch and wpwatch-dkms, both arches
#                   (.output/ARCH/deb/; ARCH=x86_64|arm64 for one)
#   make vmlinux    regenerate vmlinux/<arch>/vmlinux.h from the guest kernels' BTF
#   make unit       host unit tests only
#   make build ARCH=x86_64|arm64 [KERNEL=stock|mask|debug] [KDIR=...]

ARCHES := x86_64 arm64
ARCH ?= x86_64
KERNEL ?= stock
export WPWATCH_CACHE ?= $(HOME)/.cache/wpwatch

.PHONY: all build deps deps-ok check check-full unit demo bench vmlinux deb clean $(ARCHES:%=build-%)

all: $(ARCHES:%=build-%)

# a static pattern rule: make skips implicit rules for .PHONY targets
$(ARCHES:%=build-%): build-%:
	@$(MAKE) --no-print-directory -f build.mk ARCH=$* KERNEL=$(KERNEL)

build:
	@$(MAKE) --no-print-directory -f build.mk ARCH=$(ARCH) KERNEL=$(KERNEL)

deps:
	@scripts/deps.sh

# demo and check install what is missing themselves, so each works alone on a
# fresh machine.
deps-ok:
	@scripts/deps.sh --check >/dev/null || scripts/deps.sh

unit: deps-ok
	@tests/unit/run

check: deps-ok
	@tests/check

check-full: deps-ok
	@tests/check --full

demo: deps-ok
	@scripts/demo.sh

bench: deps-ok
	@scripts/bench.sh

vmlinux: deps-ok
	@scripts/vmlinux.sh

# ARCH only when given on the command line (its default is x86_64)
deb: deps-ok
	@scripts/deb.sh $(if $(filter command line,$(origin ARCH)),$(ARCH))

clean:
	rm -rf .output

# make install / uninstall / install-dkms / uninstall-dkms
include install.mk
