/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_plain.c - exports the unprefixed entry symbol
 * retort_dialect_entry (the loader's fallback for hand-built plugins). */
#define FAKE_NAME "fakeplain"
#define FAKE_SCHEMES { "fakeplain", NULL }
#include "fake_common.h"
const struct retort_dialect *retort_dialect_entry(const struct retort_host *host);
const struct retort_dialect *retort_dialect_entry(const struct retort_host *host)
{
	fake_host = host;
	return &fake_dialect;
}
