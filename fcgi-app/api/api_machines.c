/*
 * api_machines.c - operator endpoints for machines (API spec §2, §6): list,
 * detail, approve (with dual control), reject, lock, unlock, revoke, delete,
 * approvals and import. Every state change commits with its audit entry.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/cluster.h"
#include "api/proof.h"
#include "core/str.h"
#include "db/db_token.h"
#include "db/db_vote.h"

/* ---- list and detail ---- */

struct list_ctx {
	json_t *items;
	unsigned limit;
	unsigned n;
	int64_t last_seq;
	bool more;
};

static int
list_one(const struct machine *m, void *vctx)
{
	struct list_ctx *c = vctx;

	if (c->n == c->limit) {
		c->more = true;
		return 0;
	}
	c->n++;
	c->last_seq = m->seq;
	return json_array_append_new(c->items, machine_detail_json(m));
}

/* Query parameter as an unsigned integer in [min, max]; absent keeps *out. */
static int
query_uint(struct req *rq, const char *name, uint64_t min, uint64_t max,
    uint64_t *out, struct err *e)
{
	const char *v;
	size_t len;
	int rc = http_query_get(rq, name, &v, &len, e);

	if (rc != 0)
		return rc == 1 ? 0 : -1;
	if (str_to_u64(v, len, min, max, out) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s must be a whole number from %llu to %llu", name,
		    (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int
query_str(struct req *rq, const char *name, size_t max, const char **out,
    struct err *e)
{
	size_t len;
	int rc = http_query_get(rq, name, out, &len, e);

	if (rc == 1) {
		*out = NULL;
		return 0;
	}
	if (rc == -1)
		return -1;
	if (len > max)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s longer than %zu bytes", name, max);
	if (len == 0)
		*out = NULL;
	return 0;
}

int
api_machines_list(struct req *rq, struct resp *rs, struct err *e)
{
	struct machine_filter f = { .status = -1 };
	struct list_ctx c = { 0 };
	const char *status;
	uint64_t limit = LIMIT_LIST_DEFAULT, cursor = 0;
	char next[24];
	json_t *out;

	if (query_str(rq, "status", 32, &status, e) == -1 ||
	    query_str(rq, "role", 32, &f.role, e) == -1 ||
	    query_str(rq, "q", 128, &f.q, e) == -1 ||
	    query_uint(rq, "limit", 1, LIMIT_LIST_MAX, &limit, e) == -1 ||
	    query_uint(rq, "cursor", 0, INT64_MAX, &cursor, e) == -1)
		return -1;
	if (status != NULL) {
		f.status = machine_status_parse(status, strlen(status));
		if (f.status < 0)
			return err_set(e, ERR_VALIDATION_FAILED,
			    "status is not a machine state");
	}
	if (f.role != NULL && !role_is_valid(f.role))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "role must be controlplane, worker-infra or worker-app");
	f.after_seq = (int64_t)cursor;
	f.limit = (unsigned)limit;
	c.items = json_array();
	c.limit = f.limit;
	if (db_machine_list(APP(rq)->db, &f, list_one, &c, e) == -1) {
		json_decref(c.items);
		return -1;
	}
	snprintf(next, sizeof(next), "%lld", (long long)c.last_seq);
	out = json_pack("{s:o, s:o}", "items", c.items, "next_cursor",
	    c.more ? json_string(next) : json_null());
	return resp_json_new(rs, 200, out, e);
}

int
api_machines_get(struct req *rq, struct resp *rs, struct err *e)
{
	struct pcr_set *policy = NULL;
	struct ak_row ak;
	bool has_ak = false;
	struct machine m;
	char id[UUID_BYTES];
	json_t *d;

	if (path_machine_id(rq, 0, id, e) == -1 ||
	    machine_load(rq, id, &m, e) == -1)
		return -1;
	d = machine_detail_json(&m);
	json_object_set_new(d, "ek", json_pack("{s:s, s:o, s:o, s:o, s:s}",
	    "source", m.ek_source,
	    "cert_subject", m.ek_subject[0] != '\0' ?
	    json_string(m.ek_subject) : json_null(),
	    "cert_issuer", m.ek_issuer[0] != '\0' ?
	    json_string(m.ek_issuer) : json_null(),
	    "cert_sha256", m.ek_cert_sha256[0] != '\0' ?
	    json_string(m.ek_cert_sha256) : json_null(),
	    "trust", m.ek_trust));
	if (db_ak_get(APP(rq)->db, id, &ak, &has_ak, e) == -1 ||
	    effective_policy_load(rq, &m, &policy, e) == -1) {
		json_decref(d);
		return -1;
	}
	json_object_set_new(d, "ak", has_ak ? json_pack("{s:s, s:s, s:o}",
	    "name", ak.name, "alg", ak.alg, "activated_at",
	    json_time(ak.activated_at)) : json_null());
	json_object_set_new(d, "pcr_policy", policy_json(policy));
	json_object_set_new(d, "last_attestation", json_pack("{s:o}", "at",
	    json_time(m.attested_at)));
	json_object_set_new(d, "gateway", m.gateway[0] != '\0' ?
	    json_string(m.gateway) : json_null());
	json_object_set_new(d, "install_disk", m.install_disk[0] != '\0' ?
	    json_string(m.install_disk) : json_null());
	json_object_set_new(d, "config_generation",
	    json_integer(m.config_generation));
	json_object_set_new(d, "config_delivered_at",
	    json_time(m.config_delivered_at));
	return resp_json_new(rs, 200, d, e);
}

/* ---- state changes: one transaction each ---- */

/* Body of a state change: parsed, then the machine loaded under the write lock. */
struct change {
	json_t *body;
	char id[UUID_BYTES];
	struct machine m;
	const char *reason;
};

static int
change_begin(struct req *rq, struct change *c, bool reason_required,
    struct err *e)
{
	memset(c, 0, sizeof(*c));
	if (path_machine_id(rq, 0, c->id, e) == -1 ||
	    http_json_body(rq, &c->body, e) == -1 ||
	    json_opt_string(c->body, "reason", LIMIT_REASON_BYTES, rq,
	    &c->reason, e) == -1)
		return -1;
	if (reason_required && (c->reason == NULL || c->reason[0] == '\0'))
		return err_set(e, ERR_VALIDATION_FAILED, "reason is required");
	if (db_begin(APP(rq)->db, e) == -1)
		return -1;
	if (machine_load(rq, c->id, &c->m, e) == -1) {
		db_rollback(APP(rq)->db);
		return -1;
	}
	return 0;
}

/* Write the machine, its audit entry, commit, answer MachineDetail. */
static int
change_finish(struct req *rq, struct resp *rs, struct change *c,
    const char *action, json_t *extra, struct err *e)
{
	struct app *app = APP(rq);
	json_t *d = event_data(&c->m, rq->actor);

	if (c->reason != NULL)
		json_object_set_new(d, "reason", json_string(c->reason));
	if (extra != NULL)
		json_object_update(d, extra);
	json_decref(extra);
	if (db_machine_update(app->db, &c->m, e) == -1 ||
	    audit_append(rq, NULL, action, c->m.id, d, e) == -1 ||
	    db_commit(app->db, e) == -1) {
		db_rollback(app->db);
		return -1;
	}
	return resp_json_new(rs, 200, machine_detail_json(&c->m), e);
}

static int
change_refuse(struct req *rq, struct change *c, const char *what,
    struct err *e)
{
	db_rollback(APP(rq)->db);
	return err_set(e, ERR_INVALID_STATE, "cannot %s a machine that is %s",
	    what, machine_status_name(c->m.status));
}

int
api_machines_reject(struct req *rq, struct resp *rs, struct err *e)
{
	struct change c;
	int rc = -1;

	if (change_begin(rq, &c, true, e) == -1)
		goto out;
	if (c.m.status != MS_REGISTERED && c.m.status != MS_PENDING_APPROVAL) {
		change_refuse(rq, &c, "reject", e);
		goto out;
	}
	c.m.status = MS_REJECTED;
	if (db_token_supersede_all(APP(rq)->db, c.m.id, rq->now, e) == -1 ||
	    db_vote_consume(APP(rq)->db, c.m.id, rq->now, e) == -1) {
		db_rollback(APP(rq)->db);
		goto out;
	}
	rc = change_finish(rq, rs, &c, "machine.rejected", NULL, e);
out:
	json_decref(c.body);
	return rc;
}

int
api_machines_lock(struct req *rq, struct resp *rs, struct err *e)
{
	struct change c;
	int rc = -1;

	if (change_begin(rq, &c, false, e) == -1)
		goto out;
	if (c.m.status == MS_LOCKED || c.m.status == MS_REVOKED ||
	    c.m.status == MS_REJECTED) {
		change_refuse(rq, &c, "lock", e);
		goto out;
	}
	c.m.prev_status = c.m.status;
	c.m.has_prev_status = true;
	c.m.status = MS_LOCKED;
	c.m.locked_at = rq->now;
	if (db_token_supersede_all(APP(rq)->db, c.m.id, rq->now, e) == -1) {
		db_rollback(APP(rq)->db);
		goto out;
	}
	rc = change_finish(rq, rs, &c, "machine.locked", json_pack("{s:s}",
	    "previous_status", machine_status_name(c.m.prev_status)), e);
out:
	json_decref(c.body);
	return rc;
}

int
api_machines_unlock(struct req *rq, struct resp *rs, struct err *e)
{
	struct change c;
	int rc = -1;

	if (change_begin(rq, &c, false, e) == -1)
		goto out;
	if (c.m.status != MS_LOCKED) {
		change_refuse(rq, &c, "unlock", e);
		goto out;
	}
	/* back to the state held before the lock (§2) */
	c.m.status = c.m.has_prev_status ? c.m.prev_status : MS_REGISTERED;
	c.m.has_prev_status = false;
	c.m.locked_at = 0;
	rc = change_finish(rq, rs, &c, "machine.unlocked", NULL, e);
out:
	json_decref(c.body);
	return rc;
}

int
api_machines_revoke(struct req *rq, struct resp *rs, struct err *e)
{
	struct change c;
	json_t *wipe;
	int rc = -1;

	if (change_begin(rq, &c, false, e) == -1)
		goto out;
	wipe = json_object_get(c.body, "wipe");
	if (wipe == NULL || !json_is_boolean(wipe)) {
		db_rollback(APP(rq)->db);
		err_set(e, ERR_VALIDATION_FAILED, "wipe must be true or false");
		goto out;
	}
	if (c.m.status == MS_REVOKED) {
		change_refuse(rq, &c, "revoke", e);
		goto out;
	}
	c.m.status = MS_REVOKED;
	c.m.has_prev_status = false;
	c.m.revoked_at = rq->now;
	c.m.wipe_pending = json_is_true(wipe);
	if (db_token_supersede_all(APP(rq)->db, c.m.id, rq->now, e) == -1 ||
	    db_vote_consume(APP(rq)->db, c.m.id, rq->now, e) == -1) {
		db_rollback(APP(rq)->db);
		goto out;
	}
	rc = change_finish(rq, rs, &c, "machine.revoked", json_pack("{s:b}",
	    "wipe", c.m.wipe_pending), e);
out:
	json_decref(c.body);
	return rc;
}

int
api_machines_delete(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct machine m;
	char id[UUID_BYTES];

	if (path_machine_id(rq, 0, id, e) == -1 || db_begin(app->db, e) == -1)
		return -1;
	if (machine_load(rq, id, &m, e) == -1)
		goto fail;
	if (m.status != MS_REVOKED && m.status != MS_REJECTED) {
		err_set(e, ERR_INVALID_STATE, "only a revoked or rejected "
		    "machine can be deleted (it is %s)",
		    machine_status_name(m.status));
		goto fail;
	}
	/* the audit entries stay: they name the id, not a foreign key */
	if (db_machine_delete(app->db, id, e) == -1 ||
	    db_token_delete_machine(app->db, id, e) == -1 ||
	    db_vote_delete_machine(app->db, id, e) == -1 ||
	    db_ak_delete_machine(app->db, id, e) == -1 ||
	    audit_append(rq, NULL, "machine.deleted", id,
	    event_data(&m, rq->actor), e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto fail;
	return resp_json_new(rs, 200, json_pack("{s:s, s:b}", "machine_id", id,
	    "deleted", 1), e);
fail:
	db_rollback(app->db);
	return -1;
}

/* ---- approve, with dual control ---- */

static bool
hostname_valid(const char *h)
{
	size_t len = strlen(h), label = 0, i;

	if (len == 0 || len > LIMIT_HOSTNAME_BYTES)
		return false;
	for (i = 0; i < len; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-') || (label == 0 && ch == '-') || ++label > 63)
			return false;
	}
	return label > 0 && h[len - 1] != '-';
}

/* An address; with_prefix: "addr/len" is required (CIDR). */
static bool
ip_valid(const char *s, bool with_prefix)
{
	char addr[LIMIT_IP_BYTES + 1];
	const char *slash = strchr(s, '/');
	unsigned char bin[16];
	uint64_t plen;
	int af;

	if ((slash != NULL) != with_prefix)
		return false;
	if (str_copy(addr, sizeof(addr), s, slash == NULL ? strlen(s) :
	    (size_t)(slash - s)) == -1)
		return false;
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, bin) != 1)
		return false;
	if (!with_prefix)
		return true;
	return str_to_u64(slash + 1, strlen(slash + 1), 0,
	    af == AF_INET ? 32 : 128, &plen) == 0;
}

static int
approve_decode(struct req *rq, json_t *body, struct vote *v, struct err *e)
{
	const char *role, *hostname, *ip, *gw, *disk;

	memset(v, 0, sizeof(*v));
	if (json_opt_string(body, "role", 32, rq, &role, e) == -1 ||
	    json_opt_string(body, "hostname", LIMIT_HOSTNAME_BYTES, rq,
	    &hostname, e) == -1 ||
	    json_opt_string(body, "assigned_ip", LIMIT_IP_BYTES, rq, &ip,
	    e) == -1 ||
	    json_opt_string(body, "gateway", LIMIT_IP_BYTES, rq, &gw, e) == -1 ||
	    json_opt_string(body, "install_disk", LIMIT_DISK_BYTES, rq, &disk,
	    e) == -1)
		return -1;
	if (role == NULL || !role_is_valid(role))
		return err_set(e, ERR_VALIDATION_FAILED, "role is required: "
		    "controlplane, worker-infra or worker-app");
	if (hostname != NULL && !hostname_valid(hostname))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "hostname must be a lowercase rfc 1123 name");
	if (ip != NULL && !ip_valid(ip, true))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "assigned_ip must be an address with a prefix length "
		    "(10.0.0.5/24)");
	if (gw != NULL && !ip_valid(gw, false))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "gateway must be an ip address");
	if (disk != NULL && (strncmp(disk, "/dev/", 5) != 0 ||
	    strlen(disk) < 6 || strstr(disk, "..") != NULL))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "install_disk must be a /dev/ path");
	snprintf(v->role, sizeof(v->role), "%s", role);
	snprintf(v->hostname, sizeof(v->hostname), "%s",
	    hostname != NULL ? hostname : "");
	snprintf(v->assigned_ip, sizeof(v->assigned_ip), "%s",
	    ip != NULL ? ip : "");
	snprintf(v->gateway, sizeof(v->gateway), "%s", gw != NULL ? gw : "");
	snprintf(v->install_disk, sizeof(v->install_disk), "%s",
	    disk != NULL ? disk : "");
	return 0;
}

static void
approve_apply(struct req *rq, struct machine *m, const struct vote *v)
{
	snprintf(m->cluster_id, sizeof(m->cluster_id), "%s", v->cluster_id);
	if (m->status == MS_REGISTERED || m->status == MS_PENDING_APPROVAL)
		m->status = MS_APPROVED;
	snprintf(m->role, sizeof(m->role), "%s", v->role);
	snprintf(m->hostname, sizeof(m->hostname), "%s", v->hostname);
	snprintf(m->assigned_ip, sizeof(m->assigned_ip), "%s", v->assigned_ip);
	snprintf(m->gateway, sizeof(m->gateway), "%s", v->gateway);
	snprintf(m->install_disk, sizeof(m->install_disk), "%s",
	    v->install_disk);
	m->approved_at = rq->now;
	snprintf(m->approved_by, sizeof(m->approved_by), "%s", rq->actor);
	/* a new approval defines a new config: re-attesting machines get it */
	m->config_generation++;
}

/*
 * Record this operator's vote; *quorum tells whether the approval now takes
 * effect. The 202 body is written to *pending when it does not.
 */
static int
approve_vote(struct req *rq, struct machine *m, struct vote *v,
    bool *quorum, json_t **pending, struct err *e)
{
	struct app *app = APP(rq);
	int64_t agreeing = 0;
	bool has = false;
	json_t *d;

	if (db_vote_has_open(app->db, m->id, rq->actor, rq->now, &has, e) == -1)
		return -1;
	if (has)
		return err_set(e, ERR_DUPLICATE_VOTE,
		    "this operator has already voted for this machine");
	snprintf(v->actor, sizeof(v->actor), "%s", rq->actor);
	v->created_at = rq->now;
	v->expires_at = rq->now + app->cfg->dual_control_window;
	d = event_data(m, rq->actor);
	json_object_set_new(d, "vote", json_pack("{s:s, s:s, s:s, s:s}",
	    "role", v->role, "hostname", v->hostname, "assigned_ip",
	    v->assigned_ip, "cluster_id", v->cluster_id));
	if (db_vote_insert(app->db, m->id, v, e) == -1 ||
	    audit_append(rq, NULL, "machine.approval_vote", m->id, d, e) == -1 ||
	    db_vote_count_agreeing(app->db, m->id, v, rq->now, &agreeing,
	    e) == -1)
		return -1;
	*quorum = agreeing >= (int64_t)app->cfg->dual_control_quorum;
	if (*quorum)
		return db_vote_consume(app->db, m->id, rq->now, e);
	*pending = json_pack("{s:s, s:I, s:I, s:o}",
	    "status", "pending_second_approval",
	    "approvals_received", (json_int_t)agreeing,
	    "approvals_required", (json_int_t)app->cfg->dual_control_quorum,
	    "expires_at", json_time(v->expires_at));
	return 0;
}

int
api_machines_approve(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct change c;
	struct vote v;
	json_t *pending = NULL, *out, *d;
	const char *cluster_id = NULL, *boot_url = NULL;
	char boot[TOKEN_B64_BYTES];
	bool quorum = true;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	if (path_machine_id(rq, 0, c.id, e) == -1 ||
	    http_json_body(rq, &c.body, e) == -1 ||
	    approve_decode(rq, c.body, &v, e) == -1 ||
	    json_opt_string(c.body, "cluster_id", 63, rq, &cluster_id, e) == -1)
		goto out;
	if (cluster_id != NULL && !cluster_id_valid(cluster_id,
	    strlen(cluster_id))) {
		err_set(e, ERR_VALIDATION_FAILED, "cluster_id must be [a-z0-9-]");
		goto out;
	}
	if (db_begin(app->db, e) == -1)
		goto out;
	if (machine_load(rq, c.id, &c.m, e) == -1)
		goto out_rollback;
	if (c.m.status != MS_REGISTERED && c.m.status != MS_PENDING_APPROVAL &&
	    c.m.status != MS_APPROVED && c.m.status != MS_ATTESTED) {
		err_set(e, ERR_INVALID_STATE, "cannot approve a machine that "
		    "is %s", machine_status_name(c.m.status));
		goto out_rollback;
	}
	/* the cluster is part of what the operators agree on */
	snprintf(v.cluster_id, sizeof(v.cluster_id), "%s", cluster_id != NULL ?
	    cluster_id : c.m.cluster_id[0] != '\0' ? c.m.cluster_id :
	    app->cfg->default_cluster);
	if (cfg_role_needs_dual_control(app->cfg, v.role) &&
	    approve_vote(rq, &c.m, &v, &quorum, &pending, e) == -1)
		goto out_rollback;
	if (!quorum) {
		if (db_commit(app->db, e) == -1)
			goto out_rollback;
		rc = resp_json_new(rs, 202, pending, e);
		goto out;
	}
	approve_apply(rq, &c.m, &v);
	d = event_data(&c.m, rq->actor);
	json_object_set_new(d, "assigned_ip", json_string(v.assigned_ip));
	json_object_set_new(d, "config_generation",
	    json_integer(c.m.config_generation));
	if (db_machine_update(app->db, &c.m, e) == -1 ||
	    audit_append(rq, NULL, "machine.approved", c.m.id, d, e) == -1)
		goto out_rollback;
	if (strcmp(c.m.registration_path, "usb") == 0 &&
	    token_issue(rq, &c.m, TOKEN_BOOT, boot, &boot_url, e) == -1)
		goto out_rollback;
	if (db_commit(app->db, e) == -1)
		goto out_rollback;
	metrics_count(app->metrics, M_APPROVALS);
	out = machine_detail_json(&c.m);
	if (boot_url != NULL) {
		const char *iso, *why;

		/* a fresh ISO for the USB-registered machine (§7), after commit */
		iso_for(rq, boot_url, &iso, &why);
		json_object_set_new(out, "iso_url", iso != NULL ?
		    json_string(iso) : json_null());
		if (iso == NULL)
			json_object_set_new(out, "iso_error", json_string(why));
	}
	rc = resp_json_new(rs, 200, out, e);
	goto out;
out_rollback:
	db_rollback(app->db);
	json_decref(pending);
out:
	json_decref(c.body);
	return rc;
}

struct votes_ctx {
	json_t *items;
	int64_t now;
};

static int
vote_one(const struct vote *v, void *vctx)
{
	struct votes_ctx *c = vctx;
	const char *state = v->consumed_at != 0 ? "consumed" :
	    v->expires_at <= c->now ? "expired" : "open";

	return json_array_append_new(c->items, json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}",
	    "id", (json_int_t)v->id, "actor", v->actor, "role", v->role,
	    "cluster_id", v->cluster_id,
	    "hostname", v->hostname, "assigned_ip", v->assigned_ip,
	    "gateway", v->gateway, "install_disk", v->install_disk,
	    "created_at", json_time(v->created_at),
	    "expires_at", json_time(v->expires_at), "state", state));
}

int
api_machines_approvals(struct req *rq, struct resp *rs, struct err *e)
{
	struct votes_ctx c = { .now = rq->now };
	struct machine m;
	char id[UUID_BYTES];

	if (path_machine_id(rq, 0, id, e) == -1 ||
	    machine_load(rq, id, &m, e) == -1)
		return -1;
	c.items = json_array();
	if (db_vote_list(APP(rq)->db, id, vote_one, &c, e) == -1) {
		json_decref(c.items);
		return -1;
	}
	return resp_json_new(rs, 200, json_pack("{s:s, s:o}", "machine_id", id,
	    "items", c.items), e);
}

/* ---- import: an offline receipt becomes a registered machine ---- */

int
api_machines_import(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	json_t *body = NULL;
	struct ek_in in;
	struct machine m;
	const char *role, *hostname;
	bool found;
	int rc = -1;

	if (http_json_body(rq, &body, e) == -1 ||
	    ek_in_decode(rq, body, &in, e) == -1 ||
	    json_opt_string(body, "role", 32, rq, &role, e) == -1 ||
	    json_opt_string(body, "hostname", LIMIT_HOSTNAME_BYTES, rq,
	    &hostname, e) == -1)
		goto out;
	if (role == NULL || !role_is_valid(role)) {
		err_set(e, ERR_VALIDATION_FAILED, "role is required: "
		    "controlplane, worker-infra or worker-app");
		goto out;
	}
	if (hostname != NULL && !hostname_valid(hostname)) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "hostname must be a lowercase rfc 1123 name");
		goto out;
	}
	in.desired_role = role;
	/* an operator's import vouches for a bare key under ITL_EK_TRUST=chain */
	if (in.needs_known)
		in.trust = "operator";
	if (db_begin(app->db, e) == -1)
		goto out;
	if (db_machine_by_fingerprint(app->db, in.ek.fingerprint, &m, &found,
	    e) == -1)
		goto out_rollback;
	if (found) {
		err_set(e, ERR_INVALID_STATE, "a machine with this ek is "
		    "already known");
		goto out_rollback;
	}
	if (machine_create(rq, &in, MS_REGISTERED, "import", hostname,
	    rq->actor, &m, e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto out_rollback;
	metrics_count(app->metrics, M_REG_IMPORT);
	rc = resp_json_new(rs, 200, machine_detail_json(&m), e);
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	json_decref(body);
	return rc;
}
