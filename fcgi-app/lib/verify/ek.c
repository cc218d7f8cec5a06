/*
 * ek.c - EK material (API spec §1). Decodes the ek_cert_pem field into the
 * bytes the client sent and the binary material (PEM unwrapped here with the
 * core base64 decoder); finds a certificate behind an optional TCG NV header
 * and in front of NV padding, and walks its DER to the SubjectPublicKeyInfo
 * itself, so that OpenSSL's strictness about the rest of the certificate
 * (non-minimal INTEGERs, odd extensions) does not matter; reads a bare public
 * key as a DER SPKI, a TPM2B_PUBLIC or a TPMT_PUBLIC (tss2-mu). The key must
 * be an EK key type, and its SPKI as re-encoded by OpenSSL (EC keys rebuilt
 * from the named curve and x, y, so that every form of one key encodes the
 * same) is the machine identity.
 *
 * It does not verify the certificate's signature, chain, validity dates or
 * extensions (the trust policy does, with ITL_TPM_CA_BUNDLE), nor the object
 * attributes of a TPM public area. Pure: no I/O, clock, environment or
 * globals; the OpenSSL error queue is left as it was found.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <tss2/tss2_mu.h>
#pragma GCC diagnostic pop

#include "core/b64.h"
#include "core/limits.h"
#include "verify/digest.h"
#include "verify/ek.h"

/* The walk goes Certificate > tbsCertificate > its fields. */
_Static_assert(LIMIT_DER_DEPTH >= 3, "the SPKI is three levels down");
_Static_assert(EK_SHA256_BYTES == DIGEST_SHA256_BYTES, "one SHA-256 size");
_Static_assert(EK_HEX_SHA256_BYTES == DIGEST_SHA256_HEX_BYTES, "one hex size");
/* Material lengths are passed to OpenSSL as long and int. */
_Static_assert(LIMIT_EK_DER_BYTES <= INT32_MAX, "lengths fit an int");

/*
 * TCG PC Client Specific Implementation Specification for Conventional BIOS
 * 1.21, §7.4.4 (EK credential in NV): TCG_PCCLIENT_STORED_CERT { UINT16 tag =
 * 0x1001; BYTE certType = 0 (TCG_FULL_CERT); UINT16 certSize } followed by
 * certSize bytes of TCG_FULL_CERT { UINT16 tag = 0x1002; DER }, so certSize
 * counts the 0x1002 tag (swtpm_cert --add-header and the IBM TSS write it so).
 * Some readers (go-attestation's ParseEKCertificate) take the DER right after
 * the 5-byte prefix; a DER certificate starts with 0x30, never 0x10, so both
 * forms are told apart by the two bytes after the prefix.
 */
#define NV_TAG_STORED_CERT	0x1001
#define NV_TAG_FULL_CERT	0x1002
#define NV_TCG_FULL_CERT	0

/* X.690 identifier octets on the way to the SPKI (RFC 5280 §4.1). */
#define DER_INTEGER		0x02
#define DER_SEQUENCE		0x30
#define DER_CONTEXT_0		0xa0	/* [0] EXPLICIT Version */
#define DER_CONSTRUCTED		0x20
#define DER_HIGH_TAG		0x1f

#define EK_RSA_MIN_BITS		2048
#define EK_RSA_MAX_BITS		16384	/* OpenSSL's RSA modulus maximum */
#define EK_EC_MAX_FIELD_BYTES	66	/* P-521 */
#define EK_SHA384_BYTES		48

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end[] = "-----END ";
static const char pem_dashes[] = "-----";
/* RFC 7468 §5 and §13 labels; "X509 CERTIFICATE" is the old OpenSSL name. */
static const char *const pem_labels[] = {
	"CERTIFICATE", "X509 CERTIFICATE", "PUBLIC KEY",
};

/* One TLV inside a bounded buffer. */
struct der_tlv {
	uint8_t tag;
	const uint8_t *tlv;	/* first identifier octet */
	size_t tlv_len;		/* header and contents */
	const uint8_t *val;	/* contents */
	size_t val_len;
};

static int
rd_u8(const uint8_t *b, size_t len, size_t *off, uint8_t *v)
{
	if (*off > len || len - *off < 1)
		return -1;
	*v = b[*off];
	*off += 1;
	return 0;
}

static int
rd_be16(const uint8_t *b, size_t len, size_t *off, uint16_t *v)
{
	if (*off > len || len - *off < 2)
		return -1;
	*v = (uint16_t)(b[*off] << 8 | b[*off + 1]);
	*off += 2;	/* advance only on success */
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
skip_space(const char *p, size_t len, size_t off)
{
	while (off < len && is_space(p[off]))
		off++;
	return off;
}

static bool
has_at(const char *p, size_t len, size_t off, const char *lit, size_t lit_len)
{
	return off <= len && len - off >= lit_len &&
	    memcmp(p + off, lit, lit_len) == 0;
}

/* First occurrence of lit in p[off..len), as an offset in *at. */
static bool
find_at(const char *p, size_t len, size_t off, const char *lit,
    size_t lit_len, size_t *at)
{
	size_t i;

	if (off > len || len - off < lit_len)
		return false;
	for (i = off; len - i >= lit_len; i++) {
		if (memcmp(p + i, lit, lit_len) == 0) {
			*at = i;
			return true;
		}
	}
	return false;
}

/* Text whose first non-space bytes open a PEM block (RFC 7468 §2). */
static bool
is_pem(const char *p, size_t len)
{
	return has_at(p, len, skip_space(p, len, 0), pem_begin,
	    sizeof(pem_begin) - 1);
}

/*
 * Unwrap the first PEM block of p (RFC 7468): the label must be one of
 * pem_labels and match the END line; the body is standard base64 with line
 * breaks. Text after the END line is ignored.
 */
static int
pem_unwrap(const char *p, size_t len, struct arena *a, const uint8_t **der,
    size_t *der_len, struct err *e)
{
	char echo[LIMIT_DETAIL_ECHO_BYTES + 1];
	const char *label;
	uint8_t *buf;
	size_t off, label_len, body, end, cap, n = 0, i;
	bool known = false;

	off = skip_space(p, len, 0) + sizeof(pem_begin) - 1;
	if (!find_at(p, len, off, pem_dashes, sizeof(pem_dashes) - 1, &end))
		return err_set(e, ERR_EK_INVALID,
		    "ek pem begin line is not terminated (RFC 7468 §2)");
	label = p + off;
	label_len = end - off;
	for (i = 0; i < sizeof(pem_labels) / sizeof(pem_labels[0]); i++) {
		if (label_len == strlen(pem_labels[i]) &&
		    memcmp(label, pem_labels[i], label_len) == 0)
			known = true;
	}
	if (!known) {
		err_echo(echo, sizeof(echo), label, label_len);
		return err_set(e, ERR_EK_INVALID,
		    "ek pem label \"%s\" is not a certificate or public key",
		    echo);
	}
	body = end + sizeof(pem_dashes) - 1;
	if (!find_at(p, len, body, pem_end, sizeof(pem_end) - 1, &end))
		return err_set(e, ERR_EK_INVALID,
		    "ek pem has no end line (RFC 7468 §2)");
	off = end + sizeof(pem_end) - 1;
	if (!has_at(p, len, off, label, label_len) ||
	    !has_at(p, len, off + label_len, pem_dashes,
	    sizeof(pem_dashes) - 1))
		return err_set(e, ERR_EK_INVALID,
		    "ek pem end line does not match its begin line (RFC 7468 §2)");
	cap = B64_DECODED_MAX(end - body);
	buf = arena_alloc(a, cap);
	if (buf == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (b64_decode(p + body, end - body, buf, cap, &n) == -1)
		return err_set(e, ERR_EK_INVALID,
		    "ek pem body is not valid base64 (RFC 7468 §3)");
	if (n == 0)
		return err_set(e, ERR_EK_INVALID, "ek pem body is empty");
	*der = buf;
	*der_len = n;
	return 0;
}

int
ek_material_decode(const char *field, size_t field_len, struct arena *a,
    const uint8_t **sent, size_t *sent_len, const uint8_t **material,
    size_t *material_len, struct err *e)
{
	const uint8_t *mat = NULL;
	uint8_t *buf = NULL;
	size_t cap, n = 0, mat_len = 0;

	if (field_len > LIMIT_EK_MATERIAL_BYTES)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_cert_pem longer than %d bytes",
		    LIMIT_EK_MATERIAL_BYTES);
	if (field == NULL || skip_space(field, field_len, 0) == field_len)
		return err_set(e, ERR_EK_INVALID, "ek_cert_pem is empty");
	if (is_pem(field, field_len)) {
		/* a raw PEM string: the client sent the text itself */
		buf = arena_memdup(a, field, field_len);
		if (buf == NULL)
			return err_set(e, ERR_INTERNAL, "internal error");
		n = field_len;
	} else {
		cap = B64_DECODED_MAX(field_len);
		buf = arena_alloc(a, cap);
		if (buf == NULL)
			return err_set(e, ERR_INTERNAL, "internal error");
		if (b64_decode(field, field_len, buf, cap, &n) == -1)
			return err_set(e, ERR_EK_INVALID,
			    "ek_cert_pem is not valid base64 (RFC 4648 §4)");
		if (n == 0)
			return err_set(e, ERR_EK_INVALID,
			    "ek_cert_pem decodes to nothing");
	}
	if (is_pem((const char *)buf, n)) {
		if (pem_unwrap((const char *)buf, n, a, &mat, &mat_len,
		    e) == -1)
			return -1;
	} else {
		mat = buf;
		mat_len = n;
	}
	if (mat_len > LIMIT_EK_DER_BYTES)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek material longer than %d bytes", LIMIT_EK_DER_BYTES);
	*sent = buf;
	*sent_len = n;
	*material = mat;
	*material_len = mat_len;
	return 0;
}

/*
 * One TLV at *off (X.690 §8.1): low tag numbers only, definite lengths in
 * short form or long form of 1 to 4 octets (non-minimal long forms are
 * tolerated, as some vendors write them), contents within b[0..len).
 */
static int
der_next(const uint8_t *b, size_t len, size_t *off, struct der_tlv *t)
{
	size_t o = *off, clen = 0, i;
	uint8_t tag, l;

	if (rd_u8(b, len, &o, &tag) == -1 || rd_u8(b, len, &o, &l) == -1)
		return -1;
	if ((tag & DER_HIGH_TAG) == DER_HIGH_TAG)
		return -1;
	if (l < 0x80) {
		clen = l;
	} else {
		size_t nlen = l & 0x7fu;

		/* 0x80 is BER's indefinite length, not DER */
		if (nlen == 0 || nlen > 4 || len - o < nlen)
			return -1;
		for (i = 0; i < nlen; i++)
			clen = clen << 8 | b[o + i];
		o += nlen;
	}
	if (len - o < clen)
		return -1;
	t->tag = tag;
	t->tlv = b + *off;
	t->tlv_len = o - *off + clen;
	t->val = b + o;
	t->val_len = clen;
	*off = o + clen;
	return 0;
}

/* Step into a constructed TLV, never deeper than LIMIT_DER_DEPTH. */
static int
der_enter(const struct der_tlv *t, unsigned *depth, struct err *e)
{
	if ((t->tag & DER_CONSTRUCTED) == 0 || *depth >= LIMIT_DER_DEPTH) {
		err_set(e, ERR_EK_INVALID,
		    "ek certificate nests deeper than %d levels (X.690 §8.1)",
		    LIMIT_DER_DEPTH);
		return -1;
	}
	*depth += 1;
	return 0;
}

static int
der_expect(const uint8_t *b, size_t len, size_t *off, uint8_t tag,
    struct der_tlv *t, const char *what, struct err *e)
{
	if (der_next(b, len, off, t) == -1) {
		err_set(e, ERR_EK_INVALID,
		    "ek certificate %s is truncated or its length is past the "
		    "end (X.690 §8.1)", what);
		return -1;
	}
	if (t->tag != tag) {
		err_set(e, ERR_EK_INVALID,
		    "ek certificate %s has tag 0x%02x, not 0x%02x (RFC 5280 §4.1)",
		    what, t->tag, tag);
		return -1;
	}
	return 0;
}

/*
 * Locate the certificate: skip a TCG NV header if there is one, then keep
 * exactly the outer SEQUENCE and ignore what follows (NV padding).
 */
static int
cert_locate(const uint8_t *b, size_t len, const uint8_t **cert,
    size_t *cert_len, struct err *e)
{
	struct der_tlv t;
	size_t off = 0, o = 0;
	uint16_t tag, size, inner;
	uint8_t type;

	if (rd_be16(b, len, &off, &tag) == 0 && tag == NV_TAG_STORED_CERT) {
		if (rd_u8(b, len, &off, &type) == -1 ||
		    rd_be16(b, len, &off, &size) == -1)
			return err_set(e, ERR_EK_INVALID,
			    "ek certificate nv header is truncated "
			    "(TCG PC Client spec §7.4.4)");
		if (type != NV_TCG_FULL_CERT)
			return err_set(e, ERR_EK_INVALID,
			    "ek certificate nv header type %u is not "
			    "TCG_FULL_CERT (TCG PC Client spec §7.4.4)", type);
		if (size > len - off)
			return err_set(e, ERR_EK_INVALID,
			    "ek certificate nv header size %u is past the end "
			    "(TCG PC Client spec §7.4.4)", size);
		len = off + size;	/* bytes after certSize are not ours */
		o = off;
		if (rd_be16(b, len, &o, &inner) == 0 &&
		    inner == NV_TAG_FULL_CERT)
			off = o;
		b += off;
		len -= off;
	}
	off = 0;
	if (len == 0)
		return err_set(e, ERR_EK_INVALID,
		    "ek certificate nv header holds no certificate");
	if (der_expect(b, len, &off, DER_SEQUENCE, &t, "outer sequence",
	    e) == -1)
		return -1;
	*cert = t.tlv;
	*cert_len = t.tlv_len;
	return 0;
}

/*
 * Walk Certificate > tbsCertificate > [0] version, serialNumber, signature,
 * issuer, validity, subject, subjectPublicKeyInfo (RFC 5280 §4.1). The
 * serial may be a non-minimal INTEGER; only its tag and a non-empty content
 * are required.
 */
static int
cert_find_spki(const uint8_t *cert, size_t cert_len, const uint8_t **spki,
    size_t *spki_len, struct err *e)
{
	static const char *const names[] = {
		"signature algorithm", "issuer", "validity", "subject",
		"subjectpublickeyinfo",
	};
	struct der_tlv c, tbs, t;
	size_t off = 0, i;
	unsigned depth = 0;

	if (der_expect(cert, cert_len, &off, DER_SEQUENCE, &c,
	    "outer sequence", e) == -1)
		return -1;
	off = 0;
	if (der_enter(&c, &depth, e) == -1 ||
	    der_expect(c.val, c.val_len, &off, DER_SEQUENCE, &tbs,
	    "tbscertificate", e) == -1 || der_enter(&tbs, &depth, e) == -1)
		return -1;
	off = 0;
	if (der_next(tbs.val, tbs.val_len, &off, &t) == -1)
		return err_set(e, ERR_EK_INVALID,
		    "ek certificate version is truncated or its length is "
		    "past the end (X.690 §8.1)");
	if (t.tag == DER_CONTEXT_0 && der_expect(tbs.val, tbs.val_len, &off,
	    DER_INTEGER, &t, "serial number", e) == -1)
		return -1;
	if (t.tag != DER_INTEGER || t.val_len == 0)
		return err_set(e, ERR_EK_INVALID,
		    "ek certificate has no serial number (RFC 5280 §4.1.2.2)");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (der_expect(tbs.val, tbs.val_len, &off, DER_SEQUENCE, &t,
		    names[i], e) == -1)
			return -1;
	}
	if (der_enter(&t, &depth, e) == -1)
		return -1;
	*spki = t.tlv;
	*spki_len = t.tlv_len;
	return 0;
}

static int
spki_decode(const uint8_t *p, size_t len, EVP_PKEY **out)
{
	const unsigned char *q = p;
	EVP_PKEY *k;

	if (len == 0 || p[0] != DER_SEQUENCE)
		return -1;
	ERR_set_mark();
	k = d2i_PUBKEY(NULL, &q, (long)len);
	ERR_pop_to_mark();
	if (k != NULL && q != p + len) {
		EVP_PKEY_free(k);	/* trailing bytes */
		k = NULL;
	}
	if (k == NULL)
		return -1;
	*out = k;
	return 0;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

	ERR_set_mark();
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
out:
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return k;
}

static EVP_PKEY *
rsa_from_ne(const uint8_t *n, size_t n_len, uint32_t exponent)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *k = NULL;

	bld = OSSL_PARAM_BLD_new();
	bn = BN_bin2bn(n, (int)n_len, NULL);
	be = BN_new();
	if (bld == NULL || bn == NULL || be == NULL ||
	    BN_set_word(be, exponent) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
		goto out;
	k = pkey_fromdata("RSA", bld);
out:
	BN_free(be);
	BN_free(bn);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

/*
 * An EC public key on a named curve from big-endian x and y of at most
 * field_bytes each (shorter ones are left-padded), as an uncompressed point
 * (SEC 1 §2.3.3). OpenSSL refuses points that are not on the curve.
 */
static EVP_PKEY *
ec_from_xy(const char *group, size_t field_bytes, const uint8_t *x,
    size_t x_len, const uint8_t *y, size_t y_len)
{
	uint8_t pt[1 + 2 * EK_EC_MAX_FIELD_BYTES];
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *k = NULL;

	if (field_bytes > EK_EC_MAX_FIELD_BYTES || x_len == 0 ||
	    x_len > field_bytes || y_len == 0 || y_len > field_bytes)
		return NULL;
	memset(pt, 0, sizeof(pt));
	pt[0] = 0x04;
	memcpy(pt + 1 + field_bytes - x_len, x, x_len);
	memcpy(pt + 1 + 2 * field_bytes - y_len, y, y_len);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    1 + 2 * field_bytes) != 1)
		goto out;
	k = pkey_fromdata("EC", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	return k;
}

/* The EK curves: TPM curve, OpenSSL NID and group name, field size. */
static const struct {
	TPM2_ECC_CURVE tpm;
	int nid;
	const char *group;
	size_t field_bytes;
} ek_curves[] = {
	{ TPM2_ECC_NIST_P256, NID_X9_62_prime256v1, SN_X9_62_prime256v1, 32 },
	{ TPM2_ECC_NIST_P384, NID_secp384r1, SN_secp384r1, 48 },
	{ TPM2_ECC_NIST_P521, NID_secp521r1, SN_secp521r1, 66 },
};

/* TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4) to an OpenSSL key. */
static int
tpm_public_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, struct err *e)
{
	const TPMS_RSA_PARMS *rp = &pub->parameters.rsaDetail;
	const TPMS_ECC_PARMS *ep = &pub->parameters.eccDetail;
	EVP_PKEY *k = NULL;
	size_t i;

	switch (pub->type) {
	case TPM2_ALG_RSA:
		if (rp->keyBits == 0 || rp->keyBits % 8 != 0 ||
		    pub->unique.rsa.size != rp->keyBits / 8)
			return err_set(e, ERR_EK_INVALID,
			    "ek public area modulus does not match its keyBits "
			    "(TPM 2.0 Part 2 §12.2.3.5)");
		/* exponent 0 means 2^16 + 1 (TPM 2.0 Part 2 §12.2.3.5) */
		k = rsa_from_ne(pub->unique.rsa.buffer, pub->unique.rsa.size,
		    rp->exponent == 0 ? 65537 : rp->exponent);
		break;
	case TPM2_ALG_ECC:
		for (i = 0; i < sizeof(ek_curves) / sizeof(ek_curves[0]); i++) {
			if (ek_curves[i].tpm == ep->curveID)
				break;
		}
		if (i == sizeof(ek_curves) / sizeof(ek_curves[0]))
			return err_set(e, ERR_EK_INVALID,
			    "ek public area curve 0x%04x is not p-256, p-384 "
			    "or p-521", ep->curveID);
		k = ec_from_xy(ek_curves[i].group, ek_curves[i].field_bytes,
		    pub->unique.ecc.x.buffer, pub->unique.ecc.x.size,
		    pub->unique.ecc.y.buffer, pub->unique.ecc.y.size);
		break;
	default:
		return err_set(e, ERR_EK_INVALID,
		    "ek public area type 0x%04x is not rsa or ecc "
		    "(TPM 2.0 Part 2 §12.2.4)", pub->type);
	}
	if (k == NULL)
		return err_set(e, ERR_EK_INVALID,
		    "ek public area does not hold a valid key");
	*out = k;
	return 0;
}

/*
 * A bare public key: DER SPKI, else TPM2B_PUBLIC, else TPMT_PUBLIC, each
 * consuming exactly all bytes. The TPM2B size prefix is read here (and must
 * cover the rest exactly) rather than trusting Tss2_MU_TPM2B_PUBLIC_Unmarshal,
 * which in tpm2-tss 3.2 neither checks the inner result nor that the inner
 * structure fills the size.
 */
static int
pub_to_pkey(const uint8_t *b, size_t len, EVP_PKEY **out, struct err *e)
{
	TPMT_PUBLIC pub;
	size_t off = 0, inner = 0;
	uint16_t size;

	if (spki_decode(b, len, out) == 0)
		return 0;
	memset(&pub, 0, sizeof(pub));
	if (rd_be16(b, len, &off, &size) == 0 && size == len - off &&
	    Tss2_MU_TPMT_PUBLIC_Unmarshal(b + off, size, &inner, &pub) ==
	    TSS2_RC_SUCCESS && inner == size)
		return tpm_public_to_pkey(&pub, out, e);
	memset(&pub, 0, sizeof(pub));
	inner = 0;
	if (Tss2_MU_TPMT_PUBLIC_Unmarshal(b, len, &inner, &pub) ==
	    TSS2_RC_SUCCESS && inner == len)
		return tpm_public_to_pkey(&pub, out, e);
	return err_set(e, ERR_EK_INVALID,
	    "ek public key is not a der spki (RFC 5280 §4.1.2.7), "
	    "tpm2b_public or tpmt_public (TPM 2.0 Part 2 §12.2)");
}

/*
 * Accept only EK key types (TCG EK Credential Profile §2.1): RSA of at least
 * 2048 bits, or EC on P-256, P-384 or P-521 with a named curve. EC keys are
 * rebuilt from x and y so that a compressed point encodes as uncompressed.
 */
static int
key_check(EVP_PKEY **kp, struct ek_info *ek, struct err *e)
{
	char group[64], echo[LIMIT_DETAIL_ECHO_BYTES + 1];
	uint8_t x[EK_EC_MAX_FIELD_BYTES], y[EK_EC_MAX_FIELD_BYTES];
	BIGNUM *bx = NULL, *by = NULL;
	EVP_PKEY *k = *kp, *rebuilt = NULL;
	size_t i, glen = 0;
	int bits, nid, rc = -1;

	ERR_set_mark();
	bits = EVP_PKEY_get_bits(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		if (bits < EK_RSA_MIN_BITS || bits > EK_RSA_MAX_BITS) {
			err_set(e, ERR_EK_INVALID,
			    "ek rsa key has %d bits, not %d to %d "
			    "(TCG EK Credential Profile)", bits,
			    EK_RSA_MIN_BITS, EK_RSA_MAX_BITS);
			goto out;
		}
		ek->key_type = EK_KEY_RSA;
		ek->key_bits = (unsigned)bits;
		ek->curve_nid = NID_undef;
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(k,
		    OSSL_PKEY_PARAM_EC_ENCODING, group, sizeof(group),
		    &glen) != 1 ||
		    strcmp(group, OSSL_PKEY_EC_ENCODING_GROUP) != 0 ||
		    EVP_PKEY_get_utf8_string_param(k,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1) {
			err_set(e, ERR_EK_INVALID,
			    "ek ec key does not name its curve (RFC 5480 §2.1.1)");
			goto out;
		}
		nid = OBJ_sn2nid(group);
		for (i = 0; i < sizeof(ek_curves) / sizeof(ek_curves[0]); i++) {
			if (ek_curves[i].nid == nid)
				break;
		}
		if (nid == NID_undef ||
		    i == sizeof(ek_curves) / sizeof(ek_curves[0])) {
			err_echo(echo, sizeof(echo), group, glen);
			err_set(e, ERR_EK_INVALID,
			    "ek ec curve %s is not p-256, p-384 or p-521", echo);
			goto out;
		}
		if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X,
		    &bx) != 1 || EVP_PKEY_get_bn_param(k,
		    OSSL_PKEY_PARAM_EC_PUB_Y, &by) != 1 ||
		    BN_bn2binpad(bx, x, (int)ek_curves[i].field_bytes) < 0 ||
		    BN_bn2binpad(by, y, (int)ek_curves[i].field_bytes) < 0) {
			err_set(e, ERR_EK_INVALID, "ek ec point is not valid");
			goto out;
		}
		rebuilt = ec_from_xy(ek_curves[i].group,
		    ek_curves[i].field_bytes, x, ek_curves[i].field_bytes, y,
		    ek_curves[i].field_bytes);
		if (rebuilt == NULL) {
			err_set(e, ERR_EK_INVALID, "ek ec point is not valid");
			goto out;
		}
		EVP_PKEY_free(k);
		*kp = rebuilt;
		rebuilt = NULL;
		ek->key_type = EK_KEY_EC;
		ek->key_bits = (unsigned)bits;
		ek->curve_nid = nid;
		break;
	default:
		err_set(e, ERR_EK_INVALID, "ek key is neither rsa nor ec");
		goto out;
	}
	rc = 0;
out:
	ERR_pop_to_mark();
	BN_free(bx);
	BN_free(by);
	EVP_PKEY_free(rebuilt);
	return rc;
}

/* Re-encode the SPKI into the arena and fingerprint it. */
static int
key_encode(EVP_PKEY *k, struct arena *a, struct ek_info *ek, struct err *e)
{
	unsigned char *p, *q;
	int n;

	n = i2d_PUBKEY(k, NULL);
	if (n <= 0)
		return err_set(e, ERR_INTERNAL, "internal error");
	p = arena_alloc(a, (size_t)n);
	if (p == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	q = p;
	if (i2d_PUBKEY(k, &q) != n ||
	    digest_sha256_hex(p, (size_t)n, NULL, 0, ek->fingerprint) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	ek->spki_der = p;
	ek->spki_der_len = (size_t)n;
	return 0;
}

/* One RFC 2253 line into out, truncated; "" when OpenSSL cannot print it. */
static void
name_print(const X509_NAME *name, char *out, size_t out_len)
{
	BIO *b;
	int n;

	out[0] = '\0';
	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return;
	/* XN_FLAG_RFC2253 escapes control and non-ASCII bytes */
	if (name != NULL &&
	    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(b, out, (int)(out_len - 1));
		if (n > 0)
			out[n] = '\0';
	}
	BIO_free(b);
}

/* Best effort: OpenSSL refuses some vendor quirks, which is not an error. */
static void
cert_names(const uint8_t *der, size_t len, struct ek_info *ek)
{
	const unsigned char *q = der;
	X509 *x;

	ERR_set_mark();
	x = d2i_X509(NULL, &q, (long)len);
	if (x != NULL && q == der + len) {
		name_print(X509_get_subject_name(x), ek->subject,
		    sizeof(ek->subject));
		name_print(X509_get_issuer_name(x), ek->issuer,
		    sizeof(ek->issuer));
	}
	X509_free(x);
	ERR_pop_to_mark();
}

int
ek_parse(const uint8_t *material, size_t material_len,
    enum ek_source source, struct arena *a, struct ek_info *out,
    struct err *e)
{
	struct ek_info ek;
	EVP_PKEY *k = NULL;
	const uint8_t *cert = NULL, *spki = NULL;
	uint8_t *copy;
	size_t cert_len = 0, spki_len = 0;
	int rc = -1;

	memset(&ek, 0, sizeof(ek));
	ek.source = source;
	if (material == NULL || material_len == 0) {
		err_set(e, ERR_EK_INVALID, "ek material is empty");
		goto out;
	}
	if (material_len > LIMIT_EK_DER_BYTES) {
		err_set(e, ERR_EK_INVALID, "ek material longer than %d bytes",
		    LIMIT_EK_DER_BYTES);
		goto out;
	}
	switch (source) {
	case EK_SOURCE_CERT:
		if (cert_locate(material, material_len, &cert, &cert_len,
		    e) == -1 ||
		    cert_find_spki(cert, cert_len, &spki, &spki_len, e) == -1)
			goto out;
		if (spki_decode(spki, spki_len, &k) == -1) {
			err_set(e, ERR_EK_INVALID,
			    "ek certificate public key does not parse "
			    "(RFC 5280 §4.1.2.7)");
			goto out;
		}
		break;
	case EK_SOURCE_PUB:
		if (pub_to_pkey(material, material_len, &k, e) == -1)
			goto out;
		break;
	default:
		err_set(e, ERR_EK_INVALID, "ek_source is not cert or pub");
		goto out;
	}
	if (key_check(&k, &ek, e) == -1 || key_encode(k, a, &ek, e) == -1)
		goto out;
	if (cert != NULL) {
		copy = arena_memdup(a, cert, cert_len);
		if (copy == NULL || digest_sha256_hex(copy, cert_len, NULL, 0,
		    ek.cert_sha256) == -1) {
			err_set(e, ERR_INTERNAL, "internal error");
			goto out;
		}
		ek.has_cert = true;
		ek.cert_der = copy;
		ek.cert_der_len = cert_len;
		cert_names(copy, cert_len, &ek);
	}
	*out = ek;
	rc = 0;
out:
	EVP_PKEY_free(k);
	return rc;
}

int
ek_fingerprint_check(const struct ek_info *ek, const uint8_t *sent,
    size_t sent_len, const char *client_fp, size_t client_fp_len,
    struct err *e)
{
	uint8_t want[EK_SHA384_BYTES], have[EK_SHA384_BYTES];
	unsigned int n = 0;
	bool match = false;

	if ((client_fp_len != 2 * EK_SHA256_BYTES &&
	    client_fp_len != 2 * EK_SHA384_BYTES) || client_fp == NULL ||
	    hex_decode(client_fp, client_fp_len, want, sizeof(want)) == -1)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_fingerprint must be 64 or 96 hex digits (API spec §1)");
	if (client_fp_len == 2 * EK_SHA256_BYTES) {
		/* every candidate is compared, in constant time each */
		if (hex_decode(ek->fingerprint, 2 * EK_SHA256_BYTES, have,
		    sizeof(have)) == 0 &&
		    CRYPTO_memcmp(want, have, EK_SHA256_BYTES) == 0)
			match = true;
		if (ek->has_cert && hex_decode(ek->cert_sha256,
		    2 * EK_SHA256_BYTES, have, sizeof(have)) == 0 &&
		    CRYPTO_memcmp(want, have, EK_SHA256_BYTES) == 0)
			match = true;
		if (digest_sha256(sent, sent_len, NULL, 0, have) == -1)
			return err_set(e, ERR_INTERNAL, "internal error");
		if (CRYPTO_memcmp(want, have, EK_SHA256_BYTES) == 0)
			match = true;
	} else {
		if (EVP_Digest(sent, sent_len, have, &n, EVP_sha384(),
		    NULL) != 1 || n != EK_SHA384_BYTES)
			return err_set(e, ERR_INTERNAL, "internal error");
		if (CRYPTO_memcmp(want, have, EK_SHA384_BYTES) == 0)
			match = true;
	}
	if (!match)
		return err_set(e, ERR_EK_FINGERPRINT_MISMATCH,
		    "ek_fingerprint matches neither the ek public key, the "
		    "certificate nor the sent material (API spec §1)");
	return 0;
}
