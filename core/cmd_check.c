/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_check.c - `retort check`: exit 0 when the database is at the
 * heads (every script parsed, since the graph loaded), 1 listing the
 * pending migrations otherwise (Alembic's `check` for SQL scripts).  First
 * the checks `upgrade` runs before it plans (rt_history_precheck): an
 * applied script edited since it ran fails the check as it would fail the
 * upgrade, with its message, unless on_changed_script = "warn".
 */
#include <string.h>

#include "api.h"
#include "history.h"
#include "json.h"
#include "project.h"

/* --format json: the rows, and the pending steps (also when there are some,
 * and the command exits 1). */
static int print_json(const struct retort_options *o, const struct rt_strvec *rows,
                      const struct rt_plan *plan, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_json j;
	size_t i;
	int rc;
	rt_json_init(&j, &b);
	rt_json_doc_begin(&j, "check");
	rt_json_bool(&j, "up_to_date", plan->n_steps == 0);
	rt_json_strvec(&j, "version_rows", rows);
	rt_json_array(&j, "pending");
	for (i = 0; i < plan->n_steps; i++) {
		const struct rt_step *st = &plan->steps[i];
		rt_json_object(&j, NULL);
		rt_json_str(&j, "revision", st->rev ? st->rev->id : NULL);
		rt_json_str(&j, "description", st->description);
		rt_json_object_end(&j);
	}
	rt_json_array_end(&j);
	rt_json_doc_end(&j);
	rc = rt_api_emit(o, &b, err);
	rt_buf_free(&b);
	return rc;
}

int retort_check(const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_db db;
	struct rt_history h;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_plan plan;
	int rc = -1, have_plan = 0;
	size_t i;

	memset(&plan, 0, sizeof(plan));
	if (rt_project_open(&p, o, RT_PROJECT_GRAPH | RT_PROJECT_REGISTRY, &err) < 0)
		return rt_api_finish(&err, -1);
	if (rt_project_db(&p, &db, 0, &rows, &err) < 0)
		goto done;
	if (rt_history_init(&h, &db, p.cfg, p.graph, &err) < 0) {
		rt_db_close(&db);
		goto done;
	}
	rc = rt_history_probe(&h, &err);
	if (rc == 0)
		rc = rt_history_precheck(&h, p.cfg, &rows, 0, 0, &err);
	if (rc == 0)
		rc = rt_plan_upgrade(&plan, p.graph, (const char *const *)rows.v, rows.n, "heads",
		                     &err);
	rt_history_free(&h);
	rt_db_close(&db);
	if (rc < 0)
		goto done;
	have_plan = 1;
	if (o->json && print_json(o, &rows, &plan, &err) < 0) {
		rc = -1;
		goto done;
	}
	if (plan.n_steps > 0) {
		struct rt_buf b = RT_BUF_INIT;
		rt_buf_printf(&b, "%zu migration(s) pending; run `retort upgrade heads`:", plan.n_steps);
		for (i = 0; i < plan.n_steps; i++)
			rt_buf_printf(&b, "\n  %s", plan.steps[i].description);
		rt_err_set(&err, RT_EXIT_DB, "%s", b.ptr ? b.ptr : "migrations pending");
		rt_buf_free(&b);
		rc = -1;
	} else {
		if (!o->json)
			fprintf(rt_api_out(o), "No new upgrade operations detected.\n");
		rc = 0;
	}
done:
	if (have_plan)
		rt_plan_free(&plan);
	rt_strvec_free(&rows);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}
