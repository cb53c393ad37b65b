/* SPDX-License-Identifier: MIT */
/*
 * retort/retort.h - libretort's API: the commands of the `retort` tool as
 * library calls.  The CLI is a thin layer over this header.
 *
 * Internal: libretort is a convenience library linked into the retort
 * binary, its tests and its tools; neither it nor this header is installed
 * (only <retort/dialect.h> is, for plugin authors).  An API for embedding
 * retort in other programs would be designed on its own, with versioned
 * option structs, a retort.pc and an export list.
 *
 * Every command returns an exit status: 0 success, 1 database or migration
 * error, 2 usage or configuration error.  On failure retort_error_message()
 * describes what went wrong and what would fix it (never a password).
 * Data a command prints goes to the `out` stream of the options (stdout by
 * default); progress goes to `log` (stderr by default).
 *
 * The library keeps its last error in process-global state: it is meant
 * for one command per process, like the CLI.
 */
#ifndef INCLUDE_retort_retort_h__
#define INCLUDE_retort_retort_h__

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RETORT_EXIT_OK 0
#define RETORT_EXIT_DB 1
#define RETORT_EXIT_USAGE 2

/** Options common to every command. */
struct retort_options {
	unsigned version;            /**< RETORT_OPTIONS_VERSION */
	const char *config_path;     /**< -c/--config, or NULL */
	const char *url;             /**< --url, or NULL */
	const char *plugin_path;     /**< --plugin-path, or NULL */
	int allow_project_plugins;   /**< --allow-project-plugins */
	int verbosity;               /**< -1 quiet, 0 normal, 1 verbose */
	long lock_timeout_ms;        /**< --lock-timeout (ms); -2: from config */
	int json;                    /**< --format json */
	FILE *out;                   /**< data output; NULL: stdout */
	FILE *log;                   /**< progress output; NULL: stderr */
	const char *const *x;        /**< -x key=value arguments (${x:key}), or NULL */
	size_t n_x;                  /**< how many */
	const char *name;            /**< -n/--name: the database of retort.cfg's
	                                  `databases` group, or NULL (main, or the only one) */
};
#define RETORT_OPTIONS_VERSION 1
#define RETORT_OPTIONS_INIT { RETORT_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, -2, 0, NULL, NULL, \
                              NULL, 0, NULL }

/** Options of `revision` and `merge`. */
struct retort_revision_options {
	const char *message;         /**< -m */
	const char *rev_id;          /**< --rev-id, or NULL for a random id */
	const char *head;            /**< --head (default "head") */
	int splice;                  /**< --splice */
	const char *branch_label;    /**< --branch-label (comma-separated) */
	const char *depends_on;      /**< --depends-on (comma-separated) */
	const char *version_path;    /**< --version-path */
};

/** Options of upgrade/downgrade/stamp. */
struct retort_run_options {
	int sql;                     /**< --sql: print SQL, do not connect */
	const char *output;          /**< --output FILE for --sql (atomic) */
	int purge;                   /**< stamp --purge */
	const char *tag;             /**< --tag: a label for this run (audit trail, -v) */
	int allow_changed;           /**< upgrade --allow-changed: run even though an
	                                  applied script was edited since it ran */
};

/** Fleet mode: a command over every database of a targets file. */
enum retort_fleet_command {
	RETORT_FLEET_UPGRADE,
	RETORT_FLEET_DOWNGRADE,
	RETORT_FLEET_CURRENT,
	RETORT_FLEET_CHECK,
	RETORT_FLEET_VERIFY          /**< appended: verify each database */
};

/** Options of fleet mode. */
struct retort_fleet_options {
	const char *targets;         /**< --targets FILE: one URL [NAME] per line */
	unsigned jobs;               /**< -j N: databases at a time (0: 1) */
	int resume;                  /**< --resume: skip databases at the target */
	/* appended: */
	int allow_changed;           /**< upgrade --allow-changed, per database */
	const char *tag;             /**< --tag, recorded in each database's audit trail */
};

/** The most databases at a time (-j). */
#define RETORT_FLEET_JOBS_MAX 256

/** The last error's message ("" if none). */
const char *retort_error_message(void);
/**
 * Write `text` to `f` fit for a terminal, as retort_error_message() is:
 * control characters escaped as \xHH, words longer than 300 bytes cut with
 * an ellipsis.  For messages of the caller's own that quote an argument.
 */
void retort_fputs_printable(const char *text, FILE *f);
/**
 * The command line of this process (argv[0] included), for the audit trail
 * of commands that change a database; passwords in it are masked before it
 * is kept.  Call it before the command.
 */
void retort_set_command_line(int argc, const char *const *argv);
/** The library's version string. */
const char *retort_version(void);
/**
 * Convert a number of seconds written as text (--lock-timeout) to
 * milliseconds, exactly as retort.cfg's lock_timeout is converted: -1 is
 * -1 (wait forever), 0 to 31536000 are rounded to the nearest millisecond.
 * Returns 0, or -1 for anything else.
 */
int retort_parse_seconds(const char *text, long *ms_out);

/* Commands that need no project. */
int retort_init(const char *dir, const char *template_name, const struct retort_options *o);
int retort_list_templates(const struct retort_options *o);

/* Commands on a project (the config file is found per the options). */
int retort_revision(const struct retort_options *o, const struct retort_revision_options *ro);
int retort_merge(const struct retort_options *o, const char *const *revs, size_t n,
                 const struct retort_revision_options *ro);
int retort_upgrade(const struct retort_options *o, const char *target,
                   const struct retort_run_options *ro);
int retort_downgrade(const struct retort_options *o, const char *target,
                     const struct retort_run_options *ro);
int retort_stamp(const struct retort_options *o, const char *const *revs, size_t n,
                 const struct retort_run_options *ro);
/** Create the version table if it does not exist (--sql: print its DDL). */
int retort_ensure_version(const struct retort_options *o, const struct retort_run_options *ro);
int retort_current(const struct retort_options *o, int verbose);
int retort_history(const struct retort_options *o, const char *range, int verbose,
                   int indicate_current);
int retort_heads(const struct retort_options *o, int verbose, int resolve_dependencies);
int retort_branches(const struct retort_options *o, int verbose);
int retort_show(const struct retort_options *o, const char *const *revs, size_t n);
/** Exit 0 if the database is at the head(s) and every script parses; 1 if
 *  migrations are pending (listing them). */
int retort_check(const struct retort_options *o);
/**
 * The integrity checks (SPEC section 7): exit 0 when there is no finding,
 * 1 listing them.  Revisions applied without a checksum (by Alembic) are
 * listed, never findings.
 */
int retort_verify(const struct retort_options *o);
/** The audit trail of this version table, newest first; limit < 0: all. */
int retort_log(const struct retort_options *o, long limit);
/**
 * Run `cmd` (with revision `target` for upgrade and downgrade) on every
 * database of fo->targets, fo->jobs at a time, each in a process of its
 * own with its own connection and lock.  Prints a line per database as it
 * finishes and a summary table (or, with o->json, one JSON document).
 * Exit status 0 only when every database succeeded (for verify: had no
 * finding), else the worst.
 */
int retort_fleet(const struct retort_options *o, enum retort_fleet_command cmd,
                 const char *target, const struct retort_fleet_options *fo);
/** Open a revision's script in $EDITOR. */
int retort_edit(const struct retort_options *o, const char *rev);
/**
 * List the dialect plugins the registry knows (no module is loaded); with
 * `check`, load every module and report per plugin, failing (RETORT_EXIT_DB)
 * if one does not load.
 */
int retort_plugins(const struct retort_options *o, int check);

#ifdef __cplusplus
}
#endif

#endif
