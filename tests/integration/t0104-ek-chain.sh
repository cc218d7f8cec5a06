#!/usr/bin/env bash
# t0104-ek-chain.sh - ITL_EK_TRUST=chain with ITL_TPM_CA_BUNDLE (API spec
# §1): swtpm's EK certificates (RSA and ECC) chain through swtpm-localca's
# intermediate to its root and are accepted, also behind a TCG NV header
# with trailing padding; the machine records trust "chain". Refused with
# 422 ek_untrusted: a TPM of another manufacturer CA, and every cert when
# the bundle holds only the root. A bare public key is refused unless the
# machine is known with a trusted certificate or was imported by an
# operator. A bundle without a root stops start-up.
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a
A=$TPM_DIR
# a TPM of another manufacturer: its own private CA
B=$T/tpm-other
mkdir -p "$B"
FIXTURE_NO_CHECK=1 "$FIXTURE" start "$B" >/dev/null || fail "second swtpm"
_tpms+=("$B")

restart_with() {	# BUNDLE: restart itl-attestd under chain trust
	kill -TERM "$ATTESTD_PID" 2>/dev/null || true
	wait "$ATTESTD_PID" 2>/dev/null || true
	export ITL_EK_TRUST=chain ITL_TPM_CA_BUNDLE=$1
	attestd_start
	wait_ready
}

cat "$A/ca-intermediate.pem" "$A/ca-root.pem" >"$T/bundle.pem"
restart_with "$T/bundle.pem"

api POST /api/v1/register "$(ek_json "$A" cert)"
expect_status 200 "RSA EK cert, full bundle"
id=$(jget .machine_id)
op GET "/api/v1/machines/$id"
expect_json .ek.trust chain
api POST /api/v1/self-register "$(ek_json "$A" ecc-cert)"
expect_status 200 "ECC EK cert"

# the same certificate behind a TCG NV header (10 01 00 <size> 10 02) and NV padding
len=$(stat -c %s "$A/ek-cert.der")
{ printf '\x10\x01\x00'; printf "%04x" $((len + 2)) | xxd -r -p; printf '\x10\x02'
  cat "$A/ek-cert.der"; head -c 40 /dev/zero | tr '\0' '\377'; } >"$T/nv.bin"
body=$(jq -cn --arg m "$(base64 -w0 "$T/nv.bin")" --arg f "$(spki_sha256_of_cert "$A/ek-cert.der")" \
	'{ek_cert_pem: $m, ek_fingerprint: $f}')
api POST /api/v1/register "$body"
expect_status 200 "NV header and padding"
expect_json .machine_id "$id"

# another manufacturer's TPM
before=$(db_digest)
api POST /api/v1/register "$(ek_json "$B" cert)"
expect_error 422 ek_untrusted "another CA"
expect_eq "$(db_digest)" "$before" "a refused EK changed the database"

# bare keys: known with a trusted certificate → accepted; unknown → refused
api POST /api/v1/attest "$(ek_json "$A" pub)"
expect_status 200 "bare key of a chained machine"
expect_json .machine_id "$id"
api POST /api/v1/self-register "$(ek_json "$B" pub)"
expect_error 422 ek_untrusted "bare key of an unknown machine"
# an operator's import vouches for it
op POST /api/v1/machines/import "$(ek_json "$B" pub '{role: "worker-app", hostname: "imported-1"}')"
expect_status 200 "import of a bare key"
imp=$(jget .machine_id)
op GET "/api/v1/machines/$imp"
expect_json .ek.trust operator
api POST /api/v1/attest "$(ek_json "$B" pub)"
expect_status 200 "bare key of an imported machine"

# only the root: the intermediate is missing, nothing chains
cp "$A/ca-root.pem" "$T/root-only.pem"
restart_with "$T/root-only.pem"
api POST /api/v1/register "$(ek_json "$A" cert)"
expect_error 422 ek_untrusted "root only"

# no root at all: the service does not start
cp "$A/ca-intermediate.pem" "$T/no-root.pem"
kill -TERM "$ATTESTD_PID"; wait "$ATTESTD_PID" 2>/dev/null || true
if ITL_EK_TRUST=chain ITL_TPM_CA_BUNDLE=$T/no-root.pem timeout 10 "$ATTESTD" >"$T/noroot.log" 2>&1; then
	fail "itl-attestd started without a root"
fi
grep -q 'ITL_TPM_CA_BUNDLE' "$T/noroot.log" || fail "no message naming ITL_TPM_CA_BUNDLE"
if ITL_EK_TRUST=chain ITL_TPM_CA_BUNDLE= "$ATTESTD" --check-config >/dev/null 2>&1; then
	fail "chain trust without a bundle accepted"
fi
restart_with "$T/bundle.pem"
pass
