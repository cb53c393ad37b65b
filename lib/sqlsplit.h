/*
 * lib/sqlsplit.h - split a script section into statements, following one
 * dialect's lexical rules.  Shared (as a libtool convenience library) by the
 * core's generic fallback and by every plugin.  No allocation, no I/O.
 *
 * What is recognised, per flags:
 *  - always: '...' strings ('' escape), "..." quoted identifiers,
 *    -- line comments, C-style block comments, ';' terminators.
 *  - SQLSPLIT_DOLLAR:     $$...$$ and $tag$...$tag$ (PostgreSQL)
 *  - SQLSPLIT_NESTED_COMMENTS: nested block comments (PostgreSQL)
 *  - SQLSPLIT_BACKSLASH:  backslash escapes inside '...' and "..." (MySQL)
 *  - SQLSPLIT_BACKTICK:   `...` identifiers (MySQL, SQLite)
 *  - SQLSPLIT_HASH_COMMENT: # line comments (MySQL)
 *  - SQLSPLIT_DELIMITER:  the client command "DELIMITER xx" on its own line
 *                         changes the terminator (MySQL procedures/triggers);
 *                         the DELIMITER lines themselves are not statements
 *  - SQLSPLIT_BRACKET:    [...] identifiers (SQL Server, SQLite)
 *  - SQLSPLIT_GO:         a line holding only GO (any case, optional count
 *                         is not supported) ends a batch; ';' does NOT split
 *                         (a batch is sent whole, as sqlcmd does)
 *  - SQLSPLIT_SLASH:      Oracle: PL/SQL blocks (CREATE [OR REPLACE]
 *                         [EDITIONABLE] FUNCTION|PROCEDURE|PACKAGE|TRIGGER|
 *                         TYPE, DECLARE, BEGIN) end at a line holding only
 *                         '/', and keep their inner ';'s; other statements
 *                         end at ';' which is not part of the statement.
 *  - SQLSPLIT_BEGIN_END:  SQLite: CREATE TRIGGER ... BEGIN ... END; is one
 *                         statement
 *  - SQLSPLIT_BEGIN_ATOMIC: PostgreSQL 14+: CREATE [OR REPLACE] FUNCTION|
 *                         PROCEDURE ... BEGIN ATOMIC ... END; is one
 *                         statement (psql's rule: BEGIN/CASE ... END outside
 *                         parentheses are counted in such a statement)
 *
 * Statements handed to the callback exclude the terminator and surrounding
 * blank space; text made only of blanks and comments is not a statement.
 */
#ifndef RETORT_SQLSPLIT_H
#define RETORT_SQLSPLIT_H

#include <stddef.h>

#define SQLSPLIT_DOLLAR           0x0001u
#define SQLSPLIT_NESTED_COMMENTS  0x0002u
#define SQLSPLIT_BACKSLASH        0x0004u
#define SQLSPLIT_BACKTICK         0x0008u
#define SQLSPLIT_HASH_COMMENT     0x0010u
#define SQLSPLIT_DELIMITER        0x0020u
#define SQLSPLIT_BRACKET          0x0040u
#define SQLSPLIT_GO               0x0080u
#define SQLSPLIT_SLASH            0x0100u
#define SQLSPLIT_BEGIN_END        0x0200u
#define SQLSPLIT_BEGIN_ATOMIC     0x0400u

/* Convenient flag sets per dialect. */
#define SQLSPLIT_GENERIC    0u
#define SQLSPLIT_SQLITE     (SQLSPLIT_BACKTICK | SQLSPLIT_BRACKET | SQLSPLIT_BEGIN_END)
#define SQLSPLIT_POSTGRESQL (SQLSPLIT_DOLLAR | SQLSPLIT_NESTED_COMMENTS | SQLSPLIT_BEGIN_ATOMIC)
#define SQLSPLIT_MYSQL      (SQLSPLIT_BACKSLASH | SQLSPLIT_BACKTICK | SQLSPLIT_HASH_COMMENT | SQLSPLIT_DELIMITER)
#define SQLSPLIT_MSSQL      (SQLSPLIT_BRACKET | SQLSPLIT_GO)
#define SQLSPLIT_ORACLE     (SQLSPLIT_SLASH)

/*
 * Called once per statement.  `line` is the file line of the statement's
 * first character (first_line + newlines before it).  Return 0 to go on,
 * non-zero to stop (sqlsplit then returns that value).
 */
typedef int (*sqlsplit_cb)(const char *stmt, size_t len, unsigned line, void *payload);

struct sqlsplit_error {
	unsigned line;        /* file line where the unterminated token began */
	const char *what;     /* static text: "unterminated string literal", ... */
};

/*
 * Split sql[0..len).  Returns 0 when done, the callback's non-zero value
 * if it stopped, or -1 on a lexical error described in *err (may be NULL).
 */
int sqlsplit(const char *sql, size_t len, unsigned flags, unsigned first_line,
             sqlsplit_cb cb, void *payload, struct sqlsplit_error *err);

#endif
