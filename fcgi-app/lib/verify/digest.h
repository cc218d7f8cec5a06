/*
 * digest.h - SHA-256 helpers over OpenSSL's one-shot EVP API, for token
 * hashes and the audit chain. Pure.
 */
#ifndef ITL_VERIFY_DIGEST_H
#define ITL_VERIFY_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA256_BYTES 32
#define DIGEST_SHA256_HEX_BYTES 65

/* out = SHA-256(a || b); b may be NULL when b_len is 0. -1 on OpenSSL failure. */
int digest_sha256(const void *a, size_t a_len, const void *b, size_t b_len,
    uint8_t out[DIGEST_SHA256_BYTES]);
/* As digest_sha256, written as lowercase hex with a NUL. */
int digest_sha256_hex(const void *a, size_t a_len, const void *b,
    size_t b_len, char out[DIGEST_SHA256_HEX_BYTES]);
/* Constant-time equality of two equal-length secrets. */
bool digest_equal(const void *a, const void *b, size_t len);

#endif
