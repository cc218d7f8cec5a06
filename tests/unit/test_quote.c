/*
 * test_quote.c - verify/quote: real TPM2_Quote artefacts made by swtpm and
 * tpm2-tools (tests/data/gen-quote.sh: RSASSA, RSAPSS, ECDSA P-256, an
 * RSASSA-SHA384 quote and a two-bank quote) verify; every §3 reason is
 * produced by construction, in the order of the checks; selections a TPM
 * would sign but tpm2-tools does not ask for come from a software P-256 key
 * signing a re-marshalled TPMS_ATTEST; and the pcr_values parser and set.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/err.h"
#include "verify/quote.h"
#include "verify/tpm.h"

/* One artefact directory of tests/data/quote, parsed. */
struct qcase {
	struct blob msg;
	struct blob sig;
	uint8_t nonce[64];
	size_t nonce_len;
	TPMT_PUBLIC ak;
	struct pcr_set values;
};

/* The group state: a software P-256 key that signs synthetic quotes. */
struct soft {
	EVP_PKEY *key;
	TPMT_PUBLIC pub;
};

/* tests/data/quote/<dir>/<name> */
static struct blob
data_file(const char *dir, const char *name)
{
	char sub[256];

	assert_true(snprintf(sub, sizeof(sub), "quote/%s", dir) <
	    (int)sizeof(sub));
	return test_data(sub, name);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t
unhex(const char *s, size_t len, uint8_t *out, size_t max)
{
	size_t i;

	assert_true(len % 2 == 0 && len / 2 <= max);
	for (i = 0; i < len / 2; i++) {
		assert_true(hexval(s[2 * i]) >= 0 && hexval(s[2 * i + 1]) >= 0);
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 |
		    hexval(s[2 * i + 1]));
	}
	return len / 2;
}

/* pcrs.json as gen-quote.sh writes it: {"key": "hex", ...}, no escapes. */
static void
parse_pcrs_json(const struct blob *b, struct pcr_set *s)
{
	const char *p = (const char *)b->p, *end = p + b->len;
	const char *k, *v;
	size_t k_len, v_len;
	struct pcr_value pv;
	struct err e = { 0 };

	memset(s, 0, sizeof(*s));
	for (;;) {
		k = memchr(p, '"', (size_t)(end - p));
		if (k == NULL)
			break;
		k++;
		p = memchr(k, '"', (size_t)(end - k));
		assert_non_null(p);
		k_len = (size_t)(p - k);
		v = memchr(p + 1, '"', (size_t)(end - p - 1));
		assert_non_null(v);
		v++;
		p = memchr(v, '"', (size_t)(end - v));
		assert_non_null(p);
		v_len = (size_t)(p - v);
		p++;
		if (pcr_value_parse(k, k_len, v, v_len, &pv, &e) != 0 ||
		    pcr_set_add(s, &pv, &e) != 0)
			fail_msg("pcrs.json: %s", e.detail);
	}
}

static void
parse_ak(const struct blob *b, TPMT_PUBLIC *out)
{
	TPM2B_PUBLIC pub;
	size_t off = 0;

	memset(&pub, 0, sizeof(pub));
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(b->p, b->len, &off,
	    &pub), TSS2_RC_SUCCESS);
	assert_int_equal(off, b->len);
	*out = pub.publicArea;
}

static struct qcase *
qcase_load(const char *dir)
{
	struct qcase *c = calloc(1, sizeof(*c));
	struct blob b;
	size_t n;

	assert_non_null(c);
	c->msg = data_file(dir, "quote.msg");
	c->sig = data_file(dir, "quote.sig");
	b = data_file(dir, "nonce.hex");
	for (n = b.len; n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r');)
		n--;
	c->nonce_len = unhex((const char *)b.p, n, c->nonce,
	    sizeof(c->nonce));
	free(b.p);
	b = data_file(dir, "ak.pub");
	parse_ak(&b, &c->ak);
	free(b.p);
	b = data_file(dir, "pcrs.json");
	parse_pcrs_json(&b, &c->values);
	free(b.p);
	return c;
}

static void
qcase_free(struct qcase *c)
{
	free(c->msg.p);
	free(c->sig.p);
	free(c);
}

static struct quote_in
qin(const struct qcase *c)
{
	struct quote_in in;

	memset(&in, 0, sizeof(in));
	in.attest = c->msg.p;
	in.attest_len = c->msg.len;
	in.sig = c->sig.p;
	in.sig_len = c->sig.len;
	in.nonce = c->nonce;
	in.nonce_len = c->nonce_len;
	in.values = &c->values;
	return in;
}

static void
verify_ok(const struct quote_in *in, const TPMT_PUBLIC *ak,
    struct quote_result *r)
{
	struct err e = { 0 };

	if (quote_verify(in, ak, r, &e) != 0)
		fail_msg("%s/%s: %s", err_name(e.code), e.reason, e.detail);
	assert_int_equal(e.code, ERR_NONE);
}

/*
 * Expect attestation_failed with reason, a detail, the result untouched, and
 * the OpenSSL error queue as it was (empty).
 */
static void
verify_fails(const struct quote_in *in, const TPMT_PUBLIC *ak,
    const char *reason)
{
	struct quote_result r, r0;
	struct err e = { 0 };

	memset(&r, 0xa5, sizeof(r));
	memcpy(&r0, &r, sizeof(r));
	assert_int_equal(quote_verify(in, ak, &r, &e), -1);
	assert_int_equal(e.code, ERR_ATTESTATION_FAILED);
	assert_string_equal(e.reason, reason);
	assert_true(strlen(e.detail) > 0);
	assert_memory_equal(&r, &r0, sizeof(r));
	assert_int_equal(ERR_peek_error(), 0);
}

static void
verify_case(const char *dir, uint64_t fw)
{
	struct qcase *c = qcase_load(dir);
	struct quote_in in = qin(c);
	struct quote_result r;

	memset(&r, 0, sizeof(r));
	verify_ok(&in, &c->ak, &r);
	/* qualifiedSigner is bytes 6.. of TPMS_ATTEST: size, then the name */
	assert_int_equal(r.qualified_signer.len,
	    c->msg.p[6] << 8 | c->msg.p[7]);
	assert_memory_equal(r.qualified_signer.b, c->msg.p + 8,
	    r.qualified_signer.len);
	assert_int_equal(r.qualified_signer.b[0], 0x00);
	assert_int_equal(r.qualified_signer.b[1], 0x0b);	/* sha256 */
	assert_true(r.clock > 0);
	assert_true(r.reset_count < 1000);
	assert_true(r.safe);
	assert_int_equal(r.firmware_version, fw);
	assert_int_equal(ERR_peek_error(), 0);
	qcase_free(c);
}

/* swtpm 0.7.1 reports this firmwareVersion (recipes §5.1) */
#define SWTPM_FW 0x2019102300163636ULL

/* ---- the artefacts verify ---- */

/*
 * Ensure that the RSASSA-SHA256 quote of tpm2_quote verifies and fills the
 * result.
 */
static void
rsassa_quote_verifies(void **state)
{
	(void)state;
	verify_case("rsa", SWTPM_FW);
}

/*
 * Ensure that an RSAPSS quote verifies (the TPM's salt is the digest length).
 */
static void
rsapss_quote_verifies(void **state)
{
	(void)state;
	verify_case("rsapss", SWTPM_FW);
}

/* Ensure that an ECDSA P-256 quote verifies. */
static void
ecdsa_quote_verifies(void **state)
{
	(void)state;
	verify_case("ecc", SWTPM_FW);
}

/*
 * Ensure that a quote signed with SHA-384 verifies (pcrDigest is SHA-384 too).
 */
static void
sha384_quote_verifies(void **state)
{
	struct qcase *c = qcase_load("rsa-sha384");

	(void)state;
	/* pcrDigest is the last 48 bytes, after its size 0x0030 */
	assert_int_equal(c->msg.p[c->msg.len - 50], 0x00);
	assert_int_equal(c->msg.p[c->msg.len - 49], 0x30);
	qcase_free(c);
	verify_case("rsa-sha384", SWTPM_FW);
}

/* Ensure that a quote over two banks (sha256 listed before sha1) verifies. */
static void
two_bank_quote_verifies(void **state)
{
	struct qcase *c = qcase_load("twobank");

	(void)state;
	assert_int_equal(c->values.n, 4);
	assert_non_null(pcr_set_find(&c->values, TPM2_ALG_SHA1, 16));
	qcase_free(c);
	verify_case("twobank", SWTPM_FW);
}

/* Ensure that a TPM2B_ATTEST (size prefix equal to the rest) is accepted. */
static void
tpm2b_attest_is_accepted(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct quote_result r;
	uint8_t *b = malloc(c->msg.len + 2);

	(void)state;
	assert_non_null(b);
	b[0] = (uint8_t)(c->msg.len >> 8);
	b[1] = (uint8_t)c->msg.len;
	memcpy(b + 2, c->msg.p, c->msg.len);
	in.attest = b;
	in.attest_len = c->msg.len + 2;
	verify_ok(&in, &c->ak, &r);
	/* a prefix one off is not a TPM2B_ATTEST, nor a TPMS_ATTEST */
	b[1] = (uint8_t)(c->msg.len + 1);
	verify_fails(&in, &c->ak, "quote_malformed");
	b[1] = (uint8_t)(c->msg.len - 1);
	verify_fails(&in, &c->ak, "quote_malformed");
	free(b);
	qcase_free(c);
}

/* Ensure that without a consumed nonce extraData is not compared. */
static void
no_nonce_skips_the_nonce_check(void **state)
{
	struct qcase *c = qcase_load("ecc");
	struct quote_in in = qin(c);
	struct quote_result r;

	(void)state;
	in.nonce = NULL;
	in.nonce_len = 0;
	verify_ok(&in, &c->ak, &r);
	qcase_free(c);
}

/* Ensure that a policy the values satisfy passes, in any bank. */
static void
satisfied_policy_passes(void **state)
{
	struct qcase *c = qcase_load("twobank");
	struct quote_in in = qin(c);
	struct quote_result r;
	struct pcr_set pol;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	pol.v[0] = *pcr_set_find(&c->values, TPM2_ALG_SHA1, 0);
	pol.v[1] = *pcr_set_find(&c->values, TPM2_ALG_SHA256, 16);
	pol.n = 2;
	in.policy = &pol;
	verify_ok(&in, &c->ak, &r);
	pol.n = 0;	/* an empty policy is no policy */
	verify_ok(&in, &c->ak, &r);
	qcase_free(c);
}

/* ---- quote_malformed ---- */

/* Ensure that one trailing byte after the TPMS_ATTEST is quote_malformed. */
static void
attest_trailing_byte_is_malformed(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	uint8_t *b = malloc(c->msg.len + 1);

	(void)state;
	assert_non_null(b);
	memcpy(b, c->msg.p, c->msg.len);
	b[c->msg.len] = 0;
	in.attest = b;
	in.attest_len = c->msg.len + 1;
	verify_fails(&in, &c->ak, "quote_malformed");
	free(b);
	qcase_free(c);
}

/* Ensure that one trailing byte after the TPMT_SIGNATURE is quote_malformed. */
static void
sig_trailing_byte_is_malformed(void **state)
{
	struct qcase *c = qcase_load("ecc");
	struct quote_in in = qin(c);
	uint8_t *b = malloc(c->sig.len + 1);

	(void)state;
	assert_non_null(b);
	memcpy(b, c->sig.p, c->sig.len);
	b[c->sig.len] = 0;
	in.sig = b;
	in.sig_len = c->sig.len + 1;
	verify_fails(&in, &c->ak, "quote_malformed");
	free(b);
	qcase_free(c);
}

/*
 * Ensure that every truncation of the quote or the signature is
 * quote_malformed.
 */
static void
truncations_are_malformed(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	size_t n;

	(void)state;
	for (n = 0; n < c->msg.len; n++) {
		in.attest_len = n;
		verify_fails(&in, &c->ak, "quote_malformed");
	}
	in.attest_len = c->msg.len;
	for (n = 0; n < c->sig.len; n++) {
		in.sig_len = n;
		verify_fails(&in, &c->ak, "quote_malformed");
	}
	in.sig = NULL;
	in.sig_len = c->sig.len;
	verify_fails(&in, &c->ak, "quote_malformed");
	in.sig = c->sig.p;
	in.attest = NULL;
	in.attest_len = c->msg.len;
	verify_fails(&in, &c->ak, "quote_malformed");
	qcase_free(c);
}

/* Ensure that inputs longer than the TPM types are refused before parsing. */
static void
oversized_inputs_are_malformed(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	uint8_t *b = calloc(1, sizeof(TPM2B_ATTEST) + sizeof(TPMT_SIGNATURE) +
	    1);

	(void)state;
	assert_non_null(b);
	memcpy(b, c->msg.p, c->msg.len);
	in.attest = b;
	in.attest_len = sizeof(TPM2B_ATTEST) + 1;
	verify_fails(&in, &c->ak, "quote_malformed");
	in.attest = c->msg.p;
	in.attest_len = c->msg.len;
	memcpy(b, c->sig.p, c->sig.len);
	in.sig = b;
	in.sig_len = sizeof(TPMT_SIGNATURE) + 1;
	verify_fails(&in, &c->ak, "quote_malformed");
	free(b);
	qcase_free(c);
}

/*
 * Ensure that sizes pointing past the end (nonce, signature) are
 * quote_malformed.
 */
static void
sizes_past_the_end_are_malformed(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->msg.p[42] = 0xff;	/* extraData size (recipes §5.1) */
	verify_fails(&in, &c->ak, "quote_malformed");
	c->msg.p[42] = 0x00;
	c->sig.p[4] = 0x02;	/* the RSA signature's TPM2B size: 0x0200 */
	verify_fails(&in, &c->ak, "quote_malformed");
	qcase_free(c);
}

/*
 * Ensure that more PCR banks or bitmap bytes than tss2-mu holds are
 * quote_malformed.
 */
static void
oversized_selection_is_malformed(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->msg.p[104] = 17;	/* TPML_PCR_SELECTION.count at 101..104 */
	verify_fails(&in, &c->ak, "quote_malformed");
	c->msg.p[104] = 1;
	c->msg.p[107] = 5;	/* sizeofSelect */
	verify_fails(&in, &c->ak, "quote_malformed");
	qcase_free(c);
}

/* ---- magic_invalid ---- */

/*
 * Ensure that a quote whose magic is not TPM_GENERATED_VALUE is magic_invalid.
 */
static void
bad_magic_is_magic_invalid(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->msg.p[3] ^= 0x01;
	verify_fails(&in, &c->ak, "magic_invalid");
	/* checked before the nonce and the signature */
	c->nonce[0] ^= 0x01;
	verify_fails(&in, &c->ak, "magic_invalid");
	qcase_free(c);
}

/* Ensure that a well-formed attestation of another type is magic_invalid. */
static void
certify_attestation_is_magic_invalid(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	TPMS_ATTEST att;
	uint8_t b[sizeof(TPMS_ATTEST)];
	size_t off = 0;

	(void)state;
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Unmarshal(c->msg.p, c->msg.len,
	    &off, &att), TSS2_RC_SUCCESS);
	att.type = TPM2_ST_ATTEST_CERTIFY;
	memset(&att.attested, 0, sizeof(att.attested));
	att.attested.certify.name.size = 4;
	off = 0;
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(&att, b, sizeof(b), &off),
	    TSS2_RC_SUCCESS);
	in.attest = b;
	in.attest_len = off;
	verify_fails(&in, &c->ak, "magic_invalid");
	qcase_free(c);
}

/* ---- nonce_mismatch ---- */

/* Ensure that a different nonce of the same length is nonce_mismatch. */
static void
wrong_nonce_is_nonce_mismatch(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->nonce[c->nonce_len - 1] ^= 0x80;
	verify_fails(&in, &c->ak, "nonce_mismatch");
	/* checked before the signature */
	c->sig.p[100] ^= 0x01;
	verify_fails(&in, &c->ak, "nonce_mismatch");
	qcase_free(c);
}

/* Ensure that a prefix, an extension or an empty nonce is nonce_mismatch. */
static void
nonce_of_other_length_is_nonce_mismatch(void **state)
{
	struct qcase *c = qcase_load("ecc");
	struct quote_in in = qin(c);
	uint8_t longer[65];

	(void)state;
	in.nonce_len = c->nonce_len - 1;
	verify_fails(&in, &c->ak, "nonce_mismatch");
	in.nonce_len = 0;
	verify_fails(&in, &c->ak, "nonce_mismatch");
	memcpy(longer, c->nonce, c->nonce_len);
	longer[c->nonce_len] = 0;
	in.nonce = longer;
	in.nonce_len = c->nonce_len + 1;
	verify_fails(&in, &c->ak, "nonce_mismatch");
	qcase_free(c);
}

/* ---- signature_invalid ---- */

/*
 * Ensure that a flipped byte in the signed clock or pcrDigest is
 * signature_invalid.
 */
static void
flipped_quote_byte_is_signature_invalid(void **state)
{
	const char *dirs[] = { "rsa", "rsapss", "ecc", "rsa-sha384" };
	struct qcase *c;
	struct quote_in in;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		c = qcase_load(dirs[i]);
		in = qin(c);
		/* clock: after magic, type, qualifiedSigner and extraData */
		n = 6 + 2 + 34 + 2 + c->nonce_len;
		c->msg.p[n + 7] ^= 0x01;
		verify_fails(&in, &c->ak, "signature_invalid");
		c->msg.p[n + 7] ^= 0x01;
		/* the last byte of pcrDigest: checked after the signature */
		c->msg.p[c->msg.len - 1] ^= 0x01;
		verify_fails(&in, &c->ak, "signature_invalid");
		c->msg.p[c->msg.len - 1] ^= 0x01;
		/* a qualifiedSigner byte */
		c->msg.p[20] ^= 0x01;
		verify_fails(&in, &c->ak, "signature_invalid");
		qcase_free(c);
	}
}

/*
 * Ensure that a flipped byte of the RSA, RSAPSS or ECDSA signature is
 * signature_invalid.
 */
static void
flipped_sig_byte_is_signature_invalid(void **state)
{
	const char *dirs[] = { "rsa", "rsapss", "ecc", "rsa-sha384" };
	struct qcase *c;
	struct quote_in in;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		c = qcase_load(dirs[i]);
		in = qin(c);
		/* the last byte of the RSA signature, or of s */
		c->sig.p[c->sig.len - 1] ^= 0x01;
		verify_fails(&in, &c->ak, "signature_invalid");
		c->sig.p[c->sig.len - 1] ^= 0x01;
		c->sig.p[10] ^= 0x40;	/* a byte of the signature, or r */
		verify_fails(&in, &c->ak, "signature_invalid");
		qcase_free(c);
	}
}

/* Ensure that a quote checked with another TPM's AK is signature_invalid. */
static void
other_ak_is_signature_invalid(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct qcase *o = qcase_load("twobank");
	struct quote_in in = qin(c);

	(void)state;
	verify_fails(&in, &o->ak, "signature_invalid");
	qcase_free(o);
	qcase_free(c);
}

/*
 * Ensure that a signature whose scheme the AK's key type cannot make is
 * signature_invalid.
 */
static void
scheme_of_other_key_type_is_signature_invalid(void **state)
{
	struct qcase *r = qcase_load("rsa");
	struct qcase *e = qcase_load("ecc");
	struct quote_in in;

	(void)state;
	in = qin(e);		/* ECDSA signature, RSA AK */
	verify_fails(&in, &r->ak, "signature_invalid");
	in = qin(r);		/* RSASSA signature, ECC AK */
	verify_fails(&in, &e->ak, "signature_invalid");
	qcase_free(e);
	qcase_free(r);
}

/*
 * Ensure that an AK with a fixed scheme accepts only that scheme; one without,
 * any.
 */
static void
ak_scheme_is_enforced(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct quote_result r;

	(void)state;
	c->ak.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSAPSS;
	verify_fails(&in, &c->ak, "signature_invalid");
	c->ak.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
	c->ak.parameters.rsaDetail.scheme.details.anySig.hashAlg =
	    TPM2_ALG_SHA384;
	verify_fails(&in, &c->ak, "signature_invalid");
	c->ak.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	verify_ok(&in, &c->ak, &r);
	qcase_free(c);
}

/*
 * Ensure that a signature with SHA-1 or an unknown hash is signature_invalid.
 */
static void
sha1_signature_is_signature_invalid(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->ak.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	c->sig.p[3] = 0x04;	/* hash sha1 */
	verify_fails(&in, &c->ak, "signature_invalid");
	c->sig.p[3] = 0x12;	/* sm3_256 */
	verify_fails(&in, &c->ak, "signature_invalid");
	qcase_free(c);
}

/*
 * Ensure that an RSASSA signature in an RSAPSS TPMT_SIGNATURE is
 * signature_invalid.
 */
static void
padding_mismatch_is_signature_invalid(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct qcase *p = qcase_load("rsapss");
	struct quote_in in = qin(c);

	(void)state;
	c->ak.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	c->sig.p[1] = 0x16;	/* sigAlg rsapss */
	verify_fails(&in, &c->ak, "signature_invalid");
	in = qin(p);
	p->ak.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	p->sig.p[1] = 0x14;	/* sigAlg rsassa */
	verify_fails(&in, &p->ak, "signature_invalid");
	qcase_free(p);
	qcase_free(c);
}

/* Ensure that an AK that is not an RSA or ECC key is signature_invalid. */
static void
ak_of_other_type_is_signature_invalid(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	TPMT_PUBLIC ak;

	(void)state;
	memset(&ak, 0, sizeof(ak));
	ak.type = TPM2_ALG_KEYEDHASH;
	ak.nameAlg = TPM2_ALG_SHA256;
	verify_fails(&in, &ak, "signature_invalid");
	/* an RSA AK without a modulus */
	ak = c->ak;
	ak.unique.rsa.size = 0;
	verify_fails(&in, &ak, "signature_invalid");
	qcase_free(c);
}

/*
 * Ensure that a qualifiedSigner longer than TPM_NAME_MAX (a SHA-512 name)
 * is quote_malformed.
 */
static void
long_qualified_signer_is_malformed(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	TPMS_ATTEST att;
	uint8_t b[sizeof(TPMS_ATTEST)];
	size_t off = 0;

	(void)state;
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Unmarshal(c->msg.p, c->msg.len,
	    &off, &att), TSS2_RC_SUCCESS);
	att.qualifiedSigner.size = 2 + 64;
	att.qualifiedSigner.name[1] = 0x0d;	/* sha512 */
	off = 0;
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(&att, b, sizeof(b), &off),
	    TSS2_RC_SUCCESS);
	in.attest = b;
	in.attest_len = off;
	verify_fails(&in, &c->ak, "quote_malformed");
	qcase_free(c);
}

/* Ensure that a missing input, AK or result is internal, not a reason. */
static void
missing_arguments_are_internal(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct quote_result r;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(quote_verify(NULL, &c->ak, &r, &e), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_int_equal(quote_verify(&in, NULL, &r, &e), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_int_equal(quote_verify(&in, &c->ak, NULL, &e), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	qcase_free(c);
}

/* ---- pcr_selection_mismatch, pcr_digest_mismatch, pcr_policy_violation */

/*
 * Ensure that a selected PCR missing from the values is pcr_selection_mismatch.
 */
static void
missing_value_is_selection_mismatch(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->values.v[3] = c->values.v[c->values.n - 1];
	c->values.n--;
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	c->values.n = 0;
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	in.values = NULL;
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	qcase_free(c);
}

/*
 * Ensure that a value the quote does not select, in a quoted bank or not, is
 * pcr_selection_mismatch.
 */
static void
extra_value_is_selection_mismatch(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct pcr_value v;
	struct err e = { 0 };
	char hex[129];

	(void)state;
	memset(hex, '0', sizeof(hex));
	assert_int_equal(pcr_value_parse("sha256:8", 8, hex, 64, &v, &e), 0);
	assert_int_equal(pcr_set_add(&c->values, &v, &e), 0);
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	c->values.n--;
	assert_int_equal(pcr_value_parse("sha384:0", 8, hex, 96, &v, &e), 0);
	assert_int_equal(pcr_set_add(&c->values, &v, &e), 0);
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	qcase_free(c);
}

/*
 * Ensure that values of the right PCRs in the wrong bank are
 * pcr_selection_mismatch.
 */
static void
value_in_other_bank_is_selection_mismatch(void **state)
{
	struct qcase *c = qcase_load("twobank");
	struct quote_in in = qin(c);
	struct pcr_value *v;
	size_t i;

	(void)state;
	for (i = 0; i < c->values.n; i++) {
		v = &c->values.v[i];
		if (v->alg == TPM2_ALG_SHA1 && v->index == 0)
			v->index = 23;	/* sha1:23 instead of sha1:0 */
	}
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	qcase_free(c);
}

/* Ensure that more values than LIMIT_PCR_VALUES are pcr_selection_mismatch. */
static void
values_over_limit_are_selection_mismatch(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);

	(void)state;
	c->values.n = LIMIT_PCR_VALUES + 1;
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	qcase_free(c);
}

/*
 * Ensure that one changed PCR value is pcr_digest_mismatch, in every artefact.
 */
static void
changed_value_is_digest_mismatch(void **state)
{
	const char *dirs[] = { "rsa", "rsapss", "ecc", "rsa-sha384",
	    "twobank" };
	struct qcase *c;
	struct quote_in in;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		for (j = 0; ; j++) {
			c = qcase_load(dirs[i]);
			if (j == c->values.n) {
				qcase_free(c);
				break;
			}
			in = qin(c);
			c->values.v[j].digest[c->values.v[j].len - 1] ^= 0x01;
			verify_fails(&in, &c->ak, "pcr_digest_mismatch");
			qcase_free(c);
		}
	}
}

/*
 * Ensure that swapping two values is pcr_digest_mismatch (order is the
 * selection's).
 */
static void
swapped_values_are_digest_mismatch(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	uint8_t t[64];

	(void)state;
	memcpy(t, c->values.v[0].digest, 32);
	memcpy(c->values.v[0].digest, c->values.v[1].digest, 32);
	memcpy(c->values.v[1].digest, t, 32);
	verify_fails(&in, &c->ak, "pcr_digest_mismatch");
	qcase_free(c);
}

/* Ensure that a value whose length is not its bank's is pcr_digest_mismatch. */
static void
value_of_wrong_length_is_digest_mismatch(void **state)
{
	struct qcase *c = qcase_load("twobank");
	struct quote_in in = qin(c);
	size_t i;

	(void)state;
	for (i = 0; i < c->values.n; i++)
		if (c->values.v[i].alg == TPM2_ALG_SHA1)
			c->values.v[i].len = 32;
	verify_fails(&in, &c->ak, "pcr_digest_mismatch");
	qcase_free(c);
}

/* Ensure that a policy entry with another value is pcr_policy_violation. */
static void
different_policy_value_is_policy_violation(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct pcr_set pol;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	pol.v[0] = *pcr_set_find(&c->values, TPM2_ALG_SHA256, 0);
	pol.v[1] = *pcr_set_find(&c->values, TPM2_ALG_SHA256, 7);
	pol.v[1].digest[0] ^= 0x01;
	pol.n = 2;
	in.policy = &pol;
	verify_fails(&in, &c->ak, "pcr_policy_violation");
	qcase_free(c);
}

/*
 * Ensure that a policy entry the quote does not cover is pcr_policy_violation.
 */
static void
unquoted_policy_entry_is_policy_violation(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct pcr_set pol;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	pol.v[0] = *pcr_set_find(&c->values, TPM2_ALG_SHA256, 16);
	pol.v[0].index = 15;
	pol.n = 1;
	in.policy = &pol;
	verify_fails(&in, &c->ak, "pcr_policy_violation");
	pol.v[0].index = 16;
	pol.v[0].alg = TPM2_ALG_SHA1;	/* same index, bank not quoted */
	pol.v[0].len = 20;
	verify_fails(&in, &c->ak, "pcr_policy_violation");
	pol.n = LIMIT_PCR_VALUES + 1;
	verify_fails(&in, &c->ak, "pcr_policy_violation");
	qcase_free(c);
}

/*
 * Ensure that the digest is checked before the policy, the selection before
 * both.
 */
static void
checks_run_in_order(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct pcr_set pol;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	pol.v[0] = *pcr_set_find(&c->values, TPM2_ALG_SHA256, 0);
	pol.v[0].digest[0] ^= 0x01;
	pol.n = 1;
	in.policy = &pol;
	c->values.v[5].digest[0] ^= 0x01;
	verify_fails(&in, &c->ak, "pcr_digest_mismatch");
	c->values.n--;
	verify_fails(&in, &c->ak, "pcr_selection_mismatch");
	qcase_free(c);
}

/*
 * Ensure that an OpenSSL error raised before the call is still there after it.
 */
static void
error_queue_is_left_as_found(void **state)
{
	struct qcase *c = qcase_load("rsa");
	struct quote_in in = qin(c);
	struct quote_result r;
	struct err e = { 0 };

	(void)state;
	ERR_raise(ERR_LIB_USER, 42);
	c->sig.p[100] ^= 0x01;
	assert_int_equal(quote_verify(&in, &c->ak, &r, &e), -1);
	assert_string_equal(e.reason, "signature_invalid");
	assert_int_equal(ERR_GET_REASON(ERR_peek_last_error()), 42);
	c->sig.p[100] ^= 0x01;
	verify_ok(&in, &c->ak, &r);
	assert_int_equal(ERR_GET_REASON(ERR_get_error()), 42);
	assert_int_equal(ERR_peek_error(), 0);
	qcase_free(c);
}

/* ---- synthetic quotes, signed by a software P-256 key ---- */

static int
soft_setup(void **state)
{
	struct soft *s = calloc(1, sizeof(*s));
	uint8_t pt[65];
	size_t pt_len = 0;

	if (s == NULL)
		return -1;
	s->key = EVP_EC_gen("P-256");
	if (s->key == NULL || EVP_PKEY_get_octet_string_param(s->key,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &pt_len) != 1 ||
	    pt_len != 65)
		return -1;
	s->pub.type = TPM2_ALG_ECC;
	s->pub.nameAlg = TPM2_ALG_SHA256;
	s->pub.objectAttributes = TPMA_OBJECT_FIXEDTPM |
	    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
	    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED |
	    TPMA_OBJECT_SIGN_ENCRYPT;
	s->pub.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	s->pub.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	s->pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	s->pub.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	s->pub.unique.ecc.x.size = 32;
	memcpy(s->pub.unique.ecc.x.buffer, pt + 1, 32);
	s->pub.unique.ecc.y.size = 32;
	memcpy(s->pub.unique.ecc.y.buffer, pt + 33, 32);
	*state = s;
	return 0;
}

static int
soft_teardown(void **state)
{
	struct soft *s = *state;

	EVP_PKEY_free(s->key);
	free(s);
	return 0;
}

static const EVP_MD *
md_of(uint16_t hash)
{
	switch (hash) {
	case TPM2_ALG_SHA1:
		return EVP_sha1();
	case TPM2_ALG_SHA384:
		return EVP_sha384();
	case TPM2_ALG_SHA512:
		return EVP_sha512();
	default:
		return EVP_sha256();
	}
}

struct synth {
	uint8_t msg[sizeof(TPMS_ATTEST)];
	size_t msg_len;
	uint8_t sig[sizeof(TPMT_SIGNATURE)];
	size_t sig_len;
};

/*
 * The rsa artefact's TPMS_ATTEST with selection sel and pcrDigest =
 * H(values in sel's order, looked up in vals), marshalled and ECDSA-signed
 * with hash by the software key. A value sel names but vals lacks is skipped.
 */
static void
synth_quote(const struct soft *s, const TPML_PCR_SELECTION *sel,
    const struct pcr_set *vals, uint16_t hash, struct synth *q)
{
	struct qcase *c = qcase_load("rsa");
	const EVP_MD *md = md_of(hash);
	const struct pcr_value *v;
	const TPMS_PCR_SELECTION *b;
	TPMS_ATTEST att;
	TPMT_SIGNATURE sig;
	EVP_MD_CTX *mc;
	ECDSA_SIG *es;
	const BIGNUM *r, *sv;
	const unsigned char *dp;
	uint8_t der[128];
	size_t off = 0, der_len = sizeof(der), i, j;
	unsigned int d_len = 0;

	assert_int_equal(Tss2_MU_TPMS_ATTEST_Unmarshal(c->msg.p, c->msg.len,
	    &off, &att), TSS2_RC_SUCCESS);
	att.attested.quote.pcrSelect = *sel;
	mc = EVP_MD_CTX_new();
	assert_non_null(mc);
	assert_int_equal(EVP_DigestInit_ex(mc, md, NULL), 1);
	for (i = 0; i < sel->count; i++) {
		b = &sel->pcrSelections[i];
		for (j = 0; j < (size_t)b->sizeofSelect * 8; j++) {
			if ((b->pcrSelect[j / 8] & (1u << (j % 8))) == 0)
				continue;
			v = pcr_set_find(vals, b->hash, (uint8_t)j);
			if (v != NULL)
				assert_int_equal(EVP_DigestUpdate(mc,
				    v->digest, v->len), 1);
		}
	}
	assert_int_equal(EVP_DigestFinal_ex(mc,
	    att.attested.quote.pcrDigest.buffer, &d_len), 1);
	att.attested.quote.pcrDigest.size = (UINT16)d_len;
	q->msg_len = 0;
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(&att, q->msg,
	    sizeof(q->msg), &q->msg_len), TSS2_RC_SUCCESS);

	assert_int_equal(EVP_MD_CTX_reset(mc), 1);
	assert_int_equal(EVP_DigestSignInit(mc, NULL, md, NULL, s->key), 1);
	assert_int_equal(EVP_DigestSign(mc, der, &der_len, q->msg,
	    q->msg_len), 1);
	EVP_MD_CTX_free(mc);
	dp = der;
	es = d2i_ECDSA_SIG(NULL, &dp, (long)der_len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &sv);
	memset(&sig, 0, sizeof(sig));
	sig.sigAlg = TPM2_ALG_ECDSA;
	sig.signature.ecdsa.hash = hash;
	sig.signature.ecdsa.signatureR.size = 32;
	assert_int_equal(BN_bn2binpad(r, sig.signature.ecdsa.signatureR.buffer,
	    32), 32);
	sig.signature.ecdsa.signatureS.size = 32;
	assert_int_equal(BN_bn2binpad(sv,
	    sig.signature.ecdsa.signatureS.buffer, 32), 32);
	ECDSA_SIG_free(es);
	q->sig_len = 0;
	assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, q->sig,
	    sizeof(q->sig), &q->sig_len), TSS2_RC_SUCCESS);
	qcase_free(c);
}

/* A one-bank selection of alg with the bits of mask (bit n = PCR n). */
static void
sel_one(TPML_PCR_SELECTION *sel, uint16_t alg, uint32_t mask)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = alg;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = (uint8_t)mask;
	sel->pcrSelections[0].pcrSelect[1] = (uint8_t)(mask >> 8);
	sel->pcrSelections[0].pcrSelect[2] = (uint8_t)(mask >> 16);
}

static void
add_value(struct pcr_set *s, const char *key, char fill)
{
	char hex[128];
	struct pcr_value v;
	struct err e = { 0 };
	size_t n = strncmp(key, "sha1:", 5) == 0 ? 40 :
	    strncmp(key, "sha384:", 7) == 0 ? 96 :
	    strncmp(key, "sha512:", 7) == 0 ? 128 : 64;

	memset(hex, fill, sizeof(hex));
	if (pcr_value_parse(key, strlen(key), hex, n, &v, &e) != 0 ||
	    pcr_set_add(s, &v, &e) != 0)
		fail_msg("%s: %s", key, e.detail);
}

static struct quote_in
synth_in(const struct synth *q, const struct pcr_set *vals)
{
	struct quote_in in;

	memset(&in, 0, sizeof(in));
	in.attest = q->msg;
	in.attest_len = q->msg_len;
	in.sig = q->sig;
	in.sig_len = q->sig_len;
	in.values = vals;
	return in;
}

/*
 * Ensure that a software-signed quote verifies with SHA-256, SHA-384 and
 * SHA-512 (harness check).
 */
static void
synthetic_quote_verifies(void **state)
{
	const struct soft *s = *state;
	const uint16_t hashes[] = { TPM2_ALG_SHA256, TPM2_ALG_SHA384,
	    TPM2_ALG_SHA512 };
	TPML_PCR_SELECTION sel;
	struct pcr_set vals;
	struct synth q;
	struct quote_in in;
	struct quote_result r;
	size_t i;

	memset(&vals, 0, sizeof(vals));
	add_value(&vals, "sha512:0", 'a');
	add_value(&vals, "sha512:23", 'B');
	sel_one(&sel, TPM2_ALG_SHA512, 1u | 1u << 23);
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		synth_quote(s, &sel, &vals, hashes[i], &q);
		in = synth_in(&q, &vals);
		verify_ok(&in, &s->pub, &r);
	}
}

/*
 * Ensure that an empty selection verifies with no values, and fails with one.
 */
static void
empty_selection_needs_no_values(void **state)
{
	const struct soft *s = *state;
	TPML_PCR_SELECTION sel;
	struct pcr_set vals;
	struct synth q;
	struct quote_in in;
	struct quote_result r;

	memset(&vals, 0, sizeof(vals));
	memset(&sel, 0, sizeof(sel));
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	verify_ok(&in, &s->pub, &r);
	in.values = NULL;
	verify_ok(&in, &s->pub, &r);
	add_value(&vals, "sha256:0", '0');
	in.values = &vals;
	verify_fails(&in, &s->pub, "pcr_selection_mismatch");
}

/* Ensure that a software-signed SHA-1 quote is signature_invalid. */
static void
synthetic_sha1_quote_is_signature_invalid(void **state)
{
	const struct soft *s = *state;
	TPML_PCR_SELECTION sel;
	struct pcr_set vals;
	struct synth q;
	struct quote_in in;

	memset(&vals, 0, sizeof(vals));
	add_value(&vals, "sha1:0", '1');
	sel_one(&sel, TPM2_ALG_SHA1, 1u);
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA1, &q);
	in = synth_in(&q, &vals);
	verify_fails(&in, &s->pub, "signature_invalid");
}

/*
 * Ensure that one PCR selected twice (the bank listed twice) is
 * pcr_selection_mismatch.
 */
static void
bank_listed_twice_is_selection_mismatch(void **state)
{
	const struct soft *s = *state;
	TPML_PCR_SELECTION sel, two;
	struct pcr_set vals;
	struct synth q;
	struct quote_in in;
	struct quote_result r;

	memset(&vals, 0, sizeof(vals));
	add_value(&vals, "sha256:0", '1');
	add_value(&vals, "sha256:1", '2');
	/* two entries of one bank, different PCRs: fine */
	sel_one(&sel, TPM2_ALG_SHA256, 1u);
	sel_one(&two, TPM2_ALG_SHA256, 2u);
	sel.count = 2;
	sel.pcrSelections[1] = two.pcrSelections[0];
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	verify_ok(&in, &s->pub, &r);
	/* the same PCR twice */
	sel.pcrSelections[1].pcrSelect[0] = 3;
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	verify_fails(&in, &s->pub, "pcr_selection_mismatch");
}

/*
 * Ensure that PCR 24 and up, or an unknown bank, selected is
 * pcr_selection_mismatch.
 */
static void
unrepresentable_selection_is_selection_mismatch(void **state)
{
	const struct soft *s = *state;
	TPML_PCR_SELECTION sel;
	struct pcr_set vals;
	struct synth q;
	struct quote_in in;
	struct quote_result r;

	memset(&vals, 0, sizeof(vals));
	add_value(&vals, "sha256:0", '1');
	sel_one(&sel, TPM2_ALG_SHA256, 1u);
	sel.pcrSelections[0].sizeofSelect = 4;
	sel.pcrSelections[0].pcrSelect[3] = 0x01;	/* PCR 24 */
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	verify_fails(&in, &s->pub, "pcr_selection_mismatch");
	/* an unknown bank with PCRs */
	sel.pcrSelections[0].pcrSelect[3] = 0;
	sel.count = 2;
	sel.pcrSelections[1].hash = TPM2_ALG_SM3_256;
	sel.pcrSelections[1].sizeofSelect = 3;
	sel.pcrSelections[1].pcrSelect[0] = 0x01;
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	verify_fails(&in, &s->pub, "pcr_selection_mismatch");
	/* an unknown bank with no PCRs selects nothing */
	sel.pcrSelections[1].pcrSelect[0] = 0;
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	verify_ok(&in, &s->pub, &r);
}

/* Ensure that ECDSA r and s with leading zero bytes or empty are handled. */
static void
ecdsa_integer_forms(void **state)
{
	const struct soft *s = *state;
	TPML_PCR_SELECTION sel;
	struct pcr_set vals;
	struct synth q;
	struct quote_in in;
	struct quote_result r;
	TPMT_SIGNATURE sig;
	uint8_t b[sizeof(TPMT_SIGNATURE)];
	size_t off = 0;

	memset(&vals, 0, sizeof(vals));
	sel_one(&sel, TPM2_ALG_SHA256, 0);
	synth_quote(s, &sel, &vals, TPM2_ALG_SHA256, &q);
	in = synth_in(&q, &vals);
	assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Unmarshal(q.sig, q.sig_len,
	    &off, &sig), TSS2_RC_SUCCESS);
	/* r with two extra leading zeros is the same integer */
	memmove(sig.signature.ecdsa.signatureR.buffer + 2,
	    sig.signature.ecdsa.signatureR.buffer, 32);
	sig.signature.ecdsa.signatureR.buffer[0] = 0;
	sig.signature.ecdsa.signatureR.buffer[1] = 0;
	sig.signature.ecdsa.signatureR.size = 34;
	off = 0;
	assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, b, sizeof(b),
	    &off), TSS2_RC_SUCCESS);
	in.sig = b;
	in.sig_len = off;
	verify_ok(&in, &s->pub, &r);
	/* empty s */
	sig.signature.ecdsa.signatureS.size = 0;
	off = 0;
	assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, b, sizeof(b),
	    &off), TSS2_RC_SUCCESS);
	in.sig_len = off;
	verify_fails(&in, &s->pub, "signature_invalid");
}

/* ---- pcr_value_parse, pcr_set_add, pcr_set_find ---- */

static void
parse_fails_n(const char *key, size_t key_len, const char *hex,
    size_t hex_len)
{
	struct pcr_value v;
	struct err e = { 0 };

	memset(&v, 0x5a, sizeof(v));
	assert_int_equal(pcr_value_parse(key, key_len, hex, hex_len, &v, &e),
	    -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_true(strlen(e.detail) > 0);
	assert_int_equal(v.alg, 0x5a5a);	/* untouched */
}

static void
parse_fails(const char *key, const char *hex, size_t hex_len)
{
	parse_fails_n(key, strlen(key), hex, hex_len);
}

/*
 * Ensure that every bank and the index range 0..23 parse, in either hex case.
 */
static void
pcr_value_parse_accepts_banks_and_indices(void **state)
{
	const struct {
		const char *key;
		uint16_t alg;
		size_t len;
		uint8_t index;
	} ok[] = {
		{ "sha1:0", TPM2_ALG_SHA1, 20, 0 },
		{ "sha256:7", TPM2_ALG_SHA256, 32, 7 },
		{ "sha384:10", TPM2_ALG_SHA384, 48, 10 },
		{ "sha512:23", TPM2_ALG_SHA512, 64, 23 },
	};
	char hex[129];
	struct pcr_value v;
	struct err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(hex, 'A', sizeof(hex));
		hex[1] = 'f';
		hex[2] = '0';
		hex[3] = '9';
		assert_int_equal(pcr_value_parse(ok[i].key, strlen(ok[i].key),
		    hex, 2 * ok[i].len, &v, &e), 0);
		assert_int_equal(v.alg, ok[i].alg);
		assert_int_equal(v.len, ok[i].len);
		assert_int_equal(v.index, ok[i].index);
		assert_int_equal(v.digest[0], 0xaf);
		assert_int_equal(v.digest[1], 0x09);
		assert_int_equal(v.digest[ok[i].len - 1], 0xaa);
	}
}

/*
 * Ensure that indices past 23, with leading zeros, signs or junk are refused.
 */
static void
pcr_value_parse_rejects_bad_indices(void **state)
{
	const char *bad[] = { "sha256:24", "sha256:07", "sha256:00",
	    "sha256:", "sha256:-1", "sha256:+1", "sha256: 1", "sha256:1 ",
	    "sha256:1a", "sha256:100", "sha256:023", "sha256:99",
	    "sha256:0x1" };
	char hex[64];
	size_t i;

	(void)state;
	memset(hex, '0', sizeof(hex));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fails(bad[i], hex, 64);
}

/*
 * Ensure that unknown or misspelt banks and keys without a colon are refused.
 */
static void
pcr_value_parse_rejects_bad_banks(void **state)
{
	const char *bad[] = { "sha3:1", "SHA256:1", "sha:1", "sha2561:1",
	    "md5:1", "sm3_256:1", ":1", "sha256", "", "sha256:1:2",
	    "sha25:1", " sha256:1" };
	char hex[64];
	size_t i;

	(void)state;
	memset(hex, '0', sizeof(hex));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fails(bad[i], hex, 64);
	parse_fails_n("sha256:1\0", 9, hex, 64);	/* a NUL in the key */
	parse_fails_n("sha256:12", 7, hex, 64);		/* no index */
	parse_fails_n(NULL, 0, hex, 64);
}

/* Ensure that a value of the wrong length, or not hex, is refused. */
static void
pcr_value_parse_rejects_bad_values(void **state)
{
	char hex[130];

	(void)state;
	memset(hex, '0', sizeof(hex));
	parse_fails("sha256:1", hex, 63);
	parse_fails("sha256:1", hex, 65);
	parse_fails("sha256:1", hex, 66);
	parse_fails("sha256:1", hex, 40);	/* a sha1 value */
	parse_fails("sha1:1", hex, 64);
	parse_fails("sha512:1", hex, 130);
	parse_fails("sha256:1", hex, 0);
	parse_fails("sha256:1", NULL, 64);
	hex[63] = 'g';
	parse_fails("sha256:1", hex, 64);
	hex[63] = ' ';
	parse_fails("sha256:1", hex, 64);
	hex[63] = '\0';
	parse_fails("sha256:1", hex, 64);
}

/*
 * Ensure that a duplicate (alg, index) is refused and the same index in another
 * bank is not.
 */
static void
pcr_set_add_rejects_duplicates(void **state)
{
	struct pcr_set s;
	struct pcr_value v;
	struct err e = { 0 };
	char hex[64];

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(hex, '1', sizeof(hex));
	assert_int_equal(pcr_value_parse("sha256:3", 8, hex, 64, &v, &e), 0);
	assert_int_equal(pcr_set_add(&s, &v, &e), 0);
	assert_int_equal(pcr_set_add(&s, &v, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_int_equal(pcr_value_parse("sha1:3", 6, hex, 40, &v, &e), 0);
	assert_int_equal(pcr_set_add(&s, &v, &e), 0);
	assert_int_equal(s.n, 2);
	assert_non_null(pcr_set_find(&s, TPM2_ALG_SHA1, 3));
	assert_non_null(pcr_set_find(&s, TPM2_ALG_SHA256, 3));
	assert_null(pcr_set_find(&s, TPM2_ALG_SHA384, 3));
	assert_null(pcr_set_find(&s, TPM2_ALG_SHA256, 4));
	assert_null(pcr_set_find(NULL, TPM2_ALG_SHA256, 3));
	/* values that pcr_value_parse would not make */
	v.len = 32;
	assert_int_equal(pcr_set_add(&s, &v, &e), -1);
	v.len = 20;
	v.index = 24;
	assert_int_equal(pcr_set_add(&s, &v, &e), -1);
	v.index = 0;
	v.alg = TPM2_ALG_SM3_256;
	assert_int_equal(pcr_set_add(&s, &v, &e), -1);
	assert_int_equal(s.n, 2);
}

/* Ensure that LIMIT_PCR_VALUES values fit and one more is refused. */
static void
pcr_set_add_limit(void **state)
{
	const char *banks[] = { "sha1", "sha256", "sha384", "sha512" };
	struct pcr_set *s = calloc(1, sizeof(*s));
	struct pcr_value v;
	struct err e = { 0 };
	char key[16], hex[128];
	size_t b, i, n;

	(void)state;
	assert_non_null(s);
	memset(hex, 'f', sizeof(hex));
	for (b = 0; b < 4; b++) {
		for (i = 0; i < 24; i++) {
			n = (size_t)snprintf(key, sizeof(key), "%s:%zu",
			    banks[b], i);
			assert_int_equal(pcr_value_parse(key, n, hex,
			    b == 0 ? 40 : b == 1 ? 64 : b == 2 ? 96 : 128,
			    &v, &e), 0);
			assert_int_equal(pcr_set_add(s, &v, &e), 0);
		}
	}
	assert_int_equal(s->n, LIMIT_PCR_VALUES);
	/* one past: every key is taken, and a full set refuses anything */
	assert_int_equal(pcr_set_add(s, &v, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	s->n--;
	v.index = (uint8_t)(v.index - 1);	/* present: a duplicate */
	assert_int_equal(pcr_set_add(s, &v, &e), -1);
	v.index = 23;				/* the removed one fits */
	assert_int_equal(pcr_set_add(s, &v, &e), 0);
	assert_int_equal(s->n, LIMIT_PCR_VALUES);
	/* a full set refuses a key it does not hold */
	s->v[0].alg = 0;
	assert_int_equal(pcr_value_parse("sha1:0", 6, hex, 40, &v, &e), 0);
	assert_int_equal(pcr_set_add(s, &v, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_int_equal(s->n, LIMIT_PCR_VALUES);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsassa_quote_verifies),
		cmocka_unit_test(rsapss_quote_verifies),
		cmocka_unit_test(ecdsa_quote_verifies),
		cmocka_unit_test(sha384_quote_verifies),
		cmocka_unit_test(two_bank_quote_verifies),
		cmocka_unit_test(tpm2b_attest_is_accepted),
		cmocka_unit_test(no_nonce_skips_the_nonce_check),
		cmocka_unit_test(satisfied_policy_passes),
		cmocka_unit_test(attest_trailing_byte_is_malformed),
		cmocka_unit_test(sig_trailing_byte_is_malformed),
		cmocka_unit_test(truncations_are_malformed),
		cmocka_unit_test(oversized_inputs_are_malformed),
		cmocka_unit_test(sizes_past_the_end_are_malformed),
		cmocka_unit_test(oversized_selection_is_malformed),
		cmocka_unit_test(bad_magic_is_magic_invalid),
		cmocka_unit_test(certify_attestation_is_magic_invalid),
		cmocka_unit_test(wrong_nonce_is_nonce_mismatch),
		cmocka_unit_test(nonce_of_other_length_is_nonce_mismatch),
		cmocka_unit_test(flipped_quote_byte_is_signature_invalid),
		cmocka_unit_test(flipped_sig_byte_is_signature_invalid),
		cmocka_unit_test(other_ak_is_signature_invalid),
		cmocka_unit_test(scheme_of_other_key_type_is_signature_invalid),
		cmocka_unit_test(ak_scheme_is_enforced),
		cmocka_unit_test(sha1_signature_is_signature_invalid),
		cmocka_unit_test(padding_mismatch_is_signature_invalid),
		cmocka_unit_test(ak_of_other_type_is_signature_invalid),
		cmocka_unit_test(long_qualified_signer_is_malformed),
		cmocka_unit_test(missing_arguments_are_internal),
		cmocka_unit_test(missing_value_is_selection_mismatch),
		cmocka_unit_test(extra_value_is_selection_mismatch),
		cmocka_unit_test(value_in_other_bank_is_selection_mismatch),
		cmocka_unit_test(values_over_limit_are_selection_mismatch),
		cmocka_unit_test(changed_value_is_digest_mismatch),
		cmocka_unit_test(swapped_values_are_digest_mismatch),
		cmocka_unit_test(value_of_wrong_length_is_digest_mismatch),
		cmocka_unit_test(different_policy_value_is_policy_violation),
		cmocka_unit_test(unquoted_policy_entry_is_policy_violation),
		cmocka_unit_test(checks_run_in_order),
		cmocka_unit_test(error_queue_is_left_as_found),
		cmocka_unit_test(synthetic_quote_verifies),
		cmocka_unit_test(empty_selection_needs_no_values),
		cmocka_unit_test(synthetic_sha1_quote_is_signature_invalid),
		cmocka_unit_test(bank_listed_twice_is_selection_mismatch),
		cmocka_unit_test(
		    unrepresentable_selection_is_selection_mismatch),
		cmocka_unit_test(ecdsa_integer_forms),
		cmocka_unit_test(pcr_value_parse_accepts_banks_and_indices),
		cmocka_unit_test(pcr_value_parse_rejects_bad_indices),
		cmocka_unit_test(pcr_value_parse_rejects_bad_banks),
		cmocka_unit_test(pcr_value_parse_rejects_bad_values),
		cmocka_unit_test(pcr_set_add_rejects_duplicates),
		cmocka_unit_test(pcr_set_add_limit),
	};

	return cmocka_run_group_tests_name("quote", tests, soft_setup,
	    soft_teardown) == 0 ? 0 : 1;
}
