/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rr_steps.h: the steps of a re-randomization pass, named once for
 * rerandom.ko (enum rr_step, its step tracepoints), the BPF programs and
 * wpwatch lat (the step names it prints). Plain C, no kernel or libc
 * headers: included by plain name through -I include/.
 *
 * RR_STEPS(X) calls X(ID, name) once per step, in the order a pass runs them.
 */
#ifndef WPWATCH_RR_STEPS_H
#define WPWATCH_RR_STEPS_H

#define RR_STEPS(X)		\
	X(COPY, copy)		\
	X(FIXUP, fixup)		\
	X(SWITCH, switch)	\
	X(SYNC, sync)		\
	X(GRACE, grace)		\
	X(FREE, free)

#define RR_STEP_ENUM_(id, name) RR_STEP_##id,
enum rr_step {
	RR_STEPS(RR_STEP_ENUM_)
	RR_NR_STEPS
};
#undef RR_STEP_ENUM_

/* rr_step_names[RR_STEP_COPY] is "copy"; define RR_STEP_NAMES_WANTED first */
#ifdef RR_STEP_NAMES_WANTED
#define RR_STEP_NAME_(id, name) #name,
static const char *const rr_step_names[RR_NR_STEPS] = {
	RR_STEPS(RR_STEP_NAME_)
};
#undef RR_STEP_NAME_
#endif

#endif /* WPWATCH_RR_STEPS_H */
