/* SPDX-License-Identifier: MIT */
/*
 * core/randid.h - the source of random revision ids.
 */
#ifndef RETORT_CORE_RANDID_H
#define RETORT_CORE_RANDID_H

#include "util.h" /* IWYU pragma: export */

/* Length of a random revision id: 12 lowercase hex digits, as Alembic's
 * uuid4().hex[-12:]. */
#define RT_RANDID_LEN 12

/*
 * Fill out[0..RT_RANDID_LEN-1] with random lowercase hex digits from the
 * kernel's random source (getrandom(2)) and NUL-terminate it.  The error
 * (RT_EXIT_DB) says how to do without: pass --rev-id.
 */
int rt_randid(char out[RT_RANDID_LEN + 1], struct rt_err *err);

#endif
