// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Completion as userspace sees it: DMA_BUF_IOCTL_SYNC START waits for the
 * block, poll() on the DMABUF fd reports completion, an aborted transfer's
 * error (-EINTR) reaches an exported sync_file, and nothing blocked stays
 * blocked when the buffer is disabled. The sample clock starts at enable: a
 * block queued before enable starts with scan 0, one queued after it misses
 * the scans due meanwhile. Also poll() on the buffer fd with a watermark.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "simtest.h"

#define RATE 1000		/* scans per second */
#define SCAN 8

struct fixture {
	struct sim s;
	int fd;
	void *map;
	size_t size;
};

static int setup(void **state)
{
	static struct fixture f;

	if (sim_setup(&f.s, SIM_ADC_NAME, SIM_ALL_CHANNELS, RATE))
		return -1;
	f.size = 2 * RATE * SCAN;	/* two seconds of scans */
	f.fd = dmabuf_alloc(DMABUF_HEAP, f.size);
	if (f.fd < 0)
		return -1;
	f.map = mmap(NULL, f.size, PROT_READ, MAP_SHARED, f.fd, 0);
	if (f.map == MAP_FAILED || iio_dmabuf_attach(f.s.buf_fd, f.fd))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_enable(&f->s, false);
	iio_dmabuf_detach(f->s.buf_fd, f->fd);
	munmap(f->map, f->size);
	close(f->fd);
	sim_teardown(&f->s);
	return 0;
}

/* SYNC START blocks until the block is filled: one second at 1000 scans/s. */
static void test_sync_start_waits(void **state)
{
	struct fixture *f = *state;
	size_t bytes = RATE * SCAN;
	struct counter c = { 0 };
	double t0, dt;
	int sync_fd;

	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, bytes, 0), 0);
	t0 = now_seconds();
	sync_fd = dmabuf_export_fence(f->fd);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	dt = now_seconds() - t0;
	printf("# SYNC START waited %.3f s for %d scans at %d/s\n", dt, RATE, RATE);
	assert_true(dt > 0.8);
	assert_true(dt < 10.0);
	assert_int_equal(sync_file_status(sync_fd), 1);
	close(sync_fd);
	/* a contiguous run of the counter, from close to the start */
	c.expect = ((const uint64_t *)f->map)[0];
	counter_check(&c, f->map, bytes);
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	assert_true(c.expect - RATE < RATE / 2);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

/*
 * The sample clock starts at enable, like a converter's: a block enqueued
 * 300 ms after enable begins with about scan 300, the scans before it were
 * dropped (overruns), and the block is contiguous.
 */
static void test_clock_starts_at_enable(void **state)
{
	struct fixture *f = *state;
	size_t bytes = RATE / 10 * SCAN;
	struct counter c = { 0 };
	uint64_t overruns, first;

	assert_int_equal(sim_enable(&f->s, true), 0);
	usleep(300 * 1000);	/* 300 scans fall due, none queued for */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, bytes, 0), 0);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(sim_attr_u64(&f->s, "buffer0/overruns", &overruns), 0);
	first = ((const uint64_t *)f->map)[0];
	c.expect = first;
	counter_check(&c, f->map, bytes);
	printf("# enqueued 300 ms after enable: first scan %llu, %llu overruns\n",
	       (unsigned long long)first, (unsigned long long)overruns);
	assert_true(first >= RATE / 4);
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	/* dropped: the scans before the block (and those after it, so far) */
	assert_true(overruns >= first);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

/*
 * A block enqueued before enable begins with scan 0, however long it waited
 * (QUEUED), and nothing was dropped before it.
 */
static void test_queued_before_enable_starts_at_0(void **state)
{
	struct fixture *f = *state;
	size_t bytes = RATE / 10 * SCAN;
	struct counter c = { 0 };
	uint64_t overruns;
	int sync_fd;

	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, bytes, 0), 0);
	sync_fd = dmabuf_export_fence(f->fd);
	assert_true(sync_fd >= 0);
	usleep(300 * 1000);
	assert_int_equal(sync_file_status(sync_fd), 0);		/* waits for enable */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(sync_file_wait(sync_fd, 10000), 1);
	close(sync_fd);
	assert_int_equal(sim_attr_u64(&f->s, "buffer0/overruns", &overruns), 0);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	counter_check(&c, f->map, bytes);
	assert_int_equal(((const uint64_t *)f->map)[0], 0);
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	/* only the scans after the block can have been dropped */
	assert_true(overruns < RATE / 10);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

/* poll() on the DMABUF fd: not ready while pending, POLLOUT/POLLIN once filled. */
static void test_poll_dmabuf(void **state)
{
	struct fixture *f = *state;
	struct pollfd p = { .fd = f->fd, .events = POLLOUT };
	double t0;

	assert_int_equal(poll(&p, 1, 0), 1);	/* idle: ready */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, RATE / 2 * SCAN, 0), 0);
	t0 = now_seconds();
	assert_int_equal(poll(&p, 1, 0), 0);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 0), 0);
	p.events = POLLOUT;
	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_true(p.revents & POLLOUT);
	assert_true(now_seconds() - t0 > 0.3);
	assert_int_equal(dmabuf_fence_status(f->fd), 1);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_true(p.revents & POLLIN);
}

/* A transfer aborted by disable: its fence error (-EINTR) reaches a sync_file. */
static void test_cancel_error(void **state)
{
	struct fixture *f = *state;
	struct pollfd p = { .fd = f->fd, .events = POLLOUT };
	int sync_fd;

	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, f->size, 0), 0);
	sync_fd = dmabuf_export_fence(f->fd);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(sync_file_status(sync_fd), -EINTR);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	close(sync_fd);
	/* the DMABUF is reusable: enable again and it completes */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, 8 * SCAN, 0), 0);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(dmabuf_fence_status(f->fd), 1);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

/* A thread blocked in SYNC START is released by disable. */
static void test_disable_releases_waiter(void **state)
{
	struct fixture *f = *state;
	struct sync_waiter w = { .fd = f->fd, .flags = DMA_BUF_SYNC_READ, .ret = 1 };
	pthread_t th;
	double t;

	assert_int_equal(sim_attr_write(&f->s, "sampling_frequency", "10"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd, f->size, 0), 0);
	assert_int_equal(pthread_create(&th, NULL, sync_waiter_thread, &w), 0);
	usleep(300000);
	assert_int_equal(w.ret, 1);	/* still waiting */
	t = now_seconds();
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_true(w.done - t < 2.0);
	assert_int_equal(dmabuf_sync(f->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

/*
 * poll() on the buffer fd, fileio mode: POLLIN once watermark scans are in.
 * (In DMABUF use it is never ready: test_fileio, test_mainline.)
 */
static void test_poll_buffer_watermark(void **state)
{
	struct fixture *f = *state;
	struct pollfd p = { .fd = f->s.buf_fd, .events = POLLIN };
	uint64_t avail;
	double t0, dt;

	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd), 0);
	assert_int_equal(sim_attr_write(&f->s, "buffer0/watermark", "%d", RATE / 2), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	t0 = now_seconds();
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(poll(&p, 1, 10000), 1);
	dt = now_seconds() - t0;
	assert_true(p.revents & POLLIN);
	assert_true(dt > 0.3);
	assert_int_equal(sim_attr_u64(&f->s, "buffer0/data_available", &avail), 0);
	assert_true(avail >= RATE / 2);
	assert_int_equal(sim_enable(&f->s, false), 0);
	/* re-attach for teardown */
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sync_start_waits),
		T(test_clock_starts_at_enable),
		T(test_queued_before_enable_starts_at_0),
		T(test_poll_dmabuf),
		T(test_cancel_error),
		T(test_disable_releases_waiter),
		T(test_poll_buffer_watermark),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
