/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fileio backend: read()/write() on the (non-blocking) buffer fd into heap blocks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int fileio_setup(struct iios_stream *s)
{
	size_t total, align = 64;
	int fl;

	total = s->block_bytes * s->nb_blocks;
	total = (total + align - 1) / align * align;
	s->fileio_mem = aligned_alloc(align, total);
	if (!s->fileio_mem)
		return iios_err_set(&s->err, ENOMEM, "%s: buffer%u: %u fileio blocks of %zu bytes",
				    s->dev->desc, s->buf->index, s->nb_blocks, s->block_bytes);
	memset(s->fileio_mem, 0, total);
	for (unsigned int i = 0; i < s->nb_blocks; i++) {
		s->blocks[i].data = (char *)s->fileio_mem + (size_t)i * s->block_bytes;
		s->blocks[i].dmabuf_fd = -1;
	}
	/* All waiting happens in poll(), where cancel and the timeout are honoured. */
	fl = fcntl(s->buf_fd, F_GETFL);
	if (fl < 0 || fcntl(s->buf_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return iios_err_set(&s->err, errno, "%s: buffer%u: setting O_NONBLOCK",
				    s->dev->desc, s->buf->index);
	s->allocator = NULL;
	return 0;
}

/* Input: fill the block; progress survives a timeout or cancel. */
static int fileio_dequeue(struct iios_stream *s, struct iios_block *b, int timeout_ms)
{
	int64_t deadline = iios_deadline(timeout_ms);

	/* read()/write() report their errors themselves: statuses are known. */
	b->status = 0;
	b->status_known = true;
	if (s->output)
		return 0; /* output blocks are free as soon as write() returned */
	b->bytes_used = s->block_bytes;
	while (b->fill < s->block_bytes) {
		ssize_t n;
		int r;

		/* Poll first, also when data is ready: a pending cancel wins, as on
		 * the dmabuf path. With watermark = one block this is one poll and
		 * usually one read per block. A stopped (disabled) buffer makes
		 * poll report single scans, and nothing more will come. */
		r = iios_wait_fd(s, s->buf_fd, POLLIN, deadline, timeout_ms == 0 || s->stopped);
		if (r == -EAGAIN && s->stopped) {
			if (b->fill == 0)
				return iios_err_set(&s->err, ENODATA, "%s: buffer%u: stopped, all data read",
						    s->dev->desc, s->buf->index);
			b->bytes_used = b->fill; /* read() returns whole scans */
			return 0;
		}
		if (r)
			return iios_err_set(&s->err, -r, "%s: buffer%u: waiting for data",
					    s->dev->desc, s->buf->index);
		n = read(s->buf_fd, (char *)b->data + b->fill, s->block_bytes - b->fill);
		if (n > 0) {
			b->fill += (size_t)n;
			continue;
		}
		if (n == 0)
			return iios_err_set(&s->err, EIO, "%s: buffer%u: read() returned end of file",
					    s->dev->desc, s->buf->index);
		if (errno != EINTR && errno != EAGAIN)
			return iios_err_set(&s->err, errno, "%s: buffer%u: read()", s->dev->desc,
					    s->buf->index);
	}
	return 0;
}

static int fileio_enqueue(struct iios_stream *s, struct iios_block *b, size_t bytes, bool cyclic)
{
	size_t done = 0;

	(void)cyclic;
	b->fill = 0;
	if (!s->output)
		return 0; /* input: the block is simply free again */
	while (done < bytes) {
		ssize_t n = write(s->buf_fd, (const char *)b->data + done, bytes - done);
		int r;

		if (n > 0) {
			done += (size_t)n;
			if (!s->enabled)
				s->queued_while_disabled = true; /* played from enable */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return iios_err_set(&s->err, errno, "%s: buffer%u: write()", s->dev->desc,
					    s->buf->index);
		if (!s->started) {
			/* The ring is full before the start (IIOS_STREAM_MANUAL_START,
			 * or a ring shorter than asked): only the running device
			 * makes room. */
			r = iios_stream_do_start(s);
			if (r)
				return r;
			continue;
		}
		r = iios_wait_fd(s, s->buf_fd, POLLOUT, -1, false);
		if (r)
			return iios_err_set(&s->err, -r, "%s: buffer%u: waiting for room (%zu of %zu bytes written)",
					    s->dev->desc, s->buf->index, done, bytes);
	}
	return 0;
}

static void fileio_teardown(struct iios_stream *s)
{
	free(s->fileio_mem);
	s->fileio_mem = NULL;
}

const struct iios_backend_ops iios_backend_fileio = {
	.kind = IIOS_BACKEND_FILEIO,
	.setup = fileio_setup,
	.dequeue = fileio_dequeue,
	.enqueue = fileio_enqueue,
	.teardown = fileio_teardown,
};
