/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/engine/test_lease.c - core/lease.c (lock_strategy "table")
 * against a fake database of its own: any number of connections share one
 * retort_lock table, each with its own transaction, and a transaction
 * that wrote commits only if no other transaction committed since it
 * began (first committer wins, as Galera's certification decides), else
 * it fails with SQLSTATE 40001.  The fake understands exactly the
 * statements core/lease.c sends; anything else fails the test.
 *
 * What is checked: a free lease is taken with an INSERT and released with
 * a DELETE; a held lease makes a second runner wait and time out, naming
 * the holder; a dead holder's lease is taken over after its length (the
 * waiter's clock), and at once when it expired long ago; a renewal after a
 * takeover reports the lease lost; certification conflicts are retried a
 * bounded number of times; the creation of the table by two runners.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine.h"
#include "host.h"
#include "lease.h"
#include "url.h"

/* ------------------------------------------------------------ the fake */

struct lrow {
	int used;
	char key[64], owner[64], host[64], pid[24], since[24];
	long long expires, lease;
};

#define MAX_ROWS 4

struct ldb {
	int table;                 /* retort_lock exists */
	struct lrow rows[MAX_ROWS];
	unsigned version;          /* bumped by every commit that wrote */
};

static struct ldb committed;
static unsigned fail_commits;  /* the next N commits that wrote fail with 40001 */
static unsigned n_inserts, n_takeovers, n_renewals, n_deletes, n_creates;
static int hide_row_once;      /* the next SELECT of the row finds nothing */
static char last_owner[64];    /* of the last INSERT */

struct retort_conn {
	int in_tx;
	int wrote;
	unsigned began;            /* committed.version when the transaction began */
	struct ldb work;
};

static int l_create(struct retort_conn **out, const struct retort_url *url,
                    const struct retort_dialect_options *opts, struct retort_error *err)
{
	(void)url;
	(void)opts;
	(void)err;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : RETORT_ENOMEM;
}

static int l_connect(struct retort_conn *c, struct retort_error *err)
{
	(void)c;
	(void)err;
	return 0;
}

static void l_destroy(struct retort_conn *c)
{
	free(c);
}

static unsigned l_caps(const struct retort_conn *c)
{
	(void)c;
	return RETORT_CAP_ADVISORY_LOCK;
}

static int l_begin(struct retort_conn *c, struct retort_error *err)
{
	(void)err;
	assert_false(c->in_tx);
	c->in_tx = 1;
	c->wrote = 0;
	c->began = committed.version;
	c->work = committed;
	return 0;
}

static int l_commit(struct retort_conn *c, struct retort_error *err)
{
	assert_true(c->in_tx);
	c->in_tx = 0;
	if (!c->wrote)
		return 0;
	if (fail_commits > 0 || committed.version != c->began) {
		if (fail_commits > 0)
			fail_commits--;
		rt_host()->error_set(err, RETORT_EDB, "Deadlock found when trying to get lock; "
		                     "try restarting transaction");
		rt_host()->error_db(err, "40001", 1213);
		return RETORT_EDB;
	}
	committed = c->work;
	committed.version++;
	return 0;
}

static int l_rollback(struct retort_conn *c, struct retort_error *err)
{
	(void)err;
	c->in_tx = 0;
	return 0;
}

static int l_execute(struct retort_conn *c, const char *sql, size_t len, unsigned line,
                     struct retort_error *err)
{
	(void)c;
	(void)sql;
	(void)len;
	(void)line;
	return rt_host()->error_set(err, RETORT_ERROR, "not used");
}

static int l_version_read(struct retort_conn *c, retort_row_cb cb, void *p,
                          struct retort_error *err)
{
	(void)c;
	(void)cb;
	(void)p;
	(void)err;
	return RETORT_ENOTFOUND;
}

static int l_version_create(struct retort_conn *c, struct retort_error *err)
{
	(void)c;
	(void)err;
	return 0;
}

static int l_version_row(struct retort_conn *c, const char *r, struct retort_error *err)
{
	(void)c;
	(void)r;
	(void)err;
	return 0;
}

static int l_version_update(struct retort_conn *c, const char *a, const char *b,
                            struct retort_error *err)
{
	(void)c;
	(void)a;
	(void)b;
	(void)err;
	return 0;
}

static struct lrow *find(struct ldb *d, const char *key)
{
	int i;
	for (i = 0; i < MAX_ROWS; i++)
		if (d->rows[i].used && strcmp(d->rows[i].key, key) == 0)
			return &d->rows[i];
	return NULL;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int l_query(struct retort_conn *c, const char *sql, const char *const *p, size_t n,
                   retort_query_row_cb cb, void *payload, long *affected,
                   struct retort_error *err)
{
	/* outside a transaction a statement sees (and changes) the committed state */
	struct ldb *d = c->in_tx ? &c->work : &committed;
	struct lrow *r;
	if (affected)
		*affected = -1;
	if (starts(sql, "SELECT 1 FROM retort_lock WHERE 1 = 0")) {
		if (!d->table) {
			rt_host()->error_set(err, RETORT_EDB, "no such table");
			rt_host()->error_db(err, "42P01", 0);
			return -1;
		}
		return 0;
	}
	if (starts(sql, "CREATE TABLE retort_lock (")) {
		assert_false(c->in_tx);
		n_creates++;
		if (committed.table) {
			rt_host()->error_set(err, RETORT_EDB, "table exists");
			rt_host()->error_db(err, "42P07", 0);
			return -1;
		}
		assert_non_null(strstr(sql, "PRIMARY KEY (version_table)"));
		committed.table = 1;
		committed.version++;
		return 0;
	}
	if (!d->table) {
		rt_host()->error_set(err, RETORT_EDB, "no such table");
		return -1;
	}
	if (starts(sql, "SELECT owner, host, pid, acquired_at, expires_ms, lease_ms FROM "
	                "retort_lock WHERE version_table = ?")) {
		char e[24], l[24];
		const char *cols[6];
		assert_int_equal(n, 1);
		r = find(d, p[0]);
		if (hide_row_once) {
			hide_row_once = 0;
			return 0;
		}
		if (!r)
			return 0;
		snprintf(e, sizeof(e), "%lld", r->expires);
		snprintf(l, sizeof(l), "%lld", r->lease);
		cols[0] = r->owner;
		cols[1] = r->host;
		cols[2] = r->pid;
		cols[3] = r->since;
		cols[4] = e;
		cols[5] = l;
		if (cb)
			cb(cols, 6, payload);
		return 0;
	}
	if (starts(sql, "INSERT INTO retort_lock (version_table, owner, host, pid, acquired_at, "
	                "expires_ms, lease_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
		int i;
		assert_true(c->in_tx);
		assert_int_equal(n, 7);
		if (find(d, p[0])) {
			rt_host()->error_set(err, RETORT_EDB, "duplicate key");
			rt_host()->error_db(err, "23505", 0);
			return -1;
		}
		for (i = 0; i < MAX_ROWS && d->rows[i].used; i++)
			;
		assert_true(i < MAX_ROWS);
		r = &d->rows[i];
		memset(r, 0, sizeof(*r));
		r->used = 1;
		snprintf(r->key, sizeof(r->key), "%s", p[0]);
		snprintf(r->owner, sizeof(r->owner), "%s", p[1]);
		snprintf(last_owner, sizeof(last_owner), "%s", p[1]);
		snprintf(r->host, sizeof(r->host), "%s", p[2]);
		snprintf(r->pid, sizeof(r->pid), "%s", p[3]);
		snprintf(r->since, sizeof(r->since), "%s", p[4]);
		r->expires = strtoll(p[5], NULL, 10);
		r->lease = strtoll(p[6], NULL, 10);
		c->wrote = 1;
		n_inserts++;
		if (affected)
			*affected = 1;
		return 0;
	}
	if (starts(sql, "UPDATE retort_lock SET owner = ?, host = ?, pid = ?, acquired_at = ?, "
	                "expires_ms = ?, lease_ms = ? WHERE version_table = ? AND owner = ? AND "
	                "expires_ms = ?")) {
		assert_true(c->in_tx);
		assert_int_equal(n, 9);
		r = find(d, p[6]);
		c->wrote = 1;
		if (!r || strcmp(r->owner, p[7]) != 0 || r->expires != strtoll(p[8], NULL, 10)) {
			*affected = 0;
			return 0;
		}
		snprintf(r->owner, sizeof(r->owner), "%s", p[0]);
		snprintf(r->host, sizeof(r->host), "%s", p[1]);
		snprintf(r->pid, sizeof(r->pid), "%s", p[2]);
		snprintf(r->since, sizeof(r->since), "%s", p[3]);
		r->expires = strtoll(p[4], NULL, 10);
		r->lease = strtoll(p[5], NULL, 10);
		n_takeovers++;
		*affected = 1;
		return 0;
	}
	if (starts(sql, "UPDATE retort_lock SET expires_ms = ? WHERE version_table = ? AND "
	                "owner = ?")) {
		assert_true(c->in_tx);
		assert_int_equal(n, 3);
		r = find(d, p[1]);
		c->wrote = 1;
		n_renewals++;
		if (!r || strcmp(r->owner, p[2]) != 0) {
			*affected = 0;
			return 0;
		}
		assert_true(strtoll(p[0], NULL, 10) > r->expires);
		r->expires = strtoll(p[0], NULL, 10);
		*affected = 1;
		return 0;
	}
	if (starts(sql, "DELETE FROM retort_lock WHERE version_table = ? AND owner = ?")) {
		assert_true(c->in_tx);
		assert_int_equal(n, 2);
		r = find(d, p[0]);
		c->wrote = 1;
		n_deletes++;
		if (r && strcmp(r->owner, p[1]) == 0) {
			r->used = 0;
			*affected = 1;
		} else {
			*affected = 0;
		}
		return 0;
	}
	fail_msg("unexpected statement: %s", sql);
	return -1;
}

static int l_column_type(const struct retort_conn *c, int type, unsigned length, char *out,
                         size_t outsz)
{
	(void)c;
	switch (type) {
	case RETORT_TYPE_VARCHAR:
		return snprintf(out, outsz, "VARCHAR(%u)", length) < (int)outsz ? 0 : -1;
	case RETORT_TYPE_BIGINT:
		return snprintf(out, outsz, "BIGINT") < (int)outsz ? 0 : -1;
	case RETORT_TYPE_TIMESTAMP:
		return snprintf(out, outsz, "TIMESTAMP") < (int)outsz ? 0 : -1;
	default:
		return -1;
	}
}

static const char *const schemes[] = { "fake", NULL };

static const struct retort_dialect lease_fake = {
	RETORT_DIALECT_ABI_MAJOR, RETORT_DIALECT_ABI_MINOR, sizeof(struct retort_dialect),
	"fake", "a lease database", "1", schemes,
	NULL, NULL,
	l_create, l_connect, l_destroy, l_caps,
	l_begin, l_commit, l_rollback,
	l_execute, NULL,
	l_version_read, l_version_create, l_version_row, l_version_update, l_version_row,
	NULL, NULL,
	NULL, NULL, NULL,
	l_query, l_column_type,
	NULL, NULL, NULL, /* ABI 1.2: none, execute() runs whole sections */
	NULL,             /* ABI 1.3: session_user_sql */
};

/* ------------------------------------------------------------ helpers */

static struct rt_db *db_open(void)
{
	struct rt_db *db = calloc(1, sizeof(*db));
	struct rt_err err = { 0, NULL };
	assert_non_null(db);
	db->d = &lease_fake;
	assert_int_equal(rt_url_parse(&db->url, "fake://u:sekrit@h/db", &err), 0);
	db->dopts.struct_size = sizeof(db->dopts);
	db->dopts.version_table = "alembic_version";
	assert_int_equal(l_create(&db->conn, &db->url->pub, &db->dopts, NULL), 0);
	db->connected = 1;
	return db;
}

static void db_close(struct rt_db *db)
{
	l_destroy(db->conn);
	rt_url_free(db->url);
	free(db);
}

static struct rt_lease_opts opts(long lease_ms, long timeout_ms)
{
	struct rt_lease_opts o;
	memset(&o, 0, sizeof(o));
	o.version_table = "alembic_version";
	o.lease_ms = lease_ms;
	o.timeout_ms = timeout_ms;
	o.quiet = 1;
	return o;
}

static long long now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Another runner's row, as a dead runner left it. */
static void foreign_row(long long expires, long long lease)
{
	struct lrow *r = &committed.rows[0];
	committed.table = 1;
	memset(r, 0, sizeof(*r));
	r->used = 1;
	strcpy(r->key, "alembic_version");
	strcpy(r->owner, "deadbeefdeadbeefdeadbeef");
	strcpy(r->host, "deploy-2");
	strcpy(r->pid, "4711");
	strcpy(r->since, "2026-05-01 10:00:00");
	r->expires = expires;
	r->lease = lease;
	committed.version++;
}

static int reset(void **state)
{
	(void)state;
	memset(&committed, 0, sizeof(committed));
	fail_commits = 0;
	n_inserts = n_takeovers = n_renewals = n_deletes = n_creates = 0;
	hide_row_once = 0;
	return 0;
}

/* ------------------------------------------------------------ tests */

static void test_take_and_release(void **state)
{
	struct rt_db *db = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0);
	struct rt_lease *l = NULL;
	int timed_out = -1;
	struct lrow *r;
	(void)state;

	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), 0);
	assert_non_null(l);
	assert_int_equal(timed_out, 0);
	assert_int_equal(n_creates, 1);
	assert_int_equal(n_inserts, 1);
	assert_int_equal(strspn(last_owner, "0123456789abcdef"), 24);
	assert_int_equal(strlen(last_owner), 24);
	r = find(&committed, "alembic_version");
	assert_non_null(r);
	assert_int_equal(strtol(r->pid, NULL, 10), (long)getpid());
	assert_int_equal(r->lease, 60000);
	assert_true(r->expires > now_wall() + 50000);

	/* a forced renewal moves the expiry on; an early unforced one does nothing */
	assert_int_equal(rt_lease_renew(l, 0, &err), 0);
	assert_int_equal(n_renewals, 0);
	assert_int_equal(rt_lease_renew(l, 1, &err), 0);
	assert_int_equal(n_renewals, 1);

	assert_int_equal(rt_lease_release(l, &err), 0);
	assert_int_equal(n_deletes, 1);
	assert_null(find(&committed, "alembic_version"));
	assert_null(err.msg);
	db_close(db);
}

static void test_held_times_out_naming_holder(void **state)
{
	struct rt_db *a = db_open(), *b = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0), ob = opts(60000, 150);
	struct rt_lease *la = NULL, *lb = NULL;
	int timed_out = 0;
	char pid[64];
	(void)state;

	assert_int_equal(rt_lease_acquire(&la, a, &o, &timed_out, &err), 0);
	/* try once */
	assert_int_equal(rt_lease_acquire(&lb, b, &o, &timed_out, &err), -1);
	assert_null(lb);
	assert_int_equal(timed_out, 1);
	snprintf(pid, sizeof(pid), "held by pid %ld on host ", (long)getpid());
	assert_non_null(strstr(err.msg, pid));
	assert_non_null(strstr(err.msg, " since "));
	assert_null(strstr(err.msg, "sekrit"));
	rt_err_clear(&err);
	/* wait a little, then give up; the holder's row is untouched */
	assert_int_equal(rt_lease_acquire(&lb, b, &ob, &timed_out, &err), -1);
	assert_int_equal(timed_out, 1);
	assert_non_null(strstr(err.msg, "waited "));
	rt_err_clear(&err);
	assert_int_equal(n_inserts, 1);
	assert_int_equal(n_takeovers, 0);

	/* released: the next one takes it */
	assert_int_equal(rt_lease_release(la, &err), 0);
	assert_int_equal(rt_lease_acquire(&lb, b, &o, &timed_out, &err), 0);
	assert_int_equal(rt_lease_release(lb, &err), 0);
	db_close(a);
	db_close(b);
}

static void test_dead_holder_taken_over_after_its_lease(void **state)
{
	struct rt_db *db = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 5000);
	struct rt_lease *l = NULL;
	int timed_out = 0;
	struct lrow *r;
	(void)state;

	/* a dead runner's row: its own clock far ahead (expires in an hour),
	 * its lease 200 ms; nobody renews it */
	foreign_row(now_wall() + 3600 * 1000LL, 200);
	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), 0);
	assert_int_equal(n_takeovers, 1);
	assert_int_equal(n_inserts, 0);
	r = find(&committed, "alembic_version");
	assert_string_not_equal(r->owner, "deadbeefdeadbeefdeadbeef");
	assert_int_equal(r->lease, 60000);
	assert_int_equal(rt_lease_release(l, &err), 0);
	db_close(db);
}

static void test_long_expired_taken_at_once(void **state)
{
	struct rt_db *db = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0);
	struct rt_lease *l = NULL;
	int timed_out = 0;
	(void)state;

	/* expired two lease lengths ago by our clock: no waiting (timeout 0) */
	foreign_row(now_wall() - 120000, 60000);
	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), 0);
	assert_int_equal(n_takeovers, 1);
	assert_int_equal(rt_lease_release(l, &err), 0);

	/* expired just now: within one lease length of skew it is still held */
	reset(NULL);
	foreign_row(now_wall() - 1000, 60000);
	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), -1);
	assert_int_equal(timed_out, 1);
	assert_non_null(strstr(err.msg, "held by pid 4711 on host deploy-2 since "
	                                "2026-05-01 10:00:00 UTC"));
	rt_err_clear(&err);
	db_close(db);
}

static void test_lost_lease(void **state)
{
	struct rt_db *db = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0);
	struct rt_lease *l = NULL;
	int timed_out = 0;
	(void)state;

	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), 0);
	/* another runner took it over meanwhile */
	strcpy(find(&committed, "alembic_version")->owner, "0123456789ab0123456789ab");
	committed.version++;
	assert_int_equal(rt_lease_renew(l, 1, &err), -1);
	assert_non_null(strstr(err.msg, "lost the migration lease of alembic_version"));
	rt_err_clear(&err);
	/* releasing a lost lease deletes nothing of the new holder's */
	assert_int_equal(rt_lease_release(l, &err), 0);
	assert_int_equal(n_deletes, 0);
	assert_non_null(find(&committed, "alembic_version"));
	db_close(db);
}

static void test_conflicts_retried_then_given_up(void **state)
{
	struct rt_db *db = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0);
	struct rt_lease *l = NULL;
	int timed_out = 0;
	(void)state;

	/* two certification conflicts, then the INSERT commits */
	committed.table = 1;
	fail_commits = 2;
	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), 0);
	assert_int_equal(n_inserts, 3);
	/* a renewal's conflict is retried too */
	fail_commits = 1;
	assert_int_equal(rt_lease_renew(l, 1, &err), 0);
	assert_int_equal(n_renewals, 2);
	assert_int_equal(rt_lease_release(l, &err), 0);

	/* conflicts without end: a bounded number of attempts, then a message */
	reset(NULL);
	committed.table = 1;
	fail_commits = 1000;
	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), -1);
	assert_int_equal(timed_out, 0);
	assert_int_equal(n_inserts, 10);
	assert_non_null(strstr(err.msg, "gave up taking the migration lease after 10 attempts"));
	assert_non_null(strstr(err.msg, "SQLSTATE 40001"));
	rt_err_clear(&err);
	db_close(db);
}

static void test_insert_race(void **state)
{
	struct rt_db *a = db_open(), *b = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0);
	struct rt_lease *la = NULL, *lb = NULL;
	int timed_out = 0;
	(void)state;

	assert_int_equal(rt_lease_acquire(&la, a, &o, &timed_out, &err), 0);
	/* b reads no row (it read before a's commit), so it INSERTs: the
	 * duplicate key means "held", never "taken" */
	hide_row_once = 1;
	assert_int_equal(rt_lease_acquire(&lb, b, &o, &timed_out, &err), -1);
	assert_int_equal(timed_out, 1);
	assert_int_equal(n_inserts, 1);
	rt_err_clear(&err);
	assert_int_equal(rt_lease_release(la, &err), 0);
	db_close(a);
	db_close(b);
}

static void test_table_made_by_another(void **state)
{
	struct rt_db *db = db_open();
	struct rt_err err = { 0, NULL };
	struct rt_lease_opts o = opts(60000, 0);
	struct rt_lease *l = NULL;
	int timed_out = 0;
	(void)state;

	/* it exists: not created again */
	committed.table = 1;
	assert_int_equal(rt_lease_acquire(&l, db, &o, &timed_out, &err), 0);
	assert_int_equal(n_creates, 0);
	assert_int_equal(rt_lease_release(l, &err), 0);
	db_close(db);
}

static void test_strategy_names(void **state)
{
	(void)state;
	assert_int_equal(rt_lock_strategy_parse("auto"), RT_LOCK_AUTO);
	assert_int_equal(rt_lock_strategy_parse(NULL), RT_LOCK_AUTO);
	assert_int_equal(rt_lock_strategy_parse("session"), RT_LOCK_SESSION);
	assert_int_equal(rt_lock_strategy_parse("table"), RT_LOCK_TABLE_LEASE);
	assert_int_equal(rt_lock_strategy_parse("Table"), -1);
	assert_string_equal(rt_lock_strategy_name(RT_LOCK_TABLE_LEASE), "table");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_take_and_release, reset),
		cmocka_unit_test_setup(test_held_times_out_naming_holder, reset),
		cmocka_unit_test_setup(test_dead_holder_taken_over_after_its_lease, reset),
		cmocka_unit_test_setup(test_long_expired_taken_at_once, reset),
		cmocka_unit_test_setup(test_lost_lease, reset),
		cmocka_unit_test_setup(test_conflicts_retried_then_given_up, reset),
		cmocka_unit_test_setup(test_insert_race, reset),
		cmocka_unit_test_setup(test_table_made_by_another, reset),
		cmocka_unit_test(test_strategy_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
