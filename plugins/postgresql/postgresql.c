/* SPDX-License-Identifier: MIT */
/*
 * plugins/postgresql/postgresql.c - the PostgreSQL dialect, on libpq.
 *
 * URLs: postgresql://[user[:password]@][host][:port][/database][?key=value...]
 * (scheme "postgres" too).  Every part the URL gives becomes a libpq
 * keyword for PQconnectdbParams(); every ?key=value is passed through as a
 * libpq keyword (sslmode, connect_timeout, application_name, options,
 * host=/run/postgresql for a socket, ...), checked against PQconndefaults()
 * so a typo is reported before any I/O.  What the URL leaves out, libpq
 * takes from its environment (PGHOST, PGPORT, PGUSER, PGPASSWORD,
 * PGDATABASE, ~/.pgpass, PGSERVICE...).  The conninfo is never echoed: it
 * holds the password.
 *
 * PostgreSQL has transactional DDL, session advisory locks and schemas.
 * Scripts are split with the PostgreSQL lexer (dollar quotes, nested
 * comments) and run statement by statement, so that an error names its
 * statement; the core wraps them in BEGIN/COMMIT unless the script says
 * `-- retort:transaction off` (CREATE INDEX CONCURRENTLY and friends).
 *
 * The version table is Alembic's, rendered as Alembic renders it for
 * PostgreSQL, and identifiers are quoted as SQLAlchemy quotes them (only
 * when needed), so offline SQL matches `alembic upgrade --sql` output.
 */
/* clock_gettime(), nanosleep() and strcasecmp() under -std=c99 too. */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include <retort/dialect.h>

static const struct retort_host *api;

static const char *const schemes[] = { "postgresql", "postgres", NULL };

/* SQLSTATEs that mean "the version table (or its schema) is not there". */
#define SQLSTATE_UNDEFINED_TABLE "42P01"
#define SQLSTATE_INVALID_SCHEMA "3F000"

struct retort_conn {
	PGconn *pg;
	/* PQconnectdbParams() arrays, NULL-terminated; values owned. */
	const char **keys;
	char **vals;
	size_t n_kv;
	const char *password;   /* borrowed from vals (wiped when freed) */
	char **secrets;         /* the URL's secrets, masked in messages */
	char *version_table;
	char *schema;           /* NULL for the search_path default */
	char *qtable;           /* quoted [schema.]table */
	char *qpkey;            /* quoted <table>_pkc */
	char *regclass;         /* "schema"."table" for to_regclass() */
	long lock_timeout_ms;
	int locked;
	long long lock_key;
};

/* ------------------------------------------------------------ errors */

static int oom(struct retort_error *err)
{
	return api->error_set(err, RETORT_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------ quoting */

/* As SQLAlchemy writes an identifier for PostgreSQL (the host has the
 * rule and SQLAlchemy's reserved words): bare when it can be, else
 * double-quoted with '"' doubled. */
static void put_ident(struct retort_buf *b, const char *name)
{
	api->quote_ident(b, name, RETORT_FAMILY_POSTGRESQL, '"', '"', 0);
}

/*
 * A string literal that means the same whatever standard_conforming_strings
 * says: '...' with '' doubling, or, when the value holds a backslash,
 * E'...' with backslashes doubled too (what PostgreSQL's quote_literal()
 * does).
 */
static void put_literal(struct retort_buf *b, const char *value)
{
	const char *p;
	if (strchr(value, '\\'))
		api->buf_putc(b, 'E');
	api->buf_putc(b, '\'');
	for (p = value; *p; p++) {
		if (*p == '\'' || *p == '\\')
			api->buf_putc(b, *p);
		api->buf_putc(b, *p);
	}
	api->buf_putc(b, '\'');
}

static int pg_quote_identifier(const struct retort_conn *conn, const char *name, char **out,
                               struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)conn;
	*out = NULL;
	if (!name || !*name)
		return api->error_set(err, RETORT_EUSAGE, "an empty identifier cannot be quoted");
	put_ident(&b, name);
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

static int pg_quote_literal(const struct retort_conn *conn, const char *value, char **out,
                            struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)conn;
	*out = NULL;
	if (!value)
		return api->error_set(err, RETORT_EUSAGE, "a NULL string cannot be quoted");
	put_literal(&b, value);
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

/* ------------------------------------------------------------ messages */

/*
 * Make a server message fit the one-line error contract (newlines become
 * "; ") with the URL's secrets masked by the host's policy.  NULL when out
 * of memory.
 */
static char *clean_message(const struct retort_conn *conn, const char *msg)
{
	return api->mask(msg, conn ? (const char *const *)conn->secrets : NULL,
	                 RETORT_MASK_ONELINE | RETORT_MASK_TRIM);
}

/*
 * Set err from a failed result (or from the connection when res is NULL):
 * "[what: ]primary[ (detail)][; hint: hint]" plus the SQLSTATE.
 */
static int result_error(struct retort_conn *conn, const PGresult *res, struct retort_error *err,
                        const char *what)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	struct retort_buf b = RETORT_BUF_INIT;
	char *m;

	if (what) {
		api->buf_puts(&b, what);
		api->buf_puts(&b, ": ");
	}
	m = clean_message(conn, primary ? primary : PQerrorMessage(conn->pg));
	api->buf_puts(&b, m && *m ? m : "the server reported an error without a message");
	api->free(m);
	if (detail) {
		m = clean_message(conn, detail);
		api->buf_puts(&b, " (");
		api->buf_puts(&b, m ? m : "");
		api->buf_puts(&b, ")");
		api->free(m);
	}
	if (hint) {
		/* Keep the hint: it usually says what would fix it. */
		m = clean_message(conn, hint);
		api->buf_puts(&b, "; hint: ");
		api->buf_puts(&b, m ? m : "");
		api->free(m);
	}
	if (!(m = api->buf_detach(&b)))
		return oom(err);
	api->error_set(err, RETORT_EDB, "%s", m);
	api->error_db(err, state, 0);
	api->free(m);
	return RETORT_EDB;
}

/*
 * Server notices: WARNING (RAISE WARNING, deprecated syntax...) reaches the
 * user at warning level, NOTICE and below ("table does not exist,
 * skipping") at info level, which -v shows.
 */
static void notice_receiver(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char *m = clean_message(arg, primary ? primary : PQresultErrorMessage(res));
	int warning = sev && strcmp(sev, "WARNING") == 0;
	if (m)
		api->log(warning ? RETORT_LOG_WARNING : RETORT_LOG_INFO, "postgresql: %s: %s",
		         warning ? "server warning" : "server notice", m);
	api->free(m);
}

/* ------------------------------------------------------------ lifecycle */

static void free_conn(struct retort_conn *c)
{
	size_t i;
	if (!c)
		return;
	if (c->pg)
		PQfinish(c->pg);
	if (c->vals) {
		for (i = 0; i < c->n_kv; i++) {
			/* Don't leave the password in freed memory. */
			if (c->vals[i] && c->vals[i] == c->password) {
				volatile char *v = c->vals[i];
				while (*v)
					*v++ = '\0';
			}
			api->free(c->vals[i]);
		}
	}
	if (c->keys) {
		for (i = 0; i < c->n_kv; i++)
			api->free((char *)c->keys[i]);
	}
	api->free(c->keys);
	api->free(c->vals);
	api->free(c->version_table);
	api->free(c->schema);
	api->free(c->qtable);
	api->free(c->qpkey);
	api->free(c->regclass);
	api->secrets_free(c->secrets);
	api->free(c);
}

static int is_libpq_keyword(const PQconninfoOption *opts, const char *key)
{
	const PQconninfoOption *o;
	for (o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return 1;
	return 0;
}

static int add_kv(struct retort_conn *c, const char *key, const char *val)
{
	char *k = api->strdup(key), *v = api->strdup(val);
	if (!k || !v) {
		api->free(k);
		api->free(v);
		return -1;
	}
	c->keys[c->n_kv] = k;
	c->vals[c->n_kv] = v;
	c->n_kv++;
	return 0;
}

/* PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1). */
#define PG_NAME_MAX 63

/*
 * Names too long for PostgreSQL, refused before anything is created: it
 * would cut them silently, and a version table over 59 bytes would then
 * share its cut name with its primary key constraint <table>_pkc
 * ("relation ... already exists", and nothing created).
 */
static int check_names(const struct retort_dialect_options *opts, struct retort_error *err)
{
	const char *t = opts && opts->version_table ? opts->version_table : "";
	const char *sc = opts && opts->version_table_schema ? opts->version_table_schema : "";
	if (strlen(t) > PG_NAME_MAX - 4)
		return api->error_set(err, RETORT_EUSAGE, "version_table is %zu bytes long, but "
		                      "PostgreSQL keeps %d bytes of a name and the table's primary "
		                      "key is named <version_table>_pkc: write a name of at most "
		                      "%d bytes", strlen(t), PG_NAME_MAX, PG_NAME_MAX - 4);
	if (strlen(sc) > PG_NAME_MAX)
		return api->error_set(err, RETORT_EUSAGE, "version_table_schema is %zu bytes long, "
		                      "but PostgreSQL keeps %d bytes of a name: write a shorter one",
		                      strlen(sc), PG_NAME_MAX);
	return 0;
}

static int pg_create(struct retort_conn **out, const struct retort_url *url,
                     const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	PQconninfoOption *defaults = NULL;
	struct retort_buf b = RETORT_BUF_INIT;
	char port[16];
	size_t i, cap;
	int rc = RETORT_ENOMEM;
	const char *table, *schema;

	*out = NULL;
	if (!url)
		return api->error_set(err, RETORT_EUSAGE, "no URL given");
	if ((rc = check_names(opts, err)) < 0)
		return rc;
	c = api->alloc(sizeof(*c));
	if (!c)
		return oom(err);
	memset(c, 0, sizeof(*c));
	c->lock_timeout_ms = opts ? opts->lock_timeout_ms : -1;

	table = opts && opts->version_table && *opts->version_table ? opts->version_table
	                                                            : "alembic_version";
	schema = opts && opts->version_table_schema && *opts->version_table_schema
	                 ? opts->version_table_schema
	                 : NULL;
	if (!(c->secrets = api->secrets_of(url)))
		goto fail;
	if (!(c->version_table = api->strdup(table)))
		goto fail;
	if (schema && !(c->schema = api->strdup(schema)))
		goto fail;

	/* Quoted names, computed once. */
	if (schema) {
		put_ident(&b, schema);
		api->buf_putc(&b, '.');
	}
	put_ident(&b, table);
	if (!(c->qtable = api->buf_detach(&b)))
		goto fail;
	if (schema) {
		api->buf_put_quoted(&b, schema, '"', '"');
		api->buf_putc(&b, '.');
	}
	api->buf_put_quoted(&b, table, '"', '"');
	if (!(c->regclass = api->buf_detach(&b)))
		goto fail;
	api->buf_puts(&b, table);
	api->buf_puts(&b, "_pkc");
	if (b.oom)
		goto fail;
	{
		char *pk = api->buf_detach(&b);
		if (!pk)
			goto fail;
		put_ident(&b, pk);
		api->free(pk);
		if (!(c->qpkey = api->buf_detach(&b)))
			goto fail;
	}

	/* libpq keywords: the URL's parts, then the query string. */
	cap = 8 + url->n_params;
	c->keys = api->alloc(cap * sizeof(*c->keys));
	c->vals = api->alloc(cap * sizeof(*c->vals));
	if (!c->keys || !c->vals)
		goto fail;
	memset(c->keys, 0, cap * sizeof(*c->keys));
	memset(c->vals, 0, cap * sizeof(*c->vals));

	if (url->host && *url->host && add_kv(c, "host", url->host) < 0)
		goto fail;
	if (url->port) {
		snprintf(port, sizeof(port), "%u", url->port);
		if (add_kv(c, "port", port) < 0)
			goto fail;
	}
	if (url->user && *url->user && add_kv(c, "user", url->user) < 0)
		goto fail;
	if (url->password) {
		if (add_kv(c, "password", url->password) < 0)
			goto fail;
		c->password = c->vals[c->n_kv - 1];
	}
	if (url->database && *url->database && add_kv(c, "dbname", url->database) < 0)
		goto fail;
	/* Lets the lock-holder message and pg_stat_activity say who we are. */
	if (add_kv(c, "fallback_application_name", "retort") < 0)
		goto fail;

	if (url->n_params) {
		defaults = PQconndefaults();
		if (!defaults)
			goto fail;
	}
	for (i = 0; i < url->n_params; i++) {
		const struct retort_url_param *p = &url->params[i];
		if (!p->key || !is_libpq_keyword(defaults, p->key)) {
			rc = api->error_set(err, RETORT_EUSAGE,
			                     "unknown PostgreSQL connection parameter '%s' in the URL's "
			                     "query string; use a libpq keyword such as sslmode, "
			                     "connect_timeout or application_name",
			                     p->key ? p->key : "");
			goto fail_msg;
		}
		if (strcmp(p->key, "password") == 0) {
			if (add_kv(c, p->key, p->value ? p->value : "") < 0)
				goto fail;
			c->password = c->vals[c->n_kv - 1];
			continue;
		}
		if (add_kv(c, p->key, p->value ? p->value : "") < 0)
			goto fail;
	}
	if (defaults)
		PQconninfoFree(defaults);
	*out = c;
	return 0;

fail:
	rc = oom(err);
fail_msg:
	api->buf_free(&b);
	if (defaults)
		PQconninfoFree(defaults);
	free_conn(c);
	return rc;
}

static int pg_connect(struct retort_conn *c, struct retort_error *err)
{
	char *m;
	if (c->pg)
		return 0;
	/* expand_dbname = 0: a database name is never parsed as a conninfo. */
	c->pg = PQconnectdbParams(c->keys, (const char *const *)c->vals, 0);
	if (!c->pg)
		return oom(err);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		m = clean_message(c, PQerrorMessage(c->pg));
		api->error_set(err, RETORT_ECONNECT, "%s", m ? m : "cannot connect");
		api->free(m);
		PQfinish(c->pg);
		c->pg = NULL;
		return RETORT_ECONNECT;
	}
	PQsetNoticeReceiver(c->pg, notice_receiver, c);

	/* The lock key: this database, schema and version table. */
	{
		unsigned char h[8] = RETORT_HASH64_INIT;
		const char *db = PQdb(c->pg);
		uint64_t k = 0;
		size_t i;
		api->hash64(h, "retort", 7);
		api->hash64(h, db ? db : "", db ? strlen(db) + 1 : 1);
		api->hash64(h, c->schema ? c->schema : "", c->schema ? strlen(c->schema) + 1 : 1);
		api->hash64(h, c->version_table, strlen(c->version_table) + 1);
		for (i = 0; i < 8; i++)
			k = (k << 8) | h[i];
		c->lock_key = (long long)k;
	}
	return 0;
}

static int pg_unlock(struct retort_conn *c, struct retort_error *err);

/*
 * Release the lock explicitly before closing: the server drops a closed
 * session's locks only when the backend notices the disconnect, and a
 * waiting run should not have to wait for that.
 */
static void pg_destroy(struct retort_conn *c)
{
	if (c && c->pg && c->locked)
		pg_unlock(c, NULL);
	free_conn(c);
}

static unsigned pg_caps(const struct retort_conn *c)
{
	(void)c;
	return RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS |
	       RETORT_CAP_NONTX_SCRIPTS | RETORT_CAP_CREATE_IF_ABSENT;
}

static int need_conn(struct retort_conn *c, struct retort_error *err)
{
	if (!c || !c->pg)
		return api->error_set(err, RETORT_ERROR, "not connected to PostgreSQL");
	return 0;
}

/* Run a command that returns no rows; set err on failure. */
static int simple(struct retort_conn *c, const char *sql, struct retort_error *err)
{
	PGresult *res;
	int rc = 0;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	res = PQexec(c->pg, sql);
	if (!res)
		return result_error(c, NULL, err, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = result_error(c, res, err, sql);
	PQclear(res);
	return rc;
}

static int pg_begin(struct retort_conn *c, struct retort_error *err)
{
	return simple(c, "BEGIN", err);
}

static int pg_commit(struct retort_conn *c, struct retort_error *err)
{
	PGresult *res;
	int rc = 0;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	res = PQexec(c->pg, "COMMIT");
	if (!res)
		return result_error(c, NULL, err, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = result_error(c, res, err, "COMMIT");
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		/* COMMIT of an aborted transaction rolls back and says so. */
		rc = api->error_set(err, RETORT_EDB,
		                     "COMMIT rolled back: the transaction had failed earlier");
	PQclear(res);
	return rc;
}

static int pg_rollback(struct retort_conn *c, struct retort_error *err)
{
	return simple(c, "ROLLBACK", err);
}

/* ------------------------------------------------------------ scripts */

/* 1-based character position (as the server counts) -> line offset. */
static unsigned lines_before(const char *stmt, size_t len, long pos)
{
	unsigned n = 0;
	long chars = 0;
	size_t i;
	for (i = 0; i < len && chars < pos - 1; i++) {
		/* UTF-8: count only lead bytes as characters. */
		if (((unsigned char)stmt[i] & 0xC0) != 0x80)
			chars++;
		if (stmt[i] == '\n')
			n++;
	}
	return n;
}

static unsigned pg_split_rules(const struct retort_conn *c)
{
	(void)c;
	return RETORT_SPLIT_POSTGRESQL;
}

/* One statement; the core's loop splits, numbers and attaches it. */
static int pg_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                unsigned line, struct retort_error *err)
{
	PGresult *res;
	char *sql;
	ExecStatusType st;
	int rc;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (!(sql = api->strndup(stmt, len)))
		return oom(err);
	res = PQexec(c->pg, sql);
	api->free(sql);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	switch (st) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		PQclear(res);
		/* A statement list in one string runs with PQexec too: any
		 * later results are already consumed by PQexec. */
		return 0;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		PQclear(res);
		if (st == PGRES_COPY_IN)
			PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported in migration scripts");
		while ((res = PQgetResult(c->pg)) != NULL)
			PQclear(res);
		return api->error_set(err, RETORT_EDB,
		                      "COPY to or from the client is not supported in migration "
		                      "scripts; use INSERT statements or COPY from a server file");
	default: {
		const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
		rc = result_error(c, res, err, NULL);
		if (pos && err && err->message) {
			long p = strtol(pos, NULL, 10);
			unsigned at = line + lines_before(stmt, len, p);
			char *m = api->strdup(err->message);
			if (m) {
				api->error_set(err, RETORT_EDB, "%s (at line %u)", m, at);
				api->free(m);
			}
		}
		PQclear(res);
		return rc;
	}
	}
}

/* ------------------------------------------------------------ version table */

/* "<verb> <qtable><rest>" into a new string, or NULL. */
static char *table_sql(const struct retort_conn *c, const char *verb, const char *rest)
{
	struct retort_buf b = RETORT_BUF_INIT;
	api->buf_puts(&b, verb);
	api->buf_puts(&b, c->qtable);
	api->buf_puts(&b, rest);
	return api->buf_detach(&b);
}

static int pg_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                           struct retort_error *err)
{
	PGresult *res;
	const char *params[1];
	char *sql;
	int rc = 0, i, n;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	/* Ask first, so a missing table does not abort a transaction. */
	params[0] = c->regclass;
	res = PQexecParams(c->pg, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params, NULL, NULL,
	                   0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		if (st && strcmp(st, SQLSTATE_INVALID_SCHEMA) == 0) {
			PQclear(res);
			return RETORT_ENOTFOUND;
		}
		rc = result_error(c, res, err, "cannot look for the version table");
		PQclear(res);
		return rc;
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		return RETORT_ENOTFOUND;
	}
	PQclear(res);

	if (!(sql = table_sql(c, "SELECT version_num FROM ", "")))
		return oom(err);
	res = PQexecParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0);
	api->free(sql);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		if (st && (strcmp(st, SQLSTATE_UNDEFINED_TABLE) == 0 ||
		           strcmp(st, SQLSTATE_INVALID_SCHEMA) == 0))
			rc = RETORT_ENOTFOUND;
		else
			rc = result_error(c, res, err, "cannot read the version table");
		PQclear(res);
		return rc;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 0))
			continue;
		if ((rc = cb(PQgetvalue(res, i, 0), payload)) != 0) {
			if (rc > 0)
				rc = RETORT_ERROR;
			if (err && !err->message)
				api->error_set(err, rc, "reading the version table was stopped");
			break;
		}
	}
	PQclear(res);
	return rc;
}

/* Alembic's DDL for PostgreSQL, without the terminator. */
static char *version_ddl(const struct retort_conn *c, int if_not_exists)
{
	struct retort_buf b = RETORT_BUF_INIT;
	api->buf_puts(&b, if_not_exists ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
	api->buf_puts(&b, c->qtable);
	api->buf_puts(&b, " (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT ");
	api->buf_puts(&b, c->qpkey);
	api->buf_puts(&b, " PRIMARY KEY (version_num)\n)");
	return api->buf_detach(&b);
}

static int pg_version_create(struct retort_conn *c, struct retort_error *err)
{
	char *sql;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (!(sql = version_ddl(c, 1)))
		return oom(err);
	rc = simple(c, sql, err);
	if (rc < 0 && err && err->message) {
		char *m = api->strdup(err->message);
		if (m) {
			api->error_set(err, rc, "cannot create the version table %s: %s", c->qtable, m);
			api->free(m);
		}
	}
	api->free(sql);
	return rc;
}

/* Run a one-row DML statement with bound parameters; *rows = rows hit. */
static int dml(struct retort_conn *c, const char *sql, int n, const char *const *params,
               long *rows, struct retort_error *err)
{
	PGresult *res;
	int rc = 0;
	*rows = 0;
	res = PQexecParams(c->pg, sql, n, NULL, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = result_error(c, res, err, "version table");
	else
		*rows = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

static int pg_version_insert(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	const char *params[1] = { rev };
	char *sql;
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (!(sql = table_sql(c, "INSERT INTO ", " (version_num) VALUES ($1)")))
		return oom(err);
	rc = dml(c, sql, 1, params, &rows, err);
	api->free(sql);
	return rc;
}

static int pg_version_update(struct retort_conn *c, const char *from, const char *to,
                             struct retort_error *err)
{
	const char *params[2] = { to, from };
	char *sql;
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (!(sql = table_sql(c, "UPDATE ", " SET version_num = $1 WHERE version_num = $2")))
		return oom(err);
	rc = dml(c, sql, 2, params, &rows, err);
	api->free(sql);
	if (rc == 0 && rows != 1)
		/* Alembic's wording. */
		rc = api->error_set(err, RETORT_ERROR,
		                     "Online migration expected to match one row when updating '%s' "
		                     "to '%s' in '%s'; %ld found",
		                     from, to, c->version_table, rows);
	return rc;
}

static int pg_version_delete(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	const char *params[1] = { rev };
	char *sql;
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (!(sql = table_sql(c, "DELETE FROM ", " WHERE version_num = $1")))
		return oom(err);
	rc = dml(c, sql, 1, params, &rows, err);
	api->free(sql);
	if (rc == 0 && rows != 1)
		rc = api->error_set(err, RETORT_ERROR,
		                     "Online migration expected to match one row when deleting '%s' "
		                     "in '%s'; %ld found",
		                     rev, c->version_table, rows);
	return rc;
}

/* ------------------------------------------------------------ locking */

/* 1: got it, 0: held elsewhere, <0: error. */
static int try_lock(struct retort_conn *c, struct retort_error *err)
{
	char key[32];
	const char *params[1] = { key };
	PGresult *res;
	int rc;
	snprintf(key, sizeof(key), "%lld", c->lock_key);
	res = PQexecParams(c->pg, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params, NULL,
	                   NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		rc = result_error(c, res, err, "pg_try_advisory_lock");
		PQclear(res);
		return rc;
	}
	rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

/* Describe the session holding our advisory lock (host-allocated), or NULL. */
static char *lock_holder(struct retort_conn *c)
{
	char hi[16], lo[16];
	const char *params[2] = { hi, lo };
	PGresult *res;
	struct retort_buf b = RETORT_BUF_INIT;
	uint64_t k = (uint64_t)c->lock_key;

	snprintf(hi, sizeof(hi), "%lu", (unsigned long)(k >> 32));
	snprintf(lo, sizeof(lo), "%lu", (unsigned long)(k & 0xffffffffu));
	res = PQexecParams(c->pg,
	                   "SELECT l.pid, coalesce(a.application_name, ''), "
	                   "coalesce(host(a.client_addr), 'local'), "
	                   "coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '') "
	                   "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
	                   "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
	                   "AND l.classid = $1::oid AND l.objid = $2::oid "
	                   "AND l.database = (SELECT oid FROM pg_database "
	                   "WHERE datname = current_database()) LIMIT 1",
	                   2, NULL, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	api->buf_puts(&b, "pid ");
	api->buf_puts(&b, PQgetvalue(res, 0, 0));
	if (*PQgetvalue(res, 0, 1)) {
		api->buf_puts(&b, ", application '");
		api->buf_puts(&b, PQgetvalue(res, 0, 1));
		api->buf_puts(&b, "'");
	}
	api->buf_puts(&b, ", client ");
	api->buf_puts(&b, PQgetvalue(res, 0, 2));
	if (*PQgetvalue(res, 0, 3)) {
		api->buf_puts(&b, ", connected since ");
		api->buf_puts(&b, PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return api->buf_detach(&b);
}

static int pg_lock(struct retort_conn *c, struct retort_error *err)
{
	long long start, waited;
	long step = 50;
	int rc, logged = 0;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (c->locked)
		return 0;
	start = api->clock_ms();
	for (;;) {
		rc = try_lock(c, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			c->locked = 1;
			return 0;
		}
		waited = api->clock_ms() - start;
		if (c->lock_timeout_ms >= 0 && waited >= c->lock_timeout_ms) {
			char *who = lock_holder(c);
			api->error_set(err, RETORT_ELOCKED,
			                "the migration lock of database '%s' (version table %s) is held "
			                "by another session (%s); waited %lld ms: let that run finish, "
			                "or raise the lock timeout",
			                PQdb(c->pg), c->qtable, who ? who : "holder unknown", waited);
			api->free(who);
			return RETORT_ELOCKED;
		}
		if (!logged) {
			char *who = lock_holder(c);
			api->log(RETORT_LOG_INFO,
			          "postgresql: waiting for the migration lock held by %s",
			          who ? who : "another session");
			api->free(who);
			logged = 1;
		}
		if (c->lock_timeout_ms >= 0 && step > c->lock_timeout_ms - waited)
			step = (long)(c->lock_timeout_ms - waited);
		api->sleep_ms(step > 0 ? step : 1);
		if (step < 500)
			step *= 2;
	}
}

static int pg_unlock(struct retort_conn *c, struct retort_error *err)
{
	char key[32];
	const char *params[1] = { key };
	PGresult *res;
	int rc = 0;

	if (!c || !c->pg || !c->locked)
		return 0;
	snprintf(key, sizeof(key), "%lld", c->lock_key);
	res = PQexecParams(c->pg, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL,
	                   NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = result_error(c, res, err, "pg_advisory_unlock");
	else
		c->locked = 0;
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------ side queries (ABI 1.1) */

/*
 * Rewrite the '?' placeholders of sql as $1, $2, ... for libpq: a '?'
 * inside '...' (E'...' with backslash escapes), "...", $tag$...$tag$, a
 * -- comment or a (nested) block comment stays as it is.  *count gets the
 * number of placeholders.  Host-allocated, NULL when out of memory.
 */
static char *pg_placeholders(const char *sql, size_t *count)
{
	struct retort_buf b = RETORT_BUF_INIT;
	const char *p = sql;
	size_t n = 0;
	char num[24];

	while (*p) {
		const char *start = p;
		if (*p == '\'' || *p == '"') {
			char q = *p;
			int esc = q == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
			          (p - 1 == sql || !((p[-2] >= 'a' && p[-2] <= 'z') ||
			                             (p[-2] >= 'A' && p[-2] <= 'Z') ||
			                             (p[-2] >= '0' && p[-2] <= '9') || p[-2] == '_'));
			p++;
			while (*p) {
				if (esc && *p == '\\' && p[1]) {
					p += 2;
				} else if (*p == q) {
					p++;
					if (*p != q)
						break;
					p++;
				} else {
					p++;
				}
			}
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (*p && depth > 0) {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else if (*p == '$' && !(p > sql && ((p[-1] >= 'a' && p[-1] <= 'z') ||
		                                      (p[-1] >= 'A' && p[-1] <= 'Z') ||
		                                      (p[-1] >= '0' && p[-1] <= '9') ||
		                                      p[-1] == '_' || (unsigned char)p[-1] >= 0x80))) {
			/* $tag$ ... $tag$ (tag: letters, digits, '_', not starting with a digit) */
			const char *t = p + 1;
			while ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || *t == '_' ||
			       (*t >= '0' && *t <= '9' && t > p + 1) || (unsigned char)*t >= 0x80)
				t++;
			if (*t == '$') {
				size_t tl = (size_t)(t - p) + 1;
				const char *e = t + 1;
				while (*e && strncmp(e, p, tl) != 0)
					e++;
				p = *e ? e + tl : e;
			} else {
				p++;
			}
		} else if (*p == '?') {
			n++;
			snprintf(num, sizeof(num), "$%zu", n);
			api->buf_puts(&b, num);
			p++;
			continue;
		} else {
			p++;
		}
		api->buf_put(&b, start, (size_t)(p - start));
	}
	api->buf_puts(&b, "");
	*count = n;
	return api->buf_detach(&b);
}

static int pg_query(struct retort_conn *c, const char *sql, const char *const *params,
                    size_t nparams, retort_query_row_cb cb, void *payload, long *affected,
                    struct retort_error *err)
{
	PGresult *res;
	ExecStatusType st;
	char *text;
	size_t want = 0;

	if (affected)
		*affected = -1;
	if (need_conn(c, err) < 0)
		return -1;
	if (!sql) {
		api->error_set(err, RETORT_EUSAGE, "query: no SQL");
		return -1;
	}
	if (nparams > 65535) {
		api->error_set(err, RETORT_EUSAGE, "query: more parameters than libpq can bind");
		return -1;
	}
	if (!(text = pg_placeholders(sql, &want))) {
		oom(err);
		return -1;
	}
	if (want != nparams) {
		api->error_set(err, RETORT_EUSAGE, "query: the statement has %zu placeholders but "
		               "%zu parameters were given", want, nparams);
		api->free(text);
		return -1;
	}
	res = PQexecParams(c->pg, text, (int)nparams, NULL, params, NULL, NULL, 0);
	api->free(text);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK) {
		int i, j, nrows = PQntuples(res), ncols = PQnfields(res);
		const char **cols = NULL;
		if (cb && ncols > 0 && !(cols = api->alloc((size_t)ncols * sizeof(*cols)))) {
			PQclear(res);
			oom(err);
			return -1;
		}
		for (i = 0; cb && i < nrows; i++) {
			for (j = 0; j < ncols; j++)
				cols[j] = PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j);
			if (cb(cols, (size_t)ncols, payload) != 0)
				break;
		}
		api->free(cols);
	} else if (st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
			PQclear(res);
			if (st == PGRES_COPY_IN)
				PQputCopyEnd(c->pg, "COPY is not supported by query()");
			while ((res = PQgetResult(c->pg)) != NULL)
				PQclear(res);
			api->error_set(err, RETORT_EUSAGE, "query: COPY to or from the client is not "
			               "supported");
			return -1;
		}
		result_error(c, res, err, NULL);
		PQclear(res);
		return -1;
	}
	if (affected && res) {
		const char *verb = PQcmdStatus(res), *n = PQcmdTuples(res);
		if (verb && n && *n && (strncmp(verb, "INSERT ", 7) == 0 ||
		                        strncmp(verb, "UPDATE ", 7) == 0 ||
		                        strncmp(verb, "DELETE ", 7) == 0 ||
		                        strncmp(verb, "MERGE ", 6) == 0))
			*affected = strtol(n, NULL, 10);
	}
	PQclear(res);
	return 0;
}

static int pg_column_type(const struct retort_conn *c, int type, unsigned length, char *out,
                          size_t outsz)
{
	(void)c;
	return api->column_type(RETORT_FAMILY_POSTGRESQL, type, length, out, outsz);
}

/* ------------------------------------------------------------ offline */


/*
 * Offline texts: BEGIN, COMMIT and each statement's terminator are the
 * host's rule for the family (host->offline_sql), which the odbc plugin
 * follows too; the version table's DDL and INSERT (with SQLAlchemy's
 * RETURNING) are this plugin's, terminated the same way.
 */
static int pg_offline_sql(const struct retort_conn *c, int what, const char *arg, size_t arg_len,
                          char **out, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT, ins = RETORT_BUF_INIT;
	char *ddl;
	int rc;

	*out = NULL;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
		rc = api->offline_sql(&b, RETORT_FAMILY_POSTGRESQL, what, NULL, 0, err);
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		if (!c)
			return api->error_set(err, RETORT_ERROR, "no handle for the version table");
		if (!(ddl = version_ddl(c, 0)))
			return oom(err);
		rc = api->offline_sql(&b, RETORT_FAMILY_POSTGRESQL, RETORT_OFFLINE_STATEMENT, ddl,
		                      strlen(ddl), err);
		api->free(ddl);
		break;
	case RETORT_OFFLINE_VERSION_INSERT: {
		/* SQLAlchemy adds RETURNING for the primary key on PostgreSQL. */
		char *lit = NULL, *rev;
		if (!c || !arg)
			return api->error_set(err, RETORT_ERROR, "no handle for the version table");
		if (!(rev = api->strndup(arg, arg_len)))
			return oom(err);
		rc = pg_quote_literal(c, rev, &lit, err);
		api->free(rev);
		if (rc < 0)
			return rc;
		api->buf_puts(&ins, "INSERT INTO ");
		api->buf_puts(&ins, c->qtable);
		api->buf_puts(&ins, " (version_num) VALUES (");
		api->buf_puts(&ins, lit);
		api->buf_puts(&ins, ") RETURNING ");
		api->buf_puts(&ins, c->qtable);
		api->buf_puts(&ins, ".version_num");
		api->free(lit);
		if (ins.oom) {
			api->buf_free(&ins);
			return oom(err);
		}
		rc = api->offline_sql(&b, RETORT_FAMILY_POSTGRESQL, RETORT_OFFLINE_STATEMENT,
		                      ins.ptr, ins.len, err);
		api->buf_free(&ins);
		break;
	}
	case RETORT_OFFLINE_STATEMENT:
		rc = api->offline_sql(&b, RETORT_FAMILY_POSTGRESQL, what, arg ? arg : "",
		                      arg ? arg_len : 0, err);
		break;
	default:
		return api->error_set(err, RETORT_ENOTSUPPORTED, "unknown offline SQL kind %d", what);
	}
	if (rc < 0) {
		api->buf_free(&b);
		return rc;
	}
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

/* ------------------------------------------------------------ who */

/* The role that logged in, however libpq got it (URL, PGUSER, service
 * file, the OS user): session_user, not current_user, which SET ROLE
 * changes. */
static const char *pg_session_user_sql(const struct retort_conn *c)
{
	(void)c;
	return "SELECT session_user";
}

/* ------------------------------------------------------------ vtable */

static const struct retort_dialect dialect = {
	RETORT_DIALECT_ABI_MAJOR,
	RETORT_DIALECT_ABI_MINOR,
	sizeof(struct retort_dialect),
	"postgresql",
	"PostgreSQL (libpq)",
	PACKAGE_VERSION,
	schemes,
	NULL, /* global_init */
	NULL, /* global_shutdown */
	pg_create,
	pg_connect,
	pg_destroy,
	pg_caps,
	pg_begin,
	pg_commit,
	pg_rollback,
	NULL, /* execute: the core's loop runs pg_execute_statement */
	NULL, /* split: the core splits by pg_split_rules */
	pg_version_read,
	pg_version_create,
	pg_version_insert,
	pg_version_update,
	pg_version_delete,
	pg_lock,
	pg_unlock,
	pg_quote_identifier,
	pg_quote_literal,
	pg_offline_sql,
	pg_query,
	pg_column_type,
	pg_split_rules,
	pg_execute_statement,
	NULL, /* section */
	pg_session_user_sql,
};

RETORT_DIALECT_DEFINE(retort_postgresql, &dialect, api)
