/*
 * core/offline.c - offline (--sql) rendering.  See offline.h.
 */
#include "offline.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sqlsplit.h>

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

static int quote_lit(struct rt_buf *b, const struct rt_db *db, const char *value,
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

/* Emit a dialect rendering (BEGIN, COMMIT, DDL, or a statement) + blank line. */
static int emit(struct rt_buf *out, const struct rt_db *db, int what, const char *arg,
                size_t len, struct rt_err *err)
{
	struct retort_error perr;
	char *text = NULL;
	int rc;
	if (!db->d->offline_sql)
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "dialect %s does not support offline (--sql) mode", db->d->name);
	rt_dialect_error_init(&perr);
	rc = db->d->offline_sql(db->conn, what, arg, len, &text, &perr);
	if (rc < 0)
		return rt_db_error(err, db, &perr, rc, "cannot render offline SQL");
	rt_dialect_error_free(&perr);
	if (text && *text) {
		rt_buf_puts(out, text);
		rt_buf_puts(out, "\n\n");
	}
	rt_free(text);
	return out->oom ? rt_err_oom(err) : 0;
}

struct split_ctx {
	struct rt_buf *out;
	const struct rt_db *db;
	struct rt_err *err;
};

static int emit_stmt(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_ctx *c = payload;
	(void)line;
	return emit(c->out, c->db, RETORT_OFFLINE_STATEMENT, stmt, len, c->err) < 0 ? 1 : 0;
}

static int emit_section(struct rt_buf *out, const struct rt_db *db, const struct rt_step *st,
                        struct rt_err *err)
{
	const struct rt_script *s = st->rev->payload;
	const struct rt_section *sec = rt_script_section(s, st->upgrade, db->url->pub.scheme, db->d->name);
	struct split_ctx c = { out, db, err };
	const char *text;
	int rc;
	if (!sec)
		return 0;
	text = s->text + sec->offset;
	if (db->d->split) {
		struct retort_error perr;
		rt_dialect_error_init(&perr);
		rc = db->d->split(db->conn, text, sec->len, sec->first_line, emit_stmt, &c, &perr);
		if (rc < 0 && err->msg == NULL && perr.message)
			return rt_db_error(err, db, &perr, rc, "%s", s->path);
		rt_dialect_error_free(&perr);
		return rc ? -1 : 0;
	} else {
		struct sqlsplit_error se = { 0, NULL };
		rc = sqlsplit(text, sec->len, SQLSPLIT_GENERIC, sec->first_line, emit_stmt, &c, &se);
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
		if (quote_lit(&sql, db, op->to, err) < 0)
			goto done;
		rt_buf_putc(&sql, ')');
		break;
	case RT_VOP_UPDATE:
		rt_buf_printf(&sql, "UPDATE %s SET version_num=", table);
		if (quote_lit(&sql, db, op->to, err) < 0)
			goto done;
		rt_buf_printf(&sql, " WHERE %s.version_num = ", table);
		if (quote_lit(&sql, db, op->from, err) < 0)
			goto done;
		break;
	case RT_VOP_DELETE:
		rt_buf_printf(&sql, "DELETE FROM %s WHERE %s.version_num = ", table, table);
		if (quote_lit(&sql, db, op->from, err) < 0)
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

int rt_offline_render(struct rt_buf *out, const struct rt_db *db, const struct rt_plan *plan,
                      const struct rt_offline_options *o, struct rt_err *err)
{
	unsigned caps = db->d->caps ? db->d->caps(db->conn) : 0;
	int transactional = (caps & RETORT_CAP_TRANSACTIONAL_DDL) != 0;
	int per_migration = o->transaction_per_migration;
	size_t rows = o->n_start_rows, i, j;
	char *table = NULL;
	int error = -1;

	if (rt_offline_table_name(&table, db, o->version_table, o->version_table_schema, err) < 0)
		return -1;
	if (transactional && !per_migration && emit(out, db, RETORT_OFFLINE_BEGIN, NULL, 0, err) < 0)
		goto done;
	for (i = 0; i < plan->n_steps; i++) {
		const struct rt_step *st = &plan->steps[i];
		const struct rt_script *s = st->rev && !st->stamp ? st->rev->payload : NULL;
		/* A "-- retort:transaction off" script runs outside the
		 * transaction, as online: COMMIT before it and BEGIN after it,
		 * which is what Alembic's autocommit_block() writes offline. */
		int nontx = s && s->transaction_off;
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
		rt_buf_printf(out, "-- Running %s\n\n", st->short_log ? st->short_log : st->description);
		if (nontx && emit(out, db, RETORT_OFFLINE_COMMIT, NULL, 0, err) < 0)
			goto done;
		if (s && emit_section(out, db, st, err) < 0)
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
		if (transactional && per_migration &&
		    emit(out, db, RETORT_OFFLINE_COMMIT, NULL, 0, err) < 0)
			goto done;
	}
	if (plan->n_steps > 0 && rows == 0) {
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
	rt_free(table);
	return error;
}

/*
 * The mode `path` would have after a shell redirection: an existing file
 * keeps its own, a new one gets 0666 less the umask.  (mkstemp() makes the
 * temp file 0600, which would hide a script meant for a DBA from the
 * group.)  The umask can only be read by setting it, so it is set back at
 * once.
 */
static mode_t target_mode(const char *path)
{
	struct stat st;
	mode_t mask;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	mask = umask(077);
	umask(mask);
	return 0666 & ~mask;
}

int rt_write_file_atomic(const char *path, const char *text, size_t len, struct rt_err *err)
{
	char *tmp = rt_sprintf("%s.XXXXXX", path);
	FILE *f = NULL;
	int fd;
	if (!tmp)
		return rt_err_oom(err);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot create a file next to %s: %s", path,
		           strerror(errno));
		rt_free(tmp);
		return -1;
	}
	if (fchmod(fd, target_mode(path)) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot set the mode of %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	rt_free(tmp);
	return 0;
fail:
	if (f)
		fclose(f);
	unlink(tmp);
	rt_free(tmp);
	return -1;
}
