/* SPDX-License-Identifier: MIT */
/*
 * core/verify.c - the integrity checks.  See verify.h.
 */
#include "verify.h"

#include <string.h>

#include "json.h"

/* ------------------------------------------------------------ report */

static void finding_free(struct rt_finding *f)
{
	rt_free(f->revision);
	rt_free(f->other);
	rt_free(f->file);
	rt_free(f->recorded);
	rt_free(f->current);
	rt_free(f->algorithm);
	rt_free(f->direction);
	rt_free(f->when);
}

void rt_verify_report_free(struct rt_verify_report *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->n_findings; i++)
		finding_free(&r->findings[i]);
	rt_free(r->findings);
	rt_strvec_free(&r->rows);
	rt_strvec_free(&r->applied);
	rt_strvec_free(&r->verified);
	rt_strvec_free(&r->no_checksum);
	rt_strvec_free(&r->unknown_alg);
	rt_free(r->last.command_line);
	rt_free(r->last.at);
	rt_free(r->last.outcome);
	rt_strvec_free(&r->last.rows);
	memset(r, 0, sizeof(*r));
}

size_t rt_verify_count(const struct rt_verify_report *r, enum rt_finding_kind kind)
{
	size_t i, n = 0;
	for (i = 0; i < r->n_findings; i++)
		n += r->findings[i].kind == kind;
	return n;
}

/* A copy of s, NULL staying NULL; sets *oom on failure. */
static char *dup_or_null(const char *s, int *oom)
{
	char *r;
	if (!s)
		return NULL;
	if (!(r = rt_strdup(s)))
		*oom = 1;
	return r;
}

/* Append a finding: strings are copied (any may be NULL). */
static int add_finding(struct rt_verify_report *r, enum rt_finding_kind kind, const char *rev,
                       const char *other, const char *file, const char *recorded,
                       const char *current, const char *alg, const char *direction,
                       const char *when)
{
	struct rt_finding *v, *f;
	int oom = 0;
	if (!(v = rt_realloc(r->findings, (r->n_findings + 1) * sizeof(*v))))
		return -1;
	r->findings = v;
	f = &v[r->n_findings++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->revision = dup_or_null(rev, &oom);
	f->other = dup_or_null(other, &oom);
	f->file = dup_or_null(file, &oom);
	f->recorded = dup_or_null(recorded, &oom);
	f->current = dup_or_null(current, &oom);
	f->algorithm = dup_or_null(alg, &oom);
	f->direction = dup_or_null(direction, &oom);
	f->when = dup_or_null(when, &oom);
	return oom ? -1 : 0;
}

/* ------------------------------------------------------------ graph walks */

/*
 * Add to `seen` (and `order`, when not NULL) every revision reachable from
 * `start` over Revises and, with `deps`, Depends On too; `start` itself
 * only with `self`.  Unknown ids are skipped.
 */
static int closure(struct rt_map *seen, struct rt_strvec *order, const struct rt_graph *g,
                   const char *start, int self, int deps)
{
	struct rt_strvec todo = RT_STRVEC_INIT, d = RT_STRVEC_INIT;
	const struct rt_revision *r = rt_graph_get(g, start);
	int rc = -1;
	size_t i;

	if (!r)
		return 0;
	if (self) {
		if (!rt_map_has(seen, r->id)) {
			if (rt_map_put(seen, r->id, (void *)r) < 0 ||
			    (order && rt_strvec_push(order, r->id) < 0))
				goto done;
		}
	}
	if (rt_strvec_push(&todo, r->id) < 0)
		goto done;
	while (todo.n > 0) {
		char *id = todo.v[--todo.n];
		r = rt_graph_get(g, id);
		rt_free(id);
		if (!r)
			continue;
		rt_strvec_free(&d);
		for (i = 0; i < r->down.n; i++)
			if (rt_strvec_push(&d, r->down.v[i]) < 0)
				goto done;
		if (deps && rt_graph_resolved_deps(g, r, &d) < 0)
			goto done;
		for (i = 0; i < d.n; i++) {
			const struct rt_revision *p = rt_graph_get(g, d.v[i]);
			if (!p || rt_map_has(seen, p->id))
				continue;
			if (rt_map_put(seen, p->id, (void *)p) < 0 ||
			    (order && rt_strvec_push(order, p->id) < 0) ||
			    rt_strvec_push(&todo, p->id) < 0)
				goto done;
		}
	}
	rc = 0;
done:
	rt_strvec_free(&todo);
	rt_strvec_free(&d);
	return rc;
}

/* ------------------------------------------------------------ checks */

/* An event after which retort no longer holds the revision applied. */
static int unapplied(const struct rt_hist_row *h)
{
	return strcmp(h->direction, "downgrade") == 0 || strcmp(h->direction, "unstamp") == 0;
}

/* A stand-in for a revision whose script is gone (rt_verify_in.gone)? */
static int is_gone(const struct rt_verify_in *in, const char *id)
{
	return in->gone && rt_strvec_contains(in->gone, id);
}

/* rows[] naming revisions the scripts lack; those retort applied are also
 * SCRIPT_GONE. */
static int check_unknown_rows(struct rt_verify_report *r, const struct rt_verify_in *in,
                              const struct rt_map *latest)
{
	size_t i;
	for (i = 0; i < in->n_rows; i++) {
		const struct rt_hist_row *h;
		if (rt_graph_get(in->g, in->rows[i]) && !is_gone(in, in->rows[i]))
			continue;
		if (add_finding(r, RT_FIND_UNKNOWN_ROW, in->rows[i], NULL, NULL, NULL, NULL, NULL,
		                NULL, NULL) < 0)
			return -1;
		h = rt_map_get(latest, in->rows[i]);
		if (h && !unapplied(h) &&
		    add_finding(r, RT_FIND_SCRIPT_GONE, h->revision, NULL, h->script, NULL, NULL,
		                NULL, h->direction, h->applied_at) < 0)
			return -1;
	}
	return 0;
}

/* Two rows, one a Revises-ancestor of the other. */
static int check_ancestor_rows(struct rt_verify_report *r, const struct rt_verify_in *in)
{
	size_t i, j;
	for (i = 0; i < in->n_rows; i++) {
		struct rt_map anc = RT_MAP_INIT;
		if (!rt_graph_get(in->g, in->rows[i]))
			continue;
		if (closure(&anc, NULL, in->g, in->rows[i], 0, 0) < 0) {
			rt_map_free(&anc);
			return -1;
		}
		for (j = 0; j < in->n_rows; j++) {
			if (j != i && rt_map_has(&anc, in->rows[j]) &&
			    add_finding(r, RT_FIND_ANCESTOR_ROWS, in->rows[j], in->rows[i], NULL,
			                NULL, NULL, NULL, NULL, NULL) < 0) {
				rt_map_free(&anc);
				return -1;
			}
		}
		rt_map_free(&anc);
	}
	return 0;
}

/* Sort a vector by graph load order (ids sorted: deterministic output). */
static int by_order_cmp(const void *a, const void *b, const struct rt_graph *g)
{
	const struct rt_revision *ra = rt_graph_get(g, *(char *const *)a);
	const struct rt_revision *rb = rt_graph_get(g, *(char *const *)b);
	return (ra->order > rb->order) - (ra->order < rb->order);
}

static void sort_by_order(struct rt_strvec *v, const struct rt_graph *g)
{
	size_t i, j;
	/* insertion sort: applied sets are built nearly sorted */
	for (i = 1; i < v->n; i++) {
		char *x = v->v[i];
		for (j = i; j > 0 && by_order_cmp(&v->v[j - 1], &x, g) > 0; j--)
			v->v[j] = v->v[j - 1];
		v->v[j] = x;
	}
}

int rt_verify_applied(struct rt_strvec *out, const struct rt_graph *g, const char *const *rows,
                      size_t n, struct rt_err *err)
{
	struct rt_map seen = RT_MAP_INIT;
	size_t i;
	for (i = 0; i < n; i++)
		if (closure(&seen, out, g, rows[i], 1, 1) < 0) {
			rt_map_free(&seen);
			return rt_err_oom(err);
		}
	rt_map_free(&seen);
	sort_by_order(out, g);
	return 0;
}

/* Compare each applied revision's checksum with the recorded one. */
static int check_checksums(struct rt_verify_report *r, const struct rt_verify_in *in,
                           const struct rt_map *latest, struct rt_err *err)
{
	struct rt_map seen = RT_MAP_INIT;
	size_t i;
	int rc = -1;

	for (i = 0; i < in->n_rows; i++)
		if (closure(&seen, &r->applied, in->g, in->rows[i], 1, 1) < 0)
			goto oom;
	sort_by_order(&r->applied, in->g);
	for (i = 0; i < r->applied.n; i++) {
		const struct rt_revision *rev = rt_graph_get(in->g, r->applied.v[i]);
		const struct rt_hist_row *h = rt_map_get(latest, rev->id);
		char now[RT_CHECKSUM_SIZE];
		int c;
		if (is_gone(in, rev->id)) {
			/* below a row (a row is an unknown row, said above): its
			 * script is gone, whoever applied it */
			int rec = h && !unapplied(h);
			size_t k;
			for (k = 0; k < in->n_rows && strcmp(in->rows[k], rev->id) != 0; k++)
				;
			if (k == in->n_rows &&
			    add_finding(r, RT_FIND_SCRIPT_GONE, rev->id, NULL, rec ? h->script : NULL,
			                NULL, NULL, NULL, rec ? h->direction : NULL,
			                rec ? h->applied_at : NULL) < 0)
				goto oom;
			continue;
		}
		/* reverted by retort and applied again by someone else, or
		 * never recorded: applied without a checksum */
		if (!h || !h->checksum || unapplied(h)) {
			if (rt_strvec_push(&r->no_checksum, rev->id) < 0)
				goto oom;
			continue;
		}
		if (!h->algorithm || strcmp(h->algorithm, RT_CHECKSUM_ALG) != 0) {
			if (rt_strvec_push(&r->unknown_alg, rev->id) < 0)
				goto oom;
			continue;
		}
		if ((c = in->checksum(now, rev, in->payload, err)) < 0)
			goto done;
		/* a section that is gone was recorded as the empty one */
		if ((c == 0 && strcmp(now, h->checksum) == 0) ||
		    (c == 1 && strcmp(h->checksum, RT_CHECKSUM_EMPTY) == 0)) {
			if (rt_strvec_push(&r->verified, rev->id) < 0)
				goto oom;
			continue;
		}
		if (add_finding(r, RT_FIND_CHANGED, rev->id, NULL, rev->path, h->checksum,
		                c == 0 ? now : NULL, h->algorithm, h->direction,
		                h->applied_at) < 0)
			goto oom;
	}
	rc = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_map_free(&seen);
	return rc;
}

/*
 * A stand-in that is not applied: a script is missing from the graph, but
 * the database does not need it.  That is the graph's error, as every
 * other command gives it, not a finding about the database.
 */
static int check_gone_unapplied(const struct rt_verify_report *r, const struct rt_verify_in *in,
                                struct rt_err *err)
{
	size_t i;
	for (i = 0; in->gone && i < in->gone->n; i++) {
		const char *id = in->gone->v[i];
		const struct rt_revision *g, *child = NULL;
		if (rt_strvec_contains(&r->applied, id))
			continue;
		if ((g = rt_graph_get(in->g, id)) && g->nextrev.n)
			child = rt_graph_get(in->g, g->nextrev.v[0]);
		return rt_err_set(err, RT_EXIT_USAGE, "Revision %s referenced from %s (%s) is not "
		                  "present; fix its 'Revises' line or restore the missing script",
		                  id, child ? child->id : "?",
		                  child && child->path ? child->path : "?");
	}
	return 0;
}

/* The rows differ from those the last recorded command left. */
static int check_outside(struct rt_verify_report *r, const struct rt_verify_in *in)
{
	size_t i;
	int same;
	int oom = 0;
	if (!in->last)
		return 0;
	r->has_last = 1;
	r->last.command_line = dup_or_null(in->last->command_line, &oom);
	r->last.at = dup_or_null(in->last->at, &oom);
	r->last.outcome = dup_or_null(in->last->outcome, &oom);
	for (i = 0; i < in->last->rows.n; i++)
		if (rt_strvec_push(&r->last.rows, in->last->rows.v[i]) < 0)
			return -1;
	rt_strvec_sort(&r->last.rows);
	if (oom)
		return -1;
	same = r->last.rows.n == r->rows.n;
	for (i = 0; same && i < r->rows.n; i++)
		same = strcmp(r->last.rows.v[i], r->rows.v[i]) == 0;
	if (!same && add_finding(r, RT_FIND_OUTSIDE, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	                         in->last->at) < 0)
		return -1;
	return 0;
}

int rt_verify_check(struct rt_verify_report *out, const struct rt_verify_in *in,
                    struct rt_err *err)
{
	struct rt_map latest = RT_MAP_INIT;
	size_t i;

	memset(out, 0, sizeof(*out));
	/* the last event of each revision */
	for (i = 0; i < in->n_hist; i++)
		if (rt_map_put(&latest, in->hist[i].revision, (void *)&in->hist[i]) < 0)
			goto oom;
	for (i = 0; i < in->n_rows; i++)
		if (rt_strvec_push(&out->rows, in->rows[i]) < 0)
			goto oom;
	rt_strvec_sort(&out->rows);
	if (check_unknown_rows(out, in, &latest) < 0 || check_ancestor_rows(out, in) < 0)
		goto oom;
	if (check_checksums(out, in, &latest, err) < 0 || check_gone_unapplied(out, in, err) < 0)
		goto fail;
	if (check_outside(out, in) < 0)
		goto oom;
	rt_map_free(&latest);
	return 0;
oom:
	rt_err_oom(err);
fail:
	rt_map_free(&latest);
	rt_verify_report_free(out);
	return -1;
}

/* ------------------------------------------------------------ text */

static void put_list(struct rt_buf *b, const struct rt_strvec *v)
{
	size_t i;
	if (v->n == 0)
		rt_buf_puts(b, "(none)");
	for (i = 0; i < v->n; i++)
		rt_buf_printf(b, "%s%s", i ? ", " : "", v->v[i]);
}

int rt_verify_format_findings(struct rt_buf *out, const struct rt_verify_report *r)
{
	size_t i;
	for (i = 0; i < r->n_findings; i++) {
		const struct rt_finding *f = &r->findings[i];
		switch (f->kind) {
		case RT_FIND_CHANGED:
			rt_buf_printf(out, "CHANGED: revision %s (%s): its upgrade section changed since "
			              "it %s at %s UTC\n  recorded %s %s\n  current  %s %s\n",
			              f->revision, f->file ? f->file : "?",
			              strcmp(f->direction, "stamp") == 0    ? "was stamped"
			              : strcmp(f->direction, "accept") == 0 ? "was accepted as edited"
			                                                    : "ran",
			              f->when ? f->when : "?", f->algorithm, f->recorded,
			              f->algorithm, f->current ? f->current
			                                       : "(the script has no upgrade section now)");
			break;
		case RT_FIND_SCRIPT_GONE:
			if (f->direction)
				rt_buf_printf(out, "SCRIPT GONE: revision %s is applied (%s at %s UTC) "
				              "but its script %s is no longer among the scripts\n",
				              f->revision, f->direction, f->when ? f->when : "?",
				              f->file ? f->file : "(unrecorded)");
			else
				rt_buf_printf(out, "SCRIPT GONE: revision %s is applied (not by retort, "
				              "or before it kept a record) but its script is no "
				              "longer among the scripts\n", f->revision);
			break;
		case RT_FIND_UNKNOWN_ROW:
			rt_buf_printf(out, "UNKNOWN ROW: the version table names revision %s, which is "
			              "not among the scripts\n", f->revision);
			break;
		case RT_FIND_ANCESTOR_ROWS:
			rt_buf_printf(out, "ANCESTOR ROWS: version rows %s and %s: %s is an ancestor of "
			              "%s, so only %s should be a row\n", f->revision, f->other,
			              f->revision, f->other, f->other);
			break;
		case RT_FIND_OUTSIDE:
			rt_buf_puts(out, "CHANGED OUTSIDE RETORT: the version rows are ");
			put_list(out, &r->rows);
			rt_buf_printf(out, ", but the last recorded command (%s, %s UTC) left ",
			              r->last.command_line ? r->last.command_line : "?",
			              f->when ? f->when : "?");
			put_list(out, &r->last.rows);
			rt_buf_puts(out, "\n");
			break;
		}
	}
	return out->oom ? -1 : 0;
}

int rt_verify_format_text(struct rt_buf *out, const struct rt_verify_report *r,
                          const char *header)
{
	if (header)
		rt_buf_printf(out, "%s\n", header);
	rt_buf_puts(out, "Version rows: ");
	put_list(out, &r->rows);
	rt_buf_puts(out, "\n");
	if (r->has_last) {
		rt_buf_printf(out, "Last recorded command: %s, %s UTC (%s), left: ",
		              r->last.command_line ? r->last.command_line : "?",
		              r->last.at ? r->last.at : "?", r->last.outcome ? r->last.outcome : "?");
		put_list(out, &r->last.rows);
		rt_buf_puts(out, "\n");
	}
	rt_verify_format_findings(out, r);
	rt_buf_printf(out, "Verified: %zu applied revision%s", r->verified.n,
	              r->verified.n == 1 ? "" : "s");
	if (r->no_checksum.n) {
		rt_buf_printf(out, "; applied without a checksum (by another tool): %zu (",
		              r->no_checksum.n);
		put_list(out, &r->no_checksum);
		rt_buf_puts(out, ")");
	}
	if (r->unknown_alg.n) {
		rt_buf_printf(out, "; recorded with a checksum algorithm this retort does not know: ");
		put_list(out, &r->unknown_alg);
	}
	rt_buf_printf(out, "\n%zu finding%s\n", r->n_findings, r->n_findings == 1 ? "" : "s");
	return out->oom ? -1 : 0;
}

/* ------------------------------------------------------------ JSON */

static const char *const kind_names[] = {
	"changed", "script_gone", "unknown_row", "ancestor_rows", "outside"
};

int rt_verify_format_json(struct rt_buf *out, const struct rt_verify_report *r,
                          const char *database, const char *version_table)
{
	struct rt_json j;
	size_t i;
	rt_json_init(&j, out);
	rt_json_doc_begin(&j, "verify");
	rt_json_str(&j, "database", database);
	rt_json_str(&j, "version_table", version_table);
	rt_json_bool(&j, "ok", r->n_findings == 0);
	rt_json_strvec(&j, "rows", &r->rows);
	if (r->has_last) {
		rt_json_object(&j, "last_command");
		rt_json_str(&j, "command_line", r->last.command_line);
		rt_json_str(&j, "at", r->last.at);
		rt_json_str(&j, "outcome", r->last.outcome);
		rt_json_strvec(&j, "rows", &r->last.rows);
		rt_json_object_end(&j);
	} else {
		rt_json_null(&j, "last_command");
	}
	rt_json_array(&j, "findings");
	for (i = 0; i < r->n_findings; i++) {
		const struct rt_finding *f = &r->findings[i];
		rt_json_object(&j, NULL);
		rt_json_str(&j, "kind", kind_names[f->kind]);
		rt_json_str(&j, "revision", f->revision);
		rt_json_str(&j, "other", f->other);
		rt_json_str(&j, "file", f->file);
		rt_json_str(&j, "recorded", f->recorded);
		rt_json_str(&j, "current", f->current);
		rt_json_str(&j, "algorithm", f->algorithm);
		rt_json_str(&j, "direction", f->direction);
		rt_json_str(&j, "when", f->when);
		rt_json_object_end(&j);
	}
	rt_json_array_end(&j);
	rt_json_strvec(&j, "verified", &r->verified);
	rt_json_strvec(&j, "without_checksum", &r->no_checksum);
	rt_json_strvec(&j, "unknown_algorithm", &r->unknown_alg);
	rt_json_doc_end(&j);
	return out->oom ? -1 : 0;
}
