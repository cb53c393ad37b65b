/* SPDX-License-Identifier: MIT */
/*
 * core/json.c - see json.h.
 */
#include "json.h"

#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned long *cp_out)
{
	size_t len, i;
	unsigned long cp;
	if (s[0] < 0x80) {
		*cp_out = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return len;
}

int rt_buf_json_strn(struct rt_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!s)
		return rt_buf_puts(b, "null");
	rt_buf_putc(b, '"');
	while (n > 0) {
		unsigned long cp = 0;
		size_t k = utf8_len(p, n, &cp), run;
		if (k == 0) {
			rt_buf_puts(b, "\\ufffd"); /* a byte that is not UTF-8 */
			k = 1;
		} else if (cp == '"' || cp == '\\') {
			rt_buf_putc(b, '\\');
			rt_buf_putc(b, (char)cp);
		} else if (cp == '\n') {
			rt_buf_puts(b, "\\n");
		} else if (cp == '\t') {
			rt_buf_puts(b, "\\t");
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
			rt_buf_printf(b, "\\u%04lx", cp);
		} else {
			/* copy a run of plain ASCII at once */
			for (run = k; k == 1 && run < n && p[run] >= 0x20 && p[run] < 0x7f &&
			              p[run] != '"' && p[run] != '\\'; run++)
				;
			rt_buf_put(b, (const char *)p, run);
			k = run;
		}
		p += k;
		n -= k;
	}
	rt_buf_putc(b, '"');
	return b->oom ? -1 : 0;
}

int rt_buf_json_str(struct rt_buf *b, const char *s)
{
	return rt_buf_json_strn(b, s, s ? strlen(s) : 0);
}

void rt_json_init(struct rt_json *j, struct rt_buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

/* The comma and the key before a value. */
static void member(struct rt_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->has_member[j->depth - 1])
			rt_buf_puts(j->b, ", ");
		j->has_member[j->depth - 1] = 1;
	}
	if (key) {
		rt_buf_json_str(j->b, key);
		rt_buf_puts(j->b, ": ");
	}
}

static void open_(struct rt_json *j, const char *key, char c)
{
	member(j, key);
	rt_buf_putc(j->b, c);
	if (j->depth >= RT_JSON_MAX_DEPTH) { /* a bug of ours: never valid output */
		j->b->oom = 1;
		return;
	}
	j->has_member[j->depth++] = 0;
}

static void close_(struct rt_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	rt_buf_putc(j->b, c);
}

void rt_json_object(struct rt_json *j, const char *key) { open_(j, key, '{'); }
void rt_json_object_end(struct rt_json *j) { close_(j, '}'); }
void rt_json_array(struct rt_json *j, const char *key) { open_(j, key, '['); }
void rt_json_array_end(struct rt_json *j) { close_(j, ']'); }

void rt_json_doc_begin(struct rt_json *j, const char *command)
{
	rt_json_object(j, NULL);
	rt_json_int(j, "format", RT_JSON_FORMAT);
	rt_json_str(j, "command", command);
}

void rt_json_doc_end(struct rt_json *j)
{
	rt_json_object_end(j);
	rt_buf_putc(j->b, '\n');
}

void rt_json_strn(struct rt_json *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	rt_buf_json_strn(j->b, s, len);
}

void rt_json_str(struct rt_json *j, const char *key, const char *s)
{
	member(j, key);
	rt_buf_json_str(j->b, s);
}

void rt_json_int(struct rt_json *j, const char *key, long long v)
{
	member(j, key);
	rt_buf_printf(j->b, "%lld", v);
}

void rt_json_ms(struct rt_json *j, const char *key, long long us)
{
	member(j, key);
	if (us < 0)
		us = 0;
	rt_buf_printf(j->b, "%lld.%03lld", us / 1000, us % 1000);
}

void rt_json_bool(struct rt_json *j, const char *key, int v)
{
	member(j, key);
	rt_buf_puts(j->b, v ? "true" : "false");
}

void rt_json_null(struct rt_json *j, const char *key)
{
	member(j, key);
	rt_buf_puts(j->b, "null");
}

void rt_json_strs(struct rt_json *j, const char *key, const char *const *v, size_t n)
{
	size_t i;
	rt_json_array(j, key);
	for (i = 0; i < n; i++)
		rt_json_str(j, NULL, v[i]);
	rt_json_array_end(j);
}

void rt_json_strvec(struct rt_json *j, const char *key, const struct rt_strvec *v)
{
	rt_json_strs(j, key, (const char *const *)v->v, v->n);
}
