// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ADC verify worker: sim-adc1, alone on its device, captures the counter
 * waveform unthrottled (so nothing is ever dropped) in segments, while the
 * chaos runs on pair 0. A DMABUF segment (system heap or udmabuf, alternately)
 * keeps 4 blocks queued, the first 4 enqueued before or after enable (at
 * random); each completed block whose fence carries no error must hold
 * exactly the next scans (8 bytes, seq, all four channels) from scan 0: the
 * counter continues across blocks and injected failures leave no gap. At
 * disable, once one block is aborted (-EINTR), all later ones are. A fileio
 * segment reads a few MiB through read(), every scan checked from seq 0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "verify.h"

#define NBUF		4
#define PAGE		4096u
#define SCAN		8u

struct vadc {
	struct worker *w;
	const struct sdev *d;
	struct sim s;
	struct vf_buf b[NBUF];
	size_t size;
	uint64_t expect;	/* seq the next good block starts with */
	bool cancelled;		/* a block was aborted: all later ones must be */
};

/* The block holds what it held before its last transfer: not filled. */
static bool untouched(const struct vadc *v, const struct vf_buf *b)
{
	const uint64_t *p = b->map;
	size_t n = v->size / SCAN;

	/* a filled block never holds the same scans twice, nor zeros */
	return b->filled ? p[0] == b->first && p[n - 1] == b->last : !p[0] && !p[n - 1];
}

/* Check a completed block with status @st. */
static void block_done(struct vadc *v, struct vf_buf *b, int st)
{
	const uint64_t *p = b->map;
	struct worker *w = v->w;

	if (st == -EINTR) {
		v->cancelled = true;
		return;
	}
	if (v->cancelled) {
		stress_fail(w, v->d, "a block completed with %d after an earlier one was aborted", st);
		w->st->block_errors++;
		return;
	}
	if (st == -EIO)
		return;	/* injected: untouched, no scan consumed */
	if (st == 1 && b->late && untouched(v, b)) {
		/* an injected failure the sync_file could not show (vf_enqueue()) */
		w->st->failed_seen++;
		w->st->failed_late++;
		return;
	}
	if (st != 1) {
		stress_fail(w, v->d, "fence status %d (%s)", st, st < 0 ? strerror(-st) : "pending");
		w->st->block_errors++;
		return;
	}
	w->st->ops[OP_SYNC]++;
	if (EXPECT(w, "SYNC START READ", v->d, dmabuf_sync(b->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0))
		return;
	for (size_t i = 0; i < v->size / SCAN; i++) {
		if (p[i] != v->expect + i) {
			stress_fail(w, v->d, "block of %zu bytes: scan %zu is %llu, expected %llu",
				    v->size, i, (unsigned long long)p[i],
				    (unsigned long long)(v->expect + i));
			w->st->block_errors++;
			break;
		}
	}
	/* the next block continues this one (after an error: resync) */
	v->expect = p[v->size / SCAN - 1] + 1;
	b->filled = true;
	b->first = p[0];
	b->last = p[v->size / SCAN - 1];
	w->st->bytes_verified += v->size;
	w->st->ops[OP_BLOCK]++;
	EXPECT(w, "SYNC END READ", v->d, dmabuf_sync(b->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
}

static void dmabuf_segment(struct vadc *v, enum dmabuf_source src)
{
	struct worker *w = v->w;
	unsigned int blocks = 16 + prng_below(&w->rng, 48);
	bool prequeue = prng_percent(&w->rng, 50);
	unsigned int k, done = 0;
	uint64_t overruns = 0;

	v->size = (4 + prng_below(&w->rng, 61)) * PAGE;
	v->expect = 0;
	v->cancelled = false;
	if (vf_bufs_alloc(w, v->d, v->s.buf_fd, v->b, NBUF, v->size, src, PROT_READ))
		goto out;
	/* before enable (QUEUED, submitted at enable) or after it */
	w->st->ops[OP_ENABLE]++;
	if (!prequeue && EXPECT(w, "buffer0/enable 1", v->d, sim_enable(&v->s, true), 0))
		goto out;
	for (k = 0; k < NBUF; k++) {
		v->b[k].fence = vf_enqueue(w, v->d, v->s.buf_fd, v->b[k].fd, v->size,
					   &v->b[k].late);
		if (v->b[k].fence < 0)
			goto disable;
	}
	if (prequeue && EXPECT(w, "buffer0/enable 1 (blocks queued)", v->d,
			       sim_enable(&v->s, true), 0))
		goto disable;
	for (; done < blocks && !worker_should_stop(w); done++) {
		struct vf_buf *b = &v->b[done % NBUF];
		int st = vf_wait(w, v->d, b->fd, b->fence);

		b->fence = -1;
		if (st == -ETIMEDOUT)
			goto disable;
		block_done(v, b, st);
		if (prng_percent(&w->rng, 10))
			vf_maybe_inject(w, v->d);
		b->fence = vf_enqueue(w, v->d, v->s.buf_fd, b->fd, v->size, &b->late);
		if (b->fence < 0)
			goto disable;
	}
	/* unthrottled: never a drop */
	if (!EXPECT(w, "buffer0/overruns", v->d, sim_attr_u64(&v->s, "buffer0/overruns", &overruns), 0) &&
	    overruns) {
		stress_fail(w, v->d, "%llu overruns while unthrottled", (unsigned long long)overruns);
		w->st->block_errors++;
	}
disable:
	w->st->ops[OP_ENABLE]++;
	/* sim_flush_queued(): also ends blocks still queued after a failure */
	EXPECT(w, "buffer0/enable 0", v->d, prequeue ? sim_flush_queued(&v->s) :
	       sim_enable(&v->s, false), 0);
	/* the rest in FIFO order: done, failed or aborted, nothing pending */
	for (k = 0; k < NBUF; k++) {
		struct vf_buf *b = &v->b[(done + k) % NBUF];

		if (b->fence >= 0) {
			int st = vf_wait(w, v->d, b->fd, b->fence);

			b->fence = -1;
			if (st != -ETIMEDOUT)
				block_done(v, b, st);
		}
	}
out:
	vf_bufs_free(w, v->d, v->s.buf_fd, v->b, NBUF, v->size);
}

static void fileio_segment(struct vadc *v)
{
	struct worker *w = v->w;
	struct stream_opts o = {
		.block = 65536,
		.bytes = (1 + prng_below(&w->rng, 32)) * 131072ull,
	};
	struct stream_result r;
	int ret;

	w->st->ops[OP_READ]++;
	ret = sim_stream_read(&v->s, &o, &r);
	if (EXPECT(w, r.what ? r.what : "read() stream", v->d, ret, 0))
		return;
	if (r.c.gaps || r.c.mismatches || r.c.scans != o.bytes / SCAN || r.bytes != o.bytes) {
		stress_fail(w, v->d, "read() of %llu bytes: %llu scans, %llu gaps, %llu mismatches",
			    (unsigned long long)o.bytes, (unsigned long long)r.c.scans,
			    (unsigned long long)r.c.gaps, (unsigned long long)r.c.mismatches);
		w->st->block_errors++;
		return;
	}
	w->st->bytes_verified += r.bytes;
	w->st->ops[OP_BLOCK]++;
}

void verify_adc_worker(struct worker *w)
{
	struct vadc v = { .w = w, .d = &stress_devs[DEV_ADC1] };
	unsigned int seg = 0;

	if (EXPECT(w, "setup", v.d, sim_setup(&v.s, v.d->name, SIM_ALL_CHANNELS,
					      SIM_UNTHROTTLED), 0) ||
	    EXPECT(w, "loopback 0", v.d, sim_attr_write(&v.s, "loopback", "0"), 0) ||
	    EXPECT(w, "debugfs fail_errno", v.d,
		   sim_debugfs_write(&v.s, "buffer0/fail_errno", "%d", EIO), 0))
		goto out;
	/* the node is free for the chaos's probes; the buffer fd stays ours */
	close(v.s.dev_fd);
	v.s.dev_fd = -1;
	while (!worker_should_stop(w)) {
		if (prng_percent(&w->rng, 15))
			fileio_segment(&v);
		else
			dmabuf_segment(&v, seg++ % 2 ? DMABUF_UDMABUF : DMABUF_HEAP);
	}
	vf_check_injected(w, v.d);
out:
	/* keep the buffer fd until the chaos is over: its probes expect EBUSY */
	while (!w->sh->chaos_done)
		usleep(10000);
	sim_teardown(&v.s);
}
