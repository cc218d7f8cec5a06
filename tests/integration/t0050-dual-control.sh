#!/usr/bin/env bash
# t0050-dual-control.sh - dual control and operator authentication (API spec
# §6, §0): controlplane approvals need two distinct operators agreeing on role,
# hostname and IP (202 pending_second_approval, 409 duplicate_vote, a
# disagreeing vote does not count), the votes list, a worker-app approval by
# one operator, viewers are read-only, and every failed authentication
# (viewer writing, wrong OU, OU injection in the CN, no credential, bad
# bearer, faked mTLS headers, a certificate of another CA) is refused with
# the §9 code, changes no machine or vote, and is audited as auth.failed.
. "$(dirname "$0")/lib.sh"
export ITL_DUAL_CONTROL_ROLES=controlplane
unset ITL_DUAL_CONTROL_QUORUM ITL_DUAL_CONTROL_WINDOW_SECONDS	# quorum 2
stack_start

# Everything but the audit log: a refused request must not touch it.
state_digest() {
	sqlite3 -batch "$DB" \
		"SELECT * FROM machines ORDER BY seq; SELECT * FROM nonces ORDER BY id;
		 SELECT * FROM config_tokens ORDER BY token_sha256;
		 SELECT * FROM approval_votes ORDER BY id;" | sha256sum | cut -c1-64
}

# Number of auth.failed audit entries, read through the API by the viewer.
auth_failures() {
	local s=$STATUS b=$BODY n
	op_as victor GET "/api/v1/audit?action=auth.failed&limit=500"
	expect_status 200 "audit list of auth.failed"
	n=$(jget '.items | length')
	STATUS=$s BODY=$b
	echo "$n"
}

# refused WHAT HTTP CODE REQUEST...: the request is refused with HTTP/CODE,
# machines, votes, tokens and nonces are unchanged, and exactly one
# auth.failed entry is added.
refused() {
	local what=$1 http=$2 code=$3 before n0 n1
	shift 3
	before=$(state_digest)
	n0=$(auth_failures)
	"$@"
	expect_error "$http" "$code" "$what"
	[ "$(state_digest)" = "$before" ] || fail "$what: state changed"
	n1=$(auth_failures)
	expect_eq "$n1" "$((n0 + 1))" "$what: auth.failed entries"
}

# curl with extra arguments, no credentials of ours
curl_post_approve() {
	local id=$1; shift
	raw_curl -X POST "$BASE/api/v1/machines/$id/approve" \
		-H 'Content-Type: application/json' --data-binary "$W" "$@"
}

make_operator alice operator
make_operator bob operator
make_operator carol operator
make_operator victor viewer
make_operator otto other

CP='{"role":"controlplane","hostname":"cp-1","assigned_ip":"10.0.0.11/24"}'
CP_OTHER='{"role":"controlplane","hostname":"cp-9","assigned_ip":"10.0.0.11/24"}'
W='{"role":"worker-app","hostname":"w-1"}'

m1=$(register_usb "$(soft_ek_json)")
m2=$(register_usb "$(soft_ek_json)")
m3=$(register_usb "$(soft_ek_json)")

# ---- dual control ----
op_as alice POST "/api/v1/machines/$m1/approve" "$CP"
expect_status 202 "first controlplane vote"
expect_json .status pending_second_approval "first vote"
expect_json .approvals_received 1 "first vote"
expect_json .approvals_required 2 "first vote"
[ "$(jget .expires_at)" != null ] || fail "first vote: no expires_at"
op_as victor GET "/api/v1/machines/$m1"
expect_json .status registered "machine after one vote"

op_as alice POST "/api/v1/machines/$m1/approve" "$CP"
expect_error 409 duplicate_vote "alice votes twice"
op_as alice POST "/api/v1/machines/$m1/approve" "$CP_OTHER"
expect_error 409 duplicate_vote "alice votes twice with other params"

op_as bob POST "/api/v1/machines/$m1/approve" "$CP_OTHER"
expect_status 202 "bob votes for another hostname"
expect_json .status pending_second_approval "disagreeing vote"
expect_json .approvals_received 1 "disagreeing vote does not agree"
op_as victor GET "/api/v1/machines/$m1"
expect_json .status registered "machine after two disagreeing votes"
op_as bob POST "/api/v1/machines/$m1/approve" "$CP"
expect_error 409 duplicate_vote "bob votes again"

op_as carol POST "/api/v1/machines/$m1/approve" "$CP"
expect_status 200 "carol agrees with alice"
expect_json .status approved "quorum reached"
expect_json .approved_by carol "quorum reached"
expect_json .role controlplane "quorum reached"
expect_json .hostname cp-1 "quorum reached"
expect_json .assigned_ip 10.0.0.11/24 "quorum reached"

op_as victor GET "/api/v1/machines/$m1/approvals"
expect_status 200 "approvals list"
expect_json '.items | length' 3 "approvals list"
expect_json '[.items[].actor] | join(",")' carol,bob,alice "votes newest first"
expect_json '[.items[].id] | . == (sort | reverse)' true "vote ids descending"
expect_json '.items[1].hostname' cp-9 "bob's vote"
expect_json '[.items[].hostname] | join(",")' cp-1,cp-9,cp-1 "vote hostnames"
[ "$(sql "SELECT count(*) FROM approval_votes WHERE machine_id = '$m1'")" = 3 ] ||
	fail "refused votes were stored"
op_as victor GET "/api/v1/audit?machine_id=$m1&action=machine.approval_vote"
expect_json '[.items[].actor] | join(",")' carol,bob,alice "vote audit entries"
op_as victor GET "/api/v1/audit?machine_id=$m1&action=machine.approved"
expect_json '.items | length' 1 "one approval entry"
expect_json '.items[0].actor' carol "approval entry actor"

# a role without dual control: one operator is enough
op_as alice POST "/api/v1/machines/$m2/approve" "$W"
expect_status 200 "worker-app approval"
expect_json .status approved "worker-app approval"
expect_json .approved_by alice "worker-app approval"
op_as victor GET "/api/v1/machines/$m2/approvals"
expect_json '.items | length' 0 "no votes for a worker-app approval"

# ---- viewers read, never write ----
op_as victor GET /api/v1/machines
expect_status 200 "viewer lists machines"
expect_json '.items | length' 3 "viewer lists machines"
refused "viewer approves" 403 forbidden op_as victor POST "/api/v1/machines/$m3/approve" "$W"
op_as victor GET "/api/v1/audit?action=auth.failed&limit=1"
expect_json '.items[0].actor' victor "auth.failed names the viewer"
expect_json '.items[0].detail.error' forbidden "auth.failed records the code"
refused "viewer locks" 403 forbidden op_as victor POST "/api/v1/machines/$m3/lock" '{}'

# ---- authentication failures ----
refused "OU=other" 403 forbidden op_as otto POST "/api/v1/machines/$m3/approve" "$W"
refused "OU=other reads" 403 forbidden op_as otto GET /api/v1/machines
# a CN that spells ",OU=operator" is one escaped value, not a second OU
itl_client_cert "$T/tls" 'sneaky,OU=operator' other
refused "OU injected in the CN" 403 forbidden \
	op_as 'sneaky,OU=operator' POST "/api/v1/machines/$m3/approve" "$W"

refused "no credential" 401 auth_required api POST "/api/v1/machines/$m3/approve" "$W"
op_as victor GET "/api/v1/audit?action=auth.failed&limit=1"
expect_json '.items[0].actor' anonymous "auth.failed without credential"
expect_json '.items[0].detail.error' auth_required "auth.failed records the code"
refused "no credential, GET" 401 auth_required api GET /api/v1/machines
refused "bad bearer" 403 forbidden \
	curl_post_approve "$m3" -H "Authorization: Bearer x${ADMIN_TOKEN}"
refused "not a bearer" 401 auth_required \
	curl_post_approve "$m3" -H "Authorization: Basic YWxpY2U6YWxpY2U="

# mTLS is what nginx verified, never a header the client sends
refused "X-SSL-Client-Verify header" 401 auth_required \
	curl_post_approve "$m3" -H 'X-SSL-Client-Verify: SUCCESS' \
	-H 'X-SSL-Client-S-DN: CN=mallory,OU=operator,O=ITL'
refused "SSL-Client-Verify header" 401 auth_required \
	curl_post_approve "$m3" -H 'SSL-Client-Verify: SUCCESS' \
	-H 'SSL-Client-S-DN: CN=mallory,OU=operator,O=ITL'
refused "SSL_CLIENT_VERIFY header" 401 auth_required \
	curl_post_approve "$m3" -H 'SSL_CLIENT_VERIFY: SUCCESS' \
	-H 'SSL_CLIENT_S_DN: CN=mallory,OU=operator,O=ITL'
op_as victor GET "/api/v1/machines/$m3"
expect_json .status registered "m3 after the refused requests"

# ---- a certificate of another CA ----
# Same subject as a real operator, issued by a CA nginx does not trust. It
# must be refused: either the TLS handshake fails, or the request is answered
# 403 forbidden (JSON, §9) and audited like every failed authentication.
mkdir -p "$T/evil"
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-days 30 -subj "/CN=ITL local operator CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$T/evil/ca.key" -out "$T/evil/ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/O=ITL/OU=operator/CN=mallory" -keyout "$T/tls/mallory.key" \
		-out "$T/evil/mallory.csr" 2>/dev/null
	openssl x509 -req -in "$T/evil/mallory.csr" -CA "$T/evil/ca.crt" \
		-CAkey "$T/evil/ca.key" -CAcreateserial -days 30 \
		-extfile <(printf 'extendedKeyUsage=clientAuth\n') \
		-out "$T/tls/mallory.crt" 2>/dev/null
)
[ -s "$T/tls/mallory.crt" ] || fail "could not make the foreign certificate"
before=$(state_digest)
n0=$(auth_failures)
op_as mallory POST "/api/v1/machines/$m3/approve" "$W"
[ "$(state_digest)" = "$before" ] || fail "foreign certificate: state changed"
op_as victor GET "/api/v1/machines/$m3"
expect_json .status registered "m3 after the foreign certificate"
op_as mallory POST "/api/v1/machines/$m3/approve" "$W"
if [ "$STATUS" = 000 ]; then
	note "foreign certificate: TLS handshake refused"
else
	expect_error 403 forbidden "operator certificate of another CA"
	expect_eq "$(auth_failures)" "$((n0 + 2))" "foreign certificate: auth.failed entries"
fi
op_as mallory GET /api/v1/machines
[ "$STATUS" = 000 ] || expect_error 403 forbidden "viewer route with a certificate of another CA"
# the cluster is part of the agreement: the second operator cannot pick it alone
cpx=$(register_usb "$(soft_ek_json)")
op_as alice POST "/api/v1/machines/$cpx/approve" '{"role":"controlplane","hostname":"cpx","cluster_id":"prod"}'
expect_status 202 "first vote for prod"
op_as carol POST "/api/v1/machines/$cpx/approve" '{"role":"controlplane","hostname":"cpx","cluster_id":"evil"}'
expect_status 202 "a vote for another cluster does not agree"
op GET "/api/v1/machines/$cpx"
expect_json .status registered "not approved by disagreeing votes"
pass
