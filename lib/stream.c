/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stream core: open (channels, buffer fd, backend choice), block queue, cancel, stats. */
#include <errno.h>
#include <fcntl.h>
#include <linux/iio/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iio_dmabuf.h"
#include "internal.h"

#define MAX_BLOCKS 4096

IIOS_API const char *iios_backend_name(enum iios_backend b)
{
	switch (b) {
	case IIOS_BACKEND_DMABUF: return "dmabuf";
	case IIOS_BACKEND_FILEIO: return "fileio";
	default: return "auto";
	}
}

int iios_stream_enable(struct iios_stream *s, bool on)
{
	struct iios_buffer *b = s->buf;
	int r = iios_write_file(b->dirfd, "enable", on ? "1" : "0");

	if (r < 0)
		return iios_err_set(&s->err, -r, "%s: %s buffer%u: writing %s/enable", s->dev->desc,
				    on ? "enabling" : "disabling", b->index, b->path);
	s->enabled = on;
	if (on)
		s->queued_while_disabled = false; /* enable submitted them */
	return 0;
}

int iios_stream_do_start(struct iios_stream *s)
{
	int r = s->enabled ? 0 : iios_stream_enable(s, true);

	if (!r)
		s->started = true;
	return r;
}

/*
 * ENQUEUE on the disabled buffer refused with EBUSY: a driver older than
 * mainline's model (iio-sim before issue #12) takes transfers only while
 * enabled. Then the device is started first and the caller queues again; the
 * stream runs from then on, so this happens at most once.
 */
static bool enqueue_refused_while_disabled(const struct iios_stream *s, int r)
{
	return r == -EBUSY && !s->enabled && !s->stopped;
}

static int queue_block(struct iios_stream *s, struct iios_block *b, size_t bytes, bool cyclic)
{
	int r = s->ops->enqueue(s, b, bytes, cyclic);

	if (s->ops->kind == IIOS_BACKEND_DMABUF && enqueue_refused_while_disabled(s, r)) {
		r = iios_stream_do_start(s);
		if (!r)
			r = s->ops->enqueue(s, b, bytes, cyclic);
	}
	return r;
}

static int cmp_info(const void *a, const void *b)
{
	const struct iios_chan_info *x = a, *y = b;
	bool tx = !strcmp(x->ch->id, "timestamp"), ty = !strcmp(y->ch->id, "timestamp");

	/* The kernel puts the timestamp last whatever its index. */
	if (tx != ty)
		return tx - ty;
	return (x->ch->scan_index > y->ch->scan_index) - (x->ch->scan_index < y->ch->scan_index);
}

static int setup_channels(struct iios_stream *s, struct iios_context *ctx,
			  struct iios_channel *const *chans, size_t n)
{
	struct iios_buffer *b = s->buf;
	struct iios_scan_type *types;
	size_t *offs;
	int r;

	s->chans = calloc(n, sizeof(*s->chans));
	if (!s->chans)
		return iios_err_set(&ctx->err, ENOMEM, "%s: opening buffer%u", s->dev->desc, b->index);
	s->nchans = n;
	for (size_t i = 0; i < n; i++) {
		const struct iios_channel *ch = chans[i];

		if (!ch || ch->buf != b)
			return iios_err_set(&ctx->err, EINVAL,
					    "%s: opening buffer%u: channel %s is not in this buffer",
					    s->dev->desc, b->index, ch ? ch->name : "(null)");
		for (size_t j = 0; j < i; j++)
			if (s->chans[j].ch == ch)
				return iios_err_set(&ctx->err, EINVAL,
						    "%s: opening buffer%u: channel %s given twice",
						    s->dev->desc, b->index, ch->name);
		s->chans[i].ch = ch;
		r = iios_channel_read_scale(ch, &s->chans[i].scale);
		if (!r)
			r = iios_channel_read_offset(ch, &s->chans[i].offset_val);
		if (r)
			return r; /* ctx->err names the file */
	}
	qsort(s->chans, n, sizeof(*s->chans), cmp_info);
	types = calloc(n, sizeof(*types));
	offs = calloc(n, sizeof(*offs));
	if (!types || !offs) {
		free(types);
		free(offs);
		return iios_err_set(&ctx->err, ENOMEM, "%s: opening buffer%u", s->dev->desc, b->index);
	}
	for (size_t i = 0; i < n; i++)
		types[i] = s->chans[i].ch->st;
	r = iios_scan_layout(types, n, offs, &s->scan_bytes);
	for (size_t i = 0; i < n && !r; i++)
		s->chans[i].offset = offs[i];
	free(types);
	free(offs);
	if (r)
		return iios_err_set(&ctx->err, -r, "%s: buffer%u: scan layout", s->dev->desc, b->index);
	return 0;
}

static int write_scan_elements(struct iios_stream *s, struct iios_context *ctx)
{
	struct iios_buffer *b = s->buf;

	for (size_t i = 0; i < b->en_files.n; i++) {
		const char *en = b->en_files.v[i];
		bool on = false;
		int r;

		for (size_t j = 0; j < s->nchans && !on; j++) {
			const char *name = s->chans[j].ch->name;
			size_t l = strlen(name);

			on = !strncmp(en, name, l) && !strcmp(en + l, "_en");
		}
		r = iios_write_file(b->scan_dirfd, en, on ? "1" : "0");
		if (r < 0)
			return iios_err_set(&ctx->err, -r, "%s: writing %s to %s/%s", s->dev->desc,
					    on ? "1" : "0", b->scan_path, en);
	}
	return 0;
}

static int open_buffer_fd(struct iios_stream *s, struct iios_context *ctx)
{
	char path[4096];
	int devfd, arg, r;

	snprintf(path, sizeof(path), "%s/%s", ctx->dev_root, s->dev->id);
	devfd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (devfd < 0)
		return iios_err_set(&ctx->err, errno, "%s: opening %s", s->dev->desc, path);
	arg = (int)s->buf->index;
	r = iios_ioctl(devfd, IIO_BUFFER_GET_FD_IOCTL, &arg);
	if (r >= 0) {
		close(devfd);
		s->buf_fd = arg;
		return 0;
	}
	if ((r == -ENOTTY || r == -EINVAL) && s->buf->index == 0) {
		/* No multi-buffer support (kernel < 5.11): the node is buffer 0. */
		s->buf_fd = devfd;
		s->legacy_fd = true;
		return 0;
	}
	close(devfd);
	return iios_err_set(&ctx->err, -r, "%s: IIO_BUFFER_GET_FD_IOCTL for buffer%u on %s",
			    s->dev->desc, s->buf->index, path);
}

static void set_geometry(struct iios_stream *s)
{
	struct iios_buffer *b = s->buf;
	size_t len = s->block_scans;
	char num[32];

	/* Best effort: length may be read-only (no set_length) and watermark fixed.
	 * dmabuf: length still matters to some FPGA designs (TLAST from length). */
	if (s->ops->kind == IIOS_BACKEND_FILEIO)
		len *= s->nb_blocks;
	snprintf(num, sizeof(num), "%zu", len);
	(void)iios_write_file(b->dirfd, "length", num);
	if (s->ops->kind == IIOS_BACKEND_FILEIO && !s->output) {
		snprintf(num, sizeof(num), "%zu", s->block_scans);
		(void)iios_write_file(b->dirfd, "watermark", num);
	}
}

static void q_push(struct iios_stream *s, struct iios_block *b)
{
	s->queue[(s->q_head + s->q_len) % s->nb_blocks] = b->idx;
	s->q_len++;
	b->state = IIOS_BLK_QUEUED;
}

/*
 * Before the buffer fd is closed: disabling makes the driver abort the blocks
 * it was given. Blocks queued while the buffer was disabled (an output stream
 * never started, a failed open) are not the driver's to abort yet, and would
 * stay queued until the next enable, by anyone: the next user's device would
 * start with them. The only way to take them back is to submit and abort them,
 * so the buffer is enabled for that moment.
 */
static void stream_disable(struct iios_stream *s)
{
	if (s->queued_while_disabled && !s->enabled)
		(void)iios_write_file(s->buf->dirfd, "enable", "1");
	if (s->enabled || s->queued_while_disabled)
		(void)iios_write_file(s->buf->dirfd, "enable", "0");
	s->enabled = false;
	s->queued_while_disabled = false;
}

static void stream_free(struct iios_stream *s)
{
	if (s->ops && s->ops->teardown)
		s->ops->teardown(s);
	if (s->buf_fd >= 0)
		close(s->buf_fd);
	if (s->cancel_fd >= 0)
		close(s->cancel_fd);
	free(s->blocks);
	free(s->queue);
	free(s->chans);
	free(s);
}

IIOS_API struct iios_stream *iios_stream_open(struct iios_buffer *buf,
					      struct iios_channel *const *chans, size_t nchans,
					      const struct iios_stream_params *p)
{
	struct iios_context *ctx;
	struct iios_stream *s;
	enum iios_backend want;
	int r;

	if (!buf) {
		errno = EINVAL;
		return NULL;
	}
	ctx = buf->dev->ctx;
	if (!p || !chans || nchans == 0 || p->block_scans == 0 || p->nb_blocks > MAX_BLOCKS ||
	    p->backend > IIOS_BACKEND_FILEIO ||
	    (p->flags & ~(unsigned int)(IIOS_STREAM_NO_BLOCK_STATUS | IIOS_STREAM_NO_CPU_ACCESS |
					IIOS_STREAM_MANUAL_START))) {
		errno = -iios_err_set(&ctx->err, EINVAL,
				      "%s: opening buffer%u: invalid stream parameters",
				      buf->dev->desc, buf->index);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = -iios_err_set(&ctx->err, ENOMEM, "%s: opening buffer%u", buf->dev->desc,
				      buf->index);
		return NULL;
	}
	s->buf = buf;
	s->dev = buf->dev;
	s->output = buf->output;
	s->flags = p->flags;
	s->buf_fd = -1;
	s->id = atomic_fetch_add(&ctx->next_stream_id, 1);
	s->nb_blocks = p->nb_blocks ? p->nb_blocks : 4;
	s->block_scans = p->block_scans;
	s->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->cancel_fd < 0) {
		r = iios_err_set(&ctx->err, errno, "%s: opening buffer%u: eventfd", buf->dev->desc,
				 buf->index);
		goto fail;
	}
	r = setup_channels(s, ctx, chans, nchans);
	if (r)
		goto fail;
	if (s->block_scans > SIZE_MAX / 2 / s->scan_bytes) {
		r = iios_err_set(&ctx->err, EOVERFLOW, "%s: buffer%u: %zu scans of %zu bytes",
				 buf->dev->desc, buf->index, s->block_scans, s->scan_bytes);
		goto fail;
	}
	s->block_bytes = s->block_scans * s->scan_bytes;
	s->blocks = calloc(s->nb_blocks, sizeof(*s->blocks));
	s->queue = calloc(s->nb_blocks, sizeof(*s->queue));
	if (!s->blocks || !s->queue) {
		r = iios_err_set(&ctx->err, ENOMEM, "%s: opening buffer%u", buf->dev->desc,
				 buf->index);
		goto fail;
	}
	for (unsigned int i = 0; i < s->nb_blocks; i++) {
		s->blocks[i].s = s;
		s->blocks[i].idx = i;
		s->blocks[i].size = s->block_bytes;
		s->blocks[i].dmabuf_fd = -1;
		s->blocks[i].sync_fd = -1;
	}

	/* Take the buffer: get its fd first, which is exclusive (EBUSY while
	 * another process has it), so a busy buffer is left untouched; then
	 * stop it and choose the scan elements. */
	r = open_buffer_fd(s, ctx);
	if (r)
		goto fail;
	r = iios_write_file(buf->dirfd, "enable", "0");
	if (r < 0) {
		r = iios_err_set(&ctx->err, -r, "%s: disabling buffer%u: writing %s/enable",
				 buf->dev->desc, buf->index, buf->path);
		goto fail;
	}
	r = write_scan_elements(s, ctx);
	if (r)
		goto fail;

	want = p->backend;
	if (want != IIOS_BACKEND_FILEIO) {
		if (s->legacy_fd) {
			snprintf(s->reason, sizeof(s->reason),
				 "%s: the kernel has no IIO buffer fd (IIO_BUFFER_GET_FD_IOCTL), so no DMABUF interface",
				 buf->dev->desc);
			s->unsupported = true;
			r = -EOPNOTSUPP;
		} else {
			s->ops = &iios_backend_dmabuf;
			r = s->ops->setup(s);
			if (r)
				s->ops = NULL; /* setup cleaned up after itself */
		}
		if (r) {
			if (!s->unsupported || want == IIOS_BACKEND_DMABUF) {
				if (s->unsupported)
					snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s", s->reason);
				else
					snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s", s->err.msg);
				goto fail;
			}
			s->has_reason = true;
		}
	}
	if (!s->ops) {
		s->ops = &iios_backend_fileio;
		r = s->ops->setup(s);
		if (r) {
			snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s", s->err.msg);
			goto fail;
		}
	}
	set_geometry(s);

	if (!s->output) {
		/* Queue every block, then enable (ATTACH came before: a driver picks
		 * DMABUF or fileio mode at enable). Mainline's DMA buffers keep the
		 * blocks queued while disabled and submit them at enable, where the
		 * device's clock starts, so the first block gets the first scans.
		 * fileio: nothing to queue. */
		for (unsigned int i = 0; i < s->nb_blocks; i++) {
			r = queue_block(s, &s->blocks[i], s->block_bytes, false);
			if (r) {
				snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s", s->err.msg);
				goto fail;
			}
			q_push(s, &s->blocks[i]);
		}
		r = iios_stream_do_start(s);
		if (r) {
			snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s", s->err.msg);
			goto fail;
		}
	} else {
		for (unsigned int i = 0; i < s->nb_blocks; i++)
			q_push(s, &s->blocks[i]);
	}
	return s;
fail:
	stream_disable(s);
	stream_free(s);
	errno = -r;
	return NULL;
}

IIOS_API void iios_stream_close(struct iios_stream *s)
{
	if (!s)
		return;
	stream_disable(s);
	stream_free(s);
}

IIOS_API int iios_stream_start(struct iios_stream *s)
{
	if (!s)
		return -EINVAL;
	if (s->started || s->stopped)
		return 0;
	return iios_stream_do_start(s);
}

IIOS_API enum iios_backend iios_stream_backend(const struct iios_stream *s)
{
	return s->ops->kind;
}

IIOS_API const char *iios_stream_fallback_reason(const struct iios_stream *s)
{
	return s->has_reason ? s->reason : NULL;
}

IIOS_API const char *iios_stream_allocator(const struct iios_stream *s) { return s->allocator; }
IIOS_API const char *iios_stream_last_error(const struct iios_stream *s) { return s->err.msg; }
IIOS_API bool iios_stream_is_output(const struct iios_stream *s) { return s->output; }
IIOS_API size_t iios_stream_scan_bytes(const struct iios_stream *s) { return s->scan_bytes; }
IIOS_API size_t iios_stream_block_bytes(const struct iios_stream *s) { return s->block_bytes; }
IIOS_API unsigned int iios_stream_block_count(const struct iios_stream *s) { return s->nb_blocks; }

static const struct iios_chan_info *find_info(const struct iios_stream *s,
					      const struct iios_channel *ch)
{
	for (size_t i = 0; i < s->nchans; i++)
		if (s->chans[i].ch == ch)
			return &s->chans[i];
	return NULL;
}

IIOS_API ssize_t iios_stream_channel_offset(const struct iios_stream *s,
					    const struct iios_channel *ch)
{
	const struct iios_chan_info *ci = find_info(s, ch);

	return ci ? (ssize_t)ci->offset : -EINVAL;
}

IIOS_API int iios_stream_get_block(struct iios_stream *s, int timeout_ms, struct iios_block **out)
{
	struct iios_block *b;
	int r;

	if (!s || !out)
		return -EINVAL;
	if (s->q_len == 0)
		return iios_err_set(&s->err, ENOBUFS,
				    "%s: buffer%u: the application holds every block",
				    s->dev->desc, s->buf->index);
	b = &s->blocks[s->queue[s->q_head]];
	if (s->output && !s->started && b->in_kernel) {
		/* IIOS_STREAM_MANUAL_START and no block left unused: only the
		 * running device can free one, so waiting means starting it. */
		r = iios_stream_do_start(s);
		if (r)
			return r;
	}
	r = s->ops->dequeue(s, b, timeout_ms);
	if (r)
		return r;
	s->q_head = (s->q_head + 1) % s->nb_blocks;
	s->q_len--;
	b->state = IIOS_BLK_APP;
	b->seq = s->next_seq++;
	/* A block cancelled by iios_stream_stop() is the stop, not an error. */
	if (s->stopped && b->status == -ECANCELED) {
		b->bytes_used = 0;
	} else {
		if (!s->output) {
			s->stats.blocks++;
			s->stats.bytes += b->bytes_used;
		}
		if (b->status)
			s->stats.block_errors++;
		if (!b->status_known)
			s->stats.status_unknown++;
	}
	*out = b;
	return 0;
}

static int check_lent(struct iios_stream *s, struct iios_block *b, bool output, const char *op)
{
	if (!s || !b)
		return -EINVAL;
	if (b->s != s || b->state != IIOS_BLK_APP)
		return iios_err_set(&s->err, EINVAL, "%s: buffer%u: %s: block is not lent to the caller",
				    s->dev->desc, s->buf->index, op);
	if (s->output != output)
		return iios_err_set(&s->err, EINVAL, "%s: buffer%u: %s on an %s stream",
				    s->dev->desc, s->buf->index, op, s->output ? "output" : "input");
	return 0;
}

IIOS_API int iios_stream_release_block(struct iios_stream *s, struct iios_block *b)
{
	int r = check_lent(s, b, false, "release");

	if (r)
		return r;
	r = s->ops->enqueue(s, b, s->block_bytes, false);
	if (r)
		return r; /* still lent: the caller may retry or close */
	q_push(s, b);
	return 0;
}

IIOS_API int iios_stream_submit_block(struct iios_stream *s, struct iios_block *b,
				      size_t bytes_used, unsigned int flags)
{
	bool cyclic = flags & IIOS_SUBMIT_CYCLIC;
	int r = check_lent(s, b, true, "submit");

	if (r)
		return r;
	if (bytes_used == 0 || bytes_used > s->block_bytes || (flags & ~(unsigned int)IIOS_SUBMIT_CYCLIC))
		return iios_err_set(&s->err, EINVAL, "%s: buffer%u: submit of %zu bytes (block %zu, flags %#x)",
				    s->dev->desc, s->buf->index, bytes_used, s->block_bytes, flags);
	if (cyclic && s->ops->kind != IIOS_BACKEND_DMABUF)
		return iios_err_set(&s->err, EOPNOTSUPP, "%s: buffer%u: cyclic submit with fileio",
				    s->dev->desc, s->buf->index);
	/* Queue first, start after (unless IIOS_STREAM_MANUAL_START), so the
	 * device starts with data: mainline keeps DMABUF blocks queued while
	 * the buffer is disabled, iio-sim also what write() stored. */
	r = queue_block(s, b, bytes_used, cyclic);
	if (r == -EINVAL && !s->enabled && s->ops->kind == IIOS_BACKEND_FILEIO) {
		/* A buffer never enabled since the driver loaded may have no scan
		 * size yet and refuse write() (iio-sim does): enabling it once
		 * sets it; write again while it is disabled. */
		r = iios_stream_enable(s, true);
		if (!r)
			r = iios_stream_enable(s, false);
		if (!r)
			r = s->ops->enqueue(s, b, bytes_used, cyclic);
	}
	if (r)
		return r;
	b->bytes_used = bytes_used;
	s->stats.blocks++;
	s->stats.bytes += bytes_used;
	if (cyclic) {
		b->cyclic = true;
		b->state = IIOS_BLK_QUEUED; /* the device's until close */
	} else {
		q_push(s, b);
	}
	if (!s->started && !(s->flags & IIOS_STREAM_MANUAL_START))
		return iios_stream_do_start(s);
	return 0;
}

IIOS_API int iios_stream_stop(struct iios_stream *s)
{
	int r;

	if (!s)
		return -EINVAL;
	if (s->output)
		return iios_err_set(&s->err, EINVAL, "%s: buffer%u: stop of an output stream",
				    s->dev->desc, s->buf->index);
	if (s->stopped)
		return 0;
	if (s->ops->before_stop)
		s->ops->before_stop(s);
	r = iios_stream_enable(s, false);
	if (r)
		return r;
	s->stopped = true;
	return 0;
}

IIOS_API void iios_stream_cancel(struct iios_stream *s)
{
	uint64_t one = 1;

	/* Async-signal-safe; a full counter (EAGAIN) is still "cancelled". */
	if (s && write(s->cancel_fd, &one, sizeof(one)) < 0) {
		/* nothing to do */
	}
}

IIOS_API void iios_stream_clear_cancel(struct iios_stream *s)
{
	uint64_t v;

	if (s && read(s->cancel_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: was not cancelled */
	}
}

static long long read_counter(struct iios_stream *s, const char *attr)
{
	struct iios_buffer *b = s->buf;
	char txt[64];
	long long v;
	bool has = false;

	for (size_t i = 0; i < b->attrs.n && !has; i++)
		has = !strcmp(b->attrs.v[i], attr);
	if (!has || iios_read_file(b->dirfd, attr, txt, sizeof(txt)) < 0 ||
	    iios_parse_ll(txt, &v) < 0)
		return -1;
	return v;
}

IIOS_API int iios_stream_get_stats(struct iios_stream *s, struct iios_stream_stats *st)
{
	if (!s || !st)
		return -EINVAL;
	*st = s->stats;
	st->overruns = read_counter(s, "overruns");
	st->underruns = read_counter(s, "underruns");
	return 0;
}

/* ---- blocks ---- */

IIOS_API void *iios_block_data(const struct iios_block *b) { return b->data; }
IIOS_API size_t iios_block_size(const struct iios_block *b) { return b->size; }
IIOS_API size_t iios_block_bytes_used(const struct iios_block *b) { return b->bytes_used; }
IIOS_API int iios_block_status(const struct iios_block *b) { return b->status; }
IIOS_API bool iios_block_status_known(const struct iios_block *b) { return b->status_known; }
IIOS_API uint64_t iios_block_sequence(const struct iios_block *b) { return b->seq; }

IIOS_API int iios_block_dmabuf_fd(const struct iios_block *b)
{
	return b->dmabuf_fd >= 0 ? b->dmabuf_fd : -EOPNOTSUPP;
}

IIOS_API ssize_t iios_block_demux(const struct iios_block *b, const struct iios_channel *ch,
				  void *dst, size_t dst_len)
{
	const struct iios_chan_info *ci = find_info(b->s, ch);

	if (!ci)
		return -EINVAL;
	return iios_demux(b->data, b->bytes_used, b->s->scan_bytes, ci->offset,
			  iios_scan_type_sample_bytes(&ch->st), dst, dst_len);
}

IIOS_API ssize_t iios_block_read_doubles(const struct iios_block *b,
					 const struct iios_channel *ch, double *dst, size_t max)
{
	const struct iios_chan_info *ci = find_info(b->s, ch);
	const uint8_t *base = b->data;
	size_t nscans, elem, n = 0;

	if (!ci || (!dst && max))
		return -EINVAL;
	nscans = b->bytes_used / b->s->scan_bytes;
	elem = ch->st.storage_bits / 8;
	for (size_t i = 0; i < nscans; i++) {
		const uint8_t *p = base + i * b->s->scan_bytes + ci->offset;

		for (unsigned int k = 0; k < ch->st.repeat; k++) {
			if (n == max)
				return (ssize_t)n;
			dst[n++] = iios_sample_to_double(&ch->st, p + k * elem, ci->scale,
							 ci->offset_val);
		}
	}
	return (ssize_t)n;
}

IIOS_API int iios_block_forward(struct iios_block *b, struct iios_stream *out, size_t bytes_used)
{
	struct iios_stream *in;
	struct iio_dmabuf req = { 0 };
	int fd, r;

	if (!b || !out)
		return -EINVAL;
	in = b->s;
	if (in->output || !out->output || b->state != IIOS_BLK_APP || bytes_used == 0 ||
	    bytes_used > b->size)
		return iios_err_set(&out->err, EINVAL,
				    "%s: buffer%u: forward needs a lent input block and an output stream",
				    out->dev->desc, out->buf->index);
	if (in->ops->kind != IIOS_BACKEND_DMABUF || out->ops->kind != IIOS_BACKEND_DMABUF)
		return iios_err_set(&out->err, EOPNOTSUPP,
				    "%s: buffer%u: forward needs dmabuf on both streams",
				    out->dev->desc, out->buf->index);
	fd = b->dmabuf_fd;
	if (b->fwd_stream_id != out->id) {
		r = iios_ioctl(out->buf_fd, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd);
		if (r < 0 && r != -EBUSY)
			return iios_err_set(&out->err, -r, "%s: ATTACH of %s block %u to buffer%u",
					    out->dev->desc, in->dev->desc, b->idx, out->buf->index);
		b->fwd_stream_id = out->id;
	}
	req.fd = (__u32)fd;
	req.bytes_used = bytes_used;
	/* Queue first, start after, as iios_stream_submit_block() does. */
	r = iios_ioctl(out->buf_fd, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, &req);
	if (enqueue_refused_while_disabled(out, r)) {
		r = iios_stream_do_start(out);
		if (r)
			return r;
		r = iios_ioctl(out->buf_fd, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, &req);
	}
	if (r < 0)
		return iios_err_set(&out->err, -r, "%s: ENQUEUE of %s block %u on buffer%u",
				    out->dev->desc, in->dev->desc, b->idx, out->buf->index);
	if (!out->enabled)
		out->queued_while_disabled = true;
	out->stats.blocks++;
	out->stats.bytes += bytes_used;
	if (!out->started && !(out->flags & IIOS_STREAM_MANUAL_START))
		return iios_stream_do_start(out);
	return 0;
}
