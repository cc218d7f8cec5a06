/*
 * test_http.c - unit tests for libitlhttp: route matching, the order of the
 * router's checks (auth, content type, body limit, handler), JSON body
 * parsing limits, query decoding and the error body shape (API spec §9).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "http/http.h"

static int handler_calls;

static int
ok_handler(struct req *rq, struct resp *rs, struct err *e)
{
	(void)rq;
	handler_calls++;
	return resp_json_new(rs, 200, json_pack("{s:s}", "ok", "yes"), e);
}

static int
deny_all(struct req *rq, enum auth_role need, struct err *e)
{
	(void)rq;
	(void)need;
	return err_set(e, ERR_AUTH_REQUIRED, "operator credentials required");
}

static const struct route routes[] = {
	{ HTTP_GET, "/a/{id}/b", ok_handler, 0, 0, NULL },
	{ HTTP_POST, "/json", ok_handler, ROUTE_JSON, 16, NULL },
	{ HTTP_POST, "/op", ok_handler, ROUTE_JSON | ROUTE_OPERATOR, 16, NULL },
};
static const struct http_hooks hooks = { .authorize = deny_all };

static void
req_make(struct req *rq, enum http_method m, const char *path, const char *ct,
    const char *body)
{
	memset(rq, 0, sizeof(*rq));
	arena_init(&rq->arena, 65536);
	rq->method = m;
	rq->path = path;
	rq->path_len = strlen(path);
	rq->query = "";
	rq->content_type = ct;
	rq->accept = "";
	rq->authorization = "";
	rq->ssl_client_verify = "";
	rq->body = (const uint8_t *)body;
	rq->body_len = strlen(body);
	rq->content_length = rq->body_len;
}

/* Dispatch and return the error code of the body ("" for success). */
static const char *
dispatch(struct req *rq, struct resp *rs)
{
	resp_init(rs);
	http_dispatch(routes, sizeof(routes) / sizeof(routes[0]), &hooks, rq, rs);
	return rs->error_code != NULL ? rs->error_code : "";
}

/* Ensure that {id} captures one non-empty segment and nothing else matches. */
static void
route_match_segments(void **state)
{
	struct req rq;

	(void)state;
	memset(&rq, 0, sizeof(rq));
	assert_true(http_route_match("/a/{id}/b", "/a/xyz/b", 8, &rq));
	assert_int_equal(rq.param_lens[0], 3);
	assert_memory_equal(rq.params[0], "xyz", 3);
	assert_false(http_route_match("/a/{id}/b", "/a//b", 5, &rq));
	assert_false(http_route_match("/a/{id}/b", "/a/x/y/b", 8, &rq));
	assert_false(http_route_match("/a/{id}/b", "/a/x/b/", 7, &rq));
	assert_false(http_route_match("/a/{id}/b", "/a/x", 4, &rq));
}

/* Ensure that a wrong method or unknown path is not_found (404). */
static void
dispatch_not_found(void **state)
{
	struct req rq;
	struct resp rs;

	(void)state;
	req_make(&rq, HTTP_POST, "/a/1/b", "", "");
	assert_string_equal(dispatch(&rq, &rs), "not_found");
	assert_int_equal(rs.status, 404);
	resp_release(&rs);
	req_make(&rq, HTTP_GET, "/zzz", "", "");
	assert_string_equal(dispatch(&rq, &rs), "not_found");
	resp_release(&rs);
	arena_release(&rq.arena);
}

/* Ensure that auth is checked before content type and body, and no handler runs. */
static void
dispatch_auth_first(void **state)
{
	struct req rq;
	struct resp rs;

	(void)state;
	handler_calls = 0;
	req_make(&rq, HTTP_POST, "/op", "text/plain", "xxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(dispatch(&rq, &rs), "auth_required");
	assert_int_equal(rs.status, 401);
	assert_int_equal(handler_calls, 0);
	resp_release(&rs);
	arena_release(&rq.arena);
}

/* Ensure that a JSON route refuses other content types (415) and accepts a charset. */
static void
dispatch_content_type(void **state)
{
	struct req rq;
	struct resp rs;

	(void)state;
	req_make(&rq, HTTP_POST, "/json", "text/plain", "{}");
	assert_string_equal(dispatch(&rq, &rs), "unsupported_media_type");
	resp_release(&rs);
	req_make(&rq, HTTP_POST, "/json", "", "{}");
	assert_string_equal(dispatch(&rq, &rs), "unsupported_media_type");
	resp_release(&rs);
	req_make(&rq, HTTP_POST, "/json", "application/jsonx", "{}");
	assert_string_equal(dispatch(&rq, &rs), "unsupported_media_type");
	resp_release(&rs);
	req_make(&rq, HTTP_POST, "/json", "application/json; charset=utf-8", "{}");
	assert_string_equal(dispatch(&rq, &rs), "");
	assert_int_equal(rs.status, 200);
	resp_release(&rs);
	arena_release(&rq.arena);
}

/* Ensure that the route body limit is enforced at the limit and one past it. */
static void
dispatch_body_limit(void **state)
{
	struct req rq;
	struct resp rs;

	(void)state;
	req_make(&rq, HTTP_POST, "/json", "application/json", "{\"a\":\"123456789\"}");
	assert_int_equal(rq.body_len, 17);
	assert_string_equal(dispatch(&rq, &rs), "body_too_large");
	assert_int_equal(rs.status, 413);
	resp_release(&rs);
	req_make(&rq, HTTP_POST, "/json", "application/json", "{\"a\":\"12345678\"}");
	assert_int_equal(rq.body_len, 16);
	assert_string_equal(dispatch(&rq, &rs), "");
	resp_release(&rs);
	arena_release(&rq.arena);
}

/* Ensure that bodies that are not one JSON object are bad_json. */
static void
json_body_rejections(void **state)
{
	static const char *bad[] = { "", "{", "[1]", "\"s\"", "{\"a\":1,\"a\":2}",
	    "{\"a\":\"\xff\"}", "{} {}", "nul" };
	json_t *j = NULL;
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_int_equal(http_json_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &j, &e), -1);
		assert_int_equal(e.code, ERR_BAD_JSON);
	}
	assert_int_equal(http_json_parse((const uint8_t *)"{\"a\":[1]}", 9, &j,
	    &e), 0);
	json_decref(j);
}

/* Ensure that query values are percent-decoded and bad escapes are bad_request. */
static void
query_decoding(void **state)
{
	struct req rq;
	const char *v;
	size_t len;
	struct err e;

	(void)state;
	req_make(&rq, HTTP_GET, "/", "", "");
	rq.query = "a=1&q=node%2d1+x&limit=";
	rq.query_len = strlen(rq.query);
	assert_int_equal(http_query_get(&rq, "q", &v, &len, &e), 0);
	assert_string_equal(v, "node-1 x");
	assert_int_equal(http_query_get(&rq, "limit", &v, &len, &e), 0);
	assert_int_equal(len, 0);
	assert_int_equal(http_query_get(&rq, "zz", &v, &len, &e), 1);
	rq.query = "q=%zz";
	rq.query_len = 5;
	assert_int_equal(http_query_get(&rq, "q", &v, &len, &e), -1);
	assert_int_equal(e.code, ERR_BAD_REQUEST);
	rq.query = "q=%00";
	assert_int_equal(http_query_get(&rq, "q", &v, &len, &e), -1);
	rq.query = "q=%4";
	rq.query_len = 4;
	assert_int_equal(http_query_get(&rq, "q", &v, &len, &e), -1);
	arena_release(&rq.arena);
}

/* Ensure that error bodies carry error and detail, reason only for attestation_failed, and internal hides its cause. */
static void
error_body_shape(void **state)
{
	struct resp rs;
	struct err e;

	(void)state;
	resp_init(&rs);
	err_set(&e, ERR_INTERNAL, "secret path /etc/x");
	resp_error(&rs, &e);
	assert_int_equal(rs.status, 500);
	assert_string_equal(rs.body.p,
	    "{\"error\":\"internal\",\"detail\":\"internal error\"}");
	err_set_reason(&e, "nonce_mismatch", "quote nonce differs");
	resp_error(&rs, &e);
	assert_int_equal(rs.status, 403);
	assert_string_equal(rs.body.p, "{\"error\":\"attestation_failed\","
	    "\"detail\":\"quote nonce differs\",\"reason\":\"nonce_mismatch\"}");
	resp_release(&rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(route_match_segments),
		cmocka_unit_test(dispatch_not_found),
		cmocka_unit_test(dispatch_auth_first),
		cmocka_unit_test(dispatch_content_type),
		cmocka_unit_test(dispatch_body_limit),
		cmocka_unit_test(json_body_rejections),
		cmocka_unit_test(query_decoding),
		cmocka_unit_test(error_body_shape),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL) == 0 ? 0 : 1;
}
