/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_run.c - `retort upgrade`, `downgrade` and `stamp`: plan the
 * steps from the version rows (core/plan.c), then run them through the
 * engine (core/engine.c), or with --sql render them (core/offline.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "fs.h"
#include "history.h"
#include "host.h"
#include "offline.h"
#include "progress.h"
#include "project.h"
#include "run.h"
#include "sidequery.h"
#include "url.h"

static const char *const kind_names[] = { "upgrade", "downgrade", "stamp" };

const char *rt_run_kind_name(enum rt_run_kind kind)
{
	return kind_names[kind];
}

static int make_plan(struct rt_plan *plan, const struct rt_project *p, enum rt_run_kind kind,
                     const struct rt_strvec *rows, const char *const *targets, size_t n,
                     int purge, struct rt_err *err)
{
	const char *const *cur = (const char *const *)rows->v;
	switch (kind) {
	case RT_RUN_UPGRADE:
		return rt_plan_upgrade(plan, p->graph, cur, rows->n, targets[0], err);
	case RT_RUN_DOWNGRADE:
		return rt_plan_downgrade(plan, p->graph, cur, rows->n, targets[0], err);
	case RT_RUN_STAMP:
		return rt_plan_stamp(plan, p->graph, purge ? NULL : cur, purge ? 0 : rows->n,
		                     targets, n, purge, err);
	}
	return -1;
}

/*
 * Offline: "start:end" gives the starting rows; downgrade requires it.
 * stamp takes several targets, each "end" or "start:end" (Alembic's
 * command.stamp): the starts given must all be the same revision, which
 * every target is stamped from (`stamp --sql b:c b:e b:f`).
 */
static int run_offline(struct rt_project *p, enum rt_run_kind kind, const char *const *targets,
                       size_t n, const struct retort_run_options *ro, struct rt_err *err)
{
	struct rt_db db;
	struct rt_strvec start = RT_STRVEC_INIT;
	struct rt_plan plan;
	struct rt_offline_options oo;
	struct rt_buf out = RT_BUF_INIT;
	struct rt_history h;
	struct rt_audit_rec rec;
	char *start_spec = NULL;
	const char **ends = NULL;
	int rc = -1, have_plan = 0, have_start = 0, have_rec = 0;
	size_t i;

	memset(&plan, 0, sizeof(plan));
	memset(&h, 0, sizeof(h));
	if (kind == RT_RUN_STAMP && ro->purge) {
		rt_err_set(err, RT_EXIT_USAGE, "Can't use --purge with --sql mode");
		return -1;
	}
	if (!(ends = rt_calloc(n, sizeof(*ends))))
		return rt_err_oom(err);
	for (i = 0; i < n; i++) {
		const char *colon = strchr(targets[i], ':');
		ends[i] = targets[i];
		if (!colon)
			continue;
		if (strchr(colon + 1, ':')) {
			rt_err_set(err, RT_EXIT_USAGE, "'%s' has more than one ':'; write START:END",
			           targets[i]);
			goto done;
		}
		ends[i] = colon + 1;
		if (!have_start) {
			if (!(start_spec = rt_strndup(targets[i], (size_t)(colon - targets[i]))))
				goto oom;
			have_start = 1;
		} else if (strlen(start_spec) != (size_t)(colon - targets[i]) ||
		           strncmp(start_spec, targets[i], (size_t)(colon - targets[i])) != 0) {
			rt_err_set(err, RT_EXIT_USAGE, "Stamp operation with --sql only supports a "
			           "single starting revision at a time (%s and %.*s)", start_spec,
			           (int)(colon - targets[i]), targets[i]);
			goto done;
		}
	}
	if (kind == RT_RUN_DOWNGRADE && !have_start) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "downgrade with --sql requires <fromrev>:<torev>, e.g. head:base");
		goto done;
	}
	if (have_start && *start_spec &&
	    rt_graph_resolve(p->graph, start_spec, NULL, 0, &start, err) < 0)
		goto done;
	/* A downgrade walks down from one revision (Alembic resolves its start
	 * with get_revision): several, e.g. heads:base on a graph of two
	 * heads, is Alembic's error, not a downgrade of every branch. */
	if (kind == RT_RUN_DOWNGRADE && start.n > 1) {
		rt_err_set(err, RT_EXIT_USAGE, "Multiple head revisions are present for given "
		           "argument '%s'; please specify a specific target revision, "
		           "'<branchname>@%s' to narrow to a specific head, or 'heads' for all "
		           "heads (downgrade --sql starts from one revision: %s names %zu)",
		           start_spec, start_spec, start_spec, start.n);
		goto done;
	}
	if (rt_db_open(&db, p->cfg, p->reg, &p->lo, 0, err) < 0)
		goto done;
	if (make_plan(&plan, p, kind, &start, ends, kind == RT_RUN_STAMP ? n : 1, ro->purge, err) < 0)
		goto close;
	have_plan = 1;
	memset(&oo, 0, sizeof(oo));
	oo.transaction_per_migration = p->cfg->transaction_per_migration;
	oo.n_start_rows = start.n;
	oo.version_table = p->cfg->version_table;
	oo.version_table_schema = p->cfg->version_table_schema;
	oo.xargs = &p->cfg->xargs;
	/* offline_history: the script records itself as a run would */
	if (p->cfg->offline_history && rt_history_supported(&db)) {
		if (rt_history_init(&h, &db, p->cfg, p->graph, err) < 0 ||
		    rt_audit_begin(&rec, kind_names[kind], p->cfg->version_table, ro->tag, err) < 0)
			goto close;
		have_rec = 1;
		if (!(rec.rows_before = rt_audit_rows((const char *const *)start.v, start.n))) {
			rt_err_oom(err);
			goto close;
		}
		for (i = 0; i < start.n; i++)
			if (rt_strvec_push(&h.start_rows, start.v[i]) < 0) {
				rt_err_oom(err);
				goto close;
			}
		h.rec = &rec;
		h.stamp = kind == RT_RUN_STAMP;
		oo.history = &h;
	}
	if (rt_offline_render(&out, &db, &plan, &oo, err) < 0)
		goto close;
	if (ro->output)
		rc = rt_fs_write_atomic(ro->output, out.ptr ? out.ptr : "", out.len, err);
	else
		rc = rt_api_emit(p->o, &out, err);
close:
	rt_history_free(&h);
	if (have_rec)
		rt_audit_free(&rec);
	rt_db_close(&db);
done:
	if (have_plan)
		rt_plan_free(&plan);
	rt_buf_free(&out);
	rt_strvec_free(&start);
	rt_free(start_spec);
	rt_free(ends);
	return rc;
oom:
	rt_err_oom(err);
	goto done;
}

/*
 * `downgrade -N` from several version rows: Alembic warns that this is
 * ambiguous ("will be disallowed in a future release") and steps down from
 * whichever row its SELECT returned first.  retort refuses (exit 2), naming
 * the rows and the unambiguous spelling, ROW@-N, of each choice
 * (README, "Where retort decides").
 */
static int ambiguous_relative(const char *target, const struct rt_strvec *rows,
                              struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *d = target + 1;
	size_t i;
	if (rows->n < 2 || target[0] != '-' || !*d || strspn(d, "0123456789") != strlen(d))
		return 0;
	rt_buf_printf(&b, "downgrade %s from several heads is ambiguous: the database is at ",
	              target);
	for (i = 0; i < rows->n; i++)
		rt_buf_printf(&b, "%s%s", i ? (i + 1 == rows->n ? " and " : ", ") : "", rows->v[i]);
	rt_buf_puts(&b, "; say which head to step down from: ");
	for (i = 0; i < rows->n; i++)
		rt_buf_printf(&b, "%sretort downgrade %s@%s", i ? (i + 1 == rows->n ? " or " : ", ") : "",
		              rows->v[i], target);
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	rt_err_set(err, RT_EXIT_USAGE, "%s", b.ptr);
	rt_buf_free(&b);
	return -1;
}

/* Append the record to audit_log; a failure there is the command's. */
static int log_line(const struct rt_project *p, int fd, const struct rt_audit_rec *rec,
                    const struct rt_db *db, struct rt_err *err)
{
	const char *masked = db->url ? db->url->pub.masked : NULL;
	if (fd < 0 || !rec->outcome)
		return 0;
	return rt_audit_log_append(fd, p->cfg->audit_log, rec, masked, err);
}

/*
 * Once connected (even when locking or reading then failed, so that the
 * record of that failure has them): the database user for the audit record
 * and the side tables' state.  rc is the connection's outcome so far;
 * returns it, or an out-of-memory error when it was 0.
 */
static int connected_record(struct rt_db *db, const struct rt_project *p,
                            const struct rt_graph *graph, struct rt_audit_rec *rec,
                            struct rt_history *h, int rc, struct rt_err *err)
{
	struct rt_err e2 = { 0, NULL };
	if (!db->connected)
		return rc;
	if ((rt_db_session_user(db, &rec->db_user, &e2) < 0 ||
	     rt_history_init(h, db, p->cfg, graph, &e2) < 0) && rc == 0)
		rc = rt_err_oom(err);
	rt_err_clear(&e2);
	return rc;
}

/*
 * A command failed with `err`: end its record with the rows now (read into
 * `now`, emptied first; returns 1 when they could be read), write it to
 * retort_audit in a transaction of its own (best effort: a failure to
 * record it is a warning, the command's error stays), and to audit_log.
 */
static int record_failure(const struct rt_project *p, struct rt_db *db, struct rt_history *h,
                          struct rt_audit_rec *rec, int fd, struct rt_strvec *now,
                          struct rt_err *err)
{
	struct rt_err e2 = { 0, NULL };
	char *after = NULL;
	int read = 0;

	rt_strvec_free(now);
	if (db->connected && rt_db_read_versions(db, now, &e2) == 0) {
		read = 1;
		after = rt_audit_rows((const char *const *)now->v, now->n);
	}
	rt_err_clear(&e2);
	rt_audit_end(rec, after, err);
	if (db->connected && h->db && rt_history_audit_alone(h, rec, &e2) < 0)
		rt_host()->log(RETORT_LOG_WARNING, "the failure could not be recorded in %s: %s",
		               RT_AUDIT_TABLE, e2.msg ? e2.msg : "out of memory");
	rt_err_clear(&e2);
	if (log_line(p, fd, rec, db, &e2) < 0)
		rt_host()->log(RETORT_LOG_WARNING, "%s", e2.msg ? e2.msg : "out of memory");
	rt_err_clear(&e2);
	rt_free(after);
	return read;
}

/*
 * --resume: plan from the rows read without the lock; when there is
 * nothing to do the database is left alone (1), else 0 to go on as usual.
 */
static int at_target(struct rt_project *p, const struct rt_run_request *rq,
                     struct rt_run_result *res, struct rt_err *err)
{
	struct rt_plan plan;
	size_t i;
	int rc;

	memset(&plan, 0, sizeof(plan));
	if (make_plan(&plan, p, rq->kind, &res->before, rq->targets, rq->n_targets, rq->ro->purge,
	              err) < 0)
		return -1;
	rc = plan.n_steps == 0;
	rt_plan_free(&plan);
	if (!rc)
		return 0;
	res->skipped = res->before_known = res->after_known = 1;
	for (i = 0; i < res->before.n; i++)
		if (rt_strvec_push(&res->after, res->before.v[i]) < 0)
			return rt_err_oom(err);
	return 1;
}

int rt_run_online(struct rt_project *p, const struct rt_run_request *rq,
                  struct rt_run_result *res, struct rt_err *err)
{
	const struct retort_run_options *ro = rq->ro;
	enum rt_run_kind kind = rq->kind;
	struct rt_db db;
	struct rt_plan plan;
	struct rt_engine_options eo;
	struct rt_history h;
	struct rt_audit_rec rec;
	struct rt_strvec *rows = &res->before;
	int purge = kind == RT_RUN_STAMP && ro->purge;
	unsigned flags = RT_DB_LOCK | RT_DB_KEEP | (purge ? RT_DB_ALLOW_UNKNOWN : 0);
	int rc = -1, have_plan = 0, fd = -1;
	size_t i;

	memset(&plan, 0, sizeof(plan));
	memset(&db, 0, sizeof(db));
	memset(&h, 0, sizeof(h));
	if (rt_audit_begin(&rec, kind_names[kind], p->cfg->version_table, ro->tag, err) < 0)
		return -1;
	if (p->cfg->audit_log && rt_audit_log_open(&fd, p->cfg->audit_log, err) < 0)
		goto done;
	if (!rq->resume) {
		rc = rt_project_db(p, &db, flags, rows, err);
	} else if ((rc = rt_project_db(p, &db, flags & ~RT_DB_LOCK, rows, err)) == 0 &&
	           (rc = at_target(p, rq, res, err)) == 0) {
		rc = rt_project_db_read(p, &db, flags, rows, err);
	} else if (rc == 1) {
		rc = 0;
		goto done;  /* nothing to do: not locked, not recorded */
	}
	res->lock_timed_out = db.lock_timed_out;
	rc = connected_record(&db, p, p->graph, &rec, &h, rc, err);
	if (rc < 0)
		goto failed;
	res->before_known = 1;
	rc = -1;
	if (!(rec.rows_before = rt_audit_rows((const char *const *)rows->v, rows->n))) {
		rt_err_oom(err);
		goto failed;
	}
	if (!rt_history_supported(&db))
		rt_host()->log(RETORT_LOG_WARNING, "dialect %s has no %s (optional since ABI 1.1), "
		               "so nothing is recorded in %s or %s", db.d->name,
		               rt_db_can_query(&db) ? "column_type()" : "query()", RT_HISTORY_TABLE,
		               RT_AUDIT_TABLE);
	if (rt_history_probe(&h, err) < 0)
		goto failed;
	if (kind == RT_RUN_UPGRADE &&
	    rt_history_precheck(&h, p->cfg, rows, ro->allow_changed, 1, err) < 0)
		goto failed;
	if (kind == RT_RUN_DOWNGRADE && ambiguous_relative(rq->targets[0], rows, err) < 0)
		goto failed;
	if (make_plan(&plan, p, kind, rows, rq->targets, rq->n_targets, ro->purge, err) < 0)
		goto failed;
	have_plan = 1;
	if (rq->pg)
		rt_progress_plan(rq->pg, plan.n_steps);
	h.rec = &rec;
	h.stamp = kind == RT_RUN_STAMP;
	for (i = 0; i < rows->n; i++)
		if (rt_strvec_push(&h.start_rows, rows->v[i]) < 0) {
			rt_err_oom(err);
			goto failed;
		}
	memset(&eo, 0, sizeof(eo));
	eo.transaction_per_migration = p->cfg->transaction_per_migration;
	eo.purge = purge;
	eo.purge_rows = rows;
	eo.quiet = p->o->verbosity < 0;
	eo.log = rt_api_log(p->o);
	eo.xargs = &p->cfg->xargs;
	eo.progress = rq->pg;
	eo.hooks = &rt_history_hooks;
	eo.hooks_payload = &h;
	eo.always = h.accept.n > 0; /* accepting an edit is a change to record */
	if (rt_engine_run(&db, &plan, &eo, err) < 0)
		goto failed;
	res->changed = plan.n_steps > 0 || h.accept.n > 0;
	for (i = 0; i < plan.final_heads.n; i++)
		if (rt_strvec_push(&res->after, plan.final_heads.v[i]) < 0) {
			rt_err_oom(err);
			goto failed;
		}
	res->after_known = 1;
	rc = log_line(p, fd, &rec, &db, err);
	goto done;
failed:
	/* the rows it left are of interest once they were read under the lock */
	res->after_known = record_failure(p, &db, &h, &rec, fd, &res->after, err) &&
	                   res->before_known;
	rc = -1;
done:
	rt_history_free(&h);
	rt_db_close(&db);
	if (fd >= 0)
		close(fd);
	rt_audit_free(&rec);
	if (have_plan)
		rt_plan_free(&plan);
	return rc;
}

void rt_run_result_free(struct rt_run_result *res)
{
	rt_strvec_free(&res->before);
	rt_strvec_free(&res->after);
}

/*
 * --tag (Alembic's, which hands it to env.py): a label for the run, kept in
 * the audit trail and shown by -v.  One line of printable text, at most
 * 255 bytes, so that it prints and stores as given.
 */
int rt_run_check_tag(const char *tag, struct rt_err *err)
{
	const unsigned char *c;
	if (!*tag || strlen(tag) > 255)
		return rt_err_set(err, RT_EXIT_USAGE, "--tag takes 1 to 255 bytes of text");
	for (c = (const unsigned char *)tag; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return rt_err_set(err, RT_EXIT_USAGE, "--tag must be printable text on one "
			                  "line (it is recorded and shown as given)");
	return 0;
}

/*
 * An online run with its progress (core/progress.h) and, with --format
 * json, its document: the steps with their durations, whether it succeeded,
 * the version rows it left, the error.  An error before the plan (a bad
 * revision, no connection) prints no document, as for every command.
 */
static int run_timed(struct rt_project *p, enum rt_run_kind kind, const char *const *targets,
                     size_t n, const struct retort_run_options *ro, struct rt_err *err)
{
	const struct retort_options *o = p->o;
	struct rt_progress pg;
	struct rt_buf out = RT_BUF_INIT;
	struct rt_json j;
	struct rt_run_request rq;
	struct rt_run_result res;
	struct rt_err werr = { 0, NULL };
	long long total = 0;
	int rc;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	rq.kind = kind;
	rq.targets = targets;
	rq.n_targets = n;
	rq.ro = ro;
	rq.pg = &pg;
	rt_json_init(&j, &out);
	if (o->json) {
		rt_json_doc_begin(&j, kind_names[kind]);
		rt_json_array(&j, "steps");
	}
	rt_progress_start(&pg, o->verbosity < 0 ? NULL : rt_api_log(o), o->verbosity > 0,
	                  o->json ? &j : NULL);
	rc = rt_run_online(p, &rq, &res, err);
	rt_progress_finish(&pg, rc == 0, &total);
	if (o->json && pg.planned) {
		rt_json_array_end(&j);
		rt_json_bool(&j, "ok", rc == 0);
		rt_json_int(&j, "migrations", (long long)(pg.n_done - pg.n_stamps));
		rt_json_ms(&j, "duration_ms", total);
		if (rc == 0)
			rt_json_strvec(&j, "version_rows", &res.after);
		else
			rt_json_null(&j, "version_rows");
		rt_json_str(&j, "error", rc == 0 ? NULL : err->msg ? err->msg : "out of memory");
		rt_json_doc_end(&j);
		/* the run's own error stays the one reported */
		if (rt_api_emit(o, &out, &werr) < 0 && rc == 0) {
			rt_err_set(err, werr.status, "%s", werr.msg ? werr.msg : "out of memory");
			rc = -1;
		}
		rt_err_clear(&werr);
	}
	rt_buf_free(&out);
	rt_run_result_free(&res);
	return rc;
}

static int run_cmd(const struct retort_options *o, enum rt_run_kind kind, const char *const *targets,
                   size_t n, const struct retort_run_options *ro)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct retort_run_options none;
	int rc;

	if (!ro) {
		memset(&none, 0, sizeof(none));
		ro = &none;
	}
	if (n == 0 || !targets[0] || !*targets[0]) {
		rt_err_set(&err, RT_EXIT_USAGE, "a target revision is required (e.g. head)");
		return rt_api_finish(&err, -1);
	}
	if (ro->sql && o->json) {
		rt_err_set(&err, RT_EXIT_USAGE, "--format json does not apply to --sql, whose output "
		           "is the SQL itself");
		return rt_api_finish(&err, -1);
	}
	if (ro->output && !ro->sql) {
		rt_err_set(&err, RT_EXIT_USAGE, "--output only makes sense with --sql");
		return rt_api_finish(&err, -1);
	}
	if (ro->tag && rt_run_check_tag(ro->tag, &err) < 0)
		return rt_api_finish(&err, -1);
	if (rt_project_open(&p, o, RT_PROJECT_GRAPH | RT_PROJECT_REGISTRY |
	                    (kind != RT_RUN_STAMP ? RT_PROJECT_RUN : 0), &err) < 0)
		return rt_api_finish(&err, -1);
	if (ro->tag && o->verbosity > 0)
		fprintf(rt_api_log(o), "Tag: %s\n", ro->tag);
	if (ro->sql)
		rc = run_offline(&p, kind, targets, n, ro, &err);
	else if (n == 1 && kind != RT_RUN_STAMP && strchr(targets[0], ':'))
		rc = rt_err_set(&err, RT_EXIT_USAGE,
		                "a range (%s) is only allowed with --sql", targets[0]);
	else
		rc = run_timed(&p, kind, targets, n, ro, &err);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}

int retort_upgrade(const struct retort_options *o, const char *target,
                   const struct retort_run_options *ro)
{
	return run_cmd(o, RT_RUN_UPGRADE, &target, 1, ro);
}

int retort_downgrade(const struct retort_options *o, const char *target,
                     const struct retort_run_options *ro)
{
	return run_cmd(o, RT_RUN_DOWNGRADE, &target, 1, ro);
}

int retort_stamp(const struct retort_options *o, const char *const *revs, size_t n,
                 const struct retort_run_options *ro)
{
	return run_cmd(o, RT_RUN_STAMP, revs, n, ro);
}

/*
 * `ensure-version` (Alembic's ensure_version): create the version table if
 * it does not exist, under the migration lock; with --sql print its CREATE
 * TABLE.  No script is read.  Creating the table is recorded in
 * retort_audit (and audit_log) as any change is, a failure too; a table
 * already there is nothing to do and nothing recorded, as an upgrade
 * already at its target.
 */
int retort_ensure_version(const struct retort_options *o, const struct retort_run_options *ro)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_db db;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_plan plan;
	struct rt_engine_options eo;
	struct rt_history h;
	struct rt_audit_rec rec;
	struct rt_buf out = RT_BUF_INIT;
	int rc = -1, have_rec = 0, fd = -1;

	if (ro && ro->output && !ro->sql) {
		rt_err_set(&err, RT_EXIT_USAGE, "--output only makes sense with --sql");
		return rt_api_finish(&err, -1);
	}
	if (rt_project_open(&p, o, RT_PROJECT_REGISTRY, &err) < 0)
		return rt_api_finish(&err, -1);
	memset(&plan, 0, sizeof(plan));
	memset(&db, 0, sizeof(db));
	memset(&h, 0, sizeof(h));
	if (ro && ro->sql) {
		if (rt_db_open(&db, p.cfg, p.reg, &p.lo, 0, &err) < 0)
			goto done;
		rc = rt_offline_ensure_version(&out, &db, &err);
		if (rc == 0 && ro->output)
			rc = rt_fs_write_atomic(ro->output, out.ptr ? out.ptr : "", out.len, &err);
		else if (rc == 0)
			rc = rt_api_emit(o, &out, &err);
		rt_db_close(&db);
		goto done;
	}
	if (rt_audit_begin(&rec, "ensure-version", p.cfg->version_table, ro ? ro->tag : NULL,
	                   &err) < 0)
		goto done;
	have_rec = 1;
	if (p.cfg->audit_log && rt_audit_log_open(&fd, p.cfg->audit_log, &err) < 0)
		goto done;
	rc = rt_project_db(&p, &db, RT_DB_LOCK | RT_DB_ALLOW_UNKNOWN | RT_DB_KEEP, &rows, &err);
	rc = connected_record(&db, &p, NULL, &rec, &h, rc, &err);
	if (rc < 0)
		goto failed;
	if (db.table_exists)
		goto close;
	rc = -1;
	if (!(rec.rows_before = rt_audit_rows((const char *const *)rows.v, rows.n))) {
		rt_err_oom(&err);
		goto failed;
	}
	if (rt_history_probe(&h, &err) < 0)
		goto failed;
	h.rec = &rec;
	h.audit_only = 1;
	memset(&eo, 0, sizeof(eo));
	eo.ensure_version = 1;
	eo.quiet = o->verbosity < 0;
	eo.log = rt_api_log(o);
	eo.hooks = &rt_history_hooks;
	eo.hooks_payload = &h;
	if (rt_engine_run(&db, &plan, &eo, &err) < 0)
		goto failed;
	rc = log_line(&p, fd, &rec, &db, &err);
	goto close;
failed: {
		struct rt_strvec now = RT_STRVEC_INIT;
		record_failure(&p, &db, &h, &rec, fd, &now, &err);
		rt_strvec_free(&now);
	}
	rc = -1;
close:
	rt_history_free(&h);
	rt_db_close(&db);
done:
	if (fd >= 0)
		close(fd);
	if (have_rec)
		rt_audit_free(&rec);
	rt_buf_free(&out);
	rt_strvec_free(&rows);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}
