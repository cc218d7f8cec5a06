/*
 * quote.c - TPM2_Quote verification (API spec §4.2) and the pcr_values model.
 *
 * The quote (a TPMS_ATTEST, or a TPM2B_ATTEST whose size prefix equals the
 * rest) and its TPMT_SIGNATURE are parsed with tss2-mu, which must consume
 * every byte. Then, in this order, the first failure giving the §3 reason:
 * magic and type (magic_invalid); extraData against the consumed nonce, in
 * constant time (nonce_mismatch); the signature over the exact TPMS_ATTEST
 * bytes with the AK (signature_invalid): RSASSA-PKCS1-v1_5, RSASSA-PSS with
 * any salt length, or ECDSA with r and s re-encoded as a DER ECDSA-Sig-Value,
 * each with SHA-256, SHA-384 or SHA-512, in a scheme that the AK's key type
 * allows and, when the AK fixes a scheme, that very scheme; the PCR selection
 * against the keys of the reported values (pcr_selection_mismatch); pcrDigest
 * = H_sig(the values, banks in selection order, indices ascending)
 * (pcr_digest_mismatch); the machine's policy (pcr_policy_violation).
 *
 * It does not compare qualifiedSigner (it is returned; the caller knows the
 * EK), check the AK's attributes (tpm_ak_check at activation), nonce
 * freshness, or resetCount monotonicity (the database layer does). SHA-1
 * signatures are refused: a quote is only as good as its signature, and SHA-1
 * collisions are practical. SHA-1 PCR *values* are fine: they are hashed
 * again with H_sig.
 *
 * Pure: no I/O, clock, environment or globals. Every OpenSSL object is freed
 * before returning, and the OpenSSL error queue is left as it was found.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/err.h"
#include "core/limits.h"
#include "verify/quote.h"
#include "verify/tpm.h"

#define PCR_INDEX_MAX		23
#define PCR_BANKS		4	/* sha1, sha256, sha384, sha512 */

/* pcr_value.digest holds the largest bank; a set holds every PCR of each. */
_Static_assert(sizeof(((struct pcr_value *)0)->digest) == sizeof(TPMU_HA),
    "a pcr value holds any TPM digest");
_Static_assert(LIMIT_PCR_VALUES == PCR_BANKS * (PCR_INDEX_MAX + 1),
    "LIMIT_PCR_VALUES is every PCR of every bank");
/*
 * A TPMS_ATTEST starts with the magic ff 54 43 47; read as a TPM2B_ATTEST
 * size that is 65364 bytes, more than we take, so the forms cannot be confused.
 */
_Static_assert(sizeof(TPM2B_ATTEST) < 0xff54 + 2,
    "a TPMS_ATTEST cannot pass for a TPM2B_ATTEST");
/* The qualified name we return fits the TPM's TPM2B_NAME. */
_Static_assert(TPM_NAME_MAX <= sizeof(((TPM2B_NAME *)0)->name),
    "TPM_NAME_MAX fits a TPM2B_NAME");
/* Bit n of a TPMS_PCR_SELECTION bitmap is PCR n; 24 PCRs need 3 bytes. */
_Static_assert(sizeof(((TPMS_PCR_SELECTION *)0)->pcrSelect) * 8 >
    PCR_INDEX_MAX, "the bitmap covers PCR 0..23");

static const struct {
	const char *name;
	uint16_t alg;
	size_t len;
} banks[PCR_BANKS] = {
	{ "sha1", TPM2_ALG_SHA1, 20 },
	{ "sha256", TPM2_ALG_SHA256, 32 },
	{ "sha384", TPM2_ALG_SHA384, 48 },
	{ "sha512", TPM2_ALG_SHA512, 64 },
};

/* Digest size of a PCR bank, 0 when we do not know the bank. */
static size_t
bank_len(uint16_t alg)
{
	size_t i;

	for (i = 0; i < PCR_BANKS; i++)
		if (banks[i].alg == alg)
			return banks[i].len;
	return 0;
}

static const char *
bank_name(uint16_t alg)
{
	size_t i;

	for (i = 0; i < PCR_BANKS; i++)
		if (banks[i].alg == alg)
			return banks[i].name;
	return "unknown";
}

/*
 * The hash of a quote signature. SHA-1 is refused (see the top); so is
 * anything else we cannot name.
 */
static const EVP_MD *
sig_md(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA256:
		return EVP_sha256();
	case TPM2_ALG_SHA384:
		return EVP_sha384();
	case TPM2_ALG_SHA512:
		return EVP_sha512();
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
 * The TPMS_ATTEST bytes of the input: all of it, or everything after a
 * TPM2B_ATTEST size prefix that equals the rest (the forms cannot be
 * confused: see the _Static_assert at the top).
 */
static void
attest_body(const uint8_t *b, size_t len, const uint8_t **body,
    size_t *body_len)
{
	size_t off = 0;
	uint16_t size;

	*body = b;
	*body_len = len;
	if (rd_be16(b, len, &off, &size) == 0 && size == len - off) {
		*body = b + off;
		*body_len = size;
	}
}

/* Parse the attestation and the signature; every byte must be consumed. */
static int
quote_parse(const struct quote_in *in, const uint8_t **body,
    size_t *body_len, TPMS_ATTEST *att, TPMT_SIGNATURE *sig, struct err *e)
{
	const TPML_PCR_SELECTION *sel;
	size_t off, i;

	if (in->attest == NULL || in->attest_len == 0)
		return err_set_reason(e, "quote_malformed", "quote is empty");
	if (in->attest_len > sizeof(TPM2B_ATTEST))
		return err_set_reason(e, "quote_malformed",
		    "quote longer than a TPM2B_ATTEST (%zu bytes)",
		    sizeof(TPM2B_ATTEST));
	if (in->sig == NULL || in->sig_len == 0)
		return err_set_reason(e, "quote_malformed",
		    "quote signature is empty");
	if (in->sig_len > sizeof(TPMT_SIGNATURE))
		return err_set_reason(e, "quote_malformed",
		    "quote signature longer than a TPMT_SIGNATURE (%zu bytes)",
		    sizeof(TPMT_SIGNATURE));

	attest_body(in->attest, in->attest_len, body, body_len);
	memset(att, 0, sizeof(*att));
	off = 0;
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(*body, *body_len, &off, att) !=
	    TSS2_RC_SUCCESS)
		return err_set_reason(e, "quote_malformed",
		    "quote is not a TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12)");
	if (off != *body_len)
		return err_set_reason(e, "quote_malformed",
		    "quote has trailing bytes after its TPMS_ATTEST (%zu)",
		    *body_len - off);
	if (att->qualifiedSigner.size > TPM_NAME_MAX)
		return err_set_reason(e, "quote_malformed",
		    "quote qualifiedSigner longer than %d bytes", TPM_NAME_MAX);
	if (att->type == TPM2_ST_ATTEST_QUOTE) {
		/* tss2-mu bounds these; the loops below rely on it */
		sel = &att->attested.quote.pcrSelect;
		if (sel->count > TPM2_NUM_PCR_BANKS)
			return err_set_reason(e, "quote_malformed",
			    "quote selects more than %d banks",
			    TPM2_NUM_PCR_BANKS);
		for (i = 0; i < sel->count; i++)
			if (sel->pcrSelections[i].sizeofSelect >
			    sizeof(sel->pcrSelections[i].pcrSelect))
				return err_set_reason(e, "quote_malformed",
				    "quote pcr bitmap longer than %zu bytes",
				    sizeof(sel->pcrSelections[i].pcrSelect));
	}

	memset(sig, 0, sizeof(*sig));
	off = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(in->sig, in->sig_len, &off,
	    sig) != TSS2_RC_SUCCESS)
		return err_set_reason(e, "quote_malformed",
		    "quote signature is not a TPMT_SIGNATURE "
		    "(TPM 2.0 Part 2 §11.3.4)");
	if (off != in->sig_len)
		return err_set_reason(e, "quote_malformed",
		    "quote signature has trailing bytes (%zu)",
		    in->sig_len - off);
	return 0;
}

static int
check_magic(const TPMS_ATTEST *att, struct err *e)
{
	if (att->magic != TPM2_GENERATED_VALUE)
		return err_set_reason(e, "magic_invalid",
		    "quote magic is not TPM_GENERATED_VALUE (TPM 2.0 Part 2)");
	if (att->type != TPM2_ST_ATTEST_QUOTE)
		return err_set_reason(e, "magic_invalid",
		    "attestation type 0x%04x is not TPM_ST_ATTEST_QUOTE "
		    "(TPM 2.0 Part 2)", att->type);
	return 0;
}

static int
check_nonce(const TPMS_ATTEST *att, const struct quote_in *in,
    struct err *e)
{
	if (in->nonce == NULL)
		return 0;
	if (att->extraData.size != in->nonce_len ||
	    CRYPTO_memcmp(att->extraData.buffer, in->nonce,
	    in->nonce_len) != 0)
		return err_set_reason(e, "nonce_mismatch",
		    "quote extraData is not the consumed nonce");
	return 0;
}

/*
 * The signature's scheme and hash, checked against the AK: RSA keys sign
 * with RSASSA or RSAPSS, ECC keys with ECDSA (ECDAA, SM2 and EC-Schnorr are
 * not used for quotes here), and a restricted key with a scheme signs only
 * with that scheme and hash (TPM 2.0 Part 1 §25.2.3).
 */
static int
check_scheme(const TPMT_SIGNATURE *sig, const TPMT_PUBLIC *ak,
    const EVP_MD **md, struct err *e)
{
	uint16_t hash, fixed, fixed_hash;

	switch (ak->type) {
	case TPM2_ALG_RSA:
		if (sig->sigAlg != TPM2_ALG_RSASSA &&
		    sig->sigAlg != TPM2_ALG_RSAPSS)
			return err_set_reason(e, "signature_invalid",
			    "signature scheme 0x%04x is not rsassa or rsapss "
			    "for an rsa ak", sig->sigAlg);
		hash = sig->signature.rsassa.hash;
		fixed = ak->parameters.rsaDetail.scheme.scheme;
		fixed_hash =
		    ak->parameters.rsaDetail.scheme.details.anySig.hashAlg;
		break;
	case TPM2_ALG_ECC:
		if (sig->sigAlg != TPM2_ALG_ECDSA)
			return err_set_reason(e, "signature_invalid",
			    "signature scheme 0x%04x is not ecdsa for an ecc "
			    "ak", sig->sigAlg);
		hash = sig->signature.ecdsa.hash;
		fixed = ak->parameters.eccDetail.scheme.scheme;
		fixed_hash =
		    ak->parameters.eccDetail.scheme.details.anySig.hashAlg;
		break;
	default:
		return err_set_reason(e, "signature_invalid",
		    "ak type 0x%04x cannot sign quotes", ak->type);
	}
	if (hash == TPM2_ALG_SHA1)
		return err_set_reason(e, "signature_invalid",
		    "sha-1 quote signatures are not accepted");
	*md = sig_md(hash);
	if (*md == NULL)
		return err_set_reason(e, "signature_invalid",
		    "signature hash 0x%04x is not sha256, sha384 or sha512",
		    hash);
	if (fixed != TPM2_ALG_NULL &&
	    (fixed != sig->sigAlg || fixed_hash != hash))
		return err_set_reason(e, "signature_invalid",
		    "signature scheme 0x%04x/0x%04x is not the ak's "
		    "0x%04x/0x%04x", sig->sigAlg, hash, fixed, fixed_hash);
	return 0;
}

/* r and s as a DER ECDSA-Sig-Value (SEC 1 §C.5); *der is OPENSSL_malloc'd. */
static int
ecdsa_der(const TPMS_SIGNATURE_ECC *s, uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *sv = NULL;
	int n, rc = -1;

	*der = NULL;
	if (s->signatureR.size > sizeof(s->signatureR.buffer) ||
	    s->signatureS.size > sizeof(s->signatureS.buffer))
		goto out;
	r = BN_bin2bn(s->signatureR.buffer, (int)s->signatureR.size, NULL);
	sv = BN_bin2bn(s->signatureS.buffer, (int)s->signatureS.size, NULL);
	es = ECDSA_SIG_new();
	if (r == NULL || sv == NULL || es == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, r, sv) != 1)
		goto out;
	r = NULL;	/* owned by es now */
	sv = NULL;
	n = i2d_ECDSA_SIG(es, der);
	if (n <= 0) {
		*der = NULL;
		goto out;
	}
	*der_len = (size_t)n;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(sv);
	return rc;
}

/* EVP_DigestVerify of body with the AK; only a result of 1 passes. */
static int
check_signature(const uint8_t *body, size_t body_len,
    const TPMT_SIGNATURE *sig, const TPMT_PUBLIC *ak, const EVP_MD *md,
    struct err *e)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	struct err ke = { 0 };
	uint8_t *der = NULL;
	const uint8_t *s;
	size_t s_len = 0;
	int want, rc = -1;

	pkey = tpm_public_to_pkey(ak, &ke);
	if (pkey == NULL) {
		err_set_reason(e, "signature_invalid",
		    "ak public key is unusable");
		goto out;
	}
	want = ak->type == TPM2_ALG_RSA ? EVP_PKEY_RSA : EVP_PKEY_EC;
	if (EVP_PKEY_get_base_id(pkey) != want) {
		err_set_reason(e, "signature_invalid",
		    "ak public key is not of the ak's type");
		goto out;
	}
	if (sig->sigAlg == TPM2_ALG_ECDSA) {
		if (ecdsa_der(&sig->signature.ecdsa, &der, &s_len) == -1) {
			err_set_reason(e, "signature_invalid",
			    "ecdsa signature cannot be encoded");
			goto out;
		}
		s = der;
	} else {
		/* rsassa and rsapss share TPMS_SIGNATURE_RSA */
		if (sig->signature.rsassa.sig.size >
		    sizeof(sig->signature.rsassa.sig.buffer)) {
			err_set_reason(e, "signature_invalid",
			    "rsa signature longer than its buffer");
			goto out;
		}
		s = sig->signature.rsassa.sig.buffer;
		s_len = sig->signature.rsassa.sig.size;
	}

	mctx = EVP_MD_CTX_new();
	if (mctx == NULL ||
	    EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pkey) != 1) {
		err_set_reason(e, "signature_invalid",
		    "signature verification cannot start");
		goto out;
	}
	if (sig->sigAlg == TPM2_ALG_RSAPSS) {
		/* the TPM picks the salt length (Part 1 §B.7): accept any */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    RSA_PSS_SALTLEN_AUTO) <= 0) {
			err_set_reason(e, "signature_invalid",
			    "rsa-pss parameters rejected");
			goto out;
		}
	} else if (sig->sigAlg == TPM2_ALG_RSASSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PADDING) <= 0) {
			err_set_reason(e, "signature_invalid",
			    "rsassa parameters rejected");
			goto out;
		}
	}
	if (EVP_DigestVerify(mctx, s, s_len, body, body_len) != 1) {
		err_set_reason(e, "signature_invalid",
		    "quote signature does not verify with the ak");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);	/* frees pctx too */
	EVP_PKEY_free(pkey);
	return rc;
}

/* Whether the selection's bitmap of bank alg has bit index, before bank end. */
static bool
sel_has(const TPML_PCR_SELECTION *sel, size_t end, uint16_t alg,
    size_t index)
{
	const TPMS_PCR_SELECTION *b;
	size_t i;

	for (i = 0; i < end && i < sel->count; i++) {
		b = &sel->pcrSelections[i];
		if (b->hash != alg || index / 8 >= b->sizeofSelect)
			continue;
		if ((b->pcrSelect[index / 8] & (1u << (index % 8))) != 0)
			return true;
	}
	return false;
}

/*
 * The selection must be exactly the keys of the values: every selected PCR
 * is reported, every reported PCR is selected, and none is selected twice
 * (a JSON object cannot report one PCR twice).
 */
static int
check_selection(const TPML_PCR_SELECTION *sel, const struct pcr_set *values,
    struct err *e)
{
	const TPMS_PCR_SELECTION *b;
	const struct pcr_value *v;
	size_t i, j, n;

	n = values != NULL ? values->n : 0;
	if (n > LIMIT_PCR_VALUES)
		return err_set_reason(e, "pcr_selection_mismatch",
		    "more than %d pcr values", LIMIT_PCR_VALUES);
	for (i = 0; i < sel->count; i++) {
		b = &sel->pcrSelections[i];
		for (j = 0; j < (size_t)b->sizeofSelect * 8; j++) {
			if ((b->pcrSelect[j / 8] & (1u << (j % 8))) == 0)
				continue;
			if (bank_len(b->hash) == 0 || j > PCR_INDEX_MAX)
				return err_set_reason(e,
				    "pcr_selection_mismatch",
				    "quote selects pcr %zu of bank 0x%04x, "
				    "which pcr_values cannot hold", j,
				    b->hash);
			if (sel_has(sel, i, b->hash, j))
				return err_set_reason(e,
				    "pcr_selection_mismatch",
				    "quote selects %s:%zu twice",
				    bank_name(b->hash), j);
			if (pcr_set_find(values, b->hash, (uint8_t)j) == NULL)
				return err_set_reason(e,
				    "pcr_selection_mismatch",
				    "quote selects %s:%zu, which pcr_values "
				    "lacks", bank_name(b->hash), j);
		}
	}
	for (i = 0; i < n; i++) {
		v = &values->v[i];
		if (!sel_has(sel, sel->count, v->alg, v->index))
			return err_set_reason(e, "pcr_selection_mismatch",
			    "pcr_values has %s:%u, which the quote does not "
			    "select", bank_name(v->alg), v->index);
	}
	return 0;
}

/* pcrDigest = H_sig(values: banks in selection order, indices ascending). */
static int
check_digest(const TPMS_QUOTE_INFO *q, const struct pcr_set *values,
    const EVP_MD *md, struct err *e)
{
	const TPMS_PCR_SELECTION *b;
	const struct pcr_value *v;
	EVP_MD_CTX *c = NULL;
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int d_len = 0;
	size_t i, j;
	int rc = -1;

	c = EVP_MD_CTX_new();
	if (c == NULL || EVP_DigestInit_ex(c, md, NULL) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	for (i = 0; i < q->pcrSelect.count; i++) {
		b = &q->pcrSelect.pcrSelections[i];
		for (j = 0; j < (size_t)b->sizeofSelect * 8; j++) {
			if ((b->pcrSelect[j / 8] & (1u << (j % 8))) == 0)
				continue;
			/* check_selection found every selected value */
			v = pcr_set_find(values, b->hash, (uint8_t)j);
			if (v == NULL || v->len != bank_len(b->hash)) {
				err_set_reason(e, "pcr_digest_mismatch",
				    "pcr value %s:%zu is not %zu bytes",
				    bank_name(b->hash), j,
				    bank_len(b->hash));
				goto out;
			}
			if (EVP_DigestUpdate(c, v->digest, v->len) != 1) {
				err_set(e, ERR_INTERNAL, "internal error");
				goto out;
			}
		}
	}
	if (EVP_DigestFinal_ex(c, d, &d_len) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	if (q->pcrDigest.size != d_len ||
	    memcmp(q->pcrDigest.buffer, d, d_len) != 0) {
		err_set_reason(e, "pcr_digest_mismatch",
		    "quote pcrDigest is not the digest of pcr_values");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(c);
	return rc;
}

/* Every policy entry must be reported, with the same value. */
static int
check_policy(const struct pcr_set *policy, const struct pcr_set *values,
    struct err *e)
{
	const struct pcr_value *p, *v;
	size_t i;

	if (policy == NULL)
		return 0;
	if (policy->n > LIMIT_PCR_VALUES)
		return err_set_reason(e, "pcr_policy_violation",
		    "pcr policy has more than %d values", LIMIT_PCR_VALUES);
	for (i = 0; i < policy->n; i++) {
		p = &policy->v[i];
		v = pcr_set_find(values, p->alg, p->index);
		if (v == NULL)
			return err_set_reason(e, "pcr_policy_violation",
			    "policy pcr %s:%u is not quoted",
			    bank_name(p->alg), p->index);
		if (v->len != p->len || p->len > sizeof(p->digest) ||
		    memcmp(v->digest, p->digest, p->len) != 0)
			return err_set_reason(e, "pcr_policy_violation",
			    "pcr %s:%u differs from the policy",
			    bank_name(p->alg), p->index);
	}
	return 0;
}

int
quote_verify(const struct quote_in *in, const TPMT_PUBLIC *ak,
    struct quote_result *out, struct err *e)
{
	TPMS_ATTEST att;
	TPMT_SIGNATURE sig;
	const uint8_t *body = NULL;
	size_t body_len = 0;
	const EVP_MD *md = NULL;
	int rc = -1;

	(void)ERR_set_mark();
	if (in == NULL || ak == NULL || out == NULL) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	if (quote_parse(in, &body, &body_len, &att, &sig, e) == -1 ||
	    check_magic(&att, e) == -1 ||
	    check_nonce(&att, in, e) == -1 ||
	    check_scheme(&sig, ak, &md, e) == -1 ||
	    check_signature(body, body_len, &sig, ak, md, e) == -1 ||
	    check_selection(&att.attested.quote.pcrSelect, in->values,
	    e) == -1 ||
	    check_digest(&att.attested.quote, in->values, md, e) == -1 ||
	    check_policy(in->policy, in->values, e) == -1)
		goto out;

	out->clock = att.clockInfo.clock;
	out->reset_count = att.clockInfo.resetCount;
	out->restart_count = att.clockInfo.restartCount;
	out->safe = att.clockInfo.safe != 0;
	out->firmware_version = att.firmwareVersion;
	memcpy(out->qualified_signer.b, att.qualifiedSigner.name,
	    att.qualifiedSigner.size);
	out->qualified_signer.len = att.qualifiedSigner.size;
	rc = 0;
out:
	(void)ERR_pop_to_mark();
	return rc;
}

/* A hex digit's value, or -1. */
static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * "bank:index" with a bank of banks[] and an index of 0..23 written in
 * decimal with no sign, space or leading zero ("0" itself is fine). The
 * bank's position in banks[], or -1.
 */
static int
pcr_key_parse(const char *key, size_t key_len, uint8_t *index)
{
	size_t i, colon, idx_len;
	unsigned int n = 0;
	int bank = -1;

	for (colon = 0; colon < key_len; colon++)
		if (key[colon] == ':')
			break;
	if (colon == key_len)
		return -1;
	for (i = 0; i < PCR_BANKS; i++)
		if (strlen(banks[i].name) == colon &&
		    memcmp(key, banks[i].name, colon) == 0)
			bank = (int)i;
	idx_len = key_len - colon - 1;
	if (bank == -1 || idx_len < 1 || idx_len > 2 ||
	    (idx_len == 2 && key[colon + 1] == '0'))
		return -1;
	for (i = colon + 1; i < key_len; i++) {
		if (key[i] < '0' || key[i] > '9')
			return -1;
		n = n * 10 + (unsigned int)(key[i] - '0');
	}
	if (n > PCR_INDEX_MAX)
		return -1;
	*index = (uint8_t)n;
	return bank;
}

int
pcr_value_parse(const char *key, size_t key_len, const char *hex,
    size_t hex_len, struct pcr_value *v, struct err *e)
{
	struct pcr_value t;
	char echo[LIMIT_DETAIL_ECHO_BYTES + 1];
	size_t i;
	int bank, hi, lo;

	memset(&t, 0, sizeof(t));
	if (key == NULL)
		key_len = 0;
	bank = pcr_key_parse(key, key_len, &t.index);
	if (bank == -1) {
		err_echo(echo, sizeof(echo), key, key_len);
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr key \"%s\" is not sha1|sha256|sha384|sha512:0..23",
		    echo);
	}
	t.alg = banks[bank].alg;
	t.len = banks[bank].len;
	if (hex == NULL || hex_len != 2 * t.len)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr value of %s:%u is not %zu hex digits",
		    banks[bank].name, t.index, 2 * t.len);
	for (i = 0; i < t.len; i++) {
		hi = hex_val(hex[2 * i]);
		lo = hex_val(hex[2 * i + 1]);
		if (hi == -1 || lo == -1)
			return err_set(e, ERR_VALIDATION_FAILED,
			    "pcr value of %s:%u is not hex", banks[bank].name,
			    t.index);
		t.digest[i] = (uint8_t)(hi << 4 | lo);
	}
	*v = t;
	return 0;
}

int
pcr_set_add(struct pcr_set *s, const struct pcr_value *v, struct err *e)
{
	if (bank_len(v->alg) == 0 || v->len != bank_len(v->alg) ||
	    v->index > PCR_INDEX_MAX)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr value is not sha1|sha256|sha384|sha512:0..23");
	if (pcr_set_find(s, v->alg, v->index) != NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "pcr %s:%u is given twice", bank_name(v->alg), v->index);
	if (s->n >= LIMIT_PCR_VALUES)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "more than %d pcr values", LIMIT_PCR_VALUES);
	s->v[s->n] = *v;
	s->n++;
	return 0;
}

const struct pcr_value *
pcr_set_find(const struct pcr_set *s, uint16_t alg, uint8_t index)
{
	size_t i, n;

	if (s == NULL)
		return NULL;
	n = s->n > LIMIT_PCR_VALUES ? LIMIT_PCR_VALUES : s->n;
	for (i = 0; i < n; i++)
		if (s->v[i].alg == alg && s->v[i].index == index)
			return &s->v[i];
	return NULL;
}
