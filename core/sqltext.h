/* SPDX-License-Identifier: MIT */
/*
 * core/sqltext.h - rules for writing SQL text that several dialects share,
 * lent to plugins through host->quote_ident(),
 * host->last_line_has_comment() and host->offline_sql().  No I/O; only
 * sqltext_offline() allocates (it appends to a buffer).
 */
#ifndef RETORT_CORE_SQLTEXT_H
#define RETORT_CORE_SQLTEXT_H

#include <stddef.h>

struct rt_buf;

/*
 * SQLAlchemy's IdentifierPreparer._requires_quotes() for a dialect whose
 * reserved words are the family `words` (enum retort_family of
 * <retort/dialect.h>; core/words.c): 1 when `name` is empty, starts with a
 * digit or '$' (or '_' for Oracle), holds a byte other than lower-case
 * ASCII letters, digits, '_' and '$', or is a reserved word; else 0.
 * Quoting is always correct; staying bare when SQLAlchemy does keeps
 * offline SQL identical to Alembic's.
 */
int sqltext_requires_quotes(const char *name, int words);

/*
 * 1 when the last line of s[0..n) holds "--" (or '#', with hash_comments:
 * MySQL), so a terminator appended on that line might end up inside a
 * line comment; 0 otherwise.  A false alarm (the marker inside a string)
 * only costs the caller a line break.
 */
int sqltext_last_line_has_comment(const char *s, size_t n, int hash_comments);

/*
 * Offline (--sql) text of a database family (enum retort_family), the one
 * copy of the rules every plugin writing for that family follows (so the
 * native plugin and the odbc plugin write the same script; issue 11):
 * append to b what a dialect's offline_sql() returns for `what`:
 *  - RETORT_OFFLINE_BEGIN, RETORT_OFFLINE_COMMIT: the transaction framing
 *    Alembic 1.8 writes, which only its dialects with transactional_ddl
 *    have: "BEGIN;"/"COMMIT;" on PostgreSQL, "BEGIN TRANSACTION;" and
 *    "COMMIT;" + GO on SQL Server; nothing for the others (SQLite, MySQL,
 *    Oracle, NONE).
 *  - RETORT_OFFLINE_STATEMENT: s[0..n), outer blanks dropped, with the
 *    family's terminator: ';' (on a line of its own when the last line
 *    holds a line comment), then a blank line and "GO" on SQL Server (a
 *    batch ending in ';' gets no second one); no terminator and a blank
 *    line and "/" on Oracle.  On MySQL a statement the mysql client would
 *    cut at an inner ';' (a procedure or trigger body) is wrapped in
 *    DELIMITER lines, with the first of // $$ ;; @@ %% ~~ it does not hold.
 * Returns 0 (out of memory sets b->oom), RETORT_ENOTSUPPORTED for another
 * `what` or an unknown family (nothing appended), or RETORT_EUSAGE when
 * the statement cannot be written (a MySQL body holding every delimiter
 * candidate), with *why a static one-line reason saying what to change.
 */
int sqltext_offline(struct rt_buf *b, int family, int what, const char *s, size_t n,
                    const char **why);

#endif
