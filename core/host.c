/*
 * core/host.c - services the core lends to plugins (struct retort_host).
 *
 * Plugins allocate everything they hand back with these functions, so the
 * core can free it with the same allocator (and the fault-injection hook in
 * util.c covers plugin allocations too).
 */
#include "host.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
	fprintf(stderr, "retort: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
