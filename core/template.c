/* SPDX-License-Identifier: MIT */
/*
 * core/template.c - the script template renderer (${name} placeholders)
 * and Alembic's revision file names (file_template, slug).
 *
 * The file name logic reproduces alembic/script/base.py
 * ScriptDirectory._rev_path() of Alembic 1.8:
 *
 *     slug = "_".join(re.findall(r"\w+", message or "")).lower()
 *     if len(slug) > truncate_slug_length:
 *         slug = slug[:truncate_slug_length].rsplit("_", 1)[0] + "_"
 *     file_template % {"rev": ..., "slug": ..., "epoch": int(ts), "year": ...}
 *
 * `\w` and lower() are Unicode-aware in Python; we decode UTF-8 and use
 * the C.UTF-8 locale's iswalnum/towlower (lengths count code points, as
 * Python's do).  Invalid UTF-8 bytes are not word characters (Python would
 * see surrogate escapes, which are not \w either).  Known divergence: about
 * 1% of code points, mostly vowel signs and other combining marks of Indic
 * and Hebrew scripts, where glibc counts a letter and Python does not
 * (measured against Python 3.11 over all code points); such messages get a
 * slightly different, still valid, file name.
 */
#include "template.h"

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

/* ------------------------------------------------------------ ${name} */

/* 1-based line of position pos in text. */
static unsigned line_of(const char *text, const char *pos)
{
	unsigned line = 1;
	for (; text < pos; text++)
		if (*text == '\n')
			line++;
	return line;
}

int rt_template_render(char **out, const char *tmpl, const char *path,
                       const struct rt_tmpl_var *vars, size_t n_vars,
                       struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *p = tmpl;
	const char *shown = path ? path : "template";

	*out = NULL;
	while (*p) {
		const char *dollar = strchr(p, '$'), *name, *close;
		size_t n, i;
		if (!dollar) {
			rt_buf_puts(&b, p);
			break;
		}
		rt_buf_put(&b, p, (size_t)(dollar - p));
		if (dollar[1] == '$') {
			rt_buf_putc(&b, '$');
			p = dollar + 2;
			continue;
		}
		if (dollar[1] != '{') {
			/* A lone '$' (e.g. PostgreSQL's $1 or $$-quoting written
			 * as $$$$) is literal text. */
			rt_buf_putc(&b, '$');
			p = dollar + 1;
			continue;
		}
		name = dollar + 2;
		close = name;
		while (*close && *close != '}' && *close != '\n')
			close++;
		if (*close != '}') {
			rt_buf_free(&b);
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "%s:%u: unterminated ${ (write ${name}; $$ for a literal '$')",
			                  shown, line_of(tmpl, dollar));
		}
		while (name < close && (*name == ' ' || *name == '\t'))
			name++;
		n = (size_t)(close - name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
			n--;
		for (i = 0; i < n_vars; i++)
			if (strlen(vars[i].name) == n && strncmp(vars[i].name, name, n) == 0)
				break;
		if (i == n_vars) {
			struct rt_buf known = RT_BUF_INIT;
			size_t k;
			for (k = 0; k < n_vars; k++)
				rt_buf_printf(&known, "%s${%s}", k ? ", " : "", vars[k].name);
			rt_err_set(err, RT_EXIT_USAGE,
			           "%s:%u: unknown variable ${%.*s} in template (known: %s; $$ for a "
			           "literal '$')", shown, line_of(tmpl, dollar), (int)(n > 64 ? 64 : n),
			           name, known.ptr ? known.ptr : "none");
			rt_buf_free(&known);
			rt_buf_free(&b);
			return -1;
		}
		if (vars[i].value)
			rt_buf_puts(&b, vars[i].value);
		p = close + 1;
	}
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	*out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return *out ? 0 : rt_err_oom(err);
}

/* ------------------------------------------------------------ slug */

/* Decode one UTF-8 sequence at s; *len gets its length (>= 1).  Invalid
 * sequences yield (unsigned)-1 with length 1. */
static unsigned utf8_next(const unsigned char *s, size_t *len)
{
	unsigned c = s[0], cp;
	size_t n, i;
	if (c < 0x80) {
		*len = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		*len = 1;
		return (unsigned)-1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return (unsigned)-1;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
		*len = 1;
		return (unsigned)-1;
	}
	*len = n;
	return cp;
}

static void utf8_put(struct rt_buf *b, unsigned cp)
{
	char s[4];
	if (cp < 0x80) {
		s[0] = (char)cp;
		rt_buf_put(b, s, 1);
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3f));
		rt_buf_put(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		rt_buf_put(b, s, 3);
	} else {
		s[0] = (char)(0xf0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		rt_buf_put(b, s, 4);
	}
}

/* The C.UTF-8 locale for Unicode classification, made once (or (locale_t)0). */
static locale_t utf8_locale(void)
{
	static int tried;
	static locale_t loc;
	if (!tried) {
		tried = 1;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		if (!loc)
			loc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
		if (!loc)
			loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
	}
	return loc;
}

/*
 * Python's \w is letters (L*), numbers (Nd, Nl, No) and '_'; glibc's
 * iswalnum also counts combining marks and a few symbols, and misses some
 * No numerals.  Patch the common cases: combining diacritics (decomposed
 * accents, as typed on macOS), circled letters, superscript, subscript and
 * fraction numerals.
 */
static int python_word_override(unsigned cp)
{
	if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f) || (cp >= 0x24b6 && cp <= 0x24e9))
		return 0;
	if (cp == 0xb2 || cp == 0xb3 || cp == 0xb9 || (cp >= 0xbc && cp <= 0xbe) ||
	    cp == 0x2070 || (cp >= 0x2074 && cp <= 0x2079) || (cp >= 0x2080 && cp <= 0x2089) ||
	    (cp >= 0x2150 && cp <= 0x215f) || (cp >= 0x2460 && cp <= 0x249b) ||
	    (cp >= 0x24ea && cp <= 0x24ff) || (cp >= 0x2776 && cp <= 0x2793))
		return 1;
	return -1;
}

static int is_word(unsigned cp, locale_t loc)
{
	int o;
	if (cp == (unsigned)-1)
		return 0;
	if (cp < 0x80)
		return isalnum((int)cp) || cp == '_';
	if ((o = python_word_override(cp)) >= 0)
		return o;
	/* Without a Unicode locale, count every non-ASCII character as a
	 * letter: closer to Python than dropping accented letters. */
	return loc ? iswalnum_l((wint_t)cp, loc) : 1;
}

static unsigned to_lower(unsigned cp, locale_t loc)
{
	if (cp < 0x80)
		return (unsigned)tolower((int)cp);
	return loc ? (unsigned)towlower_l((wint_t)cp, loc) : cp;
}

/*
 * Build Alembic's slug of `message` into *out (code points joined "_",
 * lowered, truncated at a word boundary).
 */
static int make_slug(char **out, const char *message, int tsl)
{
	struct rt_buf b = RT_BUF_INIT;
	const unsigned char *s = (const unsigned char *)(message ? message : "");
	locale_t loc = utf8_locale();
	size_t ncp = 0, len;
	int in_word = 0;
	unsigned cp;

	*out = NULL;
	/* "_".join(findall(r"\w+")).lower() */
	while (*s) {
		cp = utf8_next(s, &len);
		s += len;
		if (is_word(cp, loc)) {
			if (!in_word && b.len > 0) {
				rt_buf_putc(&b, '_');
				ncp++;
			}
			utf8_put(&b, to_lower(cp, loc));
			ncp++;
			in_word = 1;
		} else {
			in_word = 0;
		}
	}
	if (b.oom) {
		rt_buf_free(&b);
		return -1;
	}
	if (tsl <= 0)
		tsl = 40;                   /* Alembic: truncate_slug_length or 40 */
	if (ncp > (size_t)tsl) {
		/* slug[:tsl].rsplit("_", 1)[0] + "_" */
		const unsigned char *p = (const unsigned char *)(b.ptr ? b.ptr : "");
		size_t i, cut = 0, last_us = (size_t)-1;
		for (i = 0; i < (size_t)tsl; i++) {
			utf8_next(p + cut, &len);
			if (p[cut] == '_')
				last_us = cut;
			cut += len;
		}
		if (last_us != (size_t)-1)
			cut = last_us;
		b.len = cut;
		b.ptr[cut] = '\0';
		rt_buf_putc(&b, '_');
		if (b.oom) {
			rt_buf_free(&b);
			return -1;
		}
	}
	*out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return *out ? 0 : -1;
}

/* ------------------------------------------------------------ file_template */

static int tmpl_error(struct rt_err *err, const char *what, const char *tmpl)
{
	return rt_err_set(err, RT_EXIT_USAGE,
	                  "file_template \"%s\": %s (tokens: %%(rev)s %%(slug)s %%(year)d "
	                  "%%(month).2d %%(day).2d %%(hour).2d %%(minute).2d %%(second).2d "
	                  "%%(epoch)s; %%%% for '%%')", tmpl, what);
}

int rt_template_filename(char **out, const char *file_template,
                         const char *rev, const char *message,
                         int truncate_slug_length, long long when, int utc,
                         struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	char *slug = NULL, *r;
	const char *p;
	struct tm tm;
	time_t t = (time_t)when;
	int rc = -1;

	*out = NULL;
	if (!file_template || !*file_template)
		file_template = "%(rev)s_%(slug)s";
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
		return rt_err_set(err, RT_EXIT_USAGE, "cannot convert time %lld to a date", when);
	if (make_slug(&slug, message, truncate_slug_length) < 0)
		return rt_err_oom(err);

	for (p = file_template; *p; p++) {
		const char *name, *close, *spec, *sv = NULL;
		char fmt[48], conv;
		long long iv = 0;
		size_t n, fl;
		int is_int;

		if (*p != '%') {
			rt_buf_putc(&b, *p);
			continue;
		}
		if (p[1] == '%') {
			rt_buf_putc(&b, '%');
			p++;
			continue;
		}
		if (p[1] != '(') {
			tmpl_error(err, "every % must name a token, as %(rev)s", file_template);
			goto done;
		}
		name = p + 2;
		if (!(close = strchr(name, ')'))) {
			tmpl_error(err, "unterminated %(", file_template);
			goto done;
		}
		n = (size_t)(close - name);
#define IS(tok) (n == sizeof(tok) - 1 && strncmp(name, tok, n) == 0)
		is_int = 1;
		if (IS("rev")) {
			sv = rev ? rev : "";
			is_int = 0;
		} else if (IS("slug")) {
			sv = slug;
			is_int = 0;
		} else if (IS("epoch"))
			iv = when;
		else if (IS("year"))
			iv = tm.tm_year + 1900LL;
		else if (IS("month"))
			iv = tm.tm_mon + 1;
		else if (IS("day"))
			iv = tm.tm_mday;
		else if (IS("hour"))
			iv = tm.tm_hour;
		else if (IS("minute"))
			iv = tm.tm_min;
		else if (IS("second"))
			iv = tm.tm_sec;
		else {
			char *what = rt_sprintf("unknown token %%(%.*s)", (int)(n > 40 ? 40 : n), name);
			if (!what) {
				rt_err_oom(err);
				goto done;
			}
			tmpl_error(err, what, file_template);
			rt_free(what);
			goto done;
		}
#undef IS
		/* Python conversion spec: flags, width, .precision, [hlL], type. */
		spec = close + 1;
		fl = strspn(spec, "#0- +");
		fl += strspn(spec + fl, "0123456789");
		if (spec[fl] == '.') {
			fl++;
			fl += strspn(spec + fl, "0123456789");
		}
		if (fl > 20) {
			tmpl_error(err, "conversion spec too long", file_template);
			goto done;
		}
		conv = spec[fl + strspn(spec + fl, "hlL")];
		if (!conv || !strchr("sdiuxXor", conv)) {
			tmpl_error(err, "unsupported conversion (use s or d, e.g. %(rev)s, "
			                "%(month).2d)", file_template);
			goto done;
		}
		if (!is_int && conv != 's' && conv != 'r') {
			tmpl_error(err, "rev and slug are text: write %(rev)s and %(slug)s",
			           file_template);
			goto done;
		}
		if (is_int && conv == 'r')
			conv = 's';
		if (conv == 's' || conv == 'r') {
			char num[32];
			if (is_int) {
				snprintf(num, sizeof(num), "%lld", iv);
				sv = num;
			}
			snprintf(fmt, sizeof(fmt), "%%%.*s%s", (int)fl, spec,
			         conv == 'r' ? "s" : "s");
			if (conv == 'r') {
				/* repr() of a str: quoted. */
				struct rt_buf q = RT_BUF_INIT;
				rt_buf_printf(&q, "'%s'", sv);
				if (q.oom || rt_buf_printf(&b, fmt, q.ptr) < 0) {
					rt_buf_free(&q);
					rt_err_oom(err);
					goto done;
				}
				rt_buf_free(&q);
			} else {
				rt_buf_printf(&b, fmt, sv);
			}
		} else {
			if (conv == 'i' || conv == 'u')
				conv = 'd';
			snprintf(fmt, sizeof(fmt), "%%%.*sll%c", (int)fl, spec, conv);
			rt_buf_printf(&b, fmt, iv);
		}
		p = spec + fl + strspn(spec + fl, "hlL");
	}
	if (b.oom) {
		rt_err_oom(err);
		goto done;
	}
	if (b.len == 0 || strchr(b.ptr, '/') || strcmp(b.ptr, ".") == 0 ||
	    strcmp(b.ptr, "..") == 0) {
		tmpl_error(err, "the file name it makes is empty, \".\", \"..\" or holds a '/'",
		           file_template);
		goto done;
	}
	if (b.len > 250) {
		tmpl_error(err, "the file name it makes is longer than 250 bytes (lower "
		                "truncate_slug_length)", file_template);
		goto done;
	}
	if (!(r = rt_buf_detach(&b))) {
		rt_err_oom(err);
		goto done;
	}
	*out = r;
	rc = 0;
done:
	rt_buf_free(&b);
	rt_free(slug);
	return rc;
}
