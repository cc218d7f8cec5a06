/*
 * test_db.c - unit tests for libitldb on a fresh migrated file database
 * (WAL needs a file): migrations, nonce consumption, machine records,
 * token supersession, dual-control vote counting, audit rows.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_machine.h"
#include "db/db_nonce.h"
#include "db/db_token.h"
#include "db/db_vote.h"

struct fixture {
	char dir[64];
	char path[128];
	struct db *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct db_options o = { .busy_timeout_ms = 1000,
	    .synchronous_full = true, .create = true };
	struct err e;
	unsigned applied;

	snprintf(f->dir, sizeof(f->dir), "/tmp/itl-test-db.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	f->db = db_open(f->path, &o, &e);
	if (f->db == NULL || db_migrate(f->db, &applied, &e) == -1 ||
	    applied == 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

	db_close(f->db);
	snprintf(p, sizeof(p), "%s/t.db", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/t.db-wal", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/t.db-shm", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Ensure that migrating twice applies nothing and the schema check passes. */
static void
migrate_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct err e;
	unsigned applied = 99;

	assert_int_equal(db_migrate(f->db, &applied, &e), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(db_schema_check(f->db, &e), 0);
}

/* Ensure that a nonce is consumed once: then replayed, and unknown ids are unknown. */
static void
nonce_single_use(void **state)
{
	struct fixture *f = *state;
	uint8_t v[NONCE_BYTES] = { 1, 2, 3 }, got[NONCE_BYTES];
	struct err e;

	assert_int_equal(db_nonce_insert(f->db, "aa", v, 100, 160, &e), 0);
	assert_int_equal(db_begin(f->db, &e), 0);
	assert_int_equal(db_nonce_consume(f->db, "aa", 120, got, &e), 0);
	assert_memory_equal(got, v, NONCE_BYTES);
	assert_int_equal(db_nonce_consume(f->db, "aa", 121, got, &e), -1);
	assert_int_equal(e.code, ERR_NONCE_REPLAYED);
	assert_int_equal(db_nonce_consume(f->db, "bb", 121, got, &e), -1);
	assert_int_equal(e.code, ERR_NONCE_UNKNOWN);
	assert_int_equal(db_commit(f->db, &e), 0);
}

/* Ensure that a nonce at or past its expiry is expired, and tick purges it. */
static void
nonce_expiry_and_purge(void **state)
{
	struct fixture *f = *state;
	uint8_t v[NONCE_BYTES] = { 0 }, got[NONCE_BYTES];
	struct err e;
	int64_t n = 0;

	assert_int_equal(db_nonce_insert(f->db, "cc", v, 100, 160, &e), 0);
	assert_int_equal(db_nonce_outstanding(f->db, 159, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_nonce_consume(f->db, "cc", 160, got, &e), -1);
	assert_int_equal(e.code, ERR_NONCE_EXPIRED);
	assert_int_equal(db_nonce_outstanding(f->db, 160, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(db_nonce_purge(f->db, 161, &n, &e), 0);
	assert_int_equal(n, 1);
}

static void
machine_sample(struct machine *m, const char *id, const char *fp)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->ek_fingerprint, sizeof(m->ek_fingerprint), "%s", fp);
	snprintf(m->ek_source, sizeof(m->ek_source), "cert");
	snprintf(m->role, sizeof(m->role), "worker-app");
	snprintf(m->registration_path, sizeof(m->registration_path), "usb");
	m->status = MS_REGISTERED;
	m->registered_at = 1000;
	m->config_delivered_generation = -1;
}

/* Ensure that a machine round-trips through insert, lookup and update. */
static void
machine_round_trip(void **state)
{
	struct fixture *f = *state;
	static const uint8_t spki[] = { 0x30, 0x00 };
	struct machine_ek ek = { .spki = spki, .spki_len = sizeof(spki) };
	struct machine m, got;
	struct err e;
	bool found = false;

	machine_sample(&m, "11111111-1111-4111-8111-111111111111", "ab");
	assert_int_equal(db_machine_insert(f->db, &m, &ek, &e), 0);
	assert_true(m.seq > 0);
	assert_int_equal(db_machine_by_fingerprint(f->db, "ab", &got, &found,
	    &e), 0);
	assert_true(found);
	assert_string_equal(got.id, m.id);
	assert_int_equal(got.status, MS_REGISTERED);
	assert_false(got.has_prev_status);
	got.prev_status = MS_APPROVED;
	got.has_prev_status = true;
	got.status = MS_LOCKED;
	got.locked_at = 2000;
	snprintf(got.hostname, sizeof(got.hostname), "node-1");
	assert_int_equal(db_machine_update(f->db, &got, &e), 0);
	assert_int_equal(db_machine_by_id(f->db, m.id, &m, &found, &e), 0);
	assert_int_equal(m.status, MS_LOCKED);
	assert_int_equal(m.prev_status, MS_APPROVED);
	assert_int_equal(m.locked_at, 2000);
	assert_string_equal(m.hostname, "node-1");
	assert_int_equal(db_machine_by_id(f->db, "nope", &m, &found, &e), 0);
	assert_false(found);
}

/* Ensure that a second machine with the same EK fingerprint is refused. */
static void
machine_fingerprint_unique(void **state)
{
	struct fixture *f = *state;
	static const uint8_t spki[] = { 0x30, 0x00 };
	struct machine_ek ek = { .spki = spki, .spki_len = sizeof(spki) };
	struct machine m;
	struct err e;

	machine_sample(&m, "22222222-2222-4222-8222-222222222222", "cd");
	assert_int_equal(db_machine_insert(f->db, &m, &ek, &e), 0);
	machine_sample(&m, "33333333-3333-4333-8333-333333333333", "cd");
	assert_int_equal(db_machine_insert(f->db, &m, &ek, &e), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
}

/* Ensure that issuing a token supersedes the previous token of that kind only. */
static void
token_supersedes_same_kind(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st;
	struct err e;

	assert_int_equal(db_token_issue(f->db, "h1", "m", TOKEN_BOOT, 0, 10, 99,
	    &e), 0);
	assert_int_equal(db_token_issue(f->db, "h2", "m", TOKEN_CONFIG, 1, 11,
	    99, &e), 0);
	assert_int_equal(db_token_issue(f->db, "h3", "m", TOKEN_CONFIG, 1, 12,
	    99, &e), 0);
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), "SELECT "
	    "group_concat(token_sha256) FROM (SELECT token_sha256 FROM "
	    "config_tokens WHERE superseded_at IS NULL ORDER BY 1)", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "h1,h3");
	sqlite3_finalize(st);
	assert_int_equal(db_token_supersede_all(f->db, "m", 13, &e), 0);
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), "SELECT count(*) "
	    "FROM config_tokens WHERE superseded_at IS NULL", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
}

static void
vote_sample(struct vote *v, const char *actor, const char *host)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->actor, sizeof(v->actor), "%s", actor);
	snprintf(v->role, sizeof(v->role), "controlplane");
	snprintf(v->hostname, sizeof(v->hostname), "%s", host);
	v->created_at = 100;
	v->expires_at = 200;
}

/* Ensure that only distinct actors with equal parameters and open, unexpired votes agree. */
static void
votes_agreement(void **state)
{
	struct fixture *f = *state;
	struct vote v;
	struct err e;
	int64_t n = 0;
	bool has = false;

	vote_sample(&v, "alice", "cp-1");
	assert_int_equal(db_vote_insert(f->db, "m", &v, &e), 0);
	vote_sample(&v, "bob", "cp-2");
	assert_int_equal(db_vote_insert(f->db, "m", &v, &e), 0);
	vote_sample(&v, "carol", "cp-1");
	assert_int_equal(db_vote_count_agreeing(f->db, "m", &v, 150, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_vote_insert(f->db, "m", &v, &e), 0);
	assert_int_equal(db_vote_count_agreeing(f->db, "m", &v, 150, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(db_vote_count_agreeing(f->db, "m", &v, 200, &n, &e), 0);
	assert_int_equal(n, 0);	/* expired */
	assert_int_equal(db_vote_has_open(f->db, "m", "alice", 150, &has, &e), 0);
	assert_true(has);
	assert_int_equal(db_vote_consume(f->db, "m", 160, &e), 0);
	assert_int_equal(db_vote_has_open(f->db, "m", "alice", 161, &has, &e), 0);
	assert_false(has);
}

static int
count_row(const struct audit_row *r, void *ctx)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

/* Ensure that the audit tail follows inserts and list filters by action. */
static void
audit_tail_and_list(void **state)
{
	struct fixture *f = *state;
	struct audit_row r = { .ts = "2026-11-28T04:00:00Z", .actor = "SYSTEM",
	    .action = "machine.locked", .detail = "{}", .prev_hash = "0",
	    .hash = "h1" };
	struct audit_filter flt = { .action = "machine.locked", .limit = 10 };
	char hash[65];
	int64_t id = -1;
	struct err e;
	int n = 0;

	assert_int_equal(db_audit_tail(f->db, &id, hash, &e), 0);
	assert_int_equal(id, 0);
	r.id = 1;
	assert_int_equal(db_audit_insert(f->db, &r, &e), 0);
	r.id = 2;
	r.action = "machine.unlocked";
	r.hash = "h2";
	assert_int_equal(db_audit_insert(f->db, &r, &e), 0);
	assert_int_equal(db_audit_tail(f->db, &id, hash, &e), 0);
	assert_int_equal(id, 2);
	assert_string_equal(hash, "h2");
	assert_int_equal(db_audit_list(f->db, &flt, count_row, &n, &e), 0);
	assert_int_equal(n, 1);
	r.id = 2;	/* ids are unique: a second entry 2 is refused */
	assert_int_equal(db_audit_insert(f->db, &r, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrate_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(nonce_single_use, setup, teardown),
		cmocka_unit_test_setup_teardown(nonce_expiry_and_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(machine_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(machine_fingerprint_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(token_supersedes_same_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(votes_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_tail_and_list, setup, teardown),
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL) == 0 ? 0 : 1;
}
