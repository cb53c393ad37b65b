/* SPDX-License-Identifier: MIT */
/*
 * cli/main.c - the `retort` command: argument parsing, help, and dispatch
 * to libretort (include/retort/retort.h) through the command table.  No
 * migration logic lives here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <retort/retort.h>

#include "suggest.h"

#define MAX_POSITIONAL 256
#define MAX_X 256

/* What a command accepts. */
enum opt_flag {
	O_MESSAGE = 1 << 0, O_REV_ID = 1 << 1, O_HEAD = 1 << 2, O_SPLICE = 1 << 3,
	O_BRANCH_LABEL = 1 << 4, O_DEPENDS_ON = 1 << 5, O_VERSION_PATH = 1 << 6,
	O_SQL = 1 << 7, O_OUTPUT = 1 << 8, O_PURGE = 1 << 9, O_VERBOSE = 1 << 10,
	O_RANGE = 1 << 11, O_INDICATE = 1 << 12, O_TEMPLATE = 1 << 13,
	O_RESOLVE_DEPS = 1 << 14, O_TAG = 1 << 15, O_CHECK = 1 << 16,
	O_ALLOW_CHANGED = 1 << 17, O_LIMIT = 1 << 18, O_TARGETS = 1 << 19,
	O_JOBS = 1 << 20, O_RESUME = 1 << 21,
	O_NO_JSON = 1 << 30          /* prints no data: --format json is refused */
};

struct command;

/* The parsed command line. */
struct args {
	const struct command *cmd;
	struct retort_options o;
	struct retort_revision_options rev;
	struct retort_run_options run;
	struct retort_fleet_options fleet;
	int jobs_given;
	int verbose, indicate_current, help, version, resolve_deps, check;
	long limit;                        /* log -n; -1: all */
	const char *range, *template_name;
	const char *pos[MAX_POSITIONAL];
	int n_pos;
	const char *x[MAX_X];              /* -x key=value, in order */
};

struct command {
	const char *name;
	int (*run)(const struct args *a);  /* calls the library; returns the exit status */
	unsigned opts;                     /* enum opt_flag: the options it takes */
	int min_pos, max_pos;              /* positional arguments; -1: unlimited */
	const char *usage;
	const char *help;
};

/* ------------------------------------------------------------ commands */

static int cmd_init(const struct args *a)
{
	return retort_init(a->pos[0], a->template_name, &a->o);
}

static int cmd_list_templates(const struct args *a) { return retort_list_templates(&a->o); }
static int cmd_revision(const struct args *a) { return retort_revision(&a->o, &a->rev); }

static int cmd_merge(const struct args *a)
{
	return retort_merge(&a->o, a->pos, (size_t)a->n_pos, &a->rev);
}

static int cmd_upgrade(const struct args *a)
{
	if (a->fleet.targets)
		return retort_fleet(&a->o, RETORT_FLEET_UPGRADE, a->pos[0], &a->fleet);
	return retort_upgrade(&a->o, a->pos[0], &a->run);
}

static int cmd_downgrade(const struct args *a)
{
	if (a->fleet.targets)
		return retort_fleet(&a->o, RETORT_FLEET_DOWNGRADE, a->pos[0], &a->fleet);
	return retort_downgrade(&a->o, a->pos[0], &a->run);
}

static int cmd_stamp(const struct args *a)
{
	return retort_stamp(&a->o, a->pos, (size_t)a->n_pos, &a->run);
}

static int cmd_ensure_version(const struct args *a) { return retort_ensure_version(&a->o, &a->run); }
static int cmd_current(const struct args *a)
{
	if (a->fleet.targets)
		return retort_fleet(&a->o, RETORT_FLEET_CURRENT, NULL, &a->fleet);
	return retort_current(&a->o, a->verbose);
}

static int cmd_history(const struct args *a)
{
	return retort_history(&a->o, a->range, a->verbose, a->indicate_current);
}

static int cmd_heads(const struct args *a)
{
	return retort_heads(&a->o, a->verbose, a->resolve_deps);
}

static int cmd_branches(const struct args *a) { return retort_branches(&a->o, a->verbose); }
static int cmd_show(const struct args *a) { return retort_show(&a->o, a->pos, (size_t)a->n_pos); }
static int cmd_check(const struct args *a)
{
	if (a->fleet.targets)
		return retort_fleet(&a->o, RETORT_FLEET_CHECK, NULL, &a->fleet);
	return retort_check(&a->o);
}
static int cmd_edit(const struct args *a) { return retort_edit(&a->o, a->n_pos ? a->pos[0] : NULL); }
static int cmd_plugins(const struct args *a) { return retort_plugins(&a->o, a->check); }
static int cmd_help(const struct args *a);
static int cmd_verify(const struct args *a)
{
	if (a->fleet.targets)
		return retort_fleet(&a->o, RETORT_FLEET_VERIFY, NULL, &a->fleet);
	return retort_verify(&a->o);
}
static int cmd_log(const struct args *a) { return retort_log(&a->o, a->limit); }

static const struct command commands[] = {
	{ "init", cmd_init, O_TEMPLATE, 1, 1, "init DIR [--template NAME]",
	  "Create retort.cfg and a script directory DIR (with versions/ and the script template)." },
	{ "list-templates", cmd_list_templates, 0, 0, 0, "list-templates", "List the templates `init` can use." },
	{ "revision", cmd_revision, O_MESSAGE | O_REV_ID | O_HEAD | O_SPLICE | O_BRANCH_LABEL | O_DEPENDS_ON |
	  O_VERSION_PATH, 0, 0,
	  "revision -m MESSAGE [--rev-id ID] [--head REV] [--splice] [--branch-label LABEL]\n"
	  "                [--depends-on REVS] [--version-path DIR]",
	  "Write a new revision script and print its path." },
	{ "merge", cmd_merge, O_MESSAGE | O_REV_ID | O_BRANCH_LABEL, 1, -1,
	  "merge -m MESSAGE [--rev-id ID] [--branch-label LABEL] REV...",
	  "Write a revision that merges REV... (e.g. `merge heads`)." },
	{ "upgrade", cmd_upgrade,
	  O_SQL | O_OUTPUT | O_TAG | O_ALLOW_CHANGED | O_TARGETS | O_JOBS | O_RESUME, 1, 1,
	  "upgrade REV [--allow-changed] [--sql [--output FILE]] [--tag TAG]\n"
	  "       retort upgrade REV --targets FILE [-j N] [--resume] [--allow-changed]\n"
	  "                      [--tag TAG]",
	  "Upgrade to REV (head, heads, an id, label@head, +N, ...). With --sql, print the SQL\n"
	  "instead of running it (REV may be START:END). It first runs the checks of `verify`\n"
	  "and refuses to run when an applied script was edited since it ran. With --targets,\n"
	  "upgrade every database of FILE, N at a time, each with its own lock." },
	{ "downgrade", cmd_downgrade, O_SQL | O_OUTPUT | O_TAG | O_TARGETS | O_JOBS | O_RESUME, 1, 1,
	  "downgrade REV [--sql [--output FILE]] [--tag TAG]\n"
	  "       retort downgrade REV --targets FILE [-j N] [--resume] [--tag TAG]",
	  "Downgrade to REV (base, an id, -N, label@base, ...). --sql needs FROM:TO.\n"
	  "With --targets, every database of FILE, as for upgrade." },
	{ "stamp", cmd_stamp, O_SQL | O_OUTPUT | O_PURGE | O_TAG, 1, -1,
	  "stamp REV... [--purge] [--sql [--output FILE]] [--tag TAG]",
	  "Set the version table to REV... without running any migration." },
	{ "ensure-version", cmd_ensure_version, O_SQL | O_OUTPUT | O_NO_JSON, 0, 0,
	  "ensure-version [--sql [--output FILE]]",
	  "Create the version table if it does not exist (Alembic's ensure_version)." },
	{ "current", cmd_current, O_VERBOSE | O_TARGETS | O_JOBS, 0, 0,
	  "current [--verbose] [--targets FILE [-j N]]",
	  "Show the revision(s) the database (or each database of FILE) is at." },
	{ "history", cmd_history, O_VERBOSE | O_RANGE | O_INDICATE, 0, 0,
	  "history [-r START:END] [--verbose] [--indicate-current]",
	  "List revisions in order, newest first." },
	{ "heads", cmd_heads, O_VERBOSE | O_RESOLVE_DEPS, 0, 0, "heads [--verbose] [--resolve-dependencies]", "Show the head revisions." },
	{ "branches", cmd_branches, O_VERBOSE, 0, 0, "branches [--verbose]", "Show the branch points." },
	{ "show", cmd_show, 0, 1, -1, "show REV...", "Show the given revision(s)." },
	{ "check", cmd_check, O_TARGETS | O_JOBS, 0, 0, "check [--targets FILE [-j N]]",
	  "Exit 0 if the database is at the heads, 1 (listing them) if migrations are pending.\n"
	  "With --targets, check every database of FILE." },
	{ "edit", cmd_edit, O_NO_JSON, 0, 1, "edit [REV]", "Open a revision's script in $VISUAL / $EDITOR." },
	{ "plugins", cmd_plugins, O_CHECK, 0, 0, "plugins [--check]",
	  "List the dialect plugins in the registry; with --check, load each one and report." },
	{ "verify", cmd_verify, O_TARGETS | O_JOBS, 0, 0, "verify [--targets FILE [-j N]]",
	  "Check the version table and the applied scripts: exit 1 on an applied script edited\n"
	  "since it ran, an applied revision whose script is gone, a row naming an unknown\n"
	  "revision, two rows one the other's ancestor, or rows changed outside retort.\n"
	  "With --targets, verify every database of FILE." },
	{ "log", cmd_log, O_LIMIT, 0, 0, "log [-n N]",
	  "Show the audit trail (retort_audit): who ran which command, when, with what outcome;\n"
	  "newest first." },
	{ "help", cmd_help, O_NO_JSON, 0, 1, "help [COMMAND]",
	  "Show the commands, or a command's usage and options." },
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

/*
 * Every option, for parsing (command options), help and suggestions.  A
 * row with flag 0 is a global option (parsed by parse_global).  Help lines
 * start lowercase: the bash completion and tests/tree/manpages.sh read the
 * word after an option as its placeholder only when it is upper case (or
 * a|b), so a description must not start with one.
 */
struct option {
	const char *shrt;  /* "-m", or NULL */
	const char *lng;   /* "--message", or NULL */
	const char *meta;  /* the value's placeholder; NULL: takes no value */
	unsigned flag;     /* enum opt_flag; 0: global */
	const char *help;
};

static const struct option options[] = {
	{ "-m", "--message", "MESSAGE", O_MESSAGE,
	  "the revision's message: its Message header and the slug of its file name" },
	{ NULL, "--rev-id", "ID", O_REV_ID,
	  "use ID (1 to 32 letters, digits or '_') instead of a random 12-digit hex id" },
	{ NULL, "--head", "REV", O_HEAD,
	  "base the new revision on REV instead of the single head; needed when there are "
	  "several heads ('base' starts a new, independent branch)" },
	{ NULL, "--splice", NULL, O_SPLICE,
	  "allow --head to name a revision that is not a head: the new revision then starts "
	  "a new branch from the middle of the graph (one more head)" },
	{ NULL, "--branch-label", "LABEL", O_BRANCH_LABEL,
	  "give the new revision the branch label LABEL, so that LABEL@head and LABEL@base "
	  "name the ends of its branch" },
	{ NULL, "--depends-on", "REVS", O_DEPENDS_ON,
	  "comma-separated revisions (ids or branch labels) to apply before the new one, "
	  "without making them its parents: their branch is not merged into its own" },
	{ NULL, "--version-path", "DIR", O_VERSION_PATH,
	  "write the script into DIR (one of the version_locations) instead of the script "
	  "directory's versions/" },
	{ NULL, "--sql", NULL, O_SQL,
	  "do not connect: print the SQL the command would run, version table updates "
	  "included (REV may be a range START:END)" },
	{ "-o", "--output", "FILE", O_OUTPUT,
	  "write that SQL to FILE (atomically) instead of standard output" },
	{ NULL, "--purge", NULL, O_PURGE,
	  "empty the version table first, even of rows naming revisions the scripts lack "
	  "(not with --sql)" },
	{ "-r", "--rev-range", "START:END", O_RANGE,
	  "only the revisions from START to END; either side may be empty, and 'current' "
	  "means the database's revisions" },
	{ "-i", "--indicate-current", NULL, O_INDICATE,
	  "mark the revisions the database is at with (current); connects to the database" },
	{ "-t", "--template", "NAME", O_TEMPLATE,
	  "the project template to copy (default: generic; see list-templates)" },
	{ NULL, "--resolve-dependencies", NULL, O_RESOLVE_DEPS,
	  "treat Depends On lines as parents: a revision that another depends on is then "
	  "no head" },
	{ NULL, "--tag", "TAG", O_TAG,
	  "a label for this run (a release, a ticket): recorded in the audit trail and "
	  "shown by -v; changes nothing else" },
	{ NULL, "--check", NULL, O_CHECK,
	  "load every registered module and report, per plugin, whether it loaded with its "
	  "ABI and version, or the exact load error; exit 1 if one fails" },
	{ NULL, "--targets", "FILE", O_TARGETS,
	  "fleet mode: every database of FILE (one URL or ${VAR} per line, then an optional "
	  "name) instead of the configured one; see retort(1), FLEET MODE" },
	{ "-j", "--jobs", "N", O_JOBS,
	  "with --targets, work on N databases at a time (1 to 256; default 1)" },
	{ NULL, "--resume", NULL, O_RESUME,
	  "with --targets, skip the databases already at REV, without locking or writing them" },
	{ "-v", "--verbose", NULL, O_VERBOSE, "show each revision in full, as show does" },
	{ NULL, "--allow-changed", NULL, O_ALLOW_CHANGED,
	  "run even though applied scripts were edited since they ran, and record their new "
	  "checksums: the edits are accepted, and verify is clean again" },
	{ "-n", "--max-count", "N", O_LIMIT, "only the last N entries" },

	{ "-c", "--config", "FILE", 0, "config file (default: $RETORT_CONFIG, then ./retort.cfg)" },
	{ "-n", "--name", "NAME", 0,
	  "the database NAME of retort.cfg's `databases` group (default: main, or the only "
	  "one); after `log`, -n is --max-count" },
	{ NULL, "--url", "URL", 0, "database URL, overrides the config (also $RETORT_URL)" },
	{ NULL, "--plugin-path", "DIRS", 0,
	  "extra ':'-separated directories to find dialect plugins" },
	{ NULL, "--allow-project-plugins", NULL, 0,
	  "honour a `plugins` group in the project's retort.cfg" },
	{ NULL, "--lock-timeout", "SECONDS", 0,
	  "wait this long for the migration lock (-1: forever)" },
	{ NULL, "--format", "text|json", 0,
	  "output format of the commands that print data (see retort(1))" },
	{ "-x", NULL, "KEY=VALUE", 0,
	  "a value scripts and retort.cfg read as ${x:KEY} (repeatable; substituted as text, "
	  "not quoted)" },
	{ "-q", "--quiet", NULL, 0, "print only errors and data" },
	{ "-v", "--verbose", NULL, 0, "more detail (also each command's --verbose)" },
	{ "-h", "--help", NULL, 0, "help (`retort help COMMAND` for a command)" },
	{ NULL, "--version", NULL, 0, "print the version" },
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* Help lines are cut at this width; descriptions start at HELP_COL. */
#define HELP_WIDTH 79
#define HELP_COL 29

/* One option line: "  -m, --message MESSAGE    the revision's ...", the
 * description wrapped at HELP_WIDTH and indented to HELP_COL. */
static void print_option(FILE *f, const struct option *o)
{
	const char *h = o->help;
	int col = fprintf(f, "  %s%s%s%s%s", o->shrt ? o->shrt : "", o->shrt && o->lng ? ", " : "",
	                  o->lng ? o->lng : "", o->meta ? " " : "", o->meta ? o->meta : "");
	if (col >= HELP_COL - 1) {
		fputc('\n', f);
		col = 0;
	}
	while (*h) {
		size_t room = HELP_WIDTH - HELP_COL, n = strlen(h);
		if (n > room) {
			n = room;
			while (n > 0 && h[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(h, " ");
		}
		fprintf(f, "%*s%.*s\n", HELP_COL - col, "", (int)n, h);
		col = 0;
		h += n;
		while (*h == ' ')
			h++;
	}
}

static void print_globals(FILE *f)
{
	size_t k;
	fprintf(f, "Global options (before or after the command):\n");
	for (k = 0; k < N_OPTIONS; k++)
		if (!options[k].flag)
			print_option(f, &options[k]);
	fprintf(f, "\nExit status: 0 success, 1 database or migration error, 2 usage or "
	           "configuration error.\n");
}

static void usage_all(FILE *f)
{
	const struct command *c;
	fprintf(f, "usage: retort [options] COMMAND [args]\n\n"
	           "retort runs database schema migrations (Alembic-compatible).\n\nCommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-15s %.*s\n", c->name, (int)strcspn(c->help, "\n"), c->help);
	fprintf(f, "\n`retort help COMMAND` shows a command's usage and options.\n\n");
	print_globals(f);
}

static void usage_cmd(FILE *f, const struct command *c)
{
	size_t k;
	int any = 0;
	fprintf(f, "usage: retort %s\n\n%s\n\n", c->usage, c->help);
	for (k = 0; k < N_OPTIONS; k++)
		any |= (options[k].flag & c->opts) != 0;
	if (any) {
		fprintf(f, "Options:\n");
		for (k = 0; k < N_OPTIONS; k++)
			if (options[k].flag & c->opts)
				print_option(f, &options[k]);
		fputc('\n', f);
	}
	print_globals(f);
}

/* fmt holds one "%s", for arg: an argument, printed fit for a terminal
 * (escaped, a 100 KB argument cut).  hint (may be NULL) ends the line:
 * "; did you mean 'upgrade'?". */
static int usage_error_hint(const struct command *c, const char *fmt, const char *arg,
                            const char *hint)
{
	const char *at = strstr(fmt, "%s");
	fprintf(stderr, "retort: error: ");
	if (at) {
		fwrite(fmt, 1, (size_t)(at - fmt), stderr);
		retort_fputs_printable(arg, stderr);
		fputs(at + 2, stderr);
	} else {
		fputs(fmt, stderr);
	}
	if (hint)
		fputs(hint, stderr);
	if (c)
		fprintf(stderr, "\nusage: retort %s\nTry 'retort help %s'.\n", c->usage, c->name);
	else
		fprintf(stderr, "\nTry 'retort --help'.\n");
	return RETORT_EXIT_USAGE;
}

/* Names compare with '_' and '-' alike: Alembic's spelling of a command
 * (list_templates) finds retort's (list-templates). */
static int same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '_' || *a == '-') && (*b == '_' || *b == '-')))
			return 0;
	return *a == *b;
}

static int usage_error(const struct command *c, const char *fmt, const char *arg)
{
	return usage_error_hint(c, fmt, arg, NULL);
}

/* "unknown command 'X'", with the commands spelled most like X. */
static int unknown_command(const char *word)
{
	struct rt_suggest sg;
	const struct command *c;
	int rc;
	rt_suggest_init(&sg, word);
	for (c = commands; c->name; c++)
		rt_suggest_add(&sg, c->name);
	rc = usage_error_hint(NULL, "unknown command '%s'", word, rt_suggest_hint(&sg));
	rt_suggest_free(&sg);
	return rc;
}

/* "unknown option '--X'", with the options spelled most like it: those
 * the command takes (every option before the command). */
static int unknown_option(const struct command *cmd, const char *arg)
{
	struct rt_suggest sg;
	size_t k, n = strcspn(arg, "=");
	char word[RT_SUGGEST_MAX + 1];
	int rc;
	/* "--name=value" is compared as "--name"; a name too long to look
	 * like any option is compared as "" (no hint) */
	if (n > RT_SUGGEST_MAX)
		n = 0;
	memcpy(word, arg, n);
	word[n] = '\0';
	rt_suggest_init(&sg, word);
	for (k = 0; k < N_OPTIONS; k++)
		if (!options[k].flag || !cmd || (cmd->opts & options[k].flag))
			rt_suggest_add(&sg, options[k].lng);
	rc = usage_error_hint(cmd, "unknown option '%s'", arg, rt_suggest_hint(&sg));
	rt_suggest_free(&sg);
	return rc;
}

/* A command's option given to another command: name the ones that take it. */
static int option_elsewhere(const struct command *cmd, const char *arg, unsigned flag)
{
	const struct command *c;
	size_t n = 0;
	fprintf(stderr, "retort: error: %s does not take ", cmd->name);
	retort_fputs_printable(arg, stderr);
	for (c = commands; c->name; c++)
		if (c->opts & flag)
			fprintf(stderr, "%s%s", n++ ? ", " : " (an option of ", c->name);
	fprintf(stderr, "%s\nusage: retort %s\nTry 'retort help %s'.\n", n ? ")" : "", cmd->usage,
	        cmd->name);
	return RETORT_EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
	const struct command *c;
	for (c = commands; c->name; c++)
		if (same_name(c->name, name))
			return c;
	return NULL;
}

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

/* A word that is not an option: the command name, then its arguments. */
static int take_word(struct args *a, const char *word)
{
	if (!a->cmd) {
		if (!(a->cmd = find_command(word)))
			return unknown_command(word);
		return 0;
	}
	if (a->n_pos >= MAX_POSITIONAL)
		return usage_error(a->cmd, "too many arguments%s", "");
	a->pos[a->n_pos++] = word;
	return 0;
}

/*
 * The options every command takes.  Returns 1 if `arg` was one (taking its
 * value from argv as needed), 0 if not, or -(exit status) on a usage error.
 */
static int parse_global(struct args *a, const char *arg, int argc, char **argv, int *i)
{
	const char *val = NULL;
	int missing = 0;

	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
		a->help = 1;
	else if (strcmp(arg, "--version") == 0)
		a->version = 1;
	else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0)
		a->o.verbosity = -1;
	else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0)
		a->o.verbosity = a->verbose = 1;
	else if (strcmp(arg, "--allow-project-plugins") == 0)
		a->o.allow_project_plugins = 1;
	else if (match_long(arg, "--config", 1, argc, argv, i, &val, &missing) ||
	         match_long(arg, "-c", 1, argc, argv, i, &val, &missing)) {
		if (missing)
			return -usage_error(a->cmd, "%s needs a file name", arg);
		a->o.config_path = val;
	} else if (match_long(arg, "--name", 1, argc, argv, i, &val, &missing) ||
	           /* after `log`, -n is its --max-count (as git log's) */
	           (!(a->cmd && (a->cmd->opts & O_LIMIT)) &&
	            match_long(arg, "-n", 1, argc, argv, i, &val, &missing))) {
		if (missing || !*val)
			return -usage_error(a->cmd, "%s needs the name of a database of retort.cfg's "
			                    "`databases` group", arg);
		a->o.name = val;
	} else if (match_long(arg, "--url", 1, argc, argv, i, &val, &missing)) {
		if (missing)
			return -usage_error(a->cmd, "%s needs a URL", arg);
		a->o.url = val;
	} else if (match_long(arg, "--plugin-path", 1, argc, argv, i, &val, &missing)) {
		if (missing)
			return -usage_error(a->cmd, "%s needs a directory list", arg);
		a->o.plugin_path = val;
	} else if (match_long(arg, "--lock-timeout", 1, argc, argv, i, &val, &missing)) {
		if (missing || retort_parse_seconds(val, &a->o.lock_timeout_ms) < 0)
			return -usage_error(a->cmd, "--lock-timeout needs a number of seconds from 0 "
			                    "to 31536000 (-1 waits forever), not '%s'", missing ? "" : val);
	} else if (match_long(arg, "-x", 1, argc, argv, i, &val, &missing)) {
		if (missing || !strchr(val, '='))
			return -usage_error(a->cmd, "-x takes KEY=VALUE (scripts read ${x:KEY}), "
			                    "not '%s'", missing ? "" : val);
		if (a->o.n_x >= MAX_X)
			return -usage_error(a->cmd, "more than 256 -x options%s", "");
		a->x[a->o.n_x++] = val;
		a->o.x = a->x;
	} else if (match_long(arg, "--format", 1, argc, argv, i, &val, &missing)) {
		if (missing || (strcmp(val, "json") != 0 && strcmp(val, "text") != 0))
			return -usage_error(a->cmd, "--format takes 'text' or 'json'%s", "");
		a->o.json = strcmp(val, "json") == 0;
	} else {
		return 0;
	}
	return 1;
}

/* A count: decimal digits only, at most 9 of them. */
static int parse_count(const char *s, long *out)
{
	long v = 0;
	size_t n = 0;
	for (; *s >= '0' && *s <= '9' && n < 10; s++, n++)
		v = v * 10 + (*s - '0');
	if (n == 0 || n > 9 || *s)
		return -1;
	*out = v;
	return 0;
}

/* The options of one command (enum opt_flag); a usage error otherwise. */
static int parse_command_option(struct args *a, const char *arg, int argc, char **argv, int *i)
{
	const char *val = NULL;
	int missing = 0;
	size_t k;

	for (k = 0; k < N_OPTIONS; k++) {
		const struct option *o = &options[k];
		if (!o->flag || o->flag == O_VERBOSE) /* parsed by parse_global */
			continue;
		if (match_long(arg, o->lng, o->meta != NULL, argc, argv, i, &val, &missing) ||
		    (o->shrt && match_long(arg, o->shrt, o->meta != NULL, argc, argv, i, &val,
		                           &missing)))
			break;
	}
	if (k == N_OPTIONS)
		return unknown_option(a->cmd, arg);
	if (missing)
		return usage_error(a->cmd, "%s needs a value", arg);
	if (!a->cmd)
		return usage_error(NULL, "option %s comes after a command", arg);
	if (!(a->cmd->opts & options[k].flag))
		return option_elsewhere(a->cmd, arg, options[k].flag);
	switch (options[k].flag) {
	case O_MESSAGE: a->rev.message = val; break;
	case O_REV_ID: a->rev.rev_id = val; break;
	case O_HEAD: a->rev.head = val; break;
	case O_SPLICE: a->rev.splice = 1; break;
	case O_BRANCH_LABEL: a->rev.branch_label = val; break;
	case O_DEPENDS_ON: a->rev.depends_on = val; break;
	case O_VERSION_PATH: a->rev.version_path = val; break;
	case O_SQL: a->run.sql = 1; break;
	case O_OUTPUT: a->run.output = val; break;
	case O_PURGE: a->run.purge = 1; break;
	case O_RANGE: a->range = val; break;
	case O_INDICATE: a->indicate_current = 1; break;
	case O_TEMPLATE: a->template_name = val; break;
	case O_RESOLVE_DEPS: a->resolve_deps = 1; break;
	case O_TAG: a->run.tag = a->fleet.tag = val; break;
	case O_CHECK: a->check = 1; break;
	case O_ALLOW_CHANGED: a->run.allow_changed = a->fleet.allow_changed = 1; break;
	case O_LIMIT:
		if (parse_count(val, &a->limit) < 0)
			return usage_error(a->cmd, "-n takes a number of entries (0 or more), not '%s'",
			                   val);
		break;
	case O_TARGETS: a->fleet.targets = val; break;
	case O_RESUME: a->fleet.resume = 1; break;
	case O_JOBS: {
		char *end;
		unsigned long j = strtoul(val, &end, 10);
		if (*val < '0' || *val > '9' || *end || j < 1 || j > RETORT_FLEET_JOBS_MAX)
			return usage_error(a->cmd, "-j needs a number of databases at a time from 1 "
			                   "to 256, not '%s'", val);
		a->fleet.jobs = (unsigned)j;
		a->jobs_given = 1;
		break;
	}
	}
	return 0;
}

/* `retort help [COMMAND]` */
static int cmd_help(const struct args *a)
{
	const struct command *c;
	if (a->n_pos == 0) {
		usage_all(stdout);
		return 0;
	}
	if (!(c = find_command(a->pos[0])))
		return unknown_command(a->pos[0]);
	usage_cmd(stdout, c);
	return 0;
}

/* Parse argv into *a; 0, or the exit status of a usage error. */
static int parse_args(struct args *a, int argc, char **argv)
{
	struct retort_options init = RETORT_OPTIONS_INIT;
	int i, rc;

	memset(a, 0, sizeof(*a));
	a->o = init;
	a->limit = -1;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			/* everything after "--" is a word: "retort downgrade -- -1" */
			for (i++; i < argc; i++)
				if ((rc = take_word(a, argv[i])) != 0)
					return rc;
			break;
		}
		/* "-1" is a relative revision, not an option */
		if (arg[0] != '-' || arg[1] == '\0' || (arg[1] >= '0' && arg[1] <= '9'))
			rc = take_word(a, arg);
		else if ((rc = parse_global(a, arg, argc, argv, &i)) != 0)
			rc = rc < 0 ? -rc : 0;
		else
			rc = parse_command_option(a, arg, argc, argv, &i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Check the positional arguments against the command's table entry. */
static int check_args(struct args *a)
{
	const struct command *c = a->cmd;
	if (a->n_pos < c->min_pos)
		return usage_error(c, "%s needs more arguments", c->name);
	if (c->max_pos >= 0 && a->n_pos > c->max_pos)
		return usage_error(c, "unexpected argument '%s'", a->pos[c->max_pos]);
	if ((c->opts & O_MESSAGE) && !a->rev.message)
		a->rev.message = "";
	if ((c->opts & O_NO_JSON) && a->o.json)
		return usage_error(c, "%s prints no data: --format json does not apply to it", c->name);
	if (!a->fleet.targets && (a->jobs_given || a->fleet.resume))
		return usage_error(c, "%s only makes sense with --targets FILE",
		                   a->jobs_given ? "-j" : "--resume");
	if (a->fleet.targets && a->run.sql)
		return usage_error(c, "--sql and --targets exclude each other%s", "");
	return 0;
}

int main(int argc, char **argv)
{
	struct args a;
	int status;

	if ((status = parse_args(&a, argc, argv)) != 0)
		return status;
	retort_set_command_line(argc, (const char *const *)argv); /* for the audit trail */
	if (a.version) {
		printf("retort %s\n", retort_version());
		return 0;
	}
	if (a.help) {
		if (a.cmd)
			usage_cmd(stdout, a.cmd);
		else
			usage_all(stdout);
		return 0;
	}
	if (!a.cmd) {
		usage_all(stderr);
		return RETORT_EXIT_USAGE;
	}
	if ((status = check_args(&a)) != 0)
		return status;
	if ((status = a.cmd->run(&a)) != 0 && a.cmd->run != cmd_help)
		fprintf(stderr, "retort: error: %s\n", retort_error_message());
	return status;
}
