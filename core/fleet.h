/* SPDX-License-Identifier: MIT */
/*
 * core/fleet.h - fleet mode: one command over many databases (`--targets
 * FILE -j N`).
 *
 * The targets file lists one database per line:
 *
 *     # comment lines and blank lines are ignored
 *     postgresql://app@db1.example/tenant1   tenant1
 *     ${TENANT2_URL}                         tenant2
 *     sqlite:///tenants/t3.db
 *
 * a URL (${VAR}, ${VAR:-default} and ${file:PATH} expand as in retort.cfg)
 * and an optional name; without one the name is the variable of a line that
 * is just "${VAR}", else the URL with its password masked.  A line that
 * does not parse, an unset variable, a URL that does not parse, and two
 * lines naming the same URL or the same name are errors (RT_EXIT_USAGE)
 * before any database is touched: no database is migrated twice in a run.
 *
 * Each target runs in a child process of its own (fork, no exec): a crash,
 * a hang in a client library, a leak or the process-global state of
 * libretort (its last error, the log level) in one database never reaches
 * another.  The child inherits the parent's project (settings, scripts,
 * loaded plugins) copy-on-write, opens its own connection and lock, and
 * sends its result back over a pipe; its stdout and stderr go to a second
 * pipe, which the parent keeps as the target's output.  At most `jobs`
 * children run at once.
 */
#ifndef RETORT_CORE_FLEET_H
#define RETORT_CORE_FLEET_H

#include "util.h" /* IWYU pragma: export */

struct rt_fleet_target {
	char *name;        /* printable name (may come from the file) */
	char *url;         /* expanded: may hold a password, never printed */
	char *masked;      /* the URL with its password masked */
	unsigned line;     /* line of the targets file */
};

struct rt_fleet_targets {
	struct rt_fleet_target *v;
	size_t n;
};

/* Read and check the targets file `path` (see above). */
int rt_fleet_targets_load(struct rt_fleet_targets *out, const char *path, struct rt_err *err);
/* The same from text already read; `path` names it in messages. */
int rt_fleet_targets_parse(struct rt_fleet_targets *out, const char *text, const char *path,
                           struct rt_err *err);
void rt_fleet_targets_free(struct rt_fleet_targets *t);

/* What became of one database.  The order is that of the summary line. */
enum rt_fleet_outcome {
	RT_FLEET_OK,        /* migrated (or, for current/check, read and fine) */
	RT_FLEET_UNCHANGED, /* nothing to do: already at the target */
	RT_FLEET_SKIPPED,   /* --resume: at the target, not locked, not written */
	RT_FLEET_PENDING,   /* check: migrations pending */
	RT_FLEET_FINDINGS,  /* verify: the checks found something */
	RT_FLEET_LOCKED,    /* another run held the migration lock past lock_timeout */
	RT_FLEET_FAILED,
	RT_FLEET_N_OUTCOMES
};

/* The outcome's word: "ok", "unchanged", ... */
const char *rt_fleet_outcome_name(enum rt_fleet_outcome o);
/* Does the outcome count as success (exit status 0)? */
int rt_fleet_outcome_ok(enum rt_fleet_outcome o);

struct rt_fleet_result {
	int status;                 /* the database's exit status: 0, 1 or 2 */
	enum rt_fleet_outcome outcome;
	struct rt_strvec from;      /* version rows before ... */
	int from_known;             /* ... when they could be read */
	struct rt_strvec to;        /* version rows after ... */
	int to_known;               /* ... when they could be read */
	char *message;              /* why it failed (masked), or NULL */
	char *output;               /* what its worker printed (masked), or NULL */
	double seconds;             /* from start to end of its process */
};

void rt_fleet_result_free(struct rt_fleet_result *r);

/* Encode a result for the pipe, and decode it (-1: malformed). */
int rt_fleet_result_encode(struct rt_buf *out, const struct rt_fleet_result *r);
int rt_fleet_result_decode(struct rt_fleet_result *r, const char *data, size_t len);

/* Runs in the child for target `i`: fill `res` (status, outcome, rows,
 * message).  Anything it prints becomes the target's output. */
typedef void (*rt_fleet_work_fn)(size_t i, struct rt_fleet_result *res, void *payload);
/* Runs in the parent as target `i` finishes (in the order they finish). */
typedef void (*rt_fleet_done_fn)(size_t i, const struct rt_fleet_result *res, void *payload);

/* The most output kept per target; the rest is read and dropped. */
#define RT_FLEET_OUTPUT_MAX (256 * 1024)

/*
 * Run `work` for each of the n targets, at most `jobs` at a time, each in a
 * process of its own, and fill results[0..n) (zeroed by the caller) in
 * target order.  A worker that dies without a result (a signal, an exit)
 * is a failure saying so.  Returns 0 once every target has a result, or -1
 * with err set when the parent itself cannot go on (out of memory).
 */
int rt_fleet_run(size_t n, unsigned jobs, rt_fleet_work_fn work, rt_fleet_done_fn done,
                 void *payload, struct rt_fleet_result *results, struct rt_err *err);

#endif
