/*
 * api_clusters.c - Talos clusters (API spec §6): import a `talosctl gen
 * secrets` bundle, bootstrap one natively, settings, and the views that
 * never show a secret. The bundle is sealed (AES-256-GCM, AAD naming the
 * cluster) under the vault key before it reaches the database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/cluster.h"
#include "core/str.h"
#include "verify/seal.h"

#define CLUSTER_AAD_PREFIX "itl-cluster-secrets-v1|"

bool
cluster_id_valid(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || id[0] == '-' || id[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
			return false;
	return true;
}

static int
path_cluster_id(struct req *rq, char out[64], struct err *e)
{
	if (rq->params[0] == NULL ||
	    !cluster_id_valid(rq->params[0], rq->param_lens[0]))
		return err_set(e, ERR_NOT_FOUND, "no such cluster");
	memcpy(out, rq->params[0], rq->param_lens[0]);
	out[rq->param_lens[0]] = '\0';
	return 0;
}

static void
cluster_aad(const char *id, char *out, size_t out_len)
{
	snprintf(out, out_len, "%s%s", CLUSTER_AAD_PREFIX, id);
}

int
cluster_secrets_load(struct req *rq, const char *cluster_id,
    struct talos_secrets *out, struct err *e)
{
	struct app *app = APP(rq);
	struct cluster_sealed s;
	char aad[128];
	uint8_t *plain = NULL;
	bool found = false;
	struct err pe;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	if (!app->has_vault_key)
		return err_set(e, ERR_UNAVAILABLE,
		    "vault key missing (run itl-maint init)");
	s.ct_cap = CLUSTER_SECRETS_MAX;
	s.ct = malloc(s.ct_cap);
	plain = malloc(CLUSTER_SECRETS_MAX + 1);
	if (s.ct == NULL || plain == NULL)
		abort();
	if (db_cluster_secrets_get(app->db, cluster_id, &s, &found, e) == -1)
		goto out;
	if (!found) {
		err_set(e, ERR_UNAVAILABLE, "cluster %s has no secrets "
		    "(import or bootstrap them)", cluster_id);
		goto out;
	}
	cluster_aad(cluster_id, aad, sizeof(aad));
	err_clear(&pe);
	if (strcmp(s.key_id, app->vault_key_id) != 0 ||
	    seal_open(app->vault_key, aad, strlen(aad), s.nonce, s.ct,
	    s.ct_len, plain, &pe) == -1) {
		err_set(e, ERR_UNAVAILABLE, "cluster secrets do not open with "
		    "the vault key %s", app->vault_key_id);
		goto out;
	}
	plain[s.ct_len - SEAL_TAG_BYTES] = '\0';
	if (talos_secrets_parse((const char *)plain, s.ct_len - SEAL_TAG_BYTES,
	    out, &pe) == -1) {
		err_set(e, ERR_UNAVAILABLE, "stored cluster secrets are invalid");
		goto out;
	}
	rc = 0;
out:
	if (plain != NULL)
		OPENSSL_cleanse(plain, CLUSTER_SECRETS_MAX + 1);
	free(plain);
	free(s.ct);
	return rc;
}

/* Seal secrets.yaml for the cluster and store it (inside the transaction). */
static int
cluster_secrets_store(struct req *rq, const char *cluster_id,
    const char *yaml, const char *source, struct err *e)
{
	struct app *app = APP(rq);
	struct cluster_sealed s;
	size_t len = strlen(yaml);
	char aad[128];
	int rc;

	if (!app->has_vault_key)
		return err_set(e, ERR_UNAVAILABLE,
		    "vault key missing (run itl-maint init)");
	if (len + SEAL_TAG_BYTES > CLUSTER_SECRETS_MAX)
		return err_set(e, ERR_VALIDATION_FAILED, "secrets too large");
	memset(&s, 0, sizeof(s));
	s.ct = malloc(len + SEAL_TAG_BYTES);
	if (s.ct == NULL)
		abort();
	s.ct_len = len + SEAL_TAG_BYTES;
	snprintf(s.key_id, sizeof(s.key_id), "%s", app->vault_key_id);
	snprintf(s.source, sizeof(s.source), "%s", source);
	cluster_aad(cluster_id, aad, sizeof(aad));
	rc = seal(app->vault_key, aad, strlen(aad), (const uint8_t *)yaml, len,
	    s.nonce, s.ct, e);
	if (rc == 0)
		rc = db_cluster_secrets_put(app->db, cluster_id, &s, rq->now, e);
	free(s.ct);
	return rc;
}

/* Defaults of a cluster created by an import or a bootstrap. */
static void
cluster_defaults(struct req *rq, const char *id, struct cluster *c)
{
	const struct cfg *cfg = APP(rq)->cfg;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->name, sizeof(c->name), "%s", id);
	snprintf(c->talos_version, sizeof(c->talos_version), "%s",
	    cfg->talos_version);
	snprintf(c->kubernetes_version, sizeof(c->kubernetes_version), "%s",
	    cfg->kubernetes_version);
	snprintf(c->installer_image, sizeof(c->installer_image), "%s",
	    cfg->installer_image);
	snprintf(c->install_disk, sizeof(c->install_disk), "%s",
	    cfg->install_disk);
	c->created_at = rq->now;
}

/*
 * Settings from a JSON body; absent fields keep their value. When applied
 * is not NULL, the accepted settings are added to it (for the audit entry:
 * never the raw body).
 */
static int
cluster_settings_decode(struct req *rq, json_t *body, struct cluster *c,
    json_t *applied, struct err *e)
{
	static const struct {
		const char *name;
		size_t off, size;
	} fields[] = {
#define CS(k, f) { k, offsetof(struct cluster, f), \
	sizeof(((struct cluster *)0)->f) }
		CS("endpoint", endpoint), CS("cluster_name", name),
		CS("talos_version", talos_version),
		CS("kubernetes_version", kubernetes_version),
		CS("installer_image", installer_image),
		CS("install_disk", install_disk),
#undef CS
	};
	const char *v;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (json_opt_string(body, fields[i].name, fields[i].size - 1, rq,
		    &v, e) == -1)
			return -1;
		if (v == NULL)
			continue;
		if (cfg_cluster_setting_check(fields[i].name, v, why,
		    sizeof(why)) == -1)
			return err_set(e, ERR_VALIDATION_FAILED, "%s", why);
		snprintf((char *)c + fields[i].off, fields[i].size, "%s", v);
		if (applied != NULL)
			json_object_set_new(applied, fields[i].name,
			    json_string(v));
	}
	return 0;
}

/*
 * The configuration file's settings win over the database's (§ settings
 * "from the API or the YAML config file"): apply them to c.
 */
static void
cluster_overlay(const struct cfg_cluster *f, struct cluster *c)
{
	if (f->endpoint[0] != '\0')
		snprintf(c->endpoint, sizeof(c->endpoint), "%s", f->endpoint);
	if (f->cluster_name[0] != '\0')
		snprintf(c->name, sizeof(c->name), "%s", f->cluster_name);
	if (f->talos_version[0] != '\0')
		snprintf(c->talos_version, sizeof(c->talos_version), "%s",
		    f->talos_version);
	if (f->kubernetes_version[0] != '\0')
		snprintf(c->kubernetes_version, sizeof(c->kubernetes_version),
		    "%s", f->kubernetes_version);
	if (f->installer_image[0] != '\0')
		snprintf(c->installer_image, sizeof(c->installer_image), "%s",
		    f->installer_image);
	if (f->install_disk[0] != '\0')
		snprintf(c->install_disk, sizeof(c->install_disk), "%s",
		    f->install_disk);
}

/* A cluster as the API sees it: its row, then the file's settings. */
static int
cluster_get(struct req *rq, const char *id, struct cluster *c, bool *found,
    struct err *e)
{
	const struct cfg_cluster *f = cfg_file_cluster(&APP(rq)->cfg->file, id);

	if (db_cluster_get(APP(rq)->db, id, c, found, e) == -1)
		return -1;
	if (f == NULL)
		return 0;
	if (!*found)
		cluster_defaults(rq, id, c);
	*found = true;
	cluster_overlay(f, c);
	return 0;
}

static json_t *
cluster_json(const struct cluster *c)
{
	json_t *missing = json_array();

	if (c->endpoint[0] == '\0')
		json_array_append_new(missing, json_string("endpoint"));
	if (!c->has_secrets)
		json_array_append_new(missing, json_string("secrets"));
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:b, s:o, s:b, "
	    "s:o, s:o, s:o}",
	    "cluster_id", c->id, "cluster_name", c->name,
	    "endpoint", c->endpoint[0] != '\0' ? json_string(c->endpoint) :
	    json_null(),
	    "talos_version", c->talos_version,
	    "kubernetes_version", c->kubernetes_version,
	    "installer_image", c->installer_image,
	    "install_disk", c->install_disk,
	    "has_secrets", c->has_secrets,
	    "secrets_source", c->has_secrets ? json_string(c->secrets_source) :
	    json_null(),
	    "ready", json_array_size(missing) == 0,
	    "missing", missing,
	    "created_at", json_time(c->created_at),
	    "updated_at", json_time(c->updated_at));
}

/* Load the cluster (or defaults for a new one) inside the transaction. */
static int
cluster_load_or_new(struct req *rq, const char *id, struct cluster *c,
    struct err *e)
{
	bool found = false;

	if (cluster_get(rq, id, c, &found, e) == -1)
		return -1;
	if (!found)
		cluster_defaults(rq, id, c);
	c->updated_at = rq->now;
	return 0;
}

static bool
content_type_is_yaml(const char *ct)
{
	return strncasecmp(ct, "application/yaml", 16) == 0 ||
	    strncasecmp(ct, "application/x-yaml", 18) == 0 ||
	    strncasecmp(ct, "text/yaml", 9) == 0;
}

/* Finish a secrets change: audit, commit, answer the cluster view. */
static int
cluster_commit(struct req *rq, struct resp *rs, const char *id,
    const char *action, struct err *e)
{
	struct app *app = APP(rq);
	struct cluster c;
	bool found;

	if (audit_append(rq, NULL, action, NULL, json_pack("{s:s, s:s}",
	    "cluster_id", id, "actor", rq->actor), e) == -1 ||
	    cluster_get(rq, id, &c, &found, e) == -1 ||
	    db_commit(app->db, e) == -1) {
		db_rollback(app->db);
		return -1;
	}
	return resp_json_new(rs, 200, cluster_json(&c), e);
}

int
api_clusters_secrets(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct talos_secrets *sec = NULL;
	struct cluster c;
	char id[64];
	char *yaml = NULL;
	int rc = -1;

	if (path_cluster_id(rq, id, e) == -1)
		return -1;
	if (!content_type_is_yaml(rq->content_type))
		return err_set(e, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "content-type must be application/yaml");
	sec = calloc(1, sizeof(*sec));
	if (sec == NULL)
		abort();
	/* parse to check it, then store the canonical form we emit */
	if (talos_secrets_parse((const char *)rq->body, rq->body_len, sec,
	    e) == -1)
		goto out;
	yaml = talos_secrets_emit(sec, e);
	if (yaml == NULL || db_begin(app->db, e) == -1)
		goto out;
	if (cluster_load_or_new(rq, id, &c, e) == -1 ||
	    db_cluster_put(app->db, &c, e) == -1 ||
	    cluster_secrets_store(rq, id, yaml, "import", e) == -1) {
		db_rollback(app->db);
		goto out;
	}
	rc = cluster_commit(rq, rs, id, "cluster.secrets_imported", e);
out:
	if (yaml != NULL) {
		OPENSSL_cleanse(yaml, strlen(yaml));
		free(yaml);
	}
	if (sec != NULL) {
		talos_secrets_cleanse(sec);
		free(sec);
	}
	return rc;
}

int
api_clusters_bootstrap(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct talos_secrets *sec = NULL;
	struct cluster c, cur;
	json_t *body = NULL;
	bool found = false;
	char id[64];
	char *yaml = NULL;
	int rc = -1;

	if (path_cluster_id(rq, id, e) == -1 ||
	    http_json_body(rq, &body, e) == -1)
		goto out;
	cluster_defaults(rq, id, &c);
	if (cluster_get(rq, id, &cur, &found, e) == -1)
		goto out;
	if (found)
		c = cur;
	if (found && cur.has_secrets) {
		err_set(e, ERR_INVALID_STATE, "cluster %s already has secrets",
		    id);
		goto out;
	}
	if (cluster_settings_decode(rq, body, &c, NULL, e) == -1)
		goto out;
	if (c.endpoint[0] == '\0') {
		err_set(e, ERR_VALIDATION_FAILED, "endpoint is required");
		goto out;
	}
	/* key generation (RSA-4096) runs before the write lock is taken */
	sec = calloc(1, sizeof(*sec));
	if (sec == NULL)
		abort();
	if (talos_secrets_generate(c.name, sec, e) == -1)
		goto out;
	yaml = talos_secrets_emit(sec, e);
	if (yaml == NULL || db_begin(app->db, e) == -1)
		goto out;
	c.updated_at = rq->now;
	/*
	 * another operator may have bootstrapped it, or changed its settings,
	 * while we generated: start again from the row as it is now
	 */
	if (cluster_get(rq, id, &cur, &found, e) == -1)
		goto out_rollback;
	if (found && cur.has_secrets) {
		err_set(e, ERR_INVALID_STATE, "cluster %s already has secrets",
		    id);
		goto out_rollback;
	}
	if (!found)
		cluster_defaults(rq, id, &cur);
	cur.updated_at = rq->now;
	if (cluster_settings_decode(rq, body, &cur, NULL, e) == -1)
		goto out_rollback;
	c = cur;
	if (db_cluster_put(app->db, &c, e) == -1 ||
	    cluster_secrets_store(rq, id, yaml, "bootstrap", e) == -1)
		goto out_rollback;
	rc = cluster_commit(rq, rs, id, "cluster.bootstrapped", e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	if (yaml != NULL) {
		OPENSSL_cleanse(yaml, strlen(yaml));
		free(yaml);
	}
	if (sec != NULL) {
		talos_secrets_cleanse(sec);
		free(sec);
	}
	return rc;
}

int
api_clusters_put(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct cluster c;
	json_t *body = NULL, *d = NULL;
	bool found = false;
	char id[64];
	int rc = -1;

	if (path_cluster_id(rq, id, e) == -1 ||
	    http_json_body(rq, &body, e) == -1 ||
	    db_begin(app->db, e) == -1)
		goto out;
	d = json_pack("{s:s, s:s}", "cluster_id", id, "actor", rq->actor);
	if (cluster_load_or_new(rq, id, &c, e) == -1 ||
	    cluster_settings_decode(rq, body, &c, d, e) == -1 ||
	    db_cluster_put(app->db, &c, e) == -1)
		goto out_rollback;
	rc = audit_append(rq, NULL, "cluster.updated", NULL, d, e);
	d = NULL;	/* audit_append took it */
	if (rc == -1 || cluster_get(rq, id, &c, &found, e) == -1 ||
	    db_commit(app->db, e) == -1) {
		rc = -1;
		goto out_rollback;
	}
	rc = resp_json_new(rs, 200, cluster_json(&c), e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(d);
	json_decref(body);
	return rc;
}

struct cluster_list_ctx {
	struct req *rq;
	json_t *items;
};

static int
cluster_list_one(const struct cluster *c, void *vctx)
{
	struct cluster_list_ctx *ctx = vctx;
	const struct cfg_cluster *f = cfg_file_cluster(&APP(ctx->rq)->cfg->file,
	    c->id);
	struct cluster v = *c;

	if (f != NULL)
		cluster_overlay(f, &v);
	return json_array_append_new(ctx->items, cluster_json(&v));
}

int
api_clusters_list(struct req *rq, struct resp *rs, struct err *e)
{
	const struct cfg_file *file = &APP(rq)->cfg->file;
	struct cluster_list_ctx ctx = { .rq = rq, .items = json_array() };
	struct cluster c;
	bool found;
	unsigned i;

	if (db_cluster_list(APP(rq)->db, cluster_list_one, &ctx, e) == -1)
		goto fail;
	/* clusters the file defines and the database does not know yet */
	for (i = 0; i < file->n_clusters; i++) {
		if (db_cluster_get(APP(rq)->db, file->clusters[i].id, &c, &found,
		    e) == -1)
			goto fail;
		if (found)
			continue;
		cluster_defaults(rq, file->clusters[i].id, &c);
		cluster_overlay(&file->clusters[i], &c);
		json_array_append_new(ctx.items, cluster_json(&c));
	}
	return resp_json_new(rs, 200, json_pack("{s:o}", "items", ctx.items), e);
fail:
	json_decref(ctx.items);
	return -1;
}

int
api_clusters_get(struct req *rq, struct resp *rs, struct err *e)
{
	struct cluster c;
	bool found = false;
	char id[64];

	if (path_cluster_id(rq, id, e) == -1 ||
	    cluster_get(rq, id, &c, &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, ERR_NOT_FOUND, "no such cluster");
	return resp_json_new(rs, 200, cluster_json(&c), e);
}

static enum talos_version
talos_version_of(const char *v)
{
	return strncmp(v, "v1.12.", 6) == 0 ? TALOS_V1_12 : TALOS_V1_13;
}

char *
cluster_render_machine(struct req *rq, const struct machine *m, struct err *e)
{
	const char *cid = m->cluster_id[0] != '\0' ? m->cluster_id :
	    APP(rq)->cfg->default_cluster;
	struct talos_secrets *sec = NULL;
	struct talos_cluster tc;
	struct talos_machine tm;
	struct cluster c;
	bool found = false;
	char *out = NULL;

	if (cluster_get(rq, cid, &c, &found, e) == -1)
		return NULL;
	if (!found) {
		err_set(e, ERR_UNAVAILABLE, "cluster %s is not set up", cid);
		return NULL;
	}
	sec = calloc(1, sizeof(*sec));
	if (sec == NULL)
		abort();
	if (cluster_secrets_load(rq, cid, sec, e) == -1)
		goto out;
	memset(&tc, 0, sizeof(tc));
	tc.name = c.name;
	tc.endpoint = c.endpoint[0] != '\0' ? c.endpoint : NULL;
	tc.version = talos_version_of(c.talos_version);
	tc.talos_version = c.talos_version;
	tc.kubernetes_version = c.kubernetes_version;
	tc.installer_image = c.installer_image;
	tc.install_disk = c.install_disk;
	tc.secrets = sec;
	memset(&tm, 0, sizeof(tm));
	tm.machine_id = m->id;
	tm.ek_fingerprint = m->ek_fingerprint;
	tm.role = m->role;
	tm.hostname = m->hostname[0] != '\0' ? m->hostname : NULL;
	tm.mac = m->hw_mac[0] != '\0' ? m->hw_mac : NULL;
	tm.address = m->assigned_ip[0] != '\0' ? m->assigned_ip : NULL;
	tm.gateway = m->gateway[0] != '\0' ? m->gateway : NULL;
	tm.install_disk = m->install_disk[0] != '\0' ? m->install_disk : NULL;
	out = talos_render_machine(&tc, &tm, e);
out:
	talos_secrets_cleanse(sec);
	free(sec);
	return out;
}

/* The host of https://host:port/... (bracketed IPv6 kept as is). */
static void
endpoint_host(const char *url, char *out, size_t out_len)
{
	const char *p = url + strlen("https://"), *end;

	end = p[0] == '[' ? strchr(p, ']') : strpbrk(p, ":/");
	if (end != NULL && p[0] == '[')
		end++;
	if (end == NULL)
		end = p + strlen(p);
	snprintf(out, out_len, "%.*s", (int)(end - p), p);
}

int
api_clusters_talosconfig(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct talos_secrets *sec = NULL;
	struct cluster c;
	bool found = false;
	char id[64], host[256];
	char *yaml = NULL;
	int rc = -1;

	if (path_cluster_id(rq, id, e) == -1 ||
	    cluster_get(rq, id, &c, &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, ERR_NOT_FOUND, "no such cluster");
	if (c.endpoint[0] == '\0')
		return err_set(e, ERR_UNAVAILABLE, "cluster %s has no endpoint",
		    id);
	sec = calloc(1, sizeof(*sec));
	if (sec == NULL)
		abort();
	if (cluster_secrets_load(rq, id, sec, e) == -1)
		goto out;
	endpoint_host(c.endpoint, host, sizeof(host));
	yaml = talos_talosconfig(c.name, host, sec, rq->now, e);
	if (yaml == NULL || db_begin(app->db, e) == -1)
		goto out;
	/* handing out an admin credential is recorded before it leaves */
	if (audit_append(rq, NULL, "cluster.talosconfig_issued", NULL,
	    json_pack("{s:s, s:s}", "cluster_id", id, "actor", rq->actor),
	    e) == -1 || db_commit(app->db, e) == -1) {
		db_rollback(app->db);
		goto out;
	}
	rc = resp_text(rs, 200, "application/yaml", yaml, strlen(yaml), e);
out:
	if (yaml != NULL) {
		OPENSSL_cleanse(yaml, strlen(yaml));
		free(yaml);
	}
	talos_secrets_cleanse(sec);
	free(sec);
	return rc;
}
