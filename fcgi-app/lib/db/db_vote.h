/*
 * db_vote.h - dual-control approval votes (API spec §6).
 */
#ifndef ITL_DB_DB_VOTE_H
#define ITL_DB_DB_VOTE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/limits.h"
#include "db/db.h"

struct vote {
	int64_t id;
	char actor[LIMIT_ACTOR_BYTES + 1];
	char role[16];
	char hostname[LIMIT_HOSTNAME_BYTES + 1];
	char assigned_ip[LIMIT_IP_BYTES + 1];
	char gateway[LIMIT_IP_BYTES + 1];
	char install_disk[LIMIT_DISK_BYTES + 1];
	char cluster_id[64];
	int64_t created_at;
	int64_t expires_at;
	int64_t consumed_at;	/* 0 = open */
};

int db_vote_insert(struct db *db, const char *machine_id,
    const struct vote *v, struct err *e);
/* An open, unexpired vote by actor for this machine exists. */
int db_vote_has_open(struct db *db, const char *machine_id, const char *actor,
    int64_t now, bool *has, struct err *e);
/* Distinct actors with an open, unexpired vote equal to v (role, hostname, IPs, disk, cluster). */
int db_vote_count_agreeing(struct db *db, const char *machine_id,
    const struct vote *v, int64_t now, int64_t *n, struct err *e);
/* Close every open vote of the machine. */
int db_vote_consume(struct db *db, const char *machine_id, int64_t now,
    struct err *e);
/* Newest first; fn returns -1 to stop with an error. */
int db_vote_list(struct db *db, const char *machine_id,
    int (*fn)(const struct vote *v, void *ctx), void *ctx, struct err *e);
int db_vote_delete_machine(struct db *db, const char *machine_id,
    struct err *e);
/* Delete votes that expired (open) or were consumed before cutoff. */
int db_vote_purge(struct db *db, int64_t cutoff, int64_t *n, struct err *e);

#endif
