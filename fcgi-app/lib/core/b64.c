/*
 * b64.c - strict base64, base64url and hex codecs (see b64.h). Written here
 * rather than with OpenSSL's EVP_Decode because core is libc only and
 * EVP_Decode accepts non-canonical input.
 */
#include "config.h"

#include <stdbool.h>

#include "core/b64.h"

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64_encode_with(const char *alpha, bool pad, const uint8_t *in, size_t in_len,
    char *out, size_t out_len)
{
	size_t need = pad ? B64_ENCODED_LEN(in_len) : B64URL_ENCODED_LEN(in_len);
	size_t i, o = 0;

	if (out_len < need + 1)
		return -1;
	for (i = 0; i + 2 < in_len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (in_len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (in_len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

int
b64_encode(const uint8_t *in, size_t in_len, char *out, size_t out_len)
{
	return b64_encode_with(b64_std, true, in, in_len, out, out_len);
}

int
b64url_encode(const uint8_t *in, size_t in_len, char *out, size_t out_len)
{
	return b64_encode_with(b64_url, false, in, in_len, out, out_len);
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool
b64_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
    size_t *out_len)
{
	int q[4];
	size_t i, n = 0, o = 0;
	bool ended = false;

	for (i = 0; i < in_len; i++) {
		char c = in[i];

		if (b64_is_space(c))
			continue;
		if (ended)
			return -1;	/* data after the padded group */
		if (c == '=') {
			/* padding only at positions 2 or 3 of a group */
			if (n < 2)
				return -1;
			q[n++] = -2;
		} else {
			int v = b64_value(c);

			if (v < 0 || (n > 0 && q[n - 1] == -2))
				return -1;
			q[n++] = v;
		}
		if (n < 4)
			continue;
		n = 0;
		if (q[2] == -2 && q[3] != -2)
			return -1;
		if (q[2] == -2) {
			if ((q[1] & 15) != 0 || o + 1 > out_cap)
				return -1;
			out[o++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
			ended = true;
		} else if (q[3] == -2) {
			if ((q[2] & 3) != 0 || o + 2 > out_cap)
				return -1;
			out[o++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
			out[o++] = (uint8_t)((q[1] & 15) << 4 | q[2] >> 2);
			ended = true;
		} else {
			if (o + 3 > out_cap)
				return -1;
			out[o++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
			out[o++] = (uint8_t)((q[1] & 15) << 4 | q[2] >> 2);
			out[o++] = (uint8_t)((q[2] & 3) << 6 | q[3]);
		}
	}
	if (n != 0)
		return -1;	/* unpadded or truncated */
	*out_len = o;
	return 0;
}

int
hex_encode(const uint8_t *in, size_t in_len, char *out, size_t out_len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (in_len > (out_len - 1) / 2 || out_len == 0)
		return -1;
	for (i = 0; i < in_len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * in_len] = '\0';
	return 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap)
{
	size_t i;

	if (in_len % 2 != 0 || in_len / 2 > out_cap)
		return -1;
	for (i = 0; i < in_len; i += 2) {
		int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
