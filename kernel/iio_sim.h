/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iio-sim: simulated IIO devices whose buffers implement the IIO DMABUF
 * interface and read(). Private interfaces between the files of the module:
 *
 *   sim_main.c    module init/exit, parent device and platform driver
 *   sim_adc.c     the sim-adc IIO device: channels, waveforms, loopback
 *   sim_dac.c     the sim-dac IIO device: consumed-data accounting
 *   sim_dev.c     what both devices share: buffer0, sampling_frequency
 *   sim_buffer.c  the IIO buffer: the DMABUF block life cycle, enable/disable
 *   sim_buffer_fileio.c  its fileio side: the ring, read() and write()
 *   sim_engine.c  the software DMA engine that moves scans to/from memory
 *
 * Symbols used by the modules built on top of iio-sim (sim-dma.ko,
 * iio-sim-dmaengine.ko) are exported GPL from iio-sim.ko.
 */
#ifndef _IIO_SIM_H_
#define _IIO_SIM_H_

#include <linux/iio/buffer.h>
#include <linux/iio/buffer_impl.h>
#include <linux/atomic.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct device;
struct dentry;
struct dma_fence;
struct iio_chan_spec;
struct iio_dev;
struct sg_table;
struct sim_backend;
struct task_struct;

/**
 * struct sim_engine_ops - the device side of a software DMA engine
 * @start:	called when the buffer is enabled, before the first @xfer;
 *		@scan_mask is the buffer's active scan mask
 * @xfer:	move @nscans scans, the first one with sequence number @seq,
 *		between the device and @data (device to @data for an input
 *		buffer, @data to device for an output buffer)
 * @avail:	optional: scans the device can move now, or U64_MAX when it
 *		follows the engine's own clock. A device that returns less
 *		clocks the engine itself: no pacing, no drops (loopback)
 * @drop:	optional: @nscans scans fell due with no memory offered
 */
struct sim_engine_ops {
	int (*start)(void *priv, const unsigned long *scan_mask);
	void (*xfer)(void *priv, void *data, u64 seq, unsigned int nscans);
	u64 (*avail)(void *priv);
	void (*drop)(void *priv, u64 nscans);
};

/**
 * struct sim_mem_ops - the memory side of a software DMA engine
 * @peek:	the memory to move the next scans to or from: sets *@data and
 *		returns the bytes available there, 0 if there is none. A
 *		return > 0 opens a move that the next @advance closes (a
 *		memory side may hold a lock across it)
 * @advance:	@bytes (at most what @peek returned) were moved at *@data
 * @ready:	whether @peek would find memory now
 * @complete_due: optional: complete delayed completions that are due;
 *		returns nanoseconds until the next one, 0 if none is left
 *
 * All are called by the engine thread only. The memory side wakes the
 * engine with sim_engine_kick() when memory comes.
 */
struct sim_mem_ops {
	size_t (*peek)(void *mem, void **data);
	void (*advance)(void *mem, size_t bytes);
	bool (*ready)(void *mem);
	u64 (*complete_due)(void *mem);
};

/**
 * struct sim_engine - software DMA engine: one per device
 * @ops:	device callbacks
 * @priv:	argument of the device callbacks
 * @mem_ops:	memory side: a sim_buffer, or a sim-dma channel
 * @mem:	argument of the memory side
 * @input:	moves scans from the device to memory (else the reverse)
 * @scan_bytes:	bytes per scan, set at start
 * @task:	the engine thread, only while the buffer is enabled
 * @wq:		wakes the thread: new request, fileio space, rate change
 * @rate:	scans per second; 0 runs unthrottled
 * @rate_gen:	incremented on every change of @rate
 * @overruns:	scans dropped since the last enable (underruns for output)
 * @stall:	fault injection: move nothing and complete nothing until cleared
 * @seq:	sequence number of the next scan, owned by the thread
 * @split:	one scan that straddles two DMABUF blocks (a block whose
 *		size is not a multiple of the scan size), owned by the thread
 * @split_seq:	sequence number of the scan in @split
 * @split_off:	bytes of @split already moved; 0 when no scan is split
 */
struct sim_engine {
	const struct sim_engine_ops *ops;
	void *priv;
	const struct sim_mem_ops *mem_ops;
	void *mem;
	bool input;
	size_t scan_bytes;
	struct task_struct *task;
	wait_queue_head_t wq;
	u32 rate;
	atomic_t rate_gen;
	atomic64_t overruns;
	bool stall;
	u64 seq;
	u8 *split;
	u64 split_seq;
	size_t split_off;
};

/**
 * enum sim_block_state - where an attached DMABUF's block is, as in
 * mainline's industrialio-buffer-dma
 * @SIM_BLOCK_DONE:	userspace's: no transfer pending, may be enqueued
 * @SIM_BLOCK_QUEUED:	enqueued while the buffer is disabled: on
 *			sim_buffer.incoming, submitted at the next enable
 * @SIM_BLOCK_ACTIVE:	the engine's: on sim_buffer.active (waiting, being
 *			moved, or repeating if cyclic) or on sim_buffer.done
 *			(moved, completion delayed)
 */
enum sim_block_state {
	SIM_BLOCK_DONE,
	SIM_BLOCK_QUEUED,
	SIM_BLOCK_ACTIVE,
};

/**
 * struct sim_block - an attached DMABUF: one block, one transfer at a time
 *
 * Set at attach, constant until detach (which runs only in state DONE: a
 * pending fence holds the attachment):
 * @sb:		the buffer it is attached to
 * @attach:	the dma-buf attachment
 * @map:	kernel mapping of the whole DMABUF, from dma_buf_vmap()
 *
 * Protected by sim_buffer.list_lock:
 * @state:	see enum sim_block_state
 * @entry:	in sim_buffer.incoming, .active or .done, by @state
 *
 * Set by enqueue while the block is DONE, then owned by whoever holds it
 * (the queue lock holder while QUEUED, the engine thread while ACTIVE):
 * @fence:	the core's fence, with a reference of our own
 * @size:	bytes to transfer, from offset 0 of the DMABUF
 * @offset:	bytes transferred so far (engine only)
 * @cyclic:	restart at offset 0 when done (output buffers), unless
 *		another block is active behind it
 * @started:	the engine took it up (fault injection decided)
 * @status:	completion status, while on sim_buffer.done
 * @due:	ktime_get_ns() time of completion, while on sim_buffer.done
 */
struct sim_block {
	struct sim_buffer *sb;
	struct dma_buf_attachment *attach;
	struct iosys_map map;
	enum sim_block_state state;
	struct list_head entry;
	struct dma_fence *fence;
	size_t size;
	size_t offset;
	bool cyclic;
	bool started;
	int status;
	u64 due;
};

/**
 * enum sim_buffer_mode - what the engine fills while the buffer is enabled
 * @SIM_MODE_FILEIO:	the ring that read() drains
 * @SIM_MODE_DMABUF:	the active DMABUF blocks
 */
enum sim_buffer_mode {
	SIM_MODE_FILEIO,
	SIM_MODE_DMABUF,
};

/**
 * struct sim_buffer - an IIO buffer served by a software DMA engine
 * @buffer:	the IIO buffer; first member
 * @dma_dev:	device DMABUFs are attached to (get_dma_dev)
 * @lock:	queue lock (lock_queue): @enabled, @dead, @mode, @attached,
 *		@scan_bytes, and the QUEUED -> ACTIVE moves of enable
 * @list_lock:	protects @incoming, @active, @done and every block's state
 *		and entry; the only lock the engine thread takes
 * @incoming:	FIFO of QUEUED blocks, enqueued while disabled
 * @active:	FIFO of ACTIVE blocks; the head is the one the engine moves
 * @done:	FIFO of ACTIVE blocks whose completion is delayed
 * @fail_count:	fault injection: fail this many next DMABUF transfers
 * @fail_errno:	fault injection: with this errno (positive; EIO if invalid)
 * @delay_ms:	fault injection: delay each completion by this long
 * @debugfs:	the buffer's debugfs directory, or NULL
 * @enabled:	the buffer is enabled
 * @dead:	the device is torn down: attach/enqueue fail with -ENODEV
 * @mode:	how the engine is fed while enabled
 * @attached:	number of attached DMABUFs
 * @scan_bytes:	bytes per scan, fixed while enabled
 * @read_lock:	serialises read() against (re)allocation of @ring
 * @ring:	fileio ring buffer
 * @ring_size:	size of @ring in bytes, a multiple of @scan_bytes
 * @head:	bytes ever produced into @ring (written by the producer)
 * @tail:	bytes ever consumed from @ring (written by the consumer)
 * @engine:	the DMA engine
 */
struct sim_buffer {
	struct iio_buffer buffer;
	struct device *dma_dev;
	struct mutex lock;		/* the queue lock, see above */
	spinlock_t list_lock;		/* block lists and states */
	struct list_head incoming;
	struct list_head active;
	struct list_head done;
	atomic_t fail_count;
	u32 fail_errno;
	u32 delay_ms;
	struct dentry *debugfs;
	bool enabled;
	bool dead;
	enum sim_buffer_mode mode;
	unsigned int attached;
	size_t scan_bytes;
	struct mutex read_lock;		/* read() against ring setup; outside lock */
	void *ring;
	size_t ring_size;
	size_t head;
	size_t tail;
	struct sim_engine engine;
};

static inline struct sim_buffer *to_sim_buffer(struct iio_buffer *buffer)
{
	return container_of(buffer, struct sim_buffer, buffer);
}

/*
 * Whether DMABUFs are attached through the open buffer fd: the core's list of
 * attachments, which DETACH and close() empty at once. sb->attached also
 * counts attachments of a closed fd that wait for the core's deferred
 * cleanup (system_wq) of their last transfers; those must not decide the
 * mode of the next user. A lockless hint (list_empty() reads once); taking
 * dmabufs_mutex here would invert the core's lock order.
 */
static inline bool sim_buffer_fd_attached(struct sim_buffer *sb)
{
	return !list_empty(&sb->buffer.dmabufs);
}

/*
 * DMABUF use: DMABUFs attached through the fd, or enabled in DMABUF mode.
 * read()/write() are refused then, and poll() never reports the fd ready.
 */
static inline bool sim_buffer_dmabuf_busy(struct sim_buffer *sb)
{
	return sim_buffer_fd_attached(sb) ||
	       (READ_ONCE(sb->enabled) && READ_ONCE(sb->mode) == SIM_MODE_DMABUF);
}

/* sim_buffer.c */
struct sim_buffer *sim_buffer_alloc(struct device *dma_dev,
				    enum iio_buffer_direction dir, bool dmabuf,
				    const struct sim_engine_ops *ops,
				    void *priv);
void sim_buffer_kill(struct sim_buffer *sb);
void sim_buffer_wait_all_released(void);
void sim_buffer_debugfs_init(struct sim_buffer *sb, struct dentry *parent);

/* sim_buffer_fileio.c */
size_t sim_fileio_peek(struct sim_buffer *sb, void **data);
void sim_fileio_advance(struct sim_buffer *sb, size_t bytes);
int sim_fileio_enable(struct sim_buffer *sb);
void sim_fileio_disable(struct sim_buffer *sb);
int sim_buffer_read(struct iio_buffer *buffer, size_t n, char __user *buf);
int sim_buffer_write(struct iio_buffer *buffer, size_t n,
		     const char __user *buf);
size_t sim_buffer_space_available(struct iio_buffer *buffer);
size_t sim_buffer_data_available(struct iio_buffer *buffer);

/* sim_engine.c */
void sim_engine_init(struct sim_engine *eng, const struct sim_engine_ops *ops,
		     void *priv, bool input);
void sim_engine_set_mem(struct sim_engine *eng, const struct sim_mem_ops *ops,
			void *mem);
void sim_engine_free(struct sim_engine *eng);
int sim_engine_start(struct sim_engine *eng, const unsigned long *scan_mask,
		     size_t scan_bytes);
void sim_engine_stop(struct sim_engine *eng);
void sim_engine_set_rate(struct sim_engine *eng, u32 rate);
u32 sim_engine_get_rate(struct sim_engine *eng);
void sim_engine_kick(struct sim_engine *eng);

/**
 * struct sim_line - the wire from a sim-dac's output to its sim-adc's input
 * @lock:	protects the other members
 * @on:		loopback is on (sim-adc's "loopback" attribute)
 * @fifo:	DAC scans played and not yet captured, 2 channels of s16
 * @head:	scans ever played into @fifo
 * @tail:	scans ever captured from @fifo
 * @adc:	engine to wake when scans arrive
 */
struct sim_line {
	spinlock_t lock;	/* see above */
	bool on;
	u32 *fifo;
	u64 head;
	u64 tail;
	struct sim_engine *adc;
};

#define SIM_LINE_SCANS	SZ_256K

/* sim_main.c */
#define SIM_MAX_PAIRS	16

struct sim_pairs;
struct dentry *sim_debugfs_root(void);
struct sim_pairs *sim_pairs_create(struct device *dev, unsigned int n,
				   bool dmabuf,
				   const struct sim_backend *backend);
void sim_pairs_destroy(struct sim_pairs *ps);

struct sim_dev;

/**
 * struct sim_backend - another buffer implementation for the devices
 * @name:	what the device's buffer_impl attribute shows
 * @setup:	give @sd->indio_dev its buffer0 (direction @dir) and set
 *		@sd->eng, an engine with the device side @ops (argument: the
 *		device's private data); before registration. Returns 0 or a
 *		negative errno, having undone what it did
 * @teardown:	undo @setup, after the device's unregistration
 * @debugfs_init: optional: add files to @sd->debugfs, after registration
 *
 * iio-sim's own buffer (struct sim_buffer) is the default; the modules
 * built on iio-sim add others (iio-sim-dmaengine.ko: mainline's).
 */
struct sim_backend {
	const char *name;
	int (*setup)(struct sim_dev *sd, enum iio_buffer_direction dir,
		     const struct sim_engine_ops *ops);
	void (*teardown)(struct sim_dev *sd);
	void (*debugfs_init)(struct sim_dev *sd);
};

/**
 * struct sim_dev - what every simulated device has: the first member of its
 * iio_priv() data, so that the shared iio_info callbacks find it
 * @indio_dev:	the IIO device
 * @sb:		its buffer, buffer0, if served by iio-sim's own buffer
 * @eng:	the engine that moves its scans (its converter)
 * @backend:	the buffer implementation, NULL for iio-sim's own
 * @backend_priv: the backend's data
 * @debugfs:	its debugfs directory, iio-sim/iio:deviceN
 */
struct sim_dev {
	struct iio_dev *indio_dev;
	struct sim_buffer *sb;
	struct sim_engine *eng;
	const struct sim_backend *backend;
	void *backend_priv;
	struct dentry *debugfs;
};

/* sim_dev.c: the buffer_impl attribute of every device */
extern struct iio_dev_attr iio_dev_attr_buffer_impl;

/*
 * A channel of a simulated device: voltage @_chan, scan index @_index,
 * output if @_out, le:s16/16>>0, sampling_frequency shared by all.
 */
#define SIM_CHAN(_chan, _index, _out) {					\
	.type = IIO_VOLTAGE,						\
	.indexed = 1,							\
	.output = (_out),						\
	.channel = (_chan),						\
	.info_mask_shared_by_all = BIT(IIO_CHAN_INFO_SAMP_FREQ),	\
	.scan_index = (_index),						\
	.scan_type = {							\
		.sign = 's',						\
		.realbits = 16,						\
		.storagebits = 16,					\
		.shift = 0,						\
		.endianness = IIO_LE,					\
	},								\
}

/* sim_dev.c */
int sim_dev_read_raw(struct iio_dev *indio_dev,
		     struct iio_chan_spec const *chan,
		     int *val, int *val2, long mask);
int sim_dev_write_raw(struct iio_dev *indio_dev,
		      struct iio_chan_spec const *chan,
		      int val, int val2, long mask);
int sim_dev_write_raw_get_fmt(struct iio_dev *indio_dev,
			      struct iio_chan_spec const *chan, long mask);
int sim_dev_register(struct sim_dev *sd, struct device *parent,
		     enum iio_buffer_direction dir, bool dmabuf,
		     const struct sim_engine_ops *ops, u32 rate);
ssize_t sim_dev_overruns_show(struct device *dev,
			      struct device_attribute *attr, char *buf);
void sim_dev_destroy(struct sim_dev *sd);

/* sim_adc.c */
struct sim_adc;
struct sim_adc *sim_adc_create(struct device *parent, bool dmabuf,
			       const char *name, struct sim_line *line,
			       const struct sim_backend *backend);
void sim_adc_destroy(struct sim_adc *adc);
void sim_line_play(struct sim_line *line, const __le16 *data,
		   unsigned int nscans, unsigned int nchan, const u8 *chan);

/* sim_dac.c */
struct sim_dac;
struct sim_dac *sim_dac_create(struct device *parent, bool dmabuf,
			       const char *name, struct sim_line *line,
			       const struct sim_backend *backend);
void sim_dac_destroy(struct sim_dac *dac);

#endif /* _IIO_SIM_H_ */
