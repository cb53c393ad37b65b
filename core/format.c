/* SPDX-License-Identifier: MIT */
/*
 * core/format.c - see format.h.  The text mirrors alembic/command.py and
 * Script.cmd_format / _head_only / log_entry in alembic/script/base.py;
 * `print_stdout` adds one "\n" after each message.
 */
#include "format.h"
#include "graph_internal.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ pieces */

static void comma(struct rt_buf *b, const struct rt_strvec *v)
{
	size_t i;
	for (i = 0; i < v->n; i++)
		rt_buf_printf(b, "%s%s", i ? ", " : "", v->v[i]);
}

static void down_fmt(struct rt_buf *b, const struct rt_revision *r)
{
	if (!r->down.n)
		rt_buf_puts(b, "<base>");
	else
		comma(b, &r->down);
}

static const char *doc_of(const struct rt_revision *r)
{
	return r->message ? r->message : "";
}

static int in_list(const char *const *v, size_t n, const char *s)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Script._head_only */
static void head_only(struct rt_buf *b, const struct rt_graph *g, const struct rt_revision *r,
                      int include_branches, int include_doc, int include_parents,
                      int tree_indicators, int is_current)
{
	int real_head = g_is_real_head(g, r->order);
	if (include_parents) {
		down_fmt(b, r);
		if (r->depends_on.n) {
			rt_buf_puts(b, " (");
			comma(b, &r->depends_on);
			rt_buf_puts(b, ")");
		}
		rt_buf_puts(b, " -> ");
	}
	rt_buf_puts(b, r->id);
	if (include_branches && r->all_labels.n) {
		rt_buf_puts(b, " (");
		comma(b, &r->all_labels);
		rt_buf_puts(b, ")");
	}
	if (real_head)
		rt_buf_puts(b, " (head)");
	if (r->is_head && !real_head)
		rt_buf_puts(b, " (effective head)");
	if (is_current)
		rt_buf_puts(b, " (current)");
	if (tree_indicators) {
		if (r->nextrev.n > 1)
			rt_buf_puts(b, " (branchpoint)");
		if (r->down.n > 1)
			rt_buf_puts(b, " (mergepoint)");
	}
	if (include_doc)
		rt_buf_printf(b, ", %s", doc_of(r));
}

int rt_format_log_entry(struct rt_buf *b, const struct rt_graph *g,
                        const struct rt_revision *r, int is_current)
{
	(void)g;
	rt_buf_printf(b, "Rev: %s%s%s%s%s\n", r->id, r->is_head ? " (head)" : "",
	              r->nextrev.n > 1 ? " (branchpoint)" : "", r->down.n > 1 ? " (mergepoint)" : "",
	              is_current ? " (current)" : "");
	rt_buf_puts(b, r->down.n > 1 ? "Merges: " : "Parent: ");
	down_fmt(b, r);
	rt_buf_puts(b, "\n");
	if (r->depends_on.n) {
		rt_buf_puts(b, "Also depends on: ");
		comma(b, &r->depends_on);
		rt_buf_puts(b, "\n");
	}
	if (r->nextrev.n > 1) {
		rt_buf_puts(b, "Branches into: ");
		comma(b, &r->nextrev);
		rt_buf_puts(b, "\n");
	}
	if (r->all_labels.n) {
		rt_buf_puts(b, "Branch names: ");
		comma(b, &r->all_labels);
		rt_buf_puts(b, "\n");
	}
	rt_buf_printf(b, "Path: %s\n", r->path ? r->path : "None");
	/* longdoc: the docstring Alembic's template writes, stripped, each line
	 * indented by four spaces */
	rt_buf_puts(b, "\n");
	if (r->message && *r->message)
		rt_buf_printf(b, "    %s\n    \n", r->message);
	rt_buf_printf(b, "    Revision ID: %s\n    Revises: ", r->id);
	comma(b, &r->down);
	if (r->create_date)
		rt_buf_printf(b, "\n    Create Date: %s", r->create_date);
	rt_buf_puts(b, "\n");
	return b->oom ? -1 : 0;
}

/* ------------------------------------------------------------ JSON */

/* One revision as a JSON object.  is_current: -1 unknown (left out), 0/1 */
static void json_rev(struct rt_json *j, const struct rt_graph *g, const struct rt_revision *r,
                     int is_current, int with_children)
{
	const struct gadj *d = &g->nodes[r->order].deps;
	size_t i;
	rt_json_object(j, NULL);
	rt_json_str(j, "revision", r->id);
	rt_json_strvec(j, "down_revisions", &r->down);
	rt_json_strvec(j, "branch_labels", &r->all_labels);
	rt_json_array(j, "depends_on");
	for (i = 0; i < d->n; i++)
		rt_json_str(j, NULL, g->revs[d->v[i]]->id);
	rt_json_array_end(j);
	rt_json_str(j, "message", doc_of(r));
	rt_json_str(j, "path", r->path);
	rt_json_bool(j, "is_head", g_is_real_head(g, r->order));
	rt_json_bool(j, "is_merge_point", r->down.n > 1);
	rt_json_bool(j, "is_branch_point", r->nextrev.n > 1);
	if (is_current >= 0)
		rt_json_bool(j, "is_current", is_current);
	if (with_children)
		rt_json_strvec(j, "branches_into", &r->nextrev);
	rt_json_object_end(j);
}

static void json_revs(struct rt_json *j, const struct rt_graph *g, const struct grevs *revs,
                      const struct rt_format_opts *o, int with_current, int with_children)
{
	size_t i;
	for (i = 0; i < revs->n; i++) {
		const struct rt_revision *r = g->revs[revs->v[i]];
		json_rev(j, g, r, with_current ? in_list(o->current, o->n_current, r->id) : -1,
		         with_children);
	}
}

static int finish(struct rt_buf *b, const struct rt_format_opts *o, struct rt_err *err)
{
	return b->oom || (o->json && o->json->b->oom) ? rt_err_oom(err) : 0;
}

/* ------------------------------------------------------------ history */

/* What start/end were, for an error: the text given, or for `current` the
 * word and the rows it stood for, "current (ae10, 55af)" (Alembic shows
 * Python's repr of a tuple here, "('ae10',)", which says nothing to a
 * user). */
static char *range_end_text(const struct gspec *s)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t i;
	char *r;
	if (s->is_str)
		return rt_strdup(s->s ? s->s : "None");
	rt_buf_puts(&b, "current (");
	for (i = 0; i < s->n; i++)
		rt_buf_printf(&b, "%s%s", i ? ", " : "", s->v[i]);
	rt_buf_putc(&b, ')');
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}

/* ScriptDirectory.walk_revisions(base, head) */
static int walk_revisions(struct grevs *out, const struct rt_graph *g, const struct gspec *base,
                          const struct gspec *head, struct rt_err *err)
{
	struct giter_opts o = { 0, 1, 0, 0 };
	struct gerr e = { 0 };
	struct gcatch c = { NULL, NULL, NULL, NULL, NULL };
	char *start = NULL, *end = NULL;
	int error = 0;
	if (g_iterate_revisions(out, g, head, base, &o, &e) < 0) {
		start = range_end_text(base);
		end = range_end_text(head);
		c.start = start;
		c.end = end;
		error = gerr_to_rt(err, &e, &c);
	}
	rt_free(start);
	rt_free(end);
	gerr_free(&e);
	return error;
}

int rt_format_history(struct rt_buf *out, const struct rt_graph *g, const char *range,
                      const struct rt_format_opts *o, struct rt_err *err)
{
	struct gspec base = { NULL, 0, "base", 1 }, head = { NULL, 0, "heads", 1 };
	struct grevs revs = { 0 };
	char *copy = NULL, *colon, *lo, *hi;
	size_t i;
	int error = -1;

	if (range) {
		copy = rt_strdup(range);
		if (!copy)
			return rt_err_oom(err);
		lo = rt_trim(copy);
		colon = strchr(lo, ':');
		if (!colon) {
			rt_err_set(err, RT_EXIT_USAGE, "History range requires [start]:[end], "
			           "[start]:, or :[end]");
			goto done;
		}
		if (strchr(colon + 1, ':')) {
			rt_err_set(err, RT_EXIT_USAGE, "History range '%s' has more than one ':'; "
			           "write [start]:[end]", range);
			goto done;
		}
		*colon = '\0';
		hi = colon + 1;
		/* "current" stands for the rows; with no rows Alembic falls back to
		 * the default ("base"/"heads") because an empty tuple is false */
		if (*lo && strcmp(lo, "current") == 0) {
			if (o->n_current) {
				base.is_str = 0;
				base.v = o->current;
				base.n = o->n_current;
			}
		} else if (*lo) {
			base.s = lo;
		}
		if (*hi && strcmp(hi, "current") == 0) {
			if (o->n_current) {
				head.is_str = 0;
				head.v = o->current;
				head.n = o->n_current;
			}
		} else if (*hi) {
			head.s = hi;
		}
	}
	if (walk_revisions(&revs, g, &base, &head, err) < 0)
		goto done;
	if (o->json) {
		json_revs(o->json, g, &revs, o, o->indicate_current, 0);
	} else {
		for (i = 0; i < revs.n; i++) {
			const struct rt_revision *r = g->revs[revs.v[i]];
			int cur = o->indicate_current && in_list(o->current, o->n_current, r->id);
			if (o->verbose)
				rt_format_log_entry(out, g, r, cur);
			else
				head_only(out, g, r, 1, 1, 1, 1, cur);
			rt_buf_puts(out, "\n");
		}
	}
	error = finish(out, o, err);
done:
	rt_free(copy);
	grevs_free(&revs);
	return error;
}

/* ------------------------------------------------------------ heads, branches */

int rt_format_heads(struct rt_buf *out, const struct rt_graph *g,
                    const struct rt_format_opts *o, struct rt_err *err)
{
	struct grevs revs = { 0 };
	const struct rt_strvec *src = o->resolve_dependencies ? &g->real_heads : &g->heads;
	size_t i;
	int error;
	for (i = 0; i < src->n; i++)
		if (grevs_push(&revs, rt_graph_get(g, src->v[i])->order) < 0) {
			grevs_free(&revs);
			return rt_err_oom(err);
		}
	if (o->json) {
		json_revs(o->json, g, &revs, o, 0, 0);
	} else {
		for (i = 0; i < revs.n; i++) {
			const struct rt_revision *r = g->revs[revs.v[i]];
			if (o->verbose)
				rt_format_log_entry(out, g, r, 0);
			else
				head_only(out, g, r, 1, 0, 0, 0, 0);
			rt_buf_puts(out, "\n");
		}
	}
	error = finish(out, o, err);
	grevs_free(&revs);
	return error;
}

int rt_format_branches(struct rt_buf *out, const struct rt_graph *g,
                       const struct rt_format_opts *o, struct rt_err *err)
{
	struct gspec base = { NULL, 0, "base", 1 }, head = { NULL, 0, "heads", 1 };
	struct grevs revs = { 0 }, bp = { 0 };
	size_t i, j, w;
	int error = -1;
	if (walk_revisions(&revs, g, &base, &head, err) < 0)
		goto done;
	for (i = 0; i < revs.n; i++)
		if (g->revs[revs.v[i]]->nextrev.n > 1 && grevs_push(&bp, revs.v[i]) < 0) {
			error = rt_err_oom(err);
			goto done;
		}
	if (o->json) {
		json_revs(o->json, g, &bp, o, 0, 1);
	} else {
		for (i = 0; i < bp.n; i++) {
			const struct rt_revision *r = g->revs[bp.v[i]];
			if (o->verbose)
				rt_format_log_entry(out, g, r, 0);
			else
				head_only(out, g, r, 1, 0, 0, 1, 0);
			rt_buf_puts(out, "\n");
			w = strlen(r->id);
			for (j = 0; j < r->nextrev.n; j++) {
				if (j)
					rt_buf_puts(out, "\n");
				rt_buf_printf(out, "%*s -> ", (int)w, "");
				head_only(out, g, rt_graph_get(g, r->nextrev.v[j]), 1, o->verbose, 0, 1, 0);
			}
			rt_buf_puts(out, "\n\n");
		}
	}
	error = finish(out, o, err);
done:
	grevs_free(&revs);
	grevs_free(&bp);
	return error;
}

/* ------------------------------------------------------------ current, show */

int rt_format_current(struct rt_buf *out, const struct rt_graph *g,
                      const struct rt_format_opts *o, struct rt_err *err)
{
	struct grevs revs = { 0 };
	struct gerr e = { 0 };
	size_t i;
	int error = -1;
	if (g_get_all_current(&revs, g, o->current, o->n_current, &e) < 0) {
		gerr_to_rt(err, &e, NULL);
		/* the rows come from the database: a database state, not usage */
		err->status = RT_EXIT_DB;
		goto done;
	}
	if (o->json) {
		json_revs(o->json, g, &revs, o, 1, 0);
	} else {
		if (o->verbose)
			rt_buf_printf(out, "Current revision(s) for %s:\n", o->url ? o->url : "");
		for (i = 0; i < revs.n; i++) {
			const struct rt_revision *r = g->revs[revs.v[i]];
			if (o->verbose)
				rt_format_log_entry(out, g, r, 0);
			else
				head_only(out, g, r, 0, 0, 0, 1, 0);
			rt_buf_puts(out, "\n");
		}
	}
	error = finish(out, o, err);
done:
	grevs_free(&revs);
	gerr_free(&e);
	return error;
}

int rt_format_show(struct rt_buf *out, const struct rt_graph *g, const char *spec,
                   const struct rt_format_opts *o, struct rt_err *err)
{
	struct grevs revs = { 0 }, real = { 0 };
	struct gerr e = { 0 };
	size_t i;
	int error = -1;
	if (strcmp(spec, "current") == 0) {
		for (i = 0; i < o->n_current; i++)
			if (g_get_revisions(&revs, g, o->current[i], &e) < 0)
				break;
	} else {
		g_get_revisions(&revs, g, spec, &e);
	}
	if (e.kind != GERR_NONE) {
		gerr_to_rt(err, &e, NULL);
		if (strcmp(spec, "current") == 0)
			err->status = RT_EXIT_DB; /* a version row the scripts lack */
		goto done;
	}
	for (i = 0; i < revs.n; i++) {
		if (revs.v[i] >= g->n) {
			rt_err_set(err, RT_EXIT_USAGE, "'%s' resolves to the base, which is no "
			           "revision to show", spec);
			goto done;
		}
		if (grevs_push(&real, revs.v[i]) < 0) {
			error = rt_err_oom(err);
			goto done;
		}
	}
	if (o->json) {
		json_revs(o->json, g, &real, o, 0, 0);
	} else {
		for (i = 0; i < real.n; i++) {
			rt_format_log_entry(out, g, g->revs[real.v[i]], 0);
			rt_buf_puts(out, "\n");
		}
	}
	error = finish(out, o, err);
done:
	grevs_free(&revs);
	grevs_free(&real);
	gerr_free(&e);
	return error;
}

/* ------------------------------------------------------------ revision, merge */

void rt_newrev_free(struct rt_newrev *n)
{
	if (!n)
		return;
	rt_strvec_free(&n->down);
	rt_strvec_free(&n->branch_labels);
	rt_strvec_free(&n->depends_on);
	n->head_path = NULL;
}

static int check_new_id(const struct rt_graph *g, const char *rev_id, const char *label,
                        struct rt_err *err)
{
	const struct rt_revision *other;
	const char *c;
	char found[8];
	size_t nf = 0, i;
	struct rt_buf b = RT_BUF_INIT;
	int r;
	if (!rev_id || !*rev_id)
		return rt_err_set(err, RT_EXIT_USAGE, "The new revision needs an id");
	for (i = 0; i < 3; i++)
		if (strchr(rev_id, "+-@"[i]))
			found[nf++] = "+-@"[i];
	if (nf) {
		for (i = 0; i < nf; i++)
			rt_buf_printf(&b, "%s%c", i ? ", " : "", found[i]);
		r = rt_err_set(err, RT_EXIT_USAGE, "Character(s) '%s' not allowed in revision "
		               "identifier '%s'", b.ptr ? b.ptr : "", rev_id);
		rt_buf_free(&b);
		return r;
	}
	for (c = rev_id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return rt_err_set(err, RT_EXIT_USAGE, "Revision id '%s' may only hold letters, "
			                  "digits and '_'", rev_id);
	if ((other = rt_graph_get(g, rev_id)) != NULL)
		return rt_err_set(err, RT_EXIT_USAGE, "Revision %s is present more than once: %s "
		                  "already has that id; choose another --rev-id", rev_id,
		                  other->path ? other->path : "another script");
	if ((other = rt_map_get(&g->labels, rev_id)) != NULL)
		return rt_err_set(err, RT_EXIT_USAGE, "Revision id '%s' is already a branch label "
		                  "of revision %s; choose another --rev-id", rev_id, other->id);
	if (label) {
		if ((other = rt_graph_get(g, label)) != NULL ||
		    (other = rt_map_get(&g->labels, label)) != NULL)
			return rt_err_set(err, RT_EXIT_USAGE, "Branch name '%s' in revision %s already "
			                  "used by revision %s", label, rev_id, other->id);
		if (strchr(label, '@'))
			return rt_err_set(err, RT_EXIT_USAGE, "Branch name '%s' may not contain '@'",
			                  label);
		if (strcmp(label, rev_id) == 0)
			return rt_err_set(err, RT_EXIT_USAGE, "Branch name '%s' is the id of the new "
			                  "revision; choose another label", label);
	}
	return 0;
}

static int newrev_common(struct rt_newrev *out, const struct rt_graph *g, const char *rev_id,
                         const struct grevs *heads, int splice, const char *branch_label,
                         const char *const *deps, size_t n_deps, struct rt_err *err)
{
	size_t i, j;
	struct gerr e = { 0 };
	for (i = 0; i < heads->n; i++)
		for (j = i + 1; j < heads->n; j++)
			if (heads->v[i] == heads->v[j])
				return rt_err_set(err, RT_EXIT_USAGE, "Duplicate head revisions specified");
	if (check_new_id(g, rev_id, branch_label, err) < 0)
		return -1;
	if (!splice)
		for (i = 0; i < heads->n; i++)
			if (heads->v[i] < g->n && !g->revs[heads->v[i]]->is_head)
				return rt_err_set(err, RT_EXIT_USAGE, "Revision %s is not a head revision; "
				                  "please specify --splice to create a new branch from this "
				                  "revision", g->revs[heads->v[i]]->id);
	for (i = 0; i < heads->n; i++) {
		if (heads->v[i] >= g->n)
			continue;
		if (!out->head_path)
			out->head_path = g->revs[heads->v[i]]->path;
		if (rt_strvec_push(&out->down, g->revs[heads->v[i]]->id) < 0)
			return rt_err_oom(err);
	}
	if (branch_label && *branch_label && rt_strvec_push(&out->branch_labels, branch_label) < 0)
		return rt_err_oom(err);
	for (i = 0; i < n_deps; i++) {
		size_t r;
		const struct rt_revision *rev;
		if (g_get_revision(&r, g, deps[i], &e) < 0) {
			gerr_to_rt(err, &e, NULL);
			gerr_free(&e);
			return -1;
		}
		if (r >= g->n)
			return rt_err_set(err, RT_EXIT_USAGE, "--depends-on '%s' names no revision",
			                  deps[i]);
		rev = g->revs[r];
		if (rt_strvec_push(&out->depends_on, rt_strvec_contains(&rev->all_labels, deps[i]) ?
		                   deps[i] : rev->id) < 0)
			return rt_err_oom(err);
	}
	return 0;
}

int rt_newrev_plan(struct rt_newrev *out, const struct rt_graph *g, const char *rev_id,
                   const char *head, int splice, const char *branch_label,
                   const char *const *depends_on, size_t n_depends_on, struct rt_err *err)
{
	struct gcatch c = { NULL, "Multiple heads are present; please specify the head revision on "
	                    "which the new revision should be based, or perform a merge.",
	                    NULL, NULL, NULL };
	struct grevs heads = { 0 };
	struct gerr e = { 0 };
	int error;
	memset(out, 0, sizeof(*out));
	if (g_get_revisions(&heads, g, head ? head : "head", &e) < 0) {
		error = gerr_to_rt(err, &e, &c);
		goto done;
	}
	error = newrev_common(out, g, rev_id, &heads, splice, branch_label, depends_on,
	                      n_depends_on, err);
done:
	if (error < 0)
		rt_newrev_free(out);
	grevs_free(&heads);
	gerr_free(&e);
	return error;
}

int rt_newrev_merge(struct rt_newrev *out, const struct rt_graph *g, const char *rev_id,
                    const char *const *revisions, size_t n_revisions,
                    const char *branch_label, struct rt_err *err)
{
	struct gcatch c = { NULL, "Multiple heads are present; please specify the head revision on "
	                    "which the new revision should be based, or perform a merge.",
	                    NULL, NULL, NULL };
	struct grevs heads = { 0 };
	struct gerr e = { 0 };
	size_t i;
	int error = 0;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n_revisions && error == 0; i++)
		if (g_get_revisions(&heads, g, revisions[i], &e) < 0)
			error = gerr_to_rt(err, &e, &c);
	if (error == 0)
		error = newrev_common(out, g, rev_id, &heads, 0, branch_label, NULL, 0, err);
	if (error < 0)
		rt_newrev_free(out);
	grevs_free(&heads);
	gerr_free(&e);
	return error;
}
