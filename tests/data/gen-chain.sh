#!/usr/bin/env bash
# gen-chain.sh - make the committed EK chain artefacts in tests/data/chain/:
# two swtpm-localca CAs with their EK certificates (swtpm + swtpm_localca,
# through tests/integration/swtpm-fixture.sh) and a small test PKI made with
# OpenSSL for what swtpm does not produce (other signature algorithms, a
# non-minimal serial, expired and misplaced CAs, self-issued CAs). It also
# writes the seeds in tests/fuzz/corpus/ek_chain/ and the anchor arrays in
# tests/fuzz/fuzz_ek_chain.c (between its "gen-chain.sh" markers). The
# outputs are committed; rerun this only to refresh them (every run makes new
# keys, so everything changes together).
#
# Needs: swtpm swtpm-tools tpm2-tools openssl xxd awk (and what swtpm-fixture.sh needs).
# Usage: tests/data/gen-chain.sh
#
# tests/data/chain/ (certificates are DER unless the name ends in .pem):
#   swtpm-root.der swtpm-intermediate.der  swtpm-localca CA "A": self-signed root
#                      CN=swtpm-localca-rootca, intermediate CN=swtpm-localca
#   swtpm-chain.pem    both, as the fixture's ca-chain.pem (intermediate first)
#   ek-rsa.der         RSA-2048 EK certificate (NV 0x01c00002) issued by A's intermediate
#   ek-ecc.der         ECC P-384 EK certificate (NV 0x01c00016) issued by A's intermediate
#   ek-rsa-nvhdr-pad.der  ek-rsa.der behind the 7-byte TCG NV header
#                      (10 01 00 BE16(2 + n) 10 02) and followed by 0xff up to 1536 bytes
#   other-root.der other-intermediate.der ek-other.der
#                      a second swtpm-localca CA "B" and its RSA EK certificate: the same
#                      names as A, other keys
#   t-root.der         test root, ECC P-384, self-signed ecdsa-with-SHA384, valid
#                      2000-01-01 to 2199-12-31 (openssl ca -selfsign)
#   t-int.der          test intermediate, RSA-2048, pathlen:0, issued by t-root
#   t-int-expired.der  RSA-2048 intermediate valid 2020-01-01 to 2021-01-01 (openssl ca
#                      -startdate/-enddate), issued by t-root
#   t-int-noca.der     basicConstraints CA:FALSE but keyCertSign, issued by t-root
#   t-sub.der          CA issued by t-int (past t-int's pathlen:0)
#   leaf-nonmin-pss.der  EK-like P-256 certificate issued by t-int, RSASSA-PSS SHA-256
#                      (MGF1 SHA-256, salt 32), serial rewritten to the non-minimal
#                      INTEGER 02 02 00 01 and the modified tbsCertificate signed again
#                      with openssl dgst, so the signature is valid over the odd bytes
#                      (OpenSSL's d2i_X509 refuses it); critical SAN with TCG dirName
#                      attributes and an unknown critical extension 1.3.6.1.4.1.99999.1
#   leaf-direct.der    EK-like P-256 certificate issued directly by t-root (ECDSA SHA-384)
#   leaf-dates.der     issued by t-int with notBefore 2090-01-01 and notAfter 2000-01-01
#   leaf-sha1.der      issued by t-int, sha1WithRSAEncryption
#   leaf-sha512.der    issued by t-int, sha512WithRSAEncryption
#   leaf-expired-int.der  issued by t-int-expired
#   leaf-sub.der       issued by t-sub
#   leaf-selfsigned.der   self-signed P-256 certificate with CA:FALSE
#   loop-a.der         CN=ITL test loop CA, key A, signed by key B (self-issued, not
#                      self-signed)
#   loop-b.der         the same name, key B, signed by key A
#   loop-b-root.der    the same name, key B, self-signed
#   leaf-loop.der      issued under the loop name by key A
#   bundle-dir/        a CA directory: 01-root.pem (PEM), 02-intermediate.der (DER),
#                      03-chain.crt (PEM, both again), notes.txt (ignored: not a
#                      certificate extension)
#   bundle-bad/        01-root.pem, then 02-garbage.cer (neither PEM nor DER)
#   garbage.pem        a CERTIFICATE block whose body is not base64
#   no-cert.pem        PEM text holding only a PUBLIC KEY block
set -euo pipefail

die() { echo "gen-chain.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
fixture=$top/tests/integration/swtpm-fixture.sh
out=$here/chain
seeds=$top/tests/fuzz/corpus/ek_chain
fuzz_c=$top/tests/fuzz/fuzz_ek_chain.c
[ -x "$fixture" ] || die "missing $fixture"
for c in swtpm openssl xxd awk head tr stat; do
    command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
done

work=$(mktemp -d)
cleanup() {
    "$fixture" stop "$work/a" >/dev/null 2>&1 || true
    "$fixture" stop "$work/b" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

be16() { printf '%04x' "$1" | xxd -r -p; }
pad_ff() { head -c "$1" /dev/zero | tr '\0' '\377'; }
der() { openssl x509 -in "$1" -outform der -out "$2"; }
# DER length octets of n (n < 65536)
der_len() {
    if [ "$1" -lt 128 ]; then printf '%02x' "$1"
    elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"
    else printf '82%04x' "$1"; fi
}
# hex of one TLV at hex offset $2 (in hex digits) of hex string $1: prints "len_in_digits"
tlv_digits() {
    local h=$1 o=$2 l
    l=$((16#${h:o+2:2}))
    if [ "$l" -lt 128 ]; then echo $((4 + 2 * l))
    elif [ "$l" = 129 ]; then echo $((6 + 2 * 16#${h:o+4:2}))
    elif [ "$l" = 130 ]; then echo $((8 + 2 * 16#${h:o+4:4}))
    else die "unexpected length form $l"; fi
}

mkdir -p "$out" "$seeds"
rm -rf "${out:?}"/*

# 1. Two swtpm-localca CAs and their EK certificates
FIXTURE_NO_CHECK=1 FIXTURE_CA_DIR="$work/ca-a" "$fixture" start "$work/a" >/dev/null
"$fixture" stop "$work/a"
FIXTURE_NO_CHECK=1 FIXTURE_CA_DIR="$work/ca-b" "$fixture" start "$work/b" >/dev/null
"$fixture" stop "$work/b"
der "$work/a/ca-root.pem" "$out/swtpm-root.der"
der "$work/a/ca-intermediate.pem" "$out/swtpm-intermediate.der"
cp "$work/a/ca-chain.pem" "$out/swtpm-chain.pem"
cp "$work/a/ek-cert.der" "$out/ek-rsa.der"
cp "$work/a/ek-ecc-cert.der" "$out/ek-ecc.der"
der "$work/b/ca-root.pem" "$out/other-root.der"
der "$work/b/ca-intermediate.pem" "$out/other-intermediate.der"
cp "$work/b/ek-cert.der" "$out/ek-other.der"
for f in ek-cert ek-ecc-cert; do
    openssl verify -CAfile "$work/a/ca-root.pem" -untrusted "$work/a/ca-intermediate.pem" \
        "$work/a/$f.pem" >/dev/null || die "swtpm $f does not verify"
done
if openssl verify -CAfile "$work/a/ca-root.pem" -untrusted "$work/a/ca-intermediate.pem" \
    "$work/b/ek-cert.pem" >/dev/null 2>&1; then
    die "CA B's EK certificate verifies under CA A"
fi
n=$(stat -c %s "$out/ek-rsa.der")
{ printf '\x10\x01\x00'; be16 $((n + 2)); printf '\x10\x02'; cat "$out/ek-rsa.der";
  pad_ff $((1536 - n - 7)); } >"$out/ek-rsa-nvhdr-pad.der"

# 2. The test PKI
cd "$work"
cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ca_int]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_sub]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ca_noca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ek]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
authorityKeyIdentifier = keyid:always
1.3.6.1.4.1.99999.1 = critical,ASN1:NULL
[leaf_ss]
basicConstraints = critical,CA:FALSE
subjectKeyIdentifier = hash
[tpm_dn]
# openssl strips what precedes the first '.', so the OIDs get a prefix
a.2.23.133.2.1 = id:00001014
b.2.23.133.2.2 = ITL test
c.2.23.133.2.3 = id:20191023
[ca]
default_ca = ca_default
[ca_default]
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha384
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
commonName = supplied
EOF
mkdir newcerts
: >index.txt
echo 10 >serial
ec() { openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" -out "$1" 2>/dev/null; }
rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
csr() { openssl req -new -key "$1" -subj "/CN=$2" -config ext.cnf -out "$3"; }
# sign CSR EXT ISSUER SERIAL OUT [x509 options...]
sign() {
    local in=$1 ext=$2 iss=$3 serial=$4 o=$5
    shift 5
    openssl x509 -req -in "$in" -CA "$iss.pem" -CAkey "$iss.key" -set_serial "$serial" \
        -days 36500 -extfile ext.cnf -extensions "$ext" -out "$o" "$@" 2>/dev/null
}

ec t-root.key P-384
# valid 2000-2199, so that it covers t-int-expired's dates
csr t-root.key "ITL test root CA" t-root.csr
openssl ca -batch -config ext.cnf -selfsign -keyfile t-root.key -in t-root.csr \
    -startdate 20000101000000Z -enddate 21991231235959Z -extfile ext.cnf -extensions ca_root \
    -notext -out t-root.pem 2>/dev/null
rsa t-int.key
csr t-int.key "ITL test intermediate CA" t-int.csr
sign t-int.csr ca_int t-root 2 t-int.pem -sha384
rsa t-int-expired.key
csr t-int-expired.key "ITL test expired intermediate CA" t-int-expired.csr
openssl ca -batch -config ext.cnf -cert t-root.pem -keyfile t-root.key -in t-int-expired.csr \
    -startdate 200101000000Z -enddate 210101000000Z -extfile ext.cnf -extensions ca_int \
    -notext -out t-int-expired.pem 2>/dev/null
ec t-int-noca.key P-256
csr t-int-noca.key "ITL test not a CA" t-int-noca.csr
sign t-int-noca.csr ca_noca t-root 3 t-int-noca.pem -sha384
ec t-sub.key P-256
csr t-sub.key "ITL test sub CA" t-sub.csr
sign t-sub.csr ca_sub t-int 4 t-sub.pem -sha256

ec leaf.key P-256
csr leaf.key "ITL test EK" leaf.csr
sign leaf.csr ek t-root 5 leaf-direct.pem -sha384
sign leaf.csr ek t-int 6 leaf-sha1.pem -sha1
sign leaf.csr ek t-int 7 leaf-sha512.pem -sha512
sign leaf.csr ek t-int-expired 8 leaf-expired-int.pem -sha256
sign leaf.csr ek t-sub 9 leaf-sub.pem -sha256
openssl ca -batch -config ext.cnf -cert t-int.pem -keyfile t-int.key -in leaf.csr \
    -startdate 20900101000000Z -enddate 20000101000000Z -md sha256 -extfile ext.cnf \
    -extensions ek -notext -out leaf-dates.pem 2>/dev/null
openssl req -x509 -new -key leaf.key -subj "/CN=ITL test self-signed EK" -config ext.cnf \
    -extensions leaf_ss -days 36500 -sha256 -set_serial 10 -out leaf-selfsigned.pem

# the non-minimal serial: issue with serial 1 and PSS, rewrite, sign the new TBS
pss=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256)
sign leaf.csr ek t-int 1 nm.pem -sha256 "${pss[@]}"
openssl x509 -in nm.pem -outform der -out nm.der
h=$(xxd -p nm.der | tr -d '\n')
if [ "${h:0:4}" != 3082 ] || [ "${h:8:4}" != 3082 ]; then
    die "unexpected certificate header ${h:0:16}"
fi
[ "${h:16:16}" = a003020102020101 ] || die "unexpected version/serial ${h:16:16}"
tbs_digits=$((8 + 2 * 16#${h:12:4}))
tbs=${h:8:tbs_digits}
rest=${h:8+tbs_digits}
alg_digits=$(tlv_digits "$rest" 0)
alg=${rest:0:alg_digits}
newtbs_body="a00302010202020001${tbs:24}"
newtbs="3082$(printf '%04x' $((${#newtbs_body} / 2)))$newtbs_body"
echo "$newtbs" | xxd -r -p >nm-tbs.der
openssl dgst -sha256 -sign t-int.key "${pss[@]}" -out nm.sig nm-tbs.der
sig=$(xxd -p nm.sig | tr -d '\n')
bits="00$sig"
bitstr="03$(der_len $((${#bits} / 2)))$bits"
body="$newtbs$alg$bitstr"
echo "30$(der_len $((${#body} / 2)))$body" | xxd -r -p >"$out/leaf-nonmin-pss.der"
if openssl x509 -inform der -in "$out/leaf-nonmin-pss.der" -noout 2>/dev/null; then
    die "openssl accepted the non-minimal serial; the lenient path would go untested"
fi
openssl x509 -in t-int.pem -pubkey -noout >t-int.pub
openssl dgst -sha256 -verify t-int.pub "${pss[@]}" -signature nm.sig nm-tbs.der >/dev/null \
    || die "the re-signed tbsCertificate does not verify"

# self-issued CAs: keys A and B under one name, each certifying the other
ec ka.key P-256
ec kb.key P-256
serial=20
for k in a b; do
    serial=$((serial + 1))
    openssl req -x509 -new -key "k$k.key" -subj "/CN=ITL test loop CA" -config ext.cnf \
        -extensions ca_root -days 36500 -sha256 -set_serial "$serial" -out "k$k.pem"
done
csr ka.key "ITL test loop CA" ka.csr
csr kb.key "ITL test loop CA" kb.csr
sign ka.csr ca_sub kb 11 loop-a.pem -sha256
sign kb.csr ca_sub ka 12 loop-b.pem -sha256
sign leaf.csr ek ka 13 leaf-loop.pem -sha256
cp kb.pem loop-b-root.pem

for f in t-root t-int t-int-expired t-int-noca t-sub leaf-direct leaf-sha1 leaf-sha512 \
    leaf-expired-int leaf-sub leaf-dates leaf-selfsigned loop-a loop-b loop-b-root leaf-loop; do
    der "$f.pem" "$out/$f.der"
done
openssl verify -ignore_critical -CAfile t-root.pem -untrusted t-int.pem -x509_strict leaf-sha512.pem >/dev/null \
    || die "leaf-sha512 does not verify"
openssl verify -ignore_critical -CAfile t-root.pem leaf-direct.pem >/dev/null || die "leaf-direct does not verify"
openssl verify -ignore_critical -CAfile loop-b-root.pem -untrusted loop-a.pem leaf-loop.pem >/dev/null \
    || die "leaf-loop does not verify through loop-a"
cd "$here"

# 3. Bundles for cfg_bundle_load
mkdir -p "$out/bundle-dir" "$out/bundle-bad"
cp "$work/a/ca-root.pem" "$out/bundle-dir/01-root.pem"
cp "$out/swtpm-intermediate.der" "$out/bundle-dir/02-intermediate.der"
cp "$out/swtpm-chain.pem" "$out/bundle-dir/03-chain.crt"
echo "not a certificate, ignored by its name" >"$out/bundle-dir/notes.txt"
cp "$work/a/ca-root.pem" "$out/bundle-bad/01-root.pem"
printf 'this is neither PEM nor DER\n' >"$out/bundle-bad/02-garbage.cer"
printf -- '-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n' \
    >"$out/garbage.pem"
{ echo "only a public key here"; openssl pkey -in "$work/leaf.key" -pubout; } >"$out/no-cert.pem"

# 4. Fuzz seeds (tests/fuzz/corpus/ek_chain): EK and CA certificates (the target also
#    offers each input as a CA) and hostile variants.
#    Only these names are (re)written; other seeds (crashes) are kept.
for f in ek-rsa.der ek-ecc.der ek-other.der leaf-nonmin-pss.der leaf-direct.der \
    leaf-sha1.der leaf-sha512.der leaf-dates.der leaf-selfsigned.der swtpm-root.der \
    swtpm-intermediate.der t-root.der t-int.der t-int-expired.der t-int-noca.der t-sub.der \
    loop-a.der loop-b-root.der; do
    cp "$out/$f" "$seeds/$f"
done
d=$out/ek-rsa.der
n=$(stat -c %s "$d")
head -c 600 "$d" >"$seeds/hostile-truncated-600"
{ head -c $((n - 1)) "$d"; printf '\x00'; } >"$seeds/hostile-sig-last-byte"
{ cat "$d"; printf '\x00'; } >"$seeds/hostile-trailing"
{ printf '\x30\x84\x7f\xff\xff\xff'; tail -c +5 "$d"; } >"$seeds/hostile-len-huge"
{ printf '\x30\x80'; tail -c +5 "$d"; } >"$seeds/hostile-indefinite"

# 5. The anchors of fuzz_ek_chain.c: CA A's root and intermediate
if [ -f "$fuzz_c" ]; then
    {
        for f in swtpm-root swtpm-intermediate; do
            printf 'static const uint8_t %s[] = {\n' "${f//-/_}"
            xxd -i <"$out/$f.der" | sed 's/^ */\t/'
            printf '};\n'
        done
    } >"$work/anchors.inc"
    awk -v inc="$work/anchors.inc" '
        /BEGIN gen-chain.sh/ { print; while ((getline l < inc) > 0) print l; skip = 1; next }
        /END gen-chain.sh/ { skip = 0 }
        !skip { print }' "$fuzz_c" >"$work/fuzz_ek_chain.c"
    cat "$work/fuzz_ek_chain.c" >"$fuzz_c"
fi

chmod 644 "$out"/*.* "$out"/*/* "$seeds"/*
ls -lR "$out"
