/* SPDX-License-Identifier: MIT */
/*
 * core/progress.c - see progress.h.
 */
#include "progress.h"

#include <string.h>
#include <time.h>

#include "printable.h"

/* The run whose lines rt_progress_break() ends. */
static struct rt_progress *active;

/* A statement's text on its progress line: the first bytes of it with
 * blank runs made one space. */
#define STMT_SHOWN 60

long long rt_progress_now_us(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void rt_progress_duration(char *out, size_t size, long long us)
{
	if (us < 0)
		us = 0;
	if (us < 100)
		snprintf(out, size, "<0.1 ms");
	else if (us < 10000)
		snprintf(out, size, "%lld.%lld ms", us / 1000, us % 1000 / 100);
	else if (us < 1000000)
		snprintf(out, size, "%lld ms", us / 1000);
	else if (us < 60000000)
		snprintf(out, size, "%lld.%lld s", us / 1000000, us % 1000000 / 100000);
	else
		snprintf(out, size, "%lld min %02lld s", us / 60000000, us % 60000000 / 1000000);
}

static void end_line(struct rt_progress *p)
{
	if (p->line_open && p->log) {
		fputc('\n', p->log);
		fflush(p->log);
	}
	p->line_open = 0;
}

void rt_progress_break(void)
{
	if (active && active->line_open) {
		end_line(active);
		active->step_line_broken = 1;
	}
}

void rt_progress_start(struct rt_progress *p, FILE *log, int verbose, struct rt_json *json)
{
	memset(p, 0, sizeof(*p));
	p->log = log;
	p->verbose = verbose;
	p->json = json;
	p->t_run = rt_progress_now_us();
	active = p;
}

void rt_progress_plan(struct rt_progress *p, size_t n_steps)
{
	p->n_total = n_steps;
	p->planned = 1;
}

void rt_progress_step(struct rt_progress *p, const struct rt_step *st)
{
	p->step = st;
	p->step_line_broken = 0;
	p->t_step = rt_progress_now_us();
	if (p->log) {
		/* the description quotes the script's Message header */
		char *d = rt_printable(st->description, 0);
		fputs(d ? d : st->description, p->log);
		rt_free(d);
		if (p->verbose) {
			fputc('\n', p->log);
		} else {
			fputs(" ...", p->log);
			p->line_open = 1;
		}
		fflush(p->log);
	}
}

void rt_progress_step_done(struct rt_progress *p, int ok)
{
	const struct rt_step *st = p->step;
	long long us;
	char dur[40];
	if (!st)
		return;
	if (p->in_stmt)
		rt_progress_stmt_done(p, ok);
	us = rt_progress_now_us() - p->t_step;
	p->last_duration_us = us;
	rt_progress_duration(dur, sizeof(dur), us);
	if (p->log) {
		if (p->line_open)
			fprintf(p->log, " %s%s\n", ok ? "" : "failed after ", dur);
		else
			fprintf(p->log, "  %s %s\n", ok ? "done in" : "failed after", dur);
		p->line_open = 0;
		fflush(p->log);
	}
	if (p->json) {
		struct rt_json *j = p->json;
		rt_json_object(j, NULL);
		rt_json_str(j, "revision", st->rev ? st->rev->id : NULL);
		rt_json_str(j, "direction", st->stamp ? "stamp" : st->upgrade ? "upgrade" : "downgrade");
		rt_json_str(j, "description", st->description);
		rt_json_bool(j, "ok", ok);
		rt_json_ms(j, "duration_ms", us);
		rt_json_object_end(j);
	}
	if (ok) {
		p->n_done++;
		if (st->stamp)
			p->n_stamps++;
	} else if (!p->failed_step) {
		p->failed_step = p->n_done + 1;
	}
	p->step = NULL;
}

/* One line of a statement: blank runs as one space, cut after STMT_SHOWN
 * bytes (on a UTF-8 boundary), control characters escaped. */
static void put_stmt(FILE *f, const char *text, size_t len)
{
	struct rt_buf b = RT_BUF_INIT, e = RT_BUF_INIT;
	size_t i;
	int blank = 0;
	while (len > 0 && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
		text++;
		len--;
	}
	for (i = 0; i < len && b.len < STMT_SHOWN; i++) {
		char c = text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			blank = 1;
			continue;
		}
		if (blank)
			rt_buf_putc(&b, ' ');
		blank = 0;
		rt_buf_putc(&b, c);
	}
	/* finish a UTF-8 character that was cut */
	while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
		rt_buf_putc(&b, text[i++]);
	if (i < len)
		rt_buf_puts(&b, "\xe2\x80\xa6"); /* … */
	rt_buf_put_printable(&e, b.ptr ? b.ptr : "", b.len, 0);
	if (!e.oom && e.ptr)
		fputs(e.ptr, f);
	rt_buf_free(&b);
	rt_buf_free(&e);
}

void rt_progress_stmt(struct rt_progress *p, unsigned index, unsigned line, const char *text,
                      size_t len)
{
	if (!p->verbose)
		return;
	if (p->in_stmt)
		rt_progress_stmt_done(p, 1);
	end_line(p);
	p->in_stmt = 1;
	p->t_stmt = rt_progress_now_us();
	if (p->log) {
		fprintf(p->log, "  statement %u (line %u): ", index, line);
		put_stmt(p->log, text, len);
		fputs(" ...", p->log);
		fflush(p->log);
		p->line_open = 1;
	}
}

void rt_progress_stmt_done(struct rt_progress *p, int ok)
{
	char dur[40];
	if (!p->in_stmt)
		return;
	p->in_stmt = 0;
	rt_progress_duration(dur, sizeof(dur), rt_progress_now_us() - p->t_stmt);
	if (p->log) {
		if (p->line_open)
			fprintf(p->log, " %s%s\n", ok ? "" : "failed after ", dur);
		else
			fprintf(p->log, "  statement %s %s\n", ok ? "done in" : "failed after", dur);
		p->line_open = 0;
		fflush(p->log);
	}
}

void rt_progress_finish(struct rt_progress *p, int ok, long long *total_us)
{
	long long us;
	char dur[40];
	size_t migrations;
	if (p->step)
		rt_progress_step_done(p, ok);
	end_line(p);
	us = rt_progress_now_us() - p->t_run;
	if (total_us)
		*total_us = us;
	rt_progress_duration(dur, sizeof(dur), us);
	migrations = p->n_done - p->n_stamps;
	if (p->log && p->planned) {
		if (ok && p->n_stamps && !migrations)
			fprintf(p->log, "Done: %zu version table change%s in %s\n", p->n_stamps,
			        p->n_stamps == 1 ? "" : "s", dur);
		else if (ok)
			fprintf(p->log, "Done: %zu migration%s in %s\n", migrations,
			        migrations == 1 ? "" : "s", dur);
		else if (p->failed_step)
			fprintf(p->log, "Failed in step %zu of %zu, after %s\n", p->failed_step,
			        p->n_total, dur);
		else
			fprintf(p->log, "Failed after %s\n", dur);
		fflush(p->log);
	}
	if (active == p)
		active = NULL;
}
