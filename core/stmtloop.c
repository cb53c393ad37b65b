/* SPDX-License-Identifier: MIT */
/*
 * core/stmtloop.c - the statement loop (see stmtloop.h).
 */
#include "stmtloop.h"

#include "host.h"
#include "loader.h"
#include "mask.h"

long rt_dialect_split_rules(const struct retort_dialect *d, const struct retort_conn *conn)
{
	if (RT_DIALECT_HAS(d, split_rules) && d->split_rules)
		return (long)d->split_rules(conn);
	return -1;
}

int rt_dialect_split(const struct retort_dialect *d, const struct retort_conn *conn,
                     const char *sql, size_t len, unsigned first_line, retort_stmt_cb cb,
                     void *payload, struct retort_error *err)
{
	long rules = rt_dialect_split_rules(d, conn);
	if (rules < 0 && d->split)
		return d->split(conn, sql, len, first_line, cb, payload, err);
	return rt_host()->split(sql, len, rules < 0 ? RETORT_SPLIT_GENERIC : (unsigned)rules,
	                        first_line, cb, payload, err);
}

static int count_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	(void)stmt;
	(void)len;
	(void)line;
	++*(unsigned *)payload;
	return 0;
}

struct loop {
	const struct retort_dialect *d;
	const struct rt_exec_opts *obs;
	struct retort_conn *conn;
	struct retort_error *err;
	unsigned index;   /* 1-based number of the statement running */
	int rc;           /* its failure */
};

static int run_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct loop *x = payload;
	int rc;

	x->index++;
	if (x->obs && x->obs->start)
		x->obs->start(x->obs->payload, x->index, line, stmt, len);
	rc = x->d->execute_statement(x->conn, stmt, len, line, x->err);
	if (x->obs && x->obs->done)
		x->obs->done(x->obs->payload, rc == 0);
	if (rc == 0)
		return 0;
	x->rc = rc < 0 ? rc : RETORT_EDB;
	if (x->err->code == 0)
		x->err->code = x->rc;
	if (!x->err->message)
		rt_host()->error_set(x->err, x->rc, "statement %u failed (code %d)", x->index, rc);
	/* the promise: an error names the failing statement and its line */
	if (!x->err->statement) {
		rt_host()->error_statement(x->err, x->index, line, stmt, len);
	} else {
		/* the plugin attached its own text (masked, or more precise) */
		if (x->err->stmt_index == 0)
			x->err->stmt_index = x->index;
		if (x->err->stmt_line == 0)
			x->err->stmt_line = line;
	}
	return 1;
}

/* Mask the error's message and statement by the policy for url's secrets. */
static int mask_error(struct retort_error *err, const struct retort_url *url)
{
	char **secrets = rt_url_secrets(url);
	char *m;
	if (!secrets)
		return RETORT_ENOMEM;
	if (err->message) {
		if (!(m = rt_mask(err->message, (const char *const *)secrets, 0)))
			goto oom;
		rt_free(err->message);
		err->message = m;
	}
	if (err->statement) {
		if (!(m = rt_mask(err->statement, (const char *const *)secrets, 0)))
			goto oom;
		rt_free(err->statement);
		err->statement = m;
	}
	rt_secrets_free(secrets);
	return 0;
oom:
	rt_secrets_free(secrets);
	return RETORT_ENOMEM;
}

/* The section's outcome, its error masked (out of memory: nothing shown). */
static int masked(int rc, struct retort_error *err, const struct retort_url *url)
{
	if (rc >= 0 || mask_error(err, url) == 0)
		return rc;
	rt_free(err->message);
	rt_free(err->statement);
	err->message = err->statement = NULL;
	err->code = RETORT_ENOMEM;
	return RETORT_ENOMEM;
}

int rt_dialect_has_loop(const struct retort_dialect *d)
{
	return RT_DIALECT_HAS(d, execute_statement) && d->execute_statement != NULL;
}

int rt_dialect_execute(const struct retort_dialect *d, struct retort_conn *conn,
                       const char *sql, size_t len, unsigned first_line,
                       const struct rt_exec_opts *opts, struct retort_error *err)
{
	const struct retort_url *url = opts ? opts->url : NULL;
	struct loop x;
	unsigned count = 0;
	int rc, has_section;

	if (!rt_dialect_has_loop(d))
		return masked(d->execute(conn, sql, len, first_line, err), err, url);

	/* lexical errors first: nothing runs from a script that cannot be split */
	rc = rt_dialect_split(d, conn, sql, len, first_line, count_one, &count, err);
	if (rc < 0)
		return masked(rc, err, url);
	has_section = RT_DIALECT_HAS(d, section) && d->section;
	if (has_section && (rc = d->section(conn, RETORT_SECTION_BEGIN, 0, err)) < 0)
		return masked(rc, err, url);
	x.d = d;
	x.obs = opts;
	x.conn = conn;
	x.err = err;
	x.index = 0;
	x.rc = 0;
	rc = rt_dialect_split(d, conn, sql, len, first_line, run_one, &x, err);
	if (rc != 0)
		rc = x.rc < 0 ? x.rc : (rc < 0 ? rc : RETORT_ERROR);
	if (has_section)
		rc = d->section(conn, RETORT_SECTION_END, rc, err);
	return masked(rc, err, url);
}
