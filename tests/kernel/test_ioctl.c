// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every outcome of the IIO DMABUF ioctls on sim-adc's buffer0, both the
 * core's checks and the module's rules (kernel/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "iio_dmabuf.h"
#include "simtest.h"

#define BUF_SIZE (64 * 1024)

struct fixture {
	struct sim s;
	int a, b;	/* two DMABUFs */
};

static int setup(void **state)
{
	static struct fixture f;

	/* slow: a queued block stays pending for seconds */
	if (sim_setup(&f.s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 100))
		return -1;
	f.a = dmabuf_alloc(DMABUF_HEAP, BUF_SIZE);
	f.b = dmabuf_alloc(DMABUF_UDMABUF, BUF_SIZE);
	if (f.a < 0 || f.b < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_teardown(&f->s);
	close(f->a);
	close(f->b);
	return 0;
}

static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_bad_fd(void **state)
{
	struct fixture *f = *state;
	int fd = closed_fd();

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, fd), -EBADF);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, fd), -EBADF);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, fd, 8, 0), -EBADF);
}

static void test_not_a_dmabuf(void **state)
{
	struct fixture *f = *state;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, fd), -EINVAL);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, fd), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, fd, 8, 0), -EINVAL);
	close(fd);
}

static void test_double_attach(void **state)
{
	struct fixture *f = *state;
	int fd = f->b, dup_fd;

	/*
	 * The core maps the second attachment before it finds the duplicate;
	 * with CONFIG_DMA_API_DEBUG, an overlapping mapping of a system-heap
	 * DMABUF (mapped with CPU syncs) is reported. udmabuf maps with
	 * DMA_ATTR_SKIP_CPU_SYNC: same outcome, no report.
	 */
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, fd), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, fd), -EBUSY);
	/* a dup of the same DMABUF is the same DMABUF */
	dup_fd = dup(fd);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, dup_fd), -EBUSY);
	close(dup_fd);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, fd), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, fd), -EPERM);
	/* attached again after the detach */
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, fd), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, fd), 0);
}

static void test_unattached(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->b), -EPERM);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, 8, 0), -EPERM);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
}

static void test_bytes_used(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->b), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 0, 0), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, BUF_SIZE + 8, 0), -EINVAL);
	/* 4 channels: 8-byte scans */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 12, 0), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, BUF_SIZE - 4, 0), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, 2, 0), -EINVAL);
	/* a rejected enqueue leaves nothing pending */
	assert_int_equal(dmabuf_fence_status(f->a), 1);
	/* the smallest and the largest valid sizes are accepted */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8, 0), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, BUF_SIZE, 0), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->b), 0);
}

/* With channels 0 and 2 only, scans are 4 bytes. */
static void test_bytes_used_scan_size(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_attr_write(&f->s, "buffer0/in_voltage1_en", "0"), 0);
	assert_int_equal(sim_attr_write(&f->s, "buffer0/in_voltage3_en", "0"), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 6, 0), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 12, 0), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
}

static void test_flags(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8, 1u << 1), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8, 0x80000000u), -EINVAL);
	/* CYCLIC is for output buffers only */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8,
					    IIO_BUFFER_DMABUF_CYCLIC), -EINVAL);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
}

/* The module's rule: transfers are accepted only while enabled. */
static void test_enqueue_disabled(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8, 0), -EBUSY);
	assert_int_equal(dmabuf_fence_status(f->a), 1);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
}

/* Enabled without DMABUF (fileio mode): attach and enqueue are refused. */
static void test_attach_in_fileio_mode(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), -EBUSY);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
}

/* O_NONBLOCK enqueue of a DMABUF whose previous transfer is pending. */
static void test_nonblock_pending(void **state)
{
	struct fixture *f = *state;
	int fl, sync_fd;

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->b), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	/* 100 scans/s: 8000 bytes take 10 s */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8000, 0), 0);
	sync_fd = dmabuf_export_fence(f->a);
	assert_true(sync_fd >= 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	fl = fcntl(f->s.buf_fd, F_GETFL);
	assert_int_equal(fcntl(f->s.buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8000, 0), -EBUSY);
	/* another DMABUF is not held up */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, 8, 0), 0);
	assert_int_equal(fcntl(f->s.buf_fd, F_SETFL, fl), 0);
	assert_int_equal(dmabuf_fence_status(f->a), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	/* the pending transfer was cancelled by disable */
	assert_int_equal(sync_file_status(sync_fd), -ECANCELED);
	assert_int_equal(dmabuf_fence_status(f->a), 1);
	close(sync_fd);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->b), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_bad_fd),
		T(test_not_a_dmabuf),
		T(test_double_attach),
		T(test_unattached),
		T(test_bytes_used),
		T(test_bytes_used_scan_size),
		T(test_flags),
		T(test_enqueue_disabled),
		T(test_attach_in_fileio_mode),
		T(test_nonblock_pending),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
