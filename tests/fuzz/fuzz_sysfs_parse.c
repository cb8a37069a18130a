// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the sysfs value readers and parsers of lib/sysfs.c.
 * Input: the content of an attribute file. iios_read_file() reads it from a
 * memfd into buffers of several sizes (the text with trailing newlines
 * stripped, or -EFBIG); iios_parse_ll() and iios_parse_double() parse what
 * it read, and whatever they accept must print and parse back to the same
 * value.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_target.h"
#include "internal.h"

static int memfd = -1;
static char memfd_path[64];

static void check_numbers(const char *text)
{
	char out[64];
	long long v, w;
	double d, e;

	if (iios_parse_ll(text, &v) == 0) {
		snprintf(out, sizeof(out), "%lld", v);
		if (iios_parse_ll(out, &w) || v != w)
			fuzz_fail("an integer does not print and parse back");
	}
	if (iios_parse_double(text, &d) == 0) {
		if (isnan(d))
			fuzz_fail("NaN accepted as a number");
		snprintf(out, sizeof(out), "%.17g", d);
		if (iios_parse_double(out, &e) || !(d == e))
			fuzz_fail("a double does not print and parse back");
	}
}

/* Size of @data once trailing newlines and carriage returns are gone. */
static size_t stripped_len(const uint8_t *data, size_t size)
{
	while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	return size;
}

static void check_read(const uint8_t *data, size_t size, size_t len)
{
	char *buf = malloc(len);
	ssize_t r;

	if (!buf)
		return;
	r = iios_read_file(AT_FDCWD, memfd_path, buf, len);
	if (size > len - 1) {
		if (r != -EFBIG)
			fuzz_fail("a file larger than the buffer is not -EFBIG");
	} else if (r < 0) {
		fuzz_fail("a file that fits is not read");
	} else if ((size_t)r != stripped_len(data, size) || memcmp(buf, data, (size_t)r) ||
		   buf[r] != '\0') {
		fuzz_fail("read_file text differs from the file");
	} else {
		check_numbers(buf);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[] = { 1, 2, 8, 64, 256, 4096 };

	if (memfd < 0) {
		memfd = memfd_create("fuzz-sysfs", MFD_CLOEXEC);
		if (memfd < 0)
			fuzz_fail("memfd_create");
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) || pwrite(memfd, data, size, 0) != (ssize_t)size)
		fuzz_fail("writing the memfd");
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		check_read(data, size, lens[i]);
	return 0;
}
