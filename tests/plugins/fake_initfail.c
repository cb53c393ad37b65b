/*
 * tests/plugins/fake_initfail.c - global_init fails with a message that
 * (wrongly) quotes a URL and a conninfo password; the core must mask both.
 */
#define FAKE_NAME "fakeinitfail"
#define FAKE_SCHEMES { "fakeinitfail", NULL }
#define FAKE_GLOBAL_INIT fake_initfail_init

#include <retort/dialect.h>
static int fake_initfail_init(const struct retort_host *host, struct retort_error *err);

#include "fake_common.h"

static int fake_initfail_init(const struct retort_host *host, struct retort_error *err)
{
	return host->error_set(err, RETORT_ECONNECT,
	                       "cannot reach postgresql://admin:TopSecret9@db.example:5432/prod "
	                       "(host=db.example password=TopSecret9): connection refused");
}

RETORT_DIALECT_DEFINE(fake_initfail, &fake_dialect, fake_host)
