/*
 * api_attest.c - GET /attest/challenge and POST /attest (API spec §3): the
 * server nonce, and the per-boot attestation dispatched on the machine's
 * state. Quote verification needs an activated AK; until a machine has
 * one, a quote is refused (attestation_failed, ak_not_activated), never
 * ignored.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "core/timefmt.h"
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

/* The optional proof fields of /attest, type-checked only (§3). */
struct attest_proof {
	const char *nonce_id;
	const char *pcr_quote;
	const char *pcr_signature;
	json_t *pcr_values;	/* borrowed from the body */
};

static int
attest_proof_decode(struct req *rq, json_t *body, struct attest_proof *p,
    struct err *e)
{
	memset(p, 0, sizeof(*p));
	if (json_opt_string(body, "nonce_id", 64, rq, &p->nonce_id, e) == -1 ||
	    json_opt_string(body, "pcr_quote", LIMIT_BODY_BYTES, rq,
	    &p->pcr_quote, e) == -1 ||
	    json_opt_string(body, "pcr_signature", LIMIT_BODY_BYTES, rq,
	    &p->pcr_signature, e) == -1)
		return -1;
	if (p->nonce_id != NULL && (strlen(p->nonce_id) != NONCE_ID_HEX - 1 ||
	    !str_is_hex(p->nonce_id, strlen(p->nonce_id))))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "nonce_id must be 32 lowercase hex digits");
	if (p->pcr_quote != NULL && p->pcr_quote[0] == '\0')
		p->pcr_quote = NULL;
	p->pcr_values = json_object_get(body, "pcr_values");
	if (p->pcr_values != NULL && !json_is_null(p->pcr_values) &&
	    !json_is_object(p->pcr_values))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr_values must be an object");
	return 0;
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
 * A quote cannot be verified without the machine's activated AK (issue of
 * credential activation): refuse it, record the failure, keep the nonce spent.
 */
static int
attest_refuse_quote(struct req *rq, const struct ek_in *in,
    const struct machine *m, bool found, struct err *e)
{
	struct app *app = APP(rq);
	json_t *d;
	struct err ae;

	if (found) {
		d = event_data(m, "machine");
	} else {
		d = json_pack("{s:s}", "ek_fingerprint", in->ek.fingerprint);
	}
	json_object_set_new(d, "reason", json_string("ak_not_activated"));
	err_clear(&ae);
	if (audit_append(rq, "machine", "machine.attestation_failed",
	    found ? m->id : NULL, d, &ae) == -1 ||
	    db_commit(app->db, &ae) == -1) {
		*e = ae;
		return -1;
	}
	return err_set_reason(e, "ak_not_activated",
	    "quote cannot be verified: the machine has no activated ak");
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
	struct attest_proof proof;
	struct attest_out o;
	struct ek_in in;
	struct machine m;
	uint8_t nonce[NONCE_BYTES];
	bool found = false;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	if (http_json_body(rq, &body, e) == -1 ||
	    ek_in_decode(rq, body, &in, e) == -1 ||
	    attest_proof_decode(rq, body, &proof, e) == -1 ||
	    db_begin(app->db, e) == -1)
		goto out;
	if (proof.nonce_id != NULL &&
	    db_nonce_consume(app->db, proof.nonce_id, rq->now, nonce, e) == -1)
		goto out_rollback;
	if (app->cfg->require_nonce && proof.nonce_id == NULL) {
		err_set(e, ERR_NONCE_REQUIRED, "nonce_id is required "
		    "(ITL_REQUIRE_NONCE)");
		goto out_rollback;
	}
	if (app->cfg->require_quote && proof.pcr_quote == NULL) {
		err_set(e, ERR_QUOTE_REQUIRED, "pcr_quote is required "
		    "(ITL_REQUIRE_QUOTE)");
		goto out_rollback;
	}
	if (db_machine_by_fingerprint(app->db, in.ek.fingerprint, &m, &found,
	    e) == -1)
		goto out_rollback;
	if (proof.pcr_quote != NULL) {
		attest_refuse_quote(rq, &in, &m, found, e);
		goto out_rollback;	/* committed already; a no-op then */
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
	rc = resp_json_new(rs, 200, attest_json(&m, &o, app->cfg->poll_after_s),
	    e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	return rc;
}
