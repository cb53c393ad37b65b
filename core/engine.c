/*
 * core/engine.c - database sessions and plan execution.  See engine.h.
 */
#include "engine.h"

#include "config.h" /* core/config.h: the project configuration */

#include <stdarg.h>
#include <string.h>

#include "host.h"
#include "loader.h"
#include "script.h"
#include "url.h"

/* ------------------------------------------------------------ errors */

/* Replace every occurrence of `secret` in `s` with "***" (new string). */
static char *mask_secret(const char *s, const char *secret)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t n;
	const char *p;
	if (!secret || !*secret)
		return rt_strdup(s);
	n = strlen(secret);
	while ((p = strstr(s, secret)) != NULL) {
		rt_buf_put(&b, s, (size_t)(p - s));
		rt_buf_puts(&b, "***");
		s = p + n;
	}
	rt_buf_puts(&b, s);
	p = rt_buf_detach(&b);
	rt_buf_free(&b);
	return (char *)p;
}

int rt_db_error(struct rt_err *err, const struct rt_db *db, struct retort_error *perr, int rc,
                const char *what_fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *secret = db && db->url ? db->url->password : NULL;
	char *masked;
	va_list ap;
	int status;

	va_start(ap, what_fmt);
	rt_buf_vprintf(&b, what_fmt, ap);
	va_end(ap);
	rt_buf_puts(&b, ": ");
	if (perr->message && *perr->message)
		rt_buf_puts(&b, perr->message);
	else
		rt_buf_printf(&b, "failed in dialect %s (code %d)", db && db->d ? db->d->name : "?", rc);
	if (perr->sqlstate[0] && perr->native_code)
		rt_buf_printf(&b, " [SQLSTATE %s, code %ld]", perr->sqlstate, perr->native_code);
	else if (perr->sqlstate[0])
		rt_buf_printf(&b, " [SQLSTATE %s]", perr->sqlstate);
	else if (perr->native_code)
		rt_buf_printf(&b, " [code %ld]", perr->native_code);
	if (perr->statement)
		rt_buf_printf(&b, "\n  statement %u (line %u): %s", perr->stmt_index, perr->stmt_line,
		              perr->statement);
	masked = NULL;
	if (!b.oom) {
		/* the URL's password wherever it shows, then any URL or pwd= */
		char *m1 = mask_secret(b.ptr, secret);
		masked = m1 ? rt_url_mask_text(m1) : NULL;
		rt_free(m1);
	}
	rt_buf_free(&b);
	status = (rc == RETORT_EUSAGE) ? RT_EXIT_USAGE : RT_EXIT_DB;
	rt_dialect_error_free(perr);
	if (!masked)
		return rt_err_oom(err);
	rt_err_set(err, status, "%s", masked);
	rt_free(masked);
	return -1;
}

/* ------------------------------------------------------------ session */

int rt_db_open(struct rt_db *db, const struct rt_config *cfg, const struct rt_registry *reg,
               const struct rt_loader_options *lo, int connect, struct rt_err *err)
{
	struct retort_dialect_options dopts;
	struct retort_error perr;
	int rc;

	memset(db, 0, sizeof(*db));
	if (!cfg->url || !*cfg->url)
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "no database URL: set `url` in %s, pass --url, or set $RETORT_URL",
		                  cfg->path);
	if (rt_url_parse(&db->url, cfg->url, err) < 0)
		return -1;
	if (rt_loader_load(&db->d, reg, db->url->pub.scheme, lo, err) < 0)
		goto fail;

	memset(&dopts, 0, sizeof(dopts));
	dopts.struct_size = sizeof(dopts);
	dopts.version_table = cfg->version_table;
	dopts.version_table_schema = cfg->version_table_schema;
	dopts.base_dir = cfg->dir;
	dopts.lock_timeout_ms = cfg->lock_timeout_ms;

	rt_dialect_error_init(&perr);
	rc = db->d->create(&db->conn, &db->url->pub, &dopts, &perr);
	if (rc < 0) {
		rt_db_error(err, db, &perr, rc == RETORT_ERROR ? RETORT_EUSAGE : rc,
		            "%s: invalid database URL %s", db->d->name, db->url->pub.masked);
		if (rc == RETORT_ERROR)
			err->status = RT_EXIT_USAGE;
		goto fail;
	}
	if (connect) {
		rc = db->d->connect(db->conn, &perr);
		if (rc < 0) {
			rt_db_error(err, db, &perr, rc, "cannot connect to %s", db->url->pub.masked);
			goto fail;
		}
		db->connected = 1;
	}
	return 0;
fail:
	rt_db_close(db);
	return -1;
}

void rt_db_close(struct rt_db *db)
{
	if (db->conn && db->locked && db->d->unlock) {
		struct retort_error perr;
		rt_dialect_error_init(&perr);
		db->d->unlock(db->conn, &perr);
		rt_dialect_error_free(&perr);
	}
	if (db->conn)
		db->d->destroy(db->conn);
	rt_url_free(db->url);
	memset(db, 0, sizeof(*db));
}

int rt_db_lock(struct rt_db *db, struct rt_err *err)
{
	struct retort_error perr;
	int rc;
	if (!db->d->lock) {
		rt_host()->log(RETORT_LOG_WARNING,
		               "dialect %s has no migration lock; do not run two retort "
		               "processes against this database at once", db->d->name);
		return 0;
	}
	rt_dialect_error_init(&perr);
	rc = db->d->lock(db->conn, &perr);
	if (rc < 0) {
		if (rc == RETORT_ELOCKED && !perr.message)
			rt_host()->error_set(&perr, rc, "another retort run holds the migration lock");
		rt_db_error(err, db, &perr, rc, "cannot take the migration lock on %s",
		            db->url->pub.masked);
		if (rc == RETORT_ELOCKED)
			rt_err_prefix(err, "timed out waiting (lock_timeout)");
		return -1;
	}
	rt_dialect_error_free(&perr);
	db->locked = 1;
	return 0;
}

static int collect_row(const char *v, void *payload)
{
	return rt_strvec_push(payload, v) < 0 ? -1 : 0;
}

int rt_db_read_versions(struct rt_db *db, struct rt_strvec *rows, struct rt_err *err)
{
	struct retort_error perr;
	int rc;
	rt_dialect_error_init(&perr);
	rc = db->d->version_read(db->conn, collect_row, rows, &perr);
	if (rc == RETORT_ENOTFOUND) {
		rt_dialect_error_free(&perr);
		db->table_exists = 0;
		return 0;
	}
	if (rc < 0)
		return rt_db_error(err, db, &perr, rc, "cannot read the version table");
	rt_dialect_error_free(&perr);
	db->table_exists = 1;
	rt_strvec_sort(rows);
	return 0;
}

/* ------------------------------------------------------------ engine */

struct run {
	struct rt_db *db;
	const struct rt_engine_options *o;
	int in_tx;
	int commit_failed;      /* the failure was in commit: state unknown */
	struct retort_error perr;
};

#define CALL(r, expr, ...)                                                   \
	do {                                                                 \
		int rc_;                                                     \
		rt_dialect_error_init(&(r)->perr);                           \
		rc_ = (expr);                                                \
		if (rc_ < 0)                                                 \
			return rt_db_error(err, (r)->db, &(r)->perr, rc_, __VA_ARGS__); \
		rt_dialect_error_free(&(r)->perr);                           \
	} while (0)

static int tx_begin(struct run *r, struct rt_err *err)
{
	const struct retort_dialect *d = r->db->d;
	if (r->in_tx)
		return 0;
	CALL(r, d->begin(r->db->conn, &r->perr), "cannot begin a transaction");
	r->in_tx = 1;
	return 0;
}

static int tx_commit(struct run *r, struct rt_err *err)
{
	const struct retort_dialect *d = r->db->d;
	if (!r->in_tx)
		return 0;
	r->in_tx = 0;
	r->commit_failed = 1;
	CALL(r, d->commit(r->db->conn, &r->perr), "cannot commit");
	r->commit_failed = 0;
	return 0;
}

static void tx_rollback(struct run *r)
{
	if (r->in_tx) {
		struct retort_error perr;
		rt_dialect_error_init(&perr);
		r->db->d->rollback(r->db->conn, &perr);
		rt_dialect_error_free(&perr);
		r->in_tx = 0;
	}
}

static int ensure_table(struct run *r, struct rt_err *err)
{
	if (r->db->table_exists)
		return 0;
	CALL(r, r->db->d->version_create(r->db->conn, &r->perr), "cannot create the version table");
	r->db->table_exists = 1;
	return 0;
}

static int apply_ops(struct run *r, const struct rt_step *st, struct rt_err *err)
{
	const struct retort_dialect *d = r->db->d;
	size_t i;
	for (i = 0; i < st->n_ops; i++) {
		const struct rt_vop *op = &st->ops[i];
		switch (op->kind) {
		case RT_VOP_INSERT:
			CALL(r, d->version_insert(r->db->conn, op->to, &r->perr),
			     "cannot record revision %s in the version table", op->to);
			break;
		case RT_VOP_UPDATE:
			CALL(r, d->version_update(r->db->conn, op->from, op->to, &r->perr),
			     "cannot move the version table from %s to %s", op->from, op->to);
			break;
		case RT_VOP_DELETE:
			CALL(r, d->version_delete(r->db->conn, op->from, &r->perr),
			     "cannot remove revision %s from the version table", op->from);
			break;
		}
	}
	return 0;
}

static int run_script(struct run *r, const struct rt_step *st, struct rt_err *err)
{
	const struct rt_script *s;
	const struct rt_section *sec;
	if (!st->rev || st->stamp)
		return 0;
	s = st->rev->payload;
	sec = rt_script_section(s, st->upgrade, r->db->url->pub.scheme, r->db->d->name);
	if (!sec)
		return 0; /* a script without this direction's section does nothing */
	CALL(r, r->db->d->execute(r->db->conn, s->text + sec->offset, sec->len, sec->first_line,
	                          &r->perr),
	     "%s of revision %s failed (%s)", st->upgrade ? "upgrade" : "downgrade", st->rev->id,
	     s->path);
	return 0;
}

/* Append what the version table holds now to the error (best effort). */
static void explain_state(struct rt_db *db, struct rt_err *err, int transactional,
                          int single_tx, int nontx_started, int commit_failed)
{
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_err e2 = { 0, NULL };
	struct rt_buf b = RT_BUF_INIT;
	size_t i;

	rt_buf_puts(&b, err->msg ? err->msg : "out of memory");
	if (commit_failed)
		rt_buf_puts(&b, "\n  the failure happened while committing: the version table below "
		                "says what was applied");
	else if (single_tx)
		rt_buf_puts(&b, "\n  the transaction was rolled back: no migration of this run is applied");
	else if (transactional && !nontx_started)
		rt_buf_puts(&b, "\n  this migration was rolled back; the migrations before it stay applied");
	else
		rt_buf_puts(&b, "\n  this database cannot roll back DDL (or the script ran outside a "
		                "transaction): statements before the failing one were committed and "
		                "must be undone by hand before retrying");
	if (rt_db_read_versions(db, &rows, &e2) == 0) {
		rt_buf_puts(&b, "\n  version table now: ");
		if (rows.n == 0)
			rt_buf_puts(&b, "(empty)");
		for (i = 0; i < rows.n; i++)
			rt_buf_printf(&b, "%s%s", i ? ", " : "", rows.v[i]);
	}
	if (!b.oom) {
		rt_free(err->msg);
		err->msg = rt_buf_detach(&b);
	}
	rt_buf_free(&b);
	rt_err_clear(&e2);
	rt_strvec_free(&rows);
}

int rt_engine_run(struct rt_db *db, const struct rt_plan *plan,
                  const struct rt_engine_options *o, struct rt_err *err)
{
	struct run r;
	unsigned caps = db->d->caps ? db->d->caps(db->conn) : 0;
	int transactional = (caps & RETORT_CAP_TRANSACTIONAL_DDL) != 0;
	int per_migration = o->transaction_per_migration || !transactional;
	int nontx_started = 0;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.o = o;

	if (plan->n_steps == 0 && !o->purge)
		return 0;

	/* The table (and a purge) go in the first transaction. */
	if (tx_begin(&r, err) < 0 || ensure_table(&r, err) < 0)
		goto fail;
	if (o->purge && o->purge_rows) {
		for (i = 0; i < o->purge_rows->n; i++) {
			struct rt_vop op = { RT_VOP_DELETE, o->purge_rows->v[i], NULL };
			struct rt_step st;
			memset(&st, 0, sizeof(st));
			st.ops = &op;
			st.n_ops = 1;
			if (apply_ops(&r, &st, err) < 0)
				goto fail;
		}
	}

	for (i = 0; i < plan->n_steps; i++) {
		const struct rt_step *st = &plan->steps[i];
		const struct rt_script *s = st->rev && !st->stamp ? st->rev->payload : NULL;
		int nontx = s && s->transaction_off;

		if (!o->quiet && o->log)
			fprintf(o->log, "%s\n", st->description);
		if (nontx) {
			if (!(caps & RETORT_CAP_NONTX_SCRIPTS)) {
				rt_err_set(err, RT_EXIT_USAGE,
				           "%s: '-- retort:transaction off' is not supported by dialect %s; "
				           "remove the line", s->path, db->d->name);
				goto fail;
			}
			/* Commit what came before, run the script on its own. */
			if (tx_commit(&r, err) < 0)
				goto fail;
			nontx_started = 1;
			if (run_script(&r, st, err) < 0)
				goto fail;
			nontx_started = 0;
			if (tx_begin(&r, err) < 0 || apply_ops(&r, st, err) < 0)
				goto fail;
			if (per_migration && tx_commit(&r, err) < 0)
				goto fail;
			continue;
		}
		if (tx_begin(&r, err) < 0 || run_script(&r, st, err) < 0 || apply_ops(&r, st, err) < 0)
			goto fail;
		if (per_migration && tx_commit(&r, err) < 0)
			goto fail;
	}
	if (tx_commit(&r, err) < 0)
		goto fail;
	return 0;
fail:
	tx_rollback(&r);
	explain_state(db, err, transactional, !per_migration && !nontx_started, nontx_started,
	              r.commit_failed);
	return -1;
}
