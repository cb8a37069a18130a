/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Measurements for bench: single-core memory write bandwidth, syscall counting. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "measure.h"
#include "tool.h"

/* One pass of 64-bit stores; the barrier keeps the compiler from making it a memset(). */
static void store_u64(uint64_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		p[i] = v; p[i + 1] = v; p[i + 2] = v; p[i + 3] = v;
		p[i + 4] = v; p[i + 5] = v; p[i + 6] = v; p[i + 7] = v;
		__asm__ volatile("" : : "r"(p) : "memory");
	}
}

double measure_memory_write_mib_s(double seconds, double *memset_mib_s, double *store_mib_s)
{
	const size_t size = 64u << 20; /* well beyond the caches */
	uint64_t *p = aligned_alloc(4096, size);
	double best[2] = { 0, 0 };

	if (!p)
		return -1;
	memset(p, 1, size); /* fault the pages in, outside the timing */
	/* Alternate the two methods; keep the best pass of each. */
	for (double t0 = tool_now(), t = t0; t - t0 < seconds;) {
		for (int k = 0; k < 2; k++) {
			double s = tool_now(), e;

			if (k)
				store_u64(p, size / 8, (uint64_t)s);
			else
				memset(p, (int)s & 0x7f, size);
			__asm__ volatile("" : : "r"(p) : "memory");
			e = tool_now();
			if (e > s && (double)size / (e - s) > best[k])
				best[k] = (double)size / (e - s);
			t = e;
		}
	}
	free(p);
	*memset_mib_s = best[0] / (1024.0 * 1024.0);
	*store_mib_s = best[1] / (1024.0 * 1024.0);
	return best[0] > best[1] ? *memset_mib_s : *store_mib_s;
}

static const char *const tracepoint_ids[] = {
	"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
	"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
};

int syscount_open(struct syscount *sc)
{
	struct perf_event_attr a;
	long long id = -1;
	char txt[32];

	memset(sc, 0, sizeof(*sc));
	sc->fd = -1;
	for (size_t i = 0; i < sizeof(tracepoint_ids) / sizeof(tracepoint_ids[0]) && id < 0; i++) {
		int fd = open(tracepoint_ids[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, txt, sizeof(txt) - 1);
		close(fd);
		if (n > 0) {
			txt[n] = 0;
			id = atoll(txt);
		}
	}
	if (id < 0) {
		snprintf(sc->why, sizeof(sc->why),
			 "no raw_syscalls:sys_enter tracepoint (tracefs not mounted at /sys/kernel/tracing, or no CONFIG_FTRACE_SYSCALLS)");
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = (uint64_t)id;
	a.disabled = 1;
	a.exclude_hv = 1;
	sc->fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (sc->fd < 0) {
		snprintf(sc->why, sizeof(sc->why), "perf_event_open(raw_syscalls:sys_enter): %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void syscount_start(struct syscount *sc)
{
	if (sc->fd < 0)
		return;
	ioctl(sc->fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(sc->fd, PERF_EVENT_IOC_ENABLE, 0);
}

long long syscount_stop(struct syscount *sc)
{
	uint64_t v;

	if (sc->fd < 0)
		return -1;
	ioctl(sc->fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(sc->fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return (long long)v;
}

void syscount_close(struct syscount *sc)
{
	if (sc->fd >= 0)
		close(sc->fd);
	sc->fd = -1;
}
