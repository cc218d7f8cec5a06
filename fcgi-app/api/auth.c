/*
 * auth.c - operator authentication (API spec §6), tried in order:
 *  1. mTLS: nginx verified the client certificate against the operator CA
 *     and passes SSL_CLIENT_VERIFY / SSL_CLIENT_S_DN as FastCGI params (never
 *     an HTTP header): OU=operator or OU=viewer, identity = CN;
 *  2. OIDC bearer JWTs: not in this build (a JWT is treated as a bad token);
 *  3. break-glass bearer token, compared as SHA-256 digests in constant time;
 *     identity SYSTEM.
 * Every failure is audited (auth.failed) and answered 401 or 403.
 */
#include "config.h"

#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "core/str.h"

struct dn_fields {
	char cn[LIMIT_ACTOR_BYTES + 1];
	bool ou_operator;
	bool ou_viewer;
};

/* Read one RFC 4514 value (backslash escapes) from *p up to ',' or '+'. */
static int
dn_value(const char **p, char *out, size_t out_len)
{
	size_t n = 0;

	while (**p != '\0' && **p != ',' && **p != '+') {
		char c = **p;

		if (c == '\\') {
			(*p)++;
			if (**p == '\0')
				return -1;
			c = **p;
		}
		if (n + 1 >= out_len)
			return -1;
		out[n++] = c;
		(*p)++;
	}
	out[n] = '\0';
	return 0;
}

static int
dn_parse(const char *dn, struct dn_fields *f)
{
	const char *p = dn;
	char key[16], val[LIMIT_ACTOR_BYTES + 1];

	memset(f, 0, sizeof(*f));
	while (*p != '\0') {
		const char *eq = strchr(p, '=');
		size_t klen;

		if (eq == NULL || (size_t)(eq - p) >= sizeof(key))
			return -1;
		klen = (size_t)(eq - p);
		memcpy(key, p, klen);
		key[klen] = '\0';
		p = eq + 1;
		if (dn_value(&p, val, sizeof(val)) == -1)
			return -1;
		if (strcmp(key, "CN") == 0)
			snprintf(f->cn, sizeof(f->cn), "%s", val);
		else if (strcmp(key, "OU") == 0 && strcmp(val, "operator") == 0)
			f->ou_operator = true;
		else if (strcmp(key, "OU") == 0 && strcmp(val, "viewer") == 0)
			f->ou_viewer = true;
		if (*p != '\0')
			p++;
	}
	return f->cn[0] == '\0' ? -1 : 0;
}

static void
auth_audit_failure(struct req *rq, const char *who, const struct err *why)
{
	struct app *app = APP(rq);
	struct err e;

	err_clear(&e);
	if (db_begin(app->db, &e) == -1)
		return;
	if (audit_append(rq, who, "auth.failed", NULL, json_pack("{s:s, s:s}",
	    "route", rq->route != NULL ? rq->route->pattern : "-",
	    "error", err_name(why->code)), &e) == -1 ||
	    db_commit(app->db, &e) == -1)
		db_rollback(app->db);
}

static int
auth_mtls(struct req *rq, enum auth_role need, struct err *e)
{
	struct dn_fields f;

	if (strcmp(rq->ssl_client_verify, "SUCCESS") != 0)
		return err_set(e, ERR_FORBIDDEN,
		    "client certificate was not verified");
	if (dn_parse(rq->ssl_client_s_dn, &f) == -1)
		return err_set(e, ERR_FORBIDDEN,
		    "client certificate subject has no usable cn");
	snprintf(rq->actor, sizeof(rq->actor), "%s", f.cn);
	if (f.ou_operator)
		rq->role = AUTH_OPERATOR;
	else if (f.ou_viewer)
		rq->role = AUTH_VIEWER;
	else
		return err_set(e, ERR_FORBIDDEN,
		    "client certificate is not for an operator or viewer");
	if (need == AUTH_OPERATOR && rq->role != AUTH_OPERATOR)
		return err_set(e, ERR_FORBIDDEN, "viewers cannot change state");
	return 0;
}

static int
auth_bearer(struct req *rq, struct err *e)
{
	struct app *app = APP(rq);
	const char *tok = rq->authorization + 7;
	uint8_t h[DIGEST_SHA256_BYTES];

	if (!app->has_admin_token ||
	    digest_sha256(tok, strlen(tok), NULL, 0, h) == -1 ||
	    !digest_equal(h, app->admin_token_sha256, sizeof(h)))
		return err_set(e, ERR_FORBIDDEN, "bearer token is not valid");
	rq->role = AUTH_OPERATOR;
	snprintf(rq->actor, sizeof(rq->actor), "SYSTEM");
	log_info("req=%s break-glass admin token used", rq->request_id);
	return 0;
}

static int
api_authorize(struct req *rq, enum auth_role need, struct err *e)
{
	const char *v = rq->ssl_client_verify;
	int rc;

	rq->role = AUTH_NONE;
	rq->actor[0] = '\0';
	if (v[0] != '\0' && strcmp(v, "NONE") != 0) {
		rc = auth_mtls(rq, need, e);
	} else if (strncmp(rq->authorization, "Bearer ", 7) == 0) {
		rc = auth_bearer(rq, e);
	} else if (rq->authorization[0] != '\0') {
		rc = err_set(e, ERR_AUTH_REQUIRED,
		    "authorization must be a bearer token");
	} else {
		rc = err_set(e, ERR_AUTH_REQUIRED,
		    "operator credentials required");
	}
	if (rc == -1)
		auth_audit_failure(rq, rq->actor[0] != '\0' ? rq->actor :
		    "anonymous", e);
	return rc;
}

static void
api_observe(struct req *rq, const struct resp *rs, double seconds)
{
	size_t route = rq->route != NULL ?
	    (size_t)(rq->route - api_routes) : api_n_routes;

	if (rq->app != NULL)
		metrics_request(APP(rq)->metrics, route, rs->status, seconds);
}

const struct http_hooks api_hooks = {
	.authorize = api_authorize,
	.observe = api_observe,
};
