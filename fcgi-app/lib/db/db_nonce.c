/*
 * db_nonce.c - SQL for the nonces table (see db_nonce.h). Consumption is one
 * conditional UPDATE inside the caller's BEGIN IMMEDIATE, so two workers can
 * never both consume the same nonce.
 */
#include "config.h"

#include <string.h>

#include "db/db_nonce.h"

static const char sql_insert[] =
    "INSERT INTO nonces (id, value, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char sql_outstanding[] =
    "SELECT count(*) FROM nonces WHERE expires_at > ?1 AND used_at IS NULL";
static const char sql_get[] =
    "SELECT value, expires_at, used_at FROM nonces WHERE id = ?1";
static const char sql_use[] =
    "UPDATE nonces SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL";
static const char sql_purge[] = "DELETE FROM nonces WHERE expires_at < ?1";

int
db_nonce_insert(struct db *db, const char *id,
    const uint8_t value[NONCE_BYTES], int64_t now, int64_t expires_at,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, value, NONCE_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, expires_at);
	return db_step_done(db, st, "nonce insert", e);
}

int
db_nonce_outstanding(struct db *db, int64_t now, int64_t *count,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_outstanding, e);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, "nonce count", e);
	return 0;
}

int
db_nonce_consume(struct db *db, const char *id, int64_t now,
    uint8_t value[NONCE_BYTES], struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_get, e);
	int64_t expires_at;
	bool used;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return err_set(e, ERR_NONCE_UNKNOWN, "nonce_id was never issued");
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(db, rc, "nonce get", e);
	}
	if (sqlite3_column_bytes(st, 0) != NONCE_BYTES) {
		sqlite3_reset(st);
		return db_fail(db, SQLITE_CORRUPT, "nonce value size", e);
	}
	memcpy(value, sqlite3_column_blob(st, 0), NONCE_BYTES);
	expires_at = sqlite3_column_int64(st, 1);
	used = sqlite3_column_type(st, 2) != SQLITE_NULL;
	sqlite3_reset(st);
	if (used)
		return err_set(e, ERR_NONCE_REPLAYED, "nonce was already used");
	if (expires_at <= now)
		return err_set(e, ERR_NONCE_EXPIRED, "nonce has expired");
	st = db_stmt(db, sql_use, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (db_step_done(db, st, "nonce use", e) == -1)
		return -1;
	if (sqlite3_changes(db_handle(db)) != 1)
		return err_set(e, ERR_NONCE_REPLAYED, "nonce was already used");
	return 0;
}

int
db_nonce_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e)
{
	return db_purge_before(db, sql_purge, cutoff, n, "nonce purge", e);
}
