/* SPDX-License-Identifier: MIT */
/*
 * core/sidequery.c - side queries through a dialect's ABI 1.1 members.
 * See sidequery.h.
 */
#include "sidequery.h"

#include "engine.h"
#include "host.h"
#include "loader.h"
#include "url.h"

static int abi_error(struct rt_err *err, const struct rt_db *db, const char *what)
{
	const struct retort_dialect *d = db->d;
	return rt_err_set(err, RT_EXIT_USAGE,
	                  "dialect plugin %s does not support %s (ABI %u.%u; they need ABI "
	                  "%u.1)\n  hint: upgrade the plugin, or rebuild it against this "
	                  "retort's <retort/dialect.h> with the query and column_type members",
	                  d->name, what, d->abi_major, d->abi_minor, RETORT_DIALECT_ABI_MAJOR);
}

int rt_db_can_query(const struct rt_db *db)
{
	return db && db->d && RT_DIALECT_HAS(db->d, query) && db->d->query != NULL;
}

int rt_db_can_column_type(const struct rt_db *db)
{
	return db && db->d && RT_DIALECT_HAS(db->d, column_type) && db->d->column_type != NULL;
}

int rt_db_query(struct rt_db *db, const char *sql, const char *const *params, size_t nparams,
                retort_query_row_cb cb, void *payload, long *affected, struct rt_err *err)
{
	struct retort_error perr;
	int rc;

	if (affected)
		*affected = -1;
	if (!db || !db->d)
		return rt_err_set(err, RT_EXIT_USAGE, "internal: a query without a database session");
	if (!rt_db_can_query(db))
		return abi_error(err, db, "queries");
	if (!db->connected || !db->conn)
		return rt_err_set(err, RT_EXIT_USAGE, "internal: a query on a session that is not "
		                  "connected (offline --sql runs do not query)");
	if (!sql)
		return rt_err_set(err, RT_EXIT_USAGE, "internal: a query without SQL");
	rt_dialect_error_init(&perr);
	rc = db->d->query(db->conn, sql, params, nparams, cb, payload, affected, &perr);
	if (rc < 0)
		return rt_db_error(err, db, &perr, perr.code < 0 ? perr.code : RETORT_EDB,
		                   "query failed in dialect %s", db->d->name);
	rt_dialect_error_free(&perr);
	return 0;
}

int rt_db_column_type(const struct rt_db *db, int type, unsigned length, char *out,
                      size_t outsz, struct rt_err *err)
{
	if (!db || !db->d)
		return rt_err_set(err, RT_EXIT_USAGE, "internal: a column type without a session");
	if (!rt_db_can_column_type(db))
		return abi_error(err, db, "column types");
	if (!out || outsz == 0 ||
	    db->d->column_type(db->conn, type, length, out, outsz) < 0) {
		if (out && outsz)
			out[0] = '\0';
		return rt_err_set(err, RT_EXIT_USAGE, "dialect %s cannot spell column type %d "
		                  "(length %u) in %zu bytes", db->d->name, type, length, outsz);
	}
	return 0;
}

struct first_value {
	char *v;
	int oom;
};

static int first_value_cb(const char *const *cols, size_t ncols, void *payload)
{
	struct first_value *f = payload;
	if (ncols > 0 && cols[0] && *cols[0] && !(f->v = rt_strdup(cols[0])))
		f->oom = 1;
	return 1; /* the first row is enough */
}

int rt_db_session_user(struct rt_db *db, char **out, struct rt_err *err)
{
	const struct retort_dialect *d = db ? db->d : NULL;
	const char *sql = NULL, *url_user = NULL;
	struct first_value f = { NULL, 0 };

	*out = NULL;
	if (d && db->connected && db->conn && rt_db_can_query(db) &&
	    RT_DIALECT_HAS(d, session_user_sql) && d->session_user_sql)
		sql = d->session_user_sql(db->conn);
	if (sql) {
		struct rt_err e = { 0, NULL };
		if (rt_db_query(db, sql, NULL, 0, first_value_cb, &f, NULL, &e) < 0)
			rt_host()->log(RETORT_LOG_DEBUG, "the database user is not known (%s); "
			               "the URL's is recorded", e.msg ? e.msg : "out of memory");
		rt_err_clear(&e);
		if (f.oom)
			return rt_err_oom(err);
		if (f.v) {
			*out = f.v;
			return 0;
		}
	}
	if (db && db->url)
		url_user = db->url->pub.user;
	if (url_user && *url_user && !(*out = rt_strdup(url_user)))
		return rt_err_oom(err);
	return 0;
}
