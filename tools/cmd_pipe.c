/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream pipe: device to device (ADC -> DAC), blocks passed as DMABUFs, zero copies. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char help[] =
	"usage: iiostream pipe SRC DST [-n SAMPLES | -t SECONDS]\n"
	"                      [--src-channels LIST] [--dst-channels LIST]\n"
	"                      [--block-size BYTES] [--blocks K]\n"
	"\n"
	"Stream SRC's first input buffer into DST's first output buffer. Each block\n"
	"SRC fills is queued on DST as the same DMABUF: the CPU never touches or\n"
	"copies the data. Both devices need DMABUF support and the same scan size.\n"
	"By default every channel of DST, and of SRC as many channels (in scan\n"
	"order) as give DST's scan size. Runs until -n samples or -t seconds, or\n"
	"until interrupted.\n"
	"\n"
	"  -n, --samples N        stop after N scans\n"
	"  -t, --seconds S        stop after S seconds\n"
	"  --src-channels LIST    SRC channels, comma-separated (voltage0,voltage1)\n"
	"  --dst-channels LIST    DST channels, comma-separated\n"
	"  --block-size BYTES   block size, rounded down to whole scans\n"
	"  --blocks K           blocks in flight, 2..4096 (default 4)\n"
	"  -h, --help           this text\n"
	"\n"
	"DST starts once two blocks are queued on it. With -n or -t, pipe waits\n"
	"until DST has read the last block before it stops.\n";

struct end {
	struct iios_device *dev;
	struct iios_buffer *buf;
	struct iios_channel **chans;
	size_t n, scan_bytes;
	struct iios_stream *s;
};

/* The device @p key and its channels: the comma-separated @p list, or all. */
static int pick(struct tool *t, const char *key, bool output, const char *list, struct end *e)
{
	char *copy = list ? strdup(list) : NULL, *names[64], *save = NULL;
	size_t n = 0;
	int r = -1;

	if (list && !copy) {
		tool_err(t, "out of memory");
		return -1;
	}
	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && n < 64;
	     tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	e->dev = tool_device(t, key);
	if (e->dev && !tool_select(t, e->dev, output, names, n, &e->buf, &e->chans, &e->n)) {
		e->scan_bytes = tool_scan_bytes(e->chans, e->n);
		r = e->scan_bytes ? 0 : -1;
	}
	free(copy);
	return r;
}

/* SRC with all its channels but scans larger than DST's: its first channels
 * (scan order) whose scans are DST's size, if there are such. */
static void match_scan(const struct tool *t, struct end *src, const struct end *dst)
{
	for (size_t k = 1; k < src->n; k++) {
		if (tool_scan_bytes(src->chans, k) != dst->scan_bytes)
			continue;
		src->n = k;
		src->scan_bytes = dst->scan_bytes;
		tool_err(t, "note: using the first %zu channels of %s (from %s), for %zu-byte scans "
			 "like %s", k, tool_devdesc(src->dev), iios_channel_id(src->chans[0]),
			 dst->scan_bytes, iios_device_id(dst->dev));
		return;
	}
}

/* Until the DAC has read the last block forwarded (its fence on the DMABUF
 * signalled: poll POLLOUT waits for every fence), or Ctrl-C. */
static void wait_consumed(struct iios_block *b)
{
	struct pollfd p = { .fd = iios_block_dmabuf_fd(b), .events = POLLOUT };

	while (p.fd >= 0 && !tool_interrupted && poll(&p, 1, 500) == 0)
		;
}

int cmd_pipe(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "samples", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "block-size", required_argument, NULL, 'B' },
		{ "blocks", required_argument, NULL, 'K' },
		{ "src-channels", required_argument, NULL, 'S' },
		{ "dst-channels", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 } };
	struct geometry g = { .backend = IIOS_BACKEND_DMABUF };
	struct summary sum = { .overruns = -1, .underruns = -1 };
	struct end src = { 0 }, dst = { 0 };
	struct limit lim = { 0 };
	const char *src_list = NULL, *dst_list = NULL;
	uint64_t scans = 0;
	struct iios_block *prev = NULL;	/* the last block forwarded */
	bool started = false;		/* DST */
	struct iios_stream_stats in_st;
	struct progress pg;
	size_t block_scans;
	char extra[128];
	int opt, r, ret = EXIT_RUNTIME;

	while ((opt = getopt_long(argc, argv, "n:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': case 't':
			if (limit_option(t, opt, optarg, &lim))
				return EXIT_USAGE;
			break;
		case 'S': src_list = optarg; break;
		case 'D': dst_list = optarg; break;
		default:
			if ((r = common_option(t, opt, optarg, &g, help)) >= 0)
				return r;
		}
	}
	if (argc - optind != 2)
		return tool_usage_err(t, "need SRC and DST devices");
	if (lim.samples && lim.seconds)
		return tool_usage_err(t, "give -n SAMPLES or -t SECONDS, not both");
	if (g.blocks == 1)
		return tool_usage_err(t, "--blocks: pipe needs at least 2 (one held until the next is forwarded)");
	if ((src_list && strspn(src_list, ",") == strlen(src_list)) ||
	    (dst_list && strspn(dst_list, ",") == strlen(dst_list)))
		return tool_usage_err(t, "empty channel list");
	if (pick(t, argv[optind], false, src_list, &src) ||
	    pick(t, argv[optind + 1], true, dst_list, &dst))
		goto out;
	if (src.scan_bytes > dst.scan_bytes && !src_list)
		match_scan(t, &src, &dst);
	if (src.scan_bytes != dst.scan_bytes) {
		tool_err(t, "scans differ: %s has %zu-byte scans, %s %zu-byte scans; choose channels with --src-channels/--dst-channels",
			 tool_devdesc(src.dev), src.scan_bytes, iios_device_id(dst.dev),
			 dst.scan_bytes);
		goto out;
	}
	block_scans = geom_block_scans(t, &g, src.dev, src.scan_bytes, lim.samples);
	if (!block_scans)
		goto out;
	tool_signals_install();
	/* The output first: if it is busy or lacks DMABUF, the ADC is never
	 * started. It starts once two blocks are queued on it (below). */
	dst.s = tool_stream_open(t, dst.buf, dst.chans, dst.n, block_scans, &(struct geometry){
					 .blocks = 1, .backend = IIOS_BACKEND_DMABUF },
				 IIOS_STREAM_NO_CPU_ACCESS | IIOS_STREAM_MANUAL_START);
	if (!dst.s)
		goto out;
	tool_watch(dst.s);
	src.s = tool_stream_open(t, src.buf, src.chans, src.n, block_scans, &g,
				 IIOS_STREAM_NO_CPU_ACCESS);
	if (!src.s)
		goto out;
	tool_watch(src.s);

	progress_start(&pg, lim.samples * src.scan_bytes, lim.seconds);
	limit_start(&lim);
	ret = EXIT_OK;
	while (!tool_interrupted && (!lim.samples || scans < lim.samples)) {
		int timeout = limit_wait_ms(&lim);
		struct iios_block *b;
		size_t bytes;

		if (timeout < 0)
			break;
		r = iios_stream_get_block(src.s, timeout, &b);
		if (r == -ETIMEDOUT)
			continue;
		if (r == -ECANCELED)
			break;
		if (r) {
			tool_err(t, "%s", iios_stream_last_error(src.s));
			ret = EXIT_RUNTIME;
			break;
		}
		bytes = iios_block_bytes_used(b);
		if (lim.samples && bytes / src.scan_bytes > lim.samples - scans)
			bytes = (size_t)(lim.samples - scans) * src.scan_bytes;
		r = iios_block_forward(b, dst.s, bytes);
		if (r && r != -ECANCELED) {
			tool_err(t, "%s", iios_stream_last_error(dst.s));
			ret = EXIT_RUNTIME;
			break;
		}
		scans += bytes / src.scan_bytes;
		/* DST starts with two blocks queued, so the second is there when
		 * the first is played; and before the first release, which waits
		 * for DST to read that block. */
		if (prev && !started) {
			started = true;
			if (iios_stream_start(dst.s)) {
				tool_err(t, "%s", iios_stream_last_error(dst.s));
				ret = EXIT_RUNTIME;
				break;
			}
		}
		/* Hold the newest block, give back the one before: the kernel makes
		 * the ADC wait for the DAC's read of a DMABUF it refills. */
		r = prev ? iios_stream_release_block(src.s, prev) : 0;
		prev = b;
		if (r) {
			tool_err(t, "%s", iios_stream_last_error(src.s));
			ret = EXIT_RUNTIME;
			break;
		}
		progress_stream(&pg, scans * src.scan_bytes, src.s); /* ADC overruns */
	}
	if (prev && ret == EXIT_OK && !started && !tool_interrupted) {
		/* One block in all (-n): start DST with it. */
		started = true;
		if (iios_stream_start(dst.s)) {
			tool_err(t, "%s", iios_stream_last_error(dst.s));
			ret = EXIT_RUNTIME;
		}
	}
	if (prev && ret == EXIT_OK && started)
		wait_consumed(prev);
	progress_end(&pg);
	sum.seconds = tool_now() - pg.t0;
	summary_from_stream(&sum, dst.s);
	sum.output = true;
	sum.bytes = scans * src.scan_bytes;
	if (!iios_stream_get_stats(src.s, &in_st)) {
		snprintf(extra, sizeof(extra), "%lld source overruns", in_st.overruns);
		sum.extra = in_st.overruns >= 0 ? extra : NULL;
		sum.block_errors += in_st.block_errors;
	}
	sum.interrupted = tool_interrupted;
out:
	/* Source first: its close waits for nothing; then the sink. */
	if (src.s) {
		tool_unwatch(src.s);
		iios_stream_close(src.s);
	}
	if (dst.s) {
		tool_unwatch(dst.s);
		iios_stream_close(dst.s);
		summary_print(t, &sum);
	}
	free(src.chans);
	free(dst.chans);
	if (tool_interrupted && ret == EXIT_OK)
		ret = EXIT_INTERRUPTED + tool_interrupted;
	return ret;
}
