// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-ioctl: a bounded random fuzzer of the IIO ioctls of sim-adc and
 * sim-dac (run as root in vm/run). It issues the IIO ioctls on the device
 * nodes and buffer fds with random targets (DMABUFs from the system heap and
 * udmabuf, dups, closed fds, the buffer fd itself, eventfds, sync_files,
 * /dev/null...), random struct contents and argument pointers (NULL,
 * unmapped, read-only, ending at a page boundary, crossing into an unmapped
 * page), random ioctl numbers, interleaved with enable/disable, channel and
 * rate changes through sysfs, DMA_BUF_IOCTL_SYNC, fence export/import,
 * read()/write(), close/reopen and the module's fault knobs.
 *
 * A model of each buffer (enabled, mode, the DMABUFs attached through its fd
 * and the state of each one's block: DONE, QUEUED (enqueued while disabled),
 * ACTIVE (the engine's, maybe done by now), and whether blocks left QUEUED by
 * a DETACH or a close wait for the next enable) gives every IIO ioctl, and
 * read()/write()/poll() on the buffer fd, the outcomes kernel/README.md
 * allows; any other outcome, in particular a success the contract forbids,
 * is a violation. At the end every fd is closed, each buffer enabled and
 * disabled once (blocks still QUEUED pin their attachments until an enable),
 * buffer0/attachments must read 0 on both devices, no fd may be left open,
 * and rmmod iio_sim must work (the module is loaded again).
 *
 *   fuzz-ioctl [--seed N] [--count N] [--time SECONDS] [--verbose]
 *              [--calm N] [--dma-debug-noise]
 *
 * --calm N divides the weight of the slow state changes (sysfs writes, new
 * DMABUFs, closes) by N, for long runs on the debug kernel. Without
 * --dma-debug-noise it avoids what CONFIG_DMA_API_DEBUG reports although
 * neither the module nor this test can change it: SYNC in a direction other
 * than the DMABUF's mappings, and a second FROM_DEVICE mapping of
 * system-heap pages (the core maps before it refuses a duplicate ATTACH).
 *
 * Exit status: 0 clean, 1 violation or failed final check, 77 no device.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/iio/events.h>

#include "iio_dmabuf.h"
#include "simtest.h"

#define PAGE 4096u
#define NPOOL 6		/* DMABUFs in play */
#define MAX_ATT 24	/* attachments per buffer fd before it is closed */
#define NSYNC 2		/* sync_file slots */
#define NERR 256	/* errno slots in the statistics */
#define MAX_REPORTS 20	/* violations printed in full */
#define KERNEL_PTR ((void *)0xffff888000001000ul)

/* ---- PRNG: splitmix64, seeded by --seed ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- statistics ---- */

enum kind {
	K_ATTACH, K_DETACH, K_ENQUEUE, K_GET_FD, K_EVENT_FD, K_IIO_OTHER,
	K_RANDOM, K_SYNC, K_EXPORT, K_IMPORT, K_NIOCTL,
	/* not ioctls */
	K_READ = K_NIOCTL, K_WRITE, K_POLL, K_SYSFS, K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"IIO_BUFFER_DMABUF_ATTACH", "IIO_BUFFER_DMABUF_DETACH",
	"IIO_BUFFER_DMABUF_ENQUEUE", "IIO_BUFFER_GET_FD", "IIO_GET_EVENT_FD",
	"other 'i' ioctl numbers", "random ioctl numbers", "DMA_BUF_IOCTL_SYNC",
	"DMA_BUF_IOCTL_EXPORT_SYNC_FILE", "DMA_BUF_IOCTL_IMPORT_SYNC_FILE",
	"read()", "write()", "poll() on the buffer fd", "sysfs/debugfs writes",
};

static uint64_t counts[K_NKINDS][NERR];	/* [kind][errno], 0 = success */
static uint64_t ioctls, violations, op_no;
static uint64_t seed;
static bool verbose;
static bool dma_debug_noise;	/* --dma-debug-noise */

static void count(enum kind k, int err)
{
	counts[k][err > 0 && err < NERR ? err : 0]++;
	if (k < K_NIOCTL)
		ioctls++;
}

/* ---- allowed outcomes ---- */

struct eset {
	uint64_t w[NERR / 64];
};

static void allow(struct eset *e, int err)
{
	if (err >= 0 && err < NERR)
		e->w[err / 64] |= 1ull << (err % 64);
}

static bool allowed(const struct eset *e, int err)
{
	return err >= 0 && err < NERR && (e->w[err / 64] >> (err % 64) & 1);
}

static const char *ename(int err)
{
	const char *n = err ? strerrorname_np(err) : "OK";

	return n ? n : "?";
}

/* Count a violation; whether to print it. */
static bool violation(void)
{
	return ++violations <= MAX_REPORTS;
}

/* Report @err if @e does not allow it. */
static void check(const struct eset *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(const struct eset *e, int err, const char *fmt, ...)
{
	char what[256], set[512] = "";
	size_t len = 0;
	va_list ap;

	if (allowed(e, err))
		return;
	if (!violation())
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (int i = 0; i < NERR && len < sizeof(set) - 32; i++)
		if (allowed(e, i))
			len += snprintf(set + len, sizeof(set) - len, " %s", ename(i));
	fprintf(stderr, "VIOLATION (seed %" PRIu64 ", op %" PRIu64 "): %s: got %s (%s), allowed:%s\n",
		seed, op_no, what, ename(err), err ? strerror(err) : "0", set);
}

/* ---- argument memory: [rw][rw, its end is a page end][guard][ro] ---- */

static uint8_t *area;

enum ptr_kind { P_VALID, P_PAGE_END, P_CROSS, P_NULL, P_UNMAPPED, P_KERNEL, P_RO };

static const char *const ptr_name[] = {
	"valid", "page-end", "crossing", "NULL", "unmapped", "kernel", "read-only",
};

struct arg {
	void *p;
	enum ptr_kind kind;
	bool readable;	/* the kernel can read len bytes */
	bool writable;	/* ... and write them */
};

static int setup_area(void)
{
	area = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return -errno;
	if (mprotect(area + 2 * PAGE, PAGE, PROT_NONE) || mprotect(area + 3 * PAGE, PAGE, PROT_READ))
		return -errno;
	return 0;
}

static enum ptr_kind pick_ptr(void)
{
	unsigned int r = below(100);

	if (r < 70)
		return P_VALID;
	if (r < 80)
		return P_PAGE_END;
	return (enum ptr_kind)(P_CROSS + below(5));
}

/* Place @len bytes of @data according to @kind. */
static struct arg place(const void *data, size_t len, enum ptr_kind kind)
{
	struct arg a = { .kind = kind };
	uint8_t *p;

	switch (kind) {
	case P_VALID:
		p = area + 8 * below(64);
		memcpy(p, data, len);
		a.p = p;
		a.readable = a.writable = true;
		break;
	case P_PAGE_END:
		p = area + 2 * PAGE - len;
		memcpy(p, data, len);
		a.p = p;
		a.readable = a.writable = true;
		break;
	case P_CROSS:
		if (len < 2)
			return place(data, len, P_UNMAPPED);
		p = area + 2 * PAGE - len + 1 + below((unsigned int)len - 1);
		memcpy(p, data, (size_t)(area + 2 * PAGE - p));
		a.p = p;
		break;
	case P_NULL:
		a.p = NULL;
		break;
	case P_UNMAPPED:
		a.p = area + 2 * PAGE + below(PAGE - 64);
		break;
	case P_KERNEL:
		a.p = KERNEL_PTR;
		break;
	case P_RO:
		p = area + 4 * PAGE - len - 8 * below(8);
		if (mprotect(area + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE) == 0) {
			memcpy(p, data, len);
			mprotect(area + 3 * PAGE, PAGE, PROT_READ);
		}
		a.p = p;
		a.readable = true;
		break;
	}
	return a;
}

/* ---- file descriptors in play ---- */

struct dmabuf {
	int fd;
	unsigned int id;	/* identity of the DMABUF (a dup has the same) */
	size_t size;
	bool heap;
	unsigned int att_dirs;	/* ever attached to: 1 an input, 2 an output buffer */
	uint64_t sync_rw;	/* udmabuf: direction of its first SYNC, 0 none */
};

static struct dmabuf pool[NPOOL];
static unsigned int next_id = 1;
static int devnull_fd = -1, event_fd = -1, memfd = -1, heapdev_fd = -1, udmabufdev_fd = -1;
static int sync_fds[NSYNC] = { -1, -1 };

/*
 * The block of an attachment, as in mainline's industrialio-buffer-dma: DONE
 * (userspace's), QUEUED (enqueued while disabled, until the next enable),
 * ACTIVE (the engine's; it completes by itself, so it may be DONE by now).
 */
enum block_state { B_DONE, B_QUEUED, B_ACTIVE };

struct att {
	unsigned int id;	/* the DMABUF attached through buf_fd */
	enum block_state st;
};

struct dev {
	const char *name;
	bool input;
	unsigned int nchan;
	struct sim s;		/* s.dev_fd: node, s.buf_fd: buffer0 fd */
	bool enabled;
	bool dmabuf_mode;	/* mode decided at the last enable */
	bool nonblock;		/* O_NONBLOCK on the buffer fd */
	unsigned int mask;	/* enabled channels */
	unsigned int scan_bytes; /* at the last enable */
	bool stalled;
	struct att att[MAX_ATT];
	unsigned int natt;
	/*
	 * Blocks QUEUED whose attachment left the fd (DETACH, close): they
	 * still wait for the next enable, which they put in DMABUF mode.
	 */
	bool orphans_queued;
};

static struct dev devs[2] = {
	{ .name = SIM_ADC_NAME, .input = true, .nchan = 4 },
	{ .name = SIM_DAC_NAME, .input = false, .nchan = 2 },
};

static int att_find(const struct dev *d, unsigned int id)
{
	for (unsigned int i = 0; i < d->natt; i++)
		if (d->att[i].id == id)
			return (int)i;
	return -1;
}

/* A new attachment: a new block, DONE. */
static void att_add(struct dev *d, unsigned int id)
{
	if (att_find(d, id) < 0 && d->natt < MAX_ATT)
		d->att[d->natt++] = (struct att){ .id = id, .st = B_DONE };
}

/* DETACH and close end nothing: a QUEUED block waits on for an enable. */
static void att_drop(struct dev *d, unsigned int i)
{
	if (d->att[i].st == B_QUEUED)
		d->orphans_queued = true;
	d->att[i] = d->att[--d->natt];
}

static void att_del(struct dev *d, unsigned int id)
{
	int i = att_find(d, id);

	if (i >= 0)
		att_drop(d, (unsigned int)i);
}

/* In DMABUF use the buffer fd has no data and no room (mainline's DMA buffer). */
static bool dmabuf_use(const struct dev *d)
{
	return d->natt || (d->enabled && d->dmabuf_mode);
}

static int alloc_dmabuf(struct dmabuf *b)
{
	static const size_t sizes[] = { PAGE, 2 * PAGE, 3 * PAGE, 16 * PAGE, 64 * PAGE };

	b->heap = chance(50);
	b->size = sizes[below(5)];
	b->fd = dmabuf_alloc(b->heap ? DMABUF_HEAP : DMABUF_UDMABUF, b->size);
	if (b->fd < 0) {
		fprintf(stderr, "fuzz-ioctl: allocating a %zu-byte DMABUF from %s: %s\n", b->size,
			dmabuf_source_name(b->heap ? DMABUF_HEAP : DMABUF_UDMABUF),
			strerror(-b->fd));
		return b->fd;
	}
	b->id = next_id++;
	b->att_dirs = 0;
	b->sync_rw = 0;
	return 0;
}

/* A target fd for ATTACH/DETACH/ENQUEUE and what the kernel sees in it. */
enum target_type { T_NOT_OPEN, T_NOT_DMABUF, T_DMABUF };

struct target {
	int fd;
	enum target_type type;
	unsigned int id;
	size_t size;
	int dup_fd;	/* to close after the call, or -1 */
	const char *what;
};

/* An fd number that is not open. */
static int closed_fd(void)
{
	for (;;) {
		int fd = 200 + (int)below(800);

		if (fcntl(fd, F_GETFD) < 0)
			return fd;
	}
}

static struct target pick_target(const struct dev *d)
{
	struct target t = { .type = T_NOT_DMABUF, .dup_fd = -1 };
	const struct dev *other = d == &devs[0] ? &devs[1] : &devs[0];
	unsigned int r = below(100);

	if (r < 70 || r >= 90) {
		struct dmabuf *b = &pool[below(NPOOL)];

		t.fd = b->fd;
		t.type = T_DMABUF;
		t.id = b->id;
		t.size = b->size;
		t.what = b->heap ? "heap DMABUF" : "udmabuf";
		if (r >= 90) {	/* a dup is the same DMABUF */
			t.dup_fd = t.fd = dup(b->fd);
			t.what = "dup of a DMABUF";
			if (t.fd < 0) {
				t.type = T_NOT_OPEN;
				t.what = "failed dup";
			}
		}
		return t;
	}
	switch (r - 70) {
	case 0: case 1: case 2:
		t.fd = closed_fd();
		t.type = T_NOT_OPEN;
		t.what = "closed fd";
		break;
	case 3:
		t.fd = chance(50) ? -1 : (int)(0x80000000u | (uint32_t)rnd());
		t.type = T_NOT_OPEN;
		t.what = "negative fd";
		break;
	case 4: case 5:
		t.fd = d->s.buf_fd;
		t.what = "the buffer fd itself";
		break;
	case 6:
		t.fd = other->s.buf_fd;
		t.what = "the other device's buffer fd";
		break;
	case 7:
		t.fd = d->s.dev_fd;
		t.what = "the device node";
		break;
	case 8: t.fd = devnull_fd; t.what = "/dev/null"; break;
	case 9: case 10: t.fd = event_fd; t.what = "an eventfd"; break;
	case 11: t.fd = memfd; t.what = "a memfd"; break;
	case 12: t.fd = heapdev_fd; t.what = "/dev/dma_heap/system"; break;
	case 13: t.fd = udmabufdev_fd; t.what = "/dev/udmabuf"; break;
	default:
		t.fd = sync_fds[below(NSYNC)];
		t.what = "a sync_file";
		break;
	}
	if (t.fd < 0)
		t.type = T_NOT_OPEN;	/* -1: nothing open there */
	return t;
}

static void target_done(struct target *t)
{
	if (t->dup_fd >= 0)
		close(t->dup_fd);
}

/*
 * ---- SIGALRM: every blocking wait ends within a tick (EINTR) ----
 * Short: the waits it ends (blocking ENQUEUE and SYNC on pending fences)
 * took a third of the run time with 10 ms.
 */
#define TICK_US 2000

static void on_alarm(int sig)
{
	(void)sig;
}

static int ticker(bool on)
{
	struct itimerval it = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	if (on) {
		it.it_interval.tv_usec = TICK_US;
		it.it_value.tv_usec = TICK_US;
		if (sigaction(SIGALRM, &sa, NULL))
			return -errno;
	}
	return setitimer(ITIMER_REAL, &it, NULL) ? -errno : 0;
}

static int xioctl(enum kind k, int fd, unsigned long req, void *arg)
{
	int err = ioctl(fd, req, arg) < 0 ? errno : 0;

	count(k, err);
	return err;
}

/* ---- the buffer fd and the node ---- */

static void open_node(struct dev *d)
{
	int fd = open(d->s.node, O_RDWR | O_CLOEXEC);
	struct eset e = { 0 };

	allow(&e, d->s.dev_fd >= 0 ? EBUSY : 0);	/* one open at a time */
	check(&e, fd < 0 ? errno : 0, "%s: open %s", d->name, d->s.node);
	if (fd >= 0) {
		if (d->s.dev_fd >= 0)
			close(d->s.dev_fd);
		d->s.dev_fd = fd;
	}
}

static void close_buf(struct dev *d)
{
	if (d->s.buf_fd < 0)
		return;
	close(d->s.buf_fd);	/* drops its attachments, ends nothing */
	d->s.buf_fd = -1;
	while (d->natt)
		att_drop(d, d->natt - 1);
	d->nonblock = false;
}

/* GET_FD wrote an fd into read-only memory: the core leaves it installed. */
static int find_leaked_buffer_fd(void)
{
	char link[64], path[64];
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int found = -1;

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		int fd = atoi(de->d_name);
		ssize_t n;

		if (de->d_name[0] == '.' || fd == dirfd(dir) ||
		    fd == devs[0].s.buf_fd || fd == devs[1].s.buf_fd)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "anon_inode:iio:buffer")) {
			found = fd;
			break;
		}
	}
	closedir(dir);
	return found;
}

static void op_get_fd(struct dev *d)
{
	static const int idxs[] = { 0, 0, 0, 0, 0, 0, 1, -1, INT_MIN, 2 };
	int idx = idxs[below(10)], err;
	struct eset e = { 0 };
	struct arg a;

	if (d->s.dev_fd < 0) {
		open_node(d);
		if (d->s.dev_fd < 0)
			return;
	}
	if (chance(5))
		idx = (int)rnd();
	a = place(&idx, sizeof(idx), pick_ptr());
	err = xioctl(K_GET_FD, d->s.dev_fd, IIO_BUFFER_GET_FD_IOCTL, a.p);
	if (!a.readable)
		allow(&e, EFAULT);
	else if ((unsigned int)idx >= 1)
		allow(&e, ENODEV);
	else if (d->s.buf_fd >= 0)
		allow(&e, EBUSY);
	else
		allow(&e, a.writable ? 0 : EFAULT);
	check(&e, err, "%s: GET_FD index %d, %s pointer", d->name, idx, ptr_name[a.kind]);
	if (!err) {
		memcpy(&idx, a.p, sizeof(idx));
		close_buf(d);
		d->s.buf_fd = idx;
	} else if (err == EFAULT && a.readable && idx == 0 && d->s.buf_fd < 0) {
		/* the core's documented leak: adopt the fd it installed */
		int fd = find_leaked_buffer_fd();
		struct eset found = { 0 };

		allow(&found, 0);
		check(&found, fd < 0 ? ENOENT : 0,
		      "%s: GET_FD into read-only memory: the installed fd", d->name);
		d->s.buf_fd = fd;
	}
}

static void op_event_fd(struct dev *d)
{
	struct eset e = { 0 };
	int v = -1, err;
	struct arg a;

	if (d->s.dev_fd < 0) {
		open_node(d);
		return;
	}
	a = place(&v, sizeof(v), pick_ptr());
	err = xioctl(K_EVENT_FD, d->s.dev_fd, IIO_GET_EVENT_FD_IOCTL, a.p);
	allow(&e, ENODEV);	/* the sim devices have no events */
	check(&e, err, "%s: GET_EVENT_FD, %s pointer", d->name, ptr_name[a.kind]);
	if (!err) {
		memcpy(&v, a.p, sizeof(v));
		close(v);
	}
}

/* ---- ATTACH, DETACH, ENQUEUE ---- */

/* The buffer fd the op runs on, opened first if needed. */
static bool need_buf(struct dev *d)
{
	if (d->s.buf_fd < 0)
		op_get_fd(d);
	return d->s.buf_fd >= 0;
}

/*
 * A second FROM_DEVICE mapping of system-heap pages (the core maps before it
 * refuses a duplicate, and the mapping of a closed fd's attachment lives
 * until its last transfer) makes CONFIG_DMA_API_DEBUG report "overlapping
 * mappings": a heap DMABUF goes to the input buffer once, unless
 * --dma-debug-noise.
 */
static bool attach_reported(const struct dev *d, const struct target *t)
{
	if (dma_debug_noise || t->type != T_DMABUF || !d->input)
		return false;
	for (unsigned int i = 0; i < NPOOL; i++)
		if (pool[i].id == t->id)
			return pool[i].heap && pool[i].att_dirs & 1;
	return false;
}

static void op_attach(struct dev *d)
{
	struct target t = pick_target(d);
	struct eset e = { 0 };
	struct arg a;
	int err;

	if (attach_reported(d, &t)) {
		target_done(&t);
		return;
	}

	a = place(&t.fd, sizeof(t.fd), pick_ptr());
	err = xioctl(K_ATTACH, d->s.buf_fd, IIO_BUFFER_DMABUF_ATTACH_IOCTL, a.p);
	if (!a.readable) {
		allow(&e, EFAULT);
	} else if (t.type == T_NOT_OPEN) {
		allow(&e, EBADF);
	} else if (t.type == T_NOT_DMABUF) {
		allow(&e, EINVAL);
	} else {
		allow(&e, EINTR);
		allow(&e, ENOMEM);
		if (att_find(d, t.id) >= 0 || (d->enabled && !d->dmabuf_mode)) {
			allow(&e, EBUSY);	/* attached, or enabled in fileio mode */
		} else {
			allow(&e, 0);
			if (d->nonblock)
				allow(&e, EBUSY);	/* reservation lock taken */
		}
	}
	check(&e, err, "%s: ATTACH %s (fd %d, id %u), %s pointer, %s, %d attached", d->name,
	      t.what, t.fd, t.id, ptr_name[a.kind],
	      d->enabled ? (d->dmabuf_mode ? "enabled DMABUF" : "enabled fileio") : "disabled",
	      d->natt);
	if (!err && t.type == T_DMABUF) {
		att_add(d, t.id);
		for (unsigned int i = 0; i < NPOOL; i++)
			if (pool[i].id == t.id)
				pool[i].att_dirs |= d->input ? 1 : 2;
	}
	target_done(&t);
}

static void op_detach(struct dev *d)
{
	struct target t = pick_target(d);
	struct eset e = { 0 };
	struct arg a;
	int err;

	a = place(&t.fd, sizeof(t.fd), pick_ptr());
	err = xioctl(K_DETACH, d->s.buf_fd, IIO_BUFFER_DMABUF_DETACH_IOCTL, a.p);
	if (!a.readable)
		allow(&e, EFAULT);
	else if (t.type == T_NOT_OPEN)
		allow(&e, EBADF);
	else if (t.type == T_NOT_DMABUF)
		allow(&e, EINVAL);
	else
		allow(&e, att_find(d, t.id) >= 0 ? 0 : EPERM);
	check(&e, err, "%s: DETACH %s (fd %d, id %u), %s pointer", d->name, t.what, t.fd, t.id,
	      ptr_name[a.kind]);
	if (!err && t.type == T_DMABUF)
		att_del(d, t.id);
	target_done(&t);
}

static uint64_t pick_bytes(const struct target *t, unsigned int scan)
{
	uint64_t size = t->size ? t->size : PAGE;

	scan = scan ? scan : 2;
	if (chance(50))
		return scan * (1 + below((unsigned int)(size / scan)));
	switch (below(12)) {
	case 0: return 0;
	case 1: return size;
	case 2: return size + 1 + below(PAGE);
	case 3: return UINT64_MAX - below(4);
	case 4: return 1ull << (32 + below(31));
	case 5: return 1 + below((unsigned int)size);	/* any, maybe a partial scan */
	case 6: return size - size % scan;
	default: return scan * (1 + below((unsigned int)(size / scan)));
	}
}

/* Mostly a DMABUF attached to @d, so that transfers flow. */
static struct target pick_enqueue_target(const struct dev *d)
{
	struct target t = pick_target(d);

	if (d->natt && chance(60)) {
		unsigned int start = below(NPOOL);

		for (unsigned int i = 0; i < NPOOL; i++) {
			struct dmabuf *b = &pool[(start + i) % NPOOL];

			if (att_find(d, b->id) < 0)
				continue;
			target_done(&t);
			t = (struct target){
				.fd = b->fd, .type = T_DMABUF, .id = b->id, .size = b->size,
				.dup_fd = -1, .what = "an attached DMABUF",
			};
			break;
		}
	}
	return t;
}

static void op_enqueue(struct dev *d)
{
	struct target t = pick_enqueue_target(d);
	struct iio_dmabuf req = { .fd = (uint32_t)t.fd };
	unsigned int scan = d->scan_bytes;
	enum block_state st = B_DONE;
	struct eset e = { 0 };
	struct arg a;
	int err, ai = -1;

	if (chance(10))
		req.flags = (uint32_t)rnd() & (chance(50) ? 0xffffffffu : 0x3u);
	else if (!d->input && chance(20))
		req.flags = IIO_BUFFER_DMABUF_CYCLIC;
	else if (chance(2))
		req.flags = IIO_BUFFER_DMABUF_CYCLIC;
	req.bytes_used = pick_bytes(&t, d->enabled ? scan : 2 * (unsigned int)__builtin_popcount(d->mask));
	a = place(&req, sizeof(req), pick_ptr());
	err = xioctl(K_ENQUEUE, d->s.buf_fd, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, a.p);
	if (!a.readable) {
		allow(&e, EFAULT);
	} else if (req.flags & ~IIO_BUFFER_DMABUF_SUPPORTED_FLAGS ||
		   (req.flags & IIO_BUFFER_DMABUF_CYCLIC && d->input)) {
		allow(&e, EINVAL);
	} else if (t.type == T_NOT_OPEN) {
		allow(&e, EBADF);
	} else if (t.type == T_NOT_DMABUF) {
		allow(&e, EINVAL);
	} else if (!req.bytes_used || req.bytes_used > t.size) {
		allow(&e, EINVAL);
	} else if ((ai = att_find(d, t.id)) < 0) {
		allow(&e, EPERM);
	} else {
		st = d->att[ai].st;
		/*
		 * Before the module: the reservation lock (interruptible; a
		 * trylock with O_NONBLOCK: EBUSY), then the wait for the
		 * DMABUF's fences (all of them for an input buffer, writers for
		 * an output one), ended by the tick (EINTR) or, with O_NONBLOCK,
		 * EBUSY at once; any size is accepted.
		 */
		allow(&e, EINTR);
		if (d->nonblock)
			allow(&e, EBUSY);
		switch (st) {
		case B_QUEUED:
			/* an input buffer waits for its own pending fence first */
			if (!d->input)
				allow(&e, EPERM);
			break;
		case B_ACTIVE:
			allow(&e, EBUSY);
			/* it may have completed since */
			__attribute__((fallthrough));
		case B_DONE:
			allow(&e, d->enabled && !d->dmabuf_mode ? EBUSY : 0);
			break;
		}
	}
	check(&e, err, "%s: ENQUEUE %s (fd %d, id %u, size %zu) flags %#x bytes_used %llu"
	      ", %s pointer, %s, block %s, %s, scan %u bytes", d->name, t.what, t.fd, t.id,
	      t.size, req.flags, (unsigned long long)req.bytes_used, ptr_name[a.kind],
	      d->enabled ? (d->dmabuf_mode ? "enabled DMABUF" : "enabled fileio") : "disabled",
	      ai < 0 ? "-" : st == B_DONE ? "DONE" : st == B_QUEUED ? "QUEUED" : "ACTIVE",
	      d->nonblock ? "O_NONBLOCK" : "blocking", scan);
	if (!err && ai >= 0)
		d->att[ai].st = d->enabled ? B_ACTIVE : B_QUEUED;
	target_done(&t);
}

/* ---- other ioctl numbers ---- */

static bool known_cmd(unsigned int cmd)
{
	return cmd == IIO_GET_EVENT_FD_IOCTL || cmd == IIO_BUFFER_GET_FD_IOCTL ||
	       cmd == IIO_BUFFER_DMABUF_ATTACH_IOCTL || cmd == IIO_BUFFER_DMABUF_DETACH_IOCTL ||
	       cmd == IIO_BUFFER_DMABUF_ENQUEUE_IOCTL;
}

/* Types the VFS handles itself (fs/ioctl.c): FIONBIO, FIFREEZE, FICLONE... */
static bool vfs_type(unsigned int cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00: case 0x15: case 'T': case 'X': case 'f': case 0x94:
		return true;
	}
	return false;
}

static void op_other_cmd(struct dev *d, bool iio_magic)
{
	bool on_buf = d->s.buf_fd >= 0 && chance(70);
	int fd = on_buf ? d->s.buf_fd : d->s.dev_fd;
	uint8_t junk[64];
	unsigned int cmd;
	struct eset e = { 0 };
	struct arg a;
	int err;

	if (fd < 0) {
		open_node(d);
		return;
	}
	do {
		if (iio_magic) {
			unsigned int nr = chance(50) ? 0x90 + below(5) : below(256);
			unsigned int size = chance(80) ? below(33) : below(1u << 14);

			cmd = _IOC(below(4), 'i', nr, size);
		} else {
			cmd = (unsigned int)rnd();
		}
	} while (known_cmd(cmd) || vfs_type(cmd));
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd();
	a = place(junk, sizeof(junk), pick_ptr());
	err = xioctl(iio_magic ? K_IIO_OTHER : K_RANDOM, fd, cmd, a.p);
	allow(&e, on_buf ? EINVAL : ENODEV);
	check(&e, err, "%s: ioctl %#x on the %s", d->name, cmd, on_buf ? "buffer fd" : "node");
}

/* ---- DMABUF ioctls: SYNC, fence export/import ---- */

/*
 * The SYNC direction that does not make CONFIG_DMA_API_DEBUG report "syncs
 * DMA memory with different direction": the system heap syncs every
 * attachment's mapping (IIO maps FROM_DEVICE for an input buffer, TO_DEVICE
 * for an output) with the direction asked; udmabuf syncs its own mapping,
 * made in the direction of its first SYNC. 0: any; ~0: none.
 */
static uint64_t sync_rw_allowed(const struct dmabuf *b)
{
	static const uint64_t by_dirs[] = {
		0, DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, ~0ull,
	};

	if (dma_debug_noise)
		return 0;
	return b->heap ? by_dirs[b->att_dirs & 3] : b->sync_rw;
}

static void op_sync(void)
{
	static const uint64_t valid[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};
	struct dma_buf_sync s = { .flags = valid[below(6)] };
	struct dmabuf *b = &pool[below(NPOOL)];
	struct eset e = { 0 };
	uint64_t rw = sync_rw_allowed(b);
	struct arg a;
	int err;

	if (chance(10))
		s.flags = chance(50) ? rnd() : below(8);
	if (!(s.flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK) && s.flags & DMA_BUF_SYNC_RW) {
		if (rw == ~0ull)
			return;	/* attached both ways: any direction is reported */
		if (rw)
			s.flags = (s.flags & ~DMA_BUF_SYNC_RW) | rw;
		else if (!b->heap && !(s.flags & DMA_BUF_SYNC_END))
			b->sync_rw = s.flags & DMA_BUF_SYNC_RW;
	}
	a = place(&s, sizeof(s), pick_ptr());
	err = xioctl(K_SYNC, b->fd, DMA_BUF_IOCTL_SYNC, a.p);
	if (!a.readable) {
		allow(&e, EFAULT);
	} else if (s.flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK || !(s.flags & DMA_BUF_SYNC_RW)) {
		allow(&e, EINVAL);
	} else {
		allow(&e, 0);
		allow(&e, EINTR);	/* START waits for the fences */
		/* udmabuf: END before any START finds no sg table */
		if (!b->heap && s.flags & DMA_BUF_SYNC_END)
			allow(&e, EINVAL);
	}
	check(&e, err, "SYNC flags %#llx on DMABUF id %u, %s pointer",
	      (unsigned long long)s.flags, b->id, ptr_name[a.kind]);
}

static void op_export(void)
{
	struct dma_buf_export_sync_file x = { .flags = 1 + below(3), .fd = -1 };
	struct dmabuf *b = &pool[below(NPOOL)];
	unsigned int slot = below(NSYNC);
	struct eset e = { 0 };
	struct arg a;
	int err;

	if (chance(10))
		x.flags = (uint32_t)rnd() & (chance(50) ? 0xffffffffu : 0x7u);
	a = place(&x, sizeof(x), pick_ptr());
	err = xioctl(K_EXPORT, b->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, a.p);
	if (!a.readable)
		allow(&e, EFAULT);
	else if (x.flags & ~DMA_BUF_SYNC_RW || !(x.flags & DMA_BUF_SYNC_RW))
		allow(&e, EINVAL);
	else
		allow(&e, a.writable ? 0 : EFAULT);
	check(&e, err, "EXPORT_SYNC_FILE flags %#x on DMABUF id %u, %s pointer", x.flags, b->id,
	      ptr_name[a.kind]);
	if (!err) {
		memcpy(&x, a.p, sizeof(x));
		if (sync_fds[slot] >= 0)
			close(sync_fds[slot]);
		sync_fds[slot] = x.fd;
	}
}

static void op_import(void)
{
	struct dma_buf_import_sync_file x = {
		.flags = 1 + below(3), .fd = sync_fds[below(NSYNC)],
	};
	struct dmabuf *b = &pool[below(NPOOL)];
	struct arg a;

	if (chance(10))
		x.fd = chance(50) ? closed_fd() : event_fd;
	a = place(&x, sizeof(x), pick_ptr());
	/* counted only: its outcome is the dma-buf core's business */
	xioctl(K_IMPORT, b->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, a.p);
}

/* ---- sysfs, debugfs, fds ---- */

static void sysfs_count(int ret)
{
	count(K_SYSFS, -ret);
}

static void op_enable(struct dev *d, bool on)
{
	int ret = sim_enable(&d->s, on);

	sysfs_count(ret);
	if (ret)
		return;
	if (on && !d->enabled) {
		/* attached through the open fd, or blocks queued */
		d->dmabuf_mode = d->natt > 0 || d->orphans_queued;
		d->scan_bytes = 2 * (unsigned int)__builtin_popcount(d->mask);
		/* the QUEUED blocks are submitted */
		d->orphans_queued = false;
		for (unsigned int i = 0; i < d->natt; i++)
			if (d->att[i].st == B_QUEUED)
				d->att[i].st = B_ACTIVE;
	} else if (!on && d->enabled) {
		/* every ACTIVE block is completed: aborted, or done */
		for (unsigned int i = 0; i < d->natt; i++)
			if (d->att[i].st == B_ACTIVE)
				d->att[i].st = B_DONE;
	}
	d->enabled = on;
}

static void op_mask(struct dev *d)
{
	unsigned int mask = chance(5) ? 0 : 1 + below((1u << d->nchan) - 1);
	struct eset e = { 0 };

	for (unsigned int i = 0; i < d->nchan; i++) {
		unsigned int bit = 1u << i;
		char attr[64];
		int ret;

		if ((mask & bit) == (d->mask & bit))
			continue;
		snprintf(attr, sizeof(attr), "buffer0/%s_voltage%u_en", d->input ? "in" : "out", i);
		ret = sim_attr_write(&d->s, attr, "%d", !!(mask & bit));
		sysfs_count(ret);
		memset(&e, 0, sizeof(e));
		allow(&e, d->enabled ? EBUSY : 0);	/* no scan change while enabled */
		allow(&e, EINTR);
		check(&e, -ret, "%s: writing %s", d->name, attr);
		if (!ret)
			d->mask ^= bit;
	}
}

static void op_rate(struct dev *d)
{
	/* unthrottled only on the ADC: a cyclic DAC block would spin a CPU */
	static const unsigned int rates[] = { 1000, 10000, 100000, 1000000, 0 };
	unsigned int rate = rates[below(d->input ? 5 : 4)];

	sysfs_count(sim_attr_write(&d->s, "sampling_frequency", "%u", rate));
}

static void op_fault(struct dev *d)
{
	int ret;

	switch (below(4)) {
	case 0:
		ret = sim_debugfs_write(&d->s, "buffer0/fail_count", "%u", below(3));
		break;
	case 1:
		ret = sim_debugfs_write(&d->s, "buffer0/delay_ms", "%u", below(3));
		break;
	case 2:
		ret = sim_debugfs_write(&d->s, "buffer0/fail_errno", "%u", chance(50) ? 5 : below(140));
		break;
	default:
		d->stalled = !d->stalled && chance(30);
		ret = sim_debugfs_write(&d->s, "buffer0/stall", "%d", d->stalled);
		break;
	}
	sysfs_count(ret);
}

static void op_nonblock(struct dev *d)
{
	int fl = fcntl(d->s.buf_fd, F_GETFL);

	if (fl < 0)
		return;
	d->nonblock = chance(70);
	fl = d->nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (fcntl(d->s.buf_fd, F_SETFL, fl) < 0)
		d->nonblock = !d->nonblock;
}

static void op_realloc(void)
{
	struct dmabuf *b = &pool[below(NPOOL)];

	/* an attachment keeps the old DMABUF alive: its id stays attached */
	close(b->fd);
	if (alloc_dmabuf(b) < 0)
		exit(1);
}

static void op_rw(struct dev *d)
{
	bool rd = chance(50);
	size_t n = chance(20) ? below(8) : 1 + below(16 * PAGE);
	struct eset e = { 0 };
	enum ptr_kind k = pick_ptr();
	void *p;
	ssize_t r;
	int err;

	if (k == P_VALID || k == P_PAGE_END || k == P_RO)
		k = P_VALID;	/* a large valid buffer: the heap */
	p = k == P_VALID ? malloc(n ? n : 1) : place("", 1, k).p;
	if (k == P_VALID && p)
		memset(p, 0x5a, n);
	r = rd ? read(d->s.buf_fd, p, n) : write(d->s.buf_fd, p, n);
	err = r < 0 ? errno : 0;
	count(rd ? K_READ : K_WRITE, err);
	if (k == P_VALID)
		free(p);
	if (r == 0)
		return;	/* nothing transferred (no scan size yet) */
	/* the VFS checks access_ok() before anything else */
	if (k == P_KERNEL)
		allow(&e, EFAULT);
	if (rd != d->input) {
		/* read() on the DAC, write() on the ADC (core) */
		allow(&e, EPERM);
		allow(&e, EINVAL);
	} else if (!dmabuf_use(d)) {
		/* fileio: anything sane */
		allow(&e, 0);
		allow(&e, EBUSY);
		allow(&e, EINTR);
		allow(&e, EAGAIN);
		allow(&e, EINVAL);
		allow(&e, EFAULT);
	} else if (rd) {
		/*
		 * DMABUF use: never data. O_NONBLOCK: EBUSY; blocking: it
		 * sleeps (the tick: EINTR), unless less than a scan is asked
		 * (EBUSY or EINVAL at once).
		 */
		allow(&e, EBUSY);
		allow(&e, EINVAL);
		if (!d->nonblock)
			allow(&e, EINTR);
	} else {
		/*
		 * Never room: EAGAIN, or it sleeps (the tick: EINTR). The core
		 * looks for a pending signal before O_NONBLOCK: EINTR either
		 * way. EINVAL: never enabled since the module was loaded.
		 */
		if (d->nonblock)
			allow(&e, EAGAIN);
		allow(&e, EINTR);
		allow(&e, EINVAL);
	}
	check(&e, r > 0 ? 0 : err, "%s: %s of %zu bytes, %s pointer, %s, %s, %d attached",
	      d->name, rd ? "read()" : "write()", n, ptr_name[k],
	      d->enabled ? (d->dmabuf_mode ? "enabled DMABUF" : "enabled fileio") : "disabled",
	      d->nonblock ? "O_NONBLOCK" : "blocking", d->natt);
}

/* poll() on the buffer fd: in DMABUF use never ready (no data, no room). */
static void op_poll_buf(struct dev *d)
{
	struct pollfd p = { .fd = d->s.buf_fd, .events = POLLIN | POLLOUT };
	int ret = poll(&p, 1, 0);

	count(K_POLL, ret < 0 ? errno : 0);
	/* EINTR: the tick */
	if ((ret < 0 && errno != EINTR) || (dmabuf_use(d) && ret > 0)) {
		if (violation())
			fprintf(stderr, "VIOLATION (seed %" PRIu64 ", op %" PRIu64 "): %s: poll() on "
				"the buffer fd in %s, %s, %d attached: %s, revents %#x\n", seed, op_no,
				d->name, dmabuf_use(d) ? "DMABUF use" : "fileio",
				d->enabled ? (d->dmabuf_mode ? "enabled DMABUF" : "enabled fileio") :
				"disabled", d->natt, ret < 0 ? strerror(errno) : "ready",
				(unsigned int)p.revents);
	}
}

/* ---- setup, the loop, teardown ---- */

static int open_misc(void)
{
	devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	memfd = memfd_create("fuzz-ioctl", MFD_CLOEXEC);
	heapdev_fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	udmabufdev_fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (devnull_fd < 0 || event_fd < 0 || memfd < 0 || heapdev_fd < 0 || udmabufdev_fd < 0)
		return -errno;
	if (ftruncate(memfd, PAGE) < 0)
		return -errno;
	for (unsigned int i = 0; i < NPOOL; i++)
		if (alloc_dmabuf(&pool[i]) < 0)
			return -ENOMEM;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_all(void)
{
	for (unsigned int i = 0; i < 2; i++) {
		close_buf(&devs[i]);
		close_fd(&devs[i].s.dev_fd);
	}
	for (unsigned int i = 0; i < NPOOL; i++)
		close_fd(&pool[i].fd);
	for (unsigned int i = 0; i < NSYNC; i++)
		close_fd(&sync_fds[i]);
	close_fd(&devnull_fd);
	close_fd(&event_fd);
	close_fd(&memfd);
	close_fd(&heapdev_fd);
	close_fd(&udmabufdev_fd);
}

static void do_enqueue(struct dev *d) { if (need_buf(d)) op_enqueue(d); }
static void do_attach(struct dev *d) { if (need_buf(d)) op_attach(d); }
static void do_detach(struct dev *d) { if (need_buf(d)) op_detach(d); }
static void do_iio_cmd(struct dev *d) { op_other_cmd(d, true); }
static void do_random_cmd(struct dev *d) { op_other_cmd(d, false); }
static void do_sync(struct dev *d) { (void)d; op_sync(); }
static void do_export(struct dev *d) { (void)d; op_export(); }
static void do_import(struct dev *d) { (void)d; op_import(); }
static void do_enable(struct dev *d) { op_enable(d, true); }
static void do_disable(struct dev *d) { op_enable(d, false); }
static void do_realloc(struct dev *d) { (void)d; op_realloc(); }
static void do_nonblock(struct dev *d) { if (d->s.buf_fd >= 0) op_nonblock(d); }
static void do_rw(struct dev *d) { if (need_buf(d)) op_rw(d); }
static void do_poll_buf(struct dev *d) { if (need_buf(d)) op_poll_buf(d); }

static void do_node(struct dev *d)
{
	if (d->s.dev_fd >= 0 && chance(50))
		close_fd(&d->s.dev_fd);
	else
		open_node(d);
}

/* The operations and their weights; slow ones are divided by --calm. */
static struct op {
	const char *name;
	void (*fn)(struct dev *d);
	unsigned int weight;
	bool slow;	/* a state change: sysfs, a new DMABUF, a close */
	uint64_t n;
	double secs;
} ops[] = {
	{ "ENQUEUE", do_enqueue, 300, false, 0, 0 },
	{ "ATTACH", do_attach, 130, false, 0, 0 },
	{ "DETACH", do_detach, 80, false, 0, 0 },
	{ "GET_FD", op_get_fd, 30, false, 0, 0 },
	{ "GET_EVENT_FD", op_event_fd, 15, false, 0, 0 },
	{ "other 'i' ioctl", do_iio_cmd, 60, false, 0, 0 },
	{ "random ioctl", do_random_cmd, 25, false, 0, 0 },
	{ "SYNC", do_sync, 80, false, 0, 0 },
	{ "EXPORT_SYNC_FILE", do_export, 30, false, 0, 0 },
	{ "IMPORT_SYNC_FILE", do_import, 15, false, 0, 0 },
	{ "enable", do_enable, 65, true, 0, 0 },
	{ "disable", do_disable, 40, true, 0, 0 },
	{ "channel mask", op_mask, 15, true, 0, 0 },
	{ "sampling_frequency", op_rate, 7, true, 0, 0 },
	{ "open/close node", do_node, 10, true, 0, 0 },
	{ "close buffer fd", close_buf, 15, true, 0, 0 },
	{ "O_NONBLOCK", do_nonblock, 15, false, 0, 0 },
	{ "new DMABUF", do_realloc, 25, true, 0, 0 },
	{ "fault knob", op_fault, 8, true, 0, 0 },
	{ "read/write", do_rw, 35, false, 0, 0 },
	{ "poll buffer fd", do_poll_buf, 15, false, 0, 0 },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static unsigned int total_weight;

static void set_calm(unsigned int calm)
{
	total_weight = 0;
	for (unsigned int i = 0; i < NOPS; i++) {
		if (ops[i].slow && calm > 1)
			ops[i].weight = (ops[i].weight + calm - 1) / calm;
		total_weight += ops[i].weight;
	}
}

static void one_op(void)
{
	struct dev *d = &devs[below(2)];
	unsigned int r = below(total_weight);
	struct op *o = &ops[NOPS - 1];
	double t0 = now_seconds();

	for (unsigned int i = 0; i < NOPS; i++) {
		if (r < ops[i].weight) {
			o = &ops[i];
			break;
		}
		r -= ops[i].weight;
	}
	op_no++;
	o->fn(d);
	if (d->natt >= MAX_ATT)
		close_buf(d);
	o->n++;
	o->secs += now_seconds() - t0;
}

static int setup_dev(struct dev *d)
{
	int ret = d->input ? sim_setup(&d->s, d->name, SIM_ALL_CHANNELS, 100000) :
			     sim_setup_dac(&d->s, d->name, SIM_DAC_CHANNELS, 100000);

	if (ret) {
		fprintf(stderr, "fuzz-ioctl: setting up %s: %s\n", d->name, strerror(-ret));
		return ret;
	}
	d->mask = d->input ? SIM_ALL_CHANNELS : SIM_DAC_CHANNELS;
	d->scan_bytes = 2 * d->nchan;
	d->nonblock = false;
	/* blocks an earlier user left queued would decide the next mode */
	ret = sim_flush_queued(&d->s);
	if (ret) {
		fprintf(stderr, "fuzz-ioctl: flushing %s: %s\n", d->name, strerror(-ret));
		return ret;
	}
	return 0;
}

/* The fds open now, as a bitmap of the first 1024. */
static void open_fds(uint64_t map[16])
{
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");

	memset(map, 0, 16 * sizeof(map[0]));
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] != '.' && fd != dirfd(dir) && fd < 1024)
			map[fd / 64] |= 1ull << (fd % 64);
	}
	closedir(dir);
}

static int final_checks(const uint64_t before[16])
{
	uint64_t after[16];
	int failed = 0;

	for (unsigned int i = 0; i < 2; i++) {
		struct dev *d = &devs[i];
		int ret;

		sim_enable(&d->s, false);
		sim_debugfs_write(&d->s, "buffer0/stall", "0");
		sim_debugfs_write(&d->s, "buffer0/delay_ms", "0");
		sim_debugfs_write(&d->s, "buffer0/fail_count", "0");
		/* blocks left QUEUED (the fds are closed) wait for an enable */
		ret = sim_flush_queued(&d->s);
		if (ret) {
			fprintf(stderr, "fuzz-ioctl: %s: enable + disable to flush queued blocks: %s\n",
				d->name, strerror(-ret));
			failed = 1;
		}
		/* the core releases attachments from a workqueue */
		ret = sim_debugfs_wait(&d->s, "buffer0/attachments", 0, 10000);
		if (ret) {
			uint64_t n = 0;

			sim_debugfs_u64(&d->s, "buffer0/attachments", &n);
			fprintf(stderr, "fuzz-ioctl: %s: buffer0/attachments still %" PRIu64
				" 10 s after everything was closed: %s\n", d->name, n,
				strerror(-ret));
			failed = 1;
		}
	}
	open_fds(after);
	for (int fd = 0; fd < 1024; fd++) {
		char path[64], link[256] = "?";
		ssize_t n;

		if (!(after[fd / 64] >> (fd % 64) & 1) || (before[fd / 64] >> (fd % 64) & 1))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 1] = '\0';
		fprintf(stderr, "fuzz-ioctl: fd %d (%s) still open after closing everything\n", fd,
			link);
		failed = 1;
	}
	if (system("rmmod iio_sim") != 0) {
		fprintf(stderr, "fuzz-ioctl: rmmod iio_sim failed after the run\n");
		failed = 1;
	} else if (sim_module_insert(NULL)) {
		fprintf(stderr, "fuzz-ioctl: loading iio-sim again failed\n");
		failed = 1;
	}
	return failed;
}

static void print_stats(double secs)
{
	printf("fuzz-ioctl: seed %" PRIu64 ": %" PRIu64 " ioctls (%" PRIu64
	       " operations) in %.1f s, %.0f ioctls/s\n", seed, ioctls, op_no, secs,
	       secs > 0 ? ioctls / secs : 0.0);
	for (int k = 0; k < K_NKINDS; k++) {
		uint64_t total = 0;

		for (int i = 0; i < NERR; i++)
			total += counts[k][i];
		if (!total)
			continue;
		printf("  %-32s %9" PRIu64 ":", kind_name[k], total);
		for (int i = 0; i < NERR; i++)
			if (counts[k][i])
				printf(" %s %" PRIu64, ename(i), counts[k][i]);
		printf("\n");
	}
	if (verbose)
		for (unsigned int i = 0; i < NOPS; i++)
			printf("  op %-20s %9" PRIu64 " in %6.1f s, %.3f ms each\n", ops[i].name,
			       ops[i].n, ops[i].secs, ops[i].n ? 1e3 * ops[i].secs / ops[i].n : 0.0);
	printf("fuzz-ioctl: %" PRIu64 " violations\n", violations);
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz-ioctl [--seed N] [--count IOCTLS] [--time SECONDS] [--verbose]\n"
		"                  [--calm N] [--dma-debug-noise]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dma-debug-noise", no_argument, NULL, 'a' },
		{ "calm", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t limit = 100000, before[16];
	unsigned int calm = 1;
	double max_secs = 0, t0, last;
	int c, ret;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "s:n:t:vac:", opts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n':
			if (parse_size(optarg, &limit)) {
				usage();
				return 2;
			}
			break;
		case 't': max_secs = atof(optarg); break;
		case 'v': verbose = true; break;
		case 'a': dma_debug_noise = true; break;
		case 'c': calm = (unsigned int)atoi(optarg); break;
		default: usage(); return 2;
		}
	}
	rng = seed;
	set_calm(calm);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("fuzz-ioctl: seed %" PRIu64 ", up to %" PRIu64 " ioctls%s\n", seed, limit,
	       max_secs > 0 ? " or the time limit" : "");
	open_fds(before);
	if (sim_find(&devs[0].s, SIM_ADC_NAME) || sim_find(&devs[1].s, SIM_DAC_NAME)) {
		fprintf(stderr, "fuzz-ioctl: sim-adc or sim-dac not found in /sys/bus/iio/devices\n");
		return 77;
	}
	ret = setup_area();
	if (!ret)
		ret = open_misc();
	if (ret) {
		fprintf(stderr, "fuzz-ioctl: setup: %s\n", strerror(-ret));
		return 1;
	}
	if (setup_dev(&devs[0]) || setup_dev(&devs[1]) || ticker(true))
		return 1;
	t0 = last = now_seconds();
	while (ioctls < limit) {
		one_op();
		if ((op_no & 255) == 0) {
			double t = now_seconds();

			if (max_secs > 0 && t - t0 >= max_secs)
				break;
			if (verbose && t - last >= 10) {
				printf("fuzz-ioctl: %" PRIu64 " ioctls, %.0f/s, %" PRIu64
				       " violations\n", ioctls, ioctls / (t - t0), violations);
				last = t;
			}
		}
	}
	ticker(false);
	print_stats(now_seconds() - t0);
	close_all();
	ret = final_checks(before);
	if (violations || ret) {
		printf("fuzz-ioctl: FAILED (reproduce with --seed %" PRIu64 ")\n", seed);
		return 1;
	}
	printf("fuzz-ioctl: clean\n");
	return 0;
}
