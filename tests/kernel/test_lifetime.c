// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lifetime: closing the buffer fd, detaching, disabling with transfers
 * queued (aborted: -EINTR); reattaching after reopen; rmmod while attached or
 * while a buffer fd is open; unbinding the device (ATTACH/ENQUEUE: ENODEV);
 * the dmabuf=0 module parameter; and drops under a slow consumer that equal
 * the overruns count. (Blocks queued before enable: test_mainline.)
 * Every accepted transfer must complete and every attachment be released:
 * the module's reference count (one per attachment) comes back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "simtest.h"

#define RATE 1000
#define SCAN 8
#define NBUF 4
#define DRIVER "/sys/bus/platform/drivers/iio-sim"

struct fixture {
	struct sim s;
	int fd[NBUF];
	void *map[NBUF];
	size_t size;
	long refcnt;	/* module refcount with the node open, nothing attached */
};

static long module_refcnt(void)
{
	char buf[32];
	FILE *f = fopen("/sys/module/iio_sim/refcnt", "r");
	long v = -1;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

/* Attachments are released on a workqueue after their last fence. */
static long wait_refcnt(long want)
{
	long v = module_refcnt();

	for (int i = 0; i < 500 && v != want; i++) {
		usleep(10000);
		v = module_refcnt();
	}
	return v;
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (sim_setup(&f.s, SIM_ADC_NAME, SIM_ALL_CHANNELS, RATE))
		return -1;
	f.size = 8192;	/* about one second of scans; udmabuf needs whole pages */
	for (int i = 0; i < NBUF; i++) {
		f.fd[i] = dmabuf_alloc(i % 2 ? DMABUF_UDMABUF : DMABUF_HEAP, f.size);
		if (f.fd[i] < 0)
			return -1;
		f.map[i] = mmap(NULL, f.size, PROT_READ, MAP_SHARED, f.fd[i], 0);
		if (f.map[i] == MAP_FAILED)
			return -1;
	}
	/*
	 * Only the open node pins the module; attachments of the previous
	 * test may still be released on a workqueue.
	 */
	f.refcnt = wait_refcnt(1);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->s.buf_fd >= 0)
		for (int i = 0; i < NBUF; i++)
			iio_dmabuf_detach(f->s.buf_fd, f->fd[i]);
	for (int i = 0; i < NBUF; i++) {
		munmap(f->map[i], f->size);
		close(f->fd[i]);
	}
	sim_teardown(&f->s);
	return 0;
}

static void attach_all(struct fixture *f)
{
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[i]), 0);
	assert_int_equal(module_refcnt(), f->refcnt + NBUF);
}

/* Enqueue every DMABUF and export its pending fence. */
static void enqueue_all(struct fixture *f, int *sync_fd)
{
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[i], f->size, 0), 0);
		sync_fd[i] = dmabuf_export_fence(f->fd[i]);
		assert_true(sync_fd[i] >= 0);
		assert_int_equal(sync_file_status(sync_fd[i]), 0);
	}
}

/* Wait for each exported fence; check its status; close it. */
static void expect_fences(int *sync_fd, int n, int status, int timeout_ms)
{
	for (int i = 0; i < n; i++) {
		struct pollfd p = { .fd = sync_fd[i], .events = POLLIN };

		assert_int_equal(poll(&p, 1, timeout_ms), 1);
		assert_int_equal(sync_file_status(sync_fd[i]), status);
		close(sync_fd[i]);
	}
}

static void close_buffer(struct fixture *f)
{
	assert_int_equal(close(f->s.buf_fd), 0);
	f->s.buf_fd = -1;
}

/* Close the buffer fd with blocks in flight: they still complete. */
static void test_close_in_flight(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF];

	assert_int_equal(sim_attr_write(&f->s, "sampling_frequency", "%d", 10 * RATE), 0);
	attach_all(f);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	close_buffer(f);
	/* still enabled: the engine fills them, 0.1 s each */
	expect_fences(sync_fd, NBUF, 1, 5000);
	assert_int_equal(wait_refcnt(f->refcnt), f->refcnt);
}

/* Close the buffer fd with blocks active, then disable: aborted (-EINTR). */
static void test_close_then_disable(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF];

	attach_all(f);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	close_buffer(f);
	assert_int_equal(module_refcnt(), f->refcnt + NBUF);
	assert_int_equal(sim_enable(&f->s, false), 0);
	/* the first may have completed before the disable */
	expect_fences(sync_fd + 1, NBUF - 1, -EINTR, 1000);
	close(sync_fd[0]);
	assert_int_equal(wait_refcnt(f->refcnt), f->refcnt);
}

/* Detach while queued: the transfer completes, then the attachment goes. */
static void test_detach_queued(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF];

	attach_all(f);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd[i]), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], SCAN, 0), -EPERM);
	/* each still holds its attachment until done */
	assert_int_equal(module_refcnt(), f->refcnt + NBUF);
	expect_fences(sync_fd, 1, 1, 5000);
	assert_int_equal(wait_refcnt(f->refcnt + NBUF - 1), f->refcnt + NBUF - 1);
	assert_int_equal(sim_enable(&f->s, false), 0);
	expect_fences(sync_fd + 1, NBUF - 1, -EINTR, 1000);
	assert_int_equal(wait_refcnt(f->refcnt), f->refcnt);
}

/* Disable with blocks active: every one is aborted (-EINTR) at once. */
static void test_disable_queued(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF];
	double t0;

	attach_all(f);
	assert_int_equal(sim_enable(&f->s, true), 0);
	enqueue_all(f, sync_fd);
	t0 = now_seconds();
	assert_int_equal(sim_enable(&f->s, false), 0);
	expect_fences(sync_fd, NBUF, -EINTR, 1000);
	assert_true(now_seconds() - t0 < 0.9);
	/* still attached, and usable after enable */
	assert_int_equal(module_refcnt(), f->refcnt + NBUF);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], SCAN * 10, 0), 0);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
}

/* Stream @blocks blocks through the attached DMABUFs; verify the counter. */
static void stream_blocks(struct fixture *f, int blocks)
{
	struct counter c = { 0 };

	assert_int_equal(sim_enable(&f->s, true), 0);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[i], f->size, 0), 0);
	for (int b = 0; b < blocks; b++) {
		int i = b % NBUF;

		assert_int_equal(dmabuf_sync(f->fd[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
		counter_check(&c, f->map[i], f->size);
		assert_int_equal(dmabuf_sync(f->fd[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[i], f->size, 0), 0);
	}
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(c.scans, blocks * (f->size / SCAN));
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
}

/* Reopen the buffer fd and attach the same DMABUFs again. */
static void test_reopen_reattach(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_attr_write(&f->s, "sampling_frequency", "0"), 0);
	for (int round = 0; round < 3; round++) {
		attach_all(f);
		stream_blocks(f, 3 * NBUF);
		/* close without detaching; the close detaches */
		close_buffer(f);
		assert_int_equal(wait_refcnt(f->refcnt), f->refcnt);
		assert_int_equal(sim_open_buffer(&f->s), 0);
		/* the new fd has no attachment */
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], SCAN, 0), -EPERM);
		assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd[0]), -EPERM);
	}
}

static void wait_child(pid_t pid, int *status)
{
	assert_int_equal(waitpid(pid, status, 0), pid);
}

/*
 * rmmod is refused while a DMABUF is attached; with only a buffer fd open,
 * it waits until the fd is closed. Then insmod brings sim-adc back.
 */
static void test_rmmod(void **state)
{
	struct fixture *f = *state;
	int status;
	pid_t pid;

	/* the open node pins the module */
	assert_int_not_equal(system("rmmod iio_sim 2>/dev/null"), 0);
	assert_int_equal(sim_find(&f->s, SIM_ADC_NAME), 0);
	/* an attachment pins it too, without the node */
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[0]), 0);
	assert_int_equal(close(f->s.dev_fd), 0);
	f->s.dev_fd = -1;
	f->refcnt--;
	assert_int_equal(module_refcnt(), f->refcnt + 1);
	assert_int_not_equal(system("rmmod iio_sim 2>/dev/null"), 0);
	assert_int_equal(sim_find(&f->s, SIM_ADC_NAME), 0);
	/* enabled with a pending transfer: still refused */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), 0);
	assert_int_not_equal(system("rmmod iio_sim 2>/dev/null"), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd[0]), 0);
	assert_int_equal(wait_refcnt(f->refcnt), f->refcnt);
	assert_int_equal(f->refcnt, 0);

	/* only the buffer fd open: rmmod waits for its close */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(f->s.buf_fd);	/* or the child holds the buffer too */
		_exit(system("rmmod iio_sim") ? 1 : 0);
	}
	/* rmmod unregisters sim-adc, then waits */
	for (int i = 0; i < 1000 && sim_find(&f->s, SIM_ADC_NAME) == 0; i++)
		usleep(10000);
	assert_int_equal(sim_find(&f->s, SIM_ADC_NAME), -ENOENT);
	usleep(200000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	/* the device is gone: the buffer fd fails */
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[1]), -ENODEV);
	close_buffer(f);
	wait_child(pid, &status);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(module_refcnt(), -1);

	assert_int_equal(sim_module_insert(NULL), 0);
	assert_int_equal(sim_setup(&f->s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	f->refcnt = module_refcnt();
	attach_all(f);
	stream_blocks(f, NBUF);
}

/*
 * Unbind the driver: teardown disables, which aborts the active transfers
 * (-EINTR); ATTACH/ENQUEUE: ENODEV.
 */
static void test_unbind(void **state)
{
	struct fixture *f = *state;
	int sync_fd[NBUF], fd;

	for (int i = 0; i < NBUF - 1; i++)
		assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[i]), 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	for (int i = 0; i < NBUF - 1; i++) {
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[i], f->size, 0), 0);
		sync_fd[i] = dmabuf_export_fence(f->fd[i]);
		assert_true(sync_fd[i] >= 0);
	}

	fd = open(DRIVER "/unbind", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "iio-sim", 7), 7);
	close(fd);
	assert_int_equal(sim_find(&f->s, SIM_ADC_NAME), -ENOENT);

	expect_fences(sync_fd, 1, -EINTR, 1000);
	expect_fences(sync_fd + 1, NBUF - 2, -EINTR, 1000);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[NBUF - 1]), -ENODEV);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], SCAN, 0), -ENODEV);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd[0]), 0);
	sim_teardown(&f->s);	/* the rest detach on close */
	assert_int_equal(wait_refcnt(f->refcnt - 1), f->refcnt - 1);

	fd = open(DRIVER "/bind", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "iio-sim", 7), 7);
	close(fd);
	assert_int_equal(sim_setup(&f->s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	attach_all(f);
	stream_blocks(f, NBUF);
}

/*
 * A throttled capture with a slow consumer: the scans missing from what was
 * captured (from scan 0 at enable, before the first block too) are exactly
 * the overruns count.
 */
static void test_overruns_equal_gaps(void **state)
{
	struct fixture *f = *state;
	const size_t small = 200 * SCAN;	/* 0.2 s */
	struct counter c = { 0 };
	uint64_t overruns;

	attach_all(f);
	assert_int_equal(sim_enable(&f->s, true), 0);
	for (int i = 0; i < 5; i++) {
		usleep(100000);		/* nothing queued: about 100 scans drop */
		assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], small, 0), 0);
		assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
		counter_check(&c, f->map[0], small);
		/* the clock started at enable: the first 100 ms were dropped */
		if (i == 0)
			assert_true(((const uint64_t *)f->map[0])[0] >= RATE / 20);
		assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	}
	/* back to back: no drop between the last small block and the next */
	usleep(100000);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[1], small, 0), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[2], f->size, 0), 0);
	assert_int_equal(dmabuf_sync(f->fd[1], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	counter_check(&c, f->map[1], small);
	assert_int_equal(sim_attr_u64(&f->s, "buffer0/overruns", &overruns), 0);
	assert_int_equal(dmabuf_fence_status(f->fd[2]), 0);	/* still filling */
	assert_int_equal(dmabuf_sync(f->fd[1], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(sim_enable(&f->s, false), 0);
	printf("# %llu scans captured, %llu missing, overruns %llu\n",
	       (unsigned long long)c.scans, (unsigned long long)c.gaps,
	       (unsigned long long)overruns);
	assert_int_equal(c.mismatches, 0);
	assert_true(c.gaps >= 400);
	assert_int_equal(c.gaps, overruns);
}

struct racer {
	struct fixture *f;
	volatile int stop;
	unsigned long accepted, refused;
};

static void *enqueue_racer(void *arg)
{
	struct racer *r = arg;
	struct fixture *f = r->f;

	for (unsigned long n = 0; !r->stop; n++) {
		int fd = f->fd[n % NBUF];
		int ret = iio_dmabuf_enqueue(f->s.buf_fd, fd, SCAN * (1 + n % 64), 0);

		/*
		 * Accepted enabled or disabled (QUEUED); EBUSY (O_NONBLOCK): the
		 * block's previous transfer is pending (QUEUED or ACTIVE: the
		 * core's fence wait comes first on an input buffer).
		 */
		if (ret == 0)
			r->accepted++;
		else if (ret == -EBUSY)
			r->refused++;
		else
			return (void *)(long)ret;
	}
	return NULL;
}

/* Enqueue from two threads while the buffer is enabled and disabled. */
static void test_enable_race(void **state)
{
	struct fixture *f = *state;
	struct racer r = { .f = f };
	pthread_t th[2];
	void *ret;
	int fl = fcntl(f->s.buf_fd, F_GETFL);

	assert_int_equal(sim_attr_write(&f->s, "sampling_frequency", "100000"), 0);
	assert_int_equal(fcntl(f->s.buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	attach_all(f);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, enqueue_racer, &r), 0);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(sim_enable(&f->s, true), 0);
		usleep(i % 10 * 1000);
		assert_int_equal(sim_enable(&f->s, false), 0);
	}
	r.stop = 1;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	printf("# %lu transfers accepted, %lu refused\n", r.accepted, r.refused);
	assert_true(r.accepted > 0);
	/* what was enqueued after the last disable waits for an enable */
	assert_int_equal(sim_flush_queued(&f->s), 0);
	/* nothing left pending, the DMABUFs are idle */
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(dmabuf_fence_status(f->fd[i]), 1);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd[i]), 0);
	assert_int_equal(wait_refcnt(f->refcnt), f->refcnt);
	assert_int_equal(fcntl(f->s.buf_fd, F_SETFL, fl), 0);
}

/* dmabuf=0: no DMABUF ops, ATTACH is EPERM, read() still works. */
static void test_param_dmabuf_off(void **state)
{
	struct fixture *f = *state;
	char val[16];
	uint64_t v[16];

	sim_teardown(&f->s);
	assert_int_equal(sim_module_reload("dmabuf=0"), 0);
	assert_int_equal(sim_setup(&f->s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	{
		FILE *p = fopen("/sys/module/iio_sim/parameters/dmabuf", "r");

		assert_non_null(p);
		assert_non_null(fgets(val, sizeof(val), p));
		fclose(p);
		assert_string_equal(val, "N\n");
	}
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[0]), -EPERM);
	assert_int_equal(iio_dmabuf_detach(f->s.buf_fd, f->fd[0]), -EPERM);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], 8, 0), -EPERM);
	assert_int_equal(read(f->s.buf_fd, v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(v[0], 0);
	assert_int_equal(v[15], 15);
	sim_teardown(&f->s);
	assert_int_equal(sim_module_reload(NULL), 0);
	assert_int_equal(sim_setup(&f->s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	assert_int_equal(iio_dmabuf_attach(f->s.buf_fd, f->fd[0]), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_close_in_flight),
		T(test_close_then_disable),
		T(test_detach_queued),
		T(test_disable_queued),
		T(test_reopen_reattach),
		T(test_enable_race),
		T(test_overruns_equal_gaps),
		T(test_unbind),
		T(test_rmmod),
		T(test_param_dmabuf_off),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
