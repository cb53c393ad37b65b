/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/script/test_script.c - core/script.c: reading only the
 * headers of scripts gives the same graph, the same output and the same
 * header errors as reading whole scripts, whatever the layout of the file
 * (CRLF, a byte order mark, no trailing newline, a header longer than one
 * read, a marker or a CRLF cut by the end of the first read), and bodies
 * read later (rt_script_read) parse as the whole-file reading did.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "script.h"
#include "format.h"

/* The first read of a scan (core/script.c SCAN_READ). */
#define READ 4096

static char dir[64];
static char vdir[96];

static void rm_rf(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void fresh_dir(void)
{
	if (dir[0])
		rm_rf();
	strcpy(dir, "/tmp/retort-script-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(vdir, sizeof(vdir), "%s/versions", dir);
	assert_int_equal(mkdir(vdir, 0755), 0);
}

static void write_file(const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", vdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

struct layout {
	int crlf;        /* CRLF line ends */
	int bom;         /* starts with a UTF-8 byte order mark */
	int no_newline;  /* the last line has no newline */
	long marker_at;  /* >= 0: pad so that the first marker line starts here */
	long header_len; /* > 0: free-form comment lines until the header is this long */
	int no_sections; /* a header only */
	const char *extra; /* more header lines, e.g. "-- Branch Labels: x" */
};

/* A script for `id` revising `down` with the given layout. */
static char *script_text(size_t *len, const char *id, const char *down, const struct layout *l)
{
	struct rt_buf b = RT_BUF_INIT;
	const char *nl = l->crlf ? "\r\n" : "\n";
	size_t i;
	char *out;
	if (l->bom)
		rt_buf_puts(&b, "\xEF\xBB\xBF");
	rt_buf_printf(&b, "-- Message: revision %s, laid out%s", id, nl);
	rt_buf_printf(&b, "-- Revision ID: %s%s", id, nl);
	if (l->header_len > 0)
		while ((long)b.len < l->header_len)
			rt_buf_printf(&b, "-- a long comment that says nothing: %zu%s", b.len, nl);
	rt_buf_printf(&b, "-- Revises: %s%s", down, nl);
	rt_buf_printf(&b, "-- Create Date: 2026-01-02 03:04:05.000000%s", nl);
	if (l->extra)
		rt_buf_printf(&b, "%s%s", l->extra, nl);
	if (l->marker_at >= 0) {
		/* comment lines, the last one sized so the marker lands exactly */
		while ((long)b.len + 40 < l->marker_at)
			rt_buf_printf(&b, "-- padding%*s%s", 20, "", nl);
		if ((long)b.len < l->marker_at) {
			long room = l->marker_at - (long)b.len - (long)strlen(nl);
			assert_true(room >= 2);
			rt_buf_puts(&b, "--");
			for (i = 2; i < (size_t)room; i++)
				rt_buf_putc(&b, 'x');
			rt_buf_puts(&b, nl);
		}
		assert_int_equal((long)b.len, l->marker_at);
	}
	if (!l->no_sections) {
		rt_buf_printf(&b, "-- retort:upgrade%sCREATE TABLE t_%s (a INT);%s%s", nl, id, nl, nl);
		rt_buf_printf(&b, "-- retort:downgrade%sDROP TABLE t_%s;", nl, id);
	} else {
		rt_buf_printf(&b, "-- the end");
	}
	if (!l->no_newline)
		rt_buf_puts(&b, nl);
	assert_false(b.oom);
	*len = b.len;
	out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return out;
}

static void add_script(const char *name, const char *id, const char *down, const struct layout *l)
{
	size_t len;
	char *t = script_text(&len, id, down, l);
	write_file(name, t, len);
	rt_free(t);
}

static void unlink_script(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", vdir, name);
	assert_int_equal(unlink(path), 0);
}

/* The scan the commands make: headers only (for_run 0) or a run's. */
static struct rt_graph *scan(int for_run, char **msg)
{
	struct rt_strvec dirs = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	struct rt_graph *g = NULL;
	assert_int_equal(rt_strvec_push(&dirs, vdir), 0);
	if (rt_script_scan(&g, &dirs, for_run, &err) < 0) {
		assert_non_null(err.msg);
		assert_int_equal(err.status, RT_EXIT_USAGE);
		*msg = err.msg;
	} else {
		*msg = NULL;
	}
	rt_strvec_free(&dirs);
	return g;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The reference: every script of the directory read whole and parsed with
 * rt_script_parse (payload: the parsed script), in name order.
 */
static struct rt_graph *whole(char **msg)
{
	struct rt_strvec names = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	struct rt_graph *g = NULL;
	struct dirent *de;
	DIR *d = opendir(vdir);
	size_t i;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] != '.' && n > 4 && strcmp(de->d_name + n - 4, ".sql") == 0)
			assert_int_equal(rt_strvec_push(&names, de->d_name), 0);
	}
	closedir(d);
	qsort(names.v, names.n, sizeof(char *), cmp_name);
	assert_int_equal(rt_graph_new(&g, rt_script_free), 0);
	*msg = NULL;
	for (i = 0; i < names.n; i++) {
		char path[256], *text = NULL;
		size_t len = 0;
		FILE *f;
		struct rt_revision *rev;
		snprintf(path, sizeof(path), "%s/%s", vdir, names.v[i]);
		f = fopen(path, "rb");
		assert_non_null(f);
		text = malloc(1 << 20);
		assert_non_null(text);
		len = fread(text, 1, 1 << 20, f);
		fclose(f);
		if (rt_script_parse(&rev, path, text, len, &err) < 0 || rt_graph_add(g, rev, &err) < 0) {
			free(text);
			goto fail;
		}
		free(text);
	}
	if (rt_graph_finish(g, &err) < 0)
		goto fail;
	rt_strvec_free(&names);
	return g;
fail:
	assert_non_null(err.msg);
	*msg = err.msg;
	rt_graph_free(g);
	rt_strvec_free(&names);
	return NULL;
}

static char *history(const struct rt_graph *g)
{
	struct rt_buf b = RT_BUF_INIT;
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	struct rt_err err = { 0, NULL };
	o.verbose = 1;
	assert_int_equal(rt_format_history(&b, g, NULL, &o, &err), 0);
	{
		struct rt_json j;
		rt_json_init(&j, &b);
		rt_json_array(&j, NULL);
		o.json = &j;
		assert_int_equal(rt_format_history(&b, g, NULL, &o, &err), 0);
		rt_json_array_end(&j);
	}
	return rt_buf_detach(&b);
}

static void same_vec(const struct rt_strvec *a, const struct rt_strvec *b)
{
	size_t i;
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
}

static void same_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_script(const struct rt_script *s, const struct rt_script *w)
{
	size_t i;
	assert_int_equal(s->len, w->len);
	assert_memory_equal(s->text, w->text, s->len);
	assert_string_equal(s->path, w->path);
	assert_int_equal(s->transaction_off, w->transaction_off);
	assert_int_equal(s->n_sections, w->n_sections);
	for (i = 0; i < s->n_sections; i++) {
		assert_int_equal(s->sections[i].upgrade, w->sections[i].upgrade);
		same_str_or_null(s->sections[i].dialect, w->sections[i].dialect);
		assert_int_equal(s->sections[i].offset, w->sections[i].offset);
		assert_int_equal(s->sections[i].len, w->sections[i].len);
		assert_int_equal(s->sections[i].first_line, w->sections[i].first_line);
	}
}

/*
 * A scan gives the revisions and the history output that reading every
 * script whole gives, and rt_script_read then gives each whole script.
 */
static void assert_same_as_whole(int for_run)
{
	char *m1, *m2, *h1, *h2;
	struct rt_graph *g1 = scan(for_run, &m1), *g2 = whole(&m2);
	size_t i;
	if (!g1 || !g2)
		fail_msg("scan failed: %s / %s", m1 ? m1 : "-", m2 ? m2 : "-");
	assert_int_equal(rt_graph_count(g1), rt_graph_count(g2));
	for (i = 0; i < rt_graph_count(g1); i++) {
		const struct rt_revision *a = rt_graph_at(g1, i), *b = rt_graph_at(g2, i);
		struct rt_script *s = NULL;
		struct rt_err err = { 0, NULL };
		assert_string_equal(a->id, b->id);
		same_str(a->message, b->message);
		same_str(a->create_date, b->create_date);
		same_str(a->path, b->path);
		same_vec(&a->down, &b->down);
		same_vec(&a->branch_labels, &b->branch_labels);
		same_vec(&a->depends_on, &b->depends_on);
		if (!for_run) /* headers only: nothing of the body kept */
			assert_null(a->payload);
		else if (((const struct rt_script *)b->payload)->len < READ)
			assert_non_null(a->payload); /* a run keeps what one read returned whole */
		if (rt_script_read(&s, a, &err) < 0)
			fail_msg("rt_script_read %s: %s", a->id, err.msg);
		same_script(s, b->payload);
		rt_script_free(s);
	}
	h1 = history(g1);
	h2 = history(g2);
	assert_string_equal(h1, h2);
	rt_free(h1);
	rt_free(h2);
	rt_graph_free(g1);
	rt_graph_free(g2);
}

static void assert_same_graphs(void)
{
	assert_same_as_whole(0);
	assert_same_as_whole(1);
}

static const struct layout plain = { 0, 0, 0, -1, 0, 0, NULL };

static void test_layouts(void **state)
{
	struct layout l;
	char *msg;
	struct rt_graph *g;
	const struct rt_revision *r;
	(void)state;
	fresh_dir();
	add_script("a1_plain.sql", "a1", "", &plain);
	l = plain; l.crlf = 1;
	add_script("b2_crlf.sql", "b2", "a1", &l);
	l = plain; l.bom = 1;
	add_script("c3_bom.sql", "c3", "b2", &l);
	l = plain; l.no_newline = 1;
	add_script("d4_nonl.sql", "d4", "c3", &l);
	l = plain; l.no_sections = 1; l.no_newline = 1; l.crlf = 1;
	add_script("e5_header_only.sql", "e5", "d4", &l);
	l = plain; l.header_len = 3 * READ + 100;
	add_script("f6_long.sql", "f6", "e5", &l);
	l = plain; l.header_len = READ - 30; l.crlf = 1; l.bom = 1;
	add_script("g7_long_crlf.sql", "g7", "f6", &l);
	l = plain; l.extra = "-- Branch Labels: feat, other\n-- Depends On: a1, b2\n"
	                     "-- retort:transaction off";
	add_script("h8_labels.sql", "h8", "g7", &l);
	assert_same_graphs();

	/* and the values are the ones written, whatever the layout */
	g = scan(0, &msg);
	assert_non_null(g);
	r = rt_graph_get(g, "b2");
	assert_string_equal(r->message, "revision b2, laid out");   /* no '\r' */
	assert_string_equal(r->down.v[0], "a1");
	assert_non_null(rt_graph_get(g, "c3"));                     /* BOM skipped */
	r = rt_graph_get(g, "e5");
	assert_string_equal(r->down.v[0], "d4");
	r = rt_graph_get(g, "f6");
	assert_string_equal(r->create_date, "2026-01-02 03:04:05.000000");
	r = rt_graph_get(g, "h8");
	assert_int_equal(r->branch_labels.n, 2);
	assert_string_equal(r->depends_on.v[1], "b2");
	rt_graph_free(g);
	rm_rf();
}

/*
 * Header keys in any case and spacing, and list values of every shape (one
 * item, several, blanks, empty items): the values are the ones written, and
 * the same as reading the whole scripts.
 */
static void test_keys_and_lists(void **state)
{
	static const char a1[] =
		"--message:   lower case   \n--REVISION ID:a1\n--  revises :\n"
		"-- CREATE DATE: 2026-01-02\n-- branch LABELS: solo\n-- Depends on:\n"
		"-- Revision:  not a key\n-- Revises id: nor this\n-- retort:upgrade\nSELECT 1;\n";
	static const char b2[] =
		"-- Message:\n-- Revision ID: b2\n-- Revises: a1 \n-- Branch Labels: x, y ,,z,\n"
		"-- Depends On: ,a1\t\n-- retort:downgrade\nSELECT 1;\n";
	static const char c3[] =
		"-- rEvIsIoN iD: c3\n-- ReViSeS: b2,a1\n-- branch labels:\t, ,\t\n"
		"-- depends on: b2\n-- retort:upgrade\n";
	struct rt_graph *g;
	const struct rt_revision *r;
	char *msg;
	(void)state;
	fresh_dir();
	write_file("a1.sql", a1, sizeof(a1) - 1);
	write_file("b2.sql", b2, sizeof(b2) - 1);
	write_file("c3.sql", c3, sizeof(c3) - 1);
	assert_same_graphs();
	g = scan(0, &msg);
	assert_non_null(g);
	r = rt_graph_get(g, "a1");
	assert_non_null(r);
	assert_string_equal(r->message, "lower case");
	assert_string_equal(r->create_date, "2026-01-02");
	assert_int_equal(r->down.n, 0);
	assert_int_equal(r->branch_labels.n, 1);
	assert_string_equal(r->branch_labels.v[0], "solo");
	assert_int_equal(r->depends_on.n, 0);
	r = rt_graph_get(g, "b2");
	assert_non_null(r);
	assert_string_equal(r->message, "");
	assert_null(r->create_date);
	assert_int_equal(r->down.n, 1);
	assert_string_equal(r->down.v[0], "a1");
	assert_int_equal(r->branch_labels.n, 3);
	assert_string_equal(r->branch_labels.v[0], "x");
	assert_string_equal(r->branch_labels.v[1], "y");
	assert_string_equal(r->branch_labels.v[2], "z");
	assert_int_equal(r->depends_on.n, 1);
	assert_string_equal(r->depends_on.v[0], "a1");
	r = rt_graph_get(g, "c3");
	assert_non_null(r);
	assert_null(r->message);
	assert_int_equal(r->down.n, 2);
	assert_string_equal(r->down.v[0], "b2");
	assert_string_equal(r->down.v[1], "a1");
	assert_int_equal(r->branch_labels.n, 0);
	assert_int_equal(r->depends_on.n, 1);
	rt_graph_free(g);
	rm_rf();
}

/*
 * The first marker line starting at every offset around the end of the
 * first read: the marker, or its CRLF, cut anywhere.
 */
static void test_marker_across_read(void **state)
{
	long at;
	(void)state;
	for (at = READ - 24; at <= READ + 2; at++) {
		struct layout l = plain;
		char name[32], id[16], down[16];
		int crlf;
		fresh_dir();
		for (crlf = 0; crlf <= 1; crlf++) {
			l.crlf = crlf;
			l.marker_at = at - (crlf ? 1 : 0);
			snprintf(name, sizeof(name), "r%d.sql", crlf);
			snprintf(id, sizeof(id), "r%d", crlf);
			snprintf(down, sizeof(down), "%s", crlf ? "r0" : "");
			add_script(name, id, down, &l);
		}
		/* a header line (Revises) cut by the end of the read */
		l = plain;
		l.header_len = READ - 8;
		add_script("r2.sql", "r2", "r1", &l);
		assert_same_graphs();
	}
	rm_rf();
}

/* Errors in a header are the same whichever way it is read. */
static void test_header_errors(void **state)
{
	static const struct { const char *text; const char *expect; } cases[] = {
		{ "-- Revision ID: a1\n-- Revises:\n-- Revises:\n-- retort:upgrade\n", "'Revises' is given twice" },
		{ "-- Revision ID: a-1\n-- Revises:\n-- retort:upgrade\n", "revision id 'a-1' is not valid" },
		{ "-- Revision ID: a1\n-- Revises:\nCREATE TABLE x (a INT);\n-- retort:upgrade\n", ":3: SQL before the first" },
		{ "-- Revision ID: a1\n-- Revises:\n-- retort:upgrad\n", ":3: unknown marker '-- retort:upgrad'" },
		{ "-- Revision ID: a1\n-- Revises:\n-- retort:transaction maybe\n-- retort:upgrade\n", "takes 'on' or 'off'" },
		{ "-- Revises:\n-- retort:upgrade\nSELECT 1;\n", "no '-- Revision ID: <id>' header line" },
		{ "-- Revision ID: a1\n-- retort:upgrade\n", "no '-- Revises:' header line" },
		{ "-- Revision ID: a1\n-- Revises:\n-- x\0y\n-- retort:upgrade\n", "contains a NUL byte" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m1, *m2, *m3;
		const char *t = cases[i].text;
		size_t len = strlen(t);
		if (strstr(cases[i].expect, "NUL"))
			len += strlen(t + len + 1) + 1;
		fresh_dir();
		write_file("a1.sql", t, len);
		assert_null(scan(0, &m1));
		assert_null(scan(1, &m2));
		assert_null(whole(&m3));
		if (!strstr(m1, cases[i].expect))
			fail_msg("case %zu: '%s' lacks '%s'", i, m1, cases[i].expect);
		assert_string_equal(m1, m2);
		assert_string_equal(m1, m3);
		assert_non_null(strstr(m1, "/versions/a1.sql"));
		rt_free(m1);
		rt_free(m2);
		rt_free(m3);
	}
	rm_rf();
}

/*
 * An error in a body does not stop commands that read headers; the run
 * that executes the script reports it as whole-file reading does.
 */
static void test_body_errors(void **state)
{
	static const char *const bodies[] = {
		"-- Revision ID: a1\n-- Revises:\n-- retort:upgrade\nSELECT 1;\n-- retort:upgrade\n",
		"-- Revision ID: a1\n-- Revises:\n-- retort:upgrade\n-- retort:what\n",
		"-- Revision ID: a1\n-- Revises:\n-- retort:upgrade\n-- retort:transaction off\nSELECT 1;\n",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct rt_graph *g;
		struct rt_script *s = NULL;
		struct rt_err err = { 0, NULL };
		char *m1, *m2;
		int run;
		fresh_dir();
		write_file("a1.sql", bodies[i], strlen(bodies[i]));
		assert_null(whole(&m2));
		for (run = 0; run <= 1; run++) {
			g = scan(run, &m1);
			assert_non_null(g);
			assert_int_equal(rt_script_read(&s, rt_graph_get(g, "a1"), &err), -1);
			assert_null(s);
			assert_string_equal(err.msg, m2);
			rt_err_clear(&err);
			rt_graph_free(g);
		}
		rt_free(m2);
	}
	rm_rf();
}

/* rt_script_read gives the sections the whole-file reading gives. */
static void test_read_body(void **state)
{
	struct layout l = plain;
	struct rt_graph *g0, *g1, *g2;
	char *m;
	int run;
	(void)state;
	fresh_dir();
	l.crlf = 1;
	l.extra = "-- retort:transaction off";
	l.header_len = READ + 10;
	add_script("a1.sql", "a1", "", &l);
	add_script("b2.sql", "b2", "a1", &plain);
	{
		/* a body longer than the first read: its header is read, no more */
		struct rt_buf b = RT_BUF_INIT;
		rt_buf_puts(&b, "-- Revision ID: c3\n-- Revises: b2\n-- retort:upgrade\n");
		while (b.len < 2 * READ)
			rt_buf_puts(&b, "INSERT INTO t (a) VALUES ('a row of data for a big script');\n");
		assert_false(b.oom);
		write_file("c3.sql", b.ptr, b.len);
		rt_buf_free(&b);
	}
	g0 = scan(0, &m);
	g1 = scan(1, &m);
	g2 = whole(&m);
	assert_non_null(g0);
	assert_non_null(g1);
	assert_non_null(g2);
	assert_non_null(rt_graph_get(g1, "a1")->payload); /* its header took two reads, */
	assert_non_null(rt_graph_get(g1, "b2")->payload); /* but both were read whole */
	assert_null(rt_graph_get(g1, "c3")->payload);     /* only its header was read */
	assert_null(rt_graph_get(g0, "b2")->payload);     /* headers only: nothing kept */
	for (run = 0; run <= 1; run++) {
		const struct rt_graph *g = run ? g1 : g0;
		struct rt_script *s = NULL;
		struct rt_err err = { 0, NULL };
		assert_int_equal(rt_script_read(&s, rt_graph_get(g, "a1"), &err), 0);
		same_script(s, rt_graph_get(g2, "a1")->payload);
		assert_int_equal(s->transaction_off, 1);
		assert_int_equal(s->n_sections, 2);
		rt_script_free(s);
		assert_int_equal(rt_script_read(&s, rt_graph_get(g, "b2"), &err), 0);
		same_script(s, rt_graph_get(g2, "b2")->payload);
		rt_script_free(s);
		assert_int_equal(rt_script_read(&s, rt_graph_get(g, "c3"), &err), 0);
		same_script(s, rt_graph_get(g2, "c3")->payload);
		rt_script_free(s);
	}
	{
		/* the files changed under the run (other sizes): read again, and
		 * another id is an error */
		struct rt_script *s = NULL;
		struct rt_err err = { 0, NULL };
		add_script("a1.sql", "z9", "", &plain);
		l = plain;
		l.extra = "-- a longer header than before";
		add_script("b2.sql", "y8", "a1", &l);
		for (run = 0; run <= 1; run++) {
			const struct rt_graph *g = run ? g1 : g0;
			assert_int_equal(rt_script_read(&s, rt_graph_get(g, "a1"), &err), -1);
			assert_non_null(strstr(err.msg, "Revision ID is now 'z9', not a1"));
			rt_err_clear(&err);
			assert_int_equal(rt_script_read(&s, rt_graph_get(g, "b2"), &err), -1);
			assert_non_null(strstr(err.msg, "Revision ID is now 'y8', not b2"));
			rt_err_clear(&err);
		}
	}
	rt_graph_free(g0);
	rt_graph_free(g1);
	rt_graph_free(g2);
	rm_rf();
}

/* Directories named *.sql and hidden files are not scripts. */
static void test_listing(void **state)
{
	char path[256], *m;
	struct rt_graph *g;
	(void)state;
	fresh_dir();
	add_script("a1.sql", "a1", "", &plain);
	add_script(".b2.sql", "b2", "a1", &plain);
	add_script("c3.sql.txt", "c3", "a1", &plain);
	snprintf(path, sizeof(path), "%s/d4.sql", vdir);
	assert_int_equal(mkdir(path, 0755), 0);
	g = scan(0, &m);
	assert_non_null(g);
	assert_int_equal(rt_graph_count(g), 1);
	rt_graph_free(g);
	rm_rf();
}

/* rt_script_scan_gone: a script a Revises line names is gone (b2 of
 * a1 <- b2 <- c3, and x9 that d4 revises): stand-ins, listed and sorted;
 * the plain scan refuses the graph, as before. */
static void test_gone(void **state)
{
	struct rt_strvec dirs = RT_STRVEC_INIT, gone = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	struct rt_graph *g = NULL;
	const struct rt_revision *st;
	char *m;
	unsigned long n;
	int ok = 0;
	(void)state;
	fresh_dir();
	add_script("a1.sql", "a1", "", &plain);
	add_script("c3.sql", "c3", "b2", &plain);
	add_script("d4.sql", "d4", "x9", &plain);
	assert_null(scan(0, &m));
	assert_non_null(strstr(m, "Revision b2 referenced from c3"));
	rt_free(m);
	assert_int_equal(rt_strvec_push(&dirs, vdir), 0);
	assert_int_equal(rt_script_scan_gone(&g, &dirs, &gone, &err), 0);
	assert_int_equal(gone.n, 2);
	assert_string_equal(gone.v[0], "b2");
	assert_string_equal(gone.v[1], "x9");
	assert_int_equal(rt_graph_count(g), 5);
	st = rt_graph_get(g, "b2");
	assert_non_null(st);
	assert_null(st->path);
	assert_true(st->is_base);
	assert_int_equal(st->nextrev.n, 1);
	assert_string_equal(st->nextrev.v[0], "c3");
	rt_graph_free(g);
	rt_strvec_free(&gone);
	/* nothing gone: nothing listed */
	add_script("b2.sql", "b2", "a1", &plain);
	add_script("x9.sql", "x9", "", &plain);
	assert_int_equal(rt_script_scan_gone(&g, &dirs, &gone, &err), 0);
	assert_int_equal(gone.n, 0);
	assert_int_equal(rt_graph_count(g), 5);
	rt_graph_free(g);
	/* every allocation failure is a clean error */
	unlink_script("b2.sql");
	for (n = 1; n < 10000 && !ok; n++) {
		g = NULL;
		rt__alloc_fail_after(n);
		ok = rt_script_scan_gone(&g, &dirs, &gone, &err) == 0;
		rt__alloc_fail_after(0);
		if (!ok)
			assert_true(err.status != 0);
		rt_err_clear(&err);
		rt_graph_free(g);
		rt_strvec_free(&gone);
	}
	assert_true(ok);
	rt_strvec_free(&dirs);
	rm_rf();
}

/* Every allocation failure during a scan is a clean error. */
static void test_oom(void **state)
{
	unsigned long n;
	int ok = 0, failures = 0, mode;
	struct layout l = plain;
	(void)state;
	fresh_dir();
	add_script("a1.sql", "a1", "", &plain);
	l.header_len = 2 * READ;
	l.extra = "-- Branch Labels: x\n-- Depends On: a1";
	add_script("b2.sql", "b2", "a1", &l);
	for (mode = 0; mode <= 1; mode++) {
		ok = 0;
		for (n = 1; n < 10000 && !ok; n++) {
			struct rt_strvec dirs = RT_STRVEC_INIT;
			struct rt_err err = { 0, NULL };
			struct rt_graph *g = NULL;
			assert_int_equal(rt_strvec_push(&dirs, vdir), 0);
			rt__alloc_fail_after(n);
			ok = rt_script_scan(&g, &dirs, mode, &err) == 0;
			rt__alloc_fail_after(0);
			if (!ok) {
				assert_true(err.status != 0); /* a NULL message reads "out of memory" */
				failures++;
			}
			rt_err_clear(&err);
			rt_graph_free(g);
			rt_strvec_free(&dirs);
		}
		assert_true(ok);
	}
	assert_true(failures > 20);
	rm_rf();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_keys_and_lists),
		cmocka_unit_test(test_marker_across_read),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_body_errors),
		cmocka_unit_test(test_read_body),
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests_name("script", tests, NULL, NULL);
}
