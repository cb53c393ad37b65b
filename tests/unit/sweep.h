/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/sweep.h - allocation-failure sweeps for the plugin tests
 * (sqlite, pg, mysql): make the n-th allocation through the host table
 * fail, for n = 1, 2, ... until a run needs no failure injected, and check
 * after every run that nothing leaked and that the database is unchanged
 * or the run completed.  Include after cmocka.h, <retort/dialect.h>,
 * host.h, stmtloop.h and util.h.
 */
#ifndef RETORT_TESTS_SWEEP_H
#define RETORT_TESTS_SWEEP_H

static int sweep_collect(const char *v, void *payload)
{
	return rt_strvec_push(payload, v) < 0 ? -1 : 0;
}

/*
 * Allocation-failure sweep: for n = 1, 2, ... run fn(arg) with the n-th
 * allocation through the host table failing, until a run succeeds without
 * the failure having been injected, i.e. n is past every allocation fn
 * makes.  After every run:
 *  - every block allocated during the run was freed (no leak, in any
 *    build, not only under ASan);
 *  - a run that failed had the failure injected (nothing else fails);
 *  - check(arg, ok), when given, asserts what the run left behind: the
 *    database unchanged, or (when ok, or when the injected failure only hit
 *    what came after the commit) the run's work completed.
 */
static void alloc_sweep(int (*fn)(void *), void (*check)(void *, int ok), void *arg)
{
	unsigned long n;
	for (n = 1;; n++) {
		long before = rt__alloc_live(), after;
		int rc, fired;
		rt__alloc_fail_after(n);
		rc = fn(arg);
		fired = rt__alloc_fired();
		rt__alloc_fail_after(0);
		after = rt__alloc_live();
		if (after != before)
			fail_msg("allocation %lu failing: %ld block(s) leaked", n, after - before);
		if (rc != 0 && !fired)
			fail_msg("allocation %lu failing: the run failed, but the failure was "
			         "never injected", n);
		if (check)
			check(arg, rc == 0);
		if (rc == 0 && !fired)
			break;
		if (n > 100000)
			fail_msg("the sweep does not end: the run always allocates more");
	}
	assert_true(n > 1); /* the sweep did hit allocations */
}

/*
 * What online_run does, as a migration would: connect, lock, create the
 * version table (it exists already: the sweep is about the plugin's
 * allocations, and DDL commits itself on MySQL), then in one transaction
 * record `sweep1`, run `script` (which inserts one row into `data_table`),
 * move the row to `sweep2`, read it back, commit; then the error path (a
 * bad statement must give RETORT_EDB with a message and the statement)
 * and unlock.  state_sql, run on the test's own connection, gives
 * "<rows in data_table>:<version rows>": "0:" unchanged, "1:sweep2" done.
 */
struct online_sweep {
	const struct retort_dialect *d; /* the plugin under test */
	struct rt_url *url;            /* the server, parsed before the sweep */
	const char *table;             /* version table */
	const char *base_dir;          /* for relative paths in the URL, or NULL */
	const char *script;
	const char *state_sql;
	const char *reset_sql[2];      /* undo a completed run, for the next */
	const char *(*query)(const char *sql); /* the test's direct connection */
};

static int online_run(void *arg)
{
	const struct online_sweep *sw = arg;
	struct retort_conn *c = NULL;
	struct retort_dialect_options opts;
	struct retort_error err;
	struct rt_strvec rows = RT_STRVEC_INIT;
	int rc = -1, in_tx = 0;

	memset(&opts, 0, sizeof(opts));
	opts.struct_size = sizeof(opts);
	opts.version_table = sw->table;
	opts.base_dir = sw->base_dir ? sw->base_dir : ".";
	opts.lock_timeout_ms = 10000;
	rt_dialect_error_init(&err);
#define STEP(x)                                                              	do {                                                                 		rt_dialect_error_free(&err);                                 		rt_dialect_error_init(&err);                                 		if ((x) < 0)                                                 			goto done;                                           	} while (0)
	STEP(sw->d->create(&c, &sw->url->pub, &opts, &err));
	STEP(sw->d->connect(c, &err));
	STEP(sw->d->lock(c, &err));
	STEP(sw->d->version_create(c, &err));
	STEP(sw->d->begin(c, &err));
	in_tx = 1;
	STEP(sw->d->version_insert(c, "sweep1", &err));
	STEP(rt_dialect_execute(sw->d, c, sw->script, strlen(sw->script), 1, NULL, &err));
	STEP(sw->d->version_update(c, "sweep1", "sweep2", &err));
	STEP(sw->d->version_read(c, sweep_collect, &rows, &err));
	if (rows.n != 1 || strcmp(rows.v[0], "sweep2") != 0)
		fail_msg("the transaction reads %zu row(s), not sweep2", rows.n);
	STEP(sw->d->commit(c, &err));
	in_tx = 0;
	rt_dialect_error_free(&err);
	rt_dialect_error_init(&err);
	if (rt_dialect_execute(sw->d, c, "SELEC 1", 7, 3, NULL, &err) != RETORT_EDB ||
	    !err.message || !err.statement)
		goto done;
	STEP(sw->d->unlock(c, &err));
#undef STEP
	rc = 0;
done:
	if (in_tx) {
		rt_dialect_error_free(&err);
		rt_dialect_error_init(&err);
		sw->d->rollback(c, &err);
	}
	rt_dialect_error_free(&err);
	rt_strvec_free(&rows);
	sw->d->destroy(c);  /* ends the session: rolls back, unlocks */
	return rc;
}

/* After each run: unchanged, or completed (then undone for the next). */
static void online_check(void *arg, int ok)
{
	const struct online_sweep *sw = arg;
	const char *state = sw->query(sw->state_sql);
	if (strcmp(state, "0:") == 0) {
		if (ok)
			fail_msg("the run succeeded but the database is unchanged");
		return;
	}
	if (strcmp(state, "1:sweep2") != 0)
		fail_msg("the run left a half-done database: '%s' (want '0:' or '1:sweep2')",
		         state);
	sw->query(sw->reset_sql[0]);
	sw->query(sw->reset_sql[1]);
}

#endif
