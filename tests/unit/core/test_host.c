/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_host.c - the services of the host table (ABI 1.2,
 * 1.3) that plugins use instead of private copies: the string builder, the
 * statement splitter's entry point, identifier quoting from SQLAlchemy's
 * reserved words, the one masking policy, hash64, clocks and a family's
 * offline SQL.  Allocations go
 * through rt_malloc & co. so rt__alloc_fail_after() can make them fail;
 * leaks show under valgrind / ASan (make check-sanitize).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "host.h"
#include "mask.h"
#include "url.h"
#include "util.h"
#include "words.h"

static const struct retort_host *H;

static int setup(void **state)
{
	(void)state;
	H = rt_host();
	rt__alloc_fail_after(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rt__alloc_fail_after(0);
	return 0;
}

static void test_growth(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char big[5000];
	size_t i;

	(void)state;
	assert_null(b.ptr);
	/* byte by byte across several doublings */
	for (i = 0; i < 1000; i++)
		H->buf_putc(&b, (char)('a' + i % 26));
	assert_false(b.oom);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap >= 1001);
	assert_int_equal(b.ptr[1000], '\0');
	for (i = 0; i < 1000; i++)
		assert_int_equal(b.ptr[i], 'a' + i % 26);

	/* one append larger than twice the capacity */
	memset(big, 'x', sizeof(big));
	H->buf_put(&b, big, sizeof(big));
	assert_false(b.oom);
	assert_int_equal(b.len, 1000 + sizeof(big));
	assert_true(b.cap >= b.len + 1);
	assert_int_equal(b.ptr[999], 'a' + 999 % 26);
	assert_int_equal(b.ptr[1000], 'x');
	assert_int_equal(b.ptr[b.len - 1], 'x');
	assert_int_equal(b.ptr[b.len], '\0');

	/* bytes after a NUL are kept; puts stops at the NUL */
	H->buf_free(&b);
	H->buf_put(&b, "a\0b", 3);
	H->buf_puts(&b, "cd\0ef");
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.ptr, "a\0bcd", 6);
	/* an empty append still gives a NUL-terminated text */
	H->buf_free(&b);
	H->buf_put(&b, "", 0);
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	H->buf_free(&b);
}

static void test_quoted(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *s;

	(void)state;
	H->buf_put_quoted(&b, "a\"b", '"', '"');
	H->buf_putc(&b, ' ');
	H->buf_put_quoted(&b, "x]y[", '[', ']');
	H->buf_putc(&b, ' ');
	H->buf_put_quoted(&b, "", '\'', '\'');
	H->buf_putc(&b, ' ');
	H->buf_put_quoted(&b, "it's", '\'', '\'');
	s = H->buf_detach(&b);
	assert_string_equal(s, "\"a\"\"b\" [x]]y[] '' 'it''s'");
	H->free(s);
}

static void test_detach(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *s;

	(void)state;
	/* nothing appended: an allocated "" */
	s = H->buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	H->free(s);

	H->buf_puts(&b, "SELECT ");
	H->buf_puts(&b, "1");
	s = H->buf_detach(&b);
	assert_string_equal(s, "SELECT 1");
	/* the buffer is empty and usable again */
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	H->buf_puts(&b, "again");
	assert_string_equal(b.ptr, "again");
	assert_string_equal(s, "SELECT 1");
	H->free(s);
	H->buf_free(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	H->buf_free(&b); /* twice is harmless */
}

static void test_oom_first(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *s;

	(void)state;
	rt__alloc_fail_after(1);
	H->buf_puts(&b, "abc");
	assert_true(b.oom);
	assert_null(b.ptr);
	/* sticky: later appends do nothing, even with memory back */
	H->buf_puts(&b, "def");
	assert_true(b.oom);
	assert_null(b.ptr);
	assert_null(H->buf_detach(&b));
	/* detach cleared it */
	assert_false(b.oom);
	H->buf_puts(&b, "ok");
	s = H->buf_detach(&b);
	assert_string_equal(s, "ok");
	H->free(s);
}

static void test_oom_growth(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char big[200];

	(void)state;
	H->buf_puts(&b, "0123456789");
	assert_false(b.oom);
	memset(big, 'y', sizeof(big));
	rt__alloc_fail_after(1);
	H->buf_put(&b, big, sizeof(big));
	assert_true(b.oom);
	/* what was there stays allocated and intact until freed */
	assert_non_null(b.ptr);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.ptr, "0123456789");
	H->buf_putc(&b, 'z');
	assert_int_equal(b.len, 10);
	H->buf_free(&b);
	assert_false(b.oom);
	assert_null(b.ptr);

	/* oom then detach frees the text (no leak under valgrind/ASan) */
	H->buf_puts(&b, "0123456789");
	rt__alloc_fail_after(1);
	H->buf_put(&b, big, sizeof(big));
	assert_null(H->buf_detach(&b));
	assert_null(b.ptr);
}

static void test_oom_detach_empty(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;

	(void)state;
	/* the "" of an empty buffer is an allocation too */
	rt__alloc_fail_after(1);
	assert_null(H->buf_detach(&b));
}

static void test_printf(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *t;

	(void)state;
	H->buf_puts(&b, "x=");
	H->buf_printf(&b, "%d/%s/%.*s", 42, "y", 2, "abc");
	t = H->buf_detach(&b);
	assert_string_equal(t, "x=42/y/ab");
	H->free(t);
	rt__alloc_fail_after(1);
	H->buf_printf(&b, "%s", "no memory");
	assert_true(b.oom);
	assert_null(H->buf_detach(&b));
}

/* quote_ident: SQLAlchemy's rule with each family's reserved words */
static void q(int words, char open, char close, int force, const char *name, const char *want)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *t;
	assert_int_equal(H->quote_ident(&b, name, words, open, close, force), 0);
	t = H->buf_detach(&b);
	assert_string_equal(t, want);
	H->free(t);
}

static void test_quote_ident(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	const char *const *list;
	size_t n, i;
	int f;

	(void)state;
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "alembic_version", "alembic_version");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "_x$1", "_x$1");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "1a", "\"1a\"");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "$a", "\"$a\"");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "Abc", "\"Abc\"");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "a\"b", "\"a\"\"b\"");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "caf\xc3\xa9", "\"caf\xc3\xa9\"");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "user", "\"user\"");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 0, "users", "users");
	q(RETORT_FAMILY_POSTGRESQL, '"', '"', 1, "users", "\"users\"");
	q(RETORT_FAMILY_NONE, '"', '"', 0, "user", "user");
	q(RETORT_FAMILY_MYSQL, '`', '`', 0, "a`b", "`a``b`");
	q(RETORT_FAMILY_MYSQL, '`', '`', 0, "usage", "`usage`");
	/* MariaDB-only words are quoted too (one list for the family) */
	q(RETORT_FAMILY_MYSQL, '`', '`', 0, "rowtype", "`rowtype`");
	q(RETORT_FAMILY_MSSQL, '[', ']', 0, "x]", "[x]]]");
	q(RETORT_FAMILY_MSSQL, '[', ']', 0, "percent", "[percent]");
	q(RETORT_FAMILY_SQLITE, '"', '"', 0, "pragma", "\"pragma\"");
	/* Oracle alone quotes a leading '_' */
	q(RETORT_FAMILY_ORACLE, '"', '"', 0, "_x", "\"_x\"");
	q(RETORT_FAMILY_ORACLE, '"', '"', 0, "uid", "\"uid\"");
	q(RETORT_FAMILY_SQLITE, '"', '"', 0, "_x", "_x");
	/* an empty name is refused, nothing appended */
	assert_int_equal(H->quote_ident(&b, "", RETORT_FAMILY_SQLITE, '"', '"', 0), -1);
	assert_null(b.ptr);
	/* every word of every family is quoted there; the lists are sorted */
	for (f = RETORT_FAMILY_POSTGRESQL; f <= RETORT_FAMILY_ORACLE; f++) {
		n = rt_words_list(f, &list);
		assert_true(n > 80);
		for (i = 0; i < n; i++) {
			assert_true(rt_words_reserved(f, list[i]));
			if (i)
				assert_true(strcmp(list[i - 1], list[i]) < 0);
		}
	}
	assert_int_equal(rt_words_list(RETORT_FAMILY_NONE, &list), 0);
	assert_false(rt_words_reserved(99, "select"));
}

static void test_last_line_comment(void **state)
{
	const char *s;

	(void)state;
#define LL(str, hash) H->last_line_has_comment((str), strlen(str), (hash))
	assert_int_equal(LL("SELECT 1", 0), 0);
	assert_int_equal(LL("SELECT 1 -- one", 0), 1);
	assert_int_equal(LL("-- first\nSELECT 1", 0), 0);
	assert_int_equal(LL("SELECT 1\n-- last", 0), 1);
	assert_int_equal(LL("SELECT 1 -", 0), 0);
	assert_int_equal(LL("SELECT 1 # note", 0), 0);
	assert_int_equal(LL("SELECT 1 # note", 1), 1);
	assert_int_equal(LL("# note\nSELECT 1", 1), 0);
	assert_int_equal(LL("", 1), 0);
#undef LL
	/* only the first n bytes count */
	s = "SELECT 1 -- x";
	assert_int_equal(H->last_line_has_comment(s, 10, 0), 0);
	assert_int_equal(H->last_line_has_comment(s, 11, 0), 1);
}

static unsigned long long h64(const char *a, size_t n)
{
	unsigned char h[8] = RETORT_HASH64_INIT;
	unsigned long long v = 0;
	size_t i;
	H->hash64(h, a, n);
	for (i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	return v;
}

static void test_hash64(void **state)
{
	unsigned char h[8] = RETORT_HASH64_INIT;
	unsigned char k[8] = RETORT_HASH64_INIT;

	(void)state;
	/* published FNV-1a 64 test vectors */
	assert_true(h64("", 0) == 0xcbf29ce484222325ULL);
	assert_true(h64("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(h64("foobar", 6) == 0x85944171f73967e8ULL);
	/* continuing equals hashing the concatenation; NUL bytes count */
	H->hash64(h, "foo", 3);
	H->hash64(h, "bar", 3);
	H->hash64(k, "foobar", 6);
	assert_memory_equal(h, k, 8);
	assert_true(h64("a\0", 2) != h64("a", 1));
}

static void test_clock(void **state)
{
	long t0, t1;

	(void)state;
	t0 = H->clock_ms();
	H->sleep_ms(30);
	t1 = H->clock_ms();
	assert_true(t1 - t0 >= 29);
	assert_true(t1 - t0 < 5000);
	H->sleep_ms(0);
	H->sleep_ms(-5);
}

static char *M(const char *msg, const char *const *secrets, unsigned flags)
{
	char *r = H->mask(msg, secrets, flags);
	assert_non_null(r);
	return r;
}

#define ASSERT_MASK(msg, secrets, flags, want)                                 \
	do {                                                                   \
		char *r_ = M((msg), (secrets), (flags));                       \
		assert_string_equal(r_, (want));                               \
		H->free(r_);                                                   \
	} while (0)

/* The one masking policy: whole tokens, any length, never inside words. */
static void test_mask(void **state)
{
	const char *e[] = { "e", NULL };
	const char *pw[] = { "hunter2", NULL };
	const char *two[] = { "ab", "ab cd", NULL };
	const char *sym[] = { "p@ss!", NULL };
	char *s;

	(void)state;
	/* a one-letter password: words keep their e's */
	ASSERT_MASK("cannot connect to postgresql: password e rejected (e)", e, 0,
	            "cannot connect to postgresql: password *** rejected (***)");
	ASSERT_MASK("login pw=hunter2 failed", pw, 0, "login pw=*** failed");
	ASSERT_MASK("'hunter2' \"hunter2\" [hunter2]", pw, 0, "'***' \"***\" [***]");
	/* not a piece of a longer word */
	ASSERT_MASK("hunter2hunter2 xhunter2 hunter2x hunter2_", pw, 0,
	            "hunter2hunter2 xhunter2 hunter2x hunter2_");
	/* the longest secret that fits wins */
	ASSERT_MASK("is ab cd or ab", two, 0, "is *** or ***");
	/* punctuation at a secret's edge needs no boundary there */
	ASSERT_MASK("x p@ss!y", sym, 0, "x ***y");
	/* whatever the list: URLs and password= values */
	ASSERT_MASK("cannot reach postgresql://u:TopSecret@h/db (password=Other1)", NULL, 0,
	            "cannot reach postgresql://u:***@h/db (password=***");
	/* an unquoted value runs to a blank: a password may hold ')' */
	/* the shape of one line */
	ASSERT_MASK("a\n  b\r\n\tc\n", NULL, RETORT_MASK_ONELINE, "a; b; c");
	ASSERT_MASK("a\n b", NULL, 0, "a\n b");
	ASSERT_MASK("x  \t", NULL, RETORT_MASK_TRIM, "x");
	ASSERT_MASK("x  \t", NULL, 0, "x  \t");
	ASSERT_MASK(NULL, pw, RETORT_MASK_ONELINE | RETORT_MASK_TRIM, "");
	rt__alloc_fail_after(1);
	s = H->mask("some text", NULL, RETORT_MASK_ONELINE);
	assert_null(s);
}

/* secrets_of: the password, secret-named parameters, mistyped keys */
static void test_secrets_of(void **state)
{
	struct rt_url *u = NULL;
	struct rt_err err = { 0, NULL };
	char **v;

	(void)state;
	assert_int_equal(rt_url_parse(&u, "postgresql://me:pw1@h/db?sslmode=require&password=pw2"
	                              "&PWD=pw3&passwd=pw1&application_name=x", &err), 0);
	v = H->secrets_of(&u->pub);
	assert_non_null(v);
	assert_string_equal(v[0], "pw1");
	assert_string_equal(v[1], "pw2");
	assert_string_equal(v[2], "pw3");
	assert_null(v[3]);   /* once each */
	H->secrets_free(v);
	rt_url_free(u);
	/* "password:x=y": the key's tail and the value */
	assert_int_equal(rt_url_parse(&u, "mysql://h/db?password:k1=v1", &err), 0);
	v = H->secrets_of(&u->pub);
	assert_non_null(v);
	assert_string_equal(v[0], "v1");
	assert_string_equal(v[1], "k1");
	assert_null(v[2]);
	H->secrets_free(v);
	rt_url_free(u);
	/* no URL: an empty list */
	v = H->secrets_of(NULL);
	assert_non_null(v);
	assert_null(v[0]);
	H->secrets_free(v);
	H->secrets_free(NULL);
	rt__alloc_fail_after(1);
	assert_null(H->secrets_of(NULL));
}

static void err_free(struct retort_error *e)
{
	H->free(e->message);
	H->free(e->statement);
	memset(e, 0, sizeof(*e));
}

struct collect {
	int n;
	int stop_at;    /* return `ret` for statement number stop_at */
	int ret;
	unsigned lines[8];
};

static int collect_cb(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct collect *c = payload;

	(void)stmt;
	(void)len;
	if (c->n < 8)
		c->lines[c->n] = line;
	if (++c->n == c->stop_at)
		return c->ret;
	return 0;
}

static void test_split(void **state)
{
	const char *sql = "SELECT 1;\nSELECT 2;\n\nSELECT 3;\n";
	struct retort_error e;
	struct collect c;

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&c, 0, sizeof(c));
	assert_int_equal(H->split(sql, strlen(sql), RETORT_SPLIT_POSTGRESQL, 10, collect_cb, &c, &e), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.lines[0], 10);
	assert_int_equal(c.lines[1], 11);
	assert_int_equal(c.lines[2], 13);
	assert_int_equal(e.code, 0);

	/* a negative callback result stops and is passed on */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	c.ret = RETORT_ENOMEM;
	assert_int_equal(H->split(sql, strlen(sql), RETORT_SPLIT_POSTGRESQL, 1, collect_cb, &c, &e), RETORT_ENOMEM);
	assert_int_equal(c.n, 2);
	/* a positive one stops too, as RETORT_ERROR */
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	c.ret = 1;
	assert_int_equal(H->split(sql, strlen(sql), RETORT_SPLIT_POSTGRESQL, 1, collect_cb, &c, &e), RETORT_ERROR);
	assert_int_equal(c.n, 1);

	/* a lexical error: usage error naming the line, statement line set */
	memset(&c, 0, sizeof(c));
	sql = "SELECT 1;\nSELECT 'open;\n";
	assert_int_equal(H->split(sql, strlen(sql), RETORT_SPLIT_POSTGRESQL, 5, collect_cb, &c, &e), RETORT_EUSAGE);
	assert_int_equal(e.code, RETORT_EUSAGE);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "starting at line 6; close it or fix the quoting"));
	assert_int_equal(e.stmt_line, 6);
	err_free(&e);
}

/* host->offline_sql(family, what, text): the text, or NULL with *rc set */
static char *offline(int family, int what, const char *text, int *rc, struct retort_error *e)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *s;
	*rc = H->offline_sql(&b, family, what, text, text ? strlen(text) : 0, e);
	s = H->buf_detach(&b);
	assert_non_null(s);
	if (*rc != 0) {
		assert_string_equal(s, "");  /* nothing half-written */
		H->free(s);
		return NULL;
	}
	return s;
}

static void test_offline_sql(void **state)
{
	static const struct {
		int family, what;
		const char *in, *out;
	} cases[] = {
		/* Alembic 1.8 frames only PostgreSQL and SQL Server */
		{ RETORT_FAMILY_POSTGRESQL, RETORT_OFFLINE_BEGIN, NULL, "BEGIN;" },
		{ RETORT_FAMILY_POSTGRESQL, RETORT_OFFLINE_COMMIT, NULL, "COMMIT;" },
		{ RETORT_FAMILY_MSSQL, RETORT_OFFLINE_BEGIN, NULL, "BEGIN TRANSACTION;" },
		{ RETORT_FAMILY_MSSQL, RETORT_OFFLINE_COMMIT, NULL, "COMMIT;\n\nGO" },
		{ RETORT_FAMILY_SQLITE, RETORT_OFFLINE_BEGIN, NULL, "" },
		{ RETORT_FAMILY_SQLITE, RETORT_OFFLINE_COMMIT, NULL, "" },
		{ RETORT_FAMILY_MYSQL, RETORT_OFFLINE_BEGIN, NULL, "" },
		{ RETORT_FAMILY_ORACLE, RETORT_OFFLINE_COMMIT, NULL, "" },
		{ RETORT_FAMILY_NONE, RETORT_OFFLINE_BEGIN, NULL, "" },
		/* terminators; outer blanks dropped */
		{ RETORT_FAMILY_SQLITE, RETORT_OFFLINE_STATEMENT, "\n SELECT 1 \n", "SELECT 1;" },
		{ RETORT_FAMILY_NONE, RETORT_OFFLINE_STATEMENT, "SELECT 1", "SELECT 1;" },
		{ RETORT_FAMILY_MSSQL, RETORT_OFFLINE_STATEMENT, "SELECT 1", "SELECT 1;\n\nGO" },
		{ RETORT_FAMILY_MSSQL, RETORT_OFFLINE_STATEMENT, "EXEC p;", "EXEC p;\n\nGO" },
		{ RETORT_FAMILY_ORACLE, RETORT_OFFLINE_STATEMENT, "BEGIN\n  NULL;\nEND;",
		  "BEGIN\n  NULL;\nEND;\n\n/" },
		/* a trailing line comment does not swallow the terminator */
		{ RETORT_FAMILY_SQLITE, RETORT_OFFLINE_STATEMENT, "SELECT 1 -- note",
		  "SELECT 1 -- note\n;" },
		{ RETORT_FAMILY_POSTGRESQL, RETORT_OFFLINE_STATEMENT, "SELECT 1 -- note",
		  "SELECT 1 -- note\n;" },
		{ RETORT_FAMILY_MSSQL, RETORT_OFFLINE_STATEMENT, "SELECT 1\n-- last",
		  "SELECT 1\n-- last\n;\n\nGO" },
		{ RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, "SELECT 1 # note",
		  "SELECT 1 # note\n;" },
		{ RETORT_FAMILY_SQLITE, RETORT_OFFLINE_STATEMENT, "SELECT 1 # not one here",
		  "SELECT 1 # not one here;" },
		/* MySQL: ';' quoted or commented needs no DELIMITER */
		{ RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, "INSERT INTO t VALUES ('a;b')",
		  "INSERT INTO t VALUES ('a;b');" },
		/* a body gets the first delimiter it does not hold */
		{ RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, "BEGIN SELECT 1; END",
		  "DELIMITER //\nBEGIN SELECT 1; END\n//\nDELIMITER ;" },
		{ RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, "BEGIN SELECT '//$$;;@@'; END",
		  "DELIMITER %%\nBEGIN SELECT '//$$;;@@'; END\n%%\nDELIMITER ;" },
		{ RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, "BEGIN SELECT '//$$;;@@%%'; END",
		  "DELIMITER ~~\nBEGIN SELECT '//$$;;@@%%'; END\n~~\nDELIMITER ;" },
		/* other families keep the body's ';' as they are */
		{ RETORT_FAMILY_SQLITE, RETORT_OFFLINE_STATEMENT,
		  "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT '//'; END",
		  "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT '//'; END;" },
	};
	const char *all = "CREATE PROCEDURE p() BEGIN SELECT '// $$ ;; @@ %% ~~'; END";
	struct retort_error e;
	char *s;
	size_t i;
	int rc;

	(void)state;
	memset(&e, 0, sizeof(e));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = offline(cases[i].family, cases[i].what, cases[i].in, &rc, &e);
		if (!s || strcmp(s, cases[i].out) != 0)
			fail_msg("case %zu: family %d, kind %d: '%s', want '%s' (rc %d)", i,
			         cases[i].family, cases[i].what, s ? s : "(failed)", cases[i].out, rc);
		H->free(s);
		assert_int_equal(e.code, 0);
	}

	/* every delimiter held: refused, saying what to change, the
	 * statement attached; never a DELIMITER the body holds */
	assert_null(offline(RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, all, &rc, &e));
	assert_int_equal(rc, RETORT_EUSAGE);
	assert_int_equal(e.code, RETORT_EUSAGE);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "no DELIMITER can wrap this statement"));
	assert_non_null(strstr(e.message, "// $$ ;; @@ %% ~~; change one of these"));
	assert_non_null(e.statement);
	assert_string_equal(e.statement, all);
	err_free(&e);
	/* elsewhere it is just a statement */
	s = offline(RETORT_FAMILY_POSTGRESQL, RETORT_OFFLINE_STATEMENT, all, &rc, &e);
	assert_non_null(s);
	H->free(s);

	/* kinds the plugin writes itself, and unknown families */
	assert_null(offline(RETORT_FAMILY_SQLITE, RETORT_OFFLINE_VERSION_DDL, NULL, &rc, &e));
	assert_int_equal(rc, RETORT_ENOTSUPPORTED);
	err_free(&e);
	assert_null(offline(RETORT_FAMILY_SQLITE, RETORT_OFFLINE_VERSION_INSERT, "a1", &rc, &e));
	assert_int_equal(rc, RETORT_ENOTSUPPORTED);
	err_free(&e);
	assert_null(offline(RETORT_FAMILY_ORACLE + 1, RETORT_OFFLINE_BEGIN, NULL, &rc, &e));
	assert_int_equal(rc, RETORT_ENOTSUPPORTED);
	err_free(&e);
	assert_null(offline(-1, RETORT_OFFLINE_STATEMENT, "SELECT 1", &rc, &e));
	assert_int_equal(rc, RETORT_ENOTSUPPORTED);
	err_free(&e);
}

/* Out of memory is the buffer's, sticky, as with buf_*. */
static void test_offline_sql_oom(void **state)
{
	struct retort_buf b = RETORT_BUF_INIT;
	struct retort_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	rt__alloc_fail_after(1);
	assert_int_equal(H->offline_sql(&b, RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT,
	                                "BEGIN SELECT 1; END", 19, &e), 0);
	assert_true(b.oom);
	assert_null(H->buf_detach(&b));
	rt__alloc_fail_after(0);
	assert_int_equal(e.code, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_detach_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_ident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_line_comment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_sql_oom, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
