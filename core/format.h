/*
 * core/format.h - what the read-only commands print, identical to Alembic
 * 1.8.1's text (command.py / script/base.py Script.cmd_format and
 * log_entry), plus a JSON form for --format json.
 *
 * Signatures below were declared by the engine/CLI side as the contract
 * it calls; the graph owner implements them and may add more.
 * Each appends to `out`; `current` are the version table rows (may be
 * empty; NULL with n_current 0 when not connected).  Errors (bad range,
 * unknown revision) use Alembic's wording and RT_EXIT_USAGE.
 */
#ifndef RETORT_CORE_FORMAT_H
#define RETORT_CORE_FORMAT_H

#include "graph.h"

/* `history [-r RANGE] [--verbose] [--indicate-current]`; range "a:b", ":b",
 * "a:" or NULL.  indicate_current needs `current`. */
int rt_format_history(struct rt_buf *out, const struct rt_graph *g, const char *range,
                      int verbose, int indicate_current, const char *const *current,
                      size_t n_current, int json, struct rt_err *err);
/* `heads [--verbose]` */
int rt_format_heads(struct rt_buf *out, const struct rt_graph *g, int verbose, int json,
                    struct rt_err *err);
/* `branches [--verbose]` */
int rt_format_branches(struct rt_buf *out, const struct rt_graph *g, int verbose, int json,
                       struct rt_err *err);
/* `current [--verbose]`: one entry per version row. */
int rt_format_current(struct rt_buf *out, const struct rt_graph *g, const char *const *current,
                      size_t n_current, int verbose, int json, struct rt_err *err);
/* `show REV...` (each spec resolved with rt_graph_resolve; "current" etc.). */
int rt_format_show(struct rt_buf *out, const struct rt_graph *g, const char *const *specs,
                   size_t n_specs, const char *const *current, size_t n_current, int json,
                   struct rt_err *err);

/*
 * The graph side of `revision`: given --head (NULL = "head"), --splice,
 * --branch-label and --depends-on (comma lists, may be NULL), compute the
 * new revision's down revisions (out_down), its declared branch labels
 * and its resolved dependencies, with Alembic's rules and errors
 * (generate_revision): e.g. "Revision X is not a head revision; please
 * specify --splice to create a new branch from this revision", multiple
 * heads without --head, "base" as head for a new independent branch.
 */
int rt_graph_new_revision_parents(const struct rt_graph *g, const char *head, int splice,
                                  const char *branch_labels, const char *depends_on,
                                  struct rt_strvec *out_down, struct rt_strvec *out_labels,
                                  struct rt_strvec *out_depends, struct rt_err *err);

/* The graph side of `merge REV...` ("heads" allowed): the down revisions of
 * the merge revision, with Alembic's errors. */
int rt_graph_merge_parents(const struct rt_graph *g, const char *const *specs, size_t n_specs,
                           struct rt_strvec *out_down, struct rt_err *err);

#endif
