/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DMABUF allocation: /dev/dma_heap/system, else /dev/udmabuf (memfd + seals). */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

int iios_dmabuf_allocator_open(struct iios_dmabuf_allocator *a, const char *dev_root,
			       char *why, size_t whylen)
{
	char heap[4096], udma[4096], e1[128], e2[128];
	int err1, err2;

	snprintf(heap, sizeof(heap), "%s/dma_heap/system", dev_root);
	snprintf(udma, sizeof(udma), "%s/udmabuf", dev_root);
	a->heap_fd = open(heap, O_RDONLY | O_CLOEXEC);
	if (a->heap_fd >= 0) {
		a->name = "dma_heap/system";
		a->udmabuf = false;
		return 0;
	}
	err1 = errno;
	a->heap_fd = open(udma, O_RDWR | O_CLOEXEC);
	if (a->heap_fd >= 0) {
		a->name = "udmabuf";
		a->udmabuf = true;
		return 0;
	}
	err2 = errno;
	snprintf(why, whylen, "no DMABUF allocator: %s: %s; %s: %s", heap,
		 iios_strerror(err1, e1, sizeof(e1)), udma, iios_strerror(err2, e2, sizeof(e2)));
	return -err2;
}

static int alloc_udmabuf(struct iios_dmabuf_allocator *a, size_t size, int *fd)
{
	struct udmabuf_create c = { 0 };
	int memfd, r;

	memfd = memfd_create("iiostream-block", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return -errno;
	/* udmabuf requires F_SEAL_SHRINK and refuses F_SEAL_WRITE. */
	if (ftruncate(memfd, (off_t)size) < 0 || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		r = -errno;
		close(memfd);
		return r;
	}
	c.memfd = (__u32)memfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.offset = 0;
	c.size = size;
	r = iios_ioctl(a->heap_fd, UDMABUF_CREATE, &c);
	close(memfd); /* the DMABUF holds the pages */
	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

int iios_dmabuf_alloc(struct iios_dmabuf_allocator *a, size_t size, int *fd)
{
	struct dma_heap_allocation_data d = { 0 };
	int r;

	if (a->udmabuf)
		return alloc_udmabuf(a, size, fd);
	d.len = size;
	d.fd_flags = O_RDWR | O_CLOEXEC;
	r = iios_ioctl(a->heap_fd, DMA_HEAP_IOCTL_ALLOC, &d);
	if (r < 0)
		return r;
	*fd = (int)d.fd;
	return 0;
}

void iios_dmabuf_allocator_close(struct iios_dmabuf_allocator *a)
{
	if (a->heap_fd >= 0)
		close(a->heap_fd);
	a->heap_fd = -1;
}
