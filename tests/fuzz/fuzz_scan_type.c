// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the scan type parser (lib/scan_type.c) and what uses a
 * parsed type. Input: the text of a _type file, then optionally a NUL and
 * sample bytes. A legal type must format to text that parses back to the
 * same type, decode a sample within its bits, and lay out scans without
 * overlap, as the kernel does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "internal.h"

static bool same_type(const struct iios_scan_type *a, const struct iios_scan_type *b)
{
	return a->is_signed == b->is_signed && a->is_be == b->is_be && a->bits == b->bits &&
	       a->storage_bits == b->storage_bits && a->repeat == b->repeat &&
	       a->shift == b->shift;
}

static void check_sample(const struct iios_scan_type *st, const uint8_t *p, size_t len)
{
	uint64_t u;
	int64_t s;

	if (len < st->storage_bits / 8)
		return;
	u = iios_sample_to_u64(st, p);
	s = iios_sample_to_s64(st, p);
	if (st->bits < 64 && u >> st->bits)
		fuzz_fail("decoded value wider than its bits");
	if (!st->is_signed && (uint64_t)s != u)
		fuzz_fail("unsigned s64 differs from u64");
	if (st->is_signed && st->bits < 64) {
		int64_t lim = INT64_C(1) << (st->bits - 1);

		if (s < -lim || s >= lim)
			fuzz_fail("signed value out of its range");
	}
	(void)iios_sample_to_double(st, p, 0.5, -1.0);
}

static void check_layout(const struct iios_scan_type *st, const uint8_t *p, size_t len)
{
	static const struct iios_scan_type u8 = { .bits = 8, .storage_bits = 8, .repeat = 1 };
	struct iios_scan_type types[3] = { *st, u8, *st };
	size_t off[3], scan, prev_end = 0;
	uint8_t dst[64];
	ssize_t n;

	if (iios_scan_layout(types, 3, off, &scan))
		fuzz_fail("no layout for legal types");
	for (int i = 0; i < 3; i++) {
		size_t bytes = iios_scan_type_sample_bytes(&types[i]);

		if (off[i] < prev_end)
			fuzz_fail("samples overlap in the scan");
		prev_end = off[i] + bytes;
	}
	if (prev_end > scan)
		fuzz_fail("scan shorter than its samples");
	n = iios_demux(p, len, scan, off[1], 1, dst, sizeof(dst));
	if (n < 0 || (size_t)n > len / scan || (size_t)n > sizeof(dst))
		fuzz_fail("demux count out of bounds");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t tlen = strnlen((const char *)data, size);
	const uint8_t *sample = data + tlen + (tlen < size);
	size_t slen = size - (size_t)(sample - data);
	struct iios_scan_type st, back;
	char *text = strndup((const char *)data, tlen);
	char fmt[80];
	int n;

	if (!text)
		return 0;
	if (iios_scan_type_parse(text, &st) == 0) {
		n = iios_scan_type_format(&st, fmt, sizeof(fmt));
		if (n < 0 || (size_t)n >= sizeof(fmt))
			fuzz_fail("a parsed type does not format");
		if (iios_scan_type_parse(fmt, &back) || !same_type(&st, &back))
			fuzz_fail("format does not parse back to the same type");
		if (iios_scan_type_format(&st, NULL, 0) != n)
			fuzz_fail("format length depends on the buffer");
		check_sample(&st, sample, slen);
		check_layout(&st, sample, slen);
	}
	free(text);
	return 0;
}
