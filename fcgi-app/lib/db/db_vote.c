/*
 * db_vote.c - SQL for approval_votes (see db_vote.h).
 */
#include "config.h"

#include <string.h>

#include "db/db_vote.h"

static const char sql_insert[] =
    "INSERT INTO approval_votes (machine_id, actor, role, hostname, "
    "assigned_ip, gateway, install_disk, created_at, expires_at, cluster_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_has_open[] =
    "SELECT count(*) FROM approval_votes WHERE machine_id = ?1 "
    "AND actor = ?2 AND consumed_at IS NULL AND expires_at > ?3";
static const char sql_agreeing[] =
    "SELECT count(DISTINCT actor) FROM approval_votes WHERE machine_id = ?1 "
    "AND consumed_at IS NULL AND expires_at > ?2 AND role = ?3 "
    "AND hostname = ?4 AND assigned_ip = ?5 AND gateway = ?6 "
    "AND install_disk = ?7 AND cluster_id = ?8";
static const char sql_consume[] =
    "UPDATE approval_votes SET consumed_at = ?2 WHERE machine_id = ?1 "
    "AND consumed_at IS NULL";
static const char sql_list[] =
    "SELECT id, actor, role, hostname, assigned_ip, gateway, install_disk, "
    "created_at, expires_at, consumed_at, cluster_id FROM approval_votes "
    "WHERE machine_id = ?1 ORDER BY id DESC LIMIT 500";
static const char sql_delete_machine[] =
    "DELETE FROM approval_votes WHERE machine_id = ?1";
static const char sql_purge[] =
    "DELETE FROM approval_votes WHERE (consumed_at IS NULL AND "
    "expires_at < ?1) OR consumed_at < ?1";

static int
db_vote_count(struct db *db, sqlite3_stmt *st, int64_t *n, struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, "vote count", e);
	return 0;
}

int
db_vote_insert(struct db *db, const char *machine_id, const struct vote *v,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, v->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, v->assigned_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->gateway, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->install_disk, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, v->created_at);
	sqlite3_bind_int64(st, 9, v->expires_at);
	sqlite3_bind_text(st, 10, v->cluster_id, -1, SQLITE_STATIC);
	return db_step_done(db, st, "vote insert", e);
}

int
db_vote_has_open(struct db *db, const char *machine_id, const char *actor,
    int64_t now, bool *has, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_has_open, e);
	int64_t n = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_vote_count(db, st, &n, e) == -1)
		return -1;
	*has = n > 0;
	return 0;
}

int
db_vote_count_agreeing(struct db *db, const char *machine_id,
    const struct vote *v, int64_t now, int64_t *n, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_agreeing, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, v->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, v->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, v->assigned_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->gateway, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->install_disk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, v->cluster_id, -1, SQLITE_STATIC);
	return db_vote_count(db, st, n, e);
}

int
db_vote_consume(struct db *db, const char *machine_id, int64_t now,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_consume, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return db_step_done(db, st, "vote consume", e);
}

int
db_vote_list(struct db *db, const char *machine_id,
    int (*fn)(const struct vote *v, void *ctx), void *ctx, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_list, e);
	struct vote v;
	int rc, ret = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&v, 0, sizeof(v));
		v.id = sqlite3_column_int64(st, 0);
		db_column_text(st, 1, v.actor, sizeof(v.actor));
		db_column_text(st, 2, v.role, sizeof(v.role));
		db_column_text(st, 3, v.hostname, sizeof(v.hostname));
		db_column_text(st, 4, v.assigned_ip, sizeof(v.assigned_ip));
		db_column_text(st, 5, v.gateway, sizeof(v.gateway));
		db_column_text(st, 6, v.install_disk, sizeof(v.install_disk));
		v.created_at = sqlite3_column_int64(st, 7);
		v.expires_at = sqlite3_column_int64(st, 8);
		v.consumed_at = sqlite3_column_int64(st, 9);
		db_column_text(st, 10, v.cluster_id, sizeof(v.cluster_id));
		if (fn(&v, ctx) == -1) {
			ret = err_set(e, ERR_INTERNAL, "internal error");
			break;
		}
	}
	sqlite3_reset(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(db, rc, "vote list", e);
	return ret;
}

int
db_vote_delete_machine(struct db *db, const char *machine_id, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_delete_machine, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
	return db_step_done(db, st, "vote delete", e);
}

int
db_vote_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e)
{
	return db_purge_before(db, sql_purge, cutoff, n, "vote purge", e);
}
