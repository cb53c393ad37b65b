/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_init.c - `retort init DIR [--template NAME]` and
 * `retort list-templates`: the project templates under
 * $(pkgdatadir)/templates (or $RETORT_TEMPLATE_DIR).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "fs.h"
#include "json.h"
#include "template.h"

static char *template_root(void)
{
	const char *env = getenv("RETORT_TEMPLATE_DIR");
	return rt_strdup(env && *env ? env : RETORT_DATADIR "/templates");
}

/*
 * Copy the template directory `src` into `dst` (which exists): its regular
 * files but retort.cfg.tmpl at the top, and its subdirectories, each made
 * in `dst` (a multidb template holds a script directory per database).  A
 * directory holding script.sql.tmpl is a script directory: it gets its
 * versions/.  Everything made is pushed to `created`.
 */
static int copy_template(const char *src, const char *dst, int top, struct rt_strvec *created,
                         const struct retort_options *o, struct rt_err *err)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char *from = NULL, *to = NULL, *text = NULL;
	int rc = -1, script_dir = 0;

	if (!(d = opendir(src)))
		return rt_err_set(err, RT_EXIT_USAGE, "cannot read %s: %s", src, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (top && strcmp(de->d_name, "retort.cfg.tmpl") == 0))
			continue;
		rt_free(from);
		rt_free(to);
		rt_free(text);
		text = NULL;
		from = rt_path_join(src, de->d_name);
		to = rt_path_join(dst, de->d_name);
		if (!from || !to) {
			rt_err_oom(err);
			goto done;
		}
		if (stat(from, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (rt_fs_mkdir_p(to, err) < 0 ||
			    copy_template(from, to, 0, created, o, err) < 0)
				goto done;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (strcmp(de->d_name, "script.sql.tmpl") == 0)
			script_dir = 1;
		if (rt_read_file(&text, NULL, from, err) < 0 || rt_fs_write_new(to, text, err) < 0)
			goto done;
		if (o->verbosity >= 0)
			fprintf(rt_api_log(o), "  Creating %s\n", to);
		if (rt_strvec_push(created, to) < 0) {
			rt_err_oom(err);
			goto done;
		}
	}
	if (script_dir) {
		rt_free(to);
		if (!(to = rt_path_join(dst, "versions"))) {
			rt_err_oom(err);
			goto done;
		}
		if (rt_fs_mkdir_p(to, err) < 0)
			goto done;
	}
	rc = 0;
done:
	closedir(d);
	rt_free(from);
	rt_free(to);
	rt_free(text);
	return rc;
}

int retort_init(const char *dir, const char *template_name, const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct rt_strvec created = RT_STRVEC_INIT;
	char *root = NULL, *tdir = NULL, *src = NULL, *text = NULL, *rendered = NULL;
	const char *cfg_path = o->config_path ? o->config_path : "retort.cfg";
	struct stat st;
	int rc = -1;

	if (!template_name)
		template_name = "generic";
	if (!dir || !*dir) {
		rt_err_set(&err, RT_EXIT_USAGE, "init needs a directory: retort init migrations");
		goto done;
	}
	if (stat(cfg_path, &st) == 0) {
		rt_err_set(&err, RT_EXIT_USAGE,
		           "%s already exists; retort init never overwrites it (use -c to write "
		           "another file)", cfg_path);
		goto done;
	}
	if (stat(dir, &st) == 0 && !rt_fs_dir_is_empty(dir)) {
		rt_err_set(&err, RT_EXIT_USAGE, "directory %s already exists and is not empty", dir);
		goto done;
	}
	if (!(root = template_root()) || !(tdir = rt_path_join(root, template_name))) {
		rt_err_oom(&err);
		goto done;
	}
	if (stat(tdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rt_err_set(&err, RT_EXIT_USAGE, "no template named '%s' in %s; see `retort "
		           "list-templates`", template_name, root);
		goto done;
	}
	/* Render the config first: a bad template must not leave files behind. */
	if (!(src = rt_path_join(tdir, "retort.cfg.tmpl"))) {
		rt_err_oom(&err);
		goto done;
	}
	if (rt_read_file(&text, NULL, src, &err) < 0)
		goto done;
	{
		struct rt_tmpl_var vars[] = { { "script_location", dir } };
		if (rt_template_render(&rendered, text, src, vars, 1, &err) < 0)
			goto done;
	}
	rt_free(src);
	rt_free(text);
	src = NULL;
	text = NULL;
	if (rt_fs_mkdir_p(dir, &err) < 0 || copy_template(tdir, dir, 1, &created, o, &err) < 0)
		goto done;

	if (rt_fs_write_new(cfg_path, rendered, &err) < 0)
		goto done;
	if (o->verbosity >= 0)
		fprintf(rt_api_log(o), "  Creating %s\nPlease edit the url in %s before proceeding.\n",
		        cfg_path, cfg_path);
	rc = 0;
	if (o->json) {
		/* what was made: the config, the script directory, its files */
		struct rt_buf b = RT_BUF_INIT;
		struct rt_json j;
		rt_strvec_sort(&created);
		rt_json_init(&j, &b);
		rt_json_doc_begin(&j, "init");
		rt_json_str(&j, "config", cfg_path);
		rt_json_str(&j, "script_location", dir);
		rt_json_str(&j, "template", template_name);
		rt_json_strvec(&j, "files", &created);
		rt_json_doc_end(&j);
		rc = rt_api_emit(o, &b, &err);
		rt_buf_free(&b);
	}
done:
	rt_strvec_free(&created);
	rt_free(root);
	rt_free(tdir);
	rt_free(src);
	rt_free(text);
	rt_free(rendered);
	return rt_api_finish(&err, rc);
}

int retort_list_templates(const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct rt_buf jb = RT_BUF_INIT;
	struct rt_json j;
	struct rt_strvec names = RT_STRVEC_INIT;
	char *root = template_root();
	FILE *out = rt_api_out(o);
	DIR *d;
	struct dirent *de;
	size_t i;
	int rc = -1;

	if (!root)
		return rt_api_finish(&err, rt_err_oom(&err));
	if (!(d = opendir(root))) {
		rt_err_set(&err, RT_EXIT_USAGE, "cannot read template directory %s: %s", root,
		           strerror(errno));
		goto done;
	}
	/* A template is a directory holding a retort.cfg.tmpl (a source tree's
	 * templates/ also holds its Makefile.am). */
	while ((de = readdir(d)) != NULL) {
		char *cfg;
		struct stat st;
		int is_template;
		if (de->d_name[0] == '.')
			continue;
		if (!(cfg = rt_sprintf("%s/%s/retort.cfg.tmpl", root, de->d_name))) {
			closedir(d);
			rt_err_oom(&err);
			goto done;
		}
		is_template = stat(cfg, &st) == 0 && S_ISREG(st.st_mode);
		rt_free(cfg);
		if (is_template && rt_strvec_push(&names, de->d_name) < 0) {
			closedir(d);
			rt_err_oom(&err);
			goto done;
		}
	}
	closedir(d);
	rt_strvec_sort(&names);
	rt_json_init(&j, &jb);
	if (o->json) {
		rt_json_doc_begin(&j, "list-templates");
		rt_json_str(&j, "directory", root);
		rt_json_array(&j, "templates");
	} else {
		fprintf(out, "Available templates:\n\n");
	}
	for (i = 0; i < names.n; i++) {
		char *readme = rt_sprintf("%s/%s/README", root, names.v[i]), *text = NULL;
		struct rt_err e2 = { 0, NULL };
		const char *synopsis = "";
		if (readme && rt_read_file(&text, NULL, readme, &e2) == 0) {
			char *nl = strchr(text, '\n');
			if (nl)
				*nl = '\0';
			synopsis = text;
		}
		if (o->json) {
			rt_json_object(&j, NULL);
			rt_json_str(&j, "name", names.v[i]);
			rt_json_str(&j, "description", synopsis);
			rt_json_object_end(&j);
		} else {
			fprintf(out, "%s - %s\n", names.v[i], synopsis);
		}
		rt_free(text);
		rt_free(readme);
		rt_err_clear(&e2);
	}
	if (o->json) {
		rt_json_array_end(&j);
		rt_json_doc_end(&j);
		rc = rt_api_emit(o, &jb, &err);
		goto done;
	}
	fprintf(out, "\nTemplates are used via the 'init' command, e.g.:\n\n"
	             "  retort init --template generic ./migrations\n");
	rc = 0;
done:
	rt_buf_free(&jb);
	rt_free(root);
	rt_strvec_free(&names);
	return rt_api_finish(&err, rc);
}
