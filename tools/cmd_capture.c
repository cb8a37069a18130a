/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream capture: stream an input buffer to a file or stdout, raw or CSV, optionally verified. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static const char help[] =
	"usage: iiostream capture DEVICE [CHANNEL...] (-n SAMPLES | -t SECONDS)\n"
	"                         [-o FILE|-] [--format raw|csv] [--verify counter]\n"
	"                         [--block-size BYTES] [--blocks K]\n"
	"                         [--backend auto|dmabuf|fileio]\n"
	"\n"
	"Stream the input buffer of DEVICE (every channel of its first input buffer,\n"
	"or the CHANNELs named) to FILE or stdout.\n"
	"\n"
	"  -n, --samples N      stop after N samples per channel (scans)\n"
	"  -t, --seconds S      stop after S seconds, then stop the device and keep\n"
	"                       what it produced (every completed block; with\n"
	"                       read() also the last partial one)\n"
	"  -o, --output FILE    write to FILE ('-' is stdout, the default)\n"
	"  -f, --format F       raw: the device's bytes, scan after scan (default);\n"
	"                       csv: a header, then one line per scan with each\n"
	"                       channel's value, (raw + offset) * scale\n"
	"  --verify counter     check the iio-sim counter waveform in every scan;\n"
	"                       exit status 1 if any scan is wrong\n"
	"  --block-size BYTES   block size, rounded down to whole scans (default\n"
	"                       about 100 ms of data, 4 KiB to 1 MiB)\n"
	"  --blocks K           blocks in flight, 1..4096 (default 4)\n"
	"  --backend B          auto (DMABUF if it works here, else read()), dmabuf,\n"
	"                       or fileio (read())\n"
	"  -h, --help           this text\n"
	"\n"
	"Sizes take the suffixes k, M, G (powers of 1024). A progress line is shown\n"
	"when stderr is a terminal; a summary line always ends the run. Ctrl-C stops\n"
	"cleanly (exit status 130).\n";

struct capture {
	struct tool *t;
	struct iios_stream *s;
	struct iios_channel **chans;
	size_t nchans, scan_bytes;
	bool csv;
	char *text;		/* CSV of one block */
	size_t text_size;
	double *vals;		/* one block of one channel */
	size_t vals_n;
	struct outfile out;
};

static int csv_header(struct capture *c)
{
	size_t len = 0;

	for (size_t i = 0; i < c->nchans; i++) {
		const struct iios_scan_type *st = iios_channel_scan_type(c->chans[i]);

		for (unsigned int k = 0; k < st->repeat; k++)
			len += (size_t)snprintf(c->text + len, c->text_size - len,
						st->repeat > 1 ? "%s%s.%u" : "%s%s", len ? "," : "",
						iios_channel_id(c->chans[i]), k);
	}
	c->text[len++] = '\n';
	return out_write(c->t, &c->out, c->text, len);
}

/* @p nscans scans of the block as CSV lines: convert channel by channel
 * (iios_block_read_doubles), then print scan by scan. */
static int csv_block(struct capture *c, struct iios_block *b, size_t nscans)
{
	size_t len = 0, col = 0;

	for (size_t i = 0; i < c->nchans; i++) {
		unsigned int rep = iios_channel_scan_type(c->chans[i])->repeat;
		ssize_t n = iios_block_read_doubles(b, c->chans[i], c->vals + col * nscans,
						    nscans * rep);

		if (n < 0 || (size_t)n != nscans * rep) {
			tool_err(c->t, "converting channel %s: %zd of %zu values",
				 iios_channel_id(c->chans[i]), n, nscans * rep);
			return -1;
		}
		col += rep;
	}
	for (size_t s = 0; s < nscans; s++) {
		col = 0;
		for (size_t i = 0; i < c->nchans; i++) {
			unsigned int rep = iios_channel_scan_type(c->chans[i])->repeat;

			for (unsigned int k = 0; k < rep; k++)
				len += (size_t)snprintf(c->text + len, c->text_size - len, "%s%.10g",
							col + k ? "," : "",
							c->vals[col * nscans + s * rep + k]);
			col += rep;
		}
		c->text[len++] = '\n';
	}
	return out_write(c->t, &c->out, c->text, len);
}

/* Verify and write the block's data (up to the -n limit); count its scans. */
static int take_block(struct capture *c, struct iios_block *b, struct verify *v,
		      const struct limit *lim, uint64_t *got)
{
	size_t nscans = iios_block_bytes_used(b) / c->scan_bytes, bytes;
	int r;

	if (lim->samples && nscans > lim->samples - *got)
		nscans = (size_t)(lim->samples - *got);
	bytes = nscans * c->scan_bytes;
	if (v) {
		if (iios_block_status(b))
			verify_skip(v, bytes);
		else
			verify_block(v, iios_block_data(b), bytes);
	}
	r = c->csv ? csv_block(c, b, nscans) : out_write(c->t, &c->out, iios_block_data(b), bytes);
	if (!r)
		*got += nscans;
	return r;
}

/*
 * -t SECONDS is up: stop the device and keep everything it produced. The
 * blocks it completed come back in order; a DMABUF block cancelled in flight
 * comes back empty (the interface does not say how much of it was written);
 * with read() the ring's last partial block comes too.
 */
static int drain(struct capture *c, struct verify *v, const struct limit *lim, uint64_t *got)
{
	struct iios_block *b;
	int r = iios_stream_stop(c->s);

	while (!r) {
		r = iios_stream_get_block(c->s, 5000, &b);
		if (r == -ENODATA || (r == -ECANCELED && tool_interrupted))
			return 0;
		if (!r && take_block(c, b, v, lim, got))
			return -1;
		if (!r)
			r = iios_stream_release_block(c->s, b);
	}
	tool_err(c->t, "%s", iios_stream_last_error(c->s));
	return -1;
}

int cmd_capture(struct tool *t, int argc, char **argv)
{
	enum { O_BLOCK_SIZE = 'B', O_BLOCKS = 'K', O_BACKEND = 'b', O_VERIFY = 'V' };
	static const struct option opts[] = {
		{ "samples", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "verify", required_argument, NULL, O_VERIFY },
		{ "block-size", required_argument, NULL, O_BLOCK_SIZE },
		{ "blocks", required_argument, NULL, O_BLOCKS },
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "help", no_argument, NULL, 'h' },
		{ 0 } };
	struct capture c = { .t = t };
	struct geometry g = { 0 };
	struct verify v = { 0 };
	struct progress pg;
	struct summary sum = { .overruns = -1, .underruns = -1 };
	const char *output = "-";
	struct limit lim = { 0 };
	uint64_t got = 0;
	bool verify = false, complete = false;
	struct iios_device *dev;
	struct iios_buffer *buf;
	char vres[256];
	size_t block_scans;
	int opt, r, ret = EXIT_RUNTIME;

	while ((opt = getopt_long(argc, argv, "n:t:o:f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': case 't':
			if (limit_option(t, opt, optarg, &lim))
				return EXIT_USAGE;
			break;
		case 'o': output = optarg; break;
		case 'f':
			if (!strcmp(optarg, "csv"))
				c.csv = true;
			else if (strcmp(optarg, "raw"))
				return tool_usage_err(t, "--format: '%s' is not raw or csv", optarg);
			break;
		case O_VERIFY:
			if (strcmp(optarg, "counter"))
				return tool_usage_err(t, "--verify: '%s' is not a known pattern (counter)",
						      optarg);
			verify = true;
			break;
		default:
			if ((r = common_option(t, opt, optarg, &g, help)) >= 0)
				return r;
		}
	}
	if (optind >= argc)
		return tool_usage_err(t, "missing DEVICE");
	if (!lim.samples == !lim.seconds)
		return tool_usage_err(t, "give either -n SAMPLES or -t SECONDS");
	if (!c.csv && !strcmp(output, "-") && isatty(STDOUT_FILENO) == 1)
		return tool_usage_err(t, "refusing to write raw samples to a terminal; use -o FILE, a pipe or --format csv");

	dev = tool_device(t, argv[optind]);
	if (!dev || tool_select(t, dev, false, argv + optind + 1, (size_t)(argc - optind - 1),
				&buf, &c.chans, &c.nchans))
		return EXIT_RUNTIME;
	c.scan_bytes = tool_scan_bytes(c.chans, c.nchans);
	block_scans = geom_block_scans(t, &g, dev, c.scan_bytes, lim.samples);
	if (!c.scan_bytes || !block_scans)
		goto out;
	if (out_open(t, &c.out, output))
		goto out;
	tool_signals_install();
	c.s = tool_stream_open(t, buf, c.chans, c.nchans, block_scans, &g, 0);
	if (!c.s)
		goto out;
	tool_watch(c.s);
	if (out_begin(t, &c.out))
		goto out;
	if (verify && verify_init(t, &v, c.s, c.chans, c.nchans))
		goto out;
	if (c.csv) {
		size_t cols = 0;

		for (size_t i = 0; i < c.nchans; i++)
			cols += iios_channel_scan_type(c.chans[i])->repeat;
		c.vals_n = cols * block_scans;
		c.vals = malloc(c.vals_n * sizeof(*c.vals));
		/* A value is at most 17 characters ("%.10g"), plus a comma. */
		c.text_size = (cols * 26 + 2) * block_scans;
		for (size_t i = 0; i < c.nchans; i++)
			c.text_size += (strlen(iios_channel_id(c.chans[i])) + 16) *
				       iios_channel_scan_type(c.chans[i])->repeat;
		c.text = malloc(c.text_size);
		if (!c.vals || !c.text) {
			tool_err(t, "out of memory for %zu CSV lines", block_scans);
			goto out;
		}
		if (csv_header(&c))
			goto out;
	}

	progress_start(&pg, lim.samples * c.scan_bytes, lim.seconds);
	limit_start(&lim);
	while (!tool_interrupted) {
		int timeout = limit_wait_ms(&lim);
		struct iios_block *b;

		if (timeout < 0) {
			complete = true;
			break;
		}
		r = iios_stream_get_block(c.s, timeout, &b);
		if (r == -ETIMEDOUT) {
			progress_stream(&pg, got * c.scan_bytes, c.s);
			continue;
		}
		if (r == -ECANCELED)
			break;
		if (r < 0 || take_block(&c, b, verify ? &v : NULL, &lim, &got)) {
			progress_end(&pg);
			if (r < 0)
				tool_err(t, "%s", iios_stream_last_error(c.s));
			goto done;
		}
		if (lim.samples && got >= lim.samples) {
			complete = true;
			break;
		}
		r = iios_stream_release_block(c.s, b);
		if (r < 0) {
			progress_end(&pg);
			tool_err(t, "%s", iios_stream_last_error(c.s));
			goto done;
		}
		progress_stream(&pg, got * c.scan_bytes, c.s);
	}
	if (complete && lim.seconds && drain(&c, verify ? &v : NULL, &lim, &got)) {
		progress_end(&pg);
		goto done;
	}
	progress_end(&pg);
	ret = EXIT_OK;
done:
	sum.seconds = tool_now() - pg.t0;
	summary_from_stream(&sum, c.s);
	sum.bytes = got * c.scan_bytes;
	sum.interrupted = tool_interrupted;
	if (verify) {
		if (!verify_result(&v, vres, sizeof(vres)) && ret == EXIT_OK)
			ret = EXIT_RUNTIME;
		sum.extra = vres;
	}
out:
	if (c.s) {
		tool_unwatch(c.s);
		iios_stream_close(c.s); /* disables the buffer */
	}
	if (out_close(t, &c.out, complete || (tool_interrupted && !c.out.err)) && ret == EXIT_OK)
		ret = EXIT_RUNTIME;
	if (c.s)
		summary_print(t, &sum);
	free(c.chans);
	free(c.text);
	free(c.vals);
	if (tool_interrupted && ret == EXIT_OK)
		ret = EXIT_INTERRUPTED + tool_interrupted;
	return ret;
}
