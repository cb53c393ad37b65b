/*
 * core/graph.c - building and validating the revision graph: the part of
 * Alembic's RevisionMap._revision_map that indexes revisions, resolves
 * dependencies, finds heads and bases, detects cycles and spreads branch
 * labels (alembic/script/revision.py).  See graph.h for the contract and
 * graph_internal.h for the data layout.
 *
 * Alembic takes revisions in directory-listing order; we sort them by id
 * first (SPEC section 5), so every order below ("Alembic's order") is the
 * order Alembic would produce on a sorted listing.  Everything here is
 * linear in the size of the graph, except label inheritance (linear per
 * labelled revision) and dependency normalisation (linear per dependency
 * whose target several revisions depend on).
 */
#include "config.h"
#include "graph_internal.h"

#include <stdlib.h>
#include <string.h>

void rt_revision_free(struct rt_revision *rev, void (*payload_free)(void *))
{
	if (!rev)
		return;
	rt_free(rev->id);
	rt_strvec_free(&rev->down);
	rt_strvec_free(&rev->branch_labels);
	rt_strvec_free(&rev->depends_on);
	rt_free(rev->message);
	rt_free(rev->create_date);
	rt_free(rev->path);
	if (rev->payload && payload_free)
		payload_free(rev->payload);
	rt_strvec_free(&rev->all_labels);
	rt_strvec_free(&rev->resolved_deps);
	rt_strvec_free(&rev->nextrev);
	rt_strvec_free(&rev->dependents);
	rt_free(rev);
}

int rt_graph_new(struct rt_graph **out, void (*payload_free)(void *))
{
	struct rt_graph *g;
	*out = NULL;
	g = rt_calloc(1, sizeof(*g));
	if (!g)
		return -1;
	g->payload_free = payload_free;
	*out = g;
	return 0;
}

static void free_nodes(struct rt_graph *g)
{
	size_t i;
	if (!g->nodes)
		return;
	for (i = 0; i < g->n; i++) {
		rt_free(g->nodes[i].down.v);
		rt_free(g->nodes[i].deps.v);
		rt_free(g->nodes[i].ndeps.v);
		rt_free(g->nodes[i].alldown.v);
		rt_free(g->nodes[i].ndown.v);
	}
	rt_free(g->nodes);
	g->nodes = NULL;
}

void rt_graph_free(struct rt_graph *g)
{
	size_t i;
	if (!g)
		return;
	free_nodes(g);
	for (i = 0; i < g->n; i++)
		rt_revision_free(g->revs[i], g->payload_free);
	rt_free(g->revs);
	rt_map_free(&g->ids);
	rt_map_free(&g->labels);
	rt_free(g->label_keys);
	rt_strvec_free(&g->heads);
	rt_strvec_free(&g->real_heads);
	rt_strvec_free(&g->bases);
	rt_strvec_free(&g->real_bases);
	rt_free(g->pool);
	rt_free(g->depth);
	rt_free(g->mark);
	rt_free(g);
}

static const char *path_of(const struct rt_revision *r)
{
	return r->path ? r->path : "<no file>";
}

/* Revision.verify_rev_id plus the checks Revision.__init__ makes. */
static int check_revision(const struct rt_revision *rev, struct rt_err *err)
{
	char found[8];
	size_t nf = 0, i;
	struct rt_buf b = RT_BUF_INIT;
	int r;

	if (!rev->id || !*rev->id)
		return rt_err_set(err, RT_EXIT_USAGE, "%s: missing 'Revision ID'; add a "
		                  "'-- Revision ID: <id>' header line", path_of(rev));
	/* Python's sorted() of the illegal characters: '+' < '-' < '@' */
	for (i = 0; i < 3; i++) {
		char c = "+-@"[i];
		if (strchr(rev->id, c))
			found[nf++] = c;
	}
	if (nf) {
		for (i = 0; i < nf; i++)
			rt_buf_printf(&b, "%s%c", i ? ", " : "", found[i]);
		r = rt_err_set(err, RT_EXIT_USAGE, "Character(s) '%s' not allowed in revision "
		               "identifier '%s' (%s)", b.ptr ? b.ptr : "", rev->id, path_of(rev));
		rt_buf_free(&b);
		return r;
	}
	if (rt_strvec_contains(&rev->down, rev->id))
		return rt_err_set(err, RT_EXIT_USAGE, "Self-loop is detected in revisions (%s) (%s)",
		                  rev->id, path_of(rev));
	if (rt_strvec_contains(&rev->depends_on, rev->id))
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "Dependency self-loop is detected in revisions (%s) (%s)",
		                  rev->id, path_of(rev));
	return 0;
}

int rt_graph_add(struct rt_graph *g, struct rt_revision *rev, struct rt_err *err)
{
	struct rt_revision *prev;
	if (g->finished) {
		rt_revision_free(rev, g->payload_free);
		return rt_err_set(err, RT_EXIT_USAGE, "internal error: revision added after "
		                  "the graph was finished");
	}
	if (check_revision(rev, err) < 0)
		goto fail;
	prev = rt_map_get(&g->ids, rev->id);
	if (prev) {
		rt_err_set(err, RT_EXIT_USAGE, "Revision %s is present more than once: %s and %s; "
		           "give one of them a new 'Revision ID'", rev->id, path_of(prev),
		           path_of(rev));
		goto fail;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct rt_revision **v = rt_realloc(g->revs, cap * sizeof(*v));
		if (!v)
			goto oom;
		g->revs = v;
		g->cap = cap;
	}
	if (rt_map_put(&g->ids, rev->id, rev) < 0)
		goto oom;
	g->revs[g->n++] = rev;
	return 0;
oom:
	rt_err_oom(err);
fail:
	rt_revision_free(rev, g->payload_free);
	return -1;
}

/*
 * Sorting by id: each key carries the id's first 8 bytes as a big-endian
 * number, so most comparisons never touch the (scattered) strings; on big
 * graphs that is most of the cost of loading.
 */
struct sort_key {
	unsigned long long prefix;
	struct rt_revision *rev;
};

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return strcmp(x->rev->id, y->rev->id);
}

static int sort_by_id(struct rt_graph *g)
{
	struct sort_key *k;
	size_t i, j;
	if (g->n < 2)
		return 0;
	k = rt_malloc(g->n * sizeof(*k));
	if (!k)
		return -1;
	for (i = 0; i < g->n; i++) {
		const unsigned char *id = (const unsigned char *)g->revs[i]->id;
		k[i].prefix = 0;
		for (j = 0; j < 8; j++) {
			k[i].prefix = (k[i].prefix << 8) | *id;
			if (*id)
				id++;
		}
		k[i].rev = g->revs[i];
	}
	qsort(k, g->n, sizeof(*k), cmp_key);
	for (i = 0; i < g->n; i++)
		g->revs[i] = k[i].rev;
	rt_free(k);
	return 0;
}

size_t g_index(const struct rt_graph *g, const struct rt_revision *rev)
{
	(void)g;
	return rev->order;
}

static int adj_push(struct gadj *a, size_t x)
{
	size_t i, *v;
	for (i = 0; i < a->n; i++)
		if (a->v[i] == x)
			return 0; /* dedupe_tuple */
	v = rt_realloc(a->v, (a->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	a->v = v;
	a->v[a->n++] = x;
	return 0;
}

/* Looks up an id or declared label (Alembic's map_ holds both). */
static struct rt_revision *map_lookup(const struct rt_graph *g, const char *key)
{
	struct rt_revision *r = rt_map_get(&g->ids, key);
	return r ? r : rt_map_get(&g->labels, key);
}

/*
 * Depends On entries: an id or a branch label as Alembic's map_[dep]; we
 * also accept an unambiguous partial id (what `revision --depends-on`
 * would have written in full).
 */
static int resolve_dep(size_t *out, struct rt_graph *g, const struct rt_revision *rev,
                       const char *dep, struct rt_err *err)
{
	struct rt_revision *r = map_lookup(g, dep);
	size_t i, found = GREV_NONE, nfound = 0;
	if (r) {
		*out = r->order;
		return 0;
	}
	if (strlen(dep) >= 4) {
		for (i = 0; i < g->n; i++) {
			if (rt_startswith(g->revs[i]->id, dep)) {
				if (!nfound++)
					found = i;
			}
		}
	}
	if (nfound == 1) {
		*out = found;
		return 0;
	}
	if (nfound > 1)
		return rt_err_set(err, RT_EXIT_USAGE, "Depends On '%s' of revision %s (%s) is "
		                  "ambiguous: several revisions start with it; write the full id",
		                  dep, rev->id, path_of(rev));
	return rt_err_set(err, RT_EXIT_USAGE, "Revision %s referenced as a dependency from %s (%s) "
	                  "is not present; fix its 'Depends On' line", dep, rev->id, path_of(rev));
}

static int build_reverse(struct rt_graph *g, size_t **poolp)
{
	/* next, allnext, nnext share one pool: counts first, then fill. */
	size_t i, j, total = 0, *pool, *cur;
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		total += nd->down.n + nd->alldown.n + nd->ndown.n;
	}
	pool = rt_calloc(total ? total : 1, sizeof(*pool));
	if (!pool)
		return -1;
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		for (j = 0; j < nd->down.n; j++)
			g->nodes[nd->down.v[j]].next.n++;
		for (j = 0; j < nd->alldown.n; j++)
			g->nodes[nd->alldown.v[j]].allnext.n++;
		for (j = 0; j < nd->ndown.n; j++)
			g->nodes[nd->ndown.v[j]].nnext.n++;
	}
	cur = pool;
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		nd->next.v = cur, cur += nd->next.n, nd->next.n = 0;
		nd->allnext.v = cur, cur += nd->allnext.n, nd->allnext.n = 0;
		nd->nnext.v = cur, cur += nd->nnext.n, nd->nnext.n = 0;
	}
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		for (j = 0; j < nd->down.n; j++) {
			struct gnode *p = &g->nodes[nd->down.v[j]];
			p->next.v[p->next.n++] = i;
		}
		for (j = 0; j < nd->alldown.n; j++) {
			struct gnode *p = &g->nodes[nd->alldown.v[j]];
			p->allnext.v[p->allnext.n++] = i;
		}
		for (j = 0; j < nd->ndown.n; j++) {
			struct gnode *p = &g->nodes[nd->ndown.v[j]];
			p->nnext.v[p->nnext.n++] = i;
		}
	}
	*poolp = pool;
	return 0;
}

/*
 * The stack in normalize_deps can hold duplicates pushed before they are
 * marked; bound it by the number of edges instead of n.
 */
static size_t edge_count(const struct rt_graph *g)
{
	size_t i, e = 0;
	for (i = 0; i < g->n; i++)
		e += g->nodes[i].alldown.n;
	return e;
}

/*
 * _normalize_depends_on: a dependency D of R is dropped when a strict
 * ancestor of R (along Revises only) also depends on D.  Only revisions
 * that depend on D can declare it, so we search R's ancestors for one of
 * those, and only when D has more than one dependent.
 */
static int normalize_deps(struct rt_graph *g)
{
	size_t i, j, k;
	size_t *stack = NULL, sp, *ndependents = NULL;
	unsigned char *dependent = NULL;
	int error = -1;

	ndependents = rt_calloc(g->n, sizeof(*ndependents));
	if (!ndependents)
		goto done;
	for (i = 0; i < g->n; i++)
		for (j = 0; j < g->nodes[i].deps.n; j++)
			ndependents[g->nodes[i].deps.v[j]]++;
	stack = rt_malloc((g->n + edge_count(g) + 1) * sizeof(*stack));
	dependent = rt_calloc(g->n, 1);
	if (!stack || !dependent)
		goto done;
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		for (j = 0; j < nd->deps.n; j++) {
			size_t d = nd->deps.v[j];
			int drop = 0;
			if (ndependents[d] > 1) {
				/* mark dependents of d, DFS over i's strict ancestors */
				size_t x;
				for (x = 0; x < g->nodes[d].allnext.n; x++) {
					size_t c = g->nodes[d].allnext.v[x];
					size_t y;
					for (y = 0; y < g->nodes[c].deps.n; y++)
						if (g->nodes[c].deps.v[y] == d)
							dependent[c] = 1;
				}
				g->stamp++;
				sp = 0;
				for (k = 0; k < nd->down.n; k++)
					stack[sp++] = nd->down.v[k];
				while (sp && !drop) {
					size_t a = stack[--sp];
					if (g->mark[a] == g->stamp)
						continue;
					g->mark[a] = g->stamp;
					if (dependent[a] && a != i) {
						drop = 1;
						break;
					}
					for (k = 0; k < g->nodes[a].down.n; k++)
						if (g->mark[g->nodes[a].down.v[k]] != g->stamp)
							stack[sp++] = g->nodes[a].down.v[k];
				}
				for (x = 0; x < g->nodes[d].allnext.n; x++)
					dependent[g->nodes[d].allnext.v[x]] = 0;
			}
			if (!drop && adj_push(&nd->ndeps, d) < 0)
				goto done;
		}
		for (j = 0; j < nd->down.n; j++)
			if (adj_push(&nd->ndown, nd->down.v[j]) < 0)
				goto done;
		for (j = 0; j < nd->ndeps.n; j++)
			if (adj_push(&nd->ndown, nd->ndeps.v[j]) < 0)
				goto done;
	}
	error = 0;
done:
	rt_free(stack);
	rt_free(dependent);
	rt_free(ndependents);
	return error;
}

/* 1 if Revises + Depends On edges form a DAG, 0 if not, -1 on OOM. */
static int all_edges_acyclic(const struct rt_graph *g)
{
	size_t *pending, *queue, qh = 0, qt = 0, i, j;
	int r = -1;
	pending = rt_malloc((g->n ? g->n : 1) * sizeof(size_t));
	queue = rt_malloc((g->n ? g->n : 1) * sizeof(size_t));
	if (pending && queue) {
		for (i = 0; i < g->n; i++)
			if (!(pending[i] = g->nodes[i].alldown.n))
				queue[qt++] = i;
		while (qh < qt) {
			const struct gadj *ch = &g->nodes[queue[qh++]].allnext;
			for (j = 0; j < ch->n; j++)
				if (--pending[ch->v[j]] == 0)
					queue[qt++] = ch->v[j];
		}
		r = qt == g->n;
	}
	rt_free(pending);
	rt_free(queue);
	return r;
}

/* _detect_cycles: revisions outside anc(heads) & desc(bases) are in a cycle. */
static int detect_cycles(struct rt_graph *g, int with_deps, struct rt_err *err)
{
	struct gset up = { 0 }, down = { 0 };
	size_t *starts = NULL, ns = 0, i;
	const char *kind = with_deps ? "Dependency cycle" : "Cycle";
	struct rt_buf b = RT_BUF_INIT;
	int error = -1;

	if (!g->n)
		return 0;
	if (gset_init(&up, g) < 0 || gset_init(&down, g) < 0)
		goto oom;
	starts = rt_malloc(g->n * sizeof(*starts));
	if (!starts)
		goto oom;
	for (i = 0; i < g->n; i++) {
		int head = with_deps ? g->nodes[i].allnext.n == 0 : g->nodes[i].next.n == 0;
		if (head)
			starts[ns++] = i;
	}
	if (ns && g_closure(&up, g, starts, ns, with_deps ? GE_NDOWN : GE_DOWN) < 0)
		goto oom;
	/* Alembic walks _all_down_revisions here, not the normalized ones. */
	if (with_deps && ns) {
		size_t k, j;
		gset_clear(&up);
		{
			size_t *stack = rt_malloc((edge_count(g) + g->n) * sizeof(*stack)), sp = 0;
			if (!stack)
				goto oom;
			for (k = 0; k < ns; k++)
				stack[sp++] = starts[k];
			while (sp) {
				size_t a = stack[--sp];
				if (up.in[a])
					continue;
				if (gset_add(&up, a) < 0) {
					rt_free(stack);
					goto oom;
				}
				for (j = 0; j < g->nodes[a].alldown.n; j++)
					if (!up.in[g->nodes[a].alldown.v[j]])
						stack[sp++] = g->nodes[a].alldown.v[j];
			}
			rt_free(stack);
		}
	}
	ns = 0;
	for (i = 0; i < g->n; i++) {
		int base = g->nodes[i].down.n == 0 &&
		           (!with_deps || g->revs[i]->depends_on.n == 0);
		if (base)
			starts[ns++] = i;
	}
	if (ns && g_closure(&down, g, starts, ns, with_deps ? GE_ALLNEXT : GE_NEXT) < 0)
		goto oom;
	for (i = 0; i < g->n; i++) {
		if (!(up.in[i] && down.in[i]))
			rt_buf_printf(&b, "%s%s", b.len ? ", " : "", g->revs[i]->id);
	}
	if (b.oom)
		goto oom;
	if (b.len) {
		rt_err_set(err, RT_EXIT_USAGE, "%s is detected in revisions (%s); fix their "
		           "'Revises'%s lines", kind, b.ptr, with_deps ? "/'Depends On'" : "");
		goto done;
	}
	error = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_buf_free(&b);
	rt_free(starts);
	gset_free(&up);
	gset_free(&down);
	return error;
}

static int label_add_sorted(struct rt_revision *r, const char *label)
{
	/* simpler insertion that keeps the vector sorted */
	char *dup;
	size_t i, pos;
	if (rt_strvec_contains(&r->all_labels, label))
		return 0;
	dup = rt_strdup(label);
	if (!dup || rt_strvec_push_owned(&r->all_labels, dup) < 0)
		return -1;
	pos = r->all_labels.n - 1;
	for (i = 0; i < r->all_labels.n - 1; i++) {
		if (strcmp(r->all_labels.v[i], label) > 0) {
			pos = i;
			break;
		}
	}
	for (i = r->all_labels.n - 1; i > pos; i--)
		r->all_labels.v[i] = r->all_labels.v[i - 1];
	r->all_labels.v[pos] = dup;
	return 0;
}

static int labels_union(struct rt_revision *dst, const struct rt_strvec *src)
{
	size_t i;
	struct rt_strvec copy = RT_STRVEC_INIT;
	int error = 0;
	if (dst->all_labels.v == src->v)
		return 0;
	for (i = 0; i < src->n; i++)
		if (rt_strvec_push(&copy, src->v[i]) < 0)
			error = -1;
	for (i = 0; !error && i < copy.n; i++)
		if (label_add_sorted(dst, copy.v[i]) < 0)
			error = -1;
	rt_strvec_free(&copy);
	return error;
}

/*
 * _add_branches: a labelled revision's labels (including any it has
 * inherited so far) go to all its descendants along Revises; then, from
 * the last descendant visited, down along single parents until a real
 * branch point or a merge point, which labels an unbranched line below
 * the labelled revision too.
 */
static int add_branches(struct rt_graph *g)
{
	size_t i, j, sp, last;
	size_t *stack = rt_malloc((g->n + edge_count(g) + 1) * sizeof(*stack));
	int error = -1;
	if (!stack)
		return -1;
	for (i = 0; i < g->n; i++) {
		struct rt_revision *r = g->revs[i];
		if (!r->branch_labels.n)
			continue;
		if (labels_union(r, &r->branch_labels) < 0)
			goto done;
		/* _iterate_related_revisions: stack, pop from the end */
		g->stamp++;
		sp = 0;
		stack[sp++] = i;
		last = i;
		while (sp) {
			size_t a = stack[--sp];
			if (g->mark[a] == g->stamp)
				continue;
			g->mark[a] = g->stamp;
			for (j = 0; j < g->nodes[a].next.n; j++)
				stack[sp++] = g->nodes[a].next.v[j];
			if (a != i && labels_union(g->revs[a], &r->all_labels) < 0)
				goto done;
			last = a;
		}
		for (;;) {
			struct gnode *p = &g->nodes[last];
			if (p->allnext.n > 1 || p->down.n > 1)
				break;
			if (last != i && labels_union(g->revs[last], &r->all_labels) < 0)
				goto done;
			if (p->down.n == 0)
				break;
			last = p->down.v[0];
		}
	}
	error = 0;
done:
	rt_free(stack);
	return error;
}

static int fill_public(struct rt_graph *g)
{
	size_t i, j;
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		struct rt_revision *r = g->revs[i];
		for (j = 0; j < nd->deps.n; j++)
			if (rt_strvec_push(&r->resolved_deps, g->revs[nd->deps.v[j]]->id) < 0)
				return -1;
		for (j = 0; j < nd->next.n; j++)
			if (rt_strvec_push(&r->nextrev, g->revs[nd->next.v[j]]->id) < 0)
				return -1;
		rt_strvec_sort(&r->nextrev);
		for (j = 0; j < nd->allnext.n; j++) {
			size_t c = nd->allnext.v[j], k;
			for (k = 0; k < g->nodes[c].deps.n; k++)
				if (g->nodes[c].deps.v[k] == i &&
				    rt_strvec_push(&r->dependents, g->revs[c]->id) < 0)
					return -1;
		}
		rt_strvec_sort(&r->dependents);
		r->is_head = nd->next.n == 0;
		r->is_base = nd->down.n == 0;
		if (r->is_head && rt_strvec_push(&g->heads, r->id) < 0)
			return -1;
		if (nd->allnext.n == 0 && rt_strvec_push(&g->real_heads, r->id) < 0)
			return -1;
		if (r->is_base && rt_strvec_push(&g->bases, r->id) < 0)
			return -1;
		if (r->is_base && r->depends_on.n == 0 && rt_strvec_push(&g->real_bases, r->id) < 0)
			return -1;
	}
	return 0;
}

/* depth[i]: longest ndown path from a base (Kahn's algorithm; acyclic). */
static int compute_depth(struct rt_graph *g)
{
	size_t *pending = NULL, *queue = NULL, qh = 0, qt = 0, i, j;
	int error = -1;
	g->depth = rt_calloc(g->n ? g->n : 1, sizeof(size_t));
	pending = rt_calloc(g->n ? g->n : 1, sizeof(size_t));
	queue = rt_malloc((g->n ? g->n : 1) * sizeof(size_t));
	if (!g->depth || !pending || !queue)
		goto done;
	for (i = 0; i < g->n; i++) {
		pending[i] = g->nodes[i].ndown.n;
		if (!pending[i])
			queue[qt++] = i;
	}
	while (qh < qt) {
		size_t v = queue[qh++];
		const struct gadj *ch = &g->nodes[v].nnext;
		for (j = 0; j < ch->n; j++) {
			size_t c = ch->v[j];
			if (g->depth[c] < g->depth[v] + 1)
				g->depth[c] = g->depth[v] + 1;
			if (--pending[c] == 0)
				queue[qt++] = c;
		}
	}
	error = 0;
done:
	rt_free(pending);
	rt_free(queue);
	return error;
}

int rt_graph_finish(struct rt_graph *g, struct rt_err *err)
{
	size_t i, j;
	if (g->finished)
		return 0;
	if (sort_by_id(g) < 0)
		return rt_err_oom(err);
	g->nodes = rt_calloc(g->n ? g->n : 1, sizeof(*g->nodes));
	g->mark = rt_calloc(g->n ? g->n : 1, sizeof(*g->mark));
	g->label_keys = NULL;
	if (!g->nodes || !g->mark)
		return rt_err_oom(err);
	for (i = 0; i < g->n; i++) {
		g->revs[i]->order = i;
		g->nodes[i].rev = g->revs[i];
	}
	/* _map_branch_labels: a label may not repeat a label or an id */
	for (i = 0; i < g->n; i++) {
		struct rt_revision *r = g->revs[i];
		for (j = 0; j < r->branch_labels.n; j++) {
			const char *l = r->branch_labels.v[j];
			struct rt_revision *other = map_lookup(g, l);
			char **keys;
			if (other)
				return rt_err_set(err, RT_EXIT_USAGE, "Branch name '%s' in revision %s "
				                  "already used by revision %s (%s, %s)", l, r->id,
				                  other->id, path_of(r), path_of(other));
			if (strchr(l, '@'))
				return rt_err_set(err, RT_EXIT_USAGE, "Branch name '%s' in revision %s "
				                  "(%s) contains '@', which specifiers use to separate "
				                  "a branch from a revision", l, r->id, path_of(r));
			if (rt_map_put(&g->labels, l, r) < 0)
				return rt_err_oom(err);
			keys = rt_realloc(g->label_keys, (g->n_labels + 1) * sizeof(*keys));
			if (!keys)
				return rt_err_oom(err);
			g->label_keys = keys;
			g->label_keys[g->n_labels++] = (char *)l;
		}
	}
	/* down revisions and dependencies as indexes */
	for (i = 0; i < g->n; i++) {
		struct rt_revision *r = g->revs[i];
		struct gnode *nd = &g->nodes[i];
		for (j = 0; j < r->down.n; j++) {
			struct rt_revision *d = rt_map_get(&g->ids, r->down.v[j]);
			if (!d)
				return rt_err_set(err, RT_EXIT_USAGE, "Revision %s referenced from %s "
				                  "(%s) is not present; fix its 'Revises' line or restore "
				                  "the missing script", r->down.v[j], r->id, path_of(r));
			if (adj_push(&nd->down, d->order) < 0)
				return rt_err_oom(err);
		}
		for (j = 0; j < r->depends_on.n; j++) {
			size_t d = 0;
			if (resolve_dep(&d, g, r, r->depends_on.v[j], err) < 0)
				return -1;
			if (d == i)
				return rt_err_set(err, RT_EXIT_USAGE, "Dependency self-loop is detected "
				                  "in revisions (%s) (%s)", r->id, path_of(r));
			if (adj_push(&nd->deps, d) < 0)
				return rt_err_oom(err);
		}
		for (j = 0; j < nd->down.n; j++)
			if (adj_push(&nd->alldown, nd->down.v[j]) < 0)
				return rt_err_oom(err);
		for (j = 0; j < nd->deps.n; j++)
			if (adj_push(&nd->alldown, nd->deps.v[j]) < 0)
				return rt_err_oom(err);
	}
	/* reverse edges needed by normalisation (allnext) come from alldown;
	 * ndown is not known yet, so build in two passes */
	{
		size_t *pool = NULL;
		if (build_reverse(g, &pool) < 0)
			return rt_err_oom(err);
		if (normalize_deps(g) < 0) {
			rt_free(pool);
			return rt_err_oom(err);
		}
		rt_free(pool);
		for (i = 0; i < g->n; i++) {
			g->nodes[i].next.n = g->nodes[i].allnext.n = g->nodes[i].nnext.n = 0;
			g->nodes[i].next.v = g->nodes[i].allnext.v = g->nodes[i].nnext.v = NULL;
		}
		if (build_reverse(g, &g->pool) < 0)
			return rt_err_oom(err);
	}
	/* A DAG (counting dependencies) has no cycle either way; only when
	 * Kahn's walk gets stuck do we run Alembic's slower detection, which
	 * names the revisions involved. */
	{
		int dag = all_edges_acyclic(g);
		if (dag < 0)
			return rt_err_oom(err);
		if (!dag && (detect_cycles(g, 0, err) < 0 || detect_cycles(g, 1, err) < 0))
			return -1;
		if (!dag)
			return rt_err_set(err, RT_EXIT_USAGE, "Dependency cycle among the revisions; "
			                  "check their 'Revises' and 'Depends On' lines");
	}
	if (add_branches(g) < 0 || fill_public(g) < 0 || compute_depth(g) < 0)
		return rt_err_oom(err);
	g->finished = 1;
	return 0;
}

const struct rt_revision *rt_graph_get(const struct rt_graph *g, const char *id)
{
	return rt_map_get(&g->ids, id);
}

size_t rt_graph_count(const struct rt_graph *g)
{
	return g->n;
}

const struct rt_revision *rt_graph_at(const struct rt_graph *g, size_t i)
{
	return i < g->n ? g->revs[i] : NULL;
}

static int copy_vec(struct rt_strvec *out, const struct rt_strvec *in)
{
	size_t i;
	for (i = 0; i < in->n; i++)
		if (rt_strvec_push(out, in->v[i]) < 0)
			return -1;
	return 0;
}

int rt_graph_heads(const struct rt_graph *g, struct rt_strvec *out)
{
	return copy_vec(out, &g->heads);
}

int rt_graph_bases(const struct rt_graph *g, struct rt_strvec *out)
{
	return copy_vec(out, &g->bases);
}

int rt_graph_real_heads(const struct rt_graph *g, struct rt_strvec *out)
{
	return copy_vec(out, &g->real_heads);
}

int g_is_real_head(const struct rt_graph *g, size_t i)
{
	return g->nodes[i].allnext.n == 0;
}
