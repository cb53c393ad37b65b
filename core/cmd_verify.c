/* SPDX-License-Identifier: MIT */
/*
 * core/cmd_verify.c - `retort verify`: the integrity checks of
 * core/verify.c over the version rows, retort_history, retort_audit's last
 * command and the scripts as they are now (checksums of their sections);
 * and `retort log`: the audit trail.  Both read only, without the lock.
 */
#include <string.h>

#include "api.h"
#include "history.h"
#include "json.h"
#include "host.h"
#include "project.h"
#include "sidequery.h"
#include "url.h"
#include "verify_db.h"

/* Connect (no lock) and learn which side tables exist. */
static int open_db(struct rt_project *p, struct rt_db *db, struct rt_history *h,
                   struct rt_strvec *rows, struct rt_err *err)
{
	if (rt_project_db(p, db, RT_DB_ALLOW_UNKNOWN, rows, err) < 0)
		return -1;
	if (rt_history_init(h, db, p->cfg, p->graph, err) < 0)
		return -1;
	h->gone = &p->gone;
	if (!rt_history_supported(db))
		rt_host()->log(RETORT_LOG_WARNING, "dialect %s has no %s (optional since ABI 1.1), "
		               "so %s and %s cannot be read", db->d->name,
		               rt_db_can_query(db) ? "column_type()" : "query()", RT_HISTORY_TABLE,
		               RT_AUDIT_TABLE);
	return rt_history_probe(h, err);
}

int rt_verify_database(struct rt_project *p, struct rt_verify_report *rep, struct rt_err *err)
{
	const struct retort_options *o = p->o;
	struct rt_db db;
	struct rt_history h;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_buf out = RT_BUF_INIT;
	int rc = -1;

	memset(&db, 0, sizeof(db));
	memset(&h, 0, sizeof(h));
	if (open_db(p, &db, &h, &rows, err) < 0 || rt_history_verify(rep, &h, &rows, err) < 0)
		goto done;
	if (o->json) {
		if (rt_verify_format_json(&out, rep, db.url->pub.masked, p->cfg->version_table) < 0)
			goto oom;
	} else {
		char *header = rt_sprintf("Database: %s (version table %s)", db.url->pub.masked,
		                          p->cfg->version_table);
		if (!header || rt_verify_format_text(&out, rep, header) < 0) {
			rt_free(header);
			goto oom;
		}
		rt_free(header);
	}
	rc = rt_api_emit_text(o, &out, err);
	goto report;
oom:
	rc = rt_err_oom(err);
report:
	if (rc < 0)
		rt_verify_report_free(rep);
done:
	rt_buf_free(&out);
	rt_history_free(&h);
	rt_db_close(&db);
	rt_strvec_free(&rows);
	return rc;
}

int retort_verify(const struct retort_options *o)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_verify_report rep;
	int rc;

	/* an applied revision whose script is gone is a finding, not an error */
	if (rt_project_open(&p, o, RT_PROJECT_GRAPH | RT_PROJECT_GONE | RT_PROJECT_REGISTRY,
	                    &err) < 0)
		return rt_api_finish(&err, -1);
	if ((rc = rt_verify_database(&p, &rep, &err)) == 0) {
		if (rep.n_findings)
			rc = rt_err_set(&err, RT_EXIT_DB, "verify: %zu finding%s (see above)",
			                rep.n_findings, rep.n_findings == 1 ? "" : "s");
		rt_verify_report_free(&rep);
	}
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}

/* ------------------------------------------------------------ log */

static void text_entry(struct rt_buf *b, const struct rt_audit_rec *a)
{
	rt_buf_printf(b, "%s UTC  %s  %s  (%lld ms)  run %s\n", a->started_at,
	              a->command ? a->command : "?", a->outcome ? a->outcome : "?",
	              a->duration_ms, a->run_id);
	rt_buf_printf(b, "  by %s on %s", a->os_user ? a->os_user : "?", a->host ? a->host : "?");
	if (a->db_user)
		rt_buf_printf(b, " as %s", a->db_user);
	rt_buf_printf(b, ", retort %s", a->retort_version ? a->retort_version : "?");
	if (a->tag)
		rt_buf_printf(b, ", tag %s", a->tag);
	rt_buf_printf(b, "\n  $ %s\n  rows: ", a->command_line ? a->command_line : "");
	rt_buf_puts(b, !a->rows_before ? "?" : *a->rows_before ? a->rows_before : "(none)");
	rt_buf_puts(b, " -> ");
	rt_buf_puts(b, !a->rows_after ? "?" : *a->rows_after ? a->rows_after : "(none)");
	rt_buf_puts(b, "\n");
	if (a->message)
		rt_buf_printf(b, "  error: %s\n", a->message);
}

int retort_log(const struct retort_options *o, long limit)
{
	struct rt_err err = { 0, NULL };
	struct rt_project p;
	struct rt_db db;
	struct rt_history h;
	struct rt_strvec rows = RT_STRVEC_INIT;
	struct rt_audit_row *log = NULL;
	struct rt_buf out = RT_BUF_INIT;
	size_t n = 0, i;
	int rc = -1;

	memset(&db, 0, sizeof(db));
	memset(&h, 0, sizeof(h));
	if (rt_project_open(&p, o, RT_PROJECT_REGISTRY, &err) < 0)
		return rt_api_finish(&err, -1);
	/* -n 0: no entries, but still the document (or nothing) for this database */
	if (open_db(&p, &db, &h, &rows, &err) < 0 ||
	    (limit != 0 && rt_history_log(&h, limit < 0 ? 0 : (size_t)limit, &log, &n, &err) < 0))
		goto done;
	if (o->json) {
		struct rt_json j;
		rt_json_init(&j, &out);
		rt_json_doc_begin(&j, "log");
		rt_json_str(&j, "database", db.url->pub.masked);
		rt_json_bool(&j, "has_audit_table", h.has_audit);
		rt_json_array(&j, "entries");
		for (i = 0; i < n; i++) {
			rt_json_object(&j, NULL);
			rt_json_int(&j, "id", log[i].id);
			rt_audit_json_fields(&j, &log[i].rec);
			rt_json_object_end(&j);
		}
		rt_json_array_end(&j);
		rt_json_doc_end(&j);
		rc = out.oom ? rt_err_oom(&err) : rt_api_emit(o, &out, &err);
	} else {
		if (!h.has_audit)
			rt_buf_printf(&out, "No audit trail: %s does not exist (retort has changed "
			              "nothing in this database).\n", RT_AUDIT_TABLE);
		for (i = 0; i < n; i++) {
			if (i)
				rt_buf_puts(&out, "\n");
			text_entry(&out, &log[i].rec);
		}
		rc = out.oom ? rt_err_oom(&err) : rt_api_emit_text(o, &out, &err);
	}
done:
	rt_history_log_free(log, n);
	rt_buf_free(&out);
	rt_history_free(&h);
	rt_db_close(&db);
	rt_strvec_free(&rows);
	rt_project_close(&p);
	return rt_api_finish(&err, rc);
}
