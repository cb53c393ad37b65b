/* SPDX-License-Identifier: MIT */
/*
 * core/graph_walk.c - traversals of the revision graph: sets, ancestor and
 * descendant closures, the error model, RevisionMap.iterate_revisions()
 * with its _collect_upgrade_revisions / _collect_downgrade_revisions, and
 * _get_all_current (alembic/script/revision.py).  The topological sort is
 * in graph_sort.c.
 */
#include "graph_internal.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ sets */

int gset_init(struct gset *s, const struct rt_graph *g)
{
	memset(s, 0, sizeof(*s));
	s->in = rt_calloc(g->n ? g->n : 1, 1);
	return s->in ? 0 : -1;
}

int gset_add(struct gset *s, size_t i)
{
	if (s->in[i])
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		size_t *v = rt_realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->in[i] = 1;
	s->v[s->n++] = i;
	return 0;
}

void gset_clear(struct gset *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		s->in[s->v[i]] = 0;
	s->n = 0;
}

void gset_free(struct gset *s)
{
	rt_free(s->in);
	rt_free(s->v);
	memset(s, 0, sizeof(*s));
}

int grevs_push(struct grevs *r, size_t i)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		size_t *v = rt_realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = i;
	return 0;
}

void grevs_free(struct grevs *r)
{
	rt_free(r->v);
	memset(r, 0, sizeof(*r));
}

const struct gadj *g_edges(const struct rt_graph *g, size_t i, enum gedge e)
{
	const struct gnode *nd = &g->nodes[i];
	switch (e) {
	case GE_DOWN: return &nd->down;
	case GE_NDOWN: return &nd->ndown;
	case GE_NEXT: return &nd->next;
	case GE_ALLNEXT: return &nd->allnext;
	case GE_ALLDOWN: return &nd->alldown;
	case GE_NNEXT: return &nd->nnext;
	}
	return &nd->down;
}

int g_closure(struct gset *out, const struct rt_graph *g, const size_t *start,
              size_t n_start, enum gedge e)
{
	size_t k, j, from = out->n;
	/* starts already in `out` (from an earlier closure along other edges)
	 * must still be expanded: walk their edges first */
	for (k = 0; k < n_start; k++) {
		if (out->in[start[k]]) {
			const struct gadj *a = g_edges(g, start[k], e);
			for (j = 0; j < a->n; j++)
				if (gset_add(out, a->v[j]) < 0)
					return -1;
		} else if (gset_add(out, start[k]) < 0) {
			return -1;
		}
	}
	/* out->v doubles as the work list: everything after `from` is new */
	for (k = from; k < out->n; k++) {
		const struct gadj *a = g_edges(g, out->v[k], e);
		for (j = 0; j < a->n; j++)
			if (gset_add(out, a->v[j]) < 0)
				return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ errors */

int gerr_set(struct gerr *e, enum gerr_kind kind, const char *arg, const char *fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	va_list ap;
	gerr_free(e);
	e->kind = kind;
	if (fmt) {
		va_start(ap, fmt);
		rt_buf_vprintf(&b, fmt, ap);
		va_end(ap);
		e->msg = rt_buf_detach(&b);
		rt_buf_free(&b);
		if (!e->msg)
			return gerr_oom(e);
	}
	if (arg && !(e->arg = rt_strdup(arg)))
		return gerr_oom(e);
	return -1;
}

int gerr_oom(struct gerr *e)
{
	gerr_free(e);
	e->kind = GERR_OOM;
	return -1;
}

void gerr_free(struct gerr *e)
{
	rt_free(e->msg);
	rt_free(e->arg);
	rt_free(e->lower);
	rt_free(e->upper);
	rt_strvec_free(&e->heads);
	memset(e, 0, sizeof(*e));
}

/* Replace "{start}" and "{end}" in a template. */
static void expand(struct rt_buf *b, const char *tmpl, const char *start, const char *end)
{
	const char *p = tmpl;
	while (*p) {
		if (rt_startswith(p, "{start}")) {
			rt_buf_puts(b, start ? start : "None");
			p += 7;
		} else if (rt_startswith(p, "{end}")) {
			rt_buf_puts(b, end ? end : "None");
			p += 5;
		} else {
			rt_buf_putc(b, *p++);
		}
	}
}

int gerr_to_rt(struct rt_err *err, const struct gerr *e, const struct gcatch *c)
{
	struct rt_buf b = RT_BUF_INIT;
	static const struct gcatch none;
	int r;
	if (!c)
		c = &none;
	switch (e->kind) {
	case GERR_NONE:
	case GERR_OOM:
		return rt_err_oom(err);
	case GERR_RANGE:
		expand(&b, c->ancestor ? c->ancestor : "Requested range {start}:{end} does not refer "
		       "to ancestor/descendant revisions along the same branch",
		       c->start ? c->start : (e->lower ? e->lower : "base"),
		       c->end ? c->end : (e->upper ? e->upper : "base"));
		break;
	case GERR_MULTIHEADS: {
		const char *arg = c->end ? c->end : e->arg;
		if (c->multiple_heads)
			rt_buf_puts(&b, c->multiple_heads);
		else
			rt_buf_printf(&b, "Multiple head revisions are present for given argument "
			              "'%s'; please specify a specific target revision, "
			              "'<branchname>@%s' to narrow to a specific head, or 'heads' "
			              "for all heads", arg ? arg : "None", arg ? arg : "None");
		break;
	}
	case GERR_RESOLUTION:
		if (c->resolution)
			rt_buf_puts(&b, c->resolution);
		else
			rt_buf_printf(&b, "Can't locate revision identified by '%s'",
			              e->arg ? e->arg : "None");
		/* Alembic drops the detail; we keep it after the searchable text */
		if (e->msg)
			rt_buf_printf(&b, " (%s)", e->msg);
		break;
	case GERR_REVISION:
		rt_buf_puts(&b, e->msg ? e->msg : "revision error");
		break;
	}
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	r = rt_err_set(err, RT_EXIT_USAGE, "%s", b.ptr ? b.ptr : "");
	rt_buf_free(&b);
	return r;
}

/* ------------------------------------------------------------ closures with check */

/*
 * _iterate_related_revisions(fn, targets, check=True): a depth-first walk
 * per target sharing one `seen` set; with check, a target reached from a
 * later target is an overlap error.  Appends to `out` (may be NULL).
 */
static int related_check(struct gset *out, const struct rt_graph *g, const size_t *targets,
                         size_t nt, enum gedge e, int check, struct gerr *err)
{
	struct gset seen = { 0 };
	unsigned char *is_target = NULL;
	size_t *stack = NULL, sp = 0, cap = 0, k, j;
	int error = -1;

	if (gset_init(&seen, g) < 0)
		goto oom;
	if (check && nt > 1) {
		is_target = rt_calloc(g->n, 1);
		if (!is_target)
			goto oom;
		for (k = 0; k < nt; k++)
			is_target[targets[k]] = 1;
	}
	for (k = 0; k < nt; k++) {
		struct rt_buf overl = RT_BUF_INIT;
		size_t t = targets[k];
		sp = 0;
		if (sp == cap) {
			size_t *v = rt_realloc(stack, (cap = cap ? cap * 2 : 64) * sizeof(*v));
			if (!v)
				goto oom;
			stack = v;
		}
		stack[sp++] = t;
		while (sp) {
			size_t a = stack[--sp];
			const struct gadj *adj;
			if (is_target && a != t && is_target[a])
				is_target[a] = 2; /* per_target.intersection(targets) - {target} */
			if (seen.in[a])
				continue;
			if (gset_add(&seen, a) < 0 || (out && gset_add(out, a) < 0)) {
				rt_buf_free(&overl);
				goto oom;
			}
			adj = g_edges(g, a, e);
			if (sp + adj->n > cap) {
				size_t *v;
				while (sp + adj->n > cap)
					cap = cap ? cap * 2 : 64;
				v = rt_realloc(stack, cap * sizeof(*v));
				if (!v) {
					rt_buf_free(&overl);
					goto oom;
				}
				stack = v;
			}
			for (j = 0; j < adj->n; j++)
				stack[sp++] = adj->v[j];
		}
		if (is_target) {
			/* list the overlaps in load order (Alembic: a set's order) */
			size_t q;
			for (q = 0; q < nt; q++) {
				if (is_target[targets[q]] == 2) {
					int dup = 0;
					size_t z;
					for (z = 0; z < q; z++)
						dup |= targets[z] == targets[q];
					if (!dup)
						rt_buf_printf(&overl, "%s%s", overl.len ? ", " : "",
						              g->revs[targets[q]]->id);
				}
			}
			for (q = 0; q < nt; q++)
				is_target[targets[q]] = 1;
		}
		if (overl.oom) {
			rt_buf_free(&overl);
			goto oom;
		}
		if (overl.len) {
			gerr_set(err, GERR_REVISION, NULL, "Requested revision %s overlaps with other "
			         "requested revisions %s", g->revs[t]->id, overl.ptr);
			rt_buf_free(&overl);
			goto done;
		}
		rt_buf_free(&overl);
	}
	error = 0;
	goto done;
oom:
	gerr_oom(err);
done:
	rt_free(stack);
	rt_free(is_target);
	gset_free(&seen);
	return error;
}

/* ------------------------------------------------------------ spec helpers */

/* get_revisions() of a spec (a string, or each string of a tuple). */
static int spec_get_revisions(struct grevs *out, const struct rt_graph *g,
                              const struct gspec *sp, struct gerr *e)
{
	size_t i;
	if (sp->is_str)
		return g_get_revisions(out, g, sp->s, e);
	for (i = 0; i < sp->n; i++)
		if (g_get_revisions(out, g, sp->v[i], e) < 0)
			return -1;
	return 0;
}

static char *spec_text(const struct gspec *sp)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t i;
	if (sp->is_str)
		return sp->s ? rt_strdup(sp->s) : NULL;
	if (sp->n == 0)
		return NULL;
	if (sp->n == 1)
		return rt_strdup(sp->v[0]);
	/* Python's repr of a tuple of str */
	rt_buf_putc(&b, '(');
	for (i = 0; i < sp->n; i++)
		rt_buf_printf(&b, "%s'%s'", i ? ", " : "", sp->v[i]);
	rt_buf_putc(&b, ')');
	return rt_buf_detach(&b);
}

static int range_error(struct gerr *e, const struct gspec *lower, const struct gspec *upper)
{
	gerr_free(e);
	e->kind = GERR_RANGE;
	e->lower = spec_text(lower);
	e->upper = spec_text(upper);
	return -1;
}

/* Only real revisions; "base"/None entries are dropped as Alembic's
 * callers skip None. */
static int only_revs(struct grevs *r, struct gerr *e)
{
	size_t i, k = 0;
	for (i = 0; i < r->n; i++) {
		if (r->v[i] == GREV_BASE)
			return gerr_set(e, GERR_REVISION, NULL, "'base' is not a revision here; "
			                "use 'base' on its own as the target instead");
		if (r->v[i] != GREV_NONE)
			r->v[k++] = r->v[i];
	}
	r->n = k;
	return 0;
}

/* ------------------------------------------------------------ upgrade set */

static int collect_upgrade(struct gset *needs, struct grevs *targets_out,
                           const struct rt_graph *g, const struct gspec *upper,
                           const struct gspec *lower, const struct giter_opts *o,
                           struct gerr *e)
{
	struct grevs targets = { 0 }, current = { 0 };
	struct gset required = { 0 }, current_set = { 0 }, desc = { 0 };
	const char *const *cur_v;
	size_t cur_n, i;
	const char *one[1];
	int error = -1, lower_none = 0;
	char *lower_override = NULL;

	if (lower->is_str) {
		one[0] = lower->s;
		cur_v = lower->s ? one : NULL;
		cur_n = lower->s ? 1 : 0;
	} else {
		cur_v = lower->v;
		cur_n = lower->n;
	}
	if (!upper->is_str) {
		if (spec_get_revisions(&targets, g, upper, e) < 0)
			goto done;
	} else if (g_parse_upgrade_target(&targets, g, cur_v, cur_n, upper->s,
	                                  o->assert_relative_length, e) < 0) {
		goto done;
	}
	for (i = 0; i < targets.n; i++)
		if (targets.v[i] == GREV_NONE || targets.v[i] == GREV_BASE) {
			/* is_revision(rev) asserts in Alembic */
			gerr_set(e, GERR_REVISION, NULL, "Relative revision %s didn't produce a "
			         "revision to upgrade to", upper->is_str && upper->s ? upper->s : "");
			goto done;
		}
	if (lower->is_str && lower->s && strchr(lower->s, '@')) {
		/* named bases: branch@... keeps only targets on that branch */
		char *branch = rt_strndup(lower->s, (size_t)(strchr(lower->s, '@') - lower->s));
		size_t br, k = 0;
		const struct rt_revision *brev;
		if (!branch)
			goto oom;
		if (g_get_revision(&br, g, branch, e) < 0) {
			rt_free(branch);
			goto done;
		}
		if (br != GREV_NONE && strcmp(g->revs[br]->id, branch) == 0) {
			brev = g->revs[br];
			if (brev->all_labels.n != 1) {
				gerr_set(e, GERR_REVISION, NULL, "Revision %s used as a branch in '%s' "
				         "carries %zu branch labels; name the branch by its label",
				         brev->id, lower->s, brev->all_labels.n);
				rt_free(branch);
				goto done;
			}
			rt_free(branch);
			branch = rt_strdup(brev->all_labels.v[0]);
			if (!branch)
				goto oom;
		}
		for (i = 0; i < targets.n; i++)
			if (rt_strvec_contains(&g->revs[targets.v[i]]->all_labels, branch))
				targets.v[k++] = targets.v[i];
		targets.n = k;
		rt_free(branch);
	}
	if (gset_init(&required, g) < 0 || gset_init(&current_set, g) < 0)
		goto oom;
	if (related_check(&required, g, targets.v, targets.n, GE_NDOWN, 1, e) < 0)
		goto done;
	if (spec_get_revisions(&current, g, lower, e) < 0)
		goto done;
	if (current.n && current.v[0] == GREV_NONE)
		lower_none = 1;
	if (!o->implicit_base) {
		for (i = 0; i < current.n; i++) {
			size_t c = current.v[i];
			if (c == GREV_NONE)
				continue;
			if (c == GREV_BASE || !required.in[c]) {
				range_error(e, lower, upper);
				goto done;
			}
		}
	}
	if (lower_none) {
		/* lower is relative: resolve it as a downgrade target from upper */
		size_t rev;
		const char *const *uv;
		size_t un;
		const char *uone[1];
		if (upper->is_str) {
			uone[0] = upper->s;
			uv = uone;
			un = upper->s ? 1 : 0;
		} else {
			uv = upper->v;
			un = upper->n;
		}
		if (g_parse_downgrade_target(NULL, &rev, g, uv, un, lower->is_str ? lower->s :
		                             (lower->n ? lower->v[0] : NULL),
		                             o->assert_relative_length, e) < 0)
			goto done;
		current.n = 0;
		if (rev == GREV_BASE || rev == GREV_NONE) {
			lower_override = NULL;
		} else {
			if (grevs_push(&current, rev) < 0)
				goto oom;
			lower_override = g->revs[rev]->id;
		}
	}
	if (only_revs(&current, e) < 0)
		goto done;
	if (related_check(&current_set, g, current.v, current.n, GE_NDOWN, 1, e) < 0)
		goto done;
	for (i = 0; i < required.n; i++)
		if (!current_set.in[required.v[i]] && gset_add(needs, required.v[i]) < 0)
			goto oom;
	if (o->inclusive) {
		struct grevs low = { 0 };
		int r;
		if (lower_none) {
			if (lower_override)
				r = g_get_revisions(&low, g, lower_override, e);
			else
				r = 0;
		} else {
			r = spec_get_revisions(&low, g, lower, e);
		}
		if (r < 0 || only_revs(&low, e) < 0) {
			grevs_free(&low);
			goto done;
		}
		for (i = 0; i < low.n; i++)
			if (gset_add(needs, low.v[i]) < 0) {
				grevs_free(&low);
				goto oom;
			}
		grevs_free(&low);
	}
	if (current.n && !o->implicit_base) {
		size_t k = 0;
		if (gset_init(&desc, g) < 0)
			goto oom;
		if (related_check(&desc, g, current.v, current.n, GE_NEXT, 1, e) < 0)
			goto done;
		for (i = 0; i < needs->n; i++) {
			if (desc.in[needs->v[i]])
				needs->v[k++] = needs->v[i];
			else
				needs->in[needs->v[i]] = 0;
		}
		needs->n = k;
	}
	for (i = 0; i < targets.n; i++)
		if (grevs_push(targets_out, targets.v[i]) < 0)
			goto oom;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	grevs_free(&targets);
	grevs_free(&current);
	gset_free(&required);
	gset_free(&current_set);
	gset_free(&desc);
	return error;
}

/* ------------------------------------------------------------ downgrade set */

static int collect_downgrade(struct gset *out, struct grevs *heads_out,
                             const struct rt_graph *g, const struct gspec *upper,
                             const struct gspec *target, const struct giter_opts *o,
                             struct gerr *e)
{
	char *branch = NULL;
	size_t trev = GREV_NONE, i;
	struct grevs roots = { 0 }, heads = { 0 };
	size_t n_root_keys = 0; /* len(roots) as Alembic counts them */
	struct gset down = { 0 }, active = { 0 }, anc = { 0 };
	const char *const *cur_v;
	size_t cur_n;
	const char *one[1];
	int error = -1;

	if (upper->is_str) {
		one[0] = upper->s;
		cur_v = upper->s ? one : NULL;
		cur_n = upper->s ? 1 : 0;
	} else {
		cur_v = upper->v;
		cur_n = upper->n;
	}
	if (target->is_str ? target->s != NULL : target->n > 0) {
		const char *t = target->is_str ? target->s : target->v[0];
		if (g_parse_downgrade_target(&branch, &trev, g, cur_v, cur_n, t,
		                             o->assert_relative_length, e) < 0)
			goto done;
	}
	if (trev == GREV_BASE)
		trev = GREV_NONE;
	if (trev == GREV_NONE) {
		/* Alembic takes the roots from _revision_map.values(), where a
		 * base is listed once under its id and once more under each
		 * branch label it declares: one base with a label is "more
		 * than one root" and makes a branch@base target go through
		 * _resolve_branch (seed 1058701510: base@base fails there) */
		n_root_keys = 0;
		for (i = 0; i < g->n; i++) {
			if (g->nodes[i].down.n)
				continue;
			if (grevs_push(&roots, i) < 0)
				goto oom;
			n_root_keys += 1 + g->revs[i]->branch_labels.n;
		}
	} else if (o->inclusive) {
		if (grevs_push(&roots, trev) < 0)
			goto oom;
	} else {
		for (i = 0; i < g->nodes[trev].next.n; i++)
			if (grevs_push(&roots, g->nodes[trev].next.v[i]) < 0)
				goto oom;
	}
	if (trev != GREV_NONE)
		n_root_keys = roots.n;
	if (branch && n_root_keys > 1) {
		size_t br, k = 0;
		if (gset_init(&anc, g) < 0)
			goto oom;
		{
			/* _resolve_branch */
			const struct rt_revision *r = g_find(g, branch);
			if (!r)
				r = rt_map_get(&g->labels, branch);
			if (r) {
				br = r->order;
			} else if (g_revision_for_ident(&br, g, branch, NULL, e) < 0) {
				char *m = rt_sprintf("No such branch: '%s'", branch);
				if (!m)
					goto oom;
				gerr_set(e, GERR_RESOLUTION, branch, "%s", m);
				rt_free(m);
				goto done;
			}
		}
		if (br != GREV_NONE && g_closure(&anc, g, &br, 1, GE_DOWN) < 0)
			goto oom;
		for (i = 0; i < roots.n; i++)
			if (anc.in[roots.v[i]])
				roots.v[k++] = roots.v[i];
		roots.n = k;
		if (!roots.n) {
			gerr_set(e, GERR_REVISION, NULL, "Not a valid downgrade target from "
			         "current heads");
			goto done;
		}
	}
	if (spec_get_revisions(&heads, g, upper, e) < 0 || only_revs(&heads, e) < 0)
		goto done;
	if (gset_init(&down, g) < 0 || gset_init(&active, g) < 0)
		goto oom;
	if (g_closure(&down, g, roots.v, roots.n, GE_ALLNEXT) < 0 ||
	    g_closure(&active, g, heads.v, heads.n, GE_NDOWN) < 0)
		goto oom;
	for (i = 0; i < down.n; i++)
		if (active.in[down.v[i]] && gset_add(out, down.v[i]) < 0)
			goto oom;
	if (o->implicit_base) {
		if (!anc.in && gset_init(&anc, g) < 0)
			goto oom;
		gset_clear(&anc);
		if (g_closure(&anc, g, roots.v, roots.n, GE_NDOWN) < 0)
			goto oom;
		for (i = 0; i < active.n; i++)
			if (!anc.in[active.v[i]] && gset_add(out, active.v[i]) < 0)
				goto oom;
	}
	if (trev != GREV_NONE && out->n == 0) {
		int in_heads = 0;
		for (i = 0; i < heads.n; i++)
			in_heads |= heads.v[i] == trev;
		if (!in_heads) {
			gerr_free(e);
			e->kind = GERR_RANGE;
			e->lower = rt_strdup("Nothing to drop");
			e->upper = spec_text(upper);
			goto done;
		}
	}
	for (i = 0; i < heads.n; i++)
		if (grevs_push(heads_out, heads.v[i]) < 0)
			goto oom;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	rt_free(branch);
	grevs_free(&roots);
	grevs_free(&heads);
	gset_free(&down);
	gset_free(&active);
	gset_free(&anc);
	return error;
}

int g_iterate_revisions(struct grevs *out, const struct rt_graph *g, const struct gspec *upper,
                        const struct gspec *lower, const struct giter_opts *o, struct gerr *e)
{
	struct gset set = { 0 };
	struct grevs heads = { 0 };
	int error = -1;
	if (gset_init(&set, g) < 0) {
		gerr_oom(e);
		goto done;
	}
	if (o->select_for_downgrade) {
		if (collect_downgrade(&set, &heads, g, upper, lower, o, e) < 0)
			goto done;
	} else if (collect_upgrade(&set, &heads, g, upper, lower, o, e) < 0) {
		goto done;
	}
	error = g_topo_sort(out, g, &set, heads.v, heads.n, e);
done:
	gset_free(&set);
	grevs_free(&heads);
	return error;
}

/* ------------------------------------------------------------ current */

int g_get_all_current(struct grevs *out, const struct rt_graph *g, const char *const *ids,
                      size_t n, struct gerr *e)
{
	struct grevs top = { 0 };
	struct gset all = { 0 }, below = { 0 };
	size_t i, j;
	int error = -1;
	for (i = 0; i < n; i++)
		if (g_get_revisions(&top, g, ids[i], e) < 0)
			goto done;
	if (only_revs(&top, e) < 0)
		goto done;
	if (gset_init(&all, g) < 0 || gset_init(&below, g) < 0)
		goto oom;
	if (g_closure(&all, g, top.v, top.n, GE_NDOWN) < 0)
		goto oom;
	/* _filter_into_branch_heads: drop members with another member above
	 * them along Revises */
	for (i = 0; i < all.n; i++) {
		const struct gadj *d = &g->nodes[all.v[i]].down;
		for (j = 0; j < d->n; j++)
			if (gset_add(&below, d->v[j]) < 0)
				goto oom;
	}
	for (i = 0; i < below.n; i++) {
		const struct gadj *d = &g->nodes[below.v[i]].down;
		for (j = 0; j < d->n; j++)
			if (gset_add(&below, d->v[j]) < 0)
				goto oom;
	}
	for (i = 0; i < g->n; i++)
		if (all.in[i] && !below.in[i] && grevs_push(out, i) < 0)
			goto oom;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	grevs_free(&top);
	gset_free(&all);
	gset_free(&below);
	return error;
}
