/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_audit.c - core/audit.c: the command line as the
 * audit trail keeps it (quoted, secrets masked), the version rows as
 * recorded, and a record's fields from start to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <retort/retort.h>

#include "audit.h"
#include "json.h"

static void test_command_line(void **state)
{
	static const char *const argv[] = {
		"retort", "--url", "postgresql://app:Hunter2@db/app", "-x", "password=Hunter3",
		"upgrade", "head", "--tag", "release 42", "it's", ""
	};
	(void)state;
	assert_string_equal(rt_audit_command_line(), "");
	retort_set_command_line(11, argv);
	assert_string_equal(rt_audit_command_line(),
	                    "retort --url postgresql://app:***@db/app -x password=*** upgrade head "
	                    "--tag 'release 42' 'it'\\''s' ''");
	retort_set_command_line(2, argv);
	assert_string_equal(rt_audit_command_line(), "retort --url");
	retort_set_command_line(0, NULL);
	assert_string_equal(rt_audit_command_line(), "");
}

static void test_rows(void **state)
{
	static const char *const rows[] = { "c3", "a1", "b2" };
	char *r;
	(void)state;
	r = rt_audit_rows(rows, 3);
	assert_string_equal(r, "a1 b2 c3");
	rt_free(r);
	r = rt_audit_rows(NULL, 0);
	assert_string_equal(r, "");
	rt_free(r);
}

static void test_record(void **state)
{
	static const char *const argv[] = { "retort", "upgrade", "head" };
	struct rt_audit_rec rec;
	struct rt_err err = { 0, NULL }, failure = { RT_EXIT_DB, NULL };
	size_t i;
	(void)state;
	retort_set_command_line(3, argv);
	assert_int_equal(rt_audit_begin(&rec, "upgrade", "alembic_version", "rel-1", &err), 0);
	assert_int_equal(strlen(rec.run_id), RT_RUN_ID_LEN);
	for (i = 0; i < RT_RUN_ID_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", rec.run_id[i]));
	assert_string_equal(rec.command, "upgrade");
	assert_string_equal(rec.command_line, "retort upgrade head");
	assert_string_equal(rec.tag, "rel-1");
	assert_true(*rec.os_user != '\0');
	assert_int_equal(strlen(rec.started_at), 19);
	assert_int_equal(rec.started_at[4], '-');
	assert_int_equal(rec.started_at[10], ' ');
	assert_string_equal(rec.retort_version, retort_version());
	assert_int_equal(rt_audit_end(&rec, "a1 b2", NULL), 0);
	assert_string_equal(rec.outcome, "ok");
	assert_null(rec.message);
	assert_string_equal(rec.rows_after, "a1 b2");
	assert_true(rec.duration_ms >= 0);
	/* a failure: the message as the user saw it, masked once more */
	failure.msg = rt_strdup("cannot connect to postgresql://u:pw@h/d: password=Sekr1t \x1b[31m");
	assert_int_equal(rt_audit_end(&rec, NULL, &failure), 0);
	assert_string_equal(rec.outcome, "failed");
	assert_null(rec.rows_after);
	assert_string_equal(rec.message, "cannot connect to postgresql://u:***@h/d: password=*** "
	                                 "\\x1b[31m");
	rt_err_clear(&failure);
	rt_audit_free(&rec);
	/* two runs never share an id */
	{
		struct rt_audit_rec a, b;
		assert_int_equal(rt_audit_begin(&a, "stamp", "v", NULL, &err), 0);
		assert_int_equal(rt_audit_begin(&b, "stamp", "v", NULL, &err), 0);
		assert_string_not_equal(a.run_id, b.run_id);
		assert_null(a.tag);
		rt_audit_free(&a);
		rt_audit_free(&b);
	}
	retort_set_command_line(0, NULL);
}

/* The JSON line: every column, null for unknowns, valid JSON whatever
 * the bytes. */
static void test_json(void **state)
{
	struct rt_audit_rec rec;
	struct rt_err err = { 0, NULL };
	struct rt_buf b = RT_BUF_INIT;
	static const char *const argv[] = { "retort", "upgrade", "it\"s\x1b\xff" };
	char want[1024];
	(void)state;
	retort_set_command_line(3, argv);
	assert_int_equal(rt_audit_begin(&rec, "upgrade", "alembic_version", NULL, &err), 0);
	free(rec.os_user);
	free(rec.host);
	rec.os_user = strdup("ann");
	rec.host = strdup("h1");
	strcpy(rec.started_at, "2026-12-05 19:08:36");
	rec.rows_before = strdup("");
	assert_int_equal(rt_audit_end(&rec, "a1 b2", NULL), 0);
	rec.duration_ms = 42;
	assert_int_equal(rt_audit_json(&b, &rec, "sqlite:///x.db"), 0);
	snprintf(want, sizeof(want),
	         "{\"run_id\": \"%s\", \"version_table\": \"alembic_version\", "
	         "\"command\": \"upgrade\", \"command_line\": \"retort upgrade "
	         "'it\\\"s\\u001b\\ufffd'\", \"os_user\": \"ann\", \"db_user\": null, "
	         "\"host\": \"h1\", \"started_at\": \"2026-12-05 19:08:36\", "
	         "\"duration_ms\": 42, \"rows_before\": \"\", \"rows_after\": \"a1 b2\", "
	         "\"outcome\": \"ok\", \"message\": null, \"retort_version\": \"%s\", "
	         "\"tag\": null, \"database\": \"sqlite:///x.db\"}\n",
	         rec.run_id, retort_version());
	assert_string_equal(b.ptr, want);
	rt_buf_free(&b);
	rt_audit_free(&rec);
	retort_set_command_line(0, NULL);
	/* UTF-8 passes; broken and overlong sequences and surrogates do not */
	rt_buf_json_str(&b, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	assert_string_equal(b.ptr, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\ufffd\\ufffd|"
	                           "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
	rt_buf_free(&b);
}

/* audit_log: created 0600, appended to, one line per record; a file that
 * cannot be opened is a configuration error. */
static void test_log_file(void **state)
{
	char dir[] = "/tmp/retort-audittest-XXXXXX", path[64], *text = NULL;
	struct rt_audit_rec rec;
	struct rt_err err = { 0, NULL };
	struct stat st;
	size_t len, i, lines = 0;
	int fd;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	assert_int_equal(rt_audit_begin(&rec, "stamp", "v", "t1", &err), 0);
	assert_int_equal(rt_audit_end(&rec, "a1", NULL), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(rt_audit_log_open(&fd, path, &err), 0);
		assert_int_equal(rt_audit_log_append(fd, path, &rec, "db", &err), 0);
		close(fd);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(rt_read_file(&text, &len, path, &err), 0);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_int_equal(lines, 2);
	assert_non_null(strstr(text, "\"tag\": \"t1\""));
	free(text);
	rt_audit_free(&rec);
	unlink(path);
	rmdir(dir);
	/* a directory that does not exist */
	assert_int_equal(rt_audit_log_open(&fd, "/nonexistent/dir/audit.jsonl", &err), -1);
	assert_int_equal(fd, -1);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/audit.jsonl"));
	rt_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_log_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
