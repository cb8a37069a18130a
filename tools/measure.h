/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Measurements for bench (measure.c). */
#ifndef IIOSTREAM_MEASURE_H
#define IIOSTREAM_MEASURE_H

/*
 * Single-core memory write bandwidth in MiB/s: the best pass over a 64 MiB
 * buffer during @p seconds, with memset() and with a loop of 64-bit stores
 * (memset's "rep stosb" is slow under emulators such as QEMU TCG). Returns
 * the better of the two and stores both.
 */
double measure_memory_write_mib_s(double seconds, double *memset_mib_s, double *store_mib_s);

/* Counts this process's system calls (perf tracepoint raw_syscalls:sys_enter). */
struct syscount {
	int fd;
	char why[200];	/* why counting is unavailable */
};
int syscount_open(struct syscount *sc);		/* -1: unavailable, see why */
void syscount_start(struct syscount *sc);
long long syscount_stop(struct syscount *sc);	/* -1 if unavailable */
void syscount_close(struct syscount *sc);

#endif
