/* SPDX-License-Identifier: MIT */
/*
 * core/template.h - the tiny template renderer used by `init` and
 * `revision`: ${name} placeholders replaced from a list of variables.
 */
#ifndef RETORT_CORE_TEMPLATE_H
#define RETORT_CORE_TEMPLATE_H

#include "util.h" /* IWYU pragma: export */

struct rt_tmpl_var {
	const char *name;
	const char *value;
};

/*
 * Render `tmpl` (from file `path`, for messages) replacing ${name} with the
 * value of the variable of that name.  `$$` is a literal '$'.  An unknown
 * ${name} is an error naming the file, line and variable (RT_EXIT_USAGE).
 */
int rt_template_render(char **out, const char *tmpl, const char *path,
                       const struct rt_tmpl_var *vars, size_t n_vars,
                       struct rt_err *err);

/*
 * Render Alembic's file_template ("%(rev)s_%(slug)s", tokens rev, slug,
 * year, month, day, hour, minute, second, epoch, with Python %-format
 * conversions such as %(month).2d) into a file name without extension.
 * `message` is slugified exactly as Alembic 1.8 does (ScriptDirectory.
 * _rev_path): runs of word characters (Unicode \w) joined by '_', LOWER-
 * CASED, and if longer than truncate_slug_length characters (<= 0: 40) cut
 * there back to the last '_' and given a trailing '_'.  `when` is seconds
 * since the epoch; utc selects UTC fields, else local time ($TZ).  A result
 * that is empty, "."/"..", holds a '/' or exceeds 250 bytes is an error.
 */
int rt_template_filename(char **out, const char *file_template,
                         const char *rev, const char *message,
                         int truncate_slug_length, long long when, int utc,
                         struct rt_err *err);

#endif
