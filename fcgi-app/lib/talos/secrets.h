/*
 * secrets.h - a Talos cluster's secrets bundle, the same content as
 * `talosctl gen secrets` writes (secrets.yaml): made natively with OpenSSL
 * (talos_secrets_generate), read from and written to that YAML layout
 * (talos_secrets_parse / talos_secrets_emit).
 *
 *   cluster:   {id: b64(32 random), secret: b64(32 random)}
 *   secrets:   {bootstraptoken: [a-z0-9]{6}.[a-z0-9]{16},
 *               secretboxencryptionsecret: b64(32 random)}
 *   trustdinfo: {token: [a-z0-9]{6}.[a-z0-9]{16}}
 *   certs:     {etcd, k8s, k8saggregator: {crt, key},
 *               k8sserviceaccount: {key}, os: {crt, key}}
 *              each crt/key = base64 of the PEM text
 *
 * PEM types: os key "ED25519 PRIVATE KEY" (Talos OS CA is Ed25519); etcd,
 * k8s and aggregator keys "EC PRIVATE KEY" (P-256); service account key
 * "RSA PRIVATE KEY" (RSA-4096); certificates "CERTIFICATE" (self-signed CAs,
 * 10 years). No I/O: randomness from OpenSSL, everything else in memory.
 *
 * Bundles of older talosctl versions are read too (talos_secrets_parse):
 * secrets.aescbcencryptionsecret instead of the secretbox secret (Talos
 * <= 1.2), certs.admin (checked, then dropped), a cluster.id in base64url
 * (talosctl < 1.14), RSA CA keys (--from-kubernetes-pki) and an EC P-256
 * service account key (Talos <= 1.6). Any other key is rejected.
 */
#ifndef ITL_TALOS_SECRETS_H
#define ITL_TALOS_SECRETS_H

#include <stddef.h>

#include <openssl/types.h>

#include "core/err.h"

/* A PEM text with its NUL: an RSA-4096 key in PEM is about 3.2 KiB. */
#define TALOS_PEM_MAX 8192
#define TALOS_TOKEN_MAX 64
#define TALOS_B64_32 45			/* base64 of 32 bytes + NUL */

struct talos_keypair {
	char crt[TALOS_PEM_MAX];	/* PEM text, "" when absent */
	char key[TALOS_PEM_MAX];
};

struct talos_secrets {
	char cluster_id[TALOS_B64_32];
	char cluster_secret[TALOS_B64_32];
	char bootstrap_token[TALOS_TOKEN_MAX];
	/*
	 * Exactly one of the two etcd encryption secrets is set, the other
	 * is "" (talosctl's rule). Generated bundles have secretbox; only
	 * bundles of Talos <= 1.2 carry aescbc.
	 */
	char secretbox_secret[TALOS_B64_32];
	char aescbc_secret[TALOS_B64_32];
	char trustd_token[TALOS_TOKEN_MAX];
	struct talos_keypair etcd;
	struct talos_keypair k8s;
	struct talos_keypair k8s_aggregator;
	struct talos_keypair k8s_serviceaccount;	/* key only */
	struct talos_keypair os;
};

/*
 * A new bundle; cluster_name (NULL or "" for none, at most 64 printable
 * ASCII bytes, ERR_VALIDATION_FAILED otherwise) goes into the CA subjects
 * as OU. ERR_INTERNAL on OpenSSL failure, with OpenSSL's error queue left
 * for the caller. out is written only on success.
 */
int talos_secrets_generate(const char *cluster_name, struct talos_secrets *out,
    struct err *e);
/*
 * Read a secrets.yaml (at most LIMIT_BODY_BYTES). Every field is required
 * and checked (tokens by pattern, base64 by length, PEM by parsing with
 * OpenSSL and by type, certificates as CAs matching their keys).
 * ERR_VALIDATION_FAILED naming the field ("certs.os.key: ..."). The PEM
 * texts are stored re-encoded (no headers, 64-column lines, "\n"), so a
 * parsed bundle emits and parses again to the same struct. out is written
 * only on success; OpenSSL's error queue is left as it was.
 */
int talos_secrets_parse(const char *yaml, size_t len, struct talos_secrets *out,
    struct err *e);
/*
 * Write the bundle as secrets.yaml into a malloc'd NUL-terminated string
 * (at most LIMIT_BODY_BYTES, so that it parses again; ERR_VALIDATION_FAILED
 * past that). The caller cleanses and frees it.
 */
char *talos_secrets_emit(const struct talos_secrets *s, struct err *e);
/* Wipe the whole bundle (OPENSSL_cleanse); NULL does nothing. */
void talos_secrets_cleanse(struct talos_secrets *s);
/*
 * The private key in one of the bundle's PEM texts, in any form
 * talos_secrets_parse accepts: also Talos' "ED25519 PRIVATE KEY", which
 * OpenSSL's PEM_read_bio_PrivateKey does not read. NULL when it does not
 * load; the caller frees the key with EVP_PKEY_free.
 */
EVP_PKEY *talos_secrets_key_load(const char *pem);

#endif
