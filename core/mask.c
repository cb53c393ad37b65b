/* SPDX-License-Identifier: MIT */
/*
 * core/mask.c - the one masking policy (see mask.h).
 */
#include "mask.h"

#include <string.h>

#include "url.h"

#define MASK "***"

/* Bytes that make up words: a secret next to one is part of a longer word. */
static int word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

static int push(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
	size_t i;
	if (len == 0)
		return 0;
	for (i = 0; i < *n; i++)   /* once each */
		if (strlen((*v)[i]) == len && memcmp((*v)[i], s, len) == 0)
			return 0;
	if (*n + 2 > *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		char **nv = rt_realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -1;
		*v = nv;
		*cap = c;
	}
	if (!((*v)[*n] = rt_strndup(s, len)))
		return -1;
	(*n)++;
	(*v)[*n] = NULL;
	return 0;
}

char **rt_url_secrets(const struct retort_url *url)
{
	char **v = NULL;
	size_t n = 0, cap = 0, i, tail;

	if (!(v = rt_calloc(1, sizeof(*v))))
		return NULL;
	cap = 1;
	if (!url)
		return v;
	if (url->password && push(&v, &n, &cap, url->password, strlen(url->password)) < 0)
		goto oom;
	for (i = 0; i < url->n_params; i++) {
		const char *k = url->params[i].key, *val = url->params[i].value;
		if (!k || !rt_url_secret_key(k, &tail))
			continue;
		if (val && push(&v, &n, &cap, val, strlen(val)) < 0)
			goto oom;
		if (push(&v, &n, &cap, k + tail, strlen(k + tail)) < 0)
			goto oom;
	}
	return v;
oom:
	rt_secrets_free(v);
	return NULL;
}

void rt_secrets_free(char **secrets)
{
	size_t i;
	if (!secrets)
		return;
	for (i = 0; secrets[i]; i++) {
		volatile char *p = secrets[i];
		while (*p)
			*p++ = '\0';
		rt_free(secrets[i]);
	}
	rt_free(secrets);
}

/* Length of the secret standing as a whole token at text[i], or 0. */
static size_t token_at(const char *text, size_t i, const char *const *secrets)
{
	size_t k, best = 0;
	for (k = 0; secrets && secrets[k]; k++) {
		const char *s = secrets[k];
		size_t n = strlen(s);
		if (n == 0 || n <= best || strncmp(text + i, s, n) != 0)
			continue;
		/* \b at each end where the secret itself has a word byte */
		if (word_byte((unsigned char)s[0]) && i > 0 && word_byte((unsigned char)text[i - 1]))
			continue;
		if (word_byte((unsigned char)s[n - 1]) && word_byte((unsigned char)text[i + n]))
			continue;
		best = n;   /* the longest secret that fits wins */
	}
	return best;
}

char *rt_mask(const char *text, const char *const *secrets, unsigned flags)
{
	struct rt_buf b = RT_BUF_INIT;
	char *tokens, *masked;
	size_t i, n;

	if (!text)
		text = "";
	/* 1. secrets as whole tokens */
	for (i = 0; text[i];) {
		if ((n = token_at(text, i, secrets)) > 0) {
			rt_buf_puts(&b, MASK);
			i += n;
		} else {
			rt_buf_putc(&b, text[i++]);
		}
	}
	if (!(tokens = rt_buf_detach(&b))) {
		rt_buf_free(&b);
		return NULL;
	}
	/* 2. URLs and password= values, whatever the list holds */
	masked = rt_url_mask_text(tokens);
	rt_free(tokens);
	if (!masked)
		return NULL;
	if (!(flags & (RETORT_MASK_ONELINE | RETORT_MASK_TRIM)))
		return masked;
	/* 3. the shape of a one-line message */
	for (i = 0; masked[i];) {
		if ((flags & RETORT_MASK_ONELINE) && (masked[i] == '\n' || masked[i] == '\r')) {
			while (masked[i] == '\n' || masked[i] == '\r' || masked[i] == ' ' ||
			       masked[i] == '\t')
				i++;
			if (masked[i])
				rt_buf_puts(&b, "; ");
		} else {
			rt_buf_putc(&b, masked[i++]);
		}
	}
	rt_free(masked);
	if ((flags & RETORT_MASK_TRIM) && !b.oom)
		while (b.len > 0 && (b.ptr[b.len - 1] == ' ' || b.ptr[b.len - 1] == '\t'))
			b.ptr[--b.len] = '\0';
	masked = rt_buf_detach(&b);
	rt_buf_free(&b);
	return masked;
}
