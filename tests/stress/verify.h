/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verify workers' shared steps (verify_fence.c, verify_bufs.c). */
#ifndef STRESS_VERIFY_H
#define STRESS_VERIFY_H

#include <string.h>

#include "prng.h"
#include "stress.h"

/* a block takes milliseconds; under TCG and the chaos, allow seconds */
#define VF_TIMEOUT_MS	20000
#define VF_TIMEOUT_TEXT	"20 s"

/*
 * ENQUEUE @bytes of @dmabuf_fd and export its fence while pending. Returns
 * the sync_file fd, or a negative errno (reported). *@late: an injected
 * failure may have been pending and the exported fence was already signalled:
 * the stall did not stop the engine in time (writing "stall" only sets a
 * flag the engine thread looks at between steps), so the block may have
 * failed although the sync_file (a signalled stub) says 1.
 */
int vf_enqueue(struct worker *w, const struct sdev *d, int buf_fd, int dmabuf_fd,
	       uint64_t bytes, bool *late);
/* Now and then: a completion delay, or fail the next 1..3 transfers. */
void vf_maybe_inject(struct worker *w, const struct sdev *d);
/*
 * Wait for the transfer of @dmabuf_fd whose sync_file is @fence (closed
 * here); its status: 1 done, -EIO injected (counted), -EINTR (disable), ...
 */
int vf_wait(struct worker *w, const struct sdev *d, int dmabuf_fd, int fence);
/* At the end: injected failures = those seen + those left in fail_count. */
void vf_check_injected(struct worker *w, const struct sdev *d);

/* One DMABUF of a verify worker's set (verify_bufs.c). */
struct vf_buf {
	int fd;
	void *map;
	size_t len;	/* bytes queued (DAC) */
	int fence;	/* sync_file of the queued transfer, -1: none */
	bool late;	/* see vf_enqueue() */
	bool filled;	/* ADC: checked once; @first, @last: its scans then */
	uint64_t first, last;
};

/*
 * @n DMABUFs of @size from @src, attached to @buf_fd and mapped with @prot;
 * on failure (reported) the set is left for vf_bufs_free().
 */
int vf_bufs_alloc(struct worker *w, const struct sdev *d, int buf_fd, struct vf_buf *b,
		  int n, size_t size, enum dmabuf_source src, int prot);
/* Close the fences, unmap, DETACH and close every DMABUF of the set. */
void vf_bufs_free(struct worker *w, const struct sdev *d, int buf_fd, struct vf_buf *b,
		  int n, size_t size);

#endif /* STRESS_VERIFY_H */
