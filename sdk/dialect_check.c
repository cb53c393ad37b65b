/* SPDX-License-Identifier: MIT */
/*
 * sdk/dialect_check.c - retort-dialect-check MODULE URL: the conformance kit
 * for dialect plugins (retort-dialect(7)).
 *
 * It loads MODULE the way retort does (the core's loader: ABI, struct_size
 * and entry symbol checks, global_init), then drives the plugin through the
 * whole contract against the database at URL, one TAP line per check:
 *
 *     ok 7 - version_insert then version_read gives the row
 *     not ok 8 - version_update changes exactly that row : rows are [a]
 *
 * and exits 0 only if every check passed (1 if one failed, 2 on a usage
 * error).  The checks: create() without I/O, connect, the version table
 * (read of a missing table, create twice, insert/update/delete and their
 * failures), transactions (commit and rollback, seen from a second
 * connection), a failure in the middle of a section, the migration lock and
 * its timeout, identifier and literal quoting (round trips through the
 * server), offline rendering (and that the rendered SQL runs), and the ABI
 * 1.1 members query() and column_type() when the plugin has them.
 *
 * The kit works in tables of its own, named rt_kit_<random>_*, and drops
 * them at the end.  The URL's database must accept CREATE TABLE.  A check
 * that cannot apply (an in-memory database private to each connection) is
 * reported with "# SKIP" and passes.  The kit requires what the loader
 * requires (the REQUIRED members of <retort/dialect.h>, by the loader's own
 * rt_dialect_missing_members()); a check of an OPTIONAL member the plugin
 * leaves NULL (lock and unlock, quote_identifier, quote_literal,
 * offline_sql, version, caps, split, query, column_type) is a SKIP saying
 * "<member> not provided (optional)" or the like, and the other checks
 * quote as the core then does: identifiers unquoted, literals as '...'
 * with single quotes doubled.  Each check has a minute to answer: a plugin
 * that hangs fails it and the run stops.
 *
 * Messages from the plugin are masked before they are printed, as retort
 * masks them: the URL's password never shows.
 */
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "loader.h"
#include "stmtloop.h"
#include "url.h"

#define CHECK_SECONDS 60

struct kit {
	const struct retort_dialect *d;
	struct rt_url *url;
	char vt[48];            /* the kit's version table */
	char vt_off[48];        /* the one the offline DDL creates */
	char missing[48];       /* a table that does not exist */
	struct retort_conn *a, *b;
	int shared;             /* b sees a's database */
	int n, failed;
	struct retort_error e;
};

/* ------------------------------------------------------------ output */

static volatile sig_atomic_t current_n;

static void on_alarm(int sig)
{
	static const char msg[] = " - (the check running) : no answer in 60 s; stopping\n";
	char num[24];
	int i = (int)sizeof(num), n = (int)current_n;
	(void)sig;
	do {
		num[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i > 0);
	if (write(1, "not ok ", 7) < 0 || write(1, num + i, sizeof(num) - (size_t)i) < 0 ||
	    write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* Mask what a message may hold of the URL's secrets. */
static char *masked(const struct kit *k, const char *text)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *pw = k->url ? k->url->pub.password : NULL;
	const char *p = text;
	char *r;
	if (pw && *pw) {
		const char *hit;
		size_t n = strlen(pw);
		while ((hit = strstr(p, pw)) != NULL) {
			rt_buf_put(&b, p, (size_t)(hit - p));
			rt_buf_puts(&b, "***");
			p = hit + n;
		}
	}
	rt_buf_puts(&b, p);
	r = b.oom ? NULL : rt_url_mask_text(b.ptr ? b.ptr : "");
	rt_buf_free(&b);
	return r;
}

static void start(struct kit *k)
{
	current_n = k->n + 1;
	alarm(CHECK_SECONDS);
}

static void ok(struct kit *k, const char *desc)
{
	alarm(0);
	printf("ok %d - %s\n", ++k->n, desc);
	fflush(stdout);
}

static void skip(struct kit *k, const char *desc, const char *why)
{
	alarm(0);
	printf("ok %d - %s # SKIP %s\n", ++k->n, desc, why);
	fflush(stdout);
}

static void RT_PRINTF(3, 4) not_ok(struct kit *k, const char *desc, const char *fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	va_list ap;
	char *m, *nl;
	alarm(0);
	va_start(ap, fmt);
	rt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	m = masked(k, b.ptr ? b.ptr : "");
	rt_buf_free(&b);
	for (nl = m; nl && (nl = strchr(nl, '\n')) != NULL;)
		*nl = ' ';        /* one line per check */
	printf("not ok %d - %s : %s\n", ++k->n, desc, m ? m : "(out of memory)");
	fflush(stdout);
	rt_free(m);
	k->failed++;
}

/* The plugin's error as a reason: "code -6: message [SQLSTATE x]". */
static const char *why(struct kit *k, int rc)
{
	static char buf[1200];
	snprintf(buf, sizeof(buf), "returned %d%s%s%s%s", rc, k->e.message ? ": " : " (no message)",
	         k->e.message ? k->e.message : "", k->e.sqlstate[0] ? " SQLSTATE " : "",
	         k->e.sqlstate);
	return buf;
}

static void reset(struct kit *k)
{
	rt_dialect_error_free(&k->e);
	rt_dialect_error_init(&k->e);
}

/* ------------------------------------------------------------ helpers */

/* Does text contain word, ASCII case ignored (names may be folded)? */
static int contains_ci(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (; text && *text; text++)
		if (strncasecmp(text, word, n) == 0)
			return 1;
	return 0;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int create_conn(struct kit *k, struct retort_conn **out, const struct retort_url *url,
                       const char *table, long lock_timeout_ms)
{
	struct retort_dialect_options o;
	memset(&o, 0, sizeof(o));
	o.struct_size = sizeof(o);
	o.version_table = table;
	o.version_table_schema = NULL;
	o.base_dir = ".";
	o.lock_timeout_ms = lock_timeout_ms;
	*out = NULL;
	reset(k);
	return k->d->create(out, url, &o, &k->e);
}

static int collect(const char *v, void *payload)
{
	return rt_strvec_push(payload, v) < 0 ? -1 : 0;
}

/* The rows of conn's version table, sorted and joined with ',' into out
 * ("" when empty); returns the plugin's code. */
static int rows_of(struct kit *k, struct retort_conn *c, char *out, size_t outsz)
{
	struct rt_strvec rows = RT_STRVEC_INIT;
	size_t i, at = 0;
	int rc;
	reset(k);
	rc = k->d->version_read(c, collect, &rows, &k->e);
	out[0] = '\0';
	rt_strvec_sort(&rows);
	for (i = 0; rc == 0 && i < rows.n; i++) {
		int w = snprintf(out + at, outsz - at, "%s%s", i ? "," : "", rows.v[i]);
		if (w < 0 || (size_t)w >= outsz - at)
			break;
		at += (size_t)w;
	}
	rt_strvec_free(&rows);
	return rc;
}

/* Check that conn's version table holds exactly `want` (sorted, ','). */
static void expect_rows(struct kit *k, struct retort_conn *c, const char *want, const char *desc)
{
	char got[512];
	int rc;
	start(k);
	if ((rc = rows_of(k, c, got, sizeof(got))) != 0)
		not_ok(k, desc, "version_read %s", why(k, rc));
	else if (strcmp(got, want) != 0)
		not_ok(k, desc, "the version table holds [%s], not [%s]", got, want);
	else
		ok(k, desc);
}

static int call(struct kit *k, int (*fn)(struct retort_conn *, struct retort_error *),
                struct retort_conn *c)
{
	reset(k);
	return fn(c, &k->e);
}

/* Run `sql` through execute(), starting at file line `line`. */
static int run(struct kit *k, struct retort_conn *c, const char *sql, unsigned line)
{
	reset(k);
	/* through the core's statement loop when the plugin has execute_statement */
	return rt_dialect_execute(k->d, c, sql, strlen(sql), line, NULL, &k->e);
}

/*
 * Quote identifier `name` into *out (rt_free it) with the plugin's
 * quote_identifier, or, when the plugin leaves that OPTIONAL member NULL,
 * as the core then writes identifiers: unquoted (the kit's own table names
 * are plain lower-case words).  The plugin's code, or RETORT_ENOMEM.
 */
static int quote_ident(struct kit *k, struct retort_conn *c, const char *name, char **out)
{
	int rc;
	*out = NULL;
	reset(k);
	if (!k->d->quote_identifier)
		return (*out = rt_strdup(name)) != NULL ? 0 : RETORT_ENOMEM;
	rc = k->d->quote_identifier(c, name, out, &k->e);
	return rc == 0 && !*out ? RETORT_ERROR : rc;
}

/* Quote literal `value` likewise: the plugin's quote_literal, or the core's
 * default, standard SQL's '...' with single quotes doubled. */
static int quote_lit(struct kit *k, struct retort_conn *c, const char *value, char **out)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *p;
	int rc;
	*out = NULL;
	reset(k);
	if (k->d->quote_literal) {
		rc = k->d->quote_literal(c, value, out, &k->e);
		return rc == 0 && !*out ? RETORT_ERROR : rc;
	}
	rt_buf_putc(&b, '\'');
	for (p = value; *p; p++) {
		if (*p == '\'')
			rt_buf_putc(&b, '\'');
		rt_buf_putc(&b, *p);
	}
	rt_buf_putc(&b, '\'');
	if (b.oom || !(*out = rt_buf_detach(&b))) {
		rt_buf_free(&b);
		return RETORT_ENOMEM;
	}
	rt_buf_free(&b);
	return 0;
}

/* The line of a check that needs an OPTIONAL member the plugin lacks. */
static void skip_optional(struct kit *k, const char *desc, const char *member)
{
	char why[120];
	snprintf(why, sizeof(why), "%s not provided (optional)", member);
	skip(k, desc, why);
}

/* DROP TABLE name (quoted as the core would) on conn; best effort. */
static void drop_table(struct kit *k, struct retort_conn *c, const char *name)
{
	char *q = NULL, *sql;
	if (quote_ident(k, c, name, &q) != 0)
		return;
	if ((sql = rt_sprintf("DROP TABLE %s", q)) != NULL)
		run(k, c, sql, 1);
	rt_free(sql);
	rt_free(q);
}

/* "INSERT INTO <vt> (version_num) VALUES (<literal>)" for conn, quoted as
 * the core would. */
static char *insert_sql(struct kit *k, struct retort_conn *c, const char *table, const char *value)
{
	char *qt = NULL, *ql = NULL, *sql = NULL;
	if (quote_ident(k, c, table, &qt) == 0 && quote_lit(k, c, value, &ql) == 0)
		sql = rt_sprintf("INSERT INTO %s (version_num) VALUES (%s)", qt, ql);
	rt_free(qt);
	rt_free(ql);
	return sql;
}

/* ------------------------------------------------------------ the checks */

/* The descriptor; 0 if the rest can run.  What is REQUIRED is the
 * loader's rule (rt_dialect_missing_members), not a list of the kit's: the
 * OPTIONAL members' checks skip when the plugin leaves them NULL. */
static int check_descriptor(struct kit *k)
{
	const struct retort_dialect *d = k->d;
	const char *missing[32];
	struct rt_buf miss = RT_BUF_INIT;
	size_t i, n;
	int found = 0;
	start(k);
	n = rt_dialect_missing_members(d, missing, sizeof(missing) / sizeof(missing[0]));
	for (i = 0; i < n && i < sizeof(missing) / sizeof(missing[0]); i++)
		rt_buf_printf(&miss, "%s%s", i ? ", " : "", missing[i]);
	if (n) {
		not_ok(k, "every required member of struct retort_dialect is set", "NULL: %s",
		       miss.oom ? "(out of memory)" : miss.ptr);
		rt_buf_free(&miss);
		return -1;
	}
	ok(k, "every required member of struct retort_dialect is set");
	start(k);
	if (!d->name || !*d->name || !d->schemes || !d->schemes[0]) {
		not_ok(k, "the descriptor names the dialect and its schemes",
		       "name or schemes is missing or empty");
	} else {
		ok(k, "the descriptor names the dialect and its schemes");
	}
	start(k);
	if (!d->version || !*d->version)
		skip_optional(k, "the descriptor gives the plugin's version", "version");
	else
		ok(k, "the descriptor gives the plugin's version");
	start(k);
	for (i = 0; d->schemes && d->schemes[i]; i++)
		if (strcasecmp(d->schemes[i], k->url->pub.scheme) == 0)
			found = 1;
	if (found)
		ok(k, "the URL's scheme is one the dialect declares");
	else
		not_ok(k, "the URL's scheme is one the dialect declares", "'%s' is not in schemes",
		       k->url->pub.scheme);
	return 0;
}

static int is_local(const char *host)
{
	return host && (strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 ||
	                strcmp(host, "::1") == 0);
}

static void check_create(struct kit *k)
{
	struct retort_conn *c = NULL;
	const char *desc = "create() makes a handle without I/O (no file descriptor left open)";
	int before, after, rc;
	start(k);
	before = open_fds();
	rc = create_conn(k, &c, &k->url->pub, k->vt, 0);
	after = open_fds();
	if (rc != 0)
		not_ok(k, desc, "create %s", why(k, rc));
	else if (!c)
		not_ok(k, desc, "create returned 0 and no handle");
	else if (before < 0)
		skip(k, desc, "no /proc/self/fd to count descriptors");
	else if (after != before)
		not_ok(k, desc, "%d file descriptors open before create(), %d after", before, after);
	else
		ok(k, desc);
	start(k);
	k->d->destroy(c);
	k->d->destroy(NULL);
	ok(k, "destroy() frees a handle never connected, and destroy(NULL) is a no-op");

	desc = "create() does not connect: it succeeds with the server's port closed";
	if (!k->url->pub.host || !k->url->pub.port || !is_local(k->url->pub.host)) {
		skip(k, desc, "the URL names no port on this host");
		return;
	}
	{
		struct retort_url u = k->url->pub;
		u.port = 1;
		start(k);
		rc = create_conn(k, &c, &u, k->vt, 0);
		if (rc != 0)
			not_ok(k, desc, "create %s", why(k, rc));
		else
			ok(k, desc);
		k->d->destroy(c);
	}
}

/* Connect a and b; 0 if a is usable. */
static int check_connect(struct kit *k)
{
	int rc;
	start(k);
	if ((rc = create_conn(k, &k->a, &k->url->pub, k->vt, 10000)) != 0) {
		not_ok(k, "connect() opens the connection", "create %s", why(k, rc));
		return -1;
	}
	if ((rc = call(k, k->d->connect, k->a)) != 0) {
		not_ok(k, "connect() opens the connection", "connect %s", why(k, rc));
		return -1;
	}
	ok(k, "connect() opens the connection");
	start(k);
	rc = create_conn(k, &k->b, &k->url->pub, k->vt, 0);
	if (rc == 0)
		rc = call(k, k->d->connect, k->b);
	if (rc != 0) {
		not_ok(k, "a second connection to the same URL opens", "%s", why(k, rc));
		k->d->destroy(k->b);
		k->b = NULL;
	} else {
		ok(k, "a second connection to the same URL opens");
	}
	start(k);
	if (k->d->caps) {
		unsigned caps = k->d->caps(k->a);
		char desc[200];
		snprintf(desc, sizeof(desc), "caps() after connect:%s%s%s%s%s%s",
		         caps & RETORT_CAP_TRANSACTIONAL_DDL ? " transactional-DDL" : "",
		         caps & RETORT_CAP_ADVISORY_LOCK ? " advisory-lock" : "",
		         caps & RETORT_CAP_SCHEMAS ? " schemas" : "",
		         caps & RETORT_CAP_NONTX_SCRIPTS ? " non-transactional-scripts" : "",
		         caps & RETORT_CAP_CREATE_IF_ABSENT ? " create-if-absent" : "",
		         caps ? "" : " none");
		if (caps & ~RETORT_CAP_KNOWN)
			not_ok(k, desc, "unknown flags 0x%x", caps & ~RETORT_CAP_KNOWN);
		else
			ok(k, desc);
	} else {
		skip(k, "caps() after connect", "caps not provided (optional): no capabilities");
	}
	return 0;
}

static void check_version_table(struct kit *k)
{
	struct retort_conn *a = k->a;
	char got[512];
	int rc;

	start(k);
	rc = rows_of(k, a, got, sizeof(got));
	if (rc == RETORT_ENOTFOUND)
		ok(k, "version_read of a missing version table gives RETORT_ENOTFOUND");
	else
		not_ok(k, "version_read of a missing version table gives RETORT_ENOTFOUND", "%s",
		       rc == 0 ? "returned 0" : why(k, rc));
	start(k);
	if ((rc = call(k, k->d->version_create, a)) != 0)
		not_ok(k, "version_create creates the version table", "%s", why(k, rc));
	else
		ok(k, "version_create creates the version table");
	start(k);
	if ((rc = call(k, k->d->version_create, a)) != 0)
		not_ok(k, "version_create again is harmless (the table exists)", "%s", why(k, rc));
	else
		ok(k, "version_create again is harmless (the table exists)");
	expect_rows(k, a, "", "version_read of the new table gives no row");

	start(k);
	reset(k);
	if ((rc = k->d->version_insert(a, "aaaa00000001", &k->e)) != 0)
		not_ok(k, "version_insert adds a row", "%s", why(k, rc));
	else
		ok(k, "version_insert adds a row");
	reset(k);
	k->d->version_insert(a, "bbbb00000002", &k->e);
	expect_rows(k, a, "aaaa00000001,bbbb00000002", "version_read gives the rows inserted");

	start(k);
	reset(k);
	if ((rc = k->d->version_update(a, "aaaa00000001", "cccc00000003", &k->e)) != 0)
		not_ok(k, "version_update replaces one row", "%s", why(k, rc));
	else
		ok(k, "version_update replaces one row");
	expect_rows(k, a, "bbbb00000002,cccc00000003", "version_update changed exactly that row");
	start(k);
	reset(k);
	rc = k->d->version_update(a, "nosuchrev0000", "dddd00000004", &k->e);
	if (rc == 0)
		not_ok(k, "version_update of a missing row fails", "returned 0");
	else
		ok(k, "version_update of a missing row fails");

	start(k);
	reset(k);
	if ((rc = k->d->version_delete(a, "bbbb00000002", &k->e)) != 0)
		not_ok(k, "version_delete removes one row", "%s", why(k, rc));
	else
		ok(k, "version_delete removes one row");
	expect_rows(k, a, "cccc00000003", "version_delete removed exactly that row");
	start(k);
	reset(k);
	rc = k->d->version_delete(a, "nosuchrev0000", &k->e);
	if (rc == 0)
		not_ok(k, "version_delete of a missing row fails", "returned 0");
	else
		ok(k, "version_delete of a missing row fails");
	reset(k);
	k->d->version_delete(a, "cccc00000003", &k->e);
}

static void check_transactions(struct kit *k)
{
	struct retort_conn *a = k->a;
	char got[512];
	int rc;

	/* Does the second connection see the first one's database? */
	start(k);
	if (!k->b) {
		skip(k, "a second connection sees the same database", "no second connection");
	} else {
		rc = rows_of(k, k->b, got, sizeof(got));
		if (rc == 0) {
			k->shared = 1;
			ok(k, "a second connection sees the same database");
		} else if (rc == RETORT_ENOTFOUND) {
			skip(k, "a second connection sees the same database",
			     "it does not (an in-memory database of its own?): no check across "
			     "connections");
		} else {
			not_ok(k, "a second connection sees the same database", "version_read %s",
			       why(k, rc));
		}
	}

	start(k);
	rc = call(k, k->d->begin, a);
	if (rc == 0) {
		reset(k);
		rc = k->d->version_insert(a, "eeee00000005", &k->e);
	}
	if (rc == 0)
		rc = call(k, k->d->commit, a);
	if (rc != 0) {
		not_ok(k, "begin, version_insert, commit", "%s", why(k, rc));
		call(k, k->d->rollback, a);
	} else {
		ok(k, "begin, version_insert, commit");
	}
	expect_rows(k, a, "eeee00000005", "the committed row is there");
	if (k->shared)
		expect_rows(k, k->b, "eeee00000005", "the committed row is seen by another connection");
	else
		skip(k, "the committed row is seen by another connection", "no shared database");

	start(k);
	rc = call(k, k->d->begin, a);
	if (rc == 0) {
		reset(k);
		rc = k->d->version_insert(a, "ffff00000006", &k->e);
	}
	if (rc == 0)
		rc = call(k, k->d->rollback, a);
	if (rc != 0)
		not_ok(k, "begin, version_insert, rollback", "%s", why(k, rc));
	else
		ok(k, "begin, version_insert, rollback");
	expect_rows(k, a, "eeee00000005", "the rolled-back row is gone");
	if (k->shared)
		expect_rows(k, k->b, "eeee00000005", "another connection never sees the rolled-back row");
	else
		skip(k, "another connection never sees the rolled-back row", "no shared database");

}

/* A section of three statements whose second fails. */
static void check_failure(struct kit *k)
{
	struct retort_conn *a = k->a;
	char *i1 = insert_sql(k, a, k->vt, "gggg00000007");
	char *i3 = insert_sql(k, a, k->vt, "hhhh00000008");
	char *sql = NULL;
	unsigned caps = k->d->caps ? k->d->caps(a) : 0;
	int rc;

	start(k);
	if (!i1 || !i3 || !(sql = rt_sprintf("%s;\nINSERT INTO %s (x) VALUES (1);\n%s;\n", i1,
	                                       k->missing, i3))) {
		not_ok(k, "a statement that fails stops the section with RETORT_EDB",
		       "cannot quote the version table's name or a literal: %s", why(k, -1));
		goto done;
	}
	/* Outside a transaction when the dialect can run scripts so, so that
	 * what ran before the failure stays and what follows is seen not to
	 * have run; in a transaction (rolled back) otherwise. */
	if (!(caps & RETORT_CAP_NONTX_SCRIPTS))
		call(k, k->d->begin, a);
	rc = run(k, a, sql, 20);
	if (rc == RETORT_EDB || rc == RETORT_ERROR)
		ok(k, "a statement that fails stops the section with RETORT_EDB");
	else
		not_ok(k, "a statement that fails stops the section with RETORT_EDB", "%s",
		       rc == 0 ? "execute returned 0" : why(k, rc));
	start(k);
	if (!k->e.message || !*k->e.message)
		not_ok(k, "the error has the database's message", "no message");
	else
		ok(k, "the error has the database's message");
	start(k);
	if (k->e.stmt_index != 2 || k->e.stmt_line != 21)
		not_ok(k, "the error names the failing statement: index 2, line 21",
		       "stmt_index %u, stmt_line %u", k->e.stmt_index, k->e.stmt_line);
	else
		ok(k, "the error names the failing statement: index 2, line 21");
	start(k);
	if (!k->e.statement || !contains_ci(k->e.statement, k->missing))
		not_ok(k, "the error carries the failing statement's text", "statement is %s",
		       k->e.statement ? k->e.statement : "NULL");
	else
		ok(k, "the error carries the failing statement's text");
	if (!(caps & RETORT_CAP_NONTX_SCRIPTS)) {
		call(k, k->d->rollback, a);
		expect_rows(k, a, "eeee00000005",
		            "after rollback nothing of the failed section is left");
	} else {
		expect_rows(k, a, "eeee00000005,gggg00000007",
		            "the statement before the failure ran, the one after did not");
		reset(k);
		k->d->version_delete(a, "gggg00000007", &k->e);
	}
done:
	rt_free(i1);
	rt_free(i3);
	rt_free(sql);
}

/* RETORT_CAP_CREATE_IF_ABSENT: CREATE TABLE IF NOT EXISTS runs twice. */
static void check_create_if_absent(struct kit *k)
{
	static const char desc[] = "create-if-absent: CREATE TABLE IF NOT EXISTS runs twice";
	struct retort_conn *a = k->a;
	char name[80], *sql = NULL, *q = NULL;
	int rc, i;

	start(k);
	if (!k->d->caps || !(k->d->caps(a) & RETORT_CAP_CREATE_IF_ABSENT)) {
		skip(k, desc, "RETORT_CAP_CREATE_IF_ABSENT is not claimed");
		return;
	}
	snprintf(name, sizeof(name), "%s_ifabsent", k->vt);
	if ((rc = quote_ident(k, a, name, &q)) != 0) {
		not_ok(k, desc, "quote_identifier %s", why(k, rc));
		return;
	}
	if (!(sql = rt_sprintf("CREATE TABLE IF NOT EXISTS %s (x INTEGER)", q))) {
		rt_free(q);
		not_ok(k, desc, "out of memory");
		return;
	}
	for (i = 0, rc = 0; i < 2 && rc == 0; i++)
		rc = run(k, a, sql, 1);
	if (rc != 0)
		not_ok(k, desc, "run %d of %s %s", i, sql, why(k, rc));
	else
		ok(k, desc);
	drop_table(k, a, name);
	rt_free(sql);
	rt_free(q);
}

static void check_quoting(struct kit *k)
{
	struct retort_conn *a = k->a;
	/* ';', quotes of every family, a backslash and a comment opener: a
	 * literal must survive the plugin's quoting and splitter intact. */
	static const char lit[] = "q'\"`;\\ -- /*x";
	char name[80], *sql = NULL, *q = NULL;
	int rc;

	start(k);
	if (!k->d->quote_literal) {
		skip_optional(k, "quote_literal: an INSERT of an odd literal runs", "quote_literal");
	} else if (!(sql = insert_sql(k, a, k->vt, lit))) {
		not_ok(k, "quote_literal: an INSERT of an odd literal runs",
		       "quoting failed: %s", why(k, -1));
	} else if ((rc = run(k, a, sql, 1)) != 0) {
		not_ok(k, "quote_literal: an INSERT of an odd literal runs",
		       "executing %s %s", sql, why(k, rc));
	} else {
		ok(k, "quote_literal: an INSERT of an odd literal runs");
		expect_rows(k, a, "eeee00000005,q'\"`;\\ -- /*x",
		            "quote_literal: the row reads back byte for byte");
		reset(k);
		k->d->version_delete(a, lit, &k->e);
	}
	rt_free(sql);

	start(k);
	if (!k->d->quote_identifier) {
		skip_optional(k, "quote_identifier: a table named with quotes and brackets is "
		              "created and dropped", "quote_identifier");
		check_create_if_absent(k);
		return;
	}
	snprintf(name, sizeof(name), "%s \"odd\" `t` [x]", k->vt);
	rc = quote_ident(k, a, name, &q);
	if (rc != 0) {
		not_ok(k, "quote_identifier: a table named with quotes and brackets is created and "
		       "dropped", "quote_identifier %s", why(k, rc));
		return;
	}
	sql = rt_sprintf("CREATE TABLE %s (x INTEGER)", q);
	if (sql && (rc = run(k, a, sql, 1)) == 0) {
		rt_free(sql);
		sql = rt_sprintf("DROP TABLE %s", q);
		rc = sql ? run(k, a, sql, 1) : RETORT_ENOMEM;
	}
	if (rc != 0)
		not_ok(k, "quote_identifier: a table named with quotes and brackets is created and "
		       "dropped", "%s %s", sql ? sql : "", why(k, rc));
	else
		ok(k, "quote_identifier: a table named with quotes and brackets is created and "
		      "dropped");
	rt_free(sql);
	rt_free(q);
	check_create_if_absent(k);
}

static void check_split(struct kit *k);

static void check_lock(struct kit *k)
{
	struct retort_conn *a = k->a, *b = NULL;
	int rc;

	if (!k->d->lock || !k->d->unlock) {
		skip(k, "lock() takes the migration lock",
		     "lock not provided (optional): retort warns instead");
		return;
	}
	start(k);
	if ((rc = call(k, k->d->lock, a)) != 0) {
		not_ok(k, "lock() takes the migration lock", "%s", why(k, rc));
		return;
	}
	ok(k, "lock() takes the migration lock");
	/* Work under the lock, as the engine does it. */
	start(k);
	rc = call(k, k->d->begin, a);
	if (rc == 0) {
		reset(k);
		rc = k->d->version_insert(a, "iiii00000009", &k->e);
	}
	if (rc == 0)
		rc = call(k, k->d->commit, a);
	if (rc != 0) {
		not_ok(k, "begin, version_insert, commit under the lock", "%s", why(k, rc));
		call(k, k->d->rollback, a);
	} else {
		ok(k, "begin, version_insert, commit under the lock");
	}
	if (k->shared)
		expect_rows(k, k->b, "eeee00000005,iiii00000009",
		            "a commit under the lock is seen by another connection");
	else
		skip(k, "a commit under the lock is seen by another connection", "no shared database");

	if (!k->shared) {
		skip(k, "a second connection's lock() with lock_timeout 0 gets RETORT_ELOCKED",
		     "no shared database");
	} else {
		start(k);
		rc = call(k, k->d->lock, k->b);
		if (rc == RETORT_ELOCKED) {
			ok(k, "a second connection's lock() with lock_timeout 0 gets RETORT_ELOCKED");
		} else {
			not_ok(k, "a second connection's lock() with lock_timeout 0 gets RETORT_ELOCKED",
			       "%s", rc == 0 ? "it took the lock" : why(k, rc));
			if (rc == 0)
				call(k, k->d->unlock, k->b);
		}
		/* A timeout that waits, then gives up. */
		start(k);
		rc = create_conn(k, &b, &k->url->pub, k->vt, 300);
		if (rc == 0)
			rc = call(k, k->d->connect, b);
		if (rc == 0)
			rc = call(k, k->d->lock, b);
		if (rc == RETORT_ELOCKED) {
			ok(k, "with lock_timeout 0.3 s it waits, then gets RETORT_ELOCKED");
		} else {
			not_ok(k, "with lock_timeout 0.3 s it waits, then gets RETORT_ELOCKED", "%s",
			       rc == 0 ? "it took the lock" : why(k, rc));
			if (rc == 0)
				call(k, k->d->unlock, b);
		}
		k->d->destroy(b);
	}
	start(k);
	if ((rc = call(k, k->d->unlock, a)) != 0)
		not_ok(k, "unlock() releases the lock", "%s", why(k, rc));
	else
		ok(k, "unlock() releases the lock");
	if (k->shared) {
		start(k);
		if ((rc = call(k, k->d->lock, k->b)) != 0) {
			not_ok(k, "then another connection takes it", "%s", why(k, rc));
		} else {
			ok(k, "then another connection takes it");
			call(k, k->d->unlock, k->b);
		}
	}
	reset(k);
	k->d->version_delete(a, "iiii00000009", &k->e);
}

/* Render `what` on an unconnected handle. */
static int render(struct kit *k, struct retort_conn *c, int what, const char *arg, char **out)
{
	*out = NULL;
	reset(k);
	return k->d->offline_sql(c, what, arg, arg ? strlen(arg) : 0, out, &k->e);
}

static void check_offline(struct kit *k)
{
	static const struct { int what; const char *name; } kinds[] = {
		{ RETORT_OFFLINE_BEGIN, "BEGIN" }, { RETORT_OFFLINE_COMMIT, "COMMIT" },
		{ RETORT_OFFLINE_VERSION_DDL, "VERSION_DDL" },
	};
	struct retort_conn *o = NULL;
	char *ddl = NULL, *ins = NULL, *stmt = NULL, *text = NULL, *del = NULL, *qt = NULL;
	size_t i;
	int rc, bad = 0;

	start(k);
	if (!k->d->offline_sql) {
		skip_optional(k, "offline_sql renders BEGIN, COMMIT and the version table DDL "
		              "without a connection", "offline_sql");
		return;
	}
	if ((rc = create_conn(k, &o, &k->url->pub, k->vt_off, 0)) != 0) {
		not_ok(k, "offline_sql renders BEGIN, COMMIT and the version table DDL without a "
		       "connection", "create %s", why(k, rc));
		return;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		rc = render(k, o, kinds[i].what, NULL, &text);
		if (rc != 0 || !text) {
			not_ok(k, "offline_sql renders BEGIN, COMMIT and the version table DDL without "
			       "a connection", "%s: %s", kinds[i].name, why(k, rc));
			bad = 1;
			break;
		}
		if (kinds[i].what == RETORT_OFFLINE_VERSION_DDL) {
			ddl = text;
			text = NULL;
		}
		rt_free(text);
		text = NULL;
	}
	if (!bad) {
		if (!ddl || !contains_ci(ddl, k->vt_off))
			not_ok(k, "offline_sql renders BEGIN, COMMIT and the version table DDL without "
			       "a connection", "the DDL does not name the version table %s: %s",
			       k->vt_off, ddl ? ddl : "NULL");
		else
			ok(k, "offline_sql renders BEGIN, COMMIT and the version table DDL without a "
			      "connection");
	}
	start(k);
	if (quote_ident(k, o, k->vt_off, &qt) == 0)
		del = rt_sprintf("DELETE FROM %s", qt);
	rc = del ? render(k, o, RETORT_OFFLINE_STATEMENT, del, &stmt) : RETORT_ENOMEM;
	if (rc != 0 || !stmt || !contains_ci(stmt, "DELETE FROM"))
		not_ok(k, "offline_sql renders a statement with its terminator", "%s",
		       stmt ? stmt : why(k, rc));
	else
		ok(k, "offline_sql renders a statement with its terminator");
	start(k);
	rc = render(k, o, RETORT_OFFLINE_VERSION_INSERT, "jjjj00000010", &ins);
	if (rc == RETORT_ENOTSUPPORTED) {
		skip(k, "offline_sql renders the version INSERT", "RETORT_ENOTSUPPORTED: the core "
		     "renders the standard INSERT");
	} else if (rc != 0 || !ins || !strstr(ins, "jjjj00000010")) {
		not_ok(k, "offline_sql renders the version INSERT", "%s", ins ? ins : why(k, rc));
	} else {
		ok(k, "offline_sql renders the version INSERT");
	}

	/* What was rendered offline runs on the database. */
	start(k);
	if (!ddl) {
		skip(k, "the rendered DDL, INSERT and statement run on the database",
		     "nothing rendered");
		goto done;
	}
	rc = call(k, k->d->connect, o);
	if (rc == 0)
		rc = run(k, o, ddl, 1);
	if (rc == 0 && ins)
		rc = run(k, o, ins, 1);
	if (rc != 0) {
		not_ok(k, "the rendered version table DDL and INSERT run on the database", "%s",
		       why(k, rc));
		goto done;
	}
	ok(k, "the rendered version table DDL and INSERT run on the database");
	expect_rows(k, o, ins ? "jjjj00000010" : "",
	            "the version table they made reads back through version_read");
	start(k);
	if (stmt && (rc = run(k, o, stmt, 1)) != 0)
		not_ok(k, "the rendered statement runs", "%s %s", stmt, why(k, rc));
	else
		ok(k, "the rendered statement runs");
	if (stmt)
		expect_rows(k, o, "", "the rendered DELETE emptied the table");
	drop_table(k, o, k->vt_off);
done:
	k->d->destroy(o);
	rt_free(ddl);
	rt_free(ins);
	rt_free(stmt);
	rt_free(del);
	rt_free(qt);
}

struct split_state {
	unsigned n, lines[4];
};

static int split_cb(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_state *s = payload;
	(void)stmt;
	(void)len;
	if (s->n < 4)
		s->lines[s->n] = line;
	s->n++;
	return 0;
}

static void check_split(struct kit *k)
{
	static const char sql[] = "CREATE TABLE t (x INTEGER);\n\nINSERT INTO t VALUES (';');\n";
	struct split_state s;
	int rc;
	if (!k->d->split && rt_dialect_split_rules(k->d, k->a) < 0) {
		skip(k, "split() gives each statement and its line", "split and split_rules not "
		     "provided (optional): the core splits on ';'");
		return;
	}
	memset(&s, 0, sizeof(s));
	start(k);
	reset(k);
	rc = rt_dialect_split(k->d, k->a, sql, strlen(sql), 5, split_cb, &s, &k->e);
	if (rc != 0)
		not_ok(k, "split() gives each statement and its line", "%s", why(k, rc));
	else if (s.n != 2 || s.lines[0] != 5 || s.lines[1] != 7)
		not_ok(k, "split() gives each statement and its line",
		       "%u statements, lines %u and %u (wanted 2: lines 5 and 7)", s.n, s.lines[0],
		       s.lines[1]);
	else
		ok(k, "split() gives each statement and its line");
}

/* ------------------------------------------------------------ ABI 1.1 */

struct qrows {
	char text[600];    /* rows as "a|b|NULL;" */
	unsigned n, stop_after;
};

static int qrow(const char *const *cols, size_t ncols, void *payload)
{
	struct qrows *r = payload;
	size_t i, len = strlen(r->text);
	for (i = 0; i < ncols && len < sizeof(r->text) - 2; i++) {
		int w = snprintf(r->text + len, sizeof(r->text) - len, "%s%s", i ? "|" : "",
		                 cols[i] ? cols[i] : "NULL");
		if (w < 0)
			break;
		len += (size_t)w < sizeof(r->text) - len ? (size_t)w : sizeof(r->text) - len - 1;
	}
	if (len < sizeof(r->text) - 1) {
		r->text[len++] = ';';
		r->text[len] = '\0';
	}
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

static int q(struct kit *k, const char *sql, const char *const *params, size_t n,
             struct qrows *rows, long *affected)
{
	if (rows)
		memset(rows, 0, sizeof(*rows));
	if (affected)
		*affected = -7;
	reset(k);
	return k->d->query(k->a, sql, params, n, rows ? qrow : NULL, rows, affected, &k->e);
}

static void check_column_type(struct kit *k, char types[4][64])
{
	static const char *const names[] = { "VARCHAR(64)", "TEXT", "BIGINT", "TIMESTAMP" };
	char tiny[2];
	int t;
	start(k);
	for (t = RETORT_TYPE_VARCHAR; t <= RETORT_TYPE_TIMESTAMP; t++) {
		if (k->d->column_type(k->a, t, 64, types[t - 1], 64) != 0 || !types[t - 1][0]) {
			not_ok(k, "column_type() spells the four portable types", "%s: returned -1 or "
			       "an empty string", names[t - 1]);
			return;
		}
	}
	if (!strstr(types[0], "64"))
		not_ok(k, "column_type() spells the four portable types", "VARCHAR(64) spelt '%s'",
		       types[0]);
	else
		ok(k, "column_type() spells the four portable types");
	start(k);
	if (k->d->column_type(k->a, 999, 0, tiny, sizeof(tiny) + 62) != -1)
		not_ok(k, "column_type() refuses an unknown type and a buffer too small",
		       "type 999 did not return -1");
	else if (k->d->column_type(k->a, RETORT_TYPE_VARCHAR, 64, tiny, sizeof(tiny)) != -1)
		not_ok(k, "column_type() refuses an unknown type and a buffer too small",
		       "VARCHAR(64) in 2 bytes did not return -1");
	else
		ok(k, "column_type() refuses an unknown type and a buffer too small");
}

/* ABI 1.3: the statement naming the session's user gives one row whose
 * first column is a name (retort records it in retort_audit.db_user). */
static void check_session_user(struct kit *k)
{
	static const char desc[] = "session_user_sql() gives one row naming the session's user";
	const char *sql;
	struct qrows rows;
	int rc;

	if (!RT_DIALECT_HAS(k->d, session_user_sql) || !k->d->session_user_sql) {
		skip(k, desc, "no session_user_sql (ABI 1.3): the URL's user is recorded");
		return;
	}
	start(k);
	if (!(sql = k->d->session_user_sql(k->a))) {
		ok(k, "session_user_sql() returns NULL: the database has no users");
		return;
	}
	if (!RT_DIALECT_HAS(k->d, query) || !k->d->query) {
		not_ok(k, desc, "it is set, but query() that runs it is not");
		return;
	}
	rc = q(k, sql, NULL, 0, &rows, NULL);
	if (rc != 0)
		not_ok(k, desc, "%s: %s", sql, why(k, rc));
	else if (rows.n != 1 || rows.text[0] == ';' ||
	         strncmp(rows.text, "NULL;", 5) == 0 || strncmp(rows.text, "NULL|", 5) == 0)
		not_ok(k, desc, "%s gave rows: %s", sql, rows.n ? rows.text : "(none)");
	else
		ok(k, desc);
}

static void check_query(struct kit *k)
{
	static const char big[] = "9223372036854775807";
	char types[4][64], tname[64], *qt = NULL, *sql = NULL;
	struct qrows rows;
	long affected;
	int rc;

	if (!RT_DIALECT_HAS(k->d, column_type) || !k->d->column_type) {
		skip(k, "column_type() spells the four portable types",
		     "column_type not provided (optional, ABI 1.1)");
		memcpy(types[0], "VARCHAR(64)", 12);
		memcpy(types[1], "VARCHAR(255)", 13);
		memcpy(types[2], "BIGINT", 7);
		memcpy(types[3], "TIMESTAMP", 10);
	} else {
		check_column_type(k, types);
	}
	if (!RT_DIALECT_HAS(k->d, query) || !k->d->query) {
		skip(k, "query() runs one statement with bound parameters",
		     "query not provided (optional, ABI 1.1)");
		return;
	}
	snprintf(tname, sizeof(tname), "%s_q", k->vt);
	start(k);
	if (quote_ident(k, k->a, tname, &qt) != 0 ||
	    !(sql = rt_sprintf("CREATE TABLE %s (a %s, b %s, c %s, d %s)", qt, types[0], types[1],
	                       types[2], types[3])) || (rc = run(k, k->a, sql, 1)) != 0) {
		not_ok(k, "a table of the four column types is created", "%s %s", sql ? sql : "",
		       why(k, -1));
		goto done;
	}
	ok(k, "a table of the four column types is created");

#define SQL(...) (rt_free(sql), sql = rt_sprintf(__VA_ARGS__))
	start(k);
	{
		const char *p[] = { "x?y", "long text", big, NULL };
		rc = SQL("INSERT INTO %s (a, b, c, d) VALUES (?, ?, ?, ?)", qt)
		             ? q(k, sql, p, 4, NULL, &affected) : RETORT_ENOMEM;
	}
	if (rc != 0)
		not_ok(k, "query() INSERTs with four bound parameters, one SQL NULL", "%s", why(k, rc));
	else if (affected != 1 && affected != -1)
		not_ok(k, "query() INSERTs with four bound parameters, one SQL NULL",
		       "*affected is %ld", affected);
	else
		ok(k, "query() INSERTs with four bound parameters, one SQL NULL");

	start(k);
	{
		const char *p[] = { "x?y" };
		rc = SQL("SELECT a, b, c, d FROM %s WHERE a = ?", qt)
		             ? q(k, sql, p, 1, &rows, NULL) : RETORT_ENOMEM;
	}
	if (rc != 0)
		not_ok(k, "query() SELECTs the row back as text, SQL NULL as NULL", "%s", why(k, rc));
	else if (strcmp(rows.text, "x?y|long text|9223372036854775807|NULL;") != 0)
		not_ok(k, "query() SELECTs the row back as text, SQL NULL as NULL", "rows: %s",
		       rows.text);
	else
		ok(k, "query() SELECTs the row back as text, SQL NULL as NULL");

	start(k);
	{
		const char *p[] = { big };
		rc = SQL("SELECT a FROM %s WHERE a <> '?' AND c = ?", qt)
		             ? q(k, sql, p, 1, &rows, NULL) : RETORT_ENOMEM;
	}
	if (rc != 0 || strcmp(rows.text, "x?y;") != 0)
		not_ok(k, "a '?' inside a string literal is not a placeholder", "%s",
		       rc ? why(k, rc) : rows.text);
	else
		ok(k, "a '?' inside a string literal is not a placeholder");

	start(k);
	{
		const char *p[] = { "changed", big };
		rc = SQL("UPDATE %s SET b = ? WHERE c = ?", qt)
		             ? q(k, sql, p, 2, NULL, &affected) : RETORT_ENOMEM;
	}
	if (rc != 0 || (affected != 1 && affected != -1))
		not_ok(k, "query() UPDATE gives *affected 1 (or -1: unknown)", "%s",
		       rc ? why(k, rc) : "wrong *affected");
	else
		ok(k, "query() UPDATE gives *affected 1 (or -1: unknown)");

	start(k);
	{
		const char *p[] = { "second", NULL, "2", NULL };
		rc = SQL("INSERT INTO %s (a, b, c, d) VALUES (?, ?, ?, ?)", qt)
		             ? q(k, sql, p, 4, NULL, NULL) : RETORT_ENOMEM;
		if (rc == 0 && SQL("SELECT a FROM %s", qt)) {
			memset(&rows, 0, sizeof(rows));
			rows.stop_after = 1;
			reset(k);
			rc = k->d->query(k->a, sql, NULL, 0, qrow, &rows, NULL, &k->e);
		}
	}
	if (rc != 0 || rows.n != 1)
		not_ok(k, "a row callback returning non-zero stops the rows, and query() returns 0",
		       "%s", rc ? why(k, rc) : "the callback ran again");
	else
		ok(k, "a row callback returning non-zero stops the rows, and query() returns 0");

	start(k);
	rc = call(k, k->d->begin, k->a);
	if (rc == 0) {
		const char *p[] = { "rolledback", NULL, "3", NULL };
		rc = SQL("INSERT INTO %s (a, b, c, d) VALUES (?, ?, ?, ?)", qt)
		             ? q(k, sql, p, 4, NULL, NULL) : RETORT_ENOMEM;
		call(k, k->d->rollback, k->a);
	}
	if (rc == 0 && SQL("SELECT a FROM %s WHERE c = 3", qt))
		rc = q(k, sql, NULL, 0, &rows, NULL);
	if (rc != 0 || rows.n != 0)
		not_ok(k, "query() works inside the open transaction (rolled back: gone)", "%s",
		       rc ? why(k, rc) : rows.text);
	else
		ok(k, "query() works inside the open transaction (rolled back: gone)");

	start(k);
	{
		const char *p[] = { "a", "b" };
		rc = SQL("SELECT a FROM %s WHERE a = ?", qt) ? q(k, sql, p, 2, NULL, NULL) : 0;
	}
	if (rc == 0)
		not_ok(k, "query() fails on a wrong parameter count", "returned 0");
	else
		ok(k, "query() fails on a wrong parameter count");
	start(k);
	rc = SQL("SELECT x FROM %s", k->missing) ? q(k, sql, NULL, 0, NULL, NULL) : 0;
	if (rc == 0 || !k->e.message)
		not_ok(k, "query() fails on a bad statement, with a message", "%s",
		       rc == 0 ? "returned 0" : "no message");
	else
		ok(k, "query() fails on a bad statement, with a message");
#undef SQL
	drop_table(k, k->a, tname);
done:
	rt_free(qt);
	rt_free(sql);
}

/* ------------------------------------------------------------ main */

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: retort-dialect-check MODULE URL\n\n"
	           "Drive the dialect plugin MODULE (a path, or a name searched in\n"
	           "$RETORT_PLUGIN_PATH and the installed plugin directory) through\n"
	           "retort's plugin contract against the database at URL, which must\n"
	           "accept CREATE TABLE.  Prints one TAP line per check; exits 0 only\n"
	           "if all pass (1 otherwise, 2 on a usage error).  See retort-dialect(7).\n");
	return status;
}

int main(int argc, char **argv)
{
	struct kit k;
	struct rt_err err = { 0, NULL };
	struct rt_registry reg;
	struct rt_registry_entry e;
	unsigned tag;
	const char *base;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return usage(stdout, 0);
	if (argc != 3 || !*argv[1] || !*argv[2])
		return usage(stderr, 2);
	memset(&k, 0, sizeof(k));
	rt_dialect_error_init(&k.e);
	rt_host_set_log_level(RETORT_LOG_WARNING);
	signal(SIGALRM, on_alarm);

	if (rt_url_parse(&k.url, argv[2], &err) < 0) {
		fprintf(stderr, "retort-dialect-check: %s\n", err.msg ? err.msg : "out of memory");
		rt_err_clear(&err);
		return 2;
	}
	tag = (unsigned)getpid() ^ (unsigned)time(NULL) * 2654435761u;
	snprintf(k.vt, sizeof(k.vt), "rt_kit_%06x_v", tag & 0xffffffu);
	snprintf(k.vt_off, sizeof(k.vt_off), "rt_kit_%06x_o", tag & 0xffffffu);
	snprintf(k.missing, sizeof(k.missing), "rt_kit_%06x_missing", tag & 0xffffffu);

	/* Load it as retort would, from a registry of one entry. */
	memset(&e, 0, sizeof(e));
	base = strrchr(argv[1], '/');
	e.name = (char *)(base ? base + 1 : argv[1]);
	e.module = argv[1];
	e.source = (char *)"the command line";
	if (rt_strvec_push(&e.schemes, k.url->pub.scheme) < 0) {
		fprintf(stderr, "retort-dialect-check: out of memory\n");
		return 2;
	}
	memset(&reg, 0, sizeof(reg));
	reg.entries = &e;
	reg.n = 1;
	start(&k);
	rc = rt_loader_load(&k.d, &reg, k.url->pub.scheme, NULL, &err);
	rt_strvec_free(&e.schemes);
	if (rc < 0) {
		not_ok(&k, "the module loads", "%s", err.msg ? err.msg : "out of memory");
		rt_err_clear(&err);
		goto out;
	}
	{
		char desc[400];
		snprintf(desc, sizeof(desc), "the module loads: dialect %s %s, ABI %u.%u, "
		         "struct_size %zu", k.d->name ? k.d->name : "?",
		         k.d->version ? k.d->version : "?", k.d->abi_major, k.d->abi_minor,
		         k.d->struct_size);
		ok(&k, desc);
	}
	if (check_descriptor(&k) < 0)
		goto out;
	check_create(&k);
	if (check_connect(&k) < 0)
		goto out;
	check_version_table(&k);
	check_transactions(&k);
	check_failure(&k);
	check_quoting(&k);
	check_split(&k);
	check_lock(&k);
	check_offline(&k);
	check_query(&k);
	check_session_user(&k);

	start(&k);
	drop_table(&k, k.a, k.vt);
	{
		char got[64];
		if (rows_of(&k, k.a, got, sizeof(got)) == RETORT_ENOTFOUND)
			ok(&k, "cleanup: the kit's version table is dropped");
		else
			not_ok(&k, "cleanup: the kit's version table is dropped", "it is still there");
	}
out:
	if (k.d) {
		k.d->destroy(k.b);
		k.d->destroy(k.a);
	}
	rt_dialect_error_free(&k.e);
	rt_url_free(k.url);
	printf("1..%d\n", k.n);
	if (k.failed)
		printf("# %d of %d checks failed\n", k.failed, k.n);
	return k.failed ? 1 : 0;
}
