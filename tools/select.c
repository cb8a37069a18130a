/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding the device, buffer and channels a command names; stream geometry and open. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int tool_open_context(struct tool *t)
{
	char err[1024];

	if (t->ctx)
		return 0;
	t->ctx = iios_context_new(t->sysfs_root, t->dev_root, err, sizeof(err));
	if (!t->ctx) {
		tool_err(t, "%s", err);
		return -1;
	}
	return 0;
}

const char *tool_devdesc(const struct iios_device *dev)
{
	static char buf[512];
	const char *name = iios_device_label(dev) ? iios_device_label(dev) : iios_device_name(dev);

	if (name)
		snprintf(buf, sizeof(buf), "%s (%s)", name, iios_device_id(dev));
	else
		snprintf(buf, sizeof(buf), "%s", iios_device_id(dev));
	return buf;
}

struct iios_device *tool_device(struct tool *t, const char *key)
{
	struct iios_device *dev;
	char list[1024] = "";
	size_t n, len = 0;

	if (tool_open_context(t))
		return NULL;
	dev = iios_context_find_device(t->ctx, key);
	if (dev)
		return dev;
	n = iios_context_device_count(t->ctx);
	for (size_t i = 0; i < n && len < sizeof(list) - 1; i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
				 tool_devdesc(iios_context_device(t->ctx, i)));
		if (w > 0)
			len += (size_t)w;
	}
	if (n)
		tool_err(t, "%s: no such IIO device in %s (devices: %s)", key,
			 iios_context_sysfs_root(t->ctx), list);
	else
		tool_err(t, "%s: no such IIO device: %s has no IIO devices", key,
			 iios_context_sysfs_root(t->ctx));
	return NULL;
}

static struct iios_channel *find_in(const struct iios_device *dev, bool output, const char *name,
				    struct iios_buffer **where)
{
	for (size_t b = 0; b < iios_device_buffer_count(dev); b++) {
		struct iios_buffer *buf = iios_device_buffer(dev, b);
		struct iios_channel *ch;

		if (iios_buffer_is_output(buf) != output)
			continue;
		for (size_t c = 0; c < iios_buffer_channel_count(buf); c++) {
			ch = iios_buffer_channel(buf, c);
			if (!strcmp(iios_channel_id(ch), name) || !strcmp(iios_channel_name(ch), name)) {
				*where = buf;
				return ch;
			}
		}
	}
	return NULL;
}

static void channel_list(const struct iios_device *dev, bool output, char *list, size_t size)
{
	size_t len = 0;

	list[0] = 0;
	for (size_t b = 0; b < iios_device_buffer_count(dev); b++) {
		struct iios_buffer *buf = iios_device_buffer(dev, b);

		if (iios_buffer_is_output(buf) != output)
			continue;
		for (size_t c = 0; c < iios_buffer_channel_count(buf) && len < size - 1; c++) {
			int w = snprintf(list + len, size - len, "%s%s", len ? ", " : "",
					 iios_channel_id(iios_buffer_channel(buf, c)));
			if (w > 0)
				len += (size_t)w;
		}
	}
}

int tool_select(struct tool *t, struct iios_device *dev, bool output, char *const *names,
		size_t n, struct iios_buffer **bufp, struct iios_channel ***chansp, size_t *nchans)
{
	const char *dir = output ? "output" : "input";
	struct iios_buffer *buf = NULL;
	struct iios_channel **chans;
	char list[1024];
	size_t nnames;

	for (size_t b = 0; b < iios_device_buffer_count(dev) && !buf; b++)
		if (iios_buffer_is_output(iios_device_buffer(dev, b)) == output)
			buf = iios_device_buffer(dev, b);
	if (!buf && !n) {
		tool_err(t, "%s has no %s buffer (%s needs %s)", tool_devdesc(dev), dir, t->cmd,
			 output ? "an output device such as a DAC" : "an input device such as an ADC");
		return -1;
	}
	nnames = n;
	chans = calloc(n ? n : iios_buffer_channel_count(buf) + 1, sizeof(*chans));
	if (!chans) {
		tool_err(t, "out of memory");
		return -1;
	}
	if (!n) {
		n = iios_buffer_channel_count(buf);
		for (size_t i = 0; i < n; i++)
			chans[i] = iios_buffer_channel(buf, i);
		if (!n) {
			tool_err(t, "%s buffer%u has no channels", tool_devdesc(dev),
				 iios_buffer_index(buf));
			free(chans);
			return -1;
		}
	}
	for (size_t i = 0; i < n && names && nnames; i++) {
		struct iios_buffer *where = NULL, *other;

		chans[i] = find_in(dev, output, names[i], &where);
		if (!chans[i]) {
			if (find_in(dev, !output, names[i], &other))
				tool_err(t, "channel %s of %s is an %s channel; %s needs %s channels",
					 names[i], tool_devdesc(dev), output ? "input" : "output",
					 t->cmd, dir);
			else {
				channel_list(dev, output, list, sizeof(list));
				tool_err(t, "%s has no %s channel '%s' (%s channels: %s)",
					 tool_devdesc(dev), dir, names[i], dir, *list ? list : "none");
			}
			free(chans);
			return -1;
		}
		if (i == 0)
			buf = where;
		if (where != buf) {
			tool_err(t, "channels %s and %s of %s are in different buffers (buffer%u, buffer%u)",
				 names[0], names[i], tool_devdesc(dev), iios_buffer_index(buf),
				 iios_buffer_index(where));
			free(chans);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (chans[j] == chans[i]) {
				tool_err(t, "channel %s given twice", names[i]);
				free(chans);
				return -1;
			}
		}
	}
	if (!tool_scan_bytes(chans, n)) {
		tool_err(t, "out of memory");
		free(chans);
		return -1;
	}
	*bufp = buf;
	*chansp = chans;
	*nchans = n;
	return 0;
}

struct ord {
	unsigned int idx;
	bool ts;
	const struct iios_scan_type *st;
};

static int cmp_ord(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;

	/* Scan order: ascending index, timestamp last (as the library and kernel). */
	if (x->ts != y->ts)
		return x->ts - y->ts;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

size_t tool_scan_bytes(struct iios_channel *const *chans, size_t n)
{
	struct iios_scan_type *types = calloc(n ? n : 1, sizeof(*types));
	struct ord *order = calloc(n ? n : 1, sizeof(*order));
	size_t bytes = 0;

	if (types && order) {
		for (size_t i = 0; i < n; i++) {
			order[i].idx = iios_channel_scan_index(chans[i]);
			order[i].ts = !strcmp(iios_channel_id(chans[i]), "timestamp");
			order[i].st = iios_channel_scan_type(chans[i]);
		}
		qsort(order, n, sizeof(*order), cmp_ord);
		for (size_t i = 0; i < n; i++)
			types[i] = *order[i].st;
		if (iios_scan_layout(types, n, NULL, &bytes))
			bytes = 0;
	}
	free(types);
	free(order);
	return bytes;
}

int geom_option(const struct tool *t, int opt, const char *arg, struct geometry *g)
{
	uint64_t v;

	switch (opt) {
	case 'B':
		if (opt_size(t, "--block-size", arg, 1, GEOM_MAX_BLOCK_BYTES, &v))
			return -1;
		g->block_bytes = v;
		return 0;
	case 'K':
		if (opt_size(t, "--blocks", arg, 1, GEOM_MAX_BLOCKS, &v))
			return -1;
		g->blocks = (unsigned int)v;
		return 0;
	case 'b':
		return opt_backend(t, arg, &g->backend);
	}
	return -1;
}

int common_option(const struct tool *t, int opt, const char *arg, struct geometry *g,
		  const char *help)
{
	switch (opt) {
	case 'B': case 'K': case 'b':
		return geom_option(t, opt, arg, g) ? EXIT_USAGE : -1;
	case 'h':
		return tool_help(help);
	default:
		return tool_usage_hint(t);
	}
}

size_t geom_block_scans(const struct tool *t, const struct geometry *g,
			const struct iios_device *dev, size_t scan_bytes, uint64_t max_scans)
{
	uint64_t scans;

	if (g->block_bytes) {
		scans = g->block_bytes / scan_bytes;
		if (!scans) {
			tool_err(t, "--block-size %llu is smaller than one scan of %s (%zu bytes)",
				 (unsigned long long)g->block_bytes, tool_devdesc(dev), scan_bytes);
			return 0;
		}
	} else {
		double f = 0;
		uint64_t bytes = 1u << 20;

		/* About 100 ms of data, so that a slow device still shows progress. */
		if (!iios_device_attr_read_double(dev, "sampling_frequency", &f) && f > 0 &&
		    f * (double)scan_bytes / 10 < (double)bytes)
			bytes = (uint64_t)(f * (double)scan_bytes / 10);
		if (bytes < 4096)
			bytes = 4096;
		scans = bytes / scan_bytes ? bytes / scan_bytes : 1;
	}
	if (max_scans && scans > max_scans)
		scans = max_scans;
	return (size_t)scans;
}

struct iios_stream *tool_stream_open(struct tool *t, struct iios_buffer *buf,
				     struct iios_channel *const *chans, size_t n,
				     size_t block_scans, const struct geometry *g, unsigned int flags)
{
	struct iios_stream_params p = {
		.block_scans = block_scans,
		.nb_blocks = g->blocks ? g->blocks : 4,
		.backend = g->backend,
		.flags = flags,
	};
	struct iios_stream *s = iios_stream_open(buf, chans, n, &p);

	if (!s) {
		int e = errno;

		tool_err(t, "%s", iios_context_last_error(t->ctx));
		if (e == EBUSY)
			tool_err(t, "%s buffer%u is in use by another process",
				 tool_devdesc(iios_buffer_device(buf)), iios_buffer_index(buf));
		return NULL;
	}
	if (iios_stream_fallback_reason(s))
		tool_err(t, "using fileio: %s", iios_stream_fallback_reason(s));
	return s;
}
