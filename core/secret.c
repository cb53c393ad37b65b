/* SPDX-License-Identifier: MIT */
/*
 * core/secret.c - secret files and the password command.  See secret.h.
 *
 * The command runs without a shell (fork + execvp): nothing in its words is
 * expanded or interpreted, so a password_command copied from a wiki cannot
 * turn `;` or `$(...)` into a second command.  Who wants a shell writes
 * [ "/bin/sh", "-c", "..." ].
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "settings.h"
#include "url.h"

/* Drop one trailing "\n" or "\r\n". */
static void trim_newline(char *s, size_t *len)
{
	if (*len > 0 && s[*len - 1] == '\n') {
		s[--*len] = '\0';
		if (*len > 0 && s[*len - 1] == '\r')
			s[--*len] = '\0';
	}
}

/* Read fd to its end into b, at most RT_SECRET_MAX bytes: 0, -1 too
 * large (errno 0), -1 read error (errno set). */
static int read_bounded(int fd, struct rt_buf *b)
{
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > RT_SECRET_MAX) {
			errno = 0;
			return -1;
		}
		rt_buf_put(b, chunk, (size_t)n);
	}
}

int rt_secret_file(char **out, const char *path, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	struct stat st;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rt_err_set(err, RT_EXIT_USAGE, "cannot read secret file %s: %s", path,
		                  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rt_err_set(err, RT_EXIT_USAGE, "secret file %s is not a regular file", path);
	}
	rc = read_bounded(fd, &b);
	close(fd);
	if (rc < 0 && errno == 0)
		rt_err_set(err, RT_EXIT_USAGE, "secret file %s is larger than %d bytes", path,
		           RT_SECRET_MAX);
	else if (rc < 0)
		rt_err_set(err, RT_EXIT_USAGE, "cannot read secret file %s: %s", path,
		           strerror(errno));
	else if (b.oom)
		rt_err_oom(err);
	else if (b.ptr && memchr(b.ptr, '\0', b.len))
		rt_err_set(err, RT_EXIT_USAGE, "secret file %s holds a NUL byte", path);
	if (rc < 0 || b.oom || (b.ptr && memchr(b.ptr, '\0', b.len))) {
		rt_buf_free(&b);
		return -1;
	}
	trim_newline(b.ptr ? b.ptr : (char *)"", &b.len);
	*out = rt_buf_detach(&b);
	rt_buf_free(&b);
	return *out ? 0 : rt_err_oom(err);
}

int rt_secret_split_words(struct rt_strvec *out, const char *text, const char **why)
{
	struct rt_buf w = RT_BUF_INIT;
	const char *p = text;
	int in_word = 0;

	*why = NULL;
	for (;;) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				/* "" and '' make an empty word */
				char *word;
				if (w.len == 0)
					rt_buf_free(&w);
				word = w.ptr ? rt_buf_detach(&w) : rt_strdup("");
				if (!word || rt_strvec_push_owned(out, word) < 0)
					goto oom;
				in_word = 0;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		in_word = 1;
		if (c == '\'') {
			const char *close = strchr(p + 1, '\'');
			if (!close) {
				*why = "a ' is not closed";
				goto bad;
			}
			rt_buf_put(&w, p + 1, (size_t)(close - p - 1));
			p = close + 1;
		} else if (c == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				rt_buf_putc(&w, *p);
			}
			if (*p != '"') {
				*why = "a \" is not closed";
				goto bad;
			}
			p++;
		} else if (c == '\\') {
			if (!p[1]) {
				*why = "it ends in a backslash";
				goto bad;
			}
			rt_buf_putc(&w, p[1]);
			p += 2;
		} else {
			rt_buf_putc(&w, c);
			p++;
		}
	}
	rt_buf_free(&w);
	return 0;
bad:
	rt_buf_free(&w);
	return -1;
oom:
	rt_buf_free(&w);
	return -2;
}

/* pipe(2) with both ends close-on-exec. */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

/* The child: stdout to the pipe, run argv in dir; on failure report errno
 * on the status pipe and exit. */
static void run_child(char **argv, const char *dir, int out_fd, int status_fd)
{
	int e;
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		goto fail;
	if (dir && *dir && chdir(dir) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0) {
		/* nothing more to say */
	}
	_exit(127);
}

int rt_secret_command(char **out, const struct rt_strvec *argv, const char *dir,
                      const char *where, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	char **args = NULL;
	int outp[2] = { -1, -1 }, statp[2] = { -1, -1 };
	int child_errno = 0, status = 0, rc = -1, rd;
	pid_t pid;
	ssize_t n;
	size_t i;

	*out = NULL;
	if (argv->n == 0 || !*argv->v[0])
		return rt_err_set(err, RT_EXIT_USAGE, "%s is empty: name a command, e.g. "
		                  "\"pass show db/prod\"", where);
	if (!(args = rt_calloc(argv->n + 1, sizeof(*args))))
		return rt_err_oom(err);
	for (i = 0; i < argv->n; i++)
		args[i] = argv->v[i];
	if (pipe_cloexec(outp) < 0 || pipe_cloexec(statp) < 0) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: cannot make a pipe: %s", where, strerror(errno));
		goto done;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: cannot start %s: %s", where, args[0],
		           strerror(errno));
		goto done;
	}
	if (pid == 0)
		run_child(args, dir, outp[1], statp[1]);
	close(outp[1]);
	close(statp[1]);
	outp[1] = statp[1] = -1;

	rd = read_bounded(outp[0], &b);
	if (rd < 0 && errno == 0) {
		/* Too much: stop reading; the command gets SIGPIPE. */
		close(outp[0]);
		outp[0] = -1;
	}
	do
		n = read(statp[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			rt_err_set(err, RT_EXIT_USAGE, "%s: cannot wait for %s: %s", where, args[0],
			           strerror(errno));
			goto done;
		}
	}
	if (n == (ssize_t)sizeof(child_errno))
		rt_err_set(err, RT_EXIT_USAGE, "%s: cannot run %s: %s", where, args[0],
		           strerror(child_errno));
	else if (WIFSIGNALED(status) && !(rd < 0 && errno == 0))
		rt_err_set(err, RT_EXIT_USAGE, "%s: %s was killed by signal %d", where, args[0],
		           WTERMSIG(status));
	else if (rd < 0 && errno == 0)
		rt_err_set(err, RT_EXIT_USAGE, "%s: %s printed more than %d bytes: it should print "
		           "the password only", where, args[0], RT_SECRET_MAX);
	else if (rd < 0)
		rt_err_set(err, RT_EXIT_USAGE, "%s: cannot read the output of %s: %s", where,
		           args[0], strerror(errno));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		rt_err_set(err, RT_EXIT_USAGE, "%s: %s exited with status %d", where, args[0],
		           WEXITSTATUS(status));
	else if (b.oom)
		rt_err_oom(err);
	else if (b.len == 0 || (b.len == 1 && b.ptr[0] == '\n'))
		rt_err_set(err, RT_EXIT_USAGE, "%s: %s printed nothing on its standard output",
		           where, args[0]);
	else if (memchr(b.ptr, '\0', b.len))
		rt_err_set(err, RT_EXIT_USAGE, "%s: the output of %s holds a NUL byte", where,
		           args[0]);
	else
		rc = 0;
	if (rc == 0) {
		trim_newline(b.ptr, &b.len);
		if (!(*out = rt_buf_detach(&b)))
			rc = rt_err_oom(err);
	}
done:
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (statp[i] >= 0)
			close(statp[i]);
	}
	if (b.ptr)
		memset(b.ptr, 0, b.cap);
	rt_buf_free(&b);
	rt_free(args);
	return rc;
}

int rt_secret_url_password(struct rt_url *url, const struct rt_settings *cfg,
                           struct rt_err *err)
{
	char *pw = NULL;
	if (cfg->password_command.n == 0)
		return 0;
	if (url->password) {
		if (cfg->url_from_file)
			rt_host()->log(RETORT_LOG_WARNING,
			               "%s is not run: the url has a password (remove one of them)",
			               cfg->password_command_where);
		return 0;
	}
	if (rt_secret_command(&pw, &cfg->password_command, cfg->dir,
	                      cfg->password_command_where, err) < 0)
		return -1;
	url->password = pw;
	url->pub.password = pw;
	return 0;
}
