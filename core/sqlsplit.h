/* SPDX-License-Identifier: MIT */
/*
 * core/sqlsplit.h - split a script section into statements, following one
 * dialect's lexical rules: the core's own splitting, and host->split() for
 * every plugin.  No allocation, no I/O.
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
#include <retort/dialect.h> /* IWYU pragma: export */

/* The rule flags are the ABI's (RETORT_SPLIT_* of <retort/dialect.h>):
 * plugins reach this splitter through host->split(). */
#define SQLSPLIT_DOLLAR           RETORT_SPLIT_DOLLAR
#define SQLSPLIT_NESTED_COMMENTS  RETORT_SPLIT_NESTED_COMMENTS
#define SQLSPLIT_BACKSLASH        RETORT_SPLIT_BACKSLASH
#define SQLSPLIT_BACKTICK         RETORT_SPLIT_BACKTICK
#define SQLSPLIT_HASH_COMMENT     RETORT_SPLIT_HASH_COMMENT
#define SQLSPLIT_DELIMITER        RETORT_SPLIT_DELIMITER
#define SQLSPLIT_BRACKET          RETORT_SPLIT_BRACKET
#define SQLSPLIT_GO               RETORT_SPLIT_GO
#define SQLSPLIT_SLASH            RETORT_SPLIT_SLASH
#define SQLSPLIT_BEGIN_END        RETORT_SPLIT_BEGIN_END
#define SQLSPLIT_BEGIN_ATOMIC     RETORT_SPLIT_BEGIN_ATOMIC

#define SQLSPLIT_GENERIC    RETORT_SPLIT_GENERIC
#define SQLSPLIT_SQLITE     RETORT_SPLIT_SQLITE
#define SQLSPLIT_POSTGRESQL RETORT_SPLIT_POSTGRESQL
#define SQLSPLIT_MYSQL      RETORT_SPLIT_MYSQL
#define SQLSPLIT_MSSQL      RETORT_SPLIT_MSSQL
#define SQLSPLIT_ORACLE     RETORT_SPLIT_ORACLE

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
