/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream play: stream a file (the device's raw scan layout) to an output buffer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static const char help[] =
	"usage: iiostream play DEVICE [CHANNEL...] -i FILE|- [--cyclic | --repeat N]\n"
	"                      [--block-size BYTES] [--blocks K]\n"
	"                      [--backend auto|dmabuf|fileio]\n"
	"\n"
	"Stream FILE (or stdin) to the output buffer of DEVICE (every channel of its\n"
	"first output buffer, or the CHANNELs named). FILE holds raw scans in the\n"
	"device's layout, as 'iiostream capture' writes them; a trailing partial\n"
	"scan is ignored with a warning. The device starts once every block is\n"
	"filled and queued (or the data ended), so the output begins without a gap.\n"
	"\n"
	"  -i, --input FILE     the data ('-' is stdin)\n"
	"  --repeat N           play FILE N times (FILE must be seekable; default 1)\n"
	"  --cyclic             hand FILE to the device as one block that it repeats\n"
	"                       until interrupted (DMABUF only; FILE at most 1 GiB)\n"
	"  --block-size BYTES   block size, rounded down to whole scans\n"
	"  --blocks K           blocks in flight, 1..4096 (default 4)\n"
	"  --backend B          auto, dmabuf or fileio (write())\n"
	"  -h, --help           this text\n";

struct input {
	const char *shown;
	int fd;
};

/* Read up to @p len bytes; fewer only at end of file. -1 after a message. */
static ssize_t read_full(const struct tool *t, struct input *in, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(in->fd, (char *)buf + got, len - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR && !tool_interrupted)
			continue;
		if (errno == EINTR)
			break;
		tool_err(t, "reading %s: %s", in->shown, strerror(errno));
		return -1;
	}
	return (ssize_t)got;
}

/* Hand the device the whole file as one block to repeat; wait for Ctrl-C. */
static int play_cyclic(struct tool *t, struct input *in, struct iios_buffer *buf,
		       struct iios_channel **chans, size_t n, size_t scan_bytes,
		       struct geometry *g, struct summary *sum)
{
	struct stat st;
	struct iios_stream *s;
	struct iios_block *b;
	size_t scans;
	ssize_t got;
	int r;

	if (fstat(in->fd, &st) || !S_ISREG(st.st_mode)) {
		tool_err(t, "--cyclic needs a regular file, not %s", in->shown);
		return EXIT_RUNTIME;
	}
	if ((uint64_t)st.st_size > GEOM_MAX_BLOCK_BYTES) {
		tool_err(t, "%s: %lld bytes is more than a cyclic block may hold (1 GiB)", in->shown,
			 (long long)st.st_size);
		return EXIT_RUNTIME;
	}
	scans = (size_t)st.st_size / scan_bytes;
	if (!scans) {
		tool_err(t, "%s: %lld bytes, shorter than one scan (%zu bytes)", in->shown,
			 (long long)st.st_size, scan_bytes);
		return EXIT_RUNTIME;
	}
	g->blocks = 1;
	if (g->backend == IIOS_BACKEND_AUTO)
		g->backend = IIOS_BACKEND_DMABUF; /* cyclic is DMABUF only: say why not */
	s = tool_stream_open(t, buf, chans, n, scans, g, 0);
	if (!s)
		return EXIT_RUNTIME;
	tool_watch(s);
	r = iios_stream_get_block(s, 0, &b);
	got = r ? -1 : read_full(t, in, iios_block_data(b), scans * scan_bytes);
	if (r)
		tool_err(t, "%s", iios_stream_last_error(s));
	else if (got >= 0 && (size_t)got != scans * scan_bytes)
		tool_err(t, "%s changed size while reading (%zd bytes)", in->shown, got);
	else if (got >= 0 && !tool_interrupted) {
		r = iios_stream_submit_block(s, b, scans * scan_bytes, IIOS_SUBMIT_CYCLIC);
		if (r)
			tool_err(t, "%s", iios_stream_last_error(s));
		else {
			sigset_t none;

			sigemptyset(&none);
			if ((uint64_t)st.st_size % scan_bytes)
				tool_err(t, "warning: ignoring the last %llu bytes of %s (less than a scan)",
					 (unsigned long long)st.st_size % scan_bytes, in->shown);
			while (!tool_interrupted)
				sigsuspend(&none); /* SIGINT/SIGTERM end it */
		}
	}
	summary_from_stream(sum, s);
	tool_unwatch(s);
	iios_stream_close(s);
	return tool_interrupted && !r ? EXIT_INTERRUPTED + tool_interrupted : EXIT_RUNTIME;
}

static int stream_failed(const struct tool *t, struct iios_stream *s, struct progress *pg)
{
	progress_end(pg);
	tool_err(t, "%s", iios_stream_last_error(s));
	return EXIT_RUNTIME;
}

/* The stream was opened with IIOS_STREAM_MANUAL_START: start it once. */
static int start(const struct tool *t, struct iios_stream *s, bool *started,
		 struct progress *pg)
{
	if (*started)
		return 0;
	*started = true;
	if (!iios_stream_start(s))
		return 0;
	stream_failed(t, s, pg);
	return -1;
}

/*
 * Pre-fill: the first blocks are filled and queued before the device starts
 * (IIOS_STREAM_MANUAL_START), then it starts with all of them queued, so the
 * output begins without a gap however the next reads go. *@underruns gets the
 * device's count when the last block is queued: from then on it runs dry by
 * design.
 */
static int play_stream(struct tool *t, struct input *in, struct iios_stream *s, size_t scan_bytes,
		       uint64_t repeat, uint64_t *played, long long *underruns)
{
	size_t block = iios_stream_block_bytes(s), carry = 0;
	uint64_t pass = 0, file_bytes = 0, queued = 0;
	struct iios_block *b = NULL;
	struct iios_stream_stats st;
	struct progress pg;
	bool started = false;
	int r;

	progress_start(&pg, 0, 0);
	while (!tool_interrupted) {
		ssize_t got;
		size_t fill;

		if (!b) {
			r = iios_stream_get_block(s, -1, &b);
			if (r == -ECANCELED)
				break;
			if (r)
				return stream_failed(t, s, &pg);
			carry = 0;
		}
		got = read_full(t, in, (char *)iios_block_data(b) + carry, block - carry);
		if (got < 0)
			return progress_end(&pg), EXIT_RUNTIME;
		file_bytes += (uint64_t)got;
		fill = carry + (size_t)got;
		if (fill < block && !tool_interrupted) {
			/* End of file: next pass, or the end. */
			if (file_bytes == 0) {
				tool_err(t, "%s is empty", in->shown);
				return progress_end(&pg), EXIT_RUNTIME;
			}
			if (++pass < repeat) {
				if (lseek(in->fd, 0, SEEK_SET) < 0) {
					tool_err(t, "rewinding %s for --repeat: %s", in->shown,
						 strerror(errno));
					return progress_end(&pg), EXIT_RUNTIME;
				}
				carry = fill;
				continue;
			}
		}
		if (fill % scan_bytes)
			tool_err(t, "warning: ignoring the last %zu bytes of %s (less than a scan of %zu bytes)",
				 fill % scan_bytes, in->shown, scan_bytes);
		fill -= fill % scan_bytes;
		if (!fill) {
			if (*played)
				break; /* the file ended on a block boundary */
			tool_err(t, "%s: %llu bytes, shorter than one scan (%zu bytes)", in->shown,
				 (unsigned long long)file_bytes, scan_bytes);
			return progress_end(&pg), EXIT_RUNTIME;
		}
		r = iios_stream_submit_block(s, b, fill, 0);
		if (r == -ECANCELED)
			break;
		if (r)
			return stream_failed(t, s, &pg);
		*played += fill;
		b = NULL;
		if (++queued == iios_stream_block_count(s) && start(t, s, &started, &pg))
			return EXIT_RUNTIME;
		progress_stream(&pg, *played, s);
		if (fill < block)
			break; /* that was the end of the last pass */
	}
	if (!tool_interrupted && *played) {
		/* The end of the data; if it came before every block was
		 * queued, start with what there is. */
		if (start(t, s, &started, &pg))
			return EXIT_RUNTIME;
		if (!iios_stream_get_stats(s, &st))
			*underruns = st.underruns;
	}
	/* Wait until the device consumed what was queued (every block free again). */
	for (unsigned int i = 0; i < iios_stream_block_count(s) && !tool_interrupted; i++) {
		struct iios_block *x;

		if (iios_stream_get_block(s, -1, &x))
			break;
	}
	progress_end(&pg);
	return tool_interrupted ? EXIT_INTERRUPTED + tool_interrupted : EXIT_OK;
}

int cmd_play(struct tool *t, int argc, char **argv)
{
	enum { O_BLOCK_SIZE = 'B', O_BLOCKS = 'K', O_BACKEND = 'b', O_CYCLIC = 'C', O_REPEAT = 'R' };
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "cyclic", no_argument, NULL, O_CYCLIC },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "block-size", required_argument, NULL, O_BLOCK_SIZE },
		{ "blocks", required_argument, NULL, O_BLOCKS },
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "help", no_argument, NULL, 'h' },
		{ 0 } };
	struct geometry g = { 0 };
	struct summary sum = { .overruns = -1, .underruns = -1, .output = true };
	struct input in = { 0 };
	const char *input = NULL;
	uint64_t repeat = 1, played = 0;
	long long underruns = -1;
	bool cyclic = false, repeat_given = false;
	struct iios_channel **chans = NULL;
	struct iios_stream *s = NULL;
	struct iios_device *dev;
	struct iios_buffer *buf;
	size_t n, scan_bytes, block_scans;
	double t0;
	int opt, r, ret = EXIT_RUNTIME;

	while ((opt = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': input = optarg; break;
		case O_CYCLIC: cyclic = true; break;
		case O_REPEAT:
			if (opt_size(t, "--repeat", optarg, 1, 1ull << 40, &repeat))
				return EXIT_USAGE;
			repeat_given = true;
			break;
		default:
			if ((r = common_option(t, opt, optarg, &g, help)) >= 0)
				return r;
		}
	}
	if (optind >= argc)
		return tool_usage_err(t, "missing DEVICE");
	if (!input)
		return tool_usage_err(t, "missing -i FILE (or -i - for stdin)");
	if (cyclic && repeat_given)
		return tool_usage_err(t, "--cyclic repeats until interrupted; it takes no --repeat");
	if (cyclic && g.backend == IIOS_BACKEND_FILEIO)
		return tool_usage_err(t, "--cyclic needs the dmabuf backend, not fileio");

	dev = tool_device(t, argv[optind]);
	if (!dev || tool_select(t, dev, true, argv + optind + 1, (size_t)(argc - optind - 1), &buf,
				&chans, &n))
		return EXIT_RUNTIME;
	scan_bytes = tool_scan_bytes(chans, n);
	if (!strcmp(input, "-")) {
		in.fd = STDIN_FILENO;
		in.shown = "stdin";
	} else {
		in.shown = input;
		in.fd = open(input, O_RDONLY | O_CLOEXEC);
		if (in.fd < 0) {
			tool_err(t, "cannot open input file %s: %s", input, strerror(errno));
			goto out;
		}
	}
	if (repeat > 1 && lseek(in.fd, 0, SEEK_CUR) < 0) {
		tool_err(t, "--repeat needs a seekable file; %s is not (%s)", in.shown, strerror(errno));
		goto out;
	}
	{
		struct stat st;

		if (!fstat(in.fd, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size < scan_bytes) {
			tool_err(t, "%s: %lld bytes, shorter than one scan of %s (%zu bytes)", in.shown,
				 (long long)st.st_size, tool_devdesc(dev), scan_bytes);
			goto out;
		}
	}
	tool_signals_install();
	t0 = tool_now();
	if (cyclic) {
		ret = play_cyclic(t, &in, buf, chans, n, scan_bytes, &g, &sum);
		sum.seconds = tool_now() - t0;
		sum.interrupted = tool_interrupted;
		summary_print(t, &sum);
		goto out;
	}
	block_scans = geom_block_scans(t, &g, dev, scan_bytes, 0);
	if (!block_scans)
		goto out;
	s = tool_stream_open(t, buf, chans, n, block_scans, &g, IIOS_STREAM_MANUAL_START);
	if (!s)
		goto out;
	tool_watch(s);
	ret = play_stream(t, &in, s, scan_bytes, repeat, &played, &underruns);
	summary_from_stream(&sum, s);
	if (underruns >= 0)
		sum.underruns = underruns; /* not the device running dry after the end */
	sum.bytes = played;
	sum.seconds = tool_now() - t0;
	sum.interrupted = tool_interrupted;
	tool_unwatch(s);
	iios_stream_close(s);
	summary_print(t, &sum);
out:
	if (in.fd > 0)
		close(in.fd);
	free(chans);
	return ret;
}
