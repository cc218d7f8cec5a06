#!/usr/bin/env bash
# t0080-concurrency.sh - the service under concurrent load through nginx and
# the 2 workers:
#  (a) 200 registrations (distinct EKs) from 16 parallel clients: every one
#      200, exactly 200 machines and 200 machine.registered audit rows, and
#      the hash-chained audit log verifies;
#  (b) a worker killed with SIGKILL under a registration load (300 requests,
#      8 parallel): nothing acknowledged is lost, failures are only 503
#      `unavailable`, no phantom rows beyond requests that failed, the audit
#      rows match the machines, the worker is replaced, the chain verifies;
#  (c) 20 parallel /attest calls (EK path, no nonce) for one approved
#      machine: all 200, and exactly one current config token at the end.
. "$(dirname "$0")/lib.sh"
stack_start
need_tools xargs sha256sum

# ---- local helpers (candidates for lib.sh) ----

# gen_bodies N DIR: N distinct soft-EK register bodies DIR/00001.json ... made
# by two parallel generators (2 cores), each with its own key directory.
gen_bodies() {
	local n=$1 dir=$2 k gens=()
	mkdir -p "$dir"
	for k in 0 1; do
		(
			T=$dir/keys$k
			mkdir -p "$T"
			for ((i = 1 + k; i <= n; i += 2)); do
				soft_ek_json >"$dir/$(printf '%05d' "$i").json"
			done
		) &
		gens+=($!)
	done
	# never a bare `wait`: itl-attestd is a child of this shell too
	for k in "${gens[@]}"; do wait "$k" || fail "body generator failed"; done
	local got
	got=$(jq -r .ek_fingerprint "$dir"/*.json | sort -u | wc -l)
	expect_eq "$got" "$n" "distinct EK fingerprints generated in $dir"
}

# One request per body file, for xargs: post1.sh URL CACERT OUTDIR BODYFILE
# writes OUTDIR/<name>.code (HTTP code, 000 on a transport error) and .body.
cat >"$T/post1.sh" <<'EOF'
#!/usr/bin/env bash
b=$(basename "$4" .json)
code=$(curl -sS --max-time 30 --cacert "$2" -o "$3/$b.body" -w '%{http_code}' \
	-X POST "$1" -H 'Content-Type: application/json' \
	--data-binary @"$4" 2>"$3/$b.err") || true
echo "${code:-000}" >"$3/$b.code"
EOF

# fire PARALLEL PATH BODYDIR OUTDIR: POST every body file to PATH.
fire() {
	local par=$1 path=$2 bodies=$3 out=$4
	mkdir -p "$out"
	find "$bodies" -maxdepth 1 -name '*.json' -print0 | sort -z |
		xargs -0 -n1 -P"$par" bash "$T/post1.sh" "$BASE$path" \
			"$T/tls/server.crt" "$out"
}

# code_summary OUTDIR: "count code" lines
code_summary() { cat "$1"/*.code | sort | uniq -c | sed 's/^ *//'; }

audit_verify_ok() {
	op GET /api/v1/audit/verify
	expect_status 200 "audit verify ($1)"
	expect_json .valid true "audit verify ($1)"
	expect_json .entries "$(sql 'SELECT count(*) FROM audit_log')" \
		"audit verify entries ($1)"
}

now_ms() { date +%s%3N; }

# busy_worker: a worker serving a request (its current system call is not
# accept(2)/accept4(2), x86_64 numbers; "running" counts as busy), polled for
# up to ~2 s; else any worker. Sets VICTIM and VICTIM_SYSCALL.
busy_worker() {
	local p s i
	VICTIM="" VICTIM_SYSCALL=unknown
	for ((i = 0; i < 400; i++)); do
		for p in $(worker_pids); do
			read -r s _ <"/proc/$p/syscall" 2>/dev/null || continue
			case $s in
			43 | 288 | "") ;;
			*) VICTIM=$p VICTIM_SYSCALL=$s; return 0 ;;
			esac
		done
		sleep 0.005
	done
	VICTIM=$(worker_pids | head -1)
}

# ---- (a) 200 registrations, 16 parallel clients ----
t0=$(now_ms)
gen_bodies 200 "$T/a-bodies"
note "(a) 200 bodies generated in $(( $(now_ms) - t0 )) ms"

t0=$(now_ms)
fire 16 /api/v1/register "$T/a-bodies" "$T/a-out"
ms=$(( $(now_ms) - t0 ))
note "(a) 200 registrations, 16 parallel: ${ms} ms; codes: $(code_summary "$T/a-out" | tr '\n' ' ')"

n_codes=$(find "$T/a-out" -name '*.code' | wc -l)
expect_eq "$n_codes" 200 "(a) responses recorded"
n200=$(grep -lx 200 "$T/a-out"/*.code | wc -l || true)
if [ "$n200" != 200 ]; then
	f=$(grep -Lx 200 "$T/a-out"/*.code | head -1 || true)
	STATUS=$(cat "$f") BODY=$(cat "${f%.code}.body" 2>/dev/null || true)
	fail "(a) only $n200 of 200 registrations answered 200"
fi
jq -r .machine_id "$T/a-out"/*.body | sort >"$T/a-ids"
expect_eq "$(sort -u "$T/a-ids" | grep -c .)" 200 "(a) distinct machine ids acknowledged"
expect_eq "$(jq -r .status "$T/a-out"/*.body | sort -u)" registered "(a) status of new machines"
expect_eq "$(sql 'SELECT count(*) FROM machines')" 200 "(a) machines rows"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.registered'")" 200 \
	"(a) machine.registered audit rows"
sql 'SELECT id FROM machines' | sort >"$T/a-db-ids"
cmp -s "$T/a-ids" "$T/a-db-ids" || fail "(a) acknowledged ids differ from the stored ids"
expect_eq "$(sql "SELECT count(*) FROM machines m WHERE NOT EXISTS (SELECT 1 FROM audit_log a
	WHERE a.machine_id = m.id AND a.action = 'machine.registered')")" 0 \
	"(a) machines without their registration audit entry"
audit_verify_ok "(a)"

# ---- (b) SIGKILL a worker under load ----
gen_bodies 300 "$T/b-bodies"
m_before=$(sql 'SELECT count(*) FROM machines')
r_before=$(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.registered'")
mapfile -t old_workers < <(worker_pids)
expect_eq "${#old_workers[@]}" 2 "(b) workers before the kill"

t0=$(now_ms)
fire 8 /api/v1/register "$T/b-bodies" "$T/b-out" &
load_pid=$!
# kill in the middle: once 60 answers are in (bounded: 30 s)
for _ in $(seq 600); do
	[ "$(find "$T/b-out" -name '*.code' 2>/dev/null | wc -l)" -ge 60 ] && break
	kill -0 "$load_pid" 2>/dev/null || break
	sleep 0.05
done
busy_worker
victim=$VICTIM
[ -n "$victim" ] || fail "(b) no worker to kill"
kill -KILL "$victim"
t_kill=$(now_ms)
done_at_kill=$(find "$T/b-out" -name '*.code' | wc -l)
note "(b) killed worker $victim (in system call: $VICTIM_SYSCALL) after $done_at_kill of 300 answers"
[ "$done_at_kill" -lt 300 ] || fail "(b) the load finished before the kill (test proves nothing)"

# the supervisor replaces it: 2 workers again, one of them new (bounded: 5 s)
replaced=""
for _ in $(seq 100); do
	mapfile -t now_workers < <(worker_pids)
	if [ "${#now_workers[@]}" = 2 ] && ! printf '%s\n' "${now_workers[@]}" | grep -qx "$victim"; then
		for p in "${now_workers[@]}"; do
			printf '%s\n' "${old_workers[@]}" | grep -qx "$p" || replaced=$p
		done
		[ -n "$replaced" ] && break
	fi
	sleep 0.05
done
[ -n "$replaced" ] || fail "(b) worker $victim not replaced within 5 s (workers now: $(worker_pids | tr '\n' ' '))"
note "(b) replaced by worker $replaced after $(( $(now_ms) - t_kill )) ms"

wait "$load_pid" || fail "(b) load generator failed"
ms=$(( $(now_ms) - t0 ))
note "(b) 300 registrations, 8 parallel, one worker killed: ${ms} ms; codes: $(code_summary "$T/b-out" | tr '\n' ' ')"

expect_eq "$(find "$T/b-out" -name '*.code' | wc -l)" 300 "(b) responses recorded"
grep -lx 200 "$T/b-out"/*.code | sed 's/\.code$/.body/' >"$T/b-ok-files" || true
acks=$(grep -c . "$T/b-ok-files" || true)
n503=0
for f in $(grep -Lx 200 "$T/b-out"/*.code || true); do
	STATUS=$(cat "$f") BODY=$(cat "${f%.code}.body" 2>/dev/null || true)
	expect_error 503 unavailable "(b) failed request $(basename "$f" .code)"
	n503=$((n503 + 1))
done
note "(b) acknowledged: $acks, failed with 503 unavailable: $n503"
expect_eq "$((acks + n503))" 300 "(b) answers"
[ "$acks" -gt 0 ] || fail "(b) nothing acknowledged"

# nothing acknowledged is lost
if [ "$acks" -gt 0 ]; then
	xargs jq -r .machine_id <"$T/b-ok-files" | sort >"$T/b-ids"
else
	: >"$T/b-ids"
fi
expect_eq "$(sort -u "$T/b-ids" | grep -c .)" "$acks" "(b) distinct acknowledged machine ids"
sql 'SELECT id FROM machines' | sort >"$T/b-db-ids"
lost=$(comm -23 "$T/b-ids" "$T/b-db-ids" | wc -l)
expect_eq "$lost" 0 "(b) acknowledged machines missing from the database"

# no phantom rows: a request killed after its COMMIT but before its answer
# is stored without an acknowledgement; only a failed request can do that.
m_delta=$(( $(sql 'SELECT count(*) FROM machines') - m_before ))
r_delta=$(( $(sql "SELECT count(*) FROM audit_log WHERE action = 'machine.registered'") - r_before ))
if [ "$m_delta" != "$acks" ]; then
	[ "$m_delta" -gt "$acks" ] && [ $((m_delta - acks)) -le "$n503" ] ||
		fail "(b) $m_delta machines stored for $acks acknowledgements and $n503 failures"
	note "(b) $((m_delta - acks)) registration(s) committed by the killed worker before it could answer (stored, not acknowledged: the client's retry refreshes it)"
fi
expect_eq "$r_delta" "$m_delta" "(b) machine.registered audit rows vs new machines"
expect_eq "$(sql "SELECT count(*) FROM machines m WHERE NOT EXISTS (SELECT 1 FROM audit_log a
	WHERE a.machine_id = m.id AND a.action = 'machine.registered')")" 0 \
	"(b) machines without their registration audit entry"
# the failed requests' EKs: retrying one works (200) and creates no duplicate
for f in $(grep -Lx 200 "$T/b-out"/*.code | head -3 || true); do
	b=$T/b-bodies/$(basename "$f" .code).json
	api POST /api/v1/register "$(cat "$b")"
	expect_status 200 "(b) retry of a failed registration"
	fp=$(jq -r .ek_fingerprint "$b")
	expect_eq "$(sql "SELECT count(*) FROM machines WHERE ek_fingerprint = '$fp'")" 1 \
		"(b) rows for a retried EK"
done
audit_verify_ok "(b)"
api GET /readyz
expect_status 200 "(b) readyz after the kill"

# ---- (c) 20 parallel /attest for one approved machine ----
ek=$(soft_ek_json)
mid=$(register_usb "$ek")
op POST "/api/v1/machines/$mid/approve" '{"role":"worker-app"}'
expect_status 200 "(c) approve"
expect_json .status approved "(c) approve"
mkdir -p "$T/c-bodies"
for i in $(seq -w 1 20); do echo "$ek" >"$T/c-bodies/$i.json"; done

t0=$(now_ms)
fire 20 /api/v1/attest "$T/c-bodies" "$T/c-out"
note "(c) 20 parallel attests: $(( $(now_ms) - t0 )) ms; codes: $(code_summary "$T/c-out" | tr '\n' ' ')"
expect_eq "$(find "$T/c-out" -name '*.code' | wc -l)" 20 "(c) responses recorded"
for f in "$T/c-out"/*.code; do
	STATUS=$(cat "$f") BODY=$(cat "${f%.code}.body" 2>/dev/null || true)
	expect_status 200 "(c) attest $(basename "$f" .code)"
	expect_json .machine_id "$mid" "(c) attest"
	expect_json .status attested "(c) attest"
	expect_json .action apply-config "(c) attest (config not yet delivered)"
done
BODY=""
expect_eq "$(sql "SELECT status FROM machines WHERE id = '$mid'")" attested "(c) final state"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$mid' AND kind = 'config'")" 20 \
	"(c) config tokens issued"
expect_eq "$(sql "SELECT count(*) FROM config_tokens WHERE machine_id = '$mid' AND kind = 'config'
	AND superseded_at IS NULL")" 1 "(c) current (not superseded) config tokens"
current=$(sql "SELECT token_sha256 FROM config_tokens WHERE machine_id = '$mid' AND kind = 'config'
	AND superseded_at IS NULL")
found=""
for tok in $(jq -r .config_token "$T/c-out"/*.body); do
	[ "$(printf '%s' "$tok" | sha256sum | cut -c1-64)" = "$current" ] && found=1
done
[ -n "$found" ] || fail "(c) the current config token is none of the 20 handed out"
expect_eq "$(jq -r .config_token "$T/c-out"/*.body | sort -u | wc -l)" 20 "(c) distinct config tokens"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE machine_id = '$mid' AND action = 'machine.attested'")" 1 \
	"(c) machine.attested audit entries"
audit_verify_ok "(c)"
pass
