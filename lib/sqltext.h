/*
 * lib/sqltext.h - rules for writing SQL text that are the same in several
 * dialect plugins (the dialect-specific parts, such as each dialect's
 * reserved words and literal escapes, stay in the plugins).  Part of the
 * libsqlsplit convenience library.  No allocation, no I/O.
 */
#ifndef RETORT_LIB_SQLTEXT_H
#define RETORT_LIB_SQLTEXT_H

#include <stddef.h>

/*
 * SQLAlchemy's IdentifierPreparer._requires_quotes() for a dialect whose
 * reserved words are `words` (n_words of them, lower case, sorted by
 * strcmp): 1 when `name` is empty, starts with a digit or '$', holds a
 * byte other than lower-case ASCII letters, digits, '_' and '$', or is a
 * reserved word; else 0.  Quoting is always correct; staying bare when
 * SQLAlchemy does keeps offline SQL identical to Alembic's.  Rules some
 * dialects add (Oracle quotes a leading '_') are the caller's.
 */
int sqltext_requires_quotes(const char *name, const char *const *words, size_t n_words);

/*
 * 1 when the last line of s[0..n) holds "--" (or '#', with hash_comments:
 * MySQL), so a terminator appended on that line might end up inside a
 * line comment; 0 otherwise.  A false alarm (the marker inside a string)
 * only costs the caller a line break.
 */
int sqltext_last_line_has_comment(const char *s, size_t n, int hash_comments);

#endif
