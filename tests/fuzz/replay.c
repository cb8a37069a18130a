// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs a libFuzzer target over files and directories of inputs without
 * libFuzzer: the committed corpus as a regression test in meson (any
 * compiler, and the ASan+UBSan build). Exit status 0 when every input ran.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_target.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (size == cap) {
			uint8_t *p = realloc(data, cap = cap ? 2 * cap : 4096);

			if (!p) {
				fprintf(stderr, "replay: %s: %s\n", path, strerror(ENOMEM));
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	fclose(f);
	/* a copy of exactly size bytes, so that ASan sees overreads */
	uint8_t *exact = malloc(size ? size : 1);

	if (exact) {
		memcpy(exact, data, size);
		LLVMFuzzerTestOneInput(exact, size);
	}
	free(exact);
	free(data);
	return exact ? 0 : -1;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	unsigned int inputs = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **names;
		struct stat sb;
		int n;

		if (stat(argv[i], &sb) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			failed += run_file(argv[i]) < 0;
			inputs++;
			continue;
		}
		n = scandir(argv[i], &names, NULL, cmp_name);
		if (n < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			if (names[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
				failed += run_file(path) < 0;
				inputs++;
			}
			free(names[j]);
		}
		free(names);
	}
	printf("replay: %u inputs, %u unreadable\n", inputs, failed);
	return failed || !inputs;
}
