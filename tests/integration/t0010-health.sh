#!/usr/bin/env bash
# t0010-health.sh - the stack answers through nginx: /healthz, /readyz,
# /metrics, JSON 404s, X-Request-Id on every response, readyz failing closed.
. "$(dirname "$0")/lib.sh"
stack_start

api GET /healthz
expect_status 200 healthz
expect_json .status ok

api GET /readyz
expect_status 200 readyz
expect_json .checks.database ok

api GET /metrics
expect_status 200 metrics
grep -q '^itl_machines{status="registered"} 0$' <<<"$BODY" || fail "metrics gauge missing"

api GET /api/v1/nothing-here
expect_error 404 not_found "unknown api path"
api GET /elsewhere
expect_error 404 not_found "path outside the api"
api DELETE /api/v1/register
expect_error 404 not_found "wrong method"

hdr=$(curl -sS --cacert "$T/tls/server.crt" -D - -o /dev/null "$BASE/healthz")
grep -qi '^x-request-id: [0-9a-f]\{32\}' <<<"$hdr" || fail "no X-Request-Id header"
hdr=$(curl -sS --cacert "$T/tls/server.crt" -D - -o /dev/null "$BASE/api/v1/x")
grep -qi '^x-request-id:' <<<"$hdr" || fail "no X-Request-Id on an error"

# only nginx reaches the FastCGI socket (a client of it picks every param)
expect_eq "$(stat -c %a "$ITL_SOCKET")" 660 "socket mode"
[ "$(id -u)" != 0 ] || expect_eq "$(stat -c %G "$ITL_SOCKET")" www-data "socket group"
if ITL_SOCKET_MODE=0666 "$ATTESTD" --check-config >/dev/null 2>&1; then
	fail "a world-accessible socket mode was accepted"
fi

# /readyz names the failing check: remove the admin token and restart
rm -f "$ITL_DATA_DIR/admin.token"
kill -TERM "$ATTESTD_PID"; wait "$ATTESTD_PID" || true
attestd_start
api GET /readyz
expect_error 503 unavailable "readyz without admin token"
grep -q "admin token" <<<"$(jget .detail)" || fail "readyz detail does not name the check"
pass
