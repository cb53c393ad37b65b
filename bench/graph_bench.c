/*
 * bench/graph_bench.c - how the revision graph scales: builds graphs of
 * 10,000 and 100,000 revisions (a linear history, and a branchy one with
 * feature branches forking off and merging back), and times loading
 * (rt_graph_add + rt_graph_finish), `heads`, `history` and planning
 * `upgrade heads` from an empty database (best of three runs each).
 * Prints each time and the ratio of the big graph's time to the small
 * one's: about 10 means linear; a quadratic step would show ~100.
 *
 * Not a test: timings depend on the machine.  Built with `make check`
 * (tests/graph.am); run: tests/bench/graph_bench [SMALL BIG], or with one
 * size to run each shape once (for valgrind --tool=callgrind).
 */
#include "graph.h"
#include "plan.h"
#include "format.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: ids in random order, as uuid4().hex[-12:] would be */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, struct rt_err *err)
{
	fprintf(stderr, "graph_bench: %s: %s\n", what, err && err->msg ? err->msg : "failed");
	exit(1);
}

static struct rt_revision *new_rev(char ids[][13], size_t i, const size_t *down, size_t nd)
{
	struct rt_revision *r = rt_calloc(1, sizeof(*r));
	size_t k;
	if (!r)
		die("out of memory", NULL);
	snprintf(ids[i], 13, "%012llx", (unsigned long long)(rng() & 0xffffffffffffULL));
	r->id = rt_strdup(ids[i]);
	r->message = rt_sprintf("revision %zu", i);
	r->path = rt_sprintf("versions/%s_revision.sql", ids[i]);
	for (k = 0; k < nd; k++)
		rt_strvec_push(&r->down, ids[down[k]]);
	return r;
}

/*
 * linear: each revision revises the previous one.  branchy: a trunk and up
 * to 8 open branches; each step extends a random open line, forks a new
 * branch from the trunk (5%) or merges a branch back into the trunk (5%).
 */
static struct rt_revision **build(size_t n, int branchy)
{
	struct rt_revision **revs = calloc(n, sizeof(*revs));
	char (*ids)[13] = calloc(n, sizeof(*ids));
	size_t tips[9], ntips = 0, i;
	if (!revs || !ids)
		die("out of memory", NULL);
	rng_state = 0x9e3779b97f4a7c15ULL + n + (size_t)branchy;
	for (i = 0; i < n; i++) {
		size_t down[2];
		uint64_t x = rng() % 100;
		if (i == 0) {
			revs[i] = new_rev(ids, i, NULL, 0);
			tips[ntips++] = i;
		} else if (!branchy) {
			down[0] = i - 1;
			revs[i] = new_rev(ids, i, down, 1);
		} else if (x < 5 && ntips < 9) {
			down[0] = tips[0];                       /* fork off the trunk */
			revs[i] = new_rev(ids, i, down, 1);
			tips[ntips++] = i;
		} else if (x < 10 && ntips > 1) {
			size_t b = 1 + (size_t)(rng() % (ntips - 1)); /* merge a branch back */
			down[0] = tips[0];
			down[1] = tips[b];
			revs[i] = new_rev(ids, i, down, 2);
			tips[0] = i;
			tips[b] = tips[--ntips];
		} else {
			size_t b = (size_t)(rng() % ntips);
			down[0] = tips[b];
			revs[i] = new_rev(ids, i, down, 1);
			tips[b] = i;
		}
	}
	free(ids);
	return revs;
}

struct times {
	double load, heads, history, upgrade;
	size_t n_heads, n_steps;
};

static struct times run(size_t n, int branchy)
{
	struct rt_revision **revs = build(n, branchy);
	struct rt_graph *g = NULL;
	struct rt_err err = { 0, NULL };
	struct rt_buf b = RT_BUF_INIT;
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	struct rt_strvec heads = RT_STRVEC_INIT;
	struct rt_plan p;
	struct times t;
	double t0;
	size_t i;

	t0 = now();
	if (rt_graph_new(&g, NULL) < 0)
		die("rt_graph_new", NULL);
	for (i = 0; i < n; i++)
		if (rt_graph_add(g, revs[i], &err) < 0)
			die("rt_graph_add", &err);
	if (rt_graph_finish(g, &err) < 0)
		die("rt_graph_finish", &err);
	t.load = now() - t0;

	t0 = now();
	if (rt_graph_heads(g, &heads) < 0 || rt_format_heads(&b, g, &o, &err) < 0)
		die("heads", &err);
	t.heads = now() - t0;
	t.n_heads = heads.n;
	rt_buf_free(&b);

	t0 = now();
	if (rt_format_history(&b, g, NULL, &o, &err) < 0)
		die("history", &err);
	t.history = now() - t0;
	rt_buf_free(&b);

	t0 = now();
	if (rt_plan_upgrade(&p, g, NULL, 0, "heads", &err) < 0)
		die("upgrade heads", &err);
	t.upgrade = now() - t0;
	t.n_steps = p.n_steps;
	rt_plan_free(&p);

	rt_strvec_free(&heads);
	rt_graph_free(g);
	free(revs);
	return t;
}

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* best of three: the machine may be busy */
static struct times best(size_t n, int branchy)
{
	struct times t = run(n, branchy);
	int k;
	for (k = 0; k < 2; k++) {
		struct times u = run(n, branchy);
		t.load = MIN(t.load, u.load);
		t.heads = MIN(t.heads, u.heads);
		t.history = MIN(t.history, u.history);
		t.upgrade = MIN(t.upgrade, u.upgrade);
	}
	return t;
}

int main(int argc, char **argv)
{
	size_t small = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
	size_t big = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
	int branchy;
	if (argc == 2) {
		/* one size, one run of each shape: for instruction counts, e.g.
		 * valgrind --tool=callgrind tests/bench/graph_bench 100000 */
		for (branchy = 0; branchy <= 1; branchy++) {
			struct times t = run(small, branchy);
			printf("%s %zu: load %.4f heads %.4f history %.4f upgrade %.4f\n",
			       branchy ? "branchy" : "linear", small, t.load, t.heads, t.history,
			       t.upgrade);
		}
		return 0;
	}
	printf("%-8s %8s %6s %9s %9s %9s %9s\n", "shape", "revs", "heads", "load s", "heads s",
	       "history s", "upgrade s");
	for (branchy = 0; branchy <= 1; branchy++) {
		const char *shape = branchy ? "branchy" : "linear";
		struct times a = best(small, branchy), z = best(big, branchy);
		printf("%-8s %8zu %6zu %9.4f %9.4f %9.4f %9.4f\n", shape, small, a.n_heads, a.load,
		       a.heads, a.history, a.upgrade);
		printf("%-8s %8zu %6zu %9.4f %9.4f %9.4f %9.4f\n", shape, big, z.n_heads, z.load,
		       z.heads, z.history, z.upgrade);
		printf("%-8s %8s %6s %9.1f %9.1f %9.1f %9.1f   (ratio %zu/%zu; ~%.0f is linear)\n",
		       shape, "ratio", "", z.load / a.load, z.heads / (a.heads > 0 ? a.heads : 1e-9),
		       z.history / a.history, z.upgrade / a.upgrade, big, small,
		       (double)big / (double)small);
		if (a.n_steps != small || z.n_steps != big) {
			fprintf(stderr, "graph_bench: upgrade heads planned %zu and %zu steps, "
			        "expected %zu and %zu\n", a.n_steps, z.n_steps, small, big);
			return 1;
		}
	}
	return 0;
}
