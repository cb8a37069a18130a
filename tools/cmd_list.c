/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iiostream list: devices, buffers (direction, DMABUF usable or why not, length), channels. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char help[] =
	"usage: iiostream list [-v] [--json] [--no-probe] [DEVICE...]\n"
	"\n"
	"List IIO devices (id, name, label), their buffers (direction, whether\n"
	"DMABUF streaming works and why not, length) and channels (scan index,\n"
	"format, enabled).\n"
	"\n"
	"  -v, --verbose  also every device, buffer and channel attribute with its value\n"
	"  --json         one JSON document on stdout\n"
	"  --no-probe     do not test DMABUF; the test opens each idle buffer for an\n"
	"                 instant (its channel selection and length are restored)\n"
	"  -h, --help     this text\n";

struct probe {
	int usable;	/* 1 yes, 0 no, -1 not probed */
	char why[512];
	const char *allocator;
};

/* Open the buffer with the dmabuf backend forced, then put back what the
 * open changed (scan element selection, length, watermark). */
static void probe_dmabuf(struct tool *t, struct iios_buffer *buf, struct probe *pr)
{
	size_t n = iios_buffer_channel_count(buf);
	struct iios_stream_params p = { .block_scans = 1, .nb_blocks = 1,
					.backend = IIOS_BACKEND_DMABUF };
	char (*en)[8] = calloc(n ? n : 1, sizeof(*en)), name[300], len[32] = "", wm[32] = "";
	struct iios_channel *ch;
	struct iios_stream *s;

	pr->usable = 0;
	pr->allocator = NULL;
	if (!n || !en) {
		snprintf(pr->why, sizeof(pr->why), "%s", n ? "out of memory" : "no channels");
		free(en);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s_en", iios_channel_name(iios_buffer_channel(buf, i)));
		if (iios_buffer_attr_read(buf, name, en[i], sizeof(en[i])) < 0)
			en[i][0] = 0;
	}
	(void)iios_buffer_attr_read(buf, "length", len, sizeof(len));
	(void)iios_buffer_attr_read(buf, "watermark", wm, sizeof(wm));
	ch = iios_buffer_channel(buf, 0);
	s = iios_stream_open(buf, &ch, 1, &p);
	if (s) {
		pr->usable = 1;
		pr->allocator = iios_stream_allocator(s);
		pr->why[0] = 0;
		iios_stream_close(s);
	} else {
		snprintf(pr->why, sizeof(pr->why), "%s%s", errno == EBUSY ? "busy: " : "",
			 iios_context_last_error(t->ctx));
		if (errno == EBUSY) {
			free(en);
			return; /* someone else's buffer: we changed nothing */
		}
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s_en", iios_channel_name(iios_buffer_channel(buf, i)));
		if (en[i][0])
			(void)iios_buffer_attr_write(buf, name, en[i]);
	}
	if (*len)
		(void)iios_buffer_attr_write(buf, "length", len);
	if (*wm)
		(void)iios_buffer_attr_write(buf, "watermark", wm);
	free(en);
}

/* Attribute values: text on the terminal, an object in JSON. */
typedef ssize_t (*attr_reader)(const void *obj, const char *attr, char *buf, size_t len);

static ssize_t rd_dev(const void *o, const char *a, char *b, size_t l)
{
	return iios_device_attr_read(o, a, b, l);
}
static ssize_t rd_buf(const void *o, const char *a, char *b, size_t l)
{
	return iios_buffer_attr_read(o, a, b, l);
}
static ssize_t rd_chan(const void *o, const char *a, char *b, size_t l)
{
	return iios_channel_attr_read(o, a, b, l);
}

static void show_attrs(struct json *j, const char *indent, const void *obj, size_t n,
		       const char *(*name)(const void *, size_t), attr_reader rd)
{
	char val[4096];

	if (j)
		json_obj(j, "attributes");
	for (size_t i = 0; i < n; i++) {
		const char *a = name(obj, i);
		ssize_t r = rd(obj, a, val, sizeof(val));

		if (r < 0)
			snprintf(val, sizeof(val), "<%s>", strerror((int)-r));
		if (j)
			json_str(j, a, r < 0 ? NULL : val);
		else
			printf("%s%s = %s\n", indent, a, val);
	}
	if (j)
		json_obj_end(j);
}

static const char *dev_attr_name(const void *o, size_t i) { return iios_device_attr_name(o, i); }
static const char *buf_attr_name(const void *o, size_t i) { return iios_buffer_attr_name(o, i); }
static const char *chan_attr_name(const void *o, size_t i) { return iios_channel_attr_name(o, i); }

static void show_channel(struct json *j, struct iios_buffer *buf, struct iios_channel *ch,
			 bool verbose)
{
	char fmt[64], en[16], name[300];
	int enabled;

	iios_scan_type_format(iios_channel_scan_type(ch), fmt, sizeof(fmt));
	snprintf(name, sizeof(name), "%s_en", iios_channel_name(ch));
	enabled = iios_buffer_attr_read(buf, name, en, sizeof(en)) < 0 ? -1 : atoi(en) != 0;
	if (j) {
		json_obj(j, NULL);
		json_str(j, "id", iios_channel_id(ch));
		json_str(j, "name", iios_channel_name(ch));
		json_uint(j, "scan_index", iios_channel_scan_index(ch));
		json_str(j, "format", fmt);
		if (enabled < 0)
			json_null(j, "enabled");
		else
			json_bool(j, "enabled", enabled);
		if (verbose)
			show_attrs(j, NULL, ch, iios_channel_attr_count(ch), chan_attr_name, rd_chan);
		json_obj_end(j);
		return;
	}
	printf("    %-14s index %-3u %-16s %s\n", iios_channel_id(ch), iios_channel_scan_index(ch),
	       fmt, enabled < 0 ? "enabled ?" : enabled ? "enabled" : "disabled");
	if (verbose)
		show_attrs(NULL, "      ", ch, iios_channel_attr_count(ch), chan_attr_name, rd_chan);
}

static void show_buffer(struct tool *t, struct json *j, struct iios_buffer *buf, bool verbose,
			bool probe)
{
	long long length = iios_buffer_length(buf);
	const char *dir = iios_buffer_is_output(buf) ? "out" : "in";
	struct probe pr = { .usable = -1 };

	if (probe)
		probe_dmabuf(t, buf, &pr);
	if (j) {
		json_obj(j, NULL);
		json_uint(j, "index", iios_buffer_index(buf));
		json_str(j, "direction", dir);
		if (length >= 0)
			json_int(j, "length", length);
		else
			json_null(j, "length");
		json_obj(j, "dmabuf");
		if (pr.usable < 0)
			json_null(j, "usable");
		else
			json_bool(j, "usable", pr.usable);
		json_str(j, "allocator", pr.allocator);
		json_str(j, "reason", pr.usable == 0 ? pr.why : NULL);
		json_obj_end(j);
	} else {
		printf("  buffer%u: %s, length %lld, DMABUF: ", iios_buffer_index(buf), dir, length);
		if (pr.usable < 0)
			printf("not probed\n");
		else if (pr.usable)
			printf("yes (%s)\n", pr.allocator ? pr.allocator : "?");
		else
			printf("no: %s\n", pr.why);
	}
	if (verbose)
		show_attrs(j, "    ", buf, iios_buffer_attr_count(buf), buf_attr_name, rd_buf);
	if (j)
		json_arr(j, "channels");
	for (size_t c = 0; c < iios_buffer_channel_count(buf); c++)
		show_channel(j, buf, iios_buffer_channel(buf, c), verbose);
	if (j) {
		json_arr_end(j);
		json_obj_end(j);
	}
}

static void show_device(struct tool *t, struct json *j, struct iios_device *dev, bool verbose,
			bool probe)
{
	if (j) {
		json_obj(j, NULL);
		json_str(j, "id", iios_device_id(dev));
		json_str(j, "name", iios_device_name(dev));
		json_str(j, "label", iios_device_label(dev));
		if (verbose)
			show_attrs(j, NULL, dev, iios_device_attr_count(dev), dev_attr_name, rd_dev);
		json_arr(j, "buffers");
	} else {
		printf("%s: %s", iios_device_id(dev),
		       iios_device_name(dev) ? iios_device_name(dev) : "(no name)");
		if (iios_device_label(dev))
			printf(" (label %s)", iios_device_label(dev));
		printf("\n");
		if (verbose)
			show_attrs(NULL, "  ", dev, iios_device_attr_count(dev), dev_attr_name, rd_dev);
		if (!iios_device_buffer_count(dev))
			printf("  no buffers\n");
	}
	for (size_t b = 0; b < iios_device_buffer_count(dev); b++)
		show_buffer(t, j, iios_device_buffer(dev, b), verbose, probe);
	if (j) {
		json_arr_end(j);
		json_obj_end(j);
	}
}

int cmd_list(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' }, { "json", no_argument, NULL, 'j' },
		{ "no-probe", no_argument, NULL, 'P' }, { "help", no_argument, NULL, 'h' },
		{ 0 } };
	bool verbose = false, as_json = false, probe = true;
	struct iios_device **devs;
	struct json j;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "vjh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': verbose = true; break;
		case 'j': as_json = true; break;
		case 'P': probe = false; break;
		case 'h': return tool_help(help);
		default: return tool_usage_hint(t);
		}
	}
	if (tool_open_context(t))
		return EXIT_RUNTIME;
	n = optind < argc ? (size_t)(argc - optind) : iios_context_device_count(t->ctx);
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (!devs)
		return tool_err(t, "out of memory"), EXIT_RUNTIME;
	for (size_t i = 0; i < n; i++) {
		devs[i] = optind < argc ? tool_device(t, argv[optind + (int)i])
					: iios_context_device(t->ctx, i);
		if (!devs[i]) {
			free(devs);
			return EXIT_RUNTIME;
		}
	}
	if (as_json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "sysfs_root", iios_context_sysfs_root(t->ctx));
		json_str(&j, "dev_root", iios_context_dev_root(t->ctx));
		json_arr(&j, "devices");
	} else if (!n) {
		printf("no IIO devices in %s\n", iios_context_sysfs_root(t->ctx));
	}
	for (size_t i = 0; i < n; i++)
		show_device(t, as_json ? &j : NULL, devs[i], verbose, probe);
	if (as_json) {
		json_arr_end(&j);
		json_arr(&j, "warnings");
		for (size_t i = 0; i < iios_context_warning_count(t->ctx); i++)
			json_str(&j, NULL, iios_context_warning(t->ctx, i));
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		for (size_t i = 0; i < iios_context_warning_count(t->ctx); i++)
			tool_err(t, "warning: %s", iios_context_warning(t->ctx, i));
	}
	free(devs);
	return EXIT_OK;
}
