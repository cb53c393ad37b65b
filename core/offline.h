/*
 * core/offline.h - offline (--sql) mode: render a plan as one SQL script a
 * DBA can review and run, without connecting (Alembic's as_sql mode).
 */
#ifndef RETORT_CORE_OFFLINE_H
#define RETORT_CORE_OFFLINE_H

#include "engine.h"

struct rt_offline_options {
	int transaction_per_migration;
	size_t n_start_rows;         /* rows the version table holds at the start */
	const char *version_table;
	const char *version_table_schema;
};

/*
 * Append the script for `plan` to `out`.  `db` is created but not
 * connected.  The text follows Alembic's: the version table's CREATE TABLE
 * when the table starts empty, "-- Running upgrade a -> b" before each
 * step, each statement with the dialect's terminator, the version-table
 * INSERT/UPDATE/DELETE, BEGIN/COMMIT where the dialect has transactional
 * DDL, and DROP TABLE of the version table when a downgrade empties it.
 */
int rt_offline_render(struct rt_buf *out, const struct rt_db *db, const struct rt_plan *plan,
                      const struct rt_offline_options *o, struct rt_err *err);

/* The version table name as SQL: schema-qualified, quoted only where an
 * identifier needs it (as SQLAlchemy does). */
int rt_offline_table_name(char **out, const struct rt_db *db, const char *table,
                          const char *schema, struct rt_err *err);

/* Write `text` to `path` atomically: a temp file in the same directory,
 * fsync, rename.  Nothing is left behind on error. */
int rt_write_file_atomic(const char *path, const char *text, size_t len, struct rt_err *err);

#endif
