/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The order of the dmabuf backend's kernel calls, on the host: the library's
 * objects are linked with -Wl,--wrap=ioctl,--wrap=write, and a fake kernel
 * answers the ioctls (buffer fd, DMA heap allocation as memfds, ATTACH,
 * ENQUEUE, fence export and status) while the sysfs tree is the usual fake
 * one. Every ENQUEUE and every write of a buffer's `enable` file goes into a
 * log, so a test can assert the sequence:
 *
 * - input: every block is queued while the buffer is disabled, then it is
 *   enabled; a driver refusing ENQUEUE on a disabled buffer (EBUSY) gets
 *   enable, then ENQUEUE;
 * - output: queued first, started after the first submit; with
 *   IIOS_STREAM_MANUAL_START only by iios_stream_start() (or when a block
 *   is needed back); a never-started stream's queued blocks are taken back
 *   at close (enable, disable);
 * - fence statuses: -EINTR (mainline's abort) and -ECANCELED are both
 *   "cancelled" (-ECANCELED), also for iios_stream_stop()'s drain.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/sync_file.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakesys.h"
#include "iio_dmabuf.h"
#include "internal.h"

#define NDEV 2	/* iio:device0 = fake-adc (in), iio:device1 = fake-dac (out) */
#define MAX_FDS 1024

static const char *const dev_tag[NDEV] = { "adc", "dac" };

/* The fake kernel's state: one test at a time. */
static struct {
	char *root;
	int buf_fd[NDEV];		/* buffer fds handed out by GET_FD */
	bool refuse_disabled;		/* ENQUEUE on a disabled buffer: EBUSY */
	int statuses[64];		/* fence status of the n-th accepted ENQUEUE (0: 1) */
	unsigned int enqueued;
	int dmabuf_status[MAX_FDS];	/* status of the DMABUF's latest transfer */
	int sync_status[MAX_FDS];	/* sync_file (an eventfd) -> status */
	bool is_sync[MAX_FDS];
	char log[8192];
} fk;

static void log_call(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_call(const char *fmt, ...)
{
	size_t len = strlen(fk.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fk.log + len, sizeof(fk.log) - len, fmt, ap);
	va_end(ap);
}

static const char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int buf_dev(int fd)
{
	for (int i = 0; i < NDEV; i++)
		if (fk.buf_fd[i] == fd)
			return i;
	return -1;
}

/* The buffer's enable file as the fake kernel sees it: '0' or '1'. */
static char enabled(int dev)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "sys/iio:device%d/buffer0/enable", dev);
	return fs_read(fk.root, rel)[0];
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	char path[PATH_MAX];
	size_t l;

	fd_path(fd, path, sizeof(path));
	l = strlen(path);
	if (fk.root && l > 7 && !strcmp(path + l - 7, "/enable") && n >= 1) {
		for (int i = 0; i < NDEV; i++) {
			char want[64];

			snprintf(want, sizeof(want), "/sys/iio:device%d/buffer0/enable", i);
			if (l > strlen(want) && !strcmp(path + l - strlen(want), want))
				log_call("%s:enable=%c ", dev_tag[i], *(const char *)buf);
		}
	}
	return __real_write(fd, buf, n);
}

static int fake_enqueue(int fd, struct iio_dmabuf *req)
{
	int dev = buf_dev(fd);

	if (dev < 0 || req->fd >= MAX_FDS)
		return -EBADF;
	if (fk.refuse_disabled && enabled(dev) == '0') {
		log_call("%s:ENQUEUE(refused) ", dev_tag[dev]);
		return -EBUSY;
	}
	log_call("%s:ENQUEUE@%c ", dev_tag[dev], enabled(dev));
	fk.dmabuf_status[req->fd] = fk.enqueued < 64 && fk.statuses[fk.enqueued] ?
				    fk.statuses[fk.enqueued] : 1;
	fk.enqueued++;
	return 0;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	char path[PATH_MAX];

	switch (req) {
	case IIO_BUFFER_GET_FD_IOCTL: {
		int dev = strstr(fd_path(fd, path, sizeof(path)), "iio:device1") ? 1 : 0;
		char rel[32];
		int bfd;

		snprintf(rel, sizeof(rel), "bufs/%d", dev);
		bfd = open(fs_path(fk.root, rel), O_RDWR | O_CLOEXEC);
		if (bfd < 0)
			return -errno;
		fk.buf_fd[dev] = bfd;
		*(int *)arg = bfd;
		return 0;
	}
	case DMA_HEAP_IOCTL_ALLOC: {
		struct dma_heap_allocation_data *d = arg;
		int mfd = memfd_create("fake-dmabuf", MFD_CLOEXEC);

		if (mfd < 0 || ftruncate(mfd, (off_t)d->len) < 0)
			return -ENOMEM;
		d->fd = (__u32)mfd;
		return 0;
	}
	case IIO_BUFFER_DMABUF_ATTACH_IOCTL:
	case IIO_BUFFER_DMABUF_DETACH_IOCTL:
		return buf_dev(fd) < 0 ? -EBADF : 0;
	case IIO_BUFFER_DMABUF_ENQUEUE_IOCTL:
		return fake_enqueue(fd, arg);
	case DMA_BUF_IOCTL_SYNC:
		return 0;
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE: {
		struct dma_buf_export_sync_file *e = arg;
		/* An eventfd with a count polls readable: the fence signalled. */
		int sfd = eventfd(1, EFD_CLOEXEC);

		if (sfd < 0 || sfd >= MAX_FDS || fd >= MAX_FDS)
			return -EMFILE;
		fk.is_sync[sfd] = true;
		fk.sync_status[sfd] = fk.dmabuf_status[fd];
		e->fd = sfd;
		return 0;
	}
	case SYNC_IOC_FILE_INFO: {
		struct sync_file_info *info = arg;

		if (fd >= MAX_FDS || !fk.is_sync[fd])
			return -EINVAL;
		info->status = fk.sync_status[fd];
		if (info->num_fences) {
			struct sync_fence_info *f = (void *)(uintptr_t)info->sync_fence_info;

			memset(f, 0, sizeof(*f));
			snprintf(f->driver_name, sizeof(f->driver_name), "iio");
			f->status = info->status;
		}
		info->num_fences = 1;
		return 0;
	}
	}
	return -ENOTTY;
}

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	r = fake_ioctl(fd, req, arg);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

struct fixture {
	struct iios_context *ctx;
	struct iios_stream *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sys[4096], dev[4096], err[512];

	memset(&fk, 0, sizeof(fk));
	fk.buf_fd[0] = fk.buf_fd[1] = -1;
	fk.root = fs_mkroot();
	fs_write(fk.root, "sys/iio:device0/name", "fake-adc\n");
	fs_write(fk.root, "sys/iio:device0/buffer0/direction", "in\n");
	fs_write(fk.root, "sys/iio:device0/buffer0/enable", "0\n");
	fs_write(fk.root, "sys/iio:device0/buffer0/length", "4\n");
	fs_scan_element(fk.root, "sys/iio:device0/buffer0", "in_voltage0", "le:s16/16>>0", 0);
	fs_write(fk.root, "sys/iio:device1/name", "fake-dac\n");
	fs_write(fk.root, "sys/iio:device1/buffer0/direction", "out\n");
	fs_write(fk.root, "sys/iio:device1/buffer0/enable", "0\n");
	fs_write(fk.root, "sys/iio:device1/buffer0/length", "4\n");
	fs_scan_element(fk.root, "sys/iio:device1/buffer0", "out_voltage0", "le:s16/16>>0", 0);
	fs_write(fk.root, "dev/iio:device0", "");
	fs_write(fk.root, "dev/iio:device1", "");
	fs_write(fk.root, "dev/dma_heap/system", "");
	fs_write(fk.root, "bufs/0", "");
	fs_write(fk.root, "bufs/1", "");
	snprintf(sys, sizeof(sys), "%s/sys", fk.root);
	snprintf(dev, sizeof(dev), "%s/dev", fk.root);
	f->ctx = iios_context_new(sys, dev, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	iios_stream_close(f->s);
	iios_context_free(f->ctx);
	fs_rmroot(fk.root);
	fk.root = NULL;
	free(f);
	return 0;
}

static struct iios_stream *open_dev(struct fixture *f, int dev, unsigned int flags)
{
	struct iios_buffer *buf = iios_device_buffer(iios_context_device(f->ctx, (size_t)dev), 0);
	struct iios_channel *ch = iios_buffer_channel(buf, 0);
	struct iios_stream_params p = {
		.block_scans = 1024, .nb_blocks = 3, .backend = IIOS_BACKEND_DMABUF, .flags = flags,
	};

	f->s = iios_stream_open(buf, &ch, 1, &p);
	if (!f->s)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	assert_int_equal(iios_stream_backend(f->s), IIOS_BACKEND_DMABUF);
	return f->s;
}

static void expect_log(const char *want)
{
	if (strcmp(fk.log, want))
		fail_msg("calls:\n  got  %s\n  want %s", fk.log, want);
	fk.log[0] = '\0';
}

/* Input: the blocks are queued on the disabled buffer, then it is enabled. */
static void test_input_queues_then_enables(void **state)
{
	struct fixture *f = *state;
	struct iios_block *b;

	open_dev(f, 0, 0);
	expect_log("adc:enable=0 adc:ENQUEUE@0 adc:ENQUEUE@0 adc:ENQUEUE@0 adc:enable=1 ");
	assert_int_equal(iios_stream_start(f->s), 0); /* input: already started */
	expect_log("");
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_block_status(b), 0);
	assert_true(iios_block_status_known(b));
	assert_int_equal(iios_stream_release_block(f->s, b), 0);
	expect_log("adc:ENQUEUE@1 ");
	iios_stream_close(f->s);
	f->s = NULL;
	expect_log("adc:enable=0 ");
}

/* A driver refusing ENQUEUE on a disabled buffer: enable, then queue. */
static void test_input_refused_enqueue_enables_first(void **state)
{
	struct fixture *f = *state;
	struct iios_block *b;

	fk.refuse_disabled = true;
	open_dev(f, 0, 0);
	expect_log("adc:enable=0 adc:ENQUEUE(refused) adc:enable=1 adc:ENQUEUE@1 adc:ENQUEUE@1 "
		   "adc:ENQUEUE@1 ");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
		assert_int_equal(iios_block_status(b), 0);
		assert_int_equal(iios_block_sequence(b), i);
	}
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), -ENOBUFS);
}

/* Output, default: the first submit queues, then starts. */
static void test_output_starts_after_first_enqueue(void **state)
{
	struct fixture *f = *state;
	struct iios_block *a, *b;

	open_dev(f, 1, 0);
	expect_log("dac:enable=0 ");
	assert_int_equal(iios_stream_get_block(f->s, 0, &a), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_stream_submit_block(f->s, a, 2048, 0), 0);
	expect_log("dac:ENQUEUE@0 dac:enable=1 ");
	assert_int_equal(iios_stream_submit_block(f->s, b, 2048, 0), 0);
	expect_log("dac:ENQUEUE@1 ");
	assert_int_equal(iios_stream_start(f->s), 0); /* started already: no-op */
	expect_log("");
	iios_stream_close(f->s);
	f->s = NULL;
	expect_log("dac:enable=0 ");
}

/* Output, old driver: the first submit enables before its ENQUEUE. */
static void test_output_refused_enqueue_enables_first(void **state)
{
	struct fixture *f = *state;
	struct iios_block *a;

	fk.refuse_disabled = true;
	open_dev(f, 1, IIOS_STREAM_MANUAL_START);
	expect_log("dac:enable=0 ");
	assert_int_equal(iios_stream_get_block(f->s, 0, &a), 0);
	assert_int_equal(iios_stream_submit_block(f->s, a, 2048, 0), 0);
	expect_log("dac:ENQUEUE(refused) dac:enable=1 dac:ENQUEUE@1 ");
	assert_int_equal(iios_stream_start(f->s), 0);
	expect_log("");
}

/* Manual start: all blocks queued on the disabled buffer, started on request. */
static void test_output_manual_start(void **state)
{
	struct fixture *f = *state;
	struct iios_block *b[3], *x;

	open_dev(f, 1, IIOS_STREAM_MANUAL_START);
	fk.log[0] = '\0';
	for (int i = 0; i < 3; i++)
		assert_int_equal(iios_stream_get_block(f->s, 0, &b[i]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(iios_stream_submit_block(f->s, b[i], 2048, 0), 0);
	expect_log("dac:ENQUEUE@0 dac:ENQUEUE@0 dac:ENQUEUE@0 ");
	assert_int_equal(enabled(1), '0');
	assert_int_equal(iios_stream_start(f->s), 0);
	expect_log("dac:enable=1 ");
	assert_int_equal(iios_stream_start(f->s), 0); /* idempotent */
	expect_log("");
	assert_int_equal(iios_stream_get_block(f->s, 0, &x), 0);
	assert_ptr_equal(x, b[0]);
	assert_int_equal(iios_stream_start(NULL), -EINVAL);
}

/* Manual start: asking for a block when none is free (every block submitted)
 * starts the device (it alone can free one), instead of waiting forever. */
static void test_output_manual_get_starts(void **state)
{
	struct fixture *f = *state;
	struct iios_block *b[3], *x;

	open_dev(f, 1, IIOS_STREAM_MANUAL_START);
	for (int i = 0; i < 3; i++)
		assert_int_equal(iios_stream_get_block(f->s, 0, &b[i]), 0);
	assert_int_equal(iios_stream_submit_block(f->s, b[0], 2048, 0), 0);
	fk.log[0] = '\0';
	assert_int_equal(iios_stream_submit_block(f->s, b[1], 2048, 0), 0);
	assert_int_equal(iios_stream_submit_block(f->s, b[2], 2048, 0), 0);
	expect_log("dac:ENQUEUE@0 dac:ENQUEUE@0 ");
	assert_int_equal(iios_stream_get_block(f->s, 0, &x), 0);
	expect_log("dac:enable=1 ");
	assert_ptr_equal(x, b[0]);
	assert_int_equal(iios_stream_submit_block(f->s, x, 2048, 0), 0);
	expect_log("dac:ENQUEUE@1 ");
}

/* Closing a stream whose blocks were queued but never started takes them
 * back (the driver would keep them for the next enable, by anyone). */
static void test_close_unstarted_takes_blocks_back(void **state)
{
	struct fixture *f = *state;
	struct iios_block *b;

	open_dev(f, 1, IIOS_STREAM_MANUAL_START);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_stream_submit_block(f->s, b, 2048, 0), 0);
	fk.log[0] = '\0';
	iios_stream_close(f->s);
	f->s = NULL;
	expect_log("dac:enable=1 dac:enable=0 ");
	/* nothing queued: nothing written at close */
	open_dev(f, 1, IIOS_STREAM_MANUAL_START);
	fk.log[0] = '\0';
	iios_stream_close(f->s);
	f->s = NULL;
	expect_log("");
}

/* -EINTR (mainline) and -ECANCELED (older iio-sim) are both "cancelled"; a
 * stopped stream drops such blocks and keeps the completed ones. */
static void test_cancelled_statuses(void **state)
{
	struct fixture *f = *state;
	struct iios_stream_stats st;
	struct iios_block *b;

	fk.statuses[0] = 1;
	fk.statuses[1] = -EINTR;
	fk.statuses[2] = -ECANCELED;
	fk.statuses[3] = -EINTR;	/* block 0's second transfer */
	fk.statuses[4] = -EIO;		/* block 1's second transfer */
	open_dev(f, 0, 0);
	/* not stopped: a status like any other error */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
		assert_int_equal(iios_block_status(b), i == 0 ? 0 : -ECANCELED);
		assert_true(iios_block_status_known(b));
		assert_int_equal(iios_stream_release_block(f->s, b), 0);
	}
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 3);
	assert_int_equal(st.block_errors, 2);
	/* stopped: cancelled blocks come back empty and uncounted */
	assert_int_equal(iios_stream_stop(f->s), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_block_status(b), -ECANCELED);
	assert_int_equal(iios_block_bytes_used(b), 0);
	assert_int_equal(iios_stream_release_block(f->s, b), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_block_status(b), -EIO);
	assert_int_equal(iios_block_bytes_used(b), 2048);
	assert_int_equal(iios_stream_release_block(f->s, b), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_block_status(b), 0);
	assert_int_equal(iios_stream_release_block(f->s, b), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), -ENODATA);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 5);
	assert_int_equal(st.block_errors, 3);
	assert_int_equal(iios_stream_start(f->s), 0); /* no restart after stop */
	assert_int_equal(enabled(0), '0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_input_queues_then_enables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_refused_enqueue_enables_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_output_starts_after_first_enqueue, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_output_refused_enqueue_enables_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_output_manual_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_manual_get_starts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_unstarted_takes_blocks_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_statuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
