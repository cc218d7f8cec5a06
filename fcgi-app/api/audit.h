/*
 * audit.h - the audit chain's canonical form and hash, shared by the append
 * path (audit_append in api.h) and GET /audit/verify.
 */
#ifndef ITL_API_AUDIT_H
#define ITL_API_AUDIT_H

#include "api/api.h"
#include "core/buf.h"
#include "db/db_audit.h"

/* prev_hash of the first entry. */
extern const char audit_genesis[65];

/* Canonical JSON of a row (keys sorted, detail embedded as stored). */
int audit_canonical(const struct audit_row *r, struct buf *out);
int audit_hash(const char *prev_hash, const struct buf *canonical,
    char out[DIGEST_SHA256_HEX_BYTES]);

#endif
