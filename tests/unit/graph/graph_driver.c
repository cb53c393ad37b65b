/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/graph/graph_driver.c - reads a revision graph and commands
 * from a file and prints what the graph/plan/format code answers, one
 * line per fact, so that tests/unit/graph/alembic_ref.py can print the
 * same facts from Alembic's own RevisionMap and a script can diff them.
 *
 * Input lines (fields separated by '|', "-" = empty, lists comma-separated):
 *   rev|ID|DOWN|LABELS|DEPS|MESSAGE
 *   heads | bases | realheads
 *   resolve|SPEC|CURRENT
 *   getrevs|SPEC
 *   upgrade|TARGET|CURRENT
 *   downgrade|TARGET|CURRENT
 *   stamp|TARGETS|CURRENT|PURGE(0/1)
 *   history|RANGE(or -)|VERBOSE(0/1)|CURRENT(or -)
 *   heads_fmt|VERBOSE  branches_fmt|VERBOSE  current_fmt|VERBOSE|CURRENT
 *   show|SPEC
 * The graph is finished before the first command.
 */
#include "graph.h"
#include "plan.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void split(struct rt_strvec *out, char *s, char sep)
{
	char *p = s, *q;
	for (;;) {
		q = strchr(p, sep);
		if (q)
			*q = '\0';
		rt_strvec_push(out, p);
		if (!q)
			break;
		p = q + 1;
	}
}

static void list(struct rt_strvec *out, const char *s)
{
	if (strcmp(s, "-") == 0 || !*s)
		return;
	rt_strvec_split_csv(out, s);
}

static void print_err(struct rt_err *err)
{
	printf("error: %s\n", err->msg ? err->msg : "out of memory");
	rt_err_clear(err);
}

static void print_plan(const struct rt_plan *p)
{
	size_t i, j;
	struct rt_strvec rows = RT_STRVEC_INIT;
	for (i = 0; i < p->n_steps; i++) {
		const struct rt_step *s = &p->steps[i];
		printf("step %s\n", s->description);
		for (j = 0; j < s->n_ops; j++) {
			const struct rt_vop *o = &s->ops[j];
			if (o->kind == RT_VOP_INSERT)
				printf("  insert %s\n", o->to);
			else if (o->kind == RT_VOP_DELETE)
				printf("  delete %s\n", o->from);
			else
				printf("  update %s -> %s\n", o->from, o->to);
		}
	}
	for (i = 0; i < p->final_heads.n; i++)
		rt_strvec_push(&rows, p->final_heads.v[i]);
	rt_strvec_sort(&rows);
	printf("rows");
	for (i = 0; i < rows.n; i++)
		printf(" %s", rows.v[i]);
	printf("\n");
	rt_strvec_free(&rows);
}

static void print_vec(const char *what, const struct rt_strvec *v)
{
	size_t i;
	printf("%s", what);
	for (i = 0; i < v->n; i++)
		printf(" %s", v->v[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct rt_graph *g = NULL;
	struct rt_err err = { 0, NULL };
	int finished = 0, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: graph_driver FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	rt_graph_new(&g, NULL);
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct rt_strvec fld = RT_STRVEC_INIT, cur = RT_STRVEC_INIT, out = RT_STRVEC_INIT;
		struct rt_buf b = RT_BUF_INIT;
		const char *cmd;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!*line || line[0] == '#')
			continue;
		split(&fld, line, '|');
		cmd = fld.v[0];
		if (strcmp(cmd, "rev") == 0) {
			struct rt_revision *r = rt_calloc(1, sizeof(*r));
			r->id = rt_strdup(fld.v[1]);
			list(&r->down, fld.v[2]);
			list(&r->branch_labels, fld.v[3]);
			list(&r->depends_on, fld.v[4]);
			r->message = rt_strdup(fld.n > 5 ? fld.v[5] : "");
			r->create_date = rt_strdup("2026-01-01 00:00:00.000000");
			r->path = rt_sprintf("versions/%s_x.sql", fld.v[1]);
			if (rt_graph_add(g, r, &err) < 0) {
				print_err(&err);
				failed = 1;
			}
			goto next;
		}
		if (!finished) {
			finished = 1;
			if (!failed && rt_graph_finish(g, &err) < 0) {
				print_err(&err);
				failed = 1;
			}
			if (failed)
				goto next_stop;
		}
		printf("> %s\n", line[0] ? fld.v[0] : "");
		if (strcmp(cmd, "heads") == 0) {
			rt_graph_heads(g, &out);
			print_vec("heads", &out);
		} else if (strcmp(cmd, "bases") == 0) {
			rt_graph_bases(g, &out);
			print_vec("bases", &out);
		} else if (strcmp(cmd, "realheads") == 0) {
			rt_graph_real_heads(g, &out);
			print_vec("realheads", &out);
		} else if (strcmp(cmd, "resolve") == 0 || strcmp(cmd, "getrevs") == 0) {
			int r;
			if (fld.n > 2)
				list(&cur, fld.v[2]);
			if (cmd[0] == 'r')
				r = rt_graph_resolve(g, fld.v[1], (const char *const *)cur.v, cur.n, &out,
				                     &err);
			else
				r = rt_graph_get_revisions(g, fld.v[1], &out, &err);
			if (r < 0)
				print_err(&err);
			else
				print_vec("ids", &out);
		} else if (strcmp(cmd, "upgrade") == 0 || strcmp(cmd, "downgrade") == 0 ||
		           strcmp(cmd, "stamp") == 0) {
			struct rt_plan p;
			int r;
			list(&cur, fld.v[2]);
			if (cmd[0] == 'u') {
				r = rt_plan_upgrade(&p, g, (const char *const *)cur.v, cur.n, fld.v[1], &err);
			} else if (cmd[0] == 'd') {
				r = rt_plan_downgrade(&p, g, (const char *const *)cur.v, cur.n, fld.v[1],
				                      &err);
			} else {
				struct rt_strvec t = RT_STRVEC_INIT;
				list(&t, fld.v[1]);
				r = rt_plan_stamp(&p, g, (const char *const *)cur.v, cur.n,
				                  (const char *const *)t.v, t.n,
				                  fld.n > 3 && strcmp(fld.v[3], "1") == 0, &err);
				rt_strvec_free(&t);
			}
			if (r < 0) {
				print_err(&err);
			} else {
				print_plan(&p);
				rt_plan_free(&p);
			}
		} else if (strcmp(cmd, "history") == 0) {
			struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
			o.verbose = fld.n > 2 && strcmp(fld.v[2], "1") == 0;
			if (fld.n > 3 && strcmp(fld.v[3], "-") != 0) {
				list(&cur, fld.v[3]);
				o.indicate_current = 1;
			}
			o.current = (const char *const *)cur.v;
			o.n_current = cur.n;
			if (rt_format_history(&b, g, strcmp(fld.v[1], "-") ? fld.v[1] : NULL, &o,
			                      &err) < 0)
				print_err(&err);
			else
				fputs(b.ptr ? b.ptr : "", stdout);
		} else if (strcmp(cmd, "heads_fmt") == 0 || strcmp(cmd, "branches_fmt") == 0 ||
		           strcmp(cmd, "current_fmt") == 0 || strcmp(cmd, "show") == 0) {
			struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
			int r;
			o.verbose = fld.n > 1 && strcmp(fld.v[1], "1") == 0;
			if (cmd[0] == 'h') {
				r = rt_format_heads(&b, g, &o, &err);
			} else if (cmd[0] == 'b') {
				r = rt_format_branches(&b, g, &o, &err);
			} else if (cmd[0] == 'c') {
				list(&cur, fld.v[2]);
				o.current = (const char *const *)cur.v;
				o.n_current = cur.n;
				r = rt_format_current(&b, g, &o, &err);
			} else {
				r = rt_format_show(&b, g, fld.v[1], &o, &err);
			}
			if (r < 0)
				print_err(&err);
			else
				fputs(b.ptr ? b.ptr : "", stdout);
		} else {
			printf("unknown command %s\n", cmd);
		}
next:
		rt_buf_free(&b);
		rt_strvec_free(&fld);
		rt_strvec_free(&cur);
		rt_strvec_free(&out);
		continue;
next_stop:
		rt_buf_free(&b);
		rt_strvec_free(&fld);
		rt_strvec_free(&cur);
		rt_strvec_free(&out);
		break;
	}
	if (!finished && !failed && rt_graph_finish(g, &err) < 0)
		print_err(&err);
	free(line);
	fclose(f);
	rt_graph_free(g);
	rt_err_clear(&err);
	return 0;
}
