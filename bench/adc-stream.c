// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * adc-stream: stream the counter pattern from sim-adc, unthrottled, through
 * the IIO DMABUF interface or read(), verify every scan and print the rate.
 *
 *   adc-stream --backend dmabuf|read [--bytes N] [--block-size B]
 *              [--blocks K] [--source heap|udmabuf] [--device NAME]
 *
 * N and B accept K, M and G suffixes (powers of 1024). Exits non-zero on any
 * mismatch, gap or error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simtest.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: adc-stream --backend dmabuf|read [--bytes N] [--block-size B]\n"
		"                  [--blocks K] [--source heap|udmabuf] [--device NAME]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "bytes", required_argument, NULL, 'n' },
		{ "block-size", required_argument, NULL, 's' },
		{ "blocks", required_argument, NULL, 'k' },
		{ "source", required_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct stream_opts o = {
		.src = DMABUF_HEAP, .nbufs = 4, .block = 1 << 20, .bytes = 1ull << 30,
	};
	const char *backend = NULL, *device = SIM_ADC_NAME;
	struct stream_result r;
	struct sim s;
	uint64_t v;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			backend = optarg;
			break;
		case 'n':
			if (parse_size(optarg, &o.bytes) || !o.bytes)
				goto bad;
			break;
		case 's':
			if (parse_size(optarg, &v) || !v || v % 8 || v > (1u << 30))
				goto bad;
			o.block = v;
			break;
		case 'k':
			if (parse_size(optarg, &v) || !v || v > 64)
				goto bad;
			o.nbufs = v;
			break;
		case 'S':
			if (!strcmp(optarg, "heap"))
				o.src = DMABUF_HEAP;
			else if (!strcmp(optarg, "udmabuf"))
				o.src = DMABUF_UDMABUF;
			else
				goto bad;
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc || !backend ||
	    (strcmp(backend, "dmabuf") && strcmp(backend, "read")))
		goto bad;

	ret = sim_setup(&s, device, SIM_ALL_CHANNELS, SIM_UNTHROTTLED);
	if (ret) {
		fprintf(stderr, "adc-stream: cannot set up IIO device %s (%s): %s\n",
			device, s.dir[0] ? s.dir : "not found", strerror(-ret));
		return 1;
	}
	if (!strcmp(backend, "dmabuf"))
		ret = sim_stream_dmabuf(&s, &o, &r);
	else
		ret = sim_stream_read(&s, &o, &r);
	sim_teardown(&s);
	if (ret) {
		fprintf(stderr, "adc-stream: %s on %s (%s): %s\n", r.what, device,
			s.node, strerror(-ret));
		return 1;
	}

	printf("%s: %.0f MiB in %.2f s = %.1f MiB/s, %llu mismatches, %llu gaps\n",
	       backend, r.bytes / 1048576.0, r.seconds,
	       r.seconds > 0 ? r.bytes / 1048576.0 / r.seconds : 0.0,
	       (unsigned long long)r.c.mismatches, (unsigned long long)r.c.gaps);
	return r.c.mismatches || r.c.gaps ? 1 : 0;

bad:
	usage(stderr);
	return 2;
}
