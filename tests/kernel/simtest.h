/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the iio-sim kernel tests and bench/adc-stream: find the
 * device, sysfs attributes, the buffer fd, DMABUF allocation and ioctls, and
 * the counter-pattern check. Every function returns 0 (or a file descriptor)
 * on success and a negative errno on failure.
 */
#ifndef SIMTEST_H
#define SIMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SIM_ADC_NAME	"sim-adc"
#define SIM_DAC_NAME	"sim-dac"
#define SIM_ALL_CHANNELS 0xfu
#define SIM_DAC_CHANNELS 0x3u	/* sim-dac: out_voltage0..1 */
#define SIM_UNTHROTTLED	0u
#define SIM_DEBUGFS	"/sys/kernel/debug/iio-sim"

struct sim {
	char dir[320];	/* /sys/bus/iio/devices/iio:deviceN */
	char node[300];	/* /dev/iio:deviceN */
	int dev_fd;	/* open node, or -1 */
	int buf_fd;	/* buffer0 fd from IIO_BUFFER_GET_FD_IOCTL, or -1 */
};

/* sysfs */
int sim_find(struct sim *s, const char *name);
int sim_attr_write(const struct sim *s, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sim_attr_read(const struct sim *s, const char *attr, char *out, size_t len);
int sim_attr_u64(const struct sim *s, const char *attr, uint64_t *val);
int sim_enable(const struct sim *s, bool on);

/*
 * Find the device @name, disable its buffer, enable the channels in @mask,
 * select the counter waveform and @rate scans/s (0: unthrottled), open its
 * node and buffer0's fd.
 */
int sim_setup(struct sim *s, const char *name, unsigned int mask,
	      unsigned int rate);
int sim_open_buffer(struct sim *s);
void sim_teardown(struct sim *s);
/* The same for a DAC: out_voltage channels in @mask, @rate scans/s. */
int sim_setup_dac(struct sim *s, const char *name, unsigned int mask,
		  unsigned int rate);

/*
 * debugfs of the device: SIM_DEBUGFS/iio:deviceN/@rel, e.g. "bytes",
 * "checksum" (DACs), "buffer0/fail_count" (any buffer).
 */
int sim_debugfs_write(const struct sim *s, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sim_debugfs_u64(const struct sim *s, const char *rel, uint64_t *val);
/* Poll debugfs @rel until it reads @want (10 ms steps, @timeout_ms). */
int sim_debugfs_wait(const struct sim *s, const char *rel, uint64_t want, int timeout_ms);

/*
 * The DAC's checksum of played data (kernel/sim_dac.c): over the 16-bit
 * samples s in order, a += s; b += a; checksum = b.
 */
struct dac_sum {
	uint64_t a, b, bytes;
};
void dac_sum_update(struct dac_sum *sum, const void *data, size_t bytes);
/* Fill @bytes of 2-channel scans: scan k holds (uint32_t)(@seq + k). */
void dac_pattern_fill(void *data, size_t bytes, uint64_t seq);
/*
 * Bytes [@offset, @offset + @bytes) of the dac_pattern_fill() stream from
 * scan 0, for blocks that end in the middle of a scan.
 */
void dac_pattern_bytes(void *data, size_t bytes, uint64_t offset);
/* The DAC's bytes and checksum since its last enable, from debugfs. */
int sim_dac_played(const struct sim *s, struct dac_sum *sum);

/*
 * DMABUFs: from the system dma-heap, from udmabuf, or (sets and streams
 * only) alternately one and the other.
 */
enum dmabuf_source { DMABUF_HEAP, DMABUF_UDMABUF, DMABUF_ALTERNATE };
int dmabuf_alloc(enum dmabuf_source src, size_t size);
const char *dmabuf_source_name(enum dmabuf_source src);

#define DMABUF_SET_MAX 64
struct dmabuf_set {
	int fd[DMABUF_SET_MAX];
	void *map[DMABUF_SET_MAX];
	unsigned int n;
	size_t size;
};
/*
 * @n DMABUFs of @size bytes from @src (DMABUF_ALTERNATE: heap, udmabuf,
 * heap...), each mapped with @prot (0: not mapped) and attached to @buf_fd
 * (< 0: not attached). On failure *@what names the step that failed; what was
 * made so far is in @b for dmabuf_set_free().
 */
int dmabuf_set_alloc(struct dmabuf_set *b, int buf_fd, enum dmabuf_source src,
		     unsigned int n, size_t size, int prot, const char **what);
/* Unmap, DETACH from @buf_fd (if >= 0) and close every DMABUF of @b. */
void dmabuf_set_free(struct dmabuf_set *b, int buf_fd);
int dmabuf_sync(int fd, uint64_t flags);
/*
 * The fences a CPU reader waits for, as a sync_file (DMA_BUF_IOCTL_EXPORT_
 * SYNC_FILE), and its status (SYNC_IOC_FILE_INFO): 1 signalled, 0 pending,
 * <0 the error it was signalled with. Signalled fences are left out of an
 * export, so export while pending to see an error.
 */
int dmabuf_export_fence(int fd);
int sync_file_status(int sync_fd);
/* export + status: 0 while a transfer is pending, else 1 */
int dmabuf_fence_status(int fd);
/*
 * The same with every fence (DMA_BUF_SYNC_WRITE: what a CPU writer waits
 * for), which includes an output buffer's READ fences.
 */
int dmabuf_export_fence_all(int fd);
int dmabuf_fence_status_all(int fd);
/* Wait (poll) at most @timeout_ms for @sync_fd: its status, or -ETIMEDOUT. */
int sync_file_wait(int sync_fd, int timeout_ms);

/*
 * Body of a thread blocked in DMA_BUF_IOCTL_SYNC START | @flags on @fd: set
 * @ret to 1 before starting it; it holds the result once the thread is done,
 * and @done the time.
 */
struct sync_waiter {
	int fd;
	uint64_t flags;
	volatile int ret;
	double done;
};
void *sync_waiter_thread(void *arg);

/* IIO DMABUF ioctls on a buffer fd */
int iio_dmabuf_attach(int buf_fd, int fd);
int iio_dmabuf_detach(int buf_fd, int fd);
int iio_dmabuf_enqueue(int buf_fd, int fd, uint64_t bytes, uint32_t flags);

/* Counter pattern with all four channels: each 8-byte scan is its seq. */
struct counter {
	uint64_t expect;	/* next expected sequence number */
	uint64_t scans;		/* scans checked */
	uint64_t gaps;		/* scans missing (dropped) */
	uint64_t mismatches;	/* scans that went backwards */
};
void counter_check(struct counter *c, const void *data, size_t bytes);
/*
 * The same counter as a byte stream, for blocks whose size is not a multiple
 * of the scan: byte k of the capture is byte k % 8 of the little-endian scan
 * k / 8. @pos is the stream offset of the next byte; @first_bad is valid when
 * @bad (bytes that differ) is not 0.
 */
struct counter_bytes {
	uint64_t pos;
	uint64_t bad;
	uint64_t first_bad;
};
void counter_bytes_check(struct counter_bytes *c, const void *data, size_t bytes);
/* Value of channel @chan of the scan with sequence number @seq. */
static inline uint16_t counter_sample(uint64_t seq, unsigned int chan)
{
	return (uint16_t)(seq >> (16 * chan));
}

/*
 * Blocks enqueued while the buffer is disabled stay QUEUED until the next
 * enable, holding their attachment (and so the module) even after every fd
 * was closed. Enable and disable @s's buffer so that they complete (disable
 * aborts them: -EINTR); if no channel is enabled, channel 0 is enabled first.
 */
int sim_flush_queued(const struct sim *s);

/*
 * Interrupt a blocking call of this process after @ms milliseconds: one
 * SIGALRM, handled by a function that does nothing and without SA_RESTART,
 * so the call fails with EINTR. 0 disarms it.
 */
int sim_alarm_ms(unsigned int ms);
/*
 * read() (@out false) or write() of @n bytes on @fd with such a SIGALRM due
 * after @ms milliseconds (then disarmed): the result, -errno on failure, and
 * in *@secs how long the call took. A call that must sleep returns -EINTR
 * after about @ms.
 */
long sim_io_alarm(int fd, bool out, void *buf, size_t n, unsigned int ms, double *secs);

/*
 * Streams: the typical workflows, measured. The DMABUF ones enqueue their
 * first blocks before they enable the buffer (mainline's order: the first
 * block starts with scan 0 whatever the rate), then keep them in rotation.
 */
struct stream_opts {
	enum dmabuf_source src;
	unsigned int nbufs;	/* DMABUFs in rotation */
	size_t block;		/* bytes per DMABUF / per read() */
	uint64_t bytes;		/* total to capture */
};
struct stream_result {
	struct counter c;
	uint64_t bytes;
	double seconds;
	const char *what;	/* on error: the failed step */
};
int sim_stream_dmabuf(struct sim *s, const struct stream_opts *o,
		      struct stream_result *r);
int sim_stream_read(struct sim *s, const struct stream_opts *o,
		    struct stream_result *r);

/*
 * Output streams: play o->bytes of dac_pattern_fill() scans (2 channels)
 * through a DAC from o->nbufs DMABUFs (SYNC START WRITE waits for a block
 * to be played before it is refilled) or through write(); wait until all was
 * played, then disable. r->sum is what was sent, r->played what the DAC
 * reports (debugfs), r->underruns buffer0/underruns.
 */
struct play_result {
	struct dac_sum sum;
	struct dac_sum played;
	uint64_t underruns;
	double seconds;
	const char *what;	/* on error: the failed step */
};
int sim_play_dmabuf(struct sim *s, const struct stream_opts *o,
		    struct play_result *r);
int sim_play_write(struct sim *s, const struct stream_opts *o,
		   struct play_result *r);

/*
 * Insert the module (the one in $IIO_SIM_KO, which vm/run sets, else the
 * tree's kernel/iio-sim.ko) with @args; remove it first if loaded.
 */
int sim_module_insert(const char *args);
int sim_module_reload(const char *args);

/*
 * Module lifetime, without a shell: delete_module() of iio_sim (non-blocking
 * refusal: -EAGAIN while its reference count is not 0; it blocks while
 * module exit waits for open buffer fds), finit_module() of the module file
 * (sim_module_insert()'s), /sys/module/iio_sim/refcnt (-1 when not loaded).
 */
int sim_module_remove(void);
int sim_module_load(const char *args);
long sim_module_refcnt(void);
/* Wait until the refcount is @want (10 ms steps, @timeout_ms); return it. */
long sim_module_wait_refcnt(long want, int timeout_ms);
/* Unbind / bind the iio-sim platform driver (tears the IIO devices down). */
int sim_driver_unbind(void);
int sim_driver_bind(void);

double now_seconds(void);

/* A byte count with an optional K, M or G suffix (powers of 1024). */
int parse_size(const char *s, uint64_t *out);

#endif /* SIMTEST_H */
