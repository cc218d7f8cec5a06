/*
 * fuzz_ek.c - libFuzzer target for verify/ek: the input is tried as the
 * ek_cert_pem field (bounded just past LIMIT_EK_MATERIAL_BYTES, so the limit
 * itself is exercised), and the bytes are parsed directly as certificate and
 * as public key material; whatever parses also goes through the fingerprint
 * check and ek_cert_names. Production code only, with a fresh arena per
 * input, and OpenSSL as the oracle for the canonical SPKI: the SPKI ek_parse
 * writes must parse again to itself, and OpenSSL's d2i_PUBKEY/i2d_PUBKEY
 * must give back exactly the same bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "verify/ek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canonical SPKI is a fixed point of ek_parse and of OpenSSL. */
static void
check_canonical(const struct ek_info *ek, struct arena *a)
{
	struct ek_info again;
	struct err e = { 0 };
	const unsigned char *q = ek->spki_der;
	unsigned char *der = NULL;
	EVP_PKEY *k;
	int n;

	if (ek_parse(ek->spki_der, ek->spki_der_len, EK_SOURCE_PUB, a, &again,
	    &e) != 0 || again.spki_der_len != ek->spki_der_len ||
	    memcmp(again.spki_der, ek->spki_der, ek->spki_der_len) != 0 ||
	    strcmp(again.fingerprint, ek->fingerprint) != 0 ||
	    again.key_type != ek->key_type || again.key_bits != ek->key_bits ||
	    again.curve_nid != ek->curve_nid)
		__builtin_trap();
	ERR_set_mark();
	k = d2i_PUBKEY(NULL, &q, (long)ek->spki_der_len);
	if (k == NULL || q != ek->spki_der + ek->spki_der_len)
		__builtin_trap();
	n = i2d_PUBKEY(k, &der);
	if (n <= 0 || (size_t)n != ek->spki_der_len ||
	    memcmp(der, ek->spki_der, ek->spki_der_len) != 0)
		__builtin_trap();
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	ERR_pop_to_mark();
}

static void
parse_and_check(const uint8_t *p, size_t len, enum ek_source src,
    const uint8_t *sent, size_t sent_len, struct arena *a)
{
	struct ek_info ek;
	struct err e = { 0 };
	char subject[EK_NAME_BYTES], issuer[EK_NAME_BYTES];

	if (ek_parse(p, len, src, a, &ek, &e) != 0)
		return;
	check_canonical(&ek, a);
	ek_cert_names(&ek, subject, sizeof(subject), issuer, sizeof(issuer));
	if (memchr(subject, '\0', sizeof(subject)) == NULL ||
	    memchr(issuer, '\0', sizeof(issuer)) == NULL)
		__builtin_trap();
	if (!ek.has_cert && (subject[0] != '\0' || issuer[0] != '\0'))
		__builtin_trap();
	/* the identity itself must pass, as must a hash of the sent bytes */
	if (ek_fingerprint_check(&ek, sent, sent_len, ek.fingerprint, 64,
	    &e) != 0)
		__builtin_trap();
	if (ek.has_cert && ek_fingerprint_check(&ek, sent, sent_len,
	    ek.cert_sha256, 64, &e) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct err e = { 0 };
	const uint8_t *sent, *mat;
	size_t sent_len, mat_len, field_len;

	arena_init(&a, LIMIT_ARENA_BYTES);
	field_len = size > LIMIT_EK_MATERIAL_BYTES + 1 ?
	    LIMIT_EK_MATERIAL_BYTES + 1 : size;
	if (ek_material_decode((const char *)data, field_len, &a, &sent,
	    &sent_len, &mat, &mat_len, &e) == 0) {
		parse_and_check(mat, mat_len, EK_SOURCE_CERT, sent, sent_len,
		    &a);
		parse_and_check(mat, mat_len, EK_SOURCE_PUB, sent, sent_len,
		    &a);
	}
	parse_and_check(data, size, EK_SOURCE_CERT, data, size, &a);
	parse_and_check(data, size, EK_SOURCE_PUB, data, size, &a);
	/* the check must reject what is not hex of the right length */
	if (size <= 96 && ek_fingerprint_check(&(struct ek_info){ 0 }, data,
	    size, (const char *)data, size, &e) == 0 && size != 64 &&
	    size != 96)
		__builtin_trap();
	arena_release(&a);
	return 0;
}
