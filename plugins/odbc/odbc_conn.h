/* SPDX-License-Identifier: MIT */
/*
 * plugins/odbc/odbc_conn.h - the connection state of the odbc plugin and
 * the helpers odbc.c lends to odbc_lock.c (everything here talks to the
 * driver manager; odbc_int.h holds what does not).
 */
#ifndef RETORT_PLUGIN_ODBC_CONN_H
#define RETORT_PLUGIN_ODBC_CONN_H

#include <sql.h>
#include <sqlext.h>

#include "odbc_int.h"


/* How long lock() sleeps between two tries of a non-blocking lock. */
#define LOCK_POLL_MS 100
/*
 * SQLite through sqliteodbc: how long a statement waits for another
 * writer is the driver's busy timeout, Timeout= in ms (read at connect
 * time, 100 s by default, at most 1000000).  The migration's connection
 * waits as long as the sqlite plugin's does: the lock timeout, but at
 * least SQLITE_MIN_BUSY_MS.
 */
#define SQLITE_MIN_BUSY_MS 5000L
#define SQLITE_MAX_BUSY_MS 1000000L
struct retort_conn {
	enum odbc_flavour flavour;     /* UNKNOWN until known */
	int flavour_from_url;          /* scheme or ?flavour= chose it */
	char *connstr;                 /* holds PWD=: never in a message */
	char **secrets;                /* host->secrets_of(url) + connstr: masked
	                                  in every message (NULL-terminated) */
	char *version_table;
	char *version_schema;          /* NULL for the default schema */
	long lock_timeout_ms;

	SQLHENV env;
	SQLHDBC dbc;
	int connected;
	int in_tx;                     /* autocommit is off */
	int locked;
	char *dbms_name;               /* SQLGetInfo(SQL_DBMS_NAME) */
	char *database;                /* current catalog, for the lock key */
	char *lock_name;               /* mysql/mssql/oracle lock name */
	long long lock_key;            /* postgresql advisory lock key */
	char *ora_lock_handle;         /* DBMS_LOCK handle from lock() */
	SQLHDBC lock_dbc;              /* autocommit connection of the lock row */
	int lock_dbc_connected;
	int row_locked;                /* the lock is our row in retort_lock */
	char *lock_holder;             /* "host:pid" written into that row */
};

/* The rules of c's flavour; NULL while it is unknown. */
const struct odbc_flavour_info *odbc__flavour_of(const struct retort_conn *c);

/*
 * Fill err from the handle's diagnostic records ("<what>: [SQLSTATE]
 * message (native N); ..."), scrubbed of the password and the connection
 * string; the first record's SQLSTATE and native code go to error_db.
 * Returns code.
 */
int odbc__diag_error(struct retort_error *err, int code, const struct retort_conn *c,
                     SQLSMALLINT htype, SQLHANDLE h, const char *what);
/* The error says "no such table" (SQLSTATE, native code or SQLite text). */
int odbc__is_missing_table(const struct retort_error *err);

/*
 * Scratch error objects, for queries whose failure may be expected: free
 * one, or move its failure (when code < 0) into err and free it.
 */
void odbc__scratch_free(struct retort_error *t);
int odbc__scratch_pass(struct retort_error *err, struct retort_error *t, int code);

int odbc__alloc_stmt_on(SQLHSTMT *st, struct retort_conn *c, SQLHDBC dbc,
                        struct retort_error *err);
/*
 * Run one statement on dbc with up to 4 bound string parameters; when
 * row_out is given, *row_out gets the first column of the first row
 * (host-allocated, NULL for NULL or no row); *rows_out gets SQLRowCount.
 * odbc__run() runs on the main connection.
 */
int odbc__run_on(struct retort_conn *c, SQLHDBC dbc, const char *sql,
                 const char *const *params, size_t n_params, char **row_out,
                 long *rows_out, const char *what, struct retort_error *err);
int odbc__run(struct retort_conn *c, const char *sql, const char *const *params,
              size_t n_params, char **row_out, long *rows_out, const char *what,
              struct retort_error *err);

/*
 * c's connection string with "Timeout=<ms>;" in front (sqliteodbc reads
 * the first of a keyword given twice); host-allocated, NULL when out of
 * memory.
 */
char *odbc__connstr_busy(const struct retort_conn *c, long ms);

/* The vtable's lock() and unlock() (odbc_lock.c). */
int odbc__lock(struct retort_conn *c, struct retort_error *err);
int odbc__unlock(struct retort_conn *c, struct retort_error *err);

#endif
