/* SPDX-License-Identifier: MIT */
/*
 * core/history.c - retort_history and retort_audit.  See history.h.
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "offline.h"
#include "script.h"
#include "settings.h"
#include "sidequery.h"
#include "url.h"

/* ------------------------------------------------------------ the tables */

struct col {
	const char *name;
	int type;              /* enum retort_column_type */
	unsigned len;          /* VARCHAR length; also the longest value kept */
	int not_null;
	int number;            /* a number: offline renders it bare */
};

/* The longest text kept in a TEXT column (MySQL's TEXT holds 64 KiB). */
#define TEXT_MAX 8192

static const struct col hist_cols[] = {
	{ "id", RETORT_TYPE_BIGINT, 0, 1, 1 },
	{ "version_table", RETORT_TYPE_VARCHAR, 128, 1, 0 },
	{ "revision", RETORT_TYPE_VARCHAR, 32, 1, 0 },
	{ "direction", RETORT_TYPE_VARCHAR, 16, 1, 0 },
	{ "checksum", RETORT_TYPE_VARCHAR, 64, 0, 0 },
	{ "algorithm", RETORT_TYPE_VARCHAR, 32, 0, 0 },
	{ "script", RETORT_TYPE_TEXT, 0, 0, 0 },
	{ "applied_at", RETORT_TYPE_TIMESTAMP, 0, 1, 0 },
	{ "run_id", RETORT_TYPE_VARCHAR, 24, 1, 0 },
	{ "retort_version", RETORT_TYPE_VARCHAR, 32, 1, 0 },
};
#define N_HIST (sizeof(hist_cols) / sizeof(hist_cols[0]))

static const struct col audit_cols[] = {
	{ "id", RETORT_TYPE_BIGINT, 0, 1, 1 },
	{ "run_id", RETORT_TYPE_VARCHAR, 24, 1, 0 },
	{ "version_table", RETORT_TYPE_VARCHAR, 128, 1, 0 },
	{ "command", RETORT_TYPE_VARCHAR, 32, 1, 0 },
	{ "command_line", RETORT_TYPE_TEXT, 0, 1, 0 },
	{ "os_user", RETORT_TYPE_VARCHAR, 255, 0, 0 },
	{ "db_user", RETORT_TYPE_VARCHAR, 255, 0, 0 },
	{ "host", RETORT_TYPE_VARCHAR, 255, 0, 0 },
	{ "started_at", RETORT_TYPE_TIMESTAMP, 0, 1, 0 },
	{ "duration_ms", RETORT_TYPE_BIGINT, 0, 1, 1 },
	{ "rows_before", RETORT_TYPE_TEXT, 0, 0, 0 },
	{ "rows_after", RETORT_TYPE_TEXT, 0, 0, 0 },
	{ "outcome", RETORT_TYPE_VARCHAR, 16, 1, 0 },
	{ "message", RETORT_TYPE_TEXT, 0, 0, 0 },
	{ "retort_version", RETORT_TYPE_VARCHAR, 32, 1, 0 },
	{ "tag", RETORT_TYPE_TEXT, 0, 0, 0 },
};
#define N_AUDIT (sizeof(audit_cols) / sizeof(audit_cols[0]))

int rt_history_supported(const struct rt_db *db)
{
	return rt_db_can_query(db) && rt_db_can_column_type(db);
}

int rt_history_init(struct rt_history *h, struct rt_db *db, const struct rt_settings *cfg,
                    const struct rt_graph *g, struct rt_err *err)
{
	memset(h, 0, sizeof(*h));
	h->db = db;
	h->g = g;
	h->version_table = cfg->version_table;
	h->base_dir = cfg->dir;
	if (rt_offline_table_name(&h->t_history, db, RT_HISTORY_TABLE, cfg->version_table_schema,
	                          err) < 0 ||
	    rt_offline_table_name(&h->t_audit, db, RT_AUDIT_TABLE, cfg->version_table_schema,
	                          err) < 0) {
		rt_history_free(h);
		return -1;
	}
	return 0;
}

void rt_history_free(struct rt_history *h)
{
	rt_free(h->t_history);
	rt_free(h->t_audit);
	rt_strvec_free(&h->start_rows);
	rt_strvec_free(&h->rows_after);
	rt_strvec_free(&h->accept);
	memset(h, 0, sizeof(*h));
}

/* ------------------------------------------------------------ queries */

/* Run one statement (core/sidequery.c); errors say `what` failed. */
static int query(struct rt_history *h, const char *sql, const char *const *params, size_t n,
                 retort_query_row_cb cb, void *payload, struct rt_err *err, const char *what)
{
	if (rt_db_query(h->db, sql, params, n, cb, payload, NULL, err) < 0) {
		if (err->msg)
			rt_err_prefix(err, "%s", what);
		return -1;
	}
	return 0;
}

/* Does `table` exist?  Reading it tells; any error means no. */
static int exists(struct rt_history *h, const char *table)
{
	struct rt_err e = { 0, NULL };
	char *sql = rt_sprintf("SELECT 1 FROM %s WHERE 1 = 0", table);
	int rc;
	if (!sql)
		return -1;
	rc = query(h, sql, NULL, 0, NULL, NULL, &e, "probe");
	rt_free(sql);
	rt_err_clear(&e);
	return rc == 0;
}

int rt_history_probe(struct rt_history *h, struct rt_err *err)
{
	int a, b;
	if (!rt_history_supported(h->db))
		return 0;
	if ((a = exists(h, h->t_history)) < 0 || (b = exists(h, h->t_audit)) < 0)
		return rt_err_oom(err);
	h->has_history = a;
	h->has_audit = b;
	return 0;
}

/* CREATE TABLE [IF NOT EXISTS] name (cols..., PRIMARY KEY (key)) */
static int ddl(struct rt_buf *b, struct rt_history *h, const char *table, const struct col *cols,
               size_t n, const char *key, int if_absent, struct rt_err *err)
{
	size_t i;
	rt_buf_printf(b, "CREATE TABLE %s%s (\n", if_absent ? "IF NOT EXISTS " : "", table);
	for (i = 0; i < n; i++) {
		char type[64];
		if (rt_db_column_type(h->db, cols[i].type, cols[i].len, type, sizeof(type), err) < 0)
			return rt_err_prefix(err, "column %s of %s", cols[i].name, table);
		rt_buf_printf(b, "    %s %s%s,\n", cols[i].name, type,
		              cols[i].not_null ? " NOT NULL" : "");
	}
	rt_buf_printf(b, "    PRIMARY KEY (%s)\n)", key);
	return b->oom ? rt_err_oom(err) : 0;
}

static int create_one(struct rt_history *h, const char *table, const struct col *cols,
                      size_t n, const char *key, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	char *what = rt_sprintf("cannot create the table %s", table);
	int rc = what ? ddl(&b, h, table, cols, n, key, 0, err) : rt_err_oom(err);
	if (rc == 0)
		rc = query(h, b.ptr, NULL, 0, NULL, NULL, err, what);
	rt_free(what);
	rt_buf_free(&b);
	return rc;
}

int rt_history_create(struct rt_history *h, int audit_only, struct rt_err *err)
{
	if (!rt_history_supported(h->db))
		return 0;
	if (!audit_only && !h->has_history) {
		if (create_one(h, h->t_history, hist_cols, N_HIST, "id", err) < 0)
			return -1;
		h->has_history = 1;
	}
	if (!h->has_audit) {
		if (create_one(h, h->t_audit, audit_cols, N_AUDIT, "run_id", err) < 0)
			return -1;
		h->has_audit = 1;
	}
	return 0;
}

/* ------------------------------------------------------------ inserting */

/* A copy of s that fits a column of at most `max` bytes (0: TEXT_MAX), cut
 * on a UTF-8 boundary; NULL stays NULL.  *oom on failure. */
static char *fit(const char *s, unsigned max, int *oom)
{
	size_t n, lim = max ? max : TEXT_MAX;
	char *r;
	if (!s)
		return NULL;
	n = strlen(s);
	if (n > lim) {
		n = lim;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (!(r = rt_strndup(s, n)))
		*oom = 1;
	return r;
}

/*
 * INSERT INTO t (id, c1, ...) SELECT COALESCE(MAX(id), 0) + 1, v1, ... FROM t
 * with '?' for each value, or (offline) the values as literals.  vals[i]
 * belongs to cols[i + 1] (cols[0] is the id).
 */
static int insert_sql(struct rt_buf *b, struct rt_history *h, const char *table,
                      const struct col *cols, size_t n, const char *const *vals, int offline,
                      struct rt_err *err)
{
	size_t i;
	rt_buf_printf(b, "INSERT INTO %s (id", table);
	for (i = 1; i < n; i++)
		rt_buf_printf(b, ", %s", cols[i].name);
	rt_buf_puts(b, ") SELECT COALESCE(MAX(id), 0) + 1");
	for (i = 1; i < n; i++) {
		rt_buf_puts(b, ", ");
		if (!offline)
			rt_buf_putc(b, '?');
		else if (!vals[i - 1])
			rt_buf_puts(b, "NULL");
		else if (cols[i].number)
			rt_buf_printf(b, "%lld", strtoll(vals[i - 1], NULL, 10));
		else if (rt_offline_literal(b, h->db, vals[i - 1], err) < 0)
			return -1;
	}
	rt_buf_printf(b, " FROM %s", table);
	return b->oom ? rt_err_oom(err) : 0;
}

/* Insert one row (online), or append its statement (offline, out != NULL). */
static int insert_row(struct rt_history *h, struct rt_buf *out, const char *table,
                      const struct col *cols, size_t n, const char *const *raw,
                      struct rt_err *err)
{
	struct rt_buf sql = RT_BUF_INIT;
	char *vals[N_AUDIT];
	size_t i;
	int oom = 0, rc = -1;

	memset(vals, 0, sizeof(vals));
	for (i = 1; i < n; i++)
		vals[i - 1] = fit(raw[i - 1], cols[i].type == RETORT_TYPE_VARCHAR ? cols[i].len : 0,
		                  &oom);
	if (oom) {
		rt_err_oom(err);
		goto done;
	}
	if (insert_sql(&sql, h, table, cols, n, (const char *const *)vals, out != NULL, err) < 0)
		goto done;
	if (out) {
		struct retort_error perr;
		char *text = NULL;
		rt_dialect_error_init(&perr);
		if (h->db->d->offline_sql(h->db->conn, RETORT_OFFLINE_STATEMENT, sql.ptr, sql.len,
		                          &text, &perr) < 0) {
			rt_db_error(err, h->db, &perr, RETORT_ERROR, "cannot render offline SQL");
			goto done;
		}
		rt_dialect_error_free(&perr);
		rt_buf_printf(out, "%s\n\n", text ? text : "");
		rt_free(text);
		rc = out->oom ? rt_err_oom(err) : 0;
	} else {
		rc = query(h, sql.ptr, (const char *const *)vals, n - 1, NULL, NULL, err,
		           table == h->t_audit ? "cannot record the command in retort_audit"
		                               : "cannot record the revision in retort_history");
	}
done:
	for (i = 0; i + 1 < n; i++)
		rt_free(vals[i]);
	rt_buf_free(&sql);
	return rc;
}

/* The script's path as recorded: relative to the project when inside it. */
static const char *rel_path(const struct rt_history *h, const char *path)
{
	size_t n = h->base_dir ? strlen(h->base_dir) : 0;
	if (path && n && strncmp(path, h->base_dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* One retort_history row. */
static int hist_row(struct rt_history *h, struct rt_buf *out, const char *rev,
                    const char *direction, const char *checksum, const char *script,
                    const char *applied_at, struct rt_err *err)
{
	const char *v[N_HIST - 1];
	v[0] = h->version_table;
	v[1] = rev;
	v[2] = direction;
	v[3] = checksum;
	v[4] = checksum ? RT_CHECKSUM_ALG : NULL;
	v[5] = rel_path(h, script);
	v[6] = applied_at;
	v[7] = h->rec ? h->rec->run_id : "";
	v[8] = h->rec ? h->rec->retort_version : "";
	return insert_row(h, out, h->t_history, hist_cols, N_HIST, v, err);
}

/* The checksum of the section of `s` a step in direction `upgrade` runs
 * on this database (the empty section's when it has none). */
static int section_sum(char out[RT_CHECKSUM_SIZE], const struct rt_db *db,
                       const struct rt_script *s, int upgrade, struct rt_err *err)
{
	const struct rt_section *sec =
		rt_script_section(s, upgrade, db->url ? db->url->pub.scheme : NULL, db->d->name);
	if (!sec)
		return rt_checksum_section(out, "", 0, err);
	return rt_checksum_section(out, s->text + sec->offset, sec->len, err);
}

static int step_row(struct rt_history *h, struct rt_buf *out, const struct rt_step *st,
                    const struct rt_script *s, const char *applied_at, struct rt_err *err)
{
	char sum[RT_CHECKSUM_SIZE];
	if (!st->rev || st->stamp || !s)
		return 0;
	if (section_sum(sum, h->db, s, st->upgrade, err) < 0)
		return -1;
	return hist_row(h, out, st->rev->id, st->upgrade ? "upgrade" : "downgrade", sum, s->path,
	                applied_at, err);
}

/*
 * The rows of a stamp from version rows `before` to `after`: "stamp" for
 * each revision applied now and not before (with its upgrade section's
 * checksum as the script is now), "unstamp" for each one no longer applied.
 */
static int stamp_rows(struct rt_history *h, struct rt_buf *out, const struct rt_strvec *before,
                      const struct rt_strvec *after, const char *applied_at, struct rt_err *err)
{
	struct rt_strvec was = RT_STRVEC_INIT, now = RT_STRVEC_INIT;
	struct rt_map in_was = RT_MAP_INIT, in_now = RT_MAP_INIT;
	size_t i;
	int rc = -1;

	if (rt_verify_applied(&was, h->g, (const char *const *)before->v, before->n, err) < 0 ||
	    rt_verify_applied(&now, h->g, (const char *const *)after->v, after->n, err) < 0)
		goto done;
	for (i = 0; i < was.n; i++)
		if (rt_map_put(&in_was, was.v[i], NULL) < 0)
			goto oom;
	for (i = 0; i < now.n; i++)
		if (rt_map_put(&in_now, now.v[i], NULL) < 0)
			goto oom;
	for (i = 0; i < was.n; i++) {
		const struct rt_revision *r = rt_graph_get(h->g, was.v[i]);
		if (!rt_map_has(&in_now, was.v[i]) &&
		    hist_row(h, out, r->id, "unstamp", NULL, r->path, applied_at, err) < 0)
			goto done;
	}
	for (i = 0; i < now.n; i++) {
		const struct rt_revision *r = rt_graph_get(h->g, now.v[i]);
		struct rt_script *s = NULL;
		char sum[RT_CHECKSUM_SIZE];
		int bad;
		if (rt_map_has(&in_was, now.v[i]))
			continue;
		if (rt_script_read(&s, r, err) < 0)
			goto done;
		bad = section_sum(sum, h->db, s, 1, err) < 0 ||
		      hist_row(h, out, r->id, "stamp", sum, r->path, applied_at, err) < 0;
		rt_script_free(s);
		if (bad)
			goto done;
	}
	rc = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_map_free(&in_was);
	rt_map_free(&in_now);
	rt_strvec_free(&was);
	rt_strvec_free(&now);
	return rc;
}

/* Each field of `rec` in the order of audit_cols (after the id). */
static int audit_values(const char *v[N_AUDIT - 1], char dur[32], const struct rt_audit_rec *rec)
{
	snprintf(dur, 32, "%lld", rec->duration_ms);
	v[0] = rec->run_id;
	v[1] = rec->version_table;
	v[2] = rec->command;
	v[3] = rec->command_line ? rec->command_line : "";
	v[4] = rec->os_user;
	v[5] = rec->db_user;
	v[6] = rec->host;
	v[7] = rec->started_at;
	v[8] = dur;
	v[9] = rec->rows_before;
	v[10] = rec->rows_after;
	v[11] = rec->outcome ? rec->outcome : "failed";
	v[12] = rec->message;
	v[13] = rec->retort_version;
	v[14] = rec->tag;
	return 0;
}

int rt_history_audit(struct rt_history *h, const struct rt_audit_rec *rec, struct rt_err *err)
{
	const char *v[N_AUDIT - 1];
	char dur[32];
	audit_values(v, dur, rec);
	return insert_row(h, NULL, h->t_audit, audit_cols, N_AUDIT, v, err);
}

/* A dialect call for a transaction of our own. */
static int tx(struct rt_history *h, int (*fn)(struct retort_conn *, struct retort_error *),
              const char *what, struct rt_err *err)
{
	struct retort_error perr;
	int rc;
	rt_dialect_error_init(&perr);
	rc = fn(h->db->conn, &perr);
	if (rc < 0)
		return rt_db_error(err, h->db, &perr, rc, "%s", what);
	rt_dialect_error_free(&perr);
	return 0;
}

int rt_history_audit_alone(struct rt_history *h, const struct rt_audit_rec *rec,
                           struct rt_err *err)
{
	if (!rt_history_supported(h->db))
		return 0;
	if (rt_history_probe(h, err) < 0)
		return -1;
	/* Only the run holding the migration lock creates the table: one that
	 * timed out waiting for it would wait in turn on the holder's CREATE
	 * TABLE, uncommitted in its first transaction, for as long as it runs. */
	if (!h->has_audit && !h->db->locked)
		return rt_err_set(err, RT_EXIT_DB, "%s does not exist yet, and only the run "
		                  "holding the migration lock creates it", RT_AUDIT_TABLE);
	if (tx(h, h->db->d->begin, "cannot begin a transaction", err) < 0)
		return -1;
	if (rt_history_create(h, 1, err) < 0 || rt_history_audit(h, rec, err) < 0 ||
	    tx(h, h->db->d->commit, "cannot commit", err) < 0) {
		struct rt_err e2 = { 0, NULL };
		tx(h, h->db->d->rollback, "rollback", &e2);
		rt_err_clear(&e2);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ engine hooks */

/* The "accept" rows: the upgrade section's checksum as it is now. */
static int accept_rows(struct rt_history *h, struct rt_buf *out, const char *applied_at,
                       struct rt_err *err)
{
	size_t i;
	for (i = 0; i < h->accept.n; i++) {
		const struct rt_revision *r = rt_graph_get(h->g, h->accept.v[i]);
		struct rt_script *s = NULL;
		char sum[RT_CHECKSUM_SIZE];
		int bad;
		if (!r)
			continue;
		if (rt_script_read(&s, r, err) < 0)
			return -1;
		bad = section_sum(sum, h->db, s, 1, err) < 0 ||
		      hist_row(h, out, r->id, "accept", sum, r->path, applied_at, err) < 0;
		rt_script_free(s);
		if (bad)
			return -1;
	}
	return 0;
}

static int hook_prepare(void *payload, struct rt_db *db, struct rt_err *err)
{
	struct rt_history *h = payload;
	char now[20];
	(void)db;
	if (!rt_history_supported(h->db))
		return 0;
	rt_audit_utc_now(now);
	if (rt_history_create(h, h->audit_only, err) < 0)
		return -1;
	return accept_rows(h, NULL, now, err);
}

static int hook_step(void *payload, struct rt_db *db, const struct rt_step *st,
                     const struct rt_script *s, struct rt_err *err)
{
	struct rt_history *h = payload;
	char now[20];
	(void)db;
	if (!rt_history_supported(h->db))
		return 0;
	rt_audit_utc_now(now);
	return step_row(h, NULL, st, s, now, err);
}

static int hook_finish(void *payload, struct rt_db *db, struct rt_err *err)
{
	struct rt_history *h = payload;
	struct rt_audit_rec *rec = (struct rt_audit_rec *)h->rec;
	char now[20], *rows;
	int rc;

	rt_strvec_free(&h->rows_after);
	if (rt_db_read_versions(db, &h->rows_after, err) < 0)
		return -1;
	h->rows_after_read = 1;
	rt_audit_utc_now(now);
	if (rt_history_supported(h->db) && h->stamp &&
	    stamp_rows(h, NULL, &h->start_rows, &h->rows_after, now, err) < 0)
		return -1;
	if (!rec)
		return 0;
	if (!(rows = rt_audit_rows((const char *const *)h->rows_after.v, h->rows_after.n)))
		return rt_err_oom(err);
	rc = rt_audit_end(rec, rows, NULL);
	rt_free(rows);
	if (rc < 0)
		return rt_err_oom(err);
	return rt_history_supported(h->db) ? rt_history_audit(h, rec, err) : 0;
}

const struct rt_engine_hooks rt_history_hooks = { hook_prepare, hook_step, hook_finish };

/* ------------------------------------------------------------ reading */

struct collect {
	int oom;
	size_t limit;              /* stop after this many rows (0: all) */
	size_t n;
	void *rows;                /* the caller's array */
	size_t size;               /* of one element */
	int (*fill)(void *elem, const char *const *cols, size_t ncols);
};

static int collect_cb(const char *const *cols, size_t ncols, void *payload)
{
	struct collect *c = payload;
	char *v = rt_realloc(c->rows, (c->n + 1) * c->size);
	if (!v) {
		c->oom = 1;
		return 1;
	}
	c->rows = v;
	memset(v + c->n * c->size, 0, c->size);
	if (c->fill(v + c->n * c->size, cols, ncols) < 0) {
		c->n++; /* freed with the rest */
		c->oom = 1;
		return 1;
	}
	c->n++;
	return c->limit && c->n >= c->limit;
}

/*
 * Run "<cols> <table> <where>" (FROM table, one parameter: the version
 * table's name) and collect its rows into c; on an error c->rows holds
 * the rows read so far, for the caller to free.
 */
static int select_rows(struct rt_history *h, struct collect *c, const char *cols,
                       const char *table, const char *where, const char *what,
                       struct rt_err *err)
{
	const char *param[1];
	char *sql;
	int rc;

	param[0] = h->version_table;
	if (!(sql = rt_sprintf("%s FROM %s %s", cols, table, where)))
		return rt_err_oom(err);
	rc = query(h, sql, param, 1, collect_cb, c, err, what);
	rt_free(sql);
	if (rc == 0 && c->oom)
		rc = rt_err_oom(err);
	return rc;
}

/* A copy of column i (NULL when absent or SQL NULL); *bad on oom. */
static char *col_dup(const char *const *cols, size_t n, size_t i, int *bad)
{
	char *r;
	if (i >= n || !cols[i])
		return NULL;
	if (!(r = rt_strdup(cols[i])))
		*bad = 1;
	return r;
}

/* Times come back as the dialect prints them ("... 19:08:36.0000000"):
 * keep "YYYY-MM-DD HH:MM:SS". */
static void time_cut(char *t)
{
	if (t && strlen(t) > 19)
		t[19] = '\0';
}

static int fill_hist(void *elem, const char *const *cols, size_t n)
{
	struct rt_hist_row *r = elem;
	int bad = 0;
	r->id = n > 0 && cols[0] ? strtoll(cols[0], NULL, 10) : 0;
	r->revision = col_dup(cols, n, 1, &bad);
	r->direction = col_dup(cols, n, 2, &bad);
	r->checksum = col_dup(cols, n, 3, &bad);
	r->algorithm = col_dup(cols, n, 4, &bad);
	r->script = col_dup(cols, n, 5, &bad);
	r->applied_at = col_dup(cols, n, 6, &bad);
	r->run_id = col_dup(cols, n, 7, &bad);
	time_cut(r->applied_at);
	/* revision and direction are NOT NULL; a NULL (a hand edit) reads as
	 * an unknown revision no longer applied */
	if (!bad && (!r->revision || !r->direction)) {
		if (!r->revision && !(r->revision = rt_strdup("")))
			bad = 1;
		if (!r->direction && !(r->direction = rt_strdup("unstamp")))
			bad = 1;
	}
	return bad ? -1 : 0;
}

void rt_history_rows_free(struct rt_hist_row *rows, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		rt_free(rows[i].revision);
		rt_free(rows[i].direction);
		rt_free(rows[i].checksum);
		rt_free(rows[i].algorithm);
		rt_free(rows[i].script);
		rt_free(rows[i].applied_at);
		rt_free(rows[i].run_id);
	}
	rt_free(rows);
}

int rt_history_read(struct rt_history *h, struct rt_hist_row **out, size_t *n,
                    struct rt_err *err)
{
	struct collect c;

	*out = NULL;
	*n = 0;
	if (!rt_history_supported(h->db) || !h->has_history)
		return 0;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(struct rt_hist_row);
	c.fill = fill_hist;
	if (select_rows(h, &c, "SELECT id, revision, direction, checksum, algorithm, script, "
	                "applied_at, run_id", h->t_history, "WHERE version_table = ? ORDER BY id",
	                "cannot read retort_history", err) < 0) {
		rt_history_rows_free(c.rows, c.n);
		return -1;
	}
	*out = c.rows;
	*n = c.n;
	return 0;
}

/* Split "a b c" into v. */
static int split_rows(struct rt_strvec *v, const char *s)
{
	while (s && *s) {
		const char *e = strchr(s, ' ');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len && rt_strvec_push_owned(v, rt_strndup(s, len)) < 0)
			return -1;
		s += len;
		while (*s == ' ')
			s++;
	}
	return 0;
}

static int fill_last(void *elem, const char *const *cols, size_t n)
{
	struct rt_last_command *c = elem;
	int bad = 0;
	c->command_line = col_dup(cols, n, 0, &bad);
	c->at = col_dup(cols, n, 1, &bad);
	c->outcome = col_dup(cols, n, 2, &bad);
	time_cut(c->at);
	if (!bad && split_rows(&c->rows, n > 3 ? cols[3] : NULL) < 0)
		bad = 1;
	return bad ? -1 : 0;
}

void rt_history_last_free(struct rt_last_command *c)
{
	if (!c)
		return;
	rt_free(c->command_line);
	rt_free(c->at);
	rt_free(c->outcome);
	rt_strvec_free(&c->rows);
	memset(c, 0, sizeof(*c));
}

int rt_history_last(struct rt_history *h, struct rt_last_command *out, int *found,
                    struct rt_err *err)
{
	struct collect c;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if (!rt_history_supported(h->db) || !h->has_audit)
		return 0;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(struct rt_last_command);
	c.fill = fill_last;
	c.limit = 1;
	rc = select_rows(h, &c, "SELECT command_line, started_at, outcome, rows_after", h->t_audit,
	                 "WHERE version_table = ? AND rows_after IS NOT NULL ORDER BY id DESC",
	                 "cannot read retort_audit", err);
	if (rc == 0 && c.n > 0) {
		*out = *(struct rt_last_command *)c.rows;
		*found = 1;
	} else if (c.n > 0) {
		rt_history_last_free(c.rows);
	}
	rt_free(c.rows);
	return rc;
}

/* ------------------------------------------------------------ verify */

static int current_sum(char out[RT_CHECKSUM_SIZE], const struct rt_revision *r, void *payload,
                       struct rt_err *err)
{
	const struct rt_db *db = payload;
	struct rt_script *s = NULL;
	const struct rt_section *sec;
	int rc;
	if (rt_script_read(&s, r, err) < 0)
		return -1;
	sec = rt_script_section(s, 1, db->url ? db->url->pub.scheme : NULL, db->d->name);
	rc = sec ? rt_checksum_section(out, s->text + sec->offset, sec->len, err) : 1;
	rt_script_free(s);
	return rc;
}

int rt_history_verify(struct rt_verify_report *out, struct rt_history *h,
                      const struct rt_strvec *rows, struct rt_err *err)
{
	struct rt_verify_in in;
	struct rt_hist_row *hist = NULL;
	struct rt_last_command last;
	size_t n_hist = 0;
	int found = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&last, 0, sizeof(last));
	if (rt_history_read(h, &hist, &n_hist, err) < 0 ||
	    rt_history_last(h, &last, &found, err) < 0)
		goto done;
	memset(&in, 0, sizeof(in));
	in.g = h->g;
	in.rows = (const char *const *)rows->v;
	in.n_rows = rows->n;
	in.hist = hist;
	in.n_hist = n_hist;
	in.last = found ? &last : NULL;
	in.checksum = current_sum;
	in.payload = h->db;
	in.gone = h->gone;
	rc = rt_verify_check(out, &in, err);
done:
	rt_history_rows_free(hist, n_hist);
	rt_history_last_free(&last);
	return rc;
}

int rt_history_precheck(struct rt_history *h, const struct rt_settings *cfg,
                        const struct rt_strvec *rows, int allow_changed, int accept,
                        struct rt_err *err)
{
	struct rt_verify_report rep;
	struct rt_buf b = RT_BUF_INIT;
	size_t i, changed = 0;
	int rc = 0;

	if (rt_history_verify(&rep, h, rows, err) < 0)
		return -1;
	allow_changed = allow_changed || strcmp(cfg->on_changed_script, "warn") == 0;
	for (i = 0; i < rep.n_findings; i++) {
		const struct rt_finding *f = &rep.findings[i];
		char *line = NULL;
		switch (f->kind) {
		case RT_FIND_CHANGED:
			line = rt_sprintf("revision %s (%s) %s at %s UTC: %s of its upgrade section "
			                  "%s then, %s now", f->revision, f->file ? f->file : "?",
			                  strcmp(f->direction, "stamp") == 0 ? "was stamped" : "ran",
			                  f->when ? f->when : "?", f->algorithm, f->recorded,
			                  f->current ? f->current : "no upgrade section");
			if (line && !allow_changed) {
				rt_buf_printf(&b, "\n  %s", line);
				changed++;
			} else if (line && accept) {
				rt_host()->log(RETORT_LOG_WARNING, "an applied script was edited: %s; "
				               "accepting the edit (recorded in %s)", line,
				               RT_HISTORY_TABLE);
				if (rt_strvec_push(&h->accept, f->revision) < 0)
					b.oom = 1;
			} else if (line) {
				rt_host()->log(RETORT_LOG_WARNING, "an applied script was edited: %s; "
				               "upgrade will accept the edit (on_changed_script = "
				               "\"warn\")", line);
			} else {
				b.oom = 1;
			}
			break;
		case RT_FIND_OUTSIDE:
			rt_host()->log(RETORT_LOG_WARNING, "the version rows were changed outside "
			               "retort since its last recorded command (%s UTC); `retort "
			               "verify` says more", f->when ? f->when : "?");
			break;
		case RT_FIND_ANCESTOR_ROWS:
			rt_host()->log(RETORT_LOG_WARNING, "version rows %s and %s: %s is an ancestor "
			               "of %s; `retort verify` says more", f->revision, f->other,
			               f->revision, f->other);
			break;
		case RT_FIND_SCRIPT_GONE:
		case RT_FIND_UNKNOWN_ROW:
			break; /* the version rows were checked already */
		}
		rt_free(line);
	}
	if (changed) {
		rt_err_set(err, RT_EXIT_DB, "%zu applied script%s edited since %s ran; upgrade "
		           "refuses to run:%s\n  put %s back as %s was, or pass --allow-changed "
		           "(or set on_changed_script = \"warn\") if the change is meant; "
		           "`retort verify` lists every finding", changed,
		           changed == 1 ? " was" : "s were", changed == 1 ? "it" : "they",
		           b.ptr ? b.ptr : "", changed == 1 ? "it" : "them",
		           changed == 1 ? "it" : "they");
		rc = -1;
	} else if (b.oom) {
		rc = rt_err_oom(err);
	}
	rt_buf_free(&b);
	rt_verify_report_free(&rep);
	return rc;
}

/* ------------------------------------------------------------ log */

static int fill_audit(void *elem, const char *const *cols, size_t n)
{
	struct rt_audit_row *r = elem;
	struct rt_audit_rec *a = &r->rec;
	int bad = 0;
	char *t;
	r->id = n > 0 && cols[0] ? strtoll(cols[0], NULL, 10) : 0;
	if (n > 1 && cols[1])
		snprintf(a->run_id, sizeof(a->run_id), "%s", cols[1]);
	a->version_table = col_dup(cols, n, 2, &bad);
	a->command = col_dup(cols, n, 3, &bad);
	a->command_line = col_dup(cols, n, 4, &bad);
	a->os_user = col_dup(cols, n, 5, &bad);
	a->db_user = col_dup(cols, n, 6, &bad);
	a->host = col_dup(cols, n, 7, &bad);
	if ((t = col_dup(cols, n, 8, &bad)) != NULL) {
		time_cut(t);
		snprintf(a->started_at, sizeof(a->started_at), "%s", t);
		rt_free(t);
	}
	a->duration_ms = n > 9 && cols[9] ? strtoll(cols[9], NULL, 10) : 0;
	a->rows_before = col_dup(cols, n, 10, &bad);
	a->rows_after = col_dup(cols, n, 11, &bad);
	a->outcome = col_dup(cols, n, 12, &bad);
	a->message = col_dup(cols, n, 13, &bad);
	a->retort_version = col_dup(cols, n, 14, &bad);
	a->tag = col_dup(cols, n, 15, &bad);
	return bad ? -1 : 0;
}

void rt_history_log_free(struct rt_audit_row *rows, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		rt_audit_free(&rows[i].rec);
	rt_free(rows);
}

int rt_history_log(struct rt_history *h, size_t limit, struct rt_audit_row **out, size_t *n,
                   struct rt_err *err)
{
	struct collect c;

	*out = NULL;
	*n = 0;
	if (!rt_history_supported(h->db) || !h->has_audit)
		return 0;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(struct rt_audit_row);
	c.fill = fill_audit;
	c.limit = limit;
	if (select_rows(h, &c, "SELECT id, run_id, version_table, command, command_line, os_user, "
	                "db_user, host, started_at, duration_ms, rows_before, rows_after, "
	                "outcome, message, retort_version, tag", h->t_audit,
	                "WHERE version_table = ? ORDER BY id DESC", "cannot read retort_audit",
	                err) < 0) {
		rt_history_log_free(c.rows, c.n);
		return -1;
	}
	*out = c.rows;
	*n = c.n;
	return 0;
}

/* ------------------------------------------------------------ offline */

static int offline_stmt(struct rt_buf *out, struct rt_history *h, const char *sql, size_t len,
                        struct rt_err *err)
{
	struct retort_error perr;
	char *text = NULL;
	int rc;
	rt_dialect_error_init(&perr);
	rc = h->db->d->offline_sql(h->db->conn, RETORT_OFFLINE_STATEMENT, sql, len, &text, &perr);
	if (rc < 0)
		return rt_db_error(err, h->db, &perr, rc, "cannot render offline SQL");
	rt_dialect_error_free(&perr);
	rt_buf_printf(out, "%s\n\n", text ? text : "");
	rt_free(text);
	return out->oom ? rt_err_oom(err) : 0;
}

int rt_history_offline_ddl(struct rt_buf *out, struct rt_history *h, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	int rc, if_absent;
	if (!rt_db_can_column_type(h->db))
		return 0;
	/* The side tables outlive a downgrade to base (which drops only the
	 * version table), so a script from base may find them there. */
	if_absent = h->db->d->caps &&
	            (h->db->d->caps(h->db->conn) & RETORT_CAP_CREATE_IF_ABSENT) != 0;
	rc = ddl(&b, h, h->t_history, hist_cols, N_HIST, "id", if_absent, err);
	if (rc == 0)
		rc = offline_stmt(out, h, b.ptr, b.len, err);
	rt_buf_clear(&b);
	if (rc == 0)
		rc = ddl(&b, h, h->t_audit, audit_cols, N_AUDIT, "run_id", if_absent, err);
	if (rc == 0)
		rc = offline_stmt(out, h, b.ptr, b.len, err);
	rt_buf_free(&b);
	return rc;
}

int rt_history_offline_step(struct rt_buf *out, struct rt_history *h, const struct rt_step *st,
                            const struct rt_script *s, const char *applied_at,
                            struct rt_err *err)
{
	return step_row(h, out, st, s, applied_at, err);
}

int rt_history_offline_stamp(struct rt_buf *out, struct rt_history *h,
                             const struct rt_strvec *before, const struct rt_strvec *after,
                             const char *applied_at, struct rt_err *err)
{
	return stamp_rows(h, out, before, after, applied_at, err);
}

int rt_history_offline_audit(struct rt_buf *out, struct rt_history *h,
                             const struct rt_audit_rec *rec, struct rt_err *err)
{
	const char *v[N_AUDIT - 1];
	char dur[32];
	audit_values(v, dur, rec);
	return insert_row(h, out, h->t_audit, audit_cols, N_AUDIT, v, err);
}
