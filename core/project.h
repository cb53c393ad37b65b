/* SPDX-License-Identifier: MIT */
/*
 * core/project.h - opening a project: its retort.cfg, its scripts as a
 * revision graph, the plugin registry, and a session on its database.
 * Every command that works on a project starts here; nothing else is.
 */
#ifndef RETORT_CORE_PROJECT_H
#define RETORT_CORE_PROJECT_H

#include <retort/retort.h> /* IWYU pragma: export */

#include "engine.h" /* IWYU pragma: export */
#include "loader.h"
#include "settings.h" /* IWYU pragma: export */

struct rt_project {
	const struct retort_options *o;  /* borrowed */
	struct rt_settings *cfg;
	struct rt_graph *graph;          /* NULL unless RT_PROJECT_GRAPH */
	struct rt_strvec gone;           /* RT_PROJECT_GONE: the stand-ins' ids */
	struct rt_registry *reg;         /* NULL unless RT_PROJECT_REGISTRY */
	struct rt_loader_options lo;
};

/* What rt_project_open loads besides the settings. */
#define RT_PROJECT_GRAPH    0x1u  /* scripts of every script directory */
#define RT_PROJECT_REGISTRY 0x2u  /* plugin registry, to reach the database */
#define RT_PROJECT_RUN      0x4u  /* with GRAPH: keep the scripts the scan read
                                     whole, for a run that executes them */
#define RT_PROJECT_GONE     0x8u  /* with GRAPH, not RUN: a revision named in a
                                     Revises line whose script is gone is a
                                     stand-in (rt_script_scan_gone), listed in
                                     `gone`, not an error: for `verify` */

/*
 * Set the log level from o->verbosity, read the settings (o->config_path,
 * o->url, o->lock_timeout_ms override the file) and what `what` asks for.
 * On failure *p holds nothing to close.
 */
int rt_project_open(struct rt_project *p, const struct retort_options *o, unsigned what,
                    struct rt_err *err);
void rt_project_close(struct rt_project *p);

/* The script directories, absolute: <script_location>/versions, then each
 * of version_locations not already listed. */
int rt_project_script_dirs(struct rt_strvec *dirs, const struct rt_settings *cfg,
                           struct rt_err *err);

/* What rt_project_db does after connecting. */
#define RT_DB_LOCK          0x1u  /* take the migration lock */
#define RT_DB_ALLOW_UNKNOWN 0x2u  /* rows naming unknown revisions are no error */
#define RT_DB_KEEP          0x4u  /* on a failure after connecting, keep db open
                                     (the caller closes it): the audit trail
                                     records the failure */

/*
 * Connect to the project's database, lock it if asked, and read the
 * version rows into `rows` (sorted).  Rows naming revisions that are not
 * among the scripts are an error unless RT_DB_ALLOW_UNKNOWN (the way out
 * of that state is `stamp --purge`).  On failure db is closed (but see
 * RT_DB_KEEP).
 */
int rt_project_db(struct rt_project *p, struct rt_db *db, unsigned flags,
                  struct rt_strvec *rows, struct rt_err *err);

/* The same on a database rt_project_db opened already (without the lock):
 * lock it if asked and read the version rows again into `rows` (emptied
 * first). */
int rt_project_db_read(struct rt_project *p, struct rt_db *db, unsigned flags,
                       struct rt_strvec *rows, struct rt_err *err);

/* Check that every version row names one of the project's revisions (the
 * error rt_project_db gives without RT_DB_ALLOW_UNKNOWN). */
int rt_project_check_rows(const struct rt_project *p, const struct rt_strvec *rows,
                          struct rt_err *err);

#endif
