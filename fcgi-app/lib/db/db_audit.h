/*
 * db_audit.h - the append-only audit log. The hash chain itself is computed
 * by the caller (api/audit.c with verify/digest); this module stores and
 * reads rows. Appends must run inside the write transaction of the change
 * they record, which also serialises the chain.
 */
#ifndef ITL_DB_DB_AUDIT_H
#define ITL_DB_DB_AUDIT_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

struct audit_row {
	int64_t id;
	const char *ts;		/* borrowed: valid during the callback only */
	const char *actor;
	const char *action;
	const char *machine_id;	/* NULL when the entry names no machine */
	const char *detail;	/* canonical JSON object */
	const char *prev_hash;
	const char *hash;
};

struct audit_filter {
	const char *machine_id;	/* NULL = any */
	const char *action;
	const char *actor;
	const char *since;	/* RFC 3339, inclusive; NULL = open */
	const char *until;	/* RFC 3339, exclusive */
	int64_t before_id;	/* cursor: list ids below this; 0 = newest */
	unsigned limit;
};

/* Id and hash of the newest entry: (0, "") for an empty log. */
int db_audit_tail(struct db *db, int64_t *id, char hash[65], struct err *e);
int db_audit_insert(struct db *db, const struct audit_row *r, struct err *e);
/* Newest first, up to f->limit + 1 rows. */
int db_audit_list(struct db *db, const struct audit_filter *f,
    int (*fn)(const struct audit_row *r, void *ctx), void *ctx,
    struct err *e);
/* Oldest first, every row (for /audit/verify). */
int db_audit_walk(struct db *db,
    int (*fn)(const struct audit_row *r, void *ctx), void *ctx,
    struct err *e);
int db_audit_count(struct db *db, int64_t *n, struct err *e);

#endif
