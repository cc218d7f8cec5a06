/*
 * router.c - route matching and the checks every route shares, in this order
 * (STYLE §3): path, method, auth (401/403), Content-Type (415), body limit
 * (413, already enforced while reading), then exactly one handler.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "http/http.h"

bool
http_route_match(const char *pattern, const char *path, size_t path_len,
    struct req *rq)
{
	const char *p = pattern, *s = path, *end = path + path_len;
	size_t n = 0;

	while (*p != '\0') {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *seg = s;

			if (close == NULL || n >= LIMIT_ROUTE_PARAMS)
				return false;
			while (s < end && *s != '/')
				s++;
			if (s == seg)
				return false;	/* empty segment */
			rq->params[n] = seg;
			rq->param_lens[n] = (size_t)(s - seg);
			n++;
			p = close + 1;
			continue;
		}
		if (s >= end || *s != *p)
			return false;
		p++;
		s++;
	}
	return s == end;
}

static bool
content_type_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	if (strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static const struct route *
route_find(const struct route *routes, size_t n_routes, struct req *rq,
    bool *path_known)
{
	size_t i;

	*path_known = false;
	for (i = 0; i < n_routes; i++) {
		if (!http_route_match(routes[i].pattern, rq->path,
		    rq->path_len, rq))
			continue;
		*path_known = true;
		if ((routes[i].method & (unsigned)rq->method) != 0)
			return &routes[i];
	}
	return NULL;
}

void
http_dispatch(const struct route *routes, size_t n_routes,
    const struct http_hooks *hooks, struct req *rq, struct resp *rs)
{
	const struct route *r;
	struct err e;
	bool path_known;

	err_clear(&e);
	r = route_find(routes, n_routes, rq, &path_known);
	if (r == NULL) {
		/* §9 has no 405: a known path with another method is not_found */
		err_set(&e, ERR_NOT_FOUND, path_known ?
		    "method not allowed on this path" : "no such endpoint");
		goto fail;
	}
	rq->route = r;
	if ((r->flags & (ROUTE_VIEWER | ROUTE_OPERATOR)) != 0) {
		enum auth_role need = (r->flags & ROUTE_OPERATOR) != 0 ?
		    AUTH_OPERATOR : AUTH_VIEWER;

		if (hooks->authorize == NULL) {
			err_set(&e, ERR_FORBIDDEN, "operator access is disabled");
			goto fail;
		}
		if (hooks->authorize(rq, need, &e) == -1)
			goto fail;
	}
	if ((r->flags & ROUTE_JSON) != 0 &&
	    !content_type_is_json(rq->content_type)) {
		err_set(&e, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "content-type must be application/json");
		goto fail;
	}
	if (rq->content_length > r->body_limit) {
		err_set(&e, ERR_BODY_TOO_LARGE, "body is larger than %zu bytes",
		    r->body_limit);
		goto fail;
	}
	if (rq->read_body != NULL && rq->read_body(rq, &e) == -1)
		goto fail;
	if (r->handler(rq, rs, &e) == 0)
		return;
fail:
	resp_error(rs, &e);
}
