/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/graph/test_resolve.c - revision specifiers (core/graph_resolve.c)
 * on the graphs of Alembic's branching documentation: every specifier form
 * and every resolution error, with Alembic's wording.
 */
#include "fixture.h"

/* "Working with Multiple Bases" / "Branch Dependencies" in Alembic's docs */
static const char *const multibase[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	"55af2cb1c267|ae1027a6acf|-|-|add another account column",
	"27c6a30d7c24|-|shoppingcart|-|create shopping cart table",
	"d747a8a8879|27c6a30d7c24|-|-|add a shopping cart column",
	"3cac04ae8714|-|networking|-|create networking branch",
	"109ec7d132bf|3cac04ae8714|-|-|add ip number table",
	"29f859a13ea|109ec7d132bf|-|55af2cb1c267|add DNS table",
	"abcd1111|1975ea83b712|-|-|spliced a",
	"abcd2222|1975ea83b712|-|-|spliced b",
	NULL
};

/* "Working with Branches": a linear start that branches */
static const char *const linear[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	"27c6a30d7c24|ae1027a6acf|-|-|add shopping cart table",
	NULL
};

static void test_symbols(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	assert_text(fx_resolve(g, "heads", NULL), "ids 29f859a13ea abcd1111 abcd2222 d747a8a8879");
	assert_prefix(fx_resolve(g, "head", NULL),
	              "error: Multiple head revisions are present for given argument 'head'; "
	              "please specify a specific target revision, '<branchname>@head' to narrow "
	              "to a specific head, or 'heads' for all heads");
	assert_text(fx_resolve(g, "base", NULL), "ids ");
	rt_graph_free(g);
	g = fx_graph(linear);
	assert_text(fx_resolve(g, "head", NULL), "ids 27c6a30d7c24");
	assert_text(fx_resolve(g, "heads", NULL), "ids 27c6a30d7c24");
	rt_graph_free(g);
}

static void test_ids(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	assert_text(fx_resolve(g, "ae1027a6acf", NULL), "ids ae1027a6acf");
	assert_text(fx_resolve(g, "ae10", NULL), "ids ae1027a6acf");
	assert_text(fx_resolve(g, "shopp", NULL), "ids 27c6a30d7c24"); /* partial label */
	assert_text(fx_resolve(g, "zzzzzz", NULL),
	            "error: Can't locate revision identified by 'zzzzzz' "
	            "(No such revision or branch 'zzzzzz')");
	assert_text(fx_resolve(g, "ae1", NULL), "ids ae1027a6acf"); /* short prefixes match too */
	assert_text(fx_resolve(g, "zz9", NULL),
	            "error: Can't locate revision identified by 'zz9' (No such revision or "
	            "branch 'zz9'; please ensure at least four characters are present for "
	            "partial revision identifier matches)");
	assert_text(fx_resolve(g, "abcd", NULL),
	            "error: Can't locate revision identified by 'abcd' (Multiple revisions "
	            "start with 'abcd': 'abcd1111', 'abcd2222'...)");
	rt_graph_free(g);
}

static void test_labels(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	assert_text(fx_resolve(g, "networking", NULL), "ids 3cac04ae8714");
	assert_text(fx_resolve(g, "networking@head", NULL), "ids 29f859a13ea");
	assert_text(fx_resolve(g, "shoppingcart@heads", NULL), "ids d747a8a8879");
	assert_text(fx_resolve(g, "networking@base", NULL), "ids ");
	assert_text(fx_resolve(g, "networking@109e", NULL), "ids 109ec7d132bf");
	/* rev@head: the head above a revision */
	assert_text(fx_resolve(g, "27c6@head", NULL), "ids d747a8a8879");
	assert_text(fx_resolve(g, "d747a8a8879@head", NULL), "ids d747a8a8879");
	assert_prefix(fx_resolve(g, "1975ea83b712@head", NULL),
	              "error: Multiple head revisions are present for given argument "
	              "'1975ea83b712@head'");
	assert_text(fx_resolve(g, "shoppingcart@1975ea83b712", NULL),
	            "error: Can't locate revision identified by '1975ea83b712' (Revision "
	            "1975ea83b712 is not a member of branch 'shoppingcart')");
	assert_prefix(fx_resolve(g, "nosuch@head", NULL),
	              "error: Can't locate revision identified by 'nosuch'");
	rt_graph_free(g);
}

static void test_relative(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	/* relative to the rows */
	assert_text(fx_resolve(g, "-1", "ae1027a6acf"), "ids 1975ea83b712");
	assert_text(fx_resolve(g, "-2", "55af2cb1c267"), "ids 1975ea83b712");
	assert_text(fx_resolve(g, "+1", "ae1027a6acf"), "ids 55af2cb1c267");
	assert_text(fx_resolve(g, "+1", "1975ea83b712"), "error: Ambiguous walk");
	assert_text(fx_resolve(g, "+1", NULL), "error: Ambiguous walk"); /* three bases */
	assert_text(fx_resolve(g, "-1", NULL),
	            "error: Relative revision -1 didn't produce 1 migrations");
	assert_text(fx_resolve(g, "+2", "27c6a30d7c24"),
	            "error: Relative revision +2 didn't produce 2 migrations");
	assert_text(fx_resolve(g, "+1", "d747a8a8879,29f859a13ea"),
	            "error: Ambiguous upgrade from multiple current revisions");
	/* relative to a revision */
	assert_text(fx_resolve(g, "ae1027a6acf+1", NULL), "ids 55af2cb1c267");
	assert_text(fx_resolve(g, "55af-2", NULL), "ids 1975ea83b712");
	assert_text(fx_resolve(g, "networking@head-1", NULL), "ids 109ec7d132bf");
	/* branch-relative */
	assert_text(fx_resolve(g, "networking@+1", "d747a8a8879"), "ids 3cac04ae8714");
	assert_text(fx_resolve(g, "networking@+2", "3cac04ae8714,d747a8a8879"),
	            "ids 29f859a13ea");
	assert_text(fx_resolve(g, "networking@-1", "29f859a13ea,d747a8a8879"),
	            "ids 109ec7d132bf");
	assert_text(fx_resolve(g, "shoppingcart@-1", "29f859a13ea,d747a8a8879"),
	            "ids 27c6a30d7c24");
	rt_graph_free(g);
	g = fx_graph(linear);
	assert_text(fx_resolve(g, "head-1", NULL), "ids ae1027a6acf");
	assert_text(fx_resolve(g, "head-2", NULL), "ids 1975ea83b712");
	assert_text(fx_resolve(g, "head-3", NULL), "ids ");  /* the base */
	assert_text(fx_resolve(g, "head-4", NULL), "error: Walked too far");
	assert_text(fx_resolve(g, "+1", NULL), "ids 1975ea83b712");
	assert_text(fx_resolve(g, "+3", NULL), "ids 27c6a30d7c24");
	rt_graph_free(g);
}

static void test_get_revisions(void **state)
{
	/* Alembic's get_revisions (show, stamp): -N walks down from the heads */
	struct rt_graph *g = fx_graph(linear);
	struct rt_strvec out = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	(void)state;
	assert_int_equal(rt_graph_get_revisions(g, "-1", &out, &err), 0);
	assert_text(fx_join(&out), "ae1027a6acf");
	rt_strvec_free(&out);
	assert_int_equal(rt_graph_get_revisions(g, "head-1", &out, &err), -1);
	assert_string_equal(err.msg, "Can't locate revision identified by 'head-1' (No such "
	                    "revision or branch 'head-1')");
	assert_int_equal(err.status, RT_EXIT_USAGE);
	rt_err_clear(&err);
	rt_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_get_revisions),
	};
	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
