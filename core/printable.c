/* SPDX-License-Identifier: MIT */
/*
 * core/printable.c - text made fit for a terminal.  See printable.h.
 */
#include "printable.h"

#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 in UTF-8 */

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t';
}

/* Bytes of the control character at s (0 if none). */
static size_t control_at(const unsigned char *s, size_t left)
{
	if ((s[0] < 0x20 && s[0] != '\n' && s[0] != '\t') || s[0] == 0x7f)
		return 1;
	if (left >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

/* The longest k <= n such that cutting s before s[k] splits no UTF-8
 * character (s[n] must be readable). */
static size_t utf8_floor(const unsigned char *s, size_t n)
{
	size_t k = n;
	while (k > 0 && n - k < 3 && (s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

void rt_buf_put_printable(struct rt_buf *b, const char *text, size_t len, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, start = b->len;
	int clip = (flags & RT_PRINT_CLIP) != 0;

	while (i < len) {
		size_t c, w, keep, k;
		if (clip && b->len - start >= RT_PRINT_TOTAL_MAX) {
			rt_buf_puts(b, ELLIPSIS);
			return;
		}
		if ((c = control_at(s + i, len - i)) > 0) {
			for (k = 0; k < c; k++)
				rt_buf_printf(b, "\\x%02x", s[i + k]);
			i += c;
			continue;
		}
		/* A word: up to the next blank or control character. */
		for (w = i; w < len && !is_blank(s[w]) && !control_at(s + w, len - w); w++)
			;
		if (w == i)
			w = i + 1; /* a blank */
		keep = w - i;
		if (clip) {
			/* a word cut by a control character still counts whole */
			size_t word_end = i;
			while (word_end < len && !is_blank(s[word_end]))
				word_end++;
			if (word_end - i > RT_PRINT_WORD_MAX) {
				keep = utf8_floor(s + i, keep < RT_PRINT_WORD_MAX ? keep : RT_PRINT_WORD_MAX);
				rt_buf_put(b, text + i, keep);
				rt_buf_puts(b, ELLIPSIS);
				i = word_end;
				continue;
			}
		}
		rt_buf_put(b, text + i, keep);
		i += keep;
	}
}

char *rt_printable(const char *s, unsigned flags)
{
	struct rt_buf b = RT_BUF_INIT;
	char *r;
	if (!s)
		s = "";
	rt_buf_put_printable(&b, s, strlen(s), flags);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}
