/* SPDX-License-Identifier: MIT */
/*
 * core/verify.h - the integrity checks of `retort verify` (SPEC section 7),
 * which `upgrade` also runs before it plans.  Pure logic over the revision
 * graph, the version rows, the rows of retort_history and what the last
 * recorded command left (core/history.c reads those); no I/O of its own:
 * the current checksum of a script comes from a callback.
 *
 * Findings (each makes verify exit 1):
 *  - CHANGED: an applied revision's section differs from the one that ran
 *    (or was stamped): recorded versus current checksum, file, time;
 *  - SCRIPT_GONE: an applied revision whose script is no longer among the
 *    scripts: a version row that retort applied, or one below a row (a
 *    stand-in of the graph, `gone`), recorded by retort or not;
 *  - UNKNOWN_ROW: a version row naming a revision the scripts lack;
 *  - ANCESTOR_ROWS: two version rows, one the other's ancestor (Alembic
 *    keeps one row per branch head; such rows come from hand edits);
 *  - OUTSIDE: the version rows differ from those the last recorded command
 *    left: changed outside retort (a raw client, another tool).
 * Not findings: revisions applied without a checksum (by Alembic, by hand,
 * before retort recorded checksums) and checksums recorded with an
 * algorithm this retort does not know; both are listed as unverified.
 */
#ifndef RETORT_CORE_VERIFY_H
#define RETORT_CORE_VERIFY_H

#include "checksum.h" /* IWYU pragma: export */
#include "graph.h" /* IWYU pragma: export */

/* One row of retort_history for this version table. */
struct rt_hist_row {
	long long id;             /* order of insertion */
	char *revision;
	char *direction;          /* "upgrade", "downgrade", "stamp" or "unstamp" */
	char *checksum;           /* NULL when none was recorded */
	char *algorithm;          /* e.g. RT_CHECKSUM_ALG; NULL with checksum */
	char *script;             /* the file as recorded, may be NULL */
	char *applied_at;         /* "YYYY-MM-DD HH:MM:SS", UTC */
	char *run_id;             /* the command (retort_audit.run_id) */
};

/* What the last recorded command that knew the version rows left. */
struct rt_last_command {
	char *command_line;       /* masked, as recorded */
	char *at;                 /* when it started, UTC */
	char *outcome;            /* "ok" or "failed" */
	struct rt_strvec rows;    /* the version rows it left, sorted */
};

/*
 * The checksum (RT_CHECKSUM_ALG) of the upgrade section revision `r` runs
 * on this database now, and the file it is in.  Return 0, 1 when the
 * script has no upgrade section for this dialect any more, or -1 with
 * err set.
 */
typedef int (*rt_verify_checksum_fn)(char out[RT_CHECKSUM_SIZE], const struct rt_revision *r,
                                     void *payload, struct rt_err *err);

struct rt_verify_in {
	const struct rt_graph *g;
	const char *const *rows;          /* the version rows */
	size_t n_rows;
	const struct rt_hist_row *hist;   /* retort_history, in id order */
	size_t n_hist;
	const struct rt_last_command *last; /* NULL when no command was recorded */
	rt_verify_checksum_fn checksum;
	void *payload;
	/* The stand-ins of g (rt_script_scan_gone): revisions a Revises line
	 * names whose script is gone; NULL or empty for none.  Applied, each is
	 * SCRIPT_GONE; one that is not applied is the graph's error. */
	const struct rt_strvec *gone;
};

enum rt_finding_kind {
	RT_FIND_CHANGED,
	RT_FIND_SCRIPT_GONE,
	RT_FIND_UNKNOWN_ROW,
	RT_FIND_ANCESTOR_ROWS,
	RT_FIND_OUTSIDE
};

struct rt_finding {
	enum rt_finding_kind kind;
	char *revision;      /* CHANGED, SCRIPT_GONE, UNKNOWN_ROW; ANCESTOR_ROWS: the ancestor */
	char *other;         /* ANCESTOR_ROWS: the row descending from it */
	char *file;          /* CHANGED: the script now; SCRIPT_GONE: as recorded
	                        (NULL when retort has no record of it) */
	char *recorded;      /* CHANGED: the checksum recorded */
	char *current;       /* CHANGED: the checksum now, NULL when the section is gone */
	char *algorithm;     /* CHANGED */
	char *direction;     /* CHANGED, SCRIPT_GONE: "upgrade" or "stamp", as recorded
	                        (SCRIPT_GONE: NULL when not recorded) */
	char *when;          /* CHANGED, SCRIPT_GONE: when it was recorded */
};

struct rt_verify_report {
	struct rt_finding *findings;
	size_t n_findings;
	struct rt_strvec rows;          /* the version rows, sorted */
	struct rt_strvec applied;       /* every applied revision, in load order */
	struct rt_strvec verified;      /* applied, checksum as recorded */
	struct rt_strvec no_checksum;   /* applied without a checksum */
	struct rt_strvec unknown_alg;   /* recorded with an algorithm not known here */
	int has_last;                   /* a last command is known: */
	struct rt_last_command last;
};

/* Every revision applied at version rows `rows`: the rows and their
 * ancestors over Revises and Depends On, appended to `out` (unknown ids
 * skipped), which is then sorted in the graph's load order. */
int rt_verify_applied(struct rt_strvec *out, const struct rt_graph *g, const char *const *rows,
                      size_t n, struct rt_err *err);

/* Run the checks.  -1 (err set) only when the checksum callback fails,
 * memory runs out, or a stand-in of `gone` is not applied (the graph's
 * error, RT_EXIT_USAGE: a missing script that is no finding about the
 * database); findings are not errors. */
int rt_verify_check(struct rt_verify_report *out, const struct rt_verify_in *in,
                    struct rt_err *err);
void rt_verify_report_free(struct rt_verify_report *r);

/* How many findings of `kind`. */
size_t rt_verify_count(const struct rt_verify_report *r, enum rt_finding_kind kind);

/*
 * The report as text: one line per finding saying what to look at, then a
 * summary (verified, without a checksum, findings).  `header` (may be
 * NULL) is printed first, e.g. "Database: URL (version table T)".
 */
int rt_verify_format_text(struct rt_buf *out, const struct rt_verify_report *r,
                          const char *header);

/* The finding lines of that text alone, each ending in '\n' (none when
 * there is no finding): what fleet mode prints under a database. */
int rt_verify_format_findings(struct rt_buf *out, const struct rt_verify_report *r);

/*
 * The report as the `verify` document of --format json (core/json.h,
 * doc/retort-json.schema.json): format, command, database, version_table, ok, rows,
 * last_command (or null), findings (kind "changed", "script_gone",
 * "unknown_row", "ancestor_rows" or "outside", and the fields of struct
 * rt_finding, null where they do not apply), verified, without_checksum,
 * unknown_algorithm.
 */
int rt_verify_format_json(struct rt_buf *out, const struct rt_verify_report *r,
                          const char *database, const char *version_table);

#endif
