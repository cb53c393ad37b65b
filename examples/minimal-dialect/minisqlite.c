/* SPDX-License-Identifier: MIT */
/*
 * minisqlite.c - an example retort dialect plugin: SQLite through
 * libsqlite3, small but complete (every member of struct retort_dialect),
 * written against the installed SDK only: <retort/dialect.h> and
 * `pkg-config retort-dialect`.  It passes retort-dialect-check.  Read it
 * with retort-dialect(7) at hand; README.md says how to build and register
 * it.
 *
 * URLs (as retort's own sqlite dialect, under a scheme of its own):
 *   minisqlite:///relative/path.db   relative to the project's directory
 *   minisqlite:////absolute/path.db
 *   minisqlite://                    a private in-memory database
 *
 * What makes it small, and where the in-tree sqlite plugin does more:
 *  - statements end where sqlite3_complete() says a statement is complete,
 *    so a ';' in a string, a comment or a CREATE TRIGGER body is handled;
 *  - the migration lock is an exclusive transaction on a side file,
 *    "<database>-retort-lock", left in place after unlock (deleting a lock
 *    file that another process waits on would break the lock); the
 *    in-tree plugin holds SQLite's own write lock instead;
 *  - no URL parameters (mode=ro etc.), no driver.
 *
 * Memory: a string the core frees (quote_*(), offline_sql()) comes from
 * host->alloc; the plugin's own strings are sqlite3_malloc'ed and never
 * leave it.
 */
#include <limits.h>
#include <stdio.h>
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
	char *schema;           /* "main", an attached database, or NULL */
	long lock_timeout_ms;   /* < 0: wait forever */
	int memory_locked;      /* lock() on :memory: (private: nothing to do) */
};

/* The options struct grows by appending: read a member only if the core's
 * struct_size covers it. */
#define OPT(o, m) ((o) && (o)->struct_size >= offsetof(struct retort_dialect_options, m) + \
                                               sizeof((o)->m))

static int oom(struct retort_error *err)
{
	return host->error_set(err, RETORT_ENOMEM, "out of memory");
}

/* The database's error for a failed call: code, SQLite's message and its
 * extended result code as the native code.  Returns code. */
static int db_error(sqlite3 *db, struct retort_error *err, int code, const char *what)
{
	host->error_set(err, code, "%s: %s", what, sqlite3_errmsg(db));
	host->error_db(err, NULL, sqlite3_extended_errcode(db));
	return code;
}

/* Hand a sqlite3_mprintf() result to the core as a host-allocated string. */
static int give(char *s, char **out, struct retort_error *err)
{
	*out = s ? host->strdup(s) : NULL;
	sqlite3_free(s);
	return *out ? 0 : oom(err);
}

static int has_text(const char *s)
{
	return s && *s;
}

/* ------------------------------------------------------------ quoting */

/* Quote an identifier only when it must be, as Alembic does: unless it is
 * lower case [a-z_][a-z0-9_]* and not an SQLite keyword. */
static char *quote_ident(const char *name)
{
	size_t i, n = strlen(name);
	int plain = n > 0 && !(name[0] >= '0' && name[0] <= '9') &&
	            n <= INT_MAX && !sqlite3_keyword_check(name, (int)n);
	for (i = 0; plain && i < n; i++)
		plain = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		        name[i] == '_';
	return plain ? sqlite3_mprintf("%s", name) : sqlite3_mprintf("\"%w\"", name);
}

static int mq_quote_identifier(const struct retort_conn *c, const char *name, char **out,
                               struct retort_error *err)
{
	(void)c;
	return give(quote_ident(name), out, err);
}

static int mq_quote_literal(const struct retort_conn *c, const char *value, char **out,
                            struct retort_error *err)
{
	(void)c;
	return give(sqlite3_mprintf("%Q", value), out, err);  /* '...' with '' */
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
	sqlite3_free(c->path);
	sqlite3_free(c->lockpath);
	sqlite3_free(c->table);
	sqlite3_free(c->qtable);
	sqlite3_free(c->schema);
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
	struct retort_conn *c;
	char *qs = NULL, *qt = NULL;

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

	if (!has_text(db) || strcmp(db, ":memory:") == 0)
		c->path = sqlite3_mprintf(":memory:");
	else if (db[0] == '/' || !has_text(base))
		c->path = sqlite3_mprintf("%s", db);
	else
		c->path = sqlite3_mprintf("%s/%s", base, db);
	if (c->path && strcmp(c->path, ":memory:") != 0)
		c->lockpath = sqlite3_mprintf("%s-retort-lock", c->path);
	c->table = sqlite3_mprintf("%s", table);
	if (has_text(schema)) {
		c->schema = sqlite3_mprintf("%s", schema);
		qs = quote_ident(schema);
	}
	qt = quote_ident(table);
	if (qt && (!has_text(schema) || qs))
		c->qtable = qs ? sqlite3_mprintf("%s.%s", qs, qt) : sqlite3_mprintf("%s", qt);
	sqlite3_free(qs);
	sqlite3_free(qt);
	if (!c->path || (!c->lockpath && strcmp(c->path, ":memory:") != 0) || !c->table ||
	    (has_text(schema) && !c->schema) || !c->qtable) {
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

/* ------------------------------------------------------------ scripts */

/* Skip blanks and comments from p, counting newlines into *line. */
static const char *skip_blank(const char *p, const char *end, unsigned *line)
{
	while (p < end) {
		if (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			*line += *p++ == '\n';
		} else if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			for (p += 2; p < end && !(end - p >= 2 && p[0] == '*' && p[1] == '/'); p++)
				*line += *p == '\n';
			p = p < end ? p + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

/*
 * Call cb(statement, length, line, payload) for each statement of
 * sql[0..len), without its ';'.  A statement ends at a ';' after which
 * sqlite3_complete() calls the text complete; text after the last ';' is
 * a last statement.  line is the file line of the statement's first
 * token, counting from first_line.  Returns 0, cb's non-zero value, or
 * RETORT_ENOMEM.
 */
static int each_statement(const char *sql, size_t len, unsigned first_line,
                          int (*cb)(const char *, size_t, unsigned, void *), void *payload)
{
	char *buf = sqlite3_malloc64(len + 1);  /* NUL-terminated copy */
	const char *end = sql + len, *s, *p;
	unsigned line = first_line, at;
	int rc = 0;

	if (!buf)
		return RETORT_ENOMEM;
	memcpy(buf, sql, len);
	buf[len] = '\0';
	for (s = skip_blank(sql, end, &line); rc == 0 && s < end; s = skip_blank(p, end, &line)) {
		for (p = s, at = line; p < end; p++) {
			char *after = buf + (p - sql) + 1, keep;
			if (*p == '\n')
				line++;
			if (*p != ';')
				continue;
			keep = *after;
			*after = '\0';
			if (sqlite3_complete(buf + (s - sql))) {
				*after = keep;
				break;
			}
			*after = keep;
		}
		{
			size_t n = (size_t)(p - s);
			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
			                 s[n - 1] == '\n'))
				n--;
			if (n > 0)
				rc = cb(s, n, at, payload);
		}
		if (p < end)
			p++;    /* past the ';' */
	}
	sqlite3_free(buf);
	return rc;
}

struct run_state {
	struct retort_conn *c;
	struct retort_error *err;
	unsigned index;
};

static int run_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct run_state *r = payload;
	sqlite3 *db = r->c->db;
	sqlite3_stmt *st = NULL;
	int rc;

	r->index++;
	rc = sqlite3_prepare_v2(db, stmt, (int)(len < INT_MAX ? len : INT_MAX), &st, NULL);
	while (rc == SQLITE_OK && st && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc == SQLITE_OK || rc == SQLITE_DONE)
		return 0;
	/* the message, SQLite's code, and which statement: index, line, text */
	host->error_set(r->err, RETORT_EDB, "%s", sqlite3_errmsg(db));
	host->error_db(r->err, NULL, sqlite3_extended_errcode(db));
	host->error_statement(r->err, r->index, line, stmt, len);
	return RETORT_EDB;
}

static int mq_execute(struct retort_conn *c, const char *sql, size_t len, unsigned first_line,
                      struct retort_error *err)
{
	struct run_state r = { c, err, 0 };
	int rc = each_statement(sql, len, first_line, run_one, &r);
	return rc == RETORT_ENOMEM ? oom(err) : rc;
}

static int mq_split(const struct retort_conn *c, const char *sql, size_t len,
                    unsigned first_line, retort_stmt_cb cb, void *payload,
                    struct retort_error *err)
{
	int rc = each_statement(sql, len, first_line, cb, payload);
	(void)c;
	if (rc == 0)
		return 0;
	if (rc == RETORT_ENOMEM)
		return oom(err);
	return rc < 0 ? rc : RETORT_ERROR;  /* the callback stopped us */
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
	char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_master WHERE type = 'table' "
	                            "AND name = ?", c->schema ? c->schema : "main");
	sqlite3_stmt *st = NULL;
	int rc;
	if (!sql)
		return oom(err);
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	sqlite3_free(sql);
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
	if (!(sql = sqlite3_mprintf("SELECT version_num FROM %s", c->qtable)))
		return oom(err);
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	sqlite3_free(sql);
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
	char *pkc = sqlite3_mprintf("%s_pkc", c->table), *qpkc = pkc ? quote_ident(pkc) : NULL;
	char *ddl = qpkc ? sqlite3_mprintf("CREATE TABLE %s%s (\n    version_num VARCHAR(32) NOT NULL,"
	                                   "\n    CONSTRAINT %s PRIMARY KEY (version_num)\n)",
	                                   if_absent, c->qtable, qpkc) : NULL;
	sqlite3_free(pkc);
	sqlite3_free(qpkc);
	return ddl;
}

static int mq_version_create(struct retort_conn *c, struct retort_error *err)
{
	char *ddl = version_ddl(c, "IF NOT EXISTS ");
	int rc;
	if (!ddl)
		return oom(err);
	rc = vt_run(c, ddl, NULL, NULL, NULL, err);
	sqlite3_free(ddl);
	return rc;
}

/* Run sql on the version table; RETORT_ERROR unless exactly one row changed. */
static int vt_one_row(struct retort_conn *c, const char *fmt, const char *p1, const char *p2,
                      const char *what, struct retort_error *err)
{
	char *sql = sqlite3_mprintf(fmt, c->qtable);
	int rc, changes = 0;
	if (!sql)
		return oom(err);
	rc = vt_run(c, sql, p1, p2, &changes, err);
	sqlite3_free(sql);
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
 * own; SQLite's busy timeout does the waiting.  Connections of one process
 * exclude each other too (SQLite tracks its locks per file). */
static int mq_lock(struct retort_conn *c, struct retort_error *err)
{
	long ms = c->lock_timeout_ms;
	int rc;

	if (!c->lockpath) {     /* :memory: is private to this handle */
		c->memory_locked = 1;
		return 0;
	}
	if (c->lockdb)
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
	c->memory_locked = 0;
	sqlite3_close_v2(c->lockdb);  /* ends the transaction, releasing the lock */
	c->lockdb = NULL;
	return 0;
}

/* ------------------------------------------------------------ offline SQL */

static int mq_offline_sql(const struct retort_conn *c, int what, const char *arg,
                          size_t arg_len, char **out, struct retort_error *err)
{
	char *ddl;
	*out = NULL;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
		return give(sqlite3_mprintf("BEGIN;"), out, err);
	case RETORT_OFFLINE_COMMIT:
		return give(sqlite3_mprintf("COMMIT;"), out, err);
	case RETORT_OFFLINE_VERSION_DDL:
		if (!(ddl = version_ddl(c, "")))
			return oom(err);
		return give(sqlite3_mprintf("%z;", ddl), out, err);
	case RETORT_OFFLINE_STATEMENT:
		if (arg_len > INT_MAX)
			return host->error_set(err, RETORT_ERROR, "statement too long");
		return give(sqlite3_mprintf("%.*s;", (int)arg_len, arg ? arg : ""), out, err);
	case RETORT_OFFLINE_VERSION_INSERT:
		return give(sqlite3_mprintf("INSERT INTO %s (version_num) VALUES (%Q);", c->qtable,
		                            arg ? arg : ""), out, err);
	default:
		return host->error_set(err, RETORT_ENOTSUPPORTED, "unknown offline SQL kind %d", what);
	}
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

static int mq_column_type(const struct retort_conn *c, int type, unsigned length, char *out,
                          size_t outsz)
{
	int w;
	(void)c;
	switch (type) {
	case RETORT_TYPE_VARCHAR:
		w = snprintf(out, outsz, "VARCHAR(%u)", length);
		break;
	case RETORT_TYPE_TEXT:
		w = snprintf(out, outsz, "TEXT");
		break;
	case RETORT_TYPE_BIGINT:
		w = snprintf(out, outsz, "BIGINT");
		break;
	case RETORT_TYPE_TIMESTAMP:
		w = snprintf(out, outsz, "TIMESTAMP");
		break;
	default:
		return -1;
	}
	return w < 0 || (size_t)w >= outsz ? -1 : 0;
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
	mq_execute,
	mq_split,                       /* (OPTIONAL) */
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
	/* ABI 1.2: split_rules, execute_statement and section would let the
	 * core run the statement loop; this plugin keeps its own execute(). */
	NULL,
	NULL,
	NULL,
};

/* The one exported symbol: retort_minisqlite_LTX_retort_dialect_entry, for
 * the module retort_minisqlite.so; it stores the host table in `host`. */
RETORT_DIALECT_DEFINE(retort_minisqlite, &vtable, host)
