/* SPDX-License-Identifier: MIT */
/*
 * core/graph.h - the revision graph: revisions, heads, bases, branch
 * labels, dependencies, and revision specifiers, with Alembic's semantics
 * (alembic/script/revision.py).  Pure data: no I/O, no database.
 *
 * The functions below are the contract the engine and the commands use;
 * the graph's internals are private to graph.c.
 */
#ifndef RETORT_CORE_GRAPH_H
#define RETORT_CORE_GRAPH_H

#include "util.h"

struct rt_revision {
	/* Filled by whoever builds the revision (script.c, tests): */
	char *id;
	struct rt_strvec down;          /* Revises, in listed order; empty = base */
	struct rt_strvec branch_labels; /* labels declared in this script */
	struct rt_strvec depends_on;    /* Depends On as written (ids, partial ids, labels) */
	char *message;                  /* may be NULL */
	char *create_date;              /* may be NULL */
	char *path;                     /* file it came from, may be NULL */
	void *payload;                  /* e.g. the parsed script; freed with the
	                                   graph's payload_free callback */

	/* Computed by rt_graph_finish(); read-only for users (the vectors'
	 * storage belongs to the graph and is shared between revisions): */
	struct rt_strvec all_labels;    /* declared + inherited branch labels, sorted */
	struct rt_strvec nextrev;       /* children via Revises, sorted */
	int is_head;                    /* no child (ignoring dependencies) */
	int is_base;                    /* no down revision */
	size_t order;                   /* position in the load order (sorted by id) */
};

struct rt_graph;

/* Create an empty graph; payload_free (may be NULL) frees rev->payload. */
int rt_graph_new(struct rt_graph **out, void (*payload_free)(void *));
void rt_graph_free(struct rt_graph *g);

/*
 * Revisions live in the graph's own memory: strings and vectors of every
 * revision are packed into a few large blocks that are freed with the
 * graph, so a graph costs little more than the text of its headers.  A
 * loader builds a revision in place:
 *
 *     struct rt_revision *r = rt_graph_revision_new(g);
 *     r->id = rt_graph_strndup(g, id, id_len);  ... rt_graph_insert(g, r, err);
 *
 * Memory from rt_graph_alloc/strndup/revision_new is never freed alone (it
 * goes with the graph); each returns NULL when out of memory.  Vectors of a
 * revision built this way have their `v` arrays from rt_graph_alloc.
 */
void *rt_graph_alloc(struct rt_graph *g, size_t size);
char *rt_graph_strndup(struct rt_graph *g, const char *s, size_t n);
char *rt_graph_stralloc(struct rt_graph *g, size_t n); /* n + 1 bytes, [n] = '\0' */
struct rt_revision *rt_graph_revision_new(struct rt_graph *g);
/* Add a revision built with rt_graph_revision_new; its payload is the
 * graph's from now on, also on failure. */
int rt_graph_insert(struct rt_graph *g, struct rt_revision *rev, struct rt_err *err);

/*
 * Add a revision built on the heap (rt_calloc, rt_strdup...): the graph
 * copies it into its own memory and frees `rev` (keeping its payload),
 * also on failure.
 */
int rt_graph_add(struct rt_graph *g, struct rt_revision *rev, struct rt_err *err);

/* Free a heap revision that was never added. */
void rt_revision_free(struct rt_revision *rev, void (*payload_free)(void *));

/*
 * Validate and index: duplicate ids (naming both files, the one added
 * first first), Revises/Depends On naming unknown revisions, cycles,
 * duplicate branch labels, labels colliding with ids; computes the derived
 * fields above.  Errors name the revisions (and files) involved,
 * RT_EXIT_USAGE.  Must be linear in the size of the graph.
 */
int rt_graph_finish(struct rt_graph *g, struct rt_err *err);

/* Exact id lookup (NULL if absent); O(log n) once finished. */
const struct rt_revision *rt_graph_get(const struct rt_graph *g, const char *id);
/* Depends On of `r` resolved to full ids, and the revisions that depend on
 * `r`, both sorted (appended to `out`; -1 on OOM). */
int rt_graph_resolved_deps(const struct rt_graph *g, const struct rt_revision *r,
                           struct rt_strvec *out);
int rt_graph_dependents(const struct rt_graph *g, const struct rt_revision *r,
                        struct rt_strvec *out);
/* All revisions in load order (sorted by id). */
size_t rt_graph_count(const struct rt_graph *g);
const struct rt_revision *rt_graph_at(const struct rt_graph *g, size_t i);
/* Heads and bases, in Alembic's order. */
int rt_graph_heads(const struct rt_graph *g, struct rt_strvec *out);
int rt_graph_bases(const struct rt_graph *g, struct rt_strvec *out);
/* Heads counting dependencies too (Alembic's _real_heads: no revision
 * revises or depends on them); what "heads" resolves to. */
int rt_graph_real_heads(const struct rt_graph *g, struct rt_strvec *out);

/*
 * Resolve a specifier to full revision ids, as Alembic's get_revisions():
 * "head", "heads", "base", full or partial ids (any unique prefix of an id
 * longer than 3 characters, or of a branch label), branch labels,
 * "label@head", "label@heads", "label@base", "rev@head", "label@rev".
 * Relative forms (Alembic's regex `(?:(.+?)@)?(\w+)?((?:\+|-)\d+)`) are
 * resolved as the upgrade/downgrade commands resolve their target: "+N" and
 * "label@+N" walk up from the `current` rows (version table, may be empty:
 * then from the bases), "-N" and "label@-N" walk down from them, and
 * "rev+N", "head-N", "label@head-N" walk from that revision.  A result that
 * is the base (e.g. "base", "head-3" on a 3-revision line) adds no id.
 * Errors (RT_EXIT_USAGE) carry the text Alembic's CommandError prints, then
 * Alembic's own detail in parentheses: "Can't locate revision identified
 * by 'ab' (Multiple revisions start with 'ab': 'ab12', 'ab34'...)",
 * "Multiple head revisions are present for given argument 'head'; ...",
 * "Relative revision -2 didn't produce 2 migrations", "Ambiguous walk".
 */
int rt_graph_resolve(const struct rt_graph *g, const char *spec,
                     const char *const *current, size_t n_current,
                     struct rt_strvec *out, struct rt_err *err);

/*
 * Exactly Alembic's RevisionMap.get_revisions(spec) as `show` and `stamp`
 * use it: no relative forms except "-N"/"label@-N", which walk down from
 * the graph's heads (not from the database).  Results that are "base"
 * are left out.  Errors as rt_graph_resolve().
 */
int rt_graph_get_revisions(const struct rt_graph *g, const char *spec,
                           struct rt_strvec *out, struct rt_err *err);

#endif
