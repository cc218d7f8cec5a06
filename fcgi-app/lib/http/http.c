/*
 * http.c - the worker loop over libfcgi (FCGX_*_r only): copy params into the
 * arena, read the clock once, route, write one response, log one line.
 * Also the request helpers handlers use: JSON body, query string, Accept.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>
#include <openssl/err.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "http/http.h"

static const char *
param_copy(struct req *rq, FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	const char *c;

	if (v == NULL)
		return "";
	c = arena_strndup(&rq->arena, v, strnlen(v, LIMIT_QUERY_BYTES * 4));
	return c == NULL ? "" : c;
}

static enum http_method
method_parse(const char *m)
{
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return HTTP_GET;
	if (strcmp(m, "POST") == 0)
		return HTTP_POST;
	if (strcmp(m, "PUT") == 0)
		return HTTP_PUT;
	if (strcmp(m, "DELETE") == 0)
		return HTTP_DELETE;
	if (strcmp(m, "PATCH") == 0)
		return HTTP_PATCH;
	return HTTP_OTHER;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
req_read_body(struct req *rq, struct err *e)
{
	FCGX_Request *fr = rq->fcgi;
	uint8_t *b;
	int n;

	b = arena_alloc(&rq->arena, (size_t)rq->content_length + 1);
	if (b == NULL)
		return err_set(e, ERR_BODY_TOO_LARGE, "body too large");
	n = rq->content_length == 0 ? 0 :
	    FCGX_GetStr((char *)b, (int)rq->content_length, fr->in);
	if (n < 0 || (uint64_t)n != rq->content_length)
		return err_set(e, ERR_BAD_REQUEST,
		    "body shorter than content-length");
	b[n] = '\0';
	rq->body = b;
	rq->body_len = (size_t)n;
	return 0;
}

static bool
request_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= 8 && n <= 64 && str_is_hex(id, n);
}

/* Returns -1 when the request cannot be represented (e.g. huge URI). */
static int
req_begin(struct req *rq, FCGX_Request *fr, void *app, struct err *e)
{
	const char *uri, *q, *cl;
	size_t uri_len;
	uint64_t clen = 0;

	rq->app = app;
	rq->fcgi = fr;
	rq->read_body = req_read_body;
	rq->now = timefmt_now();
	rq->start_ns = mono_ns();
	rq->method = method_parse(param_copy(rq, fr, "REQUEST_METHOD"));
	rq->head = strcmp(param_copy(rq, fr, "REQUEST_METHOD"), "HEAD") == 0;
	rq->content_type = param_copy(rq, fr, "CONTENT_TYPE");
	rq->accept = param_copy(rq, fr, "HTTP_ACCEPT");
	rq->authorization = param_copy(rq, fr, "HTTP_AUTHORIZATION");
	rq->request_id = param_copy(rq, fr, "REQUEST_ID");
	rq->ssl_client_verify = param_copy(rq, fr, "SSL_CLIENT_VERIFY");
	rq->ssl_client_s_dn = param_copy(rq, fr, "SSL_CLIENT_S_DN");
	rq->ssl_client_serial = param_copy(rq, fr, "SSL_CLIENT_SERIAL");
	rq->remote_addr = param_copy(rq, fr, "REMOTE_ADDR");
	if (!request_id_ok(rq->request_id)) {
		uint8_t r[8];
		char *id = arena_alloc(&rq->arena, 17);

		rand_bytes(r, sizeof(r));
		if (id != NULL)
			snprintf(id, 17, "%02x%02x%02x%02x%02x%02x%02x%02x",
			    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
		rq->request_id = id != NULL ? id : "0000000000000000";
	}
	uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	if (uri == NULL)
		uri = "/";
	uri_len = strnlen(uri, LIMIT_PATH_BYTES + LIMIT_QUERY_BYTES + 2);
	q = memchr(uri, '?', uri_len);
	rq->path_len = q == NULL ? uri_len : (size_t)(q - uri);
	rq->path = arena_strndup(&rq->arena, uri, rq->path_len);
	rq->query = "";
	rq->query_len = 0;
	if (q != NULL) {
		rq->query_len = uri_len - rq->path_len - 1;
		rq->query = arena_strndup(&rq->arena, q + 1, rq->query_len);
	}
	if (rq->path == NULL || rq->query == NULL ||
	    rq->path_len > LIMIT_PATH_BYTES || rq->query_len > LIMIT_QUERY_BYTES) {
		rq->path = "/";
		rq->path_len = 1;
		return err_set(e, ERR_BAD_REQUEST, "request uri too long");
	}
	cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	if (cl != NULL && cl[0] != '\0' &&
	    str_to_u64(cl, strlen(cl), 0, UINT64_MAX, &clen) == -1)
		return err_set(e, ERR_BAD_REQUEST, "invalid content-length");
	rq->content_length = clen;
	return 0;
}

static void
resp_write(struct resp *rs, const struct req *rq, FCGX_Request *fr)
{
	char head[768];
	int n;

	/* libfcgi's own printf knows no %zu: format here, write raw bytes */
	n = snprintf(head, sizeof(head), "Status: %d\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nX-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\n%s\r\n", rs->status,
	    rs->content_type != NULL ? rs->content_type : "application/json",
	    rs->body.len, rq->request_id, rs->extra_headers);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;	/* cannot happen: every part is bounded */
	FCGX_PutStr(head, n, fr->out);
	if (rs->body.len > 0)
		FCGX_PutStr(rs->body.p, (int)rs->body.len, fr->out);
}

static void
req_log(const struct req *rq, const struct resp *rs, double ms)
{
	const char *route = rq->route != NULL ? rq->route->pattern : "-";
	const char *m = rq->method == HTTP_GET ? "GET" :
	    rq->method == HTTP_POST ? "POST" : rq->method == HTTP_PUT ? "PUT" :
	    rq->method == HTTP_DELETE ? "DELETE" :
	    rq->method == HTTP_PATCH ? "PATCH" : "OTHER";

	/* the route pattern, never the raw URI: /config/{token} is a secret */
	log_info("req=%s route=\"%s %s\" status=%d%s%s ms=%.1f in=%zu out=%zu",
	    rq->request_id, m, route, rs->status,
	    rs->error_code != NULL ? " error=" : "",
	    rs->error_code != NULL ? rs->error_code : "", ms, rq->body_len,
	    rs->body.len);
}

int
http_serve(int listen_fd, const struct route *routes, size_t n_routes,
    const struct http_hooks *hooks, void *app,
    volatile sig_atomic_t *stop, volatile sig_atomic_t *busy)
{
	FCGX_Request fr;
	struct req rq;
	struct resp rs;
	struct err e;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, listen_fd, 0) != 0) {
		log_err("cannot initialise libfcgi");
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	arena_init(&rq.arena, LIMIT_ARENA_BYTES);
	resp_init(&rs);
	while (!*stop && FCGX_Accept_r(&fr) >= 0) {
		struct arena keep = rq.arena;
		double secs;

		*busy = 1;
		ERR_clear_error();	/* no OpenSSL errors from the last request */
		memset(&rq, 0, sizeof(rq));
		rq.arena = keep;
		buf_clear(&rs.body);
		rs.status = 0;
		rs.content_type = NULL;
		rs.extra_headers[0] = '\0';
		rs.error_code = NULL;
		err_clear(&e);
		if (req_begin(&rq, &fr, app, &e) == -1)
			resp_error(&rs, &e);
		else
			http_dispatch(routes, n_routes, hooks, &rq, &rs);
		resp_write(&rs, &rq, &fr);
		secs = (double)(mono_ns() - rq.start_ns) / 1e9;
		req_log(&rq, &rs, secs * 1000.0);
		if (hooks->observe != NULL)
			hooks->observe(&rq, &rs, secs);
		arena_reset(&rq.arena);
		FCGX_Finish_r(&fr);
		*busy = 0;
	}
	arena_release(&rq.arena);
	resp_release(&rs);
	FCGX_Free(&fr, 1);
	return 0;
}

int
http_json_parse(const uint8_t *p, size_t len, json_t **out, struct err *e)
{
	json_error_t je;
	json_t *j;

	if (len == 0)
		return err_set(e, ERR_BAD_JSON, "body is empty");
	j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return err_set(e, ERR_BAD_JSON, "invalid json at line %d "
		    "column %d", je.line, je.column);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, ERR_BAD_JSON, "body must be a json object");
	}
	*out = j;
	return 0;
}

int
http_json_body(const struct req *rq, json_t **out, struct err *e)
{
	return http_json_parse(rq->body, rq->body_len, out, e);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode (and '+' to space) into the arena. */
static int
query_decode(struct req *rq, const char *p, size_t len, const char **out,
    size_t *out_len, struct err *e)
{
	char *d = arena_alloc(&rq->arena, len + 1);
	size_t i, o = 0;

	if (d == NULL)
		return err_set(e, ERR_BAD_REQUEST, "query too long");
	for (i = 0; i < len; i++) {
		if (p[i] == '%') {
			int hi, lo;

			if (len - i < 3)
				return err_set(e, ERR_BAD_REQUEST,
				    "bad percent escape in query");
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return err_set(e, ERR_BAD_REQUEST,
				    "bad percent escape in query");
			d[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			d[o++] = p[i] == '+' ? ' ' : p[i];
		}
	}
	d[o] = '\0';
	if (!str_is_utf8(d, o))
		return err_set(e, ERR_BAD_REQUEST, "query is not utf-8");
	*out = d;
	*out_len = o;
	return 0;
}

int
http_query_get(struct req *rq, const char *name, const char **val,
    size_t *len, struct err *e)
{
	const char *p = rq->query, *end = rq->query + rq->query_len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp == NULL ? end : amp;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0)
			return query_decode(rq, eq + 1, (size_t)(stop - eq - 1),
			    val, len, e) == -1 ? -1 : 0;
		p = stop + 1;
	}
	return 1;
}

bool
http_accepts(const struct req *rq, const char *media)
{
	return strcasestr(rq->accept, media) != NULL;
}
