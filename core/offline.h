/* SPDX-License-Identifier: MIT */
/*
 * core/offline.h - offline (--sql) mode: render a plan as one SQL script a
 * DBA can review and run, without connecting (Alembic's as_sql mode).
 */
#ifndef RETORT_CORE_OFFLINE_H
#define RETORT_CORE_OFFLINE_H

#include "engine.h" /* IWYU pragma: export */

struct rt_offline_options {
	int transaction_per_migration;
	size_t n_start_rows;         /* rows the version table holds at the start */
	const char *version_table;
	const char *version_table_schema;
	const struct rt_strvec *xargs;  /* -x key=value: ${x:key} is shown expanded */
	/* offline_history: also render what a run writes in retort_history and
	 * retort_audit (NULL: only what Alembic renders).  Its rec, stamp and
	 * start_rows are set; rec is ended here. */
	struct rt_history *history;
};

/*
 * Append the script for `plan` to `out`.  `db` is created but not
 * connected.  The text follows Alembic's: the version table's CREATE TABLE
 * when the table starts empty, "-- Running upgrade a -> b" before each
 * step, each statement with the dialect's terminator, the version-table
 * INSERT/UPDATE/DELETE, BEGIN/COMMIT where the dialect has transactional
 * DDL, and DROP TABLE of the version table when the script leaves it with
 * no rows (even after no step: `stamp base --sql`, as Alembic).
 * With o->history also: the CREATE TABLE of retort_history and
 * retort_audit beside the version table's (a run from an empty table),
 * after each step its retort_history row (the stamp rows of a stamp at the
 * end), and the command's retort_audit row in the last transaction.
 */
int rt_offline_render(struct rt_buf *out, const struct rt_db *db, const struct rt_plan *plan,
                      const struct rt_offline_options *o, struct rt_err *err);

/*
 * Append `ensure-version --sql`: the version table's CREATE TABLE, framed
 * in BEGIN/COMMIT where the dialect has transactional DDL.  (Alembic
 * follows it with DROP TABLE, as for any offline run that ends with no
 * rows, which undoes what the command is for; README "Where retort
 * decides".)
 */
int rt_offline_ensure_version(struct rt_buf *out, const struct rt_db *db, struct rt_err *err);

/* The version table name as SQL: schema-qualified, quoted only where an
 * identifier needs it (as SQLAlchemy does). */
int rt_offline_table_name(char **out, const struct rt_db *db, const char *table,
                          const char *schema, struct rt_err *err);

/* Append `value` as a string literal: the dialect's quoting, else standard
 * SQL's (single quotes doubled). */
int rt_offline_literal(struct rt_buf *b, const struct rt_db *db, const char *value,
                       struct rt_err *err);

#endif
