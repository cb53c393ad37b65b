/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/fake_initfail.c - global_init fails with a message that
 * (wrongly) quotes a URL and a conninfo password; the core must mask both,
 * and must never call its global_shutdown.
 */
#define FAKE_NAME "fakeinitfail"
#define FAKE_SCHEMES { "fakeinitfail", NULL }
#define FAKE_GLOBAL_INIT fake_initfail_init

#include <retort/dialect.h>
static int fake_initfail_init(const struct retort_host *host, struct retort_error *err);
static void fake_initfail_shutdown(void);
#define FAKE_GLOBAL_SHUTDOWN fake_initfail_shutdown

#include "fake_common.h"

static int fake_initfail_init(const struct retort_host *host, struct retort_error *err)
{
	return host->error_set(err, RETORT_ECONNECT,
	                       "cannot reach postgresql://admin:TopSecret9@db.example:5432/prod "
	                       "(host=db.example password=TopSecret9): connection refused");
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

/* Must never run: global_init failed. */
static void fake_initfail_shutdown(void)
{
	fake_log_shutdown("fakeinitfail");
}

RETORT_DIALECT_DEFINE(fake_initfail, &fake_dialect, fake_host)
