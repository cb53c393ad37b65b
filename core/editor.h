/* SPDX-License-Identifier: MIT */
/*
 * core/editor.h - open a file in the user's editor and wait for it.
 */
#ifndef RETORT_CORE_EDITOR_H
#define RETORT_CORE_EDITOR_H

#include "util.h" /* IWYU pragma: export */

/*
 * Run $VISUAL, else $EDITOR, else vi on `path` and wait (vi only when
 * standard input and output are terminals; otherwise, with neither
 * variable set, an error names the variables to set).  The editor value
 * is run by /bin/sh as a command line (so "code --wait" works) with the path
 * passed as a separate argument, never pasted into the command.  An editor
 * that cannot start or exits non-zero is an error (RT_EXIT_USAGE).
 */
int rt_editor_run(const char *path, struct rt_err *err);

#endif
