// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the verify workers share: an ENQUEUE whose fence is exported while
 * the transfer is pending, and exact fault injection. An export after
 * completion is a signalled stub that hides an injected error, so whenever an
 * injected failure may still be pending (fail_count > 0) the engine is
 * stalled around ENQUEUE + export. Nobody else touches the verified pair's
 * debugfs, so fail_count only counts down and every injected failure is
 * accounted for: seen in a fence, or still in fail_count at the end.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <unistd.h>

#include "verify.h"

int vf_enqueue(struct worker *w, const struct sdev *d, int buf_fd, int dmabuf_fd,
	       uint64_t bytes, bool *late)
{
	const struct sim *s = &d->s;
	uint64_t left = 0;
	bool stall;
	int ret, fence;

	ret = EXPECT(w, "debugfs fail_count", d, sim_debugfs_u64(s, "buffer0/fail_count", &left), 0);
	if (ret < 0)
		return ret;
	stall = left != 0;
	if (stall && EXPECT(w, "debugfs stall 1", d, sim_debugfs_write(s, "buffer0/stall", "1"), 0))
		return -EIO;
	w->st->ops[OP_ENQUEUE]++;
	ret = EXPECT(w, "ENQUEUE", d, iio_dmabuf_enqueue(buf_fd, dmabuf_fd, bytes, 0), 0);
	fence = ret;
	if (!ret) {
		/* the DAC's read fence is only among all fences */
		fence = d->out ? dmabuf_export_fence_all(dmabuf_fd) : dmabuf_export_fence(dmabuf_fd);
		w->st->ops[OP_FENCE]++;
		EXPECT(w, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE", d, fence, 0);
	}
	/* done already (or just now: then its status is right, harmless) */
	*late = stall && fence >= 0 && sync_file_status(fence) != 0;
	if (stall)
		EXPECT(w, "debugfs stall 0", d, sim_debugfs_write(s, "buffer0/stall", "0"), 0);
	return fence;
}

void vf_maybe_inject(struct worker *w, const struct sdev *d)
{
	uint64_t left = 1;
	unsigned int k = 1 + prng_below(&w->rng, 3);

	w->st->ops[OP_FAULT]++;
	if (prng_percent(&w->rng, 50)) {
		EXPECT(w, "debugfs delay_ms", d, sim_debugfs_write(&d->s, "buffer0/delay_ms", "%u",
								  (unsigned int[]){ 0, 1, 3 }[prng_below(&w->rng, 3)]), 0);
		return;
	}
	/* only from 0: nothing else changes it, so no injection gets lost */
	if (sim_debugfs_u64(&d->s, "buffer0/fail_count", &left) || left)
		return;
	if (!EXPECT(w, "debugfs fail_count", d,
		    sim_debugfs_write(&d->s, "buffer0/fail_count", "%u", k), 0))
		w->st->injected += k;
}

int vf_wait(struct worker *w, const struct sdev *d, int dmabuf_fd, int fence)
{
	struct pollfd p = { .fd = dmabuf_fd, .events = d->out ? POLLOUT : POLLIN };
	int ret, st;

	w->st->ops[OP_POLL]++;
	ret = poll(&p, 1, VF_TIMEOUT_MS);
	if (ret <= 0) {
		stress_fail(w, d, "poll() on a queued DMABUF: %s", ret ? strerror(errno) :
			    "no completion within " VF_TIMEOUT_TEXT);
		w->st->block_errors++;
		close(fence);
		return -ETIMEDOUT;
	}
	st = sync_file_status(fence);
	close(fence);
	if (st == -EIO)
		w->st->failed_seen++;
	return st;
}

void vf_check_injected(struct worker *w, const struct sdev *d)
{
	uint64_t left = 0;

	EXPECT(w, "debugfs fail_count", d, sim_debugfs_u64(&d->s, "buffer0/fail_count", &left), 0);
	if (w->st->failed_seen + left != w->st->injected) {
		stress_fail(w, d, "%llu failures injected, %llu seen in fences, %llu left in fail_count",
			    (unsigned long long)w->st->injected,
			    (unsigned long long)w->st->failed_seen, (unsigned long long)left);
		w->st->block_errors++;
	}
}
