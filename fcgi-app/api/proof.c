/*
 * proof.c - quote input at the edge and quote verification against the
 * machine's AK and PCR policy (see proof.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/proof.h"
#include "core/b64.h"
#include "core/str.h"

static int
b64_field(struct req *rq, json_t *body, const char *key,
    const uint8_t **out, size_t *out_len, struct err *e)
{
	const char *s;
	uint8_t *buf;
	size_t len;

	*out = NULL;
	*out_len = 0;
	if (json_opt_string(body, key, LIMIT_BODY_BYTES, rq, &s, e) == -1)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	len = strlen(s);
	buf = arena_alloc(&rq->arena, B64_DECODED_MAX(len));
	if (buf == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (b64_decode(s, len, buf, B64_DECODED_MAX(len), out_len) == -1 ||
	    *out_len == 0)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s must be base64", key);
	*out = buf;
	return 0;
}

static int
values_decode(json_t *body, struct pcr_set *set, struct err *e)
{
	json_t *obj = json_object_get(body, "pcr_values"), *v;
	const char *key;

	if (obj == NULL || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr_values must be an object");
	if (json_object_size(obj) > LIMIT_PCR_VALUES)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr_values holds more than %d entries", LIMIT_PCR_VALUES);
	json_object_foreach(obj, key, v) {
		struct pcr_value pv;

		if (!json_is_string(v))
			return err_set(e, ERR_VALIDATION_FAILED,
			    "pcr_values entries must be hex strings");
		if (pcr_value_parse(key, strlen(key), json_string_value(v),
		    json_string_length(v), &pv, e) == -1 ||
		    pcr_set_add(set, &pv, e) == -1)
			return -1;
	}
	return 0;
}

int
proof_decode(struct req *rq, json_t *body, struct proof *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	p->values = arena_alloc(&rq->arena, sizeof(*p->values));
	if (p->values == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (json_opt_string(body, "nonce_id", 64, rq, &p->nonce_id, e) == -1 ||
	    b64_field(rq, body, "pcr_quote", &p->attest, &p->attest_len,
	    e) == -1 ||
	    b64_field(rq, body, "pcr_signature", &p->sig, &p->sig_len, e) == -1 ||
	    values_decode(body, p->values, e) == -1)
		return -1;
	if (p->nonce_id != NULL && (strlen(p->nonce_id) != NONCE_ID_HEX - 1 ||
	    !str_is_hex(p->nonce_id, strlen(p->nonce_id))))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "nonce_id must be 32 lowercase hex digits");
	p->has_quote = p->attest != NULL;
	if (p->has_quote && p->sig == NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr_signature is required with pcr_quote");
	return 0;
}

int
proof_consume_nonce(struct req *rq, struct proof *p, struct err *e)
{
	if (p->nonce_id == NULL)
		return 0;
	if (db_nonce_consume(APP(rq)->db, p->nonce_id, rq->now, p->nonce,
	    e) == -1)
		return -1;
	p->nonce_consumed = true;
	return 0;
}

const char *
pcr_bank_name(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:
		return "sha1";
	case TPM2_ALG_SHA256:
		return "sha256";
	case TPM2_ALG_SHA384:
		return "sha384";
	case TPM2_ALG_SHA512:
		return "sha512";
	default:
		return "unknown";
	}
}

struct policy_ctx {
	struct pcr_set *set;
	struct err *e;
};

static int
policy_one(const char *pcr, const char *value, const char *source, void *vctx)
{
	struct policy_ctx *c = vctx;
	struct pcr_value pv;

	(void)source;
	if (pcr_value_parse(pcr, strlen(pcr), value, strlen(value), &pv,
	    c->e) == -1 || pcr_set_add(c->set, &pv, c->e) == -1)
		return -1;
	return 0;
}

int
policy_load(struct req *rq, const char *machine_id, struct pcr_set **out,
    struct err *e)
{
	struct policy_ctx c;
	struct err pe;

	c.set = arena_alloc(&rq->arena, sizeof(*c.set));
	if (c.set == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	err_clear(&pe);
	c.e = &pe;
	if (db_policy_each(APP(rq)->db, machine_id, policy_one, &c, e) == -1)
		return -1;
	*out = c.set;
	return 0;
}

int
role_policy_load(struct req *rq, const char *role, struct pcr_set **out,
    struct err *e)
{
	const struct cfg_role *r = cfg_file_role(&APP(rq)->cfg->file, role);
	struct pcr_set *set = arena_alloc(&rq->arena, sizeof(*set));
	unsigned i;

	if (set == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	for (i = 0; r != NULL && i < r->n_policy; i++) {
		struct pcr_value pv;

		/* validated when the file was loaded; a failure is a bug */
		if (pcr_value_parse(r->policy[i].pcr, strlen(r->policy[i].pcr),
		    r->policy[i].value, strlen(r->policy[i].value), &pv,
		    e) == -1 || pcr_set_add(set, &pv, e) == -1)
			return err_set(e, ERR_INTERNAL, "internal error");
	}
	*out = set;
	return 0;
}

int
effective_policy_load(struct req *rq, const struct machine *m,
    struct pcr_set **out, struct err *e)
{
	if (policy_load(rq, m->id, out, e) == -1)
		return -1;
	if ((*out)->n > 0)
		return 0;
	return role_policy_load(rq, m->role, out, e);
}

int
proof_verify(struct req *rq, const struct machine *m, const struct ak_row *ak,
    const struct proof *p, bool enforce_policy, struct quote_result *res,
    struct err *e)
{
	const struct cfg *c = APP(rq)->cfg;
	struct pcr_set *policy = NULL;
	struct quote_in in;
	TPMT_PUBLIC pub;
	struct err pe;

	err_clear(&pe);
	if (tpm_public_parse(ak->pub, ak->pub_len, &pub, &pe) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (enforce_policy && c->pcr_policy != CFG_PCR_OFF) {
		if (effective_policy_load(rq, m, &policy, e) == -1)
			return -1;
		if (policy->n == 0 && c->pcr_policy == CFG_PCR_ENFORCE)
			return err_set_reason(e, "pcr_policy_violation",
			    "no pcr policy for this machine "
			    "(ITL_PCR_POLICY=enforce)");
	}
	memset(&in, 0, sizeof(in));
	in.attest = p->attest;
	in.attest_len = p->attest_len;
	in.sig = p->sig;
	in.sig_len = p->sig_len;
	in.nonce = p->nonce_consumed ? p->nonce : NULL;
	in.nonce_len = p->nonce_consumed ? NONCE_BYTES : 0;
	in.values = p->values;
	in.policy = policy;
	return quote_verify(&in, &pub, res, e);
}

json_t *
policy_json(const struct pcr_set *s)
{
	json_t *o;
	size_t i;

	if (s == NULL || s->n == 0)
		return json_null();
	o = json_object();
	for (i = 0; i < s->n; i++) {
		const struct pcr_value *v = &s->v[i];
		char key[24], hex[129];

		snprintf(key, sizeof(key), "%s:%u", pcr_bank_name(v->alg),
		    (unsigned)v->index);
		if (hex_encode(v->digest, v->len, hex, sizeof(hex)) == 0)
			json_object_set_new(o, key, json_string(hex));
	}
	return o;
}
