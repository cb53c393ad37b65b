/* SPDX-License-Identifier: MIT */
/*
 * minisqlite.c - an example retort dialect plugin: SQLite through
 * libsqlite3, small but complete, written against the installed SDK only:
 * <retort/dialect.h> and `pkg-config retort-dialect`.  It passes
 * retort-dialect-check.  Read it with retort-dialect(7) at hand; README.md
 * says how to build and register it.
 *
 * URLs (as retort's own sqlite dialect, under a scheme of its own):
 *   minisqlite:///relative/path.db   relative to the project's directory
 *   minisqlite:////absolute/path.db
 *   minisqlite://                    a private in-memory database
 *
 * It is written the ABI 1.2 way, which leaves the plugin little to do:
 *  - scripts: the plugin runs ONE statement (execute_statement) and says
 *    how its SQL splits (split_rules); the core splits each section with
 *    host->split(), runs the statements in order, and on a failure names
 *    the statement (index, line, text) and masks the URL's secrets in the
 *    error.  The members execute and split stay NULL.
 *  - host services instead of helpers of its own: strings are built with
 *    host->buf_*(), identifiers quoted with host->quote_ident() (the
 *    character rule and SQLAlchemy's reserved words, so the names come out
 *    as Alembic writes them), column types spelt by host->column_type(),
 *    and offline BEGIN, COMMIT and statements written by
 *    host->offline_sql() (ABI 1.3), as every SQLite plugin writes them.
 *
 * What makes it small, and where the in-tree sqlite plugin does more:
 *  - the migration lock is an exclusive transaction on a side file,
 *    "<database>-retort-lock", left in place after unlock (deleting a lock
 *    file that another process waits on would break the lock); the
 *    in-tree plugin holds SQLite's own write lock instead;
 *  - no URL parameters (mode=ro etc.), no driver.
 *
 * Memory: everything the plugin allocates comes from the host allocator
 * (host->alloc, host->strdup, host->buf_detach), so a string it hands back
 * to the core (quote_*(), offline_sql()) needs no copying, and the core
 * frees it with host->free.
 */
#include <limits.h>
#include <string.h>

#include <retort/dialect.h>
#include <sqlite3.h>

/* The host table: set by the entry point (RETORT_DIALECT_DEFINE, below),
 * valid until global_shutdown. */
static const struct retort_host *host;

struct retort_conn {
	sqlite3 *db;            /* NULL until connect() */
	sqlite3 *lockdb;        /* the side file's connection while locked */
	char *path;             /* ":memory:" or a file */
	char *lockpath;         /* path "-retort-lock", NULL for :memory: */
	char *table;            /* the version table: name ... */
	char *qtable;           /* ... and quoted, with its schema if any */
	char *master;           /* the sqlite_master that lists it, quoted */
	long lock_timeout_ms;   /* < 0: wait forever */
};

/* The options struct grows by appending: read a member only if the core's
 * struct_size covers it. */
#define OPT(o, m) ((o) && (o)->struct_size >= offsetof(struct retort_dialect_options, m) + \
                                               sizeof((o)->m))

static int oom(struct retort_error *err)
{
	return host->error_set(err, RETORT_ENOMEM, "out of memory");
}

/* The database's error for a failed call: code, SQLite's message (after
 * `what`, if any) and its extended result code as the native code.
 * Returns code. */
static int db_error(sqlite3 *db, struct retort_error *err, int code, const char *what)
{
	if (what)
		host->error_set(err, code, "%s: %s", what, sqlite3_errmsg(db));
	else
		host->error_set(err, code, "%s", sqlite3_errmsg(db));
	host->error_db(err, NULL, sqlite3_extended_errcode(db));
	return code;
}

static int has_text(const char *s)
{
	return s && *s;
}

/* ------------------------------------------------------------ strings */

/*
 * A struct retort_buf is a growable string on the host allocator.  Out of
 * memory is sticky, so append freely and check once, when detaching: NULL
 * then.
 */

/* Hand a built string over in *out (the core frees it): 0, or ENOMEM. */
static int detach(struct retort_buf *b, char **out, struct retort_error *err)
{
	return (*out = host->buf_detach(b)) != NULL ? 0 : oom(err);
}

/* fmt with arg for its one %s, host-allocated; NULL when out of memory. */
static char *str_with(const char *fmt, const char *arg)
{
	struct retort_buf b = RETORT_BUF_INIT;
	host->buf_printf(&b, fmt, arg);
	return host->buf_detach(&b);
}

/* Append an identifier as SQLAlchemy, hence Alembic, writes it for SQLite:
 * bare when it can be, else between double quotes. */
static void put_ident(struct retort_buf *b, const char *name)
{
	host->quote_ident(b, name, RETORT_FAMILY_SQLITE, '"', '"', 0);
}

/* ------------------------------------------------------------ quoting */

static int mq_quote_identifier(const struct retort_conn *c, const char *name, char **out,
                               struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)c;
	*out = NULL;
	if (!has_text(name))
		return host->error_set(err, RETORT_EUSAGE, "an empty identifier cannot be quoted");
	put_ident(&b, name);
	return detach(&b, out, err);
}

static int mq_quote_literal(const struct retort_conn *c, const char *value, char **out,
                            struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)c;
	*out = NULL;
	host->buf_put_quoted(&b, value ? value : "", '\'', '\'');  /* '...' with '' */
	return detach(&b, out, err);
}

/* ------------------------------------------------------------ lifecycle */

static int mq_global_init(const struct retort_host *h, struct retort_error *err)
{
	int rc = sqlite3_initialize();
	if (rc != SQLITE_OK)
		return h->error_set(err, RETORT_ERROR, "cannot initialise SQLite: %s",
		                    sqlite3_errstr(rc));
	return 0;
}

static void mq_global_shutdown(void)
{
	sqlite3_shutdown();
}

static void mq_destroy(struct retort_conn *c)
{
	if (!c)
		return;
	sqlite3_close_v2(c->lockdb);  /* releases the lock */
	sqlite3_close_v2(c->db);      /* rolls back an open transaction */
	host->free(c->path);
	host->free(c->lockpath);
	host->free(c->table);
	host->free(c->qtable);
	host->free(c->master);
	host->free(c);
}

/* No I/O here: offline (--sql) runs use the handle without connecting. */
static int mq_create(struct retort_conn **out, const struct retort_url *url,
                     const struct retort_dialect_options *opts, struct retort_error *err)
{
	const char *table = OPT(opts, version_table) && has_text(opts->version_table) ?
	                    opts->version_table : "alembic_version";
	const char *schema = OPT(opts, version_table_schema) ? opts->version_table_schema : NULL;
	const char *base = OPT(opts, base_dir) ? opts->base_dir : NULL;
	const char *db = url->database;
	int memory = !has_text(db) || strcmp(db, ":memory:") == 0;
	struct retort_buf b = RETORT_BUF_INIT;
	struct retort_conn *c;

	*out = NULL;
	if (has_text(url->driver) || has_text(url->user) || url->password ||
	    has_text(url->host) || url->port || url->n_params)
		return host->error_set(err, RETORT_EUSAGE, "a minisqlite URL names a file: write "
		                       "minisqlite:///relative.db or minisqlite:////absolute.db "
		                       "(no driver, user, password, host, port or parameter)");
	if (!(c = host->alloc(sizeof(*c))))
		return oom(err);
	memset(c, 0, sizeof(*c));
	c->lock_timeout_ms = OPT(opts, lock_timeout_ms) ? opts->lock_timeout_ms : -1;

	if (memory)
		host->buf_puts(&b, ":memory:");
	else if (db[0] == '/' || !has_text(base))
		host->buf_puts(&b, db);
	else
		host->buf_printf(&b, "%s/%s", base, db);
	c->path = host->buf_detach(&b);
	if (!memory && c->path)
		c->lockpath = str_with("%s-retort-lock", c->path);
	c->table = host->strdup(table);
	/* [schema.]table as Alembic writes it, and where SQLite lists it */
	if (has_text(schema)) {
		put_ident(&b, schema);
		host->buf_putc(&b, '.');
	}
	put_ident(&b, table);
	c->qtable = host->buf_detach(&b);
	host->buf_put_quoted(&b, has_text(schema) ? schema : "main", '"', '"');
	host->buf_puts(&b, ".sqlite_master");
	c->master = host->buf_detach(&b);
	if (!c->path || (!memory && !c->lockpath) || !c->table || !c->qtable || !c->master) {
		mq_destroy(c);
		return oom(err);
	}
	*out = c;
	return 0;
}

static int mq_connect(struct retort_conn *c, struct retort_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (c->db)
		return 0;
	rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(c->db, 1);
		/* wait for another writer as long as for the migration lock */
		sqlite3_busy_timeout(c->db, c->lock_timeout_ms < 0 ? INT_MAX :
		                     c->lock_timeout_ms > INT_MAX ? INT_MAX : (int)c->lock_timeout_ms);
		/* SQLite opens lazily: read the schema so that a bad file fails now */
		rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_ROW)
			rc = sqlite3_errcode(c->db);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK) {
		if (!c->db)
			return oom(err);
		db_error(c->db, err, RETORT_ECONNECT, "cannot open the SQLite database");
		sqlite3_close_v2(c->db);
		c->db = NULL;
		return RETORT_ECONNECT;
	}
	return 0;
}

static unsigned mq_caps(const struct retort_conn *c)
{
	(void)c;
	return RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS |
	       RETORT_CAP_CREATE_IF_ABSENT;
}

/* ------------------------------------------------------------ transactions */

static int exec_simple(struct retort_conn *c, const char *sql, struct retort_error *err)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c->db, err, RETORT_EDB, sql);
	return 0;
}

static int mq_begin(struct retort_conn *c, struct retort_error *err)
{
	return exec_simple(c, "BEGIN IMMEDIATE", err);
}

static int mq_commit(struct retort_conn *c, struct retort_error *err)
{
	int rc = exec_simple(c, "COMMIT", err);
	/* a failed commit leaves nothing applied: end the transaction */
	if (rc != 0 && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int mq_rollback(struct retort_conn *c, struct retort_error *err)
{
	/* SQLite may have rolled back already (after some errors) */
	return sqlite3_get_autocommit(c->db) ? 0 : exec_simple(c, "ROLLBACK", err);
}

/* ------------------------------------------------------------ scripts (ABI 1.2) */

/*
 * How SQLite's SQL splits into statements: besides '...' strings, "..."
 * names, comments and ';', also `...` and [...] names, and a CREATE
 * TRIGGER ... BEGIN ... END is one statement, its inner ';' kept.  The
 * core splits by these rules with host->split(), both to run a section
 * and to write an offline (--sql) script, so the two always agree.
 */
static unsigned mq_split_rules(const struct retort_conn *c)
{
	(void)c;
	return RETORT_SPLIT_SQLITE;
}

/*
 * Run ONE statement: stmt[0..len), without its ';' and not NUL-terminated;
 * line is where it starts in the file.  On failure say what SQLite said
 * (error_set, error_db) and return a negative code: the core adds which
 * statement failed (its index in the section, its line and its text) and
 * masks the URL's secrets in the error, so neither is done here.
 * Transactions are the core's too: never BEGIN or COMMIT here.
 */
static int mq_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                unsigned line, struct retort_error *err)
{
	const char *p = stmt, *end = stmt + len;
	int rc = SQLITE_OK;

	(void)line;
	if (len > INT_MAX)
		return host->error_set(err, RETORT_EDB, "statement too long for SQLite");
	/* prepare compiles the first statement of the text and points p past
	 * it; run any the text still holds for SQLite, in order */
	while (rc == SQLITE_OK && p < end) {
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(c->db, p, (int)(end - p), &st, &p);
		if (!st)
			break;          /* failed, or only a comment was left */
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;               /* rows (of a PRAGMA, say) are not wanted */
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	return rc == SQLITE_OK ? 0 : db_error(c->db, err, RETORT_EDB, NULL);
}

/* ------------------------------------------------------------ version table */

/* Run one statement of the version table with up to two text parameters;
 * *changes gets the rows it changed. */
static int vt_run(struct retort_conn *c, const char *sql, const char *p1, const char *p2,
                  int *changes, struct retort_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && p1)
		rc = sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && p2)
		rc = sqlite3_bind_text(st, 2, p2, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(c->db, err, RETORT_EDB, "version table");
	if (changes)
		*changes = sqlite3_changes(c->db);
	return 0;
}

/* 1 if the version table exists, 0 if not, < 0 on error. */
static int vt_exists(struct retort_conn *c, struct retort_error *err)
{
	char *sql = str_with("SELECT 1 FROM %s WHERE type = 'table' AND name = ?", c->master);
	sqlite3_stmt *st = NULL;
	int rc;
	if (!sql)
		return oom(err);
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	host->free(sql);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, c->table, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(c->db, err, RETORT_EDB, "cannot read the schema");
}

static int mq_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                           struct retort_error *err)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc = vt_exists(c, err);

	if (rc <= 0)
		return rc == 0 ? RETORT_ENOTFOUND : rc;
	if (!(sql = str_with("SELECT version_num FROM %s", c->qtable)))
		return oom(err);
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	host->free(sql);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		int stop = cb(v ? v : "", payload);
		if (stop != 0) {    /* the callback stopped us: a failure here */
			sqlite3_finalize(st);
			return stop < 0 ? stop : RETORT_ERROR;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(c->db, err, RETORT_EDB, "cannot read the version table");
}

/* Alembic's version table: the primary key named <table>_pkc. */
static char *version_ddl(const struct retort_conn *c, const char *if_absent)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *pkc = str_with("%s_pkc", c->table);
	if (!pkc)
		return NULL;
	host->buf_printf(&b, "CREATE TABLE %s%s (\n    version_num VARCHAR(32) NOT NULL,\n"
	                 "    CONSTRAINT ", if_absent, c->qtable);
	put_ident(&b, pkc);
	host->buf_puts(&b, " PRIMARY KEY (version_num)\n)");
	host->free(pkc);
	return host->buf_detach(&b);
}

static int mq_version_create(struct retort_conn *c, struct retort_error *err)
{
	char *ddl = version_ddl(c, "IF NOT EXISTS ");
	int rc;
	if (!ddl)
		return oom(err);
	rc = vt_run(c, ddl, NULL, NULL, NULL, err);
	host->free(ddl);
	return rc;
}

/* Run fmt (%s: the version table) with its parameters; RETORT_ERROR unless
 * exactly one row changed. */
static int vt_one_row(struct retort_conn *c, const char *fmt, const char *p1, const char *p2,
                      const char *what, struct retort_error *err)
{
	char *sql = str_with(fmt, c->qtable);
	int rc, changes = 0;
	if (!sql)
		return oom(err);
	rc = vt_run(c, sql, p1, p2, &changes, err);
	host->free(sql);
	if (rc == 0 && changes != 1)
		return host->error_set(err, RETORT_ERROR, "%s changed %d rows of the version table, "
		                       "not 1", what, changes);
	return rc;
}

static int mq_version_insert(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	return vt_one_row(c, "INSERT INTO %s (version_num) VALUES (?)", rev, NULL, "INSERT", err);
}

static int mq_version_update(struct retort_conn *c, const char *from, const char *to,
                             struct retort_error *err)
{
	return vt_one_row(c, "UPDATE %s SET version_num = ?2 WHERE version_num = ?1", from, to,
	                  "UPDATE", err);
}

static int mq_version_delete(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	return vt_one_row(c, "DELETE FROM %s WHERE version_num = ?", rev, NULL, "DELETE", err);
}

/* ------------------------------------------------------------ the lock */

/* An exclusive transaction on the side file, held by a connection of its
 * own; SQLite's busy timeout does the waiting (no clock of our own).
 * Connections of one process exclude each other too (SQLite tracks its
 * locks per file). */
static int mq_lock(struct retort_conn *c, struct retort_error *err)
{
	long ms = c->lock_timeout_ms;
	int rc;

	if (!c->lockpath || c->lockdb)  /* :memory: is private to this handle */
		return 0;
	rc = sqlite3_open_v2(c->lockpath, &c->lockdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                     NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->lockdb, ms < 0 || ms > INT_MAX ? INT_MAX : (int)ms);
		rc = sqlite3_exec(c->lockdb, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		return 0;
	if (!c->lockdb)
		return oom(err);
	if ((rc & 0xff) == SQLITE_BUSY)
		host->error_set(err, RETORT_ELOCKED, "another migration holds the lock (%s) after "
		                "%ld ms; retry later or raise the lock timeout", c->lockpath, ms);
	else
		db_error(c->lockdb, err, RETORT_ERROR, "cannot take the migration lock");
	sqlite3_close_v2(c->lockdb);
	c->lockdb = NULL;
	return err->code;
}

static int mq_unlock(struct retort_conn *c, struct retort_error *err)
{
	(void)err;
	sqlite3_close_v2(c->lockdb);  /* ends the transaction, releasing the lock */
	c->lockdb = NULL;
	return 0;
}

/* ------------------------------------------------------------ offline SQL */

static int mq_offline_sql(const struct retort_conn *c, int what, const char *arg,
                          size_t arg_len, char **out, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT, stmt = RETORT_BUF_INIT;
	char *ddl;
	int rc;

	*out = NULL;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
	case RETORT_OFFLINE_STATEMENT:
		/* The family's rules, as Alembic writes SQLite: no BEGIN/COMMIT,
		 * ';' after each statement (on a line of its own if a "--"
		 * comment would swallow it).  Every SQLite plugin asks the host,
		 * so all write the same script. */
		rc = host->offline_sql(&b, RETORT_FAMILY_SQLITE, what, arg, arg ? arg_len : 0, err);
		break;
	case RETORT_OFFLINE_VERSION_DDL:
	case RETORT_OFFLINE_VERSION_INSERT:
		/* the plugin's own statement, terminated by the same rule */
		if (what == RETORT_OFFLINE_VERSION_DDL) {
			if (!(ddl = version_ddl(c, "")))
				return oom(err);
			host->buf_puts(&stmt, ddl);
			host->free(ddl);
		} else {
			host->buf_printf(&stmt, "INSERT INTO %s (version_num) VALUES (", c->qtable);
			host->buf_put_quoted(&stmt, arg ? arg : "", '\'', '\'');
			host->buf_putc(&stmt, ')');
		}
		if (stmt.oom) {
			host->buf_free(&stmt);
			return oom(err);
		}
		rc = host->offline_sql(&b, RETORT_FAMILY_SQLITE, RETORT_OFFLINE_STATEMENT, stmt.ptr,
		                       stmt.len, err);
		host->buf_free(&stmt);
		break;
	default:
		return host->error_set(err, RETORT_ENOTSUPPORTED, "unknown offline SQL kind %d", what);
	}
	if (rc < 0) {
		host->buf_free(&b);
		return rc;
	}
	return detach(&b, out, err);
}

/* ------------------------------------------------------------ ABI 1.1 */

static int mq_query(struct retort_conn *c, const char *sql, const char *const *params,
                    size_t nparams, retort_query_row_cb cb, void *payload, long *affected,
                    struct retort_error *err)
{
	sqlite3_stmt *st = NULL;
	const char **cols = NULL;
	int before = sqlite3_total_changes(c->db);
	size_t i;
	int rc, n;

	if (affected)
		*affected = -1;
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_error(c->db, err, RETORT_EDB, "query");
		return -1;
	}
	if ((size_t)sqlite3_bind_parameter_count(st) != nparams) {
		host->error_set(err, RETORT_EUSAGE, "query: %d placeholders, %zu parameters",
		                sqlite3_bind_parameter_count(st), nparams);
		sqlite3_finalize(st);
		return -1;
	}
	for (i = 0; rc == SQLITE_OK && i < nparams; i++)
		rc = params[i] ? sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC)
		               : sqlite3_bind_null(st, (int)i + 1);
	n = sqlite3_column_count(st);
	if (rc == SQLITE_OK && n > 0 && !(cols = host->alloc((size_t)n * sizeof(*cols)))) {
		sqlite3_finalize(st);
		oom(err);
		return -1;
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k;
		rc = SQLITE_OK;
		if (!cb)
			continue;
		for (k = 0; k < n; k++)
			cols[k] = (const char *)sqlite3_column_text(st, k);  /* NULL for SQL NULL */
		if (cb(cols, (size_t)n, payload) != 0) {
			rc = SQLITE_DONE;   /* a stop is not an error here */
			break;
		}
	}
	host->free(cols);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(c->db, err, RETORT_EDB, "query");
		return -1;
	}
	if (affected)
		*affected = (long)sqlite3_total_changes(c->db) - before;
	return 0;
}

/* SQLite's spelling of the portable column types: the host knows it. */
static int mq_column_type(const struct retort_conn *c, int type, unsigned length, char *out,
                          size_t outsz)
{
	(void)c;
	return host->column_type(RETORT_FAMILY_SQLITE, type, length, out, outsz);
}

/* ------------------------------------------------------------ the vtable */

static const char *const schemes[] = { "minisqlite", NULL };

/* Positional, in the header's order, so that it builds as C89 too; with
 * C99 designated initializers a member left out is NULL. */
static const struct retort_dialect vtable = {
	RETORT_DIALECT_ABI_MAJOR,       /* abi_major        REQUIRED */
	RETORT_DIALECT_ABI_MINOR,       /* abi_minor        REQUIRED */
	sizeof(struct retort_dialect),  /* struct_size      REQUIRED */
	"minisqlite",                   /* name             REQUIRED */
	"SQLite (example plugin from retort's examples/minimal-dialect)",
	"1.0",                          /* version */
	schemes,                        /* schemes          REQUIRED */
	mq_global_init,
	mq_global_shutdown,
	mq_create,                      /* REQUIRED from here to version_delete */
	mq_connect,
	mq_destroy,
	mq_caps,                        /* (OPTIONAL) */
	mq_begin,
	mq_commit,
	mq_rollback,
	NULL,                           /* execute: the core runs the loop (ABI 1.2) */
	NULL,                           /* split: the core splits by split_rules */
	mq_version_read,
	mq_version_create,
	mq_version_insert,
	mq_version_update,
	mq_version_delete,
	mq_lock,                        /* OPTIONAL from here on */
	mq_unlock,
	mq_quote_identifier,
	mq_quote_literal,
	mq_offline_sql,
	mq_query,                       /* ABI 1.1 */
	mq_column_type,                 /* ABI 1.1 */
	mq_split_rules,                 /* ABI 1.2 */
	mq_execute_statement,           /* ABI 1.2: REQUIRED, as execute is NULL */
	NULL,                           /* section (ABI 1.2): no set-up needed */
	NULL,                           /* session_user_sql (ABI 1.3): SQLite has
	                                   no users */
};

/* The one exported symbol: retort_minisqlite_LTX_retort_dialect_entry, for
 * the module retort_minisqlite.so; it stores the host table in `host`. */
RETORT_DIALECT_DEFINE(retort_minisqlite, &vtable, host)
