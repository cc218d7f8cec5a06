/*
 * err.c - error codes, their names and HTTP status (API spec §9), and the
 * sanitising echo used in details. It does not build response bodies.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"

static const struct {
	const char *name;
	int status;
} err_table[] = {
	[ERR_NONE] = { "none", 200 },
	[ERR_BAD_JSON] = { "bad_json", 400 },
	[ERR_BAD_REQUEST] = { "bad_request", 400 },
	[ERR_AUTH_REQUIRED] = { "auth_required", 401 },
	[ERR_FORBIDDEN] = { "forbidden", 403 },
	[ERR_MACHINE_REJECTED] = { "machine_rejected", 403 },
	[ERR_MACHINE_REVOKED] = { "machine_revoked", 403 },
	[ERR_MACHINE_LOCKED] = { "machine_locked", 403 },
	[ERR_EK_MISMATCH] = { "ek_mismatch", 403 },
	[ERR_ATTESTATION_FAILED] = { "attestation_failed", 403 },
	[ERR_ACTIVATION_FAILED] = { "activation_failed", 403 },
	[ERR_NOT_FOUND] = { "not_found", 404 },
	[ERR_TOKEN_NOT_FOUND] = { "token_not_found", 404 },
	[ERR_ENCRYPTION_REQUIRED] = { "encryption_required", 406 },
	[ERR_INVALID_STATE] = { "invalid_state", 409 },
	[ERR_NONCE_REPLAYED] = { "nonce_replayed", 409 },
	[ERR_DUPLICATE_VOTE] = { "duplicate_vote", 409 },
	[ERR_AK_REQUIRED] = { "ak_required", 409 },
	[ERR_NONCE_EXPIRED] = { "nonce_expired", 410 },
	[ERR_TOKEN_EXPIRED] = { "token_expired", 410 },
	[ERR_BODY_TOO_LARGE] = { "body_too_large", 413 },
	[ERR_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415 },
	[ERR_VALIDATION_FAILED] = { "validation_failed", 422 },
	[ERR_EK_INVALID] = { "ek_invalid", 422 },
	[ERR_EK_UNTRUSTED] = { "ek_untrusted", 422 },
	[ERR_EK_FINGERPRINT_MISMATCH] = { "ek_fingerprint_mismatch", 422 },
	[ERR_NONCE_UNKNOWN] = { "nonce_unknown", 422 },
	[ERR_NONCE_REQUIRED] = { "nonce_required", 422 },
	[ERR_QUOTE_REQUIRED] = { "quote_required", 422 },
	[ERR_AK_UNACCEPTABLE] = { "ak_unacceptable", 422 },
	[ERR_NONCE_CAPACITY] = { "nonce_capacity", 429 },
	[ERR_RATE_LIMITED] = { "rate_limited", 429 },
	[ERR_INTERNAL] = { "internal", 500 },
	[ERR_UNAVAILABLE] = { "unavailable", 503 },
};
_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == ERR__COUNT,
    "every error code has a row");

static void __attribute__((format(printf, 3, 0)))
err_vset(struct err *e, enum err_code code, const char *fmt, va_list ap)
{
	e->code = code;
	e->reason[0] = '\0';
	if (vsnprintf(e->detail, sizeof(e->detail), fmt, ap) < 0)
		e->detail[0] = '\0';
}

int
err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set_reason(struct err *e, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, ERR_ATTESTATION_FAILED, fmt, ap);
	va_end(ap);
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	return -1;
}

void
err_clear(struct err *e)
{
	e->code = ERR_NONE;
	e->detail[0] = '\0';
	e->reason[0] = '\0';
}

const char *
err_name(enum err_code code)
{
	if ((unsigned)code >= ERR__COUNT)
		return "internal";
	return err_table[code].name;
}

int
err_status(enum err_code code)
{
	if ((unsigned)code >= ERR__COUNT)
		return 500;
	return err_table[code].status;
}

void
err_echo(char *out, size_t out_len, const char *in, size_t in_len)
{
	size_t i, n;

	if (out_len == 0)
		return;
	n = in_len;
	if (n > LIMIT_DETAIL_ECHO_BYTES)
		n = LIMIT_DETAIL_ECHO_BYTES;
	if (n > out_len - 1)
		n = out_len - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c < 0x20 || c > 0x7e || c == '"' || c == '\\') ?
		    '?' : (char)c;
	}
	out[n] = '\0';
}
