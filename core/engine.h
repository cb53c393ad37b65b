/* SPDX-License-Identifier: MIT */
/*
 * core/engine.h - a database session through a dialect plugin, and the
 * migration engine that executes a plan (core/plan.h) in it.
 *
 * The engine decides transaction boundaries from the dialect's capability
 * flags and the configuration, never from the dialect's name:
 *  - transactional DDL and not transaction_per_migration: one transaction
 *    for the whole run;
 *  - transactional DDL and transaction_per_migration: one transaction per
 *    migration (script + version rows);
 *  - no transactional DDL: each script's work is committed, then its version
 *    rows in a transaction of their own;
 *  - a "-- retort:transaction off" script runs outside any transaction and
 *    its version rows are written in a transaction right after it.
 * A transaction holding only version rows that the database rolls back
 * whole (SQLSTATE class 40: serialization failure, deadlock, a Galera
 * certification conflict) is retried up to 5 times, with a warning each
 * time and the count in the final error.
 */
#ifndef RETORT_CORE_ENGINE_H
#define RETORT_CORE_ENGINE_H

#include <stdio.h>
#include <retort/dialect.h> /* IWYU pragma: export */
#include "plan.h" /* IWYU pragma: export */

struct rt_settings;
struct rt_registry;
struct rt_loader_options;

struct rt_db {
	const struct retort_dialect *d;
	struct retort_conn *conn;
	struct rt_url *url;
	int connected;
	int locked;
	int lock_timed_out;    /* rt_db_lock failed: another run holds the lock */
	int table_exists;      /* set by rt_db_read_versions */
	/* how the lock is taken (core/lease.h) */
	const struct rt_settings *cfg;         /* borrowed from rt_db_open */
	struct retort_dialect_options dopts;   /* create()'s, for the lease's connection */
	int url_lock_strategy; /* RT_LOCK_* from the URL's ?retort_lock_strategy= or
	                          ?pgbouncer=true, else -1 */
	struct rt_lease *lease;/* the table lease held (lock_strategy "table") */
};

/*
 * Parse the configured URL, load the dialect plugin and create its handle.
 * When `connect` is set, also connect.  Errors are masked (no password).
 * The URL parameters retort_lock_strategy=auto|session|table and
 * pgbouncer=true|1 (the same as retort_lock_strategy=table) are the
 * core's: they are taken out before the plugin sees the URL.  `cfg` must
 * outlive the session.
 */
int rt_db_open(struct rt_db *db, const struct rt_settings *cfg, const struct rt_registry *reg,
               const struct rt_loader_options *lo, int connect, struct rt_err *err);
void rt_db_close(struct rt_db *db);

/*
 * Take the migration lock, as lock_strategy says (the URL's, else the
 * configuration's): "session", the dialect's own lock (a dialect without
 * one draws a warning); "table", a lease row in retort_lock
 * (core/lease.h) renewed by the engine; "auto", the lease on a Galera
 * node, else the session lock.
 */
int rt_db_lock(struct rt_db *db, struct rt_err *err);

/*
 * Renew a table lease (no-op for a session lock): always with `force`
 * (before every commit of a run), else when a third of lock_lease has
 * passed.  -1 when the lease was lost or cannot be renewed.
 */
int rt_db_renew_lock(struct rt_db *db, int force, struct rt_err *err);

/* Read the version table's rows (sorted); absent table = no rows. */
int rt_db_read_versions(struct rt_db *db, struct rt_strvec *rows, struct rt_err *err);

/*
 * Turn a plugin's error object into a core error: "<what>: <message>
 * [SQLSTATE xxxxx, code n]", with any occurrence of the URL's password
 * replaced by "***".  Frees the plugin error.
 */
int rt_db_error(struct rt_err *err, const struct rt_db *db, struct retort_error *perr,
                int rc, const char *what_fmt, ...) RT_PRINTF(5, 6);

struct rt_script;

/*
 * What a run also writes (core/history.c: retort_history, retort_audit),
 * each in the transaction the strategy gives: `prepare` in the first one,
 * after the version table is made; `step` right after a step's version
 * rows, in their transaction; `finish` once, before the last commit (in
 * the last migration's transaction, or the run's one transaction).  Any
 * member may be NULL.  A failing hook fails the run like a failing
 * statement.  A transaction that is retried (record_alone) runs its hooks
 * again.
 */
struct rt_engine_hooks {
	int (*prepare)(void *payload, struct rt_db *db, struct rt_err *err);
	int (*step)(void *payload, struct rt_db *db, const struct rt_step *st,
	            const struct rt_script *s, struct rt_err *err);
	int (*finish)(void *payload, struct rt_db *db, struct rt_err *err);
};

struct rt_engine_options {
	int transaction_per_migration;
	int purge;                      /* stamp --purge: delete `purge_rows` first */
	const struct rt_strvec *purge_rows;
	int quiet;                      /* do not log each step */
	FILE *log;                      /* where "Running upgrade ..." goes (stderr) */
	const struct rt_strvec *xargs;  /* -x key=value, for ${x:key} in scripts */
	int ensure_version;             /* create the version table even for an
	                                   empty plan (ensure-version) */
	struct rt_progress *progress;   /* each step and statement timed and told
	                                   (core/progress.h); NULL: `quiet`/`log` */
	const struct rt_engine_hooks *hooks; /* may be NULL */
	void *hooks_payload;
	int always;                     /* run the hooks even when the plan is empty */
};

/*
 * Execute `plan` on a connected, locked database whose version rows were
 * read with rt_db_read_versions.  On failure the message names the
 * revision, its file, the statement (index, line, text), the database's
 * error, and what the version table now holds.
 */
int rt_engine_run(struct rt_db *db, const struct rt_plan *plan,
                  const struct rt_engine_options *opts, struct rt_err *err);

#endif
