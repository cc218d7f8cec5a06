#!/usr/bin/env bash
# gen-talos-secrets.sh - make the committed Talos secrets bundles in
# tests/data/talos/ with the openssl CLI only (no talosctl). The layout is
# talosctl's public secrets.yaml format (`talosctl gen secrets`, Talos
# pkg/machinery/config/generate/secrets): top keys cluster{id, secret},
# secrets{bootstraptoken, secretboxencryptionsecret}, trustdinfo{token},
# certs{etcd, k8s, k8saggregator: {crt, key}, k8sserviceaccount{key},
# os{crt, key}}, every crt/key the base64 of its PEM text. The CAs are shaped
# like Talos' own (O=talos, O=etcd, O=kubernetes, CN=front-proxy; CA:TRUE,
# keyCertSign, serverAuth/clientAuth, 10 years). The outputs are committed;
# rerun this only to refresh them (every run makes new keys).
#
# Needs: openssl (3.x), base64, sed, grep.
# Usage: tests/data/gen-talos-secrets.sh
#
# tests/data/talos/:
#   secrets.yaml          the current talosctl layout (4-space indent): OS CA
#                         Ed25519 with Talos' PEM label "ED25519 PRIVATE KEY",
#                         etcd/k8s/aggregator CAs EC P-256 as SEC1 "EC PRIVATE
#                         KEY", service account RSA-4096 as PKCS#1 "RSA PRIVATE
#                         KEY", tokens [a-z0-9]{6}.[a-z0-9]{16}, b64(32) secrets
#   secrets-legacy.yaml   what older talosctl versions wrote, 2-space indent:
#                         cluster.id in base64url (talosctl < 1.14),
#                         secrets.aescbcencryptionsecret instead of the
#                         secretbox secret (Talos <= 1.2), certs.admin (an
#                         Ed25519 os:admin client certificate), a kubeadm-style
#                         RSA-2048 k8s CA (--from-kubernetes-pki), an EC P-256
#                         service account key (Talos <= 1.6), and the OS CA key
#                         labelled "PRIVATE KEY"
#   secrets-nonca.crt     a self-signed EC P-256 certificate with CA:FALSE
#   secrets-nonca.key     its key (SEC1), for the "crt is not a CA" rejection
#   secrets-values.txt    the scalar values of secrets.yaml, one "path value"
#                         a line, which the unit test compares against
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/tests/data/talos"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

b64() {	# one line of base64 of a file
	base64 -w0 <"$1"
}

rand32() {	# base64 of 32 random bytes
	openssl rand 32 | base64 -w0
}

token() {	# [a-z0-9]{6}.[a-z0-9]{16}, uniform (tr drops the other bytes)
	local a b
	a=$(openssl rand 512 | LC_ALL=C tr -dc 'a-z0-9' | head -c 6)
	b=$(openssl rand 512 | LC_ALL=C tr -dc 'a-z0-9' | head -c 16)
	printf '%s.%s' "$a" "$b"
}

# ca NAME SUBJECT KEYFILE: a self-signed CA certificate NAME.crt for the key
ca() {
	openssl req -x509 -new -key "$3" -subj "$2" -days 3650 \
	    -set_serial "0x$(openssl rand -hex 16 | sed 's/^./4/')" \
	    -addext 'basicConstraints=critical,CA:TRUE' \
	    -addext 'keyUsage=critical,digitalSignature,keyCertSign' \
	    -addext 'extendedKeyUsage=serverAuth,clientAuth' \
	    -addext 'subjectKeyIdentifier=hash' \
	    -out "$tmp/$1.crt"
}

ec_key() {	# SEC1 "EC PRIVATE KEY", P-256
	openssl ecparam -name prime256v1 -genkey -noout -out "$1"
}

ed_key() {	# Talos' form: PKCS#8 under the label "ED25519 PRIVATE KEY"
	openssl genpkey -algorithm ED25519 -out "$1.p8"
	sed 's/PRIVATE KEY-----$/ED25519 PRIVATE KEY-----/' "$1.p8" >"$1"
}

# ---- secrets.yaml ----
ed_key "$tmp/os.key"
ec_key "$tmp/etcd.key"
ec_key "$tmp/k8s.key"
ec_key "$tmp/agg.key"
openssl genrsa -traditional -out "$tmp/sa.key" 4096
ca os /O=talos "$tmp/os.key.p8"
ca etcd /O=etcd "$tmp/etcd.key"
ca k8s /O=kubernetes "$tmp/k8s.key"
ca agg /CN=front-proxy "$tmp/agg.key"

id=$(rand32)
secret=$(rand32)
bootstrap=$(token)
secretbox=$(rand32)
trustd=$(token)

cat >"$out/secrets.yaml" <<EOF
cluster:
    id: $id
    secret: $secret
secrets:
    bootstraptoken: $bootstrap
    secretboxencryptionsecret: $secretbox
trustdinfo:
    token: $trustd
certs:
    etcd:
        crt: $(b64 "$tmp/etcd.crt")
        key: $(b64 "$tmp/etcd.key")
    k8s:
        crt: $(b64 "$tmp/k8s.crt")
        key: $(b64 "$tmp/k8s.key")
    k8saggregator:
        crt: $(b64 "$tmp/agg.crt")
        key: $(b64 "$tmp/agg.key")
    k8sserviceaccount:
        key: $(b64 "$tmp/sa.key")
    os:
        crt: $(b64 "$tmp/os.crt")
        key: $(b64 "$tmp/os.key")
EOF
cat >"$out/secrets-values.txt" <<EOF
cluster.id $id
cluster.secret $secret
secrets.bootstraptoken $bootstrap
secrets.secretboxencryptionsecret $secretbox
trustdinfo.token $trustd
EOF

# ---- secrets-legacy.yaml ----
ed_key "$tmp/los.key"
ec_key "$tmp/letcd.key"
openssl genrsa -traditional -out "$tmp/lk8s.key" 2048
ec_key "$tmp/lagg.key"
ec_key "$tmp/lsa.key"
ca los /O=talos "$tmp/los.key.p8"
ca letcd /O=etcd "$tmp/letcd.key"
ca lk8s /CN=kubernetes "$tmp/lk8s.key"
ca lagg /CN=front-proxy "$tmp/lagg.key"
openssl genpkey -algorithm ED25519 -out "$tmp/admin.key.p8"
sed 's/PRIVATE KEY-----$/ED25519 PRIVATE KEY-----/' "$tmp/admin.key.p8" \
    >"$tmp/admin.key"
openssl req -new -key "$tmp/admin.key.p8" -subj /O=os:admin \
    -out "$tmp/admin.csr"
printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=clientAuth' \
    >"$tmp/admin.ext"
openssl x509 -req -in "$tmp/admin.csr" -CA "$tmp/los.crt" \
    -CAkey "$tmp/los.key.p8" -set_serial 0x4a11 -days 365 \
    -extfile "$tmp/admin.ext" -out "$tmp/admin.crt"
# base64url with padding, as talosctl < 1.14 wrote it: make sure it shows
lid=$(openssl rand 32 | base64 -w0 | tr '+/' '-_')
while ! printf '%s' "$lid" | grep -q '[-_]'; do
	lid=$(openssl rand 32 | base64 -w0 | tr '+/' '-_')
done

cat >"$out/secrets-legacy.yaml" <<EOF
# written by hand in the layout of an older talosctl gen secrets
cluster:
  id: $lid
  secret: "$(rand32)"
secrets:
  bootstraptoken: '$(token)'
  aescbcencryptionsecret: $(rand32)
trustdinfo:
  token: $(token)
certs:
  admin:
    crt: $(b64 "$tmp/admin.crt")
    key: $(b64 "$tmp/admin.key")
  etcd:
    crt: $(b64 "$tmp/letcd.crt")
    key: $(b64 "$tmp/letcd.key")
  k8s:
    crt: $(b64 "$tmp/lk8s.crt")
    key: $(b64 "$tmp/lk8s.key")
  k8saggregator:
    crt: $(b64 "$tmp/lagg.crt")
    key: $(b64 "$tmp/lagg.key")
  k8sserviceaccount:
    key: $(b64 "$tmp/lsa.key")
  os:
    crt: $(b64 "$tmp/los.crt")
    key: $(b64 "$tmp/los.key.p8")
EOF

# ---- a certificate that is not a CA ----
ec_key "$out/secrets-nonca.key"
openssl req -x509 -new -key "$out/secrets-nonca.key" -subj /O=kubernetes \
    -days 3650 -addext 'basicConstraints=critical,CA:FALSE' \
    -addext 'keyUsage=critical,digitalSignature' \
    -out "$out/secrets-nonca.crt"

# ---- check what we wrote with openssl itself ----
for k in etcd k8s agg letcd lagg lsa; do
	head -1 "$tmp/$k.key" | grep -qx -- '-----BEGIN EC PRIVATE KEY-----'
	openssl pkey -in "$tmp/$k.key" -noout
done
for k in sa lk8s; do
	head -1 "$tmp/$k.key" | grep -qx -- '-----BEGIN RSA PRIVATE KEY-----'
	openssl pkey -in "$tmp/$k.key" -noout
done
for k in os los admin; do
	head -1 "$tmp/$k.key" |
	    grep -qx -- '-----BEGIN ED25519 PRIVATE KEY-----'
	openssl pkey -in "$tmp/$k.key.p8" -noout -text | grep -q '^ED25519'
done
for c in os etcd k8s agg los letcd lk8s lagg; do
	openssl verify -x509_strict -CAfile "$tmp/$c.crt" "$tmp/$c.crt" \
	    >/dev/null
done
openssl verify -CAfile "$tmp/los.crt" "$tmp/admin.crt" >/dev/null
echo "wrote $out: secrets.yaml secrets-legacy.yaml secrets-nonca.crt" \
    "secrets-nonca.key secrets-values.txt"
