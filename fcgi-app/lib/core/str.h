/*
 * str.h - bounded string helpers: copies that report truncation, strict
 * integer parsing, and small predicates on wire text (never trusting a NUL).
 */
#ifndef ITL_CORE_STR_H
#define ITL_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy in[0..in_len) into out (size out_len) with a NUL; -1 if it does not fit. */
int str_copy(char *out, size_t out_len, const char *in, size_t in_len);
/* Decimal digits only, no sign, space or junk, within [min, max]. */
int str_to_u64(const char *p, size_t len, uint64_t min, uint64_t max,
    uint64_t *out);
bool str_eq(const char *p, size_t len, const char *lit);
bool str_has_prefix(const char *p, size_t len, const char *lit);
/* Only lowercase hex digits (empty input is true). */
bool str_is_hex(const char *p, size_t len);
/* Valid UTF-8 without NUL bytes. */
bool str_is_utf8(const char *p, size_t len);

#endif
