/*
 * core/project.c - libretort's public API (include/retort/retort.h): each
 * command loads what it needs (config, scripts, registry, database) and
 * delegates to the modules.  No SQL and no revision logic lives here.
 */
#include <retort/retort.h>

#include "config.h" /* core/config.h */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "engine.h"
#include "format.h"
#include "host.h"
#include "loader.h"
#include "offline.h"
#include "script.h"
#include "template.h"
#include "url.h"

static struct rt_err last_error;

const char *retort_error_message(void)
{
	if (last_error.status && !last_error.msg)
		return "out of memory";
	return last_error.msg ? last_error.msg : "";
}

const char *retort_version(void) { return RETORT_VERSION; }

/* Record `err` as the last error and return its exit status. */
static int finish(struct rt_err *err, int rc)
{
	rt_err_clear(&last_error);
	if (rc >= 0)
		return RETORT_EXIT_OK;
	last_error.status = err->status ? err->status : RT_EXIT_DB;
	last_error.msg = err->msg;
	err->msg = NULL;
	return last_error.status;
}

static FILE *out_of(const struct retort_options *o) { return o && o->out ? o->out : stdout; }
static FILE *log_of(const struct retort_options *o) { return o && o->log ? o->log : stderr; }

/* ------------------------------------------------------------ project */

struct project {
	const struct retort_options *o;
	struct rt_config *cfg;
	struct rt_graph *graph;
	struct rt_registry *reg;
	struct rt_loader_options lo;
};

static void project_close(struct project *p)
{
	rt_graph_free(p->graph);
	rt_registry_free(p->reg);
	rt_config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* The script directories: <script_location>/versions, then version_locations. */
static int script_dirs(struct rt_strvec *dirs, const struct rt_config *cfg, struct rt_err *err)
{
	size_t i;
	if (rt_strvec_push_owned(dirs, rt_path_join(cfg->script_location, "versions")) < 0)
		return rt_err_oom(err);
	for (i = 0; i < cfg->version_locations.n; i++)
		if (!rt_strvec_contains(dirs, cfg->version_locations.v[i]) &&
		    rt_strvec_push(dirs, cfg->version_locations.v[i]) < 0)
			return rt_err_oom(err);
	return 0;
}

static int project_open(struct project *p, const struct retort_options *o, int need_graph,
                        int need_db, struct rt_err *err)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
	rt_host_set_log_level(o->verbosity < 0 ? RETORT_LOG_ERROR
	                      : o->verbosity > 0 ? RETORT_LOG_DEBUG : RETORT_LOG_WARNING);
	if (rt_config_load(&p->cfg, o->config_path, o->url, err) < 0)
		goto fail;
	if (o->lock_timeout_ms > -2)
		p->cfg->lock_timeout_ms = o->lock_timeout_ms;
	if (need_graph) {
		struct rt_strvec dirs = RT_STRVEC_INIT;
		int rc = script_dirs(&dirs, p->cfg, err);
		if (rc == 0)
			rc = rt_script_load_graph(&p->graph, &dirs, err);
		rt_strvec_free(&dirs);
		if (rc < 0)
			goto fail;
	}
	if (need_db) {
		p->lo.plugin_path = o->plugin_path;
		p->lo.allow_project_plugins = o->allow_project_plugins;
		p->lo.config = p->cfg;
		if (rt_registry_load(&p->reg, &p->lo, err) < 0)
			goto fail;
	}
	return 0;
fail:
	project_close(p);
	return -1;
}

/* Print a buffer to the data stream. */
static int emit_out(const struct retort_options *o, struct rt_buf *b, struct rt_err *err)
{
	if (b->oom)
		return rt_err_oom(err);
	if (b->len && fwrite(b->ptr, 1, b->len, out_of(o)) != b->len)
		return rt_err_set(err, RT_EXIT_DB, "cannot write output: %s", strerror(errno));
	return 0;
}

/* Check that every version row names a known revision. */
static int check_rows_known(const struct project *p, const struct rt_strvec *rows,
                            struct rt_err *err)
{
	size_t i;
	for (i = 0; i < rows->n; i++)
		if (!rt_graph_get(p->graph, rows->v[i]))
			return rt_err_set(err, RT_EXIT_DB,
			                  "the database is at revision %s, which is not among this "
			                  "project's scripts (was newer code deployed to it, or is "
			                  "script_location wrong?); `retort stamp --purge REV` "
			                  "resets the version table", rows->v[i]);
	return 0;
}

/* Connect, lock, and read the version rows.  Rows naming unknown
 * revisions are an error unless `allow_unknown` (stamp --purge, the way
 * out of that state). */
static int open_db(struct project *p, struct rt_db *db, int lock, int allow_unknown,
                   struct rt_strvec *rows, struct rt_err *err)
{
	if (rt_db_open(db, p->cfg, p->reg, &p->lo, 1, err) < 0)
		return -1;
	if (lock && rt_db_lock(db, err) < 0)
		goto fail;
	if (rt_db_read_versions(db, rows, err) < 0)
		goto fail;
	if (p->graph && !allow_unknown && check_rows_known(p, rows, err) < 0)
		goto fail;
	return 0;
fail:
	rt_db_close(db);
	return -1;
}

/* ------------------------------------------------------------ init */

static char *template_root(void)
{
	const char *env = getenv("RETORT_TEMPLATE_DIR");
	return rt_strdup(env && *env ? env : RETORT_DATADIR "/templates");
}

static int mkdir_p(const char *path, struct rt_err *err)
{
	char *dup = rt_strdup(path), *s;
	if (!dup)
		return rt_err_oom(err);
	for (s = dup + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dup, 0777) < 0 && errno != EEXIST) {
			rt_err_set(err, RT_EXIT_USAGE, "cannot create directory %s: %s", dup,
			           strerror(errno));
			rt_free(dup);
			return -1;
		}
		*s = '/';
	}
	rt_free(dup);
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot create directory %s: %s", path,
		                  strerror(errno));
	return 0;
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;
	if (!d)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* Write a new file; fail if it exists. */
static int write_new_file(const char *path, const char *text, struct rt_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t len = strlen(text);
	ssize_t n;
	if (fd < 0)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot create %s: %s%s", path, strerror(errno),
		                  errno == EEXIST ? " (it is never overwritten; move it away first)"
		                                  : "");
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len || close(fd) != 0) {
		int e = errno;
		if (n >= 0)
			close(fd);
		unlink(path);
		return rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

int retort_init(const char *dir, const char *template_name, const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	char *root = NULL, *tdir = NULL, *src = NULL, *text = NULL, *rendered = NULL;
	char *versions = NULL, *dst = NULL;
	const char *cfg_path = o->config_path ? o->config_path : "retort.cfg";
	struct stat st;
	int rc = -1;
	DIR *d = NULL;
	struct dirent *de;

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
	if (stat(dir, &st) == 0 && !dir_is_empty(dir)) {
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
	if (!(versions = rt_path_join(dir, "versions"))) {
		rt_err_oom(&err);
		goto done;
	}
	if (mkdir_p(versions, &err) < 0)
		goto done;

	/* Copy every file of the template into DIR, except the config template. */
	if (!(d = opendir(tdir))) {
		rt_err_set(&err, RT_EXIT_USAGE, "cannot read %s: %s", tdir, strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "retort.cfg.tmpl") == 0)
			continue;
		rt_free(src);
		rt_free(dst);
		rt_free(text);
		text = NULL;
		src = rt_path_join(tdir, de->d_name);
		dst = rt_path_join(dir, de->d_name);
		if (!src || !dst) {
			rt_err_oom(&err);
			goto done;
		}
		if (stat(src, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (rt_read_file(&text, NULL, src, &err) < 0 || write_new_file(dst, text, &err) < 0)
			goto done;
		if (o->verbosity >= 0)
			fprintf(log_of(o), "  Creating %s\n", dst);
	}

	if (write_new_file(cfg_path, rendered, &err) < 0)
		goto done;
	if (o->verbosity >= 0)
		fprintf(log_of(o), "  Creating %s\nPlease edit the url in %s before proceeding.\n",
		        cfg_path, cfg_path);
	rc = 0;
done:
	if (d)
		closedir(d);
	rt_free(root);
	rt_free(tdir);
	rt_free(src);
	rt_free(dst);
	rt_free(text);
	rt_free(rendered);
	rt_free(versions);
	return finish(&err, rc);
}

int retort_list_templates(const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct rt_strvec names = RT_STRVEC_INIT;
	char *root = template_root();
	DIR *d;
	struct dirent *de;
	size_t i;
	int rc = -1;

	if (!root)
		return finish(&err, rt_err_oom(&err));
	if (!(d = opendir(root))) {
		rt_err_set(&err, RT_EXIT_USAGE, "cannot read template directory %s: %s", root,
		           strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && rt_strvec_push(&names, de->d_name) < 0) {
			closedir(d);
			rt_err_oom(&err);
			goto done;
		}
	closedir(d);
	rt_strvec_sort(&names);
	fprintf(out_of(o), "Available templates:\n\n");
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
		fprintf(out_of(o), "%s - %s\n", names.v[i], synopsis);
		rt_free(text);
		rt_free(readme);
		rt_err_clear(&e2);
	}
	fprintf(out_of(o), "\nTemplates are used via the 'init' command, e.g.:\n\n"
	                   "  retort init --template generic ./migrations\n");
	rc = 0;
done:
	rt_free(root);
	rt_strvec_free(&names);
	return finish(&err, rc);
}

/* ------------------------------------------------------------ revision */

static int random_rev_id(char **out, const struct rt_graph *g, struct rt_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[6];
	char id[13];
	int tries, i;
	*out = NULL;
	for (tries = 0; tries < 100; tries++) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return rt_err_set(err, RT_EXIT_DB, "cannot get random bytes for a revision id");
		for (i = 0; i < 6; i++) {
			id[2 * i] = hex[r[i] >> 4];
			id[2 * i + 1] = hex[r[i] & 15];
		}
		id[12] = '\0';
		if (!rt_graph_get(g, id)) {
			*out = rt_strdup(id);
			return *out ? 0 : rt_err_oom(err);
		}
	}
	return rt_err_set(err, RT_EXIT_DB, "cannot find an unused revision id");
}

static char *join_csv(const struct rt_strvec *v)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t i;
	char *r;
	for (i = 0; i < v->n; i++)
		rt_buf_printf(&b, "%s%s", i ? ", " : "", v->v[i]);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}

/* Decide the new revision's id: --rev-id (validated) or a random one. */
static int new_rev_id(char **out, const struct project *p, const struct retort_revision_options *ro,
                      struct rt_err *err)
{
	*out = NULL;
	if (!ro->rev_id)
		return random_rev_id(out, p->graph, err);
	if (!rt_script_valid_id(ro->rev_id))
		return rt_err_set(err, RT_EXIT_USAGE, "--rev-id '%s' is not valid: use 1 to 32 "
		                  "characters of [A-Za-z0-9_]", ro->rev_id);
	if (rt_graph_get(p->graph, ro->rev_id))
		return rt_err_set(err, RT_EXIT_USAGE, "Revision %s is present more than once; "
		                  "choose another --rev-id", ro->rev_id);
	*out = rt_strdup(ro->rev_id);
	return *out ? 0 : rt_err_oom(err);
}

/* Write a new revision script; shared by `revision` and `merge`. */
static int write_revision(struct project *p, const struct retort_revision_options *ro,
                          const char *id, const struct rt_newrev *nr, struct rt_err *err)
{
	char *tmpl_path = NULL, *tmpl = NULL, *text = NULL, *fname = NULL;
	char *file = NULL, *path = NULL, *down_s = NULL, *labels_s = NULL, *deps_s = NULL;
	char *dir = NULL, date[64];
	const char *message = ro->message ? ro->message : "";
	struct rt_revision *check = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int utc = p->cfg->timezone && (strcasecmp(p->cfg->timezone, "UTC") == 0);
	int rc = -1;

	/* A named zone (config checked it exists) applies through TZ. */
	if (p->cfg->timezone && !utc) {
		setenv("TZ", p->cfg->timezone, 1);
		tzset();
	}
	if (utc)
		gmtime_r(&now, &tm);
	else
		localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S.000000", &tm);
	if (!(down_s = join_csv(&nr->down)) || !(labels_s = join_csv(&nr->branch_labels)) ||
	    !(deps_s = join_csv(&nr->depends_on)))
		goto oom;
	if (!(tmpl_path = rt_path_join(p->cfg->script_location, "script.sql.tmpl")))
		goto oom;
	if (rt_read_file(&tmpl, NULL, tmpl_path, err) < 0) {
		rt_err_prefix(err, "the script template is missing (retort init writes it)");
		goto done;
	}
	{
		struct rt_tmpl_var vars[] = {
			{ "message", message },       { "up_revision", id },
			{ "down_revision", down_s },  { "create_date", date },
			{ "branch_labels", labels_s },{ "depends_on", deps_s },
		};
		if (rt_template_render(&text, tmpl, tmpl_path, vars, 6, err) < 0)
			goto done;
	}
	/* The rendered script must parse back to what we meant. */
	if (rt_script_parse(&check, tmpl_path, text, strlen(text), err) < 0) {
		rt_err_prefix(err, "the script template renders an invalid script");
		goto done;
	}
	if (!rt_streq(check->id, id)) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: the template must write '-- Revision ID: "
		           "${up_revision}'", tmpl_path);
		goto done;
	}
	if (rt_template_filename(&fname, p->cfg->file_template, id, message,
	                         p->cfg->truncate_slug_length, (long long)now, utc, err) < 0)
		goto done;
	if (!(file = rt_sprintf("%s.sql", fname)))
		goto oom;
	if (ro->version_path) {
		struct stat st;
		if (!(dir = rt_strdup(ro->version_path)))
			goto oom;
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			rt_err_set(err, RT_EXIT_USAGE, "--version-path %s is not a directory", dir);
			goto done;
		}
	} else if (nr->head_path && p->cfg->version_locations.n > 0) {
		/* Several locations: next to the parent, as Alembic does. */
		const char *slash = strrchr(nr->head_path, '/');
		dir = slash ? rt_strndup(nr->head_path, (size_t)(slash - nr->head_path))
		            : rt_strdup(".");
	} else {
		dir = rt_path_join(p->cfg->script_location, "versions");
	}
	if (!dir || !(path = rt_path_join(dir, file)))
		goto oom;
	if (write_new_file(path, text, err) < 0)
		goto done;
	fprintf(out_of(p->o), "%s\n", path);
	rc = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	if (check)
		rt_revision_free(check, rt_script_free);
	rt_free(tmpl_path);
	rt_free(tmpl);
	rt_free(text);
	rt_free(fname);
	rt_free(file);
	rt_free(path);
	rt_free(dir);
	rt_free(down_s);
	rt_free(labels_s);
	rt_free(deps_s);
	return rc;
}

/* `revision` (revs NULL) and `merge REV...`: plan the header, write the file. */
static int new_revision(const struct retort_options *o, const struct retort_revision_options *ro,
                        const char *const *revs, size_t n)
{
	struct rt_err err = { 0, NULL };
	struct project p;
	struct rt_newrev nr;
	struct rt_strvec deps = RT_STRVEC_INIT;
	char *id = NULL;
	int rc = -1;

	memset(&nr, 0, sizeof(nr));
	if (project_open(&p, o, 1, 0, &err) < 0)
		return finish(&err, -1);
	if (new_rev_id(&id, &p, ro, &err) < 0)
		goto done;
	if (revs) {
		if (rt_newrev_merge(&nr, p.graph, id, revs, n, ro->branch_label, &err) < 0)
			goto done;
	} else {
		if (ro->depends_on && rt_strvec_split_csv(&deps, ro->depends_on) < 0) {
			rt_err_oom(&err);
			goto done;
		}
		if (rt_newrev_plan(&nr, p.graph, id, ro->head, ro->splice, ro->branch_label,
		                   (const char *const *)deps.v, deps.n, &err) < 0)
			goto done;
	}
	rc = write_revision(&p, ro, id, &nr, &err);
done:
	rt_newrev_free(&nr);
	rt_strvec_free(&deps);
	rt_free(id);
	project_close(&p);
	return finish(&err, rc);
}

int retort_revision(const struct retort_options *o, const struct retort_revision_options *ro)
{
	return new_revision(o, ro, NULL, 0);
}

int retort_merge(const struct retort_options *o, const char *const *revs, size_t n,
                 const struct retort_revision_options *ro)
{
	static const char *const none[1] = { NULL };
	return new_revision(o, ro, revs ? revs : none, n);
}

/* ------------------------------------------------------------ migrate */

enum run_kind { RUN_UPGRADE, RUN_DOWNGRADE, RUN_STAMP };

static int make_plan(struct rt_plan *plan, const struct project *p, enum run_kind kind,
                     const struct rt_strvec *rows, const char *const *targets, size_t n,
                     int purge, struct rt_err *err)
{
	const char *const *cur = (const char *const *)rows->v;
	switch (kind) {
	case RUN_UPGRADE:
		return rt_plan_upgrade(plan, p->graph, cur, rows->n, targets[0], err);
	case RUN_DOWNGRADE:
		return rt_plan_downgrade(plan, p->graph, cur, rows->n, targets[0], err);
	case RUN_STAMP:
		return rt_plan_stamp(plan, p->graph, purge ? NULL : cur, purge ? 0 : rows->n,
		                     targets, n, purge, err);
	}
	return -1;
}

/* Offline: "start:end" gives the starting rows; downgrade requires it. */
static int run_offline(struct project *p, enum run_kind kind, const char *const *targets,
                       size_t n, const struct retort_run_options *ro, struct rt_err *err)
{
	struct rt_db db;
	struct rt_strvec start = RT_STRVEC_INIT;
	struct rt_plan plan;
	struct rt_offline_options oo;
	struct rt_buf out = RT_BUF_INIT;
	const char *colon = n == 1 ? strchr(targets[0], ':') : NULL;
	char *start_spec = NULL;
	const char *end = targets[0];
	int rc = -1, have_plan = 0;

	memset(&plan, 0, sizeof(plan));
	if (kind == RUN_DOWNGRADE && !colon) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "downgrade with --sql requires <fromrev>:<torev>, e.g. head:base");
		return -1;
	}
	if (kind == RUN_STAMP && ro->purge) {
		rt_err_set(err, RT_EXIT_USAGE, "Can't use --purge with --sql mode");
		return -1;
	}
	if (colon) {
		if (!(start_spec = rt_strndup(targets[0], (size_t)(colon - targets[0]))))
			return rt_err_oom(err);
		end = colon + 1;
		if (*start_spec &&
		    rt_graph_resolve(p->graph, start_spec, NULL, 0, &start, err) < 0)
			goto done;
	}
	if (rt_db_open(&db, p->cfg, p->reg, &p->lo, 0, err) < 0)
		goto done;
	{
		const char *t1[1];
		t1[0] = end;
		int many = kind == RUN_STAMP && !colon; /* stamp a b c; stamp a:b is one */
		if (make_plan(&plan, p, kind, &start, many ? targets : t1, many ? n : 1,
		              ro->purge, err) < 0)
			goto close;
	}
	have_plan = 1;
	memset(&oo, 0, sizeof(oo));
	oo.transaction_per_migration = p->cfg->transaction_per_migration;
	oo.n_start_rows = start.n;
	oo.version_table = p->cfg->version_table;
	oo.version_table_schema = p->cfg->version_table_schema;
	if (rt_offline_render(&out, &db, &plan, &oo, err) < 0)
		goto close;
	if (ro->output)
		rc = rt_write_file_atomic(ro->output, out.ptr ? out.ptr : "", out.len, err);
	else
		rc = emit_out(p->o, &out, err);
close:
	rt_db_close(&db);
done:
	if (have_plan)
		rt_plan_free(&plan);
	rt_buf_free(&out);
	rt_strvec_free(&start);
	rt_free(start_spec);
	return rc;
}

static int run_online(struct project *p, enum run_kind kind, const char *const *targets,
                      size_t n, const struct retort_run_options *ro, struct rt_err *err)
{
	struct rt_db db;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_plan plan;
	struct rt_engine_options eo;
	int rc = -1, have_plan = 0;

	memset(&plan, 0, sizeof(plan));
	if (open_db(p, &db, 1, kind == RUN_STAMP && ro->purge, &rows, err) < 0)
		goto done;
	if (make_plan(&plan, p, kind, &rows, targets, n, ro->purge, err) < 0)
		goto close;
	have_plan = 1;
	memset(&eo, 0, sizeof(eo));
	eo.transaction_per_migration = p->cfg->transaction_per_migration;
	eo.purge = kind == RUN_STAMP && ro->purge;
	eo.purge_rows = &rows;
	eo.quiet = p->o->verbosity < 0;
	eo.log = log_of(p->o);
	rc = rt_engine_run(&db, &plan, &eo, err);
close:
	rt_db_close(&db);
done:
	if (have_plan)
		rt_plan_free(&plan);
	rt_strvec_free(&rows);
	return rc;
}

static int run_cmd(const struct retort_options *o, enum run_kind kind, const char *const *targets,
                   size_t n, const struct retort_run_options *ro)
{
	struct rt_err err = { 0, NULL };
	struct project p;
	struct retort_run_options none;
	int rc;

	if (!ro) {
		memset(&none, 0, sizeof(none));
		ro = &none;
	}
	if (n == 0 || !targets[0] || !*targets[0]) {
		rt_err_set(&err, RT_EXIT_USAGE, "a target revision is required (e.g. head)");
		return finish(&err, -1);
	}
	if (ro->output && !ro->sql) {
		rt_err_set(&err, RT_EXIT_USAGE, "--output only makes sense with --sql");
		return finish(&err, -1);
	}
	if (project_open(&p, o, 1, 1, &err) < 0)
		return finish(&err, -1);
	if (ro->sql)
		rc = run_offline(&p, kind, targets, n, ro, &err);
	else if (n == 1 && kind != RUN_STAMP && strchr(targets[0], ':'))
		rc = rt_err_set(&err, RT_EXIT_USAGE,
		                "a range (%s) is only allowed with --sql", targets[0]);
	else
		rc = run_online(&p, kind, targets, n, ro, &err);
	project_close(&p);
	return finish(&err, rc);
}

int retort_upgrade(const struct retort_options *o, const char *target,
                   const struct retort_run_options *ro)
{
	return run_cmd(o, RUN_UPGRADE, &target, 1, ro);
}

int retort_downgrade(const struct retort_options *o, const char *target,
                     const struct retort_run_options *ro)
{
	return run_cmd(o, RUN_DOWNGRADE, &target, 1, ro);
}

int retort_stamp(const struct retort_options *o, const char *const *revs, size_t n,
                 const struct retort_run_options *ro)
{
	return run_cmd(o, RUN_STAMP, revs, n, ro);
}

/* ------------------------------------------------------------ read-only */

enum show_kind { SHOW_HISTORY, SHOW_HEADS, SHOW_BRANCHES, SHOW_CURRENT, SHOW_SHOW };

struct show_args {
	enum show_kind kind;
	const char *range;
	int verbose, indicate_current, resolve_dependencies;
	const char *const *specs;
	size_t n_specs;
};

/* `show current` needs the database. */
static int has_current_spec(const struct show_args *a)
{
	size_t i;
	for (i = 0; i < a->n_specs; i++)
		if (strcmp(a->specs[i], "current") == 0)
			return 1;
	return 0;
}

static int show_cmd(const struct retort_options *o, const struct show_args *a)
{
	struct rt_err err = { 0, NULL };
	struct project p;
	struct rt_db db;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_buf out = RT_BUF_INIT;
	int need_db = a->kind == SHOW_CURRENT || (a->kind == SHOW_HISTORY && a->indicate_current) ||
	              (a->kind == SHOW_HISTORY && a->range && strstr(a->range, "current")) ||
	              (a->kind == SHOW_SHOW && has_current_spec(a));
	struct rt_format_opts fo = RT_FORMAT_OPTS_INIT;
	int rc = -1, db_open = 0;
	size_t i;

	memset(&db, 0, sizeof(db));
	if (project_open(&p, o, 1, need_db, &err) < 0)
		return finish(&err, -1);
	if (need_db) {
		/* read-only: no lock, and unknown rows are reported by the formatter */
		if (rt_db_open(&db, p.cfg, p.reg, &p.lo, 1, &err) < 0 ||
		    rt_db_read_versions(&db, &rows, &err) < 0)
			goto done;
		db_open = 1;
	}
	fo.verbose = a->verbose;
	fo.indicate_current = a->indicate_current;
	fo.resolve_dependencies = a->resolve_dependencies;
	fo.json = o->json;
	fo.current = (const char *const *)rows.v;
	fo.n_current = rows.n;
	fo.url = db.url ? db.url->pub.masked : NULL;
	switch (a->kind) {
	case SHOW_HISTORY:
		rc = rt_format_history(&out, p.graph, a->range, &fo, &err);
		break;
	case SHOW_HEADS:
		rc = rt_format_heads(&out, p.graph, &fo, &err);
		break;
	case SHOW_BRANCHES:
		rc = rt_format_branches(&out, p.graph, &fo, &err);
		break;
	case SHOW_CURRENT:
		rc = rt_format_current(&out, p.graph, &fo, &err);
		break;
	case SHOW_SHOW:
		rc = 0;
		for (i = 0; rc == 0 && i < a->n_specs; i++)
			rc = rt_format_show(&out, p.graph, a->specs[i], &fo, &err);
		break;
	}
	if (rc == 0)
		rc = emit_out(o, &out, &err);
done:
	if (db_open || db.d)
		rt_db_close(&db);
	rt_buf_free(&out);
	rt_strvec_free(&rows);
	project_close(&p);
	return finish(&err, rc);
}

int retort_current(const struct retort_options *o, int verbose)
{
	struct show_args a = { SHOW_CURRENT, NULL, verbose, 0, 0, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_history(const struct retort_options *o, const char *range, int verbose,
                   int indicate_current)
{
	struct show_args a = { SHOW_HISTORY, range, verbose, indicate_current, 0, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_heads(const struct retort_options *o, int verbose, int resolve_dependencies)
{
	struct show_args a = { SHOW_HEADS, NULL, verbose, 0, resolve_dependencies, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_branches(const struct retort_options *o, int verbose)
{
	struct show_args a = { SHOW_BRANCHES, NULL, verbose, 0, 0, NULL, 0 };
	return show_cmd(o, &a);
}

int retort_show(const struct retort_options *o, const char *const *revs, size_t n)
{
	struct show_args a = { SHOW_SHOW, NULL, 0, 0, 0, revs, n };
	return show_cmd(o, &a);
}

int retort_check(const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct project p;
	struct rt_db db;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_plan plan;
	int rc = -1, have_plan = 0;
	size_t i;

	memset(&plan, 0, sizeof(plan));
	if (project_open(&p, o, 1, 1, &err) < 0)
		return finish(&err, -1);
	if (open_db(&p, &db, 0, 0, &rows, &err) < 0)
		goto done;
	rc = rt_plan_upgrade(&plan, p.graph, (const char *const *)rows.v, rows.n, "heads", &err);
	rt_db_close(&db);
	if (rc < 0)
		goto done;
	have_plan = 1;
	if (plan.n_steps > 0) {
		struct rt_buf b = RT_BUF_INIT;
		rt_buf_printf(&b, "%zu migration(s) pending; run `retort upgrade heads`:", plan.n_steps);
		for (i = 0; i < plan.n_steps; i++)
			rt_buf_printf(&b, "\n  %s", plan.steps[i].description);
		rt_err_set(&err, RT_EXIT_DB, "%s", b.ptr ? b.ptr : "migrations pending");
		rt_buf_free(&b);
		rc = -1;
	} else {
		fprintf(out_of(o), "No new upgrade operations detected.\n");
		rc = 0;
	}
done:
	if (have_plan)
		rt_plan_free(&plan);
	rt_strvec_free(&rows);
	project_close(&p);
	return finish(&err, rc);
}

int retort_edit(const struct retort_options *o, const char *rev)
{
	struct rt_err err = { 0, NULL };
	struct project p;
	struct rt_strvec ids = RT_STRVEC_INIT;
	const struct rt_revision *r;
	const char *editor = getenv("VISUAL");
	int rc = -1;
	pid_t pid;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	if (project_open(&p, o, 1, 0, &err) < 0)
		return finish(&err, -1);
	if (rt_graph_get_revisions(p.graph, rev ? rev : "head", &ids, &err) < 0)
		goto done;
	if (ids.n != 1) {
		rt_err_set(&err, RT_EXIT_USAGE, "'%s' names %zu revisions; edit one at a time",
		           rev ? rev : "head", ids.n);
		goto done;
	}
	r = rt_graph_get(p.graph, ids.v[0]);
	if (!r || !r->path) {
		rt_err_set(&err, RT_EXIT_USAGE, "revision %s has no file", ids.v[0]);
		goto done;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execlp("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, r->path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		rt_err_set(&err, RT_EXIT_USAGE, "cannot start %s: %s", editor, strerror(errno));
		goto done;
	} else {
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			rt_err_set(&err, RT_EXIT_USAGE, "editor %s failed on %s", editor, r->path);
			goto done;
		}
	}
	rc = 0;
done:
	rt_strvec_free(&ids);
	project_close(&p);
	return finish(&err, rc);
}

int retort_plugins(const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct rt_registry *reg = NULL;
	struct rt_loader_options lo;
	size_t i, j;

	memset(&lo, 0, sizeof(lo));
	lo.plugin_path = o->plugin_path;
	if (rt_registry_load(&reg, &lo, &err) < 0)
		return finish(&err, -1);
	fprintf(out_of(o), "Registry: %s\n", rt_loader_sysconfdir());
	for (i = 0; i < reg->n; i++) {
		const struct rt_registry_entry *e = &reg->entries[i];
		fprintf(out_of(o), "%-12s module %-20s schemes ", e->name, e->module);
		for (j = 0; j < e->schemes.n; j++)
			fprintf(out_of(o), "%s%s", j ? ", " : "", e->schemes.v[j]);
		fprintf(out_of(o), "  (%s)\n", e->source ? e->source : "?");
	}
	rt_registry_free(reg);
	return finish(&err, 0);
}
