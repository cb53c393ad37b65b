/*
 * core/script.c - parse migration script files and load a script directory
 * into a revision graph.  See script.h for the format.
 */
#include "script.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>

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

int rt_script_valid_id(const char *id)
{
	size_t n = 0;
	if (!id || !*id)
		return 0;
	for (; id[n]; n++)
		if (!isalnum((unsigned char)id[n]) && id[n] != '_')
			return 0;
	return n <= 32;
}

/* Header keys we understand, compared case-insensitively. */
enum hdr { H_NONE, H_MESSAGE, H_REVISION, H_REVISES, H_DATE, H_LABELS, H_DEPENDS };

static enum hdr header_key(const char *k, size_t n)
{
	static const struct { const char *name; enum hdr h; } keys[] = {
		{ "message", H_MESSAGE },     { "revision id", H_REVISION },
		{ "revises", H_REVISES },     { "create date", H_DATE },
		{ "branch labels", H_LABELS },{ "depends on", H_DEPENDS },
	};
	size_t i;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == n && strncasecmp(keys[i].name, k, n) == 0)
			return keys[i].h;
	return H_NONE;
}

/* A line's text without its end of line (handles CRLF). */
struct line {
	const char *p;
	size_t len;
	unsigned no;
};

static int is_blank(const char *p, size_t n)
{
	while (n--)
		if (!isspace((unsigned char)*p++))
			return 0;
	return 1;
}

/* If the line is "-- retort:<word> [arg]", return 1 and the word and arg. */
static int marker(const struct line *l, const char **word, size_t *wlen,
                  const char **arg, size_t *alen)
{
	const char *p = l->p, *e = l->p + l->len;
	while (p < e && isspace((unsigned char)*p))
		p++;
	if (e - p < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	p += 2;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(e - p) < 7 || strncmp(p, "retort:", 7) != 0)
		return 0;
	p += 7;
	*word = p;
	while (p < e && !isspace((unsigned char)*p))
		p++;
	*wlen = (size_t)(p - *word);
	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	*arg = p;
	*alen = (size_t)(e - p);
	return 1;
}

static int set_field(char **field, const char *v, size_t n, const char *path, unsigned line,
                     const char *key, struct rt_err *err)
{
	if (*field)
		return rt_err_set(err, RT_EXIT_USAGE, "%s:%u: '%s' is given twice; keep one", path,
		                  line, key);
	*field = rt_strndup(v, n);
	return *field ? 0 : rt_err_oom(err);
}

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

int rt_script_parse(struct rt_revision **out, const char *path, const char *text, size_t len,
                    struct rt_err *err)
{
	struct rt_revision *rev = NULL;
	struct rt_script *s = NULL;
	char *revises = NULL, *labels = NULL, *depends = NULL;
	int have_revises = 0, in_section = 0, error = -1;
	size_t pos = 0;
	unsigned lineno = 0;

	*out = NULL;
	if (!(rev = rt_calloc(1, sizeof(*rev))) || !(s = rt_calloc(1, sizeof(*s))) ||
	    !(s->path = rt_strdup(path)) || !(s->text = rt_strndup(text, len)) ||
	    !(rev->path = rt_strdup(path))) {
		rt_err_oom(err);
		goto done;
	}
	s->len = len;
	if (memchr(text, '\0', len)) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: contains a NUL byte; is it a text file?", path);
		goto done;
	}

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
		l.no = ++lineno;

		if (marker(&l, &word, &wlen, &arg, &alen)) {
			if (in_section) /* close the open section before this marker */
				s->sections[s->n_sections - 1].len =
					pos - s->sections[s->n_sections - 1].offset;
			if ((wlen == 7 && strncmp(word, "upgrade", 7) == 0) ||
			    (wlen == 9 && strncmp(word, "downgrade", 9) == 0)) {
				if (add_section(s, wlen == 7, arg, alen, next, lineno + 1, lineno, err) < 0)
					goto done;
				in_section = 1;
			} else if (wlen == 11 && strncmp(word, "transaction", 11) == 0) {
				if (alen == 3 && strncasecmp(arg, "off", 3) == 0)
					s->transaction_off = 1;
				else if (alen == 2 && strncasecmp(arg, "on", 2) == 0)
					s->transaction_off = 0;
				else {
					rt_err_set(err, RT_EXIT_USAGE,
					           "%s:%u: '-- retort:transaction' takes 'on' or 'off', "
					           "not '%.*s'", path, lineno, (int)alen, arg);
					goto done;
				}
				if (in_section) { /* the option line ends the section */
					in_section = 0;
				}
			} else {
				rt_err_set(err, RT_EXIT_USAGE,
				           "%s:%u: unknown marker '-- retort:%.*s'; expected "
				           "'-- retort:upgrade', '-- retort:downgrade' or "
				           "'-- retort:transaction off'",
				           path, lineno, (int)wlen, word);
				goto done;
			}
		} else if (!in_section && s->n_sections == 0) {
			/* header */
			const char *p = l.p, *e = l.p + l.len, *colon, *k;
			while (p < e && isspace((unsigned char)*p))
				p++;
			if (p == e) {
				/* blank */
			} else if (e - p >= 2 && p[0] == '-' && p[1] == '-') {
				p += 2;
				while (p < e && isspace((unsigned char)*p))
					p++;
				k = p;
				colon = memchr(p, ':', (size_t)(e - p));
				if (colon) {
					const char *ke = colon, *v = colon + 1, *ve = e;
					enum hdr h;
					while (ke > k && isspace((unsigned char)ke[-1]))
						ke--;
					while (v < ve && isspace((unsigned char)*v))
						v++;
					while (ve > v && isspace((unsigned char)ve[-1]))
						ve--;
					h = header_key(k, (size_t)(ke - k));
					switch (h) {
					case H_MESSAGE:
						if (set_field(&rev->message, v, (size_t)(ve - v), path, lineno, "Message", err) < 0)
							goto done;
						break;
					case H_REVISION:
						if (set_field(&rev->id, v, (size_t)(ve - v), path, lineno, "Revision ID", err) < 0)
							goto done;
						if (!rt_script_valid_id(rev->id)) {
							rt_err_set(err, RT_EXIT_USAGE,
							           "%s:%u: revision id '%s' is not valid; use 1 to 32 "
							           "characters of [A-Za-z0-9_]", path, lineno, rev->id);
							goto done;
						}
						break;
					case H_REVISES:
						if (set_field(&revises, v, (size_t)(ve - v), path, lineno, "Revises", err) < 0)
							goto done;
						have_revises = 1;
						break;
					case H_DATE:
						if (set_field(&rev->create_date, v, (size_t)(ve - v), path, lineno, "Create Date", err) < 0)
							goto done;
						break;
					case H_LABELS:
						if (set_field(&labels, v, (size_t)(ve - v), path, lineno, "Branch Labels", err) < 0)
							goto done;
						break;
					case H_DEPENDS:
						if (set_field(&depends, v, (size_t)(ve - v), path, lineno, "Depends On", err) < 0)
							goto done;
						break;
					case H_NONE:
						break; /* free-form comment */
					}
				}
			} else {
				rt_err_set(err, RT_EXIT_USAGE,
				           "%s:%u: SQL before the first '-- retort:upgrade' marker; put "
				           "statements in a '-- retort:upgrade' or '-- retort:downgrade' "
				           "section", path, lineno);
				goto done;
			}
		} else if (!in_section && !is_blank(l.p, l.len)) {
			const char *p = l.p;
			while (isspace((unsigned char)*p))
				p++;
			if (!(p[0] == '-' && p[1] == '-')) {
				rt_err_set(err, RT_EXIT_USAGE,
				           "%s:%u: SQL outside a section (after '-- retort:transaction'); "
				           "put it under '-- retort:upgrade' or '-- retort:downgrade'",
				           path, lineno);
				goto done;
			}
		}
		pos = next;
	}
	if (in_section)
		s->sections[s->n_sections - 1].len = len - s->sections[s->n_sections - 1].offset;

	if (!rev->id) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s: no '-- Revision ID: <id>' header line; every script needs one "
		           "before its first '-- retort:' marker (retort revision writes it)", path);
		goto done;
	}
	if (!have_revises) {
		rt_err_set(err, RT_EXIT_USAGE,
		           "%s: no '-- Revises:' header line; write '-- Revises:' with nothing "
		           "after it for a base revision, or the parent revision id(s)", path);
		goto done;
	}
	if (rt_strvec_split_csv(&rev->down, revises) < 0 ||
	    (labels && rt_strvec_split_csv(&rev->branch_labels, labels) < 0) ||
	    (depends && rt_strvec_split_csv(&rev->depends_on, depends) < 0)) {
		rt_err_oom(err);
		goto done;
	}
	rev->payload = s;
	s = NULL;
	*out = rev;
	rev = NULL;
	error = 0;
done:
	rt_free(revises);
	rt_free(labels);
	rt_free(depends);
	rt_script_free(s);
	if (rev)
		rt_revision_free(rev, rt_script_free);
	return error;
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

static int ends_with_sql(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".sql") == 0;
}

static int list_dir(struct rt_strvec *files, const char *dir, struct rt_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct rt_strvec names = RT_STRVEC_INIT;
	size_t i;
	if (!d)
		return rt_err_set(err, RT_EXIT_USAGE,
		                  "cannot read script directory %s: %s; check script_location in "
		                  "the config or run `retort init`", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !ends_with_sql(de->d_name))
			continue;
		if (rt_strvec_push(&names, de->d_name) < 0) {
			closedir(d);
			rt_strvec_free(&names);
			return rt_err_oom(err);
		}
	}
	closedir(d);
	rt_strvec_sort(&names);
	for (i = 0; i < names.n; i++)
		if (rt_strvec_push_owned(files, rt_path_join(dir, names.v[i])) < 0) {
			rt_strvec_free(&names);
			return rt_err_oom(err);
		}
	rt_strvec_free(&names);
	return 0;
}

int rt_script_load_graph(struct rt_graph **out, const struct rt_strvec *dirs, struct rt_err *err)
{
	struct rt_strvec files = RT_STRVEC_INIT;
	struct rt_graph *g = NULL;
	char *text = NULL;
	size_t i, len;
	int error = -1;

	*out = NULL;
	for (i = 0; i < dirs->n; i++)
		if (list_dir(&files, dirs->v[i], err) < 0)
			goto done;
	if (rt_graph_new(&g, rt_script_free) < 0) {
		rt_err_oom(err);
		goto done;
	}
	for (i = 0; i < files.n; i++) {
		struct rt_revision *rev;
		if (rt_read_file(&text, &len, files.v[i], err) < 0)
			goto done;
		if (rt_script_parse(&rev, files.v[i], text, len, err) < 0)
			goto done;
		rt_free(text);
		text = NULL;
		if (rt_graph_add(g, rev, err) < 0)
			goto done;
	}
	if (rt_graph_finish(g, err) < 0)
		goto done;
	*out = g;
	g = NULL;
	error = 0;
done:
	rt_free(text);
	rt_graph_free(g);
	rt_strvec_free(&files);
	return error;
}

int rt_script_checksum(char out[65], const struct rt_script *s)
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	size_t a = 0, b, len = s->len;
	int ok;
	if (!ctx)
		return -1;
	while (len > 0 && (s->text[len - 1] == '\n' || s->text[len - 1] == '\r'))
		len--;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	/* feed the text with CRLF folded to LF */
	for (b = 0; ok && b < len; b++) {
		if (s->text[b] == '\r' && b + 1 < len && s->text[b + 1] == '\n') {
			ok = EVP_DigestUpdate(ctx, s->text + a, b - a) == 1;
			a = b + 1;
		}
	}
	if (ok)
		ok = EVP_DigestUpdate(ctx, s->text + a, len - a) == 1 &&
		     EVP_DigestUpdate(ctx, "\n", 1) == 1 &&
		     EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}
