/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/mysql/test_mysql.c - the mysql dialect plugin against a real
 * MariaDB/MySQL server ($RETORT_TEST_MYSQL_URL, started by
 * tests/servers.sh).
 *
 * Every vtable member is exercised.  Each run works in its own databases
 * (retort_t<pid>_<n> and ..._b; the test user may create databases named
 * retort_*), so runs against one server do not see each other.  A second
 * client connection ("direct") inspects what the plugin did.
 */
#include "harness.h"
#include "../query/query_contract.h"

#include <mysql.h>

static char db[64], db_b[80];
static MYSQL *direct;

/* The server URL pointed at our database (+ query). */
static void my_open(struct opened *o, const char *query, const char *table, const char *vschema,
                    long timeout_ms)
{
	must_open(o, db, query, table, vschema, timeout_ms);
}

/* Run SQL on the direct connection; first value of the first row. */
static const char *q(const char *sql)
{
	static char value[256];
	MYSQL_RES *res;
	MYSQL_ROW row;
	if (mysql_query(direct, sql) != 0) {
		fprintf(stderr, "# direct: %s: %s\n", sql, mysql_error(direct));
		fail();
	}
	value[0] = '\0';
	res = mysql_store_result(direct);
	if (res) {
		row = mysql_fetch_row(res);
		snprintf(value, sizeof(value), "%s", row && row[0] ? row[0] : "<null>");
		mysql_free_result(res);
	}
	return value;
}

static int group_setup(void **state)
{
	const struct retort_url *u;
	char sql[256];
	(void)state;
	if (harness_setup("mysql", "retort_mysql", "RETORT_TEST_MYSQL_URL") < 0)
		return -1;
	if (server_missing)
		return 0;
	u = &base_url->pub;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(db, sizeof(db), "retort_t%ld_%d", (long)getpid(), rand() % 100000);
	snprintf(db_b, sizeof(db_b), "%s_b", db);
	direct = mysql_init(NULL);
	if (!direct || !mysql_real_connect(direct, u->host, u->user, u->password, u->database,
	                                   u->port, NULL, 0)) {
		fprintf(stderr, "# direct connection failed: %s\n",
		        direct ? mysql_error(direct) : "oom");
		return -1;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	if (mysql_query(direct, sql) != 0) {
		fprintf(stderr, "# %s: %s\n", sql, mysql_error(direct));
		return -1;
	}
	snprintf(sql, sizeof(sql), "USE %s", db);
	if (mysql_query(direct, sql) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char sql[256];
	(void)state;
	if (direct) {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
		mysql_query(direct, sql);
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db_b);
		mysql_query(direct, sql);
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s_c", db);
		mysql_query(direct, sql);
		mysql_close(direct);
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
	assert_string_equal(dialect->name, "mysql");
	assert_string_equal(dialect->schemes[0], "mysql");
	assert_string_equal(dialect->schemes[1], "mariadb");
	assert_null(dialect->schemes[2]);
}

static void test_connect_with_password(void **state)
{
	struct opened o;
	(void)state;
	NEED_SERVER();
	assert_non_null(base_url->pub.password);
	my_open(&o, NULL, NULL, NULL, 0);
	/* Not transactional DDL: the engine commits after each migration. */
	assert_int_equal(dialect->caps(o.conn), RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_NONTX_SCRIPTS |
	                 RETORT_CAP_CREATE_IF_ABSENT);
	must_exec(&o, "SELECT 1");
	close_conn(&o);

	/* The mariadb:// scheme goes to the same plugin. */
	{
		struct retort_error err;
		char *u = make_url(NULL, NULL, db, NULL), *m;
		assert_non_null(u);
		m = rt_sprintf("mariadb%s", strchr(u, ':'));
		assert_int_equal(open_conn(&o, m, NULL, NULL, 0, &err), 0);
		rt_dialect_error_free(&err);
		close_conn(&o);
		rt_free(m);
		rt_free(u);
	}
}

static void test_connect_wrong_password(void **state)
{
	struct opened o;
	struct retort_error err;
	char *u;
	(void)state;
	NEED_SERVER();
	u = make_url(NULL, "Wrong-Pw-4711", db, "connect_timeout=5");
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
	assert_non_null(err.message);
	assert_int_equal(err.native_code, 1045);
	assert_string_equal(err.sqlstate, "28000");
	check_no_secret(&err, "Wrong-Pw-4711");
	rt_dialect_error_free(&err);
	close_conn(&o);
	rt_free(u);

	/* No password at all: refused the same way. */
	u = make_url(NULL, "", db, NULL);
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
	assert_int_equal(err.native_code, 1045);
	rt_dialect_error_free(&err);
	close_conn(&o);
	rt_free(u);
}

/*
 * A URL without password can take it from an option file
 * (?read_default_file=...), the way ~/.my.cnf works for the mysql client.
 */
static void test_password_from_option_file(void **state)
{
	struct opened o;
	struct retort_error err;
	char path[] = "/tmp/retort-test-mycnf-XXXXXX";
	char query[128];
	char *u;
	FILE *f;
	int fd;
	(void)state;
	NEED_SERVER();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "[client]\npassword=%s\n", server_password());
	fclose(f);
	snprintf(query, sizeof(query), "read_default_file=%s&read_default_group=client", path);
	u = make_url(NULL, "", db, query);
	assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), 0);
	rt_dialect_error_free(&err);
	must_exec(&o, "SELECT 1");
	close_conn(&o);
	unlink(path);
	rt_free(u);
}

/* ?charset=, connect_timeout, ssl_mode reach the client; unknown keys fail. */
static void test_url_params(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	my_open(&o, "charset=latin1&connect_timeout=7&read_timeout=30&ssl_mode=DISABLED", "rt_params",
	        NULL, 0);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	must_exec(&o, "INSERT INTO rt_params VALUES (@@character_set_client)");
	assert_versions(&o, "latin1");
	close_conn(&o);

	/* Default charset: utf8mb4. */
	my_open(&o, NULL, "rt_params2", NULL, 0);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	must_exec(&o, "INSERT INTO rt_params2 VALUES (@@character_set_client)");
	assert_versions(&o, "utf8mb4");
	close_conn(&o);

	/* The socket of a servers.sh MariaDB, when we have one. */
	{
		const char *dir = getenv("RETORT_SERVERS_DIR");
		char *sock = dir ? rt_sprintf("%s/mysql/run/mysqld.sock", dir) : NULL;
		if (sock && access(sock, F_OK) == 0) {
			char *query = rt_sprintf("unix_socket=%s", sock);
			struct rt_buf b = RT_BUF_INIT;
			char *u;
			/* host "localhost" means the socket for libmariadb. */
			rt_buf_printf(&b, "mysql://%s:%s@localhost/%s?%s", base_url->pub.user,
			              server_password(), db, query);
			u = rt_buf_detach(&b);
			assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), 0);
			rt_dialect_error_free(&err);
			must_exec(&o, "SELECT 1");
			close_conn(&o);
			rt_free(u);
			rt_free(query);
		}
		rt_free(sock);
	}

	/* TLS options reach the client: a verified connection with a CA file
	 * that does not exist fails, whether or not the server speaks TLS. */
	{
		char *u = make_url(NULL, NULL, db,
		                   "ssl_mode=VERIFY_IDENTITY&ssl_ca=/nonexistent/ca.pem");
		assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
		assert_non_null(err.message);
		rt_dialect_error_free(&err);
		close_conn(&o);
		rt_free(u);
		/* spelled as MySQL's own clients spell them, too */
		u = make_url(NULL, NULL, db, "ssl-mode=VERIFY_IDENTITY&ssl-ca=/nonexistent/ca.pem");
		assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), RETORT_ECONNECT);
		assert_non_null(err.message);
		assert_null(strstr(err.message, "unknown MySQL connection parameter"));
		rt_dialect_error_free(&err);
		close_conn(&o);
		rt_free(u);
		u = make_url(NULL, NULL, db, "ssl-mode=DISABLED&connect-timeout=7");
		assert_int_equal(open_conn(&o, u, NULL, NULL, 0, &err), 0);
		rt_dialect_error_free(&err);
		must_exec(&o, "SELECT 1");
		close_conn(&o);
		rt_free(u);
	}

	/* Unknown key and bad values: refused by create(), before any I/O. */
	{
		static const char *const bad[] = { "sslmdoe=REQUIRED", "connect_timeout=soon",
		                                   "ssl_mode=MAYBE", "ssl=perhaps",
		                                   "ssl_verify_cert=maybe", "ssl-mode=MAYBE",
		                                   "ssl-verify-cert=maybe", "ssl_mode-=REQUIRED",
		                                   "ssl--mode=REQUIRED" };
		size_t i;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct rt_url *url = NULL;
			struct rt_err e = { 0, NULL };
			struct retort_conn *c = NULL;
			struct retort_dialect_options opts;
			char *u = make_url(NULL, NULL, db, bad[i]);
			memset(&opts, 0, sizeof(opts));
			opts.struct_size = sizeof(opts);
			opts.version_table = "alembic_version";
			assert_int_equal(rt_url_parse(&url, u, &e), 0);
			rt_dialect_error_init(&err);
			assert_int_equal(dialect->create(&c, &url->pub, &opts, &err), RETORT_EUSAGE);
			assert_null(c);
			assert_non_null(err.message);
			check_no_secret(&err, NULL);
			rt_dialect_error_free(&err);
			rt_url_free(url);
			rt_free(u);
		}
	}
}

/* MySQL commits DDL implicitly: a rollback does not undo CREATE TABLE. */
static void test_ddl_commits_implicitly(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, "rt_ddl_v", NULL, 0);
	must_exec(&o, "CREATE TABLE rt_rows (id int) ENGINE=InnoDB");
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->begin(o.conn, &err), 0);
	must_exec(&o, "INSERT INTO rt_rows VALUES (1)");
	assert_int_equal(dialect->rollback(o.conn, &err), 0);
	assert_string_equal(q("SELECT COUNT(*) FROM rt_rows"), "0"); /* DML rolls back */

	assert_int_equal(dialect->begin(o.conn, &err), 0);
	must_exec(&o, "INSERT INTO rt_rows VALUES (2);\nCREATE TABLE rt_ddl (id int)");
	assert_int_equal(dialect->rollback(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	/* The DDL committed itself, and the INSERT before it. */
	assert_string_equal(q("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
	                      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'rt_ddl'"),
	                    "1");
	assert_string_equal(q("SELECT COUNT(*) FROM rt_rows"), "1");

	/* The engine's per-migration pattern: script, version row, commit. */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->begin(o.conn, &err), 0);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	must_exec(&o, "CREATE TABLE rt_ddl2 (id int)");
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), 0);
	assert_int_equal(dialect->commit(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	assert_string_equal(q("SELECT version_num FROM rt_ddl_v"), "aaaa00000001");
	close_conn(&o);
}

static void test_execute_error(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, NULL, NULL, 0);
	assert_int_equal(exec_sql(&o,
	                          "CREATE TABLE rt_err (id int);\n"
	                          "# a hash comment; with a semicolon\n"
	                          "INSERT INTO rt_err VALUES (1);\n"
	                          "\n"
	                          "INSERT INTO rt_err\n"
	                          "  VALUES (1, 2);\n"
	                          "INSERT INTO rt_err VALUES (3);\n",
	                          20, &err),
	                 RETORT_EDB);
	assert_int_equal(err.native_code, 1136); /* column count doesn't match */
	assert_string_equal(err.sqlstate, "21S01");
	assert_int_equal(err.stmt_index, 3);
	assert_int_equal(err.stmt_line, 24);
	assert_string_equal(err.statement, "INSERT INTO rt_err\n  VALUES (1, 2)");
	assert_non_null(strstr(err.message, "Column count"));
	rt_dialect_error_free(&err);
	/* Statements before the failing one were run and stay (no tx DDL). */
	assert_string_equal(q("SELECT COUNT(*) FROM rt_err"), "1");

	assert_int_equal(exec_sql(&o, "SELEC 1", 1, &err), RETORT_EDB);
	assert_int_equal(err.native_code, 1064);
	assert_string_equal(err.sqlstate, "42000");
	rt_dialect_error_free(&err);

	/* A statement quoting the password: masked in message and statement. */
	{
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT * FROM no_such_tbl WHERE x = '%s'",
		         server_password());
		assert_int_equal(exec_sql(&o, sql, 1, &err), RETORT_EDB);
		assert_int_equal(err.native_code, 1146);
		assert_non_null(err.statement);
		assert_non_null(strstr(err.statement, "***"));
		rt_dialect_error_free(&err);
	}

	/* Unterminated string: a script error with its line. */
	assert_int_equal(exec_sql(&o, "SELECT 1;\n\nSELECT 'open;\n", 7, &err), RETORT_EUSAGE);
	assert_int_equal(err.stmt_line, 9);
	rt_dialect_error_free(&err);
	close_conn(&o);
}

static void test_delimiter_procedure_and_trigger(void **state)
{
	struct opened o;
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, NULL, NULL, 0);
	must_exec(&o,
	          "CREATE TABLE rt_p (id int, note varchar(40));\n"
	          "CREATE TABLE rt_audit (n int);\n"
	          "DELIMITER //\n"
	          "CREATE PROCEDURE rt_fill(IN k int)\n"
	          "BEGIN\n"
	          "  DECLARE i int DEFAULT 0;\n"
	          "  WHILE i < k DO\n"
	          "    INSERT INTO rt_p VALUES (i, 'semi;colon');\n"
	          "    SET i = i + 1;\n"
	          "  END WHILE;\n"
	          "END//\n"
	          "CREATE TRIGGER rt_p_ai AFTER INSERT ON rt_p FOR EACH ROW\n"
	          "BEGIN\n"
	          "  INSERT INTO rt_audit VALUES (NEW.id);\n"
	          "END//\n"
	          "DELIMITER ;\n"
	          "CALL rt_fill(3);\n"
	          "SELECT * FROM rt_p;\n"
	          "INSERT INTO rt_p VALUES (9, 'back\\\\slash ''q''');\n");
	assert_string_equal(q("SELECT COUNT(*) FROM rt_p"), "4");
	assert_string_equal(q("SELECT COUNT(*) FROM rt_audit"), "4");
	assert_string_equal(q("SELECT note FROM rt_p WHERE id = 1"), "semi;colon");
	assert_string_equal(q("SELECT note FROM rt_p WHERE id = 9"), "back\\slash 'q'");
	/* The connection is still usable after CALL's extra results. */
	must_exec(&o, "SELECT 1");
	close_conn(&o);
}

static void test_version_crud(void **state)
{
	struct opened o;
	struct retort_error err;
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, NULL, NULL, 0);
	assert_versions(&o, "<none>");
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	assert_versions(&o, "");
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), 0);
	assert_int_equal(dialect->version_insert(o.conn, "bbbb00000002", &err), 0);
	assert_versions(&o, "aaaa00000001,bbbb00000002");
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), RETORT_EDB);
	assert_int_equal(err.native_code, 1062); /* duplicate entry */
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
	rt_dialect_error_free(&err);
	assert_versions(&o, "bbbb00000002");
	/* Alembic's table. */
	assert_string_equal(q("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
	                      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'alembic_version'"),
	                    "varchar(32)");
	assert_string_equal(q("SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE WHERE "
	                      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'alembic_version' AND "
	                      "CONSTRAINT_NAME = 'PRIMARY' AND COLUMN_NAME = 'version_num'"),
	                    "1");
	/* Quotes and backslashes are escaped, not pasted. */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_insert(o.conn, "x\\'); DROP TABLE t; --", &err), 0);
	rt_dialect_error_free(&err);
	assert_versions(&o, "bbbb00000002,x\\'); DROP TABLE t; --");
	close_conn(&o);
}

/* A script's USE does not move the version table elsewhere. */
static void test_use_in_script(void **state)
{
	struct opened o;
	struct retort_error err;
	char sql[256];
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, "rt_use_v", NULL, 0);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	rt_dialect_error_free(&err);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s_c;\nUSE %s_c;\nCREATE TABLE t (id int)", db,
	         db);
	must_exec(&o, sql);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_insert(o.conn, "aaaa00000001", &err), 0);
	rt_dialect_error_free(&err);
	assert_versions(&o, "aaaa00000001");
	assert_string_equal(q("SELECT version_num FROM rt_use_v"), "aaaa00000001");
	snprintf(sql, sizeof(sql), "DROP DATABASE %s_c", db);
	q(sql);
	close_conn(&o);
}

/* version_table_schema is another database on MySQL. */
static void test_version_table_schema(void **state)
{
	struct opened o;
	struct retort_error err;
	char sql[256];
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, "Version", db_b, 0);
	assert_versions(&o, "<none>"); /* the database does not exist yet */
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db_b);
	q(sql);
	assert_versions(&o, "<none>");
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->version_create(o.conn, &err), 0);
	assert_int_equal(dialect->version_insert(o.conn, "abcdef012345", &err), 0);
	rt_dialect_error_free(&err);
	snprintf(sql, sizeof(sql), "SELECT version_num FROM %s.`Version`", db_b);
	assert_string_equal(q(sql), "abcdef012345");
	assert_versions(&o, "abcdef012345");
	close_conn(&o);
}

static void test_lock_contention(void **state)
{
	struct opened a, b, other_db, longname;
	struct retort_error err;
	long long t0, dt;
	char table[200];
	(void)state;
	NEED_SERVER();
	my_open(&a, NULL, "rt_lock", NULL, 0);
	my_open(&b, NULL, "rt_lock", NULL, 300);
	/* Same table name in another database: another lock. */
	my_open(&other_db, NULL, "rt_lock", db_b, 0);

	rt_dialect_error_init(&err);
	assert_int_equal(dialect->lock(a.conn, &err), 0);
	assert_int_equal(dialect->lock(a.conn, &err), 0); /* held: no-op */
	assert_int_equal(dialect->lock(other_db.conn, &err), 0);
	rt_dialect_error_free(&err);

	rt_dialect_error_init(&err);
	t0 = mono_ms();
	assert_int_equal(dialect->lock(b.conn, &err), RETORT_ELOCKED);
	dt = mono_ms() - t0;
	assert_true(dt >= 290);
	assert_true(dt < 5000);
	assert_non_null(strstr(err.message, "connection id"));
	assert_non_null(strstr(err.message, db));
	check_no_secret(&err, NULL);
	rt_dialect_error_free(&err);

	rt_dialect_error_init(&err);
	assert_int_equal(dialect->unlock(a.conn, &err), 0);
	assert_int_equal(dialect->lock(b.conn, &err), 0);
	assert_int_equal(dialect->lock(a.conn, &err), RETORT_ELOCKED); /* timeout 0: try once */
	rt_dialect_error_free(&err);
	close_conn(&b); /* the session ends: the lock goes */
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->lock(a.conn, &err), 0);
	assert_int_equal(dialect->unlock(a.conn, &err), 0);
	assert_int_equal(dialect->unlock(a.conn, &err), 0);
	rt_dialect_error_free(&err);

	/* A lock name ("retort:<db>.<table>") past MySQL's 64 characters is
	 * hashed, and still excludes (the table itself is at most 64). */
	memset(table, 'v', 60);
	table[60] = '\0';
	my_open(&longname, NULL, table, NULL, 0);
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->lock(longname.conn, &err), 0);
	rt_dialect_error_free(&err);
	{
		struct opened l2;
		my_open(&l2, NULL, table, NULL, 100);
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->lock(l2.conn, &err), RETORT_ELOCKED);
		rt_dialect_error_free(&err);
		close_conn(&l2);
	}
	close_conn(&longname);
	close_conn(&a);
	close_conn(&other_db);
}

static void test_quoting(void **state)
{
	struct opened o;
	(void)state;
	assert_quoted(dialect->quote_identifier, NULL, "alembic_version", "alembic_version");
	assert_quoted(dialect->quote_identifier, NULL, "MySchema", "`MySchema`");
	assert_quoted(dialect->quote_identifier, NULL, "user", "user"); /* not reserved here */
	assert_quoted(dialect->quote_identifier, NULL, "select", "`select`");
	assert_quoted(dialect->quote_identifier, NULL, "a`b", "`a``b`");
	assert_quoted(dialect->quote_literal, NULL, "plain", "'plain'");
	assert_quoted(dialect->quote_literal, NULL, "it's", "'it''s'");
	assert_quoted(dialect->quote_literal, NULL, "a\\b\nc", "'a\\\\b\\nc'");
	NEED_SERVER();
	my_open(&o, NULL, "rt_quote", NULL, 0);
	{
		char *lit = NULL, *id = NULL, sql[512];
		struct retort_error err;
		rt_dialect_error_init(&err);
		/* With a connection too: the server reads the same value back. */
		assert_int_equal(dialect->quote_literal(o.conn, "a'b\\c\"d", &lit, &err), 0);
		assert_int_equal(dialect->quote_identifier(o.conn, "Odd `Name`", &id, &err), 0);
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
	const char *proc = "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT '//';\nEND";
	(void)state;
	assert_int_equal(rt_url_parse(&url, "mysql://u:pw@192.0.2.1:1/nowhere", &e), 0);
	memset(&opts, 0, sizeof(opts));
	opts.struct_size = sizeof(opts);
	opts.version_table = "user";
	opts.version_table_schema = "MySchema";
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->create(&c, &url->pub, &opts, &err), 0);
	rt_dialect_error_free(&err);

	/* Alembic prints no BEGIN/COMMIT for MySQL. */
	s = offline(c, RETORT_OFFLINE_BEGIN, NULL);
	assert_string_equal(s, "");
	rt_host()->free(s);
	s = offline(c, RETORT_OFFLINE_COMMIT, NULL);
	assert_string_equal(s, "");
	rt_host()->free(s);
	/* Byte for byte `alembic upgrade head --sql` with these options. */
	s = offline(c, RETORT_OFFLINE_VERSION_DDL, NULL);
	assert_string_equal(s, "CREATE TABLE `MySchema`.user (\n"
	                       "    version_num VARCHAR(32) NOT NULL, \n"
	                       "    CONSTRAINT user_pkc PRIMARY KEY (version_num)\n"
	                       ");");
	rt_host()->free(s);
	s = offline(c, RETORT_OFFLINE_STATEMENT, "CREATE TABLE t (id int)");
	assert_string_equal(s, "CREATE TABLE t (id int);");
	rt_host()->free(s);
	/* The version INSERT is the core's plain one on MySQL, as in Alembic. */
	{
		char *o = NULL;
		rt_dialect_error_init(&err);
		assert_int_equal(dialect->offline_sql(c, RETORT_OFFLINE_VERSION_INSERT, "abc", 3, &o,
		                                      &err),
		                 RETORT_ENOTSUPPORTED);
		assert_null(o);
		rt_dialect_error_free(&err);
	}
	/* A last line that may end in a comment gets the ';' on its own line. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, "SELECT 1 # one");
	assert_string_equal(s, "SELECT 1 # one\n;");
	rt_host()->free(s);
	/* A ';' the client does not cut at (quoted, commented) needs nothing. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, "INSERT INTO t VALUES ('it''s; here') /* ; */");
	assert_string_equal(s, "INSERT INTO t VALUES ('it''s; here') /* ; */;");
	rt_host()->free(s);
	/* A body with ';' gets DELIMITER lines, avoiding a delimiter it holds. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, proc);
	assert_string_equal(s, "DELIMITER $$\n"
	                       "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT '//';\nEND\n"
	                       "$$\n"
	                       "DELIMITER ;");
	rt_host()->free(s);
	rt_dialect_error_init(&err);
	assert_int_equal(rt_dialect_execute(dialect, c, "SELECT 1", 8, 1, NULL, &err),
	                 RETORT_ERROR);
	rt_dialect_error_free(&err);
	dialect->destroy(c);
	dialect->destroy(NULL);
	rt_url_free(url);
}

/* The offline rendering of a procedure runs through our own splitter. */
static void test_offline_roundtrip(void **state)
{
	struct opened o;
	struct retort_error err;
	char *s, *script;
	const char *proc = "CREATE PROCEDURE rt_rt()\nBEGIN\n  INSERT INTO rt_rtv VALUES (7);\nEND";
	(void)state;
	NEED_SERVER();
	my_open(&o, NULL, NULL, NULL, 0);
	s = offline(o.conn, RETORT_OFFLINE_STATEMENT, proc);
	script = rt_sprintf("CREATE TABLE rt_rtv (v int);\n%s\nCALL rt_rt();\n", s);
	assert_int_equal(exec_sql(&o, script, 1, &err), 0);
	rt_dialect_error_free(&err);
	assert_string_equal(q("SELECT v FROM rt_rtv"), "7");
	rt_host()->free(s);
	rt_free(script);
	close_conn(&o);
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
	                  "DELIMITER $$\n"
	                  "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END$$\n"
	                  "DELIMITER ;\n"
	                  "SELECT 'a\\';b' # c;\n"
	                  ";";
	(void)state;
	memset(&seen, 0, sizeof(seen));
	rt_dialect_error_init(&err);
	assert_int_equal(rt_dialect_split(dialect, NULL, sql, strlen(sql), 1, split_cb, &seen, &err),
	                 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.lines[0], 1);
	assert_int_equal(seen.lines[1], 3);
	assert_int_equal(seen.lines[2], 5);
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
	alloc_sweep(offline_members, NULL, "mysql://u:secret-pw@192.0.2.1:1/db?connect_timeout=1");
	NEED_SERVER();
	q("CREATE TABLE sweep_data (x int) ENGINE=InnoDB");
	q("CREATE TABLE rt_sweep (version_num varchar(32) NOT NULL PRIMARY KEY) ENGINE=InnoDB");
	memset(&sw, 0, sizeof(sw));
	u = make_url(NULL, NULL, db, NULL);
	assert_non_null(u);
	assert_int_equal(rt_url_parse(&sw.url, u, &e), 0);
	rt_free(u);
	sw.d = dialect;
	sw.table = "rt_sweep";
	sw.script = "SELECT 1;\nINSERT INTO sweep_data VALUES (1);\nDELIMITER //\n"
	            "SELECT 'a;b'//\nDELIMITER ;\n";
	sw.state_sql = "SELECT CONCAT((SELECT count(*) FROM sweep_data), ':', "
	               "coalesce((SELECT group_concat(version_num) FROM rt_sweep), ''))";
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
	my_open(&o, NULL, NULL, NULL, 1000);
	query_contract(dialect, o.conn, "retort_query_test", "mysql");
	close_conn(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_connect_with_password),
		cmocka_unit_test(test_connect_wrong_password),
		cmocka_unit_test(test_password_from_option_file),
		cmocka_unit_test(test_url_params),
		cmocka_unit_test(test_ddl_commits_implicitly),
		cmocka_unit_test(test_execute_error),
		cmocka_unit_test(test_delimiter_procedure_and_trigger),
		cmocka_unit_test(test_version_crud),
		cmocka_unit_test(test_use_in_script),
		cmocka_unit_test(test_version_table_schema),
		cmocka_unit_test(test_lock_contention),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_offline_sql),
		cmocka_unit_test(test_offline_roundtrip),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_allocation_failures),
	};
	if (skip_without_server("RETORT_TEST_MYSQL_URL"))
		return 0;
	return cmocka_run_group_tests_name("mysql plugin", tests, group_setup, group_teardown);
}
