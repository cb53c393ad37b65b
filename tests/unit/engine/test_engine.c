/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/engine/test_engine.c - core/engine.c's transaction strategy,
 * against the recording fake dialect (fake_dialect.c), for the full matrix:
 *
 *   transactional DDL (yes / no)
 *   x transaction_per_migration (false / true)
 *   x a script with "-- retort:transaction off" (none / the middle one)
 *   x failure at each call the engine makes (none, and each begin,
 *     execute, version-table write and commit in turn)
 *
 * The project is three revisions a1 <- a2 <- a3, upgraded from an empty
 * database to head.  For each configuration the exact calls of a
 * successful run are written out below.  For a failure at call i the
 * engine must have made exactly calls 1..i of that list, then a rollback
 * if a transaction was open, then one read of the version table (for the
 * error message) - nothing else.  The state left behind is checked three
 * ways: against what a database does with those calls (replay() below),
 * against the guarantee of SPEC section 8 (the version table names exactly
 * the revisions whose scripts completed; without transactional DDL a
 * failing script may have left its earlier statements), and against the
 * "version table now:" line of the error.  Downgrade, stamp --purge, an
 * empty plan and a dialect that cannot run scripts outside a transaction
 * are checked too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "engine.h"
#include "fake_dialect.h"
#include "script.h"
#include "url.h"

#define T_DDL (RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS)
#define N_DDL RETORT_CAP_NONTX_SCRIPTS

/* ------------------------------------------------------------ fixture */

static char dir[64];

static void write_script(const char *sub, const char *id, const char *down, int off)
{
	char path[160];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s/%s.sql", dir, sub, id);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "-- Message: %s\n-- Revision ID: %s\n-- Revises: %s\n%s\n"
	           "-- retort:upgrade\nup %s;\n\n-- retort:downgrade\ndown %s;\n",
	        id, id, down, off ? "-- retort:transaction off" : "", id, id);
	fclose(f);
}

/* Two projects: "plain" (a1, a2, a3) and "off" (a2 runs outside a
 * transaction). */
static int group_setup(void **state)
{
	char path[128];
	(void)state;
	strcpy(dir, "/tmp/retort-enginetest-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/plain", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/off", dir);
	mkdir(path, 0700);
	write_script("plain", "a1", "", 0);
	write_script("plain", "a2", "a1", 0);
	write_script("plain", "a3", "a2", 0);
	write_script("off", "a1", "", 0);
	write_script("off", "a2", "a1", 1);
	write_script("off", "a3", "a2", 0);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ a run */

enum run_kind { UPGRADE, DOWNGRADE, STAMP_PURGE };

struct run {
	enum run_kind kind;
	const char *project;        /* "plain" or "off" */
	unsigned caps;
	int per_migration;          /* transaction_per_migration */
	const char *target;
	/* the database before the run */
	const char *start_rows[4];
	const char *start_applied[4];
	/* injected failure */
	int fail_kind;              /* enum fake_kind, -1: none */
	unsigned fail_nth;
	unsigned fail_times;        /* that many calls from the nth (0: one) */
	const char *fail_sqlstate;  /* NULL: none */
	/* results */
	int rc;
	struct rt_err err;
};

/* Load the project, plan, and run the engine against a fresh fake whose
 * database holds the run's start state.  The fake's log then holds only
 * the engine's calls. */
static void run(struct fake_conn *fc, struct run *r)
{
	struct rt_strvec dirs = RT_STRVEC_INIT, rows = RT_STRVEC_INIT;
	struct rt_graph *g = NULL;
	struct rt_plan plan;
	struct rt_engine_options eo;
	struct rt_db db;
	struct rt_err err = { 0, NULL };
	char path[128];
	size_t i;

	fake_init(fc, r->caps);
	for (i = 0; i < 4 && r->start_rows[i]; i++)
		snprintf(fc->committed.rows[fc->committed.n_rows++], 33, "%s", r->start_rows[i]);
	for (i = 0; i < 4 && r->start_applied[i]; i++)
		snprintf(fc->committed.applied[fc->committed.n_applied++], 64, "%s",
		         r->start_applied[i]);
	fc->committed.table_exists = r->start_rows[0] != NULL;
	fc->work = fc->committed;

	snprintf(path, sizeof(path), "%s/%s", dir, r->project);
	assert_int_equal(rt_strvec_push(&dirs, path), 0);
	if (rt_script_scan(&g, &dirs, 0, &err) < 0) /* headers only, as commands do */
		fail_msg("load: %s", err.msg);

	memset(&db, 0, sizeof(db));
	db.d = &fake_dialect;
	assert_int_equal(rt_url_parse(&db.url, "fake://", &err), 0);
	assert_int_equal(db.d->create(&db.conn, &db.url->pub, NULL, NULL), 0);
	db.connected = 1;
	assert_int_equal(rt_db_read_versions(&db, &rows, &err), 0);

	memset(&plan, 0, sizeof(plan));
	switch (r->kind) {
	case UPGRADE:
		assert_int_equal(rt_plan_upgrade(&plan, g, (const char *const *)rows.v, rows.n,
		                                 r->target, &err), 0);
		break;
	case DOWNGRADE:
		assert_int_equal(rt_plan_downgrade(&plan, g, (const char *const *)rows.v, rows.n,
		                                   r->target, &err), 0);
		break;
	case STAMP_PURGE:
		assert_int_equal(rt_plan_stamp(&plan, g, NULL, 0, &r->target, 1, 1, &err), 0);
		break;
	}

	/* from here on, the log is the engine's */
	fake_clear(fc);
	memset(fc->counts, 0, sizeof(fc->counts));
	if (r->fail_kind >= 0) {
		fake_fail_at(fc, (enum fake_kind)r->fail_kind, r->fail_nth, RETORT_EDB);
		fc->fail_times = r->fail_times;
		if (r->fail_sqlstate)
			snprintf(fc->fail_sqlstate, sizeof(fc->fail_sqlstate), "%s", r->fail_sqlstate);
	}

	memset(&eo, 0, sizeof(eo));
	eo.transaction_per_migration = r->per_migration;
	eo.purge = r->kind == STAMP_PURGE;
	eo.purge_rows = &rows;
	eo.quiet = 1;
	r->err.status = 0;
	r->err.msg = NULL;
	r->rc = rt_engine_run(&db, &plan, &eo, &r->err);

	rt_db_close(&db);
	assert_int_equal(fc->destroyed, 1);
	rt_plan_free(&plan);
	rt_graph_free(g);
	rt_strvec_free(&rows);
	rt_strvec_free(&dirs);
}

/* ------------------------------------------------------------ the oracle */

/* The log entries of a literal "a; b; c" list. */
static size_t split_log(char *text, char **v, size_t cap)
{
	size_t n = 0;
	char *p = text, *semi;
	while (p && *p && n < cap) {
		v[n++] = p;
		if ((semi = strstr(p, "; ")) != NULL) {
			*semi = '\0';
			p = semi + 2;
		} else {
			p = NULL;
		}
	}
	return n;
}

/* The fake kind a log entry is a call of; -1 for entries not failed here. */
static int kind_of(const char *e)
{
	if (strcmp(e, "begin") == 0) return FAKE_BEGIN;
	if (strcmp(e, "commit") == 0) return FAKE_COMMIT;
	if (strncmp(e, "exec ", 5) == 0) return FAKE_EXECUTE;
	if (strcmp(e, "create") == 0) return FAKE_VERSION_CREATE;
	if (strncmp(e, "insert ", 7) == 0) return FAKE_VERSION_INSERT;
	if (strncmp(e, "update ", 7) == 0) return FAKE_VERSION_UPDATE;
	if (strncmp(e, "delete ", 7) == 0) return FAKE_VERSION_DELETE;
	return -1;
}

/*
 * A database's state after `n` calls of a log, the last of which fails
 * when `failed` (then an open transaction is rolled back): rows and
 * applied effects as the fake's *_text() functions print them.  Written
 * from what databases do, independently of the fake's code.
 */
struct ref_state { char rows[8][33]; size_t n_rows; char applied[8][64]; size_t n_applied; };

static void replay(char **v, size_t n, int failed, unsigned caps, const struct run *r,
                   char *rows_out, size_t rows_cap, char *applied_out, size_t applied_cap)
{
	struct ref_state committed, work;
	int in_tx = 0, txddl = (caps & RETORT_CAP_TRANSACTIONAL_DDL) != 0;
	size_t i, j, len;

	memset(&committed, 0, sizeof(committed));
	for (i = 0; i < 4 && r->start_rows[i]; i++)
		strcpy(committed.rows[committed.n_rows++], r->start_rows[i]);
	for (i = 0; i < 4 && r->start_applied[i]; i++)
		strcpy(committed.applied[committed.n_applied++], r->start_applied[i]);
	work = committed;
	for (i = 0; i < n; i++) {
		const char *e = v[i];
		int fails = failed && i == n - 1, ddl = 0;
		char a[33], b[33];
		if (strcmp(e, "begin") == 0) {
			if (!fails)
				in_tx = 1;
			continue;
		}
		if (strcmp(e, "commit") == 0) {
			in_tx = 0;
			if (fails)
				work = committed;   /* a failed commit aborts */
			else
				committed = work;
			continue;
		}
		if (fails) {
			if (in_tx)
				work = committed;   /* the engine rolls back */
			continue;
		}
		if (strncmp(e, "exec ", 5) == 0) {
			strcpy(work.applied[work.n_applied++], e + 5);
			ddl = 1;
		} else if (strcmp(e, "create") == 0) {
			ddl = 1;
		} else if (sscanf(e, "insert %32s", a) == 1) {
			strcpy(work.rows[work.n_rows++], a);
		} else if (sscanf(e, "update %32s %32s", a, b) == 2) {
			for (j = 0; j < work.n_rows; j++)
				if (strcmp(work.rows[j], a) == 0)
					strcpy(work.rows[j], b);
		} else if (sscanf(e, "delete %32s", a) == 1) {
			for (j = 0; j < work.n_rows; j++)
				if (strcmp(work.rows[j], a) == 0) {
					memmove(work.rows[j], work.rows[j + 1],
					        (work.n_rows - j - 1) * sizeof(work.rows[0]));
					work.n_rows--;
					break;
				}
		}
		if (!in_tx || (ddl && !txddl))
			committed = work;   /* autocommit, or DDL's implicit commit */
	}
	/* rows sorted, as fake_rows_text prints them (here at most one or two) */
	rows_out[0] = applied_out[0] = '\0';
	if (committed.n_rows == 2 && strcmp(committed.rows[0], committed.rows[1]) > 0) {
		char t[33];
		strcpy(t, committed.rows[0]);
		strcpy(committed.rows[0], committed.rows[1]);
		strcpy(committed.rows[1], t);
	}
	for (i = 0, len = 0; i < committed.n_rows; i++)
		len += (size_t)snprintf(rows_out + len, rows_cap - len, "%s%s", i ? " " : "",
		                        committed.rows[i]);
	for (i = 0, len = 0; i < committed.n_applied; i++)
		len += (size_t)snprintf(applied_out + len, applied_cap - len, "%s%s", i ? ", " : "",
		                        committed.applied[i]);
}

/*
 * SPEC section 8 for an upgrade of a1 <- a2 <- a3 from empty: the version
 * table names the last revision whose script completed, and the scripts
 * applied are exactly those up to it - except that a script that ran
 * outside a transaction (or, without transactional DDL, the failing one)
 * may be applied one revision ahead of the table.
 */
static void check_guarantee(const char *rows, const char *applied, int may_lead,
                            const char *what)
{
	static const char *const prefix[] = { "", "up a1", "up a1, up a2", "up a1, up a2, up a3" };
	int k = rows[0] ? rows[1] - '0' : 0;
	if (rows[0] && (strlen(rows) != 2 || rows[0] != 'a' || k < 1 || k > 3))
		fail_msg("%s: the version table holds '%s', not one revision", what, rows);
	if (strcmp(applied, prefix[k]) == 0)
		return;
	if (may_lead && k < 3 && strcmp(applied, prefix[k + 1]) == 0)
		return;
	fail_msg("%s: version table '%s' but scripts applied '%s'", what, rows, applied);
}

/*
 * What the error must say about the failure at v[i]: derived from the
 * position in the successful run's calls, not from the engine's flags.
 */
static const char *expected_explanation(char **v, size_t i, unsigned caps, int per_migration,
                                        const char *project)
{
	static char unrecorded[128];
	size_t k;
	int committed_before = 0, after_off_script = 0;
	const char *committed_script = NULL;
	for (k = 0; k < i; k++) {
		if (strcmp(v[k], "commit") == 0) {
			committed_before = 1;
			after_off_script = 0;   /* the commit recorded it */
			/* a commit right after a script commits its work alone */
			committed_script = k > 0 && strncmp(v[k - 1], "exec up ", 8) == 0
			                   ? v[k - 1] + 8 : NULL;
		}
		if (strcmp(project, "off") == 0 && strcmp(v[k], "exec up a2") == 0)
			after_off_script = 1;
	}
	if (after_off_script)
		return "revision a2 ran outside a transaction and completed, but the version "
		       "table does not record it";
	if (committed_script) {
		snprintf(unrecorded, sizeof(unrecorded), "revision %s completed and its work is "
		         "committed, but the version table does not record it", committed_script);
		return unrecorded;
	}
	if (strcmp(v[i], "commit") == 0)
		return "the failure happened while committing";
	if (strcmp(project, "off") == 0 && strcmp(v[i], "exec up a2") == 0)
		return "statements before the failing one were committed";
	if ((caps & RETORT_CAP_TRANSACTIONAL_DDL) && !per_migration && !committed_before)
		return "the transaction was rolled back: no migration of this run is applied";
	if (caps & RETORT_CAP_TRANSACTIONAL_DDL)
		return "this migration was rolled back; the migrations before it stay applied";
	return "this database cannot roll back DDL";
}

/*
 * Run the configuration without failure and check `want` (the exact
 * calls), then fail each failable call in turn and check the calls, the
 * state and the error.
 */
static void matrix_case(const char *project, unsigned caps, int per_migration,
                        const char *want)
{
	char wantbuf[1024], *v[64];
	size_t n, i, k;
	struct fake_conn fc;
	struct run r;
	char what[160];

	memset(&r, 0, sizeof(r));
	r.kind = UPGRADE;
	r.project = project;
	r.caps = caps;
	r.per_migration = per_migration;
	r.target = "head";
	r.fail_kind = -1;
	run(&fc, &r);
	snprintf(what, sizeof(what), "%s, %s DDL, transaction_per_migration=%d", project,
	         caps & RETORT_CAP_TRANSACTIONAL_DDL ? "transactional" : "non-transactional",
	         per_migration);
	if (r.rc != 0)
		fail_msg("%s: the run failed: %s", what, r.err.msg);
	if (strcmp(fake_log_text(&fc), want) != 0)
		fail_msg("%s:\n  calls %s\n  want  %s", what, fake_log_text(&fc), want);
	assert_string_equal(fake_rows_text(&fc), "a3");
	assert_string_equal(fake_applied_text(&fc), "up a1, up a2, up a3");
	fake_clear(&fc);

	snprintf(wantbuf, sizeof(wantbuf), "%s", want);
	n = split_log(wantbuf, v, 64);
	for (i = 0; i < n; i++) {
		int kind = kind_of(v[i]), in_tx = 0, nontx_exec;
		unsigned nth = 0;
		char expect[1024], rows[128], applied[256], fwhat[256], table_now[160];
		size_t len = 0;
		if (kind < 0)
			continue;
		for (k = 0; k <= i; k++) {
			if (kind_of(v[k]) == kind)
				nth++;
			if (k < i && strcmp(v[k], "begin") == 0)
				in_tx = 1;
			if (k < i && strcmp(v[k], "commit") == 0)
				in_tx = 0;
		}
		if (kind == FAKE_BEGIN || kind == FAKE_COMMIT)
			in_tx = 0;  /* a failed begin opened nothing; a failed commit closed it */
		snprintf(fwhat, sizeof(fwhat), "%s, failing call %zu (%s)", what, i + 1, v[i]);

		r.fail_kind = kind;
		r.fail_nth = nth;
		run(&fc, &r);
		if (r.rc != -1)
			fail_msg("%s: the run did not fail", fwhat);
		assert_int_equal(r.err.status, RT_EXIT_DB);
		if (!strstr(r.err.msg, "injected failure"))
			fail_msg("%s: the error lacks the dialect's message: %s", fwhat, r.err.msg);

		/* the exact calls: the successful run's up to the failing one,
		 * a rollback of an open transaction, one read for the message */
		for (k = 0; k <= i; k++)
			len += (size_t)snprintf(expect + len, sizeof(expect) - len, "%s%s",
			                        k ? "; " : "", v[k]);
		snprintf(expect + len, sizeof(expect) - len, "%s; read", in_tx ? "; rollback" : "");
		if (strcmp(fake_log_text(&fc), expect) != 0)
			fail_msg("%s:\n  calls %s\n  want  %s", fwhat, fake_log_text(&fc), expect);

		/* the state: what a database holds after those calls ... */
		replay(v, i + 1, 1, caps, &r, rows, sizeof(rows), applied, sizeof(applied));
		if (strcmp(fake_rows_text(&fc), rows) != 0 ||
		    strcmp(fake_applied_text(&fc), applied) != 0)
			fail_msg("%s: left rows '%s' applied '%s', want rows '%s' applied '%s'", fwhat,
			         fake_rows_text(&fc), fake_applied_text(&fc), rows, applied);
		/* ... which keeps SPEC's promise ... */
		nontx_exec = strcmp(project, "off") == 0;
		check_guarantee(rows, applied,
		                nontx_exec || !(caps & RETORT_CAP_TRANSACTIONAL_DDL), fwhat);
		/* ... and which the error message explains and reports */
		{
			const char *why = expected_explanation(v, i, caps, per_migration, project);
			if (!strstr(r.err.msg, why))
				fail_msg("%s: the error does not say '%s':\n%s", fwhat, why, r.err.msg);
		}
		snprintf(table_now, sizeof(table_now), "version table now: %s",
		         rows[0] ? rows : "(empty)");
		if (!strstr(r.err.msg, table_now))
			fail_msg("%s: the error does not say '%s':\n%s", fwhat, table_now, r.err.msg);
		rt_err_clear(&r.err);
		fake_clear(&fc);
	}
}

/* ------------------------------------------------------------ the matrix */

/* One transaction for the whole run. */
static const char ONE_TX[] =
	"begin; create; exec up a1; insert a1; exec up a2; update a1 a2; exec up a3; "
	"update a2 a3; commit";
/* One transaction per migration. */
static const char PER_MIGRATION[] =
	"begin; create; exec up a1; insert a1; commit; begin; exec up a2; update a1 a2; commit; "
	"begin; exec up a3; update a2 a3; commit";
/* a2 outside any transaction, its version row committed right after it. */
static const char A2_OFF[] =
	"begin; create; exec up a1; insert a1; commit; exec up a2; begin; update a1 a2; commit; "
	"begin; exec up a3; update a2 a3; commit";
/* Without transactional DDL: each script's work is committed, then its
 * version row in a transaction of its own (which can be retried). */
static const char NO_TX_DDL[] =
	"begin; create; exec up a1; commit; begin; insert a1; commit; begin; exec up a2; commit; "
	"begin; update a1 a2; commit; begin; exec up a3; commit; begin; update a2 a3; commit";
static const char A2_OFF_NO_TX_DDL[] =
	"begin; create; exec up a1; commit; begin; insert a1; commit; exec up a2; begin; "
	"update a1 a2; commit; begin; exec up a3; commit; begin; update a2 a3; commit";

static void test_tx_ddl_one_tx(void **s) { (void)s; matrix_case("plain", T_DDL, 0, ONE_TX); }
static void test_tx_ddl_per_migration(void **s) { (void)s; matrix_case("plain", T_DDL, 1, PER_MIGRATION); }
/* Without transactional DDL every migration commits on its own, whatever
 * transaction_per_migration says (Alembic on MySQL). */
static void test_no_tx_ddl(void **s) { (void)s; matrix_case("plain", N_DDL, 0, NO_TX_DDL); }
static void test_no_tx_ddl_per_migration(void **s) { (void)s; matrix_case("plain", N_DDL, 1, NO_TX_DDL); }
/* "-- retort:transaction off": the one transaction of the run is split
 * around the script, and its version row is committed before the next
 * migration starts, so a later failure cannot roll back the record of a
 * script that stays applied. */
static void test_off_tx_ddl_one_tx(void **s) { (void)s; matrix_case("off", T_DDL, 0, A2_OFF); }
static void test_off_tx_ddl_per_migration(void **s) { (void)s; matrix_case("off", T_DDL, 1, A2_OFF); }
static void test_off_no_tx_ddl(void **s) { (void)s; matrix_case("off", N_DDL, 0, A2_OFF_NO_TX_DDL); }
static void test_off_no_tx_ddl_per_migration(void **s) { (void)s; matrix_case("off", N_DDL, 1, A2_OFF_NO_TX_DDL); }

/* ------------------------------------------------------------ the rest */

static void test_downgrade(void **state)
{
	struct fake_conn fc;
	struct run r;
	(void)state;
	memset(&r, 0, sizeof(r));
	r.kind = DOWNGRADE;
	r.project = "plain";
	r.caps = T_DDL;
	r.target = "base";
	r.start_rows[0] = "a3";
	r.start_applied[0] = "up a1";
	r.start_applied[1] = "up a2";
	r.start_applied[2] = "up a3";
	r.fail_kind = -1;
	run(&fc, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; exec down a3; update a3 a2; exec down a2; update a2 a1; "
	                    "exec down a1; delete a1; commit");
	assert_string_equal(fake_rows_text(&fc), "");
	fake_clear(&fc);

	/* the DELETE fails: everything rolls back */
	r.fail_kind = FAKE_VERSION_DELETE;
	r.fail_nth = 1;
	run(&fc, &r);
	assert_int_equal(r.rc, -1);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; exec down a3; update a3 a2; exec down a2; update a2 a1; "
	                    "exec down a1; delete a1; rollback; read");
	assert_string_equal(fake_rows_text(&fc), "a3");
	assert_string_equal(fake_applied_text(&fc), "up a1, up a2, up a3");
	assert_non_null(strstr(r.err.msg, "cannot remove revision a1 from the version table"));
	assert_non_null(strstr(r.err.msg, "no migration of this run is applied"));
	rt_err_clear(&r.err);
	fake_clear(&fc);

	/* per migration without transactional DDL: a3 and a2 stay reverted */
	r.caps = N_DDL;
	r.fail_kind = FAKE_EXECUTE;
	r.fail_nth = 3;
	run(&fc, &r);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; exec down a3; commit; begin; update a3 a2; commit; "
	                    "begin; exec down a2; commit; begin; update a2 a1; commit; "
	                    "begin; exec down a1; rollback; read");
	assert_string_equal(fake_rows_text(&fc), "a1");
	assert_non_null(strstr(r.err.msg, "cannot roll back DDL"));
	rt_err_clear(&r.err);
	fake_clear(&fc);
}

/* stamp --purge: the rows go in the run's first transaction. */
static void test_stamp_purge(void **state)
{
	struct fake_conn fc;
	struct run r;
	(void)state;
	memset(&r, 0, sizeof(r));
	r.kind = STAMP_PURGE;
	r.project = "plain";
	r.caps = T_DDL;
	r.target = "a2";
	r.start_rows[0] = "gone1";
	r.start_rows[1] = "gone2";
	r.fail_kind = -1;
	run(&fc, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(fake_log_text(&fc), "begin; delete gone1; delete gone2; insert a2; commit");
	assert_string_equal(fake_rows_text(&fc), "a2");
	assert_string_equal(fake_applied_text(&fc), "");
	fake_clear(&fc);

	r.fail_kind = FAKE_VERSION_INSERT;
	r.fail_nth = 1;
	run(&fc, &r);
	assert_int_equal(r.rc, -1);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; delete gone1; delete gone2; insert a2; rollback; read");
	assert_string_equal(fake_rows_text(&fc), "gone1 gone2");
	rt_err_clear(&r.err);
	fake_clear(&fc);
}

/* Nothing to do: no call at all, not even a transaction. */
static void test_empty_plan(void **state)
{
	struct fake_conn fc;
	struct run r;
	(void)state;
	memset(&r, 0, sizeof(r));
	r.kind = UPGRADE;
	r.project = "plain";
	r.caps = T_DDL;
	r.target = "head";
	r.start_rows[0] = "a3";
	r.fail_kind = -1;
	run(&fc, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(fake_log_text(&fc), "");
	assert_int_equal(fc.counts[FAKE_BEGIN], 0);
	fake_clear(&fc);
}

/* A dialect that cannot run a script outside a transaction: the run is
 * refused, naming the script and the fix, before it commits anything -
 * before it starts when migrations commit one by one, and by rolling back
 * its one transaction otherwise (scripts are read as they run). */
static void test_off_unsupported(void **state)
{
	static const char *const want[2] = {
		"begin; create; exec up a1; insert a1; rollback; read",
		"",
	};
	struct fake_conn fc;
	struct run r;
	int per_migration;
	(void)state;
	for (per_migration = 0; per_migration <= 1; per_migration++) {
		memset(&r, 0, sizeof(r));
		r.kind = UPGRADE;
		r.project = "off";
		r.caps = RETORT_CAP_TRANSACTIONAL_DDL;
		r.per_migration = per_migration;
		r.target = "head";
		r.fail_kind = -1;
		run(&fc, &r);
		assert_int_equal(r.rc, -1);
		assert_int_equal(r.err.status, RT_EXIT_USAGE);
		assert_non_null(strstr(r.err.msg, "a2.sql"));
		assert_non_null(strstr(r.err.msg, "not supported by dialect fake"));
		assert_string_equal(fake_log_text(&fc), want[per_migration]);
		assert_string_equal(fake_rows_text(&fc), "");
		assert_string_equal(fake_applied_text(&fc), "");
		rt_err_clear(&r.err);
		fake_clear(&fc);
	}
}

/*
 * A version-table write that the database rolls back whole (SQLSTATE class
 * 40: on Galera a certification conflict, reported as deadlock 1213) is
 * retried, up to 5 attempts, when it was alone in its transaction; the
 * transaction of a migration with transactional DDL is not (its script
 * would have to run again).
 */
static void retry_case(unsigned caps, int kind, unsigned nth, unsigned times,
                       const char *sqlstate, struct fake_conn *fc, struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = UPGRADE;
	r->project = "plain";
	r->caps = caps;
	r->target = "head";
	r->fail_kind = kind;
	r->fail_nth = nth;
	r->fail_times = times;
	r->fail_sqlstate = sqlstate;
	run(fc, r);
}

static void test_retry_certification_failure(void **state)
{
	struct fake_conn fc;
	struct run r;
	(void)state;

	/* the commit of a1's row fails twice, then goes through */
	retry_case(N_DDL, FAKE_COMMIT, 2, 2, "40001", &fc, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; create; exec up a1; commit; begin; insert a1; commit; "
	                    "begin; insert a1; commit; begin; insert a1; commit; "
	                    "begin; exec up a2; commit; begin; update a1 a2; commit; "
	                    "begin; exec up a3; commit; begin; update a2 a3; commit");
	assert_string_equal(fake_rows_text(&fc), "a3");
	assert_string_equal(fake_applied_text(&fc), "up a1, up a2, up a3");
	fake_clear(&fc);

	/* aborted at the statement (a brute-force abort): rolled back, retried */
	retry_case(N_DDL, FAKE_VERSION_UPDATE, 1, 1, "40001", &fc, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(fake_log_text(&fc), "begin; update a1 a2; rollback; "
	                                           "begin; update a1 a2; commit"));
	assert_string_equal(fake_rows_text(&fc), "a3");
	fake_clear(&fc);

	/* five failures: it gives up, saying why and what the database holds */
	retry_case(N_DDL, FAKE_COMMIT, 2, 5, "40001", &fc, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(fc.counts[FAKE_VERSION_INSERT], 5);
	assert_non_null(strstr(r.err.msg, "gave up recording revision a1 after 5 attempts"));
	assert_non_null(strstr(r.err.msg, "SQLSTATE 40001"));
	assert_non_null(strstr(r.err.msg, "revision a1 completed and its work is committed, "
	                                  "but the version table does not record it"));
	assert_non_null(strstr(r.err.msg, "version table now: (empty)"));
	assert_string_equal(fake_applied_text(&fc), "up a1");
	rt_err_clear(&r.err);
	fake_clear(&fc);

	/* another error (a duplicate key) is not retried */
	retry_case(N_DDL, FAKE_COMMIT, 2, 1, "23000", &fc, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(fc.counts[FAKE_VERSION_INSERT], 1);
	rt_err_clear(&r.err);
	fake_clear(&fc);

	/* nor the one transaction of a run with transactional DDL */
	retry_case(T_DDL, FAKE_COMMIT, 1, 1, "40001", &fc, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(fc.counts[FAKE_COMMIT], 1);
	assert_string_equal(fake_rows_text(&fc), "");
	assert_string_equal(fake_applied_text(&fc), "");
	rt_err_clear(&r.err);
	fake_clear(&fc);

	/* the row of a script run outside a transaction is retried too */
	memset(&r, 0, sizeof(r));
	r.kind = UPGRADE;
	r.project = "off";
	r.caps = T_DDL;
	r.target = "head";
	r.fail_kind = FAKE_COMMIT;
	r.fail_nth = 2;
	r.fail_sqlstate = "40P01";
	run(&fc, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(fake_log_text(&fc), "exec up a2; begin; update a1 a2; commit; "
	                                           "begin; update a1 a2; commit"));
	assert_string_equal(fake_rows_text(&fc), "a3");
	fake_clear(&fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_ddl_one_tx),
		cmocka_unit_test(test_tx_ddl_per_migration),
		cmocka_unit_test(test_no_tx_ddl),
		cmocka_unit_test(test_no_tx_ddl_per_migration),
		cmocka_unit_test(test_off_tx_ddl_one_tx),
		cmocka_unit_test(test_off_tx_ddl_per_migration),
		cmocka_unit_test(test_off_no_tx_ddl),
		cmocka_unit_test(test_off_no_tx_ddl_per_migration),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_stamp_purge),
		cmocka_unit_test(test_empty_plan),
		cmocka_unit_test(test_off_unsupported),
		cmocka_unit_test(test_retry_certification_failure),
	};
	return cmocka_run_group_tests_name("engine", tests, group_setup, group_teardown);
}
