#!/usr/bin/env bash
# Copied from shared/recipes/swtpm-fixture.sh (the verified recipe; see
# shared/recipes/README.md §3). Keep it in step with the original.
# swtpm-fixture.sh - throw-away software TPM 2.0 (swtpm, TCP on 127.0.0.1) for tests:
# manufactures EK + EK cert (private or shared CA), creates an AK and quotes, activates credentials.
#
# Tested on Debian 12: swtpm/swtpm-tools 0.7.1, libtpms 0.9.2, tpm2-tools 5.4,
# tpm2-tss 3.2.1, gnutls-bin 3.7.9 (certtool, used by swtpm_localca), OpenSSL 3.0.
# Needs: swtpm swtpm-tools tpm2-tools openssl iproute2 (ss) xxd util-linux (flock)
#
# Usage:
#   swtpm-fixture.sh start DIR [NONCE_HEX]     fresh TPM in DIR (a fixture already there is
#                                              stopped and its files replaced); prints the
#                                              "export TPM2TOOLS_TCTI=..." line (also DIR/env)
#   swtpm-fixture.sh quote DIR NONCE_HEX [PREFIX]  new quote -> DIR/PREFIX.{msg,sig,...}
#   swtpm-fixture.sh extend DIR PCR SHA256_HEX     extend a sha256 PCR (e.g. 16) by a digest
#   swtpm-fixture.sh activate DIR CRED OUT     TPM side of credential activation: CRED is a
#                                              tpm2-tools credential file made for this EK
#                                              and this AK's name; writes the secret to OUT
#   swtpm-fixture.sh env DIR                   print the "export TPM2TOOLS_TCTI=..." line
#   swtpm-fixture.sh status DIR                exit 0 if DIR's swtpm is running
#   swtpm-fixture.sh stop DIR                  stop DIR's swtpm (found by its pid file only)
#
# Every subcommand takes a lock on DIR/.fixture.lock, so two runs on the same DIR queue up
# and runs on different DIRs proceed in parallel (each gets its own free port).
# DIR must not contain commas (swtpm option syntax).
#
# Environment:
#   FIXTURE_CA_DIR    share one CA (root + intermediate) between fixtures: created on first
#                     use, reused afterwards (swtpm_localca locks it itself).
#                     Default: a fresh private CA in DIR/ca.
#   FIXTURE_PCR_BANKS PCR banks to activate (default sha256; e.g. sha1,sha256)
#   FIXTURE_PCRS      PCR selection quoted (default sha256:0,1,2,3,4,5,6,7,16,23)
#   FIXTURE_PORT      force the command port (control port = PORT+1); default: random free
#   FIXTURE_AK_HANDLE persistent handle for the AK (default 0x81000100; keep clear of the
#                     EK handles 0x81010001 RSA, 0x81010002 ECC P-256, 0x81010016 ECC P-384)
#   FIXTURE_NO_CHECK=1  skip the self-checks at the end of start
#
# Files written into DIR (binary TPM structures are TPM wire format, big-endian, unless
# stated otherwise):
#   swtpm.pid swtpm.port swtpm.ctrlport env    process / connection info
#   ek-cert.der ek-cert.pem                    RSA-2048 EK cert (NV 0x01c00002)
#   ek-ecc-cert.der ek-ecc-cert.pem            ECC NIST P-384 EK cert (NV 0x01c00016;
#                                              swtpm 0.7.1 has no P-256 cert at 0x01c0000a)
#   platform-cert.der                          platform cert (NV 0x01c08000)
#   ek.pub ek-pub.pem ek.ctx                   RSA EK: TPM2B_PUBLIC / PEM / tpm2-tools context;
#                                              the same key is persistent at 0x81010001
#   ca-root.pem ca-intermediate.pem ca-chain.pem  swtpm-localca CA: the EK cert is issued by
#                                              the intermediate, the root is self-signed
#   ak.pub ak.priv ak.pem ak.name ak.name.hex ak.ctx ak.handle
#                                              RSA-2048 restricted signing AK (RSASSA-SHA256)
#                                              under the EK, persistent at ak.handle
#   nonce.hex                                  qualifying data of the quote
#   quote.msg          TPMS_ATTEST (the signed bytes)
#   quote.sig          TPMT_SIGNATURE (tpm2-tools "tss" format)
#   quote.sig.raw      plain PKCS#1 v1.5 signature (quote.sig minus its 6-byte header):
#                      openssl dgst -sha256 -verify ak.pem -signature quote.sig.raw quote.msg
#   quote.pcrs         PCR values in tpm2-tools' *serialized* format (little-endian C structs,
#                      NOT TPM wire format): only for tpm2_checkquote -f
#   quote.pcrs.values  selected PCR values concatenated (selection's bank order, then index)
#   quote.yaml         tpm2_quote's YAML output (PCR values, calcDigest)
set -euo pipefail

die() { echo "swtpm-fixture: $*" >&2; exit 1; }

need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "missing command: $c"; done; }

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2; }

absdir() { mkdir -p "$1" && (cd "$1" && pwd -P); }

tcti_of() { echo "swtpm:host=127.0.0.1,port=$(cat "$1/swtpm.port")"; }

# Serialise all work on one DIR. fd 9 must not leak into the swtpm daemon (see start).
lock_dir() { exec 9>"$1/.fixture.lock"; flock 9; }

# Run a tpm2-tools command against the fixture, then flush transient objects.
# There is no resource manager in front of swtpm: every tool that loads a context leaves
# a transient object behind, and swtpm has only 3 object slots (TPM_RC 0x902).
t2() {
    local d=$1; shift
    TPM2TOOLS_TCTI=$(tcti_of "$d") "$@"
    TPM2TOOLS_TCTI=$(tcti_of "$d") tpm2_flushcontext -t >/dev/null 2>&1 || true
}

# alive = exists and is not a zombie (a daemon re-parented to PID 1 may be reaped lazily)
alive() {
    local st
    st=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# running = the pid file names a live swtpm whose command line uses this DIR's state
is_running() {
    local d=$1 pid args
    pid=$(cat "$d/swtpm.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $args == *"swtpm socket "* && $args == *" dir=$d/state "* ]]
}

port_free() { [ -z "$(ss -Hltn "( sport = :$1 or sport = :$(( $1 + 1 )) )" 2>/dev/null)" ]; }

cmd_stop() {
    local d=$1 pid
    if is_running "$d"; then
        pid=$(cat "$d/swtpm.pid")
        # graceful shutdown through the control channel, then TERM, then KILL - by PID only
        swtpm_ioctl --tcp "127.0.0.1:$(cat "$d/swtpm.ctrlport")" -s >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.02; done
        if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; sleep 0.2; fi
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$d/swtpm.pid"
}

# Writes DIR/swtpm_setup.conf and the CA's config, so that nothing under /etc or
# /var/lib/swtpm-localca is read or modified. $1 = fixture dir, $2 = CA dir.
make_ca_config() {
    local d=$1 ca=$2 localca
    localca=$(command -v swtpm_localca)
    mkdir -p "$ca"
    if [ ! -f "$ca/swtpm-localca.conf" ]; then
        cat >"$ca/swtpm-localca.conf.tmp.$$" <<EOF
statedir = $ca
signingkey = $ca/signkey.pem
issuercert = $ca/issuercert.pem
certserial = $ca/certserial
EOF
        mv -f "$ca/swtpm-localca.conf.tmp.$$" "$ca/swtpm-localca.conf"
    fi
    if [ ! -f "$ca/swtpm-localca.options" ]; then
        printf '%s\n' '--platform-manufacturer Debian' '--platform-version 2.1' \
            '--platform-model swtpm-fixture' >"$ca/swtpm-localca.options.tmp.$$"
        mv -f "$ca/swtpm-localca.options.tmp.$$" "$ca/swtpm-localca.options"
    fi
    cat >"$d/swtpm_setup.conf" <<EOF
create_certs_tool = $localca
create_certs_tool_config = $ca/swtpm-localca.conf
create_certs_tool_options = $ca/swtpm-localca.options
active_pcr_banks = ${FIXTURE_PCR_BANKS:-sha256}
EOF
}

cmd_quote() {
    local d=$1 nonce=$2 prefix=${3:-quote} pcrs=${FIXTURE_PCRS:-sha256:0,1,2,3,4,5,6,7,16,23}
    is_running "$d" || die "no running fixture in $d"
    [[ $nonce =~ ^([0-9a-fA-F]{2}){1,64}$ ]] || die "nonce must be 1..64 bytes of hex"
    [[ $prefix =~ ^[A-Za-z0-9._-]+$ ]] || die "bad prefix: $prefix"
    if [ "$prefix" = quote ]; then echo "$nonce" >"$d/nonce.hex"; else echo "$nonce" >"$d/$prefix.nonce.hex"; fi
    t2 "$d" tpm2_quote -c "$(cat "$d/ak.handle")" -l "$pcrs" -q "$nonce" -g sha256 \
        -m "$d/$prefix.msg" -s "$d/$prefix.sig" -o "$d/$prefix.pcrs" >"$d/$prefix.yaml"
    # TPMT_SIGNATURE = sigAlg(2) hashAlg(2) TPM2B size(2) sig -> plain RSA signature
    tail -c +7 "$d/$prefix.sig" >"$d/$prefix.sig.raw"
    t2 "$d" tpm2_pcrread "$pcrs" -o "$d/$prefix.pcrs.values" >/dev/null
}

cmd_extend() {
    local d=$1 pcr=$2 digest=$3
    is_running "$d" || die "no running fixture in $d"
    [[ $pcr =~ ^[0-9]+$ ]] || die "bad PCR index: $pcr"
    [[ $digest =~ ^[0-9a-fA-F]{64}$ ]] || die "digest must be 32 bytes of hex"
    t2 "$d" tpm2_pcrextend "$pcr:sha256=$digest"
}

# TPM side of TPM2_ActivateCredential with the persistent EK (0x81010001) and AK.
# The EK's authPolicy is PolicySecret(TPM_RH_ENDORSEMENT), hence the policy session.
cmd_activate() {
    local d=$1 cred=$2 out=$3 s rc=0
    is_running "$d" || die "no running fixture in $d"
    [ -r "$cred" ] || die "cannot read $cred"
    s="$d/.activate.session.ctx"
    export TPM2TOOLS_TCTI
    TPM2TOOLS_TCTI=$(tcti_of "$d")
    tpm2_startauthsession --policy-session -S "$s"
    { tpm2_policysecret -S "$s" -c e >/dev/null &&
      tpm2_activatecredential -c "$(cat "$d/ak.handle")" -C 0x81010001 -i "$cred" -o "$out" \
          -P "session:$s" >/dev/null; } || rc=$?
    tpm2_flushcontext "$s" >/dev/null 2>&1 || true
    tpm2_flushcontext -t >/dev/null 2>&1 || true
    rm -f "$s"
    [ "$rc" = 0 ] || die "activatecredential failed (rc=$rc)"
}

cmd_start() {
    need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_createek tpm2_createak \
        tpm2_quote tpm2_checkquote tpm2_makecredential openssl ss xxd
    local d=$1 nonce=${2:-} ca port tries pcr16
    [ -n "$nonce" ] || nonce=$(openssl rand -hex 32)
    [[ $nonce =~ ^([0-9a-fA-F]{2}){1,64}$ ]] || die "nonce must be 1..64 bytes of hex"
    cmd_stop "$d"
    ca=${FIXTURE_CA_DIR:-$d/ca}
    [ -n "${FIXTURE_CA_DIR:-}" ] && ca=$(absdir "$ca")
    # remove only what this script creates (never the DIR itself, never a shared CA)
    rm -rf "$d/state" "$d/ekfiles"
    if [ -z "${FIXTURE_CA_DIR:-}" ] || [ "$ca" != "$d/ca" ]; then rm -rf "$d/ca"; fi
    rm -f "$d"/{swtpm.pid,swtpm.port,swtpm.ctrlport,swtpm.log,swtpm_setup.log,swtpm_setup.conf,env} \
        "$d"/{ek-cert.der,ek-cert.pem,ek-ecc-cert.der,ek-ecc-cert.pem,platform-cert.der} \
        "$d"/{ek.pub,ek-pub.pem,ek.ctx,ca-root.pem,ca-intermediate.pem,ca-chain.pem} \
        "$d"/{ak.pub,ak.priv,ak.pem,ak.name,ak.name.hex,ak.ctx,ak.handle,nonce.hex} \
        "$d"/quote.{msg,sig,sig.raw,pcrs,pcrs.values,yaml} \
        "$d"/.selfcheck.{secret,cred,out} "$d/.activate.session.ctx"
    mkdir -p "$d/state" "$d/ekfiles"
    make_ca_config "$d" "$ca"

    # 1. manufacture: EKs (RSA-2048 at 0x81010001, ECC P-384 at 0x81010016), EK certs in NV,
    #    platform cert, the requested PCR banks
    swtpm_setup --tpm2 --tpmstate "$d/state" --config "$d/swtpm_setup.conf" \
        --create-ek-cert --create-platform-cert --overwrite \
        --pcr-banks "${FIXTURE_PCR_BANKS:-sha256}" \
        --write-ek-cert-files "$d/ekfiles" --logfile "$d/swtpm_setup.log" >/dev/null 2>&1 \
        || die "swtpm_setup failed, see $d/swtpm_setup.log"

    # 2. run it on a free loopback port (port = commands, port+1 = control channel).
    #    stdio and the lock fd are closed for the daemon, so that "$(... start DIR)" returns
    #    and the lock is released when this script exits.
    tries=0
    while :; do
        tries=$((tries + 1)); [ $tries -le 40 ] || die "no free port found"
        port=${FIXTURE_PORT:-$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))}
        if ! port_free "$port"; then
            [ -n "${FIXTURE_PORT:-}" ] && die "port $port or $((port + 1)) busy"
            continue
        fi
        if swtpm socket --tpm2 --tpmstate "dir=$d/state" \
            --server "type=tcp,port=$port,bindaddr=127.0.0.1" \
            --ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" \
            --flags not-need-init,startup-clear \
            --pid "file=$d/swtpm.pid" --log "file=$d/swtpm.log,level=1" --daemon \
            </dev/null >/dev/null 2>>"$d/swtpm.log" 9>&-; then
            break
        fi
        # lost a race for the port: try another one
        [ -n "${FIXTURE_PORT:-}" ] && die "swtpm failed to start on $port (see $d/swtpm.log)"
    done
    echo "$port" >"$d/swtpm.port"; echo $((port + 1)) >"$d/swtpm.ctrlport"
    echo "export TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=$port" >"$d/env"
    for _ in $(seq 1 50); do [ -s "$d/swtpm.pid" ] && break; sleep 0.02; done
    is_running "$d" || die "swtpm did not come up (see $d/swtpm.log)"

    # 3. EK certificates from NV, CA certificates
    t2 "$d" tpm2_nvread 0x01c00002 -C o -o "$d/ek-cert.der" 2>/dev/null
    openssl x509 -inform der -in "$d/ek-cert.der" -out "$d/ek-cert.pem"
    t2 "$d" tpm2_nvread 0x01c00016 -C o -o "$d/ek-ecc-cert.der" 2>/dev/null
    openssl x509 -inform der -in "$d/ek-ecc-cert.der" -out "$d/ek-ecc-cert.pem"
    t2 "$d" tpm2_nvread 0x01c08000 -C o -o "$d/platform-cert.der" 2>/dev/null || true
    cp "$ca/swtpm-localca-rootca-cert.pem" "$d/ca-root.pem"
    cp "$ca/issuercert.pem" "$d/ca-intermediate.pem"
    cat "$d/ca-intermediate.pem" "$d/ca-root.pem" >"$d/ca-chain.pem"

    # 4. EK public (CreatePrimary with the default TCG template = the key persisted at
    #    0x81010001 = the key in the certificate)
    t2 "$d" tpm2_createek -c "$d/ek.ctx" -G rsa -u "$d/ek.pub" >/dev/null
    t2 "$d" tpm2_readpublic -c 0x81010001 -f pem -o "$d/ek-pub.pem" >/dev/null

    # 5. AK under the EK (tpm2_createak opens the EK's policy session itself), persisted
    t2 "$d" tpm2_createak -C 0x81010001 -c "$d/ak.ctx" -G rsa -g sha256 -s rsassa \
        -u "$d/ak.pub" -r "$d/ak.priv" -n "$d/ak.name" >/dev/null
    t2 "$d" tpm2_readpublic -c "$d/ak.ctx" -f pem -o "$d/ak.pem" >/dev/null
    echo "${FIXTURE_AK_HANDLE:-0x81000100}" >"$d/ak.handle"
    t2 "$d" tpm2_evictcontrol -C o -c "$d/ak.ctx" "$(cat "$d/ak.handle")" >/dev/null
    xxd -p -c 256 "$d/ak.name" >"$d/ak.name.hex"

    # 6. make PCR 16 non-zero, then quote
    pcr16=$(printf 'swtpm-fixture' | sha256sum | cut -d' ' -f1)
    cmd_extend "$d" 16 "$pcr16"
    cmd_quote "$d" "$nonce" quote

    # 7. self-checks: quote (tpm2-tools and openssl), EK chain, credential round trip
    if [ "${FIXTURE_NO_CHECK:-0}" != 1 ]; then
        tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.msg" -s "$d/quote.sig" \
            -f "$d/quote.pcrs" -g sha256 -q "$nonce" >/dev/null || die "checkquote failed"
        openssl dgst -sha256 -verify "$d/ak.pem" -signature "$d/quote.sig.raw" "$d/quote.msg" \
            >/dev/null || die "openssl quote verify failed"
        openssl verify -CAfile "$d/ca-root.pem" -untrusted "$d/ca-intermediate.pem" \
            "$d/ek-cert.pem" >/dev/null || die "EK cert does not verify"
        openssl rand 32 >"$d/.selfcheck.secret"
        tpm2_makecredential -T none -u "$d/ek.pub" -s "$d/.selfcheck.secret" \
            -n "$(cat "$d/ak.name.hex")" -o "$d/.selfcheck.cred" >/dev/null 2>&1 \
            || die "makecredential failed"
        cmd_activate "$d" "$d/.selfcheck.cred" "$d/.selfcheck.out"
        cmp -s "$d/.selfcheck.secret" "$d/.selfcheck.out" || die "credential round trip failed"
        rm -f "$d"/.selfcheck.{secret,cred,out}
    fi
    cat "$d/env"
}

main() {
    [ $# -ge 2 ] || usage
    local sub=$1 d
    shift
    case $sub in
        start) d=$(absdir "$1") ;;
        stop|status|env|quote|extend|activate)
            if [ ! -d "$1" ]; then
                case $sub in stop) exit 0 ;; status) exit 1 ;; *) die "no fixture in $1" ;; esac
            fi
            d=$(absdir "$1") ;;
        *) usage ;;
    esac
    shift
    case $sub in
        start)    lock_dir "$d"; cmd_start "$d" "$@" ;;
        stop)     lock_dir "$d"; cmd_stop "$d" ;;
        quote)    [ $# -ge 1 ] || die "usage: quote DIR NONCE_HEX [PREFIX]"
                  lock_dir "$d"; cmd_quote "$d" "$@" ;;
        extend)   [ $# -eq 2 ] || die "usage: extend DIR PCR SHA256_HEX"
                  lock_dir "$d"; cmd_extend "$d" "$@" ;;
        activate) [ $# -eq 2 ] || die "usage: activate DIR CRED OUT"
                  lock_dir "$d"; cmd_activate "$d" "$@" ;;
        env)      cat "$d/env" ;;
        status)   is_running "$d" ;;
    esac
}
main "$@"
