/*
 * test_tpm.c - verify/tpm: public areas made by swtpm and tpm2-tools
 * (tests/data/gen-tpm.sh), their Names and qualified names against the ones
 * tpm2-tools wrote, every AK rule of API spec §3, every framing rejection,
 * the keys against tpm2-tools' PEMs, and the EK public areas rebuilt from
 * SPKIs against the TPM's own (template L-1, L-2, H-3, H-6).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/limits.h"
#include "verify/tpm.h"

static struct blob
data_file(const char *name)
{
	return test_data("tpm", name);
}

/* Parse tests/data/tpm/<name>; asserts success. */
static void
parse_file(const char *name, TPMT_PUBLIC *pub)
{
	struct blob b = data_file(name);
	struct err e = { 0 };
	int rc = tpm_public_parse(b.p, b.len, pub, &e);

	free(b.p);
	if (rc != 0)
		fail_msg("%s: %s", name, e.detail);
}

/* The Name tpm2-tools wrote for <key> equals ours. */
static void
assert_name_file(const struct tpm_name *n, const char *file)
{
	struct blob b = data_file(file);

	assert_int_equal(n->len, b.len);
	assert_memory_equal(n->b, b.p, b.len);
	free(b.p);
}

static void
parse_fails(const uint8_t *p, size_t len)
{
	TPMT_PUBLIC pub;
	struct err e = { 0 };

	memset(&pub, 0xa5, sizeof(pub));
	assert_int_equal(tpm_public_parse(p, len, &pub, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_true(strlen(e.detail) > 0);
}

/* tpm_ak_check fails with ak_unacceptable and a detail naming attr. */
static void
ak_rejected(const TPMT_PUBLIC *pub, const char *attr)
{
	struct err e = { 0 };

	assert_int_equal(tpm_ak_check(pub, &e), -1);
	assert_int_equal(e.code, ERR_AK_UNACCEPTABLE);
	if (strstr(e.detail, attr) == NULL)
		fail_msg("detail \"%s\" does not name %s", e.detail, attr);
}

/* A PEM public key from tests/data/tpm. */
static EVP_PKEY *
pem_key(const char *name)
{
	struct blob b = data_file(name);
	BIO *bio = BIO_new_mem_buf(b.p, (int)b.len);
	EVP_PKEY *k;

	assert_non_null(bio);
	k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(b.p);
	assert_non_null(k);
	return k;
}

/* DER SPKI of a PEM public key file, malloc'd. */
static struct blob
pem_to_spki(const char *name)
{
	EVP_PKEY *k = pem_key(name);
	struct blob b = { NULL, 0 };
	unsigned char *p = NULL;
	int n;

	n = i2d_PUBKEY(k, &p);
	assert_true(n > 0);
	b.p = malloc((size_t)n);
	assert_non_null(b.p);
	memcpy(b.p, p, (size_t)n);
	b.len = (size_t)n;
	OPENSSL_free(p);
	EVP_PKEY_free(k);
	return b;
}

/*
 * The EK rebuilt from spki has the Name of <key>.name, and its TPMT_PUBLIC
 * marshals to <key>.pub minus the size prefix.
 */
static void
assert_ek_rebuilt(const uint8_t *spki, size_t spki_len, const char *key)
{
	char pubf[64], namef[64];
	struct blob want;
	TPMT_PUBLIC pub;
	struct tpm_name n;
	struct err e = { 0 };
	uint8_t buf[sizeof(TPM2B_PUBLIC)];
	size_t off = 0;

	snprintf(pubf, sizeof(pubf), "%s.pub", key);
	snprintf(namef, sizeof(namef), "%s.name", key);
	if (tpm_ek_public_from_spki(spki, spki_len, &pub, &e) != 0)
		fail_msg("%s: %s", key, e.detail);
	assert_int_equal(tpm_public_name(&pub, &n, &e), 0);
	assert_name_file(&n, namef);
	assert_int_equal(Tss2_MU_TPMT_PUBLIC_Marshal(&pub, buf, sizeof(buf),
	    &off), TSS2_RC_SUCCESS);
	want = data_file(pubf);
	assert_int_equal(off + 2, want.len);
	assert_memory_equal(buf, want.p + 2, off);
	free(want.p);
}

static void
spki_rejected(const uint8_t *spki, size_t len)
{
	TPMT_PUBLIC pub;
	struct err e = { 0 };

	assert_int_equal(tpm_ek_public_from_spki(spki, len, &pub, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_true(strlen(e.detail) > 0);
}

static void
pkey_rejected(const TPMT_PUBLIC *pub)
{
	struct err e = { 0 };
	EVP_PKEY *k = tpm_public_to_pkey(pub, &e);

	assert_null(k);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_true(strlen(e.detail) > 0);
}

/* Ensure that the Name of every public area swtpm made equals tpm2-tools'. */
static void
names_equal_tpm2_tools(void **state)
{
	static const char *const keys[] = {
		"ak-rsa", "ak-ecc", "ak-ecc384", "ek-rsa", "ek-ecc384",
		"ek-ecc256", "ek-rsa3072",
	};
	char f[64];
	TPMT_PUBLIC pub;
	struct tpm_name n;
	struct err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(f, sizeof(f), "%s.pub", keys[i]);
		parse_file(f, &pub);
		assert_int_equal(tpm_public_name(&pub, &n, &e), 0);
		snprintf(f, sizeof(f), "%s.name", keys[i]);
		assert_name_file(&n, f);
	}
}

/* Ensure that a bare TPMT_PUBLIC parses to the same area as its TPM2B. */
static void
bare_tpmt_parses_like_tpm2b(void **state)
{
	TPMT_PUBLIC a, b;
	struct tpm_name n;
	struct err e = { 0 };

	(void)state;
	parse_file("ak-rsa.pub", &a);
	parse_file("ak-rsa.tpmt", &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(tpm_public_name(&b, &n, &e), 0);
	assert_name_file(&n, "ak-rsa.name");
}

/* Ensure that a Name is refused for a nameAlg other than sha256/sha384. */
static void
name_of_sha1_area_is_rejected(void **state)
{
	TPMT_PUBLIC pub;
	struct tpm_name n;
	struct err e = { 0 };

	(void)state;
	parse_file("ak-sha1.pub", &pub);
	assert_int_equal(tpm_public_name(&pub, &n, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
}

/*
 * Ensure that QN(AK) = H(QN(EK) || Name(AK)) with QN(EK) = H(TPM_RH_ENDORSEMENT
 * || Name(EK)) equals tpm2_readpublic's qualified name, for RSA and ECC AKs.
 */
static void
qualified_names_equal_tpm2_tools(void **state)
{
	static const char *const aks[] = { "ak-rsa", "ak-ecc" };
	struct tpm_name hier = { { 0x40, 0x00, 0x00, 0x0b }, 4 };
	struct tpm_name ek, ek_qn, ak, ak_qn;
	TPMT_PUBLIC pub;
	struct err e = { 0 };
	char f[64];
	size_t i;

	(void)state;
	parse_file("ek-rsa.pub", &pub);
	assert_int_equal(tpm_public_name(&pub, &ek, &e), 0);
	assert_int_equal(tpm_qualified_name(&hier, &ek, &ek_qn, &e), 0);
	for (i = 0; i < sizeof(aks) / sizeof(aks[0]); i++) {
		snprintf(f, sizeof(f), "%s.pub", aks[i]);
		parse_file(f, &pub);
		assert_int_equal(tpm_public_name(&pub, &ak, &e), 0);
		assert_int_equal(tpm_qualified_name(&ek_qn, &ak, &ak_qn, &e),
		    0);
		snprintf(f, sizeof(f), "%s.qname", aks[i]);
		assert_name_file(&ak_qn, f);
	}
}

/* Ensure that a child name of the wrong length for its algorithm is refused. */
static void
qualified_name_of_bad_name_is_rejected(void **state)
{
	struct tpm_name parent = { { 0x40, 0x00, 0x00, 0x0b }, 4 };
	struct tpm_name child, out;
	struct err e = { 0 };

	(void)state;
	memset(&child, 0, sizeof(child));
	child.b[1] = 0x0b;
	child.len = 1;		/* shorter than the algorithm */
	assert_int_equal(tpm_qualified_name(&parent, &child, &out, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	child.len = 2 + 48;	/* sha256 with a sha384 length */
	assert_int_equal(tpm_qualified_name(&parent, &child, &out, &e), -1);
	child.b[1] = 0x04;	/* sha1 */
	child.len = 2 + 20;
	assert_int_equal(tpm_qualified_name(&parent, &child, &out, &e), -1);
}

/* Ensure that the RSA, ECC P-256 and ECC P-384 AKs are accepted. */
static void
aks_are_accepted(void **state)
{
	static const char *const aks[] = {
		"ak-rsa.pub", "ak-ecc.pub", "ak-ecc384.pub",
	};
	TPMT_PUBLIC pub;
	struct err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(aks) / sizeof(aks[0]); i++) {
		parse_file(aks[i], &pub);
		if (tpm_ak_check(&pub, &e) != 0)
			fail_msg("%s: %s", aks[i], e.detail);
	}
}

/* Ensure that a signing key without restricted is not an AK. */
static void
unrestricted_key_is_not_an_ak(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("sign-unrestricted.pub", &pub);
	ak_rejected(&pub, "TPMA_OBJECT_RESTRICTED");
}

/* Ensure that a decryption key is not an AK. */
static void
decrypt_key_is_not_an_ak(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("decrypt.pub", &pub);
	ak_rejected(&pub, "TPMA_OBJECT_DECRYPT");
}

/* Ensure that an EK (restricted decrypt) is not an AK. */
static void
ek_is_not_an_ak(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ek-rsa.pub", &pub);
	ak_rejected(&pub, "TPMA_OBJECT_DECRYPT");
}

/* Ensure that an AK with nameAlg sha1 is refused. */
static void
sha1_ak_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-sha1.pub", &pub);
	ak_rejected(&pub, "nameAlg");
}

/* Ensure that an AK without sign is refused (TPMA_OBJECT_SIGN_ENCRYPT). */
static void
ak_without_sign_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.objectAttributes &= ~TPMA_OBJECT_SIGN_ENCRYPT;
	ak_rejected(&pub, "TPMA_OBJECT_SIGN_ENCRYPT");
}

/* Ensure that an AK without fixedTPM is refused. */
static void
ak_without_fixedtpm_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-ecc.pub", &pub);
	pub.objectAttributes &= ~TPMA_OBJECT_FIXEDTPM;
	ak_rejected(&pub, "TPMA_OBJECT_FIXEDTPM");
}

/* Ensure that an AK without fixedParent is refused. */
static void
ak_without_fixedparent_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.objectAttributes &= ~TPMA_OBJECT_FIXEDPARENT;
	ak_rejected(&pub, "TPMA_OBJECT_FIXEDPARENT");
}

/* Ensure that an AK without sensitiveDataOrigin is refused. */
static void
ak_without_sensitivedataorigin_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.objectAttributes &= ~TPMA_OBJECT_SENSITIVEDATAORIGIN;
	ak_rejected(&pub, "TPMA_OBJECT_SENSITIVEDATAORIGIN");
}

/* Ensure that an RSA AK of 2047 bits is refused and 2048 is the limit. */
static void
rsa_ak_under_2048_bits_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.parameters.rsaDetail.keyBits = 1024;
	pub.unique.rsa.size = 128;
	ak_rejected(&pub, "keyBits");
	pub.parameters.rsaDetail.keyBits = 2047;
	ak_rejected(&pub, "keyBits");
}

/* Ensure that an RSA AK whose modulus size contradicts keyBits is refused. */
static void
rsa_ak_modulus_size_mismatch_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.parameters.rsaDetail.keyBits = 3072;
	ak_rejected(&pub, "unique.rsa");
}

/* Ensure that an ECC AK on P-521 is refused (P-256 and P-384 only). */
static void
ecc_ak_on_p521_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-ecc.pub", &pub);
	pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P521;
	ak_rejected(&pub, "curveID");
}

/* Ensure that a keyedhash object is not an AK. */
static void
keyedhash_is_not_an_ak(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("hmac.pub", &pub);
	ak_rejected(&pub, "TPMI_ALG_PUBLIC");
}

/* Ensure that a TPM2B_PUBLIC one byte short is rejected. */
static void
truncated_public_is_rejected(void **state)
{
	struct blob b = data_file("ak-rsa.pub");

	(void)state;
	parse_fails(b.p, b.len - 1);
	parse_fails(b.p, 2);
	parse_fails(b.p, 1);
	free(b.p);
}

/* Ensure that a TPM2B_PUBLIC followed by one more byte is rejected. */
static void
trailing_byte_is_rejected(void **state)
{
	struct blob b = data_file("ak-rsa.pub");
	uint8_t *p = malloc(b.len + 1);

	(void)state;
	assert_non_null(p);
	memcpy(p, b.p, b.len);
	p[b.len] = 0;
	parse_fails(p, b.len + 1);
	free(p);
	free(b.p);
}

/* Ensure that a size prefix past the end, or short of it, is rejected. */
static void
size_prefix_mismatch_is_rejected(void **state)
{
	struct blob b = data_file("ak-rsa.pub");
	uint16_t size = (uint16_t)(b.p[0] << 8 | b.p[1]);

	(void)state;
	b.p[0] = (uint8_t)((size + 1) >> 8);
	b.p[1] = (uint8_t)(size + 1);
	parse_fails(b.p, b.len);
	b.p[0] = (uint8_t)((size - 1) >> 8);
	b.p[1] = (uint8_t)(size - 1);
	parse_fails(b.p, b.len);
	b.p[0] = 0xff;
	b.p[1] = 0xff;
	parse_fails(b.p, b.len);
	free(b.p);
}

/* Ensure that empty input and input past any TPM2B_PUBLIC are rejected. */
static void
empty_and_oversize_are_rejected(void **state)
{
	static const uint8_t zero_size[2] = { 0, 0 };
	uint8_t *big = calloc(1, sizeof(TPM2B_PUBLIC) + 1);

	(void)state;
	assert_non_null(big);
	parse_fails(NULL, 0);
	parse_fails(zero_size, 0);
	parse_fails(zero_size, sizeof(zero_size));
	parse_fails(big, sizeof(TPM2B_PUBLIC) + 1);
	free(big);
}

/* Ensure that a unique.rsa larger than its buffer (513 bytes) is rejected. */
static void
oversize_rsa_unique_is_rejected(void **state)
{
	struct blob b = data_file("ak-rsa.tpmt");
	size_t head = b.len - 258, len = head + 2 + 513;
	uint8_t *p = calloc(1, len);

	(void)state;
	assert_non_null(p);
	memcpy(p, b.p, head);
	p[head] = 0x02;
	p[head + 1] = 0x01;
	parse_fails(p, len);
	free(p);
	free(b.p);
}

/* Ensure that the AK and EK keys equal the PEMs tpm2-tools wrote. */
static void
keys_equal_tpm2_tools_pem(void **state)
{
	static const char *const keys[][2] = {
		{ "ak-rsa.pub", "ak-rsa.pem" },
		{ "ak-ecc.pub", "ak-ecc.pem" },
		{ "ak-ecc384.pub", "ak-ecc384.pem" },
		{ "ek-rsa.pub", "ek-rsa-pub.pem" },
		{ "ek-ecc384.pub", "ek-ecc384-pub.pem" },
		{ "ek-ecc256.pub", "ek-ecc256-pub.pem" },
		{ "ek-rsa3072.pub", "ek-rsa3072-pub.pem" },
	};
	TPMT_PUBLIC pub;
	struct err e = { 0 };
	EVP_PKEY *k, *want;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		parse_file(keys[i][0], &pub);
		k = tpm_public_to_pkey(&pub, &e);
		if (k == NULL)
			fail_msg("%s: %s", keys[i][0], e.detail);
		want = pem_key(keys[i][1]);
		assert_int_equal(EVP_PKEY_eq(k, want), 1);
		EVP_PKEY_free(want);
		EVP_PKEY_free(k);
	}
}

/* Ensure that an ECC point off the curve gives no key. */
static void
ecc_point_off_curve_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-ecc.pub", &pub);
	pub.unique.ecc.y.buffer[pub.unique.ecc.y.size - 1] ^= 1;
	pkey_rejected(&pub);
}

/* Ensure that ECC coordinates longer than the field give no key. */
static void
ecc_coordinate_too_long_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-ecc.pub", &pub);
	pub.unique.ecc.x.size = 33;
	pkey_rejected(&pub);
	pub.unique.ecc.x.size = 0;
	pkey_rejected(&pub);
}

/* Ensure that a curve other than NIST P-256/384/521 gives no key. */
static void
unknown_curve_is_rejected(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-ecc.pub", &pub);
	pub.parameters.eccDetail.curveID = TPM2_ECC_BN_P256;
	pkey_rejected(&pub);
}

/* Ensure that RSA exponents 1 and even ones give no key; 0 means 65537. */
static void
bad_rsa_exponent_is_rejected(void **state)
{
	TPMT_PUBLIC pub;
	struct err e = { 0 };
	EVP_PKEY *a, *b;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.parameters.rsaDetail.exponent = 1;
	pkey_rejected(&pub);
	pub.parameters.rsaDetail.exponent = 65536;
	pkey_rejected(&pub);
	pub.parameters.rsaDetail.exponent = 65537;
	a = tpm_public_to_pkey(&pub, &e);
	pub.parameters.rsaDetail.exponent = 0;
	b = tpm_public_to_pkey(&pub, &e);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(EVP_PKEY_eq(a, b), 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

/* Ensure that an RSA modulus that contradicts keyBits gives no key. */
static void
rsa_modulus_size_mismatch_gives_no_key(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("ak-rsa.pub", &pub);
	pub.unique.rsa.size = 255;
	pkey_rejected(&pub);
	pub.unique.rsa.size = 0;
	pkey_rejected(&pub);
}

/* Ensure that keyedhash and symcipher objects give no key. */
static void
symmetric_objects_give_no_key(void **state)
{
	TPMT_PUBLIC pub;

	(void)state;
	parse_file("hmac.pub", &pub);
	pkey_rejected(&pub);
	parse_file("aes.pub", &pub);
	pkey_rejected(&pub);
}

/*
 * Ensure that the RSA-2048 EK rebuilt from its certificate's SPKI (template
 * L-1) is byte-identical to the TPM's, from the cert and from tpm2-tools' PEM.
 */
static void
rsa2048_ek_rebuilt_from_spki(void **state)
{
	struct blob b = data_file("ek-rsa-cert-spki.der");
	struct blob p = pem_to_spki("ek-rsa-pub.pem");

	(void)state;
	assert_ek_rebuilt(b.p, b.len, "ek-rsa");
	assert_ek_rebuilt(p.p, p.len, "ek-rsa");
	free(p.p);
	free(b.p);
}

/*
 * Ensure that swtpm's ECC P-384 EK rebuilt from its certificate's SPKI
 * (template H-3) has the Name tpm2_readpublic -c 0x81010016 reports.
 */
static void
p384_ek_rebuilt_from_spki(void **state)
{
	struct blob b = data_file("ek-ecc384-cert-spki.der");

	(void)state;
	assert_ek_rebuilt(b.p, b.len, "ek-ecc384");
	free(b.p);
}

/*
 * Ensure that the P-256 EK (template L-2) is rebuilt exactly, from an SPKI
 * with a compressed point too.
 */
static void
p256_ek_rebuilt_from_spki(void **state)
{
	struct blob p = pem_to_spki("ek-ecc256-pub.pem");
	EVP_PKEY *k = pem_key("ek-ecc256-pub.pem");
	unsigned char *der = NULL;
	int n;

	(void)state;
	assert_ek_rebuilt(p.p, p.len, "ek-ecc256");
	assert_int_equal(EVP_PKEY_set_utf8_string_param(k,
	    "point-format", "compressed"), 1);
	n = i2d_PUBKEY(k, &der);
	assert_true(n > 0 && (size_t)n < p.len);
	assert_ek_rebuilt(der, (size_t)n, "ek-ecc256");
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	free(p.p);
}

/* Ensure that swtpm's RSA-3072 EK (template H-6) is rebuilt exactly. */
static void
rsa3072_ek_rebuilt_from_spki(void **state)
{
	struct blob p = pem_to_spki("ek-rsa3072-pub.pem");

	(void)state;
	assert_ek_rebuilt(p.p, p.len, "ek-rsa3072");
	free(p.p);
}

/*
 * Ensure that keys of no EK template are refused: RSA-1024, P-224, and
 * P-256 with explicit curve parameters.
 */
static void
non_template_keys_are_rejected(void **state)
{
	static const char *const files[] = {
		"rsa1024-spki.der", "p224-spki.der", "p256-explicit-spki.der",
	};
	struct blob b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		b = test_data("ek", files[i]);
		spki_rejected(b.p, b.len);
		free(b.p);
	}
}

/* Ensure that an RSA-2048 key with exponent 3 matches no EK template. */
static void
rsa_exponent_3_is_not_a_template(void **state)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *x = BN_new();
	unsigned char *der = NULL;
	int n;

	(void)state;
	assert_non_null(ctx);
	assert_non_null(x);
	assert_int_equal(BN_set_word(x, 3), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, x), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &k), 1);
	n = i2d_PUBKEY(k, &der);
	assert_true(n > 0);
	spki_rejected(der, (size_t)n);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	BN_free(x);
	EVP_PKEY_CTX_free(ctx);
}

/*
 * Ensure that an SPKI with a trailing byte, truncated, empty, or one byte
 * past LIMIT_EK_DER_BYTES is refused.
 */
static void
spki_framing_is_checked(void **state)
{
	struct blob b = data_file("ek-rsa-cert-spki.der");
	uint8_t *p = calloc(1, LIMIT_EK_DER_BYTES + 1);

	(void)state;
	assert_non_null(p);
	memcpy(p, b.p, b.len);
	spki_rejected(p, b.len + 1);
	spki_rejected(p, b.len - 1);
	spki_rejected(p, 0);
	spki_rejected(NULL, 0);
	spki_rejected(p, LIMIT_EK_DER_BYTES + 1);
	free(p);
	free(b.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_equal_tpm2_tools),
		cmocka_unit_test(bare_tpmt_parses_like_tpm2b),
		cmocka_unit_test(name_of_sha1_area_is_rejected),
		cmocka_unit_test(qualified_names_equal_tpm2_tools),
		cmocka_unit_test(qualified_name_of_bad_name_is_rejected),
		cmocka_unit_test(aks_are_accepted),
		cmocka_unit_test(unrestricted_key_is_not_an_ak),
		cmocka_unit_test(decrypt_key_is_not_an_ak),
		cmocka_unit_test(ek_is_not_an_ak),
		cmocka_unit_test(sha1_ak_is_rejected),
		cmocka_unit_test(ak_without_sign_is_rejected),
		cmocka_unit_test(ak_without_fixedtpm_is_rejected),
		cmocka_unit_test(ak_without_fixedparent_is_rejected),
		cmocka_unit_test(ak_without_sensitivedataorigin_is_rejected),
		cmocka_unit_test(rsa_ak_under_2048_bits_is_rejected),
		cmocka_unit_test(rsa_ak_modulus_size_mismatch_is_rejected),
		cmocka_unit_test(ecc_ak_on_p521_is_rejected),
		cmocka_unit_test(keyedhash_is_not_an_ak),
		cmocka_unit_test(truncated_public_is_rejected),
		cmocka_unit_test(trailing_byte_is_rejected),
		cmocka_unit_test(size_prefix_mismatch_is_rejected),
		cmocka_unit_test(empty_and_oversize_are_rejected),
		cmocka_unit_test(oversize_rsa_unique_is_rejected),
		cmocka_unit_test(keys_equal_tpm2_tools_pem),
		cmocka_unit_test(ecc_point_off_curve_is_rejected),
		cmocka_unit_test(ecc_coordinate_too_long_is_rejected),
		cmocka_unit_test(unknown_curve_is_rejected),
		cmocka_unit_test(bad_rsa_exponent_is_rejected),
		cmocka_unit_test(rsa_modulus_size_mismatch_gives_no_key),
		cmocka_unit_test(symmetric_objects_give_no_key),
		cmocka_unit_test(rsa2048_ek_rebuilt_from_spki),
		cmocka_unit_test(p384_ek_rebuilt_from_spki),
		cmocka_unit_test(p256_ek_rebuilt_from_spki),
		cmocka_unit_test(rsa3072_ek_rebuilt_from_spki),
		cmocka_unit_test(non_template_keys_are_rejected),
		cmocka_unit_test(rsa_exponent_3_is_not_a_template),
		cmocka_unit_test(spki_framing_is_checked),
	};

	return cmocka_run_group_tests_name("tpm", tests, NULL, NULL) == 0 ?
	    0 : 1;
}
