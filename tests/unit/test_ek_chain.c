/*
 * test_ek_chain.c - verify/ek_chain and cfg/cfg_bundle: EK certificates made
 * by swtpm under swtpm-localca CAs and a test PKI made with OpenSSL
 * (tests/data/gen-chain.sh), every rejection, the path and validity rules of
 * ek_chain.h, each LIMIT_* at the limit and one past it (certificates for
 * those are made here with OpenSSL's X509 API), and loading bundles from a
 * PEM file and from a directory.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cfg/cfg_bundle.h"
#include "core/arena.h"
#include "core/b64.h"
#include "core/err.h"
#include "core/limits.h"
#include "verify/ek.h"
#include "verify/ek_chain.h"

/* 2100-01-01T00:00:00Z: inside every test CA's validity, past every EK's. */
#define T_NOW			INT64_C(4102444800)
/* 2030-01-01T00:00:00Z */
#define T_2030			INT64_C(1893456000)
/* 2020-06-01T00:00:00Z, inside t-int-expired's validity */
#define T_2020			INT64_C(1590969600)
/* t-int-expired's notBefore 2020-01-01 and notAfter 2021-01-01 */
#define T_EXPIRED_NB		INT64_C(1577836800)
#define T_EXPIRED_NA		INT64_C(1609459200)

struct blob {
	uint8_t *p;
	size_t len;
};

struct fixture {
	struct ek_anchor_set s;
	struct err e;
	char tmp[256];		/* a scratch directory, or "" */
};

/* tests/data/chain/<name> under $top_srcdir; fails the test when missing. */
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
	assert_true(snprintf(path, sizeof(path), "%s/tests/data/chain/%s",
	    top, name) < (int)sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	b.len = (size_t)n;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

static void
data_path(const char *name, char *out, size_t out_len)
{
	const char *top = getenv("top_srcdir");

	assert_true(snprintf(out, out_len, "%s/tests/data/chain/%s",
	    top != NULL ? top : ".", name) < (int)out_len);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	ek_anchors_init(&f->s);
	*state = f;
	return 0;
}

/* Remove a flat scratch directory made by scratch(). */
static void
rm_tree(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if (dir[0] == '\0')
		return;
	d = opendir(dir);
	if (d != NULL) {
		for (de = readdir(d); de != NULL; de = readdir(d)) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dir,
			    de->d_name) < (int)sizeof(path))
				(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ek_anchors_release(&f->s);
	rm_tree(f->tmp);
	/* nothing may be left on OpenSSL's queue */
	if (ERR_peek_error() != 0) {
		ERR_clear_error();
		free(f);
		return -1;
	}
	free(f);
	return 0;
}

/* Add tests/data/chain files to the set; asserts success. */
static void
add_files(struct fixture *f, ...)
{
	const char *name;
	struct blob b;
	va_list ap;

	va_start(ap, f);
	while ((name = va_arg(ap, const char *)) != NULL) {
		b = data_file(name);
		if (ek_anchors_add_der(&f->s, b.p, b.len, &f->e) != 0)
			fail_msg("%s: %s: %s", name, err_name(f->e.code),
			    f->e.detail);
		free(b.p);
	}
	va_end(ap);
}

static int
verify_bytes(struct fixture *f, const uint8_t *p, size_t len, int64_t now)
{
	int rc;

	err_clear(&f->e);
	rc = ek_chain_verify(&f->s, p, len, now, &f->e);
	assert_int_equal(ERR_peek_error(), 0);
	return rc;
}

static int
verify_file(struct fixture *f, const char *name, int64_t now)
{
	struct blob b = data_file(name);
	int rc = verify_bytes(f, b.p, b.len, now);

	free(b.p);
	return rc;
}

static void
assert_trusted(struct fixture *f, const char *name, int64_t now)
{
	if (verify_file(f, name, now) != 0)
		fail_msg("%s: %s: %s", name, err_name(f->e.code), f->e.detail);
}

/* Refused as ek_untrusted with a detail containing want. */
static void
assert_untrusted(struct fixture *f, const char *name, int64_t now,
    const char *want)
{
	assert_int_equal(verify_file(f, name, now), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	if (strstr(f->e.detail, want) == NULL)
		fail_msg("detail \"%s\" lacks \"%s\"", f->e.detail, want);
}

static void
assert_add_refused(struct fixture *f, const uint8_t *p, size_t len,
    const char *want)
{
	size_t n = f->s.n;

	err_clear(&f->e);
	assert_int_equal(ek_anchors_add_der(&f->s, p, len, &f->e), -1);
	assert_int_equal(f->e.code, ERR_VALIDATION_FAILED);
	assert_int_equal(f->s.n, n);
	assert_int_equal(ERR_peek_error(), 0);
	if (strstr(f->e.detail, want) == NULL)
		fail_msg("detail \"%s\" lacks \"%s\"", f->e.detail, want);
}

static void
assert_add_file_refused(struct fixture *f, const char *name,
    const char *want)
{
	struct blob b = data_file(name);

	assert_add_refused(f, b.p, b.len, want);
	free(b.p);
}

/* ---- certificates made here, for the limits ---- */

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

struct mk {
	const char *subject;	/* CN */
	EVP_PKEY *key;		/* subject key */
	const char *issuer;	/* CN */
	EVP_PKEY *ikey;		/* issuer key (signs) */
	bool ca;
	long serial;
	size_t pad;		/* bytes of a non-critical filler extension */
	const char *critical;	/* an extra critical extension "oid", or NULL */
	const char *not_before;	/* YYYYMMDDHHMMSSZ, default 2000 */
	const char *not_after;	/* YYYYMMDDHHMMSSZ, default 2199 */
	const EVP_MD *md;	/* default SHA-256 */
};

static void
mk_name(X509_NAME *n, const char *cn)
{
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
}

static void
mk_ext(X509 *x, const char *oid, bool crit, const uint8_t *p, size_t len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	assert_non_null(o);
	assert_non_null(s);
	assert_int_equal(ASN1_OCTET_STRING_set(s, p, (int)len), 1);
	ext = X509_EXTENSION_create_by_OBJ(NULL, o, crit ? 1 : 0, s);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(s);
	ASN1_OBJECT_free(o);
}

/* A DER certificate as described by m, no SKI or AKI. */
static struct blob
mk_cert(const struct mk *m)
{
	static const uint8_t null_der[] = { 0x05, 0x00 };
	X509 *x = X509_new();
	X509_EXTENSION *ext;
	ASN1_TIME *t;
	uint8_t *pad, *der = NULL;
	struct blob b;
	int n;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x),
	    m->serial), 1);
	mk_name(X509_get_subject_name(x), m->subject);
	mk_name(X509_get_issuer_name(x), m->issuer);
	t = ASN1_TIME_new();
	assert_non_null(t);
	assert_int_equal(ASN1_TIME_set_string_X509(t, m->not_before != NULL ?
	    m->not_before : "20000101000000Z"), 1);
	assert_int_equal(X509_set1_notBefore(x, t), 1);
	assert_int_equal(ASN1_TIME_set_string_X509(t, m->not_after != NULL ?
	    m->not_after : "21991231235959Z"), 1);
	assert_int_equal(X509_set1_notAfter(x, t), 1);
	ASN1_TIME_free(t);
	assert_int_equal(X509_set_pubkey(x, m->key), 1);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    m->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	if (m->pad > 0) {
		pad = calloc(1, m->pad);
		assert_non_null(pad);
		mk_ext(x, "1.3.6.1.4.1.99999.2", false, pad, m->pad);
		free(pad);
	}
	if (m->critical != NULL)
		mk_ext(x, m->critical, true, null_der, sizeof(null_der));
	assert_true(X509_sign(x, m->ikey, m->md != NULL ? m->md :
	    EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	b.len = (size_t)n;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	memcpy(b.p, der, b.len);
	OPENSSL_free(der);
	X509_free(x);
	return b;
}

/*
 * A self-signed CA certificate of exactly len bytes (grown by padding); k
 * is an RSA key, so that the signature has a fixed length.
 */
static struct blob
mk_ca_of_len(EVP_PKEY *k, size_t len)
{
	struct mk m = { .subject = "ITL test big CA", .key = k,
	    .issuer = "ITL test big CA", .ikey = k, .ca = true, .serial = 1,
	    .pad = len / 2 };
	struct blob b = { NULL, 0 };
	int i;

	for (i = 0; i < 8; i++) {
		free(b.p);
		b = mk_cert(&m);
		if (b.len == len)
			return b;
		/* a length octet more or less: aim again */
		m.pad = b.len < len ? m.pad + (len - b.len) :
		    m.pad - (b.len - len);
		m.serial++;
	}
	fail_msg("no certificate of exactly %zu bytes", len);
	return b;
}

/* ---- the swtpm-localca chain ---- */

/* Ensure that swtpm's RSA EK certificate chains via intermediate and root. */
static void
swtpm_rsa_is_trusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	assert_int_equal(ek_anchors_n_roots(&f->s), 1);
	assert_trusted(f, "ek-rsa.der", T_NOW);
}

/* Ensure that swtpm's ECC P-384 EK certificate (RSA-signed) chains too. */
static void
swtpm_ecc_is_trusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	assert_trusted(f, "ek-ecc.der", T_NOW);
}

/* Ensure that the order in which CAs are added does not matter. */
static void
anchor_order_does_not_matter(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-intermediate.der", "swtpm-root.der", NULL);
	assert_trusted(f, "ek-rsa.der", T_NOW);
}

/* Ensure that an empty set trusts nothing. */
static void
empty_set_is_untrusted(void **state)
{
	struct fixture *f = *state;

	assert_untrusted(f, "ek-rsa.der", T_NOW, "no ca certificates");
}

/* Ensure that the root alone does not do: the intermediate is missing. */
static void
root_only_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", NULL);
	assert_untrusted(f, "ek-rsa.der", T_NOW, "no ca certificate");
	assert_true(strstr(f->e.detail, "swtpm-localca") != NULL);
}

/* Ensure that the intermediate alone does not do: it is not a trust anchor. */
static void
intermediate_only_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-intermediate.der", NULL);
	assert_int_equal(ek_anchors_n_roots(&f->s), 0);
	assert_untrusted(f, "ek-rsa.der", T_NOW,
	    "reaches \"swtpm-localca\" but no self-signed root");
}

/* Ensure that an EK certificate of another CA, same names, is refused. */
static void
other_ca_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	assert_untrusted(f, "ek-other.der", T_NOW, "no ca certificate");
}

/* Ensure that CA B's intermediate under CA A's root does not link. */
static void
other_intermediate_under_root_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", "other-intermediate.der", NULL);
	assert_untrusted(f, "ek-other.der", T_NOW, "no self-signed root");
}

/* Ensure that both CAs in one set each verify their own EK certificate. */
static void
two_cas_with_one_name_both_work(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der",
	    "other-root.der", "other-intermediate.der", NULL);
	assert_int_equal(ek_anchors_n_roots(&f->s), 2);
	assert_trusted(f, "ek-rsa.der", T_NOW);
	assert_trusted(f, "ek-other.der", T_NOW);
}

/* Ensure that the cert_der ek_parse takes from behind an NV header verifies. */
static void
nv_header_and_padding_via_ek_parse(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-rsa-nvhdr-pad.der");
	struct arena a;
	struct ek_info ek;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	arena_init(&a, LIMIT_ARENA_BYTES);
	if (ek_parse(b.p, b.len, EK_SOURCE_CERT, &a, &ek, &f->e) != 0)
		fail_msg("ek_parse: %s", f->e.detail);
	assert_true(ek.has_cert);
	assert_true(ek.cert_der_len < b.len);
	assert_int_equal(verify_bytes(f, ek.cert_der, ek.cert_der_len,
	    T_NOW), 0);
	/* the stored bytes themselves are not one certificate */
	assert_int_equal(verify_bytes(f, b.p, b.len, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	arena_release(&a);
	free(b.p);
}

/* Ensure that a byte after the certificate is refused. */
static void
trailing_byte_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-rsa.der");
	uint8_t *p = malloc(b.len + 1);

	assert_non_null(p);
	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	memcpy(p, b.p, b.len);
	p[b.len] = 0;
	assert_int_equal(verify_bytes(f, p, b.len + 1, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	assert_non_null(strstr(f->e.detail, "bytes after"));
	free(p);
	free(b.p);
}

/* Ensure that a flipped signature byte is refused. */
static void
tampered_signature_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-rsa.der");

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	b.p[b.len - 1] ^= 0x01;
	assert_int_equal(verify_bytes(f, b.p, b.len, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	assert_non_null(strstr(f->e.detail, "signature does not verify"));
	free(b.p);
}

/* Ensure that a changed byte in the signed part is refused. */
static void
tampered_tbs_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-rsa.der");

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	/* the middle of the certificate lies inside its tbsCertificate */
	b.p[b.len / 2] ^= 0x01;
	assert_int_equal(verify_bytes(f, b.p, b.len, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	free(b.p);
}

/* Ensure that a truncated certificate is refused, not read past its end. */
static void
truncated_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("ek-rsa.der");
	size_t n;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	for (n = 0; n < b.len; n += 97) {
		assert_int_equal(verify_bytes(f, b.p, n, T_NOW), -1);
		assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	}
	free(b.p);
}

/* Ensure that an EK certificate one byte over LIMIT_EK_DER_BYTES is refused. */
static void
ek_over_limit_is_untrusted(void **state)
{
	struct fixture *f = *state;
	uint8_t *p = calloc(1, LIMIT_EK_DER_BYTES + 1);

	assert_non_null(p);
	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	assert_int_equal(verify_bytes(f, p, LIMIT_EK_DER_BYTES + 1, T_NOW),
	    -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	assert_non_null(strstr(f->e.detail, "longer than"));
	/* at the limit it is parsed (and these zeros are no certificate) */
	assert_int_equal(verify_bytes(f, p, LIMIT_EK_DER_BYTES, T_NOW), -1);
	assert_null(strstr(f->e.detail, "longer than"));
	free(p);
}

/* ---- the test PKI ---- */

/*
 * Ensure that a certificate OpenSSL's decoder refuses (non-minimal serial),
 * RSA-PSS signed, with an unknown critical extension, verifies.
 */
static void
nonminimal_serial_pss_is_trusted(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("leaf-nonmin-pss.der");
	const unsigned char *q = b.p;
	X509 *x;

	ERR_set_mark();
	x = d2i_X509(NULL, &q, (long)b.len);
	ERR_pop_to_mark();
	assert_null(x);
	free(b.p);
	add_files(f, "t-root.der", "t-int.der", NULL);
	assert_trusted(f, "leaf-nonmin-pss.der", T_NOW);
}

/* Ensure that a leaf issued by the root itself (ECDSA P-384) verifies. */
static void
ecdsa_leaf_under_root_is_trusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", NULL);
	assert_trusted(f, "leaf-direct.der", T_NOW);
}

/* Ensure that sha512WithRSAEncryption is accepted. */
static void
sha512_is_trusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int.der", NULL);
	assert_trusted(f, "leaf-sha512.der", T_NOW);
}

/* Ensure that an EK certificate signed with SHA-1 is refused. */
static void
sha1_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int.der", NULL);
	assert_untrusted(f, "leaf-sha1.der", T_NOW, "sha-1");
}

/* Ensure that an outer algorithm that differs from the tbs one is refused. */
static void
algorithm_mismatch_is_untrusted(void **state)
{
	static const uint8_t sha512_rsa[] = {
		0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
	};
	struct fixture *f = *state;
	struct blob b = data_file("leaf-sha512.der");
	size_t i, last = 0;

	add_files(f, "t-root.der", "t-int.der", NULL);
	for (i = 0; i + sizeof(sha512_rsa) <= b.len; i++) {
		if (memcmp(b.p + i, sha512_rsa, sizeof(sha512_rsa)) == 0)
			last = i;
	}
	assert_true(last > 0);
	b.p[last + sizeof(sha512_rsa) - 1] = 0x0b;	/* sha256WithRSA */
	assert_int_equal(verify_bytes(f, b.p, b.len, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	assert_non_null(strstr(f->e.detail, "differs"));
	free(b.p);
}

/* Ensure that the EK certificate's own dates are not enforced. */
static void
leaf_dates_are_not_enforced(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int.der", NULL);
	/* notBefore 2090, notAfter 2000: before both and after both */
	assert_trusted(f, "leaf-dates.der", T_2030);
	assert_trusted(f, "leaf-dates.der", T_NOW);
}

/* Ensure that an expired intermediate is refused, naming it. */
static void
expired_intermediate_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int-expired.der", NULL);
	assert_untrusted(f, "leaf-expired-int.der", T_NOW,
	    "\"ITL test expired intermediate CA\" has expired");
	assert_trusted(f, "leaf-expired-int.der", T_2020);
}

/* Ensure that a CA is valid until LIMIT_EK_CHAIN_SKEW_S past notAfter. */
static void
ca_not_after_skew_limit(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int-expired.der", NULL);
	assert_trusted(f, "leaf-expired-int.der",
	    T_EXPIRED_NA + LIMIT_EK_CHAIN_SKEW_S);
	assert_untrusted(f, "leaf-expired-int.der",
	    T_EXPIRED_NA + LIMIT_EK_CHAIN_SKEW_S + 1, "has expired");
}

/* Ensure that a CA is accepted from LIMIT_EK_CHAIN_SKEW_S before notBefore. */
static void
ca_not_before_skew_limit(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int-expired.der", NULL);
	assert_trusted(f, "leaf-expired-int.der",
	    T_EXPIRED_NB - LIMIT_EK_CHAIN_SKEW_S);
	assert_untrusted(f, "leaf-expired-int.der",
	    T_EXPIRED_NB - LIMIT_EK_CHAIN_SKEW_S - 1, "is not yet valid");
}

/* Ensure that a root that is not valid yet is refused too. */
static void
root_not_yet_valid_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", NULL);
	assert_untrusted(f, "leaf-direct.der", INT64_C(900000000),
	    "\"ITL test root CA\" is not yet valid");
}

/* Ensure that a path longer than a pathLenConstraint allows is refused. */
static void
path_len_constraint_is_enforced(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int.der", "t-sub.der", NULL);
	assert_untrusted(f, "leaf-sub.der", T_NOW,
	    "\"ITL test intermediate CA\" allows 0 intermediates");
}

/* Ensure that a CA certificate sent as EK material is refused. */
static void
ca_as_ek_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", NULL);
	assert_untrusted(f, "t-int.der", T_NOW, "is a ca certificate");
	assert_untrusted(f, "t-root.der", T_NOW, "is a ca certificate");
}

/* Ensure that a self-signed EK certificate is refused. */
static void
self_signed_ek_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "t-root.der", "t-int.der", "swtpm-root.der", NULL);
	assert_untrusted(f, "leaf-selfsigned.der", T_NOW, "no ca certificate");
}

/* Ensure that a certificate without cA true cannot join the set. */
static void
non_ca_cannot_be_added(void **state)
{
	struct fixture *f = *state;

	assert_add_file_refused(f, "t-int-noca.der", "is not a ca");
	assert_add_file_refused(f, "ek-rsa.der", "is not a ca");
	assert_add_file_refused(f, "leaf-selfsigned.der", "is not a ca");
}

/* Ensure that garbage, empty input and trailing bytes cannot join the set. */
static void
malformed_cannot_be_added(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct fixture *f = *state;
	struct blob b = data_file("swtpm-root.der");
	uint8_t *p = malloc(b.len + 1);

	assert_non_null(p);
	assert_add_refused(f, junk, sizeof(junk), "ca certificate");
	assert_add_refused(f, junk, 0, "empty");
	memcpy(p, b.p, b.len);
	p[b.len] = 0;
	assert_add_refused(f, p, b.len + 1, "bytes after");
	free(p);
	free(b.p);
}

/* Ensure that a CA with a critical extension we cannot honour is refused. */
static void
ca_unknown_critical_cannot_be_added(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *k = ec_key();
	struct mk m = { .subject = "ITL test constrained CA", .key = k,
	    .issuer = "ITL test constrained CA", .ikey = k, .ca = true,
	    .serial = 1, .critical = "2.5.29.30" };	/* nameConstraints */
	struct blob b = mk_cert(&m);

	assert_add_refused(f, b.p, b.len, "critical extension");
	free(b.p);
	m.critical = "2.5.29.32";	/* certificatePolicies: fine */
	b = mk_cert(&m);
	assert_int_equal(ek_anchors_add_der(&f->s, b.p, b.len, &f->e), 0);
	free(b.p);
	EVP_PKEY_free(k);
}

/* Ensure that a CA with an RSA key under 2048 bits cannot join the set. */
static void
ca_small_key_cannot_be_added(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *k = EVP_RSA_gen(1024);
	struct mk m = { .subject = "ITL test weak CA", .key = k,
	    .issuer = "ITL test weak CA", .ikey = k, .ca = true, .serial = 1 };
	struct blob b;

	assert_non_null(k);
	b = mk_cert(&m);
	assert_add_refused(f, b.p, b.len, "1024 bits");
	free(b.p);
	EVP_PKEY_free(k);
}

/* Ensure that a certificate added twice is kept once. */
static void
duplicate_is_kept_once(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", "swtpm-intermediate.der",
	    "swtpm-root.der", "swtpm-intermediate.der", NULL);
	assert_int_equal(f->s.n, 2);
	assert_trusted(f, "ek-rsa.der", T_NOW);
}

/* Ensure that release frees the set and leaves it empty and reusable. */
static void
release_empties_the_set(void **state)
{
	struct fixture *f = *state;

	add_files(f, "swtpm-root.der", NULL);
	ek_anchors_release(&f->s);
	ek_anchors_release(&f->s);
	ek_anchors_release(NULL);
	assert_int_equal(f->s.n, 0);
	assert_null(f->s.v);
	add_files(f, "swtpm-root.der", "swtpm-intermediate.der", NULL);
	assert_trusted(f, "ek-rsa.der", T_NOW);
}

/* ---- self-issued CAs and loops ---- */

/* Ensure that a self-issued CA signed by another key is not a root. */
static void
self_issued_is_not_a_root(void **state)
{
	struct fixture *f = *state;

	add_files(f, "loop-a.der", NULL);
	assert_int_equal(ek_anchors_n_roots(&f->s), 0);
	assert_untrusted(f, "leaf-loop.der", T_NOW, "no self-signed root");
}

/* Ensure that two CAs certifying each other end the search, untrusted. */
static void
loop_is_untrusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "loop-a.der", "loop-b.der", NULL);
	assert_int_equal(ek_anchors_n_roots(&f->s), 0);
	assert_untrusted(f, "leaf-loop.der", T_NOW, "no self-signed root");
}

/* Ensure that a self-issued intermediate under a self-signed root verifies. */
static void
self_issued_under_root_is_trusted(void **state)
{
	struct fixture *f = *state;

	add_files(f, "loop-a.der", "loop-b.der", "loop-b-root.der", NULL);
	assert_int_equal(ek_anchors_n_roots(&f->s), 1);
	assert_trusted(f, "leaf-loop.der", T_NOW);
}

/* ---- malformed certificates, built octet by octet ---- */

#define RAW_BYTES	2048
#define RAW_ALG		"300d06092a864886f70d01010b0500"	/* sha256WithRSA */
#define RAW_NAME	"300f310d300b06035504030c0474657374"	/* CN=test */
#define RAW_VALIDITY	"301e170d3230303130313030303030305a" \
			"170d3330303130313030303030305a"	/* 2020-2030 */

struct raw {
	uint8_t b[RAW_BYTES];
	size_t n;
};

/* The parts of a certificate as hex; NULL takes the default. */
struct parts {
	const char *whole;	/* the whole certificate instead of the rest */
	const char *version;	/* default [0] v3 */
	const char *serial;	/* default 1 */
	const char *alg;	/* both signature fields, default RAW_ALG */
	const char *outer_alg;	/* signatureAlgorithm alone */
	const char *issuer;	/* default RAW_NAME */
	const char *validity;	/* default RAW_VALIDITY */
	const char *subject;	/* default RAW_NAME */
	const char *spki;	/* default an empty SEQUENCE */
	const char *unique;	/* unique identifiers, default none */
	const char *exts;	/* Extension TLVs for [3]; NULL: no [3] */
	const char *ext3;	/* the whole [3] instead */
	const char *after;	/* after the extensions */
	const char *sig;	/* the signatureValue TLV */
};

struct raw_case {
	const char *what;
	struct parts p;
	const char *want;	/* in the detail */
};

static const char *
def_or(const char *v, const char *def)
{
	return v != NULL ? v : def;
}

static void
raw_hex(struct raw *r, const char *hex)
{
	size_t i, len = strlen(hex);
	unsigned v;

	assert_int_equal(len % 2, 0);
	assert_true(RAW_BYTES - r->n >= len / 2);
	for (i = 0; i < len; i += 2) {
		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		r->b[r->n++] = (uint8_t)v;
	}
}

/* Append tag, the minimal length of c and c. */
static void
raw_tlv(struct raw *r, uint8_t tag, const struct raw *c)
{
	assert_true(c->n < 0x10000 && RAW_BYTES - r->n >= 4 + c->n);
	r->b[r->n++] = tag;
	if (c->n >= 0x100) {
		r->b[r->n++] = 0x82;
		r->b[r->n++] = (uint8_t)(c->n >> 8);
	} else if (c->n >= 0x80) {
		r->b[r->n++] = 0x81;
	}
	r->b[r->n++] = (uint8_t)c->n;
	memcpy(r->b + r->n, c->b, c->n);
	r->n += c->n;
}

static void
raw_cert(const struct parts *p, struct raw *out)
{
	struct raw tbs, cert, list, ext;

	memset(out, 0, sizeof(*out));
	if (p->whole != NULL) {
		raw_hex(out, p->whole);
		return;
	}
	memset(&tbs, 0, sizeof(tbs));
	memset(&cert, 0, sizeof(cert));
	memset(&list, 0, sizeof(list));
	memset(&ext, 0, sizeof(ext));
	raw_hex(&tbs, def_or(p->version, "a003020102"));
	raw_hex(&tbs, def_or(p->serial, "020101"));
	raw_hex(&tbs, def_or(p->alg, RAW_ALG));
	raw_hex(&tbs, def_or(p->issuer, RAW_NAME));
	raw_hex(&tbs, def_or(p->validity, RAW_VALIDITY));
	raw_hex(&tbs, def_or(p->subject, RAW_NAME));
	raw_hex(&tbs, def_or(p->spki, "3000"));
	raw_hex(&tbs, def_or(p->unique, ""));
	if (p->ext3 != NULL) {
		raw_hex(&tbs, p->ext3);
	} else if (p->exts != NULL) {
		raw_hex(&list, p->exts);
		raw_tlv(&ext, 0x30, &list);
		raw_tlv(&tbs, 0xa3, &ext);
	}
	raw_hex(&tbs, def_or(p->after, ""));
	raw_tlv(&cert, 0x30, &tbs);
	raw_hex(&cert, def_or(p->outer_alg, def_or(p->alg, RAW_ALG)));
	raw_hex(&cert, def_or(p->sig, "03020000"));
	raw_tlv(out, 0x30, &cert);
}

/*
 * EK certificates, each refused for one reason by ek_chain_verify, or
 * accepted as far as the issuer lookup ("no ca certificate"). Made with
 * a script from the ASN.1 of RFC 5280, RFC 4055 and RFC 5758.
 */
static const struct raw_case leaf_cases[] = {
	{ "not a sequence",
	    { .whole = "0500" },
	    "not a der sequence" },
	{ "high tag number",
	    { .whole = "3f0100" },
	    "not a der sequence" },
	{ "indefinite length",
	    { .whole = "30800000" },
	    "not a der sequence" },
	{ "five length octets",
	    { .whole = "30850000000000" },
	    "not a der sequence" },
	{ "length past the end",
	    { .whole = "30050500" },
	    "not a der sequence" },
	{ "no signatureValue",
	    { .sig = "" },
	    "is not tbsCertificate" },
	{ "signatureValue with unused bits",
	    { .sig = "03020100" },
	    "unused bits" },
	{ "empty signatureValue",
	    { .sig = "030100" },
	    "unused bits" },
	{ "version past the end",
	    { .version = "a0ff" },
	    "version is malformed" },
	{ "version 4",
	    { .version = "a003020103" },
	    "version is not" },
	{ "negative version",
	    { .version = "a0030201ff" },
	    "version is not" },
	{ "version of nine octets",
	    { .version = "a00b0209010000000000000000" },
	    "version is not" },
	{ "empty serial",
	    { .serial = "0200" },
	    "serialNumber" },
	{ "no serial",
	    { .serial = "" },
	    "serialNumber" },
	{ "signature field not an algorithm",
	    {
		.alg = "0500",
		.outer_alg = "300d06092a864886f70d01010b0500",
	    },
	    "signature field is not" },
	{ "no issuer",
	    { .issuer = "" },
	    "issuer, validity" },
	{ "issuerUniqueID past the end",
	    { .unique = "81ff" },
	    "issuerUniqueID" },
	{ "subjectUniqueID past the end",
	    { .unique = "8102000082ff" },
	    "subjectUniqueID" },
	{ "extensions past the end",
	    { .ext3 = "a3ff" },
	    "extensions are malformed" },
	{ "extensions not a sequence",
	    { .ext3 = "a3020500" },
	    "extensions are not a sequence" },
	{ "field after the extensions",
	    {
		.exts = "",
		.after = "0500",
	    },
	    "fields after" },
	{ "extension not a sequence",
	    { .exts = "0500" },
	    "an extension is not a sequence" },
	{ "extension without extnID",
	    { .exts = "30020500" },
	    "no extnID" },
	{ "critical flag of two octets",
	    { .exts = "300b0603551d130102ffff0400" },
	    "critical flag" },
	{ "extnValue not an octet string",
	    { .exts = "30070603551d130500" },
	    "extnValue" },
	{ "basicConstraints not a sequence",
	    { .exts = "30090603551d1304020500" },
	    "basicConstraints is not a sequence" },
	{ "basicConstraints cA of two octets",
	    {
		.exts = "300d0603551d1304063004010200ff",
	    },
	    "cA is not a boolean" },
	{ "negative pathLenConstraint",
	    {
		.exts = "300f0603551d13040830060101ff020180",
	    },
	    "pathLenConstraint" },
	{ "basicConstraints with a NULL",
	    {
		.exts = "300e0603551d13040730050101ff0500",
	    },
	    "basicConstraints has unexpected" },
	{ "keyUsage not a bit string",
	    { .exts = "30090603551d0f04020500" },
	    "keyUsage is not" },
	{ "keyUsage with 8 unused bits",
	    { .exts = "300b0603551d0f040403020804" },
	    "keyUsage is not" },
	{ "subjectKeyIdentifier not an octet string",
	    { .exts = "30090603551d0e04020500" },
	    "subjectKeyIdentifier" },
	{ "empty subjectKeyIdentifier",
	    { .exts = "30090603551d0e04020400" },
	    "subjectKeyIdentifier" },
	{ "authorityKeyIdentifier not a sequence",
	    { .exts = "30090603551d2304020500" },
	    "authorityKeyIdentifier is not" },
	{ "empty keyIdentifier",
	    { .exts = "300b0603551d23040430028000" },
	    "keyIdentifier is malformed" },
	{ "authorityCertIssuer past the end",
	    { .exts = "300b0603551d2304043002a1ff" },
	    "issuer is malformed" },
	{ "authorityCertSerialNumber past the end",
	    { .exts = "300b0603551d230404300282ff" },
	    "serial is malformed" },
	{ "authorityKeyIdentifier with a NULL",
	    { .exts = "300b0603551d23040430020500" },
	    "has unexpected fields" },
	{ "subjectKeyIdentifier twice",
	    {
		.exts = "300a0603551d0e0403040101300a0603551d0e0403040101",
	    },
	    "appears twice" },
	{ "cA true",
	    {
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "is a ca certificate" },
	{ "algorithm without oid",
	    { .alg = "30020500" },
	    "has no oid" },
	{ "md5WithRSAEncryption",
	    {
		.alg = "300d06092a864886f70d0101040500",
	    },
	    "is not sha-256/384/512" },
	{ "NULL parameter with contents",
	    {
		.alg = "300e06092a864886f70d01010b050100",
	    },
	    "parameters are malformed" },
	{ "two NULL parameters",
	    {
		.alg = "300f06092a864886f70d01010b05000500",
	    },
	    "unexpected parameters" },
	{ "sha1WithRSAEncryption",
	    {
		.alg = "300d06092a864886f70d0101050500",
	    },
	    "sha-1" },
	{ "ecdsa-with-SHA1",
	    { .alg = "300906072a8648ce3d0401" },
	    "sha-1" },
	{ "rsassa-pss without parameters",
	    { .alg = "300b06092a864886f70d01010a" },
	    "rsassa-pss" },
	{ "rsassa-pss defaults (sha-1)",
	    {
		.alg = "300d06092a864886f70d01010a3000",
	    },
	    "sha-1" },
	{ "rsassa-pss with mgf1 sha-1",
	    {
		.alg = "303806092a864886f70d01010a302ba00f300d0609608648"
		    "0165030402020500a118301606092a864886f70d01010830"
		    "0906052b0e03021a0500",
	    },
	    "sha-1" },
	{ "rsassa-pss trailerField 2",
	    {
		.alg = "301206092a864886f70d01010a3005a303020102",
	    },
	    "rsassa-pss" },
	{ "rsassa-pss mask generation not mgf1",
	    {
		.alg = "302b06092a864886f70d01010a301ea11c301a06092a8648"
		    "86f70d010109300d06096086480165030402010500",
	    },
	    "rsassa-pss" },
	{ "rsassa-pss negative salt",
	    {
		.alg = "301206092a864886f70d01010a3005a203020180",
	    },
	    "rsassa-pss" },
	{ "rsassa-pss with sha-224",
	    {
		.alg = "301c06092a864886f70d01010a300fa00d300b0609608648"
		    "016503040204",
	    },
	    "rsassa-pss" },
	{ "rsassa-pss hash NULL with contents",
	    {
		.alg = "301f06092a864886f70d01010a3012a010300e0609608648"
		    "016503040201050100",
	    },
	    "rsassa-pss" },
	{ "rsassa-pss parameters with a NULL",
	    {
		.alg = "300f06092a864886f70d01010a30020500",
	    },
	    "rsassa-pss" },
	{ "rsassa-pss [0] holding two fields",
	    {
		.alg = "301e06092a864886f70d01010a3011a00f300b0609608648"
		    "0165030402010500",
	    },
	    "rsassa-pss" },
	{ "unique identifiers",
	    { .unique = "8102000082020000" },
	    "no ca certificate" },
	{ "no extensions (v1)",
	    { .version = "" },
	    "no ca certificate" },
	{ "sha384WithRSAEncryption",
	    {
		.alg = "300d06092a864886f70d01010c0500",
	    },
	    "no ca certificate" },
	{ "ecdsa-with-SHA512",
	    { .alg = "300a06082a8648ce3d040304" },
	    "no ca certificate" },
	{ "rsassa-pss sha-512, salt 64, trailer 1",
	    {
		.alg = "304606092a864886f70d01010a3039a00f300d0609608648"
		    "0165030402030500a11c301a06092a864886f70d01010830"
		    "0d06096086480165030402030500a203020140a303020101",
	    },
	    "no ca certificate" },
	{ "leaf with unknown critical extension",
	    { .exts = "300c0603551d1e0101ff04023000" },
	    "no ca certificate" },
};

/*
 * CA certificates (with basicConstraints cA TRUE unless stated), each
 * refused by ek_anchors_add_der for one reason, or accepted as far as the
 * public key ("public key does not parse").
 */
static const struct raw_case ca_cases[] = {
	{ "v1",
	    {
		.version = "",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "is not a ca" },
	{ "no basicConstraints",
	    { .exts = "" },
	    "is not a ca" },
	{ "keyUsage without keyCertSign",
	    {
		.exts = "300f0603551d130101ff040530030101ff300b0603551d0f"
		    "040403020780",
	    },
	    "lacks keyCertSign" },
	{ "keyUsage with no bits",
	    {
		.exts = "300f0603551d130101ff040530030101ff300a0603551d0f"
		    "0403030100",
	    },
	    "lacks keyCertSign" },
	{ "critical nameConstraints",
	    {
		.exts = "300f0603551d130101ff040530030101ff300c0603551d1e"
		    "0101ff04023000",
	    },
	    "critical extension" },
	{ "empty validity",
	    {
		.validity = "3000",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "month 13",
	    {
		.validity = "301e170d3230313330313030303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "2021-02-29",
	    {
		.validity = "301e170d3231303232393030303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "2100-02-29",
	    {
		.validity = "3022180f32313030303232393030303030305a180f323130"
		    "31303130313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "hour 24",
	    {
		.validity = "301e170d3230303130313234303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "minute 60",
	    {
		.validity = "301e170d3230303130313030363030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "second 60",
	    {
		.validity = "301e170d3230303130313030303036305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "day 0",
	    {
		.validity = "301e170d3230303130303030303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "no Z",
	    {
		.validity = "301e170d32303031303130303030303030170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "a letter",
	    {
		.validity = "301e170d3261303130313030303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "fractional seconds",
	    {
		.validity = "3022181132303230303130313030303030302e355a170d33"
		    "30303130313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "no seconds",
	    {
		.validity = "301c170b323030313031303030305a170d33303031303130"
		    "30303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "three times",
	    {
		.validity = "302d170d3230303130313030303030305a170d3330303130"
		    "313030303030305a170d3330303130313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "an octet string time",
	    {
		.validity = "301e040d3230303130313030303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "validity is not" },
	{ "md5WithRSAEncryption",
	    {
		.alg = "300d06092a864886f70d0101040500",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "is not sha-256/384/512" },
	{ "empty subjectPublicKeyInfo",
	    {
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "public key does not parse" },
	{ "2020-02-29",
	    {
		.validity = "301e170d3230303232393030303030305a170d3330303130"
		    "313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "public key does not parse" },
	{ "2000-02-29",
	    {
		.validity = "3022180f32303030303232393030303030305a180f323130"
		    "31303130313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "public key does not parse" },
	{ "GeneralizedTime",
	    {
		.validity = "3020180f32303230303130313030303030305a170d333030"
		    "3130313030303030305a",
		.exts = "300f0603551d130101ff040530030101ff",
	    },
	    "public key does not parse" },
};

/* Ensure that each malformed EK certificate is refused with its reason. */
static void
malformed_ek_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct raw r;
	size_t i;

	add_files(f, "swtpm-root.der", NULL);
	for (i = 0; i < sizeof(leaf_cases) / sizeof(leaf_cases[0]); i++) {
		raw_cert(&leaf_cases[i].p, &r);
		if (verify_bytes(f, r.b, r.n, T_NOW) != -1 ||
		    f->e.code != ERR_EK_UNTRUSTED ||
		    strstr(f->e.detail, leaf_cases[i].want) == NULL)
			fail_msg("%s: \"%s\", not \"%s\"", leaf_cases[i].what,
			    f->e.detail, leaf_cases[i].want);
	}
}

/* Ensure that each malformed CA certificate is refused with its reason. */
static void
malformed_ca_cannot_be_added(void **state)
{
	struct fixture *f = *state;
	struct raw r;
	size_t i;

	for (i = 0; i < sizeof(ca_cases) / sizeof(ca_cases[0]); i++) {
		raw_cert(&ca_cases[i].p, &r);
		err_clear(&f->e);
		if (ek_anchors_add_der(&f->s, r.b, r.n, &f->e) != -1 ||
		    f->e.code != ERR_VALIDATION_FAILED ||
		    strstr(f->e.detail, ca_cases[i].want) == NULL)
			fail_msg("%s: \"%s\", not \"%s\"", ca_cases[i].what,
			    f->e.detail, ca_cases[i].want);
		assert_int_equal(f->s.n, 0);
		assert_int_equal(ERR_peek_error(), 0);
	}
}

/* ---- CA dates and algorithms, made here ---- */

/* A root with these dates and a leaf it signed; the root joins f's set. */
static struct blob
root_with_dates(struct fixture *f, const char *not_before,
    const char *not_after)
{
	EVP_PKEY *root = ec_key(), *leaf = ec_key();
	struct mk m = { .subject = "ITL test dated CA", .key = root,
	    .issuer = "ITL test dated CA", .ikey = root, .ca = true,
	    .serial = 1, .not_before = not_before, .not_after = not_after };
	struct blob b = mk_cert(&m);

	if (ek_anchors_add_der(&f->s, b.p, b.len, &f->e) != 0)
		fail_msg("%s", f->e.detail);
	free(b.p);
	m.subject = "ITL test EK";
	m.key = leaf;
	m.ca = false;
	m.serial = 2;
	b = mk_cert(&m);
	EVP_PKEY_free(leaf);
	EVP_PKEY_free(root);
	return b;
}

static void
assert_window(struct fixture *f, const struct blob *leaf, int64_t nb,
    int64_t na)
{
	assert_int_equal(verify_bytes(f, leaf->p, leaf->len,
	    nb - LIMIT_EK_CHAIN_SKEW_S), 0);
	assert_int_equal(verify_bytes(f, leaf->p, leaf->len,
	    nb - LIMIT_EK_CHAIN_SKEW_S - 1), -1);
	assert_non_null(strstr(f->e.detail, "not yet valid"));
	assert_int_equal(verify_bytes(f, leaf->p, leaf->len,
	    na + LIMIT_EK_CHAIN_SKEW_S), 0);
	assert_int_equal(verify_bytes(f, leaf->p, leaf->len,
	    na + LIMIT_EK_CHAIN_SKEW_S + 1), -1);
	assert_non_null(strstr(f->e.detail, "has expired"));
}

/* Ensure that UTCTime years 50-99 are 19xx and 00-49 are 20xx. */
static void
utctime_century(void **state)
{
	struct fixture *f = *state;
	/* OpenSSL writes both as UTCTime: 500101000000Z, 491231235959Z */
	struct blob leaf = root_with_dates(f, "19500101000000Z",
	    "20491231235959Z");

	assert_window(f, &leaf, INT64_C(-631152000), INT64_C(2524607999));
	free(leaf.p);
}

/* Ensure that GeneralizedTime 9999-12-31 23:59:59 is read exactly. */
static void
generalized_time_9999(void **state)
{
	struct fixture *f = *state;
	struct blob leaf = root_with_dates(f, "20500101000000Z",
	    "99991231235959Z");

	assert_window(f, &leaf, INT64_C(2524608000), INT64_C(253402300799));
	free(leaf.p);
}

/* Ensure that a root self-signed with SHA-1 is still a root. */
static void
sha1_self_signed_root_is_a_root(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *root = ec_key(), *leaf = ec_key();
	struct mk m = { .subject = "ITL test sha-1 root", .key = root,
	    .issuer = "ITL test sha-1 root", .ikey = root, .ca = true,
	    .serial = 1, .md = EVP_sha1() };
	struct blob b = mk_cert(&m);

	assert_int_equal(ek_anchors_add_der(&f->s, b.p, b.len, &f->e), 0);
	assert_int_equal(ek_anchors_n_roots(&f->s), 1);
	free(b.p);
	m.subject = "ITL test EK";
	m.key = leaf;
	m.ca = false;
	m.md = NULL;
	b = mk_cert(&m);
	assert_int_equal(verify_bytes(f, b.p, b.len, T_NOW), 0);
	free(b.p);
	EVP_PKEY_free(leaf);
	EVP_PKEY_free(root);
}

/* Ensure that an intermediate signed with SHA-1 cannot join the set. */
static void
sha1_intermediate_cannot_be_added(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *root = ec_key(), *ca = ec_key();
	struct mk m = { .subject = "ITL test sha-1 intermediate", .key = ca,
	    .issuer = "ITL test root", .ikey = root, .ca = true, .serial = 1,
	    .md = EVP_sha1() };
	struct blob b = mk_cert(&m);

	assert_add_refused(f, b.p, b.len, "sha-1");
	free(b.p);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(root);
}

/* Ensure that CA keys of the wrong type or size cannot join the set. */
static void
ca_key_types(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *signer = ec_key();
	EVP_PKEY *p224 = EVP_EC_gen("P-224");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct mk m = { .subject = "ITL test odd key CA", .issuer = "ITL test",
	    .ikey = signer, .ca = true, .serial = 1 };
	struct blob b;

	assert_non_null(p224);
	assert_non_null(ed);
	m.key = p224;
	b = mk_cert(&m);
	assert_add_refused(f, b.p, b.len, "224 bits");
	free(b.p);
	m.key = ed;
	b = mk_cert(&m);
	assert_add_refused(f, b.p, b.len, "neither rsa nor ec");
	free(b.p);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(p224);
	EVP_PKEY_free(signer);
}

/* ---- limits ---- */

/* Build a chain of n_cas CAs (root first) and a leaf; add the CAs to f. */
static struct blob
chain_of(struct fixture *f, int n_cas)
{
	EVP_PKEY *keys[LIMIT_EK_CHAIN_CAS + 2];
	char names[LIMIT_EK_CHAIN_CAS + 2][32];
	struct mk m;
	struct blob b = { NULL, 0 };
	int i;

	/* an explicit bound (not only an assert) tells gcc the index range */
	if (n_cas < 0 || n_cas > LIMIT_EK_CHAIN_CAS + 1) {
		fail_msg("chain_of: %d CAs", n_cas);
		return b;
	}
	for (i = 0; i <= n_cas; i++) {
		keys[i] = ec_key();
		snprintf(names[i], sizeof(names[i]), "ITL test CA %d", i);
	}
	snprintf(names[n_cas], sizeof(names[n_cas]), "ITL test EK");
	for (i = 0; i <= n_cas; i++) {
		memset(&m, 0, sizeof(m));
		m.subject = names[i];
		m.key = keys[i];
		m.issuer = names[i > 0 ? i - 1 : 0];
		m.ikey = keys[i > 0 ? i - 1 : 0];
		m.ca = i < n_cas;
		m.serial = i + 1;
		b = mk_cert(&m);
		if (i == n_cas)
			break;
		if (ek_anchors_add_der(&f->s, b.p, b.len, &f->e) != 0)
			fail_msg("CA %d: %s", i, f->e.detail);
		free(b.p);
	}
	for (i = 0; i <= n_cas; i++)
		EVP_PKEY_free(keys[i]);
	return b;
}

/* Ensure that a path of LIMIT_EK_CHAIN_CAS CAs verifies. */
static void
chain_at_limit_is_trusted(void **state)
{
	struct fixture *f = *state;
	struct blob leaf = chain_of(f, LIMIT_EK_CHAIN_CAS);

	if (verify_bytes(f, leaf.p, leaf.len, T_NOW) != 0)
		fail_msg("%s", f->e.detail);
	free(leaf.p);
}

/* Ensure that a path of LIMIT_EK_CHAIN_CAS + 1 CAs is refused. */
static void
chain_over_limit_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct blob leaf = chain_of(f, LIMIT_EK_CHAIN_CAS + 1);

	assert_int_equal(verify_bytes(f, leaf.p, leaf.len, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	assert_non_null(strstr(f->e.detail, "longer than"));
	free(leaf.p);
}

/*
 * n_decoys roots named like the real one but with other keys (no key
 * identifiers, so each is a candidate whose signature check fails), then the
 * real root; returns the leaf. A verification takes n_decoys + 2 steps.
 */
static struct blob
decoys_then_root(struct fixture *f, int n_decoys)
{
	EVP_PKEY *root = ec_key(), *k;
	struct mk m = { .subject = "ITL test decoy CA",
	    .issuer = "ITL test decoy CA", .ca = true, .serial = 1 };
	struct blob b;
	int i;

	for (i = 0; i <= n_decoys; i++) {
		k = i < n_decoys ? ec_key() : root;
		m.key = k;
		m.ikey = k;
		m.serial = i + 1;
		b = mk_cert(&m);
		if (ek_anchors_add_der(&f->s, b.p, b.len, &f->e) != 0)
			fail_msg("decoy %d: %s", i, f->e.detail);
		free(b.p);
		if (k != root)
			EVP_PKEY_free(k);
	}
	m.subject = "ITL test EK";
	m.key = ec_key();
	m.ikey = root;
	m.ca = false;
	m.serial = 1000;
	b = mk_cert(&m);
	EVP_PKEY_free(m.key);
	EVP_PKEY_free(root);
	return b;
}

/* Ensure that a search of exactly LIMIT_EK_CHAIN_STEPS steps succeeds. */
static void
steps_at_limit_is_trusted(void **state)
{
	struct fixture *f = *state;
	struct blob leaf = decoys_then_root(f, LIMIT_EK_CHAIN_STEPS - 2);

	if (verify_bytes(f, leaf.p, leaf.len, T_NOW) != 0)
		fail_msg("%s", f->e.detail);
	free(leaf.p);
}

/* Ensure that a search needing LIMIT_EK_CHAIN_STEPS + 1 steps gives up. */
static void
steps_over_limit_is_untrusted(void **state)
{
	struct fixture *f = *state;
	struct blob leaf = decoys_then_root(f, LIMIT_EK_CHAIN_STEPS - 1);

	assert_int_equal(verify_bytes(f, leaf.p, leaf.len, T_NOW), -1);
	assert_int_equal(f->e.code, ERR_EK_UNTRUSTED);
	assert_non_null(strstr(f->e.detail, "gave up"));
	free(leaf.p);
}

/* Ensure that LIMIT_EK_ANCHORS CAs fit and one more is refused. */
static void
anchors_limit(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *k = ec_key();
	struct mk m = { .subject = "ITL test CA", .key = k,
	    .issuer = "ITL test CA", .ikey = k, .ca = true, .serial = 1 };
	struct blob b;
	long i;

	for (i = 0; i <= LIMIT_EK_ANCHORS; i++) {
		/* one key, other serials: distinct certificates, no links */
		m.serial = i + 1;
		b = mk_cert(&m);
		if (i < LIMIT_EK_ANCHORS) {
			if (ek_anchors_add_der(&f->s, b.p, b.len, &f->e) != 0)
				fail_msg("CA %ld: %s", i, f->e.detail);
		} else {
			assert_add_refused(f, b.p, b.len, "more than");
		}
		free(b.p);
	}
	assert_int_equal(f->s.n, LIMIT_EK_ANCHORS);
	EVP_PKEY_free(k);
}

/* Ensure that a CA of LIMIT_EK_CA_DER_BYTES fits and one byte more does not. */
static void
ca_der_limit(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *k = EVP_RSA_gen(2048);
	struct blob b;
	uint8_t *p;

	assert_non_null(k);
	b = mk_ca_of_len(k, LIMIT_EK_CA_DER_BYTES);
	p = malloc(b.len + 1);
	assert_non_null(p);
	memcpy(p, b.p, b.len);
	p[b.len] = 0;
	assert_add_refused(f, p, b.len + 1, "longer than");
	assert_int_equal(ek_anchors_add_der(&f->s, b.p, b.len, &f->e), 0);
	assert_int_equal(ek_anchors_n_roots(&f->s), 1);
	free(p);
	free(b.p);
	EVP_PKEY_free(k);
}

/* ---- cfg_bundle_load ---- */

struct add_ctx {
	struct ek_anchor_set *s;
	struct err e;
	size_t calls;
};

static int
add_anchor(const uint8_t *der, size_t len, void *ctx)
{
	struct add_ctx *c = ctx;

	c->calls++;
	return ek_anchors_add_der(c->s, der, len, &c->e);
}

static int
add_count(const uint8_t *der, size_t len, void *ctx)
{
	struct add_ctx *c = ctx;

	(void)der;
	(void)len;
	c->calls++;
	return 0;
}

static int
load(struct fixture *f, const char *name, struct add_ctx *c, char *msg,
    size_t msg_len)
{
	char path[4096];

	data_path(name, path, sizeof(path));
	c->s = &f->s;
	return cfg_bundle_load(path, add_anchor, c, msg, msg_len);
}

/* Ensure that a PEM file with intermediate and root loads both. */
static void
bundle_pem_file(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	if (load(f, "swtpm-chain.pem", &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(c.calls, 2);
	assert_int_equal(f->s.n, 2);
	assert_trusted(f, "ek-rsa.der", T_NOW);
}

/* Ensure that a directory's PEM and DER files load, other names ignored. */
static void
bundle_directory(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	if (load(f, "bundle-dir", &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	/* 01-root.pem, 02-intermediate.der, 03-chain.crt (two) */
	assert_int_equal(c.calls, 4);
	assert_int_equal(f->s.n, 2);
	assert_trusted(f, "ek-rsa.der", T_NOW);
	assert_trusted(f, "ek-ecc.der", T_NOW);
}

/* Ensure that a single DER file loads. */
static void
bundle_der_file(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	if (load(f, "swtpm-root.der", &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(c.calls, 1);
}

/* Ensure that bad base64 in a PEM file is an error naming the file. */
static void
bundle_garbage_file_is_named(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	assert_int_equal(load(f, "garbage.pem", &c, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "garbage.pem"));
	assert_non_null(strstr(msg, "base64"));
	assert_int_equal(c.calls, 0);
}

/* Ensure that a garbage file in a directory is an error naming it. */
static void
bundle_garbage_in_directory_is_named(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	assert_int_equal(load(f, "bundle-bad", &c, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "02-garbage.cer"));
	assert_non_null(strstr(msg, "neither pem nor"));
	assert_int_equal(c.calls, 1);	/* 01-root.pem came first */
}

/* Ensure that a PEM file without a certificate is an error. */
static void
bundle_without_certificate(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	assert_int_equal(load(f, "no-cert.pem", &c, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "no-cert.pem"));
	assert_non_null(strstr(msg, "no CERTIFICATE"));
}

/* Ensure that a certificate the callback refuses is named by its file. */
static void
bundle_refused_certificate_is_named(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	assert_int_equal(load(f, "ek-rsa.der", &c, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "ek-rsa.der"));
	assert_non_null(strstr(msg, "refused"));
	assert_non_null(strstr(c.e.detail, "is not a ca"));
}

/* Ensure that a missing path and an empty path are errors. */
static void
bundle_missing_path(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	assert_int_equal(load(f, "no-such-file.pem", &c, msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "no-such-file.pem"));
	assert_int_equal(cfg_bundle_load("", add_count, &c, msg, sizeof(msg)),
	    -1);
	assert_int_equal(cfg_bundle_load("/nonexistent", add_count, &c, msg,
	    0), -1);
}

/* A fresh scratch directory in f->tmp. */
static void
scratch(struct fixture *f)
{
	const char *tmp = "/tmp/test_ek_chain.XXXXXX";

	assert_true(strlen(tmp) < sizeof(f->tmp));
	memcpy(f->tmp, tmp, strlen(tmp) + 1);
	assert_non_null(mkdtemp(f->tmp));
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Ensure that LIMIT_CA_BUNDLE_FILES files load and one more is refused. */
static void
bundle_files_limit(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("swtpm-root.der");
	struct add_ctx c = { 0 };
	char path[512], msg[256];
	int i;

	scratch(f);
	for (i = 0; i < LIMIT_CA_BUNDLE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%04d.der", f->tmp, i);
		write_file(path, b.p, b.len);
	}
	if (cfg_bundle_load(f->tmp, add_count, &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(c.calls, LIMIT_CA_BUNDLE_FILES);
	snprintf(path, sizeof(path), "%s/%04d.der", f->tmp, i);
	write_file(path, b.p, b.len);
	assert_int_equal(cfg_bundle_load(f->tmp, add_count, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "more than"));
	free(b.p);
}

/*
 * Ensure that a file of LIMIT_CA_BUNDLE_FILE_BYTES loads and one byte more
 * does not.
 */
static void
bundle_file_bytes_limit(void **state)
{
	struct fixture *f = *state;
	struct blob pem = data_file("swtpm-chain.pem");
	struct add_ctx c = { 0 };
	char path[512], msg[256];
	char *p = malloc(LIMIT_CA_BUNDLE_FILE_BYTES + 1);

	assert_non_null(p);
	scratch(f);
	/* the PEM, then explanatory text (RFC 7468 §5.2) up to the limit */
	memset(p, 'x', LIMIT_CA_BUNDLE_FILE_BYTES + 1);
	memcpy(p, pem.p, pem.len);
	p[pem.len] = '\n';
	snprintf(path, sizeof(path), "%s/big.pem", f->tmp);
	write_file(path, p, LIMIT_CA_BUNDLE_FILE_BYTES);
	if (cfg_bundle_load(path, add_count, &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(c.calls, 2);
	write_file(path, p, LIMIT_CA_BUNDLE_FILE_BYTES + 1);
	assert_int_equal(cfg_bundle_load(path, add_count, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "larger than"));
	assert_non_null(strstr(msg, "big.pem"));
	free(p);
	free(pem.p);
}

/* Ensure that other PEM blocks are skipped and a broken one is named. */
static void
bundle_pem_blocks(void **state)
{
	static const char key_then_cert_start[] =
	    "text before\n-----BEGIN PUBLIC KEY-----\nAAAA\n"
	    "-----END PUBLIC KEY-----\n";
	static const char no_end[] =
	    "-----BEGIN CERTIFICATE-----\nMIIB\n";
	static const char wrong_end[] =
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END PUBLIC KEY-----\n";
	struct fixture *f = *state;
	struct blob pem = data_file("swtpm-chain.pem");
	struct add_ctx c = { 0 };
	char path[512], msg[256];
	char *p = malloc(sizeof(key_then_cert_start) + pem.len);

	assert_non_null(p);
	scratch(f);
	snprintf(path, sizeof(path), "%s/mixed.pem", f->tmp);
	memcpy(p, key_then_cert_start, sizeof(key_then_cert_start) - 1);
	memcpy(p + sizeof(key_then_cert_start) - 1, pem.p, pem.len);
	write_file(path, p, sizeof(key_then_cert_start) - 1 + pem.len);
	if (cfg_bundle_load(path, add_count, &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(c.calls, 2);
	write_file(path, no_end, sizeof(no_end) - 1);
	assert_int_equal(cfg_bundle_load(path, add_count, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "end line"));
	write_file(path, wrong_end, sizeof(wrong_end) - 1);
	assert_int_equal(cfg_bundle_load(path, add_count, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "mixed.pem"));
	free(p);
	free(pem.p);
}

/* Ensure that an empty directory is an error. */
static void
bundle_empty_directory(void **state)
{
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char msg[256];

	scratch(f);
	assert_int_equal(cfg_bundle_load(f->tmp, add_count, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "holds no"));
}

/* Ensure that a subdirectory named *.pem is skipped and a FIFO refused. */
static void
bundle_odd_entries(void **state)
{
	struct fixture *f = *state;
	struct blob b = data_file("swtpm-root.der");
	struct add_ctx c = { 0 };
	char path[512], msg[256];

	scratch(f);
	snprintf(path, sizeof(path), "%s/sub.pem", f->tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/root.der", f->tmp);
	write_file(path, b.p, b.len);
	if (cfg_bundle_load(f->tmp, add_count, &c, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(c.calls, 1);
	snprintf(path, sizeof(path), "%s/sub.pem", f->tmp);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cfg_bundle_load(f->tmp, add_count, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "sub.pem is not a regular file"));
	free(b.p);
}

/* Ensure that malformed PEM and DER files are refused, each named. */
static void
bundle_malformed_files(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} cases[] = {
		{ "-----BEGIN CERTIFICATE\nMIIB\n-----END CERTIFICATE-----\n",
		    0, "no complete begin line" },
		{ "\x30\x05\x05\x00", 4, "neither pem nor" },
		{ "\x30\x84\xff\xff\xff\xff", 6, "neither pem nor" },
		{ "\x30", 1, "neither pem nor" },
		{ "", 0, "neither pem nor" },
		{ "\x30\x00", 2, "was refused" },
		{ "\x30\x81\x01\x00", 4, "was refused" },
	};
	struct fixture *f = *state;
	struct add_ctx c = { 0 };
	char path[512], msg[256];
	size_t i, len;

	scratch(f);
	snprintf(path, sizeof(path), "%s/case.crt", f->tmp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = i == 0 ? strlen(cases[i].text) : cases[i].len;
		write_file(path, cases[i].text, len);
		c.s = &f->s;
		if (cfg_bundle_load(path, add_anchor, &c, msg,
		    sizeof(msg)) != -1 || strstr(msg, "case.crt") == NULL ||
		    strstr(msg, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\", not \"%s\"", i, msg,
			    cases[i].want);
	}
}

/* Ensure that a PEM certificate the callback refuses names its block. */
static void
bundle_refused_pem_block_is_named(void **state)
{
	struct fixture *f = *state;
	struct blob root = data_file("swtpm-chain.pem");
	struct blob ek = data_file("ek-rsa.der");
	struct add_ctx c = { 0 };
	char path[512], msg[256], *b64;
	size_t n = B64_ENCODED_LEN(ek.len) + 1;
	FILE *fp;

	b64 = malloc(n);
	assert_non_null(b64);
	assert_int_equal(b64_encode(ek.p, ek.len, b64, n), 0);
	scratch(f);
	snprintf(path, sizeof(path), "%s/with-ek.pem", f->tmp);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(root.p, 1, root.len, fp), root.len);
	fprintf(fp, "-----BEGIN CERTIFICATE-----\n%s\n"
	    "-----END CERTIFICATE-----\n", b64);
	assert_int_equal(fclose(fp), 0);
	c.s = &f->s;
	assert_int_equal(cfg_bundle_load(path, add_anchor, &c, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "with-ek.pem: certificate in pem block 3 "
	    "was refused"));
	assert_non_null(strstr(c.e.detail, "is not a ca"));
	assert_int_equal(f->s.n, 2);	/* what came before stays */
	free(b64);
	free(ek.p);
	free(root.p);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(swtpm_rsa_is_trusted),
		T(swtpm_ecc_is_trusted),
		T(anchor_order_does_not_matter),
		T(empty_set_is_untrusted),
		T(root_only_is_untrusted),
		T(intermediate_only_is_untrusted),
		T(other_ca_is_untrusted),
		T(other_intermediate_under_root_is_untrusted),
		T(two_cas_with_one_name_both_work),
		T(nv_header_and_padding_via_ek_parse),
		T(trailing_byte_is_untrusted),
		T(tampered_signature_is_untrusted),
		T(tampered_tbs_is_untrusted),
		T(truncated_is_untrusted),
		T(ek_over_limit_is_untrusted),
		T(nonminimal_serial_pss_is_trusted),
		T(ecdsa_leaf_under_root_is_trusted),
		T(sha512_is_trusted),
		T(sha1_is_untrusted),
		T(algorithm_mismatch_is_untrusted),
		T(leaf_dates_are_not_enforced),
		T(expired_intermediate_is_untrusted),
		T(ca_not_after_skew_limit),
		T(ca_not_before_skew_limit),
		T(root_not_yet_valid_is_untrusted),
		T(path_len_constraint_is_enforced),
		T(ca_as_ek_is_untrusted),
		T(self_signed_ek_is_untrusted),
		T(non_ca_cannot_be_added),
		T(malformed_cannot_be_added),
		T(ca_unknown_critical_cannot_be_added),
		T(ca_small_key_cannot_be_added),
		T(duplicate_is_kept_once),
		T(release_empties_the_set),
		T(self_issued_is_not_a_root),
		T(loop_is_untrusted),
		T(self_issued_under_root_is_trusted),
		T(malformed_ek_is_untrusted),
		T(malformed_ca_cannot_be_added),
		T(utctime_century),
		T(generalized_time_9999),
		T(sha1_self_signed_root_is_a_root),
		T(sha1_intermediate_cannot_be_added),
		T(ca_key_types),
		T(chain_at_limit_is_trusted),
		T(chain_over_limit_is_untrusted),
		T(steps_at_limit_is_trusted),
		T(steps_over_limit_is_untrusted),
		T(anchors_limit),
		T(ca_der_limit),
		T(bundle_pem_file),
		T(bundle_directory),
		T(bundle_der_file),
		T(bundle_garbage_file_is_named),
		T(bundle_garbage_in_directory_is_named),
		T(bundle_without_certificate),
		T(bundle_refused_certificate_is_named),
		T(bundle_missing_path),
		T(bundle_files_limit),
		T(bundle_file_bytes_limit),
		T(bundle_pem_blocks),
		T(bundle_empty_directory),
		T(bundle_odd_entries),
		T(bundle_malformed_files),
		T(bundle_refused_pem_block_is_named),
	};
#undef T

	return cmocka_run_group_tests_name("ek_chain", tests, NULL, NULL) == 0 ?
	    0 : 1;
}
