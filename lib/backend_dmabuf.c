/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabuf backend: blocks are DMABUFs attached to the IIO buffer fd.
 *
 * Syscalls per block in the steady state (input; output is the same cycle
 * starting with the app filling a block):
 *
 * default (per-block status), 6 when the block is already complete:
 *   SYNC_IOC_FILE_INFO on the block's sync_file (status, and which fences)
 *   -> DMA_BUF_IOCTL_SYNC START -> close(sync_file) -> app reads
 *   -> DMA_BUF_IOCTL_SYNC END -> IIO_BUFFER_DMABUF_ENQUEUE
 *   -> DMA_BUF_IOCTL_EXPORT_SYNC_FILE (the new transfer's fence, while pending)
 *   8 when it is not complete yet: poll(sync_file) and a second FILE_INFO.
 *   The consumer then waits for the device anyway, so the two are idle time.
 * IIOS_STREAM_NO_BLOCK_STATUS, 4: poll(DMABUF, POLLOUT) -> SYNC START
 *   -> app reads -> SYNC END -> ENQUEUE.
 * IIOS_STREAM_NO_CPU_ACCESS removes SYNC START and END from either.
 *
 * POLLOUT on the DMABUF waits for all fences (the IIO fence is a WRITE fence
 * for input, a READ fence for output); the buffer fd is never polled here
 * (mainline never reports it ready while DMABUFs are in use). Output streams
 * sync with WRITE, which unlike READ also waits for an output transfer's READ
 * fence (see cpu_sync()).
 *
 * Blocks may be enqueued while the buffer is disabled (mainline keeps them
 * QUEUED until enable); stream.c decides when to enable, and falls back to
 * enabling first for drivers that refuse that with EBUSY.
 */
#include <errno.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iio_dmabuf.h"
#include "internal.h"

/* ATTACH errnos that mean "this buffer or kernel has no DMABUF support". */
static bool attach_unsupported(int err)
{
	return err == EPERM || err == ENODEV || err == ENOTTY || err == EINVAL ||
	       err == EOPNOTSUPP;
}

static void release_blocks(struct iios_stream *s, bool detach)
{
	for (unsigned int i = 0; i < s->nb_blocks; i++) {
		struct iios_block *b = &s->blocks[i];

		if (b->sync_fd >= 0)
			close(b->sync_fd);
		b->sync_fd = -1;
		if (b->attached && detach && s->buf_fd >= 0) {
			int fd = b->dmabuf_fd;

			(void)iios_ioctl(s->buf_fd, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fd);
		}
		b->attached = false;
		if (b->data)
			munmap(b->data, b->map_size);
		b->data = NULL;
		if (b->dmabuf_fd >= 0)
			close(b->dmabuf_fd);
		b->dmabuf_fd = -1;
	}
}

static int unsupported(struct iios_stream *s, int err, const char *fmt, ...) IIOS_PRINTF(3, 4);
static int unsupported(struct iios_stream *s, int err, const char *fmt, ...)
{
	struct iios_err e;
	va_list ap;

	va_start(ap, fmt);
	iios_err_vset(&e, err, fmt, ap);
	va_end(ap);
	snprintf(s->reason, sizeof(s->reason), "%s", e.msg);
	snprintf(s->err.msg, sizeof(s->err.msg), "%s", e.msg);
	s->unsupported = true;
	return -err;
}

static int dmabuf_setup(struct iios_stream *s)
{
	struct iios_dmabuf_allocator a = { .heap_fd = -1 };
	long pg = sysconf(_SC_PAGESIZE);
	size_t map_size;
	int r;

	if (pg <= 0)
		pg = 4096;
	map_size = (s->block_bytes + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	r = iios_dmabuf_allocator_open(&a, s->dev->ctx->dev_root, s->reason, sizeof(s->reason));
	if (r) {
		snprintf(s->err.msg, sizeof(s->err.msg), "%s", s->reason);
		s->unsupported = true;
		return r;
	}
	for (unsigned int i = 0; i < s->nb_blocks; i++) {
		struct iios_block *b = &s->blocks[i];
		int fd;

		r = iios_dmabuf_alloc(&a, map_size, &fd);
		if (r) {
			if (r == -ENOMEM)
				iios_err_set(&s->err, -r, "%s: buffer%u: allocating a %zu-byte DMABUF from %s",
					     s->dev->desc, s->buf->index, map_size, a.name);
			else
				unsupported(s, -r, "%s: buffer%u: allocating a DMABUF from %s/%s",
					    s->dev->desc, s->buf->index, s->dev->ctx->dev_root, a.name);
			goto fail;
		}
		b->dmabuf_fd = fd;
		b->map_size = map_size;
		b->data = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (b->data == MAP_FAILED) {
			b->data = NULL;
			r = iios_err_set(&s->err, errno, "%s: buffer%u: mmap of a %s DMABUF",
					 s->dev->desc, s->buf->index, a.name);
			goto fail;
		}
		r = iios_ioctl(s->buf_fd, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd);
		if (r < 0) {
			if (attach_unsupported(-r))
				unsupported(s, -r, "%s: buffer%u: ATTACH of a DMABUF (not supported here)",
					    s->dev->desc, s->buf->index);
			else
				iios_err_set(&s->err, -r, "%s: buffer%u: ATTACH of a DMABUF",
					     s->dev->desc, s->buf->index);
			goto fail;
		}
		b->attached = true;
		b->in_kernel = false;
	}
	s->allocator = a.name;
	iios_dmabuf_allocator_close(&a);
	return 0;
fail:
	iios_dmabuf_allocator_close(&a);
	release_blocks(s, true);
	return r;
}

/*
 * CPU access brackets in the direction of the device's mapping: READ for an
 * input stream (START waits for the IIO WRITE fence), WRITE for an output one
 * (START waits for every fence, the IIO READ fence included). RW would make
 * exporters sync a FROM_DEVICE mapping as BIDIRECTIONAL, which the DMA API
 * rejects (CONFIG_DMA_API_DEBUG reports it for the system heap).
 */
static int cpu_sync(struct iios_stream *s, struct iios_block *b, bool start)
{
	struct dma_buf_sync sync = {
		.flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) |
			 (s->output ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ),
	};
	int r;

	if (s->flags & IIOS_STREAM_NO_CPU_ACCESS)
		return 0;
	r = iios_ioctl(b->dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
	if (r < 0)
		return iios_err_set(&s->err, -r, "%s: buffer%u: DMA_BUF_IOCTL_SYNC %s on block %u",
				    s->dev->desc, s->buf->index, start ? "START" : "END", b->idx);
	return 0;
}

/*
 * Per-block status. The kernel reports a transfer's error only as the error of
 * its fence, and an export made after the fence signalled returns a stub
 * (dma-resv skips signalled fences), so the fences are exported as a sync_file
 * right after ENQUEUE and their status read at dequeue.
 *
 * The export can still lose the race with a fast device: when the transfer
 * completed between ENQUEUE and EXPORT, the sync_file holds the signalled stub
 * fence (driver "stub") instead of the IIO core's fence (driver "iio"), and its
 * status 1 says nothing about the transfer. SYNC_IOC_FILE_INFO lists the
 * fences in the same call, so such a block is reported as "status unknown"
 * (iios_block_status_known()) at no extra cost.
 */
static void export_fences(struct iios_stream *s, struct iios_block *b)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };

	if ((s->flags & IIOS_STREAM_NO_BLOCK_STATUS) || s->status_unsupported)
		return;
	if (iios_ioctl(b->dmabuf_fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp) < 0) {
		/* Kernel < 6.0: statuses are unknown. */
		s->status_unsupported = true;
		return;
	}
	b->sync_fd = exp.fd;
}

/* Fences one FILE_INFO call can list; a block normally has one or two. */
#define MAX_FENCES 8
#define IIO_FENCE_DRIVER "iio" /* drivers/iio/industrialio-buffer.c */

struct fence_state {
	int status;	/* 1 all signalled, 0 pending, <0 the first error */
	bool iio;	/* one of the fences is the IIO core's */
};

static int read_fences(struct iios_stream *s, struct iios_block *b, struct fence_state *fs)
{
	struct sync_fence_info fences[MAX_FENCES];
	struct sync_file_info info = {
		.num_fences = MAX_FENCES,
		.sync_fence_info = (__u64)(uintptr_t)fences,
	};
	int r = iios_ioctl(b->sync_fd, SYNC_IOC_FILE_INFO, &info);

	fs->iio = false;
	if (r == -EINVAL) {
		/* More fences than MAX_FENCES: ask for the status alone. */
		memset(&info, 0, sizeof(info));
		r = iios_ioctl(b->sync_fd, SYNC_IOC_FILE_INFO, &info);
		fs->iio = true; /* several fences: not a lone stub */
		info.num_fences = 0;
	}
	if (r < 0)
		return iios_err_set(&s->err, -r, "%s: buffer%u: SYNC_IOC_FILE_INFO on block %u",
				    s->dev->desc, s->buf->index, b->idx);
	for (unsigned int i = 0; i < info.num_fences && i < MAX_FENCES; i++)
		if (!strncmp(fences[i].driver_name, IIO_FENCE_DRIVER, sizeof(fences[i].driver_name)))
			fs->iio = true;
	fs->status = info.status;
	return 0;
}

/*
 * A fence's status as the block's: 0 when it signalled without error. A
 * transfer aborted because the buffer was disabled is -ECANCELED, whichever
 * errno the driver used: mainline's DMA buffers abort active blocks with
 * -EINTR (iio_dma_buffer_block_list_abort()), iio-sim before issue #12 used
 * -ECANCELED. So a stopped stream tells cancelled blocks from completed ones
 * on both.
 */
static int fence_errno(int status)
{
	if (status >= 0)
		return 0;
	return status == -EINTR ? -ECANCELED : status;
}

static int dmabuf_dequeue(struct iios_stream *s, struct iios_block *b, int timeout_ms)
{
	struct fence_state fs = { .status = 1, .iio = true };
	int r;

	if (s->stopped && !b->in_kernel)
		return iios_err_set(&s->err, ENODATA, "%s: buffer%u: stopped, every block handed out",
				    s->dev->desc, s->buf->index);
	b->bytes_used = s->output ? b->bytes_used : s->block_bytes;
	if (b->in_kernel && b->sync_fd >= 0) {
		/* Ask first: a complete block needs no poll. */
		r = read_fences(s, b, &fs);
		if (r)
			return r;
		if (fs.status == 0) {
			r = iios_wait_fd(s, b->sync_fd, POLLIN, iios_deadline(timeout_ms),
					 timeout_ms == 0);
			if (r)
				return iios_err_set(&s->err, -r, "%s: buffer%u: waiting for block %u",
						    s->dev->desc, s->buf->index, b->idx);
			r = read_fences(s, b, &fs);
			if (r)
				return r;
		}
	} else if (b->in_kernel) {
		/* No status: POLLOUT waits for every fence of the DMABUF (the IIO
		 * fence is a WRITE fence for input and a READ fence for output). */
		r = iios_wait_fd(s, b->dmabuf_fd, POLLOUT, iios_deadline(timeout_ms),
				 timeout_ms == 0);
		if (r)
			return iios_err_set(&s->err, -r, "%s: buffer%u: waiting for block %u",
					    s->dev->desc, s->buf->index, b->idx);
	}
	r = cpu_sync(s, b, true);
	if (r)
		return r;
	if (b->sync_fd >= 0) {
		close(b->sync_fd);
		b->sync_fd = -1;
		b->status = fence_errno(fs.status);
		b->status_known = fs.iio || fs.status < 0;
	} else if (b->stop_cancelled) {
		b->stop_cancelled = false;
		b->status = -ECANCELED;
		b->status_known = true;
	} else {
		b->status = 0;
		b->status_known = !b->in_kernel; /* a fresh output block has no transfer */
	}
	b->in_kernel = false;
	return 0;
}

static int dmabuf_enqueue(struct iios_stream *s, struct iios_block *b, size_t bytes, bool cyclic)
{
	struct iio_dmabuf req = {
		.fd = (__u32)b->dmabuf_fd,
		.flags = cyclic ? IIO_BUFFER_DMABUF_CYCLIC : 0,
		.bytes_used = bytes,
	};
	int r;

	/* Blocks handed out by get_block had SYNC START; fresh input blocks did not. */
	if (b->state == IIOS_BLK_APP) {
		r = cpu_sync(s, b, false);
		if (r)
			return r;
	}
	if (s->stopped) {
		b->in_kernel = false; /* nothing more to transfer: just free */
		return 0;
	}
	/* The buffer fd is blocking: ENQUEUE may wait (<= 5 s) for the DMABUF's
	 * earlier fences instead of failing with EBUSY; signals restart it. */
	r = iios_ioctl(s->buf_fd, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, &req);
	if (r < 0) {
		if (b->state == IIOS_BLK_APP)
			(void)cpu_sync(s, b, true); /* the caller still owns it */
		return iios_err_set(&s->err, -r, "%s: buffer%u: ENQUEUE of block %u (%zu bytes%s)",
				    s->dev->desc, s->buf->index, b->idx, bytes,
				    cyclic ? ", cyclic" : "");
	}
	b->in_kernel = true;
	if (!s->enabled)
		s->queued_while_disabled = true; /* submitted at enable */
	export_fences(s, b);
	return 0;
}

/*
 * Without a sync_file per block a cancelled block cannot be told from a
 * complete one afterwards: note which blocks are not complete yet (one
 * poll each, once). One that completes between this and the disable is
 * dropped like a cancelled one.
 */
static void dmabuf_before_stop(struct iios_stream *s)
{
	for (unsigned int i = 0; i < s->nb_blocks; i++) {
		struct iios_block *b = &s->blocks[i];
		struct pollfd p = { .fd = b->dmabuf_fd, .events = POLLOUT };

		if (b->in_kernel && b->sync_fd < 0)
			b->stop_cancelled = poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT);
	}
}

static void dmabuf_teardown(struct iios_stream *s)
{
	/* The caller closes the buffer fd next, which detaches everything. */
	release_blocks(s, false);
}

const struct iios_backend_ops iios_backend_dmabuf = {
	.kind = IIOS_BACKEND_DMABUF,
	.setup = dmabuf_setup,
	.dequeue = dmabuf_dequeue,
	.enqueue = dmabuf_enqueue,
	.teardown = dmabuf_teardown,
	.before_stop = dmabuf_before_stop,
};
