/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery over generated fake sysfs trees, attributes and error messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fakesys.h"
#include "iiostream.h"

struct fixture {
	char *root;
	char sys[4096];
	struct iios_context *ctx;
};

/* Device 0 "sim-adc": buffer0 in, 4 good channels + a timestamp, device attrs. */
static void make_adc(const char *sys)
{
	fs_write(sys, "iio:device0/name", "sim-adc\n");
	fs_write(sys, "iio:device0/uevent", "MAJOR=1\n");
	fs_write(sys, "iio:device0/sampling_frequency", "1000\n");
	fs_write(sys, "iio:device0/in_voltage_scale", "0.5\n");
	fs_write(sys, "iio:device0/in_voltage1_scale", "0.25\n");
	fs_write(sys, "iio:device0/in_voltage0_raw", "-12\n");
	fs_write(sys, "iio:device0/in_voltage0_offset", "2.5\n");
	fs_write(sys, "iio:device0/in_temp_raw", "1\n"); /* another type: not voltage's */
	fs_write(sys, "iio:device0/buffer0/direction", "in\n");
	fs_write(sys, "iio:device0/buffer0/length", "128\n");
	fs_write(sys, "iio:device0/buffer0/watermark", "16\n");
	fs_write(sys, "iio:device0/buffer0/enable", "0\n");
	fs_write(sys, "iio:device0/buffer0/overruns", "0\n");
	fs_write(sys, "iio:device0/buffer0/data_available", "0\n");
	/* deliberately created out of order */
	fs_scan_element(sys, "iio:device0/buffer0", "in_voltage3", "le:s16/16>>0", 3);
	fs_scan_element(sys, "iio:device0/buffer0", "in_voltage1", "le:s16/16>>0", 1);
	fs_scan_element(sys, "iio:device0/buffer0", "in_timestamp", "le:s64/64>>0", 4);
	fs_scan_element(sys, "iio:device0/buffer0", "in_voltage0", "le:s16/16>>0", 0);
	fs_scan_element(sys, "iio:device0/buffer0", "in_voltage2", "be:u12/16>>4", 2);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->root = fs_mkroot();
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	fs_mkdir(f->root, "sys");
	fs_mkdir(f->root, "dev");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	iios_context_free(f->ctx);
	fs_rmroot(f->root);
	free(f);
	return 0;
}

static struct iios_context *scan(struct fixture *f)
{
	char err[512], dev[4096];

	snprintf(dev, sizeof(dev), "%s/dev", f->root);
	f->ctx = iios_context_new(f->sys, dev, err, sizeof(err));
	if (!f->ctx)
		fail_msg("context: %s", err);
	return f->ctx;
}

static bool warned(struct iios_context *ctx, const char *a, const char *b)
{
	for (size_t i = 0; i < iios_context_warning_count(ctx); i++) {
		const char *w = iios_context_warning(ctx, i);

		if (strstr(w, a) && (!b || strstr(w, b)))
			return true;
	}
	return false;
}

static void dump_warnings(struct iios_context *ctx)
{
	for (size_t i = 0; i < iios_context_warning_count(ctx); i++)
		print_message("warning: %s\n", iios_context_warning(ctx, i));
}

static void test_good_device(void **state)
{
	struct fixture *f = *state;
	struct iios_context *ctx;
	struct iios_device *dev;
	struct iios_buffer *buf;
	struct iios_channel *ch;
	double d;
	long long ll;
	char txt[64];

	make_adc(f->sys);
	ctx = scan(f);
	dump_warnings(ctx);
	assert_int_equal(iios_context_warning_count(ctx), 0);
	assert_int_equal(iios_context_device_count(ctx), 1);
	dev = iios_context_device(ctx, 0);
	assert_string_equal(iios_device_id(dev), "iio:device0");
	assert_string_equal(iios_device_name(dev), "sim-adc");
	assert_null(iios_device_label(dev));
	assert_ptr_equal(iios_device_context(dev), ctx);
	assert_null(iios_context_device(ctx, 1));
	/* attributes: sorted, regular files only, uevent and buffer0/ excluded */
	assert_int_equal(iios_device_attr_count(dev), 7);
	assert_string_equal(iios_device_attr_name(dev, 0), "in_temp_raw");
	assert_string_equal(iios_device_attr_name(dev, 6), "sampling_frequency");
	assert_null(iios_device_attr_name(dev, 7));

	assert_int_equal(iios_device_buffer_count(dev), 1);
	buf = iios_device_buffer(dev, 0);
	assert_int_equal(iios_buffer_index(buf), 0);
	assert_false(iios_buffer_is_output(buf));
	assert_ptr_equal(iios_buffer_device(buf), dev);
	assert_int_equal(iios_buffer_length(buf), 128);
	assert_int_equal(iios_buffer_watermark(buf), 16);
	/* buffer attributes exclude scan elements */
	assert_int_equal(iios_buffer_attr_count(buf), 6);
	assert_string_equal(iios_buffer_attr_name(buf, 0), "data_available");
	assert_string_equal(iios_buffer_attr_name(buf, 5), "watermark");

	/* channels sorted by scan index */
	assert_int_equal(iios_buffer_channel_count(buf), 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(iios_channel_scan_index(iios_buffer_channel(buf, i)), i);
	ch = iios_buffer_channel(buf, 2);
	assert_string_equal(iios_channel_id(ch), "voltage2");
	assert_string_equal(iios_channel_name(ch), "in_voltage2");
	assert_false(iios_channel_is_output(ch));
	assert_true(iios_channel_scan_type(ch)->is_be);
	assert_int_equal(iios_channel_scan_type(ch)->bits, 12);
	assert_int_equal(iios_channel_scan_type(ch)->shift, 4);
	assert_string_equal(iios_channel_id(iios_buffer_channel(buf, 4)), "timestamp");
	assert_ptr_equal(iios_channel_buffer(ch), buf);

	/* lookup by id and by name */
	assert_ptr_equal(iios_buffer_find_channel(buf, "voltage1"), iios_buffer_channel(buf, 1));
	assert_ptr_equal(iios_buffer_find_channel(buf, "in_voltage1"), iios_buffer_channel(buf, 1));
	assert_null(iios_buffer_find_channel(buf, "voltage9"));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(iios_context_last_error(ctx), "voltage9"));

	/* channel attributes: separate, shared by type; not another type's */
	ch = iios_buffer_channel(buf, 0);
	assert_int_equal(iios_channel_attr_count(ch), 3);
	assert_string_equal(iios_channel_attr_name(ch, 0), "offset");
	assert_string_equal(iios_channel_attr_name(ch, 1), "raw");
	assert_string_equal(iios_channel_attr_name(ch, 2), "scale");
	assert_int_equal(iios_channel_read_raw(ch, &ll), 0);
	assert_int_equal(ll, -12);
	assert_int_equal(iios_channel_read_scale(ch, &d), 0);
	assert_true(d == 0.5); /* shared in_voltage_scale */
	assert_int_equal(iios_channel_read_offset(ch, &d), 0);
	assert_true(d == 2.5);
	ch = iios_buffer_channel(buf, 1);
	assert_int_equal(iios_channel_read_scale(ch, &d), 0);
	assert_true(d == 0.25); /* separate wins over shared */
	assert_int_equal(iios_channel_read_offset(ch, &d), 0);
	assert_true(d == 0.0); /* default */
	assert_int_equal(iios_channel_attr_count(ch), 1);
	ch = iios_buffer_channel(buf, 4); /* timestamp: no attributes at all */
	assert_int_equal(iios_channel_attr_count(ch), 0);
	assert_int_equal(iios_channel_read_scale(ch, &d), 0);
	assert_true(d == 1.0);
	assert_int_equal(iios_channel_attr_read(ch, "raw", txt, sizeof(txt)), -ENOENT);
	assert_non_null(strstr(iios_context_last_error(ctx), "in_timestamp"));
	assert_non_null(strstr(iios_context_last_error(ctx), "No such file or directory"));
}

static void test_attr_read_write(void **state)
{
	struct fixture *f = *state;
	struct iios_device *dev;
	struct iios_buffer *buf;
	struct iios_channel *ch;
	long long ll;
	double d;
	char txt[64], small[4];

	make_adc(f->sys);
	fs_write(f->sys, "iio:device0/junk", "12abc\n");
	fs_mkfifo(f->sys, "iio:device0/fifo_attr");
	fs_write(f->sys, "iio:device0/in_voltage3_scale", "not-a-number\n");
	dev = iios_context_find_device(scan(f), "sim-adc");
	assert_non_null(dev);
	buf = iios_device_buffer(dev, 0);

	assert_int_equal(iios_device_attr_read_ll(dev, "sampling_frequency", &ll), 0);
	assert_int_equal(ll, 1000);
	assert_int_equal(iios_device_attr_write_ll(dev, "sampling_frequency", 250000), 0);
	assert_string_equal(fs_read(f->sys, "iio:device0/sampling_frequency"), "250000");
	assert_int_equal(iios_device_attr_read_double(dev, "sampling_frequency", &d), 0);
	assert_true(d == 250000.0);
	assert_int_equal(iios_device_attr_read(dev, "name", txt, sizeof(txt)), 7);
	assert_string_equal(txt, "sim-adc");

	/* errors name device, file and errno text */
	assert_int_equal(iios_device_attr_read(dev, "nope", txt, sizeof(txt)), -ENOENT);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "sim-adc (iio:device0)"));
	assert_non_null(strstr(iios_context_last_error(f->ctx), "/iio:device0/nope"));
	assert_non_null(strstr(iios_context_last_error(f->ctx), "No such file or directory"));
	assert_int_equal(iios_device_attr_read_ll(dev, "junk", &ll), -EINVAL);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "12abc"));
	assert_non_null(strstr(iios_context_last_error(f->ctx), "not an integer"));
	assert_int_equal(iios_device_attr_read(dev, "name", small, sizeof(small)), -EFBIG);
	assert_int_equal(iios_device_attr_read(dev, "fifo_attr", txt, sizeof(txt)), -EINVAL);
	assert_int_equal(iios_device_attr_read(dev, "buffer0", txt, sizeof(txt)), -EISDIR);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "Is a directory"));
	assert_int_equal(iios_device_attr_read(dev, "../x", txt, sizeof(txt)), -EINVAL);
	/* a FIFO without reader: ENXIO at once, no hang */
	assert_int_equal(iios_device_attr_write(dev, "fifo_attr", "1"), -ENXIO);
	assert_int_equal(iios_device_attr_write(dev, "nope", "1"), -ENOENT);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "writing \"1\""));

	/* buffer attributes */
	assert_int_equal(iios_buffer_attr_write(buf, "watermark", "32"), 0);
	assert_int_equal(iios_buffer_watermark(buf), 32);
	assert_int_equal(iios_buffer_attr_read(buf, "direction", txt, sizeof(txt)), 2);
	assert_string_equal(txt, "in");
	assert_int_equal(iios_buffer_attr_write(buf, "watermark", "-3"), 0);
	assert_int_equal(iios_buffer_watermark(buf), -EINVAL);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "buffer0/watermark"));

	/* channel attributes */
	ch = iios_buffer_find_channel(buf, "voltage0");
	assert_int_equal(iios_channel_attr_write(ch, "raw", "77"), 0);
	assert_string_equal(fs_read(f->sys, "iio:device0/in_voltage0_raw"), "77");
	/* writing a shared attribute writes the shared file */
	assert_int_equal(iios_channel_attr_write(ch, "scale", "0.125"), 0);
	assert_string_equal(fs_read(f->sys, "iio:device0/in_voltage_scale"), "0.125");
	ch = iios_buffer_find_channel(buf, "voltage3");
	assert_int_equal(iios_channel_read_scale(ch, &d), -EINVAL);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "in_voltage3_scale"));
	assert_non_null(strstr(iios_context_last_error(f->ctx), "not a number"));
}

static void test_malformed_and_unreadable(void **state)
{
	struct fixture *f = *state;
	struct iios_context *ctx;
	struct iios_buffer *buf;
	const char *b = "iio:device0/buffer0";

	make_adc(f->sys);
	/* malformed _type and _index */
	fs_scan_element(f->sys, b, "in_voltage5", "le:s16/12>>0", 5);
	fs_scan_element(f->sys, b, "in_voltage6", "le:s16/16>>0", 6);
	fs_write(f->sys, "iio:device0/buffer0/in_voltage6_index", "six\n");
	fs_scan_element(f->sys, b, "in_voltage7", "le:s16/16>>0", 7);
	fs_write(f->sys, "iio:device0/buffer0/in_voltage7_index", "-7\n");
	fs_scan_element(f->sys, b, "in_voltage8", "garbage", 8);
	/* unreadable even for root: a directory, a FIFO, a dangling symlink */
	fs_write(f->sys, "iio:device0/buffer0/in_voltage9_en", "0\n");
	fs_mkdir(f->sys, "iio:device0/buffer0/in_voltage9_type");
	fs_write(f->sys, "iio:device0/buffer0/in_voltage9_index", "9\n");
	fs_write(f->sys, "iio:device0/buffer0/in_voltage10_en", "0\n");
	fs_write(f->sys, "iio:device0/buffer0/in_voltage10_type", "le:s16/16>>0\n");
	fs_mkfifo(f->sys, "iio:device0/buffer0/in_voltage10_index");
	fs_write(f->sys, "iio:device0/buffer0/in_voltage11_en", "0\n");
	fs_symlink(f->sys, "/nonexistent/target", "iio:device0/buffer0/in_voltage11_type");
	fs_write(f->sys, "iio:device0/buffer0/in_voltage11_index", "11\n");
	/* a _type without _en is not a channel */
	fs_write(f->sys, "iio:device0/buffer0/in_voltage12_type", "le:s16/16>>0\n");

	ctx = scan(f);
	dump_warnings(ctx);
	buf = iios_device_buffer(iios_context_device(ctx, 0), 0);
	/* the 5 good channels survive */
	assert_int_equal(iios_buffer_channel_count(buf), 5);
	assert_int_equal(iios_context_warning_count(ctx), 7);
	assert_true(warned(ctx, "buffer0/in_voltage5_type", "malformed scan type \"le:s16/12>>0\""));
	assert_true(warned(ctx, "buffer0/in_voltage6_index", "malformed scan index \"six\""));
	assert_true(warned(ctx, "buffer0/in_voltage7_index", "malformed scan index \"-7\""));
	assert_true(warned(ctx, "buffer0/in_voltage8_type", "garbage"));
	assert_true(warned(ctx, "buffer0/in_voltage9_type", "Is a directory"));
	assert_true(warned(ctx, "buffer0/in_voltage10_index", "Invalid argument"));
	assert_true(warned(ctx, "buffer0/in_voltage11_type", "No such file or directory"));
	assert_null(iios_buffer_find_channel(buf, "voltage5"));
	assert_null(iios_context_warning(ctx, 7));
}

static void test_buffers_gaps_legacy_none(void **state)
{
	struct fixture *f = *state;
	struct iios_context *ctx;
	struct iios_device *dev;
	struct iios_buffer *buf;

	make_adc(f->sys);
	/* device1: label, out buffer0, in buffer2, no buffer1 */
	fs_write(f->sys, "iio:device1/name", "sim-dac\n");
	fs_write(f->sys, "iio:device1/label", "dac-left\n");
	fs_write(f->sys, "iio:device1/buffer0/direction", "out\n");
	fs_scan_element(f->sys, "iio:device1/buffer0", "out_voltage0", "le:s16/16>>0", 0);
	fs_write(f->sys, "iio:device1/buffer2/direction", "in\n");
	fs_scan_element(f->sys, "iio:device1/buffer2", "in_voltage0", "le:u8/8>>0", 0);
	fs_write(f->sys, "iio:device1/buffer10/direction", "in\n");
	fs_write(f->sys, "iio:device1/buffer1x/direction", "in\n"); /* not a buffer */
	fs_write(f->sys, "iio:device1/buffer3", "a file, not a directory\n");
	/* device2: no buffers at all */
	fs_write(f->sys, "iio:device2/name", "no-buffers\n");
	fs_write(f->sys, "iio:device2/in_temp_raw", "20\n");
	/* device3: legacy layout */
	fs_write(f->sys, "iio:device3/name", "old\n");
	fs_write(f->sys, "iio:device3/buffer/length", "64\n");
	fs_write(f->sys, "iio:device3/buffer/enable", "0\n");
	fs_scan_element(f->sys, "iio:device3/scan_elements", "in_voltage0", "be:s16/16>>0", 0);
	/* device4: malformed direction -> buffer ignored */
	fs_write(f->sys, "iio:device4/name", "sideways\n");
	fs_write(f->sys, "iio:device4/buffer0/direction", "sideways\n");
	/* device5: name is a directory -> no name, a warning */
	fs_mkdir(f->sys, "iio:device5/name");
	/* device10 sorts after device5; non-devices are ignored */
	fs_write(f->sys, "iio:device10/name", "ten\n");
	fs_write(f->sys, "trigger0/name", "trig\n");
	fs_write(f->sys, "iio:devicex/name", "bad\n");
	fs_write(f->sys, "iio:device/name", "bad\n");
	fs_write(f->sys, "iio:device7", "a file\n");

	ctx = scan(f);
	dump_warnings(ctx);
	assert_int_equal(iios_context_device_count(ctx), 7);
	assert_string_equal(iios_device_id(iios_context_device(ctx, 5)), "iio:device5");
	assert_string_equal(iios_device_id(iios_context_device(ctx, 6)), "iio:device10");

	dev = iios_context_find_device(ctx, "dac-left");
	assert_non_null(dev);
	assert_string_equal(iios_device_id(dev), "iio:device1");
	assert_ptr_equal(iios_context_find_device(ctx, "sim-dac"), dev);
	assert_ptr_equal(iios_context_find_device(ctx, "iio:device1"), dev);
	assert_int_equal(iios_device_buffer_count(dev), 3);
	assert_int_equal(iios_buffer_index(iios_device_buffer(dev, 0)), 0);
	assert_int_equal(iios_buffer_index(iios_device_buffer(dev, 1)), 2);
	assert_int_equal(iios_buffer_index(iios_device_buffer(dev, 2)), 10);
	assert_true(iios_buffer_is_output(iios_device_buffer(dev, 0)));
	assert_true(iios_channel_is_output(iios_buffer_channel(iios_device_buffer(dev, 0), 0)));
	assert_string_equal(iios_channel_id(iios_buffer_channel(iios_device_buffer(dev, 0), 0)),
			    "voltage0");
	assert_null(iios_device_find_buffer(dev, 1));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(iios_context_last_error(ctx), "sim-dac (iio:device1): no buffer1"));
	buf = iios_device_find_buffer(dev, 2);
	assert_non_null(buf);
	assert_int_equal(iios_buffer_channel_count(buf), 1);
	assert_int_equal(iios_buffer_channel_count(iios_device_buffer(dev, 2)), 0);
	assert_int_equal(iios_buffer_length(buf), -ENOENT);

	dev = iios_context_find_device(ctx, "no-buffers");
	assert_int_equal(iios_device_buffer_count(dev), 0);
	assert_null(iios_device_buffer(dev, 0));

	dev = iios_context_find_device(ctx, "old");
	assert_int_equal(iios_device_buffer_count(dev), 1);
	buf = iios_device_buffer(dev, 0);
	assert_int_equal(iios_buffer_length(buf), 64);
	assert_int_equal(iios_buffer_channel_count(buf), 1);
	assert_true(iios_channel_scan_type(iios_buffer_channel(buf, 0))->is_be);

	dev = iios_context_find_device(ctx, "sideways");
	assert_int_equal(iios_device_buffer_count(dev), 0);
	assert_true(warned(ctx, "iio:device4/buffer0/direction", "malformed \"sideways\""));

	dev = iios_context_device(ctx, 5);
	assert_null(iios_device_name(dev));
	assert_true(warned(ctx, "iio:device5/name", "Is a directory"));

	assert_null(iios_context_find_device(ctx, "missing-dev"));
	assert_int_equal(errno, ENODEV);
	assert_non_null(strstr(iios_context_last_error(ctx), "\"missing-dev\""));
}

static void test_context_errors(void **state)
{
	struct fixture *f = *state;
	char err[512], path[4096];
	struct iios_context *ctx;

	snprintf(path, sizeof(path), "%s/does-not-exist", f->root);
	errno = 0;
	ctx = iios_context_new(path, NULL, err, sizeof(err));
	assert_null(ctx);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file or directory"));
	/* a file as root */
	fs_write(f->root, "file", "x");
	snprintf(path, sizeof(path), "%s/file", f->root);
	assert_null(iios_context_new(path, NULL, NULL, 0));
	assert_int_equal(errno, ENOTDIR);
	/* an empty tree is fine; defaults for dev root */
	ctx = iios_context_new(f->sys, NULL, err, sizeof(err));
	assert_non_null(ctx);
	assert_int_equal(iios_context_device_count(ctx), 0);
	assert_string_equal(iios_context_dev_root(ctx), "/dev");
	assert_string_equal(iios_context_sysfs_root(ctx), f->sys);
	assert_string_equal(iios_context_last_error(ctx), "");
	iios_context_free(ctx);
	iios_context_free(NULL);
}

static void test_unopenable_device_dir(void **state)
{
	struct fixture *f = *state;
	struct iios_context *ctx;

	make_adc(f->sys);
	/* a dangling symlink where a device directory should be (as in /sys/bus/iio/devices) */
	fs_symlink(f->sys, "../../devices/gone/iio:device1", "iio:device1");
	ctx = scan(f);
	assert_int_equal(iios_context_device_count(ctx), 1);
	assert_true(warned(ctx, "iio:device1", "device ignored"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attr_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffers_gaps_legacy_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unopenable_device_dir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
