/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/fake_loop.c - a third party's plugin of ABI 1.2 that lets
 * the core run the statement loop: no execute(), only execute_statement()
 * (and split_rules: PostgreSQL's, so $$ bodies keep their ';').  A
 * statement holding "FAIL" fails with a message quoting it whole, as
 * careless plugins do; it sets no statement index, line or text and masks
 * nothing: the core must (core/stmtloop.c).
 */
#include <stddef.h>
#include <string.h>
#include <retort/dialect.h>

static unsigned loop_split_rules(const struct retort_conn *c);
static int loop_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                  unsigned line, struct retort_error *err);

#define FAKE_NAME "fakeloop"
#define FAKE_SCHEMES { "fakeloop", NULL }
#define FAKE_EXECUTE NULL
#define FAKE_SPLIT_RULES loop_split_rules
#define FAKE_EXECUTE_STATEMENT loop_execute_statement
#include "fake_common.h"

static unsigned loop_split_rules(const struct retort_conn *c)
{
	(void)c;
	return RETORT_SPLIT_POSTGRESQL;
}

static int loop_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                  unsigned line, struct retort_error *err)
{
	size_t i;
	(void)line;
	for (i = 0; i + 4 <= len; i++)
		if (memcmp(stmt + i, "FAIL", 4) == 0)
			return fake_host->error_set(err, RETORT_EDB, "rejected: %.*s", (int)len, stmt);
	c->executed++;
	return 0;
}

/* The entry stores the host in fake_common's variable. */
RETORT_DIALECT_DEFINE(fake_loop, &fake_dialect, fake_host)
