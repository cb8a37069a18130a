// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A streaming process killed with SIGKILL leaves nothing behind. A child
 * sets a stream up on sim-adc or sim-dac (DMABUFs attached, enqueued and
 * mapped, one SYNC START held without END; or the read()/write() ring) and
 * is killed while blocked: in an ENQUEUE that waits for the DMABUF's
 * pending fence, in SYNC START, in read(), in write(), or with a cyclic
 * block playing. Afterwards:
 * - the transfers it left complete by themselves (the buffer stays enabled:
 *   close does not cancel), the DAC plays exactly what was queued, and the
 *   attachments go (debugfs 0, module refcount 0); a cyclic block repeats
 *   until disable, and pins the module until then;
 * - disable works; another process attaches and streams correct data;
 * - rmmod works, and insmod again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/dma-buf.h>

#include "iio_dmabuf.h"
#include "simtest.h"

#define NBUF	3
#define SIZE	8192
#define PERIOD	4000	/* cyclic block: 1000 DAC scans */

/* --- in the child: any failure exits with 2 ----------------------------- */

static void die(const char *what, int err)
{
	fprintf(stderr, "child: %s: %s\n", what, strerror(err < 0 ? -err : err));
	_exit(2);
}

#define CHECK(expr, what) do {			\
	int _ret = (expr);			\
	if (_ret < 0)				\
		die(what, _ret);		\
} while (0)

/* Tell the parent the next call blocks. */
static void ready(int fd)
{
	if (write(fd, "r", 1) != 1)
		die("pipe", -errno);
}

/* @n DMABUFs mapped with @prot and attached to @s. */
static void child_dmabufs(struct sim *s, int *fd, void **map, int n, int prot)
{
	for (int i = 0; i < n; i++) {
		fd[i] = dmabuf_alloc(i % 2 ? DMABUF_UDMABUF : DMABUF_HEAP, SIZE);
		CHECK(fd[i], "dmabuf_alloc");
		map[i] = mmap(NULL, SIZE, prot, MAP_SHARED, fd[i], 0);
		if (map[i] == MAP_FAILED)
			die("mmap", -errno);
		CHECK(iio_dmabuf_attach(s->buf_fd, fd[i]), "attach");
	}
}

/*
 * sim-adc at 1000 scans/s, three 1 s blocks queued before enable (the first
 * starts with scan 0); SYNC START on the first (held); then blocked until the
 * third is done (at 3 s), in ENQUEUE of it (the core waits for its fence) or
 * in SYNC START.
 */
static void child_adc_dmabuf(int rfd, bool in_enqueue)
{
	void *map[NBUF];
	int fd[NBUF];
	struct sim s;

	CHECK(sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 1000), "setup");
	child_dmabufs(&s, fd, map, NBUF, PROT_READ);
	for (int i = 0; i < NBUF; i++)
		CHECK(iio_dmabuf_enqueue(s.buf_fd, fd[i], SIZE, 0), "enqueue");
	CHECK(sim_enable(&s, true), "enable");
	CHECK(dmabuf_sync(fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), "SYNC START");
	if (*(volatile uint64_t *)map[0] != 0)
		die("first scan", EINVAL);
	ready(rfd);
	if (in_enqueue)
		CHECK(iio_dmabuf_enqueue(s.buf_fd, fd[2], SIZE, 0), "blocking enqueue");
	else
		CHECK(dmabuf_sync(fd[2], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), "SYNC START");
}

static void child_adc_enqueue(int rfd)
{
	child_adc_dmabuf(rfd, true);
}

static void child_adc_sync(int rfd)
{
	child_adc_dmabuf(rfd, false);
}

/* sim-adc fileio at 100 scans/s: read() waits for 1000 scans. */
static void child_adc_read(int rfd)
{
	char buf[SIZE];
	struct sim s;

	CHECK(sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 100), "setup");
	CHECK(sim_attr_write(&s, "buffer0/watermark", "1000"), "watermark");
	CHECK(sim_enable(&s, true), "enable");
	ready(rfd);
	if (read(s.buf_fd, buf, sizeof(buf)) < 0)
		die("read", -errno);
}

/* Scan k of DAC block @i holds i * SIZE / 4 + k. */
static void dac_block_fill(void *map, int i)
{
	dac_pattern_fill(map, SIZE, (uint64_t)i * SIZE / 4);
}

/*
 * sim-dac at 2000 scans/s, three 1 s blocks queued; SYNC START WRITE on the
 * first (waits until it was played, then held); then blocked in SYNC START
 * WRITE on the third.
 */
static void child_dac_dmabuf(int rfd)
{
	void *map[NBUF];
	int fd[NBUF];
	struct sim s;

	CHECK(sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, 2000), "setup");
	child_dmabufs(&s, fd, map, NBUF, PROT_READ | PROT_WRITE);
	for (int i = 0; i < NBUF; i++)
		dac_block_fill(map[i], i);
	CHECK(sim_enable(&s, true), "enable");
	for (int i = 0; i < NBUF; i++)
		CHECK(iio_dmabuf_enqueue(s.buf_fd, fd[i], SIZE, 0), "enqueue");
	CHECK(dmabuf_sync(fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), "SYNC START");
	ready(rfd);
	CHECK(dmabuf_sync(fd[2], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), "SYNC START");
}

/* sim-dac repeating a cyclic block; SYNC START WRITE waits for ever. */
static void child_dac_cyclic(int rfd)
{
	void *map;
	struct sim s;
	int fd;

	CHECK(sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, 100000), "setup");
	child_dmabufs(&s, &fd, &map, 1, PROT_READ | PROT_WRITE);
	dac_pattern_fill(map, PERIOD, 1);
	CHECK(sim_enable(&s, true), "enable");
	CHECK(iio_dmabuf_enqueue(s.buf_fd, fd, PERIOD, IIO_BUFFER_DMABUF_CYCLIC), "enqueue");
	ready(rfd);
	CHECK(dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), "SYNC START");
}

/* sim-dac fileio at 10 scans/s, a full 64-scan ring: write() waits. */
static void child_dac_write(int rfd)
{
	static char buf[SIZE];
	struct sim s;

	CHECK(sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, 10), "setup");
	CHECK(sim_attr_write(&s, "buffer0/length", "64"), "length");
	/* the core sets the scan size at enable: write() needs one first */
	CHECK(sim_enable(&s, true), "enable");
	CHECK(sim_enable(&s, false), "disable");
	if (write(s.buf_fd, buf, 64 * 4) != 64 * 4)
		die("write", -errno);
	CHECK(sim_enable(&s, true), "enable");
	ready(rfd);
	if (write(s.buf_fd, buf, sizeof(buf)) < 0)
		die("write", -errno);
}

/* --- in the parent ------------------------------------------------------ */

/* A process's state letter from /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] ? p[2] : 0;
}

/* Run @fn in a child, wait until it blocks, kill it. */
static void run_and_kill(void (*fn)(int rfd))
{
	struct pollfd p;
	int pfd[2], status;
	char c;
	pid_t pid;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(pfd[0]);
		fn(pfd[1]);
		fprintf(stderr, "child: the blocking call returned\n");
		_exit(3);
	}
	close(pfd[1]);
	p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	assert_int_equal(poll(&p, 1, 20000), 1);
	if (read(pfd[0], &c, 1) != 1) {
		assert_int_equal(waitpid(pid, &status, 0), pid);
		fail_msg("the child failed before blocking (status %#x)", status);
	}
	close(pfd[0]);
	/*
	 * Blocked: asleep in the call. A writer wakes for a moment whenever the
	 * device makes room, so look a few times before calling it running.
	 */
	usleep(300000);
	for (int i = 0; i < 100 && proc_state(pid) != 'S'; i++)
		usleep(50000);
	c = proc_state(pid);
	if (c != 'S') {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the child is not asleep in the call (state '%c')", c ? c : '?');
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void expect_attachments(const struct sim *s, uint64_t want, int timeout_ms)
{
	uint64_t n = ~0ull;

	assert_int_equal(sim_debugfs_wait(s, "buffer0/attachments", want, timeout_ms), 0);
	assert_int_equal(sim_debugfs_u64(s, "buffer0/attachments", &n), 0);
	assert_int_equal(n, want);
}

/* Nothing pins the module: rmmod works, no device is left, insmod again. */
static void module_cycle(void)
{
	struct sim t;

	assert_int_equal(sim_module_wait_refcnt(0, 3000), 0);
	assert_int_equal(sim_module_remove(), 0);
	assert_int_equal(sim_find(&t, SIM_ADC_NAME), -ENOENT);
	assert_int_equal(sim_find(&t, SIM_DAC_NAME), -ENOENT);
	assert_int_equal(sim_module_load(NULL), 0);
	assert_int_equal(sim_find(&t, SIM_ADC_NAME), 0);
}

static void adc_stream_check(bool dmabuf)
{
	struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = NBUF, .block = SIZE,
				 .bytes = 32 * SIZE };
	struct stream_result r;
	struct sim s;
	int ret;

	assert_int_equal(sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, 0), 0);
	ret = dmabuf ? sim_stream_dmabuf(&s, &o, &r) : sim_stream_read(&s, &o, &r);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	assert_int_equal(r.c.scans, o.bytes / 8);
	assert_int_equal(r.c.gaps + r.c.mismatches, 0);
	sim_teardown(&s);
}

static void dac_play_check(bool dmabuf)
{
	struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = NBUF, .block = SIZE,
				 .bytes = 32 * SIZE };
	struct play_result r;
	struct sim s;
	int ret;

	assert_int_equal(sim_setup_dac(&s, SIM_DAC_NAME, SIM_DAC_CHANNELS, 0), 0);
	ret = dmabuf ? sim_play_dmabuf(&s, &o, &r) : sim_play_write(&s, &o, &r);
	if (ret)
		fail_msg("%s: %s", r.what, strerror(-ret));
	assert_int_equal(r.played.bytes, o.bytes);
	assert_int_equal(r.played.b, r.sum.b);
	sim_teardown(&s);
}

/* The ADC child's blocks complete by themselves; then all is released. */
static void adc_dmabuf_after(void)
{
	struct sim s;

	assert_int_equal(sim_find(&s, SIM_ADC_NAME), 0);
	expect_attachments(&s, 0, 8000);
	assert_int_equal(sim_module_wait_refcnt(0, 1000), 0);
	assert_int_equal(sim_enable(&s, false), 0);
	adc_stream_check(true);
	module_cycle();
}

static void test_kill_adc_in_enqueue(void **state)
{
	(void)state;
	run_and_kill(child_adc_enqueue);
	adc_dmabuf_after();
}

static void test_kill_adc_in_sync(void **state)
{
	(void)state;
	run_and_kill(child_adc_sync);
	adc_dmabuf_after();
}

static void test_kill_adc_in_read(void **state)
{
	struct sim s;

	(void)state;
	run_and_kill(child_adc_read);
	assert_int_equal(sim_find(&s, SIM_ADC_NAME), 0);
	expect_attachments(&s, 0, 0);
	assert_int_equal(sim_enable(&s, false), 0);
	adc_stream_check(false);
	adc_stream_check(true);
	module_cycle();
}

/* The DAC plays the dead child's three blocks, exactly. */
static void test_kill_dac_in_sync(void **state)
{
	struct dac_sum want = { 0 }, played;
	struct sim s;
	void *block;

	(void)state;
	run_and_kill(child_dac_dmabuf);
	assert_int_equal(sim_find(&s, SIM_DAC_NAME), 0);
	expect_attachments(&s, 0, 8000);
	assert_int_equal(sim_module_wait_refcnt(0, 1000), 0);
	block = malloc(SIZE);
	assert_non_null(block);
	for (int i = 0; i < NBUF; i++) {
		dac_block_fill(block, i);
		dac_sum_update(&want, block, SIZE);
	}
	free(block);
	assert_int_equal(sim_dac_played(&s, &played), 0);
	assert_int_equal(played.bytes, want.bytes);
	assert_int_equal(played.b, want.b);
	assert_int_equal(sim_enable(&s, false), 0);
	dac_play_check(true);
	module_cycle();
}

/* The cyclic block outlives its process: it plays, and pins, until disable. */
static void test_kill_dac_cyclic(void **state)
{
	struct dac_sum a, b;
	struct sim s;

	(void)state;
	run_and_kill(child_dac_cyclic);
	assert_int_equal(sim_find(&s, SIM_DAC_NAME), 0);
	assert_int_equal(sim_dac_played(&s, &a), 0);
	usleep(100000);
	assert_int_equal(sim_dac_played(&s, &b), 0);
	assert_true(b.bytes > a.bytes);
	expect_attachments(&s, 1, 0);
	assert_int_equal(sim_module_refcnt(), 1);
	assert_int_equal(sim_module_remove(), -EAGAIN);
	assert_int_equal(sim_enable(&s, false), 0);
	expect_attachments(&s, 0, 2000);
	assert_int_equal(sim_dac_played(&s, &a), 0);
	assert_int_equal(a.bytes % 4, 0);
	dac_play_check(true);
	module_cycle();
}

static void test_kill_dac_in_write(void **state)
{
	struct sim s;

	(void)state;
	run_and_kill(child_dac_write);
	assert_int_equal(sim_find(&s, SIM_DAC_NAME), 0);
	expect_attachments(&s, 0, 0);
	assert_int_equal(sim_enable(&s, false), 0);
	dac_play_check(false);
	dac_play_check(true);
	module_cycle();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_adc_in_enqueue),
		cmocka_unit_test(test_kill_adc_in_sync),
		cmocka_unit_test(test_kill_adc_in_read),
		cmocka_unit_test(test_kill_dac_in_sync),
		cmocka_unit_test(test_kill_dac_cyclic),
		cmocka_unit_test(test_kill_dac_in_write),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
