/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_fs.c - core/fs.c: mkdir -p, empty directories, and
 * rt_fs_write_new under failing write() and close().
 *
 * The program links with -Wl,--wrap=write,--wrap=close, which only
 * redirects calls made from objects of this program, so the module under
 * test is compiled into it (the #include below) rather than taken from
 * libretort.  The wrappers can fail on demand and count how often each
 * descriptor is closed: a descriptor closed twice (the old project.c
 * closed it again after close() failed, maybe closing another thread's
 * file) or never (it leaked when write() failed) is a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fs.c"

/* ------------------------------------------------------------ wrappers */

ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_close(int fd);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_close(int fd);

static int write_errno;        /* next write() fails with this, 0: no */
static size_t write_max;       /* write at most this many bytes per call, 0: all */
static int close_errno;        /* close() closes, then fails with this */
static int watched_fd = -1;    /* the descriptor rt_fs_write_new opened */
static int watched_closes;     /* how often it was closed */

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	watched_fd = fd;
	if (write_errno) {
		errno = write_errno;
		return -1;
	}
	if (write_max && n > write_max)
		n = write_max;
	return __real_write(fd, buf, n);
}

int __wrap_close(int fd)
{
	int rc;
	if (fd == watched_fd)
		watched_closes++;
	rc = __real_close(fd);
	if (rc == 0 && close_errno && fd == watched_fd) {
		/* Linux frees the descriptor even when close() reports EIO. */
		errno = close_errno;
		return -1;
	}
	return rc;
}

/* ------------------------------------------------------------ fixture */

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/retort-fstest-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/new.sql", dir);
	write_errno = close_errno = 0;
	write_max = 0;
	watched_fd = -1;
	watched_closes = 0;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *p)
{
	char *out = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_read_file(&out, NULL, p, &err) < 0) {
		rt_err_clear(&err);
		return NULL;
	}
	return out;
}

/* ------------------------------------------------------------ tests */

static void test_write_new(void **state)
{
	struct rt_err err = { 0, NULL };
	char *s;
	(void)state;
	assert_int_equal(rt_fs_write_new(path, "select 1;\n", &err), 0);
	assert_int_equal(watched_closes, 1);
	assert_non_null(s = slurp(path));
	assert_string_equal(s, "select 1;\n");
	rt_free(s);
}

/* A short write is continued, not treated as failure or as success. */
static void test_write_new_short_writes(void **state)
{
	struct rt_err err = { 0, NULL };
	char *s;
	(void)state;
	write_max = 3;
	assert_int_equal(rt_fs_write_new(path, "create table t (x int);\n", &err), 0);
	assert_non_null(s = slurp(path));
	assert_string_equal(s, "create table t (x int);\n");
	rt_free(s);
	assert_int_equal(watched_closes, 1);
}

static void test_write_new_exists(void **state)
{
	struct rt_err err = { 0, NULL };
	char *s;
	(void)state;
	assert_int_equal(rt_fs_write_new(path, "old", &err), 0);
	assert_int_equal(rt_fs_write_new(path, "new", &err), -1);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "never overwritten"));
	assert_non_null(s = slurp(path));
	assert_string_equal(s, "old");
	rt_free(s);
	rt_err_clear(&err);
}

/* write() fails: the descriptor is closed once (it used to leak), the
 * half-written file is removed, the message names the path and errno. */
static void test_write_new_write_fails(void **state)
{
	struct rt_err err = { 0, NULL };
	(void)state;
	write_errno = ENOSPC;
	assert_int_equal(rt_fs_write_new(path, "select 1;\n", &err), -1);
	assert_int_equal(watched_closes, 1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, strerror(ENOSPC)));
	rt_err_clear(&err);
}

/* close() fails after a full write: closed exactly once (it used to be
 * closed a second time), the file is removed, close's errno is reported. */
static void test_write_new_close_fails(void **state)
{
	struct rt_err err = { 0, NULL };
	(void)state;
	close_errno = EIO;
	assert_int_equal(rt_fs_write_new(path, "select 1;\n", &err), -1);
	assert_int_equal(watched_closes, 1);
	assert_int_equal(access(path, F_OK), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, strerror(EIO)));
	rt_err_clear(&err);
}

static void test_mkdir_p(void **state)
{
	struct rt_err err = { 0, NULL };
	char deep[160];
	struct stat st;
	(void)state;
	snprintf(deep, sizeof(deep), "%s/a/b/c", dir);
	assert_int_equal(rt_fs_dir_is_empty(dir), 1);
	assert_int_equal(rt_fs_mkdir_p(deep, &err), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rt_fs_mkdir_p(deep, &err), 0); /* exists: fine */
	assert_int_equal(rt_fs_dir_is_empty(dir), 0);
	assert_int_equal(rt_fs_dir_is_empty(deep), 1);
	/* a file in the way is an error naming the path */
	assert_int_equal(rt_fs_write_new(path, "x", &err), 0);
	snprintf(deep, sizeof(deep), "%s/sub", path);
	assert_int_equal(rt_fs_mkdir_p(deep, &err), -1);
	assert_non_null(strstr(err.msg, path));
	rt_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_new_short_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_new_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_new_write_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_new_close_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
