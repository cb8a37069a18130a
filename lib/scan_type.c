/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scan types: parse and format "[be|le]:[s|u]bits/storage[Xrepeat]>>shift". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static bool parse_uint(const char **p, unsigned int *out)
{
	const char *s = *p;
	unsigned int v = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > 100000)
			return false;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

static bool scan_type_legal(const struct iios_scan_type *st)
{
	switch (st->storage_bits) {
	case 8: case 16: case 32: case 64:
		break;
	default:
		return false;
	}
	return st->bits >= 1 && st->repeat >= 1 &&
	       st->shift < st->storage_bits &&
	       st->bits + st->shift <= st->storage_bits;
}

IIOS_API int iios_scan_type_parse(const char *str, struct iios_scan_type *out)
{
	struct iios_scan_type st = { .repeat = 1 };
	const char *p = str;

	if (!str || !out)
		return -EINVAL;
	if (!strncmp(p, "le:", 3))
		st.is_be = false;
	else if (!strncmp(p, "be:", 3))
		st.is_be = true;
	else
		return -EINVAL;
	p += 3;
	switch (*p) {
	case 's': case 'S':
		st.is_signed = true;
		break;
	case 'u': case 'U':
		st.is_signed = false;
		break;
	default:
		return -EINVAL;
	}
	p++;
	if (!parse_uint(&p, &st.bits) || *p++ != '/' || !parse_uint(&p, &st.storage_bits))
		return -EINVAL;
	if (*p == 'X') {
		p++;
		if (!parse_uint(&p, &st.repeat))
			return -EINVAL;
	}
	if (p[0] != '>' || p[1] != '>')
		return -EINVAL;
	p += 2;
	if (!parse_uint(&p, &st.shift))
		return -EINVAL;
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	if (!scan_type_legal(&st))
		return -EINVAL;
	*out = st;
	return 0;
}

IIOS_API int iios_scan_type_format(const struct iios_scan_type *st, char *buf, size_t len)
{
	const char *e;
	char sign;

	if (!st || !scan_type_legal(st) || (!buf && len))
		return -EINVAL;
	e = st->is_be ? "be" : "le";
	sign = st->is_signed ? 's' : 'u';
	if (st->repeat > 1)
		return snprintf(buf, len, "%s:%c%u/%uX%u>>%u", e, sign, st->bits,
				st->storage_bits, st->repeat, st->shift);
	return snprintf(buf, len, "%s:%c%u/%u>>%u", e, sign, st->bits, st->storage_bits,
			st->shift);
}

IIOS_API size_t iios_scan_type_sample_bytes(const struct iios_scan_type *st)
{
	if (!st)
		return 0;
	return (size_t)(st->storage_bits / 8) * (st->repeat ? st->repeat : 1);
}
