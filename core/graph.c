/* SPDX-License-Identifier: MIT */
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
 * linear in the size of the graph (plus the sort by id), except label
 * inheritance (linear per labelled revision) and dependency normalisation
 * (linear per dependency whose target several revisions depend on).
 *
 * Memory: a revision, its strings and its vectors are packed into the
 * graph's arena (no allocation per string), the adjacency lists of all
 * revisions into two pools, and ids are found through an open-addressing
 * index of the sorted revisions (one size_t per slot, twice as many slots
 * as revisions): a graph of 100,000 revisions costs about 40 MB less than
 * one malloc per field would.
 */
#include "graph_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ arena */

struct garena_block {
	struct garena_block *next;
};

/* Strictest alignment of what the arena holds (pointers, size_t, long long). */
struct align_probe {
	char c;
	union { void *p; size_t s; unsigned long long u; double d; } x;
};
#define ARENA_ALIGN offsetof(struct align_probe, x)
#define ROUND_UP(n) (((n) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)
#define BLOCK_HEAD ROUND_UP(sizeof(struct garena_block))
#define ARENA_FIRST 4096
#define ARENA_MAX (1024 * 1024)

/* Make room for `need` bytes: a new block (the rest of the old one is left). */
static int arena_grow(struct garena *a, size_t need)
{
	struct garena_block *b;
	size_t size = a->next_size ? a->next_size : ARENA_FIRST;
	if (need > ((size_t)-1) / 2)
		return -1;
	while (size - BLOCK_HEAD < need)
		size *= 2;
	b = rt_malloc(size);
	if (!b)
		return -1;
	b->next = a->blocks;
	a->blocks = b;
	a->lo = (char *)b + BLOCK_HEAD;
	a->hi = (char *)b + size;
	/* blocks double up to ARENA_MAX; a larger request had its own */
	a->next_size = size >= ARENA_MAX / 2 ? ARENA_MAX : size * 2;
	return 0;
}

static void arena_free(struct garena *a)
{
	while (a->blocks) {
		struct garena_block *next = a->blocks->next;
		rt_free(a->blocks);
		a->blocks = next;
	}
	memset(a, 0, sizeof(*a));
}

void *rt_graph_alloc(struct rt_graph *g, size_t size)
{
	struct garena *a = &g->arena;
	void *p;
	size = ROUND_UP(size ? size : 1);
	if ((size_t)(a->hi - a->lo) < size && arena_grow(a, size) < 0)
		return NULL;
	p = a->lo;
	a->lo += size;
	return p;
}

char *rt_graph_stralloc(struct rt_graph *g, size_t n)
{
	struct garena *a = &g->arena;
	if (n >= (size_t)-1 / 2 || ((size_t)(a->hi - a->lo) < n + 1 && arena_grow(a, n + 1) < 0))
		return NULL;
	a->hi -= n + 1;
	a->hi[n] = '\0';
	return a->hi;
}

char *rt_graph_strndup(struct rt_graph *g, const char *s, size_t n)
{
	char *p = rt_graph_stralloc(g, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

struct rt_revision *rt_graph_revision_new(struct rt_graph *g)
{
	struct rt_revision *r = rt_graph_alloc(g, sizeof(*r));
	if (r)
		memset(r, 0, sizeof(*r));
	return r;
}

/* ------------------------------------------------------------ life cycle */

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

void rt_graph_free(struct rt_graph *g)
{
	size_t i;
	if (!g)
		return;
	if (g->payload_free)
		for (i = 0; i < g->n; i++)
			if (g->revs[i]->payload)
				g->payload_free(g->revs[i]->payload);
	rt_free(g->revs);
	rt_free(g->keys);
	rt_free(g->slots);
	rt_free(g->nodes);
	rt_map_free(&g->labels);
	rt_free(g->label_keys);
	rt_strvec_free(&g->heads);
	rt_strvec_free(&g->real_heads);
	rt_strvec_free(&g->bases);
	rt_strvec_free(&g->real_bases);
	rt_free(g->pool0);
	rt_free(g->pool);
	rt_free(g->depth);
	rt_free(g->mark);
	arena_free(&g->arena);
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
	for (i = 0; rev->id[strcspn(rev->id, "+-@")] && i < 3; i++) {
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

int rt_graph_insert(struct rt_graph *g, struct rt_revision *rev, struct rt_err *err)
{
	if (g->finished) {
		rt_err_set(err, RT_EXIT_USAGE, "internal error: revision added after the graph "
		           "was finished");
		goto fail;
	}
	if (check_revision(rev, err) < 0)
		goto fail;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct rt_revision **v = rt_realloc(g->revs, cap * sizeof(*v));
		if (!v) {
			rt_err_oom(err);
			goto fail;
		}
		g->revs = v;
		g->cap = cap;
	}
	g->revs[g->n++] = rev;
	return 0;
fail:
	if (rev->payload && g->payload_free)
		g->payload_free(rev->payload);
	rev->payload = NULL;
	return -1;
}

/* Copy a heap vector into the arena. */
static int vec_to_arena(struct rt_graph *g, struct rt_strvec *dst, const struct rt_strvec *src)
{
	size_t i;
	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	if (!(dst->v = rt_graph_alloc(g, src->n * sizeof(char *))))
		return -1;
	for (i = 0; i < src->n; i++)
		if (!(dst->v[i] = rt_graph_strndup(g, src->v[i], strlen(src->v[i]))))
			return -1;
	dst->n = dst->cap = src->n;
	return 0;
}

static int str_to_arena(struct rt_graph *g, char **dst, const char *src)
{
	*dst = NULL;
	return src && !(*dst = rt_graph_strndup(g, src, strlen(src))) ? -1 : 0;
}

int rt_graph_add(struct rt_graph *g, struct rt_revision *heap, struct rt_err *err)
{
	struct rt_revision *r = rt_graph_revision_new(g);
	if (!r || str_to_arena(g, &r->id, heap->id) < 0 ||
	    str_to_arena(g, &r->message, heap->message) < 0 ||
	    str_to_arena(g, &r->create_date, heap->create_date) < 0 ||
	    str_to_arena(g, &r->path, heap->path) < 0 ||
	    vec_to_arena(g, &r->down, &heap->down) < 0 ||
	    vec_to_arena(g, &r->branch_labels, &heap->branch_labels) < 0 ||
	    vec_to_arena(g, &r->depends_on, &heap->depends_on) < 0) {
		rt_revision_free(heap, g->payload_free);
		return rt_err_oom(err);
	}
	r->payload = heap->payload;
	heap->payload = NULL;
	rt_revision_free(heap, NULL);
	return rt_graph_insert(g, r, err);
}

/* ------------------------------------------------------------ ids */

/* The first 8 bytes of an id as a big-endian number (NUL-padded): comparing
 * these orders ids as strcmp does, without touching the scattered strings. */
static unsigned long long id_key(const char *id)
{
	const unsigned char *p = (const unsigned char *)id;
	unsigned long long k = 0;
	int j;
	for (j = 0; j < 8; j++) {
		k = (k << 8) | *p;
		if (*p)
			p++;
	}
	return k;
}

/* A slot for an id's key: ids are hex or words, so mix all 64 bits. */
static size_t slot_of(unsigned long long key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & mask;
}

/*
 * An index of the ids for g_find: at 100k revisions a binary search is
 * 17 dependent loads, most of them cache misses, for every Revises entry
 * the graph resolves; a slot is one or two.
 */
static int index_ids(struct rt_graph *g)
{
	size_t cap = 16, i;
	while (cap < 2 * g->n)
		cap *= 2;
	if (!(g->slots = rt_calloc(cap, sizeof(*g->slots))))
		return -1;
	g->slot_mask = cap - 1;
	for (i = 0; i < g->n; i++) {
		size_t s = slot_of(g->keys[i], g->slot_mask);
		while (g->slots[s])
			s = (s + 1) & g->slot_mask;
		g->slots[s] = i + 1;
	}
	return 0;
}

struct sort_key {
	unsigned long long prefix;
	struct rt_revision *rev;
	size_t seq;               /* insertion order: ties (duplicates) keep it */
};

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	int c;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if ((c = strcmp(x->rev->id, y->rev->id)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by id (stable), fill g->keys and report a duplicate id. */
static int sort_by_id(struct rt_graph *g, struct rt_err *err)
{
	struct sort_key *k = NULL;
	size_t i;
	int sorted = 1;

	g->keys = rt_malloc((g->n ? g->n : 1) * sizeof(*g->keys));
	if (!g->keys)
		return rt_err_oom(err);
	for (i = 0; i < g->n; i++) {
		g->keys[i] = id_key(g->revs[i]->id);
		if (i && sorted && (g->keys[i - 1] > g->keys[i] ||
		                    (g->keys[i - 1] == g->keys[i] &&
		                     strcmp(g->revs[i - 1]->id, g->revs[i]->id) > 0)))
			sorted = 0;
	}
	/* Scripts named after their ids come in sorted: nothing to do then. */
	if (!sorted) {
		k = rt_malloc(g->n * sizeof(*k));
		if (!k)
			return rt_err_oom(err);
		for (i = 0; i < g->n; i++) {
			k[i].prefix = g->keys[i];
			k[i].rev = g->revs[i];
			k[i].seq = i;
		}
		qsort(k, g->n, sizeof(*k), cmp_key);
		for (i = 0; i < g->n; i++) {
			g->revs[i] = k[i].rev;
			g->keys[i] = k[i].prefix;
		}
		rt_free(k);
	}
	for (i = 1; i < g->n; i++)
		if (g->keys[i - 1] == g->keys[i] && strcmp(g->revs[i - 1]->id, g->revs[i]->id) == 0)
			return rt_err_set(err, RT_EXIT_USAGE, "Revision %s is present more than once: "
			                  "%s and %s; give one of them a new 'Revision ID'",
			                  g->revs[i]->id, path_of(g->revs[i - 1]), path_of(g->revs[i]));
	return index_ids(g) < 0 ? rt_err_oom(err) : 0;
}

struct rt_revision *g_find(const struct rt_graph *g, const char *id)
{
	unsigned long long key;
	size_t i, s;
	if (!g->slots) { /* not finished: revisions are not indexed yet */
		for (i = 0; i < g->n; i++)
			if (strcmp(g->revs[i]->id, id) == 0)
				return g->revs[i];
		return NULL;
	}
	key = id_key(id);
	for (s = slot_of(key, g->slot_mask); g->slots[s]; s = (s + 1) & g->slot_mask) {
		i = g->slots[s] - 1;
		if (g->keys[i] == key && strcmp(g->revs[i]->id, id) == 0)
			return g->revs[i];
	}
	return NULL;
}

struct rt_revision *g_find_key(const struct rt_graph *g, const char *key)
{
	struct rt_revision *r = g_find(g, key);
	return r ? r : rt_map_get(&g->labels, key);
}

size_t g_index(const struct rt_graph *g, const struct rt_revision *rev)
{
	(void)g;
	return rev->order;
}

/* ------------------------------------------------------------ edges */

/* Append x unless present (Alembic's dedupe_tuple); room is reserved. */
static void adj_add(struct gadj *a, size_t x)
{
	size_t i;
	for (i = 0; i < a->n; i++)
		if (a->v[i] == x)
			return;
	a->v[a->n++] = x;
}

/*
 * Depends On entries: an id or a branch label as Alembic's map_[dep]; we
 * also accept an unambiguous partial id (what `revision --depends-on`
 * would have written in full).
 */
static int resolve_dep(size_t *out, struct rt_graph *g, const struct rt_revision *rev,
                       const char *dep, struct rt_err *err)
{
	struct rt_revision *r = g_find_key(g, dep);
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

/*
 * down, deps and alldown of every revision, in g->pool0 (with room for
 * ndeps and ndown, which normalize_deps fills).  Returns the number of
 * dependency edges through *n_deps.
 */
static int build_down(struct rt_graph *g, size_t **cur_out, size_t *n_deps, struct rt_err *err)
{
	size_t i, j, d_total = 0, p_total = 0, e_total = 0, *cur;
	for (i = 0; i < g->n; i++) {
		const struct rt_revision *r = g->revs[i];
		d_total += r->down.n;
		p_total += r->depends_on.n;
		if (r->depends_on.n)
			e_total += r->down.n + r->depends_on.n;
	}
	/* down + deps + ndeps + alldown + ndown */
	g->pool0 = rt_malloc((d_total + 2 * p_total + 2 * e_total + 1) * sizeof(size_t));
	if (!g->pool0)
		return rt_err_oom(err);
	cur = g->pool0;
	for (i = 0; i < g->n; i++) {
		struct rt_revision *r = g->revs[i];
		struct gnode *nd = &g->nodes[i];
		nd->down.v = cur;
		for (j = 0; j < r->down.n; j++) {
			struct rt_revision *d = g_find(g, r->down.v[j]);
			if (!d)
				return rt_err_set(err, RT_EXIT_USAGE, "Revision %s referenced from %s "
				                  "(%s) is not present; fix its 'Revises' line or restore "
				                  "the missing script", r->down.v[j], r->id, path_of(r));
			adj_add(&nd->down, d->order);
		}
		cur += nd->down.n;
		nd->deps.v = cur;
		for (j = 0; j < r->depends_on.n; j++) {
			size_t d = 0;
			if (resolve_dep(&d, g, r, r->depends_on.v[j], err) < 0)
				return -1;
			if (d == i)
				return rt_err_set(err, RT_EXIT_USAGE, "Dependency self-loop is detected "
				                  "in revisions (%s) (%s)", r->id, path_of(r));
			adj_add(&nd->deps, d);
		}
		cur += nd->deps.n;
		if (!nd->deps.n) {
			nd->alldown = nd->down;
			continue;
		}
		nd->alldown.v = cur;
		for (j = 0; j < nd->down.n; j++)
			adj_add(&nd->alldown, nd->down.v[j]);
		for (j = 0; j < nd->deps.n; j++)
			adj_add(&nd->alldown, nd->deps.v[j]);
		cur += nd->alldown.n;
	}
	*cur_out = cur;
	*n_deps = p_total;
	return 0;
}

static struct gadj *edge_of(struct gnode *nd, enum gedge e)
{
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

/* Fill edge list `to` of every node with the reverse of `from`, from *cur
 * on; children come out in index (= id) order. */
static void reverse_edges(struct rt_graph *g, size_t **cur, enum gedge from, enum gedge to)
{
	size_t i, j;
	for (i = 0; i < g->n; i++)
		edge_of(&g->nodes[i], to)->n = 0;
	for (i = 0; i < g->n; i++) {
		const struct gadj *a = edge_of(&g->nodes[i], from);
		for (j = 0; j < a->n; j++)
			edge_of(&g->nodes[a->v[j]], to)->n++;
	}
	for (i = 0; i < g->n; i++) {
		struct gadj *t = edge_of(&g->nodes[i], to);
		t->v = *cur;
		*cur += t->n;
		t->n = 0;
	}
	for (i = 0; i < g->n; i++) {
		const struct gadj *a = edge_of(&g->nodes[i], from);
		for (j = 0; j < a->n; j++) {
			struct gadj *t = edge_of(&g->nodes[a->v[j]], to);
			t->v[t->n++] = i;
		}
	}
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
 * those, and only when D has more than one dependent.  Fills ndeps and
 * ndown from *cur on (room reserved by build_down).
 */
static int normalize_deps(struct rt_graph *g, size_t **cur)
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
		nd->ndeps.v = *cur;
		nd->ndeps.n = 0;
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
			if (!drop)
				adj_add(&nd->ndeps, d);
		}
		*cur += nd->ndeps.n;
		if (!nd->ndeps.n) {
			nd->ndown = nd->down;
			continue;
		}
		nd->ndown.v = *cur;
		nd->ndown.n = 0;
		for (j = 0; j < nd->down.n; j++)
			adj_add(&nd->ndown, nd->down.v[j]);
		for (j = 0; j < nd->ndeps.n; j++)
			adj_add(&nd->ndown, nd->ndeps.v[j]);
		*cur += nd->ndown.n;
	}
	error = 0;
done:
	rt_free(stack);
	rt_free(dependent);
	rt_free(ndependents);
	return error;
}

/* 1 if Revises + Depends On edges form a DAG, 0 if not, -1 on OOM. */
static int all_edges_acyclic(const struct rt_graph *g, size_t *depth)
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
			size_t v = queue[qh++];
			const struct gadj *ch = &g->nodes[v].allnext;
			for (j = 0; j < ch->n; j++) {
				size_t c = ch->v[j];
				if (depth && depth[c] < depth[v] + 1)
					depth[c] = depth[v] + 1;
				if (--pending[c] == 0)
					queue[qt++] = c;
			}
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

/* ------------------------------------------------------------ branch labels */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * dst->all_labels becomes its union with the sorted, duplicate-free set
 * `src`.  Sets are never changed in place: a revision that gains labels
 * gets a new set, and one that had none shares the set it inherits, so a
 * label spread over a long branch costs one pointer per revision.
 */
static int labels_union(struct rt_graph *g, struct rt_revision *dst, const struct rt_strvec *src)
{
	const struct rt_strvec *a = &dst->all_labels;
	size_t i = 0, j = 0, n = 0;
	char **v;
	if (!src->n || a->v == src->v)
		return 0;
	if (!a->n) {
		dst->all_labels = *src;
		return 0;
	}
	while (i < a->n || j < src->n) { /* size of the union */
		int c = i == a->n ? 1 : j == src->n ? -1 : strcmp(a->v[i], src->v[j]);
		i += c <= 0;
		j += c >= 0;
		n++;
	}
	if (n == a->n)
		return 0; /* nothing new */
	if (!(v = rt_graph_alloc(g, n * sizeof(*v))))
		return -1;
	for (i = j = n = 0; i < a->n || j < src->n;) {
		int c = i == a->n ? 1 : j == src->n ? -1 : strcmp(a->v[i], src->v[j]);
		v[n++] = c <= 0 ? a->v[i] : src->v[j];
		i += c <= 0;
		j += c >= 0;
	}
	dst->all_labels.v = v;
	dst->all_labels.n = dst->all_labels.cap = n;
	return 0;
}

/* A revision's declared labels as a sorted, duplicate-free set. */
static int declared_set(struct rt_graph *g, struct rt_strvec *out, const struct rt_strvec *in)
{
	size_t i, n = 0;
	char **v = rt_graph_alloc(g, in->n * sizeof(*v));
	if (!v)
		return -1;
	memcpy(v, in->v, in->n * sizeof(*v));
	qsort(v, in->n, sizeof(*v), cmp_str);
	for (i = 0; i < in->n; i++)
		if (!n || strcmp(v[n - 1], v[i]) != 0)
			v[n++] = v[i];
	out->v = v;
	out->n = out->cap = n;
	return 0;
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
		struct rt_strvec own;
		if (!r->branch_labels.n)
			continue;
		if (declared_set(g, &own, &r->branch_labels) < 0 || labels_union(g, r, &own) < 0)
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
			if (a != i && labels_union(g, g->revs[a], &r->all_labels) < 0)
				goto done;
			last = a;
		}
		for (;;) {
			struct gnode *p = &g->nodes[last];
			if (p->allnext.n > 1 || p->down.n > 1)
				break;
			if (last != i && labels_union(g, g->revs[last], &r->all_labels) < 0)
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

/* ------------------------------------------------------------ finish */

static int fill_public(struct rt_graph *g)
{
	size_t i, j;
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->nodes[i];
		struct rt_revision *r = g->revs[i];
		if (nd->next.n) {
			/* children in index order, which is id order */
			if (!(r->nextrev.v = rt_graph_alloc(g, nd->next.n * sizeof(char *))))
				return -1;
			for (j = 0; j < nd->next.n; j++)
				r->nextrev.v[j] = g->revs[nd->next.v[j]]->id;
			r->nextrev.n = r->nextrev.cap = nd->next.n;
		}
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

/* depth[i]: longest ndown path from a base (Kahn's algorithm; acyclic).  Only with
 * dependencies: without, all_edges_acyclic fills it on its own walk. */
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

/* _map_branch_labels: a label may not repeat a label or an id. */
static int map_labels(struct rt_graph *g, struct rt_err *err)
{
	size_t i, j;
	for (i = 0; i < g->n; i++) {
		struct rt_revision *r = g->revs[i];
		for (j = 0; j < r->branch_labels.n; j++) {
			const char *l = r->branch_labels.v[j];
			struct rt_revision *other = g_find_key(g, l);
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
	return 0;
}

int rt_graph_finish(struct rt_graph *g, struct rt_err *err)
{
	size_t i, n_deps = 0, *cur0 = NULL, *cur;
	if (g->finished)
		return 0;
	if (sort_by_id(g, err) < 0)
		return -1;
	g->nodes = rt_calloc(g->n ? g->n : 1, sizeof(*g->nodes));
	g->mark = rt_calloc(g->n ? g->n : 1, sizeof(*g->mark));
	if (!g->nodes || !g->mark)
		return rt_err_oom(err);
	for (i = 0; i < g->n; i++)
		g->revs[i]->order = i;
	if (map_labels(g, err) < 0 || build_down(g, &cur0, &n_deps, err) < 0)
		return -1;
	/*
	 * Reverse edges.  Without any dependency, alldown and ndown are down,
	 * so allnext and nnext are next.  With some, normalisation needs
	 * allnext (from alldown), and nnext comes from the normalized ndown.
	 */
	if (!n_deps) {
		size_t d_total = 0;
		for (i = 0; i < g->n; i++) {
			g->nodes[i].ndeps.v = NULL;
			g->nodes[i].ndown = g->nodes[i].down;
			d_total += g->nodes[i].down.n;
		}
		if (!(g->pool = rt_malloc((d_total + 1) * sizeof(size_t))))
			return rt_err_oom(err);
		cur = g->pool;
		reverse_edges(g, &cur, GE_DOWN, GE_NEXT);
		for (i = 0; i < g->n; i++)
			g->nodes[i].allnext = g->nodes[i].nnext = g->nodes[i].next;
	} else {
		size_t d_total = 0, a_total = 0;
		for (i = 0; i < g->n; i++) {
			d_total += g->nodes[i].down.n;
			a_total += g->nodes[i].alldown.n;
		}
		/* next + allnext + nnext (ndown is never longer than alldown) */
		if (!(g->pool = rt_malloc((d_total + 2 * a_total + 1) * sizeof(size_t))))
			return rt_err_oom(err);
		cur = g->pool;
		reverse_edges(g, &cur, GE_DOWN, GE_NEXT);
		reverse_edges(g, &cur, GE_ALLDOWN, GE_ALLNEXT);
		if (normalize_deps(g, &cur0) < 0)
			return rt_err_oom(err);
		reverse_edges(g, &cur, GE_NDOWN, GE_NNEXT);
	}
	/* A DAG (counting dependencies) has no cycle either way; only when
	 * Kahn's walk gets stuck do we run Alembic's slower detection, which
	 * names the revisions involved.  Without dependencies the walk's edges
	 * are ndown's too, so it computes the depths on the way: at 100k
	 * revisions each walk is a chase through memory that misses the cache
	 * at every step, and a second one would cost a fifth of the scan. */
	if (!n_deps && !(g->depth = rt_calloc(g->n ? g->n : 1, sizeof(size_t))))
		return rt_err_oom(err);
	{
		int dag = all_edges_acyclic(g, n_deps ? NULL : g->depth);
		if (dag < 0)
			return rt_err_oom(err);
		if (!dag && (detect_cycles(g, 0, err) < 0 || detect_cycles(g, 1, err) < 0))
			return -1;
		if (!dag)
			return rt_err_set(err, RT_EXIT_USAGE, "Dependency cycle among the revisions; "
			                  "check their 'Revises' and 'Depends On' lines");
	}
	if (add_branches(g) < 0 || fill_public(g) < 0 || (n_deps && compute_depth(g) < 0))
		return rt_err_oom(err);
	g->finished = 1;
	return 0;
}

/* ------------------------------------------------------------ queries */

const struct rt_revision *rt_graph_get(const struct rt_graph *g, const char *id)
{
	return g_find(g, id);
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

int rt_graph_resolved_deps(const struct rt_graph *g, const struct rt_revision *r,
                           struct rt_strvec *out)
{
	const struct gadj *d = &g->nodes[r->order].deps;
	size_t j;
	for (j = 0; j < d->n; j++)
		if (rt_strvec_push(out, g->revs[d->v[j]]->id) < 0)
			return -1;
	return 0;
}

int rt_graph_dependents(const struct rt_graph *g, const struct rt_revision *r,
                        struct rt_strvec *out)
{
	const struct gadj *a = &g->nodes[r->order].allnext;
	size_t j, k;
	for (j = 0; j < a->n; j++) {
		const struct gadj *d = &g->nodes[a->v[j]].deps;
		for (k = 0; k < d->n; k++)
			if (d->v[k] == r->order && rt_strvec_push(out, g->revs[a->v[j]]->id) < 0)
				return -1;
	}
	return 0;
}

int g_is_real_head(const struct rt_graph *g, size_t i)
{
	return g->nodes[i].allnext.n == 0;
}
