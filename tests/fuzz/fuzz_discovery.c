// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: discovery (lib/context.c, lib/discovery.c) and the
 * attribute readers (lib/attr.c) over a fake sysfs tree built from the
 * input, then every accessor over what was found. Input: one record a line,
 *
 *   PATH=CONTENT   a file (CONTENT up to the end of the line, "\n" for newline)
 *   PATH/          a directory
 *   PATH|          a FIFO (must not hang discovery)
 *   PATH>TARGET    a symlink to a relative TARGET inside the tree
 *
 * PATH is relative to the sysfs root, e.g. "iio:device0/buffer0/in_x_en=0".
 * Components are [A-Za-z0-9_:.-]+, never "." or "..". Invalid records are
 * skipped; nothing is created outside a fresh directory in /dev/shm (a
 * tmpfs: fast) or else /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_target.h"
#include "internal.h"

#define MAX_RECORDS 96
#define MAX_DEPTH 5

static char base[64];	/* mkdtemp() once per process */
static unsigned long runs;

static bool valid_path(const char *p)
{
	unsigned int depth = 0;
	const char *c = p;

	if (!*p || *p == '/')
		return false;
	while (*c) {
		size_t n = strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789_:.-");

		if (n == 0 || n > 64 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.') || ++depth > MAX_DEPTH)
			return false;
		c += n;
		if (*c == '/')
			c++;
		else if (*c)
			return false;
	}
	return true;
}

/* mkdir -p of the directories of root/rel; errors are the tree's business. */
static void make_parents(const char *root, const char *rel)
{
	char path[1024];
	size_t rl = strlen(root);

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *c = path + rl + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		mkdir(path, 0755);
		*c = '/';
	}
}

static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static void make_record(const char *root, char *line)
{
	char path[1024], *sep = line + strcspn(line, "=|>");
	char kind = *sep;
	size_t len = strlen(line);
	int fd;

	if (kind == '\0' && len && line[len - 1] == '/') {
		line[len - 1] = '\0';
		kind = '/';
	}
	if (kind != '/')
		*sep = '\0';
	if (!valid_path(line))
		return;
	make_parents(root, line);
	snprintf(path, sizeof(path), "%s/%s", root, line);
	switch (kind) {
	case '/':
		mkdir(path, 0755);
		break;
	case '|':
		mkfifo(path, 0644);
		break;
	case '>':
		if (valid_path(sep + 1))
			symlink(sep + 1, path);
		break;
	case '=':
		unescape(sep + 1);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			size_t n = strlen(sep + 1);

			if (write(fd, sep + 1, n) != (ssize_t)n)
				fuzz_fail("writing the fake tree");
			close(fd);
		}
		break;
	}
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void read_all_attrs(const struct iios_device *dev)
{
	char buf[80];
	long long ll;
	double d;

	for (size_t i = 0; i < iios_device_attr_count(dev); i++) {
		const char *a = iios_device_attr_name(dev, i);

		iios_device_attr_read(dev, a, buf, sizeof(buf));
		iios_device_attr_read(dev, a, buf, 1);
		iios_device_attr_read_ll(dev, a, &ll);
		iios_device_attr_read_double(dev, a, &d);
	}
}

static void walk_buffer(const struct iios_buffer *b)
{
	char buf[80];
	long long ll;
	double d;

	iios_buffer_length(b);
	iios_buffer_watermark(b);
	iios_buffer_is_output(b);
	for (size_t i = 0; i < iios_buffer_attr_count(b); i++)
		iios_buffer_attr_read(b, iios_buffer_attr_name(b, i), buf, sizeof(buf));
	for (size_t i = 0; i < iios_buffer_channel_count(b); i++) {
		const struct iios_channel *ch = iios_buffer_channel(b, i);
		const struct iios_scan_type *st = iios_channel_scan_type(ch);
		char fmt[80];

		if (iios_scan_type_format(st, fmt, sizeof(fmt)) < 0)
			fuzz_fail("a discovered channel has an illegal scan type");
		if (iios_buffer_find_channel(b, iios_channel_id(ch)) == NULL)
			fuzz_fail("a discovered channel is not found by its id");
		iios_channel_read_raw(ch, &ll);
		iios_channel_read_scale(ch, &d);
		iios_channel_read_offset(ch, &d);
		for (size_t j = 0; j < iios_channel_attr_count(ch); j++)
			iios_channel_attr_read(ch, iios_channel_attr_name(ch, j), buf, sizeof(buf));
	}
}

static void walk(struct iios_context *ctx)
{
	for (size_t i = 0; i < iios_context_warning_count(ctx); i++)
		if (!iios_context_warning(ctx, i))
			fuzz_fail("a counted warning is missing");
	for (size_t i = 0; i < iios_context_device_count(ctx); i++) {
		struct iios_device *dev = iios_context_device(ctx, i);
		const char *name = iios_device_name(dev);

		if (!iios_context_find_device(ctx, iios_device_id(dev)))
			fuzz_fail("a device is not found by its id");
		if (name && !iios_context_find_device(ctx, name))
			fuzz_fail("a device is not found by its name");
		read_all_attrs(dev);
		for (size_t j = 0; j < iios_device_buffer_count(dev); j++)
			walk_buffer(iios_device_buffer(dev, j));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char root[128], sys[160], dev[160], err[256];
	char *text, *line, *save = NULL;
	struct iios_context *ctx;
	unsigned int records = 0;

	if (!base[0]) {
		snprintf(base, sizeof(base), "/dev/shm/iios-fuzz-XXXXXX");
		if (!mkdtemp(base)) {
			snprintf(base, sizeof(base), "/tmp/iios-fuzz-XXXXXX");
			if (!mkdtemp(base))
				fuzz_fail("mkdtemp");
		}
	}
	snprintf(root, sizeof(root), "%s/%lu", base, runs++);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	if (mkdir(root, 0755) || mkdir(sys, 0755) || mkdir(dev, 0755))
		fuzz_fail("making the tree's root");
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line && records < MAX_RECORDS;
	     line = strtok_r(NULL, "\n", &save), records++)
		make_record(sys, line);
	free(text);

	ctx = iios_context_new(sys, dev, err, sizeof(err));
	if (ctx) {
		walk(ctx);
		iios_context_free(ctx);
	} else if (!err[0]) {
		fuzz_fail("a failed context without a message");
	}
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
