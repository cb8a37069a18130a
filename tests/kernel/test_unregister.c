// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The devices go away under running streams: unbind of the iio-sim driver
 * (sysfs) while DMABUF transfers are in flight on sim-adc and while a cyclic
 * block plays on sim-dac, and unbind and rmmod while read() and write() are
 * blocked on the buffer fds. Everyone waiting must be released: pending
 * fences complete with -EINTR, SYNC START and poll() on the DMABUF
 * return, blocked read()/write() fail with ENODEV; the fds left open fail
 * cleanly (ENODEV, DETACH still works) and closing them releases every
 * attachment; the devices come back (bind, insmod) and stream correct data.
 * (test_lifetime's test_unbind covers the plain ADC case, test_rmmod an
 * idle buffer fd.) Teardown disables first, so the transfers it ends are
 * aborted (-EINTR); blocks queued on a disabled buffer complete with -ENODEV
 * (test_mainline).
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "iio_dmabuf.h"
#include "simtest.h"

#define NBUF	3
#define SIZE	8192

/* A read() or write() on a buffer fd, in a thread. */
struct io_call {
	int fd;
	bool out;
	size_t len;
	char buf[SIZE];
	volatile ssize_t ret;	/* result, -errno on failure */
	volatile int done;
};

static void *io_thread(void *arg)
{
	struct io_call *c = arg;
	ssize_t n = c->out ? write(c->fd, c->buf, c->len) : read(c->fd, c->buf, c->len);

	c->ret = n < 0 ? -errno : n;
	c->done = 1;
	return NULL;
}

/* poll() without timeout on a DMABUF fd, in a thread. */
struct poller {
	int fd;
	short events;
	volatile int ret;
	volatile int done;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = p->events };

	p->ret = poll(&pfd, 1, -1);
	p->done = 1;
	return NULL;
}

/* Wait until *@v is not @from, at most @ms; return whether it changed. */
static bool wait_change(volatile int *v, int from, int ms)
{
	for (int t = 0; *v == from && t < ms; t += 5)
		usleep(5000);
	return *v != from;
}

/* Wait until *@flag is set, at most @ms; return whether it was. */
static bool wait_flag(volatile int *flag, int ms)
{
	for (int t = 0; !*flag && t < ms; t += 5)
		usleep(5000);
	return *flag;
}

/* Unbind the driver: @s's sysfs and debugfs directories go. */
static void unbind(const struct sim *s)
{
	uint64_t v;

	assert_int_equal(sim_driver_unbind(), 0);
	assert_int_equal(access(s->dir, F_OK), -1);
	assert_int_equal(sim_debugfs_u64(s, "buffer0/attachments", &v), -ENOENT);
}

static void bind(void)
{
	struct sim t;

	assert_int_equal(sim_driver_bind(), 0);
	assert_int_equal(sim_find(&t, SIM_ADC_NAME), 0);
	assert_int_equal(sim_find(&t, SIM_DAC_NAME), 0);
}

/* What is left of a device after its teardown fails cleanly. */
static void expect_dead(struct sim *s, int dfd)
{
	int idx = 0, ret, fd = dmabuf_alloc(DMABUF_HEAP, SIZE);
	struct pollfd p = { .fd = s->buf_fd, .events = POLLIN | POLLOUT };

	assert_true(fd >= 0);
	assert_int_equal(iio_dmabuf_attach(s->buf_fd, fd), -ENODEV);
	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, dfd, SIZE, 0), -ENODEV);
	assert_int_equal(ioctl(s->dev_fd, IIO_BUFFER_GET_FD_IOCTL, &idx), -1);
	assert_int_equal(errno, ENODEV);
	/*
	 * Never ready to read or write. (The 6.12 core reports no event at
	 * all, so a poll() without timeout on it never returns: POLLERR or
	 * POLLHUP would be better, and is accepted.)
	 */
	ret = poll(&p, 1, 100);
	assert_true(ret == 0 || (ret == 1 && (p.revents & (POLLERR | POLLHUP))));
	close(fd);
}

/*
 * sim-adc streaming 1 s blocks: unbind aborts all three in flight; a
 * thread in SYNC START and one in poll() on DMABUFs wake up; the fds left
 * fail with ENODEV; DETACH works; the node and then the attachments pin the
 * module until closed; bind and stream again.
 */
static void test_unbind_adc_stream(void **state)
{
	struct sync_waiter w;
	struct poller p;
	struct sim s;
	int fd[NBUF], sync_fd[NBUF];
	pthread_t tw, tp;
	char buf[64];
	void *map;

	(void)state;
	assert_int_equal(sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 1000), 0);
	for (int i = 0; i < NBUF; i++) {
		fd[i] = dmabuf_alloc(DMABUF_HEAP, SIZE);
		assert_true(fd[i] >= 0);
		assert_int_equal(iio_dmabuf_attach(s.buf_fd, fd[i]), 0);
	}
	map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd[2], 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(sim_enable(&s, true), 0);
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(iio_dmabuf_enqueue(s.buf_fd, fd[i], SIZE, 0), 0);
		sync_fd[i] = dmabuf_export_fence(fd[i]);
		assert_true(sync_fd[i] >= 0);
	}
	w = (struct sync_waiter){ .fd = fd[2], .flags = DMA_BUF_SYNC_READ, .ret = 1 };
	p = (struct poller){ .fd = fd[1], .events = POLLIN };
	assert_int_equal(pthread_create(&tw, NULL, sync_waiter_thread, &w), 0);
	assert_int_equal(pthread_create(&tp, NULL, poll_thread, &p), 0);
	usleep(100000);
	assert_int_equal(w.ret, 1);
	assert_false(p.done);

	unbind(&s);
	assert_true(wait_change(&w.ret, 1, 2000));
	assert_true(wait_flag(&p.done, 2000));
	assert_int_equal(pthread_join(tw, NULL), 0);
	assert_int_equal(pthread_join(tp, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_int_equal(p.ret, 1);
	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(sync_file_status(sync_fd[i]), -EINTR);
		close(sync_fd[i]);
	}
	expect_dead(&s, fd[0]);
	assert_int_equal(read(s.buf_fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(iio_dmabuf_detach(s.buf_fd, fd[0]), 0);
	assert_int_equal(iio_dmabuf_detach(s.buf_fd, fd[0]), -EPERM);

	/* the node, then the two attachments left, pin the module */
	assert_int_equal(sim_module_wait_refcnt(3, 2000), 3);
	assert_int_equal(sim_module_remove(), -EAGAIN);
	assert_int_equal(close(s.dev_fd), 0);
	assert_int_equal(sim_module_remove(), -EAGAIN);
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(close(fd[i]), 0);
	assert_int_equal(sim_module_refcnt(), 2);
	assert_int_equal(close(s.buf_fd), 0);
	assert_int_equal(sim_module_wait_refcnt(0, 2000), 0);
	/* the DMABUF outlives it all */
	assert_int_equal(((volatile char *)map)[SIZE - 1], ((volatile char *)map)[SIZE - 1]);
	munmap(map, SIZE);

	bind();
	{
		struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = NBUF, .block = SIZE,
					 .bytes = 16 * SIZE };
		struct stream_result r;
		int ret;

		assert_int_equal(sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
		ret = sim_stream_dmabuf(&s, &o, &r);
		if (ret)
			fail_msg("%s: %s", r.what, strerror(-ret));
		assert_int_equal(r.c.scans, 16 * SIZE / 8);
		assert_int_equal(r.c.gaps + r.c.mismatches, 0);
		sim_teardown(&s);
	}
}

/*
 * sim-dac repeating a cyclic block: unbind aborts it (-EINTR), wakes
 * the SYNC START WRITE waiter; write() and ENQUEUE fail with ENODEV. Bind,
 * and 64 KiB play exactly.
 */
static void test_unbind_dac_cyclic(void **state)
{
	const size_t period = 4000;	/* 1000 scans of 2 channels */
	struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = 2, .block = SIZE,
				 .bytes = 8 * SIZE };
	struct sync_waiter w;
	struct play_result r;
	struct dac_sum played;
	struct sim s;
	int dfd, sync_fd, ret;
	pthread_t tw;
	void *map;

	(void)state;
	assert_int_equal(sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, 100000), 0);
	dfd = dmabuf_alloc(DMABUF_HEAP, SIZE);
	assert_true(dfd >= 0);
	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	assert_true(map != MAP_FAILED);
	dac_pattern_fill(map, period, 1);
	assert_int_equal(iio_dmabuf_attach(s.buf_fd, dfd), 0);
	assert_int_equal(sim_enable(&s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(s.buf_fd, dfd, period, IIO_BUFFER_DMABUF_CYCLIC), 0);
	sync_fd = dmabuf_export_fence_all(dfd);
	assert_true(sync_fd >= 0);
	/* it repeats: more than three periods played */
	for (int i = 0; i < 200; i++) {
		assert_int_equal(sim_dac_played(&s, &played), 0);
		if (played.bytes > 3 * period)
			break;
		usleep(10000);
	}
	assert_true(played.bytes > 3 * period);
	w = (struct sync_waiter){ .fd = dfd, .flags = DMA_BUF_SYNC_WRITE, .ret = 1 };
	assert_int_equal(pthread_create(&tw, NULL, sync_waiter_thread, &w), 0);
	usleep(100000);
	assert_int_equal(w.ret, 1);
	assert_int_equal(sync_file_status(sync_fd), 0);

	unbind(&s);
	assert_true(wait_change(&w.ret, 1, 2000));
	assert_int_equal(pthread_join(tw, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_int_equal(sync_file_status(sync_fd), -EINTR);
	close(sync_fd);
	expect_dead(&s, dfd);
	assert_int_equal(write(s.buf_fd, map, period), -1);
	assert_int_equal(errno, ENODEV);
	sim_teardown(&s);
	assert_int_equal(sim_module_wait_refcnt(0, 2000), 0);
	munmap(map, SIZE);
	close(dfd);

	bind();
	assert_int_equal(sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, 0), 0);
	ret = sim_play_dmabuf(&s, &o, &r);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	assert_int_equal(r.played.bytes, o.bytes);
	assert_int_equal(r.played.b, r.sum.b);
	sim_teardown(&s);
}

/*
 * fileio: a read() waiting for 10 s of scans on sim-adc and a write() into
 * a full ring on sim-dac. Both sim-adc and sim-dac are left open (node
 * closed, only the buffer fds, if @rmmod) while they block.
 */
struct blocked_io {
	struct sim adc, dac;
	struct io_call rd, wr;
	pthread_t trd, twr;
};

static void block_io(struct blocked_io *b, bool close_nodes)
{
	static char ring[64 * 4];

	assert_int_equal(sim_setup(&b->adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, 100), 0);
	assert_int_equal(sim_attr_write(&b->adc, "buffer0/watermark", "1000"), 0);
	assert_int_equal(sim_enable(&b->adc, true), 0);
	assert_int_equal(sim_setup_dac(&b->dac, SIM_DAC_NAME, SIM_DAC_CHANNELS, 10), 0);
	assert_int_equal(sim_attr_write(&b->dac, "buffer0/length", "64"), 0);
	/* the core sets the scan size at enable: write() needs one first */
	assert_int_equal(sim_enable(&b->dac, true), 0);
	assert_int_equal(sim_enable(&b->dac, false), 0);
	/* a full ring: 64 scans, 6 s at 10 scans/s */
	assert_int_equal(write(b->dac.buf_fd, ring, sizeof(ring)), (ssize_t)sizeof(ring));
	assert_int_equal(sim_enable(&b->dac, true), 0);
	if (close_nodes) {
		close(b->adc.dev_fd);
		close(b->dac.dev_fd);
		b->adc.dev_fd = b->dac.dev_fd = -1;
	}
	b->rd = (struct io_call){ .fd = b->adc.buf_fd, .len = SIZE };
	b->wr = (struct io_call){ .fd = b->dac.buf_fd, .out = true, .len = SIZE };
	assert_int_equal(pthread_create(&b->trd, NULL, io_thread, &b->rd), 0);
	assert_int_equal(pthread_create(&b->twr, NULL, io_thread, &b->wr), 0);
	usleep(200000);
	assert_false(b->rd.done);
	assert_false(b->wr.done);
}

/*
 * Both calls return. Teardown disables the buffer before the device is
 * marked gone, and a read() woken by a disable drains what the ring holds
 * (the scans captured so far, in order); the next read() is ENODEV. The
 * write() fails with ENODEV (having stored some scans as room came).
 */
static void expect_io_released(struct blocked_io *b)
{
	char buf[64];

	assert_true(wait_flag(&b->rd.done, 2000));
	assert_true(wait_flag(&b->wr.done, 2000));
	assert_int_equal(pthread_join(b->trd, NULL), 0);
	assert_int_equal(pthread_join(b->twr, NULL), 0);
	printf("# blocked read() returned %zd, write() %zd\n", (ssize_t)b->rd.ret,
	       (ssize_t)b->wr.ret);
	if (b->rd.ret != -ENODEV) {
		struct counter c = { 0 };

		assert_true(b->rd.ret > 0 && b->rd.ret % 8 == 0);
		counter_check(&c, b->rd.buf, b->rd.ret);
		assert_int_equal(c.gaps + c.mismatches, 0);
		assert_int_equal(read(b->adc.buf_fd, buf, sizeof(buf)), -1);
		assert_int_equal(errno, ENODEV);
	}
	assert_int_equal(b->wr.ret, -ENODEV);
	assert_int_equal(write(b->dac.buf_fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODEV);
}

static void stream_read_check(void)
{
	struct stream_opts o = { .block = SIZE, .bytes = 32 * SIZE };
	struct stream_result r;
	struct sim s;
	int ret;

	assert_int_equal(sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	ret = sim_stream_read(&s, &o, &r);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	assert_int_equal(r.c.scans, 32 * SIZE / 8);
	assert_int_equal(r.c.gaps + r.c.mismatches, 0);
	sim_teardown(&s);
}

static void test_unbind_blocked_read_write(void **state)
{
	struct blocked_io b;

	(void)state;
	block_io(&b, false);
	unbind(&b.adc);
	expect_io_released(&b);
	sim_teardown(&b.adc);
	sim_teardown(&b.dac);
	bind();
	stream_read_check();
}

/*
 * rmmod with only the buffer fds open, read() and write() blocked on them:
 * it unregisters the devices (both calls fail with ENODEV) and waits until
 * both fds are closed.
 */
static void test_rmmod_blocked_read_write(void **state)
{
	struct blocked_io b;
	int status;
	pid_t pid;

	(void)state;
	block_io(&b, true);
	assert_int_equal(sim_module_wait_refcnt(0, 2000), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		closefrom(3);
		_exit(sim_module_remove() ? 1 : 0);
	}
	expect_io_released(&b);
	assert_int_equal(access(b.adc.dir, F_OK), -1);
	assert_int_equal(close(b.adc.buf_fd), 0);
	usleep(100000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);	/* the DAC's is open */
	assert_int_equal(close(b.dac.buf_fd), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(sim_module_refcnt(), -1);
	assert_int_equal(sim_module_load(NULL), 0);
	stream_read_check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unbind_adc_stream),
		cmocka_unit_test(test_unbind_dac_cyclic),
		cmocka_unit_test(test_unbind_blocked_read_write),
		cmocka_unit_test(test_rmmod_blocked_read_write),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
