/*
 * fuzz_ek.c - libFuzzer target for verify/ek: the input is tried as the
 * ek_cert_pem field (bounded just past LIMIT_EK_MATERIAL_BYTES, so the limit
 * itself is exercised), and the bytes are parsed directly as certificate and
 * as public key material; whatever parses also goes through the fingerprint
 * check. Production code only, with a fresh arena per input.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "verify/ek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse_and_check(const uint8_t *p, size_t len, enum ek_source src,
    const uint8_t *sent, size_t sent_len, struct arena *a)
{
	struct ek_info ek;
	struct err e = { 0 };

	if (ek_parse(p, len, src, a, &ek, &e) != 0)
		return;
	/* the identity itself must pass, as must a hash of the sent bytes */
	if (ek_fingerprint_check(&ek, sent, sent_len, ek.fingerprint, 64,
	    &e) != 0)
		__builtin_trap();
	if (ek.has_cert && ek_fingerprint_check(&ek, sent, sent_len,
	    ek.cert_sha256, 64, &e) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct err e = { 0 };
	const uint8_t *sent, *mat;
	size_t sent_len, mat_len, field_len;

	arena_init(&a, LIMIT_ARENA_BYTES);
	field_len = size > LIMIT_EK_MATERIAL_BYTES + 1 ?
	    LIMIT_EK_MATERIAL_BYTES + 1 : size;
	if (ek_material_decode((const char *)data, field_len, &a, &sent,
	    &sent_len, &mat, &mat_len, &e) == 0) {
		parse_and_check(mat, mat_len, EK_SOURCE_CERT, sent, sent_len,
		    &a);
		parse_and_check(mat, mat_len, EK_SOURCE_PUB, sent, sent_len,
		    &a);
	}
	parse_and_check(data, size, EK_SOURCE_CERT, data, size, &a);
	parse_and_check(data, size, EK_SOURCE_PUB, data, size, &a);
	/* the check must reject what is not hex of the right length */
	if (size <= 96 && ek_fingerprint_check(&(struct ek_info){ 0 }, data,
	    size, (const char *)data, size, &e) == 0 && size != 64 &&
	    size != 96)
		__builtin_trap();
	arena_release(&a);
	return 0;
}
