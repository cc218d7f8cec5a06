#!/usr/bin/env bash
# t0100-tpm-proof.sh - credential activation and quote verification with a
# real swtpm and tpm2-tools as the client (API spec §3 ak-activate, §4.2,
# §4.3): register, approve, ak-activate (MakeCredential by the server,
# tpm2_activatecredential by the TPM, TOFU PCR policy from the quote), then
# /attest with a quote over a server nonce. Refusals: a reused or wrong
# activation, an AK that is not restricted, a quote over another nonce, a
# replayed nonce, flipped bytes in the quote and the signature, PCR values
# that do not match the digest, and a PCR extended after the policy was
# learned (pcr_policy_violation, and the machine is locked).
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a
A=$TPM_DIR
PCRS=sha256:0,1,2,3,4,5,6,7,16,23
tcti() { echo "swtpm:host=127.0.0.1,port=$(cat "$A/swtpm.port")"; }

body=$(ek_json "$A" cert)
id=$(register_usb "$body")
op POST "/api/v1/machines/$id/approve" '{"role":"worker-app","hostname":"tpm-1"}'
expect_status 200 approve

# challenge → NONCE_ID, NONCE_HEX
challenge() {
	api GET /api/v1/attest/challenge
	expect_status 200 challenge
	NONCE_ID=$(jget .nonce_id)
	NONCE_HEX=$(jget .nonce | base64 -d | xxd -p -c 64)
}

# quote NONCE_HEX PREFIX: a real tpm2_quote; sets QUOTE_JSON (the proof fields)
quote() {
	"$FIXTURE" quote "$A" "$1" "$2" >/dev/null || fail "tpm2_quote failed"
	local vals i=0 pcr json="{}"
	vals=$(xxd -p -c 32 "$A/$2.pcrs.values")
	for pcr in ${PCRS#sha256:}; do :; done
	IFS=, read -r -a idx <<<"${PCRS#sha256:}"
	while read -r v; do
		json=$(jq -c --arg k "sha256:${idx[$i]}" --arg v "$v" '. + {($k): $v}' <<<"$json")
		i=$((i + 1))
	done <<<"$vals"
	QUOTE_JSON=$(jq -cn --arg q "$(base64 -w0 "$A/$2.msg")" \
		--arg s "$(base64 -w0 "$A/$2.sig")" --argjson v "$json" \
		'{pcr_quote: $q, pcr_signature: $s, pcr_values: $v}')
}

with() { jq -c -s '.[0] + .[1]' <(echo "$1") <(echo "$2"); }

# ---- credential activation, call 1 ----
ak=$(base64 -w0 "$A/ak.pub")
api POST "/api/v1/machines/$id/ak-activate" "$(with "$body" "{\"ak_public\":\"$ak\"}")"
expect_status 200 "ak-activate call 1"
aid=$(jget .activation_id)
[ ${#aid} = 32 ] || fail "activation_id"
jget .tpm2_tools_blob | base64 -d >"$T/cred.bin"
jget .credential_blob | base64 -d | cmp -s - <(tail -c +9 "$T/cred.bin" | head -c "$(jget .credential_blob | base64 -d | wc -c)") \
	|| fail "credential_blob is not the id object of the tools blob"
# the secret is not stored, only its hash
expect_eq "$(sql "SELECT count(*) FROM ak_activations WHERE id = '$aid' AND used_at IS NULL")" 1 "pending activation"

# the TPM recovers the secret (tpm2_activatecredential with the EK and AK)
"$FIXTURE" activate "$A" "$T/cred.bin" "$T/secret.bin" || fail "TPM could not activate the credential"
[ "$(wc -c <"$T/secret.bin")" = 32 ] || fail "secret size"

# ---- call 2, with a quote over a fresh nonce: TOFU policy ----
challenge
quote "$NONCE_HEX" act
finish=$(jq -cn --arg a "$aid" --arg s "$(base64 -w0 "$T/secret.bin")" --arg n "$NONCE_ID" \
	'{activation_id: $a, secret: $s, nonce_id: $n}')
api POST "/api/v1/machines/$id/ak-activate" "$(with "$finish" "$QUOTE_JSON")"
expect_status 200 "ak-activate call 2"
expect_json .ak_accepted true
expect_json .ak_name "$(cat "$A/ak.name.hex" 2>/dev/null || xxd -p -c 64 "$A/ak.name")"
expect_json '.pcr_policy | length' 10
expect_json '.pcr_policy["sha256:16"]' "$(jq -r '.pcr_values["sha256:16"]' <<<"$QUOTE_JSON")"
op GET "/api/v1/machines/$id"
expect_json .ak.alg rsa2048
expect_json '.pcr_policy | length' 10

# the activation is single use
api POST "/api/v1/machines/$id/ak-activate" "$(jq -cn --arg a "$aid" --arg s "$(base64 -w0 "$T/secret.bin")" '{activation_id: $a, secret: $s}')"
expect_error 403 activation_failed "reused activation"
# a wrong secret fails and spends the activation
api POST "/api/v1/machines/$id/ak-activate" "$(with "$body" "{\"ak_public\":\"$ak\"}")"
aid2=$(jget .activation_id)
api POST "/api/v1/machines/$id/ak-activate" "$(jq -cn --arg a "$aid2" --arg s "$(head -c 32 /dev/urandom | base64 -w0)" '{activation_id: $a, secret: $s}')"
expect_error 403 activation_failed "wrong secret"
api POST "/api/v1/machines/$id/ak-activate" "$(jq -cn --arg a "$aid2" --arg s "$(base64 -w0 "$T/secret.bin")" '{activation_id: $a, secret: $s}')"
expect_error 403 activation_failed "activation after a wrong secret"

# an EK that is not the machine's
tpm_start b
B=$TPM_DIR
api POST "/api/v1/machines/$id/ak-activate" "$(with "$(ek_json "$B" cert)" "{\"ak_public\":\"$ak\"}")"
expect_error 403 ek_mismatch "another TPM's EK"

# an AK that is not restricted: a plain signing key made with tpm2-tools
(
	export TPM2TOOLS_TCTI; TPM2TOOLS_TCTI=$(tcti)
	tpm2_createprimary -C o -c "$T/prim.ctx" >/dev/null
	tpm2_create -C "$T/prim.ctx" -G rsa2048:rsassa-sha256 \
		-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' \
		-u "$T/plain.pub" -r "$T/plain.priv" >/dev/null
	tpm2_flushcontext -t >/dev/null
) || fail "could not create the unrestricted key"
before=$(db_digest)
api POST "/api/v1/machines/$id/ak-activate" "$(with "$body" "{\"ak_public\":\"$(base64 -w0 "$T/plain.pub")\"}")"
expect_error 422 ak_unacceptable "unrestricted AK"
expect_eq "$(db_digest)" "$before" "a refused AK changed the database"
# a restricted signing key that is not fixedTPM (it could be duplicated off the TPM)
(
	export TPM2TOOLS_TCTI; TPM2TOOLS_TCTI=$(tcti)
	tpm2_createprimary -C o -c "$T/prim.ctx" >/dev/null
	tpm2_create -C "$T/prim.ctx" -G rsa2048:rsassa-sha256:null \
		-a 'sensitivedataorigin|userwithauth|restricted|sign' \
		-u "$T/dup.pub" -r "$T/dup.priv" >/dev/null
	tpm2_flushcontext -t >/dev/null
) || fail "could not create the duplicable key"
api POST "/api/v1/machines/$id/ak-activate" "$(with "$body" "{\"ak_public\":\"$(base64 -w0 "$T/dup.pub")\"}")"
expect_error 422 ak_unacceptable "AK without fixedTPM"
grep -qi 'fixedtpm' <<<"$(jget .detail)" || fail "the refusal does not name fixedTPM"
expect_eq "$(db_digest)" "$before" "a refused AK changed the database"

# ---- /attest with a quote ----
challenge
quote "$NONCE_HEX" q1
api POST /api/v1/attest "$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$QUOTE_JSON")"
expect_status 200 "attest with a quote"
expect_json .status attested
expect_json .action apply-config
expect_eq "$(sql "SELECT count(*) FROM attestations WHERE machine_id = '$id'")" 2 "verified quotes recorded"

# the same nonce again
api POST /api/v1/attest "$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$QUOTE_JSON")"
expect_error 409 nonce_replayed "replayed nonce"

# refused quotes: reason, audit entry, nonce spent
refused() {	# REASON WHAT (uses ATTEST_BODY)
	local n
	n=$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.attestation_failed'")
	api POST /api/v1/attest "$ATTEST_BODY"
	expect_error 403 attestation_failed "$2"
	expect_json .reason "$1" "$2"
	expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.attestation_failed'")" $((n + 1)) "$2: audit entry"
}
challenge
quote "$(openssl rand -hex 32)" other
ATTEST_BODY=$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$QUOTE_JSON")
refused nonce_mismatch "quote over another nonce"

challenge
quote "$NONCE_HEX" q2
# flip FIELD OFFSET: the proof with byte OFFSET of FIELD inverted
flip() {
	local hex b
	hex=$(jq -r ".$1" <<<"$QUOTE_JSON" | base64 -d | xxd -p -c 100000)
	b=$(printf '%02x' $(( 0x${hex:$(($2 * 2)):2} ^ 0xff )))
	hex=${hex:0:$(($2 * 2))}$b${hex:$(($2 * 2 + 2))}
	jq -c --arg k "$1" --arg v "$(xxd -r -p <<<"$hex" | base64 -w0)" '.[$k] = $v' <<<"$QUOTE_JSON"
}
ATTEST_BODY=$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$(flip pcr_quote 83)")
refused signature_invalid "flipped byte in the quote (clockInfo.clock)"
challenge
quote "$NONCE_HEX" q3
ATTEST_BODY=$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$(flip pcr_signature 20)")
refused signature_invalid "flipped byte in the signature"
challenge
quote "$NONCE_HEX" q4
bad=$(jq -c '.pcr_values["sha256:0"] = "'"$(printf '%064d' 1)"'"' <<<"$QUOTE_JSON")
ATTEST_BODY=$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$bad")
refused pcr_digest_mismatch "PCR values that do not match the digest"
challenge
quote "$NONCE_HEX" q5
bad=$(jq -c 'del(.pcr_values["sha256:23"])' <<<"$QUOTE_JSON")
ATTEST_BODY=$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$bad")
refused pcr_selection_mismatch "a quoted PCR missing from pcr_values"
op GET "/api/v1/machines/$id"
expect_json .status attested "refusals other than the policy leave the state"

# a PCR extended after the policy was learned: violation, machine locked
"$FIXTURE" extend "$A" 16 "$(printf 'rootkit' | sha256sum | cut -c1-64)" >/dev/null
challenge
quote "$NONCE_HEX" q6
ATTEST_BODY=$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$QUOTE_JSON")
refused pcr_policy_violation "PCR 16 extended"
op GET "/api/v1/machines/$id"
expect_json .status locked "ITL_LOCK_ON_POLICY_VIOLATION locks"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.locked' AND machine_id = '$id'")" 1 "lock audited"

# the operator accepts the new value, unlocks, and the machine attests again
newpol=$(jq -c '{pcrs: .pcr_values}' <<<"$QUOTE_JSON")
op PUT "/api/v1/machines/$id/pcr-policy" "$newpol"
expect_status 200 "pcr-policy"
op POST "/api/v1/machines/$id/unlock" '{}'
expect_json .status attested
challenge
quote "$NONCE_HEX" q7
api POST /api/v1/attest "$(with "$(with "$body" "{\"nonce_id\":\"$NONCE_ID\"}")" "$QUOTE_JSON")"
expect_status 200 "attest after the new policy"

# ITL_REQUIRE_NONCE: activation call 2 with a quote but no nonce is refused
kill -TERM "$ATTESTD_PID"; wait "$ATTESTD_PID" 2>/dev/null || true
ITL_REQUIRE_NONCE=true attestd_start
wait_ready
api POST "/api/v1/machines/$id/ak-activate" "$(with "$body" "{\"ak_public\":\"$ak\"}")"
aid3=$(jget .activation_id)
jget .tpm2_tools_blob | base64 -d >"$T/cred3.bin"
"$FIXTURE" activate "$A" "$T/cred3.bin" "$T/secret3.bin" || fail "activate 3"
quote "$(openssl rand -hex 32)" nononce
api POST "/api/v1/machines/$id/ak-activate" "$(with "$(jq -cn --arg a "$aid3" \
	--arg s "$(base64 -w0 "$T/secret3.bin")" '{activation_id: $a, secret: $s}')" "$QUOTE_JSON")"
expect_error 422 nonce_required "a quote without a nonce under ITL_REQUIRE_NONCE"

op GET /api/v1/audit/verify
expect_json .valid true
pass
