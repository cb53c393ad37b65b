/* SPDX-License-Identifier: MIT */
/*
 * core/xargs.h - `-x key=value` (Alembic's -x): values given on the command
 * line, read as ${x:key} or ${x:key:-default} in retort.cfg (with the rest
 * of its ${...} expansion, core/settings.c) and in script sections, where
 * they are substituted as text before the section is split and run (or
 * printed by --sql).  `-- retort:expand off` turns a script's expansion off.
 *
 * Text substitution: the value is pasted into the SQL as given, neither
 * quoted nor escaped.  Quoting is the script author's choice (write
 * '${x:tenant}' for a string), and a value from an untrusted source must
 * not be passed with -x.
 */
#ifndef RETORT_CORE_XARGS_H
#define RETORT_CORE_XARGS_H

#include "util.h" /* IWYU pragma: export */

/*
 * Check and copy -x arguments into `out` ("key=value" strings, in order).
 * A key is 1 to 64 of [A-Za-z0-9_.-]; anything after the first '=' is the
 * value (may be empty).  An argument without '=' or with a bad key is a
 * usage error naming it.
 */
int rt_xargs_parse(struct rt_strvec *out, const char *const *args, size_t n,
                   struct rt_err *err);

/* The value of `key` (key_len bytes): the last -x giving it wins, as
 * Alembic's dictionary does.  NULL when not given. */
const char *rt_xargs_get(const struct rt_strvec *x, const char *key, size_t key_len);

/* Is k[0, n) a valid key? */
int rt_xargs_valid_key(const char *k, size_t n);

/*
 * Expand ${x:key} and ${x:key:-default} in text[0, len) (a script
 * section starting at file line `first_line` of `path`).  Nothing else is
 * touched: `$$`, `$1`, `${...}` not starting with "x:" stay as written (they
 * are SQL: PostgreSQL dollar quoting, parameters).  A default may hold
 * further ${x:...} references.  When the text has no reference, *out is
 * NULL and the caller uses the text as is; else *out is the expanded text
 * (NUL-terminated, *out_len bytes).  A key that was not given and has no
 * default, or a reference without its closing brace, is an error naming
 * path:line (RT_EXIT_USAGE).
 */
int rt_xargs_expand_sql(char **out, size_t *out_len, const char *text, size_t len,
                        const struct rt_strvec *x, const char *path, unsigned first_line,
                        struct rt_err *err);

#endif
