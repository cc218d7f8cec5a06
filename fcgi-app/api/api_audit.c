/*
 * api_audit.c - GET /audit (filtered, newest first, cursor) and
 * GET /audit/verify (recompute the whole hash chain).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/audit.h"
#include "core/str.h"
#include "core/timefmt.h"

struct audit_list_ctx {
	json_t *items;
	unsigned limit;
	unsigned n;
	int64_t last_id;
	bool more;
};

static int
audit_list_one(const struct audit_row *r, void *vctx)
{
	struct audit_list_ctx *c = vctx;
	json_t *detail;

	if (c->n == c->limit) {
		c->more = true;
		return 0;
	}
	c->n++;
	c->last_id = r->id;
	detail = json_loads(r->detail, 0, NULL);
	return json_array_append_new(c->items, json_pack(
	    "{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id", (json_int_t)r->id,
	    "ts", r->ts, "actor", r->actor, "action", r->action,
	    "machine_id", r->machine_id != NULL ? json_string(r->machine_id) :
	    json_null(), "detail", detail != NULL ? detail : json_null(),
	    "prev_hash", r->prev_hash, "hash", r->hash));
}

static int
audit_time_param(struct req *rq, const char *name, const char **out,
    struct err *e)
{
	size_t len;
	int64_t t;
	int rc = http_query_get(rq, name, out, &len, e);

	if (rc == 1) {
		*out = NULL;
		return 0;
	}
	if (rc == -1)
		return -1;
	if (timefmt_parse(*out, len, &t) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s must be an rfc 3339 utc time like "
		    "2026-11-28T04:00:00Z", name);
	return 0;
}

static int
audit_str_param(struct req *rq, const char *name, const char **out,
    struct err *e)
{
	size_t len;
	int rc = http_query_get(rq, name, out, &len, e);

	if (rc == 1 || (rc == 0 && len == 0)) {
		*out = NULL;
		return 0;
	}
	if (rc == 0 && len > 128)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s longer than 128 bytes", name);
	return rc;
}

static int
audit_uint_param(struct req *rq, const char *name, uint64_t max,
    uint64_t *out, struct err *e)
{
	const char *v;
	size_t len;
	int rc = http_query_get(rq, name, &v, &len, e);

	if (rc == 1)
		return 0;
	if (rc == -1)
		return -1;
	if (str_to_u64(v, len, 1, max, out) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s must be a whole number from 1 to %llu", name,
		    (unsigned long long)max);
	return 0;
}

int
api_audit_list(struct req *rq, struct resp *rs, struct err *e)
{
	struct audit_filter f = { 0 };
	struct audit_list_ctx c = { 0 };
	uint64_t limit = LIMIT_LIST_DEFAULT, cursor = 0;
	char next[24];

	if (audit_str_param(rq, "machine_id", &f.machine_id, e) == -1 ||
	    audit_str_param(rq, "action", &f.action, e) == -1 ||
	    audit_str_param(rq, "actor", &f.actor, e) == -1 ||
	    audit_time_param(rq, "since", &f.since, e) == -1 ||
	    audit_time_param(rq, "until", &f.until, e) == -1 ||
	    audit_uint_param(rq, "limit", LIMIT_AUDIT_MAX, &limit, e) == -1 ||
	    audit_uint_param(rq, "cursor", INT64_MAX, &cursor, e) == -1)
		return -1;
	f.limit = (unsigned)limit;
	f.before_id = (int64_t)cursor;
	c.items = json_array();
	c.limit = f.limit;
	if (db_audit_list(APP(rq)->db, &f, audit_list_one, &c, e) == -1) {
		json_decref(c.items);
		return -1;
	}
	snprintf(next, sizeof(next), "%lld", (long long)c.last_id);
	return resp_json_new(rs, 200, json_pack("{s:o, s:o}", "items", c.items,
	    "next_cursor", c.more ? json_string(next) : json_null()), e);
}

struct verify_ctx {
	struct buf canon;
	char expect_prev[65];
	int64_t entries;
	int64_t first_invalid_id;
	const char *error;
};

static int
verify_one(const struct audit_row *r, void *vctx)
{
	struct verify_ctx *c = vctx;
	char hash[DIGEST_SHA256_HEX_BYTES];

	c->entries++;
	if (c->first_invalid_id != 0)
		return 0;	/* count the rest, report the first break */
	if (strcmp(r->prev_hash, c->expect_prev) != 0) {
		c->first_invalid_id = r->id;
		c->error = "prev_hash does not match the previous entry";
		return 0;
	}
	if (audit_canonical(r, &c->canon) == -1 ||
	    audit_hash(r->prev_hash, &c->canon, hash) == -1)
		return -1;
	if (strcmp(hash, r->hash) != 0) {
		c->first_invalid_id = r->id;
		c->error = "hash does not match the entry's content";
		return 0;
	}
	snprintf(c->expect_prev, sizeof(c->expect_prev), "%s", r->hash);
	return 0;
}

int
api_audit_verify(struct req *rq, struct resp *rs, struct err *e)
{
	struct verify_ctx c;
	bool valid;
	int rc;

	memset(&c, 0, sizeof(c));
	buf_init(&c.canon, LIMIT_BODY_BYTES * 4);
	snprintf(c.expect_prev, sizeof(c.expect_prev), "%s", audit_genesis);
	rc = db_audit_walk(APP(rq)->db, verify_one, &c, e);
	buf_release(&c.canon);
	if (rc == -1)
		return -1;
	valid = c.first_invalid_id == 0;
	return resp_json_new(rs, 200, json_pack("{s:b, s:I, s:o, s:o, s:o}",
	    "valid", valid, "entries", (json_int_t)c.entries,
	    "root_hash", valid && c.entries > 0 ? json_string(c.expect_prev) :
	    json_null(),
	    "first_invalid_id", valid ? json_null() :
	    json_integer(c.first_invalid_id),
	    "error", valid ? json_null() : json_string(c.error)), e);
}
