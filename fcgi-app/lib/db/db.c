/*
 * db.c - connection, pragmas, statement cache, transactions and migrations.
 * Pragmas and BEGIN IMMEDIATE live only here (STYLE §3).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "db/db.h"
#include "db/schema_sql.h"

#define DB_STMT_CACHE 96

struct db_cached {
	const char *sql;
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	unsigned busy_timeout_ms;
	bool in_tx;
	unsigned n_cached;
	struct db_cached cache[DB_STMT_CACHE];
};

int
db_fail(struct db *db, int rc, const char *what, struct err *e)
{
	int primary = rc & 0xff;

	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
		log_warn("db busy: %s", what);
		return err_set(e, ERR_UNAVAILABLE, "database busy, retry later");
	}
	log_err("db error in %s: %s (%d)", what,
	    db != NULL ? sqlite3_errmsg(db->h) : "?", rc);
	return err_set(e, ERR_INTERNAL, "internal error");
}

int
db_step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, what, e);
	return 0;
}

int
db_purge_before(struct db *db, const char *sql, int64_t cutoff, int64_t *n,
    const char *what, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cutoff);
	if (db_step_done(db, st, what, e) == -1)
		return -1;
	*n = sqlite3_changes(db->h);
	return 0;
}

static int
db_exec(struct db *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_err("db exec failed: %s", msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return db_fail(db, rc, "exec", e);
	}
	return 0;
}

/*
 * SQLite's own busy timeout sleeps 1, 2, 5, 10 ... ms between retries, so
 * two workers taking turns at the write lock would idle for milliseconds
 * while a write transaction lasts tens of microseconds. Retry after short
 * sleeps instead, up to the same timeout (then SQLITE_BUSY: 503).
 */
static int
db_busy_handler(void *ctx, int count)
{
	struct db *db = ctx;
	struct timespec ts = { 0, 0 };
	uint64_t waited_us;

	/* 50 us steps for the first 2 ms, then 1 ms steps */
	if (count < 40) {
		ts.tv_nsec = 50 * 1000;
		waited_us = (uint64_t)count * 50;
	} else {
		ts.tv_nsec = 1000 * 1000;
		waited_us = 2000 + (uint64_t)(count - 40) * 1000;
	}
	if (waited_us >= (uint64_t)db->busy_timeout_ms * 1000)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

struct db *
db_open(const char *path, const struct db_options *o, struct err *e)
{
	struct db *db = calloc(1, sizeof(*db));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (db == NULL)
		abort();
	if (o->create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		log_err("cannot open db %s: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
		err_set(e, ERR_UNAVAILABLE, "database cannot be opened");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	db->busy_timeout_ms = o->busy_timeout_ms;
	sqlite3_busy_handler(db->h, db_busy_handler, db);
	/* WAL is persistent in the file; the other pragmas are per connection */
	if (db_exec(db, "PRAGMA journal_mode=WAL", e) == -1 ||
	    db_exec(db, o->synchronous_full ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL", e) == -1 ||
	    db_exec(db, "PRAGMA foreign_keys=ON", e) == -1)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	unsigned i;

	if (db == NULL)
		return;
	for (i = 0; i < db->n_cached; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->h);
	free(db);
}

sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

sqlite3_stmt *
db_stmt(struct db *db, const char *sql, struct err *e)
{
	sqlite3_stmt *st = NULL;
	unsigned i;
	int rc;

	for (i = 0; i < db->n_cached; i++) {
		if (db->cache[i].sql == sql) {
			st = db->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		db_fail(db, rc, "prepare", e);
		return NULL;
	}
	if (db->n_cached < DB_STMT_CACHE) {
		db->cache[db->n_cached].sql = sql;
		db->cache[db->n_cached].st = st;
		db->n_cached++;
	} else {
		log_err("statement cache full");	/* a programming error */
		sqlite3_finalize(st);
		err_set(e, ERR_INTERNAL, "internal error");
		return NULL;
	}
	return st;
}

int
db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
db_column_text(sqlite3_stmt *st, int i, char *out, size_t out_len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n;

	if (out_len == 0)
		return;
	if (t == NULL) {
		out[0] = '\0';
		return;
	}
	n = (size_t)sqlite3_column_bytes(st, i);
	if (n > out_len - 1)
		n = out_len - 1;
	memcpy(out, t, n);
	out[n] = '\0';
}

int
db_begin(struct db *db, struct err *e)
{
	int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail(db, rc, "begin", e);
	db->in_tx = true;
	return 0;
}

int
db_commit(struct db *db, struct err *e)
{
	int rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		db_fail(db, rc, "commit", e);
		db_rollback(db);
		return -1;
	}
	db->in_tx = false;
	return 0;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_tx = false;
}

static int
db_current_version(struct db *db, unsigned *v, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*v = 0;
	rc = sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'schema_version'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "schema probe", e);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	rc = sqlite3_prepare_v2(db->h,
	    "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "schema version", e);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = (unsigned)sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, rc, "schema version", e);
}

int
db_migrate(struct db *db, unsigned *applied, struct err *e)
{
	sqlite3_stmt *st = NULL;
	unsigned cur, i;
	int rc = -1;

	*applied = 0;
	if (db_begin(db, e) == -1)
		return -1;
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at INTEGER NOT NULL)", e) == -1 ||
	    db_current_version(db, &cur, e) == -1)
		goto out;
	if (sqlite3_prepare_v2(db->h, "INSERT INTO schema_version (version, "
	    "name, applied_at) VALUES (?1, ?2, strftime('%s', 'now'))", -1,
	    &st, NULL) != SQLITE_OK) {
		db_fail(db, SQLITE_ERROR, "prepare migration", e);
		goto out;
	}
	for (i = 0; i < schema_n_migrations; i++) {
		const struct schema_migration *m = &schema_migrations[i];

		if (m->version <= cur)
			continue;
		if (db_exec(db, m->sql, e) == -1)
			goto out;
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, (int)m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(db, SQLITE_ERROR, "record migration", e);
			goto out;
		}
		(*applied)++;
	}
	if (db_commit(db, e) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc == -1)
		db_rollback(db);
	return rc;
}

int
db_schema_check(struct db *db, struct err *e)
{
	unsigned cur;

	if (db_current_version(db, &cur, e) == -1)
		return -1;
	if (schema_n_migrations == 0 ||
	    cur != schema_migrations[schema_n_migrations - 1].version)
		return err_set(e, ERR_UNAVAILABLE,
		    "database schema is at version %u, expected %u "
		    "(run itl-maint migrate)", cur,
		    schema_n_migrations == 0 ? 0 :
		    schema_migrations[schema_n_migrations - 1].version);
	return 0;
}

int
db_ready(struct db *db, struct err *e)
{
	static const char sql[] = "INSERT INTO counters (name, value) "
	    "VALUES ('readyz_probes', 1) ON CONFLICT (name) "
	    "DO UPDATE SET value = value + 1";
	sqlite3_stmt *st;
	int rc;

	if (db_begin(db, e) == -1)
		return -1;
	st = db_stmt(db, sql, e);
	if (st == NULL)
		goto fail;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, "readyz probe", e);
		goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int
db_backup(struct db *db, const char *dest, struct err *e)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b = NULL;
	int rc = -1, step;

	if (sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		err_set(e, ERR_INTERNAL, "cannot create the backup file");
		goto out;
	}
	b = sqlite3_backup_init(out, "main", db->h, "main");
	if (b == NULL) {
		err_set(e, ERR_INTERNAL, "backup init failed: %s",
		    sqlite3_errmsg(out));
		goto out;
	}
	/* copy in steps so writers are not held off for the whole copy */
	do {
		step = sqlite3_backup_step(b, 256);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (step == SQLITE_OK || step == SQLITE_BUSY ||
	    step == SQLITE_LOCKED);
	if (step != SQLITE_DONE) {
		err_set(e, ERR_INTERNAL, "backup failed: %s",
		    sqlite3_errstr(step));
		goto out;
	}
	rc = 0;
out:
	if (b != NULL)
		sqlite3_backup_finish(b);
	sqlite3_close(out);
	return rc;
}

int
db_checkpoint(struct db *db, struct err *e)
{
	int rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail(db, rc, "checkpoint", e);
	return 0;
}
