/*
 * err.h - the error convention: every failing action fills a struct err with a
 * stable code (API spec §9) and a client-safe detail. core/err.c maps codes to
 * HTTP status and name; only http/resp builds the JSON body.
 */
#ifndef ITL_CORE_ERR_H
#define ITL_CORE_ERR_H

#include <stddef.h>

enum err_code {
	ERR_NONE = 0,
	ERR_BAD_JSON,
	ERR_BAD_REQUEST,
	ERR_AUTH_REQUIRED,
	ERR_FORBIDDEN,
	ERR_MACHINE_REJECTED,
	ERR_MACHINE_REVOKED,
	ERR_MACHINE_LOCKED,
	ERR_EK_MISMATCH,
	ERR_ATTESTATION_FAILED,
	ERR_ACTIVATION_FAILED,
	ERR_NOT_FOUND,
	ERR_TOKEN_NOT_FOUND,
	ERR_ENCRYPTION_REQUIRED,
	ERR_INVALID_STATE,
	ERR_NONCE_REPLAYED,
	ERR_DUPLICATE_VOTE,
	ERR_AK_REQUIRED,
	ERR_NONCE_EXPIRED,
	ERR_TOKEN_EXPIRED,
	ERR_BODY_TOO_LARGE,
	ERR_UNSUPPORTED_MEDIA_TYPE,
	ERR_VALIDATION_FAILED,
	ERR_EK_INVALID,
	ERR_EK_UNTRUSTED,
	ERR_EK_FINGERPRINT_MISMATCH,
	ERR_NONCE_UNKNOWN,
	ERR_NONCE_REQUIRED,
	ERR_QUOTE_REQUIRED,
	ERR_AK_UNACCEPTABLE,
	ERR_NONCE_CAPACITY,
	ERR_RATE_LIMITED,
	ERR_INTERNAL,
	ERR_UNAVAILABLE,
	ERR__COUNT
};

#define ERR_DETAIL_BYTES 160
#define ERR_REASON_BYTES 32

struct err {
	enum err_code code;
	char detail[ERR_DETAIL_BYTES];	/* sent to the client: lowercase, no final period */
	char reason[ERR_REASON_BYTES];	/* only for attestation_failed (§3) */
};

/* Fill e and return -1. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As err_set, with the closed-list reason of attestation_failed. */
int err_set_reason(struct err *e, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void err_clear(struct err *e);
/* Stable snake_case name of a code, and its HTTP status. */
const char *err_name(enum err_code code);
int err_status(enum err_code code);
/*
 * Copy at most LIMIT_DETAIL_ECHO_BYTES of untrusted input into out (size
 * out_len), mapping control and non-ASCII bytes to '?'. Always terminates.
 */
void err_echo(char *out, size_t out_len, const char *in, size_t in_len);

#endif
