/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/odbc/test_parity.c - one database, one way of writing its
 * names: the native sqlite, postgresql and mysql plugins and the odbc
 * plugin with the same flavour quote every identifier identically, spell
 * column types identically and render the version table's DDL
 * identically, for every reserved word of every family (SQLAlchemy's, as
 * the host lends them: core/words.c) and names that need quoting for other
 * reasons.  No database: create() does no I/O.  A native plugin that was
 * not built is skipped (its parity cannot be checked).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ltdl.h>

#include <retort/dialect.h>
#include "host.h"
#include "url.h"
#include "util.h"
#include "words.h"

static const struct retort_dialect *load(const char *dir, const char *module)
{
	const char *top = getenv("top_builddir");
	char path[4096], sym[256];
	lt_dlhandle h;
	retort_dialect_entry_fn entry;

	snprintf(path, sizeof(path), "%s/plugins/%s/.libs/%s", top ? top : TOP_BUILDDIR, dir,
	         module);
	if (!(h = lt_dlopenext(path)))
		return NULL;
	snprintf(sym, sizeof(sym), "%s_LTX_%s", module, RETORT_DIALECT_ENTRY_NAME);
	entry = (retort_dialect_entry_fn)(uintptr_t)lt_dlsym(h, sym);
	return entry ? entry(rt_host()) : NULL;
}

struct side {
	const struct retort_dialect *d;
	struct rt_url *url;
	struct retort_conn *c;
};

static void open_side(struct side *s, const struct retort_dialect *d, const char *url,
                      const char *table)
{
	struct rt_err e = { 0, NULL };
	struct retort_dialect_options o;
	struct retort_error err;

	memset(s, 0, sizeof(*s));
	s->d = d;
	if (rt_url_parse(&s->url, url, &e) < 0)
		fail_msg("%s: %s", url, e.msg);
	memset(&o, 0, sizeof(o));
	o.struct_size = sizeof(o);
	o.version_table = table;
	o.base_dir = "/tmp";
	o.lock_timeout_ms = 0;
	rt_dialect_error_init(&err);
	if (d->create(&s->c, &s->url->pub, &o, &err) != 0)
		fail_msg("create %s: %s", url, err.message ? err.message : "?");
	rt_dialect_error_free(&err);
}

static void close_side(struct side *s)
{
	s->d->destroy(s->c);
	rt_url_free(s->url);
}

static char *quoted(struct side *s, const char *name)
{
	struct retort_error err;
	char *out = NULL;
	rt_dialect_error_init(&err);
	if (s->d->quote_identifier(s->c, name, &out, &err) != 0)
		fail_msg("%s: quote_identifier(%s): %s", s->d->name, name,
		         err.message ? err.message : "?");
	rt_dialect_error_free(&err);
	return out;
}

static char *ddl(struct side *s)
{
	struct retort_error err;
	char *out = NULL;
	rt_dialect_error_init(&err);
	if (s->d->offline_sql(s->c, RETORT_OFFLINE_VERSION_DDL, NULL, 0, &out, &err) != 0)
		fail_msg("%s: offline_sql: %s", s->d->name, err.message ? err.message : "?");
	rt_dialect_error_free(&err);
	return out;
}

struct family {
	const char *label, *dir, *module, *native_url, *flavour;
	int words;
};

static const struct family families[] = {
	{ "sqlite", "sqlite", "retort_sqlite", "sqlite://", "sqlite", RETORT_FAMILY_SQLITE },
	{ "postgresql", "postgresql", "retort_postgresql", "postgresql://h/db", "postgresql",
	  RETORT_FAMILY_POSTGRESQL },
	{ "mysql", "mysql", "retort_mysql", "mysql://h/db", "mysql", RETORT_FAMILY_MYSQL },
};

static void test_parity(void **state)
{
	const struct family *f = *state;
	static const char *const odd[] = { "alembic_version", "Version", "a b", "a\"b", "a`b",
		"1abc", "$x", "_lead", "caf\xc3\xa9", "x$y", "MiXeD_Case", "select", NULL };
	const struct retort_dialect *native, *odbc;
	struct side n, o;
	char url[128], nt[64], ot[64];
	int fam, t;
	size_t i, k, count = 0;

	native = load(f->dir, f->module);
	odbc = load("odbc", "retort_odbc");
	if (!odbc)
		fail_msg("the odbc plugin does not load");
	if (!native) {
		printf("# %s plugin not built: parity not checked\n", f->label);
		skip();
	}
	snprintf(url, sizeof(url), "odbc://?dsn=x&flavour=%s", f->flavour);
	open_side(&n, native, f->native_url, "alembic_version");
	open_side(&o, odbc, url, "alembic_version");

	/* every reserved word of every family, and the odd names */
	for (fam = RETORT_FAMILY_POSTGRESQL; fam <= RETORT_FAMILY_ORACLE + 1; fam++) {
		const char *const *list;
		size_t nw = fam <= RETORT_FAMILY_ORACLE ? rt_words_list(fam, &list) : 0;
		if (fam > RETORT_FAMILY_ORACLE) {
			list = odd;
			for (nw = 0; odd[nw]; nw++)
				;
		}
		for (i = 0; i < nw; i++) {
			char *a = quoted(&n, list[i]), *b = quoted(&o, list[i]);
			if (strcmp(a, b) != 0)
				fail_msg("%s: '%s' is %s natively but %s through odbc", f->label,
				         list[i], a, b);
			/* and quoted exactly when SQLAlchemy quotes it */
			if ((strcmp(a, list[i]) != 0) !=
			    (rt_words_reserved(f->words, list[i]) || fam > RETORT_FAMILY_ORACLE))
				if (fam <= RETORT_FAMILY_ORACLE)
					fail_msg("%s: '%s' -> %s", f->label, list[i], a);
			rt_free(a);
			rt_free(b);
			count++;
		}
	}
	close_side(&n);
	close_side(&o);

	/* the version table's DDL, named by a reserved word and an odd name */
	for (k = 0; k < 3; k++) {
		const char *const *list;
		const char *table = k == 0 ? "alembic_version" : k == 1 ? "Odd Name" : NULL;
		char *a, *b;
		if (!table) {
			rt_words_list(f->words, &list);
			table = list[0];
		}
		open_side(&n, native, f->native_url, table);
		open_side(&o, odbc, url, table);
		a = ddl(&n);
		b = ddl(&o);
		if (strcmp(a, b) != 0)
			fail_msg("%s: version table %s:\nnative:\n%s\nodbc:\n%s", f->label, table, a, b);
		rt_free(a);
		rt_free(b);
		/* column types spelled alike */
		for (t = RETORT_TYPE_VARCHAR; t <= RETORT_TYPE_TIMESTAMP; t++) {
			assert_int_equal(native->column_type(n.c, t, 64, nt, sizeof(nt)), 0);
			assert_int_equal(odbc->column_type(o.c, t, 64, ot, sizeof(ot)), 0);
			assert_string_equal(nt, ot);
		}
		close_side(&n);
		close_side(&o);
	}
	printf("# %s: %zu names quoted alike\n", f->label, count);
}

int main(void)
{
	struct CMUnitTest tests[3];
	size_t i;

	if (lt_dlinit() != 0)
		return 1;
	for (i = 0; i < 3; i++) {
		tests[i].name = families[i].label;
		tests[i].test_func = test_parity;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)(uintptr_t)&families[i];
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("parity", tests, 3, NULL, NULL);
}
