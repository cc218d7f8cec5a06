/*
 * api_config.c - GET /config/{token} and GET /config?mac=… (API spec §3,
 * §5, §8): what Talos fetches through talos.config=. Only the current config
 * token of an attested machine, within its TTL (unused) or its grace (after
 * the first delivery), yields the full MachineConfig; every other known
 * token yields the pending config with 200, because Talos retries non-200
 * answers for hours and never reaches maintenance mode, where the
 * itl-tpm-register extension takes over. Identifiers anyone can read (MAC,
 * UUID, serial) never release secrets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/cluster.h"
#include "db/db_token.h"

static int
config_pending(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	char *yaml = talos_render_pending(app->cfg->service_url,
	    app->service_ca_pem, e);
	int rc;

	if (yaml == NULL)
		return -1;
	rc = resp_text(rs, 200, "application/yaml", yaml, strlen(yaml), e);
	free(yaml);
	if (rc == 0) {
		resp_add_header(rs, "X-ITL-Config", "pending");
		metrics_count(app->metrics, M_DELIVERY_PENDING);
	}
	return rc;
}

static bool
token_syntax_ok(const char *p, size_t len)
{
	size_t i;

	if (len != TOKEN_B64_BYTES - 1)
		return false;
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
			return false;
	return true;
}

/* Record the first delivery: token used, machine delivered, audit. */
static int
config_record_delivery(struct req *rq, const struct token_row *t,
    struct machine *m, struct err *e)
{
	struct app *app = APP(rq);
	json_t *d;

	if (t->first_used_at != 0)
		return 0;
	m->config_delivered_generation = t->generation;
	m->config_delivered_at = rq->now;
	d = event_data(m, "machine");
	json_object_set_new(d, "config_generation", json_integer(t->generation));
	if (db_token_mark_used(app->db, t->sha256, rq->now, e) == -1 ||
	    db_machine_update(app->db, m, e) == -1 ||
	    audit_append(rq, "machine", "machine.config_delivered", m->id, d,
	    e) == -1)
		return -1;
	return 0;
}

int
api_config_token_get(struct req *rq, struct resp *rs, struct err *e)
{
	struct app *app = APP(rq);
	struct token_row t;
	struct machine m;
	char tok[TOKEN_B64_BYTES], hash[DIGEST_SHA256_HEX_BYTES];
	bool found = false, current;
	char *yaml = NULL;
	int rc = -1;

	/* a HEAD would spend the first delivery without delivering anything */
	if (rq->head)
		return err_set(e, ERR_NOT_FOUND, "method not allowed on this path");
	if (!token_syntax_ok(rq->params[0], rq->param_lens[0]))
		return err_set(e, ERR_TOKEN_NOT_FOUND, "unknown token");
	memcpy(tok, rq->params[0], rq->param_lens[0]);
	tok[rq->param_lens[0]] = '\0';
	if (digest_sha256_hex(tok, strlen(tok), NULL, 0, hash) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (db_begin(app->db, e) == -1)
		return -1;
	if (db_token_get(app->db, hash, &t, &found, e) == -1)
		goto out_rollback;
	if (!found) {
		err_set(e, ERR_TOKEN_NOT_FOUND, "unknown token");
		goto out_rollback;
	}
	if (machine_load(rq, t.machine_id, &m, e) == -1) {
		/* the machine was deleted: its tokens mean nothing now */
		err_set(e, ERR_TOKEN_NOT_FOUND, "unknown token");
		goto out_rollback;
	}
	current = t.kind == TOKEN_CONFIG && t.superseded_at == 0 &&
	    m.status == MS_ATTESTED;
	if (!current) {
		db_rollback(app->db);
		return config_pending(rq, rs, e);
	}
	if ((t.first_used_at == 0 && rq->now >= t.expires_at) ||
	    (t.first_used_at != 0 &&
	    rq->now >= t.first_used_at + app->cfg->config_token_grace)) {
		err_set(e, ERR_TOKEN_EXPIRED, "config token has expired");
		goto out_rollback;
	}
	yaml = cluster_render_machine(rq, &m, e);
	if (yaml == NULL || config_record_delivery(rq, &t, &m, e) == -1 ||
	    db_commit(app->db, e) == -1)
		goto out_rollback;
	rc = resp_text(rs, 200, "application/yaml", yaml, strlen(yaml), e);
	if (rc == 0) {
		resp_add_header(rs, "X-ITL-Config", "full");
		metrics_count(app->metrics, M_DELIVERY_FULL);
	}
	goto out;
out_rollback:
	db_rollback(app->db);
out:
	if (yaml != NULL) {
		OPENSSL_cleanse(yaml, strlen(yaml));
		free(yaml);
	}
	return rc;
}

int
api_config_query_get(struct req *rq, struct resp *rs, struct err *e)
{
	const char *v;
	size_t len;

	/* the identifiers are checked for shape only: they select nothing */
	if (http_query_get(rq, "mac", &v, &len, e) == -1 ||
	    http_query_get(rq, "uuid", &v, &len, e) == -1 ||
	    http_query_get(rq, "serial", &v, &len, e) == -1)
		return -1;
	return config_pending(rq, rs, e);
}
