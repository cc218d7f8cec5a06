/*
 * db_ak.h - attestation keys (the active AK of a machine), pending
 * credential activations, PCR policies and the history of verified quotes.
 * The bytes of TPM structures are opaque here; verify/ interprets them.
 */
#ifndef ITL_DB_DB_AK_H
#define ITL_DB_DB_AK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/limits.h"
#include "db/db.h"

struct ak_row {
	uint8_t pub[LIMIT_AK_PUBLIC_BYTES];	/* marshalled TPMT_PUBLIC */
	size_t pub_len;
	char name[2 * 50 + 1];			/* hex Name */
	char alg[24];
	int64_t activated_at;
	/* activations only */
	char machine_id[40];
	char secret_sha256[65];
	int64_t expires_at;
};

int db_ak_get(struct db *db, const char *machine_id, struct ak_row *out,
    bool *found, struct err *e);
/* Make r the machine's active AK (replacing an older one). */
int db_ak_set(struct db *db, const char *machine_id, const struct ak_row *r,
    struct err *e);
int db_activation_insert(struct db *db, const char *id, const char *machine_id,
    const struct ak_row *r, int64_t now, int64_t expires_at, struct err *e);
/*
 * Take a pending activation for machine_id: mark it used and return it.
 * Unknown, expired, used or another machine's: ERR_ACTIVATION_FAILED.
 * Must run inside a write transaction.
 */
int db_activation_take(struct db *db, const char *id, const char *machine_id,
    int64_t now, struct ak_row *out, struct err *e);
int db_activation_purge(struct db *db, int64_t cutoff, int64_t *n,
    struct err *e);

/* Call fn for each policy entry ("sha256:7", hex value, source), in pcr order. */
int db_policy_each(struct db *db, const char *machine_id,
    int (*fn)(const char *pcr, const char *value, const char *source,
    void *ctx), void *ctx, struct err *e);
int db_policy_clear(struct db *db, const char *machine_id, struct err *e);
int db_policy_put(struct db *db, const char *machine_id, const char *pcr,
    const char *value, const char *source, struct err *e);

/* The newest verified quote's counters; *found false when there is none. */
int db_attestation_last(struct db *db, const char *machine_id, bool *found,
    int64_t *reset_count, int64_t *restart_count, struct err *e);
/* Record a verified quote and keep the newest LIMIT_ATTESTATION_HISTORY. */
int db_attestation_add(struct db *db, const char *machine_id, int64_t now,
    int64_t reset_count, int64_t restart_count, int64_t clock,
    struct err *e);
/* Remove a machine's AK, activations, policy and history (DELETE). */
int db_ak_delete_machine(struct db *db, const char *machine_id,
    struct err *e);

#endif
