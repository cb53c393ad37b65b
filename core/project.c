/* SPDX-License-Identifier: MIT */
/*
 * core/project.c - opening a project and its database.  See project.h.
 */
#include "project.h"

#include <string.h>

#include "host.h"
#include "script.h"

void rt_project_close(struct rt_project *p)
{
	rt_graph_free(p->graph);
	rt_strvec_free(&p->gone);
	rt_registry_free(p->reg);
	rt_settings_free(p->cfg);
	memset(p, 0, sizeof(*p));
}

int rt_project_script_dirs(struct rt_strvec *dirs, const struct rt_settings *cfg,
                           struct rt_err *err)
{
	size_t i;
	if (rt_strvec_push_owned(dirs, rt_path_join(cfg->script_location, "versions")) < 0)
		return rt_err_oom(err);
	for (i = 0; i < cfg->version_locations.n; i++)
		if (!rt_strvec_contains(dirs, cfg->version_locations.v[i]) &&
		    rt_strvec_push(dirs, cfg->version_locations.v[i]) < 0)
			return rt_err_oom(err);
	return 0;
}

int rt_project_open(struct rt_project *p, const struct retort_options *o, unsigned what,
                    struct rt_err *err)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
	rt_host_set_log_level(o->verbosity < 0 ? RETORT_LOG_ERROR
	                      : o->verbosity > 0 ? RETORT_LOG_DEBUG : RETORT_LOG_WARNING);
	{
		struct rt_settings_opts so;
		memset(&so, 0, sizeof(so));
		so.explicit_path = o->config_path;
		so.url_override = o->url;
		so.x = o->x;
		so.n_x = o->n_x;
		so.name = o->name;
		if (rt_settings_load_opts(&p->cfg, &so, err) < 0)
			goto fail;
	}
	if (o->lock_timeout_ms > -2)
		p->cfg->lock_timeout_ms = o->lock_timeout_ms;
	if (what & RT_PROJECT_GRAPH) {
		struct rt_strvec dirs = RT_STRVEC_INIT;
		int rc = rt_project_script_dirs(&dirs, p->cfg, err);
		if (rc == 0)
			rc = (what & RT_PROJECT_GONE)
			             ? rt_script_scan_gone(&p->graph, &dirs, &p->gone, err)
			             : rt_script_scan(&p->graph, &dirs, (what & RT_PROJECT_RUN) != 0,
			                              err);
		rt_strvec_free(&dirs);
		if (rc < 0)
			goto fail;
	}
	if (what & RT_PROJECT_REGISTRY) {
		p->lo.plugin_path = o->plugin_path;
		p->lo.allow_project_plugins = o->allow_project_plugins;
		p->lo.config = p->cfg;
		if (rt_registry_load(&p->reg, &p->lo, err) < 0)
			goto fail;
	}
	return 0;
fail:
	rt_project_close(p);
	return -1;
}

int rt_project_check_rows(const struct rt_project *p, const struct rt_strvec *rows,
                          struct rt_err *err)
{
	size_t i;
	for (i = 0; i < rows->n; i++)
		if (!rt_graph_get(p->graph, rows->v[i]))
			return rt_err_set(err, RT_EXIT_DB,
			                  "the database is at revision %s, which is not among this "
			                  "project's scripts (was newer code deployed to it, or is "
			                  "script_location wrong?); `retort stamp --purge REV` "
			                  "resets the version table", rows->v[i]);
	return 0;
}

int rt_project_db(struct rt_project *p, struct rt_db *db, unsigned flags,
                  struct rt_strvec *rows, struct rt_err *err)
{
	if (rt_db_open(db, p->cfg, p->reg, &p->lo, 1, err) < 0)
		return -1;
	return rt_project_db_read(p, db, flags, rows, err);
}

int rt_project_db_read(struct rt_project *p, struct rt_db *db, unsigned flags,
                       struct rt_strvec *rows, struct rt_err *err)
{
	rt_strvec_free(rows);
	if ((flags & RT_DB_LOCK) && rt_db_lock(db, err) < 0)
		goto fail;
	if (rt_db_read_versions(db, rows, err) < 0)
		goto fail;
	if (p->graph && !(flags & RT_DB_ALLOW_UNKNOWN) && rt_project_check_rows(p, rows, err) < 0)
		goto fail;
	return 0;
fail:
	if (!(flags & RT_DB_KEEP))
		rt_db_close(db);
	return -1;
}
