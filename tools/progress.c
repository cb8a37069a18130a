/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The progress line (terminals only) and the one-line summary every run ends with. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

#define MIB (1024.0 * 1024.0)

void progress_start(struct progress *p, uint64_t total_bytes, double total_seconds)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO) == 1;
	p->t0 = p->last = tool_now();
	p->total_bytes = total_bytes;
	p->total_seconds = total_seconds;
}

bool progress_due(const struct progress *p)
{
	return p->on && tool_now() - p->last >= 0.25;
}

void progress_update(struct progress *p, uint64_t bytes, long long drops)
{
	double now, el, rate, eta = -1;
	char line[160], dr[32] = "";
	int w;

	if (!progress_due(p))
		return;
	now = tool_now();
	p->last = now;
	el = now - p->t0;
	rate = el > 0 ? (double)bytes / el : 0;
	if (p->total_bytes && rate > 0)
		eta = (double)(p->total_bytes - (bytes < p->total_bytes ? bytes : p->total_bytes)) / rate;
	else if (p->total_seconds)
		eta = p->total_seconds > el ? p->total_seconds - el : 0;
	if (drops >= 0)
		snprintf(dr, sizeof(dr), ", %lld drops", drops);
	w = snprintf(line, sizeof(line), "%.1f MiB, %.1f MiB/s%s", (double)bytes / MIB, rate / MIB, dr);
	if (eta >= 0 && w > 0 && (size_t)w < sizeof(line))
		w += snprintf(line + w, sizeof(line) - (size_t)w, ", ETA %.0f s", eta);
	fprintf(stderr, "\r%s%*s", line, p->width > w ? p->width - w : 0, "");
	p->width = w;
}

void progress_stream(struct progress *p, uint64_t bytes, struct iios_stream *s)
{
	struct iios_stream_stats st;

	/* The counters are sysfs reads: only when a redraw is due. */
	if (!progress_due(p) || iios_stream_get_stats(s, &st))
		return;
	progress_update(p, bytes, iios_stream_is_output(s) ? st.underruns : st.overruns);
}

void progress_end(struct progress *p)
{
	if (p->on && p->width)
		fprintf(stderr, "\r%*s\r", p->width, "");
	p->width = 0;
}

void summary_from_stream(struct summary *sum, struct iios_stream *s)
{
	struct iios_stream_stats st;

	if (iios_stream_get_stats(s, &st))
		return;
	sum->blocks = st.blocks;
	sum->block_errors = st.block_errors;
	sum->overruns = st.overruns;
	sum->underruns = st.underruns;
	sum->backend = iios_backend_name(iios_stream_backend(s));
}

void summary_print(const struct tool *t, const struct summary *s)
{
	double rate = s->seconds > 0 ? (double)s->bytes / MIB / s->seconds : 0;

	fflush(stdout);
	fprintf(stderr, "iiostream %s: %llu bytes in %.3f s, %.1f MiB/s, %llu blocks, %llu block errors",
		t->cmd, (unsigned long long)s->bytes, s->seconds, rate,
		(unsigned long long)s->blocks, (unsigned long long)s->block_errors);
	if (s->output && s->underruns >= 0)
		fprintf(stderr, ", %lld underruns", s->underruns);
	else if (s->output)
		fputs(", underruns n/a", stderr);
	if (!s->output && s->overruns >= 0)
		fprintf(stderr, ", %lld overruns", s->overruns);
	else if (!s->output)
		fputs(", overruns n/a", stderr);
	if (s->backend)
		fprintf(stderr, ", %s", s->backend);
	if (s->extra)
		fprintf(stderr, ", %s", s->extra);
	if (s->interrupted)
		fputs(", interrupted", stderr);
	fputc('\n', stderr);
}
