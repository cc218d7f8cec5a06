/*
 * buf.h - growing byte buffer with a maximum fixed at buf_init. An append past
 * the maximum fails and empties the buffer, so a caller never sends half.
 */
#ifndef ITL_CORE_BUF_H
#define ITL_CORE_BUF_H

#include <stddef.h>

struct buf {
	char *p;	/* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_clear(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t len);
int buf_appendf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
