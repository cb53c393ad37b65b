/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_secret.c - core/secret.c: secret files, the word
 * splitting of password_command, running it without a shell, and what
 * its failures say (never its output).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "secret.h"
#include "settings.h"
#include "url.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/retort-secret-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char buf[2][512];
	static int k;
	k = !k;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *name, const char *data, size_t len)
{
	FILE *f = fopen(path_of(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* ------------------------------------------------------------ files */

static void expect_file(const char *data, size_t len, const char *want)
{
	struct rt_err err = { 0, NULL };
	char *v = NULL;
	put("s", data, len);
	if (rt_secret_file(&v, path_of("s"), &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(v, want);
	rt_free(v);
}

static char *file_error(const char *path)
{
	struct rt_err err = { 0, NULL };
	char *v = NULL;
	assert_int_equal(rt_secret_file(&v, path, &err), -1);
	assert_null(v);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	return err.msg;
}

static void test_file(void **state)
{
	char *big, *msg;
	(void)state;
	expect_file("s3cret\n", 7, "s3cret");
	expect_file("s3cret", 6, "s3cret");
	expect_file("s3cret\r\n", 8, "s3cret");
	expect_file("s3cret\n\n", 8, "s3cret\n");         /* one newline only */
	expect_file(" spaced pw \n", 12, " spaced pw ");   /* blanks are kept */
	expect_file("", 0, "");

	msg = file_error(path_of("missing"));
	assert_non_null(strstr(msg, "cannot read secret file"));
	assert_non_null(strstr(msg, path_of("missing")));
	assert_non_null(strstr(msg, "No such file"));
	rt_free(msg);

	msg = file_error(dir);
	assert_non_null(strstr(msg, "not a regular file"));
	rt_free(msg);

	put("nul", "ab\0cd", 5);
	msg = file_error(path_of("nul"));
	assert_non_null(strstr(msg, "NUL byte"));
	assert_null(strstr(msg, "ab"));
	rt_free(msg);

	big = malloc(RT_SECRET_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', RT_SECRET_MAX + 1);
	put("big", big, RT_SECRET_MAX + 1);
	msg = file_error(path_of("big"));
	assert_non_null(strstr(msg, "larger than 65536 bytes"));
	rt_free(msg);
	put("big", big, RT_SECRET_MAX);
	{
		struct rt_err err = { 0, NULL };
		char *v = NULL;
		assert_int_equal(rt_secret_file(&v, path_of("big"), &err), 0);
		assert_int_equal(strlen(v), RT_SECRET_MAX);
		rt_free(v);
	}
	free(big);

	/* Unreadable (skipped as root, who reads everything). */
	if (geteuid() != 0) {
		put("private", "x", 1);
		chmod(path_of("private"), 0);
		msg = file_error(path_of("private"));
		assert_non_null(strstr(msg, "Permission denied"));
		rt_free(msg);
	}
}

/* ------------------------------------------------------------ words */

static void expect_words(const char *text, int n, ...)
{
	struct rt_strvec w = RT_STRVEC_INIT;
	const char *why;
	va_list ap;
	int i;
	assert_int_equal(rt_secret_split_words(&w, text, &why), 0);
	if ((int)w.n != n)
		fail_msg("'%s': %zu words, wanted %d", text, w.n, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(w.v[i], va_arg(ap, const char *));
	va_end(ap);
	rt_strvec_free(&w);
}

static void expect_bad_words(const char *text, const char *why_part)
{
	struct rt_strvec w = RT_STRVEC_INIT;
	const char *why = NULL;
	assert_int_equal(rt_secret_split_words(&w, text, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
	rt_strvec_free(&w);
}

static void test_words(void **state)
{
	(void)state;
	expect_words("pass show db/prod", 3, "pass", "show", "db/prod");
	expect_words("  a \t b  ", 2, "a", "b");
	expect_words("", 0);
	expect_words("printf '%s\\n' x", 3, "printf", "%s\\n", "x");
	expect_words("a 'b c' \"d e\"", 3, "a", "b c", "d e");
	expect_words("\"a \\\" \\\\ \\n\"", 1, "a \" \\ \\n");
	expect_words("a\\ b c", 2, "a b", "c");
	expect_words("x'y'\"z\"", 1, "xyz");
	expect_words("'' \"\"", 2, "", "");
	/* Nothing a shell would do happens. */
	expect_words("echo $(id) `id` ; rm -rf / | cat > f", 11, "echo", "$(id)", "`id`", ";",
	             "rm", "-rf", "/", "|", "cat", ">", "f");
	expect_bad_words("echo 'open", "' is not closed");
	expect_bad_words("echo \"open", "\" is not closed");
	expect_bad_words("echo x\\", "backslash");
}

/* ------------------------------------------------------------ command */

static int run(char **out, struct rt_err *err, const char *where, int n, ...)
{
	struct rt_strvec argv = RT_STRVEC_INIT;
	va_list ap;
	int i, rc;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(rt_strvec_push(&argv, va_arg(ap, const char *)), 0);
	va_end(ap);
	rc = rt_secret_command(out, &argv, dir, where, err);
	rt_strvec_free(&argv);
	return rc;
}

static void expect_cmd_error(const char *want, int n, const char *a0, const char *a1,
                             const char *a2)
{
	struct rt_err err = { 0, NULL };
	char *v = NULL;
	assert_int_equal(run(&v, &err, "retort.cfg:3: password_command", n, a0, a1, a2), -1);
	assert_null(v);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("'%s' lacks '%s'", err.msg, want);
	assert_true(rt_startswith(err.msg, "retort.cfg:3: password_command"));
	assert_null(strstr(err.msg, "Sekr1t"));      /* output never shown */
	rt_err_clear(&err);
}

static void test_command(void **state)
{
	struct rt_err err = { 0, NULL };
	char *v = NULL;
	(void)state;

	assert_int_equal(run(&v, &err, "w", 2, "echo", "Sekr1t"), 0);
	assert_string_equal(v, "Sekr1t");               /* the newline trimmed */
	rt_free(v);
	assert_int_equal(run(&v, &err, "w", 3, "printf", "%s", "two words"), 0);
	assert_string_equal(v, "two words");
	rt_free(v);
	/* No shell: $(...) and ; reach the program as they are. */
	assert_int_equal(run(&v, &err, "w", 3, "echo", "$(id);", "`id`"), 0);
	assert_string_equal(v, "$(id); `id`");
	rt_free(v);
	/* It runs in the config file's directory. */
	put("pwfile", "from-dir\n", 9);
	assert_int_equal(run(&v, &err, "w", 2, "cat", "pwfile"), 0);
	assert_string_equal(v, "from-dir");
	rt_free(v);
	/* stderr is the user's, not the password. */
	assert_int_equal(run(&v, &err, "w", 3, "sh", "-c", "echo note >&2; echo pw"), 0);
	assert_string_equal(v, "pw");
	rt_free(v);

	expect_cmd_error("cannot run no-such-command-xyz: No such file or directory", 1,
	                 "no-such-command-xyz", NULL, NULL);
	expect_cmd_error("sh exited with status 3", 3, "sh", "-c", "echo Sekr1t; exit 3");
	expect_cmd_error("sh was killed by signal 9", 3, "sh", "-c", "echo Sekr1t; kill -9 $$");
	expect_cmd_error("true printed nothing on its standard output", 1, "true", NULL, NULL);
	expect_cmd_error("printed nothing", 2, "echo", "", NULL);
	expect_cmd_error("printed more than 65536 bytes", 3, "sh", "-c",
	                 "echo Sekr1t; exec cat /dev/zero");
	expect_cmd_error("holds a NUL byte", 2, "printf", "Sekr1t\\000x", NULL);
	expect_cmd_error("is empty", 1, "", NULL, NULL);
}

/* The URL gets the command's output as its password, only when it has none. */
static void test_url_password(void **state)
{
	struct rt_settings cfg;
	struct rt_url *u = NULL;
	struct rt_err err = { 0, NULL };
	(void)state;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = dir;
	cfg.password_command_where = (char *)"retort.cfg:2: password_command";
	assert_int_equal(rt_url_parse(&u, "postgresql://app@h/db", &err), 0);
	assert_int_equal(rt_secret_url_password(u, &cfg, &err), 0);   /* no command */
	assert_null(u->pub.password);
	assert_int_equal(rt_strvec_push(&cfg.password_command, "echo"), 0);
	assert_int_equal(rt_strvec_push(&cfg.password_command, "from-command"), 0);
	assert_int_equal(rt_secret_url_password(u, &cfg, &err), 0);
	assert_string_equal(u->pub.password, "from-command");
	assert_ptr_equal(u->pub.password, u->password);
	assert_null(strstr(u->pub.masked, "from-command"));
	rt_url_free(u);

	assert_int_equal(rt_url_parse(&u, "postgresql://app:given@h/db", &err), 0);
	assert_int_equal(rt_secret_url_password(u, &cfg, &err), 0);
	assert_string_equal(u->pub.password, "given");
	rt_url_free(u);

	rt_strvec_free(&cfg.password_command);
	assert_int_equal(rt_strvec_push(&cfg.password_command, "false"), 0);
	assert_int_equal(rt_url_parse(&u, "postgresql://app@h/db", &err), 0);
	assert_int_equal(rt_secret_url_password(u, &cfg, &err), -1);
	assert_non_null(strstr(err.msg, "retort.cfg:2: password_command: false exited with status 1"));
	assert_null(u->pub.password);
	rt_err_clear(&err);
	rt_url_free(u);
	rt_strvec_free(&cfg.password_command);
}

/* Every allocation failure is a clean error. */
static void test_oom(void **state)
{
	unsigned long n;
	struct rt_strvec argv = RT_STRVEC_INIT;
	(void)state;
	put("s", "pw\n", 3);
	assert_int_equal(rt_strvec_push(&argv, "echo"), 0);
	assert_int_equal(rt_strvec_push(&argv, "x"), 0);
	for (n = 1; n < 200; n++) {
		struct rt_strvec w = RT_STRVEC_INIT;
		struct rt_err err = { 0, NULL };
		const char *why;
		char *v = NULL;
		int r1, r2, r3;
		rt__alloc_fail_after(n);
		r1 = rt_secret_split_words(&w, "a 'b c' d", &why);
		r2 = rt_secret_file(&v, path_of("s"), &err);
		rt_free(v);
		v = NULL;
		rt_err_clear(&err);
		r3 = rt_secret_command(&v, &argv, dir, "w", &err);
		rt__alloc_fail_after(0);
		rt_free(v);
		rt_strvec_free(&w);
		rt_err_clear(&err);
		if (r1 == 0 && r2 == 0 && r3 == 0)
			break;
		assert_true(r1 == 0 || r1 == -2);
	}
	assert_true(n < 200);
	rt_strvec_free(&argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
