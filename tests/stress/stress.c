// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stress: randomized multi-thread, multi-process stress of iio-sim (run as
 * root in vm/run). Forked processes run chaos threads on pair 0 (sim-adc,
 * sim-dac: chaos.c) while two threads of this process stream verified data
 * through pair 1 (sim-adc1, sim-dac1: verify_adc.c, verify_dac.c); the module
 * is reloaded with pairs=2 if it has fewer. At the deadline everything is
 * released (stall 0, disable), every worker joined or reaped; the blocks the
 * chaos left queued on disabled buffers are flushed (enable + disable: they
 * wait for an enable, holding their attachments); then no DMABUF may stay
 * attached, no fd open, and the module must unload and load again.
 * Prints the seed first and one summary line last; exit status 0 only if no
 * outcome was unexpected and no verified block was wrong.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prng.h"
#include "stress.h"

#define MAX_PROCS	16
#define FINISH_SECONDS	60	/* after the deadline, for every worker to stop */
#define VERIFY_WORKERS	2
#define MAX_INHERITED_FD 1024

struct sdev stress_devs[DEV_COUNT] = {
	[DEV_ADC0] = { .name = "sim-adc" },
	[DEV_DAC0] = { .name = "sim-dac", .out = true },
	[DEV_ADC1] = { .name = "sim-adc1" },
	[DEV_DAC1] = { .name = "sim-dac1", .out = true },
};

struct options {
	double seconds;
	uint64_t seed;
	unsigned int procs, threads;
};

struct runner {
	struct worker w;
	void (*fn)(struct worker *w);
	pthread_t thread;
};

static void *run_worker(void *arg)
{
	struct runner *r = arg;

	r->w.st->tid = gettid();
	r->fn(&r->w);
	r->w.st->done = 1;
	return NULL;
}

static void runner_init(struct runner *r, unsigned int id, const struct options *o,
			struct stress_shared *sh, double deadline,
			void (*fn)(struct worker *w))
{
	*r = (struct runner){
		.w = { .id = id, .rng = prng_seed(o->seed, id), .deadline = deadline,
		       .sh = sh, .st = &sh->st[id] },
		.fn = fn,
	};
}

static void usage(FILE *f)
{
	fprintf(f, "usage: stress [--seconds S] [--seed N] [--procs P] [--threads T]\n"
		"  --seconds S  stress for S seconds (default 20)\n"
		"  --seed N     seed of every worker's operations (default: from the clock)\n"
		"  --procs P    chaos processes (default 3, at most %d)\n"
		"  --threads T  chaos threads per process (default 2)\n", MAX_PROCS);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct timespec ts;
	char *end;
	int c;

	clock_gettime(CLOCK_REALTIME, &ts);
	*o = (struct options){ .seconds = 20, .seed = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20,
			       .procs = 3, .threads = 2 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 's': o->seconds = strtod(optarg, &end); break;
		case 'S': o->seed = strtoull(optarg, &end, 0); break;
		case 'p': o->procs = strtoul(optarg, &end, 0); break;
		case 't': o->threads = strtoul(optarg, &end, 0); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (errno || *end) {
			fprintf(stderr, "stress: invalid value '%s' for --%s\n", optarg,
				longopts[c == 's' ? 0 : c == 'S' ? 1 : c == 'p' ? 2 : 3].name);
			return -1;
		}
	}
	if (optind < argc || o->seconds <= 0 || !o->procs || o->procs > MAX_PROCS ||
	    !o->threads || VERIFY_WORKERS + o->procs * o->threads > STRESS_MAX_WORKERS) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* sim-adc, sim-adc1, ...: the pairs the module was loaded with */
static unsigned int count_pairs(void)
{
	unsigned int n = 0;
	struct sim s;
	char name[32];

	for (;; n++) {
		snprintf(name, sizeof(name), n ? "sim-adc%u" : "sim-adc", n);
		if (sim_find(&s, name))
			return n;
	}
}

static int find_devices(void)
{
	for (int i = 0; i < DEV_COUNT; i++) {
		struct sdev *d = &stress_devs[i];
		int ret = sim_find(&d->s, d->name);

		if (ret) {
			fprintf(stderr, "stress: %s: not found in /sys/bus/iio/devices: %s\n",
				d->name, strerror(-ret));
			return ret;
		}
		d->s.dev_fd = d->s.buf_fd = -1;
	}
	return 0;
}

/*
 * Each knob back to neutral (the verify workers set their own up), disabled,
 * and no block left queued from before (it would decide the next mode).
 */
static void reset_device(const struct sdev *d)
{
	const struct sim *s = &d->s;

	sim_debugfs_write(s, "buffer0/stall", "0");
	sim_debugfs_write(s, "buffer0/fail_count", "0");
	sim_debugfs_write(s, "buffer0/delay_ms", "0");
	sim_debugfs_write(s, "buffer0/fail_errno", "%d", EIO);
	sim_enable(s, false);
	if (!d->out)
		sim_attr_write(s, "loopback", "0");
	sim_flush_queued(s);
}

/*
 * After the deadline: release anything a chaos worker may wait for, a SYNC
 * START on the fence of a block queued on a disabled buffer included (only
 * an enable submits it): stall 0, enable, disable.
 */
static void release_chaos(void)
{
	for (int i = DEV_ADC0; i <= DEV_DAC0; i++) {
		sim_debugfs_write(&stress_devs[i].s, "buffer0/stall", "0");
		sim_flush_queued(&stress_devs[i].s);
	}
}

static void chaos_process(const struct options *o, struct stress_shared *sh,
			  unsigned int proc, double deadline)
{
	struct runner r[STRESS_MAX_WORKERS];

	for (unsigned int t = 0; t < o->threads; t++) {
		runner_init(&r[t], VERIFY_WORKERS + proc * o->threads + t, o, sh, deadline,
			    chaos_worker);
		if (pthread_create(&r[t].thread, NULL, run_worker, &r[t])) {
			fprintf(stderr, "stress: chaos process %u: pthread_create: %s\n", proc,
				strerror(errno));
			_exit(2);
		}
	}
	for (unsigned int t = 0; t < o->threads; t++)
		pthread_join(r[t].thread, NULL);
	_exit(0);
}

/* fds open before the stress (stdio, the VM's console): not ours to close */
static bool inherited_fd[MAX_INHERITED_FD];

/*
 * Mark the fds open now as inherited (@inherited), or count (and report) the
 * others: each one is a leak once every worker has finished.
 */
static unsigned int scan_fds(bool inherited)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir) {
		perror("stress: /proc/self/fd");
		return 1;
	}
	while ((de = readdir(dir))) {
		char path[300], target[256];
		int fd = atoi(de->d_name);
		ssize_t len;

		if (de->d_name[0] == '.' || fd == dirfd(dir))
			continue;
		if (fd < MAX_INHERITED_FD && (inherited || inherited_fd[fd])) {
			inherited_fd[fd] = true;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		fprintf(stderr, "stress: fd %d (%s) still open after the workers finished\n", fd,
			target);
		n++;
	}
	closedir(dir);
	return n;
}

/* Where a hung worker waits: its syscall and kernel stack. */
static void print_stack(pid_t tid)
{
	static const char *const files[] = { "syscall", "stack" };

	for (int i = 0; i < 2; i++) {
		char path[64], buf[4096];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		fprintf(stderr, "%s:\n%s", path, buf);
	}
}

/* Wait for every worker, releasing the chaos devices meanwhile. */
static unsigned int finish(struct stress_shared *sh, const pid_t *pids, unsigned int procs,
			   unsigned int nworkers)
{
	double limit = now_seconds() + FINISH_SECONDS;
	unsigned int failures = 0, reaped = 0;
	bool live[MAX_PROCS];

	for (unsigned int p = 0; p < procs; p++)
		live[p] = true;
	sh->stop = 1;
	for (;;) {
		bool all = true;

		release_chaos();
		for (unsigned int p = 0; p < procs; p++) {
			int status;

			if (!live[p] || waitpid(pids[p], &status, WNOHANG) != pids[p])
				continue;
			live[p] = false;
			reaped++;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "stress: chaos process %d ended with %s %d\n", (int)pids[p],
					WIFSIGNALED(status) ? "signal" : "status",
					WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				failures++;
			}
		}
		if (reaped == procs)
			sh->chaos_done = 1;
		for (unsigned int i = 0; i < nworkers; i++)
			all = all && sh->st[i].done;
		if (all && reaped == procs)
			return failures;
		if (now_seconds() > limit)
			break;
		usleep(100000);
	}
	for (unsigned int i = 0; i < nworkers; i++) {
		if (!sh->st[i].done) {
			fprintf(stderr, "stress: worker %u (task %d) did not finish within %d s of the deadline\n",
				i, (int)sh->st[i].tid, FINISH_SECONDS);
			print_stack(sh->st[i].tid);
		}
	}
	for (unsigned int p = 0; p < procs; p++) {
		if (live[p]) {
			kill(pids[p], SIGKILL);
			waitpid(pids[p], NULL, 0);
		}
	}
	return failures + 1;
}

/*
 * Nothing attached (the core frees attachments from a workqueue), no fd open.
 * Blocks enqueued on a disabled buffer whose fds were closed stay QUEUED,
 * attached, until an enable: the next one submits them, the disable after
 * it aborts them.
 */
static unsigned int final_checks(void)
{
	unsigned int failures = 0;

	for (int i = 0; i < DEV_COUNT; i++)
		reset_device(&stress_devs[i]);
	for (int i = 0; i < DEV_COUNT; i++) {
		const struct sdev *d = &stress_devs[i];
		int ret = sim_flush_queued(&d->s);

		if (ret) {
			fprintf(stderr, "stress: %s: enable + disable to flush queued blocks: %s\n",
				d->name, strerror(-ret));
			failures++;
		}
	}
	for (int i = 0; i < DEV_COUNT; i++) {
		const struct sdev *d = &stress_devs[i];
		uint64_t n = 0;
		int ret = sim_debugfs_wait(&d->s, "buffer0/attachments", 0, 10000);

		if (ret) {
			sim_debugfs_u64(&d->s, "buffer0/attachments", &n);
			fprintf(stderr, "stress: %s: buffer0/attachments still %llu after 10 s: %s\n",
				d->name, (unsigned long long)n, strerror(-ret));
			failures++;
		}
	}
	return failures + scan_fds(false);
}

static void print_summary(const struct options *o, const struct stress_shared *sh,
			  unsigned int nworkers, double seconds, unsigned int failures)
{
	struct stress_stats t = { 0 };
	uint64_t total = 0;

	for (unsigned int i = 0; i < nworkers; i++) {
		for (int k = 0; k < OP_COUNT; k++)
			t.ops[k] += sh->st[i].ops[k];
		t.unexpected += sh->st[i].unexpected;
		t.accepted += sh->st[i].accepted;
		t.bytes_verified += sh->st[i].bytes_verified;
		t.block_errors += sh->st[i].block_errors;
		t.injected += sh->st[i].injected;
		t.failed_seen += sh->st[i].failed_seen;
		t.failed_late += sh->st[i].failed_late;
	}
	printf("stress: %.1f s, seed %llu, %u workers: ops", seconds,
	       (unsigned long long)o->seed, nworkers);
	for (int k = 0; k < OP_COUNT; k++) {
		printf(" %s=%llu", op_names[k], (unsigned long long)t.ops[k]);
		total += t.ops[k];
	}
	printf(" total=%llu (chaos transfers queued %llu); bytes verified %llu; block errors %llu; injected failures %llu (seen %llu, %llu of them by the data: fence exported late); unexpected outcomes %llu; other failures %u\n",
	       (unsigned long long)total, (unsigned long long)t.accepted,
	       (unsigned long long)t.bytes_verified,
	       (unsigned long long)t.block_errors, (unsigned long long)t.injected,
	       (unsigned long long)t.failed_seen, (unsigned long long)t.failed_late,
	       (unsigned long long)t.unexpected, failures);
}

int main(int argc, char **argv)
{
	struct runner verify[VERIFY_WORKERS];
	unsigned int pairs, nworkers, failures;
	char reload_args[32] = "";
	pid_t pids[MAX_PROCS];
	struct stress_shared *sh;
	struct options o;
	double t0, deadline;

	setvbuf(stdout, NULL, _IOLBF, 0);
	scan_fds(true);
	if (parse_options(argc, argv, &o))
		return 2;
	nworkers = VERIFY_WORKERS + o.procs * o.threads;
	printf("stress: seed %llu (--seed %llu reproduces each worker's operations), %.0f s, "
	       "%u chaos processes x %u threads on sim-adc/sim-dac, verified streams on sim-adc1/sim-dac1\n",
	       (unsigned long long)o.seed, (unsigned long long)o.seed, o.seconds, o.procs, o.threads);

	pairs = count_pairs();
	if (pairs > 1)
		snprintf(reload_args, sizeof(reload_args), "pairs=%u", pairs);
	if (pairs < 2 && sim_module_reload("pairs=2")) {
		fprintf(stderr, "stress: iio_sim: reloading with pairs=2 failed (%u pairs loaded)\n",
			pairs);
		return 1;
	}
	if (find_devices())
		return 1;
	for (int i = 0; i < DEV_COUNT; i++)
		reset_device(&stress_devs[i]);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("stress: mmap of the shared counters");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	t0 = now_seconds();
	deadline = t0 + o.seconds;

	runner_init(&verify[0], 0, &o, sh, deadline, verify_adc_worker);
	runner_init(&verify[1], 1, &o, sh, deadline, verify_dac_worker);
	for (int i = 0; i < VERIFY_WORKERS; i++) {
		if (pthread_create(&verify[i].thread, NULL, run_worker, &verify[i])) {
			perror("stress: pthread_create");
			return 1;
		}
	}
	/* let the verify workers take their buffer fds: the chaos probes expect EBUSY */
	while (!sh->st[0].ops[OP_ATTACH] && !sh->st[0].ops[OP_READ] && !sh->st[0].done)
		usleep(1000);
	while (!sh->st[1].ops[OP_ATTACH] && !sh->st[1].ops[OP_WRITE] && !sh->st[1].done)
		usleep(1000);
	for (unsigned int p = 0; p < o.procs; p++) {
		pids[p] = fork();
		if (pids[p] < 0) {
			perror("stress: fork");
			return 1;
		}
		if (!pids[p])
			chaos_process(&o, sh, p, deadline);
	}
	while (now_seconds() < deadline)
		usleep(100000);

	failures = finish(sh, pids, o.procs, nworkers);
	for (int i = 0; i < VERIFY_WORKERS; i++) {
		if (sh->st[i].done)
			pthread_join(verify[i].thread, NULL);
	}
	if (!failures)
		failures += final_checks();
	if (!failures && sim_module_reload(reload_args)) {
		fprintf(stderr, "stress: rmmod iio_sim + insmod %s failed\n", reload_args);
		failures++;
	} else if (!failures) {
		struct worker main_w = { .id = nworkers, .sh = sh, .st = &sh->st[0] };

		failures += fresh_dac_check(&main_w) ? 1 : 0;
	}
	print_summary(&o, sh, nworkers, now_seconds() - t0, failures);
	for (unsigned int i = 0; i < nworkers; i++) {
		if (sh->st[i].unexpected || sh->st[i].block_errors)
			failures++;
	}
	return failures ? 1 : 0;
}
