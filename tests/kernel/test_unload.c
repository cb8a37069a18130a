// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module unload against everything userspace can hold: a DMABUF fd, the
 * buffer fd, the device node, an mmap of the DMABUF and a sync_file exported
 * from it (a system-heap DMABUF or a udmabuf, in turn), released in every
 * order, with the DMABUF idle, attached, with a transfer in flight, streaming,
 * or queued on the disabled buffer (enqueued before enable). After each
 * release, rmmod must have the documented outcome (kernel/README.md,
 * "Lifetime and module unload"):
 * - refused (EAGAIN: "in use") while the node is open or a DMABUF is
 *   attached; an attachment lives while the buffer fd is open, or while one
 *   of its transfers is pending (close does not end it; disable does, and a
 *   queued one waits for an enable, which the test does once the buffer fd
 *   and the node are closed: enable + disable, -EINTR);
 * - with only the buffer fd left (nothing attached), rmmod unregisters the
 *   devices and waits until that fd is closed;
 * - otherwise it succeeds, even with the buffer still enabled: the DMABUF,
 *   its mapping and a sync_file are not the module's and stay usable.
 * Before each successful rmmod debugfs shows no attachment; after it, no
 * iio-sim device is left; insmod brings the devices back for the next round.
 *
 * 5! orders x 5 states are 600 insmod/rmmod rounds, too slow for TCG: by
 * default each order runs in one state (order_state()), 24 orders a state,
 * among them each item released first and each released last. UNLOAD_ALL=1
 * runs all 600.
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

#include "simtest.h"

#define SIZE	8192	/* 1024 scans of the 4 channels */
#define NSTATES	5
#define NITEMS	5
#define NPERMS	120	/* 5! */

enum state { IDLE, ATTACHED, INFLIGHT, STREAMING, QUEUED };
enum item { DMABUF_FD, BUFFER_FD, DEVICE_FD, MAPPING, SYNC_FILE };

static const char *const state_name[NSTATES] = {
	"idle", "attached", "in flight", "streaming", "queued"
};
static const char *const item_name[NITEMS] = {
	"dmabuf", "buffer", "node", "mmap", "sync_file"
};

struct round {
	enum state st;
	struct sim s;
	int dfd, sync_fd;
	void *map;
	bool held[NITEMS];
	bool disabled;		/* INFLIGHT, QUEUED: the transfer was ended by disable */
	bool gone;		/* the module was removed */
	pid_t rmmod;		/* a blocked rmmod, or 0 */
	struct counter c;
	char trace[160];	/* the releases so far, for failure messages */
};

struct totals {
	unsigned int rounds, refused, waited, removed_enabled;
};

static struct totals totals;

/* A transfer that pins the module is pending: in flight or queued, not ended. */
static bool pending(const struct round *r)
{
	return (r->st == INFLIGHT || r->st == QUEUED) && !r->disabled;
}

/* Order number @p (0..119) as a permutation of the items. */
static void permutation(unsigned int p, enum item order[NITEMS])
{
	int left[NITEMS] = { 0, 1, 2, 3, 4 };
	unsigned int n = NITEMS;

	for (unsigned int i = 0; i < NITEMS; i++) {
		unsigned int f = 1, k;

		for (unsigned int j = 2; j < n; j++)
			f *= j;
		k = p / f;
		p %= f;
		order[i] = left[k];
		memmove(&left[k], &left[k + 1], (n - k - 1) * sizeof(left[0]));
		n--;
	}
}

/* Whether any iio-sim device is registered. */
static bool sim_devices_left(void)
{
	struct sim t;

	return sim_find(&t, SIM_ADC_NAME) == 0 || sim_find(&t, SIM_DAC_NAME) == 0;
}

static void check_attachments(struct round *r, uint64_t want)
{
	uint64_t n = ~0ull;

	for (int t = 0; t < 300; t++) {
		assert_int_equal(sim_debugfs_u64(&r->s, "buffer0/attachments", &n), 0);
		if (n == want)
			break;
		usleep(10000);
	}
	if (n != want)
		fail_msg("%s [%s]: %llu attachments, want %llu", state_name[r->st],
			 r->trace, (unsigned long long)n, (unsigned long long)want);
}

/* Round of order @p in state @st: a udmabuf for odd @p, else the heap's. */
static void setup_round(struct round *r, enum state st, unsigned int p)
{
	memset(r, 0, sizeof(*r));
	r->st = st;
	assert_int_equal(sim_setup(&r->s, SIM_ADC_NAME, SIM_ALL_CHANNELS,
				   st == INFLIGHT || st == QUEUED ? 1 : 20000), 0);
	r->dfd = dmabuf_alloc(p % 2 ? DMABUF_UDMABUF : DMABUF_HEAP, SIZE);
	assert_true(r->dfd >= 0);
	r->map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, r->dfd, 0);
	assert_true(r->map != MAP_FAILED);
	if (st != IDLE)
		assert_int_equal(iio_dmabuf_attach(r->s.buf_fd, r->dfd), 0);
	if (st == INFLIGHT || st == STREAMING)
		assert_int_equal(sim_enable(&r->s, true), 0);
	if (st == STREAMING) {
		/* three blocks streamed and checked, then one in flight */
		for (int b = 0; b < 3; b++) {
			assert_int_equal(iio_dmabuf_enqueue(r->s.buf_fd, r->dfd, SIZE, 0), 0);
			assert_int_equal(dmabuf_sync(r->dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
			counter_check(&r->c, r->map, SIZE);
			assert_int_equal(dmabuf_sync(r->dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
		}
		assert_int_equal(r->c.scans, 3 * SIZE / 8);
		assert_int_equal(r->c.mismatches, 0);
	}
	/* QUEUED: on the disabled buffer, it waits for an enable */
	if (st >= INFLIGHT)
		assert_int_equal(iio_dmabuf_enqueue(r->s.buf_fd, r->dfd, SIZE, 0), 0);
	r->sync_fd = dmabuf_export_fence(r->dfd);
	assert_true(r->sync_fd >= 0);
	if (pending(r))
		assert_int_equal(sync_file_status(r->sync_fd), 0);
	for (int i = 0; i < NITEMS; i++)
		r->held[i] = true;
	totals.rounds++;
}

/* What rmmod must do now: -EAGAIN (refused), 1 (waits for the buffer fd), 0. */
static int expected(const struct round *r)
{
	if (r->held[DEVICE_FD])
		return -EAGAIN;
	if (r->st != IDLE && r->held[BUFFER_FD])
		return -EAGAIN;
	if (pending(r))
		return -EAGAIN;
	if (r->held[BUFFER_FD])
		return 1;
	return 0;
}

/* The sync_file's fence status once the module is gone. */
static int final_fence_status(const struct round *r)
{
	return r->st == INFLIGHT || r->st == QUEUED ? -EINTR : 1;
}

static void release(struct round *r, enum item it)
{
	volatile uint8_t sum = 0;

	switch (it) {
	case DMABUF_FD:
		/* the buffer fd of an unregistered device refuses it */
		if (r->rmmod && r->held[BUFFER_FD])
			assert_int_equal(iio_dmabuf_attach(r->s.buf_fd, r->dfd), -ENODEV);
		assert_int_equal(close(r->dfd), 0);
		break;
	case BUFFER_FD:
		if (r->rmmod)
			assert_int_equal(iio_dmabuf_enqueue(r->s.buf_fd, r->dfd, SIZE, 0),
					 r->held[DMABUF_FD] ? -EPERM : -EBADF);
		assert_int_equal(close(r->s.buf_fd), 0);
		r->s.buf_fd = -1;
		break;
	case DEVICE_FD:
		assert_int_equal(close(r->s.dev_fd), 0);
		r->s.dev_fd = -1;
		break;
	case MAPPING:
		/* the pages stay the exporter's: readable after rmmod */
		for (size_t i = 0; i < SIZE; i += 512)
			sum += ((const uint8_t *)r->map)[i];
		if (r->gone && r->st == STREAMING) {
			struct counter c = { .expect = r->c.expect };

			counter_check(&c, r->map, SIZE);
			assert_int_equal(c.scans, SIZE / 8);
			assert_int_equal(c.mismatches, 0);
		}
		assert_int_equal(munmap(r->map, SIZE), 0);
		break;
	case SYNC_FILE:
		if (r->gone) {
			struct pollfd p = { .fd = r->sync_fd, .events = POLLIN };

			/* the fence is the IIO core's: still readable */
			assert_int_equal(poll(&p, 1, 1000), 1);
			assert_int_equal(sync_file_status(r->sync_fd), final_fence_status(r));
		}
		assert_int_equal(close(r->sync_fd), 0);
		break;
	}
	(void)sum;
	r->held[it] = false;
	snprintf(r->trace + strlen(r->trace), sizeof(r->trace) - strlen(r->trace),
		 "%s%s", *r->trace ? " " : "", item_name[it]);
}

/* rmmod in a child: it blocks while the buffer fd is open. */
static pid_t start_rmmod(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		closefrom(3);	/* or the child holds the buffer fd too */
		_exit(sim_module_remove() ? 1 : 0);
	}
	return pid;
}

static void module_gone(struct round *r)
{
	r->gone = true;
	assert_int_equal(sim_module_refcnt(), -1);
	assert_false(sim_devices_left());
	assert_int_equal(access(SIM_DEBUGFS, F_OK), -1);
}

/* Try rmmod after a release; check its outcome. */
static void try_rmmod(struct round *r)
{
	int want, ret, status;

	if (r->gone)
		return;
	if (r->rmmod) {
		/* waiting for the buffer fd */
		if (r->held[BUFFER_FD]) {
			assert_int_equal(waitpid(r->rmmod, &status, WNOHANG), 0);
			return;
		}
		assert_int_equal(waitpid(r->rmmod, &status, 0), r->rmmod);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		r->rmmod = 0;
		module_gone(r);
		return;
	}
	want = expected(r);
	if (r->st == STREAMING && want == 0) {
		/* the last transfer completes by itself, then the attachment goes */
		assert_int_equal(sim_module_wait_refcnt(0, 3000), 0);
	}
	if (want == 0)
		check_attachments(r, 0);
	if (want == 1) {
		r->rmmod = start_rmmod();
		/* it unregisters the devices, then waits */
		for (int i = 0; i < 500 && sim_devices_left(); i++)
			usleep(10000);
		assert_false(sim_devices_left());
		usleep(50000);
		assert_int_equal(waitpid(r->rmmod, &status, WNOHANG), 0);
		totals.waited++;
		return;
	}
	ret = sim_module_remove();
	if (ret != want)
		fail_msg("%s [%s]: rmmod %s, want %s", state_name[r->st], r->trace,
			 strerror(-ret), want ? strerror(-want) : "success");
	if (ret) {
		totals.refused++;
		assert_int_equal(sim_find(&r->s, SIM_ADC_NAME), 0);
		if (pending(r) && r->held[SYNC_FILE])
			assert_int_equal(sync_file_status(r->sync_fd), 0);
		return;
	}
	totals.removed_enabled += r->st == STREAMING;
	module_gone(r);
}

static void run_round(enum state st, unsigned int p)
{
	enum item order[NITEMS];
	struct round r;

	permutation(p, order);
	setup_round(&r, st, p);
	try_rmmod(&r);		/* everything held */
	for (int i = 0; i < NITEMS; i++) {
		release(&r, order[i]);
		try_rmmod(&r);
		/*
		 * An orphaned pending transfer pins the module until disable;
		 * a queued one until it is submitted by an enable.
		 */
		if (pending(&r) && !r.held[BUFFER_FD] && !r.held[DEVICE_FD]) {
			if (st == QUEUED)
				assert_int_equal(sim_flush_queued(&r.s), 0);
			else
				assert_int_equal(sim_enable(&r.s, false), 0);
			r.disabled = true;
			assert_int_equal(sim_module_wait_refcnt(0, 3000), 0);
			try_rmmod(&r);
		}
	}
	if (!r.gone)
		fail_msg("%s [%s]: module still loaded", state_name[st], r.trace);
	assert_int_equal(sim_module_load(NULL), 0);
	assert_int_equal(sim_find(&r.s, SIM_ADC_NAME), 0);
}

/*
 * The state order @p runs in by default: spread so that each state gets 30
 * orders with every item first and every item last (p % 4 alone would give
 * no state all five last items, lexicographic orders being periodic).
 */
static enum state order_state(unsigned int p)
{
	return (p + p / 6 + p / 24) % NSTATES;
}

static bool run_all(void)
{
	const char *all = getenv("UNLOAD_ALL");

	return all && *all && strcmp(all, "0");
}

static void run_state(enum state st)
{
	double t0 = now_seconds();
	unsigned int n = 0;

	memset(&totals, 0, sizeof(totals));
	for (unsigned int p = 0; p < NPERMS; p++) {
		if (!run_all() && order_state(p) != st)
			continue;
		run_round(st, p);
		n++;
	}
	printf("# %s: %u orders, %u rmmod refused, %u waited for the buffer fd, "
	       "%u removed with the buffer enabled, %.1f s\n", state_name[st], n,
	       totals.refused, totals.waited, totals.removed_enabled,
	       now_seconds() - t0);
}

static void test_unload_idle(void **state)
{
	(void)state;
	run_state(IDLE);
}

static void test_unload_attached(void **state)
{
	(void)state;
	run_state(ATTACHED);
}

static void test_unload_in_flight(void **state)
{
	(void)state;
	run_state(INFLIGHT);
}

static void test_unload_streaming(void **state)
{
	(void)state;
	run_state(STREAMING);
}

static void test_unload_queued(void **state)
{
	(void)state;
	run_state(QUEUED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unload_idle),
		cmocka_unit_test(test_unload_attached),
		cmocka_unit_test(test_unload_in_flight),
		cmocka_unit_test(test_unload_streaming),
		cmocka_unit_test(test_unload_queued),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
