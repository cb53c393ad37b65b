/* SPDX-License-Identifier: MIT */
/*
 * core/run.h - an online upgrade, downgrade or stamp of one database, with
 * everything that goes with it: the record of the command (retort_audit,
 * audit_log), the history rows with their checksums, the checks of
 * `verify` before an upgrade (an edited applied script stops it unless
 * allowed), the migration lock.  `retort upgrade|downgrade|stamp` runs it
 * once (core/cmd_run.c); fleet mode runs it in each database's worker
 * (core/cmd_fleet.c), so that a database migrated by either is the same.
 */
#ifndef RETORT_CORE_RUN_H
#define RETORT_CORE_RUN_H

#include <retort/retort.h> /* IWYU pragma: export */

#include "util.h" /* IWYU pragma: export */

struct rt_project;
struct rt_progress;

enum rt_run_kind { RT_RUN_UPGRADE, RT_RUN_DOWNGRADE, RT_RUN_STAMP };

/* "upgrade", "downgrade", "stamp": the command as recorded. */
const char *rt_run_kind_name(enum rt_run_kind kind);

struct rt_run_request {
	enum rt_run_kind kind;
	const char *const *targets;  /* the revision(s) to go to */
	size_t n_targets;            /* 1 but for stamp */
	const struct retort_run_options *ro; /* tag, allow_changed, purge (never NULL) */
	int resume;                  /* leave a database that is at the target alone:
	                                read its rows without the lock, and if the
	                                plan is empty neither lock nor record it */
	struct rt_progress *pg;      /* the run's progress, or NULL: the engine's lines */
};

struct rt_run_result {
	int skipped;                 /* resume: at the target, left alone */
	int lock_timed_out;          /* another run held the lock past lock_timeout */
	int changed;                 /* steps ran, or edited scripts were accepted */
	struct rt_strvec before;     /* version rows read under the lock ... */
	int before_known;            /* ... when they were */
	struct rt_strvec after;      /* version rows it left (also after a failure) ... */
	int after_known;             /* ... when known */
};

/*
 * Run rq on the project's database (p->cfg->url).  0, or -1 with err set;
 * res (zeroed by the caller, freed with rt_run_result_free) is filled as
 * far as the run got either way.
 */
int rt_run_online(struct rt_project *p, const struct rt_run_request *rq,
                  struct rt_run_result *res, struct rt_err *err);
void rt_run_result_free(struct rt_run_result *res);

/* --tag: 1 to 255 bytes of printable text on one line. */
int rt_run_check_tag(const char *tag, struct rt_err *err);

#endif
