// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The block life cycle of mainline's industrialio-buffer-dma, which iio-sim
 * follows (issue #12): one block per attached DMABUF, DONE -> QUEUED
 * (enqueued while the buffer is disabled) -> ACTIVE (the engine's) -> DONE.
 * Through the raw UAPI, on sim-adc and sim-dac:
 * - blocks enqueued before enable are submitted at enable, and the sample
 *   clock starts there: scan 0 lands at byte 0 of the first one (ADC), the
 *   DAC plays them from sample 0 without an underrun;
 * - a block enqueued again while QUEUED is EPERM (DAC; on the ADC the core
 *   first waits for the block's own pending fence: EBUSY), while ACTIVE
 *   EBUSY (DAC at once; ADC after the core's wait, at once with O_NONBLOCK);
 * - disable aborts the active blocks (-EINTR) and keeps the queued ones for
 *   the next enable; a queued block outlives DETACH and the buffer fd's
 *   close, and puts the next enable (by anyone) in DMABUF mode;
 * - teardown completes the queued blocks with -ENODEV, without a hang, and
 *   they pin the module until then;
 * - bytes_used need not be whole scans: the blocks are one byte stream;
 * - in DMABUF use the buffer fd has no data and no room: poll() never
 *   ready, O_NONBLOCK read() EBUSY and write() EAGAIN, blocking ones sleep;
 * - a TX DMABUF enqueued again while its fence is pending is refused, and the
 *   first transfer completes exactly once (iio-sim holds its own reference to
 *   the fence that the refused ENQUEUE replaced in the reservation object);
 * - with swiotlb=force on the kernel command line, ATTACH is EOPNOTSUPP.
 * Each of these failed on the module before issue #12 (ENQUEUE before enable
 * was EBUSY, disable completed with -ECANCELED, a TX re-enqueue was queued,
 * partial scans were EINVAL, the buffer fd polled ready).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
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

#include "iio_dmabuf.h"
#include "simtest.h"

#define MiB	(1024 * 1024ull)
#define NBUF	4
#define ADC_SCAN 8	/* four channels */
#define DAC_SCAN 4	/* two channels */

struct fixture {
	struct sim adc, dac;
	struct dmabuf_set in, out;	/* attached to the ADC, the DAC */
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (sim_setup(&f.adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, SIM_UNTHROTTLED) ||
	    sim_setup_dac(&f.dac, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	/* what a failed test left queued must not pin the module */
	sim_flush_queued(&f->adc);
	sim_flush_queued(&f->dac);
	dmabuf_set_free(&f->in, f->adc.buf_fd);
	dmabuf_set_free(&f->out, f->dac.buf_fd);
	sim_teardown(&f->adc);
	sim_teardown(&f->dac);
	return 0;
}

/* @n DMABUFs of @size, heap and udmabuf alternately, mapped, attached to @s. */
static void attach_set(struct sim *s, struct dmabuf_set *b, unsigned int n, size_t size)
{
	const char *what = NULL;
	int ret = dmabuf_set_alloc(b, s->buf_fd, DMABUF_ALTERNATE, n, size,
				   PROT_READ | PROT_WRITE, &what);

	if (ret)
		fail_msg("%s: %s", what, strerror(-ret));
}

static void set_rate(struct sim *s, unsigned int rate)
{
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "%u", rate), 0);
}

/* ENQUEUE that must be accepted; the pending fence as a sync_file. */
static int enqueue_fence(struct sim *s, int fd, uint64_t bytes, uint32_t flags)
{
	int sync_fd;

	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, fd, bytes, flags), 0);
	/* all fences: a DAC's is a read fence */
	sync_fd = dmabuf_export_fence_all(fd);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	return sync_fd;
}

/* CPU writes to a DAC DMABUF between SYNC START and END (WRITE). */
static void cpu_write_begin(int fd)
{
	assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
}

static void cpu_write_end(int fd)
{
	assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
}

static void set_nonblock(struct sim *s, bool on)
{
	int fl = fcntl(s->buf_fd, F_GETFL);

	assert_true(fl >= 0);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK), 0);
}

/* The DAC checksum of bytes [0, @bytes) of the dac_pattern_bytes() stream. */
static struct dac_sum stream_sum(uint64_t bytes)
{
	struct dac_sum sum = { 0 };
	uint8_t *buf = malloc(bytes ? bytes : 1);

	assert_non_null(buf);
	dac_pattern_bytes(buf, bytes, 0);
	dac_sum_update(&sum, buf, bytes);
	free(buf);
	return sum;
}

/* ---- (a) ADC: blocks queued before enable --------------------------------- */

/*
 * Four DMABUFs (heap, udmabuf, ...) attached and enqueued before enable:
 * they wait (fence pending, nothing filled) until enable. Then each block
 * as it completes is checked and enqueued again: the first starts with scan
 * 0, the counter runs on without a gap across the four and across the
 * re-enqueues, nothing was dropped while blocks were queued. At a paced
 * rate the first block takes its duration from enable: the clock starts at
 * enable, and queued blocks are not filled ahead of time.
 * Old module: the first ENQUEUE (disabled) was EBUSY.
 */
static void prequeued_capture(struct fixture *f, unsigned int rate, size_t block,
			      unsigned int blocks)
{
	struct counter c = { 0 };
	uint64_t overruns = ~0ull;
	double t0, first = 0;
	int sync_fd;

	set_rate(&f->adc, rate);
	attach_set(&f->adc, &f->in, NBUF, block);
	for (unsigned int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[i], block, 0), 0);
	sync_fd = dmabuf_export_fence(f->in.fd[0]);
	assert_true(sync_fd >= 0);
	usleep(200000);
	assert_int_equal(sync_file_status(sync_fd), 0);	/* QUEUED: waits */
	close(sync_fd);
	t0 = now_seconds();
	assert_int_equal(sim_enable(&f->adc, true), 0);
	for (unsigned int b = 0; b < blocks; b++) {
		unsigned int i = b % NBUF;
		const uint64_t *p = f->in.map[i];

		assert_int_equal(dmabuf_sync(f->in.fd[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
		if (b == 0) {
			first = now_seconds() - t0;
			assert_int_equal(p[0], 0);
		}
		counter_check(&c, p, block);
		assert_int_equal(dmabuf_sync(f->in.fd[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
		/* the last block still fills: nothing may have dropped so far */
		if (b + 2 == blocks)
			assert_int_equal(sim_attr_u64(&f->adc, "buffer0/overruns", &overruns), 0);
		if (b + NBUF < blocks)
			assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[i], block, 0), 0);
	}
	assert_int_equal(sim_enable(&f->adc, false), 0);
	printf("# %u blocks of %zu bytes at %u scans/s: first block after %.3f s, "
	       "%llu scans, %llu missing, %llu overruns\n", blocks, block, rate, first,
	       (unsigned long long)c.scans, (unsigned long long)c.gaps,
	       (unsigned long long)overruns);
	assert_int_equal(c.scans, (uint64_t)blocks * block / ADC_SCAN);
	assert_int_equal(c.expect, c.scans);	/* from scan 0 */
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(overruns, 0);
	if (rate)
		assert_true(first >= 0.8 * (block / ADC_SCAN) / rate);
}

static void test_adc_prequeued_paced(void **state)
{
	/* 16384 scans (164 ms) a block, 650 ms of blocks in rotation */
	prequeued_capture(*state, 100000, 128 * 1024, 16);
}

static void test_adc_prequeued_unthrottled(void **state)
{
	prequeued_capture(*state, SIM_UNTHROTTLED, MiB, 64);
}

/* ---- (b) DAC: blocks queued before enable --------------------------------- */

/*
 * Two DAC blocks filled and enqueued before enable play from sample 0 at
 * 10000 scans/s: no underrun (read while the second one plays), each block
 * takes its time from enable, the checksum is exactly the two blocks.
 * Old module: the first ENQUEUE (disabled) was EBUSY.
 */
static void test_dac_prequeued(void **state)
{
	struct fixture *f = *state;
	const size_t size = 4096 * DAC_SCAN;	/* 0.41 s */
	struct dac_sum want = { 0 }, played;
	uint64_t underruns;
	int sync_fd[2];
	double t0, t;

	set_rate(&f->dac, 10000);
	attach_set(&f->dac, &f->out, 2, size);
	for (int i = 0; i < 2; i++) {
		cpu_write_begin(f->out.fd[i]);
		dac_pattern_fill(f->out.map[i], size, (uint64_t)i * size / DAC_SCAN);
		dac_sum_update(&want, f->out.map[i], size);
		cpu_write_end(f->out.fd[i]);
		sync_fd[i] = enqueue_fence(&f->dac, f->out.fd[i], size, 0);
	}
	usleep(100000);
	assert_int_equal(sync_file_status(sync_fd[0]), 0);	/* QUEUED: waits */
	t0 = now_seconds();
	assert_int_equal(sim_enable(&f->dac, true), 0);
	assert_int_equal(sync_file_wait(sync_fd[0], 5000), 1);
	t = now_seconds() - t0;
	assert_int_equal(sim_attr_u64(&f->dac, "buffer0/underruns", &underruns), 0);
	assert_int_equal(sync_file_status(sync_fd[1]), 0);	/* still playing */
	printf("# first block played in %.3f s, %llu underruns\n", t,
	       (unsigned long long)underruns);
	assert_int_equal(underruns, 0);
	assert_true(t >= 0.3);
	assert_int_equal(sync_file_wait(sync_fd[1], 5000), 1);
	close(sync_fd[0]);
	close(sync_fd[1]);
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", 2 * size, 2000), 0);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	assert_int_equal(played.bytes, 2 * size);
	assert_int_equal(played.b, want.b);
}

/* ---- (c) ENQUEUE of a QUEUED or ACTIVE block ------------------------------- */

/*
 * DAC, disabled: a block enqueued twice is EPERM the second time (the core
 * does not wait for an output buffer's own read fence; the block is QUEUED),
 * cyclic or not; the first transfer is untouched and plays once at enable.
 * Old module: the first ENQUEUE (disabled) was EBUSY.
 */
static void test_queued_reenqueue_dac_eperm(void **state)
{
	struct fixture *f = *state;
	const size_t size = 1000 * DAC_SCAN;
	struct dac_sum want = { 0 }, played;
	int sync_fd;

	attach_set(&f->dac, &f->out, 1, size);
	cpu_write_begin(f->out.fd[0]);
	dac_pattern_fill(f->out.map[0], size, 5);
	cpu_write_end(f->out.fd[0]);
	dac_sum_update(&want, f->out.map[0], size);
	sync_fd = enqueue_fence(&f->dac, f->out.fd[0], size, 0);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size, 0), -EPERM);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size / 2,
					    IIO_BUFFER_DMABUF_CYCLIC), -EPERM);
	set_nonblock(&f->dac, true);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size, 0), -EPERM);
	set_nonblock(&f->dac, false);
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", size, 2000), 0);
	usleep(50000);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	assert_int_equal(played.bytes, size);
	assert_int_equal(played.b, want.b);
}

/*
 * ADC, disabled: a QUEUED block enqueued again makes the core wait for its
 * own pending (write) fence first: EBUSY at once with O_NONBLOCK, after the
 * 5 s timeout without. Enabled, it fills from scan 0.
 * Old module: the first ENQUEUE (disabled) was EBUSY.
 */
static void test_queued_reenqueue_adc_ebusy(void **state)
{
	struct fixture *f = *state;
	const size_t size = 8192;
	int sync_fd;
	double t0, t;

	set_rate(&f->adc, 1000);
	attach_set(&f->adc, &f->in, 1, size);
	sync_fd = enqueue_fence(&f->adc, f->in.fd[0], size, 0);
	set_nonblock(&f->adc, true);
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[0], size, 0), -EBUSY);
	assert_true(now_seconds() - t0 < 0.5);
	set_nonblock(&f->adc, false);
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[0], size, 0), -EBUSY);
	t = now_seconds() - t0;
	printf("# blocking ENQUEUE of a QUEUED ADC block: EBUSY after %.2f s\n", t);
	assert_true(t >= 4.5 && t < 15);
	assert_int_equal(sync_file_status(sync_fd), 0);
	set_rate(&f->adc, SIM_UNTHROTTLED);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	assert_int_equal(((const uint64_t *)f->in.map[0])[0], 0);
	assert_int_equal(((const uint64_t *)f->in.map[0])[size / ADC_SCAN - 1], size / ADC_SCAN - 1);
	assert_int_equal(sim_enable(&f->adc, false), 0);
}

/*
 * DAC, enabled: a block enqueued again while it plays (ACTIVE) is EBUSY at
 * once, whatever its size and flags; the first transfer plays once.
 * Old module: accepted, a second transfer of the same DMABUF (TX FIFO).
 */
static void test_active_reenqueue_dac_ebusy(void **state)
{
	struct fixture *f = *state;
	const size_t size = 4000 * DAC_SCAN;	/* 0.4 s at 10000 scans/s */
	struct dac_sum want = { 0 }, played;
	int sync_fd;
	double t0;

	set_rate(&f->dac, 10000);
	attach_set(&f->dac, &f->out, 1, size);
	cpu_write_begin(f->out.fd[0]);
	dac_pattern_fill(f->out.map[0], size, 9);
	cpu_write_end(f->out.fd[0]);
	dac_sum_update(&want, f->out.map[0], size);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	sync_fd = enqueue_fence(&f->dac, f->out.fd[0], size, 0);
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size, 0), -EBUSY);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], 4, 0), -EBUSY);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size,
					    IIO_BUFFER_DMABUF_CYCLIC), -EBUSY);
	assert_true(now_seconds() - t0 < 0.2);
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", size, 2000), 0);
	usleep(100000);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	assert_int_equal(played.bytes, size);
	assert_int_equal(played.b, want.b);
}

/*
 * ADC, enabled: a block enqueued again while it fills (ACTIVE): with
 * O_NONBLOCK EBUSY at once; blocking, the core waits for its fence, then it
 * is DONE and accepted, and the counter goes on (the scans due between the
 * two transfers, nothing being queued, are dropped).
 * Old module: the ENQUEUE before enable was EBUSY (the rest is the core's
 * rule, unchanged, pinned here with the block state behind it: DONE before
 * the fence signals).
 */
static void test_active_reenqueue_adc(void **state)
{
	struct fixture *f = *state;
	const size_t size = 512 * ADC_SCAN;	/* 0.5 s at 1000 scans/s */
	struct counter c = { 0 };
	int sync_fd;
	double t0, t;

	set_rate(&f->adc, 1000);
	attach_set(&f->adc, &f->in, 1, size);
	sync_fd = enqueue_fence(&f->adc, f->in.fd[0], size, 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	set_nonblock(&f->adc, true);
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[0], size, 0), -EBUSY);
	assert_true(now_seconds() - t0 < 0.2);
	set_nonblock(&f->adc, false);
	assert_int_equal(sync_file_status(sync_fd), 0);
	/* blocking: returns once the first transfer is done, accepted */
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[0], size, 0), 0);
	t = now_seconds() - t0;
	printf("# blocking ENQUEUE of an ACTIVE ADC block: accepted after %.2f s\n", t);
	assert_true(t >= 0.3);
	assert_int_equal(sync_file_status(sync_fd), 1);
	close(sync_fd);
	/* the second transfer overwrites the first: check it alone */
	assert_int_equal(dmabuf_sync(f->in.fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	c.expect = size / ADC_SCAN;
	counter_check(&c, f->in.map[0], size);
	assert_int_equal(dmabuf_sync(f->in.fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	printf("# %llu scans dropped between the two transfers\n", (unsigned long long)c.gaps);
	assert_int_equal(c.mismatches, 0);
	assert_true(c.gaps < 500);
}

/* ---- (d) disable: ACTIVE aborted, QUEUED kept ------------------------------ */

/*
 * Disable with active blocks on the ADC and the DAC: every fence -EINTR, at
 * once. Blocks enqueued while disabled stay pending across a further
 * disable, and the next enable fills them from scan 0, in order.
 * Old module: -ECANCELED; ENQUEUE while disabled EBUSY.
 */
static void test_disable_aborts_active_keeps_queued(void **state)
{
	struct fixture *f = *state;
	const size_t size = 8192;
	struct counter c = { 0 };
	int s_in[NBUF], s_out[2], s0;
	double t0;

	set_rate(&f->adc, 100);
	set_rate(&f->dac, 100);
	attach_set(&f->adc, &f->in, NBUF, size);
	attach_set(&f->dac, &f->out, 2, size);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	for (int i = 0; i < 2; i++) {
		s_in[i] = enqueue_fence(&f->adc, f->in.fd[i], size, 0);
		s_out[i] = enqueue_fence(&f->dac, f->out.fd[i], size, 0);
	}
	usleep(100000);
	t0 = now_seconds();
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sync_file_wait(s_in[i], 1000), -EINTR);
		assert_int_equal(sync_file_wait(s_out[i], 1000), -EINTR);
		close(s_in[i]);
		close(s_out[i]);
	}
	assert_true(now_seconds() - t0 < 1.0);

	/* queued while disabled: 2, 3, then 0 again (DONE after the abort) */
	s_in[2] = enqueue_fence(&f->adc, f->in.fd[2], size, 0);
	s_in[3] = enqueue_fence(&f->adc, f->in.fd[3], size, 0);
	s0 = enqueue_fence(&f->adc, f->in.fd[0], size, 0);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	usleep(300000);
	assert_int_equal(sync_file_status(s_in[2]), 0);
	assert_int_equal(sync_file_status(s_in[3]), 0);
	assert_int_equal(sync_file_status(s0), 0);
	set_rate(&f->adc, 100000);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sync_file_wait(s_in[2], 5000), 1);
	assert_int_equal(sync_file_wait(s_in[3], 5000), 1);
	assert_int_equal(sync_file_wait(s0, 5000), 1);
	close(s_in[2]);
	close(s_in[3]);
	close(s0);
	counter_check(&c, f->in.map[2], size);
	counter_check(&c, f->in.map[3], size);
	counter_check(&c, f->in.map[0], size);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(((const uint64_t *)f->in.map[2])[0], 0);
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(c.expect, 3 * size / ADC_SCAN);
}

/*
 * A block queued on the disabled buffer outlives DETACH and the close of the
 * buffer fd (they end nothing): its attachment stays (debugfs), the DMABUF
 * is no longer attached through the fd (EPERM), and the next enable, by a
 * new buffer fd with nothing attached, is in DMABUF mode (read() EBUSY) and
 * fills it from scan 0; then the attachment goes.
 * Old module: ENQUEUE while disabled was EBUSY.
 */
static void test_queued_outlives_detach_and_close(void **state)
{
	struct fixture *f = *state;
	const size_t size = 4096;
	uint64_t v[4];
	int sync_fd[2];

	set_rate(&f->adc, SIM_UNTHROTTLED);
	attach_set(&f->adc, &f->in, 2, size);
	sync_fd[0] = enqueue_fence(&f->adc, f->in.fd[0], size, 0);
	sync_fd[1] = enqueue_fence(&f->adc, f->in.fd[1], size, 0);
	assert_int_equal(iio_dmabuf_detach(f->adc.buf_fd, f->in.fd[0]), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[0], size, 0), -EPERM);
	/* the close drops the other attachment from the fd */
	assert_int_equal(close(f->adc.buf_fd), 0);
	f->adc.buf_fd = -1;
	usleep(200000);
	assert_int_equal(sync_file_status(sync_fd[0]), 0);
	assert_int_equal(sync_file_status(sync_fd[1]), 0);
	assert_int_equal(sim_debugfs_wait(&f->adc, "buffer0/attachments", 2, 1000), 0);
	assert_int_equal(sim_open_buffer(&f->adc), 0);
	set_nonblock(&f->adc, true);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sync_file_wait(sync_fd[0], 5000), 1);
	assert_int_equal(sync_file_wait(sync_fd[1], 5000), 1);
	close(sync_fd[0]);
	close(sync_fd[1]);
	/* DMABUF mode, though nothing is attached through this fd */
	assert_int_equal(read(f->adc.buf_fd, v, sizeof(v)), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	set_nonblock(&f->adc, false);
	assert_int_equal(((const uint64_t *)f->in.map[0])[0], 0);
	assert_int_equal(((const uint64_t *)f->in.map[1])[0], size / ADC_SCAN);
	assert_int_equal(sim_debugfs_wait(&f->adc, "buffer0/attachments", 0, 3000), 0);
	/* they are not attached to the new fd */
	dmabuf_set_free(&f->in, -1);
}

/* ---- (e) teardown with QUEUED blocks --------------------------------------- */

static void expect_refcnt(long want)
{
	assert_int_equal(sim_module_wait_refcnt(want, 3000), want);
}

/*
 * Unbind with blocks queued on the disabled ADC and active on the DAC: the
 * unbind returns (no hang), the queued ones complete with -ENODEV, the
 * active ones with -EINTR; ENQUEUE is ENODEV; closing releases all. Then,
 * with every fd closed, a queued block pins the module (rmmod refused,
 * fence pending) until an unbind completes it with -ENODEV.
 * Old module: ENQUEUE while disabled was EBUSY.
 */
static void test_unbind_queued_enodev(void **state)
{
	struct fixture *f = *state;
	const size_t size = 8192;
	int s_in[2], s_out, sync_fd;
	double t0;

	set_rate(&f->dac, 1000);
	attach_set(&f->adc, &f->in, 2, size);
	attach_set(&f->dac, &f->out, 1, size);
	s_in[0] = enqueue_fence(&f->adc, f->in.fd[0], size, 0);
	s_in[1] = enqueue_fence(&f->adc, f->in.fd[1], size, 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	s_out = enqueue_fence(&f->dac, f->out.fd[0], size, 0);
	t0 = now_seconds();
	assert_int_equal(sim_driver_unbind(), 0);
	assert_true(now_seconds() - t0 < 5.0);
	assert_int_equal(sync_file_wait(s_in[0], 1000), -ENODEV);
	assert_int_equal(sync_file_wait(s_in[1], 1000), -ENODEV);
	assert_int_equal(sync_file_wait(s_out, 1000), -EINTR);
	close(s_in[0]);
	close(s_in[1]);
	close(s_out);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[0], size, 0), -ENODEV);
	dmabuf_set_free(&f->in, f->adc.buf_fd);
	dmabuf_set_free(&f->out, f->dac.buf_fd);
	sim_teardown(&f->adc);
	sim_teardown(&f->dac);
	expect_refcnt(0);
	assert_int_equal(sim_driver_bind(), 0);

	/* every fd closed: the queued block pins the module until teardown */
	assert_int_equal(sim_setup(&f->adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	attach_set(&f->adc, &f->in, 1, size);
	sync_fd = enqueue_fence(&f->adc, f->in.fd[0], size, 0);
	dmabuf_set_free(&f->in, -1);	/* the DMABUF fd too */
	sim_teardown(&f->adc);
	expect_refcnt(1);
	assert_int_equal(sim_module_remove(), -EAGAIN);
	usleep(100000);
	assert_int_equal(sync_file_status(sync_fd), 0);
	t0 = now_seconds();
	assert_int_equal(sim_driver_unbind(), 0);
	assert_true(now_seconds() - t0 < 5.0);
	assert_int_equal(sync_file_wait(sync_fd, 1000), -ENODEV);
	close(sync_fd);
	expect_refcnt(0);
	assert_int_equal(sim_module_remove(), 0);
	assert_int_equal(sim_module_load(NULL), 0);
	/* for the teardown */
	assert_int_equal(sim_setup(&f->adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	assert_int_equal(sim_setup_dac(&f->dac, SIM_DAC_NAME, SIM_DAC_CHANNELS, 0), 0);
}

/* ---- (f) bytes_used not a multiple of the scan ----------------------------- */

/*
 * ADC: blocks of 4096 + 4 bytes (half a scan more), then odd sizes; their
 * concatenation is exactly the counter's byte stream: a block ending in the
 * middle of a scan holds its first bytes, the next one starts with the rest.
 * Old module: EINVAL.
 */
static void test_bytes_stream_adc(void **state)
{
	static const size_t sizes[] = { 4100, 4100, 4100, 4100, 4097, 4099, 4101, 4103, 4095, 1, 7 };
	const unsigned int n = sizeof(sizes) / sizeof(sizes[0]);
	struct fixture *f = *state;
	struct counter_bytes c = { 0 };
	uint64_t total = 0;

	attach_set(&f->adc, &f->in, NBUF, 8192);
	for (unsigned int b = 0; b < NBUF; b++)
		assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[b], sizes[b], 0), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	for (unsigned int b = 0; b < n; b++) {
		unsigned int i = b % NBUF;

		assert_int_equal(dmabuf_sync(f->in.fd[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
		assert_int_equal(dmabuf_fence_status(f->in.fd[i]), 1);
		counter_bytes_check(&c, f->in.map[i], sizes[b]);
		total += sizes[b];
		assert_int_equal(dmabuf_sync(f->in.fd[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
		if (b + NBUF < n)
			assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->in.fd[i],
							    sizes[b + NBUF], 0), 0);
	}
	assert_int_equal(sim_enable(&f->adc, false), 0);
	if (c.bad)
		fail_msg("%llu bytes differ from the counter's stream, the first at byte %llu",
			 (unsigned long long)c.bad, (unsigned long long)c.first_bad);
	assert_int_equal(c.pos, total);
}

/*
 * DAC: blocks of odd sizes filled with consecutive bytes of the pattern's
 * stream play as that stream: the DAC plays the whole scans (the last 2
 * bytes, half a scan, wait for the rest), and its checksum is exactly theirs.
 * Old module: EINVAL.
 */
static void test_bytes_stream_dac(void **state)
{
	static const size_t sizes[] = { 4098, 4097, 4095, 4099, 4101, 4096 };
	const unsigned int n = sizeof(sizes) / sizeof(sizes[0]);
	struct fixture *f = *state;
	struct dac_sum want, played;
	int sync_fd[sizeof(sizes) / sizeof(sizes[0])];
	uint64_t total = 0, whole;

	set_rate(&f->dac, 100000);
	attach_set(&f->dac, &f->out, 2, 8192);
	for (unsigned int b = 0; b < n; b++) {
		unsigned int i = b % 2;

		if (b >= 2)
			assert_int_equal(sync_file_wait(sync_fd[b - 2], 5000), 1);
		cpu_write_begin(f->out.fd[i]);
		dac_pattern_bytes(f->out.map[i], sizes[b], total);
		total += sizes[b];
		cpu_write_end(f->out.fd[i]);
		sync_fd[b] = enqueue_fence(&f->dac, f->out.fd[i], sizes[b], 0);
		if (b == 1)
			assert_int_equal(sim_enable(&f->dac, true), 0);
	}
	for (unsigned int b = n - 2; b < n; b++)
		assert_int_equal(sync_file_wait(sync_fd[b], 5000), 1);
	for (unsigned int b = 0; b < n; b++)
		close(sync_fd[b]);
	whole = total - total % DAC_SCAN;
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", whole, 2000), 0);
	usleep(100000);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	want = stream_sum(whole);
	printf("# %llu bytes queued, %llu played\n", (unsigned long long)total,
	       (unsigned long long)played.bytes);
	assert_int_equal(played.bytes, whole);
	assert_int_equal(played.b, want.b);
}

/* ---- (g) the buffer fd in DMABUF use --------------------------------------- */

/*
 * While DMABUFs stream on both devices, the buffer fds have neither data
 * nor room: poll() times out with no event (both devices), data_available
 * is 0, O_NONBLOCK read() EBUSY and write() EAGAIN, blocking ones sleep
 * until a signal. Old module: poll() reported POLLIN/POLLOUT at once,
 * data_available was length, read() EBUSY at once and write() EBUSY.
 */
static void test_buffer_fd_in_dmabuf_use(void **state)
{
	struct fixture *f = *state;
	const size_t size = 8192;
	struct pollfd p[2] = {
		{ .fd = f->adc.buf_fd, .events = POLLIN | POLLRDNORM },
		{ .fd = f->dac.buf_fd, .events = POLLOUT | POLLWRNORM },
	};
	uint64_t avail;
	char buf[256] = { 0 };
	double secs;
	int s_in[2], s_out[2];

	/* slow: 2 s a block on both */
	set_rate(&f->adc, 500);
	set_rate(&f->dac, 1000);
	attach_set(&f->adc, &f->in, 2, size);
	attach_set(&f->dac, &f->out, 2, size);
	for (int i = 0; i < 2; i++) {
		s_in[i] = enqueue_fence(&f->adc, f->in.fd[i], size, 0);
		s_out[i] = enqueue_fence(&f->dac, f->out.fd[i], size, 0);
	}
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	assert_int_equal(poll(p, 2, 500), 0);
	assert_int_equal(p[0].revents, 0);
	assert_int_equal(p[1].revents, 0);
	assert_int_equal(sim_attr_u64(&f->adc, "buffer0/data_available", &avail), 0);
	assert_int_equal(avail, 0);
	set_nonblock(&f->adc, true);
	set_nonblock(&f->dac, true);
	assert_int_equal(read(f->adc.buf_fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(write(f->dac.buf_fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	set_nonblock(&f->adc, false);
	set_nonblock(&f->dac, false);
	assert_int_equal(sim_io_alarm(f->adc.buf_fd, false, buf, sizeof(buf), 300, &secs), -EINTR);
	assert_true(secs >= 0.25);
	assert_int_equal(sim_io_alarm(f->dac.buf_fd, true, buf, sizeof(buf), 300, &secs), -EINTR);
	assert_true(secs >= 0.25);
	/* the streams went on meanwhile */
	assert_int_equal(sync_file_wait(s_in[0], 5000), 1);
	assert_int_equal(sync_file_wait(s_out[0], 5000), 1);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sync_file_wait(s_in[1], 1000), -EINTR);
	assert_int_equal(sync_file_wait(s_out[1], 1000), -EINTR);
	for (int i = 0; i < 2; i++) {
		close(s_in[i]);
		close(s_out[i]);
	}
	/* attached, disabled: still no event */
	assert_int_equal(poll(p, 2, 100), 0);
}

/* ---- (h) TX re-enqueue while the fence is pending ---------------------------- */

/*
 * A TX DMABUF enqueued again while its transfer plays: the core adds the new
 * fence to the reservation object, which replaces the pending one of the
 * same context (dropping the object's reference to it), and signals the new
 * one with the error. Only the driver's own reference keeps the first fence
 * alive then (mainline's DMA buffer holds none: a use after free). Each
 * refusal is EBUSY at once; the first transfer completes exactly once (its
 * sync_file, exported before) and plays exactly once. Then the same with no
 * userspace reference left to the first fence (sync_file and DMABUF fd
 * closed): it still completes (the DAC plays it), nothing crashes (KASAN on
 * the debug kernel). Old module: the re-ENQUEUE was accepted (TX FIFO).
 */
static void test_tx_reenqueue_pending_fence(void **state)
{
	struct fixture *f = *state;
	const size_t size = 10000 * DAC_SCAN;	/* 1 s at 10000 scans/s */
	struct dac_sum want = { 0 }, played;
	unsigned int refused = 0;
	int sync_fd, idle;
	double t0;

	set_rate(&f->dac, 10000);
	attach_set(&f->dac, &f->out, 1, size);
	cpu_write_begin(f->out.fd[0]);
	dac_pattern_fill(f->out.map[0], size, 3);
	cpu_write_end(f->out.fd[0]);
	dac_sum_update(&want, f->out.map[0], size);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	sync_fd = enqueue_fence(&f->dac, f->out.fd[0], size, 0);
	t0 = now_seconds();
	for (unsigned int k = 0; k < 200; k++) {
		uint32_t flags = k % 3 ? 0 : IIO_BUFFER_DMABUF_CYCLIC;

		refused += iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0],
					      DAC_SCAN * (1 + k % 7), flags) == -EBUSY;
	}
	printf("# 200 re-ENQUEUEs of a playing TX block in %.3f s: %u EBUSY\n",
	       now_seconds() - t0, refused);
	assert_int_equal(refused, 200);
	assert_int_equal(sync_file_status(sync_fd), 0);
	/* the reservation object holds the last refused fence now (core) */
	idle = dmabuf_fence_status_all(f->out.fd[0]);
	printf("# the DMABUF's reservation object shows it %s\n",
	       idle == 1 ? "idle: the pending fence was replaced" : "busy");
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", size, 2000), 0);
	usleep(200000);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	assert_int_equal(played.bytes, size);
	assert_int_equal(played.b, want.b);

	/* again, the first fence referenced by nobody in userspace */
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size, 0), 0);
	dac_sum_update(&want, f->out.map[0], size);
	for (unsigned int k = 0; k < 50; k++)
		assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->out.fd[0], size, 0), -EBUSY);
	dmabuf_set_free(&f->out, -1);	/* unmap, close: the attachment holds it */
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", 2 * size, 5000), 0);
	usleep(200000);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);
	assert_int_equal(played.bytes, 2 * size);
	assert_int_equal(played.b, want.b);
	assert_int_equal(sim_debugfs_wait(&f->dac, "buffer0/attachments", 1, 1000), 0);
}

/* ---- (i) swiotlb ---------------------------------------------------------------- */

static bool cmdline_has(const char *word)
{
	char buf[4096];
	FILE *fp = fopen("/proc/cmdline", "r");
	bool found = false;

	if (fp) {
		if (fgets(buf, sizeof(buf), fp)) {
			for (char *t = strtok(buf, " \n"); t && !found; t = strtok(NULL, " \n"))
				found = !strcmp(t, word);
		}
		fclose(fp);
	}
	return found;
}

/*
 * With swiotlb=force every streaming DMA mapping is bounced, so the engine
 * (which works on the DMABUF's pages through its vmap) would never see the
 * device's view: ATTACH refuses it with EOPNOTSUPP and says so in the kernel
 * log; fileio still works. Runs only on a kernel booted with swiotlb=force
 * (where no other DMABUF test can attach):
 *   vm/run --append swiotlb=force -- \
 *       env TEST_FILTER='test_swiotlb*' build/tests/kernel/test-mainline
 * Old module: the ATTACH succeeded.
 */
static void test_swiotlb_attach_eopnotsupp(void **state)
{
	struct fixture *f = *state;
	uint64_t v[16], n;
	int fd;

	if (!cmdline_has("swiotlb=force")) {
		printf("# skipped: the kernel was not booted with swiotlb=force "
		       "(vm/run --append swiotlb=force)\n");
		skip();
	}
	for (int src = DMABUF_HEAP; src <= DMABUF_UDMABUF; src++) {
		fd = dmabuf_alloc(src, 8192);
		assert_true(fd >= 0);
		assert_int_equal(iio_dmabuf_attach(f->adc.buf_fd, fd), -EOPNOTSUPP);
		assert_int_equal(iio_dmabuf_attach(f->dac.buf_fd, fd), -EOPNOTSUPP);
		close(fd);
	}
	assert_int_equal(sim_debugfs_u64(&f->adc, "buffer0/attachments", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(system("dmesg | grep -qi 'iio.sim.*bounce'"), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(read(f->adc.buf_fd, v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(sim_enable(&f->adc, false), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_adc_prequeued_paced),
		T(test_adc_prequeued_unthrottled),
		T(test_dac_prequeued),
		T(test_queued_reenqueue_dac_eperm),
		T(test_queued_reenqueue_adc_ebusy),
		T(test_active_reenqueue_dac_ebusy),
		T(test_active_reenqueue_adc),
		T(test_disable_aborts_active_keeps_queued),
		T(test_queued_outlives_detach_and_close),
		T(test_unbind_queued_enodev),
		T(test_bytes_stream_adc),
		T(test_bytes_stream_dac),
		T(test_buffer_fd_in_dmabuf_use),
		T(test_tx_reenqueue_pending_fence),
		T(test_swiotlb_attach_eopnotsupp),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
