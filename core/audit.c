/* SPDX-License-Identifier: MIT */
/*
 * core/audit.c - the record of one command.  See audit.h.
 */
#include <config.h> /* autoconf's: PACKAGE_VERSION */

#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <retort/retort.h>

#include "json.h"
#include "printable.h"
#include "randid.h"
#include "url.h"

/* ------------------------------------------------------------ command line */

static char *command_line;

/* Does a word need quotes to be read back as one word? */
static int needs_quotes(const char *w)
{
	if (!*w)
		return 1;
	for (; *w; w++)
		if (!(w[0] >= 'a' && w[0] <= 'z') && !(w[0] >= 'A' && w[0] <= 'Z') &&
		    !(w[0] >= '0' && w[0] <= '9') && !strchr("-_=+.,:/@%^", *w))
			return 1;
	return 0;
}

void retort_set_command_line(int argc, const char *const *argv)
{
	struct rt_buf b = RT_BUF_INIT;
	int i;
	rt_free(command_line);
	command_line = NULL;
	for (i = 0; i < argc; i++) {
		const char *w = argv[i] ? argv[i] : "";
		if (i)
			rt_buf_putc(&b, ' ');
		if (needs_quotes(w)) {
			rt_buf_putc(&b, '\'');
			for (; *w; w++) {
				if (*w == '\'')
					rt_buf_puts(&b, "'\\''");
				else
					rt_buf_putc(&b, *w);
			}
			rt_buf_putc(&b, '\'');
		} else {
			rt_buf_puts(&b, w);
		}
	}
	/* passwords in URLs, password=... and -x password=... */
	if (!b.oom)
		command_line = rt_url_mask_text(b.ptr ? b.ptr : "");
	rt_buf_free(&b);
}

const char *rt_audit_command_line(void)
{
	return command_line ? command_line : "";
}

/* ------------------------------------------------------------ record */

void rt_audit_utc_now(char out[20])
{
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		strcpy(out, "1970-01-01 00:00:00");
}

/* The effective user's login name, else "uid N". */
static char *os_user(void)
{
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf, *r = NULL;
	if (size < 1024)
		size = 16384;
	if ((buf = rt_malloc((size_t)size)) &&
	    getpwuid_r(geteuid(), &pw, buf, (size_t)size, &res) == 0 && res && res->pw_name)
		r = rt_strdup(res->pw_name);
	rt_free(buf);
	return r ? r : rt_sprintf("uid %lu", (unsigned long)geteuid());
}

static long mono_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *host_name(void)
{
	char buf[256];
	if (gethostname(buf, sizeof(buf)) < 0)
		return rt_strdup("");
	buf[sizeof(buf) - 1] = '\0';
	return rt_strdup(buf);
}

int rt_audit_begin(struct rt_audit_rec *rec, const char *command, const char *version_table,
                   const char *tag, struct rt_err *err)
{
	char half[RT_RANDID_LEN + 1];
	memset(rec, 0, sizeof(*rec));
	rec->start_mono_ms = mono_ms();
	if (rt_randid(half, err) < 0)
		return -1;
	memcpy(rec->run_id, half, RT_RANDID_LEN);
	if (rt_randid(half, err) < 0)
		return -1;
	memcpy(rec->run_id + RT_RANDID_LEN, half, RT_RANDID_LEN + 1);
	rt_audit_utc_now(rec->started_at);
	rec->command = rt_strdup(command);
	rec->version_table = rt_strdup(version_table);
	rec->command_line = rt_strdup(rt_audit_command_line());
	rec->os_user = os_user();
	rec->host = host_name();
	rec->retort_version = rt_strdup(PACKAGE_VERSION);
	rec->tag = tag ? rt_strdup(tag) : NULL;
	if (!rec->command || !rec->version_table || !rec->command_line || !rec->os_user ||
	    !rec->host || !rec->retort_version || (tag && !rec->tag)) {
		rt_audit_free(rec);
		return rt_err_oom(err);
	}
	return 0;
}

char *rt_audit_rows(const char *const *rows, size_t n)
{
	struct rt_strvec v = RT_STRVEC_INIT;
	struct rt_buf b = RT_BUF_INIT;
	char *r = NULL;
	size_t i;
	for (i = 0; i < n; i++)
		if (rt_strvec_push(&v, rows[i]) < 0)
			goto done;
	rt_strvec_sort(&v);
	for (i = 0; i < v.n; i++)
		rt_buf_printf(&b, "%s%s", i ? " " : "", v.v[i]);
	r = rt_buf_detach(&b);
done:
	rt_buf_free(&b);
	rt_strvec_free(&v);
	return r;
}

int rt_audit_end(struct rt_audit_rec *rec, const char *rows_after, const struct rt_err *failure)
{
	rec->duration_ms = mono_ms() - rec->start_mono_ms;
	if (rec->duration_ms < 0)
		rec->duration_ms = 0;
	rt_free(rec->rows_after);
	rt_free(rec->outcome);
	rt_free(rec->message);
	rec->rows_after = rows_after ? rt_strdup(rows_after) : NULL;
	rec->outcome = rt_strdup(failure ? "failed" : "ok");
	rec->message = NULL;
	if (failure) {
		/* as the user saw it: escaped, cut, and masked once more */
		char *p = rt_printable(failure->msg ? failure->msg : "out of memory", RT_PRINT_CLIP);
		rec->message = p ? rt_url_mask_text(p) : NULL;
		rt_free(p);
	}
	if ((rows_after && !rec->rows_after) || !rec->outcome || (failure && !rec->message))
		return -1;
	return 0;
}

void rt_audit_free(struct rt_audit_rec *rec)
{
	rt_free(rec->version_table);
	rt_free(rec->command);
	rt_free(rec->command_line);
	rt_free(rec->os_user);
	rt_free(rec->db_user);
	rt_free(rec->host);
	rt_free(rec->rows_before);
	rt_free(rec->rows_after);
	rt_free(rec->outcome);
	rt_free(rec->message);
	rt_free(rec->retort_version);
	rt_free(rec->tag);
	memset(rec, 0, sizeof(*rec));
}

/* ------------------------------------------------------------ JSON lines */

void rt_audit_json_fields(struct rt_json *j, const struct rt_audit_rec *rec)
{
	rt_json_str(j, "run_id", rec->run_id);
	rt_json_str(j, "version_table", rec->version_table);
	rt_json_str(j, "command", rec->command);
	rt_json_str(j, "command_line", rec->command_line);
	rt_json_str(j, "os_user", rec->os_user);
	rt_json_str(j, "db_user", rec->db_user);
	rt_json_str(j, "host", rec->host);
	rt_json_str(j, "started_at", rec->started_at);
	rt_json_int(j, "duration_ms", rec->duration_ms);
	rt_json_str(j, "rows_before", rec->rows_before);
	rt_json_str(j, "rows_after", rec->rows_after);
	rt_json_str(j, "outcome", rec->outcome);
	rt_json_str(j, "message", rec->message);
	rt_json_str(j, "retort_version", rec->retort_version);
	rt_json_str(j, "tag", rec->tag);
}

int rt_audit_json(struct rt_buf *out, const struct rt_audit_rec *rec, const char *database)
{
	struct rt_json j;
	rt_json_init(&j, out);
	rt_json_object(&j, NULL);
	rt_audit_json_fields(&j, rec);
	rt_json_str(&j, "database", database);
	rt_json_object_end(&j);
	rt_buf_putc(out, '\n');
	return out->oom ? -1 : 0;
}

int rt_audit_log_open(int *fd, const char *path, struct rt_err *err)
{
	*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (*fd < 0)
		return rt_err_set(err, RT_EXIT_USAGE, "audit_log: cannot open %s for appending: %s",
		                  path, strerror(errno));
	return 0;
}

int rt_audit_log_append(int fd, const char *path, const struct rt_audit_rec *rec,
                        const char *database, struct rt_err *err)
{
	struct rt_buf b = RT_BUF_INIT;
	ssize_t w;
	if (rt_audit_json(&b, rec, database) < 0) {
		rt_buf_free(&b);
		return rt_err_oom(err);
	}
	do
		w = write(fd, b.ptr, b.len);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != b.len) {
		rt_err_set(err, RT_EXIT_DB, "audit_log: cannot append to %s: %s", path,
		           w < 0 ? strerror(errno) : "short write");
		rt_buf_free(&b);
		return -1;
	}
	rt_buf_free(&b);
	return 0;
}
