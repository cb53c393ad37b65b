/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/engine/fake_dialect.c - the recording fake dialect.  See
 * fake_dialect.h.
 */
#include "fake_dialect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static struct fake_conn *current;

static void log_call(struct fake_conn *c, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (c->n_log < FAKE_MAX_LOG)
		c->log[c->n_log++] = strdup(line);
}

/* Count a call of `kind`; non-zero when it is the one to fail (err set). */
static int should_fail(struct fake_conn *c, enum fake_kind kind, struct retort_error *err)
{
	unsigned times = c->fail_times ? c->fail_times : 1;
	c->counts[kind]++;
	if ((int)kind != c->fail_kind || c->counts[kind] < c->fail_nth ||
	    c->counts[kind] >= c->fail_nth + times)
		return 0;
	rt_host()->error_set(err, c->fail_code, "injected failure");
	if (c->fail_sqlstate[0])
		rt_host()->error_db(err, c->fail_sqlstate, 1213);
	return 1;
}

/* Autocommit: outside a transaction a change is committed at once. */
static void autocommit(struct fake_conn *c)
{
	if (!c->in_tx)
		c->committed = c->work;
}

/* Without transactional DDL, DDL commits implicitly, with whatever the
 * transaction had done before it (MySQL, Oracle). */
static void ddl_commit(struct fake_conn *c)
{
	if (!c->in_tx || !(c->caps & RETORT_CAP_TRANSACTIONAL_DDL))
		c->committed = c->work;
}

static int f_create(struct retort_conn **out, const struct retort_url *url,
                    const struct retort_dialect_options *opts, struct retort_error *err)
{
	(void)url;
	(void)opts;
	(void)err;
	*out = (struct retort_conn *)current;
	return 0;
}

static int f_connect(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "connect");
	return should_fail(c, FAKE_CONNECT, err) ? c->fail_code : 0;
}

static void f_destroy(struct retort_conn *conn)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	if (c) {
		/* closing a session rolls back what it did not commit */
		c->work = c->committed;
		c->in_tx = 0;
		c->destroyed = 1;
	}
}

static unsigned f_caps(const struct retort_conn *conn)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	c->counts[FAKE_CAPS]++;
	return c->caps;
}

static int f_begin(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "begin");
	if (should_fail(c, FAKE_BEGIN, err))
		return c->fail_code;
	if (c->in_tx)
		return rt_host()->error_set(err, RETORT_ERROR, "begin inside a transaction");
	c->in_tx = 1;
	return 0;
}

static int f_commit(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "commit");
	if (!c->in_tx)
		return rt_host()->error_set(err, RETORT_ERROR, "commit outside a transaction");
	c->in_tx = 0;
	if (should_fail(c, FAKE_COMMIT, err)) {
		/* a commit that fails aborts the transaction */
		c->work = c->committed;
		return c->fail_code;
	}
	c->committed = c->work;
	return 0;
}

static int f_rollback(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "rollback");
	if (should_fail(c, FAKE_ROLLBACK, err))
		return c->fail_code;
	if (!c->in_tx)
		return rt_host()->error_set(err, RETORT_ERROR, "rollback outside a transaction");
	c->in_tx = 0;
	c->work = c->committed;
	return 0;
}

/* The section's text without blanks around it and without the final ';'. */
static void section_text(char *out, size_t cap, const char *sql, size_t len)
{
	while (len && (*sql == ' ' || *sql == '\n' || *sql == '\t'))
		sql++, len--;
	while (len && (sql[len - 1] == ' ' || sql[len - 1] == '\n' || sql[len - 1] == ';'))
		len--;
	snprintf(out, cap, "%.*s", (int)len, sql);
}

static int f_execute(struct retort_conn *conn, const char *sql, size_t len, unsigned first_line,
                     struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	char text[64];
	(void)first_line;
	section_text(text, sizeof(text), sql, len);
	log_call(c, "exec %s", text);
	if (should_fail(c, FAKE_EXECUTE, err)) {
		rt_host()->error_statement(err, 1, first_line, sql, len);
		return c->fail_code;
	}
	if (c->work.n_applied < FAKE_MAX_ROWS)
		snprintf(c->work.applied[c->work.n_applied++], sizeof(c->work.applied[0]), "%s", text);
	ddl_commit(c);
	return 0;
}

static int f_version_read(struct retort_conn *conn, retort_row_cb cb, void *payload,
                          struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	size_t i;
	log_call(c, "read");
	if (should_fail(c, FAKE_VERSION_READ, err))
		return c->fail_code;
	if (!c->work.table_exists)
		return RETORT_ENOTFOUND;
	for (i = 0; i < c->work.n_rows; i++)
		if (cb(c->work.rows[i], payload) < 0)
			return rt_host()->error_set(err, RETORT_ENOMEM, "callback failed");
	return 0;
}

static int f_version_create(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "create");
	if (should_fail(c, FAKE_VERSION_CREATE, err))
		return c->fail_code;
	c->work.table_exists = 1;
	ddl_commit(c);
	return 0;
}

static int find_row(const struct fake_db *db, const char *rev)
{
	size_t i;
	for (i = 0; i < db->n_rows; i++)
		if (strcmp(db->rows[i], rev) == 0)
			return (int)i;
	return -1;
}

static int f_version_insert(struct retort_conn *conn, const char *rev, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "insert %s", rev);
	if (should_fail(c, FAKE_VERSION_INSERT, err))
		return c->fail_code;
	if (!c->work.table_exists || find_row(&c->work, rev) >= 0 || c->work.n_rows >= FAKE_MAX_ROWS)
		return rt_host()->error_set(err, RETORT_EDB, "insert %s: no table or duplicate", rev);
	snprintf(c->work.rows[c->work.n_rows++], sizeof(c->work.rows[0]), "%s", rev);
	autocommit(c);
	return 0;
}

static int f_version_update(struct retort_conn *conn, const char *from, const char *to,
                            struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	int i;
	log_call(c, "update %s %s", from, to);
	if (should_fail(c, FAKE_VERSION_UPDATE, err))
		return c->fail_code;
	if ((i = find_row(&c->work, from)) < 0)
		return rt_host()->error_set(err, RETORT_ERROR, "update %s: no such row", from);
	snprintf(c->work.rows[i], sizeof(c->work.rows[0]), "%s", to);
	autocommit(c);
	return 0;
}

static int f_version_delete(struct retort_conn *conn, const char *rev, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	int i;
	log_call(c, "delete %s", rev);
	if (should_fail(c, FAKE_VERSION_DELETE, err))
		return c->fail_code;
	if ((i = find_row(&c->work, rev)) < 0)
		return rt_host()->error_set(err, RETORT_ERROR, "delete %s: no such row", rev);
	memmove(c->work.rows[i], c->work.rows[i + 1],
	        (c->work.n_rows - (size_t)i - 1) * sizeof(c->work.rows[0]));
	c->work.n_rows--;
	autocommit(c);
	return 0;
}

static int f_lock(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "lock");
	return should_fail(c, FAKE_LOCK, err) ? c->fail_code : 0;
}

static int f_unlock(struct retort_conn *conn, struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	log_call(c, "unlock");
	return should_fail(c, FAKE_UNLOCK, err) ? c->fail_code : 0;
}

/* ------------------------------------------------------------ side tables */

static int side_table(const char *sql)
{
	if (strstr(sql, "retort_history"))
		return 1;
	if (strstr(sql, "retort_audit"))
		return 2;
	return 0;
}

/* Split "a, b, c" (up to `end`) into names. */
static size_t names(char out[][24], size_t cap, const char *p, const char *end)
{
	size_t n = 0;
	while (p < end && n < cap) {
		size_t len;
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		len = strcspn(p, ", )");
		if (p + len > end)
			len = (size_t)(end - p);
		if (len == 0)
			break;
		snprintf(out[n++], 24, "%.*s", (int)len, p);
		p += len;
	}
	return n;
}

static int col_index(const struct fake_conn *c, int t, const char *name)
{
	size_t i;
	for (i = 0; i < c->n_side_cols[t]; i++)
		if (strcmp(c->side_cols[t][i], name) == 0)
			return (int)i;
	return -1;
}

static int side_select(struct fake_conn *c, int t, const char *sql, const char *const *params,
                       size_t nparams, retort_query_row_cb cb, void *payload)
{
	char want[FAKE_SIDE_COLS][24], ids[FAKE_SIDE_COLS][24];
	const char *cols[FAKE_SIDE_COLS];
	const char *from = strstr(sql, " FROM ");
	int desc = strstr(sql, " DESC") != NULL;
	int notnull = strstr(sql, "rows_after IS NOT NULL") != NULL;
	size_t nw, k, i, ord[FAKE_MAX_SIDE], nord = 0;
	nw = names(want, FAKE_SIDE_COLS, sql + 7, from);
	for (i = 0; i < c->work.n_side; i++)
		if (c->work.side[i].table == t)
			ord[nord++] = i;
	for (k = 0; k < nord; k++) {
		size_t pos = desc ? nord - 1 - k : k;
		const struct fake_side_row *r = &c->work.side[ord[pos]];
		int vt = col_index(c, t, "version_table"), ra = col_index(c, t, "rows_after");
		if (nparams > 0 && vt >= 0 && strcmp(r->vals[vt], params[0]) != 0)
			continue;
		if (notnull && ra >= 0 && (r->nulls & (1u << ra)))
			continue;
		for (i = 0; i < nw; i++) {
			int j = col_index(c, t, want[i]);
			if (strcmp(want[i], "id") == 0) {
				snprintf(ids[i], sizeof(ids[i]), "%zu", pos + 1);
				cols[i] = ids[i];
			} else {
				cols[i] = j < 0 || (r->nulls & (1u << j)) ? NULL : r->vals[j];
			}
		}
		if (cb && cb(cols, nw, payload) != 0)
			break;
	}
	return 0;
}

static int f_query(struct retort_conn *conn, const char *sql, const char *const *params,
                   size_t nparams, retort_query_row_cb cb, void *payload, long *affected,
                   struct retort_error *err)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	int t = side_table(sql);
	const char *tname = t == 1 ? "history" : t == 2 ? "audit" : "?";
	size_t i;

	if (affected)
		*affected = -1;
	if (strcmp(sql, "SELECT session_user") == 0) { /* a session_user_sql a test sets */
		const char *user[1] = { "fake_user" };
		log_call(c, "select session_user");
		if (should_fail(c, FAKE_QUERY, err))
			return c->fail_code;
		if (cb)
			cb(user, 1, payload);
		return 0;
	}
	if (strncmp(sql, "INSERT", 6) == 0 && t == 1 && nparams > 2)
		log_call(c, "history %s %s", params[1] ? params[1] : "NULL", params[2]);
	else if (strncmp(sql, "INSERT", 6) == 0 && t == 2 && nparams > 11)
		log_call(c, "audit %s %s", params[2], params[11]);
	else if (strncmp(sql, "CREATE TABLE", 12) == 0)
		log_call(c, "create %s", tname);
	else if (strncmp(sql, "SELECT 1 FROM", 13) == 0)
		log_call(c, "probe %s", tname);
	else
		log_call(c, "select %s", tname);
	if (should_fail(c, FAKE_QUERY, err))
		return c->fail_code;
	if (!t)
		return rt_host()->error_set(err, RETORT_EDB, "the fake knows no such statement");
	if (strncmp(sql, "CREATE TABLE", 12) == 0) {
		if (c->work.side_tables & (1u << t))
			return rt_host()->error_set(err, RETORT_EDB, "table %s already exists", tname);
		c->work.side_tables |= 1u << t;
		ddl_commit(c);
		return 0;
	}
	if (!(c->work.side_tables & (1u << t)))
		return rt_host()->error_set(err, RETORT_EDB, "no such table: retort_%s", tname);
	if (strncmp(sql, "SELECT 1 FROM", 13) == 0)
		return 0;
	if (strncmp(sql, "INSERT", 6) == 0) {
		const char *open = strchr(sql, '('), *close = open ? strchr(open, ')') : NULL;
		char all[FAKE_SIDE_COLS + 1][24];
		struct fake_side_row *r;
		size_t n;
		if (!close || c->work.n_side >= FAKE_MAX_SIDE)
			return rt_host()->error_set(err, RETORT_EDB, "fake: bad INSERT or table full");
		n = names(all, FAKE_SIDE_COLS + 1, open + 1, close);
		c->n_side_cols[t] = n - 1;
		for (i = 1; i < n; i++)
			snprintf(c->side_cols[t][i - 1], 24, "%s", all[i]);
		r = &c->work.side[c->work.n_side++];
		memset(r, 0, sizeof(*r));
		r->table = t;
		for (i = 0; i < nparams && i < FAKE_SIDE_COLS; i++) {
			if (params[i])
				snprintf(r->vals[i], FAKE_SIDE_VAL, "%s", params[i]);
			else
				r->nulls |= 1u << i;
		}
		if (affected)
			*affected = 1;
		autocommit(c);
		return 0;
	}
	return side_select(c, t, sql, params, nparams, cb, payload);
}

static int f_column_type(const struct retort_conn *conn, int type, unsigned length, char *out,
                         size_t outsz)
{
	int n;
	(void)conn;
	switch (type) {
	case RETORT_TYPE_VARCHAR: n = snprintf(out, outsz, "VARCHAR(%u)", length); break;
	case RETORT_TYPE_TEXT: n = snprintf(out, outsz, "TEXT"); break;
	case RETORT_TYPE_BIGINT: n = snprintf(out, outsz, "BIGINT"); break;
	case RETORT_TYPE_TIMESTAMP: n = snprintf(out, outsz, "TIMESTAMP"); break;
	default: return -1;
	}
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static const char *const fake_schemes[] = { "fake", NULL };

const struct retort_dialect fake_dialect = {
	RETORT_DIALECT_ABI_MAJOR, RETORT_DIALECT_ABI_MINOR, sizeof(struct retort_dialect),
	"fake", "recording fake dialect for tests", "0", fake_schemes,
	NULL, NULL,
	f_create, f_connect, f_destroy, f_caps,
	f_begin, f_commit, f_rollback,
	f_execute, NULL,
	f_version_read, f_version_create, f_version_insert, f_version_update, f_version_delete,
	f_lock, f_unlock,
	NULL, NULL, NULL,
	f_query, f_column_type, /* ABI 1.1 */
	NULL, NULL, NULL, /* ABI 1.2: none, execute() runs whole sections */
	NULL,             /* ABI 1.3: session_user_sql */
};

void fake_init(struct fake_conn *c, unsigned caps)
{
	memset(c, 0, sizeof(*c));
	c->caps = caps;
	c->fail_kind = -1;
	c->fail_code = RETORT_EDB;
	current = c;
}

void fake_clear(struct fake_conn *c)
{
	size_t i;
	for (i = 0; i < c->n_log; i++)
		free(c->log[i]);
	c->n_log = 0;
}

void fake_fail_at(struct fake_conn *c, enum fake_kind kind, unsigned nth, int code)
{
	c->fail_kind = (int)kind;
	c->fail_nth = nth;
	c->fail_code = code ? code : RETORT_EDB;
}

const char *fake_log_text(const struct fake_conn *c)
{
	static char buf[4096];
	size_t i, n = 0;
	buf[0] = '\0';
	for (i = 0; i < c->n_log && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "; " : "", c->log[i]);
	return buf;
}

static int cmp_row(const void *a, const void *b) { return strcmp(a, b); }

const char *fake_rows_text(const struct fake_conn *c)
{
	static char buf[FAKE_MAX_ROWS * 34 + 1];
	char rows[FAKE_MAX_ROWS][33];
	size_t i, n = 0;
	memcpy(rows, c->committed.rows, sizeof(rows));
	qsort(rows, c->committed.n_rows, sizeof(rows[0]), cmp_row);
	buf[0] = '\0';
	for (i = 0; i < c->committed.n_rows; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", rows[i]);
	return buf;
}

const char *fake_applied_text(const struct fake_conn *c)
{
	static char buf[FAKE_MAX_ROWS * 66 + 1];
	size_t i, n = 0;
	buf[0] = '\0';
	for (i = 0; i < c->committed.n_applied; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "",
		                      c->committed.applied[i]);
	return buf;
}

const char *fake_side_text(const struct fake_conn *c, int table, const char *cols)
{
	static char buf[4096];
	char want[FAKE_SIDE_COLS][24];
	size_t nw, i, k, n = 0;
	int first = 1;
	buf[0] = '\0';
	nw = names(want, FAKE_SIDE_COLS, cols, cols + strlen(cols));
	for (i = 0; i < c->committed.n_side; i++) {
		const struct fake_side_row *r = &c->committed.side[i];
		if (r->table != table)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", first ? "" : "; ");
		first = 0;
		for (k = 0; k < nw && n < sizeof(buf); k++) {
			int j = col_index(c, table, want[k]);
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", k ? " " : "",
			                      j < 0 || (r->nulls & (1u << j)) ? "NULL" : r->vals[j]);
		}
		if (n >= sizeof(buf))
			break;
	}
	return buf;
}
