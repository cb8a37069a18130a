// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim engine: a software DMA engine. One kernel thread per enabled
 * device moves scans between the device (sim_engine_ops.xfer) and the memory
 * its memory side offers (struct sim_mem_ops): iio-sim's own buffer (DMABUF
 * requests in FIFO order, or the fileio ring), or a sim-dma channel's
 * descriptors (sim_dma.c).
 *
 * Paced mode (rate > 0): scan number n falls due n / rate seconds after
 * enable (the thread's start). Scans that fall due while the buffer offers
 * no memory are dropped: their sequence numbers are skipped and they are
 * counted in overruns. The thread sleeps on hrtimers, in steps of about a
 * millisecond of scans whatever HZ is.
 * Unthrottled mode (rate == 0): scans are produced as fast as memory is
 * offered; nothing is ever dropped. Device-clocked mode (ops->avail returns
 * less than U64_MAX, loopback): as many scans as the device has, as memory
 * is offered; nothing is dropped either.
 *
 * For an output buffer the same holds with "consumed" for "produced": the
 * drops are underruns (scans due while nothing was queued to play).
 *
 * Fault injection: while eng->stall is set the thread moves and completes
 * nothing (time stands still for the device: pacing restarts on release);
 * stopping the engine still works.
 *
 * The memory is a byte stream: a DMABUF block may end inside a scan. The
 * engine then moves that scan through eng->split, the first bytes into the
 * block that ends, the rest into the next one.
 *
 * The thread signals DMABUF fences, so it never sleeps on a lock that is
 * held while waiting for a fence or allocating memory.
 */

#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>

#include "iio_sim.h"

/* Largest piece moved at once, to stay responsive to stop requests. */
#define SIM_ENGINE_CHUNK	(256 * 1024)

struct sim_engine_pace {
	int gen;
	u32 rate;
	u64 t0;		/* ns, when scan 0 of this pace fell due */
	u64 done;	/* scans produced or dropped since t0 */
	u64 due_in;	/* ns until the next delayed completion, 0: none */
};

/* An hrtimer timeout for the engine's waits: @ns, or none if 0. */
static ktime_t sim_engine_timeout(u64 ns)
{
	return ns ? ns_to_ktime(ns) : KTIME_MAX;
}

/* Scans the device can move now: U64_MAX unless it clocks the engine. */
static u64 sim_engine_device_avail(struct sim_engine *eng)
{
	return eng->ops->avail ? eng->ops->avail(eng->priv) : U64_MAX;
}

static size_t sim_engine_peek(struct sim_engine *eng, void **data)
{
	return eng->mem_ops->peek(eng->mem, data);
}

static void sim_engine_advance(struct sim_engine *eng, size_t bytes)
{
	eng->mem_ops->advance(eng->mem, bytes);
}

static bool sim_engine_ready(struct sim_engine *eng)
{
	return eng->mem_ops->ready(eng->mem);
}

static u64 sim_engine_complete_due(struct sim_engine *eng)
{
	if (!eng->mem_ops->complete_due)
		return 0;
	return eng->mem_ops->complete_due(eng->mem);
}

/*
 * Start a scan that straddles two blocks: the first @avail bytes of it go
 * to or come from @data, the end of a block. The scan counts as moved now.
 */
static void sim_engine_split_start(struct sim_engine *eng, void *data,
				   size_t avail)
{
	eng->split_seq = eng->seq++;
	if (eng->input) {
		eng->ops->xfer(eng->priv, eng->split, eng->split_seq, 1);
		memcpy(data, eng->split, avail);
	} else {
		memcpy(eng->split, data, avail);
	}
	eng->split_off = avail;
	sim_engine_advance(eng, avail);
}

/* Go on with a split scan at @data, the start of the next block. */
static void sim_engine_split_continue(struct sim_engine *eng, void *data,
				      size_t avail)
{
	size_t scan = eng->scan_bytes;
	size_t n = min(avail, scan - eng->split_off);

	if (eng->input)
		memcpy(data, eng->split + eng->split_off, n);
	else
		memcpy(eng->split + eng->split_off, data, n);
	eng->split_off += n;
	if (eng->split_off == scan) {
		if (!eng->input)
			eng->ops->xfer(eng->priv, eng->split, eng->split_seq, 1);
		eng->split_off = 0;
	}
	sim_engine_advance(eng, n);
}

/* Move up to @max (> 0) scans; returns the number moved, 0 if no memory. */
static u64 sim_engine_move(struct sim_engine *eng, u64 max)
{
	size_t scan = eng->scan_bytes;
	void *data;
	size_t avail;
	u64 n;

	for (;;) {
		avail = sim_engine_peek(eng, &data);
		if (!avail)
			return 0;
		if (!eng->split_off)
			break;
		sim_engine_split_continue(eng, data, avail);
	}

	n = min3((u64)(avail / scan), (u64)(SIM_ENGINE_CHUNK / scan), max);
	if (!n) {
		/* less than a scan left in this block */
		sim_engine_split_start(eng, data, avail);
		return 1;
	}

	eng->ops->xfer(eng->priv, data, eng->seq, n);
	eng->seq += n;
	sim_engine_advance(eng, n * scan);
	return n;
}

/* Unthrottled or device-clocked: move up to @max scans, else wait. */
static void sim_engine_run_free(struct sim_engine *eng,
				struct sim_engine_pace *pace, u64 max)
{
	if (max && sim_engine_move(eng, max)) {
		cond_resched();
		return;
	}

	/* the move may have finished requests (injected failures) */
	pace->due_in = sim_engine_complete_due(eng);
	wait_event_interruptible_hrtimeout(eng->wq, kthread_should_stop() ||
					   READ_ONCE(eng->stall) ||
					   atomic_read(&eng->rate_gen) != pace->gen ||
					   (sim_engine_ready(eng) &&
					    sim_engine_device_avail(eng)),
					   sim_engine_timeout(pace->due_in));
}

static void sim_engine_run_paced(struct sim_engine *eng,
				 struct sim_engine_pace *pace)
{
	u64 now = ktime_get_ns();
	u64 due = mul_u64_u32_div(now - pace->t0, pace->rate, NSEC_PER_SEC);
	u64 step = max(pace->rate / 1000, 1U);
	u64 moved, wake;

	while (due > pace->done) {
		moved = sim_engine_move(eng, due - pace->done);
		if (!moved) {
			/* a stall set meanwhile: time stands still, no drop */
			if (READ_ONCE(eng->stall))
				break;
			/* no memory offered: drop what is due */
			atomic64_add(due - pace->done, &eng->overruns);
			if (eng->ops->drop)
				eng->ops->drop(eng->priv, due - pace->done);
			eng->seq += due - pace->done;
			pace->done = due;
			/* the rest of a split scan is lost with them */
			eng->split_off = 0;
			break;
		}
		pace->done += moved;
		if (kthread_should_stop())
			return;
	}

	/* Sleep until the next step (about a millisecond of scans) is due. */
	wake = pace->t0 + mul_u64_u32_div(pace->done + step, NSEC_PER_SEC,
					  pace->rate);
	now = ktime_get_ns();
	pace->due_in = sim_engine_complete_due(eng);
	if (pace->due_in)
		wake = min(wake, now + pace->due_in);
	if (wake <= now) {
		cond_resched();
		return;
	}
	wait_event_interruptible_hrtimeout(eng->wq, kthread_should_stop() ||
					   READ_ONCE(eng->stall) ||
					   atomic_read(&eng->rate_gen) != pace->gen,
					   sim_engine_timeout(wake - now));
}

static int sim_engine_thread(void *arg)
{
	struct sim_engine *eng = arg;
	struct sim_engine_pace pace = { .gen = atomic_read(&eng->rate_gen) - 1 };

	while (!kthread_should_stop()) {
		int gen = atomic_read(&eng->rate_gen);
		u64 avail;

		if (READ_ONCE(eng->stall)) {
			wait_event_interruptible(eng->wq, kthread_should_stop() ||
						 !READ_ONCE(eng->stall));
			pace.gen = gen - 1;	/* restart pacing from now */
			continue;
		}

		if (gen != pace.gen) {
			pace.gen = gen;
			pace.rate = READ_ONCE(eng->rate);
			pace.t0 = ktime_get_ns();
			pace.done = 0;
		}

		pace.due_in = sim_engine_complete_due(eng);
		avail = sim_engine_device_avail(eng);
		if (avail != U64_MAX)
			sim_engine_run_free(eng, &pace, avail);
		else if (pace.rate)
			sim_engine_run_paced(eng, &pace);
		else
			sim_engine_run_free(eng, &pace, U64_MAX);
	}
	return 0;
}

/**
 * sim_engine_init() - initialise an engine, stopped, unthrottled
 * @eng:	the engine
 * @ops:	device callbacks
 * @priv:	argument of @ops
 * @input:	the device produces scans (else it consumes them)
 *
 * The memory side is set with sim_engine_set_mem() before the first start.
 */
void sim_engine_init(struct sim_engine *eng, const struct sim_engine_ops *ops,
		     void *priv, bool input)
{
	eng->ops = ops;
	eng->priv = priv;
	eng->input = input;
	init_waitqueue_head(&eng->wq);
	atomic_set(&eng->rate_gen, 0);
	atomic64_set(&eng->overruns, 0);
}
EXPORT_SYMBOL_GPL(sim_engine_init);

/**
 * sim_engine_set_mem() - set the memory side of a stopped engine
 * @eng:	the engine
 * @ops:	memory callbacks
 * @mem:	argument of @ops
 */
void sim_engine_set_mem(struct sim_engine *eng, const struct sim_mem_ops *ops,
			void *mem)
{
	eng->mem_ops = ops;
	eng->mem = mem;
}
EXPORT_SYMBOL_GPL(sim_engine_set_mem);

/**
 * sim_engine_free() - free what the engine allocated
 * @eng:	the engine, stopped
 */
void sim_engine_free(struct sim_engine *eng)
{
	kfree(eng->split);
	eng->split = NULL;
}
EXPORT_SYMBOL_GPL(sim_engine_free);

/**
 * sim_engine_start() - start moving scans, from sequence number 0
 * @eng:	the engine, stopped
 * @scan_mask:	active scan mask of the buffer
 * @scan_bytes:	bytes per scan
 *
 * Return: 0, or a negative errno from the device or the thread creation.
 */
int sim_engine_start(struct sim_engine *eng, const unsigned long *scan_mask,
		     size_t scan_bytes)
{
	struct task_struct *task;
	u8 *split;
	int ret;

	ret = eng->ops->start(eng->priv, scan_mask);
	if (ret)
		return ret;

	split = krealloc(eng->split, scan_bytes, GFP_KERNEL);
	if (!split)
		return -ENOMEM;
	eng->split = split;
	eng->scan_bytes = scan_bytes;
	eng->split_off = 0;
	eng->seq = 0;
	atomic64_set(&eng->overruns, 0);

	task = kthread_run(sim_engine_thread, eng, "iio-sim-engine");
	if (IS_ERR(task))
		return PTR_ERR(task);
	eng->task = task;
	return 0;
}
EXPORT_SYMBOL_GPL(sim_engine_start);

/**
 * sim_engine_stop() - stop the engine thread and wait until it stopped
 * @eng:	the engine
 *
 * When this returns, the engine does not touch any buffer memory.
 */
void sim_engine_stop(struct sim_engine *eng)
{
	if (!eng->task)
		return;
	kthread_stop(eng->task);
	eng->task = NULL;
}
EXPORT_SYMBOL_GPL(sim_engine_stop);

/**
 * sim_engine_set_rate() - set the scan rate
 * @eng:	the engine
 * @rate:	scans per second, 0 for unthrottled
 *
 * Takes effect at once, also while running: pacing restarts from now.
 */
void sim_engine_set_rate(struct sim_engine *eng, u32 rate)
{
	WRITE_ONCE(eng->rate, rate);
	atomic_inc(&eng->rate_gen);
	wake_up(&eng->wq);
}
EXPORT_SYMBOL_GPL(sim_engine_set_rate);

/**
 * sim_engine_get_rate() - the scan rate
 * @eng:	the engine
 *
 * Return: scans per second, 0 for unthrottled.
 */
u32 sim_engine_get_rate(struct sim_engine *eng)
{
	return READ_ONCE(eng->rate);
}

/**
 * sim_engine_kick() - the buffer may offer memory now
 * @eng:	the engine
 */
void sim_engine_kick(struct sim_engine *eng)
{
	wake_up(&eng->wq);
}
EXPORT_SYMBOL_GPL(sim_engine_kick);
