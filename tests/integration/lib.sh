# lib.sh - sourced by every tests/integration/tNNNN-*.sh. Each test gets its
# own directory $T, a random loopback port, its own data directory and
# database, the real itl-attestd (2 workers) behind the real nginx rendered
# from nginx/itl.conf.in, and swtpm fixtures on demand. `trap teardown EXIT`
# stops exactly the processes it started.
#
# Helpers set STATUS (HTTP code) and BODY (response text):
#   api METHOD PATH [JSON]        machine-facing call (no credentials)
#   op METHOD PATH [JSON]         operator call with the admin token
#   op_as CERTNAME METHOD PATH [JSON]  operator call with a client certificate
#   raw_curl ARGS...              anything else, same STATUS/BODY
# Assertions: expect_status, expect_error, expect_json, expect_eq, fail.
# Exit codes: 0 pass, 1 fail, 77 skip (nginx/swtpm missing), 99 if CI=true and skipped.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
# shellcheck source=../../deploy/local/common.sh
. "$top_srcdir/deploy/local/common.sh"

TEST_NAME=$(basename "$0" .sh)
FIXTURE=$top_srcdir/tests/integration/swtpm-fixture.sh
ATTESTD=$top_builddir/fcgi-app/itl-attestd
MAINT=$top_builddir/fcgi-app/itl-maint
STATUS="" BODY=""
_pids=() _tpms=()

skip_or_fail() {
	echo "SKIP: $*" >&2
	if [ "${CI:-}" = true ]; then exit 99; fi
	exit 77
}

fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	[ -n "$BODY" ] && echo "  last response ($STATUS): ${BODY:0:400}" >&2
	exit 1
}

note() { echo "# $*" >&2; }

need_tools() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_or_fail "missing $c"
	done
}

free_port() {
	local p
	while :; do
		# below the kernel's ephemeral range (32768-60999): outgoing
		# connections of a busy test never hold it
		p=$(( RANDOM % 12000 + 20000 ))
		[ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] && { echo "$p"; return; }
	done
}

teardown() {
	local rc=$? p d
	set +e
	if [ -f "$T/nginx/nginx.pid" ]; then
		kill -QUIT "$(cat "$T/nginx/nginx.pid")" 2>/dev/null
	fi
	for p in "${_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	for d in "${_tpms[@]}"; do "$FIXTURE" stop "$d" >/dev/null 2>&1; done
	# a sanitizer report in a worker fails the test even if the client coped
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
		"$T/attestd.log" 2>/dev/null; then
		echo "FAIL [$TEST_NAME]: sanitizer report in itl-attestd log" >&2
		[ $rc -eq 0 ] && rc=1
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- itl-attestd log (tail) ---" >&2
		tail -n 60 "$T/attestd.log" >&2 2>/dev/null
		echo "--- nginx error log (tail) ---" >&2
		tail -n 10 "$T/nginx/error.log" >&2 2>/dev/null
	fi
	if [ "${KEEP_T:-}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
	exit $rc
}

# Start the stack. Extra ITL_* settings come from the caller's environment.
stack_start() {
	need_tools nginx curl jq sqlite3 openssl
	[ -x "$ATTESTD" ] || fail "build first: $ATTESTD missing"
	T=$(mktemp -d "/tmp/itl-$TEST_NAME.XXXXXX")
	chmod 755 "$T"	# nginx workers (www-data when root) reach the socket
	trap teardown EXIT
	PORT=$(free_port)
	export ITL_DATA_DIR=$T/data ITL_SOCKET=$T/run/itl.sock
	export ITL_WORKERS=${ITL_WORKERS:-2}
	# nginx's workers run as www-data when the tests run as root
	[ "$(id -u)" = 0 ] && export ITL_SOCKET_GROUP=www-data
	export ITL_SERVICE_URL=https://127.0.0.1:$PORT
	mkdir -p "$T/run" && chmod 755 "$T/run"
	"$MAINT" init >"$T/init.log"
	ADMIN_TOKEN=$(cat "$ITL_DATA_DIR/admin.token")
	DB=$ITL_DATA_DIR/db/attest.db
	itl_make_tls "$T/tls"
	itl_render_nginx "$T/nginx" "$PORT" "$ITL_SOCKET" "$T/tls"
	attestd_start
	nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" \
		|| fail "nginx did not start"
	BASE=https://127.0.0.1:$PORT
	wait_ready
}

attestd_start() {
	"$ATTESTD" >>"$T/attestd.log" 2>&1 &
	ATTESTD_PID=$!
	_pids+=("$ATTESTD_PID")
	for _ in $(seq 100); do [ -S "$ITL_SOCKET" ] && return 0; sleep 0.05; done
	fail "itl-attestd did not bind $ITL_SOCKET"
}

wait_ready() {
	for _ in $(seq 100); do
		if curl -s --cacert "$T/tls/server.crt" -o /dev/null -w '%{http_code}' \
			"$BASE/readyz" 2>/dev/null | grep -q 200; then return 0; fi
		sleep 0.05
	done
	fail "stack not ready"
}

# Worker PIDs of the supervisor.
worker_pids() { pgrep -P "$ATTESTD_PID" | sort; }

raw_curl() {
	local out
	out=$(curl -sS --cacert "$T/tls/server.crt" -w '\n%{http_code}' "$@") || true
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

api() {
	local m=$1 p=$2
	if [ $# -ge 3 ]; then
		raw_curl -X "$m" "$BASE$p" -H 'Content-Type: application/json' --data-binary "$3"
	else
		raw_curl -X "$m" "$BASE$p"
	fi
}

op() {
	local m=$1 p=$2
	if [ $# -ge 3 ]; then
		raw_curl -X "$m" "$BASE$p" -H "Authorization: Bearer $ADMIN_TOKEN" \
			-H 'Content-Type: application/json' --data-binary "$3"
	else
		raw_curl -X "$m" "$BASE$p" -H "Authorization: Bearer $ADMIN_TOKEN"
	fi
}

# Client certificates of the operator CA: make_operator NAME operator|viewer
make_operator() { itl_client_cert "$T/tls" "$1" "$2"; }

op_as() {
	local who=$1 m=$2 p=$3
	local cert=(--cert "$T/tls/$who.crt" --key "$T/tls/$who.key")
	if [ $# -ge 4 ]; then
		raw_curl "${cert[@]}" -X "$m" "$BASE$p" -H 'Content-Type: application/json' --data-binary "$4"
	else
		raw_curl "${cert[@]}" -X "$m" "$BASE$p"
	fi
}

expect_status() {
	[ "$STATUS" = "$1" ] || fail "${2:-request}: expected HTTP $1, got $STATUS"
}

# expect_error HTTP CODE [what]
expect_error() {
	expect_status "$1" "${3:-request}"
	local got
	got=$(jq -r '.error // empty' <<<"$BODY" 2>/dev/null || true)
	[ "$got" = "$2" ] || fail "${3:-request}: expected error $2, got '${got}'"
}

# expect_json JQ_FILTER EXPECTED [what]
expect_json() {
	local got
	got=$(jq -r "$1" <<<"$BODY" 2>/dev/null) || fail "${3:-response} is not json"
	[ "$got" = "$2" ] || fail "${3:-response}: $1 = '$got', expected '$2'"
}

expect_eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; }

jget() { jq -r "$1" <<<"$BODY"; }

sql() { sqlite3 -batch -noheader "$DB" "$1"; }

# A digest of every table a request could change (counters excluded: the
# readiness probe counts there).
db_digest() {
	sqlite3 -batch "$DB" \
		"SELECT * FROM machines ORDER BY seq; SELECT * FROM nonces ORDER BY id;
		 SELECT * FROM config_tokens ORDER BY token_sha256;
		 SELECT * FROM approval_votes ORDER BY id; SELECT * FROM audit_log ORDER BY id;" |
		sha256sum | cut -c1-64
}

# ---- TPMs ----

# tpm_start NAME: a fresh swtpm with RSA and ECC EK certificates (read from
# NV with tpm2-tools by the fixture). Sets TPM_DIR.
tpm_start() {
	need_tools swtpm swtpm_setup tpm2_nvread tpm2_createek xxd
	TPM_DIR=$T/tpm-$1
	mkdir -p "$TPM_DIR"
	FIXTURE_CA_DIR=$T/tpm-ca FIXTURE_NO_CHECK=1 "$FIXTURE" start "$TPM_DIR" >/dev/null \
		|| fail "swtpm fixture $1 did not start"
	_tpms+=("$TPM_DIR")
}

spki_sha256_of_cert() {
	openssl x509 -inform der -in "$1" -pubkey -noout |
		openssl pkey -pubin -outform der | sha256sum | cut -c1-64
}

spki_sha256_of_pem() { openssl pkey -pubin -in "$1" -outform der | sha256sum | cut -c1-64; }

# ek_json DIR KIND [extra json fields]: the §1 body for a TPM's EK.
#   KIND: cert (RSA cert DER), cert-pem, ecc-cert (P-384 cert), pub (TPM2B_PUBLIC),
#         pub-pem (SPKI PEM)
ek_json() {
	local d=$1 kind=$2 extra=${3:-} file src fp
	case $kind in
	cert) file=$d/ek-cert.der src=cert fp=$(spki_sha256_of_cert "$d/ek-cert.der") ;;
	cert-pem) file=$d/ek-cert.pem src=cert fp=$(spki_sha256_of_cert "$d/ek-cert.der") ;;
	ecc-cert) file=$d/ek-ecc-cert.der src=cert fp=$(spki_sha256_of_cert "$d/ek-ecc-cert.der") ;;
	pub) file=$d/ek.pub src=pub fp=$(spki_sha256_of_pem "$d/ek-pub.pem") ;;
	pub-pem) file=$d/ek-pub.pem src=pub fp=$(spki_sha256_of_pem "$d/ek-pub.pem") ;;
	*) fail "ek_json: unknown kind $kind" ;;
	esac
	jq -cn --arg m "$(base64 -w0 "$file")" --arg s "$src" --arg f "$fp" \
		"{ek_cert_pem: \$m, ek_source: \$s, ek_fingerprint: \$f} ${extra:+ + $extra}"
}

# A machine with an EK that is not a TPM's (openssl P-256 key, pub source):
# for bulk tests where a real TPM per machine would be slow. Prints the body.
soft_ek_json() {
	local key=$T/soft-$RANDOM$RANDOM.pem
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null
	openssl pkey -in "$key" -pubout -out "$key.pub" 2>/dev/null
	jq -cn --arg m "$(base64 -w0 "$key.pub")" --arg f "$(spki_sha256_of_pem "$key.pub")" \
		"{ek_cert_pem: \$m, ek_source: \"pub\", ek_fingerprint: \$f} ${1:+ + $1}"
}

# Register via USB and print the machine id.
register_usb() {
	api POST /api/v1/register "$1"
	expect_status 200 "register"
	jget .machine_id
}

pass() { echo "PASS [$TEST_NAME]"; exit 0; }
