/* SPDX-License-Identifier: MIT */
/*
 * core/format.h - the text the informational commands print, identical to
 * Alembic 1.8.1's (alembic/command.py with Script.cmd_format, log_entry and
 * _head_only in alembic/script/base.py), and the graph side of `revision`
 * and `merge` (ScriptDirectory.generate_revision's rules and errors).
 *
 * Every rt_format_* function appends to `out` exactly what the command
 * writes to standard output (each printed line ends in "\n") and returns 0,
 * or returns -1 with `err` set (RT_EXIT_USAGE for bad specifiers, as
 * Alembic's CommandError).  Where Alembic prints a Python set (branch
 * labels, "Branches into", the revisions of `current`) we print in sorted
 * / load order.
 *
 * JSON (`--format json`): with opts.json set, history, heads, branches,
 * current and show append one object per revision to the array that
 * opts.json has open (the command writes the document around them, so that
 * `show A B` is one document; core/json.h).  Each object is
 *   {"revision": "ae10", "down_revisions": ["1975"], "branch_labels": [],
 *    "depends_on": [], "message": "add account", "path": "...",
 *    "is_head": true, "is_merge_point": false, "is_branch_point": false,
 *    "is_current": false}
 * where branch_labels holds declared and inherited labels, depends_on the
 * ids the Depends On line resolved to, is_head is Alembic's "real" head
 * (nothing revises or depends on it), and is_current is present only when
 * the command knows the database's rows (current, history
 * --indicate-current).  `branches` elements add "branches_into": [...].
 * `out` gets nothing then.
 */
#ifndef RETORT_CORE_FORMAT_H
#define RETORT_CORE_FORMAT_H

#include "graph.h" /* IWYU pragma: export */
#include "json.h" /* IWYU pragma: export */

struct rt_format_opts {
	int verbose;                 /* --verbose */
	int indicate_current;        /* history --indicate-current */
	int resolve_dependencies;    /* heads --resolve-dependencies */
	struct rt_json *json;        /* --format json: the open array; NULL: text */
	const char *const *current;  /* version table rows (current, history) */
	size_t n_current;
	const char *url;             /* current --verbose: the URL, already masked */
};
#define RT_FORMAT_OPTS_INIT { 0, 0, 0, NULL, NULL, 0, NULL }

/*
 * `history [-r RANGE]`: RANGE is "[start]:[end]" (either side may be empty
 * or "current", meaning the rows in opts->current); NULL for everything.
 */
int rt_format_history(struct rt_buf *out, const struct rt_graph *g, const char *range,
                      const struct rt_format_opts *o, struct rt_err *err);
/* `heads` (script heads, or with resolve_dependencies the real heads) */
int rt_format_heads(struct rt_buf *out, const struct rt_graph *g,
                    const struct rt_format_opts *o, struct rt_err *err);
/* `branches`: every branch point, in history order, with its children */
int rt_format_branches(struct rt_buf *out, const struct rt_graph *g,
                       const struct rt_format_opts *o, struct rt_err *err);
/* `current`: the branch heads of what the rows in opts->current have applied */
int rt_format_current(struct rt_buf *out, const struct rt_graph *g,
                      const struct rt_format_opts *o, struct rt_err *err);
/* `show SPEC` (SPEC "current" means the rows in opts->current) */
int rt_format_show(struct rt_buf *out, const struct rt_graph *g, const char *spec,
                   const struct rt_format_opts *o, struct rt_err *err);
/* Script.log_entry of one revision (the `show` / --verbose block). */
int rt_format_log_entry(struct rt_buf *out, const struct rt_graph *g,
                        const struct rt_revision *rev, int is_current);

/*
 * The graph side of `revision` and `merge`: what the new script's header
 * says.  `down` are the Revises ids (empty: a new base), `branch_labels`
 * the --branch-label, `depends_on` the Depends On entries as Alembic
 * writes them (a label stays a label, a partial id becomes the full id).
 * `head_path` is the path of the first parent (where Alembic puts the new
 * file when there are several version locations and no --version-path);
 * borrowed from the graph, may be NULL.
 */
struct rt_newrev {
	struct rt_strvec down;
	struct rt_strvec branch_labels;
	struct rt_strvec depends_on;
	const char *head_path;
};
void rt_newrev_free(struct rt_newrev *n);

/*
 * `revision --rev-id ID [--head SPEC] [--splice] [--branch-label L]
 * [--depends-on D...]`.  head NULL means "head".  Errors with Alembic's
 * wording: "Multiple heads are present; please specify the head revision
 * on which the new revision should be based, or perform a merge.",
 * "Revision X is not a head revision; please specify --splice to create a
 * new branch from this revision", "Duplicate head revisions specified",
 * and an id or label that is already used.
 */
int rt_newrev_plan(struct rt_newrev *out, const struct rt_graph *g, const char *rev_id,
                   const char *head, int splice, const char *branch_label,
                   const char *const *depends_on, size_t n_depends_on, struct rt_err *err);
/* `merge REV... [--branch-label L]`: the revisions to merge ("heads" works). */
int rt_newrev_merge(struct rt_newrev *out, const struct rt_graph *g, const char *rev_id,
                    const char *const *revisions, size_t n_revisions,
                    const char *branch_label, struct rt_err *err);

#endif
