#!/usr/bin/env bash
# t0210-config-delivery.sh - Talos config delivery (API spec §3, §5, §8)
# through nginx: a natively bootstrapped cluster and an imported talosctl
# secrets bundle; boot token → pending config (200); approve → attest →
# config token → full MachineConfig (YAML, audited, once per generation) →
# again within the grace → after the grace 410; lock and revoke turn the
# token into the pending config; unknown token 404; MAC lookup pending;
# a cluster that is not set up answers 503 naming what is missing; the
# database holds no plaintext secret; talosconfig is audited.
export ITL_CONFIG_TOKEN_GRACE=3
. "$(dirname "$0")/lib.sh"
stack_start

fetch() {	# TOKEN_OR_QUERY: sets STATUS, BODY and KIND (X-ITL-Config)
	local h=$T/fetch.h
	raw_curl -D "$h" "$BASE/api/v1/config$1"
	KIND=$(tr -d '\r' <"$h" | sed -n 's/^[Xx]-[Ii][Tt][Ll]-[Cc]onfig: //p')
}

body=$(soft_ek_json '{hw_mac: "aa:bb:cc:00:00:01"}')
api POST /api/v1/register "$body"
expect_status 200
id=$(jget .machine_id)
boot=$(jget .config_token)

# boot token: the pending config, 200
fetch "/$boot"
expect_status 200 "boot token"
expect_eq "$KIND" pending "boot token kind"
grep -q 'kind: ExtensionServiceConfig' <<<"$BODY" || fail "pending config is not an ExtensionServiceConfig"
grep -q 'PRIVATE KEY\|secret:' <<<"$BODY" && fail "pending config carries a secret"
fetch "/$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | cut -c1-43)"
expect_error 404 token_not_found "unknown token"
fetch "/short"
expect_error 404 token_not_found "malformed token"
fetch "?mac=aa:bb:cc:00:00:01&uuid=x&serial=y"
expect_status 200 "mac lookup"
expect_eq "$KIND" pending "mac lookup gives only the pending config"

# approved and attested, but no cluster yet: 503 naming the cluster
op POST "/api/v1/machines/$id/approve" '{"role":"worker-infra","hostname":"node-1","assigned_ip":"10.0.0.11/24","gateway":"10.0.0.1"}'
expect_status 200 approve
expect_json .cluster_id default
api POST /api/v1/attest "$body"
expect_json .action apply-config
tok=$(jget .config_token)
fetch "/$tok"
expect_error 503 unavailable "no cluster"

# bootstrap the default cluster natively
op POST /api/v1/clusters/default/bootstrap '{"endpoint":"https://10.0.0.1:6443","cluster_name":"lab"}'
expect_status 200 bootstrap
expect_json .ready true
expect_json .has_secrets true
op POST /api/v1/clusters/default/bootstrap '{"endpoint":"https://10.0.0.1:6443"}'
expect_error 409 invalid_state "second bootstrap"
op GET /api/v1/clusters/default
grep -qi 'PRIVATE KEY\|secret' <<<"$(jq -c 'del(.has_secrets, .secrets_source)' <<<"$BODY")" && fail "cluster view shows a secret"
# secrets are sealed: no PEM and no token text in the database files
if grep -a -q 'PRIVATE KEY' "$DB" "$DB-wal" 2>/dev/null; then fail "plaintext key in the database"; fi

# a HEAD must not spend the first delivery
raw_curl -I "$BASE/api/v1/config/$tok"
expect_status 404 "HEAD of a config token"
fetch "/$tok"
expect_status 200 "full config"
expect_eq "$KIND" full "full config kind"
printf '%s' "$BODY" >"$T/full.yaml"
grep -q 'type: worker' "$T/full.yaml" || fail "worker type"
grep -q 'node-role.itl.io/infra' "$T/full.yaml" || fail "infra taint"
grep -q "itl.io/machine-id" "$T/full.yaml" || fail "machine-id label"
grep -q 'aa:bb:cc:00:00:01' "$T/full.yaml" || fail "MAC selector"
grep -q '10.0.0.11/24' "$T/full.yaml" || fail "static address"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.config_delivered' AND machine_id = '$id'")" 1 "delivery audited"
op GET "/api/v1/machines/$id"
[ "$(jget .config_delivered_at)" != null ] || fail "config_delivered_at not set"
# delivered: the next attest has nothing to apply
api POST /api/v1/attest "$body"
expect_json .action none "after delivery"
# within the grace the same token works again (not audited twice), then 410
fetch "/$tok"
expect_status 200 "within the grace"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.config_delivered'")" 1 "one delivery entry"
sleep 4
fetch "/$tok"
expect_error 410 token_expired "after the grace"

# re-approval: a new generation, a new token; lock makes it the pending config
op POST "/api/v1/machines/$id/approve" '{"role":"worker-app","hostname":"node-1"}'
api POST /api/v1/attest "$body"
expect_json .action apply-config "new generation"
tok2=$(jget .config_token)
op POST "/api/v1/machines/$id/lock" '{"reason":"rma"}'
fetch "/$tok2"
expect_status 200 "locked"
expect_eq "$KIND" pending "locked machine's token"
op POST "/api/v1/machines/$id/unlock" '{}'
fetch "/$tok2"
expect_eq "$KIND" pending "a token superseded by the lock stays pending"
op POST "/api/v1/machines/$id/revoke" '{"wipe":false}'
fetch "/$boot"
expect_eq "$KIND" pending "revoked machine's boot token"

# an imported talosctl bundle renders a control plane config with its keys
b2=$(soft_ek_json '{hw_mac: "aa:bb:cc:00:00:02"}')
id2=$(register_usb "$b2")
op PUT /api/v1/clusters/imported '{"endpoint":"https://cp.lab:6443","talos_version":"v1.12.11"}'
expect_status 200 "cluster settings"
raw_curl -X POST "$BASE/api/v1/clusters/imported/secrets" -H "Authorization: Bearer $ADMIN_TOKEN" \
	-H 'Content-Type: text/plain' --data-binary @"$top_srcdir/tests/data/talos/secrets.yaml"
expect_error 415 unsupported_media_type "secrets as text/plain"
raw_curl -X POST "$BASE/api/v1/clusters/imported/secrets" -H "Authorization: Bearer $ADMIN_TOKEN" \
	-H 'Content-Type: application/yaml' --data-binary 'cluster: {id: x}'
expect_error 422 validation_failed "a broken bundle"
raw_curl -X POST "$BASE/api/v1/clusters/imported/secrets" -H "Authorization: Bearer $ADMIN_TOKEN" \
	-H 'Content-Type: application/yaml' --data-binary @"$top_srcdir/tests/data/talos/secrets.yaml"
expect_status 200 "import"
expect_json .secrets_source import
op POST "/api/v1/machines/$id2/approve" '{"role":"controlplane","hostname":"cp-1","cluster_id":"imported"}'
api POST /api/v1/attest "$b2"
fetch "/$(jget .config_token)"
expect_status 200 "controlplane config"
grep -q 'type: controlplane' <<<"$BODY" || fail "controlplane type"
# the CA keys in the control plane config parse with OpenSSL and carry
# Talos' PEM types (Ed25519 OS CA, EC Kubernetes/etcd/aggregator, RSA SA)
printf '%s' "$BODY" >"$T/cp.yaml"
/usr/bin/python3 - "$T/cp.yaml" "$T" <<'PY' || fail "control plane keys"
import base64, subprocess, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
v1 = [d for d in docs if d and d.get("version") == "v1alpha1"][0]
keys = {"machine.ca": v1["machine"]["ca"]["key"], "cluster.ca": v1["cluster"]["ca"]["key"],
        "etcd": v1["cluster"]["etcd"]["ca"]["key"], "aggregator": v1["cluster"]["aggregatorCA"]["key"],
        "serviceaccount": v1["cluster"]["serviceAccount"]["key"]}
want = {"machine.ca": "ED25519 PRIVATE KEY", "cluster.ca": "EC PRIVATE KEY", "etcd": "EC PRIVATE KEY",
        "aggregator": "EC PRIVATE KEY", "serviceaccount": "RSA PRIVATE KEY"}
for name, b64 in keys.items():
    pem = base64.b64decode(b64).decode()
    label = pem.splitlines()[0].replace("-----BEGIN ", "").replace("-----", "")
    if label != want[name]:
        sys.exit(f"{name}: {label}")
    der = base64.b64decode("".join(pem.splitlines()[1:-1]))
    fmt = ["-inform", "DER"]
    if subprocess.run(["openssl", "pkey", "-noout"] + fmt, input=der).returncode != 0:
        sys.exit(f"{name}: openssl cannot parse the key")
PY
grep -q 'hostname: cp-1' <<<"$BODY" || fail "hostname (HostnameConfig)"

op GET /api/v1/clusters
expect_json '.items | length' 2
op GET /api/v1/clusters/imported/talosconfig
expect_status 200 talosconfig
grep -q '^context: imported' <<<"$BODY" || grep -q 'context:' <<<"$BODY" || fail "talosconfig layout"
jget_yaml_key=$(sed -n 's/^ *key: //p' <<<"$BODY" | head -1)
base64 -d <<<"$jget_yaml_key" | grep -q 'ED25519 PRIVATE KEY' || fail "talosconfig key type"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'cluster.talosconfig_issued'")" 1 "talosconfig audited"
# the token is a secret: nginx logs the route, never the token
grep -qF "$tok" "$T/nginx/access.log" && fail "a config token in nginx's access log"
grep -q '/api/v1/config/{token}' "$T/nginx/access.log" || fail "config fetches not logged as the route"
op GET /api/v1/audit/verify
expect_json .valid true
pass
