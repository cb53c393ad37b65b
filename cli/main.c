/*
 * cli/main.c - the `retort` command: argument parsing, help, and dispatch
 * to libretort (include/retort/retort.h).  No migration logic lives here.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <retort/retort.h>

#define MAX_POSITIONAL 256

/* What a command accepts. */
enum opt_flag {
	O_MESSAGE = 1 << 0, O_REV_ID = 1 << 1, O_HEAD = 1 << 2, O_SPLICE = 1 << 3,
	O_BRANCH_LABEL = 1 << 4, O_DEPENDS_ON = 1 << 5, O_VERSION_PATH = 1 << 6,
	O_SQL = 1 << 7, O_OUTPUT = 1 << 8, O_PURGE = 1 << 9, O_VERBOSE = 1 << 10,
	O_RANGE = 1 << 11, O_INDICATE = 1 << 12, O_TEMPLATE = 1 << 13,
	O_RESOLVE_DEPS = 1 << 14
};

struct command {
	const char *name;
	unsigned opts;
	int min_pos, max_pos;      /* positional arguments; -1: unlimited */
	const char *usage;
	const char *help;
};

static const struct command commands[] = {
	{ "init", O_TEMPLATE, 1, 1, "init DIR [--template NAME]",
	  "Create retort.cfg and a script directory DIR (with versions/ and the script template)." },
	{ "list-templates", 0, 0, 0, "list-templates", "List the templates `init` can use." },
	{ "revision", O_MESSAGE | O_REV_ID | O_HEAD | O_SPLICE | O_BRANCH_LABEL | O_DEPENDS_ON |
	  O_VERSION_PATH, 0, 0,
	  "revision -m MESSAGE [--rev-id ID] [--head REV] [--splice] [--branch-label L]\n"
	  "                [--depends-on REV] [--version-path DIR]",
	  "Write a new revision script and print its path." },
	{ "merge", O_MESSAGE | O_REV_ID | O_BRANCH_LABEL, 1, -1,
	  "merge -m MESSAGE [--rev-id ID] [--branch-label L] REV...",
	  "Write a revision that merges REV... (e.g. `merge heads`)." },
	{ "upgrade", O_SQL | O_OUTPUT, 1, 1, "upgrade REV [--sql [--output FILE]]",
	  "Upgrade to REV (head, heads, an id, label@head, +N, ...). With --sql, print the SQL\n"
	  "instead of running it (REV may be START:END)." },
	{ "downgrade", O_SQL | O_OUTPUT, 1, 1, "downgrade REV [--sql [--output FILE]]",
	  "Downgrade to REV (base, an id, -N, label@base, ...). --sql needs FROM:TO." },
	{ "stamp", O_SQL | O_OUTPUT | O_PURGE, 1, -1, "stamp REV... [--purge] [--sql [--output FILE]]",
	  "Set the version table to REV... without running any migration." },
	{ "current", O_VERBOSE, 0, 0, "current [--verbose]", "Show the revision(s) the database is at." },
	{ "history", O_VERBOSE | O_RANGE | O_INDICATE, 0, 0,
	  "history [-r START:END] [--verbose] [--indicate-current]",
	  "List revisions in order, newest first." },
	{ "heads", O_VERBOSE | O_RESOLVE_DEPS, 0, 0, "heads [--verbose] [--resolve-dependencies]", "Show the head revisions." },
	{ "branches", O_VERBOSE, 0, 0, "branches [--verbose]", "Show the branch points." },
	{ "show", 0, 1, -1, "show REV...", "Show the given revision(s)." },
	{ "check", 0, 0, 0, "check",
	  "Exit 0 if the database is at the heads, 1 (listing them) if migrations are pending." },
	{ "edit", 0, 0, 1, "edit [REV]", "Open a revision's script in $VISUAL / $EDITOR." },
	{ "plugins", 0, 0, 0, "plugins", "List the dialect plugins in the registry." },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const char global_help[] =
	"Global options (before or after the command):\n"
	"  -c, --config FILE          config file (default: $RETORT_CONFIG, then ./retort.cfg)\n"
	"  --url URL                  database URL, overrides the config (also $RETORT_URL)\n"
	"  --plugin-path DIRS         extra ':'-separated directories to find dialect plugins\n"
	"  --allow-project-plugins    honour a `plugins` group in the project's retort.cfg\n"
	"  --lock-timeout SECONDS     wait this long for the migration lock (-1: forever)\n"
	"  --format text|json         output format of history/heads/branches/current/show\n"
	"  -q, --quiet                print only errors and data\n"
	"  -v, --verbose              more detail (also each command's --verbose)\n"
	"  -h, --help                 help (`retort COMMAND --help` for a command)\n"
	"  --version                  print the version\n"
	"\nExit status: 0 success, 1 database or migration error, 2 usage or configuration error.\n";

static void usage_all(FILE *f)
{
	const struct command *c;
	fprintf(f, "usage: retort [options] COMMAND [args]\n\n"
	           "retort runs database schema migrations (Alembic-compatible).\n\nCommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-15s %.*s\n", c->name, (int)strcspn(c->help, "\n"), c->help);
	fprintf(f, "\n%s", global_help);
}

static void usage_cmd(FILE *f, const struct command *c)
{
	fprintf(f, "usage: retort %s\n\n%s\n\n%s", c->usage, c->help, global_help);
}

static int usage_error(const struct command *c, const char *fmt, const char *arg)
{
	fprintf(stderr, "retort: error: ");
	fprintf(stderr, fmt, arg);
	if (c)
		fprintf(stderr, "\nusage: retort %s\nTry 'retort %s --help'.\n", c->usage, c->name);
	else
		fprintf(stderr, "\nTry 'retort --help'.\n");
	return RETORT_EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
	const struct command *c;
	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct args {
	struct retort_options o;
	struct retort_revision_options rev;
	struct retort_run_options run;
	int verbose, indicate_current, help, version, resolve_deps;
	const char *range, *template_name;
	const char *pos[MAX_POSITIONAL];
	int n_pos;
};

/* Match "--name" or "--name=value"; sets *value when an argument is needed. */
static int match_long(const char *arg, const char *name, int takes_value, int argc, char **argv,
                      int *i, const char **value, int *missing)
{
	size_t n = strlen(name);
	*missing = 0;
	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=' && takes_value) {
		*value = arg + n + 1;
		return 1;
	}
	/* short options take an attached value too: -rbase:ae10, -mtext */
	if (n == 2 && name[1] != '-' && takes_value && arg[n] != '\0') {
		*value = arg + n;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (takes_value) {
		if (*i + 1 >= argc) {
			*missing = 1;
			return 1;
		}
		*value = argv[++*i];
	}
	return 1;
}

static int parse_seconds(const char *s, long *ms)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < -1 || v > 86400.0 * 365)
		return -1;
	*ms = v < 0 ? -1 : (long)(v * 1000.0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; unsigned flag; int value; } cmdopts[] = {
		{ "--message", O_MESSAGE, 1 },     { "-m", O_MESSAGE, 1 },
		{ "--rev-id", O_REV_ID, 1 },       { "--head", O_HEAD, 1 },
		{ "--splice", O_SPLICE, 0 },       { "--branch-label", O_BRANCH_LABEL, 1 },
		{ "--depends-on", O_DEPENDS_ON, 1 },{ "--version-path", O_VERSION_PATH, 1 },
		{ "--sql", O_SQL, 0 },             { "--output", O_OUTPUT, 1 },
		{ "-o", O_OUTPUT, 1 },             { "--purge", O_PURGE, 0 },
		{ "--rev-range", O_RANGE, 1 },     { "-r", O_RANGE, 1 },
		{ "--indicate-current", O_INDICATE, 0 }, { "-i", O_INDICATE, 0 },
		{ "--template", O_TEMPLATE, 1 },   { "-t", O_TEMPLATE, 1 },
		{ "--resolve-dependencies", O_RESOLVE_DEPS, 0 },
	};
	struct args a;
	const struct command *cmd = NULL;
	const char *cmd_name = NULL;
	int i, status;

	memset(&a, 0, sizeof(a));
	{
		struct retort_options init = RETORT_OPTIONS_INIT;
		a.o = init;
	}

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		int missing = 0;
		size_t k;

		if (strcmp(arg, "--") == 0) {
			for (i++; i < argc; i++) {
				if (!cmd_name)
					cmd_name = argv[i];
				else if (a.n_pos < MAX_POSITIONAL)
					a.pos[a.n_pos++] = argv[i];
				else
					return usage_error(cmd, "too many arguments%s", "");
			}
			break;
		}
		/* "-1" is a relative revision, not an option */
		if (arg[0] != '-' || arg[1] == '\0' || (arg[1] >= '0' && arg[1] <= '9')) {
			if (!cmd_name) {
				cmd_name = arg;
				if (!(cmd = find_command(arg)))
					return usage_error(NULL, "unknown command '%s'", arg);
			} else if (a.n_pos < MAX_POSITIONAL) {
				a.pos[a.n_pos++] = arg;
			} else {
				return usage_error(cmd, "too many arguments%s", "");
			}
			continue;
		}
		/* global options */
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			a.help = 1;
			continue;
		}
		if (strcmp(arg, "--version") == 0) {
			a.version = 1;
			continue;
		}
		if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
			a.o.verbosity = -1;
			continue;
		}
		if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			a.o.verbosity = 1;
			a.verbose = 1;
			continue;
		}
		if (strcmp(arg, "--allow-project-plugins") == 0) {
			a.o.allow_project_plugins = 1;
			continue;
		}
		if (match_long(arg, "--config", 1, argc, argv, &i, &val, &missing) ||
		    match_long(arg, "-c", 1, argc, argv, &i, &val, &missing)) {
			if (missing)
				return usage_error(cmd, "%s needs a file name", arg);
			a.o.config_path = val;
			continue;
		}
		if (match_long(arg, "--url", 1, argc, argv, &i, &val, &missing)) {
			if (missing)
				return usage_error(cmd, "%s needs a URL", arg);
			a.o.url = val;
			continue;
		}
		if (match_long(arg, "--plugin-path", 1, argc, argv, &i, &val, &missing)) {
			if (missing)
				return usage_error(cmd, "%s needs a directory list", arg);
			a.o.plugin_path = val;
			continue;
		}
		if (match_long(arg, "--lock-timeout", 1, argc, argv, &i, &val, &missing)) {
			if (missing || parse_seconds(val, &a.o.lock_timeout_ms) < 0)
				return usage_error(cmd, "--lock-timeout needs a number of seconds (-1 "
				                   "waits forever), not '%s'", missing ? "" : val);
			continue;
		}
		if (match_long(arg, "--format", 1, argc, argv, &i, &val, &missing)) {
			if (missing || (strcmp(val, "json") != 0 && strcmp(val, "text") != 0))
				return usage_error(cmd, "--format takes 'text' or 'json'%s", "");
			a.o.json = strcmp(val, "json") == 0;
			continue;
		}
		/* command options */
		for (k = 0; k < sizeof(cmdopts) / sizeof(cmdopts[0]); k++) {
			if (!match_long(arg, cmdopts[k].name, cmdopts[k].value, argc, argv, &i, &val,
			                &missing))
				continue;
			if (missing)
				return usage_error(cmd, "%s needs a value", arg);
			if (!cmd)
				return usage_error(NULL, "option %s comes after a command", arg);
			if (!(cmd->opts & cmdopts[k].flag))
				return usage_error(cmd, "%s does not take that option", cmd->name);
			switch (cmdopts[k].flag) {
			case O_MESSAGE: a.rev.message = val; break;
			case O_REV_ID: a.rev.rev_id = val; break;
			case O_HEAD: a.rev.head = val; break;
			case O_SPLICE: a.rev.splice = 1; break;
			case O_BRANCH_LABEL: a.rev.branch_label = val; break;
			case O_DEPENDS_ON: a.rev.depends_on = val; break;
			case O_VERSION_PATH: a.rev.version_path = val; break;
			case O_SQL: a.run.sql = 1; break;
			case O_OUTPUT: a.run.output = val; break;
			case O_PURGE: a.run.purge = 1; break;
			case O_RANGE: a.range = val; break;
			case O_INDICATE: a.indicate_current = 1; break;
			case O_TEMPLATE: a.template_name = val; break;
			case O_RESOLVE_DEPS: a.resolve_deps = 1; break;
			}
			break;
		}
		if (k == sizeof(cmdopts) / sizeof(cmdopts[0]))
			return usage_error(cmd, "unknown option '%s'", arg);
	}

	if (a.version) {
		printf("retort %s\n", retort_version());
		return 0;
	}
	if (a.help) {
		if (cmd)
			usage_cmd(stdout, cmd);
		else
			usage_all(stdout);
		return 0;
	}
	if (!cmd) {
		usage_all(stderr);
		return RETORT_EXIT_USAGE;
	}
	if (a.n_pos < cmd->min_pos)
		return usage_error(cmd, "%s needs more arguments", cmd->name);
	if (cmd->max_pos >= 0 && a.n_pos > cmd->max_pos)
		return usage_error(cmd, "unexpected argument '%s'", a.pos[cmd->max_pos]);
	if ((strcmp(cmd->name, "revision") == 0 || strcmp(cmd->name, "merge") == 0) &&
	    !a.rev.message)
		a.rev.message = "";

	if (strcmp(cmd->name, "init") == 0)
		status = retort_init(a.pos[0], a.template_name, &a.o);
	else if (strcmp(cmd->name, "list-templates") == 0)
		status = retort_list_templates(&a.o);
	else if (strcmp(cmd->name, "revision") == 0)
		status = retort_revision(&a.o, &a.rev);
	else if (strcmp(cmd->name, "merge") == 0)
		status = retort_merge(&a.o, a.pos, (size_t)a.n_pos, &a.rev);
	else if (strcmp(cmd->name, "upgrade") == 0)
		status = retort_upgrade(&a.o, a.pos[0], &a.run);
	else if (strcmp(cmd->name, "downgrade") == 0)
		status = retort_downgrade(&a.o, a.pos[0], &a.run);
	else if (strcmp(cmd->name, "stamp") == 0)
		status = retort_stamp(&a.o, a.pos, (size_t)a.n_pos, &a.run);
	else if (strcmp(cmd->name, "current") == 0)
		status = retort_current(&a.o, a.verbose);
	else if (strcmp(cmd->name, "history") == 0)
		status = retort_history(&a.o, a.range, a.verbose, a.indicate_current);
	else if (strcmp(cmd->name, "heads") == 0)
		status = retort_heads(&a.o, a.verbose, a.resolve_deps);
	else if (strcmp(cmd->name, "branches") == 0)
		status = retort_branches(&a.o, a.verbose);
	else if (strcmp(cmd->name, "show") == 0)
		status = retort_show(&a.o, a.pos, (size_t)a.n_pos);
	else if (strcmp(cmd->name, "check") == 0)
		status = retort_check(&a.o);
	else if (strcmp(cmd->name, "edit") == 0)
		status = retort_edit(&a.o, a.n_pos ? a.pos[0] : NULL);
	else
		status = retort_plugins(&a.o);

	if (status != 0)
		fprintf(stderr, "retort: error: %s\n", retort_error_message());
	return status;
}
