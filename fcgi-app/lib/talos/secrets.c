/*
 * secrets.c - the Talos secrets bundle (see secrets.h): generated with
 * OpenSSL 3 in the shape siderolabs/crypto gives talosctl's CAs, read
 * from YAML with libyaml's event parser over a table that fixes the
 * layout, and written back with libyaml's emitter.
 *
 * The layout is talosctl's (pkg/machinery/config/generate/secrets,
 * Bundle): mappings cluster, secrets, trustdinfo and certs, each crt/key
 * the base64 of a PEM text. Known optional keys of older talosctl
 * versions are read (secrets.h); an unknown key is an error that names it.
 *
 * It deliberately does not log (everything here is secret), touch files
 * or the environment, or echo values in errors: only field paths, sizes
 * and PEM labels. OpenSSL errors of rejected input are popped from the
 * queue; those of a failed generation are left for the caller. libyaml
 * keeps copies of scalars while it works: the parser's buffers and every
 * event we own are wiped before they are freed, the emitter's own copies
 * cannot be reached.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <yaml.h>

#include "core/b64.h"
#include "core/err.h"
#include "core/limits.h"
#include "talos/secrets.h"

/* Talos' CAValidityTime, 87600 h (pkg/machinery/config/generate/secrets). */
#define CA_VALIDITY_DAYS	3650
/* notBefore lies this far back for a node whose clock lags (as talosconfig) */
#define CA_BACKDATE_S		300
/* Random serial: 16 octets like siderolabs/crypto's NewSerialNumber. */
#define CA_SERIAL_BYTES		16
/* Kubernetes service account key: siderolabs/crypto NewRSAKey. */
#define SA_RSA_BITS		4096
/* RSA keys we import (CA or service account), in bits. */
#define RSA_MIN_BITS		2048
#define RSA_MAX_BITS		8192
/* X.520 ub-organizational-unit-name, the bound of the OU we write. */
#define OU_MAX_BYTES		64
/* Bootstrap and trustd tokens, [a-z0-9]{6}.[a-z0-9]{16} (kubeadm's format). */
#define TOKEN_ID_LEN		6
#define TOKEN_SECRET_LEN	16
#define TOKEN_LEN		(TOKEN_ID_LEN + 1 + TOKEN_SECRET_LEN)
/* cluster id and secret, etcd encryption secrets: 32 random bytes. */
#define SECRET_BYTES		32
#define SECRET_B64_LEN		B64_ENCODED_LEN(SECRET_BYTES)
/* The base64 of a PEM text that fits struct talos_keypair. */
#define PEM_B64_MAX		B64_ENCODED_LEN(TALOS_PEM_MAX - 1)
/* A PEM label we echo in an error ("ED25519 PRIVATE KEY" is 19). */
#define LABEL_ECHO_BYTES	24

_Static_assert(TOKEN_LEN < TALOS_TOKEN_MAX, "a token fits its field");
_Static_assert(SECRET_B64_LEN < TALOS_B64_32, "a secret fits its field");

/* ---- the layout ---- */

enum slot_kind {
	KIND_MAP,
	KIND_SECRET,		/* base64 of 32 bytes */
	KIND_ID,		/* the same, or base64url (talosctl < 1.14) */
	KIND_TOKEN,		/* [a-z0-9]{6}.[a-z0-9]{16} */
	KIND_CA_CRT,		/* a CA certificate */
	KIND_CRT,		/* any certificate (certs.admin) */
	KIND_KEY_OS,		/* Ed25519 */
	KIND_KEY_CA,		/* EC P-256/P-384/P-521 or RSA */
	KIND_KEY_SA,		/* RSA or EC P-256 */
	KIND_KEY_ANY		/* any of those (certs.admin) */
};

enum slot_id {
	S_CLUSTER, S_CLUSTER_ID, S_CLUSTER_SECRET,
	S_SECRETS, S_BOOTSTRAP, S_AESCBC, S_SECRETBOX,
	S_TRUSTD, S_TRUSTD_TOKEN,
	S_CERTS,
	S_ADMIN, S_ADMIN_CRT, S_ADMIN_KEY,
	S_ETCD, S_ETCD_CRT, S_ETCD_KEY,
	S_K8S, S_K8S_CRT, S_K8S_KEY,
	S_AGG, S_AGG_CRT, S_AGG_KEY,
	S_SA, S_SA_KEY,
	S_OS, S_OS_CRT, S_OS_KEY,
	S__COUNT,
	S_TOP = S__COUNT	/* parent of the top-level keys */
};

/* Certificate and key that must belong together. */
enum pair { P_NONE = -1, P_ADMIN, P_ETCD, P_K8S, P_AGG, P_OS, P__COUNT };

/* What the reader fills: the bundle, and certs.admin (checked, dropped). */
struct parsed {
	struct talos_secrets s;
	struct talos_keypair admin;
};

struct slot {
	const char *name;	/* key in its mapping */
	const char *path;	/* for errors */
	enum slot_id parent;
	enum slot_kind kind;
	bool optional;
	enum pair pair;
	size_t off;		/* field in struct parsed */
	size_t cap;
};

#define FIELD(m) \
	offsetof(struct parsed, m), sizeof(((struct parsed *)0)->m)
#define MAP(name, path, parent, opt) \
	{ name, path, parent, KIND_MAP, opt, P_NONE, 0, 0 }

/* In talosctl's order; a parent comes before its children. */
static const struct slot slots[S__COUNT] = {
	[S_CLUSTER] = MAP("cluster", "cluster", S_TOP, false),
	[S_CLUSTER_ID] = { "id", "cluster.id", S_CLUSTER, KIND_ID, false,
	    P_NONE, FIELD(s.cluster_id) },
	[S_CLUSTER_SECRET] = { "secret", "cluster.secret", S_CLUSTER,
	    KIND_SECRET, false, P_NONE, FIELD(s.cluster_secret) },
	[S_SECRETS] = MAP("secrets", "secrets", S_TOP, false),
	[S_BOOTSTRAP] = { "bootstraptoken", "secrets.bootstraptoken",
	    S_SECRETS, KIND_TOKEN, false, P_NONE, FIELD(s.bootstrap_token) },
	/* exactly one of these two: checked after the walk */
	[S_AESCBC] = { "aescbcencryptionsecret",
	    "secrets.aescbcencryptionsecret", S_SECRETS, KIND_SECRET, true,
	    P_NONE, FIELD(s.aescbc_secret) },
	[S_SECRETBOX] = { "secretboxencryptionsecret",
	    "secrets.secretboxencryptionsecret", S_SECRETS, KIND_SECRET, true,
	    P_NONE, FIELD(s.secretbox_secret) },
	[S_TRUSTD] = MAP("trustdinfo", "trustdinfo", S_TOP, false),
	[S_TRUSTD_TOKEN] = { "token", "trustdinfo.token", S_TRUSTD,
	    KIND_TOKEN, false, P_NONE, FIELD(s.trustd_token) },
	[S_CERTS] = MAP("certs", "certs", S_TOP, false),
	/* written by older talosctl, deprecated: checked, then dropped */
	[S_ADMIN] = MAP("admin", "certs.admin", S_CERTS, true),
	[S_ADMIN_CRT] = { "crt", "certs.admin.crt", S_ADMIN, KIND_CRT, false,
	    P_ADMIN, FIELD(admin.crt) },
	[S_ADMIN_KEY] = { "key", "certs.admin.key", S_ADMIN, KIND_KEY_ANY,
	    false, P_ADMIN, FIELD(admin.key) },
	[S_ETCD] = MAP("etcd", "certs.etcd", S_CERTS, false),
	[S_ETCD_CRT] = { "crt", "certs.etcd.crt", S_ETCD, KIND_CA_CRT, false,
	    P_ETCD, FIELD(s.etcd.crt) },
	[S_ETCD_KEY] = { "key", "certs.etcd.key", S_ETCD, KIND_KEY_CA, false,
	    P_ETCD, FIELD(s.etcd.key) },
	[S_K8S] = MAP("k8s", "certs.k8s", S_CERTS, false),
	[S_K8S_CRT] = { "crt", "certs.k8s.crt", S_K8S, KIND_CA_CRT, false,
	    P_K8S, FIELD(s.k8s.crt) },
	[S_K8S_KEY] = { "key", "certs.k8s.key", S_K8S, KIND_KEY_CA, false,
	    P_K8S, FIELD(s.k8s.key) },
	[S_AGG] = MAP("k8saggregator", "certs.k8saggregator", S_CERTS, false),
	[S_AGG_CRT] = { "crt", "certs.k8saggregator.crt", S_AGG, KIND_CA_CRT,
	    false, P_AGG, FIELD(s.k8s_aggregator.crt) },
	[S_AGG_KEY] = { "key", "certs.k8saggregator.key", S_AGG, KIND_KEY_CA,
	    false, P_AGG, FIELD(s.k8s_aggregator.key) },
	[S_SA] = MAP("k8sserviceaccount", "certs.k8sserviceaccount", S_CERTS,
	    false),
	[S_SA_KEY] = { "key", "certs.k8sserviceaccount.key", S_SA,
	    KIND_KEY_SA, false, P_NONE, FIELD(s.k8s_serviceaccount.key) },
	[S_OS] = MAP("os", "certs.os", S_CERTS, false),
	[S_OS_CRT] = { "crt", "certs.os.crt", S_OS, KIND_CA_CRT, false, P_OS,
	    FIELD(s.os.crt) },
	[S_OS_KEY] = { "key", "certs.os.key", S_OS, KIND_KEY_OS, false, P_OS,
	    FIELD(s.os.key) },
};

struct parse {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have;		/* ev holds an event */
	struct parsed *out;
	bool seen[S__COUNT];
	X509 *crt[P__COUNT];
	EVP_PKEY *key[P__COUNT];
};

static char *
slot_dst(struct parse *ps, enum slot_id i)
{
	return (char *)ps->out + slots[i].off;
}

/* ---- PEM and keys ---- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* How a PEM label's DER is decoded: PKCS#8, SEC1 or PKCS#1. */
static bool
key_format(const char *label, const char **structure, const char **type)
{
	static const struct {
		const char *label, *structure, *type;
	} forms[] = {
		/* Talos' own label for Ed25519, PKCS#8 inside */
		{ "ED25519 PRIVATE KEY", "PrivateKeyInfo", "ED25519" },
		{ "PRIVATE KEY", "PrivateKeyInfo", NULL },
		{ "EC PRIVATE KEY", "type-specific", "EC" },
		{ "RSA PRIVATE KEY", "type-specific", "RSA" },
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (strcmp(label, forms[i].label) == 0) {
			*structure = forms[i].structure;
			*type = forms[i].type;
			return true;
		}
	}
	return false;
}

/* Decode exactly der[0..len) as the private key the label names. */
static EVP_PKEY *
key_decode(const char *label, const unsigned char *der, size_t len)
{
	OSSL_DECODER_CTX *dc = NULL;
	EVP_PKEY *k = NULL;
	const char *structure, *type;
	const unsigned char *p = der;
	size_t left = len;

	if (!key_format(label, &structure, &type))
		goto out;
	dc = OSSL_DECODER_CTX_new_for_pkey(&k, "DER", structure, type,
	    EVP_PKEY_KEYPAIR, NULL, NULL);
	if (dc == NULL || OSSL_DECODER_CTX_get_num_decoders(dc) == 0)
		goto out;
	if (OSSL_DECODER_from_data(dc, &p, &left) != 1 || k == NULL ||
	    left != 0) {
		EVP_PKEY_free(k);
		k = NULL;
	}
out:
	OSSL_DECODER_CTX_free(dc);
	return k;
}

/*
 * Split one PEM block into its label and DER: the text is ASCII, starts
 * with the BEGIN line, has no headers (encryption) and nothing but
 * whitespace after the END line. NULL label and DER on failure.
 */
static int
pem_split(const char *text, size_t len, char **label, unsigned char **der,
    long *der_len, const char **why)
{
	BIO *b = NULL;
	char *hdr = NULL, *rest;
	long n, i;
	size_t j;
	int rc = -1;

	*label = NULL;
	*der = NULL;
	*der_len = 0;
	*why = "not a PEM block";
	for (j = 0; j < len; j++) {
		if ((text[j] < 0x20 || text[j] > 0x7e) && !is_space(text[j])) {
			*why = "the PEM text is not printable ascii";
			goto out;
		}
	}
	if (len < 11 || memcmp(text, "-----BEGIN ", 11) != 0 ||
	    len > INT32_MAX)
		goto out;
	b = BIO_new_mem_buf(text, (int)len);
	if (b == NULL || PEM_read_bio(b, label, &hdr, der, der_len) != 1 ||
	    *der_len <= 0)
		goto out;
	if (hdr[0] != '\0') {
		*why = "PEM headers (an encrypted key) are not supported";
		goto out;
	}
	n = BIO_get_mem_data(b, &rest);
	for (i = 0; i < n; i++) {
		if (!is_space(rest[i])) {
			*why = "data after the PEM block";
			goto out;
		}
	}
	rc = 0;
out:
	if (rc == -1) {
		OPENSSL_free(*label);
		OPENSSL_clear_free(*der, *der_len > 0 ? (size_t)*der_len : 0);
		*label = NULL;
		*der = NULL;
		*der_len = 0;
	}
	OPENSSL_free(hdr);
	BIO_free(b);
	return rc;
}

/* The NIST name of an EC key's named curve; NULL for others, explicit ones. */
static const char *
ec_curve(const EVP_PKEY *k)
{
	static const struct {
		int nid;
		const char *name;
	} curves[] = {
		{ NID_X9_62_prime256v1, "P-256" },
		{ NID_secp384r1, "P-384" },
		{ NID_secp521r1, "P-521" },
	};
	char group[64], enc[32];
	size_t i;
	int nid;

	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1 ||
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, sizeof(enc), NULL) != 1 ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return NULL;
	nid = OBJ_sn2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		if (curves[i].nid == nid)
			return curves[i].name;
	}
	return NULL;
}

static bool
rsa_ok(const EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "RSA") &&
	    EVP_PKEY_get_bits(k) >= RSA_MIN_BITS &&
	    EVP_PKEY_get_bits(k) <= RSA_MAX_BITS;
}

/* An EC key whose private scalar matches its public point. */
static bool
ec_pairwise_ok(EVP_PKEY *k)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	bool ok;

	ok = c != NULL && EVP_PKEY_pairwise_check(c) == 1;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* The key types each slot takes; NULL when k fits, else what it must be. */
static const char *
key_type_problem(enum slot_kind kind, EVP_PKEY *k)
{
	const char *curve = NULL;

	if (EVP_PKEY_is_a(k, "EC")) {
		curve = ec_curve(k);
		if (curve == NULL || !ec_pairwise_ok(k))
			curve = NULL;
	}
	switch (kind) {
	case KIND_KEY_OS:
		if (EVP_PKEY_is_a(k, "ED25519"))
			return NULL;
		return "not an Ed25519 key (the Talos OS CA is Ed25519)";
	case KIND_KEY_CA:
		if (curve != NULL || rsa_ok(k))
			return NULL;
		return "not an EC P-256/P-384/P-521 or RSA 2048-8192 key";
	case KIND_KEY_SA:
		if ((curve != NULL && strcmp(curve, "P-256") == 0) || rsa_ok(k))
			return NULL;
		return "not an RSA 2048-8192 or EC P-256 key";
	case KIND_KEY_ANY:
		if (curve != NULL || rsa_ok(k) || EVP_PKEY_is_a(k, "ED25519"))
			return NULL;
		return "not an Ed25519, EC or RSA 2048-8192 key";
	default:
		return "not a key";
	}
}

/* basicConstraints CA:TRUE, and keyCertSign when keyUsage is present. */
static bool
cert_is_ca(X509 *x)
{
	uint32_t fl = X509_get_extension_flags(x);

	if ((fl & EXFLAG_INVALID) != 0 || (fl & EXFLAG_BCONS) == 0 ||
	    (fl & EXFLAG_CA) == 0)
		return false;
	if ((fl & EXFLAG_KUSAGE) != 0 &&
	    (X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0)
		return false;
	return true;
}

/* Copy a memory BIO's contents into dst as a C string. */
static int
bio_copy(BIO *b, char *dst, size_t cap)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);

	if (n <= 0 || (size_t)n >= cap)
		return -1;
	memcpy(dst, p, (size_t)n);
	dst[n] = '\0';
	return 0;
}

/* The PEM text re-encoded from label and DER: 64 columns, no headers. */
static int
pem_write(const char *label, const unsigned char *der, long der_len,
    char *dst, size_t cap)
{
	BIO *b = BIO_new(BIO_s_secmem());
	int rc = -1;

	if (b != NULL && PEM_write_bio(b, label, "", der, der_len) > 0)
		rc = bio_copy(b, dst, cap);
	BIO_free(b);
	return rc;
}

/* ---- reading ---- */

static int
verr(struct err *e, const char *path, const char *what)
{
	return err_set(e, ERR_VALIDATION_FAILED, "%s: %s", path, what);
}

static int
store_secret(struct parse *ps, enum slot_id i, const char *v, size_t len,
    struct err *e)
{
	char std[SECRET_B64_LEN];
	uint8_t raw[SECRET_BYTES];
	bool url = false, plain = false;
	size_t j, n = 0;
	int rc = -1;

	if (len != SECRET_B64_LEN) {
		verr(e, slots[i].path, "not the base64 of 32 bytes");
		goto out;
	}
	/* talosctl < 1.14 wrote cluster.id in base64url; Talos never decodes */
	for (j = 0; j < len; j++) {
		std[j] = v[j];
		if (v[j] == '+' || v[j] == '/')
			plain = true;
		if (slots[i].kind == KIND_ID && (v[j] == '-' || v[j] == '_')) {
			url = true;
			std[j] = v[j] == '-' ? '+' : '/';
		}
	}
	if ((url && plain) ||
	    b64_decode(std, len, raw, sizeof(raw), &n) == -1 ||
	    n != SECRET_BYTES) {
		verr(e, slots[i].path, "not the base64 of 32 bytes");
		goto out;
	}
	memcpy(slot_dst(ps, i), v, len);
	slot_dst(ps, i)[len] = '\0';
	rc = 0;
out:
	OPENSSL_cleanse(std, sizeof(std));
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

static bool
token_valid(const char *v, size_t len)
{
	size_t j;

	if (len != TOKEN_LEN || v[TOKEN_ID_LEN] != '.')
		return false;
	for (j = 0; j < len; j++) {
		if (j == TOKEN_ID_LEN)
			continue;
		if (!((v[j] >= 'a' && v[j] <= 'z') ||
		    (v[j] >= '0' && v[j] <= '9')))
			return false;
	}
	return true;
}

static int
store_token(struct parse *ps, enum slot_id i, const char *v, size_t len,
    struct err *e)
{
	if (!token_valid(v, len))
		return verr(e, slots[i].path,
		    "not a token of the form [a-z0-9]{6}.[a-z0-9]{16}");
	memcpy(slot_dst(ps, i), v, len);
	slot_dst(ps, i)[len] = '\0';
	return 0;
}

/* The certificate of a crt slot, checked and kept for its key. */
static int
check_crt(struct parse *ps, enum slot_id i, const char *label,
    const unsigned char *der, long der_len, struct err *e)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int rc = -1;

	if (strcmp(label, "CERTIFICATE") != 0) {
		char echo[LABEL_ECHO_BYTES + 1];

		err_echo(echo, sizeof(echo), label, strlen(label));
		err_set(e, ERR_VALIDATION_FAILED,
		    "%s: PEM type \"%s\", expected \"CERTIFICATE\"",
		    slots[i].path, echo);
		goto out;
	}
	x = d2i_X509(NULL, &p, der_len);
	if (x == NULL || p != der + der_len) {
		verr(e, slots[i].path, "not a DER X.509 certificate");
		goto out;
	}
	if (slots[i].kind == KIND_CA_CRT && !cert_is_ca(x)) {
		verr(e, slots[i].path, "not a CA certificate (basicConstraints "
		    "CA:TRUE with keyCertSign)");
		goto out;
	}
	/* a self-issued certificate (a Talos CA) must verify with its key */
	if (X509_check_issued(x, x) == X509_V_OK &&
	    X509_verify(x, X509_get0_pubkey(x)) != 1) {
		verr(e, slots[i].path, "its self-signature does not verify");
		goto out;
	}
	ps->crt[slots[i].pair] = x;
	x = NULL;
	rc = 0;
out:
	X509_free(x);
	return rc;
}

/* The private key of a key slot, checked and kept for its certificate. */
static int
check_key(struct parse *ps, enum slot_id i, const char *label,
    const unsigned char *der, long der_len, struct err *e)
{
	const char *structure, *type, *problem;
	EVP_PKEY *k = NULL;
	int rc = -1;

	if (!key_format(label, &structure, &type)) {
		char echo[LABEL_ECHO_BYTES + 1];

		err_echo(echo, sizeof(echo), label, strlen(label));
		err_set(e, ERR_VALIDATION_FAILED,
		    "%s: PEM type \"%s\" is not a private key we read",
		    slots[i].path, echo);
		goto out;
	}
	k = key_decode(label, der, (size_t)der_len);
	if (k == NULL) {
		err_set(e, ERR_VALIDATION_FAILED, "%s: not a valid \"%s\"",
		    slots[i].path, label);
		goto out;
	}
	problem = key_type_problem(slots[i].kind, k);
	if (problem != NULL) {
		verr(e, slots[i].path, problem);
		goto out;
	}
	if (slots[i].pair != P_NONE) {
		ps->key[slots[i].pair] = k;
		k = NULL;
	}
	rc = 0;
out:
	EVP_PKEY_free(k);
	return rc;
}

static int
store_pem(struct parse *ps, enum slot_id i, const char *v, size_t len,
    struct err *e)
{
	uint8_t *text = NULL;
	size_t text_cap = 0, n = 0;
	char *label = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	const char *why;
	int rc = -1;

	if (len == 0) {
		verr(e, slots[i].path, "empty");
		goto out;
	}
	if (len > PEM_B64_MAX) {
		err_set(e, ERR_VALIDATION_FAILED, "%s: longer than %zu bytes",
		    slots[i].path, (size_t)PEM_B64_MAX);
		goto out;
	}
	text_cap = B64_DECODED_MAX(len);
	text = malloc(text_cap);
	if (text == NULL)
		abort();	/* bounded by PEM_B64_MAX */
	if (b64_decode(v, len, text, text_cap, &n) == -1) {
		verr(e, slots[i].path, "not base64");
		goto out;
	}
	if (pem_split((const char *)text, n, &label, &der, &der_len,
	    &why) == -1) {
		verr(e, slots[i].path, why);
		goto out;
	}
	if (slots[i].kind == KIND_CA_CRT || slots[i].kind == KIND_CRT) {
		if (check_crt(ps, i, label, der, der_len, e) == -1)
			goto out;
	} else if (check_key(ps, i, label, der, der_len, e) == -1) {
		goto out;
	}
	if (pem_write(label, der, der_len, slot_dst(ps, i),
	    slots[i].cap) == -1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "%s: longer than %d bytes as PEM", slots[i].path,
		    TALOS_PEM_MAX - 1);
		goto out;
	}
	rc = 0;
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, text_cap);
		free(text);
	}
	OPENSSL_free(label);
	OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
	return rc;
}

static int
store(struct parse *ps, enum slot_id i, struct err *e)
{
	const char *v = (const char *)ps->ev.data.scalar.value;
	size_t len = ps->ev.data.scalar.length;

	switch (slots[i].kind) {
	case KIND_SECRET:
	case KIND_ID:
		return store_secret(ps, i, v, len, e);
	case KIND_TOKEN:
		return store_token(ps, i, v, len, e);
	default:
		return store_pem(ps, i, v, len, e);
	}
}

/* Release the current event, wiping the scalar it carries. */
static void
drop_event(struct parse *ps)
{
	if (!ps->have)
		return;
	if (ps->ev.type == YAML_SCALAR_EVENT &&
	    ps->ev.data.scalar.value != NULL)
		OPENSSL_cleanse(ps->ev.data.scalar.value,
		    ps->ev.data.scalar.length);
	yaml_event_delete(&ps->ev);
	ps->have = false;
}

/* Advance to the next event: no aliases, anchors or tags. */
static int
next(struct parse *ps, struct err *e)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	drop_event(ps);
	if (!yaml_parser_parse(&ps->p, &ps->ev))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "secrets.yaml: not yaml (line %zu: %s)",
		    ps->p.problem_mark.line + 1,
		    ps->p.problem != NULL ? ps->p.problem : "error");
	ps->have = true;
	switch (ps->ev.type) {
	case YAML_ALIAS_EVENT:
		return err_set(e, ERR_VALIDATION_FAILED,
		    "secrets.yaml: aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = ps->ev.data.scalar.anchor;
		tag = ps->ev.data.scalar.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ps->ev.data.mapping_start.anchor;
		tag = ps->ev.data.mapping_start.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ps->ev.data.sequence_start.anchor;
		tag = ps->ev.data.sequence_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "secrets.yaml: anchors are not allowed");
	if (tag != NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "secrets.yaml: tags are not allowed");
	return 0;
}

static enum slot_id
slot_find(enum slot_id parent, const char *k, size_t len)
{
	int i;

	for (i = 0; i < S__COUNT; i++) {
		if (slots[i].parent == parent &&
		    strlen(slots[i].name) == len &&
		    memcmp(slots[i].name, k, len) == 0)
			return (enum slot_id)i;
	}
	return S__COUNT;
}

/* The entries of the mapping whose start event was just read. */
static int
read_map(struct parse *ps, enum slot_id parent, struct err *e)
{
	const char *where = parent == S_TOP ? "secrets.yaml" :
	    slots[parent].path;
	char echo[LIMIT_DETAIL_ECHO_BYTES + 1];
	enum slot_id i;

	for (;;) {
		if (next(ps, e) == -1)
			return -1;
		if (ps->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (ps->ev.type != YAML_SCALAR_EVENT)
			return verr(e, where, "expected a key");
		i = slot_find(parent, (const char *)ps->ev.data.scalar.value,
		    ps->ev.data.scalar.length);
		if (i == S__COUNT) {
			err_echo(echo, sizeof(echo),
			    (const char *)ps->ev.data.scalar.value,
			    ps->ev.data.scalar.length);
			if (parent == S_TOP)
				return err_set(e, ERR_VALIDATION_FAILED,
				    "%s: unknown key", echo);
			return err_set(e, ERR_VALIDATION_FAILED,
			    "%s.%s: unknown key", where, echo);
		}
		if (ps->seen[i])
			return verr(e, slots[i].path, "duplicate key");
		ps->seen[i] = true;
		if (next(ps, e) == -1)
			return -1;
		if (slots[i].kind == KIND_MAP) {
			if (ps->ev.type != YAML_MAPPING_START_EVENT)
				return verr(e, slots[i].path,
				    "expected a mapping");
			if (read_map(ps, i, e) == -1)
				return -1;
		} else {
			if (ps->ev.type != YAML_SCALAR_EVENT)
				return verr(e, slots[i].path,
				    "expected a string");
			if (store(ps, i, e) == -1)
				return -1;
		}
	}
}

/* One document holding one mapping, and nothing after it. */
static int
read_document(struct parse *ps, struct err *e)
{
	if (next(ps, e) == -1 || next(ps, e) == -1)	/* stream start */
		return -1;
	if (ps->ev.type != YAML_DOCUMENT_START_EVENT)
		return verr(e, "secrets.yaml", "empty");
	if (next(ps, e) == -1)
		return -1;
	if (ps->ev.type != YAML_MAPPING_START_EVENT)
		return verr(e, "secrets.yaml", "expected a mapping");
	if (read_map(ps, S_TOP, e) == -1 || next(ps, e) == -1)
		return -1;
	if (next(ps, e) == -1)
		return -1;
	if (ps->ev.type != YAML_STREAM_END_EVENT)
		return verr(e, "secrets.yaml", "more than one document");
	return 0;
}

/* The certificate or the key slot of a pair. */
static enum slot_id
pair_slot(enum pair p, bool crt)
{
	int i;

	for (i = 0; i < S__COUNT; i++) {
		if (slots[i].pair == p && (slots[i].kind == KIND_CA_CRT ||
		    slots[i].kind == KIND_CRT) == crt)
			break;
	}
	return (enum slot_id)i;
}

/* Every required key of every mapping that is present; the pairs match. */
static int
check_bundle(struct parse *ps, struct err *e)
{
	const struct talos_secrets *s = &ps->out->s;
	enum pair p;
	int i;

	for (i = 0; i < S__COUNT; i++) {
		if (!ps->seen[i] && !slots[i].optional &&
		    (slots[i].parent == S_TOP || ps->seen[slots[i].parent]))
			return verr(e, slots[i].path, "missing");
	}
	if (s->secretbox_secret[0] == '\0' && s->aescbc_secret[0] == '\0')
		return verr(e, slots[S_SECRETBOX].path, "missing");
	if (s->secretbox_secret[0] != '\0' && s->aescbc_secret[0] != '\0')
		return verr(e, slots[S_AESCBC].path, "not allowed together "
		    "with secretboxencryptionsecret (talosctl's rule)");
	for (p = 0; p < P__COUNT; p++) {
		if (ps->crt[p] == NULL || ps->key[p] == NULL ||
		    X509_check_private_key(ps->crt[p], ps->key[p]) == 1)
			continue;
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s: does not match %s", slots[pair_slot(p, false)].path,
		    slots[pair_slot(p, true)].path);
	}
	return 0;
}

/* Wipe what the parser copied of the input. */
static void
parser_wipe(yaml_parser_t *p)
{
	if (p->raw_buffer.start != NULL)
		OPENSSL_cleanse(p->raw_buffer.start,
		    (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start != NULL)
		OPENSSL_cleanse(p->buffer.start,
		    (size_t)(p->buffer.end - p->buffer.start));
}

int
talos_secrets_parse(const char *yaml, size_t len, struct talos_secrets *out,
    struct err *e)
{
	struct parse ps;
	bool parser_ok = false;
	int i, rc = -1;

	memset(&ps, 0, sizeof(ps));
	ERR_set_mark();
	if (len > LIMIT_BODY_BYTES) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "secrets.yaml: longer than %d bytes", LIMIT_BODY_BYTES);
		goto out;
	}
	ps.out = calloc(1, sizeof(*ps.out));
	if (ps.out == NULL)
		abort();
	if (!yaml_parser_initialize(&ps.p)) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_encoding(&ps.p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)yaml, len);
	if (read_document(&ps, e) == -1 || check_bundle(&ps, e) == -1)
		goto out;
	memcpy(out, &ps.out->s, sizeof(*out));
	rc = 0;
out:
	drop_event(&ps);
	if (parser_ok) {
		parser_wipe(&ps.p);
		yaml_parser_delete(&ps.p);
	}
	for (i = 0; i < P__COUNT; i++) {
		X509_free(ps.crt[i]);
		EVP_PKEY_free(ps.key[i]);
	}
	if (ps.out != NULL) {
		OPENSSL_cleanse(ps.out, sizeof(*ps.out));
		free(ps.out);
	}
	ERR_pop_to_mark();
	return rc;
}

EVP_PKEY *
talos_secrets_key_load(const char *pem)
{
	char *label = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	const char *why;
	EVP_PKEY *k = NULL;

	ERR_set_mark();
	if (pem != NULL &&
	    pem_split(pem, strnlen(pem, TALOS_PEM_MAX), &label, &der, &der_len,
	    &why) == 0)
		k = key_decode(label, der, (size_t)der_len);
	OPENSSL_free(label);
	OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
	ERR_pop_to_mark();
	return k;
}

/* ---- generating ---- */

/* n characters of [0-9a-z], uniformly: bytes >= 252 (7 * 36) are redrawn. */
static int
rand_alnum(char *out, size_t n)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char r[32];
	size_t i = 0, j = sizeof(r);
	int rc = -1;

	while (i < n) {
		if (j == sizeof(r)) {
			if (RAND_bytes(r, sizeof(r)) != 1)
				goto out;
			j = 0;
		}
		if (r[j] < 252)
			out[i++] = alphabet[r[j] % 36];
		j++;
	}
	rc = 0;
out:
	OPENSSL_cleanse(r, sizeof(r));
	return rc;
}

static int
make_token(char out[TALOS_TOKEN_MAX])
{
	if (rand_alnum(out, TOKEN_ID_LEN) == -1 ||
	    rand_alnum(out + TOKEN_ID_LEN + 1, TOKEN_SECRET_LEN) == -1)
		return -1;
	out[TOKEN_ID_LEN] = '.';
	out[TOKEN_LEN] = '\0';
	return 0;
}

static int
make_secret(char out[TALOS_B64_32])
{
	uint8_t raw[SECRET_BYTES];
	int rc = -1;

	if (RAND_bytes(raw, sizeof(raw)) == 1 &&
	    b64_encode(raw, sizeof(raw), out, TALOS_B64_32) == 0)
		rc = 0;
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/* Talos' CA subjects (ca.go): O=talos, O=etcd, O=kubernetes, CN=front-proxy. */
struct ca_spec {
	const char *keytype;	/* "ED25519" or "EC" (P-256) */
	const char *attr;	/* "O" or "CN" */
	const char *value;
};

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int rc;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		return -1;
	rc = X509_add_ext(x, ex, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ex);
	return rc;
}

/* A self-signed CA certificate for key, shaped like siderolabs/crypto's. */
static X509 *
make_ca_cert(const struct ca_spec *spec, const char *ou, EVP_PKEY *key)
{
	uint8_t serial[CA_SERIAL_BYTES];
	BIGNUM *bn = NULL;
	X509_NAME *name;
	X509 *x = NULL;
	bool ok = false;

	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	/* positive, and always 16 octets long */
	serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x40);
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	x = X509_new();
	if (bn == NULL || x == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, spec->attr, MBSTRING_UTF8,
	    (const unsigned char *)spec->value, -1, -1, 0) != 1 ||
	    (ou != NULL && X509_NAME_add_entry_by_txt(name, "OU",
	    MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0) != 1) ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -CA_BACKDATE_S,
	    NULL) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CA_VALIDITY_DAYS, 0,
	    NULL) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto out;
	/* Talos' CA extensions, plus cRLSign and the key identifiers */
	if (add_ext(x, NID_basic_constraints, "critical,CA:TRUE") == -1 ||
	    add_ext(x, NID_key_usage,
	    "critical,digitalSignature,keyCertSign,cRLSign") == -1 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth") == -1 ||
	    add_ext(x, NID_subject_key_identifier, "hash") == -1 ||
	    add_ext(x, NID_authority_key_identifier, "keyid:always") == -1)
		goto out;
	/* Ed25519 signs the message itself; ECDSA P-256 with SHA-256 */
	if (X509_sign(x, key, EVP_PKEY_is_a(key, "ED25519") ? NULL :
	    EVP_sha256()) <= 0)
		goto out;
	ok = true;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* The key in Talos' form: "ED25519 PRIVATE KEY" (PKCS#8), else SEC1/PKCS#1. */
static int
key_pem(EVP_PKEY *key, char *dst, size_t cap)
{
	BIO *b = BIO_new(BIO_s_secmem());
	OSSL_ENCODER_CTX *ec = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *der = NULL;
	int n = 0, rc = -1;

	if (b == NULL)
		goto out;
	if (EVP_PKEY_is_a(key, "ED25519")) {
		/* PEM_write_bio_PrivateKey would say "PRIVATE KEY" */
		p8 = EVP_PKEY2PKCS8(key);
		if (p8 == NULL)
			goto out;
		n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
		if (n <= 0 || PEM_write_bio(b, "ED25519 PRIVATE KEY", "", der,
		    n) <= 0)
			goto out;
	} else {
		/* "type-specific": SEC1 "EC PRIVATE KEY", PKCS#1 "RSA ..." */
		ec = OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "PEM",
		    "type-specific", NULL);
		if (ec == NULL || OSSL_ENCODER_CTX_get_num_encoders(ec) == 0 ||
		    OSSL_ENCODER_to_bio(ec, b) != 1)
			goto out;
	}
	rc = bio_copy(b, dst, cap);
out:
	OPENSSL_clear_free(der, n > 0 ? (size_t)n : 0);
	PKCS8_PRIV_KEY_INFO_free(p8);
	OSSL_ENCODER_CTX_free(ec);
	BIO_free(b);
	return rc;
}

static int
make_ca(const struct ca_spec *spec, const char *ou, struct talos_keypair *kp)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	BIO *b = NULL;
	int rc = -1;

	if (strcmp(spec->keytype, "ED25519") == 0)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key == NULL)
		goto out;
	x = make_ca_cert(spec, ou, key);
	b = BIO_new(BIO_s_mem());
	if (x == NULL || b == NULL || PEM_write_bio_X509(b, x) != 1 ||
	    bio_copy(b, kp->crt, sizeof(kp->crt)) == -1 ||
	    key_pem(key, kp->key, sizeof(kp->key)) == -1)
		goto out;
	rc = 0;
out:
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int
make_sa_key(struct talos_keypair *kp)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)SA_RSA_BITS);
	int rc = -1;

	if (key != NULL && key_pem(key, kp->key, sizeof(kp->key)) == 0)
		rc = 0;
	EVP_PKEY_free(key);
	return rc;
}

static bool
cluster_name_valid(const char *name)
{
	size_t i, n = strnlen(name, OU_MAX_BYTES + 1);

	if (n > OU_MAX_BYTES)
		return false;
	for (i = 0; i < n; i++) {
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	}
	return true;
}

int
talos_secrets_generate(const char *cluster_name, struct talos_secrets *out,
    struct err *e)
{
	static const struct ca_spec os = { "ED25519", "O", "talos" };
	static const struct ca_spec etcd = { "EC", "O", "etcd" };
	static const struct ca_spec k8s = { "EC", "O", "kubernetes" };
	static const struct ca_spec agg = { "EC", "CN", "front-proxy" };
	struct talos_secrets *s = NULL;
	const char *ou = NULL;
	int rc = -1;

	if (cluster_name != NULL && cluster_name[0] != '\0') {
		if (!cluster_name_valid(cluster_name)) {
			err_set(e, ERR_VALIDATION_FAILED,
			    "cluster_name: at most %d printable ascii bytes "
			    "for the CA subjects", OU_MAX_BYTES);
			goto out;
		}
		ou = cluster_name;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		abort();
	if (make_secret(s->cluster_id) == -1 ||
	    make_secret(s->cluster_secret) == -1 ||
	    make_token(s->bootstrap_token) == -1 ||
	    make_secret(s->secretbox_secret) == -1 ||
	    make_token(s->trustd_token) == -1 ||
	    make_ca(&etcd, ou, &s->etcd) == -1 ||
	    make_ca(&k8s, ou, &s->k8s) == -1 ||
	    make_ca(&agg, ou, &s->k8s_aggregator) == -1 ||
	    make_sa_key(&s->k8s_serviceaccount) == -1 ||
	    make_ca(&os, ou, &s->os) == -1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	memcpy(out, s, sizeof(*out));
	rc = 0;
out:
	if (s != NULL) {
		OPENSSL_cleanse(s, sizeof(*s));
		free(s);
	}
	return rc;
}

void
talos_secrets_cleanse(struct talos_secrets *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
}

/* ---- writing ---- */

/* The emitter writes into one buffer of LIMIT_BODY_BYTES: no realloc copies. */
struct sink {
	char *p;
	size_t len;
	bool full;
};

static int
sink_write(void *data, unsigned char *p, size_t len)
{
	struct sink *k = data;

	if (len > LIMIT_BODY_BYTES - k->len) {
		k->full = true;
		return 0;
	}
	memcpy(k->p + k->len, p, len);
	k->len += len;
	return 1;
}

static int
emit(yaml_emitter_t *em, int initialized, yaml_event_t *ev)
{
	if (!initialized)
		return -1;
	return yaml_emitter_emit(em, ev) ? 0 : -1;
}

static int
emit_map_start(yaml_emitter_t *em)
{
	yaml_event_t ev;

	return emit(em, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE), &ev);
}

static int
emit_map_end(yaml_emitter_t *em)
{
	yaml_event_t ev;

	return emit(em, yaml_mapping_end_event_initialize(&ev), &ev);
}

/* A token of digits, dots and 'e' would read back as a number: quote it. */
static yaml_scalar_style_t
scalar_style(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++) {
		if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '.' ||
		    v[i] == 'e'))
			return YAML_ANY_SCALAR_STYLE;
	}
	return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
}

static int
emit_scalar(yaml_emitter_t *em, const char *v)
{
	yaml_event_t ev;

	return emit(em, yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)v, (int)strlen(v), 1, 1,
	    scalar_style(v)), &ev);
}

static int
emit_pair(yaml_emitter_t *em, const char *k, const char *v)
{
	if (emit_scalar(em, k) == -1 || emit_scalar(em, v) == -1)
		return -1;
	return 0;
}

/* key: base64 of the PEM text. */
static int
emit_pem(yaml_emitter_t *em, const char *k, const char *pem)
{
	char b[PEM_B64_MAX + 1];
	size_t n = strlen(pem);
	int rc = -1;

	if (b64_encode((const uint8_t *)pem, n, b, sizeof(b)) == 0 &&
	    emit_pair(em, k, b) == 0)
		rc = 0;
	OPENSSL_cleanse(b, sizeof(b));
	return rc;
}

static int
emit_keypair(yaml_emitter_t *em, const char *k, const struct talos_keypair *kp)
{
	if (emit_scalar(em, k) == -1 || emit_map_start(em) == -1 ||
	    (kp->crt[0] != '\0' && emit_pem(em, "crt", kp->crt) == -1) ||
	    emit_pem(em, "key", kp->key) == -1 || emit_map_end(em) == -1)
		return -1;
	return 0;
}

static int
emit_bundle(yaml_emitter_t *em, const struct talos_secrets *s)
{
	yaml_event_t ev;

	if (emit(em, yaml_stream_start_event_initialize(&ev,
	    YAML_UTF8_ENCODING), &ev) == -1 ||
	    emit(em, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL,
	    1), &ev) == -1 ||
	    emit_map_start(em) == -1)
		return -1;
	if (emit_scalar(em, "cluster") == -1 || emit_map_start(em) == -1 ||
	    emit_pair(em, "id", s->cluster_id) == -1 ||
	    emit_pair(em, "secret", s->cluster_secret) == -1 ||
	    emit_map_end(em) == -1)
		return -1;
	if (emit_scalar(em, "secrets") == -1 || emit_map_start(em) == -1 ||
	    emit_pair(em, "bootstraptoken", s->bootstrap_token) == -1 ||
	    (s->aescbc_secret[0] != '\0' && emit_pair(em,
	    "aescbcencryptionsecret", s->aescbc_secret) == -1) ||
	    (s->secretbox_secret[0] != '\0' && emit_pair(em,
	    "secretboxencryptionsecret", s->secretbox_secret) == -1) ||
	    emit_map_end(em) == -1)
		return -1;
	if (emit_scalar(em, "trustdinfo") == -1 || emit_map_start(em) == -1 ||
	    emit_pair(em, "token", s->trustd_token) == -1 ||
	    emit_map_end(em) == -1)
		return -1;
	if (emit_scalar(em, "certs") == -1 || emit_map_start(em) == -1 ||
	    emit_keypair(em, "etcd", &s->etcd) == -1 ||
	    emit_keypair(em, "k8s", &s->k8s) == -1 ||
	    emit_keypair(em, "k8saggregator", &s->k8s_aggregator) == -1 ||
	    emit_keypair(em, "k8sserviceaccount",
	    &s->k8s_serviceaccount) == -1 ||
	    emit_keypair(em, "os", &s->os) == -1 || emit_map_end(em) == -1)
		return -1;
	if (emit_map_end(em) == -1 ||
	    emit(em, yaml_document_end_event_initialize(&ev, 1), &ev) == -1 ||
	    emit(em, yaml_stream_end_event_initialize(&ev), &ev) == -1)
		return -1;
	return 0;
}

/* Each string is terminated within its field, the required ones are set. */
static bool
bundle_complete(const struct talos_secrets *s)
{
	const struct talos_keypair *pairs[] = { &s->etcd, &s->k8s,
	    &s->k8s_aggregator, &s->os };
	size_t i;

#define SET(f)	(memchr((f), '\0', sizeof(f)) != NULL && (f)[0] != '\0')
#define TERM(f)	(memchr((f), '\0', sizeof(f)) != NULL)
	if (!SET(s->cluster_id) || !SET(s->cluster_secret) ||
	    !SET(s->bootstrap_token) || !SET(s->trustd_token) ||
	    !TERM(s->secretbox_secret) || !TERM(s->aescbc_secret) ||
	    (s->secretbox_secret[0] == '\0') == (s->aescbc_secret[0] == '\0') ||
	    !SET(s->k8s_serviceaccount.key) ||
	    !TERM(s->k8s_serviceaccount.crt))
		return false;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!SET(pairs[i]->crt) || !SET(pairs[i]->key))
			return false;
	}
	return true;
#undef SET
#undef TERM
}

char *
talos_secrets_emit(const struct talos_secrets *s, struct err *e)
{
	yaml_emitter_t em;
	struct sink k = { NULL, 0, false };
	bool emitter_ok = false;
	char *res = NULL;

	if (!bundle_complete(s)) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	k.p = malloc(LIMIT_BODY_BYTES + 1);
	if (k.p == NULL)
		abort();
	if (!yaml_emitter_initialize(&em)) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	emitter_ok = true;
	yaml_emitter_set_output(&em, sink_write, &k);
	yaml_emitter_set_indent(&em, 4);	/* as talosctl (go-yaml) */
	yaml_emitter_set_width(&em, -1);	/* one line per value */
	if (emit_bundle(&em, s) == -1 || !yaml_emitter_flush(&em)) {
		if (k.full)
			err_set(e, ERR_VALIDATION_FAILED,
			    "secrets.yaml: longer than %d bytes",
			    LIMIT_BODY_BYTES);
		else
			err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	k.p[k.len] = '\0';
	res = k.p;
	k.p = NULL;
out:
	if (emitter_ok)
		yaml_emitter_delete(&em);
	if (k.p != NULL) {
		OPENSSL_cleanse(k.p, LIMIT_BODY_BYTES + 1);
		free(k.p);
	}
	return res;
}
