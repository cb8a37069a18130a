/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fake sysfs/dev trees for unit tests, created under a mkdtemp() directory. */
#ifndef FAKESYS_H
#define FAKESYS_H

#include <stddef.h>

/* A new empty directory /tmp/iios-unit-XXXXXX; aborts on failure. Free with fs_rmroot. */
char *fs_mkroot(void);
/* Remove the tree and free the path. */
void fs_rmroot(char *root);
/* Create root/rel (parents included) containing text (no newline added). */
void fs_write(const char *root, const char *rel, const char *text);
/* printf-style variant. */
void fs_writef(const char *root, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fs_mkdir(const char *root, const char *rel);
void fs_mkfifo(const char *root, const char *rel);
void fs_symlink(const char *root, const char *target, const char *rel);
/* Contents of root/rel, trailing newline kept; static buffer; "" if missing. */
const char *fs_read(const char *root, const char *rel);
/* "root/rel" in a static buffer (one at a time). */
const char *fs_path(const char *root, const char *rel);

/* A scan element <dir>_<id> in root/<bufdir> with _en=0, _type, _index. */
void fs_scan_element(const char *root, const char *bufdir, const char *name,
		     const char *type, unsigned int index);

#endif
