#!/usr/bin/env bash
# t0400-deploy.sh - the production files in deploy/ are valid as written:
# the systemd units pass `systemd-analyze verify` (with ExecStart pointed
# at this build's binaries, since nothing is installed here), and the
# production nginx site passes `nginx -t` inside a minimal http block
# (its paths pointed at test files).
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
skip() { echo "SKIP: $*" >&2; [ "${CI:-}" = true ] && exit 99; exit 77; }
command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
command -v nginx >/dev/null || skip "no nginx"
T=$(mktemp -d /tmp/itl-t0400.XXXXXX)
trap 'rm -rf "$T"' EXIT

cp "$top_srcdir"/deploy/systemd/*.service "$top_srcdir"/deploy/systemd/*.timer "$T/"
sed -i "s|/usr/bin/itl-|$top_builddir/fcgi-app/itl-|" "$T"/*.service
(cd "$T" && systemd-analyze verify ./itl-attestd.service ./itl-maint.service ./itl-maint.timer) \
	|| { echo "FAIL: systemd-analyze verify" >&2; exit 1; }
grep -q '^ProtectSystem=strict' "$T/itl-attestd.service" || { echo "FAIL: not sandboxed" >&2; exit 1; }

# nginx -t of the production site, its files replaced by test ones
. "$top_srcdir/deploy/local/common.sh"
itl_make_tls "$T/tls"
mkdir -p "$T/nginx/tmp"
cp "$top_srcdir/nginx/fastcgi_params.conf" "$T/fastcgi_params.conf"
sed -e "s|/etc/itl/tls/|$T/tls/|g" -e "s|/etc/itl/fastcgi_params.conf|$T/fastcgi_params.conf|g" \
	-e "s|/run/itl-attest/itl-attestd.sock|$T/itl.sock|" -e "s|listen 443 ssl;|listen 127.0.0.1:44300 ssl;|" \
	-e "s|/var/log/nginx/itl-attestation.access.log|$T/access.log|" \
	-e "/listen \[::\]:443 ssl;/d" "$top_srcdir/deploy/nginx-site.conf" >"$T/site.conf"
cat >"$T/nginx/nginx.conf" <<CONF
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
    client_body_temp_path $T/nginx/tmp/cb; proxy_temp_path $T/nginx/tmp/p;
    fastcgi_temp_path $T/nginx/tmp/f; uwsgi_temp_path $T/nginx/tmp/u; scgi_temp_path $T/nginx/tmp/s;
    access_log off;
    include $T/site.conf;
}
CONF
nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" \
	|| { echo "FAIL: nginx -t of deploy/nginx-site.conf" >&2; exit 1; }
echo "PASS [t0400-deploy]"
