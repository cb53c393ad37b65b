/* SPDX-License-Identifier: MIT */
/*
 * core/script.h - migration script files (SPEC section 4): header parsing,
 * sections, and scanning the script directories into a revision graph.
 *
 *     -- Message: add account table
 *     -- Revision ID: ae1027a6acf
 *     -- Revises: 1975ea83b712
 *     -- Branch Labels: accounts
 *     -- Depends On: 55af2cb1c267
 *     -- retort:transaction off           (optional)
 *     -- retort:expand off                (optional: ${x:key} kept as written)
 *     -- retort:upgrade [dialect]
 *     ...SQL...
 *     -- retort:downgrade [dialect]
 *     ...SQL...
 */
#ifndef RETORT_CORE_SCRIPT_H
#define RETORT_CORE_SCRIPT_H

#include "graph.h" /* IWYU pragma: export */

struct rt_section {
	int upgrade;          /* 1 upgrade, 0 downgrade */
	char *dialect;        /* NULL: generic; else the dialect name it is for */
	size_t offset;        /* into rt_script.text */
	size_t len;
	unsigned first_line;  /* file line of text[offset] */
};

struct rt_script {
	char *path;
	char *text;           /* whole file, NUL-terminated */
	size_t len;
	int transaction_off;  /* "-- retort:transaction off" */
	int expand_off;       /* "-- retort:expand off": no ${x:key} expansion */
	struct rt_section *sections;
	size_t n_sections;
};

/*
 * Parse one script file's text into a revision (with the script as its
 * payload).  Errors name path:line and say what to fix (RT_EXIT_USAGE).
 */
int rt_script_parse(struct rt_revision **out, const char *path, const char *text,
                    size_t len, struct rt_err *err);
void rt_script_free(void *script);

/* The section to run for a direction: the one for `scheme` (the URL's,
 * e.g. "mssql" of mssql+odbc://) if present, else the one for `dialect`
 * (the plugin's name), else the generic one; NULL if the script has none.
 * Either name may be NULL. */
const struct rt_section *rt_script_section(const struct rt_script *s, int upgrade,
                                           const char *scheme, const char *dialect);

/*
 * The text of section `sec` to run: its ${x:key} references expanded from
 * `x` (core/xargs.h) unless the script says "-- retort:expand off".  *text
 * and *len point into the script, or into *owned (freed by the caller)
 * when something was expanded.  Errors name the script and line.
 */
int rt_script_section_text(const char **text, size_t *len, char **owned,
                           const struct rt_script *s, const struct rt_section *sec,
                           const struct rt_strvec *x, struct rt_err *err);

/* Is `id` a valid revision id ([A-Za-z0-9_]+, at most 32 characters: the
 * version_num column is VARCHAR(32))? */
int rt_script_valid_id(const char *id);

/*
 * Scan every directory in `dirs` for *.sql files (sorted by directory, then
 * name; hidden files and directories skipped), parse their headers and
 * build a finished graph.  Only headers are read: one open, one read for a
 * typical header (a longer one reads on to its end), one close per file,
 * no stat.  For a run (`for_run`), a script that this one read returned
 * whole is kept as its revision's payload (up to 16 MiB in all), so that
 * executing it reads nothing more; otherwise payloads are NULL.
 */
int rt_script_scan(struct rt_graph **out, const struct rt_strvec *dirs, int for_run,
                   struct rt_err *err);
/*
 * The same (headers only), but a revision that a Revises line names and no
 * script holds does not fail the scan: it is added as a stand-in (its id
 * only: no file, no Revises, so a base), and its id is appended to `gone`
 * (sorted).  For `verify`, which reports an applied revision whose script
 * is gone rather than refuse the graph.  Any other error of the graph
 * stays one.
 */
int rt_script_scan_gone(struct rt_graph **out, const struct rt_strvec *dirs,
                        struct rt_strvec *gone, struct rt_err *err);

/*
 * Read and parse a scanned revision's whole script, when a run executes
 * it; the caller frees it with rt_script_free.  The text a run's scan kept
 * is used when a stat shows the file still has exactly its size (one
 * system call); else the file is read.  A script whose Revision ID changed
 * since the scan is an error.
 */
int rt_script_read(struct rt_script **out, const struct rt_revision *rev, struct rt_err *err);

#endif
