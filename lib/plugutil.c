/*
 * lib/plugutil.c - helpers several dialect plugins share (see plugutil.h).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, clock_gettime under -std=c99 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "hostbuf.h"
#include "plugutil.h"

void plugutil_sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

long long plugutil_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t plugutil_fnv1a(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

char *plugutil_mask(const struct retort_host *host, const char *msg, const char *secret,
                    int oneline, int trim_end)
{
	struct hostbuf b = HOSTBUF_INIT(host);
	size_t slen = secret ? strlen(secret) : 0;
	const char *p = msg ? msg : "";

	while (*p) {
		if (slen >= 4 && strncmp(p, secret, slen) == 0) {
			hostbuf_puts(&b, "***");
			p += slen;
		} else if (oneline && (*p == '\n' || *p == '\r')) {
			while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
				p++;
			if (*p)
				hostbuf_puts(&b, "; ");
		} else {
			hostbuf_putc(&b, *p++);
		}
	}
	if (trim_end && !b.oom) {
		while (b.len > 0 && (b.ptr[b.len - 1] == ' ' || b.ptr[b.len - 1] == '\t'))
			b.ptr[--b.len] = '\0';
	}
	return hostbuf_detach(&b);
}

void plugutil_error_statement(const struct retort_host *host, struct retort_error *err,
                              unsigned index, unsigned line, const char *stmt, size_t len,
                              const char *secret, int trim_end)
{
	char *copy = host->strndup(stmt, len), *clean;

	if (!copy) {
		host->error_statement(err, index, line, NULL, 0);
		return;
	}
	clean = secret && strlen(secret) >= 4 && strstr(copy, secret)
	        ? plugutil_mask(host, copy, secret, 0, trim_end)
	        : NULL;
	if (clean)
		host->error_statement(err, index, line, clean, strlen(clean));
	else
		host->error_statement(err, index, line, copy, len);
	host->free(clean);
	host->free(copy);
}

int plugutil_split_error(const struct retort_host *host, struct retort_error *err,
                         const struct sqlsplit_error *se)
{
	host->error_set(err, RETORT_EUSAGE, "%s starting at line %u; close it or fix the quoting",
	                se->what ? se->what : "lexical error", se->line);
	host->error_statement(err, 0, se->line, NULL, 0);
	return RETORT_EUSAGE;
}

struct split_ctx {
	retort_stmt_cb cb;
	void *payload;
	int rc; /* what cb returned last */
};

static int split_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct split_ctx *x = payload;

	x->rc = x->cb(stmt, len, line, x->payload);
	return x->rc != 0;
}

int plugutil_split(const struct retort_host *host, unsigned flags, const char *sql, size_t len,
                   unsigned first_line, retort_stmt_cb cb, void *payload,
                   struct retort_error *err)
{
	struct split_ctx x;
	struct sqlsplit_error se = { 0, NULL };
	int rc;

	x.cb = cb;
	x.payload = payload;
	x.rc = 0;
	rc = sqlsplit(sql, len, flags, first_line, split_one, &x, &se);
	if (rc < 0)
		return plugutil_split_error(host, err, &se);
	if (rc > 0)
		return x.rc < 0 ? x.rc : RETORT_ERROR;
	return 0;
}
