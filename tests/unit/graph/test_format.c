/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/graph/test_format.c - core/format.c: the text of history,
 * heads, branches, current and show as Alembic 1.8.1 prints it, the JSON
 * variant, and the graph side of `revision` and `merge`.
 */
#include "fixture.h"

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

static const char *const branched[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|1975ea83b712|-|-|add a column",
	"27c6a30d7c24|1975ea83b712|-|-|add shopping cart table",
	NULL
};

typedef int (*fmt_fn)(struct rt_buf *, const struct rt_graph *, const struct rt_format_opts *,
                      struct rt_err *);

static char *run_fmt(fmt_fn fn, const struct rt_graph *g, const struct rt_format_opts *o)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_err err = { 0, NULL };
	char *r;
	if (fn(&b, g, o, &err) < 0)
		r = rt_sprintf("error: %s", err.msg);
	else
		r = rt_buf_detach(&b);
	rt_buf_free(&b);
	rt_err_clear(&err);
	return r;
}

/* The JSON a formatter appends to an open array, as "[...]" (no text). */
static char *run_json(fmt_fn fn, const struct rt_graph *g, struct rt_format_opts *o)
{
	struct rt_buf b = RT_BUF_INIT, text = RT_BUF_INIT;
	struct rt_json j;
	struct rt_err err = { 0, NULL };
	char *r;
	rt_json_init(&j, &b);
	rt_json_array(&j, NULL);
	o->json = &j;
	if (fn(&text, g, o, &err) < 0) {
		r = rt_sprintf("error: %s", err.msg);
	} else {
		rt_json_array_end(&j);
		assert_int_equal(text.len, 0);
		r = rt_buf_detach(&b);
	}
	o->json = NULL;
	rt_buf_free(&b);
	rt_buf_free(&text);
	rt_err_clear(&err);
	return r;
}

static char *history(const struct rt_graph *g, const char *range, const struct rt_format_opts *o)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_err err = { 0, NULL };
	char *r;
	if (rt_format_history(&b, g, range, o, &err) < 0)
		r = rt_sprintf("error: %s", err.msg);
	else
		r = rt_buf_detach(&b);
	rt_buf_free(&b);
	rt_err_clear(&err);
	return r;
}

static void test_history(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	const char *cur[] = { "109ec7d132bf", "d747a8a8879" };
	(void)state;
	assert_text(history(g, NULL, &o),
	            "109ec7d132bf (55af2cb1c267) -> 29f859a13ea (networking) (head), add DNS table\n"
	            "3cac04ae8714 -> 109ec7d132bf (networking), add ip number table\n"
	            "<base> -> 3cac04ae8714 (networking), create networking branch\n"
	            "27c6a30d7c24 -> d747a8a8879 (shoppingcart) (head), add a shopping cart column\n"
	            "<base> -> 27c6a30d7c24 (shoppingcart), create shopping cart table\n"
	            "ae1027a6acf -> 55af2cb1c267 (effective head), add another account column\n"
	            "1975ea83b712 -> ae1027a6acf, add a column\n"
	            "<base> -> 1975ea83b712, create account table\n");
	assert_text(history(g, "ae1027a6acf:", &o),
	            "ae1027a6acf -> 55af2cb1c267 (effective head), add another account column\n"
	            "1975ea83b712 -> ae1027a6acf, add a column\n");
	assert_text(history(g, ":networking@head", &o),
	            "109ec7d132bf (55af2cb1c267) -> 29f859a13ea (networking) (head), add DNS table\n"
	            "3cac04ae8714 -> 109ec7d132bf (networking), add ip number table\n"
	            "<base> -> 3cac04ae8714 (networking), create networking branch\n"
	            "ae1027a6acf -> 55af2cb1c267 (effective head), add another account column\n"
	            "1975ea83b712 -> ae1027a6acf, add a column\n"
	            "<base> -> 1975ea83b712, create account table\n");
	o.indicate_current = 1;
	o.current = cur;
	o.n_current = 2;
	assert_text(history(g, "3cac04ae8714:current", &o),
	            "3cac04ae8714 -> 109ec7d132bf (networking) (current), add ip number table\n"
	            "<base> -> 3cac04ae8714 (networking), create networking branch\n");
	assert_text(history(g, "nocolon", &o),
	            "error: History range requires [start]:[end], [start]:, or :[end]");
	assert_text(history(g, "d747a8a8879:55af2cb1c267", &o),
	            "error: Requested range d747a8a8879:55af2cb1c267 does not refer to "
	            "ancestor/descendant revisions along the same branch");
	rt_graph_free(g);
}

/* Two bases that are heads, one labelled: "-1" walks down from the heads
 * to "base", and Alembic's filter_for_lineage for "branch@+1" looks the
 * string "base" up as a revision (differential seed 1058701723); "-2"
 * walks past base to None, which Alembic asserts against. */
static const char *const two_bases[] = {
	"1a0000000001|-|lab0|-|msg 1",
	"2b0000000002|-|-|-|msg 2",
	NULL
};

static void test_history_relative_lower(void **state)
{
	struct rt_graph *g = fx_graph(two_bases);
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	(void)state;
	assert_text(history(g, "-1:lab0@+1", &o),
	            "error: Can't locate revision identified by 'base' (No such revision or "
	            "branch 'base')");
	assert_text(history(g, "-2:lab0@+1", &o), "error: Walked too far");
	assert_text(history(g, "1a0000000001:lab0@+1", &o),
	            "<base> -> 1a0000000001 (lab0) (head), msg 1\n");
	rt_graph_free(g);
}

static void test_log_entry(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	struct rt_buf b = RT_BUF_INIT;
	struct rt_err err = { 0, NULL };
	(void)state;
	assert_int_equal(rt_format_show(&b, g, "29f8", &o, &err), 0);
	assert_string_equal(b.ptr,
	                    "Rev: 29f859a13ea (head)\n"
	                    "Parent: 109ec7d132bf\n"
	                    "Also depends on: 55af2cb1c267\n"
	                    "Branch names: networking\n"
	                    "Path: versions/29f859a13ea.sql\n"
	                    "\n"
	                    "    add DNS table\n"
	                    "    \n"
	                    "    Revision ID: 29f859a13ea\n"
	                    "    Revises: 109ec7d132bf\n"
	                    "    Create Date: 2026-01-01 00:00:00.000000\n"
	                    "\n");
	rt_buf_free(&b);
	assert_int_equal(rt_format_show(&b, g, "nope", &o, &err), -1);
	assert_string_equal(err.msg, "Can't locate revision identified by 'nope' (No such "
	                    "revision or branch 'nope')");
	rt_err_clear(&err);
	rt_buf_free(&b);
	rt_graph_free(g);
}

static void test_heads_branches_current(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	const char *cur[] = { "29f859a13ea", "d747a8a8879" };
	(void)state;
	assert_text(run_fmt(rt_format_heads, g, &o),
	            "29f859a13ea (networking) (head)\n"
	            "55af2cb1c267 (effective head)\n"
	            "d747a8a8879 (shoppingcart) (head)\n");
	o.resolve_dependencies = 1;
	assert_text(run_fmt(rt_format_heads, g, &o),
	            "29f859a13ea (networking) (head)\n"
	            "d747a8a8879 (shoppingcart) (head)\n");
	o.verbose = 1;
	assert_text(run_fmt(rt_format_heads, g, &o),
	            "Rev: 29f859a13ea (head)\n"
	            "Parent: 109ec7d132bf\n"
	            "Also depends on: 55af2cb1c267\n"
	            "Branch names: networking\n"
	            "Path: versions/29f859a13ea.sql\n"
	            "\n"
	            "    add DNS table\n"
	            "    \n"
	            "    Revision ID: 29f859a13ea\n"
	            "    Revises: 109ec7d132bf\n"
	            "    Create Date: 2026-01-01 00:00:00.000000\n"
	            "\n"
	            "Rev: d747a8a8879 (head)\n"
	            "Parent: 27c6a30d7c24\n"
	            "Branch names: shoppingcart\n"
	            "Path: versions/d747a8a8879.sql\n"
	            "\n"
	            "    add a shopping cart column\n"
	            "    \n"
	            "    Revision ID: d747a8a8879\n"
	            "    Revises: 27c6a30d7c24\n"
	            "    Create Date: 2026-01-01 00:00:00.000000\n"
	            "\n");
	o.verbose = 0;
	o.resolve_dependencies = 0;
	o.current = cur;
	o.n_current = 2;
	assert_text(run_fmt(rt_format_current, g, &o),
	            "29f859a13ea (head)\n"
	            "55af2cb1c267 (effective head)\n"
	            "d747a8a8879 (head)\n");
	o.verbose = 1;
	o.url = "sqlite:///x.db";
	o.n_current = 0;
	assert_text(run_fmt(rt_format_current, g, &o), "Current revision(s) for sqlite:///x.db:\n");
	rt_graph_free(g);

	g = fx_graph(branched);
	o.verbose = 0;
	assert_text(run_fmt(rt_format_branches, g, &o),
	            "1975ea83b712 (branchpoint)\n"
	            "             -> 27c6a30d7c24 (head)\n"
	            "             -> ae1027a6acf (head)\n"
	            "\n");
	o.verbose = 1;
	assert_text(run_fmt(rt_format_branches, g, &o),
	            "Rev: 1975ea83b712 (branchpoint)\n"
	            "Parent: <base>\n"
	            "Branches into: 27c6a30d7c24, ae1027a6acf\n"
	            "Path: versions/1975ea83b712.sql\n"
	            "\n"
	            "    create account table\n"
	            "    \n"
	            "    Revision ID: 1975ea83b712\n"
	            "    Revises: \n"
	            "    Create Date: 2026-01-01 00:00:00.000000\n"
	            "\n"
	            "             -> 27c6a30d7c24 (head), add shopping cart table\n"
	            "             -> ae1027a6acf (head), add a column\n"
	            "\n");
	rt_graph_free(g);
}

static void test_json(void **state)
{
	const char *lines[] = { "a1|-|-|-|say \"hi\"\\ok", "b2|a1|lbl|-|tab\there", NULL };
	struct rt_graph *g = fx_graph(lines);
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	const char *cur[] = { "a1" };
	(void)state;
	assert_text(run_json(rt_format_heads, g, &o),
	            "[{\"revision\": \"b2\", \"down_revisions\": [\"a1\"], \"branch_labels\": "
	            "[\"lbl\"], \"depends_on\": [], \"message\": \"tab\\there\", \"path\": "
	            "\"versions/b2.sql\", \"is_head\": true, \"is_merge_point\": false, "
	            "\"is_branch_point\": false}]");
	o.current = cur;
	o.n_current = 1;
	assert_text(run_json(rt_format_current, g, &o),
	            "[{\"revision\": \"a1\", \"down_revisions\": [], \"branch_labels\": "
	            "[\"lbl\"], \"depends_on\": [], \"message\": \"say \\\"hi\\\"\\\\ok\", "
	            "\"path\": \"versions/a1.sql\", \"is_head\": false, \"is_merge_point\": "
	            "false, \"is_branch_point\": false, \"is_current\": true}]");
	o.n_current = 0;
	assert_text(run_json(rt_format_current, g, &o), "[]");
	rt_graph_free(g);

	g = fx_graph(branched);
	assert_text(run_json(rt_format_branches, g, &o),
	            "[{\"revision\": \"1975ea83b712\", \"down_revisions\": [], "
	            "\"branch_labels\": [], \"depends_on\": [], \"message\": "
	            "\"create account table\", \"path\": \"versions/1975ea83b712.sql\", "
	            "\"is_head\": false, \"is_merge_point\": false, \"is_branch_point\": true, "
	            "\"branches_into\": [\"27c6a30d7c24\", \"ae1027a6acf\"]}]");
	{
		struct rt_buf b = RT_BUF_INIT, text = RT_BUF_INIT;
		struct rt_json j;
		struct rt_err err = { 0, NULL };
		const char *c2[] = { "ae1027a6acf" };
		o.current = c2;
		o.n_current = 1;
		o.indicate_current = 1;
		rt_json_init(&j, &b);
		rt_json_array(&j, NULL);
		o.json = &j;
		assert_int_equal(rt_format_history(&text, g, "1975ea83b712:ae1027a6acf", &o, &err), 0);
		rt_json_array_end(&j);
		o.json = NULL;
		assert_non_null(strstr(b.ptr, "\"revision\": \"ae1027a6acf\""));
		assert_non_null(strstr(b.ptr, "\"is_current\": true"));
		assert_non_null(strstr(b.ptr, "\"is_current\": false"));
		assert_int_equal(b.ptr[0], '[');
		assert_int_equal(b.ptr[b.len - 1], ']');
		rt_buf_free(&b);
		rt_buf_free(&text);
	}
	rt_graph_free(g);
}

static char *newrev(const struct rt_graph *g, const char *id, const char *head, int splice,
                    const char *label, const char *dep)
{
	struct rt_newrev n;
	struct rt_err err = { 0, NULL };
	char *r, *d, *l, *p;
	const char *deps[1] = { dep };
	if (rt_newrev_plan(&n, g, id, head, splice, label, deps, dep ? 1 : 0, &err) < 0) {
		r = rt_sprintf("error: %s", err.msg);
		rt_err_clear(&err);
		return r;
	}
	d = fx_join(&n.down);
	l = fx_join(&n.branch_labels);
	p = fx_join(&n.depends_on);
	r = rt_sprintf("down=%s labels=%s deps=%s", d, l, p);
	rt_free(d);
	rt_free(l);
	rt_free(p);
	rt_newrev_free(&n);
	return r;
}

static void test_revision(void **state)
{
	struct rt_graph *g = fx_graph(multibase);
	(void)state;
	assert_text(newrev(g, "0001", NULL, 0, NULL, NULL),
	            "error: Multiple heads are present; please specify the head revision on "
	            "which the new revision should be based, or perform a merge.");
	assert_text(newrev(g, "0001", "networking@head", 0, NULL, NULL),
	            "down=29f859a13ea labels= deps=");
	assert_text(newrev(g, "0001", "base", 0, "accounts2", NULL),
	            "down= labels=accounts2 deps=");
	assert_text(newrev(g, "0001", "ae1027a6acf", 0, NULL, NULL),
	            "error: Revision ae1027a6acf is not a head revision; please specify --splice "
	            "to create a new branch from this revision");
	assert_text(newrev(g, "0001", "ae1027a6acf", 1, NULL, NULL),
	            "down=ae1027a6acf labels= deps=");
	/* a label stays a label, a partial id becomes the full id */
	assert_text(newrev(g, "0001", "d747a8a8879", 0, NULL, "networking"),
	            "down=d747a8a8879 labels= deps=networking");
	assert_text(newrev(g, "0001", "d747a8a8879", 0, NULL, "55af"),
	            "down=d747a8a8879 labels= deps=55af2cb1c267");
	assert_prefix(newrev(g, "0001", "d747a8a8879", 0, NULL, "zzzz"),
	              "error: Can't locate revision identified by 'zzzz'");
	assert_prefix(newrev(g, "d747a8a8879", "d747a8a8879", 0, NULL, NULL),
	              "error: Revision d747a8a8879 is present more than once");
	assert_text(newrev(g, "0001", "d747a8a8879", 0, "networking", NULL),
	            "error: Branch name 'networking' in revision 0001 already used by revision "
	            "3cac04ae8714");
	assert_text(newrev(g, "a-b", "d747a8a8879", 0, NULL, NULL),
	            "error: Character(s) '-' not allowed in revision identifier 'a-b'");
	rt_graph_free(g);
}

static void test_merge(void **state)
{
	struct rt_graph *g = fx_graph(branched);
	struct rt_newrev n;
	struct rt_err err = { 0, NULL };
	const char *heads[] = { "heads" };
	const char *two[] = { "ae10", "27c6" };
	const char *dup[] = { "ae10", "ae1027a6acf" };
	const char *nonhead[] = { "1975", "ae10" };
	(void)state;
	assert_int_equal(rt_newrev_merge(&n, g, "0002", heads, 1, NULL, &err), 0);
	assert_text(fx_join(&n.down), "27c6a30d7c24 ae1027a6acf");
	rt_newrev_free(&n);
	assert_int_equal(rt_newrev_merge(&n, g, "0002", two, 2, "merged", &err), 0);
	assert_text(fx_join(&n.down), "ae1027a6acf 27c6a30d7c24");
	assert_text(fx_join(&n.branch_labels), "merged");
	assert_string_equal(n.head_path, "versions/ae1027a6acf.sql");
	rt_newrev_free(&n);
	assert_int_equal(rt_newrev_merge(&n, g, "0002", dup, 2, NULL, &err), -1);
	assert_string_equal(err.msg, "Duplicate head revisions specified");
	rt_err_clear(&err);
	assert_int_equal(rt_newrev_merge(&n, g, "0002", nonhead, 2, NULL, &err), -1);
	assert_string_equal(err.msg, "Revision 1975ea83b712 is not a head revision; please "
	                    "specify --splice to create a new branch from this revision");
	rt_err_clear(&err);
	rt_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_relative_lower),
		cmocka_unit_test(test_log_entry),
		cmocka_unit_test(test_heads_branches_current),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_revision),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
