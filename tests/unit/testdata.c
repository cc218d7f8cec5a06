/*
 * testdata.c - file helpers for the unit tests (see testdata.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "testdata.h"

struct blob
test_read_path(const char *path)
{
	struct blob b = { NULL, 0 };
	FILE *f;
	long n;

	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	b.len = (size_t)n;
	b.p = malloc(b.len + 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	b.p[b.len] = '\0';
	fclose(f);
	return b;
}

struct blob
test_data(const char *sub, const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[4096];

	if (top == NULL)
		top = ".";
	assert_true(snprintf(path, sizeof(path), "%s/tests/data/%s/%s", top,
	    sub, name) < (int)sizeof(path));
	return test_read_path(path);
}
