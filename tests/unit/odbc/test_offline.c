/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/odbc/test_offline.c - the odbc plugin without any database:
 * URL handling, flavour selection, quoting, statement splitting (GO
 * batches, Oracle '/' blocks) and offline SQL for all five flavours,
 * compared with Alembic's own offline output (tests/odbc/golden/, which
 * tests/odbc/alembic.sh regenerates with Alembic and compares).
 */
#include "config.h"
#include "odbc_test.h"

/* Read a whole file into a malloc'ed string, NULL if it cannot. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (s = malloc((size_t)n + 1)) != NULL) {
		if (fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		} else {
			s[n] = '\0';
		}
	}
	fclose(f);
	return s;
}

static const char *const flavours[] = { "mssql", "oracle", "postgresql", "mysql", "sqlite" };

/* A handle for a flavour, offline (odbc://?dsn=x&flavour=F). */
static struct retort_conn *make(const char *flavour, const char *table, const char *schema)
{
	struct test_url u;
	struct retort_dialect_options o = test_opts(table, schema, 0);
	struct retort_conn *c = NULL;
	struct retort_error e;
	rt_dialect_error_init(&e);
	assert_int_equal(odbc_vt->create(&c, test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0,
	                                              NULL, "dsn", "x", "flavour", flavour, NULL),
	                                 &o, &e), 0);
	rt_dialect_error_free(&e);
	return c;
}

static char *offline(struct retort_conn *c, int what, const char *arg)
{
	char *out = NULL;
	struct retort_error e;
	rt_dialect_error_init(&e);
	assert_int_equal(odbc_vt->offline_sql(c, what, arg, arg ? strlen(arg) : 0, &out, &e), 0);
	assert_non_null(out);
	rt_dialect_error_free(&e);
	return out;
}

static int setup(void **state)
{
	(void)state;
	return odbc_load() ? 0 : -1;
}

static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(odbc_vt->abi_major, RETORT_DIALECT_ABI_MAJOR);
	assert_int_equal(odbc_vt->abi_minor, RETORT_DIALECT_ABI_MINOR);
	assert_int_equal(odbc_vt->struct_size, sizeof(struct retort_dialect));
	assert_string_equal(odbc_vt->name, "odbc");
	assert_string_equal(odbc_vt->schemes[0], "odbc");
	assert_string_equal(odbc_vt->schemes[1], "mssql");
	assert_string_equal(odbc_vt->schemes[2], "oracle");
	assert_null(odbc_vt->schemes[3]);
}

/* odbc:// without ?flavour=: create works (no I/O), offline work is
 * refused with a message saying what to add. */
static void test_offline_needs_flavour(void **state)
{
	struct test_url u;
	struct retort_dialect_options o = test_opts("alembic_version", NULL, 0);
	struct retort_conn *c = NULL;
	struct retort_error e;
	char *out = (char *)"x";
	(void)state;

	rt_dialect_error_init(&e);
	assert_int_equal(odbc_vt->create(&c, test_url(&u, "odbc", NULL, "u", "s3cr3t-pw", NULL,
	                                              0, NULL, "dsn", "Nowhere", NULL),
	                                 &o, &e), 0);
	assert_int_equal(odbc_vt->caps(c), 0);
	assert_int_equal(odbc_vt->offline_sql(c, RETORT_OFFLINE_BEGIN, NULL, 0, &out, &e),
	                 RETORT_EUSAGE);
	assert_null(out);
	assert_non_null(strstr(e.message, "?flavour="));
	rt_dialect_error_free(&e);
	assert_int_equal(odbc_vt->quote_identifier(c, "t", &out, &e), RETORT_EUSAGE);
	rt_dialect_error_free(&e);
	/* no flavour, no dialect rules: the core splits on ';' alone */
	assert_int_equal(odbc_vt->split_rules(c), RETORT_SPLIT_GENERIC);
	odbc_vt->destroy(c);
	odbc_vt->destroy(NULL);
}

struct url_case {
	const char *scheme, *driver, *user, *password, *host;
	unsigned port;
	const char *database;
	const char *k1, *v1, *k2, *v2;
	const char *want; /* substring of the message */
};

static void test_url_errors(void **state)
{
	static const struct url_case cases[] = {
		{ "mssql", "pymssql", "u", "s3cr3t-pw", "Dsn", 0, NULL, NULL, NULL, NULL, NULL,
		  "'+pymssql'" },
		{ "odbc", NULL, NULL, NULL, NULL, 0, NULL, "uid", "u", "pwd", "s3cr3t-pw",
		  "names no data source" },
		{ "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "x", "flavour", "bogus",
		  "unknown ODBC flavour 'bogus'" },
		{ "mssql", "odbc", NULL, NULL, NULL, 0, NULL, "dsn", "x", "flavour", "oracle",
		  "contradicts" },
		{ "mssql", "odbc", "u", "s3cr3t-pw", "Dsn", 1433, NULL, NULL, NULL, NULL, NULL,
		  "drop the port" },
		{ "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "x", "DSN", "y", "given twice" },
		{ "odbc", "odbc", "u", "s3cr3t-pw", "Dsn", 0, NULL, "UID", "v", NULL, NULL,
		  "given twice" },
		{ "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "x", "a;b", "1",
		  "invalid ODBC connection string keyword 'a;b'" },
		{ "odbc", NULL, NULL, NULL, NULL, 0, "db", "driver", "x", NULL, NULL,
		  "needs a host" },
		{ "sybase", "odbc", NULL, NULL, "Dsn", 0, NULL, NULL, NULL, NULL, NULL,
		  "'sybase'" },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct url_case *k = &cases[i];
		struct test_url u;
		struct retort_dialect_options o = test_opts(NULL, NULL, 0);
		struct retort_conn *c = NULL;
		struct retort_error e;
		rt_dialect_error_init(&e);
		test_url(&u, k->scheme, k->driver, k->user, k->password, k->host, k->port,
		         k->database, k->k1, k->v1, k->k2, k->v2, NULL);
		assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), RETORT_EUSAGE);
		assert_null(c);
		assert_non_null(e.message);
		if (!strstr(e.message, k->want))
			fail_msg("case %u: '%s' lacks '%s'", (unsigned)i, e.message, k->want);
		assert_null(strstr(e.message, "s3cr3t"));
		rt_dialect_error_free(&e);
	}
}

static void test_caps_by_flavour(void **state)
{
	static const struct { const char *scheme, *flavour; unsigned caps; } cases[] = {
		{ "mssql", NULL, RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		                 RETORT_CAP_SCHEMAS | RETORT_CAP_NONTX_SCRIPTS },
		{ "oracle", NULL, RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS |
		                  RETORT_CAP_NONTX_SCRIPTS },
		{ "odbc", "postgres", RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		                      RETORT_CAP_SCHEMAS | RETORT_CAP_NONTX_SCRIPTS |
		                      RETORT_CAP_CREATE_IF_ABSENT },
		{ "odbc", "MariaDB", RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS |
		                     RETORT_CAP_NONTX_SCRIPTS | RETORT_CAP_CREATE_IF_ABSENT },
		{ "odbc", "sqlite3", RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS |
		                     RETORT_CAP_CREATE_IF_ABSENT },
		{ "mssql", "SQLServer", RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		                        RETORT_CAP_SCHEMAS | RETORT_CAP_NONTX_SCRIPTS },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_url u;
		struct retort_dialect_options o = test_opts(NULL, NULL, 0);
		struct retort_conn *c = NULL;
		struct retort_error e;
		rt_dialect_error_init(&e);
		if (cases[i].flavour)
			test_url(&u, cases[i].scheme, "odbc", NULL, NULL, "Dsn", 0, NULL,
			         "flavor", cases[i].flavour, NULL);
		else
			test_url(&u, cases[i].scheme, "odbc", "u", "p", "Dsn", 0, NULL, NULL);
		assert_int_equal(odbc_vt->create(&c, &u.url, &o, &e), 0);
		assert_int_equal(odbc_vt->caps(c), cases[i].caps);
		odbc_vt->destroy(c);
		rt_dialect_error_free(&e);
	}
}

/* create() with a version table (or schema) name of n copies of unit. */
static int create_named(const char *flavour, const char *unit, size_t n, int in_schema,
                        struct retort_error *e)
{
	char name[600] = "";
	struct test_url u;
	struct retort_dialect_options o;
	struct retort_conn *c = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		strcat(name, unit);
	o = test_opts(in_schema ? "v" : name, in_schema ? name : NULL, 0);
	if (flavour)
		test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "x", "flavour", flavour,
		         NULL);
	else
		test_url(&u, "odbc", NULL, NULL, NULL, NULL, 0, NULL, "dsn", "x", NULL);
	rt_dialect_error_free(e);
	rc = odbc_vt->create(&c, &u.url, &o, e);
	assert_true(rc == 0 ? c != NULL : c == NULL);
	odbc_vt->destroy(c);
	return rc;
}

/*
 * Names the engine behind the flavour would cut or refuse are refused at
 * create(), in the native plugins' words: PostgreSQL keeps 63 bytes (and
 * <table>_pkc must not be cut to the table's name), MySQL 64 characters,
 * SQL Server 128 characters, Oracle 128 bytes (<table>_pkc included).
 */
static void test_name_limits(void **state)
{
	struct retort_error e;
	(void)state;
	rt_dialect_error_init(&e);

	assert_int_equal(create_named("postgresql", "a", 60, 0, &e), RETORT_EUSAGE);
	assert_string_equal(e.message, "version_table is 60 bytes long, but PostgreSQL keeps 63 "
	                    "bytes of a name and the table's primary key is named "
	                    "<version_table>_pkc: write a name of at most 59 bytes");
	assert_int_equal(create_named("postgresql", "a", 59, 0, &e), 0);
	/* bytes, not characters */
	assert_int_equal(create_named("postgresql", "\xc3\xa9", 30, 0, &e), RETORT_EUSAGE);
	assert_int_equal(create_named("postgresql", "a", 64, 1, &e), RETORT_EUSAGE);
	assert_string_equal(e.message, "version_table_schema is 64 bytes long, but PostgreSQL "
	                    "keeps 63 bytes of a name: write a shorter one");
	assert_int_equal(create_named("postgresql", "a", 63, 1, &e), 0);

	assert_int_equal(create_named("mysql", "a", 65, 0, &e), RETORT_EUSAGE);
	assert_non_null(strstr(e.message, "version_table is 65 characters long, but MySQL names "
	                                  "are at most 64"));
	assert_int_equal(create_named("mysql", "a", 64, 0, &e), 0);
	assert_int_equal(create_named("mysql", "\xc3\xa9", 64, 0, &e), 0); /* characters */
	assert_int_equal(create_named("mariadb", "a", 65, 1, &e), RETORT_EUSAGE);
	assert_non_null(strstr(e.message, "version_table_schema is 65 characters long"));

	assert_int_equal(create_named("mssql", "a", 125, 0, &e), RETORT_EUSAGE);
	assert_non_null(strstr(e.message, "SQL Server names are at most 128 characters and the "
	                                  "table's primary key is named <version_table>_pkc: "
	                                  "write a name of at most 124 characters"));
	assert_int_equal(create_named("mssql", "a", 124, 0, &e), 0);
	assert_int_equal(create_named("oracle", "a", 125, 0, &e), RETORT_EUSAGE);
	assert_non_null(strstr(e.message, "Oracle names are at most 128 bytes"));
	assert_int_equal(create_named("oracle", "a", 124, 0, &e), 0);

	/* SQLite has no limit; odbc:// without ?flavour= checks at connect() */
	assert_int_equal(create_named("sqlite", "a", 300, 0, &e), 0);
	assert_int_equal(create_named(NULL, "a", 300, 0, &e), 0);
	rt_dialect_error_free(&e);
}

static void test_quote_identifier(void **state)
{
	static const struct { const char *fl, *in, *out; } cases[] = {
		{ "mssql", "alembic_version", "alembic_version" },
		{ "mssql", "select", "[select]" },
		{ "mssql", "My Versions", "[My Versions]" },
		{ "mssql", "a]b", "[a]]b]" },
		{ "mssql", "1abc", "[1abc]" },
		{ "mssql", "user", "[user]" },
		{ "oracle", "_x", "\"_x\"" },
		{ "oracle", "Tbl", "\"Tbl\"" },
		{ "oracle", "a\"b", "\"a\"\"b\"" },
		{ "oracle", "select", "\"select\"" },
		{ "oracle", "abc$", "abc$" },
		{ "postgresql", "user", "\"user\"" },
		{ "postgresql", "_x", "_x" },
		{ "postgresql", "$x", "\"$x\"" },
		{ "mysql", "select", "`select`" },
		{ "mysql", "a`b", "`a``b`" },
		{ "mysql", "Mixed", "`Mixed`" },
		{ "mysql", "plain_name", "plain_name" },
		{ "sqlite", "table", "\"table\"" },
		{ "sqlite", "version_num", "version_num" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct retort_conn *c = make(cases[i].fl, NULL, NULL);
		struct retort_error e;
		char *out = NULL;
		rt_dialect_error_init(&e);
		assert_int_equal(odbc_vt->quote_identifier(c, cases[i].in, &out, &e), 0);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("%s: %s -> %s, want %s", cases[i].fl, cases[i].in, out,
			         cases[i].out);
		rt_free(out);
		assert_int_equal(odbc_vt->quote_identifier(c, "", &out, &e), RETORT_EUSAGE);
		rt_dialect_error_free(&e);
		odbc_vt->destroy(c);
	}
}

static void test_quote_literal(void **state)
{
	static const struct { const char *fl, *in, *out; } cases[] = {
		{ "postgresql", "it's", "'it''s'" },
		{ "mssql", "a\\b'", "'a\\b'''" },
		{ "oracle", "", "''" },
		{ "mysql", "a\\b'c", "'a\\\\b''c'" },
		{ "sqlite", "x", "'x'" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct retort_conn *c = make(cases[i].fl, NULL, NULL);
		struct retort_error e;
		char *out = NULL;
		rt_dialect_error_init(&e);
		assert_int_equal(odbc_vt->quote_literal(c, cases[i].in, &out, &e), 0);
		assert_string_equal(out, cases[i].out);
		rt_free(out);
		rt_dialect_error_free(&e);
		odbc_vt->destroy(c);
	}
}

static void test_offline_pieces(void **state)
{
	static const struct {
		const char *fl, *begin, *commit, *stmt;
	} cases[] = {
		{ "mssql", "BEGIN TRANSACTION;", "COMMIT;\n\nGO", "SELECT 1;\n\nGO" },
		{ "oracle", "", "", "SELECT 1\n\n/" },
		{ "postgresql", "BEGIN;", "COMMIT;", "SELECT 1;" },
		{ "mysql", "", "", "SELECT 1;" },
		{ "sqlite", "", "", "SELECT 1;" },
	};
	size_t i;
	char *s;
	struct retort_conn *c;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = make(cases[i].fl, NULL, NULL);
		s = offline(c, RETORT_OFFLINE_BEGIN, NULL);
		assert_string_equal(s, cases[i].begin);
		rt_free(s);
		s = offline(c, RETORT_OFFLINE_COMMIT, NULL);
		assert_string_equal(s, cases[i].commit);
		rt_free(s);
		s = offline(c, RETORT_OFFLINE_STATEMENT, "\n  SELECT 1 \n");
		assert_string_equal(s, cases[i].stmt);
		rt_free(s);
		odbc_vt->destroy(c);
	}

	/* Schema and a name that needs quoting, as Alembic renders them. */
	c = make("mssql", "My Versions", "App");
	s = offline(c, RETORT_OFFLINE_VERSION_DDL, NULL);
	assert_string_equal(s, "CREATE TABLE [App].[My Versions] (\n"
	                       "    version_num VARCHAR(32) NOT NULL, \n"
	                       "    CONSTRAINT [My Versions_pkc] PRIMARY KEY (version_num)\n"
	                       ");\n\nGO");
	rt_free(s);
	/* A batch that ends in ';' gets no second one. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, "EXEC p;");
	assert_string_equal(s, "EXEC p;\n\nGO");
	rt_free(s);
	s = offline(c, RETORT_OFFLINE_STATEMENT, "SELECT 1\n-- last words");
	assert_string_equal(s, "SELECT 1\n-- last words\n;\n\nGO");
	rt_free(s);
	odbc_vt->destroy(c);

	c = make("oracle", "select", "app");
	s = offline(c, RETORT_OFFLINE_VERSION_DDL, NULL);
	assert_string_equal(s, "CREATE TABLE app.\"select\" (\n"
	                       "    version_num VARCHAR2(32 CHAR) NOT NULL, \n"
	                       "    CONSTRAINT select_pkc PRIMARY KEY (version_num)\n"
	                       ")\n\n/");
	rt_free(s);
	s = offline(c, RETORT_OFFLINE_STATEMENT, "BEGIN\n  NULL;\nEND;");
	assert_string_equal(s, "BEGIN\n  NULL;\nEND;\n\n/");
	rt_free(s);
	odbc_vt->destroy(c);

	/* MySQL: a body with ';' (from a DELIMITER block) keeps a delimiter
	 * the mysql client does not cut at. */
	c = make("mysql", NULL, NULL);
	s = offline(c, RETORT_OFFLINE_STATEMENT,
	            "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END");
	assert_string_equal(s, "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; "
	                       "END\n//\nDELIMITER ;");
	rt_free(s);
	/* A ';' inside a literal or a comment does not need one. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, "INSERT INTO t VALUES ('a;b') -- c;d");
	/* ...and a trailing line comment does not swallow the terminator. */
	assert_string_equal(s, "INSERT INTO t VALUES ('a;b') -- c;d\n;");
	rt_free(s);
	/* Nor is the delimiter one the body holds. */
	s = offline(c, RETORT_OFFLINE_STATEMENT, "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH "
	            "ROW BEGIN SET NEW.a = '//'; SET NEW.b = 1; END");
	assert_string_equal(s, "DELIMITER $$\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW "
	                       "BEGIN SET NEW.a = '//'; SET NEW.b = 1; END\n$$\nDELIMITER ;");
	rt_free(s);
	odbc_vt->destroy(c);
}

/* ---------------------------------------------------- Alembic golden files */

struct script {
	struct retort_conn *c;
	const char *fl;
	char *text;
	size_t len;
};

/* Append one piece and the blank line Alembic's static_output() adds. */
static void piece(struct script *s, char *p)
{
	size_t n = strlen(p);
	s->text = realloc(s->text, s->len + n + 3);
	assert_non_null(s->text);
	memcpy(s->text + s->len, p, n);
	memcpy(s->text + s->len + n, "\n\n", 3);
	s->len += n + 2;
}

static void stmt(struct script *s, const char *sql)
{
	char *p = offline(s->c, RETORT_OFFLINE_STATEMENT, sql);
	piece(s, p);
	rt_free(p);
}

static char *lit(struct script *s, const char *v)
{
	char *out = NULL;
	struct retort_error e;
	rt_dialect_error_init(&e);
	assert_int_equal(odbc_vt->quote_literal(s->c, v, &out, &e), 0);
	return out;
}

/*
 * The version table statements as Alembic writes them.  They are the
 * engine's to build (SQLAlchemy adds OUTPUT on SQL Server and RETURNING on
 * PostgreSQL); this harness builds them the same way so that everything
 * the plugin renders (BEGIN/COMMIT, DDL, terminators, batch separators,
 * literals) is checked in place against Alembic's whole script.
 */
static void version_insert(struct script *s, const char *rev)
{
	char sql[256], *v = lit(s, rev);
	if (strcmp(s->fl, "mssql") == 0)
		snprintf(sql, sizeof(sql), "INSERT INTO alembic_version (version_num) OUTPUT "
		         "inserted.version_num VALUES (%s)", v);
	else if (strcmp(s->fl, "postgresql") == 0)
		snprintf(sql, sizeof(sql), "INSERT INTO alembic_version (version_num) VALUES (%s) "
		         "RETURNING alembic_version.version_num", v);
	else
		snprintf(sql, sizeof(sql), "INSERT INTO alembic_version (version_num) VALUES (%s)", v);
	rt_free(v);
	stmt(s, sql);
}

static void version_update(struct script *s, const char *from, const char *to)
{
	char sql[256], *f = lit(s, from), *t = lit(s, to);
	snprintf(sql, sizeof(sql), "UPDATE alembic_version SET version_num=%s WHERE "
	         "alembic_version.version_num = %s", t, f);
	rt_free(f);
	rt_free(t);
	stmt(s, sql);
}

static void version_delete(struct script *s, const char *rev)
{
	char sql[256], *v = lit(s, rev);
	snprintf(sql, sizeof(sql), "DELETE FROM alembic_version WHERE "
	         "alembic_version.version_num = %s", v);
	rt_free(v);
	stmt(s, sql);
}

static void begin_commit(struct script *s, int what)
{
	char *p = offline(s->c, what, NULL);
	if (*p)
		piece(s, p);
	rt_free(p);
}

static void compare_golden(const char *fl, const char *kind, const char *got)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	char *want;
	snprintf(path, sizeof(path), "%s/tests/odbc/golden/%s-%s.sql", top ? top : TOP_SRCDIR,
	         fl, kind);
	want = slurp(path);
	if (!want)
		fail_msg("cannot read %s", path);
	if (strcmp(want, got) != 0)
		fail_msg("%s %s differs from Alembic's (%s):\n--- got\n%s--- want\n%s", fl, kind,
		         path, got, want);
	free(want);
}

static void test_alembic_golden(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(flavours) / sizeof(flavours[0]); i++) {
		struct script s;
		char *ddl;

		memset(&s, 0, sizeof(s));
		s.fl = flavours[i];
		s.c = make(s.fl, NULL, NULL);
		begin_commit(&s, RETORT_OFFLINE_BEGIN);
		ddl = offline(s.c, RETORT_OFFLINE_VERSION_DDL, NULL);
		piece(&s, ddl);
		rt_free(ddl);
		piece(&s, "-- Running upgrade  -> aaaaaaaaaaaa");
		stmt(&s, "CREATE TABLE t (id INTEGER)");
		stmt(&s, "INSERT INTO t VALUES ('it''s')");
		version_insert(&s, "aaaaaaaaaaaa");
		piece(&s, "-- Running upgrade aaaaaaaaaaaa -> bbbbbbbbbbbb");
		stmt(&s, "CREATE TABLE u (id INTEGER)");
		version_update(&s, "aaaaaaaaaaaa", "bbbbbbbbbbbb");
		begin_commit(&s, RETORT_OFFLINE_COMMIT);
		compare_golden(s.fl, "upgrade", s.text);
		free(s.text);

		s.text = NULL;
		s.len = 0;
		begin_commit(&s, RETORT_OFFLINE_BEGIN);
		piece(&s, "-- Running downgrade bbbbbbbbbbbb -> aaaaaaaaaaaa");
		stmt(&s, "DROP TABLE u");
		version_update(&s, "bbbbbbbbbbbb", "aaaaaaaaaaaa");
		piece(&s, "-- Running downgrade aaaaaaaaaaaa -> ");
		stmt(&s, "DROP TABLE t");
		version_delete(&s, "aaaaaaaaaaaa");
		stmt(&s, "DROP TABLE alembic_version");
		begin_commit(&s, RETORT_OFFLINE_COMMIT);
		compare_golden(s.fl, "downgrade", s.text);
		free(s.text);
		odbc_vt->destroy(s.c);
	}
}

/* ---------------------------------------------------- splitting */

struct collected {
	char text[8][256];
	unsigned line[8];
	unsigned n;
	int stop_at;   /* return 7 at this statement (1-based), 0: never */
};

static int collect(const char *stmt_text, size_t len, unsigned line, void *payload)
{
	struct collected *col = payload;
	if (col->n < 8 && len < 256) {
		memcpy(col->text[col->n], stmt_text, len);
		col->text[col->n][len] = '\0';
		col->line[col->n] = line;
	}
	col->n++;
	return (col->stop_at && (int)col->n == col->stop_at) ? 7 : 0;
}

static void split(const char *fl, const char *sql, unsigned first_line, struct collected *col)
{
	struct retort_conn *c = make(fl, NULL, NULL);
	struct retort_error e;
	rt_dialect_error_init(&e);
	memset(col, 0, sizeof(*col));
	assert_int_equal(rt_dialect_split(odbc_vt, c, sql, strlen(sql), first_line, collect, col,
	                                  &e), 0);
	rt_dialect_error_free(&e);
	odbc_vt->destroy(c);
}

static void test_split_go(void **state)
{
	struct collected col;
	(void)state;
	split("mssql",
	      "CREATE TABLE a (x int);\n"
	      "INSERT INTO a VALUES (1);\n"
	      "GO\n"
	      "CREATE PROCEDURE p AS\n"
	      "BEGIN\n"
	      "  SELECT 1; -- GO\n"
	      "  SELECT 'x\n"
	      "GO\n"
	      "';\n"
	      "END\n"
	      "go\n"
	      "\n"
	      "SELECT [GO]\n", 10, &col);
	assert_int_equal(col.n, 3);
	/* A batch is sent whole: its ';'s do not split it. */
	assert_string_equal(col.text[0], "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);");
	assert_int_equal(col.line[0], 10);
	/* GO inside a comment or a string does not end the batch. */
	assert_string_equal(col.text[1], "CREATE PROCEDURE p AS\nBEGIN\n  SELECT 1; -- GO\n"
	                                 "  SELECT 'x\nGO\n';\nEND");
	assert_int_equal(col.line[1], 13);
	assert_string_equal(col.text[2], "SELECT [GO]");
	assert_int_equal(col.line[2], 22);
}

static void test_split_slash(void **state)
{
	struct collected col;
	(void)state;
	split("oracle",
	      "CREATE TABLE a (x NUMBER);\n"
	      "CREATE OR REPLACE PROCEDURE p AS\n"
	      "BEGIN\n"
	      "  INSERT INTO a VALUES (1);\n"
	      "END;\n"
	      "/\n"
	      "INSERT INTO a VALUES (2);\n"
	      "BEGIN\n"
	      "  p;\n"
	      "END;\n"
	      "/\n", 1, &col);
	assert_int_equal(col.n, 4);
	assert_string_equal(col.text[0], "CREATE TABLE a (x NUMBER)");
	assert_int_equal(col.line[0], 1);
	/* A PL/SQL block keeps its inner ';'s and ends at the '/' line. */
	assert_string_equal(col.text[1], "CREATE OR REPLACE PROCEDURE p AS\nBEGIN\n"
	                                 "  INSERT INTO a VALUES (1);\nEND;");
	assert_int_equal(col.line[1], 2);
	assert_string_equal(col.text[2], "INSERT INTO a VALUES (2)");
	assert_int_equal(col.line[2], 7);
	assert_string_equal(col.text[3], "BEGIN\n  p;\nEND;");
	assert_int_equal(col.line[3], 8);
}

static void test_split_other_flavours(void **state)
{
	struct collected col;
	(void)state;
	split("postgresql", "DO $$ BEGIN PERFORM 1; END $$;\nSELECT 2;", 1, &col);
	assert_int_equal(col.n, 2);
	assert_string_equal(col.text[0], "DO $$ BEGIN PERFORM 1; END $$");
	split("mysql", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\n"
	               "DELIMITER ;\nSELECT 2;", 1, &col);
	assert_int_equal(col.n, 2);
	assert_string_equal(col.text[0], "CREATE PROCEDURE p() BEGIN SELECT 1; END");
	split("sqlite", "CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END;\nSELECT 2;", 1,
	      &col);
	assert_int_equal(col.n, 2);
}

static void test_split_stop_and_error(void **state)
{
	struct retort_conn *c = make("mssql", NULL, NULL);
	struct retort_error e;
	struct collected col;
	const char *bad = "SELECT 1\nGO\nSELECT 'unterminated\n";
	(void)state;

	rt_dialect_error_init(&e);
	memset(&col, 0, sizeof(col));
	col.stop_at = 1;
	/* A stop is a failure: RETORT_ERROR for a positive value (dialect.h). */
	assert_int_equal(rt_dialect_split(odbc_vt, c, "SELECT 1\nGO\nSELECT 2\n", 21, 1, collect,
	                                  &col, &e), RETORT_ERROR);
	assert_int_equal(col.n, 1);
	memset(&col, 0, sizeof(col));
	assert_int_equal(rt_dialect_split(odbc_vt, c, bad, strlen(bad), 5, collect, &col, &e),
	                 RETORT_EUSAGE);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "line 7"));
	assert_int_equal(e.stmt_line, 7);
	rt_dialect_error_free(&e);
	odbc_vt->destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_offline_needs_flavour),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_caps_by_flavour),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_quote_identifier),
		cmocka_unit_test(test_quote_literal),
		cmocka_unit_test(test_offline_pieces),
		cmocka_unit_test(test_alembic_golden),
		cmocka_unit_test(test_split_go),
		cmocka_unit_test(test_split_slash),
		cmocka_unit_test(test_split_other_flavours),
		cmocka_unit_test(test_split_stop_and_error),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("odbc_offline", tests, setup, NULL);
}
