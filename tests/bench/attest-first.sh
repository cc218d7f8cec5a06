#!/usr/bin/env bash
# tests/bench/attest-first.sh - a first figure for POST /api/v1/attest (EK
# path, state-changing: an attested machine whose config is not delivered
# gets a fresh config token each time: one write transaction per request)
# beside nginx serving a static file over the same TLS setup, in one run.
# Not part of tests/run. Needs wrk. Usage: tests/bench/attest-first.sh [SECONDS] [CONNS]
set -euo pipefail
DUR=${1:-10} CONNS=${2:-32}
export top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
export top_builddir=${top_builddir:-$top_srcdir/build}
# shellcheck source=../integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
need_tools wrk
stack_start

# a second nginx server block on another port: a static file, same TLS
SPORT=$(free_port)
mkdir -p "$T/www" && printf 'hello, static\n' >"$T/www/static.txt" && chmod -R a+rX "$T/www"
sed -i "s|^    server {|    server {\n        listen 127.0.0.1:$SPORT ssl;\n        location = /static.txt { root $T/www; }\n        ssl_certificate $T/tls/server.crt;\n        ssl_certificate_key $T/tls/server.key;\n    }\n    server {|" "$T/nginx/nginx.conf"
kill -HUP "$(cat "$T/nginx/nginx.pid")"; sleep 1

# one approved machine, attested once
body=$(soft_ek_json)
id=$(register_usb "$body")
op POST "/api/v1/machines/$id/approve" '{"role":"worker-app","hostname":"bench-1"}'
expect_status 200
api POST /api/v1/attest "$body"
expect_json .action apply-config
cat >"$T/attest.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$body]]
LUA

run() {	# NAME URL [LUA]
	local out
	out=$(wrk -t2 -c"$CONNS" -d"${DUR}s" --latency ${3:+-s "$3"} "$2" 2>&1)
	printf '%-14s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$1" \
		"$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
		"$(awk '$1 == "50%" {print $2}' <<<"$out")" \
		"$(awk '$1 == "99%" {print $2}' <<<"$out")" \
		"$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)"
}
echo "wrk -t2 -c$CONNS -d${DUR}s, ITL_WORKERS=$ITL_WORKERS, $(nproc) cores"
run static "https://127.0.0.1:$SPORT/static.txt"
run healthz "$BASE/healthz"
run attest "$BASE/api/v1/attest" "$T/attest.lua"
echo "config tokens issued: $(sql 'SELECT count(*) FROM config_tokens')"
pass
