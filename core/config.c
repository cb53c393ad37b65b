/*
 * core/config.c - the project configuration file, retort.cfg (SPEC
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
 *    from the environment are not expanded again.
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
#include "config.h"
#include "url.h"
#include "host.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_SCRIPT_LOCATION "migrations"
#define DEFAULT_VERSION_TABLE "alembic_version"
#define DEFAULT_FILE_TEMPLATE "%(rev)s_%(slug)s"
#define DEFAULT_TRUNCATE_SLUG_LENGTH 40
#define DEFAULT_LOCK_TIMEOUT_S 60
#define DEFAULT_TZDIR "/usr/share/zoneinfo"

static const char *const known_keys[] = {
	"script_location", "url", "version_table", "version_table_schema",
	"version_locations", "file_template", "truncate_slug_length",
	"transaction_per_migration", "timezone", "lock_timeout", "plugins", NULL
};

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
 * Expand `in`.  With `strip` set, the environment is not consulted: every
 * ${VAR} becomes "" and ${VAR:-default} its default, which leaves exactly
 * the text written literally in the file (used to spot literal passwords).
 * A default may itself hold references: ${A:-${B:-x}}.
 */
static int expand_at(char **out, const char *in, const char *what, int strip, int depth,
                     struct rt_err *err)
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
			                  "%s: unterminated ${ (write ${NAME} or ${NAME:-default}; "
			                  "$$ for a literal '$')", what);
		}
		name_len = (size_t)(close - name);
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
			                  "$$ for a literal '$')", what);
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
			if (!raw || expand_at(&defval, raw, what, strip, depth + 1, err) < 0) {
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

static int expand(char **out, const char *in, const char *what, int strip, struct rt_err *err)
{
	return expand_at(out, in, what, strip, 0, err);
}

int rt_config_expand(char **out, const char *in, const char *what, struct rt_err *err)
{
	return expand(out, in, what, 0, err);
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

static char *absolute_path(const char *path)
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

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;
	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

struct loader {
	struct rt_config *cfg;
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

/* "FILE:LINE: <message>" */
static int setting_error(struct loader *l, const config_setting_t *s, const char *fmt,
                         const char *name)
{
	struct rt_buf b = RT_BUF_INIT;
	rt_buf_printf(&b, "%s:%u: ", setting_file(l, s), config_setting_source_line(s));
	/* fmt is one of our literals with a single %s for the key name. */
	rt_buf_printf(&b, fmt, name);
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(l->err);
	}
	rt_err_set(l->err, RT_EXIT_USAGE, "%s", b.ptr);
	rt_buf_free(&b);
	return -1;
}

/* Read the string setting `name` (if present) expanded into *out. */
static int get_string(struct loader *l, config_setting_t *root, const char *name, char **out)
{
	config_setting_t *s = config_setting_get_member(root, name);
	const char *raw;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return setting_error(l, s, "%s must be a string (in double quotes)", name);
	raw = config_setting_get_string(s);
	rt_free(*out);
	*out = NULL;
	if (expand(out, raw ? raw : "", name, 0, l->err) < 0) {
		if (l->err->msg)
			rt_err_prefix(l->err, "%s:%u", setting_file(l, s),
			              config_setting_source_line(s));
		return -1;
	}
	return 0;
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

static int is_known(const char *name)
{
	size_t i;
	for (i = 0; known_keys[i]; i++)
		if (strcmp(known_keys[i], name) == 0)
			return 1;
	return 0;
}

static void warn_unknown_keys(struct loader *l, config_setting_t *root)
{
	int i, n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = s ? config_setting_name(s) : NULL;
		const char *best = NULL;
		size_t k, bestd = 3;
		if (!name || is_known(name))
			continue;
		for (k = 0; known_keys[k]; k++) {
			size_t d = edit_distance(name, known_keys[k]);
			if (d < bestd) {
				bestd = d;
				best = known_keys[k];
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

/*
 * Warn when the url written in the file holds a password literally (not
 * through ${VAR}) and the file is readable by group or others.
 */
static void check_password_exposure(struct loader *l, config_setting_t *root)
{
	config_setting_t *s = config_setting_get_member(root, "url");
	const char *raw;
	char *lit = NULL;
	struct rt_url *u = NULL;
	struct rt_err e = { 0, NULL };
	struct stat st;

	if (!s || config_setting_type(s) != CONFIG_TYPE_STRING)
		return;
	raw = config_setting_get_string(s);
	if (!raw || expand(&lit, raw, "url", 1, &e) < 0)
		goto done;
	if (rt_url_parse(&u, lit, &e) < 0 || !u->password || !*u->password)
		goto done;
	if (stat(l->cfg->path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		rt_host()->log(RETORT_LOG_WARNING,
		               "%s:%u: url holds a literal password and %s is readable by %s: "
		               "run chmod 600 %s, or write the password as ${VAR} and set VAR "
		               "in the environment", setting_file(l, s),
		               config_setting_source_line(s), l->shown,
		               (st.st_mode & S_IROTH) ? "everyone" : "its group", l->shown);
done:
	rt_url_free(u);
	rt_free(lit);
	rt_err_clear(&e);
}

static int read_settings(struct loader *l, config_t *c, const char *url_override)
{
	struct rt_config *cfg = l->cfg;
	config_setting_t *root = config_root_setting(c), *s;
	char *loc = NULL;
	int rc = -1;

	warn_unknown_keys(l, root);
	check_password_exposure(l, root);

	/* script_location */
	if (get_string(l, root, "script_location", &loc) < 0)
		goto done;
	if (loc && !*loc) {
		s = config_setting_get_member(root, "script_location");
		setting_error(l, s, "%s is empty (write the directory of the migration "
		                    "scripts, e.g. \"migrations\")", "script_location");
		goto done;
	}
	if (!(cfg->script_location = resolve(cfg->dir, loc ? loc : DEFAULT_SCRIPT_LOCATION)))
		goto oom;

	/* url: --url, $RETORT_URL, then the file. */
	if (url_override && *url_override) {
		if (!(cfg->url = rt_strdup(url_override)))
			goto oom;
	} else if (getenv("RETORT_URL") && *getenv("RETORT_URL")) {
		if (!(cfg->url = rt_strdup(getenv("RETORT_URL"))))
			goto oom;
	} else {
		if (get_string(l, root, "url", &cfg->url) < 0)
			goto done;
		if (cfg->url && !*cfg->url) {
			rt_free(cfg->url);
			cfg->url = NULL;
		}
		cfg->url_from_file = cfg->url != NULL;
	}

	if (get_string(l, root, "version_table", &cfg->version_table) < 0)
		goto done;
	if (cfg->version_table && !*cfg->version_table) {
		s = config_setting_get_member(root, "version_table");
		setting_error(l, s, "%s is empty (remove it to use alembic_version)",
		              "version_table");
		goto done;
	}
	if (!cfg->version_table && !(cfg->version_table = rt_strdup(DEFAULT_VERSION_TABLE)))
		goto oom;

	if (get_string(l, root, "version_table_schema", &cfg->version_table_schema) < 0)
		goto done;
	if (cfg->version_table_schema && !*cfg->version_table_schema) {
		rt_free(cfg->version_table_schema);
		cfg->version_table_schema = NULL;
	}

	if (get_string(l, root, "file_template", &cfg->file_template) < 0)
		goto done;
	if (cfg->file_template && !*cfg->file_template) {
		s = config_setting_get_member(root, "file_template");
		setting_error(l, s, "%s is empty (remove it to use \"%%(rev)s_%%(slug)s\")",
		              "file_template");
		goto done;
	}
	if (!cfg->file_template && !(cfg->file_template = rt_strdup(DEFAULT_FILE_TEMPLATE)))
		goto oom;

	if (get_string(l, root, "timezone", &cfg->timezone) < 0)
		goto done;
	if (cfg->timezone && !*cfg->timezone) {
		rt_free(cfg->timezone);
		cfg->timezone = NULL;
	}
	if (cfg->timezone && !tz_known(cfg->timezone)) {
		s = config_setting_get_member(root, "timezone");
		rt_err_set(l->err, RT_EXIT_USAGE,
		           "%s:%u: timezone \"%.64s\" is not known: write \"UTC\" or a zone name "
		           "from %s (e.g. \"Europe/Paris\"), or remove it for local time",
		           setting_file(l, s), config_setting_source_line(s), cfg->timezone,
		           getenv("TZDIR") && *getenv("TZDIR") ? getenv("TZDIR") : DEFAULT_TZDIR);
		goto done;
	}

	/* truncate_slug_length */
	cfg->truncate_slug_length = DEFAULT_TRUNCATE_SLUG_LENGTH;
	if ((s = config_setting_get_member(root, "truncate_slug_length")) != NULL) {
		long long v;
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			setting_error(l, s, "%s must be an integer", "truncate_slug_length");
			goto done;
		}
		v = config_setting_get_int64(s);
		if (v < 1 || v > 1000) {
			setting_error(l, s, "%s must be an integer from 1 to 1000",
			              "truncate_slug_length");
			goto done;
		}
		cfg->truncate_slug_length = (int)v;
	}

	/* transaction_per_migration */
	if ((s = config_setting_get_member(root, "transaction_per_migration")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			setting_error(l, s, "%s must be true or false", "transaction_per_migration");
			goto done;
		}
		cfg->transaction_per_migration = config_setting_get_bool(s);
	}

	/* lock_timeout: seconds, -1 waits forever, 0 tries once. */
	cfg->lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_S * 1000L;
	if ((s = config_setting_get_member(root, "lock_timeout")) != NULL) {
		double v;
		int t = config_setting_type(s);
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			v = (double)config_setting_get_int64(s);
		else if (t == CONFIG_TYPE_FLOAT)
			v = config_setting_get_float(s);
		else {
			setting_error(l, s, "%s must be a number of seconds (-1 waits forever)",
			              "lock_timeout");
			goto done;
		}
		if (v == -1)
			cfg->lock_timeout_ms = -1;
		else if (v < 0 || v > 31536000.0) {
			setting_error(l, s, "%s must be from 0 to 31536000 seconds, or -1 to "
			                    "wait forever", "lock_timeout");
			goto done;
		} else
			cfg->lock_timeout_ms = (long)(v * 1000.0 + 0.5);
	}

	/* version_locations */
	if ((s = config_setting_get_member(root, "version_locations")) != NULL) {
		int i, n;
		if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(s) != CONFIG_TYPE_LIST) {
			setting_error(l, s, "%s must be an array of strings, e.g. "
			                    "[ \"more/versions\" ]", "version_locations");
			goto done;
		}
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			char *v = NULL, *abs;
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				setting_error(l, e, "%s must be an array of strings, e.g. "
				                    "[ \"more/versions\" ]", "version_locations");
				goto done;
			}
			if (expand(&v, config_setting_get_string(e), "version_locations", 0,
			           l->err) < 0) {
				if (l->err->msg)
					rt_err_prefix(l->err, "%s:%u", setting_file(l, e),
					              config_setting_source_line(e));
				goto done;
			}
			if (!*v) {
				rt_free(v);
				continue;
			}
			abs = resolve(cfg->dir, v);
			rt_free(v);
			if (rt_strvec_push_owned(&cfg->version_locations, abs) < 0)
				goto oom;
		}
	}

	s = config_setting_get_member(root, "plugins");
	cfg->has_plugins_group = s != NULL;
	rc = 0;
	goto done;
oom:
	rt_err_oom(l->err);
done:
	rt_free(loc);
	return rc;
}

void rt_config_free(struct rt_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->cfg) {
		config_destroy(cfg->cfg);
		rt_free(cfg->cfg);
	}
	rt_free(cfg->path);
	rt_free(cfg->dir);
	rt_free(cfg->script_location);
	rt_free(cfg->url);
	rt_free(cfg->version_table);
	rt_free(cfg->version_table_schema);
	rt_strvec_free(&cfg->version_locations);
	rt_free(cfg->file_template);
	rt_free(cfg->timezone);
	rt_free(cfg);
}

int rt_config_load(struct rt_config **out, const char *explicit_path,
                   const char *url_override, struct rt_err *err)
{
	struct rt_config *cfg = NULL;
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
	if (!(cfg->path = absolute_path(path)) || !(cfg->dir = rt_strdup(cfg->path)))
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
	if (read_settings(&l, c, url_override) < 0)
		goto fail;
	*out = cfg;
	return 0;
oom:
	rt_err_oom(err);
fail:
	rt_config_free(cfg);
	return -1;
}
