/*
 * api_register.c - POST /register (USB agent) and POST /self-register
 * (Talos extension on a generic ISO), API spec §3. Both take the §1 fields;
 * the EK fingerprint derived by the server is the machine's identity.
 */
#include "config.h"

#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "db/db_token.h"
#include "factory/factory.h"

/* Refusals for a known EK (§2: nothing un-revokes a machine). */
static int
refuse_known(const struct machine *m, bool refuse_locked, struct err *e)
{
	if (m->status == MS_REVOKED)
		return err_set(e, ERR_MACHINE_REVOKED, "machine is revoked");
	if (m->status == MS_REJECTED)
		return err_set(e, ERR_MACHINE_REJECTED, "machine was rejected");
	if (refuse_locked && m->status == MS_LOCKED)
		return err_set(e, ERR_MACHINE_LOCKED, "machine is locked");
	return 0;
}

static void
machine_from_ek(struct machine *m, const struct ek_in *in, int64_t now,
    enum machine_status status, const char *path)
{
	memset(m, 0, sizeof(*m));
	rand_uuid4(m->id);
	memcpy(m->ek_fingerprint, in->ek.fingerprint, sizeof(m->ek_fingerprint));
	snprintf(m->ek_source, sizeof(m->ek_source), "%s",
	    in->ek.source == EK_SOURCE_CERT ? "cert" : "pub");
	if (in->ek.has_cert)
		memcpy(m->ek_cert_sha256, in->ek.cert_sha256,
		    sizeof(m->ek_cert_sha256));
	/* off the attestation path: only a new machine needs the names */
	ek_cert_names(&in->ek, m->ek_subject, sizeof(m->ek_subject),
	    m->ek_issuer, sizeof(m->ek_issuer));
	snprintf(m->ek_trust, sizeof(m->ek_trust), "%s",
	    in->trust != NULL ? in->trust : "none");
	snprintf(m->role, sizeof(m->role), "%s", in->desired_role);
	m->status = status;
	snprintf(m->registration_path, sizeof(m->registration_path), "%s", path);
	m->registered_at = now;
	m->last_seen_at = now;
	m->config_delivered_generation = -1;
}

/* Copy the hardware fields the client sent (absent ones keep their value). */
static void
hw_refresh(struct machine *m, const struct ek_in *in)
{
	if (in->hw_uuid != NULL)
		snprintf(m->hw_uuid, sizeof(m->hw_uuid), "%s", in->hw_uuid);
	if (in->hw_mac != NULL)
		snprintf(m->hw_mac, sizeof(m->hw_mac), "%s", in->hw_mac);
	if (in->hw_serial != NULL)
		snprintf(m->hw_serial, sizeof(m->hw_serial), "%s",
		    in->hw_serial);
	if (in->hw_product != NULL)
		snprintf(m->hw_product, sizeof(m->hw_product), "%s",
		    in->hw_product);
}

int
machine_create(struct req *rq, const struct ek_in *in,
    enum machine_status status, const char *path, const char *hostname,
    const char *actor, struct machine *m, struct err *e)
{
	struct machine_ek ek = {
		.spki = in->ek.spki_der, .spki_len = in->ek.spki_der_len,
		.cert = in->ek.has_cert ? in->ek.cert_der : NULL,
		.cert_len = in->ek.cert_der_len,
	};
	json_t *d;

	machine_from_ek(m, in, rq->now, status, path);
	hw_refresh(m, in);
	if (hostname != NULL)
		snprintf(m->hostname, sizeof(m->hostname), "%s", hostname);
	if (db_machine_insert(APP(rq)->db, m, &ek, e) == -1)
		return -1;
	d = event_data(m, actor);
	json_object_set_new(d, "registration_path", json_string(path));
	return audit_append(rq, actor, "machine.registered", m->id, d, e);
}

void
iso_for(struct req *rq, const char *config_url, const char **iso,
    const char **why)
{
	const struct cfg *c = APP(rq)->cfg;
	struct factory_cfg fc = { .url = c->factory_url,
	    .extensions = c->factory_extensions,
	    .talos_version = c->talos_version };
	char *out = arena_alloc(&rq->arena, FACTORY_URL_MAX);
	char *reason = arena_alloc(&rq->arena, 160);

	*iso = NULL;
	*why = NULL;
	if (c->iso_url[0] != '\0') {
		*iso = c->iso_url;
		return;
	}
	if (out == NULL || reason == NULL) {
		*why = "internal error";
		return;
	}
	if (factory_iso_url(&fc, config_url, out, FACTORY_URL_MAX, reason,
	    160) == 0)
		*iso = out;
	else
		*why = reason;
}

int
api_register_post(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	json_t *body = NULL, *out;
	struct ek_in in;
	struct machine m;
	char token[TOKEN_B64_BYTES];
	const char *url, *iso, *iso_err;
	bool found;
	int rc = -1;

	if (http_json_body(rq, &body, e) == -1 ||
	    ek_in_decode(rq, body, &in, e) == -1 ||
	    db_begin(app->db, e) == -1)
		goto out;
	if (db_machine_by_fingerprint(app->db, in.ek.fingerprint, &m, &found,
	    e) == -1 || ek_in_trusted(&in, &m, found, e) == -1)
		goto out_rollback;
	if (found) {
		if (refuse_known(&m, true, e) == -1)
			goto out_rollback;
		hw_refresh(&m, &in);
		m.last_seen_at = rq->now;
		if (db_machine_update(app->db, &m, e) == -1 ||
		    audit_append(rq, "machine", "machine.hardware_refreshed",
		    m.id, event_data(&m, "machine"), e) == -1)
			goto out_rollback;
	} else if (machine_create(rq, &in, MS_REGISTERED, "usb", NULL, "machine",
	    &m, e) == -1) {
		goto out_rollback;
	}
	if (token_issue(rq, &m, TOKEN_BOOT, token, &url, e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto out_rollback;
	if (!found)
		metrics_count(app->metrics, M_REG_USB);
	/* after the commit: the machine is stored whatever the factory does */
	iso_for(rq, url, &iso, &iso_err);
	out = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s}",
	    "machine_id", m.id, "role", m.role,
	    "status", machine_status_name(m.status),
	    "iso_url", iso != NULL ? json_string(iso) : json_null(),
	    "config_token", token, "config_url", url,
	    "message", found ? "machine already registered; hardware "
	    "refreshed and a new boot token issued" :
	    "machine registered; awaiting operator approval");
	if (out != NULL && iso == NULL)
		json_object_set_new(out, "iso_error", json_string(iso_err));
	rc = resp_json_new(rs, 200, out, e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	return rc;
}

int
api_self_register_post(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	json_t *body = NULL;
	struct ek_in in;
	struct machine m;
	bool found;
	int rc = -1;

	if (http_json_body(rq, &body, e) == -1 ||
	    ek_in_decode(rq, body, &in, e) == -1 ||
	    db_begin(app->db, e) == -1)
		goto out;
	if (db_machine_by_fingerprint(app->db, in.ek.fingerprint, &m, &found,
	    e) == -1 || ek_in_trusted(&in, &m, found, e) == -1)
		goto out_rollback;
	if (found) {
		/* known machine: its current record, unchanged */
		db_rollback(app->db);
		if (refuse_known(&m, false, e) == -1)
			goto out;
		rc = resp_json_new(rs, 200, registration_json(&m,
		    "machine already known", app->cfg->poll_after_s), e);
		goto out;
	}
	if (machine_create(rq, &in, MS_PENDING_APPROVAL, "self", NULL,
	    "machine", &m, e) == -1 || db_commit(app->db, e) == -1)
		goto out_rollback;
	metrics_count(app->metrics, M_REG_SELF);
	rc = resp_json_new(rs, 200, registration_json(&m,
	    "machine registered; awaiting operator approval",
	    app->cfg->poll_after_s), e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	return rc;
}
