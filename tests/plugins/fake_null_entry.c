/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_null_entry.c - exports the entry symbol, but the
 * entry point returns no dialect (a plugin whose set-up failed silently). */
#include <retort/dialect.h>

const struct retort_dialect *fake_null_entry_LTX_retort_dialect_entry(
	const struct retort_host *host);
const struct retort_dialect *fake_null_entry_LTX_retort_dialect_entry(
	const struct retort_host *host)
{
	(void)host;
	return NULL;
}
