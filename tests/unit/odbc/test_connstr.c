/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/odbc/test_connstr.c - the odbc plugin's URL -> ODBC
 * connection string translation, compiled in directly from
 * plugins/odbc/odbc_flavour.c so that the exact strings can be checked
 * (the driver tests can only show that a connection works), including the
 * forms no driver here can reach (SQL Server and Oracle servers).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "host.h"
#include "odbc_int.h"

/* odbc.c defines this in the plugin; the test lends the core's table. */
const struct retort_host *odbc__host;

struct url {
	struct retort_url u;
	struct retort_url_param p[8];
};

static struct retort_url *mk(struct url *x, const char *scheme, const char *driver,
                             const char *user, const char *pw, const char *host, unsigned port,
                             const char *db, ...)
{
	va_list ap;
	const char *k;
	memset(x, 0, sizeof(*x));
	x->u.scheme = scheme;
	x->u.driver = driver;
	x->u.user = user;
	x->u.password = pw;
	x->u.host = host;
	x->u.port = port;
	x->u.database = db;
	x->u.params = x->p;
	va_start(ap, db);
	while ((k = va_arg(ap, const char *)) != NULL && x->u.n_params < 8) {
		x->p[x->u.n_params].key = k;
		x->p[x->u.n_params].value = va_arg(ap, const char *);
		x->u.n_params++;
	}
	va_end(ap);
	return &x->u;
}

static void check(struct retort_url *u, const char *want, enum odbc_flavour want_fl)
{
	struct retort_error e;
	char *cs = NULL;
	enum odbc_flavour fl;
	rt_dialect_error_init(&e);
	if (odbc_connstr_build(&cs, &fl, u, &e) != 0)
		fail_msg("unexpected error: %s", e.message);
	assert_string_equal(cs, want);
	assert_int_equal(fl, want_fl);
	rt_free(cs);
	rt_dialect_error_free(&e);
}

static void test_dsn_forms(void **state)
{
	struct url x;
	(void)state;
	check(mk(&x, "mssql", "odbc", "sa", "pw", "MyDsn", 0, NULL, NULL),
	      "DSN=MyDsn;UID=sa;PWD=pw", ODBC_FL_MSSQL);
	check(mk(&x, "oracle", "odbc", "scott", "tiger", "OraDsn", 0, NULL, NULL),
	      "DSN=OraDsn;UID=scott;PWD=tiger", ODBC_FL_ORACLE);
	/* The driver part may be absent (mssql:// routed here by the registry). */
	check(mk(&x, "mssql", NULL, NULL, NULL, "MyDsn", 0, NULL, NULL), "DSN=MyDsn",
	      ODBC_FL_MSSQL);
	check(mk(&x, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "MyDsn", "uid", "u",
	         "pwd", "p", NULL),
	      "dsn=MyDsn;uid=u;pwd=p", ODBC_FL_UNKNOWN);
	/* ?flavour= picks the rules and is not passed on. */
	check(mk(&x, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "flavour", "SQLite",
	         "driver", "SQLite3", "database", "/tmp/x.db", NULL),
	      "driver=SQLite3;database=/tmp/x.db", ODBC_FL_SQLITE);
	check(mk(&x, "oracle", "odbc", NULL, NULL, "D", 0, NULL, "flavor", "oracle", NULL),
	      "DSN=D", ODBC_FL_ORACLE);
	/* An empty password is still a password. */
	check(mk(&x, "odbc", NULL, "u", "", "D", 0, NULL, NULL), "DSN=D;UID=u;PWD=",
	      ODBC_FL_UNKNOWN);
}

static void test_server_forms(void **state)
{
	struct url x;
	(void)state;
	check(mk(&x, "mssql", "odbc", "sa", "pw", "db.example", 1433, "app",
	         "driver", "ODBC Driver 18 for SQL Server", "TrustServerCertificate", "yes", NULL),
	      "SERVER=db.example,1433;DATABASE=app;UID=sa;PWD=pw;"
	      "driver=ODBC Driver 18 for SQL Server;TrustServerCertificate=yes", ODBC_FL_MSSQL);
	check(mk(&x, "oracle", "odbc", "scott", "tiger", "ora.example", 1521, "ORCLPDB1",
	         "driver", "Oracle 21 ODBC driver", NULL),
	      "DBQ=ora.example:1521/ORCLPDB1;UID=scott;PWD=tiger;driver=Oracle 21 ODBC driver",
	      ODBC_FL_ORACLE);
	check(mk(&x, "oracle", "odbc", NULL, NULL, "ora.example", 0, "svc", NULL),
	      "DBQ=ora.example/svc", ODBC_FL_ORACLE);
	check(mk(&x, "odbc", NULL, "u", "p", "pg.example", 5432, "app", "driver", "PostgreSQL",
	         NULL),
	      "SERVER=pg.example;PORT=5432;DATABASE=app;UID=u;PWD=p;driver=PostgreSQL",
	      ODBC_FL_UNKNOWN);
}

static void test_braces(void **state)
{
	struct url x;
	(void)state;
	check(mk(&x, "mssql", "odbc", "sa", "p;w{x}", "D", 0, NULL, NULL),
	      "DSN=D;UID=sa;PWD={p;w{x}}}", ODBC_FL_MSSQL);
	check(mk(&x, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "D", "x", " padded",
	         "y", "a;DSN=evil", NULL),
	      "dsn=D;x={ padded};y={a;DSN=evil}", ODBC_FL_UNKNOWN);
	/* '=' inside a value is plain text to ODBC. */
	check(mk(&x, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "D", "opt", "a=b", NULL),
	      "dsn=D;opt=a=b", ODBC_FL_UNKNOWN);
}

/* Keywords of a connection string (the SQLite busy Timeout= is added only
 * when the URL did not set one); a braced value hides what it holds. */
static void test_has_key(void **state)
{
	(void)state;
	assert_true(odbc_connstr_has_key("driver=SQLite3;database=/x.db;timeout=5", "Timeout"));
	assert_true(odbc_connstr_has_key("TIMEOUT=5", "timeout"));
	assert_true(odbc_connstr_has_key("dsn=D; Timeout =5", "timeout"));
	assert_false(odbc_connstr_has_key("driver=SQLite3;database=/x.db", "timeout"));
	assert_false(odbc_connstr_has_key("dsn=D;querytimeout=5", "timeout"));
	assert_false(odbc_connstr_has_key("dsn=D;opt=timeout=5", "timeout"));
	assert_false(odbc_connstr_has_key("dsn=D;y={a;timeout=5}", "timeout"));
	assert_false(odbc_connstr_has_key("dsn=D;y={a}};timeout=5}", "timeout"));
	assert_true(odbc_connstr_has_key("dsn=D;y={a}}b};timeout=5", "timeout"));
	assert_false(odbc_connstr_has_key("", "timeout"));
}

/* Oracle took 30 bytes of a name before 12.2, 128 since. */
static void test_name_max(void **state)
{
	const struct odbc_flavour_info *ora = odbc_flavour_get(ODBC_FL_ORACLE);
	(void)state;
	assert_int_equal(odbc_name_max(ora, NULL), 128);
	assert_int_equal(odbc_name_max(ora, "11.02.0000"), 30);
	assert_int_equal(odbc_name_max(ora, "12.01.0000"), 30);
	assert_int_equal(odbc_name_max(ora, "12.02.0000"), 128);
	assert_int_equal(odbc_name_max(ora, "19.00.0000 Oracle Database 19c"), 128);
	assert_int_equal(odbc_name_max(ora, ""), 128);
	assert_int_equal(odbc_name_max(odbc_flavour_get(ODBC_FL_POSTGRESQL), "11.02.0000"), 63);
	assert_int_equal(odbc_name_max(odbc_flavour_get(ODBC_FL_SQLITE), NULL), 0);
	assert_int_equal(odbc_name_max(NULL, NULL), 0);
}

static void test_flavour_names(void **state)
{
	(void)state;
	assert_int_equal(odbc_flavour_by_dbms("Microsoft SQL Server"), ODBC_FL_MSSQL);
	assert_int_equal(odbc_flavour_by_dbms("Oracle"), ODBC_FL_ORACLE);
	assert_int_equal(odbc_flavour_by_dbms("PostgreSQL"), ODBC_FL_POSTGRESQL);
	assert_int_equal(odbc_flavour_by_dbms("MySQL"), ODBC_FL_MYSQL);
	assert_int_equal(odbc_flavour_by_dbms("MariaDB"), ODBC_FL_MYSQL);
	assert_int_equal(odbc_flavour_by_dbms("SQLite"), ODBC_FL_SQLITE);
	assert_int_equal(odbc_flavour_by_dbms("DB2/LINUXX8664"), ODBC_FL_UNKNOWN);
	assert_int_equal(odbc_flavour_by_dbms(NULL), ODBC_FL_UNKNOWN);
	assert_int_equal(odbc_flavour_by_name("SqlServer"), ODBC_FL_MSSQL);
	assert_int_equal(odbc_flavour_by_name("postgres"), ODBC_FL_POSTGRESQL);
	assert_int_equal(odbc_flavour_by_name("odbc"), ODBC_FL_UNKNOWN);
	assert_null(odbc_flavour_get(ODBC_FL_UNKNOWN));
}

static void test_lock_hash(void **state)
{
	(void)state;
	/* Parts are separated: ("ab", "c") and ("a", "bc") differ. */
	assert_true(odbc_lock_hash("ab", "c", "t") != odbc_lock_hash("a", "bc", "t"));
	assert_true(odbc_lock_hash("db", NULL, "t") == odbc_lock_hash("db", "", "t"));
	assert_true(odbc_lock_hash("db", NULL, "t1") != odbc_lock_hash("db", NULL, "t2"));
	/* FNV-1a of "" three times with separators: fixed, so locks of two
	 * retort versions agree. */
	assert_true(odbc_lock_hash(NULL, NULL, NULL) == odbc_lock_hash("", "", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn_forms),
		cmocka_unit_test(test_server_forms),
		cmocka_unit_test(test_braces),
		cmocka_unit_test(test_has_key),
		cmocka_unit_test(test_name_max),
		cmocka_unit_test(test_flavour_names),
		cmocka_unit_test(test_lock_hash),
	};
	odbc__host = rt_host();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("odbc_connstr", tests, NULL, NULL);
}
