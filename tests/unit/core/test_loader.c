/* SPDX-License-Identifier: MIT */
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "settings.h"
#include "host.h"
#include "loader.h"
#include "engine.h"
#include "sidequery.h"
#include "stmtloop.h"
#include "url.h"

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
		                            "fake_nosym", "fake_v10", "fake_v11", "fake_loop",
		                            "fake_null_member", NULL };
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

static struct rt_registry *load_quiet_with(const struct rt_loader_options *opts)
{
	char *e;
	struct rt_registry *reg = load_registry(opts, &e);
	free(e);
	return reg;
}

static struct rt_registry *load_quiet(void)
{
	return load_quiet_with(NULL);
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
	struct rt_registry *reg = load_quiet_with(opts);
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


/* The layers: vendor < sysconfdir < DIR/plugins.d of the module path <
 * $RETORT_REGISTRY_PATH, by file name as systemd and udev do; masking with
 * /dev/null or an empty file; the surviving files in lexical order. */
static void test_layers(void **state)
{
	struct rt_registry *reg;
	char *warn, vendor[700], regpath[700], plugpath[700];
	char va[300], vb[300], sys[320], r1[300], r2[300], pp[300];
	size_t i, n;
	(void)state;
	registry("");
	snprintf(va, sizeof(va), "%s/vendor_lib", tmp);
	snprintf(vb, sizeof(vb), "%s/vendor_data", tmp);
	snprintf(r1, sizeof(r1), "%s/reg1", tmp);
	snprintf(r2, sizeof(r2), "%s/reg2", tmp);
	snprintf(pp, sizeof(pp), "%s/pp", tmp);
	snprintf(sys, sizeof(sys), "%s/plugins.d", etc);
	assert_int_equal(mkdir(va, 0755) | mkdir(vb, 0755) | mkdir(r1, 0755) | mkdir(r2, 0755) |
	                 mkdir(pp, 0755) | mkdir(P("%s/pp/plugins.d", tmp), 0755) |
	                 mkdir(sys, 0755), 0);
	snprintf(vendor, sizeof(vendor), "%s:%s", va, vb);
	snprintf(regpath, sizeof(regpath), "%s::%s", r1, r2);
	snprintf(plugpath, sizeof(plugpath), "%s:%s", lib, pp);

#define ENTRY(scheme, module) \
	"plugin = { name = \"" scheme "\"; schemes = [ \"" scheme "\" ]; module = \"" module "\"; };\n"
	/* x: the arch-specific vendor dir beats the data one. */
	write_file(P("%s/vendor_data/50-x.cfg", tmp), ENTRY("x", "fake_nosym"), 0644);
	write_file(P("%s/vendor_lib/50-x.cfg", tmp), ENTRY("x", "fake_plain"), 0644);
	/* y: the administrator's drop-in beats the vendor's of that name. */
	write_file(P("%s/vendor_lib/60-y.cfg", tmp), ENTRY("y", "fake_nosym"), 0644);
	write_file(P("%s/60-y.cfg", sys), ENTRY("y", "fake_good"), 0644);
	/* z and w: masked, by /dev/null and by an empty file. */
	write_file(P("%s/vendor_lib/70-z.cfg", tmp), ENTRY("z", "fake_good"), 0644);
	assert_int_equal(symlink("/dev/null", P("%s/70-z.cfg", sys)), 0);
	write_file(P("%s/vendor_data/71-w.cfg", tmp), ENTRY("w", "fake_good"), 0644);
	write_file(P("%s/71-w.cfg", sys), "", 0644);
	/* v: $RETORT_REGISTRY_PATH beats the administrator. */
	write_file(P("%s/80-v.cfg", sys), ENTRY("v", "fake_nosym"), 0644);
	write_file(P("%s/reg1/80-v.cfg", tmp), ENTRY("v", "fake_good"), 0644);
	/* r: only in the added directory; the system's stay. */
	write_file(P("%s/reg2/10-r.cfg", tmp), ENTRY("r", "fake_good"), 0644);
	/* q: different names, so both are read, in lexical order: the
	 * vendor's 90-q.cfg comes after reg1's 09-q.cfg and wins. */
	write_file(P("%s/reg1/09-q.cfg", tmp), ENTRY("q", "fake_nosym"), 0644);
	write_file(P("%s/vendor_data/90-q.cfg", tmp), ENTRY("q", "fake_plain"), 0644);
	/* p: a directory of $RETORT_PLUGIN_PATH registers its own module. */
	copy_file(P("%s/fake_plain.so", lib), P("%s/pp/ppmod.so", tmp), 0755);
	write_file(P("%s/pp/plugins.d/20-p.cfg", tmp), ENTRY("p", "ppmod"), 0644);
#undef ENTRY

	rt__registry_vendor_dirs(vendor);
	setenv("RETORT_REGISTRY_PATH", regpath, 1);
	setenv("RETORT_PLUGIN_PATH", plugpath, 1);
	reg = load_registry(NULL, &warn);
	assert_string_equal(warn, "");   /* masks are silent */
	free(warn);

	assert_int_equal(reg->n_dirs, 7);
	assert_string_equal(reg->dirs[0].path, r1);
	assert_string_equal(reg->dirs[0].origin, "$RETORT_REGISTRY_PATH");
	assert_string_equal(reg->dirs[1].path, r2);
	assert_string_equal(reg->dirs[2].path, P("%s/plugins.d", lib));
	assert_string_equal(reg->dirs[2].origin, "$RETORT_PLUGIN_PATH");
	assert_int_equal(reg->dirs[2].exists, 0);
	assert_string_equal(reg->dirs[3].path, P("%s/pp/plugins.d", tmp));
	assert_int_equal(reg->dirs[3].exists, 1);
	assert_string_equal(reg->dirs[4].path, sys);
	assert_string_equal(reg->dirs[4].origin, "$RETORT_SYSCONFDIR");
	assert_string_equal(reg->dirs[5].path, va);
	assert_string_equal(reg->dirs[5].origin, "vendor");
	assert_string_equal(reg->dirs[6].path, vb);

	assert_string_equal(rt_registry_find(reg, "x")->module, "fake_plain");
	assert_string_equal(rt_registry_find(reg, "y")->module, "fake_good");
	assert_null(rt_registry_find(reg, "z"));
	assert_null(rt_registry_find(reg, "w"));
	assert_string_equal(rt_registry_find(reg, "v")->module, "fake_good");
	assert_string_equal(rt_registry_find(reg, "r")->module, "fake_good");
	assert_string_equal(rt_registry_find(reg, "q")->module, "fake_plain");
	assert_string_equal(rt_registry_find(reg, "p")->module, "ppmod");
	/* Every entry serves its scheme but reg1's q, which 90-q.cfg replaced. */
	assert_int_equal(reg->n, 7);
	for (i = 0; i < reg->n; i++)
		assert_int_equal(rt_registry_serves(reg, i),
		                 strcmp(reg->entries[i].source, P("%s/09-q.cfg:1", r1)) != 0);

	/* What was overridden, and by what. */
	assert_int_equal(reg->shadowed.n, 5);
	{
		char want[900];
		snprintf(want, sizeof(want), "%s/vendor_data/50-x.cfg (overridden by %s/vendor_lib/"
		         "50-x.cfg)", tmp, tmp);
		assert_true(rt_strvec_contains(&reg->shadowed, want));
		snprintf(want, sizeof(want), "%s/80-v.cfg (overridden by %s/reg1/80-v.cfg)", sys,
		         tmp);
		assert_true(rt_strvec_contains(&reg->shadowed, want));
		snprintf(want, sizeof(want), "%s/vendor_lib/70-z.cfg (overridden by %s/70-z.cfg)",
		         tmp, sys);
		assert_true(rt_strvec_contains(&reg->shadowed, want));
	}
	/* plugins.cfg, then the drop-ins in lexical order of file name,
	 * whatever their layer; the empty mask is read, the /dev/null not. */
	assert_int_equal(reg->files.n, 9);
	assert_string_equal(reg->files.v[0], P("%s/plugins.cfg", etc));
	for (i = 2; i < reg->files.n; i++) {
		const char *a = strrchr(reg->files.v[i - 1], '/'), *b = strrchr(reg->files.v[i], '/');
		assert_true(strcmp(a, b) < 0);
	}
	rt_registry_free(reg);

	/* RETORT_PLUGIN_PATH alone registers and loads the module. */
	assert_string_equal(load_ok("p", NULL)->name, "fakeplain");
	/* --plugin-path does too, ahead of $RETORT_PLUGIN_PATH. */
	{
		struct rt_loader_options o = { NULL, 0, NULL };
		setenv("RETORT_PLUGIN_PATH", lib, 1);
		assert_null(rt_registry_find((reg = load_quiet()), "p"));
		rt_registry_free(reg);
		o.plugin_path = pp;
		assert_string_equal(load_ok("p", &o)->name, "fakeplain");
	}

	/* $RETORT_SYSCONFDIR names the whole system registry: no vendor layer
	 * unless a test sets one. */
	rt__registry_vendor_dirs(NULL);
	unsetenv("RETORT_REGISTRY_PATH");
	reg = load_quiet();
	for (i = 0; i < reg->n_dirs; i++)
		assert_string_not_equal(reg->dirs[i].origin, "vendor");
	rt_registry_free(reg);
	/* Without it, the configured vendor directories come last. */
	unsetenv("RETORT_SYSCONFDIR");
	reg = load_quiet();
	n = reg->n_dirs;
	assert_true(n >= 3);
	assert_string_equal(reg->dirs[n - 3].origin, "sysconfdir");
	assert_string_equal(reg->dirs[n - 2].origin, "vendor");
	assert_string_equal(reg->dirs[n - 1].origin, "vendor");
	assert_true(strlen(reg->dirs[n - 1].path) > 17);
	assert_string_equal(reg->dirs[n - 1].path + strlen(reg->dirs[n - 1].path) - 17,
	                    "/retort/plugins.d");
	rt_registry_free(reg);
	setenv("RETORT_SYSCONFDIR", etc, 1);
	setenv("RETORT_PLUGIN_PATH", lib, 1);
}

static const char *GOOD_REG =
	"plugins = (\n"
	"  { name = \"fakegood\"; schemes = [ \"fakegood\", \"fakemem\" ]; module = \"fake_good\"; },\n"
	"  { name = \"fakeplain\"; schemes = [ \"fakeplain\" ]; module = \"fake_plain\"; },\n"
	"  { name = \"fakeinitfail\"; schemes = [ \"fakeinitfail\" ]; module = \"fake_initfail\";\n"
	"    package = \"retort-plugin-fakeinitfail\"; },\n"
	"  { name = \"fakeabimajor\"; schemes = [ \"fakeabimajor\" ]; module = \"fake_abi_major\"; },\n"
	"  { name = \"fakeabiminor\"; schemes = [ \"fakeabiminor\" ]; module = \"fake_abi_minor\"; },\n"
	"  { name = \"fakesmall\"; schemes = [ \"fakesmall\" ]; module = \"fake_small\"; },\n"
	"  { name = \"fakenosym\"; schemes = [ \"fakenosym\" ]; module = \"fake_nosym\"; },\n"
	"  { name = \"fakemissing\"; schemes = [ \"fakemissing\" ]; module = \"fake_nothere\";\n"
	"    package = \"retort-plugin-fakemissing\"; },\n"
	"  { name = \"faketext\"; schemes = [ \"faketext\" ]; module = \"fake_text\";\n"
	"    package = \"retort-plugin-faketext\"; },\n"
	"  { name = \"fakev10\"; schemes = [ \"fakev10\" ]; module = \"fake_v10\"; },\n"
	"  { name = \"fakev11\"; schemes = [ \"fakev11\" ]; module = \"fake_v11\"; },\n"
	"  { name = \"fakeloop\"; schemes = [ \"fakeloop\" ]; module = \"fake_loop\"; },\n"
	"  { name = \"fakenullmember\"; schemes = [ \"fakenullmember\" ]; "
	"module = \"fake_null_member\"; }\n"
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

/* Error 1: no registry entry.  The core knows no package names: with no
 * entry at all, it says what to do in general terms. */
static void test_err_no_entry(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("mysql", NULL);
	assert_has(msg, "no dialect plugin registered for scheme 'mysql': install the plugin "
	                "that provides it");
	assert_has(msg, P("a drop-in in %s/plugins.d/", etc));
	assert_has(msg, "$RETORT_REGISTRY_PATH");
	assert_has(msg, P("registry read: %s/plugins.cfg", etc));
	assert_has(msg, "schemes registered: fakegood, fakemem, fakeplain");
	assert_null(strstr(msg, "retort-plugin-"));
	assert_null(strstr(msg, "did you mean"));
	free(msg);
	msg = load_fail("", NULL);
	assert_has(msg, "no URL scheme");
	free(msg);
}

/* An entry with a package and no module: the plugin is known, not
 * installed; the hint names the package the entry names. */
static void test_err_not_installed(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	assert_int_equal(mkdir(P("%s/plugins.d", etc), 0755), 0);
	write_file(P("%s/plugins.d/00-known.cfg", etc),
	           "plugins = ( { name = \"mysql\"; schemes = [ \"mysql\", \"mariadb\" ];\n"
	           "              package = \"retort-plugin-mysql\"; },\n"
	           "            { name = \"fakegood\"; schemes = [ \"fakegood\" ];\n"
	           "              package = \"retort-plugin-fakegood\"; } );\n", 0644);
	msg = load_fail("mariadb+pymysql", NULL);
	assert_has(msg, "no dialect plugin registered for scheme 'mariadb+pymysql': its plugin "
	                "is not installed; install retort-plugin-mysql");
	assert_has(msg, P("entry at %s/plugins.d/00-known.cfg:1", etc));
	free(msg);
	/* An entry without module or package is still an error in the file. */
	write_file(P("%s/plugins.d/00-known.cfg", etc),
	           "plugin = { name = \"x\"; schemes = [ \"x\" ]; package = \"\"; };\n", 0644);
	{
		char *warn;
		struct rt_registry *reg = load_registry(NULL, &warn);
		assert_has(warn, "00-known.cfg:1: plugin registry entry skipped: `package` must be a "
		                 "non-empty string");
		assert_null(rt_registry_find(reg, "x"));
		free(warn);
		rt_registry_free(reg);
	}
	/* A drop-in read later (the plugin's own) replaces the hint, and the
	 * hint does not replace an installed plugin read earlier: the
	 * in-tree 00-retort-plugins.cfg is read before each 50-NAME.cfg. */
	write_file(P("%s/plugins.d/00-known.cfg", etc),
	           "plugin = { name = \"fakegood\"; schemes = [ \"fakegood\" ];\n"
	           "           package = \"retort-plugin-fakegood\"; };\n", 0644);
	write_file(P("%s/plugins.d/50-fakegood.cfg", etc),
	           "plugin = { name = \"fakegood\"; schemes = [ \"fakegood\" ];\n"
	           "           module = \"fake_good\"; };\n", 0644);
	assert_string_equal(load_ok("fakegood", NULL)->name, "fakegood");
}

/* A mistyped scheme: "did you mean", from the registered schemes. */
static void test_did_you_mean(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("fakegod", NULL);
	assert_has(msg, "no dialect plugin registered for scheme 'fakegod' (did you mean "
	                "fakegood?)");
	assert_has(msg, "correct the URL's scheme");
	assert_null(strstr(msg, "retort-plugin-"));
	free(msg);
	msg = load_fail("FakePlan+drv", NULL);
	assert_has(msg, "(did you mean fakeplain?)");
	free(msg);
	/* Two at the same distance. */
	registry("plugins = ( { name = \"m\"; schemes = [ \"mysql\", \"mssql\" ]; "
	         "module = \"fake_good\"; } );\n");
	msg = load_fail("msql", NULL);
	assert_has(msg, "(did you mean mysql or mssql?)");
	free(msg);
	/* Too far to be a slip. */
	msg = load_fail("pg", NULL);
	assert_null(strstr(msg, "did you mean"));
	free(msg);
	{
		struct rt_buf b = RT_BUF_INIT;
		struct rt_registry *reg = load_quiet();
		assert_int_equal(rt_registry_suggest(&b, reg, "mysqlx"), 1);
		assert_string_equal(b.ptr, "mysql");
		rt_buf_free(&b);
		rt_registry_free(reg);
	}
}

/* Error 2: the module cannot be opened (missing, or not a shared object). */
static void test_err_open(void **state)
{
	char *msg;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("fakemissing", NULL);
	assert_has(msg, "cannot load dialect plugin fake_nothere for scheme 'fakemissing'");
	assert_has(msg, P("registry entry at %s/plugins.cfg:10", etc));
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

/* ABI 1.1 side queries through core/sidequery.c: a 1.1 plugin's query()
 * and column_type() pass through (errors masked); a 1.0 plugin loads, and
 * asking it for a query is one clear error, never a read past its struct. */
struct sq_rows {
	char text[256];
};

static int sq_row(const char *const *cols, size_t n, void *payload)
{
	struct sq_rows *r = payload;
	size_t i;
	for (i = 0; i < n; i++) {
		strcat(r->text, cols[i] ? cols[i] : "NULL");
		strcat(r->text, i + 1 < n ? "|" : ";");
	}
	return 0;
}

static void test_side_queries(void **state)
{
	const struct retort_dialect *d;
	struct rt_db db;
	struct rt_err e = { 0, NULL };
	struct retort_error pe;
	struct sq_rows rows;
	const char *params[3] = { "x", NULL, "pw-in-message" };
	char type[16];
	long affected = 0;
	(void)state;
	registry(GOOD_REG);

	/* ABI 1.1 */
	d = load_ok("fakegood", NULL);
	assert_true(RT_DIALECT_HAS(d, column_type));
	memset(&db, 0, sizeof(db));
	db.d = d;
	rt_dialect_error_init(&pe);
	assert_int_equal(d->create(&db.conn, NULL, NULL, &pe), 0);
	assert_true(rt_db_can_query(&db));
	assert_true(rt_db_can_column_type(&db));
	/* not connected: offline sessions never query */
	assert_int_equal(rt_db_query(&db, "SELECT 1", NULL, 0, NULL, NULL, NULL, &e), -1);
	assert_has(e.msg, "not connected");
	rt_err_clear(&e);
	db.connected = 1;
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(rt_db_query(&db, "SELECT ?, ?", params, 2, sq_row, &rows, &affected, &e),
	                 0);
	assert_string_equal(rows.text, "SELECT ?, ?|x|NULL;");
	assert_int_equal(affected, 2);
	assert_int_equal(rt_db_column_type(&db, RETORT_TYPE_BIGINT, 0, type, sizeof(type), &e), 0);
	assert_string_equal(type, "BIGINT");
	assert_int_equal(rt_db_column_type(&db, RETORT_TYPE_TEXT, 0, type, sizeof(type), &e), -1);
	assert_has(e.msg, "cannot spell column type");
	rt_err_clear(&e);
	/* a failure goes through rt_db_error: database class, password masked */
	assert_int_equal(rt_url_parse(&db.url, "fakegood://u:pw-in-message@h/db", &e), 0);
	params[1] = "pw-in-message";
	assert_int_equal(rt_db_query(&db, "fail", params, 2, NULL, NULL, &affected, &e), -1);
	assert_int_equal(affected, -1);
	assert_int_equal(e.status, RT_EXIT_DB);
	assert_has(e.msg, "query failed in dialect fakegood: rejected ***");
	assert_null(strstr(e.msg, "pw-in-message"));
	rt_err_clear(&e);
	d->destroy(db.conn);
	rt_url_free(db.url);

	/* ABI 1.0 */
	d = load_ok("fakev10", NULL);
	assert_int_equal(d->abi_minor, 0);
	assert_false(RT_DIALECT_HAS(d, query));
	memset(&db, 0, sizeof(db));
	db.d = d;
	db.connected = 1;
	assert_int_equal(d->create(&db.conn, NULL, NULL, &pe), 0);
	assert_false(rt_db_can_query(&db));
	assert_int_equal(rt_db_query(&db, "SELECT 1", NULL, 0, NULL, NULL, &affected, &e), -1);
	assert_int_equal(e.status, RT_EXIT_USAGE);
	assert_has(e.msg, "dialect plugin fakev10 does not support queries (ABI 1.0");
	rt_err_clear(&e);
	assert_int_equal(rt_db_column_type(&db, RETORT_TYPE_BIGINT, 0, type, sizeof(type), &e), -1);
	assert_has(e.msg, "does not support column types (ABI 1.0");
	rt_err_clear(&e);
	d->destroy(db.conn);
	rt_dialect_error_free(&pe);
}

/* ------------------------------------------------------------ statement loop */

struct seen {
	unsigned n, last_index, last_line;
};

static void seen_start(void *payload, unsigned index, unsigned line, const char *stmt, size_t len)
{
	struct seen *s = payload;
	(void)stmt;
	(void)len;
	s->n++;
	s->last_index = index;
	s->last_line = line;
}

/*
 * ABI 1.2: the core runs the statement loop of a plugin that has only
 * execute_statement (fake_loop, which masks nothing and attaches nothing):
 * the error names the failing statement, its index and its line, and
 * shows no secret of the URL; a script that does not lex runs nothing.  A
 * 1.1 plugin (fake_v11, whose struct has aborting 1.2 members past its
 * struct_size) keeps its own execute() and the generic splitter.
 */
static void test_statement_loop(void **state)
{
	static const char sql[] = "SELECT 1;\n-- a comment; with a semicolon\n"
	                          "CREATE FUNCTION f() AS $$ BEGIN; END $$;\n\n"
	                          "SELECT 'Sekr3t' FAIL;\nSELECT 4;\n";
	const struct retort_dialect *d;
	struct retort_conn *c = NULL;
	struct rt_url *url = NULL;
	struct rt_err e = { 0, NULL };
	struct retort_error pe;
	struct rt_exec_opts eo;
	struct seen seen;
	(void)state;
	registry(GOOD_REG);
	assert_int_equal(rt_url_parse(&url, "fakeloop://u:Sekr3t@h/db", &e), 0);

	d = load_ok("fakeloop", NULL);
	assert_null(d->execute);
	assert_true(rt_dialect_has_loop(d));
	rt_dialect_error_init(&pe);
	assert_int_equal(d->create(&c, &url->pub, NULL, &pe), 0);
	memset(&eo, 0, sizeof(eo));
	memset(&seen, 0, sizeof(seen));
	eo.url = &url->pub;
	eo.start = seen_start;
	eo.payload = &seen;
	assert_int_equal(rt_dialect_execute(d, c, sql, strlen(sql), 10, &eo, &pe), RETORT_EDB);
	assert_int_equal(seen.n, 3); /* the fourth never ran */
	assert_int_equal(pe.stmt_index, 3);
	assert_int_equal(pe.stmt_line, 14);
	assert_non_null(pe.statement);
	assert_string_equal(pe.statement, "SELECT '***' FAIL");
	assert_string_equal(pe.message, "rejected: SELECT '***' FAIL");
	rt_dialect_error_free(&pe);
	/* a lexical error: nothing runs */
	memset(&seen, 0, sizeof(seen));
	rt_dialect_error_init(&pe);
	assert_int_equal(rt_dialect_execute(d, c, "SELECT 1;\nSELECT 'open\n",
	                                    strlen("SELECT 1;\nSELECT 'open\n"), 5, &eo, &pe),
	                 RETORT_EUSAGE);
	assert_int_equal(seen.n, 0);
	assert_int_equal(pe.stmt_line, 6);
	rt_dialect_error_free(&pe);
	/* all good */
	rt_dialect_error_init(&pe);
	assert_int_equal(rt_dialect_execute(d, c, "SELECT 1;\nSELECT 2", strlen("SELECT 1;\nSELECT 2"),
	                                    1, NULL, &pe), 0);
	rt_dialect_error_free(&pe);
	d->destroy(c);

	/* ABI 1.1: never a member past struct_size */
	d = load_ok("fakev11", NULL);
	assert_false(RT_DIALECT_HAS(d, split_rules));
	assert_false(rt_dialect_has_loop(d));
	assert_int_equal(rt_dialect_split_rules(d, NULL), -1);
	rt_dialect_error_init(&pe);
	assert_int_equal(d->create(&c, &url->pub, NULL, &pe), 0);
	assert_int_equal(rt_dialect_execute(d, c, sql, strlen(sql), 10, &eo, &pe), 0);
	rt_dialect_error_free(&pe);
	d->destroy(c);
	rt_url_free(url);
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
		                               "fakeabimajor", "fakeinitfail", "fakenullmember" };
	static const char *const phrase[] = { "no dialect plugin registered",
		                              "cannot load dialect plugin",
		                              "is not a retort dialect plugin",
		                              "was built for dialect ABI", "failed to initialise",
		                              "breaks the dialect contract" };
	size_t i, j;
	(void)state;
	registry(GOOD_REG);
	for (i = 0; i < 6; i++) {
		char *msg = load_fail(schemes[i], NULL);
		for (j = 0; j < 6; j++)
			if ((strstr(msg, phrase[j]) != NULL) != (i == j))
				fail_msg("error %zu and phrase '%s':\n%s", i, phrase[j], msg);
		/* Each names the scheme and says what to do. */
		assert_has(msg, schemes[i]);
		assert_true(strstr(msg, "install") || strstr(msg, "rebuild") ||
		            strstr(msg, "upgrade"));
		free(msg);
	}
}

/* Error 6: a REQUIRED member is NULL (connect, in fake_null_member): refused by name, not
 * called (retort used to crash on it).  The rule itself, member by member,
 * including the lock/unlock pair. */
static void test_err_contract(void **state)
{
	static const char *const required[] = { "name", "schemes", "create", "connect",
		"destroy", "begin", "commit", "rollback", "execute", "version_read",
		"version_create", "version_insert", "version_update", "version_delete", NULL };
	const struct retort_dialect *good;
	struct retort_dialect d;
	char *msg;
	size_t i;
	(void)state;
	registry(GOOD_REG);
	msg = load_fail("fakenullmember", NULL);
	assert_has(msg, "fake_null_member.so breaks the dialect contract: its required member "
	                "`connect` is NULL (scheme 'fakenullmember'");
	free(msg);

	good = load_ok("fakegood", NULL);
	assert_null(rt_dialect_missing_member(good));
	for (i = 0; required[i]; i++) {
		const char *got;
		d = *good;
		switch (i) {
		case 0: d.name = NULL; break;
		case 1: d.schemes = NULL; break;
		case 2: d.create = NULL; break;
		case 3: d.connect = NULL; break;
		case 4: d.destroy = NULL; break;
		case 5: d.begin = NULL; break;
		case 6: d.commit = NULL; break;
		case 7: d.rollback = NULL; break;
		case 8: d.execute = NULL; break;
		case 9: d.version_read = NULL; break;
		case 10: d.version_create = NULL; break;
		case 11: d.version_insert = NULL; break;
		case 12: d.version_update = NULL; break;
		case 13: d.version_delete = NULL; break;
		}
		got = rt_dialect_missing_member(&d);
		assert_non_null(got);
		assert_string_equal(got, required[i]);
	}
	/* ... and all of them at once, in that order (what the conformance kit
	 * lists), none of the OPTIONAL ones among them */
	{
		struct retort_dialect none;
		const char *all[20];
		size_t n;
		memset(&none, 0, sizeof(none));
		none.abi_major = good->abi_major;
		none.abi_minor = good->abi_minor;
		none.struct_size = good->struct_size;
		n = rt_dialect_missing_members(&none, all, sizeof(all) / sizeof(all[0]));
		for (i = 0; required[i]; i++)
			if (i >= n || strcmp(all[i], required[i]) != 0)
				fail_msg("missing member %zu: %s, not %s", i, i < n ? all[i] : "(none)",
				         required[i]);
		assert_int_equal(n, i);
		/* a short out[] still gets the count, and only what fits */
		all[1] = "untouched";
		assert_int_equal(rt_dialect_missing_members(&none, all, 1), i);
		assert_string_equal(all[0], "name");
		assert_string_equal(all[1], "untouched");
	}
	/* OPTIONAL members may all be NULL; lock/unlock only as a pair */
	d = *good;
	d.description = NULL;
	d.version = NULL;
	d.global_init = NULL;
	d.global_shutdown = NULL;
	d.caps = NULL;
	d.split = NULL;
	d.quote_identifier = NULL;
	d.quote_literal = NULL;
	d.offline_sql = NULL;
	d.query = NULL;
	d.column_type = NULL;
	d.lock = NULL;
	d.unlock = NULL;
	assert_null(rt_dialect_missing_member(&d));
	d.lock = good->rollback;  /* any function of that type */
	assert_string_equal(rt_dialect_missing_member(&d), "unlock");
	d.unlock = d.lock;
	d.lock = NULL;
	assert_string_equal(rt_dialect_missing_member(&d), "lock");
}

/* global_shutdown: once at exit, for a module loaded under two schemes,
 * never for one whose global_init failed; rt_loader_shutdown() then exit
 * still makes one call. */
static void test_global_shutdown(void **state)
{
	char log[600], text[256] = "";
	pid_t pid;
	int status, fd;
	ssize_t n;
	(void)state;
	registry(GOOD_REG);
	snprintf(log, sizeof(log), "%s/shutdown.log", tmp);
	unlink(log);
	for (int twice = 0; twice < 2; twice++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			const struct retort_dialect *d = NULL;
			struct rt_registry *reg = NULL;
			struct rt_err err = { 0, NULL };
			setenv("FAKE_SHUTDOWN_LOG", log, 1);
			if (rt_registry_load(&reg, NULL, &err) < 0 ||
			    rt_loader_load(&d, reg, "fakegood", NULL, &err) < 0 ||
			    rt_loader_load(&d, reg, "fakemem", NULL, &err) < 0)
				_exit(3);
			if (rt_loader_load(&d, reg, "fakeinitfail", NULL, &err) == 0)
				_exit(4);
			rt_err_clear(&err);
			rt_registry_free(reg);
			if (twice)
				rt_loader_shutdown();
			exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		fd = open(log, O_RDONLY);
		assert_true(fd >= 0);
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		assert_true(n >= 0);
		text[n] = '\0';
		assert_string_equal(text, "fakegood\n");
		unlink(log);
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
	struct rt_settings *cfg = NULL;
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
	assert_int_equal(rt_settings_load(&cfg, P("%s/retort.cfg", proj), NULL, &err), 0);
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
	rt_settings_free(cfg);
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
			assert_int_equal(reg->n, 13);
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
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_err_no_entry),
		cmocka_unit_test(test_err_not_installed),
		cmocka_unit_test(test_did_you_mean),
		cmocka_unit_test(test_err_open),
		cmocka_unit_test(test_err_no_symbol),
		cmocka_unit_test(test_err_abi),
		cmocka_unit_test(test_err_init),
		cmocka_unit_test(test_side_queries),
		cmocka_unit_test(test_statement_loop),
		cmocka_unit_test(test_err_contract),
		cmocka_unit_test(test_global_shutdown),
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
