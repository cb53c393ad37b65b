/* SPDX-License-Identifier: MIT */
/*
 * core/sqltext.h - rules for writing SQL text that several dialects share,
 * lent to plugins through host->quote_ident() and
 * host->last_line_has_comment().  No allocation, no I/O.
 */
#ifndef RETORT_CORE_SQLTEXT_H
#define RETORT_CORE_SQLTEXT_H

#include <stddef.h>

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

#endif
