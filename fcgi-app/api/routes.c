/*
 * routes.c - the route table: method, pattern, handler, policy flags and
 * body limit per endpoint (STYLE §3). The router enforces the flags before
 * any handler runs.
 */
#include "config.h"

#include "api/api.h"

#define MACHINE "/api/v1/machines/{id}"
#define CLUSTER "/api/v1/clusters/{cluster_id}"

const struct route api_routes[] = {
	/* method	pattern				handler			flags				body limit */
	{ HTTP_GET,	"/healthz",			api_healthz_get,	0,				0, NULL },
	{ HTTP_GET,	"/readyz",			api_readyz_get,		0,				0, NULL },
	{ HTTP_GET,	"/metrics",			api_metrics_get,	0,				0, NULL },
	{ HTTP_POST,	"/api/v1/register",		api_register_post,	ROUTE_JSON,			LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	"/api/v1/self-register",	api_self_register_post,	ROUTE_JSON,			LIMIT_BODY_BYTES, NULL },
	{ HTTP_GET,	"/api/v1/attest/challenge",	api_challenge_get,	0,				0, NULL },
	{ HTTP_POST,	"/api/v1/attest",		api_attest_post,	ROUTE_JSON,			LIMIT_BODY_BYTES, NULL },
	{ HTTP_GET,	"/api/v1/machines",		api_machines_list,	ROUTE_VIEWER,			0, NULL },
	{ HTTP_POST,	"/api/v1/machines/import",	api_machines_import,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_GET,	MACHINE,			api_machines_get,	ROUTE_VIEWER,			0, NULL },
	{ HTTP_DELETE,	MACHINE,			api_machines_delete,	ROUTE_OPERATOR,			0, NULL },
	{ HTTP_POST,	MACHINE "/approve",		api_machines_approve,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	MACHINE "/reject",		api_machines_reject,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	MACHINE "/lock",		api_machines_lock,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	MACHINE "/unlock",		api_machines_unlock,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	MACHINE "/revoke",		api_machines_revoke,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	MACHINE "/ak-activate",		api_machines_ak_activate, ROUTE_JSON,			LIMIT_BODY_BYTES, NULL },
	{ HTTP_PUT,	MACHINE "/pcr-policy",		api_machines_pcr_policy, ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_GET,	MACHINE "/approvals",		api_machines_approvals,	ROUTE_VIEWER,			0, NULL },
	{ HTTP_GET,	"/api/v1/config/{token}",	api_config_token_get,	0,				0, NULL },
	{ HTTP_GET,	"/api/v1/config",		api_config_query_get,	0,				0, NULL },
	{ HTTP_GET,	"/api/v1/clusters",		api_clusters_list,	ROUTE_VIEWER,			0, NULL },
	{ HTTP_GET,	CLUSTER,			api_clusters_get,	ROUTE_VIEWER,			0, NULL },
	{ HTTP_PUT,	CLUSTER,			api_clusters_put,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	/* the body is a talosctl secrets.yaml: the handler checks its type */
	{ HTTP_POST,	CLUSTER "/secrets",		api_clusters_secrets,	ROUTE_OPERATOR,			LIMIT_BODY_BYTES, NULL },
	{ HTTP_POST,	CLUSTER "/bootstrap",		api_clusters_bootstrap,	ROUTE_JSON | ROUTE_OPERATOR,	LIMIT_BODY_BYTES, NULL },
	{ HTTP_GET,	CLUSTER "/talosconfig",		api_clusters_talosconfig, ROUTE_OPERATOR,		0, NULL },
	{ HTTP_GET,	"/api/v1/audit",		api_audit_list,		ROUTE_VIEWER,			0, NULL },
	{ HTTP_GET,	"/api/v1/audit/verify",		api_audit_verify,	ROUTE_VIEWER,			0, NULL },
};

const size_t api_n_routes = sizeof(api_routes) / sizeof(api_routes[0]);
