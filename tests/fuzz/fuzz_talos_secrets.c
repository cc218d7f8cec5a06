/*
 * fuzz_talos_secrets.c - libFuzzer target for talos/secrets: the input is
 * an uploaded secrets.yaml (POST /clusters/{id}/secrets), bounded one byte
 * past LIMIT_BODY_BYTES so the limit itself is exercised. Production code
 * only. Oracles: a rejection is validation_failed with a printable detail
 * and leaves OpenSSL's error queue empty; an accepted bundle emits, parses
 * again to exactly the same struct (the stored form is a fixed point), and
 * every private key in it loads with talos_secrets_key_load.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/err.h"
#include "core/limits.h"
#include "talos/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_rejection(const struct err *e)
{
	size_t i;

	if (e->code != ERR_VALIDATION_FAILED ||
	    memchr(e->detail, '\0', sizeof(e->detail)) == NULL ||
	    e->detail[0] == '\0')
		__builtin_trap();
	for (i = 0; e->detail[i] != '\0'; i++) {
		if (e->detail[i] < 0x20 || e->detail[i] > 0x7e)
			__builtin_trap();
	}
}

static void
check_key(const char *pem)
{
	EVP_PKEY *k;

	if (pem[0] == '\0')
		return;
	k = talos_secrets_key_load(pem);
	if (k == NULL)
		__builtin_trap();
	EVP_PKEY_free(k);
}

static void
check_accepted(const struct talos_secrets *s)
{
	static struct talos_secrets again;
	struct err e = { 0 };
	char *y;

	check_key(s->etcd.key);
	check_key(s->k8s.key);
	check_key(s->k8s_aggregator.key);
	check_key(s->k8s_serviceaccount.key);
	check_key(s->os.key);
	if (s->k8s_serviceaccount.crt[0] != '\0' ||
	    (s->secretbox_secret[0] == '\0') == (s->aescbc_secret[0] == '\0'))
		__builtin_trap();
	y = talos_secrets_emit(s, &e);
	if (y == NULL) {
		/* only a bundle that grows past the limit when written */
		if (e.code != ERR_VALIDATION_FAILED)
			__builtin_trap();
		return;
	}
	memset(&again, 0, sizeof(again));
	if (talos_secrets_parse(y, strlen(y), &again, &e) != 0 ||
	    memcmp(s, &again, sizeof(again)) != 0)
		__builtin_trap();
	OPENSSL_cleanse(y, strlen(y));
	free(y);
	talos_secrets_cleanse(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct talos_secrets s;
	struct err e = { 0 };

	if (size > LIMIT_BODY_BYTES + 1)
		size = LIMIT_BODY_BYTES + 1;
	ERR_clear_error();
	memset(&s, 0, sizeof(s));
	if (talos_secrets_parse((const char *)data, size, &s, &e) == 0)
		check_accepted(&s);
	else
		check_rejection(&e);
	if (ERR_peek_error() != 0)
		__builtin_trap();
	talos_secrets_cleanse(&s);
	return 0;
}
