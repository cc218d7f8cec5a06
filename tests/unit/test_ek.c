/*
 * test_ek.c - verify/ek: the ek_cert_pem field in every accepted form, EK
 * certificates and public keys made by swtpm (tests/data/gen.sh), the vendor
 * quirks, every rejection, the limits, and the client fingerprint check.
 * Expected fingerprints come from openssl (tests/data/ek/fingerprints).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/arena.h"
#include "core/b64.h"
#include "core/err.h"
#include "core/limits.h"
#include "verify/ek.h"

struct fixture {
	struct arena a;
	struct err e;
	struct ek_info ek;
};

static struct blob
data_file(const char *name)
{
	return test_data("ek", name);
}

/* The openssl-computed hex for key in tests/data/ek/fingerprints. */
static void
expected_fp(const char *key, char out[EK_HEX_SHA256_BYTES])
{
	struct blob b = data_file("fingerprints");
	size_t klen = strlen(key), off = 0, end;
	const char *line;
	bool found = false;

	/* lines are "<key> <64 hex digits>" */
	while (off < b.len) {
		line = (const char *)b.p + off;
		for (end = off; end < b.len && b.p[end] != '\n'; end++)
			continue;
		if (end - off == klen + 1 + 64 && memcmp(line, key, klen) == 0 &&
		    line[klen] == ' ') {
			memcpy(out, line + klen + 1, 64);
			out[64] = '\0';
			found = true;
		}
		off = end + 1;
	}
	free(b.p);
	if (!found)
		fail_msg("no fingerprint for %s", key);
}

/* Standard base64 of b, as a NUL-terminated malloc'd string. */
static char *
b64_of(const uint8_t *p, size_t len)
{
	size_t n = B64_ENCODED_LEN(len) + 1;
	char *s = malloc(n);

	assert_non_null(s);
	assert_int_equal(b64_encode(p, len, s, n), 0);
	return s;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	arena_init(&f->a, LIMIT_ARENA_BYTES);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	arena_release(&f->a);
	free(f);
	return 0;
}

/* Decode a field and parse it; asserts success. */
static void
decode_parse(struct fixture *f, const char *field, size_t field_len,
    enum ek_source src)
{
	const uint8_t *sent, *mat;
	size_t sent_len, mat_len;

	if (ek_material_decode(field, field_len, &f->a, &sent, &sent_len, &mat,
	    &mat_len, &f->e) != 0 ||
	    ek_parse(mat, mat_len, src, &f->a, &f->ek, &f->e) != 0)
		fail_msg("%s: %s", err_name(f->e.code), f->e.detail);
}

/* Parse a file's bytes directly; asserts success. */
static void
parse_file(struct fixture *f, const char *name, enum ek_source src)
{
	struct blob b = data_file(name);
	int rc = ek_parse(b.p, b.len, src, &f->a, &f->ek, &f->e);

	free(b.p);
	if (rc != 0)
		fail_msg("%s: %s: %s", name, err_name(f->e.code), f->e.detail);
}

/* Parse bytes and expect failure with code. */
static void
parse_fails(struct fixture *f, const uint8_t *p, size_t len,
    enum ek_source src, enum err_code code)
{
	struct ek_info ek;

	memset(&ek, 0, sizeof(ek));
	assert_int_equal(ek_parse(p, len, src, &f->a, &ek, &f->e), -1);
	assert_int_equal(f->e.code, code);
	assert_true(strlen(f->e.detail) > 0);
}

/* Decode a field and expect failure with code. */
static void
decode_fails(struct fixture *f, const char *field, size_t len,
    enum err_code code)
{
	const uint8_t *sent = NULL, *mat = NULL;
	size_t sent_len = 0, mat_len = 0;

	assert_int_equal(ek_material_decode(field, len, &f->a, &sent,
	    &sent_len, &mat, &mat_len, &f->e), -1);
	assert_int_equal(f->e.code, code);
	assert_null(sent);
	assert_null(mat);
}

static void
assert_fp(const struct ek_info *ek, const char *key)
{
	char want[EK_HEX_SHA256_BYTES];

	expected_fp(key, want);
	assert_string_equal(ek->fingerprint, want);
}

static void
assert_rsa_cert(const struct ek_info *ek)
{
	char want[EK_HEX_SHA256_BYTES];

	assert_fp(ek, "rsa");
	expected_fp("rsa-cert", want);
	assert_true(ek->has_cert);
	assert_string_equal(ek->cert_sha256, want);
	assert_int_equal(ek->source, EK_SOURCE_CERT);
	assert_int_equal(ek->key_type, EK_KEY_RSA);
	assert_int_equal(ek->key_bits, 2048);
	assert_int_equal(ek->cert_der_len, 1016);
}

/* Ensure that a base64 DER RSA EK certificate gives openssl's SPKI and certificate hashes. */
static void
rsa_cert_der_b64_matches_openssl(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.der");
	char *field = b64_of(b.p, b.len);

	decode_parse(f, field, strlen(field), EK_SOURCE_CERT);
	assert_rsa_cert(&f->ek);
	assert_memory_equal(f->ek.cert_der, b.p, b.len);
	free(field);
	free(b.p);
}

/* Ensure that base64 of the PEM text gives the same identity, and sent is the PEM text. */
static void
rsa_cert_pem_b64_matches_openssl(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.pem");
	char *field = b64_of(b.p, b.len);
	const uint8_t *sent, *mat;
	size_t sent_len, mat_len;

	assert_int_equal(ek_material_decode(field, strlen(field), &f->a, &sent,
	    &sent_len, &mat, &mat_len, &f->e), 0);
	assert_int_equal(sent_len, b.len);
	assert_memory_equal(sent, b.p, b.len);
	assert_int_equal(mat_len, 1016);
	assert_int_equal(ek_parse(mat, mat_len, EK_SOURCE_CERT, &f->a, &f->ek,
	    &f->e), 0);
	assert_rsa_cert(&f->ek);
	free(field);
	free(b.p);
}

/* Ensure that a raw PEM string (no outer base64) gives the same identity, and sent is the field. */
static void
rsa_cert_raw_pem_matches_openssl(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.pem");
	const uint8_t *sent, *mat;
	size_t sent_len, mat_len;

	assert_int_equal(ek_material_decode((char *)b.p, b.len, &f->a, &sent,
	    &sent_len, &mat, &mat_len, &f->e), 0);
	assert_int_equal(sent_len, b.len);
	assert_memory_equal(sent, b.p, b.len);
	assert_int_equal(ek_parse(mat, mat_len, EK_SOURCE_CERT, &f->a, &f->ek,
	    &f->e), 0);
	assert_rsa_cert(&f->ek);
	free(b.p);
}

/* Ensure that a raw PEM string with leading blanks, CRLF line ends and trailing text is accepted. */
static void
rsa_cert_raw_pem_crlf_is_accepted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.pem");
	char *crlf = malloc(2 * b.len + 64);
	size_t i, n = 0;

	assert_non_null(crlf);
	memcpy(crlf, " \r\n\t", 4);
	n = 4;
	for (i = 0; i < b.len; i++) {
		if (b.p[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = (char)b.p[i];
	}
	memcpy(crlf + n, "trailing words\r\n", 16);
	n += 16;
	decode_parse(f, crlf, n, EK_SOURCE_CERT);
	assert_rsa_cert(&f->ek);
	free(crlf);
	free(b.p);
}

/* Ensure that a base64 field with line breaks (as base64(1) wraps it) is accepted. */
static void
b64_field_with_line_breaks_is_accepted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.der");
	char *field = b64_of(b.p, b.len);
	size_t len = strlen(field), i, n = 0;
	char *wrapped = malloc(len + len / 76 + 2);

	assert_non_null(wrapped);
	for (i = 0; i < len; i++) {
		wrapped[n++] = field[i];
		if (i % 76 == 75)
			wrapped[n++] = '\n';
	}
	wrapped[n++] = '\n';
	decode_parse(f, wrapped, n, EK_SOURCE_CERT);
	assert_rsa_cert(&f->ek);
	free(wrapped);
	free(field);
	free(b.p);
}

/* Ensure that the RSA EK as SPKI DER, SPKI PEM, TPM2B_PUBLIC and TPMT_PUBLIC has the certificate's identity. */
static void
rsa_pub_forms_match_cert(void **state)
{
	static const char *const names[] = {
		"ek-pub.der", "ek-pub.pem", "ek.pub", "ek.tpmt",
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct blob b = data_file(names[i]);
		char *field = b64_of(b.p, b.len);

		memset(&f->ek, 0, sizeof(f->ek));
		ERR_clear_error();
		decode_parse(f, field, strlen(field), EK_SOURCE_PUB);
		/* failed attempts at the other forms leave no OpenSSL error */
		assert_int_equal(ERR_peek_error(), 0);
		assert_fp(&f->ek, "rsa");
		assert_int_equal(f->ek.source, EK_SOURCE_PUB);
		assert_int_equal(f->ek.key_type, EK_KEY_RSA);
		assert_int_equal(f->ek.key_bits, 2048);
		assert_false(f->ek.has_cert);
		assert_null(f->ek.cert_der);
		assert_string_equal(f->ek.cert_sha256, "");
		free(field);
		free(b.p);
	}
	/* raw PEM of the public key too */
	{
		struct blob b = data_file("ek-pub.pem");

		decode_parse(f, (char *)b.p, b.len, EK_SOURCE_PUB);
		assert_fp(&f->ek, "rsa");
		free(b.p);
	}
}

/* Ensure that the ECC P-384 EK certificate, its SPKI and its TPM2B_PUBLIC share one identity. */
static void
ecc_p384_cert_and_pub_match(void **state)
{
	struct fixture *f = *state;
	char want[EK_HEX_SHA256_BYTES];
	struct blob b = data_file("ek-ecc-cert.pem");

	decode_parse(f, (char *)b.p, b.len, EK_SOURCE_CERT);
	free(b.p);
	assert_fp(&f->ek, "ecc");
	expected_fp("ecc-cert", want);
	assert_string_equal(f->ek.cert_sha256, want);
	assert_int_equal(f->ek.key_type, EK_KEY_EC);
	assert_int_equal(f->ek.key_bits, 384);
	assert_int_equal(f->ek.curve_nid, NID_secp384r1);

	b = data_file("ek-ecc-pub.pem");
	decode_parse(f, (char *)b.p, b.len, EK_SOURCE_PUB);
	free(b.p);
	assert_fp(&f->ek, "ecc");

	parse_file(f, "ek-ecc.pub", EK_SOURCE_PUB);
	assert_fp(&f->ek, "ecc");
	assert_int_equal(f->ek.curve_nid, NID_secp384r1);
}

/* Ensure that a P-256 EK as TPM2B_PUBLIC, TPMT_PUBLIC, PEM and compressed-point SPKI has one identity. */
static void
ecc_p256_pub_forms_match(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-ecc256-pub.pem");

	decode_parse(f, (char *)b.p, b.len, EK_SOURCE_PUB);
	free(b.p);
	assert_fp(&f->ek, "ecc256");
	assert_int_equal(f->ek.curve_nid, NID_X9_62_prime256v1);
	assert_int_equal(f->ek.key_bits, 256);
	parse_file(f, "ek-ecc256.pub", EK_SOURCE_PUB);
	assert_fp(&f->ek, "ecc256");
	parse_file(f, "ek-ecc256.tpmt", EK_SOURCE_PUB);
	assert_fp(&f->ek, "ecc256");
	parse_file(f, "ek-ecc256-compressed-spki.der", EK_SOURCE_PUB);
	assert_fp(&f->ek, "ecc256");
	assert_int_equal(f->ek.spki_der_len, 91);	/* re-encoded uncompressed */
}

/* Ensure that the TCG NV header (7-byte and 5-byte forms) and NV padding are stripped. */
static void
nv_header_and_padding_are_stripped(void **state)
{
	static const char *const names[] = {
		"ek-cert-nvhdr7.der", "ek-cert-nvhdr5.der", "ek-cert-padff.der",
		"ek-cert-nvhdr7-pad00.der",
	};
	struct fixture *f = *state;
	struct blob der = data_file("ek-cert.der");
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct blob b = data_file(names[i]);
		char *field = b64_of(b.p, b.len);

		memset(&f->ek, 0, sizeof(f->ek));
		decode_parse(f, field, strlen(field), EK_SOURCE_CERT);
		assert_rsa_cert(&f->ek);
		assert_memory_equal(f->ek.cert_der, der.p, der.len);
		free(field);
		free(b.p);
	}
	free(der.p);
}

/* Ensure that an NV header whose certSize runs past the end is ek_invalid. */
static void
nv_header_size_past_end_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert-nvhdr7.der");

	b.p[3] = 0x04;	/* certSize 0x0401 + 2 > 1018 bytes available */
	b.p[4] = 0x01;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	b.p[3] = 0xff;
	b.p[4] = 0xff;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	/* certSize smaller than the certificate */
	b.p[3] = 0x00;
	b.p[4] = 0x10;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	/* a header without a certificate, and a truncated header */
	parse_fails(f, (const uint8_t *)"\x10\x01\x00\x00\x00", 5,
	    EK_SOURCE_CERT, ERR_EK_INVALID);
	parse_fails(f, (const uint8_t *)"\x10\x01\x00\x00\x02\x10\x02", 7,
	    EK_SOURCE_CERT, ERR_EK_INVALID);
	parse_fails(f, b.p, 4, EK_SOURCE_CERT, ERR_EK_INVALID);
	/* TCG_PARTIAL_SMALL_CERT is not supported */
	b.p[2] = 0x01;
	b.p[3] = 0x04;
	b.p[4] = 0x00;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	free(b.p);
}

/* Ensure that a certificate with a non-minimal INTEGER serial parses, with empty names. */
static void
non_minimal_serial_is_tolerated(void **state)
{
	struct fixture *f = *state;
	char subject[EK_NAME_BYTES], issuer[EK_NAME_BYTES];

	ERR_clear_error();
	parse_file(f, "nonmin-serial.der", EK_SOURCE_CERT);
	assert_fp(&f->ek, "nonmin");
	assert_true(f->ek.has_cert);
	assert_int_equal(f->ek.key_type, EK_KEY_EC);
	assert_int_equal(f->ek.curve_nid, NID_X9_62_prime256v1);
	memset(subject, 'x', sizeof(subject));
	memset(issuer, 'x', sizeof(issuer));
	ek_cert_names(&f->ek, subject, sizeof(subject), issuer,
	    sizeof(issuer));
	assert_string_equal(subject, "");
	assert_string_equal(issuer, "");
	/* OpenSSL's refusal leaves nothing on the error queue */
	assert_int_equal(ERR_peek_error(), 0);
}

/* Ensure that random garbage is ek_invalid for both sources. */
static void
garbage_is_rejected(void **state)
{
	struct fixture *f = *state;
	uint8_t junk[300];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	parse_fails(f, junk, sizeof(junk), EK_SOURCE_CERT, ERR_EK_INVALID);
	parse_fails(f, junk, sizeof(junk), EK_SOURCE_PUB, ERR_EK_INVALID);
	parse_fails(f, (const uint8_t *)"\x30\x00", 2, EK_SOURCE_CERT,
	    ERR_EK_INVALID);
	parse_fails(f, (const uint8_t *)"\x30\x00", 2, EK_SOURCE_PUB,
	    ERR_EK_INVALID);
	/* BER indefinite length and a 5-byte length are not DER */
	parse_fails(f, (const uint8_t *)"\x30\x80\x30\x80\x00\x00\x00\x00", 8,
	    EK_SOURCE_CERT, ERR_EK_INVALID);
	parse_fails(f, (const uint8_t *)"\x30\x85\x00\x00\x00\x00\x01\x00", 8,
	    EK_SOURCE_CERT, ERR_EK_INVALID);
}

/* Ensure that a certificate truncated at any of several lengths is ek_invalid. */
static void
truncated_cert_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.der");
	const size_t cuts[] = { 1, 2, 3, 4, 8, 15, 100, 300, 500, 1000, 1015 };
	size_t i;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		parse_fails(f, b.p, cuts[i], EK_SOURCE_CERT, ERR_EK_INVALID);
		parse_fails(f, b.p, cuts[i], EK_SOURCE_PUB, ERR_EK_INVALID);
	}
	free(b.p);
}

/* Ensure that the public key forms truncated or with a trailing byte are ek_invalid. */
static void
truncated_or_long_pub_is_rejected(void **state)
{
	static const char *const names[] = {
		"ek-pub.der", "ek.pub", "ek.tpmt", "ek-ecc.pub",
		"ek-ecc256.tpmt",
	};
	struct fixture *f = *state;
	size_t i, cut;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct blob b = data_file(names[i]);
		uint8_t *longer = malloc(b.len + 1);

		assert_non_null(longer);
		for (cut = 1; cut < b.len; cut += 37)
			parse_fails(f, b.p, cut, EK_SOURCE_PUB, ERR_EK_INVALID);
		parse_fails(f, b.p, b.len - 1, EK_SOURCE_PUB, ERR_EK_INVALID);
		memcpy(longer, b.p, b.len);
		longer[b.len] = 0;
		parse_fails(f, longer, b.len + 1, EK_SOURCE_PUB,
		    ERR_EK_INVALID);
		free(longer);
		free(b.p);
	}
}

/* Ensure that length fields pointing past the end of the certificate are ek_invalid. */
static void
length_past_end_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.der");

	/* 30 82 03 f4 | 30 82 xx xx (tbsCertificate) | a0 03 ... */
	assert_int_equal(b.p[0], 0x30);
	assert_int_equal(b.p[1], 0x82);
	b.p[2] = 0xff;	/* outer SEQUENCE */
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	b.p[2] = 0x03;
	b.p[1] = 0x84;	/* 4-byte length 0x03f43082 */
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	b.p[1] = 0x82;
	b.p[6] = 0x03;	/* tbsCertificate longer than the certificate */
	b.p[7] = 0xf4;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	free(b.p);
	/* the serial number's length past the tbsCertificate */
	b = data_file("ek-cert.der");
	assert_int_equal(b.p[13], 0x02);
	b.p[14] = 0x7f;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	/* a serial that is not an INTEGER */
	b.p[14] = 0x01;
	b.p[13] = 0x04;
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	free(b.p);
	/* a TPM2B_PUBLIC whose size says more than is there */
	b = data_file("ek.pub");
	b.p[0] = 0x01;
	b.p[1] = 0x3b;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	free(b.p);
}

/* Ensure that empty material, an empty field and a blank field are ek_invalid. */
static void
empty_input_is_rejected(void **state)
{
	struct fixture *f = *state;

	parse_fails(f, NULL, 0, EK_SOURCE_CERT, ERR_EK_INVALID);
	parse_fails(f, (const uint8_t *)"", 0, EK_SOURCE_PUB, ERR_EK_INVALID);
	decode_fails(f, "", 0, ERR_EK_INVALID);
	decode_fails(f, " \r\n\t", 4, ERR_EK_INVALID);
	decode_fails(f, "====", 4, ERR_EK_INVALID);
}

/* Ensure that bad base64 and bad PEM are ek_invalid. */
static void
bad_base64_and_pem_are_rejected(void **state)
{
	static const char *const bad[] = {
		"not*base64!",
		"MII",			/* unpadded */
		"MIIB=AAA",		/* padding inside */
		"TWE=TWE=",		/* data after padding */
		"-----BEGIN CERTIFICATE-----\nMIIB\n",	/* no END */
		"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nTWFu\n-----END PUBLIC KEY-----\n",
		"-----BEGIN RSA PRIVATE KEY-----\nTWFu\n-----END RSA PRIVATE KEY-----\n",
		"-----BEGIN CERTIFICATE",	/* unterminated begin line */
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		decode_fails(f, bad[i], strlen(bad[i]), ERR_EK_INVALID);
	/* the same PEM errors inside the outer base64 */
	for (i = 4; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *field = b64_of((const uint8_t *)bad[i], strlen(bad[i]));

		decode_fails(f, field, strlen(field), ERR_EK_INVALID);
		free(field);
	}
}

/* Ensure that a long unknown PEM label is echoed in at most LIMIT_DETAIL_ECHO_BYTES bytes. */
static void
pem_label_echo_is_bounded(void **state)
{
	struct fixture *f = *state;
	char field[512];
	int n;

	n = snprintf(field, sizeof(field), "-----BEGIN %0200d\x01-----\nTWFu\n",
	    0);
	assert_true(n > 0 && n < (int)sizeof(field));
	decode_fails(f, field, (size_t)n, ERR_EK_INVALID);
	assert_null(strstr(f->e.detail, "\x01"));
	assert_null(strstr(f->e.detail,
	    "00000000000000000000000000000000000000000000000000000000000000000"));
}

/* Ensure that a field of exactly LIMIT_EK_MATERIAL_BYTES is accepted and one byte more is validation_failed. */
static void
field_limit_is_enforced(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.pem");
	char *field = malloc(LIMIT_EK_MATERIAL_BYTES + 1);

	assert_non_null(field);
	memset(field, '\n', LIMIT_EK_MATERIAL_BYTES + 1);
	memcpy(field, b.p, b.len);
	decode_parse(f, field, LIMIT_EK_MATERIAL_BYTES, EK_SOURCE_CERT);
	assert_rsa_cert(&f->ek);
	decode_fails(f, field, LIMIT_EK_MATERIAL_BYTES + 1,
	    ERR_VALIDATION_FAILED);
	free(field);
	free(b.p);
}

/* Ensure that material of exactly LIMIT_EK_DER_BYTES is accepted and one byte more is rejected. */
static void
material_limit_is_enforced(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.der");
	uint8_t *m = malloc(LIMIT_EK_DER_BYTES + 1);
	char *field;

	assert_non_null(m);
	memset(m, 0xff, LIMIT_EK_DER_BYTES + 1);
	memcpy(m, b.p, b.len);
	field = b64_of(m, LIMIT_EK_DER_BYTES);
	decode_parse(f, field, strlen(field), EK_SOURCE_CERT);
	assert_rsa_cert(&f->ek);
	free(field);
	field = b64_of(m, LIMIT_EK_DER_BYTES + 1);
	decode_fails(f, field, strlen(field), ERR_VALIDATION_FAILED);
	parse_fails(f, m, LIMIT_EK_DER_BYTES + 1, EK_SOURCE_CERT,
	    ERR_EK_INVALID);
	free(field);
	free(m);
	free(b.p);
}

/* Ensure that keys that are not EK keys (RSA-1024, P-224, explicit curve) are ek_invalid. */
static void
weak_or_odd_keys_are_rejected(void **state)
{
	static const char *const names[] = {
		"rsa1024-spki.der", "p224-spki.der", "p256-explicit-spki.der",
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct blob b = data_file(names[i]);

		parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
		free(b.p);
	}
}

/* Ensure that TPM public areas with a bad point, a wrong keyBits or a bad curve are ek_invalid. */
static void
bad_tpm_public_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-ecc256.pub");

	b.p[b.len - 1] ^= 0x01;	/* y no longer on the curve */
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	free(b.p);
	/* TPMT_PUBLIC RSA EK: keyBits at offset 50 (after the 32-byte authPolicy) */
	b = data_file("ek.tpmt");
	assert_int_equal(b.p[50], 0x08);
	b.p[50] = 0x04;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	free(b.p);
	/* TPMT_PUBLIC ECC EK: curveID at offset 50 (after symmetric and scheme) */
	b = data_file("ek-ecc256.tpmt");
	assert_int_equal(b.p[50], 0x00);
	assert_int_equal(b.p[51], 0x03);
	b.p[51] = 0x02;	/* TPM2_ECC_NIST_P224 */
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	free(b.p);
}

/* Ensure that a certificate sent as pub and a public key sent as cert are ek_invalid. */
static void
wrong_source_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-cert.der");

	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	free(b.p);
	b = data_file("ek-pub.der");
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	free(b.p);
	b = data_file("ek.pub");
	parse_fails(f, b.p, b.len, EK_SOURCE_CERT, ERR_EK_INVALID);
	free(b.p);
}

/* Ensure that a failed parse leaves the output untouched. */
static void
failed_parse_leaves_output_alone(void **state)
{
	struct fixture *f = *state;
	struct ek_info ek;

	memset(&ek, 0x5a, sizeof(ek));
	assert_int_equal(ek_parse((const uint8_t *)"\x30\x01", 2,
	    EK_SOURCE_CERT, &f->a, &ek, &f->e), -1);
	assert_int_equal(ek.key_bits, 0x5a5a5a5a);
}

static void
hex_of(const uint8_t *d, size_t n, char *out)
{
	assert_int_equal(hex_encode(d, n, out, 2 * n + 1), 0);
}

/* Decode the RSA certificate as PEM text in base64; sent is the PEM text. */
static void
parse_rsa_pem(struct fixture *f, const uint8_t **sent, size_t *sent_len)
{
	struct blob b = data_file("ek-cert.pem");
	char *field = b64_of(b.p, b.len);
	const uint8_t *mat;
	size_t mat_len;

	assert_int_equal(ek_material_decode(field, strlen(field), &f->a, sent,
	    sent_len, &mat, &mat_len, &f->e), 0);
	assert_int_equal(ek_parse(mat, mat_len, EK_SOURCE_CERT, &f->a, &f->ek,
	    &f->e), 0);
	free(field);
	free(b.p);
}

/* Ensure that the fingerprint check accepts the SPKI, certificate, sent SHA-256 and sent SHA-384, in either case. */
static void
fingerprint_check_accepts_each_form(void **state)
{
	struct fixture *f = *state;
	const uint8_t *sent;
	size_t sent_len, i;
	uint8_t d[48];
	unsigned int n;
	char hex[97], upper[97];

	parse_rsa_pem(f, &sent, &sent_len);
	expected_fp("rsa", hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), 0);
	for (i = 0; i <= 64; i++)
		upper[i] = (char)toupper((unsigned char)hex[i]);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, upper,
	    64, &f->e), 0);
	expected_fp("rsa-cert", hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), 0);
	assert_int_equal(EVP_Digest(sent, sent_len, d, &n, EVP_sha256(), NULL),
	    1);
	hex_of(d, 32, hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), 0);
	assert_int_equal(EVP_Digest(sent, sent_len, d, &n, EVP_sha384(), NULL),
	    1);
	hex_of(d, 48, hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 96,
	    &f->e), 0);
	for (i = 0; i <= 96; i++)
		upper[i] = (char)toupper((unsigned char)hex[i]);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, upper,
	    96, &f->e), 0);
}

/* Ensure that a fingerprint matching nothing is ek_fingerprint_mismatch. */
static void
fingerprint_check_rejects_wrong_value(void **state)
{
	struct fixture *f = *state;
	const uint8_t *sent;
	size_t sent_len;
	uint8_t d[48];
	unsigned int n;
	char hex[97];

	parse_rsa_pem(f, &sent, &sent_len);
	expected_fp("rsa", hex);
	hex[63] = hex[63] == '0' ? '1' : '0';
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), -1);
	assert_int_equal(f->e.code, ERR_EK_FINGERPRINT_MISMATCH);
	/* another TPM's identity */
	expected_fp("ecc", hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), -1);
	assert_int_equal(f->e.code, ERR_EK_FINGERPRINT_MISMATCH);
	/* SHA-384 of other bytes, and SHA-256 of the DER when PEM was sent */
	assert_int_equal(EVP_Digest(sent, sent_len - 1, d, &n, EVP_sha384(),
	    NULL), 1);
	hex_of(d, 48, hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 96,
	    &f->e), -1);
	assert_int_equal(f->e.code, ERR_EK_FINGERPRINT_MISMATCH);
	/* the certificate hash does not count for a pub source */
	parse_file(f, "ek-pub.der", EK_SOURCE_PUB);
	expected_fp("rsa-cert", hex);
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), -1);
	assert_int_equal(f->e.code, ERR_EK_FINGERPRINT_MISMATCH);
}

/* Ensure that a fingerprint of the wrong length or with non-hex digits is validation_failed. */
static void
fingerprint_check_rejects_bad_syntax(void **state)
{
	static const size_t lens[] = { 0, 1, 40, 63, 65, 95, 97, 128 };
	struct fixture *f = *state;
	const uint8_t *sent;
	size_t sent_len, i;
	char hex[129];

	parse_rsa_pem(f, &sent, &sent_len);
	memset(hex, 'a', sizeof(hex));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len,
		    hex, lens[i], &f->e), -1);
		assert_int_equal(f->e.code, ERR_VALIDATION_FAILED);
	}
	expected_fp("rsa", hex);
	hex[10] = 'g';
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), -1);
	assert_int_equal(f->e.code, ERR_VALIDATION_FAILED);
	expected_fp("rsa", hex);
	hex[0] = ' ';
	assert_int_equal(ek_fingerprint_check(&f->ek, sent, sent_len, hex, 64,
	    &f->e), -1);
	assert_int_equal(f->e.code, ERR_VALIDATION_FAILED);
}

/* ---- the canonical SPKI encoders ---- */

/* A DER builder for hand-made keys. */
struct dbuf {
	uint8_t p[4096];
	size_t len;
};

static void
put(struct dbuf *b, const void *p, size_t n)
{
	assert_true(sizeof(b->p) - b->len >= n);
	if (n == 0)
		return;	/* p may be NULL then */
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put_byte(struct dbuf *b, uint8_t v)
{
	put(b, &v, 1);
}

/* Append a TLV of in; its length in len_octets octets, or minimal for 0. */
static void
put_tlv(struct dbuf *b, uint8_t tag, const struct dbuf *in, size_t len_octets)
{
	size_t n = in->len, i;

	put_byte(b, tag);
	if (len_octets == 0 && n < 0x80) {
		put_byte(b, (uint8_t)n);
	} else {
		if (len_octets == 0)
			for (i = n; i > 0; i >>= 8)
				len_octets++;
		put_byte(b, (uint8_t)(0x80 | len_octets));
		for (i = len_octets; i > 0; i--)
			put_byte(b, (uint8_t)(n >> (8 * (i - 1))));
	}
	put(b, in->p, in->len);
}

/* The parts of a hand-made RSA SPKI; zero values give the canonical form. */
struct rsa_parts {
	const uint8_t *n;	/* modulus INTEGER contents as written */
	size_t n_len;
	const uint8_t *e;	/* exponent INTEGER contents; NULL: 01 00 01 */
	size_t e_len;
	const uint8_t *params;	/* TLV after the OID; NULL: 05 00 */
	size_t params_len;
	bool no_params;
	uint8_t unused_bits;
	const uint8_t *tail;	/* bytes after RSAPublicKey in the BIT STRING */
	size_t tail_len;
	size_t outer_len_octets;	/* 0: minimal */
};

static void
rsa_spki(const struct rsa_parts *r, struct dbuf *out)
{
	static const uint8_t oid[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
		0x01,
	};
	static const uint8_t e65537[] = { 0x01, 0x00, 0x01 };
	struct dbuf in, seq, alg, bits, body;

	memset(out, 0, sizeof(*out));
	memset(&in, 0, sizeof(in));
	memset(&seq, 0, sizeof(seq));
	memset(&alg, 0, sizeof(alg));
	memset(&bits, 0, sizeof(bits));
	memset(&body, 0, sizeof(body));
	put(&in, r->n, r->n_len);
	put_tlv(&seq, 0x02, &in, 0);
	in.len = 0;
	if (r->e == NULL)
		put(&in, e65537, sizeof(e65537));
	else
		put(&in, r->e, r->e_len);
	put_tlv(&seq, 0x02, &in, 0);
	put_byte(&bits, r->unused_bits);
	put_tlv(&bits, 0x30, &seq, 0);
	put(&bits, r->tail, r->tail_len);
	in.len = 0;
	put(&in, oid, sizeof(oid));
	if (r->params != NULL)
		put(&in, r->params, r->params_len);
	else if (!r->no_params)
		put(&in, "\x05\x00", 2);
	put_tlv(&alg, 0x30, &in, 0);
	put(&body, alg.p, alg.len);
	put_tlv(&body, 0x03, &bits, 0);
	put_tlv(out, 0x30, &body, r->outer_len_octets);
}

/*
 * The 256 modulus octets of ek-pub.der:
 * 30 82 01 22 ... 02 82 01 01 00 <n> 02 03 01 00 01.
 */
static void
fixture_modulus(uint8_t n[256])
{
	struct blob b = data_file("ek-pub.der");

	assert_int_equal(b.len, 294);
	assert_memory_equal(b.p + 28, "\x02\x82\x01\x01\x00", 5);
	assert_memory_equal(b.p + 289, "\x02\x03\x01\x00\x01", 5);
	memcpy(n, b.p + 33, 256);
	free(b.p);
}

/* OpenSSL decodes spki and i2d_PUBKEY writes exactly the same bytes. */
static void
assert_openssl_writes_same(const uint8_t *spki, size_t len)
{
	const unsigned char *q = spki;
	unsigned char *der = NULL;
	EVP_PKEY *k;
	int n;

	k = d2i_PUBKEY(NULL, &q, (long)len);
	assert_non_null(k);
	assert_ptr_equal(q, spki + len);
	n = i2d_PUBKEY(k, &der);
	assert_int_equal(n, len);
	assert_memory_equal(der, spki, len);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

/* The fingerprint is the SHA-256 of spki_der. */
static void
assert_fp_of_spki(const struct ek_info *ek)
{
	uint8_t d[32];
	unsigned int n;
	char hex[EK_HEX_SHA256_BYTES];

	assert_int_equal(EVP_Digest(ek->spki_der, ek->spki_der_len, d, &n,
	    EVP_sha256(), NULL), 1);
	hex_of(d, 32, hex);
	assert_string_equal(ek->fingerprint, hex);
}

/* Parse hand-made bytes as a public key; asserts success. */
static void
parse_bytes(struct fixture *f, const uint8_t *p, size_t len)
{
	if (ek_parse(p, len, EK_SOURCE_PUB, &f->a, &f->ek, &f->e) != 0)
		fail_msg("%s: %s", err_name(f->e.code), f->e.detail);
}

/* Ensure that every accepted fixture's SPKI is byte for byte what OpenSSL's i2d_PUBKEY writes. */
static void
canonical_spki_is_what_openssl_writes(void **state)
{
	static const struct {
		const char *name;
		enum ek_source src;
	} in[] = {
		{ "ek-pub.der", EK_SOURCE_PUB }, { "ek.pub", EK_SOURCE_PUB },
		{ "ek.tpmt", EK_SOURCE_PUB }, { "ek-cert.der", EK_SOURCE_CERT },
		{ "ek-ecc-cert.der", EK_SOURCE_CERT },
		{ "ek-ecc.pub", EK_SOURCE_PUB },
		{ "ek-ecc256.pub", EK_SOURCE_PUB },
		{ "ek-ecc256.tpmt", EK_SOURCE_PUB },
		{ "ek-ecc256-compressed-spki.der", EK_SOURCE_PUB },
		{ "nonmin-serial.der", EK_SOURCE_CERT },
		{ "nonmin-serial-spki.der", EK_SOURCE_PUB },
	};
	struct fixture *f = *state;
	struct blob b;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		parse_file(f, in[i].name, in[i].src);
		assert_openssl_writes_same(f->ek.spki_der, f->ek.spki_der_len);
		assert_fp_of_spki(&f->ek);
	}
	/* an SPKI that is already canonical comes back unchanged */
	b = data_file("ek-pub.der");
	parse_file(f, "ek-pub.der", EK_SOURCE_PUB);
	assert_int_equal(f->ek.spki_der_len, b.len);
	assert_memory_equal(f->ek.spki_der, b.p, b.len);
	free(b.p);
}

/* Ensure that an RSA SPKI with non-minimal INTEGERs and lengths has the canonical fingerprint. */
static void
rsa_non_minimal_encodings_give_canonical_fingerprint(void **state)
{
	static const uint8_t e_nonmin[] = { 0x00, 0x00, 0x01, 0x00, 0x01 };
	struct fixture *f = *state;
	struct blob canon = data_file("ek-pub.der");
	uint8_t n[256], n3[259];
	struct rsa_parts r;
	struct dbuf d;
	size_t i;

	fixture_modulus(n);
	/* the builder makes the fixture itself from the canonical parts */
	memset(&r, 0, sizeof(r));
	n3[0] = 0;
	memcpy(n3 + 1, n, 256);
	r.n = n3;
	r.n_len = 257;
	rsa_spki(&r, &d);
	assert_int_equal(d.len, canon.len);
	assert_memory_equal(d.p, canon.p, canon.len);
	for (i = 0; i < 5; i++) {
		memset(&r, 0, sizeof(r));
		memset(n3, 0, 3);
		memcpy(n3 + 3, n, 256);
		r.n = n3;
		r.n_len = 259;	/* 00 00 00 n: two octets too many */
		if (i == 1) {
			r.e = e_nonmin;
			r.e_len = sizeof(e_nonmin);
		} else if (i == 2) {
			r.no_params = true;
		} else if (i == 3) {
			r.outer_len_octets = 4;	/* 30 84 00 00 01 26 */
		} else if (i == 4) {
			/* no 00 sign octet: read as OpenSSL reads it */
			r.n = n;
			r.n_len = 256;
		}
		rsa_spki(&r, &d);
		memset(&f->ek, 0, sizeof(f->ek));
		parse_bytes(f, d.p, d.len);
		assert_fp(&f->ek, "rsa");
		assert_int_equal(f->ek.key_bits, 2048);
		assert_int_equal(f->ek.spki_der_len, canon.len);
		assert_memory_equal(f->ek.spki_der, canon.p, canon.len);
		assert_fp_of_spki(&f->ek);
	}
	free(canon.p);
}

/* Ensure that an even RSA exponent, an exponent of 0 or 1, or one over 32 bits is ek_invalid. */
static void
rsa_bad_exponent_is_invalid(void **state)
{
	static const struct {
		const char *e;
		size_t len;
		bool ok;
	} cases[] = {
		{ "\x01\x00\x02", 3, false },	/* even */
		{ "\x02", 1, false },
		{ "\x00", 1, false },
		{ "\x01", 1, false },
		{ "\x03", 1, true },
		/* negative as written, 2^32 - 1 as read */
		{ "\xff\xff\xff\xff", 4, true },
		{ "\x00\xff\xff\xff\xff", 5, true },	/* 32 bits */
		{ "\x01\x00\x00\x00\x01", 5, false },	/* 33 bits */
		{ "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01", 11, true },
	};
	struct fixture *f = *state;
	uint8_t n[256];
	struct rsa_parts r;
	struct dbuf d;
	size_t i;

	fixture_modulus(n);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.n = n;
		r.n_len = 256;
		r.e = (const uint8_t *)cases[i].e;
		r.e_len = cases[i].len;
		rsa_spki(&r, &d);
		if (!cases[i].ok) {
			parse_fails(f, d.p, d.len, EK_SOURCE_PUB,
			    ERR_EK_INVALID);
			continue;
		}
		parse_bytes(f, d.p, d.len);
		assert_openssl_writes_same(f->ek.spki_der, f->ek.spki_der_len);
		assert_fp_of_spki(&f->ek);
	}
	/* an empty exponent INTEGER */
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.n_len = 256;
	r.e = (const uint8_t *)"";
	rsa_spki(&r, &d);
	parse_fails(f, d.p, d.len, EK_SOURCE_PUB, ERR_EK_INVALID);
}

/* Ensure that a TPM public area with an even exponent or exponent 1 is ek_invalid, and 3 is accepted. */
static void
rsa_tpm_bad_exponent_is_invalid(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek.tpmt");
	char fp[EK_HEX_SHA256_BYTES];

	/* TPMT_PUBLIC RSA: keyBits at 50, exponent at 52 (0: 65537) */
	assert_memory_equal(b.p + 50, "\x08\x00\x00\x00\x00\x00", 6);
	b.p[55] = 0x02;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	b.p[55] = 0x01;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	b.p[52] = 0x80;	/* 0x80000001 is odd and fits */
	parse_bytes(f, b.p, b.len);
	assert_openssl_writes_same(f->ek.spki_der, f->ek.spki_der_len);
	b.p[52] = 0x00;
	b.p[55] = 0x03;
	parse_bytes(f, b.p, b.len);
	assert_openssl_writes_same(f->ek.spki_der, f->ek.spki_der_len);
	expected_fp("rsa", fp);
	assert_string_not_equal(f->ek.fingerprint, fp);
	/* 65537 written out is the same key as 0 */
	memcpy(b.p + 52, "\x00\x01\x00\x01", 4);
	parse_bytes(f, b.p, b.len);
	assert_fp(&f->ek, "rsa");
	free(b.p);
}

/* Ensure that an even, short or long modulus is ek_invalid, and 2048 and 16384 bits are accepted. */
static void
rsa_modulus_checks(void **state)
{
	struct fixture *f = *state;
	static uint8_t n[2 + 16384 / 8];
	struct rsa_parts r;
	struct dbuf d;
	size_t bits[] = { 2047, 2048, 2049, 16384, 16385 };
	size_t i, len;

	fixture_modulus(n);
	n[255] &= 0xfe;
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.n_len = 256;
	rsa_spki(&r, &d);
	parse_fails(f, d.p, d.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	/* all-ones moduli of those bit lengths (size and parity are checked) */
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		len = (bits[i] + 7) / 8;
		memset(n, 0xff, len);
		if (bits[i] % 8 != 0)
			n[0] = (uint8_t)(0xff >> (8 - bits[i] % 8));
		memset(&r, 0, sizeof(r));
		r.n = n;
		r.n_len = len;
		rsa_spki(&r, &d);
		if (bits[i] < 2048 || bits[i] > 16384) {
			parse_fails(f, d.p, d.len, EK_SOURCE_PUB,
			    ERR_EK_INVALID);
			continue;
		}
		parse_bytes(f, d.p, d.len);
		assert_int_equal(f->ek.key_bits, bits[i]);
		assert_openssl_writes_same(f->ek.spki_der, f->ek.spki_der_len);
	}
	/* a zero modulus */
	memset(n, 0, 300);
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.n_len = 300;
	rsa_spki(&r, &d);
	parse_fails(f, d.p, d.len, EK_SOURCE_PUB, ERR_EK_INVALID);
}

/* Ensure that RSA SPKIs of the wrong shape (parameters, unused bits, extra bytes) are ek_invalid. */
static void
rsa_spki_shape_is_checked(void **state)
{
	static const uint8_t algid[] = {
		0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x01, 0x01, 0x05, 0x00,
	};
	struct fixture *f = *state;
	uint8_t n[256];
	struct rsa_parts r;
	struct dbuf d, in, seq, bits, body;
	size_t i;

	fixture_modulus(n);
	for (i = 0; i < 5; i++) {
		memset(&r, 0, sizeof(r));
		r.n = n;
		r.n_len = 256;
		if (i == 0) {
			r.params = (const uint8_t *)"\x05\x01\x00";
			r.params_len = 3;
		} else if (i == 1) {
			r.params = (const uint8_t *)"\x06\x01\x01";
			r.params_len = 3;
		} else if (i == 2) {
			r.params = (const uint8_t *)"\x05\x00\x05\x00";
			r.params_len = 4;
		} else if (i == 3) {
			r.unused_bits = 1;
		} else {
			/* a byte after RSAPublicKey */
			r.tail = (const uint8_t *)"\x00";
			r.tail_len = 1;
		}
		rsa_spki(&r, &d);
		parse_fails(f, d.p, d.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	}
	/* a third INTEGER in RSAPublicKey */
	memset(&in, 0, sizeof(in));
	memset(&seq, 0, sizeof(seq));
	memset(&bits, 0, sizeof(bits));
	memset(&body, 0, sizeof(body));
	memset(&d, 0, sizeof(d));
	put(&in, n, 256);
	put_tlv(&seq, 0x02, &in, 0);
	put(&seq, "\x02\x03\x01\x00\x01", 5);
	memcpy(&bits, &seq, sizeof(seq));
	put(&seq, "\x02\x01\x01", 3);
	put_byte(&body, 0);
	put_tlv(&body, 0x30, &bits, 0);
	memset(&in, 0, sizeof(in));
	put(&in, algid, sizeof(algid));
	put_tlv(&in, 0x03, &body, 0);
	put_tlv(&d, 0x30, &in, 0);
	parse_bytes(f, d.p, d.len);	/* two INTEGERs: the fixture */
	assert_fp(&f->ek, "rsa");
	memset(&body, 0, sizeof(body));
	memset(&d, 0, sizeof(d));
	put_byte(&body, 0);
	put_tlv(&body, 0x30, &seq, 0);
	memset(&in, 0, sizeof(in));
	put(&in, algid, sizeof(algid));
	put_tlv(&in, 0x03, &body, 0);
	put_tlv(&d, 0x30, &in, 0);
	parse_fails(f, d.p, d.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	/* an unknown algorithm (id-RSASSA-PSS) and an empty bit string */
	{
		static const uint8_t pss[] = {
			0x30, 0x11, 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
			0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x03, 0x02, 0x00,
			0x00,
		};
		static const uint8_t empty[] = {
			0x30, 0x11, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
			0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03,
			0x00,
		};

		parse_fails(f, pss, sizeof(pss), EK_SOURCE_PUB,
		    ERR_EK_INVALID);
		parse_fails(f, empty, sizeof(empty), EK_SOURCE_PUB,
		    ERR_EK_INVALID);
	}
}

/* Ensure that an EC point off the curve, hybrid, at infinity or of the wrong length is ek_invalid. */
static void
ec_point_not_on_curve_is_invalid(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("nonmin-serial-spki.der");
	uint8_t buf[128];

	/* 30 59 30 13 <ecPublicKey> <prime256v1> 03 42 00 04 X Y */
	assert_int_equal(b.len, 91);
	assert_memory_equal(b.p + 23, "\x03\x42\x00\x04", 4);
	parse_bytes(f, b.p, b.len);
	ERR_clear_error();
	b.p[90] ^= 0x01;	/* y off by one */
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	b.p[90] ^= 0x01;
	b.p[30] ^= 0x80;	/* x changed */
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	b.p[30] ^= 0x80;
	/* the hybrid form (SEC 1 §2.3.3) with either parity */
	b.p[26] = 0x06;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	b.p[26] = 0x07;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	/* compressed prefix on an uncompressed-length point */
	b.p[26] = 0x02;
	parse_fails(f, b.p, b.len, EK_SOURCE_PUB, ERR_EK_INVALID);
	b.p[26] = 0x04;
	/* the point at infinity: 03 02 00 00 */
	memcpy(buf, b.p, 23);
	buf[1] = 0x19;
	memcpy(buf + 23, "\x03\x02\x00\x00", 4);
	parse_fails(f, buf, 27, EK_SOURCE_PUB, ERR_EK_INVALID);
	/* one octet short: 03 41 00 04 X Y[0..31) */
	memcpy(buf, b.p, 90);
	buf[1] = 0x58;
	buf[24] = 0x41;
	parse_fails(f, buf, 90, EK_SOURCE_PUB, ERR_EK_INVALID);
	/* a P-256 point under the P-384 OID (06 05 2b 81 04 00 22) */
	memcpy(buf, b.p, 13);
	memcpy(buf + 13, "\x06\x05\x2b\x81\x04\x00\x22", 7);
	memcpy(buf + 20, b.p + 23, 68);
	buf[1] = 0x56;
	buf[3] = 0x10;
	parse_fails(f, buf, 88, EK_SOURCE_PUB, ERR_EK_INVALID);
	free(b.p);
}

/* Ensure that our verdict on compressed x values agrees with OpenSSL's decoder. */
static void
ec_compressed_x_agrees_with_openssl(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-ecc256-compressed-spki.der");
	const unsigned char *q;
	EVP_PKEY *k;
	size_t i, n_ok = 0, n_bad = 0;
	int rc;

	assert_int_equal(b.len, 59);
	for (i = 0; i < 64; i++) {
		b.p[b.len - 1] = (uint8_t)(b.p[b.len - 1] + 1);
		q = b.p;
		ERR_set_mark();
		k = d2i_PUBKEY(NULL, &q, (long)b.len);
		ERR_pop_to_mark();
		rc = ek_parse(b.p, b.len, EK_SOURCE_PUB, &f->a, &f->ek, &f->e);
		assert_int_equal(rc == 0, k != NULL);
		if (rc == 0) {
			assert_openssl_writes_same(f->ek.spki_der,
			    f->ek.spki_der_len);
			n_ok++;
		} else {
			assert_int_equal(f->e.code, ERR_EK_INVALID);
			n_bad++;
		}
		EVP_PKEY_free(k);
	}
	/* about half of all x have a square root */
	assert_true(n_ok > 0 && n_bad > 0);
	free(b.p);
}

/* SPKI DER of k with its point written compressed or not, into out. */
static size_t
ec_spki_of(EVP_PKEY *k, bool compressed, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL;
	int n;

	assert_int_equal(EVP_PKEY_set_utf8_string_param(k,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    compressed ? "compressed" : "uncompressed"), 1);
	n = i2d_PUBKEY(k, &der);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	return (size_t)n;
}

/* Ensure that a compressed point has the uncompressed point's SPKI and fingerprint, on every EK curve. */
static void
ec_compressed_equals_uncompressed(void **state)
{
	static const struct {
		const char *group;
		int nid;
		unsigned bits;
	} curves[] = {
		{ "P-256", NID_X9_62_prime256v1, 256 },
		{ "P-384", NID_secp384r1, 384 },
		{ "P-521", NID_secp521r1, 521 },
	};
	struct fixture *f = *state;
	char fp[EK_HEX_SHA256_BYTES];
	uint8_t u[256], c[256];
	size_t i, j, u_len, c_len;
	EVP_PKEY *k;

	/* the committed P-256 EK in both forms */
	parse_file(f, "ek-ecc256.pub", EK_SOURCE_PUB);
	memcpy(u, f->ek.spki_der, f->ek.spki_der_len);
	u_len = f->ek.spki_der_len;
	parse_file(f, "ek-ecc256-compressed-spki.der", EK_SOURCE_PUB);
	assert_int_equal(f->ek.spki_der_len, u_len);
	assert_memory_equal(f->ek.spki_der, u, u_len);
	/* fresh keys (both parities of y turn up over a few) on each curve */
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		for (j = 0; j < 4; j++) {
			k = EVP_EC_gen(curves[i].group);
			assert_non_null(k);
			u_len = ec_spki_of(k, false, u, sizeof(u));
			c_len = ec_spki_of(k, true, c, sizeof(c));
			assert_true(c_len < u_len);
			parse_bytes(f, u, u_len);
			assert_int_equal(f->ek.spki_der_len, u_len);
			assert_memory_equal(f->ek.spki_der, u, u_len);
			assert_int_equal(f->ek.curve_nid, curves[i].nid);
			assert_int_equal(f->ek.key_bits, curves[i].bits);
			memcpy(fp, f->ek.fingerprint, sizeof(fp));
			parse_bytes(f, c, c_len);
			assert_string_equal(f->ek.fingerprint, fp);
			assert_int_equal(f->ek.spki_der_len, u_len);
			assert_memory_equal(f->ek.spki_der, u, u_len);
			assert_fp_of_spki(&f->ek);
			EVP_PKEY_free(k);
		}
	}
}

/* Ensure that an RSA key made by OpenSSL with exponent 3 is written as OpenSSL writes it. */
static void
rsa_generated_key_matches_openssl(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;
	BIGNUM *e3 = BN_new();
	unsigned char *der = NULL;
	int n;

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	assert_non_null(ctx);
	assert_non_null(e3);
	assert_int_equal(BN_set_word(e3, 3), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e3), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &k), 1);
	n = i2d_PUBKEY(k, &der);
	assert_true(n > 0);
	parse_bytes(f, der, (size_t)n);
	assert_int_equal(f->ek.spki_der_len, n);
	assert_memory_equal(f->ek.spki_der, der, (size_t)n);
	assert_int_equal(f->ek.key_bits, 2048);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e3);
}

/* Ensure that ek_cert_names gives the swtpm certificate's subject and issuer, and "" without a certificate. */
static void
cert_names_are_filled_for_swtpm_cert(void **state)
{
	struct fixture *f = *state;
	char subject[EK_NAME_BYTES], issuer[EK_NAME_BYTES], tiny[4];

	parse_file(f, "ek-cert-nvhdr7.der", EK_SOURCE_CERT);
	ERR_clear_error();
	ek_cert_names(&f->ek, subject, sizeof(subject), issuer,
	    sizeof(issuer));
	assert_string_equal(subject, "CN=unknown");
	assert_string_equal(issuer, "CN=swtpm-localca");
	/* truncated to the buffer */
	ek_cert_names(&f->ek, tiny, sizeof(tiny), issuer, sizeof(issuer));
	assert_string_equal(tiny, "CN=");
	ek_cert_names(&f->ek, subject, sizeof(subject), tiny, 1);
	assert_string_equal(tiny, "");
	assert_string_equal(subject, "CN=unknown");
	parse_file(f, "ek-ecc-cert.der", EK_SOURCE_CERT);
	ek_cert_names(&f->ek, subject, sizeof(subject), issuer,
	    sizeof(issuer));
	assert_true(strlen(issuer) > 0);
	/* a public key has no names */
	parse_file(f, "ek-pub.der", EK_SOURCE_PUB);
	memset(subject, 'x', sizeof(subject));
	memset(issuer, 'x', sizeof(issuer));
	ek_cert_names(&f->ek, subject, sizeof(subject), issuer,
	    sizeof(issuer));
	assert_string_equal(subject, "");
	assert_string_equal(issuer, "");
	assert_int_equal(ERR_peek_error(), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(rsa_cert_der_b64_matches_openssl),
		T(rsa_cert_pem_b64_matches_openssl),
		T(rsa_cert_raw_pem_matches_openssl),
		T(rsa_cert_raw_pem_crlf_is_accepted),
		T(b64_field_with_line_breaks_is_accepted),
		T(rsa_pub_forms_match_cert),
		T(ecc_p384_cert_and_pub_match),
		T(ecc_p256_pub_forms_match),
		T(nv_header_and_padding_are_stripped),
		T(nv_header_size_past_end_is_rejected),
		T(non_minimal_serial_is_tolerated),
		T(garbage_is_rejected),
		T(truncated_cert_is_rejected),
		T(truncated_or_long_pub_is_rejected),
		T(length_past_end_is_rejected),
		T(empty_input_is_rejected),
		T(bad_base64_and_pem_are_rejected),
		T(pem_label_echo_is_bounded),
		T(field_limit_is_enforced),
		T(material_limit_is_enforced),
		T(weak_or_odd_keys_are_rejected),
		T(bad_tpm_public_is_rejected),
		T(wrong_source_is_rejected),
		T(failed_parse_leaves_output_alone),
		T(fingerprint_check_accepts_each_form),
		T(fingerprint_check_rejects_wrong_value),
		T(fingerprint_check_rejects_bad_syntax),
		T(canonical_spki_is_what_openssl_writes),
		T(rsa_non_minimal_encodings_give_canonical_fingerprint),
		T(rsa_bad_exponent_is_invalid),
		T(rsa_tpm_bad_exponent_is_invalid),
		T(rsa_modulus_checks),
		T(rsa_spki_shape_is_checked),
		T(ec_point_not_on_curve_is_invalid),
		T(ec_compressed_x_agrees_with_openssl),
		T(ec_compressed_equals_uncompressed),
		T(rsa_generated_key_matches_openssl),
		T(cert_names_are_filled_for_swtpm_cert),
	};

	return cmocka_run_group_tests_name("ek", tests, NULL, NULL) == 0 ? 0 : 1;
}
