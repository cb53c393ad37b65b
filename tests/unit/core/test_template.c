/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_template.c - core/template.c: ${name} rendering and
 * Alembic-compatible file names.  The expected file names were produced by
 * Alembic 1.8.1's own ScriptDirectory._rev_path() (Debian python3-alembic)
 * for the same messages, template and timestamp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "template.h"

static const struct rt_tmpl_var VARS[] = {
	{ "message", "add account table" },
	{ "up_revision", "ae1027a6acf" },
	{ "down_revision", "" },
	{ "create_date", "2026-11-26 12:00:00.000000" },
	{ "branch_labels", NULL },
};
#define NVARS (sizeof(VARS) / sizeof(VARS[0]))

static char *render_ok(const char *tmpl)
{
	char *out = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_template_render(&out, tmpl, "script.sql.tmpl", VARS, NVARS, &err) != 0)
		fail_msg("render failed: %s", err.msg ? err.msg : "(oom)");
	return out;
}

static char *render_fail(const char *tmpl)
{
	char *out = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_template_render(&out, tmpl, "script.sql.tmpl", VARS, NVARS, &err) == 0)
		fail_msg("render of '%s' should have failed", tmpl);
	assert_null(out);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	return err.msg;
}

static void test_render(void **state)
{
	char *s;
	(void)state;
	s = render_ok("-- Message: ${message}\n-- Revision ID: ${up_revision}\n"
	              "-- Revises: ${down_revision}\n-- Create Date: ${create_date}\n"
	              "-- Branch Labels: ${branch_labels}\n");
	assert_string_equal(s, "-- Message: add account table\n-- Revision ID: ae1027a6acf\n"
	                       "-- Revises: \n-- Create Date: 2026-11-26 12:00:00.000000\n"
	                       "-- Branch Labels: \n");
	free(s);
	s = render_ok("$$ $1 $$$$ ${ message } cost: 5$");
	assert_string_equal(s, "$ $1 $$ add account table cost: 5$");
	free(s);
	s = render_ok("");
	assert_string_equal(s, "");
	free(s);
	s = render_ok("$${message}");
	assert_string_equal(s, "${message}");
	free(s);
}

static void test_render_errors(void **state)
{
	char *msg;
	(void)state;
	msg = render_fail("line1\nline2 ${nope} x\n");
	assert_string_equal(msg, "script.sql.tmpl:2: unknown variable ${nope} in template "
	                         "(known: ${message}, ${up_revision}, ${down_revision}, "
	                         "${create_date}, ${branch_labels}; $$ for a literal '$')");
	free(msg);
	msg = render_fail("a\n\n${message");
	assert_string_equal(msg, "script.sql.tmpl:3: unterminated ${ (write ${name}; $$ for a "
	                         "literal '$')");
	free(msg);
	/* A '}' on a later line does not close it. */
	msg = render_fail("${message\n}");
	assert_non_null(strstr(msg, ":1: unterminated"));
	free(msg);
	msg = render_fail("${}");
	assert_non_null(strstr(msg, "unknown variable ${}"));
	free(msg);
}

struct slug_case {
	const char *message;
	int tsl;
	const char *want;
};

static const struct slug_case SLUGS[] = {
	{ "add account table", 40, "ae1027a6acf_add_account_table" },
	{ "Add Account Table!!", 40, "ae1027a6acf_add_account_table" },
	{ "  --leading and trailing--  ", 40, "ae1027a6acf_leading_and_trailing" },
	{ "this is a very long message that goes beyond forty characters easily", 40,
	  "ae1027a6acf_this_is_a_very_long_message_that_goes_" },
	{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", 40,
	  "ae1027a6acf_abcdefghijklmnopqrstuvwxyzabcdefghijklmn_" },
	{ "one two three", 7, "ae1027a6acf_one_" },
	{ "one two three", 8, "ae1027a6acf_one_two_" },
	{ "one two three", 3, "ae1027a6acf_one_" },
	{ "one_two three", 4, "ae1027a6acf_one_" },
	{ "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e \xc3\x89T\xc3\x89 \xc3\xbc" "ber", 40,
	  "ae1027a6acf_cr\xc3\xa8me_br\xc3\xbbl\xc3\xa9" "e_\xc3\xa9t\xc3\xa9_\xc3\xbc" "ber" },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 40,
	  "ae1027a6acf_\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e_\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88" },
	/* Truncation counts characters, not bytes. */
	{ "na\xc3\xafve caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9 d\xc3\xa9j\xc3\xa0 vu \xc3\xa0 la carte "
	  "encore", 20, "ae1027a6acf_na\xc3\xafve_caf\xc3\xa9_r\xc3\xa9sum\xc3\xa9_" },
	{ "x\xe2\x80\x94y\xe2\x80\xa6z", 40, "ae1027a6acf_x_y_z" },
	{ "a__b", 40, "ae1027a6acf_a__b" },
	{ "", 40, "ae1027a6acf_" },
	{ NULL, 40, "ae1027a6acf_" },
	{ "\xc3\x80\xc3\x89\xc3\x8e", 2, "ae1027a6acf_\xc3\xa0\xc3\xa9_" },
	{ "emoji \xf0\x9f\x8e\x89 party", 40, "ae1027a6acf_emoji_party" },
	{ "tab\tnew\nline", 40, "ae1027a6acf_tab_new_line" },
	/* 0 means the default, as Alembic's `truncate_slug_length or 40`. */
	{ "this is a very long message that goes beyond forty characters easily", 0,
	  "ae1027a6acf_this_is_a_very_long_message_that_goes_" },
	/* Where glibc's classes differ from Python's \w: combining marks
	 * (decomposed accents) and circled letters split words, superscript,
	 * subscript and fraction numerals are word characters. */
	{ "cafe\xcc\x81 cre\xcc\x80me", 40, "ae1027a6acf_cafe_cre_me" },
	{ "x\xc2\xb2 y\xc2\xbd z\xe2\x82\x83", 40,
	  "ae1027a6acf_x\xc2\xb2_y\xc2\xbd_z\xe2\x82\x83" },
	{ "\xe2\x92\xb6\xe2\x92\xb7 ok", 40, "ae1027a6acf_ok" },
	/* Invalid UTF-8 bytes are separators, never copied into a file name. */
	{ "bad\xff\xfe" "bytes\xc3", 40, "ae1027a6acf_bad_bytes" },
};

static void test_slugs(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(SLUGS) / sizeof(SLUGS[0]); i++) {
		char *out = NULL;
		struct rt_err err = { 0, NULL };
		if (rt_template_filename(&out, "%(rev)s_%(slug)s", "ae1027a6acf", SLUGS[i].message,
		                         SLUGS[i].tsl, 1795000000LL, 1, &err) != 0)
			fail_msg("case %zu failed: %s", i, err.msg ? err.msg : "(oom)");
		if (strcmp(out, SLUGS[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, out, SLUGS[i].want);
		free(out);
	}
}

static void check_tmpl(const char *tmpl, const char *want)
{
	char *out = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_template_filename(&out, tmpl, "ae1027a6acf", "Add table", 40, 1795000000LL, 1,
	                         &err) != 0)
		fail_msg("'%s' failed: %s", tmpl, err.msg ? err.msg : "(oom)");
	if (strcmp(out, want) != 0)
		fail_msg("'%s': got '%s', want '%s'", tmpl, out, want);
	free(out);
}

static void test_file_templates(void **state)
{
	(void)state;
	check_tmpl("%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
	           "2026_11_18_1106-ae1027a6acf_add_table");
	check_tmpl("%(epoch)s_%(rev)s", "1795000000_ae1027a6acf");
	check_tmpl("%(rev)s%%x_%(second)02d", "ae1027a6acf%x_40");
	check_tmpl("%(rev)r_%(year)5d|%(slug)-12s|", "'ae1027a6acf'_ 2026|add_table   |");
	check_tmpl(NULL, "ae1027a6acf_add_table");
}

static void test_local_time(void **state)
{
	char *out = NULL;
	struct rt_err err = { 0, NULL };
	(void)state;
	setenv("TZ", "Asia/Tokyo", 1); /* UTC+9, no DST */
	tzset();
	assert_int_equal(rt_template_filename(&out, "%(hour).2d_%(epoch)s", "r", "m", 40,
	                                      1795000000LL, 0, &err), 0);
	assert_string_equal(out, "20_1795000000");
	free(out);
	assert_int_equal(rt_template_filename(&out, "%(hour).2d", "r", "m", 40, 1795000000LL, 1,
	                                      &err), 0);
	assert_string_equal(out, "11");
	free(out);
	unsetenv("TZ");
	tzset();
}

static void check_tmpl_fail(const char *tmpl, const char *part)
{
	char *out = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_template_filename(&out, tmpl, "ae1027a6acf", "Add table", 40, 1795000000LL, 1,
	                         &err) == 0)
		fail_msg("'%s' should fail, made '%s'", tmpl, out);
	assert_null(out);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	if (!strstr(err.msg, part))
		fail_msg("'%s': message '%s' lacks '%s'", tmpl, err.msg, part);
	rt_err_clear(&err);
}

static void test_file_template_errors(void **state)
{
	(void)state;
	check_tmpl_fail("%(nope)s", "unknown token %(nope)");
	check_tmpl_fail("%(rev)s_%s", "every % must name a token");
	check_tmpl_fail("%(rev", "unterminated %(");
	check_tmpl_fail("%(rev)d", "rev and slug are text");
	check_tmpl_fail("%(year)q", "unsupported conversion");
	check_tmpl_fail("%(year)", "unsupported conversion");
	check_tmpl_fail("../%(rev)s", "holds a '/'");
	check_tmpl_fail("sub/%(rev)s", "holds a '/'");
	check_tmpl_fail("%(year)0000000000000000000000000000000000000000000000000000099d",
	                "too long");
	check_tmpl_fail("%(rev)300s", "longer than 250");
}

static void test_oom(void **state)
{
	unsigned long n;
	(void)state;
	for (n = 1; n < 100; n++) {
		char *out = NULL;
		struct rt_err err = { 0, NULL };
		int rc;
		rt__alloc_fail_after(n);
		rc = rt_template_filename(&out, "%(rev)s_%(slug)s", "r", "some message here", 40,
		                          0, 1, &err);
		rt__alloc_fail_after(0);
		rt_err_clear(&err);
		if (rc == 0) {
			free(out);
			break;
		}
		assert_null(out);
	}
	assert_true(n < 100);
	for (n = 1; n < 100; n++) {
		char *out = NULL;
		struct rt_err err = { 0, NULL };
		int rc;
		rt__alloc_fail_after(n);
		rc = rt_template_render(&out, "x ${message} y ${nope}", "t", VARS, NVARS, &err);
		rt__alloc_fail_after(0);
		rt_err_clear(&err);
		assert_int_equal(rc, -1);
		assert_null(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_file_templates),
		cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_file_template_errors),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
