/*
 * tests/plugins/fake_good.c - a working third-party dialect built outside
 * plugins/: proves a plugin loads by the same path a third party's would.
 * global_init counts its calls; create() fails unless it ran exactly once,
 * so the tests can see that the loader runs it once per process.
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

#include "fake_common.h"

static int fake_good_init(const struct retort_host *host, struct retort_error *err)
{
	(void)host;
	(void)err;
	init_count++;
	return 0;
}

RETORT_DIALECT_DEFINE(fake_good, &fake_dialect, fake_host)
