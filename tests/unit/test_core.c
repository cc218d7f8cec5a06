/*
 * test_core.c - unit tests for libitlcore: base64/base64url/hex codecs,
 * bounded strings and integers, the arena and buffer bounds, error names.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/b64.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/rand.h"
#include "core/str.h"
#include "core/timefmt.h"

/* Ensure that base64 round-trips every length modulo 3 (RFC 4648 §10 vectors). */
static void
b64_rfc4648_vectors(void **state)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	char enc[16];
	uint8_t dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(b64_encode((const uint8_t *)in[i], strlen(in[i]),
		    enc, sizeof(enc)), 0);
		assert_string_equal(enc, out[i]);
		assert_int_equal(b64_decode(out[i], strlen(out[i]), dec,
		    sizeof(dec), &n), 0);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(dec, in[i], n);
	}
}

/* Ensure that malformed base64 is rejected: alphabet, padding, trailing bits, length. */
static void
b64_rejects_malformed(void **state)
{
	static const char *bad[] = { "Zg=", "Zg", "Z===", "Zh==", "Zm9", "Zm9v=",
	    "Zg==Zg==", "Zm-v", "Zm_v", "Zm9v!", "=Zm9" };
	uint8_t dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(b64_decode(bad[i], strlen(bad[i]), dec,
		    sizeof(dec), &n), -1);
}

/* Ensure that base64 decoding tolerates PEM line breaks and respects out_cap. */
static void
b64_whitespace_and_capacity(void **state)
{
	uint8_t dec[6];
	size_t n;

	(void)state;
	assert_int_equal(b64_decode("Zm9v\r\nYmFy\n", 11, dec, sizeof(dec), &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(b64_decode("Zm9vYmFy", 8, dec, 5, &n), -1);
}

/* Ensure that base64url has no padding and uses - and _. */
static void
b64url_alphabet(void **state)
{
	static const uint8_t in[] = { 0xfb, 0xff, 0xbf };
	char enc[8];

	(void)state;
	assert_int_equal(b64url_encode(in, 3, enc, sizeof(enc)), 0);
	assert_string_equal(enc, "-_-_");
	assert_int_equal(b64url_encode(in, 1, enc, sizeof(enc)), 0);
	assert_string_equal(enc, "-w");
	assert_int_equal(b64url_encode(in, 3, enc, 4), -1);	/* no room for NUL */
}

/* Ensure that hex round-trips, accepts upper case on input and rejects junk. */
static void
hex_codec(void **state)
{
	static const uint8_t in[] = { 0x00, 0xab, 0xff };
	char enc[7];
	uint8_t dec[3];

	(void)state;
	assert_int_equal(hex_encode(in, 3, enc, sizeof(enc)), 0);
	assert_string_equal(enc, "00abff");
	assert_int_equal(hex_decode("00ABff", 6, dec, 3), 0);
	assert_memory_equal(dec, in, 3);
	assert_int_equal(hex_decode("00abf", 5, dec, 3), -1);
	assert_int_equal(hex_decode("00abfg", 6, dec, 3), -1);
	assert_int_equal(hex_decode("00abff00", 8, dec, 3), -1);
	assert_int_equal(hex_encode(in, 3, enc, 6), -1);
}

/* Ensure that str_to_u64 refuses empty, signed, spaced, junk and out-of-range input. */
static void
str_to_u64_strict(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(str_to_u64("42", 2, 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_u64("", 0, 0, 100, &v), -1);
	assert_int_equal(str_to_u64("-1", 2, 0, 100, &v), -1);
	assert_int_equal(str_to_u64(" 1", 2, 0, 100, &v), -1);
	assert_int_equal(str_to_u64("1x", 2, 0, 100, &v), -1);
	assert_int_equal(str_to_u64("101", 3, 0, 100, &v), -1);
	assert_int_equal(str_to_u64("18446744073709551616", 20, 0, UINT64_MAX,
	    &v), -1);
	assert_int_equal(str_to_u64("18446744073709551615", 20, 0, UINT64_MAX,
	    &v), 0);
}

/* Ensure that str_copy reports truncation and always terminates. */
static void
str_copy_truncation(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(str_copy(out, sizeof(out), "abc", 3), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(str_copy(out, sizeof(out), "abcd", 4), -1);
	assert_string_equal(out, "");
}

/* Ensure that UTF-8 validation rejects overlong forms, surrogates and NUL. */
static void
utf8_validation(void **state)
{
	(void)state;
	assert_true(str_is_utf8("h\xc3\xa9llo", 6));
	assert_false(str_is_utf8("\xc0\xaf", 2));		/* overlong */
	assert_false(str_is_utf8("\xed\xa0\x80", 3));		/* surrogate */
	assert_false(str_is_utf8("a\0b", 3));
	assert_false(str_is_utf8("\xe2\x82", 2));		/* truncated */
}

/* Ensure that the arena refuses to pass its bound and is reusable after reset. */
static void
arena_bound_and_reset(void **state)
{
	struct arena a;
	void *p;

	(void)state;
	arena_init(&a, 1024);
	assert_non_null(arena_alloc(&a, 1000));
	assert_null(arena_alloc(&a, 100));
	arena_reset(&a);
	p = arena_alloc(&a, 1024);
	assert_non_null(p);
	assert_null(arena_alloc(&a, 1));
	arena_release(&a);
}

/* Ensure that a buffer append past its maximum fails and empties the buffer. */
static void
buf_maximum(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), 0);
	assert_int_equal(buf_append(&b, "9", 1), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_appendf(&b, "%d", 1234567), 0);
	assert_string_equal(b.p, "1234567");
	buf_release(&b);
}

/* Ensure that every error code has a name and the status of API spec §9. */
static void
err_table_matches_spec(void **state)
{
	struct err e;

	(void)state;
	assert_string_equal(err_name(ERR_NONCE_REPLAYED), "nonce_replayed");
	assert_int_equal(err_status(ERR_NONCE_REPLAYED), 409);
	assert_int_equal(err_status(ERR_BODY_TOO_LARGE), 413);
	assert_int_equal(err_status(ERR_EK_INVALID), 422);
	assert_int_equal(err_status(ERR_UNAVAILABLE), 503);
	assert_int_equal(err_set(&e, ERR_NOT_FOUND, "x %d", 1), -1);
	assert_string_equal(e.detail, "x 1");
	assert_int_equal(err_set_reason(&e, "ak_not_activated", "y"), -1);
	assert_int_equal(e.code, ERR_ATTESTATION_FAILED);
	assert_string_equal(e.reason, "ak_not_activated");
}

/* Ensure that echoed input is cut at LIMIT_DETAIL_ECHO_BYTES and sanitised. */
static void
err_echo_sanitises(void **state)
{
	char in[100], out[200];

	(void)state;
	memset(in, 'a', sizeof(in));
	in[0] = '\n';
	in[1] = '"';
	in[2] = (char)0xff;
	err_echo(out, sizeof(out), in, sizeof(in));
	assert_int_equal(strlen(out), LIMIT_DETAIL_ECHO_BYTES);
	assert_memory_equal(out, "???aaa", 6);
}

/* Ensure that RFC 3339 times round-trip and invalid dates are refused. */
static void
rfc3339_round_trip(void **state)
{
	char ts[TIMEFMT_BYTES];
	int64_t t;

	(void)state;
	assert_int_equal(timefmt_rfc3339(1795838400, ts), 0);
	assert_string_equal(ts, "2026-11-28T04:00:00Z");
	assert_int_equal(timefmt_parse(ts, strlen(ts), &t), 0);
	assert_int_equal(t, 1795838400);
	assert_int_equal(timefmt_parse("2026-02-31T00:00:00Z", 20, &t), -1);
	assert_int_equal(timefmt_parse("2026-11-28T04:00:00+01:00", 25, &t), -1);
	assert_int_equal(timefmt_parse("2026-11-28 04:00:00Z", 20, &t), -1);
}

/* Ensure that UUIDv4s have the version and variant bits and pass the check. */
static void
uuid4_format(void **state)
{
	char u[UUID_BYTES];

	(void)state;
	rand_uuid4(u);
	assert_int_equal(strlen(u), 36);
	assert_true(rand_uuid_check(u, 36));
	assert_true(strchr("89ab", u[19]) != NULL);
	assert_false(rand_uuid_check("00000000-0000-1000-8000-000000000000", 36));
	assert_false(rand_uuid_check("../../etc/passwd", 16));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b64_rfc4648_vectors),
		cmocka_unit_test(b64_rejects_malformed),
		cmocka_unit_test(b64_whitespace_and_capacity),
		cmocka_unit_test(b64url_alphabet),
		cmocka_unit_test(hex_codec),
		cmocka_unit_test(str_to_u64_strict),
		cmocka_unit_test(str_copy_truncation),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(arena_bound_and_reset),
		cmocka_unit_test(buf_maximum),
		cmocka_unit_test(err_table_matches_spec),
		cmocka_unit_test(err_echo_sanitises),
		cmocka_unit_test(rfc3339_round_trip),
		cmocka_unit_test(uuid4_format),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL) == 0 ? 0 : 1;
}
