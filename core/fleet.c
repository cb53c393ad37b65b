/* SPDX-License-Identifier: MIT */
/*
 * core/fleet.c - the targets file and the process pool of fleet mode.  See
 * fleet.h; the commands themselves are in cmd_fleet.c.
 */
#include "fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "settings.h"
#include "url.h"

/* ------------------------------------------------------------ targets */

void rt_fleet_targets_free(struct rt_fleet_targets *t)
{
	size_t i;
	for (i = 0; i < t->n; i++) {
		rt_free(t->v[i].name);
		rt_free(t->v[i].url);
		rt_free(t->v[i].masked);
	}
	rt_free(t->v);
	memset(t, 0, sizeof(*t));
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next blank-separated word of s[*pos..len): start and length. */
static size_t next_word(const char *s, size_t len, size_t *pos, const char **word)
{
	size_t i = *pos, start;
	while (i < len && is_blank(s[i]))
		i++;
	start = i;
	while (i < len && !is_blank(s[i]))
		i++;
	*word = s + start;
	*pos = i;
	return i - start;
}

/* "${NAME}" exactly: NAME, else NULL. */
static char *variable_name(const char *w, size_t n)
{
	size_t i;
	if (n < 4 || w[0] != '$' || w[1] != '{' || w[n - 1] != '}')
		return NULL;
	for (i = 2; i < n - 1; i++)
		if (!(w[i] == '_' || (w[i] >= 'A' && w[i] <= 'Z') || (w[i] >= 'a' && w[i] <= 'z') ||
		      (i > 2 && w[i] >= '0' && w[i] <= '9')))
			return NULL;
	return rt_strndup(w + 2, n - 3);
}

/* One line's target into t (fields owned by t on success). */
static int parse_line(struct rt_fleet_target *t, const char *s, size_t len, const char *where,
                      struct rt_err *err)
{
	const char *w1, *w2, *w3;
	size_t n1, n2, n3, pos = 0;
	char *raw = NULL;
	struct rt_url *u = NULL;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	n1 = next_word(s, len, &pos, &w1);
	n2 = next_word(s, len, &pos, &w2);
	n3 = next_word(s, len, &pos, &w3);
	(void)w3;
	if (n3)
		return rt_err_set(err, RT_EXIT_USAGE, "%s: expected a database URL and an optional "
		                  "name, found a third word", where);
	if (!(raw = rt_strndup(w1, n1)))
		return rt_err_oom(err);
	if (rt_settings_expand(&t->url, raw, where, err) < 0)
		goto done;
	if (!*t->url) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: the URL is empty", where);
		goto done;
	}
	if (rt_url_parse(&u, t->url, err) < 0) {
		rt_err_prefix(err, "%s", where);
		goto done;
	}
	if (!(t->masked = rt_strdup(u->masked)))
		goto oom;
	if (n2)
		t->name = rt_strndup(w2, n2);
	else if (!(t->name = variable_name(w1, n1)))
		t->name = rt_strdup(t->masked);
	if (!t->name)
		goto oom;
	rc = 0;
	goto done;
oom:
	rt_err_oom(err);
done:
	rt_url_free(u);
	rt_free(raw);
	if (rc < 0) {
		rt_free(t->url);
		rt_free(t->masked);
		rt_free(t->name);
		memset(t, 0, sizeof(*t));
	}
	return rc;
}

int rt_fleet_targets_parse(struct rt_fleet_targets *out, const char *text, const char *path,
                           struct rt_err *err)
{
	struct rt_map by_url = RT_MAP_INIT, by_name = RT_MAP_INIT;
	size_t cap = 0;
	unsigned line = 0;
	const char *p = text;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *eol = strchr(p, '\n'), *w;
		size_t len = eol ? (size_t)(eol - p) : strlen(p), pos = 0;
		struct rt_fleet_target t;
		char *where;
		void *prev;

		line++;
		if (next_word(p, len, &pos, &w) == 0 || *w == '#')
			goto next;
		if (!(where = rt_sprintf("%s:%u", path, line))) {
			rt_err_oom(err);
			goto done;
		}
		rc = parse_line(&t, p, len, where, err);
		rt_free(where);
		if (rc < 0)
			goto done;
		rc = -1;
		t.line = line;
		if ((prev = rt_map_get(&by_url, t.url)) != NULL ||
		    (prev = rt_map_get(&by_name, t.name)) != NULL) {
			const struct rt_fleet_target *o = &out->v[(size_t)prev - 1];
			if (strcmp(o->url, t.url) == 0)
				rt_err_set(err, RT_EXIT_USAGE, "%s:%u: the same database as line %u (%s); "
				           "a run migrates each database once: remove one of the lines",
				           path, line, o->line, t.masked);
			else
				rt_err_set(err, RT_EXIT_USAGE, "%s:%u: the name '%s' is already the name "
				           "of line %u; give each database its own name", path, line,
				           t.name, o->line);
			rt_free(t.url);
			rt_free(t.masked);
			rt_free(t.name);
			goto done;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct rt_fleet_target *nv = rt_realloc(out->v, ncap * sizeof(*nv));
			if (!nv) {
				rt_free(t.url);
				rt_free(t.masked);
				rt_free(t.name);
				rt_err_oom(err);
				goto done;
			}
			out->v = nv;
			cap = ncap;
		}
		out->v[out->n++] = t;
		/* the maps borrow the target's strings; values are index + 1 */
		if (rt_map_put(&by_url, out->v[out->n - 1].url, (void *)(out->n)) < 0 ||
		    rt_map_put(&by_name, out->v[out->n - 1].name, (void *)(out->n)) < 0) {
			rt_err_oom(err);
			goto done;
		}
next:
		p = eol ? eol + 1 : p + len;
	}
	if (out->n == 0) {
		rt_err_set(err, RT_EXIT_USAGE, "%s: no databases in the targets file (write one "
		           "database URL per line, optionally followed by a name)", path);
		goto done;
	}
	rc = 0;
done:
	rt_map_free(&by_url);
	rt_map_free(&by_name);
	if (rc < 0)
		rt_fleet_targets_free(out);
	return rc;
}

int rt_fleet_targets_load(struct rt_fleet_targets *out, const char *path, struct rt_err *err)
{
	char *text = NULL;
	size_t len;
	int rc;
	memset(out, 0, sizeof(*out));
	if (rt_read_file(&text, &len, path, err) < 0) {
		err->status = RT_EXIT_USAGE;
		return -1;
	}
	if (memchr(text, '\0', len)) {
		rt_free(text);
		return rt_err_set(err, RT_EXIT_USAGE, "%s: not a text file (it holds a NUL byte)",
		                  path);
	}
	rc = rt_fleet_targets_parse(out, text, path, err);
	rt_free(text);
	return rc;
}

/* ------------------------------------------------------------ results */

static const char *const outcome_names[RT_FLEET_N_OUTCOMES] = {
	"ok", "unchanged", "skipped", "pending", "findings", "locked", "failed"
};

const char *rt_fleet_outcome_name(enum rt_fleet_outcome o)
{
	return (unsigned)o < RT_FLEET_N_OUTCOMES ? outcome_names[o] : "failed";
}

int rt_fleet_outcome_ok(enum rt_fleet_outcome o)
{
	return o == RT_FLEET_OK || o == RT_FLEET_UNCHANGED || o == RT_FLEET_SKIPPED;
}

void rt_fleet_result_free(struct rt_fleet_result *r)
{
	rt_strvec_free(&r->from);
	rt_strvec_free(&r->to);
	rt_free(r->message);
	rt_free(r->output);
	memset(r, 0, sizeof(*r));
}

/* Netstrings: "<length>:<bytes>,". */
static void put_field(struct rt_buf *b, const char *s, size_t n)
{
	rt_buf_printf(b, "%zu:", n);
	rt_buf_put(b, s, n);
	rt_buf_putc(b, ',');
}

static void put_num(struct rt_buf *b, long v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%ld", v);
	put_field(b, num, (size_t)n);
}

int rt_fleet_result_encode(struct rt_buf *out, const struct rt_fleet_result *r)
{
	size_t i;
	put_num(out, r->status);
	put_num(out, (long)r->outcome);
	put_num(out, r->from_known ? (long)r->from.n : -1L);
	for (i = 0; r->from_known && i < r->from.n; i++)
		put_field(out, r->from.v[i], strlen(r->from.v[i]));
	put_num(out, r->to_known ? (long)r->to.n : -1L);
	for (i = 0; r->to_known && i < r->to.n; i++)
		put_field(out, r->to.v[i], strlen(r->to.v[i]));
	put_field(out, r->message ? r->message : "", r->message ? strlen(r->message) : 0);
	return out->oom ? -1 : 0;
}

struct reader {
	const char *p, *end;
};

/* The next field as a new string; NULL (malformed or out of memory). */
static char *get_field(struct reader *rd)
{
	size_t n = 0;
	const char *p = rd->p;
	char *s;
	if (p >= rd->end || *p < '0' || *p > '9')
		return NULL;
	while (p < rd->end && *p >= '0' && *p <= '9') {
		if (n > (size_t)(rd->end - rd->p))
			return NULL;
		n = n * 10 + (size_t)(*p++ - '0');
	}
	if (p >= rd->end || *p != ':' || (size_t)(rd->end - p - 1) < n + 1 || p[1 + n] != ',')
		return NULL;
	if (memchr(p + 1, '\0', n) || !(s = rt_strndup(p + 1, n)))
		return NULL;
	rd->p = p + 1 + n + 1;
	return s;
}

static int get_num(struct reader *rd, long lo, long hi, long *v)
{
	char *s = get_field(rd), *end;
	int rc = -1;
	if (s && *s) {
		errno = 0;
		*v = strtol(s, &end, 10);
		rc = (*end || errno || *v < lo || *v > hi) ? -1 : 0;
	}
	rt_free(s);
	return rc;
}

/* A counted list; *known = 0 for the count -1 (no list). */
static int get_list(struct reader *rd, struct rt_strvec *v, int *known)
{
	long n, i;
	if (get_num(rd, -1, 1L << 20, &n) < 0)
		return -1;
	*known = n >= 0;
	for (i = 0; i < n; i++) {
		char *s = get_field(rd);
		if (!s || rt_strvec_push_owned(v, s) < 0)
			return -1;
	}
	return 0;
}

int rt_fleet_result_decode(struct rt_fleet_result *r, const char *data, size_t len)
{
	struct reader rd;
	long status, outcome;
	memset(r, 0, sizeof(*r));
	rd.p = data;
	rd.end = data + len;
	if (get_num(&rd, 0, 255, &status) < 0 ||
	    get_num(&rd, 0, RT_FLEET_N_OUTCOMES - 1, &outcome) < 0 ||
	    get_list(&rd, &r->from, &r->from_known) < 0 ||
	    get_list(&rd, &r->to, &r->to_known) < 0 ||
	    !(r->message = get_field(&rd)) || rd.p != rd.end) {
		rt_fleet_result_free(r);
		return -1;
	}
	if (!*r->message) {
		rt_free(r->message);
		r->message = NULL;
	}
	r->status = (int)status;
	r->outcome = (enum rt_fleet_outcome)outcome;
	return 0;
}

/* ------------------------------------------------------------ the pool */

struct slot {
	pid_t pid;              /* 0: free */
	size_t idx;
	int fd[2];              /* result pipe, output pipe (read ends); -1 once at EOF */
	struct rt_buf buf[2];
	size_t dropped;         /* output bytes past RT_FLEET_OUTPUT_MAX */
	struct timespec start;
};

static double since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child: run the work, send the result, never return. */
static void child(size_t i, int res_fd, int out_fd, rt_fleet_work_fn work, void *payload)
{
	struct rt_fleet_result res;
	struct rt_buf b = RT_BUF_INIT;
	int devnull = open("/dev/null", O_RDONLY);

	/* nothing reads a terminal from here; output goes to the parent */
	if (devnull >= 0) {
		dup2(devnull, 0);
		if (devnull > 2)
			close(devnull);
	}
	if (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(RT_EXIT_DB);
	if (out_fd > 2)
		close(out_fd);
	memset(&res, 0, sizeof(res));
	res.outcome = RT_FLEET_FAILED;
	res.status = RT_EXIT_DB;
	work(i, &res, payload);
	fflush(stdout);
	fflush(stderr);
	if (rt_fleet_result_encode(&b, &res) < 0 || write_all(res_fd, b.ptr, b.len) < 0)
		_exit(RT_EXIT_DB);
	/* _exit: the parent's atexit handlers and stdio buffers are not ours */
	_exit(res.status);
}

/* pipe(2) with both ends close-on-exec (a password_command a worker runs
 * must not hold the pipes open). */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static int spawn(struct slot *s, struct slot *slots, unsigned jobs, size_t i,
                 rt_fleet_work_fn work, void *payload, struct rt_err *err)
{
	int res[2] = { -1, -1 }, out[2] = { -1, -1 };
	unsigned k;
	pid_t pid;

	if (pipe_cloexec(res) < 0 || pipe_cloexec(out) < 0) {
		rt_err_set(err, RT_EXIT_DB, "cannot make a pipe for a worker: %s", strerror(errno));
		goto fail;
	}
	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	pid = fork();
	if (pid < 0) {
		rt_err_set(err, RT_EXIT_DB, "cannot start a worker process: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		for (k = 0; k < jobs; k++)
			if (slots[k].pid) {
				close_fd(&slots[k].fd[0]);
				close_fd(&slots[k].fd[1]);
			}
		close(res[0]);
		close(out[0]);
		child(i, res[1], out[1], work, payload);
	}
	close(res[1]);
	close(out[1]);
	s->pid = pid;
	s->idx = i;
	s->fd[0] = res[0];
	s->fd[1] = out[0];
	s->dropped = 0;
	return 0;
fail:
	close_fd(&res[0]);
	close_fd(&res[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	return -1;
}

/* Read what one pipe has; at EOF (or an error) close it. */
static void drain(struct slot *s, int which)
{
	char chunk[16384];
	ssize_t n = read(s->fd[which], chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&s->fd[which]);
		return;
	}
	if (which == 1 && s->buf[1].len + (size_t)n > RT_FLEET_OUTPUT_MAX) {
		size_t keep = RT_FLEET_OUTPUT_MAX - s->buf[1].len;
		rt_buf_put(&s->buf[1], chunk, keep);
		s->dropped += (size_t)n - keep;
		return;
	}
	rt_buf_put(&s->buf[which], chunk, (size_t)n);
}

/* The child has closed both pipes: reap it and make its result. */
static void reap(struct slot *s, struct rt_fleet_result *res)
{
	int status = 0;
	pid_t w;
	while ((w = waitpid(s->pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (s->buf[0].oom || rt_fleet_result_decode(res, s->buf[0].ptr ? s->buf[0].ptr : "",
	                                            s->buf[0].len) < 0) {
		memset(res, 0, sizeof(*res));
		res->status = RT_EXIT_DB;
		res->outcome = RT_FLEET_FAILED;
		if (w < 0)
			res->message = rt_sprintf("its worker process was lost: %s", strerror(errno));
		else if (WIFSIGNALED(status))
			res->message = rt_sprintf("its worker process was killed by signal %d (%s) "
			                          "before it reported", WTERMSIG(status),
			                          strsignal(WTERMSIG(status)));
		else
			res->message = rt_sprintf("its worker process exited with status %d without "
			                          "a result", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	res->seconds = since(&s->start);
	if (s->buf[1].len) {
		char *masked;
		if (s->dropped)
			rt_buf_printf(&s->buf[1], "\n[%zu more bytes of output dropped]\n", s->dropped);
		masked = s->buf[1].oom ? NULL : rt_url_mask_text(s->buf[1].ptr);
		res->output = masked;
	}
	rt_buf_free(&s->buf[0]);
	rt_buf_free(&s->buf[1]);
	s->pid = 0;
}

int rt_fleet_run(size_t n, unsigned jobs, rt_fleet_work_fn work, rt_fleet_done_fn done,
                 void *payload, struct rt_fleet_result *results, struct rt_err *err)
{
	struct slot *slots;
	struct pollfd *pfd;
	size_t next = 0, running = 0;
	unsigned k;

	if (jobs == 0)
		jobs = 1;
	if (jobs > n)
		jobs = (unsigned)n;
	slots = rt_calloc(jobs ? jobs : 1, sizeof(*slots));
	pfd = rt_calloc(2 * (size_t)(jobs ? jobs : 1), sizeof(*pfd));
	if (!slots || !pfd) {
		rt_free(slots);
		rt_free(pfd);
		return rt_err_oom(err);
	}
	for (k = 0; k < jobs; k++)
		slots[k].fd[0] = slots[k].fd[1] = -1;

	while (next < n || running > 0) {
		nfds_t np = 0;
		int rc;
		/* start workers into the free slots */
		for (k = 0; k < jobs && next < n; k++) {
			struct rt_err e = { 0, NULL };
			if (slots[k].pid)
				continue;
			if (spawn(&slots[k], slots, jobs, next, work, payload, &e) < 0) {
				/* this database fails; the others go on */
				struct rt_fleet_result *r = &results[next];
				memset(r, 0, sizeof(*r));
				r->status = RT_EXIT_DB;
				r->outcome = RT_FLEET_FAILED;
				r->message = e.msg;
				e.msg = NULL;
				if (done)
					done(next, r, payload);
				next++;
				continue;
			}
			next++;
			running++;
		}
		if (running == 0)
			continue;
		for (k = 0; k < jobs; k++) {
			int which;
			if (!slots[k].pid)
				continue;
			for (which = 0; which < 2; which++)
				if (slots[k].fd[which] >= 0) {
					pfd[np].fd = slots[k].fd[which];
					pfd[np].events = POLLIN;
					pfd[np].revents = 0;
					np++;
				}
		}
		if (np > 0) {
			rc = poll(pfd, np, -1);
			if (rc < 0 && errno != EINTR) {
				/* cannot wait for the pipes: read them in turn (blocking) */
				for (k = 0; k < jobs; k++)
					while (slots[k].pid && (slots[k].fd[0] >= 0 || slots[k].fd[1] >= 0))
						drain(&slots[k], slots[k].fd[0] >= 0 ? 0 : 1);
			}
			for (k = 0; rc > 0 && k < jobs; k++) {
				int which;
				nfds_t j;
				if (!slots[k].pid)
					continue;
				for (which = 0; which < 2; which++)
					for (j = 0; j < np; j++)
						if (slots[k].fd[which] >= 0 && pfd[j].fd == slots[k].fd[which] &&
						    pfd[j].revents)
							drain(&slots[k], which);
			}
		}
		for (k = 0; k < jobs; k++) {
			struct slot *s = &slots[k];
			if (!s->pid || s->fd[0] >= 0 || s->fd[1] >= 0)
				continue;
			reap(s, &results[s->idx]);
			running--;
			if (done)
				done(s->idx, &results[s->idx], payload);
		}
	}
	rt_free(slots);
	rt_free(pfd);
	return 0;
}
