/* SPDX-License-Identifier: MIT */
/*
 * core/settings.h - the project settings file, retort.cfg (SPEC section
 * 2), read with libconfig.
 */
#ifndef RETORT_CORE_SETTINGS_H
#define RETORT_CORE_SETTINGS_H

#include "util.h"

struct rt_settings {
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
	char *lock_strategy;          /* "auto" (default), "session" or "table" */
	long lock_lease_ms;           /* `lock_lease` seconds, default 60 s; always > 0 */
	struct rt_strvec password_command; /* argv run for the password (no shell); n = 0: none */
	char *password_command_where; /* "retort.cfg:7: password_command", for messages */
	char *on_changed_script;      /* "error" (default) or "warn" */
	char *audit_log;              /* absolute, or NULL */
	int offline_history;          /* default 1 */
	int has_plugins_group;        /* the file has a `plugins` group */
	int has_databases_group;      /* the file has a `databases` group */
	char *name;                   /* the database chosen in it (-n), or NULL */
	struct rt_strvec xargs;       /* -x key=value, checked (core/xargs.h) */
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
int rt_settings_load(struct rt_settings **out, const char *explicit_path,
                   const char *url_override, struct rt_err *err);
void rt_settings_free(struct rt_settings *cfg);

/* What rt_settings_load_opts reads the configuration with. */
struct rt_settings_opts {
	const char *explicit_path;    /* -c, or NULL */
	const char *url_override;     /* --url, or NULL */
	const char *const *x;         /* -x key=value arguments: ${x:key} */
	size_t n_x;
	const char *name;             /* -n/--name: a group of `databases`, or NULL */
};

/* rt_settings_load, with -x arguments (checked, kept in cfg->xargs, and
 * expanded where retort.cfg writes ${x:key} or ${x:key:-default}). */
int rt_settings_load_opts(struct rt_settings **out, const struct rt_settings_opts *so,
                          struct rt_err *err);

/*
 * Expand ${VAR} and ${VAR:-default} in `in` from the environment, and
 * ${file:PATH} from secret file PATH (relative paths: to the current
 * directory here, to the config file's directory in retort.cfg; one
 * trailing newline trimmed).  An unset ${VAR} without default is an error naming
 * the variable; `$$` is a literal '$'.  `what` names the setting for
 * messages.
 */
int rt_settings_expand(char **out, const char *in, const char *what, struct rt_err *err);

/* `path` made absolute against the current directory and lexically
 * normalised ("//" and "/./" collapsed, no trailing '/'); NULL on oom. */
char *rt_settings_abspath(const char *path);

/* The longest lock_timeout / --lock-timeout: 365 days, in seconds. */
#define RT_SETTINGS_SECONDS_MAX 31536000.0

/*
 * The one conversion of a number of seconds (lock_timeout in retort.cfg,
 * --lock-timeout on the command line) to milliseconds: -1 means "wait
 * forever" and gives -1; 0 to RT_SETTINGS_SECONDS_MAX are rounded to the
 * nearest millisecond; anything else (other negatives, larger values, NaN)
 * is -1 returned.  rt_settings_parse_seconds() reads the number from text
 * (strtod syntax, nothing before or after it).
 */
int rt_settings_seconds(double seconds, long *ms_out);
int rt_settings_parse_seconds(const char *text, long *ms_out);

/*
 * Append the key list of retort.cfg(5), generated from the settings table:
 * one line per key, "KEY<TAB>TYPE, DEFAULT.<TAB>HELP", or with `man` set the
 * man(7) ".TP/.B KEY/TYPE, DEFAULT." entries (HELP as a roff comment).
 * -1 when out of memory.
 */
int rt_settings_describe(struct rt_buf *out, int man);

#endif
