/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * capture: record N samples of two channels of an IIO device as doubles
 * (scale and offset applied) and print them as CSV. A starting point to copy.
 *
 *   capture [-d DEVICE] [-n SAMPLES] [-b SCANS_PER_BLOCK] [-f] [CHAN_A CHAN_B]
 *
 * Defaults: device sim-adc, 4096 samples, 1024 scans per block, channels
 * voltage0 and voltage1. -f forces the fileio backend. Build against the
 * installed library with: cc capture.c $(pkg-config --cflags --libs libiiostream)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iiostream.h>

static struct iios_stream *stream; /* for the signal handler */

static void on_signal(int sig)
{
	(void)sig;
	iios_stream_cancel(stream); /* async-signal-safe */
}

int main(int argc, char **argv)
{
	const char *devname = "sim-adc", *names[2] = { "voltage0", "voltage1" };
	struct iios_stream_params params = { .block_scans = 1024, .nb_blocks = 4 };
	struct iios_channel *chans[2];
	struct iios_context *ctx;
	struct iios_device *dev;
	struct iios_buffer *buf;
	size_t want = 4096, got = 0;
	double *a, *b;
	char err[512];
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "d:n:b:f")) != -1) {
		switch (opt) {
		case 'd': devname = optarg; break;
		case 'n': want = strtoul(optarg, NULL, 0); break;
		case 'b': params.block_scans = strtoul(optarg, NULL, 0); break;
		case 'f': params.backend = IIOS_BACKEND_FILEIO; break;
		default:
			fprintf(stderr, "usage: %s [-d DEVICE] [-n SAMPLES] [-b SCANS] [-f] [CHAN_A CHAN_B]\n",
				argv[0]);
			return 2;
		}
	}
	if (argc - optind == 2) {
		names[0] = argv[optind];
		names[1] = argv[optind + 1];
	}
	a = calloc(want + params.block_scans, sizeof(*a));
	b = calloc(want + params.block_scans, sizeof(*b));
	if (!a || !b)
		return 1;

	ctx = iios_context_new(NULL, NULL, err, sizeof(err));
	if (!ctx) {
		fprintf(stderr, "capture: %s\n", err);
		return 1;
	}
	dev = iios_context_find_device(ctx, devname);
	buf = dev ? iios_device_buffer(dev, 0) : NULL;
	chans[0] = buf ? iios_buffer_find_channel(buf, names[0]) : NULL;
	chans[1] = buf ? iios_buffer_find_channel(buf, names[1]) : NULL;
	if (!chans[0] || !chans[1]) {
		fprintf(stderr, "capture: %s\n", buf || dev ? iios_context_last_error(ctx)
							    : "device has no buffer");
		goto out;
	}
	stream = iios_stream_open(buf, chans, 2, &params);
	if (!stream) {
		fprintf(stderr, "capture: %s\n", iios_context_last_error(ctx));
		goto out;
	}
	if (iios_stream_fallback_reason(stream))
		fprintf(stderr, "capture: using fileio: %s\n", iios_stream_fallback_reason(stream));
	signal(SIGINT, on_signal);

	/* The capture loop. */
	while (got < want) {
		struct iios_block *blk;
		int r = iios_stream_get_block(stream, 5000, &blk);

		if (r < 0) {
			fprintf(stderr, "capture: %s\n", iios_stream_last_error(stream));
			goto out;
		}
		if (iios_block_status(blk))
			fprintf(stderr, "capture: block %llu failed: %s\n",
				(unsigned long long)iios_block_sequence(blk),
				strerror(-iios_block_status(blk)));
		ssize_t n = iios_block_read_doubles(blk, chans[0], a + got, want - got);
		iios_block_read_doubles(blk, chans[1], b + got, want - got);
		got += (size_t)n;
		iios_stream_release_block(stream, blk);
	}

	printf("%s,%s\n", names[0], names[1]);
	for (size_t i = 0; i < want; i++)
		printf("%.9g,%.9g\n", a[i], b[i]);
	fprintf(stderr, "capture: %zu samples via %s\n", want,
		iios_backend_name(iios_stream_backend(stream)));
	ret = 0;
out:
	iios_stream_close(stream);
	iios_context_free(ctx);
	free(a);
	free(b);
	return ret;
}
