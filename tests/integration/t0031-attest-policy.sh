#!/usr/bin/env bash
# t0031-attest-policy.sh - the /attest policy settings of API spec §3 with a
# real swtpm client: ITL_NONCE_TTL (a 5 s nonce expires: 410 nonce_expired),
# ITL_REQUIRE_NONCE=true (no nonce_id: 422 nonce_required, nothing stored),
# then, after restarting itl-attestd with ITL_REQUIRE_QUOTE=true, a nonce
# without a quote is 422 quote_required and a real tpm2_quote is verified
# (refused: attestation_failed / ak_not_activated, no activated AK).
export ITL_NONCE_TTL=5 ITL_REQUIRE_NONCE=true ITL_REQUIRE_QUOTE=false
. "$(dirname "$0")/lib.sh"
stack_start

attest() { api POST /api/v1/attest "$1"; }

challenge() {
	api GET /api/v1/attest/challenge
	expect_status 200 "challenge"
	NONCE_ID=$(jget .nonce_id)
	NONCE_HEX=$(jget .nonce | base64 -d | xxd -p -c 64)
}

with_nonce() { jq -c --arg n "$2" '. + {nonce_id: $n}' <<<"$1"; }

# with_quote BODY NONCE_ID: a fresh tpm2_quote of $TPM_DIR over the nonce
with_quote() {
	"$FIXTURE" quote "$TPM_DIR" "$NONCE_HEX" >/dev/null || fail "tpm2_quote failed"
	jq -c --arg n "$2" --arg q "$(base64 -w0 "$TPM_DIR/quote.msg")" \
		--arg s "$(base64 -w0 "$TPM_DIR/quote.sig")" \
		'. + {pcr_quote: $q, pcr_signature: $s} + (if $n == "" then {} else {nonce_id: $n} end)' <<<"$1"
}

# Restart itl-attestd with the current environment; the old pid leaves the
# teardown list (it is gone).
attestd_restart() {
	local old=$ATTESTD_PID p keep=()
	kill -TERM "$old"
	wait "$old" || true
	for p in "${_pids[@]}"; do [ "$p" = "$old" ] || keep+=("$p"); done
	_pids=("${keep[@]}")
	rm -f "$ITL_SOCKET"
	attestd_start
	wait_ready
}

tpm_start policy
EK=$(ek_json "$TPM_DIR" cert)

# ---- ITL_NONCE_TTL=5 ----
api GET /api/v1/attest/challenge
expect_status 200 "challenge"
ttl=$(( $(date -u -d "$(jget .expires_at)" +%s) - $(date -u +%s) ))
[ "$ttl" -ge 3 ] && [ "$ttl" -le 6 ] || fail "expires_at is ${ttl}s away with ITL_NONCE_TTL=5"

# ---- ITL_REQUIRE_NONCE=true: no nonce_id -> 422, nothing stored ----
before=$(db_digest)
attest "$EK"
expect_error 422 nonce_required "attest without nonce (ITL_REQUIRE_NONCE)"
expect_eq "$(db_digest)" "$before" "database after a refused attest"
expect_eq "$(sql "SELECT count(*) FROM machines")" 0 "machines after a refused attest"
attest "$(jq -c '. + {nonce_id: null}' <<<"$EK")"
expect_error 422 nonce_required "attest with nonce_id null"

attest "$(with_nonce "$EK" "$(openssl rand -hex 16)")"
expect_error 422 nonce_unknown "unknown nonce with ITL_REQUIRE_NONCE"

challenge
attest "$(with_nonce "$EK" "$NONCE_ID")"
expect_status 200 "attest with nonce (ITL_REQUIRE_NONCE)"
expect_json .status pending_approval "attest with nonce"
expect_json .action none "attest with nonce"
ID=$(jget .machine_id)
attest "$(with_nonce "$EK" "$NONCE_ID")"
expect_error 409 nonce_replayed "nonce reused"

# ---- an expired nonce (the real TTL, no clock tricks) ----
challenge
expired_id=$NONCE_ID
sleep 6
attest "$(with_nonce "$EK" "$expired_id")"
expect_error 410 nonce_expired "nonce used after ITL_NONCE_TTL"
[ -z "$(sql "SELECT used_at FROM nonces WHERE id = '$expired_id'")" ] || fail "expired nonce marked used"
attest "$(with_nonce "$EK" "$expired_id")"
expect_error 410 nonce_expired "expired nonce, second try"

# ---- ITL_REQUIRE_QUOTE=true (and still ITL_REQUIRE_NONCE) ----
export ITL_REQUIRE_QUOTE=true
attestd_restart

challenge
attest "$(with_nonce "$EK" "$NONCE_ID")"
expect_error 422 quote_required "nonce without a quote (ITL_REQUIRE_QUOTE)"
expect_eq "$(sql "SELECT status FROM machines WHERE id = '$ID'")" pending_approval "status after quote_required"

challenge
attest "$(with_quote "$EK" "")"
expect_error 422 nonce_required "quote without a nonce (ITL_REQUIRE_NONCE)"

failed_before=$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.attestation_failed' AND machine_id = '$ID'")
challenge
quoted=$(with_quote "$EK" "$NONCE_ID")
attest "$quoted"
expect_error 403 attestation_failed "real quote, no activated AK"
expect_json .reason ak_not_activated "quote refusal reason"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.attestation_failed' AND machine_id = '$ID'")" \
	$((failed_before + 1)) "machine.attestation_failed entries"
attest "$quoted"
expect_error 409 nonce_replayed "refused quote's nonce reused"
expect_eq "$(sql "SELECT status FROM machines WHERE id = '$ID'")" pending_approval "status after a refused quote"
pass
