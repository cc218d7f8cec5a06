/*
 * b64.h - base64 (RFC 4648 §4, with padding), base64url (§5, no padding) and
 * lowercase hex. Decoders are strict: wrong alphabet, bad padding or
 * non-zero trailing bits are rejected. Outputs are caller-sized.
 */
#ifndef ITL_CORE_B64_H
#define ITL_CORE_B64_H

#include <stddef.h>
#include <stdint.h>

/* Bytes needed to encode n bytes (without the NUL). */
#define B64_ENCODED_LEN(n)	((((n) + 2) / 3) * 4)
#define B64URL_ENCODED_LEN(n)	(((n) * 4 + 2) / 3)
/* Upper bound of the decoded size of n characters. */
#define B64_DECODED_MAX(n)	(((n) / 4) * 3 + 3)

/* Write the encoding and a NUL into out (out_len >= encoded + 1); -1 if too small. */
int b64_encode(const uint8_t *in, size_t in_len, char *out, size_t out_len);
int b64url_encode(const uint8_t *in, size_t in_len, char *out, size_t out_len);
/*
 * Decode standard base64 with padding. ASCII whitespace (space, tab, CR, LF)
 * between groups is skipped, since PEM bodies and pasted values carry it.
 * On success *out_len is the number of bytes written. -1 on any error.
 */
int b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
    size_t *out_len);
int hex_encode(const uint8_t *in, size_t in_len, char *out, size_t out_len);
/* Decode exactly in_len hex digits (either case) into out (in_len / 2 bytes). */
int hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap);

#endif
