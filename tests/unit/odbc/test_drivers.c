/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/odbc/test_drivers.c - the odbc plugin through real ODBC
 * drivers: SQLite (libsqliteodbc), PostgreSQL (psqlODBC) and MariaDB
 * (MariaDB Connector/ODBC).  Run by tests/odbc/drivers.sh, which writes
 * the odbcinst.ini/odbc.ini and sets RETORT_ODBC_<NAME>_DSN/_UID/_PWD for
 * each backend it could configure (_WHY says why one is missing: its cases
 * are skipped then, or fail when CI=true).
 *
 * Each case runs once per backend: connect (and DBMS detection), execute
 * with statement-level diagnostics, transactions, the version table,
 * the lock, flavour-specific splitting; checks are made through a second,
 * plain ODBC connection where the plugin's own view could hide a mistake.
 */
#include "config.h"
#include "odbc_test.h"
#include "../query/query_contract.h"

#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sql.h>
#include <sqlext.h>

struct backend {
	const char *label;     /* "sqlite" */
	const char *env;       /* "SQLITE": RETORT_ODBC_SQLITE_* */
	const char *flavour;   /* flavour the plugin must detect */
	unsigned caps;
	char q_open;           /* identifier quote of that flavour */
	const char *dsn, *uid, *pwd, *why;
};

static struct backend backends[] = {
	{ "sqlite", "SQLITE", "sqlite",
	  RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS | RETORT_CAP_CREATE_IF_ABSENT, '"',
	  NULL, NULL, NULL, NULL },
	{ "postgresql", "PG", "postgresql",
	  RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS |
		  RETORT_CAP_NONTX_SCRIPTS | RETORT_CAP_CREATE_IF_ABSENT, '"',
	  NULL, NULL, NULL, NULL },
	{ "mariadb", "MYSQL", "mysql",
	  RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS | RETORT_CAP_NONTX_SCRIPTS |
		  RETORT_CAP_CREATE_IF_ABSENT, '`',
	  NULL, NULL, NULL, NULL },
};

static const char *env_of(const struct backend *b, const char *what)
{
	char name[64];
	snprintf(name, sizeof(name), "RETORT_ODBC_%s_%s", b->env, what);
	return getenv(name);
}

/* Skip (or, under CI, fail) a case whose backend is not configured. */
static struct backend *need(void **state)
{
	struct backend *b = *state;
	if (!odbc_load())
		fail_msg("cannot load the odbc plugin");
	if (b->dsn)
		return b;
	if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
		fail_msg("%s: %s", b->label, b->why ? b->why : "not configured "
		         "(run through tests/odbc/drivers.sh)");
	printf("# %s: %s\n", b->label, b->why ? b->why : "not configured");
	skip();
	return NULL;
}

static struct retort_conn *open_conn(const struct backend *b, const char *table,
                                     long lock_timeout_ms)
{
	struct test_url u;
	struct retort_dialect_options o = test_opts(table, NULL, lock_timeout_ms);
	struct retort_conn *c = NULL;
	struct retort_error e;
	int rc;

	rt_dialect_error_init(&e);
	if (b->uid)
		test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", b->dsn, "uid", b->uid,
		         "pwd", b->pwd ? b->pwd : "", NULL);
	else
		test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", b->dsn, NULL);
	assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
	rc = odbc_vt->connect(c, &e);
	if (rc != 0)
		fail_msg("%s: connect: %d %s", b->label, rc, e.message ? e.message : "");
	rt_dialect_error_free(&e);
	return c;
}

static int exec(struct retort_conn *c, const char *sql, struct retort_error *e)
{
	rt_dialect_error_free(e);
	return rt_dialect_execute(odbc_vt, c, sql, strlen(sql), 1, NULL, e);
}

static void exec_ok(struct retort_conn *c, const char *sql)
{
	struct retort_error e;
	rt_dialect_error_init(&e);
	if (exec(c, sql, &e) != 0)
		fail_msg("execute(%s): %s", sql, e.message ? e.message : "?");
	rt_dialect_error_free(&e);
}

/* First column of the first row of `sql` as a number, through a separate
 * plain ODBC connection; -1 if the query fails. */
static long query_long(const struct backend *b, const char *sql)
{
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLHSTMT st = SQL_NULL_HSTMT;
	char cs[512], val[64] = "";
	SQLLEN ind = 0;
	long r = -1;

	snprintf(cs, sizeof(cs), "DSN=%s;UID=%s;PWD=%s", b->dsn, b->uid ? b->uid : "",
	         b->pwd ? b->pwd : "");
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
	                                    SQL_DRIVER_NOPROMPT)))
		goto done;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) &&
	    SQL_SUCCEEDED(SQLFetch(st)) &&
	    SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_CHAR, val, sizeof(val), &ind)) &&
	    ind != SQL_NULL_DATA)
		r = strtol(val, NULL, 10);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
done:
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return r;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* ------------------------------------------------------------ cases */

/* odbc:// without ?flavour=: the flavour comes from SQL_DBMS_NAME. */
static void t_connect_detects_flavour(void **state)
{
	struct backend *b = need(state);
	struct retort_conn *c;
	struct retort_error e;
	char *out = NULL;

	c = open_conn(b, NULL, 0);
	assert_int_equal(odbc_vt->caps(c), b->caps);
	rt_dialect_error_init(&e);
	assert_int_equal(odbc_vt->quote_identifier(c, "select", &out, &e), 0);
	assert_int_equal(out[0], b->q_open);
	rt_free(out);
	odbc_vt->destroy(c);

	/* A version table too long for the flavour found: refused by
	 * connect(), as create() refuses it when the URL names the flavour
	 * (on PostgreSQL <table>_pkc would be cut to the table's own name). */
	{
		static const char l65[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
		struct test_url u;
		struct retort_dialect_options o = test_opts(l65, NULL, 0);
		int rc;

		c = NULL;
		if (b->uid)
			test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", b->dsn, "uid",
			         b->uid, "pwd", b->pwd ? b->pwd : "", NULL);
		else
			test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", b->dsn, NULL);
		assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
		rc = odbc_vt->connect(c, &e);
		if (strcmp(b->flavour, "sqlite") == 0) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, RETORT_EUSAGE);
			assert_non_null(strstr(e.message, "version_table is 65 "));
		}
		rt_dialect_error_free(&e);
		odbc_vt->destroy(c);
	}
}

/* An explicit ?flavour= wins over what the DBMS reports (with a warning). */
static void t_flavour_param_wins(void **state)
{
	struct backend *b = need(state);
	const char *other = strcmp(b->flavour, "mysql") == 0 ? "postgresql" : "mysql";
	struct test_url u;
	struct retort_dialect_options o = test_opts(NULL, NULL, 0);
	struct retort_conn *c = NULL;
	struct retort_error e;
	char *out = NULL;

	rt_dialect_error_init(&e);
	test_url(&u, "odbc", NULL, b->uid, b->pwd, b->dsn, 0, NULL, "flavour", other, NULL);
	assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
	if (odbc_vt->connect(c, &e) != 0)
		fail_msg("connect: %s", e.message);
	assert_int_equal(odbc_vt->quote_identifier(c, "select", &out, &e), 0);
	assert_string_equal(out, strcmp(other, "mysql") == 0 ? "`select`" : "\"select\"");
	rt_free(out);
	if (strcmp(other, "mysql") == 0)
		assert_int_equal(odbc_vt->caps(c) & RETORT_CAP_TRANSACTIONAL_DDL, 0);
	else
		assert_int_not_equal(odbc_vt->caps(c) & RETORT_CAP_TRANSACTIONAL_DDL, 0);
	odbc_vt->destroy(c);
	rt_dialect_error_free(&e);
}

/* The URL's own parts: odbc://user:pw@DSN, and a wrong password. */
static void t_connect_url_forms_and_failures(void **state)
{
	struct backend *b = need(state);
	struct test_url u;
	struct retort_dialect_options o = test_opts(NULL, NULL, 0);
	struct retort_conn *c = NULL;
	struct retort_error e;
	const char *bad_pw = "Wr0ng;pw{x}";

	rt_dialect_error_init(&e);
	test_url(&u, "odbc", "odbc", b->uid, b->pwd, b->dsn, 0, NULL, NULL);
	assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
	if (odbc_vt->connect(c, &e) != 0)
		fail_msg("odbc://user:pw@DSN: %s", e.message);
	odbc_vt->destroy(c);

	/* An unknown DSN. */
	c = NULL;
	test_url(&u, "odbc", NULL, "someone", "Pa55;word", "retort_no_such_dsn", 0, NULL, NULL);
	assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
	assert_int_equal(odbc_vt->connect(c, &e), RETORT_ECONNECT);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "IM002"));
	assert_string_equal(e.sqlstate, "IM002");
	assert_null(strstr(e.message, "Pa55"));
	odbc_vt->destroy(c);
	rt_dialect_error_free(&e);

	if (!b->uid)
		return; /* SQLite has no password to get wrong */
	c = NULL;
	test_url(&u, "odbc", NULL, b->uid, bad_pw, b->dsn, 0, NULL, NULL);
	assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
	assert_int_equal(odbc_vt->connect(c, &e), RETORT_ECONNECT);
	assert_non_null(e.message);
	assert_true(e.sqlstate[0] != '\0');
	assert_null(strstr(e.message, "Wr0ng"));
	assert_null(strstr(e.message, "PWD="));
	assert_null(e.statement);
	/* The plugin still works offline with what it knows. */
	odbc_vt->destroy(c);
	rt_dialect_error_free(&e);
}

/*
 * A driver message that quotes the password (here: a table named like it)
 * reaches the caller with "***" instead, whether the password came in the
 * URL's user part or as ?pwd=.
 */
static void t_password_scrubbed(void **state)
{
	struct backend *b = need(state);
	const char *pw = b->pwd && *b->pwd ? b->pwd : "S3cretTok";
	struct test_url u;
	struct retort_dialect_options o = test_opts(NULL, NULL, 0);
	struct retort_conn *c = NULL;
	struct retort_error e;
	char sql[256];
	int form;

	rt_dialect_error_init(&e);
	snprintf(sql, sizeof(sql), "SELECT * FROM %c%s%c", b->q_open, pw,
	         b->q_open == '[' ? ']' : b->q_open);
	for (form = 0; form < 2; form++) {
		c = NULL;
		if (form == 0)
			test_url(&u, "odbc", NULL, b->uid ? b->uid : "someone", pw, b->dsn, 0, NULL,
			         NULL);
		else
			test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", b->dsn, "uid",
			         b->uid ? b->uid : "someone", "pwd", pw, NULL);
		assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
		if (odbc_vt->connect(c, &e) != 0)
			fail_msg("connect: %s", e.message);
		assert_int_equal(exec(c, sql, &e), RETORT_EDB);
		assert_non_null(e.message);
		if (strstr(e.message, pw))
			fail_msg("password in the message: %s", e.message);
		assert_non_null(strstr(e.message, "***"));
		rt_dialect_error_free(&e);
		odbc_vt->destroy(c);
	}
}

static void t_execute_errors(void **state)
{
	struct backend *b = need(state);
	struct retort_conn *c = open_conn(b, NULL, 0);
	struct retort_error e;
	const char *script =
		"CREATE TABLE odbc_t1 (id INTEGER, name VARCHAR(20));\n"
		"-- a comment; with a semicolon\n"
		"INSERT INTO odbc_t1 VALUES (1, 'a;b');\n"
		"\n"
		"INSERT INTO odbc_missing VALUES (2);\n"
		"INSERT INTO odbc_t1 VALUES (3, 'c');\n";

	rt_dialect_error_init(&e);
	exec_ok(c, "DROP TABLE IF EXISTS odbc_t1");
	assert_int_equal(rt_dialect_execute(odbc_vt, c, script, strlen(script), 20, NULL, &e),
	                 RETORT_EDB);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "odbc_missing"));
	assert_null(strchr(e.message, '\n')); /* one line, whatever the driver wrote */
	assert_true(e.sqlstate[0] != '\0');
	assert_int_equal(e.stmt_index, 3);
	assert_int_equal(e.stmt_line, 24);
	assert_non_null(e.statement);
	assert_string_equal(e.statement, "INSERT INTO odbc_missing VALUES (2)");
	if (strcmp(b->label, "mariadb") == 0)
		assert_int_equal(e.native_code, 1146);
	if (b->pwd && *b->pwd)
		assert_null(strstr(e.message, b->pwd));
	rt_dialect_error_free(&e);
	/* Statements 1 and 2 ran (autocommit), 4 did not. */
	assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_t1"), 1);
	assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_t1 WHERE name = 'a;b'"), 1);

	/* A lexical error names its line and runs nothing. */
	assert_int_equal(exec(c, "INSERT INTO odbc_t1 VALUES (5, 'x');\nSELECT 'open", &e),
	                 RETORT_EUSAGE);
	assert_int_equal(e.stmt_line, 2);
	rt_dialect_error_free(&e);
	assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_t1 WHERE id = 5"), 0);
	exec_ok(c, "DROP TABLE odbc_t1");
	odbc_vt->destroy(c);
}

static void t_transactions(void **state)
{
	struct backend *b = need(state);
	struct retort_conn *c = open_conn(b, NULL, 0);
	struct retort_error e;
	long n;

	rt_dialect_error_init(&e);
	exec_ok(c, "DROP TABLE IF EXISTS odbc_tx");
	exec_ok(c, "DROP TABLE IF EXISTS odbc_tx_ddl");
	exec_ok(c, "CREATE TABLE odbc_tx (id INTEGER)");

	assert_int_equal(odbc_vt->commit(c, &e), RETORT_ERROR); /* none open */
	rt_dialect_error_free(&e);

	assert_int_equal(odbc_vt->begin(c, &e), 0);
	exec_ok(c, "INSERT INTO odbc_tx VALUES (10)");
	assert_int_equal(odbc_vt->rollback(c, &e), 0);
	assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_tx WHERE id = 10"), 0);

	assert_int_equal(odbc_vt->begin(c, &e), 0);
	exec_ok(c, "INSERT INTO odbc_tx VALUES (11)");
	assert_int_equal(odbc_vt->commit(c, &e), 0);
	assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_tx WHERE id = 11"), 1);

	/* Autocommit is back on after commit: this row is visible at once. */
	exec_ok(c, "INSERT INTO odbc_tx VALUES (12)");
	assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_tx WHERE id = 12"), 1);

	/* DDL rolls back exactly where the caps say it does. */
	assert_int_equal(odbc_vt->begin(c, &e), 0);
	exec_ok(c, "CREATE TABLE odbc_tx_ddl (id INTEGER)");
	assert_int_equal(odbc_vt->rollback(c, &e), 0);
	n = query_long(b, "SELECT COUNT(*) FROM odbc_tx_ddl");
	if (odbc_vt->caps(c) & RETORT_CAP_TRANSACTIONAL_DDL)
		assert_int_equal(n, -1);
	else
		assert_int_equal(n, 0);
	exec_ok(c, "DROP TABLE IF EXISTS odbc_tx_ddl");
	exec_ok(c, "DROP TABLE odbc_tx");
	rt_dialect_error_free(&e);
	odbc_vt->destroy(c);
}

struct rows {
	char v[4][40];
	int n;
};

static int collect_row(const char *version_num, void *payload)
{
	struct rows *r = payload;
	if (r->n < 4)
		snprintf(r->v[r->n], sizeof(r->v[0]), "%s", version_num);
	r->n++;
	return 0;
}

static int read_rows(struct retort_conn *c, struct rows *r)
{
	struct retort_error e;
	int rc;
	rt_dialect_error_init(&e);
	memset(r, 0, sizeof(*r));
	rc = odbc_vt->version_read(c, collect_row, r, &e);
	rt_dialect_error_free(&e);
	return rc;
}

static void t_version_table(void **state)
{
	struct backend *b = need(state);
	/* A name that needs quoting, so quoting is exercised online. */
	struct retort_conn *c = open_conn(b, "Retort Versions", 0);
	struct retort_error e;
	struct rows r;
	char drop[128];

	rt_dialect_error_init(&e);
	snprintf(drop, sizeof(drop), "DROP TABLE IF EXISTS %cRetort Versions%c", b->q_open,
	         b->q_open);
	exec_ok(c, drop);

	assert_int_equal(read_rows(c, &r), RETORT_ENOTFOUND);
	assert_int_equal(odbc_vt->version_create(c, &e), 0);
	/* Probing for the absent table left nothing in the error object. */
	assert_null(e.message);
	assert_string_equal(e.sqlstate, "");
	assert_int_equal(odbc_vt->version_create(c, &e), 0); /* exists: no-op */
	assert_int_equal(read_rows(c, &r), 0);
	assert_int_equal(r.n, 0);

	assert_int_equal(odbc_vt->version_insert(c, "aaaaaaaaaaaa", &e), 0);
	assert_int_equal(odbc_vt->version_insert(c, "b'b\\bbbbbbbbb", &e), 0);
	assert_int_equal(read_rows(c, &r), 0);
	assert_int_equal(r.n, 2);
	assert_true((strcmp(r.v[0], "aaaaaaaaaaaa") == 0 && strcmp(r.v[1], "b'b\\bbbbbbbbb") == 0) ||
	            (strcmp(r.v[1], "aaaaaaaaaaaa") == 0 && strcmp(r.v[0], "b'b\\bbbbbbbbb") == 0));

	assert_int_equal(odbc_vt->version_update(c, "aaaaaaaaaaaa", "cccccccccccc", &e), 0);
	assert_int_equal(odbc_vt->version_update(c, "aaaaaaaaaaaa", "dddddddddddd", &e),
	                 RETORT_ERROR);
	assert_non_null(strstr(e.message, "0 rows"));
	rt_dialect_error_free(&e);
	assert_int_equal(odbc_vt->version_delete(c, "b'b\\bbbbbbbbb", &e), 0);
	assert_int_equal(odbc_vt->version_delete(c, "b'b\\bbbbbbbbb", &e), RETORT_ERROR);
	rt_dialect_error_free(&e);
	assert_int_equal(read_rows(c, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0], "cccccccccccc");

	/* Version rows follow the transaction. */
	assert_int_equal(odbc_vt->begin(c, &e), 0);
	assert_int_equal(odbc_vt->version_insert(c, "eeeeeeeeeeee", &e), 0);
	assert_int_equal(odbc_vt->rollback(c, &e), 0);
	assert_int_equal(read_rows(c, &r), 0);
	assert_int_equal(r.n, 1);

	exec_ok(c, drop);
	odbc_vt->destroy(c);

	/* Looking for an absent table inside a transaction leaves the
	 * transaction usable (PostgreSQL would abort it on a failed SELECT). */
	c = open_conn(b, "odbc_absent_versions", 0);
	assert_int_equal(odbc_vt->begin(c, &e), 0);
	assert_int_equal(read_rows(c, &r), RETORT_ENOTFOUND);
	exec_ok(c, "SELECT 1");
	assert_int_equal(odbc_vt->rollback(c, &e), 0);
	rt_dialect_error_free(&e);
	odbc_vt->destroy(c);
}

static void t_lock(void **state)
{
	struct backend *b = need(state);
	struct retort_conn *a = open_conn(b, "odbc_lock_versions", 5000);
	struct retort_conn *w = open_conn(b, "odbc_lock_versions", 300);
	struct retort_conn *other = open_conn(b, "odbc_other_versions", 0);
	struct retort_error e;
	long t0, waited;

	rt_dialect_error_init(&e);
	assert_int_equal(odbc_vt->lock(a, &e), 0);
	/* Another version table has another lock. */
	assert_int_equal(odbc_vt->lock(other, &e), 0);
	assert_int_equal(odbc_vt->unlock(other, &e), 0);

	t0 = now_ms();
	assert_int_equal(odbc_vt->lock(w, &e), RETORT_ELOCKED);
	assert_true(now_ms() - t0 >= 250);
	assert_non_null(strstr(e.message, "lock"));
	if (!(b->caps & RETORT_CAP_ADVISORY_LOCK)) {
		/* The lock row: the message names the holder and the way out. */
		assert_non_null(strstr(e.message, "DELETE FROM retort_lock WHERE lock_name = '"));
		assert_non_null(strstr(e.message, "held by "));
	}
	rt_dialect_error_free(&e);

	assert_int_equal(odbc_vt->unlock(a, &e), 0);
	assert_int_equal(odbc_vt->lock(w, &e), 0);
	assert_int_equal(odbc_vt->unlock(w, &e), 0);

	/* destroy() releases a lock still held. */
	assert_int_equal(odbc_vt->lock(a, &e), 0);
	odbc_vt->destroy(a);
	a = open_conn(b, "odbc_lock_versions", 5000);
	assert_int_equal(odbc_vt->lock(w, &e), 0);
	assert_int_equal(odbc_vt->unlock(w, &e), 0);

	if (!(b->caps & RETORT_CAP_ADVISORY_LOCK)) {
		char host[256], sql[512];
		pid_t dead = fork();
		if (dead == 0)
			_exit(0);
		assert_true(dead > 0);
		waitpid(dead, NULL, 0);
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = '\0';

		/* A row left by a process of this host that is gone: taken over. */
		assert_int_equal(odbc_vt->lock(a, &e), 0);
		snprintf(sql, sizeof(sql), "UPDATE retort_lock SET holder = '%s:%ld'", host,
		         (long)dead);
		exec_ok(w, sql);
		assert_int_equal(odbc_vt->lock(w, &e), 0);
		/* The refused INSERT before the takeover is not an error. */
		assert_null(e.message);
		assert_int_equal(odbc_vt->unlock(w, &e), 0);
		assert_int_equal(query_long(b, "SELECT COUNT(*) FROM retort_lock"), 0);
		/* a's row was taken over: unlocking deletes nothing and is no error. */
		assert_int_equal(odbc_vt->unlock(a, &e), 0);

		/* A row from another host is never taken over. */
		assert_int_equal(odbc_vt->lock(a, &e), 0);
		exec_ok(w, "UPDATE retort_lock SET holder = 'elsewhere.example:1'");
		assert_int_equal(odbc_vt->lock(w, &e), RETORT_ELOCKED);
		assert_non_null(strstr(e.message, "held by elsewhere.example:1 since "));
		rt_dialect_error_free(&e);
		exec_ok(w, "DELETE FROM retort_lock");
		assert_int_equal(odbc_vt->unlock(a, &e), 0);
	}

	/*
	 * The holder's migration has a write transaction open (on SQLite the
	 * whole file is locked for writing, the lock row's table with it): the
	 * waiter still gives up at its lock timeout, with the lock's error,
	 * rather than waiting in the driver for the transaction to end.
	 */
	exec_ok(a, "DROP TABLE IF EXISTS odbc_lock_busy");
	exec_ok(a, "CREATE TABLE odbc_lock_busy (id INTEGER)");
	assert_int_equal(odbc_vt->lock(a, &e), 0);
	assert_int_equal(odbc_vt->begin(a, &e), 0);
	exec_ok(a, "INSERT INTO odbc_lock_busy VALUES (1)");
	t0 = now_ms();
	assert_int_equal(odbc_vt->lock(w, &e), RETORT_ELOCKED);
	waited = now_ms() - t0;
	if (waited < 250 || waited > 3000)
		fail_msg("%s: waited %ld ms for a 300 ms lock timeout", b->label, waited);
	if (!(b->caps & RETORT_CAP_ADVISORY_LOCK))
		assert_non_null(strstr(e.message, "held by "));
	rt_dialect_error_free(&e);
	assert_int_equal(odbc_vt->rollback(a, &e), 0);
	assert_int_equal(odbc_vt->unlock(a, &e), 0);

	/* A write transaction alone, no lock held: on SQLite the lock row
	 * cannot be written until it ends, so the waiter times out saying so;
	 * a server's lock does not care. */
	assert_int_equal(odbc_vt->begin(a, &e), 0);
	exec_ok(a, "INSERT INTO odbc_lock_busy VALUES (2)");
	t0 = now_ms();
	if (!(b->caps & RETORT_CAP_ADVISORY_LOCK)) {
		assert_int_equal(odbc_vt->lock(w, &e), RETORT_ELOCKED);
		waited = now_ms() - t0;
		if (waited < 250 || waited > 3000)
			fail_msg("%s: waited %ld ms for a 300 ms lock timeout", b->label, waited);
		assert_non_null(strstr(e.message, "write transaction"));
		rt_dialect_error_free(&e);
	} else {
		assert_int_equal(odbc_vt->lock(w, &e), 0);
		assert_int_equal(odbc_vt->unlock(w, &e), 0);
	}
	assert_int_equal(odbc_vt->rollback(a, &e), 0);
	/* Once the transaction is over the lock is free again. */
	assert_int_equal(odbc_vt->lock(w, &e), 0);
	assert_int_equal(odbc_vt->unlock(w, &e), 0);
	exec_ok(a, "DROP TABLE odbc_lock_busy");

	rt_dialect_error_free(&e);
	odbc_vt->destroy(a);
	odbc_vt->destroy(w);
	odbc_vt->destroy(other);
}

/* Each flavour's own statement syntax survives splitting and runs. */
static void t_flavour_scripts(void **state)
{
	struct backend *b = need(state);
	struct retort_conn *c = open_conn(b, NULL, 0);

	if (strcmp(b->flavour, "postgresql") == 0) {
		exec_ok(c, "DROP FUNCTION IF EXISTS odbc_f();\n"
		           "CREATE FUNCTION odbc_f() RETURNS integer AS $body$\n"
		           "BEGIN\n  RETURN 42; -- a; semicolon\nEND;\n$body$ LANGUAGE plpgsql;\n"
		           "DO $$ BEGIN PERFORM odbc_f(); END $$;\n");
		assert_int_equal(query_long(b, "SELECT odbc_f()"), 42);
		exec_ok(c, "DROP FUNCTION odbc_f()");
	} else if (strcmp(b->flavour, "mysql") == 0) {
		exec_ok(c, "DROP PROCEDURE IF EXISTS odbc_p;\n"
		           "DELIMITER //\n"
		           "CREATE PROCEDURE odbc_p(OUT r INT)\nBEGIN\n  SET r = 42;\n  SELECT 1;\nEND//\n"
		           "DELIMITER ;\n"
		           "# a hash comment;\n"
		           "SET @x = 0;\n");
		assert_int_equal(query_long(b, "SELECT COUNT(*) FROM information_schema.routines "
		                               "WHERE routine_name = 'odbc_p'"), 1);
		exec_ok(c, "DROP PROCEDURE odbc_p");
	} else {
		exec_ok(c, "DROP TABLE IF EXISTS odbc_trg;\n"
		           "CREATE TABLE odbc_trg (id INTEGER, n INTEGER);\n"
		           "CREATE TRIGGER odbc_trg_ai AFTER INSERT ON odbc_trg BEGIN\n"
		           "  UPDATE odbc_trg SET n = 42 WHERE id = NEW.id;\nEND;\n"
		           "INSERT INTO odbc_trg (id) VALUES (1);\n");
		assert_int_equal(query_long(b, "SELECT n FROM odbc_trg WHERE id = 1"), 42);
		exec_ok(c, "DROP TABLE odbc_trg");
	}
	odbc_vt->destroy(c);
}

/*
 * A URL parameter whose value holds ';' must reach the driver as one value
 * (braced), never as extra keywords.  How far a driver honours braces
 * differs: psqlODBC for any keyword, MariaDB's for the keywords it knows,
 * SQLite's not at all (so there a value with a blank, which needs none).
 */
static void t_connection_string_braces(void **state)
{
	struct backend *b = need(state);
	const char *dir = getenv("RETORT_ODBC_TEST_DIR");
	const char *driver = env_of(b, "DRIVER");
	char sub[1024], path[1100];
	struct test_url u;
	struct retort_dialect_options o = test_opts(NULL, NULL, 0);
	struct retort_conn *c = NULL;
	struct retort_error e;
	struct stat sb;

	rt_dialect_error_init(&e);
	if (strcmp(b->flavour, "sqlite") == 0) {
		assert_non_null(dir);
		assert_non_null(driver);
		snprintf(sub, sizeof(sub), "%s/with blank", dir);
		snprintf(path, sizeof(path), "%s/x.db", sub);
		mkdir(sub, 0700);
		test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "driver", driver,
		         "database", path, NULL);
	} else if (strcmp(b->flavour, "postgresql") == 0) {
		/* Unbraced, this would connect to a database that is not there. */
		test_url(&u, "odbc", NULL, b->uid, b->pwd, b->dsn, 0, NULL,
		         "retort_ignored", "x;Database=retort_no_such_db", NULL);
	} else {
		test_url(&u, "odbc", NULL, b->uid, b->pwd, b->dsn, 0, NULL,
		         "InitStmt", "SET @odbc_x = 'a;b}'", NULL);
	}
	assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
	if (odbc_vt->connect(c, &e) != 0)
		fail_msg("connect with a braced value: %s", e.message);
	if (strcmp(b->flavour, "sqlite") == 0) {
		exec_ok(c, "CREATE TABLE braced (id INTEGER)");
		assert_int_equal(stat(path, &sb), 0);
	} else if (strcmp(b->flavour, "mysql") == 0) {
		exec_ok(c, "DROP TABLE IF EXISTS odbc_init;\n"
		           "CREATE TABLE odbc_init AS SELECT @odbc_x AS v;");
		assert_int_equal(query_long(b, "SELECT COUNT(*) FROM odbc_init WHERE v = 'a;b}'"), 1);
		exec_ok(c, "DROP TABLE odbc_init");
	}
	odbc_vt->destroy(c);
	rt_dialect_error_free(&e);
}

/* ------------------------------------------------------------ main */

#define CASE(fn, i) { #fn, fn, NULL, NULL, &backends[i] }

/* ABI 1.1: query() and column_type() (tests/unit/query/query_contract.h). */
static void t_query(void **state)
{
	struct backend *b = need(state);
	struct retort_conn *c = open_conn(b, "retort_qv", 1000);
	char label[64];
	snprintf(label, sizeof(label), "odbc %s", b->label);
	query_contract(odbc_vt, c, "retort_query_test", label);
	odbc_vt->destroy(c);
}

int main(void)
{
	struct CMUnitTest tests[3 * 11];
	static const struct { const char *name; CMUnitTestFunction fn; } cases[] = {
		{ "connect detects the flavour", t_connect_detects_flavour },
		{ "?flavour= wins over the DBMS name", t_flavour_param_wins },
		{ "URL forms and connect failures", t_connect_url_forms_and_failures },
		{ "execute and statement errors", t_execute_errors },
		{ "password scrubbed from messages", t_password_scrubbed },
		{ "transactions", t_transactions },
		{ "version table", t_version_table },
		{ "lock", t_lock },
		{ "flavour scripts", t_flavour_scripts },
		{ "connection string braces", t_connection_string_braces },
		{ "query and column_type", t_query },
	};
	static char names[3 * 11][96];
	size_t i, j, n = 0;

	for (i = 0; i < 3; i++) {
		struct backend *b = &backends[i];
		b->dsn = env_of(b, "DSN");
		b->uid = env_of(b, "UID");
		b->pwd = env_of(b, "PWD");
		b->why = env_of(b, "WHY");
		for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
			snprintf(names[n], sizeof(names[n]), "%s: %s", b->label, cases[j].name);
			tests[n].name = names[n];
			tests[n].test_func = cases[j].fn;
			tests[n].setup_func = NULL;
			tests[n].teardown_func = NULL;
			tests[n].initial_state = b;
			n++;
		}
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("odbc_drivers", tests, n, NULL, NULL);
}
