/*
 * db.h - the database handle: open with the pragmas of the design (WAL,
 * busy timeout, synchronous), the prepared-statement cache, write
 * transactions (BEGIN IMMEDIATE) and migrations. All SQL of the service
 * lives in db/; one connection per process.
 */
#ifndef ITL_DB_DB_H
#define ITL_DB_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/err.h"

struct db;

struct db_options {
	unsigned busy_timeout_ms;
	bool synchronous_full;
	bool create;		/* create the file if missing (itl-maint init) */
};

/* NULL on failure with e set (ERR_UNAVAILABLE). */
struct db *db_open(const char *path, const struct db_options *o,
    struct err *e);
void db_close(struct db *db);

/* Write transaction: BEGIN IMMEDIATE; busy past the timeout is ERR_UNAVAILABLE. */
int db_begin(struct db *db, struct err *e);
int db_commit(struct db *db, struct err *e);
/* Safe to call when no transaction is open. */
void db_rollback(struct db *db);

/* Apply the embedded migrations that are newer than schema_version. */
int db_migrate(struct db *db, unsigned *applied, struct err *e);
/* 0 when the database holds every embedded migration, -1 otherwise. */
int db_schema_check(struct db *db, struct err *e);
/* A write round trip for /readyz. */
int db_ready(struct db *db, struct err *e);
/* A passive WAL checkpoint (itl-maint tick). */
int db_checkpoint(struct db *db, struct err *e);
/* sqlite3_backup of the live database into a new file. */
int db_backup(struct db *db, const char *dest, struct err *e);

/*
 * For db modules only: the cached statement for sql (the pointer is the key;
 * pass the module's static string), reset and with bindings cleared.
 */
sqlite3_stmt *db_stmt(struct db *db, const char *sql, struct err *e);
/* Step a statement that returns no row, reset it, map a failure to e. */
int db_step_done(struct db *db, sqlite3_stmt *st, const char *what,
    struct err *e);
/* Run a DELETE whose ?1 is a time cutoff; *n = rows deleted (tick purges). */
int db_purge_before(struct db *db, const char *sql, int64_t cutoff,
    int64_t *n, const char *what, struct err *e);
/* Map a failed sqlite3 result to e: BUSY/LOCKED → unavailable, else internal. */
int db_fail(struct db *db, int rc, const char *what, struct err *e);
/* Bind text, or NULL when s is NULL or empty. */
int db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s);
/* Copy a text column (or "" for NULL) into out; truncates to out_len - 1. */
void db_column_text(sqlite3_stmt *st, int i, char *out, size_t out_len);
sqlite3 *db_handle(struct db *db);

#endif
