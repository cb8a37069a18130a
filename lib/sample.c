/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sample conversion, scan layout and demux. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "internal.h"

IIOS_API uint64_t iios_sample_to_u64(const struct iios_scan_type *st, const void *src)
{
	const uint8_t *p = src;
	unsigned int n = st->storage_bits / 8;
	uint64_t v = 0;

	/* Byte order of the data, independent of the host's. */
	if (st->is_be) {
		for (unsigned int i = 0; i < n; i++)
			v = (v << 8) | p[i];
	} else {
		for (unsigned int i = n; i-- > 0;)
			v = (v << 8) | p[i];
	}
	v >>= st->shift;
	if (st->bits < 64)
		v &= (UINT64_C(1) << st->bits) - 1;
	return v;
}

IIOS_API int64_t iios_sample_to_s64(const struct iios_scan_type *st, const void *src)
{
	uint64_t v = iios_sample_to_u64(st, src);

	if (st->is_signed && st->bits < 64) {
		uint64_t sign = UINT64_C(1) << (st->bits - 1);

		/* Two's-complement sign extension without implementation-defined shifts. */
		v = (v ^ sign) - sign;
	}
	/* Conversion of values > INT64_MAX is implementation-defined in C11;
	 * go through memcpy to get the two's-complement reinterpretation. */
	int64_t r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

IIOS_API double iios_sample_to_double(const struct iios_scan_type *st, const void *src,
				      double scale, double offset)
{
	double v;

	if (st->is_signed)
		v = (double)iios_sample_to_s64(st, src);
	else
		v = (double)iios_sample_to_u64(st, src);
	return (v + offset) * scale;
}

/* The kernel's ALIGN(): (x + a - 1) & ~(a - 1). For a sample size that is not
 * a power of two (repeat 3, ...) this is what the kernel computes too, so the
 * layout must follow it rather than a true round-up. */
static size_t kalign(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

IIOS_API int iios_scan_layout(const struct iios_scan_type *types, size_t n, size_t *offsets,
			      size_t *scan_bytes)
{
	size_t bytes = 0, largest = 0;
	char tmp[64];

	if (!types || n == 0 || !scan_bytes)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (iios_scan_type_format(&types[i], tmp, sizeof(tmp)) < 0)
			return -EINVAL;
		len = iios_scan_type_sample_bytes(&types[i]);
		bytes = kalign(bytes, len);
		if (offsets)
			offsets[i] = bytes;
		bytes += len;
		if (len > largest)
			largest = len;
	}
	*scan_bytes = kalign(bytes, largest);
	return 0;
}

IIOS_API ssize_t iios_demux(const void *src, size_t src_len, size_t scan_bytes, size_t offset,
			    size_t sample_bytes, void *dst, size_t dst_len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t nscans, room;

	if (scan_bytes == 0 || sample_bytes == 0 || offset > scan_bytes ||
	    sample_bytes > scan_bytes - offset || (!src && src_len) || (!dst && dst_len))
		return -EINVAL;
	nscans = src_len / scan_bytes;
	room = dst_len / sample_bytes;
	if (nscans > room)
		nscans = room;
	if (nscans > SSIZE_MAX)
		nscans = SSIZE_MAX;
	/* Common sizes get a fixed-size memcpy the compiler can inline. */
	switch (sample_bytes) {
	case 2:
		for (size_t i = 0; i < nscans; i++)
			memcpy(d + i * 2, s + i * scan_bytes + offset, 2);
		break;
	case 4:
		for (size_t i = 0; i < nscans; i++)
			memcpy(d + i * 4, s + i * scan_bytes + offset, 4);
		break;
	case 8:
		for (size_t i = 0; i < nscans; i++)
			memcpy(d + i * 8, s + i * scan_bytes + offset, 8);
		break;
	default:
		for (size_t i = 0; i < nscans; i++)
			memcpy(d + i * sample_bytes, s + i * scan_bytes + offset, sample_bytes);
	}
	return (ssize_t)nscans;
}
