/*
 * api_ak.c - POST /machines/{id}/ak-activate (credential activation in two
 * calls, API spec §3) and PUT /machines/{id}/pcr-policy (§4.3).
 *
 * Call 1 sends the EK and an AK public area; the server checks the AK's
 * attributes, computes its Name and answers a TPM2_MakeCredential of a
 * fresh 32-byte secret to the EK, bound to that Name. Only the TPM that
 * holds both the EK and the AK can recover the secret, so call 2, which
 * returns it, proves the AK lives in the machine's TPM. The secret itself
 * is never stored: only its SHA-256, compared in constant time.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/proof.h"
#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timefmt.h"
#include "verify/makecred.h"
#include "verify/tpm.h"

#define AK_SECRET_BYTES 32

static void
ak_alg_name(const TPMT_PUBLIC *pub, char *out, size_t out_len)
{
	if (pub->type == TPM2_ALG_RSA)
		snprintf(out, out_len, "rsa%u",
		    (unsigned)pub->parameters.rsaDetail.keyBits);
	else if (pub->parameters.eccDetail.curveID == TPM2_ECC_NIST_P384)
		snprintf(out, out_len, "ecc-nist-p384");
	else
		snprintf(out, out_len, "ecc-nist-p256");
}

/* The machine named by the path, not revoked or rejected (inside the tx). */
static int
ak_machine(struct req *rq, struct machine *m, struct err *e)
{
	char id[UUID_BYTES];

	if (path_machine_id(rq, 0, id, e) == -1 ||
	    machine_load(rq, id, m, e) == -1)
		return -1;
	if (m->status == MS_REVOKED)
		return err_set(e, ERR_MACHINE_REVOKED, "machine is revoked");
	if (m->status == MS_REJECTED)
		return err_set(e, ERR_MACHINE_REJECTED, "machine was rejected");
	return 0;
}

/* The EK of the request must be the machine's (§3: 403 ek_mismatch). */
static int
ak_ek_check(struct req *rq, json_t *body, const struct machine *m,
    TPMT_PUBLIC *ek_pub, struct err *e)
{
	json_t *mat = json_object_get(body, "ek_cert_pem");
	json_t *src = json_object_get(body, "ek_source");
	const uint8_t *sent, *bytes;
	size_t sent_len, bytes_len;
	enum ek_source source = EK_SOURCE_CERT;
	struct ek_info ek;
	struct err te;

	if (mat == NULL || !json_is_string(mat))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_cert_pem is required");
	if (src != NULL && !json_is_null(src)) {
		if (!json_is_string(src) || (strcmp(json_string_value(src),
		    "cert") != 0 && strcmp(json_string_value(src), "pub") != 0))
			return err_set(e, ERR_VALIDATION_FAILED,
			    "ek_source must be \"cert\" or \"pub\"");
		if (strcmp(json_string_value(src), "pub") == 0)
			source = EK_SOURCE_PUB;
	}
	if (ek_material_decode(json_string_value(mat), json_string_length(mat),
	    &rq->arena, &sent, &sent_len, &bytes, &bytes_len, e) == -1 ||
	    ek_parse(bytes, bytes_len, source, &rq->arena, &ek, e) == -1)
		return -1;
	if (!digest_equal(ek.fingerprint, m->ek_fingerprint, 64))
		return err_set(e, ERR_EK_MISMATCH,
		    "the ek is not the machine's");
	/* the EK's own public area when sent, else the TCG template */
	err_clear(&te);
	if (source == EK_SOURCE_PUB &&
	    tpm_public_parse(bytes, bytes_len, ek_pub, &te) == 0)
		return 0;
	if (tpm_ek_public_from_spki(ek.spki_der, ek.spki_der_len, ek_pub,
	    &te) == -1)
		return err_set(e, ERR_EK_INVALID, "no credential profile "
		    "template for this ek: %s", te.detail);
	return 0;
}

static int
ak_public_decode(json_t *body, struct ak_row *row, TPMT_PUBLIC *pub,
    struct tpm_name *name, struct err *e)
{
	json_t *v = json_object_get(body, "ak_public");
	struct err pe;
	size_t len;

	if (v == NULL || !json_is_string(v))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ak_public is required (base64 TPM2B_PUBLIC)");
	len = json_string_length(v);
	if (len > B64_ENCODED_LEN(LIMIT_AK_PUBLIC_BYTES) ||
	    b64_decode(json_string_value(v), len, row->pub, sizeof(row->pub),
	    &row->pub_len) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ak_public must be base64 of at most %d bytes",
		    LIMIT_AK_PUBLIC_BYTES);
	err_clear(&pe);
	if (tpm_public_parse(row->pub, row->pub_len, pub, &pe) == -1)
		return err_set(e, ERR_AK_UNACCEPTABLE, "ak_public: %s",
		    pe.detail);
	if (tpm_ak_check(pub, e) == -1)
		return -1;
	if (tpm_public_name(pub, name, &pe) == -1)
		return err_set(e, ERR_AK_UNACCEPTABLE, "ak_public: %s",
		    pe.detail);
	if (hex_encode(name->b, name->len, row->name, sizeof(row->name)) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	ak_alg_name(pub, row->alg, sizeof(row->alg));
	return 0;
}

static json_t *
b64_json(const uint8_t *b, size_t len)
{
	char out[B64_ENCODED_LEN(MAKECRED_TOOLS_BLOB_MAX) + 1];

	if (b64_encode(b, len, out, sizeof(out)) == -1)
		return NULL;
	return json_string(out);
}

/* Call 1: MakeCredential to the EK for the AK's Name. */
static int
ak_activate_begin(struct req *rq, struct resp *rs, json_t *body,
    struct err *e)
{
	struct app *app = APP(rq);
	struct machine m;
	struct ak_row row;
	struct makecred_out cred;
	struct tpm_name name;
	TPMT_PUBLIC ek_pub, ak_pub;
	uint8_t secret[AK_SECRET_BYTES], idb[16];
	char id[33];
	int64_t expires = rq->now + LIMIT_ACTIVATION_TTL_S;
	json_t *out;
	int rc = -1;

	memset(&row, 0, sizeof(row));
	rand_bytes(secret, sizeof(secret));
	rand_bytes(idb, sizeof(idb));
	hex_encode(idb, sizeof(idb), id, sizeof(id));
	if (db_begin(app->db, e) == -1)
		goto out;
	if (ak_machine(rq, &m, e) == -1 ||
	    ak_ek_check(rq, body, &m, &ek_pub, e) == -1 ||
	    ak_public_decode(body, &row, &ak_pub, &name, e) == -1 ||
	    makecred(&ek_pub, &name, secret, sizeof(secret), &cred, e) == -1 ||
	    digest_sha256_hex(secret, sizeof(secret), NULL, 0,
	    row.secret_sha256) == -1 ||
	    db_activation_insert(app->db, id, m.id, &row, rq->now, expires,
	    e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto out_rollback;
	out = json_pack("{s:s, s:o, s:o, s:o, s:o}", "activation_id", id,
	    "credential_blob", b64_json(cred.id_object, cred.id_object_len),
	    "encrypted_secret", b64_json(cred.enc_secret, cred.enc_secret_len),
	    "tpm2_tools_blob", b64_json(cred.tools_blob, cred.tools_blob_len),
	    "expires_at", json_time(expires));
	rc = resp_json_new(rs, 200, out, e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

/* TOFU: the quoted PCRs become the machine's policy. */
static int
ak_learn_policy(struct req *rq, const char *machine_id,
    const struct pcr_set *values, struct err *e)
{
	struct app *app = APP(rq);
	size_t i;

	if (db_policy_clear(app->db, machine_id, e) == -1)
		return -1;
	for (i = 0; i < values->n; i++) {
		const struct pcr_value *v = &values->v[i];
		char key[24], hex[129];

		snprintf(key, sizeof(key), "%s:%u", pcr_bank_name(v->alg),
		    (unsigned)v->index);
		if (hex_encode(v->digest, v->len, hex, sizeof(hex)) == -1 ||
		    db_policy_put(app->db, machine_id, key, hex, "tofu", e) == -1)
			return -1;
	}
	return 0;
}

/* A wrong secret still spends the activation: commit that and the audit. */
static int
ak_activate_refuse(struct req *rq, const struct machine *m,
    const struct err *why, struct err *e)
{
	struct app *app = APP(rq);
	json_t *d = event_data(m, "machine");
	struct err ae;

	err_clear(&ae);
	json_object_set_new(d, "error", json_string(err_name(why->code)));
	if (why->reason[0] != '\0')
		json_object_set_new(d, "reason", json_string(why->reason));
	if (audit_append(rq, "machine", why->code == ERR_ATTESTATION_FAILED ?
	    "machine.attestation_failed" : "machine.activation_failed", m->id,
	    d, &ae) == -1 || db_commit(app->db, &ae) == -1) {
		*e = ae;
		return -1;
	}
	*e = *why;
	return -1;
}

/* Call 2: the recovered secret makes the AK the machine's active AK. */
static int
ak_activate_finish(struct req *rq, struct resp *rs, json_t *body,
    struct err *e)
{
	struct app *app = APP(rq);
	struct machine m;
	struct ak_row row;
	struct proof proof;
	struct quote_result qr;
	struct pcr_set *role_policy = NULL;
	bool learn = false;
	const char *aid, *secret_b64;
	uint8_t secret[64];
	char hash[DIGEST_SHA256_HEX_BYTES];
	size_t secret_len = 0;
	struct err why;
	json_t *d, *policy = NULL;
	int rc = -1;

	if (json_opt_string(body, "activation_id", 64, rq, &aid, e) == -1 ||
	    json_opt_string(body, "secret", 128, rq, &secret_b64, e) == -1 ||
	    proof_decode(rq, body, &proof, e) == -1)
		return -1;
	if (aid == NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "activation_id is required");
	if (secret_b64 == NULL || b64_decode(secret_b64, strlen(secret_b64),
	    secret, sizeof(secret), &secret_len) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "secret must be base64");
	/* §4.2: a quote without a nonce only when ITL_REQUIRE_NONCE=false */
	if (proof.has_quote && app->cfg->require_nonce && proof.nonce_id == NULL)
		return err_set(e, ERR_NONCE_REQUIRED, "nonce_id is required "
		    "with a quote (ITL_REQUIRE_NONCE)");
	if (db_begin(app->db, e) == -1)
		return -1;
	if (ak_machine(rq, &m, e) == -1 ||
	    db_activation_take(app->db, aid, m.id, rq->now, &row, e) == -1)
		goto out_rollback;
	err_clear(&why);
	if (digest_sha256_hex(secret, secret_len, NULL, 0, hash) == -1 ||
	    !digest_equal(hash, row.secret_sha256, 64)) {
		err_set(&why, ERR_ACTIVATION_FAILED,
		    "the secret does not match the credential");
		ak_activate_refuse(rq, &m, &why, e);
		goto out_rollback;
	}
	row.activated_at = rq->now;
	if (proof.has_quote) {
		if (proof_consume_nonce(rq, &proof, e) == -1)
			goto out_rollback;
		if (proof_verify(rq, &m, &row, &proof, false, &qr, &why) == -1) {
			ak_activate_refuse(rq, &m, &why, e);
			goto out_rollback;
		}
		if (role_policy_load(rq, m.role, &role_policy, e) == -1)
			goto out_rollback;
		/* TOFU learns only where the configuration sets no default */
		learn = app->cfg->pcr_policy == CFG_PCR_TOFU &&
		    role_policy->n == 0;
		if (learn && ak_learn_policy(rq, m.id, proof.values, e) == -1)
			goto out_rollback;
		if (db_attestation_add(app->db, m.id, rq->now, qr.reset_count,
		    qr.restart_count, (int64_t)qr.clock, e) == -1)
			goto out_rollback;
		if (learn)
			policy = policy_json(proof.values);
	}
	d = event_data(&m, "machine");
	json_object_set_new(d, "ak_name", json_string(row.name));
	json_object_set_new(d, "ak_alg", json_string(row.alg));
	if (db_ak_set(app->db, m.id, &row, e) == -1 ||
	    audit_append(rq, "machine", "machine.ak_activated", m.id, d,
	    e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto out_rollback;
	rc = resp_json_new(rs, 200, json_pack("{s:s, s:s, s:b, s:o}",
	    "machine_id", m.id, "ak_name", row.name, "ak_accepted", 1,
	    "pcr_policy", policy != NULL ? policy : json_null()), e);
	policy = NULL;
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(policy);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

int
api_machines_ak_activate(struct req *rq, struct resp *rs, struct err *e)
{
	json_t *body = NULL;
	int rc;

	if (http_json_body(rq, &body, e) == -1)
		return -1;
	if (json_object_get(body, "activation_id") != NULL)
		rc = ak_activate_finish(rq, rs, body, e);
	else
		rc = ak_activate_begin(rq, rs, body, e);
	json_decref(body);
	return rc;
}

int
api_machines_pcr_policy(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct pcr_set *set = NULL;
	struct machine m;
	char id[UUID_BYTES];
	json_t *body = NULL, *pcrs, *v, *d;
	const char *key;
	int rc = -1;

	if (path_machine_id(rq, 0, id, e) == -1 ||
	    http_json_body(rq, &body, e) == -1)
		goto out;
	pcrs = json_object_get(body, "pcrs");
	if (pcrs == NULL || !json_is_object(pcrs)) {
		err_set(e, ERR_VALIDATION_FAILED, "pcrs must be an object");
		goto out;
	}
	set = arena_alloc(&rq->arena, sizeof(*set));
	if (set == NULL) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	json_object_foreach(pcrs, key, v) {
		struct pcr_value pv;

		if (!json_is_string(v)) {
			err_set(e, ERR_VALIDATION_FAILED,
			    "pcrs entries must be hex strings");
			goto out;
		}
		if (pcr_value_parse(key, strlen(key), json_string_value(v),
		    json_string_length(v), &pv, e) == -1 ||
		    pcr_set_add(set, &pv, e) == -1)
			goto out;
	}
	if (db_begin(app->db, e) == -1)
		goto out;
	if (machine_load(rq, id, &m, e) == -1 ||
	    db_policy_clear(app->db, id, e) == -1)
		goto out_rollback;
	json_object_foreach(pcrs, key, v) {
		struct pcr_value pv;
		char canon[24], hex[129];

		pcr_value_parse(key, strlen(key), json_string_value(v),
		    json_string_length(v), &pv, e);
		snprintf(canon, sizeof(canon), "%s:%u", pcr_bank_name(pv.alg),
		    (unsigned)pv.index);
		hex_encode(pv.digest, pv.len, hex, sizeof(hex));
		if (db_policy_put(app->db, id, canon, hex, "operator", e) == -1)
			goto out_rollback;
	}
	d = event_data(&m, rq->actor);
	json_object_set_new(d, "pcr_policy", policy_json(set));
	if (audit_append(rq, NULL, "machine.pcr_policy_set", id, d, e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto out_rollback;
	rc = resp_json_new(rs, 200, json_pack("{s:s, s:o}", "machine_id", id,
	    "pcr_policy", policy_json(set)), e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	return rc;
}
