/*
 * tests/unit/core/test_loader.c - core/loader.c: the plugin registry
 * (plugins.cfg, plugins.d drop-ins in lexical order, overrides, the project
 * `plugins` group) and the loader's five distinct errors, proved with the
 * deliberately broken modules of tests/plugins/.
 *
 * The fake modules are copied from FAKE_PLUGIN_DIR (the build tree) into a
 * private directory with mode 0755 so the tests do not depend on the umask
 * the tree was built with.
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

/* By path: a plain "config.h" would find autoconf's in the build tree. */
#include "../../../core/config.h"
#include "host.h"
#include "loader.h"

#ifndef FAKE_PLUGIN_DIR
#error "FAKE_PLUGIN_DIR must name tests/plugins/.libs of the build tree"
#endif

static char tmp[256];
static char etc[300], lib[300];

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(src, "rb"), *out;
	if (!in)
		fail_msg("cannot read %s (were the fake plugins built?)", src);
	out = fopen(dst, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	assert_int_equal(chmod(dst, mode), 0);
}

/* Format one path into a ring of 8 buffers (`a` may be an earlier result). */
static const char *P(const char *fmt, const char *a)
{
	static char buf[8][600];
	static int k;
	char local[600];
	snprintf(local, sizeof(local), fmt, a);
	k = (k + 1) % 8;
	memcpy(buf[k], local, sizeof(local));
	return buf[k];
}

static int group_setup(void **state)
{
	static const char *const mods[] = { "fake_good", "fake_initfail", "fake_abi_major",
		                            "fake_abi_minor", "fake_small", "fake_plain",
		                            "fake_nosym", NULL };
	char src[600], dst[600];
	size_t i;
	(void)state;
	strcpy(tmp, "/tmp/retort-loadertest-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(etc, sizeof(etc), "%s/etc", tmp);
	snprintf(lib, sizeof(lib), "%s/lib", tmp);
	if (mkdir(etc, 0755) < 0 || mkdir(lib, 0755) < 0)
		return -1;
	for (i = 0; mods[i]; i++) {
		snprintf(src, sizeof(src), "%s/%s.so", FAKE_PLUGIN_DIR, mods[i]);
		snprintf(dst, sizeof(dst), "%s/%s.so", lib, mods[i]);
		copy_file(src, dst, 0755);
	}
	setenv("RETORT_SYSCONFDIR", etc, 1);
	setenv("RETORT_PLUGIN_PATH", lib, 1);
	rt_host_set_log_level(RETORT_LOG_WARNING);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[1400];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* Replace the registry with a single plugins.cfg holding `text`. */
static void registry(const char *text)
{
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/plugins.d' '%s/plugins.cfg'", etc, etc);
	assert_int_equal(system(cmd), 0);
	write_file(P("%s/plugins.cfg", etc), text, 0644);
}

/* Capture stderr around a registry load. */
static struct rt_registry *load_registry(const struct rt_loader_options *opts, char **errout)
{
	char cap[300];
	int saved, fd;
	struct rt_registry *reg = NULL;
	struct rt_err err = { 0, NULL };
	FILE *f;
	long n;
	snprintf(cap, sizeof(cap), "%s/.stderr", tmp);
	fflush(stderr);
	saved = dup(2);
	fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	if (rt_registry_load(&reg, opts, &err) != 0)
		fail_msg("registry load failed: %s", err.msg ? err.msg : "(oom)");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(cap, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*errout = calloc(1, (size_t)n + 1);
	assert_non_null(*errout);
	if (n > 0)
		assert_int_equal(fread(*errout, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return reg;
}

static struct rt_registry *load_quiet(void)
{
	char *e;
	struct rt_registry *reg = load_registry(NULL, &e);
	free(e);
	return reg;
}

/* Load scheme expecting failure; returns the message. */
static char *load_fail(const char *scheme, const struct rt_loader_options *opts)
{
	struct rt_registry *reg = load_quiet();
	const struct retort_dialect *d = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_loader_load(&d, reg, scheme, opts, &err) == 0)
		fail_msg("loading scheme %s should have failed", scheme);
	assert_null(d);
	assert_int_equal(err.status, RT_EXIT_USAGE);
	assert_non_null(err.msg);
	rt_registry_free(reg);
	return err.msg;
}

static const struct retort_dialect *load_ok(const char *scheme,
                                            const struct rt_loader_options *opts)
{
	struct rt_registry *reg = load_quiet();
	const struct retort_dialect *d = NULL;
	struct rt_err err = { 0, NULL };
	if (rt_loader_load(&d, reg, scheme, opts, &err) != 0)
		fail_msg("loading scheme %s failed: %s", scheme, err.msg ? err.msg : "(oom)");
	assert_non_null(d);
	rt_registry_free(reg);
	return d;
}

static void assert_has(const char *msg, const char *part)
{
	if (!strstr(msg, part))
		fail_msg("message lacks '%s':\n%s", part, msg);
}

/* ------------------------------------------------------------ registry */

static void test_sysconfdir(void **state)
{
	const char *d;
	(void)state;
	assert_string_equal(rt_loader_sysconfdir(), etc);
	unsetenv("RETORT_SYSCONFDIR");
	d = rt_loader_sysconfdir();
	assert_true(strlen(d) > 7);
	assert_string_equal(d + strlen(d) - 7, "/retort");
	setenv("RETORT_SYSCONFDIR", "", 1);
	assert_string_equal(rt_loader_sysconfdir(), d);
	setenv("RETORT_SYSCONFDIR", etc, 1);
}

static void test_registry_order(void **state)
{
	struct rt_registry *reg;
	const struct rt_registry_entry *e;
	char *warn;
	(void)state;
	registry("plugins = (\n"
	         "  { name = \"a\"; schemes = [ \"x\", \"y\" ]; module = \"mod_a\"; },\n"
	         "  { name = \"w\"; schemes = \"w\"; module = \"/abs/mod_w.so\"; }\n"
	         ");\n");
	assert_int_equal(mkdir(P("%s/plugins.d", etc), 0755), 0);
	/* Lexical order: 10-c before 20-b, whatever readdir returns. */
	write_file(P("%s/plugins.d/20-b.cfg", etc),
	           "plugin = { name = \"b\"; schemes = [ \"x\" ]; module = \"mod_b\"; };\n", 0644);
	write_file(P("%s/plugins.d/10-c.cfg", etc),
	           "plugins = ( { name = \"c\"; schemes = [ \"y\", \"z\" ];\n"
	           "  module = \"sub/mod_c\"; abi = \"1.0\"; } );\n", 0644);
	write_file(P("%s/plugins.d/README", etc), "not a cfg", 0644);
	write_file(P("%s/plugins.d/.hidden.cfg", etc),
	           "plugin = { name = \"h\"; schemes = [ \"x\" ]; module = \"h\"; };\n", 0644);
	write_file(P("%s/plugins.d/30-broken.cfg", etc), "plugin = { name = ;\n", 0644);
	write_file(P("%s/plugins.d/40-bad.cfg", etc),
	           "plugins = ( { name = \"nomod\"; schemes = [ \"q\" ]; },\n"
	           "            { name = \"noschemes\"; module = \"m\"; },\n"
	           "            { name = \"badscheme\"; schemes = [ 1 ]; module = \"m\"; },\n"
	           "            \"junk\" );\n", 0644);

	reg = load_registry(NULL, &warn);
	assert_int_equal(reg->n, 4);
	assert_string_equal(reg->entries[0].name, "a");
	assert_string_equal(reg->entries[0].source, P("%s/plugins.cfg:2", etc));
	assert_string_equal(reg->entries[1].name, "w");
	assert_string_equal(reg->entries[1].module, "/abs/mod_w.so");
	assert_string_equal(reg->entries[2].name, "c");
	assert_string_equal(reg->entries[2].module, P("%s/plugins.d/sub/mod_c", etc));
	assert_string_equal(reg->entries[3].name, "b");
	assert_string_equal(reg->entries[3].source, P("%s/plugins.d/20-b.cfg:1", etc));

	/* Later files override earlier ones, scheme by scheme. */
	e = rt_registry_find(reg, "x");
	assert_non_null(e);
	assert_string_equal(e->name, "b");
	assert_string_equal(rt_registry_find(reg, "y")->name, "c");
	assert_string_equal(rt_registry_find(reg, "z")->name, "c");
	assert_string_equal(rt_registry_find(reg, "w")->name, "w");
	assert_string_equal(rt_registry_find(reg, "X+somedriver")->name, "b");
	assert_null(rt_registry_find(reg, "q"));
	assert_null(rt_registry_find(reg, "h"));
	assert_null(rt_registry_find(reg, "none"));
	assert_null(rt_registry_find(NULL, "x"));

	/* Every skipped file and entry is named with its line. */
	assert_has(warn, "30-broken.cfg:1: plugin registry file skipped: syntax error");
	assert_has(warn, "40-bad.cfg:1: plugin registry entry skipped: `module`");
	assert_has(warn, "40-bad.cfg:2: plugin registry entry skipped: `schemes`");
	assert_has(warn, "40-bad.cfg:3: plugin registry entry skipped: `schemes` must hold");
	assert_has(warn, "40-bad.cfg:4: plugin registry entry skipped: each entry must be a group");
	assert_null(strstr(warn, "README"));
	assert_null(strstr(warn, "hidden"));
	free(warn);
	rt_registry_free(reg);
}

static void test_registry_empty(void **state)
{
	struct rt_registry *reg;
	char cmd[1400], *msg;
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/plugins.d' '%s/plugins.cfg'", etc, etc);
	assert_int_equal(system(cmd), 0);
	reg = load_quiet();
	assert_int_equal(reg->n, 0);
	rt_registry_free(reg);
	msg = load_fail("sqlite", NULL);
	assert_has(msg, "schemes registered: none");
	free(msg);
}

static const char *GOOD_REG =
	"plugins = (\n"
	"  { name = \"fakegood\"; schemes = [ \"fakegood\", \"fakemem\" ]; module = \"fake_good\"; },\n"
	"  { name = \"fakeplain\"; schemes = [ \"fakeplain\" ]; module = \"fake_plain\"; },\n"
	"  { name = \"fakeinitfail\"; schemes = [ \"fakeinitfail\" ]; module = \"fake_initfail\"; },\n"
	"  { name = \"fakeabimajor\"; schemes = [ \"fakeabimajor\" ]; module = \"fake_abi_major\"; },\n"
	"  { name = \"fakeabiminor\"; schemes = [ \"fakeabiminor\" ]; module = \"fake_abi_minor\"; },\n"
	"  { name = \"fakesmall\"; schemes = [ \"fakesmall\" ]; module = \"fake_small\"; },\n"
	"  { name = \"fakenosym\"; schemes = [ \"fakenosym\" ]; module = \"fake_nosym\"; },\n"
	"  { name = \"fakemissing\"; schemes = [ \"fakemissing\" ]; module = \"fake_nothere\"; },\n"
	"  { name = \"faketext\"; schemes = [ \"faketext\" ]; module = \"fake_text\"; }\n"
	");\n";

/* ------------------------------------------------------------ loading */

static int collect(const char *v, void *payload)
{
	strcat((char *)payload, v);
	strcat((char *)payload, ";");
	return 0;
}

static void test_load_good(void **state)
{
	const struct retort_dialect *d, *d2;
	struct retort_conn *c = NULL;
	struct retort_error e;
	char rows[64] = "";
	char *q = NULL;
	(void)state;
	registry(GOOD_REG);
	d = load_ok("fakegood", NULL);
	assert_string_equal(d->name, "fakegood");
	assert_int_equal(d->abi_major, RETORT_DIALECT_ABI_MAJOR);
	assert_true(RT_DIALECT_HAS(d, offline_sql));
	assert_true(RT_DIALECT_HAS(d, global_init));
	/* Cached: another scheme of the same module, with a driver. */
	d2 = load_ok("fakemem+whatever", NULL);
	assert_ptr_equal(d, d2);
	d2 = load_ok("FAKEGOOD", NULL);
	assert_ptr_equal(d, d2);

	/* global_init ran exactly once (create() checks), and the dialect
	 * works through the host table. */
	memset(&e, 0, sizeof(e));
	if (d->create(&c, NULL, NULL, &e) != 0)
		fail_msg("create failed: %s", e.message ? e.message : "?");
	assert_int_equal(d->version_read(c, collect, rows, &e), RETORT_ENOTFOUND);
	assert_int_equal(d->version_create(c, &e), 0);
	assert_int_equal(d->version_insert(c, "ae1027a6acf", &e), 0);
	assert_int_equal(d->version_update(c, "ae1027a6acf", "1975ea83b712", &e), 0);
	assert_int_equal(d->version_read(c, collect, rows, &e), 0);
	assert_string_equal(rows, "1975ea83b712;");
	assert_int_equal(d->quote_literal(c, "it's", &q, &e), 0);
	assert_string_equal(q, "'it''s'");
	rt_free(q);
	d->destroy(c);
}

static void test_load_plain_symbol(void **state)
{
	const struct retort_dialect *d;
	(void)state;
	registry(GOOD_REG);
	d = load_ok("fakeplain", NULL);
	assert_string_equal(d->name, "fakeplain");
}

/* Error 1: no registry entry. */
static void test_err_no_entry(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("mysql", NULL);
	assert_has(msg, "no dialect plugin registered for scheme 'mysql'");
	assert_has(msg, "install retort-plugin-mysql");
	assert_has(msg, P("%s/plugins.d/", etc));
	assert_has(msg, "schemes registered: fakegood, fakemem, fakeplain");
	free(msg);
	msg = load_fail("mariadb+pymysql", NULL);
	assert_has(msg, "scheme 'mariadb+pymysql'");
	assert_has(msg, "install retort-plugin-mysql");
	free(msg);
	msg = load_fail("", NULL);
	assert_has(msg, "no URL scheme");
	free(msg);
}

/* Error 2: the module cannot be opened (missing, or not a shared object). */
static void test_err_open(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("fakemissing", NULL);
	assert_has(msg, "cannot load dialect plugin fake_nothere for scheme 'fakemissing'");
	assert_has(msg, P("registry entry at %s/plugins.cfg:9", etc));
	assert_has(msg, P("no fake_nothere.so, fake_nothere.la or fake_nothere in %s", lib));
	assert_has(msg, "install retort-plugin-fakemissing");
	assert_has(msg, "RETORT_PLUGIN_PATH");
	free(msg);

	write_file(P("%s/fake_text.so", lib), "this is not an ELF file\n", 0644);
	msg = load_fail("faketext", NULL);
	assert_has(msg, P("cannot load dialect plugin %s/fake_text.so for scheme 'faketext'", lib));
	assert_has(msg, P("ldd %s/fake_text.so", lib));
	/* The system loader's reason, not libltdl's generic "file not found". */
	assert_true(strstr(msg, "ELF") || strstr(msg, "too short"));
	assert_null(strstr(msg, "file not found"));
	assert_has(msg, "reinstall retort-plugin-faketext");
	free(msg);
}

/* Error 3: no entry symbol. */
static void test_err_no_symbol(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("fakenosym", NULL);
	assert_has(msg, P("%s/fake_nosym.so is not a retort dialect plugin", lib));
	assert_has(msg, "fake_nosym_LTX_retort_dialect_entry");
	assert_has(msg, "scheme 'fakenosym'");
	assert_has(msg, "RETORT_DIALECT_DEFINE(fake_nosym");
	free(msg);
}

/* Error 4: wrong ABI. */
static void test_err_abi(void **state)
{
	char *msg, want[128];
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("fakeabimajor", NULL);
	snprintf(want, sizeof(want), "fake_abi_major.so was built for dialect ABI %d.0; this "
	         "retort provides %d.%d", RETORT_DIALECT_ABI_MAJOR + 1, RETORT_DIALECT_ABI_MAJOR,
	         RETORT_DIALECT_ABI_MINOR);
	assert_has(msg, want);
	assert_has(msg, "scheme 'fakeabimajor'");
	assert_has(msg, "rebuild the plugin");
	free(msg);

	msg = load_fail("fakeabiminor", NULL);
	snprintf(want, sizeof(want), "fake_abi_minor.so was built for dialect ABI %d.%d; this "
	         "retort provides %d.%d", RETORT_DIALECT_ABI_MAJOR, RETORT_DIALECT_ABI_MINOR + 1,
	         RETORT_DIALECT_ABI_MAJOR, RETORT_DIALECT_ABI_MINOR);
	assert_has(msg, want);
	assert_has(msg, "upgrade retort");
	free(msg);

	msg = load_fail("fakesmall", NULL);
	assert_has(msg, "fake_small.so declares a dialect struct of 40 bytes, smaller than");
	free(msg);
}

/* Error 5: global_init fails; its message is masked, and the failure is
 * remembered rather than retried. */
static void test_err_init(void **state)
{
	char *msg;
	int round;
	(void)state;
	registry(GOOD_REG);
	for (round = 0; round < 2; round++) {
		msg = load_fail("fakeinitfail", NULL);
		assert_has(msg, "dialect plugin fakeinitfail");
		assert_has(msg, "failed to initialise for scheme 'fakeinitfail'");
		assert_has(msg, "postgresql://admin:***@db.example:5432/prod");
		assert_has(msg, "password=***");
		assert_has(msg, "connection refused");
		assert_has(msg, "reinstall retort-plugin-fakeinitfail");
		if (strstr(msg, "TopSecret9"))
			fail_msg("password leaked: %s", msg);
		free(msg);
	}
}

/* The five errors are distinct: each carries its own phrase and none of
 * the others'. */
static void test_errors_distinct(void **state)
{
	static const char *const schemes[] = { "nosuchscheme", "fakemissing", "fakenosym",
		                               "fakeabimajor", "fakeinitfail" };
	static const char *const phrase[] = { "no dialect plugin registered",
		                              "cannot load dialect plugin",
		                              "is not a retort dialect plugin",
		                              "was built for dialect ABI", "failed to initialise" };
	size_t i, j;
	(void)state;
	registry(GOOD_REG);
	for (i = 0; i < 5; i++) {
		char *msg = load_fail(schemes[i], NULL);
		for (j = 0; j < 5; j++)
			if ((strstr(msg, phrase[j]) != NULL) != (i == j))
				fail_msg("error %zu and phrase '%s':\n%s", i, phrase[j], msg);
		/* Each names the scheme and says what to do. */
		assert_has(msg, schemes[i]);
		assert_true(strstr(msg, "install") || strstr(msg, "rebuild") ||
		            strstr(msg, "upgrade"));
		free(msg);
	}
}

/* Modules that are not regular files or are group/world-writable. */
static void test_refuse_unsafe(void **state)
{
	char text[1200], *msg, dir[300];
	(void)state;
	snprintf(dir, sizeof(dir), "%s/unsafe", tmp);
	mkdir(dir, 0755);
	copy_file(P("%s/fake_plain.so", lib), P("%s/gw.so", dir), 0775);
	copy_file(P("%s/fake_plain.so", lib), P("%s/ww.so", dir), 0757);
	mkdir(P("%s/dir.so", dir), 0755);
	snprintf(text, sizeof(text),
	         "plugins = (\n"
	         "  { name = \"gw\"; schemes = [ \"gw\" ]; module = \"%s/gw.so\"; },\n"
	         "  { name = \"ww\"; schemes = [ \"ww\" ]; module = \"%s/ww.so\"; },\n"
	         "  { name = \"dir\"; schemes = [ \"dir\" ]; module = \"dir\"; }\n"
	         ");\n", dir, dir);
	registry(text);
	msg = load_fail("gw", NULL);
	assert_has(msg, "refusing to load dialect plugin");
	assert_has(msg, "group-writable");
	assert_has(msg, "chmod go-w");
	free(msg);
	msg = load_fail("ww", NULL);
	assert_has(msg, "world-writable");
	free(msg);
	{
		struct rt_loader_options o = { NULL, 0, NULL };
		o.plugin_path = dir;
		msg = load_fail("dir", &o);
		assert_has(msg, "not a regular file");
		free(msg);
	}
	/* A symlink with another name: the symbol prefix comes from the name
	 * the registry used (fake_good), not from the link's target. */
	copy_file(P("%s/fake_good.so", lib), P("%s/fake_good-1.2.3.so", dir), 0755);
	assert_int_equal(symlink(P("%s/fake_good-1.2.3.so", dir), P("%s/fake_good.so", dir)), 0);
	snprintf(text, sizeof(text),
	         "plugin = { name = \"ln\"; schemes = [ \"ln\" ]; module = \"fake_good\"; };\n");
	registry(text);
	{
		struct rt_loader_options o = { NULL, 0, NULL };
		o.plugin_path = dir;
		assert_string_equal(load_ok("ln", &o)->name, "fakegood");
	}
	snprintf(text, sizeof(text),
	         "plugins = (\n"
	         "  { name = \"gw\"; schemes = [ \"gw\" ]; module = \"%s/gw.so\"; }\n"
	         ");\n", dir);
	registry(text);

	/* Once safe, the same file loads. */
	chmod(P("%s/gw.so", dir), 0755);
	assert_string_equal(load_ok("gw", NULL)->name, "fakeplain");
}

/* A libtool .la file found in the search path loads its shared object
 * (lt_dladvise_ext: installations and build trees that keep .la files). */
static void test_load_la(void **state)
{
	struct rt_loader_options o = { NULL, 0, NULL };
	char dir[300], libs[340];
	(void)state;
	snprintf(dir, sizeof(dir), "%s/latree", tmp);
	snprintf(libs, sizeof(libs), "%s/.libs", dir);
	mkdir(dir, 0755);
	mkdir(libs, 0755);
	copy_file(FAKE_PLUGIN_DIR "/../fake_plain.la", P("%s/fake_plain.la", dir), 0644);
	copy_file(FAKE_PLUGIN_DIR "/fake_plain.so", P("%s/fake_plain.so", libs), 0755);
	registry("plugin = { name = \"la\"; schemes = [ \"viala\" ]; module = \"fake_plain\"; };\n");
	setenv("RETORT_PLUGIN_PATH", "/nonexistent", 1);
	o.plugin_path = dir;
	assert_string_equal(load_ok("viala", &o)->name, "fakeplain");
	setenv("RETORT_PLUGIN_PATH", lib, 1);
}

/* --plugin-path comes before $RETORT_PLUGIN_PATH. */
static void test_search_order(void **state)
{
	struct rt_loader_options o = { NULL, 0, NULL };
	char *msg, envpath[700], a[300], b[300];
	(void)state;
	snprintf(a, sizeof(a), "%s/path_a", tmp);
	snprintf(b, sizeof(b), "%s/path_b", tmp);
	mkdir(a, 0755);
	mkdir(b, 0755);
	copy_file(P("%s/fake_plain.so", lib), P("%s/pp.so", a), 0755);
	copy_file(P("%s/fake_nosym.so", lib), P("%s/pp.so", b), 0755);
	registry("plugin = { name = \"pp\"; schemes = [ \"pp\" ]; module = \"pp\"; };\n");
	snprintf(envpath, sizeof(envpath), "%s:%s", b, lib);
	setenv("RETORT_PLUGIN_PATH", envpath, 1);
	msg = load_fail("pp", NULL);
	assert_has(msg, P("%s/pp.so is not a retort dialect plugin", b));
	free(msg);
	o.plugin_path = a;
	assert_string_equal(load_ok("pp", &o)->name, "fakeplain");
	setenv("RETORT_PLUGIN_PATH", lib, 1);
}

/* The project's `plugins` group needs --allow-project-plugins. */
static void test_project_plugins(void **state)
{
	struct rt_config *cfg = NULL;
	struct rt_err err = { 0, NULL };
	struct rt_loader_options o = { NULL, 0, NULL };
	struct rt_registry *reg;
	const struct rt_registry_entry *e;
	char *warn, proj[300];
	(void)state;
	snprintf(proj, sizeof(proj), "%s/proj", tmp);
	registry(GOOD_REG);
	mkdir(proj, 0755);
	write_file(P("%s/retort.cfg", proj),
	           "url = \"fakegood://\";\n"
	           "plugins = (\n"
	           "  { name = \"mine\"; schemes = [ \"fakegood\" ]; module = \"lib/fake_plain.so\"; }\n"
	           ");\n", 0600);
	mkdir(P("%s/lib", proj), 0755);
	copy_file(P("%s/fake_plain.so", lib), P("%s/lib/fake_plain.so", proj), 0755);
	assert_int_equal(rt_config_load(&cfg, P("%s/retort.cfg", proj), NULL, &err), 0);
	assert_int_equal(cfg->has_plugins_group, 1);
	o.config = cfg;

	reg = load_registry(&o, &warn);
	assert_has(warn, P("%s/retort.cfg:2: the `plugins` group of the project configuration "
	                   "was ignored", proj));
	assert_has(warn, "--allow-project-plugins");
	e = rt_registry_find(reg, "fakegood");
	assert_string_equal(e->name, "fakegood");
	free(warn);
	rt_registry_free(reg);

	o.allow_project_plugins = 1;
	reg = load_registry(&o, &warn);
	assert_string_equal(warn, "");
	e = rt_registry_find(reg, "fakegood");
	assert_string_equal(e->name, "mine");
	assert_string_equal(e->source, P("%s/retort.cfg:3", proj));
	assert_string_equal(e->module, P("%s/lib/fake_plain.so", proj));
	free(warn);
	{
		/* And the project's module is what gets loaded for the scheme. */
		const struct retort_dialect *d = NULL;
		struct rt_err lerr = { 0, NULL };
		if (rt_loader_load(&d, reg, "fakegood", &o, &lerr) != 0)
			fail_msg("project plugin: %s", lerr.msg ? lerr.msg : "(oom)");
		assert_string_equal(d->name, "fakeplain");
	}
	rt_registry_free(reg);
	rt_config_free(cfg);
}

static void test_registry_oom(void **state)
{
	unsigned long n;
	(void)state;
	registry(GOOD_REG);
	for (n = 1; n < 400; n++) {
		struct rt_registry *reg = NULL;
		struct rt_err err = { 0, NULL };
		int rc;
		rt__alloc_fail_after(n);
		rc = rt_registry_load(&reg, NULL, &err);
		rt__alloc_fail_after(0);
		rt_err_clear(&err);
		if (rc == 0) {
			assert_int_equal(reg->n, 9);
			rt_registry_free(reg);
			break;
		}
		assert_null(reg);
	}
	assert_true(n < 400);
}

/* Every allocation failure while loading gives a clean error, no leak, and
 * a later attempt (memory back) succeeds.  Each round uses a fresh copy of
 * the module so that nothing is served from the cache. */
static void test_load_oom(void **state)
{
	unsigned long n;
	(void)state;
	for (n = 1; n < 200; n++) {
		char dir[300], text[700];
		struct rt_registry *reg;
		const struct retort_dialect *d = NULL;
		struct rt_err err = { 0, NULL };
		int rc;
		snprintf(dir, sizeof(dir), "%s/oom%lu", tmp, n);
		assert_int_equal(mkdir(dir, 0755), 0);
		copy_file(P("%s/fake_good.so", lib), P("%s/fake_good.so", dir), 0755);
		snprintf(text, sizeof(text), "plugin = { name = \"o\"; schemes = [ \"oom\" ]; "
		         "module = \"%s/fake_good.so\"; };\n", dir);
		registry(text);
		reg = load_quiet();
		rt__alloc_fail_after(n);
		rc = rt_loader_load(&d, reg, "oom", NULL, &err);
		rt__alloc_fail_after(0);
		rt_err_clear(&err);
		if (rc == 0) {
			assert_non_null(d);
			rt_registry_free(reg);
			break;
		}
		assert_null(d);
		/* With memory back, the same copy loads. */
		assert_int_equal(rt_loader_load(&d, reg, "oom", NULL, &err), 0);
		rt_registry_free(reg);
	}
	assert_true(n > 1 && n < 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysconfdir),
		cmocka_unit_test(test_registry_order),
		cmocka_unit_test(test_registry_empty),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_plain_symbol),
		cmocka_unit_test(test_err_no_entry),
		cmocka_unit_test(test_err_open),
		cmocka_unit_test(test_err_no_symbol),
		cmocka_unit_test(test_err_abi),
		cmocka_unit_test(test_err_init),
		cmocka_unit_test(test_errors_distinct),
		cmocka_unit_test(test_refuse_unsafe),
		cmocka_unit_test(test_load_la),
		cmocka_unit_test(test_search_order),
		cmocka_unit_test(test_project_plugins),
		cmocka_unit_test(test_registry_oom),
		cmocka_unit_test(test_load_oom),
	};
	return cmocka_run_group_tests_name("loader", tests, group_setup, group_teardown);
}
