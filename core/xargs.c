/* SPDX-License-Identifier: MIT */
/*
 * core/xargs.c - `-x key=value` and ${x:key} in script sections.  See
 * xargs.h.
 */
#include "xargs.h"

#include <string.h>

#define KEY_MAX 64
#define MAX_DEPTH 8

int rt_xargs_valid_key(const char *k, size_t n)
{
	size_t i;
	if (n == 0 || n > KEY_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int rt_xargs_parse(struct rt_strvec *out, const char *const *args, size_t n,
                   struct rt_err *err)
{
	size_t i;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(args[i], '=');
		if (!eq)
			return rt_err_set(err, RT_EXIT_USAGE, "-x %s: write -x key=value (scripts "
			                  "read it as ${x:key})", args[i]);
		if (!rt_xargs_valid_key(args[i], (size_t)(eq - args[i])))
			return rt_err_set(err, RT_EXIT_USAGE, "-x %s: the key must be 1 to %d letters, "
			                  "digits, '_', '.' or '-'", args[i], KEY_MAX);
		if (rt_strvec_push(out, args[i]) < 0)
			return rt_err_oom(err);
	}
	return 0;
}

const char *rt_xargs_get(const struct rt_strvec *x, const char *key, size_t key_len)
{
	size_t i;
	if (!x)
		return NULL;
	for (i = x->n; i-- > 0;)
		if (strncmp(x->v[i], key, key_len) == 0 && x->v[i][key_len] == '=')
			return x->v[i] + key_len + 1;
	return NULL;
}

/* Offset of the first "${x:" in text[from, len), or len. */
static size_t find_ref(const char *text, size_t from, size_t len)
{
	size_t i;
	for (i = from; i + 4 <= len; i++) {
		const char *d = memchr(text + i, '$', len - i);
		if (!d)
			return len;
		i = (size_t)(d - text);
		if (i + 4 <= len && memcmp(text + i, "${x:", 4) == 0)
			return i;
	}
	return len;
}

/* Offset of the '}' closing a reference whose body starts at `body`
 * (nested "${" in a default are skipped over), or len. */
static size_t closing_brace(const char *text, size_t body, size_t len)
{
	int depth = 1;
	size_t i;
	for (i = body; i < len; i++) {
		if (text[i] == '$' && i + 1 < len && text[i + 1] == '{') {
			depth++;
			i++;
		} else if (text[i] == '}' && --depth == 0) {
			return i;
		}
	}
	return len;
}

static unsigned line_of(const char *text, size_t at, unsigned first_line)
{
	unsigned line = first_line;
	const char *p = text, *end = text + at;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

struct ctx {
	const struct rt_strvec *x;
	const char *path;
	const char *whole;      /* the section, for line numbers */
	unsigned first_line;
	struct rt_err *err;
};

static int expand_into(struct rt_buf *b, const struct ctx *c, const char *text, size_t len,
                       int depth)
{
	size_t pos = 0;
	if (depth > MAX_DEPTH)
		return rt_err_set(c->err, RT_EXIT_USAGE, "%s:%u: ${x:...:-default} nested more "
		                  "than %d deep", c->path,
		                  line_of(c->whole, (size_t)(text - c->whole), c->first_line),
		                  MAX_DEPTH);
	while (pos < len) {
		size_t at = find_ref(text, pos, len), body, close, key_end;
		const char *val;
		unsigned line;
		rt_buf_put(b, text + pos, at - pos);
		if (at == len)
			break;
		line = line_of(c->whole, (size_t)(text + at - c->whole), c->first_line);
		body = at + 4;
		close = closing_brace(text, body, len);
		if (close == len)
			return rt_err_set(c->err, RT_EXIT_USAGE, "%s:%u: ${x: without its closing '}' "
			                  "(write ${x:key} or ${x:key:-default}; '-- retort:expand off' "
			                  "keeps the script as written)", c->path, line);
		for (key_end = body; key_end < close && text[key_end] != ':'; key_end++)
			;
		if (!rt_xargs_valid_key(text + body, key_end - body) ||
		    (key_end < close && (key_end + 1 >= close || text[key_end + 1] != '-')))
			return rt_err_set(c->err, RT_EXIT_USAGE, "%s:%u: bad reference '%.*s' (write "
			                  "${x:key} or ${x:key:-default}, the key made of letters, "
			                  "digits, '_', '.' and '-')", c->path, line,
			                  (int)(close + 1 - at > 80 ? 80 : close + 1 - at), text + at);
		val = rt_xargs_get(c->x, text + body, key_end - body);
		if (val) {
			rt_buf_puts(b, val);
		} else if (key_end < close) {
			if (expand_into(b, c, text + key_end + 2, close - key_end - 2, depth + 1) < 0)
				return -1;
		} else {
			return rt_err_set(c->err, RT_EXIT_USAGE, "%s:%u: ${x:%.*s} has no value: pass "
			                  "-x %.*s=VALUE, or write ${x:%.*s:-default}", c->path, line,
			                  (int)(key_end - body), text + body, (int)(key_end - body),
			                  text + body, (int)(key_end - body), text + body);
		}
		pos = close + 1;
	}
	return 0;
}

int rt_xargs_expand_sql(char **out, size_t *out_len, const char *text, size_t len,
                        const struct rt_strvec *x, const char *path, unsigned first_line,
                        struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	struct ctx c;

	*out = NULL;
	*out_len = 0;
	if (find_ref(text, 0, len) == len)
		return 0;
	c.x = x;
	c.path = path;
	c.whole = text;
	c.first_line = first_line;
	c.err = err;
	if (expand_into(&b, &c, text, len, 0) < 0) {
		rt_buf_free(&b);
		return -1;
	}
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	*out_len = b.len;
	*out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return *out ? 0 : rt_err_oom(err);
}
