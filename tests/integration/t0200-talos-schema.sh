#!/bin/sh
# t0200-talos-schema.sh - every Talos config the renderer makes (API spec §8)
# validates against its version's JSON schema: each role (controlplane,
# worker-infra, worker-app) × addressing (static IPv4, static IPv6, DHCP) ×
# Talos version (v1.12, v1.13), plus the pending config with and without the
# service CA against both schemas. Worker configs must also hold no CA
# private key: neither the base64 of a key file nor "PRIVATE KEY" in any
# value once base64-decoded; the control-plane config must hold them (so the
# search is known to work).
#
# Needs: $top_builddir/tests/unit/talos_render_tool (check_PROGRAM), and
# /usr/bin/python3 with Debian's python3-jsonschema and python3-yaml. Without
# them: exit 77 (skip), or 99 when CI=true. Uses no network, nginx or swtpm.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
TOOL=$top_builddir/tests/unit/talos_render_tool
DATA=$top_srcdir/tests/data/talos
PY=/usr/bin/python3

skip_or_fail() {
	echo "SKIP: $*" >&2
	if [ "${CI:-}" = true ]; then exit 99; fi
	exit 77
}

fail() {
	echo "FAIL [t0200-talos-schema]: $*" >&2
	exit 1
}

[ -x "$TOOL" ] || skip_or_fail "$TOOL is not built"
[ -x "$PY" ] || skip_or_fail "$PY is missing"
"$PY" -c 'import jsonschema, yaml' 2>/dev/null ||
    skip_or_fail "python3-jsonschema or python3-yaml is missing"
for v in v1.12 v1.13; do
	[ -r "$DATA/config.schema.$v.json" ] || fail "missing $DATA/config.schema.$v.json"
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# b64 FILE: the base64 of FILE on one line, as Talos carries PEM text
b64() { base64 -w0 <"$1"; }

# private_key_in FILE: does any value, raw or base64-decoded, hold a private key?
private_key_in() {
	"$PY" - "$1" <<'EOF'
import base64, binascii, sys, yaml

def values(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from values(k)
            yield from values(v)
    elif isinstance(node, list):
        for v in node:
            yield from values(v)
    elif isinstance(node, str):
        yield node

found = False
with open(sys.argv[1], encoding="utf-8") as f:
    for doc in yaml.safe_load_all(f):
        for v in values(doc):
            if "PRIVATE KEY" in v:
                found = True
            try:
                if b"PRIVATE KEY" in base64.b64decode(v, validate=True):
                    found = True
            except (binascii.Error, ValueError):
                pass
sys.exit(0 if found else 1)
EOF
}

n=0
for role in controlplane worker-infra worker-app; do
	for v in v1.12 v1.13; do
		for addr in static static6 dhcp; do
			out=$T/$role-$v-$addr.yaml
			"$TOOL" "$DATA" "$role" "$v" "$addr" >"$out" ||
			    fail "render $role $v $addr"
			"$PY" "$DATA/validate.py" "$DATA/config.schema.$v.json" "$out" ||
			    fail "$role $v $addr does not validate against the $v schema"
			n=$((n + 1))
			case $role in
			controlplane)
				private_key_in "$out" ||
				    fail "$role $v $addr: the key search finds nothing"
				grep -qF "$(b64 "$DATA/render-etcd-key.pem")" "$out" ||
				    fail "$role $v $addr: no etcd ca key"
				;;
			*)
				for k in os k8s aggregator etcd sa; do
					if grep -qF "$(b64 "$DATA/render-$k-key.pem")" "$out"; then
						fail "$role $v $addr carries the $k key"
					fi
				done
				if private_key_in "$out"; then
					fail "$role $v $addr carries a private key"
				fi
				;;
			esac
		done
	done
done

for ca in ca noca; do
	out=$T/pending-$ca.yaml
	"$TOOL" "$DATA" pending "$ca" >"$out" || fail "render pending $ca"
	for v in v1.12 v1.13; do
		"$PY" "$DATA/validate.py" "$DATA/config.schema.$v.json" "$out" ||
		    fail "pending $ca does not validate against the $v schema"
		n=$((n + 1))
	done
	if private_key_in "$out"; then fail "pending $ca carries a private key"; fi
	[ "$(grep -c '^kind:' "$out")" -eq 1 ] || fail "pending $ca is not one document"
	grep -q '^kind: ExtensionServiceConfig$' "$out" || fail "pending $ca kind"
done

# the validator itself rejects what Talos would: the v1.12 legacy network keys
cat >"$T/legacy.yaml" <<'EOF'
version: v1alpha1
machine:
  type: worker
  network:
    hostname: node-1
EOF
if "$PY" "$DATA/validate.py" "$DATA/config.schema.v1.12.json" "$T/legacy.yaml" >/dev/null; then
	fail "validate.py accepts machine.network.hostname"
fi

echo "# $n renderings validated"
exit 0
