/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ctrl-C: SIGINT/SIGTERM set a flag and cancel the streams in use. */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "tool.h"

volatile sig_atomic_t tool_interrupted;

/* The handler runs on the only thread, between two statements of the loop,
 * so a stream is unwatched (the pointer cleared) before it is closed. */
static struct iios_stream *volatile watched[2];

static void on_signal(int sig)
{
	tool_interrupted = sig;
	for (size_t i = 0; i < 2; i++)
		if (watched[i])
			iios_stream_cancel(watched[i]); /* one write() to an eventfd */
}

void tool_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked write() to a pipe returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL); /* EPIPE is reported like any write error */
}

void tool_watch(struct iios_stream *s)
{
	for (size_t i = 0; i < 2; i++) {
		if (!watched[i]) {
			watched[i] = s;
			break;
		}
	}
	if (tool_interrupted)
		iios_stream_cancel(s);
}

void tool_unwatch(struct iios_stream *s)
{
	for (size_t i = 0; i < 2; i++)
		if (watched[i] == s)
			watched[i] = NULL;
}

double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double tool_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}
