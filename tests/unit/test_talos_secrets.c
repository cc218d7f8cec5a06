/*
 * test_talos_secrets.c - talos/secrets: the talosctl secrets.yaml layout
 * read from bundles made with the openssl CLI (tests/data/gen-talos-
 * secrets.sh: the current layout and an older one), a generated bundle
 * (key types, PEM labels, CA certificates, tokens) that emits and parses
 * back to the same struct, and every rejection with the field it names.
 * One bundle is generated for the whole group (RSA-4096 takes seconds).
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/b64.h"
#include "core/err.h"
#include "core/limits.h"
#include "talos/secrets.h"

/* Mirrors of secrets.c's bounds, checked through behaviour below. */
#define PEM_B64_MAX	B64_ENCODED_LEN(TALOS_PEM_MAX - 1)
#define OU_MAX_BYTES	64

/* The bundle generated once for the group, and its cluster name (64 bytes). */
static struct talos_secrets gen;
static const char gen_name[] =
    "cluster-name-at-the-x520-bound-of-an-ou-of-sixty-four-bytes-abcd";

/* tests/data/talos/<name> under $top_srcdir, NUL-terminated. */
static char *
data_text(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	char *p;
	FILE *f;
	long n;

	if (top == NULL)
		top = ".";
	assert_true(snprintf(path, sizeof(path), "%s/tests/data/talos/%s", top,
	    name) < (int)sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return p;
}

/*
 * A copy of base where the first line starting with key after anchor is
 * replaced by line (without its newline), or removed when line is NULL.
 */
static char *
edit(const char *base, const char *anchor, const char *key, const char *line)
{
	const char *a = strstr(base, anchor), *start, *end;
	char pat[128];
	size_t n;
	char *out;

	assert_non_null(a);
	if (strncmp(a, key, strlen(key)) == 0) {
		start = a;
	} else {
		snprintf(pat, sizeof(pat), "\n%s", key);
		start = strstr(a, pat);
		assert_non_null(start);
		start++;
	}
	end = strchr(start, '\n');
	assert_non_null(end);
	end++;
	n = strlen(base) + (line != NULL ? strlen(line) + 1 : 0) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s%s", (int)(start - base), base,
	    line != NULL ? line : "", line != NULL ? "\n" : "", end);
	return out;
}

/* base with text inserted after the first occurrence of after. */
static char *
insert_after(const char *base, const char *after, const char *text)
{
	const char *a = strstr(base, after);
	size_t n = strlen(base) + strlen(text) + 1;
	char *out;

	assert_non_null(a);
	a += strlen(after);
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(a - base), base, text, a);
	return out;
}

static void
expect_parse_ok(const char *text, size_t len, struct talos_secrets *s)
{
	struct err e = { 0 };

	if (talos_secrets_parse(text, len, s, &e) != 0)
		fail_msg("parse failed: %s", e.detail);
}

/* Parsing fails as validation_failed with a detail starting with prefix. */
static void
expect_reject_len(const char *text, size_t len, const char *prefix)
{
	static struct talos_secrets s;
	struct err e = { 0 };

	ERR_clear_error();
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(talos_secrets_parse(text, len, &s, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	if (strncmp(e.detail, prefix, strlen(prefix)) != 0)
		fail_msg("detail \"%s\" does not start with \"%s\"", e.detail,
		    prefix);
	/* out is untouched and OpenSSL's queue holds nothing of ours */
	assert_int_equal(s.cluster_id[0], 0x5a);
	assert_int_equal(ERR_peek_error(), 0);
}

static void
expect_reject(const char *text, const char *prefix)
{
	expect_reject_len(text, strlen(text), prefix);
}

/* Emit s (which must be complete) and expect its parse to fail. */
static void
expect_struct_reject(const struct talos_secrets *s, const char *prefix)
{
	struct err e = { 0 };
	char *y = talos_secrets_emit(s, &e);

	if (y == NULL)
		fail_msg("emit failed: %s", e.detail);
	expect_reject(y, prefix);
	free(y);
}

/* Emit s and expect it to parse. */
static void
expect_struct_ok(const struct talos_secrets *s, struct talos_secrets *out)
{
	struct err e = { 0 };
	char *y = talos_secrets_emit(s, &e);

	if (y == NULL)
		fail_msg("emit failed: %s", e.detail);
	expect_parse_ok(y, strlen(y), out);
	free(y);
}

/* The fixture bundle, parsed. */
static struct talos_secrets *
fixture(void)
{
	static struct talos_secrets s;
	size_t len;
	char *t = data_text("secrets.yaml", &len);

	expect_parse_ok(t, len, &s);
	free(t);
	return &s;
}

/* The value of a "path value" line of secrets-values.txt. */
static void
fixture_value(const char *path, char *out, size_t out_len)
{
	char *t = data_text("secrets-values.txt", NULL);
	char pat[128];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "%s ", path);
	p = strstr(t, pat);
	assert_non_null(p);
	p += strlen(pat);
	end = strchr(p, '\n');
	assert_non_null(end);
	assert_true((size_t)(end - p) < out_len);
	snprintf(out, out_len, "%.*s", (int)(end - p), p);
	free(t);
}

/* Format into dst, failing the test on truncation. */
static void __attribute__((format(printf, 3, 4)))
setf(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < len);
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static X509 *
pem_x509(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;

	assert_non_null(b);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	return x;
}

/* OpenSSL's own PEM reader; NULL when it cannot read the text. */
static EVP_PKEY *
pem_pkey(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k;

	assert_non_null(b);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return k;
}

/* pem with its BEGIN/END label replaced by label, into out. */
static void
relabel(const char *pem, const char *label, char *out, size_t out_len)
{
	const char *body = strchr(pem, '\n'), *end = strstr(pem, "-----END ");

	assert_non_null(body);
	assert_non_null(end);
	body++;
	assert_true(snprintf(out, out_len, "-----BEGIN %s-----\n%.*s-----END "
	    "%s-----\n", label, (int)(end - body), body, label) <
	    (int)out_len);
}

static void
b64_line(const char *key, const uint8_t *p, size_t n, char *out, size_t len)
{
	char b[256];

	assert_int_equal(b64_encode(p, n, b, sizeof(b)), 0);
	assert_true(snprintf(out, len, "%s%s", key, b) < (int)len);
}

/* ---- group setup ---- */

static int
group_setup(void **state)
{
	struct err e = { 0 };
	struct timespec a, b;

	(void)state;
	if (strlen(gen_name) != OU_MAX_BYTES)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (talos_secrets_generate(gen_name, &gen, &e) != 0) {
		print_error("generate: %s\n", e.detail);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	print_message("talos_secrets_generate took %.0f ms\n",
	    (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	talos_secrets_cleanse(&gen);
	return 0;
}

/* ---- the fixtures ---- */

/* Ensure that the hand-made bundle in talosctl's layout is read field by field. */
static void
fixture_bundle_is_read(void **state)
{
	const struct talos_secrets *s = fixture();
	char v[128];

	(void)state;
	fixture_value("cluster.id", v, sizeof(v));
	assert_string_equal(s->cluster_id, v);
	fixture_value("cluster.secret", v, sizeof(v));
	assert_string_equal(s->cluster_secret, v);
	fixture_value("secrets.bootstraptoken", v, sizeof(v));
	assert_string_equal(s->bootstrap_token, v);
	fixture_value("secrets.secretboxencryptionsecret", v, sizeof(v));
	assert_string_equal(s->secretbox_secret, v);
	assert_string_equal(s->aescbc_secret, "");
	fixture_value("trustdinfo.token", v, sizeof(v));
	assert_string_equal(s->trustd_token, v);
	assert_true(starts_with(s->etcd.crt, "-----BEGIN CERTIFICATE-----\n"));
	assert_true(starts_with(s->etcd.key, "-----BEGIN EC PRIVATE KEY-----\n"));
	assert_true(starts_with(s->k8s.key, "-----BEGIN EC PRIVATE KEY-----\n"));
	assert_true(starts_with(s->k8s_aggregator.key,
	    "-----BEGIN EC PRIVATE KEY-----\n"));
	assert_string_equal(s->k8s_serviceaccount.crt, "");
	assert_true(starts_with(s->k8s_serviceaccount.key,
	    "-----BEGIN RSA PRIVATE KEY-----\n"));
	assert_true(starts_with(s->os.key,
	    "-----BEGIN ED25519 PRIVATE KEY-----\n"));
}

/* Ensure that an older talosctl bundle is read: aescbc, admin, base64url id, RSA CA, EC SA key. */
static void
legacy_bundle_is_read(void **state)
{
	static struct talos_secrets s, again;
	size_t len;
	char *t = data_text("secrets-legacy.yaml", &len);
	struct err e = { 0 };
	char *y;

	(void)state;
	expect_parse_ok(t, len, &s);
	assert_true(strpbrk(s.cluster_id, "-_") != NULL);
	assert_int_equal(strlen(s.aescbc_secret), 44);
	assert_string_equal(s.secretbox_secret, "");
	assert_true(starts_with(s.k8s.key, "-----BEGIN RSA PRIVATE KEY-----\n"));
	assert_true(starts_with(s.k8s_serviceaccount.key,
	    "-----BEGIN EC PRIVATE KEY-----\n"));
	assert_true(starts_with(s.os.key, "-----BEGIN PRIVATE KEY-----\n"));
	/* written back: aescbc kept, certs.admin dropped, same struct again */
	y = talos_secrets_emit(&s, &e);
	assert_non_null(y);
	assert_non_null(strstr(y, "\n    aescbcencryptionsecret: "));
	assert_null(strstr(y, "secretbox"));
	assert_null(strstr(y, "admin"));
	expect_parse_ok(y, strlen(y), &again);
	assert_memory_equal(&s, &again, sizeof(s));
	free(y);
	free(t);
}

/* Ensure that a fixture re-emitted parses to the same struct (PEM is stored canonical). */
static void
fixture_round_trips(void **state)
{
	static struct talos_secrets again;
	const struct talos_secrets *s = fixture();

	(void)state;
	expect_struct_ok(s, &again);
	assert_memory_equal(s, &again, sizeof(again));
}

/* ---- generation ---- */

/* Ensure that generate, emit and parse give back exactly the generated fields. */
static void
generated_round_trips(void **state)
{
	static struct talos_secrets again;

	(void)state;
	expect_struct_ok(&gen, &again);
	assert_memory_equal(&gen, &again, sizeof(again));
}

/* Ensure that generated keys carry Talos' exact PEM labels and load with OpenSSL. */
static void
generated_keys_have_talos_labels(void **state)
{
	const struct talos_keypair *ec[] = { &gen.etcd, &gen.k8s,
	    &gen.k8s_aggregator };
	char p8[TALOS_PEM_MAX];
	EVP_PKEY *k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
		assert_true(starts_with(ec[i]->key,
		    "-----BEGIN EC PRIVATE KEY-----\n"));
		assert_non_null(strstr(ec[i]->key,
		    "\n-----END EC PRIVATE KEY-----\n"));
		k = pem_pkey(ec[i]->key);
		assert_non_null(k);
		assert_true(EVP_PKEY_is_a(k, "EC"));
		assert_int_equal(EVP_PKEY_get_bits(k), 256);
		EVP_PKEY_free(k);
	}
	assert_true(starts_with(gen.k8s_serviceaccount.key,
	    "-----BEGIN RSA PRIVATE KEY-----\n"));
	assert_string_equal(gen.k8s_serviceaccount.crt, "");
	k = pem_pkey(gen.k8s_serviceaccount.key);
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "RSA"));
	assert_int_equal(EVP_PKEY_get_bits(k), 4096);
	EVP_PKEY_free(k);
	/* Talos' label is unknown to OpenSSL; the PKCS#8 inside is standard */
	assert_true(starts_with(gen.os.key,
	    "-----BEGIN ED25519 PRIVATE KEY-----\n"));
	/* OpenSSL 3.0 does not know the label: why talos_secrets_key_load exists */
	assert_null(pem_pkey(gen.os.key));
	relabel(gen.os.key, "PRIVATE KEY", p8, sizeof(p8));
	k = pem_pkey(p8);
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "ED25519"));
	EVP_PKEY_free(k);
}

/* Ensure that talos_secrets_key_load reads every label of the bundle. */
static void
key_load_reads_talos_labels(void **state)
{
	char p8[TALOS_PEM_MAX];
	EVP_PKEY *k;

	(void)state;
	k = talos_secrets_key_load(gen.os.key);
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "ED25519"));
	EVP_PKEY_free(k);
	relabel(gen.os.key, "PRIVATE KEY", p8, sizeof(p8));
	k = talos_secrets_key_load(p8);
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "ED25519"));
	EVP_PKEY_free(k);
	k = talos_secrets_key_load(gen.k8s.key);
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "EC"));
	EVP_PKEY_free(k);
	k = talos_secrets_key_load(gen.k8s_serviceaccount.key);
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "RSA"));
	EVP_PKEY_free(k);
	ERR_clear_error();
	assert_null(talos_secrets_key_load(NULL));
	assert_null(talos_secrets_key_load(""));
	assert_null(talos_secrets_key_load(gen.k8s.crt));
	relabel(gen.os.key, "EC PRIVATE KEY", p8, sizeof(p8));
	assert_null(talos_secrets_key_load(p8));
	assert_int_equal(ERR_peek_error(), 0);
}

/* The value of one subject attribute, "" when absent. */
static void
subject_attr(X509 *x, int nid, char *out, int out_len)
{
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), nid, out,
	    out_len);

	if (n < 0)
		out[0] = '\0';
}

static void
check_ca(const struct talos_keypair *kp, int nid, const char *value,
    const char *keytype)
{
	X509 *x = pem_x509(kp->crt);
	EVP_PKEY *k = talos_secrets_key_load(kp->key);
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	const ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *akid;
	char buf[128];
	int days, secs;

	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, keytype));
	assert_int_equal(X509_check_private_key(x, k), 1);
	assert_int_equal(X509_check_ca(x), 1);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	/* subject as Talos makes it, plus OU = cluster name; self-issued */
	subject_attr(x, nid, buf, sizeof(buf));
	assert_string_equal(buf, value);
	subject_attr(x, NID_organizationalUnitName, buf, sizeof(buf));
	assert_string_equal(buf, gen_name);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)), 0);
	/* self-signed: verifies as its own trust anchor, strictly */
	assert_non_null(st);
	assert_non_null(ctx);
	assert_int_equal(X509_STORE_add_cert(st, x), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, st, x, NULL), 1);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	if (X509_verify_cert(ctx) != 1)
		fail_msg("verify: %s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	/* keyCertSign, cRLSign and digitalSignature, critical; CA:TRUE critical */
	assert_int_equal(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN |
	    KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x,
	    X509_get_ext_by_NID(x, NID_key_usage, -1))), 1);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x,
	    X509_get_ext_by_NID(x, NID_basic_constraints, -1))), 1);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_SERVER |
	    XKU_SSL_CLIENT);
	/* SKI, and an AKI naming it */
	ski = X509_get0_subject_key_id(x);
	assert_non_null(ski);
	akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	assert_non_null(akid);
	assert_non_null(akid->keyid);
	assert_int_equal(ASN1_OCTET_STRING_cmp(ski, akid->keyid), 0);
	AUTHORITY_KEYID_free(akid);
	/* ten years (Talos' 87600 h) from five minutes ago */
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
	    X509_get0_notAfter(x)), 1);
	assert_int_equal(days, 3650);
	assert_int_equal(secs, 300);
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
	/* a random 16-octet positive serial */
	assert_int_equal(ASN1_STRING_length(X509_get0_serialNumber(x)), 16);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	EVP_PKEY_free(k);
	X509_free(x);
}

/* Ensure that the generated CAs are Talos-shaped, self-signed and verify. */
static void
generated_cas_verify_self_signed(void **state)
{
	(void)state;
	check_ca(&gen.os, NID_organizationName, "talos", "ED25519");
	check_ca(&gen.etcd, NID_organizationName, "etcd", "EC");
	check_ca(&gen.k8s, NID_organizationName, "kubernetes", "EC");
	check_ca(&gen.k8s_aggregator, NID_commonName, "front-proxy", "EC");
}

/* Ensure that generated tokens and secrets have their formats. */
static void
generated_tokens_and_secrets_have_formats(void **state)
{
	const char *tokens[] = { gen.bootstrap_token, gen.trustd_token };
	const char *secrets[] = { gen.cluster_id, gen.cluster_secret,
	    gen.secretbox_secret };
	uint8_t raw[40];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(strlen(tokens[i]), 23);
		for (j = 0; j < 23; j++) {
			if (j == 6)
				assert_int_equal(tokens[i][j], '.');
			else
				assert_non_null(strchr(
				    "abcdefghijklmnopqrstuvwxyz0123456789",
				    tokens[i][j]));
		}
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(strlen(secrets[i]), 44);
		assert_int_equal(b64_decode(secrets[i], 44, raw, sizeof(raw),
		    &n), 0);
		assert_int_equal(n, 32);
	}
	assert_string_equal(gen.aescbc_secret, "");
	assert_string_not_equal(gen.cluster_id, gen.cluster_secret);
	assert_string_not_equal(gen.bootstrap_token, gen.trustd_token);
}

/* Ensure that a cluster name one byte past the X.520 OU bound is validation_failed. */
static void
generate_rejects_long_cluster_name(void **state)
{
	static struct talos_secrets s;
	char name[OU_MAX_BYTES + 2];
	struct err e = { 0 };

	(void)state;
	memset(name, 'c', OU_MAX_BYTES + 1);
	name[OU_MAX_BYTES + 1] = '\0';
	assert_int_equal(talos_secrets_generate(name, &s, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_true(starts_with(e.detail, "cluster_name: "));
	assert_string_equal(s.cluster_id, "");
	assert_int_equal(talos_secrets_generate("tab\there", &s, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
}

/* ---- emitting ---- */

/* Ensure that emit writes talosctl's layout: key order, 4-space indent, one line each. */
static void
emit_writes_talosctl_layout(void **state)
{
	static const char *const order[] = { "cluster:\n    id: ",
	    "\n    secret: ", "\nsecrets:\n    bootstraptoken: ",
	    "\n    secretboxencryptionsecret: ", "\ntrustdinfo:\n    token: ",
	    "\ncerts:\n    etcd:\n        crt: LS0tLS1CRUdJTi", "\n        key: ",
	    "\n    k8s:\n        crt: ", "\n    k8saggregator:\n        crt: ",
	    "\n    k8sserviceaccount:\n        key: ", "\n    os:\n        crt: ",
	    "\n        key: " };
	struct err e = { 0 };
	char *y = talos_secrets_emit(&gen, &e);
	const char *p;
	size_t i, lines = 0;

	(void)state;
	assert_non_null(y);
	assert_true(starts_with(y, order[0]));
	p = y;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		p = strstr(p, order[i]);
		if (p == NULL)
			fail_msg("\"%s\" missing or out of order", order[i]);
		p += strlen(order[i]);
	}
	for (p = y; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 23);
	assert_null(strstr(y, "aescbc"));
	assert_null(strchr(y, '"'));
	assert_null(strstr(y, "---"));
	OPENSSL_cleanse(y, strlen(y));
	free(y);
}

/* Ensure that a token that would read back as a number is quoted and survives. */
static void
emit_quotes_numeric_tokens(void **state)
{
	static struct talos_secrets s, again;
	struct err e = { 0 };
	char *y;

	(void)state;
	s = gen;
	setf(s.bootstrap_token, sizeof(s.bootstrap_token), "%s",
	    "123456.1234567890e12345");
	y = talos_secrets_emit(&s, &e);
	assert_non_null(y);
	assert_non_null(strstr(y, "bootstraptoken: \"123456.1234567890e12345\"\n"));
	expect_parse_ok(y, strlen(y), &again);
	assert_memory_equal(&s, &again, sizeof(s));
	free(y);
}

/* Ensure that emitting an incomplete bundle is internal, not half a file. */
static void
emit_rejects_incomplete_bundle(void **state)
{
	static struct talos_secrets s;
	struct err e = { 0 };

	(void)state;
	s = gen;
	s.os.key[0] = '\0';
	assert_null(talos_secrets_emit(&s, &e));
	assert_int_equal(e.code, ERR_INTERNAL);
	s = gen;
	setf(s.aescbc_secret, sizeof(s.aescbc_secret), "%s",
	    gen.secretbox_secret);
	assert_null(talos_secrets_emit(&s, &e));
	assert_int_equal(e.code, ERR_INTERNAL);
}

/* Ensure that cleanse wipes the whole bundle. */
static void
cleanse_wipes_everything(void **state)
{
	static struct talos_secrets s, zero;

	(void)state;
	s = gen;
	talos_secrets_cleanse(&s);
	assert_memory_equal(&s, &zero, sizeof(s));
	talos_secrets_cleanse(NULL);
}

/* ---- rejections: structure ---- */

/* Ensure that a missing field is validation_failed naming its path. */
static void
missing_field_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t;

	(void)state;
	t = edit(base, "cluster:", "    secret: ", NULL);
	expect_reject(t, "cluster.secret: missing");
	free(t);
	t = edit(base, "    os:", "        key: ", NULL);
	expect_reject(t, "certs.os.key: missing");
	free(t);
	t = edit(base, "", "    k8saggregator:", "    k8saggregator: {}");
	free(base);
	base = t;
	t = edit(base, "    k8saggregator:", "        crt: ", NULL);
	free(base);
	base = t;
	t = edit(base, "    k8saggregator:", "        key: ", NULL);
	expect_reject(t, "certs.k8saggregator.crt: missing");
	free(t);
	free(base);
}

/* Ensure that a missing section is validation_failed naming the section. */
static void
missing_section_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t, *u;

	(void)state;
	t = edit(base, "", "trustdinfo:", NULL);
	u = edit(t, "secrets:", "    token: ", NULL);
	expect_reject(u, "trustdinfo: missing");
	free(u);
	free(t);
	free(base);
}

/* Ensure that an unknown key is rejected with its path, at any depth. */
static void
unknown_key_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t;

	(void)state;
	t = insert_after(base, "", "machine: {}\n");
	expect_reject(t, "machine: unknown key");
	free(t);
	t = insert_after(base, "\ncerts:\n", "    k8sfrontproxy:\n        crt: x\n");
	expect_reject(t, "certs.k8sfrontproxy: unknown key");
	free(t);
	t = insert_after(base, "\n    os:\n", "        ca: x\n");
	expect_reject(t, "certs.os.ca: unknown key");
	free(t);
	t = insert_after(base, "\nsecrets:\n", "    Bootstraptoken: x\n");
	expect_reject(t, "secrets.Bootstraptoken: unknown key");
	free(t);
	/* a service account has no certificate in talosctl's layout */
	t = insert_after(base, "\n    k8sserviceaccount:\n", "        crt: x\n");
	expect_reject(t, "certs.k8sserviceaccount.crt: unknown key");
	free(t);
	/* control bytes and long keys are echoed safely and bounded */
	t = insert_after(base, "", "\"a\\u0001b\": 1\n");
	expect_reject(t, "a?b: unknown key");
	free(t);
	free(base);
}

/* Ensure that a key given twice is rejected. */
static void
duplicate_key_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t;

	(void)state;
	/* the file ends inside certs.os, after its key */
	assert_non_null(strstr(base, "\n    os:\n"));
	t = malloc(strlen(base) + 32);
	assert_non_null(t);
	snprintf(t, strlen(base) + 32, "%s        key: x\n", base);
	expect_reject(t, "certs.os.key: duplicate key");
	free(t);
	t = insert_after(base, "", "certs: {}\n");
	expect_reject(t, "certs: duplicate key");
	free(t);
	free(base);
}

/* Ensure that a document that is not one mapping is rejected. */
static void
non_mapping_document_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t;

	(void)state;
	expect_reject("- cluster\n- certs\n", "secrets.yaml: expected a mapping");
	expect_reject("cluster", "secrets.yaml: expected a mapping");
	expect_reject("", "secrets.yaml: empty");
	expect_reject("# nothing here\n", "secrets.yaml: empty");
	expect_reject("cluster: x\n", "cluster: expected a mapping");
	expect_reject("cluster:\n", "cluster: expected a mapping");
	expect_reject("cluster: {id: [a]}\n", "cluster.id: expected a string");
	expect_reject("{[a]: b}\n", "secrets.yaml: expected a key");
	expect_reject("\"unterminated\n", "secrets.yaml: not yaml");
	expect_reject("cluster: {id: \"x\n", "secrets.yaml: not yaml");
	t = insert_after(base, "", "--- \n");
	free(base);
	base = t;
	t = malloc(strlen(base) + 32);
	assert_non_null(t);
	snprintf(t, strlen(base) + 32, "%s---\ncluster: {}\n", base);
	expect_reject(t, "secrets.yaml: more than one document");
	free(t);
	free(base);
}

/* Ensure that anchors, aliases and tags are refused. */
static void
anchors_aliases_tags_are_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t;

	(void)state;
	t = edit(base, "", "cluster:", "cluster: &c");
	expect_reject(t, "secrets.yaml: anchors are not allowed");
	free(t);
	t = edit(base, "", "    token: ", "    token: *c");
	expect_reject(t, "secrets.yaml: aliases are not allowed");
	free(t);
	t = edit(base, "", "    token: ", "    token: !!str abcdef.0123456789abcdef");
	expect_reject(t, "secrets.yaml: tags are not allowed");
	free(t);
	free(base);
}

/* Ensure that a bundle at LIMIT_BODY_BYTES parses and one byte more is rejected. */
static void
oversize_bundle_is_rejected(void **state)
{
	static struct talos_secrets s;
	size_t len;
	char *base = data_text("secrets.yaml", &len);
	char *t = malloc(LIMIT_BODY_BYTES + 2);

	(void)state;
	assert_non_null(t);
	assert_true(len + 8 < LIMIT_BODY_BYTES);
	memcpy(t, base, len);
	/* pad with one comment line up to exactly the limit */
	t[len] = '#';
	memset(t + len + 1, 'x', LIMIT_BODY_BYTES - len - 2);
	t[LIMIT_BODY_BYTES - 1] = '\n';
	expect_parse_ok(t, LIMIT_BODY_BYTES, &s);
	t[LIMIT_BODY_BYTES - 1] = 'x';
	t[LIMIT_BODY_BYTES] = '\n';
	expect_reject_len(t, LIMIT_BODY_BYTES + 1, "secrets.yaml: longer than");
	free(t);
	free(base);
}

/* Ensure that a crt value past the PEM bound is rejected before decoding; at it, it is read. */
static void
oversize_pem_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *line = malloc(PEM_B64_MAX + 32);
	char *t;
	size_t i;
	int n;

	(void)state;
	assert_non_null(line);
	n = snprintf(line, PEM_B64_MAX + 32, "        crt: ");
	/* "LS0t" is "---": printable, but no PEM block */
	for (i = 0; i < PEM_B64_MAX; i += 4)
		memcpy(line + n + i, "LS0t", 4);
	line[n + PEM_B64_MAX] = '\0';
	t = edit(base, "    os:", "        crt: ", line);
	expect_reject(t, "certs.os.crt: not a PEM block");
	free(t);
	memcpy(line + n + PEM_B64_MAX, "LS0t", 5);
	t = edit(base, "    os:", "        crt: ", line);
	expect_reject(t, "certs.os.crt: longer than");
	free(t);
	free(line);
	free(base);
}

/* ---- rejections: values ---- */

/* Ensure that tokens not of the form [a-z0-9]{6}.[a-z0-9]{16} are rejected. */
static void
bad_token_pattern_is_rejected(void **state)
{
	static const char *const bad[] = { "ABCDEF.0123456789abcdef",
	    "abcdef.0123456789abcde", "abcdef-0123456789abcdef",
	    "abcde.f0123456789abcdef", "abcdef.0123456789abcdef0", "",
	    "abcdef.0123456789abcd?f" };
	char *base = data_text("secrets.yaml", NULL);
	char line[128];
	char *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "    bootstraptoken: \"%s\"", bad[i]);
		t = edit(base, "secrets:", "    bootstraptoken: ", line);
		expect_reject(t, "secrets.bootstraptoken: not a token");
		free(t);
	}
	t = edit(base, "trustdinfo:", "    token: ", "    token: abcdef.0123");
	expect_reject(t, "trustdinfo.token: not a token");
	free(t);
	free(base);
}

/* Ensure that secrets that are not the base64 of exactly 32 bytes are rejected. */
static void
b64_not_32_bytes_is_rejected(void **state)
{
	uint8_t raw[33];
	char *base = data_text("secrets.yaml", NULL);
	char line[128];
	char *t;

	(void)state;
	memset(raw, 0x42, sizeof(raw));
	/* 31 and 33 bytes are also 44 characters long */
	b64_line("    secret: ", raw, 31, line, sizeof(line));
	t = edit(base, "cluster:", "    secret: ", line);
	expect_reject(t, "cluster.secret: not the base64 of 32 bytes");
	free(t);
	b64_line("    secret: ", raw, 33, line, sizeof(line));
	t = edit(base, "cluster:", "    secret: ", line);
	expect_reject(t, "cluster.secret: not the base64 of 32 bytes");
	free(t);
	b64_line("    secretboxencryptionsecret: ", raw, 24, line, sizeof(line));
	t = edit(base, "secrets:", "    secretboxencryptionsecret: ", line);
	expect_reject(t, "secrets.secretboxencryptionsecret: not the base64");
	free(t);
	t = edit(base, "secrets:", "    secretboxencryptionsecret: ",
	    "    secretboxencryptionsecret: QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk!=");
	expect_reject(t, "secrets.secretboxencryptionsecret: not the base64");
	free(t);
	/* base64url is allowed for cluster.id only, and not mixed */
	t = edit(base, "cluster:", "    secret: ",
	    "    secret: QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk-=");
	expect_reject(t, "cluster.secret: not the base64 of 32 bytes");
	free(t);
	t = edit(base, "cluster:", "    id: ",
	    "    id: QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC+k-=");
	expect_reject(t, "cluster.id: not the base64 of 32 bytes");
	free(t);
	free(base);
}

/* Ensure that exactly one of the secretbox and aescbc secrets is required. */
static void
encryption_secret_rules_are_enforced(void **state)
{
	static struct talos_secrets s;
	uint8_t raw[32];
	char *base = data_text("secrets.yaml", NULL);
	char line[128], both[160];
	char *t;

	(void)state;
	memset(raw, 0x42, sizeof(raw));
	b64_line("    aescbcencryptionsecret: ", raw, 32, line, sizeof(line));
	/* aescbc alone (Talos <= 1.2) is read */
	t = edit(base, "secrets:", "    secretboxencryptionsecret: ", line);
	expect_parse_ok(t, strlen(t), &s);
	assert_string_equal(s.secretbox_secret, "");
	assert_int_equal(strlen(s.aescbc_secret), 44);
	free(t);
	/* both are refused, as talosctl refuses them */
	snprintf(both, sizeof(both), "%s\n", line);
	t = insert_after(base, "\nsecrets:\n", both);
	expect_reject(t, "secrets.aescbcencryptionsecret: not allowed together");
	free(t);
	/* neither */
	t = edit(base, "secrets:", "    secretboxencryptionsecret: ", NULL);
	expect_reject(t, "secrets.secretboxencryptionsecret: missing");
	free(t);
	free(base);
}

/* Ensure that an os key that is not Ed25519 is rejected, whatever its label. */
static void
os_key_not_ed25519_is_rejected(void **state)
{
	static struct talos_secrets s, again;
	char pem[TALOS_PEM_MAX];

	(void)state;
	s = *fixture();
	setf(s.os.key, sizeof(s.os.key), "%s", s.etcd.key);
	expect_struct_reject(&s, "certs.os.key: not an Ed25519 key");
	/* an EC key in PKCS#8 under "PRIVATE KEY" is not Ed25519 either */
	{
		EVP_PKEY *k = talos_secrets_key_load(s.etcd.key);
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		long n;

		assert_non_null(k);
		assert_non_null(b);
		assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0,
		    NULL, NULL), 1);
		n = BIO_get_mem_data(b, &p);
		setf(s.os.key, sizeof(s.os.key), "%.*s", (int)n, p);
		assert_true(starts_with(s.os.key, "-----BEGIN PRIVATE KEY-----"));
		BIO_free(b);
		EVP_PKEY_free(k);
	}
	expect_struct_reject(&s, "certs.os.key: not an Ed25519 key");
	/* while the Ed25519 key under the generic label is read */
	s = *fixture();
	relabel(s.os.key, "PRIVATE KEY", pem, sizeof(pem));
	setf(s.os.key, sizeof(s.os.key), "%s", pem);
	expect_struct_ok(&s, &again);
	assert_true(starts_with(again.os.key, "-----BEGIN PRIVATE KEY-----\n"));
}

/* Ensure that a certificate that is not a CA is rejected. */
static void
crt_not_ca_is_rejected(void **state)
{
	static struct talos_secrets s;
	char *crt = data_text("secrets-nonca.crt", NULL);
	char *key = data_text("secrets-nonca.key", NULL);

	(void)state;
	s = *fixture();
	setf(s.k8s.crt, sizeof(s.k8s.crt), "%s", crt);
	setf(s.k8s.key, sizeof(s.k8s.key), "%s", key);
	expect_struct_reject(&s, "certs.k8s.crt: not a CA certificate");
	free(crt);
	free(key);
}

/* Ensure that a key that is not its certificate's is rejected. */
static void
key_not_matching_crt_is_rejected(void **state)
{
	static struct talos_secrets s;

	(void)state;
	s = *fixture();
	setf(s.etcd.key, sizeof(s.etcd.key), "%s", s.k8s.key);
	expect_struct_reject(&s, "certs.etcd.key: does not match certs.etcd.crt");
	s = *fixture();
	setf(s.os.crt, sizeof(s.os.crt), "%s", gen.os.crt);
	expect_struct_reject(&s, "certs.os.key: does not match certs.os.crt");
}

/* Ensure that PEM labels must name what the block holds. */
static void
wrong_pem_types_are_rejected(void **state)
{
	static struct talos_secrets s;
	char pem[TALOS_PEM_MAX];

	(void)state;
	s = *fixture();
	setf(s.k8s.crt, sizeof(s.k8s.crt), "%s", s.k8s.key);
	expect_struct_reject(&s, "certs.k8s.crt: PEM type \"EC PRIVATE KEY\", "
	    "expected \"CERTIFICATE\"");
	s = *fixture();
	setf(s.k8s.key, sizeof(s.k8s.key), "%s", s.k8s.crt);
	expect_struct_reject(&s, "certs.k8s.key: PEM type \"CERTIFICATE\" is "
	    "not a private key we read");
	/* PKCS#8 under the SEC1 label */
	s = *fixture();
	relabel(s.os.key, "EC PRIVATE KEY", pem, sizeof(pem));
	setf(s.etcd.key, sizeof(s.etcd.key), "%s", pem);
	expect_struct_reject(&s, "certs.etcd.key: not a valid \"EC PRIVATE KEY\"");
	/* SEC1 under Talos' Ed25519 label */
	s = *fixture();
	relabel(s.etcd.key, "ED25519 PRIVATE KEY", pem, sizeof(pem));
	setf(s.os.key, sizeof(s.os.key), "%s", pem);
	expect_struct_reject(&s, "certs.os.key: not a valid \"ED25519 PRIVATE KEY\"");
	/* RSA is a CA key type we read, but this is not the CA's key */
	s = *fixture();
	setf(s.etcd.key, sizeof(s.etcd.key), "%s", s.k8s_serviceaccount.key);
	expect_struct_reject(&s, "certs.etcd.key: does not match certs.etcd.crt");
}

/* Ensure that a service account key below RSA-2048 is rejected. */
static void
small_rsa_key_is_rejected(void **state)
{
	static struct talos_secrets s;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	OSSL_ENCODER_CTX *ec;
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	(void)state;
	assert_non_null(k);
	assert_non_null(b);
	ec = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, "PEM",
	    "type-specific", NULL);
	assert_non_null(ec);
	assert_int_equal(OSSL_ENCODER_to_bio(ec, b), 1);
	n = BIO_get_mem_data(b, &p);
	s = *fixture();
	setf(s.k8s_serviceaccount.key, sizeof(s.k8s_serviceaccount.key),
	    "%.*s", (int)n, p);
	assert_true(starts_with(s.k8s_serviceaccount.key,
	    "-----BEGIN RSA PRIVATE KEY-----"));
	expect_struct_reject(&s, "certs.k8sserviceaccount.key: not an RSA "
	    "2048-8192 or EC P-256 key");
	OSSL_ENCODER_CTX_free(ec);
	BIO_free(b);
	EVP_PKEY_free(k);
}

/* Ensure that malformed PEM text is rejected: junk, trailing blocks, headers, bad signatures. */
static void
malformed_pem_is_rejected(void **state)
{
	static struct talos_secrets s;
	char pem[TALOS_PEM_MAX];
	X509 *x;
	unsigned char *der = NULL;
	BIO *b;
	char *p;
	long n;
	int len;

	(void)state;
	s = *fixture();
	setf(pem, sizeof(pem), "%s%s", s.os.crt, s.os.crt);
	setf(s.os.crt, sizeof(s.os.crt), "%s", pem);
	expect_struct_reject(&s, "certs.os.crt: data after the PEM block");
	s = *fixture();
	setf(pem, sizeof(pem), "junk\n%s", s.os.crt);
	setf(s.os.crt, sizeof(s.os.crt), "%s", pem);
	expect_struct_reject(&s, "certs.os.crt: not a PEM block");
	s = *fixture();
	setf(s.os.crt, sizeof(s.os.crt), "%s", "\x01\x02");
	expect_struct_reject(&s, "certs.os.crt: the PEM text is not printable");
	s = *fixture();
	setf(pem, sizeof(pem), "-----BEGIN EC PRIVATE KEY-----\nProc-Type: "
	    "4,ENCRYPTED\nDEK-Info: AES-128-CBC,000102030405060708090A0B0C0D0E0F"
	    "\n\n%s", strchr(s.etcd.key, '\n') + 1);
	setf(s.etcd.key, sizeof(s.etcd.key), "%s", pem);
	expect_struct_reject(&s, "certs.etcd.key: PEM headers");
	/* a CA whose self-signature is broken */
	s = *fixture();
	x = pem_x509(s.etcd.crt);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	der[len - 1] ^= 0x01;
	b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	assert_true(PEM_write_bio(b, "CERTIFICATE", "", der, len) > 0);
	n = BIO_get_mem_data(b, &p);
	setf(s.etcd.crt, sizeof(s.etcd.crt), "%.*s", (int)n, p);
	expect_struct_reject(&s, "certs.etcd.crt: its self-signature does not "
	    "verify");
	BIO_free(b);
	OPENSSL_free(der);
	X509_free(x);
	/* a DER certificate with a byte of trailing garbage */
	s = *fixture();
	x = pem_x509(s.etcd.crt);
	der = NULL;
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	{
		unsigned char *longer = malloc((size_t)len + 1);

		assert_non_null(longer);
		memcpy(longer, der, (size_t)len);
		longer[len] = 0;
		b = BIO_new(BIO_s_mem());
		assert_non_null(b);
		assert_true(PEM_write_bio(b, "CERTIFICATE", "", longer,
		    len + 1) > 0);
		free(longer);
	}
	n = BIO_get_mem_data(b, &p);
	setf(s.etcd.crt, sizeof(s.etcd.crt), "%.*s", (int)n, p);
	expect_struct_reject(&s, "certs.etcd.crt: not a DER X.509 certificate");
	BIO_free(b);
	OPENSSL_free(der);
	X509_free(x);
}

/* Ensure that a crt value that is not base64 is rejected. */
static void
pem_not_base64_is_rejected(void **state)
{
	char *base = data_text("secrets.yaml", NULL);
	char *t;

	(void)state;
	t = edit(base, "    etcd:", "        key: ", "        key: LS0t!!");
	expect_reject(t, "certs.etcd.key: not base64");
	free(t);
	t = edit(base, "    etcd:", "        key: ", "        key: \"\"");
	expect_reject(t, "certs.etcd.key: empty");
	free(t);
	free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixture_bundle_is_read),
		cmocka_unit_test(legacy_bundle_is_read),
		cmocka_unit_test(fixture_round_trips),
		cmocka_unit_test(generated_round_trips),
		cmocka_unit_test(generated_keys_have_talos_labels),
		cmocka_unit_test(key_load_reads_talos_labels),
		cmocka_unit_test(generated_cas_verify_self_signed),
		cmocka_unit_test(generated_tokens_and_secrets_have_formats),
		cmocka_unit_test(generate_rejects_long_cluster_name),
		cmocka_unit_test(emit_writes_talosctl_layout),
		cmocka_unit_test(emit_quotes_numeric_tokens),
		cmocka_unit_test(emit_rejects_incomplete_bundle),
		cmocka_unit_test(cleanse_wipes_everything),
		cmocka_unit_test(missing_field_is_rejected),
		cmocka_unit_test(missing_section_is_rejected),
		cmocka_unit_test(unknown_key_is_rejected),
		cmocka_unit_test(duplicate_key_is_rejected),
		cmocka_unit_test(non_mapping_document_is_rejected),
		cmocka_unit_test(anchors_aliases_tags_are_rejected),
		cmocka_unit_test(oversize_bundle_is_rejected),
		cmocka_unit_test(oversize_pem_is_rejected),
		cmocka_unit_test(bad_token_pattern_is_rejected),
		cmocka_unit_test(b64_not_32_bytes_is_rejected),
		cmocka_unit_test(encryption_secret_rules_are_enforced),
		cmocka_unit_test(os_key_not_ed25519_is_rejected),
		cmocka_unit_test(crt_not_ca_is_rejected),
		cmocka_unit_test(key_not_matching_crt_is_rejected),
		cmocka_unit_test(wrong_pem_types_are_rejected),
		cmocka_unit_test(small_rsa_key_is_rejected),
		cmocka_unit_test(malformed_pem_is_rejected),
		cmocka_unit_test(pem_not_base64_is_rejected),
	};

	return cmocka_run_group_tests_name("talos_secrets", tests, group_setup,
	    group_teardown) == 0 ? 0 : 1;
}
