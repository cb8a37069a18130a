/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Robust small-file I/O on sysfs attributes, number parsing, string lists. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

ssize_t iios_read_file(int dirfd, const char *name, char *buf, size_t len)
{
	struct stat sb;
	size_t got = 0;
	int fd, err = 0;

	if (!buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	/* O_NONBLOCK: a FIFO planted where an attribute should be must not hang us. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (got == len - 1) {
			char extra;

			/* Full: is there more? */
			do
				r = read(fd, &extra, 1);
			while (r < 0 && errno == EINTR);
			if (r > 0)
				err = -EFBIG;
			else if (r < 0)
				err = -errno;
			break;
		}
		r = read(fd, buf + got, len - 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
out:
	close(fd);
	if (err) {
		buf[0] = '\0';
		return err;
	}
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	buf[got] = '\0';
	return (ssize_t)got;
}

int iios_write_file(int dirfd, const char *name, const char *value)
{
	struct stat sb;
	size_t len = strlen(value), done = 0;
	int fd, err = 0;

	fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		err = -errno;
	} else if (!S_ISREG(sb.st_mode)) {
		err = -EINVAL;
	} else {
		/* sysfs takes one write() per value; loop only for short writes. */
		while (done < len || len == 0) {
			ssize_t w = write(fd, value + done, len - done);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				err = -errno;
				break;
			}
			done += (size_t)w;
			if (len == 0)
				break;
		}
	}
	if (close(fd) < 0 && !err && errno != EINTR)
		err = -errno;
	return err;
}

/* Nothing but blanks up to the end of the string. */
static bool only_blanks(const char *end)
{
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return *end == '\0';
}

int iios_parse_ll(const char *s, long long *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 0);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (!only_blanks(end))
		return -EINVAL;
	*v = x;
	return 0;
}

int iios_parse_double(const char *s, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (!only_blanks(end) || isnan(x))
		return -EINVAL;
	*v = x;
	return 0;
}

char *iios_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *iios_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : p;
}

int iios_strlist_add(struct iios_strlist *l, const char *s)
{
	char *d;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	l->v[l->n++] = d;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void iios_strlist_sort(struct iios_strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

void iios_strlist_free(struct iios_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
