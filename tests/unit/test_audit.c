/*
 * test_audit.c - unit tests for the audit chain's canonical form and hash
 * (api/audit.c): the documented formula, key order, escaping, and that any
 * change to a stored field changes the hash.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api/audit.h"

static struct audit_row
sample(void)
{
	struct audit_row r = {
		.id = 7, .ts = "2026-11-28T04:00:00Z", .actor = "alice",
		.action = "machine.locked",
		.machine_id = "11111111-1111-4111-8111-111111111111",
		.detail = "{\"reason\":\"rma\"}", .prev_hash = audit_genesis,
		.hash = "",
	};
	return r;
}

/* Ensure that the canonical form has sorted keys and the detail verbatim. */
static void
canonical_form(void **state)
{
	struct audit_row r = sample();
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(audit_canonical(&r, &b), 0);
	assert_string_equal(b.p, "{\"action\":\"machine.locked\",\"actor\":\"alice\","
	    "\"detail\":{\"reason\":\"rma\"},\"id\":7,"
	    "\"machine_id\":\"11111111-1111-4111-8111-111111111111\","
	    "\"ts\":\"2026-11-28T04:00:00Z\"}");
	r.machine_id = NULL;
	r.actor = "a\"b";
	assert_int_equal(audit_canonical(&r, &b), 0);
	assert_non_null(strstr(b.p, "\"actor\":\"a\\\"b\""));
	assert_non_null(strstr(b.p, "\"machine_id\":null"));
	buf_release(&b);
}

/* Ensure that hash = SHA-256(prev_hash "\n" canonical). */
static void
hash_formula(void **state)
{
	struct audit_row r = sample();
	struct buf b, in;
	char got[DIGEST_SHA256_HEX_BYTES], want[DIGEST_SHA256_HEX_BYTES];

	(void)state;
	buf_init(&b, 4096);
	buf_init(&in, 8192);
	assert_int_equal(audit_canonical(&r, &b), 0);
	assert_int_equal(audit_hash(r.prev_hash, &b, got), 0);
	buf_appendf(&in, "%s\n%s", r.prev_hash, b.p);
	assert_int_equal(digest_sha256_hex(in.p, in.len, NULL, 0, want), 0);
	assert_string_equal(got, want);
	buf_release(&b);
	buf_release(&in);
}

/* Ensure that changing any field, or the previous hash, changes the hash. */
static void
tamper_changes_hash(void **state)
{
	struct audit_row r = sample();
	struct buf b;
	char base[DIGEST_SHA256_HEX_BYTES], h[DIGEST_SHA256_HEX_BYTES];

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(audit_canonical(&r, &b), 0);
	assert_int_equal(audit_hash(r.prev_hash, &b, base), 0);
	assert_int_equal(audit_hash("01", &b, h), 0);
	assert_string_not_equal(h, base);
	r.detail = "{\"reason\":\"rmb\"}";
	assert_int_equal(audit_canonical(&r, &b), 0);
	assert_int_equal(audit_hash(r.prev_hash, &b, h), 0);
	assert_string_not_equal(h, base);
	r = sample();
	r.id = 8;
	assert_int_equal(audit_canonical(&r, &b), 0);
	assert_int_equal(audit_hash(r.prev_hash, &b, h), 0);
	assert_string_not_equal(h, base);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_form),
		cmocka_unit_test(hash_formula),
		cmocka_unit_test(tamper_changes_hash),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL) == 0 ? 0 : 1;
}
