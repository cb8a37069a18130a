/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Output files: "-" is stdout, complete writes, errors that name the file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

int out_open(const struct tool *t, struct outfile *o, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	if (!strcmp(name, "-")) {
		o->fd = STDOUT_FILENO;
		o->is_stdout = true;
		o->shown = "stdout";
		return 0;
	}
	o->shown = name;
	/* Not truncated yet: an existing file survives a failure before the
	 * first data (device busy, ...); a file we created is removed then. */
	o->fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (o->fd >= 0)
		o->created = true;
	else if (errno == EEXIST)
		o->fd = open(name, O_WRONLY | O_CLOEXEC);
	if (o->fd < 0) {
		tool_err(t, "cannot open output file %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

int out_begin(const struct tool *t, struct outfile *o)
{
	struct stat st;

	o->begun = true;
	if (o->is_stdout || o->created || fstat(o->fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (ftruncate(o->fd, 0) < 0) {
		o->err = errno;
		tool_err(t, "truncating %s: %s", o->shown, strerror(errno));
		return -1;
	}
	return 0;
}

int out_write(const struct tool *t, struct outfile *o, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(o->fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			o->written += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR && !tool_interrupted)
			continue;
		o->err = n < 0 ? errno : EIO;
		if (o->err == EINTR) {
			tool_err(t, "writing %s: interrupted with %zu bytes of a block unwritten",
				 o->shown, len);
			return -1;
		}
		tool_err(t, "writing %s: %s", o->shown, strerror(o->err));
		return -1;
	}
	return 0;
}

int out_close(const struct tool *t, struct outfile *o, bool complete)
{
	int r = 0;

	if (!o->name)
		return 0;
	if (!o->is_stdout) {
		if (close(o->fd) < 0 && !o->err) {
			o->err = errno;
			tool_err(t, "closing %s: %s", o->shown, strerror(errno));
			r = -1;
		}
	}
	if (!o->begun) {
		/* Nothing was written: leave no trace. */
		if (o->created && unlink(o->name) < 0)
			tool_err(t, "removing %s: %s", o->shown, strerror(errno));
	} else if ((o->err || !complete) && !o->is_stdout)
		tool_err(t, "%s is incomplete: %llu bytes written", o->shown,
			 (unsigned long long)o->written);
	o->name = NULL;
	return r;
}
