/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiiostream output streams against sim-dac (run inside vm/run, suite
 * 'kernel'): both backends play exactly the data the application submitted.
 * The DAC accounts every played scan in debugfs (bytes, and a checksum over
 * the 16-bit samples in order: a += s; b += a; checksum = b), which the test
 * compares with the same checksum computed over what it submitted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iiostream.h"
#include "simtest.h"

#define BLOCK_SCANS 16384u	/* 64 KiB of 2-channel scans */
#define PLAY_BYTES (16u << 20)
#define SHORT_TAIL 4096u	/* a last, partly filled block */

struct fx {
	struct sim dac;
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
	if (sim_find(&f->dac, SIM_DAC_NAME))
		fail_msg("no %s", SIM_DAC_NAME);
	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "0"), 0);
	f->ctx = iios_context_new(NULL, NULL, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	dev = iios_context_find_device(f->ctx, SIM_DAC_NAME);
	if (!dev)
		fail_msg("%s", iios_context_last_error(f->ctx));
	f->buf = iios_device_find_buffer(dev, 0);
	assert_non_null(f->buf);
	assert_true(iios_buffer_is_output(f->buf));
	assert_int_equal(iios_buffer_channel_count(f->buf), 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	iios_stream_close(f->s);
	sim_debugfs_write(&f->dac, "buffer0/stall", "0");
	sim_debugfs_write(&f->dac, "buffer0/fail_count", "0");
	sim_attr_write(&f->dac, "sampling_frequency", "10000");
	iios_context_free(f->ctx);
	free(f);
	return 0;
}

static void open_output_flags(struct fx *f, enum iios_backend be, unsigned int flags)
{
	struct iios_channel *ch[2] = { iios_buffer_channel(f->buf, 0),
				       iios_buffer_channel(f->buf, 1) };
	struct iios_stream_params p = {
		.block_scans = BLOCK_SCANS, .nb_blocks = 4, .backend = be, .flags = flags,
	};

	f->s = iios_stream_open(f->buf, ch, 2, &p);
	if (!f->s)
		fail_msg("open %s: %s", iios_backend_name(be), iios_context_last_error(f->ctx));
	assert_int_equal(iios_stream_backend(f->s), be);
	assert_int_equal(iios_stream_scan_bytes(f->s), 4);
}

static void open_output(struct fx *f, enum iios_backend be)
{
	open_output_flags(f, be, 0);
}

/* Get a free block, fill it with the pattern from scan @seq on, submit it. */
static struct iios_block *play_block(struct fx *f, uint64_t seq, size_t bytes)
{
	struct iios_block *blk;

	if (iios_stream_get_block(f->s, 10000, &blk))
		fail_msg("get_block: %s", iios_stream_last_error(f->s));
	dac_pattern_fill(iios_block_data(blk), bytes, seq);
	if (iios_stream_submit_block(f->s, blk, bytes, 0))
		fail_msg("submit: %s", iios_stream_last_error(f->s));
	return blk;
}

/* Wait until the DAC played @want->bytes, then compare its checksum. */
static void expect_played(struct fx *f, const struct dac_sum *want)
{
	struct dac_sum got;
	int r = sim_debugfs_wait(&f->dac, "bytes", want->bytes, 30000);

	assert_int_equal(sim_dac_played(&f->dac, &got), 0);
	if (r)
		fail_msg("%s played %llu of %llu bytes", SIM_DAC_NAME,
			 (unsigned long long)got.bytes, (unsigned long long)want->bytes);
	print_message("%s: %llu bytes, checksum %llu (expected %llu)\n",
		      iios_backend_name(iios_stream_backend(f->s)),
		      (unsigned long long)got.bytes, (unsigned long long)got.b,
		      (unsigned long long)want->b);
	assert_int_equal(got.b, want->b);
}

/*
 * PLAY_BYTES plus a short tail through each backend: the DAC plays exactly
 * what was submitted, in order, so both backends deliver identical data.
 */
static void test_backends_play_identical(void **state)
{
	static const enum iios_backend bes[2] = { IIOS_BACKEND_DMABUF, IIOS_BACKEND_FILEIO };
	struct fx *f = *state;
	uint64_t checksums[2];

	for (int k = 0; k < 2; k++) {
		const size_t block = BLOCK_SCANS * 4;
		struct iios_stream_stats st;
		struct dac_sum sum = { 0 };
		uint64_t seq = 0, sent = 0, blocks = 0;

		open_output(f, bes[k]);
		while (sent < PLAY_BYTES + SHORT_TAIL) {
			size_t n = PLAY_BYTES + SHORT_TAIL - sent < block ?
				   PLAY_BYTES + SHORT_TAIL - sent : block;
			struct iios_block *blk = play_block(f, seq, n);

			dac_sum_update(&sum, iios_block_data(blk), n);
			seq += n / 4;
			sent += n;
			blocks++;
		}
		expect_played(f, &sum);
		checksums[k] = sum.b;
		assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
		assert_int_equal(st.blocks, blocks);
		assert_int_equal(st.bytes, sent);
		assert_int_equal(st.block_errors, 0);
		assert_int_equal(st.underruns, 0); /* unthrottled: never */
		assert_int_equal(st.overruns, -1);
		iios_stream_close(f->s);
		f->s = NULL;
	}
	assert_int_equal(checksums[0], checksums[1]);
}

/*
 * Two output transfers failed by fault injection come back with -EIO as the
 * status of their blocks (known, not the race's stub), output continues, the
 * statistics count them, and the DAC played everything else exactly.
 */
static void test_output_fault_status(void **state)
{
	const size_t block = BLOCK_SCANS * 4;
	struct fx *f = *state;
	struct iios_stream_stats st;
	struct dac_sum sum = { 0 };
	uint64_t seq = 0, failed_bytes = 0;

	assert_int_equal(sim_debugfs_write(&f->dac, "buffer0/stall", "1"), 0);
	open_output(f, IIOS_BACKEND_DMABUF);
	/* Four transfers queued (and their fences exported) while stalled. */
	for (unsigned int i = 0; i < 4; i++) {
		struct iios_block *blk = play_block(f, seq, block);

		if (i >= 2)
			dac_sum_update(&sum, iios_block_data(blk), block);
		seq += block / 4;
	}
	failed_bytes = 2 * block;
	assert_int_equal(sim_debugfs_write(&f->dac, "buffer0/fail_count", "2"), 0);
	assert_int_equal(sim_debugfs_write(&f->dac, "buffer0/stall", "0"), 0);
	for (unsigned int i = 4; i < 64; i++) {
		struct iios_block *blk;

		if (iios_stream_get_block(f->s, 10000, &blk))
			fail_msg("get_block: %s", iios_stream_last_error(f->s));
		/* The first four were exported while stalled; a later one may
		 * complete before its export (unknown status, see lib-vm-status). */
		if (i < 8)
			assert_true(iios_block_status_known(blk));
		assert_int_equal(iios_block_status(blk), i < 6 ? -EIO : 0);
		dac_pattern_fill(iios_block_data(blk), block, seq);
		dac_sum_update(&sum, iios_block_data(blk), block);
		seq += block / 4;
		if (iios_stream_submit_block(f->s, blk, block, 0))
			fail_msg("submit: %s", iios_stream_last_error(f->s));
	}
	expect_played(f, &sum);
	assert_int_equal(sum.bytes, seq * 4 - failed_bytes);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 64);
	assert_int_equal(st.block_errors, 2);
	print_message("%llu of 60 later blocks with unknown status\n",
		      (unsigned long long)st.status_unknown);
}

/*
 * At a paced rate (100000 scans/s, 64 KiB blocks of 164 ms): with
 * IIOS_STREAM_MANUAL_START every block is filled and queued before
 * iios_stream_start(), so the DAC starts with 4 blocks (655 ms) queued and
 * never underruns; the default starts at the first submit, after its
 * ENQUEUE (or write()). Either way the DAC plays exactly what was submitted.
 * The underrun count is read while blocks are still queued: once the last
 * one is played, the DAC underruns until it is disabled.
 */
static void play_paced(struct fx *f, enum iios_backend be, unsigned int flags)
{
	const size_t block = BLOCK_SCANS * 4;
	const unsigned int nblocks = 16;
	struct iios_stream_stats st;
	struct dac_sum sum = { 0 };
	uint64_t seq = 0;
	char en[8];

	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "100000"), 0);
	open_output_flags(f, be, flags);
	for (unsigned int i = 0; i < nblocks; i++) {
		struct iios_block *blk = play_block(f, seq, block);

		dac_sum_update(&sum, iios_block_data(blk), block);
		seq += block / 4;
		assert_int_equal(sim_attr_read(&f->dac, "buffer0/enable", en, sizeof(en)), 0);
		if (flags & IIOS_STREAM_MANUAL_START) {
			/* every block filled and queued, then started */
			assert_int_equal(en[0], i < 4 ? '0' : '1');
			if (i == 3)
				assert_int_equal(iios_stream_start(f->s), 0);
		} else {
			assert_int_equal(en[0], '1');
		}
	}
	assert_int_equal(iios_stream_start(f->s), 0); /* started: no-op */
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	print_message("%s%s: %lld underruns at 100000 scans/s\n", iios_backend_name(be),
		      flags & IIOS_STREAM_MANUAL_START ? ", manual start" : "", st.underruns);
	if (flags & IIOS_STREAM_MANUAL_START)
		assert_int_equal(st.underruns, 0);
	expect_played(f, &sum);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, nblocks);
	assert_int_equal(st.block_errors, 0);
	iios_stream_close(f->s);
	f->s = NULL;
}

static void test_manual_start_no_underrun(void **state)
{
	struct fx *f = *state;

	play_paced(f, IIOS_BACKEND_DMABUF, IIOS_STREAM_MANUAL_START);
	play_paced(f, IIOS_BACKEND_FILEIO, IIOS_STREAM_MANUAL_START);
}

static void test_default_start_paced(void **state)
{
	struct fx *f = *state;

	play_paced(f, IIOS_BACKEND_DMABUF, 0);
	play_paced(f, IIOS_BACKEND_FILEIO, 0);
}

/*
 * Blocks queued but never started are taken back at close: the kernel
 * would keep them queued for the next enable (whoever enables the buffer
 * would play them first) and their attachments would pin the module.
 */
static void test_close_unstarted(void **state)
{
	struct fx *f = *state;
	uint64_t att = 1;

	open_output_flags(f, IIOS_BACKEND_DMABUF, IIOS_STREAM_MANUAL_START);
	play_block(f, 0, BLOCK_SCANS * 4);
	play_block(f, BLOCK_SCANS, BLOCK_SCANS * 4);
	assert_int_equal(sim_debugfs_u64(&f->dac, "buffer0/attachments", &att), 0);
	assert_int_equal(att, 4);
	iios_stream_close(f->s);
	f->s = NULL;
	if (sim_debugfs_wait(&f->dac, "buffer0/attachments", 0, 10000)) {
		sim_debugfs_u64(&f->dac, "buffer0/attachments", &att);
		fail_msg("%llu attachments left after close", (unsigned long long)att);
	}
}

/*
 * fileio output on a DAC never enabled since the module loaded: the first
 * write() before enable is refused (no scan size yet, EINVAL); the library
 * enables first then, and the DAC plays everything.
 */
static void test_fileio_play_after_reload(void **state)
{
	const size_t block = BLOCK_SCANS * 4;
	struct fx *f = *state;
	struct dac_sum sum = { 0 };
	struct iios_device *dev;
	char cmd[1024], err[512];
	const char *ko = getenv("IIO_SIM_KO");

	iios_context_free(f->ctx);
	f->ctx = NULL;
	/* The last module references can drop asynchronously: retry rmmod. */
	snprintf(cmd, sizeof(cmd),
		 "for i in $(seq 50); do rmmod iio_sim 2>/dev/null; "
		 "[ -d /sys/module/iio_sim ] || break; sleep 0.1; done; insmod '%s'",
		 ko && *ko ? ko : IIO_SIM_KO_DEFAULT);
	assert_int_equal(system(cmd), 0);
	if (sim_find(&f->dac, SIM_DAC_NAME))
		fail_msg("no %s after reload", SIM_DAC_NAME);
	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "0"), 0);
	f->ctx = iios_context_new(NULL, NULL, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	dev = iios_context_find_device(f->ctx, SIM_DAC_NAME);
	assert_non_null(dev);
	f->buf = iios_device_find_buffer(dev, 0);
	open_output(f, IIOS_BACKEND_FILEIO);
	for (uint64_t seq = 0; seq < 16 * BLOCK_SCANS; seq += BLOCK_SCANS)
		dac_sum_update(&sum, iios_block_data(play_block(f, seq, block)), block);
	expect_played(f, &sum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backends_play_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_fault_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_start_no_underrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_start_paced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_unstarted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_play_after_reload, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
