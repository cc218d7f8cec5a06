/*
 * api_health.c - GET /healthz (process alive), GET /readyz (database
 * writable and at the expected schema), GET /metrics (Prometheus text
 * format 0.0.4, read from the database at scrape time so every worker
 * reports the same numbers).
 */
#include "config.h"

#include <stdio.h>

#include "api/api.h"
#include "core/buf.h"
#include "db/db_audit.h"
#include "db/db_nonce.h"

int
api_healthz_get(struct req *rq, struct resp *rs, struct err *e)
{
	(void)rq;
	return resp_json_new(rs, 200, json_pack("{s:s}", "status", "ok"), e);
}

int
api_readyz_get(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct err de;

	err_clear(&de);
	if (db_schema_check(app->db, &de) == -1 ||
	    db_ready(app->db, &de) == -1)
		return err_set(e, ERR_UNAVAILABLE, "database: %s", de.detail);
	if (!app->has_admin_token)
		return err_set(e, ERR_UNAVAILABLE,
		    "admin token: not loaded (run itl-maint init)");
	return resp_json_new(rs, 200, json_pack("{s:s, s:{s:s, s:s}}",
	    "status", "ready", "checks", "database", "ok", "admin_token", "ok"),
	    e);
}

/* "GET /api/v1/machines/{id}": routes share patterns, not methods */
static const char *
route_label(size_t i)
{
	static char label[LIMIT_ROUTES][96];	/* filled once per worker */
	const struct route *r = &api_routes[i];
	const char *m = r->method == HTTP_GET ? "GET" :
	    r->method == HTTP_POST ? "POST" : r->method == HTTP_PUT ? "PUT" :
	    r->method == HTTP_DELETE ? "DELETE" : "PATCH";

	if (i >= LIMIT_ROUTES)
		return "unknown";
	if (label[i][0] == '\0')
		snprintf(label[i], sizeof(label[i]), "%s %s", m, r->pattern);
	return label[i];
}

int
api_metrics_get(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	int64_t counts[MS__COUNT], audit = 0, nonces = 0;
	struct buf b;
	int i, rc;

	if (db_machine_count_by_status(app->db, counts, e) == -1 ||
	    db_audit_count(app->db, &audit, e) == -1 ||
	    db_nonce_outstanding(app->db, rq->now, &nonces, e) == -1)
		return -1;
	buf_init(&b, 64 * 1024);
	buf_appendf(&b, "# HELP itl_machines Machines by status.\n"
	    "# TYPE itl_machines gauge\n");
	for (i = 0; i < MS__COUNT; i++)
		buf_appendf(&b, "itl_machines{status=\"%s\"} %lld\n",
		    machine_status_name((enum machine_status)i),
		    (long long)counts[i]);
	buf_appendf(&b, "# HELP itl_audit_entries_total Audit log entries.\n"
	    "# TYPE itl_audit_entries_total counter\n"
	    "itl_audit_entries_total %lld\n"
	    "# HELP itl_nonces_outstanding Unexpired, unused nonces.\n"
	    "# TYPE itl_nonces_outstanding gauge\n"
	    "itl_nonces_outstanding %lld\n", (long long)audit,
	    (long long)nonces);
	if (metrics_render(app->metrics, &b, route_label) == -1)
		buf_clear(&b);
	rc = b.p == NULL || b.len == 0 ?
	    err_set(e, ERR_INTERNAL, "internal error") :
	    resp_text(rs, 200, "text/plain; version=0.0.4", b.p, b.len, e);
	buf_release(&b);
	return rc;
}
