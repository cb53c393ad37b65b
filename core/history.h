/* SPDX-License-Identifier: MIT */
/*
 * core/history.h - the tables retort keeps beside the version table (SPEC
 * section 9), created by the core when first needed and written through
 * the dialect's ABI 1.1 query() member, in the schema of the version table:
 *
 *   retort_history  one row per revision applied ("upgrade"), reverted
 *                   ("downgrade"), stamped as applied ("stamp") or stamped
 *                   away ("unstamp"), or whose edited script an upgrade
 *                   accepted ("accept", --allow-changed): the checksum of
 *                   the section that ran (of the upgrade section as it is,
 *                   for a stamp or an accept), the script, when, which
 *                   command (run_id) and which retort;
 *   retort_audit    one row per command that changed the database or
 *                   tried to (core/audit.h says what a row holds).
 *
 * Rows name their version table, so several migration sets can share the
 * tables.  Ids are taken as MAX(id) + 1 by the INSERT itself (the
 * migration lock serialises runs; no sequence or identity column, which
 * would differ per dialect).  Offline (--sql) output renders the same
 * statements with literals (rt_history_offline_*).
 *
 * A plugin built for ABI 1.0 has no query() or column_type(): with it
 * retort keeps neither table, and says so once.
 */
#ifndef RETORT_CORE_HISTORY_H
#define RETORT_CORE_HISTORY_H

#include "audit.h" /* IWYU pragma: export */
#include "engine.h" /* IWYU pragma: export */
#include "verify.h" /* IWYU pragma: export */

#define RT_HISTORY_TABLE "retort_history"
#define RT_AUDIT_TABLE "retort_audit"

struct rt_settings;

struct rt_history {
	struct rt_db *db;              /* borrowed */
	const struct rt_graph *g;      /* borrowed; NULL for `log` */
	const struct rt_strvec *gone;  /* borrowed, may be NULL: g's stand-ins for
	                                  scripts that are gone (verify) */
	const char *version_table;     /* borrowed: the migration set */
	const char *base_dir;          /* borrowed: script paths are recorded relative to it */
	char *t_history;               /* the tables' names as SQL (schema, quoting) */
	char *t_audit;
	int has_history;               /* the table is known to exist */
	int has_audit;
	/* during a run: */
	const struct rt_audit_rec *rec; /* the command's record (run_id) */
	struct rt_strvec start_rows;   /* the version rows before the run */
	int stamp;                     /* the run is a stamp */
	int audit_only;                /* the run records only its audit row
	                                  (ensure-version): retort_history is
	                                  not created */
	struct rt_strvec accept;       /* revisions whose edited scripts the run accepts
	                                  (--allow-changed): rows "accept" with their
	                                  checksum now, in the first transaction */
	int rows_after_read;           /* finish read the rows into rows_after */
	struct rt_strvec rows_after;
};

/* Does the dialect have what the tables need (query and column_type)? */
int rt_history_supported(const struct rt_db *db);

/* Names only; no I/O.  `g` may be NULL (no run). */
int rt_history_init(struct rt_history *h, struct rt_db *db, const struct rt_settings *cfg,
                    const struct rt_graph *g, struct rt_err *err);
void rt_history_free(struct rt_history *h);

/*
 * Learn which tables exist, outside any transaction (a failed statement
 * aborts a PostgreSQL transaction): any error reading one means "absent".
 */
int rt_history_probe(struct rt_history *h, struct rt_err *err);

/* CREATE TABLE what is missing (the audit table only, with audit_only). */
int rt_history_create(struct rt_history *h, int audit_only, struct rt_err *err);

/*
 * Hooks for the engine (struct rt_engine_hooks): create the tables in the
 * first transaction; a history row after each script step, in its
 * transaction; and at the end, in the last transaction, the stamp rows of
 * a stamp, then rt_audit_end() on `rec` with the rows now and its audit
 * row.  Set h->rec, h->start_rows and h->stamp first.
 */
extern const struct rt_engine_hooks rt_history_hooks;

/* Insert the audit row of `rec` (in whatever transaction is open). */
int rt_history_audit(struct rt_history *h, const struct rt_audit_rec *rec, struct rt_err *err);
/* The same in a short transaction of its own, creating the table if need
 * be: the record of a command that failed, after its rollback.  Without
 * the migration lock (h->db->locked) the table is not created: an error
 * when it does not exist. */
int rt_history_audit_alone(struct rt_history *h, const struct rt_audit_rec *rec,
                           struct rt_err *err);

/*
 * The rows of retort_history for this version table in id order; none when
 * the table is absent (h->has_history after a probe).
 */
int rt_history_read(struct rt_history *h, struct rt_hist_row **out, size_t *n,
                    struct rt_err *err);
void rt_history_rows_free(struct rt_hist_row *rows, size_t n);

/* The last recorded command of this version table that knew the rows it
 * left; *found 0 when there is none. */
int rt_history_last(struct rt_history *h, struct rt_last_command *out, int *found,
                    struct rt_err *err);
void rt_history_last_free(struct rt_last_command *c);

/* Read the tables and run the checks of `verify` over the version rows. */
int rt_history_verify(struct rt_verify_report *out, struct rt_history *h,
                      const struct rt_strvec *rows, struct rt_err *err);

/*
 * Before a command that runs, or tells whether to run, an upgrade
 * (`upgrade`, `check`): the checks of `verify`.  An applied script edited
 * since it ran is an error (exit 1, naming each, the message upgrade
 * gives) unless `allow_changed` (--allow-changed) or on_changed_script =
 * "warn" in `cfg`: then a warning, and with `accept` (a run) its revision
 * goes to h->accept.  Other findings are warnings; rows naming unknown
 * revisions are the caller's to refuse.
 */
int rt_history_precheck(struct rt_history *h, const struct rt_settings *cfg,
                        const struct rt_strvec *rows, int allow_changed, int accept,
                        struct rt_err *err);

/* One row of retort_audit, as `log` shows it. */
struct rt_audit_row {
	struct rt_audit_rec rec;       /* the fields (start_mono_ms unused) */
	long long id;
};

/* The last `limit` rows of retort_audit for this version table (0: all),
 * newest first. */
int rt_history_log(struct rt_history *h, size_t limit, struct rt_audit_row **out, size_t *n,
                   struct rt_err *err);
void rt_history_log_free(struct rt_audit_row *rows, size_t n);

/*
 * Offline: the tables' CREATE TABLE statements, the history rows of a
 * step, and the audit row, as statements with literals, each ending in
 * the dialect's terminator and a blank line.
 */
int rt_history_offline_ddl(struct rt_buf *out, struct rt_history *h, struct rt_err *err);
int rt_history_offline_step(struct rt_buf *out, struct rt_history *h, const struct rt_step *st,
                            const struct rt_script *s, const char *applied_at,
                            struct rt_err *err);
int rt_history_offline_stamp(struct rt_buf *out, struct rt_history *h,
                             const struct rt_strvec *before, const struct rt_strvec *after,
                             const char *applied_at, struct rt_err *err);
int rt_history_offline_audit(struct rt_buf *out, struct rt_history *h,
                             const struct rt_audit_rec *rec, struct rt_err *err);

#endif
