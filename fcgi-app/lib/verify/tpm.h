/*
 * tpm.h - TPM 2.0 public areas (TPM 2.0 Part 2 §12.2): parsing a
 * TPM2B_PUBLIC (tpm2_createak -u) or TPMT_PUBLIC with tss2-mu, consuming all
 * input; the object Name (nameAlg || H(TPMT_PUBLIC)); the AK acceptance
 * rules of API spec §3 (ak-activate); the public key as an EVP_PKEY; and
 * the EK public area of the TCG EK credential profile templates, rebuilt
 * from the EK's SPKI when only the certificate is known.
 *
 * Pure: no I/O, clock, environment or globals.
 */
#ifndef ITL_VERIFY_TPM_H
#define ITL_VERIFY_TPM_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <tss2/tss2_mu.h>
#pragma GCC diagnostic pop
#include <openssl/evp.h>

#include "core/err.h"

/* nameAlg (2 bytes) + the largest digest we accept (SHA-384) */
#define TPM_NAME_MAX 50

struct tpm_name {
	uint8_t b[TPM_NAME_MAX];
	size_t len;
};

/*
 * Parse a TPM2B_PUBLIC (its size prefix must equal the rest) or, failing
 * that, a bare TPMT_PUBLIC; every byte must be consumed. ERR_VALIDATION_FAILED
 * with the reason otherwise (callers map it to their own code).
 */
int tpm_public_parse(const uint8_t *b, size_t len, TPMT_PUBLIC *out,
    struct err *e);
/* Name = nameAlg || H_nameAlg(marshalled TPMT_PUBLIC); SHA-256/384 only. */
int tpm_public_name(const TPMT_PUBLIC *pub, struct tpm_name *out,
    struct err *e);
/*
 * Qualified name of a child: H_nameAlg(parent_qn || child_name), prefixed
 * with the child's nameAlg (Part 1 §16.6). The EK's own qualified name is
 * computed with parent_qn = the 4-byte handle TPM_RH_ENDORSEMENT.
 */
int tpm_qualified_name(const struct tpm_name *parent_qn,
    const struct tpm_name *child_name, struct tpm_name *out, struct err *e);
/*
 * API spec §3: restricted, sign-only (not decrypt), fixedTPM, fixedParent,
 * sensitiveDataOrigin; RSA >= 2048 or ECC P-256/P-384; nameAlg SHA-256 or
 * SHA-384. ERR_AK_UNACCEPTABLE naming the first attribute that fails.
 */
int tpm_ak_check(const TPMT_PUBLIC *pub, struct err *e);
/* The public key (RSA exponent 0 = 65537; ECC NIST P-256/384/521). NULL + e on failure. */
EVP_PKEY *tpm_public_to_pkey(const TPMT_PUBLIC *pub, struct err *e);
/*
 * The EK public area from its DER SPKI and the TCG EK credential profile
 * default templates: RSA-2048 (template L-1: SHA-256, AES-128-CFB),
 * RSA-3072 (H-6) and ECC P-384 (H-3: SHA-384, AES-256-CFB; swtpm's ECC EK),
 * ECC P-256 (L-2). Other keys: ERR_VALIDATION_FAILED.
 */
int tpm_ek_public_from_spki(const uint8_t *spki, size_t spki_len,
    TPMT_PUBLIC *out, struct err *e);

#endif
