// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The DAC verify worker: sim-dac1, alone on its device, plays unthrottled (no
 * underrun) in segments while the chaos runs on pair 0. A DMABUF segment
 * (system heap or udmabuf, alternately) keeps 3 blocks of dac_pattern_fill()
 * scans queued, the first 3 enqueued before or after enable (at random);
 * the fences say which were played (an injected failure is not), and at the
 * end of the segment the DAC's debugfs bytes and checksum must be exactly
 * those of the played blocks, in order. A write() segment
 * plays a few MiB through the buffer fd, checked the same way.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "verify.h"

#define NBUF	3
#define PAGE	4096u
#define SCAN	4u
#define MAX_CAND 8

struct vdac {
	struct worker *w;
	const struct sdev *d;
	struct sim s;
	struct vf_buf b[NBUF];
	size_t size;
	/*
	 * What the DAC must report: one of these candidates. A block whose
	 * sync_file was exported late (vf_enqueue()) was played, or failed
	 * unseen: both go on, the second with one more failure.
	 */
	struct {
		struct dac_sum sum;
		unsigned int failed;
	} cand[MAX_CAND];
	unsigned int ncand;
	bool ambiguous;		/* more candidates than MAX_CAND */
};

/* A completed block: count it in the expected checksum if it was played. */
static void block_done(struct vdac *v, struct vf_buf *b, int st)
{
	unsigned int n = v->ncand;

	if (st == 1) {
		if (b->late) {
			if (2 * n > MAX_CAND) {
				v->ambiguous = true;
				n = MAX_CAND / 2;
			}
			for (unsigned int i = 0; i < n; i++) {
				v->cand[n + i] = v->cand[i];
				v->cand[n + i].failed++;
			}
			v->ncand = 2 * n;
		}
		for (unsigned int i = 0; i < n; i++)
			dac_sum_update(&v->cand[i].sum, b->map, b->len);
		v->w->st->ops[OP_BLOCK]++;
	} else if (st != -EIO && st != -ETIMEDOUT) {
		stress_fail(v->w, v->d, "fence status %d (%s) before disable", st,
			    st < 0 ? strerror(-st) : "pending");
		v->w->st->block_errors++;
	}
}

/* Fill @b with the next scans and queue it. */
static int block_queue(struct vdac *v, struct vf_buf *b, uint64_t *seq)
{
	struct worker *w = v->w;
	uint64_t wr = DMA_BUF_SYNC_WRITE;

	b->len = SCAN * (1 + prng_below(&w->rng, v->size / SCAN));
	w->st->ops[OP_SYNC]++;
	if (EXPECT(w, "SYNC START WRITE", v->d, dmabuf_sync(b->fd, DMA_BUF_SYNC_START | wr), 0))
		return -EIO;
	dac_pattern_fill(b->map, b->len, *seq);
	*seq += b->len / SCAN;
	if (EXPECT(w, "SYNC END WRITE", v->d, dmabuf_sync(b->fd, DMA_BUF_SYNC_END | wr), 0))
		return -EIO;
	b->fence = vf_enqueue(w, v->d, v->s.buf_fd, b->fd, b->len, &b->late);
	return b->fence < 0 ? b->fence : 0;
}

/* Expect exactly @sum played, no candidate else. */
static void expect_played(struct vdac *v, const struct dac_sum *sum)
{
	v->cand[0].sum = *sum;
	v->cand[0].failed = 0;
	v->ncand = 1;
	v->ambiguous = false;
}

/* The DAC's account of what it played must be exactly one candidate. */
static void check_played(struct vdac *v, const char *what)
{
	struct dac_sum got;

	if (EXPECT(v->w, "debugfs bytes/checksum", v->d, sim_dac_played(&v->s, &got), 0))
		return;
	for (unsigned int i = 0; i < v->ncand; i++) {
		if (got.bytes == v->cand[i].sum.bytes && got.b == v->cand[i].sum.b) {
			/* injected failures the sync_files could not show */
			v->w->st->failed_seen += v->cand[i].failed;
			v->w->st->failed_late += v->cand[i].failed;
			v->w->st->bytes_verified += got.bytes;
			return;
		}
	}
	stress_fail(v->w, v->d, "%s: played %llu bytes, checksum %llu; expected %llu, %llu%s",
		    what, (unsigned long long)got.bytes, (unsigned long long)got.b,
		    (unsigned long long)v->cand[0].sum.bytes, (unsigned long long)v->cand[0].sum.b,
		    v->ncand > 1 ? " (or one of the late-export candidates)" : "");
	v->w->st->block_errors++;
}

static void dmabuf_segment(struct vdac *v, enum dmabuf_source src)
{
	struct worker *w = v->w;
	unsigned int blocks = 16 + prng_below(&w->rng, 48);
	bool prequeue = prng_percent(&w->rng, 50);
	unsigned int k, done = 0;
	uint64_t seq = 0;
	bool ok = false;

	v->size = (1 + prng_below(&w->rng, 64)) * PAGE;
	expect_played(v, &(struct dac_sum){ 0 });
	if (vf_bufs_alloc(w, v->d, v->s.buf_fd, v->b, NBUF, v->size, src,
			  PROT_READ | PROT_WRITE))
		goto out;
	/* before enable (QUEUED, played from sample 0 at enable) or after it */
	w->st->ops[OP_ENABLE]++;
	if (!prequeue && EXPECT(w, "buffer0/enable 1", v->d, sim_enable(&v->s, true), 0))
		goto out;
	for (k = 0; k < NBUF; k++) {
		if (block_queue(v, &v->b[k], &seq))
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
		if (block_queue(v, b, &seq))
			goto disable;
	}
	/* the last ones, in FIFO order, before disable cancels anything */
	for (k = 0; k < NBUF; k++) {
		struct vf_buf *b = &v->b[(done + k) % NBUF];
		int st = vf_wait(w, v->d, b->fd, b->fence);

		b->fence = -1;
		if (st == -ETIMEDOUT)
			goto disable;
		block_done(v, b, st);
	}
	ok = true;
disable:
	/* every fence is signalled, so the engine is done with the blocks */
	if (ok)
		check_played(v, "DMABUF blocks");
	w->st->ops[OP_ENABLE]++;
	/* sim_flush_queued(): also ends blocks still queued after a failure */
	EXPECT(w, "buffer0/enable 0", v->d, prequeue ? sim_flush_queued(&v->s) :
	       sim_enable(&v->s, false), 0);
out:
	vf_bufs_free(w, v->d, v->s.buf_fd, v->b, NBUF, v->size);
}

static void write_segment(struct vdac *v)
{
	struct worker *w = v->w;
	struct stream_opts o = {
		.block = 65536,
		.bytes = (1 + prng_below(&w->rng, 32)) * 65536ull,
	};
	struct play_result r;
	int ret;

	w->st->ops[OP_WRITE]++;
	ret = sim_play_write(&v->s, &o, &r);
	if (EXPECT(w, r.what ? r.what : "write() stream", v->d, ret, 0))
		return;
	expect_played(v, &r.sum);
	check_played(v, "write()");
	if (r.underruns) {
		stress_fail(w, v->d, "%llu underruns while unthrottled",
			    (unsigned long long)r.underruns);
		w->st->block_errors++;
	}
	w->st->ops[OP_BLOCK]++;
}

void verify_dac_worker(struct worker *w)
{
	struct vdac v = { .w = w, .d = &stress_devs[DEV_DAC1] };
	unsigned int seg = 0;

	if (EXPECT(w, "setup", v.d, sim_setup_dac(&v.s, v.d->name, SIM_DAC_CHANNELS,
						  SIM_UNTHROTTLED), 0) ||
	    EXPECT(w, "debugfs fail_errno", v.d,
		   sim_debugfs_write(&v.s, "buffer0/fail_errno", "%d", EIO), 0))
		goto out;
	close(v.s.dev_fd);
	v.s.dev_fd = -1;
	while (!worker_should_stop(w)) {
		/* write() before the first enable is EINVAL (no scan size yet) */
		if (seg && prng_percent(&w->rng, 15))
			write_segment(&v);
		else
			dmabuf_segment(&v, seg++ % 2 ? DMABUF_UDMABUF : DMABUF_HEAP);
	}
	vf_check_injected(w, v.d);
out:
	while (!w->sh->chaos_done)
		usleep(10000);
	sim_teardown(&v.s);
}
