/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DMABUF allocator choice (internal API): heap, else udmabuf, else a reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fakesys.h"
#include "internal.h"

static void test_no_allocator(void **state)
{
	struct iios_dmabuf_allocator a = { .heap_fd = -1 };
	char *root = fs_mkroot(), why[512];

	(void)state;
	assert_int_equal(iios_dmabuf_allocator_open(&a, root, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "/dma_heap/system: No such file or directory"));
	assert_non_null(strstr(why, "/udmabuf: No such file or directory"));
	assert_non_null(strstr(why, root));
	fs_rmroot(root);
}

static void test_heap_preferred(void **state)
{
	struct iios_dmabuf_allocator a = { .heap_fd = -1 };
	char *root = fs_mkroot(), why[512] = "";
	int fd = -1;

	(void)state;
	/* Both present: the heap wins. Plain files stand in for the devices, so
	 * the allocation ioctl fails with ENOTTY, which the stream treats as
	 * "not supported here". */
	fs_write(root, "dma_heap/system", "");
	fs_write(root, "udmabuf", "");
	assert_int_equal(iios_dmabuf_allocator_open(&a, root, why, sizeof(why)), 0);
	assert_string_equal(a.name, "dma_heap/system");
	assert_false(a.udmabuf);
	assert_int_equal(iios_dmabuf_alloc(&a, 4096, &fd), -ENOTTY);
	assert_int_equal(fd, -1);
	iios_dmabuf_allocator_close(&a);
	assert_int_equal(a.heap_fd, -1);
	fs_rmroot(root);
}

static void test_udmabuf_fallback(void **state)
{
	struct iios_dmabuf_allocator a = { .heap_fd = -1 };
	char *root = fs_mkroot(), why[512] = "";
	int fd = -1;

	(void)state;
	fs_write(root, "udmabuf", "");
	assert_int_equal(iios_dmabuf_allocator_open(&a, root, why, sizeof(why)), 0);
	assert_string_equal(a.name, "udmabuf");
	assert_true(a.udmabuf);
	/* memfd + seal work on the host; UDMABUF_CREATE on a plain file does not */
	assert_int_equal(iios_dmabuf_alloc(&a, 8192, &fd), -ENOTTY);
	iios_dmabuf_allocator_close(&a);
	fs_rmroot(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_allocator),
		cmocka_unit_test(test_heap_preferred),
		cmocka_unit_test(test_udmabuf_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
