/*
 * makecred.h - TPM2_MakeCredential in software (TPM 2.0 Part 1 §24,
 * "Credential Protection"; Part 3 §12.6): wrap a secret to an EK so that
 * only the TPM holding that EK, and only for the object named `name`, can
 * recover it with TPM2_ActivateCredential.
 *
 * RSA EKs: seed = 32 random bytes (nameAlg digest size) encrypted with
 * RSA-OAEP(nameAlg, label "IDENTITY\0"). ECC EKs: an ephemeral key on the
 * EK's curve, seed = KDFe(nameAlg, Z, "IDENTITY", ephemeral.x, ek.x),
 * encrypted secret = the ephemeral public point (TPMS_ECC_POINT). Then
 * symKey = KDFa(nameAlg, seed, "STORAGE", name, "", symBits), hmacKey =
 * KDFa(nameAlg, seed, "INTEGRITY", "", "", digestBits), encIdentity =
 * CFB(symKey, IV 0, TPM2B_DIGEST(secret)), integrity = HMAC(hmacKey,
 * encIdentity || name). Randomness comes from OpenSSL's DRBG; nothing else
 * leaves the function.
 */
#ifndef ITL_VERIFY_MAKECRED_H
#define ITL_VERIFY_MAKECRED_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "verify/tpm.h"

#define MAKECRED_SECRET_MAX 64
/* TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET, each with its size prefix */
#define MAKECRED_ID_OBJECT_MAX (2 + sizeof(TPM2B_ID_OBJECT))
#define MAKECRED_ENC_SECRET_MAX (2 + sizeof(TPM2B_ENCRYPTED_SECRET))
/* tpm2-tools credential file: BE32 0xBADCC0DE, BE32 1, id object, secret */
#define MAKECRED_TOOLS_BLOB_MAX (8 + MAKECRED_ID_OBJECT_MAX + MAKECRED_ENC_SECRET_MAX)

struct makecred_out {
	uint8_t id_object[MAKECRED_ID_OBJECT_MAX];	/* marshalled TPM2B_ID_OBJECT */
	size_t id_object_len;
	uint8_t enc_secret[MAKECRED_ENC_SECRET_MAX];	/* marshalled TPM2B_ENCRYPTED_SECRET */
	size_t enc_secret_len;
	uint8_t tools_blob[MAKECRED_TOOLS_BLOB_MAX];	/* tpm2_activatecredential -i */
	size_t tools_blob_len;
};

/*
 * ek: the EK public area (tpm_public_parse of a TPM2B, or
 * tpm_ek_public_from_spki); its nameAlg and symmetric definition are used.
 * name: the Name of the object the credential is bound to (the AK).
 * secret: 1..MAKECRED_SECRET_MAX bytes (and at most the nameAlg digest size).
 */
int makecred(const TPMT_PUBLIC *ek, const struct tpm_name *name,
    const uint8_t *secret, size_t secret_len, struct makecred_out *out,
    struct err *e);

#endif
