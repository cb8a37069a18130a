// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The typical DMABUF workflow, end to end: N DMABUFs, attach, enable, loop
 * {enqueue, SYNC START, verify every scan, SYNC END}, disable, close; with
 * DMABUFs from the system dma-heap and from udmabuf. Also the counter pattern
 * with a subset of channels and the sine waveform.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
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

static int setup_unthrottled(void **state)
{
	static struct sim s;

	if (sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, SIM_UNTHROTTLED))
		return -1;
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	sim_teardown(*state);
	return 0;
}

static void stream(struct sim *s, enum dmabuf_source src, uint64_t bytes)
{
	struct stream_opts o = { .src = src, .nbufs = 4, .block = MiB, .bytes = bytes };
	struct stream_result r;
	int ret;

	ret = sim_stream_dmabuf(s, &o, &r);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	printf("# %s: %llu MiB in %.2f s = %.1f MiB/s\n", dmabuf_source_name(src),
	       (unsigned long long)(r.bytes / MiB), r.seconds, r.bytes / (double)MiB / r.seconds);
	assert_int_equal(r.bytes, bytes);
	assert_int_equal(r.c.scans, bytes / 8);
	assert_int_equal(r.c.mismatches, 0);
	assert_int_equal(r.c.gaps, 0);
	/* the capture starts at sequence number 0 */
	assert_int_equal(r.c.expect, bytes / 8);
}

static void test_heap_1gib(void **state)
{
	stream(*state, DMABUF_HEAP, 1024 * MiB);
}

static void test_udmabuf_1gib(void **state)
{
	stream(*state, DMABUF_UDMABUF, 1024 * MiB);
}

/* Capture one block of @bytes with the channels in @mask; returns its map. */
static void *capture_one(struct sim *s, unsigned int mask, size_t bytes, int *fd)
{
	char attr[64];
	void *map;

	assert_int_equal(sim_enable(s, false), 0);
	for (unsigned int i = 0; i < 4; i++) {
		snprintf(attr, sizeof(attr), "buffer0/in_voltage%u_en", i);
		assert_int_equal(sim_attr_write(s, attr, "%d", !!(mask & (1u << i))), 0);
	}
	*fd = dmabuf_alloc(DMABUF_HEAP, bytes);
	assert_true(*fd >= 0);
	map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, *fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(iio_dmabuf_attach(s->buf_fd, *fd), 0);
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(iio_dmabuf_enqueue(s->buf_fd, *fd, bytes, 0), 0);
	assert_int_equal(dmabuf_sync(*fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(dmabuf_fence_status(*fd), 1);
	return map;
}

static void release_one(struct sim *s, void *map, size_t bytes, int fd)
{
	assert_int_equal(dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(iio_dmabuf_detach(s->buf_fd, fd), 0);
	munmap(map, bytes);
	close(fd);
}

/* Channels 1 and 3 only: each 4-byte scan holds bits 16..31 and 48..63. */
static void test_channel_subset(void **state)
{
	struct sim *s = *state;
	const size_t scans = 300000, bytes = scans * 4;
	const uint16_t *p;
	uint64_t bad = 0;
	int fd;

	p = capture_one(s, 0xa, bytes, &fd);
	for (uint64_t seq = 0; seq < scans; seq++) {
		bad += p[2 * seq] != counter_sample(seq, 1);
		bad += p[2 * seq + 1] != counter_sample(seq, 3);
	}
	/* the sequence passed 65536, so channel 1 is not constant */
	assert_int_equal(p[2 * 70000], counter_sample(70000, 1));
	assert_int_not_equal(counter_sample(70000, 1), 0);
	assert_int_equal(bad, 0);
	release_one(s, (void *)p, bytes, fd);
}

static void test_sine(void **state)
{
	struct sim *s = *state;
	const size_t scans = 3600, bytes = scans * 8;
	const int16_t *p;
	int16_t max = 0;
	int fd;

	assert_int_equal(sim_attr_write(s, "waveform", "sine"), 0);
	p = capture_one(s, SIM_ALL_CHANNELS, bytes, &fd);
	for (size_t seq = 0; seq < scans; seq++) {
		for (unsigned int c = 0; c < 4; c++) {
			double want = 32767.0 * sin(((seq + 90 * c) % 360) * M_PI / 180.0);

			if (fabs(p[4 * seq + c] - want) > 4.0)
				fail_msg("scan %zu ch %u: %d, want %.1f", seq, c, p[4 * seq + c], want);
			if (p[4 * seq + c] > max)
				max = p[4 * seq + c];
		}
	}
	assert_true(max > 32700);
	release_one(s, (void *)p, bytes, fd);
	assert_int_equal(sim_attr_write(s, "waveform", "counter"), 0);
	assert_int_equal(sim_attr_write(s, "waveform", "square"), -EINVAL);
}

/* The device's attributes: channels, scan type, rate limits, waveforms. */
static void test_attributes(void **state)
{
	struct sim *s = *state;
	char val[128], attr[64];
	uint64_t v;

	for (unsigned int i = 0; i < 4; i++) {
		snprintf(attr, sizeof(attr), "buffer0/in_voltage%u_type", i);
		assert_int_equal(sim_attr_read(s, attr, val, sizeof(val)), 0);
		assert_string_equal(val, "le:s16/16>>0");
		snprintf(attr, sizeof(attr), "buffer0/in_voltage%u_index", i);
		assert_int_equal(sim_attr_u64(s, attr, &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(sim_attr_read(s, "buffer0/direction", val, sizeof(val)), 0);
	assert_string_equal(val, "in");
	assert_int_equal(sim_attr_read(s, "waveform_available", val, sizeof(val)), 0);
	assert_string_equal(val, "counter sine");
	assert_int_equal(sim_attr_read(s, "waveform", val, sizeof(val)), 0);
	assert_string_equal(val, "counter");

	assert_int_equal(sim_attr_write(s, "sampling_frequency", "123456"), 0);
	assert_int_equal(sim_attr_u64(s, "sampling_frequency", &v), 0);
	assert_int_equal(v, 123456);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "100000000"), 0);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "100000001"), -EINVAL);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "-1"), -EINVAL);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "10.5"), -EINVAL);
	assert_int_equal(sim_attr_write(s, "sampling_frequency", "0"), 0);
	assert_int_equal(sim_attr_u64(s, "sampling_frequency", &v), 0);
	assert_int_equal(v, 0);

	/*
	 * Any length from 1, as in mainline (libiio writes its DMABUF block
	 * size in bytes there); 0 is ignored (the core drops set_length's
	 * error).
	 */
	assert_int_equal(sim_attr_write(s, "buffer0/length", "4194304"), 0);
	assert_int_equal(sim_attr_write(s, "buffer0/length", "0"), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/length", &v), 0);
	assert_int_equal(v, 4194304);
	assert_int_equal(sim_attr_write(s, "buffer0/length", "1073741824"), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/length", &v), 0);
	assert_int_equal(v, 1073741824);
	/* ... and libiio's watermark write after it works */
	assert_int_equal(sim_attr_write(s, "buffer0/watermark", "8388608"), 0);
	assert_int_equal(sim_attr_write(s, "buffer0/watermark", "1"), 0);
	assert_int_equal(sim_attr_write(s, "buffer0/length", "1"), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/length", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sim_attr_u64(s, "buffer0/overruns", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attributes, setup_unthrottled, teardown),
		cmocka_unit_test_setup_teardown(test_heap_1gib, setup_unthrottled, teardown),
		cmocka_unit_test_setup_teardown(test_udmabuf_1gib, setup_unthrottled, teardown),
		cmocka_unit_test_setup_teardown(test_channel_subset, setup_unthrottled, teardown),
		cmocka_unit_test_setup_teardown(test_sine, setup_unthrottled, teardown),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
