/*
 * core/loader.c - the plugin registry and loader (SPEC section 6).  The only
 * file of the core that includes <ltdl.h>.
 *
 * Registry: libconfig files, read in this order, later entries overriding
 * earlier ones for the same scheme:
 *   1. $RETORT_SYSCONFDIR (else the configured $(sysconfdir)/retort)
 *      /plugins.cfg, if it exists;
 *   2. every plugins.d/ *.cfg there (not dot files), in strcmp() order;
 *   3. the `plugins` group of the project's retort.cfg, only with
 *      --allow-project-plugins (otherwise a warning says it was ignored).
 * A file or entry that cannot be used is skipped with a warning naming
 * file:line, so one broken drop-in does not take every dialect down; the
 * "no plugin for scheme" error then mentions the skipped files.
 *
 * Loading: a `module` holding a '/' is a path (relative ones resolve
 * against the directory of the file that named it); a basename is searched
 * as NAME.so, NAME.la, NAME in --plugin-path, $RETORT_PLUGIN_PATH, then
 * $(pkglibdir).  The file must be a regular file (after symlinks) and not
 * group/world-writable.  It is opened with lt_dladvise_ext + local, the
 * entry symbol <module>_LTX_retort_dialect_entry (module = basename without
 * extension, non-alphanumerics as '_', as libtool does) or else plain
 * retort_dialect_entry is called with the host table, the ABI is checked,
 * global_init runs once.  Loaded modules are cached for the life of the
 * process and never unloaded (some client libraries misbehave once
 * unloaded).  A global_init failure is cached too: it is not retried.
 */
#include "config.h"
#include "loader.h"
#include "host.h"
#include "url.h"

#include <dirent.h>
#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define RT_HAVE_DLFCN 1
#endif
#include <stdio.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <ltdl.h>
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
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/*
 * The prefix of struct retort_dialect that ABI 1.0 defines: everything up
 * to offline_sql.  A plugin must cover at least this much; members added
 * later are read only when struct_size covers them.
 */
#define RT_DIALECT_SIZE_1_0 \
	(offsetof(struct retort_dialect, offline_sql) + \
	 sizeof(((const struct retort_dialect *)0)->offline_sql))

const char *rt_loader_sysconfdir(void)
{
	const char *env = getenv("RETORT_SYSCONFDIR");
	return env && *env ? env : RETORT_SYSCONFDIR;
}

/* The package that provides a dialect for `scheme`, for messages. */
static const char *package_for(const char *scheme)
{
	static char buf[64];
	const char *plus = strchr(scheme, '+');
	static const char *const map[][2] = {
		{ "mariadb", "mysql" }, { "postgres", "postgresql" },
		{ "mssql", "odbc" }, { "oracle", "odbc" }, { "sybase", "odbc" },
		{ NULL, NULL }
	};
	size_t i;
	if (plus) {      /* "mariadb+pymysql": the scheme is what names the package */
		snprintf(buf, sizeof(buf), "%.*s", (int)(plus - scheme), scheme);
		scheme = buf;
	}
	for (i = 0; map[i][0]; i++)
		if (strcasecmp(map[i][0], scheme) == 0)
			return map[i][1];
	return scheme;
}

/* ------------------------------------------------------------ registry */

static void entry_free(struct rt_registry_entry *e)
{
	rt_free(e->name);
	rt_strvec_free(&e->schemes);
	rt_free(e->module);
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
	rt_free(reg);
}

/* While loading: the registry under construction. */
struct load_state {
	struct rt_registry *reg;
	size_t cap;
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

/* Add one entry group; 0 on success or skip, -1 on oom. */
static int add_entry(struct load_state *st, config_setting_t *g, const char *file)
{
	struct rt_registry_entry e;
	config_setting_t *s;
	const char *name, *module;
	int i, n;

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
	if (!config_setting_lookup_string(g, "module", &module) || !*module) {
		warn_entry(g, file, "`module` (a string: basename or path) is missing");
		return 0;
	}
	if (strlen(module) >= PATH_MAX) {
		warn_entry(g, file, "`module` is longer than PATH_MAX");
		return 0;
	}
	s = config_setting_get_member(g, "schemes");
	if (!s) {
		warn_entry(g, file, "`schemes` (an array of strings) is missing");
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (rt_strvec_push(&e.schemes, config_setting_get_string(s)) < 0)
			goto oom;
	} else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	           config_setting_type(s) == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			config_setting_t *it = config_setting_get_elem(s, (unsigned)i);
			const char *v = config_setting_get_string(it);
			if (!v || !*v) {
				rt_strvec_free(&e.schemes);
				warn_entry(g, file, "`schemes` must hold non-empty strings");
				return 0;
			}
			if (rt_strvec_push(&e.schemes, v) < 0)
				goto oom;
		}
	}
	if (e.schemes.n == 0) {
		rt_strvec_free(&e.schemes);
		warn_entry(g, file, "`schemes` is empty");
		return 0;
	}
	if (!(e.name = rt_strdup(name)))
		goto oom;
	if (strchr(module, '/') && module[0] != '/') {
		char *dir = dir_of(src_name(g, file));
		e.module = dir ? rt_path_join(dir, module) : NULL;
		rt_free(dir);
	} else {
		e.module = rt_strdup(module);
	}
	if (!e.module)
		goto oom;
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

/* Read one registry file; a missing one is fine, a broken one is skipped. */
static int read_registry_file(struct load_state *st, const char *path)
{
	config_t c;
	struct stat sb;
	int rc = 0;
	if (stat(path, &sb) < 0)
		return 0;
	if (!S_ISREG(sb.st_mode)) {
		rt_host()->log(RETORT_LOG_WARNING, "%s: plugin registry file skipped: not a regular "
		               "file", path);
		return 0;
	}
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

int rt_registry_load(struct rt_registry **out, const struct rt_loader_options *opts,
                     struct rt_err *err)
{
	struct load_state st;
	struct rt_strvec files = RT_STRVEC_INIT;
	const char *sysconf = rt_loader_sysconfdir();
	char *path = NULL, *dpath = NULL;
	DIR *d = NULL;
	size_t i;
	int rc = -1;

	*out = NULL;
	st.cap = 0;
	st.err = err;
	if (!(st.reg = rt_calloc(1, sizeof(*st.reg))))
		return rt_err_oom(err);

	if (!(path = rt_path_join(sysconf, "plugins.cfg")))
		goto oom;
	if (read_registry_file(&st, path) < 0)
		goto done;

	if (!(dpath = rt_path_join(sysconf, "plugins.d")))
		goto oom;
	if ((d = opendir(dpath)) != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (is_dropin(de->d_name) &&
			    rt_strvec_push_owned(&files, rt_path_join(dpath, de->d_name)) < 0)
				goto oom;
		rt_strvec_sort(&files);
		for (i = 0; i < files.n; i++)
			if (read_registry_file(&st, files.v[i]) < 0)
				goto done;
	}

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
	if (d)
		closedir(d);
	rt_strvec_free(&files);
	rt_free(path);
	rt_free(dpath);
	rt_registry_free(st.reg);
	return rc;
}

const struct rt_registry_entry *rt_registry_find(const struct rt_registry *reg,
                                                 const char *scheme)
{
	size_t i, j, n;
	const char *plus;
	if (!reg || !scheme)
		return NULL;
	plus = strchr(scheme, '+');
	n = plus ? (size_t)(plus - scheme) : strlen(scheme);
	/* Last entry wins: drop-ins and the project override earlier files. */
	for (i = reg->n; i-- > 0;)
		for (j = 0; j < reg->entries[i].schemes.n; j++) {
			const char *s = reg->entries[i].schemes.v[j];
			if (strlen(s) == n && strncasecmp(s, scheme, n) == 0)
				return &reg->entries[i];
		}
	return NULL;
}

/* ------------------------------------------------------------ loading */

struct loaded {
	char *file;                       /* path it was found and opened under */
	char *key;                        /* its real path: the cache key */
	lt_dlhandle handle;
	const struct retort_dialect *dialect;
	int init_failed;                  /* global_init failed: never retried */
	char *init_error;                 /* its message (NULL if that ran out of memory) */
	struct loaded *next;
};

static struct loaded *cache;
static int ltdl_ready;

static int ensure_ltdl(struct rt_err *err)
{
	if (ltdl_ready)
		return 0;
	if (lt_dlinit() != 0) {
		const char *e = lt_dlerror();
		return rt_err_set(err, RT_EXIT_USAGE, "cannot initialise libltdl: %s",
		                  e ? e : "unknown error");
	}
	ltdl_ready = 1;
	return 0;
}

/* Search directories for basenames, in order, as a ':'-joined list. */
static char *search_path(const struct rt_loader_options *opts)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *env = getenv("RETORT_PLUGIN_PATH");
	char *r;
	if (opts && opts->plugin_path && *opts->plugin_path)
		rt_buf_printf(&b, "%s:", opts->plugin_path);
	if (env && *env)
		rt_buf_printf(&b, "%s:", env);
	rt_buf_puts(&b, RETORT_PKGLIBDIR);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}

/*
 * Find the module file.  Returns 0 with *out set, 1 if not found (nothing
 * allocated), -1 on oom.
 */
static int find_module(char **out, const char *module, const char *path)
{
	static const char *const exts[] = { ".so", ".la", "", NULL };
	const char *p = path;
	struct stat sb;
	*out = NULL;
	if (strchr(module, '/')) {
		if (stat(module, &sb) < 0)
			return 1;
		*out = rt_strdup(module);
		return *out ? 0 : -1;
	}
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		size_t k;
		if (n > 0) {
			for (k = 0; exts[k]; k++) {
				char *cand = rt_sprintf("%.*s/%s%s", (int)n, p, module, exts[k]);
				if (!cand)
					return -1;
				if (stat(cand, &sb) == 0) {
					*out = cand;
					return 0;
				}
				rt_free(cand);
			}
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 1;
}

/* libtool's module name: basename without extension, non-alnum -> '_'. */
static char *module_name(const char *file)
{
	const char *base = strrchr(file, '/');
	char *r, *dot;
	size_t i;
	base = base ? base + 1 : file;
	if (!(r = rt_strdup(base)))
		return NULL;
	if ((dot = strchr(r, '.')) != NULL)
		*dot = '\0';
	for (i = 0; r[i]; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= 'A' && r[i] <= 'Z') ||
		      (r[i] >= '0' && r[i] <= '9')))
			r[i] = '_';
	return r;
}

static struct loaded *cache_find(const char *file)
{
	struct loaded *l;
	for (l = cache; l; l = l->next)
		if (strcmp(l->key, file) == 0)
			return l;
	return NULL;
}

/* Describe where the entry came from: " (registry entry at FILE:LINE)". */
#define FROM(e) (e)->source

static int fail_load(struct rt_err *err, const char *scheme, const struct rt_registry_entry *e,
                     const char *file, const char *why)
{
	const char *pkg = package_for(e->name);
	return rt_err_set(err, RT_EXIT_USAGE,
	                  "cannot load dialect plugin %s for scheme '%s' (registry entry at %s): "
	                  "%s\n  hint: check its libraries with `ldd %s`, or reinstall "
	                  "retort-plugin-%s", file, scheme, FROM(e), why, file, pkg);
}

/* Open and validate; on success, a new cache entry (init not yet run). */
static int open_module(struct loaded **out, const struct rt_registry_entry *e,
                       const char *scheme, const char *file, const char *key,
                       struct rt_err *err)
{
	struct stat sb;
	lt_dladvise adv = NULL;
	lt_dlhandle h = NULL;
	char *mod = NULL, *sym = NULL;
	retort_dialect_entry_fn entry;
	const struct retort_dialect *d;
	struct loaded *l;
	int rc = -1;

	*out = NULL;
	if (stat(file, &sb) < 0)
		return fail_load(err, scheme, e, file, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "refusing to load dialect plugin %s for scheme '%s' (registry entry "
		                  "at %s): it is not a regular file; fix the entry's `module`",
		                  file, scheme, FROM(e));
	if (sb.st_mode & (S_IWGRP | S_IWOTH))
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "refusing to load dialect plugin %s for scheme '%s' (registry entry "
		                  "at %s): it is %s-writable, so others could replace its code; run "
		                  "chmod go-w %s", file, scheme, FROM(e),
		                  (sb.st_mode & S_IWOTH) ? "world" : "group", file);

	if (lt_dladvise_init(&adv) != 0 || lt_dladvise_ext(&adv) != 0 ||
	    lt_dladvise_local(&adv) != 0) {
		const char *le = lt_dlerror();
		rt_err_set(err, RT_EXIT_USAGE, "cannot set up libltdl: %s", le ? le : "unknown");
		goto done;
	}
	h = lt_dlopenadvise(file, adv);
	if (!h) {
		const char *le = lt_dlerror();
		char *why = NULL;
#ifdef RT_HAVE_DLFCN
		/* libltdl tries several loaders and keeps only "file not found";
		 * the system loader says what is really wrong (not an ELF file,
		 * a missing libpq.so.5, an undefined symbol). */
		size_t n = strlen(file);
		if (n < 3 || strcmp(file + n - 3, ".la") != 0) {
			void *dh = dlopen(file, RTLD_LAZY | RTLD_LOCAL);
			if (dh)
				dlclose(dh);
			else if ((le = dlerror()) != NULL)
				why = rt_strdup(le);
		}
#endif
		if (!why)
			why = rt_sprintf("%s", le ? le : "unknown libltdl error");
		if (!why) {
			rt_err_oom(err);
			goto done;
		}
		fail_load(err, scheme, e, file, why);
		rt_free(why);
		goto done;
	}

	if (!(mod = module_name(file)) ||
	    !(sym = rt_sprintf("%s_LTX_" RETORT_DIALECT_ENTRY_NAME, mod))) {
		rt_err_oom(err);
		goto done;
	}
	entry = (retort_dialect_entry_fn)(void (*)(void))lt_dlsym(h, sym);
	if (!entry)
		entry = (retort_dialect_entry_fn)(void (*)(void))lt_dlsym(h, RETORT_DIALECT_ENTRY_NAME);
	if (!entry) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s is not a retort dialect plugin: it exports neither %s nor %s (scheme "
		           "'%s', registry entry at %s)\n  hint: fix the entry's `module`, or "
		           "rebuild the plugin with RETORT_DIALECT_DEFINE(%s, ...) from "
		           "<retort/dialect.h>", file, sym, RETORT_DIALECT_ENTRY_NAME, scheme,
		           FROM(e), mod);
		goto done;
	}
	d = entry(rt_host());
	if (!d) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s is not a usable retort dialect plugin: its entry point returned no "
		           "dialect (scheme '%s', registry entry at %s)\n  hint: reinstall or "
		           "rebuild retort-plugin-%s", file, scheme, FROM(e), package_for(e->name));
		goto done;
	}
	if (d->abi_major != RETORT_DIALECT_ABI_MAJOR || d->abi_minor > RETORT_DIALECT_ABI_MINOR) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s was built for dialect ABI %u.%u; this retort provides %u.%u (scheme "
		           "'%s', registry entry at %s)\n  hint: %s", file, d->abi_major,
		           d->abi_minor, RETORT_DIALECT_ABI_MAJOR, RETORT_DIALECT_ABI_MINOR, scheme,
		           FROM(e),
		           d->abi_major < RETORT_DIALECT_ABI_MAJOR
		               ? "rebuild the plugin against this retort's <retort/dialect.h> "
		                 "(pkg-config retort-dialect), or install a plugin package made "
		                 "for this retort"
		               : "upgrade retort to one providing that ABI, or rebuild the plugin "
		                 "against this retort's <retort/dialect.h> (pkg-config "
		                 "retort-dialect)");
		goto done;
	}
	if (d->struct_size < RT_DIALECT_SIZE_1_0) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s declares a dialect struct of %zu bytes, smaller than the %zu of "
		           "dialect ABI %u.0 (scheme '%s', registry entry at %s)\n  hint: rebuild "
		           "the plugin against this retort's <retort/dialect.h>", file,
		           d->struct_size, (size_t)RT_DIALECT_SIZE_1_0, RETORT_DIALECT_ABI_MAJOR,
		           scheme, FROM(e));
		goto done;
	}
	if (!d->name || !d->create || !d->destroy || !d->execute) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s is not a usable retort dialect plugin: its dialect lacks a name, "
		           "create, destroy or execute (scheme '%s', registry entry at %s)\n"
		           "  hint: rebuild or reinstall it", file, scheme, FROM(e));
		goto done;
	}
	if (!(l = rt_calloc(1, sizeof(*l))) || !(l->file = rt_strdup(file)) ||
	    !(l->key = rt_strdup(key))) {
		if (l)
			rt_free(l->file);
		rt_free(l);
		rt_err_oom(err);
		goto done;
	}
	l->handle = h;
	l->dialect = d;
	h = NULL;      /* kept open for the life of the process */
	*out = l;
	rc = 0;
done:
	/* A module that failed validation is closed: none of its code ran
	 * beyond constructors and the entry point, which hold no resources. */
	if (h)
		lt_dlclose(h);
	if (adv)
		lt_dladvise_destroy(&adv);
	rt_free(mod);
	rt_free(sym);
	return rc;
}

static int run_init(struct loaded *l, const struct rt_registry_entry *e, const char *scheme,
                    struct rt_err *err)
{
	struct retort_error pe;
	char *msg;
	int rc;
	if (!l->dialect->global_init)
		return 0;
	rt_dialect_error_init(&pe);
	rc = l->dialect->global_init(rt_host(), &pe);
	if (rc == 0) {
		rt_dialect_error_free(&pe);
		return 0;
	}
	l->init_failed = 1;
	msg = pe.message ? rt_url_mask_text(pe.message)
	                 : rt_sprintf("global_init failed in dialect %s (code %d)",
	                              l->dialect->name, rc);
	rt_dialect_error_free(&pe);
	if (!msg)
		return rt_err_oom(err);
	l->init_error = rt_sprintf("dialect plugin %s (%s) failed to initialise for scheme "
	                           "'%s' (registry entry at %s): %s\n  hint: check the "
	                           "plugin's client library installation, or reinstall "
	                           "retort-plugin-%s", l->dialect->name, l->file, scheme,
	                           FROM(e), msg, package_for(e->name));
	rt_free(msg);
	if (!l->init_error)
		return rt_err_oom(err);
	return rt_err_set(err, RT_EXIT_USAGE, "%s", l->init_error);
}

int rt_loader_load(const struct retort_dialect **out, const struct rt_registry *reg,
                   const char *scheme, const struct rt_loader_options *opts,
                   struct rt_err *err)
{
	const struct rt_registry_entry *e;
	struct loaded *l;
	char *path = NULL, *file = NULL, *key = NULL;
	int rc = -1, found;

	*out = NULL;
	if (!scheme || !*scheme)
		return rt_err_set(err, RT_EXIT_USAGE, "no URL scheme to choose a dialect plugin by");
	e = rt_registry_find(reg, scheme);
	if (!e) {
		struct rt_buf known = RT_BUF_INIT;
		size_t i, j;
		const char *sys = rt_loader_sysconfdir();
		for (i = 0; reg && i < reg->n; i++)
			for (j = 0; j < reg->entries[i].schemes.n; j++)
				rt_buf_printf(&known, "%s%s", known.len ? ", " : "",
				              reg->entries[i].schemes.v[j]);
		rt_err_set(err, RT_EXIT_USAGE,
		           "no dialect plugin registered for scheme '%s': install "
		           "retort-plugin-%s, or add a registry file to %s/plugins.d/\n"
		           "  registry read: %s/plugins.cfg, %s/plugins.d/*.cfg "
		           "(RETORT_SYSCONFDIR moves it); schemes registered: %s",
		           scheme, package_for(scheme), sys, sys, sys,
		           known.len ? known.ptr : "none");
		rt_buf_free(&known);
		return -1;
	}
	if (ensure_ltdl(err) < 0)
		return -1;

	if (!(path = search_path(opts)))
		return rt_err_oom(err);
	found = find_module(&file, e->module, path);
	if (found < 0) {
		rt_err_oom(err);
		goto done;
	}
	if (found > 0) {
		char *why = strchr(e->module, '/')
		                    ? rt_sprintf("the file does not exist")
		                    : rt_sprintf("no %s.so, %s.la or %s in %s", e->module, e->module,
		                                 e->module, path);
		if (!why) {
			rt_err_oom(err);
			goto done;
		}
		rt_err_set(err, RT_EXIT_USAGE,
		           "cannot load dialect plugin %s for scheme '%s' (registry entry at %s): "
		           "%s\n  hint: install retort-plugin-%s, or point --plugin-path or "
		           "RETORT_PLUGIN_PATH at the directory holding it", e->module, scheme,
		           FROM(e), why, package_for(e->name));
		rt_free(why);
		goto done;
	}

	/* Cache per module file (by real path), so aliases (mssql, oracle ->
	 * odbc) and symlinks share one load.  The file is opened, named in
	 * messages and gives the symbol prefix by the name it was found
	 * under: a symlink retort_x.so -> retort_x-1.2.so still means module
	 * retort_x. */
	{
		char *real = realpath(file, NULL);
		if (real) {
			key = rt_strdup(real);
			free(real);
		} else {
			key = rt_strdup(file);
		}
		if (!key) {
			rt_err_oom(err);
			goto done;
		}
	}
	l = cache_find(key);
	if (!l) {
		if (open_module(&l, e, scheme, file, key, err) < 0)
			goto done;
		l->next = cache;
		cache = l;
		if (run_init(l, e, scheme, err) < 0)
			goto done;
	} else if (l->init_failed) {
		if (l->init_error)
			rt_err_set(err, RT_EXIT_USAGE, "%s", l->init_error);
		else
			rt_err_set(err, RT_EXIT_USAGE, "dialect plugin %s (%s) failed to initialise "
			           "earlier in this process", l->dialect->name, l->file);
		goto done;
	}
	*out = l->dialect;
	rc = 0;
done:
	rt_free(path);
	rt_free(file);
	rt_free(key);
	return rc;
}
