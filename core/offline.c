/* SPDX-License-Identifier: MIT */
/*
 * core/offline.c - offline (--sql) rendering.  See offline.h.
 */
#include "offline.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sqlsplit.h"
#include "stmtloop.h"

#include "history.h"
#include "host.h"
#include "script.h"
#include "url.h"

/* Words SQLAlchemy's compilers always quote when used as identifiers (the
 * common subset of the dialects' reserved words). */
static const char *const reserved[] = {
	"all", "and", "as", "asc", "between", "by", "case", "check", "column", "constraint",
	"create", "default", "delete", "desc", "distinct", "drop", "else", "end", "from",
	"grant", "group", "having", "in", "index", "insert", "into", "is", "join", "key",
	"like", "not", "null", "on", "or", "order", "primary", "references", "select",
	"set", "table", "then", "to", "union", "unique", "update", "user", "values", "when",
	"where", "with", NULL
};

static int needs_quoting(const char *name)
{
	const char *p = name;
	size_t i;
	if (!*p || !(islower((unsigned char)*p) || *p == '_'))
		return 1;
	for (; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '$'))
			return 1;
	for (i = 0; reserved[i]; i++)
		if (strcmp(reserved[i], name) == 0)
			return 1;
	return 0;
}

typedef int (*quote_fn)(const struct retort_conn *, const char *, char **,
                        struct retort_error *);

/* Append s quoted by the dialect's quote function `fn`. */
static int append_quoted(struct rt_buf *b, const struct rt_db *db, quote_fn fn, const char *s,
                         const char *what, struct rt_err *err)
{
	struct retort_error perr;
	char *q = NULL;
	int rc;
	rt_dialect_error_init(&perr);
	rc = fn(db->conn, s, &q, &perr);
	if (rc < 0)
		return rt_db_error(err, db, &perr, rc, "cannot quote %s", what);
	rt_dialect_error_free(&perr);
	rc = rt_buf_puts(b, q);
	rt_free(q);
	return rc < 0 ? rt_err_oom(err) : 0;
}

static int quote_ident(struct rt_buf *b, const struct rt_db *db, const char *name,
                       struct rt_err *err)
{
	if (!needs_quoting(name) || !db->d->quote_identifier)
		return rt_buf_puts(b, name) < 0 ? rt_err_oom(err) : 0;
	return append_quoted(b, db, db->d->quote_identifier, name, "an identifier", err);
}

int rt_offline_literal(struct rt_buf *b, const struct rt_db *db, const char *value,
                       struct rt_err *err)
{
	const char *p;
	if (db->d->quote_literal)
		return append_quoted(b, db, db->d->quote_literal, value, "a literal", err);
	/* standard SQL: double the single quotes */
	rt_buf_putc(b, '\'');
	for (p = value; *p; p++) {
		if (*p == '\'')
			rt_buf_putc(b, '\'');
		rt_buf_putc(b, *p);
	}
	rt_buf_putc(b, '\'');
	return b->oom ? rt_err_oom(err) : 0;
}

int rt_offline_table_name(char **out, const struct rt_db *db, const char *table,
                          const char *schema, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	*out = NULL;
	if (schema && *schema) {
		if (quote_ident(&b, db, schema, err) < 0)
			goto fail;
		rt_buf_putc(&b, '.');
	}
	if (quote_ident(&b, db, table, err) < 0)
		goto fail;
	if (!(*out = rt_buf_detach(&b)))
		goto oom;
	rt_buf_free(&b);
	return 0;
oom:
	rt_err_oom(err);
fail:
	rt_buf_free(&b);
	return -1;
}

/* Where a statement of a script comes from, for an error about it. */
struct stmt_at {
	const char *path;   /* the script */
	unsigned index;     /* 1-based, in its section */
	unsigned line;      /* in the file */
};

/* Emit a dialect rendering (BEGIN, COMMIT, DDL, or a statement) + blank
 * line.  A statement of a script (`at`, else NULL) that cannot be
 * rendered is named in the error: its script, line, index and text. */
static int emit_at(struct rt_buf *out, const struct rt_db *db, int what, const char *arg,
                   size_t len, const struct stmt_at *at, struct rt_err *err)
{
	struct retort_error perr;
	char *text = NULL;
	int rc;
	if (!db->d->offline_sql)
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "dialect %s does not support offline (--sql) mode", db->d->name);
	rt_dialect_error_init(&perr);
	rc = db->d->offline_sql(db->conn, what, arg, len, &text, &perr);
	if (rc < 0 && at) {
		rt_free(text);
		if (!perr.statement)
			rt_host()->error_statement(&perr, at->index, at->line, arg, len);
		if (!perr.stmt_index)
			perr.stmt_index = at->index;
		if (!perr.stmt_line)
			perr.stmt_line = at->line;
		return rt_db_error(err, db, &perr, rc, "%s:%u: cannot render offline SQL", at->path,
		                   at->line);
	}
	if (rc < 0) {
		rt_free(text);
		return rt_db_error(err, db, &perr, rc, "cannot render offline SQL");
	}
	rt_dialect_error_free(&perr);
	if (text && *text) {
		rt_buf_puts(out, text);
		rt_buf_puts(out, "\n\n");
	}
	rt_free(text);
	return out->oom ? rt_err_oom(err) : 0;
}

static int emit(struct rt_buf *out, const struct rt_db *db, int what, const char *arg,
                size_t len, struct rt_err *err)
{
	return emit_at(out, db, what, arg, len, NULL, err);
}

struct split_ctx {
	struct rt_buf *out;
	const struct rt_db *db;
	struct rt_err *err;
	struct stmt_at at;
};

static int emit_stmt(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_ctx *c = payload;
	c->at.index++;
	c->at.line = line;
	return emit_at(c->out, c->db, RETORT_OFFLINE_STATEMENT, stmt, len, &c->at, c->err) < 0;
}

static int emit_section(struct rt_buf *out, const struct rt_db *db, const struct rt_step *st,
                        const struct rt_script *s, const struct rt_strvec *xargs,
                        struct rt_err *err)
{
	const struct rt_section *sec = rt_script_section(s, st->upgrade, db->url->pub.scheme, db->d->name);
	struct split_ctx c = { out, db, err, { NULL, 0, 0 } };
	const char *text;
	char *owned = NULL;
	size_t len;
	int rc;
	if (!sec)
		return 0;
	c.at.path = s->path;
	if (rt_script_section_text(&text, &len, &owned, s, sec, xargs, err) < 0)
		return -1;
	if (db->d->split || rt_dialect_split_rules(db->d, db->conn) >= 0) {
		struct retort_error perr;
		rt_dialect_error_init(&perr);
		rc = rt_dialect_split(db->d, db->conn, text, len, sec->first_line, emit_stmt, &c,
		                      &perr);
		rt_free(owned);
		if (rc < 0 && err->msg == NULL && perr.message)
			return rt_db_error(err, db, &perr, rc, "%s", s->path);
		rt_dialect_error_free(&perr);
		return rc ? -1 : 0;
	} else {
		struct sqlsplit_error se = { 0, NULL };
		rc = sqlsplit(text, len, SQLSPLIT_GENERIC, sec->first_line, emit_stmt, &c, &se);
		rt_free(owned);
		if (rc < 0)
			return rt_err_set(err, RT_EXIT_USAGE, "%s:%u: %s", s->path, se.line, se.what);
		return rc ? -1 : 0;
	}
}

static int emit_vop(struct rt_buf *out, const struct rt_db *db, const char *table,
                    const struct rt_vop *op, struct rt_err *err)
{
	struct rt_buf sql = RT_BUF_INIT;
	int rc = -1;
	if (op->kind == RT_VOP_INSERT && db->d->offline_sql) {
		/* The dialect's own rendering first (RETURNING, OUTPUT ...). */
		struct retort_error perr;
		char *text = NULL;
		rt_dialect_error_init(&perr);
		rc = db->d->offline_sql(db->conn, RETORT_OFFLINE_VERSION_INSERT, op->to,
		                        strlen(op->to), &text, &perr);
		if (rc == 0) {
			rt_dialect_error_free(&perr);
			if (text && *text) {
				rt_buf_puts(out, text);
				rt_buf_puts(out, "\n\n");
			}
			rt_free(text);
			return out->oom ? rt_err_oom(err) : 0;
		}
		if (rc != RETORT_ENOTSUPPORTED)
			return rt_db_error(err, db, &perr, rc, "cannot render offline SQL");
		rt_dialect_error_free(&perr);
		rc = -1;
	}
	switch (op->kind) {
	case RT_VOP_INSERT:
		rt_buf_printf(&sql, "INSERT INTO %s (version_num) VALUES (", table);
		if (rt_offline_literal(&sql, db, op->to, err) < 0)
			goto done;
		rt_buf_putc(&sql, ')');
		break;
	case RT_VOP_UPDATE:
		rt_buf_printf(&sql, "UPDATE %s SET version_num=", table);
		if (rt_offline_literal(&sql, db, op->to, err) < 0)
			goto done;
		rt_buf_printf(&sql, " WHERE %s.version_num = ", table);
		if (rt_offline_literal(&sql, db, op->from, err) < 0)
			goto done;
		break;
	case RT_VOP_DELETE:
		rt_buf_printf(&sql, "DELETE FROM %s WHERE %s.version_num = ", table, table);
		if (rt_offline_literal(&sql, db, op->from, err) < 0)
			goto done;
		break;
	}
	if (sql.oom) {
		rt_err_oom(err);
		goto done;
	}
	rc = emit(out, db, RETORT_OFFLINE_STATEMENT, sql.ptr, sql.len, err);
done:
	rt_buf_free(&sql);
	return rc;
}

/* The end of the script's record: the stamp rows of a stamp and the audit
 * row, in the last transaction. */
static int emit_tail(struct rt_buf *out, const struct rt_plan *plan,
                     const struct rt_offline_options *o, const char *now, struct rt_err *err)
{
	struct rt_history *h = o->history;
	struct rt_audit_rec *rec = (struct rt_audit_rec *)h->rec;
	char *after;
	int rc;
	if (h->stamp &&
	    rt_history_offline_stamp(out, h, &h->start_rows, &plan->final_heads, now, err) < 0)
		return -1;
	if (!rec)
		return 0;
	if (!(after = rt_audit_rows((const char *const *)plan->final_heads.v,
	                            plan->final_heads.n)))
		return rt_err_oom(err);
	rc = rt_audit_end(rec, after, NULL);
	rt_free(after);
	if (rc < 0)
		return rt_err_oom(err);
	return rt_history_offline_audit(out, h, rec, err);
}

int rt_offline_render(struct rt_buf *out, const struct rt_db *db, const struct rt_plan *plan,
                      const struct rt_offline_options *o, struct rt_err *err)
{
	char now[20];
	int tail_done = 0;
	unsigned caps = db->d->caps ? db->d->caps(db->conn) : 0;
	int transactional = (caps & RETORT_CAP_TRANSACTIONAL_DDL) != 0;
	int per_migration = o->transaction_per_migration;
	size_t rows = o->n_start_rows, i, j;
	char *table = NULL;
	struct rt_script *s = NULL;
	int error = -1;

	rt_audit_utc_now(now);
	if (rt_offline_table_name(&table, db, o->version_table, o->version_table_schema, err) < 0)
		return -1;
	if (transactional && !per_migration && emit(out, db, RETORT_OFFLINE_BEGIN, NULL, 0, err) < 0)
		goto done;
	for (i = 0; i < plan->n_steps; i++) {
		const struct rt_step *st = &plan->steps[i];
		int nontx;
		/* the script is read now, and freed before the next one is */
		rt_script_free(s);
		s = NULL;
		if (st->rev && !st->stamp && rt_script_read(&s, st->rev, err) < 0)
			goto done;
		/* A "-- retort:transaction off" script runs outside the
		 * transaction, as online: COMMIT before it and BEGIN after it,
		 * which is what Alembic's autocommit_block() writes offline. */
		nontx = s && s->transaction_off;
		if (nontx && !(caps & RETORT_CAP_NONTX_SCRIPTS)) {
			rt_err_set(err, RT_EXIT_USAGE,
			           "%s: '-- retort:transaction off' is not supported by dialect %s; "
			           "remove the line", s->path, db->d->name);
			goto done;
		}
		nontx = nontx && transactional;
		if (transactional && per_migration &&
		    emit(out, db, RETORT_OFFLINE_BEGIN, NULL, 0, err) < 0)
			goto done;
		if (rows == 0 && emit(out, db, RETORT_OFFLINE_VERSION_DDL, NULL, 0, err) < 0)
			goto done;
		if (o->history && i == 0 && o->n_start_rows == 0 &&
		    rt_history_offline_ddl(out, o->history, err) < 0)
			goto done;
		rt_buf_printf(out, "-- Running %s\n\n", st->short_log ? st->short_log : st->description);
		if (nontx && emit(out, db, RETORT_OFFLINE_COMMIT, NULL, 0, err) < 0)
			goto done;
		if (s && emit_section(out, db, st, s, o->xargs, err) < 0)
			goto done;
		if (nontx && emit(out, db, RETORT_OFFLINE_BEGIN, NULL, 0, err) < 0)
			goto done;
		for (j = 0; j < st->n_ops; j++) {
			if (emit_vop(out, db, table, &st->ops[j], err) < 0)
				goto done;
			if (st->ops[j].kind == RT_VOP_INSERT)
				rows++;
			else if (st->ops[j].kind == RT_VOP_DELETE && rows > 0)
				rows--;
		}
		if (o->history && rt_history_offline_step(out, o->history, st, s, now, err) < 0)
			goto done;
		if (o->history && i + 1 == plan->n_steps && transactional && per_migration) {
			if (emit_tail(out, plan, o, now, err) < 0)
				goto done;
			tail_done = 1;
		}
		if (transactional && per_migration &&
		    emit(out, db, RETORT_OFFLINE_COMMIT, NULL, 0, err) < 0)
			goto done;
	}
	if (o->history && plan->n_steps > 0 && !tail_done && emit_tail(out, plan, o, now, err) < 0)
		goto done;
	/* As Alembic: a run that ends with no rows drops the table, even with
	 * no step (`stamp base --sql` is DROP TABLE). */
	if (rows == 0) {
		struct rt_buf drop = RT_BUF_INIT;
		int rc;
		rt_buf_printf(&drop, "DROP TABLE %s", table);
		rc = drop.oom ? rt_err_oom(err)
		              : emit(out, db, RETORT_OFFLINE_STATEMENT, drop.ptr, drop.len, err);
		rt_buf_free(&drop);
		if (rc < 0)
			goto done;
	}
	if (transactional && !per_migration && emit(out, db, RETORT_OFFLINE_COMMIT, NULL, 0, err) < 0)
		goto done;
	error = out->oom ? rt_err_oom(err) : 0;
done:
	rt_script_free(s);
	rt_free(table);
	return error;
}

int rt_offline_ensure_version(struct rt_buf *out, const struct rt_db *db, struct rt_err *err)
{
	unsigned caps = db->d->caps ? db->d->caps(db->conn) : 0;
	int transactional = (caps & RETORT_CAP_TRANSACTIONAL_DDL) != 0;
	if (transactional && emit(out, db, RETORT_OFFLINE_BEGIN, NULL, 0, err) < 0)
		return -1;
	if (emit(out, db, RETORT_OFFLINE_VERSION_DDL, NULL, 0, err) < 0)
		return -1;
	if (transactional && emit(out, db, RETORT_OFFLINE_COMMIT, NULL, 0, err) < 0)
		return -1;
	return 0;
}
