/*
 * db_machine.c - SQL for the machines table (see db_machine.h).
 */
#include "config.h"

#include <string.h>

#include "db/db_machine.h"

static const char *const status_names[MS__COUNT] = {
	[MS_REGISTERED] = "registered",
	[MS_PENDING_APPROVAL] = "pending_approval",
	[MS_APPROVED] = "approved",
	[MS_ATTESTED] = "attested",
	[MS_LOCKED] = "locked",
	[MS_REVOKED] = "revoked",
	[MS_REJECTED] = "rejected",
};

#define MACHINE_COLUMNS \
	"seq, id, ek_fingerprint, ek_source, ek_cert_sha256, ek_subject, " \
	"ek_issuer, ek_trust, hw_uuid, hw_mac, hw_serial, hw_product, role, " \
	"status, prev_status, hostname, assigned_ip, gateway, install_disk, " \
	"cluster_id, registration_path, registered_at, approved_at, " \
	"approved_by, attested_at, last_seen_at, locked_at, revoked_at, " \
	"wipe_pending, wipe_issued_at, config_generation, " \
	"config_delivered_generation, config_delivered_at"

static const char sql_by_id[] =
    "SELECT " MACHINE_COLUMNS " FROM machines WHERE id = ?1";
static const char sql_by_fp[] =
    "SELECT " MACHINE_COLUMNS " FROM machines WHERE ek_fingerprint = ?1";
static const char sql_insert[] =
    "INSERT INTO machines (id, ek_fingerprint, ek_source, ek_cert_sha256, "
    "ek_subject, ek_issuer, ek_trust, ek_spki, ek_cert, hw_uuid, hw_mac, "
    "hw_serial, hw_product, role, status, hostname, registration_path, "
    "registered_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
static const char sql_update[] =
    "UPDATE machines SET hw_uuid = ?2, hw_mac = ?3, hw_serial = ?4, "
    "hw_product = ?5, role = ?6, status = ?7, prev_status = ?8, "
    "hostname = ?9, assigned_ip = ?10, gateway = ?11, install_disk = ?12, "
    "cluster_id = ?13, approved_at = ?14, approved_by = ?15, "
    "attested_at = ?16, last_seen_at = ?17, locked_at = ?18, "
    "revoked_at = ?19, wipe_pending = ?20, wipe_issued_at = ?21, "
    "config_generation = ?22, config_delivered_generation = ?23, "
    "config_delivered_at = ?24 WHERE id = ?1";
static const char sql_delete[] = "DELETE FROM machines WHERE id = ?1";
/* ?2 = status or NULL, ?3 = role or NULL, ?4 = prefix or NULL */
static const char sql_list[] =
    "SELECT " MACHINE_COLUMNS " FROM machines WHERE seq > ?1 "
    "AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR role = ?3) "
    "AND (?4 IS NULL OR substr(hostname, 1, length(?4)) = ?4 "
    "OR substr(hw_serial, 1, length(?4)) = ?4 "
    "OR substr(ek_fingerprint, 1, length(?4)) = ?4) "
    "ORDER BY seq LIMIT ?5";
static const char sql_count[] =
    "SELECT status, count(*) FROM machines GROUP BY status";

const char *
machine_status_name(enum machine_status s)
{
	if ((unsigned)s >= MS__COUNT)
		return "unknown";
	return status_names[s];
}

int
machine_status_parse(const char *name, size_t len)
{
	int i;

	for (i = 0; i < MS__COUNT; i++)
		if (strlen(status_names[i]) == len &&
		    memcmp(status_names[i], name, len) == 0)
			return i;
	return -1;
}

static int64_t
col_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(st, i);
}

static void
machine_from_row(sqlite3_stmt *st, struct machine *m)
{
	char s[32];
	int v;

	memset(m, 0, sizeof(*m));
	m->seq = sqlite3_column_int64(st, 0);
	db_column_text(st, 1, m->id, sizeof(m->id));
	db_column_text(st, 2, m->ek_fingerprint, sizeof(m->ek_fingerprint));
	db_column_text(st, 3, m->ek_source, sizeof(m->ek_source));
	db_column_text(st, 4, m->ek_cert_sha256, sizeof(m->ek_cert_sha256));
	db_column_text(st, 5, m->ek_subject, sizeof(m->ek_subject));
	db_column_text(st, 6, m->ek_issuer, sizeof(m->ek_issuer));
	db_column_text(st, 7, m->ek_trust, sizeof(m->ek_trust));
	db_column_text(st, 8, m->hw_uuid, sizeof(m->hw_uuid));
	db_column_text(st, 9, m->hw_mac, sizeof(m->hw_mac));
	db_column_text(st, 10, m->hw_serial, sizeof(m->hw_serial));
	db_column_text(st, 11, m->hw_product, sizeof(m->hw_product));
	db_column_text(st, 12, m->role, sizeof(m->role));
	db_column_text(st, 13, s, sizeof(s));
	v = machine_status_parse(s, strlen(s));
	m->status = v < 0 ? MS_LOCKED : (enum machine_status)v;	/* CHECK constraint makes v valid */
	db_column_text(st, 14, s, sizeof(s));
	v = machine_status_parse(s, strlen(s));
	m->has_prev_status = v >= 0;
	m->prev_status = v < 0 ? MS_REGISTERED : (enum machine_status)v;
	db_column_text(st, 15, m->hostname, sizeof(m->hostname));
	db_column_text(st, 16, m->assigned_ip, sizeof(m->assigned_ip));
	db_column_text(st, 17, m->gateway, sizeof(m->gateway));
	db_column_text(st, 18, m->install_disk, sizeof(m->install_disk));
	db_column_text(st, 19, m->cluster_id, sizeof(m->cluster_id));
	db_column_text(st, 20, m->registration_path,
	    sizeof(m->registration_path));
	m->registered_at = col_time(st, 21);
	m->approved_at = col_time(st, 22);
	db_column_text(st, 23, m->approved_by, sizeof(m->approved_by));
	m->attested_at = col_time(st, 24);
	m->last_seen_at = col_time(st, 25);
	m->locked_at = col_time(st, 26);
	m->revoked_at = col_time(st, 27);
	m->wipe_pending = sqlite3_column_int(st, 28) != 0;
	m->wipe_issued_at = col_time(st, 29);
	m->config_generation = sqlite3_column_int64(st, 30);
	m->config_delivered_generation = sqlite3_column_int64(st, 31);
	m->config_delivered_at = col_time(st, 32);
}

static int
db_machine_one(struct db *db, const char *sql, const char *key,
    struct machine *m, bool *found, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql, e);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		machine_from_row(st, m);
		*found = true;
	} else if (rc == SQLITE_DONE) {
		*found = false;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "machine lookup", e);
	return 0;
}

int
db_machine_by_id(struct db *db, const char *id, struct machine *m,
    bool *found, struct err *e)
{
	return db_machine_one(db, sql_by_id, id, m, found, e);
}

int
db_machine_by_fingerprint(struct db *db, const char *fp, struct machine *m,
    bool *found, struct err *e)
{
	return db_machine_one(db, sql_by_fp, fp, m, found, e);
}

static int
bind_time(sqlite3_stmt *st, int i, int64_t t)
{
	return t == 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, t);
}

int
db_machine_insert(struct db *db, struct machine *m,
    const struct machine_ek *ek, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->ek_fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->ek_source, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 4, m->ek_cert_sha256);
	db_bind_text_or_null(st, 5, m->ek_subject);
	db_bind_text_or_null(st, 6, m->ek_issuer);
	sqlite3_bind_text(st, 7, m->ek_trust[0] != '\0' ? m->ek_trust : "none",
	    -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, ek->spki, (int)ek->spki_len, SQLITE_STATIC);
	if (ek->cert != NULL)
		sqlite3_bind_blob(st, 9, ek->cert, (int)ek->cert_len,
		    SQLITE_STATIC);
	db_bind_text_or_null(st, 10, m->hw_uuid);
	db_bind_text_or_null(st, 11, m->hw_mac);
	db_bind_text_or_null(st, 12, m->hw_serial);
	db_bind_text_or_null(st, 13, m->hw_product);
	sqlite3_bind_text(st, 14, m->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, machine_status_name(m->status), -1,
	    SQLITE_STATIC);
	db_bind_text_or_null(st, 16, m->hostname);
	sqlite3_bind_text(st, 17, m->registration_path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 18, m->registered_at);
	bind_time(st, 19, m->last_seen_at);
	if (db_step_done(db, st, "machine insert", e) == -1)
		return -1;
	m->seq = sqlite3_last_insert_rowid(db_handle(db));
	return 0;
}

int
db_machine_update(struct db *db, const struct machine *m, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_update, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 2, m->hw_uuid);
	db_bind_text_or_null(st, 3, m->hw_mac);
	db_bind_text_or_null(st, 4, m->hw_serial);
	db_bind_text_or_null(st, 5, m->hw_product);
	sqlite3_bind_text(st, 6, m->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, machine_status_name(m->status), -1,
	    SQLITE_STATIC);
	db_bind_text_or_null(st, 8, m->has_prev_status ?
	    machine_status_name(m->prev_status) : NULL);
	db_bind_text_or_null(st, 9, m->hostname);
	db_bind_text_or_null(st, 10, m->assigned_ip);
	db_bind_text_or_null(st, 11, m->gateway);
	db_bind_text_or_null(st, 12, m->install_disk);
	db_bind_text_or_null(st, 13, m->cluster_id);
	bind_time(st, 14, m->approved_at);
	db_bind_text_or_null(st, 15, m->approved_by);
	bind_time(st, 16, m->attested_at);
	bind_time(st, 17, m->last_seen_at);
	bind_time(st, 18, m->locked_at);
	bind_time(st, 19, m->revoked_at);
	sqlite3_bind_int(st, 20, m->wipe_pending ? 1 : 0);
	bind_time(st, 21, m->wipe_issued_at);
	sqlite3_bind_int64(st, 22, m->config_generation);
	sqlite3_bind_int64(st, 23, m->config_delivered_generation);
	bind_time(st, 24, m->config_delivered_at);
	return db_step_done(db, st, "machine update", e);
}

int
db_machine_delete(struct db *db, const char *id, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_delete, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return db_step_done(db, st, "machine delete", e);
}

int
db_machine_list(struct db *db, const struct machine_filter *f,
    int (*fn)(const struct machine *m, void *ctx), void *ctx,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_list, e);
	struct machine m;
	int rc, ret = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, f->after_seq);
	if (f->status >= 0)
		sqlite3_bind_text(st, 2, machine_status_name(
		    (enum machine_status)f->status), -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 3, f->role);
	db_bind_text_or_null(st, 4, f->q);
	sqlite3_bind_int64(st, 5, (int64_t)f->limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		machine_from_row(st, &m);
		if (fn(&m, ctx) == -1) {
			ret = err_set(e, ERR_INTERNAL, "internal error");
			break;
		}
	}
	sqlite3_reset(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(db, rc, "machine list", e);
	return ret;
}

int
db_machine_count_by_status(struct db *db, int64_t counts[MS__COUNT],
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_count, e);
	char s[32];
	int rc, v;

	if (st == NULL)
		return -1;
	memset(counts, 0, sizeof(int64_t) * MS__COUNT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_column_text(st, 0, s, sizeof(s));
		v = machine_status_parse(s, strlen(s));
		if (v >= 0)
			counts[v] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "machine count", e);
	return 0;
}
