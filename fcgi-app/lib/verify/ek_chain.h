/*
 * ek_chain.h - EK certificate chain verification for ITL_EK_TRUST=chain (API
 * spec §1): the CA certificates of ITL_TPM_CA_BUNDLE, roots and
 * intermediates, become a trust set once per process, and each EK
 * certificate must chain through it to a self-signed root of the set, or it
 * is 422 ek_untrusted.
 *
 * Pure: no I/O, clock, environment or globals; the time is a parameter.
 * Reading the bundle is cfg/cfg_bundle's job. The OpenSSL error queue is
 * left as it was found.
 *
 * The rules, exactly:
 *
 * Parsing. Certificates are read with our own bounded DER walker, and every
 * signature is checked over the original tbsCertificate bytes, so that the
 * vendor quirks OpenSSL's d2i_X509 refuses (non-minimal INTEGERs, long-form
 * lengths that are not minimal) still verify. Only the CA's public key goes
 * through OpenSSL (d2i_PUBKEY). A certificate must be exactly one DER
 * SEQUENCE: the EK certificate is the cert_der that ek_parse extracts, NV
 * header and padding removed.
 *
 * Signatures. Accepted: sha256/384/512WithRSAEncryption (PKCS#1 v1.5),
 * RSASSA-PSS with SHA-256/384/512 and MGF1 over SHA-256/384/512 and trailer
 * 1, and ecdsa-with-SHA256/384/512. MD5, SHA-1 and SHA-224 are refused:
 * SHA-1 chosen-prefix collisions are practical (SHAttered, 2017; "SHA-1 is a
 * Shambles", 2020), and every TPM vendor CA in use signs with SHA-2. The one
 * exception is the self-signature of a root, which only tells a root from a
 * self-issued intermediate (RFC 5280 §6.1 does not rely on it), so a root
 * self-signed with sha1WithRSAEncryption or ecdsa-with-SHA1 is still a root.
 * The outer signatureAlgorithm must equal the tbsCertificate's signature
 * field byte for byte (RFC 5280 §4.1.1.2), and the algorithm must suit the
 * issuer's key type.
 *
 * The set. ek_anchors_add_der accepts only certificates that can be a CA:
 * v3, basicConstraints with cA TRUE, keyCertSign when keyUsage is present,
 * an RSA key of at least 2048 bits or an EC key of at least 256, a
 * signature algorithm from the list above (SHA-1 only on a root), and no
 * critical extension other than basicConstraints, keyUsage, extKeyUsage,
 * subjectKeyIdentifier, authorityKeyIdentifier, certificatePolicies,
 * subjectAltName, issuerAltName, subjectDirectoryAttributes,
 * cRLDistributionPoints and authorityInfoAccess (we enforce no name or
 * policy constraints, so a CA that sets them critical is refused rather
 * than half-honoured). A certificate whose subject equals its issuer and
 * whose signature verifies with its own key is a root (self-signed); every
 * other certificate is an intermediate, including a self-issued one (same
 * name, another key: a key rollover). Identical certificates are kept once.
 * The issuer links between members (names, key identifiers and signatures,
 * as below) are worked out here, once, so that a verification checks one
 * signature, the EK certificate's, and then only walks the links.
 *
 * Path building. From the EK certificate, a candidate issuer is a member
 * whose subject Name equals the certificate's issuer Name as DER bytes (no
 * RFC 5280 §7.1 normalisation: a CA and its certificates encode names
 * identically in practice) and, when the certificate has an
 * authorityKeyIdentifier keyIdentifier and the member a
 * subjectKeyIdentifier, whose identifier equals it; its key must verify the
 * signature. Candidates are tried in the order they were added. From each
 * the walk follows the issuer links, depth first, never revisiting a member
 * of the current path (no loops), with at most LIMIT_EK_CHAIN_CAS CA
 * certificates in a path and at most LIMIT_EK_CHAIN_STEPS steps (an EK
 * signature check or a visit of a member) in all. It succeeds at the first
 * root reached.
 *
 * The root is the only trust anchor. A set holding an intermediate but not
 * the root that issued it verifies nothing under that intermediate, as
 * OpenSSL without X509_V_FLAG_PARTIAL_CHAIN: the spec takes "roots and
 * intermediates" from ITL_TPM_CA_BUNDLE, and an intermediate lets a path
 * reach a root, it does not end one. So a bundle with only the intermediate
 * refuses every EK certificate; ek_anchors_n_roots lets the caller refuse
 * such a bundle at start-up instead.
 *
 * Constraints on each CA of the path (intermediates and root): valid at
 * now (below), and its pathLenConstraint, when present, at least the
 * number of intermediates between it and the EK certificate that are not
 * self-issued (RFC 5280 §6.1.4 (l), (m)).
 *
 * Validity. The EK certificate's notBefore and notAfter are not checked:
 * TPMs are manufactured with notBefore = the moment of manufacture, which
 * a verifier whose clock lags sees in the future, and notAfter 9999-12-31
 * (RFC 5280 §4.1.2.5: no well-defined expiration date) or a date that real
 * parts still in service have passed; an EK lives as long as its TPM, and
 * nothing renews its certificate. Only the Validity's structure (a
 * SEQUENCE) is read. Every CA of the path, root included, must satisfy
 * notBefore - skew <= now <= notAfter + skew (skew LIMIT_EK_CHAIN_SKEW_S),
 * with its times as RFC 5280 §4.1.2.5 requires them (UTCTime
 * YYMMDDHHMMSSZ, years 50-99 meaning 19xx, or GeneralizedTime
 * YYYYMMDDHHMMSSZ); other time forms keep a CA out of the set. A CA
 * re-issued with the same name and key and later dates is another
 * candidate, so a bundle holding both keeps old EK certificates trusted.
 *
 * The EK certificate itself. Its extensions must be well formed DER, and
 * unknown critical ones (TCG EK certificates mark subjectAltName critical)
 * are not a reason to refuse it; a basicConstraints with cA TRUE is (an EK
 * certificate is an end entity, TCG EK Credential Profile), so a CA
 * certificate sent as EK material never "chains".
 */
#ifndef ITL_VERIFY_EK_CHAIN_H
#define ITL_VERIFY_EK_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/*
 * CA certificates in one set. Microsoft's TrustedTpm bundle, the largest
 * collection of TPM vendor CAs, holds a few hundred.
 */
#define LIMIT_EK_ANCHORS		1024
/* One CA certificate; vendor CAs are 0.5 to 2 KiB. */
#define LIMIT_EK_CA_DER_BYTES		(16 * 1024)
/*
 * CA certificates in one path, root included. Real EK chains have one to
 * four (Intel PTT's on-die CA chain is the longest seen); a path this long
 * is a configuration error or a loop of cross-certificates.
 */
#define LIMIT_EK_CHAIN_CAS		8
/*
 * Members a verification may visit, and EK signature checks it may make,
 * together: bounds the work when many members share a name (rollover or
 * cross certificates) whatever the set holds.
 */
#define LIMIT_EK_CHAIN_STEPS		64
/*
 * Clock tolerance on a CA's validity: the service's clock and the clock of
 * the machine that made a fresh CA (swtpm_localca) may disagree.
 */
#define LIMIT_EK_CHAIN_SKEW_S		(24 * 60 * 60)

struct ek_anchor;

/*
 * The trust set. Start from a zeroed struct (or ek_anchors_init), add
 * certificates, then share it read-only; it lives as long as the process
 * (the heap memory and EVP_PKEYs are its own, freed by ek_anchors_release).
 */
struct ek_anchor_set {
	struct ek_anchor *v;
	size_t n;
	size_t cap;
};

void ek_anchors_init(struct ek_anchor_set *s);

/*
 * Add one CA certificate (DER, exactly one SEQUENCE; the bytes are copied).
 * A certificate already in the set is accepted and not added again. Errors:
 * ERR_VALIDATION_FAILED when it does not parse or cannot be a CA (see
 * above), or the set is full (LIMIT_EK_ANCHORS) or the certificate too large
 * (LIMIT_EK_CA_DER_BYTES); ERR_INTERNAL when OpenSSL cannot allocate. The
 * set is unchanged on error. Running out of memory aborts (STYLE §6.4).
 */
int ek_anchors_add_der(struct ek_anchor_set *s, const uint8_t *der,
    size_t len, struct err *e);

/* Members that are self-signed roots; a set without one verifies nothing. */
size_t ek_anchors_n_roots(const struct ek_anchor_set *s);

/* Free everything the set holds and zero it; NULL-safe, idempotent. */
void ek_anchors_release(struct ek_anchor_set *s);

/*
 * Verify that the EK certificate cert_der (exactly one DER Certificate, as
 * ek_parse's cert_der) chains to a root of s at time now (seconds since
 * 1970, UTC), by the rules above. 0 when it does; otherwise
 * ERR_EK_UNTRUSTED with the reason in the detail (the first that stopped
 * the most promising path), or ERR_INTERNAL when OpenSSL fails.
 */
int ek_chain_verify(const struct ek_anchor_set *s, const uint8_t *cert_der,
    size_t cert_len, int64_t now, struct err *e);

#endif
