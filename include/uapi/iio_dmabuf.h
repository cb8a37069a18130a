/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IIO DMABUF UAPI (Linux 6.9+), for userspace built against older kernel
 * headers: Debian 12's linux-libc-dev (6.1) lacks everything but
 * IIO_BUFFER_GET_FD_IOCTL. The values are the kernel ABI and never change.
 */
#ifndef IIOSTREAM_UAPI_IIO_DMABUF_H
#define IIOSTREAM_UAPI_IIO_DMABUF_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/iio/buffer.h>

#ifndef IIO_BUFFER_DMABUF_ATTACH_IOCTL

#define IIO_BUFFER_DMABUF_CYCLIC		(1 << 0)
#define IIO_BUFFER_DMABUF_SUPPORTED_FLAGS	0x00000001

/* Argument of IIO_BUFFER_DMABUF_ENQUEUE_IOCTL. */
struct iio_dmabuf {
	__u32 fd;		/* the attached DMABUF */
	__u32 flags;		/* IIO_BUFFER_DMABUF_* */
	__u64 bytes_used;	/* bytes to transfer, from offset 0 */
};

#define IIO_BUFFER_DMABUF_ATTACH_IOCTL	_IOW('i', 0x92, int)
#define IIO_BUFFER_DMABUF_DETACH_IOCTL	_IOW('i', 0x93, int)
#define IIO_BUFFER_DMABUF_ENQUEUE_IOCTL	_IOW('i', 0x94, struct iio_dmabuf)

#endif /* IIO_BUFFER_DMABUF_ATTACH_IOCTL */

#endif /* IIOSTREAM_UAPI_IIO_DMABUF_H */
