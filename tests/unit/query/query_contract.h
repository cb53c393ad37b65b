/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/query/query_contract.h - the ABI 1.1 members query() and
 * column_type() checked the same way on every backend: the sqlite plugin,
 * postgresql and mysql against the test servers, and the odbc plugin
 * through each ODBC driver.  Include after <cmocka.h> and the core's
 * host.h; call query_contract(dialect, conn, "table name", label) on a
 * connected handle.  The table is created and dropped here.
 *
 * What it proves: the spelling of the four portable types creates a
 * table; '?' placeholders bind text and SQL NULL in order (a '?' inside a
 * string literal is not one); rows come back as text with NULL for SQL
 * NULL; *affected counts the rows of INSERT/UPDATE/DELETE; a callback's
 * non-zero return stops reading without an error; a wrong parameter count
 * and a bad statement fail with a message; column_type() refuses an
 * unknown type and a too-small buffer.
 */
#ifndef RETORT_TEST_QUERY_CONTRACT_H
#define RETORT_TEST_QUERY_CONTRACT_H

#include <stdio.h>
#include <string.h>
#include <retort/dialect.h>

struct qc_rows {
	char text[1024];   /* rows as "a|b|NULL;" */
	unsigned n;
	unsigned stop_after; /* 0: never stop */
};

static int qc_row(const char *const *cols, size_t ncols, void *payload)
{
	struct qc_rows *r = payload;
	size_t i, len = strlen(r->text);
	for (i = 0; i < ncols; i++)
		len += (size_t)snprintf(r->text + len, sizeof(r->text) - len, "%s%s",
		                        i ? "|" : "", cols[i] ? cols[i] : "NULL");
	if (len < sizeof(r->text) - 1) {
		r->text[len++] = ';';
		r->text[len] = '\0';
	}
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

/* query() that must succeed; returns *affected. */
static long qc_ok(const struct retort_dialect *d, struct retort_conn *c, const char *sql,
                  const char *const *params, size_t n, struct qc_rows *rows, const char *label)
{
	struct retort_error e;
	long affected = -7;
	int rc;
	memset(&e, 0, sizeof(e));
	rc = d->query(c, sql, params, n, rows ? qc_row : NULL, rows, &affected, &e);
	if (rc != 0)
		fail_msg("%s: query(%s): %d %s", label, sql, rc, e.message ? e.message : "?");
	assert_null(e.message);
	rt_dialect_error_free(&e);
	return affected;
}

static void query_contract(const struct retort_dialect *d, struct retort_conn *c,
                           const char *table, const char *label)
{
	char vc[64], tx[64], bi[64], ts[64], small[4], sql[512];
	const char *p[4];
	struct qc_rows rows;
	struct retort_error e;
	long affected;
	int rc;

	/* a plugin of this tree is ABI 1.1 and has both members */
	assert_true(d->abi_minor >= 1);
	assert_true(d->struct_size >= offsetof(struct retort_dialect, column_type) +
	                               sizeof(d->column_type));
	assert_non_null(d->query);
	assert_non_null(d->column_type);

	/* column_type: the four types, then the failures */
	assert_int_equal(d->column_type(c, RETORT_TYPE_VARCHAR, 64, vc, sizeof(vc)), 0);
	assert_non_null(strstr(vc, "64"));
	assert_int_equal(d->column_type(c, RETORT_TYPE_TEXT, 0, tx, sizeof(tx)), 0);
	assert_int_equal(d->column_type(c, RETORT_TYPE_BIGINT, 0, bi, sizeof(bi)), 0);
	assert_int_equal(d->column_type(c, RETORT_TYPE_TIMESTAMP, 0, ts, sizeof(ts)), 0);
	assert_true(*tx && *bi && *ts);
	assert_int_equal(d->column_type(c, 999, 0, vc + 32, 32), -1);
	assert_int_equal(d->column_type(c, RETORT_TYPE_VARCHAR, 123456, small, sizeof(small)), -1);
	assert_int_equal(small[0], '\0');

	/* a table made of those spellings */
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", table);
	memset(&e, 0, sizeof(e));
	d->query(c, sql, NULL, 0, NULL, NULL, NULL, &e);  /* Oracle has no IF EXISTS */
	rt_dialect_error_free(&e);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (k %s NOT NULL, v %s, n %s, t %s)", table, vc,
	         tx, bi, ts);
	qc_ok(d, c, sql, NULL, 0, NULL, label);

	/* INSERT with bound text and NULLs; affected = 1 each */
	snprintf(sql, sizeof(sql), "INSERT INTO %s (k, v, n, t) VALUES (?, ?, ?, ?)", table);
	p[0] = "a";
	p[1] = "it's ? not a placeholder; -- nor this";
	p[2] = "9007199254740993";
	p[3] = "2024-01-02 03:04:05";
	assert_int_equal(qc_ok(d, c, sql, p, 4, NULL, label), 1);
	p[0] = "b";
	p[1] = NULL;
	p[2] = "-5";
	p[3] = NULL;
	assert_int_equal(qc_ok(d, c, sql, p, 4, NULL, label), 1);
	p[0] = "c";
	p[1] = "";
	p[2] = "0";
	p[3] = NULL;
	assert_int_equal(qc_ok(d, c, sql, p, 4, NULL, label), 1);

	/* SELECT: a '?' in a literal is not a placeholder; NULL comes back as NULL */
	snprintf(sql, sizeof(sql), "SELECT k, v, n, '?' FROM %s WHERE k <> ? ORDER BY k", table);
	memset(&rows, 0, sizeof(rows));
	p[0] = "c";
	qc_ok(d, c, sql, p, 1, &rows, label);
	assert_string_equal(rows.text,
	                    "a|it's ? not a placeholder; -- nor this|9007199254740993|?;b|NULL|-5|?;");

	/* the timestamp round-trips (its text form is the database's) */
	snprintf(sql, sizeof(sql), "SELECT t FROM %s WHERE k = ?", table);
	memset(&rows, 0, sizeof(rows));
	p[0] = "a";
	qc_ok(d, c, sql, p, 1, &rows, label);
	assert_int_equal(rows.n, 1);
	assert_memory_equal(rows.text, "2024-01-02", 10);

	/* a callback's non-zero return stops reading, without an error */
	snprintf(sql, sizeof(sql), "SELECT k FROM %s ORDER BY k", table);
	memset(&rows, 0, sizeof(rows));
	rows.stop_after = 1;
	qc_ok(d, c, sql, NULL, 0, &rows, label);
	assert_string_equal(rows.text, "a;");
	/* and the connection is usable afterwards */
	memset(&rows, 0, sizeof(rows));
	qc_ok(d, c, sql, NULL, 0, &rows, label);
	assert_string_equal(rows.text, "a;b;c;");

	/* UPDATE and DELETE count their rows; no match is 0 */
	snprintf(sql, sizeof(sql), "UPDATE %s SET n = n + 1 WHERE k <> ?", table);
	p[0] = "zzz";
	assert_int_equal(qc_ok(d, c, sql, p, 1, NULL, label), 3);
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE k = ?", table);
	p[0] = "nothing";
	assert_int_equal(qc_ok(d, c, sql, p, 1, NULL, label), 0);
	p[0] = "b";
	assert_int_equal(qc_ok(d, c, sql, p, 1, NULL, label), 1);

	/* a wrong parameter count and a bad statement are errors with a message */
	snprintf(sql, sizeof(sql), "SELECT k FROM %s WHERE k = ?", table);
	memset(&e, 0, sizeof(e));
	affected = 5;
	rc = d->query(c, sql, p, 2, NULL, NULL, &affected, &e);
	assert_int_equal(rc, -1);
	assert_non_null(e.message);
	rt_dialect_error_free(&e);
	memset(&e, 0, sizeof(e));
	rc = d->query(c, "SELECT no_such_column FROM no_such_table_retort", NULL, 0, NULL, NULL,
	              NULL, &e);
	assert_int_equal(rc, -1);
	assert_non_null(e.message);
	assert_true(e.code < 0);
	rt_dialect_error_free(&e);

	snprintf(sql, sizeof(sql), "DROP TABLE %s", table);
	qc_ok(d, c, sql, NULL, 0, NULL, label);
	(void)affected;
}

#endif
