/* SPDX-License-Identifier: MIT */
/*
 * core/api.h - what the public API's commands (core/cmd_*.c) share: the
 * process-global last error behind retort_error_message(), and the two
 * output streams of struct retort_options.
 */
#ifndef RETORT_CORE_API_H
#define RETORT_CORE_API_H

#include <stdio.h>

#include <retort/retort.h> /* IWYU pragma: export */

#include "util.h" /* IWYU pragma: export */

/*
 * End a command: record `err` as the last error when rc < 0 (taking its
 * message) and return the command's exit status (RETORT_EXIT_OK when
 * rc >= 0; err->status, or RETORT_EXIT_DB when unset, otherwise).
 */
int rt_api_finish(struct rt_err *err, int rc);

/* The data stream (o->out, else stdout) and the progress stream (o->log,
 * else stderr). */
FILE *rt_api_out(const struct retort_options *o);
FILE *rt_api_log(const struct retort_options *o);

/* Write a buffer to the data stream; an append that ran out of memory or a
 * failed write is an error. */
int rt_api_emit(const struct retort_options *o, struct rt_buf *b, struct rt_err *err);
/* The same for text that came partly from elsewhere (script headers,
 * version rows): control characters escaped (printable.h), unless the
 * output is JSON, whose strings escape them already.  Not for SQL. */
int rt_api_emit_text(const struct retort_options *o, struct rt_buf *b, struct rt_err *err);

#endif
