/*
 * plugins/odbc/odbc.c - the odbc dialect plugin: SQL Server and Oracle
 * (and PostgreSQL, MySQL/MariaDB, SQLite through their ODBC drivers) on
 * unixODBC.
 *
 * URL schemes: mssql[+odbc]://, oracle[+odbc]:// and odbc:// (see
 * odbc_connstr_build() for how a URL becomes a connection string).  The
 * "flavour" (which SQL dialect is behind the driver) comes from the scheme,
 * from ?flavour=, or after connect() from SQLGetInfo(SQL_DBMS_NAME); it
 * decides statement splitting, quoting, the version table DDL, the lock,
 * the capability flags and the offline SQL text (odbc_flavour.c).
 *
 * Every statement runs through SQLExecDirect with autocommit on, except
 * between begin() and commit()/rollback(), which turn autocommit off and
 * end with SQLEndTran.  Diagnostics are collected from every
 * SQLGetDiagRec record; any text that could carry the password (the
 * connection string, the password itself) is replaced by "***" before it
 * reaches a message.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <sql.h>
#include <sqlext.h>

#include "odbc_int.h"
#include "sqlsplit.h"

const struct retort_host *odbc__host;
#define H odbc__host

/* How long lock() sleeps between two tries of a non-blocking lock. */
#define LOCK_POLL_MS 100
/* At most this many diagnostic records go into one message. */
#define MAX_DIAG_RECORDS 8

struct retort_conn {
	enum odbc_flavour flavour;     /* UNKNOWN until known */
	int flavour_from_url;          /* scheme or ?flavour= chose it */
	char *connstr;                 /* holds PWD=: never in a message */
	char *password;                /* copy, to scrub from messages */
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

/* ------------------------------------------------------------ helpers */

static const struct odbc_flavour_info *flavour_of(const struct retort_conn *c)
{
	return odbc_flavour_get(c->flavour);
}

/* The rules of c's flavour, or an error saying how to name one. */
static const struct odbc_flavour_info *need_flavour(const struct retort_conn *c,
                                                    struct retort_error *err)
{
	const struct odbc_flavour_info *fl = flavour_of(c);
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

static void sleep_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Append s to b, replacing each occurrence of a secret (the password, the
 * connection string) with "***" and control characters with blanks, so
 * that the message stays on one line and never carries the password.
 */
static void put_scrubbed(struct odbc_buf *b, const struct retort_conn *c, const char *s)
{
	const char *secrets[2];
	size_t i, n;

	secrets[0] = c ? c->connstr : NULL;
	secrets[1] = c ? c->password : NULL;
	while (*s) {
		for (i = 0; i < 2; i++) {
			if (!secrets[i] || !*secrets[i])
				continue;
			n = strlen(secrets[i]);
			if (strncmp(s, secrets[i], n) == 0)
				break;
		}
		if (i < 2) {
			odbc_buf_puts(b, "***");
			s += strlen(secrets[i]);
			continue;
		}
		odbc_buf_putc(b, ((unsigned char)*s < 0x20) ? ' ' : *s);
		s++;
	}
}

/*
 * Fill err from the handle's diagnostic records: the message is
 * "<what>: [SQLSTATE] message (native N); ..." for every record, and the
 * first record's SQLSTATE and native code go to error_db.  Returns code.
 */
static int diag_error(struct retort_error *err, int code, const struct retort_conn *c,
                      SQLSMALLINT htype, SQLHANDLE h, const char *what)
{
	struct odbc_buf b = ODBC_BUF_INIT;
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
		odbc_buf_puts(&b, n == 0 ? ": [" : "; [");
		odbc_buf_puts(&b, (const char *)state);
		odbc_buf_puts(&b, "] ");
		put_scrubbed(&b, c, (const char *)text);
		if (native) {
			char num[32];
			snprintf(num, sizeof(num), " (native %ld)", (long)native);
			odbc_buf_puts(&b, num);
		}
		if (text != small)
			H->free(text);
		n++;
	}
	if (n == 0)
		odbc_buf_puts(&b, " (the driver gave no diagnostic)");
	if (b.oom)
		H->error_set(err, code, "%s (out of memory formatting the diagnostics)", what);
	else
		H->error_set(err, code, "%s", b.ptr);
	H->error_db(err, first_state[0] ? first_state : NULL, first_native);
	odbc_buf_free(&b);
	return code;
}

/* Log SQL_SUCCESS_WITH_INFO records (notices, warnings) at info level. */
static void diag_log(const struct retort_conn *c, SQLSMALLINT htype, SQLHANDLE h)
{
	SQLCHAR state[6], text[512];
	SQLINTEGER native;
	SQLSMALLINT len, rec;
	struct odbc_buf b = ODBC_BUF_INIT;

	for (rec = 1; rec <= MAX_DIAG_RECORDS; rec++) {
		if (!SQL_SUCCEEDED(SQLGetDiagRec(htype, h, rec, state, &native, text,
		                                 sizeof(text), &len)))
			break;
		state[5] = '\0';
		put_scrubbed(&b, c, (const char *)text);
		if (!b.oom)
			H->log(RETORT_LOG_INFO, "odbc: [%s] %s", (const char *)state, b.ptr);
		odbc_buf_free(&b);
	}
}

/* The SQLSTATE/native code/message of a failed query say "no such table". */
static int is_missing_table(const struct retort_error *err)
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
static void scratch_free(struct retort_error *t)
{
	H->free(t->message);
	H->free(t->statement);
	memset(t, 0, sizeof(*t));
}

/* Move a scratch failure into err (when code < 0); frees the scratch. */
static int scratch_pass(struct retort_error *err, struct retort_error *t, int code)
{
	if (code < 0) {
		H->error_set(err, code, "%s", t->message ? t->message : "database error");
		H->error_db(err, t->sqlstate[0] ? t->sqlstate : NULL, t->native_code);
		if (t->statement)
			H->error_statement(err, t->stmt_index, t->stmt_line, t->statement,
			                   strlen(t->statement));
	}
	scratch_free(t);
	return code;
}

/* A statement handle on dbc (the main connection unless said otherwise). */
static int alloc_stmt_on(SQLHSTMT *st, struct retort_conn *c, SQLHDBC dbc,
                         struct retort_error *err)
{
	if (!c->connected)
		return H->error_set(err, RETORT_ERROR,
			"the odbc dialect was asked to run SQL before connect()");
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, st)))
		return diag_error(err, RETORT_EDB, c, SQL_HANDLE_DBC, dbc,
		                  "cannot allocate an ODBC statement handle");
	return 0;
}

static int alloc_stmt(SQLHSTMT *st, struct retort_conn *c, struct retort_error *err)
{
	return alloc_stmt_on(st, c, c->dbc, err);
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
			return diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
	}
}

/*
 * Run one statement (bound parameters: n_params NUL-terminated strings)
 * and, when `row_out` is given, return the first column of the first row
 * (NULL for SQL NULL or no row) as a host-allocated string.  *rows_out
 * gets SQLRowCount when given.  `what` names the action in messages.
 */
static int run_on(struct retort_conn *c, SQLHDBC dbc, const char *sql,
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
	if ((error = alloc_stmt_on(&st, c, dbc, err)) < 0)
		return error;
	for (i = 0; i < n_params; i++) {
		size_t len = strlen(params[i]);
		ind[i] = SQL_NTS;
		rc = SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR,
		                      SQL_VARCHAR, len ? len : 1, 0, (SQLPOINTER)params[i],
		                      (SQLLEN)len + 1, &ind[i]);
		if (!SQL_SUCCEEDED(rc)) {
			error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
			goto done;
		}
	}
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (rc == SQL_SUCCESS_WITH_INFO)
		diag_log(c, SQL_HANDLE_STMT, st);
	else if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) {
		error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
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
				error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
				goto done;
			}
		}
		if (ncols > 0) {
			rc = SQLFetch(st);
			if (rc != SQL_NO_DATA && !SQL_SUCCEEDED(rc)) {
				error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
				goto done;
			}
			if (SQL_SUCCEEDED(rc)) {
				rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &got);
				if (!SQL_SUCCEEDED(rc)) {
					error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
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

static int run(struct retort_conn *c, const char *sql, const char *const *params,
               size_t n_params, char **row_out, long *rows_out, const char *what,
               struct retort_error *err)
{
	return run_on(c, c->dbc, sql, params, n_params, row_out, rows_out, what, err);
}

/* [schema.]table as SQL, host-allocated. */
static char *table_sql(const struct retort_conn *c)
{
	struct odbc_buf b = ODBC_BUF_INIT;
	if (odbc_table_name(&b, flavour_of(c), c->version_schema, c->version_table) < 0) {
		odbc_buf_free(&b);
		return NULL;
	}
	return odbc_buf_detach(&b);
}

/* ------------------------------------------------------------ lifecycle */

static int odbc_create(struct retort_conn **out, const struct retort_url *url,
                       const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	int oom = 0, error;
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
	c->password = dup_or_null(url->password, &oom);
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
	H->free(c->password);
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

static int odbc_connect(struct retort_conn *c, struct retort_error *err)
{
	SQLRETURN rc;
	enum odbc_flavour detected;
	char *dbms_ver = NULL;
	int error = 0;

	if (c->connected)
		return 0;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &c->env)))
		return H->error_set(err, RETORT_ECONNECT,
			"cannot allocate an ODBC environment: is unixODBC installed properly?");
	if (!SQL_SUCCEEDED(SQLSetEnvAttr(c->env, SQL_ATTR_ODBC_VERSION,
	                                 (SQLPOINTER)SQL_OV_ODBC3, 0))) {
		error = diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_ENV, c->env,
		                   "cannot select ODBC 3 behaviour");
		goto fail;
	}
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->dbc))) {
		error = diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_ENV, c->env,
		                   "cannot allocate an ODBC connection handle");
		goto fail;
	}
	rc = SQLDriverConnect(c->dbc, NULL, (SQLCHAR *)c->connstr, SQL_NTS, NULL, 0, NULL,
	                      SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc)) {
		error = diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_DBC, c->dbc,
			"cannot connect through ODBC (check the data source or driver "
			"name, `odbcinst -q -s` and the credentials)");
		goto fail;
	}
	c->connected = 1;
	if (rc == SQL_SUCCESS_WITH_INFO)
		diag_log(c, SQL_HANDLE_DBC, c->dbc);

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
		       flavour_of(c)->name, c->dbms_name, flavour_of(c)->name);
	}
	H->log(RETORT_LOG_DEBUG, "odbc: connected to %s %s (flavour %s)",
	       c->dbms_name, dbms_ver, flavour_of(c)->name);
	H->free(dbms_ver);
	return 0;
fail:
	H->free(dbms_ver);
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

static int odbc_unlock(struct retort_conn *c, struct retort_error *err);
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
			odbc_unlock(c, NULL);
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
	H->free(c->password);
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
	const struct odbc_flavour_info *fl = c ? flavour_of(c) : NULL;
	return fl ? fl->caps : 0;
}

/* ------------------------------------------------------------ transactions */

static int set_autocommit(struct retort_conn *c, int on, struct retort_error *err)
{
	SQLRETURN rc = SQLSetConnectAttr(c->dbc, SQL_ATTR_AUTOCOMMIT,
	                                 (SQLPOINTER)(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF),
	                                 SQL_IS_UINTEGER);
	if (!SQL_SUCCEEDED(rc))
		return diag_error(err, RETORT_EDB, c, SQL_HANDLE_DBC, c->dbc,
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
		return diag_error(err, RETORT_EDB, c, SQL_HANDLE_DBC, c->dbc,
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

struct split_ctx {
	const struct retort_conn *conn;
	retort_stmt_cb cb;
	void *payload;
	int cb_rc;          /* what the callback returned, when it stopped */
	int stopped;
};

static int split_trampoline(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_ctx *ctx = payload;
	int rc = ctx->cb(stmt, len, line, ctx->payload);
	if (rc) {
		ctx->cb_rc = rc;
		ctx->stopped = 1;
		return 1;
	}
	return 0;
}

static int odbc_split(const struct retort_conn *c, const char *sql, size_t len,
                      unsigned first_line, retort_stmt_cb cb, void *payload,
                      struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct split_ctx ctx;
	struct sqlsplit_error serr;
	int rc;

	if (!fl)
		return RETORT_EUSAGE;
	memset(&ctx, 0, sizeof(ctx));
	memset(&serr, 0, sizeof(serr));
	ctx.conn = c;
	ctx.cb = cb;
	ctx.payload = payload;
	rc = sqlsplit(sql, len, fl->split_flags, first_line, split_trampoline, &ctx, &serr);
	if (ctx.stopped)
		return ctx.cb_rc;
	if (rc != 0) {
		H->error_set(err, RETORT_EUSAGE, "%s at line %u (%s statement rules)",
		             serr.what ? serr.what : "cannot split the script", serr.line,
		             fl->name);
		H->error_statement(err, 0, serr.line, NULL, 0);
		return RETORT_EUSAGE;
	}
	return 0;
}

struct exec_ctx {
	struct retort_conn *conn;
	struct retort_error *err;
	unsigned index;
};

static int exec_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct exec_ctx *x = payload;
	struct retort_conn *c = x->conn;
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLRETURN rc;
	char *text = NULL;
	char what[64];
	int error;

	x->index++;
	snprintf(what, sizeof(what), "statement %u failed", x->index);
	if (len > INT_MAX) {
		error = H->error_set(x->err, RETORT_EDB, "statement %u is too long for ODBC",
		                     x->index);
		goto fail;
	}
	/* A NUL-terminated copy: some drivers read past an explicit length. */
	if (!(text = H->strndup(stmt, len))) {
		error = H->error_set(x->err, RETORT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((error = alloc_stmt(&st, c, x->err)) < 0)
		goto fail;
	H->log(RETORT_LOG_DEBUG, "odbc: executing statement %u (line %u)", x->index, line);
	rc = SQLExecDirect(st, (SQLCHAR *)text, (SQLINTEGER)len);
	if (rc == SQL_SUCCESS_WITH_INFO) {
		diag_log(c, SQL_HANDLE_STMT, st);
	} else if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) {
		error = diag_error(x->err, RETORT_EDB, c, SQL_HANDLE_STMT, st, what);
		goto fail;
	}
	if ((error = drain(c, st, what, x->err)) < 0)
		goto fail;
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	H->free(text);
	return 0;
fail:
	H->error_statement(x->err, x->index, line, stmt, len);
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	H->free(text);
	return error;
}

static int count_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct exec_ctx *x = payload;
	(void)stmt;
	(void)len;
	(void)line;
	x->index++;
	return 0;
}

static int odbc_execute(struct retort_conn *c, const char *sql, size_t len,
                        unsigned first_line, struct retort_error *err)
{
	struct exec_ctx x;
	x.conn = c;
	x.err = err;
	x.index = 0;
	int error;

	if (!c->connected)
		return H->error_set(err, RETORT_ERROR, "execute() before connect()");
	/* Lex the whole section first: a script that cannot be split (an
	 * unterminated string at its end) must not run half-way. */
	if ((error = odbc_split(c, sql, len, first_line, count_one, &x, err)) < 0)
		return error;
	x.index = 0;
	return odbc_split(c, sql, len, first_line, exec_one, &x, err);
}

/* ------------------------------------------------------------ version table */

/* 1 if the version table exists, 0 if not, < 0 on error. */
static int table_exists(struct retort_conn *c, struct retort_error *err)
{
	struct retort_error tmp;
	struct odbc_buf b = ODBC_BUF_INIT;
	char *table = NULL, *row = NULL;
	const char *param;
	int error;

	if (!(table = table_sql(c)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	if (c->flavour == ODBC_FL_POSTGRESQL) {
		/* A failed SELECT would abort an open PostgreSQL transaction:
		 * ask the catalog instead (search_path applies as in a query). */
		param = table;
		error = run(c, "SELECT CASE WHEN to_regclass(?) IS NULL THEN 0 ELSE 1 END",
		            &param, 1, &row, NULL, "cannot look up the version table", err);
		if (error == 0)
			error = row && row[0] == '1';
		goto done;
	}
	odbc_buf_puts(&b, "SELECT version_num FROM ");
	odbc_buf_puts(&b, table);
	odbc_buf_puts(&b, " WHERE 1 = 0");
	if (b.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	memset(&tmp, 0, sizeof(tmp));
	error = run(c, b.ptr, NULL, 0, NULL, NULL, "cannot read the version table", &tmp);
	if (error == 0)
		error = 1;
	else if (error == RETORT_EDB && is_missing_table(&tmp))
		error = 0;
	scratch_pass(err, &tmp, error);
done:
	odbc_buf_free(&b);
	H->free(table);
	H->free(row);
	return error;
}

static int odbc_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                             struct retort_error *err)
{
	struct odbc_buf q = ODBC_BUF_INIT, val = ODBC_BUF_INIT;
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
	odbc_buf_puts(&q, "SELECT version_num FROM ");
	odbc_buf_puts(&q, table);
	if (q.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = alloc_stmt(&st, c, err)) < 0)
		goto done;
	rc = SQLExecDirect(st, (SQLCHAR *)q.ptr, SQL_NTS);
	if (!SQL_SUCCEEDED(rc)) {
		error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
		                   "cannot read the version table");
		goto done;
	}
	while ((rc = SQLFetch(st)) != SQL_NO_DATA) {
		if (!SQL_SUCCEEDED(rc)) {
			error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
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
				error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
				                   "cannot read the version table");
				goto done;
			}
			if (got == SQL_NULL_DATA)
				break;
			odbc_buf_puts(&val, buf);
			if (rc == SQL_SUCCESS)
				break;
		}
		if (got == SQL_NULL_DATA)
			continue;
		odbc_buf_puts(&val, "");
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
	odbc_buf_free(&q);
	odbc_buf_free(&val);
	H->free(table);
	return error;
}

static int odbc_version_create(struct retort_conn *c, struct retort_error *err)
{
	struct odbc_buf b = ODBC_BUF_INIT;
	int error;

	if ((error = table_exists(c, err)) != 0)
		return error < 0 ? error : 0;
	if (odbc_version_ddl(&b, flavour_of(c), c->version_schema, c->version_table) < 0) {
		odbc_buf_free(&b);
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	}
	error = run(c, b.ptr, NULL, 0, NULL, NULL, "cannot create the version table", err);
	if (error < 0)
		H->error_statement(err, 0, 0, b.ptr, b.len);
	odbc_buf_free(&b);
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
	struct odbc_buf b = ODBC_BUF_INIT;
	char *table = table_sql(c);
	long rows = -1;
	int error;

	if (!table)
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	odbc_buf_puts(&b, fmt_a);
	odbc_buf_puts(&b, table);
	odbc_buf_puts(&b, fmt_b);
	if (b.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	error = run(c, b.ptr, params, n, NULL, &rows, what, err);
	if (error < 0) {
		H->error_statement(err, 0, 0, b.ptr, b.len);
		goto done;
	}
	if (expect_one && rows != 1)
		error = H->error_set(err, RETORT_ERROR,
			"%s: %ld rows of the version table matched instead of 1 (was it "
			"changed by hand? `retort current` shows its rows)", what, rows);
done:
	odbc_buf_free(&b);
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

/* ------------------------------------------------------------ locking */

/* Seconds for a server-side wait: ms rounded up; -1 for "forever". */
static long timeout_seconds(long ms)
{
	if (ms < 0)
		return -1;
	return (ms + 999) / 1000;
}

static int lock_timeout_error(struct retort_conn *c, struct retort_error *err)
{
	return H->error_set(err, RETORT_ELOCKED,
		"another retort holds the migration lock of %s (waited %ld ms): retry "
		"when it is done, or raise the lock timeout", c->version_table,
		c->lock_timeout_ms);
}

static int lock_pg(struct retort_conn *c, struct retort_error *err)
{
	char sql[128], *row = NULL;
	long long deadline = now_ms() + (c->lock_timeout_ms > 0 ? c->lock_timeout_ms : 0);
	int error, logged = 0;

	snprintf(sql, sizeof(sql),
	         "SELECT CASE WHEN pg_try_advisory_lock(%lld) THEN 1 ELSE 0 END", c->lock_key);
	for (;;) {
		if ((error = run(c, sql, NULL, 0, &row, NULL, "cannot take the migration lock",
		                 err)) < 0)
			return error;
		if (row && row[0] == '1') {
			H->free(row);
			return 0;
		}
		H->free(row);
		row = NULL;
		if (c->lock_timeout_ms >= 0 && now_ms() >= deadline)
			return lock_timeout_error(c, err);
		if (!logged++)
			H->log(RETORT_LOG_INFO, "odbc: waiting for the migration lock of %s",
			       c->version_table);
		sleep_ms(LOCK_POLL_MS);
	}
}

static int lock_mysql(struct retort_conn *c, struct retort_error *err)
{
	char sql[64], *row = NULL;
	const char *param = c->lock_name;
	int error;

	/* "Forever" as a year: older servers take no negative timeout. */
	snprintf(sql, sizeof(sql), "SELECT GET_LOCK(?, %ld)",
	         c->lock_timeout_ms < 0 ? 31536000L : timeout_seconds(c->lock_timeout_ms));
	if ((error = run(c, sql, &param, 1, &row, NULL, "cannot take the migration lock",
	                 err)) < 0)
		return error;
	if (!row)
		return H->error_set(err, RETORT_EDB,
			"GET_LOCK returned NULL (the server could not take the lock)");
	error = row[0] == '1' ? 0 : lock_timeout_error(c, err);
	H->free(row);
	return error;
}

static int lock_mssql(struct retort_conn *c, struct retort_error *err)
{
	char sql[256], *row = NULL;
	const char *param = c->lock_name;
	long r;
	int error;

	snprintf(sql, sizeof(sql),
	         "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, "
	         "@LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = %ld; "
	         "SELECT @r", c->lock_timeout_ms < 0 ? -1L : c->lock_timeout_ms);
	if ((error = run(c, sql, &param, 1, &row, NULL, "cannot take the migration lock",
	                 err)) < 0)
		return error;
	r = row ? strtol(row, NULL, 10) : -999;
	H->free(row);
	if (r >= 0)
		return 0;
	if (r == -1)
		return lock_timeout_error(c, err);
	return H->error_set(err, RETORT_EDB,
		"sp_getapplock returned %ld (-2: cancelled, -3: chosen as deadlock victim, "
		"-999: parameter or call error)", r);
}

/*
 * Oracle: DBMS_LOCK with a handle from ALLOCATE_UNIQUE.  ALLOCATE_UNIQUE
 * commits, so lock() must come before begin() (the engine locks first).
 * When the user may not execute DBMS_LOCK (it needs an explicit grant),
 * say so: there is no other server lock on Oracle that survives commits.
 */
static int lock_oracle(struct retort_conn *c, struct retort_error *err)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	char sql[320], handle[130];
	SQLLEN name_ind = SQL_NTS, handle_ind = 0, result_ind = 0;
	SQLINTEGER result = -1;
	long secs = timeout_seconds(c->lock_timeout_ms);
	int error;

	snprintf(sql, sizeof(sql),
	         "DECLARE h VARCHAR2(128); BEGIN DBMS_LOCK.ALLOCATE_UNIQUE(?, h); ? := h; "
	         "? := DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, %s%ld, FALSE); END;",
	         secs < 0 ? "DBMS_LOCK.MAXWAIT + " : "", secs < 0 ? 0L : secs);
	handle[0] = '\0';
	if ((error = alloc_stmt(&st, c, err)) < 0)
		return error;
	if (!SQL_SUCCEEDED(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR,
	                                    128, 0, c->lock_name, 0, &name_ind)) ||
	    !SQL_SUCCEEDED(SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_VARCHAR,
	                                    128, 0, handle, sizeof(handle), &handle_ind)) ||
	    !SQL_SUCCEEDED(SQLBindParameter(st, 3, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER,
	                                    0, 0, &result, 0, &result_ind))) {
		error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
		                   "cannot take the migration lock");
		goto done;
	}
	if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) {
		error = diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
		                   "cannot take the migration lock with DBMS_LOCK");
		if (err && err->message && strstr(err->message, "PLS-00201"))
			error = H->error_set(err, RETORT_ENOTSUPPORTED,
				"the Oracle user may not execute DBMS_LOCK (a DBA can GRANT "
				"EXECUTE ON SYS.DBMS_LOCK TO the user)");
		goto done;
	}
	handle[sizeof(handle) - 1] = '\0';
	if (result == 0 || result == 4) { /* granted, or already ours */
		H->free(c->ora_lock_handle);
		if (!(c->ora_lock_handle = H->strdup(handle)))
			error = H->error_set(err, RETORT_ENOMEM, "out of memory");
	} else if (result == 1) {
		error = lock_timeout_error(c, err);
	} else {
		error = H->error_set(err, RETORT_EDB,
			"DBMS_LOCK.REQUEST returned %ld (2: deadlock, 3: parameter error, "
			"5: illegal lock handle)", (long)result);
	}
done:
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return error;
}

/*
 * The lock row, for flavours without a server lock retort may use (SQLite;
 * Oracle when the user may not execute DBMS_LOCK).  The lock is a row in
 * retort_lock (SPEC section 9: created when first needed, beside the
 * version table), written on a dedicated autocommit connection so that no
 * migration transaction can roll it back or keep it: lock() INSERTs
 * (lock_name, holder, locked_at) and retries while the primary key refuses
 * it; unlock() DELETEs it.  A run that died leaves its row behind: a row
 * whose holder is a dead process on this host is taken over; any other is
 * named in the timeout message together with the DELETE that clears it.
 */
#define LOCK_TABLE "retort_lock"

static int lockrow_connect(struct retort_conn *c, struct retort_error *err)
{
	SQLRETURN rc;
	if (c->lock_dbc_connected)
		return 0;
	if (!c->lock_dbc && !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->lock_dbc))) {
		c->lock_dbc = SQL_NULL_HDBC;
		return diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_ENV, c->env,
		                  "cannot allocate the lock connection");
	}
	rc = SQLDriverConnect(c->lock_dbc, NULL, (SQLCHAR *)c->connstr, SQL_NTS, NULL, 0, NULL,
	                      SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc))
		return diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_DBC, c->lock_dbc,
		                  "cannot open the connection that holds the migration lock row");
	c->lock_dbc_connected = 1;
	return 0;
}

static int is_unique_violation(const struct retort_error *e)
{
	if (strncmp(e->sqlstate, "23", 2) == 0)
		return 1;
	return e->message && (strstr(e->message, "UNIQUE constraint") ||
	                      strstr(e->message, "ORA-00001") ||
	                      strstr(e->message, "not unique"));
}

/* Make sure retort_lock exists (another run may create it meanwhile). */
static int lockrow_table(struct retort_conn *c, const char *table, struct retort_error *err)
{
	struct retort_error tmp;
	struct odbc_buf q = ODBC_BUF_INIT, ddl = ODBC_BUF_INIT;
	int error;

	odbc_buf_puts(&q, "SELECT lock_name FROM ");
	odbc_buf_puts(&q, table);
	odbc_buf_puts(&q, " WHERE 1 = 0");
	odbc_buf_puts(&ddl, "CREATE TABLE ");
	odbc_buf_puts(&ddl, table);
	odbc_buf_puts(&ddl, " (lock_name VARCHAR(64) NOT NULL, holder VARCHAR(255), "
	                    "locked_at VARCHAR(40), CONSTRAINT retort_lock_pkc "
	                    "PRIMARY KEY (lock_name))");
	if (q.oom || ddl.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	memset(&tmp, 0, sizeof(tmp));
	error = run_on(c, c->lock_dbc, q.ptr, NULL, 0, NULL, NULL, "cannot read " LOCK_TABLE,
	               &tmp);
	if (error == 0 || error != RETORT_EDB || !is_missing_table(&tmp)) {
		scratch_pass(err, &tmp, error);
		goto done;
	}
	scratch_free(&tmp);
	error = run_on(c, c->lock_dbc, ddl.ptr, NULL, 0, NULL, NULL,
	               "cannot create the lock table " LOCK_TABLE, &tmp);
	if (error < 0 &&
	    run_on(c, c->lock_dbc, q.ptr, NULL, 0, NULL, NULL, "", NULL) == 0)
		error = 0; /* created by another run in the meantime */
	scratch_pass(err, &tmp, error);
done:
	odbc_buf_free(&q);
	odbc_buf_free(&ddl);
	return error;
}

/* "host:pid" names a process of this host that no longer exists. */
static int holder_is_dead(const char *holder, const char *mine)
{
	const char *colon = strrchr(holder, ':'), *my_colon = strrchr(mine, ':');
	long pid;
	char *end;

	if (!colon || !my_colon || colon - holder != my_colon - mine ||
	    strncmp(holder, mine, (size_t)(colon - holder)) != 0)
		return 0;
	pid = strtol(colon + 1, &end, 10);
	if (*end || pid <= 0 || (long)(pid_t)pid != pid)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static int lock_row(struct retort_conn *c, struct retort_error *err)
{
	struct retort_error tmp;
	struct odbc_buf b = ODBC_BUF_INIT;
	char host[256], holder[300], stamp[40];
	char *table = NULL, *ins = NULL, *sel = NULL, *sel_at = NULL, *del = NULL;
	char *who = NULL, *since = NULL;
	const char *p[3];
	long long deadline = now_ms() + (c->lock_timeout_ms > 0 ? c->lock_timeout_ms : 0);
	time_t now = time(NULL);
	struct tm tm;
	int error, logged = 0;

	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(holder, sizeof(holder), "%s:%ld", host, (long)getpid());
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	H->free(c->lock_holder);
	if (!(c->lock_holder = H->strdup(holder)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");

	if (odbc_table_name(&b, flavour_of(c), c->version_schema, LOCK_TABLE) < 0 ||
	    !(table = odbc_buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
#define SQL_OF(var, a, b_)                                                   \
	do {                                                                 \
		odbc_buf_puts(&b, a);                                        \
		odbc_buf_puts(&b, table);                                    \
		odbc_buf_puts(&b, b_);                                       \
		var = odbc_buf_detach(&b);                                   \
	} while (0)
	SQL_OF(ins, "INSERT INTO ", " (lock_name, holder, locked_at) VALUES (?, ?, ?)");
	SQL_OF(sel, "SELECT holder FROM ", " WHERE lock_name = ?");
	SQL_OF(sel_at, "SELECT locked_at FROM ", " WHERE lock_name = ?");
	SQL_OF(del, "DELETE FROM ", " WHERE lock_name = ? AND holder = ?");
#undef SQL_OF
	if (!ins || !sel || !sel_at || !del) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = lockrow_connect(c, err)) < 0 || (error = lockrow_table(c, table, err)) < 0)
		goto done;

	p[0] = c->lock_name;
	p[1] = holder;
	p[2] = stamp;
	for (;;) {
		long rows = 0;
		memset(&tmp, 0, sizeof(tmp));
		error = run_on(c, c->lock_dbc, ins, p, 3, NULL, NULL,
		               "cannot take the migration lock row", &tmp);
		if (error == 0) {
			scratch_free(&tmp);
			c->row_locked = 1;
			goto done;
		}
		if (error != RETORT_EDB || !is_unique_violation(&tmp)) {
			scratch_pass(err, &tmp, error);
			goto done;
		}
		scratch_free(&tmp);
		H->free(who);
		who = NULL;
		if ((error = run_on(c, c->lock_dbc, sel, p, 1, &who, NULL,
		                    "cannot read the migration lock row", err)) < 0)
			goto done;
		if (who && holder_is_dead(who, holder)) {
			const char *dp[2];
			dp[0] = c->lock_name;
			dp[1] = who;
			H->log(RETORT_LOG_WARNING, "odbc: taking over the migration lock row of %s, "
			       "a process of this host that no longer runs", who);
			if ((error = run_on(c, c->lock_dbc, del, dp, 2, NULL, &rows,
			                    "cannot clear a stale migration lock row", err)) < 0)
				goto done;
			continue;
		}
		if (c->lock_timeout_ms >= 0 && now_ms() >= deadline)
			break;
		if (!logged++)
			H->log(RETORT_LOG_INFO, "odbc: waiting for the migration lock row of %s (%s)",
			       c->version_table, who ? who : "?");
		sleep_ms(LOCK_POLL_MS);
	}
	run_on(c, c->lock_dbc, sel_at, p, 1, &since, NULL, "", NULL);
	error = H->error_set(err, RETORT_ELOCKED,
		"the migration lock of %s is held by %s since %s (a row in %s): retry when "
		"that run is done; if it died, run DELETE FROM %s WHERE lock_name = '%s'",
		c->version_table, who ? who : "another run", since ? since : "?", LOCK_TABLE,
		table, c->lock_name);
	H->error_db(err, NULL, 0);
done:
	H->free(table);
	H->free(ins);
	H->free(sel);
	H->free(sel_at);
	H->free(del);
	H->free(who);
	H->free(since);
	odbc_buf_free(&b);
	return error;
}

static int unlock_row(struct retort_conn *c, struct retort_error *err)
{
	struct odbc_buf b = ODBC_BUF_INIT;
	const char *p[2];
	int error;

	odbc_buf_puts(&b, "DELETE FROM ");
	if (odbc_table_name(&b, flavour_of(c), c->version_schema, LOCK_TABLE) < 0 || b.oom) {
		odbc_buf_free(&b);
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	}
	odbc_buf_puts(&b, " WHERE lock_name = ? AND holder = ?");
	p[0] = c->lock_name;
	p[1] = c->lock_holder ? c->lock_holder : "";
	error = b.oom ? H->error_set(err, RETORT_ENOMEM, "out of memory")
	              : run_on(c, c->lock_dbc, b.ptr, p, 2, NULL, NULL,
	                       "cannot release the migration lock row", err);
	odbc_buf_free(&b);
	c->row_locked = 0;
	return error;
}

static int odbc_lock(struct retort_conn *c, struct retort_error *err)
{
	struct retort_error tmp;
	char name[40];
	unsigned long long h;
	int error;

	if (!c->connected)
		return H->error_set(err, RETORT_ERROR, "lock() before connect()");
	if (c->locked)
		return 0;
	/* One lock per database, schema and version table (ANCHORS 3.4). */
	h = odbc_lock_hash(c->database, c->version_schema, c->version_table);
	c->lock_key = (long long)h;
	snprintf(name, sizeof(name), "retort_%016llx", h);
	H->free(c->lock_name);
	if (!(c->lock_name = H->strdup(name)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");

	switch (c->flavour) {
	case ODBC_FL_POSTGRESQL: error = lock_pg(c, err); break;
	case ODBC_FL_MYSQL: error = lock_mysql(c, err); break;
	case ODBC_FL_MSSQL: error = lock_mssql(c, err); break;
	case ODBC_FL_ORACLE:
		memset(&tmp, 0, sizeof(tmp));
		error = lock_oracle(c, &tmp);
		if (error == RETORT_ENOTSUPPORTED) {
			H->log(RETORT_LOG_WARNING, "odbc: %s; using a lock row in %s instead",
			       tmp.message ? tmp.message : "DBMS_LOCK is not available", LOCK_TABLE);
			scratch_free(&tmp);
			error = lock_row(c, err);
		} else {
			scratch_pass(err, &tmp, error);
		}
		break;
	default: /* SQLite: no server lock */
		error = lock_row(c, err);
		break;
	}
	if (error == 0)
		c->locked = 1;
	return error;
}

static int odbc_unlock(struct retort_conn *c, struct retort_error *err)
{
	char sql[128], *row = NULL;
	const char *param;
	int error = 0;

	if (!c->connected || !c->locked)
		return 0;
	if (c->row_locked) {
		error = unlock_row(c, err);
		c->locked = 0;
		return error;
	}
	param = c->lock_name;
	switch (c->flavour) {
	case ODBC_FL_POSTGRESQL:
		snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", c->lock_key);
		error = run(c, sql, NULL, 0, &row, NULL, "cannot release the migration lock", err);
		break;
	case ODBC_FL_MYSQL:
		error = run(c, "SELECT RELEASE_LOCK(?)", &param, 1, &row, NULL,
		            "cannot release the migration lock", err);
		break;
	case ODBC_FL_MSSQL:
		error = run(c, "EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'",
		            &param, 1, NULL, NULL, "cannot release the migration lock", err);
		break;
	case ODBC_FL_ORACLE:
		param = c->ora_lock_handle ? c->ora_lock_handle : "";
		error = run(c, "DECLARE r INTEGER; BEGIN r := DBMS_LOCK.RELEASE(?); END;",
		            &param, 1, NULL, NULL, "cannot release the migration lock", err);
		break;
	default:
		break;
	}
	H->free(row);
	/* Even on failure the lock goes with the session: do not retry. */
	c->locked = 0;
	return error;
}

/* ------------------------------------------------------------ quoting, offline */

static int odbc_quote_identifier(const struct retort_conn *c, const char *name, char **out,
                                 struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct odbc_buf b = ODBC_BUF_INIT;

	*out = NULL;
	if (!fl)
		return RETORT_EUSAGE;
	if (odbc_quote_ident(&b, fl, name, 0) < 0)
		return H->error_set(err, RETORT_EUSAGE, "an SQL identifier cannot be empty");
	if (!(*out = odbc_buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	return 0;
}

static int odbc_quote_literal_fn(const struct retort_conn *c, const char *value, char **out,
                                 struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct odbc_buf b = ODBC_BUF_INIT;

	*out = NULL;
	if (!fl)
		return RETORT_EUSAGE;
	odbc_quote_literal(&b, fl, value ? value : "");
	if (!(*out = odbc_buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	return 0;
}

/*
 * Offline text, exactly the pieces Alembic's offline mode writes (each of
 * which Alembic follows with a blank line):
 *  BEGIN        "BEGIN TRANSACTION;" (mssql), "BEGIN;" (postgresql), else ""
 *  COMMIT       "COMMIT;\n\nGO" (mssql), "COMMIT;" (postgresql), else ""
 *  VERSION_DDL  the CREATE TABLE with its terminator (as STATEMENT renders)
 *  STATEMENT    arg with its terminator: "x;" ; "x;\n\nGO" (mssql);
 *               "x\n\n/" (oracle)
 */
static int odbc_offline_sql(const struct retort_conn *c, int what, const char *arg,
                            size_t arg_len, char **out, struct retort_error *err)
{
	const struct odbc_flavour_info *fl = need_flavour(c, err);
	struct odbc_buf b = ODBC_BUF_INIT, ddl = ODBC_BUF_INIT;

	*out = NULL;
	if (!fl)
		return RETORT_EUSAGE;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
		odbc_buf_puts(&b, fl->begin_sql);
		break;
	case RETORT_OFFLINE_COMMIT:
		if (*fl->commit_sql)
			odbc_offline_statement(&b, fl, fl->commit_sql, strlen(fl->commit_sql));
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		if (odbc_version_ddl(&ddl, fl, c->version_schema, c->version_table) < 0 ||
		    ddl.oom) {
			odbc_buf_free(&ddl);
			return H->error_set(err, RETORT_ENOMEM, "out of memory");
		}
		odbc_offline_statement(&b, fl, ddl.ptr, ddl.len);
		odbc_buf_free(&ddl);
		break;
	case RETORT_OFFLINE_STATEMENT:
		if (!arg)
			return H->error_set(err, RETORT_ERROR, "offline_sql(STATEMENT) without text");
		odbc_offline_statement(&b, fl, arg, arg_len);
		break;
	default:
		return H->error_set(err, RETORT_ENOTSUPPORTED,
		                    "offline_sql: unknown kind %d for the odbc dialect", what);
	}
	if (!(*out = odbc_buf_detach(&b)))
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
	odbc_execute,
	odbc_split,
	odbc_version_read,
	odbc_version_create,
	odbc_version_insert,
	odbc_version_update,
	odbc_version_delete,
	odbc_lock,
	odbc_unlock,
	odbc_quote_identifier,
	odbc_quote_literal_fn,
	odbc_offline_sql,
};

RETORT_DIALECT_DEFINE(retort_odbc, &vtable, odbc__host)
