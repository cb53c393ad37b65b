/* SPDX-License-Identifier: MIT */
/*
 * core/verify_db.h - `retort verify` on one database: read only, without
 * the lock.  `retort verify` runs it once (core/cmd_verify.c); fleet mode
 * runs it in each database's worker (core/cmd_fleet.c).
 */
#ifndef RETORT_CORE_VERIFY_DB_H
#define RETORT_CORE_VERIFY_DB_H

#include "verify.h" /* IWYU pragma: export */

struct rt_project;

/*
 * Connect to the project's database (p->cfg->url), read the version rows,
 * retort_history and the last recorded command, run the checks into *rep
 * and print the report to the data stream: text, or with --format json the
 * `verify` document.  0 with *rep filled (the caller frees it; findings
 * are no error), or -1 with err set and nothing to free.
 */
int rt_verify_database(struct rt_project *p, struct rt_verify_report *rep, struct rt_err *err);

#endif
