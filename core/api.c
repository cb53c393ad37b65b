/* SPDX-License-Identifier: MIT */
/*
 * core/api.c - the public API's shared state: the last error, the version,
 * the output streams.  See api.h; the commands are in core/cmd_*.c.
 */
#include <config.h> /* autoconf's: PACKAGE_VERSION */

#include "api.h"
#include "printable.h"
#include "settings.h"

#include <errno.h>
#include <string.h>

static struct rt_err last_error;

const char *retort_error_message(void)
{
	if (last_error.status && !last_error.msg)
		return "out of memory";
	return last_error.msg ? last_error.msg : "";
}

const char *retort_version(void) { return PACKAGE_VERSION; }

int retort_parse_seconds(const char *text, long *ms_out)
{
	return rt_settings_parse_seconds(text, ms_out);
}

int rt_api_finish(struct rt_err *err, int rc)
{
	rt_err_clear(&last_error);
	if (rc >= 0)
		return RETORT_EXIT_OK;
	last_error.status = err->status ? err->status : RT_EXIT_DB;
	/* Messages quote arguments, settings, version rows and database text:
	 * no control character reaches the terminal, no echo is megabytes. */
	last_error.msg = err->msg ? rt_printable(err->msg, RT_PRINT_CLIP) : NULL;
	rt_err_clear(err);
	return last_error.status;
}

void retort_fputs_printable(const char *text, FILE *f)
{
	char *p = rt_printable(text, RT_PRINT_CLIP);
	fputs(p ? p : "(out of memory)", f);
	rt_free(p);
}

FILE *rt_api_out(const struct retort_options *o) { return o && o->out ? o->out : stdout; }
FILE *rt_api_log(const struct retort_options *o) { return o && o->log ? o->log : stderr; }

int rt_api_emit_text(const struct retort_options *o, struct rt_buf *b, struct rt_err *err)
{
	struct rt_buf p = RT_BUF_INIT;
	int rc;
	if (b->oom)
		return rt_err_oom(err);
	if (o && o->json)
		return rt_api_emit(o, b, err);
	rt_buf_put_printable(&p, b->ptr ? b->ptr : "", b->len, 0);
	rc = rt_api_emit(o, &p, err);
	rt_buf_free(&p);
	return rc;
}

int rt_api_emit(const struct retort_options *o, struct rt_buf *b, struct rt_err *err)
{
	if (b->oom)
		return rt_err_oom(err);
	if (b->len && fwrite(b->ptr, 1, b->len, rt_api_out(o)) != b->len)
		return rt_err_set(err, RT_EXIT_DB, "cannot write output: %s", strerror(errno));
	return 0;
}
