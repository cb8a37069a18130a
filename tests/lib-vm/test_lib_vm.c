/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiiostream against the real kernel and iio-sim (run inside vm/run, suite
 * 'kernel'): automatic backend choice, identical verified data from both
 * backends, fallback with a reason when the driver has no DMABUF support,
 * per-block fence errors when the buffer is disabled, timeout and cancel.
 *
 * sim-adc's counter waveform: channel i of the scan with sequence number seq
 * holds bits [16i, 16i + 16) of seq; with all four channels enabled a scan is
 * seq as a little-endian u64.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "iiostream.h"

struct fx {
	struct iios_context *ctx;
	struct iios_device *dev;
	struct iios_buffer *buf;
	struct iios_stream *s;
	bool reloaded; /* iio-sim loaded with dmabuf=0: restore in teardown */
};

static void reload_module(const char *args)
{
	/* vm/run exports the module it loaded; else the one built in the tree */
	const char *ko = getenv("IIO_SIM_KO");
	char cmd[1024];

	if (!ko || !*ko)
		ko = IIO_SIM_KO_DEFAULT;
	/* The last references to the module can drop asynchronously (fence
	 * cleanup work), so rmmod may need a few tries. */
	snprintf(cmd, sizeof(cmd),
		 "for i in $(seq 50); do rmmod iio_sim 2>/dev/null; "
		 "[ -d /sys/module/iio_sim ] || break; sleep 0.1; done; insmod '%s' %s",
		 ko, args);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

static void open_ctx(struct fx *f)
{
	char err[512];

	f->ctx = iios_context_new(NULL, NULL, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	f->dev = iios_context_find_device(f->ctx, "sim-adc");
	if (!f->dev)
		fail_msg("%s", iios_context_last_error(f->ctx));
	f->buf = iios_device_find_buffer(f->dev, 0);
	assert_non_null(f->buf);
	assert_int_equal(iios_buffer_channel_count(f->buf), 4);
	assert_string_equal(iios_device_attr_write(f->dev, "waveform", "counter") ? "fail" : "ok",
			    "ok");
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	open_ctx(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	iios_stream_close(f->s);
	if (f->dev)
		iios_device_attr_write_ll(f->dev, "sampling_frequency", 10000);
	iios_context_free(f->ctx);
	if (f->reloaded)
		reload_module("");
	free(f);
	return 0;
}

static void set_rate(struct fx *f, long long rate)
{
	if (iios_device_attr_write_ll(f->dev, "sampling_frequency", rate))
		fail_msg("%s", iios_context_last_error(f->ctx));
}

static struct iios_stream *open_stream(struct fx *f, size_t nch, size_t scans,
				       enum iios_backend be, unsigned int flags)
{
	struct iios_channel *ch[4];
	struct iios_stream_params p = {
		.block_scans = scans, .nb_blocks = 4, .backend = be, .flags = flags,
	};

	for (size_t i = 0; i < nch; i++)
		ch[i] = iios_buffer_channel(f->buf, i);
	f->s = iios_stream_open(f->buf, ch, nch, &p);
	if (!f->s)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	return f->s;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Read nblocks blocks, verify them and store each scan's sequence number
 * (mod 2^32 with two channels: voltage0 | voltage1 << 16). Within a block
 * the sequence is contiguous; across blocks it increases, and what is skipped
 * is counted in the buffer's overruns.
 */
static uint64_t *capture(struct fx *f, unsigned int nblocks, size_t *nscans)
{
	size_t scans = iios_stream_block_bytes(f->s) / iios_stream_scan_bytes(f->s);
	bool four = iios_stream_scan_bytes(f->s) == 8;
	uint64_t *seq = calloc(nblocks * scans, sizeof(*seq)), skipped = 0;
	double *d0 = calloc(scans, sizeof(double)), *d1 = calloc(scans, sizeof(double));
	struct iios_stream_stats st;

	assert_non_null(seq);
	for (unsigned int b = 0; b < nblocks; b++) {
		struct iios_block *blk;
		uint64_t *out = seq + (size_t)b * scans;
		int r = iios_stream_get_block(f->s, 10000, &blk);

		if (r)
			fail_msg("get_block %u: %s", b, iios_stream_last_error(f->s));
		assert_int_equal(iios_block_status(blk), 0);
		assert_int_equal(iios_block_bytes_used(blk), iios_stream_block_bytes(f->s));
		assert_int_equal(iios_block_sequence(blk), b);
		if (iios_stream_backend(f->s) == IIOS_BACKEND_DMABUF)
			assert_true(iios_block_dmabuf_fd(blk) >= 0);
		else
			assert_int_equal(iios_block_dmabuf_fd(blk), -EOPNOTSUPP);
		if (four) {
			memcpy(out, iios_block_data(blk), scans * 8); /* le u64 on x86 */
		} else {
			/* through the conversion path: doubles, scale 1, offset 0 */
			assert_int_equal(iios_block_read_doubles(blk, iios_buffer_channel(f->buf, 0),
								 d0, scans), (ssize_t)scans);
			assert_int_equal(iios_block_read_doubles(blk, iios_buffer_channel(f->buf, 1),
								 d1, scans), (ssize_t)scans);
			for (size_t i = 0; i < scans; i++)
				out[i] = (uint64_t)(uint16_t)(int16_t)d0[i] |
					 (uint64_t)(uint16_t)(int16_t)d1[i] << 16;
		}
		for (size_t i = 1; i < scans; i++)
			if (out[i] != out[i - 1] + 1)
				fail_msg("block %u scan %zu: %llu after %llu", b, i,
					 (unsigned long long)out[i], (unsigned long long)out[i - 1]);
		if (b > 0) {
			assert_true(out[0] > out[-1]);
			skipped += out[0] - out[-1] - 1;
		}
		if (iios_stream_release_block(f->s, blk))
			fail_msg("release: %s", iios_stream_last_error(f->s));
	}
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, nblocks);
	assert_int_equal(st.bytes, (uint64_t)nblocks * iios_stream_block_bytes(f->s));
	assert_int_equal(st.block_errors, 0);
	assert_true(st.overruns >= 0); /* iio-sim has the counter */
	assert_true(skipped <= (uint64_t)st.overruns);
	assert_int_equal(st.underruns, -1);
	free(d0);
	free(d1);
	*nscans = (size_t)nblocks * scans;
	return seq;
}

static void test_auto_picks_dmabuf(void **state)
{
	struct fx *f = *state;
	uint64_t *seq;
	size_t n;

	set_rate(f, 0); /* unthrottled */
	open_stream(f, 4, 4096, IIOS_BACKEND_AUTO, 0);
	assert_int_equal(iios_stream_backend(f->s), IIOS_BACKEND_DMABUF);
	assert_null(iios_stream_fallback_reason(f->s));
	assert_string_equal(iios_stream_allocator(f->s), "dma_heap/system");
	seq = capture(f, 32, &n);
	free(seq);
}

/*
 * At a paced rate the ADC's clock starts at enable, and the library queues
 * every block before it enables (mainline's model): the first block holds
 * scans 0.. and nothing is dropped. The former order (enable, then ENQUEUE)
 * loses the scans that fall due before the first ENQUEUE, as overruns (on
 * iio-sim only if that takes longer than the engine's first step, about a
 * millisecond). 16 blocks, all queued at open and read without refills, so
 * a slow VM cannot make the device drop scans. fileio: a ring of 16 blocks,
 * starting at scan 0 either way.
 */
static void first_block_from_scan_0(struct fx *f, enum iios_backend be)
{
	enum { NB = 16, SCANS = 4096 };
	struct iios_channel *ch[4];
	struct iios_stream_params p = { .block_scans = SCANS, .nb_blocks = NB, .backend = be };
	struct iios_block *blk[NB];
	struct iios_stream_stats st;

	set_rate(f, 100000);
	for (size_t i = 0; i < 4; i++)
		ch[i] = iios_buffer_channel(f->buf, i);
	f->s = iios_stream_open(f->buf, ch, 4, &p);
	if (!f->s)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	assert_int_equal(iios_stream_backend(f->s), be);
	for (unsigned int b = 0; b < NB; b++) {
		const uint64_t *scan; /* four channels: seq as a le u64 */

		if (iios_stream_get_block(f->s, 10000, &blk[b]))
			fail_msg("get_block %u: %s", b, iios_stream_last_error(f->s));
		assert_int_equal(iios_block_status(blk[b]), 0);
		scan = iios_block_data(blk[b]);
		if (b == 0) {
			print_message("%s: first scan %llu\n", iios_backend_name(be),
				      (unsigned long long)scan[0]);
			/* Read while 15 blocks are still queued: the device drops
			 * scans once they are all full. */
			assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
			assert_int_equal(st.overruns, 0);
		}
		for (size_t i = 0; i < SCANS; i++)
			if (scan[i] != (uint64_t)b * SCANS + i)
				fail_msg("%s: block %u scan %zu is %llu, expected %llu",
					 iios_backend_name(be), b, i, (unsigned long long)scan[i],
					 (unsigned long long)b * SCANS + i);
	}
}

static void test_first_block_from_scan_0_dmabuf(void **state)
{
	first_block_from_scan_0(*state, IIOS_BACKEND_DMABUF);
}

static void test_first_block_from_scan_0_fileio(void **state)
{
	first_block_from_scan_0(*state, IIOS_BACKEND_FILEIO);
}

static void test_backends_identical(void **state)
{
	static const enum iios_backend bes[2] = { IIOS_BACKEND_FILEIO, IIOS_BACKEND_DMABUF };
	struct fx *f = *state;
	uint64_t *seq[2];
	size_t n[2], common = 0;

	set_rate(f, 20000);
	for (int k = 0; k < 2; k++) {
		open_stream(f, 2, 512, bes[k], 0);
		assert_int_equal(iios_stream_backend(f->s), bes[k]);
		seq[k] = capture(f, 8, &n[k]);
		iios_stream_close(f->s);
		f->s = NULL;
	}
	/* Both deliver the counter from its start after enable (DMABUF on a
	 * driver that refuses ENQUEUE before enable may skip the first scans,
	 * counted as overruns; see first_block_from_scan_0()). From
	 * the first sequence number both saw, their data (voltage0, voltage1 as
	 * converted doubles) is identical for the rest of the first block. */
	{
		uint64_t lo = seq[0][0] > seq[1][0] ? seq[0][0] : seq[1][0];
		size_t i0 = (size_t)(lo - seq[0][0]), i1 = (size_t)(lo - seq[1][0]);

		print_message("first scans: fileio %llu, dmabuf %llu\n",
			      (unsigned long long)seq[0][0], (unsigned long long)seq[1][0]);
		assert_true(i0 < 512 && i1 < 512);
		while (i0 < 512 && i1 < 512) {
			assert_true(seq[0][i0] == seq[1][i1]);
			i0++;
			i1++;
			common++;
		}
		assert_true(common > 0);
	}
	free(seq[0]);
	free(seq[1]);
}

static void test_fallback_without_dmabuf(void **state)
{
	struct fx *f = *state;
	struct iios_channel *ch;
	struct iios_stream_params p = { .block_scans = 256, .backend = IIOS_BACKEND_DMABUF };
	char eperm[64];
	uint64_t *seq;
	size_t n;

	iios_context_free(f->ctx);
	f->ctx = NULL;
	f->dev = NULL;
	f->reloaded = true;
	reload_module("dmabuf=0");
	open_ctx(f);
	/* forced: fails with the ATTACH errno */
	ch = iios_buffer_channel(f->buf, 0);
	errno = 0;
	assert_null(iios_stream_open(f->buf, &ch, 1, &p));
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "ATTACH"));
	/* automatic: fileio, and says why */
	open_stream(f, 4, 1024, IIOS_BACKEND_AUTO, 0);
	assert_int_equal(iios_stream_backend(f->s), IIOS_BACKEND_FILEIO);
	assert_non_null(iios_stream_fallback_reason(f->s));
	snprintf(eperm, sizeof(eperm), "%s", strerror(EPERM));
	assert_non_null(strstr(iios_stream_fallback_reason(f->s), "ATTACH"));
	assert_non_null(strstr(iios_stream_fallback_reason(f->s), eperm));
	assert_non_null(strstr(iios_stream_fallback_reason(f->s), "sim-adc"));
	seq = capture(f, 4, &n);
	free(seq);
}

/*
 * A device-node root of our own (the library's dev_root) with only some of
 * /dev in it: iio:device0 always, /dev/udmabuf and /dev/dma_heap/system as
 * asked. Returns the mkdtemp() path.
 */
static char *make_dev_root(struct fx *f, bool udmabuf, bool heap)
{
	char *root = strdup("/tmp/iios-devroot-XXXXXX"), link[512], target[512];

	assert_non_null(root);
	assert_non_null(mkdtemp(root));
	snprintf(target, sizeof(target), "/dev/%s", iios_device_id(f->dev));
	snprintf(link, sizeof(link), "%s/%s", root, iios_device_id(f->dev));
	assert_int_equal(symlink(target, link), 0);
	if (udmabuf) {
		snprintf(link, sizeof(link), "%s/udmabuf", root);
		assert_int_equal(symlink("/dev/udmabuf", link), 0);
	}
	if (heap) {
		snprintf(link, sizeof(link), "%s/dma_heap", root);
		assert_int_equal(symlink("/dev/dma_heap", link), 0);
	}
	return root;
}

static void remove_dev_root(char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void reopen_ctx_with_dev_root(struct fx *f, const char *dev_root)
{
	char err[512];

	iios_context_free(f->ctx);
	f->ctx = iios_context_new(NULL, dev_root, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	f->dev = iios_context_find_device(f->ctx, "sim-adc");
	assert_non_null(f->dev);
	f->buf = iios_device_find_buffer(f->dev, 0);
	assert_non_null(f->buf);
}

/* Without a DMA heap, DMABUFs come from /dev/udmabuf (memfd + seals). */
static void test_udmabuf_allocator(void **state)
{
	struct fx *f = *state;
	char *root = make_dev_root(f, true, false);
	uint64_t *seq;
	size_t n;

	reopen_ctx_with_dev_root(f, root);
	set_rate(f, 0);
	open_stream(f, 4, 3000, IIOS_BACKEND_AUTO, 0); /* 24000 B: not page-sized */
	assert_int_equal(iios_stream_backend(f->s), IIOS_BACKEND_DMABUF);
	assert_string_equal(iios_stream_allocator(f->s), "udmabuf");
	seq = capture(f, 16, &n);
	free(seq);
	remove_dev_root(root);
}

/* Neither allocator: fileio, and the reason names both paths. */
static void test_no_allocator_fallback(void **state)
{
	struct fx *f = *state;
	char *root = make_dev_root(f, false, false);
	uint64_t *seq;
	size_t n;

	reopen_ctx_with_dev_root(f, root);
	set_rate(f, 0);
	open_stream(f, 4, 1024, IIOS_BACKEND_AUTO, 0);
	assert_int_equal(iios_stream_backend(f->s), IIOS_BACKEND_FILEIO);
	assert_non_null(strstr(iios_stream_fallback_reason(f->s), "/dma_heap/system"));
	assert_non_null(strstr(iios_stream_fallback_reason(f->s), "/udmabuf"));
	assert_non_null(strstr(iios_stream_fallback_reason(f->s), "No such file or directory"));
	seq = capture(f, 4, &n);
	free(seq);
	remove_dev_root(root);
}

struct canceller {
	struct iios_stream *s;
	long ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;
	struct timespec ts = { c->ms / 1000, (c->ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	iios_stream_cancel(c->s);
	return NULL;
}

static void timeout_and_cancel(struct fx *f, enum iios_backend be)
{
	struct iios_block *blk;
	struct canceller c;
	pthread_t th;
	double t0, ms;

	set_rate(f, 10); /* a 4096-scan block takes 400 s */
	open_stream(f, 4, 4096, be, 0);
	assert_int_equal(iios_stream_backend(f->s), be);
	assert_int_equal(iios_stream_get_block(f->s, 0, &blk), -EAGAIN);
	t0 = now_ms();
	assert_int_equal(iios_stream_get_block(f->s, 150, &blk), -ETIMEDOUT);
	ms = now_ms() - t0;
	print_message("%s: timeout after %.1f ms\n", iios_backend_name(be), ms);
	assert_true(ms >= 145 && ms < 2000);
	c.s = f->s;
	c.ms = 150;
	t0 = now_ms();
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &c), 0);
	assert_int_equal(iios_stream_get_block(f->s, -1, &blk), -ECANCELED);
	ms = now_ms() - t0;
	pthread_join(th, NULL);
	print_message("%s: cancelled after %.1f ms\n", iios_backend_name(be), ms);
	assert_true(ms >= 145 && ms < 2000);
	assert_non_null(strstr(iios_stream_last_error(f->s), "Operation canceled"));
}

static void test_timeout_cancel_dmabuf(void **state)
{
	timeout_and_cancel(*state, IIOS_BACKEND_DMABUF);
}

static void test_timeout_cancel_fileio(void **state)
{
	timeout_and_cancel(*state, IIOS_BACKEND_FILEIO);
}

/* Disabling the buffer under the stream aborts every queued transfer (the
 * kernel's -EINTR, -ECANCELED before iio-sim's issue #12); each block comes
 * back with -ECANCELED and streaming state stays consistent. */
static void disable_fails_blocks(struct fx *f, unsigned int flags, int want)
{
	struct iios_stream_stats st;
	struct iios_block *blk;

	set_rate(f, 10);
	open_stream(f, 4, 4096, IIOS_BACKEND_DMABUF, flags);
	assert_int_equal(iios_buffer_attr_write(f->buf, "enable", "0"), 0);
	for (unsigned int i = 0; i < 4; i++) {
		if (iios_stream_get_block(f->s, 5000, &blk))
			fail_msg("%s", iios_stream_last_error(f->s));
		assert_int_equal(iios_block_status(blk), want);
	}
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 4);
	assert_int_equal(st.block_errors, want ? 4 : 0);
}

static void test_disable_reports_block_errors(void **state)
{
	disable_fails_blocks(*state, 0, -ECANCELED);
}

static void test_no_block_status_flag(void **state)
{
	disable_fails_blocks(*state, IIOS_STREAM_NO_BLOCK_STATUS | IIOS_STREAM_NO_CPU_ACCESS, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auto_picks_dmabuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_block_from_scan_0_dmabuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_block_from_scan_0_fileio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backends_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_without_dmabuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udmabuf_allocator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_allocator_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_cancel_dmabuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_cancel_fileio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_reports_block_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_block_status_flag, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
