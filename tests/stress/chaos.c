// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The chaos worker: random operations on sim-adc and sim-dac (pair 0), racing
 * the other chaos workers (threads and processes). Each worker knows only its
 * own fds, so each outcome is checked against what kernel/README.md allows in
 * any state the others can put the device in; what depends only on the
 * worker's own state (an fd not open, a DMABUF not attached through its own
 * buffer fd, bytes_used 0, flags) has exactly one legal outcome.
 *
 * Two rules keep the debug kernel's DMA-API checks quiet (both are about the
 * exporters, not iio-sim): a system-heap DMABUF is mapped for the ADC
 * (DMA_FROM_DEVICE) by one attachment at a time, so a detached one gets fresh
 * pages before it is attached again; and CPU syncs use the direction of the
 * device the DMABUF belongs to (READ for the ADC, WRITE for the DAC).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "iio_dmabuf.h"
#include "prng.h"
#include "stress.h"

#define SLOTS		4
#define PAGE		4096u
#define BAD_FD		0x3fffffff	/* never an open fd: EBADF */
#define ALIGN_ALL	24u	/* a multiple of every scan size (2, 4, 6, 8) */
#define IO_MAX		65536u
#define CYCLIC		IIO_BUFFER_DMABUF_CYCLIC

struct slot {
	int fd;			/* -1: none */
	size_t size;
	enum dmabuf_source src;
	void *map;
	bool attached;		/* through our buffer fd */
	bool enqueued;		/* accepted since attached: may be QUEUED or ACTIVE */
	bool mapped_in;		/* heap DMABUF once attached to the ADC */
	bool cpu_synced;	/* udmabuf: SYNC END before any START is EINVAL */
};

struct cdev {
	struct sdev *d;
	int node;		/* -1: closed */
	int buf;		/* -1: none */
	bool nonblock;
	struct slot slot[SLOTS];
};

struct chaos {
	struct worker *w;
	struct cdev dev[2];
	char *io;
};

static uint32_t rnd(struct chaos *c, uint32_t n)
{
	return prng_below(&c->w->rng, n);
}

static bool pct(struct chaos *c, uint32_t p)
{
	return prng_percent(&c->w->rng, p);
}

static void count(struct chaos *c, enum op op)
{
	c->w->st->ops[op]++;
}

/* a result that is no errno outcome: reported and counted like one */
#define CHAOS_FAIL(c, cd, ...) do {				\
	(c)->w->st->unexpected++;				\
	stress_fail((c)->w, (cd)->d, __VA_ARGS__);		\
} while (0)

static int errno_ret(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void slot_free(struct slot *sl)
{
	if (sl->map && sl->map != MAP_FAILED)
		munmap(sl->map, sl->size);
	if (sl->fd >= 0)
		close(sl->fd);
	*sl = (struct slot){ .fd = -1 };
}

/* A DMABUF of 1..16 pages from the system heap or udmabuf. */
static bool slot_alloc(struct chaos *c, struct cdev *cd, struct slot *sl)
{
	int fd;

	slot_free(sl);
	sl->size = (1 + rnd(c, 16)) * PAGE;
	sl->src = pct(c, 50) ? DMABUF_HEAP : DMABUF_UDMABUF;
	fd = dmabuf_alloc(sl->src, sl->size);
	if (EXPECT(c->w, dmabuf_source_name(sl->src), cd->d, fd, 0) < 0)
		return false;
	sl->fd = fd;
	sl->map = mmap(NULL, sl->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (EXPECT(c->w, "mmap DMABUF", cd->d, sl->map == MAP_FAILED ? -errno : 0, 0)) {
		slot_free(sl);
		return false;
	}
	return true;
}

/* A slot with a DMABUF, allocated if needed; mostly an attached one. */
static struct slot *pick_slot(struct chaos *c, struct cdev *cd)
{
	struct slot *sl = &cd->slot[rnd(c, SLOTS)];

	for (int i = 0; i < SLOTS && !sl->attached && pct(c, 80); i++)
		sl = &cd->slot[rnd(c, SLOTS)];

	if (sl->fd < 0 && !slot_alloc(c, cd, sl))
		return NULL;
	return sl;
}

static void set_nonblock(struct cdev *cd, bool on)
{
	int fl;

	if (cd->nonblock == on)
		return;
	fl = fcntl(cd->buf, F_GETFL);
	if (fl >= 0 && fcntl(cd->buf, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) == 0)
		cd->nonblock = on;
}

static void buf_closed(struct cdev *cd)
{
	for (int i = 0; i < SLOTS; i++)
		cd->slot[i].attached = cd->slot[i].enqueued = false;
	cd->buf = -1;
	cd->nonblock = false;
}

/* --- node and buffer fd ------------------------------------------------- */

/* open (exclusive: EBUSY while another has it) or close the node */
static void op_node(struct chaos *c, struct cdev *cd)
{
	count(c, OP_NODE);
	if (cd->node >= 0) {
		EXPECT(c->w, "close node", cd->d, errno_ret(close(cd->node)), 0);
		cd->node = -1;
		return;
	}
	cd->node = EXPECT(c->w, "open node", cd->d,
			  errno_ret(open(cd->d->s.node, O_RDWR | O_CLOEXEC)), 0, -EBUSY);
	if (cd->node < 0)
		cd->node = -1;
}

static int get_fd(int node)
{
	int idx = 0;

	return ioctl(node, IIO_BUFFER_GET_FD_IOCTL, &idx) < 0 ? -errno : idx;
}

/* one buffer fd at a time: EBUSY while anyone (we too) holds one */
static void op_get_fd(struct chaos *c, struct cdev *cd)
{
	bool opened = false;
	int ret;

	if (cd->node < 0) {
		op_node(c, cd);
		if (cd->node < 0)
			return;
		opened = true;
	}
	count(c, OP_GET_FD);
	if (cd->buf >= 0) {
		EXPECT(c->w, "IIO_BUFFER_GET_FD_IOCTL (buffer fd held)", cd->d,
		       get_fd(cd->node), -EBUSY);
	} else {
		ret = EXPECT(c->w, "IIO_BUFFER_GET_FD_IOCTL", cd->d, get_fd(cd->node), 0, -EBUSY);
		if (ret >= 0)
			cd->buf = ret;
	}
	/* the node is exclusive too: mostly let go of it again */
	if (opened && pct(c, 95))
		op_node(c, cd);
}

static void op_buf_close(struct chaos *c, struct cdev *cd)
{
	if (cd->buf < 0)
		return op_get_fd(c, cd);
	count(c, OP_BUF_CLOSE);
	EXPECT(c->w, "close buffer fd", cd->d, errno_ret(close(cd->buf)), 0);
	buf_closed(cd);
}

/* another device's buffer fd is held by a verify worker: always EBUSY */
static void op_probe_verified(struct chaos *c)
{
	struct sdev *d = &stress_devs[DEV_ADC1 + rnd(c, 2)];
	int node;

	count(c, OP_NODE);
	node = EXPECT(c->w, "open node", d, errno_ret(open(d->s.node, O_RDWR | O_CLOEXEC)),
		      0, -EBUSY);
	if (node < 0)
		return;
	count(c, OP_GET_FD);
	EXPECT(c->w, "IIO_BUFFER_GET_FD_IOCTL (held by the verify worker)", d,
	       get_fd(node), -EBUSY);
	close(node);
}

/* --- DMABUF ioctls on the buffer fd ------------------------------------ */

static void op_attach(struct chaos *c, struct cdev *cd)
{
	struct slot *sl;
	int ret;

	if (cd->buf < 0)
		return op_get_fd(c, cd);
	set_nonblock(cd, pct(c, 30));
	count(c, OP_ATTACH);
	if (pct(c, 5)) {
		EXPECT(c->w, "ATTACH of a closed fd", cd->d,
		       iio_dmabuf_attach(cd->buf, BAD_FD), -EBADF);
		return;
	}
	if (pct(c, 5)) {
		EXPECT(c->w, "ATTACH of a non-DMABUF", cd->d,
		       iio_dmabuf_attach(cd->buf, cd->buf), -EINVAL);
		return;
	}
	sl = &cd->slot[rnd(c, SLOTS)];
	if (sl->attached) {
		/* a second heap mapping for the ADC would upset DMA-API debug */
		if (!cd->d->out && sl->src == DMABUF_HEAP)
			return;
		EXPECT(c->w, "ATTACH of an attached DMABUF", cd->d,
		       iio_dmabuf_attach(cd->buf, sl->fd), -EBUSY);
		return;
	}
	if ((sl->fd < 0 || sl->mapped_in) && !slot_alloc(c, cd, sl))
		return;
	/* EBUSY: enabled in fileio mode, or (O_NONBLOCK) the DMABUF is locked */
	ret = EXPECT(c->w, "ATTACH", cd->d, iio_dmabuf_attach(cd->buf, sl->fd), 0, -EBUSY);
	if (ret == 0) {
		sl->attached = true;
		sl->enqueued = false;	/* a new block: DONE */
		sl->mapped_in = !cd->d->out && sl->src == DMABUF_HEAP;
	}
}

static void op_detach(struct chaos *c, struct cdev *cd)
{
	struct slot *sl;

	if (cd->buf < 0)
		return op_get_fd(c, cd);
	count(c, OP_DETACH);
	if (pct(c, 5)) {
		EXPECT(c->w, "DETACH of a closed fd", cd->d,
		       iio_dmabuf_detach(cd->buf, BAD_FD), -EBADF);
		return;
	}
	if (pct(c, 5)) {
		EXPECT(c->w, "DETACH of a non-DMABUF", cd->d,
		       iio_dmabuf_detach(cd->buf, cd->buf), -EINVAL);
		return;
	}
	sl = pick_slot(c, cd);
	if (!sl)
		return;
	if (sl->attached) {
		EXPECT(c->w, "DETACH", cd->d, iio_dmabuf_detach(cd->buf, sl->fd), 0);
		sl->attached = sl->enqueued = false;
	} else {
		EXPECT(c->w, "DETACH of a DMABUF not attached", cd->d,
		       iio_dmabuf_detach(cd->buf, sl->fd), -EPERM);
	}
}

static void op_enqueue(struct chaos *c, struct cdev *cd)
{
	bool out = cd->d->out;
	uint32_t flags = out && pct(c, 25) ? CYCLIC : 0;
	struct slot *sl;
	uint64_t bytes;
	int ret;

	if (cd->buf < 0)
		return op_get_fd(c, cd);
	set_nonblock(cd, pct(c, 30));
	count(c, OP_ENQUEUE);
	switch (rnd(c, 20)) {
	case 0:
		EXPECT(c->w, "ENQUEUE with unknown flags", cd->d,
		       iio_dmabuf_enqueue(cd->buf, cd->slot[0].fd, PAGE, 2), -EINVAL);
		return;
	case 1:
		if (!out) {
			EXPECT(c->w, "ENQUEUE cyclic on the ADC", cd->d,
			       iio_dmabuf_enqueue(cd->buf, cd->slot[0].fd, PAGE, CYCLIC),
			       -EINVAL);
			return;
		}
		EXPECT(c->w, "ENQUEUE of a closed fd", cd->d,
		       iio_dmabuf_enqueue(cd->buf, BAD_FD, PAGE, flags), -EBADF);
		return;
	case 2:
		EXPECT(c->w, "ENQUEUE of a non-DMABUF", cd->d,
		       iio_dmabuf_enqueue(cd->buf, cd->buf, PAGE, flags), -EINVAL);
		return;
	}
	sl = pick_slot(c, cd);
	if (!sl)
		return;
	switch (rnd(c, 12)) {
	case 0:
		EXPECT(c->w, "ENQUEUE of 0 bytes", cd->d,
		       iio_dmabuf_enqueue(cd->buf, sl->fd, 0, flags), -EINVAL);
		return;
	case 1:
		EXPECT(c->w, "ENQUEUE larger than the DMABUF", cd->d,
		       iio_dmabuf_enqueue(cd->buf, sl->fd, sl->size + 1 + rnd(c, 64), flags),
		       -EINVAL);
		return;
	case 2:
		bytes = 1 + 2 * rnd(c, sl->size / 2);	/* odd: a byte stream */
		break;
	case 3:
	case 4:
	case 5:
		bytes = 2 + 2 * rnd(c, sl->size / 2);	/* whole scans or not */
		break;
	default:
		bytes = ALIGN_ALL * (1 + rnd(c, sl->size / ALIGN_ALL));
		break;
	}
	if (!sl->attached) {
		EXPECT(c->w, "ENQUEUE of a DMABUF not attached", cd->d,
		       iio_dmabuf_enqueue(cd->buf, sl->fd, bytes, flags), -EPERM);
		return;
	}
	if (out && pct(c, 50))
		memset(sl->map, rnd(c, 256), bytes);
	/*
	 * Any size is accepted, enabled (DMABUF mode) or disabled (QUEUED until
	 * an enable). EBUSY: enabled in fileio mode, the DMABUF locked
	 * (O_NONBLOCK), the block ACTIVE (its previous transfer pending), or an
	 * ADC's pending fence after 5 s (at once with O_NONBLOCK). EPERM: the
	 * block is QUEUED (only a block we enqueued since the ATTACH can be).
	 */
	if (sl->enqueued)
		ret = EXPECT(c->w, bytes % ALIGN_ALL ? "ENQUEUE again" :
			     "ENQUEUE again, whole scans", cd->d,
			     iio_dmabuf_enqueue(cd->buf, sl->fd, bytes, flags), 0, -EBUSY, -EPERM);
	else
		ret = EXPECT(c->w, bytes % ALIGN_ALL ? "ENQUEUE" : "ENQUEUE of whole scans",
			     cd->d, iio_dmabuf_enqueue(cd->buf, sl->fd, bytes, flags), 0, -EBUSY);
	if (!ret) {
		c->w->st->accepted++;
		sl->enqueued = true;
	}
}

/* --- the DMABUF fd: sync, poll, fences, close --------------------------- */

/* the fences a CPU access waits for are there: POLLIN (ADC) or POLLOUT (DAC) */
static bool dmabuf_idle(struct chaos *c, struct cdev *cd, struct slot *sl, int timeout)
{
	struct pollfd p = { .fd = sl->fd, .events = cd->d->out ? POLLOUT : POLLIN };
	int ret;

	count(c, OP_POLL);
	ret = EXPECT(c->w, "poll() on a DMABUF", cd->d, errno_ret(poll(&p, 1, timeout)), 0);
	return ret > 0;
}

static void op_sync(struct chaos *c, struct cdev *cd)
{
	uint64_t dir = cd->d->out ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
	struct slot *sl = pick_slot(c, cd);
	volatile uint8_t *p;

	if (!sl)
		return;
	count(c, OP_SYNC);
	if (pct(c, 5)) {
		EXPECT(c->w, "DMA_BUF_IOCTL_SYNC without a direction", cd->d,
		       dmabuf_sync(sl->fd, DMA_BUF_SYNC_START), -EINVAL);
		return;
	}
	if (pct(c, 30)) {
		int want = sl->src == DMABUF_UDMABUF && !sl->cpu_synced ? -EINVAL : 0;

		EXPECT(c->w, want ? "SYNC END before any START (udmabuf)" : "SYNC END",
		       cd->d, dmabuf_sync(sl->fd, DMA_BUF_SYNC_END | dir), want);
		return;
	}
	/* START waits for the transfer: mostly only when it is done */
	if (!dmabuf_idle(c, cd, sl, rnd(c, 10)) && !pct(c, 10))
		return;
	if (EXPECT(c->w, "SYNC START", cd->d, dmabuf_sync(sl->fd, DMA_BUF_SYNC_START | dir), 0))
		return;
	sl->cpu_synced = true;
	p = sl->map;
	if (cd->d->out)
		p[rnd(c, sl->size)] = (uint8_t)rnd(c, 256);
	else
		(void)p[rnd(c, sl->size)];
	if (pct(c, 70))
		EXPECT(c->w, "SYNC END", cd->d, dmabuf_sync(sl->fd, DMA_BUF_SYNC_END | dir), 0);
}

static void op_poll(struct chaos *c, struct cdev *cd)
{
	static const short ev[] = { POLLIN, POLLOUT, POLLIN | POLLOUT };
	struct slot *sl = pick_slot(c, cd);
	struct pollfd p;
	int ret;

	if (!sl)
		return;
	p = (struct pollfd){ .fd = sl->fd, .events = ev[rnd(c, 3)] };
	count(c, OP_POLL);
	ret = EXPECT(c->w, "poll() on a DMABUF", cd->d, errno_ret(poll(&p, 1, rnd(c, 20))), 0);
	if (ret > 0 && (p.revents & ~p.events))
		EXPECT(c->w, "poll() on a DMABUF: revents", cd->d, -EIO, 0);
}

/*
 * a fence's status: pending, done, aborted by disable (-EINTR), injected, or
 * an ENQUEUE's refusal (the core signals the refused fence with it)
 */
static void op_fence(struct chaos *c, struct cdev *cd)
{
	struct slot *sl = pick_slot(c, cd);
	int fd, st;

	if (!sl)
		return;
	count(c, OP_FENCE);
	fd = pct(c, 50) ? dmabuf_export_fence(sl->fd) : dmabuf_export_fence_all(sl->fd);
	if (EXPECT(c->w, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE", cd->d, fd, 0) < 0)
		return;
	st = sync_file_status(fd);
	EXPECT(c->w, "fence status", cd->d, st, 0, -EINTR, -EIO, -ETIMEDOUT,
	       -EPROTO, -EBUSY, -EPERM, -EINVAL);
	close(fd);
}

/* close while attached or queued: the attachment lives on with the buffer fd */
static void op_dmabuf_close(struct chaos *c, struct cdev *cd)
{
	struct slot *sl = &cd->slot[rnd(c, SLOTS)];

	if (sl->fd < 0)
		return;
	count(c, OP_DMABUF_CLOSE);
	slot_free(sl);
}

/* --- sysfs and debugfs ---------------------------------------------------- */

static bool any_attached(const struct cdev *cd)
{
	for (int i = 0; i < SLOTS; i++) {
		if (cd->slot[i].attached)
			return true;
	}
	return false;
}

static void op_enable(struct chaos *c, struct cdev *cd)
{
	bool on = pct(c, 55);

	count(c, OP_ENABLE);
	/* restart with our DMABUFs attached: DMABUF mode, transfers flow */
	if (cd->buf >= 0 && any_attached(cd) && pct(c, 60)) {
		EXPECT(c->w, "buffer0/enable 0", cd->d, sim_enable(&cd->d->s, false), 0);
		on = true;
	}
	/* EINVAL: no channel enabled */
	if (on)
		EXPECT(c->w, "buffer0/enable 1", cd->d, sim_enable(&cd->d->s, true), 0, -EINVAL);
	else
		EXPECT(c->w, "buffer0/enable 0", cd->d, sim_enable(&cd->d->s, false), 0);
}

static void op_attr(struct chaos *c, struct cdev *cd)
{
	static const unsigned int rates[] = { 0, 10000, 100000, 1000000 };
	const struct sim *s = &cd->d->s;
	struct worker *w = c->w;
	const struct sdev *d = cd->d;
	char attr[64], val[64];

	count(c, OP_ATTR);
	switch (rnd(c, 10)) {
	case 0:
		EXPECT(w, "sampling_frequency", d,
		       sim_attr_write(s, "sampling_frequency", "%u", rates[rnd(c, 4)]), 0);
		break;
	case 1:
		EXPECT(w, "sampling_frequency out of range", d,
		       sim_attr_write(s, "sampling_frequency", "%s",
				      pct(c, 50) ? "100000001" : "-1"), -EINVAL);
		break;
	case 2:
		if (d->out)
			EXPECT(w, "read sampling_frequency", d,
			       sim_attr_read(s, "sampling_frequency", val, sizeof(val)), 0);
		else if (pct(c, 20))
			EXPECT(w, "waveform square", d, sim_attr_write(s, "waveform", "square"),
			       -EINVAL);
		else
			EXPECT(w, "waveform", d, sim_attr_write(s, "waveform", "%s",
							       pct(c, 50) ? "sine" : "counter"), 0);
		break;
	case 3:
	case 4:
		/* EBUSY while enabled */
		snprintf(attr, sizeof(attr), "buffer0/%s_voltage%u_en", d->out ? "out" : "in",
			 rnd(c, d->out ? 2 : 4));
		EXPECT(w, attr, d, sim_attr_write(s, attr, "%d", pct(c, 70)), 0, -EBUSY);
		break;
	case 5:
		if (d->out)
			EXPECT(w, "buffer0/underruns", d,
			       sim_attr_read(s, "buffer0/underruns", val, sizeof(val)), 0);
		else
			EXPECT(w, "loopback", d, sim_attr_write(s, "loopback", "%d", pct(c, 20)), 0);
		break;
	case 6:
		/* out of range is ignored by the core; EBUSY while enabled */
		EXPECT(w, "buffer0/length", d, sim_attr_write(s, "buffer0/length", "%u",
			(unsigned int[]){ 0, 1024, 4096, 262144, 5000000 }[rnd(c, 5)]),
		       0, -EBUSY);
		break;
	case 7:
		if (pct(c, 20))
			EXPECT(w, "buffer0/watermark 0", d,
			       sim_attr_write(s, "buffer0/watermark", "0"), -EINVAL);
		else
			EXPECT(w, "buffer0/watermark", d,
			       sim_attr_write(s, "buffer0/watermark", "%u", 1u << rnd(c, 10)),
			       0, -EBUSY);
		break;
	default:
		EXPECT(w, "buffer0/data_available", d,
		       sim_attr_read(s, "buffer0/data_available", val, sizeof(val)), 0);
		break;
	}
}

static void op_fault(struct chaos *c, struct cdev *cd)
{
	static const unsigned int errnos[] = { EIO, ETIMEDOUT, EPROTO, 0, 5000 };
	static const unsigned int delays[] = { 0, 0, 1, 5, 20 };
	const struct sim *s = &cd->d->s;

	count(c, OP_FAULT);
	switch (rnd(c, 6)) {
	case 0:
		EXPECT(c->w, "debugfs fail_count", cd->d,
		       sim_debugfs_write(s, "buffer0/fail_count", "%u", rnd(c, 4)), 0);
		break;
	case 1:
		/* 0 and 5000 are invalid: EIO */
		EXPECT(c->w, "debugfs fail_errno", cd->d,
		       sim_debugfs_write(s, "buffer0/fail_errno", "%u", errnos[rnd(c, 5)]), 0);
		break;
	case 2:
		EXPECT(c->w, "debugfs delay_ms", cd->d,
		       sim_debugfs_write(s, "buffer0/delay_ms", "%u", delays[rnd(c, 5)]), 0);
		break;
	case 3:
		EXPECT(c->w, "debugfs stall 0", cd->d,
		       sim_debugfs_write(s, "buffer0/stall", "0"), 0);
		break;
	default:
		/* a short stall; a long one only until another worker's "stall 0" */
		if (EXPECT(c->w, "debugfs stall 1", cd->d,
			   sim_debugfs_write(s, "buffer0/stall", "1"), 0))
			break;
		if (pct(c, 90)) {
			usleep(1000 * (1 + rnd(c, 30)));
			EXPECT(c->w, "debugfs stall 0", cd->d,
			       sim_debugfs_write(s, "buffer0/stall", "0"), 0);
		}
		break;
	}
}

/* --- read() and write() on the buffer fd -------------------------------- */

static void op_read(struct chaos *c, struct cdev *cd)
{
	size_t n = 1 + rnd(c, IO_MAX);
	int ret;

	if (cd->buf < 0)
		return op_get_fd(c, cd);
	count(c, OP_READ);
	set_nonblock(cd, true);
	ret = errno_ret((int)read(cd->buf, c->io, n));
	if (cd->d->out) {
		EXPECT(c->w, "read() on an output buffer", cd->d, ret, -EPERM);
		return;
	}
	/*
	 * 0: no scan size yet; EBUSY: DMABUF use (ours attached, or enabled in
	 * DMABUF mode): never data; EINVAL: less than a scan asked, or no ring
	 * yet.
	 */
	if (any_attached(cd)) {
		if (EXPECT(c->w, "read() with DMABUFs attached", cd->d, ret, 0, -EBUSY,
			   -EINVAL) > 0)
			CHAOS_FAIL(c, cd, "read() with DMABUFs attached returned %d", ret);
		return;
	}
	if (EXPECT(c->w, "read()", cd->d, ret, 0, -EAGAIN, -EBUSY, -EINVAL) > 0 &&
	    ((size_t)ret > n || ret % 2))
		CHAOS_FAIL(c, cd, "read() of %zu bytes returned %d: not whole scans", n, ret);
}

static void op_write(struct chaos *c, struct cdev *cd)
{
	size_t n = 1 + rnd(c, IO_MAX);
	int ret;

	if (cd->buf < 0)
		return op_get_fd(c, cd);
	count(c, OP_WRITE);
	set_nonblock(cd, true);
	memset(c->io, rnd(c, 256), n);
	ret = errno_ret((int)write(cd->buf, c->io, n));
	if (!cd->d->out) {
		EXPECT(c->w, "write() on an input buffer", cd->d, ret, -EPERM);
		return;
	}
	/*
	 * EAGAIN: no room, as in DMABUF use (ours attached, or enabled in
	 * DMABUF mode): never room; EINVAL: no scan size or ring yet.
	 */
	if (any_attached(cd)) {
		EXPECT(c->w, "write() with DMABUFs attached", cd->d, ret, -EAGAIN, -EINVAL);
		return;
	}
	/*
	 * EBUSY: only if another worker's enable put the buffer in DMABUF mode
	 * (blocks left queued by a closed fd) between the core's room check and
	 * the write
	 */
	if (EXPECT(c->w, "write()", cd->d, ret, 0, -EAGAIN, -EINVAL, -EBUSY) > 0 &&
	    (size_t)ret > n)
		CHAOS_FAIL(c, cd, "write() of %zu bytes returned %d", n, ret);
}

/* --- the loop ------------------------------------------------------------ */

static const struct {
	unsigned int weight;
	void (*fn)(struct chaos *c, struct cdev *cd);
} chaos_ops[] = {
	{ 1, op_node },
	{ 4, op_get_fd },
	{ 3, op_buf_close },
	{ 10, op_attach },
	{ 5, op_detach },
	{ 20, op_enqueue },
	{ 8, op_sync },
	{ 6, op_poll },
	{ 5, op_fence },
	{ 2, op_dmabuf_close },
	{ 5, op_enable },
	{ 8, op_attr },
	{ 4, op_fault },
	{ 4, op_read },
	{ 4, op_write },
};

/* mostly a device whose buffer fd we hold: that is where DMABUFs flow */
static struct cdev *pick_dev(struct chaos *c)
{
	struct cdev *cd = &c->dev[rnd(c, 2)];

	if (cd->buf < 0 && pct(c, 80))
		cd = &c->dev[cd == &c->dev[0]];
	return cd;
}

/* the holder of a buffer fd: mostly the DMABUF workflow on it */
static const struct {
	unsigned int weight;
	void (*fn)(struct chaos *c, struct cdev *cd);
} holder_ops[] = {
	{ 3, op_attach },
	{ 8, op_enqueue },
	{ 3, op_sync },
	{ 1, op_detach },
	{ 1, op_enable },
};

static bool holder_dispatch(struct chaos *c)
{
	struct cdev *cd = pick_dev(c);
	unsigned int total = 0, r;

	if (cd->buf < 0 || pct(c, 50))
		return false;
	for (size_t i = 0; i < sizeof(holder_ops) / sizeof(holder_ops[0]); i++)
		total += holder_ops[i].weight;
	r = rnd(c, total);
	for (size_t i = 0; i < sizeof(holder_ops) / sizeof(holder_ops[0]); i++) {
		if (r < holder_ops[i].weight) {
			holder_ops[i].fn(c, cd);
			break;
		}
		r -= holder_ops[i].weight;
	}
	return true;
}

static void chaos_dispatch(struct chaos *c)
{
	unsigned int total = 1, r;	/* 1: probe the verified pair */

	if (holder_dispatch(c))
		return;

	for (size_t i = 0; i < sizeof(chaos_ops) / sizeof(chaos_ops[0]); i++)
		total += chaos_ops[i].weight;
	r = rnd(c, total);
	for (size_t i = 0; i < sizeof(chaos_ops) / sizeof(chaos_ops[0]); i++) {
		if (r < chaos_ops[i].weight) {
			chaos_ops[i].fn(c, pick_dev(c));
			return;
		}
		r -= chaos_ops[i].weight;
	}
	op_probe_verified(c);
}

void chaos_worker(struct worker *w)
{
	struct chaos c = { .w = w };

	c.io = malloc(IO_MAX);
	for (int i = 0; i < 2; i++) {
		c.dev[i] = (struct cdev){ .d = &stress_devs[DEV_ADC0 + i], .node = -1, .buf = -1 };
		for (int j = 0; j < SLOTS; j++)
			c.dev[i].slot[j] = (struct slot){ .fd = -1 };
	}
	while (c.io && !worker_should_stop(w))
		chaos_dispatch(&c);

	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < SLOTS; j++)
			slot_free(&c.dev[i].slot[j]);
		if (c.dev[i].buf >= 0)
			close(c.dev[i].buf);
		if (c.dev[i].node >= 0)
			close(c.dev[i].node);
	}
	free(c.io);
}
