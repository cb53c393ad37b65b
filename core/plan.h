/* SPDX-License-Identifier: MIT */
/*
 * core/plan.h - migration plans: which scripts run, in what order, and the
 * exact version-table row changes after each, as Alembic computes them
 * (ScriptDirectory._upgrade_revs/_downgrade_revs/_stamp_revs,
 * RevisionMap.iterate_revisions, runtime/migration.py HeadMaintainer).
 *
 * The engine executes a plan; it never decides anything a plan describes.
 */
#ifndef RETORT_CORE_PLAN_H
#define RETORT_CORE_PLAN_H

#include "graph.h" /* IWYU pragma: export */

enum rt_vop_kind {
	RT_VOP_INSERT = 1, /* INSERT INTO version_table VALUES (to) */
	RT_VOP_UPDATE = 2, /* UPDATE ... SET version_num = to WHERE version_num = from */
	RT_VOP_DELETE = 3  /* DELETE ... WHERE version_num = from */
};

struct rt_vop {
	enum rt_vop_kind kind;
	char *from;        /* UPDATE/DELETE */
	char *to;          /* INSERT/UPDATE */
};

struct rt_step {
	const struct rt_revision *rev; /* the revision whose script runs (NULL for
	                                   a stamp step) */
	int upgrade;                   /* 1 upgrade, 0 downgrade */
	int stamp;                     /* 1: no script runs, rows only */
	char *description;             /* Alembic's log text, e.g.
	                                  "Running upgrade ae10 -> 27c6, add account" */
	char *short_log;               /* Alembic's short_log, used in offline
	                                  comments: "upgrade ae10 -> 27c6" */
	struct rt_vop *ops;            /* row changes after the script, in order */
	size_t n_ops;
};

struct rt_plan {
	struct rt_step *steps;
	size_t n_steps;
	struct rt_strvec final_heads;  /* version table rows after the plan */
	size_t cap_steps;              /* room in steps */
};

/*
 * Plan `upgrade target` from `current` (version table rows).  Errors with
 * Alembic's wording, e.g. "Multiple head revisions are present for given
 * argument 'head'; please specify a specific target revision,
 * '<branchname>@head' to narrow to a specific head, or 'heads' for all
 * heads" (RT_EXIT_DB class 1 like Alembic's CommandError? -> RT_EXIT_USAGE).
 */
int rt_plan_upgrade(struct rt_plan *out, const struct rt_graph *g,
                    const char *const *current, size_t n_current,
                    const char *target, struct rt_err *err);
int rt_plan_downgrade(struct rt_plan *out, const struct rt_graph *g,
                      const char *const *current, size_t n_current,
                      const char *target, struct rt_err *err);
/* `stamp target...` (several targets allowed); purge: ignore current rows
 * and start from an empty table (the engine deletes all rows first). */
int rt_plan_stamp(struct rt_plan *out, const struct rt_graph *g,
                  const char *const *current, size_t n_current,
                  const char *const *targets, size_t n_targets, int purge,
                  struct rt_err *err);
void rt_plan_free(struct rt_plan *p);

#endif
