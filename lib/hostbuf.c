/*
 * lib/hostbuf.c - a growable string buffer on the host allocator (see
 * hostbuf.h).
 */
#include <string.h>

#include "hostbuf.h"

/* Capacity of the first allocation; then it doubles. */
#define HOSTBUF_MIN_CAP 64

void hostbuf_init(struct hostbuf *b, const struct retort_host *host)
{
	b->host = host;
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

int hostbuf_grow(struct hostbuf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (b->oom)
		return -1;
	if (extra > (size_t)-1 - b->len - 1)
		goto oom;
	want = b->len + extra + 1;
	if (b->ptr && want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : HOSTBUF_MIN_CAP;
	while (cap < want)
		cap = cap > (size_t)-1 / 2 ? want : cap * 2;
	if (!(p = b->host->realloc(b->ptr, cap)))
		goto oom;
	b->ptr = p;
	b->cap = cap;
	return 0;
oom:
	b->oom = 1;
	return -1;
}

void hostbuf_put(struct hostbuf *b, const char *s, size_t n)
{
	if (hostbuf_grow(b, n) < 0)
		return;
	if (n)
		memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void hostbuf_puts(struct hostbuf *b, const char *s)
{
	hostbuf_put(b, s, strlen(s));
}

void hostbuf_putc(struct hostbuf *b, char c)
{
	hostbuf_put(b, &c, 1);
}

void hostbuf_put_quoted(struct hostbuf *b, const char *s, char open, char close)
{
	hostbuf_putc(b, open);
	for (; *s; s++) {
		if (*s == close)
			hostbuf_putc(b, close);
		hostbuf_putc(b, *s);
	}
	hostbuf_putc(b, close);
}

char *hostbuf_detach(struct hostbuf *b)
{
	char *p;

	if (b->oom) {
		hostbuf_free(b);
		return NULL;
	}
	p = b->ptr ? b->ptr : b->host->strdup("");
	hostbuf_init(b, b->host);
	return p;
}

void hostbuf_free(struct hostbuf *b)
{
	if (b->ptr)
		b->host->free(b->ptr);
	hostbuf_init(b, b->host);
}
