/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery of one device: its attributes, buffers and scan elements. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define TXT 256

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Digits-only suffix after prefix; returns value or -1. */
static long number_after(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix);
	long n = 0;

	if (strncmp(s, prefix, pl) || !s[pl])
		return -1;
	for (s += pl; *s; s++) {
		if (*s < '0' || *s > '9' || n > 1000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

static bool is_regular(int dirfd, const char *name)
{
	struct stat sb;

	return fstatat(dirfd, name, &sb, 0) == 0 && S_ISREG(sb.st_mode);
}

static bool is_dir(int dirfd, const char *name)
{
	struct stat sb;

	return fstatat(dirfd, name, &sb, 0) == 0 && S_ISDIR(sb.st_mode);
}

/* Read an optional text attribute into *out (NULL if absent). Other errors warn. */
static int read_optional(struct iios_device *dev, const char *file, char **out)
{
	char buf[TXT], eb[128];
	ssize_t r = iios_read_file(dev->dirfd, file, buf, sizeof(buf));

	*out = NULL;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return iios_ctx_warn(dev->ctx, "%s/%s: unreadable, ignored: %s", dev->path, file,
				     iios_strerror((int)-r, eb, sizeof(eb)));
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

/* Call fn for each entry of dirfd (without . and ..). */
static int for_each_entry(int dirfd, int (*fn)(void *arg, const char *name), void *arg)
{
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ret = fn(arg, de->d_name);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

static void channel_free(struct iios_channel *ch)
{
	if (!ch)
		return;
	free(ch->name);
	free(ch->id);
	free(ch->type);
	iios_strlist_free(&ch->attrs);
	free(ch);
}

static void buffer_free(struct iios_buffer *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nchans; i++)
		channel_free(b->chans[i]);
	free(b->chans);
	iios_strlist_free(&b->attrs);
	iios_strlist_free(&b->en_files);
	if (b->scan_dirfd >= 0 && b->scan_dirfd != b->dirfd)
		close(b->scan_dirfd);
	if (b->dirfd >= 0)
		close(b->dirfd);
	free(b->path);
	free(b->scan_path);
	free(b);
}

void iios_device_free(struct iios_device *dev)
{
	if (!dev)
		return;
	for (size_t i = 0; i < dev->nbufs; i++)
		buffer_free(dev->bufs[i]);
	free(dev->bufs);
	iios_strlist_free(&dev->attrs);
	if (dev->dirfd >= 0)
		close(dev->dirfd);
	free(dev->id);
	free(dev->name);
	free(dev->label);
	free(dev->desc);
	free(dev->path);
	free(dev);
}

/* ---- scan elements ---- */

struct scan_ctx {
	struct iios_buffer *b;
	int err;
};

static int add_buffer_attr(void *arg, const char *name)
{
	struct iios_buffer *b = arg;

	if (ends_with(name, "_en") || ends_with(name, "_type") || ends_with(name, "_index"))
		return 0;
	if (!is_regular(b->dirfd, name))
		return 0;
	return iios_strlist_add(&b->attrs, name);
}

static int collect_en(void *arg, const char *name)
{
	struct iios_buffer *b = arg;
	size_t prefix = !strncmp(name, "in_", 3) ? 3 : !strncmp(name, "out_", 4) ? 4 : 0;

	/* "in_<id>_en" with a non-empty id: a bare "in_en" names no channel */
	if (!prefix || !ends_with(name, "_en") || strlen(name) <= prefix + 3)
		return 0;
	return iios_strlist_add(&b->en_files, name);
}

static char *type_of(const char *id)
{
	size_t n = 0;

	while (id[n] && id[n] != '_' && id[n] != '-' && (id[n] < '0' || id[n] > '9'))
		n++;
	return strndup(id, n ? n : strlen(id));
}

/* Build channel from "<prefix>_en"; NULL result (with 0) means "skipped with a warning". */
static int make_channel(struct iios_buffer *b, const char *en, struct iios_channel **out)
{
	struct iios_context *ctx = b->dev->ctx;
	char file[NAME_MAX + 1], txt[TXT], eb[128];
	struct iios_channel *ch;
	long long idx;
	ssize_t r;
	int ret;

	*out = NULL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->buf = b;
	ch->name = strndup(en, strlen(en) - 3);
	if (!ch->name)
		goto nomem;
	ch->output = !strncmp(ch->name, "out_", 4);
	ch->id = strdup(ch->name + (ch->output ? 4 : 3));
	if (!ch->id)
		goto nomem;
	ch->type = type_of(ch->id);
	if (!ch->type)
		goto nomem;

	snprintf(file, sizeof(file), "%s_type", ch->name);
	r = iios_read_file(b->scan_dirfd, file, txt, sizeof(txt));
	if (r < 0) {
		ret = iios_ctx_warn(ctx, "%s/%s: unreadable, channel %s ignored: %s", b->scan_path,
				    file, ch->name, iios_strerror((int)-r, eb, sizeof(eb)));
		goto skip;
	}
	if (iios_scan_type_parse(txt, &ch->st) < 0) {
		ret = iios_ctx_warn(ctx, "%s/%s: malformed scan type \"%s\", channel %s ignored",
				    b->scan_path, file, txt, ch->name);
		goto skip;
	}
	snprintf(file, sizeof(file), "%s_index", ch->name);
	r = iios_read_file(b->scan_dirfd, file, txt, sizeof(txt));
	if (r < 0) {
		ret = iios_ctx_warn(ctx, "%s/%s: unreadable, channel %s ignored: %s", b->scan_path,
				    file, ch->name, iios_strerror((int)-r, eb, sizeof(eb)));
		goto skip;
	}
	if (iios_parse_ll(txt, &idx) < 0 || idx < 0 || idx > 0xffffff ||
	    (txt[0] < '0' || txt[0] > '9')) {
		ret = iios_ctx_warn(ctx, "%s/%s: malformed scan index \"%s\", channel %s ignored",
				    b->scan_path, file, txt, ch->name);
		goto skip;
	}
	ch->scan_index = (unsigned int)idx;
	*out = ch;
	return 0;
nomem:
	channel_free(ch);
	return -ENOMEM;
skip:
	channel_free(ch);
	return ret;
}

static int cmp_chan(const void *a, const void *b)
{
	const struct iios_channel *x = *(struct iios_channel *const *)a;
	const struct iios_channel *y = *(struct iios_channel *const *)b;

	if (x->scan_index != y->scan_index)
		return (x->scan_index > y->scan_index) - (x->scan_index < y->scan_index);
	return strcmp(x->name, y->name);
}

/* Channel attributes from the device directory: separate ones, then shared by type
 * (excluding names that are another channel's separate attributes). */
static int channel_attrs(struct iios_channel *ch)
{
	const struct iios_device *dev = ch->buf->dev;
	const char *dir = ch->output ? "out_" : "in_";
	size_t dl = strlen(dir), il = strlen(ch->id), tl = strlen(ch->type);

	for (size_t i = 0; i < dev->attrs.n; i++) {
		const char *a = dev->attrs.v[i], *rest;
		bool other = false;

		if (strncmp(a, dir, dl))
			continue;
		rest = a + dl;
		if (!strncmp(rest, ch->id, il) && rest[il] == '_' && rest[il + 1]) {
			if (iios_strlist_add(&ch->attrs, rest + il + 1))
				return -ENOMEM;
			continue;
		}
		if (tl == il || strncmp(rest, ch->type, tl) || rest[tl] != '_' || !rest[tl + 1])
			continue;
		for (size_t j = 0; j < ch->buf->nchans && !other; j++) {
			const char *oid = ch->buf->chans[j]->id;
			size_t ol = strlen(oid);

			other = !strncmp(rest, oid, ol) && rest[ol] == '_';
		}
		/* A digit right after "<type>_" means another channel (voltage_0?) - skip too. */
		if (other)
			continue;
		/* Do not list a shared attribute the channel already has separately. */
		bool dup = false;

		for (size_t j = 0; j < ch->attrs.n && !dup; j++)
			dup = !strcmp(ch->attrs.v[j], rest + tl + 1);
		if (!dup && iios_strlist_add(&ch->attrs, rest + tl + 1))
			return -ENOMEM;
	}
	iios_strlist_sort(&ch->attrs);
	return 0;
}

static int scan_buffer(struct iios_device *dev, struct iios_buffer *b)
{
	char txt[TXT], eb[128];
	ssize_t r;
	int ret;

	r = iios_read_file(b->dirfd, "direction", txt, sizeof(txt));
	if (r == -ENOENT) {
		b->output = false;
	} else if (r < 0) {
		return iios_ctx_warn(dev->ctx, "%s/direction: unreadable, buffer ignored: %s",
				     b->path, iios_strerror((int)-r, eb, sizeof(eb))) ?: 1;
	} else if (!strcmp(txt, "in")) {
		b->output = false;
	} else if (!strcmp(txt, "out")) {
		b->output = true;
	} else {
		return iios_ctx_warn(dev->ctx, "%s/direction: malformed \"%s\", buffer ignored",
				     b->path, txt) ?: 1;
	}
	ret = for_each_entry(b->dirfd, add_buffer_attr, b);
	if (ret == -ENOMEM)
		return ret;
	iios_strlist_sort(&b->attrs);
	ret = for_each_entry(b->scan_dirfd, collect_en, b);
	if (ret == -ENOMEM)
		return ret;
	iios_strlist_sort(&b->en_files);
	if (b->en_files.n) {
		b->chans = calloc(b->en_files.n, sizeof(*b->chans));
		if (!b->chans)
			return -ENOMEM;
	}
	for (size_t i = 0; i < b->en_files.n; i++) {
		struct iios_channel *ch;

		ret = make_channel(b, b->en_files.v[i], &ch);
		if (ret == -ENOMEM)
			return ret;
		if (ch)
			b->chans[b->nchans++] = ch;
	}
	if (b->nchans > 1)
		qsort(b->chans, b->nchans, sizeof(*b->chans), cmp_chan);
	for (size_t i = 0; i < b->nchans; i++)
		if (channel_attrs(b->chans[i]))
			return -ENOMEM;
	return 0;
}

static int open_subdir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int add_buffer(struct iios_device *dev, unsigned int index, const char *attr_dir,
		      const char *scan_dir)
{
	struct iios_buffer *b, **v;
	char eb[128];
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->dev = dev;
	b->index = index;
	b->legacy = strcmp(attr_dir, scan_dir) != 0;
	b->dirfd = b->scan_dirfd = -1;
	b->path = iios_asprintf("%s/%s", dev->path, attr_dir);
	b->scan_path = iios_asprintf("%s/%s", dev->path, scan_dir);
	if (!b->path || !b->scan_path) {
		buffer_free(b);
		return -ENOMEM;
	}
	b->dirfd = open_subdir(dev->dirfd, attr_dir);
	if (b->dirfd < 0) {
		ret = iios_ctx_warn(dev->ctx, "%s: cannot open, buffer ignored: %s", b->path,
				    iios_strerror(errno, eb, sizeof(eb)));
		buffer_free(b);
		return ret;
	}
	b->scan_dirfd = b->legacy ? open_subdir(dev->dirfd, scan_dir) : b->dirfd;
	if (b->scan_dirfd < 0) {
		ret = iios_ctx_warn(dev->ctx, "%s: cannot open, buffer ignored: %s", b->scan_path,
				    iios_strerror(errno, eb, sizeof(eb)));
		buffer_free(b);
		return ret;
	}
	ret = scan_buffer(dev, b);
	if (ret) {
		buffer_free(b);
		return ret < 0 ? ret : 0;
	}
	v = realloc(dev->bufs, (dev->nbufs + 1) * sizeof(*v));
	if (!v) {
		buffer_free(b);
		return -ENOMEM;
	}
	dev->bufs = v;
	dev->bufs[dev->nbufs++] = b;
	return 0;
}

struct dev_scan {
	struct iios_device *dev;
	long *bufnums;
	size_t nbufnums;
};

static int dev_entry(void *arg, const char *name)
{
	struct dev_scan *ds = arg;
	long n;

	if (is_regular(ds->dev->dirfd, name)) {
		if (!strcmp(name, "uevent"))
			return 0;
		return iios_strlist_add(&ds->dev->attrs, name);
	}
	n = number_after(name, "buffer");
	if (n >= 0 && is_dir(ds->dev->dirfd, name)) {
		long *v = realloc(ds->bufnums, (ds->nbufnums + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ds->bufnums = v;
		ds->bufnums[ds->nbufnums++] = n;
	}
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int iios_scan_device(struct iios_context *ctx, int rootfd, const char *dname,
		     struct iios_device **out)
{
	struct dev_scan ds = { 0 };
	struct iios_device *dev;
	char eb[128];
	int ret;

	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->ctx = ctx;
	dev->dirfd = -1;
	dev->num = (unsigned int)atol(dname + 10);
	dev->id = strdup(dname);
	dev->path = iios_asprintf("%s/%s", ctx->sysfs_root, dname);
	if (!dev->id || !dev->path) {
		ret = -ENOMEM;
		goto fail;
	}
	dev->dirfd = open_subdir(rootfd, dname);
	if (dev->dirfd < 0) {
		ret = iios_ctx_warn(ctx, "%s: cannot open, device ignored: %s", dev->path,
				    iios_strerror(errno, eb, sizeof(eb)));
		goto fail;
	}
	if ((ret = read_optional(dev, "name", &dev->name)) ||
	    (ret = read_optional(dev, "label", &dev->label)))
		goto fail;
	dev->desc = dev->name ? iios_asprintf("%s (%s)", dev->name, dev->id) : strdup(dev->id);
	if (!dev->desc) {
		ret = -ENOMEM;
		goto fail;
	}
	ds.dev = dev;
	ret = for_each_entry(dev->dirfd, dev_entry, &ds);
	if (ret == -ENOMEM)
		goto fail;
	if (ret) {
		ret = iios_ctx_warn(ctx, "%s: cannot list, device ignored: %s", dev->path,
				    iios_strerror(-ret, eb, sizeof(eb)));
		goto fail;
	}
	iios_strlist_sort(&dev->attrs);
	if (ds.nbufnums) {
		qsort(ds.bufnums, ds.nbufnums, sizeof(long), cmp_long);
		for (size_t i = 0; i < ds.nbufnums; i++) {
			char name[32];

			snprintf(name, sizeof(name), "buffer%ld", ds.bufnums[i]);
			ret = add_buffer(dev, (unsigned int)ds.bufnums[i], name, name);
			if (ret < 0)
				goto fail;
		}
	} else if (is_dir(dev->dirfd, "scan_elements")) {
		/* Kernels before 5.11: buffer/ and scan_elements/ only. */
		ret = add_buffer(dev, 0, is_dir(dev->dirfd, "buffer") ? "buffer" : "scan_elements",
				 "scan_elements");
		if (ret < 0)
			goto fail;
	}
	free(ds.bufnums);
	*out = dev;
	return 0;
fail:
	free(ds.bufnums);
	iios_device_free(dev);
	return ret < 0 ? ret : 0;
}
