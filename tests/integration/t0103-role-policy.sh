#!/usr/bin/env bash
# t0103-role-policy.sh - role default PCR policies from the YAML
# configuration file (ITL_CONFIG, API spec §4.3): a machine without a policy
# of its own is held to its role's; TOFU does not learn over a role default;
# a role whose expected PCR 16 differs from the TPM's refuses the quote
# (pcr_policy_violation) and locks the machine. A bad file stops start-up.
. "$(dirname "$0")/lib.sh"
# PCR 16 of a fresh fixture: extended once with sha256("swtpm-fixture")
good=$( (head -c 32 /dev/zero; printf 'swtpm-fixture' | sha256sum | cut -c1-64 | xxd -r -p) | sha256sum | cut -c1-64)
cfgfile=$(mktemp /tmp/itl-role-policy.XXXXXX.yaml)
cat >"$cfgfile" <<YAML
roles:
  worker-infra:
    pcr_policy:
      "sha256:16": "$good"
  controlplane:
    pcr_policy:
      "sha256:16": "$(printf '%064d' 7)"
YAML
export ITL_CONFIG=$cfgfile
stack_start
rm -f "$cfgfile"
# a broken file stops start-up, naming the setting and the place
printf 'roles:\n  worker-infra:\n    pcr_policy:\n      sha256:99: "00"\n' >"$T/bad.yaml"
if out=$(ITL_CONFIG=$T/bad.yaml "$MAINT" check-config 2>&1); then fail "bad config accepted"; fi
grep -q 'roles.worker-infra.pcr_policy.sha256:99' <<<"$out" || fail "message does not name the key: $out"

tpm_start a
A=$TPM_DIR
merge() { jq -cs 'add' <(echo "$1") <(echo "$2") ${3:+<(echo "$3")}; }
proof() {	# NONCE_HEX
	"$FIXTURE" quote "$A" "$1" q >/dev/null || fail quote
	jq -cn --arg q "$(base64 -w0 "$A/q.msg")" --arg s "$(base64 -w0 "$A/q.sig")" \
		--arg v0 "$(xxd -p -c 32 "$A/q.pcrs.values" | sed -n 1p)" \
		--arg v16 "$(xxd -p -c 32 "$A/q.pcrs.values" | sed -n 2p)" \
		'{pcr_quote: $q, pcr_signature: $s, pcr_values: {"sha256:0": $v0, "sha256:16": $v16}}'
}
export FIXTURE_PCRS=sha256:0,16
challenge() { api GET /api/v1/attest/challenge; NID=$(jget .nonce_id); NHEX=$(jget .nonce | base64 -d | xxd -p -c 64); }

body=$(ek_json "$A" cert)
id=$(register_usb "$body")
op POST "/api/v1/machines/$id/approve" '{"role":"worker-infra"}'
api POST "/api/v1/machines/$id/ak-activate" "$(merge "$body" "{\"ak_public\":\"$(base64 -w0 "$A/ak.pub")\"}")"
aid=$(jget .activation_id)
jget .tpm2_tools_blob | base64 -d >"$T/cred.bin"
"$FIXTURE" activate "$A" "$T/cred.bin" "$T/secret.bin" || fail activate
challenge
api POST "/api/v1/machines/$id/ak-activate" "$(merge "$(jq -cn --arg a "$aid" \
	--arg s "$(base64 -w0 "$T/secret.bin")" --arg n "$NID" '{activation_id: $a, secret: $s, nonce_id: $n}')" "$(proof "$NHEX")")"
expect_status 200 "activation"
expect_json .pcr_policy null "TOFU learned over a role default"
expect_eq "$(sql "SELECT count(*) FROM pcr_policies WHERE machine_id = '$id'")" 0 "stored policy"
op GET "/api/v1/machines/$id"
expect_json '.pcr_policy["sha256:16"]' "$good" "the role default shows in the detail"

challenge
api POST /api/v1/attest "$(merge "$body" "{\"nonce_id\":\"$NID\"}" "$(proof "$NHEX")")"
expect_status 200 "attest under the worker-infra default"
expect_json .status attested

# as a control plane node the expected PCR 16 differs
op POST "/api/v1/machines/$id/approve" '{"role":"controlplane"}'
expect_status 200
challenge
api POST /api/v1/attest "$(merge "$body" "{\"nonce_id\":\"$NID\"}" "$(proof "$NHEX")")"
expect_error 403 attestation_failed "controlplane default"
expect_json .reason pcr_policy_violation
op GET "/api/v1/machines/$id"
expect_json .status locked
pass
