#!/usr/bin/env bash
# t0040-lifecycle.sh - the operator lifecycle of API spec §2 and §6 through
# nginx with the break-glass admin token: a real swtpm machine registered by
# USB, approved (input validation: role, CIDR assigned_ip, RFC 1123 hostname),
# attested, re-approved (config_generation bumped, apply-config again), locked
# and unlocked back to the previous state (from pending_approval, registered,
# approved, attested), revoked with wipe, refused at /register and
# /self-register, deleted (audit entries stay) and registered afresh; reject
# (reason required) and attest of a rejected machine; DELETE only for
# revoked/rejected; POST /machines/import; GET /machines filters and cursor
# paging; 404s; MachineDetail carries no tokens or EK bytes. Bulk machines use
# software EKs (soft_ek_json).
export ITL_DUAL_CONTROL_ROLES=""
. "$(dirname "$0")/lib.sh"
stack_start

attest() { api POST /api/v1/attest "$1"; }
status_of() { op GET "/api/v1/machines/$1"; expect_status 200 "get $1"; jget .status; }
live_tokens() { sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$1' AND superseded_at IS NULL"; }
audit_count() {
	op GET "/api/v1/audit?machine_id=$1${2:+&action=$2}&limit=500"
	expect_status 200 "audit list"
	jget '.items | length'
}

# No key anywhere in the JSON names a token, no EK bytes (what = label)
expect_no_secrets() {
	local n
	n=$(jq '[.. | objects | keys[] | select(test("token"; "i"))] | length' <<<"$BODY")
	[ "$n" = 0 ] || fail "$1: JSON has $n keys naming a token"
	n=$(jq '[.. | objects | keys[] | select(. == "ek_cert_pem" or . == "ek_cert" or . == "ek_spki")] | length' <<<"$BODY")
	[ "$n" = 0 ] || fail "$1: JSON carries EK bytes"
}

# lock_unlock ID STATE: lock a machine in STATE, unlock, back in STATE
lock_unlock() {
	local id=$1 st=$2
	expect_eq "$(status_of "$id")" "$st" "state before lock"
	op POST "/api/v1/machines/$id/lock" '{"reason":"maintenance"}'
	expect_status 200 "lock from $st"
	expect_json .status locked "lock from $st"
	[ "$(jget .locked_at)" != null ] || fail "lock from $st: locked_at not set"
	op POST "/api/v1/machines/$id/lock" '{}'
	expect_error 409 invalid_state "lock of a locked machine (was $st)"
	op POST "/api/v1/machines/$id/approve" '{"role":"worker-app"}'
	expect_error 409 invalid_state "approve of a locked machine (was $st)"
	op POST "/api/v1/machines/$id/unlock" '{}'
	expect_status 200 "unlock to $st"
	expect_json .status "$st" "unlock returns to the previous state"
	expect_json .locked_at null "unlock clears locked_at"
	expect_eq "$(status_of "$id")" "$st" "stored state after unlock"
	op POST "/api/v1/machines/$id/unlock" '{}'
	expect_error 409 invalid_state "unlock of a $st machine"
}

tpm_start main
EK_T=$(ek_json "$TPM_DIR" cert)
FP_T=$(spki_sha256_of_cert "$TPM_DIR/ek-cert.der")

# ---- USB registration of the real TPM; MachineDetail ----
ID=$(register_usb "$(jq -c '. + {hw_serial: "SN-REAL-1", hw_mac: "AA-BB-CC-DD-EE-01"}' <<<"$EK_T")")
op GET "/api/v1/machines/$ID"
expect_status 200 "get machine"
expect_json .machine_id "$ID"
expect_json .status registered
expect_json .registration_path usb
expect_json .ek_fingerprint "$FP_T"
expect_json .ek_source cert
expect_json .ek.source cert
expect_json .ek.cert_sha256 "$(sha256sum <"$TPM_DIR/ek-cert.der" | cut -c1-64)"
expect_json .config_generation 0
expect_json .hw_serial SN-REAL-1
expect_json .hw_mac aa:bb:cc:dd:ee:01 "MAC normalised"
expect_no_secrets "machine detail"
chunk=$(base64 -w0 "$TPM_DIR/ek-cert.der" | cut -c70-109)
grep -qF "$chunk" <<<"$BODY" && fail "machine detail contains the EK certificate"

# ---- approve validation: 422, nothing changes ----
before=$(db_digest)
for bad in '{}' '{"role":"admin"}' '{"role":5}' '{"hostname":"node-1"}' \
	'{"role":"worker-app","assigned_ip":"10.0.0.5"}' \
	'{"role":"worker-app","assigned_ip":"10.0.0.5/33"}' \
	'{"role":"worker-app","assigned_ip":"10.0.0/24"}' \
	'{"role":"worker-app","assigned_ip":"node-1/24"}' \
	'{"role":"worker-app","hostname":"node_1"}' \
	'{"role":"worker-app","hostname":"-node"}' \
	'{"role":"worker-app","hostname":"node-"}' \
	'{"role":"worker-app","hostname":"a..b"}' \
	'{"role":"worker-app","hostname":"node 1"}' \
	"{\"role\":\"worker-app\",\"hostname\":\"$(printf 'a%.0s' $(seq 64))\"}"; do
	op POST "/api/v1/machines/$ID/approve" "$bad"
	expect_error 422 validation_failed "approve $bad"
done
expect_eq "$(db_digest)" "$before" "database after refused approvals"

# ---- approve -> attest -> attested ----
op POST "/api/v1/machines/$ID/approve" \
	'{"role":"controlplane","hostname":"cp-1","assigned_ip":"10.0.0.11/24","gateway":"10.0.0.1","install_disk":"/dev/sda"}'
expect_status 200 "approve"
expect_json .status approved "approve"
expect_json .role controlplane "approve"
expect_json .hostname cp-1 "approve"
expect_json .assigned_ip 10.0.0.11/24 "approve"
expect_json .approved_by SYSTEM "approve"
jq -e 'has("iso_url")' <<<"$BODY" >/dev/null || fail "approval of a USB machine has no iso_url"
expect_no_secrets "approve response"
op GET "/api/v1/machines/$ID"
expect_json .config_generation 1 "after approval"
expect_json .gateway 10.0.0.1 "after approval"
expect_json .install_disk /dev/sda "after approval"
[ "$(audit_count "$ID" machine.approved)" = 1 ] || fail "approval not audited"

attest "$EK_T"
expect_status 200 "attest approved"
expect_json .status attested "attest approved"
expect_json .action apply-config "attest approved"
expect_json .hostname cp-1 "attest approved"
[[ $(jget .config_token) =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "no config token"
op GET "/api/v1/machines/$ID"
expect_json .status attested "after attest"
[ "$(jget .attested_at)" != null ] || fail "attested_at not set"
expect_no_secrets "detail of an attested machine"

# ---- re-approve bumps config_generation; the next attest gets apply-config.
# GET /config is not part of this build: the delivery of generation 1 is
# recorded directly in the database so that attest first answers none.
sql "UPDATE machines SET config_delivered_generation = config_generation, config_delivered_at = strftime('%s','now') WHERE id = '$ID'"
attest "$EK_T"
expect_status 200 "attest, delivered"
expect_json .action none "attest after delivery"
op POST "/api/v1/machines/$ID/approve" '{"role":"controlplane","hostname":"cp-2","assigned_ip":"10.0.0.12/24"}'
expect_status 200 "re-approve attested"
expect_json .status attested "re-approve keeps attested"
expect_json .hostname cp-2 "re-approve"
op GET "/api/v1/machines/$ID"
expect_json .config_generation 2 "after re-approval"
expect_json .assigned_ip 10.0.0.12/24 "after re-approval"
attest "$EK_T"
expect_status 200 "attest after re-approval"
expect_json .status attested "attest after re-approval"
expect_json .action apply-config "attest after re-approval"
expect_json .hostname cp-2 "attest after re-approval"
expect_eq "$(sql "SELECT generation FROM config_tokens WHERE machine_id = '$ID' AND kind = 'config' AND superseded_at IS NULL")" 2 "generation of the new token"

# ---- lock / unlock: back to the previous state ----
lock_unlock "$ID" attested
op POST "/api/v1/machines/$ID/lock" '{}'
expect_status 200 "lock attested"
expect_eq "$(live_tokens "$ID")" 0 "live tokens after lock"
attest "$EK_T"
expect_status 200 "attest locked"
expect_json .action lock "attest locked"
op POST "/api/v1/machines/$ID/unlock" '{}'
expect_json .status attested "unlock"

ID_R=$(register_usb "$(soft_ek_json)")
lock_unlock "$ID_R" registered
EK_AP=$(soft_ek_json)
ID_AP=$(register_usb "$EK_AP")
op POST "/api/v1/machines/$ID_AP/approve" '{"role":"worker-app","hostname":"wk-ap"}'
expect_status 200 "approve AP"
lock_unlock "$ID_AP" approved
attest "$EK_AP"
expect_json .action apply-config "attest of an approved machine after lock/unlock"
api POST /api/v1/self-register "$(soft_ek_json)"
expect_status 200 "self-register"
ID_P=$(jget .machine_id)
lock_unlock "$ID_P" pending_approval

# ---- DELETE only for revoked/rejected ----
for id in "$ID" "$ID_R" "$ID_AP" "$ID_P"; do
	op DELETE "/api/v1/machines/$id"
	expect_error 409 invalid_state "delete of a $(sql "SELECT status FROM machines WHERE id = '$id'") machine"
done

# ---- revoke: wipe is required; with wipe the next attest wipes ----
before=$(db_digest)
op POST "/api/v1/machines/$ID/revoke" '{}'
expect_error 422 validation_failed "revoke without wipe"
op POST "/api/v1/machines/$ID/revoke" '{"reason":"stolen"}'
expect_error 422 validation_failed "revoke with reason but without wipe"
op POST "/api/v1/machines/$ID/revoke" '{"wipe":"yes"}'
expect_error 422 validation_failed "revoke with wipe a string"
expect_eq "$(db_digest)" "$before" "database after refused revokes"
op POST "/api/v1/machines/$ID/revoke" '{"wipe":true,"reason":"stolen"}'
expect_status 200 "revoke"
expect_json .status revoked "revoke"
expect_json .wipe_pending true "revoke"
[ "$(jget .revoked_at)" != null ] || fail "revoked_at not set"
expect_eq "$(live_tokens "$ID")" 0 "live tokens after revoke"
attest "$EK_T"
expect_status 200 "attest revoked"
expect_json .status revoked "attest revoked"
expect_json .action wipe "attest revoked with wipe"
for what in lock unlock approve; do
	op POST "/api/v1/machines/$ID/$what" '{"role":"worker-app"}'
	expect_error 409 invalid_state "$what of a revoked machine"
done

# ---- a revoked TPM registering again: 403 machine_revoked ----
api POST /api/v1/register "$EK_T"
expect_error 403 machine_revoked "register of a revoked TPM"
api POST /api/v1/self-register "$EK_T"
expect_error 403 machine_revoked "self-register of a revoked TPM"
api POST /api/v1/register "$(ek_json "$TPM_DIR" pub)"
expect_error 403 machine_revoked "register of a revoked TPM by its EK public key"
expect_eq "$(sql "SELECT count(*) FROM machines WHERE ek_fingerprint = '$FP_T'")" 1 "machines of the revoked TPM"

# ---- delete: 404 afterwards, audit entries stay ----
audit_before=$(audit_count "$ID")
[ "$audit_before" -ge 8 ] || fail "only $audit_before audit entries for the machine"
op DELETE "/api/v1/machines/$ID"
expect_status 200 "delete revoked"
expect_json .machine_id "$ID" "delete"
op GET "/api/v1/machines/$ID"
expect_error 404 not_found "get deleted machine"
op DELETE "/api/v1/machines/$ID"
expect_error 404 not_found "delete twice"
expect_eq "$(audit_count "$ID")" $((audit_before + 1)) "audit entries after delete"
expect_eq "$(audit_count "$ID" machine.deleted)" 1 "machine.deleted entries"
expect_eq "$(audit_count "$ID" machine.revoked)" 1 "machine.revoked entries after delete"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$ID'")" 0 "tokens of a deleted machine"
op GET /api/v1/audit/verify
expect_json .valid true "audit chain after delete"
# the record is gone, so the TPM can register again: a new machine
NEW=$(register_usb "$EK_T")
[ "$NEW" != "$ID" ] || fail "re-registration reused the deleted machine id"
expect_eq "$(status_of "$NEW")" registered "re-registered TPM"

# ---- reject: reason required; attest and register refused; deletable ----
EK_J=$(soft_ek_json)
ID_J=$(register_usb "$EK_J")
op POST "/api/v1/machines/$ID_J/reject" '{}'
expect_error 422 validation_failed "reject without reason"
op POST "/api/v1/machines/$ID_J/reject" '{"reason":""}'
expect_error 422 validation_failed "reject with an empty reason"
expect_eq "$(status_of "$ID_J")" registered "after refused rejects"
op POST "/api/v1/machines/$ID_J/reject" '{"reason":"not ours"}'
expect_status 200 "reject"
expect_json .status rejected "reject"
expect_eq "$(live_tokens "$ID_J")" 0 "live tokens after reject"
attest "$EK_J"
expect_error 403 machine_rejected "attest rejected"
api POST /api/v1/register "$EK_J"
expect_error 403 machine_rejected "register rejected"
op POST "/api/v1/machines/$ID_J/lock" '{}'
expect_error 409 invalid_state "lock of a rejected machine"
op POST "/api/v1/machines/$ID_J/approve" '{"role":"worker-app"}'
expect_error 409 invalid_state "approve of a rejected machine"
op DELETE "/api/v1/machines/$ID_J"
expect_status 200 "delete rejected"
op GET "/api/v1/machines/$ID_J"
expect_error 404 not_found "get deleted rejected machine"
[ "$(audit_count "$ID_J" machine.rejected)" = 1 ] || fail "machine.rejected entry gone after delete"

# ---- import ----
EK_I=$(soft_ek_json '{"hw_serial":"SN-IMP-1"}')
FP_I=$(jq -r .ek_fingerprint <<<"$EK_I")
op POST /api/v1/machines/import "$EK_I"
expect_error 422 validation_failed "import without role"
op POST /api/v1/machines/import "$(jq -c '. + {role: "worker-infra", hostname: "Imp_1"}' <<<"$EK_I")"
expect_error 422 validation_failed "import with a bad hostname"
op POST /api/v1/machines/import "$(jq -c '. + {role: "worker-infra", hostname: "imp-1"}' <<<"$EK_I")"
expect_status 200 "import"
expect_json .status registered "import"
expect_json .registration_path import "import"
expect_json .role worker-infra "import"
expect_json .hostname imp-1 "import"
expect_json .ek_fingerprint "$FP_I" "import"
expect_json .hw_serial SN-IMP-1 "import"
expect_no_secrets "import response"
ID_I=$(jget .machine_id)
op GET "/api/v1/machines/$ID_I"
expect_json .registration_path import "imported machine"
op POST /api/v1/machines/import "$(jq -c '. + {role: "worker-infra", hostname: "imp-2"}' <<<"$EK_I")"
expect_error 409 invalid_state "import of the same EK again"
op POST /api/v1/machines/import "$(jq -c '. + {role: "worker-app"}' <<<"$EK_T")"
expect_error 409 invalid_state "import of a USB-registered EK"

# ---- list: filters and cursor paging ----
bulk=()
for i in 1 2 3 4 5 6 7; do
	case $i in 1|2|3) r=worker-infra ;; 4|5) r=controlplane ;; *) r=worker-app ;; esac
	bulk+=("$(register_usb "$(soft_ek_json "{\"desired_role\":\"$r\",\"hw_serial\":\"BULK-$i\"}")")")
done
op POST "/api/v1/machines/${bulk[6]}/approve" '{"role":"worker-app","hostname":"bk-7"}'
expect_status 200 "approve a bulk machine"
total=$(sql "SELECT count(*) FROM machines")
# NEW, ID_R, ID_AP, ID_P, ID_I and the 7 bulk machines
expect_eq "$total" 12 "machines before listing"
seen=() cursor="" pages=0
while :; do
	op GET "/api/v1/machines?limit=3${cursor:+&cursor=$cursor}"
	expect_status 200 "list page $pages"
	n=$(jget '.items | length')
	pages=$((pages + 1))
	[ "$pages" -le 20 ] || fail "paging does not end"
	expect_no_secrets "list page"
	mapfile -t -O "${#seen[@]}" seen < <(jget '.items[].machine_id')
	cursor=$(jget '.next_cursor // empty')
	if [ -z "$cursor" ]; then
		expect_json .next_cursor null "last page"
		[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "last page has $n items"
		break
	fi
	[ "$n" = 3 ] || fail "page $pages with a next_cursor has $n items, expected 3"
done
expect_eq "$pages" $(( (total + 2) / 3 )) "pages of 3"
expect_eq "$(printf '%s\n' "${seen[@]}" | sort | uniq -d | wc -l)" 0 "machines seen twice while paging"
expect_eq "$(printf '%s\n' "${seen[@]}" | sort | tr '\n' ' ')" \
	"$(sql "SELECT id FROM machines ORDER BY id" | tr '\n' ' ')" "machines seen while paging"
op GET /api/v1/machines
expect_status 200 "list, default limit"
expect_json '.items | length' "$total" "default limit"
expect_json .next_cursor null "default limit"

# list_is FILTER WHERE: the filtered list equals the machines SQL selects
list_is() {
	op GET "/api/v1/machines?$1"
	expect_status 200 "list $1"
	expect_json .next_cursor null "list $1"
	expect_eq "$(jget '.items[].machine_id' | sort | tr '\n' ' ')" \
		"$(sql "SELECT id FROM machines WHERE $2 ORDER BY id" | tr '\n' ' ')" "list $1"
}
list_is status=registered "status = 'registered'"
list_is status=attested "status = 'attested'"
list_is status=approved "status = 'approved'"
expect_json '.items[0].machine_id' "${bulk[6]}" "the one approved machine"
list_is role=worker-infra "role = 'worker-infra'"
list_is role=controlplane "role = 'controlplane'"
list_is "status=registered&role=worker-app" "status = 'registered' AND role = 'worker-app'"
list_is q=imp- "id = '$ID_I'"
list_is q=wk-a "id = '$ID_AP'"
list_is q=bk-7 "id = '${bulk[6]}'"
list_is q=BULK-5 "id = '${bulk[4]}'"
list_is q=BULK- "hw_serial LIKE 'BULK-%'"
list_is "q=${FP_I:0:16}" "id = '$ID_I'"
list_is "q=${FP_T:0:12}" "id = '$NEW'"
list_is q=zzz-none "0"
list_is "status=pending_approval&limit=500" "status = 'pending_approval'"
op GET "/api/v1/machines?role=worker-infra&limit=2"
expect_json '.items | length' 2 "role filter, limit 2"
c=$(jget .next_cursor)
[ "$c" != null ] || fail "role filter, limit 2: no next_cursor with 4 matches"
op GET "/api/v1/machines?role=worker-infra&limit=2&cursor=$c"
expect_json '[.items[].role] | unique | join(",")' worker-infra "second page of a role filter"
expect_json '.items | length' 2 "second page of a role filter"
expect_json .next_cursor null "second page of a role filter"
for bad in status=bogus role=admin limit=0 limit=501 limit=abc cursor=-1; do
	op GET "/api/v1/machines?$bad"
	expect_error 422 validation_failed "list ?$bad"
done

# ---- unknown ids ----
unknown=$(cat /proc/sys/kernel/random/uuid)
op GET "/api/v1/machines/$unknown"
expect_error 404 not_found "get unknown machine"
for what in approve lock unlock revoke reject; do
	op POST "/api/v1/machines/$unknown/$what" '{"role":"worker-app","wipe":false,"reason":"x"}'
	expect_error 404 not_found "$what unknown machine"
done
op DELETE "/api/v1/machines/$unknown"
expect_error 404 not_found "delete unknown machine"
op GET /api/v1/machines/not-a-uuid
expect_error 404 not_found "get malformed id"

# ---- operator auth on the lifecycle endpoints ----
api GET /api/v1/machines
expect_error 401 auth_required "list without credentials"
api POST "/api/v1/machines/$ID_R/approve" '{"role":"worker-app"}'
expect_error 401 auth_required "approve without credentials"
expect_eq "$(status_of "$ID_R")" registered "after an unauthenticated approve"

op GET /api/v1/audit/verify
expect_json .valid true "audit chain at the end"
pass
