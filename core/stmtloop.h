/* SPDX-License-Identifier: MIT */
/*
 * core/stmtloop.h - the statement loop: split -> execute -> attach the
 * statement's index and line, for every dialect with the ABI 1.2 member
 * execute_statement (the in-tree plugins and any third party's).  The
 * core's callers go through these two functions, never through the
 * members execute/split/execute_statement directly.  Masking of what is
 * shown happens where the error becomes a message (rt_db_error()).
 */
#ifndef RETORT_CORE_STMTLOOP_H
#define RETORT_CORE_STMTLOOP_H

#include <stddef.h>
#include <retort/dialect.h> /* IWYU pragma: export */

/* The RETORT_SPLIT_* rules of `conn`'s dialect (1.2 split_rules), or -1 when
 * it has none (an older plugin: its split(), or the generic rules). */
long rt_dialect_split_rules(const struct retort_dialect *d, const struct retort_conn *conn);

/*
 * Split a section into statements as the dialect does: by its split_rules
 * through the host splitter, else its own split(), else the generic rules.
 * Returns what host->split() returns (0, the callback's stop code, or
 * RETORT_EUSAGE with err set on a lexical error).
 */
int rt_dialect_split(const struct retort_dialect *d, const struct retort_conn *conn,
                     const char *sql, size_t len, unsigned first_line, retort_stmt_cb cb,
                     void *payload, struct retort_error *err);

/* 1 when the dialect has execute_statement: the core runs its sections. */
int rt_dialect_has_loop(const struct retort_dialect *d);

/* What the core's statement loop is told besides the section. */
struct rt_exec_opts {
	/* the URL whose secrets (host->secrets_of) are masked in the error's
	 * message and statement text; NULL: only the policy's fixed rules */
	const struct retort_url *url;
	/* before statement `index` (1-based) at file line `line` (may be NULL) */
	void (*start)(void *payload, unsigned index, unsigned line, const char *stmt,
	              size_t len);
	/* after it, ok 1 when it succeeded (may be NULL) */
	void (*done)(void *payload, int ok);
	void *payload;
};

/*
 * Execute one section: the core's loop over execute_statement when the
 * dialect has it (lex all first, section(BEGIN), each statement, stop at
 * the first failure with index/line/text attached, section(END)), else the
 * dialect's own execute().  Either way, a failure's message and statement
 * text come back masked by the one policy (core/mask.c) for opts->url, so
 * "an error names the failing statement and its line, and shows no
 * secret" holds for every plugin.  opts may be NULL.  0 or a negative
 * RETORT_E* code with err set.
 */
int rt_dialect_execute(const struct retort_dialect *d, struct retort_conn *conn,
                       const char *sql, size_t len, unsigned first_line,
                       const struct rt_exec_opts *opts, struct retort_error *err);

#endif
