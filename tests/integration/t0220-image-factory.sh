#!/usr/bin/env bash
# t0220-image-factory.sh - the Image Factory (API spec §7) against a local
# stand-in of its two endpoints (factory-stub.py): /register returns the
# ISO URL of a schematic whose kernel argument is talos.config=<config_url>
# with the configured extensions; the approval of a USB-registered machine
# returns a fresh ISO URL; with the factory down the machine is still
# stored and the answer is iso_url null with iso_error.
. "$(dirname "$0")/lib.sh"
need_tools python3
FPORT=$(free_port)
export ITL_FACTORY_URL=http://127.0.0.1:$FPORT
export ITL_FACTORY_EXTENSIONS=siderolabs/itl-tpm-register,siderolabs/iscsi-tools
stack_start
python3 "$top_srcdir/tests/integration/factory-stub.py" "$FPORT" "$T/factory.log" &
FPID=$!
_pids+=("$FPID")
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$FPORT/" && break; sleep 0.1; done

body=$(soft_ek_json)
api POST /api/v1/register "$body"
expect_status 200 register
id=$(jget .machine_id)
url=$(jget .config_url)
iso=$(jget .iso_url)
sid=$(jq -r .id "$T/factory.log" | tail -1)
expect_eq "$iso" "$ITL_FACTORY_URL/image/$sid/v1.13.9/metal-amd64.iso" "iso_url"
expect_json .iso_error null
schematic=$(jq -r .body "$T/factory.log" | tail -n +1)
grep -q -- "- talos.config=$url" <<<"$schematic" || fail "kernel argument missing: $schematic"
grep -q -- '- siderolabs/iscsi-tools' <<<"$schematic" || fail "extension missing"
expect_eq "$(jq -r .content_type "$T/factory.log")" application/yaml "schematic content type"
raw_curl "$iso"
expect_status 200 "the ISO is served by the factory"

# approval of a USB machine: a fresh boot token, a fresh ISO
op POST "/api/v1/machines/$id/approve" '{"role":"worker-app"}'
expect_status 200 approve
iso2=$(jget .iso_url)
[ "$iso2" != null ] && [ "$iso2" != "$iso" ] || fail "approval did not return a fresh ISO ($iso2)"
expect_eq "$(wc -l <"$T/factory.log")" 2 "schematics posted"

# the factory down: stored anyway, iso_url null with the reason
kill "$FPID"; wait "$FPID" 2>/dev/null || true
body2=$(soft_ek_json)
api POST /api/v1/register "$body2"
expect_status 200 "register with the factory down"
expect_json .iso_url null
[ "$(jget .iso_error)" != null ] || fail "no iso_error"
grep -qF "$(jget .config_token)" <<<"$(jget .iso_error)" && fail "iso_error echoes the boot token"
expect_eq "$(sql "SELECT count(*) FROM machines")" 2 "machine stored"
pass
