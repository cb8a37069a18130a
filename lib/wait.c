/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Waiting: poll with a deadline and the stream's cancel eventfd; EINTR restarts. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include "internal.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t iios_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

int iios_wait_fd(struct iios_stream *s, int fd, short events, int64_t deadline, bool nowait)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = events },
			{ .fd = s->cancel_fd, .events = POLLIN },
		};
		int tmo = -1, r;

		if (nowait) {
			tmo = 0;
		} else if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			tmo = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		}
		r = poll(p, 2, tmo);
		if (r < 0) {
			if (errno == EINTR)
				continue; /* recompute what is left of the timeout */
			return -errno;
		}
		if (p[1].revents & POLLIN)
			return -ECANCELED;
		if (p[0].revents & events)
			return 0;
		if (p[0].revents & POLLNVAL)
			return -EBADF;
		if (p[0].revents & (POLLERR | POLLHUP))
			return -EIO;
		if (r == 0) {
			if (nowait)
				return -EAGAIN;
			if (deadline >= 0 && now_ms() >= deadline)
				return -ETIMEDOUT;
		}
	}
}

int iios_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}
