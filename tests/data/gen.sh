#!/usr/bin/env bash
# gen.sh - make the committed test artefacts in tests/data/ from a real software
# TPM (swtpm + tpm2-tools, through tests/integration/swtpm-fixture.sh) and
# OpenSSL. The outputs are committed; rerun this only to refresh them (every
# run makes a new TPM, so every key and fingerprint changes together).
#
# Needs: swtpm swtpm-tools tpm2-tools openssl xxd (and what swtpm-fixture.sh needs).
# Usage: tests/data/gen.sh   (writes tests/data/ek/ and the seeds in tests/fuzz/corpus/ek/)
#
# tests/data/ek/ (binary TPM structures are TPM wire format, big-endian):
#   ek-cert.der ek-cert.pem      RSA-2048 EK certificate (NV 0x01c00002) as read
#   ek-ecc-cert.der .pem         ECC P-384 EK certificate (NV 0x01c00016)
#   ek.pub                       RSA EK TPM2B_PUBLIC (tpm2_createek -f tss)
#   ek.tpmt                      the same as TPMT_PUBLIC (tpm2_createek -f tpmt)
#   ek-pub.pem ek-pub.der        the same key as SPKI (tpm2_readpublic 0x81010001)
#   ek-ecc-pub.pem ek-ecc.pub    ECC P-384 EK (persistent 0x81010016): SPKI PEM, TPM2B_PUBLIC
#   ek-ecc256.pub ek-ecc256.tpmt ek-ecc256-pub.pem
#                                ECC P-256 EK of the default template (tpm2_createek -G ecc)
#   ek-ecc256-compressed-spki.der  the same key as an SPKI with a compressed point
#   ek-cert-nvhdr7.der           10 01 | 00 | BE16(2 + n) | 10 02 | DER   (TCG PC Client
#                                TCG_PCCLIENT_STORED_CERT + TCG_FULL_CERT, as swtpm_cert
#                                --add-header and the IBM TSS write it)
#   ek-cert-nvhdr5.der           10 01 | 00 | BE16(n) | DER   (the 5-byte form go-attestation reads)
#   ek-cert-padff.der            DER followed by 0xff NV padding up to 1536 bytes
#   ek-cert-nvhdr7-pad00.der     7-byte header, DER, then 0x00 padding up to 1536 bytes
#   nonmin-serial.der            self-signed P-256 certificate whose serial is the
#                                non-minimal INTEGER 02 02 00 01 (OpenSSL refuses it)
#   nonmin-serial-spki.der       its public key as DER SPKI
#   rsa1024-spki.der             an RSA-1024 SPKI (too small for an EK)
#   p224-spki.der                an ECC P-224 SPKI (not an EK curve)
#   p256-explicit-spki.der       a P-256 SPKI with explicit curve parameters (RFC 5480 forbids)
#   fingerprints                 "name hex" lines computed with openssl and sha256sum:
#                                rsa ecc ecc256 nonmin (SPKI SHA-256), rsa-cert ecc-cert
#                                (certificate DER SHA-256)
set -euo pipefail

die() { echo "gen.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
fixture=$top/tests/integration/swtpm-fixture.sh
out=$here/ek
[ -x "$fixture" ] || die "missing $fixture"
for c in swtpm tpm2_createek tpm2_readpublic tpm2_flushcontext openssl xxd sha256sum; do
    command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
done

work=$(mktemp -d)
fix=$work/fix
cleanup() {
    "$fixture" stop "$fix" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# sha256 of stdin, hex only
sha() { sha256sum | cut -d' ' -f1; }
# SPKI SHA-256 of a PEM public key file
spki_sha() { openssl pkey -pubin -in "$1" -outform der | sha; }
# n zero or 0xff bytes: pad BYTE COUNT
pad() { head -c "$2" /dev/zero | if [ "$1" = ff ]; then tr '\0' '\377'; else cat; fi; }
# big-endian 16-bit value as raw bytes
be16() { printf '%04x' "$1" | xxd -r -p; }
# run a tpm2-tools command, then flush transient objects (swtpm has 3 slots, no RM)
t2() { "$@"; tpm2_flushcontext -t >/dev/null 2>&1 || true; }

eval "$(FIXTURE_NO_CHECK=1 "$fixture" start "$fix")"
export TPM2TOOLS_TCTI

mkdir -p "$out"
rm -f "$out"/*

# 1. EK certificates as read from NV, and their PEM
cp "$fix/ek-cert.der" "$fix/ek-cert.pem" "$fix/ek-ecc-cert.der" "$fix/ek-ecc-cert.pem" "$out/"

# 2. RSA EK public: TPM2B_PUBLIC, TPMT_PUBLIC, SPKI (PEM and DER)
t2 tpm2_createek -c "$work/ek.ctx" -G rsa -u "$out/ek.pub" -f tss >/dev/null
t2 tpm2_createek -c "$work/ek2.ctx" -G rsa -u "$out/ek.tpmt" -f tpmt >/dev/null
t2 tpm2_readpublic -c 0x81010001 -f pem -o "$out/ek-pub.pem" >/dev/null
openssl pkey -pubin -in "$out/ek-pub.pem" -outform der -out "$out/ek-pub.der"

# 3. ECC P-384 EK (the one in the 0x01c00016 certificate) and a P-256 default-template EK
t2 tpm2_readpublic -c 0x81010016 -f pem -o "$out/ek-ecc-pub.pem" >/dev/null
t2 tpm2_readpublic -c 0x81010016 -f tss -o "$out/ek-ecc.pub" >/dev/null
t2 tpm2_createek -c "$work/ek3.ctx" -G ecc -u "$out/ek-ecc256.pub" -f tss >/dev/null
t2 tpm2_createek -c "$work/ek4.ctx" -G ecc -u "$out/ek-ecc256.tpmt" -f tpmt >/dev/null
t2 tpm2_createek -c "$work/ek5.ctx" -G ecc -u "$out/ek-ecc256-pub.pem" -f pem >/dev/null
openssl ec -pubin -in "$out/ek-ecc256-pub.pem" -conv_form compressed -outform der \
    -out "$out/ek-ecc256-compressed-spki.der" 2>/dev/null

# 4. NV storage variants of the RSA certificate
der=$out/ek-cert.der
n=$(stat -c %s "$der")
{ printf '\x10\x01\x00'; be16 $((n + 2)); printf '\x10\x02'; cat "$der"; } >"$out/ek-cert-nvhdr7.der"
{ printf '\x10\x01\x00'; be16 "$n"; cat "$der"; } >"$out/ek-cert-nvhdr5.der"
{ cat "$der"; pad ff $((1536 - n)); } >"$out/ek-cert-padff.der"
{ cat "$out/ek-cert-nvhdr7.der"; pad 00 $((1536 - n - 7)); } >"$out/ek-cert-nvhdr7-pad00.der"

# 5. A certificate with a non-minimal INTEGER serial: make a small self-signed
#    P-256 certificate with serial 1 (02 01 01), rewrite it as 02 02 00 01 and
#    grow the two enclosing lengths (Certificate and tbsCertificate, both in the
#    3-byte 82 xx xx form) by one. The signature no longer verifies; only the
#    structure matters here.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/nm.key" 2>/dev/null
openssl req -x509 -new -key "$work/nm.key" -subj "/CN=itl non-minimal serial test/O=ITL test data/OU=tests-data-gen" \
    -days 36500 -set_serial 1 -outform der -out "$work/nm.der"
hex=$(xxd -p "$work/nm.der" | tr -d '\n')
if [ "${hex:0:4}" != 3082 ] || [ "${hex:8:4}" != 3082 ]; then
    die "unexpected certificate header: ${hex:0:16}"
fi
[ "${hex:16:16}" = a003020102020101 ] || die "unexpected version/serial: ${hex:16:16}"
outer=$((16#${hex:4:4} + 1)); tbs=$((16#${hex:12:4} + 1))
printf '3082%04x3082%04xa00302010202020001%s' "$outer" "$tbs" "${hex:32}" | xxd -r -p >"$out/nonmin-serial.der"
if openssl x509 -inform der -in "$out/nonmin-serial.der" -noout 2>/dev/null; then
    die "openssl accepted the non-minimal serial; the lenient path would go untested"
fi
openssl pkey -in "$work/nm.key" -pubout -outform der -out "$out/nonmin-serial-spki.der"

# 6. Keys that are not EK keys
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$work/r1024.key" 2>/dev/null
openssl pkey -in "$work/r1024.key" -pubout -outform der -out "$out/rsa1024-spki.der"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-224 -out "$work/p224.key" 2>/dev/null
openssl pkey -in "$work/p224.key" -pubout -outform der -out "$out/p224-spki.der"
openssl pkey -in "$work/nm.key" -pubout | openssl ec -pubin -param_enc explicit -outform der \
    -out "$out/p256-explicit-spki.der" 2>/dev/null

# 7. Expected fingerprints, computed only with openssl and sha256sum
rsa=$(openssl x509 -in "$out/ek-cert.pem" -pubkey -noout | openssl pkey -pubin -outform der | sha)
ecc=$(openssl x509 -in "$out/ek-ecc-cert.pem" -pubkey -noout | openssl pkey -pubin -outform der | sha)
[ "$rsa" = "$(spki_sha "$out/ek-pub.pem")" ] || die "RSA EK certificate and 0x81010001 differ"
[ "$ecc" = "$(spki_sha "$out/ek-ecc-pub.pem")" ] || die "ECC EK certificate and 0x81010016 differ"
{
    echo "rsa $rsa"
    echo "rsa-cert $(sha <"$out/ek-cert.der")"
    echo "ecc $ecc"
    echo "ecc-cert $(sha <"$out/ek-ecc-cert.der")"
    echo "ecc256 $(spki_sha "$out/ek-ecc256-pub.pem")"
    echo "nonmin $(sha <"$out/nonmin-serial-spki.der")"
} >"$out/fingerprints"

# 8. Fuzz seeds (tests/fuzz/corpus/ek): the artefacts, the field forms, and hostile
#    variants. Only these names are (re)written; other seeds (crashes) are kept.
seeds=$top/tests/fuzz/corpus/ek
mkdir -p "$seeds"
for f in ek-cert.der ek-cert.pem ek-ecc-cert.der ek-ecc-cert.pem ek.pub ek.tpmt ek-pub.der \
    ek-pub.pem ek-ecc-pub.pem ek-ecc.pub ek-ecc256.pub ek-ecc256.tpmt ek-ecc256-compressed-spki.der \
    ek-cert-nvhdr7.der ek-cert-nvhdr5.der ek-cert-padff.der nonmin-serial.der rsa1024-spki.der \
    p224-spki.der p256-explicit-spki.der; do
    cp "$out/$f" "$seeds/$f"
done
base64 -w0 "$der" >"$seeds/field-b64-der"
base64 -w76 "$out/ek-cert.pem" >"$seeds/field-b64-pem"
base64 -w0 "$out/ek.pub" >"$seeds/field-b64-tpm2b"
head -c 500 "$der" >"$seeds/hostile-cert-truncated-500"
head -c 5 "$out/ek-cert-nvhdr7.der" >"$seeds/hostile-nvhdr-only"
{ printf '\x10\x01\x00\xff\xff\x10\x02'; cat "$der"; } >"$seeds/hostile-nvhdr-size-past-end"
{ printf '\x30\x84\x7f\xff\xff\xff'; tail -c +5 "$der"; } >"$seeds/hostile-cert-len-4byte-huge"
{ printf '\x30\x80'; tail -c +5 "$der"; } >"$seeds/hostile-cert-indefinite"
{ printf '\x01\x3b'; tail -c +3 "$out/ek.pub"; } >"$seeds/hostile-tpm2b-size-past-end"
{ cat "$out/ek.pub"; printf '\x00'; } >"$seeds/hostile-tpm2b-trailing"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n' >"$seeds/hostile-pem-no-end"
printf -- '-----BEGIN RSA PRIVATE KEY-----\nTWFu\n-----END RSA PRIVATE KEY-----\n' \
    >"$seeds/hostile-pem-label"
printf 'not*base64!' >"$seeds/hostile-bad-b64"

chmod 644 "$out"/* "$seeds"/*
ls -l "$out"
