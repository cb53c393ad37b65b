/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/pg/test_pg.c - the postgresql dialect plugin against a real
 * server ($RETORT_TEST_PG_URL, started by tests/servers.sh).
 *
 * Every vtable member is exercised.  Each run works in its own schema
 * (rt_<pid>_<n>, reached through the URL's ?options=-csearch_path=...,
 * which also proves libpq parameters pass through), so runs against one
 * server do not see each other.  A second libpq connection ("direct")
 * inspects what the plugin did.
 */
#include "harness.h"
#include "../query/query_contract.h"

#include <libpq-fe.h>

static char schema[64];
static char search_path_query[128];
static PGconn *direct;

/* Open the server URL in our schema. */
static void pg_open(struct opened *o, const char *table, const char *vschema, long timeout_ms)
{
	must_open(o, NULL, search_path_query, table, vschema, timeout_ms);
}

/* Run SQL on the direct connection; return the first value (static copy). */
static const char *q(const char *sql)
{
	static char value[256];
	PGresult *res = PQexec(direct, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		fprintf(stderr, "# direct: %s: %s", sql, PQerrorMessage(direct));
		PQclear(res);
		fail();
	}
	value[0] = '\0';
	if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		snprintf(value, sizeof(value), "%s", PQgetvalue(res, 0, 0));
	else if (st == PGRES_TUPLES_OK)
		snprintf(value, sizeof(value), "<null>");
	PQclear(res);
	return value;
}

static int group_setup(void **state)
{
	const char *keys[] = { "dbname", "options", NULL };
	const char *vals[3];
	char opt[128];
	(void)state;
	if (harness_setup("postgresql", "retort_postgresql", "RETORT_TEST_PG_URL") < 0)
		return -1;
	if (server_missing)
		return 0;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(schema, sizeof(schema), "rt_%ld_%d", (long)getpid(), rand() % 100000);
	snprintf(search_path_query, sizeof(search_path_query), "options=-csearch_path%%3D%s",
	         schema);
	snprintf(opt, sizeof(opt), "-csearch_path=%s -cclient_min_messages=warning", schema);
	vals[0] = getenv("RETORT_TEST_PG_URL");
	vals[1] = opt;
	vals[2] = NULL;
	direct = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(direct) != CONNECTION_OK) {
		fprintf(stderr, "# direct connection failed: %s", PQerrorMessage(direct));
		return -1;
	}
	{
		char sql[128];
		PGresult *res;
		snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
		res = PQexec(direct, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "# %s: %s", sql, PQerrorMessage(direct));
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (direct) {
		char sql[256];
		PGresult *res;
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; "
		         "DROP SCHEMA IF EXISTS \"Retort %s\" CASCADE", schema, schema);
		res = PQexec(direct, sql);
		PQclear(res);
		PQfinish(direct);
	}
	rt_url_free(base_url);
	if (dialect && dialect->global_shutdown)
		dialect->global_shutdown();
	return 0;
}

/* ------------------------------------------------------------ tests */

static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(dialect->abi_major, RETORT_DIALECT_ABI_MAJOR);
	assert_true(dialect->struct_size >= sizeof(struct retort_dialect));
	assert_string_equal(dialect->name, "postgresql");
	assert_string_equal(dialect->schemes[0], "postgresql");
	assert_string_equal(dialect->schemes[1], "postgres");
	assert_null(dialect->schemes[2]);
}

static void test_connect_with_password(void **state)
{
	struct opened o;
	unsigned caps;
	(void)state;
	NEED_SERVER();
	assert_non_null(base_url->pub.password);
	pg_open(&o, NULL, NULL, 1000);
	caps = dialect->caps(o.conn);
	assert_int_equal(caps, RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
	                               RETORT_CAP_SCHEMAS | RETORT_CAP_NONTX_SCRIPTS |
	                               RETORT_CAP_CREATE_IF_ABSENT);
	must_exec(&o, "SELECT 1");
	/* connect() twice is harmless. */
	{
		struct retort_error err;
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->connect(o.conn, &err), 0);
		rt_dialect_error_free(&err);
	}
	close_conn(&o);
}

static void test_connect_wrong_password(void **state)
{
	struct opened o;
	struct retort_error err;
	char *u;
	(void)state;
	NEED_SERVER();
	u = make_url(NULL, "Wrong-Pw-4711", NULL, "connect_timeout=5");
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
	assert_non_null(err.message);
	assert_non_null(strstr(err.message, "password authentication failed"));
	check_no_secret(&err, "Wrong-Pw-4711");
	assert_null(strchr(err.message, '\n'));
	rt_dialect_error_free(&err);
	close_conn(&o);
	rt_free(u);
}

/* No password in the URL: libpq's PGPASSWORD applies; without it, none. */
static void test_pgpassword_fallback(void **state)
{
	struct opened o;
	struct retort_error err;
	char *u;
	(void)state;
	NEED_SERVER();
	u = make_url(NULL, "", NULL, search_path_query);
	setenv("PGPASSFILE", "/nonexistent/retort-pgpass", 1);
	unsetenv("PGPASSWORD");
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
	rt_dialect_error_free(&err);
	close_conn(&o);

	setenv("PGPASSWORD", server_password(), 1);
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), 0);
	rt_dialect_error_free(&err);
	must_exec(&o, "SELECT 1");
	close_conn(&o);
	unsetenv("PGPASSWORD");
	unsetenv("PGPASSFILE");
	rt_free(u);
}

/* ~/.pgpass (here PGPASSFILE) supplies the password the URL leaves out. */
static void test_pgpass_fallback(void **state)
{
	struct opened o;
	struct retort_error err;
	char path[] = "/tmp/retort-test-pgpass-XXXXXX";
	const struct retort_url *b = &base_url->pub;
	char *u;
	FILE *f;
	int fd;
	(void)state;
	NEED_SERVER();
	fd = mkstemp(path); /* mode 0600, as libpq insists */
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "%s:%u:*:%s:%s\n", b->host ? b->host : "localhost", b->port ? b->port : 5432,
	        b->user, server_password());
	fclose(f);
	unsetenv("PGPASSWORD");
	setenv("PGPASSFILE", path, 1);
	u = make_url(NULL, "", NULL, search_path_query);
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), 0);
	rt_dialect_error_free(&err);
	must_exec(&o, "SELECT 1");
	close_conn(&o);
	rt_free(u);
	unsetenv("PGPASSFILE");
	unlink(path);
}

/* A URL with no host, port, user or password: all from libpq's PG* vars. */
static void test_pg_environment(void **state)
{
	struct opened o;
	struct retort_error err;
	const struct retort_url *b = &base_url->pub;
	char port[16], *u;
	(void)state;
	NEED_SERVER();
	snprintf(port, sizeof(port), "%u", b->port ? b->port : 5432);
	setenv("PGHOST", b->host ? b->host : "localhost", 1);
	setenv("PGPORT", port, 1);
	setenv("PGUSER", b->user, 1);
	setenv("PGPASSWORD", server_password(), 1);
	u = rt_sprintf("postgresql:///%s?%s", b->database, search_path_query);
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), 0);
	rt_dialect_error_free(&err);
	must_exec(&o, "SELECT 1");
	close_conn(&o);
	rt_free(u);
	unsetenv("PGHOST");
	unsetenv("PGPORT");
	unsetenv("PGUSER");
	unsetenv("PGPASSWORD");
}

/*
 * ?key=value reaches libpq: application_name, connect_timeout, sslmode and
 * options (the search_path) are visible in the session.  The version
 * table serves as the read-back channel.
 */
static void test_url_params_passthrough(void **state)
{
	struct opened o;
	struct retort_error err;
	char query[256];
	char *u;
	(void)state;
	NEED_SERVER();
	snprintf(query, sizeof(query), "%s&application_name=retort-param-test&connect_timeout=7&"
	         "sslmode=disable", search_path_query);
	pg_open(&o, "rt_params", NULL, 0);
	close_conn(&o);
	u = make_url(NULL, NULL, NULL, query);
	assert_int_equal(open_conn(&o, u, "rt_params", NULL, 0, &err), 0);
	rt_dialect_error_free(&err);
	rt_free(u);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	must_exec(&o, "INSERT INTO rt_params SELECT current_setting('application_name');\n"
	              "INSERT INTO rt_params SELECT current_schema()");
	{
		char want[128];
		snprintf(want, sizeof(want), "retort-param-test,%s", schema);
		assert_versions(&o, want);
	}
	close_conn(&o);

	/* sslmode=verify-full with a missing root certificate: libpq refuses
	 * whether or not the server speaks TLS. */
	u = make_url(NULL, NULL, NULL, "sslmode=verify-full&sslrootcert=/nonexistent/root.crt");
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
	assert_true(strstr(err.message, "SSL") || strstr(err.message, "root.crt"));
	rt_dialect_error_free(&err);
	close_conn(&o);
	rt_free(u);

	/* An unknown key is refused before any I/O, naming the key. */
	u = make_url(NULL, NULL, NULL, "sslmdoe=require");
	{
		struct rt_url *url = NULL;
		struct rt_err e = { 0, NULL };
		struct retort_conn *c = NULL;
		struct retort_dialect_options opts;
		memset(&opts, 0, sizeof(opts));
		opts.struct_size = sizeof(opts);
		opts.version_table = "alembic_version";
		assert_int_equal(rt_url_parse(&url, u, &e), 0);
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->create(&c, &url->pub, &opts, &err), RETORT_EUSAGE);
		assert_null(c);
		assert_non_null(strstr(err.message, "'sslmdoe'"));
		check_no_secret(&err, NULL);
		rt_dialect_error_free(&err);
		rt_url_free(url);
	}
	rt_free(u);
}

/*
 * ?host=/socket/dir overrides the URL's host: libpq then connects through
 * the Unix socket (the servers.sh PostgreSQL has one; skipped elsewhere).
 */
static void test_unix_socket_host_param(void **state)
{
	struct opened o;
	struct retort_error err;
	const char *dir = getenv("RETORT_SERVERS_DIR");
	char *sockdir, *sock, *query, *u;
	(void)state;
	NEED_SERVER();
	if (!dir)
		return;
	sockdir = rt_sprintf("%s/pg/run", dir);
	sock = rt_sprintf("%s/.s.PGSQL.%u", sockdir, base_url->pub.port);
	if (access(sock, F_OK) == 0) {
		query = rt_sprintf("host=%s&%s", sockdir, search_path_query);
		u = make_url(NULL, NULL, NULL, query);
		assert_int_equal(open_conn(&o, u, "rt_sock", NULL, 0, &err), 0);
		rt_dialect_error_free(&err);
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->version_create(o.conn, &err), 0);
		rt_dialect_error_free(&err);
		/* inet_server_addr() is NULL on a Unix socket. */
		must_exec(&o, "INSERT INTO rt_sock SELECT coalesce(host(inet_server_addr()), 'unix')");
		assert_versions(&o, "unix");
		close_conn(&o);
		rt_free(u);
		rt_free(query);
	}
	rt_free(sock);
	rt_free(sockdir);
}

static void test_transactional_rollback(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	pg_open(&o, "rt_txv", NULL, 0);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->begin(o.conn, &err), 0);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	must_exec(&o, "CREATE TABLE rt_tx (id int);\nINSERT INTO rt_tx VALUES (1);");
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), 0);
	assert_versions(&o, "aaaa00000001");
	assert_int_equal(dialect->rollback(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	assert_string_equal(q("SELECT to_regclass('rt_tx') IS NULL"), "t");
	assert_versions(&o, "<none>");

	/* And a commit keeps both. */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->begin(o.conn, &err), 0);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	must_exec(&o, "CREATE TABLE rt_tx (id int)");
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), 0);
	assert_int_equal(dialect->commit(o.conn, &err), 0);
	assert_string_equal(q("SELECT to_regclass('rt_tx') IS NOT NULL"), "t");
	assert_string_equal(q("SELECT version_num FROM rt_txv"), "aaaa00000001");

	/* COMMIT of a failed transaction is an error, not a silent rollback. */
	assert_int_equal(dialect->begin(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	assert_int_equal(exec_sql(&o, "SELECT 1/0", 1, &err), RETORT_EDB);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_not_equal(dialect->commit(o.conn, &err), 0);
	assert_non_null(err.message);
	rt_dialect_error_free(&err);
	close_conn(&o);
}

static void test_execute_error(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	pg_open(&o, NULL, NULL, 0);
	assert_int_equal(exec_sql(&o,
	                          "SELECT 1;\n"
	                          "-- a comment; with a semicolon\n"
	                          "SELECT 'x;y';\n"
	                          "\n"
	                          "SELECT *\n"
	                          "  FROM no_such_table_here;\n"
	                          "SELECT 4;\n",
	                          10, &err),
	                 RETORT_EDB);
	assert_string_equal(err.sqlstate, "42P01");
	assert_int_equal(err.stmt_index, 3);
	assert_int_equal(err.stmt_line, 14);
	assert_non_null(err.statement);
	assert_string_equal(err.statement, "SELECT *\n  FROM no_such_table_here");
	assert_non_null(strstr(err.message, "no_such_table_here"));
	/* The error position is translated to a file line. */
	assert_non_null(strstr(err.message, "line 15"));
	assert_null(strchr(err.message, '\n'));
	rt_dialect_error_free(&err);

	/* A syntax error. */
	assert_int_equal(exec_sql(&o, "SELEC 1", 1, &err), RETORT_EDB);
	assert_string_equal(err.sqlstate, "42601");
	assert_int_equal(err.stmt_index, 1);
	assert_int_equal(err.stmt_line, 1);
	rt_dialect_error_free(&err);

	/* An unterminated dollar quote is a script error naming its line. */
	assert_int_equal(exec_sql(&o, "SELECT 1;\nSELECT $$never closed;\n", 3, &err),
	                 RETORT_EUSAGE);
	assert_int_equal(err.stmt_line, 4);
	assert_non_null(err.message);
	rt_dialect_error_free(&err);

	/* A statement that quotes the password is masked in messages. */
	{
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT nosuchfunc('%s')", server_password());
		assert_int_equal(exec_sql(&o, sql, 1, &err), RETORT_EDB);
		assert_string_equal(err.sqlstate, "42883");
		rt_dialect_error_free(&err);
	}
	close_conn(&o);
}

static void test_dollar_quoted_function(void **state)
{
	struct opened o;
	(void)state;
	NEED_SERVER();
	pg_open(&o, NULL, NULL, 0);
	must_exec(&o,
	          "CREATE FUNCTION rt_add(a int, b int) RETURNS int AS $$\n"
	          "BEGIN\n"
	          "  -- a ; inside the body\n"
	          "  RETURN a + b;\n"
	          "END;\n"
	          "$$ LANGUAGE plpgsql;\n"
	          "CREATE FUNCTION rt_txt() RETURNS text AS $body$\n"
	          "  SELECT 'semi;colon $$ not the end'::text;\n"
	          "$body$ LANGUAGE sql;\n"
	          "/* nested /* comment; */ still comment; */\n"
	          "CREATE TABLE rt_fn AS SELECT rt_add(2, 3) AS v, rt_txt() AS t;\n");
	assert_string_equal(q("SELECT v FROM rt_fn"), "5");
	assert_string_equal(q("SELECT t FROM rt_fn"), "semi;colon $$ not the end");
	close_conn(&o);
}

static void test_create_index_concurrently(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	pg_open(&o, NULL, NULL, 0);
	/* Inside a transaction the server refuses (25001)... */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->begin(o.conn, &err), 0);
	must_exec(&o, "CREATE TABLE rt_conc (id int)");
	assert_int_equal(exec_sql(&o, "CREATE INDEX CONCURRENTLY rt_conc_i ON rt_conc (id)", 1, &err),
	                 RETORT_EDB);
	assert_string_equal(err.sqlstate, "25001");
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->rollback(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	/* ...outside (a `-- retort:transaction off` script) it works. */
	must_exec(&o, "CREATE TABLE rt_conc (id int);\n"
	              "CREATE INDEX CONCURRENTLY rt_conc_i ON rt_conc (id);\n");
	assert_string_equal(q("SELECT to_regclass('rt_conc_i') IS NOT NULL"), "t");
	close_conn(&o);
}

static void test_version_crud(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	pg_open(&o, NULL, NULL, 0);
	assert_versions(&o, "<none>");
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	assert_int_equal(dialect->version_create(o.conn, &err), 0); /* idempotent */
	assert_versions(&o, "");
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), 0);
	assert_int_equal(dialect->version_insert(o.conn, "bbbb00000002", &err), 0);
	assert_versions(&o, "aaaa00000001,bbbb00000002");
	/* Duplicate: the primary key refuses. */
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), RETORT_EDB);
	assert_string_equal(err.sqlstate, "23505");
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_update(o.conn, "aaaa00000001", "cccc00000003", &err), 0);
	assert_versions(&o, "bbbb00000002,cccc00000003");
	assert_int_equal(dialect->version_update(o.conn, "dddd", "eeee", &err), RETORT_ERROR);
	assert_non_null(strstr(err.message, "expected to match one row"));
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_delete(o.conn, "cccc00000003", &err), 0);
	assert_int_equal(dialect->version_delete(o.conn, "cccc00000003", &err), RETORT_ERROR);
	assert_non_null(strstr(err.message, "expected to match one row"));
	rt_dialect_error_free(&err);
	assert_versions(&o, "bbbb00000002");
	/* Alembic's table: the primary key constraint is alembic_version_pkc. */
	assert_string_equal(q("SELECT conname FROM pg_constraint WHERE conrelid = "
	                      "to_regclass('alembic_version')"),
	                    "alembic_version_pkc");
	assert_string_equal(q("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
	                      "attrelid = to_regclass('alembic_version') AND attname = "
	                      "'version_num'"),
	                    "character varying(32)");
	/* A value with quotes is bound, not pasted. */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_insert(o.conn, "x'); DROP TABLE t; --", &err),
	                 0);
	rt_dialect_error_free(&err);
	assert_versions(&o, "bbbb00000002,x'); DROP TABLE t; --");
	close_conn(&o);
}

/* version_table_schema: a schema that needs quoting, a reserved table name. */
static void test_version_table_schema(void **state)
{
	struct opened o;
	struct retort_error err;
	char vschema[96], sql[256];
	char *ddl;
	(void)state;
	NEED_SERVER();
	snprintf(vschema, sizeof(vschema), "Retort %s", schema);
	pg_open(&o, "user", vschema, 0);
	assert_versions(&o, "<none>"); /* the schema does not exist yet */
	snprintf(sql, sizeof(sql), "CREATE SCHEMA \"%s\"", vschema);
	q(sql);
	assert_versions(&o, "<none>");
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	assert_int_equal(dialect->version_insert(o.conn, "abcdef012345", &err), 0);
	rt_dialect_error_free(&err);
	assert_versions(&o, "abcdef012345");
	snprintf(sql, sizeof(sql), "SELECT version_num FROM \"%s\".\"user\"", vschema);
	assert_string_equal(q(sql), "abcdef012345");
	/* Nothing landed in the search_path schema. */
	assert_string_equal(q("SELECT to_regclass('\"user\"') IS NULL"), "t");

	ddl = offline(o.conn, RETORT_OFFLINE_VERSION_DDL, NULL);
	snprintf(sql, sizeof(sql),
	         "CREATE TABLE \"%s\".\"user\" (\n"
	         "    version_num VARCHAR(32) NOT NULL, \n"
	         "    CONSTRAINT user_pkc PRIMARY KEY (version_num)\n"
	         ");",
	         vschema);
	assert_string_equal(ddl, sql);
	rt_host()->free(ddl);
	close_conn(&o);
}

static void test_lock_contention(void **state)
{
	struct opened a, b, other;
	struct retort_error err;
	long long t0, dt;
	char t1[96], t2[96];
	(void)state;
	NEED_SERVER();
	/* The lock key is (database, schema, table): names of this run only,
	 * so concurrent runs of this test against one server do not meet. */
	snprintf(t1, sizeof(t1), "lock_%s", schema);
	snprintf(t2, sizeof(t2), "other_lock_%s", schema);
	pg_open(&a, t1, NULL, 0);
	pg_open(&b, t1, NULL, 300);
	pg_open(&other, t2, NULL, 0);

	rt_dialect_error_init(&err);
	assert_int_equal(dialect->lock(a.conn, &err), 0);
	/* Another version table is another lock. */
	assert_int_equal(dialect->lock(other.conn, &err), 0);
	rt_dialect_error_free(&err);

	rt_dialect_error_init(&err);
	t0 = mono_ms();
	assert_int_equal(dialect->lock(b.conn, &err), RETORT_ELOCKED);
	dt = mono_ms() - t0;
	assert_true(dt >= 290);
	assert_true(dt < 5000);
	assert_non_null(err.message);
	assert_non_null(strstr(err.message, "pid "));
	assert_non_null(strstr(err.message, "retort"));
	check_no_secret(&err, NULL);
	rt_dialect_error_free(&err);

	/* Released: the waiter gets it; a lock survives a rolled-back tx. */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->unlock(a.conn, &err), 0);
	assert_int_equal(dialect->lock(b.conn, &err), 0);
	assert_int_equal(dialect->begin(b.conn, &err), 0);
	assert_int_equal(dialect->rollback(b.conn, &err), 0);
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->lock(a.conn, &err), RETORT_ELOCKED);
	rt_dialect_error_free(&err);

	/* destroy() releases it (the session ends). */
	close_conn(&b);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->lock(a.conn, &err), 0);
	assert_int_equal(dialect->unlock(a.conn, &err), 0);
	assert_int_equal(dialect->unlock(a.conn, &err), 0); /* not held: no-op */
	rt_dialect_error_free(&err);
	close_conn(&a);
	close_conn(&other);
}

static void test_quoting(void **state)
{
	struct opened o;
	(void)state;
	/* Without a connection (offline mode). */
	assert_quoted(dialect->quote_identifier, NULL, "alembic_version", "alembic_version");
	assert_quoted(dialect->quote_identifier, NULL, "MySchema", "\"MySchema\"");
	assert_quoted(dialect->quote_identifier, NULL, "user", "\"user\"");
	assert_quoted(dialect->quote_identifier, NULL, "a\"b", "\"a\"\"b\"");
	assert_quoted(dialect->quote_identifier, NULL, "1abc", "\"1abc\"");
	assert_quoted(dialect->quote_identifier, NULL, "with space", "\"with space\"");
	assert_quoted(dialect->quote_literal, NULL, "plain", "'plain'");
	assert_quoted(dialect->quote_literal, NULL, "it's", "'it''s'");
	assert_quoted(dialect->quote_literal, NULL, "back\\slash", "E'back\\\\slash'");
	{
		struct retort_error err;
		char *out = NULL;
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->quote_identifier(NULL, "", &out, &err), RETORT_EUSAGE);
		assert_null(out);
		rt_dialect_error_free(&err);
	}
	NEED_SERVER();
	/* The server reads them back as the same values. */
	pg_open(&o, "rt_quote", NULL, 0);
	{
		char *lit = NULL, *id = NULL, sql[512];
		struct retort_error err;
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->quote_literal(o.conn, "a'b\\c\"d", &lit, &err), 0);
		assert_int_equal(dialect->quote_identifier(o.conn, "Odd \"Name\"", &id, &err), 0);
		assert_int_equal(dialect->version_create(o.conn, &err), 0);
		rt_dialect_error_free(&err);
		snprintf(sql, sizeof(sql),
		         "CREATE TABLE %s (v text);\nINSERT INTO %s VALUES (%s);\n"
		         "INSERT INTO rt_quote SELECT v FROM %s",
		         id, id, lit, id);
		must_exec(&o, sql);
		assert_versions(&o, "a'b\\c\"d");
		rt_host()->free(lit);
		rt_host()->free(id);
	}
	close_conn(&o);
}

static void test_offline_sql(void **state)
{
	struct retort_conn *c = NULL;
	struct rt_url *url = NULL;
	struct rt_err e = { 0, NULL };
	struct retort_dialect_options opts;
	struct retort_error err;
	char *s;
	(void)state;
	/* create() does no I/O: an unreachable URL is fine offline. */
	assert_int_equal(rt_url_parse(&url, "postgresql://u:pw@192.0.2.1:1/nowhere", &e), 0);
	memset(&opts, 0, sizeof(opts));
	opts.struct_size = sizeof(opts);
	opts.version_table = "alembic_version";
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->create(&c, &url->pub, &opts, &err), 0);
	rt_dialect_error_free(&err);

	s = offline(c, RETORT_OFFLINE_BEGIN, NULL);
	assert_string_equal(s, "BEGIN;");
	rt_host()->free(s);
	s = offline(c, RETORT_OFFLINE_COMMIT, NULL);
	assert_string_equal(s, "COMMIT;");
	rt_host()->free(s);
	/* Byte for byte what `alembic upgrade head --sql` prints. */
	s = offline(c, RETORT_OFFLINE_VERSION_DDL, NULL);
	assert_string_equal(s, "CREATE TABLE alembic_version (\n"
	                       "    version_num VARCHAR(32) NOT NULL, \n"
	                       "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
	                       ");");
	rt_host()->free(s);
	s = offline(c, RETORT_OFFLINE_STATEMENT, "CREATE TABLE t (id int)");
	assert_string_equal(s, "CREATE TABLE t (id int);");
	rt_host()->free(s);
	/* The version INSERT as SQLAlchemy renders it, RETURNING included. */
	s = offline(c, RETORT_OFFLINE_VERSION_INSERT, "ae1027a6acf0");
	assert_string_equal(s, "INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf0') "
	                       "RETURNING alembic_version.version_num;");
	rt_host()->free(s);
	/* A last line that may end in a comment gets the ';' on its own line. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, "SELECT 1 -- one");
	assert_string_equal(s, "SELECT 1 -- one\n;");
	rt_host()->free(s);
	s = offline(c, RETORT_OFFLINE_STATEMENT,
	            "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql");
	assert_string_equal(
	        s, "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;");
	rt_host()->free(s);
	/* Not connected: statement functions say so instead of crashing. */
	rt_dialect_error_init(&err);
	assert_int_equal(rt_dialect_execute(dialect, c, "SELECT 1", 8, 1, NULL, &err),
	                 RETORT_ERROR);
	assert_int_equal(dialect->version_read(c, collect_cb, NULL, &err), RETORT_ERROR);
	rt_dialect_error_free(&err);
	dialect->destroy(c);
	dialect->destroy(NULL);
	rt_url_free(url);
}

struct split_seen {
	unsigned n;
	unsigned lines[8];
};

static int split_cb(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_seen *s = payload;
	(void)stmt;
	(void)len;
	if (s->n < 8)
		s->lines[s->n] = line;
	s->n++;
	return 0;
}

static void test_split(void **state)
{
	struct split_seen seen;
	struct retort_error err;
	const char *sql = "SELECT 1;\n"
	                  "CREATE FUNCTION f() RETURNS int AS $f$\n"
	                  "BEGIN RETURN 1; END;\n"
	                  "$f$ LANGUAGE plpgsql;\n"
	                  "SELECT 'a;b'";
	(void)state;
	memset(&seen, 0, sizeof(seen));
	rt_dialect_error_init(&err);
	assert_int_equal(rt_dialect_split(dialect, NULL, sql, strlen(sql), 5, split_cb, &seen, &err),
	                 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.lines[0], 5);
	assert_int_equal(seen.lines[1], 6);
	assert_int_equal(seen.lines[2], 9);
	rt_dialect_error_free(&err);
}

/* Every vtable member under allocation failure, swept until a run needs
 * no failure injected: each run fails cleanly (nothing leaked, the
 * database unchanged) or completes. */
static void test_allocation_failures(void **state)
{
	struct rt_err e = { 0, NULL };
	char *u;
	struct online_sweep sw;
	(void)state;
	alloc_sweep(offline_members, NULL,
	            "postgresql://u:secret-pw@192.0.2.1:1/db?connect_timeout=1");
	NEED_SERVER();
	q("CREATE TABLE sweep_data (x int)");
	q("CREATE TABLE rt_sweep (version_num varchar(32) NOT NULL PRIMARY KEY)");
	memset(&sw, 0, sizeof(sw));
	u = make_url(NULL, NULL, NULL, search_path_query);
	assert_non_null(u);
	assert_int_equal(rt_url_parse(&sw.url, u, &e), 0);
	rt_free(u);
	sw.d = dialect;
	sw.table = "rt_sweep";
	sw.script = "SELECT 1;\nINSERT INTO sweep_data VALUES (1);\nSELECT $$a;b$$;\n";
	sw.state_sql = "SELECT (SELECT count(*) FROM sweep_data) || ':' || "
	               "coalesce((SELECT string_agg(version_num, ',') FROM rt_sweep), '')";
	sw.reset_sql[0] = "DELETE FROM sweep_data";
	sw.reset_sql[1] = "DELETE FROM rt_sweep";
	sw.query = q;
	alloc_sweep(online_run, online_check, &sw);
	rt_url_free(sw.url);
}

/* ABI 1.1: query() and column_type() (tests/unit/query/query_contract.h). */
static void test_query(void **state)
{
	struct opened o;
	(void)state;
	NEED_SERVER();
	pg_open(&o, NULL, NULL, 1000);
	query_contract(dialect, o.conn, "retort_query_test", "postgresql");
	/* '?' becomes $n only outside $$..$$, E'..' (backslash escapes), "..",
	 * and comments */
	{
		struct qc_rows rows;
		const char *p[2] = { "one", "two" };
		memset(&rows, 0, sizeof(rows));
		qc_ok(dialect, o.conn,
		      "SELECT $$?$$ AS \"?x\", $t$'?$t$, E'\\'?', /* ? /* ? */ */ ? -- ?\n, ?",
		      p, 2, &rows, "postgresql");
		assert_string_equal(rows.text, "?|'?|'?|one|two;");
	}
	close_conn(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_connect_with_password),
		cmocka_unit_test(test_connect_wrong_password),
		cmocka_unit_test(test_pgpassword_fallback),
		cmocka_unit_test(test_pgpass_fallback),
		cmocka_unit_test(test_pg_environment),
		cmocka_unit_test(test_url_params_passthrough),
		cmocka_unit_test(test_unix_socket_host_param),
		cmocka_unit_test(test_transactional_rollback),
		cmocka_unit_test(test_execute_error),
		cmocka_unit_test(test_dollar_quoted_function),
		cmocka_unit_test(test_create_index_concurrently),
		cmocka_unit_test(test_version_crud),
		cmocka_unit_test(test_version_table_schema),
		cmocka_unit_test(test_lock_contention),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_offline_sql),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_allocation_failures),
	};
	if (skip_without_server("RETORT_TEST_PG_URL"))
		return 0;
	return cmocka_run_group_tests_name("postgresql plugin", tests, group_setup, group_teardown);
}
