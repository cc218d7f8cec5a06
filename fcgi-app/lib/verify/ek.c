/*
 * ek.c - EK material (API spec §1). Decodes the ek_cert_pem field into the
 * bytes the client sent and the binary material (PEM unwrapped here with the
 * core base64 decoder); finds a certificate behind an optional TCG NV header
 * and in front of NV padding, and walks its DER to the SubjectPublicKeyInfo
 * itself, so that OpenSSL's strictness about the rest of the certificate
 * (non-minimal INTEGERs, odd extensions) does not matter; reads a bare public
 * key as a DER SPKI, a TPM2B_PUBLIC or a TPMT_PUBLIC (tss2-mu). The key must
 * be an EK key type, and its canonical SPKI (the DER OpenSSL's i2d_PUBKEY
 * writes, with an EC point always uncompressed, so that every form of one
 * key encodes the same) is the machine identity.
 *
 * Every attestation parses its EK, so the SPKI is read with the same bounded
 * DER walker and the canonical SPKI is written here: OpenSSL's decoder,
 * encoder and provider machinery costs hundreds of microseconds a key. Only
 * the EC point check goes to OpenSSL, through the low-level EC_GROUP and
 * EC_POINT calls. The certificate's names need OpenSSL's X.509 decoder and
 * are left to ek_cert_names, which only registration calls.
 *
 * It does not verify the certificate's signature, chain, validity dates or
 * extensions (the trust policy does, with ITL_TPM_CA_BUNDLE), nor the object
 * attributes of a TPM public area, nor that an RSA modulus is a product of
 * two primes (no one can). Pure: no I/O, clock, environment or globals; the
 * OpenSSL error queue is left as it was found.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
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
/* A TPM2B_PUBLIC cannot start with 30 (a size of 0x30xx), see pub_to_ek. */
_Static_assert(LIMIT_EK_DER_BYTES < 0x3000, "a spki is not a tpm2b_public");

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

/* X.690 identifier octets of the certificate and SPKI (RFC 5280 §4.1). */
#define DER_INTEGER		0x02
#define DER_BIT_STRING		0x03
#define DER_NULL		0x05
#define DER_OID			0x06
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

/*
 * The EK curves (TCG EK Credential Profile): TPM curve, OpenSSL NID,
 * the namedCurve OID contents (RFC 5480 §2.1.1.1), field size and order bits.
 */
static const uint8_t oid_p256[] = {	/* 1.2.840.10045.3.1.7 */
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
};
static const uint8_t oid_p384[] = {	/* 1.3.132.0.34 */
	0x2b, 0x81, 0x04, 0x00, 0x22,
};
static const uint8_t oid_p521[] = {	/* 1.3.132.0.35 */
	0x2b, 0x81, 0x04, 0x00, 0x23,
};

static const struct {
	TPM2_ECC_CURVE tpm;
	int nid;
	const uint8_t *oid;
	size_t oid_len;
	size_t field_bytes;
	unsigned bits;
} ek_curves[] = {
	{ TPM2_ECC_NIST_P256, NID_X9_62_prime256v1, oid_p256,
	    sizeof(oid_p256), 32, 256 },
	{ TPM2_ECC_NIST_P384, NID_secp384r1, oid_p384, sizeof(oid_p384), 48,
	    384 },
	{ TPM2_ECC_NIST_P521, NID_secp521r1, oid_p521, sizeof(oid_p521), 66,
	    521 },
};

#define EK_N_CURVES (sizeof(ek_curves) / sizeof(ek_curves[0]))

/* The algorithm OID contents (RFC 3279 §2.3.1, RFC 5480 §2.1.1). */
static const uint8_t oid_rsa_encryption[] = {	/* 1.2.840.113549.1.1.1 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
};
static const uint8_t oid_ec_public_key[] = {	/* 1.2.840.10045.2.1 */
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
};

/*
 * A DER writer into a buffer sized beforehand: a write past the end sets
 * bad instead, so that a sizing mistake is an internal error, never an
 * overflow.
 */
struct der_buf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool bad;
};

/* Bytes of a TLV with content_len bytes of contents (minimal length). */
static size_t
der_size(size_t content_len)
{
	size_t hdr = 2, l;

	if (content_len >= 0x80) {
		for (l = content_len; l > 0; l >>= 8)
			hdr++;
	}
	return hdr + content_len;
}

static void
der_raw(struct der_buf *b, const void *p, size_t n)
{
	if (b->bad || b->cap - b->len < n) {
		b->bad = true;
		return;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
der_byte(struct der_buf *b, uint8_t v)
{
	der_raw(b, &v, 1);
}

/* Identifier and definite length in the shortest form (X.690 §10.1). */
static void
der_header(struct der_buf *b, uint8_t tag, size_t content_len)
{
	size_t nlen = 0, l, i;

	der_byte(b, tag);
	if (content_len < 0x80) {
		der_byte(b, (uint8_t)content_len);
		return;
	}
	for (l = content_len; l > 0; l >>= 8)
		nlen++;
	der_byte(b, (uint8_t)(0x80 | nlen));
	for (i = nlen; i > 0; i--)
		der_byte(b, (uint8_t)(content_len >> (8 * (i - 1))));
}

/* The SPKI in the arena is the identity: keep it and fingerprint it. */
static int
spki_finish(const uint8_t *spki, size_t spki_len, struct ek_info *ek,
    struct err *e)
{
	if (digest_sha256_hex(spki, spki_len, NULL, 0, ek->fingerprint) == -1)
		return err_set(e, ERR_INTERNAL, "internal error");
	ek->spki_der = spki;
	ek->spki_der_len = spki_len;
	return 0;
}

/* Bits of a big-endian magnitude whose first octet is not 0. */
static size_t
magnitude_bits(const uint8_t *p, size_t len)
{
	size_t bits = 8 * (len - 1);
	unsigned top = p[0];

	while (top != 0) {
		bits++;
		top >>= 1;
	}
	return bits;
}

/*
 * An RSA key from the modulus n (big-endian, leading 00 octets allowed) and
 * the exponent, checked and written as the canonical SPKI (RFC 3279 §2.3.1,
 * RFC 8017 §A.1.1): SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING
 * { 0 unused bits, SEQUENCE { INTEGER n, INTEGER e } } }, each INTEGER
 * minimal and non-negative, which is what i2d_PUBKEY writes.
 */
static int
rsa_to_ek(const uint8_t *n, size_t n_len, uint32_t exponent,
    struct arena *a, struct ek_info *ek, struct err *e)
{
	static const uint8_t alg[] = {
		DER_SEQUENCE, 0x0d, DER_OID, 0x09,
		0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
		DER_NULL, 0x00,
	};
	uint8_t eb[5], v;
	struct der_buf b;
	size_t bits, n_int, e_len = 0, e_int, rsa_len, bit_len, spki_len, i;

	while (n_len > 0 && n[0] == 0) {
		n++;
		n_len--;
	}
	bits = n_len == 0 ? 0 : magnitude_bits(n, n_len);
	if (bits < EK_RSA_MIN_BITS || bits > EK_RSA_MAX_BITS)
		return err_set(e, ERR_EK_INVALID,
		    "ek rsa key has %zu bits, not %d to %d "
		    "(TCG EK Credential Profile)", bits, EK_RSA_MIN_BITS,
		    EK_RSA_MAX_BITS);
	if ((n[n_len - 1] & 1) == 0)
		return err_set(e, ERR_EK_INVALID,
		    "ek rsa modulus is even (RFC 8017 §3.1)");
	if (exponent < 3 || exponent % 2 == 0)
		return err_set(e, ERR_EK_INVALID,
		    "ek rsa exponent %u is not odd and above 1 (RFC 8017 §3.1)",
		    (unsigned)exponent);
	/* eb: a 00 sign octet, then the exponent from its first non-0 octet */
	eb[0] = 0;
	for (i = 4; i > 0; i--) {
		v = (uint8_t)(exponent >> (8 * (i - 1)));
		if (e_len > 0 || v != 0) {
			eb[1 + e_len] = v;
			e_len++;
		}
	}
	e_int = (eb[1] & 0x80) != 0 ? e_len + 1 : e_len;
	n_int = (n[0] & 0x80) != 0 ? n_len + 1 : n_len;
	rsa_len = der_size(n_int) + der_size(e_int);
	bit_len = 1 + der_size(rsa_len);
	spki_len = der_size(sizeof(alg) + der_size(bit_len));

	b.p = arena_alloc(a, spki_len);
	b.cap = spki_len;
	b.len = 0;
	b.bad = false;
	if (b.p == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	der_header(&b, DER_SEQUENCE, sizeof(alg) + der_size(bit_len));
	der_raw(&b, alg, sizeof(alg));
	der_header(&b, DER_BIT_STRING, bit_len);
	der_byte(&b, 0);	/* unused bits */
	der_header(&b, DER_SEQUENCE, rsa_len);
	der_header(&b, DER_INTEGER, n_int);
	if (n_int > n_len)
		der_byte(&b, 0);
	der_raw(&b, n, n_len);
	der_header(&b, DER_INTEGER, e_int);
	der_raw(&b, e_int > e_len ? eb : eb + 1, e_int);
	if (b.bad || b.len != spki_len)
		return err_set(e, ERR_INTERNAL, "internal error");
	ek->key_type = EK_KEY_RSA;
	ek->key_bits = (unsigned)bits;
	ek->curve_nid = NID_undef;
	return spki_finish(b.p, b.len, ek, e);
}

/*
 * The canonical EC SPKI (RFC 5480 §2): SEQUENCE { SEQUENCE {
 * id-ecPublicKey, namedCurve }, BIT STRING { 0 unused bits, 04 || X || Y } },
 * from an uncompressed point already checked to be on curve c.
 */
static int
ec_encode(size_t c, const uint8_t *pt, size_t pt_len, struct arena *a,
    struct ek_info *ek, struct err *e)
{
	struct der_buf b;
	size_t alg_len, bit_len, spki_len;

	alg_len = der_size(sizeof(oid_ec_public_key)) +
	    der_size(ek_curves[c].oid_len);
	bit_len = 1 + pt_len;
	spki_len = der_size(der_size(alg_len) + der_size(bit_len));
	b.p = arena_alloc(a, spki_len);
	b.cap = spki_len;
	b.len = 0;
	b.bad = false;
	if (b.p == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	der_header(&b, DER_SEQUENCE, der_size(alg_len) + der_size(bit_len));
	der_header(&b, DER_SEQUENCE, alg_len);
	der_header(&b, DER_OID, sizeof(oid_ec_public_key));
	der_raw(&b, oid_ec_public_key, sizeof(oid_ec_public_key));
	der_header(&b, DER_OID, ek_curves[c].oid_len);
	der_raw(&b, ek_curves[c].oid, ek_curves[c].oid_len);
	der_header(&b, DER_BIT_STRING, bit_len);
	der_byte(&b, 0);	/* unused bits */
	der_raw(&b, pt, pt_len);
	if (b.bad || b.len != spki_len)
		return err_set(e, ERR_INTERNAL, "internal error");
	ek->key_type = EK_KEY_EC;
	ek->key_bits = ek_curves[c].bits;
	ek->curve_nid = ek_curves[c].nid;
	return spki_finish(b.p, b.len, ek, e);
}

/*
 * An EC key on curve c from a SEC 1 §2.3.3 point: 02 or 03 || X
 * (compressed) or 04 || X || Y (uncompressed), not the hybrid form or the
 * point at infinity. OpenSSL's EC_POINT_oct2point requires coordinates below
 * the field prime and the point on the curve (SEC 1 §3.2.2.1; the cofactor
 * of these curves is 1, so that is the whole check). A compressed point is
 * then written uncompressed (EC_POINT_point2oct), so every form of one key
 * has one identity; a checked uncompressed point is already in that form,
 * and its own bytes save the field inversion point2oct would cost.
 */
static int
ec_to_ek(size_t c, const uint8_t *pt, size_t pt_len, struct arena *a,
    struct ek_info *ek, struct err *e)
{
	uint8_t canon[1 + 2 * EK_EC_MAX_FIELD_BYTES];
	size_t f = ek_curves[c].field_bytes;
	EC_GROUP *g = NULL;
	EC_POINT *p = NULL;
	BN_CTX *ctx = NULL;
	int rc = -1;

	if (!(pt_len == 1 + f && (pt[0] == 0x02 || pt[0] == 0x03)) &&
	    !(pt_len == 1 + 2 * f && pt[0] == 0x04))
		return err_set(e, ERR_EK_INVALID,
		    "ek ec point is neither compressed nor uncompressed for "
		    "its curve (SEC 1 §2.3.3)");
	ERR_set_mark();
	ctx = BN_CTX_new();
	g = EC_GROUP_new_by_curve_name(ek_curves[c].nid);
	if (g != NULL)
		p = EC_POINT_new(g);
	if (ctx == NULL || p == NULL) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	if (EC_POINT_oct2point(g, p, pt, pt_len, ctx) != 1 ||
	    EC_POINT_is_at_infinity(g, p) != 0 ||
	    EC_POINT_is_on_curve(g, p, ctx) != 1) {
		err_set(e, ERR_EK_INVALID,
		    "ek ec point is not on its curve (SEC 1 §3.2.2.1)");
		goto out;
	}
	if (pt[0] == 0x04) {
		/* x, y < p as f octets each: already what point2oct writes */
		rc = ec_encode(c, pt, pt_len, a, ek, e);
		goto out;
	}
	if (EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, canon,
	    1 + 2 * f, ctx) != 1 + 2 * f) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	rc = ec_encode(c, canon, 1 + 2 * f, a, ek, e);
out:
	EC_POINT_free(p);
	EC_GROUP_free(g);
	BN_CTX_free(ctx);
	ERR_pop_to_mark();
	return rc;
}

static bool
oid_is(const struct der_tlv *t, const uint8_t *oid, size_t oid_len)
{
	return t->tag == DER_OID && t->val_len == oid_len &&
	    memcmp(t->val, oid, oid_len) == 0;
}

/*
 * RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
 * (RFC 8017 §A.1.1), exactly filling the BIT STRING. The INTEGERs are read
 * as magnitudes (see ek.h); the exponent must fit 32 bits.
 */
static int
rsa_key_to_ek(const uint8_t *b, size_t len, struct arena *a,
    struct ek_info *ek, struct err *e)
{
	struct der_tlv seq, n, x;
	size_t off = 0, o = 0, i;
	uint32_t exponent = 0;

	if (der_next(b, len, &off, &seq) == -1 || seq.tag != DER_SEQUENCE ||
	    off != len ||
	    der_next(seq.val, seq.val_len, &o, &n) == -1 ||
	    n.tag != DER_INTEGER || n.val_len == 0 ||
	    der_next(seq.val, seq.val_len, &o, &x) == -1 ||
	    x.tag != DER_INTEGER || x.val_len == 0 || o != seq.val_len)
		return err_set(e, ERR_EK_INVALID,
		    "ek rsa key is not exactly a modulus and an exponent "
		    "(RFC 8017 §A.1.1)");
	for (i = 0; i < x.val_len; i++) {
		if (exponent > UINT32_MAX >> 8)
			return err_set(e, ERR_EK_INVALID,
			    "ek rsa exponent is longer than 32 bits "
			    "(TPM 2.0 Part 2 §12.2.3.5)");
		exponent = exponent << 8 | x.val[i];
	}
	return rsa_to_ek(n.val, n.val_len, exponent, a, ek, e);
}

/*
 * SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
 * subjectPublicKey BIT STRING } (RFC 5280 §4.1), exactly b[0..len), with
 * rsaEncryption (parameters NULL or absent, RFC 3279 §2.3.1) or
 * id-ecPublicKey with a namedCurve (RFC 5480 §2.1.1).
 */
static int
spki_to_ek(const uint8_t *b, size_t len, struct arena *a,
    struct ek_info *ek, struct err *e)
{
	struct der_tlv spki, alg, oid, params, bits;
	size_t off = 0, o = 0, i;
	bool has_params = false;

	if (der_next(b, len, &off, &spki) == -1 || spki.tag != DER_SEQUENCE ||
	    off != len ||
	    der_next(spki.val, spki.val_len, &o, &alg) == -1 ||
	    alg.tag != DER_SEQUENCE ||
	    der_next(spki.val, spki.val_len, &o, &bits) == -1 ||
	    bits.tag != DER_BIT_STRING || o != spki.val_len)
		return err_set(e, ERR_EK_INVALID,
		    "ek public key is not exactly an algorithm and a bit "
		    "string (RFC 5280 §4.1.2.7)");
	if (bits.val_len < 2 || bits.val[0] != 0)
		return err_set(e, ERR_EK_INVALID,
		    "ek public key bit string is empty or has unused bits "
		    "(RFC 5280 §4.1.2.7)");
	o = 0;
	if (der_next(alg.val, alg.val_len, &o, &oid) == -1 ||
	    oid.tag != DER_OID)
		return err_set(e, ERR_EK_INVALID,
		    "ek public key algorithm has no oid (RFC 5280 §4.1.1.2)");
	if (o < alg.val_len) {
		if (der_next(alg.val, alg.val_len, &o, &params) == -1 ||
		    o != alg.val_len)
			return err_set(e, ERR_EK_INVALID,
			    "ek public key algorithm parameters are not one "
			    "element (RFC 5280 §4.1.1.2)");
		has_params = true;
	}
	if (oid_is(&oid, oid_rsa_encryption, sizeof(oid_rsa_encryption))) {
		if (has_params &&
		    (params.tag != DER_NULL || params.val_len != 0))
			return err_set(e, ERR_EK_INVALID,
			    "ek rsa key parameters are not null "
			    "(RFC 3279 §2.3.1)");
		return rsa_key_to_ek(bits.val + 1, bits.val_len - 1, a, ek, e);
	}
	if (!oid_is(&oid, oid_ec_public_key, sizeof(oid_ec_public_key)))
		return err_set(e, ERR_EK_INVALID,
		    "ek key is neither rsa nor ec (RFC 5280 §4.1.2.7)");
	if (!has_params || params.tag != DER_OID)
		return err_set(e, ERR_EK_INVALID,
		    "ek ec key does not name its curve (RFC 5480 §2.1.1)");
	for (i = 0; i < EK_N_CURVES; i++) {
		if (oid_is(&params, ek_curves[i].oid, ek_curves[i].oid_len))
			return ec_to_ek(i, bits.val + 1, bits.val_len - 1, a,
			    ek, e);
	}
	return err_set(e, ERR_EK_INVALID,
	    "ek ec curve is not p-256, p-384 or p-521");
}

/* TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4) to the identity. */
static int
tpm_public_to_ek(const TPMT_PUBLIC *pub, struct arena *a,
    struct ek_info *ek, struct err *e)
{
	const TPMS_RSA_PARMS *rp = &pub->parameters.rsaDetail;
	const TPMS_ECC_PARMS *ep = &pub->parameters.eccDetail;
	const TPMS_ECC_POINT *ec = &pub->unique.ecc;
	uint8_t pt[1 + 2 * EK_EC_MAX_FIELD_BYTES];
	size_t i, f;

	switch (pub->type) {
	case TPM2_ALG_RSA:
		if (rp->keyBits == 0 || rp->keyBits % 8 != 0 ||
		    pub->unique.rsa.size != rp->keyBits / 8)
			return err_set(e, ERR_EK_INVALID,
			    "ek public area modulus does not match its keyBits "
			    "(TPM 2.0 Part 2 §12.2.3.5)");
		/* exponent 0 means 2^16 + 1 (TPM 2.0 Part 2 §12.2.3.5) */
		return rsa_to_ek(pub->unique.rsa.buffer, pub->unique.rsa.size,
		    rp->exponent == 0 ? 65537 : rp->exponent, a, ek, e);
	case TPM2_ALG_ECC:
		for (i = 0; i < EK_N_CURVES; i++) {
			if (ek_curves[i].tpm == ep->curveID)
				break;
		}
		if (i == EK_N_CURVES)
			return err_set(e, ERR_EK_INVALID,
			    "ek public area curve 0x%04x is not p-256, p-384 "
			    "or p-521", ep->curveID);
		f = ek_curves[i].field_bytes;
		if (ec->x.size == 0 || ec->x.size > f || ec->y.size == 0 ||
		    ec->y.size > f)
			return err_set(e, ERR_EK_INVALID,
			    "ek public area point does not fit its curve "
			    "(TPM 2.0 Part 2 §11.2.5.2)");
		/* shorter coordinates are left-padded (SEC 1 §2.3.5) */
		memset(pt, 0, sizeof(pt));
		pt[0] = 0x04;
		memcpy(pt + 1 + f - ec->x.size, ec->x.buffer, ec->x.size);
		memcpy(pt + 1 + 2 * f - ec->y.size, ec->y.buffer, ec->y.size);
		return ec_to_ek(i, pt, 1 + 2 * f, a, ek, e);
	default:
		return err_set(e, ERR_EK_INVALID,
		    "ek public area type 0x%04x is not rsa or ecc "
		    "(TPM 2.0 Part 2 §12.2.4)", pub->type);
	}
}

/*
 * A bare public key: a DER SPKI (it starts with 30, which neither TPM form
 * can: a TPM2B_PUBLIC size of 0x30xx is past LIMIT_EK_DER_BYTES and 0x30xx
 * is not an RSA or ECC TPMT_PUBLIC type), else a TPM2B_PUBLIC, else a
 * TPMT_PUBLIC, each consuming exactly all bytes. The TPM2B size prefix is
 * read here (and must cover the rest exactly) rather than trusting
 * Tss2_MU_TPM2B_PUBLIC_Unmarshal, which in tpm2-tss 3.2 neither checks the
 * inner result nor that the inner structure fills the size.
 */
static int
pub_to_ek(const uint8_t *b, size_t len, struct arena *a, struct ek_info *ek,
    struct err *e)
{
	TPMT_PUBLIC pub;
	size_t off = 0, inner = 0;
	uint16_t size;

	if (b[0] == DER_SEQUENCE)
		return spki_to_ek(b, len, a, ek, e);
	memset(&pub, 0, sizeof(pub));
	if (rd_be16(b, len, &off, &size) == 0 && size == len - off &&
	    Tss2_MU_TPMT_PUBLIC_Unmarshal(b + off, size, &inner, &pub) ==
	    TSS2_RC_SUCCESS && inner == size)
		return tpm_public_to_ek(&pub, a, ek, e);
	memset(&pub, 0, sizeof(pub));
	inner = 0;
	if (Tss2_MU_TPMT_PUBLIC_Unmarshal(b, len, &inner, &pub) ==
	    TSS2_RC_SUCCESS && inner == len)
		return tpm_public_to_ek(&pub, a, ek, e);
	return err_set(e, ERR_EK_INVALID,
	    "ek public key is not a der spki (RFC 5280 §4.1.2.7), "
	    "tpm2b_public or tpmt_public (TPM 2.0 Part 2 §12.2)");
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
		n = BIO_read(b, out, out_len - 1 > INT32_MAX ? INT32_MAX :
		    (int)(out_len - 1));
		if (n > 0)
			out[n] = '\0';
	}
	BIO_free(b);
}

void
ek_cert_names(const struct ek_info *ek, char *subject, size_t subject_len,
    char *issuer, size_t issuer_len)
{
	const unsigned char *q;
	X509 *x = NULL;

	if (subject_len == 0 || issuer_len == 0)
		return;
	subject[0] = '\0';
	issuer[0] = '\0';
	if (!ek->has_cert || ek->cert_der == NULL || ek->cert_der_len == 0 ||
	    ek->cert_der_len > LIMIT_EK_DER_BYTES)
		return;
	/* best effort: OpenSSL refuses some vendor quirks, not an error */
	ERR_set_mark();
	q = ek->cert_der;
	x = d2i_X509(NULL, &q, (long)ek->cert_der_len);
	if (x != NULL && q == ek->cert_der + ek->cert_der_len) {
		name_print(X509_get_subject_name(x), subject, subject_len);
		name_print(X509_get_issuer_name(x), issuer, issuer_len);
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
	const uint8_t *cert = NULL, *spki = NULL;
	uint8_t *copy;
	size_t cert_len = 0, spki_len = 0;

	memset(&ek, 0, sizeof(ek));
	ek.source = source;
	if (material == NULL || material_len == 0)
		return err_set(e, ERR_EK_INVALID, "ek material is empty");
	if (material_len > LIMIT_EK_DER_BYTES)
		return err_set(e, ERR_EK_INVALID,
		    "ek material longer than %d bytes", LIMIT_EK_DER_BYTES);
	switch (source) {
	case EK_SOURCE_CERT:
		if (cert_locate(material, material_len, &cert, &cert_len,
		    e) == -1 ||
		    cert_find_spki(cert, cert_len, &spki, &spki_len, e) == -1 ||
		    spki_to_ek(spki, spki_len, a, &ek, e) == -1)
			return -1;
		copy = arena_memdup(a, cert, cert_len);
		if (copy == NULL || digest_sha256_hex(copy, cert_len, NULL, 0,
		    ek.cert_sha256) == -1)
			return err_set(e, ERR_INTERNAL, "internal error");
		ek.has_cert = true;
		ek.cert_der = copy;
		ek.cert_der_len = cert_len;
		break;
	case EK_SOURCE_PUB:
		if (pub_to_ek(material, material_len, a, &ek, e) == -1)
			return -1;
		break;
	default:
		return err_set(e, ERR_EK_INVALID,
		    "ek_source is not cert or pub");
	}
	*out = ek;
	return 0;
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
