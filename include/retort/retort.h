/*
 * retort/retort.h - libretort's public API: the commands of the `retort`
 * tool as library calls.  The CLI is a thin layer over this header.
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
};
#define RETORT_OPTIONS_VERSION 1
#define RETORT_OPTIONS_INIT { RETORT_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, -2, 0, NULL, NULL }

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
};

/** The last error's message ("" if none). */
const char *retort_error_message(void);
/** The library's version string. */
const char *retort_version(void);

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
int retort_current(const struct retort_options *o, int verbose);
int retort_history(const struct retort_options *o, const char *range, int verbose,
                   int indicate_current);
int retort_heads(const struct retort_options *o, int verbose, int resolve_dependencies);
int retort_branches(const struct retort_options *o, int verbose);
int retort_show(const struct retort_options *o, const char *const *revs, size_t n);
/** Exit 0 if the database is at the head(s) and every script parses; 1 if
 *  migrations are pending (listing them). */
int retort_check(const struct retort_options *o);
/** Open a revision's script in $EDITOR. */
int retort_edit(const struct retort_options *o, const char *rev);
/** List the dialect plugins the registry knows (no module is loaded). */
int retort_plugins(const struct retort_options *o);

#ifdef __cplusplus
}
#endif

#endif
