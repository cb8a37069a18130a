// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cyclic transmit (IIO_BUFFER_DMABUF_CYCLIC) on sim-dac:
 * - a cyclic block (queued before enable: no underrun) repeats until the
 *   buffer is disabled, which completes it with -EINTR (a blocked SYNC START
 *   returns); the DAC's checksum is exactly k repetitions of the block plus
 *   the part played before disable;
 * - a further ENQUEUE of another DMABUF while a cyclic block plays is queued
 *   after it: the cyclic block completes (status 0) at the end of its current
 *   period and the new one plays next (a cyclic one then repeats in turn);
 * - the same DMABUF enqueued again while its cyclic transfer plays: EBUSY;
 * - cyclic on the ADC is EINVAL (core).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "iio_dmabuf.h"
#include "simtest.h"

#define RATE 10000
#define SCAN 4
#define NBUF 2

struct fixture {
	struct sim s;
	int fd[NBUF];
	void *map[NBUF];
	size_t size;
};

static int setup(void **state)
{
	static struct fixture f;

	if (sim_setup_dac(&f.s, SIM_DAC_NAME, SIM_DAC_CHANNELS, RATE))
		return -1;
	f.size = RATE / 10 * SCAN;	/* a period of 0.1 s */
	for (int i = 0; i < NBUF; i++) {
		f.fd[i] = dmabuf_alloc(DMABUF_HEAP, f.size);
		if (f.fd[i] < 0)
			return -1;
		f.map[i] = mmap(NULL, f.size, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd[i], 0);
		if (f.map[i] == MAP_FAILED || iio_dmabuf_attach(f.s.buf_fd, f.fd[i]))
			return -1;
		/* different contents: block i starts at 1000000 * (i + 1) */
		dac_pattern_fill(f.map[i], f.size, 1000000 * (i + 1));
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_enable(&f->s, false);
	for (int i = 0; i < NBUF; i++) {
		iio_dmabuf_detach(f->s.buf_fd, f->fd[i]);
		munmap(f->map[i], f->size);
		close(f->fd[i]);
	}
	sim_teardown(&f->s);
	return 0;
}

/* Expected checksum: @bytes of block @map played cyclically, on top of @sum. */
static void sum_cyclic(struct dac_sum *sum, const void *map, size_t size, uint64_t bytes)
{
	for (; bytes >= size; bytes -= size)
		dac_sum_update(sum, map, size);
	dac_sum_update(sum, map, bytes);
}

/*
 * One block, queued before enable, repeats: after 0.75 s at 10 periods/s it
 * played about 7.5 times, without an underrun; disable ends it (fence
 * -EINTR, the blocked SYNC START returns) and the checksum is exactly that
 * many repetitions.
 */
static void test_repeats_until_disable(void **state)
{
	struct fixture *f = *state;
	struct sync_waiter w = { .fd = f->fd[0], .flags = DMA_BUF_SYNC_WRITE, .ret = 1 };
	struct dac_sum want = { 0 }, played;
	uint64_t underruns;
	pthread_t th;
	int sync_fd;
	double t;

	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, IIO_BUFFER_DMABUF_CYCLIC), 0);
	sync_fd = dmabuf_export_fence_all(f->fd[0]);
	assert_true(sync_fd >= 0);
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(pthread_create(&th, NULL, sync_waiter_thread, &w), 0);
	usleep(750000);
	assert_int_equal(w.ret, 1);	/* still waiting: it never ends by itself */
	assert_int_equal(sync_file_status(sync_fd), 0);
	assert_int_equal(sim_attr_u64(&f->s, "buffer0/underruns", &underruns), 0);
	t = now_seconds();
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_true(w.done - t < 2.0);
	assert_int_equal(sync_file_status(sync_fd), -EINTR);
	close(sync_fd);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);

	assert_int_equal(sim_dac_played(&f->s, &played), 0);
	printf("# cyclic: %llu bytes played = %.2f periods\n",
	       (unsigned long long)played.bytes, played.bytes / (double)f->size);
	assert_int_equal(played.bytes % SCAN, 0);
	assert_true(played.bytes >= 4 * f->size);
	sum_cyclic(&want, f->map[0], f->size, played.bytes);
	assert_int_equal(played.b, want.b);
	/* played from enable on: never an underrun */
	assert_int_equal(underruns, 0);
}

/*
 * While cyclic block A plays, block B is enqueued: A completes (status 0)
 * at the end of its current period, B plays once, then nothing is left.
 */
static void test_second_enqueue_follows(void **state)
{
	struct fixture *f = *state;
	struct dac_sum want = { 0 }, played;
	int sa, sb;
	uint64_t periods;
	struct pollfd p;

	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, IIO_BUFFER_DMABUF_CYCLIC), 0);
	sa = dmabuf_export_fence_all(f->fd[0]);
	assert_true(sa >= 0);
	usleep(350000);		/* mid-period, after about 3.5 */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[1], f->size, 0), 0);
	sb = dmabuf_export_fence_all(f->fd[1]);
	assert_true(sb >= 0);
	assert_int_equal(sync_file_status(sb), 0);
	p = (struct pollfd){ .fd = sa, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(sync_file_status(sa), 1);	/* ended normally */
	p = (struct pollfd){ .fd = sb, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(sync_file_status(sb), 1);
	close(sa);
	close(sb);
	assert_int_equal(sim_enable(&f->s, false), 0);

	assert_int_equal(sim_dac_played(&f->s, &played), 0);
	/* whole periods of A, then all of B */
	assert_int_equal((played.bytes - f->size) % f->size, 0);
	periods = (played.bytes - f->size) / f->size;
	printf("# A played %llu whole periods, then B\n", (unsigned long long)periods);
	assert_true(periods >= 3);
	sum_cyclic(&want, f->map[0], f->size, periods * f->size);
	dac_sum_update(&want, f->map[1], f->size);
	assert_int_equal(played.b, want.b);
}

/*
 * The same DMABUF enqueued again while its cyclic transfer plays, cyclic or
 * not: EBUSY at once (its block is ACTIVE), it goes on repeating. A cyclic
 * block of another DMABUF takes over at the period boundary (the first
 * completes with 0) and repeats in turn until disable (-EINTR).
 */
static void test_cyclic_replaces_cyclic(void **state)
{
	struct fixture *f = *state;
	struct dac_sum want = { 0 }, played;
	int s1, s2;
	double t0;

	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, IIO_BUFFER_DMABUF_CYCLIC), 0);
	s1 = dmabuf_export_fence_all(f->fd[0]);
	assert_true(s1 >= 0);
	usleep(150000);
	t0 = now_seconds();
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size / 2,
					    IIO_BUFFER_DMABUF_CYCLIC), -EBUSY);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 0), -EBUSY);
	assert_true(now_seconds() - t0 < 0.2);
	usleep(150000);
	assert_int_equal(sync_file_status(s1), 0);	/* still repeats */
	/* half of the other DMABUF, cyclic */
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[1], f->size / 2, IIO_BUFFER_DMABUF_CYCLIC), 0);
	s2 = dmabuf_export_fence_all(f->fd[1]);
	assert_true(s2 >= 0);
	assert_int_equal(sync_file_wait(s1, 5000), 1);
	usleep(300000);
	assert_int_equal(sync_file_status(s2), 0);	/* repeats */
	assert_int_equal(sim_enable(&f->s, false), 0);
	assert_int_equal(sync_file_status(s2), -EINTR);
	close(s1);
	close(s2);

	assert_int_equal(sim_dac_played(&f->s, &played), 0);
	/* k whole periods of the first block, then the half block repeated */
	for (uint64_t k = 1; k < 20; k++) {
		struct dac_sum w = { 0 };

		if (played.bytes < k * f->size)
			break;
		sum_cyclic(&w, f->map[0], f->size, k * f->size);
		sum_cyclic(&w, f->map[1], f->size / 2, played.bytes - k * f->size);
		if (w.b == played.b) {
			printf("# %llu periods, then %.2f half periods\n", (unsigned long long)k,
			       (played.bytes - k * f->size) / (double)(f->size / 2));
			want = w;
			assert_true(played.bytes - k * f->size >= f->size);
			break;
		}
	}
	assert_int_equal(want.b, played.b);
}

/* Cyclic is for output buffers only: the core refuses it on the ADC. */
static void test_adc_cyclic_einval(void **state)
{
	struct fixture *f = *state;
	struct sim adc;
	int fd;

	(void)f;
	assert_int_equal(sim_setup(&adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, 1000), 0);
	fd = dmabuf_alloc(DMABUF_HEAP, 4096);
	assert_true(fd >= 0);
	assert_int_equal(iio_dmabuf_attach(adc.buf_fd, fd), 0);
	assert_int_equal(sim_enable(&adc, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(adc.buf_fd, fd, 4096, IIO_BUFFER_DMABUF_CYCLIC), -EINVAL);
	assert_int_equal(dmabuf_fence_status_all(fd), 1);	/* nothing pending */
	assert_int_equal(iio_dmabuf_enqueue(adc.buf_fd, fd, 4096, 0), 0);
	assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(sim_enable(&adc, false), 0);
	assert_int_equal(iio_dmabuf_detach(adc.buf_fd, fd), 0);
	close(fd);
	sim_teardown(&adc);
	/* unknown flags on the DAC: EINVAL too */
	assert_int_equal(sim_enable(&f->s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->s.buf_fd, f->fd[0], f->size, 2), -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_repeats_until_disable),
		T(test_second_enqueue_follows),
		T(test_cyclic_replaces_cyclic),
		T(test_adc_cyclic_einval),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
