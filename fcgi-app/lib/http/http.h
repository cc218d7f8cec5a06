/*
 * http.h - the HTTP layer: the only code that touches libfcgi. It turns a
 * FastCGI request into a struct req (params copied into the arena, the body
 * read within the route's limit, the clock read once), routes it through a
 * table owned by api/, and writes one response with the JSON error
 * convention (API spec §0, §9). It names no handler and runs no SQL.
 */
#ifndef ITL_HTTP_HTTP_H
#define ITL_HTTP_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_POST = 1 << 1,
	HTTP_PUT = 1 << 2,
	HTTP_DELETE = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_OTHER = 1 << 5
};

/* Route flags: policy lives in the table (STYLE §3). */
#define ROUTE_JSON	(1u << 0)	/* body must be application/json */
#define ROUTE_VIEWER	(1u << 1)	/* operator auth, read-only suffices */
#define ROUTE_OPERATOR	(1u << 2)	/* operator auth, write role */

enum auth_role { AUTH_NONE, AUTH_VIEWER, AUTH_OPERATOR };

struct req;
struct resp;

typedef int (*route_handler)(struct req *rq, struct resp *rs, struct err *e);

struct route {
	unsigned method;	/* one enum http_method */
	const char *pattern;	/* "/api/v1/machines/{id}/lock" */
	route_handler handler;
	unsigned flags;
	size_t body_limit;	/* 0: no body accepted */
	const char *name;	/* metrics/log label; pattern if NULL */
};

struct req {
	struct arena arena;
	void *app;		/* the api layer's context, opaque here */
	int64_t now;		/* Unix seconds, read once per request */
	uint64_t start_ns;	/* monotonic, for the request duration */
	enum http_method method;
	bool head;		/* a HEAD request (routed as GET, body dropped) */
	const char *path;	/* REQUEST_URI before '?', NUL-terminated */
	size_t path_len;
	const char *query;	/* after '?', "" when absent */
	size_t query_len;
	const char *content_type;	/* "" when absent */
	const char *accept;
	const char *authorization;
	const char *request_id;
	const char *ssl_client_verify;
	const char *ssl_client_s_dn;
	const char *ssl_client_serial;
	const char *remote_addr;
	uint64_t content_length;	/* CONTENT_LENGTH, checked against the route */
	/* reads content_length bytes into body; NULL when body is preset */
	int (*read_body)(struct req *rq, struct err *e);
	void *fcgi;		/* the FCGX_Request, for read_body only */
	const uint8_t *body;	/* arena; NUL-terminated for convenience */
	size_t body_len;
	const char *params[LIMIT_ROUTE_PARAMS];
	size_t param_lens[LIMIT_ROUTE_PARAMS];
	const struct route *route;
	/* filled by the authorize hook */
	enum auth_role role;
	char actor[LIMIT_ACTOR_BYTES + 1];
};

struct resp {
	int status;
	const char *content_type;
	struct buf body;
	char extra_headers[256];	/* "Name: value\r\n" lines */
	const char *error_code;		/* for the request log line */
};

/* Hooks the api layer gives the server loop. */
struct http_hooks {
	/*
	 * Check operator credentials for a route that needs `need`
	 * (AUTH_VIEWER or AUTH_OPERATOR); fill rq->role and rq->actor.
	 * ERR_AUTH_REQUIRED or ERR_FORBIDDEN on failure.
	 */
	int (*authorize)(struct req *rq, enum auth_role need, struct err *e);
	/* After each response (metrics); may be NULL. */
	void (*observe)(struct req *rq, const struct resp *rs, double seconds);
};

/*
 * Serve requests on the listening FastCGI socket until *stop is set (checked
 * between requests) or accept fails. One request at a time.
 */
int http_serve(int listen_fd, const struct route *routes, size_t n_routes,
    const struct http_hooks *hooks, void *app,
    volatile sig_atomic_t *stop, volatile sig_atomic_t *busy);

/* Route one prepared request (exposed for tests and fuzzing). */
void http_dispatch(const struct route *routes, size_t n_routes,
    const struct http_hooks *hooks, struct req *rq, struct resp *rs);
/* Match path against pattern, capturing {x} segments into rq->params. */
bool http_route_match(const char *pattern, const char *path, size_t path_len,
    struct req *rq);

/*
 * Parse the body as a JSON object (JSON_REJECT_DUPLICATES). ERR_BAD_JSON on
 * invalid JSON, invalid UTF-8 or a non-object. The caller owns *out.
 */
int http_json_body(const struct req *rq, json_t **out, struct err *e);
int http_json_parse(const uint8_t *p, size_t len, json_t **out,
    struct err *e);
/*
 * The value of a query parameter, percent-decoded into the arena.
 * 0 found, 1 absent, -1 malformed (ERR_BAD_REQUEST).
 */
int http_query_get(struct req *rq, const char *name, const char **val,
    size_t *len, struct err *e);
/* True when the Accept header names this media type. */
bool http_accepts(const struct req *rq, const char *media);

/* Set a JSON body; steals the reference to j even on failure. */
int resp_json_new(struct resp *rs, int status, json_t *j, struct err *e);
int resp_text(struct resp *rs, int status, const char *content_type,
    const char *body, size_t len, struct err *e);
/* Render e as the error body (API spec §9). */
void resp_error(struct resp *rs, const struct err *e);
void resp_init(struct resp *rs);
void resp_release(struct resp *rs);
int resp_add_header(struct resp *rs, const char *name, const char *value);

#endif
