/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_edit.c - `retort edit [REV]`: open one revision's script (head
 * by default) in the user's editor (core/editor.c).
 */
#include "api.h"
#include "editor.h"
#include "project.h"

int retort_edit(const struct retort_options *o, const char *rev)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_strvec ids = RT_STRVEC_INIT;
	const struct rt_revision *r;
	const char *spec = rev ? rev : "head";
	int rc = -1;

	if (rt_project_open(&p, o, RT_PROJECT_GRAPH, &err) < 0)
		return rt_api_finish(&err, -1);
	if (rt_graph_get_revisions(p.graph, spec, &ids, &err) < 0)
		goto done;
	if (ids.n != 1) {
		rt_err_set(&err, RT_EXIT_USAGE, "'%s' names %zu revisions; edit one at a time",
		           spec, ids.n);
		goto done;
	}
	r = rt_graph_get(p.graph, ids.v[0]);
	if (!r || !r->path) {
		rt_err_set(&err, RT_EXIT_USAGE, "revision %s has no file", ids.v[0]);
		goto done;
	}
	rc = rt_editor_run(r->path, &err);
done:
	rt_strvec_free(&ids);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}
