/*
 * makecred.c - TPM2_MakeCredential in software (TPM 2.0 Part 1 §24, Part 3
 * §12.6), so that the server needs no TPM to challenge one. The seed is
 * protected to the EK as the TPM's ActivateCredential expects it (Part 1
 * §24.4 and Annex B.10.3 for RSA: OAEP with label "IDENTITY"; §11.4.10.3
 * and Annex C.6.1 for ECC: one-pass ECDH with an ephemeral key and KDFe),
 * then the credential is encrypted with a KDFa-derived key and integrity
 * protected with an HMAC over the object's Name (§24.4, §24.5). The output
 * is marshalled with tss2-mu in the TPM's own formats and in the file that
 * tpm2_makecredential writes (tpm2-tools: BE32 0xBADCC0DE, BE32 1, then
 * the two structures).
 *
 * It does not check that the EK is a real EK (the caller decides which EK
 * public area to trust) nor that the name belongs to a valid AK. Pure: no
 * I/O, clock, environment or globals; randomness comes from OpenSSL's DRBG;
 * the seed, the keys and the shared secret are cleansed before return; the
 * OpenSSL error queue is left as it was found.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "verify/makecred.h"

/* tpm2-tools' credential file header (lib/files.c) */
#define MAKECRED_TOOLS_MAGIC	0xBADCC0DEu
#define MAKECRED_TOOLS_VERSION	1u
#define MAKECRED_DIGEST_MAX	48	/* SHA-384 */
#define MAKECRED_ECC_FIELD_MAX	66	/* NIST P-521 */
#define MAKECRED_SYM_KEY_MAX	32	/* AES-256 */

/*
 * Part 1 §24.4: the label of the seed is "IDENTITY", used with its
 * terminating NUL both as the OAEP label and as KDFe's Use.
 */
static const char identity_label[] = "IDENTITY";
/* Part 1 §24.4, §24.5: KDFa labels, NUL-terminated in the KDFa input */
static const char storage_label[] = "STORAGE";
static const char integrity_label[] = "INTEGRITY";

_Static_assert(MAKECRED_SECRET_MAX <= sizeof(((TPM2B_DIGEST *)0)->buffer),
    "a credential is a TPM2B_DIGEST");
_Static_assert(MAKECRED_DIGEST_MAX <= sizeof(((TPM2B_DIGEST *)0)->buffer),
    "an integrity HMAC is a TPM2B_DIGEST");
_Static_assert(MAKECRED_ECC_FIELD_MAX <=
    sizeof(((TPMS_ECC_POINT *)0)->x.buffer), "coordinates fit a TPM2B");
_Static_assert(sizeof(TPMS_ECC_POINT) <=
    sizeof(((TPM2B_ENCRYPTED_SECRET *)0)->secret),
    "an ECC point fits an encrypted secret");
_Static_assert(MAKECRED_TOOLS_BLOB_MAX >= 8 + MAKECRED_ID_OBJECT_MAX +
    MAKECRED_ENC_SECRET_MAX, "the tools blob holds both structures");

/* What one makecred call derives from the EK public area. */
struct makecred_alg {
	char digest[8];		/* OpenSSL name of the EK's nameAlg */
	const EVP_MD *md;
	size_t digest_len;
	const EVP_CIPHER *cipher;	/* AES-CFB of the EK's symmetric def */
	size_t sym_bits;
};

static void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* nameAlg and symmetric definition of the EK (Part 1 §24.4). */
static int
alg_from_ek(const TPMT_PUBLIC *ek, struct makecred_alg *a, struct err *e)
{
	const TPMT_SYM_DEF_OBJECT *sym;

	switch (ek->nameAlg) {
	case TPM2_ALG_SHA256:
		memcpy(a->digest, "SHA256", sizeof("SHA256"));
		a->md = EVP_sha256();
		a->digest_len = 32;
		break;
	case TPM2_ALG_SHA384:
		memcpy(a->digest, "SHA384", sizeof("SHA384"));
		a->md = EVP_sha384();
		a->digest_len = 48;
		break;
	default:
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek name algorithm 0x%04x is not sha256 or sha384",
		    ek->nameAlg);
	}
	if (ek->type == TPM2_ALG_RSA)
		sym = &ek->parameters.rsaDetail.symmetric;
	else if (ek->type == TPM2_ALG_ECC)
		sym = &ek->parameters.eccDetail.symmetric;
	else
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek type 0x%04x is not rsa or ecc", ek->type);
	if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB ||
	    (sym->keyBits.aes != 128 && sym->keyBits.aes != 256))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek symmetric definition is not aes-128-cfb or aes-256-cfb "
		    "(TPM 2.0 Part 2 §12.2.3.7)");
	a->sym_bits = sym->keyBits.aes;
	a->cipher = sym->keyBits.aes == 128 ? EVP_aes_128_cfb128() :
	    EVP_aes_256_cfb128();
	return 0;
}

/*
 * KDFa (Part 1 §11.4.10.2, SP 800-108 counter mode with HMAC): K(i) =
 * HMAC(key, BE32(i) || label || 0x00 || context_u || context_v ||
 * BE32(bits)), concatenated and cut to bits (a multiple of 8 here).
 */
static int
kdfa(EVP_MAC *mac, struct makecred_alg *a, const uint8_t *key,
    size_t key_len, const char *label, const uint8_t *u, size_t u_len,
    const uint8_t *v, size_t v_len, size_t bits, uint8_t *out)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	uint8_t blk[MAKECRED_DIGEST_MAX], ctr[4], nbits[4];
	size_t need = bits / 8, done = 0, got, take;
	uint32_t i;
	int rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    a->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	be32_put(nbits, (uint32_t)bits);
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		goto out;
	for (i = 1; done < need; i++) {
		be32_put(ctr, i);
		got = 0;
		if (EVP_MAC_init(ctx, key, key_len, params) != 1 ||
		    EVP_MAC_update(ctx, ctr, sizeof(ctr)) != 1 ||
		    EVP_MAC_update(ctx, (const uint8_t *)label,
		    strlen(label) + 1) != 1 ||
		    (u_len > 0 && EVP_MAC_update(ctx, u, u_len) != 1) ||
		    (v_len > 0 && EVP_MAC_update(ctx, v, v_len) != 1) ||
		    EVP_MAC_update(ctx, nbits, sizeof(nbits)) != 1 ||
		    EVP_MAC_final(ctx, blk, &got, sizeof(blk)) != 1 ||
		    got != a->digest_len)
			goto out;
		take = need - done < got ? need - done : got;
		memcpy(out + done, blk, take);
		done += take;
	}
	rc = 0;
out:
	OPENSSL_cleanse(blk, sizeof(blk));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

/*
 * KDFe (Part 1 §11.4.10.3, SP 800-56A concatenation KDF): K(i) =
 * H(BE32(i) || Z || use || party_u || party_v), cut to bits. use is the
 * label with its terminating NUL.
 */
static int
kdfe(const struct makecred_alg *a, const uint8_t *z, size_t z_len,
    const char *use, const uint8_t *u, size_t u_len, const uint8_t *v,
    size_t v_len, size_t bits, uint8_t *out)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t blk[MAKECRED_DIGEST_MAX], ctr[4];
	size_t need = bits / 8, done = 0, take;
	unsigned int got;
	uint32_t i;
	int rc = -1;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		goto out;
	for (i = 1; done < need; i++) {
		be32_put(ctr, i);
		got = 0;
		if (EVP_DigestInit_ex(ctx, a->md, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, ctr, sizeof(ctr)) != 1 ||
		    EVP_DigestUpdate(ctx, z, z_len) != 1 ||
		    EVP_DigestUpdate(ctx, use, strlen(use) + 1) != 1 ||
		    EVP_DigestUpdate(ctx, u, u_len) != 1 ||
		    EVP_DigestUpdate(ctx, v, v_len) != 1 ||
		    EVP_DigestFinal_ex(ctx, blk, &got) != 1 ||
		    got != a->digest_len)
			goto out;
		take = need - done < got ? need - done : got;
		memcpy(out + done, blk, take);
		done += take;
	}
	rc = 0;
out:
	OPENSSL_cleanse(blk, sizeof(blk));
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * RSA: seed = random(digest size), encrypted secret = RSA-OAEP(nameAlg,
 * MGF1(nameAlg), label "IDENTITY\0") of the seed (Part 1 Annex B.10.3).
 */
static int
seed_rsa(const TPMT_PUBLIC *ek, const struct makecred_alg *a, uint8_t *seed,
    TPM2B_ENCRYPTED_SECRET *es, struct err *e)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char *label = NULL;
	size_t out_len = sizeof(es->secret);
	int rc = -1;

	k = tpm_public_to_pkey(ek, e);
	if (k == NULL)
		goto out;
	if (RAND_bytes(seed, (int)a->digest_len) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	label = OPENSSL_malloc(sizeof(identity_label));
	ctx = EVP_PKEY_CTX_new(k, NULL);
	if (label == NULL || ctx == NULL ||
	    EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, a->md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, a->md) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	memcpy(label, identity_label, sizeof(identity_label));
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label,
	    sizeof(identity_label)) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	label = NULL;	/* the context owns it now */
	/* fails when the modulus is too large for TPM2B_ENCRYPTED_SECRET */
	if (EVP_PKEY_encrypt(ctx, es->secret, &out_len, seed,
	    a->digest_len) != 1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek rsa key cannot oaep-encrypt the seed");
		goto out;
	}
	es->size = (uint16_t)out_len;
	rc = 0;
out:
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

/* OpenSSL group name and field size of a TPM curve. */
static int
ecc_group(TPMI_ECC_CURVE curve, const char **name, size_t *field)
{
	switch (curve) {
	case TPM2_ECC_NIST_P256:
		*name = "P-256";
		*field = 32;
		return 0;
	case TPM2_ECC_NIST_P384:
		*name = "P-384";
		*field = 48;
		return 0;
	case TPM2_ECC_NIST_P521:
		*name = "P-521";
		*field = 66;
		return 0;
	default:
		return -1;
	}
}

/*
 * ECC (Part 1 Annex C.6.1): an ephemeral key on the EK's curve; Z = the
 * x-coordinate of ephemeral_private * EK_public, padded to the field size;
 * seed = KDFe(nameAlg, Z, "IDENTITY", ephemeral.x, ek.x, digest bits); the
 * encrypted secret is the marshalled ephemeral public point.
 */
static int
seed_ecc(const TPMT_PUBLIC *ek, const struct makecred_alg *a, uint8_t *seed,
    TPM2B_ENCRYPTED_SECRET *es, struct err *e)
{
	EVP_PKEY *k = NULL, *eph = NULL;
	EVP_PKEY_CTX *gen = NULL, *dh = NULL;
	BIGNUM *x = NULL, *y = NULL;
	TPMS_ECC_POINT q;
	uint8_t z[MAKECRED_ECC_FIELD_MAX];
	const char *group = NULL;
	size_t field = 0, z_len = sizeof(z), off = 0;
	int fb, rc = -1;

	if (ecc_group(ek->parameters.eccDetail.curveID, &group, &field) ==
	    -1) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "ek curve 0x%04x is not nist p-256, p-384 or p-521",
		    ek->parameters.eccDetail.curveID);
		goto out;
	}
	/* validates the point: it must be on the curve */
	k = tpm_public_to_pkey(ek, e);
	if (k == NULL)
		goto out;
	gen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (gen == NULL || EVP_PKEY_keygen_init(gen) != 1 ||
	    EVP_PKEY_CTX_set_group_name(gen, group) != 1 ||
	    EVP_PKEY_generate(gen, &eph) != 1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	/*
	 * tpm_public_to_pkey put the EK point on the curve, and the NIST
	 * curves have cofactor 1, so OpenSSL's peer check (a further scalar
	 * multiplication, a third of the P-384 cost) would add nothing.
	 */
	dh = EVP_PKEY_CTX_new(eph, NULL);
	if (dh == NULL || EVP_PKEY_derive_init(dh) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(dh, k, 0) != 1 ||
	    EVP_PKEY_derive(dh, z, &z_len) != 1 || z_len != field) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	fb = (int)field;
	if (EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1 ||
	    BN_bn2binpad(x, q.x.buffer, fb) != fb ||
	    BN_bn2binpad(y, q.y.buffer, fb) != fb) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	q.x.size = (uint16_t)field;
	q.y.size = (uint16_t)field;
	if (kdfe(a, z, z_len, identity_label, q.x.buffer, q.x.size,
	    ek->unique.ecc.x.buffer, ek->unique.ecc.x.size,
	    a->digest_len * 8, seed) == -1 ||
	    Tss2_MU_TPMS_ECC_POINT_Marshal(&q, es->secret, sizeof(es->secret),
	    &off) != TSS2_RC_SUCCESS) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	es->size = (uint16_t)off;
	rc = 0;
out:
	OPENSSL_cleanse(z, sizeof(z));
	BN_free(y);
	BN_free(x);
	EVP_PKEY_CTX_free(dh);
	EVP_PKEY_CTX_free(gen);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(k);
	return rc;
}

/*
 * encIdentity = CFB(symKey, IV 0, TPM2B_DIGEST(secret)) (Part 1 §24.4),
 * written after the integrity HMAC in id->credential; the HMAC covers
 * encIdentity || name (§24.5).
 */
static int
wrap_identity(EVP_MAC *mac, struct makecred_alg *a,
    const uint8_t *seed, const struct tpm_name *name, const uint8_t *secret,
    size_t secret_len, TPM2B_ID_OBJECT *id, struct err *e)
{
	static const uint8_t iv[16];	/* zero (Part 1 §24.4) */
	OSSL_PARAM params[2];
	EVP_CIPHER_CTX *cc = NULL;
	EVP_MAC_CTX *hc = NULL;
	uint8_t sym_key[MAKECRED_SYM_KEY_MAX], hmac_key[MAKECRED_DIGEST_MAX];
	uint8_t plain[2 + MAKECRED_SECRET_MAX];
	uint8_t *enc = id->credential + 2 + a->digest_len;
	size_t plain_len = 2 + secret_len, got = 0;
	int l1 = 0, l2 = 0, rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    a->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	plain[0] = (uint8_t)(secret_len >> 8);
	plain[1] = (uint8_t)secret_len;
	memcpy(plain + 2, secret, secret_len);
	if (kdfa(mac, a, seed, a->digest_len, storage_label, name->b,
	    name->len, NULL, 0, a->sym_bits, sym_key) == -1 ||
	    kdfa(mac, a, seed, a->digest_len, integrity_label, NULL, 0, NULL,
	    0, a->digest_len * 8, hmac_key) == -1) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	cc = EVP_CIPHER_CTX_new();
	if (cc == NULL ||
	    EVP_EncryptInit_ex(cc, a->cipher, NULL, sym_key, iv) != 1 ||
	    EVP_EncryptUpdate(cc, enc, &l1, plain, (int)plain_len) != 1 ||
	    EVP_EncryptFinal_ex(cc, enc + l1, &l2) != 1 ||
	    (size_t)l1 + (size_t)l2 != plain_len) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	hc = EVP_MAC_CTX_new(mac);
	if (hc == NULL ||
	    EVP_MAC_init(hc, hmac_key, a->digest_len, params) != 1 ||
	    EVP_MAC_update(hc, enc, plain_len) != 1 ||
	    EVP_MAC_update(hc, name->b, name->len) != 1 ||
	    EVP_MAC_final(hc, id->credential + 2, &got, a->digest_len) != 1 ||
	    got != a->digest_len) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	/* TPMS_ID_OBJECT: TPM2B_DIGEST integrityHMAC, then encIdentity */
	id->credential[0] = (uint8_t)(a->digest_len >> 8);
	id->credential[1] = (uint8_t)a->digest_len;
	id->size = (uint16_t)(2 + a->digest_len + plain_len);
	rc = 0;
out:
	OPENSSL_cleanse(sym_key, sizeof(sym_key));
	OPENSSL_cleanse(hmac_key, sizeof(hmac_key));
	OPENSSL_cleanse(plain, sizeof(plain));
	EVP_MAC_CTX_free(hc);
	EVP_CIPHER_CTX_free(cc);
	return rc;
}

int
makecred(const TPMT_PUBLIC *ek, const struct tpm_name *name,
    const uint8_t *secret, size_t secret_len, struct makecred_out *out,
    struct err *e)
{
	struct makecred_alg a;
	struct makecred_out o;
	TPM2B_ID_OBJECT id;
	TPM2B_ENCRYPTED_SECRET es;
	EVP_MAC *mac = NULL;
	uint8_t seed[MAKECRED_DIGEST_MAX];
	int rc = -1;

	memset(&a, 0, sizeof(a));
	memset(&id, 0, sizeof(id));
	memset(&es, 0, sizeof(es));
	ERR_set_mark();
	if (alg_from_ek(ek, &a, e) == -1)
		goto out;
	if (name->len < 2 || name->len > sizeof(name->b)) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "name of %zu bytes is not 2..%zu bytes", name->len,
		    sizeof(name->b));
		goto out;
	}
	if (secret == NULL || secret_len == 0 ||
	    secret_len > MAKECRED_SECRET_MAX || secret_len > a.digest_len) {
		err_set(e, ERR_VALIDATION_FAILED,
		    "credential of %zu bytes is not 1..%zu bytes "
		    "(TPM 2.0 Part 1 §24.4)", secret_len, a.digest_len);
		goto out;
	}
	if ((ek->type == TPM2_ALG_RSA ? seed_rsa(ek, &a, seed, &es, e) :
	    seed_ecc(ek, &a, seed, &es, e)) == -1)
		goto out;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	if (wrap_identity(mac, &a, seed, name, secret, secret_len, &id,
	    e) == -1)
		goto out;
	memset(&o, 0, sizeof(o));
	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(&id, o.id_object,
	    sizeof(o.id_object), &o.id_object_len) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&es, o.enc_secret,
	    sizeof(o.enc_secret), &o.enc_secret_len) != TSS2_RC_SUCCESS) {
		err_set(e, ERR_INTERNAL, "internal error");
		goto out;
	}
	be32_put(o.tools_blob, MAKECRED_TOOLS_MAGIC);
	be32_put(o.tools_blob + 4, MAKECRED_TOOLS_VERSION);
	memcpy(o.tools_blob + 8, o.id_object, o.id_object_len);
	memcpy(o.tools_blob + 8 + o.id_object_len, o.enc_secret,
	    o.enc_secret_len);
	o.tools_blob_len = 8 + o.id_object_len + o.enc_secret_len;
	*out = o;
	rc = 0;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_MAC_free(mac);
	ERR_pop_to_mark();
	return rc;
}
