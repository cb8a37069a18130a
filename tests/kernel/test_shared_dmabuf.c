// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One DMABUF attached to sim-adc and sim-dac at once (test_loopback's
 * test_chain_zero_copy streams four of them; here the lifetime around it):
 * - attached in either order, enqueued to both: the ADC fills it, the DAC
 *   plays exactly that (debugfs checksum), twice, and detaching in either
 *   order releases both attachments;
 * - detached from one device while queued on the other: the other still
 *   completes it (filled / played exactly), the detached side refuses it
 *   (EPERM) until attached again;
 * - the DMABUF fd closed while attached to both and queued on both: the
 *   attachments keep it alive, the transfers complete, the buffer fds'
 *   close releases everything; disable aborts what is still queued (-EINTR).
 * The ADC captures channels 0 and 1, so each 4-byte scan is its sequence
 * number, the pattern the DAC checksum is computed against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "simtest.h"

#define SIZE	8192		/* 2048 scans of 2 channels */
#define SCANS	(SIZE / 4)

struct fixture {
	struct sim adc, dac;
	int dfd;
	uint32_t *map;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (sim_setup(&f.adc, SIM_ADC_NAME, 0x3, SIM_UNTHROTTLED) ||
	    sim_setup_dac(&f.dac, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED))
		return -1;
	f.dfd = dmabuf_alloc(DMABUF_HEAP, SIZE);
	if (f.dfd < 0)
		return -1;
	f.map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, f.dfd, 0);
	if (f.map == MAP_FAILED)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_enable(&f->adc, false);
	sim_enable(&f->dac, false);
	if (f->map)
		munmap(f->map, SIZE);
	if (f->dfd >= 0)
		close(f->dfd);
	sim_teardown(&f->adc);
	sim_teardown(&f->dac);
	return 0;
}

/* The DAC checksum of @bytes of scans @seq, @seq + 1, ... */
static struct dac_sum pattern_sum(uint64_t seq, size_t bytes)
{
	struct dac_sum sum = { 0 };
	void *buf = malloc(bytes);

	assert_non_null(buf);
	dac_pattern_fill(buf, bytes, seq);
	dac_sum_update(&sum, buf, bytes);
	free(buf);
	return sum;
}

static void expect_played(const struct fixture *f, size_t bytes)
{
	struct dac_sum want = pattern_sum(0, bytes), played;

	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", bytes, 10000), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	assert_int_equal(played.bytes, want.bytes);
	assert_int_equal(played.b, want.b);
}

static void expect_attachments(const struct sim *s, uint64_t want)
{
	assert_int_equal(sim_debugfs_wait(s, "buffer0/attachments", want, 3000), 0);
}

/* The mapping holds scans @seq... (the ADC filled it). */
static void expect_filled(const struct fixture *f, uint32_t seq)
{
	assert_int_equal(dmabuf_sync(f->dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	for (uint32_t k = 0; k < SCANS; k++)
		if (f->map[k] != seq + k)
			fail_msg("scan %u holds %u, want %u", k, f->map[k], seq + k);
	assert_int_equal(dmabuf_sync(f->dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

/*
 * Attach to @first then @second; two rounds of ADC fill, DAC play (the
 * fences order them: no SYNC); detach from @second then @first.
 */
static void attach_both_and_chain(struct fixture *f, struct sim *first, struct sim *second)
{
	assert_int_equal(iio_dmabuf_attach(first->buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_attach(second->buf_fd, f->dfd), 0);
	expect_attachments(&f->adc, 1);
	expect_attachments(&f->dac, 1);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	for (int round = 0; round < 2; round++) {
		/* the ADC's ENQUEUE waits for the DAC's read fence of round - 1 */
		assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->dfd, SIZE, 0), 0);
		/* the DAC's waits for the ADC's write fence */
		assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), 0);
		expect_played(f, (round + 1) * SIZE);
	}
	expect_filled(f, SCANS);
	assert_int_equal(dmabuf_fence_status_all(f->dfd), 1);
	assert_int_equal(iio_dmabuf_detach(second->buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_detach(second->buf_fd, f->dfd), -EPERM);
	expect_attachments(second == &f->adc ? &f->adc : &f->dac, 0);
	expect_attachments(first == &f->adc ? &f->adc : &f->dac, 1);
	assert_int_equal(iio_dmabuf_detach(first->buf_fd, f->dfd), 0);
	expect_attachments(&f->adc, 0);
	expect_attachments(&f->dac, 0);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(sim_enable(&f->dac, false), 0);
}

static void test_attach_adc_first(void **state)
{
	struct fixture *f = *state;

	attach_both_and_chain(f, &f->adc, &f->dac);
}

static void test_attach_dac_first(void **state)
{
	struct fixture *f = *state;

	attach_both_and_chain(f, &f->dac, &f->adc);
}

/*
 * Attach to both; with @adc_first, enqueue the DMABUF to the ADC before
 * enabling it: the clock starts at enable, so only a block queued before
 * enable starts with scan 0 at a paced rate.
 */
static void attach_both_enable(struct fixture *f, bool adc_first)
{
	assert_int_equal(iio_dmabuf_attach(f->adc.buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_attach(f->dac.buf_fd, f->dfd), 0);
	if (adc_first)
		assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->dfd, SIZE, 0), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
}

/*
 * Queued on the DAC (1 s to play), detached from the ADC that filled it:
 * the DAC plays it exactly; the ADC refuses it until it is attached again.
 */
static void test_detach_adc_while_queued_on_dac(void **state)
{
	struct fixture *f = *state;
	int sync_fd;

	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "%d", SCANS), 0);
	attach_both_enable(f, true);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), 0);
	sync_fd = dmabuf_export_fence_all(f->dfd);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_status(sync_fd), 0);	/* playing */
	assert_int_equal(iio_dmabuf_detach(f->adc.buf_fd, f->dfd), 0);
	expect_attachments(&f->adc, 0);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->dfd, SIZE, 0), -EPERM);
	expect_attachments(&f->dac, 1);
	expect_played(f, SIZE);
	assert_int_equal(sync_file_status(sync_fd), 1);
	close(sync_fd);

	/* attached again: the next round goes through */
	assert_int_equal(iio_dmabuf_attach(f->adc.buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->dfd, SIZE, 0), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), 0);
	expect_played(f, 2 * SIZE);
	assert_int_equal(iio_dmabuf_detach(f->adc.buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_detach(f->dac.buf_fd, f->dfd), 0);
	expect_attachments(&f->adc, 0);
	expect_attachments(&f->dac, 0);
}

/*
 * Queued on the ADC (2 s to fill), detached from the DAC: the ADC fills it;
 * the DAC refuses it until attached again, then plays it exactly.
 */
static void test_detach_dac_while_queued_on_adc(void **state)
{
	struct fixture *f = *state;
	int sync_fd;

	assert_int_equal(sim_attr_write(&f->adc, "sampling_frequency", "%d", SCANS / 2), 0);
	attach_both_enable(f, true);
	sync_fd = dmabuf_export_fence(f->dfd);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_status(sync_fd), 0);	/* filling */
	assert_int_equal(iio_dmabuf_detach(f->dac.buf_fd, f->dfd), 0);
	expect_attachments(&f->dac, 0);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), -EPERM);
	expect_attachments(&f->adc, 1);
	expect_filled(f, 0);
	assert_int_equal(sync_file_status(sync_fd), 1);
	close(sync_fd);

	assert_int_equal(iio_dmabuf_attach(f->dac.buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), 0);
	expect_played(f, SIZE);
	assert_int_equal(iio_dmabuf_detach(f->dac.buf_fd, f->dfd), 0);
	assert_int_equal(iio_dmabuf_detach(f->adc.buf_fd, f->dfd), 0);
	expect_attachments(&f->adc, 0);
	expect_attachments(&f->dac, 0);
}

/*
 * The DMABUF fd closed (and unmapped) while attached to both and queued on
 * both: the DAC still plays what the ADC fills; the attachments stay until
 * the buffer fds are closed, and go then.
 */
static void test_close_while_queued_on_both(void **state)
{
	struct fixture *f = *state;
	int fd = f->dfd;

	assert_int_equal(sim_attr_write(&f->adc, "sampling_frequency", "%d", SCANS * 4), 0);
	attach_both_enable(f, true);
	/* O_NONBLOCK would refuse it: the DAC's ENQUEUE waits for the ADC */
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), 0);
	assert_int_equal(munmap(f->map, SIZE), 0);
	f->map = NULL;
	assert_int_equal(close(f->dfd), 0);
	f->dfd = -1;
	expect_played(f, SIZE);
	expect_attachments(&f->adc, 1);
	expect_attachments(&f->dac, 1);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, fd, SIZE, 0), -EBADF);
	sim_teardown(&f->dac);
	expect_attachments(&f->dac, 0);
	expect_attachments(&f->adc, 1);
	sim_teardown(&f->adc);
	expect_attachments(&f->adc, 0);
	assert_int_equal(sim_module_wait_refcnt(0, 3000), 0);
}

/*
 * The DMABUF fd closed with a transfer pending on each device in turn (the
 * other one still attached): disable aborts it (-EINTR); everything is
 * released when the buffer fds are closed.
 */
static void test_close_then_disable(void **state)
{
	struct fixture *f = *state;
	int sync_adc, sync_dac;
	uint64_t bytes;

	/* the ADC fills slowly; the DAC waits, then plays slowly */
	assert_int_equal(sim_attr_write(&f->adc, "sampling_frequency", "10"), 0);
	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "10"), 0);
	attach_both_enable(f, false);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->dfd, SIZE, 0), 0);
	sync_adc = dmabuf_export_fence(f->dfd);
	assert_true(sync_adc >= 0);
	assert_int_equal(sync_file_status(sync_adc), 0);
	/* cancel the fill first, or the DAC's ENQUEUE would wait for it */
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(sync_file_status(sync_adc), -EINTR);
	close(sync_adc);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->dfd, SIZE, 0), 0);
	sync_dac = dmabuf_export_fence_all(f->dfd);
	assert_true(sync_dac >= 0);
	assert_int_equal(sync_file_status(sync_dac), 0);

	assert_int_equal(munmap(f->map, SIZE), 0);
	f->map = NULL;
	assert_int_equal(close(f->dfd), 0);
	f->dfd = -1;
	expect_attachments(&f->adc, 1);
	expect_attachments(&f->dac, 1);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sync_file_status(sync_dac), -EINTR);
	close(sync_dac);
	assert_int_equal(sim_debugfs_u64(&f->dac, "bytes", &bytes), 0);
	assert_true(bytes < SIZE);
	sim_teardown(&f->adc);
	sim_teardown(&f->dac);
	expect_attachments(&f->adc, 0);
	expect_attachments(&f->dac, 0);
	assert_int_equal(sim_module_wait_refcnt(0, 3000), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_attach_adc_first),
		T(test_attach_dac_first),
		T(test_detach_adc_while_queued_on_dac),
		T(test_detach_dac_while_queued_on_adc),
		T(test_close_while_queued_on_both),
		T(test_close_then_disable),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
