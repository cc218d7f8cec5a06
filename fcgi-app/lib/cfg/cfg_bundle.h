/*
 * cfg_bundle.h - reading ITL_TPM_CA_BUNDLE (API spec §1): a PEM file, or a
 * directory of certificate files, handed to a callback one DER certificate
 * at a time. Only reading and PEM decoding happen here (cfg depends on core
 * alone); the callback parses and keeps what it accepts (the api layer
 * passes ek_anchors_add_der through a small wrapper).
 */
#ifndef ITL_CFG_CFG_BUNDLE_H
#define ITL_CFG_CFG_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Certificate files read from one directory: verify/ek_chain.h keeps at
 * most LIMIT_EK_ANCHORS certificates, and a file holds at least one.
 */
#define LIMIT_CA_BUNDLE_FILES		1024
/*
 * Bytes of one bundle file. A PEM certificate is about 2 KiB, so this
 * holds every TPM vendor CA in use (a few hundred) in a single file.
 */
#define LIMIT_CA_BUNDLE_FILE_BYTES	(4 * 1024 * 1024)

/*
 * Load the bundle at path and call add(der, len, ctx) for each certificate;
 * der is valid only during the call.
 *
 * A regular file is read as PEM when it contains "-----BEGIN ": every
 * CERTIFICATE (or X509 CERTIFICATE) block is decoded (RFC 7468; other
 * blocks and text around blocks are skipped). Otherwise it must be one DER
 * certificate: a SEQUENCE whose definite length spans the file exactly.
 * A directory contributes its regular files named *.pem, *.crt, *.cer or
 * *.der (any case, not starting with '.', not recursive), each read as
 * above, in strcmp order of their names; other names are ignored.
 *
 * 0 when every file was read and add accepted every certificate, and there
 * was at least one. Otherwise -1 with msg (size msg_len, always
 * terminated) naming the file and why: unreadable, over
 * LIMIT_CA_BUNDLE_FILE_BYTES, more than LIMIT_CA_BUNDLE_FILES files,
 * malformed PEM or base64, neither PEM nor DER, no certificate, or refused
 * by add (the callback keeps its own reason). Certificates accepted before
 * an error stay with the callback's owner.
 */
int cfg_bundle_load(const char *path,
    int (*add)(const uint8_t *der, size_t len, void *ctx), void *ctx,
    char *msg, size_t msg_len);

#endif
