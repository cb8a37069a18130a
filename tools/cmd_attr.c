/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream attr: read or write device, buffer and channel attributes. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

static const char help[] =
	"usage: iiostream attr DEVICE [CHANNEL|bufferN] [ATTR [VALUE]]\n"
	"\n"
	"Without ATTR, list the attributes of the device (or of CHANNEL, or of\n"
	"buffer N) with their values. With ATTR, print its value; with VALUE too,\n"
	"write it. CHANNEL is an id (voltage0) or a full name (in_voltage0); a\n"
	"second argument that is neither a channel nor bufferN is a device attribute.\n"
	"\n"
	"  iiostream attr sim-adc sampling_frequency 0\n"
	"  iiostream attr sim-adc voltage0 raw\n"
	"  iiostream attr sim-adc buffer0 enable\n"
	"\n"
	"  -h, --help  this text\n";

enum kind { DEV, BUF, CHAN };

struct target {
	enum kind kind;
	const void *obj;
};

static ssize_t rd(const struct target *x, const char *a, char *b, size_t l)
{
	switch (x->kind) {
	case DEV: return iios_device_attr_read(x->obj, a, b, l);
	case BUF: return iios_buffer_attr_read(x->obj, a, b, l);
	default: return iios_channel_attr_read(x->obj, a, b, l);
	}
}

static int wr(const struct target *x, const char *a, const char *v)
{
	switch (x->kind) {
	case DEV: return iios_device_attr_write(x->obj, a, v);
	case BUF: return iios_buffer_attr_write((struct iios_buffer *)x->obj, a, v);
	default: return iios_channel_attr_write(x->obj, a, v);
	}
}

static size_t count(const struct target *x)
{
	switch (x->kind) {
	case DEV: return iios_device_attr_count(x->obj);
	case BUF: return iios_buffer_attr_count(x->obj);
	default: return iios_channel_attr_count(x->obj);
	}
}

static const char *name(const struct target *x, size_t i)
{
	switch (x->kind) {
	case DEV: return iios_device_attr_name(x->obj, i);
	case BUF: return iios_buffer_attr_name(x->obj, i);
	default: return iios_channel_attr_name(x->obj, i);
	}
}

static bool is_buffer_name(const char *arg)
{
	unsigned int idx;
	char tail;

	return sscanf(arg, "buffer%u%c", &idx, &tail) == 1;
}

/* CHANNEL or bufferN of @p dev: true and @p x set if @p arg names one. */
static bool sub_target(struct iios_device *dev, const char *arg, struct target *x)
{
	unsigned int idx;

	if (is_buffer_name(arg)) {
		sscanf(arg, "buffer%u", &idx);
		for (size_t b = 0; b < iios_device_buffer_count(dev); b++) {
			if (iios_buffer_index(iios_device_buffer(dev, b)) == idx) {
				x->kind = BUF;
				x->obj = iios_device_buffer(dev, b);
				return true;
			}
		}
		return false;
	}
	for (size_t b = 0; b < iios_device_buffer_count(dev); b++) {
		struct iios_buffer *buf = iios_device_buffer(dev, b);

		for (size_t c = 0; c < iios_buffer_channel_count(buf); c++) {
			struct iios_channel *ch = iios_buffer_channel(buf, c);

			if (!strcmp(iios_channel_id(ch), arg) || !strcmp(iios_channel_name(ch), arg)) {
				x->kind = CHAN;
				x->obj = ch;
				return true;
			}
		}
	}
	return false;
}

int cmd_attr(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct target x;
	struct iios_device *dev;
	char val[4096];
	int c, nargs, r;
	char **a;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return tool_help(help);
		return tool_usage_hint(t);
	}
	a = argv + optind;
	nargs = argc - optind;
	if (nargs < 1)
		return tool_usage_err(t, "missing DEVICE");
	if (nargs > 4)
		return tool_usage_err(t, "too many arguments (DEVICE [CHANNEL|bufferN] [ATTR [VALUE]])");
	dev = tool_device(t, a[0]);
	if (!dev)
		return EXIT_RUNTIME;
	x.kind = DEV;
	x.obj = dev;
	a++;
	nargs--;
	if (nargs >= 1 && sub_target(dev, a[0], &x)) {
		a++;
		nargs--;
	} else if (nargs >= 1 && is_buffer_name(a[0])) {
		/* "bufferN" that does not exist: say so rather than "no attribute". */
		tool_err(t, "%s has no %s", tool_devdesc(dev), a[0]);
		return EXIT_RUNTIME;
	} else if (nargs == 3) {
		tool_err(t, "%s has no channel or buffer '%s'", tool_devdesc(dev), a[0]);
		return EXIT_RUNTIME;
	}
	if (nargs == 0) {
		for (size_t i = 0; i < count(&x); i++) {
			const char *n = name(&x, i);

			r = (int)rd(&x, n, val, sizeof(val));
			printf("%s = %s\n", n, r < 0 ? "<unreadable>" : val);
		}
		return EXIT_OK;
	}
	if (nargs == 1) {
		if (rd(&x, a[0], val, sizeof(val)) < 0) {
			tool_err(t, "%s", iios_context_last_error(t->ctx));
			return EXIT_RUNTIME;
		}
		printf("%s\n", val);
		return EXIT_OK;
	}
	if (wr(&x, a[0], a[1]) < 0) {
		tool_err(t, "%s", iios_context_last_error(t->ctx));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
