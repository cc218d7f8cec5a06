/*
 * quote.h - TPM2_Quote verification (API spec §4.2): TPMS_ATTEST and
 * TPMT_SIGNATURE parsed with tss2-mu (all bytes consumed), then magic, type,
 * extraData = nonce, the signature over the exact TPMS_ATTEST bytes with the
 * AK (RSASSA-PKCS1v1.5, RSASSA-PSS with any salt length, ECDSA; hash from
 * the signature), the PCR selection equal to the keys of the reported
 * values, pcrDigest = H_sig(values in selection order: banks as listed,
 * indices ascending), and the values against the machine's PCR policy.
 * The first failure is the error, with the §3 reason.
 *
 * Pure: no I/O, clock, environment or globals.
 */
#ifndef ITL_VERIFY_QUOTE_H
#define ITL_VERIFY_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "verify/tpm.h"

/* 24 PCRs in each of sha1, sha256, sha384, sha512 */
#define LIMIT_PCR_VALUES 96

struct pcr_value {
	uint16_t alg;		/* TPM2_ALG_SHA1, _SHA256, _SHA384, _SHA512 */
	uint8_t index;		/* 0..23 */
	uint8_t digest[64];
	size_t len;		/* must equal the bank's digest size */
};

struct pcr_set {
	size_t n;
	struct pcr_value v[LIMIT_PCR_VALUES];
};

/*
 * Parse one "sha256:7" key and its hex value into v. ERR_VALIDATION_FAILED
 * for an unknown bank, an index past 23, or a value of the wrong length.
 */
int pcr_value_parse(const char *key, size_t key_len, const char *hex,
    size_t hex_len, struct pcr_value *v, struct err *e);
/* Add v to s; a duplicate (alg, index) or a full set is ERR_VALIDATION_FAILED. */
int pcr_set_add(struct pcr_set *s, const struct pcr_value *v, struct err *e);
/* The value of (alg, index) in s, or NULL. */
const struct pcr_value *pcr_set_find(const struct pcr_set *s, uint16_t alg,
    uint8_t index);

struct quote_in {
	const uint8_t *attest;	/* TPMS_ATTEST, or TPM2B_ATTEST with its size */
	size_t attest_len;
	const uint8_t *sig;	/* TPMT_SIGNATURE */
	size_t sig_len;
	const uint8_t *nonce;	/* NULL: no nonce was consumed */
	size_t nonce_len;
	const struct pcr_set *values;	/* pcr_values of the request */
	const struct pcr_set *policy;	/* NULL or empty: no policy */
};

struct quote_result {
	uint64_t clock;
	uint32_t reset_count;
	uint32_t restart_count;
	bool safe;
	uint64_t firmware_version;
	struct tpm_name qualified_signer;
};

/*
 * Verify a quote by the AK `ak`. On failure e is ERR_ATTESTATION_FAILED
 * with reason quote_malformed, magic_invalid, nonce_mismatch,
 * signature_invalid, pcr_selection_mismatch, pcr_digest_mismatch or
 * pcr_policy_violation (in that order of checks).
 */
int quote_verify(const struct quote_in *in, const TPMT_PUBLIC *ak,
    struct quote_result *out, struct err *e);

#endif
