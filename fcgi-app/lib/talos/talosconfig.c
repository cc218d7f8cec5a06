/*
 * talosconfig.c - the admin talosconfig (see talosconfig.h). The client key
 * is generated here and leaves only inside the returned document.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <yaml.h>

#include "core/b64.h"
#include "core/buf.h"
#include "talos/talosconfig.h"

#define TALOSCONFIG_DAYS 365

/*
 * Talos labels its Ed25519 keys "ED25519 PRIVATE KEY" (PKCS#8 inside), a
 * label OpenSSL's PEM readers do not know: read the block, then the DER.
 */
static EVP_PKEY *
pem_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	char *name = NULL, *hdr = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *k = NULL;
	long len = 0;

	if (b == NULL)
		return NULL;
	if (PEM_read_bio(b, &name, &hdr, &der, &len) == 1) {
		p = der;
		k = d2i_AutoPrivateKey(NULL, &p, len);
	}
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)len);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	BIO_free(b);
	return k;
}

static X509 *
pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = NULL;

	if (b == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int rc;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		return -1;
	rc = X509_add_ext(x, ex, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ex);
	return rc;
}

/* The client certificate for key, signed by the OS CA; PEMs into crt/key. */
static int
admin_cert(const struct talos_secrets *s, int64_t now, char **crt_pem,
    char **key_pem)
{
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *x = NULL;
	X509_NAME *name;
	BIO *bc = NULL, *bk = NULL;
	BUF_MEM *mc, *mk;
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	int rc = -1;

	ca_key = pem_key(s->os.key);
	ca = pem_cert(s->os.crt);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	x = X509_new();
	if (ca_key == NULL || ca == NULL || key == NULL || x == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_NAME_new();
	if (bn == NULL || name == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"os:admin", -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -300,
	    &(time_t){ (time_t)now }) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TALOSCONFIG_DAYS, 0,
	    &(time_t){ (time_t)now }) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature") == -1 ||
	    add_ext(x, ca, NID_ext_key_usage, "clientAuth") == -1 ||
	    X509_sign(x, ca_key, NULL) <= 0) {
		X509_NAME_free(name);
		goto out;
	}
	X509_NAME_free(name);
	bc = BIO_new(BIO_s_mem());
	bk = BIO_new(BIO_s_mem());
	/* Talos labels Ed25519 keys "ED25519 PRIVATE KEY" (PKCS#8 inside) */
	if (bc == NULL || bk == NULL || PEM_write_bio_X509(bc, x) != 1)
		goto out;
	{
		unsigned char *der = NULL;
		int n = i2d_PrivateKey(key, &der);

		if (n <= 0 || PEM_write_bio(bk, "ED25519 PRIVATE KEY", "", der,
		    n) <= 0) {
			OPENSSL_free(der);
			goto out;
		}
		OPENSSL_clear_free(der, (size_t)n);
	}
	BIO_get_mem_ptr(bc, &mc);
	BIO_get_mem_ptr(bk, &mk);
	*crt_pem = strndup(mc->data, mc->length);
	*key_pem = strndup(mk->data, mk->length);
	if (*crt_pem == NULL || *key_pem == NULL)
		abort();
	rc = 0;
out:
	BN_free(bn);
	BIO_free(bc);
	BIO_free(bk);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return rc;
}

static int
emit_scalar(yaml_emitter_t *em, const char *v)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)v, -1, 1, 1, YAML_ANY_SCALAR_STYLE))
		return -1;
	return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int
emit_event(yaml_emitter_t *em, int ok, yaml_event_t *ev)
{
	if (!ok)
		return -1;
	return yaml_emitter_emit(em, ev) ? 0 : -1;
}

static int
emit_b64(yaml_emitter_t *em, const char *key, const char *pem)
{
	size_t len = strlen(pem);
	char *b = malloc(B64_ENCODED_LEN(len) + 1);
	int rc;

	if (b == NULL)
		abort();
	rc = b64_encode((const uint8_t *)pem, len, b, B64_ENCODED_LEN(len) + 1);
	if (rc == 0)
		rc = emit_scalar(em, key) == 0 && emit_scalar(em, b) == 0 ? 0 : -1;
	OPENSSL_cleanse(b, B64_ENCODED_LEN(len) + 1);
	free(b);
	return rc;
}

static int
write_cb(void *data, unsigned char *p, size_t len)
{
	return buf_append(data, p, len) == 0 ? 1 : 0;
}

char *
talos_talosconfig(const char *context, const char *endpoint,
    const struct talos_secrets *s, int64_t now, struct err *e)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	struct buf out;
	char *crt = NULL, *key = NULL, *res = NULL;
	int ok;

	buf_init(&out, 256 * 1024);
	if (admin_cert(s, now, &crt, &key) == -1) {
		err_set(e, ERR_UNAVAILABLE, "cannot issue an admin certificate "
		    "from the cluster's os ca");
		return NULL;
	}
	if (!yaml_emitter_initialize(&em))
		abort();
	yaml_emitter_set_output(&em, write_cb, &out);
	yaml_emitter_set_unicode(&em, 1);
	ok = emit_event(&em, yaml_stream_start_event_initialize(&ev,
	    YAML_UTF8_ENCODING), &ev) == 0 &&
	    emit_event(&em, yaml_document_start_event_initialize(&ev, NULL,
	    NULL, NULL, 1), &ev) == 0 &&
	    emit_event(&em, yaml_mapping_start_event_initialize(&ev, NULL, NULL,
	    1, YAML_BLOCK_MAPPING_STYLE), &ev) == 0 &&
	    emit_scalar(&em, "context") == 0 && emit_scalar(&em, context) == 0 &&
	    emit_scalar(&em, "contexts") == 0 &&
	    emit_event(&em, yaml_mapping_start_event_initialize(&ev, NULL, NULL,
	    1, YAML_BLOCK_MAPPING_STYLE), &ev) == 0 &&
	    emit_scalar(&em, context) == 0 &&
	    emit_event(&em, yaml_mapping_start_event_initialize(&ev, NULL, NULL,
	    1, YAML_BLOCK_MAPPING_STYLE), &ev) == 0 &&
	    emit_scalar(&em, "endpoints") == 0 &&
	    emit_event(&em, yaml_sequence_start_event_initialize(&ev, NULL,
	    NULL, 1, YAML_BLOCK_SEQUENCE_STYLE), &ev) == 0 &&
	    emit_scalar(&em, endpoint) == 0 &&
	    emit_event(&em, yaml_sequence_end_event_initialize(&ev), &ev) == 0 &&
	    emit_b64(&em, "ca", s->os.crt) == 0 &&
	    emit_b64(&em, "crt", crt) == 0 &&
	    emit_b64(&em, "key", key) == 0 &&
	    emit_event(&em, yaml_mapping_end_event_initialize(&ev), &ev) == 0 &&
	    emit_event(&em, yaml_mapping_end_event_initialize(&ev), &ev) == 0 &&
	    emit_event(&em, yaml_mapping_end_event_initialize(&ev), &ev) == 0 &&
	    emit_event(&em, yaml_document_end_event_initialize(&ev, 1), &ev) == 0 &&
	    emit_event(&em, yaml_stream_end_event_initialize(&ev), &ev) == 0;
	yaml_emitter_delete(&em);
	if (!ok || out.p == NULL)
		err_set(e, ERR_INTERNAL, "internal error");
	else
		res = strndup(out.p, out.len);
	if (out.p != NULL)
		OPENSSL_cleanse(out.p, out.len);
	buf_release(&out);
	OPENSSL_cleanse(key, strlen(key));
	free(key);
	free(crt);
	return res;
}
