// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every outcome of the IIO DMABUF ioctls on sim-adc's buffer0, both the
 * core's checks and the module's rules (kernel/README.md). The block life
 * cycle itself (QUEUED before enable, ACTIVE, re-ENQUEUE of either, on the
 * ADC and the DAC) is test_mainline's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
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

/* bytes_used: 0 and more than the DMABUF are EINVAL (core); any other size goes. */
static void test_bytes_used(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->b), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 0, 0), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, BUF_SIZE + 8, 0), -EINVAL);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, BUF_SIZE + 1, 0), -EINVAL);
	/* a rejected enqueue leaves nothing pending */
	assert_int_equal(dmabuf_fence_status(f->a), 1);
	assert_int_equal(dmabuf_fence_status(f->b), 1);
	/* 4 channels: 8-byte scans; not whole scans is accepted (a byte stream) */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 12, 0), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, 2, 0), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	/* the smallest and the largest sizes, and one scan less a byte */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 1, 0), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, BUF_SIZE, 0), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, BUF_SIZE - 1, 0), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->b), 0);
}

/*
 * With channels 0 and 2 only, scans are 4 bytes: 6 bytes are a scan and a
 * half, captured as such; the next block starts with the other half.
 */
static void test_bytes_used_scan_size(void **state)
{
	struct fixture *f = *state;
	const uint16_t *pa, *pb;
	int sync_fd;

	pa = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, f->a, 0);
	pb = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, f->b, 0);
	assert_true(pa != MAP_FAILED && pb != MAP_FAILED);
	assert_int_equal(sim_attr_write(&f->s, "buffer0/in_voltage1_en", "0"), 0);
	assert_int_equal(sim_attr_write(&f->s, "buffer0/in_voltage3_en", "0"), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->b), 0);
	/* queued before enable: scan 0 is the first */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 6, 0), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->b, 10, 0), 0);
	sync_fd = dmabuf_export_fence(f->b);
	assert_true(sync_fd >= 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	assert_int_equal(dmabuf_fence_status(f->a), 1);
	/* scan k holds counter_sample(k, 0), counter_sample(k, 2) */
	assert_int_equal(pa[0], counter_sample(0, 0));
	assert_int_equal(pa[1], counter_sample(0, 2));
	assert_int_equal(pa[2], counter_sample(1, 0));
	assert_int_equal(pb[0], counter_sample(1, 2));
	assert_int_equal(pb[1], counter_sample(2, 0));
	assert_int_equal(pb[2], counter_sample(2, 2));
	assert_int_equal(pb[3], counter_sample(3, 0));
	assert_int_equal(pb[4], counter_sample(3, 2));
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->b), 0);
	munmap((void *)pa, BUF_SIZE);
	munmap((void *)pb, BUF_SIZE);
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

/*
 * ENQUEUE while disabled is accepted: the block waits, its fence pending,
 * until enable submits it (mainline's QUEUED state). Enqueued again while
 * QUEUED, the core first waits for its pending fence (the ADC's is a write
 * fence): EBUSY at once with O_NONBLOCK.
 */
static void test_enqueue_disabled(void **state)
{
	struct fixture *f = *state;
	const uint64_t *p;
	int fl, sync_fd;

	p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, f->a, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->a), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8 * 8, 0), 0);
	sync_fd = dmabuf_export_fence(f->a);
	assert_true(sync_fd >= 0);
	usleep(100000);
	assert_int_equal(sync_file_status(sync_fd), 0);
	fl = fcntl(f->s.buf_fd, F_GETFL);
	assert_int_equal(fcntl(f->s.buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->a, 8, 0), -EBUSY);
	assert_int_equal(fcntl(f->s.buf_fd, F_SETFL, fl), 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	/* a disable of the disabled buffer changes nothing */
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(sync_file_status(sync_fd), 0);
	/* 100 scans/s: 8 scans in about 80 ms from enable, scan 0 first */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(sync_file_wait(sync_fd, 5000), 1);
	close(sync_fd);
	for (uint64_t k = 0; k < 8; k++)
		assert_int_equal(p[k], k);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->a), 0);
	munmap((void *)p, BUF_SIZE);
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
	/* the pending transfer was aborted by disable */
	assert_int_equal(sync_file_status(sync_fd), -EINTR);
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
