/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/sqlite/test_sqlite.c - the sqlite dialect plugin, loaded from
 * the build tree exactly as a third party's plugin is: lt_dlopenext() on
 * the module's basename, lt_dlsym() of <module>_LTX_retort_dialect_entry,
 * and the core's host table.  URLs go through the core's own parser.
 * Results are checked independently with libsqlite3.
 */
#define _XOPEN_SOURCE 700
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ltdl.h>
#include <sqlite3.h>

#include <retort/dialect.h>
#include "host.h"
#include "stmtloop.h"
#include "url.h"
#include "util.h"

#include "../sweep.h"
#include "../query/query_contract.h"

static const struct retort_dialect *D;
static lt_dlhandle module;
static char tmpdir[] = "/tmp/retort-sqlite-test-XXXXXX";

/* Alembic 1.x `upgrade --sql` for sqlite prints exactly this (then a blank line). */
static const char alembic_offline_ddl[] =
	"CREATE TABLE alembic_version (\n"
	"    version_num VARCHAR(32) NOT NULL, \n"
	"    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
	");";
/* ... and what its online run leaves in sqlite_master. */
static const char alembic_master_sql[] =
	"CREATE TABLE alembic_version (\n"
	"\tversion_num VARCHAR(32) NOT NULL, \n"
	"\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
	")";

/* ------------------------------------------------------------ fixtures */

static int group_setup(void **state)
{
	const char *top = getenv("top_builddir");
	char path[4096];
	retort_dialect_entry_fn entry;
	(void)state;

	if (!top) {
		fprintf(stderr, "top_builddir is not set (run through make check)\n");
		return -1;
	}
	if (!mkdtemp(tmpdir))
		return -1;
	if (lt_dlinit() != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/plugins/sqlite/.libs/retort_sqlite", top);
	module = lt_dlopenext(path);
	if (!module) {
		fprintf(stderr, "cannot load %s: %s\n", path, lt_dlerror());
		return -1;
	}
	entry = (retort_dialect_entry_fn)(uintptr_t)lt_dlsym(module,
		"retort_sqlite_LTX_" RETORT_DIALECT_ENTRY_NAME);
	if (!entry) {
		fprintf(stderr, "no entry symbol: %s\n", lt_dlerror());
		return -1;
	}
	D = entry(rt_host());
	return D ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[256];
	(void)state;
	if (module)
		lt_dlclose(module);
	lt_dlexit();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A path under the test's temporary directory (static buffer per slot). */
static const char *tmp_path(int slot, const char *name)
{
	static char buf[4][4096];
	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, name);
	return buf[slot];
}

static int create_url(struct retort_conn **out, const char *url_text, const char *base,
                      long timeout_ms, const char *table, const char *schema,
                      struct retort_error *err)
{
	struct rt_url *url = NULL;
	struct rt_err e = { 0, NULL };
	struct retort_dialect_options o;
	int rc;

	if (rt_url_parse(&url, url_text, &e) < 0)
		fail_msg("URL %s does not parse: %s", url_text, e.msg);
	memset(&o, 0, sizeof(o));
	o.struct_size = sizeof(o);
	o.version_table = table ? table : "alembic_version";
	o.version_table_schema = schema;
	o.base_dir = base;
	o.lock_timeout_ms = timeout_ms;
	rt_dialect_error_init(err);
	rc = D->create(out, &url->pub, &o, err);
	rt_url_free(url);
	return rc;
}

/* Create and connect, asserting success. */
static struct retort_conn *open_db(const char *url_text, long timeout_ms)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	if (create_url(&c, url_text, tmpdir, timeout_ms, NULL, NULL, &err) != 0)
		fail_msg("create %s: %s", url_text, err.message);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	if (D->connect(c, &err) != 0)
		fail_msg("connect %s: %s", url_text, err.message);
	rt_dialect_error_free(&err);
	return c;
}

#define OK(call)                                                              \
	do {                                                                  \
		struct retort_error e_;                                       \
		int rc_;                                                      \
		rt_dialect_error_init(&e_);                                   \
		rc_ = (call);                                                 \
		if (rc_ != 0)                                                 \
			fail_msg("%s -> %d: %s", #call, rc_,                  \
			         e_.message ? e_.message : "(no message)");   \
		rt_dialect_error_free(&e_);                                   \
	} while (0)
/* `call` must use `e_` as its error argument. */

static int exec_sql(struct retort_conn *c, const char *sql, unsigned line,
                    struct retort_error *err)
{
	rt_dialect_error_init(err);
	return rt_dialect_execute(D, c, sql, strlen(sql), line, NULL, err);
}

/* Independent look at a database file: the integer result of `query`. */
static long long db_int(const char *path, const char *query)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot open %s", path);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, query, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", query, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int table_in(const char *path, const char *name)
{
	char q[256];
	snprintf(q, sizeof(q), "SELECT count(*) FROM sqlite_master WHERE name = '%s'", name);
	return (int)db_int(path, q);
}

struct rows {
	size_t n;
	char v[8][64];
};

static int row_cb(const char *version, void *payload)
{
	struct rows *r = payload;
	if (r->n >= 8)
		return -1;
	snprintf(r->v[r->n++], sizeof(r->v[0]), "%s", version);
	return 0;
}

static int read_rows(struct retort_conn *c, struct rows *r, struct retort_error *err)
{
	memset(r, 0, sizeof(*r));
	rt_dialect_error_init(err);
	return D->version_read(c, row_cb, r, err);
}

static long ms_since(const struct timeval *t0)
{
	struct timeval t1;
	gettimeofday(&t1, NULL);
	return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_usec - t0->tv_usec) / 1000L;
}

/* ------------------------------------------------------------ descriptor */

static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(D->abi_major, RETORT_DIALECT_ABI_MAJOR);
	assert_true(D->abi_minor <= RETORT_DIALECT_ABI_MINOR);
	assert_int_equal(D->struct_size, sizeof(struct retort_dialect));
	assert_string_equal(D->name, "sqlite");
	assert_non_null(D->description);
	assert_non_null(D->version);
	assert_string_equal(D->schemes[0], "sqlite");
	assert_null(D->schemes[1]);
	assert_non_null(D->create);
	assert_non_null(D->connect);
	assert_non_null(D->destroy);
	assert_non_null(D->caps);
	assert_non_null(D->begin);
	assert_non_null(D->commit);
	assert_non_null(D->rollback);
	/* ABI 1.2: the core's statement loop runs execute_statement, the
	 * core's splitter splits by split_rules */
	assert_null(D->execute);
	assert_null(D->split);
	assert_non_null(D->split_rules);
	assert_non_null(D->execute_statement);
	assert_non_null(D->section);
	assert_int_equal(D->split_rules(NULL), RETORT_SPLIT_SQLITE);
	assert_non_null(D->version_read);
	assert_non_null(D->version_create);
	assert_non_null(D->version_insert);
	assert_non_null(D->version_update);
	assert_non_null(D->version_delete);
	assert_non_null(D->lock);
	assert_non_null(D->unlock);
	assert_non_null(D->quote_identifier);
	assert_non_null(D->quote_literal);
	assert_non_null(D->offline_sql);
	assert_int_equal(D->caps(NULL),
	                 RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS |
	                 RETORT_CAP_CREATE_IF_ABSENT);
	D->destroy(NULL);
}

/* ------------------------------------------------------------ URLs */

static void test_url_relative(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	struct stat sb;
	(void)state;

	/* create() does no I/O: a missing directory only shows at connect() */
	assert_int_equal(create_url(&c, "sqlite:///sub/rel.db", tmpdir, 1000, NULL, NULL, &err), 0);
	rt_dialect_error_free(&err);
	assert_int_not_equal(stat(tmp_path(0, "sub"), &sb), 0);
	rt_dialect_error_init(&err);
	assert_int_equal(D->connect(c, &err), RETORT_ECONNECT);
	assert_non_null(err.message);
	assert_non_null(strstr(err.message, "sub/rel.db"));
	rt_dialect_error_free(&err);

	assert_int_equal(mkdir(tmp_path(0, "sub"), 0700), 0);
	rt_dialect_error_init(&err);
	assert_int_equal(D->connect(c, &err), 0);
	rt_dialect_error_free(&err);
	assert_int_equal(stat(tmp_path(0, "sub/rel.db"), &sb), 0);
	D->destroy(c);
}

static void test_url_absolute(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	struct stat sb;
	char url[4200];
	(void)state;

	snprintf(url, sizeof(url), "sqlite:///%s", tmp_path(0, "abs.db"));
	/* base_dir does not apply to an absolute path */
	assert_int_equal(create_url(&c, url, "/nonexistent-base", 1000, NULL, NULL, &err), 0);
	rt_dialect_error_free(&err);
	OK(D->connect(c, &e_));
	assert_int_equal(stat(tmp_path(0, "abs.db"), &sb), 0);
	D->destroy(c);
}

static void test_url_memory(void **state)
{
	static const char *const forms[] = { "sqlite://", "sqlite:///", "sqlite:///:memory:" };
	struct retort_error err;
	struct rows r;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct retort_conn *a = open_db(forms[i], 1000), *b = open_db(forms[i], 1000);
		/* private databases: what one connection does, the other never sees */
		OK(D->version_create(a, &e_));
		OK(D->version_insert(a, "abc", &e_));
		assert_int_equal(read_rows(a, &r, &err), 0);
		assert_int_equal(r.n, 1);
		assert_int_equal(read_rows(b, &r, &err), RETORT_ENOTFOUND);
		rt_dialect_error_free(&err);
		D->destroy(a);
		D->destroy(b);
	}
	assert_int_not_equal(access(":memory:", F_OK), 0);
}

static void expect_create_error(const char *url, int code, const char *part)
{
	struct retort_conn *c = (struct retort_conn *)1;
	struct retort_error err;
	assert_int_equal(create_url(&c, url, tmpdir, 1000, NULL, NULL, &err), code);
	assert_null(c);
	assert_non_null(err.message);
	if (!strstr(err.message, part))
		fail_msg("%s: message [%s] lacks [%s]", url, err.message, part);
	assert_null(strstr(err.message, "s3cret"));
	rt_dialect_error_free(&err);
}

static void test_url_errors(void **state)
{
	(void)state;
	expect_create_error("sqlite://host/x.db", RETORT_EUSAGE, "sqlite:///relative");
	expect_create_error("sqlite://u:s3cret@/x.db", RETORT_EUSAGE, "no user, password");
	expect_create_error("sqlite:///x.db?foo=bar", RETORT_EUSAGE, "'foo'");
	expect_create_error("sqlite:///x.db?mode=xyz", RETORT_EUSAGE, "mode");
	expect_create_error("sqlite+bogus:///x.db", RETORT_EUSAGE, "bogus");
}

static void test_url_modes(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	(void)state;

	/* mode=rw does not create */
	assert_int_equal(create_url(&c, "sqlite:///missing.db?mode=rw", tmpdir, 1000, NULL, NULL,
	                            &err), 0);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(D->connect(c, &err), RETORT_ECONNECT);
	assert_non_null(err.message);
	rt_dialect_error_free(&err);
	D->destroy(c);
	assert_int_not_equal(access(tmp_path(0, "missing.db"), F_OK), 0);

	/* mode=ro reads but cannot write */
	c = open_db("sqlite:///ro.db", 1000);
	OK(D->version_create(c, &e_));
	D->destroy(c);
	c = open_db("sqlite:///ro.db?mode=ro", 1000);
	assert_int_not_equal(exec_sql(c, "CREATE TABLE x (a);", 1, &err), 0);
	assert_int_equal(err.native_code & 0xff, SQLITE_READONLY);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(D->lock(c, &err), RETORT_EUSAGE);
	assert_non_null(strstr(err.message, "read-only"));
	rt_dialect_error_free(&err);
	D->destroy(c);
}

static void test_not_a_database(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	FILE *f = fopen(tmp_path(0, "junk.db"), "w");
	(void)state;
	assert_non_null(f);
	fputs("this is not a database, just text long enough to have a header page......"
	      "..........................................................................", f);
	fclose(f);
	assert_int_equal(create_url(&c, "sqlite:///junk.db", tmpdir, 1000, NULL, NULL, &err), 0);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(D->connect(c, &err), RETORT_ECONNECT);
	assert_non_null(strstr(err.message, "junk.db"));
	assert_int_equal(err.native_code & 0xff, SQLITE_NOTADB);
	rt_dialect_error_free(&err);
	D->destroy(c);
}

static void test_not_connected(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	(void)state;
	assert_int_equal(create_url(&c, "sqlite://", tmpdir, 1000, NULL, NULL, &err), 0);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_true(D->begin(c, &err) < 0);
	assert_non_null(err.message);
	rt_dialect_error_free(&err);
	D->destroy(c);
}

/* ------------------------------------------------------------ execute */

static void test_transactional_ddl(void **state)
{
	const char *path = tmp_path(0, "tx.db");
	struct retort_conn *c = open_db("sqlite:///tx.db", 1000);
	struct retort_error err;
	(void)state;

	OK(D->begin(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE t (a);\nINSERT INTO t VALUES (1);\n"
	                          "CREATE INDEX ti ON t (a);", 1, &err), 0);
	rt_dialect_error_free(&err);
	OK(D->rollback(c, &e_));
	assert_int_equal(table_in(path, "t"), 0);
	assert_int_equal(table_in(path, "ti"), 0);

	OK(D->begin(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE t (a);\nINSERT INTO t VALUES (1);", 1, &err), 0);
	rt_dialect_error_free(&err);
	OK(D->commit(c, &e_));
	assert_int_equal(db_int(path, "SELECT count(*) FROM t"), 1);
	D->destroy(c);
}

static void test_execute_error(void **state)
{
	struct retort_conn *c = open_db("sqlite://", 1000);
	struct retort_error err;
	const char *sql = "CREATE TABLE a (x INTEGER PRIMARY KEY);\n"   /* line 20 */
	                  "\n"
	                  "-- a comment; with a semicolon\n"
	                  "INSERT INTO a VALUES (1);\n"                  /* 23 */
	                  "INSERT INTO a\n  VALUES (1);\n"               /* 24 */
	                  "SELECT 1;\n";
	(void)state;

	assert_int_equal(exec_sql(c, sql, 20, &err), RETORT_EDB);
	assert_int_equal(err.code, RETORT_EDB);
	assert_int_equal(err.stmt_index, 3);
	assert_int_equal(err.stmt_line, 24);
	assert_string_equal(err.statement, "INSERT INTO a\n  VALUES (1)");
	assert_int_equal(err.native_code, SQLITE_CONSTRAINT_PRIMARYKEY);
	assert_non_null(strstr(err.message, "UNIQUE constraint failed: a.x"));
	rt_dialect_error_free(&err);

	assert_int_equal(exec_sql(c, "SELECT 1;\n  SELECT * FROM nowhere", 5, &err), RETORT_EDB);
	assert_int_equal(err.stmt_index, 2);
	assert_int_equal(err.stmt_line, 6);
	assert_int_equal(err.native_code, SQLITE_ERROR);
	assert_non_null(strstr(err.message, "no such table: nowhere"));
	assert_string_equal(err.statement, "SELECT * FROM nowhere");
	rt_dialect_error_free(&err);
	D->destroy(c);
}

static void test_execute_lexical_error(void **state)
{
	const char *path = tmp_path(0, "lex.db");
	struct retort_conn *c = open_db("sqlite:///lex.db", 1000);
	struct retort_error err;
	(void)state;

	/* nothing runs from a section that does not split */
	assert_int_equal(exec_sql(c, "CREATE TABLE b (x);\n\nSELECT 'oops;\n", 7, &err),
	                 RETORT_EUSAGE);
	assert_int_equal(err.stmt_line, 9);
	assert_non_null(strstr(err.message, "unterminated string"));
	assert_non_null(strstr(err.message, "line 9"));
	rt_dialect_error_free(&err);
	assert_int_equal(table_in(path, "b"), 0);
	D->destroy(c);
}

static void test_execute_trigger_and_quotes(void **state)
{
	const char *path = tmp_path(0, "trg.db");
	struct retort_conn *c = open_db("sqlite:///trg.db", 1000);
	struct retort_error err;
	const char *sql =
		"CREATE TABLE [t;1] (`a;b` INT, \"c;d\" TEXT);\n"
		"CREATE TABLE log (msg TEXT);\n"
		"CREATE TRIGGER tr AFTER INSERT ON [t;1]\n"
		"BEGIN\n"
		"  INSERT INTO log VALUES (CASE WHEN new.`a;b` > 1 THEN 'big;' ELSE 'small;' END);\n"
		"  INSERT INTO log VALUES ('end;');\n"
		"END;\n"
		"INSERT INTO [t;1] VALUES (5, 'x;y');\n"
		"-- trailing comment only\n";
	(void)state;

	assert_int_equal(exec_sql(c, sql, 1, &err), 0);
	rt_dialect_error_free(&err);
	assert_int_equal(db_int(path, "SELECT count(*) FROM log"), 2);
	assert_int_equal(db_int(path, "SELECT count(*) FROM log WHERE msg = 'big;'"), 1);
	D->destroy(c);
}

static void test_script_ending_transaction(void **state)
{
	struct retort_conn *c = open_db("sqlite://", 1000);
	struct retort_error err;
	(void)state;

	OK(D->begin(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE x (a);\nCOMMIT;", 3, &err), RETORT_EUSAGE);
	assert_int_equal(err.stmt_index, 2);
	assert_int_equal(err.stmt_line, 4);
	assert_non_null(strstr(err.message, "transaction off"));
	rt_dialect_error_free(&err);
	OK(D->rollback(c, &e_));
	D->destroy(c);
}

/* ------------------------------------------------------------ version table */

static void test_version_table(void **state)
{
	const char *path = tmp_path(0, "ver.db");
	struct retort_conn *c = open_db("sqlite:///ver.db", 1000);
	struct retort_error err;
	struct rows r;
	sqlite3 *db;
	sqlite3_stmt *st;
	(void)state;

	assert_int_equal(read_rows(c, &r, &err), RETORT_ENOTFOUND);
	rt_dialect_error_free(&err);
	OK(D->version_create(c, &e_));
	OK(D->version_create(c, &e_));  /* exists: nothing to do */

	/* the very text Alembic leaves in sqlite_master */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE "
	                                    "name = 'alembic_version'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), alembic_master_sql);
	sqlite3_finalize(st);
	sqlite3_close(db);

	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 0);
	OK(D->version_insert(c, "aaa111", &e_));
	OK(D->version_insert(c, "it's'; DROP TABLE x; --", &e_));  /* bound, not pasted */
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 2);
	OK(D->version_delete(c, "it's'; DROP TABLE x; --", &e_));
	OK(D->version_update(c, "aaa111", "bbb222", &e_));
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0], "bbb222");

	/* exactly one row must change */
	rt_dialect_error_init(&err);
	assert_int_equal(D->version_update(c, "aaa111", "ccc333", &err), RETORT_ERROR);
	assert_non_null(strstr(err.message, "aaa111"));
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(D->version_delete(c, "zzz999", &err), RETORT_ERROR);
	assert_non_null(strstr(err.message, "zzz999"));
	rt_dialect_error_free(&err);
	/* duplicate: the primary key says no */
	rt_dialect_error_init(&err);
	assert_int_equal(D->version_insert(c, "bbb222", &err), RETORT_EDB);
	assert_int_equal(err.native_code, SQLITE_CONSTRAINT_PRIMARYKEY);
	rt_dialect_error_free(&err);

	OK(D->version_delete(c, "bbb222", &e_));
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 0);

	/*
	 * The writes are prepared once and kept: they still work after one of
	 * them failed (the insert above), after the table was dropped and made
	 * again by another connection, and without the table they fail cleanly.
	 */
	OK(D->version_insert(c, "ccc333", &e_));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE alembic_version", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, alembic_master_sql, NULL, NULL, NULL), SQLITE_OK);
	OK(D->version_insert(c, "ddd444", &e_));
	OK(D->version_update(c, "ddd444", "eee555", &e_));
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0], "eee555");
	assert_int_equal(sqlite3_exec(db, "DROP TABLE alembic_version", NULL, NULL, NULL), SQLITE_OK);
	rt_dialect_error_init(&err);
	assert_int_equal(D->version_update(c, "eee555", "fff666", &err), RETORT_EDB);
	assert_non_null(strstr(err.message, "no such table"));
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(D->version_delete(c, "eee555", &err), RETORT_EDB);
	rt_dialect_error_free(&err);
	assert_int_equal(sqlite3_exec(db, alembic_master_sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	OK(D->version_insert(c, "ggg777", &e_));
	OK(D->version_delete(c, "ggg777", &e_));
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 0);
	D->destroy(c);
}

static void test_version_table_name_and_schema(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	struct rows r;
	char *out = NULL;
	(void)state;

	assert_int_equal(create_url(&c, "sqlite:///named.db", tmpdir, 1000, "My Versions", "main",
	                            &err), 0);
	rt_dialect_error_free(&err);
	OK(D->offline_sql(c, RETORT_OFFLINE_VERSION_DDL, NULL, 0, &out, &e_));
	assert_string_equal(out, "CREATE TABLE main.\"My Versions\" (\n"
	                         "    version_num VARCHAR(32) NOT NULL, \n"
	                         "    CONSTRAINT \"My Versions_pkc\" PRIMARY KEY (version_num)\n);");
	rt_free(out);
	OK(D->connect(c, &e_));
	OK(D->version_create(c, &e_));
	OK(D->version_insert(c, "r1", &e_));
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 1);
	D->destroy(c);
	assert_int_equal(db_int(tmp_path(0, "named.db"), "SELECT count(*) FROM \"My Versions\""), 1);

	/* a schema SQLite does not know is a usage error, not "no table" */
	assert_int_equal(create_url(&c, "sqlite://", tmpdir, 1000, NULL, "nosuch", &err), 0);
	rt_dialect_error_free(&err);
	OK(D->connect(c, &e_));
	assert_int_equal(read_rows(c, &r, &err), RETORT_EUSAGE);
	assert_non_null(strstr(err.message, "nosuch"));
	rt_dialect_error_free(&err);
	D->destroy(c);
}

/* ------------------------------------------------------------ engine sequences */

static void test_sequence_one_transaction_fails(void **state)
{
	const char *path = tmp_path(0, "seq1.db");
	struct retort_conn *c = open_db("sqlite:///seq1.db", 1000);
	struct retort_error err;
	struct rows r;
	(void)state;

	OK(D->lock(c, &e_));
	assert_int_equal(read_rows(c, &r, &err), RETORT_ENOTFOUND);
	rt_dialect_error_free(&err);
	OK(D->begin(c, &e_));
	OK(D->version_create(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE m1 (a);", 1, &err), 0);
	OK(D->version_insert(c, "r1", &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE m2 (a);\nINSERT INTO nope VALUES (1);", 1, &err),
	                 RETORT_EDB);
	rt_dialect_error_free(&err);
	OK(D->rollback(c, &e_));
	/* the core reads the table to explain the state after a failure */
	assert_int_equal(read_rows(c, &r, &err), RETORT_ENOTFOUND);
	rt_dialect_error_free(&err);
	OK(D->unlock(c, &e_));
	D->destroy(c);

	assert_int_equal(table_in(path, "m1"), 0);
	assert_int_equal(table_in(path, "m2"), 0);
	assert_int_equal(table_in(path, "alembic_version"), 0);
}

static void test_sequence_per_migration(void **state)
{
	const char *path = tmp_path(0, "seq2.db");
	struct retort_conn *c = open_db("sqlite:///seq2.db", 1000);
	struct retort_error err;
	struct rows r;
	(void)state;

	OK(D->lock(c, &e_));
	OK(D->begin(c, &e_));
	OK(D->version_create(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE m1 (a);", 1, &err), 0);
	OK(D->version_insert(c, "r1", &e_));
	OK(D->commit(c, &e_));
	/* committed for real while the lock is still held: another reader sees it */
	assert_int_equal(db_int(path, "SELECT count(*) FROM alembic_version "
	                        "WHERE version_num = 'r1'"), 1);
	assert_int_equal(table_in(path, "m1"), 1);

	OK(D->begin(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE m2 (a);", 1, &err), 0);
	OK(D->version_update(c, "r1", "r2", &e_));
	assert_int_equal(exec_sql(c, "SELECT * FROM nope;", 1, &err), RETORT_EDB);
	rt_dialect_error_free(&err);
	OK(D->rollback(c, &e_));
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0], "r1");
	OK(D->unlock(c, &e_));
	D->destroy(c);

	assert_int_equal(table_in(path, "m1"), 1);
	assert_int_equal(table_in(path, "m2"), 0);
	assert_int_equal(db_int(path, "SELECT count(*) FROM alembic_version"), 1);
}

static void test_sequence_nontx_script(void **state)
{
	const char *path = tmp_path(0, "seq3.db");
	struct retort_conn *c = open_db("sqlite:///seq3.db", 1000);
	struct retort_conn *other = open_db("sqlite:///seq3.db", 0);
	struct retort_error err;
	(void)state;

	OK(D->lock(c, &e_));
	OK(D->begin(c, &e_));
	OK(D->version_create(c, &e_));
	OK(D->commit(c, &e_));
	/* VACUUM refuses to run inside a transaction: this one runs outside */
	assert_int_equal(exec_sql(c, "CREATE TABLE big (a);\nVACUUM;", 1, &err), 0);
	rt_dialect_error_free(&err);
	/* ... and the lock is held again afterwards */
	rt_dialect_error_init(&err);
	assert_int_equal(D->lock(other, &err), RETORT_ELOCKED);
	rt_dialect_error_free(&err);
	OK(D->begin(c, &e_));
	OK(D->version_insert(c, "r1", &e_));
	OK(D->commit(c, &e_));
	OK(D->unlock(c, &e_));
	D->destroy(c);
	D->destroy(other);
	assert_int_equal(table_in(path, "big"), 1);
	assert_int_equal(db_int(path, "SELECT count(*) FROM alembic_version"), 1);
}

static void test_sequence_nontx_script_fails(void **state)
{
	const char *path = tmp_path(0, "seq5.db");
	struct retort_conn *c = open_db("sqlite:///seq5.db", 1000);
	struct retort_conn *other = open_db("sqlite:///seq5.db", 0);
	struct retort_error err;
	struct rows r;
	(void)state;

	OK(D->lock(c, &e_));
	OK(D->begin(c, &e_));
	OK(D->version_create(c, &e_));
	OK(D->version_insert(c, "r1", &e_));
	OK(D->commit(c, &e_));
	assert_int_equal(exec_sql(c, "CREATE TABLE n1 (a);\nINSERT INTO nope VALUES (1);", 10, &err),
	                 RETORT_EDB);
	assert_int_equal(err.stmt_index, 2);
	assert_int_equal(err.stmt_line, 11);
	rt_dialect_error_free(&err);
	/* outside a transaction, the statement before the failure stays */
	assert_int_equal(table_in(path, "n1"), 1);
	/* the lock is held again, and the version table is readable */
	rt_dialect_error_init(&err);
	assert_int_equal(D->lock(other, &err), RETORT_ELOCKED);
	rt_dialect_error_free(&err);
	assert_int_equal(read_rows(c, &r, &err), 0);
	assert_int_equal(r.n, 1);
	OK(D->unlock(c, &e_));
	OK(D->lock(other, &e_));
	OK(D->unlock(other, &e_));
	D->destroy(c);
	D->destroy(other);
}

static void test_stale_plan_detected(void **state)
{
	struct retort_conn *c = open_db("sqlite:///seq4.db", 1000);
	struct retort_error err;
	(void)state;

	OK(D->lock(c, &e_));
	OK(D->begin(c, &e_));
	OK(D->version_create(c, &e_));
	OK(D->commit(c, &e_));
	/*
	 * Stand-in for another migrator that got the write lock in the moment
	 * it was let go: the version table changed while unlocked.
	 */
	assert_int_equal(exec_sql(c, "INSERT INTO alembic_version VALUES ('elsewhere');", 1, &err),
	                 RETORT_ELOCKED);
	assert_non_null(strstr(err.message, "changed the version table"));
	rt_dialect_error_free(&err);
	OK(D->unlock(c, &e_));
	D->destroy(c);
}

/* ------------------------------------------------------------ lock */

static void test_lock_contention(void **state)
{
	struct retort_conn *a = open_db("sqlite:///lock.db", 1000);
	struct retort_conn *b = open_db("sqlite:///lock.db", 300);
	struct retort_conn *now = open_db("sqlite:///lock.db", 0);
	struct retort_error err;
	struct timeval t0;
	long waited;
	(void)state;

	OK(D->lock(a, &e_));
	gettimeofday(&t0, NULL);
	rt_dialect_error_init(&err);
	assert_int_equal(D->lock(b, &err), RETORT_ELOCKED);
	waited = ms_since(&t0);
	assert_true(waited >= 250);
	assert_true(waited < 5000);
	assert_non_null(strstr(err.message, "another retort run"));
	assert_non_null(strstr(err.message, "300 ms"));
	rt_dialect_error_free(&err);

	/* still held across a per-migration commit */
	OK(D->begin(a, &e_));
	OK(D->version_create(a, &e_));
	OK(D->commit(a, &e_));
	rt_dialect_error_init(&err);
	assert_int_equal(D->lock(now, &err), RETORT_ELOCKED);
	rt_dialect_error_free(&err);
	/* ... and across a rollback */
	OK(D->begin(a, &e_));
	OK(D->rollback(a, &e_));
	rt_dialect_error_init(&err);
	assert_int_equal(D->lock(now, &err), RETORT_ELOCKED);
	rt_dialect_error_free(&err);

	OK(D->unlock(a, &e_));
	OK(D->lock(b, &e_));
	OK(D->unlock(b, &e_));
	OK(D->unlock(b, &e_));  /* unlocking twice is harmless */
	D->destroy(a);
	D->destroy(b);
	D->destroy(now);
}

/*
 * Another process holds the lock for a while: this one waits (within its
 * timeout) and gets it once the other unlocks.
 */
static void test_lock_waits_for_other_process(void **state)
{
	int ready[2];
	pid_t pid;
	char byte;
	struct timeval t0;
	long waited;
	int status;
	struct retort_conn *c;
	(void)state;

	c = open_db("sqlite:///lock3.db", 0);
	OK(D->version_create(c, &e_));
	D->destroy(c);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct retort_error err;
		struct retort_conn *h = NULL;
		close(ready[0]);
		if (create_url(&h, "sqlite:///lock3.db", tmpdir, 0, NULL, NULL, &err) != 0 ||
		    D->connect(h, &err) != 0 || D->lock(h, &err) != 0 ||
		    D->begin(h, &err) != 0 || D->version_insert(h, "child", &err) != 0 ||
		    D->commit(h, &err) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		{
			struct timespec ts = { 0, 400L * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (D->unlock(h, &err) != 0)
			_exit(1);
		D->destroy(h);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);

	c = open_db("sqlite:///lock3.db", 10000);
	gettimeofday(&t0, NULL);
	OK(D->lock(c, &e_));
	waited = ms_since(&t0);
	assert_true(waited >= 200);
	{
		/* after the wait, the other run's work is visible: re-planning is sound */
		struct rows r;
		struct retort_error err;
		assert_int_equal(read_rows(c, &r, &err), 0);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.v[0], "child");
	}
	OK(D->unlock(c, &e_));
	D->destroy(c);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_lock_released_by_destroy(void **state)
{
	struct retort_conn *a = open_db("sqlite:///lock2.db", 0);
	struct retort_conn *b = open_db("sqlite:///lock2.db", 0);
	(void)state;
	OK(D->lock(a, &e_));
	OK(D->begin(a, &e_));
	OK(D->version_create(a, &e_));
	D->destroy(a);  /* a crash-like exit: nothing committed, lock gone */
	OK(D->lock(b, &e_));
	assert_int_equal(table_in(tmp_path(0, "lock2.db"), "alembic_version"), 0);
	OK(D->unlock(b, &e_));
	D->destroy(b);
}

/* ------------------------------------------------------------ quoting, offline, split */

static void test_quoting(void **state)
{
	char *out = NULL;
	(void)state;
	OK(D->quote_identifier(NULL, "a\"b c", &out, &e_));
	assert_string_equal(out, "\"a\"\"b c\"");
	rt_free(out);
	OK(D->quote_literal(NULL, "it's", &out, &e_));
	assert_string_equal(out, "'it''s'");
	rt_free(out);
	OK(D->quote_literal(NULL, "", &out, &e_));
	assert_string_equal(out, "''");
	rt_free(out);
}

static void test_offline_sql(void **state)
{
	struct retort_conn *c = NULL;
	struct retort_error err;
	char *out = NULL;
	(void)state;

	assert_int_equal(create_url(&c, "sqlite:///offline.db", tmpdir, 1000, NULL, NULL, &err), 0);
	rt_dialect_error_free(&err);
	/* as Alembic's script: no BEGIN/COMMIT for SQLite */
	OK(D->offline_sql(c, RETORT_OFFLINE_BEGIN, NULL, 0, &out, &e_));
	assert_string_equal(out, "");
	rt_free(out);
	OK(D->offline_sql(c, RETORT_OFFLINE_COMMIT, NULL, 0, &out, &e_));
	assert_string_equal(out, "");
	rt_free(out);
	OK(D->offline_sql(c, RETORT_OFFLINE_VERSION_DDL, NULL, 0, &out, &e_));
	assert_string_equal(out, alembic_offline_ddl);
	rt_free(out);
	OK(D->offline_sql(c, RETORT_OFFLINE_STATEMENT, "SELECT 1; trailing", 8, &out, &e_));
	assert_string_equal(out, "SELECT 1;");
	rt_free(out);
	/* a trailing line comment does not swallow the terminator */
	OK(D->offline_sql(c, RETORT_OFFLINE_STATEMENT, "SELECT 1 -- one", 15, &out, &e_));
	assert_string_equal(out, "SELECT 1 -- one\n;");
	rt_free(out);
	rt_dialect_error_init(&err);
	assert_int_equal(D->offline_sql(c, 99, NULL, 0, &out, &err), RETORT_ENOTSUPPORTED);
	rt_dialect_error_free(&err);
	D->destroy(c);
	/* offline mode never connected: no file was made */
	assert_int_not_equal(access(tmp_path(0, "offline.db"), F_OK), 0);
}

static int split_cb(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct rows *r = payload;
	if (r->n >= 8)
		return 1;
	snprintf(r->v[r->n++], sizeof(r->v[0]), "%u:%.*s", line, (int)len, stmt);
	return 0;
}

static void test_split(void **state)
{
	struct rows r;
	struct retort_error err;
	const char *sql = "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;\n"
	                  "SELECT `a;`;";
	(void)state;

	memset(&r, 0, sizeof(r));
	OK(rt_dialect_split(D, NULL, sql, strlen(sql), 3, split_cb, &r, &e_));
	assert_int_equal(r.n, 2);
	assert_string_equal(r.v[0], "3:CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END");
	assert_string_equal(r.v[1], "4:SELECT `a;`");

	rt_dialect_error_init(&err);
	assert_int_equal(rt_dialect_split(D, NULL, "SELECT 1;\n/* open", 17, 1, split_cb, &r, &err),
	                 RETORT_EUSAGE);
	assert_int_equal(err.stmt_line, 2);
	assert_non_null(strstr(err.message, "block comment"));
	rt_dialect_error_free(&err);
}

/* Run SQL on alloc.db with sqlite3 itself: the first column of the first
 * row as text (static), "" if none. */
static const char *alloc_db_query(const char *sql)
{
	static char value[256];
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	snprintf(path, sizeof(path), "%s/alloc.db", tmpdir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("cannot open %s", path);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	value[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(value, sizeof(value), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return value;
}

/* Every allocation the plugin makes can fail without a crash or a leak,
 * swept until a run needs no failure injected: create and offline SQL,
 * then a whole migration against a database file, which each run leaves
 * unchanged or completed. */
static int offline_run(void *arg)
{
	const struct rt_url *url = arg;
	struct retort_dialect_options o;
	struct retort_conn *c = NULL;
	struct retort_error err;
	char *out = NULL;
	int rc;
	memset(&o, 0, sizeof(o));
	o.struct_size = sizeof(o);
	o.version_table = "v t";
	o.version_table_schema = "main";
	o.base_dir = tmpdir;
	o.lock_timeout_ms = 1000;
	rt_dialect_error_init(&err);
	rc = D->create(&c, &url->pub, &o, &err);
	if (rc == 0) {
		rc = D->offline_sql(c, RETORT_OFFLINE_VERSION_DDL, NULL, 0, &out, &err);
		rt_free(out);
	}
	if (rc != 0 && rc != RETORT_ENOMEM)
		fail_msg("%d instead of RETORT_ENOMEM", rc);
	rt_dialect_error_free(&err);
	D->destroy(c);
	return rc;
}

static void test_allocation_failures(void **state)
{
	struct rt_url *url = NULL;
	struct rt_err e = { 0, NULL };
	struct online_sweep sw;
	(void)state;

	assert_int_equal(rt_url_parse(&url, "sqlite:///alloc.db?mode=rwc", &e), 0);
	alloc_sweep(offline_run, NULL, url);

	alloc_db_query("CREATE TABLE sweep_data (x int)");
	alloc_db_query("CREATE TABLE rt_sweep (version_num varchar(32) NOT NULL PRIMARY KEY)");
	memset(&sw, 0, sizeof(sw));
	sw.d = D;
	sw.url = url;
	sw.table = "rt_sweep";
	sw.base_dir = tmpdir;
	sw.script = "SELECT 1;\nINSERT INTO sweep_data VALUES (1);\nSELECT 'a;b';\n";
	sw.state_sql = "SELECT (SELECT count(*) FROM sweep_data) || ':' || "
	               "coalesce((SELECT group_concat(version_num) FROM rt_sweep), '')";
	sw.reset_sql[0] = "DELETE FROM sweep_data";
	sw.reset_sql[1] = "DELETE FROM rt_sweep";
	sw.query = alloc_db_query;
	alloc_sweep(online_run, online_check, &sw);
	rt_url_free(url);
}

/* ABI 1.1: query() and column_type() (tests/unit/query/query_contract.h),
 * and a write through query() outside begin() under the lock is durable. */
static void test_query(void **state)
{
	struct retort_conn *c = open_db("sqlite:///query.db", 1000);
	struct retort_error e;
	long affected = 0;
	(void)state;
	query_contract(D, c, "retort_query_test", "sqlite");

	OK(D->lock(c, &e_));
	rt_dialect_error_init(&e);
	assert_int_equal(D->query(c, "CREATE TABLE side (x BIGINT)", NULL, 0, NULL, NULL, NULL,
	                          &e), 0);
	assert_int_equal(D->query(c, "INSERT INTO side (x) VALUES (?)", (const char *[]){ "7" }, 1,
	                          NULL, NULL, &affected, &e), 0);
	assert_int_equal(affected, 1);
	rt_dialect_error_free(&e);
	assert_int_equal(db_int(tmp_path(0, "query.db"), "SELECT x FROM side"), 7);
	OK(D->unlock(c, &e_));
	D->destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_url_relative),
		cmocka_unit_test(test_url_absolute),
		cmocka_unit_test(test_url_memory),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_url_modes),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_not_connected),
		cmocka_unit_test(test_transactional_ddl),
		cmocka_unit_test(test_execute_error),
		cmocka_unit_test(test_execute_lexical_error),
		cmocka_unit_test(test_execute_trigger_and_quotes),
		cmocka_unit_test(test_script_ending_transaction),
		cmocka_unit_test(test_version_table),
		cmocka_unit_test(test_version_table_name_and_schema),
		cmocka_unit_test(test_sequence_one_transaction_fails),
		cmocka_unit_test(test_sequence_per_migration),
		cmocka_unit_test(test_sequence_nontx_script),
		cmocka_unit_test(test_sequence_nontx_script_fails),
		cmocka_unit_test(test_stale_plan_detected),
		cmocka_unit_test(test_lock_contention),
		cmocka_unit_test(test_lock_waits_for_other_process),
		cmocka_unit_test(test_lock_released_by_destroy),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_offline_sql),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests_name("sqlite plugin", tests, group_setup, group_teardown);
}
