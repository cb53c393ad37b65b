/* SPDX-License-Identifier: MIT */
/*
 * core/graph_sort.c - RevisionMap._topological_sort (the order in which
 * upgrades, downgrades and history visit revisions) and the bounded
 * ancestry test plan.c uses for merges.
 *
 * The sort yields exactly Alembic's order but not with Alembic's
 * algorithm, which keeps a full ancestor set per pending head and
 * recomputes it at every merge point (quadratic on big graphs).  Alembic's
 * sort repeatedly takes the "candidate" head and emits it unless it is an
 * ancestor of another pending head, in which case it switches to the
 * first such head in list order.  We keep, per revision, the number of
 * not-yet-emitted children inside the region being sorted; a candidate
 * with none is never blocked (O(1), the common case), and only a blocked
 * candidate costs a walk up through its unemitted descendants to find the
 * first pending head above it.  Emitted revisions never have pending heads
 * above them, which bounds that walk by the part still to be emitted.
 */
#include "graph_internal.h"

#include <string.h>

/* ------------------------------------------------------------ topological sort */

struct sorter {
	const struct rt_graph *g;
	unsigned char *in_r, *emitted, *in_todo, *in_h;
	size_t *cnt;          /* unemitted children (reverse normalized edges) in R */
	size_t *lprev, *lnext;/* list of current heads, by revision index */
	size_t *rank;
	size_t first, last, next_rank;
	size_t *stack;
	size_t stack_cap;
	unsigned *mark;
	unsigned stamp;
};

#define NIL ((size_t)-1)

static void list_append(struct sorter *s, size_t v)
{
	s->in_h[v] = 1;
	s->rank[v] = s->next_rank++;
	s->lprev[v] = s->last;
	s->lnext[v] = NIL;
	if (s->last != NIL)
		s->lnext[s->last] = v;
	else
		s->first = v;
	s->last = v;
}

static void list_remove(struct sorter *s, size_t v)
{
	if (s->lprev[v] != NIL)
		s->lnext[s->lprev[v]] = s->lnext[v];
	else
		s->first = s->lnext[v];
	if (s->lnext[v] != NIL)
		s->lprev[s->lnext[v]] = s->lprev[v];
	else
		s->last = s->lprev[v];
	s->in_h[v] = 0;
}

static void list_replace(struct sorter *s, size_t old, size_t v)
{
	s->lprev[v] = s->lprev[old];
	s->lnext[v] = s->lnext[old];
	s->rank[v] = s->rank[old];
	if (s->lprev[v] != NIL)
		s->lnext[s->lprev[v]] = v;
	else
		s->first = v;
	if (s->lnext[v] != NIL)
		s->lprev[s->lnext[v]] = v;
	else
		s->last = v;
	s->in_h[old] = 0;
	s->in_h[v] = 1;
}

/* First pending head (in list order) strictly above c, or NIL. */
static int blocking_head(size_t *out, struct sorter *s, size_t c)
{
	const struct rt_graph *g = s->g;
	size_t sp = 0, best = NIL, j;
	*out = NIL;
	if (!s->cnt[c])
		return 0;
	if (++s->stamp == 0) {
		memset(s->mark, 0, g->n * sizeof(*s->mark));
		s->stamp = 1;
	}
	s->mark[c] = s->stamp;
	s->stack[sp++] = c;
	while (sp) {
		size_t a = s->stack[--sp];
		const struct gadj *ch = &g->nodes[a].nnext;
		if (a != c && s->in_h[a] && (best == NIL || s->rank[a] < s->rank[best]))
			best = a;
		for (j = 0; j < ch->n; j++) {
			size_t x = ch->v[j];
			if (!s->in_r[x] || s->emitted[x] || s->mark[x] == s->stamp)
				continue;
			s->mark[x] = s->stamp;
			s->stack[sp++] = x; /* each revision pushed once: stack of size n */
		}
	}
	*out = best;
	return 0;
}

/*
 * _topological_sort(revisions, heads): `todo` is the set to order, `heads`
 * the starting heads (any order; sorted by load order as Alembic does).
 */
int g_topo_sort(struct grevs *out, const struct rt_graph *g, const struct gset *todo,
                     const size_t *heads, size_t n_heads, struct gerr *err)
{
	struct sorter s;
	struct gset r = { 0 };
	size_t *h0 = NULL, nh0 = 0, i, j, remaining;
	int error = -1;

	memset(&s, 0, sizeof(s));
	s.g = g;
	s.first = s.last = NIL;
	if (!todo->n)
		return 0;
	s.in_r = rt_calloc(g->n, 1);
	s.emitted = rt_calloc(g->n, 1);
	s.in_todo = rt_calloc(g->n, 1);
	s.in_h = rt_calloc(g->n, 1);
	s.cnt = rt_calloc(g->n, sizeof(size_t));
	s.lprev = rt_malloc(g->n * sizeof(size_t));
	s.lnext = rt_malloc(g->n * sizeof(size_t));
	s.rank = rt_malloc(g->n * sizeof(size_t));
	s.stack = rt_malloc(g->n * sizeof(size_t));
	s.mark = rt_calloc(g->n, sizeof(unsigned));
	h0 = rt_malloc((n_heads ? n_heads : 1) * sizeof(size_t));
	if (!s.in_r || !s.emitted || !s.in_todo || !s.in_h || !s.cnt || !s.lprev || !s.lnext ||
	    !s.rank || !s.stack || !s.mark || !h0 || gset_init(&r, g) < 0)
		goto oom;
	for (i = 0; i < todo->n; i++)
		s.in_todo[todo->v[i]] = 1;
	remaining = todo->n;
	/* current_heads: heads in todo, unique, in load order */
	for (i = 0; i < n_heads; i++)
		if (heads[i] < g->n && s.in_todo[heads[i]] && !s.in_h[heads[i]]) {
			s.in_h[heads[i]] = 1;
			h0[nh0++] = heads[i];
		}
	for (i = 0; i < nh0; i++)
		s.in_h[h0[i]] = 0;
	{
		/* counting sort by index is overkill; heads are few */
		size_t a, b;
		for (a = 1; a < nh0; a++)
			for (b = a; b > 0 && h0[b - 1] > h0[b]; b--) {
				size_t t = h0[b];
				h0[b] = h0[b - 1];
				h0[b - 1] = t;
			}
	}
	for (i = 0; i < nh0; i++)
		list_append(&s, h0[i]);
	for (;;) {
		/* R: everything the heads' ancestor sets can ever contain; cnt:
		 * unemitted children inside R */
		size_t cur = s.first, hv;
		memset(s.in_r, 0, g->n);
		memset(s.cnt, 0, g->n * sizeof(size_t));
		gset_clear(&r);
		for (hv = s.first; hv != NIL; hv = s.lnext[hv])
			if (g_closure(&r, g, &hv, 1, GE_NDOWN) < 0)
				goto oom;
		for (i = 0; i < r.n; i++)
			s.in_r[r.v[i]] = 1;
		for (i = 0; i < r.n; i++) {
			const struct gadj *d = &g->nodes[r.v[i]].ndown;
			if (s.emitted[r.v[i]])
				continue;
			for (j = 0; j < d->n; j++)
				s.cnt[d->v[j]]++; /* parents of an R member are in R */
		}
		while (s.first != NIL) {
			size_t c = cur, blk, add0 = NIL;
			const struct gadj *d;
			if (blocking_head(&blk, &s, c) < 0)
				goto oom;
			if (blk != NIL) {
				cur = blk;
				continue;
			}
			if (s.in_todo[c] && !s.emitted[c]) {
				if (grevs_push(out, c) < 0)
					goto oom;
				s.emitted[c] = 1;
				remaining--;
			}
			d = &g->nodes[c].ndown;
			for (j = 0; j < d->n; j++)
				if (s.in_r[d->v[j]] && s.cnt[d->v[j]])
					s.cnt[d->v[j]]--;
			for (j = 0; j < d->n; j++) {
				size_t p = d->v[j];
				if (!s.in_todo[p] || s.emitted[p] || s.in_h[p])
					continue;
				if (add0 == NIL) {
					add0 = p;
					list_replace(&s, c, p);
				} else {
					list_append(&s, p);
				}
			}
			if (add0 == NIL) {
				size_t prev = s.lprev[c];
				list_remove(&s, c);
				cur = prev != NIL ? prev : s.first;
			} else {
				cur = add0;
			}
		}
		if (!remaining)
			break;
		/*
		 * Revisions left over: none of the starting heads leads to them
		 * (e.g. `history -r X:` where X's branch only reaches a head through
		 * a dependency).  Alembic fails an assertion here; we carry on from
		 * the left-over revisions that have nothing left over above them.
		 */
		for (i = 0; i < todo->n; i++) {
			size_t v = todo->v[i], k;
			int top = !s.emitted[v];
			const struct gadj *ch = &g->nodes[v].nnext;
			for (k = 0; top && k < ch->n; k++)
				if (s.in_todo[ch->v[k]] && !s.emitted[ch->v[k]])
					top = 0;
			s.mark[v] = 0;
			if (top)
				s.mark[v] = 1;
		}
		s.stamp = 1;
		for (i = 0, j = 0; i < g->n; i++)
			if (s.in_todo[i] && !s.emitted[i] && s.mark[i] == 1) {
				list_append(&s, i);
				j++;
			}
		memset(s.mark, 0, g->n * sizeof(*s.mark));
		s.stamp = 0;
		if (!j) {
			gerr_set(err, GERR_REVISION, NULL, "internal error: %zu revision(s) could not "
			         "be ordered", remaining);
			goto done;
		}
	}
	error = 0;
	goto done;
oom:
	gerr_oom(err);
done:
	rt_free(s.in_r);
	rt_free(s.emitted);
	rt_free(s.in_todo);
	rt_free(s.in_h);
	rt_free(s.cnt);
	rt_free(s.lprev);
	rt_free(s.lnext);
	rt_free(s.rank);
	rt_free(s.stack);
	rt_free(s.mark);
	rt_free(h0);
	gset_free(&r);
	return error;
}

/* ------------------------------------------------------------ ancestry */

int g_is_below(int *out, const struct rt_graph *g, size_t p, const size_t *from, size_t n)
{
	size_t *stack, sp = 0, cap, i, j;
	struct rt_map seen = RT_MAP_INIT; /* sized by the walk, not by the graph */
	int error = -1;
	*out = 0;
	if (!n)
		return 0;
	cap = n + 16;
	stack = rt_malloc(cap * sizeof(*stack));
	if (!stack)
		return -1;
	for (i = 0; i < n; i++) {
		if (from[i] == p)
			*out = 1; /* Alembic's ancestor sets include the heads themselves */
		else if (g->depth[from[i]] > g->depth[p])
			stack[sp++] = from[i];
	}
	while (sp && !*out) {
		size_t v = stack[--sp];
		const struct gadj *d = &g->nodes[v].ndown;
		for (j = 0; j < d->n; j++) {
			size_t a = d->v[j];
			if (a == p) {
				*out = 1;
				break;
			}
			if (g->depth[a] <= g->depth[p] || rt_map_has(&seen, g->revs[a]->id))
				continue;
			if (rt_map_put(&seen, g->revs[a]->id, NULL) < 0)
				goto done;
			if (sp == cap) {
				size_t *s2 = rt_realloc(stack, (cap *= 2) * sizeof(*s2));
				if (!s2)
					goto done;
				stack = s2;
			}
			stack[sp++] = a;
		}
	}
	error = 0;
done:
	rt_free(stack);
	rt_map_free(&seen);
	return error;
}
