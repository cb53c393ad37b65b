/*
 * tests/unit/hostbuf/test_hostbuf.c - lib/hostbuf.c, the plugins' string
 * buffer, on the core's host table (rt_host()), whose allocations go
 * through rt_malloc & co. so rt__alloc_fail_after() can make them fail.
 * Also lib/sqltext.c and lib/plugutil.c, the other helpers the plugins
 * share.  Leaks show under valgrind / ASan (make check-sanitize).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hostbuf.h"
#include "sqltext.h"
#include "plugutil.h"
#include "host.h"
#include "util.h"

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
	struct hostbuf b = HOSTBUF_INIT(H);
	char big[5000];
	size_t i;

	(void)state;
	assert_null(b.ptr);
	/* byte by byte across several doublings */
	for (i = 0; i < 1000; i++)
		hostbuf_putc(&b, (char)('a' + i % 26));
	assert_false(b.oom);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap >= 1001);
	assert_int_equal(b.ptr[1000], '\0');
	for (i = 0; i < 1000; i++)
		assert_int_equal(b.ptr[i], 'a' + i % 26);

	/* one append larger than twice the capacity */
	memset(big, 'x', sizeof(big));
	hostbuf_put(&b, big, sizeof(big));
	assert_false(b.oom);
	assert_int_equal(b.len, 1000 + sizeof(big));
	assert_true(b.cap >= b.len + 1);
	assert_int_equal(b.ptr[999], 'a' + 999 % 26);
	assert_int_equal(b.ptr[1000], 'x');
	assert_int_equal(b.ptr[b.len - 1], 'x');
	assert_int_equal(b.ptr[b.len], '\0');

	/* bytes after a NUL are kept; puts stops at the NUL */
	hostbuf_free(&b);
	hostbuf_put(&b, "a\0b", 3);
	hostbuf_puts(&b, "cd\0ef");
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.ptr, "a\0bcd", 6);
	/* an empty append still gives a NUL-terminated text */
	hostbuf_free(&b);
	hostbuf_put(&b, "", 0);
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	hostbuf_free(&b);
}

static void test_quoted(void **state)
{
	struct hostbuf b;
	char *s;

	(void)state;
	hostbuf_init(&b, H);
	hostbuf_put_quoted(&b, "a\"b", '"', '"');
	hostbuf_putc(&b, ' ');
	hostbuf_put_quoted(&b, "x]y[", '[', ']');
	hostbuf_putc(&b, ' ');
	hostbuf_put_quoted(&b, "", '\'', '\'');
	hostbuf_putc(&b, ' ');
	hostbuf_put_quoted(&b, "it's", '\'', '\'');
	s = hostbuf_detach(&b);
	assert_string_equal(s, "\"a\"\"b\" [x]]y[] '' 'it''s'");
	H->free(s);
}

static void test_detach(void **state)
{
	struct hostbuf b = HOSTBUF_INIT(H);
	char *s;

	(void)state;
	/* nothing appended: an allocated "" */
	s = hostbuf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	H->free(s);

	hostbuf_puts(&b, "SELECT ");
	hostbuf_puts(&b, "1");
	s = hostbuf_detach(&b);
	assert_string_equal(s, "SELECT 1");
	/* the buffer is empty and usable again, on the same host */
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_ptr_equal(b.host, H);
	hostbuf_puts(&b, "again");
	assert_string_equal(b.ptr, "again");
	assert_string_equal(s, "SELECT 1");
	H->free(s);
	hostbuf_free(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	hostbuf_free(&b); /* twice is harmless */
}

static void test_oom_first(void **state)
{
	struct hostbuf b = HOSTBUF_INIT(H);
	char *s;

	(void)state;
	rt__alloc_fail_after(1);
	hostbuf_puts(&b, "abc");
	assert_true(b.oom);
	assert_null(b.ptr);
	/* sticky: later appends do nothing, even with memory back */
	hostbuf_puts(&b, "def");
	assert_true(b.oom);
	assert_null(b.ptr);
	assert_int_equal(hostbuf_grow(&b, 1), -1);
	assert_null(hostbuf_detach(&b));
	/* detach cleared it */
	assert_false(b.oom);
	hostbuf_puts(&b, "ok");
	s = hostbuf_detach(&b);
	assert_string_equal(s, "ok");
	H->free(s);
}

static void test_oom_growth(void **state)
{
	struct hostbuf b = HOSTBUF_INIT(H);
	char big[200];

	(void)state;
	hostbuf_puts(&b, "0123456789");
	assert_false(b.oom);
	memset(big, 'y', sizeof(big));
	rt__alloc_fail_after(1);
	hostbuf_put(&b, big, sizeof(big));
	assert_true(b.oom);
	/* what was there stays allocated and intact until freed */
	assert_non_null(b.ptr);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.ptr, "0123456789");
	hostbuf_putc(&b, 'z');
	assert_int_equal(b.len, 10);
	hostbuf_free(&b);
	assert_false(b.oom);
	assert_null(b.ptr);

	/* oom then detach frees the text (no leak under valgrind/ASan) */
	hostbuf_puts(&b, "0123456789");
	rt__alloc_fail_after(1);
	hostbuf_put(&b, big, sizeof(big));
	assert_null(hostbuf_detach(&b));
	assert_null(b.ptr);
}

static void test_oom_detach_empty(void **state)
{
	struct hostbuf b = HOSTBUF_INIT(H);

	(void)state;
	/* the "" of an empty buffer is an allocation too */
	rt__alloc_fail_after(1);
	assert_null(hostbuf_detach(&b));
}

static void test_grow_overflow(void **state)
{
	struct hostbuf b = HOSTBUF_INIT(H);

	(void)state;
	hostbuf_puts(&b, "abc");
	assert_int_equal(hostbuf_grow(&b, SIZE_MAX), -1);
	assert_true(b.oom);
	assert_string_equal(b.ptr, "abc");
	hostbuf_free(&b);
	/* the largest extra whose sum with len and the NUL would wrap; no
	 * allocation is tried (ASan would abort on a huge request) */
	hostbuf_puts(&b, "abc");
	assert_int_equal(hostbuf_grow(&b, SIZE_MAX - 3), -1);
	assert_true(b.oom);
	hostbuf_free(&b);
	assert_int_equal(hostbuf_grow(&b, 100), 0);
	assert_true(b.cap >= 101);
	assert_int_equal(b.len, 0);
	hostbuf_free(&b);
}

static void test_requires_quotes(void **state)
{
	static const char *const words[] = { "select", "table", "user" };
	size_t n = sizeof(words) / sizeof(words[0]);

	(void)state;
	assert_int_equal(sqltext_requires_quotes("alembic_version", words, n), 0);
	assert_int_equal(sqltext_requires_quotes("_x$1", words, n), 0);
	assert_int_equal(sqltext_requires_quotes("a", words, n), 0);
	assert_int_equal(sqltext_requires_quotes("", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("1a", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("$a", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("Abc", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("a-b", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("a b", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("caf\xc3\xa9", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("select", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("user", words, n), 1);
	assert_int_equal(sqltext_requires_quotes("users", words, n), 0);
	assert_int_equal(sqltext_requires_quotes("user", words, 0), 0);
}

static void test_last_line_comment(void **state)
{
	const char *s;

	(void)state;
#define LL(str, hash) sqltext_last_line_has_comment((str), strlen(str), (hash))
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
	assert_int_equal(sqltext_last_line_has_comment(s, 10, 0), 0);
	assert_int_equal(sqltext_last_line_has_comment(s, 11, 0), 1);
}

static void test_fnv1a(void **state)
{
	uint64_t h;

	(void)state;
	/* published FNV-1a 64 test vectors */
	assert_true(plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, "", 0) == 0xcbf29ce484222325ULL);
	assert_true(plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
	/* continuing equals hashing the concatenation; NUL bytes count */
	h = plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, "foo", 3);
	assert_true(plugutil_fnv1a(h, "bar", 3) == 0x85944171f73967e8ULL);
	assert_true(plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, "a\0", 2) !=
	            plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, "a", 1));
}

static void test_clock(void **state)
{
	long long t0, t1;

	(void)state;
	t0 = plugutil_now_ms();
	plugutil_sleep_ms(30);
	t1 = plugutil_now_ms();
	assert_true(t1 - t0 >= 29);
	assert_true(t1 - t0 < 5000);
}

static void test_mask(void **state)
{
	char *s;

	(void)state;
#define MASK(msg, secret, oneline, trim) \
	(s = plugutil_mask(H, (msg), (secret), (oneline), (trim)))
	assert_string_equal(MASK("login pw=hunter2 failed", "hunter2", 0, 0),
	                    "login pw=*** failed");
	H->free(s);
	assert_string_equal(MASK("hunter2hunter2", "hunter2", 0, 0), "******");
	H->free(s);
	/* secrets shorter than 4 bytes are not masked */
	assert_string_equal(MASK("abc def", "abc", 0, 0), "abc def");
	H->free(s);
	assert_string_equal(MASK("a\n  b\r\n\tc\n", NULL, 1, 0), "a; b; c");
	H->free(s);
	assert_string_equal(MASK("a\n b", NULL, 0, 0), "a\n b");
	H->free(s);
	assert_string_equal(MASK("x  \t", NULL, 0, 1), "x");
	H->free(s);
	assert_string_equal(MASK("x  \t", NULL, 0, 0), "x  \t");
	H->free(s);
	assert_string_equal(MASK(NULL, "secret", 1, 1), "");
	H->free(s);
	rt__alloc_fail_after(1);
	assert_null(MASK("some text", NULL, 1, 1));
#undef MASK
}

static void err_free(struct retort_error *e)
{
	H->free(e->message);
	H->free(e->statement);
	memset(e, 0, sizeof(*e));
}

static void test_error_statement(void **state)
{
	struct retort_error e;
	const char *stmt = "ALTER USER x PASSWORD 'hunter2'  ;trailing";

	(void)state;
	memset(&e, 0, sizeof(e));
	/* only the first len bytes; masked (the host trims what is left at
	 * the end, so trim_end shows only with text after the blanks) */
	plugutil_error_statement(H, &e, 3, 7, stmt, 33, "hunter2", 1);
	assert_int_equal(e.stmt_index, 3);
	assert_int_equal(e.stmt_line, 7);
	assert_string_equal(e.statement, "ALTER USER x PASSWORD '***'");
	err_free(&e);
	plugutil_error_statement(H, &e, 1, 1, stmt, 37, "hunter2", 0);
	assert_string_equal(e.statement, "ALTER USER x PASSWORD '***'  ;tra");
	err_free(&e);
	/* no secret in it: as it is */
	plugutil_error_statement(H, &e, 1, 1, stmt, 37, "other-secret", 1);
	assert_string_equal(e.statement, "ALTER USER x PASSWORD 'hunter2'  ;tra");
	err_free(&e);
	plugutil_error_statement(H, &e, 1, 1, stmt, 37, NULL, 1);
	assert_string_equal(e.statement, "ALTER USER x PASSWORD 'hunter2'  ;tra");
	err_free(&e);
	/* out of memory for the copy: the position, without text */
	rt__alloc_fail_after(1);
	plugutil_error_statement(H, &e, 2, 5, stmt, 33, "hunter2", 1);
	assert_int_equal(e.stmt_index, 2);
	assert_int_equal(e.stmt_line, 5);
	assert_null(e.statement);
	err_free(&e);
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
	assert_int_equal(plugutil_split(H, SQLSPLIT_POSTGRESQL, sql, strlen(sql), 10, collect_cb,
	                                &c, &e), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.lines[0], 10);
	assert_int_equal(c.lines[1], 11);
	assert_int_equal(c.lines[2], 13);
	assert_int_equal(e.code, 0);

	/* a negative callback result stops and is passed on */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	c.ret = RETORT_ENOMEM;
	assert_int_equal(plugutil_split(H, SQLSPLIT_POSTGRESQL, sql, strlen(sql), 1, collect_cb,
	                                &c, &e), RETORT_ENOMEM);
	assert_int_equal(c.n, 2);
	/* a positive one stops too, as RETORT_ERROR */
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	c.ret = 1;
	assert_int_equal(plugutil_split(H, SQLSPLIT_POSTGRESQL, sql, strlen(sql), 1, collect_cb,
	                                &c, &e), RETORT_ERROR);
	assert_int_equal(c.n, 1);

	/* a lexical error: usage error naming the line, statement line set */
	memset(&c, 0, sizeof(c));
	sql = "SELECT 1;\nSELECT 'open;\n";
	assert_int_equal(plugutil_split(H, SQLSPLIT_POSTGRESQL, sql, strlen(sql), 5, collect_cb,
	                                &c, &e), RETORT_EUSAGE);
	assert_int_equal(e.code, RETORT_EUSAGE);
	assert_non_null(e.message);
	assert_non_null(strstr(e.message, "starting at line 6; close it or fix the quoting"));
	assert_int_equal(e.stmt_line, 6);
	err_free(&e);
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
		cmocka_unit_test_setup_teardown(test_grow_overflow, setup, teardown),
		cmocka_unit_test(test_requires_quotes),
		cmocka_unit_test(test_last_line_comment),
		cmocka_unit_test(test_fnv1a),
		cmocka_unit_test(test_clock),
		cmocka_unit_test_setup_teardown(test_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
