#!/usr/bin/env bash
# gen-tpm.sh - make the committed TPM public areas in tests/data/tpm/ (for
# tests/unit/test_tpm.c) and the seeds in tests/fuzz/corpus/tpm_public/ from
# real software TPMs: the swtpm fixture (tests/integration/swtpm-fixture.sh)
# and a second swtpm manufactured with an RSA-3072 EK. tpm2-tools computes
# every expected Name. Rerun only to refresh: every run makes new keys.
#
# Needs: swtpm swtpm-tools tpm2-tools openssl xxd ss (and what the fixture needs).
# Usage: tests/data/gen-tpm.sh
#
# tests/data/tpm/ (TPM wire format, big-endian; *.pub is a TPM2B_PUBLIC,
# *.name the binary Name tpm2-tools wrote, *.pem an SPKI from tpm2_readpublic):
#   ak-rsa.pub .name .qname .pem  RSA-2048 AK under the RSA EK (tpm2_createak -G rsa
#                                 -g sha256 -s rsassa); qname = qualified name
#                                 (tpm2_readpublic -q)
#   ak-rsa.tpmt                   the same area as TPMT_PUBLIC (ak-rsa.pub minus its size)
#   ak-ecc.pub .name .qname .pem  ECC P-256 AK (-G ecc -g sha256 -s ecdsa)
#   ak-ecc384.pub .name .pem      ECC P-384 restricted signing key, nameAlg sha384
#                                 (tpm2_create -g sha384 -G ecc384:ecdsa-sha384:null under
#                                 an owner primary; Name from tpm2_load -n: tpm2_createak
#                                 cannot choose the nameAlg)
#   ak-sha1.pub .name             RSA restricted signing key, nameAlg sha1 (the same,
#                                 -g sha1 -G rsa2048:rsassa-sha256:null)
#   sign-unrestricted.pub         RSA signing key without restricted (owner primary)
#   decrypt.pub                   RSA decryption key (not sign, not restricted)
#   hmac.pub aes.pub              a keyedhash and a symcipher object
#   ek-rsa.pub .name              RSA-2048 EK, persistent 0x81010001 (template L-1)
#   ek-rsa-pub.pem                its SPKI
#   ek-rsa-cert-spki.der          its SPKI from the NV 0x01c00002 certificate
#   ek-ecc384.pub .name           ECC P-384 EK, persistent 0x81010016 (template H-3)
#   ek-ecc384-pub.pem             its SPKI
#   ek-ecc384-cert-spki.der       its SPKI from the NV 0x01c00016 certificate
#   ek-ecc256.pub .name -pub.pem  ECC P-256 EK of the default template L-2
#                                 (tpm2_createek -G ecc)
#   ek-rsa3072.pub .name -pub.pem RSA-3072 EK of a second swtpm manufactured with
#                                 swtpm_setup --rsa-keysize 3072, persistent 0x8101001c
#                                 (template H-6)
# tests/fuzz/corpus/tpm_public/: the public areas above, the EK SPKIs, and hostile
# variants (truncated, trailing byte, size prefix past/short of the end or 0xffff,
# an empty TPM2B, unique.rsa of 512 and 513 bytes, an ECC point off the curve,
# unknown and symmetric types in front of an RSA body).
set -euo pipefail

die() { echo "gen-tpm.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
fixture=$top/tests/integration/swtpm-fixture.sh
out=$here/tpm
seeds=$top/tests/fuzz/corpus/tpm_public
[ -x "$fixture" ] || die "missing $fixture"
for c in swtpm swtpm_setup swtpm_ioctl tpm2_createak tpm2_createek tpm2_createprimary \
    tpm2_create tpm2_readpublic tpm2_flushcontext openssl xxd ss; do
    command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
done

work=$(mktemp -d)
fix=$work/fix
big=$work/rsa3072
cleanup() {
    "$fixture" stop "$fix" >/dev/null 2>&1 || true
    if [ -s "$big/swtpm.pid" ]; then
        swtpm_ioctl --tcp "127.0.0.1:$(( $(cat "$big/port") + 1 ))" -s >/dev/null 2>&1 ||
            kill "$(cat "$big/swtpm.pid")" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# run a tpm2-tools command, then flush transient objects (swtpm has 3 slots, no RM)
t2() { "$@"; tpm2_flushcontext -t >/dev/null 2>&1 || true; }
# the public area of a TPM2B_PUBLIC file as TPMT_PUBLIC
tpmt() { tail -c +3 "$1"; }
# Name = nameAlg || H(TPMT_PUBLIC), by hand with openssl: name_of FILE ALGID DGST
name_of() { { printf '%s' "$2" | xxd -r -p; tpmt "$1" | openssl dgst "-$3" -binary; }; }

eval "$(FIXTURE_NO_CHECK=1 "$fixture" start "$fix")"
export TPM2TOOLS_TCTI

mkdir -p "$out" "$seeds"
rm -f "$out"/*

# 1. EKs of the fixture: RSA-2048 (L-1) and ECC P-384 (H-3), public areas as the
#    TPM reports them, Names as tpm2-tools reports them, SPKIs from tpm2-tools
#    and from the certificates
t2 tpm2_readpublic -c 0x81010001 -o "$out/ek-rsa.pub" -n "$out/ek-rsa.name" >/dev/null
cmp -s "$out/ek-rsa.pub" "$fix/ek.pub" || die "0x81010001 differs from tpm2_createek's EK"
t2 tpm2_readpublic -c 0x81010001 -f pem -o "$out/ek-rsa-pub.pem" >/dev/null
openssl x509 -inform der -in "$fix/ek-cert.der" -noout -pubkey |
    openssl pkey -pubin -outform der -out "$out/ek-rsa-cert-spki.der"
t2 tpm2_readpublic -c 0x81010016 -o "$out/ek-ecc384.pub" -n "$out/ek-ecc384.name" >/dev/null
t2 tpm2_readpublic -c 0x81010016 -f pem -o "$out/ek-ecc384-pub.pem" >/dev/null
openssl x509 -inform der -in "$fix/ek-ecc-cert.der" -noout -pubkey |
    openssl pkey -pubin -outform der -out "$out/ek-ecc384-cert-spki.der"

# 2. ECC P-256 EK of the default template (L-2)
t2 tpm2_createek -c "$work/ek256.ctx" -G ecc -u "$out/ek-ecc256.pub" >/dev/null
t2 tpm2_readpublic -c "$work/ek256.ctx" -n "$out/ek-ecc256.name" -f pem \
    -o "$out/ek-ecc256-pub.pem" >/dev/null

# 3. AKs under the RSA EK (tpm2_createak opens the EK's policy session itself)
mkak() { # name, then tpm2_createak options
    local n=$1; shift
    t2 tpm2_createak -C 0x81010001 -c "$work/$n.ctx" "$@" -u "$out/$n.pub" \
        -n "$out/$n.name" -r "$work/$n.priv" >/dev/null
}
mkak ak-rsa -G rsa -g sha256 -s rsassa
mkak ak-ecc -G ecc -g sha256 -s ecdsa
for k in ak-rsa ak-ecc; do
    t2 tpm2_readpublic -c "$work/$k.ctx" -q "$out/$k.qname" -f pem -o "$out/$k.pem" >/dev/null
done
tpmt "$out/ak-rsa.pub" >"$out/ak-rsa.tpmt"

# 4. keys under an owner storage primary: restricted signing keys with another
#    nameAlg (tpm2_createak has no option for it), and keys that are not AKs;
#    tpm2_load reports the Name
t2 tpm2_createprimary -C o -G ecc -c "$work/prim.ctx" >/dev/null
mkkey() { # name, then tpm2_create options
    local n=$1; shift
    t2 tpm2_create -C "$work/prim.ctx" "$@" -u "$out/$n.pub" -r "$work/$n.priv" >/dev/null
    t2 tpm2_load -C "$work/prim.ctx" -u "$out/$n.pub" -r "$work/$n.priv" \
        -c "$work/$n.ctx" -n "$work/$n.name" >/dev/null
}
ak_attrs='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign'
mkkey ak-ecc384 -g sha384 -G ecc384:ecdsa-sha384:null -a "$ak_attrs"
mkkey ak-sha1 -g sha1 -G rsa2048:rsassa-sha256:null -a "$ak_attrs"
mkkey sign-unrestricted -G rsa -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign'
mkkey decrypt -G rsa -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt'
mkkey hmac -G hmac
mkkey aes -G aes
cp "$work/ak-ecc384.name" "$work/ak-sha1.name" "$out/"
t2 tpm2_readpublic -c "$work/ak-ecc384.ctx" -f pem -o "$out/ak-ecc384.pem" >/dev/null
"$fixture" stop "$fix"

# 5. a second swtpm, manufactured with an RSA-3072 EK (template H-6); no
#    certificates, so no CA and nothing under /etc is read (empty --config)
mkdir -p "$big/state"
: >"$big/swtpm_setup.conf"
swtpm_setup --tpm2 --tpmstate "$big/state" --config "$big/swtpm_setup.conf" --createek \
    --rsa-keysize 3072 --pcr-banks sha256 --overwrite --logfile "$big/setup.log" \
    >/dev/null 2>&1 || die "swtpm_setup --rsa-keysize 3072 failed, see $big/setup.log"
for _ in $(seq 1 40); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    [ -z "$(ss -Hltn "( sport = :$port or sport = :$((port + 1)) )")" ] || continue
    if swtpm socket --tpm2 --tpmstate "dir=$big/state" \
        --server "type=tcp,port=$port,bindaddr=127.0.0.1" \
        --ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" \
        --flags not-need-init,startup-clear --pid "file=$big/swtpm.pid" \
        --log "file=$big/swtpm.log,level=1" --daemon </dev/null >/dev/null 2>&1; then
        echo "$port" >"$big/port"
        break
    fi
done
[ -s "$big/port" ] || die "no free port for the RSA-3072 swtpm"
TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$(cat "$big/port")"
t2 tpm2_readpublic -c 0x8101001c -o "$out/ek-rsa3072.pub" -n "$out/ek-rsa3072.name" >/dev/null
t2 tpm2_readpublic -c 0x8101001c -f pem -o "$out/ek-rsa3072-pub.pem" >/dev/null

# 6. cross-checks: every Name tpm2-tools wrote is nameAlg || H(TPMT_PUBLIC)
check_name() { # file algid dgst
    name_of "$out/$1.pub" "$2" "$3" | cmp -s - "$out/$1.name" || die "$1: name mismatch"
}
for k in ak-rsa ak-ecc ek-rsa ek-ecc256; do check_name "$k" 000b sha256; done
for k in ak-ecc384 ek-ecc384 ek-rsa3072; do check_name "$k" 000c sha384; done
check_name ak-sha1 0004 sha1

# 7. fuzz seeds: the artefacts and hostile variants. Only these names are
#    (re)written; other seeds (crashes) are kept.
for f in ak-rsa.pub ak-rsa.tpmt ak-ecc.pub ak-ecc384.pub ak-sha1.pub sign-unrestricted.pub \
    decrypt.pub hmac.pub aes.pub ek-rsa.pub ek-ecc384.pub ek-ecc256.pub ek-rsa3072.pub; do
    cp "$out/$f" "$seeds/$f"
done
cp "$out/ek-rsa-cert-spki.der" "$out/ek-ecc384-cert-spki.der" "$seeds/"
for k in ek-ecc256 ek-rsa3072; do
    openssl pkey -pubin -in "$out/$k-pub.pem" -outform der -out "$seeds/$k-spki.der"
done
be16() { printf '%04x' "$1" | xxd -r -p; }
ak=$out/ak-rsa.pub
n=$(stat -c %s "$ak")
head -c $((n - 1)) "$ak" >"$seeds/hostile-truncated"
{ cat "$ak"; printf '\x00'; } >"$seeds/hostile-trailing-byte"
{ be16 $((n - 1)); tpmt "$ak"; } >"$seeds/hostile-size-past-end"
{ be16 $((n - 3)); tpmt "$ak"; } >"$seeds/hostile-size-short"
{ printf '\xff\xff'; tpmt "$ak"; } >"$seeds/hostile-size-ffff"
printf '\x00\x00' >"$seeds/hostile-empty-tpm2b"
# TPM2B_PUBLIC around a TPMT_PUBLIC file
tpm2b() { be16 "$(stat -c %s "$1")"; cat "$1"; }
# unique.rsa of 0x0200 bytes (the buffer maximum) and 0x0201 (one past)
tpmt "$ak" | head -c $((n - 2 - 258)) >"$work/ak-head"
{ cat "$work/ak-head"; printf '\x02\x00'; head -c 512 /dev/zero | tr '\0' '\1'; } >"$work/rsa512"
tpm2b "$work/rsa512" >"$seeds/hostile-rsa-512"
{ cat "$work/ak-head"; printf '\x02\x01'; head -c 513 /dev/zero | tr '\0' '\1'; } >"$work/rsa513"
tpm2b "$work/rsa513" >"$seeds/hostile-rsa-513"
# the ECC AK with a point off the curve (last byte of y flipped) and an unknown curve
e=$out/ak-ecc.pub
m=$(stat -c %s "$e")
{ head -c $((m - 1)) "$e"; tail -c 1 "$e" | xxd -p | { read -r b; printf '%02x' $((0x$b ^ 1)); } | xxd -r -p; } \
    >"$seeds/hostile-ecc-off-curve"
# type keyedhash, symcipher and an unknown type in front of the AK's body
for t in 0008 0025 00ff; do
    { be16 $((n - 2)); printf '%s' "$t" | xxd -r -p; tpmt "$ak" | tail -c +3; } \
        >"$seeds/hostile-type-$t"
done

chmod 644 "$out"/* "$seeds"/*
ls -l "$out"
