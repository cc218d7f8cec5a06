#!/usr/bin/env bash
# t0070-audit.sh - the hash-chained audit log (API spec §0, §6): a machine
# lifecycle with a real swtpm EK (register, approve, attest, lock, unlock,
# revoke) is audited entry by entry; GET /audit/verify reports valid, the
# number of rows and the last row's hash; GET /audit filters by machine_id,
# action, actor, since/until and pages newest first with limit and cursor;
# every row's hash is recomputed here with sha256sum as
# SHA-256(prev_hash "\n" canonical), canonical = compact JSON with keys
# action, actor, detail (stored text verbatim), id, machine_id, ts; editing a
# row (detail, actor), re-hashing an edited row, or deleting a middle row is
# reported with the first broken id, and restoring the row makes the chain
# valid again, so later appends chain on.
. "$(dirname "$0")/lib.sh"
stack_start
tpm_start a

# ---- helpers ----

# The canonical text of audit row ID, built from the stored columns.
canonical() {
	sqlite3 -json "$DB" "SELECT id, ts, actor, action, machine_id, detail
		FROM audit_log WHERE id = $1" | jq -j '.[0] |
		"{\"action\":" + (.action | tojson) + ",\"actor\":" + (.actor | tojson) +
		",\"detail\":" + .detail + ",\"id\":" + (.id | tostring) +
		",\"machine_id\":" + (.machine_id | tojson) + ",\"ts\":" + (.ts | tojson) + "}"'
}

# The hash row ID must carry, given its stored prev_hash.
expected_hash() {
	local prev
	prev=$(sql "SELECT prev_hash FROM audit_log WHERE id = $1")
	printf '%s\n%s' "$prev" "$(canonical "$1")" | sha256sum | cut -c1-64
}

# verify_ok [what]: the chain is valid and covers every row.
verify_ok() {
	op GET /api/v1/audit/verify
	expect_status 200 "${1:-verify}"
	expect_json .valid true "${1:-verify}"
	expect_json .entries "$(sql 'SELECT count(*) FROM audit_log')" "${1:-verify}"
	expect_json .root_hash "$(sql 'SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1')" \
		"${1:-verify}"
	expect_json .first_invalid_id null "${1:-verify}"
	expect_json .error null "${1:-verify}"
}

# verify_broken ID [what]: the chain is reported broken at row ID.
verify_broken() {
	op GET /api/v1/audit/verify
	expect_status 200 "${2:-verify}"
	expect_json .valid false "${2:-verify}"
	expect_json .first_invalid_id "$1" "${2:-verify}"
	expect_json .entries "$(sql 'SELECT count(*) FROM audit_log')" "${2:-verify}"
	expect_json '.error | type' string "${2:-verify}"
}

# ids of the last GET /audit answer, and of a query on the table (WHERE
# clause), both newest first and comma separated
ids_of() { jget '[.items[].id] | map(tostring) | join(",")'; }
sql_ids() { sql "SELECT group_concat(id, ',') FROM (SELECT id FROM audit_log $1 ORDER BY id DESC)"; }

# wait until the clock is at least N seconds past the RFC 3339 time T
wait_past() {
	local t
	t=$(date -u -d "$1" +%s)
	while [ "$(date -u +%s)" -lt $((t + $2)) ]; do sleep 0.2; done
}

# ---- phase A: another machine and a failed authentication ----
op GET /api/v1/audit/verify
expect_json .valid true "empty log"
expect_json .entries 0 "empty log"
expect_json .root_hash null "empty log"

api POST /api/v1/self-register "$(soft_ek_json)"
expect_status 200 "self-register"
m2=$(jget .machine_id)
api GET /api/v1/machines
expect_error 401 auth_required "unauthenticated list"
TS_A=$(sql "SELECT max(ts) FROM audit_log")
TS_A0=$(sql "SELECT min(ts) FROM audit_log")	# phase A may straddle a second
A_IDS=$(sql_ids "")
A_LAST=$(sql "SELECT max(id) FROM audit_log")
expect_eq "$(sql 'SELECT count(*) FROM audit_log')" 2 "phase A entries"
wait_past "$TS_A" 2
MID=$(date -u -d "@$(( $(date -u -d "$TS_A" +%s) + 1 ))" +%Y-%m-%dT%H:%M:%SZ)

# ---- phase B: the lifecycle of a TPM machine ----
m1=$(register_usb "$(ek_json "$TPM_DIR" cert)")
op POST "/api/v1/machines/$m1/approve" '{"role":"worker-app","hostname":"node-1"}'
expect_status 200 approve
expect_json .status approved approve
api POST /api/v1/attest "$(ek_json "$TPM_DIR" cert)"
expect_status 200 attest
expect_json .status attested attest
expect_json .action apply-config attest
api POST /api/v1/attest "$(ek_json "$TPM_DIR" pub)"
expect_status 200 "attest with the bare EK public key"
expect_json .machine_id "$m1" "same identity from the public key"
op POST "/api/v1/machines/$m1/lock" '{"reason":"maintenance"}'
expect_json .status locked lock
op POST "/api/v1/machines/$m1/unlock" '{}'
expect_json .status attested unlock
op POST "/api/v1/machines/$m1/revoke" '{"wipe":false,"reason":"decommissioned"}'
expect_json .status revoked revoke
B_IDS=$(sql_ids "WHERE machine_id = '$m1'")
N=$(sql "SELECT count(*) FROM audit_log")

verify_ok "verify after the lifecycle"
ROOT=$(jget .root_hash)
[ "$(sql "SELECT prev_hash FROM audit_log WHERE id = 1")" = \
	"0000000000000000000000000000000000000000000000000000000000000000" ] ||
	fail "the first entry does not chain to the zero hash"

# ---- GET /audit filters ----
op GET "/api/v1/audit?machine_id=$m1"
expect_status 200 "audit by machine"
expect_json '[.items[].action] | join(",")' \
	machine.revoked,machine.unlocked,machine.locked,machine.config_token_issued,machine.config_token_issued,machine.attested,machine.approved,machine.registered \
	"the lifecycle, newest first"
expect_json '[.items[].actor] | join(",")' SYSTEM,SYSTEM,SYSTEM,machine,machine,machine,SYSTEM,machine \
	"the lifecycle's actors"
expect_json "[.items[].machine_id] | all(. == \"$m1\")" true "machine filter"
expect_eq "$(ids_of)" "$B_IDS" "machine filter ids"
expect_json .next_cursor null "one page"
expect_json '.items[0].detail.wipe' false "revoke detail"
expect_json '.items[2].detail.reason' maintenance "lock detail"
expect_json '.items[0].hash' "$ROOT" "newest entry hash"
expect_json '.items[1].hash == .items[0].prev_hash' true "entries chain"

op GET "/api/v1/audit?action=machine.registered"
expect_json '[.items[].machine_id] | join(",")' "$m1,$m2" "action filter, newest first"
op GET "/api/v1/audit?action=no.such.action"
expect_json '.items | length' 0 "unknown action"
op GET "/api/v1/audit?actor=SYSTEM"
expect_json '[.items[].action] | join(",")' \
	machine.revoked,machine.unlocked,machine.locked,machine.approved "actor=SYSTEM"
expect_eq "$(ids_of)" "$(sql_ids "WHERE actor = 'SYSTEM'")" "actor=SYSTEM ids"
op GET "/api/v1/audit?actor=anonymous"
expect_json '[.items[].action] | join(",")' auth.failed "actor=anonymous"
op GET "/api/v1/audit?machine_id=$m1&actor=machine&action=machine.config_token_issued"
expect_json '.items | length' 2 "three filters together"
op GET "/api/v1/audit?since=$MID"
expect_eq "$(ids_of)" "$(sql_ids "WHERE id > $A_LAST")" "since: phase B only"
op GET "/api/v1/audit?until=$MID"
expect_eq "$(ids_of)" "$A_IDS" "until: phase A only"
op GET "/api/v1/audit?since=$TS_A0&until=$MID"
expect_eq "$(ids_of)" "$A_IDS" "since the first second, until the gap"
op GET "/api/v1/audit?since=2100-01-01T00:00:00Z"
expect_json '.items | length' 0 "since the future"
op GET "/api/v1/audit?until=2000-01-01T00:00:00Z"
expect_json '.items | length' 0 "until the past"

# paging: limit 3, newest first, every row exactly once
all="" cursor="" pages=0
while :; do
	op GET "/api/v1/audit?limit=3${cursor:+&cursor=$cursor}"
	expect_status 200 "audit page"
	[ "$(jget '.items | length')" -le 3 ] || fail "page longer than the limit"
	all=${all:+$all,}$(ids_of)
	pages=$((pages + 1))
	cursor=$(jget '.next_cursor // empty')
	[ -n "$cursor" ] || break
	expect_eq "$cursor" "$(jget '.items[-1].id')" "cursor is the last id of the page"
	[ $pages -le $((N / 3 + 1)) ] || fail "paging does not end"
done
expect_eq "$all" "$(sql_ids "")" "all pages together"
expect_eq "$pages" "$(( (N + 2) / 3 ))" "number of pages"
op GET "/api/v1/audit?machine_id=$m1&limit=5"
expect_json '.items | length' 5 "first page of a filter"
c=$(jget .next_cursor)
op GET "/api/v1/audit?machine_id=$m1&limit=5&cursor=$c"
expect_json '.items | length' 3 "second page of a filter"
expect_json .next_cursor null "second page of a filter is the last"
expect_json '.items[-1].action' machine.registered "second page of a filter"

# ---- the chain formula, recomputed here ----
prev=0000000000000000000000000000000000000000000000000000000000000000
for id in $(sql "SELECT id FROM audit_log ORDER BY id"); do
	expect_eq "$(sql "SELECT prev_hash FROM audit_log WHERE id = $id")" "$prev" \
		"row $id prev_hash"
	h=$(sql "SELECT hash FROM audit_log WHERE id = $id")
	expect_eq "$(expected_hash "$id")" "$h" "row $id hash = sha256(prev \\n canonical)"
	# the canonical text is exactly the compact, key-sorted JSON of the row
	c=$(sqlite3 -json "$DB" "SELECT id, ts, actor, action, machine_id, detail
		FROM audit_log WHERE id = $id" |
		jq -cS '.[0] | .detail |= fromjson | {action, actor, detail, id, machine_id, ts}')
	expect_eq "$(canonical "$id")" "$c" "row $id canonical json"
	prev=$h
done

# ---- tampering ----
K=$(sql "SELECT id FROM audit_log WHERE machine_id = '$m1' AND action = 'machine.locked'")
NEXT=$(sql "SELECT min(id) FROM audit_log WHERE id > $K")
if [ -z "$K" ] || [ -z "$NEXT" ]; then fail "no middle row to tamper with"; fi
row_sql() {	# the row as SQL literals, to put it back
	sql "SELECT quote(id)||','||quote(ts)||','||quote(actor)||','||quote(action)||','||
		quote(machine_id)||','||quote(detail)||','||quote(prev_hash)||','||quote(hash)
		FROM audit_log WHERE id = $1"
}
ORIG=$(row_sql "$K")
restore() {
	sql "DELETE FROM audit_log WHERE id = $K;
	     INSERT INTO audit_log (id, ts, actor, action, machine_id, detail, prev_hash, hash)
	     VALUES ($ORIG);"
	verify_ok "$1"
	expect_json .root_hash "$ROOT" "$1: root hash"
}

sql "UPDATE audit_log SET detail = replace(detail, 'maintenance', 'routine') WHERE id = $K"
[ "$(row_sql "$K")" != "$ORIG" ] || fail "the detail edit did not change the row"
verify_broken "$K" "edited detail"
restore "detail restored"

sql "UPDATE audit_log SET actor = 'alice' WHERE id = $K"
verify_broken "$K" "edited actor"
restore "actor restored"

sql "UPDATE audit_log SET ts = '2000-01-01T00:00:00Z' WHERE id = $K"
verify_broken "$K" "edited ts"
restore "ts restored"

# an edit whose own hash is recomputed breaks the link to the next row
sql "UPDATE audit_log SET detail = replace(detail, 'maintenance', 'routine') WHERE id = $K"
sql "UPDATE audit_log SET hash = '$(expected_hash "$K")' WHERE id = $K"
verify_broken "$NEXT" "edited and re-hashed row"
restore "re-hashed row restored"

sql "DELETE FROM audit_log WHERE id = $K"
verify_broken "$NEXT" "deleted middle row"
expect_json .entries $((N - 1)) "deleted middle row: entries"
restore "deleted row put back"

# appends after the restore chain on the old tail
op DELETE "/api/v1/machines/$m1"
expect_status 200 "delete the revoked machine"
verify_ok "verify after a new entry"
expect_json .entries $((N + 1)) "one more entry"
expect_eq "$(sql "SELECT prev_hash FROM audit_log ORDER BY id DESC LIMIT 1")" "$ROOT" \
	"the new entry chains to the old root"
expect_eq "$(expected_hash $((N + 1)))" "$(jget .root_hash)" "the new entry's hash"
pass
