/*
 * rand.c - kernel randomness and UUIDv4 (RFC 9562 §5.4).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "core/rand.h"
#include "core/str.h"

void
rand_bytes(uint8_t *out, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = getrandom(out + off, len - off, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		off += (size_t)n;
	}
}

void
rand_uuid4(char out[UUID_BYTES])
{
	uint8_t b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, UUID_BYTES,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
}

int
rand_uuid_check(const char *p, size_t len)
{
	size_t i;

	if (len != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				return 0;
		} else if (!str_is_hex(p + i, 1)) {
			return 0;
		}
	}
	return p[14] == '4';
}
