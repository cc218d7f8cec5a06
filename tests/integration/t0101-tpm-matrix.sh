#!/usr/bin/env bash
# t0101-tpm-matrix.sh - the TPM proof for each EK swtpm provides (RSA-2048
# at 0x81010001 with its NV 0x01c00002 certificate; ECC P-384 at 0x81010016
# with its NV 0x01c00016 certificate, template H-3 whose policy needs
# PolicySecret + PolicyOR in SHA-384) with an RSA AK and an ECC AK each:
# ak-activate call 1 → tpm2_activatecredential with the returned blob →
# call 2 accepted; then challenge → tpm2_quote over the nonce → /attest.
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a
A=$TPM_DIR
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$(cat "$A/swtpm.port")"
PCRS=sha256:0,7,16

# PolicyA and PolicyC of the TCG EK credential profile (SHA-384), for H-3
printf '%s' 8bbf2266537c171cb56e403c4dc1d4b64f432611dc386e6f532050c3278c930e143e8bb1133824ccb431053871c6db53 | xxd -r -p >"$T/pa.bin"
printf '%s' d6032ce61f2fb3c240eb3cf6a33237ef2b6a16f4293c22b455e261cffd217ad5b4947c2d73e63005eed2dc2b3593d165 | xxd -r -p >"$T/pc.bin"

flush() { tpm2_flushcontext -t >/dev/null 2>&1; tpm2_flushcontext -s >/dev/null 2>&1; true; }

# the ECC AK, persisted next to the fixture's RSA AK (0x81000100)
tpm2_createak -C 0x81010001 -c "$T/akecc.ctx" -G ecc -g sha256 -s ecdsa \
	-u "$T/akecc.pub" -n "$T/akecc.name" -r "$T/akecc.priv" >/dev/null || fail "createak ecc"
flush
tpm2_evictcontrol -C o -c "$T/akecc.ctx" 0x81000101 >/dev/null || fail "evictcontrol"
flush
cp "$A/ak.pub" "$T/akrsa.pub"

# activate EK_HANDLE AK_HANDLE CRED OUT
activate() {
	local s=$T/session.ctx rc=0
	if [ "$1" = 0x81010016 ]; then
		tpm2_startauthsession --policy-session -g sha384 -S "$s" >/dev/null
		tpm2_policysecret -S "$s" -c e >/dev/null &&
			tpm2_policyor -S "$s" "sha384:$T/pa.bin,$T/pc.bin" >/dev/null || rc=1
	else
		tpm2_startauthsession --policy-session -S "$s" >/dev/null
		tpm2_policysecret -S "$s" -c e >/dev/null || rc=1
	fi
	[ $rc = 0 ] && { tpm2_activatecredential -c "$2" -C "$1" -i "$3" -o "$4" \
		-P "session:$s" >/dev/null || rc=1; }
	tpm2_flushcontext "$s" >/dev/null 2>&1; flush
	return $rc
}

# proof AK_HANDLE NONCE_HEX: the quote fields as JSON
proof() {
	tpm2_quote -c "$1" -l "$PCRS" -q "$2" -g sha256 -m "$T/q.msg" -s "$T/q.sig" >/dev/null || fail "tpm2_quote"
	flush
	tpm2_pcrread "$PCRS" -o "$T/q.vals" >/dev/null; flush
	local v json="{}" i=0 idx=(0 7 16)
	while read -r v; do
		json=$(jq -c --arg k "sha256:${idx[$i]}" --arg v "$v" '. + {($k): $v}' <<<"$json")
		i=$((i + 1))
	done < <(xxd -p -c 32 "$T/q.vals")
	jq -cn --arg q "$(base64 -w0 "$T/q.msg")" --arg s "$(base64 -w0 "$T/q.sig")" \
		--argjson v "$json" '{pcr_quote: $q, pcr_signature: $s, pcr_values: $v}'
}

merge() { jq -cs 'add' <(echo "$1") <(echo "$2") ${3:+<(echo "$3")}; }

run_case() {	# EK_KIND EK_HANDLE AK_FILE AK_HANDLE
	local body=$1 ekh=$2 akfile=$3 akh=$4 what="$5" aid nid nhex
	api POST "/api/v1/machines/$ID/ak-activate" \
		"$(merge "$body" "{\"ak_public\":\"$(base64 -w0 "$akfile")\"}")"
	expect_status 200 "$what: call 1"
	aid=$(jget .activation_id)
	jget .tpm2_tools_blob | base64 -d >"$T/cred.bin"
	activate "$ekh" "$akh" "$T/cred.bin" "$T/secret.bin" || fail "$what: tpm2_activatecredential"
	api GET /api/v1/attest/challenge
	nid=$(jget .nonce_id); nhex=$(jget .nonce | base64 -d | xxd -p -c 64)
	api POST "/api/v1/machines/$ID/ak-activate" "$(merge \
		"$(jq -cn --arg a "$aid" --arg s "$(base64 -w0 "$T/secret.bin")" --arg n "$nid" \
		'{activation_id: $a, secret: $s, nonce_id: $n}')" "$(proof "$akh" "$nhex")")"
	expect_status 200 "$what: call 2"
	expect_json .ak_accepted true "$what"
	api GET /api/v1/attest/challenge
	nid=$(jget .nonce_id); nhex=$(jget .nonce | base64 -d | xxd -p -c 64)
	api POST /api/v1/attest "$(merge "$body" "{\"nonce_id\":\"$nid\"}" "$(proof "$akh" "$nhex")")"
	expect_status 200 "$what: attest with a quote"
	expect_json .status attested "$what"
	note "$what: activated and attested"
}

for ek in rsa ecc; do
	if [ $ek = rsa ]; then body=$(ek_json "$A" cert) ekh=0x81010001
	else body=$(ek_json "$A" ecc-cert) ekh=0x81010016; fi
	ID=$(register_usb "$body")
	op POST "/api/v1/machines/$ID/approve" '{"role":"worker-app"}'
	expect_status 200
	run_case "$body" $ekh "$T/akrsa.pub" 0x81000100 "$ek EK, RSA AK"
	run_case "$body" $ekh "$T/akecc.pub" 0x81000101 "$ek EK, ECC AK"
	op GET "/api/v1/machines/$ID"
	expect_json .ak.alg ecc-nist-p256 "the newer AK replaced the older"
	expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.ak_activated' AND machine_id = '$ID'")" 2 "activations audited"
done
pass
