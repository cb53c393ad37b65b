/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_url.c - core/url.c: SQLAlchemy URL grammar,
 * percent-decoding, special forms, and password masking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "url.h"

static struct rt_url *parse_ok(const char *text)
{
	struct rt_url *u = NULL;
	struct rt_err err = { 0, NULL };
	int rc = rt_url_parse(&u, text, &err);
	if (rc != 0)
		fail_msg("parsing '%s' failed: %s", text, err.msg ? err.msg : "(oom)");
	assert_non_null(u);
	rt_err_clear(&err);
	return u;
}

/* Parse text expecting failure; returns the message (caller frees). */
static char *parse_fail(const char *text)
{
	struct rt_url *u = NULL;
	struct rt_err err = { 0, NULL };
	char *msg;
	int rc = rt_url_parse(&u, text, &err);
	if (rc == 0)
		fail_msg("parsing '%s' should have failed", text);
	assert_null(u);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(err.msg);
	msg = err.msg;
	err.msg = NULL;
	return msg;
}

static void test_full_form(void **state)
{
	struct rt_url *u = parse_ok("postgresql://app:secret@localhost:5432/appdb?sslmode=require");
	(void)state;
	assert_string_equal(u->pub.scheme, "postgresql");
	assert_null(u->pub.driver);
	assert_string_equal(u->pub.user, "app");
	assert_string_equal(u->pub.password, "secret");
	assert_string_equal(u->pub.host, "localhost");
	assert_int_equal(u->pub.port, 5432);
	assert_string_equal(u->pub.database, "appdb");
	assert_int_equal(u->pub.n_params, 1);
	assert_string_equal(u->pub.params[0].key, "sslmode");
	assert_string_equal(u->pub.params[0].value, "require");
	assert_string_equal(u->pub.masked,
	                    "postgresql://app:***@localhost:5432/appdb?sslmode=require");
	rt_url_free(u);
}

static void test_user_no_password(void **state)
{
	struct rt_url *u = parse_ok("mysql://app@127.0.0.1/appdb");
	(void)state;
	assert_string_equal(u->pub.scheme, "mysql");
	assert_string_equal(u->pub.user, "app");
	assert_null(u->pub.password);
	assert_string_equal(u->pub.host, "127.0.0.1");
	assert_int_equal(u->pub.port, 0);
	assert_string_equal(u->pub.database, "appdb");
	assert_string_equal(u->pub.masked, "mysql://app@127.0.0.1/appdb");
	rt_url_free(u);

	u = parse_ok("mariadb://localhost/db");
	assert_string_equal(u->pub.scheme, "mariadb");
	assert_null(u->pub.user);
	assert_string_equal(u->pub.host, "localhost");
	rt_url_free(u);
}

static void test_scheme_driver(void **state)
{
	struct rt_url *u = parse_ok("mssql+odbc://user:pw@MyDsn");
	(void)state;
	assert_string_equal(u->pub.scheme, "mssql");
	assert_string_equal(u->pub.driver, "odbc");
	assert_string_equal(u->pub.user, "user");
	assert_string_equal(u->pub.password, "pw");
	assert_string_equal(u->pub.host, "MyDsn");
	assert_null(u->pub.database);
	assert_string_equal(u->pub.masked, "mssql+odbc://user:***@MyDsn");
	rt_url_free(u);

	u = parse_ok("Oracle+ODBC://user:pw@OraDsn");
	assert_string_equal(u->pub.scheme, "oracle"); /* schemes are case-insensitive */
	assert_string_equal(u->pub.driver, "odbc");
	rt_url_free(u);
}

static void test_sqlite_forms(void **state)
{
	struct rt_url *u;
	(void)state;
	u = parse_ok("sqlite:///relative/path.db");
	assert_string_equal(u->pub.scheme, "sqlite");
	assert_null(u->pub.host);
	assert_string_equal(u->pub.database, "relative/path.db");
	rt_url_free(u);

	u = parse_ok("sqlite:////absolute/path.db");
	assert_null(u->pub.host);
	assert_string_equal(u->pub.database, "/absolute/path.db");
	rt_url_free(u);

	u = parse_ok("sqlite://");
	assert_null(u->pub.host);
	assert_null(u->pub.database);
	assert_null(u->pub.user);
	assert_int_equal(u->pub.n_params, 0);
	assert_string_equal(u->pub.masked, "sqlite://");
	rt_url_free(u);

	u = parse_ok("sqlite:///:memory:");
	assert_string_equal(u->pub.database, ":memory:");
	rt_url_free(u);

	/* '@' and ':' in a path are not userinfo. */
	u = parse_ok("sqlite:///data/a:b@c.db?mode=ro");
	assert_null(u->pub.user);
	assert_null(u->pub.password);
	assert_string_equal(u->pub.database, "data/a:b@c.db");
	assert_string_equal(u->pub.params[0].key, "mode");
	rt_url_free(u);

	u = parse_ok("sqlite:///my%20db.sqlite");
	assert_string_equal(u->pub.database, "my db.sqlite");
	rt_url_free(u);
}

static void test_odbc_forms(void **state)
{
	struct rt_url *u;
	(void)state;
	u = parse_ok("odbc://?dsn=MyDsn");
	assert_string_equal(u->pub.scheme, "odbc");
	assert_null(u->pub.host);
	assert_null(u->pub.user);
	assert_null(u->pub.database);
	assert_int_equal(u->pub.n_params, 1);
	assert_string_equal(u->pub.params[0].key, "dsn");
	assert_string_equal(u->pub.params[0].value, "MyDsn");
	rt_url_free(u);

	u = parse_ok("odbc://?driver=SQLite3&database=/tmp/x.db");
	assert_int_equal(u->pub.n_params, 2);
	assert_string_equal(u->pub.params[0].key, "driver");
	assert_string_equal(u->pub.params[0].value, "SQLite3");
	assert_string_equal(u->pub.params[1].key, "database");
	assert_string_equal(u->pub.params[1].value, "/tmp/x.db");
	rt_url_free(u);

	/* '+' is a space in query strings, as in SQLAlchemy's parse_qsl. */
	u = parse_ok("mssql+odbc://u@h/db?driver=ODBC+Driver+18+for+SQL+Server&x=a%2Bb");
	assert_string_equal(u->pub.params[0].value, "ODBC Driver 18 for SQL Server");
	assert_string_equal(u->pub.params[1].value, "a+b");
	rt_url_free(u);

	/* An empty value drops the parameter (SQLAlchemy's parse_qsl);
	 * empty items are skipped. */
	u = parse_ok("postgresql://h/db?x=&&y=1&");
	assert_int_equal(u->pub.n_params, 1);
	assert_string_equal(u->pub.params[0].key, "y");
	rt_url_free(u);

	/* Password-bearing query values are masked; others kept. */
	u = parse_ok("odbc://?dsn=X&UID=me&PWD=hunter2&x=1");
	assert_string_equal(u->pub.masked, "odbc://?dsn=X&UID=me&PWD=***&x=1");
	rt_url_free(u);
	u = parse_ok("mssql+odbc://?odbc_connect=DRIVER%3Dx%3BPWD%3Dhunter2");
	assert_null(strstr(u->pub.masked, "hunter2"));
	rt_url_free(u);
}

static void test_percent_decoding(void **state)
{
	struct rt_url *u;
	(void)state;
	u = parse_ok("postgresql://us%40er:p%40ss%3Aw%2Fo%25rd@db%2Dhost:1/app%20db?k%3D=v%26");
	assert_string_equal(u->pub.user, "us@er");
	assert_string_equal(u->pub.password, "p@ss:w/o%rd");
	assert_string_equal(u->pub.host, "db-host");
	assert_int_equal(u->pub.port, 1);
	assert_string_equal(u->pub.database, "app db");
	assert_string_equal(u->pub.params[0].key, "k=");
	assert_string_equal(u->pub.params[0].value, "v&");
	assert_string_equal(u->pub.masked,
	                    "postgresql://us%40er:***@db%2Dhost:1/app%20db?k%3D=v%26");
	rt_url_free(u);

	/* SQLAlchemy: the password runs to the first '@' and may hold '/', '?', ':'. */
	u = parse_ok("postgresql://u:a/b?c:d@h/db");
	assert_string_equal(u->pub.password, "a/b?c:d");
	assert_string_equal(u->pub.host, "h");
	assert_string_equal(u->pub.database, "db");
	assert_string_equal(u->pub.masked, "postgresql://u:***@h/db");
	rt_url_free(u);

	/* Empty password is a password (""), not none. */
	u = parse_ok("postgresql://u:@h/db");
	assert_string_equal(u->pub.password, "");
	rt_url_free(u);
	/* Empty user with a password, as SQLAlchemy allows. */
	u = parse_ok("postgresql://:pw@h/db");
	assert_null(u->pub.user);
	assert_string_equal(u->pub.password, "pw");
	assert_string_equal(u->pub.masked, "postgresql://:***@h/db");
	rt_url_free(u);
}

static void test_ipv6(void **state)
{
	struct rt_url *u;
	char *msg;
	(void)state;
	u = parse_ok("postgresql://app:pw@[::1]:5433/db");
	assert_string_equal(u->pub.host, "::1");
	assert_int_equal(u->pub.port, 5433);
	assert_string_equal(u->pub.database, "db");
	assert_string_equal(u->pub.masked, "postgresql://app:***@[::1]:5433/db");
	rt_url_free(u);

	u = parse_ok("postgresql://[fe80::1%25eth0]/db");
	assert_string_equal(u->pub.host, "fe80::1%eth0");
	assert_int_equal(u->pub.port, 0);
	rt_url_free(u);

	/* An '@' in the query does not turn "[" into a user name. */
	u = parse_ok("postgresql://[::1]:5432/db?email=a@b");
	assert_null(u->pub.user);
	assert_string_equal(u->pub.host, "::1");
	assert_int_equal(u->pub.port, 5432);
	assert_string_equal(u->pub.params[0].value, "a@b");
	rt_url_free(u);

	u = parse_ok("mysql://[2001:db8::7]");
	assert_string_equal(u->pub.host, "2001:db8::7");
	assert_null(u->pub.database);
	rt_url_free(u);

	msg = parse_fail("postgresql://[::1/db");
	assert_non_null(strstr(msg, "closing ']'"));
	free(msg);
	msg = parse_fail("postgresql://[nothex]/db");
	assert_non_null(strstr(msg, "IPv6"));
	free(msg);
	msg = parse_fail("postgresql://[::1]x/db");
	assert_non_null(strstr(msg, "after the IPv6"));
	free(msg);
}

static void test_ports(void **state)
{
	struct rt_url *u;
	char *msg;
	(void)state;
	u = parse_ok("postgresql://h:65535");
	assert_int_equal(u->pub.port, 65535);
	assert_null(u->pub.database);
	rt_url_free(u);
	u = parse_ok("postgresql://h:1?x=y");
	assert_int_equal(u->pub.port, 1);
	rt_url_free(u);

	msg = parse_fail("postgresql://h:0/db");
	assert_non_null(strstr(msg, "1 to 65535"));
	free(msg);
	msg = parse_fail("postgresql://h:65536/db");
	assert_non_null(strstr(msg, "1 to 65535"));
	free(msg);
	msg = parse_fail("postgresql://h:99999999999999999999999/db");
	assert_non_null(strstr(msg, "1 to 65535"));
	free(msg);
	msg = parse_fail("postgresql://h:54x2/db");
	assert_non_null(strstr(msg, "port"));
	free(msg);
	msg = parse_fail("postgresql://h:/db");
	assert_non_null(strstr(msg, "empty port"));
	free(msg);
	msg = parse_fail("postgresql://h:-1/db");
	assert_non_null(strstr(msg, "port"));
	free(msg);
}

static void test_malformed(void **state)
{
	char *msg;
	(void)state;
	msg = parse_fail("");
	assert_non_null(strstr(msg, "empty"));
	free(msg);
	msg = parse_fail("   \n");
	assert_non_null(strstr(msg, "empty"));
	free(msg);
	msg = parse_fail("localhost/db");
	assert_non_null(strstr(msg, "no scheme"));
	free(msg);
	msg = parse_fail("postgresql:/localhost/db");
	assert_non_null(strstr(msg, "no scheme"));
	free(msg);
	msg = parse_fail("://localhost/db");
	assert_non_null(strstr(msg, "scheme is empty"));
	free(msg);
	msg = parse_fail("post gres://localhost/db");
	assert_non_null(strstr(msg, "scheme may hold only"));
	free(msg);
	msg = parse_fail("a+b+c://localhost/db");
	assert_non_null(strstr(msg, "more than one '+'"));
	free(msg);
	msg = parse_fail("+odbc://x");
	assert_non_null(strstr(msg, "scheme before '+'"));
	free(msg);
	msg = parse_fail("mssql+://x");
	assert_non_null(strstr(msg, "driver after '+'"));
	free(msg);
	msg = parse_fail("postgresql://h/db%zz");
	assert_non_null(strstr(msg, "percent-escape in the database name"));
	free(msg);
	msg = parse_fail("postgresql://h/db%4");
	assert_non_null(strstr(msg, "percent-escape"));
	free(msg);
	msg = parse_fail("postgresql://h/db%");
	assert_non_null(strstr(msg, "percent-escape"));
	free(msg);
	msg = parse_fail("postgresql://h/db%00x");
	assert_non_null(strstr(msg, "percent-escape"));
	free(msg);
	msg = parse_fail("postgresql://h/db?flag");
	assert_non_null(strstr(msg, "no '='"));
	free(msg);
	msg = parse_fail("postgresql://h/db?=v");
	assert_non_null(strstr(msg, "empty name"));
	free(msg);
	msg = parse_fail("postgresql://u:p@ss@h/db");
	assert_non_null(strstr(msg, "%40"));
	assert_null(strstr(msg, "p@ss"));
	free(msg);
}

static void test_decode(void **state)
{
	char *s = NULL;
	(void)state;
	assert_int_equal(rt_url_decode(&s, "a%41%62+c", 9), 0);
	assert_string_equal(s, "aAb+c");
	free(s);
	assert_int_equal(rt_url_decode(&s, "%4", 2), -1);
	assert_null(s);
	assert_int_equal(rt_url_decode(&s, "%g0", 3), -1);
	assert_null(s);
	/* n bounds the input: the escape would be complete but is cut. */
	assert_int_equal(rt_url_decode(&s, "ab%41", 4), -1);
	assert_int_equal(rt_url_decode(&s, "", 0), 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_mask(void **state)
{
	char *m;
	(void)state;
	m = rt_url_mask("postgresql://app:secret@localhost/db");
	assert_string_equal(m, "postgresql://app:***@localhost/db");
	free(m);
	m = rt_url_mask("sqlite:///x.db");
	assert_string_equal(m, "sqlite:///x.db");
	free(m);
	/* Does not parse (bad port), still masked. */
	m = rt_url_mask("postgresql://app:secret@localhost:nope/db");
	assert_string_equal(m, "postgresql://app:***@localhost:nope/db");
	free(m);
	/* Unencoded '@' in the password: everything up to the last '@'. */
	m = rt_url_mask("postgresql://app:se@cret@localhost/db");
	assert_string_equal(m, "postgresql://app:***@localhost/db");
	free(m);
	/* Password without host. */
	m = rt_url_mask("postgresql://app:secret");
	assert_string_equal(m, "postgresql://app:***");
	free(m);
	/* No scheme. */
	m = rt_url_mask("app:secret@localhost/db");
	assert_string_equal(m, "app:***@localhost/db");
	free(m);
	m = rt_url_mask(NULL);
	assert_string_equal(m, "");
	free(m);
}

/* Regression (issue 12): a mistyped parameter without '=' was echoed whole
 * by the parse error ("?password:Secr3t"). */
static void test_mask_malformed_query(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "postgresql://u@h/d?password:Secr3t", "postgresql://u@h/d?password:***" },
		{ "postgresql://u@h/d?sslmode=require&PWD Secr3t", "postgresql://u@h/d?sslmode=require&PWD ***" },
		{ "postgresql://u@h/d?passwordSecr3t", "postgresql://u@h/d?password***" },
		{ "postgresql://u@h/d?pwdSecr3t&x=1", "postgresql://u@h/d?pwd***&x=1" },
		{ "postgresql://u@h/d?tokenSecr3t", "postgresql://u@h/d?token***" },
		{ "postgresql://u@h/d?sslmode", "postgresql://u@h/d?sslmode" },
		{ "postgresql://u@h/d?my-option:x", "postgresql://u@h/d?my-***" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rt_url *u = NULL;
		struct rt_err err = { 0, NULL };
		char *m = rt_url_mask(cases[i].in);
		assert_non_null(m);
		if (strcmp(m, cases[i].want) != 0)
			fail_msg("mask(%s) = %s, wanted %s", cases[i].in, m, cases[i].want);
		free(m);
		/* The parse error shows the same masked text. */
		assert_int_equal(rt_url_parse(&u, cases[i].in, &err), -1);
		assert_non_null(strstr(err.msg, cases[i].want));
		assert_null(strstr(err.msg, "Secr3t"));
		rt_err_clear(&err);
	}
	assert_int_equal(rt_url_has_secret("postgresql://u@h/d?password:Secr3t"), 1);
	assert_int_equal(rt_url_has_secret("postgresql://u@h/d?sslmode"), 0);
	assert_int_equal(rt_url_has_secret("postgresql://u:p@h/d"), 1);
	assert_int_equal(rt_url_has_secret("postgresql://u:@h/d"), 0);
	assert_int_equal(rt_url_has_secret("postgresql://u@h/d?password="), 0);
	assert_int_equal(rt_url_has_secret("postgresql://u@h/d?Password=x"), 1);
	assert_int_equal(rt_url_has_secret("odbc://?odbc_connect=DSN%3Dx"), 0);
	assert_int_equal(rt_url_has_secret("odbc://?odbc_connect=DSN%3Dx%3Bpwd%3Dy"), 1);
}

static void test_mask_text(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "cannot reach postgresql://admin:Sekr1t@db:5432/prod: refused",
		  "cannot reach postgresql://admin:***@db:5432/prod: refused" },
		{ "url 'mysql+pymysql://u:Sekr1t@h/db' and \"odbc://?dsn=x&pwd=Sekr1t\"",
		  "url 'mysql+pymysql://u:***@h/db' and \"odbc://?dsn=x&pwd=***\"" },
		{ "conninfo host=h password=Sekr1t dbname=x", "conninfo host=h password=*** dbname=x" },
		{ "password='Sek r1t' user=u", "password=*** user=u" },
		{ "DRIVER={x};UID=u;PWD={Sek;r1t};", "DRIVER={x};UID=u;PWD=***;" },
		{ "Password: Sekr1t", "Password: ***" },
		{ "bad URL x://u:Sekr1t@h:port/d", "bad URL x://u:***@h:port/d" },
		{ "no secrets here: sqlite:///x.db", "no secrets here: sqlite:///x.db" },
		{ "mypassword=Sekr1t", "mypassword=Sekr1t" }, /* not a key of its own */
		/* issue 12 item 7: MariaDB's phrase keeps its words and its ')' */
		{ "Access denied for user 'app'@'h' (using password: YES) [SQLSTATE 28000]",
		  "Access denied for user 'app'@'h' (using password: YES) [SQLSTATE 28000]" },
		{ "Access denied for user 'app'@'h' (using password: NO)",
		  "Access denied for user 'app'@'h' (using password: NO)" },
		{ "(password: YESSIR)", "(password: ***" },
		{ "password: YES", "password: ***" },
		{ "", "" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = rt_url_mask_text(cases[i].in);
		assert_non_null(m);
		if (strcmp(m, cases[i].want) != 0)
			fail_msg("mask_text(%s) = %s, want %s", cases[i].in, m, cases[i].want);
		free(m);
	}
}

/*
 * Property: for many malformed URLs holding a known password in every
 * position we can think of, neither the parse error nor rt_url_mask() ever
 * contains the password (or a recognisable half of it).
 */
static const char *const PW[] = {
	"Zq7Secretw0rd", "Zq7Se/cretw0rd", "Zq7Se@cretw0rd", "Zq7Se:cretw0rd",
	"Zq7Se?cretw0rd", "Zq7Se%zzcretw0rd", "Zq7Se%cretw0rd", "Zq7Se#cretw0rd",
	"Zq7Se&pwd=cretw0rd", "Zq7Se]cretw0rd", "Zq7Se[cretw0rd", "Zq7Se cretw0rd",
};

static const char *const SHAPES[] = {
	/* %s is the password */
	"postgresql://app:%s@localhost:notaport/db",
	"postgresql://app:%s@localhost:99999/db",
	"postgresql://app:%s@localhost:/db",
	"postgresql://app:%s@localhost/db%%zz",
	"postgresql://app:%s@localhost/db?novalue",
	"postgresql://app:%s@localhost/db?=v",
	"postgresql://app:%s@[::1/db",
	"postgresql://app:%s@[zz]/db",
	"postgresql://app:%s@[::1]junk/db",
	"postgresql//app:%s@localhost/db",
	"postgresql:/app:%s@localhost/db",
	"postgresql:app:%s@localhost/db",
	"app:%s@localhost/db",
	"://app:%s@localhost/db",
	"post gresql://app:%s@localhost/db",
	"a+b+c://app:%s@localhost/db",
	"+x://app:%s@localhost/db",
	"x+://app:%s@localhost/db",
	"postgresql://app:%s",
	"postgresql://app:%s/db",
	"postgresql://app:%s@",
	"postgresql://app:%s@@host:x/db",
	"postgresql://app:%s@host@other:x/db",
	"postgresql://:%s@host:x/db",
	"mysql://app:%s@h:1:2/db",
	"odbc://?dsn=x&pwd=%s&bad",
	"odbc://?dsn=x&password=%s&=v",
	"odbc://?dsn=x&PWD=%s&x=%%zz",
	"mssql+odbc://?odbc_connect=DRIVER%%3Dx%%3BPWD%%3D%s&bad",
	"mssql+odbc://u:%s@dsn:port",
	"  postgresql://app:%s@localhost:x/db  ",
};

static void check_no_leak(const char *url, const char *pw, const char *text)
{
	char half1[64], half2[64];
	size_t n = strlen(pw);
	/* The password's distinctive halves, minus a character either side. */
	snprintf(half1, sizeof(half1), "%.*s", (int)(n / 2), pw);
	snprintf(half2, sizeof(half2), "%s", pw + n / 2 + 1);
	if (strstr(text, pw) || strstr(text, half1) || strstr(text, half2))
		fail_msg("password '%s' leaked for URL '%s': %s", pw, url, text);
}

static void test_property_no_password_in_errors(void **state)
{
	size_t i, j, checked = 0;
	(void)state;
	for (i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++) {
		for (j = 0; j < sizeof(PW) / sizeof(PW[0]); j++) {
			char url[512];
			struct rt_url *u = NULL;
			struct rt_err err = { 0, NULL };
			char *m;
			snprintf(url, sizeof(url), SHAPES[i], PW[j]);
			if (rt_url_parse(&u, url, &err) == 0) {
				/* A few combinations are valid URLs (an unencoded
				 * '@' ends the password early, as in SQLAlchemy);
				 * then what parsed as the password must be hidden. */
				m = rt_url_mask(url);
				assert_non_null(m);
				if (u->password && strlen(u->password) >= 4 &&
				    (strstr(u->pub.masked, u->password) || strstr(m, u->password)))
					fail_msg("masked form of '%s' shows the password", url);
				free(m);
				rt_url_free(u);
				continue;
			}
			assert_non_null(err.msg);
			check_no_leak(url, PW[j], err.msg);
			checked++;
			rt_err_clear(&err);
			m = rt_url_mask(url);
			assert_non_null(m);
			check_no_leak(url, PW[j], m);
			free(m);
		}
	}
	/* The property is only meaningful if most of them really failed. */
	assert_true(checked > (sizeof(SHAPES) / sizeof(SHAPES[0])) * 8);
}

/* Random mutations of a valid URL: no crash, no leak. */
static void test_property_random_mutations(void **state)
{
	const char *base = "postgresql://app:Zq7Secretw0rd@localhost:5432/db?sslmode=require";
	const char alphabet[] = ":/@?&=%[]+ #x0";
	unsigned seed = 12345;
	int iter;
	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		char url[128];
		struct rt_url *u = NULL;
		struct rt_err err = { 0, NULL };
		int k, muts;
		char *m;
		const char *pwpos;
		strcpy(url, base);
		seed = seed * 1103515245u + 12345u;
		muts = 1 + (int)((seed >> 16) % 3);
		for (k = 0; k < muts; k++) {
			size_t len = strlen(url), pos;
			seed = seed * 1103515245u + 12345u;
			pos = (seed >> 16) % len;
			/* Mutate only around, not inside, the password so the
			 * password stays a recognisable string to search for. */
			pwpos = strstr(url, "Zq7Secretw0rd");
			if (pwpos && pos >= (size_t)(pwpos - url) &&
			    pos < (size_t)(pwpos - url) + 13)
				continue;
			seed = seed * 1103515245u + 12345u;
			url[pos] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if (!strstr(url, "Zq7Secretw0rd"))
			continue;
		if (rt_url_parse(&u, url, &err) == 0) {
			if (u->password && strlen(u->password) >= 4 &&
			    strstr(u->pub.masked, u->password))
				fail_msg("masked form shows the password: %s", url);
			rt_url_free(u);
		} else {
			assert_non_null(err.msg);
			/* While the ':' introducing it survives, it is a
			 * password and must not be echoed. */
			if (strstr(url, ":Zq7Secretw0rd") && strstr(err.msg, "Zq7Secretw0rd"))
				fail_msg("error leaks the password for '%s': %s", url, err.msg);
		}
		rt_err_clear(&err);
		m = rt_url_mask(url);
		assert_non_null(m);
		free(m);
	}
}

static void test_oom(void **state)
{
	unsigned long n;
	(void)state;
	/* Every allocation failure yields a clean error and no leak. */
	for (n = 1; n < 200; n++) {
		struct rt_url *u = NULL;
		struct rt_err err = { 0, NULL };
		int rc;
		rt__alloc_fail_after(n);
		rc = rt_url_parse(&u, "postgresql://a:b@[::1]:5/d?x=1&y=2", &err);
		rt__alloc_fail_after(0);
		if (rc == 0) {
			rt_url_free(u);
			break;
		}
		assert_null(u);
		rt_err_clear(&err);
	}
	assert_true(n < 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_form),
		cmocka_unit_test(test_user_no_password),
		cmocka_unit_test(test_scheme_driver),
		cmocka_unit_test(test_sqlite_forms),
		cmocka_unit_test(test_odbc_forms),
		cmocka_unit_test(test_percent_decoding),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_mask_malformed_query),
		cmocka_unit_test(test_mask_text),
		cmocka_unit_test(test_property_no_password_in_errors),
		cmocka_unit_test(test_property_random_mutations),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
