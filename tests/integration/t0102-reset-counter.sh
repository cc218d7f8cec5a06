#!/usr/bin/env bash
# t0102-reset-counter.sh - the TPM's resetCount across boots (API spec §3):
# reboots that no verified quote saw emit machine.unattested_boot; a TPM
# whose state was rolled back (the swtpm state directory restored from a
# copy) reports a smaller resetCount: attestation_failed, clock_rollback.
# PCR policy is off here: a TPM reset clears PCR 16, which is not the point.
export ITL_PCR_POLICY=off
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a
A=$TPM_DIR
P=$(cat "$A/swtpm.port")
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$P"
PCRS=sha256:0,7

swtpm_restart() {	# a power cycle: orderly stop, start on the same state
	"$FIXTURE" stop "$A" >/dev/null
	for _ in $(seq 50); do [ -z "$(ss -Hltn "( sport = :$P )")" ] && break; sleep 0.1; done
	swtpm socket --tpm2 --tpmstate "dir=$A/state" \
		--server "type=tcp,port=$P,bindaddr=127.0.0.1" \
		--ctrl "type=tcp,port=$((P + 1)),bindaddr=127.0.0.1" \
		--flags not-need-init,startup-clear --pid "file=$A/swtpm.pid" \
		--log "file=$A/swtpm.log,level=1" --daemon || fail "swtpm restart"
}

proof() {	# NONCE_HEX → quote fields
	tpm2_quote -c 0x81000100 -l "$PCRS" -q "$1" -g sha256 -m "$T/q.msg" -s "$T/q.sig" >/dev/null || fail quote
	tpm2_pcrread "$PCRS" -o "$T/q.vals" >/dev/null
	tpm2_flushcontext -t >/dev/null 2>&1 || true
	jq -cn --arg q "$(base64 -w0 "$T/q.msg")" --arg s "$(base64 -w0 "$T/q.sig")" \
		--arg v0 "$(xxd -p -c 32 "$T/q.vals" | sed -n 1p)" --arg v7 "$(xxd -p -c 32 "$T/q.vals" | sed -n 2p)" \
		'{pcr_quote: $q, pcr_signature: $s, pcr_values: {"sha256:0": $v0, "sha256:7": $v7}}'
}
merge() { jq -cs 'add' <(echo "$1") <(echo "$2") ${3:+<(echo "$3")}; }
attest_quoted() {
	api GET /api/v1/attest/challenge
	local nid nhex
	nid=$(jget .nonce_id); nhex=$(jget .nonce | base64 -d | xxd -p -c 64)
	api POST /api/v1/attest "$(merge "$body" "{\"nonce_id\":\"$nid\"}" "$(proof "$nhex")")"
}
reset_count() { sql "SELECT reset_count FROM attestations WHERE machine_id = '$id' ORDER BY id DESC LIMIT 1"; }

body=$(ek_json "$A" cert)
id=$(register_usb "$body")
op POST "/api/v1/machines/$id/approve" '{"role":"worker-app"}'
api POST "/api/v1/machines/$id/ak-activate" "$(merge "$body" "{\"ak_public\":\"$(base64 -w0 "$A/ak.pub")\"}")"
expect_status 200 "call 1"
aid=$(jget .activation_id)
jget .tpm2_tools_blob | base64 -d >"$T/cred.bin"
"$FIXTURE" activate "$A" "$T/cred.bin" "$T/secret.bin" || fail activate
api POST "/api/v1/machines/$id/ak-activate" "$(jq -cn --arg a "$aid" --arg s "$(base64 -w0 "$T/secret.bin")" '{activation_id: $a, secret: $s}')"
expect_status 200 "call 2"

attest_quoted
expect_status 200 "first quoted attest"
r0=$(reset_count)

# one reboot, attested: no event
swtpm_restart
attest_quoted
expect_status 200 "after one reboot"
expect_eq "$(reset_count)" $((r0 + 1)) "resetCount after one reboot"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.unattested_boot'")" 0 "no unattested boot yet"

# keep a copy of the TPM state here, then two boots that nobody attests
"$FIXTURE" stop "$A" >/dev/null
cp -a "$A/state" "$T/state.snapshot"
swtpm_restart
swtpm_restart
swtpm_restart
attest_quoted
expect_status 200 "after unattested reboots"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.unattested_boot' AND machine_id = '$id'")" 1 "unattested boot recorded"
high=$(reset_count)

# roll the TPM state back: the reset counter goes back
"$FIXTURE" stop "$A" >/dev/null
rm -rf "$A/state" && cp -a "$T/state.snapshot" "$A/state"
swtpm_restart
attest_quoted
expect_error 403 attestation_failed "rolled-back TPM"
expect_json .reason clock_rollback
expect_eq "$(reset_count)" "$high" "a refused quote is not recorded"
pass
