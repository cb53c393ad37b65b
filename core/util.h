/* SPDX-License-Identifier: MIT */
/*
 * core/util.h - allocation, strings, growable buffers, string vectors, a
 * string-keyed hash map and the core's error object.  Internal to
 * libretort (and its unit tests); not installed.
 *
 * Conventions used throughout the core (libgit2 style):
 *  - functions return 0 on success and a negative value on failure, and set
 *    a message in a struct rt_err when they take one;
 *  - out parameters come first and are NULLed on entry;
 *  - one cleanup label per function frees what it took.
 */
#ifndef RETORT_CORE_UTIL_H
#define RETORT_CORE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define RT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RT_PRINTF(f, a)
#endif

/* ------------------------------------------------------------ allocation */

/*
 * All core allocations go through these so that tests can inject failures:
 * rt__alloc_fail_after(n) makes the n-th following allocation fail
 * (n = 0 disables).  They return NULL on failure, never abort.
 */
void *rt_malloc(size_t n);
void *rt_calloc(size_t nmemb, size_t size);
void *rt_realloc(void *p, size_t n);
char *rt_strdup(const char *s);
char *rt_strndup(const char *s, size_t n);
void rt_free(void *p);
void rt__alloc_fail_after(unsigned long n);
/* Did the failure armed by rt__alloc_fail_after() happen (since it was
 * armed)?  And how many blocks are allocated and not yet freed?  For the
 * allocation-failure sweeps of the tests: a sweep runs until the code under
 * test succeeds without an injected failure, and checks after each run
 * that the count of live blocks is what it was before. */
int rt__alloc_fired(void);
long rt__alloc_live(void);

/* ------------------------------------------------------------ errors */

/* Exit-status classes (SPEC section 7). */
#define RT_EXIT_OK 0
#define RT_EXIT_DB 1     /* database or migration error */
#define RT_EXIT_USAGE 2  /* usage or configuration error */

struct rt_err {
	int status;     /* RT_EXIT_DB or RT_EXIT_USAGE; 0 when clear */
	char *msg;      /* one line (may hold "\n  hint" continuation lines) */
};

/* Set (replace) the error; returns -1 so callers can `return rt_err_set(...)`. */
int rt_err_set(struct rt_err *e, int status, const char *fmt, ...) RT_PRINTF(3, 4);
int rt_err_vset(struct rt_err *e, int status, const char *fmt, va_list ap);
/* Prefix the existing message with "<prefix>: ". */
int rt_err_prefix(struct rt_err *e, const char *fmt, ...) RT_PRINTF(2, 3);
void rt_err_clear(struct rt_err *e);
/* Out-of-memory shorthand. */
int rt_err_oom(struct rt_err *e);

/* ------------------------------------------------------------ strbuf */

struct rt_buf {
	char *ptr;      /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	int oom;        /* sticky: set once an append failed */
};
#define RT_BUF_INIT { NULL, 0, 0, 0 }

int rt_buf_grow(struct rt_buf *b, size_t extra);
int rt_buf_put(struct rt_buf *b, const char *s, size_t n);
int rt_buf_puts(struct rt_buf *b, const char *s);
int rt_buf_putc(struct rt_buf *b, char c);
int rt_buf_printf(struct rt_buf *b, const char *fmt, ...) RT_PRINTF(2, 3);
int rt_buf_vprintf(struct rt_buf *b, const char *fmt, va_list ap);
/* Take ownership of the string ("" if empty); the buffer is reset. NULL on oom. */
char *rt_buf_detach(struct rt_buf *b);
void rt_buf_clear(struct rt_buf *b);  /* len = 0, keep memory */
void rt_buf_free(struct rt_buf *b);

char *rt_sprintf(const char *fmt, ...) RT_PRINTF(1, 2);

/* ------------------------------------------------------------ strvec */

struct rt_strvec {
	char **v;       /* owned strings */
	size_t n;
	size_t cap;
};
#define RT_STRVEC_INIT { NULL, 0, 0 }

int rt_strvec_push(struct rt_strvec *sv, const char *s);     /* copies */
int rt_strvec_push_owned(struct rt_strvec *sv, char *s);     /* takes s (frees it on failure) */
int rt_strvec_contains(const struct rt_strvec *sv, const char *s);
void rt_strvec_sort(struct rt_strvec *sv);
void rt_strvec_free(struct rt_strvec *sv);
/* Split "a, b ,c" on commas, trimming blanks, dropping empty items. */
int rt_strvec_split_csv(struct rt_strvec *out, const char *s);

/* ------------------------------------------------------------ hash map */

/*
 * Open-addressing map from NUL-terminated string keys (borrowed: the caller
 * keeps them alive) to void* values.  O(1) expected per operation.
 */
struct rt_map {
	struct rt_map_slot { const char *key; size_t hash; void *value; } *slots;
	size_t cap;     /* power of two, or 0 */
	size_t n;
};
#define RT_MAP_INIT { NULL, 0, 0 }

int rt_map_put(struct rt_map *m, const char *key, void *value); /* replaces */
void *rt_map_get(const struct rt_map *m, const char *key);
int rt_map_has(const struct rt_map *m, const char *key);
void rt_map_free(struct rt_map *m);
/* Iterate: for (i = 0; rt_map_next(m, &i, &k, &v); ) */
int rt_map_next(const struct rt_map *m, size_t *iter, const char **key, void **value);

/* ------------------------------------------------------------ misc */

int rt_streq(const char *a, const char *b);       /* NULL-safe */
int rt_startswith(const char *s, const char *prefix);
char *rt_trim(char *s);                           /* in place */
/* Read a whole file; *out is NUL-terminated. Sets err naming the path. */
int rt_read_file(char **out, size_t *len_out, const char *path, struct rt_err *err);
/* Join dir and name with '/' unless name is absolute. */
char *rt_path_join(const char *dir, const char *name);
/* Levenshtein distance between a and b (ASCII case ignored when icase),
 * for "did you mean" hints; (size_t)-1 when either is 63 bytes or longer. */
size_t rt_edit_distance(const char *a, const char *b, int icase);

#endif
