/*
 * ek.h - Endorsement Key material (API spec §1): decoding of the request
 * field, parsing of certificates (lenient about the known vendor quirks) and
 * of bare public keys (SPKI or TPM2B_PUBLIC/TPMT_PUBLIC), the derived
 * fingerprints, and the check of the client's own fingerprint.
 *
 * Pure: no I/O, clock, environment or globals. Copies live in the caller's
 * arena; OpenSSL objects are freed before return.
 *
 * ek_parse is on every attestation's path, so it reads the SPKI with its own
 * bounded DER walker and writes the canonical SPKI itself (OpenSSL only checks
 * that an EC point is on its curve); ek_cert_names, which needs OpenSSL's
 * X.509 decoder, is left to the callers that store a new machine.
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
	/*
	 * DER SubjectPublicKeyInfo of the EK in its canonical form (arena),
	 * byte for byte what OpenSSL's i2d_PUBKEY writes for the key: RSA
	 * as rsaEncryption with NULL parameters and minimal INTEGERs, EC as
	 * id-ecPublicKey with the named curve and the uncompressed point.
	 */
	const uint8_t *spki_der;
	size_t spki_der_len;
	char fingerprint[EK_HEX_SHA256_BYTES];	/* hex SHA-256 of spki_der */
	bool has_cert;
	/* the certificate DER without NV header or trailing bytes (arena) */
	const uint8_t *cert_der;
	size_t cert_der_len;
	char cert_sha256[EK_HEX_SHA256_BYTES];	/* hex SHA-256 of cert_der */
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
 * ECC (P-256, P-384, P-521).
 *
 * Only these are EK keys: RSA (rsaEncryption, parameters NULL or absent)
 * whose modulus is odd and of 2048 to 16384 bits and whose exponent is odd,
 * above 1 and at most 32 bits (a TPM stores it as a UINT32); EC on P-256,
 * P-384 or P-521 named by OID (explicit parameters are refused), the point
 * compressed or uncompressed and on the curve. An SPKI must be DER with
 * definite lengths, its BIT STRING with 0 unused bits and nothing after the
 * key. INTEGERs in an RSAPublicKey may be non-minimal (leading 00 octets),
 * and their contents are read as unsigned magnitudes, as OpenSSL reads them,
 * so a modulus written without its 00 sign octet is still that modulus.
 *
 * Error: ERR_EK_INVALID with the reason (ERR_INTERNAL only when OpenSSL or
 * the arena fails). *out is written only on success.
 */
int ek_parse(const uint8_t *material, size_t material_len,
    enum ek_source source, struct arena *a, struct ek_info *out,
    struct err *e);

/*
 * The certificate's subject and issuer as one RFC 2253 line each, truncated
 * to fit, for storing with a new machine (not needed to verify anything).
 * Best effort and never an error: both are "" when ek has no certificate or
 * OpenSSL's X.509 decoder refuses it (vendor quirks such as a non-minimal
 * serial). Control and non-ASCII bytes are escaped. Each buffer must hold at
 * least one byte; EK_NAME_BYTES is the intended size. Costs a full
 * d2i_X509 (about 100 us), so keep it off the attestation path.
 */
void ek_cert_names(const struct ek_info *ek, char *subject,
    size_t subject_len, char *issuer, size_t issuer_len);

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
