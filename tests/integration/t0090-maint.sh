#!/usr/bin/env bash
# t0090-maint.sh - itl-maint and the itl-attestd supervisor:
#  - check-config (itl-maint and itl-attestd --check-config): OK for the
#    running settings, non-zero naming the setting for ITL_NONCE_TTL=abc;
#    ITL_EK_TRUST=chain is refused at start (fail closed, nothing bound);
#  - init is idempotent (same admin token, token file 0600, db dir 0700,
#    no migration re-applied); migrate on a current database applies 0;
#  - tick purges expired nonces (ITL_NONCE_TTL=5) and keeps unexpired ones,
#    and its printed count matches;
#  - backup DEST while the stack serves: integrity_check ok, the live machine
#    count, a consistent snapshot under writes, and DEST is never overwritten;
#  - supervisor: a SIGKILLed worker is replaced; SIGTERM under a slow stream
#    of requests finishes the request in flight (drain), exits 0, leaves no
#    worker and removes the socket; ITL_WORKERS=3 gives 3 workers.
export ITL_NONCE_TTL=5
. "$(dirname "$0")/lib.sh"
stack_start
need_tools timeout stat sha256sum

# ---- local helpers (candidates for lib.sh) ----
now_ms() { date +%s%3N; }

# run_capture CMD...: sets RC, OUT (stdout) and ERR (stderr) without tripping set -e
run_capture() {
	local o=$T/rc.out e=$T/rc.err
	RC=0
	"$@" >"$o" 2>"$e" || RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
}

# wait_workers N [SECONDS]: until the supervisor has exactly N workers
wait_workers() {
	local n=$1 i
	for ((i = 0; i < ${2:-5} * 20; i++)); do
		[ "$(worker_pids | grep -c .)" = "$n" ] && return 0
		sleep 0.05
	done
	fail "expected $n workers, have: $(worker_pids | tr '\n' ' ')"
}

# kill_one_worker N: SIGKILL one worker; a new pid takes its place (5 s)
kill_one_worker() {
	local n=$1 victim old new p i
	old=$(worker_pids)
	expect_eq "$(grep -c . <<<"$old")" "$n" "workers before the kill"
	victim=$(head -1 <<<"$old")
	kill -KILL "$victim"
	for ((i = 0; i < 100; i++)); do
		new=$(worker_pids)
		if [ "$(grep -c . <<<"$new")" = "$n" ] && ! grep -qx "$victim" <<<"$new"; then
			for p in $new; do
				grep -qx "$p" <<<"$old" || { note "worker $victim replaced by $p"; return 0; }
			done
		fi
		sleep 0.05
	done
	fail "worker $victim not replaced within 5 s (workers: $(worker_pids | tr '\n' ' '))"
}

# stream_start NAME N INTERVAL PATH: a background client POSTing N pre-made
# bodies $T/NAME-bodies/*.json one at a time, INTERVAL s apart, stopping early
# when $T/NAME.stop exists; answers in $T/NAME-out/<i>.code and .body.
stream_start() {
	local name=$1 n=$2 gap=$3 path=$4
	mkdir -p "$T/$name-out"
	(
		for f in "$T/$name-bodies"/*.json; do
			[ -e "$T/$name.stop" ] && break
			b=$(basename "$f" .json)
			code=$(curl -sS --max-time 30 --cacert "$T/tls/server.crt" \
				-o "$T/$name-out/$b.body" -w '%{http_code}' -X POST "$BASE$path" \
				-H 'Content-Type: application/json' --data-binary @"$f" 2>/dev/null) || true
			echo "${code:-000}" >"$T/$name-out/$b.code"
			sleep "$gap"
		done
	) &
	STREAM_PID=$!
}

# stream_wait_answers NAME K: until K answers are in (bounded: 20 s)
stream_wait_answers() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(find "$T/$1-out" -name '*.code' | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "stream $1: fewer than $2 answers in 20 s"
}

# stream_check NAME: every answer 200 or 503 unavailable; every acknowledged
# machine_id stored. Sets ACKS and N503.
stream_check() {
	local f
	ACKS=0 N503=0
	: >"$T/$1-ids"
	for f in "$T/$1-out"/*.code; do
		[ -e "$f" ] || continue
		STATUS=$(cat "$f") BODY=$(cat "${f%.code}.body" 2>/dev/null || true)
		if [ "$STATUS" = 200 ]; then
			jq -r .machine_id <<<"$BODY" >>"$T/$1-ids"
			ACKS=$((ACKS + 1))
		else
			expect_error 503 unavailable "stream $1 request $(basename "$f" .code)"
			N503=$((N503 + 1))
		fi
	done
	BODY=""
	sql 'SELECT id FROM machines' | sort >"$T/$1-db-ids"
	expect_eq "$(sort "$T/$1-ids" | comm -23 - "$T/$1-db-ids" | wc -l)" 0 \
		"stream $1: acknowledged machines missing from the database"
}

gen_bodies() {	# gen_bodies NAME N
	local i
	mkdir -p "$T/$1-bodies"
	for ((i = 1; i <= $2; i++)); do soft_ek_json >"$T/$1-bodies/$(printf '%04d' "$i").json"; done
}

# ---- check-config ----
run_capture "$MAINT" check-config
expect_eq "$RC" 0 "itl-maint check-config exit"
expect_eq "$OUT" "configuration OK" "itl-maint check-config output"
run_capture env ITL_NONCE_TTL=abc "$MAINT" check-config
[ "$RC" -ne 0 ] || fail "itl-maint check-config accepted ITL_NONCE_TTL=abc"
grep -q ITL_NONCE_TTL <<<"$ERR$OUT" || fail "itl-maint check-config does not name ITL_NONCE_TTL"
grep -q "configuration OK" <<<"$OUT" && fail "itl-maint check-config printed OK for a bad setting"

run_capture "$ATTESTD" --check-config
expect_eq "$RC" 0 "itl-attestd --check-config exit"
expect_eq "$OUT" "configuration OK" "itl-attestd --check-config output"
run_capture env ITL_NONCE_TTL=abc "$ATTESTD" --check-config
[ "$RC" -ne 0 ] || fail "itl-attestd --check-config accepted ITL_NONCE_TTL=abc"
grep -q ITL_NONCE_TTL <<<"$ERR$OUT" || fail "itl-attestd --check-config does not name ITL_NONCE_TTL"

# ITL_EK_TRUST=chain: refused at start (fail closed), nothing bound. A
# separate socket path, so a wrongly started daemon cannot take over ours.
run_capture env ITL_EK_TRUST=chain "$ATTESTD" --check-config
[ "$RC" -ne 0 ] || fail "itl-attestd --check-config accepted ITL_EK_TRUST=chain"
grep -q ITL_EK_TRUST <<<"$ERR$OUT" || fail "--check-config does not name ITL_EK_TRUST"
run_capture env ITL_EK_TRUST=chain ITL_SOCKET="$T/run/chain.sock" timeout 10 "$ATTESTD"
[ "$RC" != 124 ] || fail "itl-attestd with ITL_EK_TRUST=chain kept running"
[ "$RC" -ne 0 ] || fail "itl-attestd with ITL_EK_TRUST=chain exited 0"
grep -q ITL_EK_TRUST <<<"$ERR" || fail "itl-attestd start-up refusal does not name ITL_EK_TRUST"
[ ! -e "$T/run/chain.sock" ] || fail "itl-attestd with ITL_EK_TRUST=chain bound its socket"
run_capture env ITL_EK_TRUST=chain "$MAINT" check-config
[ "$RC" -ne 0 ] || fail "itl-maint check-config accepted ITL_EK_TRUST=chain"
api GET /readyz
expect_status 200 "readyz after the refused starts"

# ---- init is idempotent; migrate applies 0 ----
schema_before=$(sql 'SELECT * FROM schema_version ORDER BY 1')
chmod 0644 "$ITL_DATA_DIR/admin.token"
chmod 0755 "$ITL_DATA_DIR/db"
run_capture "$MAINT" init
expect_eq "$RC" 0 "second itl-maint init exit"
grep -qx 'migrations applied: 0' <<<"$OUT" || fail "second init re-applied migrations: $OUT"
expect_eq "$(cat "$ITL_DATA_DIR/admin.token")" "$ADMIN_TOKEN" "admin token after a second init"
expect_eq "$(stat -c %a "$ITL_DATA_DIR/admin.token")" 600 "admin token file mode"
expect_eq "$(stat -c %a "$ITL_DATA_DIR/db")" 700 "database directory mode"
expect_eq "$(sql 'SELECT * FROM schema_version ORDER BY 1')" "$schema_before" "schema_version after init"
op GET /api/v1/machines
expect_status 200 "admin token still accepted after init"

run_capture "$MAINT" migrate
expect_eq "$RC" 0 "itl-maint migrate exit"
grep -qx 'migrations applied: 0' <<<"$OUT" || fail "migrate on a current database: $OUT"
expect_eq "$(sql 'SELECT * FROM schema_version ORDER BY 1')" "$schema_before" "schema_version after migrate"

# ---- tick purges expired nonces (TTL 5 s), keeps unexpired ones ----
expired=() fresh=()
for _ in 1 2 3; do
	api GET /api/v1/attest/challenge
	expect_status 200 challenge
	expired+=("$(jget .nonce_id)")
done
sleep 6
for _ in 1 2; do
	api GET /api/v1/attest/challenge
	expect_status 200 challenge
	fresh+=("$(jget .nonce_id)")
done
expect_eq "$(sql 'SELECT count(*) FROM nonces')" 5 "nonce rows before tick"
run_capture "$MAINT" tick
expect_eq "$RC" 0 "itl-maint tick exit"
purged=$(sed -n 's/^tick: purged \([0-9][0-9]*\) nonces,.*/\1/p' <<<"$OUT")
expect_eq "$purged" 3 "tick's purged nonce count (output: $OUT)"
for id in "${expired[@]}"; do
	expect_eq "$(sql "SELECT count(*) FROM nonces WHERE id = '$id'")" 0 "expired nonce $id after tick"
done
for id in "${fresh[@]}"; do
	expect_eq "$(sql "SELECT count(*) FROM nonces WHERE id = '$id'")" 1 "unexpired nonce $id after tick"
done
expect_eq "$(sql 'SELECT count(*) FROM nonces')" 2 "nonce rows after tick"
run_capture "$MAINT" tick
expect_eq "$(sed -n 's/^tick: purged \([0-9][0-9]*\) nonces,.*/\1/p' <<<"$OUT")" 0 "second tick's count"

# ---- backup while the stack serves ----
gen_bodies pre 20
for f in "$T/pre-bodies"/*.json; do register_usb "$(cat "$f")" >/dev/null; done
# 1: reads and nonce writes running; the machine count is stable
(
	for ((i = 0; i < 300; i++)); do
		[ -e "$T/reads.stop" ] && break
		curl -sS --max-time 10 --cacert "$T/tls/server.crt" -o /dev/null -w '%{http_code}\n' \
			-H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/api/v1/machines?limit=500"
		curl -sS --max-time 10 --cacert "$T/tls/server.crt" -o /dev/null -w '%{http_code}\n' \
			"$BASE/api/v1/attest/challenge"
	done >"$T/reads.codes" 2>&1
) &
reads_pid=$!
sleep 0.3
run_capture "$MAINT" backup "$T/backup1.db"
touch "$T/reads.stop"
wait "$reads_pid" || true
expect_eq "$RC" 0 "itl-maint backup exit ($ERR)"
[ -s "$T/reads.codes" ] || fail "no requests served during the backup"
expect_eq "$(sort -u "$T/reads.codes")" 200 "answers while the backup ran"
expect_eq "$(sqlite3 -batch "$T/backup1.db" 'PRAGMA integrity_check')" ok "backup integrity_check"
expect_eq "$(sqlite3 -batch "$T/backup1.db" 'SELECT count(*) FROM machines')" \
	"$(sql 'SELECT count(*) FROM machines')" "machines in the backup vs live"
expect_eq "$(sqlite3 -batch "$T/backup1.db" 'SELECT count(*) FROM machines')" 20 "machines in the backup"
# refuses to overwrite
sum=$(sha256sum <"$T/backup1.db")
run_capture "$MAINT" backup "$T/backup1.db"
[ "$RC" -ne 0 ] || fail "itl-maint backup overwrote an existing DEST"
expect_eq "$(sha256sum <"$T/backup1.db")" "$sum" "existing backup after the refused overwrite"

# 2: registrations running: a consistent snapshot (every machine with its
# audit entry, the audit chain linked), between the counts before and after
gen_bodies bk 30
m_before=$(sql 'SELECT count(*) FROM machines')
stream_start bk 30 0.02 /api/v1/register
stream_wait_answers bk 5
run_capture "$MAINT" backup "$T/backup2.db"
wait "$STREAM_PID" || true
expect_eq "$RC" 0 "itl-maint backup under writes ($ERR)"
stream_check bk
expect_eq "$N503" 0 "registrations failed during the backup"
m_after=$(sql 'SELECT count(*) FROM machines')
bq() { sqlite3 -batch "$T/backup2.db" "$1"; }
expect_eq "$(bq 'PRAGMA integrity_check')" ok "backup under writes: integrity_check"
bm=$(bq 'SELECT count(*) FROM machines')
note "backup under writes holds $bm machines (live: $m_before before, $m_after after)"
[ "$bm" -ge "$m_before" ] && [ "$bm" -le "$m_after" ] ||
	fail "backup under writes holds $bm machines, live went $m_before -> $m_after"
expect_eq "$(bq "SELECT count(*) FROM audit_log WHERE action = 'machine.registered'")" "$bm" \
	"backup under writes: registered audit rows vs machines"
expect_eq "$(bq 'SELECT count(*) FROM audit_log a JOIN audit_log b ON b.id =
	(SELECT min(id) FROM audit_log WHERE id > a.id) WHERE b.prev_hash != a.hash')" 0 \
	"backup under writes: broken audit chain links"

# ---- supervisor: SIGKILL → replaced ----
wait_workers 2
kill_one_worker 2
api GET /readyz
expect_status 200 "readyz after a worker was replaced"

# ---- supervisor: SIGTERM drains under a slow stream of requests ----
gen_bodies drain 60
sup=$ATTESTD_PID
workers=$(worker_pids)
stream_start drain 60 0.1 /api/v1/register
stream_wait_answers drain 3
# hold the database write lock 2 s so the requests in flight wait in the
# workers (busy timeout 5 s) while SIGTERM arrives
(
	echo '.timeout 5000'
	echo 'BEGIN IMMEDIATE;'
	echo "SELECT 'locked';"
	sleep 2
	echo 'COMMIT;'
) | sqlite3 -batch "$DB" >"$T/lock.out" 2>&1 &
lock_pid=$!
for ((i = 0; i < 100; i++)); do grep -qsx locked "$T/lock.out" && break; sleep 0.02; done
grep -qsx locked "$T/lock.out" || fail "could not take the database write lock"
body=$(cat "$T/drain-bodies/0060.json")
curl -sS --max-time 30 --cacert "$T/tls/server.crt" -o "$T/inflight.body" -w '%{http_code}' \
	-X POST "$BASE/api/v1/register" -H 'Content-Type: application/json' \
	--data-binary "$body" >"$T/inflight.code" 2>/dev/null &
inflight_pid=$!
# both workers serving (not in accept(2)), bounded 2 s
for ((i = 0; i < 100; i++)); do
	idle=0
	for p in $workers; do
		read -r s _ <"/proc/$p/syscall" 2>/dev/null || continue
		case $s in 43 | 288) idle=$((idle + 1)) ;; esac
	done
	[ "$idle" = 0 ] && break
	sleep 0.02
done
note "workers idle in accept when SIGTERM is sent: $idle"
t0=$(now_ms)
kill -TERM "$sup"
for ((i = 0; i < 300; i++)); do kill -0 "$sup" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$sup" 2>/dev/null; then
	kill -KILL "$sup"
	fail "supervisor still running 15 s after SIGTERM"
fi
sup_rc=0
wait "$sup" || sup_rc=$?
note "supervisor stopped $(( $(now_ms) - t0 )) ms after SIGTERM"
expect_eq "$sup_rc" 0 "supervisor exit status after SIGTERM"
expect_eq "$(pgrep -P "$sup" | grep -c . || true)" 0 "processes left with the supervisor as parent"
for p in $workers; do
	for ((i = 0; i < 40; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$p" 2>/dev/null && fail "worker $p still running after the supervisor stopped"
done
[ ! -e "$ITL_SOCKET" ] || fail "socket $ITL_SOCKET left behind"
wait "$lock_pid" || true
wait "$inflight_pid" || true
# the request a worker was serving when SIGTERM came was finished, not cut
STATUS=$(cat "$T/inflight.code") BODY=$(cat "$T/inflight.body" 2>/dev/null || true)
expect_status 200 "request in flight during SIGTERM"
expect_eq "$(sql "SELECT count(*) FROM machines WHERE id = '$(jget .machine_id)'")" 1 \
	"machine of the request in flight"
sleep 0.5	# the stream now meets a stopped service
touch "$T/drain.stop"
wait "$STREAM_PID" || true
stream_check drain
note "stream during SIGTERM: $ACKS acknowledged, $N503 answered 503 unavailable"
[ "$N503" -gt 0 ] || fail "stream never saw the service stopped (503)"

# ---- ITL_WORKERS=3 ----
export ITL_WORKERS=3
attestd_start
wait_ready
wait_workers 3
api GET /readyz
expect_status 200 "readyz with 3 workers"
kill_one_worker 3
wait_workers 3
op GET /api/v1/audit/verify
expect_status 200 "audit verify"
expect_json .valid true "audit verify"
pass
