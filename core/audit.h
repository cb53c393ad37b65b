/* SPDX-License-Identifier: MIT */
/*
 * core/audit.h - the record of one command that changed the database or
 * tried to (SPEC section 9): who ran it (OS user, database user, host),
 * what it ran (the command line, secrets masked), the version rows before
 * and after, the outcome and message, when and how long, with which
 * retort, and its --tag.  core/history.c keeps it in retort_audit; with
 * `audit_log = "FILE"` it is also appended to FILE as one JSON line.
 */
#ifndef RETORT_CORE_AUDIT_H
#define RETORT_CORE_AUDIT_H

#include "util.h" /* IWYU pragma: export */

/* Length of a run id: 24 lowercase hex digits. */
#define RT_RUN_ID_LEN 24

struct rt_audit_rec {
	char run_id[RT_RUN_ID_LEN + 1]; /* ties the command's retort_history rows to it */
	char *version_table;   /* the migration set (as configured, without schema) */
	char *command;         /* "upgrade", "downgrade", "stamp", "ensure-version" */
	char *command_line;    /* the whole command line, secrets masked */
	char *os_user;
	char *db_user;         /* the session's (rt_db_session_user); NULL when unknown */
	char *host;
	char started_at[20];   /* UTC "YYYY-MM-DD HH:MM:SS" */
	long long duration_ms;
	char *rows_before;     /* version rows, sorted, space-separated; NULL: unknown */
	char *rows_after;
	char *outcome;         /* "ok" or "failed" */
	char *message;         /* the error, masked; NULL when ok */
	char *retort_version;
	char *tag;             /* --tag, or NULL */
	long start_mono_ms;    /* for the duration (not recorded) */
};

/*
 * Start a record: run id, command line (retort_set_command_line, masked),
 * OS user, host, start time, retort version.  -1 only when out of memory
 * or without a random source.
 */
int rt_audit_begin(struct rt_audit_rec *rec, const char *command, const char *version_table,
                   const char *tag, struct rt_err *err);
/* Version rows as recorded: sorted copies joined by ' ' ("" for none). */
char *rt_audit_rows(const char *const *rows, size_t n);
/*
 * End a record: rows after (may be NULL: unknown), outcome, the error's
 * message (NULL when ok; masked again here), the duration.
 */
int rt_audit_end(struct rt_audit_rec *rec, const char *rows_after, const struct rt_err *failure);
void rt_audit_free(struct rt_audit_rec *rec);

/*
 * The record as one JSON line (ending in '\n'): an object with exactly the
 * columns of retort_audit but its id (run_id, version_table, command,
 * command_line, os_user, db_user, host, started_at, duration_ms,
 * rows_before, rows_after, outcome, message, retort_version, tag), then
 * "database", the URL with its password masked, which a file shared by
 * several databases needs.  Unknown values are null.
 */
int rt_audit_json(struct rt_buf *out, const struct rt_audit_rec *rec, const char *database);
/* The same fields, but "database", as members of j's open object (`log`). */
struct rt_json;
void rt_audit_json_fields(struct rt_json *j, const struct rt_audit_rec *rec);

/*
 * `audit_log = "FILE"`: open FILE for appending, created with mode 0600
 * (parent directories are not made).  Opened before the command touches
 * the database, so that a log that cannot be written stops it first
 * (exit status 2).  *fd is -1 on failure.
 */
int rt_audit_log_open(int *fd, const char *path, struct rt_err *err);
/* Append the record's JSON line with one write(2) (O_APPEND keeps lines
 * of concurrent writers whole).  Errors name the file. */
int rt_audit_log_append(int fd, const char *path, const struct rt_audit_rec *rec,
                        const char *database, struct rt_err *err);

/* The command line as given to retort_set_command_line(), masked ("" when
 * none was given). */
const char *rt_audit_command_line(void);

/* UTC now as "YYYY-MM-DD HH:MM:SS". */
void rt_audit_utc_now(char out[20]);

#endif
