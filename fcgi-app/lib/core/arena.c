/*
 * arena.c - chunked bump allocator for request memory. Chunks are kept across
 * resets (the first one) so a steady-state worker does not call malloc.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define ARENA_CHUNK_BYTES (64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t off;
	_Alignas(16) unsigned char data[];
};

void
arena_init(struct arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

static void
arena_free_chain(struct arena_chunk *c)
{
	while (c != NULL) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
}

void
arena_release(struct arena *a)
{
	arena_free_chain(a->head);
	a->head = NULL;
	a->used = 0;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *last = a->head;

	if (last == NULL)
		return;
	/* keep only the oldest (default-sized) chunk */
	while (last->next != NULL)
		last = last->next;
	if (last != a->head) {
		struct arena_chunk *c = a->head;

		while (c->next != last)
			c = c->next;
		c->next = NULL;
		arena_free_chain(a->head);
		a->head = last;
	}
	a->head->off = 0;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (n == 0)
		need = 16;
	if (need < n || need > a->max || a->used > a->max - need)
		return NULL;
	if (c == NULL || c->size - c->off < need) {
		size_t size = need > ARENA_CHUNK_BYTES ? need : ARENA_CHUNK_BYTES;

		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			abort();	/* sizes are bounded before we get here */
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->off;
	c->off += need;
	a->used += need;
	memset(p, 0, need);
	return p;
}

void *
arena_memdup(struct arena *a, const void *p, size_t len)
{
	void *q = arena_alloc(a, len);

	if (q != NULL && len > 0)
		memcpy(q, p, len);
	return q;
}

char *
arena_strndup(struct arena *a, const char *p, size_t len)
{
	char *q;

	if (len == SIZE_MAX)
		return NULL;
	q = arena_alloc(a, len + 1);
	if (q == NULL)
		return NULL;
	if (len > 0)
		memcpy(q, p, len);
	q[len] = '\0';
	return q;
}
