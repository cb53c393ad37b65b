/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/engine/test_history.c - core/history.c through the engine,
 * against the recording fake dialect: where retort_history and
 * retort_audit are created and written for each transaction strategy (in
 * the run's transactions: the tables in the first, a history row with each
 * step's version change, the audit row in the last), what a failure leaves
 * (nothing of the rolled-back part, and the failure's own audit row in a
 * short transaction after it), stamps, accepted edits, the checks of
 * `verify` read back from the tables, a dialect without ABI 1.1, and the
 * database user an audit row names (rt_db_session_user).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine.h"
#include "fake_dialect.h"
#include "history.h"
#include "script.h"
#include "settings.h"
#include "sidequery.h"
#include "url.h"

#define T_DDL (RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_NONTX_SCRIPTS)
#define N_DDL RETORT_CAP_NONTX_SCRIPTS

static char dir[64];

static void write_script(const char *sub, const char *id, const char *down, const char *body,
                         int off)
{
	char path[160];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s/%s.sql", dir, sub, id);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "-- Message: %s\n-- Revision ID: %s\n-- Revises: %s\n%s\n"
	           "-- retort:upgrade\nup %s;\n\n-- retort:downgrade\ndown %s;\n",
	        id, id, down, off ? "-- retort:transaction off" : "", body, id);
	fclose(f);
}

static int group_setup(void **state)
{
	char path[128];
	(void)state;
	strcpy(dir, "/tmp/retort-histtest-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/plain", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/off", dir);
	mkdir(path, 0700);
	write_script("plain", "a1", "", "a1", 0);
	write_script("plain", "a2", "a1", "a2", 0);
	write_script("plain", "a3", "a2", "a3", 0);
	write_script("off", "a1", "", "a1", 0);
	write_script("off", "a2", "a1", "a2", 1);
	write_script("off", "a3", "a2", "a3", 0);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ a session */

/* A project and a session on the fake, as cmd_run.c has them. */
struct session {
	struct rt_graph *g;
	struct rt_db db;
	struct rt_settings cfg;
	struct rt_history h;
	struct rt_audit_rec rec;
	struct rt_strvec rows;
	struct rt_err err;
};

static void open_session(struct session *s, const char *project)
{
	struct rt_strvec dirs = RT_STRVEC_INIT;
	char path[128];
	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/%s", dir, project);
	assert_int_equal(rt_strvec_push(&dirs, path), 0);
	if (rt_script_scan(&s->g, &dirs, 0, &s->err) < 0)
		fail_msg("load: %s", s->err.msg);
	rt_strvec_free(&dirs);
	s->db.d = &fake_dialect;
	assert_int_equal(rt_url_parse(&s->db.url, "fake://", &s->err), 0);
	assert_int_equal(s->db.d->create(&s->db.conn, &s->db.url->pub, NULL, NULL), 0);
	s->db.connected = 1;
	s->cfg.version_table = "alembic_version";
	s->cfg.dir = dir;
	assert_int_equal(rt_history_init(&s->h, &s->db, &s->cfg, s->g, &s->err), 0);
	assert_int_equal(rt_db_read_versions(&s->db, &s->rows, &s->err), 0);
	assert_int_equal(rt_history_probe(&s->h, &s->err), 0);
}

static void close_session(struct session *s)
{
	rt_history_free(&s->h);
	rt_audit_free(&s->rec);
	rt_db_close(&s->db);
	rt_graph_free(s->g);
	rt_strvec_free(&s->rows);
	rt_err_clear(&s->err);
}

enum kind { UPGRADE, DOWNGRADE, STAMP };

/* Plan and run `kind target` with the history hooks; the fake's log then
 * holds only the run's calls.  Returns the engine's result. */
static int run(struct fake_conn *fc, struct session *s, enum kind kind, const char *target,
               int per_migration)
{
	static const char *const names[] = { "upgrade", "downgrade", "stamp" };
	struct rt_plan plan;
	struct rt_engine_options eo;
	const char *const *cur = (const char *const *)s->rows.v;
	size_t i;
	int rc;

	memset(&plan, 0, sizeof(plan));
	switch (kind) {
	case UPGRADE:
		assert_int_equal(rt_plan_upgrade(&plan, s->g, cur, s->rows.n, target, &s->err), 0);
		break;
	case DOWNGRADE:
		assert_int_equal(rt_plan_downgrade(&plan, s->g, cur, s->rows.n, target, &s->err), 0);
		break;
	case STAMP:
		assert_int_equal(rt_plan_stamp(&plan, s->g, cur, s->rows.n, &target, 1, 0, &s->err),
		                 0);
		break;
	}
	assert_int_equal(rt_audit_begin(&s->rec, names[kind], "alembic_version", NULL, &s->err),
	                 0);
	s->rec.rows_before = rt_audit_rows(cur, s->rows.n);
	for (i = 0; i < s->rows.n; i++)
		assert_int_equal(rt_strvec_push(&s->h.start_rows, s->rows.v[i]), 0);
	s->h.rec = &s->rec;
	s->h.stamp = kind == STAMP;
	fake_clear(fc);
	memset(fc->counts, 0, sizeof(fc->counts));
	memset(&eo, 0, sizeof(eo));
	eo.transaction_per_migration = per_migration;
	eo.quiet = 1;
	eo.hooks = &rt_history_hooks;
	eo.hooks_payload = &s->h;
	eo.always = s->h.accept.n > 0;
	rc = rt_engine_run(&s->db, &plan, &eo, &s->err);
	rt_plan_free(&plan);
	return rc;
}

/* A second command on the same database: a new session over the fake's
 * committed state. */
static void next_command(struct fake_conn *fc, struct session *s, const char *project)
{
	close_session(s);
	fc->work = fc->committed;
	fc->in_tx = 0;
	fc->destroyed = 0;
	fake_clear(fc);
	open_session(s, project);
}

#define HIST_COLS "revision,direction,algorithm,script,run_id"

/* ------------------------------------------------------------ tests */

/* Transactional DDL, one transaction: the tables, every history row and
 * the audit row in it, in that order. */
static void test_one_transaction(void **state)
{
	struct fake_conn fc;
	struct session s;
	char want[512];
	(void)state;
	fake_init(&fc, T_DDL);
	open_session(&s, "plain");
	assert_int_equal(run(&fc, &s, UPGRADE, "head", 0), 0);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; create; create history; create audit; "
	                    "exec up a1; insert a1; history a1 upgrade; "
	                    "exec up a2; update a1 a2; history a2 upgrade; "
	                    "exec up a3; update a2 a3; history a3 upgrade; "
	                    "read; audit upgrade ok; commit");
	snprintf(want, sizeof(want),
	         "a1 upgrade sha256-lf plain/a1.sql %s; a2 upgrade sha256-lf plain/a2.sql %s; "
	         "a3 upgrade sha256-lf plain/a3.sql %s", s.rec.run_id, s.rec.run_id, s.rec.run_id);
	assert_string_equal(fake_side_text(&fc, 1, HIST_COLS), want);
	snprintf(want, sizeof(want), "%s alembic_version upgrade  a3 ok NULL", s.rec.run_id);
	assert_string_equal(fake_side_text(&fc, 2, "run_id,version_table,command,rows_before,"
	                                           "rows_after,outcome,message"), want);
	/* the record was ended in the transaction, as the row has it */
	assert_string_equal(s.rec.outcome, "ok");
	assert_string_equal(s.rec.rows_after, "a3");
	/* the checksum is the upgrade section's */
	{
		char sum[RT_CHECKSUM_SIZE];
		assert_int_equal(rt_checksum_section(sum, "up a1;\n", 7, &s.err), 0);
		assert_non_null(strstr(fake_side_text(&fc, 1, "checksum"), sum));
	}
	close_session(&s);
	fake_clear(&fc);
}

/* One transaction per migration: each history row with its migration,
 * the audit row in the last one.  Without transactional DDL the script's
 * work commits first, then its version row with its history row (and,
 * for the last, the audit row) in a transaction of their own. */
static void test_per_migration(void **state)
{
	static const unsigned caps[] = { T_DDL, N_DDL };
	static const char *const want[] = {
		"begin; create; create history; create audit; "
		"exec up a1; insert a1; history a1 upgrade; commit; "
		"begin; exec up a2; update a1 a2; history a2 upgrade; commit; "
		"begin; exec up a3; update a2 a3; history a3 upgrade; "
		"read; audit upgrade ok; commit",
		"begin; create; create history; create audit; exec up a1; commit; "
		"begin; insert a1; history a1 upgrade; commit; "
		"begin; exec up a2; commit; begin; update a1 a2; history a2 upgrade; commit; "
		"begin; exec up a3; commit; begin; update a2 a3; history a3 upgrade; "
		"read; audit upgrade ok; commit"
	};
	size_t k;
	(void)state;
	for (k = 0; k < 2; k++) {
		struct fake_conn fc;
		struct session s;
		fake_init(&fc, caps[k]);
		open_session(&s, "plain");
		assert_int_equal(run(&fc, &s, UPGRADE, "head", 1), 0);
		assert_string_equal(fake_log_text(&fc), want[k]);
		assert_string_equal(fake_side_text(&fc, 1, "revision"), "a1; a2; a3");
		assert_string_equal(fake_side_text(&fc, 2, "rows_before,rows_after"), " a3");
		close_session(&s);
		fake_clear(&fc);
	}
}

/* A transaction rolled back whole by the database (SQLSTATE class 40, a
 * Galera certification conflict) is retried with its history row and the
 * audit row: each is written once. */
static void test_retry(void **state)
{
	struct fake_conn fc;
	struct session s;
	(void)state;
	fake_init(&fc, N_DDL);
	open_session(&s, "plain");
	{
		struct rt_plan plan;
		struct rt_engine_options eo;
		memset(&plan, 0, sizeof(plan));
		assert_int_equal(rt_plan_upgrade(&plan, s.g, NULL, 0, "a1", &s.err), 0);
		assert_int_equal(rt_audit_begin(&s.rec, "upgrade", "alembic_version", NULL, &s.err),
		                 0);
		s.h.rec = &s.rec;
		fake_clear(&fc);
		memset(fc.counts, 0, sizeof(fc.counts));
		/* commits: the first transaction's, the script's, then the
		 * record's, which fails as a deadlock does */
		fake_fail_at(&fc, FAKE_COMMIT, 3, RETORT_EDB);
		snprintf(fc.fail_sqlstate, sizeof(fc.fail_sqlstate), "40001");
		memset(&eo, 0, sizeof(eo));
		eo.quiet = 1;
		eo.hooks = &rt_history_hooks;
		eo.hooks_payload = &s.h;
		assert_int_equal(rt_engine_run(&s.db, &plan, &eo, &s.err), 0);
		rt_plan_free(&plan);
	}
	assert_string_equal(fake_rows_text(&fc), "a1");
	assert_string_equal(fake_side_text(&fc, 1, "revision"), "a1");
	assert_string_equal(fake_side_text(&fc, 2, "command,outcome"), "upgrade ok");
	close_session(&s);
	fake_clear(&fc);
}

/* A script outside a transaction: its history row goes with its version
 * row, in the transaction right after it. */
static void test_transaction_off(void **state)
{
	struct fake_conn fc;
	struct session s;
	(void)state;
	fake_init(&fc, T_DDL);
	open_session(&s, "off");
	assert_int_equal(run(&fc, &s, UPGRADE, "head", 0), 0);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; create; create history; create audit; "
	                    "exec up a1; insert a1; history a1 upgrade; commit; "
	                    "exec up a2; begin; update a1 a2; history a2 upgrade; commit; "
	                    "begin; exec up a3; update a2 a3; history a3 upgrade; "
	                    "read; audit upgrade ok; commit");
	close_session(&s);
	fake_clear(&fc);
}

/* A failure rolls back the history rows with the migrations; the audit
 * row of the failure comes after, alone. */
static void test_failure(void **state)
{
	struct fake_conn fc;
	struct session s;
	(void)state;
	/* one transaction, the second history row fails (queries: create
	 * history, create audit, history a1, history a2) */
	fake_init(&fc, T_DDL);
	open_session(&s, "plain");
	fake_fail_at(&fc, FAKE_QUERY, 4, RETORT_EDB);
	memset(fc.counts, 0, sizeof(fc.counts));
	/* run() resets counts: inject after it plans, through a wrapper */
	{
		struct rt_plan plan;
		struct rt_engine_options eo;
		memset(&plan, 0, sizeof(plan));
		assert_int_equal(rt_plan_upgrade(&plan, s.g, NULL, 0, "head", &s.err), 0);
		assert_int_equal(rt_audit_begin(&s.rec, "upgrade", "alembic_version", NULL, &s.err),
		                 0);
		s.h.rec = &s.rec;
		fake_clear(&fc);
		memset(&eo, 0, sizeof(eo));
		eo.quiet = 1;
		eo.hooks = &rt_history_hooks;
		eo.hooks_payload = &s.h;
		assert_int_equal(rt_engine_run(&s.db, &plan, &eo, &s.err), -1);
		rt_plan_free(&plan);
	}
	assert_non_null(strstr(s.err.msg, "cannot record the revision in retort_history"));
	assert_non_null(strstr(s.err.msg, "injected failure"));
	assert_string_equal(fake_rows_text(&fc), "");
	assert_int_equal(fc.committed.side_tables, 0);
	assert_int_equal(fc.committed.n_side, 0);
	/* the failure's record, after the rollback */
	assert_int_equal(rt_audit_end(&s.rec, "", &s.err), 0);
	/* without the lock the table is not created (the holder may be
	 * creating it), with it it is */
	fake_clear(&fc);
	assert_int_equal(rt_history_audit_alone(&s.h, &s.rec, &s.err), -1);
	assert_non_null(strstr(s.err.msg, "only the run holding the migration lock creates it"));
	assert_string_equal(fake_log_text(&fc), "probe history; probe audit");
	fake_clear(&fc);
	s.db.locked = 1;
	assert_int_equal(rt_history_audit_alone(&s.h, &s.rec, &s.err), 0);
	s.db.locked = 0;
	assert_string_equal(fake_log_text(&fc), "probe history; probe audit; begin; create audit; "
	                                        "audit upgrade failed; commit");
	assert_int_equal(fc.committed.side_tables, 1u << 2);
	assert_non_null(strstr(fake_side_text(&fc, 2, "outcome,message"),
	                       "failed cannot record the revision"));
	close_session(&s);
	fake_clear(&fc);
}

/* Per migration, a failing third migration keeps the first two with their
 * history rows. */
static void test_failure_per_migration(void **state)
{
	struct fake_conn fc;
	struct session s;
	(void)state;
	fake_init(&fc, T_DDL);
	open_session(&s, "plain");
	{
		struct rt_plan plan;
		struct rt_engine_options eo;
		memset(&plan, 0, sizeof(plan));
		assert_int_equal(rt_plan_upgrade(&plan, s.g, NULL, 0, "head", &s.err), 0);
		assert_int_equal(rt_audit_begin(&s.rec, "upgrade", "alembic_version", NULL, &s.err),
		                 0);
		s.h.rec = &s.rec;
		fake_clear(&fc);
		memset(fc.counts, 0, sizeof(fc.counts));
		fake_fail_at(&fc, FAKE_EXECUTE, 3, RETORT_EDB);
		memset(&eo, 0, sizeof(eo));
		eo.quiet = 1;
		eo.transaction_per_migration = 1;
		eo.hooks = &rt_history_hooks;
		eo.hooks_payload = &s.h;
		assert_int_equal(rt_engine_run(&s.db, &plan, &eo, &s.err), -1);
		rt_plan_free(&plan);
	}
	assert_string_equal(fake_rows_text(&fc), "a2");
	assert_string_equal(fake_side_text(&fc, 1, "revision,direction"), "a1 upgrade; a2 upgrade");
	assert_string_equal(fake_side_text(&fc, 2, "outcome"), "");
	close_session(&s);
	fake_clear(&fc);
}

/* Downgrades and stamps: "downgrade" rows; a stamp records each revision
 * it marks applied ("stamp", with the upgrade section's checksum) or no
 * longer applied ("unstamp"). */
static void test_downgrade_and_stamp(void **state)
{
	struct fake_conn fc;
	struct session s;
	(void)state;
	fake_init(&fc, T_DDL);
	open_session(&s, "plain");
	assert_int_equal(run(&fc, &s, UPGRADE, "a1", 0), 0);
	next_command(&fc, &s, "plain");
	assert_int_equal(run(&fc, &s, STAMP, "a3", 0), 0);
	assert_string_equal(fake_log_text(&fc), "begin; update a1 a3; read; history a2 stamp; "
	                                        "history a3 stamp; audit stamp ok; commit");
	next_command(&fc, &s, "plain");
	assert_int_equal(run(&fc, &s, DOWNGRADE, "a2", 0), 0);
	next_command(&fc, &s, "plain");
	assert_int_equal(run(&fc, &s, STAMP, "base", 0), 0);
	assert_string_equal(fake_side_text(&fc, 1, "revision,direction"),
	                    "a1 upgrade; a2 stamp; a3 stamp; a3 downgrade; a1 unstamp; a2 unstamp");
	assert_string_equal(fake_side_text(&fc, 2, "command,rows_before,rows_after"),
	                    "upgrade  a1; stamp a1 a3; downgrade a3 a2; stamp a2 ");
	close_session(&s);
	fake_clear(&fc);
}

/* The checks of `verify` over what the tables hold: clean after a run, an
 * edited script found, the edit accepted, rows changed behind retort's
 * back, and a database migrated by Alembic (no tables) clean. */
static void test_verify(void **state)
{
	struct fake_conn fc;
	struct session s;
	struct rt_verify_report rep;
	char path[160];
	(void)state;
	fake_init(&fc, T_DDL);
	open_session(&s, "plain");
	assert_int_equal(run(&fc, &s, UPGRADE, "head", 0), 0);
	next_command(&fc, &s, "plain");
	assert_int_equal(rt_history_verify(&rep, &s.h, &s.rows, &s.err), 0);
	assert_int_equal(rep.n_findings, 0);
	assert_int_equal(rep.verified.n, 3);
	assert_int_equal(rep.has_last, 1);
	assert_string_equal(rep.last.rows.v[0], "a3");
	rt_verify_report_free(&rep);

	/* edit a2 */
	write_script("plain", "a2", "a1", "a2 edited", 0);
	next_command(&fc, &s, "plain");
	assert_int_equal(rt_history_verify(&rep, &s.h, &s.rows, &s.err), 0);
	assert_int_equal(rep.n_findings, 1);
	assert_int_equal(rep.findings[0].kind, RT_FIND_CHANGED);
	assert_string_equal(rep.findings[0].revision, "a2");
	rt_verify_report_free(&rep);

	/* accept it (upgrade --allow-changed with nothing to run) */
	assert_int_equal(rt_strvec_push(&s.h.accept, "a2"), 0);
	assert_int_equal(run(&fc, &s, UPGRADE, "head", 0), 0);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; history a2 accept; read; audit upgrade ok; commit");
	next_command(&fc, &s, "plain");
	assert_int_equal(rt_history_verify(&rep, &s.h, &s.rows, &s.err), 0);
	assert_int_equal(rep.n_findings, 0);
	assert_int_equal(rep.verified.n, 3);
	rt_verify_report_free(&rep);
	write_script("plain", "a2", "a1", "a2", 0);

	/* the rows changed by hand */
	snprintf(fc.committed.rows[0], 33, "a1");
	next_command(&fc, &s, "plain");
	assert_int_equal(rt_history_verify(&rep, &s.h, &s.rows, &s.err), 0);
	assert_int_equal(rt_verify_count(&rep, RT_FIND_OUTSIDE), 1);
	rt_verify_report_free(&rep);
	close_session(&s);
	fake_clear(&fc);

	/* Alembic's database: rows, no side table */
	fake_init(&fc, T_DDL);
	fc.committed.table_exists = 1;
	snprintf(fc.committed.rows[fc.committed.n_rows++], 33, "a3");
	fc.work = fc.committed;
	open_session(&s, "plain");
	assert_int_equal(s.h.has_history, 0);
	assert_int_equal(rt_history_verify(&rep, &s.h, &s.rows, &s.err), 0);
	assert_int_equal(rep.n_findings, 0);
	assert_int_equal(rep.no_checksum.n, 3);
	assert_int_equal(rep.has_last, 0);
	rt_verify_report_free(&rep);
	/* retort carries it on: still clean, the new revisions verified */
	write_script("plain", "a4", "a3", "a4", 0);
	next_command(&fc, &s, "plain");
	assert_int_equal(run(&fc, &s, UPGRADE, "head", 0), 0);
	next_command(&fc, &s, "plain");
	assert_int_equal(rt_history_verify(&rep, &s.h, &s.rows, &s.err), 0);
	assert_int_equal(rep.n_findings, 0);
	assert_int_equal(rep.no_checksum.n, 3);
	assert_int_equal(rep.verified.n, 1);
	rt_verify_report_free(&rep);
	close_session(&s);
	snprintf(path, sizeof(path), "%s/plain/a4.sql", dir);
	unlink(path);
	fake_clear(&fc);
}

/* A plugin built for ABI 1.0 (struct_size before query): no table is
 * touched, and the record still ends (for audit_log). */
static void test_abi_1_0(void **state)
{
	struct fake_conn fc;
	struct session s;
	struct retort_dialect old = fake_dialect;
	(void)state;
	old.struct_size = offsetof(struct retort_dialect, query);
	fake_init(&fc, T_DDL);
	open_session(&s, "plain");
	s.db.d = &old;
	assert_int_equal(rt_history_supported(&s.db), 0);
	assert_int_equal(run(&fc, &s, UPGRADE, "head", 0), 0);
	assert_string_equal(fake_log_text(&fc),
	                    "begin; create; exec up a1; insert a1; exec up a2; update a1 a2; "
	                    "exec up a3; update a2 a3; read; commit");
	assert_string_equal(s.rec.outcome, "ok");
	assert_int_equal(fc.committed.n_side, 0);
	s.db.d = &fake_dialect;
	close_session(&s);
	fake_clear(&fc);
}

/* retort_audit.db_user (rt_db_session_user): what the dialect's
 * session_user_sql (ABI 1.3) gives, else the URL's user, else NULL. */
static const char *who_ok(const struct retort_conn *c)
{
	(void)c;
	return "SELECT session_user";
}

static const char *who_bad(const struct retort_conn *c)
{
	(void)c;
	return "SELECT no_such_function()";
}

static const char *who_none(const struct retort_conn *c)
{
	(void)c;
	return NULL;
}

static char *session_user_of(const struct retort_dialect *d, const char *url, int connected)
{
	struct rt_db db;
	struct rt_err err = { 0, NULL };
	char *u = (char *)"unset";
	memset(&db, 0, sizeof(db));
	db.d = d;
	assert_int_equal(rt_url_parse(&db.url, url, &err), 0);
	assert_int_equal(d->create(&db.conn, &db.url->pub, NULL, NULL), 0);
	db.connected = connected;
	assert_int_equal(rt_db_session_user(&db, &u, &err), 0);
	assert_null(err.msg);
	rt_db_close(&db);
	return u;
}

static void expect_user(const struct retort_dialect *d, const char *url, int connected,
                        const char *want)
{
	char *u = session_user_of(d, url, connected);
	if (want)
		assert_string_equal(u, want);
	else
		assert_null(u);
	rt_free(u);
}

static void test_session_user(void **state)
{
	struct fake_conn fc;
	struct retort_dialect d = fake_dialect;
	(void)state;
	fake_init(&fc, T_DDL);
	/* no session_user_sql: the URL's user, or none */
	expect_user(&d, "fake://alice@db1/app", 1, "alice");
	expect_user(&d, "fake://db1/app", 1, NULL);
	/* the database's answer, whatever the URL says */
	d.session_user_sql = who_ok;
	expect_user(&d, "fake://db1/app", 1, "fake_user");
	expect_user(&d, "fake://alice@db1/app", 1, "fake_user");
	assert_string_equal(fake_log_text(&fc), "select session_user; select session_user");
	fake_clear(&fc);
	/* not asked offline (no connection) */
	expect_user(&d, "fake://alice@db1/app", 0, "alice");
	assert_int_equal(fc.n_log, 0);
	/* a statement that fails, or none (no users): the URL's */
	d.session_user_sql = who_bad;
	expect_user(&d, "fake://alice@db1/app", 1, "alice");
	expect_user(&d, "fake://db1/app", 1, NULL);
	d.session_user_sql = who_none;
	expect_user(&d, "fake://alice@db1/app", 1, "alice");
	/* a plugin of ABI 1.2 lacks the member: never read */
	d.session_user_sql = who_ok;
	d.struct_size = offsetof(struct retort_dialect, session_user_sql);
	fake_clear(&fc);
	expect_user(&d, "fake://alice@db1/app", 1, "alice");
	assert_int_equal(fc.n_log, 0);
	fake_clear(&fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_transaction),
		cmocka_unit_test(test_per_migration),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_transaction_off),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_failure_per_migration),
		cmocka_unit_test(test_downgrade_and_stamp),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_abi_1_0),
		cmocka_unit_test(test_session_user),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
