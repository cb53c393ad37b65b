/*
 * core/engine.h - a database session through a dialect plugin, and the
 * migration engine that executes a plan (core/plan.h) in it.
 *
 * The engine decides transaction boundaries from the dialect's capability
 * flags and the configuration, never from the dialect's name:
 *  - transactional DDL and not transaction_per_migration: one transaction
 *    for the whole run;
 *  - otherwise one transaction per migration (script + version rows);
 *  - a "-- retort:transaction off" script runs outside any transaction and
 *    its version rows are written in a transaction right after it.
 */
#ifndef RETORT_CORE_ENGINE_H
#define RETORT_CORE_ENGINE_H

#include <stdio.h>
#include <retort/dialect.h>
#include "plan.h"

struct rt_config;
struct rt_registry;
struct rt_loader_options;
struct rt_url;

struct rt_db {
	const struct retort_dialect *d;
	struct retort_conn *conn;
	struct rt_url *url;
	int connected;
	int locked;
	int table_exists;      /* set by rt_db_read_versions */
};

/*
 * Parse the configured URL, load the dialect plugin and create its handle.
 * When `connect` is set, also connect.  Errors are masked (no password).
 */
int rt_db_open(struct rt_db *db, const struct rt_config *cfg, const struct rt_registry *reg,
               const struct rt_loader_options *lo, int connect, struct rt_err *err);
void rt_db_close(struct rt_db *db);

/* Take the migration lock (a dialect without one draws a warning). */
int rt_db_lock(struct rt_db *db, struct rt_err *err);

/* Read the version table's rows (sorted); absent table = no rows. */
int rt_db_read_versions(struct rt_db *db, struct rt_strvec *rows, struct rt_err *err);

/*
 * Turn a plugin's error object into a core error: "<what>: <message>
 * [SQLSTATE xxxxx, code n]", with any occurrence of the URL's password
 * replaced by "***".  Frees the plugin error.
 */
int rt_db_error(struct rt_err *err, const struct rt_db *db, struct retort_error *perr,
                int rc, const char *what_fmt, ...) RT_PRINTF(5, 6);

struct rt_engine_options {
	int transaction_per_migration;
	int purge;                      /* stamp --purge: delete `purge_rows` first */
	const struct rt_strvec *purge_rows;
	int quiet;                      /* do not log each step */
	FILE *log;                      /* where "Running upgrade ..." goes (stderr) */
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
