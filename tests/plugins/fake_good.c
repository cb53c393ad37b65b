/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/fake_good.c - a working third-party dialect built outside
 * plugins/: proves a plugin loads by the same path a third party's would.
 * global_init counts its calls; create() fails unless it ran exactly once,
 * so the tests can see that the loader runs it once per process;
 * global_shutdown logs itself to $FAKE_SHUTDOWN_LOG.
 */
static int init_count;

#define FAKE_NAME "fakegood"
#define FAKE_SCHEMES { "fakegood", "fakemem", NULL }
#define FAKE_GLOBAL_INIT fake_good_init
#define FAKE_CREATE_CHECK                                                        \
	if (init_count != 1)                                                     \
		return fake_host->error_set(err, RETORT_ERROR,                   \
		                            "global_init ran %d times", init_count);

#include <retort/dialect.h>
static int fake_good_init(const struct retort_host *host, struct retort_error *err);
static int fake_good_query(struct retort_conn *c, const char *sql, const char *const *params,
                           size_t nparams, retort_query_row_cb cb, void *payload,
                           long *affected, struct retort_error *err);
static int fake_good_column_type(const struct retort_conn *c, int type, unsigned length,
                                 char *out, size_t outsz);
static void fake_good_shutdown(void);
#define FAKE_GLOBAL_SHUTDOWN fake_good_shutdown
#define FAKE_QUERY fake_good_query
#define FAKE_COLUMN_TYPE fake_good_column_type

#include "fake_common.h"

static int fake_good_init(const struct retort_host *host, struct retort_error *err)
{
	(void)host;
	(void)err;
	init_count++;
	return 0;
}

#include <stdio.h>
#include <stdlib.h>
/* global_shutdown: append a line to $FAKE_SHUTDOWN_LOG (if set). */
static void fake_log_shutdown(const char *who)
{
	const char *path = getenv("FAKE_SHUTDOWN_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;
	if (f) {
		fprintf(f, "%s\n", who);
		fclose(f);
	}
}

static void fake_good_shutdown(void)
{
	fake_log_shutdown("fakegood");
}

/*
 * ABI 1.1 query(): "fail" fails with a message quoting the second
 * parameter (for masking tests); anything else returns one row: the SQL
 * and then each parameter ("NULL" for NULL stays a NULL column).
 */
static int fake_good_query(struct retort_conn *c, const char *sql, const char *const *params,
                           size_t nparams, retort_query_row_cb cb, void *payload,
                           long *affected, struct retort_error *err)
{
	const char *cols[8];
	size_t i;
	(void)c;
	if (strcmp(sql, "fail") == 0) {
		fake_host->error_set(err, RETORT_EDB, "rejected %s",
		                     nparams > 1 && params[1] ? params[1] : "");
		return -1;
	}
	if (nparams > 7) {
		fake_host->error_set(err, RETORT_EUSAGE, "too many parameters");
		return -1;
	}
	cols[0] = sql;
	for (i = 0; i < nparams; i++)
		cols[i + 1] = params[i];
	if (cb)
		cb(cols, nparams + 1, payload);
	if (affected)
		*affected = (long)nparams;
	return 0;
}

static int fake_good_column_type(const struct retort_conn *c, int type, unsigned length,
                                 char *out, size_t outsz)
{
	(void)c;
	(void)length;
	if (type != RETORT_TYPE_BIGINT || outsz < 7)
		return -1;
	memcpy(out, "BIGINT", 7);
	return 0;
}

RETORT_DIALECT_DEFINE(fake_good, &fake_dialect, fake_host)
