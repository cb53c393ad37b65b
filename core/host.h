/* SPDX-License-Identifier: MIT */
/*
 * core/host.h - the host table handed to dialect plugins, and helpers to
 * manage struct retort_error values the plugins fill.
 */
#ifndef RETORT_CORE_HOST_H
#define RETORT_CORE_HOST_H

#include <retort/dialect.h> /* IWYU pragma: export */
#include "util.h" /* IWYU pragma: export */

/* The process-wide host table (static storage, never freed). */
const struct retort_host *rt_host(void);

/* Set the verbosity threshold for host->log (RETORT_LOG_*). */
void rt_host_set_log_level(int level);

/* Zero an error object before a plugin call. */
void rt_dialect_error_init(struct retort_error *e);
/* Free the strings a plugin put into an error object and zero it. */
void rt_dialect_error_free(struct retort_error *e);

/*
 * Longest statement text kept in an error (bytes); longer ones are cut and
 * end in "...".
 */
#define RT_ERROR_STATEMENT_MAX 500

#endif
