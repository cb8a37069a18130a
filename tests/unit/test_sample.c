/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scan layout (kernel iio_compute_scan_bytes parity) and demux. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiostream.h"

static struct iios_scan_type T(const char *s)
{
	struct iios_scan_type st;

	if (iios_scan_type_parse(s, &st))
		fail_msg("bad type %s", s);
	return st;
}

static void layout(const struct iios_scan_type *t, size_t n, const size_t *want_off,
		   size_t want_bytes)
{
	size_t off[8], bytes = 0;

	assert_int_equal(iios_scan_layout(t, n, off, &bytes), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(off[i], want_off[i]);
	assert_int_equal(bytes, want_bytes);
}

static void test_layout(void **state)
{
	(void)state;
	{ /* sim-adc: four le:s16/16 channels -> 8-byte scans */
		struct iios_scan_type t[] = { T("le:s16/16>>0"), T("le:s16/16>>0"),
					      T("le:s16/16>>0"), T("le:s16/16>>0") };
		layout(t, 4, (size_t[]){ 0, 2, 4, 6 }, 8);
	}
	{ /* u8 then s32: the s32 is aligned to 4, scan padded to 4 */
		struct iios_scan_type t[] = { T("le:u8/8>>0"), T("le:s32/32>>0") };
		layout(t, 2, (size_t[]){ 0, 4 }, 8);
	}
	{ /* two s16 and a 64-bit timestamp */
		struct iios_scan_type t[] = { T("le:s16/16>>0"), T("be:s12/16>>4"),
					      T("le:s64/64>>0") };
		layout(t, 3, (size_t[]){ 0, 2, 8 }, 16);
	}
	{ /* one s16 and a timestamp: padding in the middle */
		struct iios_scan_type t[] = { T("le:s16/16>>0"), T("le:s64/64>>0") };
		layout(t, 2, (size_t[]){ 0, 8 }, 16);
	}
	{ /* three u8: scan of 3 bytes, largest 1 */
		struct iios_scan_type t[] = { T("le:u8/8>>0"), T("le:u8/8>>0"), T("le:u8/8>>0") };
		layout(t, 3, (size_t[]){ 0, 1, 2 }, 3);
	}
	{ /* repeat: u16X2 is a 4-byte sample */
		struct iios_scan_type t[] = { T("le:u8/8>>0"), T("le:u16/16X2>>0") };
		layout(t, 2, (size_t[]){ 0, 4 }, 8);
	}
	{ /* repeat 3 of u8 (3 bytes) then u16: the kernel's ALIGN() with a
	   * non-power-of-two size: ALIGN(0,3)=0, +3, ALIGN(3,2)=4, +2 = 6,
	   * ALIGN(6,3) = (6+2) & ~2 = 8. */
		struct iios_scan_type t[] = { T("le:u8/8X3>>0"), T("le:u16/16>>0") };
		layout(t, 2, (size_t[]){ 0, 4 }, 8);
	}
	{ /* offsets may be NULL */
		struct iios_scan_type t[] = { T("le:s32/32>>0") };
		size_t bytes = 0;

		assert_int_equal(iios_scan_layout(t, 1, NULL, &bytes), 0);
		assert_int_equal(bytes, 4);
	}
	{ /* errors */
		struct iios_scan_type t[] = { T("le:s32/32>>0") };
		size_t bytes;

		assert_int_equal(iios_scan_layout(t, 0, NULL, &bytes), -EINVAL);
		assert_int_equal(iios_scan_layout(NULL, 1, NULL, &bytes), -EINVAL);
		t[0].storage_bits = 24;
		assert_int_equal(iios_scan_layout(t, 1, NULL, &bytes), -EINVAL);
	}
}

static void test_demux(void **state)
{
	uint8_t src[5 * 8], dst[64];

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)i;
	/* channel at offset 2, 2 bytes, 8-byte scans: 5 samples */
	memset(dst, 0xee, sizeof(dst));
	assert_int_equal(iios_demux(src, sizeof(src), 8, 2, 2, dst, sizeof(dst)), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(dst[2 * i], 8 * i + 2);
		assert_int_equal(dst[2 * i + 1], 8 * i + 3);
	}
	assert_int_equal(dst[10], 0xee);
	/* dst limits the count */
	assert_int_equal(iios_demux(src, sizeof(src), 8, 2, 2, dst, 7), 3);
	/* a partial trailing scan is ignored */
	assert_int_equal(iios_demux(src, 8 * 2 + 7, 8, 0, 8, dst, sizeof(dst)), 2);
	assert_memory_equal(dst, src, 16);
	/* odd sample sizes (repeat 3 of u8) */
	assert_int_equal(iios_demux(src, sizeof(src), 8, 4, 3, dst, sizeof(dst)), 5);
	assert_int_equal(dst[3], 12);
	assert_int_equal(dst[14], 32 + 6);
	/* 4-byte samples */
	assert_int_equal(iios_demux(src, sizeof(src), 8, 4, 4, dst, sizeof(dst)), 5);
	assert_int_equal(dst[4], 12);
	/* geometry errors */
	assert_int_equal(iios_demux(src, sizeof(src), 8, 7, 2, dst, sizeof(dst)), -EINVAL);
	assert_int_equal(iios_demux(src, sizeof(src), 0, 0, 2, dst, sizeof(dst)), -EINVAL);
	assert_int_equal(iios_demux(src, sizeof(src), 8, 0, 0, dst, sizeof(dst)), -EINVAL);
	assert_int_equal(iios_demux(src, sizeof(src), 8, 9, 1, dst, sizeof(dst)), -EINVAL);
	assert_int_equal(iios_demux(NULL, 0, 8, 0, 2, dst, sizeof(dst)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_demux),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
