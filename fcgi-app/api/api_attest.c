/*
 * api_attest.c - GET /attest/challenge and POST /attest (API spec §3): the
 * server nonce, and the per-boot attestation dispatched on the machine's
 * state. A quote is verified by the machine's activated AK against its PCR
 * policy; without an activated AK it is refused (attestation_failed,
 * ak_not_activated), never ignored.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/proof.h"
#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "db/db_ak.h"
#include "db/db_nonce.h"
#include "db/db_token.h"

int
api_challenge_get(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	uint8_t value[NONCE_BYTES], idb[16];
	char id[NONCE_ID_HEX], b64[B64_ENCODED_LEN(NONCE_BYTES) + 1];
	int64_t outstanding = 0, expires = rq->now + app->cfg->nonce_ttl;

	rand_bytes(value, sizeof(value));
	rand_bytes(idb, sizeof(idb));
	if (hex_encode(idb, sizeof(idb), id, sizeof(id)) == -1 ||
	    b64_encode(value, sizeof(value), b64, sizeof(b64)) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (db_begin(app->db, e) == -1)
		return -1;
	if (db_nonce_outstanding(app->db, rq->now, &outstanding, e) == -1)
		goto fail;
	if ((uint64_t)outstanding >= app->cfg->nonce_max_outstanding) {
		err_set(e, ERR_NONCE_CAPACITY, "too many outstanding nonces "
		    "(ITL_NONCE_MAX_OUTSTANDING), retry later");
		goto fail;
	}
	if (db_nonce_insert(app->db, id, value, rq->now, expires, e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto fail;
	return resp_json_new(rs, 200, json_pack("{s:s, s:s, s:o}",
	    "nonce_id", id, "nonce", b64, "expires_at", json_time(expires)), e);
fail:
	db_rollback(app->db);
	return -1;
}

struct attest_out {
	const char *action;
	const char *message;
	char token[TOKEN_B64_BYTES];
	const char *config_url;
	bool has_token;
};

static int
attest_issue_config(struct req *rq, struct machine *m, struct attest_out *o,
    struct err *e)
{
	json_t *d;

	if (token_issue(rq, m, TOKEN_CONFIG, o->token, &o->config_url, e) == -1)
		return -1;
	o->has_token = true;
	o->action = "apply-config";
	d = event_data(m, "machine");
	json_object_set_new(d, "config_generation",
	    json_integer(m->config_generation));
	return audit_append(rq, "machine", "machine.config_token_issued", m->id,
	    d, e);
}

/* The §3 dispatch table, inside the transaction. */
static int
attest_dispatch(struct req *rq, struct machine *m, struct attest_out *o,
    struct err *e)
{
	struct app *app = APP(rq);

	o->action = "none";
	m->last_seen_at = rq->now;
	switch (m->status) {
	case MS_PENDING_APPROVAL:
	case MS_REGISTERED:
		o->message = "awaiting operator approval";
		break;
	case MS_APPROVED:
		m->status = MS_ATTESTED;
		m->attested_at = rq->now;
		o->message = "attested; apply the config";
		if (audit_append(rq, "machine", "machine.attested", m->id,
		    event_data(m, "machine"), e) == -1 ||
		    attest_issue_config(rq, m, o, e) == -1)
			return -1;
		break;
	case MS_ATTESTED:
		m->attested_at = rq->now;
		o->message = "attested";
		if (m->config_delivered_generation < m->config_generation &&
		    attest_issue_config(rq, m, o, e) == -1)
			return -1;
		if (o->has_token)
			o->message = "attested; config not yet delivered";
		break;
	case MS_LOCKED:
		o->action = "lock";
		o->message = "machine is locked";
		break;
	case MS_REVOKED:
		o->message = "machine is revoked";
		if (!m->wipe_pending)
			break;
		o->action = "wipe";
		if (m->wipe_issued_at == 0) {
			m->wipe_issued_at = rq->now;
			if (audit_append(rq, "machine", "machine.wipe_issued",
			    m->id, event_data(m, "machine"), e) == -1)
				return -1;
		}
		break;
	case MS_REJECTED:
		return err_set(e, ERR_MACHINE_REJECTED, "machine was rejected");
	case MS__COUNT:
		return err_set(e, ERR_INTERNAL, "internal error");
	}
	return db_machine_update(app->db, m, e);
}

/*
 * Record a refused attestation: the audit entry (and, for a PCR policy
 * violation with ITL_LOCK_ON_POLICY_VIOLATION, the lock) commit together,
 * and the nonce stays spent. Then answer 403 attestation_failed.
 */
static int
attest_refuse(struct req *rq, const struct ek_in *in, struct machine *m,
    bool found, const struct err *why, struct err *e)
{
	struct app *app = APP(rq);
	json_t *d;
	struct err ae;

	err_clear(&ae);
	d = found ? event_data(m, "machine") :
	    json_pack("{s:s}", "ek_fingerprint", in->ek.fingerprint);
	json_object_set_new(d, "reason", json_string(why->reason));
	if (audit_append(rq, "machine", "machine.attestation_failed",
	    found ? m->id : NULL, d, &ae) == -1)
		goto fail;
	if (found && strcmp(why->reason, "pcr_policy_violation") == 0 &&
	    app->cfg->lock_on_policy_violation && m->status != MS_LOCKED &&
	    m->status != MS_REVOKED && m->status != MS_REJECTED) {
		m->prev_status = m->status;
		m->has_prev_status = true;
		m->status = MS_LOCKED;
		m->locked_at = rq->now;
		d = event_data(m, "machine");
		json_object_set_new(d, "reason",
		    json_string("pcr_policy_violation"));
		if (db_machine_update(app->db, m, &ae) == -1 ||
		    db_token_supersede_all(app->db, m->id, rq->now, &ae) == -1 ||
		    audit_append(rq, "machine", "machine.locked", m->id, d,
		    &ae) == -1)
			goto fail;
	}
	if (db_commit(app->db, &ae) == -1)
		goto fail;
	*e = *why;
	return -1;
fail:
	*e = ae;
	return -1;
}

/*
 * A quote: verified by the machine's active AK (none: ak_not_activated),
 * then the TPM's reset counter checked against the last verified quote.
 */
static int
attest_quote(struct req *rq, const struct machine *m, bool found,
    const struct proof *p, struct err *e)
{
	struct app *app = APP(rq);
	struct quote_result qr;
	struct ak_row ak;
	int64_t last_reset = 0, last_restart = 0;
	bool has_ak = false, has_last = false;
	json_t *d;

	if (found && db_ak_get(app->db, m->id, &ak, &has_ak, e) == -1)
		return -1;
	if (!has_ak)
		return err_set_reason(e, "ak_not_activated",
		    "quote cannot be verified: the machine has no activated ak");
	if (proof_verify(rq, m, &ak, p, true, &qr, e) == -1 ||
	    db_attestation_last(app->db, m->id, &has_last, &last_reset,
	    &last_restart, e) == -1)
		return -1;
	if (has_last && (int64_t)qr.reset_count < last_reset)
		return err_set_reason(e, "clock_rollback",
		    "tpm reset counter went back (%u < %lld)", qr.reset_count,
		    (long long)last_reset);
	if (has_last && (int64_t)qr.reset_count > last_reset + 1) {
		/* boots happened that no verified quote saw */
		d = event_data(m, "machine");
		json_object_set_new(d, "reset_count",
		    json_integer(qr.reset_count));
		json_object_set_new(d, "last_reset_count",
		    json_integer(last_reset));
		if (audit_append(rq, "machine", "machine.unattested_boot",
		    m->id, d, e) == -1)
			return -1;
	}
	return db_attestation_add(app->db, m->id, rq->now, qr.reset_count,
	    qr.restart_count, (int64_t)qr.clock, e);
}

static json_t *
attest_json(const struct machine *m, const struct attest_out *o,
    unsigned poll)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:I}",
	    "machine_id", m->id, "status", machine_status_name(m->status),
	    "action", o->action, "role", m->role,
	    "hostname", m->hostname[0] != '\0' ? json_string(m->hostname) :
	    json_null(),
	    "config_url", o->has_token ? json_string(o->config_url) :
	    json_null(),
	    "config_token", o->has_token ? json_string(o->token) : json_null(),
	    "message", o->message, "poll_after_s", (json_int_t)poll);
}

int
api_attest_post(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	json_t *body = NULL;
	struct proof proof;
	struct attest_out o;
	struct ek_in in;
	struct machine m;
	bool found = false;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	memset(&m, 0, sizeof(m));
	if (http_json_body(rq, &body, e) == -1 ||
	    ek_in_decode(rq, body, &in, e) == -1 ||
	    proof_decode(rq, body, &proof, e) == -1 ||
	    db_begin(app->db, e) == -1)
		goto out;
	if (proof_consume_nonce(rq, &proof, e) == -1)
		goto out_rollback;
	if (app->cfg->require_nonce && proof.nonce_id == NULL) {
		err_set(e, ERR_NONCE_REQUIRED, "nonce_id is required "
		    "(ITL_REQUIRE_NONCE)");
		goto out_rollback;
	}
	if (app->cfg->require_quote && !proof.has_quote) {
		err_set(e, ERR_QUOTE_REQUIRED, "pcr_quote is required "
		    "(ITL_REQUIRE_QUOTE)");
		goto out_rollback;
	}
	if (db_machine_by_fingerprint(app->db, in.ek.fingerprint, &m, &found,
	    e) == -1 || ek_in_trusted(&in, &m, found, e) == -1)
		goto out_rollback;
	if (proof.has_quote && attest_quote(rq, &m, found, &proof, e) == -1) {
		if (e->code == ERR_ATTESTATION_FAILED) {
			struct err why = *e;

			if (attest_refuse(rq, &in, &m, found, &why, e) == -1 &&
			    e->code == ERR_ATTESTATION_FAILED) {
				metrics_count(app->metrics, M_ATTEST_FAILED);
				metrics_failure(app->metrics, e->reason);
			}
		}
		goto out_rollback;	/* a no-op after attest_refuse's commit */
	}
	if (!found) {
		/* unknown EK: created as pending, same as self-register */
		if (machine_create(rq, &in, MS_PENDING_APPROVAL, "attest",
		    NULL, "machine", &m, e) == -1)
			goto out_rollback;
		o.action = "none";
		o.message = "machine registered; awaiting operator approval";
	} else if (attest_dispatch(rq, &m, &o, e) == -1) {
		goto out_rollback;
	}
	if (db_commit(app->db, e) == -1)
		goto out_rollback;
	metrics_count(app->metrics, M_ATTEST_OK);
	if (!found)
		metrics_count(app->metrics, M_REG_ATTEST);
	rc = resp_json_new(rs, 200, attest_json(&m, &o, app->cfg->poll_after_s),
	    e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	return rc;
}
