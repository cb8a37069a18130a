/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading and writing device, buffer and channel attributes; accessors. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define NUMLEN 64

static ssize_t attr_read(struct iios_context *ctx, const char *desc, int dirfd,
			 const char *dir, const char *attr, char *buf, size_t len)
{
	ssize_t r;

	if (!attr || !buf || !len || strchr(attr, '/'))
		return iios_err_set(&ctx->err, EINVAL, "%s: reading attribute \"%s\"", desc,
				    attr ? attr : "(null)");
	r = iios_read_file(dirfd, attr, buf, len);
	if (r < 0)
		return iios_err_set(&ctx->err, (int)-r, "%s: reading %s/%s", desc, dir, attr);
	return r;
}

static int attr_write(struct iios_context *ctx, const char *desc, int dirfd, const char *dir,
		      const char *attr, const char *value)
{
	int r;

	if (!attr || !value || strchr(attr, '/'))
		return iios_err_set(&ctx->err, EINVAL, "%s: writing attribute \"%s\"", desc,
				    attr ? attr : "(null)");
	r = iios_write_file(dirfd, attr, value);
	if (r < 0)
		return iios_err_set(&ctx->err, -r, "%s: writing \"%s\" to %s/%s", desc, value, dir,
				    attr);
	return 0;
}

/* ---- devices ---- */

IIOS_API const char *iios_device_id(const struct iios_device *dev) { return dev->id; }
IIOS_API const char *iios_device_name(const struct iios_device *dev) { return dev->name; }
IIOS_API const char *iios_device_label(const struct iios_device *dev) { return dev->label; }
IIOS_API struct iios_context *iios_device_context(const struct iios_device *dev)
{
	return dev->ctx;
}
IIOS_API size_t iios_device_buffer_count(const struct iios_device *dev) { return dev->nbufs; }

IIOS_API struct iios_buffer *iios_device_buffer(const struct iios_device *dev, size_t i)
{
	if (!dev || i >= dev->nbufs) {
		errno = EINVAL;
		return NULL;
	}
	return dev->bufs[i];
}

IIOS_API struct iios_buffer *iios_device_find_buffer(const struct iios_device *dev,
						     unsigned int index)
{
	for (size_t i = 0; i < dev->nbufs; i++)
		if (dev->bufs[i]->index == index)
			return dev->bufs[i];
	errno = -iios_err_set(&dev->ctx->err, ENOENT, "%s: no buffer%u in %s", dev->desc, index,
			      dev->path);
	return NULL;
}

IIOS_API size_t iios_device_attr_count(const struct iios_device *dev) { return dev->attrs.n; }

IIOS_API const char *iios_device_attr_name(const struct iios_device *dev, size_t i)
{
	return i < dev->attrs.n ? dev->attrs.v[i] : NULL;
}

IIOS_API ssize_t iios_device_attr_read(const struct iios_device *dev, const char *attr,
				       char *buf, size_t len)
{
	return attr_read(dev->ctx, dev->desc, dev->dirfd, dev->path, attr, buf, len);
}

IIOS_API int iios_device_attr_write(const struct iios_device *dev, const char *attr,
				    const char *value)
{
	return attr_write(dev->ctx, dev->desc, dev->dirfd, dev->path, attr, value);
}

IIOS_API int iios_device_attr_read_ll(const struct iios_device *dev, const char *attr,
				      long long *value)
{
	char buf[NUMLEN];
	ssize_t r = iios_device_attr_read(dev, attr, buf, sizeof(buf));

	if (r < 0)
		return (int)r;
	if (iios_parse_ll(buf, value) < 0)
		return iios_err_set(&dev->ctx->err, EINVAL, "%s: %s/%s: \"%s\" is not an integer",
				    dev->desc, dev->path, attr, buf);
	return 0;
}

IIOS_API int iios_device_attr_write_ll(const struct iios_device *dev, const char *attr,
				       long long value)
{
	char buf[NUMLEN];

	snprintf(buf, sizeof(buf), "%lld", value);
	return iios_device_attr_write(dev, attr, buf);
}

IIOS_API int iios_device_attr_read_double(const struct iios_device *dev, const char *attr,
					  double *value)
{
	char buf[NUMLEN];
	ssize_t r = iios_device_attr_read(dev, attr, buf, sizeof(buf));

	if (r < 0)
		return (int)r;
	if (iios_parse_double(buf, value) < 0)
		return iios_err_set(&dev->ctx->err, EINVAL, "%s: %s/%s: \"%s\" is not a number",
				    dev->desc, dev->path, attr, buf);
	return 0;
}

/* ---- buffers ---- */

IIOS_API struct iios_device *iios_buffer_device(const struct iios_buffer *b) { return b->dev; }
IIOS_API unsigned int iios_buffer_index(const struct iios_buffer *b) { return b->index; }
IIOS_API bool iios_buffer_is_output(const struct iios_buffer *b) { return b->output; }
IIOS_API size_t iios_buffer_attr_count(const struct iios_buffer *b) { return b->attrs.n; }

IIOS_API const char *iios_buffer_attr_name(const struct iios_buffer *b, size_t i)
{
	return i < b->attrs.n ? b->attrs.v[i] : NULL;
}

IIOS_API ssize_t iios_buffer_attr_read(const struct iios_buffer *b, const char *attr,
				       char *buf, size_t len)
{
	return attr_read(b->dev->ctx, b->dev->desc, b->dirfd, b->path, attr, buf, len);
}

IIOS_API int iios_buffer_attr_write(const struct iios_buffer *b, const char *attr,
				    const char *value)
{
	return attr_write(b->dev->ctx, b->dev->desc, b->dirfd, b->path, attr, value);
}

static long long buffer_read_num(const struct iios_buffer *b, const char *attr)
{
	char buf[NUMLEN];
	long long v;
	ssize_t r = iios_buffer_attr_read(b, attr, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (iios_parse_ll(buf, &v) < 0 || v < 0)
		return iios_err_set(&b->dev->ctx->err, EINVAL,
				    "%s: %s/%s: \"%s\" is not a count", b->dev->desc, b->path,
				    attr, buf);
	return v;
}

IIOS_API long long iios_buffer_length(const struct iios_buffer *b)
{
	return buffer_read_num(b, "length");
}

IIOS_API long long iios_buffer_watermark(const struct iios_buffer *b)
{
	return buffer_read_num(b, "watermark");
}

IIOS_API size_t iios_buffer_channel_count(const struct iios_buffer *b) { return b->nchans; }

IIOS_API struct iios_channel *iios_buffer_channel(const struct iios_buffer *b, size_t i)
{
	if (!b || i >= b->nchans) {
		errno = EINVAL;
		return NULL;
	}
	return b->chans[i];
}

IIOS_API struct iios_channel *iios_buffer_find_channel(const struct iios_buffer *b,
						       const char *id)
{
	if (id) {
		for (size_t i = 0; i < b->nchans; i++)
			if (!strcmp(b->chans[i]->id, id) || !strcmp(b->chans[i]->name, id))
				return b->chans[i];
	}
	errno = -iios_err_set(&b->dev->ctx->err, ENOENT, "%s: no channel \"%s\" in %s",
			      b->dev->desc, id ? id : "(null)", b->scan_path);
	return NULL;
}

/* ---- channels ---- */

IIOS_API struct iios_buffer *iios_channel_buffer(const struct iios_channel *ch) { return ch->buf; }
IIOS_API const char *iios_channel_id(const struct iios_channel *ch) { return ch->id; }
IIOS_API const char *iios_channel_name(const struct iios_channel *ch) { return ch->name; }
IIOS_API bool iios_channel_is_output(const struct iios_channel *ch) { return ch->output; }
IIOS_API unsigned int iios_channel_scan_index(const struct iios_channel *ch)
{
	return ch->scan_index;
}
IIOS_API const struct iios_scan_type *iios_channel_scan_type(const struct iios_channel *ch)
{
	return &ch->st;
}
IIOS_API size_t iios_channel_attr_count(const struct iios_channel *ch) { return ch->attrs.n; }

IIOS_API const char *iios_channel_attr_name(const struct iios_channel *ch, size_t i)
{
	return i < ch->attrs.n ? ch->attrs.v[i] : NULL;
}

const char *iios_channel_attr_file(const struct iios_channel *ch, const char *attr, char *path,
				   size_t len)
{
	const char *dir = ch->output ? "out" : "in";
	int dirfd = ch->buf->dev->dirfd;

	if (!path || !len)
		return NULL;
	snprintf(path, len, "%s_%s_%s", dir, ch->id, attr);
	if (faccessat(dirfd, path, F_OK, 0) == 0)
		return path;
	snprintf(path, len, "%s_%s_%s", dir, ch->type, attr);
	if (strcmp(ch->type, ch->id) && faccessat(dirfd, path, F_OK, 0) == 0)
		return path;
	snprintf(path, len, "%s_%s", dir, attr);
	if (faccessat(dirfd, path, F_OK, 0) == 0)
		return path;
	return NULL;
}

IIOS_API ssize_t iios_channel_attr_read(const struct iios_channel *ch, const char *attr,
					char *buf, size_t len)
{
	const struct iios_device *dev = ch->buf->dev;
	char file[NAME_MAX + 1];

	if (!attr || strchr(attr, '/'))
		return iios_err_set(&dev->ctx->err, EINVAL, "%s: channel %s: attribute \"%s\"",
				    dev->desc, ch->name, attr ? attr : "(null)");
	if (!iios_channel_attr_file(ch, attr, file, sizeof(file)))
		return iios_err_set(&dev->ctx->err, ENOENT,
				    "%s: channel %s has no attribute \"%s\" in %s", dev->desc,
				    ch->name, attr, dev->path);
	return iios_device_attr_read(dev, file, buf, len);
}

IIOS_API int iios_channel_attr_write(const struct iios_channel *ch, const char *attr,
				     const char *value)
{
	const struct iios_device *dev = ch->buf->dev;
	char file[NAME_MAX + 1];

	if (!attr || strchr(attr, '/'))
		return iios_err_set(&dev->ctx->err, EINVAL, "%s: channel %s: attribute \"%s\"",
				    dev->desc, ch->name, attr ? attr : "(null)");
	if (!iios_channel_attr_file(ch, attr, file, sizeof(file)))
		return iios_err_set(&dev->ctx->err, ENOENT,
				    "%s: channel %s has no attribute \"%s\" in %s", dev->desc,
				    ch->name, attr, dev->path);
	return iios_device_attr_write(dev, file, value);
}

IIOS_API int iios_channel_read_raw(const struct iios_channel *ch, long long *value)
{
	char buf[NUMLEN];
	ssize_t r = iios_channel_attr_read(ch, "raw", buf, sizeof(buf));

	if (r < 0)
		return (int)r;
	if (iios_parse_ll(buf, value) < 0)
		return iios_err_set(&ch->buf->dev->ctx->err, EINVAL,
				    "%s: channel %s: raw value \"%s\" is not an integer",
				    ch->buf->dev->desc, ch->name, buf);
	return 0;
}

static int read_double_default(const struct iios_channel *ch, const char *attr, double dflt,
			       double *value)
{
	char buf[NUMLEN], file[NAME_MAX + 1];
	ssize_t r;

	if (!iios_channel_attr_file(ch, attr, file, sizeof(file))) {
		*value = dflt;
		return 0;
	}
	r = iios_device_attr_read(ch->buf->dev, file, buf, sizeof(buf));
	if (r < 0)
		return (int)r;
	if (iios_parse_double(buf, value) < 0)
		return iios_err_set(&ch->buf->dev->ctx->err, EINVAL,
				    "%s: %s/%s: \"%s\" is not a number", ch->buf->dev->desc,
				    ch->buf->dev->path, file, buf);
	return 0;
}

IIOS_API int iios_channel_read_scale(const struct iios_channel *ch, double *value)
{
	return read_double_default(ch, "scale", 1.0, value);
}

IIOS_API int iios_channel_read_offset(const struct iios_channel *ch, double *value)
{
	return read_double_default(ch, "offset", 0.0, value);
}
