/*
 * cluster.h - what the cluster and config endpoints share: the cluster a
 * machine belongs to, its secrets opened from their seal, and the
 * machine's full config rendered for Talos (API spec §8).
 */
#ifndef ITL_API_CLUSTER_H
#define ITL_API_CLUSTER_H

#include "api/api.h"
#include "db/db_cluster.h"
#include "talos/render.h"
#include "talos/secrets.h"
#include "talos/talosconfig.h"

/* [a-z0-9-]{1,63}, not starting or ending with '-'. */
bool cluster_id_valid(const char *id, size_t len);
/*
 * Open the cluster's sealed secrets into *out (caller cleanses it).
 * ERR_UNAVAILABLE naming what is missing (no vault key, no secrets, a key
 * that did not seal them).
 */
int cluster_secrets_load(struct req *rq, const char *cluster_id,
    struct talos_secrets *out, struct err *e);
/*
 * Render the full config of machine m into a malloc'd YAML stream:
 * ERR_UNAVAILABLE naming what the cluster lacks. Never half a config.
 */
char *cluster_render_machine(struct req *rq, const struct machine *m,
    struct err *e);

#endif
