/*
 * api.h - the endpoint layer: the application context every handler gets
 * through rq->app, the route table, and the helpers the endpoint files share
 * (EK input of §1, MachineDetail output, audit append, token issue).
 */
#ifndef ITL_API_API_H
#define ITL_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cfg/cfg.h"
#include "db/db.h"
#include "db/db_machine.h"
#include "http/http.h"
#include "verify/digest.h"
#include "verify/ek.h"
#include "verify/ek_chain.h"
#include "api/metrics.h"

#define APP_CA_PEM_MAX 16384

struct app {
	struct db *db;
	const struct cfg *cfg;
	bool has_admin_token;
	uint8_t admin_token_sha256[DIGEST_SHA256_BYTES];
	bool has_vault_key;		/* ITL_VAULT_KEY_FILE: seals cluster secrets */
	uint8_t vault_key[32];
	char vault_key_id[17];
	char *service_ca_pem;		/* ITL_SERVICE_CA_FILE, NULL when unset */
	struct ek_anchor_set *anchors;	/* ITL_TPM_CA_BUNDLE with ITL_EK_TRUST=chain */
	struct metrics *metrics;	/* shared by every worker; may be NULL */
};

extern const struct route api_routes[];
extern const size_t api_n_routes;
extern const struct http_hooks api_hooks;

#define APP(rq) ((struct app *)(rq)->app)

/* §1 request fields, decoded and checked. Strings live in the arena; NULL = absent. */
struct ek_in {
	struct ek_info ek;
	const char *hw_uuid;
	const char *hw_mac;	/* normalised aa:bb:cc:dd:ee:ff */
	const char *hw_serial;
	const char *hw_product;
	const char *desired_role;	/* validated; default worker-app */
	const char *trust;		/* "chain" (verified) or "none" */
	bool needs_known;		/* chain mode, bare key: must be known (§1) */
};

int ek_in_decode(struct req *rq, json_t *body, struct ek_in *in,
    struct err *e);
bool role_is_valid(const char *role);
/*
 * With ITL_EK_TRUST=chain, a bare public key is accepted only for a machine
 * an operator imported or whose certificate chained before (§1):
 * ERR_EK_UNTRUSTED otherwise. found/m: the machine of that EK, if any.
 */
int ek_in_trusted(const struct ek_in *in, const struct machine *m,
    bool found, struct err *e);

/* Optional string member: 0 absent (NULL), -1 wrong type or too long (422). */
int json_opt_string(json_t *obj, const char *key, size_t max,
    struct req *rq, const char **out, struct err *e);

/* MachineDetail (§6). */
json_t *machine_detail_json(const struct machine *m);
/* Field of a time: RFC 3339 or JSON null for 0. */
json_t *json_time(int64_t t);

/* Path parameter i as a machine id; ERR_NOT_FOUND when it is not a UUID. */
int path_machine_id(struct req *rq, size_t i, char out[UUID_BYTES],
    struct err *e);
/* Load the machine inside the current transaction: ERR_NOT_FOUND. */
int machine_load(struct req *rq, const char *id, struct machine *m,
    struct err *e);

/*
 * Append one audit entry (hash-chained) inside the caller's transaction.
 * detail is stolen (may be NULL for {}). actor NULL = rq->actor or "machine".
 */
int audit_append(struct req *rq, const char *actor, const char *action,
    const char *machine_id, json_t *detail, struct err *e);
/* Standard event data (§10.2): machine_id, ek_fingerprint, status, role, hostname, actor. */
json_t *event_data(const struct machine *m, const char *actor);

/*
 * Issue a boot or config token for m: 32 random bytes, b64url, only the
 * SHA-256 stored; the previous token of that kind is superseded. token_out
 * gets the token (44 bytes with NUL), url_out the config URL (arena).
 */
#define TOKEN_B64_BYTES 44
int token_issue(struct req *rq, const struct machine *m, int kind,
    char token_out[TOKEN_B64_BYTES], const char **url_out, struct err *e);

/*
 * Insert a new machine from §1 input and audit machine.registered, inside
 * the caller's transaction. hostname may be NULL.
 */
int machine_create(struct req *rq, const struct ek_in *in,
    enum machine_status status, const char *path, const char *hostname,
    const char *actor, struct machine *m, struct err *e);

/*
 * The ISO for a machine whose boot token is in config_url: ITL_ISO_URL,
 * else the Image Factory (§7). *iso NULL and *why the reason on failure.
 * Call it outside any transaction: it may wait on the network.
 */
void iso_for(struct req *rq, const char *config_url, const char **iso,
    const char **why);

/* Handlers (one file per endpoint group). */
int api_healthz_get(struct req *rq, struct resp *rs, struct err *e);
int api_readyz_get(struct req *rq, struct resp *rs, struct err *e);
int api_metrics_get(struct req *rq, struct resp *rs, struct err *e);
int api_register_post(struct req *rq, struct resp *rs, struct err *e);
int api_self_register_post(struct req *rq, struct resp *rs, struct err *e);
int api_challenge_get(struct req *rq, struct resp *rs, struct err *e);
int api_attest_post(struct req *rq, struct resp *rs, struct err *e);
int api_machines_list(struct req *rq, struct resp *rs, struct err *e);
int api_machines_get(struct req *rq, struct resp *rs, struct err *e);
int api_machines_approve(struct req *rq, struct resp *rs, struct err *e);
int api_machines_reject(struct req *rq, struct resp *rs, struct err *e);
int api_machines_lock(struct req *rq, struct resp *rs, struct err *e);
int api_machines_unlock(struct req *rq, struct resp *rs, struct err *e);
int api_machines_revoke(struct req *rq, struct resp *rs, struct err *e);
int api_machines_delete(struct req *rq, struct resp *rs, struct err *e);
int api_machines_approvals(struct req *rq, struct resp *rs, struct err *e);
int api_machines_import(struct req *rq, struct resp *rs, struct err *e);
int api_machines_ak_activate(struct req *rq, struct resp *rs,
    struct err *e);
int api_machines_pcr_policy(struct req *rq, struct resp *rs, struct err *e);
int api_clusters_list(struct req *rq, struct resp *rs, struct err *e);
int api_clusters_get(struct req *rq, struct resp *rs, struct err *e);
int api_clusters_put(struct req *rq, struct resp *rs, struct err *e);
int api_clusters_secrets(struct req *rq, struct resp *rs, struct err *e);
int api_clusters_bootstrap(struct req *rq, struct resp *rs, struct err *e);
int api_clusters_talosconfig(struct req *rq, struct resp *rs, struct err *e);
int api_config_token_get(struct req *rq, struct resp *rs, struct err *e);
int api_config_query_get(struct req *rq, struct resp *rs, struct err *e);
int api_audit_list(struct req *rq, struct resp *rs, struct err *e);
int api_audit_verify(struct req *rq, struct resp *rs, struct err *e);

/* The response of /self-register and /register for an existing record. */
json_t *registration_json(const struct machine *m, const char *message,
    unsigned poll_after_s);

#endif
