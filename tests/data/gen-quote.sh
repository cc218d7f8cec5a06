#!/usr/bin/env bash
# gen-quote.sh - make the committed quote artefacts in tests/data/quote/ from
# real software TPMs (swtpm + tpm2-tools, through
# tests/integration/swtpm-fixture.sh), the quote fuzz seeds in
# tests/fuzz/corpus/quote/, and the AK arrays in tests/fuzz/fuzz_quote.c
# (between its "gen-quote.sh" markers). The outputs are committed; rerun this
# only to refresh them (every run makes new TPMs, so keys and signatures
# change together; the PCR values are deterministic).
#
# Needs: swtpm swtpm-tools tpm2-tools openssl xxd (and what swtpm-fixture.sh needs).
# Usage: tests/data/gen-quote.sh
#
# tests/data/quote/<case>/ (binary TPM structures are TPM wire format):
#   ak.pub      the quoting AK, TPM2B_PUBLIC (tpm2_createak -u)
#   quote.msg   TPMS_ATTEST (tpm2_quote -m)
#   quote.sig   TPMT_SIGNATURE (tpm2_quote -s)
#   nonce.hex   the qualifying data given to tpm2_quote -q (extraData)
#   pcrs.json   the quoted PCR values in the API format {"sha256:0": "<hex>", ...},
#               from tpm2_pcrread's output
# Cases (one TPM "a" with the sha256 bank, one TPM "b" with sha1 and sha256;
# PCRs 0..7 extended with SHA-256("gen-quote pcr N") in every bank, PCR 16 as
# the fixture extends it):
#   rsa         RSA-2048 AK, RSASSA-SHA256 (the fixture's persistent AK), 32-byte
#               nonce 000102..1f, sha256:0,1,2,3,4,5,6,7,16,23
#   rsapss      RSA-2048 AK, RSAPSS-SHA256 (tpm2_createak -s rsapss), 20-byte nonce
#   ecc         ECC P-256 AK, ECDSA-SHA256 (tpm2_createak -G ecc -s ecdsa), 64-byte nonce
#   rsa-sha384  RSA-2048 AK, RSASSA-SHA384 (tpm2_createak -g sha384; tpm2_quote -g sha384)
#   twobank     TPM "b"'s RSA AK, -l sha256:16,23+sha1:0,16 (two banks, sha256 listed first)
# Every quote is checked with tpm2_checkquote (signature, nonce, PCR digest) here.
#
# Fuzz seeds use fuzz_quote.c's framing: flags(1) | nonce_len(1, 0xff = none) |
# nonce | BE16 attest_len | attest | BE16 sig_len | sig | "key=hex\n" lines.
set -euo pipefail

die() { echo "gen-quote.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
fixture=$top/tests/integration/swtpm-fixture.sh
out=$here/quote
seeds=$top/tests/fuzz/corpus/quote
fuzz_c=$top/tests/fuzz/fuzz_quote.c
[ -x "$fixture" ] || die "missing $fixture"
for c in swtpm tpm2_createak tpm2_quote tpm2_checkquote tpm2_pcrread tpm2_pcrextend \
    tpm2_flushcontext openssl xxd sha256sum awk; do
    command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
done

work=$(mktemp -d)
fa=$work/a
fb=$work/b
cleanup() {
    "$fixture" stop "$fa" >/dev/null 2>&1 || true
    "$fixture" stop "$fb" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

NONCE_RSA=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
NONCE_PSS=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
NONCE_ECC=$(printf '%02x' $(seq 64 127))
NONCE_384=fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0
NONCE_TWO=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
PCRS_ONE=sha256:0,1,2,3,4,5,6,7,16,23
PCRS_TWO=sha256:16,23+sha1:0,16

# run a tpm2-tools command, then flush transient objects (swtpm has 3 slots, no RM)
t2() { "$@"; tpm2_flushcontext -t >/dev/null 2>&1 || true; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
be16() { printf '%04x' "$1" | xxd -r -p; }
byte() { printf '%02x' "$1" | xxd -r -p; }

# pcrs_json SELECTION: tpm2_pcrread's YAML ("  sha256:" then "    16: 0xHEX") as
# the API's {"bank:index": "lowercase hex", ...}, in the order printed
pcrs_json() {
    t2 tpm2_pcrread "$1" | awk '
        /^ *[a-z0-9]+:$/ { bank = $1; sub(/:$/, "", bank); next }
        /^ *[0-9]+ *: *0x[0-9A-Fa-f]+$/ {
            line = $0; gsub(/[ \t]/, "", line)
            split(line, kv, ":"); v = tolower(substr(kv[2], 3))
            out = out sep "\n  \"" bank ":" kv[1] "\": \"" v "\""; sep = ","
        }
        END { if (out == "") exit 1; print "{" out "\n}" }'
}

# extend PCRs 0..7 of the given banks with SHA-256("gen-quote pcr N") (truncated
# to 20 bytes for sha1), so the values differ from each other and from zero
extend_boot_pcrs() {
    local n d spec bank
    for n in 0 1 2 3 4 5 6 7; do
        d=$(sha "gen-quote pcr $n"); spec=
        for bank in "$@"; do
            case $bank in
                sha1) spec="$spec${spec:+,}sha1=${d:0:40}" ;;
                sha256) spec="$spec${spec:+,}sha256=$d" ;;
            esac
        done
        t2 tpm2_pcrextend "$n:$spec"
    done
}

# check CASE HASH [CTX]: tpm2_checkquote over the case's files. tpm2_checkquote
# 5.4 verifies RSAPSS only with the maximum salt length, while the TPM (libtpms)
# signs with a salt as long as the digest ("salt length check failed: expected:
# 222 retrieved: 32"); so an RSAPSS quote (CTX given) is checked with openssl's
# automatic salt length, and its pcrDigest and extraData by hand.
check() {
    local d=$out/$1 n
    if [ $# -ge 3 ]; then
        t2 tpm2_readpublic -c "$3" -f pem -o "$work/$1.pem" >/dev/null
        tail -c +7 "$d/quote.sig" >"$work/$1.sig.raw"
        openssl dgst "-$2" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:auto \
            -verify "$work/$1.pem" -signature "$work/$1.sig.raw" "$d/quote.msg" >/dev/null \
            || die "openssl rsa-pss verify failed for $1"
        t2 tpm2_pcrread "$PCRS_ONE" -o "$work/$1.values.bin" >/dev/null
        [ "$(openssl dgst "-$2" -r "$work/$1.values.bin" | cut -d' ' -f1)" = \
            "$(tail -c 32 "$d/quote.msg" | xxd -p -c 64)" ] || die "pcrDigest differs for $1"
        n=$(cat "$d/nonce.hex")
        # extraData follows magic, type and a 34-byte qualifiedSigner (sha256 name)
        [ "$(head -c $((44 + ${#n} / 2)) "$d/quote.msg" | tail -c +43 | xxd -p -c 256)" = \
            "$(printf '%04x' $(( ${#n} / 2 )))$n" ] || die "extraData differs for $1"
        return
    fi
    tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.msg" -s "$d/quote.sig" -f "$work/$1.pcrs" \
        -g "$2" -q "$(cat "$d/nonce.hex")" >/dev/null || die "tpm2_checkquote failed for $1"
}

# quote_case CASE CTX NONCE HASH SELECTION AKPUB SCHEME: a quote by an AK
# (context file or handle); SCHEME as tpm2_quote --scheme takes it
quote_case() {
    local d=$out/$1
    mkdir -p "$d"
    echo "$3" >"$d/nonce.hex"
    t2 tpm2_quote -c "$2" -l "$5" -q "$3" -g "$4" --scheme "$7" -m "$d/quote.msg" \
        -s "$d/quote.sig" -o "$work/$1.pcrs" >/dev/null
    cp "$6" "$d/ak.pub"
    pcrs_json "$5" >"$d/pcrs.json"
    if [ "$7" = rsapss ]; then check "$1" "$4" "$2"; else check "$1" "$4"; fi
}

rm -rf "$out"
mkdir -p "$out"

# TPM a: the sha256 bank, the fixture's RSASSA AK at 0x81000100
eval "$(FIXTURE_NO_CHECK=1 "$fixture" start "$fa" "$NONCE_RSA")"
export TPM2TOOLS_TCTI
extend_boot_pcrs sha256
FIXTURE_PCRS=$PCRS_ONE "$fixture" quote "$fa" "$NONCE_RSA" >/dev/null
mkdir -p "$out/rsa"
cp "$fa/ak.pub" "$out/rsa/ak.pub"
cp "$fa/quote.msg" "$out/rsa/quote.msg"
cp "$fa/quote.sig" "$out/rsa/quote.sig"
echo "$NONCE_RSA" >"$out/rsa/nonce.hex"
cp "$fa/quote.pcrs" "$work/rsa.pcrs"
pcrs_json "$PCRS_ONE" >"$out/rsa/pcrs.json"
check rsa sha256

t2 tpm2_createak -C 0x81010001 -c "$work/pss.ctx" -G rsa -g sha256 -s rsapss \
    -u "$work/pss.pub" >/dev/null
quote_case rsapss "$work/pss.ctx" "$NONCE_PSS" sha256 "$PCRS_ONE" "$work/pss.pub" rsapss

t2 tpm2_createak -C 0x81010001 -c "$work/ecc.ctx" -G ecc -g sha256 -s ecdsa \
    -u "$work/ecc.pub" >/dev/null
quote_case ecc "$work/ecc.ctx" "$NONCE_ECC" sha256 "$PCRS_ONE" "$work/ecc.pub" ecdsa

t2 tpm2_createak -C 0x81010001 -c "$work/r384.ctx" -G rsa -g sha384 -s rsassa \
    -u "$work/r384.pub" >/dev/null
quote_case rsa-sha384 "$work/r384.ctx" "$NONCE_384" sha384 "$PCRS_ONE" "$work/r384.pub" rsassa

# TPM b: sha1 and sha256 banks, its own RSASSA AK (also "another AK" for rsa)
eval "$(FIXTURE_NO_CHECK=1 FIXTURE_PCR_BANKS=sha1,sha256 "$fixture" start "$fb" "$NONCE_TWO")"
export TPM2TOOLS_TCTI
extend_boot_pcrs sha1 sha256
t2 tpm2_pcrextend "16:sha1=$(sha 'gen-quote sha1 pcr 16' | cut -c1-40)"
quote_case twobank "$(cat "$fb/ak.handle")" "$NONCE_TWO" sha256 "$PCRS_TWO" "$fb/ak.pub" rsassa

# Fuzz seeds: each case in fuzz_quote.c's framing (AK index flags & 7: rsa 0,
# rsapss 1, ecc 2, rsa-sha384 3, twobank 4; flag 0x08 = apply the fixed policy),
# and hostile variants.
# Only these names are (re)written; other seeds (crashes) are kept.
mkdir -p "$seeds"
# values lines from pcrs.json: "key=hex\n"
values_of() { sed -n 's/^ *"\([a-z0-9]*:[0-9]*\)": *"\([0-9a-f]*\)".*$/\1=\2/p' "$1"; }
# seed FLAGS NONCE_HEX|- ATTEST SIG VALUES_FILE
seed() {
    local nonce=$2 alen slen
    byte "$1"
    if [ "$nonce" = - ]; then byte 255; else
        byte $(( ${#nonce} / 2 )); printf '%s' "$nonce" | xxd -r -p; fi
    alen=$(stat -c %s "$3"); slen=$(stat -c %s "$4")
    be16 "$alen"; cat "$3"; be16 "$slen"; cat "$4"; cat "$5"
}
i=0
for c in rsa rsapss ecc rsa-sha384; do
    d=$out/$c
    values_of "$d/pcrs.json" >"$work/$c.values"
    seed $i "$(cat "$d/nonce.hex")" "$d/quote.msg" "$d/quote.sig" "$work/$c.values" >"$seeds/$c"
    seed $((i | 8)) "$(cat "$d/nonce.hex")" "$d/quote.msg" "$d/quote.sig" "$work/$c.values" \
        >"$seeds/$c-policy"
    i=$((i + 1))
done
d=$out/twobank
values_of "$d/pcrs.json" >"$work/twobank.values"
seed 4 "$(cat "$d/nonce.hex")" "$d/quote.msg" "$d/quote.sig" "$work/twobank.values" >"$seeds/twobank"
seed 12 "$(cat "$d/nonce.hex")" "$d/quote.msg" "$d/quote.sig" "$work/twobank.values" \
    >"$seeds/twobank-policy"
d=$out/rsa
seed 0 - "$d/quote.msg" "$d/quote.sig" "$work/rsa.values" >"$seeds/rsa-no-nonce"
{ be16 "$(stat -c %s "$d/quote.msg")"; cat "$d/quote.msg"; } >"$work/rsa.tpm2b"
seed 0 "$(cat "$d/nonce.hex")" "$work/rsa.tpm2b" "$d/quote.sig" "$work/rsa.values" >"$seeds/rsa-tpm2b"
{ cat "$d/quote.msg"; printf '\x00'; } >"$work/trail.msg"
seed 0 "$(cat "$d/nonce.hex")" "$work/trail.msg" "$d/quote.sig" "$work/rsa.values" \
    >"$seeds/hostile-attest-trailing"
{ cat "$d/quote.sig"; printf '\x00'; } >"$work/trail.sig"
seed 0 "$(cat "$d/nonce.hex")" "$d/quote.msg" "$work/trail.sig" "$work/rsa.values" \
    >"$seeds/hostile-sig-trailing"
{ printf '\x00\x00\x00\x00'; tail -c +5 "$d/quote.msg"; } >"$work/magic.msg"
seed 0 "$(cat "$d/nonce.hex")" "$work/magic.msg" "$d/quote.sig" "$work/rsa.values" \
    >"$seeds/hostile-magic"
head -c 100 "$d/quote.msg" >"$work/short.msg"
seed 0 "$(cat "$d/nonce.hex")" "$work/short.msg" "$d/quote.sig" "$work/rsa.values" \
    >"$seeds/hostile-attest-truncated"
{ be16 65000; cat "$d/quote.msg"; } >"$work/bigsize.msg"
seed 0 "$(cat "$d/nonce.hex")" "$work/bigsize.msg" "$d/quote.sig" "$work/rsa.values" \
    >"$seeds/hostile-tpm2b-size-past-end"
# TPML_PCR_SELECTION.count (offset 101 with a 32-byte nonce) set to 0xffffffff
{ head -c 101 "$d/quote.msg"; printf '\xff\xff\xff\xff'; tail -c +106 "$d/quote.msg"; } \
    >"$work/count.msg"
seed 0 "$(cat "$d/nonce.hex")" "$work/count.msg" "$d/quote.sig" "$work/rsa.values" \
    >"$seeds/hostile-bank-count"
# sizeofSelect (offset 107) set to 0xff
{ head -c 107 "$d/quote.msg"; printf '\xff'; tail -c +109 "$d/quote.msg"; } >"$work/sos.msg"
seed 0 "$(cat "$d/nonce.hex")" "$work/sos.msg" "$d/quote.sig" "$work/rsa.values" \
    >"$seeds/hostile-sizeofselect"
# RSA signature TPM2B size past the end
{ head -c 4 "$d/quote.sig"; printf '\xff\xff'; tail -c +7 "$d/quote.sig"; } >"$work/sigsize.sig"
seed 0 "$(cat "$d/nonce.hex")" "$d/quote.msg" "$work/sigsize.sig" "$work/rsa.values" \
    >"$seeds/hostile-sig-size-past-end"
# ECDSA signature with empty r and s; and an ECDSA signature for the RSA AK
printf '\x00\x18\x00\x0b\x00\x00\x00\x00' >"$work/ecc-empty.sig"
seed 2 "$(cat "$out/ecc/nonce.hex")" "$out/ecc/quote.msg" "$work/ecc-empty.sig" \
    "$work/ecc.values" >"$seeds/hostile-ecdsa-empty"
seed 0 "$(cat "$out/ecc/nonce.hex")" "$out/ecc/quote.msg" "$out/ecc/quote.sig" \
    "$work/ecc.values" >"$seeds/hostile-scheme-mismatch"
# values: a duplicate, a bad key, a wrong length, upper case, a missing one
{ cat "$work/rsa.values"; head -n 1 "$work/rsa.values"; printf 'sha256:07=00\nsha256:24=00\n';
  printf 'sha3:1=00\nsha1:0=%s\n' "$(printf 'AB%.0s' $(seq 20))"; } >"$work/odd.values"
seed 8 "$(cat "$d/nonce.hex")" "$d/quote.msg" "$d/quote.sig" "$work/odd.values" \
    >"$seeds/hostile-values"
tail -n +2 "$work/rsa.values" >"$work/missing.values"
seed 0 "$(cat "$d/nonce.hex")" "$d/quote.msg" "$d/quote.sig" "$work/missing.values" \
    >"$seeds/hostile-values-missing"
printf '\x00\x05' >"$seeds/hostile-short"

# The AKs of the seeds, as C arrays in fuzz_quote.c
if [ -f "$fuzz_c" ]; then
    {
        for c in rsa rsapss ecc rsa-sha384 twobank; do
            printf 'static const uint8_t ak_%s[] = {\n' "${c//-/_}"
            xxd -i <"$out/$c/ak.pub" | sed 's/^ */\t/'
            printf '};\n'
        done
    } >"$work/aks.inc"
    awk -v inc="$work/aks.inc" '
        /BEGIN gen-quote.sh/ { print; while ((getline l < inc) > 0) print l; skip = 1; next }
        /END gen-quote.sh/ { skip = 0 }
        !skip { print }' "$fuzz_c" >"$work/fuzz_quote.c"
    cat "$work/fuzz_quote.c" >"$fuzz_c"
fi

chmod 644 "$out"/*/* "$seeds"/*
ls -lR "$out"
