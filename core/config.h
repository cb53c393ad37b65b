/*
 * core/config.h - the project configuration file, retort.cfg (SPEC section
 * 2), read with libconfig.
 */
#ifndef RETORT_CORE_CONFIG_H
#define RETORT_CORE_CONFIG_H

#include "util.h"

struct rt_config {
	char *path;                   /* absolute path of the file read */
	char *dir;                    /* its directory: relative paths resolve here */
	char *script_location;        /* absolute */
	char *url;                    /* after ${VAR} expansion; may be NULL */
	int url_from_file;            /* url came from the file (not --url/env) */
	char *version_table;          /* default "alembic_version" */
	char *version_table_schema;   /* NULL when empty */
	struct rt_strvec version_locations; /* absolute */
	char *file_template;          /* default "%(rev)s_%(slug)s" */
	int truncate_slug_length;     /* default 40 */
	int transaction_per_migration;/* default 0 */
	char *timezone;               /* default NULL (local time); "UTC" etc. */
	long lock_timeout_ms;         /* `lock_timeout` seconds in the file, default 60 s; -1 forever */
	int has_plugins_group;        /* the file has a `plugins` group */
	/* The raw libconfig handle, for the loader's `plugins` group: config_t* */
	void *cfg;
};

/*
 * Find and read the configuration: `explicit_path` (from -c) if not NULL,
 * else $RETORT_CONFIG, else ./retort.cfg.  Then apply the URL override:
 * `url_override` (from --url) if not NULL, else $RETORT_URL.
 *
 * Errors (exit class RT_EXIT_USAGE) name the file and, for syntax errors,
 * libconfig's line number and message: "retort.cfg:7: syntax error".
 * Unknown settings draw a warning (not an error, so newer files work with
 * older retorts) naming key, file:line and the nearest known key.  A
 * literal password in the url of a group/world-readable file draws a
 * warning (never showing the password).  Warnings go through
 * rt_host()->log at RETORT_LOG_WARNING, i.e. stderr.
 * Missing ./retort.cfg: the error says to run `retort init DIR` or pass -c.
 */
int rt_config_load(struct rt_config **out, const char *explicit_path,
                   const char *url_override, struct rt_err *err);
void rt_config_free(struct rt_config *cfg);

/*
 * Expand ${VAR} and ${VAR:-default} in `in` from the environment.
 * An unset ${VAR} without default is an error naming the variable; `$$`
 * is a literal '$'.  `what` names the setting for messages.
 */
int rt_config_expand(char **out, const char *in, const char *what, struct rt_err *err);

#endif
