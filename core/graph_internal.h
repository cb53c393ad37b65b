/* SPDX-License-Identifier: MIT */
/*
 * core/graph_internal.h - internals shared by graph.c (building and
 * validating), graph_walk.c (traversals, iterate_revisions), graph_sort.c
 * (topological sort), graph_resolve.c (specifiers), plan.c and format.c.
 * Not part of any contract outside the graph area.
 *
 * Revisions are numbered by their position in load order (sorted by id);
 * every adjacency list below holds such indexes.  The names follow
 * Alembic's Revision attributes so that a reader can hold revision.py
 * beside this code.
 */
#ifndef RETORT_CORE_GRAPH_INTERNAL_H
#define RETORT_CORE_GRAPH_INTERNAL_H

#include "graph.h"

struct gadj {
	size_t *v;
	size_t n;
};

/*
 * Adjacency lists of one revision.  All lists of all revisions live in two
 * pools (g->pool0 built from the revisions' own lists, g->pool from the
 * reverse edges); a list that equals another (alldown and ndown without
 * dependencies, allnext and nnext in a graph without any) shares its
 * storage.
 */
struct gnode {
	struct gadj down;    /* _versioned_down_revisions */
	struct gadj deps;    /* _resolved_dependencies (deduplicated) */
	struct gadj ndeps;   /* _normalized_resolved_dependencies */
	struct gadj alldown; /* _all_down_revisions: down + deps */
	struct gadj ndown;   /* _normalized_down_revisions: down + ndeps */
	struct gadj next;    /* nextrev: reverse of down */
	struct gadj allnext; /* _all_nextrev: reverse of alldown */
	struct gadj nnext;   /* reverse of ndown (for descendant checks in the sort) */
};

/* Blocks of memory freed with the graph (see rt_graph_alloc): structures
 * are taken from the front of the current block, strings from its back. */
struct garena_block;
struct garena {
	struct garena_block *blocks;
	char *lo, *hi;             /* free space of the current block */
	size_t next_size;
};

struct rt_graph {
	void (*payload_free)(void *);
	struct garena arena;       /* revisions, their strings and vectors */
	struct rt_revision **revs; /* sorted by id after finish */
	unsigned long long *keys;  /* after finish: first 8 bytes of each id, big-endian */
	size_t *slots;             /* after finish: open-addressing index of the ids,
	                              revs index + 1 per slot, 0 empty */
	size_t slot_mask;          /* slots has slot_mask + 1 entries, a power of 2 */
	size_t n, cap;
	struct gnode *nodes;       /* parallel to revs after finish */
	struct rt_map labels;      /* declared label -> struct rt_revision * */
	char **label_keys;         /* labels in map order (by revision, then listed) */
	size_t n_labels;
	struct rt_strvec heads, real_heads, bases, real_bases;
	int finished;
	size_t *pool0;             /* storage of down, deps, ndeps, alldown, ndown */
	size_t *pool;              /* storage of next, allnext, nnext */
	size_t *depth;             /* longest path from a base along ndown: an
	                              ancestor's depth is always smaller */
	unsigned *mark;            /* scratch marks for traversals (size n) */
	unsigned stamp;            /* current mark value */
};

/* The revision with exactly this id (finished graph), or NULL. */
struct rt_revision *g_find(const struct rt_graph *g, const char *id);
/* An id or a declared branch label (Alembic's map_ holds both), or NULL. */
struct rt_revision *g_find_key(const struct rt_graph *g, const char *key);

/* ---- graph_walk.c: traversal helpers on indexes ---- */

enum gedge {
	GE_DOWN,    /* versioned down revisions */
	GE_NDOWN,   /* normalized down revisions (ancestors with dependencies) */
	GE_NEXT,    /* nextrev (descendants without dependencies) */
	GE_ALLNEXT, /* _all_nextrev (descendants with dependencies) */
	GE_ALLDOWN, /* _all_down_revisions (reverse of _all_nextrev) */
	GE_NNEXT    /* reverse of normalized down revisions */
};

const struct gadj *g_edges(const struct rt_graph *g, size_t i, enum gedge e);

/* A set of indexes with O(1) membership: a byte per revision plus a list. */
struct gset {
	unsigned char *in;
	size_t *v;
	size_t n;
	size_t cap;
};
int gset_init(struct gset *s, const struct rt_graph *g);
int gset_add(struct gset *s, size_t i);     /* no-op if present; -1 on OOM */
void gset_clear(struct gset *s);
void gset_free(struct gset *s);

/* Closure of `start` (inclusive) along edges `e`, added into `out`. */
int g_closure(struct gset *out, const struct rt_graph *g, const size_t *start,
              size_t n_start, enum gedge e);

/*
 * Error model mirroring revision.py's exception classes; the entry points
 * (plan.c, format.c, rt_graph_resolve) turn them into the user-facing
 * CommandError text the way ScriptDirectory._catch_revision_errors does.
 */
enum gerr_kind {
	GERR_NONE = 0,
	GERR_OOM,
	GERR_REVISION,     /* RevisionError(msg) */
	GERR_RESOLUTION,   /* ResolutionError(msg, argument) */
	GERR_MULTIHEADS,   /* MultipleHeads(heads, argument) */
	GERR_RANGE         /* RangeNotAncestorError(lower, upper) */
};

struct gerr {
	enum gerr_kind kind;
	char *msg;               /* REVISION/RESOLUTION message */
	char *arg;               /* RESOLUTION/MULTIHEADS argument */
	char *lower, *upper;     /* RANGE (NULL = base) */
	struct rt_strvec heads;  /* MULTIHEADS */
};

int gerr_set(struct gerr *e, enum gerr_kind kind, const char *arg, const char *fmt, ...)
	RT_PRINTF(4, 5);
int gerr_oom(struct gerr *e);
void gerr_free(struct gerr *e);

/* Contexts of ScriptDirectory._catch_revision_errors(). */
struct gcatch {
	const char *ancestor;       /* format with %(start)s/%(end)s as "{start}"/"{end}" */
	const char *multiple_heads; /* NULL: the default text */
	const char *start, *end;
	const char *resolution;     /* NULL: "Can't locate revision identified by '%s'" */
};
int gerr_to_rt(struct rt_err *err, const struct gerr *e, const struct gcatch *c);

/*
 * Resolution results: revision indexes, where GREV_BASE stands for the
 * string "base" that _walk() can return and GREV_NONE for Python's None.
 */
#define GREV_NONE ((size_t)-1)
#define GREV_BASE ((size_t)-2)

struct grevs {
	size_t *v;
	size_t n, cap;
};
int grevs_push(struct grevs *r, size_t i);
void grevs_free(struct grevs *r);

/* ---- graph_resolve.c ---- */

/* RevisionMap.get_revisions(id_) for one string (NULL = None). */
int g_get_revisions(struct grevs *out, const struct rt_graph *g, const char *id, struct gerr *e);
/* RevisionMap.get_revision(id_): GREV_NONE for base/empty. */
int g_get_revision(size_t *out, const struct rt_graph *g, const char *id, struct gerr *e);
/* _revision_for_ident(resolved_id, check_branch) */
int g_revision_for_ident(size_t *out, const struct rt_graph *g, const char *id,
                         const char *check_branch, struct gerr *e);
/* filter_for_lineage(targets, check_against, include_dependencies): in place */
int g_filter_for_lineage(struct grevs *targets, const struct rt_graph *g,
                         const char *check_against, int include_deps, struct gerr *e);
/* _shares_lineage(target, [against...]) */
int g_shares_lineage(int *out, const struct rt_graph *g, size_t target,
                     const size_t *against, size_t n_against, int include_deps);
/* _walk(start, steps, branch_label, no_overwalk); start GREV_NONE = None */
int g_walk(size_t *out, const struct rt_graph *g, size_t start, long steps,
           const char *branch_label, int no_overwalk, struct gerr *e);

/* _relative_destination regex match */
struct grel {
	int matched;
	char *branch;  /* group 1 or NULL */
	char *symbol;  /* group 2 or NULL */
	char *relative;/* group 3, e.g. "-2" */
	long value;
};
int g_match_relative(struct grel *out, const char *s);
void grel_free(struct grel *r);

int g_parse_upgrade_target(struct grevs *out, const struct rt_graph *g,
                           const char *const *current, size_t n_current,
                           const char *target, int assert_relative_length, struct gerr *e);
int g_parse_downgrade_target(char **branch_out, size_t *rev_out, const struct rt_graph *g,
                             const char *const *current, size_t n_current,
                             const char *target, int assert_relative_length,
                             struct gerr *e);

/* ---- graph_walk.c: iterate_revisions ---- */

struct giter_opts {
	int implicit_base;
	int inclusive;
	int assert_relative_length;
	int select_for_downgrade;
};

/*
 * RevisionMap.iterate_revisions(upper, lower, ...): the revisions in the
 * order Alembic yields them (descending: heads first).  `upper`/`lower`
 * are given as a list of strings (a tuple in Alembic) or a single string
 * when `*_is_str` (Alembic distinguishes "a@b" strings from tuples).
 */
struct gspec {
	const char *const *v; /* when !is_str */
	size_t n;
	const char *s;        /* when is_str; may be NULL for None */
	int is_str;
};
int g_iterate_revisions(struct grevs *out, const struct rt_graph *g, const struct gspec *upper,
                        const struct gspec *lower, const struct giter_opts *o, struct gerr *e);

/*
 * graph_sort.c: _topological_sort(revisions, heads): `todo` in Alembic's
 * order (heads first, down to the bases); `heads` in any order.
 */
int g_topo_sort(struct grevs *out, const struct rt_graph *g, const struct gset *todo,
                const size_t *heads, size_t n_heads, struct gerr *err);

/* _get_all_current(ids): branch heads of everything applied */
int g_get_all_current(struct grevs *out, const struct rt_graph *g, const char *const *ids,
                      size_t n, struct gerr *e);

/*
 * Is `p` one of `from` or an ancestor (with dependencies) of one?  Walks down
 * from them only as far as p's depth, so it costs the band of the graph
 * between them, not the graph.
 */
int g_is_below(int *out, const struct rt_graph *g, size_t p, const size_t *from, size_t n);

/* helpers */
size_t g_index(const struct rt_graph *g, const struct rt_revision *rev);
int g_is_real_head(const struct rt_graph *g, size_t i);

#endif
