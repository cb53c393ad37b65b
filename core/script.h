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
 *     -- retort:upgrade [dialect]
 *     ...SQL...
 *     -- retort:downgrade [dialect]
 *     ...SQL...
 */
#ifndef RETORT_CORE_SCRIPT_H
#define RETORT_CORE_SCRIPT_H

#include "graph.h"

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

/* Is `id` a valid revision id ([A-Za-z0-9_]+, at most 32 characters: the
 * version_num column is VARCHAR(32))? */
int rt_script_valid_id(const char *id);

/*
 * Scan every directory in `dirs` for *.sql files (sorted by name, hidden
 * files skipped), parse them and build a finished graph.
 */
int rt_script_load_graph(struct rt_graph **out, const struct rt_strvec *dirs,
                         struct rt_err *err);

/* SHA-256 of a script's normalised text (CRLF -> LF, one trailing newline),
 * as 64 lowercase hex digits. */
int rt_script_checksum(char out[65], const struct rt_script *s);

#endif
