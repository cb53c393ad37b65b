/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/pg/harness.h - shared by the server plugin tests (pg, mysql):
 * load a dialect plugin from the build tree with libltdl, the way the core
 * does, hand it the core's host table, and build URLs for a test server.
 *
 * The server comes from an environment variable (RETORT_TEST_PG_URL,
 * RETORT_TEST_MYSQL_URL; tests/servers.sh sets them).  When it is unset
 * every server test fails if CI=true (a server that did not start is a
 * failure in CI); otherwise the whole program reports a TAP skip
 * ("1..0 # SKIP", see skip_without_server()), because cmocka prints a
 * skipped case as "not ok # SKIP", which the TAP driver counts as a failure.
 */
#ifndef RETORT_TESTS_SERVER_HARNESS_H
#define RETORT_TESTS_SERVER_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ltdl.h>

#include <retort/dialect.h>
#include "host.h"
#include "stmtloop.h"
#include "url.h"
#include "util.h"

#include "../sweep.h"

static const struct retort_dialect *dialect;
static struct rt_url *base_url;     /* the test server's URL, parsed */
static const char *server_env;      /* name of the variable */
static int server_missing;          /* 1: skip or fail every test */

/* Load $top_builddir/plugins/<dir>/.libs/<module> and call its entry. */
static const struct retort_dialect *load_plugin(const char *dir, const char *module)
{
	const char *top = getenv("top_builddir");
	char *path, *sym;
	lt_dlhandle h;
	retort_dialect_entry_fn entry;

	if (!top)
		top = ".";
	if (lt_dlinit() != 0)
		return NULL;
	path = rt_sprintf("%s/plugins/%s/.libs/%s", top, dir, module);
	sym = rt_sprintf("%s_LTX_%s", module, RETORT_DIALECT_ENTRY_NAME);
	if (!path || !sym)
		return NULL;
	h = lt_dlopenext(path);
	if (!h) {
		fprintf(stderr, "# cannot load %s: %s\n", path, lt_dlerror());
		rt_free(path);
		rt_free(sym);
		return NULL;
	}
	entry = (retort_dialect_entry_fn)(uintptr_t)lt_dlsym(h, sym);
	rt_free(path);
	rt_free(sym);
	if (!entry)
		return NULL;
	return entry(rt_host());
}

/*
 * Group setup: load the plugin and parse the server URL.  A missing
 * plugin is always a failure; a missing URL is a failure under CI=true.
 */
static int harness_setup(const char *dir, const char *module, const char *env)
{
	const char *text = getenv(env);
	struct rt_err e = { 0, NULL };
	struct retort_error err;

	server_env = env;
	dialect = load_plugin(dir, module);
	if (!dialect) {
		fprintf(stderr, "# plugin %s not loadable: build it first\n", module);
		return -1;
	}
	if (dialect->global_init) {
		rt_dialect_error_init(&err);
		if (dialect->global_init(rt_host(), &err) < 0)
			return -1;
		rt_dialect_error_free(&err);
	}
	if (!text || !*text) {
		server_missing = 1;
		return 0;
	}
	if (rt_url_parse(&base_url, text, &e) < 0) {
		fprintf(stderr, "# %s does not parse: %s\n", env, e.msg ? e.msg : "?");
		rt_err_clear(&e);
		return -1;
	}
	return 0;
}

/*
 * Call from main() before running the tests: without a server and outside
 * CI, print a TAP plan that skips the whole program and return 1.
 */
static int skip_without_server(const char *env)
{
	const char *text = getenv(env), *ci = getenv("CI");
	if (text && *text)
		return 0;
	if (ci && strcmp(ci, "true") == 0)
		return 0;
	printf("1..0 # SKIP %s is unset: start test servers with tests/servers.sh\n", env);
	return 1;
}

/* First thing in every test: skip or fail when there is no server. */
#define NEED_SERVER()                                                        \
	do {                                                                 \
		if (server_missing) {                                        \
			const char *ci_ = getenv("CI");                      \
			if (ci_ && strcmp(ci_, "true") == 0)                 \
				fail_msg("%s is unset and CI=true: the test "  \
				         "server did not start (see "        \
				         "tests/servers.sh)", server_env);   \
			skip();                                              \
		}                                                            \
	} while (0)

/* Percent-encode a URL component. */
static void url_put(struct rt_buf *b, const char *s)
{
	const unsigned char *p;
	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			rt_buf_putc(b, (char)*p);
		else
			rt_buf_printf(b, "%%%02X", *p);
	}
}

/*
 * The server's URL with some parts replaced: user/password/database NULL
 * keeps the base's, "" drops it; query is appended as is (or NULL).
 */
static char *make_url(const char *user, const char *password, const char *database,
                      const char *query)
{
	const struct retort_url *u = &base_url->pub;
	struct rt_buf b = RT_BUF_INIT;
	if (!user)
		user = u->user;
	if (!password)
		password = u->password;
	if (!database)
		database = u->database;
	rt_buf_printf(&b, "%s://", u->scheme);
	if (user && *user) {
		url_put(&b, user);
		if (password && *password) {
			rt_buf_putc(&b, ':');
			url_put(&b, password);
		}
		rt_buf_putc(&b, '@');
	}
	if (u->host) {
		if (strchr(u->host, ':'))
			rt_buf_printf(&b, "[%s]", u->host);
		else
			url_put(&b, u->host);
	}
	if (u->port)
		rt_buf_printf(&b, ":%u", u->port);
	rt_buf_putc(&b, '/');
	if (database && *database)
		url_put(&b, database);
	if (query && *query)
		rt_buf_printf(&b, "?%s", query);
	return rt_buf_detach(&b);
}

/* The server password (never NULL). */
static const char *server_password(void)
{
	return base_url && base_url->pub.password ? base_url->pub.password : "";
}

/*
 * Check an error object: the plugin's message must exist and must not
 * hold the password (nor the given extra secret).
 */
static void check_no_secret(const struct retort_error *err, const char *extra)
{
	const char *pw = server_password();
	if (err->message && strlen(pw) >= 4)
		assert_null(strstr(err->message, pw));
	if (err->statement && strlen(pw) >= 4)
		assert_null(strstr(err->statement, pw));
	if (err->message && extra && *extra)
		assert_null(strstr(err->message, extra));
}

struct opened {
	struct rt_url *url;
	struct retort_conn *conn;
};

/*
 * create() + connect() for url_text with the given options; returns the
 * connect() code (create() must succeed).  *err is left for the caller
 * to inspect and free.
 */
static int open_conn(struct opened *o, const char *url_text, const char *table, const char *schema,
                     long lock_timeout_ms, struct retort_error *err)
{
	struct rt_err e = { 0, NULL };
	struct retort_dialect_options opts;
	int rc;

	memset(o, 0, sizeof(*o));
	rt_dialect_error_init(err);
	if (rt_url_parse(&o->url, url_text, &e) < 0) {
		fprintf(stderr, "# bad test URL: %s\n", e.msg ? e.msg : "?");
		rt_err_clear(&e);
		fail();
	}
	memset(&opts, 0, sizeof(opts));
	opts.struct_size = sizeof(opts);
	opts.version_table = table ? table : "alembic_version";
	opts.version_table_schema = schema;
	opts.base_dir = ".";
	opts.lock_timeout_ms = lock_timeout_ms;
	rc = dialect->create(&o->conn, &o->url->pub, &opts, err);
	if (rc < 0) {
		fprintf(stderr, "# create failed: %s\n", err->message ? err->message : "?");
		return rc;
	}
	rc = dialect->connect(o->conn, err);
	check_no_secret(err, NULL);
	return rc;
}

static void close_conn(struct opened *o)
{
	if (o->conn)
		dialect->destroy(o->conn);
	rt_url_free(o->url);
	memset(o, 0, sizeof(*o));
}

/* Open the server URL (another database if not NULL, + query) or fail. */
static void must_open(struct opened *o, const char *database, const char *query, const char *table,
                      const char *schema, long lock_timeout_ms)
{
	struct retort_error err;
	char *u = make_url(NULL, NULL, database, query);
	int rc;
	assert_non_null(u);
	rc = open_conn(o, u, table, schema, lock_timeout_ms, &err);
	if (rc != 0)
		fprintf(stderr, "# connect failed (%d): %s\n", rc, err.message ? err.message : "?");
	assert_int_equal(rc, 0);
	rt_dialect_error_free(&err);
	rt_free(u);
}

/* execute() a NUL-terminated script, returning the code; err is kept. */
static int exec_sql(struct opened *o, const char *sql, unsigned first_line, struct retort_error *err)
{
	struct rt_exec_opts eo;
	int rc;
	memset(&eo, 0, sizeof(eo));
	eo.url = &o->url->pub; /* the core's loop masks its secrets */
	rt_dialect_error_init(err);
	rc = rt_dialect_execute(dialect, o->conn, sql, strlen(sql), first_line, &eo, err);
	check_no_secret(err, NULL);
	if (rc != 0 && getenv("RETORT_TEST_VERBOSE"))
		fprintf(stderr, "# execute: %d %s [%s]\n", rc, err->message ? err->message : "",
		        err->sqlstate);
	return rc;
}

/* execute() that must succeed. */
static void must_exec(struct opened *o, const char *sql)
{
	struct retort_error err;
	int rc = exec_sql(o, sql, 1, &err);
	if (rc != 0)
		fprintf(stderr, "# execute failed (%d): %s\n", rc, err.message ? err.message : "?");
	assert_int_equal(rc, 0);
	rt_dialect_error_free(&err);
}

/* Collect version rows into a sorted, comma-joined string. */
static int collect_cb(const char *v, void *payload)
{
	return rt_strvec_push(payload, v) < 0 ? -1 : 0;
}

/* version_read() as "a,b" (sorted); RETORT_ENOTFOUND gives "<none>". */
static char *read_versions(struct opened *o)
{
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_buf b = RT_BUF_INIT;
	struct retort_error err;
	size_t i;
	int rc;

	rt_dialect_error_init(&err);
	rc = dialect->version_read(o->conn, collect_cb, &rows, &err);
	if (rc == RETORT_ENOTFOUND) {
		rt_dialect_error_free(&err);
		rt_strvec_free(&rows);
		return rt_strdup("<none>");
	}
	if (rc != 0)
		fprintf(stderr, "# version_read: %s\n", err.message ? err.message : "?");
	assert_int_equal(rc, 0);
	rt_strvec_sort(&rows);
	for (i = 0; i < rows.n; i++)
		rt_buf_printf(&b, "%s%s", i ? "," : "", rows.v[i]);
	rt_strvec_free(&rows);
	rt_dialect_error_free(&err);
	return rt_buf_detach(&b);
}

static void assert_versions(struct opened *o, const char *want)
{
	char *got = read_versions(o);
	assert_non_null(got);
	assert_string_equal(got, want);
	rt_free(got);
}

/* Milliseconds on a monotonic clock. */
static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Call a quoting function with conn (may be NULL), compare, free. */
static void assert_quoted(int (*fn)(const struct retort_conn *, const char *, char **,
                                    struct retort_error *),
                          const struct retort_conn *conn, const char *in, const char *want)
{
	struct retort_error err;
	char *out = NULL;
	rt_dialect_error_init(&err);
	assert_int_equal(fn(conn, in, &out, &err), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	rt_host()->free(out);
	rt_dialect_error_free(&err);
}

static char *offline(const struct retort_conn *conn, int what, const char *arg)
{
	struct retort_error err;
	char *out = NULL;
	rt_dialect_error_init(&err);
	assert_int_equal(dialect->offline_sql(conn, what, arg, arg ? strlen(arg) : 0, &out, &err), 0);
	assert_non_null(out);
	rt_dialect_error_free(&err);
	return out;
}

/* Offline members under allocation failure (no server needed). */
static int offline_members(void *arg)
{
	const char *url_text = arg;
	struct rt_url *url = NULL;
	struct rt_err e = { 0, NULL };
	struct retort_conn *c = NULL;
	struct retort_dialect_options opts;
	struct retort_error err;
	char *out = NULL;
	int rc = 0, what;

	if (rt_url_parse(&url, url_text, &e) < 0) {
		rt_err_clear(&e);
		return -1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.struct_size = sizeof(opts);
	opts.version_table = "Version Table";
	opts.version_table_schema = "Some Schema";
	rt_dialect_error_init(&err);
	if (dialect->create(&c, &url->pub, &opts, &err) < 0) {
		assert_null(c);
		rc = -1;
		goto done;
	}
	for (what = RETORT_OFFLINE_BEGIN; what <= RETORT_OFFLINE_STATEMENT; what++) {
		const char *arg_ = "CREATE PROCEDURE p() BEGIN SELECT 1; END -- x";
		if (dialect->offline_sql(c, what, arg_, strlen(arg_), &out, &err) < 0) {
			assert_null(out);
			rc = -1;
		}
		rt_host()->free(out);
		out = NULL;
	}
	if (dialect->quote_identifier(c, "a\"b`c", &out, &err) < 0)
		rc = -1;
	rt_host()->free(out);
	out = NULL;
	if (dialect->quote_literal(NULL, "it's \\ here", &out, &err) < 0)
		rc = -1;
	rt_host()->free(out);
	out = NULL;
done:
	rt_dialect_error_free(&err);
	dialect->destroy(c);
	rt_url_free(url);
	return rc;
}

#endif
