#!/bin/sh
# gen-talos-render.sh - make the committed test PKI in tests/data/talos/ that
# tests/unit/test_talos_render.c and tests/unit/talos_render_tool.c fill a
# struct talos_secrets with. Same key types as `talosctl gen secrets` (and
# talos/secrets.h): an Ed25519 OS CA labelled "ED25519 PRIVATE KEY" (PKCS#8
# inside), P-256 Kubernetes, aggregator and etcd CAs as "EC PRIVATE KEY"
# (SEC1), an RSA-4096 service account key as "RSA PRIVATE KEY" (PKCS#1), and
# a P-256 service CA certificate for the pending config. Self-signed CAs,
# valid 10 years. The outputs are committed; rerun only to refresh them (every
# run makes new keys).
#
# Needs: openssl (3.x), sed.
# Usage: tests/data/gen-talos-render.sh
#
# tests/data/talos/ (all PEM):
#   render-os-ca.pem render-os-key.pem                  OS (Talos API) CA, Ed25519
#   render-k8s-ca.pem render-k8s-key.pem                Kubernetes CA, P-256
#   render-aggregator-ca.pem render-aggregator-key.pem  front-proxy CA, P-256
#   render-etcd-ca.pem render-etcd-key.pem              etcd CA, P-256
#   render-sa-key.pem                                   service account key, RSA-4096
#   render-service-ca.pem                               the service's CA (certificate only)
set -eu

out=$(cd "$(dirname "$0")" && pwd)/talos
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# ca NAME SUBJECT KEYFILE: a self-signed CA certificate for KEYFILE
ca() {
	openssl req -x509 -new -key "$3" -subj "$2" -days 3650 \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,digitalSignature,keyCertSign \
	    -addext extendedKeyUsage=serverAuth,clientAuth \
	    -out "$out/render-$1-ca.pem"
}

# ec NAME SUBJECT: P-256 key in SEC1 ("EC PRIVATE KEY") and its CA
ec() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/$1.key"
	ca "$1" "$2" "$tmp/$1.key"
	cp "$tmp/$1.key" "$out/render-$1-key.pem"
}

openssl genpkey -algorithm ed25519 -out "$tmp/os.key"
ca os "/O=talos" "$tmp/os.key"
sed 's/ PRIVATE KEY-----$/ ED25519 PRIVATE KEY-----/' "$tmp/os.key" \
    >"$out/render-os-key.pem"

ec k8s "/O=kubernetes"
ec aggregator "/CN=front-proxy"
ec etcd "/O=etcd/OU=etcd"
ec service "/CN=itl-attestation test service CA"
rm -f "$out/render-service-key.pem"

openssl genrsa -traditional -out "$out/render-sa-key.pem" 4096
