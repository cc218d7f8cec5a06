#!/usr/bin/env bash
# t0020-register.sh - registration with real swtpm EKs read by tpm2-tools:
# USB registration and self-registration of the same TPM and of different
# TPMs; certificate and bare public key (SPKI, TPM2B_PUBLIC) sources give
# the same identity; RSA and ECC (P-384) EKs; re-registration refreshes
# hardware fields and issues a new boot token; tokens are stored hashed.
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a
A=$TPM_DIR
tpm_start b
B=$TPM_DIR

fp_a=$(spki_sha256_of_cert "$A/ek-cert.der")

# USB registration of TPM a with its RSA EK certificate
api POST /api/v1/register "$(ek_json "$A" cert '{hw_mac: "AA:BB:CC:00:11:22", hw_serial: "SN-A", hw_uuid: "unknown"}')"
expect_status 200 "usb register"
expect_json .status registered
expect_json .role worker-app
expect_json .iso_url null
id_a=$(jget .machine_id)
tok=$(jget .config_token)
[ ${#tok} = 43 ] || fail "boot token is not 43 base64url characters"
expect_json .config_url "$ITL_SERVICE_URL/api/v1/config/$tok"
expect_eq "$(sql "SELECT ek_fingerprint, hw_mac, hw_serial, coalesce(hw_uuid, 'null'), registration_path FROM machines WHERE id = '$id_a'")" \
	"$fp_a|aa:bb:cc:00:11:22|SN-A|null|usb" "stored machine"
# only the hash of the token is stored
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE token_sha256 = '$tok'")" 0 "plain token stored"
h=$(printf '%s' "$tok" | sha256sum | cut -c1-64)
expect_eq "$(sql "SELECT kind FROM config_tokens WHERE token_sha256 = '$h'")" boot "token hash"

# the same TPM by every other encoding of its EK is the same machine
for kind in cert-pem pub pub-pem; do
	api POST /api/v1/register "$(ek_json "$A" $kind)"
	expect_status 200 "register again ($kind)"
	expect_json .machine_id "$id_a" "identity from $kind"
done
# raw PEM text without the outer base64 is accepted too
body=$(jq -cn --arg m "$(cat "$A/ek-cert.pem")" --arg f "$fp_a" '{ek_cert_pem: $m, ek_fingerprint: $f}')
api POST /api/v1/register "$body"
expect_json .machine_id "$id_a" "identity from raw pem"
# the client may send the SHA-256 of the bytes it sent instead (older clients)
body=$(jq -cn --arg m "$(base64 -w0 "$A/ek-cert.der")" \
	--arg f "$(sha256sum <"$A/ek-cert.der" | cut -c1-64)" '{ek_cert_pem: $m, ek_fingerprint: $f}')
api POST /api/v1/register "$body"
expect_json .machine_id "$id_a" "sha256 of the sent bytes"
body=$(jq -cn --arg m "$(base64 -w0 "$A/ek-cert.der")" \
	--arg f "$(sha384sum <"$A/ek-cert.der" | cut -c1-96)" '{ek_cert_pem: $m, ek_fingerprint: $f}')
api POST /api/v1/register "$body"
expect_json .machine_id "$id_a" "sha384 of the sent bytes"
expect_eq "$(sql "SELECT count(*) FROM machines")" 1 "one machine for one TPM"
# each registration superseded the previous boot token
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$id_a' AND superseded_at IS NULL")" 1 "live boot tokens"
# hardware fields refreshed, missing ones kept
api POST /api/v1/register "$(ek_json "$A" cert '{hw_serial: "SN-A2"}')"
expect_eq "$(sql "SELECT hw_serial, hw_mac FROM machines WHERE id = '$id_a'")" "SN-A2|aa:bb:cc:00:11:22" "refresh"

# self-registration of the same TPM: the known record, unchanged, no token
before=$(db_digest)
api POST /api/v1/self-register "$(ek_json "$A" pub)"
expect_status 200 "self-register known"
expect_json .machine_id "$id_a"
expect_json .status registered
expect_json .config_token null
expect_eq "$(db_digest)" "$before" "self-register of a known machine changed the database"

# self-registration of TPM b with its ECC (P-384) EK certificate: pending
api POST /api/v1/self-register "$(ek_json "$B" ecc-cert '{desired_role: "worker-infra"}')"
expect_status 200 "self-register new"
expect_json .status pending_approval
expect_json .role worker-infra
expect_json .poll_after_s 60
expect_json .config_url null
id_b=$(jget .machine_id)
[ "$id_b" != "$id_a" ] || fail "different TPMs share an id"
expect_eq "$(sql "SELECT ek_fingerprint FROM machines WHERE id = '$id_b'")" \
	"$(spki_sha256_of_cert "$B/ek-ecc-cert.der")" "ecc identity"
# TPM b's RSA EK is another identity, registered by USB
api POST /api/v1/register "$(ek_json "$B" cert)"
expect_status 200
[ "$(jget .machine_id)" != "$id_b" ] || fail "RSA and ECC EKs of one TPM merged"
# USB registration of a self-registered machine keeps its state
api POST /api/v1/register "$(ek_json "$B" ecc-cert '{hw_serial: "SN-B"}')"
expect_json .machine_id "$id_b"
expect_json .status pending_approval

# every new machine has exactly one machine.registered audit entry
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.registered'")" 3 "registered entries"
op GET "/api/v1/machines/$id_b"
expect_status 200
expect_json .registration_path self
expect_json .ek.source cert
expect_json .hw_serial SN-B
pass
