/* SPDX-License-Identifier: MIT */
/*
 * core/fs.h - the filesystem helpers the commands share: creating
 * directories, writing a new file that must not exist yet, replacing a file
 * atomically.  Errors name the path and are of class RT_EXIT_USAGE.
 */
#ifndef RETORT_CORE_FS_H
#define RETORT_CORE_FS_H

#include <stddef.h>

#include "util.h" /* IWYU pragma: export */

/* mkdir -p: create `path` and its missing parents (mode 0777 less umask). */
int rt_fs_mkdir_p(const char *path, struct rt_err *err);

/* 1 if `path` is a directory with no entry but "." and "..", or cannot be
 * read; 0 otherwise. */
int rt_fs_dir_is_empty(const char *path);

/*
 * Create `path` (O_EXCL: an existing file is never overwritten) holding
 * `text`.  On any failure (open, a short or failed write, close) the file
 * is removed, the descriptor closed exactly once, and err names the path.
 */
int rt_fs_write_new(const char *path, const char *text, struct rt_err *err);

/*
 * Write `len` bytes to `path` through a temporary file in the same
 * directory renamed over it, so readers see the old or the new content,
 * never a part.  The file keeps its mode (a new one gets 0666 less the
 * umask, as a shell redirection would).
 */
int rt_fs_write_atomic(const char *path, const char *text, size_t len, struct rt_err *err);

#endif
