/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libiiostream internals: object layouts and helpers shared by the files of lib/. */
#ifndef IIOS_INTERNAL_H
#define IIOS_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiostream.h"

#define IIOS_HIDDEN __attribute__((visibility("hidden")))
#define IIOS_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- error messages (error.c) ---- */

#define IIOS_MSG_LEN 512

struct iios_err {
	char msg[IIOS_MSG_LEN];
};

/* Format "<fmt>: <strerror(errnum)>" into e; return -errnum. */
IIOS_HIDDEN int iios_err_set(struct iios_err *e, int errnum, const char *fmt, ...)
	IIOS_PRINTF(3, 4);
IIOS_HIDDEN int iios_err_vset(struct iios_err *e, int errnum, const char *fmt, va_list ap)
	IIOS_PRINTF(3, 0);
/* strerror_r wrapper returning a string in buf (thread-safe). */
IIOS_HIDDEN const char *iios_strerror(int errnum, char *buf, size_t len);

/* ---- sysfs file helpers (sysfs.c) ---- */

/* Read a small text file: NUL-terminated, trailing newlines stripped.
 * Opens with O_NONBLOCK and refuses anything but a regular file (a FIFO or a
 * directory where a file is expected cannot hang or fool us).
 * Returns length or -errno (-EFBIG if it does not fit). */
IIOS_HIDDEN ssize_t iios_read_file(int dirfd, const char *name, char *buf, size_t len);
IIOS_HIDDEN int iios_write_file(int dirfd, const char *name, const char *value);
IIOS_HIDDEN int iios_parse_ll(const char *s, long long *v);
IIOS_HIDDEN int iios_parse_double(const char *s, double *v);
IIOS_HIDDEN char *iios_strdup(const char *s);
IIOS_HIDDEN char *iios_asprintf(const char *fmt, ...) IIOS_PRINTF(1, 2);

/* A sorted list of strings. */
struct iios_strlist {
	char **v;
	size_t n, cap;
};
IIOS_HIDDEN int iios_strlist_add(struct iios_strlist *l, const char *s);
IIOS_HIDDEN void iios_strlist_sort(struct iios_strlist *l);
IIOS_HIDDEN void iios_strlist_free(struct iios_strlist *l);

/* ---- object model ---- */

struct iios_channel {
	struct iios_buffer *buf;
	char *name;	/* in_voltage0 */
	char *id;	/* voltage0 */
	char *type;	/* voltage */
	bool output;
	unsigned int scan_index;
	struct iios_scan_type st;
	struct iios_strlist attrs;
};

struct iios_buffer {
	struct iios_device *dev;
	unsigned int index;
	bool output;
	bool legacy;	  /* buffer/ + scan_elements/ layout */
	int dirfd;	  /* bufferN/ (or buffer/) */
	int scan_dirfd;	  /* bufferN/ (or scan_elements/) */
	char *path;	  /* for messages */
	char *scan_path;
	struct iios_strlist attrs;
	struct iios_strlist en_files; /* every *_en scan element, valid or not */
	struct iios_channel **chans;
	size_t nchans;
};

struct iios_device {
	struct iios_context *ctx;
	unsigned int num;	/* N of iio:deviceN */
	char *id;
	char *name;
	char *label;
	char *desc;	/* "name (iio:deviceN)" for messages */
	char *path;
	int dirfd;
	struct iios_strlist attrs;
	struct iios_buffer **bufs;
	size_t nbufs;
};

struct iios_context {
	char *sysfs_root;
	char *dev_root;
	struct iios_device **devs;
	size_t ndevs;
	struct iios_strlist warnings;
	atomic_uint_fast64_t next_stream_id;
	struct iios_err err;
};

IIOS_HIDDEN int iios_ctx_warn(struct iios_context *ctx, const char *fmt, ...) IIOS_PRINTF(2, 3);
IIOS_HIDDEN int iios_scan_device(struct iios_context *ctx, int rootfd, const char *dname,
				 struct iios_device **out);
IIOS_HIDDEN void iios_device_free(struct iios_device *dev);
/* Path of a channel attribute file (separate, shared by type, by dir), or NULL. */
IIOS_HIDDEN const char *iios_channel_attr_file(const struct iios_channel *ch, const char *attr,
					       char *path, size_t len);

/* ---- streams ---- */

enum iios_block_state {
	IIOS_BLK_QUEUED = 0, /* the stream's: queued, free, or never handed out */
	IIOS_BLK_APP,	     /* lent to the application (SYNC START done) */
};

struct iios_block {
	struct iios_stream *s;
	unsigned int idx;
	enum iios_block_state state;
	bool in_kernel;	/* ENQUEUEd and not yet dequeued */
	void *data;
	size_t size;	/* block bytes */
	size_t map_size; /* page-rounded DMABUF size */
	size_t bytes_used;
	size_t fill;	/* fileio: bytes transferred so far (kept across timeouts) */
	bool cyclic;
	bool stop_cancelled; /* not complete when the stream was stopped */
	int status;
	bool status_known; /* false: the fence signalled before it could be exported */
	uint64_t seq;
	int dmabuf_fd;
	int sync_fd;	/* sync_file of the block's fences, exported at ENQUEUE */
	bool attached;
	uint64_t fwd_stream_id; /* output stream this DMABUF is attached to */
};

struct iios_chan_info {
	const struct iios_channel *ch;
	size_t offset;
	double scale, offset_val;
};

struct iios_stream;

struct iios_backend_ops {
	enum iios_backend kind;
	/* Set up after the buffer fd exists. Return -errno; set s->unsupported
	 * and s->reason for "not supported here". */
	int (*setup)(struct iios_stream *s);
	/* Make an in-kernel or free block ready for the app (waits). */
	int (*dequeue)(struct iios_stream *s, struct iios_block *b, int timeout_ms);
	/* Hand a block to the kernel (input release, output submit). */
	int (*enqueue)(struct iios_stream *s, struct iios_block *b, size_t bytes, bool cyclic);
	void (*teardown)(struct iios_stream *s);
	/* Optional: called by iios_stream_stop() just before the disable. */
	void (*before_stop)(struct iios_stream *s);
};

IIOS_HIDDEN extern const struct iios_backend_ops iios_backend_dmabuf;
IIOS_HIDDEN extern const struct iios_backend_ops iios_backend_fileio;

struct iios_stream {
	struct iios_buffer *buf;
	struct iios_device *dev;
	const struct iios_backend_ops *ops;
	uint64_t id;
	bool output;
	bool legacy_fd;	/* buffer fd is the device node itself */
	bool enabled;
	bool started;	/* input: at open; output: first submit or iios_stream_start() */
	bool stopped;	/* iios_stream_stop(): drain, never ENQUEUE again */
	/* Blocks (or write() data) given to the driver while the buffer was
	 * disabled and not submitted by an enable since: see stream_disable(). */
	bool queued_while_disabled;
	unsigned int flags;
	int buf_fd;
	int cancel_fd;	/* eventfd */
	size_t scan_bytes;
	size_t block_scans;
	size_t block_bytes;
	unsigned int nb_blocks;
	struct iios_block *blocks;
	/* FIFO of blocks not lent to the app */
	unsigned int *queue;
	unsigned int q_head, q_len;
	struct iios_chan_info *chans;
	size_t nchans;
	uint64_t next_seq;
	struct iios_stream_stats stats;
	const char *allocator;
	void *fileio_mem;
	bool status_unsupported; /* EXPORT_SYNC_FILE unavailable: statuses read as 0 */
	bool unsupported;
	char reason[IIOS_MSG_LEN];
	bool has_reason;
	struct iios_err err;
};

/* Wait for fd to become ready for events, or for cancel/timeout.
 * deadline: absolute CLOCK_MONOTONIC ms, or -1 for none. Restarts on EINTR.
 * Returns 0 (ready), -ETIMEDOUT, -EAGAIN (timeout 0), -ECANCELED, -errno. */
IIOS_HIDDEN int iios_wait_fd(struct iios_stream *s, int fd, short events, int64_t deadline,
			     bool nowait);
IIOS_HIDDEN int64_t iios_deadline(int timeout_ms);
IIOS_HIDDEN int iios_ioctl(int fd, unsigned long req, void *arg);
IIOS_HIDDEN int iios_stream_enable(struct iios_stream *s, bool on);
/* Enable the buffer if needed and mark the stream started (iios_stream_start()). */
IIOS_HIDDEN int iios_stream_do_start(struct iios_stream *s);

/* dmabuf_alloc.c: allocate one DMABUF of >= size bytes (page rounded).
 * On "not supported here" returns -errno and fills why. */
struct iios_dmabuf_allocator {
	const char *name;
	int heap_fd;	/* /dev/dma_heap/system or /dev/udmabuf */
	bool udmabuf;
};
IIOS_HIDDEN int iios_dmabuf_allocator_open(struct iios_dmabuf_allocator *a, const char *dev_root,
					   char *why, size_t whylen);
IIOS_HIDDEN int iios_dmabuf_alloc(struct iios_dmabuf_allocator *a, size_t size, int *fd);
IIOS_HIDDEN void iios_dmabuf_allocator_close(struct iios_dmabuf_allocator *a);

#endif /* IIOS_INTERNAL_H */
