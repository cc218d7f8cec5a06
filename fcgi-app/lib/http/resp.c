/*
 * resp.c - response bodies: JSON through jansson, plain text, and the one
 * builder of error bodies (API spec §9, STYLE §9).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/http.h"

void
resp_init(struct resp *rs)
{
	rs->status = 0;
	rs->content_type = NULL;
	buf_init(&rs->body, LIMIT_RESPONSE_BYTES);
	rs->extra_headers[0] = '\0';
	rs->error_code = NULL;
}

void
resp_release(struct resp *rs)
{
	buf_release(&rs->body);
}

static int
resp_dump_cb(const char *p, size_t len, void *ctx)
{
	return buf_append(ctx, p, len);
}

int
resp_json_new(struct resp *rs, int status, json_t *j, struct err *e)
{
	int rc;

	if (j == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	buf_clear(&rs->body);
	rc = json_dump_callback(j, resp_dump_cb, &rs->body, JSON_COMPACT);
	json_decref(j);
	if (rc != 0) {
		log_err("response body over %d bytes", LIMIT_RESPONSE_BYTES);
		return err_set(e, ERR_INTERNAL, "internal error");
	}
	rs->status = status;
	rs->content_type = "application/json";
	return 0;
}

int
resp_text(struct resp *rs, int status, const char *content_type,
    const char *body, size_t len, struct err *e)
{
	buf_clear(&rs->body);
	if (buf_append(&rs->body, body, len) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	rs->status = status;
	rs->content_type = content_type;
	return 0;
}

void
resp_error(struct resp *rs, const struct err *e)
{
	enum err_code code = e->code == ERR_NONE ? ERR_INTERNAL : e->code;
	json_t *j;
	struct err ignored;

	j = json_pack("{s:s, s:s}", "error", err_name(code), "detail",
	    code == ERR_INTERNAL ? "internal error" :
	    (e->detail[0] != '\0' ? e->detail : err_name(code)));
	if (j != NULL && code == ERR_ATTESTATION_FAILED && e->reason[0] != '\0')
		json_object_set_new(j, "reason", json_string(e->reason));
	rs->error_code = err_name(code);
	if (resp_json_new(rs, err_status(code), j, &ignored) == -1) {
		static const char fallback[] =
		    "{\"error\":\"internal\",\"detail\":\"internal error\"}";

		buf_clear(&rs->body);
		buf_append(&rs->body, fallback, sizeof(fallback) - 1);
		rs->status = 500;
		rs->content_type = "application/json";
	}
}

int
resp_add_header(struct resp *rs, const char *name, const char *value)
{
	size_t used = strlen(rs->extra_headers);
	int n = snprintf(rs->extra_headers + used,
	    sizeof(rs->extra_headers) - used, "%s: %s\r\n", name, value);

	if (n < 0 || (size_t)n >= sizeof(rs->extra_headers) - used) {
		rs->extra_headers[used] = '\0';
		return -1;
	}
	return 0;
}
