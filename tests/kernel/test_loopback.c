// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * End-to-end paths between sim-dac and sim-adc:
 * - loopback (sim-adc's "loopback" attribute): the ADC captures exactly the
 *   scans the DAC played, none lost, none added;
 * - device-to-device zero copy: the same DMABUFs attached to both, each
 *   enqueued to the ADC and then to the DAC, in rotation; the core's fence
 *   waits alone order them (no SYNC, no mmap in userspace) and the DAC plays
 *   exactly the ADC's counter;
 * - underruns: the DAC outputs zeros while it has nothing to play; their
 *   number, seen through loopback, is exactly the underruns counter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include "simtest.h"

#define MiB (1024 * 1024ull)
#define NBUF 4

struct fixture {
	struct sim adc, dac;
	int fd[NBUF];
	void *map[NBUF];
	size_t size;
};

static int setup(void **state)
{
	static struct fixture f;

	if (sim_setup(&f.adc, SIM_ADC_NAME, 0x3, SIM_UNTHROTTLED) ||
	    sim_setup_dac(&f.dac, SIM_DAC_NAME, SIM_DAC_CHANNELS, SIM_UNTHROTTLED))
		return -1;
	f.size = 256 * 1024;
	for (int i = 0; i < NBUF; i++) {
		f.fd[i] = dmabuf_alloc(DMABUF_HEAP, f.size);
		if (f.fd[i] < 0)
			return -1;
		f.map[i] = NULL;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_attr_write(&f->adc, "loopback", "0");
	sim_enable(&f->adc, false);
	sim_enable(&f->dac, false);
	for (int i = 0; i < NBUF; i++) {
		iio_dmabuf_detach(f->adc.buf_fd, f->fd[i]);
		iio_dmabuf_detach(f->dac.buf_fd, f->fd[i]);
		if (f->map[i])
			munmap(f->map[i], f->size);
		close(f->fd[i]);
	}
	sim_teardown(&f->adc);
	sim_teardown(&f->dac);
	return 0;
}

struct capture {
	struct fixture *f;
	volatile int stop;	/* the DAC is disabled: drain, then return */
	uint64_t expect;	/* next expected non-zero DAC scan value */
	uint64_t zeros, bad;
	int ret;
};

/*
 * Read the ADC (2 channels, fileio, non-blocking) until stopped and drained;
 * compare the non-zero scans to the pattern, count the zero ones.
 */
static void *capture_thread(void *arg)
{
	struct capture *c = arg;
	uint32_t buf[16384];
	int idle = 0;

	while (!c->stop || idle < 50) {
		ssize_t n = read(c->f->adc.buf_fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno != EAGAIN) {
				c->ret = -errno;
				return NULL;
			}
			idle += c->stop;
			usleep(2000);
			continue;
		}
		idle = 0;
		for (size_t k = 0; k < (size_t)n / 4; k++) {
			if (!buf[k])
				c->zeros++;
			else
				c->bad += buf[k] != (uint32_t)c->expect++;
		}
	}
	return NULL;
}

/*
 * 16 MiB played at 1 M scans/s while the ADC captures through loopback:
 * the non-zero scans are exactly the ones played, in order; the zero ones
 * are the pattern's first scan (0) and one per DAC underrun.
 */
static void test_loopback_exact(void **state)
{
	struct fixture *f = *state;
	struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = 4, .block = 256 * 1024, .bytes = 16 * MiB };
	struct capture c = { .f = f, .expect = 1 };
	struct play_result r;
	uint64_t overruns, underruns;
	char val[16];
	pthread_t th;
	int ret, fl;

	fl = fcntl(f->adc.buf_fd, F_GETFL);
	assert_int_equal(fcntl(f->adc.buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	assert_int_equal(sim_attr_read(&f->adc, "loopback", val, sizeof(val)), 0);
	assert_string_equal(val, "0");
	assert_int_equal(sim_attr_write(&f->adc, "loopback", "1"), 0);
	assert_int_equal(sim_attr_read(&f->adc, "loopback", val, sizeof(val)), 0);
	assert_string_equal(val, "1");
	/* the ADC's own rate does not matter: the DAC clocks it */
	assert_int_equal(sim_attr_write(&f->adc, "sampling_frequency", "10"), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(pthread_create(&th, NULL, capture_thread, &c), 0);

	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "1000000"), 0);
	ret = sim_play_dmabuf(&f->dac, &o, &r);
	c.stop = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	assert_int_equal(c.ret, 0);
	assert_int_equal(sim_attr_u64(&f->dac, "buffer0/underruns", &underruns), 0);
	assert_int_equal(sim_attr_u64(&f->adc, "buffer0/overruns", &overruns), 0);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(fcntl(f->adc.buf_fd, F_SETFL, fl), 0);
	printf("# %llu MiB played and captured in %.2f s, %llu scans differ, "
	       "%llu zero scans, %llu underruns, %llu overruns\n",
	       (unsigned long long)(r.played.bytes / MiB), r.seconds, (unsigned long long)c.bad,
	       (unsigned long long)c.zeros, (unsigned long long)underruns,
	       (unsigned long long)overruns);
	assert_int_equal(r.played.bytes, o.bytes);
	assert_int_equal(r.played.b, r.sum.b);
	assert_int_equal(c.expect, o.bytes / 4);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.zeros, underruns + 1);
	assert_int_equal(overruns, 0);
}

/*
 * Four ADC channels in loopback: channel i holds DAC channel i % 2. With
 * loopback off again, the ADC's own counter comes back.
 */
static void test_loopback_channels(void **state)
{
	struct fixture *f = *state;
	const size_t scans = 1000;
	uint32_t *src;
	const uint32_t *p;
	int dfd;

	sim_teardown(&f->adc);
	assert_int_equal(sim_setup(&f->adc, SIM_ADC_NAME, SIM_ALL_CHANNELS, SIM_UNTHROTTLED), 0);
	f->map[0] = mmap(NULL, f->size, PROT_READ, MAP_SHARED, f->fd[0], 0);
	assert_true(f->map[0] != MAP_FAILED);
	assert_int_equal(iio_dmabuf_attach(f->adc.buf_fd, f->fd[0]), 0);
	assert_int_equal(sim_attr_write(&f->adc, "loopback", "1"), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->fd[0], scans * 8, 0), 0);

	dfd = dmabuf_alloc(DMABUF_HEAP, scans * 4);
	assert_true(dfd >= 0);
	src = mmap(NULL, scans * 4, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	assert_true(src != MAP_FAILED);
	dac_pattern_fill(src, scans * 4, 0x12340000);
	assert_int_equal(iio_dmabuf_attach(f->dac.buf_fd, dfd), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, dfd, scans * 4, 0), 0);

	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(dmabuf_fence_status(f->fd[0]), 1);
	p = f->map[0];
	for (size_t k = 0; k < scans; k++) {
		assert_int_equal(p[2 * k], src[k]);
		assert_int_equal(p[2 * k + 1], src[k]);
	}
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);

	/* loopback off: the counter */
	assert_int_equal(sim_attr_write(&f->adc, "loopback", "0"), 0);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->fd[0], scans * 8, 0), 0);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	for (size_t k = 0; k < scans; k++)
		assert_int_equal(((const uint64_t *)p)[k], k);
	assert_int_equal(dmabuf_sync(f->fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);

	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(iio_dmabuf_detach(f->dac.buf_fd, dfd), 0);
	munmap(src, scans * 4);
	close(dfd);
}

/*
 * Zero copy ADC -> DAC: 64 rounds of 256 KiB through 4 DMABUFs attached to
 * both devices. Userspace only enqueues: the DAC's ENQUEUE waits in the core
 * for the ADC's (write) fence, the ADC's re-ENQUEUE for the DAC's (read)
 * fence. No SYNC, no mapping. The DAC plays the ADC's counter exactly.
 */
static void test_chain_zero_copy(void **state)
{
	struct fixture *f = *state;
	const unsigned int rounds = 64;
	struct dac_sum want = { 0 }, played;
	uint64_t overruns, underruns;
	uint32_t *pattern;
	double t0, dt;

	for (int i = 0; i < NBUF; i++) {
		assert_int_equal(iio_dmabuf_attach(f->adc.buf_fd, f->fd[i]), 0);
		assert_int_equal(iio_dmabuf_attach(f->dac.buf_fd, f->fd[i]), 0);
	}
	assert_int_equal(sim_enable(&f->adc, true), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	t0 = now_seconds();
	for (int i = 0; i < NBUF; i++)
		assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->fd[i], f->size, 0), 0);
	for (unsigned int r = 0; r < rounds; r++) {
		int i = r % NBUF;

		assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, f->fd[i], f->size, 0), 0);
		if (r + NBUF < rounds)
			assert_int_equal(iio_dmabuf_enqueue(f->adc.buf_fd, f->fd[i], f->size, 0), 0);
	}
	assert_int_equal(sim_debugfs_wait(&f->dac, "bytes", (uint64_t)rounds * f->size, 10000), 0);
	dt = now_seconds() - t0;
	assert_int_equal(sim_attr_u64(&f->adc, "buffer0/overruns", &overruns), 0);
	assert_int_equal(sim_attr_u64(&f->dac, "buffer0/underruns", &underruns), 0);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(sim_dac_played(&f->dac, &played), 0);

	pattern = malloc(f->size);
	assert_non_null(pattern);
	for (unsigned int r = 0; r < rounds; r++) {
		dac_pattern_fill(pattern, f->size, (uint64_t)r * f->size / 4);
		dac_sum_update(&want, pattern, f->size);
	}
	free(pattern);
	printf("# %u MiB from ADC to DAC in %.2f s, zero copy\n",
	       (unsigned int)(rounds * f->size / MiB), dt);
	assert_int_equal(played.bytes, (uint64_t)rounds * f->size);
	assert_int_equal(played.b, want.b);
	assert_int_equal(overruns, 0);
	assert_int_equal(underruns, 0);
}

/*
 * Underruns, exactly: a DAC at 2000 scans/s fed 0.1 s blocks every 0.2 s
 * outputs zeros while it has nothing to play. Through loopback into the
 * ADC's read() ring, the zero scans are exactly buffer0/underruns and the
 * others exactly the blocks played, in order.
 */
static void test_underruns_are_zeros(void **state)
{
	struct fixture *f = *state;
	const unsigned int rate = 2000, scans = rate / 10;
	uint64_t underruns, zeros = 0, nonzero = 0, bad = 0, expect = 1;
	uint32_t *src, buf[4096];
	int dfd, fl;
	ssize_t n;


	/* the ADC in fileio mode (nothing attached), non-blocking */
	fl = fcntl(f->adc.buf_fd, F_GETFL);
	assert_int_equal(fcntl(f->adc.buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	assert_int_equal(sim_attr_write(&f->adc, "loopback", "1"), 0);
	assert_int_equal(sim_enable(&f->adc, true), 0);

	dfd = dmabuf_alloc(DMABUF_HEAP, scans * 4);
	assert_true(dfd >= 0);
	src = mmap(NULL, scans * 4, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	assert_true(src != MAP_FAILED);
	assert_int_equal(iio_dmabuf_attach(f->dac.buf_fd, dfd), 0);
	assert_int_equal(sim_attr_write(&f->dac, "sampling_frequency", "%u", rate), 0);
	assert_int_equal(sim_enable(&f->dac, true), 0);
	for (int b = 0; b < 5; b++) {
		usleep(100000);		/* nothing queued: about 200 underruns */
		/* scans 1, 2, ...: never zero */
		dac_pattern_fill(src, scans * 4, 1 + (uint64_t)b * scans);
		assert_int_equal(dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
		assert_int_equal(iio_dmabuf_enqueue(f->dac.buf_fd, dfd, scans * 4, 0), 0);
		/* wait until played */
		assert_int_equal(dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	}
	usleep(50000);
	assert_int_equal(sim_enable(&f->dac, false), 0);
	assert_int_equal(sim_attr_u64(&f->dac, "buffer0/underruns", &underruns), 0);

	/* the ADC's engine may still be moving the line's last scans */
	for (int tries = 0; tries < 300 && zeros + nonzero < underruns + 5 * scans;) {
		n = read(f->adc.buf_fd, buf, sizeof(buf));
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			usleep(10000);
			tries++;
			continue;
		}
		for (size_t k = 0; k < (size_t)n / 4; k++) {
			if (!buf[k]) {
				zeros++;
				continue;
			}
			nonzero++;
			bad += buf[k] != (uint32_t)expect++;
		}
	}
	/* and nothing more */
	usleep(50000);
	assert_int_equal(read(f->adc.buf_fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	printf("# %llu scans played, %llu zero scans, underruns %llu\n",
	       (unsigned long long)nonzero, (unsigned long long)zeros,
	       (unsigned long long)underruns);
	assert_int_equal(nonzero, 5 * scans);
	assert_int_equal(bad, 0);
	assert_true(underruns >= 5 * scans * 9 / 10);
	assert_int_equal(zeros, underruns);

	assert_int_equal(sim_enable(&f->adc, false), 0);
	assert_int_equal(fcntl(f->adc.buf_fd, F_SETFL, fl), 0);
	assert_int_equal(iio_dmabuf_detach(f->dac.buf_fd, dfd), 0);
	munmap(src, scans * 4);
	close(dfd);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_loopback_exact),
		T(test_loopback_channels),
		T(test_chain_zero_copy),
		T(test_underruns_are_zeros),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
