// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checks on a freshly loaded module, after the stress reloaded it. A DAC that
 * was never enabled has no scan size: write() must fail with EINVAL at once.
 * (It used to wait for room forever: found by the stress, whose DAC verify
 * worker could start with a write() segment.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"

int fresh_dac_check(struct worker *w)
{
	struct sdev d = { .name = SIM_DAC_NAME, .out = true };
	uint32_t scan = 0;
	int ret;

	d.s.dev_fd = d.s.buf_fd = -1;
	ret = sim_find(&d.s, d.name);
	if (!ret)
		ret = sim_open_buffer(&d.s);
	if (EXPECT(w, "open buffer fd after reload", &d, ret, 0))
		goto out;
	/* O_NONBLOCK: the old behaviour shows as EAGAIN instead of a hang */
	fcntl(d.s.buf_fd, F_SETFL, O_NONBLOCK);
	ret = write(d.s.buf_fd, &scan, sizeof(scan)) < 0 ? -errno : 0;
	ret = EXPECT(w, "write() before the first enable", &d, ret, -EINVAL);
out:
	sim_teardown(&d.s);
	return ret == -EINVAL ? 0 : -1;
}
