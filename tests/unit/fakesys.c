/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fakesys.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fakesys: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

char *fs_mkroot(void)
{
	char *p = strdup("/tmp/iios-unit-XXXXXX");

	if (!p || !mkdtemp(p))
		die("mkdtemp", "/tmp");
	return p;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	/* Restore permissions so that removal works even for chmod 000 dirs. */
	chmod(path, 0700);
	return remove(path);
}

void fs_rmroot(char *root)
{
	if (!root)
		return;
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

static char pathbuf[8192];

const char *fs_path(const char *root, const char *rel)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", root, rel);
	return pathbuf;
}

static void mkparents(const char *full)
{
	char tmp[8192];

	snprintf(tmp, sizeof(tmp), "%s", full);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			die("mkdir", tmp);
		*p = '/';
	}
}

void fs_write(const char *root, const char *rel, const char *text)
{
	char full[8192];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, rel);
	mkparents(full);
	f = fopen(full, "w");
	if (!f)
		die("fopen", full);
	fputs(text, f);
	fclose(f);
}

void fs_writef(const char *root, const char *rel, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fs_write(root, rel, text);
}

void fs_mkdir(const char *root, const char *rel)
{
	char full[8192];

	snprintf(full, sizeof(full), "%s/%s/", root, rel);
	mkparents(full);
}

void fs_mkfifo(const char *root, const char *rel)
{
	char full[8192];

	snprintf(full, sizeof(full), "%s/%s", root, rel);
	mkparents(full);
	if (mkfifo(full, 0644) < 0)
		die("mkfifo", full);
}

void fs_symlink(const char *root, const char *target, const char *rel)
{
	char full[8192];

	snprintf(full, sizeof(full), "%s/%s", root, rel);
	mkparents(full);
	if (symlink(target, full) < 0)
		die("symlink", full);
}

const char *fs_read(const char *root, const char *rel)
{
	static char buf[4096];
	char full[8192];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(full, sizeof(full), "%s/%s", root, rel);
	fd = open(full, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

void fs_scan_element(const char *root, const char *bufdir, const char *name, const char *type,
		     unsigned int index)
{
	char rel[1024];

	snprintf(rel, sizeof(rel), "%s/%s_en", bufdir, name);
	fs_write(root, rel, "0\n");
	snprintf(rel, sizeof(rel), "%s/%s_type", bufdir, name);
	fs_writef(root, rel, "%s\n", type);
	snprintf(rel, sizeof(rel), "%s/%s_index", bufdir, name);
	fs_writef(root, rel, "%u\n", index);
}
