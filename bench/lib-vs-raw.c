// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib-vs-raw: the cost of libiiostream over a hand-written IIO DMABUF loop,
 * side by side in one run. Each round streams the same bytes from sim-adc
 * (unthrottled, counter pattern, every scan checked) three ways, in turn:
 *
 *   raw       enqueue / SYNC START / check / SYNC END (simtest.c)
 *   lib       iios_stream_get_block / check / iios_stream_release_block,
 *             with per-block fence status (the library's default)
 *   lib-nost  the same with IIOS_STREAM_NO_BLOCK_STATUS
 *
 * and prints MiB/s, CPU seconds per GiB and system calls per block of each
 * (perf's raw_syscalls:sys_enter tracepoint, as `iiostream bench`: the library
 * modes count their get/release loop only, raw its whole run, set-up
 * included), then the medians and each library mode's throughput relative
 * to raw.
 *
 *   lib-vs-raw [--bytes N] [--block-size B] [--blocks K] [--rounds R]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <iiostream.h>

#include "measure.h"
#include "simtest.h"

enum mode { RAW, LIB, LIB_NOSTATUS, NMODES };
static const char *const mode_name[NMODES] = { "raw", "lib", "lib-nost" };

struct figure {
	double mibps;
	double cpu_per_gib;
	double syscalls_per_block; /* -1: not counted */
};

static struct syscount sc = { .fd = -1 };

/* The clock measure.c uses (the tool's own is in tools/main.c). */
double tool_now(void);
double tool_now(void)
{
	return now_seconds();
}
static long long loop_syscalls; /* of the last lib_stream() */

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Stream o->bytes through libiiostream; fills @r like sim_stream_dmabuf(). */
static int lib_stream(const struct stream_opts *o, unsigned int flags,
		      struct stream_result *r)
{
	struct iios_stream_params p = {
		.block_scans = o->block / 8,
		.nb_blocks = o->nbufs,
		.backend = IIOS_BACKEND_DMABUF,
		.flags = flags,
	};
	struct iios_channel *chans[4];
	struct iios_context *ctx;
	struct iios_stream *st = NULL;
	struct iios_buffer *buf;
	struct iios_block *blk;
	char err[256];
	double t0;
	int ret = -ENODEV;

	memset(r, 0, sizeof(*r));
	r->what = "libiiostream: sim-adc";
	ctx = iios_context_new(NULL, NULL, err, sizeof(err));
	if (!ctx) {
		fprintf(stderr, "lib-vs-raw: %s\n", err);
		return -errno;
	}
	buf = iios_context_find_device(ctx, SIM_ADC_NAME) ?
	      iios_device_buffer(iios_context_find_device(ctx, SIM_ADC_NAME), 0) : NULL;
	if (!buf || iios_buffer_channel_count(buf) != 4)
		goto out;
	for (size_t i = 0; i < 4; i++)
		chans[i] = iios_buffer_channel(buf, i);
	st = iios_stream_open(buf, chans, 4, &p);
	if (!st) {
		ret = -errno;
		fprintf(stderr, "lib-vs-raw: %s\n", iios_context_last_error(ctx));
		goto out;
	}
	t0 = now_seconds();
	syscount_start(&sc);
	while (r->bytes < o->bytes) {
		ret = iios_stream_get_block(st, -1, &blk);
		if (ret) {
			fprintf(stderr, "lib-vs-raw: %s\n", iios_stream_last_error(st));
			goto out;
		}
		counter_check(&r->c, iios_block_data(blk), iios_block_bytes_used(blk));
		r->bytes += iios_block_bytes_used(blk);
		ret = iios_stream_release_block(st, blk);
		if (ret) {
			fprintf(stderr, "lib-vs-raw: %s\n", iios_stream_last_error(st));
			goto out;
		}
	}
	loop_syscalls = syscount_stop(&sc);
	r->seconds = now_seconds() - t0;
	ret = 0;
out:
	iios_stream_close(st);
	iios_context_free(ctx);
	return ret;
}

static int run(enum mode m, const struct stream_opts *o, struct figure *f)
{
	struct stream_result r;
	struct sim s;
	double cpu;
	long long calls;
	int ret;

	/* channels, counter waveform, unthrottled; the library reopens it */
	ret = sim_setup(&s, SIM_ADC_NAME, SIM_ALL_CHANNELS, SIM_UNTHROTTLED);
	if (ret) {
		fprintf(stderr, "lib-vs-raw: cannot set up %s: %s\n", SIM_ADC_NAME,
			strerror(-ret));
		return ret;
	}
	if (m != RAW)
		sim_teardown(&s);

	cpu = cpu_seconds();
	if (m == RAW) {
		syscount_start(&sc);
		ret = sim_stream_dmabuf(&s, o, &r);
		calls = syscount_stop(&sc);
	} else {
		ret = lib_stream(o, m == LIB ? 0 : IIOS_STREAM_NO_BLOCK_STATUS, &r);
		calls = loop_syscalls;
	}
	cpu = cpu_seconds() - cpu;
	if (m == RAW)
		sim_teardown(&s);
	if (ret) {
		fprintf(stderr, "lib-vs-raw: %s: %s: %s\n", mode_name[m], r.what,
			strerror(-ret));
		return ret;
	}
	if (r.c.mismatches || r.c.gaps) {
		fprintf(stderr, "lib-vs-raw: %s: %llu mismatches, %llu gaps\n",
			mode_name[m], (unsigned long long)r.c.mismatches,
			(unsigned long long)r.c.gaps);
		return -EIO;
	}
	f->mibps = r.bytes / 1048576.0 / r.seconds;
	f->cpu_per_gib = cpu / (r.bytes / 1073741824.0);
	f->syscalls_per_block = calls < 0 ? -1 : (double)calls / (double)(r.bytes / o->block);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bytes", required_argument, NULL, 'n' },
		{ "block-size", required_argument, NULL, 's' },
		{ "blocks", required_argument, NULL, 'k' },
		{ "rounds", required_argument, NULL, 'r' },
		{ 0 }
	};
	struct stream_opts o = {
		.src = DMABUF_HEAP, .nbufs = 4, .block = 1 << 20, .bytes = 256ull << 20,
	};
	uint64_t v;
	unsigned int rounds = 5;
	double (*mibps)[NMODES], (*cpu)[NMODES], calls[NMODES] = { -1, -1, -1 };
	double med[NMODES], medcpu[NMODES];
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == '?' || !optarg || parse_size(optarg, &v) || !v)
			goto usage;
		switch (opt) {
		case 'n': o.bytes = v; break;
		case 's':
			if (v % 8 || v > (1u << 30))
				goto usage;
			o.block = v;
			break;
		case 'k':
			if (v > 64)
				goto usage;
			o.nbufs = v;
			break;
		case 'r':
			if (v > 1000)
				goto usage;
			rounds = v;
			break;
		}
	}
	if (optind != argc)
		goto usage;

	syscount_open(&sc);
	mibps = calloc(rounds, sizeof(*mibps));
	cpu = calloc(rounds, sizeof(*cpu));
	if (!mibps || !cpu)
		return 1;
	printf("sim-adc, %llu MiB per run, %zu-byte blocks, %u blocks, %u rounds\n",
	       (unsigned long long)(o.bytes >> 20), o.block, o.nbufs, rounds);
	printf("round %10s %10s %10s   (MiB/s; CPU s/GiB)\n",
	       mode_name[RAW], mode_name[LIB], mode_name[LIB_NOSTATUS]);
	for (unsigned int i = 0; i < rounds; i++) {
		printf("%5u", i + 1);
		for (int m = 0; m < NMODES; m++) {
			struct figure f;

			if (run(m, &o, &f))
				return 1;
			mibps[i][m] = f.mibps;
			cpu[i][m] = f.cpu_per_gib;
			calls[m] = f.syscalls_per_block;
			printf(" %10.1f", f.mibps);
			fflush(stdout);
		}
		printf("   (%.3f %.3f %.3f)\n", cpu[i][RAW], cpu[i][LIB],
		       cpu[i][LIB_NOSTATUS]);
	}
	for (int m = 0; m < NMODES; m++) {
		double col[1000], ccol[1000];

		for (unsigned int i = 0; i < rounds; i++) {
			col[i] = mibps[i][m];
			ccol[i] = cpu[i][m];
		}
		med[m] = median(col, rounds);
		medcpu[m] = median(ccol, rounds);
	}
	printf("median %9.1f %10.1f %10.1f   (%.3f %.3f %.3f)\n", med[RAW], med[LIB],
	       med[LIB_NOSTATUS], medcpu[RAW], medcpu[LIB], medcpu[LIB_NOSTATUS]);
	if (sc.fd >= 0)
		printf("syscalls/block %5.2f %10.2f %10.2f   (last round)\n", calls[RAW], calls[LIB],
		       calls[LIB_NOSTATUS]);
	else
		printf("syscalls/block: not counted: %s\n", sc.why);
	printf("throughput vs raw: lib %+.1f%%, lib-nost %+.1f%%\n",
	       (med[LIB] / med[RAW] - 1) * 100, (med[LIB_NOSTATUS] / med[RAW] - 1) * 100);
	free(mibps);
	free(cpu);
	return 0;

usage:
	fprintf(stderr, "usage: lib-vs-raw [--bytes N] [--block-size B] [--blocks K] [--rounds R]\n");
	return 2;
}
