/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_fleet.c - core/fleet.c: the targets file (names,
 * ${VAR}, comments, the errors that stop a run before it touches anything),
 * the result records the workers send, and the process pool (every target
 * exactly once, at most N at a time, a crashing worker a failure of its own
 * target only).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <cmocka.h>

#include "fleet.h"

static void test_targets(void **state)
{
	struct rt_fleet_targets t;
	struct rt_err err = { 0, NULL };
	(void)state;
	setenv("RT_FLEET_T2", "postgresql://app:Sekret@db2/t2", 1);
	assert_int_equal(rt_fleet_targets_parse(&t,
		"# tenants\n"
		"\n"
		"sqlite:///one.db   first\r\n"
		"   ${RT_FLEET_T2}\n"
		"postgresql://app:Sekret@db3/t3\n"
		"${RT_FLEET_UNSET:-sqlite:///four.db} fourth", "targets", &err), 0);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[0].name, "first");
	assert_string_equal(t.v[0].url, "sqlite:///one.db");
	assert_int_equal(t.v[0].line, 3);
	/* a line that is only ${VAR} is named by the variable */
	assert_string_equal(t.v[1].name, "RT_FLEET_T2");
	assert_string_equal(t.v[1].url, "postgresql://app:Sekret@db2/t2");
	assert_string_equal(t.v[1].masked, "postgresql://app:***@db2/t2");
	/* else by the masked URL: never the password */
	assert_string_equal(t.v[2].name, "postgresql://app:***@db3/t3");
	assert_string_equal(t.v[3].url, "sqlite:///four.db");
	assert_int_equal(t.v[3].line, 6);
	rt_fleet_targets_free(&t);
}

static void expect_error(const char *text, const char *want)
{
	struct rt_fleet_targets t;
	struct rt_err err = { 0, NULL };
	assert_int_equal(rt_fleet_targets_parse(&t, text, "fleet.txt", &err), -1);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' lacks '%s'", err.msg, want);
	assert_null(strstr(err.msg, "Sekret"));
	assert_int_equal(t.n, 0);
	rt_err_clear(&err);
}

static void test_target_errors(void **state)
{
	(void)state;
	unsetenv("RT_FLEET_UNSET");
	expect_error("", "no databases");
	expect_error("# nothing\n\n", "no databases");
	expect_error("sqlite:///a.db a extra\n", "fleet.txt:1: expected a database URL and an "
	             "optional name, found a third word");
	expect_error("sqlite:///a.db\n${RT_FLEET_UNSET}\n", "fleet.txt:2");
	expect_error("sqlite:///a.db\n${RT_FLEET_UNSET}\n", "RT_FLEET_UNSET");
	expect_error("nonsense\n", "fleet.txt:1");
	/* the same database twice, whatever the names */
	expect_error("postgresql://app:Sekret@db/t a\n\npostgresql://app:Sekret@db/t b\n",
	             "fleet.txt:3: the same database as line 1 (postgresql://app:***@db/t)");
	expect_error("sqlite:///a.db same\nsqlite:///b.db same\n",
	             "fleet.txt:2: the name 'same' is already the name of line 1");
}

static void test_result_codec(void **state)
{
	struct rt_fleet_result r, d;
	struct rt_buf b = RT_BUF_INIT;
	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = 1;
	r.outcome = RT_FLEET_LOCKED;
	assert_int_equal(rt_strvec_push(&r.from, "a1"), 0);
	assert_int_equal(rt_strvec_push(&r.from, "b,2:"), 0);
	r.from_known = 1;
	r.to_known = 0;
	r.message = rt_strdup("line one\nline: two,");
	assert_int_equal(rt_fleet_result_encode(&b, &r), 0);
	assert_int_equal(rt_fleet_result_decode(&d, b.ptr, b.len), 0);
	assert_int_equal(d.status, 1);
	assert_int_equal(d.outcome, RT_FLEET_LOCKED);
	assert_int_equal(d.from.n, 2);
	assert_string_equal(d.from.v[1], "b,2:");
	assert_int_equal(d.to_known, 0);
	assert_string_equal(d.message, "line one\nline: two,");
	rt_fleet_result_free(&d);
	/* every truncation of a record is refused, never half-read */
	while (b.len > 0) {
		b.len--;
		assert_int_equal(rt_fleet_result_decode(&d, b.ptr, b.len), -1);
	}
	rt_buf_free(&b);
	rt_fleet_result_free(&r);
	assert_int_equal(rt_fleet_result_decode(&d, "1:0,1:9,1:0,1:0,0:,", 19), -1);
	assert_int_equal(rt_fleet_result_decode(&d, "1:0,1:0,2:-1,2:-1,0:,", 21), 0);
	assert_int_equal(d.from_known, 0);
	assert_int_equal(d.to_known, 0);
	assert_null(d.message);
	rt_fleet_result_free(&d);
}

/* The pool: workers append their index to a shared file with O_APPEND and
 * note how many run at once through lock-free marker files. */
static char dir[64];

static void pool_work(size_t i, struct rt_fleet_result *res, void *payload)
{
	char path[128], line[32];
	int fd, n, running = 0;
	size_t k, total = *(size_t *)payload;
	snprintf(path, sizeof(path), "%s/running.%zu", dir, i);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	for (k = 0; k < total; k++) {
		snprintf(path, sizeof(path), "%s/running.%zu", dir, k);
		running += access(path, F_OK) == 0;
	}
	usleep(20000);
	snprintf(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0600);
	n = snprintf(line, sizeof(line), "%zu %d\n", i, running);
	if (write(fd, line, (size_t)n) != n)
		abort();
	close(fd);
	snprintf(path, sizeof(path), "%s/running.%zu", dir, i);
	unlink(path);
	printf("worker %zu says hello\n", i);
	fflush(stdout);  /* before the workers that die without flushing */
	if (i == 3)
		raise(SIGKILL);   /* dies without a result */
	if (i == 5)
		_exit(7);         /* exits without a result */
	res->status = i == 4 ? 1 : 0;
	res->outcome = i == 4 ? RT_FLEET_FAILED : RT_FLEET_OK;
	res->to_known = 1;
	rt_strvec_push(&res->to, "head");
}

static size_t done_order[16], n_done;

static void pool_done(size_t i, const struct rt_fleet_result *res, void *payload)
{
	(void)res;
	(void)payload;
	done_order[n_done++] = i;
}

static void test_pool(void **state)
{
	struct rt_fleet_result res[12];
	struct rt_err err = { 0, NULL };
	size_t n = 12, i, seen[12] = { 0 };
	char path[128], cmd[128];
	FILE *f;
	int idx, running, max_running = 0;
	(void)state;
	strcpy(dir, "/tmp/retort-fleettest-XXXXXX");
	assert_non_null(mkdtemp(dir));
	memset(res, 0, sizeof(res));
	n_done = 0;
	assert_int_equal(rt_fleet_run(n, 3, pool_work, pool_done, &n, res, &err), 0);
	assert_int_equal(n_done, n);
	for (i = 0; i < n; i++) {
		seen[done_order[i]]++;
		if (i == 3) {
			assert_int_equal(res[i].outcome, RT_FLEET_FAILED);
			assert_non_null(strstr(res[i].message, "killed by signal 9"));
		} else if (i == 5) {
			assert_int_equal(res[i].outcome, RT_FLEET_FAILED);
			assert_non_null(strstr(res[i].message, "exited with status 7 without a result"));
		} else if (i == 4) {
			assert_int_equal(res[i].status, 1);
			assert_int_equal(res[i].outcome, RT_FLEET_FAILED);
		} else {
			assert_int_equal(res[i].status, 0);
			assert_int_equal(res[i].outcome, RT_FLEET_OK);
			assert_string_equal(res[i].to.v[0], "head");
		}
		assert_non_null(res[i].output);
		snprintf(cmd, sizeof(cmd), "worker %zu says hello\n", i);
		assert_string_equal(res[i].output, cmd);
		assert_true(res[i].seconds > 0);
		rt_fleet_result_free(&res[i]);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	/* each worker ran once, never more than 3 at a time */
	snprintf(path, sizeof(path), "%s/log", dir);
	assert_non_null(f = fopen(path, "r"));
	memset(seen, 0, sizeof(seen));
	while (fscanf(f, "%d %d", &idx, &running) == 2) {
		assert_true(idx >= 0 && idx < 12);
		seen[idx]++;
		if (running > max_running)
			max_running = running;
	}
	fclose(f);
	for (i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	assert_true(max_running >= 1 && max_running <= 3);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_target_errors),
		cmocka_unit_test(test_result_codec),
		cmocka_unit_test(test_pool),
	};
	return cmocka_run_group_tests_name("fleet", tests, NULL, NULL);
}
