/*
 * db_nonce.h - server nonces (API spec §3, GET /attest/challenge): stored so
 * that every worker sees them, consumed at most once.
 */
#ifndef ITL_DB_DB_NONCE_H
#define ITL_DB_DB_NONCE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

#define NONCE_BYTES 32
#define NONCE_ID_HEX 33	/* 32 hex + NUL */

int db_nonce_insert(struct db *db, const char *id,
    const uint8_t value[NONCE_BYTES], int64_t now, int64_t expires_at,
    struct err *e);
/* Unexpired, unused nonces. */
int db_nonce_outstanding(struct db *db, int64_t now, int64_t *count,
    struct err *e);
/*
 * Mark the nonce used and return its value. Must run inside a write
 * transaction. ERR_NONCE_UNKNOWN, ERR_NONCE_EXPIRED, ERR_NONCE_REPLAYED.
 */
int db_nonce_consume(struct db *db, const char *id, int64_t now,
    uint8_t value[NONCE_BYTES], struct err *e);
/* Delete nonces that expired before cutoff; *n = rows deleted. */
int db_nonce_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e);

#endif
