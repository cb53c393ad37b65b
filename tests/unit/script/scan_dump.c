/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/script/scan_dump.c - scan script directories as the commands
 * do and print each revision on one line (id|revises|labels|depends|
 * message|date|path), for tests that watch the scan from outside (its
 * system calls, under strace).
 *
 *     scan_dump [-r|-w] DIR...
 *
 * -r: the scan a run makes (keeping the scripts its reads returned whole);
 * -w: the reference, every script read whole and parsed with
 * rt_script_parse (one directory).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

static void list(const struct rt_strvec *v)
{
	size_t i;
	for (i = 0; i < v->n; i++)
		printf("%s%s", i ? "," : "", v->v[i]);
	putchar('|');
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The reference graph: each script of `dir` read whole and parsed. */
static int whole(struct rt_graph **out, const char *dir, struct rt_err *err)
{
	struct rt_strvec names = RT_STRVEC_INIT;
	struct rt_graph *g = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;
	int rc = -1;
	if (!d || rt_graph_new(&g, rt_script_free) < 0)
		return rt_err_set(err, 2, "cannot read %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] != '.' && n > 4 && strcmp(de->d_name + n - 4, ".sql") == 0 &&
		    rt_strvec_push(&names, de->d_name) < 0)
			goto done;
	}
	qsort(names.v, names.n, sizeof(char *), cmp_name);
	for (i = 0; i < names.n; i++) {
		char *path = rt_path_join(dir, names.v[i]), *text = NULL;
		size_t len = 0;
		struct rt_revision *rev;
		int bad = !path || rt_read_file(&text, &len, path, err) < 0 ||
		          rt_script_parse(&rev, path, text, len, err) < 0 ||
		          rt_graph_add(g, rev, err) < 0;
		rt_free(path);
		rt_free(text);
		if (bad)
			goto done;
	}
	if (rt_graph_finish(g, err) < 0)
		goto done;
	*out = g;
	g = NULL;
	rc = 0;
done:
	closedir(d);
	rt_graph_free(g);
	rt_strvec_free(&names);
	return rc;
}

int main(int argc, char **argv)
{
	struct rt_strvec dirs = RT_STRVEC_INIT;
	struct rt_err err = { 0, NULL };
	struct rt_graph *g = NULL;
	int i = 1, run = 0, ref = 0, rc = 0;
	size_t k;
	if (argc > 1 && strcmp(argv[1], "-r") == 0)
		run = i++;
	else if (argc > 1 && strcmp(argv[1], "-w") == 0)
		ref = i++;
	for (; i < argc; i++)
		if (rt_strvec_push(&dirs, argv[i]) < 0)
			return 2;
	if (ref ? (dirs.n != 1 || whole(&g, dirs.v[0], &err) < 0)
	        : rt_script_scan(&g, &dirs, run, &err) < 0) {
		fprintf(stderr, "scan_dump: %s\n", err.msg ? err.msg : "out of memory");
		rc = 1;
	} else {
		for (k = 0; k < rt_graph_count(g); k++) {
			const struct rt_revision *r = rt_graph_at(g, k);
			printf("%s|", r->id);
			list(&r->down);
			list(&r->branch_labels);
			list(&r->depends_on);
			printf("%s|%s|%s\n", r->message ? r->message : "", r->create_date ?
			       r->create_date : "", r->path ? r->path : "");
		}
	}
	rt_err_clear(&err);
	rt_graph_free(g);
	rt_strvec_free(&dirs);
	return rc;
}
