/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/fake_v11.c - a plugin built for dialect ABI 1.1: its struct
 * ends before the 1.2 members split_rules, execute_statement and section.
 * Its static struct has them set to functions that abort, so a core that
 * read past struct_size would crash: it must run sections through the
 * plugin's own execute().
 */
#include <stddef.h>
#include <stdlib.h>
#include <retort/dialect.h>

static unsigned v11_split_rules(const struct retort_conn *c)
{
	(void)c;
	abort();
}

static int v11_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                 unsigned line, struct retort_error *err)
{
	(void)c;
	(void)stmt;
	(void)len;
	(void)line;
	(void)err;
	abort();
}

#define FAKE_NAME "fakev11"
#define FAKE_SCHEMES { "fakev11", NULL }
#define FAKE_ABI_MINOR 1
#define FAKE_STRUCT_SIZE offsetof(struct retort_dialect, split_rules)
#define FAKE_SPLIT_RULES v11_split_rules
#define FAKE_EXECUTE_STATEMENT v11_execute_statement
#include "fake_common.h"
RETORT_DIALECT_DEFINE(fake_v11, &fake_dialect, fake_host)
