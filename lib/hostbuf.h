/*
 * lib/hostbuf.h - a growable string buffer on the host allocator, for the
 * dialect plugins (which may not link libretort, so they cannot use the
 * core's struct rt_buf).  Part of the libsqlsplit convenience library.
 *
 * Every allocation goes through the `const struct retort_host *` stored in
 * the buffer (the table the plugin got from the core), so the core's
 * allocation-failure injection reaches plugin code too.
 *
 * Out of memory is sticky: once an append fails, `oom` is set, later
 * appends do nothing, and hostbuf_detach() returns NULL.  Callers append
 * freely and check once at the end (or check `oom` before using `ptr`).
 *
 *	struct hostbuf b = HOSTBUF_INIT(host);
 *	hostbuf_puts(&b, "SELECT ");
 *	hostbuf_put_quoted(&b, name, '"', '"');
 *	if (!(sql = hostbuf_detach(&b)))
 *		return out_of_memory;
 */
#ifndef RETORT_LIB_HOSTBUF_H
#define RETORT_LIB_HOSTBUF_H

#include <stddef.h>
#include <retort/dialect.h>

struct hostbuf {
	const struct retort_host *host; /* allocates ptr; never NULL */
	char *ptr;  /* NUL-terminated text, or NULL before the first append */
	size_t len; /* bytes in ptr, not counting the NUL */
	size_t cap; /* bytes allocated at ptr */
	int oom;    /* sticky: an append failed for lack of memory */
};

#define HOSTBUF_INIT(host) { (host), NULL, 0, 0, 0 }

/* Make `b` an empty buffer allocating through `host` (takes nothing). */
void hostbuf_init(struct hostbuf *b, const struct retort_host *host);

/*
 * Make room for `extra` more bytes plus the NUL.  0, or -1 with `oom` set
 * (also when `oom` was already set).
 */
int hostbuf_grow(struct hostbuf *b, size_t extra);

/* Append n bytes of s (which may hold NULs), one string, one byte. */
void hostbuf_put(struct hostbuf *b, const char *s, size_t n);
void hostbuf_puts(struct hostbuf *b, const char *s);
void hostbuf_putc(struct hostbuf *b, char c);

/*
 * Append s between `open` and `close`, doubling every `close` inside:
 * ("a\"b", '"', '"') gives "a""b"; ("x]", '[', ']') gives [x]]].  The SQL
 * way of quoting identifiers and plain '...' literals.
 */
void hostbuf_put_quoted(struct hostbuf *b, const char *s, char open, char close);

/*
 * Hand the text over: a host-allocated string the caller frees with
 * host->free ("" when nothing was appended), or NULL when `oom` is set (the
 * text is then freed).  Either way the buffer is left empty and usable,
 * with `oom` cleared.
 */
char *hostbuf_detach(struct hostbuf *b);

/* Free the text and leave the buffer empty and usable, `oom` cleared. */
void hostbuf_free(struct hostbuf *b);

#endif
