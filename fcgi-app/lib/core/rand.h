/*
 * rand.h - random bytes from the kernel (getrandom), UUIDv4 and random IDs.
 * A failure of the kernel RNG aborts: nothing may proceed with weak randomness.
 */
#ifndef ITL_CORE_RAND_H
#define ITL_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

#define UUID_BYTES 37	/* 36 characters + NUL */

void rand_bytes(uint8_t *out, size_t len);
void rand_uuid4(char out[UUID_BYTES]);
/* True when p[0..len) is a lowercase UUIDv4 string. */
int rand_uuid_check(const char *p, size_t len);

#endif
