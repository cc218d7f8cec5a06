/*
 * timefmt.h - RFC 3339 UTC times ("2026-11-28T04:00:00Z") to and from Unix
 * seconds. The clock itself is read by callers (http reads it once a request).
 */
#ifndef ITL_CORE_TIMEFMT_H
#define ITL_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_BYTES 21	/* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

int timefmt_rfc3339(int64_t t, char out[TIMEFMT_BYTES]);
/* Accepts exactly the format above (UTC, 'Z'); -1 otherwise. */
int timefmt_parse(const char *p, size_t len, int64_t *out);
int64_t timefmt_now(void);

#endif
