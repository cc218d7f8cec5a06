/*
 * ek_chain.c - EK certificate chains (API spec §1, ITL_EK_TRUST=chain): a
 * trust set of CA certificates, built once, and the check that an EK
 * certificate chains through it to a self-signed root. The rules are in
 * ek_chain.h.
 *
 * Certificates are walked with a bounded DER reader of our own, so that a
 * signature is checked over the exact tbsCertificate bytes that were signed
 * and the vendor quirks that OpenSSL's X.509 decoder refuses do not matter;
 * OpenSSL only decodes CA public keys and checks signatures. Issuer links
 * between the members of a set are found when the set is built, so that a
 * verification costs one signature check per candidate issuer of the EK
 * certificate and a walk over those links.
 *
 * It does not check revocation (TPM vendors publish no usable CRLs for EK
 * certificates), name constraints or certificate policies (a CA that makes
 * them critical is refused), the EK certificate's dates, key usage or EKU,
 * nor whether the EK key is an EK key (ek_parse does). Pure: no I/O, clock,
 * environment or globals. Memory exhaustion aborts (STYLE §6.4): the sizes
 * are bounded first.
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/limits.h"
#include "verify/ek_chain.h"

/* DER lengths reach d2i_PUBKEY as a long. */
_Static_assert(LIMIT_EK_CA_DER_BYTES <= INT32_MAX, "lengths fit a long");
_Static_assert(LIMIT_EK_DER_BYTES <= INT32_MAX, "lengths fit a long");
/* A path is kept in an array on the stack. */
_Static_assert(LIMIT_EK_CHAIN_CAS >= 1 && LIMIT_EK_CHAIN_CAS <= 64,
    "a small path array");
_Static_assert(LIMIT_EK_CHAIN_SKEW_S >= 0, "a non-negative tolerance");

/* X.690 identifier octets (RFC 5280 §4.1). */
#define DER_BOOLEAN		0x01
#define DER_INTEGER		0x02
#define DER_BIT_STRING		0x03
#define DER_OCTET_STRING	0x04
#define DER_NULL		0x05
#define DER_OID			0x06
#define DER_UTC_TIME		0x17
#define DER_GENERALIZED_TIME	0x18
#define DER_SEQUENCE		0x30
#define DER_SET			0x31
#define DER_HIGH_TAG		0x1f
#define DER_CTX_0		0xa0	/* [0] EXPLICIT, constructed */
#define DER_CTX_1		0xa1
#define DER_CTX_2		0xa2
#define DER_CTX_3		0xa3
#define DER_CTX_PRIM_0		0x80	/* [0] IMPLICIT, primitive */
#define DER_CTX_PRIM_1		0x81
#define DER_CTX_PRIM_2		0x82

#define X509_V3			2	/* Version v3 (RFC 5280 §4.1.2.1) */
#define KU_KEY_CERT_SIGN	0x04	/* bit 5, first octet (§4.2.1.3) */
#define PSS_TRAILER_BC		1	/* RFC 4055 §3.1: trailerField 1 */
#define CA_RSA_MIN_BITS		2048
#define CA_EC_MIN_BITS		256
#define NO_CN			"(no common name)"

/* One TLV inside a bounded buffer. */
struct tlv {
	uint8_t tag;
	const uint8_t *tlv;	/* first identifier octet */
	size_t tlv_len;		/* header and contents */
	const uint8_t *val;	/* contents */
	size_t val_len;
};

/* A read position in b[0..len). */
struct rd {
	const uint8_t *b;
	size_t len;
	size_t off;
};

enum hash { HASH_SHA1, HASH_SHA256, HASH_SHA384, HASH_SHA512 };
enum sig_kind { SIG_RSA_PKCS1, SIG_RSA_PSS, SIG_ECDSA };

struct sigalg {
	enum sig_kind kind;
	enum hash md;
	enum hash mgf1;		/* RSA-PSS only */
	uint64_t salt;		/* RSA-PSS only */
};

/* What the walker reads from a certificate; pointers into its DER. */
struct cert {
	struct tlv tbs;		/* the signed bytes */
	struct tlv sig_alg;	/* Certificate.signatureAlgorithm */
	const uint8_t *sig;	/* signatureValue minus its unused-bits octet */
	size_t sig_len;
	struct tlv issuer;
	struct tlv validity;
	struct tlv subject;
	struct tlv spki;
	uint64_t version;	/* 0 = v1 ... 2 = v3 */
	const uint8_t *ski;	/* subjectKeyIdentifier, or NULL */
	size_t ski_len;
	const uint8_t *aki;	/* AKI keyIdentifier, or NULL */
	size_t aki_len;
	bool ca;		/* basicConstraints cA TRUE */
	bool has_path_len;
	uint64_t path_len;
	bool has_ku;
	bool ku_cert_sign;
	bool bad_critical;	/* a critical extension a CA may not carry */
};

struct ek_anchor {
	uint8_t *der;
	size_t der_len;
	struct cert c;		/* points into der */
	struct sigalg alg;	/* of c's own signature */
	EVP_PKEY *key;
	int64_t not_before;
	int64_t not_after;
	bool root;		/* self-signed */
	bool self_issued;	/* subject == issuer */
	size_t *up;		/* members whose key verified c's signature */
	size_t n_up;
	size_t up_cap;
	char cn[LIMIT_DETAIL_ECHO_BYTES + 1];	/* for details */
};

/* Why the most promising path failed, ranked: a higher one wins. */
enum why {
	WHY_NONE,
	WHY_NO_ISSUER,
	WHY_BAD_SIG,
	WHY_NO_ROOT,
	WHY_LOOP,
	WHY_TOO_LONG,
	WHY_STEPS,
	WHY_NOT_YET_VALID,
	WHY_EXPIRED,
	WHY_PATH_LEN,
};

struct walk {
	const struct ek_anchor_set *s;
	int64_t now;
	size_t steps;
	size_t path[LIMIT_EK_CHAIN_CAS];
	enum why why;
	size_t who;		/* the member the reason is about */
	uint64_t n_below;	/* WHY_PATH_LEN: intermediates below who */
};

/* OID contents (RFC 4055, RFC 5758, RFC 8017, RFC 5280 §4.2). */
static const uint8_t oid_sha1_rsa[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05,
};
static const uint8_t oid_sha256_rsa[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
};
static const uint8_t oid_sha384_rsa[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
};
static const uint8_t oid_sha512_rsa[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
};
static const uint8_t oid_rsa_pss[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
};
static const uint8_t oid_mgf1[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08,
};
static const uint8_t oid_ecdsa_sha1[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01,
};
static const uint8_t oid_ecdsa_sha256[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
};
static const uint8_t oid_ecdsa_sha384[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
};
static const uint8_t oid_ecdsa_sha512[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04,
};
static const uint8_t oid_sha1[] = { 0x2b, 0x0e, 0x03, 0x02, 0x1a };
static const uint8_t oid_sha256[] = {
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
};
static const uint8_t oid_sha384[] = {
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
};
static const uint8_t oid_sha512[] = {
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
};
static const uint8_t oid_common_name[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_basic_constraints[] = { 0x55, 0x1d, 0x13 };
static const uint8_t oid_key_usage[] = { 0x55, 0x1d, 0x0f };
static const uint8_t oid_ski[] = { 0x55, 0x1d, 0x0e };
static const uint8_t oid_aki[] = { 0x55, 0x1d, 0x23 };

/*
 * Critical extensions a CA of the set may carry: the ones above, and those
 * whose meaning does not restrict a path (RFC 5280 §4.2.1).
 */
static const uint8_t oid_subject_dir_attrs[] = { 0x55, 0x1d, 0x09 };
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };
static const uint8_t oid_ian[] = { 0x55, 0x1d, 0x12 };
static const uint8_t oid_crl_dp[] = { 0x55, 0x1d, 0x1f };
static const uint8_t oid_cert_policies[] = { 0x55, 0x1d, 0x20 };
static const uint8_t oid_eku[] = { 0x55, 0x1d, 0x25 };
static const uint8_t oid_aia[] = {
	0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01,
};

static const struct {
	const uint8_t *oid;
	size_t len;
} ca_critical_ok[] = {
	{ oid_basic_constraints, sizeof(oid_basic_constraints) },
	{ oid_key_usage, sizeof(oid_key_usage) },
	{ oid_ski, sizeof(oid_ski) },
	{ oid_aki, sizeof(oid_aki) },
	{ oid_subject_dir_attrs, sizeof(oid_subject_dir_attrs) },
	{ oid_san, sizeof(oid_san) },
	{ oid_ian, sizeof(oid_ian) },
	{ oid_crl_dp, sizeof(oid_crl_dp) },
	{ oid_cert_policies, sizeof(oid_cert_policies) },
	{ oid_eku, sizeof(oid_eku) },
	{ oid_aia, sizeof(oid_aia) },
};

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		abort();
	q = realloc(p, n * size > 0 ? n * size : 1);
	if (q == NULL)
		abort();
	return q;
}

static bool
oid_is(const struct tlv *t, const uint8_t *oid, size_t len)
{
	return t->tag == DER_OID && t->val_len == len &&
	    memcmp(t->val, oid, len) == 0;
}

static bool
tlv_equal(const struct tlv *a, const struct tlv *b)
{
	return a->tlv_len == b->tlv_len &&
	    memcmp(a->tlv, b->tlv, a->tlv_len) == 0;
}

static struct rd
rd_in(const struct tlv *t)
{
	struct rd r = { t->val, t->val_len, 0 };

	return r;
}

static bool
rd_done(const struct rd *r)
{
	return r->off == r->len;
}

/*
 * One TLV at r's position (X.690 §8.1): low tag numbers only, definite
 * lengths in short form or long form of 1 to 4 octets (non-minimal long
 * forms are tolerated, as some vendors write them), contents within the
 * buffer. The position moves only on success.
 */
static int
der_next(struct rd *r, struct tlv *t)
{
	size_t o = r->off, clen = 0, nlen, i;
	uint8_t tag, l;

	if (o > r->len || r->len - o < 2)
		return -1;
	tag = r->b[o];
	l = r->b[o + 1];
	o += 2;
	if ((tag & DER_HIGH_TAG) == DER_HIGH_TAG)
		return -1;
	if (l < 0x80) {
		clen = l;
	} else {
		nlen = l & 0x7fu;
		/* 0x80 is BER's indefinite length, not DER */
		if (nlen == 0 || nlen > 4 || r->len - o < nlen)
			return -1;
		for (i = 0; i < nlen; i++)
			clen = clen << 8 | r->b[o + i];
		o += nlen;
	}
	if (r->len - o < clen)
		return -1;
	t->tag = tag;
	t->tlv = r->b + r->off;
	t->tlv_len = o - r->off + clen;
	t->val = r->b + o;
	t->val_len = clen;
	r->off = o + clen;
	return 0;
}

/* The next TLV, which must have tag. */
static int
der_get(struct rd *r, uint8_t tag, struct tlv *t)
{
	struct rd save = *r;

	if (der_next(r, t) == -1 || t->tag != tag) {
		*r = save;
		return -1;
	}
	return 0;
}

/* Whether the next TLV has tag (an OPTIONAL or DEFAULT field). */
static bool
der_peek(const struct rd *r, uint8_t tag)
{
	return r->off < r->len && r->b[r->off] == tag;
}

/*
 * A non-negative INTEGER of at most 8 significant octets; leading 00 octets
 * beyond the one DER allows are tolerated (a vendor quirk).
 */
static int
der_uint(const struct tlv *t, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (t->tag != DER_INTEGER || t->val_len == 0 ||
	    (t->val[0] & 0x80) != 0)
		return -1;
	while (i < t->val_len && t->val[i] == 0)
		i++;
	if (t->val_len - i > 8)
		return -1;
	for (; i < t->val_len; i++)
		x = x << 8 | t->val[i];
	*v = x;
	return 0;
}

/* BOOLEAN (X.690 §8.2): one octet, any non-zero value is TRUE. */
static int
der_bool(const struct tlv *t, bool *v)
{
	if (t->tag != DER_BOOLEAN || t->val_len != 1)
		return -1;
	*v = t->val[0] != 0;
	return 0;
}

/* basicConstraints (RFC 5280 §4.2.1.9). */
static const char *
ext_basic_constraints(const struct tlv *v, struct cert *c)
{
	struct rd r = rd_in(v), s;
	struct tlv seq, t;

	if (der_get(&r, DER_SEQUENCE, &seq) == -1 || !rd_done(&r))
		return "basicConstraints is not a sequence "
		    "(RFC 5280 §4.2.1.9)";
	s = rd_in(&seq);
	if (der_peek(&s, DER_BOOLEAN) && (der_next(&s, &t) == -1 ||
	    der_bool(&t, &c->ca) == -1))
		return "basicConstraints cA is not a boolean "
		    "(RFC 5280 §4.2.1.9)";
	if (der_peek(&s, DER_INTEGER)) {
		if (der_next(&s, &t) == -1 || der_uint(&t, &c->path_len) == -1)
			return "basicConstraints pathLenConstraint is not a "
			    "small non-negative integer (RFC 5280 §4.2.1.9)";
		c->has_path_len = true;
	}
	if (!rd_done(&s))
		return "basicConstraints has unexpected fields "
		    "(RFC 5280 §4.2.1.9)";
	return NULL;
}

/* keyUsage (RFC 5280 §4.2.1.3): only keyCertSign matters here. */
static const char *
ext_key_usage(const struct tlv *v, struct cert *c)
{
	struct rd r = rd_in(v);
	struct tlv t;

	if (der_get(&r, DER_BIT_STRING, &t) == -1 || !rd_done(&r) ||
	    t.val_len == 0 || t.val[0] > 7)
		return "keyUsage is not a bit string (RFC 5280 §4.2.1.3)";
	c->has_ku = true;
	c->ku_cert_sign = t.val_len >= 2 && (t.val[1] & KU_KEY_CERT_SIGN) != 0;
	return NULL;
}

/* subjectKeyIdentifier (RFC 5280 §4.2.1.2). */
static const char *
ext_ski(const struct tlv *v, struct cert *c)
{
	struct rd r = rd_in(v);
	struct tlv t;

	if (der_get(&r, DER_OCTET_STRING, &t) == -1 || !rd_done(&r) ||
	    t.val_len == 0)
		return "subjectKeyIdentifier is not an octet string "
		    "(RFC 5280 §4.2.1.2)";
	c->ski = t.val;
	c->ski_len = t.val_len;
	return NULL;
}

/* authorityKeyIdentifier (RFC 5280 §4.2.1.1): its keyIdentifier. */
static const char *
ext_aki(const struct tlv *v, struct cert *c)
{
	struct rd r = rd_in(v), s;
	struct tlv seq, t;

	if (der_get(&r, DER_SEQUENCE, &seq) == -1 || !rd_done(&r))
		return "authorityKeyIdentifier is not a sequence "
		    "(RFC 5280 §4.2.1.1)";
	s = rd_in(&seq);
	if (der_peek(&s, DER_CTX_PRIM_0)) {
		if (der_next(&s, &t) == -1 || t.val_len == 0)
			return "authorityKeyIdentifier keyIdentifier is "
			    "malformed (RFC 5280 §4.2.1.1)";
		c->aki = t.val;
		c->aki_len = t.val_len;
	}
	if (der_peek(&s, DER_CTX_1) && der_next(&s, &t) == -1)
		return "authorityKeyIdentifier issuer is malformed "
		    "(RFC 5280 §4.2.1.1)";
	if (der_peek(&s, DER_CTX_PRIM_2) && der_next(&s, &t) == -1)
		return "authorityKeyIdentifier serial is malformed "
		    "(RFC 5280 §4.2.1.1)";
	if (!rd_done(&s))
		return "authorityKeyIdentifier has unexpected fields "
		    "(RFC 5280 §4.2.1.1)";
	return NULL;
}

static bool
ca_may_be_critical(const struct tlv *oid)
{
	size_t i;

	for (i = 0; i < sizeof(ca_critical_ok) / sizeof(ca_critical_ok[0]);
	    i++) {
		if (oid_is(oid, ca_critical_ok[i].oid, ca_critical_ok[i].len))
			return true;
	}
	return false;
}

/*
 * Extensions (RFC 5280 §4.1.2.9, §4.2): each a SEQUENCE { extnID,
 * critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. The four that
 * matter here must appear at most once.
 */
static const char *
cert_extensions(const struct tlv *a3, struct cert *c)
{
	struct rd r = rd_in(a3), x, f;
	struct tlv seq, ext, oid, t, val;
	unsigned seen = 0, bit;
	bool crit;
	const char *why;

	if (der_get(&r, DER_SEQUENCE, &seq) == -1 || !rd_done(&r))
		return "extensions are not a sequence (RFC 5280 §4.1)";
	x = rd_in(&seq);
	while (!rd_done(&x)) {
		crit = false;
		if (der_get(&x, DER_SEQUENCE, &ext) == -1)
			return "an extension is not a sequence "
			    "(RFC 5280 §4.1)";
		f = rd_in(&ext);
		if (der_get(&f, DER_OID, &oid) == -1 || oid.val_len == 0)
			return "an extension has no extnID (RFC 5280 §4.1)";
		if (der_peek(&f, DER_BOOLEAN) && (der_next(&f, &t) == -1 ||
		    der_bool(&t, &crit) == -1))
			return "an extension's critical flag is not a boolean "
			    "(RFC 5280 §4.1)";
		if (der_get(&f, DER_OCTET_STRING, &val) == -1 || !rd_done(&f))
			return "an extension's extnValue is not an octet "
			    "string (RFC 5280 §4.1)";
		why = NULL;
		bit = 0;
		if (oid_is(&oid, oid_basic_constraints,
		    sizeof(oid_basic_constraints))) {
			bit = 1;
			why = ext_basic_constraints(&val, c);
		} else if (oid_is(&oid, oid_key_usage,
		    sizeof(oid_key_usage))) {
			bit = 2;
			why = ext_key_usage(&val, c);
		} else if (oid_is(&oid, oid_ski, sizeof(oid_ski))) {
			bit = 4;
			why = ext_ski(&val, c);
		} else if (oid_is(&oid, oid_aki, sizeof(oid_aki))) {
			bit = 8;
			why = ext_aki(&val, c);
		} else if (crit && !ca_may_be_critical(&oid)) {
			c->bad_critical = true;
		}
		if (why != NULL)
			return why;
		if ((seen & bit) != 0)
			return "an extension appears twice (RFC 5280 §4.2)";
		seen |= bit;
	}
	return NULL;
}

/*
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue } and the tbsCertificate fields (RFC 5280 §4.1), exactly
 * filling der[0..len). The serial number may be any INTEGER encoding.
 * Returns NULL or why not.
 */
static const char *
cert_parse(const uint8_t *der, size_t len, struct cert *c)
{
	struct rd r = { der, len, 0 }, cr, tr, vr;
	struct tlv cert, sigv, t, alg;

	memset(c, 0, sizeof(*c));
	if (der_get(&r, DER_SEQUENCE, &cert) == -1)
		return "certificate is not a der sequence (X.690 §8.1)";
	if (!rd_done(&r))
		return "certificate has bytes after its sequence";
	cr = rd_in(&cert);
	if (der_get(&cr, DER_SEQUENCE, &c->tbs) == -1 ||
	    der_get(&cr, DER_SEQUENCE, &c->sig_alg) == -1 ||
	    der_get(&cr, DER_BIT_STRING, &sigv) == -1 || !rd_done(&cr))
		return "certificate is not tbsCertificate, signatureAlgorithm, "
		    "signatureValue (RFC 5280 §4.1)";
	if (sigv.val_len < 2 || sigv.val[0] != 0)
		return "signatureValue is empty or has unused bits "
		    "(RFC 5280 §4.1.1.3)";
	c->sig = sigv.val + 1;
	c->sig_len = sigv.val_len - 1;

	tr = rd_in(&c->tbs);
	if (der_peek(&tr, DER_CTX_0)) {
		if (der_next(&tr, &t) == -1)
			return "version is malformed (RFC 5280 §4.1.2.1)";
		vr = rd_in(&t);
		if (der_get(&vr, DER_INTEGER, &t) == -1 || !rd_done(&vr) ||
		    der_uint(&t, &c->version) == -1 || c->version > X509_V3)
			return "version is not 1, 2 or 3 (RFC 5280 §4.1.2.1)";
	}
	if (der_get(&tr, DER_INTEGER, &t) == -1 || t.val_len == 0)
		return "serialNumber is not an integer (RFC 5280 §4.1.2.2)";
	if (der_get(&tr, DER_SEQUENCE, &alg) == -1)
		return "signature field is not an algorithm identifier "
		    "(RFC 5280 §4.1.2.3)";
	if (!tlv_equal(&alg, &c->sig_alg))
		return "signatureAlgorithm differs from the tbsCertificate "
		    "signature field (RFC 5280 §4.1.1.2)";
	if (der_get(&tr, DER_SEQUENCE, &c->issuer) == -1 ||
	    der_get(&tr, DER_SEQUENCE, &c->validity) == -1 ||
	    der_get(&tr, DER_SEQUENCE, &c->subject) == -1 ||
	    der_get(&tr, DER_SEQUENCE, &c->spki) == -1)
		return "issuer, validity, subject or subjectPublicKeyInfo is "
		    "missing or malformed (RFC 5280 §4.1.2)";
	if (der_peek(&tr, DER_CTX_PRIM_1) && der_next(&tr, &t) == -1)
		return "issuerUniqueID is malformed (RFC 5280 §4.1.2.8)";
	if (der_peek(&tr, DER_CTX_PRIM_2) && der_next(&tr, &t) == -1)
		return "subjectUniqueID is malformed (RFC 5280 §4.1.2.8)";
	if (der_peek(&tr, DER_CTX_3)) {
		const char *why;

		if (der_next(&tr, &t) == -1)
			return "extensions are malformed (RFC 5280 §4.1.2.9)";
		why = cert_extensions(&t, c);
		if (why != NULL)
			return why;
	}
	if (!rd_done(&tr))
		return "tbsCertificate has fields after its extensions "
		    "(RFC 5280 §4.1)";
	return NULL;
}

/* HashAlgorithm ::= SEQUENCE { OID, NULL or absent } (RFC 4055 §2.1). */
static int
hash_alg(const struct tlv *seq, enum hash *h)
{
	struct rd r = rd_in(seq);
	struct tlv oid, t;

	if (der_get(&r, DER_OID, &oid) == -1)
		return -1;
	if (der_peek(&r, DER_NULL) && (der_next(&r, &t) == -1 ||
	    t.val_len != 0))
		return -1;
	if (!rd_done(&r))
		return -1;
	if (oid_is(&oid, oid_sha256, sizeof(oid_sha256)))
		*h = HASH_SHA256;
	else if (oid_is(&oid, oid_sha384, sizeof(oid_sha384)))
		*h = HASH_SHA384;
	else if (oid_is(&oid, oid_sha512, sizeof(oid_sha512)))
		*h = HASH_SHA512;
	else if (oid_is(&oid, oid_sha1, sizeof(oid_sha1)))
		*h = HASH_SHA1;
	else
		return -1;
	return 0;
}

/* One [n] EXPLICIT wrapper holding exactly one TLV of tag inner. */
static int
explicit_one(struct rd *r, uint8_t outer, uint8_t inner, struct tlv *t)
{
	struct tlv w;
	struct rd wr;

	if (der_get(r, outer, &w) == -1)
		return -1;
	wr = rd_in(&w);
	if (der_get(&wr, inner, t) == -1 || !rd_done(&wr))
		return -1;
	return 0;
}

/*
 * RSASSA-PSS-params (RFC 4055 §3.1): hashAlgorithm [0] DEFAULT sha1,
 * maskGenAlgorithm [1] DEFAULT mgf1SHA1, saltLength [2] DEFAULT 20,
 * trailerField [3] DEFAULT 1.
 */
static int
pss_params(struct rd *r, struct sigalg *a)
{
	struct tlv params, t, mgf_oid, mgf_hash;
	struct rd p, m;
	uint64_t trailer = PSS_TRAILER_BC;

	a->md = HASH_SHA1;
	a->mgf1 = HASH_SHA1;
	a->salt = 20;
	if (der_get(r, DER_SEQUENCE, &params) == -1)
		return -1;
	p = rd_in(&params);
	if (der_peek(&p, DER_CTX_0) && (explicit_one(&p, DER_CTX_0,
	    DER_SEQUENCE, &t) == -1 || hash_alg(&t, &a->md) == -1))
		return -1;
	if (der_peek(&p, DER_CTX_1)) {
		if (explicit_one(&p, DER_CTX_1, DER_SEQUENCE, &t) == -1)
			return -1;
		m = rd_in(&t);
		if (der_get(&m, DER_OID, &mgf_oid) == -1 ||
		    !oid_is(&mgf_oid, oid_mgf1, sizeof(oid_mgf1)) ||
		    der_get(&m, DER_SEQUENCE, &mgf_hash) == -1 ||
		    !rd_done(&m) || hash_alg(&mgf_hash, &a->mgf1) == -1)
			return -1;
	}
	if (der_peek(&p, DER_CTX_2) && (explicit_one(&p, DER_CTX_2,
	    DER_INTEGER, &t) == -1 || der_uint(&t, &a->salt) == -1 ||
	    a->salt > INT_MAX))
		return -1;
	if (der_peek(&p, DER_CTX_3) && (explicit_one(&p, DER_CTX_3,
	    DER_INTEGER, &t) == -1 || der_uint(&t, &trailer) == -1))
		return -1;
	if (!rd_done(&p) || trailer != PSS_TRAILER_BC)
		return -1;
	return 0;
}

/*
 * The signature algorithm (RFC 4055 §5, RFC 5758 §3.2, RFC 8017 App. C).
 * SHA-1 comes back as HASH_SHA1 for the caller to refuse or allow; MD5,
 * SHA-224 and the rest are not recognised.
 */
static const char *
sigalg_parse(const struct tlv *alg, struct sigalg *a)
{
	struct rd r = rd_in(alg);
	struct tlv oid, t;

	memset(a, 0, sizeof(*a));
	if (der_get(&r, DER_OID, &oid) == -1)
		return "signature algorithm has no oid (RFC 5280 §4.1.1.2)";
	if (oid_is(&oid, oid_rsa_pss, sizeof(oid_rsa_pss))) {
		a->kind = SIG_RSA_PSS;
		if (pss_params(&r, a) == -1 || !rd_done(&r))
			return "rsassa-pss parameters are malformed or not "
			    "supported (RFC 4055 §3.1)";
		return NULL;
	}
	if (oid_is(&oid, oid_sha256_rsa, sizeof(oid_sha256_rsa))) {
		a->kind = SIG_RSA_PKCS1;
		a->md = HASH_SHA256;
	} else if (oid_is(&oid, oid_sha384_rsa, sizeof(oid_sha384_rsa))) {
		a->kind = SIG_RSA_PKCS1;
		a->md = HASH_SHA384;
	} else if (oid_is(&oid, oid_sha512_rsa, sizeof(oid_sha512_rsa))) {
		a->kind = SIG_RSA_PKCS1;
		a->md = HASH_SHA512;
	} else if (oid_is(&oid, oid_sha1_rsa, sizeof(oid_sha1_rsa))) {
		a->kind = SIG_RSA_PKCS1;
		a->md = HASH_SHA1;
	} else if (oid_is(&oid, oid_ecdsa_sha256,
	    sizeof(oid_ecdsa_sha256))) {
		a->kind = SIG_ECDSA;
		a->md = HASH_SHA256;
	} else if (oid_is(&oid, oid_ecdsa_sha384,
	    sizeof(oid_ecdsa_sha384))) {
		a->kind = SIG_ECDSA;
		a->md = HASH_SHA384;
	} else if (oid_is(&oid, oid_ecdsa_sha512,
	    sizeof(oid_ecdsa_sha512))) {
		a->kind = SIG_ECDSA;
		a->md = HASH_SHA512;
	} else if (oid_is(&oid, oid_ecdsa_sha1, sizeof(oid_ecdsa_sha1))) {
		a->kind = SIG_ECDSA;
		a->md = HASH_SHA1;
	} else {
		return "signature algorithm is not sha-256/384/512 with rsa, "
		    "rsa-pss or ecdsa";
	}
	/* RSA: NULL (RFC 8017 App. C); ECDSA: absent (RFC 5758 §3.2) */
	if (der_peek(&r, DER_NULL) && (der_next(&r, &t) == -1 ||
	    t.val_len != 0))
		return "signature algorithm parameters are malformed";
	if (!rd_done(&r))
		return "signature algorithm has unexpected parameters";
	return NULL;
}

static bool
uses_sha1(const struct sigalg *a)
{
	return a->md == HASH_SHA1 ||
	    (a->kind == SIG_RSA_PSS && a->mgf1 == HASH_SHA1);
}

static const EVP_MD *
hash_md(enum hash h)
{
	switch (h) {
	case HASH_SHA1:
		return EVP_sha1();
	case HASH_SHA256:
		return EVP_sha256();
	case HASH_SHA384:
		return EVP_sha384();
	case HASH_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

/*
 * Check sig over tbs with key under algorithm a: 1 when it verifies, 0
 * when it does not (or the key does not suit the algorithm), -1 when
 * OpenSSL cannot allocate. Errors it leaves on the queue are the caller's
 * to drop (ERR_set_mark / ERR_pop_to_mark).
 */
static int
sig_check(const struct sigalg *a, EVP_PKEY *key, const uint8_t *tbs,
    size_t tbs_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int id, rc = 0;

	id = EVP_PKEY_get_base_id(key);
	if ((a->kind == SIG_ECDSA && id != EVP_PKEY_EC) ||
	    (a->kind == SIG_RSA_PKCS1 && id != EVP_PKEY_RSA) ||
	    (a->kind == SIG_RSA_PSS && id != EVP_PKEY_RSA &&
	    id != EVP_PKEY_RSA_PSS))
		goto out;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		rc = -1;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, &pctx, hash_md(a->md), NULL, key) != 1)
		goto out;
	if (a->kind == SIG_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, hash_md(a->mgf1)) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)a->salt) <= 0))
		goto out;
	if (EVP_DigestVerify(ctx, sig, sig_len, tbs, tbs_len) == 1)
		rc = 1;
out:
	EVP_MD_CTX_free(ctx);	/* frees pctx too */
	return rc;
}

/* Two decimal digits at p. */
static int
digits2(const uint8_t *p, unsigned *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	*v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	if (m <= 2)
		y -= 1;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
	static const unsigned dm[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/*
 * UTCTime YYMMDDHHMMSSZ (years 50-99 are 19xx) or GeneralizedTime
 * YYYYMMDDHHMMSSZ, as RFC 5280 §4.1.2.5 requires them, to seconds since
 * 1970 UTC.
 */
static int
time_parse(const struct tlv *t, int64_t *out)
{
	const uint8_t *p = t->val;
	unsigned cc, yy, mo, dd, hh, mi, ss, y;

	if (t->tag == DER_UTC_TIME && t->val_len == 13) {
		if (digits2(p, &yy) == -1)
			return -1;
		y = yy < 50 ? 2000 + yy : 1900 + yy;
		p += 2;
	} else if (t->tag == DER_GENERALIZED_TIME && t->val_len == 15) {
		if (digits2(p, &cc) == -1 || digits2(p + 2, &yy) == -1)
			return -1;
		y = cc * 100 + yy;
		p += 4;
	} else {
		return -1;
	}
	if (digits2(p, &mo) == -1 || digits2(p + 2, &dd) == -1 ||
	    digits2(p + 4, &hh) == -1 || digits2(p + 6, &mi) == -1 ||
	    digits2(p + 8, &ss) == -1 || p[10] != 'Z')
		return -1;
	if (mo < 1 || mo > 12 || dd < 1 || dd > days_in_month(y, mo) ||
	    hh > 23 || mi > 59 || ss > 59)
		return -1;
	*out = days_from_civil((int64_t)y, mo, dd) * 86400 +
	    (int64_t)hh * 3600 + (int64_t)mi * 60 + (int64_t)ss;
	return 0;
}

static int
validity_parse(const struct tlv *v, int64_t *nb, int64_t *na)
{
	struct rd r = rd_in(v);
	struct tlv a, b;

	if (der_next(&r, &a) == -1 || der_next(&r, &b) == -1 ||
	    !rd_done(&r) || time_parse(&a, nb) == -1 ||
	    time_parse(&b, na) == -1)
		return -1;
	return 0;
}

/* The first commonName of a Name, sanitised for a detail, or NO_CN. */
static void
name_cn(const struct tlv *name, char *out, size_t out_len)
{
	struct rd r = rd_in(name), set, atv;
	struct tlv s, a, oid, val;

	while (!rd_done(&r)) {
		if (der_get(&r, DER_SET, &s) == -1)
			break;
		set = rd_in(&s);
		while (!rd_done(&set)) {
			if (der_get(&set, DER_SEQUENCE, &a) == -1)
				break;
			atv = rd_in(&a);
			if (der_get(&atv, DER_OID, &oid) == 0 &&
			    oid_is(&oid, oid_common_name,
			    sizeof(oid_common_name)) &&
			    der_next(&atv, &val) == 0) {
				err_echo(out, out_len, (const char *)val.val,
				    val.val_len);
				return;
			}
		}
	}
	err_echo(out, out_len, NO_CN, sizeof(NO_CN) - 1);
}

/*
 * Whether parent may have issued child: the child's issuer Name equals the
 * parent's subject Name byte for byte, and their key identifiers agree
 * when both are present.
 */
static bool
may_issue(const struct cert *parent, const struct cert *child)
{
	if (!tlv_equal(&child->issuer, &parent->subject))
		return false;
	if (child->aki != NULL && parent->ski != NULL &&
	    (child->aki_len != parent->ski_len ||
	    memcmp(child->aki, parent->ski, child->aki_len) != 0))
		return false;
	return true;
}

static void
anchor_free(struct ek_anchor *a)
{
	free(a->der);
	free(a->up);
	EVP_PKEY_free(a->key);
	memset(a, 0, sizeof(*a));
}

static void
anchor_link(struct ek_anchor *child, size_t parent)
{
	if (child->n_up == child->up_cap) {
		child->up_cap = child->up_cap == 0 ? 2 : child->up_cap * 2;
		child->up = xreallocarray(child->up, child->up_cap,
		    sizeof(child->up[0]));
	}
	child->up[child->n_up++] = parent;
}

/* The CA's public key: RSA of 2048 bits or more, or EC of 256 or more. */
static int
anchor_key(struct ek_anchor *a, struct err *e)
{
	const unsigned char *p = a->c.spki.tlv;
	int id, bits;

	a->key = d2i_PUBKEY(NULL, &p, (long)a->c.spki.tlv_len);
	if (a->key == NULL || p != a->c.spki.tlv + a->c.spki.tlv_len)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": public key does not parse", a->cn);
	id = EVP_PKEY_get_base_id(a->key);
	bits = EVP_PKEY_get_bits(a->key);
	if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) &&
	    bits < CA_RSA_MIN_BITS)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": rsa key of %d bits, under %d",
		    a->cn, bits, CA_RSA_MIN_BITS);
	if (id == EVP_PKEY_EC && bits < CA_EC_MIN_BITS)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": ec key of %d bits, under %d",
		    a->cn, bits, CA_EC_MIN_BITS);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS && id != EVP_PKEY_EC)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": key is neither rsa nor ec", a->cn);
	return 0;
}

/* Parse and check one candidate member; a->der is set. */
static int
anchor_parse(struct ek_anchor *a, struct err *e)
{
	const char *why;
	int r;

	why = cert_parse(a->der, a->der_len, &a->c);
	if (why != NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate: %s", why);
	name_cn(&a->c.subject, a->cn, sizeof(a->cn));
	if (a->c.version != X509_V3 || !a->c.ca)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\" is not a ca: no basicConstraints "
		    "with cA true (RFC 5280 §4.2.1.9)", a->cn);
	if (a->c.has_ku && !a->c.ku_cert_sign)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": keyUsage lacks keyCertSign "
		    "(RFC 5280 §4.2.1.3)", a->cn);
	if (a->c.bad_critical)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\" has a critical extension that is "
		    "not supported (RFC 5280 §4.2)", a->cn);
	if (validity_parse(&a->c.validity, &a->not_before,
	    &a->not_after) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": validity is not two rfc 5280 "
		    "times (RFC 5280 §4.1.2.5)", a->cn);
	why = sigalg_parse(&a->c.sig_alg, &a->alg);
	if (why != NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\": %s", a->cn, why);
	if (anchor_key(a, e) == -1)
		return -1;
	a->self_issued = tlv_equal(&a->c.subject, &a->c.issuer);
	if (a->self_issued && may_issue(&a->c, &a->c)) {
		r = sig_check(&a->alg, a->key, a->c.tbs.tlv, a->c.tbs.tlv_len,
		    a->c.sig, a->c.sig_len);
		if (r == -1)
			return err_set(e, ERR_INTERNAL, "internal error");
		a->root = r == 1;
	}
	if (!a->root && uses_sha1(&a->alg))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate \"%s\" is signed with sha-1, which only a "
		    "root's self-signature may use", a->cn);
	return 0;
}

void
ek_anchors_init(struct ek_anchor_set *s)
{
	memset(s, 0, sizeof(*s));
}

int
ek_anchors_add_der(struct ek_anchor_set *s, const uint8_t *der, size_t len,
    struct err *e)
{
	struct ek_anchor a;
	struct ek_anchor *m;
	size_t *down = NULL;
	size_t i, n_down = 0;
	int r, rc = -1;

	memset(&a, 0, sizeof(a));
	ERR_set_mark();
	if (der == NULL || len == 0) {
		err_set(e, ERR_VALIDATION_FAILED, "ca certificate is empty");
		goto out;
	}
	if (len > LIMIT_EK_CA_DER_BYTES) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ca certificate longer than %d bytes",
		    LIMIT_EK_CA_DER_BYTES);
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		if (s->v[i].der_len == len &&
		    memcmp(s->v[i].der, der, len) == 0) {
			rc = 0;	/* already a member */
			goto out;
		}
	}
	if (s->n >= LIMIT_EK_ANCHORS) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "more than %d ca certificates", LIMIT_EK_ANCHORS);
		goto out;
	}
	a.der = xreallocarray(NULL, len, 1);
	memcpy(a.der, der, len);
	a.der_len = len;
	if (anchor_parse(&a, e) == -1)
		goto out;

	/*
	 * Links between the new member and the others. Those from older
	 * members to it are collected first and made only once nothing can
	 * fail, so that the set is unchanged on error.
	 */
	down = xreallocarray(NULL, s->n, sizeof(down[0]));
	for (i = 0; i < s->n; i++) {
		m = &s->v[i];
		if (!m->root && may_issue(&a.c, &m->c)) {
			r = sig_check(&m->alg, a.key, m->c.tbs.tlv,
			    m->c.tbs.tlv_len, m->c.sig, m->c.sig_len);
			if (r == -1) {
				err_set(e, ERR_INTERNAL, "internal error");
				goto out;
			}
			if (r == 1)
				down[n_down++] = i;
		}
		if (!a.root && may_issue(&m->c, &a.c)) {
			r = sig_check(&a.alg, m->key, a.c.tbs.tlv,
			    a.c.tbs.tlv_len, a.c.sig, a.c.sig_len);
			if (r == -1) {
				err_set(e, ERR_INTERNAL, "internal error");
				goto out;
			}
			if (r == 1)
				anchor_link(&a, i);
		}
	}
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof(s->v[0]));
	}
	for (i = 0; i < n_down; i++)
		anchor_link(&s->v[down[i]], s->n);
	s->v[s->n++] = a;
	memset(&a, 0, sizeof(a));	/* the set owns it now */
	rc = 0;
out:
	free(down);
	anchor_free(&a);
	ERR_pop_to_mark();
	return rc;
}

size_t
ek_anchors_n_roots(const struct ek_anchor_set *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].root)
			n++;
	}
	return n;
}

void
ek_anchors_release(struct ek_anchor_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		anchor_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void
note(struct walk *w, enum why why, size_t who)
{
	if (why > w->why) {
		w->why = why;
		w->who = who;
	}
}

/*
 * Member i is the issuer of the certificate below it, at depth (0 = the
 * EK certificate's issuer), with n_below intermediates between it and the
 * EK certificate that are not self-issued. 1 when a root is reached.
 */
static int
walk_up(struct walk *w, size_t i, size_t depth, uint64_t n_below)
{
	const struct ek_anchor *a;
	size_t j, k;
	int64_t skew = LIMIT_EK_CHAIN_SKEW_S;

	if (i >= w->s->n)
		return 0;
	a = &w->s->v[i];
	if (w->steps >= LIMIT_EK_CHAIN_STEPS) {
		note(w, WHY_STEPS, i);
		return 0;
	}
	w->steps++;
	if (depth >= LIMIT_EK_CHAIN_CAS) {
		note(w, WHY_TOO_LONG, i);
		return 0;
	}
	for (k = 0; k < depth; k++) {
		if (w->path[k] == i) {
			note(w, WHY_LOOP, i);
			return 0;
		}
	}
	if (w->now < a->not_before - skew) {
		note(w, WHY_NOT_YET_VALID, i);
		return 0;
	}
	if (w->now > a->not_after + skew) {
		note(w, WHY_EXPIRED, i);
		return 0;
	}
	if (a->c.has_path_len && n_below > a->c.path_len) {
		if (WHY_PATH_LEN > w->why)
			w->n_below = n_below;
		note(w, WHY_PATH_LEN, i);
		return 0;
	}
	if (a->root)
		return 1;
	if (a->n_up == 0)
		note(w, WHY_NO_ROOT, i);
	w->path[depth] = i;
	for (j = 0; j < a->n_up; j++) {
		if (walk_up(w, a->up[j], depth + 1,
		    n_below + (a->self_issued ? 0 : 1)) == 1)
			return 1;
	}
	return 0;
}

static int
walk_fail(const struct walk *w, const struct cert *c, struct err *e)
{
	const struct ek_anchor *a = w->why > WHY_NO_ISSUER &&
	    w->who < w->s->n ? &w->s->v[w->who] : NULL;
	const char *cn = a != NULL ? a->cn : "";
	char issuer[LIMIT_DETAIL_ECHO_BYTES + 1];

	switch (w->why) {
	case WHY_NONE:
	case WHY_NO_ISSUER:
		name_cn(&c->issuer, issuer, sizeof(issuer));
		return err_set(e, ERR_EK_UNTRUSTED,
		    "no ca certificate of the trust bundle issued the ek "
		    "certificate (issuer \"%s\")", issuer);
	case WHY_BAD_SIG:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate signature does not verify with the key of "
		    "\"%s\"", cn);
	case WHY_NO_ROOT:
	case WHY_LOOP:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate chain reaches \"%s\" but no self-signed "
		    "root of the trust bundle", cn);
	case WHY_TOO_LONG:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate chain is longer than %d ca certificates",
		    LIMIT_EK_CHAIN_CAS);
	case WHY_STEPS:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate chain search gave up after %d steps",
		    LIMIT_EK_CHAIN_STEPS);
	case WHY_NOT_YET_VALID:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ca certificate \"%s\" is not yet valid (RFC 5280 "
		    "§4.1.2.5)", cn);
	case WHY_EXPIRED:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ca certificate \"%s\" has expired (RFC 5280 §4.1.2.5)",
		    cn);
	case WHY_PATH_LEN:
		return err_set(e, ERR_EK_UNTRUSTED,
		    "ca certificate \"%s\" allows %llu intermediates below "
		    "it, the chain has %llu (RFC 5280 §4.2.1.9)", cn,
		    a != NULL ? (unsigned long long)a->c.path_len : 0ULL,
		    (unsigned long long)w->n_below);
	}
	return err_set(e, ERR_EK_UNTRUSTED, "ek certificate is not trusted");
}

int
ek_chain_verify(const struct ek_anchor_set *s, const uint8_t *cert_der,
    size_t cert_len, int64_t now, struct err *e)
{
	struct cert c;
	struct sigalg alg;
	struct walk w;
	const char *why;
	size_t i;
	int r, rc = -1;

	memset(&w, 0, sizeof(w));
	w.s = s;
	w.now = now;
	ERR_set_mark();
	if (s == NULL || s->n == 0) {
		err_set(e, ERR_EK_UNTRUSTED,
		    "no ca certificates are configured (ITL_TPM_CA_BUNDLE)");
		goto out;
	}
	if (cert_der == NULL || cert_len > LIMIT_EK_DER_BYTES) {
		err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate is missing or longer than %d bytes",
		    LIMIT_EK_DER_BYTES);
		goto out;
	}
	why = cert_parse(cert_der, cert_len, &c);
	if (why != NULL) {
		err_set(e, ERR_EK_UNTRUSTED, "ek certificate: %s", why);
		goto out;
	}
	if (c.ca) {
		err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate is a ca certificate (basicConstraints cA "
		    "true), not an end entity");
		goto out;
	}
	why = sigalg_parse(&c.sig_alg, &alg);
	if (why != NULL) {
		err_set(e, ERR_EK_UNTRUSTED, "ek certificate: %s", why);
		goto out;
	}
	if (uses_sha1(&alg)) {
		err_set(e, ERR_EK_UNTRUSTED,
		    "ek certificate is signed with sha-1, which is not "
		    "accepted");
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		if (!may_issue(&s->v[i].c, &c))
			continue;
		if (w.steps >= LIMIT_EK_CHAIN_STEPS) {
			note(&w, WHY_STEPS, i);
			break;
		}
		w.steps++;
		r = sig_check(&alg, s->v[i].key, c.tbs.tlv, c.tbs.tlv_len,
		    c.sig, c.sig_len);
		if (r == -1) {
			err_set(e, ERR_INTERNAL, "internal error");
			goto out;
		}
		if (r == 0) {
			note(&w, WHY_BAD_SIG, i);
			continue;
		}
		if (walk_up(&w, i, 0, 0) == 1) {
			rc = 0;
			goto out;
		}
	}
	walk_fail(&w, &c, e);
out:
	ERR_pop_to_mark();
	return rc;
}
