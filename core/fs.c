/* SPDX-License-Identifier: MIT */
/*
 * core/fs.c - filesystem helpers for the commands.  See fs.h.
 */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rt_fs_mkdir_p(const char *path, struct rt_err *err)
{
	char *dup = rt_strdup(path), *s;
	if (!dup)
		return rt_err_oom(err);
	for (s = dup + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dup, 0777) < 0 && errno != EEXIST) {
			rt_err_set(err, RT_EXIT_USAGE, "cannot create directory %s: %s", dup,
			           strerror(errno));
			rt_free(dup);
			return -1;
		}
		*s = '/';
	}
	rt_free(dup);
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot create directory %s: %s", path,
		                  strerror(errno));
	return 0;
}

int rt_fs_dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;
	if (!d)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* write() all of `len` bytes, retrying short writes and EINTR.  0 or -1
 * (errno set; a write that makes no progress is ENOSPC). */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rt_fs_write_new(const char *path, const char *text, struct rt_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	int rc, e = 0;
	if (fd < 0)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot create %s: %s%s", path, strerror(errno),
		                  errno == EEXIST ? " (it is never overwritten; move it away first)"
		                                  : "");
	rc = write_all(fd, text, strlen(text));
	if (rc < 0)
		e = errno;
	/* Close once, whatever happened; a failed close loses written data. */
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc < 0) {
		unlink(path);
		return rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

/*
 * The mode `path` would have after a shell redirection: an existing file
 * keeps its own, a new one gets 0666 less the umask.  (mkstemp() makes the
 * temp file 0600, which would hide a script meant for a DBA from the
 * group.)  The umask can only be read by setting it, so it is set back at
 * once.
 */
static mode_t target_mode(const char *path)
{
	struct stat st;
	mode_t mask;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	mask = umask(077);
	umask(mask);
	return 0666 & ~mask;
}

int rt_fs_write_atomic(const char *path, const char *text, size_t len, struct rt_err *err)
{
	char *tmp = rt_sprintf("%s.XXXXXX", path);
	FILE *f = NULL;
	int fd;
	if (!tmp)
		return rt_err_oom(err);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot create a file next to %s: %s", path,
		           strerror(errno));
		rt_free(tmp);
		return -1;
	}
	if (fchmod(fd, target_mode(path)) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot set the mode of %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rt_err_set(err, RT_EXIT_USAGE, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		rt_err_set(err, RT_EXIT_USAGE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	rt_free(tmp);
	return 0;
fail:
	if (f)
		fclose(f);
	unlink(tmp);
	rt_free(tmp);
	return -1;
}
