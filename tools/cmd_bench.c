/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream bench: throughput of each backend and block size against the memory ceiling. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure.h"
#include "tool.h"

static const char help[] =
	"usage: iiostream bench DEVICE [--seconds S] [--block-sizes LIST] [--blocks K]\n"
	"                       [--json]\n"
	"\n"
	"Stream every channel of DEVICE's first input buffer through each backend\n"
	"(dmabuf, fileio) at each block size for S seconds, and report throughput\n"
	"(MiB/s, samples/s), CPU time per GiB, system calls per block, dropped scans\n"
	"(the buffer's overruns), and the dmabuf/fileio ratio per block size, next to\n"
	"the single-core memory write bandwidth measured in the same run.\n"
	"\n"
	"  --seconds S          per run (default 1)\n"
	"  --block-sizes LIST   comma-separated sizes (default 16k,64k,256k,1M)\n"
	"  --blocks K           blocks in flight (default 4)\n"
	"  --no-block-status    do not read each DMABUF block's completion status\n"
	"                       (4 syscalls per block instead of 6, or 8 when a\n"
	"                       block must be waited for)\n"
	"  --json               one JSON document on stdout instead of the table\n"
	"  -h, --help           this text\n"
	"\n"
	"System calls are counted with the raw_syscalls:sys_enter tracepoint (root,\n"
	"tracefs); without it they are reported as unavailable. The device runs at\n"
	"its configured rate: for iio-sim, 'iiostream attr sim-adc sampling_frequency 0'\n"
	"first measures the software path unthrottled.\n";

#define MAX_SIZES 16
#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * MIB)

struct run {
	enum iios_backend backend;
	uint64_t block_bytes;
	bool ok;
	char why[512];
	uint64_t bytes, blocks, block_errors;
	double seconds, cpu;
	long long syscalls, drops;
};

static void one_run(struct tool *t, struct iios_buffer *buf, struct iios_channel **chans,
		    size_t n, size_t scan_bytes, unsigned int blocks, unsigned int flags,
		    double seconds, struct syscount *sc, struct run *r)
{
	struct iios_stream_params p = { .block_scans = r->block_bytes / scan_bytes,
					.nb_blocks = blocks, .backend = r->backend, .flags = flags };
	struct iios_stream_stats st;
	struct iios_stream *s;
	double t0, c0, end;

	r->block_bytes = p.block_scans * scan_bytes;
	s = iios_stream_open(buf, chans, n, &p);
	if (!s) {
		snprintf(r->why, sizeof(r->why), "%s", iios_context_last_error(t->ctx));
		return;
	}
	tool_watch(s);
	c0 = tool_cpu_seconds();
	t0 = tool_now();
	end = t0 + seconds;
	syscount_start(sc);
	while (!tool_interrupted) {
		struct iios_block *b;
		int e = iios_stream_get_block(s, 1000, &b);

		if (e == -ETIMEDOUT && tool_now() < end)
			continue;
		if (e) {
			if (e != -ECANCELED && e != -ETIMEDOUT)
				snprintf(r->why, sizeof(r->why), "%s", iios_stream_last_error(s));
			break;
		}
		if (tool_now() >= end) {
			e = 1;
			break;
		}
		if (iios_stream_release_block(s, b)) {
			snprintf(r->why, sizeof(r->why), "%s", iios_stream_last_error(s));
			break;
		}
	}
	r->syscalls = syscount_stop(sc);
	r->seconds = tool_now() - t0;
	r->cpu = tool_cpu_seconds() - c0;
	iios_stream_get_stats(s, &st);
	r->blocks = st.blocks;
	r->bytes = st.bytes;
	r->block_errors = st.block_errors;
	r->drops = st.overruns;
	r->ok = !r->why[0] && !tool_interrupted && r->blocks > 0;
	if (!r->why[0] && !r->blocks)
		snprintf(r->why, sizeof(r->why), "no block completed in %.1f s", r->seconds);
	tool_unwatch(s);
	iios_stream_close(s);
}

static double mib_s(const struct run *r) { return (double)r->bytes / MIB / r->seconds; }

static const struct run *find(const struct run *runs, size_t n, enum iios_backend be, size_t i)
{
	(void)n;
	return &runs[2 * i + (be == IIOS_BACKEND_FILEIO)];
}

static void print_json(const struct iios_device *dev, size_t nchans, size_t scan_bytes,
		       double seconds, unsigned int blocks, unsigned int flags, double membw, double bw_memset,
		       double bw_store, const struct syscount *sc, const struct run *runs,
		       size_t nsizes)
{
	struct json j;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "device", iios_device_name(dev) ? iios_device_name(dev) : iios_device_id(dev));
	json_str(&j, "id", iios_device_id(dev));
	json_uint(&j, "channels", nchans);
	json_uint(&j, "scan_bytes", scan_bytes);
	json_num(&j, "seconds_per_run", seconds);
	json_uint(&j, "blocks", blocks);
	json_bool(&j, "block_status", !(flags & IIOS_STREAM_NO_BLOCK_STATUS));
	json_num(&j, "memory_write_mib_s", membw);
	json_num(&j, "memory_write_memset_mib_s", bw_memset);
	json_num(&j, "memory_write_store64_mib_s", bw_store);
	json_str(&j, "syscalls_unavailable", sc->fd < 0 ? sc->why : NULL);
	json_arr(&j, "runs");
	for (size_t i = 0; i < 2 * nsizes; i++) {
		const struct run *r = &runs[i];
		double scans = (double)r->bytes / (double)scan_bytes;

		json_obj(&j, NULL);
		json_str(&j, "backend", iios_backend_name(r->backend));
		json_uint(&j, "block_bytes", r->block_bytes);
		json_bool(&j, "ok", r->ok);
		json_str(&j, "error", r->ok ? NULL : r->why);
		if (r->ok) {
			json_uint(&j, "bytes", r->bytes);
			json_uint(&j, "blocks", r->blocks);
			json_num(&j, "seconds", r->seconds);
			json_num(&j, "mib_s", mib_s(r));
			json_num(&j, "scans_s", scans / r->seconds);
			json_num(&j, "samples_s", scans * (double)nchans / r->seconds);
			json_num(&j, "cpu_s_per_gib", r->cpu / ((double)r->bytes / GIB));
			if (r->syscalls >= 0)
				json_num(&j, "syscalls_per_block", (double)r->syscalls / (double)r->blocks);
			else
				json_null(&j, "syscalls_per_block");
			json_uint(&j, "block_errors", r->block_errors);
			if (r->drops >= 0)
				json_int(&j, "drops", r->drops);
			else
				json_null(&j, "drops");
			json_num(&j, "fraction_of_memory_bw", membw > 0 ? mib_s(r) / membw : NAN);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr(&j, "ratios");
	for (size_t i = 0; i < nsizes; i++) {
		const struct run *d = find(runs, nsizes, IIOS_BACKEND_DMABUF, i);
		const struct run *f = find(runs, nsizes, IIOS_BACKEND_FILEIO, i);

		json_obj(&j, NULL);
		json_uint(&j, "block_bytes", d->block_bytes);
		json_num(&j, "dmabuf_over_fileio", d->ok && f->ok ? mib_s(d) / mib_s(f) : NAN);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void print_table(const struct iios_device *dev, size_t nchans, size_t scan_bytes,
			double seconds, unsigned int blocks, double membw, double bw_memset,
			double bw_store, const struct syscount *sc, const struct run *runs,
			size_t nsizes)
{
	printf("%s: %zu channels, %zu-byte scans, %u blocks, %.1f s per run\n", tool_devdesc(dev),
	       nchans, scan_bytes, blocks, seconds);
	printf("memory write bandwidth (one core): %.0f MiB/s (memset %.0f, 64-bit stores %.0f)\n",
	       membw, bw_memset, bw_store);
	if (sc->fd < 0)
		printf("syscalls per block: unavailable: %s\n", sc->why);
	printf("%10s %-7s %10s %12s %10s %10s %8s %7s\n", "block", "backend", "MiB/s", "samples/s",
	       "CPU s/GiB", "syscall/blk", "drops", "of mem");
	for (size_t i = 0; i < nsizes; i++) {
		for (int k = 0; k < 2; k++) {
			const struct run *r = &runs[2 * i + (size_t)k];
			char sys[32] = "n/a", drops[32] = "n/a";

			if (!r->ok) {
				printf("%10llu %-7s  failed: %s\n", (unsigned long long)r->block_bytes,
				       iios_backend_name(r->backend), r->why);
				continue;
			}
			if (r->syscalls >= 0)
				snprintf(sys, sizeof(sys), "%.1f", (double)r->syscalls / (double)r->blocks);
			if (r->drops >= 0)
				snprintf(drops, sizeof(drops), "%lld", r->drops);
			printf("%10llu %-7s %10.1f %12.4g %10.3f %11s %8s %6.1f%%\n",
			       (unsigned long long)r->block_bytes, iios_backend_name(r->backend),
			       mib_s(r), (double)r->bytes / (double)scan_bytes * (double)nchans / r->seconds,
			       r->cpu / ((double)r->bytes / GIB), sys, drops,
			       membw > 0 ? 100 * mib_s(r) / membw : 0);
		}
		{
			const struct run *d = &runs[2 * i], *f = &runs[2 * i + 1];

			if (d->ok && f->ok)
				printf("%10s dmabuf/fileio = %.2f\n", "", mib_s(d) / mib_s(f));
		}
	}
}

int cmd_bench(struct tool *t, int argc, char **argv)
{
	enum { O_SECONDS = 'S', O_SIZES = 'L', O_BLOCKS = 'K', O_JSON = 'j' };
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "block-sizes", required_argument, NULL, O_SIZES },
		{ "blocks", required_argument, NULL, O_BLOCKS },
		{ "json", no_argument, NULL, O_JSON },
		{ "no-block-status", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 } };
	uint64_t sizes[MAX_SIZES] = { 16 << 10, 64 << 10, 256 << 10, 1 << 20 }, v;
	size_t nsizes = 4, nchans, scan_bytes;
	struct run runs[2 * MAX_SIZES];
	struct summary sum = { .overruns = 0, .underruns = -1 };
	struct iios_channel **chans = NULL;
	double seconds = 1, membw, bw_memset, bw_store;
	unsigned int blocks = 4, flags = 0;
	bool as_json = false;
	struct iios_device *dev;
	struct iios_buffer *buf;
	struct syscount sc;
	double t0;
	int opt, ok = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case O_SECONDS:
			if (opt_seconds(t, "--seconds", optarg, 3600, &seconds))
				return EXIT_USAGE;
			break;
		case O_SIZES:
			if (opt_size_list(t, "--block-sizes", optarg, 1, GEOM_MAX_BLOCK_BYTES, sizes,
					  MAX_SIZES, &nsizes))
				return EXIT_USAGE;
			break;
		case O_BLOCKS:
			if (opt_size(t, "--blocks", optarg, 1, GEOM_MAX_BLOCKS, &v))
				return EXIT_USAGE;
			blocks = (unsigned int)v;
			break;
		case O_JSON: as_json = true; break;
		case 'N': flags |= IIOS_STREAM_NO_BLOCK_STATUS; break;
		case 'h': return tool_help(help);
		default: return tool_usage_hint(t);
		}
	}
	if (argc - optind != 1)
		return tool_usage_err(t, argc - optind ? "one DEVICE only" : "missing DEVICE");
	dev = tool_device(t, argv[optind]);
	if (!dev || tool_select(t, dev, false, NULL, 0, &buf, &chans, &nchans))
		return EXIT_RUNTIME;
	scan_bytes = tool_scan_bytes(chans, nchans);
	for (size_t i = 0; i < nsizes; i++) {
		if (sizes[i] < scan_bytes) {
			free(chans);
			tool_err(t, "--block-sizes: %llu is smaller than one scan of %s (%zu bytes)",
				 (unsigned long long)sizes[i], tool_devdesc(dev), scan_bytes);
			return EXIT_RUNTIME;
		}
	}
	tool_signals_install();
	t0 = tool_now();
	membw = measure_memory_write_mib_s(0.5, &bw_memset, &bw_store);
	syscount_open(&sc);
	memset(runs, 0, sizeof(runs));
	for (size_t i = 0; i < nsizes && !tool_interrupted; i++) {
		for (int k = 0; k < 2 && !tool_interrupted; k++) {
			struct run *r = &runs[2 * i + (size_t)k];

			r->backend = k ? IIOS_BACKEND_FILEIO : IIOS_BACKEND_DMABUF;
			r->block_bytes = sizes[i];
			if (!as_json && isatty(2))
				fprintf(stderr, "\r%s %llu bytes...", iios_backend_name(r->backend),
					(unsigned long long)sizes[i]);
			one_run(t, buf, chans, nchans, scan_bytes, blocks, flags, seconds, &sc, r);
			if (!as_json && isatty(2))
				fprintf(stderr, "\r%40s\r", "");
			if (r->ok) {
				ok++;
				sum.bytes += r->bytes;
				sum.blocks += r->blocks;
				sum.block_errors += r->block_errors;
				sum.overruns += r->drops > 0 ? r->drops : 0;
			}
		}
	}
	if (!tool_interrupted) {
		if (as_json)
			print_json(dev, nchans, scan_bytes, seconds, blocks, flags, membw, bw_memset, bw_store,
				   &sc, runs, nsizes);
		else
			print_table(dev, nchans, scan_bytes, seconds, blocks, membw, bw_memset, bw_store,
				    &sc, runs, nsizes);
	}
	syscount_close(&sc);
	sum.seconds = tool_now() - t0;
	sum.interrupted = tool_interrupted;
	summary_print(t, &sum);
	free(chans);
	if (tool_interrupted)
		return EXIT_INTERRUPTED + tool_interrupted;
	if (!ok) {
		tool_err(t, "no run succeeded");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
