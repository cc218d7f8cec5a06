/*
 * seal.c - AES-256-GCM sealing over OpenSSL's EVP API (see seal.h).
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/b64.h"
#include "verify/digest.h"
#include "verify/seal.h"

int
seal(const uint8_t key[SEAL_KEY_BYTES], const void *aad, size_t aad_len,
    const uint8_t *in, size_t in_len, uint8_t nonce[SEAL_NONCE_BYTES],
    uint8_t *out, struct err *e)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, f = 0, rc = -1;

	if (in_len > (size_t)INT32_MAX || aad_len > (size_t)INT32_MAX ||
	    RAND_bytes(nonce, SEAL_NONCE_BYTES) != 1)
		return err_set(e, ERR_INTERNAL, "internal error");
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &n, in, (int)in_len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + n, &f) != 1 ||
	    (size_t)(n + f) != in_len ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_BYTES,
	    out + in_len) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
seal_open(const uint8_t key[SEAL_KEY_BYTES], const void *aad, size_t aad_len,
    const uint8_t nonce[SEAL_NONCE_BYTES], const uint8_t *in, size_t in_len,
    uint8_t *out, struct err *e)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t tag[SEAL_TAG_BYTES];
	size_t ct_len;
	int n = 0, f = 0, rc = -1;

	if (in_len < SEAL_TAG_BYTES || in_len > (size_t)INT32_MAX ||
	    aad_len > (size_t)INT32_MAX)
		return err_set(e, ERR_INTERNAL, "internal error");
	ct_len = in_len - SEAL_TAG_BYTES;
	memcpy(tag, in + ct_len, SEAL_TAG_BYTES);
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &n, in, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_BYTES,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + n, &f) != 1) {
		OPENSSL_cleanse(out, ct_len);
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
seal_key_id(const uint8_t key[SEAL_KEY_BYTES], char out[SEAL_KEY_ID_BYTES])
{
	char hex[DIGEST_SHA256_HEX_BYTES];

	if (digest_sha256_hex(key, SEAL_KEY_BYTES, NULL, 0, hex) == -1)
		return -1;
	memcpy(out, hex, SEAL_KEY_ID_BYTES - 1);
	out[SEAL_KEY_ID_BYTES - 1] = '\0';
	return 0;
}
