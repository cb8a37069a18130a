// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verify workers' DMABUF sets: allocated, attached to the worker's
 * buffer fd and mapped for a segment, detached and freed after it (any
 * transfer still queued was waited for or cancelled by then).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "verify.h"

void vf_bufs_free(struct worker *w, const struct sdev *d, int buf_fd, struct vf_buf *b,
		  int n, size_t size)
{
	for (int i = 0; i < n; i++) {
		if (b[i].fence >= 0)
			close(b[i].fence);
		if (b[i].map && b[i].map != MAP_FAILED)
			munmap(b[i].map, size);
		if (b[i].fd >= 0) {
			w->st->ops[OP_DETACH]++;
			EXPECT(w, "DETACH", d, iio_dmabuf_detach(buf_fd, b[i].fd), 0);
			close(b[i].fd);
		}
		b[i] = (struct vf_buf){ .fd = -1, .fence = -1 };
	}
}

int vf_bufs_alloc(struct worker *w, const struct sdev *d, int buf_fd, struct vf_buf *b,
		  int n, size_t size, enum dmabuf_source src, int prot)
{
	for (int i = 0; i < n; i++)
		b[i] = (struct vf_buf){ .fd = -1, .fence = -1 };
	for (int i = 0; i < n; i++) {
		int fd = dmabuf_alloc(src, size);

		if (EXPECT(w, dmabuf_source_name(src), d, fd, 0) < 0)
			return fd;
		w->st->ops[OP_ATTACH]++;
		if (EXPECT(w, "ATTACH", d, iio_dmabuf_attach(buf_fd, fd), 0)) {
			close(fd);
			return -EIO;
		}
		b[i].fd = fd;
		b[i].map = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
		if (EXPECT(w, "mmap DMABUF", d, b[i].map == MAP_FAILED ? -errno : 0, 0))
			return -EIO;
	}
	return 0;
}
