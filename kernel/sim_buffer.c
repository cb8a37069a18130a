// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim buffer: an IIO buffer implementing the IIO DMABUF interface
 * (attach, detach, enqueue) and the classic read()/write() interface on top
 * of a software DMA engine (sim_engine.c). Direction neutral: the buffer is
 * the engine's memory side (struct sim_mem_ops): the engine asks for the next
 * piece of memory with sim_buffer_peek() and reports progress with
 * sim_buffer_advance().
 *
 * DMABUF blocks follow the life cycle of mainline's industrialio-buffer-dma
 * (see enum sim_block_state and kernel/README.md):
 *
 *   DONE --enqueue, disabled--> QUEUED --enable--> ACTIVE --moved--> DONE
 *   DONE --enqueue, enabled----------------------> ACTIVE --disable-> DONE
 *
 * - ENQUEUE of a DONE block is accepted whether the buffer is enabled or
 *   not; while it is disabled the block waits on @incoming, and enable
 *   submits the waiting blocks in order before the engine starts. ENQUEUE
 *   of a QUEUED block is -EPERM, of an ACTIVE one -EBUSY, and any ENQUEUE
 *   while the buffer is enabled in fileio mode -EBUSY.
 * - Every accepted transfer is completed exactly once: with 0 when the
 *   engine moved it; with -EINTR when the buffer is disabled before that
 *   (blocks QUEUED while disabled stay queued); with -ENODEV if it is still
 *   QUEUED when the device is torn down.
 * - The data is a byte stream: a block whose size is not a multiple of the
 *   scan size ends inside a scan, and the next block starts with the rest
 *   of it (the engine splits the scan).
 * - read()/write() work only in fileio mode: when no DMABUF is attached.
 * - Output: a cyclic block repeats while it is the only active one; once
 *   another is active behind it, it ends at the end of its current period
 *   and completes with 0.
 * - Fault injection (debugfs): the next fail_count blocks the engine takes
 *   up complete at once with -fail_errno, untouched; delay_ms delays every
 *   completion (in FIFO order); the engine's stall flag stops everything.
 *   Disable still ends all of them.
 * - Once the device is torn down, ATTACH and ENQUEUE fail with -ENODEV.
 *
 * Locking: sb->lock is the queue lock (lock_queue/unlock_queue). The core
 * takes it with the DMABUF's reservation lock held, so it is never held
 * while taking a reservation lock or waiting on a fence. The engine thread
 * signals fences and therefore never takes sb->lock: it only uses
 * sb->list_lock, a spinlock around the block lists and states. sb->read_lock
 * (held across copy_to_user() in read()) nests outside sb->lock.
 *
 * Memory: the engine is the CPU, so the DMA device is coherent (see
 * sim_main.c) and nothing here does cache maintenance; a mapping that
 * swiotlb would bounce is refused at ATTACH (the CPU would write the
 * original pages while syncs copy the bounce buffer over them).
 */

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "iio_sim.h"

/*
 * buffer0/length, the fileio ring's size in scans: any length from 1, as in
 * mainline (libiio writes its DMABUF block size in bytes there).
 */
#define SIM_BUFFER_DEF_LENGTH	SZ_256K

/* Buffers not released yet; module exit waits for zero. */
static atomic_t sim_buffers_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(sim_buffers_wq);

static inline struct sim_block *to_sim_block(struct iio_dma_buffer_block *b)
{
	return (struct sim_block *)b;
}

/*
 * Complete an ACTIVE or QUEUED block that is off every list: the engine does
 * not touch its pages any more. Runs in a fence signalling path: no
 * allocation, no sleeping lock.
 */
static void sim_block_complete(struct sim_block *block, int err)
{
	struct sim_buffer *sb = block->sb;
	struct dma_fence *fence = block->fence;

	/*
	 * DONE first: an output block may be enqueued again as soon as the
	 * lock is dropped (the core does not wait for a reader's fence),
	 * which replaces block->fence, not this one.
	 */
	spin_lock(&sb->list_lock);
	block->fence = NULL;
	block->state = SIM_BLOCK_DONE;
	spin_unlock(&sb->list_lock);

	/* The block may be freed as soon as the fence is signalled. */
	iio_buffer_signal_dmabuf_done(fence, err);
	dma_fence_put(fence);
}

/*
 * The engine is done with @block, which is off the active list: complete it
 * with @err, now or, with a completion delay (or delayed ones still pending,
 * to keep FIFO order), once it is due. Engine thread only.
 */
static void sim_buffer_finish(struct sim_buffer *sb, struct sim_block *block,
			      int err)
{
	u32 delay = READ_ONCE(sb->delay_ms);
	struct sim_block *last;
	u64 due;

	spin_lock(&sb->list_lock);
	if (!delay && list_empty(&sb->done)) {
		spin_unlock(&sb->list_lock);
		sim_block_complete(block, err);
		return;
	}
	due = ktime_get_ns() + (u64)delay * NSEC_PER_MSEC;
	if (!list_empty(&sb->done)) {
		last = list_last_entry(&sb->done, struct sim_block, entry);
		due = max(due, last->due);
	}
	block->status = err;
	block->due = due;
	list_add_tail(&block->entry, &sb->done);
	spin_unlock(&sb->list_lock);
}

/*
 * sim_mem_ops.complete_due: complete the delayed blocks that are due; returns
 * nanoseconds until the next delayed completion, 0 if none is left. Called
 * by the engine thread only.
 */
static u64 sim_buffer_complete_due(void *mem)
{
	struct sim_buffer *sb = mem;
	struct sim_block *block;
	u64 now;

	for (;;) {
		spin_lock(&sb->list_lock);
		block = list_first_entry_or_null(&sb->done, struct sim_block,
						 entry);
		if (!block) {
			spin_unlock(&sb->list_lock);
			return 0;
		}
		now = ktime_get_ns();
		if (block->due > now) {
			spin_unlock(&sb->list_lock);
			return block->due - now;
		}
		list_del(&block->entry);
		spin_unlock(&sb->list_lock);
		sim_block_complete(block, block->status);
	}
}

/*
 * Disable: complete every ACTIVE block, the delayed ones with their status,
 * the others with -EINTR (mainline's abort status). The engine must be
 * stopped. QUEUED blocks stay for the next enable.
 */
static void sim_buffer_abort_active(struct sim_buffer *sb)
{
	struct sim_block *block, *tmp;
	LIST_HEAD(done);
	LIST_HEAD(active);

	spin_lock(&sb->list_lock);
	list_splice_init(&sb->done, &done);
	list_splice_init(&sb->active, &active);
	spin_unlock(&sb->list_lock);

	list_for_each_entry_safe(block, tmp, &done, entry) {
		list_del(&block->entry);
		sim_block_complete(block, block->status);
	}
	list_for_each_entry_safe(block, tmp, &active, entry) {
		list_del(&block->entry);
		sim_block_complete(block, -EINTR);
	}
}

/* The errno an injected failure completes with. */
static int sim_buffer_fail_errno(struct sim_buffer *sb)
{
	u32 err = READ_ONCE(sb->fail_errno);

	return err && err < MAX_ERRNO ? -(int)err : -EIO;
}

/* sim_buffer_peek(); @take: take up the head block (else only look) */
static size_t __sim_buffer_peek(struct sim_buffer *sb, void **data,
				bool take)
{
	struct sim_block *block;

	if (sb->mode == SIM_MODE_DMABUF) {
		for (;;) {
			spin_lock(&sb->list_lock);
			block = list_first_entry_or_null(&sb->active,
							 struct sim_block,
							 entry);
			if (!block || block->started || !take) {
				spin_unlock(&sb->list_lock);
				break;
			}
			/*
			 * A stall set since the engine last looked: take nothing
			 * up, so that fault injection decides nothing until the
			 * stall ends (tests export a fence meanwhile).
			 */
			if (READ_ONCE(sb->engine.stall)) {
				spin_unlock(&sb->list_lock);
				return 0;
			}
			block->started = true;
			if (atomic_dec_if_positive(&sb->fail_count) < 0) {
				spin_unlock(&sb->list_lock);
				break;
			}
			/* injected failure: complete it untouched */
			list_del(&block->entry);
			spin_unlock(&sb->list_lock);
			sim_buffer_finish(sb, block, sim_buffer_fail_errno(sb));
		}
		if (!block)
			return 0;
		*data = block->map.vaddr + block->offset;
		return block->size - block->offset;
	}

	return sim_fileio_peek(sb, data);
}

/*
 * sim_mem_ops.peek: memory the engine may move scans to or from next. Called
 * by the engine thread only. Takes up the head block, which an injected
 * fault may complete at once. Returns the number of bytes available at
 * @data, 0 if there is none: in fileio mode a multiple of the scan size; a
 * DMABUF block may end inside a scan.
 */
static size_t sim_buffer_peek(void *mem, void **data)
{
	return __sim_buffer_peek(mem, data, true);
}

/* sim_mem_ops.ready: whether sim_buffer_peek() would find memory */
static bool sim_buffer_ready(void *mem)
{
	void *data;

	return __sim_buffer_peek(mem, &data, false) != 0;
}

/*
 * sim_mem_ops.advance: the engine moved @bytes (at most what
 * sim_buffer_peek() returned) at the memory last peeked.
 */
static void sim_buffer_advance(void *mem, size_t bytes)
{
	struct sim_buffer *sb = mem;
	struct sim_block *block;

	if (sb->mode == SIM_MODE_DMABUF) {
		spin_lock(&sb->list_lock);
		block = list_first_entry(&sb->active, struct sim_block, entry);
		block->offset += bytes;
		if (block->offset == block->size) {
			/* a cyclic one repeats until another is active */
			if (block->cyclic && list_is_singular(&sb->active)) {
				block->offset = 0;
				block = NULL;
			} else {
				list_del(&block->entry);
			}
		} else {
			block = NULL;
		}
		spin_unlock(&sb->list_lock);
		if (block)
			sim_buffer_finish(sb, block, 0);
		return;
	}
	sim_fileio_advance(sb, bytes);
}

static const struct sim_mem_ops sim_buffer_mem_ops = {
	.peek = sim_buffer_peek,
	.advance = sim_buffer_advance,
	.ready = sim_buffer_ready,
	.complete_due = sim_buffer_complete_due,
};

/* --- DMABUF interface --------------------------------------------------- */

static struct iio_dma_buffer_block *
sim_buffer_attach_dmabuf(struct iio_buffer *buffer,
			 struct dma_buf_attachment *attach)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	struct sim_block *block;
	int ret;

	/*
	 * A bounced mapping would have the CPU engine write the original
	 * pages while every sync for the CPU copies the stale bounce buffer
	 * over them: refuse it rather than corrupt data.
	 */
	if (is_swiotlb_force_bounce(sb->dma_dev)) {
		dev_warn_ratelimited(sb->dma_dev,
				     "iio-sim: DMABUF mappings would be bounced through swiotlb; attach refused\n");
		return ERR_PTR(-EOPNOTSUPP);
	}

	/* Called with the DMABUF's reservation lock held. */
	scoped_guard(mutex, &sb->lock) {
		if (sb->dead)
			return ERR_PTR(-ENODEV);
		if (sb->enabled && sb->mode == SIM_MODE_FILEIO)
			return ERR_PTR(-EBUSY);
		if (!try_module_get(THIS_MODULE))
			return ERR_PTR(-ENODEV);
		sb->attached++;
	}

	block = kzalloc(sizeof(*block), GFP_KERNEL);
	if (!block) {
		ret = -ENOMEM;
		goto err_unreserve;
	}

	ret = dma_buf_vmap(attach->dmabuf, &block->map);
	if (ret)
		goto err_free;
	if (block->map.is_iomem) {
		ret = -EINVAL;
		goto err_vunmap;
	}

	block->sb = sb;
	block->attach = attach;
	block->state = SIM_BLOCK_DONE;
	INIT_LIST_HEAD(&block->entry);
	iio_buffer_get(buffer);
	get_device(sb->dma_dev);

	return (struct iio_dma_buffer_block *)block;

err_vunmap:
	dma_buf_vunmap(attach->dmabuf, &block->map);
err_free:
	kfree(block);
err_unreserve:
	scoped_guard(mutex, &sb->lock)
		sb->attached--;
	module_put(THIS_MODULE);
	return ERR_PTR(ret);
}

static void sim_buffer_detach_dmabuf(struct iio_buffer *buffer,
				     struct iio_dma_buffer_block *b)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	struct sim_block *block = to_sim_block(b);

	/* No transfer of this block is pending: its fence holds the attachment. */
	WARN_ON(block->state != SIM_BLOCK_DONE);
	dma_buf_vunmap_unlocked(block->attach->dmabuf, &block->map);
	kfree(block);

	scoped_guard(mutex, &sb->lock)
		sb->attached--;

	put_device(sb->dma_dev);
	iio_buffer_put(buffer);
	module_put(THIS_MODULE);
}

static int sim_buffer_enqueue_dmabuf(struct iio_buffer *buffer,
				     struct iio_dma_buffer_block *b,
				     struct dma_fence *fence,
				     struct sg_table *sgt,
				     size_t size, bool cyclic)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	struct sim_block *block = to_sim_block(b);
	int ret = 0;

	/* Queue lock held, inside a fence signalling section: no GFP_KERNEL. */
	lockdep_assert_held(&sb->lock);

	if (sb->dead)
		return -ENODEV;
	if (sb->enabled && sb->mode == SIM_MODE_FILEIO)
		return -EBUSY;

	spin_lock(&sb->list_lock);
	switch (block->state) {
	case SIM_BLOCK_QUEUED:
		ret = -EPERM;
		break;
	case SIM_BLOCK_ACTIVE:
		ret = -EBUSY;
		break;
	case SIM_BLOCK_DONE:
		block->fence = dma_fence_get(fence);
		block->size = size;
		block->offset = 0;
		block->cyclic = cyclic;
		block->started = false;
		if (sb->enabled) {
			block->state = SIM_BLOCK_ACTIVE;
			list_add_tail(&block->entry, &sb->active);
		} else {
			block->state = SIM_BLOCK_QUEUED;
			list_add_tail(&block->entry, &sb->incoming);
		}
		break;
	}
	spin_unlock(&sb->list_lock);

	if (!ret && sb->enabled)
		sim_engine_kick(&sb->engine);
	return ret;
}

static struct device *sim_buffer_get_dma_dev(struct iio_buffer *buffer)
{
	return to_sim_buffer(buffer)->dma_dev;
}

static void sim_buffer_lock_queue(struct iio_buffer *buffer)
{
	mutex_lock(&to_sim_buffer(buffer)->lock);
}

static void sim_buffer_unlock_queue(struct iio_buffer *buffer)
{
	mutex_unlock(&to_sim_buffer(buffer)->lock);
}

static int sim_buffer_set_bytes_per_datum(struct iio_buffer *buffer,
					  size_t bpd)
{
	buffer->bytes_per_datum = bpd;
	return 0;
}

static int sim_buffer_set_length(struct iio_buffer *buffer,
				 unsigned int length)
{
	if (length < 1)
		return -EINVAL;
	buffer->length = length;
	return 0;
}

/*
 * Enable: make the QUEUED blocks ACTIVE, in order (@submit); or, when the
 * engine failed to start, put them back (the engine never saw them).
 */
static void sim_buffer_submit_incoming(struct sim_buffer *sb, bool submit)
{
	struct list_head *from = submit ? &sb->incoming : &sb->active;
	struct list_head *to = submit ? &sb->active : &sb->incoming;
	struct sim_block *block;

	lockdep_assert_held(&sb->lock);
	spin_lock(&sb->list_lock);
	list_for_each_entry(block, from, entry)
		block->state = submit ? SIM_BLOCK_ACTIVE : SIM_BLOCK_QUEUED;
	list_splice_tail_init(from, to);
	spin_unlock(&sb->list_lock);
}

static int sim_buffer_enable(struct iio_buffer *buffer,
			     struct iio_dev *indio_dev)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	int ret = 0;

	/*
	 * read_lock before the queue lock: read() holds read_lock across
	 * copy_to_user() (mmap_lock), and mmap_lock nests outside dma_resv,
	 * which nests outside the queue lock.
	 */
	guard(mutex)(&sb->read_lock);
	guard(mutex)(&sb->lock);

	if (sb->dead)
		return -ENODEV;
	if (!buffer->bytes_per_datum)
		return -EINVAL;

	/* blocks queued by a closed fd's owner are played too, as in mainline */
	sb->mode = sim_buffer_fd_attached(sb) || !list_empty(&sb->incoming) ?
		   SIM_MODE_DMABUF : SIM_MODE_FILEIO;
	if (sb->mode == SIM_MODE_FILEIO) {
		ret = sim_fileio_enable(sb);
		if (ret)
			return ret;
	} else {
		sb->scan_bytes = buffer->bytes_per_datum;
		/* before the engine starts, so that scan 0 lands in the first */
		sim_buffer_submit_incoming(sb, true);
	}

	ret = sim_engine_start(&sb->engine, buffer->scan_mask, sb->scan_bytes);
	if (ret) {
		if (sb->mode == SIM_MODE_DMABUF)
			sim_buffer_submit_incoming(sb, false);
		return ret;
	}

	WRITE_ONCE(sb->enabled, true);
	return 0;
}

static int sim_buffer_disable(struct iio_buffer *buffer,
			      struct iio_dev *indio_dev)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);

	/* read_lock before the queue lock, as in enable */
	scoped_guard(mutex, &sb->read_lock) {
		scoped_guard(mutex, &sb->lock) {
			WRITE_ONCE(sb->enabled, false);
			sim_engine_stop(&sb->engine);
			sim_buffer_abort_active(sb);
		}
		sim_fileio_disable(sb);
	}
	wake_up(&buffer->pollq);
	return 0;
}

static void sim_buffer_release(struct iio_buffer *buffer)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);

	WARN_ON(!list_empty(&sb->incoming) || !list_empty(&sb->active) ||
		!list_empty(&sb->done));
	sim_engine_free(&sb->engine);
	put_device(sb->dma_dev);
	kvfree(sb->ring);
	mutex_destroy(&sb->read_lock);
	mutex_destroy(&sb->lock);
	kfree(sb);

	if (atomic_dec_and_test(&sim_buffers_live))
		wake_up(&sim_buffers_wq);
}

static ssize_t overruns_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct iio_buffer *buffer = to_iio_dev_attr(attr)->buffer;
	struct sim_buffer *sb = to_sim_buffer(buffer);

	return sysfs_emit(buf, "%llu\n",
			  (unsigned long long)atomic64_read(&sb->engine.overruns));
}

static IIO_DEVICE_ATTR_RO(overruns, 0);

/* for an output buffer: scans due while there was nothing to play */
static ssize_t underruns_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return overruns_show(dev, attr, buf);
}

static IIO_DEVICE_ATTR_RO(underruns, 0);

static const struct iio_dev_attr *sim_buffer_attrs_in[] = {
	&iio_dev_attr_overruns,
	NULL
};

static const struct iio_dev_attr *sim_buffer_attrs_out[] = {
	&iio_dev_attr_underruns,
	NULL
};

#define SIM_BUFFER_CLASSIC_OPS						\
	.read = sim_buffer_read,					\
	.write = sim_buffer_write,					\
	.space_available = sim_buffer_space_available,			\
	.data_available = sim_buffer_data_available,			\
	.set_bytes_per_datum = sim_buffer_set_bytes_per_datum,		\
	.set_length = sim_buffer_set_length,				\
	.enable = sim_buffer_enable,					\
	.disable = sim_buffer_disable,					\
	.release = sim_buffer_release,					\
	.modes = INDIO_BUFFER_HARDWARE

static const struct iio_buffer_access_funcs sim_buffer_access_dmabuf = {
	SIM_BUFFER_CLASSIC_OPS,
	.attach_dmabuf = sim_buffer_attach_dmabuf,
	.detach_dmabuf = sim_buffer_detach_dmabuf,
	.enqueue_dmabuf = sim_buffer_enqueue_dmabuf,
	.get_dma_dev = sim_buffer_get_dma_dev,
	.lock_queue = sim_buffer_lock_queue,
	.unlock_queue = sim_buffer_unlock_queue,
};

/* dmabuf=0: like a kfifo buffer, ATTACH fails with -EPERM */
static const struct iio_buffer_access_funcs sim_buffer_access_fileio = {
	SIM_BUFFER_CLASSIC_OPS,
};

/**
 * sim_buffer_alloc() - allocate a buffer and its engine
 * @dma_dev:	device DMABUFs get attached to; must have a DMA mask. The
 *		buffer holds a reference on it until released.
 * @dir:	IIO_BUFFER_DIRECTION_IN or _OUT
 * @dmabuf:	offer the DMABUF interface
 * @ops:	device side of the engine
 * @priv:	argument of @ops
 *
 * Return: the buffer with one reference, to be dropped with iio_buffer_put()
 * after sim_buffer_kill() and the device's unregistration; or an ERR_PTR().
 */
struct sim_buffer *sim_buffer_alloc(struct device *dma_dev,
				    enum iio_buffer_direction dir, bool dmabuf,
				    const struct sim_engine_ops *ops,
				    void *priv)
{
	struct sim_buffer *sb;

	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return ERR_PTR(-ENOMEM);

	iio_buffer_init(&sb->buffer);
	sb->buffer.direction = dir;
	sb->buffer.access = dmabuf ? &sim_buffer_access_dmabuf :
				     &sim_buffer_access_fileio;
	sb->buffer.attrs = dir == IIO_BUFFER_DIRECTION_IN ?
			   sim_buffer_attrs_in : sim_buffer_attrs_out;
	sb->buffer.length = SIM_BUFFER_DEF_LENGTH;
	/*
	 * The core calls get_dma_dev on an open buffer fd even after the
	 * device was unregistered, which drops the IIO device's reference on
	 * its parent: keep our own.
	 */
	sb->dma_dev = get_device(dma_dev);
	mutex_init(&sb->lock);
	mutex_init(&sb->read_lock);
	spin_lock_init(&sb->list_lock);
	INIT_LIST_HEAD(&sb->incoming);
	INIT_LIST_HEAD(&sb->active);
	INIT_LIST_HEAD(&sb->done);
	sb->fail_errno = EIO;
	sim_engine_init(&sb->engine, ops, priv, dir == IIO_BUFFER_DIRECTION_IN);
	sim_engine_set_mem(&sb->engine, &sim_buffer_mem_ops, sb);

	atomic_inc(&sim_buffers_live);
	return sb;
}

/**
 * sim_buffer_kill() - the device is going away
 * @sb:		the buffer
 *
 * From now on ATTACH, ENQUEUE and enable fail with -ENODEV, and the blocks
 * QUEUED on the disabled buffer complete with -ENODEV (mainline leaves them
 * pending forever). Call it before unregistering the IIO device, whose
 * unregistration disables the buffer and so ends every ACTIVE transfer.
 */
void sim_buffer_kill(struct sim_buffer *sb)
{
	struct sim_block *block, *tmp;
	LIST_HEAD(queued);

	guard(mutex)(&sb->lock);
	sb->dead = true;

	/* only a disabled buffer has QUEUED blocks; none can come now */
	spin_lock(&sb->list_lock);
	list_splice_init(&sb->incoming, &queued);
	spin_unlock(&sb->list_lock);
	list_for_each_entry_safe(block, tmp, &queued, entry) {
		list_del(&block->entry);
		sim_block_complete(block, -ENODEV);
	}
}

/**
 * sim_buffer_wait_all_released() - wait until every buffer was released
 *
 * A buffer is released when its last reference goes, which can be long after
 * the device was unregistered: an open buffer fd holds it. The module's code
 * must stay until then.
 */
void sim_buffer_wait_all_released(void)
{
	if (atomic_read(&sim_buffers_live))
		pr_info("iio-sim: waiting for open buffer file descriptors to be closed\n");
	wait_event_idle(sim_buffers_wq, !atomic_read(&sim_buffers_live));
}

/*
 * The dma_buf_* symbols are in namespace DMA_BUF. MODULE_IMPORT_NS() takes
 * an identifier up to 6.12 and a string literal from 6.13; both expand to
 * this line, which therefore builds on either side without a version test.
 */
MODULE_INFO(import_ns, "DMA_BUF");
