// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The output workflow on sim-dac: fill DMABUFs with a known pattern,
 * enqueue, SYNC START (WRITE) waits until the DAC played a block before it
 * is refilled; the DAC's byte count and checksum (debugfs) match exactly
 * what was sent. 1 GiB through system-heap DMABUFs (the first blocks queued
 * before enable), and through write(). Also the DAC's attributes, one DMABUF
 * enqueued again while it plays (EBUSY: one transfer per DMABUF at a time),
 * write() in DMABUF use (never room: EAGAIN, or sleeps), and the underruns
 * counter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "simtest.h"

#define MiB (1024 * 1024ull)
#define SCAN 4

static int setup_unthrottled(void **state)
{
	static struct sim s;

	if (sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED))
		return -1;
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	sim_teardown(*state);
	return 0;
}

static void check_play(const char *what, int ret, struct play_result *r, uint64_t bytes)
{
	if (ret)
		fail_msg("%s: %s: %s", what, r->what, strerror(-ret));
	printf("# %s: %llu MiB played in %.2f s = %.1f MiB/s, %llu underruns\n", what,
	       (unsigned long long)(r->played.bytes / MiB), r->seconds,
	       r->played.bytes / (double)MiB / r->seconds, (unsigned long long)r->underruns);
	assert_int_equal(r->sum.bytes, bytes);
	assert_int_equal(r->played.bytes, bytes);
	assert_int_equal(r->played.b, r->sum.b);
	/* unthrottled: the DAC never waits for data that is due */
	assert_int_equal(r->underruns, 0);
}

static void test_heap_1gib(void **state)
{
	struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = 4, .block = MiB, .bytes = 1024 * MiB };
	struct play_result r;

	check_play("DMABUF (system heap)", sim_play_dmabuf(*state, &o, &r), &r, o.bytes);
}

static void test_udmabuf(void **state)
{
	struct stream_opts o = { .src = DMABUF_UDMABUF, .nbufs = 3, .block = MiB, .bytes = 64 * MiB + 4096 };
	struct play_result r;

	/* the last block is short */
	check_play("DMABUF (udmabuf)", sim_play_dmabuf(*state, &o, &r), &r, o.bytes);
}

static void test_write_256mib(void **state)
{
	struct stream_opts o = { .block = MiB, .bytes = 256 * MiB };
	struct play_result r;

	check_play("write()", sim_play_write(*state, &o, &r), &r, o.bytes);
}

/* write() with an odd byte count: whole scans are played, the rest waits. */
static void test_write_partial_scan(void **state)
{
	struct sim *s = *state;
	uint8_t buf[4 * SCAN];
	struct dac_sum sum = { 0 }, played;

	dac_pattern_fill(buf, sizeof(buf), 100);
	dac_sum_update(&sum, buf, sizeof(buf));
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(write(s->buf_fd, buf, 5), 5);
	assert_int_equal(sim_debugfs_wait(s, "bytes", SCAN, 5000), 0);
	usleep(50000);
	assert_int_equal(sim_dac_played(s, &played), 0);
	assert_int_equal(played.bytes, SCAN);
	assert_int_equal(write(s->buf_fd, buf + 5, sizeof(buf) - 5), (ssize_t)sizeof(buf) - 5);
	assert_int_equal(sim_debugfs_wait(s, "bytes", sizeof(buf), 5000), 0);
	assert_int_equal(sim_dac_played(s, &played), 0);
	assert_int_equal(played.b, sum.b);
	assert_int_equal(sim_enable(s, false), 0);
}

/* The DAC's attributes. */
static void test_attributes(void **state)
{
	struct sim *s = *state, adc;
	char val[128], attr[64];
	uint64_t v;

	assert_int_equal(sim_attr_read(s, "name", val, sizeof(val)), 0);
	assert_string_equal(val, "sim-dac");
	/* no label: tools show the name */
	assert_int_equal(sim_attr_read(s, "label", val, sizeof(val)), -ENOENT);
	for (unsigned int i = 0; i < 2; i++) {
		snprintf(attr, sizeof(attr), "buffer0/out_voltage%u_type", i);
		assert_int_equal(sim_attr_read(s, attr, val, sizeof(val)), 0);
		assert_string_equal(val, "le:s16/16>>0");
		snprintf(attr, sizeof(attr), "buffer0/out_voltage%u_index", i);
		assert_int_equal(sim_attr_u64(s, attr, &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(sim_attr_read(s, "buffer0/out_voltage2_type", val, sizeof(val)), -ENOENT);
	assert_int_equal(sim_attr_read(s, "buffer0/in_voltage0_type", val, sizeof(val)), -ENOENT);
	assert_int_equal(sim_attr_read(s, "buffer0/direction", val, sizeof(val)), 0);
	assert_string_equal(val, "out");
	assert_int_equal(sim_attr_u64(s, "buffer0/underruns", &v), 0);
	assert_int_equal(sim_attr_read(s, "buffer0/overruns", val, sizeof(val)), -ENOENT);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "48000"), 0);
	assert_int_equal(sim_attr_u64(s, "sampling_frequency", &v), 0);
	assert_int_equal(v, 48000);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "100000001"), -EINVAL);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "0"), 0);
	assert_int_equal(sim_debugfs_u64(s, "buffer0/attachments", &v), 0);
	assert_int_equal(v, 0);

	assert_int_equal(sim_find(&adc, SIM_ADC_NAME), 0);
	assert_int_equal(sim_attr_read(&adc, "buffer0/underruns", val, sizeof(val)), -ENOENT);
	/* read() on an output buffer: the core says EPERM */
	assert_int_equal(read(s->buf_fd, val, sizeof(val)), -1);
	assert_int_equal(errno, EPERM);
}

/*
 * One DMABUF enqueued again while it plays: the core does not wait for an
 * output buffer's own read fence, and the block is ACTIVE: EBUSY at once,
 * twice. The first transfer plays once and completes once (its sync_file,
 * exported before, says so); once done, the DMABUF is enqueued again.
 */
static void test_same_dmabuf_busy(void **state)
{
	struct sim *s = *state;
	const size_t size = 4000 * SCAN, len[3] = { size, size / 2, size / 4 };
	struct dac_sum sum = { 0 }, played;
	int fd, sync_fd;
	double t0;
	void *map;

	assert_int_equal(sim_attr_write(s, "sampling_frequency", "10000"), 0);
	fd = dmabuf_alloc(DMABUF_HEAP, size);
	assert_true(fd >= 0);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	dac_pattern_fill(map, size, 7);
	assert_int_equal(iio_dmabuf_attach(s->buf_fd, fd), 0);
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, fd, len[0], 0), 0);
	dac_sum_update(&sum, map, len[0]);
	sync_fd = dmabuf_export_fence_all(fd);
	assert_true(sync_fd >= 0);
	/* 0.4 s at 10000 scans/s: refused at once, twice */
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, fd, len[1], 0), -EBUSY);
	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, fd, len[2], 0), -EBUSY);
	assert_true(now_seconds() - t0 < 0.2);
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	assert_int_equal(sim_debugfs_wait(s, "bytes", len[0], 1000), 0);
	usleep(100000);
	assert_int_equal(sim_dac_played(s, &played), 0);
	assert_int_equal(played.bytes, len[0]);
	assert_int_equal(played.b, sum.b);
	/* done: accepted again */
	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, fd, len[2], 0), 0);
	dac_sum_update(&sum, map, len[2]);
	assert_int_equal(sim_debugfs_wait(s, "bytes", len[0] + len[2], 5000), 0);
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(sim_dac_played(s, &played), 0);
	assert_int_equal(played.b, sum.b);
	assert_int_equal(iio_dmabuf_detach(s->buf_fd, fd), 0);
	munmap(map, size);
	close(fd);
}

/*
 * write() in DMABUF use (a DMABUF attached, or enabled in DMABUF mode):
 * never room, as mainline's DMA buffer: EAGAIN with O_NONBLOCK, a blocking
 * one sleeps (a signal ends it); poll() reports no POLLOUT. Once detached
 * and disabled, write() stores again.
 */
static void test_write_while_attached(void **state)
{
	struct sim *s = *state;
	struct pollfd p = { .fd = s->buf_fd, .events = POLLOUT };
	char buf[16 * SCAN] = { 0 };
	int fd, fl = fcntl(s->buf_fd, F_GETFL);
	double secs;

	/* the core sets the scan size at enable: write() needs one first */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(sim_enable(s, false), 0);
	fd = dmabuf_alloc(DMABUF_HEAP, 4096);
	assert_true(fd >= 0);
	assert_int_equal(iio_dmabuf_attach(s->buf_fd, fd), 0);
	for (int enabled = 0; enabled < 2; enabled++) {
		assert_int_equal(sim_enable(s, enabled), 0);
		assert_int_equal(poll(&p, 1, enabled ? 300 : 0), 0);
		assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
		assert_int_equal(write(s->buf_fd, buf, sizeof(buf)), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl), 0);
		assert_int_equal(sim_io_alarm(s->buf_fd, true, buf, sizeof(buf), 300, &secs),
				 -EINTR);
		assert_true(secs >= 0.25);
	}
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(iio_dmabuf_detach(s->buf_fd, fd), 0);
	close(fd);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(write(s->buf_fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	/* played at enable (and gone for the next test) */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(sim_debugfs_wait(s, "bytes", sizeof(buf), 5000), 0);
	assert_int_equal(sim_enable(s, false), 0);
}

/*
 * A slow producer at 2000 scans/s: blocks of 0.1 s handed in every 0.2 s.
 * Every scan due while nothing was queued is an underrun: the counter equals
 * the scans due (elapsed time x rate) minus those played, to within the
 * engine's pacing step, and is about half of them.
 */
static void test_underruns_slow_producer(void **state)
{
	struct sim *s = *state;
	const unsigned int rate = 2000;
	const size_t size = rate / 10 * SCAN;
	struct dac_sum played;
	uint64_t underruns, due;
	double t0, dt;
	void *map;
	int fd;

	assert_int_equal(sim_attr_write(s, "sampling_frequency", "%u", rate), 0);
	fd = dmabuf_alloc(DMABUF_HEAP, size);
	assert_true(fd >= 0);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	dac_pattern_fill(map, size, 1);
	assert_int_equal(iio_dmabuf_attach(s->buf_fd, fd), 0);
	assert_int_equal(sim_enable(s, true), 0);
	t0 = now_seconds();
	for (int i = 0; i < 5; i++) {
		usleep(100000);
		assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, fd, size, 0), 0);
		assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
		assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
	}
	assert_int_equal(sim_attr_u64(s, "buffer0/underruns", &underruns), 0);
	dt = now_seconds() - t0;
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(sim_dac_played(s, &played), 0);
	due = (uint64_t)(dt * rate);
	printf("# %.3f s: %llu scans due, %llu played, %llu underruns\n", dt,
	       (unsigned long long)due, (unsigned long long)(played.bytes / SCAN),
	       (unsigned long long)underruns);
	assert_int_equal(played.bytes, 5 * size);
	assert_true(underruns >= 5 * rate / 10 * 9 / 10);
	/* the scans due that were not played, give or take pacing steps */
	assert_true(underruns + played.bytes / SCAN <= due + rate / 50);
	assert_true(underruns + played.bytes / SCAN + rate / 5 >= due);
	/* reset by enable */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/underruns", &underruns), 0);
	assert_true(underruns <= rate / 50);
	assert_int_equal(iio_dmabuf_detach(s->buf_fd, fd), 0);
	munmap(map, size);
	close(fd);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_unthrottled, teardown)
	const struct CMUnitTest tests[] = {
		T(test_attributes),
		T(test_same_dmabuf_busy),
		T(test_write_while_attached),
		T(test_write_partial_scan),
		T(test_underruns_slow_producer),
		T(test_heap_1gib),
		T(test_udmabuf),
		T(test_write_256mib),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
