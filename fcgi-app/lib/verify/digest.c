/*
 * digest.c - SHA-256 over OpenSSL and a constant-time compare.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/b64.h"
#include "verify/digest.h"

int
digest_sha256(const void *a, size_t a_len, const void *b, size_t b_len,
    uint8_t out[DIGEST_SHA256_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int rc = -1;

	if (ctx == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, a_len) != 1 ||
	    (b_len > 0 && EVP_DigestUpdate(ctx, b, b_len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != DIGEST_SHA256_BYTES)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
digest_sha256_hex(const void *a, size_t a_len, const void *b, size_t b_len,
    char out[DIGEST_SHA256_HEX_BYTES])
{
	uint8_t d[DIGEST_SHA256_BYTES];

	if (digest_sha256(a, a_len, b, b_len, d) == -1)
		return -1;
	return hex_encode(d, sizeof(d), out, DIGEST_SHA256_HEX_BYTES);
}

bool
digest_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
