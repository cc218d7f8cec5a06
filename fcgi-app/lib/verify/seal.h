/*
 * seal.h - authenticated encryption at rest: AES-256-GCM with a 12-byte
 * random nonce and a 16-byte tag, bound to its row by the associated data
 * (so a ciphertext moved to another row does not open). Keys are 32 bytes
 * read by the caller from the key file; the key id (first 16 hex of the
 * key's SHA-256) tells which key sealed a row. Pure: no I/O.
 */
#ifndef ITL_VERIFY_SEAL_H
#define ITL_VERIFY_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SEAL_KEY_BYTES 32
#define SEAL_NONCE_BYTES 12
#define SEAL_TAG_BYTES 16
#define SEAL_KEY_ID_BYTES 17	/* 16 hex + NUL */

/* out (in_len + SEAL_TAG_BYTES bytes) = ciphertext || tag; nonce drawn here. */
int seal(const uint8_t key[SEAL_KEY_BYTES], const void *aad, size_t aad_len,
    const uint8_t *in, size_t in_len, uint8_t nonce[SEAL_NONCE_BYTES],
    uint8_t *out, struct err *e);
/* out (in_len - SEAL_TAG_BYTES bytes); a wrong key, AAD or tag is ERR_INTERNAL. */
int seal_open(const uint8_t key[SEAL_KEY_BYTES], const void *aad,
    size_t aad_len, const uint8_t nonce[SEAL_NONCE_BYTES], const uint8_t *in,
    size_t in_len, uint8_t *out, struct err *e);
int seal_key_id(const uint8_t key[SEAL_KEY_BYTES],
    char out[SEAL_KEY_ID_BYTES]);

#endif
