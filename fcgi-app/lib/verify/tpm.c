/*
 * tpm.c - TPM 2.0 public areas (TPM 2.0 Part 2 §12.2). Parses a
 * TPM2B_PUBLIC or a bare TPMT_PUBLIC with tss2-mu, consuming every byte and
 * requiring the canonical encoding (what tss2-mu marshals back is what came
 * in), so that the Name we compute over the re-marshalled area is the Name
 * of the bytes the client sent. Computes Names and qualified names (Part 1
 * §16), applies the AK rules of API spec §3, turns RSA and NIST ECC public
 * areas into EVP_PKEYs, and rebuilds an EK public area from its SPKI and the
 * TCG EK Credential Profile 2.x default templates (L-1, L-2, H-3, H-6).
 *
 * It does not check that a public area could have been created by a TPM
 * (scheme and symmetric consistency are the TPM's business), nor anything
 * about the EK certificate. Pure: no I/O, clock, environment or globals; the
 * OpenSSL error queue is left as it was found.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "core/limits.h"
#include "verify/tpm.h"

#define TPM_SHA256_BYTES	32
#define TPM_SHA384_BYTES	48
/* The largest ECC field we turn into a key (NIST P-521). */
#define TPM_ECC_MAX_FIELD_BYTES	66
/* Part 2 §12.2.3.5: an exponent of zero means 2^16 + 1. */
#define TPM_RSA_DEFAULT_EXPONENT 65537u
/* API spec §3 */
#define TPM_AK_RSA_MIN_BITS	2048
/*
 * No marshalled TPM2B_PUBLIC is larger than the C struct that holds it
 * (every field marshals to at most its own size), so this bounds the input
 * and sizes the buffer we marshal into.
 */
#define TPM_PUBLIC_MAX_BYTES	sizeof(TPM2B_PUBLIC)

_Static_assert(TPM_NAME_MAX == 2 + TPM_SHA384_BYTES,
    "a Name holds nameAlg and the largest digest we accept");
_Static_assert(sizeof(((TPMT_PUBLIC *)0)->unique.ecc.x.buffer) >=
    TPM_ECC_MAX_FIELD_BYTES, "a TPM ECC coordinate holds a P-521 one");
_Static_assert(sizeof(((TPMT_PUBLIC *)0)->unique.rsa.buffer) >= 3072 / 8,
    "a TPM RSA modulus holds an RSA-3072 one");
_Static_assert(sizeof(((TPMT_PUBLIC *)0)->authPolicy.buffer) >=
    TPM_SHA384_BYTES, "an authPolicy holds a SHA-384 digest");
_Static_assert(LIMIT_EK_DER_BYTES <= INT32_MAX, "SPKI lengths fit a long");

/*
 * TCG EK Credential Profile for TPM Family 2.0, Level 0, version 2.5,
 * Annex B. The low-range templates (L-1 RSA-2048, L-2 ECC P-256) use
 * SHA-256, AES-128-CFB and PolicyA = PolicySecret(TPM_RH_ENDORSEMENT) with
 * adminWithPolicy and no userWithAuth (0x000300b2); the high-range ones (H-3
 * ECC P-384, H-6 RSA-3072) use SHA-384, AES-256-CFB, PolicyB (SHA-384) and
 * set userWithAuth as well (0x000300f2). The TPM replaces unique with the
 * public key, so only that part comes from the SPKI.
 */
#define EK_ATTRS_LOW (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
	TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY | \
	TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define EK_ATTRS_HIGH (EK_ATTRS_LOW | TPMA_OBJECT_USERWITHAUTH)

_Static_assert(EK_ATTRS_LOW == 0x000300b2, "template L-1/L-2 attributes");
_Static_assert(EK_ATTRS_HIGH == 0x000300f2, "template H-3/H-6 attributes");

/* PolicyA, SHA-256: TPM2_PolicySecret(TPM_RH_ENDORSEMENT) */
static const uint8_t ek_policy_a_sha256[TPM_SHA256_BYTES] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8,
	0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
	0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64,
	0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};
/* PolicyB, SHA-384: PolicyOR of PolicyA and the NV-based policy (Annex B.6) */
static const uint8_t ek_policy_b_sha384[TPM_SHA384_BYTES] = {
	0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc,
	0x53, 0xd8, 0x82, 0xbc, 0xf5, 0xfd, 0x3a, 0x1a,
	0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4,
	0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca,
	0xcb, 0x47, 0xba, 0x09, 0x69, 0x96, 0x46, 0x15,
	0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12,
};

struct ek_template {
	TPMI_ALG_PUBLIC type;
	unsigned rsa_bits;	/* RSA: modulus size */
	int nid;		/* ECC: OpenSSL curve */
	TPMI_ECC_CURVE curve;	/* ECC: TPM curve */
	size_t field_bytes;	/* ECC: coordinate size */
	TPMI_ALG_HASH name_alg;
	TPMA_OBJECT attrs;
	const uint8_t *policy;
	size_t policy_len;
	TPMI_AES_KEY_BITS aes_bits;
};

static const struct ek_template ek_templates[] = {
	/* L-1 */
	{ TPM2_ALG_RSA, 2048, NID_undef, TPM2_ECC_NONE, 0, TPM2_ALG_SHA256,
	    EK_ATTRS_LOW, ek_policy_a_sha256, sizeof(ek_policy_a_sha256), 128 },
	/* H-6 */
	{ TPM2_ALG_RSA, 3072, NID_undef, TPM2_ECC_NONE, 0, TPM2_ALG_SHA384,
	    EK_ATTRS_HIGH, ek_policy_b_sha384, sizeof(ek_policy_b_sha384),
	    256 },
	/* L-2 */
	{ TPM2_ALG_ECC, 0, NID_X9_62_prime256v1, TPM2_ECC_NIST_P256, 32,
	    TPM2_ALG_SHA256, EK_ATTRS_LOW, ek_policy_a_sha256,
	    sizeof(ek_policy_a_sha256), 128 },
	/* H-3 */
	{ TPM2_ALG_ECC, 0, NID_secp384r1, TPM2_ECC_NIST_P384, 48,
	    TPM2_ALG_SHA384, EK_ATTRS_HIGH, ek_policy_b_sha384,
	    sizeof(ek_policy_b_sha384), 256 },
};

/* The name algorithms we accept: SHA-256 and SHA-384 (API spec §3). */
static const EVP_MD *
name_md(TPMI_ALG_HASH alg, size_t *len)
{
	switch (alg) {
	case TPM2_ALG_SHA256:
		*len = TPM_SHA256_BYTES;
		return EVP_sha256();
	case TPM2_ALG_SHA384:
		*len = TPM_SHA384_BYTES;
		return EVP_sha384();
	default:
		return NULL;
	}
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

/*
 * A TPMT_PUBLIC that is exactly b[off..len), in the canonical encoding:
 * marshalled back, it gives the same bytes.
 */
static bool
tpmt_exact(const uint8_t *b, size_t len, size_t off, TPMT_PUBLIC *pub)
{
	uint8_t again[TPM_PUBLIC_MAX_BYTES];
	size_t o = off, n = 0;

	memset(pub, 0, sizeof(*pub));
	if (Tss2_MU_TPMT_PUBLIC_Unmarshal(b, len, &o, pub) != TSS2_RC_SUCCESS ||
	    o != len)
		return false;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, again, sizeof(again), &n) !=
	    TSS2_RC_SUCCESS)
		return false;
	return n == len - off && memcmp(again, b + off, n) == 0;
}

int
tpm_public_parse(const uint8_t *b, size_t len, TPMT_PUBLIC *out,
    struct err *e)
{
	TPMT_PUBLIC pub;
	size_t off = 0;
	uint16_t size;

	if (b == NULL || len == 0)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "public area is empty");
	if (len > TPM_PUBLIC_MAX_BYTES)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "public area longer than %zu bytes "
		    "(TPM 2.0 Part 2 §12.2.5)",
		    TPM_PUBLIC_MAX_BYTES);
	/* TPM2B_PUBLIC: the size prefix counts exactly the rest */
	if (rd_be16(b, len, &off, &size) == 0 && size == len - off &&
	    tpmt_exact(b, len, off, &pub)) {
		*out = pub;
		return 0;
	}
	/* else a bare TPMT_PUBLIC (tpm2-tools -f tpmt) */
	if (tpmt_exact(b, len, 0, &pub)) {
		*out = pub;
		return 0;
	}
	return err_set(e, ERR_VALIDATION_FAILED,
	    "public area is not a TPM2B_PUBLIC or TPMT_PUBLIC of exactly %zu "
	    "bytes (TPM 2.0 Part 2 §12.2.4, §12.2.5)", len);
}

int
tpm_public_name(const TPMT_PUBLIC *pub, struct tpm_name *out, struct err *e)
{
	uint8_t buf[TPM_PUBLIC_MAX_BYTES];
	struct tpm_name n;
	const EVP_MD *md;
	size_t off = 0, dlen = 0;
	unsigned int got = 0;

	md = name_md(pub->nameAlg, &dlen);
	if (md == NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "name algorithm 0x%04x is not sha256 or sha384",
		    pub->nameAlg);
	if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) !=
	    TSS2_RC_SUCCESS)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "public area cannot be marshalled "
		    "(TPM 2.0 Part 2 §12.2.4)");
	memset(&n, 0, sizeof(n));
	n.b[0] = (uint8_t)(pub->nameAlg >> 8);
	n.b[1] = (uint8_t)pub->nameAlg;
	ERR_set_mark();
	if (EVP_Digest(buf, off, n.b + 2, &got, md, NULL) != 1 ||
	    got != dlen) {
		ERR_pop_to_mark();
		return err_set(e, ERR_INTERNAL, "internal error");
	}
	ERR_pop_to_mark();
	n.len = 2 + dlen;
	*out = n;
	return 0;
}

int
tpm_qualified_name(const struct tpm_name *parent_qn,
    const struct tpm_name *child_name, struct tpm_name *out, struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	struct tpm_name q;
	const EVP_MD *md;
	size_t dlen = 0;
	unsigned int got = 0;
	uint16_t alg;
	int rc = -1;

	if (child_name->len < 2 || child_name->len > sizeof(child_name->b) ||
	    parent_qn->len > sizeof(parent_qn->b)) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "name is shorter than its algorithm or too long");
		goto out;
	}
	alg = (uint16_t)(child_name->b[0] << 8 | child_name->b[1]);
	md = name_md(alg, &dlen);
	if (md == NULL || child_name->len - 2 != dlen) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "name is not sha256 or sha384 of the right length "
		    "(TPM 2.0 Part 1 §16)");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.b[0] = child_name->b[0];
	q.b[1] = child_name->b[1];
	ERR_set_mark();
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, parent_qn->b, parent_qn->len) != 1 ||
	    EVP_DigestUpdate(ctx, child_name->b, child_name->len) != 1 ||
	    EVP_DigestFinal_ex(ctx, q.b + 2, &got) != 1 || got != dlen) {
		ERR_pop_to_mark();
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	ERR_pop_to_mark();
	q.len = 2 + dlen;
	*out = q;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
tpm_ak_check(const TPMT_PUBLIC *pub, struct err *e)
{
	TPMA_OBJECT a = pub->objectAttributes;
	size_t dlen = 0;

	if (pub->type != TPM2_ALG_RSA && pub->type != TPM2_ALG_ECC)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak type 0x%04x is not rsa or ecc (TPMI_ALG_PUBLIC)",
		    pub->type);
	if (name_md(pub->nameAlg, &dlen) == NULL)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak name algorithm 0x%04x is not sha256 or sha384 "
		    "(nameAlg)",
		    pub->nameAlg);
	if ((a & TPMA_OBJECT_DECRYPT) != 0)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak is a decryption key (TPMA_OBJECT_DECRYPT)");
	if ((a & TPMA_OBJECT_SIGN_ENCRYPT) == 0)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak is not a signing key (TPMA_OBJECT_SIGN_ENCRYPT)");
	if ((a & TPMA_OBJECT_RESTRICTED) == 0)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak is not restricted (TPMA_OBJECT_RESTRICTED)");
	if ((a & TPMA_OBJECT_FIXEDTPM) == 0)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak is not fixedTPM (TPMA_OBJECT_FIXEDTPM)");
	if ((a & TPMA_OBJECT_FIXEDPARENT) == 0)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak is not fixedParent (TPMA_OBJECT_FIXEDPARENT)");
	if ((a & TPMA_OBJECT_SENSITIVEDATAORIGIN) == 0)
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak private key was not generated by the tpm "
		    "(TPMA_OBJECT_SENSITIVEDATAORIGIN)");
	if (pub->type == TPM2_ALG_RSA) {
		if (pub->parameters.rsaDetail.keyBits < TPM_AK_RSA_MIN_BITS)
			return err_set(e, ERR_AK_UNACCEPTABLE,
			    "ak rsa key has %u bits, fewer than %d (keyBits)",
			    pub->parameters.rsaDetail.keyBits,
			    TPM_AK_RSA_MIN_BITS);
		if (pub->unique.rsa.size * 8u !=
		    pub->parameters.rsaDetail.keyBits)
			return err_set(e, ERR_AK_UNACCEPTABLE,
			    "ak rsa modulus has %u bytes, keyBits says %u "
			    "(unique.rsa)", pub->unique.rsa.size,
			    pub->parameters.rsaDetail.keyBits);
	} else if (pub->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 &&
	    pub->parameters.eccDetail.curveID != TPM2_ECC_NIST_P384) {
		return err_set(e, ERR_AK_UNACCEPTABLE,
		    "ak curve 0x%04x is not nist p-256 or p-384 (curveID)",
		    pub->parameters.eccDetail.curveID);
	}
	return 0;
}

/* Build a public key from OSSL_PARAMs; NULL when OpenSSL refuses it. */
static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

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
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return k;
}

static EVP_PKEY *
rsa_to_pkey(const TPMT_PUBLIC *pub, struct err *e)
{
	const TPMS_RSA_PARMS *p = &pub->parameters.rsaDetail;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *n = NULL, *x = NULL;
	EVP_PKEY *k = NULL;
	uint32_t exponent;

	exponent = p->exponent == 0 ? TPM_RSA_DEFAULT_EXPONENT : p->exponent;
	/* e = 1 would make every signature trivially forgeable */
	if (exponent < 3 || exponent % 2 == 0) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "rsa exponent %u is not an odd number above 1 "
		    "(TPM 2.0 Part 2 §12.2.3.5)", exponent);
		goto out;
	}
	if (pub->unique.rsa.size == 0 || pub->unique.rsa.buffer[0] == 0 ||
	    pub->unique.rsa.size * 8u != p->keyBits) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "rsa modulus of %u bytes does not have keyBits %u bits "
		    "(TPM 2.0 Part 2 §11.2.4.5)", pub->unique.rsa.size,
		    p->keyBits);
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	n = BN_bin2bn(pub->unique.rsa.buffer, (int)pub->unique.rsa.size,
	    NULL);
	x = BN_new();
	if (bld == NULL || n == NULL || x == NULL ||
	    BN_set_word(x, exponent) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, x) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	k = pkey_fromdata("RSA", bld);
	if (k == NULL)
		err_set(e, ERR_VALIDATION_FAILED,
		    "rsa public key is not usable");
out:
	BN_free(x);
	BN_free(n);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

static EVP_PKEY *
ecc_to_pkey(const TPMT_PUBLIC *pub, struct err *e)
{
	const TPMS_ECC_POINT *q = &pub->unique.ecc;
	uint8_t pt[1 + 2 * TPM_ECC_MAX_FIELD_BYTES];
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *k = NULL;
	const char *group;
	size_t field;

	switch (pub->parameters.eccDetail.curveID) {
	case TPM2_ECC_NIST_P256:
		group = "P-256";
		field = 32;
		break;
	case TPM2_ECC_NIST_P384:
		group = "P-384";
		field = 48;
		break;
	case TPM2_ECC_NIST_P521:
		group = "P-521";
		field = 66;
		break;
	default:
		err_set(e, ERR_VALIDATION_FAILED,
		    "ecc curve 0x%04x is not nist p-256, p-384 or p-521",
		    pub->parameters.eccDetail.curveID);
		goto out;
	}
	if (q->x.size == 0 || q->x.size > field || q->y.size == 0 ||
	    q->y.size > field) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ecc point coordinates of %u and %u bytes do not fit the "
		    "curve (TPM 2.0 Part 2 §11.2.5.2)", q->x.size, q->y.size);
		goto out;
	}
	/* SEC 1 §2.3.3 uncompressed point, coordinates left-padded */
	memset(pt, 0, sizeof(pt));
	pt[0] = 0x04;
	memcpy(pt + 1 + field - q->x.size, q->x.buffer, q->x.size);
	memcpy(pt + 1 + 2 * field - q->y.size, q->y.buffer, q->y.size);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    1 + 2 * field) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	/* OpenSSL refuses a point that is not on the curve */
	k = pkey_fromdata("EC", bld);
	if (k == NULL)
		err_set(e, ERR_VALIDATION_FAILED,
		    "ecc public point is not on the curve");
out:
	OSSL_PARAM_BLD_free(bld);
	return k;
}

EVP_PKEY *
tpm_public_to_pkey(const TPMT_PUBLIC *pub, struct err *e)
{
	EVP_PKEY *k = NULL;

	ERR_set_mark();
	if (pub->type == TPM2_ALG_RSA)
		k = rsa_to_pkey(pub, e);
	else if (pub->type == TPM2_ALG_ECC)
		k = ecc_to_pkey(pub, e);
	else
		err_set(e, ERR_VALIDATION_FAILED,
		    "public area type 0x%04x is not rsa or ecc", pub->type);
	ERR_pop_to_mark();
	return k;
}

static void
ek_template_apply(const struct ek_template *t, TPMT_PUBLIC *pub)
{
	TPMT_SYM_DEF_OBJECT *sym;

	memset(pub, 0, sizeof(*pub));
	pub->type = t->type;
	pub->nameAlg = t->name_alg;
	pub->objectAttributes = t->attrs;
	pub->authPolicy.size = (uint16_t)t->policy_len;
	memcpy(pub->authPolicy.buffer, t->policy, t->policy_len);
	if (t->type == TPM2_ALG_RSA) {
		sym = &pub->parameters.rsaDetail.symmetric;
		pub->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		pub->parameters.rsaDetail.keyBits =
		    (TPMI_RSA_KEY_BITS)t->rsa_bits;
		pub->parameters.rsaDetail.exponent = 0;
	} else {
		sym = &pub->parameters.eccDetail.symmetric;
		pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		pub->parameters.eccDetail.curveID = t->curve;
		pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
	sym->algorithm = TPM2_ALG_AES;
	sym->keyBits.aes = t->aes_bits;
	sym->mode.aes = TPM2_ALG_CFB;
}

static const struct ek_template *
ek_template_find(TPMI_ALG_PUBLIC type, unsigned rsa_bits, int nid)
{
	size_t i;

	for (i = 0; i < sizeof(ek_templates) / sizeof(ek_templates[0]); i++) {
		if (ek_templates[i].type != type)
			continue;
		if (type == TPM2_ALG_RSA &&
		    ek_templates[i].rsa_bits == rsa_bits)
			return &ek_templates[i];
		if (type == TPM2_ALG_ECC && ek_templates[i].nid == nid)
			return &ek_templates[i];
	}
	return NULL;
}

static int
ek_rsa_from_pkey(const EVP_PKEY *k, TPMT_PUBLIC *pub, struct err *e)
{
	const struct ek_template *t;
	BIGNUM *n = NULL, *x = NULL;
	int bits, rc = -1;

	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &x) != 1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek spki rsa key has no modulus or exponent");
		goto out;
	}
	bits = BN_num_bits(n);
	t = ek_template_find(TPM2_ALG_RSA, bits > 0 ? (unsigned)bits : 0,
	    NID_undef);
	if (t == NULL) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek rsa key of %d bits matches no tcg ek template "
		    "(2048 or 3072)", bits);
		goto out;
	}
	/* the templates leave the exponent 0, which is 65537 */
	if (BN_is_word(x, TPM_RSA_DEFAULT_EXPONENT) != 1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek rsa exponent is not 65537 (tcg ek templates)");
		goto out;
	}
	ek_template_apply(t, pub);
	if (BN_bn2binpad(n, pub->unique.rsa.buffer, (int)(t->rsa_bits / 8)) !=
	    (int)(t->rsa_bits / 8)) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	pub->unique.rsa.size = (uint16_t)(t->rsa_bits / 8);
	rc = 0;
out:
	BN_free(x);
	BN_free(n);
	return rc;
}

static int
ek_ecc_from_pkey(const EVP_PKEY *k, TPMT_PUBLIC *pub, struct err *e)
{
	const struct ek_template *t;
	BIGNUM *x = NULL, *y = NULL;
	char group[64], enc[32];
	size_t glen = 0, elen = 0;
	int nid, fb, rc = -1;

	/* RFC 5480 §2.1.1: a certificate names its curve */
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, enc,
	    sizeof(enc), &elen) != 1 ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0 ||
	    EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) != 1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek spki ecc key has no named curve (RFC 5480 §2.1.1)");
		goto out;
	}
	nid = OBJ_txt2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	t = ek_template_find(TPM2_ALG_ECC, 0, nid);
	if (t == NULL) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek curve matches no tcg ek template (p-256 or p-384)");
		goto out;
	}
	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek spki ecc key has no public point");
		goto out;
	}
	ek_template_apply(t, pub);
	fb = (int)t->field_bytes;
	if (BN_bn2binpad(x, pub->unique.ecc.x.buffer, fb) != fb ||
	    BN_bn2binpad(y, pub->unique.ecc.y.buffer, fb) != fb) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek ecc point does not fit the curve");
		goto out;
	}
	pub->unique.ecc.x.size = (uint16_t)t->field_bytes;
	pub->unique.ecc.y.size = (uint16_t)t->field_bytes;
	rc = 0;
out:
	BN_free(y);
	BN_free(x);
	return rc;
}

int
tpm_ek_public_from_spki(const uint8_t *spki, size_t spki_len,
    TPMT_PUBLIC *out, struct err *e)
{
	const unsigned char *p = spki;
	EVP_PKEY *k = NULL;
	TPMT_PUBLIC pub;
	int rc = -1;

	ERR_set_mark();
	if (spki == NULL || spki_len == 0 || spki_len > LIMIT_EK_DER_BYTES) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek spki is empty or longer than %d bytes",
		    LIMIT_EK_DER_BYTES);
		goto out;
	}
	k = d2i_PUBKEY(NULL, &p, (long)spki_len);
	if (k == NULL || (size_t)(p - spki) != spki_len) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek spki is not one DER SubjectPublicKeyInfo "
		    "(RFC 5280 §4.1.2.7)");
		goto out;
	}
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		if (ek_rsa_from_pkey(k, &pub, e) == -1)
			goto out;
		break;
	case EVP_PKEY_EC:
		if (ek_ecc_from_pkey(k, &pub, e) == -1)
			goto out;
		break;
	default:
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek spki key is not rsa or ecc");
		goto out;
	}
	*out = pub;
	rc = 0;
out:
	ERR_pop_to_mark();
	EVP_PKEY_free(k);
	return rc;
}
