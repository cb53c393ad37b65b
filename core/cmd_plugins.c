/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_plugins.c - `retort plugins`: list the dialect plugins the
 * registry describes (without loading any module), the directories it was
 * read from, and the drop-ins that others override.  `retort plugins
 * --check` loads every registered module instead and reports, per plugin,
 * its ABI and version or the loader's exact error.
 */
#include <string.h>

#include "api.h"
#include "json.h"
#include "loader.h"
#include "printable.h"

static void print_entry(FILE *out, const struct rt_registry *reg, size_t i)
{
	const struct rt_registry_entry *e = &reg->entries[i];
	size_t j;
	if (e->module)
		fprintf(out, "%-12s module %-20s schemes ", e->name, e->module);
	else
		fprintf(out, "%-12s %-27s schemes ", e->name, "(not installed)");
	for (j = 0; j < e->schemes.n; j++)
		fprintf(out, "%s%s", j ? ", " : "", e->schemes.v[j]);
	if (e->package)
		fprintf(out, "  package %s", e->package);
	fprintf(out, "  (%s)%s\n", e->source ? e->source : "?",
	        rt_registry_serves(reg, i) ? "" : " overridden");
}

/* The first scheme entry i serves, or NULL. */
static const char *served_scheme(const struct rt_registry *reg, size_t i)
{
	size_t j;
	for (j = 0; j < reg->entries[i].schemes.n; j++)
		if (rt_registry_find(reg, reg->entries[i].schemes.v[j]) == &reg->entries[i])
			return reg->entries[i].schemes.v[j];
	return NULL;
}

/* Print `msg` with every line after the first indented under the report. */
static void print_indented(FILE *out, const char *msg)
{
	const char *nl;
	while ((nl = strchr(msg, '\n')) != NULL) {
		fprintf(out, "%.*s\n        ", (int)(nl - msg), msg);
		msg = nl + 1;
		while (*msg == ' ')
			msg++;
	}
	fprintf(out, "%s\n", msg);
}

/* One --check result as JSON: status "ok", "failed" or "not-installed". */
static void json_check(struct rt_json *j, const struct rt_registry_entry *e, const char *status,
                       const struct retort_dialect *d, const char *file, const char *error)
{
	rt_json_object(j, NULL);
	rt_json_str(j, "name", e->name);
	rt_json_str(j, "status", status);
	if (d) {
		rt_json_int(j, "abi_major", d->abi_major);
		rt_json_int(j, "abi_minor", d->abi_minor);
		rt_json_str(j, "version", d->version);
	}
	rt_json_str(j, "file", file);
	rt_json_str(j, "package", e->package);
	rt_json_str(j, "error", error);
	rt_json_object_end(j);
}

/* Load every entry that serves a scheme, reporting each as a line of `out`
 * or (j set) an element of j's open array; returns how many failed. */
static int check_all(FILE *out, struct rt_json *j, const struct rt_registry *reg,
                     const struct rt_loader_options *lo, int *loaded, struct rt_err *err)
{
	size_t i;
	int failed = 0;
	*loaded = 0;
	for (i = 0; i < reg->n; i++) {
		const struct rt_registry_entry *e = &reg->entries[i];
		const struct retort_dialect *d = NULL;
		const char *scheme = served_scheme(reg, i);
		struct rt_err lerr = { 0, NULL };
		if (!scheme)
			continue;        /* overridden: never loaded for any URL */
		if (!e->module) {
			if (j)
				json_check(j, e, "not-installed", NULL, NULL, NULL);
			else
				fprintf(out, "-       %-12s not installed%s%s\n", e->name,
				        e->package ? ": install " : "", e->package ? e->package : "");
			continue;
		}
		if (rt_loader_load(&d, reg, scheme, lo, &lerr) < 0) {
			if (!lerr.msg)
				return rt_err_oom(err);
			if (j) {
				json_check(j, e, "failed", NULL, NULL, lerr.msg);
			} else {
				char *p = rt_printable(lerr.msg, RT_PRINT_CLIP);
				fprintf(out, "FAILED  %-12s ", e->name);
				print_indented(out, p ? p : lerr.msg);
				rt_free(p);
			}
			rt_err_clear(&lerr);
			failed++;
			continue;
		}
		if (j)
			json_check(j, e, "ok", d, rt_loader_file(d) ? rt_loader_file(d) : e->module, NULL);
		else
			fprintf(out, "ok      %-12s ABI %u.%u  version %s  %s\n", e->name, d->abi_major,
			        d->abi_minor, d->version ? d->version : "?",
			        rt_loader_file(d) ? rt_loader_file(d) : e->module);
		(*loaded)++;
	}
	return failed;
}

/*
 * --format json: the same facts as the text, and with --check the load
 * report in "check" (null without it).  rc: as the text's, set by
 * check_all's failures.
 */
static int print_json(const struct retort_options *o, const struct rt_registry *reg,
                      const struct rt_loader_options *lo, int check, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_json j;
	size_t i;
	int rc = 0, loaded = 0, failed = 0;
	rt_json_init(&j, &b);
	rt_json_doc_begin(&j, "plugins");
	rt_json_array(&j, "registry_dirs");
	for (i = 0; i < reg->n_dirs; i++) {
		rt_json_object(&j, NULL);
		rt_json_str(&j, "path", reg->dirs[i].path);
		rt_json_str(&j, "origin", reg->dirs[i].origin);
		rt_json_object_end(&j);
	}
	rt_json_array_end(&j);
	rt_json_str(&j, "plugins_cfg_dir", rt_loader_sysconfdir());
	rt_json_array(&j, "plugins");
	for (i = 0; i < reg->n; i++) {
		const struct rt_registry_entry *e = &reg->entries[i];
		if (!e->module && !rt_registry_serves(reg, i))
			continue; /* a hint that a plugin replaced */
		rt_json_object(&j, NULL);
		rt_json_str(&j, "name", e->name);
		rt_json_str(&j, "module", e->module);
		rt_json_strvec(&j, "schemes", &e->schemes);
		rt_json_str(&j, "package", e->package);
		rt_json_str(&j, "source", e->source);
		rt_json_bool(&j, "overridden", !rt_registry_serves(reg, i));
		rt_json_object_end(&j);
	}
	rt_json_array_end(&j);
	rt_json_strvec(&j, "overridden_dropins", &reg->shadowed);
	if (check) {
		rt_json_array(&j, "check");
		failed = check_all(NULL, &j, reg, lo, &loaded, err);
		rt_json_array_end(&j);
	} else {
		rt_json_null(&j, "check");
	}
	rt_json_doc_end(&j);
	if (failed < 0)
		rc = -1;
	else if ((rc = rt_api_emit(o, &b, err)) == 0 && failed > 0)
		rc = rt_err_set(err, RT_EXIT_DB, "%d of %d dialect plugins failed to load",
		                failed, failed + loaded);
	rt_buf_free(&b);
	return rc;
}

int retort_plugins(const struct retort_options *o, int check)
{
	struct rt_err err = { 0, NULL };
	struct rt_registry *reg = NULL;
	struct rt_loader_options lo;
	FILE *out = rt_api_out(o);
	int rc = 0;
	size_t i;

	memset(&lo, 0, sizeof(lo));
	lo.plugin_path = o->plugin_path;
	if (rt_registry_load(&reg, &lo, &err) < 0)
		return rt_api_finish(&err, -1);
	if (o->json) {
		rc = print_json(o, reg, &lo, check, &err);
		rt_registry_free(reg);
		return rt_api_finish(&err, rc);
	}
	if (check) {
		int loaded, failed = check_all(out, NULL, reg, &lo, &loaded, &err);
		if (failed < 0)
			rc = -1;
		else if (failed > 0)
			rc = rt_err_set(&err, RT_EXIT_DB, "%d of %d dialect plugins failed to load (see "
			                "above)", failed, failed + loaded);
		rt_registry_free(reg);
		return rt_api_finish(&err, rc);
	}
	fprintf(out, "Registry directories, highest precedence first (a drop-in overrides "
	        "one of the same file name below it):\n");
	for (i = 0; i < reg->n_dirs; i++)
		fprintf(out, "  %s/  (%s)\n", reg->dirs[i].path, reg->dirs[i].origin);
	fprintf(out, "  %s/plugins.cfg  (read before the drop-ins)\n", rt_loader_sysconfdir());
	for (i = 0; i < reg->n; i++)
		if (reg->entries[i].module || rt_registry_serves(reg, i))
			print_entry(out, reg, i); /* not the hints that plugins replaced */
	for (i = 0; i < reg->shadowed.n; i++)
		fprintf(out, "%s%s\n", i ? "  " : "Overridden drop-ins:\n  ", reg->shadowed.v[i]);
	rt_registry_free(reg);
	return rt_api_finish(&err, 0);
}
