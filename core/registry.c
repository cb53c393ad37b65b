/* SPDX-License-Identifier: MIT */
/*
 * core/registry.c - the plugin registry (SPEC section 6): which module
 * serves which URL scheme, read from libconfig drop-ins without opening any
 * module.
 *
 * Layers, highest precedence first, each a directory of *.cfg drop-ins:
 *   1. every directory of $RETORT_REGISTRY_PATH (':'-separated), in order:
 *      it adds to the system registry, it does not hide it;
 *   2. DIR/plugins.d for each DIR of --plugin-path, then of
 *      $RETORT_PLUGIN_PATH, so a directory of modules can register them;
 *   3. the administrator's $(sysconfdir)/retort/plugins.d;
 *   4. the vendor directories packages install into: $(pkglibdir)/plugins.d,
 *      then $(pkgdatadir)/plugins.d.
 * $RETORT_SYSCONFDIR, as before these layers existed, names the whole
 * system registry: layer 3 moves there and layer 4 is not read (tests,
 * relocated trees).
 *
 * As in systemd and udev, a drop-in overrides the one of the same file
 * name in a lower layer, and a drop-in that is empty or a symlink to
 * /dev/null masks it.  The files left are read in the lexical order of
 * their names, after $(sysconfdir)/retort/plugins.cfg; for a scheme the
 * entry read last wins.  Then, only with --allow-project-plugins, the
 * `plugins` group of the project's retort.cfg.
 *
 * An entry may name the `package` that provides it, for hints.  An entry
 * with a package and no module says "this scheme exists but its plugin is
 * not installed": retort's own 00-retort-plugins.cfg lists the in-tree
 * plugins so, and each plugin's drop-in overrides it once installed.
 */
#include "settings.h"
#include "loader.h"
#include "host.h"

#include <dirent.h>
#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#ifndef RETORT_SYSCONFDIR
#define RETORT_SYSCONFDIR "/etc/retort"
#endif
#ifndef RETORT_PKGLIBDIR
#define RETORT_PKGLIBDIR "/usr/lib/retort"
#endif
#ifndef RETORT_DATADIR
#define RETORT_DATADIR "/usr/share/retort"
#endif
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static const char *vendor_override; /* rt__registry_vendor_dirs() */

const char *rt_loader_sysconfdir(void)
{
	const char *env = getenv("RETORT_SYSCONFDIR");
	return env && *env ? env : RETORT_SYSCONFDIR;
}

void rt__registry_vendor_dirs(const char *dirs)
{
	vendor_override = dirs;
}

/* ------------------------------------------------------------ entries */

static void entry_free(struct rt_registry_entry *e)
{
	rt_free(e->name);
	rt_strvec_free(&e->schemes);
	rt_free(e->module);
	rt_free(e->package);
	rt_free(e->source);
}

void rt_registry_free(struct rt_registry *reg)
{
	size_t i;
	if (!reg)
		return;
	for (i = 0; i < reg->n; i++)
		entry_free(&reg->entries[i]);
	rt_free(reg->entries);
	for (i = 0; i < reg->n_dirs; i++)
		rt_free(reg->dirs[i].path);
	rt_free(reg->dirs);
	rt_strvec_free(&reg->files);
	rt_strvec_free(&reg->shadowed);
	rt_free(reg);
}

/* While loading: the registry under construction. */
struct load_state {
	struct rt_registry *reg;
	size_t cap, dirs_cap;
	struct rt_err *err;
};

static const char *src_name(const config_setting_t *s, const char *fallback)
{
	const char *f = config_setting_source_file(s);
	return f ? f : fallback;
}

static void warn_entry(const config_setting_t *s, const char *file, const char *what)
{
	rt_host()->log(RETORT_LOG_WARNING, "%s:%u: plugin registry entry skipped: %s",
	               src_name(s, file), config_setting_source_line(s), what);
}

/* Directory of `file` ("." if none), newly allocated. */
static char *dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');
	if (!slash)
		return rt_strdup(".");
	if (slash == file)
		return rt_strdup("/");
	return rt_strndup(file, (size_t)(slash - file));
}

/* The `schemes` member of entry g into *out; 0 if fine, 1 if skipped
 * (warned), -1 on oom. */
static int read_schemes(struct rt_strvec *out, config_setting_t *g, const char *file)
{
	config_setting_t *s = config_setting_get_member(g, "schemes");
	int i, n;
	if (!s) {
		warn_entry(g, file, "`schemes` (an array of strings) is missing");
		return 1;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (rt_strvec_push(out, config_setting_get_string(s)) < 0)
			return -1;
	} else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	           config_setting_type(s) == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			config_setting_t *it = config_setting_get_elem(s, (unsigned)i);
			const char *v = config_setting_get_string(it);
			if (!v || !*v) {
				warn_entry(g, file, "`schemes` must hold non-empty strings");
				return 1;
			}
			if (rt_strvec_push(out, v) < 0)
				return -1;
		}
	}
	if (out->n == 0) {
		warn_entry(g, file, "`schemes` is empty");
		return 1;
	}
	return 0;
}

/* Add one entry group; 0 on success or skip, -1 on oom. */
static int add_entry(struct load_state *st, config_setting_t *g, const char *file)
{
	struct rt_registry_entry e;
	const char *name, *module = NULL, *package = NULL;
	int rc;

	memset(&e, 0, sizeof(e));
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		warn_entry(g, file, "each entry must be a group { name = ...; schemes = [...]; "
		                    "module = ...; }");
		return 0;
	}
	if (!config_setting_lookup_string(g, "name", &name) || !*name) {
		warn_entry(g, file, "`name` (a string) is missing");
		return 0;
	}
	if (config_setting_get_member(g, "package") &&
	    (!config_setting_lookup_string(g, "package", &package) || !*package)) {
		warn_entry(g, file, "`package` must be a non-empty string");
		return 0;
	}
	if ((!config_setting_lookup_string(g, "module", &module) || !*module) && !package) {
		warn_entry(g, file, "`module` (a string: basename or path) is missing");
		return 0;
	}
	if (module && !*module)
		module = NULL;
	if (module && strlen(module) >= PATH_MAX) {
		warn_entry(g, file, "`module` is longer than PATH_MAX");
		return 0;
	}
	if ((rc = read_schemes(&e.schemes, g, file)) != 0) {
		rt_strvec_free(&e.schemes);
		return rc < 0 ? rt_err_oom(st->err) : 0;
	}
	if (!(e.name = rt_strdup(name)))
		goto oom;
	if (package && !(e.package = rt_strdup(package)))
		goto oom;
	if (module && strchr(module, '/') && module[0] != '/') {
		char *dir = dir_of(src_name(g, file));
		e.module = dir ? rt_path_join(dir, module) : NULL;
		rt_free(dir);
		if (!e.module)
			goto oom;
	} else if (module && !(e.module = rt_strdup(module))) {
		goto oom;
	}
	if (!(e.source = rt_sprintf("%s:%u", src_name(g, file), config_setting_source_line(g))))
		goto oom;
	if (st->reg->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		struct rt_registry_entry *v = rt_realloc(st->reg->entries, cap * sizeof(*v));
		if (!v)
			goto oom;
		st->reg->entries = v;
		st->cap = cap;
	}
	st->reg->entries[st->reg->n++] = e;
	return 0;
oom:
	entry_free(&e);
	return rt_err_oom(st->err);
}

/* Add the entries of a parsed config: `plugins = (...)` and/or `plugin = {}`. */
static int add_from_config(struct load_state *st, config_t *c, const char *file)
{
	config_setting_t *root = config_root_setting(c), *s;
	int i, n;
	if ((s = config_setting_get_member(root, "plugins")) != NULL) {
		if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
			if (add_entry(st, s, file) < 0)
				return -1;
		} else if (config_setting_type(s) == CONFIG_TYPE_LIST ||
		           config_setting_type(s) == CONFIG_TYPE_ARRAY) {
			n = config_setting_length(s);
			for (i = 0; i < n; i++)
				if (add_entry(st, config_setting_get_elem(s, (unsigned)i), file) < 0)
					return -1;
		} else {
			warn_entry(s, file, "`plugins` must be a list of groups: plugins = ( { ... } );");
		}
	}
	if ((s = config_setting_get_member(root, "plugin")) != NULL)
		if (add_entry(st, s, file) < 0)
			return -1;
	return 0;
}

/* Is sb the null device (a drop-in masked with a symlink to /dev/null)? */
static int is_devnull(const struct stat *sb)
{
	struct stat nb;
	return S_ISCHR(sb->st_mode) && stat("/dev/null", &nb) == 0 && nb.st_rdev == sb->st_rdev;
}

/* Read one registry file; a missing one is fine, a broken one is skipped. */
static int read_registry_file(struct load_state *st, const char *path)
{
	config_t c;
	struct stat sb;
	int rc = 0;
	if (stat(path, &sb) < 0 || is_devnull(&sb))
		return 0;
	if (!S_ISREG(sb.st_mode)) {
		rt_host()->log(RETORT_LOG_WARNING, "%s: plugin registry file skipped: not a regular "
		               "file", path);
		return 0;
	}
	if (rt_strvec_push(&st->reg->files, path) < 0)
		return rt_err_oom(st->err);
	config_init(&c);
	if (config_read_file(&c, path) != CONFIG_TRUE) {
		if (config_error_type(&c) == CONFIG_ERR_FILE_IO)
			rt_host()->log(RETORT_LOG_WARNING, "%s: plugin registry file skipped: cannot "
			               "read it", path);
		else
			rt_host()->log(RETORT_LOG_WARNING, "%s:%d: plugin registry file skipped: %s",
			               config_error_file(&c) ? config_error_file(&c) : path,
			               config_error_line(&c),
			               config_error_text(&c) ? config_error_text(&c) : "syntax error");
	} else {
		rc = add_from_config(st, &c, path);
	}
	config_destroy(&c);
	return rc;
}

static int is_dropin(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".cfg") == 0;
}

/* ------------------------------------------------------------ layers */

/* Append directory `path` (taken: freed on failure) of layer `origin`,
 * unless it is already there. */
static int add_dir(struct load_state *st, char *path, const char *origin)
{
	struct rt_registry *reg = st->reg;
	size_t i;
	if (!path)
		return rt_err_oom(st->err);
	for (i = 0; i < reg->n_dirs; i++)
		if (strcmp(reg->dirs[i].path, path) == 0) {
			rt_free(path);
			return 0;
		}
	if (reg->n_dirs == st->dirs_cap) {
		size_t cap = st->dirs_cap ? st->dirs_cap * 2 : 8;
		struct rt_registry_dir *v = rt_realloc(reg->dirs, cap * sizeof(*v));
		if (!v) {
			rt_free(path);
			return rt_err_oom(st->err);
		}
		reg->dirs = v;
		st->dirs_cap = cap;
	}
	reg->dirs[reg->n_dirs].path = path;
	reg->dirs[reg->n_dirs].origin = origin;
	reg->dirs[reg->n_dirs].exists = 0;
	reg->n_dirs++;
	return 0;
}

/* Add each directory of the ':'-separated `list` (with `sub` appended). */
static int add_dir_list(struct load_state *st, const char *list, const char *sub,
                        const char *origin)
{
	const char *p = list;
	while (p && *p) {
		size_t n = strcspn(p, ":");
		if (n > 0 && add_dir(st, sub ? rt_sprintf("%.*s/%s", (int)n, p, sub)
		                             : rt_strndup(p, n), origin) < 0)
			return -1;
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

static int add_layers(struct load_state *st, const struct rt_loader_options *opts)
{
	const char *env_sysconf = getenv("RETORT_SYSCONFDIR");
	const char *vendor = vendor_override;
	if (add_dir_list(st, getenv("RETORT_REGISTRY_PATH"), NULL, "$RETORT_REGISTRY_PATH") < 0 ||
	    add_dir_list(st, opts ? opts->plugin_path : NULL, "plugins.d", "--plugin-path") < 0 ||
	    add_dir_list(st, getenv("RETORT_PLUGIN_PATH"), "plugins.d", "$RETORT_PLUGIN_PATH") < 0)
		return -1;
	if (add_dir(st, rt_path_join(rt_loader_sysconfdir(), "plugins.d"),
	            env_sysconf && *env_sysconf ? "$RETORT_SYSCONFDIR" : "sysconfdir") < 0)
		return -1;
	if (!vendor && !(env_sysconf && *env_sysconf))
		vendor = RETORT_PKGLIBDIR "/plugins.d:" RETORT_DATADIR "/plugins.d";
	return add_dir_list(st, vendor, NULL, "vendor");
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int by_base_name(const void *a, const void *b)
{
	return strcmp(base_name(*(char *const *)a), base_name(*(char *const *)b));
}

/* The drop-ins of every layer, one per file name (the highest layer's),
 * sorted by file name; the others go to reg->shadowed. */
static int collect_dropins(struct load_state *st, struct rt_strvec *out)
{
	struct rt_registry *reg = st->reg;
	size_t i, j;
	for (i = 0; i < reg->n_dirs; i++) {
		DIR *d = opendir(reg->dirs[i].path);
		struct rt_strvec here = RT_STRVEC_INIT;
		struct dirent *de;
		if (!d)
			continue;
		reg->dirs[i].exists = 1;
		while ((de = readdir(d)) != NULL)
			if (is_dropin(de->d_name) &&
			    rt_strvec_push_owned(&here, rt_path_join(reg->dirs[i].path, de->d_name)) < 0)
				break;
		closedir(d);
		if (de) {
			rt_strvec_free(&here);
			return rt_err_oom(st->err);
		}
		for (j = 0; j < here.n; j++) {
			size_t k;
			for (k = 0; k < out->n; k++)
				if (strcmp(base_name(out->v[k]), base_name(here.v[j])) == 0)
					break;
			if (k < out->n) {
				if (rt_strvec_push_owned(&reg->shadowed,
				                         rt_sprintf("%s (overridden by %s)", here.v[j],
				                                    out->v[k])) < 0) {
					rt_strvec_free(&here);
					return rt_err_oom(st->err);
				}
				continue;
			}
			if (rt_strvec_push_owned(out, here.v[j]) < 0) {
				here.v[j] = NULL;
				rt_strvec_free(&here);
				return rt_err_oom(st->err);
			}
			here.v[j] = NULL;
		}
		rt_strvec_free(&here);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), by_base_name);
	return 0;
}

int rt_registry_load(struct rt_registry **out, const struct rt_loader_options *opts,
                     struct rt_err *err)
{
	struct load_state st;
	struct rt_strvec files = RT_STRVEC_INIT;
	const char *sysconf = rt_loader_sysconfdir();
	char *path = NULL;
	size_t i;
	int rc = -1;

	*out = NULL;
	st.cap = st.dirs_cap = 0;
	st.err = err;
	if (!(st.reg = rt_calloc(1, sizeof(*st.reg))))
		return rt_err_oom(err);
	if (add_layers(&st, opts) < 0)
		goto done;

	if (!(path = rt_path_join(sysconf, "plugins.cfg")))
		goto oom;
	if (read_registry_file(&st, path) < 0)
		goto done;
	if (collect_dropins(&st, &files) < 0)
		goto done;
	for (i = 0; i < files.n; i++)
		if (read_registry_file(&st, files.v[i]) < 0)
			goto done;

	if (opts && opts->config && opts->config->has_plugins_group && opts->config->cfg) {
		config_t *pc = opts->config->cfg;
		config_setting_t *g = config_setting_get_member(config_root_setting(pc), "plugins");
		if (opts->allow_project_plugins) {
			if (add_from_config(&st, pc, opts->config->path) < 0)
				goto done;
		} else if (g) {
			rt_host()->log(RETORT_LOG_WARNING,
			               "%s:%u: the `plugins` group of the project configuration was "
			               "ignored: it would load code from the project's files; pass "
			               "--allow-project-plugins if you trust them, or register the "
			               "plugin in %s/plugins.d/", opts->config->path,
			               config_setting_source_line(g), sysconf);
		}
	}
	*out = st.reg;
	st.reg = NULL;
	rc = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_strvec_free(&files);
	rt_free(path);
	rt_registry_free(st.reg);
	return rc;
}

/* ------------------------------------------------------------ lookups */

/* Length of the scheme part of `scheme` (before '+'). */
static size_t scheme_len(const char *scheme)
{
	const char *plus = strchr(scheme, '+');
	return plus ? (size_t)(plus - scheme) : strlen(scheme);
}

const struct rt_registry_entry *rt_registry_find(const struct rt_registry *reg,
                                                 const char *scheme)
{
	size_t i, j, n;
	if (!reg || !scheme)
		return NULL;
	n = scheme_len(scheme);
	/* Last entry wins: later drop-ins and the project override earlier. */
	for (i = reg->n; i-- > 0;)
		for (j = 0; j < reg->entries[i].schemes.n; j++) {
			const char *s = reg->entries[i].schemes.v[j];
			if (strlen(s) == n && strncasecmp(s, scheme, n) == 0)
				return &reg->entries[i];
		}
	return NULL;
}

int rt_registry_serves(const struct rt_registry *reg, size_t i)
{
	size_t j;
	for (j = 0; j < reg->entries[i].schemes.n; j++)
		if (rt_registry_find(reg, reg->entries[i].schemes.v[j]) == &reg->entries[i])
			return 1;
	return 0;
}

int rt_registry_suggest(struct rt_buf *out, const struct rt_registry *reg, const char *scheme)
{
	struct rt_strvec best = RT_STRVEC_INIT;
	size_t bestd = (size_t)-1, i, j, k;
	char *want;
	int n = 0;

	if (!reg || !scheme || !(want = rt_strndup(scheme, scheme_len(scheme))))
		return 0;
	for (i = 0; i < reg->n; i++) {
		if (!rt_registry_serves(reg, i))
			continue;
		for (j = 0; j < reg->entries[i].schemes.n; j++) {
			const char *s = reg->entries[i].schemes.v[j];
			size_t d = rt_edit_distance(want, s, 1);
			size_t longer = strlen(s) > strlen(want) ? strlen(s) : strlen(want);
			/* Close enough to be a slip: at most 2 edits and a third
			 * of the name ("sqlit", "postgress", not "pg" for "mysql"). */
			if (d == 0 || d > 2 || 3 * d > longer || d > bestd)
				continue;
			if (d < bestd) {
				rt_strvec_free(&best);
				bestd = d;
			}
			if (!rt_strvec_contains(&best, s) && rt_strvec_push(&best, s) < 0)
				goto done;
		}
	}
	for (k = 0; k < best.n; k++)
		rt_buf_printf(out, "%s%s", k == 0 ? "" : k + 1 == best.n ? " or " : ", ",
		              best.v[k]);
	n = (int)best.n;
done:
	rt_strvec_free(&best);
	rt_free(want);
	return n;
}
