/*
 * core/loader.h - the plugin registry and loader (SPEC section 6).  The only
 * file of the core that includes <ltdl.h>.
 *
 * Registry: libconfig files $RETORT_SYSCONFDIR (default $(sysconfdir)/retort)
 * /plugins.cfg then plugins.d/ *.cfg in lexical order, then (only when
 * allowed) the `plugins` group of the project's retort.cfg.  Each entry:
 *
 *     plugins = (
 *       { name = "sqlite"; schemes = [ "sqlite" ]; module = "retort_sqlite"; }
 *     );
 *
 * (a file may also hold a single `plugin = { ... }` group).  `module` is a
 * basename searched in: --plugin-path, $RETORT_PLUGIN_PATH (':'-separated),
 * then $(pkglibdir); or an absolute path.  Later entries for the same
 * scheme override earlier ones (a drop-in can replace a packaged plugin).
 *
 * Five distinct load failures, each exit class RT_EXIT_USAGE, each naming
 * the scheme, the file and what to install or rebuild:
 *   1. no registry entry for the scheme ("install retort-plugin-X ...")
 *   2. the module cannot be opened (lt_dlerror(), "check with ldd")
 *   3. the entry symbol is missing ("FILE is not a retort dialect plugin")
 *   4. ABI mismatch ("built for dialect ABI 2.1; this retort provides 1.0")
 *   5. global_init failed (the plugin's own message, masked)
 * Modules that are not regular files or are group/world-writable are
 * refused.  Modules are never unloaded before exit.
 */
#ifndef RETORT_CORE_LOADER_H
#define RETORT_CORE_LOADER_H

#include <retort/dialect.h>
#include "util.h"

struct rt_config;

struct rt_registry_entry {
	char *name;                 /* dialect name */
	struct rt_strvec schemes;
	char *module;               /* basename or absolute path */
	char *source;               /* "file:line" the entry came from */
};

struct rt_registry {
	struct rt_registry_entry *entries;
	size_t n;
};

struct rt_loader_options {
	const char *plugin_path;        /* --plugin-path, ':'-separated, or NULL */
	int allow_project_plugins;      /* --allow-project-plugins */
	const struct rt_config *config; /* for its `plugins` group; may be NULL */
};

/* Read the registry (no module is opened). */
int rt_registry_load(struct rt_registry **out, const struct rt_loader_options *opts,
                     struct rt_err *err);
void rt_registry_free(struct rt_registry *reg);
/* Entry serving `scheme` (the part before '+'), or NULL. */
const struct rt_registry_entry *rt_registry_find(const struct rt_registry *reg,
                                                 const char *scheme);

/*
 * Load the plugin for `scheme` ("postgresql", "mssql" of "mssql+odbc", ...):
 * find it in the registry, open the module, resolve the entry symbol,
 * check the ABI and struct_size, and run global_init once.  The result is
 * cached per module for the life of the process.
 */
int rt_loader_load(const struct retort_dialect **out, const struct rt_registry *reg,
                   const char *scheme, const struct rt_loader_options *opts,
                   struct rt_err *err);

/* The registry directory: $RETORT_SYSCONFDIR if set and not empty, else
 * the configured $(sysconfdir)/retort. */
const char *rt_loader_sysconfdir(void);

/*
 * True when dialect `d` is large enough to have `member`.  Every member of
 * ABI 1.0 is guaranteed by rt_loader_load(); members appended later must
 * be tested with this before use (a plugin of an older minor lacks them).
 */
#define RT_DIALECT_HAS(d, member) \
	((d)->struct_size >= offsetof(struct retort_dialect, member) + sizeof((d)->member))

#endif
