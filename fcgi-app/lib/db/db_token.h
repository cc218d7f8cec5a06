/*
 * db_token.h - boot and config tokens (API spec §5). Only the SHA-256 of a
 * token is stored; the token itself exists only in the response that issued it.
 */
#ifndef ITL_DB_DB_TOKEN_H
#define ITL_DB_DB_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

enum token_kind { TOKEN_BOOT, TOKEN_CONFIG };

struct token_row {
	char sha256[65];
	char machine_id[40];
	enum token_kind kind;
	int64_t generation;
	int64_t created_at;
	int64_t expires_at;
	int64_t first_used_at;		/* 0 = never used */
	int64_t superseded_at;		/* 0 = current */
};

/* Look a token up by the SHA-256 hex of its text. */
int db_token_get(struct db *db, const char *token_sha256_hex,
    struct token_row *out, bool *found, struct err *e);
/* Record the first use (no-op when already used). */
int db_token_mark_used(struct db *db, const char *token_sha256_hex,
    int64_t now, struct err *e);

/* Supersede the machine's current tokens of this kind, then insert the new one. */
int db_token_issue(struct db *db, const char *token_sha256_hex,
    const char *machine_id, enum token_kind kind, int64_t generation,
    int64_t now, int64_t expires_at, struct err *e);
/* Supersede every live token of the machine (lock, revoke, reject). */
int db_token_supersede_all(struct db *db, const char *machine_id,
    int64_t now, struct err *e);
int db_token_delete_machine(struct db *db, const char *machine_id,
    struct err *e);
/* Remove tokens superseded or expired before cutoff; *n rows. */
int db_token_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e);

#endif
