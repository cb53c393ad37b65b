/* SPDX-License-Identifier: MIT */
/*
 * core/progress.h - what a run (upgrade, downgrade, stamp) tells while it
 * runs, and how long each part took.
 *
 * On the progress stream (stderr), unless quiet:
 *   Running upgrade  -> ae10, add account ... 12 ms
 * each migration's line is written when it starts and gets its duration
 * (or "failed after ...") when it ends; the run ends with a summary:
 *   Done: 2 migrations in 31 ms
 *   Failed in step 2 of 2, after 20 ms
 * With verbose, each statement gets its own line as it starts, its
 * duration when it ends:
 *   Running upgrade  -> ae10, add account
 *     statement 1 (line 6): CREATE TABLE account (id INTEGER PRIMARY ... 3.1 ms
 *     done in 4.0 ms
 * A line another message must interrupt (a warning, a statement) is ended
 * first, and its duration then comes on a line of its own ("  done in").
 * The output is plain text: no cursor movement and no colour, whatever
 * the streams are, so that a terminal and a CI log read the same.
 *
 * With `json` set, each finished step is also appended to that open JSON
 * array as {"revision", "direction", "description", "ok", "duration_ms"}.
 *
 * One run at a time per process (the CLI's model): rt_progress_break()
 * finds the active run.
 */
#ifndef RETORT_CORE_PROGRESS_H
#define RETORT_CORE_PROGRESS_H

#include <stdio.h>

#include "json.h" /* IWYU pragma: export */
#include "plan.h" /* IWYU pragma: export */

struct rt_progress {
	FILE *log;               /* the progress stream; NULL: quiet */
	int verbose;             /* a line per statement */
	struct rt_json *json;    /* the open "steps" array, or NULL */
	/* state */
	long long t_run, t_step, t_stmt;   /* monotonic microseconds */
	const struct rt_step *step;        /* the step running, or NULL */
	int in_stmt;
	int line_open;           /* a line waits for its end on `log` */
	int step_line_broken;    /* the step's line was ended early */
	int planned;             /* rt_progress_plan was called */
	size_t n_total, n_done, n_stamps;
	size_t failed_step;      /* 1-based step that failed, 0: none */
	long long last_duration_us; /* of the last step that ended */
};

/* Monotonic time in microseconds. */
long long rt_progress_now_us(void);

/* Start the clock of a run (before connecting, so that the total holds the
 * connection and the lock). */
void rt_progress_start(struct rt_progress *p, FILE *log, int verbose, struct rt_json *json);
/* The run has a plan of n_steps steps: from now on it ends with a summary. */
void rt_progress_plan(struct rt_progress *p, size_t n_steps);
void rt_progress_step(struct rt_progress *p, const struct rt_step *st);
void rt_progress_step_done(struct rt_progress *p, int ok);
/* A statement of the running step (verbose only; text as in the script). */
void rt_progress_stmt(struct rt_progress *p, unsigned index, unsigned line, const char *text,
                      size_t len);
void rt_progress_stmt_done(struct rt_progress *p, int ok);
/* End the run: closes an open step (as failed when !ok) and writes the
 * summary (when there was a plan: an error before it is reported alone).
 * Total time in *total_us (may be NULL). */
void rt_progress_finish(struct rt_progress *p, int ok, long long *total_us);

/* Before anything else is written to the progress stream: end an open
 * line.  A no-op outside a run. */
void rt_progress_break(void);

/* "12 ms", "3.1 ms", "1.5 s", "2 min 05 s" into out (at least 32 bytes). */
void rt_progress_duration(char *out, size_t size, long long us);

#endif
