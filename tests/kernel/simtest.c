// SPDX-License-Identifier: LGPL-2.1-or-later
/* Helpers shared by the iio-sim kernel tests and bench/adc-stream. */
#define _GNU_SOURCE
#include "simtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/sync_file.h>
#include <linux/udmabuf.h>

#include "iio_dmabuf.h"

#define IIO_DEVICES "/sys/bus/iio/devices"

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int path_read(const char *path, char *out, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

int sim_find(struct sim *s, const char *name)
{
	struct dirent *de;
	char path[320], val[64];
	DIR *dir;
	int ret = -ENOENT;

	dir = opendir(IIO_DEVICES);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "iio:device", 10))
			continue;
		snprintf(path, sizeof(path), IIO_DEVICES "/%s/name", de->d_name);
		if (path_read(path, val, sizeof(val)) || strcmp(val, name))
			continue;
		snprintf(s->dir, sizeof(s->dir), IIO_DEVICES "/%s", de->d_name);
		snprintf(s->node, sizeof(s->node), "/dev/%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

int sim_attr_write(const struct sim *s, const char *attr, const char *fmt, ...)
{
	char path[640], val[128];
	va_list ap;
	int fd, len, ret = 0;

	va_start(ap, fmt);
	len = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", s->dir, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Whether a sysfs attribute has write permission at all (root included). */
static bool attr_writable(const struct sim *s, const char *attr)
{
	char path[640];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", s->dir, attr);
	return stat(path, &st) == 0 && (st.st_mode & 0222);
}

int sim_attr_read(const struct sim *s, const char *attr, char *out, size_t len)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/%s", s->dir, attr);
	return path_read(path, out, len);
}

int sim_attr_u64(const struct sim *s, const char *attr, uint64_t *val)
{
	char buf[64], *end;
	int ret;

	ret = sim_attr_read(s, attr, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

int sim_enable(const struct sim *s, bool on)
{
	return sim_attr_write(s, "buffer0/enable", "%d", on);
}

int sim_open_buffer(struct sim *s)
{
	int idx = 0;

	if (s->dev_fd < 0) {
		s->dev_fd = open(s->node, O_RDWR | O_CLOEXEC);
		if (s->dev_fd < 0)
			return -errno;
	}
	if (ioctl(s->dev_fd, IIO_BUFFER_GET_FD_IOCTL, &idx) < 0)
		return -errno;
	s->buf_fd = idx;
	return 0;
}

/*
 * Find @name, disable its buffer, enable the @nchan channels "@dir_voltageN"
 * in @mask, set @rate and the ring length, the input's waveform and
 * watermark; open the node and buffer0's fd.
 */
static int setup_device(struct sim *s, const char *name, bool input, unsigned int nchan,
			unsigned int mask, unsigned int rate)
{
	int ret;

	s->dev_fd = -1;
	s->buf_fd = -1;
	ret = sim_find(s, name);
	if (ret)
		return ret;
	ret = sim_enable(s, false);
	for (unsigned int i = 0; i < nchan && !ret; i++) {
		char attr[64];

		snprintf(attr, sizeof(attr), "buffer0/%s_voltage%u_en", input ? "in" : "out", i);
		ret = sim_attr_write(s, attr, "%d", !!(mask & (1u << i)));
	}
	if (!ret && input)
		ret = sim_attr_write(s, "waveform", "counter");
	if (!ret)
		ret = sim_attr_write(s, "sampling_frequency", "%u", rate);
	if (!ret)
		ret = sim_attr_write(s, "buffer0/length", "262144");
	/* mainline's dmaengine buffer has a fixed (read-only) watermark */
	if (!ret && input && attr_writable(s, "buffer0/watermark"))
		ret = sim_attr_write(s, "buffer0/watermark", "1");
	if (!ret)
		ret = sim_open_buffer(s);
	return ret;
}

int sim_setup(struct sim *s, const char *name, unsigned int mask,
	      unsigned int rate)
{
	return setup_device(s, name, true, 4, mask, rate);
}

int sim_setup_dac(struct sim *s, const char *name, unsigned int mask,
		  unsigned int rate)
{
	return setup_device(s, name, false, 2, mask, rate);
}

static void sim_debugfs_path(const struct sim *s, const char *rel, char *path, size_t len)
{
	const char *dev = strrchr(s->dir, '/');

	snprintf(path, len, SIM_DEBUGFS "/%s/%s", dev ? dev + 1 : s->dir, rel);
}

int sim_debugfs_write(const struct sim *s, const char *rel, const char *fmt, ...)
{
	char path[640], val[128];
	va_list ap;
	int fd, len, ret = 0;

	va_start(ap, fmt);
	len = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	sim_debugfs_path(s, rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

int sim_debugfs_u64(const struct sim *s, const char *rel, uint64_t *val)
{
	char path[640], buf[64], *end;
	int ret;

	sim_debugfs_path(s, rel, path, sizeof(path));
	ret = path_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	return errno || end == buf ? -EINVAL : 0;
}

int sim_debugfs_wait(const struct sim *s, const char *rel, uint64_t want, int timeout_ms)
{
	uint64_t v;
	int ret;

	for (int t = 0;; t += 10) {
		ret = sim_debugfs_u64(s, rel, &v);
		if (ret)
			return ret;
		if (v == want)
			return 0;
		if (t >= timeout_ms)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

void dac_sum_update(struct dac_sum *sum, const void *data, size_t bytes)
{
	const uint16_t *p = data;	/* x86: little-endian */
	uint64_t a = sum->a, b = sum->b;

	for (size_t i = 0; i < bytes / 2; i++) {
		a += p[i];
		b += a;
	}
	sum->a = a;
	sum->b = b;
	sum->bytes += bytes / 2 * 2;
}

void dac_pattern_fill(void *data, size_t bytes, uint64_t seq)
{
	uint32_t *p = data;

	for (size_t k = 0; k < bytes / 4; k++)
		p[k] = (uint32_t)(seq + k);
}

void dac_pattern_bytes(void *data, size_t bytes, uint64_t offset)
{
	uint8_t *p = data;

	for (size_t i = 0; i < bytes; i++) {
		uint64_t k = offset + i;

		p[i] = (uint8_t)((uint32_t)(k / 4) >> (8 * (k % 4)));
	}
}

int sim_dac_played(const struct sim *s, struct dac_sum *sum)
{
	int ret = sim_debugfs_u64(s, "bytes", &sum->bytes);

	sum->a = 0;
	return ret ? ret : sim_debugfs_u64(s, "checksum", &sum->b);
}

void sim_teardown(struct sim *s)
{
	sim_enable(s, false);
	if (s->buf_fd >= 0)
		close(s->buf_fd);
	if (s->dev_fd >= 0)
		close(s->dev_fd);
	s->buf_fd = -1;
	s->dev_fd = -1;
}

const char *dmabuf_source_name(enum dmabuf_source src)
{
	switch (src) {
	case DMABUF_HEAP:
		return "/dev/dma_heap/system";
	case DMABUF_UDMABUF:
		return "/dev/udmabuf";
	default:
		return "/dev/dma_heap/system and /dev/udmabuf";
	}
}

static int dmabuf_alloc_heap(size_t size)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap, ret;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0 ? -errno : (int)data.fd;
	close(heap);
	return ret;
}

static int dmabuf_alloc_udmabuf(size_t size)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int dev, memfd, ret;

	memfd = memfd_create("simtest", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, size) < 0 || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		ret = -errno;
		close(memfd);
		return ret;
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		ret = -errno;
		close(memfd);
		return ret;
	}
	create.memfd = memfd;
	ret = ioctl(dev, UDMABUF_CREATE, &create);
	if (ret < 0)
		ret = -errno;
	close(dev);
	close(memfd);
	return ret;
}

int dmabuf_alloc(enum dmabuf_source src, size_t size)
{
	switch (src) {
	case DMABUF_HEAP:
		return dmabuf_alloc_heap(size);
	case DMABUF_UDMABUF:
		return dmabuf_alloc_udmabuf(size);
	default:
		return -EINVAL;
	}
}

void dmabuf_set_free(struct dmabuf_set *b, int buf_fd)
{
	for (unsigned int i = 0; i < b->n; i++) {
		if (b->map[i] && b->map[i] != MAP_FAILED)
			munmap(b->map[i], b->size);
		if (buf_fd >= 0)
			iio_dmabuf_detach(buf_fd, b->fd[i]);
		close(b->fd[i]);
	}
	b->n = 0;
}

int dmabuf_set_alloc(struct dmabuf_set *b, int buf_fd, enum dmabuf_source src,
		     unsigned int n, size_t size, int prot, const char **what)
{
	int ret;

	b->n = 0;
	b->size = size;
	if (!n || n > DMABUF_SET_MAX || !size) {
		*what = "DMABUF set size";
		return -EINVAL;
	}
	while (b->n < n) {
		enum dmabuf_source from = src != DMABUF_ALTERNATE ? src :
					  b->n % 2 ? DMABUF_UDMABUF : DMABUF_HEAP;
		unsigned int i = b->n;

		ret = dmabuf_alloc(from, size);
		if (ret < 0) {
			*what = dmabuf_source_name(from);
			return ret;
		}
		b->fd[i] = ret;
		b->map[i] = NULL;
		b->n++;
		if (prot) {
			b->map[i] = mmap(NULL, size, prot, MAP_SHARED, b->fd[i], 0);
			if (b->map[i] == MAP_FAILED) {
				*what = "mmap DMABUF";
				return -errno;
			}
		}
		if (buf_fd >= 0) {
			ret = iio_dmabuf_attach(buf_fd, b->fd[i]);
			if (ret) {
				*what = "IIO_BUFFER_DMABUF_ATTACH_IOCTL";
				return ret;
			}
		}
	}
	return 0;
}

int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };
	int ret;

	do
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : 0;
}

static int export_fence(int fd, uint32_t flags)
{
	struct dma_buf_export_sync_file ex = { .flags = flags, .fd = -1 };

	return ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex) < 0 ? -errno : ex.fd;
}

int dmabuf_export_fence(int fd)
{
	return export_fence(fd, DMA_BUF_SYNC_READ);
}

int dmabuf_export_fence_all(int fd)
{
	return export_fence(fd, DMA_BUF_SYNC_WRITE);
}

int sync_file_status(int sync_fd)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	return ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info) < 0 ? -errno : info.status;
}

static int fence_status(int fd, uint32_t flags)
{
	int sync_fd, ret;

	sync_fd = export_fence(fd, flags);
	if (sync_fd < 0)
		return sync_fd;
	ret = sync_file_status(sync_fd);
	close(sync_fd);
	return ret;
}

int dmabuf_fence_status(int fd)
{
	return fence_status(fd, DMA_BUF_SYNC_READ);
}

int dmabuf_fence_status_all(int fd)
{
	return fence_status(fd, DMA_BUF_SYNC_WRITE);
}

int sync_file_wait(int sync_fd, int timeout_ms)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	int ret;

	do
		ret = poll(&p, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret ? sync_file_status(sync_fd) : -ETIMEDOUT;
}

void *sync_waiter_thread(void *arg)
{
	struct sync_waiter *w = arg;

	w->ret = dmabuf_sync(w->fd, DMA_BUF_SYNC_START | w->flags);
	w->done = now_seconds();
	return NULL;
}

int iio_dmabuf_attach(int buf_fd, int fd)
{
	return ioctl(buf_fd, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd) < 0 ? -errno : 0;
}

int iio_dmabuf_detach(int buf_fd, int fd)
{
	return ioctl(buf_fd, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fd) < 0 ? -errno : 0;
}

int iio_dmabuf_enqueue(int buf_fd, int fd, uint64_t bytes, uint32_t flags)
{
	struct iio_dmabuf req = { .fd = fd, .flags = flags, .bytes_used = bytes };

	return ioctl(buf_fd, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, &req) < 0 ? -errno : 0;
}

void counter_bytes_check(struct counter_bytes *c, const void *data, size_t bytes)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < bytes; i++, c->pos++) {
		uint8_t want = (uint8_t)((c->pos / 8) >> (8 * (c->pos % 8)));

		if (p[i] != want && !c->bad++)
			c->first_bad = c->pos;
	}
}

void counter_check(struct counter *c, const void *data, size_t bytes)
{
	const uint64_t *p = data;
	size_t n = bytes / 8;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = p[i];	/* x86: little-endian */

		if (v > c->expect)
			c->gaps += v - c->expect;
		else if (v < c->expect)
			c->mismatches++;
		c->expect = v + 1;
	}
	c->scans += n;
}

int sim_stream_dmabuf(struct sim *s, const struct stream_opts *o,
		      struct stream_result *r)
{
	uint64_t blocks, queued = 0, done = 0;
	struct dmabuf_set b = { .n = 0 };
	double t0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (o->block % 8) {
		r->what = "options";
		return -EINVAL;
	}
	ret = dmabuf_set_alloc(&b, s->buf_fd, o->src, o->nbufs, o->block, PROT_READ, &r->what);
	if (ret)
		goto out;
	blocks = (o->bytes + o->block - 1) / o->block;
	t0 = now_seconds();
	/* queued before enable: the first one starts with scan 0 */
	for (; queued < blocks && queued < b.n; queued++) {
		ret = iio_dmabuf_enqueue(s->buf_fd, b.fd[queued], o->block, 0);
		if (ret) {
			r->what = "IIO_BUFFER_DMABUF_ENQUEUE_IOCTL (before enable)";
			goto out_disable;
		}
	}
	ret = sim_enable(s, true);
	if (ret) {
		r->what = "buffer0/enable";
		goto out_disable;
	}
	for (; done < blocks; done++) {
		unsigned int i = done % b.n;

		ret = dmabuf_sync(b.fd[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		if (ret) {
			r->what = "DMA_BUF_IOCTL_SYNC START";
			goto out_disable;
		}
		counter_check(&r->c, b.map[i], o->block);
		r->bytes += o->block;
		ret = dmabuf_sync(b.fd[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		if (ret) {
			r->what = "DMA_BUF_IOCTL_SYNC END";
			goto out_disable;
		}
		if (queued < blocks) {
			ret = iio_dmabuf_enqueue(s->buf_fd, b.fd[i], o->block, 0);
			if (ret) {
				r->what = "IIO_BUFFER_DMABUF_ENQUEUE_IOCTL";
				goto out_disable;
			}
			queued++;
		}
	}
	r->seconds = now_seconds() - t0;
out_disable:
	/* also completes what was queued before a failed enable */
	sim_flush_queued(s);
out:
	dmabuf_set_free(&b, s->buf_fd);
	return ret;
}

int sim_stream_read(struct sim *s, const struct stream_opts *o,
		    struct stream_result *r)
{
	size_t block = o->block;
	char *buf;
	double t0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!block || block % 8) {
		r->what = "options";
		return -EINVAL;
	}
	buf = malloc(block);
	if (!buf) {
		r->what = "malloc";
		return -ENOMEM;
	}
	/* wake the reader when half a read is there, not at every scan */
	ret = sim_attr_write(s, "buffer0/watermark", "%zu",
			     block / 16 < 32768 ? block / 16 : 32768);
	if (!ret)
		ret = sim_enable(s, true);
	if (ret) {
		r->what = "buffer0/watermark or enable";
		goto out;
	}
	t0 = now_seconds();
	while (r->bytes < o->bytes) {
		size_t want = o->bytes - r->bytes < block ? o->bytes - r->bytes : block;
		ssize_t n = read(s->buf_fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			r->what = "read() on the buffer fd";
			break;
		}
		counter_check(&r->c, buf, n);
		r->bytes += n;
	}
	r->seconds = now_seconds() - t0;
	sim_enable(s, false);
out:
	free(buf);
	return ret;
}

/* After the last block was handed over: wait until all is played, disable. */
static int play_finish(struct sim *s, struct play_result *r, double t0)
{
	int ret;

	/* a generous bound: the DAC may be paced */
	ret = sim_debugfs_wait(s, "bytes", r->sum.bytes, 600000);
	r->seconds = now_seconds() - t0;
	if (ret) {
		r->what = "waiting for the DAC to play everything";
		return ret;
	}
	ret = sim_attr_u64(s, "buffer0/underruns", &r->underruns);
	if (ret) {
		r->what = "buffer0/underruns";
		return ret;
	}
	ret = sim_enable(s, false);
	if (ret) {
		r->what = "buffer0/enable";
		return ret;
	}
	ret = sim_dac_played(s, &r->played);
	if (ret)
		r->what = "debugfs bytes/checksum";
	return ret;
}

int sim_play_dmabuf(struct sim *s, const struct stream_opts *o,
		    struct play_result *r)
{
	uint64_t blocks, done;
	struct dmabuf_set b = { .n = 0 };
	bool enabled = false;
	double t0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (o->block % 4) {
		r->what = "options";
		return -EINVAL;
	}
	ret = dmabuf_set_alloc(&b, s->buf_fd, o->src, o->nbufs, o->block,
			       PROT_READ | PROT_WRITE, &r->what);
	if (ret)
		goto out;
	blocks = (o->bytes + o->block - 1) / o->block;
	t0 = now_seconds();
	for (done = 0; done < blocks; done++) {
		unsigned int i = done % b.n;
		size_t len = o->bytes - done * o->block < o->block ?
			     o->bytes - done * o->block : o->block;

		/* WRITE: waits for the block's earlier transfer (a READ fence) */
		ret = dmabuf_sync(b.fd[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		if (ret) {
			r->what = "DMA_BUF_IOCTL_SYNC START";
			goto out_disable;
		}
		dac_pattern_fill(b.map[i], len, r->sum.bytes / 4);
		dac_sum_update(&r->sum, b.map[i], len);
		ret = dmabuf_sync(b.fd[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		if (!ret)
			ret = iio_dmabuf_enqueue(s->buf_fd, b.fd[i], len, 0);
		if (ret) {
			r->what = "SYNC END or IIO_BUFFER_DMABUF_ENQUEUE_IOCTL";
			goto out_disable;
		}
		/* the first blocks are queued before enable: played from sample 0 */
		if (!enabled && (done + 1 == b.n || done + 1 == blocks)) {
			ret = sim_enable(s, true);
			if (ret) {
				r->what = "buffer0/enable";
				goto out_disable;
			}
			enabled = true;
		}
	}
	/* every block's fence: SYNC START WRITE waits until it was played */
	for (unsigned int i = 0; i < b.n; i++) {
		ret = dmabuf_sync(b.fd[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		if (!ret)
			ret = dmabuf_fence_status_all(b.fd[i]) == 1 ? 0 : -EIO;
		if (!ret)
			ret = dmabuf_sync(b.fd[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		if (ret) {
			r->what = "waiting for the last blocks";
			goto out_disable;
		}
	}
	ret = play_finish(s, r, t0);
	goto out;
out_disable:
	sim_flush_queued(s);
out:
	dmabuf_set_free(&b, s->buf_fd);
	return ret;
}

int sim_play_write(struct sim *s, const struct stream_opts *o,
		   struct play_result *r)
{
	size_t block = o->block;
	bool enabled = false;
	char *buf;
	double t0;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!block || block % 4) {
		r->what = "options";
		return -EINVAL;
	}
	buf = malloc(block);
	if (!buf) {
		r->what = "malloc";
		return -ENOMEM;
	}
	t0 = now_seconds();
	while (r->sum.bytes < o->bytes) {
		size_t len = o->bytes - r->sum.bytes < block ? o->bytes - r->sum.bytes : block;
		size_t off = 0;

		dac_pattern_fill(buf, len, r->sum.bytes / 4);
		dac_sum_update(&r->sum, buf, len);
		while (off < len) {
			ssize_t n = write(s->buf_fd, buf + off, len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ret = n < 0 ? -errno : -EIO;
				r->what = "write() on the buffer fd";
				goto out;
			}
			off += n;
		}
		/* the first block is written before enable: playback starts with data */
		if (!enabled) {
			ret = sim_enable(s, true);
			if (ret) {
				r->what = "buffer0/enable";
				goto out;
			}
			enabled = true;
		}
	}
	ret = play_finish(s, r, t0);
out:
	if (ret)
		sim_enable(s, false);
	free(buf);
	return ret;
}

int sim_flush_queued(const struct sim *s)
{
	char dir[16];
	int ret;

	ret = sim_enable(s, true);
	if (ret == -EINVAL && !sim_attr_read(s, "buffer0/direction", dir, sizeof(dir))) {
		/* no channel enabled */
		ret = sim_attr_write(s, strcmp(dir, "out") ? "buffer0/in_voltage0_en" :
				     "buffer0/out_voltage0_en", "1");
		if (!ret)
			ret = sim_enable(s, true);
	}
	if (ret)
		return ret;
	return sim_enable(s, false);
}

static void alarm_nop(int sig)
{
	(void)sig;
}

int sim_alarm_ms(unsigned int ms)
{
	struct sigaction sa = { .sa_handler = alarm_nop };	/* no SA_RESTART */
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 },
	};

	if (ms && sigaction(SIGALRM, &sa, NULL))
		return -errno;
	return setitimer(ITIMER_REAL, &it, NULL) ? -errno : 0;
}

long sim_io_alarm(int fd, bool out, void *buf, size_t n, unsigned int ms, double *secs)
{
	double t0 = now_seconds();
	ssize_t ret;
	int err;

	err = sim_alarm_ms(ms);
	if (err)
		return err;
	ret = out ? write(fd, buf, n) : read(fd, buf, n);
	err = errno;
	*secs = now_seconds() - t0;
	sim_alarm_ms(0);
	return ret < 0 ? -err : ret;
}

/* vm/run exports the module it loaded; else the one built in the tree */
static const char *sim_module_path(void)
{
	const char *ko = getenv("IIO_SIM_KO");

	return ko && *ko ? ko : IIO_SIM_KO_DEFAULT;
}

int sim_module_insert(const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "insmod '%s' %s", sim_module_path(), args ? args : "");
	return system(cmd) == 0 ? 0 : -EIO;
}

int sim_module_reload(const char *args)
{
	if (access("/sys/module/iio_sim", F_OK) == 0 && system("rmmod iio_sim") != 0)
		return -EBUSY;
	return sim_module_insert(args);
}

int sim_module_remove(void)
{
	return syscall(SYS_delete_module, "iio_sim", O_NONBLOCK) < 0 ? -errno : 0;
}

int sim_module_load(const char *args)
{
	int fd, ret;

	fd = open(sim_module_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, args ? args : "", 0) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

long sim_module_refcnt(void)
{
	char buf[32];

	if (path_read("/sys/module/iio_sim/refcnt", buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

long sim_module_wait_refcnt(long want, int timeout_ms)
{
	long v = sim_module_refcnt();

	for (int t = 0; v != want && t < timeout_ms; t += 10) {
		usleep(10000);
		v = sim_module_refcnt();
	}
	return v;
}

static int driver_write(const char *file)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/iio-sim/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "iio-sim", 7) != 7)
		ret = -errno;
	close(fd);
	return ret;
}

int sim_driver_unbind(void)
{
	return driver_write("unbind");
}

int sim_driver_bind(void)
{
	return driver_write("bind");
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}
