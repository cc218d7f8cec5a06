/*
 * testdata.h - what the unit tests share: reading a whole file, and the
 * committed artefacts under $top_srcdir/tests/data. A missing or unreadable
 * file fails the running cmocka test.
 */
#ifndef ITL_TESTS_TESTDATA_H
#define ITL_TESTS_TESTDATA_H

#include <stddef.h>
#include <stdint.h>

struct blob {
	uint8_t *p;	/* malloc'd, NUL-terminated (the NUL is not counted) */
	size_t len;
};

struct blob test_read_path(const char *path);
/* $top_srcdir/tests/data/<sub>/<name> ($top_srcdir defaults to "."). */
struct blob test_data(const char *sub, const char *name);

#endif
