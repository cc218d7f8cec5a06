/*
 * db_audit.c - SQL for audit_log (see db_audit.h).
 */
#include "config.h"

#include <string.h>

#include "db/db_audit.h"

static const char sql_tail[] =
    "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
static const char sql_insert[] =
    "INSERT INTO audit_log (id, ts, actor, action, machine_id, detail, "
    "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_list[] =
    "SELECT id, ts, actor, action, machine_id, detail, prev_hash, hash "
    "FROM audit_log WHERE (?1 = 0 OR id < ?1) "
    "AND (?2 IS NULL OR machine_id = ?2) AND (?3 IS NULL OR action = ?3) "
    "AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR ts >= ?5) "
    "AND (?6 IS NULL OR ts < ?6) ORDER BY id DESC LIMIT ?7";
static const char sql_walk[] =
    "SELECT id, ts, actor, action, machine_id, detail, prev_hash, hash "
    "FROM audit_log ORDER BY id";
static const char sql_count[] = "SELECT count(*) FROM audit_log";

int
db_audit_tail(struct db *db, int64_t *id, char hash[65], struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_tail, e);
	int rc;

	if (st == NULL)
		return -1;
	*id = 0;
	hash[0] = '\0';
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		db_column_text(st, 1, hash, 65);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "audit tail", e);
	return 0;
}

int
db_audit_insert(struct db *db, const struct audit_row *r, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, r->ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->action, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 5, r->machine_id);
	sqlite3_bind_text(st, 6, r->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->hash, -1, SQLITE_STATIC);
	return db_step_done(db, st, "audit insert", e);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
db_audit_rows(struct db *db, sqlite3_stmt *st,
    int (*fn)(const struct audit_row *r, void *ctx), void *ctx,
    struct err *e)
{
	struct audit_row r;
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.ts = col(st, 1);
		r.actor = col(st, 2);
		r.action = col(st, 3);
		r.machine_id = col(st, 4);
		r.detail = col(st, 5);
		r.prev_hash = col(st, 6);
		r.hash = col(st, 7);
		if (r.ts == NULL || r.actor == NULL || r.action == NULL ||
		    r.detail == NULL || r.prev_hash == NULL || r.hash == NULL) {
			ret = db_fail(db, SQLITE_CORRUPT, "audit row", e);
			break;
		}
		if (fn(&r, ctx) == -1) {
			ret = err_set(e, ERR_INTERNAL, "internal error");
			break;
		}
	}
	sqlite3_reset(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(db, rc, "audit list", e);
	return ret;
}

int
db_audit_list(struct db *db, const struct audit_filter *f,
    int (*fn)(const struct audit_row *r, void *ctx), void *ctx,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_list, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, f->before_id);
	db_bind_text_or_null(st, 2, f->machine_id);
	db_bind_text_or_null(st, 3, f->action);
	db_bind_text_or_null(st, 4, f->actor);
	db_bind_text_or_null(st, 5, f->since);
	db_bind_text_or_null(st, 6, f->until);
	sqlite3_bind_int64(st, 7, (int64_t)f->limit + 1);
	return db_audit_rows(db, st, fn, ctx, e);
}

int
db_audit_walk(struct db *db, int (*fn)(const struct audit_row *r, void *ctx),
    void *ctx, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_walk, e);

	if (st == NULL)
		return -1;
	return db_audit_rows(db, st, fn, ctx, e);
}

int
db_audit_count(struct db *db, int64_t *n, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_count, e);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, "audit count", e);
	return 0;
}
