/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Randomized stress of iio-sim: shared state of the workers (threads and
 * forked processes), the operation kinds they count, and the outcome check
 * every syscall result goes through.
 */
#ifndef STRESS_H
#define STRESS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "simtest.h"

/* The devices: pair 0 takes the chaos, pair 1 carries the verified streams. */
enum stress_dev { DEV_ADC0, DEV_DAC0, DEV_ADC1, DEV_DAC1, DEV_COUNT };

struct sdev {
	struct sim s;		/* dir and node; fds unused here */
	const char *name;	/* sim-adc, sim-dac, sim-adc1, sim-dac1 */
	bool out;		/* a DAC (output buffer) */
};

extern struct sdev stress_devs[DEV_COUNT];

enum op {
	OP_NODE,	/* open/close /dev/iio:deviceN */
	OP_GET_FD,	/* IIO_BUFFER_GET_FD_IOCTL */
	OP_BUF_CLOSE,	/* close the buffer fd */
	OP_ATTACH,
	OP_DETACH,
	OP_ENQUEUE,
	OP_SYNC,	/* DMA_BUF_IOCTL_SYNC */
	OP_POLL,	/* poll() on a DMABUF fd */
	OP_FENCE,	/* EXPORT_SYNC_FILE + SYNC_IOC_FILE_INFO */
	OP_DMABUF_CLOSE,
	OP_ENABLE,	/* buffer0/enable */
	OP_ATTR,	/* other sysfs attributes */
	OP_FAULT,	/* debugfs fault knobs */
	OP_READ,
	OP_WRITE,
	OP_BLOCK,	/* a verified block or segment */
	OP_COUNT
};

extern const char *const op_names[OP_COUNT];

/* One worker's figures, in memory shared across fork(). */
struct stress_stats {
	uint64_t ops[OP_COUNT];
	uint64_t unexpected;
	uint64_t accepted;	/* chaos ENQUEUEs accepted (transfers queued) */
	uint64_t bytes_verified;
	uint64_t block_errors;
	uint64_t injected;	/* transfers failed on purpose (verify workers) */
	uint64_t failed_seen;	/* fences that carried the injected errno */
	uint64_t failed_late;	/* of them, found by data (fence exported late) */
	volatile int done;
	pid_t tid;		/* for the kernel stack of a worker that hangs */
};

#define STRESS_MAX_WORKERS 64

struct stress_shared {
	volatile int stop;	/* deadline passed: no new operations */
	volatile int chaos_done;	/* every chaos worker finished */
	struct stress_stats st[STRESS_MAX_WORKERS];
};

struct worker {
	unsigned int id;
	uint64_t rng;
	double deadline;
	struct stress_shared *sh;
	struct stress_stats *st;
	unsigned int reported;	/* failure lines printed */
};

static inline bool worker_should_stop(const struct worker *w)
{
	return w->sh->stop || now_seconds() >= w->deadline;
}

/*
 * Check @ret (>= 0 success, else -errno) of @what on device @d against the
 * allowed outcomes (0 stands for any success, others are -errno), ending
 * with OUTCOME_END. An outcome outside them is counted and reported with the
 * worker, the operation, the device and strerror. Returns @ret.
 */
#define OUTCOME_END 1
int outcome_check(struct worker *w, const char *what, const struct sdev *d,
		  int ret, const int *allowed);
#define EXPECT(w, what, d, ret, ...) \
	outcome_check(w, what, d, ret, (const int[]){ __VA_ARGS__, OUTCOME_END })

/*
 * Report a failure that is not an errno outcome (data, counts) like one;
 * the caller counts it.
 */
void stress_fail(struct worker *w, const struct sdev *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* After the reload: write() on a never-enabled DAC is EINVAL at once. */
int fresh_dac_check(struct worker *w);

/* The workers */
void chaos_worker(struct worker *w);
void verify_adc_worker(struct worker *w);
void verify_dac_worker(struct worker *w);

#endif /* STRESS_H */
