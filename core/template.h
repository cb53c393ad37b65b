/*
 * core/template.h - the tiny template renderer used by `init` and
 * `revision`: ${name} placeholders replaced from a list of variables.
 */
#ifndef RETORT_CORE_TEMPLATE_H
#define RETORT_CORE_TEMPLATE_H

#include "util.h"

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
 * year, month, day, hour, minute, second, epoch) into a file name without
 * extension.  `message` is slugified as Alembic does (non-word runs -> '_',
 * lower case is NOT forced, truncated at a word boundary to
 * truncate_slug_length).  `when` is seconds since the epoch; utc selects
 * UTC fields.
 */
int rt_template_filename(char **out, const char *file_template,
                         const char *rev, const char *message,
                         int truncate_slug_length, long long when, int utc,
                         struct rt_err *err);

#endif
