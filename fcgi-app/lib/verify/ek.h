/*
 * ek.h - Endorsement Key material (API spec §1): decoding of the request
 * field, parsing of certificates (lenient about the known vendor quirks) and
 * of bare public keys (SPKI or TPM2B_PUBLIC/TPMT_PUBLIC), the derived
 * fingerprints, and the check of the client's own fingerprint.
 *
 * Pure: no I/O, clock, environment or globals. Copies live in the caller's
 * arena; OpenSSL objects are freed before return.
 */
#ifndef ITL_VERIFY_EK_H
#define ITL_VERIFY_EK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

enum ek_source { EK_SOURCE_CERT, EK_SOURCE_PUB };
enum ek_key_type { EK_KEY_RSA, EK_KEY_EC };

#define EK_SHA256_BYTES 32
#define EK_HEX_SHA256_BYTES 65	/* 64 hex digits + NUL */
#define EK_NAME_BYTES 256	/* one-line subject/issuer, truncated */

struct ek_info {
	enum ek_source source;
	enum ek_key_type key_type;
	unsigned key_bits;	/* RSA modulus bits, or EC field size */
	int curve_nid;		/* EC only (NID_X9_62_prime256v1, ...) */
	/* DER SubjectPublicKeyInfo of the EK, re-encoded by OpenSSL (arena) */
	const uint8_t *spki_der;
	size_t spki_der_len;
	char fingerprint[EK_HEX_SHA256_BYTES];	/* hex SHA-256 of spki_der */
	bool has_cert;
	/* the certificate DER without NV header or trailing bytes (arena) */
	const uint8_t *cert_der;
	size_t cert_der_len;
	char cert_sha256[EK_HEX_SHA256_BYTES];	/* hex SHA-256 of cert_der */
	char subject[EK_NAME_BYTES];	/* RFC 2253 form; "" if OpenSSL cannot parse the cert */
	char issuer[EK_NAME_BYTES];
};

/*
 * Decode the ek_cert_pem request field (§1): base64 of the material (PEM
 * text, DER, or TPM structure), or a raw PEM string. On success *sent and
 * *sent_len are the exact bytes the client sent after the outer base64 (the
 * PEM text itself for a raw PEM string), and *material and *material_len the
 * binary material (PEM unwrapped to DER); both live in the arena.
 * Errors: ERR_EK_INVALID (bad base64, bad PEM, empty), ERR_VALIDATION_FAILED
 * (over LIMIT_EK_MATERIAL_BYTES, or material over LIMIT_EK_DER_BYTES).
 */
int ek_material_decode(const char *field, size_t field_len, struct arena *a,
    const uint8_t **sent, size_t *sent_len, const uint8_t **material,
    size_t *material_len, struct err *e);

/*
 * Parse binary material. EK_SOURCE_CERT: an X.509 certificate in DER,
 * possibly behind a TCG NV header (10 01 00 <len>) and followed by trailing
 * bytes (NV padding), with non-minimal INTEGERs or a critical SAN; the SPKI
 * is located by walking the DER so that OpenSSL's strictness about the rest
 * of the certificate does not matter. EK_SOURCE_PUB: a DER SPKI, a
 * TPM2B_PUBLIC (tpm2_createek -f tss) or a TPMT_PUBLIC (-f tpmt), RSA or
 * ECC (P-256, P-384, P-521). Only RSA (>= 2048 bits) and those curves are
 * EK keys. Error: ERR_EK_INVALID with the reason (ERR_INTERNAL only when
 * OpenSSL or the arena fails).
 */
int ek_parse(const uint8_t *material, size_t material_len,
    enum ek_source source, struct arena *a, struct ek_info *out,
    struct err *e);

/*
 * The client's ek_fingerprint (64 or 96 hex digits, either case) must equal,
 * compared in constant time, the SPKI SHA-256, the certificate SHA-256, or the
 * SHA-256 / SHA-384 of the exact bytes it sent. 0 on a match; otherwise
 * ERR_EK_FINGERPRINT_MISMATCH (or ERR_VALIDATION_FAILED when it is not hex of
 * one of those lengths).
 */
int ek_fingerprint_check(const struct ek_info *ek, const uint8_t *sent,
    size_t sent_len, const char *client_fp, size_t client_fp_len,
    struct err *e);

#endif
