// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "pairs" module parameter: pairs=3 creates sim-adc/sim-dac,
 * sim-adc1/sim-dac1 and sim-adc2/sim-dac2 (unique names, no labels); all six
 * stream at once, each verified; each pair's loopback is its own. The module
 * is reloaded with its defaults at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
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
#define PAIRS 3

struct job {
	char name[32];
	bool dac;
	int ret;
	const char *what;
	struct stream_result sr;
	struct play_result pr;
};

static void *job_thread(void *arg)
{
	struct job *j = arg;
	struct stream_opts o = { .src = DMABUF_HEAP, .nbufs = 4, .block = 256 * 1024, .bytes = 32 * MiB };
	struct sim s;

	if (j->dac) {
		j->ret = sim_setup_dac(&s, j->name, SIM_DAC_CHANNELS, SIM_UNTHROTTLED);
		if (!j->ret)
			j->ret = sim_play_dmabuf(&s, &o, &j->pr);
		j->what = j->pr.what;
	} else {
		j->ret = sim_setup(&s, j->name, SIM_ALL_CHANNELS, SIM_UNTHROTTLED);
		if (!j->ret)
			j->ret = sim_stream_dmabuf(&s, &o, &j->sr);
		j->what = j->sr.what;
	}
	sim_teardown(&s);
	return NULL;
}

static void test_pairs(void **state)
{
	struct job jobs[2 * PAIRS];
	pthread_t th[2 * PAIRS];
	char val[64], name[32];
	struct sim s;

	(void)state;
	assert_int_equal(sim_module_reload("pairs=" "3"), 0);
	for (int p = 0; p < PAIRS; p++) {
		for (int d = 0; d < 2; d++) {
			if (p)
				snprintf(name, sizeof(name), "sim-%s%d", d ? "dac" : "adc", p);
			else
				snprintf(name, sizeof(name), "sim-%s", d ? "dac" : "adc");
			assert_int_equal(sim_find(&s, name), 0);
			assert_int_equal(sim_attr_read(&s, "label", val, sizeof(val)), -ENOENT);
		}
	}
	assert_int_equal(sim_find(&s, "sim-adc3"), -ENOENT);

	for (int i = 0; i < 2 * PAIRS; i++) {
		struct job *j = &jobs[i];

		memset(j, 0, sizeof(*j));
		j->dac = i % 2;
		if (i / 2)
			snprintf(j->name, sizeof(j->name), "sim-%s%d", j->dac ? "dac" : "adc", i / 2);
		else
			snprintf(j->name, sizeof(j->name), "sim-%s", j->dac ? "dac" : "adc");
		assert_int_equal(pthread_create(&th[i], NULL, job_thread, j), 0);
	}
	for (int i = 0; i < 2 * PAIRS; i++) {
		struct job *j = &jobs[i];

		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (j->ret)
			fail_msg("%s: %s: %s", j->name, j->what, strerror(-j->ret));
		if (j->dac) {
			printf("# %s: %llu MiB played, %.1f MiB/s\n", j->name,
			       (unsigned long long)(j->pr.played.bytes / MiB),
			       j->pr.played.bytes / (double)MiB / j->pr.seconds);
			assert_int_equal(j->pr.played.bytes, 32 * MiB);
			assert_int_equal(j->pr.played.b, j->pr.sum.b);
		} else {
			printf("# %s: %llu MiB captured, %.1f MiB/s\n", j->name,
			       (unsigned long long)(j->sr.bytes / MiB),
			       j->sr.bytes / (double)MiB / j->sr.seconds);
			assert_int_equal(j->sr.c.scans, 32 * MiB / 8);
			assert_int_equal(j->sr.c.gaps, 0);
			assert_int_equal(j->sr.c.mismatches, 0);
		}
	}

	/* loopback is per pair */
	assert_int_equal(sim_find(&s, "sim-adc1"), 0);
	assert_int_equal(sim_attr_write(&s, "loopback", "1"), 0);
	assert_int_equal(sim_find(&s, "sim-adc2"), 0);
	assert_int_equal(sim_attr_read(&s, "loopback", val, sizeof(val)), 0);
	assert_string_equal(val, "0");

	assert_int_equal(sim_module_reload(NULL), 0);
	assert_int_equal(sim_find(&s, SIM_ADC_NAME), 0);
	assert_int_equal(sim_find(&s, SIM_DAC_NAME), 0);
	assert_int_equal(sim_find(&s, "sim-adc1"), -ENOENT);
	assert_int_equal(sim_find(&s, "sim-dac1"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
