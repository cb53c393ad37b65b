/* SPDX-License-Identifier: MIT */
/*
 * core/sidequery.h - the core's side queries through a dialect's ABI 1.1
 * members query() and column_type() (include/retort/dialect.h).
 *
 * Core features that keep their own tables (a history, a table lease) call
 * these, never the vtable members directly: a plugin built for ABI 1.0
 * lacks them (its struct_size does not cover them), and these helpers turn
 * that into one clear error instead of reading past its struct.  Offline
 * (--sql) sessions never query: rt_db_query() refuses an unconnected
 * session.  Errors are masked like every other database error
 * (rt_db_error()).
 */
#ifndef RETORT_CORE_SIDEQUERY_H
#define RETORT_CORE_SIDEQUERY_H

#include <stddef.h>
#include <retort/dialect.h> /* IWYU pragma: export */
#include "util.h" /* IWYU pragma: export */

struct rt_db;

/* 1 when the session's dialect has query() (ABI 1.1 and not NULL). */
int rt_db_can_query(const struct rt_db *db);
/* 1 when the session's dialect has column_type() (ABI 1.1 and not NULL). */
int rt_db_can_column_type(const struct rt_db *db);

/*
 * Run one statement with '?' placeholders bound to params (NULL entry =
 * SQL NULL) on a connected session, inside whatever transaction is open;
 * cb (may be NULL) gets each row, *affected (may be NULL) the rows an
 * INSERT/UPDATE/DELETE changed or -1.  0, or -1 with err set: exit class
 * RT_EXIT_USAGE when the plugin lacks query() ("does not support queries
 * (ABI 1.0)") or the session is offline, the database's class otherwise.
 */
int rt_db_query(struct rt_db *db, const char *sql, const char *const *params, size_t nparams,
                retort_query_row_cb cb, void *payload, long *affected, struct rt_err *err);

/*
 * The dialect's spelling of a portable column type (RETORT_TYPE_*; length
 * for VARCHAR) into out[outsz].  0, or -1 with err set (no column_type()
 * in an ABI 1.0 plugin, an unknown type, or out too small).
 */
int rt_db_column_type(const struct rt_db *db, int type, unsigned length, char *out,
                      size_t outsz, struct rt_err *err);

/*
 * The database user of a connected session, for the audit trail: the
 * first column of the first row of the dialect's session_user_sql (ABI
 * 1.3) run through query(), else the URL's user; *out (rt_malloc'd) is
 * NULL when neither tells (SQLite: no users).  A query that fails or
 * gives nothing falls back (logged at debug level).  -1 only when out of
 * memory.
 */
int rt_db_session_user(struct rt_db *db, char **out, struct rt_err *err);

#endif
