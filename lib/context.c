/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context: one scan of an IIO sysfs tree, device lookup, warnings. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_SYSFS "/sys/bus/iio/devices"
#define DEFAULT_DEV "/dev"

int iios_ctx_warn(struct iios_context *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	n = iios_strlist_add(&ctx->warnings, s);
	free(s);
	return n;
}

/* "iio:deviceN" with N all digits; returns N or -1. */
static long device_number(const char *name)
{
	const char *p;
	long n = 0;

	if (strncmp(name, "iio:device", 10))
		return -1;
	p = name + 10;
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n > 100000000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct iios_device *x = *(struct iios_device *const *)a;
	const struct iios_device *y = *(struct iios_device *const *)b;

	return (x->num > y->num) - (x->num < y->num);
}

static void report(char *errbuf, size_t errlen, const struct iios_err *e)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", e->msg);
}

IIOS_API struct iios_context *iios_context_new(const char *sysfs_root, const char *dev_root,
					       char *errbuf, size_t errlen)
{
	struct iios_context *ctx;
	struct dirent *de;
	DIR *dir = NULL;
	int rootfd = -1, ret = 0;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_init(&ctx->next_stream_id, 1);
	ctx->sysfs_root = strdup(sysfs_root ? sysfs_root : DEFAULT_SYSFS);
	ctx->dev_root = strdup(dev_root ? dev_root : DEFAULT_DEV);
	if (!ctx->sysfs_root || !ctx->dev_root) {
		ret = iios_err_set(&ctx->err, ENOMEM, "iios_context_new");
		goto fail;
	}
	rootfd = open(ctx->sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		ret = iios_err_set(&ctx->err, errno, "opening IIO sysfs root %s", ctx->sysfs_root);
		goto fail;
	}
	dir = fdopendir(dup(rootfd));
	if (!dir) {
		ret = iios_err_set(&ctx->err, errno, "listing %s", ctx->sysfs_root);
		goto fail;
	}
	errno = 0;
	while ((de = readdir(dir))) {
		struct iios_device *dev = NULL, **v;

		if (device_number(de->d_name) < 0)
			continue;
		ret = iios_scan_device(ctx, rootfd, de->d_name, &dev);
		if (ret == -ENOMEM) {
			iios_err_set(&ctx->err, ENOMEM, "scanning %s/%s", ctx->sysfs_root,
				     de->d_name);
			goto fail;
		}
		ret = 0;
		if (!dev)
			continue; /* a warning says why */
		v = realloc(ctx->devs, (ctx->ndevs + 1) * sizeof(*v));
		if (!v) {
			iios_device_free(dev);
			ret = iios_err_set(&ctx->err, ENOMEM, "scanning %s", ctx->sysfs_root);
			goto fail;
		}
		ctx->devs = v;
		ctx->devs[ctx->ndevs++] = dev;
		errno = 0;
	}
	if (errno) {
		ret = iios_err_set(&ctx->err, errno, "listing %s", ctx->sysfs_root);
		goto fail;
	}
	closedir(dir);
	close(rootfd);
	if (ctx->ndevs > 1)
		qsort(ctx->devs, ctx->ndevs, sizeof(*ctx->devs), cmp_dev);
	return ctx;
fail:
	report(errbuf, errlen, &ctx->err);
	if (dir)
		closedir(dir);
	if (rootfd >= 0)
		close(rootfd);
	iios_context_free(ctx);
	errno = -ret;
	return NULL;
}

IIOS_API void iios_context_free(struct iios_context *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->ndevs; i++)
		iios_device_free(ctx->devs[i]);
	free(ctx->devs);
	iios_strlist_free(&ctx->warnings);
	free(ctx->sysfs_root);
	free(ctx->dev_root);
	free(ctx);
}

IIOS_API const char *iios_context_last_error(const struct iios_context *ctx)
{
	return ctx ? ctx->err.msg : "";
}

IIOS_API const char *iios_context_sysfs_root(const struct iios_context *ctx)
{
	return ctx->sysfs_root;
}

IIOS_API const char *iios_context_dev_root(const struct iios_context *ctx)
{
	return ctx->dev_root;
}

IIOS_API size_t iios_context_warning_count(const struct iios_context *ctx)
{
	return ctx->warnings.n;
}

IIOS_API const char *iios_context_warning(const struct iios_context *ctx, size_t i)
{
	return i < ctx->warnings.n ? ctx->warnings.v[i] : NULL;
}

IIOS_API size_t iios_context_device_count(const struct iios_context *ctx)
{
	return ctx->ndevs;
}

IIOS_API struct iios_device *iios_context_device(const struct iios_context *ctx, size_t i)
{
	if (!ctx || i >= ctx->ndevs) {
		errno = EINVAL;
		return NULL;
	}
	return ctx->devs[i];
}

IIOS_API struct iios_device *iios_context_find_device(struct iios_context *ctx, const char *key)
{
	if (!ctx || !key) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < ctx->ndevs; i++)
		if (!strcmp(ctx->devs[i]->id, key))
			return ctx->devs[i];
	for (size_t i = 0; i < ctx->ndevs; i++)
		if (ctx->devs[i]->label && !strcmp(ctx->devs[i]->label, key))
			return ctx->devs[i];
	for (size_t i = 0; i < ctx->ndevs; i++)
		if (ctx->devs[i]->name && !strcmp(ctx->devs[i]->name, key))
			return ctx->devs[i];
	errno = -iios_err_set(&ctx->err, ENODEV, "no IIO device with id, label or name \"%s\" in %s",
			      key, ctx->sysfs_root);
	return NULL;
}
