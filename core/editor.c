/* SPDX-License-Identifier: MIT */
/*
 * core/editor.c - $VISUAL / $EDITOR.  See editor.h.
 */
#include "editor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int rt_editor_run(const char *path, struct rt_err *err)
{
	const char *editor = getenv("VISUAL");
	int status = 0;
	pid_t pid;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor) {
		/* vi on something that is not a terminal prints escape codes and
		 * fails: say what to set instead */
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			return rt_err_set(err, RT_EXIT_USAGE,
			                  "no editor to open %s: set $VISUAL or $EDITOR (e.g. "
			                  "EDITOR=nano, or EDITOR=\"code --wait\"), or open the file "
			                  "yourself", path);
		editor = "vi";
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot start %s: %s", editor, strerror(errno));
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return rt_err_set(err, RT_EXIT_USAGE, "cannot wait for %s: %s", editor,
			                  strerror(errno));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return rt_err_set(err, RT_EXIT_USAGE, "editor %s failed on %s", editor, path);
	return 0;
}
