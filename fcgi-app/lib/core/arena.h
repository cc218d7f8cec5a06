/*
 * arena.h - the per-request bump allocator. Memory lives until arena_reset();
 * nothing is freed piecemeal. Allocation past the arena's bound returns NULL.
 */
#ifndef ITL_CORE_ARENA_H
#define ITL_CORE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;	/* bytes handed out since the last reset */
	size_t max;	/* bound on used */
};

void arena_init(struct arena *a, size_t max);
void arena_release(struct arena *a);
void arena_reset(struct arena *a);
/* Zeroed, 16-byte aligned; NULL when the bound would be passed. */
void *arena_alloc(struct arena *a, size_t n);
/* NUL-terminated copy of p[0..len); NULL past the bound. */
char *arena_strndup(struct arena *a, const char *p, size_t len);
void *arena_memdup(struct arena *a, const void *p, size_t len);

#endif
