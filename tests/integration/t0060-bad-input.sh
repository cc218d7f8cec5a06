#!/usr/bin/env bash
# t0060-bad-input.sh - bad input changes nothing and gets its API spec §9 code
# (§0, §1): malformed, non-object, duplicate-key and non-UTF-8 JSON (400
# bad_json); wrong types, missing fields, bad hex, oversized and malformed
# hardware fields (422 validation_failed); undecodable, garbage and truncated
# EK material (422 ek_invalid); a fingerprint of another key (422
# ek_fingerprint_mismatch); bodies over 64 KiB (413 from nginx); wrong or
# missing Content-Type (415); unknown and non-UUID machine ids (404); illegal
# transitions (409 invalid_state); bad list and audit query parameters (422,
# 400). For every case the database digest is the same before and after;
# refused operator credentials (401/403) add exactly one auth.failed audit
# row and nothing else. Every error body is a JSON object with exactly
# "error" and "detail", detail at most 160 bytes, never the admin token and
# never more than 64 bytes of input. Finally a 128-byte hw_serial is accepted.
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a

# ---- helpers ----

# The §9 body: exactly error and detail (reason only on attestation_failed),
# detail a string of at most 160 bytes, no secret.
check_error_body() {
	local what=$1 want='["detail","error"]'
	jq -e 'type == "object"' >/dev/null 2>&1 <<<"$BODY" ||
		fail "$what: error body is not a json object"
	[ "$(jget .error)" = attestation_failed ] && want='["detail","error","reason"]'
	expect_json '[keys[]] | tojson' "$want" "$what: error body keys"
	expect_json '.detail | type' string "$what: detail type"
	[ "$(jq '.detail | utf8bytelength' <<<"$BODY")" -le 160 ] ||
		fail "$what: detail longer than 160 bytes"
	case $BODY in *"$ADMIN_TOKEN"*) fail "$what: admin token in the error body" ;; esac
	return 0
}

# unchanged WHAT HTTP CODE REQUEST...: refused with HTTP/CODE, and the
# database is byte for byte the same afterwards.
unchanged() {
	local what=$1 http=$2 code=$3 before
	shift 3
	before=$(db_digest)
	"$@"
	expect_error "$http" "$code" "$what"
	check_error_body "$what"
	[ "$(db_digest)" = "$before" ] || fail "$what: the database changed"
	cases=$((cases + 1))
}

# Everything but the audit log.
state_digest() {
	sqlite3 -batch "$DB" \
		"SELECT * FROM machines ORDER BY seq; SELECT * FROM nonces ORDER BY id;
		 SELECT * FROM config_tokens ORDER BY token_sha256;
		 SELECT * FROM approval_votes ORDER BY id;" | sha256sum | cut -c1-64
}

# auth_refused WHAT HTTP CODE REQUEST...: refused with HTTP/CODE; the only
# change is one new audit row, auth.failed, chained to the old tail.
auth_refused() {
	local what=$1 http=$2 code=$3 before n0 tail0
	shift 3
	before=$(state_digest)
	n0=$(sql "SELECT count(*) FROM audit_log")
	tail0=$(sql "SELECT coalesce(max(id), 0) FROM audit_log")
	"$@"
	expect_error "$http" "$code" "$what"
	check_error_body "$what"
	[ "$(state_digest)" = "$before" ] || fail "$what: state changed"
	expect_eq "$(sql "SELECT count(*) FROM audit_log")" "$((n0 + 1))" \
		"$what: audit rows"
	expect_eq "$(sql "SELECT action FROM audit_log WHERE id > $tail0")" \
		auth.failed "$what: the new audit row"
	cases=$((cases + 1))
}

# post PATH BODY [CONTENT-TYPE]: machine-facing POST with any content type
post() {
	raw_curl -X POST "$BASE$1" -H "Content-Type: ${3-application/json}" \
		--data-binary "$2"
}
# post_file PATH FILE: body bytes from a file (binary safe)
post_file() {
	raw_curl -X POST "$BASE$1" -H 'Content-Type: application/json' \
		--data-binary "@$2"
}
# post_noct PATH BODY: no Content-Type header at all
post_noct() { raw_curl -X POST "$BASE$1" -H 'Content-Type:' --data-binary "$2"; }
# op_ct METHOD PATH BODY CONTENT-TYPE: operator call with a content type
op_ct() {
	raw_curl -X "$1" "$BASE$2" -H "Authorization: Bearer $ADMIN_TOKEN" \
		-H "Content-Type: $4" --data-binary "$3"
}
# with_token TOKEN METHOD PATH [BODY]
with_token() {
	local tok=$1 m=$2 p=$3
	if [ $# -ge 4 ]; then
		raw_curl -X "$m" "$BASE$p" -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' --data-binary "$4"
	else
		raw_curl -X "$m" "$BASE$p" -H "Authorization: Bearer $tok"
	fi
}
# set a member of a json object: jset JSON FILTER
jset() { jq -c "$2" <<<"$1"; }

cases=0
[ "${#ADMIN_TOKEN}" -ge 16 ] || fail "admin token too short to search for"

# ---- fixtures ----
GOOD=$(soft_ek_json)			# a valid body whose EK is not yet known
OTHER_FP=$(jq -r .ek_fingerprint <<<"$(soft_ek_json)")
FP=$(jq -r .ek_fingerprint <<<"$GOOD")
REAL=$(ek_json "$TPM_DIR" cert)		# a real swtpm EK certificate
REAL_FP=$(jq -r .ek_fingerprint <<<"$REAL")
m_reg=$(register_usb "$(soft_ek_json)")
m_rej=$(register_usb "$(soft_ek_json)")
op POST "/api/v1/machines/$m_rej/reject" '{"reason":"test fixture"}'
expect_json .status rejected "fixture: reject"
m_known_body=$(soft_ek_json)
register_usb "$m_known_body" >/dev/null
UNKNOWN_ID=$(cat /proc/sys/kernel/random/uuid)
APPROVE='{"role":"worker-app","hostname":"w-1"}'
[ "$(sql "SELECT count(*) FROM machines")" = 3 ] || fail "fixtures: 3 machines"

# ---- 400 bad_json ----
for path in /api/v1/register /api/v1/self-register /api/v1/attest; do
	unchanged "$path: malformed json" 400 bad_json post "$path" '{"ek_cert_pem":'
	unchanged "$path: array body" 400 bad_json post "$path" "[$GOOD]"
	unchanged "$path: empty body" 400 bad_json post "$path" ''
done
unchanged "string body" 400 bad_json post /api/v1/register '"ek_cert_pem"'
unchanged "null body" 400 bad_json post /api/v1/register 'null'
unchanged "trailing garbage" 400 bad_json post /api/v1/register "$GOOD x"
unchanged "duplicate keys" 400 bad_json post /api/v1/register \
	"${GOOD%\}},\"ek_source\":\"pub\"}"
unchanged "duplicate keys, self-register" 400 bad_json post /api/v1/self-register \
	"${GOOD%\}},\"ek_fingerprint\":\"$FP\"}"
printf '%s' "${GOOD%\}}" >"$T/utf8.json"
printf ',"hw_serial":"ab\xff\xfecd"}' >>"$T/utf8.json"
unchanged "invalid utf-8 in a string" 400 bad_json post_file /api/v1/register "$T/utf8.json"
printf '{"ek_cert_pem":"\xc3\x28","ek_fingerprint":"%s"}' "$FP" >"$T/utf8b.json"
unchanged "invalid utf-8 sequence" 400 bad_json post_file /api/v1/register "$T/utf8b.json"
printf '%s' "${GOOD%\}}" >"$T/utf8c.json"
printf ',"hw_product":"\xed\xa0\x80"}' >>"$T/utf8c.json"	# a UTF-16 surrogate
unchanged "utf-8 encoded surrogate" 400 bad_json post_file /api/v1/register "$T/utf8c.json"
unchanged "approve: malformed json" 400 bad_json op POST "/api/v1/machines/$m_reg/approve" '{"role":'
unchanged "approve: array body" 400 bad_json op POST "/api/v1/machines/$m_reg/approve" '["worker-app"]'
unchanged "import: malformed json" 400 bad_json op POST /api/v1/machines/import '{'
unchanged "import: duplicate keys" 400 bad_json op POST /api/v1/machines/import \
	"${GOOD%\}},\"role\":\"worker-app\",\"role\":\"controlplane\"}"

# ---- 422 validation_failed: types, missing fields, bounds ----
unchanged "ek_cert_pem number" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.ek_cert_pem = 42')"
unchanged "ek_fingerprint number" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.ek_fingerprint = 42')"
unchanged "hw_serial object" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.hw_serial = {"a": 1}')"
unchanged "hw_uuid array" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.hw_uuid = ["x"]')"
unchanged "ek_source 5" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.ek_source = 5')"
unchanged "ek_source unknown" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.ek_source = "tpm"')"
unchanged "desired_role unknown" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.desired_role = "boss"')"
unchanged "desired_role bool" 422 validation_failed post /api/v1/self-register \
	"$(jset "$GOOD" '.desired_role = true')"
unchanged "missing ek_cert_pem" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" 'del(.ek_cert_pem)')"
unchanged "missing ek_fingerprint" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" 'del(.ek_fingerprint)')"
unchanged "missing ek_fingerprint, attest" 422 validation_failed post /api/v1/attest \
	"$(jset "$GOOD" 'del(.ek_fingerprint)')"
unchanged "missing ek_cert_pem, self-register" 422 validation_failed post /api/v1/self-register \
	"$(jset "$GOOD" 'del(.ek_cert_pem)')"
unchanged "fingerprint not hex" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" ".ek_fingerprint = \"$(printf 'z%.0s' $(seq 64))\"")"
unchanged "fingerprint 63 hex" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" ".ek_fingerprint = \"${FP:0:63}\"")"
unchanged "fingerprint 65 hex" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" ".ek_fingerprint = \"${FP}0\"")"
S129=$(printf 's%.0s' $(seq 129))
unchanged "hw_serial 129 bytes" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" ".hw_serial = \"$S129\"")"
unchanged "hw_product 129 bytes" 422 validation_failed post /api/v1/self-register \
	"$(jset "$GOOD" ".hw_product = \"$S129\"")"
unchanged "hw_serial control character" 422 validation_failed post /api/v1/register \
	"$(jset "$GOOD" '.hw_serial = "ab\ncd"')"
for mac in zz:zz:zz:zz:zz:zz aa:bb:cc:dd:ee aa:bb:cc:dd:ee:ff:00 aa:bb-cc:dd:ee:ff \
	aabbccddeeffa 'aa bb cc dd ee ff'; do
	unchanged "bad mac '$mac'" 422 validation_failed post /api/v1/register \
		"$(jset "$GOOD" ".hw_mac = \"$mac\"")"
done
unchanged "attest: bad nonce_id" 422 validation_failed post /api/v1/attest \
	"$(jset "$GOOD" '.nonce_id = "not-a-nonce"')"
unchanged "attest: pcr_values array" 422 validation_failed post /api/v1/attest \
	"$(jset "$GOOD" '.pcr_values = []')"
unchanged "attest: unknown nonce" 422 nonce_unknown post /api/v1/attest \
	"$(jset "$GOOD" ".nonce_id = \"$(printf '0%.0s' $(seq 32))\"")"

# ---- 422 ek_invalid / ek_fingerprint_mismatch ----
unchanged "ek_cert_pem bad base64" 422 ek_invalid post /api/v1/register \
	"$(jset "$GOOD" '.ek_cert_pem = "!!!not*base64???"')"
unchanged "ek_cert_pem empty" 422 ek_invalid post /api/v1/register \
	"$(jset "$GOOD" '.ek_cert_pem = ""')"
# 256 fixed garbage bytes (sha256 chain), as a certificate and as a key
for i in $(seq 8); do printf '%s' "garbage $i" | sha256sum | cut -c1-64; done |
	xxd -r -p >"$T/garbage.bin"
GARBAGE=$(base64 -w0 "$T/garbage.bin")
GARBAGE_FP=$(sha256sum "$T/garbage.bin" | cut -c1-64)
unchanged "garbage ek cert" 422 ek_invalid post /api/v1/register \
	"$(jq -cn --arg m "$GARBAGE" --arg f "$GARBAGE_FP" '{ek_cert_pem: $m, ek_source: "cert", ek_fingerprint: $f}')"
unchanged "garbage ek pub" 422 ek_invalid post /api/v1/attest \
	"$(jq -cn --arg m "$GARBAGE" --arg f "$GARBAGE_FP" '{ek_cert_pem: $m, ek_source: "pub", ek_fingerprint: $f}')"
head -c 600 "$TPM_DIR/ek-cert.der" >"$T/truncated.der"
unchanged "truncated real ek cert" 422 ek_invalid post /api/v1/register \
	"$(jq -cn --arg m "$(base64 -w0 "$T/truncated.der")" --arg f "$REAL_FP" '{ek_cert_pem: $m, ek_fingerprint: $f}')"
unchanged "truncated real ek cert, self-register" 422 ek_invalid post /api/v1/self-register \
	"$(jq -cn --arg m "$(base64 -w0 "$T/truncated.der")" --arg f "$REAL_FP" '{ek_cert_pem: $m, ek_fingerprint: $f}')"
unchanged "pem with a foreign label" 422 ek_invalid post /api/v1/register \
	"$(jset "$GOOD" '.ek_cert_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"')"
LABEL=$(printf 'X%.0s' $(seq 200))
unchanged "pem with a 200-byte label" 422 ek_invalid post /api/v1/register \
	"$(jset "$GOOD" ".ek_cert_pem = \"-----BEGIN $LABEL-----\\nAAAA\\n-----END $LABEL-----\\n\"")"
grep -q 'X\{65\}' <<<"$(jget .detail)" && fail "detail echoes more than 64 bytes of input"
unchanged "fingerprint of another key" 422 ek_fingerprint_mismatch post /api/v1/register \
	"$(jset "$GOOD" ".ek_fingerprint = \"$OTHER_FP\"")"
unchanged "fingerprint of another key, real cert" 422 ek_fingerprint_mismatch post /api/v1/attest \
	"$(jset "$REAL" ".ek_fingerprint = \"$OTHER_FP\"")"
unchanged "96 hex of nothing sent" 422 ek_fingerprint_mismatch post /api/v1/self-register \
	"$(jset "$REAL" ".ek_fingerprint = \"$REAL_FP${REAL_FP:0:32}\"")"
unchanged "import: fingerprint of another key" 422 ek_fingerprint_mismatch \
	op POST /api/v1/machines/import \
	"$(jset "$GOOD" ".ek_fingerprint = \"$OTHER_FP\" | .role = \"worker-app\"")"
unchanged "import: no role" 422 validation_failed op POST /api/v1/machines/import "$GOOD"
unchanged "import: bad hostname" 422 validation_failed op POST /api/v1/machines/import \
	"$(jset "$GOOD" '.role = "worker-app" | .hostname = "Bad_Host"')"
unchanged "import: known ek" 409 invalid_state op POST /api/v1/machines/import \
	"$(jset "$m_known_body" '.role = "worker-app"')"

# ---- 413, 415 ----
{ printf '%s' "${GOOD%\}},\"pad\":\""; head -c 70000 /dev/zero | tr '\0' a; printf '"}'; } >"$T/big.json"
unchanged "body over 64 KiB" 413 body_too_large post_file /api/v1/register "$T/big.json"
unchanged "body over 64 KiB, approve" 413 body_too_large \
	raw_curl -X POST "$BASE/api/v1/machines/$m_reg/approve" \
	-H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
	--data-binary "@$T/big.json"
unchanged "text/plain" 415 unsupported_media_type post /api/v1/register "$GOOD" text/plain
unchanged "form content type" 415 unsupported_media_type post /api/v1/attest "$GOOD" \
	application/x-www-form-urlencoded
unchanged "application/jsonx" 415 unsupported_media_type post /api/v1/register "$GOOD" application/jsonx
unchanged "missing content type" 415 unsupported_media_type post_noct /api/v1/register "$GOOD"
unchanged "missing content type, self-register" 415 unsupported_media_type \
	post_noct /api/v1/self-register "$GOOD"
unchanged "approve: text/plain" 415 unsupported_media_type \
	op_ct POST "/api/v1/machines/$m_reg/approve" "$APPROVE" text/plain

# ---- 404 ----
for action in approve lock unlock reject revoke; do
	unchanged "$action: unknown id" 404 not_found op POST \
		"/api/v1/machines/$UNKNOWN_ID/$action" '{"role":"worker-app","reason":"x","wipe":false}'
done
unchanged "get: unknown id" 404 not_found op GET "/api/v1/machines/$UNKNOWN_ID"
unchanged "approvals: unknown id" 404 not_found op GET "/api/v1/machines/$UNKNOWN_ID/approvals"
unchanged "delete: unknown id" 404 not_found op DELETE "/api/v1/machines/$UNKNOWN_ID"
for bad_id in not-a-uuid "${m_reg^^}" "${m_reg}0" "${m_reg:0:35}" "'%20or%201=1"; do
	unchanged "approve: id '$bad_id'" 404 not_found op POST "/api/v1/machines/$bad_id/approve" "$APPROVE"
	unchanged "lock: id '$bad_id'" 404 not_found op POST "/api/v1/machines/$bad_id/lock" '{}'
done

# ---- 409 invalid_state, 422 on operator bodies ----
unchanged "unlock a registered machine" 409 invalid_state op POST "/api/v1/machines/$m_reg/unlock" '{}'
unchanged "approve a rejected machine" 409 invalid_state op POST "/api/v1/machines/$m_rej/approve" "$APPROVE"
unchanged "lock a rejected machine" 409 invalid_state op POST "/api/v1/machines/$m_rej/lock" '{}'
unchanged "reject a rejected machine" 409 invalid_state op POST "/api/v1/machines/$m_rej/reject" '{"reason":"again"}'
unchanged "delete a registered machine" 409 invalid_state op DELETE "/api/v1/machines/$m_reg"
unchanged "approve: no role" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" '{}'
unchanged "approve: role unknown" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" '{"role":"boss"}'
unchanged "approve: role number" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" '{"role":1}'
unchanged "approve: bad hostname" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" \
	'{"role":"worker-app","hostname":"-bad-"}'
unchanged "approve: ip without prefix" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" \
	'{"role":"worker-app","assigned_ip":"10.0.0.5"}'
unchanged "approve: prefix 33" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" \
	'{"role":"worker-app","assigned_ip":"10.0.0.5/33"}'
unchanged "approve: bad gateway" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" \
	'{"role":"worker-app","gateway":"10.0.0.300"}'
unchanged "approve: bad install disk" 422 validation_failed op POST "/api/v1/machines/$m_reg/approve" \
	'{"role":"worker-app","install_disk":"/dev/../etc/passwd"}'
unchanged "reject: no reason" 422 validation_failed op POST "/api/v1/machines/$m_reg/reject" '{}'
unchanged "revoke: no wipe" 422 validation_failed op POST "/api/v1/machines/$m_reg/revoke" '{}'
unchanged "revoke: wipe string" 422 validation_failed op POST "/api/v1/machines/$m_reg/revoke" '{"wipe":"yes"}'

# ---- query parameters ----
unchanged "limit=0" 422 validation_failed op GET "/api/v1/machines?limit=0"
unchanged "limit=501" 422 validation_failed op GET "/api/v1/machines?limit=501"
unchanged "limit=-1" 422 validation_failed op GET "/api/v1/machines?limit=-1"
unchanged "limit=abc" 422 validation_failed op GET "/api/v1/machines?limit=abc"
unchanged "status=bogus" 422 validation_failed op GET "/api/v1/machines?status=bogus"
unchanged "role=bogus" 422 validation_failed op GET "/api/v1/machines?role=bogus"
unchanged "bad percent escape" 400 bad_request op GET "/api/v1/machines?q=%zz"
unchanged "short percent escape" 400 bad_request op GET "/api/v1/machines?q=ab%4"
unchanged "percent-encoded nul" 400 bad_request op GET "/api/v1/machines?q=a%00b"
unchanged "percent-encoded bad utf-8" 400 bad_request op GET "/api/v1/machines?q=%ff%fe"
unchanged "audit since=yesterday" 422 validation_failed op GET "/api/v1/audit?since=yesterday"
unchanged "audit until=2026-13-01" 422 validation_failed op GET "/api/v1/audit?until=2026-13-01T00:00:00Z"
unchanged "audit limit=501" 422 validation_failed op GET "/api/v1/audit?limit=501"
unchanged "audit cursor=x" 422 validation_failed op GET "/api/v1/audit?cursor=x"
unchanged "audit bad escape" 400 bad_request op GET "/api/v1/audit?action=%g1"

# ---- credentials: 401/403, one auth.failed row each ----
WRONG=${ADMIN_TOKEN%?}$([ "${ADMIN_TOKEN: -1}" = A ] && echo B || echo A)
auth_refused "approve without credentials" 401 auth_required api POST "/api/v1/machines/$m_reg/approve" "$APPROVE"
auth_refused "import without credentials" 401 auth_required api POST /api/v1/machines/import "$GOOD"
auth_refused "list without credentials" 401 auth_required api GET /api/v1/machines
auth_refused "audit without credentials" 401 auth_required api GET /api/v1/audit
auth_refused "approve with a wrong token" 403 forbidden with_token "$WRONG" POST "/api/v1/machines/$m_reg/approve" "$APPROVE"
auth_refused "lock with a wrong token" 403 forbidden with_token "$WRONG" POST "/api/v1/machines/$m_reg/lock" '{}'
auth_refused "list with a wrong token" 403 forbidden with_token "$WRONG" GET /api/v1/machines
auth_refused "token with a prefix" 403 forbidden with_token "x$ADMIN_TOKEN" GET /api/v1/machines
# credentials are checked before the body: bad JSON without credentials is 401
auth_refused "bad json without credentials" 401 auth_required api POST "/api/v1/machines/$m_reg/approve" '{'

# ---- what was refused was really refused ----
op GET "/api/v1/machines/$m_reg"
expect_json .status registered "m_reg after all the refusals"
op GET /api/v1/machines
expect_json '.items | length' 3 "no machine was created"
op GET /api/v1/audit/verify
expect_json .valid true "audit chain after the refusals"

# ---- 128 bytes is the bound, not 127 ----
S128=$(printf 's%.0s' $(seq 128))
api POST /api/v1/register "$(jset "$GOOD" ".hw_serial = \"$S128\" | .hw_mac = \"AA-BB-CC-DD-EE-0F\"")"
expect_status 200 "hw_serial of 128 bytes"
id=$(jget .machine_id)
op GET "/api/v1/machines/$id"
expect_json .hw_serial "$S128" "stored hw_serial"
expect_json .hw_mac aa:bb:cc:dd:ee:0f "normalised mac"
note "$cases refused requests checked"
pass
