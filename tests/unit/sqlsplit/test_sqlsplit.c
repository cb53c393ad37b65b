/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/sqlsplit/test_sqlsplit.c - the statement splitter, flag by flag.
 *
 * Each case splits a text and compares the exact statements (text and file
 * line) with what the dialect's own client would send.  Where a flag
 * matters, the same text is also split without it to prove the flag is what
 * makes the difference.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sqlsplit.h"

#define MAX_STMTS 32

struct got {
	size_t n;
	char *text[MAX_STMTS];
	unsigned line[MAX_STMTS];
	int stop_at;     /* return stop_rc from the stop_at-th callback (1-based) */
	int stop_rc;
};

static int collect(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct got *g = payload;
	assert_true(g->n < MAX_STMTS);
	assert_non_null(stmt);
	g->text[g->n] = malloc(len + 1);
	assert_non_null(g->text[g->n]);
	memcpy(g->text[g->n], stmt, len);
	g->text[g->n][len] = '\0';
	g->line[g->n] = line;
	g->n++;
	if (g->stop_at && (int)g->n == g->stop_at)
		return g->stop_rc;
	return 0;
}

static void got_free(struct got *g)
{
	size_t i;
	for (i = 0; i < g->n; i++)
		free(g->text[i]);
	memset(g, 0, sizeof(*g));
}

static int split(struct got *g, const char *sql, unsigned flags, unsigned first_line,
                 struct sqlsplit_error *err)
{
	memset(g, 0, sizeof(*g));
	return sqlsplit(sql, strlen(sql), flags, first_line, collect, g, err);
}

/*
 * Split `sql` with `flags` starting at line 1 and expect the statements given
 * as (text, line) pairs, terminated by NULL.
 */
static void expect(const char *sql, unsigned flags, ...)
{
	struct got g;
	struct sqlsplit_error err;
	va_list ap;
	size_t i = 0;
	const char *text;

	assert_int_equal(split(&g, sql, flags, 1, &err), 0);
	va_start(ap, flags);
	while ((text = va_arg(ap, const char *)) != NULL) {
		unsigned line = va_arg(ap, unsigned);
		if (i >= g.n)
			fail_msg("missing statement %zu: [%s]", i + 1, text);
		assert_string_equal(g.text[i], text);
		if (g.line[i] != line)
			fail_msg("statement %zu [%s]: line %u, expected %u", i + 1, text, g.line[i],
			         line);
		i++;
	}
	va_end(ap);
	if (g.n != i)
		fail_msg("%zu statements, expected %zu; extra: [%s]", g.n, i, g.text[i]);
	got_free(&g);
}

static size_t count(const char *sql, unsigned flags)
{
	struct got g;
	size_t n;
	assert_int_equal(split(&g, sql, flags, 1, NULL), 0);
	n = g.n;
	got_free(&g);
	return n;
}

static void expect_error(const char *sql, unsigned flags, unsigned line, const char *what_part)
{
	struct got g;
	struct sqlsplit_error err;
	assert_int_equal(split(&g, sql, flags, 1, &err), -1);
	assert_int_equal(err.line, line);
	assert_non_null(err.what);
	if (!strstr(err.what, what_part))
		fail_msg("error [%s] lacks [%s]", err.what, what_part);
	got_free(&g);
}

/* ---------------------------------------------------------------- always */

static void test_basic(void **state)
{
	(void)state;
	expect("SELECT 1;\nSELECT 2;\n", SQLSPLIT_GENERIC, "SELECT 1", 1u, "SELECT 2", 2u, NULL);
	expect("  SELECT 1 ;  SELECT\n\t2", SQLSPLIT_GENERIC, "SELECT 1", 1u, "SELECT\n\t2", 1u,
	       NULL);
}

static void test_no_trailing_newline(void **state)
{
	(void)state;
	expect("SELECT 1;\nSELECT 2", SQLSPLIT_GENERIC, "SELECT 1", 1u, "SELECT 2", 2u, NULL);
	expect("SELECT 1", SQLSPLIT_SQLITE, "SELECT 1", 1u, NULL);
}

static void test_first_line(void **state)
{
	struct got g;
	(void)state;
	assert_int_equal(split(&g, "\n\nSELECT 1;\n\n  SELECT\n2;", 0, 40, NULL), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.line[0], 42);
	assert_int_equal(g.line[1], 44);
	got_free(&g);
}

static void test_semicolon_in_strings(void **state)
{
	(void)state;
	expect("INSERT INTO t VALUES ('a;b', 'it''s;');\nSELECT \"x;y\" FROM t;",
	       SQLSPLIT_GENERIC,
	       "INSERT INTO t VALUES ('a;b', 'it''s;')", 1u, "SELECT \"x;y\" FROM t", 2u, NULL);
	expect("SELECT 'a\n;\nb';SELECT 2;", SQLSPLIT_GENERIC, "SELECT 'a\n;\nb'", 1u,
	       "SELECT 2", 3u, NULL);
}

static void test_comments(void **state)
{
	(void)state;
	/* leading and trailing comments are not statement text, inner ones are */
	expect("-- lead;\nSELECT /* mid; */ 1 -- trail;\n;\n/* x; */ SELECT 2;",
	       SQLSPLIT_GENERIC, "SELECT /* mid; */ 1", 2u, "SELECT 2", 4u, NULL);
}

static void test_comment_only(void **state)
{
	(void)state;
	assert_int_equal(count("-- only a comment; really\n/* and; this */\n\t\n", 0), 0);
	assert_int_equal(count("", 0), 0);
	assert_int_equal(count("   \n\r\n", SQLSPLIT_MYSQL), 0);
	assert_int_equal(count("# hash;\n-- dash\n", SQLSPLIT_MYSQL), 0);
	assert_int_equal(sqlsplit(NULL, 0, 0, 1, collect, NULL, NULL), 0);
}

static void test_empty_statements(void **state)
{
	(void)state;
	expect(";;\n ; SELECT 1;;; -- x\n;", SQLSPLIT_GENERIC, "SELECT 1", 2u, NULL);
}

static void test_crlf(void **state)
{
	(void)state;
	expect("SELECT 1;\r\nSELECT\r\n 2;\r\n-- c\r\nSELECT 3\r\n", SQLSPLIT_GENERIC,
	       "SELECT 1", 1u, "SELECT\r\n 2", 2u, "SELECT 3", 5u, NULL);
}

static void test_bom(void **state)
{
	(void)state;
	expect("\xEF\xBB\xBFSELECT 1;", SQLSPLIT_GENERIC, "SELECT 1", 1u, NULL);
}

static void test_lines_across_tokens(void **state)
{
	(void)state;
	expect("SELECT 'a\nb';\n/* x\n y */ SELECT 1;\nSELECT \"q\nr\"; SELECT 3;",
	       SQLSPLIT_GENERIC, "SELECT 'a\nb'", 1u, "SELECT 1", 4u, "SELECT \"q\nr\"", 5u,
	       "SELECT 3", 6u, NULL);
}

static void test_unterminated(void **state)
{
	(void)state;
	expect_error("SELECT 1;\n\nSELECT 'abc;\n\n", 0, 3, "unterminated string");
	expect_error("SELECT 1;\nSELECT \"abc;\n", 0, 2, "unterminated quoted identifier");
	expect_error("SELECT 1;\n\n /* abc\n;", 0, 3, "unterminated block comment");
	expect_error("SELECT `a;", SQLSPLIT_MYSQL, 1, "unterminated backquoted");
	expect_error("\nSELECT [a;", SQLSPLIT_MSSQL, 2, "unterminated [bracketed]");
	expect_error("\n\nSELECT $x$ abc; $y$", SQLSPLIT_POSTGRESQL, 3, "unterminated dollar");
	expect_error("SELECT 'it''", 0, 1, "unterminated string");
	expect_error("SELECT E'x\\'", SQLSPLIT_POSTGRESQL, 1, "unterminated string");
}

static void test_error_after_statements(void **state)
{
	struct got g;
	struct sqlsplit_error err;
	(void)state;
	/* statements before the error were handed out; err says where */
	assert_int_equal(split(&g, "SELECT 1;\nSELECT 'x", 0, 10, &err), -1);
	assert_int_equal(g.n, 1);
	assert_int_equal(err.line, 11);
	got_free(&g);
	/* err may be NULL */
	assert_int_equal(sqlsplit("'", 1, 0, 1, collect, &g, NULL), -1);
	got_free(&g);
}

static void test_callback_stops(void **state)
{
	struct got g;
	(void)state;
	memset(&g, 0, sizeof(g));
	g.stop_at = 2;
	g.stop_rc = 7;
	assert_int_equal(sqlsplit("A;B;C;", 6, 0, 1, collect, &g, NULL), 7);
	assert_int_equal(g.n, 2);
	got_free(&g);
}

static void test_length_respected(void **state)
{
	struct got g;
	(void)state;
	memset(&g, 0, sizeof(g));
	/* only the first 8 bytes are the section */
	assert_int_equal(sqlsplit("SELECT 1; SELECT 2;", 8, 0, 1, collect, &g, NULL), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.text[0], "SELECT 1");
	got_free(&g);
}

static void test_generic_backslash_is_plain(void **state)
{
	(void)state;
	/* standard SQL: a backslash is an ordinary character */
	expect("SELECT 'a\\'; SELECT 2;", SQLSPLIT_GENERIC, "SELECT 'a\\'", 1u, "SELECT 2", 1u,
	       NULL);
}

/* ---------------------------------------------------------------- flags */

static void test_dollar(void **state)
{
	const char *fn = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$"
	                 " LANGUAGE plpgsql;\nSELECT f();";
	(void)state;
	expect(fn, SQLSPLIT_POSTGRESQL,
	       "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$"
	       " LANGUAGE plpgsql", 1u, "SELECT f()", 6u, NULL);
	assert_int_equal(count(fn, SQLSPLIT_GENERIC), 4);
}

static void test_dollar_tags(void **state)
{
	(void)state;
	expect("SELECT $body$ a; $$ b; $bod$ $body$;\nSELECT $a1$;$a1$;", SQLSPLIT_DOLLAR,
	       "SELECT $body$ a; $$ b; $bod$ $body$", 1u, "SELECT $a1$;$a1$", 2u, NULL);
	/* $1 parameters and identifiers containing $ are not quotes */
	expect("SELECT $1; SELECT a$b$ FROM t; SELECT x$$;", SQLSPLIT_POSTGRESQL,
	       "SELECT $1", 1u, "SELECT a$b$ FROM t", 1u, "SELECT x$$", 1u, NULL);
	/* a dollar body holding quotes and comment openers */
	expect("DO $$ SELECT 'x; /* -- \"; $$;SELECT 2", SQLSPLIT_POSTGRESQL,
	       "DO $$ SELECT 'x; /* -- \"; $$", 1u, "SELECT 2", 1u, NULL);
}

static void test_e_strings(void **state)
{
	(void)state;
	expect("SELECT E'it\\'s; ok';\nSELECT e'\\\\';SELECT 3;", SQLSPLIT_POSTGRESQL,
	       "SELECT E'it\\'s; ok'", 1u, "SELECT e'\\\\'", 2u, "SELECT 3", 2u, NULL);
	/* a word ending in E is not an escape-string prefix */
	expect("SELECT name'\\'; SELECT 2;", SQLSPLIT_POSTGRESQL, "SELECT name'\\'", 1u,
	       "SELECT 2", 1u, NULL);
}

static void test_begin_atomic(void **state)
{
	const char *sql =
		"CREATE OR REPLACE FUNCTION f(a int DEFAULT (CASE WHEN true THEN 1 END))\n"
		"RETURNS int LANGUAGE sql\n"
		"BEGIN ATOMIC\n"
		"  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n"
		"  SELECT 3;\n"
		"END;\n"
		"CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n"
		"BEGIN;\n"
		"SELECT CASE WHEN true THEN 1 END;\n"
		"END;";
	(void)state;
	expect(sql, SQLSPLIT_POSTGRESQL,
	       "CREATE OR REPLACE FUNCTION f(a int DEFAULT (CASE WHEN true THEN 1 END))\n"
	       "RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
	       "  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 3;\nEND", 1u,
	       "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END", 7u,
	       "BEGIN", 8u, "SELECT CASE WHEN true THEN 1 END", 9u, "END", 10u, NULL);
	assert_int_equal(count(sql, SQLSPLIT_DOLLAR), 8);
}

static void test_nested_comments(void **state)
{
	const char *sql = "/* outer /* inner */ still; */ SELECT 1;";
	(void)state;
	expect(sql, SQLSPLIT_NESTED_COMMENTS, "SELECT 1", 1u, NULL);
	expect(sql, SQLSPLIT_GENERIC, "still", 1u, "*/ SELECT 1", 1u, NULL);
	expect_error("/* a /* b */ SELECT 1;", SQLSPLIT_NESTED_COMMENTS, 1, "block comment");
}

static void test_backslash(void **state)
{
	(void)state;
	expect("INSERT INTO t VALUES ('a\\';b', \"c\\\";d\", 'e''f');\nSELECT 2;",
	       SQLSPLIT_BACKSLASH, "INSERT INTO t VALUES ('a\\';b', \"c\\\";d\", 'e''f')", 1u,
	       "SELECT 2", 2u, NULL);
	expect_error("SELECT 'a\\';", SQLSPLIT_BACKSLASH, 1, "unterminated string");
	expect_error("SELECT \"a\\\";", SQLSPLIT_MYSQL, 1, "unterminated string");
	expect_error("SELECT 'a\\", SQLSPLIT_BACKSLASH, 1, "unterminated string");
}

static void test_backtick(void **state)
{
	const char *sql = "SELECT `a;b``c` FROM t; SELECT 2";
	(void)state;
	expect(sql, SQLSPLIT_BACKTICK, "SELECT `a;b``c` FROM t", 1u, "SELECT 2", 1u, NULL);
	assert_int_equal(count(sql, SQLSPLIT_GENERIC), 3);
}

static void test_hash_comment(void **state)
{
	const char *sql = "# c; one\nSELECT 1; # x;\nSELECT 2;";
	(void)state;
	expect(sql, SQLSPLIT_HASH_COMMENT, "SELECT 1", 2u, "SELECT 2", 3u, NULL);
	assert_int_equal(count(sql, SQLSPLIT_GENERIC), 4);
}

static void test_mysql_dash_dash(void **state)
{
	(void)state;
	/* MySQL: "--" needs a blank after it to start a comment */
	expect("SELECT 1--1;\nSELECT 2; --\tc;\nSELECT 3;--", SQLSPLIT_MYSQL,
	       "SELECT 1--1", 1u, "SELECT 2", 2u, "SELECT 3", 3u, NULL);
	/* elsewhere it starts a comment (kept, as it sits inside the statement) */
	expect("SELECT 1--1;\nSELECT 2;", SQLSPLIT_GENERIC, "SELECT 1--1;\nSELECT 2", 1u, NULL);
}

static void test_mysql_executable_comment(void **state)
{
	(void)state;
	expect("/*!40101 SET NAMES utf8 */;\n/*M!100100 SET x=1 */;\n/* plain */;",
	       SQLSPLIT_MYSQL, "/*!40101 SET NAMES utf8 */", 1u, "/*M!100100 SET x=1 */", 2u,
	       NULL);
}

static void test_delimiter(void **state)
{
	const char *sql =
		"DELIMITER $$\n"
		"CREATE PROCEDURE p()\n"
		"BEGIN\n"
		"  SELECT 'a$$b';\n"
		"  SELECT 2;\n"
		"END$$\n"
		"delimiter ;\n"
		"SELECT 3;\n"
		"DELIMITER //\r\n"
		"CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END //\r\n"
		"SELECT 4//SELECT 5\n"
		"DELIMITER ;\n"
		"SELECT 6";
	(void)state;
	expect(sql, SQLSPLIT_MYSQL,
	       "CREATE PROCEDURE p()\nBEGIN\n  SELECT 'a$$b';\n  SELECT 2;\nEND", 2u,
	       "SELECT 3", 8u,
	       "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END", 10u,
	       "SELECT 4", 11u, "SELECT 5", 11u, "SELECT 6", 13u, NULL);
}

static void test_delimiter_not_a_command(void **state)
{
	(void)state;
	/* a column named delimiter at the start of a line is not the command */
	expect("CREATE TABLE t (\ndelimiter VARCHAR(5)\n);", SQLSPLIT_MYSQL,
	       "CREATE TABLE t (\ndelimiter VARCHAR(5)\n)", 1u, NULL);
	expect("CREATE TABLE t (a INT,\n  delimiter TEXT\n);", SQLSPLIT_MYSQL,
	       "CREATE TABLE t (a INT,\n  delimiter TEXT\n)", 1u, NULL);
	/* without the flag, DELIMITER is just a word */
	expect("DELIMITER $$\nSELECT 1$$", SQLSPLIT_GENERIC, "DELIMITER $$\nSELECT 1$$", 1u, NULL);
	/* DELIMITER in a string is not a command */
	expect("SELECT '\nDELIMITER $$\n';", SQLSPLIT_MYSQL, "SELECT '\nDELIMITER $$\n'", 1u,
	       NULL);
}

static void test_delimiter_errors(void **state)
{
	(void)state;
	expect_error("SELECT 1;\nDELIMITER\nSELECT 2;", SQLSPLIT_MYSQL, 2, "DELIMITER");
	expect_error("DELIMITER   \n", SQLSPLIT_MYSQL, 1, "DELIMITER");
	expect_error("DELIMITER \\\\\n", SQLSPLIT_MYSQL, 1, "backslash");
}

static void test_bracket(void **state)
{
	const char *sql = "SELECT [a;b], [c]]d;] FROM [t];SELECT 2";
	(void)state;
	expect(sql, SQLSPLIT_BRACKET, "SELECT [a;b], [c]]d;] FROM [t]", 1u, "SELECT 2", 1u, NULL);
	assert_int_equal(count(sql, SQLSPLIT_GENERIC), 4);
}

static void test_go(void **state)
{
	const char *sql =
		"CREATE TABLE t (a int);\n"
		"INSERT INTO t VALUES (1);\n"
		"GO\n"
		"SELECT 'x\n"
		"GO\n"
		"';\n"
		"  go  \r\n"
		"-- GO\n"
		"/*\nGO\n*/\n"
		"SELECT 2 GO\n"
		"GOTO x\n"
		"GO";
	(void)state;
	expect(sql, SQLSPLIT_MSSQL,
	       "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);", 1u,
	       "SELECT 'x\nGO\n';", 4u,
	       "SELECT 2 GO\nGOTO x", 12u, NULL);
	/* batches of nothing are skipped; no GO at the end still ends the batch */
	expect("GO\nGO\n;SELECT 1", SQLSPLIT_MSSQL, ";SELECT 1", 3u, NULL);
}

static void test_slash(void **state)
{
	const char *sql =
		"CREATE TABLE t (a NUMBER);\n"                     /* 1 */
		"CREATE OR REPLACE PROCEDURE p AS\n"               /* 2 */
		"  x NUMBER := 10 / 2;\n"
		"BEGIN\n"
		"  x := x\n"
		"  / 5;\n"
		"  NULL;\n"
		"END;\n"
		"/\n"
		"INSERT INTO t VALUES (1);\n"                      /* 10 */
		"BEGIN\n"                                          /* 11 */
		"  p;\n"
		"END;\n"
		"  /  \r\n"
		"SELECT 1 FROM dual\n"                             /* 15 */
		"/\n"
		"/\n"
		"DECLARE y NUMBER; BEGIN NULL; END;\n"             /* 18 */
		"/\n"
		"CREATE EDITIONABLE FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;\n" /* 20 */
		"/\n"
		"CREATE OR REPLACE VIEW v AS SELECT 1 a FROM dual;\n"  /* 22 */
		"CREATE OR REPLACE NONEDITIONABLE PACKAGE BODY k AS END k;"; /* 23 */
	(void)state;
	expect(sql, SQLSPLIT_ORACLE,
	       "CREATE TABLE t (a NUMBER)", 1u,
	       "CREATE OR REPLACE PROCEDURE p AS\n  x NUMBER := 10 / 2;\nBEGIN\n  x := x\n"
	       "  / 5;\n  NULL;\nEND;", 2u,
	       "INSERT INTO t VALUES (1)", 10u,
	       "BEGIN\n  p;\nEND;", 11u,
	       "SELECT 1 FROM dual", 15u,
	       "DECLARE y NUMBER; BEGIN NULL; END;", 18u,
	       "CREATE EDITIONABLE FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;", 20u,
	       "CREATE OR REPLACE VIEW v AS SELECT 1 a FROM dual", 22u,
	       "CREATE OR REPLACE NONEDITIONABLE PACKAGE BODY k AS END k;", 23u, NULL);
}

static void test_slash_in_strings_and_types(void **state)
{
	(void)state;
	expect("BEGIN\n  x := '\n/\n';\nEND;\n/\nCREATE TYPE tt AS OBJECT (a NUMBER);\n/\n"
	       "CREATE OR REPLACE TRIGGER trg BEFORE INSERT ON t BEGIN NULL; END;\n/",
	       SQLSPLIT_ORACLE,
	       "BEGIN\n  x := '\n/\n';\nEND;", 1u,
	       "CREATE TYPE tt AS OBJECT (a NUMBER);", 7u,
	       "CREATE OR REPLACE TRIGGER trg BEFORE INSERT ON t BEGIN NULL; END;", 9u, NULL);
	/* q-quoting: the quote inside does not end the literal */
	expect("SELECT q'[it's; /]' FROM dual;\nSELECT Nq'{a'}';\nSELECT q'!x;'!' FROM t;\n"
	       "SELECT q FROM t;", SQLSPLIT_ORACLE,
	       "SELECT q'[it's; /]' FROM dual", 1u, "SELECT Nq'{a'}'", 2u,
	       "SELECT q'!x;'!' FROM t", 3u, "SELECT q FROM t", 4u, NULL);
	expect_error("\nSELECT q'[abc'", SQLSPLIT_ORACLE, 2, "q'");
	/* without the flag '/' is an ordinary character */
	assert_int_equal(count("BEGIN NULL; END;\n/\n", SQLSPLIT_GENERIC), 3);
}

static void test_begin_end(void **state)
{
	const char *sql =
		"CREATE TABLE t (a);\n"
		"CREATE TRIGGER tr AFTER INSERT ON t\n"
		"WHEN CASE WHEN new.a > 0 THEN 1 END\n"
		"BEGIN\n"
		"  UPDATE t SET a = CASE WHEN a > 1 THEN 1 ELSE 2 END;\n"
		"  INSERT INTO log VALUES ('end;');\n"
		"END;\n"
		"CREATE TEMP TRIGGER [tr2] BEFORE DELETE ON `t` BEGIN SELECT 1; end;\n"
		"BEGIN;\n"
		"COMMIT;\n"
		"CREATE TABLE [begin] (\"end\" INT, x CHECK (x > 0));";
	(void)state;
	expect(sql, SQLSPLIT_SQLITE,
	       "CREATE TABLE t (a)", 1u,
	       "CREATE TRIGGER tr AFTER INSERT ON t\nWHEN CASE WHEN new.a > 0 THEN 1 END\nBEGIN\n"
	       "  UPDATE t SET a = CASE WHEN a > 1 THEN 1 ELSE 2 END;\n"
	       "  INSERT INTO log VALUES ('end;');\nEND", 2u,
	       "CREATE TEMP TRIGGER [tr2] BEFORE DELETE ON `t` BEGIN SELECT 1; end", 8u,
	       "BEGIN", 9u, "COMMIT", 10u,
	       "CREATE TABLE [begin] (\"end\" INT, x CHECK (x > 0))", 11u, NULL);
	assert_int_equal(count(sql, SQLSPLIT_GENERIC), 9);
}

static void test_begin_end_unterminated(void **state)
{
	(void)state;
	/* a trigger without END runs to the end of the section (the database says why) */
	expect("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;", SQLSPLIT_SQLITE,
	       "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;", 1u, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_first_line),
		cmocka_unit_test(test_semicolon_in_strings),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_comment_only),
		cmocka_unit_test(test_empty_statements),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_lines_across_tokens),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_error_after_statements),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_length_respected),
		cmocka_unit_test(test_generic_backslash_is_plain),
		cmocka_unit_test(test_dollar),
		cmocka_unit_test(test_dollar_tags),
		cmocka_unit_test(test_e_strings),
		cmocka_unit_test(test_begin_atomic),
		cmocka_unit_test(test_nested_comments),
		cmocka_unit_test(test_backslash),
		cmocka_unit_test(test_backtick),
		cmocka_unit_test(test_hash_comment),
		cmocka_unit_test(test_mysql_dash_dash),
		cmocka_unit_test(test_mysql_executable_comment),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_delimiter_not_a_command),
		cmocka_unit_test(test_delimiter_errors),
		cmocka_unit_test(test_bracket),
		cmocka_unit_test(test_go),
		cmocka_unit_test(test_slash),
		cmocka_unit_test(test_slash_in_strings_and_types),
		cmocka_unit_test(test_begin_end),
		cmocka_unit_test(test_begin_end_unterminated),
	};
	return cmocka_run_group_tests_name("sqlsplit", tests, NULL, NULL);
}
