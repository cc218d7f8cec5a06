/*
 * token.c - boot and config tokens (API spec §5): 32 random bytes as
 * base64url, the SHA-256 hex stored, the token returned once.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/b64.h"
#include "core/rand.h"
#include "db/db_token.h"

int
token_issue(struct req *rq, const struct machine *m, int kind,
    char token_out[TOKEN_B64_BYTES], const char **url_out, struct err *e)
{
	const struct cfg *c = APP(rq)->cfg;
	uint8_t raw[32];
	char hash[DIGEST_SHA256_HEX_BYTES];
	size_t url_len;
	char *url;
	int64_t ttl = kind == TOKEN_BOOT ? c->boot_token_ttl :
	    c->config_token_ttl;

	_Static_assert(B64URL_ENCODED_LEN(32) + 1 == TOKEN_B64_BYTES,
	    "a 32-byte token is 43 base64url characters");
	rand_bytes(raw, sizeof(raw));
	if (b64url_encode(raw, sizeof(raw), token_out, TOKEN_B64_BYTES) == -1 ||
	    digest_sha256_hex(token_out, strlen(token_out), NULL, 0, hash) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (db_token_issue(APP(rq)->db, hash, m->id, (enum token_kind)kind,
	    m->config_generation, rq->now, rq->now + ttl, e) == -1)
		return -1;
	url_len = strlen(c->service_url) + strlen("/api/v1/config/") +
	    TOKEN_B64_BYTES;
	url = arena_alloc(&rq->arena, url_len);
	if (url == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	snprintf(url, url_len, "%s/api/v1/config/%s", c->service_url,
	    token_out);
	*url_out = url;
	return 0;
}

int
path_machine_id(struct req *rq, size_t i, char out[UUID_BYTES], struct err *e)
{
	if (i >= LIMIT_ROUTE_PARAMS || rq->params[i] == NULL ||
	    !rand_uuid_check(rq->params[i], rq->param_lens[i]))
		return err_set(e, ERR_NOT_FOUND, "no such machine");
	memcpy(out, rq->params[i], 36);
	out[36] = '\0';
	return 0;
}

int
machine_load(struct req *rq, const char *id, struct machine *m,
    struct err *e)
{
	bool found = false;

	if (db_machine_by_id(APP(rq)->db, id, m, &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, ERR_NOT_FOUND, "no such machine");
	return 0;
}
