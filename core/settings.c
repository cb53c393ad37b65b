/* SPDX-License-Identifier: MIT */
/*
 * core/settings.c - the project settings file, retort.cfg (SPEC
 * section 2), read with libconfig.
 *
 * Decisions written down here (and in the user docs):
 *  - Lookup: -c FILE, else $RETORT_CONFIG (if set and not empty), else
 *    ./retort.cfg.  The URL is --url, else $RETORT_URL (if set and not
 *    empty), else the file's `url`; the file's url is not even expanded when
 *    overridden, so a ${DATABASE_URL} that is unset does not matter then.
 *  - ${VAR} and ${VAR:-default} expand in every string setting (also the
 *    items of version_locations); a default may hold references itself
 *    (${A:-${B:-x}}, up to 8 deep); `$$` is a literal '$'; a '$' followed by
 *    anything else is kept as is (passwords may contain '$').  Values taken
 *    from the environment are not expanded again.  ${x:key} and
 *    ${x:key:-default} read `-x key=value` from the command line
 *    (core/xargs.h).
 *  - Unknown settings are a WARNING naming the key, the file and line (and
 *    the nearest known key), not an error: a retort.cfg written for a newer
 *    retort keeps working with an older one, and a typo still gets noticed.
 *  - Wrong types are errors: "retort.cfg:4: truncate_slug_length must be
 *    an integer".
 *  - Relative paths (script_location, version_locations) resolve against
 *    the directory of the config file and are stored absolute.  That
 *    directory is the file's absolute path as given, without resolving
 *    symlinks (Alembic's %(here)s).
 *  - A literal password in the file's url (one not coming from a ${VAR})
 *    draws a warning if the file is group- or world-readable.
 *  - `timezone` must be "UTC" or a zone that exists in $TZDIR (default
 *    /usr/share/zoneinfo); unset means local time.
 */
#include "settings.h"
#include "url.h"
#include "host.h"
#include "secret.h"
#include "xargs.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TZDIR "/usr/share/zoneinfo"

/* ------------------------------------------------------------ expansion */

static int valid_var_name(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* Position of the '}' closing a "${" whose body starts at `body` (nested
 * "${...}" in a default are skipped over), or NULL. */
static const char *matching_brace(const char *body)
{
	int depth = 1;
	const char *p;
	for (p = body; *p; p++) {
		if (p[0] == '$' && (p[1] == '$' || p[1] == '{')) {
			depth += p[1] == '{';
			p++;
		} else if (*p == '}' && --depth == 0) {
			return p;
		}
	}
	return NULL;
}

#define MAX_EXPAND_DEPTH 8

/*
 * ${file:PATH}: append the content of secret file PATH (relative to `dir`,
 * the config file's directory), one trailing newline trimmed.  With
 * `strip` nothing is read: the secret is not written in the file.
 */
static int expand_file(struct rt_buf *b, const char *path, size_t len, const char *what,
                       const char *dir, int strip, struct rt_err *err)
{
	char *rel, *abs, *secret = NULL;
	int rc;
	if (strip)
		return 0;
	if (len == 0)
		return rt_err_set(err, RT_EXIT_USAGE, "%s: ${file:} names no file (write "
		                  "${file:/run/secrets/NAME})", what);
	if (!(rel = rt_strndup(path, len)))
		return rt_err_oom(err);
	abs = rt_path_join(dir, rel);
	rt_free(rel);
	if (!abs)
		return rt_err_oom(err);
	rc = rt_secret_file(&secret, abs, err);
	rt_free(abs);
	if (rc < 0) {
		rt_err_prefix(err, "%s", what);
		return -1;
	}
	rt_buf_puts(b, secret);
	memset(secret, 0, strlen(secret));
	rt_free(secret);
	return 0;
}

static int expand_x(struct rt_buf *b, const char *key, const char *close, const char *what,
                    const char *dir, const struct rt_strvec *x, int strip, int depth,
                    struct rt_err *err);

/*
 * Expand `in`.  With `strip` set, the environment is not consulted: every
 * ${VAR} becomes "" and ${VAR:-default} its default, which leaves exactly
 * the text written literally in the file (used to spot literal passwords).
 * A default may itself hold references: ${A:-${B:-x}}.
 */
static int expand_at(char **out, const char *in, const char *what, const char *dir,
                     const struct rt_strvec *x, int strip, int depth, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *p = in;

	*out = NULL;
	if (depth > MAX_EXPAND_DEPTH)
		return rt_err_set(err, RT_EXIT_USAGE, "%s: ${...:-default} nested more than %d deep",
		                  what, MAX_EXPAND_DEPTH);
	while (*p) {
		const char *dollar = strchr(p, '$'), *close, *name, *def = NULL;
		char *nm = NULL, *defval = NULL;
		const char *val = NULL;
		size_t name_len;
		if (!dollar) {
			rt_buf_puts(&b, p);
			break;
		}
		rt_buf_put(&b, p, (size_t)(dollar - p));
		if (dollar[1] == '$') {
			rt_buf_putc(&b, '$');
			p = dollar + 2;
			continue;
		}
		if (dollar[1] != '{') {
			rt_buf_putc(&b, '$');
			p = dollar + 1;
			continue;
		}
		name = dollar + 2;
		if (!(close = matching_brace(name))) {
			rt_buf_free(&b);
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "%s: unterminated ${ (write ${NAME}, ${NAME:-default} or "
			                  "${file:PATH}; $$ for a literal '$')", what);
		}
		name_len = (size_t)(close - name);
		if (name_len >= 5 && memcmp(name, "file:", 5) == 0) {
			if (expand_file(&b, name + 5, (size_t)(close - name) - 5, what, dir, strip,
			                err) < 0) {
				rt_buf_free(&b);
				return -1;
			}
			p = close + 1;
			continue;
		}
		if (name_len >= 2 && memcmp(name, "x:", 2) == 0) {
			if (expand_x(&b, name + 2, close, what, dir, x, strip, depth, err) < 0) {
				rt_buf_free(&b);
				return -1;
			}
			p = close + 1;
			continue;
		}
		{
			const char *sep = memchr(name, ':', name_len);
			if (sep && sep + 1 < close && sep[1] == '-') {
				def = sep + 2;
				name_len = (size_t)(sep - name);
			}
		}
		if (!valid_var_name(name, name_len)) {
			rt_buf_free(&b);
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "%s: bad variable reference (write ${NAME} or "
			                  "${NAME:-default}, NAME made of letters, digits and '_'; "
			                  "${file:PATH} for a secret file; $$ for a literal '$')",
			                  what);
		}
		if (!(nm = rt_strndup(name, name_len))) {
			rt_buf_free(&b);
			return rt_err_oom(err);
		}
		if (!strip)
			val = getenv(nm);
		if (val && *val) {
			rt_buf_puts(&b, val);
		} else if (def) {
			char *raw = rt_strndup(def, (size_t)(close - def));
			if (!raw || expand_at(&defval, raw, what, dir, x, strip, depth + 1, err) < 0) {
				if (!raw)
					rt_err_oom(err);
				rt_free(raw);
				rt_free(nm);
				rt_buf_free(&b);
				return -1;
			}
			rt_free(raw);
			rt_buf_puts(&b, defval);
			rt_free(defval);
		} else if (!val && !strip) {
			rt_err_set(err, RT_EXIT_USAGE,
			           "%s: environment variable %s is not set (set it, or "
			           "write ${%s:-default})", what, nm, nm);
			rt_free(nm);
			rt_buf_free(&b);
			return -1;
		}
		/* Set but empty without default: expands to "" (as sh). */
		rt_free(nm);
		p = close + 1;
	}
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	*out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return *out ? 0 : rt_err_oom(err);
}

/*
 * ${x:key} and ${x:key:-default}: the value of `-x key=value` (core/xargs.h),
 * else the default (expanded as any text here), else an error.  `key`
 * points after "x:", `close` at the closing brace.
 */
static int expand_x(struct rt_buf *b, const char *key, const char *close, const char *what,
                    const char *dir, const struct rt_strvec *x, int strip, int depth,
                    struct rt_err *err)
{
	const char *sep = memchr(key, ':', (size_t)(close - key)), *val;
	size_t key_len = sep ? (size_t)(sep - key) : (size_t)(close - key);
	char *raw, *defval = NULL;

	if (!rt_xargs_valid_key(key, key_len) || (sep && (sep + 1 >= close || sep[1] != '-')))
		return rt_err_set(err, RT_EXIT_USAGE, "%s: bad reference ${x:%.*s} (write ${x:key} "
		                  "or ${x:key:-default}, the key made of letters, digits, '_', '.' "
		                  "and '-')", what, (int)(close - key > 80 ? 80 : close - key), key);
	val = strip ? NULL : rt_xargs_get(x, key, key_len);
	if (val)
		return rt_buf_puts(b, val) < 0 ? rt_err_oom(err) : 0;
	if (!sep) {
		if (strip)
			return 0;
		return rt_err_set(err, RT_EXIT_USAGE, "%s: ${x:%.*s} has no value: pass -x %.*s=VALUE, "
		                  "or write ${x:%.*s:-default}", what, (int)key_len, key,
		                  (int)key_len, key, (int)key_len, key);
	}
	if (!(raw = rt_strndup(sep + 2, (size_t)(close - sep - 2))))
		return rt_err_oom(err);
	if (expand_at(&defval, raw, what, dir, x, strip, depth + 1, err) < 0) {
		rt_free(raw);
		return -1;
	}
	rt_free(raw);
	rt_buf_puts(b, defval);
	rt_free(defval);
	return 0;
}

static int expand(char **out, const char *in, const char *what, const char *dir,
                  const struct rt_strvec *x, int strip, struct rt_err *err)
{
	return expand_at(out, in, what, dir, x, strip, 0, err);
}

int rt_settings_expand(char **out, const char *in, const char *what, struct rt_err *err)
{
	return expand(out, in, what, NULL, NULL, 0, err);
}

/* ------------------------------------------------------------ paths */

/*
 * Lexically normalise an absolute path: collapse "//" and "/./", drop a
 * trailing "/" (".." is kept: resolving it lexically is wrong across
 * symlinks).
 */
static void normalize_path(char *p)
{
	char *r = p, *w = p;
	while (*r) {
		if (r[0] == '/' && r[1] == '/') {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && (r[2] == '/' || r[2] == '\0')) {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	if (w == p) {
		p[0] = '/';
		p[1] = '\0';
	} else if (w > p + 1 && w[-1] == '/') {
		w[-1] = '\0';
	}
}

char *rt_settings_abspath(const char *path)
{
	char *cwd = NULL, *r;
	size_t cap = 256;
	if (path[0] == '/') {
		r = rt_strdup(path);
	} else {
		for (;;) {
			char *n = rt_realloc(cwd, cap);
			if (!n) {
				rt_free(cwd);
				return NULL;
			}
			cwd = n;
			if (getcwd(cwd, cap))
				break;
			if (errno != ERANGE || cap > 65536) {
				rt_free(cwd);
				return NULL;
			}
			cap *= 2;
		}
		r = rt_path_join(cwd, path);
		rt_free(cwd);
	}
	if (r)
		normalize_path(r);
	return r;
}

/* Resolve `p` against dir and normalise.  NULL on oom. */
static char *resolve(const char *dir, const char *p)
{
	char *r = rt_path_join(dir, p);
	if (r)
		normalize_path(r);
	return r;
}

/* ------------------------------------------------------------ helpers */

struct loader {
	struct rt_settings *cfg;
	const char *shown;      /* the path as the user named it, for messages */
	struct rt_err *err;
};

/* Name files in messages as the user named them: "retort.cfg:7: ...". */
static const char *shown_file(const struct loader *l, const char *f)
{
	return (!f || strcmp(f, l->cfg->path) == 0) ? l->shown : f;
}

static const char *setting_file(const struct loader *l, const config_setting_t *s)
{
	return shown_file(l, config_setting_source_file(s));
}

/* "FILE:LINE: <message>" as a usage error; returns -1. */
static int setting_error(struct loader *l, const config_setting_t *s, const char *fmt, ...)
	RT_PRINTF(3, 4);
static int setting_error(struct loader *l, const config_setting_t *s, const char *fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	va_list ap;
	rt_buf_printf(&b, "%s:%u: ", setting_file(l, s), config_setting_source_line(s));
	va_start(ap, fmt);
	rt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(l->err);
	}
	rt_err_set(l->err, RT_EXIT_USAGE, "%s", b.ptr);
	rt_buf_free(&b);
	return -1;
}

/*
 * `timezone` is "UTC" (any case) or an IANA zone name that exists under
 * $TZDIR (default /usr/share/zoneinfo), like Alembic's dateutil lookup; a
 * name that cannot be honoured is an error rather than silently local time.
 */
static int tz_known(const char *tz)
{
	const char *dir = getenv("TZDIR");
	struct stat st;
	char *path;
	size_t i;
	int ok;
	if (strcasecmp(tz, "UTC") == 0)
		return 1;
	if (tz[0] == '/' || strstr(tz, ".."))
		return 0;
	for (i = 0; tz[i]; i++)
		if (!isalnum((unsigned char)tz[i]) && !strchr("/_+-", tz[i]))
			return 0;
	if (!(path = rt_path_join(dir && *dir ? dir : DEFAULT_TZDIR, tz)))
		return 1; /* out of memory: do not turn it into a config error */
	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	rt_free(path);
	return ok;
}

/*
 * Warn when the url written in a file holds a secret literally (not through
 * ${VAR}, ${file:PATH} or password_command) and that file is readable by
 * group or others.  A secret is whatever the masking policy would hide: the
 * URL's password, a password=/pwd=/PWD= parameter, an ODBC connection string
 * holding one.  The file is the one the setting was read from: an @include'd
 * file is judged by its own mode, whatever the mode of the file including it.
 */
static void check_password_exposure(struct loader *l, config_setting_t *root)
{
	config_setting_t *s = config_setting_get_member(root, "url");
	const char *raw, *src;
	char *lit = NULL;
	struct rt_err e = { 0, NULL };
	struct stat st;

	if (!s || config_setting_type(s) != CONFIG_TYPE_STRING)
		return;
	raw = config_setting_get_string(s);
	if (!raw || expand(&lit, raw, "url", l->cfg->dir, &l->cfg->xargs, 1, &e) < 0 || !rt_url_has_secret(lit))
		goto done;
	src = config_setting_source_file(s);
	if (!src)
		src = l->cfg->path;
	if (stat(src, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		rt_host()->log(RETORT_LOG_WARNING,
		               "%s:%u: url holds a literal password and %s is readable by %s: "
		               "run chmod 600 %s, or keep the password out of the file (${VAR}, "
		               "${file:PATH} or password_command)", setting_file(l, s),
		               config_setting_source_line(s), setting_file(l, s),
		               (st.st_mode & S_IROTH) ? "everyone" : "its group", setting_file(l, s));
done:
	rt_free(lit);
	rt_err_clear(&e);
}

/* ------------------------------------------------------------ the table */

/*
 * Every setting of retort.cfg, in the order retort.cfg(5) lists them.
 * This table drives parsing, validation, defaults, the unknown-key warning
 * and the key list of the manual (rt_settings_describe, printed by
 * core/gen-settings; tests/tree/settings_doc.sh keeps the page in step).
 */
enum setting_type {
	SET_STRING,      /* char *: expanded; "" means unset */
	SET_PATH,        /* char *: expanded, made absolute against the file's directory */
	SET_PATH_LIST,   /* struct rt_strvec: array of paths; "" items are dropped */
	SET_INT,         /* int, within [min, max] */
	SET_BOOL,        /* int, 0 or 1 */
	SET_SECONDS,     /* long milliseconds: rt_settings_seconds() */
	SET_ARGV,        /* struct rt_strvec: a command's words, from a string split
	                    as a shell would (no expansion) or an array of strings */
	SET_GROUP        /* int: 1 if the group is present (read elsewhere) */
};

#define SETF_NOT_EMPTY 0x1u  /* "" is an error (empty_hint says what to write) */
#define SETF_URL       0x2u  /* --url and $RETORT_URL override it (see read_url) */
#define SETF_TIMEZONE  0x4u  /* must name a known zone (tz_known) */
#define SETF_ERR_WARN  0x8u  /* must be "error" or "warn" */
#define SETF_STRATEGY  0x10u /* must be "auto", "session" or "table" */
#define SETF_POSITIVE  0x20u /* SET_SECONDS: more than 0 (no -1 for ever) */

struct setting {
	const char *key;
	enum setting_type type;
	size_t offset;            /* of the destination in struct rt_settings */
	const char *def;          /* default as the file would write it; NULL: none */
	long long min, max;       /* SET_INT */
	unsigned flags;
	const char *doc_default;  /* how the manual words a NULL def ("default empty") */
	const char *empty_hint;   /* SETF_NOT_EMPTY: what would fix an empty value */
	const char *help;         /* one line for the key list */
};

#define DEST(member) offsetof(struct rt_settings, member)

static const struct setting settings[] = {
	{ "script_location", SET_PATH, DEST(script_location), "migrations", 0, 0, SETF_NOT_EMPTY,
	  NULL, "write the directory of the migration scripts, e.g. \"migrations\"",
	  "the script directory (versions/ and script.sql.tmpl), relative to this file" },
	{ "url", SET_STRING, DEST(url), NULL, 0, 0, SETF_URL, "no default", NULL,
	  "the database URL; --url and $RETORT_URL override it" },
	{ "version_table", SET_STRING, DEST(version_table), "alembic_version", 0, 0,
	  SETF_NOT_EMPTY, NULL, "remove it to use alembic_version",
	  "the table recording the revisions the database is at" },
	{ "version_table_schema", SET_STRING, DEST(version_table_schema), NULL, 0, 0, 0,
	  "default empty", NULL, "the schema (or MySQL database) of the version table" },
	{ "version_locations", SET_PATH_LIST, DEST(version_locations), NULL, 0, 0, 0,
	  "default empty", NULL, "more directories of revision scripts" },
	{ "file_template", SET_STRING, DEST(file_template), "%(rev)s_%(slug)s", 0, 0,
	  SETF_NOT_EMPTY, NULL, "remove it to use \"%(rev)s_%(slug)s\"",
	  "the name of new script files, in Alembic's %(token)s notation" },
	{ "truncate_slug_length", SET_INT, DEST(truncate_slug_length), "40", 1, 1000, 0, NULL,
	  NULL, "the longest message slug in a file name" },
	{ "transaction_per_migration", SET_BOOL, DEST(transaction_per_migration), "false", 0, 0,
	  0, NULL, NULL, "commit each migration with its version row" },
	{ "lock_timeout", SET_SECONDS, DEST(lock_timeout_ms), "60", 0, 0, 0, NULL, NULL,
	  "seconds to wait for the migration lock; 0 tries once, -1 waits forever" },
	{ "lock_strategy", SET_STRING, DEST(lock_strategy), "auto", 0, 0,
	  SETF_NOT_EMPTY | SETF_STRATEGY, NULL, "write \"auto\", \"session\" or \"table\"",
	  "\"session\" (the dialect's lock), \"table\" (a lease row in retort_lock, for "
	  "PgBouncer and Galera) or \"auto\"" },
	{ "lock_lease", SET_SECONDS, DEST(lock_lease_ms), "60", 0, 0, SETF_POSITIVE, NULL, NULL,
	  "seconds a retort_lock lease lasts unless renewed (lock_strategy table)" },
	{ "timezone", SET_STRING, DEST(timezone), NULL, 0, 0, SETF_TIMEZONE,
	  "default unset (local time)", NULL,
	  "the zone of Create Date and file_template dates: \"UTC\" or a zone name" },
	{ "password_command", SET_ARGV, DEST(password_command), NULL, 0, 0, 0, "default none",
	  NULL, "a command printing the database password, run without a shell when the url "
	  "has none" },
	{ "on_changed_script", SET_STRING, DEST(on_changed_script), "error", 0, 0,
	  SETF_NOT_EMPTY | SETF_ERR_WARN, NULL, "write \"error\" or \"warn\"",
	  "\"error\" (upgrade refuses) or \"warn\" when an applied script was edited" },
	{ "audit_log", SET_PATH, DEST(audit_log), NULL, 0, 0, 0, "default unset", NULL,
	  "a file each command that changes the database appends a JSON line to" },
	{ "offline_history", SET_BOOL, DEST(offline_history), "true", 0, 0, 0, NULL, NULL,
	  "--sql output also writes retort_history and retort_audit" },
	{ "plugins", SET_GROUP, DEST(has_plugins_group), NULL, 0, 0, 0, "default none", NULL,
	  "dialect plugins for this project (needs --allow-project-plugins)" },
	{ "databases", SET_GROUP, DEST(has_databases_group), NULL, 0, 0, 0, "default none", NULL,
	  "several databases in one file: a group per database, chosen with -n NAME" },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static void *dest_of(struct rt_settings *cfg, const struct setting *t)
{
	return (char *)cfg + t->offset;
}

/* ------------------------------------------------------------ seconds */

int rt_settings_seconds(double seconds, long *ms_out)
{
	if (seconds == -1.0) {
		*ms_out = -1;
		return 0;
	}
	/* written so that NaN fails too */
	if (!(seconds >= 0.0 && seconds <= RT_SETTINGS_SECONDS_MAX))
		return -1;
	*ms_out = (long)(seconds * 1000.0 + 0.5);
	return 0;
}

int rt_settings_parse_seconds(const char *text, long *ms_out)
{
	char *end;
	double v;
	if (!text || !*text || isspace((unsigned char)*text))
		return -1;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end)
		return -1;
	return rt_settings_seconds(v, ms_out);
}

/* ------------------------------------------------------------ reading */

static const struct setting *find_setting(const char *name)
{
	size_t i;
	for (i = 0; i < N_SETTINGS; i++)
		if (strcmp(settings[i].key, name) == 0)
			return &settings[i];
	return NULL;
}

static void warn_unknown_keys(struct loader *l, config_setting_t *root)
{
	int i, n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = s ? config_setting_name(s) : NULL;
		const char *best = NULL;
		size_t k, bestd = 3;
		if (!name || find_setting(name))
			continue;
		for (k = 0; k < N_SETTINGS; k++) {
			size_t d = rt_edit_distance(name, settings[k].key, 0);
			if (d < bestd) {
				bestd = d;
				best = settings[k].key;
			}
		}
		if (best)
			rt_host()->log(RETORT_LOG_WARNING,
			               "%s:%u: unknown setting '%s' ignored (did you mean '%s'?)",
			               setting_file(l, s), config_setting_source_line(s), name, best);
		else
			rt_host()->log(RETORT_LOG_WARNING,
			               "%s:%u: unknown setting '%s' ignored", setting_file(l, s),
			               config_setting_source_line(s), name);
	}
}

/* Expand one string element `s` (of setting `t`) into *out. */
static int expand_setting(struct loader *l, const struct setting *t, config_setting_t *s,
                          char **out)
{
	const char *raw = config_setting_get_string(s);
	if (expand(out, raw ? raw : "", t->key, l->cfg->dir, &l->cfg->xargs, 0, l->err) < 0) {
		if (l->err->msg)
			rt_err_prefix(l->err, "%s:%u", setting_file(l, s),
			              config_setting_source_line(s));
		return -1;
	}
	return 0;
}

/* SET_STRING and SET_PATH.  An empty value is unset (or an error). */
static int read_string(struct loader *l, const struct setting *t, config_setting_t *s,
                       char **dest)
{
	char *v = NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return setting_error(l, s, "%s must be a string (in double quotes)", t->key);
	if (expand_setting(l, t, s, &v) < 0)
		return -1;
	if (!*v) {
		rt_free(v);
		if (t->flags & SETF_NOT_EMPTY)
			return setting_error(l, s, "%s is empty (%s)", t->key, t->empty_hint);
		return 0;
	}
	if ((t->flags & SETF_TIMEZONE) && !tz_known(v)) {
		const char *tzdir = getenv("TZDIR");
		rt_err_set(l->err, RT_EXIT_USAGE,
		           "%s:%u: timezone \"%.64s\" is not known: write \"UTC\" or a zone name "
		           "from %s (e.g. \"Europe/Paris\"), or remove it for local time",
		           setting_file(l, s), config_setting_source_line(s), v,
		           tzdir && *tzdir ? tzdir : DEFAULT_TZDIR);
		rt_free(v);
		return -1;
	}
	if ((t->flags & SETF_STRATEGY) && strcmp(v, "auto") != 0 && strcmp(v, "session") != 0 &&
	    strcmp(v, "table") != 0) {
		rt_err_set(l->err, RT_EXIT_USAGE, "%s:%u: %s must be \"auto\", \"session\" or "
		           "\"table\", not \"%.64s\"", setting_file(l, s),
		           config_setting_source_line(s), t->key, v);
		rt_free(v);
		return -1;
	}
	if ((t->flags & SETF_ERR_WARN) && strcmp(v, "error") != 0 && strcmp(v, "warn") != 0) {
		rt_err_set(l->err, RT_EXIT_USAGE, "%s:%u: %s must be \"error\" or \"warn\", not \"%.64s\"",
		           setting_file(l, s), config_setting_source_line(s), t->key, v);
		rt_free(v);
		return -1;
	}
	if (t->type == SET_PATH) {
		char *abs = resolve(l->cfg->dir, v);
		rt_free(v);
		if (!(v = abs))
			return rt_err_oom(l->err);
	}
	*dest = v;
	return 0;
}

static int read_path_list(struct loader *l, const struct setting *t, config_setting_t *s,
                          struct rt_strvec *dest)
{
	int i, n;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
		return setting_error(l, s, "%s must be an array of strings, e.g. "
		                     "[ \"more/versions\" ]", t->key);
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char *v = NULL, *abs;
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return setting_error(l, e, "%s must be an array of strings, e.g. "
			                     "[ \"more/versions\" ]", t->key);
		if (expand_setting(l, t, e, &v) < 0)
			return -1;
		if (!*v) {
			rt_free(v);
			continue;
		}
		abs = resolve(l->cfg->dir, v);
		rt_free(v);
		if (rt_strvec_push_owned(dest, abs) < 0)
			return rt_err_oom(l->err);
	}
	return 0;
}

/* SET_ARGV: "word 'two words'" split as a shell would, or [ "w1", "w2" ];
 * each word expanded (${VAR}, ${file:PATH}) after splitting. */
static int read_argv(struct loader *l, const struct setting *t, config_setting_t *s,
                     struct rt_strvec *dest)
{
	struct rt_strvec words = RT_STRVEC_INIT;
	int type = config_setting_type(s), i, n, rc = -1;
	size_t k;

	if (type == CONFIG_TYPE_STRING) {
		const char *why;
		int r = rt_secret_split_words(&words, config_setting_get_string(s), &why);
		if (r == -2)
			return rt_err_oom(l->err);
		if (r < 0) {
			rt_strvec_free(&words);
			return setting_error(l, s, "%s: %s (quote with '...' or \"...\"; no shell "
			                     "runs it)", t->key, why);
		}
	} else if (type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				goto type;
			if (rt_strvec_push(&words, config_setting_get_string(e)) < 0) {
				rt_strvec_free(&words);
				return rt_err_oom(l->err);
			}
		}
	} else {
		goto type;
	}
	if (words.n == 0) {
		rt_strvec_free(&words);
		return setting_error(l, s, "%s is empty: name a command, e.g. \"pass show db/app\"",
		                     t->key);
	}
	for (k = 0; k < words.n; k++) {
		char *v = NULL;
		if (expand(&v, words.v[k], t->key, l->cfg->dir, &l->cfg->xargs, 0, l->err) < 0) {
			if (l->err->msg)
				rt_err_prefix(l->err, "%s:%u", setting_file(l, s),
				              config_setting_source_line(s));
			goto done;
		}
		rt_free(words.v[k]);
		words.v[k] = v;
	}
	if (!(l->cfg->password_command_where = rt_sprintf("%s:%u: %s", setting_file(l, s),
	                                                   config_setting_source_line(s), t->key))) {
		rt_err_oom(l->err);
		goto done;
	}
	*dest = words;
	return 0;
type:
	rt_strvec_free(&words);
	return setting_error(l, s, "%s must be a string or an array of strings, e.g. "
	                     "[ \"pass\", \"show\", \"db/app\" ]", t->key);
done:
	rt_strvec_free(&words);
	return rc;
}

/* A number from the file: integers and floats both. */
static int number_of(config_setting_t *s, double *out)
{
	int type = config_setting_type(s);
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		*out = (double)config_setting_get_int64(s);
	else if (type == CONFIG_TYPE_FLOAT)
		*out = config_setting_get_float(s);
	else
		return -1;
	return 0;
}

/* Read setting `t` from `s` into its destination. */
static int read_one(struct loader *l, const struct setting *t, config_setting_t *s)
{
	void *dest = dest_of(l->cfg, t);
	int type = config_setting_type(s);
	double v;

	switch (t->type) {
	case SET_STRING:
	case SET_PATH:
		return read_string(l, t, s, (char **)dest);
	case SET_PATH_LIST:
		return read_path_list(l, t, s, (struct rt_strvec *)dest);
	case SET_INT: {
		long long n;
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			return setting_error(l, s, "%s must be an integer", t->key);
		n = config_setting_get_int64(s);
		if (n < t->min || n > t->max)
			return setting_error(l, s, "%s must be an integer from %lld to %lld", t->key,
			                     t->min, t->max);
		*(int *)dest = (int)n;
		return 0;
	}
	case SET_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			return setting_error(l, s, "%s must be true or false", t->key);
		*(int *)dest = config_setting_get_bool(s);
		return 0;
	case SET_SECONDS:
		if (number_of(s, &v) < 0)
			return setting_error(l, s, "%s must be a number of seconds (-1 waits forever)",
			                     t->key);
		if ((t->flags & SETF_POSITIVE) &&
		    (!(v > 0.0 && v <= RT_SETTINGS_SECONDS_MAX) || rt_settings_seconds(v, (long *)dest) < 0 ||
		     *(long *)dest <= 0))
			return setting_error(l, s, "%s must be more than 0 and at most %.0f seconds",
			                     t->key, RT_SETTINGS_SECONDS_MAX);
		if (rt_settings_seconds(v, (long *)dest) < 0)
			return setting_error(l, s, "%s must be from 0 to %.0f seconds, or -1 to wait "
			                     "forever", t->key, RT_SETTINGS_SECONDS_MAX);
		return 0;
	case SET_GROUP:
		*(int *)dest = 1;
		return 0;
	case SET_ARGV:
		return read_argv(l, t, s, (struct rt_strvec *)dest);
	}
	return 0;
}

/* Apply the default of `t` where the file left it unset: absent, or (for
 * strings) empty. */
static int apply_default(struct loader *l, const struct setting *t, int present)
{
	void *dest = dest_of(l->cfg, t);
	if (!t->def || (present && t->type != SET_STRING && t->type != SET_PATH))
		return 0;
	switch (t->type) {
	case SET_STRING:
		if (!*(char **)dest && !(*(char **)dest = rt_strdup(t->def)))
			return rt_err_oom(l->err);
		return 0;
	case SET_PATH:
		if (!*(char **)dest && !(*(char **)dest = resolve(l->cfg->dir, t->def)))
			return rt_err_oom(l->err);
		return 0;
	case SET_INT:
		*(int *)dest = atoi(t->def);
		return 0;
	case SET_BOOL:
		*(int *)dest = strcmp(t->def, "true") == 0;
		return 0;
	case SET_SECONDS:
		return rt_settings_seconds(strtod(t->def, NULL), (long *)dest);
	case SET_PATH_LIST:
	case SET_GROUP:
	case SET_ARGV:
		return 0;
	}
	return 0;
}

/* `url`: --url, else $RETORT_URL, else the file's (not even expanded when
 * overridden, so an unset ${DATABASE_URL} does not matter then). */
static int read_url(struct loader *l, const struct setting *t, config_setting_t *s,
                    const char *url_override)
{
	const char *env = getenv("RETORT_URL");
	if (!(url_override && *url_override) && env && *env)
		url_override = env;
	if (url_override && *url_override) {
		if (!(l->cfg->url = rt_strdup(url_override)))
			return rt_err_oom(l->err);
		return 0;
	}
	if (s && read_one(l, t, s) < 0)
		return -1;
	l->cfg->url_from_file = l->cfg->url != NULL;
	return 0;
}

/* The top-level only keys: a database's group cannot hold them. */
static int top_level_only(const char *key)
{
	return strcmp(key, "plugins") == 0 || strcmp(key, "databases") == 0;
}

/*
 * `databases = { main = { ... }; analytics = { ... }; };` (Alembic's
 * multidb, its -n/--name): pick the group of `name`, else "main", else the
 * only one.  *db is NULL when the file has no databases group.
 */
static int pick_database(struct loader *l, config_setting_t *root, const char *name,
                         config_setting_t **db)
{
	config_setting_t *dbs = config_setting_get_member(root, "databases");
	struct rt_buf names = RT_BUF_INIT;
	const char *best = NULL;
	size_t bestd = 3;
	int i, n;

	*db = NULL;
	if (!dbs) {
		if (!name)
			return 0;
		return rt_err_set(l->err, RT_EXIT_USAGE, "-n %s: %s has no `databases` group to "
		                  "choose from (write databases = { %s = { url = ...; "
		                  "script_location = ...; }; }; see retort.cfg(5)), or drop -n",
		                  name, l->shown, name);
	}
	if (config_setting_type(dbs) != CONFIG_TYPE_GROUP)
		return setting_error(l, dbs, "databases must be a group: databases = { main = { "
		                     "url = ...; }; };");
	n = config_setting_length(dbs);
	for (i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(dbs, (unsigned)i);
		const char *gn = config_setting_name(g);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			rt_buf_free(&names);
			return setting_error(l, g, "databases.%s must be a group of settings: %s = "
			                     "{ url = ...; script_location = ...; };", gn, gn);
		}
		rt_buf_printf(&names, "%s%s", i ? ", " : "", gn);
		if (name) {
			size_t d = rt_edit_distance(name, gn, 0);
			if (d < bestd) {
				bestd = d;
				best = gn;
			}
		}
	}
	if (n == 0) {
		rt_buf_free(&names);
		return setting_error(l, dbs, "databases is empty: give it a group per database");
	}
	if (name)
		*db = config_setting_get_member(dbs, name);
	else if (!(*db = config_setting_get_member(dbs, "main")) && n == 1)
		*db = config_setting_get_elem(dbs, 0);
	if (!*db) {
		if (names.oom)
			rt_err_oom(l->err);
		else if (name)
			rt_err_set(l->err, RT_EXIT_USAGE, "-n %s: %s:%u has no database '%s'%s%s%s "
			           "(it has %s)", name, setting_file(l, dbs),
			           config_setting_source_line(dbs), name, best ? "; did you mean '" : "",
			           best ? best : "", best ? "'?" : "", names.ptr);
		else
			rt_err_set(l->err, RT_EXIT_USAGE, "%s:%u defines the databases %s and none is "
			           "called main: choose one with -n NAME", setting_file(l, dbs),
			           config_setting_source_line(dbs), names.ptr);
		rt_buf_free(&names);
		return -1;
	}
	rt_buf_free(&names);
	if (!(l->cfg->name = rt_strdup(config_setting_name(*db))))
		return rt_err_oom(l->err);
	return 0;
}

static int read_settings(struct loader *l, config_t *c, const char *url_override,
                         const char *name)
{
	config_setting_t *root = config_root_setting(c), *db;
	size_t i;

	warn_unknown_keys(l, root);
	if (pick_database(l, root, name, &db) < 0)
		return -1;
	check_password_exposure(l, root);
	if (db) {
		int k, n = config_setting_length(db);
		warn_unknown_keys(l, db);
		check_password_exposure(l, db);
		for (k = 0; k < n; k++) {
			config_setting_t *s = config_setting_get_elem(db, (unsigned)k);
			if (top_level_only(config_setting_name(s)))
				rt_host()->log(RETORT_LOG_WARNING, "%s:%u: '%s' is read at the top level "
				               "of the file only, not in databases.%s: ignored",
				               setting_file(l, s), config_setting_source_line(s),
				               config_setting_name(s), l->cfg->name);
		}
	}
	for (i = 0; i < N_SETTINGS; i++) {
		const struct setting *t = &settings[i];
		config_setting_t *s = NULL;
		int rc;
		/* a database's own value, else the file's, shared by all of them */
		if (db && !top_level_only(t->key))
			s = config_setting_get_member(db, t->key);
		if (!s)
			s = config_setting_get_member(root, t->key);
		if (t->flags & SETF_URL)
			rc = read_url(l, t, s, url_override);
		else
			rc = s ? read_one(l, t, s) : 0;
		if (rc < 0 || apply_default(l, t, s != NULL) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ the key list */

/* "String", "Integer from 1 to 1000", ... */
static void describe_type(struct rt_buf *b, const struct setting *t)
{
	switch (t->type) {
	case SET_STRING:
	case SET_PATH:
		rt_buf_puts(b, "String");
		break;
	case SET_PATH_LIST:
		rt_buf_puts(b, "List of strings");
		break;
	case SET_INT:
		rt_buf_printf(b, "Integer from %lld to %lld", t->min, t->max);
		break;
	case SET_BOOL:
		rt_buf_puts(b, "Boolean");
		break;
	case SET_SECONDS:
		rt_buf_puts(b, "Number of seconds");
		break;
	case SET_GROUP:
		rt_buf_puts(b, strcmp(t->key, "databases") == 0 ? "Group of groups of settings"
		                                                : "Group of registry entries");
		break;
	case SET_ARGV:
		rt_buf_puts(b, "Command (string or list of strings)");
		break;
	}
}

/* `text` with roff's special characters escaped (man format). */
static void put_text(struct rt_buf *b, const char *text, int man)
{
	for (; man && *text; text++) {
		if (*text == '"')
			rt_buf_puts(b, "\\(dq");
		else if (*text == '-')
			rt_buf_puts(b, "\\-");
		else if (*text == '\\')
			rt_buf_puts(b, "\\e");
		else
			rt_buf_putc(b, *text);
	}
	if (!man)
		rt_buf_puts(b, text);
}

int rt_settings_describe(struct rt_buf *out, int man)
{
	size_t i;
	for (i = 0; i < N_SETTINGS; i++) {
		const struct setting *t = &settings[i];
		struct rt_buf sentence = RT_BUF_INIT;
		describe_type(&sentence, t);
		if (!t->def)
			rt_buf_printf(&sentence, ", %s.", t->doc_default);
		else if (t->type == SET_STRING || t->type == SET_PATH)
			rt_buf_printf(&sentence, ", default \"%s\".", t->def);
		else
			rt_buf_printf(&sentence, ", default %s.", t->def);
		if (sentence.oom) {
			rt_buf_free(&sentence);
			return -1;
		}
		if (man) {
			rt_buf_printf(out, ".TP\n.B %s\n", t->key);
			put_text(out, sentence.ptr, 1);
			rt_buf_puts(out, "\n.\\\" ");
			put_text(out, t->help, 1);
			rt_buf_putc(out, '\n');
		} else {
			rt_buf_printf(out, "%s\t%s\t%s\n", t->key, sentence.ptr, t->help);
		}
		rt_buf_free(&sentence);
	}
	return out->oom ? -1 : 0;
}

void rt_settings_free(struct rt_settings *cfg)
{
	if (!cfg)
		return;
	if (cfg->cfg) {
		config_destroy(cfg->cfg);
		rt_free(cfg->cfg);
	}
	rt_free(cfg->path);
	rt_free(cfg->name);
	rt_free(cfg->dir);
	rt_free(cfg->script_location);
	rt_free(cfg->url);
	rt_free(cfg->version_table);
	rt_free(cfg->version_table_schema);
	rt_strvec_free(&cfg->version_locations);
	rt_free(cfg->file_template);
	rt_free(cfg->on_changed_script);
	rt_free(cfg->lock_strategy);
	rt_free(cfg->audit_log);
	rt_free(cfg->timezone);
	rt_strvec_free(&cfg->password_command);
	rt_free(cfg->password_command_where);
	rt_strvec_free(&cfg->xargs);
	rt_free(cfg);
}

int rt_settings_load(struct rt_settings **out, const char *explicit_path,
                   const char *url_override, struct rt_err *err)
{
	struct rt_settings_opts so;
	memset(&so, 0, sizeof(so));
	so.explicit_path = explicit_path;
	so.url_override = url_override;
	return rt_settings_load_opts(out, &so, err);
}

int rt_settings_load_opts(struct rt_settings **out, const struct rt_settings_opts *so,
                          struct rt_err *err)
{
	const char *explicit_path = so->explicit_path, *url_override = so->url_override;
	struct rt_settings *cfg = NULL;
	struct loader l;
	const char *path, *origin;
	const char *env = getenv("RETORT_CONFIG");
	config_t *c = NULL;
	struct stat st;
	char *slash;

	*out = NULL;
	if (explicit_path) {
		path = explicit_path;
		origin = "-c";
		if (!*path)
			return rt_err_set(err, RT_EXIT_USAGE, "-c needs a file name");
	} else if (env && *env) {
		path = env;
		origin = "$RETORT_CONFIG";
	} else {
		path = "retort.cfg";
		origin = NULL;
	}

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && !origin)
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "no retort.cfg in the current directory: run `retort init "
			                  "DIR` to create a project here, or pass -c FILE (or set "
			                  "RETORT_CONFIG)");
		if (errno == ENOENT)
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "config file %s (from %s) does not exist: check the path, "
			                  "or run `retort init DIR` to create one", path, origin);
		return rt_err_set(err, RT_EXIT_USAGE, "cannot read config file %s: %s", path,
		                  strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "config file %s is not a regular file (pass -c with the path "
		                  "of a retort.cfg)", path);

	if (!(cfg = rt_calloc(1, sizeof(*cfg))))
		return rt_err_oom(err);
	if (rt_xargs_parse(&cfg->xargs, so->x, so->n_x, err) < 0)
		goto fail;
	if (!(cfg->path = rt_settings_abspath(path)) || !(cfg->dir = rt_strdup(cfg->path)))
		goto oom;
	slash = strrchr(cfg->dir, '/');
	if (slash == cfg->dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	if (!(c = rt_malloc(sizeof(*c))))
		goto oom;
	config_init(c);
	cfg->cfg = c;
	config_set_include_dir(c, cfg->dir);
	if (config_read_file(c, cfg->path) != CONFIG_TRUE) {
		if (config_error_type(c) == CONFIG_ERR_FILE_IO)
			rt_err_set(err, RT_EXIT_USAGE, "cannot read config file %s: %s", path,
			           errno ? strerror(errno) : "I/O error");
		else
			rt_err_set(err, RT_EXIT_USAGE, "%s:%d: %s (libconfig syntax: name = value;)",
			           (!config_error_file(c) || !strcmp(config_error_file(c), cfg->path))
			                   ? path : config_error_file(c),
			           config_error_line(c),
			           config_error_text(c) ? config_error_text(c) : "syntax error");
		goto fail;
	}

	l.cfg = cfg;
	l.shown = path;
	l.err = err;
	if (so->name && !*so->name) {
		rt_err_set(err, RT_EXIT_USAGE, "-n needs the name of a database of %s", path);
		goto fail;
	}
	if (read_settings(&l, c, url_override, so->name) < 0)
		goto fail;
	*out = cfg;
	return 0;
oom:
	rt_err_oom(err);
fail:
	rt_settings_free(cfg);
	return -1;
}
