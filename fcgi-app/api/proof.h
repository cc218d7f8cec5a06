/*
 * proof.h - the proof fields of /attest and ak-activate (nonce_id,
 * pcr_quote, pcr_signature, pcr_values) decoded at the edge, and the
 * verification of a quote by a machine's active AK against its PCR policy
 * (API spec §4.2, §4.3), shared by the endpoints that take a quote.
 */
#ifndef ITL_API_PROOF_H
#define ITL_API_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "db/db_ak.h"
#include "db/db_nonce.h"
#include "verify/quote.h"

struct proof {
	const char *nonce_id;		/* NULL: none sent */
	bool has_quote;
	const uint8_t *attest;		/* decoded pcr_quote (arena) */
	size_t attest_len;
	const uint8_t *sig;		/* decoded pcr_signature (arena) */
	size_t sig_len;
	struct pcr_set *values;		/* pcr_values (arena), empty when absent */
	bool nonce_consumed;
	uint8_t nonce[NONCE_BYTES];
};

/* Decode the fields; wrong types, bad base64 or bad pcr_values are 422. */
int proof_decode(struct req *rq, json_t *body, struct proof *p,
    struct err *e);
/* Consume the nonce named by p->nonce_id, if any (inside the transaction). */
int proof_consume_nonce(struct req *rq, struct proof *p, struct err *e);
/* The machine's PCR policy into an arena set (n = 0 when none). */
int policy_load(struct req *rq, const char *machine_id, struct pcr_set **out,
    struct err *e);
/*
 * Verify p's quote by the AK in `ak` (a marshalled public area). With
 * enforce_policy, the machine's policy (its own, else its role's default
 * from the configuration file) applies per ITL_PCR_POLICY (off: no policy;
 * tofu: the policy when one exists; enforce: a policy must exist).
 * Errors: ERR_ATTESTATION_FAILED with the §3 reason.
 */
int proof_verify(struct req *rq, const struct machine *m,
    const struct ak_row *ak, const struct proof *p, bool enforce_policy,
    struct quote_result *res, struct err *e);
/* The role's default policy from the configuration file (n = 0: none). */
int role_policy_load(struct req *rq, const char *role, struct pcr_set **out,
    struct err *e);
/* The machine's own policy, else its role's default. */
int effective_policy_load(struct req *rq, const struct machine *m,
    struct pcr_set **out, struct err *e);
/* The policy as JSON {"sha256:7": "hex", ...}, or null when empty. */
json_t *policy_json(const struct pcr_set *s);
/* "sha256" for TPM2_ALG_SHA256 etc. */
const char *pcr_bank_name(uint16_t alg);

#endif
