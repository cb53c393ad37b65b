/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_json.c - core/json.c, the one JSON writer: strings
 * escaped so that any bytes give valid JSON (controls as \u00XX, bytes
 * that are not UTF-8 as \ufffd), nesting and commas, the document frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static void expect_n(const char *in, size_t len, const char *want)
{
	struct rt_buf b = RT_BUF_INIT;
	assert_int_equal(rt_buf_json_strn(&b, in, len), 0);
	if (strcmp(b.ptr, want) != 0)
		fail_msg("json(%s) = '%s', wanted '%s'", in ? in : "NULL", b.ptr, want);
	rt_buf_free(&b);
}

static void expect(const char *in, const char *want)
{
	expect_n(in, in ? strlen(in) : 0, want);
}

static void test_plain(void **state)
{
	(void)state;
	expect("", "\"\"");
	expect("add account table", "\"add account table\"");
	expect(NULL, "null");
	expect("say \"hi\" \\ back", "\"say \\\"hi\\\" \\\\ back\"");
	expect("a/b", "\"a/b\"");
	/* valid UTF-8 is kept: é, U+00A0, …, U+FFFF, an emoji, U+10FFFF */
	expect("caf\xc3\xa9 \xc2\xa0 \xe2\x80\xa6 \xef\xbf\xbf \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	       "\"caf\xc3\xa9 \xc2\xa0 \xe2\x80\xa6 \xef\xbf\xbf \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
}

static void test_controls(void **state)
{
	(void)state;
	expect("line\nnext\ttab", "\"line\\nnext\\ttab\"");
	expect("\x1b[31mred", "\"\\u001b[31mred\"");
	expect("cr\r bell\a nul-free \x01 \x1f del\x7f", "\"cr\\u000d bell\\u0007 nul-free \\u0001 "
	       "\\u001f del\\u007f\"");
	/* C1 controls as UTF-8 (CSI U+009B), and U+0080 */
	expect("x\xc2\x9b" "31m \xc2\x80", "\"x\\u009b31m \\u0080\"");
	/* U+00A0 is no control */
	expect("\xc2\xa0", "\"\xc2\xa0\"");
	/* line and paragraph separators, which JavaScript once refused */
	expect("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"");
	/* an embedded NUL with a length */
	expect_n("a\0b", 3, "\"a\\u0000b\"");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect("\xff", "\"\\ufffd\"");                          /* never UTF-8 */
	expect("a\x80z", "\"a\\ufffdz\"");                      /* stray continuation */
	expect("caf\xe9!", "\"caf\\ufffd!\"");                  /* Latin-1 é */
	expect("\xc3", "\"\\ufffd\"");                          /* truncated at the end */
	expect("\xe2\x82x", "\"\\ufffd\\ufffdx\"");             /* truncated in the middle */
	expect("\xc0\xaf", "\"\\ufffd\\ufffd\"");               /* overlong '/' */
	expect("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");    /* overlong, 3 bytes */
	expect("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");    /* a surrogate */
	expect("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
	expect("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* a bad byte does not eat the valid character after it */
	expect("\xc3\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
}

static void test_document(void **state)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_json j;
	const char *v[] = { "a", "b" };
	struct rt_strvec empty = RT_STRVEC_INIT;
	(void)state;
	rt_json_init(&j, &b);
	rt_json_doc_begin(&j, "heads");
	rt_json_array(&j, "revisions");
	rt_json_object(&j, NULL);
	rt_json_str(&j, "revision", "ae10");
	rt_json_strs(&j, "down", v, 2);
	rt_json_strvec(&j, "labels", &empty);
	rt_json_object_end(&j);
	rt_json_object(&j, NULL);
	rt_json_null(&j, "path");
	rt_json_bool(&j, "is_head", 1);
	rt_json_bool(&j, "is_merge_point", 0);
	rt_json_int(&j, "duration_ms", -12);
	rt_json_strn(&j, "m\"k", "xyz", 2);
	rt_json_object_end(&j);
	rt_json_array_end(&j);
	rt_json_doc_end(&j);
	assert_false(b.oom);
	assert_string_equal(b.ptr,
	                    "{\"format\": 1, \"command\": \"heads\", \"revisions\": ["
	                    "{\"revision\": \"ae10\", \"down\": [\"a\", \"b\"], \"labels\": []}, "
	                    "{\"path\": null, \"is_head\": true, \"is_merge_point\": false, "
	                    "\"duration_ms\": -12, \"m\\\"k\": \"xy\"}]}\n");
	rt_buf_free(&b);
}

static void test_too_deep(void **state)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_json j;
	int i;
	(void)state;
	rt_json_init(&j, &b);
	for (i = 0; i <= RT_JSON_MAX_DEPTH; i++)
		rt_json_array(&j, NULL);
	assert_true(b.oom); /* a writer bug is an error, never invalid output */
	rt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_too_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
