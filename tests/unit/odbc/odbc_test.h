/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/odbc/odbc_test.h - shared by the odbc plugin's unit tests:
 * load the built module the way the core does (libltdl, the core's host
 * table) and build struct retort_url values by hand, so that these tests
 * depend on nothing of the core but host.c.
 */
#ifndef RETORT_TEST_ODBC_H
#define RETORT_TEST_ODBC_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ltdl.h>

#include <retort/dialect.h>
#include "host.h"
#include "stmtloop.h"

static const struct retort_dialect *odbc_vt;
static lt_dlhandle odbc_module;

/* Load $top_builddir/plugins/odbc/.libs/retort_odbc and call its entry. */
static const struct retort_dialect *odbc_load(void)
{
	char path[4096];
	const char *top = getenv("top_builddir");
	retort_dialect_entry_fn entry;

	if (odbc_vt)
		return odbc_vt;
	if (!top)
		top = TOP_BUILDDIR;
	snprintf(path, sizeof(path), "%s/plugins/odbc/.libs/retort_odbc", top);
	if (lt_dlinit() != 0)
		return NULL;
	odbc_module = lt_dlopenext(path);
	if (!odbc_module) {
		fprintf(stderr, "# cannot load %s: %s\n", path, lt_dlerror());
		return NULL;
	}
	entry = (retort_dialect_entry_fn)(size_t)lt_dlsym(odbc_module,
		"retort_odbc_LTX_" RETORT_DIALECT_ENTRY_NAME);
	if (!entry)
		return NULL;
	odbc_vt = entry(rt_host());
	return odbc_vt;
}

/* A URL built by hand; strings are borrowed. */
struct test_url {
	struct retort_url url;
	struct retort_url_param params[16];
};

/* Fill u from scheme, driver, user, password, host, port, database and
 * NULL-terminated key, value pairs. */
static struct retort_url *test_url(struct test_url *u, const char *scheme,
                                   const char *driver, const char *user,
                                   const char *password, const char *host,
                                   unsigned port, const char *database, ...)
{
	va_list ap;
	const char *k;
	memset(u, 0, sizeof(*u));
	u->url.scheme = scheme;
	u->url.driver = driver;
	u->url.user = user;
	u->url.password = password;
	u->url.host = host;
	u->url.port = port;
	u->url.database = database;
	u->url.params = u->params;
	u->url.masked = "(masked)";
	va_start(ap, database);
	while ((k = va_arg(ap, const char *)) != NULL && u->url.n_params < 16) {
		u->params[u->url.n_params].key = k;
		u->params[u->url.n_params].value = va_arg(ap, const char *);
		u->url.n_params++;
	}
	va_end(ap);
	return &u->url;
}

static struct retort_dialect_options test_opts(const char *table, const char *schema,
                                               long lock_timeout_ms)
{
	struct retort_dialect_options o;
	memset(&o, 0, sizeof(o));
	o.struct_size = sizeof(o);
	o.version_table = table;
	o.version_table_schema = schema;
	o.lock_timeout_ms = lock_timeout_ms;
	return o;
}

#endif
