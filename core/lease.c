/* SPDX-License-Identifier: MIT */
/*
 * core/lease.c - the migration lock as a lease row.  See lease.h.
 */
#include "lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "host.h"
#include "offline.h"
#include "randid.h"
#include "sidequery.h"
#include "url.h"

/* Consecutive certification conflicts (SQLSTATE class 40) tolerated on
 * one lease write before giving up. */
#define CONFLICTS_MAX 10

struct rt_lease {
	struct rt_db side;         /* the lease's own connection: d and url borrowed */
	char *table;               /* retort_lock as SQL (schema, quoting) */
	char *key;                 /* the version table */
	char owner[2 * RT_RANDID_LEN + 1];
	char host[256];
	char pid[24];
	long lease_ms;
	long timeout_ms;
	int quiet;
	int held;
	long long expires_ms;      /* what our row says, while held */
	long long renewed_mono;    /* when we last wrote it (monotonic ms) */
	/* what a waiter saw last, and since when (monotonic ms) */
	char *seen_owner;
	long long seen_expires;
	long long seen_mono;
};

int rt_lock_strategy_parse(const char *text)
{
	if (!text || strcmp(text, "auto") == 0)
		return RT_LOCK_AUTO;
	if (strcmp(text, "session") == 0)
		return RT_LOCK_SESSION;
	if (strcmp(text, "table") == 0)
		return RT_LOCK_TABLE_LEASE;
	return -1;
}

const char *rt_lock_strategy_name(int strategy)
{
	return strategy == RT_LOCK_SESSION ? "session"
	       : strategy == RT_LOCK_TABLE_LEASE ? "table" : "auto";
}

static long long clock_ms(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static long long wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static void sleep_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* ------------------------------------------------------------ statements */

/* SQLSTATE class of the last failure, kept by q(). */
struct outcome {
	char sqlstate[8];
	long affected;
};

/* One statement on the lease connection.  err is set on failure; the
 * SQLSTATE (class 23: duplicate key; 40: certification conflict) goes to
 * *o. */
static int q(struct rt_lease *l, const char *sql, const char *const *params, size_t n,
             retort_query_row_cb cb, void *payload, struct outcome *o, struct rt_err *err)
{
	struct retort_error perr;
	int rc;
	o->sqlstate[0] = '\0';
	o->affected = -1;
	if (!rt_db_can_query(&l->side))
		return rt_db_query(&l->side, sql, params, n, cb, payload, &o->affected, err);
	rt_dialect_error_init(&perr);
	rc = l->side.d->query(l->side.conn, sql, params, n, cb, payload, &o->affected, &perr);
	if (rc < 0) {
		memcpy(o->sqlstate, perr.sqlstate, sizeof(o->sqlstate));
		o->sqlstate[sizeof(o->sqlstate) - 1] = '\0';
		return rt_db_error(err, &l->side, &perr, perr.code < 0 ? perr.code : RETORT_EDB,
		                   "the migration lease (table %s)", l->table);
	}
	rt_dialect_error_free(&perr);
	return 0;
}

static int tx(struct rt_lease *l, int (*fn)(struct retort_conn *, struct retort_error *),
              const char *what, struct outcome *o, struct rt_err *err)
{
	struct retort_error perr;
	int rc;
	rt_dialect_error_init(&perr);
	rc = fn(l->side.conn, &perr);
	if (rc < 0) {
		memcpy(o->sqlstate, perr.sqlstate, sizeof(o->sqlstate));
		o->sqlstate[sizeof(o->sqlstate) - 1] = '\0';
		return rt_db_error(err, &l->side, &perr, rc, "%s (migration lease)", what);
	}
	rt_dialect_error_free(&perr);
	return 0;
}

static void rollback(struct rt_lease *l)
{
	struct retort_error perr;
	rt_dialect_error_init(&perr);
	l->side.d->rollback(l->side.conn, &perr);
	rt_dialect_error_free(&perr);
}

/* One write in a short transaction of its own: begin, sql, commit.  0 with
 * o->affected, or -1 (rolled back) with err and o->sqlstate. */
static int write1(struct rt_lease *l, const char *sql, const char *const *params, size_t n,
                  struct outcome *o, struct rt_err *err)
{
	const struct retort_dialect *d = l->side.d;
	long affected;
	o->sqlstate[0] = '\0';
	if (tx(l, d->begin, "cannot begin a transaction", o, err) < 0)
		return -1;
	if (q(l, sql, params, n, NULL, NULL, o, err) < 0) {
		rollback(l);
		return -1;
	}
	affected = o->affected;
	if (tx(l, d->commit, "cannot commit", o, err) < 0) {
		rollback(l);
		return -1;
	}
	o->affected = affected;
	return 0;
}

static int class_is(const struct outcome *o, const char *cls)
{
	return o->sqlstate[0] == cls[0] && o->sqlstate[1] == cls[1];
}

/* ------------------------------------------------------------ the table */

static int probe_cb(const char *const *cols, size_t n, void *payload)
{
	(void)cols;
	(void)n;
	(void)payload;
	return 0;
}

static int table_exists(struct rt_lease *l)
{
	struct rt_err e = { 0, NULL };
	struct outcome o;
	char *sql = rt_sprintf("SELECT 1 FROM %s WHERE 1 = 0", l->table);
	int rc;
	if (!sql)
		return -1;
	rc = q(l, sql, NULL, 0, probe_cb, NULL, &o, &e);
	rt_free(sql);
	rt_err_clear(&e);
	return rc == 0;
}

/* CREATE TABLE retort_lock, unless it is there; a concurrent creation by
 * another runner is fine. */
static int ensure_table(struct rt_lease *l, struct rt_err *err)
{
	static const struct {
		const char *name;
		int type;
		unsigned len;
		int not_null;
	} cols[] = {
		{ "version_table", RETORT_TYPE_VARCHAR, 128, 1 },
		{ "owner", RETORT_TYPE_VARCHAR, 32, 1 },
		{ "host", RETORT_TYPE_VARCHAR, 255, 0 },
		{ "pid", RETORT_TYPE_BIGINT, 0, 0 },
		{ "acquired_at", RETORT_TYPE_TIMESTAMP, 0, 0 },
		{ "expires_ms", RETORT_TYPE_BIGINT, 0, 1 },
		{ "lease_ms", RETORT_TYPE_BIGINT, 0, 1 },
	};
	struct rt_buf b = RT_BUF_INIT;
	struct outcome o;
	size_t i;
	int rc;

	if ((rc = table_exists(l)) != 0)
		return rc < 0 ? rt_err_oom(err) : 0;
	rt_buf_printf(&b, "CREATE TABLE %s (\n", l->table);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		char type[64];
		if (rt_db_column_type(&l->side, cols[i].type, cols[i].len, type, sizeof(type),
		                      err) < 0) {
			rt_buf_free(&b);
			return rt_err_prefix(err, "column %s of %s", cols[i].name, l->table);
		}
		rt_buf_printf(&b, "    %s %s%s,\n", cols[i].name, type,
		              cols[i].not_null ? " NOT NULL" : "");
	}
	rt_buf_puts(&b, "    PRIMARY KEY (version_table)\n)");
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	rc = q(l, b.ptr, NULL, 0, NULL, NULL, &o, err);
	rt_buf_free(&b);
	if (rc < 0) {
		/* another runner made it meanwhile? */
		if (table_exists(l) == 1) {
			rt_err_clear(err);
			return 0;
		}
		return rt_err_prefix(err, "cannot create the table %s", l->table);
	}
	return 0;
}

/* ------------------------------------------------------------ the row */

struct holder {
	int found;
	char *owner, *host, *pid, *since;
	long long expires_ms, lease_ms;
	int oom;
};

static void holder_free(struct holder *h)
{
	rt_free(h->owner);
	rt_free(h->host);
	rt_free(h->pid);
	rt_free(h->since);
	memset(h, 0, sizeof(*h));
}

static char *dup_col(const char *const *cols, size_t n, size_t i, int *oom)
{
	char *s;
	if (i >= n || !cols[i])
		return NULL;
	if (!(s = rt_strdup(cols[i])))
		*oom = 1;
	return s;
}

static int holder_cb(const char *const *cols, size_t n, void *payload)
{
	struct holder *h = payload;
	holder_free(h);
	h->found = 1;
	h->owner = dup_col(cols, n, 0, &h->oom);
	h->host = dup_col(cols, n, 1, &h->oom);
	h->pid = dup_col(cols, n, 2, &h->oom);
	h->since = dup_col(cols, n, 3, &h->oom);
	h->expires_ms = n > 4 && cols[4] ? strtoll(cols[4], NULL, 10) : 0;
	h->lease_ms = n > 5 && cols[5] ? strtoll(cols[5], NULL, 10) : 0;
	return h->oom;
}

static int read_row(struct rt_lease *l, struct holder *h, struct outcome *o, struct rt_err *err)
{
	const char *params[1];
	char *sql;
	int rc;
	memset(h, 0, sizeof(*h));
	params[0] = l->key;
	if (!(sql = rt_sprintf("SELECT owner, host, pid, acquired_at, expires_ms, lease_ms "
	                       "FROM %s WHERE version_table = ?", l->table)))
		return rt_err_oom(err);
	rc = q(l, sql, params, 1, holder_cb, h, o, err);
	rt_free(sql);
	if (rc == 0 && h->oom)
		rc = rt_err_oom(err);
	if (rc < 0)
		holder_free(h);
	return rc;
}

/* "pid 123 on host db7 since 2024-05-01 10:00:00 UTC" (new string). */
static char *describe(const struct holder *h)
{
	return rt_sprintf("pid %s on host %s since %s UTC", h->pid ? h->pid : "?",
	                  h->host ? h->host : "?", h->since ? h->since : "?");
}

/* The value of our row's columns now. */
struct row_vals {
	char now[20];
	char expires[24];
	char lease[24];
};

static void row_vals(struct rt_lease *l, struct row_vals *v, long long expires)
{
	rt_audit_utc_now(v->now);
	snprintf(v->expires, sizeof(v->expires), "%lld", expires);
	snprintf(v->lease, sizeof(v->lease), "%ld", l->lease_ms);
}

/* Results of one attempt. */
enum { TAKEN = 1, HELD = 0, CONFLICT = 2 };

static int insert_row(struct rt_lease *l, struct outcome *o, struct rt_err *err)
{
	struct row_vals v;
	const char *params[7];
	long long expires = wall_ms() + l->lease_ms;
	char *sql;
	int rc;
	row_vals(l, &v, expires);
	params[0] = l->key;
	params[1] = l->owner;
	params[2] = l->host;
	params[3] = l->pid;
	params[4] = v.now;
	params[5] = v.expires;
	params[6] = v.lease;
	if (!(sql = rt_sprintf("INSERT INTO %s (version_table, owner, host, pid, acquired_at, "
	                       "expires_ms, lease_ms) VALUES (?, ?, ?, ?, ?, ?, ?)", l->table)))
		return rt_err_oom(err);
	rc = write1(l, sql, params, 7, o, err);
	rt_free(sql);
	if (rc == 0) {
		l->expires_ms = expires;
		return TAKEN;
	}
	if (class_is(o, "23"))
		return HELD;        /* another runner inserted it first */
	return class_is(o, "40") ? CONFLICT : -1;
}

/* Take over an expired row, if it is still what we read. */
static int take_over(struct rt_lease *l, const struct holder *h, struct outcome *o,
                     struct rt_err *err)
{
	struct row_vals v;
	const char *params[9];
	char old_expires[24];
	long long expires = wall_ms() + l->lease_ms;
	char *sql;
	int rc;
	row_vals(l, &v, expires);
	snprintf(old_expires, sizeof(old_expires), "%lld", h->expires_ms);
	params[0] = l->owner;
	params[1] = l->host;
	params[2] = l->pid;
	params[3] = v.now;
	params[4] = v.expires;
	params[5] = v.lease;
	params[6] = l->key;
	params[7] = h->owner;
	params[8] = old_expires;
	if (!(sql = rt_sprintf("UPDATE %s SET owner = ?, host = ?, pid = ?, acquired_at = ?, "
	                       "expires_ms = ?, lease_ms = ? WHERE version_table = ? AND "
	                       "owner = ? AND expires_ms = ?", l->table)))
		return rt_err_oom(err);
	rc = write1(l, sql, params, 9, o, err);
	rt_free(sql);
	if (rc < 0)
		return class_is(o, "40") ? CONFLICT : -1;
	if (o->affected != 1)
		return HELD;        /* someone else changed it first */
	l->expires_ms = expires;
	return TAKEN;
}

/* Has the row `h` expired, as this waiter sees it? */
static int expired(struct rt_lease *l, const struct holder *h)
{
	long long now = mono_ms(), lease = h->lease_ms > 0 ? h->lease_ms : l->lease_ms;
	if (!l->seen_owner || !h->owner || strcmp(l->seen_owner, h->owner) != 0 ||
	    l->seen_expires != h->expires_ms) {
		rt_free(l->seen_owner);
		l->seen_owner = h->owner ? rt_strdup(h->owner) : NULL;
		l->seen_expires = h->expires_ms;
		l->seen_mono = now;
	}
	/* not renewed for its whole length while we watched */
	if (now - l->seen_mono >= lease)
		return 1;
	/* long dead by our clock, beyond any plausible clock skew */
	return wall_ms() > h->expires_ms + lease;
}

/* One attempt: TAKEN, HELD (h says by whom), CONFLICT, or -1. */
static int attempt(struct rt_lease *l, struct holder *h, struct outcome *o, struct rt_err *err)
{
	int rc;
	if (read_row(l, h, o, err) < 0)
		return class_is(o, "40") ? CONFLICT : -1;
	if (!h->found)
		return insert_row(l, o, err);
	if (h->owner && strcmp(h->owner, l->owner) == 0)
		return TAKEN;
	if (!expired(l, h))
		return HELD;
	rc = take_over(l, h, o, err);
	if (rc == TAKEN && !l->quiet)
		rt_host()->log(RETORT_LOG_WARNING, "took over the migration lease of %s, which "
		               "expired: its holder (pid %s on host %s) did not renew it for %lld ms "
		               "and is presumed dead", l->key, h->pid ? h->pid : "?",
		               h->host ? h->host : "?",
		               h->lease_ms > 0 ? h->lease_ms : (long long)l->lease_ms);
	return rc;
}

static void lease_free(struct rt_lease *l)
{
	if (!l)
		return;
	if (l->side.conn)
		l->side.d->destroy(l->side.conn);
	rt_free(l->table);
	rt_free(l->key);
	rt_free(l->seen_owner);
	rt_free(l);
}

static int open_side(struct rt_lease *l, struct rt_db *db, struct rt_err *err)
{
	struct retort_error perr;
	int rc;
	l->side.d = db->d;
	l->side.url = db->url;
	rt_dialect_error_init(&perr);
	rc = db->d->create(&l->side.conn, &db->url->pub, &db->dopts, &perr);
	if (rc < 0)
		return rt_db_error(err, db, &perr, rc, "cannot open the lease connection to %s",
		                   db->url->pub.masked);
	rt_dialect_error_init(&perr);
	rc = db->d->connect(l->side.conn, &perr);
	if (rc < 0)
		return rt_db_error(err, db, &perr, rc, "cannot open the lease connection to %s",
		                   db->url->pub.masked);
	l->side.connected = 1;
	return 0;
}

int rt_lease_acquire(struct rt_lease **out, struct rt_db *db, const struct rt_lease_opts *o,
                     int *timed_out, struct rt_err *err)
{
	struct rt_lease *l;
	char id1[RT_RANDID_LEN + 1], id2[RT_RANDID_LEN + 1];
	long long start;
	long step = 50;
	unsigned conflicts = 0;
	int logged = 0;

	*out = NULL;
	*timed_out = 0;
	if (!rt_db_can_query(db) || !rt_db_can_column_type(db))
		return rt_err_set(err, RT_EXIT_USAGE, "lock_strategy \"table\" needs the dialect's "
		                  "query() and column_type() (ABI 1.1); dialect plugin %s lacks "
		                  "them: upgrade it, or set lock_strategy = \"session\"", db->d->name);
	if (!(l = rt_calloc(1, sizeof(*l))))
		return rt_err_oom(err);
	l->lease_ms = o->lease_ms > 0 ? o->lease_ms : 60000;
	l->timeout_ms = o->timeout_ms;
	l->quiet = o->quiet;
	snprintf(l->pid, sizeof(l->pid), "%ld", (long)getpid());
	if (gethostname(l->host, sizeof(l->host) - 1) < 0 || !l->host[0])
		strcpy(l->host, "unknown");
	l->host[sizeof(l->host) - 1] = '\0';
	if (rt_randid(id1, err) < 0 || rt_randid(id2, err) < 0)
		goto fail;
	snprintf(l->owner, sizeof(l->owner), "%s%s", id1, id2);
	if (!(l->key = rt_strdup(o->version_table)))
		goto oom;
	if (rt_offline_table_name(&l->table, db, RT_LOCK_TABLE, o->schema, err) < 0)
		goto fail;
	if (open_side(l, db, err) < 0 || ensure_table(l, err) < 0)
		goto fail;

	start = mono_ms();
	for (;;) {
		struct holder h;
		struct outcome oc;
		long long waited;
		int rc = attempt(l, &h, &oc, err);
		if (rc == TAKEN) {
			holder_free(&h);
			l->held = 1;
			l->renewed_mono = mono_ms();
			*out = l;
			return 0;
		}
		if (rc < 0) {
			holder_free(&h);
			goto fail;
		}
		if (rc == CONFLICT) {
			if (++conflicts >= CONFLICTS_MAX) {
				holder_free(&h);
				rt_err_prefix(err, "gave up taking the migration lease after %u "
				              "attempts, each rolled back by the database (SQLSTATE %s: a "
				              "deadlock or, on Galera, a certification conflict with "
				              "another node's write)", conflicts, oc.sqlstate);
				goto fail;
			}
			rt_host()->log(RETORT_LOG_INFO, "the database rolled back a write of the "
			               "migration lease (SQLSTATE %s: on Galera, a certification "
			               "conflict); retrying (%u of %u)", oc.sqlstate, conflicts + 1,
			               CONFLICTS_MAX);
			rt_err_clear(err);
			holder_free(&h);
			/* not a sign the lease is held: retry at once, whatever the
			 * timeout; 20-35 ms, different per process */
			sleep_ms(20 + (long)(getpid() % 16));
			continue;
		}
		conflicts = 0;
		rt_err_clear(err); /* a duplicate key: held */
		waited = mono_ms() - start;
		if (l->timeout_ms >= 0 && waited >= l->timeout_ms) {
			char *who = h.found ? describe(&h) : NULL;
			*timed_out = 1;
			rt_err_set(err, RT_EXIT_DB, "the migration lease of version table %s (table "
			           "%s) is held by %s; waited %lld ms: let that run finish, or raise "
			           "the lock timeout (a dead holder's lease is taken over once it has "
			           "not been renewed for its lock_lease)", l->key, l->table,
			           who ? who : "another run", waited);
			rt_free(who);
			holder_free(&h);
			goto fail;
		}
		if (!logged && h.found && !l->quiet) {
			char *who = describe(&h);
			rt_host()->log(RETORT_LOG_WARNING, "waiting for the migration lease of %s, "
			               "held by %s", l->key, who ? who : "another run");
			rt_free(who);
			logged = 1;
		}
		holder_free(&h);
		if (l->timeout_ms >= 0 && step > l->timeout_ms - waited)
			step = (long)(l->timeout_ms - waited);
		sleep_ms(step > 0 ? step : 1);
		if (step < 500)
			step *= 2;
	}
oom:
	rt_err_oom(err);
fail:
	lease_free(l);
	return -1;
}

int rt_lease_renew(struct rt_lease *l, int force, struct rt_err *err)
{
	struct row_vals v;
	struct outcome o;
	const char *params[3];
	long long expires, now = mono_ms();
	unsigned conflicts = 0;
	char *sql;
	int rc;

	if (!l || !l->held)
		return 0;
	if (!force && now - l->renewed_mono < l->lease_ms / 3)
		return 0;
	if (!(sql = rt_sprintf("UPDATE %s SET expires_ms = ? WHERE version_table = ? AND "
	                       "owner = ?", l->table)))
		return rt_err_oom(err);
	for (;;) {
		/* strictly later than before, so that the row always changes */
		expires = wall_ms() + l->lease_ms;
		if (expires <= l->expires_ms)
			expires = l->expires_ms + 1;
		row_vals(l, &v, expires);
		params[0] = v.expires;
		params[1] = l->key;
		params[2] = l->owner;
		rc = write1(l, sql, params, 3, &o, err);
		if (rc == 0 || !class_is(&o, "40") || ++conflicts >= CONFLICTS_MAX)
			break;
		rt_host()->log(RETORT_LOG_WARNING, "the database rolled back the renewal of the "
		               "migration lease (SQLSTATE %s: on Galera, a certification "
		               "conflict); retrying (%u of %u)", o.sqlstate, conflicts + 1,
		               CONFLICTS_MAX);
		rt_err_clear(err);
		sleep_ms(20 + (long)(getpid() % 16));
	}
	rt_free(sql);
	if (rc < 0)
		return rt_err_prefix(err, "cannot renew the migration lease of %s", l->key);
	if (o.affected == 0) {
		l->held = 0;
		return rt_err_set(err, RT_EXIT_DB, "lost the migration lease of %s: another run "
		                  "took it over after it was not renewed for %ld ms (a step took "
		                  "longer than lock_lease); stopping before committing: raise "
		                  "lock_lease above the longest migration step", l->key, l->lease_ms);
	}
	l->expires_ms = expires;
	l->renewed_mono = mono_ms();
	return 0;
}

int rt_lease_release(struct rt_lease *l, struct rt_err *err)
{
	const char *params[2];
	struct outcome o;
	unsigned attempt_no;
	char *sql;
	int rc = 0;

	if (!l)
		return 0;
	if (l->held) {
		params[0] = l->key;
		params[1] = l->owner;
		if (!(sql = rt_sprintf("DELETE FROM %s WHERE version_table = ? AND owner = ?",
		                       l->table))) {
			rc = rt_err_oom(err);
		} else {
			for (attempt_no = 1;; attempt_no++) {
				rc = write1(l, sql, params, 2, &o, err);
				if (rc == 0 || !class_is(&o, "40") || attempt_no >= CONFLICTS_MAX)
					break;
				rt_err_clear(err);
				sleep_ms(20 + (long)(getpid() % 16));
			}
			rt_free(sql);
			if (rc < 0)
				rt_err_prefix(err, "cannot release the migration lease of %s (it "
				              "expires by itself after lock_lease)", l->key);
		}
	}
	lease_free(l);
	return rc;
}

static int galera_cb(const char *const *cols, size_t n, void *payload)
{
	int *yes = payload;
	if (n >= 2 && cols[1] && strtol(cols[1], NULL, 10) > 0)
		*yes = 1;
	return 0;
}

int rt_lease_is_galera(struct rt_db *db)
{
	struct rt_err e = { 0, NULL };
	unsigned caps = db->d->caps ? db->d->caps(db->conn) : 0;
	int yes = 0;
	if ((caps & RETORT_CAP_TRANSACTIONAL_DDL) || !rt_db_can_query(db) || !db->connected)
		return 0;
	if (rt_db_query(db, "SHOW STATUS LIKE 'wsrep_cluster_size'", NULL, 0, galera_cb, &yes,
	                NULL, &e) < 0)
		yes = 0;
	rt_err_clear(&e);
	return yes;
}
