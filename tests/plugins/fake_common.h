/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/fake_common.h - a tiny but complete in-memory dialect that
 * the fake plugins of the loader tests are made from.  It is built the way
 * a third party would build a plugin: only <retort/dialect.h>, nothing of
 * libretort, RETORT_DIALECT_DEFINE() for the entry symbol.
 *
 * Before including, define:
 *   FAKE_NAME          dialect name string
 *   FAKE_SCHEMES       initialiser of a NULL-terminated scheme list
 *   FAKE_ABI_MAJOR / FAKE_ABI_MINOR / FAKE_STRUCT_SIZE  (defaults: ours)
 *   FAKE_GLOBAL_INIT   a global_init function, or leave undefined for NULL
 *   FAKE_GLOBAL_SHUTDOWN  a global_shutdown function (default NULL)
 *   FAKE_CONNECT       the connect member (default fake_connect; NULL breaks
 *                      the contract)
 *   FAKE_QUERY / FAKE_COLUMN_TYPE  the ABI 1.1 members (default NULL)
 *   FAKE_EXECUTE       the execute member (default fake_execute)
 *   FAKE_SPLIT_RULES / FAKE_EXECUTE_STATEMENT / FAKE_SECTION  the ABI 1.2
 *                      members (default NULL: the plugin's own execute())
 *   FAKE_SESSION_USER_SQL  the ABI 1.3 member (default NULL)
 * and after including call RETORT_DIALECT_DEFINE(module, &fake_dialect, fake_host)
 * (or define the entry yourself).
 */
#ifndef FAKE_COMMON_H
#define FAKE_COMMON_H

#include <retort/dialect.h>
#include <string.h>

#ifndef FAKE_ABI_MAJOR
#define FAKE_ABI_MAJOR RETORT_DIALECT_ABI_MAJOR
#endif
#ifndef FAKE_ABI_MINOR
#define FAKE_ABI_MINOR RETORT_DIALECT_ABI_MINOR
#endif
#ifndef FAKE_STRUCT_SIZE
#define FAKE_STRUCT_SIZE sizeof(struct retort_dialect)
#endif
#ifndef FAKE_GLOBAL_INIT
#define FAKE_GLOBAL_INIT NULL
#endif
#ifndef FAKE_GLOBAL_SHUTDOWN
#define FAKE_GLOBAL_SHUTDOWN NULL
#endif
#ifndef FAKE_CONNECT
#define FAKE_CONNECT fake_connect
#endif
#ifndef FAKE_QUERY
#define FAKE_QUERY NULL
#endif
#ifndef FAKE_COLUMN_TYPE
#define FAKE_COLUMN_TYPE NULL
#endif
#ifndef FAKE_EXECUTE
#define FAKE_EXECUTE fake_execute
#endif
#ifndef FAKE_SESSION_USER_SQL
#define FAKE_SESSION_USER_SQL NULL
#endif
#ifndef FAKE_SPLIT_RULES
#define FAKE_SPLIT_RULES NULL
#endif
#ifndef FAKE_EXECUTE_STATEMENT
#define FAKE_EXECUTE_STATEMENT NULL
#endif
#ifndef FAKE_SECTION
#define FAKE_SECTION NULL
#endif

static const struct retort_host *fake_host;

#define FAKE_MAX_ROWS 16

struct retort_conn {
	char *rows[FAKE_MAX_ROWS];  /* the in-memory version table */
	int have_table;
	unsigned executed;          /* statements run */
};

static int fake_create(struct retort_conn **out, const struct retort_url *url,
                       const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	(void)url;
	(void)opts;
#ifdef FAKE_CREATE_CHECK
	FAKE_CREATE_CHECK
#endif
	c = fake_host->alloc(sizeof(*c));
	if (!c)
		return fake_host->error_set(err, RETORT_ENOMEM, "out of memory");
	memset(c, 0, sizeof(*c));
	*out = c;
	return 0;
}

#ifdef __GNUC__
__attribute__((unused))
#endif
static int fake_connect(struct retort_conn *c, struct retort_error *err)
{
	(void)c;
	(void)err;
	return 0;
}

static void fake_destroy(struct retort_conn *c)
{
	int i;
	if (!c)
		return;
	for (i = 0; i < FAKE_MAX_ROWS; i++)
		fake_host->free(c->rows[i]);
	fake_host->free(c);
}

static unsigned fake_caps(const struct retort_conn *c)
{
	(void)c;
	return RETORT_CAP_TRANSACTIONAL_DDL;
}

static int fake_noop(struct retort_conn *c, struct retort_error *err)
{
	(void)c;
	(void)err;
	return 0;
}

#ifdef __GNUC__
__attribute__((unused))
#endif
static int fake_execute(struct retort_conn *c, const char *sql, size_t len, unsigned first_line,
                        struct retort_error *err)
{
	(void)sql;
	(void)len;
	(void)first_line;
	(void)err;
	c->executed++;
	return 0;
}

static int fake_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                             struct retort_error *err)
{
	int i, rc;
	(void)err;
	if (!c->have_table)
		return RETORT_ENOTFOUND;
	for (i = 0; i < FAKE_MAX_ROWS; i++)
		if (c->rows[i] && (rc = cb(c->rows[i], payload)) != 0)
			return rc;
	return 0;
}

static int fake_version_create(struct retort_conn *c, struct retort_error *err)
{
	(void)err;
	c->have_table = 1;
	return 0;
}

static int fake_version_insert(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	int i;
	for (i = 0; i < FAKE_MAX_ROWS; i++)
		if (!c->rows[i]) {
			if (!(c->rows[i] = fake_host->strdup(rev)))
				return fake_host->error_set(err, RETORT_ENOMEM, "out of memory");
			return 0;
		}
	return fake_host->error_set(err, RETORT_EDB, "version table full");
}

static int fake_find(struct retort_conn *c, const char *rev)
{
	int i;
	for (i = 0; i < FAKE_MAX_ROWS; i++)
		if (c->rows[i] && strcmp(c->rows[i], rev) == 0)
			return i;
	return -1;
}

static int fake_version_update(struct retort_conn *c, const char *from, const char *to,
                               struct retort_error *err)
{
	int i = fake_find(c, from);
	char *n;
	if (i < 0)
		return fake_host->error_set(err, RETORT_ERROR, "no version row %s", from);
	if (!(n = fake_host->strdup(to)))
		return fake_host->error_set(err, RETORT_ENOMEM, "out of memory");
	fake_host->free(c->rows[i]);
	c->rows[i] = n;
	return 0;
}

static int fake_version_delete(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	int i = fake_find(c, rev);
	if (i < 0)
		return fake_host->error_set(err, RETORT_ERROR, "no version row %s", rev);
	fake_host->free(c->rows[i]);
	c->rows[i] = NULL;
	return 0;
}

static int fake_quote(const char *v, char q, char **out, struct retort_error *err)
{
	size_t n = strlen(v), i, k = 0;
	char *r = fake_host->alloc(2 * n + 3);
	if (!r)
		return fake_host->error_set(err, RETORT_ENOMEM, "out of memory");
	r[k++] = q;
	for (i = 0; i < n; i++) {
		if (v[i] == q)
			r[k++] = q;
		r[k++] = v[i];
	}
	r[k++] = q;
	r[k] = '\0';
	*out = r;
	return 0;
}

static int fake_quote_identifier(const struct retort_conn *c, const char *name, char **out,
                                 struct retort_error *err)
{
	(void)c;
	return fake_quote(name, '"', out, err);
}

static int fake_quote_literal(const struct retort_conn *c, const char *value, char **out,
                              struct retort_error *err)
{
	(void)c;
	return fake_quote(value, '\'', out, err);
}

static int fake_offline_sql(const struct retort_conn *c, int what, const char *arg,
                            size_t arg_len, char **out, struct retort_error *err)
{
	(void)c;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
		*out = fake_host->strdup("BEGIN;");
		break;
	case RETORT_OFFLINE_COMMIT:
		*out = fake_host->strdup("COMMIT;");
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		*out = fake_host->strdup("CREATE TABLE alembic_version (version_num VARCHAR(32) "
		                         "NOT NULL PRIMARY KEY);");
		break;
	default: {
		char *r = fake_host->alloc(arg_len + 2);
		if (r) {
			memcpy(r, arg, arg_len);
			r[arg_len] = ';';
			r[arg_len + 1] = '\0';
		}
		*out = r;
	}
	}
	return *out ? 0 : fake_host->error_set(err, RETORT_ENOMEM, "out of memory");
}

static const char *const fake_schemes[] = FAKE_SCHEMES;

static const struct retort_dialect fake_dialect = {
	FAKE_ABI_MAJOR,
	FAKE_ABI_MINOR,
	FAKE_STRUCT_SIZE,
	FAKE_NAME,
	"in-memory dialect for retort's loader tests",
	"0.0.1",
	fake_schemes,
	FAKE_GLOBAL_INIT,
	FAKE_GLOBAL_SHUTDOWN,
	fake_create,
	FAKE_CONNECT,
	fake_destroy,
	fake_caps,
	fake_noop,
	fake_noop,
	fake_noop,
	FAKE_EXECUTE,
	NULL,
	fake_version_read,
	fake_version_create,
	fake_version_insert,
	fake_version_update,
	fake_version_delete,
	NULL,
	NULL,
	fake_quote_identifier,
	fake_quote_literal,
	fake_offline_sql,
	FAKE_QUERY,
	FAKE_COLUMN_TYPE,
	FAKE_SPLIT_RULES,
	FAKE_EXECUTE_STATEMENT,
	FAKE_SECTION,
	FAKE_SESSION_USER_SQL,
};

#endif
