# SPDX-License-Identifier: GPL-2.0
# rerandom.mk: what a module's Kbuild includes to make the module
# re-randomizable by rerandom.ko (docs/rerandom.md, "Make your module
# re-randomizable"). The one definition of RR_CFLAGS and of the two ways to
# build such a module:
#
#   include /usr/share/wpwatch/rerandom.mk
#   # MOD.ko from objects of unmodified sources, through rrmeta --auto:
#   $(eval $(call rr_auto_module,MOD,OBJS))
#   # MOD.ko whose objects FNOBJS hold SPECIAL_FUNCTIONs (rerandom.h), with
#   # OTHEROBJS, through rrmeta (MOD.meta.c: the table of the bodies):
#   $(eval $(call rr_special_module,MOD,FNOBJS,OTHEROBJS))
#
# Installed as /usr/share/wpwatch/rerandom.mk by the wpwatch package (and by
# make install under PREFIX); in this tree kmod/include/rerandom.mk, which
# samples/bfq, samples/rerandom and tests/kmod/rr_classes include. Include it
# from the Kbuild of the folder make's M= names: modpost reads only that one.
# It reads, each overridable (before the include or on make's command line):
#   RR_PREFIX        where wpwatch is installed (/usr; make install sets it)
#   RRMETA           the rrmeta binary ($(RR_PREFIX)/bin/wpwatch-rrmeta; the
#                    top-level build of this tree passes its host copy)
#   RR_INCLUDE       the folder of rerandom.h: this file's own folder when
#                    rerandom.h is beside it (this tree), else
#                    $(RR_PREFIX)/include/wpwatch
#   RR_CORE_SYMVERS  the core's Module.symvers, for modpost: the CRCs of
#                    rerandom.ko's exports (Debian's kernels have
#                    CONFIG_MODVERSIONS=y). Unset: generated into the module's
#                    build folder from the installed rerandom.ko (RR_CORE_KO,
#                    default: modinfo -n rerandom for the target kernel), so
#                    nothing outside that folder is written or left behind.
#                    Set it empty when rerandom.ko is built in the same
#                    Kbuild tree (this tree's samples and test modules).
# It defines RR_CFLAGS (the flags of code a trampoline sits in front of,
# which both macros give the objects with bodies) and the commands
# cmd_rrmeta, cmd_rrauto, cmd_rr_bodies and cmd_rr_symvers.

RR_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
RR_PREFIX ?= /usr
RRMETA ?= $(RR_PREFIX)/bin/wpwatch-rrmeta
RR_INCLUDE ?= $(if $(wildcard $(RR_MK_DIR)/rerandom.h),$(RR_MK_DIR),$(RR_PREFIX)/include/wpwatch)
ccflags-y += -I$(RR_INCLUDE)

# Bodies in their own sections (-ffunction-sections: rrmeta moves sections),
# not split in hot and cold parts (-fno-reorder-blocks-and-partition), with
# frame pointers (x86 unwinds moved bodies through them), and on arm64 with
# inline atomics (-mno-outline-atomics: no calls to libgcc's outline
# helpers).
# -fno-ipa-ra: a caller must not count on a callee it can see leaving some
# call-clobbered registers alone (GCC's IPA register allocation): the
# trampoline in between clobbers them (arm64 bfq oopsed on x3 without it).
# It applies to any code a trampoline sits in front of.
RR_CFLAGS := -ffunction-sections -fno-reorder-blocks-and-partition \
	-fno-omit-frame-pointer -fno-ipa-ra $(call cc-option,-mno-outline-atomics)
ifdef CONFIG_ARM64
# a BTI landing pad at each body's entry (the trampoline enters by blr)
RR_CFLAGS += $(call cc-option,-mbranch-protection=pac-ret+leaf+bti)
endif

# --- the core's exports for modpost -----------------------------------------
ifeq ($(origin RR_CORE_SYMVERS),undefined)
RR_CORE_KO ?= $(shell /sbin/modinfo -k $(KERNELRELEASE) -n rerandom 2>/dev/null)
RR_CORE_SYMVERS := $(obj)/rerandom.symvers
# Module.symvers lines (CRC, symbol, module, export type) from rerandom.ko:
# each export SYM has a label __crc_SYM in __kcrctab (EXPORT_SYMBOL) or
# __kcrctab_gpl (EXPORT_SYMBOL_GPL) on the 4 bytes of its CRC (6.1; the
# guests' arches are both little-endian, as od reads them on the builder).
quiet_cmd_rr_symvers = SYMVERS $@
      cmd_rr_symvers = ko='$(RR_CORE_KO)'; \
	[ -n "$$ko" ] || { echo "rerandom.mk: no rerandom.ko for $(KERNELRELEASE): install wpwatch-dkms, or set RR_CORE_KO or RR_CORE_SYMVERS" >&2; exit 1; }; \
	case "$$ko" in *.xz) xz -dc "$$ko" ;; *.zst) zstd -dcq "$$ko" ;; *) cat "$$ko" ;; esac >$@.ko && \
	for sec in __kcrctab __kcrctab_gpl; do \
		$(OBJCOPY) -O binary --only-section=$$sec $@.ko $@.$$sec || exit 1; \
	done; \
	$(OBJDUMP) -t $@.ko | awk '$$NF ~ /^__crc_/ { print $$(NF-2), $$1, substr($$NF, 7) }' | \
	while read -r sec off sym; do \
		crc=$$(od -An -tx4 -j $$((0x$$off)) -N 4 $@.$$sec | tr -d ' '); \
		printf '0x%s\t%s\trerandom\tEXPORT_SYMBOL%s\t\n' "$$crc" "$$sym" \
			"$$([ $$sec = __kcrctab_gpl ] && echo _GPL)"; \
	done | sort -k2 >$@.tmp && rm -f $@.ko $@.__kcrctab* && \
	{ [ -s $@.tmp ] || { echo "rerandom.mk: $$ko has no CRCs (a kernel without CONFIG_MODVERSIONS: set RR_CORE_SYMVERS)" >&2; exit 1; }; } && \
	mv $@.tmp $@
# made on every build: cheap, and a rebuilt rerandom.ko has new CRCs
$(obj)/rerandom.symvers: FORCE
	$(call cmd,rr_symvers)
always-y += rerandom.symvers
clean-files += rerandom.symvers
endif
KBUILD_EXTRA_SYMBOLS += $(RR_CORE_SYMVERS)

# --- SPECIAL_FUNCTION modules ------------------------------------------------
# rrmeta writes the table of the bodies and of their sites, and refuses
# (fails the build, naming the function and the reason) what cannot move.
quiet_cmd_rrmeta = RRMETA  $@
      cmd_rrmeta = $(RRMETA) -o $@ $(filter %.o,$^)

# $(call rr_special_module,MOD,FNOBJS,OTHEROBJS): MOD.ko is OTHEROBJS,
# FNOBJS (compiled with RR_CFLAGS) and MOD.meta.o, the table rrmeta writes
# from FNOBJS.
define rr_special_module
obj-m += $(1).o
$(1)-y := $(3) $(2) $(1).meta.o
$(foreach o,$(2),CFLAGS_$(o) += $$(RR_CFLAGS)
)
$(obj)/$(1).meta.c: $(addprefix $(obj)/,$(2)) $$(RRMETA) FORCE
	$$(call if_changed,rrmeta)
targets += $(1).meta.c
endef

# --- modules from unmodified sources (rrmeta --auto) ---------------------------
# $(call rr_auto_module,MOD,OBJS): MOD's objects OBJS, built from unmodified
# sources with RR_CFLAGS and without ftrace's entry records (bodies are
# notrace), linked into MOD.bodies.o, which rrmeta --auto rewrites into
# MOD.bodies.rr.o beside the generated MOD.rr.c (trampolines, slots, the
# table, init/exit wrappers); MOD.rr.txt lists every function: moved, or
# refused and why. MOD.ko is MOD.bodies.rr.o + MOD.rr.o.
quiet_cmd_rr_bodies = LD [M]  $@
      cmd_rr_bodies = $(LD) $(ld_flags) -r -o $@ $(real-prereqs)
quiet_cmd_rrauto = RRMETA  $@
      cmd_rrauto = $(RRMETA) --auto -o $@ -w $(@:.rr.c=.bodies.rr.o) \
		-r $(@:.rr.c=.rr.txt) $<

define rr_auto_module
obj-m += $(1).o
$(1)-y := $(1).bodies.rr.o $(1).rr.o
# compiled as parts of the module (KBUILD_MODNAME, -DMODULE, objtool
# --module) although Kbuild links the rewritten object instead of them
$(addprefix $(obj)/,$(2)): part-of-module := y
$(addprefix $(obj)/,$(2)): modname := $(1)
$(foreach o,$(2),CFLAGS_$(o) += $$(RR_CFLAGS)
CFLAGS_REMOVE_$(o) += $$(CC_FLAGS_FTRACE)
)
$(obj)/$(1).bodies.o: $(addprefix $(obj)/,$(2)) FORCE
	$$(call if_changed,rr_bodies)
$(obj)/$(1).rr.c: $(obj)/$(1).bodies.o $$(RRMETA) FORCE
	$$(call if_changed,rrauto)
# (modpost reads each object's .cmd file for the module's srcversion)
$(obj)/$(1).bodies.rr.o: $(obj)/$(1).rr.c
	$$(Q)echo 'savedcmd_$$@ := rrmeta --auto' >$$(dot-target).cmd
targets += $(2) $(1).bodies.o $(1).rr.c
endef
