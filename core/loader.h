/* SPDX-License-Identifier: MIT */
/*
 * core/loader.h - the plugin registry (core/registry.c) and loader
 * (core/loader.c, the only file of the core that includes <ltdl.h>); SPEC
 * section 6.
 *
 * Registry: directories of libconfig drop-ins, highest precedence first:
 * $RETORT_REGISTRY_PATH, DIR/plugins.d of each --plugin-path and
 * $RETORT_PLUGIN_PATH directory, $(sysconfdir)/retort/plugins.d, then the
 * vendor directories $(pkglibdir)/plugins.d and $(pkgdatadir)/plugins.d
 * ($RETORT_SYSCONFDIR replaces the last two layers).  A drop-in overrides
 * the same file name in lower layers; /dev/null or an empty file masks it.
 * $(sysconfdir)/retort/plugins.cfg is read first, then the drop-ins in
 * lexical order of file name, then (only when allowed) the `plugins` group
 * of the project's retort.cfg.  Each entry:
 *
 *     plugins = (
 *       { name = "sqlite"; schemes = [ "sqlite" ]; module = "retort_sqlite";
 *         package = "retort-plugin-sqlite"; }
 *     );
 *
 * (a file may also hold a single `plugin = { ... }` group).  `module` is a
 * basename searched in: --plugin-path, $RETORT_PLUGIN_PATH (':'-separated),
 * then $(pkglibdir); or a path.  `package` (optional) is what hints tell
 * to install; an entry with a package and no module names a plugin that is
 * not installed.  For a scheme the entry read last wins.
 *
 * Six distinct load failures, each exit class RT_EXIT_USAGE, each naming
 * the scheme, the file and what to install or rebuild:
 *   1. no registry entry for the scheme ("did you mean sqlite?", or the
 *      package to install)
 *   2. the module cannot be opened (lt_dlerror(), "check with ldd")
 *   3. the entry symbol is missing ("FILE is not a retort dialect plugin")
 *   4. ABI mismatch ("built for dialect ABI 2.1; this retort provides 1.0")
 *      or a struct_size too small for ABI 1.0
 *   5. global_init failed (the plugin's own message, masked)
 *   6. a REQUIRED member is NULL ("breaks the dialect contract: its
 *      required member `connect` is NULL")
 * global_shutdown of every module whose global_init succeeded (or is NULL)
 * runs once at normal exit (atexit), in reverse load order.
 * Modules that are not regular files or are group/world-writable are
 * refused.  Modules are never unloaded before exit.
 */
#ifndef RETORT_CORE_LOADER_H
#define RETORT_CORE_LOADER_H

#include <retort/dialect.h> /* IWYU pragma: export */
#include "util.h"

struct rt_registry_entry {
	char *name;                 /* dialect name */
	struct rt_strvec schemes;
	char *module;               /* basename or absolute path; NULL: not installed */
	char *package;              /* the package providing it, for hints; or NULL */
	char *source;               /* "file:line" the entry came from */
};

/* One directory of drop-ins. */
struct rt_registry_dir {
	char *path;
	const char *origin;         /* "$RETORT_REGISTRY_PATH", "vendor", ... (static) */
	int exists;                 /* it could be opened */
};

struct rt_registry {
	struct rt_registry_entry *entries;  /* in the order read */
	size_t n;
	struct rt_registry_dir *dirs;       /* the layers, highest precedence first */
	size_t n_dirs;
	struct rt_strvec files;             /* the files read, in order */
	struct rt_strvec shadowed;          /* "FILE (overridden by FILE)" */
};

struct rt_loader_options {
	const char *plugin_path;        /* --plugin-path, ':'-separated, or NULL */
	int allow_project_plugins;      /* --allow-project-plugins */
	const struct rt_settings *config; /* for its `plugins` group; may be NULL */
};

/* Read the registry (no module is opened). */
int rt_registry_load(struct rt_registry **out, const struct rt_loader_options *opts,
                     struct rt_err *err);
void rt_registry_free(struct rt_registry *reg);
/* Entry serving `scheme` (the part before '+'), or NULL. */
const struct rt_registry_entry *rt_registry_find(const struct rt_registry *reg,
                                                 const char *scheme);
/* Does entry i serve at least one scheme (is it not overridden)? */
int rt_registry_serves(const struct rt_registry *reg, size_t i);
/* Append to out the registered schemes closest to `scheme` (a slip of one
 * or two letters), as "a" or "a or b"; returns how many (0: none close). */
int rt_registry_suggest(struct rt_buf *out, const struct rt_registry *reg, const char *scheme);
/* Tests: use the ':'-separated `dirs` as the vendor layer, even with
 * $RETORT_SYSCONFDIR set; NULL restores the configured ones. */
void rt__registry_vendor_dirs(const char *dirs);

/*
 * Load the plugin for `scheme` ("postgresql", "mssql" of "mssql+odbc", ...):
 * find it in the registry, open the module, resolve the entry symbol,
 * check the ABI and struct_size, and run global_init once.  The result is
 * cached per module for the life of the process.
 */
int rt_loader_load(const struct retort_dialect **out, const struct rt_registry *reg,
                   const char *scheme, const struct rt_loader_options *opts,
                   struct rt_err *err);

/* The file a dialect returned by rt_loader_load() was loaded from, or NULL. */
const char *rt_loader_file(const struct retort_dialect *d);

/*
 * The first REQUIRED member (<retort/dialect.h>) that `d` leaves NULL, as
 * its name ("connect"), or NULL when the contract is met.  lock and unlock
 * must come as a pair.  rt_loader_load() refuses such a plugin.
 */
const char *rt_dialect_missing_member(const struct retort_dialect *d);
/*
 * Every such member, in the header's order: the first `max` names go to
 * out[], and the count of them all is returned (0: the contract is met).
 * The one list of what is REQUIRED, for the loader and the conformance kit
 * (sdk/dialect_check.c) alike.
 */
size_t rt_dialect_missing_members(const struct retort_dialect *d, const char **out, size_t max);

/* Run global_shutdown of every loaded module now (once; later calls and
 * the atexit handler do nothing).  For tests; exit does it. */
void rt_loader_shutdown(void);

/* The administrator's registry directory: $RETORT_SYSCONFDIR if set and
 * not empty, else the configured $(sysconfdir)/retort. */
const char *rt_loader_sysconfdir(void);

/*
 * Open a system library by the first of the NULL-terminated `sonames` that
 * loads (searched as the dynamic linker searches), for a service the core
 * needs only sometimes: OpenSSL's libcrypto for checksums.  Never closed.
 * NULL with err set (exit class RT_EXIT_USAGE) naming what was tried.
 */
void *rt_loader_library(const char *const *sonames, struct rt_err *err);
/* A symbol of a library opened so, or NULL. */
void *rt_loader_symbol(void *lib, const char *name);

/*
 * True when dialect `d` is large enough to have `member`.  Every member of
 * ABI 1.0 is guaranteed by rt_loader_load(); members appended later must
 * be tested with this before use (a plugin of an older minor lacks them).
 */
#define RT_DIALECT_HAS(d, member) \
	((d)->struct_size >= offsetof(struct retort_dialect, member) + sizeof((d)->member))

#endif
