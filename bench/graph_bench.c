/* SPDX-License-Identifier: MIT */
/*
 * bench/graph_bench.c - what loading a project costs per revision, and how
 * the revision graph scales.  Writes projects of SMALL and BIG scripts (a
 * linear history, and a branchy one with feature branches forking off and
 * merging back, ids in random order as `retort revision` makes them) and
 * measures, best of three:
 *
 *   scan    rt_script_scan of the headers: reading, parsing and building
 *           the graph (what every command does first), as user CPU per
 *           revision (averaged over as many scans as take 1 s of CPU;
 *           one scan in the one-size mode, for callgrind)
 *           and as wall time (of the first);
 *   floor   the same directory listing and openat/read/close of every
 *           script, doing nothing with the bytes: the least any tool must
 *           do for the same headers, measured the same way in the same run;
 *   parse   scan minus floor: what parsing and the graph cost per revision
 *           (the figure the < 2 us target is about).  The floor matters
 *           because on a virtual machine the kernel bills part of every
 *           syscall's return to user time: three syscalls per script show
 *           up as user CPU that no parsing change can remove;
 *   heads, history, upgrade: answering `heads`, printing `history` and
 *           planning `upgrade heads` from an empty database.
 *
 * then BIG/SMALL for each: about 10 for 10k/100k is linear; a quadratic
 * step would show about 100.
 *
 *     bench/graph_bench [SMALL BIG]          default 10000 100000
 *     bench/graph_bench N                    one run of each shape (for callgrind:
 *         valgrind --tool=callgrind --toggle-collect=rt_script_scan bench/graph_bench 10000
 *         counts the instructions of the scan alone)
 *
 * Not a test: timings depend on the machine.  Built with `make check`
 * (tests/graph.am).
 */
#include "script.h"
#include "plan.h"
#include "format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* seconds of CPU each scan or floor figure is averaged over; 0 (one scan,
 * one floor pass) in the one-size mode that callgrind counts, where
 * bench/run.sh divides the scan's instructions by one scan per shape */
static double cpu_window = 1.0;

static uint64_t rng_state;

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

static double user_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

/* user + system CPU of the process, exact (the scheduler's count) */
static double total_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "graph_bench: %s: %s\n", what, msg ? msg : "failed");
	exit(1);
}

/*
 * Write n scripts into dir/versions.  linear: each revises the previous
 * one.  branchy: a trunk and up to 8 open branches; each step extends a
 * random open line, forks a new branch from the trunk (5%) or merges a
 * branch back into the trunk (5%).
 */
static void write_project(const char *dir, size_t n, int branchy)
{
	char (*ids)[13] = calloc(n, sizeof(*ids));
	char path[4096];
	size_t tips[9], ntips = 0, i;
	if (!ids)
		die("out of memory", NULL);
	snprintf(path, sizeof(path), "%s/versions", dir);
	if (mkdir(path, 0755) < 0)
		die(path, strerror(errno));
	rng_state = 0x9e3779b97f4a7c15ULL + n + (size_t)branchy;
	for (i = 0; i < n; i++) {
		char down[40] = "";
		uint64_t x = rng() % 100;
		FILE *f;
		snprintf(ids[i], 13, "%012llx", (unsigned long long)(rng() & 0xffffffffffffULL));
		if (i == 0) {
			tips[ntips++] = i;
		} else if (!branchy) {
			snprintf(down, sizeof(down), "%s", ids[i - 1]);
		} else if (x < 5 && ntips < 9) {
			snprintf(down, sizeof(down), "%s", ids[tips[0]]); /* fork off the trunk */
			tips[ntips++] = i;
		} else if (x < 10 && ntips > 1) {
			size_t b = 1 + (size_t)(rng() % (ntips - 1)); /* merge a branch back */
			snprintf(down, sizeof(down), "%s, %s", ids[tips[0]], ids[tips[b]]);
			tips[0] = i;
			tips[b] = tips[--ntips];
		} else {
			size_t b = (size_t)(rng() % ntips);
			snprintf(down, sizeof(down), "%s", ids[tips[b]]);
			tips[b] = i;
		}
		snprintf(path, sizeof(path), "%s/versions/%s_revision_%zu.sql", dir, ids[i], i);
		if (!(f = fopen(path, "w")))
			die(path, strerror(errno));
		fprintf(f, "-- Message: revision %zu\n-- Revision ID: %s\n-- Revises: %s\n"
		        "-- Create Date: 2026-01-01 00:00:00.000000\n-- Branch Labels: \n"
		        "-- Depends On: \n\n-- retort:upgrade\n"
		        "CREATE TABLE t_%s (id INTEGER PRIMARY KEY, v TEXT);\n\n"
		        "-- retort:downgrade\nDROP TABLE t_%s;\n", i, ids[i], down, ids[i], ids[i]);
		if (fclose(f) != 0)
			die(path, strerror(errno));
	}
	free(ids);
}

static void remove_project(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		die("rm -rf", dir);
}

struct times {
	double scan_user, floor_user, scan, heads, history, upgrade;
	size_t n_heads, n_steps;
};

/*
 * The I/O floor: list the directory, then open, read (one 4 KiB read, as
 * the scan's first) and close every *.sql script in name order.  Returns
 * user CPU per pass, averaged like the scan's.
 */
static double io_floor(const char *dir, size_t n)
{
	char path[4096], buf[4096];
	char **names = calloc(n, sizeof(*names));
	double u0, c0;
	unsigned reps;
	size_t got = 0, i, total = 0;
	if (!names)
		die("out of memory", NULL);
	snprintf(path, sizeof(path), "%s/versions", dir);
	u0 = user_cpu();
	c0 = total_cpu();
	for (reps = 0; reps == 0 || total_cpu() - c0 < cpu_window; reps++) {
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d)
			die(path, strerror(errno));
		for (got = 0; (de = readdir(d)) != NULL;) {
			size_t len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".sql"))
				continue;
			if (got == n || !(names[got] = strdup(de->d_name)))
				die("floor", "unexpected script or out of memory");
			got++;
		}
		for (i = 0; i < got; i++) {
			int fd = openat(dirfd(d), names[i], O_RDONLY | O_CLOEXEC);
			ssize_t r;
			if (fd < 0 || (r = read(fd, buf, sizeof(buf))) < 0)
				die(names[i], strerror(errno));
			total += (size_t)r;
			close(fd);
			free(names[i]);
		}
		closedir(d);
	}
	free(names);
	if (got != n || total == 0)
		die("floor", "wrong number of scripts");
	return (user_cpu() - u0) / reps;
}

static struct times run(const char *dir, size_t n)
{
	struct rt_graph *g = NULL;
	struct rt_err err = { 0, NULL };
	struct rt_buf b = RT_BUF_INIT;
	struct rt_format_opts o = RT_FORMAT_OPTS_INIT;
	struct rt_strvec dirs = RT_STRVEC_INIT, heads = RT_STRVEC_INIT;
	struct rt_plan p;
	struct times t;
	char path[4096];
	double t0, u0, c0;
	unsigned reps;

	snprintf(path, sizeof(path), "%s/versions", dir);
	if (rt_strvec_push(&dirs, path) < 0)
		die("out of memory", NULL);
	/*
	 * The kernel splits a process's CPU time between user and system by
	 * sampling at each timer tick: a 20 ms scan is a handful of ticks,
	 * and its user share can be off by half.  Scan again until 1 s of
	 * CPU has gone by, and divide.
	 */
	u0 = user_cpu();
	c0 = total_cpu();
	t0 = now();
	if (rt_script_scan(&g, &dirs, 0, &err) < 0)
		die("rt_script_scan", err.msg);
	t.scan = now() - t0;
	for (reps = 1; total_cpu() - c0 < cpu_window; reps++) {
		rt_graph_free(g);
		g = NULL;
		if (rt_script_scan(&g, &dirs, 0, &err) < 0)
			die("rt_script_scan", err.msg);
	}
	t.scan_user = (user_cpu() - u0) / reps;
	if (rt_graph_count(g) != n)
		die("rt_script_scan", "wrong number of revisions");
	t.floor_user = io_floor(dir, n);

	t0 = now();
	if (rt_graph_heads(g, &heads) < 0 || rt_format_heads(&b, g, &o, &err) < 0)
		die("heads", err.msg);
	t.heads = now() - t0;
	t.n_heads = heads.n;
	rt_buf_free(&b);

	t0 = now();
	if (rt_format_history(&b, g, NULL, &o, &err) < 0)
		die("history", err.msg);
	t.history = now() - t0;
	rt_buf_free(&b);

	t0 = now();
	if (rt_plan_upgrade(&p, g, NULL, 0, "heads", &err) < 0)
		die("upgrade heads", err.msg);
	t.upgrade = now() - t0;
	t.n_steps = p.n_steps;
	rt_plan_free(&p);

	rt_strvec_free(&heads);
	rt_strvec_free(&dirs);
	rt_graph_free(g);
	return t;
}

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* best of three: the machine may be busy */
static struct times best(const char *dir, size_t n)
{
	struct times t = run(dir, n);
	int k;
	for (k = 0; k < 2; k++) {
		struct times u = run(dir, n);
		t.scan_user = MIN(t.scan_user, u.scan_user);
		t.floor_user = MIN(t.floor_user, u.floor_user);
		t.scan = MIN(t.scan, u.scan);
		t.heads = MIN(t.heads, u.heads);
		t.history = MIN(t.history, u.history);
		t.upgrade = MIN(t.upgrade, u.upgrade);
	}
	return t;
}

static char *project(size_t n, int branchy)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = malloc(4096);
	if (!dir)
		die("out of memory", NULL);
	snprintf(dir, 4096, "%s/retort-graph-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	write_project(dir, n, branchy);
	return dir;
}

static void row(const char *shape, size_t n, const struct times *t)
{
	double parse = t->scan_user > t->floor_user ? t->scan_user - t->floor_user : 0;
	printf("%-8s %8zu %6zu %11.2f %9.2f %9.2f %9.4f %9.4f %9.4f %9.4f\n", shape, n, t->n_heads,
	       t->scan_user * 1e6 / (double)n, t->floor_user * 1e6 / (double)n,
	       parse * 1e6 / (double)n, t->scan, t->heads, t->history, t->upgrade);
}

int main(int argc, char **argv)
{
	size_t small = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
	size_t big = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
	int branchy;
	if (!small || (argc > 2 && !big))
		die("usage", "graph_bench [SMALL BIG] | graph_bench N");
	if (argc == 2) {
		/* one size, one run of each shape: for instruction counts */
		cpu_window = 0;
		for (branchy = 0; branchy <= 1; branchy++) {
			char *dir = project(small, branchy);
			struct times t = run(dir, small);
			printf("%s %zu: scan %.4f (user %.2f us/rev, I/O floor %.2f) heads %.4f "
			       "history %.4f upgrade %.4f\n", branchy ? "branchy" : "linear", small,
			       t.scan, t.scan_user * 1e6 / (double)small,
			       t.floor_user * 1e6 / (double)small, t.heads, t.history, t.upgrade);
			remove_project(dir);
			free(dir);
		}
		return 0;
	}
	printf("%-8s %8s %6s %11s %9s %9s %9s %9s %9s %9s\n", "shape", "revs", "heads",
	       "scan us/rev", "floor", "parse", "scan s", "heads s", "history s", "upgrade s");
	for (branchy = 0; branchy <= 1; branchy++) {
		const char *shape = branchy ? "branchy" : "linear";
		char *d1 = project(small, branchy), *d2 = project(big, branchy);
		struct times a = best(d1, small), z = best(d2, big);
		remove_project(d1);
		remove_project(d2);
		free(d1);
		free(d2);
		row(shape, small, &a);
		row(shape, big, &z);
		printf("%-8s %8s %6s %11s %9s %9s %9.1f %9.1f %9.1f %9.1f   (ratio %zu/%zu; ~%.0f is "
		       "linear)\n", shape, "ratio", "", "", "", "", z.scan / a.scan,
		       z.heads / (a.heads > 0 ? a.heads : 1e-9), z.history / a.history,
		       z.upgrade / a.upgrade, big, small, (double)big / (double)small);
		if (a.n_steps != small || z.n_steps != big) {
			fprintf(stderr, "graph_bench: upgrade heads planned %zu and %zu steps, "
			        "expected %zu and %zu\n", a.n_steps, z.n_steps, small, big);
			return 1;
		}
	}
	return 0;
}
