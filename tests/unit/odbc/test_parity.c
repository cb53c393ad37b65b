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
 *
 * Offline (--sql) text too (issue 11: the same database gets the same
 * script whichever plugin writes it): BEGIN and COMMIT (none on SQLite and
 * MySQL, as Alembic 1.8 writes them), a plain statement, one ending in a
 * line comment (the terminator must not land in it), trigger and
 * procedure bodies holding ';' and each DELIMITER candidate, a body
 * holding all of them (an error on both sides, never a DELIMITER the body
 * contains), and the version row's INSERT (the plugin's own, or the core's
 * from quote_identifier and quote_literal when the plugin has none).
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

/* offline_sql(what, arg): the text, or NULL with *rc the failure's code. */
static char *render(struct side *s, int what, const char *arg, int *rc)
{
	struct retort_error err;
	char *out = NULL;
	rt_dialect_error_init(&err);
	*rc = s->d->offline_sql(s->c, what, arg, arg ? strlen(arg) : 0, &out, &err);
	if (*rc == 0 && !out)
		fail_msg("%s: offline_sql(%d) succeeded with no text", s->d->name, what);
	if (*rc != 0) {
		/* a failure says what to change; nothing half-written */
		if (*rc != RETORT_ENOTSUPPORTED && (!err.message || !*err.message))
			fail_msg("%s: offline_sql(%d) failed (%d) without a message", s->d->name,
			         what, *rc);
		rt_free(out);
		out = NULL;
	}
	rt_dialect_error_free(&err);
	return out;
}

/* The version row's INSERT as the core writes it offline: the plugin's
 * VERSION_INSERT, else (RETORT_ENOTSUPPORTED) the standard INSERT from the
 * plugin's quoting, rendered as a STATEMENT (core/offline.c, emit_vop). */
static char *version_insert(struct side *s, const char *table, const char *rev)
{
	struct retort_error err;
	char *t = NULL, *lit = NULL, *out;
	char sql[512];
	int rc;

	if ((out = render(s, RETORT_OFFLINE_VERSION_INSERT, rev, &rc)) != NULL)
		return out;
	if (rc != RETORT_ENOTSUPPORTED)
		fail_msg("%s: offline_sql(VERSION_INSERT) failed (%d)", s->d->name, rc);
	t = quoted(s, table);
	rt_dialect_error_init(&err);
	if (s->d->quote_literal(s->c, rev, &lit, &err) != 0)
		fail_msg("%s: quote_literal(%s) failed", s->d->name, rev);
	rt_dialect_error_free(&err);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (version_num) VALUES (%s)", t, lit);
	rt_free(t);
	rt_free(lit);
	if (!(out = render(s, RETORT_OFFLINE_STATEMENT, sql, &rc)))
		fail_msg("%s: offline_sql(STATEMENT, %s) failed (%d)", s->d->name, sql, rc);
	return out;
}

struct family {
	const char *label, *dir, *module, *native_url, *flavour;
	int words;
	const char *begin, *commit; /* Alembic 1.8's offline BEGIN and COMMIT */
	const char *body;           /* a trigger or procedure body; %s: a string in it */
};

static const struct family families[] = {
	{ "sqlite", "sqlite", "retort_sqlite", "sqlite://", "sqlite", RETORT_FAMILY_SQLITE,
	  "", "",
	  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
	  "    UPDATE t SET s = '%s' WHERE x = new.x;\n    DELETE FROM t WHERE x < 0;\nEND" },
	{ "postgresql", "postgresql", "retort_postgresql", "postgresql://h/db", "postgresql",
	  RETORT_FAMILY_POSTGRESQL, "BEGIN;", "COMMIT;",
	  "CREATE FUNCTION f() RETURNS text AS $body$\nBEGIN\n    PERFORM 1;\n"
	  "    RETURN '%s';\nEND\n$body$ LANGUAGE plpgsql" },
	{ "mysql", "mysql", "retort_mysql", "mysql://h/db", "mysql", RETORT_FAMILY_MYSQL,
	  "", "",
	  "CREATE PROCEDURE p()\nBEGIN\n    SELECT '%s';\n    SELECT 2;\nEND" },
};

/* Every string the mysql plugins ever tried as a DELIMITER, and more. */
static const char *const delimiter_candidates[] = { "//", "$$", ";;", "@@", "%%", "~~", "##",
	"||", "!!", "^^" };
#define N_CANDIDATES (sizeof(delimiter_candidates) / sizeof(delimiter_candidates[0]))

/* Both plugins render `what` of `arg` alike: the same text, or both fail
 * with the same code.  Returns 1 when both rendered it. */
static int same_offline(const struct family *f, struct side *n, struct side *o, int what,
                        const char *arg)
{
	int rn, ro;
	char *a = render(n, what, arg, &rn), *b = render(o, what, arg, &ro);
	int ok = a != NULL;
	if (!a != !b || (a && strcmp(a, b) != 0) || (!a && rn != ro))
		fail_msg("%s: offline_sql(%d) of:\n%s\nnative (%d):\n%s\nodbc (%d):\n%s", f->label,
		         what, arg ? arg : "(none)", rn, a ? a : "(failed)", ro, b ? b : "(failed)");
	rt_free(a);
	rt_free(b);
	return ok;
}

static void test_offline(void **state)
{
	const struct family *f = *state;
	static const char *const plain[] = {
		"SELECT 1",
		"CREATE TABLE t (x INTEGER, s VARCHAR(20))",
		"INSERT INTO t VALUES (1, 'a;b') -- a note",
		"CREATE TABLE u (x INTEGER) -- note: the terminator must not land here",
		"UPDATE t SET x = 2\n-- done",
		"CREATE TABLE v (x INTEGER) # a MySQL comment",
		"SELECT 'it''s -- not a comment'",
		NULL };
	const struct retort_dialect *native, *odbc;
	struct side n, o;
	char url[128], body[512], inside[64];
	char *a, *b;
	size_t i, k;
	int rc, rendered = 0;

	native = load(f->dir, f->module);
	odbc = load("odbc", "retort_odbc");
	if (!odbc)
		fail_msg("the odbc plugin does not load");
	if (!native) {
		printf("# %s plugin not built: offline parity not checked\n", f->label);
		skip();
	}
	snprintf(url, sizeof(url), "odbc://?dsn=x&flavour=%s", f->flavour);
	open_side(&n, native, f->native_url, "alembic_version");
	open_side(&o, odbc, url, "alembic_version");

	/* transaction framing, as Alembic writes it for the family */
	a = render(&n, RETORT_OFFLINE_BEGIN, NULL, &rc);
	b = render(&o, RETORT_OFFLINE_BEGIN, NULL, &rc);
	if (!a || !b || strcmp(a, f->begin) != 0 || strcmp(b, f->begin) != 0)
		fail_msg("%s: BEGIN is '%s' natively and '%s' through odbc; Alembic writes '%s'",
		         f->label, a ? a : "(failed)", b ? b : "(failed)", f->begin);
	rt_free(a);
	rt_free(b);
	a = render(&n, RETORT_OFFLINE_COMMIT, NULL, &rc);
	b = render(&o, RETORT_OFFLINE_COMMIT, NULL, &rc);
	if (!a || !b || strcmp(a, f->commit) != 0 || strcmp(b, f->commit) != 0)
		fail_msg("%s: COMMIT is '%s' natively and '%s' through odbc; Alembic writes '%s'",
		         f->label, a ? a : "(failed)", b ? b : "(failed)", f->commit);
	rt_free(a);
	rt_free(b);

	/* plain statements, trailing comments */
	for (i = 0; plain[i]; i++)
		rendered += same_offline(f, &n, &o, RETORT_OFFLINE_STATEMENT, plain[i]);

	/* a body with ';', then with the first k candidates inside */
	for (k = 0; k <= N_CANDIDATES; k++) {
		inside[0] = '\0';
		for (i = 0; i < k; i++)
			strcat(inside, delimiter_candidates[i]);
		snprintf(body, sizeof(body), f->body, inside);
		rendered += same_offline(f, &n, &o, RETORT_OFFLINE_STATEMENT, body);
		/* and each candidate alone */
		if (k < N_CANDIDATES) {
			snprintf(body, sizeof(body), f->body, delimiter_candidates[k]);
			rendered += same_offline(f, &n, &o, RETORT_OFFLINE_STATEMENT, body);
		}
	}
	/* a body holding every candidate: refused on MySQL (no DELIMITER can
	 * wrap it), written as is elsewhere */
	inside[0] = '\0';
	for (i = 0; i < N_CANDIDATES; i++)
		strcat(inside, delimiter_candidates[i]);
	snprintf(body, sizeof(body), f->body, inside);
	a = render(&n, RETORT_OFFLINE_STATEMENT, body, &rc);
	if ((a == NULL) != (f->words == RETORT_FAMILY_MYSQL))
		fail_msg("%s: a body holding every delimiter candidate %s:\n%s", f->label,
		         a ? "was written" : "was refused", a ? a : body);
	rt_free(a);

	/* the version row, of a plain revision and of one with a quote */
	for (i = 0; i < 2; i++) {
		const char *rev = i == 0 ? "a1b2c3d4e5f6" : "it's";
		a = version_insert(&n, "alembic_version", rev);
		b = version_insert(&o, "alembic_version", rev);
		if (strcmp(a, b) != 0)
			fail_msg("%s: version INSERT:\nnative:\n%s\nodbc:\n%s", f->label, a, b);
		rt_free(a);
		rt_free(b);
	}
	close_side(&n);
	close_side(&o);
	printf("# %s: %d offline statements written alike\n", f->label, rendered);
}

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
	static const char *const offline_names[] = { "sqlite offline", "postgresql offline",
		"mysql offline" };
	struct CMUnitTest tests[6];
	size_t i;

	if (lt_dlinit() != 0)
		return 1;
	for (i = 0; i < 6; i++) {
		tests[i].name = i < 3 ? families[i].label : offline_names[i - 3];
		tests[i].test_func = i < 3 ? test_parity : test_offline;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)(uintptr_t)&families[i % 3];
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("parity", tests, 6, NULL, NULL);
}
