// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim buffer, fileio side: the ring of buffer0/length scans that the
 * engine fills and read() drains (input), or that write() fills and the
 * engine plays (output), used while the buffer is not in DMABUF use.
 *
 * The ring has one producer and one consumer; each publishes its index with
 * a release store after touching the data and reads the other's with an
 * acquire load. sb->read_lock serialises read()/write() against the ring's
 * (re)allocation; it nests outside the queue lock (see sim_buffer.c).
 */

#include <linux/iio/iio.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iio_sim.h"

/* A ring larger than this fails with -ENOMEM when fileio sets it up. */
#define SIM_RING_MAX_BYTES	SZ_1G

/* Bytes in the ring. */
static size_t sim_ring_used(struct sim_buffer *sb)
{
	/* pairs with the release stores in advance and read */
	return smp_load_acquire(&sb->head) - smp_load_acquire(&sb->tail);
}

/* (Re)allocate and empty the fileio ring. */
static int sim_fileio_ring_setup(struct sim_buffer *sb, size_t scan_bytes)
{
	size_t size = (size_t)sb->buffer.length * scan_bytes;

	lockdep_assert_held(&sb->read_lock);
	sb->scan_bytes = scan_bytes;
	if (size != sb->ring_size) {
		kvfree(sb->ring);
		sb->ring = NULL;
		sb->ring_size = 0;
		if (size > SIM_RING_MAX_BYTES)
			return -ENOMEM;
		sb->ring = kvzalloc(size, GFP_KERNEL);
		if (!sb->ring)
			return -ENOMEM;
		sb->ring_size = size;
	}
	sb->head = 0;
	sb->tail = 0;
	return 0;
}

/**
 * sim_fileio_peek() - the ring memory the engine may move scans to or from
 * @sb:		the buffer, enabled in fileio mode
 * @data:	set to the start of that memory
 *
 * Return: bytes available at @data, a multiple of the scan size: free space
 * for an input buffer, whole scans written for an output one.
 */
size_t sim_fileio_peek(struct sim_buffer *sb, void **data)
{
	size_t pos, avail = sim_ring_used(sb);

	if (sb->buffer.direction == IIO_BUFFER_DIRECTION_IN) {
		avail = sb->ring_size - avail;
		pos = sb->head % sb->ring_size;
	} else {
		/* write() stores any number of bytes: whole scans only */
		avail -= avail % sb->scan_bytes;
		pos = sb->tail % sb->ring_size;
	}
	*data = sb->ring + pos;
	return min(avail, sb->ring_size - pos);
}

/**
 * sim_fileio_advance() - the engine moved @bytes at the memory last peeked
 * @sb:		the buffer
 * @bytes:	bytes moved
 */
void sim_fileio_advance(struct sim_buffer *sb, size_t bytes)
{
	struct iio_buffer *buffer = &sb->buffer;

	if (buffer->direction == IIO_BUFFER_DIRECTION_IN) {
		/* publish the scans written, pairs with sim_ring_used() */
		smp_store_release(&sb->head, sb->head + bytes);
		if (sim_ring_used(sb) >= buffer->watermark * sb->scan_bytes)
			wake_up(&buffer->pollq);
	} else {
		/* release the space read, pairs with sim_ring_used() */
		smp_store_release(&sb->tail, sb->tail + bytes);
		wake_up(&buffer->pollq);
	}
}

/**
 * sim_fileio_enable() - set the ring up for an enable in fileio mode
 * @sb:		the buffer; read_lock held
 *
 * An input ring starts empty; an output ring keeps what write() stored
 * while disabled, as long as length and the scan size did not change.
 *
 * Return: 0 or -ENOMEM.
 */
int sim_fileio_enable(struct sim_buffer *sb)
{
	struct iio_buffer *buffer = &sb->buffer;
	size_t scan = buffer->bytes_per_datum;

	lockdep_assert_held(&sb->read_lock);
	if (buffer->direction == IIO_BUFFER_DIRECTION_OUT && sb->ring &&
	    sb->scan_bytes == scan &&
	    sb->ring_size == (size_t)buffer->length * scan)
		return 0;
	return sim_fileio_ring_setup(sb, scan);
}

/**
 * sim_fileio_disable() - the buffer was disabled: unplayed output goes
 * @sb:		the buffer; read_lock held
 */
void sim_fileio_disable(struct sim_buffer *sb)
{
	lockdep_assert_held(&sb->read_lock);
	if (sb->buffer.direction == IIO_BUFFER_DIRECTION_OUT && sb->ring) {
		/* pairs with sim_ring_used() */
		smp_store_release(&sb->tail, sb->head);
	}
}

/*
 * Whether a write() on a disabled buffer may set the ring up anew: only when
 * nothing written is waiting in it (otherwise enable sets it up).
 */
static bool sim_fileio_ring_used_empty(struct sim_buffer *sb)
{
	return !sb->ring || !sim_ring_used(sb);
}

int sim_buffer_read(struct iio_buffer *buffer, size_t n, char __user *buf)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	size_t used, pos, chunk, done = 0;
	int ret = 0;

	if (sim_buffer_dmabuf_busy(sb))
		return -EBUSY;

	guard(mutex)(&sb->read_lock);

	if (!sb->ring || n < sb->scan_bytes)
		return -EINVAL;

	used = sim_ring_used(sb);
	n = min(n - n % sb->scan_bytes, used);
	while (done < n) {
		pos = (sb->tail + done) % sb->ring_size;
		chunk = min(n - done, sb->ring_size - pos);
		if (copy_to_user(buf + done, sb->ring + pos, chunk)) {
			ret = -EFAULT;
			break;
		}
		done += chunk;
	}

	if (done) {
		/* release the space read, pairs with sim_ring_used() */
		smp_store_release(&sb->tail, sb->tail + done);
		sim_engine_kick(&sb->engine);
		return done;
	}
	return ret;
}

/*
 * write() on an output buffer: stores what fits of @n bytes in the ring (at
 * least one scan's worth when space_available said so). Works while the
 * buffer is disabled too, so that playback starts with data: the ring is
 * kept at enable as long as length and the scan size did not change.
 */
int sim_buffer_write(struct iio_buffer *buffer, size_t n,
		     const char __user *buf)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	size_t free, pos, chunk, done = 0;
	size_t scan = buffer->bytes_per_datum;
	int ret = 0;

	if (sim_buffer_dmabuf_busy(sb))
		return -EBUSY;

	guard(mutex)(&sb->read_lock);

	if (!scan)
		return -EINVAL;
	if (!READ_ONCE(sb->enabled) &&
	    (!sb->ring || sb->scan_bytes != scan ||
	     sb->ring_size != (size_t)buffer->length * scan) &&
	    sim_fileio_ring_used_empty(sb)) {
		ret = sim_fileio_ring_setup(sb, scan);
		if (ret)
			return ret;
	}
	if (!sb->ring)
		return -EINVAL;

	free = sb->ring_size - sim_ring_used(sb);
	n = min(n, free);
	while (done < n) {
		pos = (sb->head + done) % sb->ring_size;
		chunk = min(n - done, sb->ring_size - pos);
		if (copy_from_user(sb->ring + pos, buf + done, chunk)) {
			ret = -EFAULT;
			break;
		}
		done += chunk;
	}

	if (done) {
		/* publish the data written, pairs with sim_ring_used() */
		smp_store_release(&sb->head, sb->head + done);
		sim_engine_kick(&sb->engine);
		return done;
	}
	return ret;
}

/* Scans that write() can store now, for the core's write() and poll(). */
size_t sim_buffer_space_available(struct iio_buffer *buffer)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);
	size_t scan;

	/*
	 * In DMABUF use no room ever comes, as in mainline: poll() does not
	 * report POLLOUT, write() waits or fails with -EAGAIN.
	 */
	if (sim_buffer_dmabuf_busy(sb))
		return 0;

	guard(mutex)(&sb->read_lock);
	scan = buffer->bytes_per_datum;
	/*
	 * No scan size before the first enable: claim room, so that write()
	 * fails with -EINVAL instead of waiting for room that never comes.
	 */
	if (!scan)
		return buffer->length;
	/* no ring yet, or one write() would set up anew: all of it */
	if (!sb->ring || (!READ_ONCE(sb->enabled) && sb->scan_bytes != scan))
		return buffer->length;
	return (sb->ring_size - sim_ring_used(sb)) / scan;
}

size_t sim_buffer_data_available(struct iio_buffer *buffer)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);

	/*
	 * In DMABUF use no data ever comes, as in mainline: poll() does not
	 * report POLLIN, a blocking read() waits, a non-blocking one reaches
	 * sim_buffer_read() and fails with -EBUSY.
	 */
	if (sim_buffer_dmabuf_busy(sb))
		return 0;

	guard(mutex)(&sb->read_lock);
	if (!sb->ring || !sb->scan_bytes)
		return 0;
	return sim_ring_used(sb) / sb->scan_bytes;
}
