/* SPDX-License-Identifier: MIT */
/*
 * core/url.c - SQLAlchemy-style database URLs (SPEC section 3).
 *
 *   scheme[+driver]://[user[:password]@]host[:port]/database[?key=value&...]
 *
 * The split follows SQLAlchemy's _parse_url() regular expression:
 *  - the user name runs up to the first ':', '/', '?' or '@'; if a ':'
 *    follows, the password runs up to the FIRST '@' after it (so it may
 *    hold unencoded '/', '?' or ':');
 *  - the host is "[ipv6]" or runs up to ':', '/' or '?'; an optional ":port"
 *    follows;
 *  - "/database" runs up to '?'; the query is '&'-separated key=value pairs
 *    in which '+' means a space (as urllib's parse_qsl, which SQLAlchemy
 *    uses: "driver=ODBC+Driver+18+for+SQL+Server"); "key=" with an empty
 *    value is dropped, as parse_qsl does.
 * Every component is percent-decoded.  Deviations from SQLAlchemy, all of
 * them stricter: an '@' left in the host is an error (it almost always is
 * an unencoded '@' of a password, half of which would otherwise end up in
 * the host), an empty or out-of-range port is an error, a decoded NUL is an
 * error, and a query item without '=' is an error.
 *
 * Secrets: no error message quotes a component.  Where the URL is echoed
 * for context it goes through mask_heuristic(), which over-masks rather
 * than under-masks on text that does not parse.
 */
#include "url.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MASK "***"

/* ------------------------------------------------------------ decoding */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode s[0..n) into a new string.  `plus_space` turns '+' into ' '
 * (query strings only).  Returns 0, -1 on a bad escape (incl. an escape
 * decoding to NUL), -2 on out of memory.
 */
static int decode(char **out, const char *s, size_t n, int plus_space)
{
	char *r, *w;
	size_t i;

	*out = NULL;
	r = rt_malloc(n + 1);
	if (!r)
		return -2;
	for (i = 0, w = r; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n) {
				rt_free(r);
				return -1;
			}
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				rt_free(r);
				return -1;
			}
			*w++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus_space && s[i] == '+') {
			*w++ = ' ';
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	*out = r;
	return 0;
}

int rt_url_decode(char **out, const char *s, size_t n)
{
	return decode(out, s, n, 0);
}

/* ------------------------------------------------------------ masking */

/* Query keys whose values are secrets (compared case-insensitively). */
static const char *const secret_keys[] = {
	"password", "passwd", "pwd", "pass", "secret", "token",
	"sslpassword", "odbc_connect", "auth", NULL
};

static int sensitive_key(const char *k, size_t n)
{
	size_t i;
	for (i = 0; secret_keys[i]; i++)
		if (strlen(secret_keys[i]) == n && strncasecmp(secret_keys[i], k, n) == 0)
			return 1;
	return 0;
}

int rt_url_secret_key(const char *k, size_t *tail)
{
	size_t i, n, len = strlen(k);
	*tail = len;
	for (i = 0; secret_keys[i]; i++) {
		n = strlen(secret_keys[i]);
		if (len < n || strncasecmp(secret_keys[i], k, n) != 0)
			continue;
		if (len == n)
			return 1;
		/* a mistyped "password:x" or "pwd x": the rest may be the secret */
		if (!isalnum((unsigned char)k[n]) && k[n] != '_') {
			*tail = n + 1;
			return 1;
		}
	}
	return 0;
}

/* A value that looks like an ODBC connection string holding a password. */
static int sensitive_value(const char *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if ((n - i >= 4 && strncasecmp(v + i, "pwd=", 4) == 0) ||
		    (n - i >= 6 && strncasecmp(v + i, "pwd%3d", 6) == 0) ||
		    (n - i >= 9 && strncasecmp(v + i, "password=", 9) == 0) ||
		    (n - i >= 11 && strncasecmp(v + i, "password%3d", 11) == 0))
			return 1;
	}
	return 0;
}

/* Byte ranges of `text` to replace by MASK, in increasing order. */
struct spans {
	size_t start[64], end[64];
	size_t n;
	int overflow; /* more spans than fit: mask everything after the first */
};

static void span_add(struct spans *sp, size_t start, size_t end)
{
	if (sp->n == sizeof(sp->start) / sizeof(sp->start[0])) {
		sp->overflow = 1;
		return;
	}
	sp->start[sp->n] = start;
	sp->end[sp->n] = end;
	sp->n++;
}

/*
 * A query item without '=' is a typo ("password:Secr3t", "pwd Secr3t",
 * "passwordSecr3t"), and may well hold a secret: keep its leading name (up
 * to the first character that cannot be in one, and at most a sensitive
 * key's length when it starts with one) and the separator after it, mask
 * the rest.
 */
static void mask_malformed_item(struct spans *sp, const char *text, size_t item, size_t stop)
{
	static const char *const keys[] = { "password", "passwd", "pwd", "secret", "token", NULL };
	size_t k = item, i;
	while (k < stop && (isalnum((unsigned char)text[k]) || text[k] == '_'))
		k++;
	for (i = 0; keys[i]; i++) {
		size_t n = strlen(keys[i]);
		if (k - item > n && strncasecmp(text + item, keys[i], n) == 0) {
			k = item + n;
			break;
		}
	}
	if (k < stop && !(isalnum((unsigned char)text[k]) || text[k] == '_'))
		k++; /* the separator stays: "password:***" */
	if (k < stop)
		span_add(sp, k, stop);
}

/* Length up to and with the separator of a mistyped secret key at k[0..n)
 * ("password:" of "password:x"), 0 if it is not one. */
static size_t secret_key_prefix(const char *k, size_t n)
{
	size_t i, m;
	for (i = 0; secret_keys[i]; i++) {
		m = strlen(secret_keys[i]);
		if (n > m && strncasecmp(secret_keys[i], k, m) == 0 &&
		    !isalnum((unsigned char)k[m]) && k[m] != '_')
			return m + 1;
	}
	return 0;
}

/* Mark the values of sensitive parameters in the query text[q..end). */
static void mask_query(struct spans *sp, const char *text, size_t q, size_t end)
{
	size_t i = q;
	while (i < end) {
		size_t item = i, eq, stop;
		while (i < end && text[i] != '&')
			i++;
		stop = i;
		for (eq = item; eq < stop && text[eq] != '='; eq++)
			;
		if (eq < stop && (sensitive_key(text + item, eq - item) ||
		                  sensitive_value(text + eq + 1, stop - eq - 1)))
			span_add(sp, eq + 1, stop);
		else if (eq < stop && secret_key_prefix(text + item, eq - item))
			/* "password:x=y": both the key's tail and the value */
			span_add(sp, item + secret_key_prefix(text + item, eq - item), stop);
		else if (eq == stop)
			mask_malformed_item(sp, text, item, stop);
		if (i < end)
			i++;
	}
}

/* Splice MASK over the spans (any order, may overlap: they are merged). */
static char *apply_spans(const char *text, struct spans *sp)
{
	struct rt_buf b = RT_BUF_INIT;
	size_t pos = 0, i, j;
	char *r;

	for (i = 1; i < sp->n; i++) {   /* insertion sort by start; n <= 64 */
		size_t s0 = sp->start[i], e0 = sp->end[i];
		for (j = i; j > 0 && sp->start[j - 1] > s0; j--) {
			sp->start[j] = sp->start[j - 1];
			sp->end[j] = sp->end[j - 1];
		}
		sp->start[j] = s0;
		sp->end[j] = e0;
	}
	for (i = 0; i < sp->n; i++) {
		if (sp->overflow) {
			/* Too many to track: hide everything from the first. */
			rt_buf_put(&b, text, sp->start[0]);
			rt_buf_puts(&b, MASK);
			pos = strlen(text);
			break;
		}
		if (sp->start[i] < pos) {       /* overlaps the previous span */
			if (sp->end[i] > pos)
				pos = sp->end[i];
			continue;
		}
		rt_buf_put(&b, text + pos, sp->start[i] - pos);
		rt_buf_puts(&b, MASK);
		pos = sp->end[i];
	}
	rt_buf_puts(&b, text + pos);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}

/*
 * Mask text that may not parse.  Over-masks rather than leaking:
 *  - userinfo: the text between the first ':' after "://" (or after the
 *    start, if there is no "://") and the LAST '@' is a password;
 *  - no '@' at all: a ":xxx" in the authority that is not a port number is
 *    treated as a password typed without its host, and everything from
 *    there to the end is hidden;
 *  - query values of sensitive keys are masked.
 */
static char *mask_heuristic(const char *text)
{
	struct spans sp;
	const char *sep = strstr(text, "://");
	const char *at = strrchr(text, '@');
	size_t s = sep ? (size_t)(sep - text) + 3 : 0, len = strlen(text), i, q;

	memset(&sp, 0, sizeof(sp));
	if (at && (size_t)(at - text) >= s) {
		size_t a = (size_t)(at - text);
		for (i = s; i < a && text[i] != ':'; i++)
			;
		if (i < a)
			span_add(&sp, i + 1, a);
	} else {
		size_t auth_end = s, colon = (size_t)-1;
		int bracket = 0;
		while (auth_end < len && text[auth_end] != '/' && text[auth_end] != '?') {
			if (text[auth_end] == '[')
				bracket = 1;
			else if (text[auth_end] == ']')
				bracket = 0;
			else if (text[auth_end] == ':' && !bracket && colon == (size_t)-1)
				colon = auth_end;
			auth_end++;
		}
		if (colon != (size_t)-1) {
			int digits = colon + 1 < auth_end;
			for (i = colon + 1; i < auth_end; i++)
				if (!isdigit((unsigned char)text[i]))
					digits = 0;
			/* Not a port: a password typed without "@host", which
			 * may itself hold '/' or '?'; hide all that follows. */
			if (!digits && colon + 1 < auth_end) {
				span_add(&sp, colon + 1, len);
				return apply_spans(text, &sp);
			}
		}
	}
	/* The query may start inside an unencoded password; masking its
	 * sensitive values as well only hides more. */
	q = s;
	while (q < len && text[q] != '?')
		q++;
	if (q < len)
		mask_query(&sp, text, q + 1, len);
	return apply_spans(text, &sp);
}

/* ------------------------------------------------------------ parsing */

void rt_url_free(struct rt_url *url)
{
	size_t i;
	if (!url)
		return;
	rt_free(url->scheme);
	rt_free(url->driver);
	rt_free(url->user);
	rt_free(url->password);
	rt_free(url->host);
	rt_free(url->database);
	rt_free(url->masked);
	for (i = 0; i < url->n_params; i++) {
		rt_free((char *)url->params[i].key);
		rt_free((char *)url->params[i].value);
	}
	rt_free(url->params);
	rt_free(url);
}

struct parser {
	const char *text;   /* the URL (trimmed copy) */
	char *shown;        /* masked text for messages, made on first error */
	struct rt_err *err;
};

/* Set a usage error "database URL <masked>: <what>". */
static int fail(struct parser *p, const char *what)
{
	if (!p->shown)
		p->shown = mask_heuristic(p->text);
	if (!p->shown)
		return rt_err_oom(p->err);
	return rt_err_set(p->err, RT_EXIT_USAGE, "database URL %s: %s", p->shown, what);
}

/* Decode a component into *out (NULL when empty and !keep_empty). */
static int component(struct parser *p, char **out, const char *s, size_t n,
                     int plus_space, const char *name)
{
	int rc;
	*out = NULL;
	if (n == 0)
		return 0;
	rc = decode(out, s, n, plus_space);
	if (rc == -2)
		return rt_err_oom(p->err);
	if (rc < 0) {
		char *msg = rt_sprintf("bad percent-escape in the %s (write %%XX with two hex "
		                       "digits, not %%00; e.g. %%40 for '@', %%25 for '%%')", name);
		if (!msg)
			return rt_err_oom(p->err);
		fail(p, msg);
		rt_free(msg);
		return -1;
	}
	return 0;
}

static int parse_port(struct parser *p, unsigned *out, const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;
	if (n == 0)
		return fail(p, "empty port after ':' (remove the ':' or give a port from 1 to 65535)");
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return fail(p, "the port must be a number from 1 to 65535 "
			               "(percent-encode ':' '/' '@' in the password)");
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			break;
	}
	if (v == 0 || v > 65535)
		return fail(p, "the port must be a number from 1 to 65535");
	*out = (unsigned)v;
	return 0;
}

static int valid_ipv6(const char *h)
{
	const char *pct = strchr(h, '%');  /* zone id "fe80::1%eth0" is free text */
	size_t n = pct ? (size_t)(pct - h) : strlen(h), i, colons = 0;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == ':')
			colons++;
		else if (!isxdigit((unsigned char)h[i]) && h[i] != '.')
			return 0;
	}
	return colons >= 2 && (!pct || pct[1] != '\0');
}

static int parse_query(struct parser *p, struct rt_url *u, const char *q, size_t n)
{
	size_t i = 0, count = 1, k;
	for (k = 0; k < n; k++)
		if (q[k] == '&')
			count++;
	u->params = rt_calloc(count, sizeof(*u->params));
	if (!u->params)
		return rt_err_oom(p->err);
	while (i < n) {
		size_t item = i, eq, stop;
		char *key = NULL, *val = NULL;
		while (i < n && q[i] != '&')
			i++;
		stop = i;
		if (i < n)
			i++;
		if (stop == item)
			continue;              /* "a=1&&b=2": empty items are skipped */
		for (eq = item; eq < stop && q[eq] != '='; eq++)
			;
		if (eq == stop)
			return fail(p, "a query parameter has no '=' (write key=value)");
		if (eq == item)
			return fail(p, "a query parameter has an empty name (write key=value)");
		if (component(p, &key, q + item, eq - item, 1, "query parameter name") < 0)
			return -1;
		if (component(p, &val, q + eq + 1, stop - eq - 1, 1, "query parameter value") < 0) {
			rt_free(key);
			return -1;
		}
		if (!val) {
			/* "key=": dropped, as SQLAlchemy's parse_qsl does. */
			rt_free(key);
			continue;
		}
		u->params[u->n_params].key = key;
		u->params[u->n_params].value = val;
		u->n_params++;
	}
	return 0;
}

/*
 * The masked form of a URL that parsed: the original text with the
 * password and sensitive query values replaced.
 */
static char *mask_parsed(const char *text, size_t pw_start, size_t pw_end, size_t query)
{
	struct spans sp;
	size_t len = strlen(text);
	memset(&sp, 0, sizeof(sp));
	if (pw_start != (size_t)-1)
		span_add(&sp, pw_start, pw_end);
	if (query != (size_t)-1)
		mask_query(&sp, text, query, len);
	return apply_spans(text, &sp);
}

static int do_parse(struct parser *p, struct rt_url *u)
{
	const char *t = p->text, *sep, *r;
	size_t len = strlen(t), i, n, plus = (size_t)-1;
	size_t pw_start = (size_t)-1, pw_end = 0, query = (size_t)-1, he;

	if (len == 0)
		return rt_err_set(p->err, RT_EXIT_USAGE,
		                  "database URL is empty: set url in retort.cfg, pass --url or "
		                  "set RETORT_URL (e.g. sqlite:///app.db)");
	sep = strstr(t, "://");
	for (i = 0; t + i != sep && i < len; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '+'))
			break;
	if (sep && t + i != sep && i > 0)
		return fail(p, "the scheme may hold only letters, digits, '_' and one '+' "
		               "(e.g. mssql+odbc)");
	if (!sep || t + i != sep)
		return rt_err_set(p->err, RT_EXIT_USAGE,
		                  "database URL has no scheme: write scheme[+driver]://..., e.g. "
		                  "postgresql://user@localhost/appdb or sqlite:///app.db");
	n = (size_t)(sep - t);
	for (i = 0; i < n; i++)
		if (t[i] == '+') {
			if (plus != (size_t)-1)
				return fail(p, "more than one '+' in the scheme (write scheme+driver)");
			plus = i;
		}
	if (n == 0)
		return fail(p, "the scheme is empty (write e.g. postgresql://...)");
	if (plus == 0)
		return fail(p, "the scheme before '+' is empty (write scheme+driver)");
	if (plus == n - 1)
		return fail(p, "the driver after '+' is empty (write scheme+driver, or just scheme)");
	if (!(u->scheme = rt_strndup(t, plus != (size_t)-1 ? plus : n)))
		return rt_err_oom(p->err);
	if (plus != (size_t)-1 && !(u->driver = rt_strndup(t + plus + 1, n - plus - 1)))
		return rt_err_oom(p->err);
	for (i = 0; u->scheme[i]; i++)
		u->scheme[i] = (char)tolower((unsigned char)u->scheme[i]);
	for (i = 0; u->driver && u->driver[i]; i++)
		u->driver[i] = (char)tolower((unsigned char)u->driver[i]);

	r = sep + 3;
	n = strlen(r);

	/* userinfo; "[" starts an IPv6 host, never a user name (SQLAlchemy
	 * would take "[" as the user of "pg://[::1]:5/db?e=a@b"). */
	for (i = 0; i < n && r[i] != ':' && r[i] != '/' && r[i] != '?'; i++)
		;
	{
		const char *at = NULL;
		size_t uend = 0, hstart = 0;
		if (n > 0 && r[0] == '[') {
			/* no userinfo */
		} else if (i < n && r[i] == ':' && (at = strchr(r + i + 1, '@')) != NULL) {
			uend = i;
			pw_start = (size_t)(r - t) + i + 1;
			pw_end = (size_t)(r - t) + (size_t)(at - r);
			hstart = (size_t)(at - r) + 1;
		} else {
			size_t k;
			for (k = i; k > 0 && r[k - 1] != '@'; k--)
				;
			if (k > 0) {
				uend = k - 1;
				hstart = k;
				at = r + k - 1;
			}
		}
		if (at) {
			if (component(p, &u->user, r, uend, 0, "user name") < 0)
				return -1;
			if (pw_start != (size_t)-1 &&
			    component(p, &u->password, t + pw_start, pw_end - pw_start, 0,
			              "password") < 0)
				return -1;
			if (pw_start != (size_t)-1 && !u->password && !(u->password = rt_strdup("")))
				return rt_err_oom(p->err);
		}
		r += hstart;
		n -= hstart;
	}

	/* host and port */
	i = 0;
	if (n > 0 && r[0] == '[') {
		const char *close = memchr(r, ']', n);
		const char *slash = memchr(r, '/', n);
		if (!close || (slash && slash < close))
			return fail(p, "the IPv6 host has no closing ']' (write e.g. [::1]:5432)");
		if (component(p, &u->host, r + 1, (size_t)(close - r) - 1, 0, "host") < 0)
			return -1;
		if (!u->host || !valid_ipv6(u->host))
			return fail(p, "the host in [] is not an IPv6 address (e.g. [::1])");
		i = (size_t)(close - r) + 1;
		if (i < n && r[i] != ':' && r[i] != '/' && r[i] != '?')
			return fail(p, "unexpected text after the IPv6 host's ']'");
	} else {
		while (i < n && r[i] != ':' && r[i] != '/' && r[i] != '?')
			i++;
		he = i;
		if (memchr(r, '@', he))
			return fail(p, "'@' in the host: percent-encode '@' in the user name or "
			               "password as %40");
		if (component(p, &u->host, r, he, 0, "host") < 0)
			return -1;
	}
	if (i < n && r[i] == ':') {
		size_t ps = ++i;
		while (i < n && r[i] != '/' && r[i] != '?')
			i++;
		if (parse_port(p, &u->pub.port, r + ps, i - ps) < 0)
			return -1;
	}

	/* database */
	if (i < n && r[i] == '/') {
		size_t ds = ++i;
		while (i < n && r[i] != '?')
			i++;
		if (component(p, &u->database, r + ds, i - ds, 0, "database name") < 0)
			return -1;
	}

	/* query */
	if (i < n && r[i] == '?') {
		query = (size_t)(r - t) + i + 1;
		if (parse_query(p, u, r + i + 1, n - i - 1) < 0)
			return -1;
	}

	if (!(u->masked = mask_parsed(t, pw_start, pw_end, query)))
		return rt_err_oom(p->err);
	return 0;
}

int rt_url_parse(struct rt_url **out, const char *text, struct rt_err *err)
{
	struct parser p;
	struct rt_url *u;
	const char *s, *e;
	char *trimmed;
	int rc;

	*out = NULL;
	if (!text)
		text = "";
	/* Surrounding blanks (a newline from `$(cat file)`) are not part of it. */
	for (s = text; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	if (!(trimmed = rt_strndup(s, (size_t)(e - s))))
		return rt_err_oom(err);
	if (!(u = rt_calloc(1, sizeof(*u)))) {
		rt_free(trimmed);
		return rt_err_oom(err);
	}
	p.text = trimmed;
	p.shown = NULL;
	p.err = err;
	rc = do_parse(&p, u);
	rt_free(p.shown);
	rt_free(trimmed);
	if (rc < 0) {
		rt_url_free(u);
		return -1;
	}
	u->pub.scheme = u->scheme;
	u->pub.driver = u->driver;
	u->pub.user = u->user;
	u->pub.password = u->password;
	u->pub.host = u->host;
	u->pub.database = u->database;
	u->pub.params = u->params;
	u->pub.n_params = u->n_params;
	u->pub.masked = u->masked;
	*out = u;
	return 0;
}

char *rt_url_mask(const char *text)
{
	struct rt_url *u = NULL;
	struct rt_err err = { 0, NULL };
	char *r;
	if (!text)
		return rt_strdup("");
	if (rt_url_parse(&u, text, &err) == 0) {
		r = rt_strdup(u->masked);
		rt_url_free(u);
		return r;
	}
	rt_err_clear(&err);
	return mask_heuristic(text);
}

int rt_url_has_secret(const char *text)
{
	struct rt_url *u = NULL;
	struct rt_err err = { 0, NULL };
	char *masked;
	int r;
	size_t i;
	if (rt_url_parse(&u, text, &err) == 0) {
		r = u->password && *u->password;
		for (i = 0; !r && i < u->n_params; i++) {
			const char *k = u->params[i].key, *v = u->params[i].value;
			/* odbc_connect is masked whole, but is a secret only
			 * when it holds a PWD= */
			r = ((sensitive_key(k, strlen(k)) && strcasecmp(k, "odbc_connect") != 0) ||
			     sensitive_value(v, strlen(v))) && *v;
		}
		rt_url_free(u);
		return r;
	}
	rt_err_clear(&err);
	/* Does not parse: what the heuristic would hide counts (out of
	 * memory counts as a secret: the warning is the safe side). */
	masked = mask_heuristic(text);
	r = !masked || strcmp(masked, text) != 0;
	rt_free(masked);
	return r;
}

/* ------------------------------------------------------------ free text */

static int scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '.' || c == '-' || c == '_';
}

static int url_stop(char c)
{
	return c == '\0' || isspace((unsigned char)c) || c == '"' || c == '\'' || c == '<' ||
	       c == '>' || c == '`';
}

/* Length of a "password=" style key at p (0 if none). */
static size_t secret_key_at(const char *p)
{
	static const char *const keys[] = { "password", "passwd", "pwd", "sslpassword", NULL };
	size_t i, n;
	for (i = 0; keys[i]; i++) {
		n = strlen(keys[i]);
		if (strncasecmp(p, keys[i], n) == 0) {
			size_t k = n;
			while (p[k] == ' ')
				k++;
			if (p[k] == '=' || p[k] == ':') {
				k++;
				while (p[k] == ' ')
					k++;
				return k;
			}
		}
	}
	return 0;
}

char *rt_url_mask_text(const char *text)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *p, *copied;
	char *r;

	if (!text)
		return rt_strdup("");
	p = copied = text;
	while (*p) {
		size_t k;
		/* A URL: scheme chars before "://", up to a blank or quote. */
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			const char *start = p, *end = p + 3;
			char *tok, *masked;
			while (start > copied && scheme_char(start[-1]))
				start--;
			while (!url_stop(*end))
				end++;
			tok = rt_strndup(start, (size_t)(end - start));
			masked = tok ? rt_url_mask(tok) : NULL;
			rt_buf_put(&b, copied, (size_t)(start - copied));
			if (masked)
				rt_buf_puts(&b, masked);
			else
				b.oom = 1;
			rt_free(tok);
			rt_free(masked);
			p = copied = end;
			continue;
		}
		/* password=value, password='va lue', PWD={value}, password: value */
		if ((p == text || !isalnum((unsigned char)p[-1])) && (k = secret_key_at(p)) > 0) {
			const char *v = p + k, *end;
			if (*v == '\'' || *v == '"' || *v == '{') {
				char close = *v == '{' ? '}' : *v;
				end = strchr(v + 1, close);
				end = end ? end + 1 : v + strlen(v);
			} else {
				end = v;
				while (*end && !isspace((unsigned char)*end) && *end != ';' &&
				       *end != ',' && *end != '&')
					end++;
			}
			/* MySQL/MariaDB's "Access denied ... (using password: YES)"
			 * says whether one was sent, not what it was: keep it whole */
			if ((end - v == 4 && strncmp(v, "YES)", 4) == 0) ||
			    (end - v == 3 && strncmp(v, "NO)", 3) == 0)) {
				p = end;
				continue;
			}
			if (end > v) {
				rt_buf_put(&b, copied, (size_t)(v - copied));
				rt_buf_puts(&b, MASK);
				p = copied = end;
				continue;
			}
		}
		p++;
	}
	rt_buf_puts(&b, copied);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}
