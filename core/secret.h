/* SPDX-License-Identifier: MIT */
/*
 * core/secret.h - secrets kept out of retort.cfg (SPEC section 9):
 * ${file:PATH} secret files and the password_command.
 */
#ifndef RETORT_CORE_SECRET_H
#define RETORT_CORE_SECRET_H

#include "util.h" /* IWYU pragma: export */

struct rt_url;
struct rt_settings;

/* The largest secret file or password_command output read (bytes). */
#define RT_SECRET_MAX 65536

/*
 * Read the secret file `path` (a Docker or Kubernetes secret) into *out,
 * without one trailing newline ("\n" or "\r\n").  Errors (exit class
 * RT_EXIT_USAGE) name the file, never its content: missing, unreadable, not
 * a regular file, larger than RT_SECRET_MAX, or holding a NUL byte.
 */
int rt_secret_file(char **out, const char *path, struct rt_err *err);

/*
 * Split `text` into words the way a shell would, but without a shell:
 * blanks separate words, '...' keeps everything literally, "..." keeps
 * everything but \" and \\ literally, a backslash outside quotes takes the
 * next character literally.  No expansion of any kind.  -1 with *why set
 * to a static explanation on an unterminated quote or a trailing
 * backslash; -2 when out of memory.  Words are appended to `out`, which
 * the caller frees, also on failure.
 */
int rt_secret_split_words(struct rt_strvec *out, const char *text, const char **why);

/*
 * Run `argv` (no shell: argv[0] is looked up in $PATH unless it holds a
 * '/', and relative paths resolve against `dir`, the config file's
 * directory, where the command runs) and return what it printed on its
 * standard output, without one trailing newline.  Its standard input and
 * error are retort's, so a command may prompt.  `where` names the
 * setting ("retort.cfg:4: password_command") in errors, which say what
 * failed (could not start, exit status, signal, empty or oversized
 * output) and never quote the output.  Exit class RT_EXIT_USAGE.
 */
int rt_secret_command(char **out, const struct rt_strvec *argv, const char *dir,
                      const char *where, struct rt_err *err);

/*
 * Before connecting: when the settings have a password_command and the URL
 * has no password, run the command and make its output the URL's password.
 * A URL that has a password keeps it (the command is not run; when both
 * are written in the file, a warning says to remove one).
 */
int rt_secret_url_password(struct rt_url *url, const struct rt_settings *cfg,
                           struct rt_err *err);

#endif
