/* SPDX-License-Identifier: MIT */
/*
 * core/script.c - parse migration script files and load a script directory
 * into a revision graph.  See script.h for the format.
 *
 * A script has two parts: the header (every line before the first
 * `-- retort:upgrade` or `-- retort:downgrade` marker) and the sections.
 * Commands that only need the graph read only headers: each file is
 * opened, read once into a buffer that is reused for every file (a
 * typical header fits the first read; a longer one is read on until its
 * end) and closed, and the header's fields are copied into the graph's
 * arena.  A script's sections are read when a run executes it
 * (rt_script_read).  One parser serves both, so a header reads the same
 * whichever way it was read.
 */
#include "script.h"
#include "xargs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* The first read of each script; a header longer than this reads on. */
#define SCAN_READ 4096
/* What a run's scan keeps of the scripts its first reads returned whole. */
#define KEEP_BUDGET (16u * 1024 * 1024)

/*
 * A script's whole text as a run's scan read it (the payload of its
 * revision): rt_script_read uses it instead of reading the file again once
 * a stat shows the file still has exactly this size.
 */
struct kept {
	size_t len;
	char text[1];
};

void rt_script_free(void *p)
{
	struct rt_script *s = p;
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->n_sections; i++)
		rt_free(s->sections[i].dialect);
	rt_free(s->sections);
	rt_free(s->text);
	rt_free(s->path);
	rt_free(s);
}

/* ASCII whitespace, as isspace() in the C locale (scripts are bytes). */
static int is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* [A-Za-z0-9_] as a bit per byte value */
static const unsigned char id_chars[32] = {
	0, 0, 0, 0, 0, 0, 0xff, 0x03,       /* 0-9 */
	0xfe, 0xff, 0xff, 0x87, 0xfe, 0xff, 0xff, 0x07, /* A-Z _ a-z */
};

static int valid_id_n(const char *id, size_t n)
{
	size_t i;
	if (!n || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (!(id_chars[c >> 3] & (1u << (c & 7))))
			return 0;
	}
	return 1;
}

int rt_script_valid_id(const char *id)
{
	return id && valid_id_n(id, strlen(id));
}

/* ------------------------------------------------------------ lines */

/* A line's text without its end of line (handles CRLF). */
struct line {
	const char *p;
	size_t len;
};

static int is_blank(const char *p, size_t n)
{
	while (n--)
		if (!is_space((unsigned char)*p++))
			return 0;
	return 1;
}

/* If the line is "-- retort:<word> [arg]", return 1 and the word and arg. */
static int marker(const struct line *l, const char **word, size_t *wlen,
                  const char **arg, size_t *alen)
{
	const char *p = l->p, *e = l->p + l->len;
	while (p < e && is_space((unsigned char)*p))
		p++;
	if (e - p < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	p += 2;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(e - p) < 7 || memcmp(p, "retort:", 7) != 0)
		return 0;
	p += 7;
	*word = p;
	while (p < e && !is_space((unsigned char)*p))
		p++;
	*wlen = (size_t)(p - *word);
	while (p < e && is_space((unsigned char)*p))
		p++;
	while (e > p && is_space((unsigned char)e[-1]))
		e--;
	*arg = p;
	*alen = (size_t)(e - p);
	return 1;
}

static int word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* "transaction on|off" and "expand on|off": 1 off, 0 on, -1 neither
 * (error set). */
static int on_off_arg(const char *what, const char *arg, size_t alen, const char *path,
                      unsigned lineno, struct rt_err *err)
{
	if (alen == 3 && strncasecmp(arg, "off", 3) == 0)
		return 1;
	if (alen == 2 && strncasecmp(arg, "on", 2) == 0)
		return 0;
	return rt_err_set(err, RT_EXIT_USAGE, "%s:%u: '-- retort:%s' takes 'on' or "
	                  "'off', not '%.*s'", path, lineno, what, (int)alen, arg);
}

static int transaction_arg(const char *arg, size_t alen, const char *path, unsigned lineno,
                           struct rt_err *err)
{
	return on_off_arg("transaction", arg, alen, path, lineno, err);
}

static int expand_arg(const char *arg, size_t alen, const char *path, unsigned lineno,
                      struct rt_err *err)
{
	return on_off_arg("expand", arg, alen, path, lineno, err);
}

static int unknown_marker(const char *word, size_t wlen, const char *path, unsigned lineno,
                          struct rt_err *err)
{
	return rt_err_set(err, RT_EXIT_USAGE,
	                  "%s:%u: unknown marker '-- retort:%.*s'; expected "
	                  "'-- retort:upgrade', '-- retort:downgrade', "
	                  "'-- retort:transaction off' or '-- retort:expand off'", path, lineno,
	                  (int)wlen, word);
}

/* ------------------------------------------------------------ header */

/* Header keys we understand, compared case-insensitively. */
enum hdr { H_MESSAGE, H_REVISION, H_REVISES, H_DATE, H_LABELS, H_DEPENDS, H_COUNT, H_NONE };

static const char *const hdr_names[H_COUNT] = {
	"Message", "Revision ID", "Revises", "Create Date", "Branch Labels", "Depends On",
};

/* ASCII case-insensitive equality of k[0, n) with the lowercase `name`. */
static int key_is(const char *k, const char *name, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)name[i])
			return 0;
	}
	return 1;
}

/* Keys are tried as written first (the common case: a memcmp of constant
 * length, which the compiler inlines), then case-insensitively. */
static enum hdr header_key(const char *k, size_t n)
{
	switch (n) {
	case 7:
		if (memcmp(k, "Message", 7) == 0)
			return H_MESSAGE;
		if (memcmp(k, "Revises", 7) == 0)
			return H_REVISES;
		return key_is(k, "message", 7) ? H_MESSAGE : key_is(k, "revises", 7) ? H_REVISES
		       : H_NONE;
	case 10:
		if (memcmp(k, "Depends On", 10) == 0)
			return H_DEPENDS;
		return key_is(k, "depends on", 10) ? H_DEPENDS : H_NONE;
	case 11:
		if (memcmp(k, "Revision ID", 11) == 0)
			return H_REVISION;
		if (memcmp(k, "Create Date", 11) == 0)
			return H_DATE;
		return key_is(k, "revision id", 11) ? H_REVISION
		       : key_is(k, "create date", 11) ? H_DATE : H_NONE;
	case 13:
		if (memcmp(k, "Branch Labels", 13) == 0)
			return H_LABELS;
		return key_is(k, "branch labels", 13) ? H_LABELS : H_NONE;
	}
	return H_NONE;
}

/* Where each field's value (trimmed) is in the text; offsets survive the
 * buffer being moved when a long header is read on. */
struct header {
	int have[H_COUNT];
	size_t off[H_COUNT], len[H_COUNT];
	int transaction_off;  /* "-- retort:transaction off" among the header lines */
	int expand_off;       /* "-- retort:expand off" among them */
	size_t start;         /* 3 after a UTF-8 byte order mark, else 0 */
	size_t end;           /* offset of the first section marker line, or the length */
	unsigned end_line;    /* lines before it */
	int has_marker;       /* a section marker ends the header */
};

static int nul_error(const char *path, struct rt_err *err)
{
	return rt_err_set(err, RT_EXIT_USAGE, "%s: contains a NUL byte; is it a text file?", path);
}

/*
 * Parse the header lines of text[0, len).  Returns 1 when the header is
 * complete (its ending marker line was seen whole, or at_eof), 0 when
 * more text is needed, -1 on an error naming path:line.  A NUL byte in
 * the header is the error whatever else is wrong after it.
 */
static int parse_header(struct header *h, const char *text, size_t len, int at_eof,
                        const char *path, struct rt_err *err)
{
	size_t pos, line_end = 0;
	unsigned lineno = 0;

	memset(h, 0, sizeof(*h));
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		h->start = 3;
	else if (!at_eof && len < 3 && memcmp(text, "\xEF\xBB\xBF", len) == 0)
		return 0;
	for (pos = h->start; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		const char *p = text + pos, *e = nl ? nl : text + len, *q;
		size_t next = nl ? (size_t)(nl - text) + 1 : len;

		if (!nl && !at_eof)
			return 0; /* a line cut by the end of the read: read on */
		line_end = next;
		if (e > p && e[-1] == '\r')
			e--;
		lineno++;
		while (p < e && is_space((unsigned char)*p))
			p++;
		if (p == e) { /* blank */
			pos = next;
			continue;
		}
		if (e - p < 2 || p[0] != '-' || p[1] != '-') {
			rt_err_set(err, RT_EXIT_USAGE,
			           "%s:%u: SQL before the first '-- retort:upgrade' marker; put "
			           "statements in a '-- retort:upgrade' or '-- retort:downgrade' "
			           "section", path, lineno);
			goto fail;
		}
		q = p + 2;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (e - q >= 7 && memcmp(q, "retort:", 7) == 0) {
			struct line l;
			const char *word, *arg;
			size_t wlen, alen;
			l.p = p;
			l.len = (size_t)(e - p);
			marker(&l, &word, &wlen, &arg, &alen);
			if (word_is(word, wlen, "upgrade") || word_is(word, wlen, "downgrade")) {
				h->end = pos;
				h->end_line = lineno - 1;
				h->has_marker = 1;
				goto complete;
			}
			if (word_is(word, wlen, "expand")) {
				if ((h->expand_off = expand_arg(arg, alen, path, lineno, err)) < 0)
					goto fail;
			} else if (!word_is(word, wlen, "transaction")) {
				unknown_marker(word, wlen, path, lineno, err);
				goto fail;
			} else if ((h->transaction_off = transaction_arg(arg, alen, path, lineno,
			                                                 err)) < 0) {
				goto fail;
			}
		} else {
			/* "-- Key: value"; other comments are free-form */
			const char *k, *colon;
			while (q < e && is_space((unsigned char)*q))
				q++;
			k = q;
			colon = memchr(q, ':', (size_t)(e - q));
			if (colon) {
				const char *ke = colon, *v = colon + 1, *ve = e;
				enum hdr key;
				while (ke > k && is_space((unsigned char)ke[-1]))
					ke--;
				key = header_key(k, (size_t)(ke - k));
				if (key != H_NONE) {
					while (v < ve && is_space((unsigned char)*v))
						v++;
					while (ve > v && is_space((unsigned char)ve[-1]))
						ve--;
					if (h->have[key]) {
						rt_err_set(err, RT_EXIT_USAGE, "%s:%u: '%s' is given twice; "
						           "keep one", path, lineno, hdr_names[key]);
						goto fail;
					}
					if (key == H_REVISION && !valid_id_n(v, (size_t)(ve - v))) {
						rt_err_set(err, RT_EXIT_USAGE,
						           "%s:%u: revision id '%.*s' is not valid; use 1 "
						           "to 32 characters of [A-Za-z0-9_]", path, lineno,
						           (int)(ve - v), v);
						goto fail;
					}
					h->have[key] = 1;
					h->off[key] = (size_t)(v - text);
					h->len[key] = (size_t)(ve - v);
				}
			}
		}
		pos = next;
	}
	if (!at_eof)
		return 0;
	h->end = len;
	h->end_line = lineno;
complete:
	if (memchr(text + h->start, '\0', h->end - h->start))
		return nul_error(path, err);
	return 1;
fail:
	/* a NUL byte up to the end of the failing line is the error to report */
	if (memchr(text + h->start, '\0', line_end - h->start))
		return nul_error(path, err);
	return -1;
}

/* The required fields; errors as the full parse reports them. */
static int header_complete(const struct header *h, const char *path, struct rt_err *err)
{
	if (!h->have[H_REVISION])
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "%s: no '-- Revision ID: <id>' header line; every script needs one "
		                  "before its first '-- retort:' marker (retort revision writes it)",
		                  path);
	if (!h->have[H_REVISES])
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "%s: no '-- Revises:' header line; write '-- Revises:' with nothing "
		                  "after it for a base revision, or the parent revision id(s)", path);
	return 0;
}

/*
 * Comma-separated items of a value, blanks trimmed, empty items dropped
 * (as rt_strvec_split_csv): calls fn for each, returns the count.
 */
static size_t csv_items(const char *s, size_t n,
                        void (*fn)(void *ctx, size_t i, const char *p, size_t len), void *ctx)
{
	const char *p = s, *end = s + n;
	size_t count = 0;
	if (!memchr(s, ',', n)) { /* one item, already trimmed (header values are) */
		while (p < end && is_space((unsigned char)*p))
			p++;
		while (end > p && is_space((unsigned char)end[-1]))
			end--;
		if (end > p && fn)
			fn(ctx, 0, p, (size_t)(end - p));
		return end > p;
	}
	while (p < end) {
		const char *a = p, *b;
		while (p < end && *p != ',')
			p++;
		b = p;
		while (a < b && is_space((unsigned char)*a))
			a++;
		while (b > a && is_space((unsigned char)b[-1]))
			b--;
		if (b > a) {
			if (fn)
				fn(ctx, count, a, (size_t)(b - a));
			count++;
		}
		if (p < end)
			p++;
	}
	return count;
}

struct arena_csv {
	struct rt_graph *g;
	struct rt_strvec *out;
	int oom;
};

static void arena_item(void *ctx, size_t i, const char *p, size_t len)
{
	struct arena_csv *c = ctx;
	if (!(c->out->v[i] = rt_graph_strndup(c->g, p, len)))
		c->oom = 1;
}

/* A field as a vector in the graph's arena. */
static int arena_list(struct rt_graph *g, struct rt_strvec *out, const struct header *h,
                      const char *text, enum hdr key)
{
	struct arena_csv c;
	const char *v = text + h->off[key];
	size_t n;
	memset(out, 0, sizeof(*out));
	if (!h->have[key] || !h->len[key])
		return 0;
	if (!memchr(v, ',', h->len[key])) { /* the common case: one item, the value (trimmed) */
		if (!(out->v = rt_graph_alloc(g, sizeof(char *))) ||
		    !(out->v[0] = rt_graph_strndup(g, v, h->len[key])))
			return -1;
		out->n = out->cap = 1;
		return 0;
	}
	if (!(n = csv_items(v, h->len[key], NULL, NULL)))
		return 0;
	if (!(out->v = rt_graph_alloc(g, n * sizeof(char *))))
		return -1;
	c.g = g;
	c.out = out;
	c.oom = 0;
	csv_items(text + h->off[key], h->len[key], arena_item, &c);
	out->n = out->cap = n;
	return c.oom ? -1 : 0;
}

static int arena_field(struct rt_graph *g, char **out, const struct header *h, const char *text,
                       enum hdr key)
{
	*out = NULL;
	return h->have[key] && !(*out = rt_graph_strndup(g, text + h->off[key], h->len[key]))
	       ? -1 : 0;
}

/* A revision in the graph's arena from a parsed header. */
static int arena_revision(struct rt_revision **out, struct rt_graph *g, const struct header *h,
                          const char *text, char *path)
{
	struct rt_revision *r = rt_graph_revision_new(g);
	*out = r;
	if (!r)
		return -1;
	r->path = path;
	return arena_field(g, &r->id, h, text, H_REVISION) < 0 ||
	       arena_field(g, &r->message, h, text, H_MESSAGE) < 0 ||
	       arena_field(g, &r->create_date, h, text, H_DATE) < 0 ||
	       arena_list(g, &r->down, h, text, H_REVISES) < 0 ||
	       arena_list(g, &r->branch_labels, h, text, H_LABELS) < 0 ||
	       arena_list(g, &r->depends_on, h, text, H_DEPENDS) < 0 ? -1 : 0;
}

struct heap_csv {
	struct rt_strvec *out;
	int oom;
};

static void heap_item(void *ctx, size_t i, const char *p, size_t len)
{
	struct heap_csv *c = ctx;
	(void)i;
	if (!c->oom && rt_strvec_push_owned(c->out, rt_strndup(p, len)) < 0)
		c->oom = 1;
}

static int heap_list(struct rt_strvec *out, const struct header *h, const char *text, enum hdr key)
{
	struct heap_csv c = { out, 0 };
	if (h->have[key])
		csv_items(text + h->off[key], h->len[key], heap_item, &c);
	return c.oom ? -1 : 0;
}

static int heap_field(char **out, const struct header *h, const char *text, enum hdr key)
{
	*out = NULL;
	return h->have[key] && !(*out = rt_strndup(text + h->off[key], h->len[key])) ? -1 : 0;
}

/* ------------------------------------------------------------ sections */

static int add_section(struct rt_script *s, int upgrade, const char *dialect, size_t dlen,
                       size_t offset, unsigned first_line, unsigned marker_line,
                       struct rt_err *err)
{
	struct rt_section *sec;
	size_t i;
	for (i = 0; i < s->n_sections; i++) {
		const struct rt_section *o = &s->sections[i];
		if (o->upgrade == upgrade &&
		    ((!o->dialect && !dlen) ||
		     (o->dialect && dlen && strlen(o->dialect) == dlen &&
		      strncmp(o->dialect, dialect, dlen) == 0)))
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "%s:%u: a second '-- retort:%s%s%.*s' section; a script has "
			                  "one per direction and dialect",
			                  s->path, marker_line, upgrade ? "upgrade" : "downgrade",
			                  dlen ? " " : "", (int)dlen, dialect);
	}
	sec = rt_realloc(s->sections, (s->n_sections + 1) * sizeof(*sec));
	if (!sec)
		return rt_err_oom(err);
	s->sections = sec;
	sec = &s->sections[s->n_sections];
	memset(sec, 0, sizeof(*sec));
	sec->upgrade = upgrade;
	sec->offset = offset;
	sec->len = 0;
	sec->first_line = first_line;
	if (dlen && !(sec->dialect = rt_strndup(dialect, dlen)))
		return rt_err_oom(err);
	s->n_sections++;
	return 0;
}

/* The sections of s->text from the header's end on. */
static int parse_sections(struct rt_script *s, const struct header *h, struct rt_err *err)
{
	const char *text = s->text;
	size_t len = s->len, pos = h->end;
	unsigned lineno = h->end_line;
	int in_section = 0;

	s->transaction_off = h->transaction_off;
	s->expand_off = h->expand_off;
	while (pos < len) {
		struct line l;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - text) + 1 : len;
		const char *word, *arg;
		size_t wlen, alen;

		l.p = text + pos;
		l.len = (nl ? (size_t)(nl - text) : len) - pos;
		if (l.len && l.p[l.len - 1] == '\r')
			l.len--;
		lineno++;

		if (marker(&l, &word, &wlen, &arg, &alen)) {
			if (in_section) /* close the open section before this marker */
				s->sections[s->n_sections - 1].len =
					pos - s->sections[s->n_sections - 1].offset;
			if (word_is(word, wlen, "upgrade") || word_is(word, wlen, "downgrade")) {
				if (add_section(s, wlen == 7, arg, alen, next, lineno + 1, lineno, err) < 0)
					return -1;
				in_section = 1;
			} else if (word_is(word, wlen, "transaction")) {
				int off = transaction_arg(arg, alen, s->path, lineno, err);
				if (off < 0)
					return -1;
				s->transaction_off = off;
				in_section = 0; /* the option line ends the section */
			} else if (word_is(word, wlen, "expand")) {
				int off = expand_arg(arg, alen, s->path, lineno, err);
				if (off < 0)
					return -1;
				s->expand_off = off;
				in_section = 0;
			} else {
				return unknown_marker(word, wlen, s->path, lineno, err);
			}
		} else if (!in_section && !is_blank(l.p, l.len)) {
			const char *p = l.p;
			while (is_space((unsigned char)*p))
				p++;
			if (!(p[0] == '-' && p[1] == '-'))
				return rt_err_set(err, RT_EXIT_USAGE,
				                  "%s:%u: SQL outside a section (after "
				                  "'-- retort:transaction' or '-- retort:expand'); put it under "
				                  "'-- retort:upgrade' or '-- retort:downgrade'",
				                  s->path, lineno);
		}
		pos = next;
	}
	if (in_section)
		s->sections[s->n_sections - 1].len = len - s->sections[s->n_sections - 1].offset;
	return 0;
}

/*
 * A whole script: header, then sections, then the required fields.  The
 * script takes `text` (len bytes, NUL-terminated, from rt_malloc), also on
 * failure.
 */
static int parse_script_owned(struct rt_script **out, struct header *h, const char *path,
                              char *text, size_t len, struct rt_err *err)
{
	struct rt_script *s = NULL;
	*out = NULL;
	if (!(s = rt_calloc(1, sizeof(*s))) || !(s->path = rt_strdup(path))) {
		rt_free(text);
		rt_script_free(s);
		return rt_err_oom(err);
	}
	s->text = text;
	s->len = len;
	if (memchr(text, '\0', len)) {
		rt_script_free(s);
		return nul_error(path, err);
	}
	if (parse_header(h, s->text, len, 1, path, err) < 0 || parse_sections(s, h, err) < 0 ||
	    header_complete(h, path, err) < 0) {
		rt_script_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int parse_script(struct rt_script **out, struct header *h, const char *path,
                        const char *text, size_t len, struct rt_err *err)
{
	char *copy = rt_strndup(text, len);
	*out = NULL;
	if (!copy)
		return rt_err_oom(err);
	return parse_script_owned(out, h, path, copy, len, err);
}

int rt_script_parse(struct rt_revision **out, const char *path, const char *text, size_t len,
                    struct rt_err *err)
{
	struct rt_revision *rev = NULL;
	struct rt_script *s = NULL;
	struct header h;

	*out = NULL;
	if (parse_script(&s, &h, path, text, len, err) < 0)
		return -1;
	text = s->text;
	if (!(rev = rt_calloc(1, sizeof(*rev))) || !(rev->path = rt_strdup(path)) ||
	    heap_field(&rev->id, &h, text, H_REVISION) < 0 ||
	    heap_field(&rev->message, &h, text, H_MESSAGE) < 0 ||
	    heap_field(&rev->create_date, &h, text, H_DATE) < 0 ||
	    heap_list(&rev->down, &h, text, H_REVISES) < 0 ||
	    heap_list(&rev->branch_labels, &h, text, H_LABELS) < 0 ||
	    heap_list(&rev->depends_on, &h, text, H_DEPENDS) < 0) {
		rt_script_free(s);
		rt_revision_free(rev, NULL);
		return rt_err_oom(err);
	}
	rev->payload = s;
	*out = rev;
	return 0;
}

const struct rt_section *rt_script_section(const struct rt_script *s, int upgrade,
                                           const char *scheme, const char *dialect)
{
	const struct rt_section *generic = NULL, *by_dialect = NULL;
	size_t i;
	for (i = 0; i < s->n_sections; i++) {
		const struct rt_section *sec = &s->sections[i];
		if (sec->upgrade != upgrade)
			continue;
		if (!sec->dialect)
			generic = sec;
		else if (scheme && strcmp(sec->dialect, scheme) == 0)
			return sec;
		else if (dialect && strcmp(sec->dialect, dialect) == 0)
			by_dialect = sec;
	}
	return by_dialect ? by_dialect : generic;
}

int rt_script_section_text(const char **text, size_t *len, char **owned,
                           const struct rt_script *s, const struct rt_section *sec,
                           const struct rt_strvec *x, struct rt_err *err)
{
	size_t n = 0;
	*owned = NULL;
	*text = s->text + sec->offset;
	*len = sec->len;
	if (s->expand_off)
		return 0;
	if (rt_xargs_expand_sql(owned, &n, *text, *len, x, s->path, sec->first_line, err) < 0)
		return -1;
	if (*owned) {
		*text = *owned;
		*len = n;
	}
	return 0;
}

/* ------------------------------------------------------------ reading */

/* A growable read buffer, reused for every file of a scan. */
struct rbuf {
	char *p;
	size_t cap;
};

/*
 * Read from fd into b->p + *len: returns the bytes read (0 at end of file),
 * growing the buffer first when it is full; -1 with err set.
 */
static ssize_t read_more(int fd, struct rbuf *b, size_t *len, const char *path, struct rt_err *err)
{
	ssize_t n;
	if (*len == b->cap || b->cap < SCAN_READ) {
		size_t cap = b->cap < SCAN_READ ? SCAN_READ : b->cap * 2;
		char *p = cap > b->cap ? rt_realloc(b->p, cap + 1) : NULL;
		if (!p)
			return rt_err_oom(err);
		b->p = p;
		b->cap = cap;
	}
	do
		n = read(fd, b->p + *len, b->cap - *len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	*len += (size_t)n;
	return n;
}

static int open_error(const char *path, struct rt_err *err)
{
	return rt_err_set(err, RT_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
}

/* The whole file (fd is closed). */
static int read_all(int fd, struct rbuf *b, size_t *len, const char *path, struct rt_err *err)
{
	ssize_t n;
	*len = 0;
	while ((n = read_more(fd, b, len, path, err)) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

int rt_script_read(struct rt_script **out, const struct rt_revision *rev, struct rt_err *err)
{
	struct rbuf b = { NULL, 0 };
	struct header h;
	size_t len = 0;
	int fd;

	*out = NULL;
	if (!rev->path)
		return rt_err_set(err, RT_EXIT_USAGE, "revision %s has no script file", rev->id);
	if (rev->payload) {
		/* the scan's one read returned the whole file: if the file still
		 * has that size, those are its bytes (else read it again) */
		const struct kept *k = rev->payload;
		struct stat st;
		if (stat(rev->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
		    (unsigned long long)st.st_size == k->len) {
			if (!(b.p = rt_malloc(k->len + 1)))
				return rt_err_oom(err);
			memcpy(b.p, k->text, k->len + 1);
			len = k->len;
			goto parse;
		}
	}
	fd = open(rev->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return open_error(rev->path, err);
	if (read_all(fd, &b, &len, rev->path, err) < 0) {
		rt_free(b.p);
		return -1;
	}
	b.p[len] = '\0'; /* read_more keeps a byte for it */
parse:
	if (parse_script_owned(out, &h, rev->path, b.p, len, err) < 0)
		return -1;
	if (h.len[H_REVISION] != strlen(rev->id) ||
	    memcmp((*out)->text + h.off[H_REVISION], rev->id, h.len[H_REVISION]) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: its Revision ID is now '%.*s', not %s: was it "
		           "edited during the run?", rev->path, (int)h.len[H_REVISION],
		           (*out)->text + h.off[H_REVISION], rev->id);
		rt_script_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ scanning */

struct entry {
	unsigned long long key;  /* first 8 bytes of the name, big-endian */
	char *path;              /* dir/name, in the graph's arena */
	unsigned name;           /* offset of the name in path */
	unsigned dir;            /* index in the directory list */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->path + x->name, y->path + y->name);
}

struct scan {
	struct rt_graph *g;
	size_t keep;             /* bytes of whole scripts still to keep (a run's scan) */
	DIR **dirs;
	size_t n_dirs;
	struct entry *e;
	size_t n, cap;
	struct rbuf buf;
};

static int ends_with_sql(const char *name, size_t n)
{
	return n > 4 && memcmp(name + n - 4, ".sql", 4) == 0;
}

/* Every *.sql entry of one directory (no stat: the entry's type suffices). */
static int list_dir(struct scan *sc, const char *dir, unsigned index, struct rt_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t dlen = strlen(dir);
	int slash = dlen && dir[dlen - 1] != '/';
	if (!d)
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "cannot read script directory %s: %s; check script_location in "
		                  "the config or run `retort init`", dir, strerror(errno));
	sc->dirs[index] = d;
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t nlen = strlen(de->d_name), j;
		struct entry *e;
		char *path;
		if (de->d_name[0] == '.' || !ends_with_sql(de->d_name, nlen))
			continue;
#ifdef DT_DIR
		if (de->d_type == DT_DIR)
			continue;
#endif
		if (sc->n == sc->cap) {
			size_t cap = sc->cap ? sc->cap * 2 : 256;
			struct entry *v = rt_realloc(sc->e, cap * sizeof(*v));
			if (!v)
				return rt_err_oom(err);
			sc->e = v;
			sc->cap = cap;
		}
		if (!(path = rt_graph_stralloc(sc->g, dlen + (size_t)slash + nlen)))
			return rt_err_oom(err);
		memcpy(path, dir, dlen);
		path[dlen] = '/';
		memcpy(path + dlen + slash, de->d_name, nlen);
		e = &sc->e[sc->n++];
		e->path = path;
		e->name = (unsigned)(dlen + (size_t)slash);
		e->dir = index;
		e->key = 0;
		for (j = 0; j < 8; j++)
			e->key = (e->key << 8) | (unsigned char)(j < nlen ? de->d_name[j] : 0);
	}
	if (errno)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot read script directory %s: %s", dir,
		                  strerror(errno));
	return 0;
}

/*
 * Order the entries by directory, then name: a radix sort on the names'
 * first 8 bytes (passes where every name has the same byte are skipped),
 * a stable one by directory, then strcmp within runs of equal prefixes.
 * Cheaper than comparison sorting 100,000 names.
 */
static int sort_entries(struct scan *sc)
{
	struct entry *a = sc->e, *b, *t;
	size_t count[256], i, n = sc->n, run;
	unsigned shift;
	if (n < 2)
		return 0;
	if (!(b = rt_malloc(n * sizeof(*b))))
		return -1;
	for (shift = 0; shift < 64; shift += 8) {
		size_t sum = 0;
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(a[i].key >> shift) & 255]++;
		if (count[(a[0].key >> shift) & 255] == n)
			continue;
		for (i = 0; i < 256; i++) {
			size_t c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].key >> shift) & 255]++] = a[i];
		t = a, a = b, b = t;
	}
	if (sc->n_dirs > 1) {
		size_t *dcount = rt_calloc(sc->n_dirs + 1, sizeof(*dcount));
		if (!dcount) {
			rt_free(a == sc->e ? b : a);
			return -1;
		}
		for (i = 0; i < n; i++)
			dcount[a[i].dir + 1]++;
		for (i = 1; i <= sc->n_dirs; i++)
			dcount[i] += dcount[i - 1];
		for (i = 0; i < n; i++)
			b[dcount[a[i].dir]++] = a[i];
		t = a, a = b, b = t;
		rt_free(dcount);
	}
	rt_free(b);
	sc->e = a;
	for (i = 0; i < n; i = run) {
		for (run = i + 1; run < n && a[run].dir == a[i].dir && a[run].key == a[i].key; run++)
			;
		if (run - i > 1)
			qsort(a + i, run - i, sizeof(*a), cmp_entry);
	}
	return 0;
}

/* One script: its header (or, with bodies, all of it) into the graph. */
static int scan_file(struct scan *sc, const struct entry *e, struct rt_err *err)
{
	struct header h;
	struct rt_revision *rev = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = openat(dirfd(sc->dirs[e->dir]), e->path + e->name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return open_error(e->path, err);
	for (;;) {
		int rc;
		if ((n = read_more(fd, &sc->buf, &len, e->path, err)) < 0)
			break;
		rc = parse_header(&h, sc->buf.p, len, n == 0, e->path, err);
		if (rc != 0) {
			n = rc;
			break;
		}
	}
	close(fd);
	if (n < 0 || header_complete(&h, e->path, err) < 0)
		return -1;
	if (arena_revision(&rev, sc->g, &h, sc->buf.p, e->path) < 0)
		return rt_err_oom(err);
	/* A read that did not fill the buffer reached the end of the file:
	 * a run keeps the whole text, so executing it reads nothing more. */
	if (len < sc->buf.cap && len <= sc->keep) {
		struct kept *k = rt_malloc(offsetof(struct kept, text) + len + 1);
		if (!k)
			return rt_err_oom(err);
		k->len = len;
		memcpy(k->text, sc->buf.p, len);
		k->text[len] = '\0';
		rev->payload = k;
		sc->keep -= len;
	}
	return rt_graph_insert(sc->g, rev, err);
}

/* Stand-ins for the revisions Revises lines name and no script holds. */
static int add_gone(struct rt_graph *g, struct rt_strvec *gone, struct rt_err *err)
{
	struct rt_map ids = RT_MAP_INIT;
	size_t i, j, n = rt_graph_count(g);
	int rc = -1;

	for (i = 0; i < n; i++)
		if (rt_map_put(&ids, rt_graph_at(g, i)->id, NULL) < 0)
			goto oom;
	for (i = 0; i < n; i++) {
		const struct rt_revision *r = rt_graph_at(g, i);
		for (j = 0; j < r->down.n; j++) {
			struct rt_revision *st;
			const char *id = r->down.v[j];
			if (rt_map_has(&ids, id))
				continue;
			if (!(st = rt_graph_revision_new(g)) ||
			    !(st->id = rt_graph_strndup(g, id, strlen(id))))
				goto oom;
			if (rt_graph_insert(g, st, err) < 0)
				goto done;
			if (rt_map_put(&ids, st->id, NULL) < 0 || rt_strvec_push(gone, st->id) < 0)
				goto oom;
		}
	}
	rt_strvec_sort(gone);
	rc = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_map_free(&ids);
	return rc;
}

static int scan_dirs(struct rt_graph **out, const struct rt_strvec *dirs, int for_run,
                     struct rt_strvec *gone, struct rt_err *err)
{
	struct scan sc;
	size_t i;
	int error = -1;

	*out = NULL;
	memset(&sc, 0, sizeof(sc));
	sc.keep = for_run ? KEEP_BUDGET : 0;
	if (rt_graph_new(&sc.g, for_run ? rt_free : NULL) < 0 ||
	    !(sc.dirs = rt_calloc(dirs->n ? dirs->n : 1, sizeof(*sc.dirs)))) {
		rt_err_oom(err);
		goto done;
	}
	sc.n_dirs = dirs->n;
	for (i = 0; i < dirs->n; i++)
		if (list_dir(&sc, dirs->v[i], (unsigned)i, err) < 0)
			goto done;
	if (sort_entries(&sc) < 0) {
		rt_err_oom(err);
		goto done;
	}
	for (i = 0; i < sc.n; i++)
		if (scan_file(&sc, &sc.e[i], err) < 0)
			goto done;
	/* the scan's own memory goes before the graph grows its indexes */
	rt_free(sc.buf.p);
	rt_free(sc.e);
	sc.buf.p = NULL;
	sc.e = NULL;
	if ((gone && add_gone(sc.g, gone, err) < 0) || rt_graph_finish(sc.g, err) < 0)
		goto done;
	*out = sc.g;
	sc.g = NULL;
	error = 0;
done:
	for (i = 0; i < sc.n_dirs; i++)
		if (sc.dirs[i])
			closedir(sc.dirs[i]);
	rt_free(sc.dirs);
	rt_free(sc.e);
	rt_free(sc.buf.p);
	rt_graph_free(sc.g);
	return error;
}

int rt_script_scan(struct rt_graph **out, const struct rt_strvec *dirs, int for_run,
                   struct rt_err *err)
{
	return scan_dirs(out, dirs, for_run, NULL, err);
}

int rt_script_scan_gone(struct rt_graph **out, const struct rt_strvec *dirs,
                        struct rt_strvec *gone, struct rt_err *err)
{
	return scan_dirs(out, dirs, 0, gone, err);
}
