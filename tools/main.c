/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream(1): global options, subcommand dispatch, messages, exit statuses. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifndef IIOSTREAM_VERSION
#define IIOSTREAM_VERSION "unknown"
#endif

static const char usage_text[] =
	"usage: iiostream [--sysfs-root DIR] [--dev-root DIR] COMMAND [ARGS...]\n"
	"       iiostream --help | --version\n"
	"\n"
	"Inspect IIO devices and stream their buffers (DMABUF, else read()/write()).\n"
	"\n"
	"Commands:\n"
	"  list     devices, buffers and channels\n"
	"  attr     read or write device, buffer and channel attributes\n"
	"  capture  stream an input buffer to a file or stdout\n"
	"  play     stream a file or stdin to an output buffer\n"
	"  bench    throughput of each backend and block size\n"
	"  pipe     stream one device into another, zero copy\n"
	"\n"
	"Global options:\n"
	"  --sysfs-root DIR  IIO sysfs tree (default $IIOSTREAM_SYSFS_ROOT, else\n"
	"                    /sys/bus/iio/devices)\n"
	"  --dev-root DIR    device nodes (default $IIOSTREAM_DEV_ROOT, else /dev)\n"
	"\n"
	"'iiostream COMMAND --help' describes a command. Exit status: 0 success,\n"
	"1 runtime error, 2 usage error, 130 interrupted (Ctrl-C). See iiostream(1).\n";

static const struct {
	const char *name;
	int (*fn)(struct tool *, int, char **);
} commands[] = {
	{ "list", cmd_list }, { "attr", cmd_attr }, { "capture", cmd_capture },
	{ "play", cmd_play }, { "bench", cmd_bench }, { "pipe", cmd_pipe },
};

static char prefix[64] = "iiostream";

static void vmsg(const struct tool *t, const char *fmt, va_list ap)
{
	fflush(stdout);
	if (t && t->cmd)
		fprintf(stderr, "iiostream %s: ", t->cmd);
	else
		fputs("iiostream: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tool_err(const struct tool *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(t, fmt, ap);
	va_end(ap);
}

int tool_usage_err(const struct tool *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(t, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'iiostream %s%s--help'.\n", t && t->cmd ? t->cmd : "",
		t && t->cmd ? " " : "");
	return EXIT_USAGE;
}

int tool_usage_hint(const struct tool *t)
{
	fprintf(stderr, "Try 'iiostream %s --help'.\n", t->cmd);
	return EXIT_USAGE;
}

void tool_getopt_init(struct tool *t, char **argv)
{
	/* getopt_long prints "<argv[0]>: unrecognized option ..." */
	snprintf(prefix, sizeof(prefix), "iiostream %s", t->cmd);
	argv[0] = prefix;
	optind = 1;
	opterr = 1;
}

int tool_help(const char *text)
{
	fputs(text, stdout);
	return fflush(stdout) ? EXIT_RUNTIME : EXIT_OK;
}

static int global_opt(const char *arg, const char *name, int *i, int argc, char **argv,
		      const char **out)
{
	size_t l = strlen(name);

	if (strncmp(arg, name, l))
		return 0;
	if (arg[l] == '=') {
		*out = arg + l + 1;
		return 1;
	}
	if (arg[l])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

int main(int argc, char **argv)
{
	struct tool t = { 0 };
	int i, r;

	t.sysfs_root = getenv("IIOSTREAM_SYSFS_ROOT");
	t.dev_root = getenv("IIOSTREAM_DEV_ROOT");
	if (t.sysfs_root && !*t.sysfs_root)
		t.sysfs_root = NULL;
	if (t.dev_root && !*t.dev_root)
		t.dev_root = NULL;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return tool_help(usage_text);
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("iiostream %s\n", IIOSTREAM_VERSION);
			return fflush(stdout) ? EXIT_RUNTIME : EXIT_OK;
		}
		r = global_opt(a, "--sysfs-root", &i, argc, argv, &t.sysfs_root);
		if (!r)
			r = global_opt(a, "--dev-root", &i, argc, argv, &t.dev_root);
		if (r < 0)
			return tool_usage_err(NULL, "option '%s' needs a directory", a);
		if (!r)
			return tool_usage_err(NULL, "unknown global option '%s'", a);
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(argv[i], commands[c].name))
			continue;
		t.cmd = commands[c].name;
		tool_getopt_init(&t, &argv[i]);
		r = commands[c].fn(&t, argc - i, &argv[i]);
		iios_context_free(t.ctx);
		if (fflush(stdout) && r == EXIT_OK) {
			tool_err(&t, "writing stdout: %m");
			r = EXIT_RUNTIME;
		}
		return r;
	}
	return tool_usage_err(NULL, "unknown command '%s' (list, attr, capture, play, bench, pipe)",
			      argv[i]);
}
