/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/test_settings.c - core/settings.c: lookup order, defaults,
 * ${VAR} expansion, URL override, error messages with file:line, types,
 * unknown keys, lock_timeout and the literal-password warning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "settings.h"
#include "host.h"

static char tmpdir[256];
static char oldcwd[4096];

/* Each test gets a fresh directory as its cwd and a clean environment. */
static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/retort-cfgtest-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (!getcwd(oldcwd, sizeof(oldcwd)) || chdir(tmpdir) < 0)
		return -1;
	unsetenv("RETORT_CONFIG");
	unsetenv("RETORT_URL");
	unsetenv("RT_TEST_VAR");
	unsetenv("RT_TEST_EMPTY");
	unsetenv("RT_TEST_UNSET");
	unsetenv("RT_TEST_UNSET2");
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Run rt_settings_load with stderr captured into *stderr_out (caller frees).
 */
static int load_capture(struct rt_settings **cfg, const char *path, const char *url,
                        struct rt_err *err, char **stderr_out)
{
	char cap[300];
	int saved, fd, rc;
	FILE *f;
	long n;
	snprintf(cap, sizeof(cap), "%s/.stderr", tmpdir);
	fflush(stderr);
	saved = dup(2);
	fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	rc = rt_settings_load(cfg, path, url, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(cap, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*stderr_out = calloc(1, (size_t)n + 1);
	assert_non_null(*stderr_out);
	if (n > 0)
		assert_int_equal(fread(*stderr_out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(cap);
	return rc;
}

static struct rt_settings *load_ok(const char *path, const char *url)
{
	struct rt_settings *cfg = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_settings_load(&cfg, path, url, &err) != 0)
		fail_msg("load failed: %s", err.msg ? err.msg : "(oom)");
	assert_non_null(cfg);
	return cfg;
}

/* Expect failure; return the message (caller frees). */
static char *load_fail(const char *path, const char *url)
{
	struct rt_settings *cfg = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_settings_load(&cfg, path, url, &err) == 0)
		fail_msg("load of %s should have failed", path ? path : "(default)");
	assert_null(cfg);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(err.msg);
	return err.msg;
}

static char *in_tmp(const char *rel)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, rel);
	return buf[k];
}

static void test_defaults(void **state)
{
	struct rt_settings *cfg;
	(void)state;
	write_file("retort.cfg", "url = \"sqlite:///x.db\";\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->path, in_tmp("retort.cfg"));
	assert_string_equal(cfg->dir, tmpdir);
	assert_string_equal(cfg->script_location, in_tmp("migrations"));
	assert_string_equal(cfg->url, "sqlite:///x.db");
	assert_int_equal(cfg->url_from_file, 1);
	assert_string_equal(cfg->version_table, "alembic_version");
	assert_null(cfg->version_table_schema);
	assert_int_equal(cfg->version_locations.n, 0);
	assert_string_equal(cfg->file_template, "%(rev)s_%(slug)s");
	assert_int_equal(cfg->truncate_slug_length, 40);
	assert_int_equal(cfg->transaction_per_migration, 0);
	assert_null(cfg->timezone);
	assert_int_equal(cfg->lock_timeout_ms, 60000);
	assert_int_equal(cfg->has_plugins_group, 0);
	assert_string_equal(cfg->on_changed_script, "error");
	assert_null(cfg->audit_log);
	assert_int_equal(cfg->offline_history, 1);
	assert_non_null(cfg->cfg);
	rt_settings_free(cfg);

	/* An empty file is valid: every default, no url. */
	write_file("retort.cfg", "", 0600);
	cfg = load_ok(NULL, NULL);
	assert_null(cfg->url);
	assert_int_equal(cfg->url_from_file, 0);
	rt_settings_free(cfg);
}

static void test_all_settings(void **state)
{
	struct rt_settings *cfg;
	(void)state;
	assert_int_equal(mkdir("proj", 0700), 0);
	write_file("proj/retort.cfg",
	           "# comment\n"
	           "script_location = \"db/./scripts/\";\n"
	           "url = \"postgresql://app@localhost/appdb\";\n"
	           "version_table = \"my_version\";\n"
	           "version_table_schema = \"audit\";\n"
	           "version_locations = [ \"extra\", \"/abs/more\" ];\n"
	           "file_template = \"%(year)d_%(rev)s_%(slug)s\";\n"
	           "truncate_slug_length = 20;\n"
	           "transaction_per_migration = true;\n"
	           "timezone = \"UTC\";\n"
	           "lock_timeout = 5;\n"
	           "plugins = ( { name = \"x\"; schemes = [ \"x\" ]; module = \"x\"; } );\n",
	           0600);
	cfg = load_ok("proj/retort.cfg", NULL);
	assert_string_equal(cfg->path, in_tmp("proj/retort.cfg"));
	assert_string_equal(cfg->dir, in_tmp("proj"));
	assert_string_equal(cfg->script_location, in_tmp("proj/db/scripts"));
	assert_string_equal(cfg->version_table, "my_version");
	assert_string_equal(cfg->version_table_schema, "audit");
	assert_int_equal(cfg->version_locations.n, 2);
	assert_string_equal(cfg->version_locations.v[0], in_tmp("proj/extra"));
	assert_string_equal(cfg->version_locations.v[1], "/abs/more");
	assert_string_equal(cfg->file_template, "%(year)d_%(rev)s_%(slug)s");
	assert_int_equal(cfg->truncate_slug_length, 20);
	assert_int_equal(cfg->transaction_per_migration, 1);
	assert_string_equal(cfg->timezone, "UTC");
	assert_int_equal(cfg->lock_timeout_ms, 5000);
	assert_int_equal(cfg->has_plugins_group, 1);
	rt_settings_free(cfg);

	/* Same file by absolute path, from another cwd. */
	cfg = load_ok(in_tmp("proj/retort.cfg"), NULL);
	assert_string_equal(cfg->script_location, in_tmp("proj/db/scripts"));
	rt_settings_free(cfg);

	/* version_table_schema "" means none. */
	write_file("retort.cfg", "version_table_schema = \"\";\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_null(cfg->version_table_schema);
	rt_settings_free(cfg);
}

static void test_lookup_order(void **state)
{
	struct rt_settings *cfg;
	char *msg;
	(void)state;
	/* Nothing anywhere: say how to make one. */
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "retort init DIR"));
	assert_non_null(strstr(msg, "-c"));
	free(msg);

	write_file("retort.cfg", "version_table = \"from_cwd\";\n", 0600);
	write_file("env.cfg", "version_table = \"from_env\";\n", 0600);
	write_file("explicit.cfg", "version_table = \"from_c\";\n", 0600);

	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->version_table, "from_cwd");
	rt_settings_free(cfg);

	setenv("RETORT_CONFIG", "env.cfg", 1);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->version_table, "from_env");
	rt_settings_free(cfg);

	cfg = load_ok("explicit.cfg", NULL);
	assert_string_equal(cfg->version_table, "from_c");
	rt_settings_free(cfg);

	/* An empty RETORT_CONFIG is as if unset. */
	setenv("RETORT_CONFIG", "", 1);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->version_table, "from_cwd");
	rt_settings_free(cfg);

	setenv("RETORT_CONFIG", "nope.cfg", 1);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "nope.cfg"));
	assert_non_null(strstr(msg, "RETORT_CONFIG"));
	assert_non_null(strstr(msg, "does not exist"));
	free(msg);
	unsetenv("RETORT_CONFIG");

	msg = load_fail("missing.cfg", NULL);
	assert_non_null(strstr(msg, "missing.cfg"));
	assert_non_null(strstr(msg, "-c"));
	free(msg);

	assert_int_equal(mkdir("adir", 0700), 0);
	msg = load_fail("adir", NULL);
	assert_non_null(strstr(msg, "not a regular file"));
	free(msg);
}

static void test_url_override(void **state)
{
	struct rt_settings *cfg;
	char *msg;
	(void)state;
	write_file("retort.cfg", "url = \"sqlite:///file.db\";\n", 0600);
	setenv("RETORT_URL", "sqlite:///env.db", 1);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->url, "sqlite:///env.db");
	assert_int_equal(cfg->url_from_file, 0);
	rt_settings_free(cfg);

	cfg = load_ok(NULL, "sqlite:///cli.db");
	assert_string_equal(cfg->url, "sqlite:///cli.db");
	assert_int_equal(cfg->url_from_file, 0);
	rt_settings_free(cfg);
	unsetenv("RETORT_URL");

	/* An overridden url is not expanded: an unset variable in it is fine. */
	write_file("retort.cfg", "url = \"${RT_TEST_VAR}\";\n", 0600);
	cfg = load_ok(NULL, "sqlite:///cli.db");
	assert_string_equal(cfg->url, "sqlite:///cli.db");
	rt_settings_free(cfg);
	msg = load_fail(NULL, NULL);
	assert_string_equal(msg, "retort.cfg:1: url: environment variable RT_TEST_VAR is not "
	                         "set (set it, or write ${RT_TEST_VAR:-default})");
	free(msg);
}

static void test_expand(void **state)
{
	struct rt_err err = { 0, NULL };
	char *s = NULL;
	(void)state;
	setenv("RT_TEST_VAR", "val$ue${X}", 1);
	setenv("RT_TEST_EMPTY", "", 1);

	assert_int_equal(rt_settings_expand(&s, "a${RT_TEST_VAR}b", "x", &err), 0);
	assert_string_equal(s, "aval$ue${X}b"); /* values are not re-expanded */
	free(s);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET:-def:-x}", "x", &err), 0);
	assert_string_equal(s, "def:-x");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_VAR:-def}", "x", &err), 0);
	assert_string_equal(s, "val$ue${X}");
	free(s);
	/* Set but empty takes the default with ':-' (as sh). */
	assert_int_equal(rt_settings_expand(&s, "[${RT_TEST_EMPTY:-d}]", "x", &err), 0);
	assert_string_equal(s, "[d]");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "[${RT_TEST_EMPTY}]", "x", &err), 0);
	assert_string_equal(s, "[]");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET:-}", "x", &err), 0);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "$$ $$$$ p$ss $1 $", "x", &err), 0);
	assert_string_equal(s, "$ $$ p$ss $1 $");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "$${RT_TEST_VAR}", "x", &err), 0);
	assert_string_equal(s, "${RT_TEST_VAR}");
	free(s);

	/* Defaults may hold references themselves. */
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET:-${RT_TEST_VAR}}!", "x", &err), 0);
	assert_string_equal(s, "val$ue${X}!");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET:-${RT_TEST_UNSET2:-d}x}", "x",
	                                  &err), 0);
	assert_string_equal(s, "dx");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET:-a$$}b}", "x", &err), 0);
	assert_string_equal(s, "a$b}");
	free(s);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET:-${RT_TEST_UNSET2}}", "url", &err),
	                 -1);
	assert_non_null(strstr(err.msg, "RT_TEST_UNSET2 is not set"));
	rt_err_clear(&err);
	{
		/* Deep nesting is refused, not a stack overflow. */
		char deep[4096] = "";
		int k;
		for (k = 0; k < 200; k++)
			strcat(deep, "${RT_TEST_UNSET:-");
		strcat(deep, "x");
		for (k = 0; k < 200; k++)
			strcat(deep, "}");
		assert_int_equal(rt_settings_expand(&s, deep, "url", &err), -1);
		assert_non_null(strstr(err.msg, "nested more than"));
		rt_err_clear(&err);
	}

	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_UNSET}", "url", &err), -1);
	assert_null(s);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "url: environment variable RT_TEST_UNSET is not set"));
	rt_err_clear(&err);
	assert_int_equal(rt_settings_expand(&s, "${RT_TEST_VAR", "url", &err), -1);
	assert_non_null(strstr(err.msg, "unterminated ${"));
	rt_err_clear(&err);
	assert_int_equal(rt_settings_expand(&s, "${}", "url", &err), -1);
	assert_non_null(strstr(err.msg, "bad variable reference"));
	rt_err_clear(&err);
	assert_int_equal(rt_settings_expand(&s, "${A-B}", "url", &err), -1);
	assert_non_null(strstr(err.msg, "bad variable reference"));
	rt_err_clear(&err);
	assert_int_equal(rt_settings_expand(&s, "${1A}", "url", &err), -1);
	rt_err_clear(&err);
}

static void test_expand_in_settings(void **state)
{
	struct rt_settings *cfg;
	char *msg;
	(void)state;
	setenv("RT_TEST_VAR", "sub", 1);
	write_file("retort.cfg",
	           "script_location = \"${RT_TEST_VAR}/m\";\n"
	           "url = \"sqlite:///${RT_TEST_UNSET:-dev}.db\";\n"
	           "version_locations = [ \"${RT_TEST_VAR}/v\", \"${RT_TEST_UNSET:-}\" ];\n"
	           "version_table = \"v$$t\";\n",
	           0600);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->script_location, in_tmp("sub/m"));
	assert_string_equal(cfg->url, "sqlite:///dev.db");
	assert_int_equal(cfg->version_locations.n, 1); /* empty items are dropped */
	assert_string_equal(cfg->version_locations.v[0], in_tmp("sub/v"));
	assert_string_equal(cfg->version_table, "v$t");
	rt_settings_free(cfg);

	write_file("retort.cfg", "url = \"sqlite:///x.db\";\nversion_locations = [\n"
	                         "  \"${RT_TEST_UNSET}\" ];\n", 0600);
	msg = load_fail(NULL, NULL);
	assert_string_equal(msg, "retort.cfg:3: version_locations: environment variable "
	                         "RT_TEST_UNSET is not set (set it, or write "
	                         "${RT_TEST_UNSET:-default})");
	free(msg);

	/* An url expanding to "" is no url. */
	write_file("retort.cfg", "url = \"${RT_TEST_UNSET:-}\";\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_null(cfg->url);
	rt_settings_free(cfg);
}

static void test_syntax_error(void **state)
{
	char *msg;
	(void)state;
	write_file("retort.cfg", "url = \"sqlite:///x.db\";\n\nversion_table = ;\n", 0600);
	msg = load_fail(NULL, NULL);
	assert_true(strncmp(msg, "retort.cfg:3: ", 14) == 0);
	assert_non_null(strstr(msg, "syntax error"));
	free(msg);

	/* Named as given with -c. */
	assert_int_equal(mkdir("d", 0700), 0);
	write_file("d/x.cfg", "a = 1;\nb = \"unterminated;\n", 0600);
	msg = load_fail("d/x.cfg", NULL);
	assert_true(strncmp(msg, "d/x.cfg:", 8) == 0);
	free(msg);

	write_file("retort.cfg", "url = \"sqlite:///x.db\";\nversion_locations = [ \"a\", 1 ];\n",
	           0600);
	msg = load_fail(NULL, NULL);
	assert_true(strncmp(msg, "retort.cfg:2: ", 14) == 0);
	free(msg);

	/* An unreadable file (permission) when not root; as root, skip. */
	if (geteuid() != 0) {
		write_file("retort.cfg", "", 0000);
		msg = load_fail(NULL, NULL);
		assert_non_null(strstr(msg, "retort.cfg"));
		free(msg);
	}
}

static void check_type_error(const char *line, const char *want)
{
	char text[256], *msg;
	snprintf(text, sizeof(text), "url = \"sqlite:///x.db\";\n%s\n", line);
	write_file("retort.cfg", text, 0600);
	msg = load_fail(NULL, NULL);
	if (strcmp(msg, want) != 0)
		fail_msg("for '%s': got '%s', want '%s'", line, msg, want);
	free(msg);
}

static void test_types(void **state)
{
	(void)state;
	check_type_error("truncate_slug_length = \"40\";",
	                 "retort.cfg:2: truncate_slug_length must be an integer");
	check_type_error("truncate_slug_length = 4.5;",
	                 "retort.cfg:2: truncate_slug_length must be an integer");
	check_type_error("truncate_slug_length = 0;",
	                 "retort.cfg:2: truncate_slug_length must be an integer from 1 to 1000");
	check_type_error("script_location = 5;",
	                 "retort.cfg:2: script_location must be a string (in double quotes)");
	check_type_error("script_location = \"\";",
	                 "retort.cfg:2: script_location is empty (write the directory of the "
	                 "migration scripts, e.g. \"migrations\")");
	check_type_error("version_table = true;",
	                 "retort.cfg:2: version_table must be a string (in double quotes)");
	check_type_error("transaction_per_migration = 1;",
	                 "retort.cfg:2: transaction_per_migration must be true or false");
	check_type_error("lock_timeout = \"60\";",
	                 "retort.cfg:2: lock_timeout must be a number of seconds (-1 waits "
	                 "forever)");
	check_type_error("lock_timeout = -2;",
	                 "retort.cfg:2: lock_timeout must be from 0 to 31536000 seconds, or -1 "
	                 "to wait forever");
	check_type_error("version_locations = \"a\";",
	                 "retort.cfg:2: version_locations must be an array of strings, e.g. "
	                 "[ \"more/versions\" ]");
	check_type_error("version_locations = ( \"a\", 1 );",
	                 "retort.cfg:2: version_locations must be an array of strings, e.g. "
	                 "[ \"more/versions\" ]");
	check_type_error("file_template = \"\";",
	                 "retort.cfg:2: file_template is empty (remove it to use "
	                 "\"%(rev)s_%(slug)s\")");
}

static void test_timezone(void **state)
{
	struct rt_settings *cfg;
	char *msg;
	(void)state;
	write_file("retort.cfg", "timezone = \"utc\";\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->timezone, "utc");
	rt_settings_free(cfg);

	/* Zone names are checked against $TZDIR (a fake one here). */
	assert_int_equal(mkdir("zi", 0700), 0);
	assert_int_equal(mkdir("zi/Europe", 0700), 0);
	write_file("zi/Europe/Paris", "TZif", 0600);
	setenv("TZDIR", in_tmp("zi"), 1);
	write_file("retort.cfg", "timezone = \"Europe/Paris\";\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->timezone, "Europe/Paris");
	rt_settings_free(cfg);

	write_file("retort.cfg", "\ntimezone = \"Mars/Olympus\";\n", 0600);
	msg = load_fail(NULL, NULL);
	assert_ptr_equal(strstr(msg, "retort.cfg:2: timezone \"Mars/Olympus\" is not known"), msg);
	assert_non_null(strstr(msg, in_tmp("zi")));
	free(msg);
	write_file("retort.cfg", "timezone = \"../../etc/passwd\";\n", 0600);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "is not known"));
	free(msg);
	write_file("retort.cfg", "timezone = \"Europe\";\n", 0600); /* a directory */
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "is not known"));
	free(msg);
	unsetenv("TZDIR");
}

/* The integrity settings (issue 12): on_changed_script, audit_log,
 * offline_history. */
static void test_integrity(void **state)
{
	struct rt_settings *cfg;
	char *msg;
	(void)state;
	write_file("retort.cfg", "on_changed_script = \"warn\";\naudit_log = \"log/audit.jsonl\";\n"
	           "offline_history = false;\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_string_equal(cfg->on_changed_script, "warn");
	assert_string_equal(cfg->audit_log, in_tmp("log/audit.jsonl"));
	assert_int_equal(cfg->offline_history, 0);
	rt_settings_free(cfg);
	write_file("retort.cfg", "\n\non_changed_script = \"ignore\";\n", 0600);
	msg = load_fail(NULL, NULL);
	assert_string_equal(msg, "retort.cfg:3: on_changed_script must be \"error\" or \"warn\", "
	                         "not \"ignore\"");
	free(msg);
	write_file("retort.cfg", "on_changed_script = \"\";\n", 0600);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "on_changed_script is empty"));
	free(msg);
}

static void test_lock_timeout(void **state)
{
	struct rt_settings *cfg;
	(void)state;
	write_file("retort.cfg", "lock_timeout = -1;\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->lock_timeout_ms, -1);
	rt_settings_free(cfg);
	write_file("retort.cfg", "lock_timeout = 0;\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->lock_timeout_ms, 0);
	rt_settings_free(cfg);
	write_file("retort.cfg", "lock_timeout = 2.5;\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->lock_timeout_ms, 2500);
	rt_settings_free(cfg);
	write_file("retort.cfg", "lock_timeout = 120L;\n", 0600);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->lock_timeout_ms, 120000);
	rt_settings_free(cfg);
}

/* The one seconds -> milliseconds conversion, shared by lock_timeout and
 * --lock-timeout: same limits, same rounding. */
static void test_seconds(void **state)
{
	static const struct { const char *text; int ok; long ms; } cases[] = {
		{ "60", 1, 60000 },        { "0", 1, 0 },            { "-1", 1, -1 },
		{ "-1.0", 1, -1 },         { "0.3", 1, 300 },         { "2.5", 1, 2500 },
		{ "0.0004", 1, 0 },        { "0.0005", 1, 1 },        { "0.0015", 1, 2 },
		{ "1e3", 1, 1000000 },     { "31536000", 1, 31536000000L },
		{ "31536000.0004", 0, 0 }, /* the limit applies before rounding */
		{ "31536000.001", 0, 0 },  { "-0.5", 0, 0 },          { "-2", 0, 0 },
		{ "-0.0001", 0, 0 },       { "nan", 0, 0 },           { "inf", 0, 0 },
		{ "-inf", 0, 0 },          { "", 0, 0 },              { "5s", 0, 0 },
		{ " 5", 0, 0 },            { "5 ", 0, 0 },            { "1e999", 0, 0 },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long ms = 12345;
		int rc = rt_settings_parse_seconds(cases[i].text, &ms);
		if (rc != (cases[i].ok ? 0 : -1) || (cases[i].ok && ms != cases[i].ms))
			fail_msg("'%s': rc %d ms %ld, want %s %ld", cases[i].text, rc, ms,
			         cases[i].ok ? "ok" : "an error", cases[i].ms);
	}
	assert_int_equal(rt_settings_parse_seconds(NULL, &(long){ 0 }), -1);

	/* The file goes through the same function: a value --lock-timeout
	 * refuses is refused in retort.cfg too, and rounding is the same. */
	write_file("retort.cfg", "lock_timeout = 0.0015;\n", 0600);
	{
		struct rt_settings *cfg = load_ok(NULL, NULL);
		assert_int_equal(cfg->lock_timeout_ms, 2);
		rt_settings_free(cfg);
	}
	write_file("retort.cfg", "lock_timeout = -0.5;\n", 0600);
	free(load_fail(NULL, NULL));
	write_file("retort.cfg", "lock_timeout = 31536000.5;\n", 0600);
	free(load_fail(NULL, NULL));
}

static void test_unknown_keys(void **state)
{
	struct rt_settings *cfg = NULL;
	struct rt_err err = { 0, NULL };
	char *out;
	(void)state;
	rt_host_set_log_level(RETORT_LOG_WARNING);
	write_file("retort.cfg", "url = \"sqlite:///x.db\";\nscrip_location = \"m\";\n"
	                         "frobnicate = 1;\n", 0600);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_non_null(strstr(out, "retort.cfg:2: unknown setting 'scrip_location' ignored "
	                            "(did you mean 'script_location'?)"));
	assert_non_null(strstr(out, "retort.cfg:3: unknown setting 'frobnicate' ignored"));
	/* The misspelt key really is ignored. */
	assert_string_equal(cfg->script_location, in_tmp("migrations"));
	free(out);
	rt_settings_free(cfg);
}

static void test_password_warning(void **state)
{
	struct rt_settings *cfg = NULL;
	struct rt_err err = { 0, NULL };
	char *out;
	(void)state;
	rt_host_set_log_level(RETORT_LOG_WARNING);

	/* World-readable file with a literal password: warned, never shown. */
	write_file("retort.cfg", "url = \"postgresql://app:Hunter2Pw@localhost/db\";\n", 0644);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_non_null(strstr(out, "literal password"));
	assert_non_null(strstr(out, "readable by everyone"));
	assert_non_null(strstr(out, "chmod 600 retort.cfg"));
	assert_null(strstr(out, "Hunter2Pw"));
	free(out);
	rt_settings_free(cfg);

	/* Group-readable. */
	chmod("retort.cfg", 0640);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_non_null(strstr(out, "readable by its group"));
	assert_null(strstr(out, "Hunter2Pw"));
	free(out);
	rt_settings_free(cfg);

	/* Private file: no warning. */
	chmod("retort.cfg", 0600);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_string_equal(out, "");
	free(out);
	rt_settings_free(cfg);

	/* Password from the environment: no warning. */
	setenv("RT_TEST_VAR", "Hunter2Pw", 1);
	write_file("retort.cfg", "url = \"postgresql://app:${RT_TEST_VAR}@localhost/db\";\n",
	           0644);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_string_equal(out, "");
	assert_string_equal(cfg->url, "postgresql://app:Hunter2Pw@localhost/db");
	free(out);
	rt_settings_free(cfg);

	/* ... but a default holding a password is literal. */
	write_file("retort.cfg",
	           "url = \"postgresql://app:${RT_TEST_UNSET:-Hunter2Pw}@localhost/db\";\n", 0644);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_non_null(strstr(out, "literal password"));
	assert_null(strstr(out, "Hunter2Pw"));
	free(out);
	rt_settings_free(cfg);

	/* Errors elsewhere in a file holding a password never quote it. */
	{
		static const char *const bad[] = {
			"url = \"postgresql://app:Hunter2Pw@localhost/db\";\nversion_table = ;\n",
			"url = \"postgresql://app:Hunter2Pw@localhost/db\"; url = 5;\n",
			"url = \"postgresql://app:Hunter2Pw@${RT_TEST_UNSET}/db\";\n",
			"url = \"postgresql://app:Hunter2Pw@h/db${\";\n",
			"url = \"postgresql://app:Hunter2Pw\";\ntruncate_slug_length = \"x\";\n",
			"url = \"postgresql://app:Hunter2Pw@h/\" 5;\n",
		};
		size_t i;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			write_file("retort.cfg", bad[i], 0644);
			assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), -1);
			assert_non_null(err.msg);
			if (strstr(err.msg, "Hunter2Pw") || strstr(out, "Hunter2Pw"))
				fail_msg("case %zu leaks: %s / %s", i, err.msg, out);
			rt_err_clear(&err);
			free(out);
		}
	}

	/* No password at all: nothing to say. */
	write_file("retort.cfg", "url = \"postgresql://app@localhost/db\";\n", 0644);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_string_equal(out, "");
	free(out);
	rt_settings_free(cfg);
}

/* Secrets kept out of the file: ${file:PATH}, password_command, and the
 * literal-password warning for query parameters and @include'd files. */
static void test_secrets(void **state)
{
	struct rt_settings *cfg = NULL;
	struct rt_err err = { 0, NULL };
	char *out, *msg;
	(void)state;
	rt_host_set_log_level(RETORT_LOG_WARNING);

	/* ${file:PATH}: relative to the config file, one newline trimmed,
	 * never a warning (the secret is not in the file). */
	mkdir("conf", 0700);
	write_file("conf/db_password", "Hunter2Pw\n\n", 0644);
	write_file("conf/retort.cfg",
	           "url = \"postgresql://app:${file:db_password}@localhost/db\";\n", 0644);
	assert_int_equal(load_capture(&cfg, "conf/retort.cfg", NULL, &err, &out), 0);
	assert_string_equal(cfg->url, "postgresql://app:Hunter2Pw\n@localhost/db");
	assert_string_equal(out, "");
	free(out);
	rt_settings_free(cfg);
	write_file("conf/db_password", "Hunter2Pw\n", 0644);
	write_file("conf/retort.cfg",
	           "url = \"postgresql://app:${file:db_password}@localhost/db\";\n"
	           "version_table = \"${file:/nonexistent/secret}\";\n", 0644);
	msg = load_fail("conf/retort.cfg", NULL);
	assert_string_equal(msg, "conf/retort.cfg:2: version_table: cannot read secret file "
	                         "/nonexistent/secret: No such file or directory");
	rt_free(msg);
	/* Only where the setting is read: an overridden url is not read. */
	write_file("conf/retort.cfg", "url = \"${file:missing}\";\n", 0644);
	cfg = load_ok("conf/retort.cfg", "sqlite://");
	rt_settings_free(cfg);
	msg = load_fail("conf/retort.cfg", NULL);
	assert_non_null(strstr(msg, "url: cannot read secret file "));
	assert_non_null(strstr(msg, "conf/missing"));
	rt_free(msg);
	write_file("conf/retort.cfg", "url = \"${file:}\";\n", 0644);
	msg = load_fail("conf/retort.cfg", NULL);
	assert_non_null(strstr(msg, "${file:} names no file"));
	rt_free(msg);
	/* Inside a default. */
	write_file("conf/retort.cfg",
	           "url = \"postgresql://app:${RT_TEST_UNSET:-${file:db_password}}@h/db\";\n",
	           0600);
	cfg = load_ok("conf/retort.cfg", NULL);
	assert_string_equal(cfg->url, "postgresql://app:Hunter2Pw@h/db");
	rt_settings_free(cfg);

	/* The warning: ?password=, pwd=/PWD= and an ODBC string holding one. */
	{
		static const char *const urls[] = {
			"postgresql://app@localhost/db?password=Hunter2Pw",
			"mssql+odbc://app@Dsn?pwd=Hunter2Pw",
			"odbc://?dsn=X&PWD=Hunter2Pw",
			"odbc://?odbc_connect=DRIVER%3Dx%3BUID%3Da%3BPWD%3DHunter2Pw",
			"postgresql://app@localhost/db?password:Hunter2Pw",
		};
		size_t i;
		for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
			char text[300];
			snprintf(text, sizeof(text), "url = \"%s\";\n", urls[i]);
			write_file("retort.cfg", text, 0604);
			cfg = NULL;
			/* (the last does not parse: that is for connecting to say) */
			assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
			if (!strstr(out, "retort.cfg:1: url holds a literal password and retort.cfg "
			                 "is readable by everyone: run chmod 600 retort.cfg"))
				fail_msg("no warning for %s: %s", urls[i], out);
			if (strstr(out, "Hunter2Pw") || (err.msg && strstr(err.msg, "Hunter2Pw")))
				fail_msg("%s leaks: %s %s", urls[i], out, err.msg);
			rt_err_clear(&err);
			free(out);
			rt_settings_free(cfg);
		}
	}
	/* ... but not for a parameter that holds no secret. */
	write_file("retort.cfg", "url = \"odbc://?odbc_connect=DSN%3Dx%3BTrusted_Connection%3Dyes\";\n",
	           0644);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_string_equal(out, "");
	free(out);
	rt_settings_free(cfg);

	/* @include: the file holding the password is judged by its own mode. */
	write_file("secret.cfg", "url = \"postgresql://app:Hunter2Pw@localhost/db\";\n", 0644);
	write_file("retort.cfg", "@include \"secret.cfg\"\n", 0600);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_non_null(strstr(out, "secret.cfg:1: url holds a literal password and "));
	assert_non_null(strstr(out, "secret.cfg is readable by everyone: run chmod 600 "));
	assert_null(strstr(out, "Hunter2Pw"));
	free(out);
	rt_settings_free(cfg);
	chmod("secret.cfg", 0600);
	chmod("retort.cfg", 0644);
	assert_int_equal(load_capture(&cfg, NULL, NULL, &err, &out), 0);
	assert_string_equal(out, "");
	free(out);
	rt_settings_free(cfg);

	/* password_command: a string split as a shell would, or a list. */
	write_file("retort.cfg", "url = \"sqlite://\";\n"
	           "password_command = \"pass show 'db/prod app'\";\n", 0644);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->password_command.n, 3);
	assert_string_equal(cfg->password_command.v[2], "db/prod app");
	assert_string_equal(cfg->password_command_where, "retort.cfg:2: password_command");
	rt_settings_free(cfg);
	setenv("RT_TEST_VAR", "two words", 1);
	write_file("retort.cfg", "password_command = [ \"get-pw\", \"${RT_TEST_VAR}\" ];\n", 0644);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->password_command.n, 2);
	assert_string_equal(cfg->password_command.v[1], "two words");
	rt_settings_free(cfg);
	write_file("retort.cfg", "password_command = \"get ${RT_TEST_VAR}\";\n", 0644);
	cfg = load_ok(NULL, NULL);
	assert_int_equal(cfg->password_command.n, 2);         /* expanded after splitting */
	assert_string_equal(cfg->password_command.v[1], "two words");
	rt_settings_free(cfg);
	write_file("retort.cfg", "password_command = \"get 'pw\";\n", 0644);
	msg = load_fail(NULL, NULL);
	assert_string_equal(msg, "retort.cfg:1: password_command: a ' is not closed (quote with "
	                         "'...' or \"...\"; no shell runs it)");
	rt_free(msg);
	write_file("retort.cfg", "password_command = 5;\n", 0644);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "retort.cfg:1: password_command must be a string or an array"));
	rt_free(msg);
	write_file("retort.cfg", "password_command = \"  \";\n", 0644);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "retort.cfg:1: password_command is empty"));
	rt_free(msg);
	write_file("retort.cfg", "password_command = ( \"x\", 1 );\n", 0644);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "must be a string or an array of strings"));
	rt_free(msg);
	write_file("retort.cfg", "password_command = [ \"x\", \"${RT_TEST_UNSET}\" ];\n", 0644);
	msg = load_fail(NULL, NULL);
	assert_non_null(strstr(msg, "retort.cfg:1: password_command: environment variable "
	                            "RT_TEST_UNSET is not set"));
	rt_free(msg);
}

static void test_oom(void **state)
{
	unsigned long n;
	(void)state;
	setenv("RT_TEST_VAR", "v", 1);
	write_file("retort.cfg",
	           "script_location = \"${RT_TEST_VAR}\";\nurl = \"sqlite:///x.db\";\n"
	           "version_locations = [ \"a\", \"b\" ];\ntimezone = \"UTC\";\n", 0600);
	for (n = 1; n < 500; n++) {
		struct rt_settings *cfg = NULL;
		struct rt_err err = { 0, NULL };
		int rc;
		rt__alloc_fail_after(n);
		rc = rt_settings_load(&cfg, NULL, NULL, &err);
		rt__alloc_fail_after(0);
		rt_err_clear(&err);
		if (rc == 0) {
			rt_settings_free(cfg);
			break;
		}
		assert_null(cfg);
	}
	assert_true(n < 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_in_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timezone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integrity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seconds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
