/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file iiostream.h
 * libiiostream: zero-copy block streaming over Linux IIO buffers.
 *
 * Object model (all objects are opaque):
 *
 *   iios_context   one scan of an IIO sysfs tree (default /sys/bus/iio/devices)
 *                  and a device-node root (default /dev). Owns everything below.
 *   iios_device    an IIO device (iio:deviceN), found by id, name or label.
 *   iios_buffer    one of its buffers (bufferN), in or out.
 *   iios_channel   a scan element of a buffer (in_voltage0, ...).
 *   iios_stream    an open buffer streaming blocks, with the "dmabuf" backend
 *                  (IIO DMABUF ioctls, zero copy) or the "fileio" backend
 *                  (read()/write() on the buffer fd).
 *   iios_block     one block of a stream; owned by the stream, lent to the
 *                  application between get and release/submit.
 *
 * Conventions, valid for every function unless its comment says otherwise:
 *
 * - Functions returning int or ssize_t return 0 (or a count) on success and a
 *   negative errno value on failure. Functions returning a pointer return NULL
 *   on failure and set errno.
 * - After a failure, a readable message naming the device, the file and the
 *   operation, and ending with the errno text, is available from
 *   iios_context_last_error() (for context, device, buffer and channel calls,
 *   including iios_stream_open()) or iios_stream_last_error() (for stream and
 *   block calls). The message stays valid until the next failing call on the
 *   same object.
 * - Strings returned as const char * are owned by the object that returned them
 *   and live as long as it does. Never free them.
 * - There is no global state. A context and the objects it owns may be used
 *   from several threads only with external locking, because failures write the
 *   context's message buffer. A stream belongs to one thread; the exception is
 *   iios_stream_cancel(), which any thread (or a signal handler) may call.
 * - Timeouts are in milliseconds: a negative value waits forever, 0 does not
 *   wait at all.
 */
#ifndef IIOSTREAM_H
#define IIOSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IIOS_API __attribute__((visibility("default")))
#else
#define IIOS_API
#endif

struct iios_context;
struct iios_device;
struct iios_buffer;
struct iios_channel;
struct iios_stream;
struct iios_block;

/* ------------------------------------------------------------------------ */
/** @name Scan types and samples (pure functions, no context needed) */

/**
 * The storage format of one channel's samples, the sysfs `_type` file:
 * `[be|le]:[s|u]bits/storagebits[Xrepeat]>>shift`.
 */
struct iios_scan_type {
	bool is_signed;		/**< 's' (two's complement) or 'u' */
	bool is_be;		/**< big endian storage ("be"), else little endian */
	unsigned int bits;	/**< significant bits, 1..storage_bits */
	unsigned int storage_bits; /**< 8, 16, 32 or 64 */
	unsigned int repeat;	/**< elements per sample, >= 1 */
	unsigned int shift;	/**< right shift applied before masking */
};

/**
 * Parse a scan type string such as "le:s12/16>>4" or "be:u16/16X3>>0".
 * A trailing newline is accepted. Legal means: storage_bits is 8, 16, 32 or
 * 64; 1 <= bits and bits + shift <= storage_bits; repeat (if present) >= 1.
 * @param str  the text, not NULL.
 * @param out  filled on success, untouched on failure.
 * @return 0, or -EINVAL if the text is not a legal scan type.
 */
IIOS_API int iios_scan_type_parse(const char *str, struct iios_scan_type *out);

/**
 * Format a scan type the way the kernel prints it ("X<repeat>" only when
 * repeat > 1).
 * @return the length of the text (as snprintf), or -EINVAL if @p st is not
 *         legal. The text is truncated (and still NUL-terminated) if @p len is
 *         too small, as with snprintf.
 */
IIOS_API int iios_scan_type_format(const struct iios_scan_type *st, char *buf, size_t len);

/** Bytes one sample of this type occupies in a scan: storage_bits / 8 * repeat. */
IIOS_API size_t iios_scan_type_sample_bytes(const struct iios_scan_type *st);

/**
 * Decode one element (one of the @c repeat elements of a sample) as an
 * unsigned value: read storage_bits/8 bytes at @p src in the type's byte
 * order, shift right by @c shift, keep the low @c bits. No alignment is
 * required of @p src.
 */
IIOS_API uint64_t iios_sample_to_u64(const struct iios_scan_type *st, const void *src);

/**
 * Like iios_sample_to_u64(), then sign-extended from @c bits if the type is
 * signed. For an unsigned 64-bit type, values above INT64_MAX wrap; use
 * iios_sample_to_u64() for those.
 */
IIOS_API int64_t iios_sample_to_s64(const struct iios_scan_type *st, const void *src);

/**
 * The IIO "processed" value of one element: (value + offset) * scale, where
 * value is iios_sample_to_s64() for signed and iios_sample_to_u64() for
 * unsigned types.
 */
IIOS_API double iios_sample_to_double(const struct iios_scan_type *st, const void *src,
				      double scale, double offset);

/**
 * Compute the layout of a scan exactly as the kernel does
 * (iio_compute_scan_bytes): each sample is aligned to its own size
 * (storage_bits/8 * repeat) and the scan is padded to the largest sample.
 * @param types    the enabled channels' types, in scan order (ascending scan
 *                 index, timestamp last).
 * @param n        number of entries, >= 1.
 * @param offsets  receives the byte offset of each sample within a scan; may
 *                 be NULL.
 * @param scan_bytes receives the size of a scan in bytes.
 * @return 0, or -EINVAL if n is 0 or a type is not legal.
 */
IIOS_API int iios_scan_layout(const struct iios_scan_type *types, size_t n,
			      size_t *offsets, size_t *scan_bytes);

/**
 * Demultiplex one channel: copy @p sample_bytes bytes at @p offset of every
 * whole scan in @p src (of @p src_len bytes, scans of @p scan_bytes) into
 * @p dst, back to back, as long as @p dst has room.
 * @return the number of samples copied, or -EINVAL if the geometry is
 *         inconsistent (offset + sample_bytes > scan_bytes, zero sizes).
 */
IIOS_API ssize_t iios_demux(const void *src, size_t src_len, size_t scan_bytes, size_t offset,
			    size_t sample_bytes, void *dst, size_t dst_len);

/* ------------------------------------------------------------------------ */
/** @name Context and discovery */

/**
 * Scan the IIO devices under @p sysfs_root and bind device nodes under
 * @p dev_root.
 *
 * Every directory named iio:deviceN is a device. Its buffers are the bufferN
 * directories (gaps in N are allowed; with none, the legacy buffer/ +
 * scan_elements/ pair is buffer 0; with neither, the device has no buffer).
 * A buffer's channels are its scan elements (<in|out>_<id>_en/_type/_index).
 * Problems with one item (an unreadable name, a malformed _type or _index, a
 * malformed direction) do not fail the scan: the item is left out and a
 * warning naming the file is recorded (see iios_context_warning()).
 *
 * @param sysfs_root  NULL for "/sys/bus/iio/devices".
 * @param dev_root    NULL for "/dev"; device nodes are <dev_root>/iio:deviceN,
 *                    DMABUF heaps <dev_root>/dma_heap/system and <dev_root>/udmabuf.
 * @param errbuf      optional; receives the failure message (may be NULL).
 * @param errlen      size of @p errbuf.
 * @return a new context the caller owns (free with iios_context_free()), or
 *         NULL with errno set: ENOENT/EACCES/ENOTDIR if @p sysfs_root cannot be
 *         opened, ENOMEM.
 */
IIOS_API struct iios_context *iios_context_new(const char *sysfs_root, const char *dev_root,
					       char *errbuf, size_t errlen);

/**
 * Free a context and every device, buffer and channel it owns. All streams
 * opened from it must have been closed. NULL is a no-op.
 */
IIOS_API void iios_context_free(struct iios_context *ctx);

/** The message of the last failure of a call on this context or its objects ("" if none). */
IIOS_API const char *iios_context_last_error(const struct iios_context *ctx);

/** The sysfs root this context scanned. */
IIOS_API const char *iios_context_sysfs_root(const struct iios_context *ctx);

/** The device-node root of this context. */
IIOS_API const char *iios_context_dev_root(const struct iios_context *ctx);

/** Number of warnings recorded while scanning. */
IIOS_API size_t iios_context_warning_count(const struct iios_context *ctx);

/** Warning @p i (0-based), naming the file concerned; NULL if out of range. */
IIOS_API const char *iios_context_warning(const struct iios_context *ctx, size_t i);

/** Number of devices found, ordered by N of iio:deviceN. */
IIOS_API size_t iios_context_device_count(const struct iios_context *ctx);

/** Device @p i (0-based), or NULL (errno EINVAL) if out of range. Owned by the context. */
IIOS_API struct iios_device *iios_context_device(const struct iios_context *ctx, size_t i);

/**
 * Find a device by id ("iio:device3"), then by label, then by name.
 * @return the device (owned by the context), or NULL with errno ENODEV (and a
 *         message) if none matches.
 */
IIOS_API struct iios_device *iios_context_find_device(struct iios_context *ctx, const char *key);

/* ------------------------------------------------------------------------ */
/** @name Devices */

/** The device's id, "iio:deviceN". */
IIOS_API const char *iios_device_id(const struct iios_device *dev);
/** Contents of its `name` file, or NULL if it has none or it was unreadable. */
IIOS_API const char *iios_device_name(const struct iios_device *dev);
/** Contents of its `label` file, or NULL if it has none. */
IIOS_API const char *iios_device_label(const struct iios_device *dev);
/** The context owning this device. */
IIOS_API struct iios_context *iios_device_context(const struct iios_device *dev);

/** Number of buffers (bufferN directories) of the device. */
IIOS_API size_t iios_device_buffer_count(const struct iios_device *dev);
/** Buffer @p i (0-based position, not N), or NULL (errno EINVAL). */
IIOS_API struct iios_buffer *iios_device_buffer(const struct iios_device *dev, size_t i);
/** The buffer whose directory is buffer<index>, or NULL with errno ENOENT (and a message). */
IIOS_API struct iios_buffer *iios_device_find_buffer(const struct iios_device *dev,
						     unsigned int index);

/** Number of regular attribute files directly in the device directory (uevent excluded). */
IIOS_API size_t iios_device_attr_count(const struct iios_device *dev);
/** Name of device attribute @p i, or NULL if out of range. Sorted by name. */
IIOS_API const char *iios_device_attr_name(const struct iios_device *dev, size_t i);

/**
 * Read device attribute @p attr (a file name in the device directory) into
 * @p buf (NUL-terminated, trailing newline removed).
 * @return the length of the text, or -errno: -ENOENT (no such attribute),
 *         -EISDIR/-EINVAL (not a regular file), -EACCES, -EFBIG (text longer
 *         than @p len - 1), or what read() returned.
 */
IIOS_API ssize_t iios_device_attr_read(const struct iios_device *dev, const char *attr,
				       char *buf, size_t len);
/** Write @p value to device attribute @p attr. @return 0 or -errno (as write()). */
IIOS_API int iios_device_attr_write(const struct iios_device *dev, const char *attr,
				    const char *value);
/** Read a device attribute as a long long. -EINVAL if it is not an integer. */
IIOS_API int iios_device_attr_read_ll(const struct iios_device *dev, const char *attr,
				      long long *value);
/** Write a long long to a device attribute. */
IIOS_API int iios_device_attr_write_ll(const struct iios_device *dev, const char *attr,
				       long long value);
/** Read a device attribute as a double. -EINVAL if it is not a number. */
IIOS_API int iios_device_attr_read_double(const struct iios_device *dev, const char *attr,
					  double *value);

/* ------------------------------------------------------------------------ */
/** @name Buffers */

/** The device owning the buffer. */
IIOS_API struct iios_device *iios_buffer_device(const struct iios_buffer *buf);
/** N of bufferN. */
IIOS_API unsigned int iios_buffer_index(const struct iios_buffer *buf);
/** True for an output (DAC) buffer, from its `direction` file ("in" if absent). */
IIOS_API bool iios_buffer_is_output(const struct iios_buffer *buf);
/** Read `length` (in scans) now. @return the value (>= 0) or -errno. */
IIOS_API long long iios_buffer_length(const struct iios_buffer *buf);
/** Read `watermark` (in scans) now. @return the value (>= 0) or -errno. */
IIOS_API long long iios_buffer_watermark(const struct iios_buffer *buf);

/**
 * Number of attributes of the buffer directory other than the scan elements
 * (*_en, *_type, *_index): for example length, watermark, enable,
 * data_available, direction, length_align_bytes, overruns.
 */
IIOS_API size_t iios_buffer_attr_count(const struct iios_buffer *buf);
/** Name of buffer attribute @p i (sorted), or NULL if out of range. */
IIOS_API const char *iios_buffer_attr_name(const struct iios_buffer *buf, size_t i);
/** Read a buffer attribute; same contract as iios_device_attr_read(). */
IIOS_API ssize_t iios_buffer_attr_read(const struct iios_buffer *buf, const char *attr,
				       char *buf_out, size_t len);
/** Write a buffer attribute; same contract as iios_device_attr_write(). */
IIOS_API int iios_buffer_attr_write(const struct iios_buffer *buf, const char *attr,
				    const char *value);

/** Number of channels (valid scan elements) of the buffer, sorted by scan index. */
IIOS_API size_t iios_buffer_channel_count(const struct iios_buffer *buf);
/** Channel @p i (0-based), or NULL (errno EINVAL). Owned by the context. */
IIOS_API struct iios_channel *iios_buffer_channel(const struct iios_buffer *buf, size_t i);
/**
 * Find a channel by id ("voltage0") or by full name ("in_voltage0").
 * @return the channel or NULL with errno ENOENT (and a message).
 */
IIOS_API struct iios_channel *iios_buffer_find_channel(const struct iios_buffer *buf,
						       const char *id);

/* ------------------------------------------------------------------------ */
/** @name Channels */

/** The buffer owning the channel. */
IIOS_API struct iios_buffer *iios_channel_buffer(const struct iios_channel *ch);
/** Channel id without direction, e.g. "voltage0", "accel_x", "timestamp". */
IIOS_API const char *iios_channel_id(const struct iios_channel *ch);
/** Full scan element name, e.g. "in_voltage0". */
IIOS_API const char *iios_channel_name(const struct iios_channel *ch);
/** True for an output channel ("out_" prefix). */
IIOS_API bool iios_channel_is_output(const struct iios_channel *ch);
/** Its scan index (the _index file). */
IIOS_API unsigned int iios_channel_scan_index(const struct iios_channel *ch);
/** Its scan type (the _type file as read during the scan). Owned by the channel. */
IIOS_API const struct iios_scan_type *iios_channel_scan_type(const struct iios_channel *ch);

/** Number of attributes of this channel in the device directory (raw, scale, ...), own and shared by type. */
IIOS_API size_t iios_channel_attr_count(const struct iios_channel *ch);
/** Name of channel attribute @p i (e.g. "raw", "scale"), or NULL. */
IIOS_API const char *iios_channel_attr_name(const struct iios_channel *ch, size_t i);

/**
 * Read channel attribute @p attr ("raw", "scale", "offset", ...). The file is
 * looked up with the IIO sharing rules: <dir>_<id>_<attr> (separate), then
 * <dir>_<type>_<attr> (shared by type), then <dir>_<attr> (shared by
 * direction), in the device directory. Same contract as iios_device_attr_read().
 */
IIOS_API ssize_t iios_channel_attr_read(const struct iios_channel *ch, const char *attr,
					char *buf, size_t len);
/** Write channel attribute @p attr (same lookup); 0 or -errno. */
IIOS_API int iios_channel_attr_write(const struct iios_channel *ch, const char *attr,
				     const char *value);
/** Read the `raw` attribute as an integer. */
IIOS_API int iios_channel_read_raw(const struct iios_channel *ch, long long *value);
/** Read `scale`; 1.0 when the channel has no scale attribute. */
IIOS_API int iios_channel_read_scale(const struct iios_channel *ch, double *value);
/** Read `offset`; 0.0 when the channel has no offset attribute. */
IIOS_API int iios_channel_read_offset(const struct iios_channel *ch, double *value);

/* ------------------------------------------------------------------------ */
/** @name Streams */

enum iios_backend {
	IIOS_BACKEND_AUTO = 0,	/**< dmabuf if supported here, else fileio */
	IIOS_BACKEND_DMABUF,	/**< DMABUF only; fail if unsupported */
	IIOS_BACKEND_FILEIO,	/**< read()/write() on the buffer fd */
};

/** Stream flags (struct iios_stream_params.flags). */
enum iios_stream_flags {
	/**
	 * Do not read each completed block's fence status
	 * (iios_block_status_known() is then false for every transferred block).
	 * Syscalls per block, dmabuf steady state:
	 *   - default: 6 when the block is complete at iios_stream_get_block()
	 *     (SYNC_IOC_FILE_INFO, SYNC START, close of the sync_file, SYNC END,
	 *     ENQUEUE, EXPORT_SYNC_FILE), 8 when it must be waited for (poll of
	 *     the sync_file and a second FILE_INFO added);
	 *   - with this flag: 4 (poll of the DMABUF, SYNC START, SYNC END,
	 *     ENQUEUE);
	 *   - IIOS_STREAM_NO_CPU_ACCESS removes SYNC START and END from either;
	 *   - fileio: 1 or 2 per block (poll when data is not ready, read()/write()).
	 */
	IIOS_STREAM_NO_BLOCK_STATUS = 1u << 0,
	/**
	 * The CPU never touches block data (device-to-device use): skip
	 * DMA_BUF_IOCTL_SYNC START/END. Only meaningful for dmabuf.
	 */
	IIOS_STREAM_NO_CPU_ACCESS = 1u << 1,
	/**
	 * Output streams: iios_stream_submit_block() and iios_block_forward()
	 * queue blocks but do not start the device; iios_stream_start() does.
	 * Fill and submit the first blocks (all of them, for the most margin),
	 * then start: the device begins with its queue full, so the first
	 * blocks play without a gap (no underrun at the start). The device
	 * also starts when the stream cannot go on until it frees a block,
	 * since only the running device can: when iios_stream_get_block() is
	 * asked for a block and none was left unused (the others are
	 * submitted, or held by the application), or when write() finds the
	 * fileio ring full. Since 0.2; libraries before 0.2 refuse the flag
	 * (EINVAL). Input streams ignore it.
	 */
	IIOS_STREAM_MANUAL_START = 1u << 2,
};

/** Parameters of iios_stream_open(). Zero-initialise, then set what you need. */
struct iios_stream_params {
	size_t block_scans;	/**< scans per block, >= 1 */
	unsigned int nb_blocks;	/**< number of blocks, >= 1 (0 means 4) */
	enum iios_backend backend; /**< IIOS_BACKEND_AUTO by default */
	unsigned int flags;	/**< enum iios_stream_flags */
};

/** Stream statistics (iios_stream_get_stats()). */
struct iios_stream_stats {
	uint64_t blocks;	/**< blocks completed (input: received; output: submitted) */
	uint64_t bytes;		/**< bytes in those blocks */
	uint64_t block_errors;	/**< completed blocks whose status was an error */
	/**
	 * Blocks handed out by iios_stream_get_block() whose status is unknown
	 * (iios_block_status_known() false): with IIOS_STREAM_NO_BLOCK_STATUS
	 * every transferred block; otherwise those whose transfer completed
	 * before the library could export its fence, and all of them on kernels
	 * without DMA_BUF_IOCTL_EXPORT_SYNC_FILE. Such blocks may have failed
	 * without block_errors counting them.
	 */
	uint64_t status_unknown;
	long long overruns;	/**< the buffer's `overruns` counter, -1 if it has none */
	long long underruns;	/**< the buffer's `underruns` counter, -1 if it has none */
};

/** Flags of iios_stream_submit_block(). */
enum iios_submit_flags {
	/** Repeat this block on the output until the stream is closed (dmabuf only). */
	IIOS_SUBMIT_CYCLIC = 1u << 0,
};

/**
 * Open @p buf for streaming with the channels @p chans enabled (all other
 * scan elements of the buffer are disabled), in blocks of
 * params->block_scans scans.
 *
 * Sequence: disable the buffer, set the scan elements, get the buffer fd
 * (IIO_BUFFER_GET_FD_IOCTL on <dev_root>/iio:deviceN; for buffer 0 on kernels
 * without it the legacy device node is used and only fileio is possible), set
 * `length` (block_scans for dmabuf, block_scans * nb_blocks for fileio) and,
 * for fileio input, `watermark` = block_scans, then set up the backend.
 *
 * Backend choice with IIOS_BACKEND_AUTO: DMABUFs are allocated from
 * <dev_root>/dma_heap/system, else <dev_root>/udmabuf (memfd + seals), and
 * attached. If the heaps are missing or inaccessible, or ATTACH fails with
 * EPERM, ENODEV, ENOTTY, EINVAL or EOPNOTSUPP, DMABUF is "not supported here":
 * the stream falls back to fileio and iios_stream_fallback_reason() says why.
 * With IIOS_BACKEND_DMABUF the same conditions fail the open with that errno.
 *
 * Input streams are started before the function returns: every block is
 * queued (ENQUEUE while the buffer is still disabled), then the buffer is
 * enabled, so the first block holds the device's first scans after enable
 * (mainline's DMA buffers submit the blocks queued while disabled at enable,
 * and the device's clock starts there). A driver that refuses ENQUEUE on a
 * disabled buffer with EBUSY (iio-sim before issue #12, older out-of-tree
 * drivers) gets the former order instead: enable, then queue; scans that
 * fall due before the first block is queued are then dropped (overruns).
 *
 * Output streams start (the buffer is enabled) after the first submitted
 * block was queued (dmabuf: ENQUEUE; fileio: write(), which iio-sim keeps
 * while the buffer is disabled), so the device starts with data; with
 * IIOS_STREAM_MANUAL_START, at iios_stream_start() instead. With a driver
 * that refuses ENQUEUE on a disabled buffer, the first submit enables the
 * buffer before its ENQUEUE (also with IIOS_STREAM_MANUAL_START). fileio: a
 * first write() refused with EINVAL, as on a buffer never enabled since its
 * driver loaded (no scan size yet), makes the library enable and disable the
 * buffer once, then write again.
 *
 * @param buf     the buffer; the stream keeps a pointer, so the context must
 *                outlive the stream.
 * @param chans   channels of @p buf, in any order, no duplicates.
 * @param nchans  >= 1.
 * @param params  see struct iios_stream_params.
 * @return a stream the caller owns (close with iios_stream_close()), or NULL
 *         with errno: EINVAL (bad parameters or a channel of another buffer or
 *         direction), EBUSY (someone else has the buffer open), ENOMEM,
 *         EOVERFLOW (block too large), or what the kernel returned; the message
 *         is in iios_context_last_error().
 */
IIOS_API struct iios_stream *iios_stream_open(struct iios_buffer *buf,
					      struct iios_channel *const *chans, size_t nchans,
					      const struct iios_stream_params *params);

/**
 * Start the device: enable the buffer, so that it begins to play the blocks
 * submitted so far, in order. Only needed for output streams opened with
 * IIOS_STREAM_MANUAL_START (fill and submit blocks first, then start, for a
 * start without underruns); the other streams start by themselves (input:
 * in iios_stream_open(); output: at the first submit).
 *
 * Idempotent: 0 without doing anything when the stream already runs, for
 * every input stream (also after iios_stream_stop(): it does not restart a
 * stopped stream), and for an output stream started by a submit or
 * iios_stream_get_block() (see IIOS_STREAM_MANUAL_START). Starting with
 * nothing submitted is allowed: the device underruns until blocks come.
 * @param s  the stream.
 * @return 0; -EINVAL (@p s is NULL); -errno from writing the buffer's
 *         `enable` file (the message, naming the device and the file, is in
 *         iios_stream_last_error()); the stream then stays unstarted and
 *         the call may be retried.
 * @since 0.2 (symbol version IIOSTREAM_0.2)
 */
IIOS_API int iios_stream_start(struct iios_stream *s);

/**
 * Disable the buffer, close the buffer fd (which detaches every DMABUF), unmap
 * and free all blocks. Blocks held by the application become invalid. NULL is
 * a no-op.
 */
IIOS_API void iios_stream_close(struct iios_stream *s);

/** The backend in use: IIOS_BACKEND_DMABUF or IIOS_BACKEND_FILEIO. */
IIOS_API enum iios_backend iios_stream_backend(const struct iios_stream *s);
/** "dmabuf" or "fileio". */
IIOS_API const char *iios_backend_name(enum iios_backend b);
/**
 * Why IIOS_BACKEND_AUTO did not pick dmabuf (e.g. "ATTACH of a DMABUF to
 * sim-adc (iio:device0) buffer0: Operation not permitted"), or NULL if it did
 * or the backend was forced.
 */
IIOS_API const char *iios_stream_fallback_reason(const struct iios_stream *s);
/** The dmabuf allocator in use: "dma_heap/system", "udmabuf", or NULL for fileio. */
IIOS_API const char *iios_stream_allocator(const struct iios_stream *s);
/** The message of the last failure of a call on this stream or its blocks. */
IIOS_API const char *iios_stream_last_error(const struct iios_stream *s);

/** True for an output stream. */
IIOS_API bool iios_stream_is_output(const struct iios_stream *s);
/** Bytes per scan with the stream's channels. */
IIOS_API size_t iios_stream_scan_bytes(const struct iios_stream *s);
/** Bytes per block (block_scans * scan bytes). */
IIOS_API size_t iios_stream_block_bytes(const struct iios_stream *s);
/** Number of blocks. */
IIOS_API unsigned int iios_stream_block_count(const struct iios_stream *s);
/** Byte offset of channel @p ch's sample within a scan, or -EINVAL if @p ch is not in the stream. */
IIOS_API ssize_t iios_stream_channel_offset(const struct iios_stream *s,
					    const struct iios_channel *ch);

/**
 * Get the next block.
 * Input: the next filled block, in order. With dmabuf, reads the status of the
 * block's fence (SYNC_IOC_FILE_INFO on the sync_file exported at ENQUEUE),
 * waits (poll of that sync_file; of the DMABUF fd, POLLOUT, with
 * IIOS_STREAM_NO_BLOCK_STATUS) only if the device has not completed it yet,
 * then does DMA_BUF_IOCTL_SYNC START (see iios_block_status() and
 * iios_block_status_known()). With fileio, read()s a full block.
 * Output: a free block to fill. Initially all blocks are free; after that it
 * waits until the oldest submitted block was consumed by the device. A
 * stream opened with IIOS_STREAM_MANUAL_START and not started yet is
 * started first when that wait is needed (no block left unused), since
 * only a running device frees a block.
 *
 * The block is lent to the caller until iios_stream_release_block() (input) or
 * iios_stream_submit_block() (output). No memory is allocated.
 *
 * @param timeout_ms  <0 forever, 0 no wait, >0 milliseconds.
 * @param out         receives the block.
 * @return 0; -ETIMEDOUT (timeout expired), -EAGAIN (timeout 0 and not ready),
 *         -ECANCELED (iios_stream_cancel() was called), -ENOBUFS (the
 *         application holds every block), -ENODATA (stopped with
 *         iios_stream_stop() and drained), -EIO/-errno from the kernel. A block
 *         whose transfer failed is still returned with 0; see
 *         iios_block_status().
 */
IIOS_API int iios_stream_get_block(struct iios_stream *s, int timeout_ms, struct iios_block **out);

/**
 * Input streams: give a block back (DMA_BUF_IOCTL_SYNC END, then ENQUEUE so
 * the device refills it). Blocks may be released in any order; they are
 * refilled in release order.
 * @return 0; -EINVAL (not an input stream, or the block is not lent to the
 *         caller); -errno from ENQUEUE (the block stays lent to the caller,
 *         who may retry or close the stream).
 */
IIOS_API int iios_stream_release_block(struct iios_stream *s, struct iios_block *blk);

/**
 * Output streams: queue a filled block for output (dmabuf: DMA_BUF_IOCTL_SYNC
 * END, ENQUEUE; fileio: write()). The first submit starts the device after
 * queueing the block, unless the stream was opened with
 * IIOS_STREAM_MANUAL_START (then iios_stream_start() does).
 * @param bytes_used  bytes to output from the start of the block, 1..block
 *                    bytes.
 * @param flags       IIOS_SUBMIT_CYCLIC to repeat the block until the stream
 *                    is closed (dmabuf only; the block is then never handed
 *                    out again).
 * @return 0; -EINVAL (bad size, not an output stream, block not lent);
 *         -EOPNOTSUPP (cyclic with fileio); -ECANCELED (fileio write
 *         interrupted by iios_stream_cancel()); -errno from the kernel.
 */
IIOS_API int iios_stream_submit_block(struct iios_stream *s, struct iios_block *blk,
				      size_t bytes_used, unsigned int flags);

/**
 * Input streams: stop the device and keep what it produced. Disables the
 * buffer; blocks the device completed before stay available, in order, from
 * iios_stream_get_block() with their status. Afterwards:
 * - dmabuf: the blocks still in flight come back at once with status
 *   -ECANCELED (the kernel aborts them with -EINTR or, older iio-sim,
 *   -ECANCELED) and bytes_used 0 (the IIO DMABUF interface does not say how
 *   much of a cancelled input block was written, so its data is dropped);
 *   they are not counted in the statistics. With IIOS_STREAM_NO_BLOCK_STATUS
 *   the blocks not complete at the call are taken as cancelled (one poll()
 *   per block in flight, once);
 * - fileio: what the kernel's ring still holds is read, and the last block
 *   may be partial (iios_block_bytes_used() less than the block size);
 * - iios_stream_release_block() frees a block without queueing it again;
 * - iios_stream_get_block() returns -ENODATA once everything was handed out.
 * @return 0 (also when already stopped); -EINVAL for an output stream;
 *         -errno from writing the buffer's `enable` file.
 */
IIOS_API int iios_stream_stop(struct iios_stream *s);

/**
 * Cancel: until iios_stream_clear_cancel(), iios_stream_get_block() on an
 * input stream, and every wait of the stream (for a completed block, for room
 * to write), return -ECANCELED promptly, also when data is ready. Safe from
 * any thread and from a signal handler (one write() to an eventfd), but not
 * concurrently with or after iios_stream_close() of the same stream.
 */
IIOS_API void iios_stream_cancel(struct iios_stream *s);
/** Clear a cancel request. Call from the stream's own thread. */
IIOS_API void iios_stream_clear_cancel(struct iios_stream *s);

/**
 * Fill @p st with the stream statistics; reads the buffer's overruns and
 * underruns files (sysfs) when they exist.
 * @return 0 or -EINVAL.
 */
IIOS_API int iios_stream_get_stats(struct iios_stream *s, struct iios_stream_stats *st);

/* ------------------------------------------------------------------------ */
/** @name Blocks */

/** The block's memory (mmap of its DMABUF, or a heap buffer for fileio). Owned by the stream. */
IIOS_API void *iios_block_data(const struct iios_block *blk);
/** Capacity of the block in bytes (iios_stream_block_bytes()). */
IIOS_API size_t iios_block_size(const struct iios_block *blk);
/**
 * Input: bytes of valid data in the block (the whole block, except the last
 * one after iios_stream_stop()). Output: bytes last submitted.
 */
IIOS_API size_t iios_block_bytes_used(const struct iios_block *blk);
/**
 * Completion status of the block's last transfer: 0, or the negative errno
 * the device signalled its fence with (e.g. -EIO). A transfer aborted
 * because the buffer was disabled is -ECANCELED, whichever errno the kernel
 * used for it (mainline's DMA buffers and iio-sim since issue #12: -EINTR;
 * iio-sim before: -ECANCELED). Streaming continues after a failed block; its
 * data is undefined. 0 also when the status is unknown: check
 * iios_block_status_known().
 */
IIOS_API int iios_block_status(const struct iios_block *blk);
/**
 * Whether iios_block_status() is the real outcome of the block's last
 * transfer. Always true for fileio (read()/write() report errors directly)
 * and for an output block never submitted. False:
 * - with IIOS_STREAM_NO_BLOCK_STATUS, and on kernels without
 *   DMA_BUF_IOCTL_EXPORT_SYNC_FILE (< 6.0);
 * - when the transfer completed before the library exported its fence (right
 *   after ENQUEUE returned, a fast device can win that race): the kernel keeps
 *   no record of signalled fences, so the export yields an already-signalled
 *   stub fence. The library recognises the stub (SYNC_IOC_FILE_INFO lists the
 *   sync_file's fences, and none is the IIO core's) instead of reporting 0.
 * Such blocks are counted in iios_stream_stats.status_unknown; the data of a
 * block whose transfer failed is undefined, so an application that must not
 * use bad data treats them as suspect.
 */
IIOS_API bool iios_block_status_known(const struct iios_block *blk);
/** Sequence number of the block in the stream: 0 for the first block handed out, then 1, 2, ... */
IIOS_API uint64_t iios_block_sequence(const struct iios_block *blk);
/**
 * The block's DMABUF fd, for handing it to another device or process (dup()
 * it to keep it beyond the stream). Owned by the stream.
 * @return the fd, or -EOPNOTSUPP for a fileio stream.
 */
IIOS_API int iios_block_dmabuf_fd(const struct iios_block *blk);

/**
 * Copy channel @p ch's samples out of the block (iios_demux() with the
 * stream's layout): sample_bytes = storage_bits / 8 * repeat per scan.
 * @return number of samples copied (at most what fits in @p dst_len), or
 *         -EINVAL if @p ch is not in the block's stream.
 */
IIOS_API ssize_t iios_block_demux(const struct iios_block *blk, const struct iios_channel *ch,
				  void *dst, size_t dst_len);

/**
 * Convert channel @p ch's samples in the block to doubles:
 * (value + offset) * scale, with the scale and offset read when the stream was
 * opened. A sample with repeat R gives R values.
 * @return number of doubles written (at most @p max), or -EINVAL.
 */
IIOS_API ssize_t iios_block_read_doubles(const struct iios_block *blk,
					 const struct iios_channel *ch, double *dst, size_t max);

/**
 * Device to device: queue a completed block of a dmabuf input stream on the
 * dmabuf output stream @p out, without CPU access (ATTACH to @p out's buffer
 * on first use, then ENQUEUE with @p bytes_used). The block stays lent to the
 * caller; release it to its own stream afterwards as usual: the kernel then
 * makes the input device wait for the output transfer (implicit fences, up
 * to 5 s per ENQUEUE), so release it only once @p out runs. Open both
 * streams with IIOS_STREAM_NO_CPU_ACCESS to avoid cache maintenance. Like a
 * submit, the first forward starts @p out after its ENQUEUE, unless @p out
 * was opened with IIOS_STREAM_MANUAL_START (then iios_stream_start()). A
 * block still queued on @p out cannot be forwarded again: the kernel
 * refuses it (EPERM while @p out is not started, EBUSY while it plays).
 * @return 0; -EINVAL (wrong stream kinds, block not lent, bad size);
 *         -EOPNOTSUPP (either stream is fileio); -errno from the kernel (the
 *         message is in @p out's iios_stream_last_error()).
 */
IIOS_API int iios_block_forward(struct iios_block *blk, struct iios_stream *out,
				size_t bytes_used);

#ifdef __cplusplus
}
#endif

#endif /* IIOSTREAM_H */
