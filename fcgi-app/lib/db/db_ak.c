/*
 * db_ak.c - SQL for aks, ak_activations, pcr_policies and attestations
 * (see db_ak.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db/db_ak.h"

static const char sql_ak_get[] =
    "SELECT ak_public, ak_name, alg, activated_at FROM aks "
    "WHERE machine_id = ?1";
static const char sql_ak_set[] =
    "INSERT INTO aks (machine_id, ak_public, ak_name, alg, activated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (machine_id) DO UPDATE SET "
    "ak_public = excluded.ak_public, ak_name = excluded.ak_name, "
    "alg = excluded.alg, activated_at = excluded.activated_at";
static const char sql_act_insert[] =
    "INSERT INTO ak_activations (id, machine_id, ak_public, ak_name, alg, "
    "secret_sha256, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7, ?8)";
static const char sql_act_get[] =
    "SELECT ak_public, ak_name, alg, secret_sha256, expires_at, used_at, "
    "machine_id FROM ak_activations WHERE id = ?1";
static const char sql_act_use[] =
    "UPDATE ak_activations SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL";
static const char sql_act_purge[] =
    "DELETE FROM ak_activations WHERE expires_at < ?1";
static const char sql_policy_each[] =
    "SELECT pcr, value, source FROM pcr_policies WHERE machine_id = ?1 "
    "ORDER BY pcr";
static const char sql_policy_clear[] =
    "DELETE FROM pcr_policies WHERE machine_id = ?1";
static const char sql_policy_put[] =
    "INSERT INTO pcr_policies (machine_id, pcr, value, source) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char sql_att_last[] =
    "SELECT reset_count, restart_count FROM attestations "
    "WHERE machine_id = ?1 ORDER BY id DESC LIMIT 1";
static const char sql_att_add[] =
    "INSERT INTO attestations (machine_id, at, reset_count, restart_count, "
    "clock) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_att_trim[] =
    "DELETE FROM attestations WHERE machine_id = ?1 AND id <= "
    "(SELECT id FROM attestations WHERE machine_id = ?1 ORDER BY id DESC "
    "LIMIT 1 OFFSET ?2)";
static const char sql_del_ak[] = "DELETE FROM aks WHERE machine_id = ?1";
static const char sql_del_act[] =
    "DELETE FROM ak_activations WHERE machine_id = ?1";
static const char sql_del_att[] =
    "DELETE FROM attestations WHERE machine_id = ?1";

static int
blob_copy(sqlite3_stmt *st, int i, uint8_t *out, size_t cap, size_t *len)
{
	int n = sqlite3_column_bytes(st, i);

	if (n < 0 || (size_t)n > cap)
		return -1;
	if (n > 0)
		memcpy(out, sqlite3_column_blob(st, i), (size_t)n);
	*len = (size_t)n;
	return 0;
}

int
db_ak_get(struct db *db, const char *machine_id, struct ak_row *out,
    bool *found, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_ak_get, e);
	int rc;

	if (st == NULL)
		return -1;
	*found = false;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		if (blob_copy(st, 0, out->pub, sizeof(out->pub),
		    &out->pub_len) == -1) {
			sqlite3_reset(st);
			return db_fail(db, SQLITE_CORRUPT, "ak size", e);
		}
		db_column_text(st, 1, out->name, sizeof(out->name));
		db_column_text(st, 2, out->alg, sizeof(out->alg));
		out->activated_at = sqlite3_column_int64(st, 3);
		*found = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "ak get", e);
	return 0;
}

int
db_ak_set(struct db *db, const char *machine_id, const struct ak_row *r,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_ak_set, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, r->pub, (int)r->pub_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->alg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->activated_at);
	return db_step_done(db, st, "ak set", e);
}

int
db_activation_insert(struct db *db, const char *id, const char *machine_id,
    const struct ak_row *r, int64_t now, int64_t expires_at, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_act_insert, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, r->pub, (int)r->pub_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->alg, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->secret_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, expires_at);
	return db_step_done(db, st, "activation insert", e);
}

int
db_activation_take(struct db *db, const char *id, const char *machine_id,
    int64_t now, struct ak_row *out, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_act_get, e);
	char owner[40];
	bool used;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, rc, "activation get", e);
		return err_set(e, ERR_ACTIVATION_FAILED,
		    "no such pending activation");
	}
	memset(out, 0, sizeof(*out));
	if (blob_copy(st, 0, out->pub, sizeof(out->pub), &out->pub_len) == -1) {
		sqlite3_reset(st);
		return db_fail(db, SQLITE_CORRUPT, "activation size", e);
	}
	db_column_text(st, 1, out->name, sizeof(out->name));
	db_column_text(st, 2, out->alg, sizeof(out->alg));
	db_column_text(st, 3, out->secret_sha256, sizeof(out->secret_sha256));
	out->expires_at = sqlite3_column_int64(st, 4);
	used = sqlite3_column_type(st, 5) != SQLITE_NULL;
	db_column_text(st, 6, owner, sizeof(owner));
	sqlite3_reset(st);
	if (strcmp(owner, machine_id) != 0)
		return err_set(e, ERR_ACTIVATION_FAILED,
		    "no such pending activation");
	if (used)
		return err_set(e, ERR_ACTIVATION_FAILED,
		    "activation was already used");
	if (out->expires_at <= now)
		return err_set(e, ERR_ACTIVATION_FAILED, "activation has expired");
	st = db_stmt(db, sql_act_use, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (db_step_done(db, st, "activation use", e) == -1)
		return -1;
	if (sqlite3_changes(db_handle(db)) != 1)
		return err_set(e, ERR_ACTIVATION_FAILED,
		    "activation was already used");
	snprintf(out->machine_id, sizeof(out->machine_id), "%s", owner);
	return 0;
}

int
db_activation_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e)
{
	return db_purge_before(db, sql_act_purge, cutoff, n, "activation purge", e);
}

int
db_policy_each(struct db *db, const char *machine_id,
    int (*fn)(const char *pcr, const char *value, const char *source,
    void *ctx), void *ctx, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_policy_each, e);
	int rc, ret = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *pcr = (const char *)sqlite3_column_text(st, 0);
		const char *val = (const char *)sqlite3_column_text(st, 1);
		const char *src = (const char *)sqlite3_column_text(st, 2);

		if (pcr == NULL || val == NULL || src == NULL ||
		    fn(pcr, val, src, ctx) == -1) {
			ret = err_set(e, ERR_INTERNAL, "internal error");
			break;
		}
	}
	sqlite3_reset(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(db, rc, "policy list", e);
	return ret;
}

static int
by_machine(struct db *db, const char *sql, const char *machine_id,
    const char *what, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	return db_step_done(db, st, what, e);
}

int
db_policy_clear(struct db *db, const char *machine_id, struct err *e)
{
	return by_machine(db, sql_policy_clear, machine_id, "policy clear", e);
}

int
db_policy_put(struct db *db, const char *machine_id, const char *pcr,
    const char *value, const char *source, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_policy_put, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pcr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	return db_step_done(db, st, "policy put", e);
}

int
db_attestation_last(struct db *db, const char *machine_id, bool *found,
    int64_t *reset_count, int64_t *restart_count, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_att_last, e);
	int rc;

	if (st == NULL)
		return -1;
	*found = false;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*reset_count = sqlite3_column_int64(st, 0);
		*restart_count = sqlite3_column_int64(st, 1);
		*found = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "attestation last", e);
	return 0;
}

int
db_attestation_add(struct db *db, const char *machine_id, int64_t now,
    int64_t reset_count, int64_t restart_count, int64_t clock,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_att_add, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, reset_count);
	sqlite3_bind_int64(st, 4, restart_count);
	sqlite3_bind_int64(st, 5, clock);
	if (db_step_done(db, st, "attestation add", e) == -1)
		return -1;
	st = db_stmt(db, sql_att_trim, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, LIMIT_ATTESTATION_HISTORY);
	return db_step_done(db, st, "attestation trim", e);
}

int
db_ak_delete_machine(struct db *db, const char *machine_id, struct err *e)
{
	if (by_machine(db, sql_del_ak, machine_id, "ak delete", e) == -1 ||
	    by_machine(db, sql_del_act, machine_id, "activation delete",
	    e) == -1 ||
	    by_machine(db, sql_policy_clear, machine_id, "policy delete",
	    e) == -1 ||
	    by_machine(db, sql_del_att, machine_id, "attestation delete", e) == -1)
		return -1;
	return 0;
}
