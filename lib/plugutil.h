/*
 * lib/plugutil.h - small helpers several dialect plugins share: clocks for
 * lock polling, the FNV-1a hash of lock keys, masking the URL's password
 * out of server messages and statements, and the split() entry point.  Part of the libsqlsplit
 * convenience library; allocation only through the host table passed in.
 */
#ifndef RETORT_LIB_PLUGUTIL_H
#define RETORT_LIB_PLUGUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <retort/dialect.h>
#include "sqlsplit.h"

/* Sleep ms milliseconds (resumed after signals). */
void plugutil_sleep_ms(long ms);

/* Milliseconds on the monotonic clock (for measuring waits only). */
long long plugutil_now_ms(void);

/*
 * Continue the 64-bit FNV-1a hash h over n bytes of s (start with
 * PLUGUTIL_FNV1A_INIT).  Used for lock keys, so the result must stay
 * stable across versions.
 */
#define PLUGUTIL_FNV1A_INIT 14695981039346656037ULL
uint64_t plugutil_fnv1a(uint64_t h, const char *s, size_t n);

/*
 * A copy of msg (NULL counts as "") on the host allocator, with every
 * occurrence of `secret` replaced by "***" when secret is 4 bytes or longer
 * (shorter ones would mask ordinary words and are not recognisable), and:
 *  - oneline: each run of line breaks, with the blanks after it, becomes
 *    "; " (nothing at the very end), to fit the one-line error contract;
 *  - trim_end: blanks and tabs at the end are dropped.
 * NULL when out of memory.
 */
char *plugutil_mask(const struct retort_host *host, const char *msg, const char *secret,
                    int oneline, int trim_end);

/*
 * host->error_statement() for stmt[0..len), masked as plugutil_mask(..., 0,
 * trim_end) does when it holds `secret` (4 bytes or longer); passed as it
 * is otherwise.  Out of memory: the statement is attached without text.
 */
void plugutil_error_statement(const struct retort_host *host, struct retort_error *err,
                              unsigned index, unsigned line, const char *stmt, size_t len,
                              const char *secret, int trim_end);

/*
 * Report a script sqlsplit() cannot lex: RETORT_EUSAGE with "<what>
 * starting at line N; close it or fix the quoting" and the line attached
 * as the failing statement's.  Returns RETORT_EUSAGE.
 */
int plugutil_split_error(const struct retort_host *host, struct retort_error *err,
                         const struct sqlsplit_error *se);

/*
 * The vtable's split() on sqlsplit() with `flags`: each statement goes to
 * cb.  0 when all went; when cb returns nonzero the split stops and the
 * result is cb's value if negative, else RETORT_ERROR; a lexical error is
 * reported through plugutil_split_error().
 */
int plugutil_split(const struct retort_host *host, unsigned flags, const char *sql, size_t len,
                   unsigned first_line, retort_stmt_cb cb, void *payload,
                   struct retort_error *err);

#endif
