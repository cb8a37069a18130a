/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream(1): what the subcommands share. */
#ifndef IIOSTREAM_TOOL_H
#define IIOSTREAM_TOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <iiostream.h>

/* Exit statuses (documented in iiostream(1)). */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* the system said no: device, channel, file, kernel */
	EXIT_USAGE = 2,		/* the command line alone is wrong */
	EXIT_INTERRUPTED = 128,	/* + the signal: 130 after SIGINT, 143 after SIGTERM */
};

/* One run of the tool. */
struct tool {
	const char *cmd;	/* subcommand name, for messages */
	const char *sysfs_root;	/* NULL: /sys/bus/iio/devices */
	const char *dev_root;	/* NULL: /dev */
	struct iios_context *ctx;
};

/* ---- messages (main.c) ---- */
/* "iiostream CMD: <message>" on stderr. */
void tool_err(const struct tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like tool_err, then "Try 'iiostream CMD --help'."; returns EXIT_USAGE. */
int tool_usage_err(const struct tool *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* After getopt_long printed its message: the "Try" line; returns EXIT_USAGE. */
int tool_usage_hint(const struct tool *t);
/* getopt_long's message prefix ("iiostream CMD"), set up by tool_getopt_init. */
void tool_getopt_init(struct tool *t, char **argv);
/* Print help text @p text for --help (stdout), returns EXIT_OK. */
int tool_help(const char *text);

/* ---- option values (options.c) ---- */
/*
 * Parse a non-negative integer with an optional binary suffix (k, M, G, T, with
 * an optional "i" and "B": 4k = 4KiB = 4096) into [min, max]. On error print a
 * usage message naming @p what and return -1.
 */
int opt_size(const struct tool *t, const char *what, const char *s, uint64_t min, uint64_t max,
	     uint64_t *out);
/* Seconds, a positive decimal number up to @p max. */
int opt_seconds(const struct tool *t, const char *what, const char *s, double max, double *out);
/* Comma-separated opt_size() list, at most @p maxn entries. */
int opt_size_list(const struct tool *t, const char *what, const char *s, uint64_t min,
		  uint64_t max, uint64_t *out, size_t maxn, size_t *n);
/* --backend auto|dmabuf|fileio */
int opt_backend(const struct tool *t, const char *s, enum iios_backend *out);

/* ---- devices and channels (select.c) ---- */
/* Scan sysfs (t->ctx); prints the error and returns -1 on failure. */
int tool_open_context(struct tool *t);
/* The device named @p key (id, label or name), or NULL after an error message. */
struct iios_device *tool_device(struct tool *t, const char *key);
/*
 * The buffer and channels to stream: @p names (n > 0) are looked up in the
 * device's buffers of the wanted direction; with n == 0, every channel of its
 * first such buffer. Errors (unknown channel, channel of the other direction,
 * channels of two buffers, no such buffer) are printed. *chans is allocated
 * (the caller frees it) in scan order for n == 0, else in the order named; the
 * scan size of the selection (tool_scan_bytes()) is then never 0.
 */
int tool_select(struct tool *t, struct iios_device *dev, bool output, char *const *names,
		size_t n, struct iios_buffer **buf, struct iios_channel ***chans, size_t *nchans);
/* "sim-adc (iio:device0)" in a static buffer. */
const char *tool_devdesc(const struct iios_device *dev);
/* Bytes per scan for these channels (the kernel's layout); 0 only without memory. */
size_t tool_scan_bytes(struct iios_channel *const *chans, size_t n);

/* Stream geometry from --block-size / --blocks: scans per block. */
struct geometry {
	uint64_t block_bytes;	/* 0: choose (tool_default_block_bytes) */
	unsigned int blocks;	/* 0: 4 */
	enum iios_backend backend;
};
#define GEOM_MAX_BLOCK_BYTES (1ull << 30)
#define GEOM_MAX_BLOCKS 4096u
/* Parse --block-size / --blocks / --backend values; -1 after a usage message. */
int geom_option(const struct tool *t, int opt, const char *arg, struct geometry *g);
/*
 * The options every streaming command shares: 'B' --block-size, 'K' --blocks,
 * 'b' --backend (into @p g), 'h' --help (prints @p help), '?' (getopt's error).
 * @return -1 if the option was taken and parsing goes on, else the exit status
 *         to return (EXIT_OK after --help, EXIT_USAGE).
 */
int common_option(const struct tool *t, int opt, const char *arg, struct geometry *g,
		  const char *help);

/* -n SAMPLES / -t SECONDS: when a stream stops. */
struct limit {
	uint64_t samples;	/* 0: no sample limit */
	double seconds;		/* 0: no time limit */
	double deadline;	/* set by limit_start */
};
/* 'n' or 't'; -1 after a usage message. */
int limit_option(const struct tool *t, int opt, const char *arg, struct limit *l);
void limit_start(struct limit *l);
/* How long the next wait may be (at most 500 ms), or -1 once the time is up. */
int limit_wait_ms(const struct limit *l);
/* Scans per block: the requested size rounded down to whole scans (error if < 1 scan),
 * else about 100 ms at the device's sampling_frequency, 4 KiB..1 MiB. Capped at
 * @p max_scans when non-zero. 0 after an error message. */
size_t geom_block_scans(const struct tool *t, const struct geometry *g,
			const struct iios_device *dev, size_t scan_bytes, uint64_t max_scans);
/* Open the stream, printing the library's reason on failure; NULL on error. */
struct iios_stream *tool_stream_open(struct tool *t, struct iios_buffer *buf,
				     struct iios_channel *const *chans, size_t n,
				     size_t block_scans, const struct geometry *g, unsigned int flags);

/* ---- signals (signals.c) ---- */
/* The signal that stopped the run (SIGINT, SIGTERM), else 0. */
extern volatile sig_atomic_t tool_interrupted;
/* SIGINT/SIGTERM set tool_interrupted and cancel the watched streams; SIGPIPE ignored. */
void tool_signals_install(void);
void tool_watch(struct iios_stream *s);
void tool_unwatch(struct iios_stream *s);

/* ---- time ---- */
double tool_now(void);		/* CLOCK_MONOTONIC seconds */
double tool_cpu_seconds(void);	/* user + system CPU time of the process */

/* ---- output files (io.c) ---- */
struct outfile {
	const char *name;	/* as given; "-" is stdout */
	const char *shown;	/* for messages: "stdout" or the path */
	int fd;
	bool is_stdout;
	uint64_t written;
	int err;		/* first write error (errno), 0 if none */
	bool created;		/* by us (removed if nothing was ever written) */
	bool begun;		/* out_begin() called: the file is ours now */
};
int out_open(const struct tool *t, struct outfile *o, const char *name);
/* The stream is open: truncate an existing regular file. -1 after a message. */
int out_begin(const struct tool *t, struct outfile *o);
/* Write everything (restarting after EINTR unless interrupted); -1 after an error message. */
int out_write(const struct tool *t, struct outfile *o, const void *data, size_t len);
/* Close; -1 after an error message. Reports an incomplete file. */
int out_close(const struct tool *t, struct outfile *o, bool complete);

/* ---- progress and summary (progress.c) ---- */
struct progress {
	bool on;		/* stderr is a terminal */
	double t0, last;
	uint64_t total_bytes;	/* 0 if unknown */
	double total_seconds;	/* 0 if not time-bound */
	int width;		/* of the last line, to clear it */
};
void progress_start(struct progress *p, uint64_t total_bytes, double total_seconds);
/* True when a redraw is due (a terminal, and 250 ms since the last one). */
bool progress_due(const struct progress *p);
/* Redraw at most 4 times a second: bytes, rate, drops (if >= 0), ETA. */
void progress_update(struct progress *p, uint64_t bytes, long long drops);
/* progress_update() with the stream's overruns (input) or underruns (output). */
void progress_stream(struct progress *p, uint64_t bytes, struct iios_stream *s);
void progress_end(struct progress *p);

struct summary {
	uint64_t bytes, blocks, block_errors;
	long long overruns, underruns;	/* -1: the buffer has no counter */
	double seconds;
	const char *backend;		/* NULL to leave out */
	const char *extra;		/* appended if not NULL */
	bool interrupted;
	bool output;			/* report underruns, else overruns */
};
/* One line on stderr: "iiostream CMD: N bytes in S s, R MiB/s, B blocks, ..." */
void summary_print(const struct tool *t, const struct summary *s);
/* Fill bytes/blocks/errors/overruns/underruns from a stream. */
void summary_from_stream(struct summary *sum, struct iios_stream *s);

/* ---- counter verification (verify.c) ---- */
struct verify {
	bool on;
	size_t nchans, scan_bytes;
	struct {
		size_t offset;
		unsigned int field;	/* bit position in the sequence number */
		uint64_t mask;
		const struct iios_scan_type *st;
	} ch[64];
	bool fast;		/* whole scan is the LE u64 sequence number */
	uint64_t seq;		/* expected next sequence number */
	uint64_t scans, bad, gaps;
	uint64_t first_bad;	/* scan number of the first bad one */
	char first_msg[160];
};
int verify_init(const struct tool *t, struct verify *v, struct iios_stream *s,
		struct iios_channel *const *chans, size_t n);
/* Check @p len bytes of whole scans. */
void verify_block(struct verify *v, const void *data, size_t len);
/* A block whose data is undefined (failed transfer): resynchronise after it. */
void verify_skip(struct verify *v, size_t len);
/* "verify counter: ok (N scans)" or the failure; true if ok. */
bool verify_result(const struct verify *v, char *buf, size_t len);

/* ---- JSON (json.c) ---- */
struct json {
	FILE *f;
	int depth;
	bool need_comma[32];
};
void json_init(struct json *j, FILE *f);
void json_obj(struct json *j, const char *key);	/* key NULL inside arrays / at top */
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);	/* NULL -> null */
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_num(struct json *j, const char *key, double v);	/* non-finite -> null */
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_end(struct json *j);	/* newline */

/* ---- subcommands ---- */
int cmd_list(struct tool *t, int argc, char **argv);
int cmd_attr(struct tool *t, int argc, char **argv);
int cmd_capture(struct tool *t, int argc, char **argv);
int cmd_play(struct tool *t, int argc, char **argv);
int cmd_bench(struct tool *t, int argc, char **argv);
int cmd_pipe(struct tool *t, int argc, char **argv);

#endif
