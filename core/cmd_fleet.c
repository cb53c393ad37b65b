/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_fleet.c - fleet mode: `retort upgrade|downgrade|current|check|
 * verify --targets FILE -j N [--resume]`.  The targets file and the process pool
 * are core/fleet.c; here are the work done for one database (in its own
 * process) and the report: a line per database as it finishes, then a
 * table in file order and a count per outcome, or one JSON document.
 */
#include <string.h>
#include <time.h>

#include "api.h"
#include "fleet.h"
#include "json.h"
#include "printable.h"
#include "project.h"
#include "run.h"
#include "url.h"
#include "verify_db.h"

struct fleet {
	struct rt_project p;
	const struct retort_options *o;
	enum retort_fleet_command cmd;
	const char *target;
	const struct retort_fleet_options *fo;
	unsigned jobs;
	struct rt_fleet_targets t;
	struct rt_fleet_result *res;
	int name_w;                 /* width of the name column */
	FILE *progress;             /* where lines go as databases finish; NULL: nowhere */
};

static const char *const command_names[] = { "upgrade", "downgrade", "current", "check",
                                             "verify" };

/* ------------------------------------------------------------ one database */

static int moves(const struct fleet *f)
{
	return f->cmd == RETORT_FLEET_UPGRADE || f->cmd == RETORT_FLEET_DOWNGRADE;
}

static int copy_rows(struct rt_strvec *to, const struct rt_strvec *from, struct rt_err *err)
{
	size_t i;
	for (i = 0; i < from->n; i++)
		if (rt_strvec_push(to, from->v[i]) < 0)
			return rt_err_oom(err);
	return 0;
}

/* upgrade / downgrade: exactly what `retort upgrade|downgrade` does to one
 * database (core/run.h): the checks of verify first, the history rows, the
 * audit record, the lock. */
static int work_run(struct fleet *f, struct rt_fleet_result *res, struct rt_err *err)
{
	struct retort_run_options ro;
	struct rt_run_request rq;
	struct rt_run_result rr;
	int rc;

	memset(&ro, 0, sizeof(ro));
	ro.tag = f->fo->tag;
	ro.allow_changed = f->fo->allow_changed;
	memset(&rq, 0, sizeof(rq));
	rq.kind = f->cmd == RETORT_FLEET_DOWNGRADE ? RT_RUN_DOWNGRADE : RT_RUN_UPGRADE;
	rq.targets = &f->target;
	rq.n_targets = 1;
	rq.ro = &ro;
	rq.resume = f->fo->resume;
	memset(&rr, 0, sizeof(rr));
	rc = rt_run_online(&f->p, &rq, &rr, err);
	if (rr.lock_timed_out)
		res->outcome = RT_FLEET_LOCKED;
	else if (rc == 0)
		res->outcome = rr.skipped ? RT_FLEET_SKIPPED : rr.changed ? RT_FLEET_OK
		                                                          : RT_FLEET_UNCHANGED;
	/* the rows move into the result */
	res->from = rr.before;
	res->from_known = rr.before_known;
	res->to = rr.after;
	res->to_known = rr.after_known;
	return rc;
}

/* current / check: read without the lock. */
static int work_read(struct fleet *f, struct rt_fleet_result *res, struct rt_err *err)
{
	struct rt_db db;
	struct rt_plan plan;
	int rc;

	if (rt_project_db(&f->p, &db, f->cmd == RETORT_FLEET_CURRENT ? RT_DB_ALLOW_UNKNOWN : 0,
	                  &res->from, err) < 0)
		return -1;
	rt_db_close(&db);
	res->from_known = res->to_known = 1;
	if (copy_rows(&res->to, &res->from, err) < 0)
		return -1;
	res->outcome = RT_FLEET_OK;
	if (f->cmd == RETORT_FLEET_CURRENT)
		return 0;
	memset(&plan, 0, sizeof(plan));
	if (rt_plan_upgrade(&plan, f->p.graph, (const char *const *)res->from.v, res->from.n,
	                    "heads", err) < 0)
		return -1;
	rc = 0;
	if (plan.n_steps > 0) {
		res->outcome = RT_FLEET_PENDING;
		rc = rt_err_set(err, RT_EXIT_DB, "%zu migration(s) pending; run `retort upgrade heads`",
		                plan.n_steps);
	}
	rt_plan_free(&plan);
	return rc;
}

/* verify: what `retort verify` does to one database, its report the
 * database's output; the finding lines are its message. */
static int work_verify(struct fleet *f, struct rt_fleet_result *res, struct rt_err *err)
{
	struct rt_verify_report rep;
	struct rt_buf b = RT_BUF_INIT;
	int rc = 0;

	if (rt_verify_database(&f->p, &rep, err) < 0)
		return -1;
	res->from_known = res->to_known = 1;
	if (copy_rows(&res->from, &rep.rows, err) < 0 || copy_rows(&res->to, &rep.rows, err) < 0) {
		rc = -1;
	} else if (rep.n_findings) {
		res->outcome = RT_FLEET_FINDINGS;
		if (rt_verify_format_findings(&b, &rep) < 0)
			rc = rt_err_oom(err);
		else
			rc = rt_err_set(err, RT_EXIT_DB, "%.*s", (int)(b.len - 1), b.ptr);
	} else {
		res->outcome = RT_FLEET_OK;
	}
	rt_buf_free(&b);
	rt_verify_report_free(&rep);
	return rc;
}

/* The worker: runs in the database's own process (core/fleet.c). */
static void work(size_t i, struct rt_fleet_result *res, void *payload)
{
	struct fleet *f = payload;
	struct rt_err err = { 0, NULL };
	char *url = rt_strdup(f->t.v[i].url);
	int rc;

	if (!url) {
		rt_err_oom(&err);
		rc = -1;
	} else {
		/* this process's copy of the settings now names this database */
		rt_free(f->p.cfg->url);
		f->p.cfg->url = url;
		f->p.cfg->url_from_file = 0;
		res->outcome = RT_FLEET_FAILED;
		if (moves(f))
			rc = work_run(f, res, &err);
		else if (f->cmd == RETORT_FLEET_VERIFY)
			rc = work_verify(f, res, &err);
		else
			rc = work_read(f, res, &err);
	}
	if (rc < 0) {
		res->status = err.status ? err.status : RT_EXIT_DB;
		if (res->outcome != RT_FLEET_LOCKED && res->outcome != RT_FLEET_PENDING &&
		    res->outcome != RT_FLEET_FINDINGS)
			res->outcome = RT_FLEET_FAILED;
		res->message = rt_url_mask_text(err.msg ? err.msg : "out of memory");
	} else {
		res->status = RT_EXIT_OK;
	}
	rt_err_clear(&err);
}

/* ------------------------------------------------------------ the report */

/* "a,b", or "base" for no rows, "?" when unknown. */
static void put_rows(struct rt_buf *b, const struct rt_strvec *rows, int known)
{
	size_t i;
	if (!known) {
		rt_buf_puts(b, "?");
		return;
	}
	if (rows->n == 0)
		rt_buf_puts(b, "base");
	for (i = 0; i < rows->n; i++) {
		if (i)
			rt_buf_putc(b, ',');
		rt_buf_put_printable(b, rows->v[i], strlen(rows->v[i]), RT_PRINT_CLIP);
	}
}

/* Append `text` with every line indented by `indent` (printable). */
static void put_indented(struct rt_buf *b, const char *text, const char *indent)
{
	struct rt_buf p = RT_BUF_INIT;
	const char *s, *nl;
	rt_buf_put_printable(&p, text, strlen(text), RT_PRINT_CLIP);
	for (s = p.ptr ? p.ptr : ""; *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		rt_buf_puts(b, indent);
		rt_buf_put(b, s, nl ? (size_t)(nl - s) : strlen(s));
		rt_buf_putc(b, '\n');
		if (!nl)
			break;
	}
	rt_buf_free(&p);
}

static void put_name(struct rt_buf *b, const char *name, int width)
{
	size_t before = b->len;
	rt_buf_put_printable(b, name, strlen(name), RT_PRINT_CLIP);
	while (!b->oom && (int)(b->len - before) < width)
		rt_buf_putc(b, ' ');
}

/* As database i finishes: its line, its error, and with -v its output. */
static void finished(size_t i, const struct rt_fleet_result *r, void *payload)
{
	struct fleet *f = payload;
	struct rt_buf b = RT_BUF_INIT;
	if (!f->progress)
		return;
	put_name(&b, f->t.v[i].name, f->name_w);
	rt_buf_puts(&b, "  ");
	put_rows(&b, &r->from, r->from_known);
	if (moves(f)) {
		rt_buf_puts(&b, " -> ");
		put_rows(&b, &r->to, r->to_known);
	}
	rt_buf_printf(&b, "  %.2fs  %s\n", r->seconds, rt_fleet_outcome_name(r->outcome));
	if (r->message)
		put_indented(&b, r->message, "    ");
	if (r->output && *r->output && f->o->verbosity > 0)
		put_indented(&b, r->output, "    | ");
	if (b.ptr) {
		fputs(b.ptr, f->progress);
		fflush(f->progress);
	}
	rt_buf_free(&b);
}

static void count_outcomes(const struct fleet *f, size_t *counts)
{
	size_t i;
	int o;
	for (o = 0; o < RT_FLEET_N_OUTCOMES; o++)
		counts[o] = 0;
	for (i = 0; i < f->t.n; i++)
		counts[f->res[i].outcome]++;
}

/* The counts per outcome, "66 ok, 1 failed". */
static void put_counts(struct rt_buf *b, const struct fleet *f, size_t *counts)
{
	int o, first = 1;
	count_outcomes(f, counts);
	for (o = 0; o < RT_FLEET_N_OUTCOMES; o++)
		if (counts[o]) {
			rt_buf_printf(b, "%s%zu %s", first ? "" : ", ", counts[o],
			              rt_fleet_outcome_name((enum rt_fleet_outcome)o));
			first = 0;
		}
}

static void report_text(struct rt_buf *b, const struct fleet *f, double seconds)
{
	size_t counts[RT_FLEET_N_OUTCOMES], i, w_from = 4, w_to = 2;
	struct rt_buf cell = RT_BUF_INIT;

	for (i = 0; i < f->t.n; i++) {
		rt_buf_clear(&cell);
		put_rows(&cell, &f->res[i].from, f->res[i].from_known);
		if (cell.len > w_from)
			w_from = cell.len > 40 ? 40 : cell.len;
		rt_buf_clear(&cell);
		put_rows(&cell, &f->res[i].to, f->res[i].to_known);
		if (cell.len > w_to)
			w_to = cell.len > 40 ? 40 : cell.len;
	}
	if (!moves(f) && w_from < 8)
		w_from = 8;   /* "REVISION" */
	if (f->progress == rt_api_out(f->o))
		rt_buf_putc(b, '\n');
	put_name(b, "NAME", f->name_w);
	if (moves(f))
		rt_buf_printf(b, "  %-*s  %-*s", (int)w_from, "FROM", (int)w_to, "TO");
	else
		rt_buf_printf(b, "  %-*s", (int)w_from, "REVISION");
	rt_buf_puts(b, "  SECONDS  OUTCOME\n");
	for (i = 0; i < f->t.n; i++) {
		const struct rt_fleet_result *r = &f->res[i];
		put_name(b, f->t.v[i].name, f->name_w);
		rt_buf_clear(&cell);
		put_rows(&cell, &r->from, r->from_known);
		rt_buf_printf(b, "  %-*s", (int)w_from, cell.ptr ? cell.ptr : "");
		if (moves(f)) {
			rt_buf_clear(&cell);
			put_rows(&cell, &r->to, r->to_known);
			rt_buf_printf(b, "  %-*s", (int)w_to, cell.ptr ? cell.ptr : "");
		}
		rt_buf_printf(b, "  %7.2f  %s\n", r->seconds, rt_fleet_outcome_name(r->outcome));
	}
	rt_buf_free(&cell);
	rt_buf_printf(b, "%zu database%s in %.2fs (%u at a time): ", f->t.n,
	              f->t.n == 1 ? "" : "s", seconds, f->jobs);
	put_counts(b, f, counts);
	rt_buf_putc(b, '\n');
	/* what went wrong, once more at the end, a line each */
	for (i = 0; i < f->t.n; i++) {
		const struct rt_fleet_result *r = &f->res[i];
		const char *m = r->message;
		if (rt_fleet_outcome_ok(r->outcome) || !m)
			continue;
		put_name(b, f->t.v[i].name, 0);
		rt_buf_printf(b, ": %s: ", rt_fleet_outcome_name(r->outcome));
		{
			size_t n = strcspn(m, "\n");
			rt_buf_put_printable(b, m, n, RT_PRINT_CLIP);
		}
		rt_buf_putc(b, '\n');
	}
}

/* The fleet document of --format json (doc/retort-json.schema.json,
 * "fleet"): the run, a member per database, the summary. */
static void report_json(struct rt_buf *b, const struct fleet *f, double seconds, int status)
{
	size_t counts[RT_FLEET_N_OUTCOMES], i;
	struct rt_json j;
	int o;
	rt_json_init(&j, b);
	rt_json_doc_begin(&j, command_names[f->cmd]);
	rt_json_bool(&j, "fleet", 1);
	rt_json_str(&j, "target", f->target);
	rt_json_int(&j, "jobs", (long long)f->jobs);
	rt_json_bool(&j, "resume", f->fo->resume);
	rt_json_array(&j, "databases");
	for (i = 0; i < f->t.n; i++) {
		const struct rt_fleet_result *r = &f->res[i];
		rt_json_object(&j, NULL);
		rt_json_str(&j, "name", f->t.v[i].name);
		rt_json_str(&j, "url", f->t.v[i].masked);
		rt_json_int(&j, "line", (long long)f->t.v[i].line);
		rt_json_str(&j, "outcome", rt_fleet_outcome_name(r->outcome));
		if (r->from_known)
			rt_json_strvec(&j, "from", &r->from);
		else
			rt_json_null(&j, "from");
		if (r->to_known)
			rt_json_strvec(&j, "to", &r->to);
		else
			rt_json_null(&j, "to");
		rt_json_ms(&j, "duration_ms", (long long)(r->seconds * 1e6));
		rt_json_int(&j, "exit_status", r->status);
		rt_json_str(&j, "error", r->message);
		rt_json_str(&j, "output", r->output ? r->output : "");
		rt_json_object_end(&j);
	}
	rt_json_array_end(&j);
	rt_json_object(&j, "summary");
	rt_json_int(&j, "databases", (long long)f->t.n);
	count_outcomes(f, counts);
	for (o = 0; o < RT_FLEET_N_OUTCOMES; o++)
		rt_json_int(&j, rt_fleet_outcome_name((enum rt_fleet_outcome)o), (long long)counts[o]);
	rt_json_ms(&j, "duration_ms", (long long)(seconds * 1e6));
	rt_json_object_end(&j);
	rt_json_int(&j, "exit_status", status);
	rt_json_doc_end(&j);
}

/* ------------------------------------------------------------ the command */

/* Load each dialect the targets need once, before the workers fork, so
 * that each inherits it instead of loading it again.  A plugin that does
 * not load is left for its databases' workers to report. */
static void preload(struct fleet *f)
{
	size_t i;
	for (i = 0; i < f->t.n; i++) {
		struct rt_url *u = NULL;
		struct rt_err e = { 0, NULL };
		const struct retort_dialect *d;
		if (rt_url_parse(&u, f->t.v[i].url, &e) == 0)
			rt_loader_load(&d, f->p.reg, u->pub.scheme, &f->p.lo, &e);
		rt_url_free(u);
		rt_err_clear(&e);
	}
}

int retort_fleet(const struct retort_options *o, enum retort_fleet_command cmd,
                 const char *target, const struct retort_fleet_options *fo)
{
	struct rt_err err = { 0, NULL };
	struct fleet f;
	struct retort_options po;
	struct timespec t0, t1;
	struct rt_buf out = RT_BUF_INIT;
	size_t i, bad = 0;
	int rc = -1, status = RT_EXIT_OK;

	memset(&f, 0, sizeof(f));
	if ((unsigned)cmd > RETORT_FLEET_VERIFY || !fo || !fo->targets) {
		rt_err_set(&err, RT_EXIT_USAGE, "fleet mode needs --targets FILE");
		return rt_api_finish(&err, -1);
	}
	if ((cmd == RETORT_FLEET_UPGRADE || cmd == RETORT_FLEET_DOWNGRADE) && (!target || !*target)) {
		rt_err_set(&err, RT_EXIT_USAGE, "a target revision is required (e.g. head)");
		return rt_api_finish(&err, -1);
	}
	if (fo->tag && rt_run_check_tag(fo->tag, &err) < 0)
		return rt_api_finish(&err, -1);
	if (o->url) {
		rt_err_set(&err, RT_EXIT_USAGE, "--url and --targets exclude each other: the targets "
		           "file names the databases");
		return rt_api_finish(&err, -1);
	}
	if (fo->jobs > RETORT_FLEET_JOBS_MAX) {
		rt_err_set(&err, RT_EXIT_USAGE, "-j %u is more than %d databases at a time", fo->jobs,
		           RETORT_FLEET_JOBS_MAX);
		return rt_api_finish(&err, -1);
	}
	f.o = o;
	f.cmd = cmd;
	f.target = cmd == RETORT_FLEET_UPGRADE || cmd == RETORT_FLEET_DOWNGRADE ? target : NULL;
	f.fo = fo;
	if (rt_fleet_targets_load(&f.t, fo->targets, &err) < 0)
		return rt_api_finish(&err, -1);
	f.jobs = fo->jobs ? fo->jobs : 1;
	if (f.jobs > f.t.n)
		f.jobs = (unsigned)f.t.n;

	/* The project once, for every worker to inherit.  The URL override
	 * keeps the file's own url (and its ${VAR}) out of it. */
	po = *o;
	po.url = f.t.v[0].url;
	/* verify: an applied revision whose script is gone is a finding */
	if (rt_project_open(&f.p, &po, RT_PROJECT_GRAPH | RT_PROJECT_REGISTRY |
	                    (moves(&f) ? RT_PROJECT_RUN : 0) |
	                    (f.cmd == RETORT_FLEET_VERIFY ? RT_PROJECT_GONE : 0), &err) < 0)
		goto done;
	f.p.o = o;
	if (!(f.res = rt_calloc(f.t.n, sizeof(*f.res)))) {
		rt_err_oom(&err);
		goto done;
	}
	for (i = 0; i < f.t.n; i++) {
		char *p = rt_printable(f.t.v[i].name, RT_PRINT_CLIP);
		int w = p ? (int)strlen(p) : 0;
		if (w > f.name_w)
			f.name_w = w > 40 ? 40 : w;
		rt_free(p);
	}
	if (f.name_w < 4)
		f.name_w = 4;
	if (o->verbosity >= 0)
		f.progress = o->json ? rt_api_log(o) : rt_api_out(o);
	preload(&f);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rt_fleet_run(f.t.n, f.jobs, work, finished, &f, f.res, &err) < 0)
		goto done;
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (i = 0; i < f.t.n; i++)
		if (!rt_fleet_outcome_ok(f.res[i].outcome)) {
			bad++;
			if (f.res[i].status > status)
				status = f.res[i].status;
		}
	if (bad && status == RT_EXIT_OK)
		status = RT_EXIT_DB;
	{
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (o->json)
			report_json(&out, &f, secs, status);
		else
			report_text(&out, &f, secs);
	}
	if (rt_api_emit(o, &out, &err) < 0)
		goto done;
	if (bad) {
		rt_err_set(&err, status, "%zu of %zu databases did not succeed (see the %s above)",
		           bad, f.t.n, o->json ? "document" : "table");
		goto done;
	}
	rc = 0;
done:
	rt_buf_free(&out);
	if (f.res) {
		for (i = 0; i < f.t.n; i++)
			rt_fleet_result_free(&f.res[i]);
		rt_free(f.res);
	}
	rt_project_close(&f.p);
	rt_fleet_targets_free(&f.t);
	return rt_api_finish(&err, rc);
}
