// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * read() on buffer0's fd (fileio mode) and how it coexists with DMABUF: while
 * a DMABUF is attached (or the buffer is enabled in DMABUF mode) there is never
 * data for read(): O_NONBLOCK read() fails with EBUSY, a blocking one sleeps,
 * poll() reports nothing and data_available is 0, as mainline's DMA buffer
 * answers; ATTACH fails with EBUSY while the buffer is enabled in fileio mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "simtest.h"

#define MiB (1024 * 1024ull)

static int setup_rate(void **state, unsigned int rate)
{
	static struct sim s;

	if (sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, rate))
		return -1;
	*state = &s;
	return 0;
}

static int setup_unthrottled(void **state)
{
	return setup_rate(state, SIM_UNTHROTTLED);
}

static int setup_slow(void **state)
{
	return setup_rate(state, 1000);
}

static int teardown(void **state)
{
	sim_teardown(*state);
	return 0;
}

static ssize_t read_errno(int fd, void *buf, size_t n)
{
	ssize_t ret = read(fd, buf, n);

	return ret < 0 ? -errno : ret;
}

static void test_read_256mib(void **state)
{
	struct stream_opts o = { .block = MiB, .bytes = 256 * MiB };
	struct stream_result r;
	int ret;

	ret = sim_stream_read(*state, &o, &r);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	printf("# read(): %llu MiB in %.2f s = %.1f MiB/s\n",
	       (unsigned long long)(r.bytes / MiB), r.seconds, r.bytes / (double)MiB / r.seconds);
	assert_int_equal(r.bytes, o.bytes);
	assert_int_equal(r.c.mismatches, 0);
	assert_int_equal(r.c.gaps, 0);
	assert_int_equal(r.c.expect, o.bytes / 8);
}

/* Channel 0 only: 2-byte scans holding the low 16 bits of the sequence. */
static void test_read_one_channel(void **state)
{
	struct sim *s = *state;
	uint16_t v[4096];
	uint64_t seq = 0, bad = 0;
	ssize_t n;

	for (unsigned int i = 1; i < 4; i++) {
		char attr[64];

		snprintf(attr, sizeof(attr), "buffer0/in_voltage%u_en", i);
		assert_int_equal(sim_attr_write(s, attr, "0"), 0);
	}
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(read_errno(s->buf_fd, v, 1), -EINVAL);
	/* 3 bytes: one whole scan */
	assert_int_equal(read_errno(s->buf_fd, v, 3), 2);
	bad += v[0] != 0;
	seq = 1;
	while (seq < 200000) {
		n = read_errno(s->buf_fd, v, sizeof(v));
		assert_true(n > 0 && n % 2 == 0);
		for (ssize_t i = 0; i < n / 2; i++, seq++)
			bad += v[i] != counter_sample(seq, 0);
	}
	assert_int_equal(bad, 0);
}

/* Nonblocking read() with nothing to read: EAGAIN, not a hang. */
static void test_read_nonblock(void **state)
{
	struct sim *s = *state;
	uint64_t v[64];
	int fl = fcntl(s->buf_fd, F_GETFL);

	ssize_t n;
	int i;

	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	/* disabled: what an earlier capture left is drained, then EAGAIN */
	for (i = 0; i < 100000 && (n = read_errno(s->buf_fd, v, sizeof(v))) > 0; i++)
		;
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(read_errno(s->buf_fd, v, sizeof(v)), -EAGAIN);
	/* 1000 scans/s: the first scans arrive after a millisecond or so */
	assert_int_equal(sim_enable(s, true), 0);
	usleep(200000);
	assert_true(read_errno(s->buf_fd, v, sizeof(v)) > 0);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl), 0);
}

/* After disable, what was captured is still read, then EAGAIN. */
static void test_read_drains_after_disable(void **state)
{
	struct sim *s = *state;
	struct counter c = { 0 };
	uint64_t v[256];
	uint64_t avail;
	ssize_t n;
	int fl = fcntl(s->buf_fd, F_GETFL);

	assert_int_equal(sim_enable(s, true), 0);
	usleep(300000);
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/data_available", &avail), 0);
	assert_true(avail >= 100 && avail < 5000);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	while ((n = read_errno(s->buf_fd, v, sizeof(v))) > 0)
		counter_check(&c, v, n);
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(c.scans, avail);
	assert_int_equal(c.gaps, 0);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl), 0);
}

/* A blocking read() that must sleep: interrupted by a signal after 300 ms. */
static void expect_read_sleeps(struct sim *s, void *v, size_t n)
{
	double secs;

	assert_int_equal(sim_io_alarm(s->buf_fd, false, v, n, 300, &secs), -EINTR);
	assert_true(secs >= 0.25);
}

/*
 * In DMABUF use there is no data for read(): O_NONBLOCK read() is EBUSY, a
 * blocking one sleeps, poll() reports nothing, data_available is 0.
 */
static void test_read_while_attached(void **state)
{
	struct sim *s = *state;
	struct pollfd p = { .fd = s->buf_fd, .events = POLLIN };
	uint64_t v[16], avail;
	int fd, fl = fcntl(s->buf_fd, F_GETFL);

	/* an enable sets the scan size: without one, read() returns 0 */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(sim_enable(s, false), 0);
	fd = dmabuf_alloc(DMABUF_HEAP, 4096);
	assert_true(fd >= 0);
	assert_int_equal(iio_dmabuf_attach(s->buf_fd, fd), 0);
	/* attached, disabled */
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/data_available", &avail), 0);
	assert_int_equal(avail, 0);
	expect_read_sleeps(s, v, sizeof(v));
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	assert_int_equal(read_errno(s->buf_fd, v, sizeof(v)), -EBUSY);
	/* enabled in DMABUF mode: 1000 scans/s fall due, none for read() */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(poll(&p, 1, 300), 0);
	assert_int_equal(read_errno(s->buf_fd, v, sizeof(v)), -EBUSY);
	assert_int_equal(sim_attr_u64(s, "buffer0/data_available", &avail), 0);
	assert_int_equal(avail, 0);
	/* detached while enabled in DMABUF mode: still DMABUF use until disable */
	assert_int_equal(iio_dmabuf_detach(s->buf_fd, fd), 0);
	assert_int_equal(read_errno(s->buf_fd, v, sizeof(v)), -EBUSY);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl), 0);
	expect_read_sleeps(s, v, sizeof(v));
	assert_int_equal(sim_enable(s, false), 0);
	close(fd);
	/* fileio again */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_true(read_errno(s->buf_fd, v, sizeof(v)) > 0);
}

/* Fileio with a small ring and a reader that sleeps: drops show as gaps. */
static void test_read_overruns(void **state)
{
	struct sim *s = *state;
	struct counter c = { 0 };
	uint64_t v[512], overruns;
	int fl = fcntl(s->buf_fd, F_GETFL);
	ssize_t n;

	assert_int_equal(sim_attr_write(s, "buffer0/length", "100"), 0);
	assert_int_equal(sim_enable(s, true), 0);
	for (int i = 0; i < 5; i++) {
		usleep(200000);		/* 200 scans fall due, 100 fit */
		n = read_errno(s->buf_fd, v, sizeof(v));
		assert_true(n > 0);
		counter_check(&c, v, n);
	}
	assert_int_equal(sim_enable(s, false), 0);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl | O_NONBLOCK), 0);
	while ((n = read_errno(s->buf_fd, v, sizeof(v))) > 0)
		counter_check(&c, v, n);
	assert_int_equal(fcntl(s->buf_fd, F_SETFL, fl), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/overruns", &overruns), 0);
	printf("# %llu scans read, %llu missing, %llu overruns\n",
	       (unsigned long long)c.scans, (unsigned long long)c.gaps,
	       (unsigned long long)overruns);
	assert_int_equal(c.mismatches, 0);
	assert_true(c.gaps > 0);
	/* drops after the last captured scan are counted but not seen */
	assert_true(c.gaps <= overruns);
	assert_true(overruns - c.gaps <= 300);
	/* overruns restart at 0 on enable */
	assert_int_equal(sim_enable(s, true), 0);
	assert_int_equal(sim_attr_u64(s, "buffer0/overruns", &overruns), 0);
	assert_true(overruns < 100);
	assert_int_equal(sim_attr_write(s, "buffer0/overruns", "0"), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_256mib, setup_unthrottled, teardown),
		cmocka_unit_test_setup_teardown(test_read_one_channel, setup_unthrottled, teardown),
		cmocka_unit_test_setup_teardown(test_read_nonblock, setup_slow, teardown),
		cmocka_unit_test_setup_teardown(test_read_drains_after_disable, setup_slow, teardown),
		cmocka_unit_test_setup_teardown(test_read_while_attached, setup_slow, teardown),
		cmocka_unit_test_setup_teardown(test_read_overruns, setup_slow, teardown),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
