/* SPDX-License-Identifier: MIT */
/*
 * core/engine.c - database sessions and plan execution.  See engine.h.
 */
#include "engine.h"

#include "settings.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "lease.h"
#include "loader.h"
#include "mask.h"
#include "printable.h"
#include "progress.h"
#include "script.h"
#include "secret.h"
#include "stmtloop.h"
#include "url.h"

/* ------------------------------------------------------------ errors */

int rt_db_error(struct rt_err *err, const struct rt_db *db, struct retort_error *perr, int rc,
                const char *what_fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	char **secrets = NULL;
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
	/* the URL's secrets wherever they stand as tokens, then any URL or pwd=
	 * (the one policy of core/mask.c, which plugins get through the host) */
	if (!b.oom && (secrets = rt_url_secrets(db && db->url ? &db->url->pub : NULL)) != NULL)
		masked = rt_mask(b.ptr, (const char *const *)secrets, 0);
	rt_secrets_free(secrets);
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

static int truthy(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	             strcmp(v, "on") == 0);
}

/* Take the core's own URL parameters out of the URL the plugin sees. */
static int take_core_params(struct rt_db *db, struct rt_err *err)
{
	struct rt_url *u = db->url;
	size_t i = 0, j;
	while (i < u->n_params) {
		const char *k = u->params[i].key, *v = u->params[i].value;
		if (strcmp(k, "retort_lock_strategy") == 0) {
			int s = rt_lock_strategy_parse(v);
			if (s < 0)
				return rt_err_set(err, RT_EXIT_USAGE, "%s: retort_lock_strategy must "
				                  "be auto, session or table", u->pub.masked);
			db->url_lock_strategy = s;
		} else if (strcmp(k, "pgbouncer") == 0) {
			if (truthy(v))
				db->url_lock_strategy = RT_LOCK_TABLE_LEASE;
		} else {
			i++;
			continue;
		}
		rt_free((char *)u->params[i].key);
		rt_free((char *)u->params[i].value);
		for (j = i + 1; j < u->n_params; j++)
			u->params[j - 1] = u->params[j];
		u->n_params--;
	}
	u->pub.n_params = u->n_params;
	return 0;
}

int rt_db_open(struct rt_db *db, const struct rt_settings *cfg, const struct rt_registry *reg,
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
	db->url_lock_strategy = -1;
	db->cfg = cfg;
	if (rt_url_parse(&db->url, cfg->url, err) < 0)
		return -1;
	if (take_core_params(db, err) < 0)
		goto fail;
	if (rt_loader_load(&db->d, reg, db->url->pub.scheme, lo, err) < 0)
		goto fail;
	/* Only a session that connects needs the password (not --sql). */
	if (connect && rt_secret_url_password(db->url, cfg, err) < 0)
		goto fail;

	memset(&dopts, 0, sizeof(dopts));
	dopts.struct_size = sizeof(dopts);
	dopts.version_table = cfg->version_table;
	dopts.version_table_schema = cfg->version_table_schema;
	dopts.base_dir = cfg->dir;
	dopts.lock_timeout_ms = cfg->lock_timeout_ms;

	rt_dialect_error_init(&perr);
	db->dopts = dopts;
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
	if (db->lease) {
		/* after the run's connection is gone: its work is over */
		struct rt_err e = { 0, NULL };
		if (rt_lease_release(db->lease, &e) < 0 && e.msg)
			rt_host()->log(RETORT_LOG_WARNING, "%s", e.msg);
		rt_err_clear(&e);
	}
	rt_url_free(db->url);
	memset(db, 0, sizeof(*db));
}

static int lock_table(struct rt_db *db, const char *why, struct rt_err *err)
{
	const struct rt_settings *cfg = db->cfg;
	struct rt_lease_opts lo;
	int timed_out = 0;

	memset(&lo, 0, sizeof(lo));
	lo.version_table = db->dopts.version_table ? db->dopts.version_table : "alembic_version";
	lo.schema = db->dopts.version_table_schema;
	lo.lease_ms = cfg ? cfg->lock_lease_ms : 60000;
	lo.timeout_ms = db->dopts.lock_timeout_ms;
	rt_host()->log(RETORT_LOG_INFO, "taking the migration lease in %s (lock_strategy "
	               "table: %s) on %s", RT_LOCK_TABLE, why, db->url->pub.masked);
	if (rt_lease_acquire(&db->lease, db, &lo, &timed_out, err) < 0) {
		rt_err_prefix(err, "cannot take the migration lock on %s", db->url->pub.masked);
		if (timed_out) {
			db->lock_timed_out = 1;
			rt_err_prefix(err, "timed out waiting (lock_timeout)");
		}
		return -1;
	}
	rt_host()->log(RETORT_LOG_INFO, "holding the migration lock (a lease in %s)",
	               RT_LOCK_TABLE);
	return 0;
}

int rt_db_renew_lock(struct rt_db *db, int force, struct rt_err *err)
{
	return db->lease ? rt_lease_renew(db->lease, force, err) : 0;
}

int rt_db_lock(struct rt_db *db, struct rt_err *err)
{
	struct retort_error perr;
	int rc, strategy = db->url_lock_strategy;
	const char *why = "the URL says so";

	if (strategy < 0) {
		strategy = rt_lock_strategy_parse(db->cfg ? db->cfg->lock_strategy : NULL);
		why = "retort.cfg says so";
	}
	if (strategy == RT_LOCK_AUTO && rt_lease_is_galera(db)) {
		strategy = RT_LOCK_TABLE_LEASE;
		why = "auto: a Galera cluster node, where GET_LOCK is local to one node";
	}
	if (strategy == RT_LOCK_TABLE_LEASE && db->d->lock && db->d->caps &&
	    !(db->d->caps(db->conn) & RETORT_CAP_ADVISORY_LOCK)) {
		/* The dialect's lock is not a server's (a database file's, as
		 * SQLite's): no pooler or cluster stands in between, and a second
		 * connection writing a lease row would wait for the run's own. */
		rt_host()->log(RETORT_LOG_INFO, "lock_strategy table: dialect %s locks the "
		               "database itself, not a server session; using its lock",
		               db->d->name);
		strategy = RT_LOCK_SESSION;
	}
	if (strategy == RT_LOCK_TABLE_LEASE)
		return lock_table(db, why, err);
	if (!db->d->lock) {
		rt_host()->log(RETORT_LOG_WARNING,
		               "dialect %s has no migration lock; do not run two retort "
		               "processes against this database at once", db->d->name);
		return 0;
	}
	rt_host()->log(RETORT_LOG_INFO, "taking the migration lock on %s", db->url->pub.masked);
	rt_dialect_error_init(&perr);
	rc = db->d->lock(db->conn, &perr);
	if (rc < 0) {
		if (rc == RETORT_ELOCKED && !perr.message)
			rt_host()->error_set(&perr, rc, "another retort run holds the migration lock");
		rt_db_error(err, db, &perr, rc, "cannot take the migration lock on %s",
		            db->url->pub.masked);
		if (rc == RETORT_ELOCKED) {
			db->lock_timed_out = 1;
			rt_err_prefix(err, "timed out waiting (lock_timeout)");
		}
		return -1;
	}
	rt_dialect_error_free(&perr);
	rt_host()->log(RETORT_LOG_INFO, "holding the migration lock");
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
	int finished;           /* the finish hook ran */
	int commit_failed;      /* the failure was in commit: state unknown */
	char sqlstate[8];       /* of the last failed call, "" if none */
	struct retort_error perr;
};

#define CALL(r, expr, ...)                                                   \
	do {                                                                 \
		int rc_;                                                     \
		rt_dialect_error_init(&(r)->perr);                           \
		rc_ = (expr);                                                \
		if (rc_ < 0) {                                               \
			memcpy((r)->sqlstate, (r)->perr.sqlstate, sizeof((r)->sqlstate)); \
			(r)->sqlstate[sizeof((r)->sqlstate) - 1] = '\0';   \
			return rt_db_error(err, (r)->db, &(r)->perr, rc_, __VA_ARGS__); \
		}                                                            \
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
	/* a table lease must still be ours when anything is committed */
	if (rt_db_renew_lock(r->db, 1, err) < 0)
		return -1;
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
	const struct rt_engine_hooks *h = r->o->hooks;
	if (!r->db->table_exists) {
		CALL(r, r->db->d->version_create(r->db->conn, &r->perr),
		     "cannot create the version table");
		r->db->table_exists = 1;
	}
	return h && h->prepare ? h->prepare(r->o->hooks_payload, r->db, err) : 0;
}

static int step_hook(struct run *r, const struct rt_step *st, const struct rt_script *s,
                     struct rt_err *err)
{
	const struct rt_engine_hooks *h = r->o->hooks;
	return h && h->step ? h->step(r->o->hooks_payload, r->db, st, s, err) : 0;
}

/* The finish hook, once, in the transaction about to commit last. */
static int finish_hook(struct run *r, struct rt_err *err)
{
	const struct rt_engine_hooks *h = r->o->hooks;
	if (r->finished)
		return 0;
	r->finished = 1;
	return h && h->finish ? h->finish(r->o->hooks_payload, r->db, err) : 0;
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

/*
 * A transaction that only writes version rows is retried when the database
 * rolled it back as a whole for a reason that may not recur: SQLSTATE class
 * 40, "transaction rollback" (a serialization failure, a deadlock, and on
 * a MariaDB Galera cluster a certification conflict with a write committed
 * on another node, which the client sees as deadlock 1213 / 40001).  The
 * retry runs the same rows again: nothing else was in the transaction.
 */
#define RETRIES 5

static int retryable(const struct run *r)
{
	return r->sqlstate[0] == '4' && r->sqlstate[1] == '0';
}

/* Wait a little before retry `attempt` (1-based): 20, 40, 80, ... ms, plus
 * up to 15 ms that differ between processes so that two runners that
 * collided do not collide again in lockstep. */
static void backoff(unsigned attempt)
{
	long ms = 20L << (attempt > 5 ? 5 : attempt - 1);
	struct timespec ts;
	ms += (long)(getpid() % 16);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Record step `st` (its version rows, and what the hooks add: its history
 * row, and when it is the `last` step the command's record) in a
 * transaction of its own. */
static int record_alone(struct run *r, const struct rt_step *st, const struct rt_script *s,
                        int last, struct rt_err *err)
{
	unsigned attempt;
	const char *id = st->rev ? st->rev->id : "?";
	for (attempt = 1;; attempt++) {
		r->sqlstate[0] = '\0';
		r->finished = 0;
		if (tx_begin(r, err) == 0 && apply_ops(r, st, err) == 0 &&
		    step_hook(r, st, s, err) == 0 && (!last || finish_hook(r, err) == 0) &&
		    tx_commit(r, err) == 0)
			return 0;
		if (!retryable(r))
			return -1;
		if (attempt == RETRIES)
			return rt_err_prefix(err, "gave up recording revision %s after %u attempts, "
			                     "each rolled back by the database (SQLSTATE %s: a "
			                     "serialization failure, deadlock or, on Galera, a "
			                     "certification conflict)", id, attempt, r->sqlstate);
		tx_rollback(r);
		r->commit_failed = 0;
		if (!r->o->quiet)
			rt_host()->log(RETORT_LOG_WARNING,
			               "the database rolled back the version-table write of revision "
			               "%s (SQLSTATE %s: a serialization failure, deadlock or, on "
			               "Galera, a certification conflict); retrying (attempt %u of %u): "
			               "%s", id, r->sqlstate, attempt + 1, RETRIES,
			               err->msg ? err->msg : "");
		rt_err_clear(err);
		backoff(attempt);
	}
}

/* Execute the step's section; *ran says whether there was one. */
/* The statements of a section, copied out of the dialect's split(). */
struct stmts {
	char **text;
	size_t *len;
	unsigned *line;
	size_t n, cap;
};

static void stmts_free(struct stmts *x)
{
	size_t i;
	for (i = 0; i < x->n; i++)
		rt_free(x->text[i]);
	rt_free(x->text);
	rt_free(x->len);
	rt_free(x->line);
	memset(x, 0, sizeof(*x));
}

static int collect_stmt(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct stmts *x = payload;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		char **t = rt_realloc(x->text, cap * sizeof(*t));
		size_t *l;
		unsigned *ln;
		if (!t)
			return -1;
		x->text = t;
		if (!(l = rt_realloc(x->len, cap * sizeof(*l))))
			return -1;
		x->len = l;
		if (!(ln = rt_realloc(x->line, cap * sizeof(*ln))))
			return -1;
		x->line = ln;
		x->cap = cap;
	}
	if (!(x->text[x->n] = rt_strndup(stmt, len)))
		return -1;
	x->len[x->n] = len;
	x->line[x->n++] = line;
	return 0;
}

/* Counts the statements of a re-split; the first must be the whole text. */
struct resplit {
	const char *text;
	size_t len;
	size_t n;
	int same;
};

static int count_stmt(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct resplit *x = payload;
	(void)line;
	if (x->n++ == 0)
		x->same = x->len == len && memcmp(x->text, stmt, len) == 0;
	return 0;
}

/*
 * Split a section into statements that can each be executed on their own:
 * the dialect's split() gives them, and each must split again into exactly
 * itself (a MySQL DELIMITER block, an SQL Server GO batch or an Oracle
 * block holds ';' and does not).  0 with the statements, or -1: run the
 * section whole.
 */
static int split_alone(const struct rt_db *db, const char *sql, size_t len, unsigned first_line,
                       struct stmts *out)
{
	struct retort_error perr;
	size_t i;
	int rc;
	rt_dialect_error_init(&perr);
	rc = db->d->split(db->conn, sql, len, first_line, collect_stmt, out, &perr);
	rt_dialect_error_free(&perr);
	for (i = 0; rc == 0 && i < out->n; i++) {
		struct resplit x = { out->text[i], out->len[i], 0, 0 };
		rt_dialect_error_init(&perr);
		rc = db->d->split(db->conn, x.text, x.len, out->line[i], count_stmt, &x, &perr);
		rt_dialect_error_free(&perr);
		if (rc == 0 && (x.n != 1 || !x.same))
			rc = -1;
	}
	return rc == 0 ? 0 : -1;
}

/* Verbose progress of the statements of a section, which shows their
 * text: masked by the policy for the URL's secrets (core/mask.c). */
struct observe {
	struct rt_progress *pg;
	char **secrets;   /* rt_url_secrets() of the run's URL, or NULL */
};

static void observe_start(void *payload, unsigned index, unsigned line, const char *stmt,
                          size_t len)
{
	struct observe *o = payload;
	char *copy = rt_strndup(stmt, len);
	char *shown = copy && o->secrets ? rt_mask(copy, (const char *const *)o->secrets, 0) : NULL;
	/* out of memory: the statement goes untold rather than unmasked */
	rt_progress_stmt(o->pg, index, line, shown ? shown : "", shown ? strlen(shown) : 0);
	rt_free(shown);
	rt_free(copy);
}

static void observe_done(void *payload, int ok)
{
	struct observe *o = payload;
	rt_progress_stmt_done(o->pg, ok);
}

/*
 * Execute a section through the dialect.  A plugin with execute_statement
 * (ABI 1.2) gets the core's statement loop (core/stmtloop.c), which tells
 * verbose progress (-v) of each statement with its duration.  An older
 * plugin's execute() is given the section whole; with -v it is run
 * statement by statement when its statements can run alone and the script
 * runs in a transaction: the dialect then sees each statement as its own
 * section, so an error's statement index is set back to the statement's
 * place in the section.  Either way the error and the statements shown are
 * masked for the URL's secrets.
 */
static int execute_section(struct run *r, const struct rt_script *s, const char *sql, size_t len,
                           unsigned first_line)
{
	const struct retort_dialect *d = r->db->d;
	struct rt_progress *pg = r->o->progress;
	struct rt_exec_opts eo;
	struct observe ob;
	struct stmts x;
	size_t i;
	int rc = 0;

	memset(&eo, 0, sizeof(eo));
	eo.url = &r->db->url->pub;
	if (!pg || !pg->verbose || (!rt_dialect_has_loop(d) && (!d->split || s->transaction_off)))
		return rt_dialect_execute(d, r->db->conn, sql, len, first_line, &eo, &r->perr);
	ob.pg = pg;
	if (!(ob.secrets = rt_url_secrets(eo.url)))
		return rt_host()->error_set(&r->perr, RETORT_ENOMEM, "out of memory");
	if (rt_dialect_has_loop(d)) {
		/* the core's statement loop: each statement told as it runs */
		eo.start = observe_start;
		eo.done = observe_done;
		eo.payload = &ob;
		rc = rt_dialect_execute(d, r->db->conn, sql, len, first_line, &eo, &r->perr);
		rt_secrets_free(ob.secrets);
		return rc;
	}
	/* an older plugin's own execute(), a statement at a time */
	memset(&x, 0, sizeof(x));
	if (split_alone(r->db, sql, len, first_line, &x) < 0) {
		stmts_free(&x);
		rt_secrets_free(ob.secrets);
		return rt_dialect_execute(d, r->db->conn, sql, len, first_line, &eo, &r->perr);
	}
	for (i = 0; rc == 0 && i < x.n; i++) {
		observe_start(&ob, (unsigned)i + 1, x.line[i], x.text[i], x.len[i]);
		rc = rt_dialect_execute(d, r->db->conn, x.text[i], x.len[i], x.line[i], &eo,
		                        &r->perr);
		rt_progress_stmt_done(pg, rc >= 0);
		if (rc < 0 && r->perr.statement)
			r->perr.stmt_index = (unsigned)i + 1;
	}
	stmts_free(&x);
	rt_secrets_free(ob.secrets);
	return rc;
}

static int run_script(struct run *r, const struct rt_step *st, const struct rt_script *s,
                      int *ran, struct rt_err *err)
{
	const struct rt_section *sec;
	const char *text;
	char *owned = NULL;
	size_t len;
	int rc;

	*ran = 0;
	if (!s)
		return 0;
	sec = rt_script_section(s, st->upgrade, r->db->url->pub.scheme, r->db->d->name);
	if (!sec)
		return 0; /* a script without this direction's section does nothing */
	*ran = 1;
	if (rt_script_section_text(&text, &len, &owned, s, sec, r->o->xargs, err) < 0)
		return -1;
	rt_dialect_error_init(&r->perr);
	rc = execute_section(r, s, text, len, sec->first_line);
	rt_free(owned); /* the error holds its own copy of the statement */
	if (rc < 0)
		return rt_db_error(err, r->db, &r->perr, rc, "%s of revision %s failed (%s)",
		                   st->upgrade ? "upgrade" : "downgrade", st->rev->id, s->path);
	rt_dialect_error_free(&r->perr);
	return 0;
}

/* How a run stood when it failed, for the error message. */
struct failure_state {
	int transactional;          /* the dialect has transactional DDL */
	int single_tx;              /* the whole run was one transaction */
	int nontx_started;          /* inside a script running outside a transaction */
	const char *unrecorded;     /* a script that completed and whose work is
	                               committed, whose version rows are not */
	int unrecorded_nontx;       /* ... because it ran outside a transaction */
	int commit_failed;
};

/* Append what happened and what the version table holds now to the error
 * (best effort). */
static void explain_state(struct rt_db *db, struct rt_err *err, const struct failure_state *f)
{
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_err e2 = { 0, NULL };
	struct rt_buf b = RT_BUF_INIT;
	size_t i;

	rt_buf_puts(&b, err->msg ? err->msg : "out of memory");
	if (f->unrecorded)
		rt_buf_printf(&b, "\n  revision %s %s, but the version table does not record it: "
		                  "once the cause is fixed, `retort stamp` the revisions the "
		                  "database is really at", f->unrecorded,
		              f->unrecorded_nontx ? "ran outside a transaction and completed"
		                                  : "completed and its work is committed");
	else if (f->commit_failed)
		rt_buf_puts(&b, "\n  the failure happened while committing: the version table below "
		                "says what was applied");
	else if (f->single_tx)
		rt_buf_puts(&b, "\n  the transaction was rolled back: no migration of this run is applied");
	else if (f->transactional && !f->nontx_started)
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

/* The script a step runs, read now (NULL for a stamp step). */
static int step_script(struct rt_script **s, const struct rt_step *st, struct rt_err *err)
{
	*s = NULL;
	return st->rev && !st->stamp ? rt_script_read(s, st->rev, err) : 0;
}

static int nontx_unsupported(const struct rt_db *db, const struct rt_script *s, struct rt_err *err)
{
	return rt_err_set(err, RT_EXIT_USAGE, "%s: '-- retort:transaction off' is not supported "
	                  "by dialect %s; remove the line", s->path, db->d->name);
}

/*
 * Scripts are read when their step runs, one at a time.  Before anything
 * is committed that a later failure could not take back, every script
 * still to run is read and checked (parsed, its Revision ID unchanged, a
 * "transaction off" the dialect supports), so that a script that cannot
 * run stops the run before it applies anything: nothing half-applied.
 */
static int check_scripts(const struct rt_db *db, const struct rt_plan *plan, size_t from,
                         unsigned caps, const struct rt_strvec *xargs, struct rt_err *err)
{
	size_t i;
	for (i = from; i < plan->n_steps; i++) {
		const struct rt_step *st = &plan->steps[i];
		struct rt_script *s;
		int bad = 0;
		if (step_script(&s, st, err) < 0)
			return -1;
		if (s && s->transaction_off && !(caps & RETORT_CAP_NONTX_SCRIPTS)) {
			nontx_unsupported(db, s, err);
			bad = 1;
		}
		if (s && !bad) {
			/* its ${x:key} references have values */
			const struct rt_section *sec = rt_script_section(s, st->upgrade,
			                                                 db->url->pub.scheme,
			                                                 db->d->name);
			const char *text;
			char *owned = NULL;
			size_t len;
			bad = sec && rt_script_section_text(&text, &len, &owned, s, sec, xargs, err) < 0;
			rt_free(owned);
		}
		rt_script_free(s);
		if (bad)
			return -1;
	}
	return 0;
}

int rt_engine_run(struct rt_db *db, const struct rt_plan *plan,
                  const struct rt_engine_options *o, struct rt_err *err)
{
	struct run r;
	struct failure_state f;
	unsigned caps = db->d->caps ? db->d->caps(db->conn) : 0;
	int per_migration, checked = 0;
	struct rt_script *s = NULL;
	size_t i;

	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	r.db = db;
	r.o = o;
	f.transactional = (caps & RETORT_CAP_TRANSACTIONAL_DDL) != 0;
	per_migration = o->transaction_per_migration || !f.transactional;
	f.single_tx = !per_migration;

	if (plan->n_steps == 0 && !o->purge && !o->ensure_version && !o->always)
		return 0;
	/* Migrations committed one by one (or DDL that commits itself): check
	 * every script first.  In one transaction a failure takes everything
	 * back, so scripts are checked only before a commit in the middle. */
	if (per_migration) {
		if (check_scripts(db, plan, 0, caps, o->xargs, err) < 0)
			return -1;
		checked = 1;
	}

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
		int nontx, ran, last = i + 1 == plan->n_steps;

		rt_script_free(s);
		if (rt_db_renew_lock(db, 0, err) < 0 || step_script(&s, st, err) < 0)
			goto fail;
		nontx = s && s->transaction_off;
		if (o->progress) {
			rt_progress_step(o->progress, st);
		} else if (!o->quiet && o->log) {
			/* the description quotes the script's Message header */
			char *d = rt_printable(st->description, 0);
			if (d)
				fprintf(o->log, "%s\n", d);
			rt_free(d);
		}
		if (nontx) {
			if (!(caps & RETORT_CAP_NONTX_SCRIPTS)) {
				nontx_unsupported(db, s, err);
				goto fail;
			}
			/* Commit what came before, run the script on its own, then
			 * record it in a transaction of its own at once: a later
			 * failure must not roll back the record of a script that
			 * stays applied. */
			if (!checked && check_scripts(db, plan, i + 1, caps, o->xargs, err) < 0)
				goto fail;
			checked = 1;
			if (tx_commit(&r, err) < 0)
				goto fail;
			f.single_tx = 0;
			f.nontx_started = 1;
			if (run_script(&r, st, s, &ran, err) < 0)
				goto fail;
			f.nontx_started = 0;
			f.unrecorded = st->rev->id;
			f.unrecorded_nontx = 1;
			if (record_alone(&r, st, s, last, err) < 0)
				goto fail;
			f.unrecorded = NULL;
			goto step_done;
		}
		if (tx_begin(&r, err) < 0 || run_script(&r, st, s, &ran, err) < 0)
			goto fail;
		if (ran && !f.transactional) {
			/* Without transactional DDL the script's work cannot be
			 * taken back anyway: commit it, then record it in a
			 * transaction of its own, which can be retried whole when
			 * the database rolls it back (a Galera certification
			 * conflict), and which never loses the script's trailing
			 * data changes with it. */
			if (tx_commit(&r, err) < 0)
				goto fail;
			f.unrecorded = st->rev->id;
			f.unrecorded_nontx = 0;
			if (record_alone(&r, st, s, last, err) < 0)
				goto fail;
			f.unrecorded = NULL;
			goto step_done;
		}
		if (apply_ops(&r, st, err) < 0 || step_hook(&r, st, s, err) < 0)
			goto fail;
		if (per_migration && ((last && finish_hook(&r, err) < 0) || tx_commit(&r, err) < 0))
			goto fail;
	step_done:
		if (o->progress)
			rt_progress_step_done(o->progress, 1);
	}
	rt_script_free(s);
	s = NULL;
	if (!r.finished && (tx_begin(&r, err) < 0 || finish_hook(&r, err) < 0))
		goto fail;
	if (tx_commit(&r, err) < 0)
		goto fail;
	return 0;
fail:
	rt_script_free(s);
	if (o->progress && o->progress->step)
		rt_progress_step_done(o->progress, 0);
	tx_rollback(&r);
	f.commit_failed = r.commit_failed;
	explain_state(db, err, &f);
	return -1;
}
