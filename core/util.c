/* SPDX-License-Identifier: MIT */
/*
 * core/util.c - see util.h.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ allocation */

static unsigned long fail_after; /* 0: never fail */
static int fired;                /* the armed failure happened */
static long live;                /* blocks allocated and not freed */

void rt__alloc_fail_after(unsigned long n)
{
	fail_after = n;
	fired = 0;
}

int rt__alloc_fired(void) { return fired; }
long rt__alloc_live(void) { return live; }

static int should_fail(void)
{
	if (fail_after == 0)
		return 0;
	if (--fail_after == 0) {
		fired = 1;
		return 1;
	}
	return 0;
}

/* Count a block handed out (p not NULL). */
static void *counted(void *p)
{
	if (p)
		live++;
	return p;
}

void *rt_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return counted(malloc(n ? n : 1));
}

void *rt_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	return counted(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *rt_realloc(void *p, size_t n)
{
	void *r;
	if (should_fail())
		return NULL;
	r = realloc(p, n ? n : 1);
	return p ? r : counted(r);
}

char *rt_strndup(const char *s, size_t n)
{
	char *r;
	if (!s)
		return NULL;
	r = rt_malloc(n + 1);
	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *rt_strdup(const char *s)
{
	return s ? rt_strndup(s, strlen(s)) : NULL;
}

void rt_free(void *p)
{
	if (p)
		live--;
	free(p);
}

/* ------------------------------------------------------------ errors */

int rt_err_vset(struct rt_err *e, int status, const char *fmt, va_list ap)
{
	struct rt_buf b = RT_BUF_INIT;
	if (!e)
		return -1;
	rt_buf_vprintf(&b, fmt, ap);
	rt_free(e->msg);
	e->msg = b.oom ? NULL : rt_buf_detach(&b);
	rt_buf_free(&b);
	e->status = status;
	return -1;
}

int rt_err_set(struct rt_err *e, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_err_vset(e, status, fmt, ap);
	va_end(ap);
	return -1;
}

int rt_err_prefix(struct rt_err *e, const char *fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	va_list ap;
	if (!e)
		return -1;
	va_start(ap, fmt);
	rt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rt_buf_puts(&b, ": ");
	rt_buf_puts(&b, e->msg ? e->msg : "out of memory");
	if (!b.oom) {
		rt_free(e->msg);
		e->msg = rt_buf_detach(&b);
	}
	rt_buf_free(&b);
	return -1;
}

void rt_err_clear(struct rt_err *e)
{
	if (!e)
		return;
	rt_free(e->msg);
	e->msg = NULL;
	e->status = 0;
}

int rt_err_oom(struct rt_err *e)
{
	if (!e)
		return -1;
	rt_free(e->msg);
	e->msg = NULL; /* printed as "out of memory" */
	e->status = RT_EXIT_DB;
	return -1;
}

/* ------------------------------------------------------------ strbuf */

int rt_buf_grow(struct rt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;
	if (b->oom)
		return -1;
	if (extra > (size_t)-1 - b->len - 1)
		goto oom;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	p = rt_realloc(b->ptr, cap);
	if (!p)
		goto oom;
	b->ptr = p;
	b->cap = cap;
	return 0;
oom:
	b->oom = 1;
	return -1;
}

int rt_buf_put(struct rt_buf *b, const char *s, size_t n)
{
	if (rt_buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int rt_buf_puts(struct rt_buf *b, const char *s)
{
	return rt_buf_put(b, s, strlen(s));
}

int rt_buf_putc(struct rt_buf *b, char c)
{
	return rt_buf_put(b, &c, 1);
}

int rt_buf_vprintf(struct rt_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->oom = 1;
		return -1;
	}
	if (rt_buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int rt_buf_printf(struct rt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = rt_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *rt_buf_detach(struct rt_buf *b)
{
	char *r;
	if (b->oom)
		return NULL;
	if (!b->ptr)
		return rt_strdup("");
	r = b->ptr;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return r;
}

void rt_buf_clear(struct rt_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void rt_buf_free(struct rt_buf *b)
{
	rt_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

char *rt_sprintf(const char *fmt, ...)
{
	struct rt_buf b = RT_BUF_INIT;
	va_list ap;
	char *r;
	va_start(ap, fmt);
	rt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r = rt_buf_detach(&b);
	rt_buf_free(&b);
	return r;
}

/* ------------------------------------------------------------ strvec */

int rt_strvec_push_owned(struct rt_strvec *sv, char *s)
{
	if (!s)
		return -1;
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = rt_realloc(sv->v, cap * sizeof(*v));
		if (!v) {
			rt_free(s);
			return -1;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	return 0;
}

int rt_strvec_push(struct rt_strvec *sv, const char *s)
{
	return rt_strvec_push_owned(sv, rt_strdup(s));
}

int rt_strvec_contains(const struct rt_strvec *sv, const char *s)
{
	size_t i;
	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rt_strvec_sort(struct rt_strvec *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void rt_strvec_free(struct rt_strvec *sv)
{
	size_t i;
	for (i = 0; i < sv->n; i++)
		rt_free(sv->v[i]);
	rt_free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int rt_strvec_split_csv(struct rt_strvec *out, const char *s)
{
	const char *p = s, *start, *end;
	while (p && *p) {
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (end > start && rt_strvec_push_owned(out, rt_strndup(start, (size_t)(end - start))) < 0)
			return -1;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ------------------------------------------------------------ hash map */

static size_t hash_str(const char *s)
{
	/* FNV-1a: simple, good enough spread for revision ids and labels. */
	size_t h = (size_t)1469598103934665603ULL;
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= (size_t)1099511628211ULL;
	}
	return h;
}

static int map_resize(struct rt_map *m, size_t cap)
{
	struct rt_map_slot *old = m->slots, *slots;
	size_t oldcap = m->cap, i;
	slots = rt_calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (i = 0; i < oldcap; i++) {
		size_t j;
		if (!old[i].key)
			continue;
		j = old[i].hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = old[i];
	}
	rt_free(old);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int rt_map_put(struct rt_map *m, const char *key, void *value)
{
	size_t h = hash_str(key), j;
	if ((m->n + 1) * 4 > m->cap * 3 && map_resize(m, m->cap ? m->cap * 2 : 16) < 0)
		return -1;
	j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && strcmp(m->slots[j].key, key) == 0) {
			m->slots[j].value = value;
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j].key = key;
	m->slots[j].hash = h;
	m->slots[j].value = value;
	m->n++;
	return 0;
}

static struct rt_map_slot *map_find(const struct rt_map *m, const char *key)
{
	size_t h, j;
	if (!m->cap)
		return NULL;
	h = hash_str(key);
	j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && strcmp(m->slots[j].key, key) == 0)
			return &m->slots[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

void *rt_map_get(const struct rt_map *m, const char *key)
{
	struct rt_map_slot *s = map_find(m, key);
	return s ? s->value : NULL;
}

int rt_map_has(const struct rt_map *m, const char *key)
{
	return map_find(m, key) != NULL;
}

int rt_map_next(const struct rt_map *m, size_t *iter, const char **key, void **value)
{
	while (*iter < m->cap) {
		struct rt_map_slot *s = &m->slots[(*iter)++];
		if (s->key) {
			if (key)
				*key = s->key;
			if (value)
				*value = s->value;
			return 1;
		}
	}
	return 0;
}

void rt_map_free(struct rt_map *m)
{
	rt_free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

/* ------------------------------------------------------------ misc */

int rt_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

int rt_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *rt_trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int rt_read_file(char **out, size_t *len_out, const char *path, struct rt_err *err)
{
	FILE *f;
	struct rt_buf b = RT_BUF_INIT;
	char chunk[8192];
	size_t n;
	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rt_buf_put(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		rt_buf_free(&b);
		return rt_err_set(err, RT_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	}
	fclose(f);
	if (b.oom) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	if (len_out)
		*len_out = b.len;
	*out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return *out ? 0 : rt_err_oom(err);
}

char *rt_path_join(const char *dir, const char *name)
{
	if (name[0] == '/' || !dir || !*dir)
		return rt_strdup(name);
	if (dir[strlen(dir) - 1] == '/')
		return rt_sprintf("%s%s", dir, name);
	return rt_sprintf("%s/%s", dir, name);
}

static int fold(int c, int icase)
{
	return icase && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

size_t rt_edit_distance(const char *a, const char *b, int icase)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;
	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (fold((unsigned char)a[i - 1], icase) !=
			                      fold((unsigned char)b[j - 1], icase));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}
