/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_revision.c - `retort revision` and `retort merge`: plan the new
 * script's header (core/format.c), render the project's script template,
 * check that it parses back to what was meant, and write the file.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "api.h"
#include "format.h"
#include "fs.h"
#include "project.h"
#include "randid.h"
#include "script.h"
#include "template.h"

/* A random id not taken yet (a collision in 48 bits is unlikely, but the
 * id must be unique in the graph). */
static int random_rev_id(char **out, const struct rt_graph *g, struct rt_err *err)
{
	char id[RT_RANDID_LEN + 1];
	int tries;
	*out = NULL;
	for (tries = 0; tries < 100; tries++) {
		if (rt_randid(id, err) < 0)
			return -1;
		if (!rt_graph_get(g, id)) {
			*out = rt_strdup(id);
			return *out ? 0 : rt_err_oom(err);
		}
	}
	return rt_err_set(err, RT_EXIT_DB, "cannot find an unused revision id");
}

static char *join_csv(const struct rt_strvec *v)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t i;
	char *r;
	for (i = 0; i < v->n; i++)
		rt_buf_printf(&b, "%s%s", i ? ", " : "", v->v[i]);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}

/* Decide the new revision's id: --rev-id (validated) or a random one. */
static int new_rev_id(char **out, const struct rt_project *p,
                      const struct retort_revision_options *ro, struct rt_err *err)
{
	*out = NULL;
	if (!ro->rev_id)
		return random_rev_id(out, p->graph, err);
	if (!rt_script_valid_id(ro->rev_id))
		return rt_err_set(err, RT_EXIT_USAGE, "--rev-id '%s' is not valid: use 1 to 32 "
		                  "characters of [A-Za-z0-9_]", ro->rev_id);
	if (rt_graph_get(p->graph, ro->rev_id))
		return rt_err_set(err, RT_EXIT_USAGE, "Revision %s is present more than once; "
		                  "choose another --rev-id", ro->rev_id);
	*out = rt_strdup(ro->rev_id);
	return *out ? 0 : rt_err_oom(err);
}

/*
 * --version-path must be one of the script directories, or the new script
 * would be written where no command looks for it.  The same directory is
 * recognised by its normalised absolute path (as Alembic compares) or, for
 * a path through a symlink or "..", by device and inode.
 */
static int check_version_path(const struct rt_project *p, const char *vp, struct rt_err *err)
{
	struct rt_strvec dirs = RT_STRVEC_INIT;
	struct rt_buf known = RT_BUF_INIT;
	struct stat want, st;
	char *abs = NULL;
	int have = 0, rc = -1;
	size_t i;

	if (rt_project_script_dirs(&dirs, p->cfg, err) < 0)
		goto done;
	if (!(abs = rt_settings_abspath(vp))) {
		rt_err_oom(err);
		goto done;
	}
	have = stat(abs, &want) == 0;
	for (i = 0; i < dirs.n; i++) {
		if (strcmp(dirs.v[i], abs) == 0 ||
		    (have && stat(dirs.v[i], &st) == 0 && st.st_dev == want.st_dev &&
		     st.st_ino == want.st_ino)) {
			rc = 0;
			goto done;
		}
		rt_buf_printf(&known, "%s%s", i ? ", " : "", dirs.v[i]);
	}
	if (known.oom)
		rt_err_oom(err);
	else
		rt_err_set(err, RT_EXIT_USAGE, "Path %s is not represented in current version "
		           "locations (%s); add it to version_locations in %s", vp, known.ptr,
		           p->cfg->path);
done:
	rt_buf_free(&known);
	rt_free(abs);
	rt_strvec_free(&dirs);
	return rc;
}

/* What `revision` and `merge` print: the new script's path, or with
 * --format json the new revision as its header says it. */
static int print_new(const struct retort_options *o, const char *command, const char *id,
                     const char *message, const char *path, const struct rt_newrev *nr,
                     struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_json j;
	int rc;
	if (!o->json) {
		rt_buf_printf(&b, "%s\n", path);
	} else {
		rt_json_init(&j, &b);
		rt_json_doc_begin(&j, command);
		rt_json_str(&j, "revision", id);
		rt_json_str(&j, "path", path);
		rt_json_str(&j, "message", message);
		rt_json_strvec(&j, "down_revisions", &nr->down);
		rt_json_strvec(&j, "branch_labels", &nr->branch_labels);
		rt_json_strvec(&j, "depends_on", &nr->depends_on);
		rt_json_doc_end(&j);
	}
	rc = rt_api_emit(o, &b, err);
	rt_buf_free(&b);
	return rc;
}

/* Write a new revision script; shared by `revision` and `merge`. */
static int write_revision(struct rt_project *p, const char *command,
                          const struct retort_revision_options *ro, const char *id,
                          const struct rt_newrev *nr, struct rt_err *err)
{
	char *tmpl_path = NULL, *tmpl = NULL, *text = NULL, *fname = NULL;
	char *file = NULL, *path = NULL, *down_s = NULL, *labels_s = NULL, *deps_s = NULL;
	char *dir = NULL, date[64];
	const char *message = ro->message ? ro->message : "";
	struct rt_revision *check = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int utc = p->cfg->timezone && (strcasecmp(p->cfg->timezone, "UTC") == 0);
	int rc = -1;

	/* A named zone (the settings checked it exists) applies through TZ. */
	if (p->cfg->timezone && !utc) {
		setenv("TZ", p->cfg->timezone, 1);
		tzset();
	}
	if (utc)
		gmtime_r(&now, &tm);
	else
		localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S.000000", &tm);
	if (!(down_s = join_csv(&nr->down)) || !(labels_s = join_csv(&nr->branch_labels)) ||
	    !(deps_s = join_csv(&nr->depends_on)))
		goto oom;
	if (!(tmpl_path = rt_path_join(p->cfg->script_location, "script.sql.tmpl")))
		goto oom;
	if (rt_read_file(&tmpl, NULL, tmpl_path, err) < 0) {
		rt_err_prefix(err, "the script template is missing (retort init writes it)");
		goto done;
	}
	{
		struct rt_tmpl_var vars[] = {
			{ "message", message },       { "up_revision", id },
			{ "down_revision", down_s },  { "create_date", date },
			{ "branch_labels", labels_s },{ "depends_on", deps_s },
		};
		if (rt_template_render(&text, tmpl, tmpl_path, vars, 6, err) < 0)
			goto done;
	}
	/* The rendered script must parse back to what we meant. */
	if (rt_script_parse(&check, tmpl_path, text, strlen(text), err) < 0) {
		rt_err_prefix(err, "the script template renders an invalid script");
		goto done;
	}
	if (!rt_streq(check->id, id)) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: the template must write '-- Revision ID: "
		           "${up_revision}'", tmpl_path);
		goto done;
	}
	if (rt_template_filename(&fname, p->cfg->file_template, id, message,
	                         p->cfg->truncate_slug_length, (long long)now, utc, err) < 0)
		goto done;
	if (!(file = rt_sprintf("%s.sql", fname)))
		goto oom;
	if (ro->version_path) {
		struct stat st;
		if (check_version_path(p, ro->version_path, err) < 0)
			goto done;
		if (!(dir = rt_strdup(ro->version_path)))
			goto oom;
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			rt_err_set(err, RT_EXIT_USAGE, "--version-path %s is not a directory", dir);
			goto done;
		}
	} else if (nr->head_path && p->cfg->version_locations.n > 0) {
		/* Several locations: next to the parent, as Alembic does. */
		const char *slash = strrchr(nr->head_path, '/');
		dir = slash ? rt_strndup(nr->head_path, (size_t)(slash - nr->head_path))
		            : rt_strdup(".");
	} else {
		dir = rt_path_join(p->cfg->script_location, "versions");
	}
	if (!dir || !(path = rt_path_join(dir, file)))
		goto oom;
	if (rt_fs_write_new(path, text, err) < 0)
		goto done;
	rc = print_new(p->o, command, id, message, path, nr, err);
	goto done;
oom:
	rt_err_oom(err);
done:
	if (check)
		rt_revision_free(check, rt_script_free);
	rt_free(tmpl_path);
	rt_free(tmpl);
	rt_free(text);
	rt_free(fname);
	rt_free(file);
	rt_free(path);
	rt_free(dir);
	rt_free(down_s);
	rt_free(labels_s);
	rt_free(deps_s);
	return rc;
}

/* `revision` (revs NULL) and `merge REV...`: plan the header, write the file. */
static int new_revision(const struct retort_options *o, const struct retort_revision_options *ro,
                        const char *const *revs, size_t n)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_newrev nr;
	struct rt_strvec deps = RT_STRVEC_INIT;
	char *id = NULL;
	int rc = -1;

	memset(&nr, 0, sizeof(nr));
	if (rt_project_open(&p, o, RT_PROJECT_GRAPH, &err) < 0)
		return rt_api_finish(&err, -1);
	if (new_rev_id(&id, &p, ro, &err) < 0)
		goto done;
	if (revs) {
		if (rt_newrev_merge(&nr, p.graph, id, revs, n, ro->branch_label, &err) < 0)
			goto done;
	} else {
		if (ro->depends_on && rt_strvec_split_csv(&deps, ro->depends_on) < 0) {
			rt_err_oom(&err);
			goto done;
		}
		if (rt_newrev_plan(&nr, p.graph, id, ro->head, ro->splice, ro->branch_label,
		                   (const char *const *)deps.v, deps.n, &err) < 0)
			goto done;
	}
	rc = write_revision(&p, revs ? "merge" : "revision", ro, id, &nr, &err);
done:
	rt_newrev_free(&nr);
	rt_strvec_free(&deps);
	rt_free(id);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}

int retort_revision(const struct retort_options *o, const struct retort_revision_options *ro)
{
	return new_revision(o, ro, NULL, 0);
}

int retort_merge(const struct retort_options *o, const char *const *revs, size_t n,
                 const struct retort_revision_options *ro)
{
	static const char *const none[1] = { NULL };
	return new_revision(o, ro, revs ? revs : none, n);
}
