/* SPDX-License-Identifier: MIT */
/*
 * plugins/odbc/odbc_lock.c - the migration lock of the odbc plugin, one per
 * database, version table schema and version table (the key is a hash of
 * the three):
 *   mssql       sp_getapplock, owned by the session, @LockTimeout in ms
 *   oracle      DBMS_LOCK (ALLOCATE_UNIQUE + REQUEST/RELEASE), else the
 *               lock row when the user may not execute DBMS_LOCK
 *   postgresql  pg_try_advisory_lock, polled
 *   mysql       GET_LOCK, timeout in seconds
 *   sqlite      the lock row (no server lock exists)
 * The lock is held until unlock() or destroy() (the session's end releases
 * every server lock anyway).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "odbc_conn.h"

/* Seconds for a server-side wait: ms rounded up; -1 for "forever". */
static long timeout_seconds(long ms)
{
	if (ms < 0)
		return -1;
	return (ms + 999) / 1000;
}

static int lock_timeout_error(struct retort_conn *c, struct retort_error *err)
{
	return H->error_set(err, RETORT_ELOCKED,
		"another retort holds the migration lock of %s (waited %ld ms): retry "
		"when it is done, or raise the lock timeout", c->version_table,
		c->lock_timeout_ms);
}

static int lock_pg(struct retort_conn *c, struct retort_error *err)
{
	char sql[128], *row = NULL;
	long long deadline = H->clock_ms() + (c->lock_timeout_ms > 0 ? c->lock_timeout_ms : 0);
	int error, logged = 0;

	snprintf(sql, sizeof(sql),
	         "SELECT CASE WHEN pg_try_advisory_lock(%lld) THEN 1 ELSE 0 END", c->lock_key);
	for (;;) {
		if ((error = odbc__run(c, sql, NULL, 0, &row, NULL, "cannot take the migration lock",
		                       err)) < 0)
			return error;
		if (row && row[0] == '1') {
			H->free(row);
			return 0;
		}
		H->free(row);
		row = NULL;
		if (c->lock_timeout_ms >= 0 && H->clock_ms() >= deadline)
			return lock_timeout_error(c, err);
		if (!logged++)
			H->log(RETORT_LOG_INFO, "odbc: waiting for the migration lock of %s",
			       c->version_table);
		H->sleep_ms(LOCK_POLL_MS);
	}
}

static int lock_mysql(struct retort_conn *c, struct retort_error *err)
{
	char sql[64], *row = NULL;
	const char *param = c->lock_name;
	int error;

	/* "Forever" as a year: older servers take no negative timeout. */
	snprintf(sql, sizeof(sql), "SELECT GET_LOCK(?, %ld)",
	         c->lock_timeout_ms < 0 ? 31536000L : timeout_seconds(c->lock_timeout_ms));
	if ((error = odbc__run(c, sql, &param, 1, &row, NULL, "cannot take the migration lock",
	                       err)) < 0)
		return error;
	if (!row)
		return H->error_set(err, RETORT_EDB,
			"GET_LOCK returned NULL (the server could not take the lock)");
	error = row[0] == '1' ? 0 : lock_timeout_error(c, err);
	H->free(row);
	return error;
}

static int lock_mssql(struct retort_conn *c, struct retort_error *err)
{
	char sql[256], *row = NULL;
	const char *param = c->lock_name;
	long r;
	int error;

	snprintf(sql, sizeof(sql),
	         "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, "
	         "@LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = %ld; "
	         "SELECT @r", c->lock_timeout_ms < 0 ? -1L : c->lock_timeout_ms);
	if ((error = odbc__run(c, sql, &param, 1, &row, NULL, "cannot take the migration lock",
	                       err)) < 0)
		return error;
	r = row ? strtol(row, NULL, 10) : -999;
	H->free(row);
	if (r >= 0)
		return 0;
	if (r == -1)
		return lock_timeout_error(c, err);
	return H->error_set(err, RETORT_EDB,
		"sp_getapplock returned %ld (-2: cancelled, -3: chosen as deadlock victim, "
		"-999: parameter or call error)", r);
}

/*
 * Oracle: DBMS_LOCK with a handle from ALLOCATE_UNIQUE.  ALLOCATE_UNIQUE
 * commits, so lock() must come before begin() (the engine locks first).
 * When the user may not execute DBMS_LOCK (it needs an explicit grant),
 * say so: there is no other server lock on Oracle that survives commits.
 */
static int lock_oracle(struct retort_conn *c, struct retort_error *err)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	char sql[320], handle[130];
	SQLLEN name_ind = SQL_NTS, handle_ind = 0, result_ind = 0;
	SQLINTEGER result = -1;
	long secs = timeout_seconds(c->lock_timeout_ms);
	int error;

	snprintf(sql, sizeof(sql),
	         "DECLARE h VARCHAR2(128); BEGIN DBMS_LOCK.ALLOCATE_UNIQUE(?, h); ? := h; "
	         "? := DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, %s%ld, FALSE); END;",
	         secs < 0 ? "DBMS_LOCK.MAXWAIT + " : "", secs < 0 ? 0L : secs);
	handle[0] = '\0';
	if ((error = odbc__alloc_stmt_on(&st, c, c->dbc, err)) < 0)
		return error;
	if (!SQL_SUCCEEDED(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR,
	                                    128, 0, c->lock_name, 0, &name_ind)) ||
	    !SQL_SUCCEEDED(SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_VARCHAR,
	                                    128, 0, handle, sizeof(handle), &handle_ind)) ||
	    !SQL_SUCCEEDED(SQLBindParameter(st, 3, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER,
	                                    0, 0, &result, 0, &result_ind))) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
		                         "cannot take the migration lock");
		goto done;
	}
	if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) {
		error = odbc__diag_error(err, RETORT_EDB, c, SQL_HANDLE_STMT, st,
		                         "cannot take the migration lock with DBMS_LOCK");
		if (err && err->message && strstr(err->message, "PLS-00201"))
			error = H->error_set(err, RETORT_ENOTSUPPORTED,
				"the Oracle user may not execute DBMS_LOCK (a DBA can GRANT "
				"EXECUTE ON SYS.DBMS_LOCK TO the user)");
		goto done;
	}
	handle[sizeof(handle) - 1] = '\0';
	if (result == 0 || result == 4) { /* granted, or already ours */
		H->free(c->ora_lock_handle);
		if (!(c->ora_lock_handle = H->strdup(handle)))
			error = H->error_set(err, RETORT_ENOMEM, "out of memory");
	} else if (result == 1) {
		error = lock_timeout_error(c, err);
	} else {
		error = H->error_set(err, RETORT_EDB,
			"DBMS_LOCK.REQUEST returned %ld (2: deadlock, 3: parameter error, "
			"5: illegal lock handle)", (long)result);
	}
done:
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return error;
}

/*
 * The lock row, for flavours without a server lock retort may use (SQLite;
 * Oracle when the user may not execute DBMS_LOCK).  The lock is a row in
 * retort_lock (SPEC section 9: created when first needed, beside the
 * version table), written on a dedicated autocommit connection so that no
 * migration transaction can roll it back or keep it: lock() INSERTs
 * (lock_name, holder, locked_at) and retries while the primary key refuses
 * it; unlock() DELETEs it.  A run that died leaves its row behind: a row
 * whose holder is a dead process on this host is taken over; any other is
 * named in the timeout message together with the DELETE that clears it.
 *
 * On SQLite the row shares the database file with the migration: while the
 * holder's migration transaction is open nobody else may write, and the
 * driver would wait in its busy handler (sqliteodbc's Timeout=, 100 s by
 * default) past any lock timeout.  The lock connection gets a short
 * Timeout= of its own instead, and "database is locked" counts as "held":
 * lock() keeps trying until its deadline, then fails as any lock timeout
 * does.
 */
#define LOCK_TABLE "retort_lock"
/* sqliteodbc gives up on a locked database after its Timeout=, or twice
 * that where it retries a statement itself: one try of the lock row lasts
 * LOCK_POLL_MS at most. */
#define SQLITE_BUSY_MS (LOCK_POLL_MS / 2L)
/* How long unlock() retries a DELETE refused as "database is locked" (as
 * long as the default lock timeout; the driver's own wait is short now). */
#define UNLOCK_BUSY_MAX_MS 60000LL

static int lockrow_connect(struct retort_conn *c, struct retort_error *err)
{
	char *cs = NULL;
	SQLRETURN rc;
	if (c->lock_dbc_connected)
		return 0;
	if (!c->lock_dbc && !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->lock_dbc))) {
		c->lock_dbc = SQL_NULL_HDBC;
		return odbc__diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_ENV, c->env,
		                        "cannot allocate the lock connection");
	}
	/* Ahead of a ?timeout= the URL may hold for the migration's connection. */
	if (c->flavour == ODBC_FL_SQLITE && !(cs = odbc__connstr_busy(c, SQLITE_BUSY_MS)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	rc = SQLDriverConnect(c->lock_dbc, NULL, (SQLCHAR *)(cs ? cs : c->connstr), SQL_NTS, NULL,
	                      0, NULL, SQL_DRIVER_NOPROMPT);
	H->free(cs);
	if (!SQL_SUCCEEDED(rc))
		return odbc__diag_error(err, RETORT_ECONNECT, c, SQL_HANDLE_DBC, c->lock_dbc,
		                  "cannot open the connection that holds the migration lock row");
	c->lock_dbc_connected = 1;
	return 0;
}

/* SQLite's "database is locked" (SQLITE_BUSY 5, SQLITE_LOCKED 6, which
 * sqliteodbc gives as the native code): another connection is writing. */
static int is_busy(const struct retort_conn *c, const struct retort_error *e)
{
	if (c->flavour != ODBC_FL_SQLITE)
		return 0;
	return e->native_code == 5 || e->native_code == 6 ||
	       (e->message && strstr(e->message, "database is locked"));
}

static int is_unique_violation(const struct retort_error *e)
{
	if (strncmp(e->sqlstate, "23", 2) == 0)
		return 1;
	return e->message && (strstr(e->message, "UNIQUE constraint") ||
	                      strstr(e->message, "ORA-00001") ||
	                      strstr(e->message, "not unique"));
}

/* Make sure retort_lock exists (another run may create it meanwhile). */
static int lockrow_table(struct retort_conn *c, const char *table, struct retort_error *err)
{
	struct retort_error tmp;
	struct retort_buf q = RETORT_BUF_INIT, ddl = RETORT_BUF_INIT;
	int error;

	H->buf_puts(&q, "SELECT lock_name FROM ");
	H->buf_puts(&q, table);
	H->buf_puts(&q, " WHERE 1 = 0");
	H->buf_puts(&ddl, "CREATE TABLE ");
	H->buf_puts(&ddl, table);
	H->buf_puts(&ddl, " (lock_name VARCHAR(64) NOT NULL, holder VARCHAR(255), "
	                    "locked_at VARCHAR(40), CONSTRAINT retort_lock_pkc "
	                    "PRIMARY KEY (lock_name))");
	if (q.oom || ddl.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	memset(&tmp, 0, sizeof(tmp));
	error = odbc__run_on(c, c->lock_dbc, q.ptr, NULL, 0, NULL, NULL, "cannot read " LOCK_TABLE,
	                     &tmp);
	if (error == 0 || error != RETORT_EDB || !odbc__is_missing_table(&tmp)) {
		odbc__scratch_pass(err, &tmp, error);
		goto done;
	}
	odbc__scratch_free(&tmp);
	error = odbc__run_on(c, c->lock_dbc, ddl.ptr, NULL, 0, NULL, NULL,
	                     "cannot create the lock table " LOCK_TABLE, &tmp);
	if (error < 0 &&
	    odbc__run_on(c, c->lock_dbc, q.ptr, NULL, 0, NULL, NULL, "", NULL) == 0)
		error = 0; /* created by another run in the meantime */
	odbc__scratch_pass(err, &tmp, error);
done:
	H->buf_free(&q);
	H->buf_free(&ddl);
	return error;
}

/* "host:pid" names a process of this host that no longer exists. */
static int holder_is_dead(const char *holder, const char *mine)
{
	const char *colon = strrchr(holder, ':'), *my_colon = strrchr(mine, ':');
	long pid;
	char *end;

	if (!colon || !my_colon || colon - holder != my_colon - mine ||
	    strncmp(holder, mine, (size_t)(colon - holder)) != 0)
		return 0;
	pid = strtol(colon + 1, &end, 10);
	if (*end || pid <= 0 || (long)(pid_t)pid != pid)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static int lock_row(struct retort_conn *c, struct retort_error *err)
{
	struct retort_error tmp;
	struct retort_buf b = RETORT_BUF_INIT;
	char host[256], holder[300], stamp[40];
	char *table = NULL, *ins = NULL, *sel = NULL, *sel_at = NULL, *del = NULL;
	char *who = NULL, *since = NULL;
	const char *p[3];
	long long deadline = H->clock_ms() + (c->lock_timeout_ms > 0 ? c->lock_timeout_ms : 0);
	time_t now = time(NULL);
	struct tm tm;
	int error, logged = 0, have_table = 0, busy = 0;

	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(holder, sizeof(holder), "%s:%ld", host, (long)getpid());
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	H->free(c->lock_holder);
	if (!(c->lock_holder = H->strdup(holder)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");

	if (odbc_table_name(&b, odbc__flavour_of(c), c->version_schema, LOCK_TABLE) < 0 ||
	    !(table = H->buf_detach(&b)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
#define SQL_OF(var, a, b_)                                                   \
	do {                                                                 \
		H->buf_puts(&b, a);                                        \
		H->buf_puts(&b, table);                                    \
		H->buf_puts(&b, b_);                                       \
		var = H->buf_detach(&b);                                   \
	} while (0)
	SQL_OF(ins, "INSERT INTO ", " (lock_name, holder, locked_at) VALUES (?, ?, ?)");
	SQL_OF(sel, "SELECT holder FROM ", " WHERE lock_name = ?");
	SQL_OF(sel_at, "SELECT locked_at FROM ", " WHERE lock_name = ?");
	SQL_OF(del, "DELETE FROM ", " WHERE lock_name = ? AND holder = ?");
#undef SQL_OF
	if (!ins || !sel || !sel_at || !del) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = lockrow_connect(c, err)) < 0)
		goto done;

	p[0] = c->lock_name;
	p[1] = holder;
	p[2] = stamp;
	for (;;) {
		long rows = 0;
		char *seen = NULL;

		busy = 0;
		memset(&tmp, 0, sizeof(tmp));
		if (!have_table) {
			error = lockrow_table(c, table, &tmp);
			if (error == 0)
				have_table = 1;
		}
		if (have_table)
			error = odbc__run_on(c, c->lock_dbc, ins, p, 3, NULL, NULL,
			                     "cannot take the migration lock row", &tmp);
		if (error == 0) {
			odbc__scratch_free(&tmp);
			c->row_locked = 1;
			goto done;
		}
		if (error == RETORT_EDB && is_busy(c, &tmp)) {
			/* the holder's migration (or some other writer) has a
			 * write transaction open: the lock is not to be had yet */
			busy = 1;
		} else if (!have_table || error != RETORT_EDB || !is_unique_violation(&tmp)) {
			odbc__scratch_pass(err, &tmp, error);
			goto done;
		}
		odbc__scratch_free(&tmp);
		/* Who holds it (a reader gets through a write transaction, except
		 * while it commits: then the last holder seen stands). */
		if (have_table) {
			memset(&tmp, 0, sizeof(tmp));
			error = odbc__run_on(c, c->lock_dbc, sel, p, 1, &seen, NULL,
			                     "cannot read the migration lock row", &tmp);
			if (error < 0 && !(error == RETORT_EDB && is_busy(c, &tmp))) {
				odbc__scratch_pass(err, &tmp, error);
				goto done;
			}
			odbc__scratch_free(&tmp);
			if (error == 0) {
				H->free(who);
				who = seen;
			}
		}
		if (who && holder_is_dead(who, holder)) {
			const char *dp[2];
			dp[0] = c->lock_name;
			dp[1] = who;
			H->log(RETORT_LOG_WARNING, "odbc: taking over the migration lock row of %s, "
			       "a process of this host that no longer runs", who);
			memset(&tmp, 0, sizeof(tmp));
			error = odbc__run_on(c, c->lock_dbc, del, dp, 2, NULL, &rows,
			                     "cannot clear a stale migration lock row", &tmp);
			if (error < 0 && !(error == RETORT_EDB && is_busy(c, &tmp))) {
				odbc__scratch_pass(err, &tmp, error);
				goto done;
			}
			odbc__scratch_free(&tmp);
			if (error == 0)
				continue;
			busy = 1;
		}
		if (c->lock_timeout_ms >= 0 && H->clock_ms() >= deadline)
			break;
		if (!logged++)
			H->log(RETORT_LOG_INFO, "odbc: waiting for the migration lock row of %s (%s)",
			       c->version_table, who ? who : busy ? "the database is locked" : "?");
		/* a refused try has waited in the driver already */
		if (!busy)
			H->sleep_ms(LOCK_POLL_MS);
	}
	if (busy && !who) {
		/* No holder seen: a write transaction kept the row from being
		 * written all along. */
		error = H->error_set(err, RETORT_ELOCKED,
			"cannot take the migration lock of %s: another connection holds a "
			"write transaction on the database (waited %ld ms): retry when it is "
			"done, or raise the lock timeout", c->version_table, c->lock_timeout_ms);
		goto done;
	}
	odbc__run_on(c, c->lock_dbc, sel_at, p, 1, &since, NULL, "", NULL);
	error = H->error_set(err, RETORT_ELOCKED,
		"the migration lock of %s is held by %s since %s (a row in %s): retry when "
		"that run is done; if it died, run DELETE FROM %s WHERE lock_name = '%s'",
		c->version_table, who ? who : "another run", since ? since : "?", LOCK_TABLE,
		table, c->lock_name);
	H->error_db(err, NULL, 0);
done:
	H->free(table);
	H->free(ins);
	H->free(sel);
	H->free(sel_at);
	H->free(del);
	H->free(who);
	H->free(since);
	H->buf_free(&b);
	return error;
}

static int unlock_row(struct retort_conn *c, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	const char *p[2];
	int error;

	H->buf_puts(&b, "DELETE FROM ");
	if (odbc_table_name(&b, odbc__flavour_of(c), c->version_schema, LOCK_TABLE) < 0 || b.oom) {
		H->buf_free(&b);
		return H->error_set(err, RETORT_ENOMEM, "out of memory");
	}
	H->buf_puts(&b, " WHERE lock_name = ? AND holder = ?");
	p[0] = c->lock_name;
	p[1] = c->lock_holder ? c->lock_holder : "";
	if (b.oom) {
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
	} else {
		/* A writer may hold the database a while (SQLite): keep trying. */
		struct retort_error tmp;
		long long give_up = H->clock_ms() + UNLOCK_BUSY_MAX_MS;
		for (;;) {
			memset(&tmp, 0, sizeof(tmp));
			error = odbc__run_on(c, c->lock_dbc, b.ptr, p, 2, NULL, NULL,
			                     "cannot release the migration lock row", &tmp);
			if (error == 0 || !(error == RETORT_EDB && is_busy(c, &tmp)) ||
			    H->clock_ms() >= give_up)
				break;
			odbc__scratch_free(&tmp);
		}
		odbc__scratch_pass(err, &tmp, error);
	}
	H->buf_free(&b);
	c->row_locked = 0;
	return error;
}

int odbc__lock(struct retort_conn *c, struct retort_error *err)
{
	struct retort_error tmp;
	char name[40];
	unsigned long long h;
	int error;

	if (!c->connected)
		return H->error_set(err, RETORT_ERROR, "lock() before connect()");
	if (c->locked)
		return 0;
	/* One lock per database, schema and version table (ANCHORS 3.4). */
	h = odbc_lock_hash(c->database, c->version_schema, c->version_table);
	c->lock_key = (long long)h;
	snprintf(name, sizeof(name), "retort_%016llx", h);
	H->free(c->lock_name);
	if (!(c->lock_name = H->strdup(name)))
		return H->error_set(err, RETORT_ENOMEM, "out of memory");

	switch (c->flavour) {
	case ODBC_FL_POSTGRESQL: error = lock_pg(c, err); break;
	case ODBC_FL_MYSQL: error = lock_mysql(c, err); break;
	case ODBC_FL_MSSQL: error = lock_mssql(c, err); break;
	case ODBC_FL_ORACLE:
		memset(&tmp, 0, sizeof(tmp));
		error = lock_oracle(c, &tmp);
		if (error == RETORT_ENOTSUPPORTED) {
			H->log(RETORT_LOG_WARNING, "odbc: %s; using a lock row in %s instead",
			       tmp.message ? tmp.message : "DBMS_LOCK is not available", LOCK_TABLE);
			odbc__scratch_free(&tmp);
			error = lock_row(c, err);
		} else {
			odbc__scratch_pass(err, &tmp, error);
		}
		break;
	default: /* SQLite: no server lock */
		error = lock_row(c, err);
		break;
	}
	if (error == 0)
		c->locked = 1;
	return error;
}

int odbc__unlock(struct retort_conn *c, struct retort_error *err)
{
	char sql[128], *row = NULL;
	const char *param;
	int error = 0;

	if (!c->connected || !c->locked)
		return 0;
	if (c->row_locked) {
		error = unlock_row(c, err);
		c->locked = 0;
		return error;
	}
	param = c->lock_name;
	switch (c->flavour) {
	case ODBC_FL_POSTGRESQL:
		snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", c->lock_key);
		error = odbc__run(c, sql, NULL, 0, &row, NULL, "cannot release the migration lock", err);
		break;
	case ODBC_FL_MYSQL:
		error = odbc__run(c, "SELECT RELEASE_LOCK(?)", &param, 1, &row, NULL,
		                  "cannot release the migration lock", err);
		break;
	case ODBC_FL_MSSQL:
		error = odbc__run(c, "EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'",
		                  &param, 1, NULL, NULL, "cannot release the migration lock", err);
		break;
	case ODBC_FL_ORACLE:
		param = c->ora_lock_handle ? c->ora_lock_handle : "";
		error = odbc__run(c, "DECLARE r INTEGER; BEGIN r := DBMS_LOCK.RELEASE(?); END;",
		                  &param, 1, NULL, NULL, "cannot release the migration lock", err);
		break;
	default:
		break;
	}
	H->free(row);
	/* Even on failure the lock goes with the session: do not retry. */
	c->locked = 0;
	return error;
}
