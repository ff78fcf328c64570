# SPDX-License-Identifier: GPL-2.0
# Build every artifact of ONE architecture: kernel modules, BPF objects and
# skeletons, static user-space programs. Called by the top-level Makefile:
#   make -f build.mk ARCH=x86_64|arm64 [KERNEL=stock|NAME] [KDIR=...] [V=1]
# Outputs go to .output/$(ARCH)/ only.

ARCH ?= x86_64
KERNEL ?= stock
OUTPUT := .output/$(ARCH)
TOP := $(CURDIR)
SHELL := /bin/bash

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

ifeq ($(ARCH),x86_64)
CROSS :=
BPF_ARCH := x86
KBUILD_ARCH :=
else ifeq ($(ARCH),arm64)
CROSS := aarch64-linux-gnu-
BPF_ARCH := arm64
KBUILD_ARCH := ARCH=arm64 CROSS_COMPILE=$(CROSS)
else
$(error unknown ARCH '$(ARCH)': use x86_64 or arm64)
endif

CC := $(CROSS)gcc
CLANG ?= clang
BPFTOOL ?= bpftool
# KDIR: a kernel build tree to build the modules against. Default: the cached
# Debian kernel of this arch (fetched on first use by scripts/kernel.sh).
ifeq ($(origin KDIR),undefined)
KDIR := $(shell $(TOP)/scripts/kernel.sh $(ARCH) $(KERNEL))/build
endif

# --- kernel modules ---------------------------------------------------------
KMOD_OUT := $(OUTPUT)/kmod-$(KERNEL)

.PHONY: all kmod bpf user
all: kmod user

# --- host tools (tools/, like the kernel's scripts/mod) ------------------------
# rrmeta: the Kbuild of each re-randomizable module (samples/, tests/kmod/,
# through kmod/include/rerandom.mk) runs it on its objects (it only receives
# RRMETA=). Built, here and as RRMETA_TARGET, by its one rule,
# tools/rrmeta/Makefile, which knows its sources (so it is asked every
# time: FORCE)
RRMETA := $(TOP)/$(OUTPUT)/host/rrmeta
RRMETA_MAKE := $(MAKE) -C $(TOP)/tools/rrmeta $(if $(filter 1,$(V)),V=1,-s)
$(RRMETA): FORCE
	+$(Q)$(RRMETA_MAKE) OUT=$@

.PHONY: FORCE
FORCE:

# One Kbuild run over a tree of symlinks: kmod/ (the product) at its top,
# samples/ as samples/ and tests/kmod/ as tests/ beside it, which kmod/Kbuild
# adds through WPWATCH_EXTRA (make -C kmod, DKMS, builds the product only).
# The Kbuild files find kmod/include and include/ through their real path.
kmod: $(RRMETA)
	$(call msg,KMOD,$(ARCH) $(KERNEL))
	$(Q)mkdir -p $(KMOD_OUT)/samples $(KMOD_OUT)/tests
	$(Q)cp -rsfu $(TOP)/kmod/. $(KMOD_OUT)/
	$(Q)cp -rsfu $(TOP)/samples/. $(KMOD_OUT)/samples/
	$(Q)cp -rsfu $(TOP)/tests/kmod/. $(KMOD_OUT)/tests/
	@# a source removed from kmod/ leaves a dangling link that Kbuild would build,
	@# a folder removed (its Kbuild link gone) its old .ko that tests/vm/run would copy
	$(Q)find $(KMOD_OUT) -xtype l -delete
	$(Q)find $(KMOD_OUT) -name '*.ko' ! -execdir test -e Kbuild \; -delete
	$(Q)$(MAKE) -C $(KDIR) M=$(TOP)/$(KMOD_OUT) $(KBUILD_ARCH) RRMETA=$(RRMETA) \
		WPWATCH_EXTRA="samples/ tests/" $(if $(filter 1,$(V)),,-s) modules \
		2>&1 | grep -v 'Skipping BTF generation' ; exit $${PIPESTATUS[0]}

# --- BPF objects and skeletons ----------------------------------------------
# bpf/: the product's programs; tests/bpf/: programs only the test programs
# of tests/guest/bin load. Both give $(OUTPUT)/bpf/NAME.skel.h.
BPF_SRCS := $(wildcard bpf/*.bpf.c tests/bpf/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(notdir $(BPF_SRCS)))
BPF_SKELS := $(BPF_OBJS:.bpf.o=.skel.h)
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
	-I vmlinux/$(ARCH) -I bpf -I include

bpf: $(BPF_SKELS)

# the headers each one includes: from its dependency file (-MMD -MP)
define bpf_obj_rule
$(OUTPUT)/bpf/%.bpf.o: $(1)/%.bpf.c vmlinux/$(ARCH)/vmlinux.h
	$$(call msg,BPF,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MF $$@.d -MT $$@ -c $$< -o $$@.tmp
	$(Q)$(BPFTOOL) gen object $$@ $$@.tmp && rm -f $$@.tmp
endef
$(eval $(call bpf_obj_rule,bpf))
$(eval $(call bpf_obj_rule,tests/bpf))

$(OUTPUT)/bpf/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

-include $(BPF_OBJS:=.d)

# --- user space: static programs for the guest ------------------------------
# user/lib/*.c: shared code (also unit-tested on the host), as libwpw.a: a
#   program takes only the objects it uses
# user/wpwatch/*.c: the wpwatch collector, one binary
# tests/guest/bin/*.c: one small test program per file
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	-I user/lib -I include -I $(OUTPUT)/bpf
USER_LDLIBS := -static -lbpf -lelf -lz -lpthread -lm

LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
LIBWPW := $(OUTPUT)/lib/libwpw.a
WPWATCH_SRCS := $(wildcard user/wpwatch/*.c)
WPWATCH_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(WPWATCH_SRCS))
TESTBIN_SRCS := $(wildcard tests/guest/bin/*.c)
TESTBINS := $(patsubst tests/guest/bin/%.c,$(OUTPUT)/bin/%,$(TESTBIN_SRCS))
# wpwatch-rrmeta: rrmeta built for ARCH, static, for `make install` (a module
# author on that machine runs it from Kbuild; the host/ copy is the build's)
RRMETA_TARGET := $(OUTPUT)/bin/wpwatch-rrmeta
# wpw_uwrite once more as a dynamically linked PIE (21-watch-symbols: user
# frames in a PIE and in the shared libc; the guests have ld.so and libc.so.6,
# which bpftool needs there too)
UWRITE_PIE := $(if $(wildcard tests/guest/bin/wpw_uwrite.c),$(OUTPUT)/bin/wpw_uwrite_pie)
PROGS := $(if $(WPWATCH_SRCS),$(OUTPUT)/bin/wpwatch) $(TESTBINS) $(UWRITE_PIE) $(RRMETA_TARGET)
USER_OBJS := $(LIB_OBJS) $(WPWATCH_OBJS) $(patsubst %.c,$(OUTPUT)/obj/%.o,$(TESTBIN_SRCS))

user: $(PROGS)

# wpwatch serves metrics with libmicrohttpd (user/lib/prom_http.c). Debian's
# static libmicrohttpd.a is built with HTTPS, and its static GnuTLS chain
# cannot be linked (Debian ships no libp11-kit.a): wpwatch serves plain HTTP
# only, and user/notls/gnutls.c answers libmicrohttpd's GnuTLS calls
# (docs/many-machines.md).
NOTLS_OBJ := $(OUTPUT)/obj/user/notls/gnutls.o
MHD_LDLIBS := -lmicrohttpd $(NOTLS_OBJ)
USER_OBJS += $(NOTLS_OBJ)
USER_LDFLAGS :=
# wpwatch-rrmeta through rrmeta's one rule (tools/rrmeta/Makefile): static
RRMETA_TARGET_FLAGS := EXTRA_LDFLAGS=-static EXTRA_LDLIBS=-lz

# LINK=shared: wpwatch and wpwatch-rrmeta for the Debian package (debian/rules,
# with OUTPUT= a folder of its own): linked against Debian's shared libraries
# (libbpf1, libelf1, libmicrohttpd12 with its GnuTLS, zlib1g), so no GnuTLS
# stub, and built with dpkg-buildflags' CPPFLAGS, CFLAGS and LDFLAGS
# (hardening) that debian/rules passes.
ifeq ($(LINK),shared)
USER_CFLAGS += $(CPPFLAGS) $(CFLAGS)
USER_LDFLAGS := $(LDFLAGS)
USER_LDLIBS := -lbpf -lelf -lz -lpthread -lm
MHD_LDLIBS := -lmicrohttpd
NOTLS_OBJ :=
RRMETA_TARGET_FLAGS := EXTRA_CFLAGS="$(CPPFLAGS) $(CFLAGS)" EXTRA_LDFLAGS="$(LDFLAGS)"
endif

# Each object depends on the skeletons its source includes (#include
# "NAME.skel.h"), which must exist before its first compile; every other
# header comes from its dependency file.
skels_of = $(patsubst %,$(OUTPUT)/bpf/%.skel.h,$(shell sed -n 's/^\#include "\(.*\)\.skel\.h".*/\1/p' $(1)))
$(foreach src,$(WPWATCH_SRCS) $(TESTBIN_SRCS) $(LIB_SRCS),\
	$(eval $(patsubst %.c,$(OUTPUT)/obj/%.o,$(src)): $(call skels_of,$(src))))

$(OUTPUT)/obj/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(LIBWPW): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $^

$(OUTPUT)/bin/wpwatch: $(WPWATCH_OBJS) $(LIBWPW) $(NOTLS_OBJ)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $(WPWATCH_OBJS) $(LIBWPW) $(MHD_LDLIBS) $(USER_LDLIBS)

$(RRMETA_TARGET): FORCE
	+$(Q)$(RRMETA_MAKE) OUT=$(TOP)/$@ CC=$(CC) $(RRMETA_TARGET_FLAGS)

$(OUTPUT)/bin/%: $(OUTPUT)/obj/tests/guest/bin/%.o $(LIBWPW)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $< $(LIBWPW) $(USER_LDLIBS)

$(OUTPUT)/bin/wpw_uwrite_pie: tests/guest/bin/wpw_uwrite.c
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror -fPIE -pie -fno-omit-frame-pointer -o $@ $<

-include $(USER_OBJS:.o=.d)

# a half-written target of a failed recipe is removed, never taken as built
.DELETE_ON_ERROR:
# keep objects and skeletons between runs
.SECONDARY:
