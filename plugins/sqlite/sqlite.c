/* SPDX-License-Identifier: MIT */
/*
 * plugins/sqlite/sqlite.c - the SQLite dialect, on libsqlite3.
 *
 * URLs (SQLAlchemy's forms):
 *   sqlite:///relative/path.db   relative to the config file's directory
 *   sqlite:////absolute/path.db
 *   sqlite://  sqlite:///  sqlite:///:memory:   a private in-memory database
 *   ?mode=ro|rw|rwc  open read-only, read-write (file must exist), or
 *                    read-write-create (the default)
 * A sqlite URL names a file: user, password, host and port are refused.
 *
 * SQLite has transactional DDL.  Scripts are split with the SQLite lexer
 * (backticks, [brackets], CREATE TRIGGER ... BEGIN ... END) and each
 * statement is prepared and stepped on its own, so a failure names the
 * statement's index, file line, text and SQLite's extended result code.
 *
 * ------------------------------------------------------------ the lock
 * SQLite has one writer at a time per database file; the migration lock is
 * that write lock, taken with BEGIN IMMEDIATE under a busy timeout of
 * lock_timeout_ms.  A second retort run (or any other writer) waits in its
 * own BEGIN IMMEDIATE and gets RETORT_ELOCKED when the timeout expires.
 *
 * While locked, the connection always sits inside that "lock transaction":
 *  - begin() opens a SAVEPOINT in it, so rollback() (ROLLBACK TO + RELEASE)
 *    undoes the migration's work and keeps the lock;
 *  - commit() releases the savepoint and really COMMITs, so a migration
 *    committed under transaction_per_migration stays applied even if the
 *    process dies right after, then immediately takes the lock again with
 *    BEGIN IMMEDIATE;
 *  - execute() outside begin() (a `-- retort:transaction off` script) runs
 *    outside any transaction (VACUUM, PRAGMA journal_mode and friends refuse
 *    to run inside one): the lock transaction is committed first and taken
 *    again afterwards; version_* calls outside begin() are likewise
 *    committed at once;
 *  - unlock() commits the (by then empty) lock transaction.
 * Between COMMIT and the next BEGIN IMMEDIATE the write lock is free for a
 * moment; another retort run waiting for it could get in and migrate on its
 * own.  To never continue with a plan made stale that way, the rows of the
 * version table are read before letting go and again after taking the lock
 * back; if they differ, the call fails with RETORT_ELOCKED and says so (what
 * was committed stays committed).  Writes of other applications to other
 * tables in that moment are harmless and not reported; a `transaction off`
 * script that itself writes the version table is (wrongly) reported too.
 * If a script outside begin() fails, what it did before the failing
 * statement stays (autocommit), and the lock is taken back.
 *
 * Without lock(), begin/commit/rollback are plain BEGIN IMMEDIATE, COMMIT
 * and ROLLBACK, and everything else runs in autocommit mode.
 *
 * The version table is Alembic's, with Alembic's exact DDL text (so
 * sqlite_master holds the same CREATE TABLE whichever tool made it).
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include <retort/dialect.h>

static const struct retort_host *api;

static const char *const schemes[] = { "sqlite", NULL };

#define SAVEPOINT_NAME "retort_migration"
/* Busy timeout for ordinary statements (e.g. COMMIT waiting for readers). */
#define MIN_BUSY_MS 5000

struct retort_conn {
	sqlite3 *db;
	char *path;             /* file name given to sqlite3_open_v2 */
	int open_flags;
	int memory;
	char *table;            /* version table name, unquoted */
	char *schema;           /* attached database name, or NULL */
	char *qtable;           /* [schema.]table as SQLAlchemy renders it */
	char *qpkc;             /* <table>_pkc as SQLAlchemy renders it */
	char *qschema;          /* "schema". or "" (for sqlite_master) */
	long lock_timeout_ms;   /* < 0: forever */
	int locked;             /* lock() succeeded and unlock() not yet called */
	int lock_tx;            /* the lock transaction is open */
	int in_tx;              /* begin() called, commit/rollback not yet */
	sqlite3_stmt *vst[3];   /* version table writes, prepared once (enum vstmt) */
	int outside;            /* a section runs outside the lock transaction */
	char *before;           /* the version table's rows when it began */
};

/* The version table writes, each prepared on first use and kept. */
enum vstmt { VS_INSERT, VS_UPDATE, VS_DELETE };

/* ------------------------------------------------------------ strings */

static int oom(struct retort_error *err)
{
	return api->error_set(err, RETORT_ENOMEM, "out of memory");
}

/* As SQLAlchemy writes an identifier for SQLite (the host has the rule
 * and SQLAlchemy's reserved words). */
static void put_ident(struct retort_buf *b, const char *name)
{
	api->quote_ident(b, name, RETORT_FAMILY_SQLITE, '"', '"', 0);
}

/* ------------------------------------------------------------ errors */

/*
 * Report SQLite's current error on conn->db with `code`, after the prefix
 * `what` (NULL where the core's own prefix already says what failed).
 */
static int db_error(struct retort_conn *c, struct retort_error *err, int code,
                    const char *what)
{
	int ext = sqlite3_extended_errcode(c->db);
	/* the extended code goes in native_code; the core prints it */
	if (what)
		api->error_set(err, code, "%s: %s", what, sqlite3_errmsg(c->db));
	else
		api->error_set(err, code, "%s", sqlite3_errmsg(c->db));
	api->error_db(err, NULL, ext);
	return code;
}

static int is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static int busy_error(struct retort_conn *c, struct retort_error *err, const char *when)
{
	int ext = sqlite3_extended_errcode(c->db);
	const char *sep = when ? ": " : "";
	if (!when)
		when = "";  /* the core says what was being done */
	if (c->lock_timeout_ms < 0)
		api->error_set(err, RETORT_ELOCKED, "%s%sthe database is locked by another writer "
		               "(another retort run, or an application in a write transaction)",
		               when, sep);
	else
		api->error_set(err, RETORT_ELOCKED, "%s%sthe database is still locked by another "
		               "writer (another retort run, or an application in a write "
		               "transaction) after %ld ms; retry later or raise the lock timeout",
		               when, sep, c->lock_timeout_ms);
	api->error_db(err, NULL, ext);
	return RETORT_ELOCKED;
}

/* ------------------------------------------------------------ create */

static void conn_free(struct retort_conn *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < sizeof(c->vst) / sizeof(c->vst[0]); i++)
		sqlite3_finalize(c->vst[i]);
	if (c->db)
		sqlite3_close_v2(c->db);
	api->free(c->path);
	api->free(c->table);
	api->free(c->schema);
	api->free(c->qtable);
	api->free(c->qpkc);
	api->free(c->qschema);
	api->free(c->before);
	api->free(c);
}

static int has_text(const char *s)
{
	return s && *s;
}

#define OPT(opts, field) \
	((opts) && (opts)->struct_size >= offsetof(struct retort_dialect_options, field) + \
	                                   sizeof((opts)->field))

static int sq_create(struct retort_conn **out, const struct retort_url *url,
                     const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	struct retort_buf b = RETORT_BUF_INIT;
	const char *table = OPT(opts, version_table) && has_text(opts->version_table) ?
	                    opts->version_table : "alembic_version";
	const char *schema = OPT(opts, version_table_schema) ? opts->version_table_schema : NULL;
	const char *base = OPT(opts, base_dir) ? opts->base_dir : NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!url)
		return api->error_set(err, RETORT_EUSAGE, "no sqlite URL given");
	if (has_text(url->driver) && strcmp(url->driver, "pysqlite") != 0)
		return api->error_set(err, RETORT_EUSAGE,
		                      "the sqlite dialect has no driver '%s': write sqlite:///path.db",
		                      url->driver);
	if (has_text(url->user) || url->password || has_text(url->host) || url->port)
		return api->error_set(err, RETORT_EUSAGE,
		                      "a sqlite URL names a file, not a server: write "
		                      "sqlite:///relative/path.db or sqlite:////absolute/path.db "
		                      "(no user, password, host or port)");

	if (!(c = api->alloc(sizeof(*c))))
		return oom(err);
	memset(c, 0, sizeof(*c));
	c->open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	c->lock_timeout_ms = OPT(opts, lock_timeout_ms) ? opts->lock_timeout_ms : -1;

	for (i = 0; i < url->n_params; i++) {
		const char *k = url->params[i].key, *v = url->params[i].value;
		if (k && strcmp(k, "mode") == 0) {
			if (v && strcmp(v, "ro") == 0)
				c->open_flags = SQLITE_OPEN_READONLY;
			else if (v && strcmp(v, "rw") == 0)
				c->open_flags = SQLITE_OPEN_READWRITE;
			else if (v && strcmp(v, "rwc") == 0)
				c->open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
			else {
				rc = api->error_set(err, RETORT_EUSAGE, "sqlite URL: mode must be ro, rw "
				                    "or rwc, not '%s'", v ? v : "");
				goto fail;
			}
		} else {
			rc = api->error_set(err, RETORT_EUSAGE, "sqlite URL: unknown parameter '%s' "
			                    "(the sqlite dialect knows: mode=ro|rw|rwc)", k ? k : "");
			goto fail;
		}
	}

	if (!has_text(url->database) || strcmp(url->database, ":memory:") == 0) {
		c->memory = 1;
		api->buf_puts(&b, ":memory:");
	} else if (url->database[0] == '/' || !has_text(base)) {
		api->buf_puts(&b, url->database);
	} else {
		api->buf_puts(&b, base);
		if (base[strlen(base) - 1] != '/')
			api->buf_putc(&b, '/');
		api->buf_puts(&b, url->database);
	}
	if (!(c->path = api->buf_detach(&b)))
		goto nomem;

	if (!(c->table = api->strdup(table)))
		goto nomem;
	if (has_text(schema)) {
		if (!(c->schema = api->strdup(schema)))
			goto nomem;
		put_ident(&b, schema);
		api->buf_putc(&b, '.');
	}
	put_ident(&b, table);
	if (!(c->qtable = api->buf_detach(&b)))
		goto nomem;
	api->buf_puts(&b, table);
	api->buf_puts(&b, "_pkc");
	if (b.oom)
		goto nomem;
	{
		char *pkc = api->buf_detach(&b);
		if (!pkc)
			goto nomem;
		put_ident(&b, pkc);
		api->free(pkc);
	}
	if (!(c->qpkc = api->buf_detach(&b)))
		goto nomem;
	if (has_text(schema)) {
		api->buf_put_quoted(&b, schema, '"', '"');
		api->buf_putc(&b, '.');
	}
	if (!(c->qschema = api->buf_detach(&b)))
		goto nomem;

	*out = c;
	return 0;
nomem:
	rc = oom(err);
fail:
	api->buf_free(&b);
	conn_free(c);
	return rc;
}

static void sq_destroy(struct retort_conn *c)
{
	/* sqlite3_close_v2 rolls back whatever transaction is still open */
	conn_free(c);
}

static unsigned sq_caps(const struct retort_conn *c)
{
	(void)c;
	return RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS | RETORT_CAP_CREATE_IF_ABSENT;
}

/* ------------------------------------------------------------ helpers */

static int busy_ms(long ms)
{
	return ms < 0 || ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Busy timeout for ordinary statements. */
static void normal_busy(struct retort_conn *c)
{
	long ms = c->lock_timeout_ms;
	sqlite3_busy_timeout(c->db, ms < 0 ? INT_MAX : busy_ms(ms > MIN_BUSY_MS ? ms : MIN_BUSY_MS));
}

static int need_db(struct retort_conn *c, struct retort_error *err)
{
	if (!c || !c->db)
		return api->error_set(err, RETORT_ERROR, "the sqlite database is not open "
		                      "(connect() was not called)");
	return 0;
}

/* Run one fixed SQL text (no parameters, no rows expected). */
static int exec_simple(struct retort_conn *c, const char *sql)
{
	return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

static int prepare(struct retort_conn *c, sqlite3_stmt **st, struct retort_buf *sql,
                   struct retort_error *err)
{
	*st = NULL;
	if (sql->oom) {
		api->buf_free(sql);
		return oom(err);
	}
	if (sqlite3_prepare_v2(c->db, sql->ptr, (int)sql->len, st, NULL) != SQLITE_OK) {
		int rc;
		if ((sqlite3_extended_errcode(c->db) & 0xff) == SQLITE_NOMEM)
			rc = oom(err);
		else
			rc = db_error(c, err, RETORT_EDB, "cannot prepare a version table statement");
		sqlite3_finalize(*st);
		*st = NULL;
		api->buf_free(sql);
		return rc;
	}
	api->buf_free(sql);
	return 0;
}

/* Is c->schema one of the connection's databases (PRAGMA database_list)? */
static int schema_known(struct retort_conn *c)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(c->db, "PRAGMA database_list", -1, &st, NULL) != SQLITE_OK)
		return 1;  /* cannot tell: let SQLite's own message speak */
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1);
		found = name && sqlite3_stricmp((const char *)name, c->schema) == 0;
	}
	sqlite3_finalize(st);
	return found;
}

/*
 * Does the version table exist?  1 yes, 0 no, <0 error (err set).  An
 * unknown schema is a usage error: SQLite only knows main, temp and
 * databases ATTACHed on this connection.
 */
static int table_exists(struct retort_conn *c, struct retort_error *err)
{
	struct retort_buf sql = RETORT_BUF_INIT;
	sqlite3_stmt *st;
	int rc;

	api->buf_puts(&sql, "SELECT 1 FROM ");
	api->buf_puts(&sql, c->qschema);
	api->buf_puts(&sql, "sqlite_master WHERE type = 'table' AND name = ?1");
	if (sql.oom) {
		api->buf_free(&sql);
		return oom(err);
	}
	rc = sqlite3_prepare_v2(c->db, sql.ptr, (int)sql.len, &st, NULL);
	api->buf_free(&sql);
	if (rc != SQLITE_OK) {
		if (c->schema && !schema_known(c))
			return api->error_set(err, RETORT_EUSAGE, "version_table_schema '%s' is not a "
			                      "database of this SQLite connection (main, temp or an "
			                      "ATTACHed one)", c->schema);
		return db_error(c, err, RETORT_EDB, "cannot look for the version table");
	}
	if (sqlite3_bind_text(st, 1, c->table, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_finalize(st);
		return db_error(c, err, RETORT_EDB, "cannot look for the version table");
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	if (is_busy(rc))
		return busy_error(c, err, "cannot read the version table");
	return db_error(c, err, RETORT_EDB, "cannot look for the version table");
}

/*
 * The version table's rows, sorted, one per line ("-" if no table), for
 * detecting a change made by someone else while the lock was let go.
 */
static int snapshot(struct retort_conn *c, char **out, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = table_exists(c, err)) < 0)
		return rc;
	if (rc == 0) {
		if (!(*out = api->strdup("-")))
			return oom(err);
		return 0;
	}
	api->buf_puts(&b, "SELECT version_num FROM ");
	api->buf_puts(&b, c->qtable);
	api->buf_puts(&b, " ORDER BY version_num");
	if ((rc = prepare(c, &st, &b, err)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		api->buf_puts(&b, v ? (const char *)v : "");
		api->buf_putc(&b, '\n');
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		api->buf_free(&b);
		return db_error(c, err, RETORT_EDB, "cannot read the version table");
	}
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

/* BEGIN IMMEDIATE, waiting up to the lock timeout; `when` prefixes errors
 * (NULL: none, the core's own prefix says it). */
static int take_write_lock(struct retort_conn *c, struct retort_error *err, const char *when)
{
	int rc;
	sqlite3_busy_timeout(c->db, busy_ms(c->lock_timeout_ms));
	rc = exec_simple(c, "BEGIN IMMEDIATE");
	normal_busy(c);
	if (rc == SQLITE_OK)
		return 0;
	if (is_busy(rc))
		return busy_error(c, err, when);
	return db_error(c, err, (rc & 0xff) == SQLITE_READONLY ? RETORT_EUSAGE : RETORT_EDB,
	                when ? when : "cannot take the write lock (BEGIN IMMEDIATE)");
}

/*
 * Commit the lock transaction (snapshot of the version table in *before if
 * wanted).  On failure the transaction is rolled back and the lock is lost.
 */
static int release_lock_tx(struct retort_conn *c, char **before, struct retort_error *err)
{
	int rc;
	if (before && (rc = snapshot(c, before, err)) < 0)
		return rc;
	rc = exec_simple(c, "COMMIT");
	if (rc != SQLITE_OK) {
		int code = is_busy(rc) ? busy_error(c, err, "cannot commit")
		                       : db_error(c, err, RETORT_EDB, "cannot commit");
		if (!sqlite3_get_autocommit(c->db))
			exec_simple(c, "ROLLBACK");
		c->lock_tx = 0;
		if (before) {
			api->free(*before);
			*before = NULL;
		}
		return code;
	}
	c->lock_tx = 0;
	return 0;
}

/* Take the lock back after release_lock_tx() and check nobody migrated. */
static int retake_lock_tx(struct retort_conn *c, char *before, const char *when,
                          struct retort_error *err)
{
	char *after = NULL;
	int rc;

	if ((rc = take_write_lock(c, err, when)) < 0)
		goto done;
	c->lock_tx = 1;
	if (!before)
		goto done;
	if ((rc = snapshot(c, &after, err)) < 0)
		goto done;
	if (strcmp(before, after) != 0)
		rc = api->error_set(err, RETORT_ELOCKED, "%s: another process changed the version "
		                    "table in the moment the migration lock was let go to commit; "
		                    "what this run committed stays applied, but its plan is stale: "
		                    "run the command again", when);
done:
	api->free(before);
	api->free(after);
	return rc;
}

/* Commit the lock transaction and take the lock back (see the file header). */
static int checkpoint(struct retort_conn *c, const char *when, struct retort_error *err)
{
	char *before = NULL;
	int rc;
	if ((rc = release_lock_tx(c, &before, err)) < 0)
		return rc;
	return retake_lock_tx(c, before, when, err);
}

/* After a failure: if SQLite rolled the whole transaction back, note it. */
static void note_autorollback(struct retort_conn *c)
{
	if (sqlite3_get_autocommit(c->db)) {
		c->lock_tx = 0;
		c->in_tx = 0;
	}
}

/* ------------------------------------------------------------ connect */

static int sq_connect(struct retort_conn *c, struct retort_error *err)
{
	int rc;
	sqlite3_stmt *st = NULL;

	if (!c)
		return api->error_set(err, RETORT_ERROR, "no sqlite handle");
	if (c->db)
		return 0;
	rc = sqlite3_open_v2(c->path, &c->db, c->open_flags, NULL);
	if (rc != SQLITE_OK) {
		if (!c->db)
			return oom(err);
		api->error_set(err, RETORT_ECONNECT, "cannot open SQLite database %s: %s (check that "
		               "the directory exists and is writable, and the URL's path: "
		               "sqlite:///relative/to/config.db or sqlite:////absolute.db)",
		               c->path, sqlite3_errmsg(c->db));
		api->error_db(err, NULL, sqlite3_extended_errcode(c->db));
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	normal_busy(c);
	/* SQLite opens lazily: read the schema now so a bad file fails here. */
	rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(c->db);
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		api->error_set(err, RETORT_ECONNECT, "cannot read SQLite database %s: %s",
		               c->path, sqlite3_errmsg(c->db));
		api->error_db(err, NULL, sqlite3_extended_errcode(c->db));
		goto fail;
	}
	return 0;
fail:
	sqlite3_close_v2(c->db);
	c->db = NULL;
	return RETORT_ECONNECT;
}

/* ------------------------------------------------------------ transactions */

static int sq_begin(struct retort_conn *c, struct retort_error *err)
{
	int rc;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (c->in_tx)
		return api->error_set(err, RETORT_ERROR, "a transaction is already open");
	if (c->locked) {
		if (!c->lock_tx && (rc = retake_lock_tx(c, NULL, "cannot begin", err)) < 0)
			return rc;
		if ((rc = exec_simple(c, "SAVEPOINT " SAVEPOINT_NAME)) != SQLITE_OK)
			return db_error(c, err, RETORT_EDB, NULL);
	} else if ((rc = take_write_lock(c, err, "cannot begin a transaction")) < 0) {
		return rc;
	}
	c->in_tx = 1;
	return 0;
}

static int sq_commit(struct retort_conn *c, struct retort_error *err)
{
	int rc;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (!c->in_tx)
		return api->error_set(err, RETORT_ERROR, "commit without a transaction");
	c->in_tx = 0;
	if (sqlite3_get_autocommit(c->db)) {
		/* SQLite rolled everything back after an error the core ignored */
		c->lock_tx = 0;
		return api->error_set(err, RETORT_EDB, "cannot commit: SQLite already rolled the "
		                      "transaction back after an earlier error");
	}
	if (!c->locked) {
		rc = exec_simple(c, "COMMIT");
		if (rc == SQLITE_OK)
			return 0;
		rc = is_busy(rc) ? busy_error(c, err, "cannot commit")
		                 : db_error(c, err, RETORT_EDB, NULL);
		if (!sqlite3_get_autocommit(c->db))
			exec_simple(c, "ROLLBACK");
		return rc;
	}
	if (exec_simple(c, "RELEASE " SAVEPOINT_NAME) != SQLITE_OK) {
		rc = db_error(c, err, RETORT_EDB, NULL);
		exec_simple(c, "ROLLBACK");
		c->lock_tx = 0;
		return rc;
	}
	return checkpoint(c, "committed, but cannot take the migration lock back", err);
}

static int sq_rollback(struct retort_conn *c, struct retort_error *err)
{
	int rc;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (!c->in_tx)
		return 0;  /* nothing to undo */
	c->in_tx = 0;
	if (!c->locked) {
		if (!sqlite3_get_autocommit(c->db) && exec_simple(c, "ROLLBACK") != SQLITE_OK)
			return db_error(c, err, RETORT_EDB, "cannot roll back");
		return 0;
	}
	if (sqlite3_get_autocommit(c->db)) {
		/* SQLite already rolled the lock transaction back: take it again */
		c->lock_tx = 0;
		return retake_lock_tx(c, NULL, "rolled back, but cannot take the migration lock "
		                      "back", err);
	}
	if (exec_simple(c, "ROLLBACK TO " SAVEPOINT_NAME) != SQLITE_OK ||
	    exec_simple(c, "RELEASE " SAVEPOINT_NAME) != SQLITE_OK) {
		rc = db_error(c, err, RETORT_EDB, "cannot roll back");
		exec_simple(c, "ROLLBACK");
		c->lock_tx = 0;
		return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ lock */

static int sq_lock(struct retort_conn *c, struct retort_error *err)
{
	int rc;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (c->locked)
		return 0;
	if (c->in_tx)
		return api->error_set(err, RETORT_ERROR, "lock() inside a transaction: take the "
		                      "migration lock first");
	if (!sqlite3_get_autocommit(c->db))
		return api->error_set(err, RETORT_ERROR, "lock() while a transaction is open");
	if (sqlite3_db_readonly(c->db, "main") == 1)
		return api->error_set(err, RETORT_EUSAGE, "the database is open read-only (the URL "
		                      "says mode=ro, or the file is not writable): the migration "
		                      "lock needs write access");
	if ((rc = take_write_lock(c, err, NULL)) < 0)
		return rc;
	c->locked = 1;
	c->lock_tx = 1;
	return 0;
}

static int sq_unlock(struct retort_conn *c, struct retort_error *err)
{
	int rc = 0;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (!c->locked)
		return 0;
	if (c->in_tx) {
		/* work the core neither committed nor rolled back is not kept */
		if (!sqlite3_get_autocommit(c->db))
			exec_simple(c, "ROLLBACK");
		c->in_tx = 0;
		c->lock_tx = 0;
	}
	if (c->lock_tx && !sqlite3_get_autocommit(c->db))
		rc = release_lock_tx(c, NULL, err);
	c->lock_tx = 0;
	c->locked = 0;
	return rc;
}

/* ------------------------------------------------------------ scripts */

/*
 * The core runs each section (split, index, line: core/stmtloop.c) and
 * calls sq_execute_statement for each statement between sq_section(BEGIN)
 * and sq_section(END).
 */

static unsigned sq_split_rules(const struct retort_conn *c)
{
	(void)c;
	return RETORT_SPLIT_SQLITE;
}

static int stmt_failed(struct retort_conn *c, struct retort_error *err, int rc)
{
	int code;
	if ((rc & 0xff) == SQLITE_NOMEM) {
		code = oom(err);
	} else {
		code = api->error_set(err, RETORT_EDB, "%s", sqlite3_errmsg(c->db));
		api->error_db(err, NULL, sqlite3_extended_errcode(c->db));
	}
	note_autorollback(c);
	return code;
}

static int sq_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                unsigned line, struct retort_error *err)
{
	const char *p = stmt, *end = stmt + len;
	int rc;

	(void)line;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	/* one split statement may still hold several for SQLite: run them all */
	while (p < end) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		if (end - p > INT_MAX)
			return stmt_failed(c, err, SQLITE_TOOBIG);
		rc = sqlite3_prepare_v2(c->db, p, (int)(end - p), &st, &tail);
		if (rc != SQLITE_OK)
			return stmt_failed(c, err, rc);
		if (!st)
			break;  /* only blanks or comments left */
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return stmt_failed(c, err, rc);
		if (c->in_tx && sqlite3_get_autocommit(c->db)) {
			note_autorollback(c);
			return api->error_set(err, RETORT_EUSAGE, "this statement ended the "
			                      "transaction retort runs the script in: remove "
			                      "BEGIN/COMMIT/ROLLBACK/END from the script, or add "
			                      "'-- retort:transaction off' to run it outside one");
		}
		p = tail ? tail : end;
	}
	return 0;
}

/*
 * Around a section: a script outside begin() while locked runs outside any
 * transaction, so the lock transaction is committed first (with a snapshot
 * of the version table) and taken back afterwards (see the file header).
 */
static int sq_section(struct retort_conn *c, int phase, int rc, struct retort_error *err)
{
	if (phase == RETORT_SECTION_BEGIN) {
		if ((rc = need_db(c, err)) < 0)
			return rc;
		c->outside = 0;
		if (c->locked && !c->in_tx && c->lock_tx) {
			if ((rc = release_lock_tx(c, &c->before, err)) < 0)
				return rc;
			c->outside = 1;
		}
		return 0;
	}
	if (!c->outside)
		return rc;
	c->outside = 0;
	if (!sqlite3_get_autocommit(c->db))
		exec_simple(c, "ROLLBACK");  /* a script left its own transaction open */
	if (rc < 0) {
		/* keep the script's error; take the lock back if possible */
		struct retort_error ignored;
		memset(&ignored, 0, sizeof(ignored));
		api->free(c->before);
		c->before = NULL;
		if (take_write_lock(c, &ignored, "lock") == 0)
			c->lock_tx = 1;
		api->free(ignored.message);
		api->free(ignored.statement);
		return rc;
	}
	rc = retake_lock_tx(c, c->before, "the script ran, but cannot take the migration lock "
	                    "back", err);
	c->before = NULL;  /* retake_lock_tx() freed it */
	return rc;
}

/* ------------------------------------------------------------ version table */

/* The CREATE TABLE text, with `indent` before each column line. */
static char *version_ddl(const struct retort_conn *c, const char *indent)
{
	struct retort_buf b = RETORT_BUF_INIT;
	api->buf_puts(&b, "CREATE TABLE ");
	api->buf_puts(&b, c->qtable);
	api->buf_puts(&b, " (\n");
	api->buf_puts(&b, indent);
	api->buf_puts(&b, "version_num VARCHAR(32) NOT NULL, \n");
	api->buf_puts(&b, indent);
	api->buf_puts(&b, "CONSTRAINT ");
	api->buf_puts(&b, c->qpkc);
	api->buf_puts(&b, " PRIMARY KEY (version_num)\n)");
	return api->buf_detach(&b);
}

/* Make a write outside begin() durable at once (see the file header). */
static int after_write(struct retort_conn *c, struct retort_error *err)
{
	if (c->locked && !c->in_tx && c->lock_tx)
		return checkpoint(c, "the version table was written, but cannot take the "
		                  "migration lock back", err);
	return 0;
}

static int sq_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                           struct retort_error *err)
{
	struct retort_buf sql = RETORT_BUF_INIT;
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_db(c, err)) < 0)
		return rc;
	if ((rc = table_exists(c, err)) < 0)
		return rc;
	if (rc == 0)
		return RETORT_ENOTFOUND;
	api->buf_puts(&sql, "SELECT version_num FROM ");
	api->buf_puts(&sql, c->qtable);
	if ((rc = prepare(c, &st, &sql, err)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		if (!v)
			continue;  /* NOT NULL column: cannot happen */
		if (cb((const char *)v, payload) != 0) {
			sqlite3_finalize(st);
			return api->error_set(err, RETORT_ERROR, "reading the version table was "
			                      "stopped by the caller");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (is_busy(rc))
			return busy_error(c, err, "cannot read the version table");
		return db_error(c, err, RETORT_EDB, NULL);
	}
	return 0;
}

static int sq_version_create(struct retort_conn *c, struct retort_error *err)
{
	char *ddl;
	int rc;

	if ((rc = need_db(c, err)) < 0)
		return rc;
	if ((rc = table_exists(c, err)) < 0)
		return rc;
	if (rc == 1)
		return 0;
	if (!(ddl = version_ddl(c, "\t")))
		return oom(err);
	rc = exec_simple(c, ddl);
	api->free(ddl);
	if (rc != SQLITE_OK) {
		rc = db_error(c, err, RETORT_EDB, NULL);
		note_autorollback(c);
		return rc;
	}
	return after_write(c, err);
}

/*
 * Run a version table write with one or two bound values; return changes.
 * The statement is prepared on first use and kept (reset after each run):
 * an upgrade of N revisions makes N writes, and preparing costs more than
 * running them.  SQLite prepares it again by itself if the schema changed.
 */
static int version_write(struct retort_conn *c, enum vstmt which, const char *a, const char *b,
                         int *changes, struct retort_error *err)
{
	sqlite3_stmt *st = c->vst[which];
	int rc;
	if (!st) {
		struct retort_buf sql = RETORT_BUF_INIT;
		switch (which) {
		case VS_INSERT:
			api->buf_puts(&sql, "INSERT INTO ");
			api->buf_puts(&sql, c->qtable);
			api->buf_puts(&sql, " (version_num) VALUES (?1)");
			break;
		case VS_UPDATE:
			api->buf_puts(&sql, "UPDATE ");
			api->buf_puts(&sql, c->qtable);
			api->buf_puts(&sql, " SET version_num = ?1 WHERE version_num = ?2");
			break;
		case VS_DELETE:
			api->buf_puts(&sql, "DELETE FROM ");
			api->buf_puts(&sql, c->qtable);
			api->buf_puts(&sql, " WHERE version_num = ?1");
			break;
		}
		if ((rc = prepare(c, &st, &sql, err)) < 0)
			return rc;
		c->vst[which] = st;
	}
	if (sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (b && sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC) != SQLITE_OK)) {
		rc = db_error(c, err, RETORT_EDB, "cannot bind a revision id");
		sqlite3_finalize(st);
		c->vst[which] = NULL;
		return rc;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		rc = is_busy(rc) ? busy_error(c, err, "cannot write the version table")
		                 : db_error(c, err, RETORT_EDB, "cannot write the version table");
		sqlite3_finalize(st);
		c->vst[which] = NULL;
		note_autorollback(c);
		return rc;
	}
	/* the bound ids belong to the caller: nothing of them stays */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	*changes = sqlite3_changes(c->db);
	return 0;
}

static int sq_version_insert(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	int rc, n = 0;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (!rev)
		return api->error_set(err, RETORT_ERROR, "no revision to insert");
	if ((rc = version_write(c, VS_INSERT, rev, NULL, &n, err)) < 0)
		return rc;
	return after_write(c, err);
}

static int sq_version_update(struct retort_conn *c, const char *from, const char *to,
                             struct retort_error *err)
{
	int rc, n = 0;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (!from || !to)
		return api->error_set(err, RETORT_ERROR, "no revision to update");
	if ((rc = version_write(c, VS_UPDATE, to, from, &n, err)) < 0)
		return rc;
	if (n != 1)
		return api->error_set(err, RETORT_ERROR, "moving the version table from %s to %s "
		                      "changed %d rows instead of 1: the table does not hold %s "
		                      "(was it edited by hand or by another tool?)", from, to, n, from);
	return after_write(c, err);
}

static int sq_version_delete(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	int rc, n = 0;
	if ((rc = need_db(c, err)) < 0)
		return rc;
	if (!rev)
		return api->error_set(err, RETORT_ERROR, "no revision to delete");
	if ((rc = version_write(c, VS_DELETE, rev, NULL, &n, err)) < 0)
		return rc;
	if (n != 1)
		return api->error_set(err, RETORT_ERROR, "removing %s from the version table "
		                      "deleted %d rows instead of 1: the table does not hold it "
		                      "(was it edited by hand or by another tool?)", rev, n);
	return after_write(c, err);
}

/* ------------------------------------------------------------ side queries (ABI 1.1) */

/* Is the first keyword of sql one that changes rows (so changes() means it)? */
static int is_dml(const char *sql)
{
	static const char *const verbs[] = { "insert", "update", "delete", "replace", "with", NULL };
	size_t i, n;
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(')
		sql++;
	for (i = 0; verbs[i]; i++) {
		n = strlen(verbs[i]);
		if (sqlite3_strnicmp(sql, verbs[i], (int)n) == 0 &&
		    !((sql[n] >= 'a' && sql[n] <= 'z') || (sql[n] >= 'A' && sql[n] <= 'Z') ||
		      sql[n] == '_'))
			return 1;
	}
	return 0;
}

static int query_failed(struct retort_conn *c, struct retort_error *err, int rc)
{
	if ((rc & 0xff) == SQLITE_NOMEM)
		oom(err);
	else if (is_busy(rc))
		busy_error(c, err, "query");
	else
		db_error(c, err, RETORT_EDB, NULL);
	note_autorollback(c);
	return -1;
}

static int sq_query(struct retort_conn *c, const char *sql, const char *const *params,
                    size_t nparams, retort_query_row_cb cb, void *payload, long *affected,
                    struct retort_error *err)
{
	sqlite3_stmt *st = NULL, *extra = NULL;
	const char *tail = NULL;
	const char **cols = NULL;
	int rc, ncols, i, stopped = 0;
	size_t k;

	if (affected)
		*affected = -1;
	if (need_db(c, err) < 0)
		return -1;
	if (!sql) {
		api->error_set(err, RETORT_EUSAGE, "query: no SQL");
		return -1;
	}
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK)
		return query_failed(c, err, rc);
	if (!st) {
		api->error_set(err, RETORT_EUSAGE, "query: the SQL holds no statement");
		return -1;
	}
	/* ONE statement: text after it must be blanks or comments only */
	if (tail && *tail) {
		rc = sqlite3_prepare_v2(c->db, tail, -1, &extra, NULL);
		sqlite3_finalize(extra);
		if (rc != SQLITE_OK || extra) {
			sqlite3_finalize(st);
			api->error_set(err, RETORT_EUSAGE, "query: the SQL holds more than one "
			               "statement; query() runs exactly one");
			return -1;
		}
	}
	if ((size_t)sqlite3_bind_parameter_count(st) != nparams) {
		api->error_set(err, RETORT_EUSAGE, "query: the statement has %d placeholders but "
		               "%zu parameters were given", sqlite3_bind_parameter_count(st),
		               nparams);
		sqlite3_finalize(st);
		return -1;
	}
	for (k = 0; k < nparams; k++) {
		rc = params[k] ? sqlite3_bind_text(st, (int)k + 1, params[k], -1, SQLITE_STATIC)
		               : sqlite3_bind_null(st, (int)k + 1);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return query_failed(c, err, rc);
		}
	}
	ncols = sqlite3_column_count(st);
	if (ncols > 0 && cb && !(cols = api->alloc((size_t)ncols * sizeof(*cols)))) {
		sqlite3_finalize(st);
		oom(err);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!cb || stopped)
			continue;
		for (i = 0; i < ncols; i++) {
			cols[i] = (const char *)sqlite3_column_text(st, i);
			if (!cols[i] && sqlite3_column_type(st, i) != SQLITE_NULL) {
				api->free(cols);
				sqlite3_finalize(st);
				oom(err);
				return -1;
			}
		}
		if (cb(cols, (size_t)ncols, payload) != 0) {
			stopped = 1;
			if (sqlite3_stmt_readonly(st))
				break;  /* a write runs to completion; a read may stop */
		}
	}
	api->free(cols);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return query_failed(c, err, rc);
	}
	if (affected && !sqlite3_stmt_readonly(st) && is_dml(sql))
		*affected = (long)sqlite3_changes(c->db);
	k = (size_t)!sqlite3_stmt_readonly(st);
	sqlite3_finalize(st);
	/* a write outside begin() is durable at once, as a version row is */
	if (k && after_write(c, err) < 0)
		return -1;
	return 0;
}

static int sq_column_type(const struct retort_conn *c, int type, unsigned length, char *out,
                          size_t outsz)
{
	(void)c;
	return api->column_type(RETORT_FAMILY_SQLITE, type, length, out, outsz);
}

/* ------------------------------------------------------------ quoting, offline */

static int sq_quote_identifier(const struct retort_conn *c, const char *name, char **out,
                               struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)c;
	*out = NULL;
	if (!name || !*name)
		return api->error_set(err, RETORT_EUSAGE, "an empty identifier cannot be quoted");
	put_ident(&b, name);  /* as SQLAlchemy: only when it must */
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

static int sq_quote_literal(const struct retort_conn *c, const char *value, char **out,
                            struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)c;
	*out = NULL;
	if (!value)
		return api->error_set(err, RETORT_ERROR, "no literal to quote");
	api->buf_put_quoted(&b, value, '\'', '\'');
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

/*
 * Offline texts.  VERSION_DDL is Alembic's `upgrade --sql` text for SQLite
 * (tabs shown as four spaces); BEGIN, COMMIT and each statement's
 * terminator are the host's rule for the family (host->offline_sql), which
 * the odbc plugin follows too: one database, one script.  So there is no
 * BEGIN/COMMIT, as in Alembic's script (its SQLite impl says
 * transactional_ddl = False), although online runs are transactional.
 * The core adds the blank line that follows every piece.
 */
static int sq_offline_sql(const struct retort_conn *c, int what, const char *arg,
                          size_t arg_len, char **out, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *ddl;
	int rc = 0;

	*out = NULL;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
		rc = api->offline_sql(&b, RETORT_FAMILY_SQLITE, what, NULL, 0, err);
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		if (!c)
			return api->error_set(err, RETORT_ERROR, "no handle for the version table");
		if (!(ddl = version_ddl(c, "    ")))
			return oom(err);
		rc = api->offline_sql(&b, RETORT_FAMILY_SQLITE, RETORT_OFFLINE_STATEMENT, ddl,
		                      strlen(ddl), err);
		api->free(ddl);
		break;
	case RETORT_OFFLINE_STATEMENT:
		rc = api->offline_sql(&b, RETORT_FAMILY_SQLITE, what, arg ? arg : "",
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

/* ------------------------------------------------------------ vtable */

static const struct retort_dialect dialect = {
	RETORT_DIALECT_ABI_MAJOR,
	RETORT_DIALECT_ABI_MINOR,
	sizeof(struct retort_dialect),
	"sqlite",
	"SQLite (libsqlite3)",
	PACKAGE_VERSION,
	schemes,
	NULL, /* global_init */
	NULL, /* global_shutdown */
	sq_create,
	sq_connect,
	sq_destroy,
	sq_caps,
	sq_begin,
	sq_commit,
	sq_rollback,
	NULL, /* execute: the core's loop runs sq_execute_statement */
	NULL, /* split: the core splits by sq_split_rules */
	sq_version_read,
	sq_version_create,
	sq_version_insert,
	sq_version_update,
	sq_version_delete,
	sq_lock,
	sq_unlock,
	sq_quote_identifier,
	sq_quote_literal,
	sq_offline_sql,
	sq_query,
	sq_column_type,
	sq_split_rules,
	sq_execute_statement,
	sq_section,
	NULL, /* session_user_sql: SQLite has no users (db_user stays NULL) */
};

RETORT_DIALECT_DEFINE(retort_sqlite, &dialect, api)
