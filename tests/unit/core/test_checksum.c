/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_checksum.c - core/checksum.c: SHA-256 against the
 * FIPS 180-4 examples (through libcrypto), and the sha256-lf normalisation
 * of script sections, pinned: a checksum recorded by one retort must be the
 * checksum every later retort computes for the same section.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checksum.h"

static void expect_sha(const char *data, size_t len, const char *want)
{
	char hex[RT_CHECKSUM_SIZE];
	struct rt_err err = { 0, NULL };
	if (rt_sha256_hex(hex, data, len, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(hex, want);
}

static void test_fips_examples(void **state)
{
	char *million;
	(void)state;
	expect_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	expect_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	expect_sha(million, 1000000,
	           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void expect_section(const char *text, const char *want)
{
	char hex[RT_CHECKSUM_SIZE];
	struct rt_err err = { 0, NULL };
	if (rt_checksum_section(hex, text, strlen(text), &err) < 0)
		fail_msg("%s", err.msg);
	if (strcmp(hex, want) != 0)
		fail_msg("section '%s': %s, wanted %s", text, hex, want);
}

#define T1 "25a89a63e17be2674d667d54ee1cf898cc9eb464ae705649f895fd6dd9c5ff8e"

static void test_sections(void **state)
{
	(void)state;
	assert_string_equal(RT_CHECKSUM_ALG, "sha256-lf");
	/* = SHA-256("CREATE TABLE t1 (id INTEGER);\n") */
	expect_section("CREATE TABLE t1 (id INTEGER);", T1);
	expect_section("CREATE TABLE t1 (id INTEGER);\n", T1);
	expect_section("\nCREATE TABLE t1 (id INTEGER);\n\n\n", T1);
	expect_section("\r\n  CREATE TABLE t1 (id INTEGER);\r\n\r\n", T1);
	expect_section("\t CREATE TABLE t1 (id INTEGER); \t\r", T1);
	/* An edit is a change. */
	expect_section("CREATE TABLE t1 (id INTEGER, evil TEXT);\n",
	               "f10e016951a74d3e0e6b9ac4a72609bb849c7f0eadfbc776f33823a5691a7436");
	expect_section("CREATE TABLE t1  (id INTEGER);",
	               "edf1c12aad735e08037ee744d04fc47e7f611202b0ee7f4cd00dfd0797ede553");
	/* Line ends inside: CRLF, CR and LF all count as LF; blank lines inside stay. */
	expect_section("a\nb\n\nc", "7bebbe912f70e4e817f83e3cdeb5f11f9bc556334d9789484f665b63dd3b14dc");
	expect_section("a\r\nb\r\n\r\nc\r\n", "7bebbe912f70e4e817f83e3cdeb5f11f9bc556334d9789484f665b63dd3b14dc");
	expect_section("a\rb\r\rc\r", "7bebbe912f70e4e817f83e3cdeb5f11f9bc556334d9789484f665b63dd3b14dc");
	/* Nothing but blanks: the empty string. */
	expect_section("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect_section(" \r\n\t\n", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_examples),
		cmocka_unit_test(test_sections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
