// SPDX-License-Identifier: LGPL-2.1-or-later
/* Outcome checks of the stress workers: legal sets, and the report of the rest. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"

/* Lines a worker prints about unexpected outcomes; the count goes on. */
#define REPORT_LIMIT 20

const char *const op_names[OP_COUNT] = {
	[OP_NODE] = "node",
	[OP_GET_FD] = "get_fd",
	[OP_BUF_CLOSE] = "buf_close",
	[OP_ATTACH] = "attach",
	[OP_DETACH] = "detach",
	[OP_ENQUEUE] = "enqueue",
	[OP_SYNC] = "sync",
	[OP_POLL] = "poll",
	[OP_FENCE] = "fence",
	[OP_DMABUF_CLOSE] = "dmabuf_close",
	[OP_ENABLE] = "enable",
	[OP_ATTR] = "attr",
	[OP_FAULT] = "fault",
	[OP_READ] = "read",
	[OP_WRITE] = "write",
	[OP_BLOCK] = "verified",
};

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "?";
}

static bool report(struct worker *w)
{
	return ++w->reported <= REPORT_LIMIT;
}

static const char *dev_node(const struct sdev *d)
{
	const char *base = strrchr(d->s.dir, '/');

	return base ? base + 1 : "?";
}

int outcome_check(struct worker *w, const char *what, const struct sdev *d,
		  int ret, const int *allowed)
{
	char list[256];
	size_t len = 0;

	for (const int *a = allowed; *a != OUTCOME_END; a++) {
		if ((*a == 0 && ret >= 0) || (*a < 0 && *a == ret))
			return ret;
	}
	w->st->unexpected++;
	if (!report(w))
		return ret;
	list[0] = '\0';
	for (const int *a = allowed; *a != OUTCOME_END && len < sizeof(list) - 32; a++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				a == allowed ? "" : " ", *a ? errname(-*a) : "success");
	fprintf(stderr, "stress: worker %u (pid %d): %s on %s (%s): unexpected %s%s%s (allowed: %s)\n",
		w->id, (int)getpid(), what, d->name, dev_node(d),
		ret >= 0 ? "success" : errname(-ret), ret >= 0 ? "" : ", ",
		ret >= 0 ? "" : strerror(-ret), list);
	return ret;
}

void stress_fail(struct worker *w, const struct sdev *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!report(w))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stress: worker %u (pid %d): %s (%s): %s\n", w->id,
		(int)getpid(), d->name, dev_node(d), msg);
}
