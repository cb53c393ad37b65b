/* SPDX-License-Identifier: MIT */
/*
 * core/loader.c - the plugin loader (SPEC section 6): opens the module the
 * registry (core/registry.c) names for a scheme.  The only file of the core
 * that includes <ltdl.h>.
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
 *
 * Hints name the package to install or reinstall from the registry entry's
 * `package`; the core knows no scheme or package name.
 */
#include "loader.h"
#include "host.h"
#include "url.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define RT_HAVE_DLFCN 1
#endif
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
static int shutdown_registered, shutdown_done;

void rt_loader_shutdown(void)
{
	struct loaded *l;
	if (shutdown_done)
		return;
	shutdown_done = 1;
	/* the cache is newest first: reverse load order */
	for (l = cache; l; l = l->next)
		if (!l->init_failed && l->dialect->global_shutdown)
			l->dialect->global_shutdown();
}

static void shutdown_at_exit(void)
{
	rt_loader_shutdown();
}

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

const char *rt_loader_file(const struct retort_dialect *d)
{
	struct loaded *l;
	for (l = cache; l; l = l->next)
		if (l->dialect == d)
			return l->file;
	return NULL;
}

/* Describe where the entry came from: " (registry entry at FILE:LINE)". */
#define FROM(e) (e)->source

/* What to install or reinstall, from the entry's `package`. */
static const char *pkg_of(const struct rt_registry_entry *e)
{
	return e->package ? e->package : "the package that provides the plugin";
}

static int fail_load(struct rt_err *err, const char *scheme, const struct rt_registry_entry *e,
                     const char *file, const char *why)
{
	return rt_err_set(err, RT_EXIT_USAGE,
	                  "cannot load dialect plugin %s for scheme '%s' (registry entry at %s): "
	                  "%s\n  hint: check its libraries with `ldd %s`, or reinstall %s",
	                  file, scheme, FROM(e), why, file, pkg_of(e));
}

size_t rt_dialect_missing_members(const struct retort_dialect *d, const char **out, size_t max)
{
	size_t n = 0;
#define MISSING(m) do { if (n < max) out[n] = (m); n++; } while (0)
	/* Every REQUIRED member of <retort/dialect.h> (all within ABI 1.0). */
#define REQ(m) if (!d->m) MISSING(#m)
	REQ(name);
	REQ(schemes);
	REQ(create);
	REQ(connect);
	REQ(destroy);
	REQ(begin);
	REQ(commit);
	REQ(rollback);
	/* execute, or the 1.2 execute_statement (the core's statement loop) */
	if (!d->execute && !(RT_DIALECT_HAS(d, execute_statement) && d->execute_statement))
		MISSING("execute");
	REQ(version_read);
	REQ(version_create);
	REQ(version_insert);
	REQ(version_update);
	REQ(version_delete);
#undef REQ
	/* lock and unlock come as a pair */
	if (d->lock && !d->unlock)
		MISSING("unlock");
	if (d->unlock && !d->lock)
		MISSING("lock");
#undef MISSING
	return n;
}

const char *rt_dialect_missing_member(const struct retort_dialect *d)
{
	const char *first = NULL;
	return rt_dialect_missing_members(d, &first, 1) ? first : NULL;
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
	const char *missing;
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
		           "rebuild %s", file, scheme, FROM(e), pkg_of(e));
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
	if ((missing = rt_dialect_missing_member(d)) != NULL) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s breaks the dialect contract: its required member `%s` is NULL "
		           "(scheme '%s', registry entry at %s)\n  hint: fix the plugin (every "
		           "REQUIRED member of <retort/dialect.h> must be set), or reinstall "
		           "%s", file, missing, scheme, FROM(e), pkg_of(e));
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
	                           "%s", l->dialect->name, l->file, scheme, FROM(e), msg,
	                           pkg_of(e));
	rt_free(msg);
	if (!l->init_error)
		return rt_err_oom(err);
	return rt_err_set(err, RT_EXIT_USAGE, "%s", l->init_error);
}

/* The schemes the registry serves with an installed module, and the
 * directories it was read from, for messages. */
static void describe_registry(struct rt_buf *b, const struct rt_registry *reg, int dirs)
{
	size_t i, j, n = 0;
	if (dirs) {
		rt_buf_printf(b, "\n  registry read: %s/plugins.cfg", rt_loader_sysconfdir());
		for (i = 0; reg && i < reg->n_dirs; i++)
			if (reg->dirs[i].exists)
				rt_buf_printf(b, ", %s/*.cfg", reg->dirs[i].path);
		rt_buf_puts(b, ";");
	}
	rt_buf_puts(b, "\n  schemes registered: ");
	for (i = 0; reg && i < reg->n; i++) {
		const struct rt_registry_entry *e = &reg->entries[i];
		if (!e->module)
			continue;
		for (j = 0; j < e->schemes.n; j++)
			if (rt_registry_find(reg, e->schemes.v[j]) == e)
				rt_buf_printf(b, "%s%s", n++ ? ", " : "", e->schemes.v[j]);
	}
	if (!n)
		rt_buf_puts(b, "none");
}

/* Load error 1: no plugin for the scheme, or only an entry saying which
 * package would provide it (`hint`, whose module is NULL). */
static int no_plugin(struct rt_err *err, const struct rt_registry *reg, const char *scheme,
                     const struct rt_registry_entry *hint)
{
	struct rt_buf b = RT_BUF_INIT;
	int dirs = 1;
	rt_buf_printf(&b, "no dialect plugin registered for scheme '%s'", scheme);
	if (hint) {
		rt_buf_printf(&b, ": its plugin is not installed; install %s (named by the registry "
		              "entry at %s)", hint->package, hint->source);
	} else {
		size_t at = b.len;
		rt_buf_puts(&b, " (did you mean ");
		if (rt_registry_suggest(&b, reg, scheme) > 0) {
			rt_buf_puts(&b, "?)\n  hint: correct the URL's scheme");
			dirs = 0;
		} else {
			b.len = at;
			if (b.ptr)
				b.ptr[at] = '\0';
			rt_buf_printf(&b, ": install the plugin that provides it, or register its "
			              "module with a drop-in in %s/plugins.d/ or in a directory of "
			              "$RETORT_REGISTRY_PATH", rt_loader_sysconfdir());
		}
	}
	describe_registry(&b, reg, dirs);
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	rt_err_set(err, RT_EXIT_USAGE, "%s", b.ptr);
	rt_buf_free(&b);
	return -1;
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
	if (!e || !e->module)
		return no_plugin(err, reg, scheme, e);
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
		           "%s\n  hint: install %s, or point --plugin-path or "
		           "RETORT_PLUGIN_PATH at the directory holding it", e->module, scheme,
		           FROM(e), why, pkg_of(e));
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
		if (!shutdown_registered && l->dialect->global_shutdown) {
			/* atexit() fails only when out of its slots: then no shutdown */
			if (atexit(shutdown_at_exit) == 0)
				shutdown_registered = 1;
		}
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

/* ------------------------------------------------------------ libraries */

void *rt_loader_library(const char *const *sonames, struct rt_err *err)
{
	struct rt_buf tried = RT_BUF_INIT;
	const char *why = NULL;
	size_t i;

	if (ensure_ltdl(err) < 0)
		return NULL;
	for (i = 0; sonames[i]; i++) {
		/* A bare soname: the dynamic linker's own search (ld.so.cache,
		 * LD_LIBRARY_PATH), and the same copy a plugin may have loaded. */
		lt_dlhandle h = lt_dlopen(sonames[i]);
		if (h) {
			rt_buf_free(&tried);
			return h;
		}
		why = lt_dlerror();
		rt_buf_printf(&tried, "%s%s", i ? ", " : "", sonames[i]);
	}
	if (tried.oom)
		rt_err_oom(err);
	else
		rt_err_set(err, RT_EXIT_USAGE, "cannot load %s (%s)", tried.ptr ? tried.ptr : "",
		           why ? why : "not found");
	rt_buf_free(&tried);
	return NULL;
}

void *rt_loader_symbol(void *lib, const char *name)
{
	return lt_dlsym((lt_dlhandle)lib, name);
}
