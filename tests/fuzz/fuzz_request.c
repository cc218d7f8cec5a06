/*
 * fuzz_request.c - libFuzzer target for the request edge: the input is a
 * request body through http_json_parse (jansson, duplicate keys rejected)
 * and, when it is an object, through the §1 decoder ek_in_decode; it is
 * also a query string for http_query_get and a path for the router's
 * pattern matcher. Production code only; a fresh arena per input.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/api.h"
#include "core/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_query(struct req *rq, const uint8_t *data, size_t size)
{
	static const char *names[] = { "status", "role", "q", "limit", "cursor" };
	const char *v;
	size_t i, len;
	struct err e;

	rq->query = (const char *)data;
	rq->query_len = size > LIMIT_QUERY_BYTES ? LIMIT_QUERY_BYTES : size;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err_clear(&e);
		if (http_query_get(rq, names[i], &v, &len, &e) == 0 &&
		    strlen(v) > len)
			__builtin_trap();	/* decoded length is exact */
	}
}

static struct cfg fuzz_cfg;		/* defaults: no chain trust */
static struct app fuzz_app = { .cfg = &fuzz_cfg };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req rq;
	struct ek_in in;
	struct err e;
	json_t *body = NULL;

	if (size > LIMIT_BODY_BYTES)
		return 0;	/* the router refuses larger bodies first */
	memset(&rq, 0, sizeof(rq));
	rq.app = &fuzz_app;
	arena_init(&rq.arena, LIMIT_ARENA_BYTES);
	err_clear(&e);
	if (http_json_parse(data, size, &body, &e) == 0) {
		if (!json_is_object(body))
			__builtin_trap();
		err_clear(&e);
		(void)ek_in_decode(&rq, body, &in, &e);
		json_decref(body);
	} else if (e.code != ERR_BAD_JSON) {
		__builtin_trap();
	}
	fuzz_query(&rq, data, size);
	if (size < LIMIT_PATH_BYTES)
		(void)http_route_match("/api/v1/machines/{id}/approve",
		    (const char *)data, size, &rq);
	arena_release(&rq.arena);
	return 0;
}
