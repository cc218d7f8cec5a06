/*
 * db_token.c - SQL for config_tokens (see db_token.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db/db_token.h"

static const char sql_supersede_kind[] =
    "UPDATE config_tokens SET superseded_at = ?3 WHERE machine_id = ?1 "
    "AND kind = ?2 AND superseded_at IS NULL";
static const char sql_insert[] =
    "INSERT INTO config_tokens (token_sha256, machine_id, kind, generation, "
    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_supersede_all[] =
    "UPDATE config_tokens SET superseded_at = ?2 WHERE machine_id = ?1 "
    "AND superseded_at IS NULL";
static const char sql_delete_machine[] =
    "DELETE FROM config_tokens WHERE machine_id = ?1";
static const char sql_purge[] =
    "DELETE FROM config_tokens WHERE superseded_at < ?1 OR expires_at < ?1";

static const char sql_get[] =
    "SELECT machine_id, kind, generation, created_at, expires_at, "
    "first_used_at, superseded_at FROM config_tokens WHERE token_sha256 = ?1";
static const char sql_mark_used[] =
    "UPDATE config_tokens SET first_used_at = ?2 WHERE token_sha256 = ?1 "
    "AND first_used_at IS NULL";

int
db_token_get(struct db *db, const char *token_sha256_hex,
    struct token_row *out, bool *found, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_get, e);
	char kind[16];
	int rc;

	if (st == NULL)
		return -1;
	*found = false;
	sqlite3_bind_text(st, 1, token_sha256_hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		snprintf(out->sha256, sizeof(out->sha256), "%s",
		    token_sha256_hex);
		db_column_text(st, 0, out->machine_id, sizeof(out->machine_id));
		db_column_text(st, 1, kind, sizeof(kind));
		out->kind = strcmp(kind, "config") == 0 ? TOKEN_CONFIG :
		    TOKEN_BOOT;
		out->generation = sqlite3_column_int64(st, 2);
		out->created_at = sqlite3_column_int64(st, 3);
		out->expires_at = sqlite3_column_int64(st, 4);
		out->first_used_at = sqlite3_column_int64(st, 5);
		out->superseded_at = sqlite3_column_int64(st, 6);
		*found = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "token get", e);
	return 0;
}

int
db_token_mark_used(struct db *db, const char *token_sha256_hex, int64_t now,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_mark_used, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_sha256_hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return db_step_done(db, st, "token use", e);
}

static const char *
token_kind_name(enum token_kind k)
{
	return k == TOKEN_BOOT ? "boot" : "config";
}

int
db_token_issue(struct db *db, const char *token_sha256_hex,
    const char *machine_id, enum token_kind kind, int64_t generation,
    int64_t now, int64_t expires_at, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_supersede_kind, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, token_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_step_done(db, st, "token supersede", e) == -1)
		return -1;
	st = db_stmt(db, sql_insert, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_sha256_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, token_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, generation);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, expires_at);
	return db_step_done(db, st, "token insert", e);
}

static int
db_token_by_machine(struct db *db, const char *sql, const char *machine_id,
    int64_t now, bool bind_now, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	if (bind_now)
		sqlite3_bind_int64(st, 2, now);
	return db_step_done(db, st, "token update", e);
}

int
db_token_supersede_all(struct db *db, const char *machine_id, int64_t now,
    struct err *e)
{
	return db_token_by_machine(db, sql_supersede_all, machine_id, now, true,
	    e);
}

int
db_token_delete_machine(struct db *db, const char *machine_id, struct err *e)
{
	return db_token_by_machine(db, sql_delete_machine, machine_id, 0, false,
	    e);
}

int
db_token_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e)
{
	return db_purge_before(db, sql_purge, cutoff, n, "token purge", e);
}
