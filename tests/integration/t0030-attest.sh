#!/usr/bin/env bash
# t0030-attest.sh - GET /api/v1/attest/challenge and POST /api/v1/attest (API
# spec §3, §5) with real swtpm TPMs as the clients (EK certificates read from
# NV by tpm2-tools): every row of the §3 dispatch table (unknown EK, pending,
# registered, approved, attested with the config not delivered / delivered,
# locked, revoked with and without wipe, rejected), the challenge format,
# single-use nonces (replay, unknown, atomic across workers under ~10 parallel
# requests), a real tpm2_quote refused with attestation_failed/ak_not_activated
# (audited, nonce spent), and config tokens stored only as their SHA-256.
# Policy settings (ITL_REQUIRE_NONCE/QUOTE, ITL_NONCE_TTL) are in t0031.
. "$(dirname "$0")/lib.sh"
stack_start

attest() { api POST /api/v1/attest "$1"; }

# challenge: a fresh nonce; sets NONCE_ID and NONCE_HEX
challenge() {
	api GET /api/v1/attest/challenge
	expect_status 200 "challenge"
	NONCE_ID=$(jget .nonce_id)
	NONCE_HEX=$(jget .nonce | base64 -d | xxd -p -c 64)
}

# with_nonce BODY NONCE_ID: the body plus nonce_id
with_nonce() { jq -c --arg n "$2" '. + {nonce_id: $n}' <<<"$1"; }

# audit_count MACHINE_ID ACTION: entries of that action for that machine
audit_count() {
	op GET "/api/v1/audit?machine_id=$1&action=$2&limit=500"
	expect_status 200 "audit list $2"
	jget '.items | length'
}

db_status() { sql "SELECT status FROM machines WHERE id = '$1'"; }

# the §3 response for action=apply-config: a fresh 43-char base64url token
# and its URL; sets TOKEN
expect_apply_config() {
	expect_status 200 "$1"
	expect_json .status attested "$1"
	expect_json .action apply-config "$1"
	TOKEN=$(jget .config_token)
	[[ $TOKEN =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "$1: config_token '$TOKEN' is not 43 chars of base64url"
	expect_json .config_url "$ITL_SERVICE_URL/api/v1/config/$TOKEN" "$1"
}

expect_no_config() {
	expect_json .config_token null "$1"
	expect_json .config_url null "$1"
}

# Four TPMs, each with two identities: its RSA-2048 EK cert and its P-384 EK cert.
tpm_start one; TPM1=$TPM_DIR
tpm_start two; TPM2=$TPM_DIR
tpm_start three; TPM3=$TPM_DIR
tpm_start four; TPM4=$TPM_DIR
EK_A=$(ek_json "$TPM1" cert)		# unknown at /attest -> pending
EK_B=$(ek_json "$TPM1" ecc-cert)	# USB-registered
EK_C=$(ek_json "$TPM2" cert)		# approved -> attested
EK_D=$(ek_json "$TPM2" ecc-cert)	# locked
EK_E=$(ek_json "$TPM3" cert)		# revoked with wipe
EK_F=$(ek_json "$TPM3" ecc-cert)	# revoked without wipe
EK_G=$(ek_json "$TPM4" cert)		# rejected

# ---- challenge format ----
api GET /api/v1/attest/challenge
expect_status 200 "challenge"
[[ $(jget .nonce_id) =~ ^[0-9a-f]{32}$ ]] || fail "nonce_id is not 32 lowercase hex"
nonce=$(jget .nonce)
[[ $nonce =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "nonce '$nonce' is not b64 of 32 bytes"
[ "$(base64 -d <<<"$nonce" | wc -c)" = 32 ] || fail "nonce does not decode to 32 bytes"
exp=$(jget .expires_at)
[[ $exp =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "expires_at '$exp' is not RFC 3339 UTC"
ttl=$(( $(date -u -d "$exp" +%s) - $(date -u +%s) ))
[ "$ttl" -ge 55 ] && [ "$ttl" -le 61 ] || fail "expires_at is ${ttl}s away, expected the 60 s default TTL"
first_id=$(jget .nonce_id)
[ "$(sql "SELECT count(*) FROM nonces WHERE id = '$first_id' AND used_at IS NULL")" = 1 ] ||
	fail "challenge nonce not stored unused"
challenge
[ "$NONCE_ID" != "$first_id" ] || fail "two challenges returned the same nonce_id"

# ---- unknown EK -> pending_approval, created with registration_path attest ----
attest "$EK_A"
expect_status 200 "attest unknown EK"
expect_json .status pending_approval "attest unknown EK"
expect_json .action none "attest unknown EK"
expect_json .role worker-app "attest unknown EK"
expect_no_config "attest unknown EK"
ID_A=$(jget .machine_id)
[[ $ID_A =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "machine_id '$ID_A' is not a UUIDv4"
op GET "/api/v1/machines/$ID_A"
expect_status 200 "machine created by attest"
expect_json .status pending_approval "machine A"
expect_json .registration_path attest "machine A"
expect_json .ek_fingerprint "$(spki_sha256_of_cert "$TPM1/ek-cert.der")" "machine A fingerprint"
[ "$(audit_count "$ID_A" machine.registered)" = 1 ] || fail "unknown EK at attest not audited as machine.registered"

# ---- pending_approval: unchanged, none (also with the bare EK public key: same identity) ----
before=$(sql "SELECT count(*) FROM machines")
sql "UPDATE machines SET last_seen_at = 1000 WHERE id = '$ID_A'"
attest "$(ek_json "$TPM1" pub)"
expect_status 200 "attest pending (pub)"
expect_json .machine_id "$ID_A" "same TPM by its EK public key"
expect_json .status pending_approval "attest pending"
expect_json .action none "attest pending"
expect_no_config "attest pending"
expect_eq "$(sql "SELECT count(*) FROM machines")" "$before" "machine count after attesting a known EK"
expect_eq "$(db_status "$ID_A")" pending_approval "A status"
[ "$(sql "SELECT last_seen_at FROM machines WHERE id = '$ID_A'")" -gt 1000 ] || fail "attest of a pending machine did not record last_seen_at"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_A'")" 0 "tokens of a pending machine"

# ---- registered: unchanged, none ----
ID_B=$(register_usb "$EK_B")
boot_tokens=$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_B'")
attest "$EK_B"
expect_status 200 "attest registered"
expect_json .machine_id "$ID_B" "attest registered"
expect_json .status registered "attest registered"
expect_json .action none "attest registered"
expect_no_config "attest registered"
expect_eq "$(db_status "$ID_B")" registered "B status"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_B'")" "$boot_tokens" "tokens after attesting a registered machine"

# ---- nonces: single use, unknown, malformed ----
challenge
attest "$(with_nonce "$EK_A" "$NONCE_ID")"
expect_status 200 "attest with a fresh nonce"
expect_json .status pending_approval "attest with nonce"
[ -n "$(sql "SELECT used_at FROM nonces WHERE id = '$NONCE_ID'")" ] || fail "consumed nonce has no used_at"
attest "$(with_nonce "$EK_A" "$NONCE_ID")"
expect_error 409 nonce_replayed "nonce used twice"
attest "$(with_nonce "$EK_B" "$NONCE_ID")"
expect_error 409 nonce_replayed "nonce reused by another machine"
attest "$(with_nonce "$EK_A" "$(openssl rand -hex 16)")"
expect_error 422 nonce_unknown "never-issued nonce_id"
attest "$(with_nonce "$EK_A" "not-a-nonce")"
expect_error 422 validation_failed "malformed nonce_id"

# ---- approved -> attested + apply-config; the token stored only hashed ----
ID_C=$(register_usb "$EK_C")
op POST "/api/v1/machines/$ID_C/approve" '{"role":"worker-infra","hostname":"node-c"}'
expect_status 200 "approve C"
expect_json .status approved "approve C"
attest "$EK_C"
expect_apply_config "attest approved"
expect_json .machine_id "$ID_C" "attest approved"
expect_json .role worker-infra "attest approved"
expect_json .hostname node-c "attest approved"
TOKEN1=$TOKEN
expect_eq "$(db_status "$ID_C")" attested "C status"
[ -n "$(sql "SELECT attested_at FROM machines WHERE id = '$ID_C'")" ] || fail "attested_at not set"
[ "$(audit_count "$ID_C" machine.attested)" = 1 ] || fail "machine.attested not audited once"
hash1=$(printf '%s' "$TOKEN1" | sha256sum | cut -c1-64)
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE token_sha256 = '$TOKEN1'")" 0 "rows holding the plain token"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE token_sha256 = '$hash1' AND machine_id = '$ID_C' AND kind = 'config' AND superseded_at IS NULL")" 1 "rows holding sha256(token)"
grep -rqF "$TOKEN1" "$ITL_DATA_DIR/db" && fail "the plain config token is in a database file"
grep -qF "$TOKEN1" <<<"$(sqlite3 "$DB" .dump)" && fail "the plain config token is in the database dump"

# ---- attested, config not delivered: a fresh token on each attest ----
attest "$EK_C"
expect_apply_config "re-attest, config not delivered"
TOKEN2=$TOKEN
[ "$TOKEN2" != "$TOKEN1" ] || fail "re-attest returned the same config token"
attest "$EK_C"
expect_apply_config "third attest, config not delivered"
TOKEN3=$TOKEN
[ "$TOKEN3" != "$TOKEN2" ] && [ "$TOKEN3" != "$TOKEN1" ] || fail "third attest reused a config token"
hash3=$(printf '%s' "$TOKEN3" | sha256sum | cut -c1-64)
expect_eq "$(sql "SELECT token_sha256 FROM config_tokens WHERE machine_id = '$ID_C' AND kind = 'config' AND superseded_at IS NULL")" "$hash3" "the one current config token"
[ -n "$(sql "SELECT superseded_at FROM config_tokens WHERE token_sha256 = '$hash1'")" ] || fail "first token not superseded by a newer one"
expect_eq "$(db_status "$ID_C")" attested "C status after re-attest"

# ---- attested, delivered: none. GET /config is not part of this build, so the
# delivery of this generation is recorded directly in the database.
sql "UPDATE machines SET config_delivered_generation = config_generation, config_delivered_at = strftime('%s','now') WHERE id = '$ID_C'"
tokens_before=$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_C'")
attest "$EK_C"
expect_status 200 "attest, config delivered"
expect_json .status attested "attest, config delivered"
expect_json .action none "attest, config delivered"
expect_no_config "attest, config delivered"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_C'")" "$tokens_before" "tokens issued after delivery"

# ---- a real quote: refused (no activated AK), audited, nonce spent ----
challenge
"$FIXTURE" quote "$TPM2" "$NONCE_HEX" >/dev/null || fail "tpm2_quote failed"
pcr_values=$(xxd -p -c 32 "$TPM2/quote.pcrs.values" | jq -Rn '
	[inputs] as $v | ["0","1","2","3","4","5","6","7","16","23"] as $i |
	[range(0; $i | length) | {key: ("sha256:" + $i[.]), value: $v[.]}] | from_entries')
[ "$(jq 'length' <<<"$pcr_values")" = 10 ] || fail "fixture did not give 10 PCR values"
quoted=$(jq -c --arg n "$NONCE_ID" --arg q "$(base64 -w0 "$TPM2/quote.msg")" \
	--arg s "$(base64 -w0 "$TPM2/quote.sig")" --argjson v "$pcr_values" \
	'. + {nonce_id: $n, pcr_quote: $q, pcr_signature: $s, pcr_values: $v}' <<<"$EK_C")
failed_before=$(audit_count "$ID_C" machine.attestation_failed)
tokens_before=$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_C'")
attest "$quoted"
expect_error 403 attestation_failed "quote without an activated AK"
expect_json .reason ak_not_activated "quote refusal reason"
expect_eq "$(audit_count "$ID_C" machine.attestation_failed)" $((failed_before + 1)) "machine.attestation_failed entries"
op GET "/api/v1/audit?machine_id=$ID_C&action=machine.attestation_failed&limit=1"
expect_json '.items[0].detail.reason' ak_not_activated "audited failure reason"
[ -n "$(sql "SELECT used_at FROM nonces WHERE id = '$NONCE_ID'")" ] || fail "nonce of the refused quote not spent"
expect_eq "$(db_status "$ID_C")" attested "C status after a refused quote"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_C'")" "$tokens_before" "tokens issued on a refused quote"
attest "$quoted"
expect_error 409 nonce_replayed "refused quote's nonce reused"

# ---- locked: action lock ----
ID_D=$(register_usb "$EK_D")
op POST "/api/v1/machines/$ID_D/approve" '{"role":"worker-app"}'
expect_status 200 "approve D"
op POST "/api/v1/machines/$ID_D/lock" '{"reason":"test"}'
expect_status 200 "lock D"
attest "$EK_D"
expect_status 200 "attest locked"
expect_json .machine_id "$ID_D" "attest locked"
expect_json .status locked "attest locked"
expect_json .action lock "attest locked"
expect_no_config "attest locked"
expect_eq "$(db_status "$ID_D")" locked "D status"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_D' AND kind = 'config'")" 0 "config tokens of a locked machine"

# ---- revoked with wipe: action wipe, wipe_issued audited once ----
ID_E=$(register_usb "$EK_E")
op POST "/api/v1/machines/$ID_E/approve" '{"role":"controlplane","hostname":"cp-e"}'
expect_status 200 "approve E"
attest "$EK_E"
expect_apply_config "attest E"
op POST "/api/v1/machines/$ID_E/revoke" '{"wipe":true,"reason":"stolen"}'
expect_status 200 "revoke E with wipe"
expect_json .status revoked "revoke E"
expect_json .wipe_pending true "revoke E"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID_E' AND superseded_at IS NULL")" 0 "live tokens of a revoked machine"
for i in 1 2; do
	attest "$EK_E"
	expect_status 200 "attest revoked+wipe #$i"
	expect_json .machine_id "$ID_E" "attest revoked+wipe #$i"
	expect_json .status revoked "attest revoked+wipe #$i"
	expect_json .action wipe "attest revoked+wipe #$i"
	expect_no_config "attest revoked+wipe #$i"
done
expect_eq "$(audit_count "$ID_E" machine.wipe_issued)" 1 "machine.wipe_issued entries after two attests"
[ -n "$(sql "SELECT wipe_issued_at FROM machines WHERE id = '$ID_E'")" ] || fail "wipe_issued_at not recorded"

# ---- revoked without wipe: none ----
api POST /api/v1/self-register "$EK_F"
expect_status 200 "self-register F"
ID_F=$(jget .machine_id)
op POST "/api/v1/machines/$ID_F/revoke" '{"wipe":false}'
expect_status 200 "revoke F"
attest "$EK_F"
expect_status 200 "attest revoked"
expect_json .machine_id "$ID_F" "attest revoked"
expect_json .status revoked "attest revoked"
expect_json .action none "attest revoked"
expect_no_config "attest revoked"
expect_eq "$(audit_count "$ID_F" machine.wipe_issued)" 0 "wipe_issued without wipe"

# ---- rejected: 403 machine_rejected ----
ID_G=$(register_usb "$EK_G")
op POST "/api/v1/machines/$ID_G/reject" '{"reason":"unknown hardware"}'
expect_status 200 "reject G"
attest "$EK_G"
expect_error 403 machine_rejected "attest rejected"
expect_eq "$(db_status "$ID_G")" rejected "G status"

# ---- one nonce, ~10 parallel attests across the workers: exactly one wins ----
challenge
par_body=$(with_nonce "$EK_B" "$NONCE_ID")
pids=()
for i in $(seq 1 10); do
	curl -sS --cacert "$T/tls/server.crt" -o "$T/par.$i.body" -w '%{http_code}' \
		-X POST "$BASE/api/v1/attest" -H 'Content-Type: application/json' \
		--data-binary "$par_body" >"$T/par.$i.code" 2>"$T/par.$i.err" &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || true; done
ok=0 replayed=0 other=""
for i in $(seq 1 10); do
	code=$(cat "$T/par.$i.code")
	if [ "$code" = 200 ] && [ "$(jq -r .status "$T/par.$i.body")" = registered ]; then
		ok=$((ok + 1))
	elif [ "$code" = 409 ] && [ "$(jq -r .error "$T/par.$i.body")" = nonce_replayed ]; then
		replayed=$((replayed + 1))
	else
		other+=" #$i:$code:$(head -c 120 "$T/par.$i.body")"
	fi
done
[ "$ok" = 1 ] && [ "$replayed" = 9 ] ||
	fail "parallel use of one nonce: $ok x 200, $replayed x 409 nonce_replayed, other:${other:- none}"

api GET /api/v1/audit/verify
[ "$STATUS" = 401 ] || fail "audit verify without credentials: expected 401, got $STATUS"
op GET /api/v1/audit/verify
expect_status 200 "audit verify"
expect_json .valid true "audit chain"
pass
