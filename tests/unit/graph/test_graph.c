/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/graph/test_graph.c - core/graph.c: loading, validation
 * errors, heads and bases in Alembic's order, branch label inheritance,
 * dependencies, and allocation failures.
 */
#include "fixture.h"

static char *load_error(const char *const *lines)
{
	char *msg = NULL;
	struct rt_graph *g = fx_try_graph(&msg, lines);
	if (g) {
		rt_graph_free(g);
		fail_msg("graph should not have loaded");
	}
	assert_non_null(msg);
	return msg;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay, needle);
}

static void test_duplicate_id(void **state)
{
	struct rt_graph *g;
	struct rt_err err = { 0, NULL };
	struct rt_revision *a = fx_rev("aaaa|-"), *b = fx_rev("aaaa|-");
	(void)state;
	rt_free(b->path);
	b->path = rt_strdup("versions/other.sql");
	assert_int_equal(rt_graph_new(&g, NULL), 0);
	assert_int_equal(rt_graph_add(g, a, &err), 0);
	assert_int_equal(rt_graph_add(g, b, &err), 0);
	assert_int_equal(rt_graph_finish(g, &err), -1); /* ids are checked once sorted */
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_contains(err.msg, "Revision aaaa is present more than once");
	assert_contains(err.msg, "versions/aaaa.sql and versions/other.sql"); /* added first, first */
	rt_err_clear(&err);
	rt_graph_free(g);
}

static void test_unknown_revises(void **state)
{
	const char *lines[] = { "a1|-", "b2|zz9", NULL };
	char *m = load_error(lines);
	(void)state;
	assert_contains(m, "Revision zz9 referenced from b2");
	assert_contains(m, "versions/b2.sql");
	rt_free(m);
}

static void test_unknown_depends_on(void **state)
{
	const char *lines[] = { "a1|-", "b2|a1|-|nope", NULL };
	char *m = load_error(lines);
	(void)state;
	assert_contains(m, "nope");
	assert_contains(m, "b2");
	assert_contains(m, "Depends On");
	rt_free(m);
}

static void test_cycles(void **state)
{
	const char *only_cycle[] = { "a1|b2", "b2|a1", NULL };
	const char *cycle_above_base[] = { "base|-", "c3|base,e5", "d4|c3", "e5|d4", "f6|base", NULL };
	const char *self[] = { "a1|a1", NULL };
	const char *dep_cycle[] = { "a1|-|-|b2", "b2|a1", NULL };
	const char *dep_self[] = { "a1|-|-|a1", NULL };
	char *m;
	(void)state;
	m = load_error(only_cycle);
	assert_string_equal(m, "Cycle is detected in revisions (a1, b2); fix their 'Revises' lines");
	rt_free(m);
	m = load_error(cycle_above_base);
	assert_contains(m, "Cycle is detected in revisions (c3, d4, e5)");
	rt_free(m);
	m = load_error(self);
	assert_contains(m, "Self-loop is detected in revisions (a1)");
	rt_free(m);
	m = load_error(dep_cycle);
	assert_contains(m, "Dependency cycle is detected in revisions (a1, b2)");
	rt_free(m);
	m = load_error(dep_self);
	assert_contains(m, "Dependency self-loop is detected in revisions (a1)");
	rt_free(m);
}

static void test_labels_unique(void **state)
{
	const char *dup[] = { "a1|-|x", "b2|-|x", NULL };
	const char *as_id[] = { "a1|-", "b2|-|a1", NULL };
	char *m;
	(void)state;
	m = load_error(dup);
	assert_contains(m, "Branch name 'x' in revision b2 already used by revision a1");
	rt_free(m);
	m = load_error(as_id);
	assert_contains(m, "Branch name 'a1' in revision b2 already used by revision a1");
	rt_free(m);
}

static void test_illegal_id(void **state)
{
	struct rt_graph *g;
	struct rt_err err = { 0, NULL };
	(void)state;
	assert_int_equal(rt_graph_new(&g, NULL), 0);
	assert_int_equal(rt_graph_add(g, fx_rev("ab-c@d|-"), &err), -1);
	assert_contains(err.msg, "Character(s) '-, @' not allowed in revision identifier 'ab-c@d'");
	rt_err_clear(&err);
	rt_graph_free(g);
}

static void test_heads_bases_order(void **state)
{
	/* added out of order: everything is taken in order of id */
	const char *lines[] = { "c3|b2", "a1|-", "e5|-", "b2|a1", "d4|b2", NULL };
	struct rt_graph *g;
	struct rt_strvec v = RT_STRVEC_INIT;
	const struct rt_revision *b2;
	(void)state;
	g = fx_graph(lines);
	assert_int_equal(rt_graph_count(g), 5);
	assert_string_equal(rt_graph_at(g, 0)->id, "a1");
	assert_string_equal(rt_graph_at(g, 4)->id, "e5");
	assert_null(rt_graph_at(g, 5));
	rt_graph_heads(g, &v);
	assert_text(fx_join(&v), "c3 d4 e5");
	rt_strvec_free(&v);
	rt_graph_bases(g, &v);
	assert_text(fx_join(&v), "a1 e5");
	rt_strvec_free(&v);
	b2 = rt_graph_get(g, "b2");
	assert_non_null(b2);
	assert_text(fx_join(&b2->nextrev), "c3 d4");
	assert_false(b2->is_head);
	assert_false(b2->is_base);
	assert_true(rt_graph_get(g, "e5")->is_head && rt_graph_get(g, "e5")->is_base);
	assert_null(rt_graph_get(g, "b"));
	rt_graph_free(g);
}

static void test_dependencies(void **state)
{
	/* d4 depends on c3 by label, e5 on it by partial id; b2 is a head only
	 * counting Revises ("effective head"), not a real head */
	const char *lines[] = { "a1|-", "b2|a1", "c3aaaa|-|net", "d4|c3aaaa|-|b2", "e5|-|-|c3aa",
	                        "f6|d4|-|net", NULL };
	struct rt_graph *g;
	struct rt_strvec v = RT_STRVEC_INIT;
	const struct rt_revision *r;
	(void)state;
	g = fx_graph(lines);
	rt_graph_heads(g, &v);
	assert_text(fx_join(&v), "b2 e5 f6");
	rt_strvec_free(&v);
	rt_graph_real_heads(g, &v);
	assert_text(fx_join(&v), "e5 f6");
	rt_strvec_free(&v);
	r = rt_graph_get(g, "e5");
	assert_int_equal(rt_graph_resolved_deps(g, r, &v), 0);
	assert_text(fx_join(&v), "c3aaaa");
	rt_strvec_free(&v);
	r = rt_graph_get(g, "c3aaaa");
	assert_int_equal(rt_graph_dependents(g, r, &v), 0);
	assert_text(fx_join(&v), "e5 f6");
	rt_strvec_free(&v);
	r = rt_graph_get(g, "f6");
	assert_int_equal(rt_graph_resolved_deps(g, r, &v), 0);
	assert_text(fx_join(&v), "c3aaaa");
	rt_strvec_free(&v);
	rt_graph_free(g);
}

static void test_label_inheritance(void **state)
{
	/* A label spreads to every descendant, and down an unbranched line to
	 * the first branch point or merge point (Alembic's _add_branches). */
	const char *lines[] = {
		"a1|-", "b2|a1", "c3|b2", "d4|c3|feat", "e5|d4",   /* line: all get feat */
		"f6|-", "g7|f6", "h8|f6|other", "i9|h8",           /* f6 branches: stops at h8 */
		NULL };
	struct rt_graph *g;
	(void)state;
	g = fx_graph(lines);
	assert_text(fx_join(&rt_graph_get(g, "a1")->all_labels), "feat");
	assert_text(fx_join(&rt_graph_get(g, "c3")->all_labels), "feat");
	assert_text(fx_join(&rt_graph_get(g, "e5")->all_labels), "feat");
	assert_text(fx_join(&rt_graph_get(g, "d4")->branch_labels), "feat");
	assert_int_equal(rt_graph_get(g, "c3")->branch_labels.n, 0);
	assert_text(fx_join(&rt_graph_get(g, "h8")->all_labels), "other");
	assert_text(fx_join(&rt_graph_get(g, "i9")->all_labels), "other");
	assert_int_equal(rt_graph_get(g, "f6")->all_labels.n, 0);
	assert_int_equal(rt_graph_get(g, "g7")->all_labels.n, 0);
	rt_graph_free(g);
}

static int freed;
static void count_free(void *p)
{
	freed++;
	free(p);
}

static void test_payload_free(void **state)
{
	struct rt_graph *g;
	struct rt_err err = { 0, NULL };
	struct rt_revision *r;
	(void)state;
	freed = 0;
	assert_int_equal(rt_graph_new(&g, count_free), 0);
	r = fx_rev("a1|-");
	r->payload = malloc(4);
	assert_int_equal(rt_graph_add(g, r, &err), 0);
	r = fx_rev("a@1|-");
	r->payload = malloc(4);
	assert_int_equal(rt_graph_add(g, r, &err), -1); /* freed on failure too */
	assert_int_equal(freed, 1);
	rt_err_clear(&err);
	rt_graph_free(g);
	assert_int_equal(freed, 2);
}

/* The arena: many small strings, structures aligned, requests larger
 * than any block; everything intact until the graph goes. */
static void test_arena(void **state)
{
	struct rt_graph *g;
	char *small[3000], *big, buf[32];
	void *st[3000];
	size_t i, n = 3 * 1024 * 1024;
	(void)state;
	assert_int_equal(rt_graph_new(&g, NULL), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "string %zu", i);
		assert_non_null(small[i] = rt_graph_strndup(g, buf, strlen(buf)));
		assert_non_null(st[i] = rt_graph_alloc(g, 8 + i % 40));
		assert_int_equal((uintptr_t)st[i] % sizeof(void *), 0);
		memset(st[i], 0xab, 8 + i % 40);
	}
	big = rt_graph_stralloc(g, n);
	assert_non_null(big);
	memset(big, 'x', n);
	assert_int_equal(big[n], '\0');
	assert_non_null(rt_graph_alloc(g, 5 * 1024 * 1024));
	for (i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "string %zu", i);
		assert_string_equal(small[i], buf);
	}
	rt_graph_free(g);
}

/* Every allocation failure gives a clean error (ASan/valgrind: no leak). */
static void test_oom(void **state)
{
	const char *lines[] = { "a1|-", "b2|a1|x", "c3|a1", "d4|b2,c3", "e5|d4|-|x", NULL };
	unsigned long n;
	int succeeded = 0, failures = 0;
	(void)state;
	for (n = 1; n < 100000 && !succeeded; n++) {
		struct rt_graph *g = NULL;
		struct rt_err err = { 0, NULL };
		struct rt_revision *revs[5];
		struct rt_plan p;
		struct rt_buf b = RT_BUF_INIT;
		struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
		size_t i;
		int ok;
		for (i = 0; i < 5; i++)
			revs[i] = fx_rev(lines[i]);
		rt__alloc_fail_after(n);
		ok = rt_graph_new(&g, NULL) == 0;
		for (i = 0; i < 5; i++) {
			if (ok)
				ok = rt_graph_add(g, revs[i], &err) == 0; /* takes revs[i] */
			else
				rt_revision_free(revs[i], NULL);
		}
		ok = ok && rt_graph_finish(g, &err) == 0;
		if (ok && rt_plan_upgrade(&p, g, NULL, 0, "heads", &err) == 0) {
			rt_plan_free(&p);
			ok = rt_format_history(&b, g, NULL, &o, &err) == 0;
		} else {
			ok = 0;
		}
		rt__alloc_fail_after(0);
		if (ok)
			succeeded = 1;
		else
			failures++;
		rt_buf_free(&b);
		rt_err_clear(&err);
		rt_graph_free(g);
	}
	assert_true(succeeded);
	assert_true(failures > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_id),
		cmocka_unit_test(test_unknown_revises),
		cmocka_unit_test(test_unknown_depends_on),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_labels_unique),
		cmocka_unit_test(test_illegal_id),
		cmocka_unit_test(test_heads_bases_order),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_label_inheritance),
		cmocka_unit_test(test_payload_free),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
