/*
 * db_machine.h - the machines table: one typed record per machine, looked up
 * by id or EK fingerprint, inserted, updated as a whole, listed with filters
 * and a cursor, deleted. Callers own every struct; nothing points into
 * SQLite memory after a call returns.
 */
#ifndef ITL_DB_DB_MACHINE_H
#define ITL_DB_DB_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/rand.h"
#include "db/db.h"

enum machine_status {
	MS_REGISTERED,
	MS_PENDING_APPROVAL,
	MS_APPROVED,
	MS_ATTESTED,
	MS_LOCKED,
	MS_REVOKED,
	MS_REJECTED,
	MS__COUNT
};

struct machine {
	int64_t seq;
	char id[UUID_BYTES];
	char ek_fingerprint[65];
	char ek_source[8];
	char ek_cert_sha256[65];
	char ek_subject[256];
	char ek_issuer[256];
	char ek_trust[16];
	char hw_uuid[LIMIT_HW_FIELD_BYTES + 1];
	char hw_mac[LIMIT_HW_FIELD_BYTES + 1];
	char hw_serial[LIMIT_HW_FIELD_BYTES + 1];
	char hw_product[LIMIT_HW_FIELD_BYTES + 1];
	char role[16];
	enum machine_status status;
	bool has_prev_status;
	enum machine_status prev_status;
	char hostname[LIMIT_HOSTNAME_BYTES + 1];
	char assigned_ip[LIMIT_IP_BYTES + 1];
	char gateway[LIMIT_IP_BYTES + 1];
	char install_disk[LIMIT_DISK_BYTES + 1];
	char cluster_id[64];
	char registration_path[8];
	int64_t registered_at;	/* times: Unix seconds, 0 = never */
	int64_t approved_at;
	char approved_by[LIMIT_ACTOR_BYTES + 1];
	int64_t attested_at;
	int64_t last_seen_at;
	int64_t locked_at;
	int64_t revoked_at;
	bool wipe_pending;
	int64_t wipe_issued_at;
	int64_t config_generation;
	int64_t config_delivered_generation;
	int64_t config_delivered_at;
};

/* EK bytes stored with a new machine (not part of struct machine). */
struct machine_ek {
	const uint8_t *spki;
	size_t spki_len;
	const uint8_t *cert;	/* NULL for pub material */
	size_t cert_len;
};

struct machine_filter {
	int status;		/* enum machine_status, or -1 */
	const char *role;	/* NULL = any */
	const char *q;		/* prefix of hostname, serial or fingerprint */
	int64_t after_seq;	/* cursor: seq of the last item seen, 0 = start */
	unsigned limit;
};

const char *machine_status_name(enum machine_status s);
/* -1 when name is not a status. */
int machine_status_parse(const char *name, size_t len);

/* 0 and *found = true/false; -1 on a database error. */
int db_machine_by_id(struct db *db, const char *id, struct machine *m,
    bool *found, struct err *e);
int db_machine_by_fingerprint(struct db *db, const char *fp,
    struct machine *m, bool *found, struct err *e);
int db_machine_insert(struct db *db, struct machine *m,
    const struct machine_ek *ek, struct err *e);
/* Write every mutable column of m (by id). */
int db_machine_update(struct db *db, const struct machine *m, struct err *e);
int db_machine_delete(struct db *db, const char *id, struct err *e);
/*
 * Call fn for up to f->limit + 1 machines in seq order (the extra one tells
 * the caller there is a next page). fn returns -1 to stop with an error.
 */
int db_machine_list(struct db *db, const struct machine_filter *f,
    int (*fn)(const struct machine *m, void *ctx), void *ctx,
    struct err *e);
/* Count machines per status into counts[MS__COUNT]. */
int db_machine_count_by_status(struct db *db, int64_t counts[MS__COUNT],
    struct err *e);

#endif
