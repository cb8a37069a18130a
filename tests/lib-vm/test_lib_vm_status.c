/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-block status of libiiostream input streams against sim-adc (run inside
 * vm/run, suite 'kernel'), with iio-sim's debugfs fault injection:
 *
 * - transfers failed by fail_count/fail_errno come back as their blocks'
 *   status, streaming goes on and the statistics count them;
 * - the export race: a transfer that completes between ENQUEUE and
 *   DMA_BUF_IOCTL_EXPORT_SYNC_FILE leaves only a signalled stub fence to
 *   export. Such a block must be reported as "status unknown", never as a
 *   success, although every transfer of the test fails.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "iiostream.h"
#include "simtest.h"

struct fx {
	struct sim adc;
	struct iios_context *ctx;
	struct iios_buffer *buf;
	struct iios_stream *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct iios_device *dev;
	char err[512];

	assert_non_null(f);
	if (sim_find(&f->adc, SIM_ADC_NAME))
		fail_msg("no %s", SIM_ADC_NAME);
	assert_int_equal(sim_attr_write(&f->adc, "sampling_frequency", "0"), 0);
	assert_int_equal(sim_attr_write(&f->adc, "waveform", "counter"), 0);
	f->ctx = iios_context_new(NULL, NULL, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	dev = iios_context_find_device(f->ctx, SIM_ADC_NAME);
	if (!dev)
		fail_msg("%s", iios_context_last_error(f->ctx));
	f->buf = iios_device_find_buffer(dev, 0);
	assert_non_null(f->buf);
	assert_int_equal(iios_buffer_channel_count(f->buf), 4);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	iios_stream_close(f->s);
	sim_debugfs_write(&f->adc, "buffer0/stall", "0");
	sim_debugfs_write(&f->adc, "buffer0/fail_count", "0");
	sim_debugfs_write(&f->adc, "buffer0/fail_errno", "5");
	sim_attr_write(&f->adc, "sampling_frequency", "10000");
	iios_context_free(f->ctx);
	free(f);
	return 0;
}

static void open_input(struct fx *f, size_t scans, unsigned int nb_blocks)
{
	struct iios_channel *ch[4];
	struct iios_stream_params p = {
		.block_scans = scans, .nb_blocks = nb_blocks, .backend = IIOS_BACKEND_DMABUF,
	};

	for (size_t i = 0; i < 4; i++)
		ch[i] = iios_buffer_channel(f->buf, i);
	f->s = iios_stream_open(f->buf, ch, 4, &p);
	if (!f->s)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
}

/*
 * fail_count = 2 with fail_errno = EMSGSIZE (a value nothing else produces):
 * the first two blocks come back with -EMSGSIZE, known; the others carry the
 * counter from scan 0 on without a gap (a failed transfer is not filled and
 * takes no scans), and the statistics count exactly two errors.
 */
static void test_input_fault_status(void **state)
{
	const size_t scans = 8192; /* 64 KiB */
	struct fx *f = *state;
	struct iios_stream_stats st;
	struct counter c = { 0 };

	assert_int_equal(sim_debugfs_write(&f->adc, "buffer0/stall", "1"), 0);
	open_input(f, scans, 4); /* all four queued and exported while stalled */
	assert_int_equal(sim_debugfs_write(&f->adc, "buffer0/fail_errno", "%d", EMSGSIZE), 0);
	assert_int_equal(sim_debugfs_write(&f->adc, "buffer0/fail_count", "2"), 0);
	assert_int_equal(sim_debugfs_write(&f->adc, "buffer0/stall", "0"), 0);
	for (unsigned int i = 0; i < 64; i++) {
		struct iios_block *blk;

		if (iios_stream_get_block(f->s, 10000, &blk))
			fail_msg("get_block %u: %s", i, iios_stream_last_error(f->s));
		if (i < 2) {
			assert_true(iios_block_status_known(blk));
			assert_int_equal(iios_block_status(blk), -EMSGSIZE);
		} else {
			assert_int_equal(iios_block_status(blk), 0);
			counter_check(&c, iios_block_data(blk), iios_block_bytes_used(blk));
		}
		if (iios_stream_release_block(f->s, blk))
			fail_msg("release %u: %s", i, iios_stream_last_error(f->s));
	}
	assert_int_equal(c.scans, 62 * scans);
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 64);
	assert_int_equal(st.block_errors, 2);
}

/*
 * Every transfer fails, at once when the engine takes it up, and one small
 * block is in rotation: the engine often completes the transfer before the
 * library exports its fence. Each block must be either a known -EIO or an
 * unknown status; a known 0 would be a failure reported as success.
 */
static void test_export_race_is_unknown(void **state)
{
	const unsigned int rounds = 400;
	struct fx *f = *state;
	struct iios_stream_stats st;
	uint64_t errors = 0, unknown = 0;

	assert_int_equal(sim_debugfs_write(&f->adc, "buffer0/fail_count", "1000000"), 0);
	open_input(f, 64, 1);
	for (unsigned int i = 0; i < rounds; i++) {
		struct iios_block *blk;

		if (iios_stream_get_block(f->s, 10000, &blk))
			fail_msg("get_block %u: %s", i, iios_stream_last_error(f->s));
		if (iios_block_status_known(blk)) {
			if (iios_block_status(blk) != -EIO)
				fail_msg("block %u: status %d reported as known; every transfer failed",
					 i, iios_block_status(blk));
			errors++;
		} else {
			assert_int_equal(iios_block_status(blk), 0);
			unknown++;
		}
		if (iios_stream_release_block(f->s, blk))
			fail_msg("release %u: %s", i, iios_stream_last_error(f->s));
	}
	print_message("%u failed transfers: %llu known -EIO, %llu unknown (export race)\n",
		      rounds, (unsigned long long)errors, (unsigned long long)unknown);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, rounds);
	assert_int_equal(st.block_errors, errors);
	assert_int_equal(st.status_unknown, unknown);
}

/* With IIOS_STREAM_NO_BLOCK_STATUS no transferred block's status is known. */
static void test_no_status_flag_is_unknown(void **state)
{
	struct fx *f = *state;
	struct iios_stream_params p = {
		.block_scans = 1024, .nb_blocks = 4, .backend = IIOS_BACKEND_DMABUF,
		.flags = IIOS_STREAM_NO_BLOCK_STATUS,
	};
	struct iios_channel *ch = iios_buffer_channel(f->buf, 0);
	struct iios_stream_stats st;

	f->s = iios_stream_open(f->buf, &ch, 1, &p);
	if (!f->s)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	for (unsigned int i = 0; i < 8; i++) {
		struct iios_block *blk;

		if (iios_stream_get_block(f->s, 10000, &blk))
			fail_msg("get_block: %s", iios_stream_last_error(f->s));
		assert_false(iios_block_status_known(blk));
		assert_int_equal(iios_stream_release_block(f->s, blk), 0);
	}
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.status_unknown, 8);
}

/*
 * iios_stream_stop() 2.5 s into a stream of 1024-scan blocks at 1000 scans/s:
 * the two blocks completed come back with the counter from 0, the two in
 * flight come back cancelled and empty, then -ENODATA; the statistics hold
 * the two. The same without per-block status (decided by a poll at stop).
 */
static void test_stop_keeps_completed_blocks(void **state)
{
	static const unsigned int flags[2] = { 0, IIOS_STREAM_NO_BLOCK_STATUS };
	struct fx *f = *state;

	assert_int_equal(sim_attr_write(&f->adc, "sampling_frequency", "1000"), 0);
	for (int k = 0; k < 2; k++) {
		struct iios_channel *ch[4];
		struct iios_stream_params p = {
			.block_scans = 1024, .nb_blocks = 4, .backend = IIOS_BACKEND_DMABUF,
			.flags = flags[k],
		};
		struct timespec ts = { 2, 500000000 };
		struct iios_stream_stats st;
		struct counter c = { 0 };
		struct iios_block *blk;
		int r;

		for (size_t i = 0; i < 4; i++)
			ch[i] = iios_buffer_channel(f->buf, i);
		f->s = iios_stream_open(f->buf, ch, 4, &p);
		if (!f->s)
			fail_msg("open: %s", iios_context_last_error(f->ctx));
		nanosleep(&ts, NULL);
		assert_int_equal(iios_stream_stop(f->s), 0);
		for (unsigned int i = 0; i < 4; i++) {
			if (iios_stream_get_block(f->s, 5000, &blk))
				fail_msg("get_block %u: %s", i, iios_stream_last_error(f->s));
			if (i < 2) {
				assert_int_equal(iios_block_status(blk), 0);
				assert_int_equal(iios_block_bytes_used(blk), 8192);
				counter_check(&c, iios_block_data(blk), 8192);
			} else {
				assert_int_equal(iios_block_status(blk), -ECANCELED);
				assert_int_equal(iios_block_bytes_used(blk), 0);
			}
			assert_int_equal(iios_stream_release_block(f->s, blk), 0);
		}
		r = iios_stream_get_block(f->s, 5000, &blk);
		assert_int_equal(r, -ENODATA);
		assert_int_equal(c.scans, 2048);
		assert_int_equal(c.gaps + c.mismatches, 0);
		assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
		assert_int_equal(st.blocks, 2);
		assert_int_equal(st.block_errors, 0);
		iios_stream_close(f->s);
		f->s = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_input_fault_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_race_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_status_flag_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_keeps_completed_blocks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
