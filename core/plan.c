/* SPDX-License-Identifier: MIT */
/*
 * core/plan.c - migration plans (see plan.h): the steps of
 * ScriptDirectory._upgrade_revs / _downgrade_revs / _stamp_revs and the
 * version-table row operations runtime/migration.py's HeadMaintainer
 * performs after each step (RevisionStep / StampStep should_* rules).
 *
 * Alembic picks from Python sets in two places here; we fix the order
 * (SPEC section 5): a merge UPDATEs the row of its last listed parent in
 * Revises and DELETEs the other parents' rows (dependencies' rows too);
 * an unmerge on downgrade UPDATEs the merge's row to its last listed
 * parent and INSERTs the others.
 */
#include "plan.h"
#include "graph_internal.h"

#include <string.h>
#include <sys/types.h>

/* ------------------------------------------------------------ plan building */

static int plan_push(struct rt_plan *p, const struct rt_revision *rev, int upgrade, int stamp)
{
	struct rt_step *s;
	if (p->n_steps == p->cap_steps) {
		size_t cap = p->cap_steps ? p->cap_steps * 2 : 16;
		s = rt_realloc(p->steps, cap * sizeof(*s));
		if (!s)
			return -1;
		p->steps = s;
		p->cap_steps = cap;
	}
	s = &p->steps[p->n_steps++];
	memset(s, 0, sizeof(*s));
	s->rev = rev;
	s->upgrade = upgrade;
	s->stamp = stamp;
	return 0;
}

static int step_op(struct rt_step *s, enum rt_vop_kind kind, const char *from, const char *to)
{
	struct rt_vop *v = rt_realloc(s->ops, (s->n_ops + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->ops = v;
	v = &s->ops[s->n_ops];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	if ((from && !(v->from = rt_strdup(from))) || (to && !(v->to = rt_strdup(to)))) {
		rt_free(v->from);
		rt_free(v->to);
		return -1;
	}
	s->n_ops++;
	return 0;
}

void rt_plan_free(struct rt_plan *p)
{
	size_t i, j;
	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++) {
		for (j = 0; j < p->steps[i].n_ops; j++) {
			rt_free(p->steps[i].ops[j].from);
			rt_free(p->steps[i].ops[j].to);
		}
		rt_free(p->steps[i].ops);
		rt_free(p->steps[i].description);
		rt_free(p->steps[i].short_log);
	}
	rt_free(p->steps);
	rt_strvec_free(&p->final_heads);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ head maintainer */

/* The version table rows: an ordered set (order only matters for output). */
struct heads {
	struct rt_strvec v;
};

static ssize_t heads_find(const struct heads *h, const char *id)
{
	size_t i;
	for (i = 0; i < h->v.n; i++)
		if (strcmp(h->v.v[i], id) == 0)
			return (ssize_t)i;
	return -1;
}

static int hm_insert(struct heads *h, struct rt_step *s, const char *to, struct rt_err *err)
{
	if (heads_find(h, to) >= 0)
		return rt_err_set(err, RT_EXIT_DB, "Cannot INSERT version '%s': the version table "
		                  "already has that row", to);
	if (rt_strvec_push(&h->v, to) < 0 || step_op(s, RT_VOP_INSERT, NULL, to) < 0)
		return rt_err_oom(err);
	return 0;
}

static int hm_delete(struct heads *h, struct rt_step *s, const char *from, struct rt_err *err)
{
	ssize_t i = heads_find(h, from);
	if (i < 0)
		return rt_err_set(err, RT_EXIT_DB, "Online migration expected to match one row "
		                  "when deleting '%s' in the version table; 0 found", from);
	if (step_op(s, RT_VOP_DELETE, from, NULL) < 0)
		return rt_err_oom(err);
	rt_free(h->v.v[i]);
	memmove(&h->v.v[i], &h->v.v[i + 1], (h->v.n - (size_t)i - 1) * sizeof(char *));
	h->v.n--;
	return 0;
}

static int hm_update(struct heads *h, struct rt_step *s, const char *from, const char *to,
                     struct rt_err *err)
{
	ssize_t i = heads_find(h, from);
	char *dup;
	if (heads_find(h, to) >= 0)
		return rt_err_set(err, RT_EXIT_DB, "Cannot UPDATE version '%s' to '%s': the version "
		                  "table already has '%s'", from, to, to);
	if (i < 0)
		return rt_err_set(err, RT_EXIT_DB, "Online migration expected to match one row "
		                  "when updating '%s' to '%s' in the version table; 0 found",
		                  from, to);
	dup = rt_strdup(to);
	if (!dup || step_op(s, RT_VOP_UPDATE, from, to) < 0) {
		rt_free(dup);
		return rt_err_oom(err);
	}
	rt_free(h->v.v[i]);
	h->v.v[i] = dup;
	return 0;
}

/*
 * Keeps the candidates that are not ancestors (with dependencies) of a row
 * other than those in `skip` / `skip_self`: Alembic's
 * set(candidates).difference(ancestors of the other heads).
 */
static int not_below_others(struct grevs *out, const struct rt_graph *g, const struct heads *h,
                            const struct grevs *cand, const struct gadj *skip, size_t skip_self)
{
	size_t i, j;
	struct grevs others = { 0 };
	int error = -1;
	for (i = 0; i < h->v.n; i++) {
		const struct rt_revision *r = rt_graph_get(g, h->v.v[i]);
		int skipped = 0;
		if (!r)
			continue;
		if (skip)
			for (j = 0; j < skip->n; j++)
				skipped |= skip->v[j] == r->order;
		if (r->order == skip_self)
			skipped = 1;
		if (!skipped && grevs_push(&others, r->order) < 0)
			goto done;
	}
	for (i = 0; i < cand->n; i++) {
		int below;
		if (g_is_below(&below, g, cand->v[i], others.v, others.n) < 0)
			goto done;
		if (!below && grevs_push(out, cand->v[i]) < 0)
			goto done;
	}
	error = 0;
done:
	grevs_free(&others);
	return error;
}

/*
 * The parents a merge or unmerge chooses among, in the order that makes
 * the last one the row to keep: dependencies first, then Revises in listed
 * order (SPEC section 5: the last listed parent in Revises is kept).
 */
static int merge_order(struct grevs *out, const struct rt_graph *g, size_t rev)
{
	const struct gnode *nd = &g->nodes[rev];
	size_t i, j;
	for (i = 0; i < nd->ndeps.n; i++) {
		int in_down = 0;
		for (j = 0; j < nd->down.n; j++)
			in_down |= nd->down.v[j] == nd->ndeps.v[i];
		if (!in_down && grevs_push(out, nd->ndeps.v[i]) < 0)
			return -1;
	}
	for (i = 0; i < nd->down.n; i++)
		if (grevs_push(out, nd->down.v[i]) < 0)
			return -1;
	return 0;
}

/* RevisionStep._unmerge_to_revisions: ndown minus ancestors of other rows. */
static int unmerge_to(struct grevs *to, const struct rt_graph *g, const struct heads *h,
                      size_t rev)
{
	struct grevs order = { 0 };
	int error = -1;
	if (merge_order(&order, g, rev) == 0 &&
	    not_below_others(to, g, h, &order, NULL, rev) == 0)
		error = 0;
	grevs_free(&order);
	return error;
}

static int revision_step(const struct rt_graph *g, struct heads *h, struct rt_step *s,
                         struct rt_err *err)
{
	size_t rev = s->rev->order, i, inter = 0, last = 0;
	const struct gadj *nd = &g->nodes[rev].ndown;
	const char *id = s->rev->id;
	int in_heads = heads_find(h, id) >= 0;
	struct grevs to = { 0 };
	int error = -1;

	for (i = 0; i < nd->n; i++)
		if (heads_find(h, g->revs[nd->v[i]]->id) >= 0) {
			inter++;
			last = nd->v[i];
		}
	if (!s->upgrade && in_heads) {
		/* should_delete_branch */
		int del = nd->n == 0;
		if (!del) {
			if (unmerge_to(&to, g, h, rev) < 0)
				goto oom;
			del = to.n == 0;
		}
		if (del) {
			error = hm_delete(h, s, id, err);
			goto done;
		}
	}
	if (s->upgrade && (nd->n == 0 || inter == 0)) {
		error = hm_insert(h, s, id, err); /* should_create_branch */
		goto done;
	}
	if (s->upgrade && nd->n > 1 && inter > 1) {
		/* should_merge_branches: keep the last listed parent's row */
		struct grevs from = { 0 }, order = { 0 };
		if (merge_order(&order, g, rev) < 0 ||
		    not_below_others(&from, g, h, &order, nd, GREV_NONE) < 0) {
			grevs_free(&order);
			grevs_free(&from);
			goto oom;
		}
		grevs_free(&order);
		error = 0;
		for (i = 0; error == 0 && i + 1 < from.n; i++)
			error = hm_delete(h, s, g->revs[from.v[i]]->id, err);
		if (error == 0 && from.n)
			error = hm_update(h, s, g->revs[from.v[from.n - 1]]->id, id, err);
		if (!from.n)
			error = rt_err_set(err, RT_EXIT_DB, "Cannot merge into %s: none of its parents "
			                   "is a row of its own in the version table", id);
		grevs_free(&from);
		goto done;
	}
	if (!s->upgrade && in_heads && nd->n > 1) {
		/* should_unmerge_branches: update to the last, insert the others */
		if (!to.n && unmerge_to(&to, g, h, rev) < 0)
			goto oom;
		error = 0;
		for (i = 0; error == 0 && i + 1 < to.n; i++)
			error = hm_insert(h, s, g->revs[to.v[i]]->id, err);
		if (error == 0)
			error = hm_update(h, s, id, g->revs[to.v[to.n - 1]]->id, err);
		goto done;
	}
	/* update_version_num */
	{
		const char *down;
		if (nd->n != 1) {
			if (inter != 1) {
				error = rt_err_set(err, RT_EXIT_DB, "Can't do an UPDATE for %s because "
				                   "its down revision is ambiguous in the version table",
				                   id);
				goto done;
			}
			down = g->revs[last]->id;
		} else {
			down = g->revs[nd->v[0]]->id;
		}
		if (s->upgrade)
			error = hm_update(h, s, down, id, err);
		else
			error = hm_update(h, s, id, down, err);
	}
	goto done;
oom:
	error = rt_err_oom(err);
done:
	grevs_free(&to);
	return error;
}

/* Alembic's log line: "Running upgrade a -> b, message" */
static void join_ids(struct rt_buf *b, const char *const *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (i)
			rt_buf_put(b, ", ", 2);
		rt_buf_puts(b, v[i]);
	}
}

/* Alembic's "Running upgrade a -> b, message" and short_log "upgrade a -> b"
 * (built without printf: a plan of 100k steps makes 200k of these). */
static int describe(const struct rt_graph *g, struct rt_step *s, const char *const *from,
                    size_t n_from, const char *const *to, size_t n_to)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *doc = s->rev && s->rev->message ? s->rev->message : "";
	(void)g;
	rt_buf_puts(&b, s->stamp ? "Running stamp_revision " : s->upgrade ? "Running upgrade "
	                : "Running downgrade ");
	join_ids(&b, from, n_from);
	rt_buf_put(&b, " -> ", 4);
	join_ids(&b, to, n_to);
	/* short_log (offline comments) is the same text without "Running "
	 * and without the message */
	if (!b.oom && !(s->short_log = rt_strndup(b.ptr + 8, b.len - 8))) {
		rt_buf_free(&b);
		return -1;
	}
	if (!s->stamp && *doc) {
		rt_buf_put(&b, ", ", 2);
		rt_buf_puts(&b, doc);
	}
	s->description = rt_buf_detach(&b);
	rt_buf_free(&b);
	return s->description ? 0 : -1;
}

static int describe_revision(const struct rt_graph *g, struct rt_step *s)
{
	const char *const self[1] = { s->rev->id };
	const char *const *down = (const char *const *)s->rev->down.v;
	return s->upgrade ? describe(g, s, down, s->rev->down.n, self, 1)
	                  : describe(g, s, self, 1, down, s->rev->down.n);
}

static int init_heads(struct heads *h, const char *const *current, size_t n)
{
	size_t i;
	memset(h, 0, sizeof(*h));
	for (i = 0; i < n; i++)
		if (heads_find(h, current[i]) < 0 && rt_strvec_push(&h->v, current[i]) < 0)
			return -1;
	return 0;
}

static int run_revision_steps(struct rt_plan *out, const struct rt_graph *g,
                              const char *const *current, size_t n_current,
                              const struct grevs *revs, int reverse, int upgrade,
                              struct rt_err *err)
{
	struct heads h;
	size_t i;
	int error = -1;
	if (init_heads(&h, current, n_current) < 0)
		return rt_err_oom(err);
	for (i = 0; i < revs->n; i++) {
		size_t r = revs->v[reverse ? revs->n - 1 - i : i];
		struct rt_step *s;
		if (plan_push(out, g->revs[r], upgrade, 0) < 0)
			goto oom;
		s = &out->steps[out->n_steps - 1];
		if (describe_revision(g, s) < 0)
			goto oom;
		if (revision_step(g, &h, s, err) < 0)
			goto done;
	}
	out->final_heads = h.v;
	memset(&h, 0, sizeof(h));
	error = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_strvec_free(&h.v);
	return error;
}

int rt_plan_upgrade(struct rt_plan *out, const struct rt_graph *g,
                    const char *const *current, size_t n_current,
                    const char *target, struct rt_err *err)
{
	struct gspec upper = { NULL, 0, target, 1 }, lower = { current, n_current, NULL, 0 };
	struct giter_opts o = { 1, 0, 1, 0 };
	struct gcatch c = { "Destination {end} is not a valid upgrade target from current head(s)",
	                    NULL, NULL, target, NULL };
	struct grevs revs = { 0 };
	struct gerr e = { 0 };
	int error;

	memset(out, 0, sizeof(*out));
	if (g_iterate_revisions(&revs, g, &upper, &lower, &o, &e) < 0) {
		error = gerr_to_rt(err, &e, &c);
		goto done;
	}
	error = run_revision_steps(out, g, current, n_current, &revs, 1, 1, err);
done:
	if (error < 0)
		rt_plan_free(out);
	grevs_free(&revs);
	gerr_free(&e);
	return error;
}

int rt_plan_downgrade(struct rt_plan *out, const struct rt_graph *g,
                      const char *const *current, size_t n_current,
                      const char *target, struct rt_err *err)
{
	struct gspec upper = { current, n_current, NULL, 0 }, lower = { NULL, 0, target, 1 };
	struct giter_opts o = { 0, 0, 1, 1 };
	struct gcatch c = { "Destination {end} is not a valid downgrade target from current "
	                    "head(s)", NULL, NULL, target, NULL };
	struct grevs revs = { 0 };
	struct gerr e = { 0 };
	int error;

	memset(out, 0, sizeof(*out));
	if (g_iterate_revisions(&revs, g, &upper, &lower, &o, &e) < 0) {
		error = gerr_to_rt(err, &e, &c);
		goto done;
	}
	error = run_revision_steps(out, g, current, n_current, &revs, 0, 0, err);
done:
	if (error < 0)
		rt_plan_free(out);
	grevs_free(&revs);
	gerr_free(&e);
	return error;
}

/* ------------------------------------------------------------ stamp */

struct sstep {
	struct rt_strvec from, to;
	int upgrade, branch_move;
};

static int stamp_apply(struct heads *h, struct rt_step *s, const struct sstep *st,
                       struct rt_err *err)
{
	size_t i;
	int error = 0;
	if (!st->upgrade && st->branch_move) {
		/* should_delete_branch */
		return hm_delete(h, s, st->from.v[0], err);
	}
	if (st->upgrade && st->to.n) {
		int from_missing = 0, to_missing = 0;
		for (i = 0; i < st->from.n; i++)
			from_missing |= heads_find(h, st->from.v[i]) < 0;
		for (i = 0; i < st->to.n; i++)
			to_missing |= heads_find(h, st->to.v[i]) < 0;
		if ((st->branch_move || from_missing) && to_missing)
			return hm_insert(h, s, st->to.v[0], err);
	}
	if (st->from.n > 1) {
		for (i = 0; error == 0 && i + 1 < st->from.n; i++)
			error = hm_delete(h, s, st->from.v[i], err);
		if (error == 0)
			error = hm_update(h, s, st->from.v[st->from.n - 1], st->to.v[0], err);
		return error;
	}
	if (st->from.n != 1 || st->to.n != 1)
		return rt_err_set(err, RT_EXIT_DB, "Can't stamp: no single version row to update");
	return hm_update(h, s, st->from.v[0], st->to.v[0], err);
}

int rt_plan_stamp(struct rt_plan *out, const struct rt_graph *g,
                  const char *const *current, size_t n_current,
                  const char *const *targets, size_t n_targets, int purge,
                  struct rt_err *err)
{
	struct gcatch c = { NULL, "Multiple heads are present; please specify a single target "
	                    "revision", NULL, NULL, NULL };
	struct grevs heads_revs = { 0 }, filtered = { 0 }, dests = { 0 }, tmp = { 0 };
	struct gset desc = { 0 }, anc = { 0 };
	struct gerr e = { 0 };
	struct heads h;
	static const char *const base_only[] = { "base" };
	size_t i, j, k;
	int error = -1;

	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	if (purge)
		n_current = 0;
	if (!n_targets) {
		targets = base_only;
		n_targets = 1;
	}
	for (i = 0; i < n_current; i++)
		if (g_get_revisions(&heads_revs, g, current[i], &e) < 0)
			goto gerr;
	for (i = 0; i < n_targets; i++) {
		if (!targets[i] || !*targets[i])
			continue;
		tmp.n = 0;
		for (j = 0; j < heads_revs.n; j++)
			if (heads_revs.v[j] < g->n && grevs_push(&tmp, heads_revs.v[j]) < 0)
				goto oom;
		if (g_filter_for_lineage(&tmp, g, targets[i], 1, &e) < 0)
			goto gerr;
		for (j = 0; j < tmp.n; j++) {
			int dup = 0;
			for (k = 0; k < filtered.n; k++)
				dup |= filtered.v[k] == tmp.v[j];
			if (!dup && grevs_push(&filtered, tmp.v[j]) < 0)
				goto oom;
		}
	}
	for (i = 0; i < n_targets; i++)
		if (g_get_revisions(&dests, g, targets[i], &e) < 0)
			goto gerr;
	if (!dests.n && grevs_push(&dests, GREV_NONE) < 0)
		goto oom;
	if (init_heads(&h, current, n_current) < 0 || gset_init(&desc, g) < 0 ||
	    gset_init(&anc, g) < 0)
		goto oom;

	for (i = 0; i < dests.n; i++) {
		size_t d = dests.v[i];
		struct sstep st;
		int in_filtered = 0, below = 0, above = 0, m;
		memset(&st, 0, sizeof(st));
		if (d == GREV_BASE) {
			/* a relative target walked down past a base (Alembic asserts) */
			rt_err_set(err, RT_EXIT_USAGE, "Can't stamp: a relative revision among '%s' "
			           "walks down to the base; stamp 'base' instead", targets[0]);
			goto done;
		}
		if (d == GREV_NONE) {
			for (j = 0; j < filtered.n; j++) {
				struct rt_step *s;
				memset(&st, 0, sizeof(st));
				if (rt_strvec_push(&st.from, g->revs[filtered.v[j]]->id) < 0 ||
				    plan_push(out, NULL, 0, 1) < 0)
					goto sstep_oom;
				st.upgrade = 0;
				st.branch_move = 1;
				s = &out->steps[out->n_steps - 1];
				if (describe(g, s, (const char *const *)st.from.v, st.from.n,
				             (const char *const *)st.to.v, st.to.n) < 0)
					goto sstep_oom;
				if (stamp_apply(&h, s, &st, err) < 0) {
					rt_strvec_free(&st.from);
					goto done;
				}
				rt_strvec_free(&st.from);
			}
			continue;
		}
		for (j = 0; j < filtered.n; j++)
			in_filtered |= filtered.v[j] == d;
		if (in_filtered)
			continue;
		gset_clear(&desc);
		gset_clear(&anc);
		if (g_closure(&desc, g, &d, 1, GE_ALLNEXT) < 0 ||
		    g_closure(&anc, g, &d, 1, GE_NDOWN) < 0)
			goto oom;
		for (j = 0; j < filtered.n; j++) {
			below |= desc.in[filtered.v[j]];
			above |= anc.in[filtered.v[j]];
		}
		if (below && above) {
			/* Alembic asserts here: the rows straddle the target */
			rt_err_set(err, RT_EXIT_USAGE, "Can't stamp %s: the version table has rows both "
			           "above and below it on its branch; stamp with --purge to replace "
			           "the rows", g->revs[d]->id);
			goto done;
		}
		if (below || above) {
			/* a downgrade or an upgrade of all the selected rows: one "merge" */
			for (j = 0; j < filtered.n; j++)
				if (rt_strvec_push(&st.from, g->revs[filtered.v[j]]->id) < 0)
					goto sstep_oom;
			st.upgrade = !below;
			st.branch_move = 0;
		} else {
			st.upgrade = 1;
			st.branch_move = 1; /* a branch not represented: a new row */
		}
		if (rt_strvec_push(&st.to, g->revs[d]->id) < 0 || plan_push(out, NULL, st.upgrade, 1) < 0)
			goto sstep_oom;
		if (describe(g, &out->steps[out->n_steps - 1], (const char *const *)st.from.v,
		             st.from.n, (const char *const *)st.to.v, st.to.n) < 0)
			goto sstep_oom;
		m = stamp_apply(&h, &out->steps[out->n_steps - 1], &st, err);
		rt_strvec_free(&st.from);
		rt_strvec_free(&st.to);
		if (m < 0)
			goto done;
		continue;
sstep_oom:
		rt_strvec_free(&st.from);
		rt_strvec_free(&st.to);
		goto oom;
	}
	out->final_heads = h.v;
	memset(&h, 0, sizeof(h));
	error = 0;
	goto done;
gerr:
	gerr_to_rt(err, &e, &c);
	goto done;
oom:
	rt_err_oom(err);
done:
	if (error < 0)
		rt_plan_free(out);
	rt_strvec_free(&h.v);
	grevs_free(&heads_revs);
	grevs_free(&filtered);
	grevs_free(&dests);
	grevs_free(&tmp);
	gset_free(&desc);
	gset_free(&anc);
	gerr_free(&e);
	return error;
}
