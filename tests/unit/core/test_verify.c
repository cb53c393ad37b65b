/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_verify.c - core/verify.c: every finding of `retort
 * verify` and what is not one (revisions applied without a checksum by
 * Alembic, unknown algorithms), over the graphs of Alembic's branching
 * documentation, with current checksums from a fake.
 */
#include "fixture.h"

#include "verify.h"

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

/* The fake's current checksums: "id=sum" pairs; "id=" means the script has
 * no upgrade section; a missing id is "c-<id>"; "fail" fails. */
struct fake {
	const char *const *now;
	int calls;
};

static int fake_checksum(char out[RT_CHECKSUM_SIZE], const struct rt_revision *r, void *payload,
                         struct rt_err *err)
{
	struct fake *f = payload;
	size_t i, n = strlen(r->id);
	f->calls++;
	for (i = 0; f->now && f->now[i]; i++) {
		if (strcmp(f->now[i], "fail") == 0)
			return rt_err_set(err, RT_EXIT_USAGE, "%s: cannot read", r->path);
		if (strncmp(f->now[i], r->id, n) == 0 && f->now[i][n] == '=') {
			if (!f->now[i][n + 1])
				return 1;
			snprintf(out, RT_CHECKSUM_SIZE, "%s", f->now[i] + n + 1);
			return 0;
		}
	}
	snprintf(out, RT_CHECKSUM_SIZE, "c-%s", r->id);
	return 0;
}

/* History rows from "id:direction[:checksum[:alg]]" (checksum "-": none;
 * default "c-<id>", algorithm sha256-lf). */
static struct rt_hist_row *make_hist(const char *const *spec, size_t *n)
{
	struct rt_hist_row *h;
	size_t i;
	for (*n = 0; spec && spec[*n]; (*n)++)
		;
	h = calloc(*n + 1, sizeof(*h));
	assert_non_null(h);
	for (i = 0; i < *n; i++) {
		struct rt_strvec f = RT_STRVEC_INIT;
		char *tmp = strdup(spec[i]), *p, *save = NULL;
		assert_non_null(tmp);
		for (p = strtok_r(tmp, ":", &save); p; p = strtok_r(NULL, ":", &save))
			assert_int_equal(rt_strvec_push(&f, p), 0);
		free(tmp);
		h[i].id = (long long)i + 1;
		h[i].revision = rt_strdup(f.v[0]);
		h[i].direction = rt_strdup(f.v[1]);
		if (f.n > 2 && strcmp(f.v[2], "-") != 0)
			h[i].checksum = rt_strdup(f.v[2]);
		else if (f.n <= 2)
			h[i].checksum = rt_sprintf("c-%s", f.v[0]);
		h[i].algorithm = h[i].checksum ? rt_strdup(f.n > 3 ? f.v[3] : RT_CHECKSUM_ALG) : NULL;
		h[i].script = rt_sprintf("versions/%s.sql", f.v[0]);
		h[i].applied_at = rt_sprintf("2026-12-05 10:00:%02zu", i);
		h[i].run_id = rt_strdup("run1");
		rt_strvec_free(&f);
	}
	return h;
}

static void free_hist(struct rt_hist_row *h, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		rt_free(h[i].revision);
		rt_free(h[i].direction);
		rt_free(h[i].checksum);
		rt_free(h[i].algorithm);
		rt_free(h[i].script);
		rt_free(h[i].applied_at);
		rt_free(h[i].run_id);
	}
	free(h);
}

struct run {
	struct rt_graph *g;
	struct rt_strvec rows;
	struct rt_hist_row *hist;
	size_t n_hist;
	struct rt_last_command last;
	int has_last;
	struct fake fake;
	struct rt_verify_report rep;
	char *text;
};

/* Verify: rows "a,b", history specs, last command's rows (NULL: none),
 * current checksums of the fake. */
static void verify(struct run *r, const char *rows, const char *const *hist,
                   const char *last_rows, const char *const *now)
{
	struct rt_verify_in in;
	struct rt_err err = { 0, NULL };
	struct rt_buf b = RT_BUF_INIT;
	memset(r, 0, sizeof(*r));
	r->g = fx_graph(multibase);
	fx_split_current(&r->rows, rows);
	r->hist = make_hist(hist, &r->n_hist);
	r->fake.now = now;
	if (last_rows) {
		r->has_last = 1;
		r->last.command_line = rt_strdup("retort upgrade heads");
		r->last.at = rt_strdup("2026-12-05 10:00:09");
		r->last.outcome = rt_strdup("ok");
		fx_split_current(&r->last.rows, last_rows);
	}
	memset(&in, 0, sizeof(in));
	in.g = r->g;
	in.rows = (const char *const *)r->rows.v;
	in.n_rows = r->rows.n;
	in.hist = r->hist;
	in.n_hist = r->n_hist;
	in.last = r->has_last ? &r->last : NULL;
	in.checksum = fake_checksum;
	in.payload = &r->fake;
	if (rt_verify_check(&r->rep, &in, &err) < 0)
		fail_msg("verify failed: %s", err.msg);
	assert_int_equal(rt_verify_format_text(&b, &r->rep, "Database: test"), 0);
	r->text = rt_buf_detach(&b);
}

static void done(struct run *r)
{
	rt_verify_report_free(&r->rep);
	rt_graph_free(r->g);
	rt_strvec_free(&r->rows);
	free_hist(r->hist, r->n_hist);
	rt_free(r->last.command_line);
	rt_free(r->last.at);
	rt_free(r->last.outcome);
	rt_strvec_free(&r->last.rows);
	rt_free(r->text);
}

static char *joined(const struct rt_strvec *v)
{
	return fx_join(v);
}

static void expect_list(const struct rt_strvec *v, const char *want)
{
	char *j = joined(v);
	assert_string_equal(j, want);
	rt_free(j);
}

static void expect_text(const struct run *r, const char *part)
{
	if (!strstr(r->text, part))
		fail_msg("report lacks '%s':\n%s", part, r->text);
}

static void test_clean(void **state)
{
	static const char *const hist[] = { "1975ea83b712:upgrade", "ae1027a6acf:upgrade",
	                                    "55af2cb1c267:upgrade", NULL };
	struct run r;
	(void)state;
	verify(&r, "55af2cb1c267", hist, "55af2cb1c267", NULL);
	assert_int_equal(r.rep.n_findings, 0);
	expect_list(&r.rep.applied, "1975ea83b712 55af2cb1c267 ae1027a6acf");
	expect_list(&r.rep.verified, "1975ea83b712 55af2cb1c267 ae1027a6acf");
	assert_int_equal(r.rep.no_checksum.n, 0);
	assert_int_equal(r.fake.calls, 3);
	expect_text(&r, "Database: test\nVersion rows: 55af2cb1c267\n");
	expect_text(&r, "Last recorded command: retort upgrade heads, 2026-12-05 10:00:09 UTC (ok), "
	                "left: 55af2cb1c267\n");
	expect_text(&r, "Verified: 3 applied revisions\n0 findings\n");
	done(&r);
}

static void test_changed(void **state)
{
	static const char *const hist[] = { "1975ea83b712:upgrade", "ae1027a6acf:upgrade",
	                                    "55af2cb1c267:stamp", NULL };
	static const char *const now[] = { "ae1027a6acf=f10e01", "55af2cb1c267=", NULL };
	struct run r;
	const struct rt_finding *f;
	(void)state;
	verify(&r, "55af2cb1c267", hist, NULL, now);
	assert_int_equal(r.rep.n_findings, 2);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_CHANGED), 2);
	f = &r.rep.findings[0];
	assert_string_equal(f->revision, "55af2cb1c267");       /* load order: sorted ids */
	assert_null(f->current);                                /* the section is gone */
	assert_string_equal(f->direction, "stamp");
	f = &r.rep.findings[1];
	assert_string_equal(f->revision, "ae1027a6acf");
	assert_string_equal(f->file, "versions/ae1027a6acf.sql");
	assert_string_equal(f->recorded, "c-ae1027a6acf");
	assert_string_equal(f->current, "f10e01");
	assert_string_equal(f->algorithm, RT_CHECKSUM_ALG);
	assert_string_equal(f->when, "2026-12-05 10:00:01");
	expect_list(&r.rep.verified, "1975ea83b712");
	expect_text(&r, "CHANGED: revision ae1027a6acf (versions/ae1027a6acf.sql): its upgrade "
	                "section changed since it ran at 2026-12-05 10:00:01 UTC\n"
	                "  recorded sha256-lf c-ae1027a6acf\n  current  sha256-lf f10e01\n");
	expect_text(&r, "CHANGED: revision 55af2cb1c267 (versions/55af2cb1c267.sql): its upgrade "
	                "section changed since it was stamped");
	expect_text(&r, "(the script has no upgrade section now)");
	expect_text(&r, "\n2 findings\n");
	done(&r);
}

/* A database Alembic migrated: no checksums, no findings. */
static void test_alembic(void **state)
{
	static const char *const hist[] = { "55af2cb1c267:upgrade", NULL };
	struct run r;
	(void)state;
	verify(&r, "55af2cb1c267,d747a8a8879", NULL, NULL, NULL);
	assert_int_equal(r.rep.n_findings, 0);
	assert_int_equal(r.rep.verified.n, 0);
	expect_list(&r.rep.no_checksum, "1975ea83b712 27c6a30d7c24 55af2cb1c267 ae1027a6acf "
	                                "d747a8a8879");
	assert_int_equal(r.fake.calls, 0);
	expect_text(&r, "Verified: 0 applied revisions; applied without a checksum (by another "
	                "tool): 5 (1975ea83b712, 27c6a30d7c24, 55af2cb1c267, ae1027a6acf, "
	                "d747a8a8879)\n0 findings\n");
	done(&r);
	/* ... and then carried on by retort: only what retort ran is verified. */
	verify(&r, "55af2cb1c267", hist, "55af2cb1c267", NULL);
	assert_int_equal(r.rep.n_findings, 0);
	expect_list(&r.rep.verified, "55af2cb1c267");
	expect_list(&r.rep.no_checksum, "1975ea83b712 ae1027a6acf");
	done(&r);
}

static void test_not_verified(void **state)
{
	/* reverted by retort then applied by another tool; no checksum
	 * recorded; an algorithm of a newer retort */
	static const char *const hist[] = { "1975ea83b712:upgrade", "1975ea83b712:downgrade",
	                                    "ae1027a6acf:stamp:-", "55af2cb1c267:upgrade:abc:sha512-x",
	                                    NULL };
	struct run r;
	(void)state;
	verify(&r, "55af2cb1c267", hist, NULL, NULL);
	assert_int_equal(r.rep.n_findings, 0);
	expect_list(&r.rep.no_checksum, "1975ea83b712 ae1027a6acf");
	expect_list(&r.rep.unknown_alg, "55af2cb1c267");
	expect_text(&r, "recorded with a checksum algorithm this retort does not know: 55af2cb1c267");
	assert_int_equal(r.fake.calls, 0);
	done(&r);
}

static void test_rows(void **state)
{
	static const char *const hist[] = { "1975ea83b712:upgrade", "f00dfeed:upgrade",
	                                    "beefcafe:upgrade", "beefcafe:downgrade", NULL };
	struct run r;
	(void)state;
	/* unknown rows: one retort applied (its script is gone), one not */
	verify(&r, "1975ea83b712,f00dfeed,abad1dea", hist, NULL, NULL);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_UNKNOWN_ROW), 2);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_SCRIPT_GONE), 1);
	expect_text(&r, "UNKNOWN ROW: the version table names revision abad1dea, which is not "
	                "among the scripts\n");
	expect_text(&r, "SCRIPT GONE: revision f00dfeed is applied (upgrade at 2026-12-05 10:00:01 "
	                "UTC) but its script versions/f00dfeed.sql is no longer among the scripts\n");
	expect_list(&r.rep.verified, "1975ea83b712");
	done(&r);
	/* a downgraded revision's row is unknown, not a gone script */
	verify(&r, "beefcafe", hist, NULL, NULL);
	assert_int_equal(r.rep.n_findings, 1);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_UNKNOWN_ROW), 1);
	done(&r);
	/* ancestor rows */
	verify(&r, "1975ea83b712,55af2cb1c267,d747a8a8879", NULL, NULL, NULL);
	assert_int_equal(r.rep.n_findings, 1);
	assert_string_equal(r.rep.findings[0].revision, "1975ea83b712");
	assert_string_equal(r.rep.findings[0].other, "55af2cb1c267");
	expect_text(&r, "ANCESTOR ROWS: version rows 1975ea83b712 and 55af2cb1c267: 1975ea83b712 "
	                "is an ancestor of 55af2cb1c267, so only 55af2cb1c267 should be a row\n");
	done(&r);
	/* a dependency is not an ancestor: its branch keeps its own row */
	verify(&r, "29f859a13ea,55af2cb1c267", NULL, NULL, NULL);
	assert_int_equal(r.rep.n_findings, 0);
	expect_list(&r.rep.applied, "109ec7d132bf 1975ea83b712 29f859a13ea 3cac04ae8714 "
	                            "55af2cb1c267 ae1027a6acf");
	done(&r);
	/* a dependency is applied: it is verified */
	verify(&r, "29f859a13ea", NULL, NULL, NULL);
	expect_list(&r.rep.applied, "109ec7d132bf 1975ea83b712 29f859a13ea 3cac04ae8714 "
	                            "55af2cb1c267 ae1027a6acf");
	done(&r);
}

static void test_outside(void **state)
{
	static const char *const hist[] = { "1975ea83b712:upgrade", "ae1027a6acf:upgrade", NULL };
	struct run r;
	(void)state;
	verify(&r, "55af2cb1c267", hist, "ae1027a6acf", NULL);
	assert_int_equal(r.rep.n_findings, 1);
	assert_int_equal(r.rep.findings[0].kind, RT_FIND_OUTSIDE);
	expect_text(&r, "CHANGED OUTSIDE RETORT: the version rows are 55af2cb1c267, but the last "
	                "recorded command (retort upgrade heads, 2026-12-05 10:00:09 UTC) left "
	                "ae1027a6acf\n");
	done(&r);
	verify(&r, "", hist, "ae1027a6acf", NULL);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_OUTSIDE), 1);
	expect_text(&r, "the version rows are (none), but");
	done(&r);
	verify(&r, "d747a8a8879,ae1027a6acf", hist, "ae1027a6acf,d747a8a8879", NULL);
	assert_int_equal(r.rep.n_findings, 0);                    /* order does not matter */
	done(&r);
}

/* "Working with Multiple Bases" with the script of ae1027a6acf gone: its
 * stand-in, as rt_script_scan_gone() makes it (an id only, a base). */
static const char *const gonebase[] = {
	"1975ea83b712|-|-|-|create account table",
	"ae1027a6acf|-|-|-|(stand-in)",
	"55af2cb1c267|ae1027a6acf|-|-|add another account column",
	NULL
};

/* Verify over gonebase; -1 when rt_verify_check fails (err kept). */
static int verify_gone(struct run *r, const char *rows, const char *const *hist,
                       struct rt_err *err)
{
	static const char *const gone_ids[] = { "ae1027a6acf" };
	struct rt_strvec gone = RT_STRVEC_INIT;
	struct rt_verify_in in;
	struct rt_buf b = RT_BUF_INIT;
	int rc;
	memset(r, 0, sizeof(*r));
	r->g = fx_graph(gonebase);
	fx_split_current(&r->rows, rows);
	r->hist = make_hist(hist, &r->n_hist);
	assert_int_equal(rt_strvec_push(&gone, gone_ids[0]), 0);
	memset(&in, 0, sizeof(in));
	in.g = r->g;
	in.rows = (const char *const *)r->rows.v;
	in.n_rows = r->rows.n;
	in.hist = r->hist;
	in.n_hist = r->n_hist;
	in.checksum = fake_checksum;
	in.payload = &r->fake;
	in.gone = &gone;
	rc = rt_verify_check(&r->rep, &in, err);
	rt_strvec_free(&gone);
	if (rc == 0) {
		assert_int_equal(rt_verify_format_text(&b, &r->rep, NULL), 0);
		r->text = rt_buf_detach(&b);
	}
	return rc;
}

static void test_gone(void **state)
{
	static const char *const hist[] = { "1975ea83b712:upgrade", "ae1027a6acf:upgrade",
	                                    "55af2cb1c267:upgrade", NULL };
	static const char *const hist_alembic[] = { "55af2cb1c267:upgrade", NULL };
	struct rt_err err = { 0, NULL };
	struct run r;
	(void)state;
	/* below the row, applied by retort: a finding, with its record */
	assert_int_equal(verify_gone(&r, "55af2cb1c267", hist, &err), 0);
	assert_int_equal(r.rep.n_findings, 1);
	assert_int_equal(r.rep.findings[0].kind, RT_FIND_SCRIPT_GONE);
	assert_string_equal(r.rep.findings[0].revision, "ae1027a6acf");
	assert_string_equal(r.rep.findings[0].file, "versions/ae1027a6acf.sql");
	assert_string_equal(r.rep.findings[0].direction, "upgrade");
	expect_text(&r, "SCRIPT GONE: revision ae1027a6acf is applied (upgrade at 2026-12-05 "
	                "10:00:01 UTC) but its script versions/ae1027a6acf.sql is no longer among "
	                "the scripts\n");
	expect_list(&r.rep.verified, "55af2cb1c267");
	assert_int_equal(r.fake.calls, 1);                      /* no checksum of a stand-in */
	done(&r);
	/* applied by another tool: a finding all the same */
	assert_int_equal(verify_gone(&r, "55af2cb1c267", hist_alembic, &err), 0);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_SCRIPT_GONE), 1);
	assert_null(r.rep.findings[0].direction);
	assert_null(r.rep.findings[0].file);
	expect_text(&r, "SCRIPT GONE: revision ae1027a6acf is applied (not by retort, or before "
	                "it kept a record) but its script is no longer among the scripts\n");
	done(&r);
	/* the stand-in is the row: an unknown row, gone once */
	assert_int_equal(verify_gone(&r, "ae1027a6acf", hist, &err), 0);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_UNKNOWN_ROW), 1);
	assert_int_equal(rt_verify_count(&r.rep, RT_FIND_SCRIPT_GONE), 1);
	assert_int_equal(r.rep.n_findings, 2);
	done(&r);
	/* not applied: the graph's error */
	assert_int_equal(verify_gone(&r, "1975ea83b712", hist, &err), -1);
	assert_string_equal(err.msg, "Revision ae1027a6acf referenced from 55af2cb1c267 "
	                    "(versions/55af2cb1c267.sql) is not present; fix its 'Revises' line "
	                    "or restore the missing script");
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_null(r.rep.findings);
	rt_err_clear(&err);
	done(&r);
}

static void test_callback_error(void **state)
{
	static const char *const hist[] = { "1975ea83b712:upgrade", NULL };
	static const char *const now[] = { "fail", NULL };
	struct rt_graph *g = fx_graph(multibase);
	struct rt_hist_row *h;
	struct rt_verify_report rep;
	struct rt_verify_in in;
	struct rt_err err = { 0, NULL };
	struct fake f = { now, 0 };
	const char *rows[] = { "1975ea83b712" };
	size_t n;
	(void)state;
	h = make_hist(hist, &n);
	memset(&in, 0, sizeof(in));
	in.g = g;
	in.rows = rows;
	in.n_rows = 1;
	in.hist = h;
	in.n_hist = n;
	in.checksum = fake_checksum;
	in.payload = &f;
	assert_int_equal(rt_verify_check(&rep, &in, &err), -1);
	assert_string_equal(err.msg, "versions/1975ea83b712.sql: cannot read");
	assert_null(rep.findings);
	rt_err_clear(&err);
	/* every allocation failure is a clean error */
	{
		unsigned long k;
		f.now = NULL;
		for (k = 1; k < 2000; k++) {
			int rc;
			rt__alloc_fail_after(k);
			rc = rt_verify_check(&rep, &in, &err);
			rt__alloc_fail_after(0);
			if (rc == 0) {
				rt_verify_report_free(&rep);
				break;
			}
			assert_int_equal(err.status, RT_EXIT_DB);
			rt_err_clear(&err);
		}
		assert_true(k < 2000);
	}
	free_hist(h, n);
	rt_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_alembic),
		cmocka_unit_test(test_not_verified),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_callback_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
