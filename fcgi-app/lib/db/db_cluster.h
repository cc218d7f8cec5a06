/*
 * db_cluster.h - Talos clusters: settings rows and the sealed secrets
 * bundle of each (the bytes are opaque here: verify/seal opens them).
 */
#ifndef ITL_DB_DB_CLUSTER_H
#define ITL_DB_DB_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

/* a bundle of LIMIT_BODY_BYTES plus the seal tag */
#define CLUSTER_SECRETS_MAX (64 * 1024 + 64)

struct cluster {
	char id[64];
	char name[128];
	char endpoint[256];		/* "" when unset */
	char talos_version[32];
	char kubernetes_version[32];
	char installer_image[256];
	char install_disk[128];
	int64_t created_at;
	int64_t updated_at;
	bool has_secrets;		/* filled by db_cluster_get/list */
	char secrets_source[16];
};

struct cluster_sealed {
	char key_id[17];
	uint8_t nonce[12];
	uint8_t *ct;			/* caller-owned buffer */
	size_t ct_len;
	size_t ct_cap;
	char source[16];
};

int db_cluster_get(struct db *db, const char *id, struct cluster *c,
    bool *found, struct err *e);
/* Insert or update every setting. */
int db_cluster_put(struct db *db, const struct cluster *c, struct err *e);
int db_cluster_list(struct db *db,
    int (*fn)(const struct cluster *c, void *ctx), void *ctx, struct err *e);
/* Replace the cluster's sealed secrets. */
int db_cluster_secrets_put(struct db *db, const char *id,
    const struct cluster_sealed *s, int64_t now, struct err *e);
/* *found false when the cluster has none; s->ct must hold CLUSTER_SECRETS_MAX. */
int db_cluster_secrets_get(struct db *db, const char *id,
    struct cluster_sealed *s, bool *found, struct err *e);

#endif
