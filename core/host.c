/* SPDX-License-Identifier: MIT */
/*
 * core/host.c - services the core lends to plugins (struct retort_host).
 *
 * Plugins allocate everything they hand back with these functions, so the
 * core can free it with the same allocator (and the fault-injection hook in
 * util.c covers plugin allocations too).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, clock_gettime under -std=c99 */
#include "host.h"
#include "progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mask.h"
#include "sqlsplit.h"
#include "sqltext.h"

static int log_level = RETORT_LOG_WARNING;

void rt_host_set_log_level(int level) { log_level = level; }

static void *h_alloc(size_t n) { return rt_malloc(n); }
static void *h_realloc(void *p, size_t n) { return rt_realloc(p, n); }
static void h_free(void *p) { rt_free(p); }
static char *h_strdup(const char *s) { return rt_strdup(s); }
static char *h_strndup(const char *s, size_t n) { return rt_strndup(s, n); }

static int h_error_set(struct retort_error *err, int code, const char *fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	va_list ap;
	if (!err)
		return code;
	va_start(ap, fmt);
	rt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rt_free(err->message);
	err->message = rt_buf_detach(&b);
	rt_buf_free(&b);
	err->code = code;
	return code;
}

static void h_error_db(struct retort_error *err, const char *sqlstate, long native_code)
{
	if (!err)
		return;
	err->sqlstate[0] = '\0';
	if (sqlstate) {
		strncpy(err->sqlstate, sqlstate, sizeof(err->sqlstate) - 1);
		err->sqlstate[sizeof(err->sqlstate) - 1] = '\0';
	}
	err->native_code = native_code;
}

static void h_error_statement(struct retort_error *err, unsigned index, unsigned line,
                              const char *text, size_t len)
{
	if (!err)
		return;
	err->stmt_index = index;
	err->stmt_line = line;
	rt_free(err->statement);
	err->statement = NULL;
	if (!text)
		return;
	while (len > 0 && (text[0] == ' ' || text[0] == '\n' || text[0] == '\t' || text[0] == '\r')) {
		text++;
		len--;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n' || text[len - 1] == '\t' ||
	                   text[len - 1] == '\r'))
		len--;
	if (len > RT_ERROR_STATEMENT_MAX) {
		err->statement = rt_malloc(RT_ERROR_STATEMENT_MAX + 4);
		if (err->statement) {
			memcpy(err->statement, text, RT_ERROR_STATEMENT_MAX);
			memcpy(err->statement + RT_ERROR_STATEMENT_MAX, "...", 4);
		}
	} else {
		err->statement = rt_strndup(text, len);
	}
}

static void h_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	va_list ap;
	if (level > log_level)
		return;
	if (level < 0)
		level = 0;
	if (level > 3)
		level = 3;
	rt_progress_break(); /* a progress line waiting for its duration ends first */
	fprintf(stderr, "retort: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ ABI 1.2 */

struct split_fwd {
	retort_stmt_cb cb;
	void *payload;
	int rc;        /* what cb returned last */
};

static int split_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_fwd *x = payload;
	x->rc = x->cb(stmt, len, line, x->payload);
	return x->rc != 0;
}

static int h_split(const char *sql, size_t len, unsigned rules, unsigned first_line,
                   retort_stmt_cb cb, void *payload, struct retort_error *err)
{
	struct sqlsplit_error se = { 0, NULL };
	struct split_fwd x;
	int rc;

	x.cb = cb;
	x.payload = payload;
	x.rc = 0;
	rc = sqlsplit(sql, len, rules, first_line, split_one, &x, &se);
	if (rc < 0) {
		h_error_set(err, RETORT_EUSAGE, "%s starting at line %u; close it or fix the "
		            "quoting", se.what ? se.what : "lexical error", se.line);
		h_error_statement(err, 0, se.line, NULL, 0);
		return RETORT_EUSAGE;
	}
	if (rc > 0)
		return x.rc < 0 ? x.rc : RETORT_ERROR;
	return 0;
}

/* struct retort_buf has struct rt_buf's layout; go through a copy anyway. */
static void to_rt(struct rt_buf *r, const struct retort_buf *b)
{
	r->ptr = b->ptr;
	r->len = b->len;
	r->cap = b->cap;
	r->oom = b->oom;
}

static void from_rt(struct retort_buf *b, const struct rt_buf *r)
{
	b->ptr = r->ptr;
	b->len = r->len;
	b->cap = r->cap;
	b->oom = r->oom;
}

static void h_buf_put(struct retort_buf *b, const char *s, size_t n)
{
	struct rt_buf r;
	to_rt(&r, b);
	rt_buf_put(&r, s, n);
	from_rt(b, &r);
}

static void h_buf_puts(struct retort_buf *b, const char *s)
{
	h_buf_put(b, s, strlen(s));
}

static void h_buf_putc(struct retort_buf *b, char c)
{
	h_buf_put(b, &c, 1);
}

static void h_buf_printf(struct retort_buf *b, const char *fmt, ...)
{
	struct rt_buf r;
	va_list ap;
	to_rt(&r, b);
	va_start(ap, fmt);
	rt_buf_vprintf(&r, fmt, ap);
	va_end(ap);
	from_rt(b, &r);
}

static void h_buf_put_quoted(struct retort_buf *b, const char *s, char open, char close)
{
	h_buf_putc(b, open);
	for (; *s; s++) {
		if (*s == close)
			h_buf_putc(b, close);
		h_buf_putc(b, *s);
	}
	h_buf_putc(b, close);
}

static void h_buf_free(struct retort_buf *b)
{
	rt_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

static char *h_buf_detach(struct retort_buf *b)
{
	struct rt_buf r;
	char *s;
	if (b->oom) {
		h_buf_free(b);
		return NULL;
	}
	to_rt(&r, b);
	s = rt_buf_detach(&r);
	from_rt(b, &r);
	if (!s)
		h_buf_free(b);
	return s;
}

static char **h_secrets_of(const struct retort_url *url)
{
	return rt_url_secrets(url);
}

static char *h_mask(const char *text, const char *const *secrets, unsigned flags)
{
	return rt_mask(text, secrets, flags);
}

static int h_quote_ident(struct retort_buf *b, const char *name, int words, char open,
                         char close, int force)
{
	if (!name || !*name)
		return -1;
	if (force || sqltext_requires_quotes(name, words))
		h_buf_put_quoted(b, name, open, close);
	else
		h_buf_puts(b, name);
	return 0;
}

static void h_hash64(unsigned char h[8], const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned long long v = 0;
	size_t i;
	for (i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	for (i = 0; i < len; i++) {
		v ^= p[i];
		v *= 1099511628211ULL;
	}
	for (i = 8; i-- > 0; v >>= 8)
		h[i] = (unsigned char)(v & 0xff);
}

static void h_sleep_ms(long ms)
{
	struct timespec ts;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long h_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* VARCHAR (a printf format taking the length), TEXT, BIGINT, TIMESTAMP,
 * per enum retort_family: one row per database family, so the native
 * plugins and the ODBC plugin create the same side tables. */
static const char *const type_spelling[][4] = {
	/* NONE */ { NULL, NULL, NULL, NULL },
	/* POSTGRESQL */ { "VARCHAR(%u)", "TEXT", "BIGINT", "TIMESTAMP" },
	/* MYSQL */ { "VARCHAR(%u)", "LONGTEXT", "BIGINT", "DATETIME(6)" },
	/* SQLITE */ { "VARCHAR(%u)", "TEXT", "BIGINT", "TIMESTAMP" },
	/* MSSQL */ { "NVARCHAR(%u)", "NVARCHAR(max)", "BIGINT", "DATETIME2" },
	/* ORACLE */ { "VARCHAR2(%u CHAR)", "CLOB", "NUMBER(19)", "TIMESTAMP" },
};

static int h_column_type(int family, int type, unsigned length, char *out, size_t outsz)
{
	const char *f;
	int n;

	if (!out || outsz == 0)
		return -1;
	out[0] = '\0';
	if (family < 0 || (size_t)family >= sizeof(type_spelling) / sizeof(type_spelling[0]) ||
	    type < RETORT_TYPE_VARCHAR || type > RETORT_TYPE_TIMESTAMP)
		return -1;
	if (!(f = type_spelling[family][type - RETORT_TYPE_VARCHAR]))
		return -1;
	if (type == RETORT_TYPE_VARCHAR)
		n = snprintf(out, outsz, f, length);
	else
		n = snprintf(out, outsz, "%s", f);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ ABI 1.3 */

static int h_offline_sql(struct retort_buf *b, int family, int what, const char *arg,
                         size_t len, struct retort_error *err)
{
	struct rt_buf r;
	const char *why = NULL;
	int rc;

	to_rt(&r, b);
	rc = sqltext_offline(&r, family, what, arg, len, &why);
	from_rt(b, &r);
	if (rc == RETORT_ENOTSUPPORTED)
		return h_error_set(err, rc, "the host writes no offline SQL of kind %d for "
		                   "database family %d", what, family);
	if (rc < 0) {
		h_error_set(err, rc, "%s", why ? why : "the statement cannot be written offline");
		h_error_statement(err, 0, 0, arg, arg ? len : 0);
	}
	return rc;
}

static const struct retort_host host = {
	RETORT_DIALECT_ABI_MAJOR,
	RETORT_DIALECT_ABI_MINOR,
	sizeof(struct retort_host),
	h_alloc,
	h_realloc,
	h_free,
	h_strdup,
	h_strndup,
	h_error_set,
	h_error_db,
	h_error_statement,
	h_log,
	h_split,
	h_buf_put,
	h_buf_puts,
	h_buf_putc,
	h_buf_printf,
	h_buf_put_quoted,
	h_buf_detach,
	h_buf_free,
	h_secrets_of,
	rt_secrets_free,
	h_mask,
	h_quote_ident,
	sqltext_last_line_has_comment,
	h_hash64,
	h_sleep_ms,
	h_clock_ms,
	h_column_type,
	h_offline_sql,
};

const struct retort_host *rt_host(void) { return &host; }

void rt_dialect_error_init(struct retort_error *e)
{
	memset(e, 0, sizeof(*e));
}

void rt_dialect_error_free(struct retort_error *e)
{
	if (!e)
		return;
	rt_free(e->message);
	rt_free(e->statement);
	memset(e, 0, sizeof(*e));
}
