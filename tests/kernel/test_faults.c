// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fault injection (debugfs SIM_DEBUGFS/iio:deviceN/buffer0/): fail the next
 * N transfers with a chosen errno, delay every completion, stall the engine.
 * Userspace sees an injected error only through an exported sync_file, for
 * exactly the affected blocks; later blocks succeed and the failed ones are
 * not played. A stalled engine makes a bounded poll() time out, then
 * completes once released, and is still aborted (-EINTR) by disable and by
 * device teardown; afterwards nothing is left attached and the module unloads.
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

#define SCAN 4
#define NBUF 6
#define DRIVER "/sys/bus/platform/drivers/iio-sim"

struct fixture {
	struct sim s;
	struct sim adc;		/* dev_fd/buf_fd -1 unless a test uses it */
	int fd[NBUF];
	void *map[NBUF];
	size_t size;
};

static int setup(void **state)
{
	static struct fixture f;

	f.adc.dev_fd = f.adc.buf_fd = -1;
	if (sim_setup_dac(&f.s, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED))
		return -1;
	f.size = 64 * 1024;
	for (int i = 0; i < NBUF; i++) {
		f.fd[i] = dmabuf_alloc(DMABUF_HEAP, f.size);
		if (f.fd[i] < 0)
			return -1;
		f.map[i] = mmap(NULL, f.size, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd[i], 0);
		if (f.map[i] == MAP_FAILED || iio_dmabuf_attach(f.s.buf_fd, f.fd[i]))
			return -1;
		dac_pattern_fill(f.map[i], f.size, (uint64_t)i * f.size / SCAN);
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_debugfs_write(&f->s, "buffer0/stall", "0");
	sim_debugfs_write(&f->s, "buffer0/fail_count", "0");
	sim_debugfs_write(&f->s, "buffer0/fail_errno", "5");
	sim_debugfs_write(&f->s, "buffer0/delay_ms", "0");
	sim_enable(&f->s, false);
	if (f->adc.dev_fd >= 0) {
		sim_debugfs_write(&f->adc, "buffer0/fail_count", "0");
		sim_debugfs_write(&f->adc, "buffer0/fail_errno", "5");
		sim_teardown(&f->adc);
	}
	for (int i = 0; i < NBUF; i++) {
		if (f->s.buf_fd >= 0)
			iio_dmabuf_detach(f->s.buf_fd, f->fd[i]);
		munmap(f->map[i], f->size);
		close(f->fd[i]);
	}
	sim_teardown(&f->s);
	return 0;
}

/* Enqueue every block on the DAC, exporting each fence while pending. */
static void enqueue_all(struct fixture *f, int *sync_fd)
{
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[i], f->size, 0), 0);
		sync_fd[i] = dmabuf_export_fence_all(f->fd[i]);
		assert_true(sync_fd[i] >= 0);
	}
}

/* The next 2 transfers fail with EIO: exactly those, the rest are played. */
static void test_fail_eio(void **state)
{
	struct fixture *f = *state;
	struct dac_sum want = { 0 }, played;
	int sync_fd[NBUF];
	uint64_t left;

	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "1"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);	/* all pending while stalled */
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(sync_file_status(sync_fd[i]), 0);
	/* the engine took none up yet: the first two fail */
	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/fail_count", "2"), 0);
	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "0"), 0);
	for (int i = 0; i < NBUF; i++) {
		int st = sync_file_wait(sync_fd[i], 5000);

		assert_int_equal(st, i < 2 ? -EIO : 1);
		close(sync_fd[i]);
		if (i >= 2)
			dac_sum_update(&want, f->map[i], f->size);
	}
	assert_int_equal(sim_debugfs_u64(&f->s, "buffer0/fail_count", &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(sim_debugfs_wait(&f->s, "bytes", want.bytes, 2000), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(sim_dac_played(&f->s, &played), 0);
	assert_int_equal(played.bytes, (NBUF - 2) * f->size);
	assert_int_equal(played.b, want.b);
	/* SYNC START does not report it: it returns 0 for the failed ones too */
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
}

/*
 * A chosen errno, injected mid-stream on the ADC: all six blocks queued at
 * once (0.4 s each), the failure set while the second one fills: the 3rd
 * and 4th fail.
 */
static void test_fail_adc_errno(void **state)
{
	struct fixture *f = *state;
	struct sim *adc = &f->adc;
	int sync_fd[NBUF];
	struct counter c = { 0 };
	const unsigned int rate = f->size / 8 * 5 / 2;

	assert_int_equal(sim_setup(adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, rate), 0);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_attach(adc->buf_fd, f->fd[i]), 0);
	assert_int_equal(sim_debugfs_write(adc, "buffer0/fail_errno", "%d", ETIMEDOUT), 0);
	assert_int_equal(sim_enable(adc, true), 0);
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(iio_dmabuf_enqueue(adc->buf_fd, f->fd[i], f->size, 0), 0);
		sync_fd[i] = dmabuf_export_fence(f->fd[i]);
		assert_true(sync_fd[i] >= 0);
	}
	assert_int_equal(sync_file_wait(sync_fd[0], 5000), 1);
	assert_int_equal(sim_debugfs_write(adc, "buffer0/fail_count", "2"), 0);
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(sync_file_wait(sync_fd[i], 5000), i == 2 || i == 3 ? -ETIMEDOUT : 1);
		close(sync_fd[i]);
		if (i == 0)	/* scans fell due before the first ENQUEUE */
			c.expect = ((const uint64_t *)f->map[0])[0];
		if (i != 2 && i != 3)
			counter_check(&c, f->map[i], f->size);
	}
	assert_int_equal(sim_enable(adc, false), 0);
	/* failed blocks are not filled: the counter runs on without a gap */
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(c.scans, (NBUF - 2) * f->size / 8);
	assert_int_equal(sim_debugfs_write(adc, "buffer0/fail_errno", "5"), 0);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_detach(adc->buf_fd, f->fd[i]), 0);
	assert_int_equal(sim_debugfs_wait(adc, "buffer0/attachments", 0, 2000), 0);
	sim_teardown(adc);
}

/* Every completion is delayed by 300 ms, in order; data flow goes on. */
static void test_delay(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF];
	double t0, t;

	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/delay_ms", "300"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	t0 = now_seconds();
	enqueue_all(f, sync_fd);
	assert_int_equal(sync_file_wait(sync_fd[0], 200), -ETIMEDOUT);
	assert_int_equal(sync_file_wait(sync_fd[0], 5000), 1);
	t = now_seconds() - t0;
	printf("# first completion after %.3f s\n", t);
	assert_true(t >= 0.3);
	/* all were played long ago (unthrottled); they complete close together */
	assert_int_equal(sim_debugfs_wait(&f->s, "bytes", NBUF * f->size, 100), 0);
	for (int i = 1; i < NBUF; i++)
		assert_int_equal(sync_file_wait(sync_fd[i], 1000), 1);
	for (int i = 0; i < NBUF; i++)
		close(sync_fd[i]);
	/* delayed completions are not aborted: disable completes them with 0 */
	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/delay_ms", "10000"), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), 0);
	sync_fd[0] = dmabuf_export_fence_all(f->fd[0]);
	assert_int_equal(sim_debugfs_wait(&f->s, "bytes", (NBUF + 1) * f->size, 2000), 0);
	assert_int_equal(sync_file_status(sync_fd[0]), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(sync_file_status(sync_fd[0]), 1);
	close(sync_fd[0]);
}

/* An injected failure with a delay, nothing else queued: it still completes. */
static void test_fail_delayed(void **state)
{
	struct fixture *f = *state;
	uint64_t played;
	int sync_fd;
	double t0, t;

	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/delay_ms", "200"), 0);
	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/fail_count", "1"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), 0);
	sync_fd = dmabuf_export_fence_all(f->fd[0]);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_wait(sync_fd, 3000), -EIO);
	t = now_seconds() - t0;
	assert_true(t >= 0.2 && t < 2.0);
	close(sync_fd);
	assert_int_equal(sim_enable(&f->s, false), 0);
	/* the failed block was not played */
	assert_int_equal(sim_debugfs_u64(&f->s, "bytes", &played), 0);
	assert_int_equal(played, 0);
}

/* A stalled engine: SYNC START under poll() times out; release completes. */
static void test_stall_release(void **state)
{
	struct fixture *f = *state;
	struct pollfd p = { .fd = f->fd[0], .events = POLLOUT };
	int sync_fd;

	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "1"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), 0);
	sync_fd = dmabuf_export_fence_all(f->fd[0]);
	assert_true(sync_fd >= 0);
	assert_int_equal(poll(&p, 1, 500), 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "0"), 0);
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	assert_int_equal(sync_file_status(sync_fd), 1);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
	close(sync_fd);
	assert_int_equal(sim_debugfs_wait(&f->s, "bytes", f->size, 1000), 0);
}

/* A stalled engine's blocks are aborted by disable (-EINTR), at once. */
static void test_stall_disable(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF];
	double t0;

	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "1"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	t0 = now_seconds();
	assert_int_equal(sim_enable(&f->s, false), 0);
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(sync_file_wait(sync_fd[i], 1000), -EINTR);
		close(sync_fd[i]);
	}
	assert_true(now_seconds() - t0 < 1.0);
	/* still stalled: enable again, nothing moves */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), 0);
	usleep(200000);
	assert_int_equal(dmabuf_fence_status_all(f->fd[0]), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
}

/*
 * Teardown with stalled transfers of a closed buffer fd: unbinding the
 * device aborts them (-EINTR: the buffer was enabled), the attachments go,
 * the module unloads and loads.
 */
static void test_stall_teardown_rmmod(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF], fd;

	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "1"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	sim_teardown(&f->s);	/* disables (aborts), closes the fds */
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(sync_file_wait(sync_fd[i], 1000), -EINTR);
		close(sync_fd[i]);
	}

	/* again, enabled with the fds closed: only the teardown aborts */
	assert_int_equal(sim_setup_dac(&f->s, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED), 0);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[i]), 0);
	assert_int_equal(sim_debugfs_write(&f->s, "buffer0/stall", "1"), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	close(f->s.buf_fd);
	close(f->s.dev_fd);
	f->s.buf_fd = f->s.dev_fd = -1;
	usleep(200000);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(sync_file_status(sync_fd[i]), 0);
	/* the pending transfers pin the module */
	assert_int_not_equal(system("rmmod iio_sim 2>/dev/null"), 0);
	fd = open(DRIVER "/unbind", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "iio-sim", 7), 7);
	close(fd);
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(sync_file_wait(sync_fd[i], 1000), -EINTR);
		close(sync_fd[i]);
	}
	/* attachments are released on a workqueue */
	for (int i = 0; i < 500 && system("rmmod iio_sim 2>/dev/null") != 0; i++)
		usleep(10000);
	assert_int_equal(access("/sys/module/iio_sim", F_OK), -1);
	assert_int_equal(sim_module_insert(NULL), 0);
	assert_int_equal(sim_setup_dac(&f->s, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED), 0);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[i]), 0);
	/* a new module: no fault left over */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), 0);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	assert_int_equal(dmabuf_fence_status_all(f->fd[0]), 1);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fail_eio),
		T(test_fail_adc_errno),
		T(test_delay),
		T(test_fail_delayed),
		T(test_stall_release),
		T(test_stall_disable),
		T(test_stall_teardown_rmmod),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
