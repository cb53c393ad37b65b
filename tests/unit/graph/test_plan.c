/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/graph/test_plan.c - core/plan.c: the order of steps and the
 * exact version-table operations (INSERT on a new branch, UPDATE along a
 * branch, DELETE past a base or when a merge collapses rows, unmerge on
 * downgrade, dependencies, stamp), and the errors, on the graphs of
 * Alembic's branching documentation.
 *
 * Plans read "rev[ops] ... = rows": "+x" INSERT x, "-x" DELETE x, "x>y"
 * UPDATE x to y.  Every expectation here was checked against Alembic
 * (tests/unit/graph/alembic_ref.py) with retort's documented choice of
 * which row a merge keeps.
 */
#include "fixture.h"

/* "Working with Branches": two branches from 1975ea83b712, then a merge */
static const char *const branched[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	"27c6a30d7c24|1975ea83b712|-|-|add shopping cart table",
	NULL
};

static const char *const merged[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	"27c6a30d7c24|1975ea83b712|-|-|add shopping cart table",
	"53fffde5ad5|ae1027a6acf,27c6a30d7c24|-|-|merge ae1 and 27c",
	NULL
};

/* "Working with Multiple Bases" + "Branch Dependencies" */
static const char *const multibase[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	"55af2cb1c267|ae1027a6acf|-|-|add another account column",
	"27c6a30d7c24|-|shoppingcart|-|create shopping cart table",
	"d747a8a8879|27c6a30d7c24|-|-|add a shopping cart column",
	"3cac04ae8714|-|networking|-|create networking branch",
	"109ec7d132bf|3cac04ae8714|-|-|add ip number table",
	"29f859a13ea|109ec7d132bf|-|55af2cb1c267|add DNS table",
	NULL
};

static void test_branches(void **state)
{
	struct rt_graph *g = fx_graph(branched);
	(void)state;
	assert_prefix(fx_plan(g, FX_UP, "head", NULL),
	              "error: Multiple head revisions are present for given argument 'head'");
	/* heads in load order: 27c6 first in the list, applied after ae10 */
	assert_text(fx_plan(g, FX_UP, "heads", NULL),
	            "1975ea83b712[+1975ea83b712] ae1027a6acf[1975ea83b712>ae1027a6acf] "
	            "27c6a30d7c24[+27c6a30d7c24] = 27c6a30d7c24 ae1027a6acf");
	/* a second branch on an applied parent is a new row */
	assert_text(fx_plan(g, FX_UP, "27c6a30d7c24", "ae1027a6acf"),
	            "27c6a30d7c24[+27c6a30d7c24] = 27c6a30d7c24 ae1027a6acf");
	/* downgrading one branch to the branch point: its row goes */
	assert_text(fx_plan(g, FX_DOWN, "1975ea83b712", "27c6a30d7c24,ae1027a6acf"),
	            "27c6a30d7c24[-27c6a30d7c24] ae1027a6acf[ae1027a6acf>1975ea83b712] "
	            "= 1975ea83b712");
	assert_text(fx_plan(g, FX_DOWN, "base", "27c6a30d7c24,ae1027a6acf"),
	            "27c6a30d7c24[-27c6a30d7c24] ae1027a6acf[ae1027a6acf>1975ea83b712] "
	            "1975ea83b712[-1975ea83b712] =");
	assert_text(fx_plan(g, FX_UP, "1975ea83b712", "ae1027a6acf"), " = ae1027a6acf");
	rt_graph_free(g);
}

static void test_merge_unmerge(void **state)
{
	struct rt_graph *g = fx_graph(merged);
	(void)state;
	/* the merge keeps the row of its last parent in Revises */
	assert_text(fx_plan(g, FX_UP, "head", "ae1027a6acf,27c6a30d7c24"),
	            "53fffde5ad5[-ae1027a6acf,27c6a30d7c24>53fffde5ad5] = 53fffde5ad5");
	/* one parent missing: it runs first, then the merge */
	assert_text(fx_plan(g, FX_UP, "head", "ae1027a6acf"),
	            "27c6a30d7c24[+27c6a30d7c24] "
	            "53fffde5ad5[-ae1027a6acf,27c6a30d7c24>53fffde5ad5] = 53fffde5ad5");
	/* only one parent's row present because the other is its ancestor's
	 * branch: a plain UPDATE */
	assert_text(fx_plan(g, FX_UP, "heads", NULL),
	            "1975ea83b712[+1975ea83b712] 27c6a30d7c24[1975ea83b712>27c6a30d7c24] "
	            "ae1027a6acf[+ae1027a6acf] "
	            "53fffde5ad5[-ae1027a6acf,27c6a30d7c24>53fffde5ad5] = 53fffde5ad5");
	/* unmerge: UPDATE to the last parent, INSERT the others */
	assert_text(fx_plan(g, FX_DOWN, "27c6a30d7c24", "53fffde5ad5"),
	            "53fffde5ad5[+ae1027a6acf,53fffde5ad5>27c6a30d7c24] "
	            "= 27c6a30d7c24 ae1027a6acf");
	/* walking down from a merge point is ambiguous (Alembic's error) */
	assert_text(fx_plan(g, FX_DOWN, "-1", "53fffde5ad5"), "error: Ambiguous walk");
	/* only the merge is above ae1027a6acf; the other branch stays */
	assert_text(fx_plan(g, FX_DOWN, "ae1027a6acf", "53fffde5ad5"),
	            "53fffde5ad5[+ae1027a6acf,53fffde5ad5>27c6a30d7c24] "
	            "= 27c6a30d7c24 ae1027a6acf");
	assert_text(fx_plan(g, FX_DOWN, "base", "53fffde5ad5"),
	            "53fffde5ad5[+ae1027a6acf,53fffde5ad5>27c6a30d7c24] "
	            "ae1027a6acf[-ae1027a6acf] 27c6a30d7c24[27c6a30d7c24>1975ea83b712] "
	            "1975ea83b712[-1975ea83b712] =");
	rt_graph_free(g);
}

static void test_dependencies(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	/* networking@head needs 55af2cb1c267 through Depends On; the merge of
	 * the dependency keeps the networking row */
	assert_text(fx_plan(g, FX_UP, "networking@head", NULL),
	            "1975ea83b712[+1975ea83b712] ae1027a6acf[1975ea83b712>ae1027a6acf] "
	            "55af2cb1c267[ae1027a6acf>55af2cb1c267] 3cac04ae8714[+3cac04ae8714] "
	            "109ec7d132bf[3cac04ae8714>109ec7d132bf] "
	            "29f859a13ea[-55af2cb1c267,109ec7d132bf>29f859a13ea] = 29f859a13ea");
	assert_text(fx_plan(g, FX_UP, "shoppingcart@head", NULL),
	            "27c6a30d7c24[+27c6a30d7c24] d747a8a8879[27c6a30d7c24>d747a8a8879] "
	            "= d747a8a8879");
	/* downgrading the dependency takes the dependent revision with it */
	assert_text(fx_plan(g, FX_DOWN, "ae1027a6acf", "29f859a13ea,d747a8a8879"),
	            "29f859a13ea[+55af2cb1c267,29f859a13ea>109ec7d132bf] "
	            "55af2cb1c267[55af2cb1c267>ae1027a6acf] "
	            "= 109ec7d132bf ae1027a6acf d747a8a8879");
	/* label@base: the whole networking branch, nothing else */
	assert_text(fx_plan(g, FX_DOWN, "networking@base", "29f859a13ea,d747a8a8879"),
	            "29f859a13ea[+55af2cb1c267,29f859a13ea>109ec7d132bf] "
	            "109ec7d132bf[109ec7d132bf>3cac04ae8714] 3cac04ae8714[-3cac04ae8714] "
	            "= 55af2cb1c267 d747a8a8879");
	assert_text(fx_plan(g, FX_UP, "networking@+1", "d747a8a8879"),
	            "3cac04ae8714[+3cac04ae8714] = 3cac04ae8714 d747a8a8879");
	assert_text(fx_plan(g, FX_DOWN, "shoppingcart@-1", "29f859a13ea,d747a8a8879"),
	            "d747a8a8879[d747a8a8879>27c6a30d7c24] = 27c6a30d7c24 29f859a13ea");
	assert_text(fx_plan(g, FX_DOWN, "networking@-2", "29f859a13ea,d747a8a8879"),
	            "29f859a13ea[+55af2cb1c267,29f859a13ea>109ec7d132bf] "
	            "109ec7d132bf[109ec7d132bf>3cac04ae8714] "
	            "= 3cac04ae8714 55af2cb1c267 d747a8a8879");
	assert_text(fx_plan(g, FX_UP, "ae1027a6acf+1", "ae1027a6acf"),
	            "55af2cb1c267[ae1027a6acf>55af2cb1c267] = 55af2cb1c267");
	rt_graph_free(g);
}

static void test_errors(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	assert_text(fx_plan(g, FX_DOWN, "55af2cb1c267", "29f859a13ea,d747a8a8879"),
	            "error: Destination 55af2cb1c267 is not a valid downgrade target from "
	            "current head(s)");
	assert_text(fx_plan(g, FX_DOWN, "-1", NULL),
	            "error: Relative revision -1 didn't produce 1 migrations");
	assert_text(fx_plan(g, FX_UP, "-1", NULL),
	            "error: Relative revision -1 didn't produce 1 migrations");
	assert_text(fx_plan(g, FX_UP, "+1", "d747a8a8879"),
	            "error: Relative revision +1 didn't produce 1 migrations");
	assert_text(fx_plan(g, FX_DOWN, "+1", "d747a8a8879"),
	            "error: Relative revision +1 didn't produce 1 migrations");
	assert_text(fx_plan(g, FX_UP, "nosuchrev", NULL),
	            "error: Can't locate revision identified by 'nosuchrev' (No such revision "
	            "or branch 'nosuchrev')");
	assert_text(fx_plan(g, FX_UP, "heads", "unknownrow"),
	            "error: Can't locate revision identified by 'unknownrow' (No such revision "
	            "or branch 'unknownrow')");
	assert_prefix(fx_plan(g, FX_UP, "shoppingcart@head-5", NULL),
	              "error: Relative revision shoppingcart@head-5 didn't produce");
	assert_text(fx_plan(g, FX_DOWN, "shoppingcart@head-5", "d747a8a8879"),
	            "error: Walked too far");
	rt_graph_free(g);
}

static void test_descriptions(void **state)
{
	struct rt_graph *g = fx_graph(merged);
	struct rt_plan p;
	struct rt_err err = { 0, NULL };
	const char *cur[] = { "53fffde5ad5" };
	const char *tg[] = { "ae1027a6acf" };
	(void)state;
	assert_int_equal(rt_plan_upgrade(&p, g, NULL, 0, "heads", &err), 0);
	assert_int_equal(p.n_steps, 4);
	assert_string_equal(p.steps[0].description,
	                    "Running upgrade  -> 1975ea83b712, create account table");
	assert_string_equal(p.steps[3].description,
	                    "Running upgrade ae1027a6acf, 27c6a30d7c24 -> 53fffde5ad5, "
	                    "merge ae1 and 27c");
	assert_true(p.steps[3].upgrade && !p.steps[3].stamp);
	assert_string_equal(p.steps[3].rev->id, "53fffde5ad5");
	rt_plan_free(&p);
	assert_int_equal(rt_plan_downgrade(&p, g, cur, 1, "27c6a30d7c24", &err), 0);
	assert_string_equal(p.steps[0].description,
	                    "Running downgrade 53fffde5ad5 -> ae1027a6acf, 27c6a30d7c24, "
	                    "merge ae1 and 27c");
	assert_false(p.steps[0].upgrade);
	rt_plan_free(&p);
	assert_int_equal(rt_plan_stamp(&p, g, cur, 1, tg, 1, 0, &err), 0);
	assert_int_equal(p.n_steps, 1);
	assert_true(p.steps[0].stamp);
	assert_null(p.steps[0].rev);
	assert_string_equal(p.steps[0].description,
	                    "Running stamp_revision 53fffde5ad5 -> ae1027a6acf");
	rt_plan_free(&p);
	rt_graph_free(g);
}

static void test_stamp(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	assert_text(fx_plan(g, FX_STAMP, "heads", NULL),
	            "stamp[+29f859a13ea] stamp[+d747a8a8879] = 29f859a13ea d747a8a8879");
	/* several targets, one per branch */
	assert_text(fx_plan(g, FX_STAMP, "55af2cb1c267,d747a8a8879", NULL),
	            "stamp[+55af2cb1c267] stamp[+d747a8a8879] = 55af2cb1c267 d747a8a8879");
	/* along a branch: UPDATE; to base: DELETE; already there: nothing */
	assert_text(fx_plan(g, FX_STAMP, "1975ea83b712", "29f859a13ea,d747a8a8879"),
	            "stamp[29f859a13ea>1975ea83b712] = 1975ea83b712 d747a8a8879");
	assert_text(fx_plan(g, FX_STAMP, "shoppingcart@base", "d747a8a8879,29f859a13ea"),
	            "stamp[-d747a8a8879] = 29f859a13ea");
	assert_text(fx_plan(g, FX_STAMP, "d747a8a8879", "d747a8a8879"), " = d747a8a8879");
	assert_text(fx_plan(g, FX_STAMP, "base", "d747a8a8879,29f859a13ea"),
	            "stamp[-d747a8a8879] stamp[-29f859a13ea] =");
	/* --purge: start from an empty table */
	assert_text(fx_plan(g, FX_STAMP_PURGE, "109ec7d132bf", "d747a8a8879,29f859a13ea"),
	            "stamp[+109ec7d132bf] = 109ec7d132bf");
	/* a stamp onto both branches below a merge of rows: one "merge" step */
	assert_text(fx_plan(g, FX_STAMP, "29f859a13ea", "55af2cb1c267,3cac04ae8714"),
	            "stamp[-55af2cb1c267,3cac04ae8714>29f859a13ea] = 29f859a13ea");
	assert_prefix(fx_plan(g, FX_STAMP, "head", NULL),
	              "error: Multiple heads are present; please specify a single target revision");
	rt_graph_free(g);
}

/* One base that declares a branch label (differential seed 1058701510) */
static const char *const labelled_base[] = {
	"1975ea83b712|-|account|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	NULL
};

/*
 * Corners where Alembic's answer follows from how its code is written,
 * found by tests/unit/graph/differential.py.
 */
static void test_alembic_corners(void **state)
{
	struct rt_graph *g = fx_graph(labelled_base);
	(void)state;
	/* branch@base: _revision_map.values() lists the base under its id and
	 * its label, two "roots", so the branch goes through _resolve_branch,
	 * and there is no branch "base" */
	assert_text(fx_plan(g, FX_DOWN, "base@base", "ae1027a6acf"),
	            "error: Can't locate revision identified by 'base' (No such branch: 'base')");
	assert_text(fx_plan(g, FX_DOWN, "account@base", "ae1027a6acf"),
	            "ae1027a6acf[ae1027a6acf>1975ea83b712] 1975ea83b712[-1975ea83b712] =");
	rt_graph_free(g);
	/* "@-1" is branch "" (not None): no head carries it, nothing to walk,
	 * so the upgrade does nothing instead of an ambiguous walk down the
	 * merge (differential seed 1058701791) */
	g = fx_graph(merged);
	assert_text(fx_plan(g, FX_UP, "@-1", "53fffde5ad5"), " = 53fffde5ad5");
	assert_text(fx_plan(g, FX_UP, "@-1", "ae1027a6acf"), " = ae1027a6acf");
	rt_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_merge_unmerge),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_descriptions),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_alembic_corners),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
