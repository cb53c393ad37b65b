/* SPDX-License-Identifier: MIT */
/*
 * core/graph_resolve.c - revision specifiers: RevisionMap.get_revisions,
 * get_revision, _resolve_revision_number, _revision_for_ident,
 * filter_for_lineage, _walk, _parse_upgrade_target and
 * _parse_downgrade_target (alembic/script/revision.py), plus the public
 * rt_graph_resolve() / rt_graph_get_revisions().
 *
 * Where Alembic returns a Python set (and so an order that depends on the
 * hash seed) we use load order (sorted by id).
 */
#include "graph_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ lineage */

/*
 * Marks every revision that shares lineage with one of `against`: the
 * ancestors and descendants of them (inclusive).  A target shares lineage
 * with S iff a member of S is its descendant or ancestor, i.e. iff it is
 * an ancestor or a descendant of a member of S, along the matching edges.
 */
static int lineage_set(struct gset *out, const struct rt_graph *g, const size_t *against,
                       size_t n, int include_deps)
{
	/* desc(target) via next/allnext <=> target in closure(S) via down/alldown;
	 * anc(target) via down/ndown <=> target in closure(S) via next/nnext */
	struct gset up = { 0 };
	size_t i;
	int error = -1;
	if (g_closure(out, g, against, n, include_deps ? GE_ALLDOWN : GE_DOWN) < 0)
		return -1;
	/* a separate set: members of `out` must not stop the walk upwards */
	if (gset_init(&up, g) < 0 ||
	    g_closure(&up, g, against, n, include_deps ? GE_NNEXT : GE_NEXT) < 0)
		goto done;
	for (i = 0; i < up.n; i++)
		if (gset_add(out, up.v[i]) < 0)
			goto done;
	error = 0;
done:
	gset_free(&up);
	return error;
}

int g_shares_lineage(int *out, const struct rt_graph *g, size_t target, const size_t *against,
                     size_t n_against, int include_deps)
{
	struct gset s = { 0 };
	if (!n_against) {
		*out = 1;
		return 0;
	}
	if (gset_init(&s, g) < 0 || lineage_set(&s, g, against, n_against, include_deps) < 0) {
		gset_free(&s);
		return -1;
	}
	*out = s.in[target];
	gset_free(&s);
	return 0;
}

/* ------------------------------------------------------------ numbers */

static int is_int(const char *s, long *out)
{
	const char *p = s;
	char *end;
	long v;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return 0;
	if (errno == ERANGE)
		v = v < 0 ? LONG_MIN / 2 : LONG_MAX / 2; /* walks that long fail anyway */
	*out = v;
	return 1;
}

/* ------------------------------------------------------------ resolution */

static const struct rt_revision *map_key(const struct rt_graph *g, const char *key)
{
	const struct rt_revision *r = g_find(g, key);
	return r ? r : rt_map_get(&g->labels, key);
}

/* _resolve_revision_number: ids (strings) and the branch label. */
static int resolve_number(struct rt_strvec *ids, char **branch_out, const struct rt_graph *g,
                          const char *id, struct gerr *e);

static int get_current_head(struct rt_strvec *out, const struct rt_graph *g, const char *branch,
                            struct gerr *e)
{
	struct grevs h = { 0 };
	size_t i;
	int error = -1;
	for (i = 0; i < g->heads.n; i++)
		if (grevs_push(&h, g_find(g, g->heads.v[i])->order) < 0)
			goto oom;
	if (branch && *branch && g_filter_for_lineage(&h, g, branch, 0, e) < 0)
		goto done;
	if (h.n > 1) {
		gerr_free(e);
		e->kind = GERR_MULTIHEADS;
		e->arg = branch && *branch ? rt_sprintf("%s@head", branch) : rt_strdup("head");
		if (!e->arg)
			goto oom;
		for (i = 0; i < h.n; i++)
			if (rt_strvec_push(&e->heads, g->revs[h.v[i]]->id) < 0)
				goto oom;
		goto done;
	}
	if (h.n == 1 && rt_strvec_push(out, g->revs[h.v[0]]->id) < 0)
		goto oom;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	grevs_free(&h);
	return error;
}

static int resolve_number(struct rt_strvec *ids, char **branch_out, const struct rt_graph *g,
                          const char *id, struct gerr *e)
{
	char *branch = NULL;
	const char *at;
	size_t i;
	*branch_out = NULL;
	if (id && (at = strchr(id, '@')) != NULL) {
		branch = rt_strndup(id, (size_t)(at - id));
		if (!branch)
			return gerr_oom(e);
		id = at + 1;
	}
	if (id && strcmp(id, "heads") == 0) {
		if (branch && *branch) {
			struct grevs h = { 0 };
			for (i = 0; i < g->heads.n; i++)
				if (grevs_push(&h, g_find(g, g->heads.v[i])->order) < 0) {
					grevs_free(&h);
					goto oom;
				}
			if (g_filter_for_lineage(&h, g, branch, 0, e) < 0) {
				grevs_free(&h);
				goto fail;
			}
			for (i = 0; i < h.n; i++)
				if (rt_strvec_push(ids, g->revs[h.v[i]]->id) < 0) {
					grevs_free(&h);
					goto oom;
				}
			grevs_free(&h);
		} else {
			for (i = 0; i < g->real_heads.n; i++)
				if (rt_strvec_push(ids, g->real_heads.v[i]) < 0)
					goto oom;
		}
	} else if (id && strcmp(id, "head") == 0) {
		if (get_current_head(ids, g, branch, e) < 0)
			goto fail;
	} else if (!id || strcmp(id, "base") == 0) {
		/* () */
	} else if (rt_strvec_push(ids, id) < 0) {
		goto oom;
	}
	*branch_out = branch;
	return 0;
oom:
	gerr_oom(e);
fail:
	rt_free(branch);
	return -1;
}

/* _resolve_branch */
static int resolve_branch(size_t *out, const struct rt_graph *g, const char *branch,
                          struct gerr *e)
{
	const struct rt_revision *r = map_key(g, branch);
	if (r) {
		*out = r->order;
		return 0;
	}
	if (g_revision_for_ident(out, g, branch, NULL, e) < 0) {
		if (e->kind == GERR_OOM)
			return -1;
		return gerr_set(e, GERR_RESOLUTION, branch, "No such branch: '%s'", branch);
	}
	return 0;
}

int g_revision_for_ident(size_t *out, const struct rt_graph *g, const char *id,
                         const char *check_branch, struct gerr *e)
{
	size_t branch_rev = GREV_NONE, rev = GREV_NONE, i, lo, hi, idlen;
	const struct rt_revision *r;
	const char **keys = NULL;
	size_t nkeys = 0, capkeys = 0;
	int error = -1;

	*out = GREV_NONE;
	if (check_branch && *check_branch && resolve_branch(&branch_rev, g, check_branch, e) < 0)
		return -1;
	if (!id) {
		/* _revision_map[()] is None */
		*out = GREV_NONE;
		return 0;
	}
	r = map_key(g, id);
	if (r) {
		rev = r->order;
	} else {
		/* partial: keys longer than 3 characters that start with id, ids in
		 * load order first, then labels (Alembic's map key order) */
		idlen = strlen(id);
		lo = 0;
		hi = g->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(g->revs[mid]->id, id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo; i < g->n && strncmp(g->revs[i]->id, id, idlen) == 0; i++) {
			if (strlen(g->revs[i]->id) <= 3)
				continue;
			if (nkeys == capkeys) {
				const char **k = rt_realloc(keys, (capkeys = capkeys ? capkeys * 2 : 8) *
				                            sizeof(*k));
				if (!k)
					goto oom;
				keys = k;
			}
			keys[nkeys++] = g->revs[i]->id;
		}
		for (i = 0; i < g->n_labels; i++) {
			if (strlen(g->label_keys[i]) <= 3 || !rt_startswith(g->label_keys[i], id))
				continue;
			if (nkeys == capkeys) {
				const char **k = rt_realloc(keys, (capkeys = capkeys ? capkeys * 2 : 8) *
				                            sizeof(*k));
				if (!k)
					goto oom;
				keys = k;
			}
			keys[nkeys++] = g->label_keys[i];
		}
		if (branch_rev != GREV_NONE && nkeys) {
			struct gset s = { 0 };
			size_t k = 0;
			if (gset_init(&s, g) < 0 || lineage_set(&s, g, &branch_rev, 1, 0) < 0) {
				gset_free(&s);
				goto oom;
			}
			for (i = 0; i < nkeys; i++)
				if (s.in[map_key(g, keys[i])->order])
					keys[k++] = keys[i];
			nkeys = k;
			gset_free(&s);
		}
		if (!nkeys) {
			gerr_set(e, GERR_RESOLUTION, id, "No such revision or branch '%s'%s", id,
			         idlen < 4 ? "; please ensure at least four characters are present "
			         "for partial revision identifier matches" : "");
			goto done;
		}
		if (nkeys > 1) {
			struct rt_buf b = RT_BUF_INIT;
			for (i = 0; i < nkeys && i < 3; i++)
				rt_buf_printf(&b, "%s'%s'", i ? ", " : "", keys[i]);
			if (b.oom) {
				rt_buf_free(&b);
				goto oom;
			}
			gerr_set(e, GERR_RESOLUTION, id, "Multiple revisions start with '%s': %s...",
			         id, b.ptr);
			rt_buf_free(&b);
			goto done;
		}
		rev = map_key(g, keys[0])->order;
	}
	if (check_branch && *check_branch && rev != GREV_NONE) {
		int shares;
		if (g_shares_lineage(&shares, g, rev, &branch_rev, 1, 0) < 0)
			goto oom;
		if (!shares) {
			gerr_set(e, GERR_RESOLUTION, id, "Revision %s is not a member of branch '%s'",
			         g->revs[rev]->id, check_branch);
			goto done;
		}
	}
	*out = rev;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	rt_free(keys);
	return error;
}

int g_filter_for_lineage(struct grevs *targets, const struct rt_graph *g,
                         const char *check_against, int include_deps, struct gerr *e)
{
	struct rt_strvec ids = RT_STRVEC_INIT;
	char *branch = NULL;
	struct grevs shares = { 0 };
	struct gset s = { 0 };
	size_t i, k = 0;
	int error = -1;

	if (resolve_number(&ids, &branch, g, check_against, e) < 0)
		return -1;
	if (!targets->n) {
		error = 0;
		goto done;
	}
	/* shares = [branch_label] + ids, each through _revision_for_ident */
	if (branch && *branch) {
		size_t r;
		if (g_revision_for_ident(&r, g, branch, NULL, e) < 0)
			goto done;
		if (r != GREV_NONE && grevs_push(&shares, r) < 0)
			goto oom;
	}
	for (i = 0; i < ids.n; i++) {
		size_t r;
		if (g_revision_for_ident(&r, g, ids.v[i], NULL, e) < 0)
			goto done;
		if (r != GREV_NONE && grevs_push(&shares, r) < 0)
			goto oom;
	}
	if (!(branch && *branch) && !ids.n) {
		error = 0; /* nothing to test against: everything shares */
		goto done;
	}
	if (gset_init(&s, g) < 0 || lineage_set(&s, g, shares.v, shares.n, include_deps) < 0)
		goto oom;
	for (i = 0; i < targets->n; i++) {
		size_t t = targets->v[i], r = t;
		/* _shares_lineage resolves a target that is not a Revision with
		 * _revision_for_ident: the string "base" that _walk returns is
		 * looked up as an identifier (an error unless a key longer than
		 * 3 characters starts with "base"); None fails Alembic's
		 * not_none() assertion, an error here too (None comes from a
		 * walk past base, "-2" from a head that is a base) */
		if (t == GREV_NONE) {
			gerr_set(e, GERR_REVISION, NULL, "Walked too far");
			goto done;
		}
		if (t == GREV_BASE && g_revision_for_ident(&r, g, "base", NULL, e) < 0)
			goto done;
		if (r < g->n && s.in[r])
			targets->v[k++] = t;
	}
	targets->n = k;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	rt_strvec_free(&ids);
	rt_free(branch);
	grevs_free(&shares);
	gset_free(&s);
	return error;
}

int g_get_revisions(struct grevs *out, const struct rt_graph *g, const char *id, struct gerr *e)
{
	struct rt_strvec ids = RT_STRVEC_INIT;
	char *branch = NULL;
	size_t i;
	long rint;
	int error = -1;

	if (resolve_number(&ids, &branch, g, id, e) < 0)
		return -1;
	if (ids.n == 1 && is_int(ids.v[0], &rint) && rint < 0) {
		/* branch@-n: walk down from the (real) heads */
		for (i = 0; i < g->real_heads.n; i++) {
			const struct rt_revision *h = g_find(g, g->real_heads.v[i]);
			size_t w;
			/* `branch_label is not None`: "@-1" has the branch "", which
			 * no head carries, so it selects nothing */
			if (branch && !rt_strvec_contains(&h->all_labels, branch))
				continue;
			if (g_walk(&w, g, h->order, rint, NULL, 1, e) < 0)
				goto done;
			if (grevs_push(out, w) < 0)
				goto oom;
		}
		error = 0;
		goto done;
	}
	for (i = 0; i < ids.n; i++) {
		size_t r;
		if (g_revision_for_ident(&r, g, ids.v[i], branch, e) < 0)
			goto done;
		if (grevs_push(out, r) < 0)
			goto oom;
	}
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	rt_strvec_free(&ids);
	rt_free(branch);
	return error;
}

int g_get_revision(size_t *out, const struct rt_graph *g, const char *id, struct gerr *e)
{
	struct rt_strvec ids = RT_STRVEC_INIT;
	char *branch = NULL;
	size_t i;
	int error = -1;
	*out = GREV_NONE;
	if (resolve_number(&ids, &branch, g, id, e) < 0)
		return -1;
	if (ids.n > 1) {
		gerr_free(e);
		e->kind = GERR_MULTIHEADS;
		e->arg = rt_strdup(id ? id : "None");
		if (!e->arg)
			goto oom;
		for (i = 0; i < ids.n; i++)
			if (rt_strvec_push(&e->heads, ids.v[i]) < 0)
				goto oom;
		goto done;
	}
	error = g_revision_for_ident(out, g, ids.n ? ids.v[0] : NULL, branch, e);
	goto done;
oom:
	gerr_oom(e);
done:
	rt_strvec_free(&ids);
	rt_free(branch);
	return error;
}

/* ------------------------------------------------------------ walk */

int g_walk(size_t *out, const struct rt_graph *g, size_t start, long steps,
           const char *branch_label, int no_overwalk, struct gerr *e)
{
	size_t initial = start, i;
	unsigned long k, n = steps < 0 ? (unsigned long)-(steps + 1) + 1 : (unsigned long)steps;
	struct grevs children = { 0 };
	int error = -1;

	*out = GREV_NONE;
	for (k = 0; k < n; k++) {
		children.n = 0;
		if (steps > 0) {
			if (initial == GREV_BASE) {
				gerr_set(e, GERR_REVISION, NULL, "Can't walk up from 'base' here");
				goto done;
			}
			if (initial == GREV_NONE) {
				for (i = 0; i < g->bases.n; i++)
					if (grevs_push(&children, g_find(g, g->bases.v[i])->order) < 0)
						goto oom;
			} else {
				const struct gadj *nx = &g->nodes[initial].next;
				for (i = 0; i < nx->n; i++)
					if (grevs_push(&children, nx->v[i]) < 0)
						goto oom;
			}
			if (branch_label && *branch_label &&
			    g_filter_for_lineage(&children, g, branch_label, 0, e) < 0)
				goto done;
		} else {
			if (initial == GREV_BASE) {
				/* children = () */
			} else if (initial == GREV_NONE) {
				for (i = 0; i < g->heads.n; i++)
					if (grevs_push(&children, g_find(g, g->heads.v[i])->order) < 0)
						goto oom;
				if (!children.n && grevs_push(&children, GREV_BASE) < 0)
					goto oom;
			} else {
				const struct gadj *dn = &g->nodes[initial].down;
				for (i = 0; i < dn->n; i++)
					if (grevs_push(&children, dn->v[i]) < 0)
						goto oom;
				if (!children.n && grevs_push(&children, GREV_BASE) < 0)
					goto oom;
			}
		}
		if (!children.n) {
			*out = no_overwalk ? GREV_NONE : initial;
			error = 0;
			goto done;
		}
		if (children.n > 1) {
			gerr_set(e, GERR_REVISION, NULL, "Ambiguous walk");
			goto done;
		}
		initial = children.v[0];
	}
	*out = initial;
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	grevs_free(&children);
	return error;
}

/* ------------------------------------------------------------ relative specs */

static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Tries "(\w+)?((?:\+|-)\d+)" at s; returns 1 and fills the groups on a match. */
static int match_tail(struct grel *r, const char *s)
{
	size_t w = 0, d;
	while (s[w] && is_word((unsigned char)s[w]))
		w++;
	if (s[w] != '+' && s[w] != '-')
		return 0;
	if (!isdigit((unsigned char)s[w + 1]))
		return 0;
	d = w + 1;
	while (isdigit((unsigned char)s[d]))
		d++;
	r->symbol = w ? rt_strndup(s, w) : NULL;
	r->relative = rt_strndup(s + w, d - w);
	return (w && !r->symbol) || !r->relative ? -1 : 1;
}

int g_match_relative(struct grel *out, const char *s)
{
	const char *p;
	memset(out, 0, sizeof(*out));
	if (!s)
		return 0;
	/* (?:(.+?)@)? : lazily, each '@' after at least one character */
	int rc;
	for (p = s + 1; *s && (p = strchr(p, '@')) != NULL; p++) {
		if ((rc = match_tail(out, p + 1)) != 0) {
			out->branch = rt_strndup(s, (size_t)(p - s));
			if (rc < 0 || !out->branch)
				goto oom;
			goto matched;
		}
	}
	if ((rc = match_tail(out, s)) > 0)
		goto matched;
	if (rc < 0)
		goto oom;
	return 0;
oom:
	grel_free(out);
	return -1;
matched:
	out->matched = 1;
	errno = 0;
	out->value = strtol(out->relative, NULL, 10);
	if (errno == ERANGE)
		out->value = out->value < 0 ? LONG_MIN / 2 : LONG_MAX / 2;
	return 1;
}

void grel_free(struct grel *r)
{
	rt_free(r->branch);
	rt_free(r->symbol);
	rt_free(r->relative);
	memset(r, 0, sizeof(*r));
}

/* get_revision() of a string that may be NULL (None) */
static int rev_of(size_t *out, const struct rt_graph *g, const char *s, struct gerr *e)
{
	if (!s) {
		*out = GREV_NONE;
		return 0;
	}
	return g_get_revision(out, g, s, e);
}

int g_parse_upgrade_target(struct grevs *out, const struct rt_graph *g,
                           const char *const *current, size_t n_current,
                           const char *target, int assert_relative_length, struct gerr *e)
{
	struct grel m;
	int rc, error = -1;
	size_t i, w;
	struct grevs start = { 0 }, active = { 0 };
	struct gset anc = { 0 };

	rc = g_match_relative(&m, target);
	if (rc < 0)
		return gerr_oom(e);
	if (!rc)
		return g_get_revisions(out, g, target, e);
	if (m.value > 0) {
		if (!m.symbol) {
			size_t s0 = GREV_NONE;
			int have_start = 0;
			if (m.branch && *m.branch) {
				struct grevs cur = { 0 };
				for (i = 0; i < n_current; i++)
					if (g_get_revisions(&cur, g, current[i], e) < 0) {
						grevs_free(&cur);
						goto done;
					}
				/* "base" and None from a relative current ("-1") are
				 * kept: filter_for_lineage fails on them as Alembic does */
				for (i = 0; i < cur.n; i++)
					if (grevs_push(&start, cur.v[i]) < 0) {
						grevs_free(&cur);
						goto oom;
					}
				if (g_filter_for_lineage(&start, g, m.branch, 0, e) < 0) {
					grevs_free(&cur);
					goto done;
				}
				if (!start.n) {
					/* back-track to the tips of the branch below current */
					size_t j;
					struct gset tips_below = { 0 };
					size_t *cv = cur.v, cn = 0;
					for (i = 0; i < cur.n; i++)
						if (cur.v[i] < g->n)
							cv[cn++] = cur.v[i];
					if (gset_init(&anc, g) < 0 || g_closure(&anc, g, cv, cn, GE_NDOWN) < 0) {
						grevs_free(&cur);
						goto oom;
					}
					grevs_free(&cur);
					for (i = 0; i < g->n; i++)
						if (anc.in[i] && grevs_push(&active, i) < 0)
							goto oom;
					if (g_filter_for_lineage(&active, g, m.branch, 0, e) < 0)
						goto done;
					if (gset_init(&tips_below, g) < 0)
						goto oom;
					for (i = 0; i < active.n; i++) {
						const struct gadj *d = &g->nodes[active.v[i]].ndown;
						for (j = 0; j < d->n; j++)
							if (gset_add(&tips_below, d->v[j]) < 0) {
								gset_free(&tips_below);
								goto oom;
							}
					}
					for (i = 0; i < active.n; i++)
						if (!tips_below.in[active.v[i]] &&
						    grevs_push(&start, active.v[i]) < 0) {
							gset_free(&tips_below);
							goto oom;
						}
					gset_free(&tips_below);
					if (!start.n && grevs_push(&start, GREV_NONE) < 0)
						goto oom;
				} else {
					grevs_free(&cur);
				}
				if (start.n > 1) {
					gerr_set(e, GERR_REVISION, NULL, "Ambiguous upgrade from multiple "
					         "current revisions");
					goto done;
				}
				s0 = start.v[0];
				have_start = 1;
			} else {
				if (n_current > 1) {
					gerr_set(e, GERR_REVISION, NULL, "Ambiguous upgrade from multiple "
					         "current revisions");
					goto done;
				}
				if (n_current == 1 && rev_of(&s0, g, current[0], e) < 0)
					goto done;
				have_start = 1;
			}
			(void)have_start;
			if (s0 == GREV_BASE)
				s0 = GREV_NONE;
			if (g_walk(&w, g, s0, m.value, m.branch, assert_relative_length, e) < 0)
				goto done;
			if (w == GREV_NONE) {
				gerr_set(e, GERR_REVISION, NULL, "Relative revision %s didn't produce "
				         "%ld migrations", m.relative, m.value);
				goto done;
			}
			if (grevs_push(out, w) < 0)
				goto oom;
		} else {
			size_t s0;
			if (rev_of(&s0, g, m.symbol, e) < 0)
				goto done;
			if (g_walk(&w, g, s0, m.value, m.branch, assert_relative_length, e) < 0)
				goto done;
			if (grevs_push(out, w) < 0)
				goto oom;
		}
	} else {
		size_t s0;
		if (!m.symbol) {
			gerr_set(e, GERR_REVISION, NULL, "Relative revision %ld didn't produce %ld "
			         "migrations", m.value, -m.value);
			goto done;
		}
		if (m.branch && *m.branch) {
			char *t = rt_sprintf("%s@%s", m.branch, m.symbol);
			if (!t)
				goto oom;
			rc = rev_of(&s0, g, t, e);
			rt_free(t);
			if (rc < 0)
				goto done;
		} else if (rev_of(&s0, g, m.symbol, e) < 0) {
			goto done;
		}
		if (g_walk(&w, g, s0, m.value, NULL, assert_relative_length, e) < 0)
			goto done;
		if (grevs_push(out, w) < 0)
			goto oom;
	}
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	grel_free(&m);
	grevs_free(&start);
	grevs_free(&active);
	gset_free(&anc);
	return error;
}

int g_parse_downgrade_target(char **branch_out, size_t *rev_out, const struct rt_graph *g,
                             const char *const *current, size_t n_current,
                             const char *target, int assert_relative_length,
                             struct gerr *e)
{
	struct grel m;
	int rc, error = -1;
	char *branch = NULL, *symbol = NULL;
	size_t w, s0;

	*rev_out = GREV_NONE;
	if (branch_out)
		*branch_out = NULL;
	if (!target)
		return 0;
	rc = g_match_relative(&m, target);
	if (rc < 0)
		return gerr_oom(e);
	if (rc) {
		if (m.value >= 0) {
			if (!m.symbol) {
				gerr_set(e, GERR_REVISION, NULL, "Relative revision %s didn't produce "
				         "%ld migrations", m.relative, m.value);
				goto done;
			}
			if (rev_of(&s0, g, m.symbol, e) < 0 ||
			    g_walk(&w, g, s0, m.value, m.branch, assert_relative_length, e) < 0)
				goto done;
			if (w == GREV_NONE) {
				gerr_set(e, GERR_REVISION, NULL, "Walked too far");
				goto done;
			}
			branch = m.branch, m.branch = NULL;
			*rev_out = w;
		} else {
			int relative_revision = m.symbol == NULL;
			branch = m.branch, m.branch = NULL;
			symbol = m.symbol, m.symbol = NULL;
			if (relative_revision) {
				if (branch && *branch) {
					struct grevs cur = { 0 };
					size_t i;
					for (i = 0; i < n_current; i++) {
						size_t r;
						if (g_revision_for_ident(&r, g, current[i], NULL, e) < 0) {
							grevs_free(&cur);
							goto done;
						}
						if (r != GREV_NONE && grevs_push(&cur, r) < 0) {
							grevs_free(&cur);
							goto oom;
						}
					}
					if (g_filter_for_lineage(&cur, g, branch, 0, e) < 0) {
						grevs_free(&cur);
						goto done;
					}
					if (!cur.n) {
						if (g_get_all_current(&cur, g, current, n_current, e) < 0 ||
						    g_filter_for_lineage(&cur, g, branch, 0, e) < 0) {
							grevs_free(&cur);
							goto done;
						}
					}
					if (cur.n != 1) {
						gerr_set(e, GERR_REVISION, NULL, "Relative revision %s is "
						         "ambiguous: %zu current revisions are on branch '%s'",
						         target, cur.n, branch);
						grevs_free(&cur);
						goto done;
					}
					symbol = rt_strdup(g->revs[cur.v[0]]->id);
					grevs_free(&cur);
					if (!symbol)
						goto oom;
				} else {
					if (!n_current) {
						gerr_set(e, GERR_REVISION, NULL, "Relative revision %s didn't "
						         "produce %ld migrations", m.relative, -m.value);
						goto done;
					}
					symbol = rt_strdup(current[0]);
					rt_free(branch);
					branch = rt_strdup(current[0]);
					if (!symbol || !branch)
						goto oom;
				}
			}
			if (branch) {
				char *t = rt_sprintf("%s@%s", branch, symbol);
				if (!t)
					goto oom;
				rc = rev_of(&s0, g, t, e);
				rt_free(t);
				if (rc < 0)
					goto done;
			} else if (rev_of(&s0, g, symbol, e) < 0) {
				goto done;
			}
			if (g_walk(&w, g, s0, m.value, NULL, assert_relative_length, e) < 0)
				goto done;
			if (w == GREV_NONE) {
				if (relative_revision)
					gerr_set(e, GERR_REVISION, NULL, "Relative revision %s didn't "
					         "produce %ld migrations", m.relative, -m.value);
				else
					gerr_set(e, GERR_REVISION, NULL, "Walked too far");
				goto done;
			}
			*rev_out = w;
		}
	} else {
		/* absolute: target.rpartition("@") */
		const char *at = strrchr(target, '@');
		if (at && at > target) {
			branch = rt_strndup(target, (size_t)(at - target));
			if (!branch)
				goto oom;
		}
		if (rev_of(&s0, g, at ? at + 1 : target, e) < 0)
			goto done;
		*rev_out = s0;
	}
	if (branch_out) {
		*branch_out = branch;
		branch = NULL;
	}
	error = 0;
	goto done;
oom:
	gerr_oom(e);
done:
	grel_free(&m);
	rt_free(branch);
	rt_free(symbol);
	return error;
}

/* ------------------------------------------------------------ public */

static int push_ids(struct rt_strvec *out, const struct rt_graph *g, const struct grevs *r)
{
	size_t i;
	for (i = 0; i < r->n; i++) {
		if (r->v[i] >= g->n)
			continue; /* None / "base" */
		if (rt_strvec_push(out, g->revs[r->v[i]]->id) < 0)
			return -1;
	}
	return 0;
}

int rt_graph_get_revisions(const struct rt_graph *g, const char *spec, struct rt_strvec *out,
                           struct rt_err *err)
{
	struct grevs r = { 0 };
	struct gerr e = { 0 };
	int error = 0;
	if (g_get_revisions(&r, g, spec, &e) < 0)
		error = gerr_to_rt(err, &e, NULL);
	else if (push_ids(out, g, &r) < 0)
		error = rt_err_oom(err);
	grevs_free(&r);
	gerr_free(&e);
	return error;
}

int rt_graph_resolve(const struct rt_graph *g, const char *spec,
                     const char *const *current, size_t n_current,
                     struct rt_strvec *out, struct rt_err *err)
{
	struct grevs r = { 0 };
	struct gerr e = { 0 };
	struct grel m;
	int rc, error = 0;

	rc = g_match_relative(&m, spec);
	if (rc < 0)
		return rt_err_oom(err);
	if (rc && m.value > 0) {
		rc = g_parse_upgrade_target(&r, g, current, n_current, spec, 1, &e);
		if (rc == 0 && r.n == 1 && r.v[0] == GREV_NONE)
			rc = gerr_set(&e, GERR_REVISION, NULL, "Walked too far");
	} else if (rc) {
		size_t rev;
		rc = g_parse_downgrade_target(NULL, &rev, g, current, n_current, spec, 1, &e);
		if (rc == 0 && rev != GREV_NONE && rev != GREV_BASE)
			rc = grevs_push(&r, rev) < 0 ? gerr_oom(&e) : 0;
	} else {
		rc = g_get_revisions(&r, g, spec, &e);
	}
	grel_free(&m);
	if (rc < 0)
		error = gerr_to_rt(err, &e, NULL);
	else if (push_ids(out, g, &r) < 0)
		error = rt_err_oom(err);
	grevs_free(&r);
	gerr_free(&e);
	return error;
}
