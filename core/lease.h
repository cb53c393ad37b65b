/* SPDX-License-Identifier: MIT */
/*
 * core/lease.h - the migration lock as a lease row (lock_strategy "table").
 *
 * A dialect's own lock (pg_advisory_lock, GET_LOCK) lives in a session.
 * Behind PgBouncer in transaction pooling mode a client's statements run
 * on whichever server connection is free, so a session lock is taken on
 * one and may be "held" by every client that lands on it; on a MariaDB
 * Galera cluster GET_LOCK is local to one node.  The lease keeps the lock
 * in the database instead, in a table the core owns:
 *
 *   retort_lock (version_table PK, owner, host, pid, acquired_at,
 *                expires_ms, lease_ms)
 *
 * in the schema of the version table, one row per version table while a
 * run holds it.  Every write is a single statement in a short committed
 * transaction of its own, on a second connection of the same URL (so it
 * can be renewed while the run's own transaction is open):
 *
 *  - take: INSERT the row (a duplicate key means it is held), or, when the
 *    row has expired, UPDATE it WHERE owner and expires_ms are still what
 *    was read (compare and swap: of two runners, one changes the row and
 *    the other changes nothing).  On Galera both statements are certified
 *    cluster-wide at commit; a certification conflict (deadlock 1213,
 *    SQLSTATE class 40) is retried, a bounded number of times;
 *  - renew: UPDATE expires_ms WHERE owner is us, at each step and before
 *    every commit of the run; no row changed means the lease was lost (a
 *    step outlasted lock_lease and another runner took it over): the run
 *    stops before it commits;
 *  - release: DELETE WHERE owner is us.
 *
 * Expiry is judged by the waiter's monotonic clock, so clocks need not
 * agree: a row whose owner and expiry have not changed for the lease's own
 * length (lease_ms, the holder's lock_lease) since the waiter first saw
 * them is expired.  A row whose expires_ms is more than one lease length in
 * the past by the waiter's wall clock (a runner that died long ago) is
 * taken at once.  owner is random (core/randid); host, pid and acquired_at
 * say who holds it, in the message of a runner that waits or times out.
 */
#ifndef RETORT_CORE_LEASE_H
#define RETORT_CORE_LEASE_H

#include "util.h" /* IWYU pragma: export */

struct rt_db;

#define RT_LOCK_TABLE "retort_lock"

/* lock_strategy */
enum rt_lock_strategy {
	RT_LOCK_AUTO = 0,
	RT_LOCK_SESSION = 1,
	RT_LOCK_TABLE_LEASE = 2
};

/* "auto", "session", "table" -> RT_LOCK_*; -1 for anything else. */
int rt_lock_strategy_parse(const char *text);
const char *rt_lock_strategy_name(int strategy);

struct rt_lease_opts {
	const char *version_table;     /* the key of the row */
	const char *schema;            /* of the version table; NULL or "" default */
	long lease_ms;                 /* > 0 */
	long timeout_ms;               /* < 0: wait forever; 0: try once */
	int quiet;                     /* no waiting message */
};

struct rt_lease;

/*
 * Open a second connection of `db`'s URL, create retort_lock if it is
 * missing, and take the lease, waiting up to o->timeout_ms.  On a timeout
 * err names the holder (host, pid, since) and *timed_out is set.  0, or
 * -1 with err set.
 */
int rt_lease_acquire(struct rt_lease **out, struct rt_db *db, const struct rt_lease_opts *o,
                     int *timed_out, struct rt_err *err);

/*
 * Extend the lease by its length: always with `force`, else only when a
 * third of it has passed since the last renewal.  -1 with err set when the
 * lease was lost (another runner holds the row now) or cannot be renewed.
 */
int rt_lease_renew(struct rt_lease *l, int force, struct rt_err *err);

/* Delete the row (if still ours) and close the connection; NULL is a no-op. */
int rt_lease_release(struct rt_lease *l, struct rt_err *err);

/*
 * Is `db` a node of a MariaDB Galera cluster?  Asked only of dialects
 * without transactional DDL (`SHOW STATUS LIKE 'wsrep_cluster_size'`, a
 * row with a value above 0); any error means no.  Outside a transaction.
 */
int rt_lease_is_galera(struct rt_db *db);

#endif
