/* SPDX-License-Identifier: MIT */
/*
 * plugins/odbc/odbc.c - the odbc dialect plugin: SQL Server and Oracle
 * (and PostgreSQL, MySQL/MariaDB, SQLite through their ODBC drivers) on
 * unixODBC.
 *
 * URL schemes: mssql[+odbc]://, oracle[+odbc]:// and odbc:// (see
 * odbc_connstr_build() for how a URL becomes a connection string).  The
 * "flavour" (which SQL dialect is behind the driver) comes from the scheme,
 * from ?flavour=, or after connect() from SQLGetInfo(SQL_DBMS_NAME); it
 * decides statement splitting, quoting, the version table DDL, the lock
 * (odbc_lock.c), the capability flags and the offline SQL text
 * (odbc_flavour.c).
 *
 * Every statement runs through SQLExecDirect with autocommit on, except
 * between begin() and commit()/rollback(), which turn autocommit off and
 * end with SQLEndTran.  Diagnostics are collected from every
 * SQLGetDiagRec record; any text that could carry a password (the
 * connection string, the URL's password, ?pwd= and ?password= values) is
 * replaced by "***" before it reaches a message.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "odbc_conn.h"

const struct retort_host *odbc__host;

/* At most this many diagnostic records go into one message. */
#define MAX_DIAG_RECORDS 8

/* ------------------------------------------------------------ helpers */

const struct odbc_flavour_info *odbc__flavour_of(const struct retort_conn *c)
{
	return odbc_flavour_get(c->flavour);
}

/* The rules of c's flavour, or an error saying how to name one. */
static const struct odbc_flavour_info *need_flavour(const struct retort_conn *c,
                                                    struct retort_error *err)
{
	const struct odbc_flavour_info *fl = odbc__flavour_of(c);
	if (!fl)
		H->error_set(err, RETORT_EUSAGE,
			"the odbc:// URL does not say which SQL dialect the data source "
			"speaks, and offline mode cannot ask it: add "
			"?flavour=mssql|oracle|postgresql|mysql|sqlite to the URL");
	return fl;
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d;
	if (!s)
		return NULL;
	d = H->strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

/*
 * Append s to b masked by the host's policy (the URL's secrets and the
 * connection string), on one line: line breaks become "; ", other control
 * characters blanks.
 */
static void put_scrubbed(struct retort_buf *b, const struct retort_conn *c, const char *s)
{
	char *m = H->mask(s, c ? (const char *const *)c->secrets : NULL, RETORT_MASK_ONELINE);
	const char *p;
	if (!m) {
		b->oom = 1;
		return;
	}
	for (p = m; *p; p++)
		H->buf_putc(b, ((unsigned char)*p < 0x20) ? ' ' : *p);
	H->free(m);
}

/*
 * Fill err from the handle's diagnostic records: the message is
 * "<what>: [SQLSTATE] message (native N); ..." for every record, and the
 * first record's SQLSTATE and native code go to error_db.  Returns code.
 */
int odbc__diag_error(struct retort_error *err, int code, const struct retort_conn *c,
                     SQLSMALLINT htype, SQLHANDLE h, const char *what)
{
	struct retort_buf b = RETORT_BUF_INIT;
	SQLCHAR state[6], small[512];
	SQLCHAR *text;
	SQLINTEGER native;
	SQLSMALLINT len;
	SQLRETURN rc;
	SQLSMALLINT rec;
	char first_state[6] = "";
	long first_native = 0;
	int n = 0;

	put_scrubbed(&b, c, what);
	for (rec = 1; h && rec <= MAX_DIAG_RECORDS; rec++) {
		text = small;
		rc = SQLGetDiagRec(htype, h, rec, state, &native, small, sizeof(small), &len);
		if (rc == SQL_NO_DATA || !SQL_SUCCEEDED(rc))
			break;
		if (len >= (SQLSMALLINT)sizeof(small)) {
			/* Truncated: fetch it whole. */
			text = H->alloc((size_t)len + 1);
			if (text && !SQL_SUCCEEDED(SQLGetDiagRec(htype, h, rec, state, &native,
			                                         text, (SQLSMALLINT)(len + 1),
			                                         &len))) {
				H->free(text);
				text = NULL;
			}
			if (!text)
				text = small;
		}
		state[5] = '\0';
		if (n == 0) {
			memcpy(first_state, state, sizeof(first_state));
			first_native = (long)native;
		}
		H->buf_puts(&b, n == 0 ? ": [" : "; [");
		H->buf_puts(&b, (const char *)state);
		H->buf_puts(&b, "] ");
		put_scrubbed(&b, c, (const char *)text);
		if (native) {
			char num[32];
			snprintf(num, sizeof(num), " (native %ld)", (long)native);
			H->buf_puts(&b, num);
		}
		if (text != small)
			H->free(text);
		n++;
	}
	if (n == 0)
		H->buf_puts(&b, " (the driver gave no diagnostic)");
	if (b.oom)
		H->error_set(err, code, "%s (out of memory formatting the diagnostics)", what);
	else
		H->error_set(err, code, "%s", b.ptr);
	H->error_db(err, first_state[0] ? first_state : NULL, first_native);
	H->buf_free(&b);
	return code;
}

/* Log SQL_SUCCESS_WITH_INFO records (notices, warnings) at info level. */
static void diag_log(const struct retort_conn *c, SQLSMALLINT htype, SQLHANDLE h)
{
	SQLCHAR state[6], text[512];
	SQLINTEGER native;
	SQLSMALLINT len, rec;
	struct retort_buf b = RETORT_BUF_INIT;

	for (rec = 1; rec <= MAX_DIAG_RECORDS; rec++) {
		if (!SQL_SUCCEEDED(SQLGetDiagRec(htype, h, rec, state, &native, text,
		                                 sizeof(text), &len)))
			break;
		state[5] = '\0';
		put_scrubbed(&b, c, (const char *)text);
		if (!b.oom)
			H->log(RETORT_LOG_INFO, "odbc: [%s] %s", (const char *)state, b.ptr);
		H->buf_free(&b);
	}
}

/* The SQLSTATE/native code/message of a failed query say "no such table". */
int odbc__is_missing_table(const struct retort_error *err)
{
	if (strcmp(err->sqlstate, "42S02") == 0 || strcmp(err->sqlstate, "42P01") == 0)
		return 1;
	/* ORA-00942, SQL Server 208, MySQL 1146 */
	if (err->native_code == 942 || err->native_code == 208 || err->native_code == 1146)
		return 1;
	/* SQLite's driver reports HY000 with SQLite's own text. */
	return err->message && strstr(err->message, "no such table") != NULL;
}

/*
 * A scratch error object for queries whose failure may be expected (probing
 * for a table, a lock INSERT that the primary key refuses): the caller's
 * error object is only written when the failure is real, so a successful
 * call never leaves a message behind.
 */
void odbc__scratch_free(struct retort_error *t)
{
	H->free(t->message);
	H->free(t->statement);
	memset(t, 0, sizeof(*t));
}

/* Move a scratch failure into err (when code < 0); frees the scratch. */
int odbc__scratch_pass(struct retort_error *err, struct retort_error *t, int code)
{
	if (code < 0) {
		H->error_set(err, code, "%s", t->message ? t->message : "database error");
		H->error_db(err, t->sqlstate[0] ? t->sqlstate : NULL, t->native_code);
		if (t->statement)
			H->error_statement(err, t->stmt_index, t->stmt_line, t->statement,
			                   strlen(t->statement));
	}
	odbc__scratch_free(t);
	return code;
}

/* A statement handle on dbc (the main connection unless said otherwise). */
int odbc__alloc_stmt_on(SQLHSTMT *st, struct retort_conn *c, SQLHDBC dbc,
                        struct retort_error *err)
{
	if (!c->connected)
		return H->error_set(err, RETORT_ERROR,
			"the odbc dialect was asked to run SQL before connect()");
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, st)))
		return odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_DBC, dbc,
		                        "cannot allocate an ODBC statement handle");
	return 0;
}

static int alloc_stmt(SQLHSTMT *st, struct retort_conn *c, struct retort_error *err)
{
	return odbc__alloc_stmt_on(st, c, c->dbc, err);
}

/* Fetch the remaining results (SQLMoreResults) and report an error one of
 * them carries (a later statement of a SQL Server batch, for instance). */
static int drain(struct retort_conn *c, SQLHSTMT st, const char *what, struct retort_error *err)
{
	SQLRETURN rc;
	for (;;) {
		rc = SQLMoreResults(st);
		if (rc == SQL_NO_DATA)
			return 0;
		if (rc == SQL_SUCCESS_WITH_INFO)
			diag_log(c, SQL_HANDLE_STMT, st);
		else if (rc != SQL_SUCCESS)
			return odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
	}
}

/*
 * Run one statement (bound parameters: n_params NUL-terminated strings)
 * and, when `row_out` is given, return the first column of the first row
 * (NULL for SQL NULL or no row) as a host-allocated string.  *rows_out
 * gets SQLRowCount when given.  `what` names the action in messages.
 */
int odbc__run_on(struct retort_conn *c, SQLHDBC dbc, const char *sql,
                 const char *const *params, size_t n_params, char **row_out,
                 long *rows_out, const char *what, struct retort_error *err)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLLEN ind[4];
	SQLLEN count = 0;
	SQLRETURN rc;
	size_t i;
	int error;

	if (row_out)
		*row_out = NULL;
	if (n_params > 4)
		return H->error_set(err, RETORT_ERROR, "internal: too many parameters");
	if ((error = odbc__alloc_stmt_on(&st, c, dbc, err)) < 0)
		return error;
	for (i = 0; i < n_params; i++) {
		size_t len = strlen(params[i]);
		ind[i] = SQL_NTS;
		rc = SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR,
		                      SQL_VARCHAR, len ? len : 1, 0, (SQLPOINTER)params[i],
		                      (SQLLEN)len + 1, &ind[i]);
		if (!SQL_SUCCEEDED(rc)) {
			error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
			goto done;
		}
	}
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (rc == SQL_SUCCESS_WITH_INFO)
		diag_log(c, SQL_HANDLE_STMT, st);
	else if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
		goto done;
	}
	if (rows_out) {
		if (!SQL_SUCCEEDED(SQLRowCount(st, &count)))
			count = -1;
		*rows_out = (long)count;
	}
	if (row_out) {
		SQLSMALLINT ncols = 0;
		char buf[256];
		SQLLEN got = 0;
		/* Skip results without columns (row counts of a batch's earlier
		 * statements, e.g. inside sp_getapplock) up to the first rows. */
		for (;;) {
			if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols)))
				ncols = 0;
			if (ncols > 0)
				break;
			rc = SQLMoreResults(st);
			if (rc == SQL_NO_DATA)
				break;
			if (!SQL_SUCCEEDED(rc)) {
				error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
				goto done;
			}
		}
		if (ncols > 0) {
			rc = SQLFetch(st);
			if (rc != SQL_NO_DATA && !SQL_SUCCEEDED(rc)) {
				error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
				goto done;
			}
			if (SQL_SUCCEEDED(rc)) {
				rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &got);
				if (!SQL_SUCCEEDED(rc)) {
					error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
					goto done;
				}
				if (got != SQL_NULL_DATA) {
					*row_out = H->strdup(buf);
					if (!*row_out) {
						error = H->error_set(err, RETORT_ENOMEM, "out of memory");
						goto done;
					}
				}
			}
			SQLCloseCursor(st);
		}
	}
	error = drain(c, st, what, err);
done:
	if (error < 0 && row_out && *row_out) {
		H->free(*row_out);
		*row_out = NULL;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return error;
}

int odbc__run(struct retort_conn *c, const char *sql, const char *const *params,
              size_t n_params, char **row_out, long *rows_out, const char *what,
              struct retort_error *err)
{
	return odbc__run_on(c, c->dbc, sql, params, n_params, row_out, rows_out, what, err);
}

/* [schema.]table as SQL, host-allocated. */
static char *table_sql(const struct retort_conn *c)
{
	struct retort_buf b = RETORT_BUF_INIT;
	if (odbc_table_name(&b, odbc__flavour_of(c), c->version_schema, c->version_table) < 0) {
		H->buf_free(&b);
		return NULL;
	}
	return H->buf_detach(&b);
}

/* ------------------------------------------------------------ lifecycle */

static int odbc_create(struct retort_conn **out, const struct retort_url *url,
                       const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	int oom = 0, error;
	size_t n_secrets;
	const char *vt = "alembic_version", *vs = NULL;

	*out = NULL;
	if (opts && opts->version_table && *opts->version_table)
		vt = opts->version_table;
	if (opts && opts->version_table_schema && *opts->version_table_schema)
		vs = opts->version_table_schema;

	c = H->alloc(sizeof(*c));
	if (!c)
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	memset(c, 0, sizeof(*c));
	c->lock_timeout_ms = opts ? opts->lock_timeout_ms : -1;
	if ((error = odbc_connstr_build(&c->connstr, &c->flavour, url, err)) < 0)
		goto fail;
	c->flavour_from_url = c->flavour != ODBC_FL_UNKNOWN;
	/* Names the engine would refuse or cut, refused before anything is
	 * made (and again at connect(), when the flavour is known only then) */
	if ((error = odbc_check_names(odbc__flavour_of(c), odbc_name_max(odbc__flavour_of(c), NULL),
	                              vt, vs, err)) < 0)
		goto fail;
	/* the URL's secrets, and the connection string whole */
	if ((c->secrets = H->secrets_of(url)) != NULL) {
		char **v;
		for (n_secrets = 0; c->secrets[n_secrets]; n_secrets++)
			;
		v = H->realloc(c->secrets, (n_secrets + 2) * sizeof(*v));
		if (v) {
			c->secrets = v;
			v[n_secrets] = dup_or_null(c->connstr, &oom);
			v[n_secrets + 1] = NULL;
		} else {
			oom = 1;
		}
	} else {
		oom = 1;
	}
	c->version_table = dup_or_null(vt, &oom);
	c->version_schema = dup_or_null(vs, &oom);
	if (oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	H->free(c->connstr);
	H->secrets_free(c->secrets);
	H->free(c->version_table);
	H->free(c->version_schema);
	H->free(c);
	return error;
}

/* SQLGetInfo string, host-allocated ("" when the driver has none). */
static char *get_info(struct retort_conn *c, SQLUSMALLINT what)
{
	char buf[256];
	SQLSMALLINT len = 0;
	if (!SQL_SUCCEEDED(SQLGetInfo(c->dbc, what, buf, sizeof(buf), &len)))
		buf[0] = '\0';
	buf[sizeof(buf) - 1] = '\0';
	return H->strdup(buf);
}

char *odbc__connstr_busy(const struct retort_conn *c, long ms)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char timeout[40];
	snprintf(timeout, sizeof(timeout), "Timeout=%ld;", ms);
	H->buf_puts(&b, timeout);
	H->buf_puts(&b, c->connstr);
	if (b.oom) {
		H->buf_free(&b);
		return NULL;
	}
	return H->buf_detach(&b);
}

/*
 * The busy timeout of the migration's connection to a SQLite database
 * (SQLITE_MIN_BUSY_MS in odbc_conn.h), or -1 when the URL sets ?timeout=
 * itself.
 */
static long sqlite_busy_ms(const struct retort_conn *c)
{
	long ms = c->lock_timeout_ms;
	if (odbc_connstr_has_key(c->connstr, "timeout"))
		return -1;
	if (ms < 0 || ms > SQLITE_MAX_BUSY_MS)
		return SQLITE_MAX_BUSY_MS;
	return ms > SQLITE_MIN_BUSY_MS ? ms : SQLITE_MIN_BUSY_MS;
}

/* Connect c->dbc with connstr (c->connstr with a busy timeout, or NULL for
 * c->connstr itself). */
static int connect_dbc(struct retort_conn *c, const char *connstr, struct retort_error *err)
{
	SQLRETURN rc = SQLDriverConnect(c->dbc, NULL,
	                                (SQLCHAR *)(connstr ? connstr : c->connstr), SQL_NTS,
	                                NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc))
		return odbc__diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_DBC, c->dbc,
			"cannot connect through ODBC (check the data source or driver "
		                        "name, `odbcinst -q -s` and the credentials)");
	c->connected = 1;
	if (rc == SQL_SUCCESS_WITH_INFO)
		diag_log(c, SQL_HANDLE_DBC, c->dbc);
	return 0;
}

static int odbc_connect(struct retort_conn *c, struct retort_error *err)
{
	enum odbc_flavour detected;
	char *dbms_ver = NULL, *busy_cs = NULL;
	long busy_ms;
	int error = 0;

	if (c->connected)
		return 0;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &c->env)))
		return H->error_set(err, RETORT_ECONNECT,
			"cannot allocate an ODBC environment: is unixODBC installed properly?");
	if (!SQL_SUCCEEDED(SQLSetEnvAttr(c->env, SQL_ATTR_ODBC_VERSION,
	                                 (SQLPOINTER)SQL_OV_ODBC3, 0))) {
		error = odbc__diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_ENV, c->env,
		                         "cannot select ODBC 3 behaviour");
		goto fail;
	}
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->dbc))) {
		error = odbc__diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_ENV, c->env,
		                         "cannot allocate an ODBC connection handle");
		goto fail;
	}
	/* SQLite: wait for another writer as long as the lock timeout says,
	 * not the driver's 100 s (Timeout= is read at connect time). */
	if (c->flavour == ODBC_FL_SQLITE && (busy_ms = sqlite_busy_ms(c)) >= 0 &&
	    !(busy_cs = odbc__connstr_busy(c, busy_ms))) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((error = connect_dbc(c, busy_cs, err)) < 0)
		goto fail;

	c->dbms_name = get_info(c, SQL_DBMS_NAME);
	dbms_ver = get_info(c, SQL_DBMS_VER);
	c->database = get_info(c, SQL_DATABASE_NAME);
	if (!c->dbms_name || !dbms_ver || !c->database) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto fail;
	}
	detected = odbc_flavour_by_dbms(c->dbms_name);
	if (c->flavour == ODBC_FL_UNKNOWN) {
		if (detected == ODBC_FL_UNKNOWN) {
			error = H->error_set(err, RETORT_ENOTSUPPORTED,
				"the ODBC data source is a '%s' database, which the odbc dialect "
				"does not know: add ?flavour=mssql|oracle|postgresql|mysql|sqlite "
				"to the URL to pick the closest SQL rules", c->dbms_name);
			goto fail;
		}
		c->flavour = detected;
	} else if (detected != ODBC_FL_UNKNOWN && detected != c->flavour) {
		H->log(RETORT_LOG_WARNING,
		       "odbc: the URL says %s but the data source reports a '%s' database; "
		       "using the %s rules as the URL asks",
		       odbc__flavour_of(c)->name, c->dbms_name, odbc__flavour_of(c)->name);
	}
	if ((error = odbc_check_names(odbc__flavour_of(c), odbc_name_max(odbc__flavour_of(c),
	                                                                 dbms_ver),
	                              c->version_table, c->version_schema, err)) < 0)
		goto fail;
	if (c->flavour == ODBC_FL_SQLITE && !busy_cs && (busy_ms = sqlite_busy_ms(c)) >= 0) {
		/* Known to be SQLite only now: connect again (to a file, nothing
		 * done on it yet) with the busy timeout. */
		if (!(busy_cs = odbc__connstr_busy(c, busy_ms))) {
			error = H->error_set(err, RETORT_ENOMEM, "out of memory");
			goto fail;
		}
		SQLDisconnect(c->dbc);
		c->connected = 0;
		if ((error = connect_dbc(c, busy_cs, err)) < 0)
			goto fail;
	}
	H->log(RETORT_LOG_DEBUG, "odbc: connected to %s %s (flavour %s)",
	       c->dbms_name, dbms_ver, odbc__flavour_of(c)->name);
	H->free(dbms_ver);
	H->free(busy_cs);
	return 0;
fail:
	H->free(dbms_ver);
	H->free(busy_cs);
	if (c->connected)
		SQLDisconnect(c->dbc);
	c->connected = 0;
	if (c->dbc)
		SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
	if (c->env)
		SQLFreeHandle(SQL_HANDLE_ENV, c->env);
	c->dbc = SQL_NULL_HDBC;
	c->env = SQL_NULL_HENV;
	return error;
}

static int odbc_rollback(struct retort_conn *c, struct retort_error *err);

static void odbc_destroy(struct retort_conn *c)
{
	if (!c)
		return;
	if (c->connected) {
		/* Best effort: the session's end releases both anyway. */
		if (c->in_tx)
			odbc_rollback(c, NULL);
		if (c->locked)
			odbc__unlock(c, NULL);
		SQLDisconnect(c->dbc);
	}
	if (c->lock_dbc_connected)
		SQLDisconnect(c->lock_dbc);
	if (c->lock_dbc)
		SQLFreeHandle(SQL_HANDLE_DBC, c->lock_dbc);
	if (c->dbc)
		SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
	if (c->env)
		SQLFreeHandle(SQL_HANDLE_ENV, c->env);
	H->free(c->lock_holder);
	H->free(c->connstr);
	H->secrets_free(c->secrets);
	H->free(c->version_table);
	H->free(c->version_schema);
	H->free(c->dbms_name);
	H->free(c->database);
	H->free(c->lock_name);
	H->free(c->ora_lock_handle);
	H->free(c);
}

static unsigned odbc_caps(const struct retort_conn *c)
{
	const struct odbc_flavour_info *fl = c ? odbc__flavour_of(c) : NULL;
	return fl ? fl->caps : 0;
}

/* ------------------------------------------------------------ transactions */

static int set_autocommit(struct retort_conn *c, int on, struct retort_error *err)
{
	SQLRETURN rc = SQLSetConnectAttr(c->dbc, SQL_ATTR_AUTOCOMMIT,
	                                 (SQLPOINTER)(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF),
	                                 SQL_IS_UINTEGER);
	if (!SQL_SUCCEEDED(rc))
		return odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_DBC, c->dbc,
		                        on ? "cannot turn ODBC autocommit back on"
		                           : "cannot begin a transaction (autocommit off)");
	return 0;
}

static int odbc_begin(struct retort_conn *c, struct retort_error *err)
{
	int error;
	if (!c->connected)
		return H->error_set(err, RETORT_ERROR, "begin() before connect()");
	if (c->in_tx)
		return H->error_set(err, RETORT_ERROR, "a transaction is already open");
	if ((error = set_autocommit(c, 0, err)) < 0)
		return error;
	c->in_tx = 1;
	return 0;
}

static int end_tx(struct retort_conn *c, SQLSMALLINT how, struct retort_error *err)
{
	SQLRETURN rc;
	if (!c->connected || !c->in_tx)
		return H->error_set(err, RETORT_ERROR, "%s without an open transaction",
		                    how == SQL_COMMIT ? "commit" : "rollback");
	rc = SQLEndTran(SQL_HANDLE_DBC, c->dbc, how);
	if (!SQL_SUCCEEDED(rc))
		/* Still in the transaction: the core may roll it back. */
		return odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_DBC, c->dbc,
		                        how == SQL_COMMIT ? "commit failed" : "rollback failed");
	c->in_tx = 0;
	return set_autocommit(c, 1, err);
}

static int odbc_commit(struct retort_conn *c, struct retort_error *err)
{
	return end_tx(c, SQL_COMMIT, err);
}

static int odbc_rollback(struct retort_conn *c, struct retort_error *err)
{
	return end_tx(c, SQL_ROLLBACK, err);
}

/* ------------------------------------------------------------ scripts */

/* The core splits by the flavour's rules; an unknown flavour (odbc://
 * without ?flavour= before connect) splits generically. */
/* The flavour's; unknown until connect() asked the DBMS. */
static const char *odbc_session_user_sql(const struct retort_conn *c)
{
	const struct odbc_flavour_info *fl = odbc__flavour_of(c);
	return fl ? fl->session_user_sql : NULL;
}

static unsigned odbc_split_rules(const struct retort_conn *c)
{
	const struct odbc_flavour_info *fl = odbc__flavour_of(c);
	return fl ? fl->split_flags : RETORT_SPLIT_GENERIC;
}

/* One statement; the core's loop splits, numbers and attaches it. */
static int odbc_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                  unsigned line, struct retort_error *err)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLRETURN rc;
	char *text = NULL;
	int error;

	if (!c->connected)
		return H->error_set(err, RETORT_ERROR, "execute() before connect()");
	if (len > INT_MAX)
		return H->error_set(err, RETORT_EDB, "the statement is too long for ODBC");
	/* A NUL-terminated copy: some drivers read past an explicit length. */
	if (!(text = H->strndup(stmt, len)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	if ((error = alloc_stmt(&st, c, err)) < 0)
		goto done;
	H->log(RETORT_LOG_DEBUG, "odbc: executing the statement at line %u", line);
	rc = SQLExecDirect(st, (SQLCHAR *)text, (SQLINTEGER)len);
	if (rc == SQL_SUCCESS_WITH_INFO) {
		diag_log(c, SQL_HANDLE_STMT, st);
	} else if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, "the statement "
		                         "failed");
		goto done;
	}
	error = drain(c, st, "the statement failed", err);
done:
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	H->free(text);
	return error;
}

/* ------------------------------------------------------------ version table */

/* 1 if the version table exists, 0 if not, < 0 on error. */
static int table_exists(struct retort_conn *c, struct retort_error *err)
{
	struct retort_error tmp;
	struct retort_buf b = RETORT_BUF_INIT;
	char *table = NULL, *row = NULL;
	const char *param;
	int error;

	if (!(table = table_sql(c)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	if (c->flavour == ODBC_FL_POSTGRESQL) {
		/* A failed SELECT would abort an open PostgreSQL transaction:
		 * ask the catalog instead (search_path applies as in a query). */
		param = table;
		error = odbc__run(c, "SELECT CASE WHEN to_regclass(?) IS NULL THEN 0 ELSE 1 END",
		                  &param, 1, &row, NULL, "cannot look up the version table", err);
		if (error == 0)
			error = row && row[0] == '1';
		goto done;
	}
	H->buf_puts(&b, "SELECT version_num FROM ");
	H->buf_puts(&b, table);
	H->buf_puts(&b, " WHERE 1 = 0");
	if (b.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	memset(&tmp, 0, sizeof(tmp));
	error = odbc__run(c, b.ptr, NULL, 0, NULL, NULL, "cannot read the version table", &tmp);
	if (error == 0)
		error = 1;
	else if (error == RETORT_EDB && odbc__is_missing_table(&tmp))
		error = 0;
	odbc__scratch_pass(err, &tmp, error);
done:
	H->buf_free(&b);
	H->free(table);
	H->free(row);
	return error;
}

static int odbc_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                             struct retort_error *err)
{
	struct retort_buf q = RETORT_BUF_INIT, val = RETORT_BUF_INIT;
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLRETURN rc;
	char *table = NULL;
	char buf[128];
	SQLLEN got;
	int error;

	if ((error = table_exists(c, err)) < 0)
		return error;
	if (error == 0)
		return H->error_set(err, RETORT_ENOTFOUND, "the version table %s does not exist",
		                    c->version_table);
	if (!(table = table_sql(c)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	H->buf_puts(&q, "SELECT version_num FROM ");
	H->buf_puts(&q, table);
	if (q.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = alloc_stmt(&st, c, err)) < 0)
		goto done;
	rc = SQLExecDirect(st, (SQLCHAR *)q.ptr, SQL_NTS);
	if (!SQL_SUCCEEDED(rc)) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
		                         "cannot read the version table");
		goto done;
	}
	while ((rc = SQLFetch(st)) != SQL_NO_DATA) {
		if (!SQL_SUCCEEDED(rc)) {
			error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
			                         "cannot read the version table");
			goto done;
		}
		/* Read the value in pieces: nothing limits its length but the
		 * column type, which another tool may have widened. */
		val.len = 0;
		for (;;) {
			rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &got);
			if (rc == SQL_NO_DATA)
				break;
			if (!SQL_SUCCEEDED(rc)) {
				error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
				                         "cannot read the version table");
				goto done;
			}
			if (got == SQL_NULL_DATA)
				break;
			H->buf_puts(&val, buf);
			if (rc == SQL_SUCCESS)
				break;
		}
		if (got == SQL_NULL_DATA)
			continue;
		H->buf_puts(&val, "");
		if (val.oom) {
			error = H->error_set(err, RETORT_ENOMEM, "out of memory");
			goto done;
		}
		if ((error = cb(val.ptr, payload)) != 0)
			goto done;
	}
	error = 0;
done:
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	H->buf_free(&q);
	H->buf_free(&val);
	H->free(table);
	return error;
}

static int odbc_version_create(struct retort_conn *c, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	int error;

	if ((error = table_exists(c, err)) != 0)
		return error < 0 ? error : 0;
	if (odbc_version_ddl(&b, odbc__flavour_of(c), c->version_schema, c->version_table) < 0) {
		H->buf_free(&b);
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	}
	error = odbc__run(c, b.ptr, NULL, 0, NULL, NULL, "cannot create the version table", err);
	if (error < 0)
		H->error_statement(err, 0, 0, b.ptr, b.len);
	H->buf_free(&b);
	return error;
}

/*
 * Run a version table DML statement: `fmt_a`, the table, `fmt_b`, with
 * the revision ids bound.  `expect_one`: exactly one row must change.
 */
static int version_dml(struct retort_conn *c, const char *fmt_a, const char *fmt_b,
                       const char *const *params, size_t n, int expect_one,
                       const char *what, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *table = table_sql(c);
	long rows = -1;
	int error;

	if (!table)
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	H->buf_puts(&b, fmt_a);
	H->buf_puts(&b, table);
	H->buf_puts(&b, fmt_b);
	if (b.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	error = odbc__run(c, b.ptr, params, n, NULL, &rows, what, err);
	if (error < 0) {
		H->error_statement(err, 0, 0, b.ptr, b.len);
		goto done;
	}
	if (expect_one && rows != 1)
		error = H->error_set(err, RETORT_ERROR,
			"%s: %ld rows of the version table matched instead of 1 (was it "
			"changed by hand? `retort current` shows its rows)", what, rows);
done:
	H->buf_free(&b);
	H->free(table);
	return error;
}

static int odbc_version_insert(struct retort_conn *c, const char *rev,
                               struct retort_error *err)
{
	return version_dml(c, "INSERT INTO ", " (version_num) VALUES (?)", &rev, 1, 0,
	                   "cannot insert into the version table", err);
}

static int odbc_version_update(struct retort_conn *c, const char *from, const char *to,
                               struct retort_error *err)
{
	const char *p[2];
	p[0] = to;
	p[1] = from;
	return version_dml(c, "UPDATE ", " SET version_num = ? WHERE version_num = ?", p, 2, 1,
	                   "cannot update the version table", err);
}

static int odbc_version_delete(struct retort_conn *c, const char *rev,
                               struct retort_error *err)
{
	return version_dml(c, "DELETE FROM ", " WHERE version_num = ?", &rev, 1, 1,
	                   "cannot delete from the version table", err);
}

/* ------------------------------------------------------------ side queries (ABI 1.1) */

/* Read column `col` of the current row whole into v (NUL-terminated);
 * *is_null set for SQL NULL.  0 or an error code with err set. */
static int get_column(struct retort_conn *c, SQLHSTMT st, SQLUSMALLINT col, struct retort_buf *v,
                      int *is_null, struct retort_error *err)
{
	char buf[256];
	SQLLEN got = 0;
	SQLRETURN rc;

	v->len = 0;
	*is_null = 0;
	for (;;) {
		rc = SQLGetData(st, col, SQL_C_CHAR, buf, sizeof(buf), &got);
		if (rc == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(rc))
			return odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
			                        "query: cannot read a column");
		if (got == SQL_NULL_DATA) {
			*is_null = 1;
			break;
		}
		/* a piece is NUL-terminated: the whole rest, or a full buffer */
		H->buf_puts(v, buf);
		if (rc == SQL_SUCCESS)
			break;
	}
	H->buf_puts(v, "");
	if (v->oom)
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	return 0;
}

static int odbc_query(struct retort_conn *c, const char *sql, const char *const *params,
                      size_t nparams, retort_query_row_cb cb, void *payload, long *affected,
                      struct retort_error *err)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLLEN *ind = NULL;
	SQLSMALLINT ncols = 0, want = 0;
	struct retort_buf *vals = NULL;
	const char **cols = NULL;
	SQLRETURN rc;
	size_t i;
	int error = 0, stopped = 0;

	if (affected)
		*affected = -1;
	if (!c->connected) {
		H->error_set(err, RETORT_ERROR, "query() before connect()");
		return -1;
	}
	if (!sql) {
		H->error_set(err, RETORT_EUSAGE, "query: no SQL");
		return -1;
	}
	if (nparams > 32767) {
		H->error_set(err, RETORT_EUSAGE, "query: too many parameters for ODBC");
		return -1;
	}
	if ((error = alloc_stmt(&st, c, err)) < 0)
		return -1;
	rc = SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(rc)) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, "query failed");
		goto done;
	}
	if (SQL_SUCCEEDED(SQLNumParams(st, &want)) && (size_t)want != nparams) {
		error = H->error_set(err, RETORT_EUSAGE, "query: the statement has %d placeholders "
		                     "but %zu parameters were given", (int)want, nparams);
		goto done;
	}
	if (nparams && !(ind = H->alloc(nparams * sizeof(*ind)))) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < nparams; i++) {
		size_t len = params[i] ? strlen(params[i]) : 0;
		ind[i] = params[i] ? SQL_NTS : SQL_NULL_DATA;
		rc = SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR,
		                      SQL_VARCHAR, len ? len : 1, 0,
		                      (SQLPOINTER)(uintptr_t)(params[i] ? params[i] : ""),
		                      (SQLLEN)len + 1, &ind[i]);
		if (!SQL_SUCCEEDED(rc)) {
			error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
			                         "query: cannot bind a parameter");
			goto done;
		}
	}
	rc = SQLExecute(st);
	if (rc == SQL_SUCCESS_WITH_INFO)
		diag_log(c, SQL_HANDLE_STMT, st);
	else if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, "query failed");
		goto done;
	}
	if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols)))
		ncols = 0;
	if (ncols <= 0) {
		SQLLEN count = -1;
		if (affected && rc != SQL_NO_DATA && SQL_SUCCEEDED(SQLRowCount(st, &count)))
			*affected = (long)count;
		else if (affected && rc == SQL_NO_DATA)
			*affected = 0;  /* an UPDATE or DELETE that matched nothing */
	} else {
		vals = H->alloc((size_t)ncols * sizeof(*vals));
		cols = H->alloc((size_t)ncols * sizeof(*cols));
		if (!vals || !cols) {
			error = H->error_set(err, RETORT_ENOMEM, "out of memory");
			goto done;
		}
		memset(vals, 0, (size_t)ncols * sizeof(*vals));
		while (!stopped && (rc = SQLFetch(st)) != SQL_NO_DATA) {
			if (!SQL_SUCCEEDED(rc)) {
				error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
				                         "query: cannot fetch a row");
				goto done;
			}
			if (!cb)
				continue;
			for (i = 0; i < (size_t)ncols; i++) {
				int null;
				if ((error = get_column(c, st, (SQLUSMALLINT)(i + 1), &vals[i], &null,
				                        err)) < 0)
					goto done;
				cols[i] = null ? NULL : vals[i].ptr;
			}
			if (cb(cols, (size_t)ncols, payload) != 0)
				stopped = 1;
		}
		SQLCloseCursor(st);
	}
	error = drain(c, st, "query failed", err);
done:
	if (vals)
		for (i = 0; i < (size_t)ncols; i++)
			H->buf_free(&vals[i]);
	H->free(vals);
	H->free(cols);
	H->free(ind);
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	return error < 0 ? -1 : 0;
}

static int odbc_column_type_fn(const struct retort_conn *c, int type, unsigned length,
                               char *out, size_t outsz)
{
	return odbc_column_type(c ? odbc__flavour_of(c) : NULL, type, length, out, outsz);
}

/* ------------------------------------------------------------ quoting, offline */

static int odbc_quote_identifier(const struct retort_conn *c, const char *name, char **out,
                                 struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct retort_buf b = RETORT_BUF_INIT;

	*out = NULL;
	if (!fl)
		return RETORT_EUSAGE;
	if (odbc_quote_ident(&b, fl, name, 0) < 0)
		return H->error_set(err, RETORT_EUSAGE, "an SQL identifier cannot be empty");
	if (!(*out = H->buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	return 0;
}

static int odbc_quote_literal_fn(const struct retort_conn *c, const char *value, char **out,
                                 struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct retort_buf b = RETORT_BUF_INIT;

	*out = NULL;
	if (!fl)
		return RETORT_EUSAGE;
	odbc_quote_literal(&b, fl, value ? value : "");
	if (!(*out = H->buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	return 0;
}

/*
 * Offline text, exactly the pieces Alembic's offline mode writes (each of
 * which Alembic follows with a blank line).  BEGIN, COMMIT and every
 * statement's terminator are the host's rule for the flavour's family
 * (odbc_offline_sql), the same the native plugins follow:
 *  BEGIN        "BEGIN TRANSACTION;" (mssql), "BEGIN;" (postgresql), else ""
 *  COMMIT       "COMMIT;\n\nGO" (mssql), "COMMIT;" (postgresql), else ""
 *  VERSION_DDL  the CREATE TABLE with its terminator (as STATEMENT renders)
 *  STATEMENT    arg with its terminator: "x;" ; "x;\n\nGO" (mssql);
 *               "x\n\n/" (oracle); DELIMITER lines around a body (mysql)
 */
static int odbc_offline_sql_fn(const struct retort_conn *c, int what, const char *arg,
                               size_t arg_len, char **out, struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct retort_buf b = RETORT_BUF_INIT, ddl = RETORT_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!fl)
		return RETORT_EUSAGE;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
		rc = odbc_offline_sql(&b, fl, what, NULL, 0, err);
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		if (odbc_version_ddl(&ddl, fl, c->version_schema, c->version_table) < 0 ||
		    ddl.oom) {
			H->buf_free(&ddl);
			return H->error_set(err, RETORT_ENOMEM, "out of memory");
		}
		rc = odbc_offline_sql(&b, fl, RETORT_OFFLINE_STATEMENT, ddl.ptr, ddl.len, err);
		H->buf_free(&ddl);
		break;
	case RETORT_OFFLINE_VERSION_INSERT:
		/* SQLAlchemy returns the primary key: OUTPUT on SQL Server,
		 * RETURNING on PostgreSQL; the others use the core's INSERT. */
		if (!arg || (fl->id != ODBC_FL_MSSQL && fl->id != ODBC_FL_POSTGRESQL))
			return RETORT_ENOTSUPPORTED;
		H->buf_puts(&ddl, "INSERT INTO ");
		odbc_table_name(&ddl, fl, c->version_schema, c->version_table);
		if (fl->id == ODBC_FL_MSSQL)
			H->buf_puts(&ddl, " (version_num) OUTPUT inserted.version_num VALUES (");
		else
			H->buf_puts(&ddl, " (version_num) VALUES (");
		odbc_quote_literal(&ddl, fl, arg);
		H->buf_putc(&ddl, ')');
		if (fl->id == ODBC_FL_POSTGRESQL) {
			H->buf_puts(&ddl, " RETURNING ");
			odbc_table_name(&ddl, fl, c->version_schema, c->version_table);
			H->buf_puts(&ddl, ".version_num");
		}
		if (ddl.oom) {
			H->buf_free(&ddl);
			return H->error_set(err, RETORT_ENOMEM, "out of memory");
		}
		rc = odbc_offline_sql(&b, fl, RETORT_OFFLINE_STATEMENT, ddl.ptr, ddl.len, err);
		H->buf_free(&ddl);
		break;
	case RETORT_OFFLINE_STATEMENT:
		if (!arg)
			return H->error_set(err, RETORT_ERROR, "offline_sql(STATEMENT) without text");
		rc = odbc_offline_sql(&b, fl, what, arg, arg_len, err);
		break;
	default:
		return H->error_set(err, RETORT_ENOTSUPPORTED,
		                    "offline_sql: unknown kind %d for the odbc dialect", what);
	}
	if (rc < 0) {
		H->buf_free(&b);
		return rc;
	}
	if (!(*out = H->buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ vtable */

static const char *const schemes[] = { "odbc", "mssql", "oracle", NULL };

static const struct retort_dialect vtable = {
	RETORT_DIALECT_ABI_MAJOR,
	RETORT_DIALECT_ABI_MINOR,
	sizeof(struct retort_dialect),
	"odbc",
	"SQL Server, Oracle and other databases through unixODBC",
	PACKAGE_VERSION,
	schemes,
	NULL, /* global_init */
	NULL, /* global_shutdown */
	odbc_create,
	odbc_connect,
	odbc_destroy,
	odbc_caps,
	odbc_begin,
	odbc_commit,
	odbc_rollback,
	NULL, /* execute: the core's loop runs odbc_execute_statement */
	NULL, /* split: the core splits by odbc_split_rules */
	odbc_version_read,
	odbc_version_create,
	odbc_version_insert,
	odbc_version_update,
	odbc_version_delete,
	odbc__lock,
	odbc__unlock,
	odbc_quote_identifier,
	odbc_quote_literal_fn,
	odbc_offline_sql_fn,
	odbc_query,
	odbc_column_type_fn,
	odbc_split_rules,
	odbc_execute_statement,
	NULL, /* section */
	odbc_session_user_sql,
};

RETORT_DIALECT_DEFINE(retort_odbc, &vtable, odbc__host)
