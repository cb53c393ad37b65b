/* SPDX-License-Identifier: MIT */
/*
 * tests/sdk/required_only.c - a dialect plugin that has the REQUIRED
 * members of <retort/dialect.h> and no OPTIONAL one it can do without: the
 * in-tree SQLite plugin (its module's path in $RETORT_KIT_WRAPPED) with
 * version, description, caps, split, lock/unlock, quote_identifier,
 * quote_literal, offline_sql, query and column_type set to NULL.  The loader
 * accepts such a plugin, so the conformance kit must pass it (exit 0),
 * skipping the checks of what it lacks (tests/sdk/conformance.sh builds it
 * as retort_reqonly.so).  split_rules, execute_statement and section stay:
 * the SQLite plugin has no execute() of its own (the core's statement loop
 * runs its execute_statement).
 */
#include <dlfcn.h>
#include <stdlib.h>

#include <retort/dialect.h>

static struct retort_dialect reqonly;
static const struct retort_host *host;

RETORT_DIALECT_LINKAGE_ RETORT_DIALECT_EXPORT_ const struct retort_dialect *
retort_reqonly_LTX_retort_dialect_entry(const struct retort_host *h);

RETORT_DIALECT_LINKAGE_ RETORT_DIALECT_EXPORT_ const struct retort_dialect *
retort_reqonly_LTX_retort_dialect_entry(const struct retort_host *h)
{
	const char *path = getenv("RETORT_KIT_WRAPPED");
	retort_dialect_entry_fn entry;
	const struct retort_dialect *d;
	void *lib;
	host = h;
	if (!path || !(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
		return NULL;
	/* never closed: the loader keeps this module open, and so its functions */
	*(void **)&entry = dlsym(lib, "retort_sqlite_LTX_" RETORT_DIALECT_ENTRY_NAME);
	if (!entry || !(d = entry(host)) || d->struct_size < sizeof(reqonly))
		return NULL;
	reqonly = *d;
	reqonly.name = "reqonly";
	reqonly.version = NULL;
	reqonly.description = NULL;
	reqonly.caps = NULL;
	reqonly.split = NULL;
	reqonly.lock = NULL;
	reqonly.unlock = NULL;
	reqonly.quote_identifier = NULL;
	reqonly.quote_literal = NULL;
	reqonly.offline_sql = NULL;
	reqonly.query = NULL;
	reqonly.column_type = NULL;
	return &reqonly;
}
