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

#define SIM_ADC_NAME	"sim-adc"
#define SIM_ALL_CHANNELS 0xfu
#define SIM_UNTHROTTLED	0u

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

/* DMABUFs */
enum dmabuf_source { DMABUF_HEAP, DMABUF_UDMABUF };
int dmabuf_alloc(enum dmabuf_source src, size_t size);
const char *dmabuf_source_name(enum dmabuf_source src);
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
/* Value of channel @chan of the scan with sequence number @seq. */
static inline uint16_t counter_sample(uint64_t seq, unsigned int chan)
{
	return (uint16_t)(seq >> (16 * chan));
}

/* Streams: the typical workflows, measured. */
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
 * Insert the module (the one in $IIO_SIM_KO, which vm/run sets, else the
 * tree's kernel/iio-sim.ko) with @args; remove it first if loaded.
 */
int sim_module_insert(const char *args);
int sim_module_reload(const char *args);

double now_seconds(void);

#endif /* SIMTEST_H */
