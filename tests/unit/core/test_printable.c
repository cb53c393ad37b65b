/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_printable.c - core/printable.c: control characters
 * escaped, over-long words and messages cut (issue 12, item 7).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "printable.h"

static void expect(const char *in, unsigned flags, const char *want)
{
	char *r = rt_printable(in, flags);
	assert_non_null(r);
	if (strcmp(r, want) != 0)
		fail_msg("printable(%s) = '%s', wanted '%s'", in, r, want);
	rt_free(r);
}

static void test_controls(void **state)
{
	(void)state;
	expect("plain text, and more", 0, "plain text, and more");
	expect("\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m");
	expect("line one\n  line two\tcol", 0, "line one\n  line two\tcol");
	expect("cr\rbell\a del\x7f", 0, "cr\\x0dbell\\x07 del\\x7f");
	/* C1 CSI (U+009B) as UTF-8, which some terminals obey. */
	expect("x\xc2\x9b" "31m", 0, "x\\xc2\\x9b31m");
	/* Other UTF-8 is left alone: é, U+00A0, …, an emoji. */
	expect("caf\xc3\xa9 \xc2\xa0 \xe2\x80\xa6 \xf0\x9f\x98\x80", 0,
	       "caf\xc3\xa9 \xc2\xa0 \xe2\x80\xa6 \xf0\x9f\x98\x80");
	expect(NULL, 0, "");
}

static void test_clip(void **state)
{
	char *in = malloc(100001), *r, want[400];
	(void)state;
	assert_non_null(in);
	/* A 100 KB revision argument, quoted twice. */
	memset(in, 'a', 100000);
	in[100000] = '\0';
	{
		size_t n = strlen("Can't locate revision identified by '");
		char *msg = malloc(2 * 100000 + 200);
		assert_non_null(msg);
		sprintf(msg, "Can't locate revision identified by '%s' (No such revision '%s')", in, in);
		r = rt_printable(msg, RT_PRINT_CLIP);
		assert_non_null(r);
		assert_true(strlen(r) < 1000);
		assert_true(strncmp(r, msg, n + RT_PRINT_WORD_MAX - 1) == 0);
		assert_non_null(strstr(r, "\xe2\x80\xa6 (No such revision '"));
		rt_free(r);
		free(msg);
	}
	/* Without the flag, nothing is cut. */
	r = rt_printable(in, 0);
	assert_int_equal(strlen(r), 100000);
	rt_free(r);
	/* A word of exactly the limit stays whole; one byte more is cut. */
	in[RT_PRINT_WORD_MAX] = '\0';
	expect(in, RT_PRINT_CLIP, in);
	in[RT_PRINT_WORD_MAX] = 'a';
	in[RT_PRINT_WORD_MAX + 1] = '\0';
	memcpy(want, in, RT_PRINT_WORD_MAX);
	strcpy(want + RT_PRINT_WORD_MAX, "\xe2\x80\xa6");
	expect(in, RT_PRINT_CLIP, want);
	/* The cut never splits a UTF-8 character. */
	memset(in, 'a', 1000);
	memcpy(in + RT_PRINT_WORD_MAX - 2, "\xc3\xa9", 2);    /* é ends at the limit */
	in[1000] = '\0';
	r = rt_printable(in, RT_PRINT_CLIP);
	assert_int_equal(strlen(r), RT_PRINT_WORD_MAX + 3);
	assert_memory_equal(r + RT_PRINT_WORD_MAX - 2, "\xc3\xa9\xe2\x80\xa6", 5);
	rt_free(r);
	memcpy(in + RT_PRINT_WORD_MAX - 2, "a\xc3\xa9", 3);   /* é straddles it */
	r = rt_printable(in, RT_PRINT_CLIP);
	assert_int_equal(strlen(r), RT_PRINT_WORD_MAX - 1 + 3);   /* é left out whole */
	assert_memory_equal(r + RT_PRINT_WORD_MAX - 2, "a\xe2\x80\xa6", 4);
	rt_free(r);
	/* A 2 MB message of short words ends at the total limit. */
	free(in);
	in = malloc(2000001);
	assert_non_null(in);
	for (size_t i = 0; i < 2000000; i++)
		in[i] = i % 10 == 9 ? ' ' : 'b';
	in[2000000] = '\0';
	r = rt_printable(in, RT_PRINT_CLIP);
	assert_true(strlen(r) <= RT_PRINT_TOTAL_MAX + 20);
	assert_true(strlen(r) >= RT_PRINT_TOTAL_MAX);
	assert_string_equal(r + strlen(r) - 3, "\xe2\x80\xa6");
	rt_free(r);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_clip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
