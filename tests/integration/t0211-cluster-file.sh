#!/usr/bin/env bash
# t0211-cluster-file.sh - cluster settings from the YAML configuration file
# (ITL_CONFIG): a cluster the file defines is listed before the database
# knows it, bootstraps with the file's endpoint, and the file's settings
# win over the API's; a bad value in the file stops start-up.
. "$(dirname "$0")/lib.sh"
f=$(mktemp /tmp/itl-clusters.XXXXXX.yaml)
cat >"$f" <<'YAML'
clusters:
  edge:
    endpoint: https://edge.lab:6443
    cluster_name: edge
    talos_version: v1.12.11
    install_disk: /dev/nvme0n1
YAML
export ITL_CONFIG=$f
stack_start
cp "$f" "$T/clusters.yaml"; rm -f "$f"

op GET /api/v1/clusters
expect_json '[.items[].cluster_id] | join(",")' edge "file cluster listed"
expect_json '.items[0].endpoint' https://edge.lab:6443
expect_json '.items[0].has_secrets' false
op POST /api/v1/clusters/edge/bootstrap '{}'
expect_status 200 "bootstrap with the file's endpoint"
expect_json .endpoint https://edge.lab:6443
expect_json .talos_version v1.12.11
expect_json .ready true
# the file wins over the API
op PUT /api/v1/clusters/edge '{"install_disk":"/dev/sdb","actor":"mallory","note":"x"}'
expect_json .install_disk /dev/nvme0n1 "file setting kept"
# the audit entry holds the applied settings, never the raw body
d=$(sql "SELECT actor || ' ' || detail FROM audit_log WHERE action = 'cluster.updated'")
grep -q '^SYSTEM ' <<<"$d" || fail "audit actor: $d"
grep -q 'mallory\|note' <<<"$d" && fail "raw body in the audit entry: $d"

printf 'clusters:\n  edge:\n    endpoint: http://insecure\n' >"$T/bad.yaml"
if out=$(ITL_CONFIG=$T/bad.yaml "$MAINT" check-config 2>&1); then fail "bad cluster accepted"; fi
grep -q 'clusters.edge.endpoint' <<<"$out" || fail "message does not name the setting: $out"
pass
