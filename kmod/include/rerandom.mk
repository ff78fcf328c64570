# SPDX-License-Identifier: GPL-2.0
# rerandom.mk: what a module's Kbuild includes to make the module
# re-randomizable by rerandom.ko (docs/rerandom.md). The one definition of
# RR_CFLAGS and of the two ways to build such a module:
#
#   include /path/to/rerandom.mk
#   # MOD.ko from objects of unmodified sources, through rrmeta --auto:
#   $(eval $(call rr_auto_module,MOD,OBJS))
#   # MOD.ko whose objects FNOBJS hold SPECIAL_FUNCTIONs (rerandom.h), with
#   # OTHEROBJS, through rrmeta (MOD.meta.c: the table of the bodies):
#   $(eval $(call rr_special_module,MOD,FNOBJS,OTHEROBJS))
#
# In this tree, kmod/include/rerandom.mk (kmod/bfq/Kbuild and
# kmod/rerandom/Kbuild include it); an installed copy sits beside its
# headers. Set these before the include or on make's command line:
#   RRMETA            the rrmeta binary (no default: the top-level build
#                     passes its host copy; installed, wpwatch-rrmeta)
#   RERANDOM_INCLUDE  the folder with rerandom.h, added to ccflags-y
#                     (default: this file's folder)
#   RERANDOM_SYMVERS  rerandom.ko's Module.symvers, added to
#                     KBUILD_EXTRA_SYMBOLS so that modpost knows
#                     rerandom_register_module() (default: none: in this
#                     tree rerandom.ko is built in the same Kbuild tree).
#                     modpost reads only the Kbuild of the folder make's M=
#                     names: include this file from that one
# It defines RR_CFLAGS (the flags of code a trampoline sits in front of,
# which both macros give the objects with bodies) and the commands
# cmd_rrmeta, cmd_rrauto and cmd_rr_bodies.

RERANDOM_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
RERANDOM_INCLUDE ?= $(RERANDOM_MK_DIR)
RERANDOM_SYMVERS ?=
RRMETA ?= $(error RRMETA is not set: build through the top-level make, which builds the host tool rrmeta first, or set RRMETA to wpwatch-rrmeta)

ccflags-y += -I$(RERANDOM_INCLUDE)
ifneq ($(RERANDOM_SYMVERS),)
KBUILD_EXTRA_SYMBOLS += $(RERANDOM_SYMVERS)
endif

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
