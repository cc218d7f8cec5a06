/*
 * replay.c - without --enable-fuzzing, each fuzz target links this driver:
 * it runs every seed of tests/fuzz/corpus/<parser>/ through the target, so
 * the seed corpora are regression tests in `make check`. The parser name is
 * the program name minus "fuzz_"; the corpus root is $top_srcdir.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_SEED (1024 * 1024)

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;

	if (f == NULL)
		return -1;
	buf = malloc(REPLAY_MAX_SEED);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_SEED, f);
	fclose(f);
	/* an exact-size copy, so ASan sees reads past the end of the input */
	{
		uint8_t *exact = malloc(n > 0 ? n : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	const char *prog = strrchr(argv[0], '/');
	char dir[1024], path[2048];
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)argc;
	prog = prog == NULL ? argv[0] : prog + 1;
	if (strncmp(prog, "fuzz_", 5) == 0)
		prog += 5;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
	    top != NULL ? top : ".", prog);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: no corpus at %s\n", dir);
		return 99;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (replay_file(path) == -1) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			closedir(d);
			return 99;
		}
		n++;
	}
	closedir(d);
	printf("replayed %d seeds from %s\n", n, dir);
	return n > 0 ? 0 : 99;
}
