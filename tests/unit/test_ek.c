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

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

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

struct blob {
	uint8_t *p;
	size_t len;
};

/* tests/data/ek/<name> under $top_srcdir; fails the test when missing. */
static struct blob
data_file(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct blob b = { NULL, 0 };
	FILE *f;
	long n;

	if (top == NULL)
		top = ".";
	assert_true(snprintf(path, sizeof(path), "%s/tests/data/ek/%s", top,
	    name) < (int)sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	b.len = (size_t)n;
	b.p = malloc(b.len + 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	b.p[b.len] = '\0';
	fclose(f);
	return b;
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
	assert_string_equal(f->ek.subject, "CN=unknown");
	assert_string_equal(f->ek.issuer, "CN=swtpm-localca");
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

	ERR_clear_error();
	parse_file(f, "nonmin-serial.der", EK_SOURCE_CERT);
	assert_fp(&f->ek, "nonmin");
	assert_true(f->ek.has_cert);
	assert_int_equal(f->ek.key_type, EK_KEY_EC);
	assert_int_equal(f->ek.curve_nid, NID_X9_62_prime256v1);
	assert_string_equal(f->ek.subject, "");
	assert_string_equal(f->ek.issuer, "");
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
	};

	return cmocka_run_group_tests_name("ek", tests, NULL, NULL) == 0 ? 0 : 1;
}
