/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_show.c - the read-only commands: `retort current`, `history`,
 * `heads`, `branches` and `show`.  They format the graph (core/format.c)
 * and read the version rows only when the output needs them, without
 * taking the migration lock.
 */
#include <string.h>

#include "api.h"
#include "format.h"
#include "project.h"
#include "url.h"

enum show_kind { SHOW_HISTORY, SHOW_HEADS, SHOW_BRANCHES, SHOW_CURRENT, SHOW_SHOW };
static const char *const kind_name[] = { "history", "heads", "branches", "current", "show" };

struct show_args {
	enum show_kind kind;
	const char *range;
	int verbose, indicate_current, resolve_dependencies;
	const char *const *specs;
	size_t n_specs;
};

/* `show current` needs the database. */
static int has_current_spec(const struct show_args *a)
{
	size_t i;
	for (i = 0; i < a->n_specs; i++)
		if (strcmp(a->specs[i], "current") == 0)
			return 1;
	return 0;
}

static int needs_db(const struct show_args *a)
{
	switch (a->kind) {
	case SHOW_CURRENT:
		return 1;
	case SHOW_HISTORY:
		return a->indicate_current || (a->range && strstr(a->range, "current"));
	case SHOW_SHOW:
		return has_current_spec(a);
	default:
		return 0;
	}
}

static int show_cmd(const struct retort_options *o, const struct show_args *a)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_db db;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_buf out = RT_BUF_INIT;
	struct rt_format_opts fo = RT_FORMAT_OPTS_INIT;
	struct rt_json json;
	int need_db = needs_db(a);
	int rc = -1;
	size_t i;

	memset(&db, 0, sizeof(db));
	if (rt_project_open(&p, o, RT_PROJECT_GRAPH | (need_db ? RT_PROJECT_REGISTRY : 0),
	                    &err) < 0)
		return rt_api_finish(&err, -1);
	/* read-only: no lock, and unknown rows are reported by the formatter */
	if (need_db && rt_project_db(&p, &db, RT_DB_ALLOW_UNKNOWN, &rows, &err) < 0)
		goto done;
	fo.verbose = a->verbose;
	fo.indicate_current = a->indicate_current;
	fo.resolve_dependencies = a->resolve_dependencies;
	if (o->json) {
		/* one document, even for `show A B`: the revisions in one array */
		rt_json_init(&json, &out);
		rt_json_doc_begin(&json, kind_name[a->kind]);
		rt_json_array(&json, "revisions");
		fo.json = &json;
	}
	fo.current = (const char *const *)rows.v;
	fo.n_current = rows.n;
	fo.url = db.url ? db.url->pub.masked : NULL;
	switch (a->kind) {
	case SHOW_HISTORY:
		rc = rt_format_history(&out, p.graph, a->range, &fo, &err);
		break;
	case SHOW_HEADS:
		rc = rt_format_heads(&out, p.graph, &fo, &err);
		break;
	case SHOW_BRANCHES:
		rc = rt_format_branches(&out, p.graph, &fo, &err);
		break;
	case SHOW_CURRENT:
		rc = rt_format_current(&out, p.graph, &fo, &err);
		break;
	case SHOW_SHOW:
		rc = 0;
		for (i = 0; rc == 0 && i < a->n_specs; i++)
			rc = rt_format_show(&out, p.graph, a->specs[i], &fo, &err);
		break;
	}
	if (rc == 0 && fo.json) {
		rt_json_array_end(&json);
		rt_json_doc_end(&json);
	}
	if (rc == 0)
		rc = rt_api_emit_text(o, &out, &err);
done:
	if (db.d)
		rt_db_close(&db);
	rt_buf_free(&out);
	rt_strvec_free(&rows);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}

int retort_current(const struct retort_options *o, int verbose)
{
	struct show_args a = { SHOW_CURRENT, NULL, verbose, 0, 0, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_history(const struct retort_options *o, const char *range, int verbose,
                   int indicate_current)
{
	struct show_args a = { SHOW_HISTORY, range, verbose, indicate_current, 0, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_heads(const struct retort_options *o, int verbose, int resolve_dependencies)
{
	struct show_args a = { SHOW_HEADS, NULL, verbose, 0, resolve_dependencies, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_branches(const struct retort_options *o, int verbose)
{
	struct show_args a = { SHOW_BRANCHES, NULL, verbose, 0, 0, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_show(const struct retort_options *o, const char *const *revs, size_t n)
{
	struct show_args a = { SHOW_SHOW, NULL, 0, 0, 0, revs, n };
	return show_cmd(o, &a);
}
