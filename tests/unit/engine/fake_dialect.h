/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/engine/fake_dialect.h - a recording fake dialect for testing
 * the core without a database (libgit2's fake_backend, for retort).
 *
 * It implements the dialect vtable of <retort/dialect.h> in memory:
 *  - every vtable call is appended to a log, one short line each
 *    ("begin", "exec up a1", "insert a1", "update a1 a2", "commit", ...);
 *  - any kind of call can be made to fail at its Nth occurrence;
 *  - it declares the capabilities a test chooses;
 *  - it keeps a version table and a list of applied script effects, with
 *    transaction semantics: begin/commit/rollback, autocommit outside a
 *    transaction, and DDL (an executed section, the version table's
 *    creation) that rolls back only when the declared capabilities include
 *    RETORT_CAP_TRANSACTIONAL_DDL; otherwise it commits at once, with what
 *    the transaction did before it, as on MySQL.  A failed commit rolls the
 *    transaction back, as a database does;
 *  - query() (ABI 1.1) understands exactly the statements core/history.c
 *    sends about retort_history and retort_audit (probe, CREATE TABLE,
 *    INSERT ... SELECT, SELECT ... WHERE version_table = ?), keeping their
 *    rows with the same transaction semantics, and "SELECT session_user"
 *    (one row: fake_user) for a test that sets session_user_sql; column_type() spells
 *    VARCHAR(n), TEXT, BIGINT and TIMESTAMP.
 */
#ifndef RETORT_TEST_FAKE_DIALECT_H
#define RETORT_TEST_FAKE_DIALECT_H

#include <stddef.h>
#include <retort/dialect.h>

/* The kinds of call, for counting and failure injection. */
enum fake_kind {
	FAKE_CONNECT, FAKE_CAPS, FAKE_BEGIN, FAKE_COMMIT, FAKE_ROLLBACK, FAKE_EXECUTE,
	FAKE_SPLIT, FAKE_VERSION_READ, FAKE_VERSION_CREATE, FAKE_VERSION_INSERT,
	FAKE_VERSION_UPDATE, FAKE_VERSION_DELETE, FAKE_LOCK, FAKE_UNLOCK, FAKE_QUERY,
	FAKE_N_KINDS
};

#define FAKE_MAX_ROWS 16
#define FAKE_MAX_LOG 128
#define FAKE_MAX_SIDE 24     /* rows of retort_history and retort_audit */
#define FAKE_SIDE_COLS 16
#define FAKE_SIDE_VAL 80     /* longer values are cut */

/* A row of a side table (1 retort_history, 2 retort_audit). */
struct fake_side_row {
	int table;
	char vals[FAKE_SIDE_COLS][FAKE_SIDE_VAL]; /* in the INSERT's column order */
	unsigned nulls;                 /* bit i: vals[i] is SQL NULL */
};

/* One database: state that survives commits, and the transaction's. */
struct fake_db {
	char rows[FAKE_MAX_ROWS][33];   /* version table rows, in insertion order */
	size_t n_rows;
	int table_exists;
	char applied[FAKE_MAX_ROWS][64];/* script effects ("up a1"), in order */
	size_t n_applied;
	unsigned side_tables;           /* bit 1: retort_history exists, bit 2: retort_audit */
	struct fake_side_row side[FAKE_MAX_SIDE];
	size_t n_side;
};

struct fake_conn {
	unsigned caps;                  /* what caps() returns */
	int fail_kind;                  /* enum fake_kind to fail, or -1 */
	unsigned fail_nth;              /* fail the Nth call of that kind (1-based) */
	int fail_code;                  /* RETORT_E* to return (default RETORT_EDB) */
	unsigned fail_times;            /* fail this many calls from the Nth on (0: 1) */
	char fail_sqlstate[8];          /* SQLSTATE the failure carries ("" none) */

	unsigned counts[FAKE_N_KINDS];  /* calls made, per kind */
	char *log[FAKE_MAX_LOG];        /* every call, in order (malloc'd) */
	size_t n_log;

	struct fake_db committed;       /* what a new session would see */
	struct fake_db work;            /* what this session sees */
	int in_tx;
	int destroyed;                  /* destroy() was called */
	/* the column names of each side table's INSERTs (after id) */
	char side_cols[3][FAKE_SIDE_COLS][24];
	size_t n_side_cols[3];
};

/* The vtable; create() hands out the connection set by fake_use(). */
extern const struct retort_dialect fake_dialect;

/* Reset `c` (no calls, empty database, no failure) and make it the one
 * create() returns. */
void fake_init(struct fake_conn *c, unsigned caps);
/* Free the log. */
void fake_clear(struct fake_conn *c);
/* Fail the nth call of `kind` with `code`. */
void fake_fail_at(struct fake_conn *c, enum fake_kind kind, unsigned nth, int code);
/* The log as one string, entries joined by "; " (static buffer). */
const char *fake_log_text(const struct fake_conn *c);
/* The committed version rows, sorted, joined by " " (static buffer). */
const char *fake_rows_text(const struct fake_conn *c);
/* The committed script effects, joined by ", " (static buffer). */
const char *fake_applied_text(const struct fake_conn *c);
/* The committed rows of side table `table` (1 history, 2 audit): for each,
 * the values of `cols` (comma-separated names) joined by " ", rows joined
 * by "; " ("NULL" for SQL NULL; static buffer). */
const char *fake_side_text(const struct fake_conn *c, int table, const char *cols);

#endif
