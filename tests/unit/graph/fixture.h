/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/graph/fixture.h - helpers shared by the graph unit tests:
 * build a graph from "id|down|labels|deps|message" lines, and render
 * resolutions and plans as short strings that a test can compare.
 */
#ifndef RETORT_TESTS_GRAPH_FIXTURE_H
#define RETORT_TESTS_GRAPH_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph.h"
#include "plan.h"
#include "format.h"

#if defined(__GNUC__)
#define FX_FN static __attribute__((unused))
#else
#define FX_FN static
#endif

FX_FN void fx_list(struct rt_strvec *out, const char *s, size_t n)
{
	char *tmp = rt_strndup(s, n);
	assert_non_null(tmp);
	if (strcmp(tmp, "-") != 0)
		assert_int_equal(rt_strvec_split_csv(out, tmp), 0);
	rt_free(tmp);
}

/* One revision from "id|down|labels|deps|message" (trailing fields optional). */
FX_FN struct rt_revision *fx_rev(const char *line)
{
	struct rt_revision *r = rt_calloc(1, sizeof(*r));
	const char *f[5] = { 0 }, *p = line;
	size_t len[5] = { 0 }, i;
	assert_non_null(r);
	for (i = 0; i < 5 && p; i++) {
		const char *bar = strchr(p, '|');
		f[i] = p;
		len[i] = bar ? (size_t)(bar - p) : strlen(p);
		p = bar ? bar + 1 : NULL;
	}
	r->id = rt_strndup(f[0], len[0]);
	if (f[1])
		fx_list(&r->down, f[1], len[1]);
	if (f[2])
		fx_list(&r->branch_labels, f[2], len[2]);
	if (f[3])
		fx_list(&r->depends_on, f[3], len[3]);
	r->message = f[4] ? rt_strndup(f[4], len[4]) : rt_sprintf("msg %s", r->id);
	r->create_date = rt_strdup("2026-01-01 00:00:00.000000");
	r->path = rt_sprintf("versions/%s.sql", r->id);
	return r;
}

/* Build and finish a graph; on failure returns NULL and *msg (caller frees). */
FX_FN struct rt_graph *fx_try_graph(char **msg, const char *const *lines)
{
	struct rt_graph *g = NULL;
	struct rt_err err = { 0, NULL };
	size_t i;
	*msg = NULL;
	assert_int_equal(rt_graph_new(&g, NULL), 0);
	for (i = 0; lines[i]; i++)
		if (rt_graph_add(g, fx_rev(lines[i]), &err) < 0)
			goto fail;
	if (rt_graph_finish(g, &err) < 0)
		goto fail;
	return g;
fail:
	assert_int_equal(err.status, RT_EXIT_USAGE);
	*msg = err.msg;
	rt_graph_free(g);
	return NULL;
}

FX_FN struct rt_graph *fx_graph(const char *const *lines)
{
	char *msg;
	struct rt_graph *g = fx_try_graph(&msg, lines);
	if (!g)
		fail_msg("graph failed to load: %s", msg ? msg : "(oom)");
	return g;
}

FX_FN void fx_split_current(struct rt_strvec *cur, const char *current)
{
	if (current && *current)
		assert_int_equal(rt_strvec_split_csv(cur, current), 0);
}

FX_FN char *fx_join(const struct rt_strvec *v)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t i;
	for (i = 0; i < v->n; i++)
		rt_buf_printf(&b, "%s%s", i ? " " : "", v->v[i]);
	return rt_buf_detach(&b);
}

/* "ids a b" or "error: <message>" for rt_graph_resolve(spec) from `current`. */
FX_FN char *fx_resolve(const struct rt_graph *g, const char *spec, const char *current)
{
	struct rt_strvec cur = RT_STRVEC_INIT, out = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	char *r, *j;
	fx_split_current(&cur, current);
	if (rt_graph_resolve(g, spec, (const char *const *)cur.v, cur.n, &out, &err) < 0) {
		assert_int_equal(err.status, RT_EXIT_USAGE);
		r = rt_sprintf("error: %s", err.msg);
	} else {
		j = fx_join(&out);
		r = rt_sprintf("ids %s", j);
		rt_free(j);
	}
	rt_err_clear(&err);
	rt_strvec_free(&cur);
	rt_strvec_free(&out);
	return r;
}

/*
 * A plan as "rev[op,op] rev[op] = rows", ops "+x" (INSERT x), "-x" (DELETE
 * x), "x>y" (UPDATE x to y); stamp steps show as "stamp[...]"; rows sorted.
 */
FX_FN char *fx_plan_text(const struct rt_plan *p)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_strvec rows = RT_STRVEC_INIT;
	size_t i, j;
	for (i = 0; i < p->n_steps; i++) {
		const struct rt_step *s = &p->steps[i];
		rt_buf_printf(&b, "%s%s[", i ? " " : "", s->stamp ? "stamp" : s->rev->id);
		for (j = 0; j < s->n_ops; j++) {
			const struct rt_vop *o = &s->ops[j];
			if (j)
				rt_buf_putc(&b, ',');
			if (o->kind == RT_VOP_INSERT)
				rt_buf_printf(&b, "+%s", o->to);
			else if (o->kind == RT_VOP_DELETE)
				rt_buf_printf(&b, "-%s", o->from);
			else
				rt_buf_printf(&b, "%s>%s", o->from, o->to);
		}
		rt_buf_putc(&b, ']');
	}
	for (i = 0; i < p->final_heads.n; i++)
		rt_strvec_push(&rows, p->final_heads.v[i]);
	rt_strvec_sort(&rows);
	rt_buf_puts(&b, " =");
	for (i = 0; i < rows.n; i++)
		rt_buf_printf(&b, " %s", rows.v[i]);
	rt_strvec_free(&rows);
	return rt_buf_detach(&b);
}

enum fx_cmd { FX_UP, FX_DOWN, FX_STAMP, FX_STAMP_PURGE };

FX_FN char *fx_plan(const struct rt_graph *g, enum fx_cmd cmd, const char *target,
                     const char *current)
{
	struct rt_strvec cur = RT_STRVEC_INIT, tg = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	struct rt_plan p;
	char *r;
	int rc;
	fx_split_current(&cur, current);
	if (cmd == FX_UP) {
		rc = rt_plan_upgrade(&p, g, (const char *const *)cur.v, cur.n, target, &err);
	} else if (cmd == FX_DOWN) {
		rc = rt_plan_downgrade(&p, g, (const char *const *)cur.v, cur.n, target, &err);
	} else {
		fx_split_current(&tg, target);
		rc = rt_plan_stamp(&p, g, (const char *const *)cur.v, cur.n,
		                   (const char *const *)tg.v, tg.n, cmd == FX_STAMP_PURGE, &err);
	}
	if (rc < 0) {
		assert_non_null(err.msg);
		r = rt_sprintf("error: %s", err.msg);
	} else {
		r = fx_plan_text(&p);
		rt_plan_free(&p);
	}
	rt_err_clear(&err);
	rt_strvec_free(&cur);
	rt_strvec_free(&tg);
	return r;
}

#define assert_text(expr, expected) do { \
	char *fx_got_ = (expr); \
	if (!fx_got_ || strcmp(fx_got_, (expected)) != 0) \
		fail_msg("%s\n  got:      %s\n  expected: %s", #expr, \
		         fx_got_ ? fx_got_ : "(null)", (expected)); \
	rt_free(fx_got_); \
} while (0)

#define assert_prefix(expr, prefix) do { \
	char *fx_got_ = (expr); \
	if (!fx_got_ || strncmp(fx_got_, (prefix), strlen(prefix)) != 0) \
		fail_msg("%s\n  got:      %s\n  expected: %s...", #expr, \
		         fx_got_ ? fx_got_ : "(null)", (prefix)); \
	rt_free(fx_got_); \
} while (0)

#endif
