/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scan types: parsing, formatting, and conversion for every legal type. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiostream.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so failures reproduce. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void parse_ok(const char *s, bool sgn, bool be, unsigned bits, unsigned storage,
		     unsigned repeat, unsigned shift)
{
	struct iios_scan_type st;

	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(iios_scan_type_parse(s, &st), 0);
	assert_int_equal(st.is_signed, sgn);
	assert_int_equal(st.is_be, be);
	assert_int_equal(st.bits, bits);
	assert_int_equal(st.storage_bits, storage);
	assert_int_equal(st.repeat, repeat);
	assert_int_equal(st.shift, shift);
}

static void test_parse_legal(void **state)
{
	(void)state;
	parse_ok("le:s16/16>>0", true, false, 16, 16, 1, 0);
	parse_ok("le:s16/16>>0\n", true, false, 16, 16, 1, 0);
	parse_ok("be:u12/16>>4", false, true, 12, 16, 1, 4);
	parse_ok("le:u1/8>>7", false, false, 1, 8, 1, 7);
	parse_ok("be:s64/64>>0", true, true, 64, 64, 1, 0);
	parse_ok("le:s24/32>>8", true, false, 24, 32, 1, 8);
	parse_ok("le:u16/16X3>>0", false, false, 16, 16, 3, 0);
	parse_ok("be:s14/16X2>>2", true, true, 14, 16, 2, 2);
	parse_ok("le:S16/16>>0", true, false, 16, 16, 1, 0);
	parse_ok("le:U8/8>>0", false, false, 8, 8, 1, 0);
	parse_ok("le:s16/16X1>>0", true, false, 16, 16, 1, 0);
}

static void test_parse_illegal(void **state)
{
	static const char *const bad[] = {
		"", "le", "le:", "le:s", "le:s16", "le:s16/", "le:s16/16", "le:s16/16>",
		"le:s16/16>>", "xx:s16/16>>0", "LE:s16/16>>0", "le:q16/16>>0",
		"le:s0/16>>0", "le:s17/16>>0", "le:s12/16>>5", "le:s16/12>>0",
		"le:s16/24>>0", "le:s16/0>>0", "le:s8/128>>0", "le:s16/16X0>>0",
		"le:s16/16X>>0", "le:s16/16>>16", "le:s16/16>>0 ", "le:s16/16>>0\n\n",
		"le:s16/16>>0junk", "le:s-1/16>>0", "le:s16/-16>>0", "le:s+16/16>>0",
		"le: s16/16>>0", "le:s16 /16>>0", "le:s99999999999/16>>0", "be:u16/16x2>>0",
		"le:s16/16>>-1", "le:s16/16<<0",
	};
	struct iios_scan_type st = { .bits = 77 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iios_scan_type_parse(bad[i], &st) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(st.bits, 77); /* untouched on failure */
	}
	assert_int_equal(iios_scan_type_parse(NULL, &st), -EINVAL);
	assert_int_equal(iios_scan_type_parse("le:s16/16>>0", NULL), -EINVAL);
}

static void test_format(void **state)
{
	struct iios_scan_type st = { .is_signed = true, .bits = 12, .storage_bits = 16,
				     .repeat = 1, .shift = 4 };
	char buf[64];

	(void)state;
	assert_int_equal(iios_scan_type_format(&st, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "le:s12/16>>4");
	st.is_be = true;
	st.is_signed = false;
	st.repeat = 3;
	iios_scan_type_format(&st, buf, sizeof(buf));
	assert_string_equal(buf, "be:u12/16X3>>4");
	/* Truncation behaves like snprintf. */
	assert_int_equal(iios_scan_type_format(&st, buf, 5), 14);
	assert_string_equal(buf, "be:u");
	st.bits = 17;
	assert_int_equal(iios_scan_type_format(&st, buf, sizeof(buf)), -EINVAL);
	st.bits = 12;
	st.repeat = 0;
	assert_int_equal(iios_scan_type_format(&st, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(iios_scan_type_sample_bytes(&(struct iios_scan_type){
		.bits = 16, .storage_bits = 16, .repeat = 3 }), 6);
	assert_int_equal(iios_scan_type_sample_bytes(&(struct iios_scan_type){
		.bits = 1, .storage_bits = 64, .repeat = 1 }), 8);
}

/* Encode value (low `bits` significant) with junk in the bits the type ignores. */
static void encode(const struct iios_scan_type *st, uint64_t value, uint64_t junk, uint8_t *out)
{
	unsigned int n = st->storage_bits / 8;
	uint64_t mask = st->bits == 64 ? ~0ull : (1ull << st->bits) - 1;
	uint64_t word = (junk & ~(mask << st->shift)) | ((value & mask) << st->shift);

	if (st->storage_bits < 64)
		word &= (1ull << st->storage_bits) - 1;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t byte = (uint8_t)(word >> (8 * i));

		out[st->is_be ? n - 1 - i : i] = byte;
	}
}

static int64_t expected_signed(const struct iios_scan_type *st, uint64_t v)
{
	int64_t r;

	if (!st->is_signed || st->bits == 64) {
		memcpy(&r, &v, sizeof(r));
		return r;
	}
	/* Independent of the library's method: set every bit above `bits`. */
	if (v & (1ull << (st->bits - 1)))
		v |= ~((1ull << st->bits) - 1);
	memcpy(&r, &v, sizeof(r));
	return r;
}

static void check_one(const struct iios_scan_type *st, uint64_t value)
{
	uint8_t buf[8 * 3 + 1];
	uint64_t mask = st->bits == 64 ? ~0ull : (1ull << st->bits) - 1;
	unsigned int elem = st->storage_bits / 8;
	uint64_t want = value & mask;

	/* Elements of a repeated sample are independent. */
	for (unsigned int k = 0; k < st->repeat; k++)
		encode(st, value + k * 0x1111, rnd(), buf + k * elem);
	for (unsigned int k = 0; k < st->repeat; k++) {
		uint64_t wk = (value + k * 0x1111) & mask;
		double d;

		if (iios_sample_to_u64(st, buf + k * elem) != wk)
			fail_msg("u64 mismatch for %s%u/%u>>%u value %#llx",
				 st->is_be ? "be" : "le", st->bits, st->storage_bits, st->shift,
				 (unsigned long long)wk);
		if (iios_sample_to_s64(st, buf + k * elem) != expected_signed(st, wk))
			fail_msg("s64 mismatch for %c%u/%u>>%u value %#llx",
				 st->is_signed ? 's' : 'u', st->bits, st->storage_bits, st->shift,
				 (unsigned long long)wk);
		d = iios_sample_to_double(st, buf + k * elem, 0.5, 3.0);
		if (st->is_signed) {
			assert_true(d == ((double)expected_signed(st, wk) + 3.0) * 0.5);
		} else {
			assert_true(d == ((double)wk + 3.0) * 0.5);
		}
	}
	(void)want;
}

static void test_every_legal_type(void **state)
{
	static const unsigned int storages[] = { 8, 16, 32, 64 };
	static const unsigned int repeats[] = { 1, 2, 3 };
	unsigned long types = 0;

	(void)state;
	for (size_t si = 0; si < 4; si++)
	for (unsigned int bits = 1; bits <= storages[si]; bits++)
	for (unsigned int shift = 0; shift + bits <= storages[si]; shift++)
	for (int sgn = 0; sgn < 2; sgn++)
	for (int be = 0; be < 2; be++)
	for (size_t ri = 0; ri < 3; ri++) {
		struct iios_scan_type st = {
			.is_signed = sgn, .is_be = be, .bits = bits,
			.storage_bits = storages[si], .repeat = repeats[ri], .shift = shift,
		}, back;
		uint64_t top = bits == 64 ? ~0ull : (1ull << bits) - 1;
		char txt[64];

		/* Round trip through the text form. */
		assert_true(iios_scan_type_format(&st, txt, sizeof(txt)) > 0);
		assert_int_equal(iios_scan_type_parse(txt, &back), 0);
		assert_int_equal(back.is_signed, st.is_signed);
		assert_int_equal(back.is_be, st.is_be);
		assert_int_equal(back.bits, st.bits);
		assert_int_equal(back.storage_bits, st.storage_bits);
		assert_int_equal(back.repeat, st.repeat);
		assert_int_equal(back.shift, st.shift);
		/* Edges: 0, 1, max, min (top bit only), max positive, and random. */
		check_one(&st, 0);
		check_one(&st, 1);
		check_one(&st, top);
		check_one(&st, 1ull << (bits - 1));
		check_one(&st, (1ull << (bits - 1)) - 1);
		for (int i = 0; i < 4; i++)
			check_one(&st, rnd());
		types++;
	}
	/* 2780 (bits, storage, shift) combinations x sign x endianness x 3 repeats. */
	assert_int_equal(types, 2780ul * 2 * 2 * 3);
}

static void test_known_vectors(void **state)
{
	struct iios_scan_type st;
	const uint8_t be12[] = { 0xff, 0xf0 };	/* be:s12/16>>4 = -1 */
	const uint8_t le10[] = { 0x0c, 0x00 };	/* le:u10/16>>2 = 3 */
	const uint8_t le16[] = { 0x00, 0x80 };	/* le:s16/16 = -32768 */
	const uint8_t be24[] = { 0x80, 0x00, 0x01, 0x55 }; /* be:s24/32>>8 = -8388607 */
	const uint8_t le64[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	(void)state;
	iios_scan_type_parse("be:s12/16>>4", &st);
	assert_int_equal(iios_sample_to_s64(&st, be12), -1);
	assert_int_equal(iios_sample_to_u64(&st, be12), 0xfff);
	iios_scan_type_parse("le:u10/16>>2", &st);
	assert_int_equal(iios_sample_to_s64(&st, le10), 3);
	iios_scan_type_parse("le:s16/16>>0", &st);
	assert_int_equal(iios_sample_to_s64(&st, le16), -32768);
	assert_true(iios_sample_to_double(&st, le16, 0.25, 0) == -8192.0);
	iios_scan_type_parse("be:s24/32>>8", &st);
	assert_int_equal(iios_sample_to_s64(&st, be24), -8388607);
	iios_scan_type_parse("le:u64/64>>0", &st);
	assert_true(iios_sample_to_u64(&st, le64) == UINT64_MAX);
	assert_true(iios_sample_to_double(&st, le64, 1.0, 0.0) == 18446744073709551615.0);
	iios_scan_type_parse("le:s64/64>>0", &st);
	assert_int_equal(iios_sample_to_s64(&st, le64), -1);
	/* Unaligned source pointer. */
	{
		uint8_t raw[5] = { 0, 0x34, 0x12, 0, 0 };

		iios_scan_type_parse("le:u16/16>>0", &st);
		assert_int_equal(iios_sample_to_u64(&st, raw + 1), 0x1234);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_legal),
		cmocka_unit_test(test_parse_illegal),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_every_legal_type),
		cmocka_unit_test(test_known_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
