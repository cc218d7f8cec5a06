/*
 * audit.c - append to the hash-chained audit log inside the caller's
 * transaction. Each entry's hash = SHA-256(prev_hash "\n" canonical), where
 * canonical is the compact JSON object of the entry with keys in sorted
 * order and the stored detail text embedded byte for byte, so that any
 * change to a stored row breaks the chain (see audit_canonical()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "db/db_audit.h"

const char audit_genesis[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static int
append_json_string(struct buf *b, const char *s)
{
	json_t *j = json_string(s);
	char *enc;
	int rc;

	if (j == NULL)
		return -1;	/* not UTF-8: callers only pass our own strings */
	enc = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	if (enc == NULL)
		return -1;
	rc = buf_append(b, enc, strlen(enc));
	free(enc);
	return rc;
}

int
audit_canonical(const struct audit_row *r, struct buf *out)
{
	buf_clear(out);
	if (buf_append(out, "{\"action\":", 10) == -1 ||
	    append_json_string(out, r->action) == -1 ||
	    buf_append(out, ",\"actor\":", 9) == -1 ||
	    append_json_string(out, r->actor) == -1 ||
	    buf_append(out, ",\"detail\":", 10) == -1 ||
	    buf_append(out, r->detail, strlen(r->detail)) == -1 ||
	    buf_appendf(out, ",\"id\":%lld,\"machine_id\":",
	    (long long)r->id) == -1)
		return -1;
	if (r->machine_id == NULL) {
		if (buf_append(out, "null", 4) == -1)
			return -1;
	} else if (append_json_string(out, r->machine_id) == -1) {
		return -1;
	}
	if (buf_append(out, ",\"ts\":", 6) == -1 ||
	    append_json_string(out, r->ts) == -1 ||
	    buf_append(out, "}", 1) == -1)
		return -1;
	return 0;
}

int
audit_hash(const char *prev_hash, const struct buf *canonical,
    char out[DIGEST_SHA256_HEX_BYTES])
{
	struct buf b;
	int rc;

	buf_init(&b, canonical->len + 80);
	if (buf_append(&b, prev_hash, strlen(prev_hash)) == -1 ||
	    buf_append(&b, "\n", 1) == -1 ||
	    buf_append(&b, canonical->p, canonical->len) == -1) {
		buf_release(&b);
		return -1;
	}
	rc = digest_sha256_hex(b.p, b.len, NULL, 0, out);
	buf_release(&b);
	return rc;
}

int
audit_append(struct req *rq, const char *actor, const char *action,
    const char *machine_id, json_t *detail, struct err *e)
{
	struct app *app = APP(rq);
	struct audit_row r;
	struct buf canon;
	char prev[65], hash[DIGEST_SHA256_HEX_BYTES], ts[TIMEFMT_BYTES];
	char *detail_text = NULL;
	int64_t last_id;
	int rc = -1;

	buf_init(&canon, LIMIT_BODY_BYTES * 2);
	if (detail == NULL)
		detail = json_object();
	detail_text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	if (detail_text == NULL || timefmt_rfc3339(rq->now, ts) == -1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	if (db_audit_tail(app->db, &last_id, prev, e) == -1)
		goto out;
	memset(&r, 0, sizeof(r));
	r.id = last_id + 1;
	r.ts = ts;
	r.actor = actor != NULL ? actor :
	    (rq->actor[0] != '\0' ? rq->actor : "machine");
	r.action = action;
	r.machine_id = machine_id;
	r.detail = detail_text;
	r.prev_hash = last_id == 0 ? audit_genesis : prev;
	if (audit_canonical(&r, &canon) == -1 ||
	    audit_hash(r.prev_hash, &canon, hash) == -1) {
		log_err("cannot build audit entry for %s", action);
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	r.hash = hash;
	if (db_audit_insert(app->db, &r, e) == -1)
		goto out;
	rc = 0;
out:
	free(detail_text);
	json_decref(detail);
	buf_release(&canon);
	return rc;
}
