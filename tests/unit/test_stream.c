/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Streams on the host: the device node is a FIFO in a fake /dev, so
 * IIO_BUFFER_GET_FD_IOCTL fails with ENOTTY and the stream uses the legacy
 * node with the fileio backend (as on kernels without buffer fds). This runs
 * the real open sequence (sysfs writes), the block queue, timeouts, cancel,
 * demux/conversion of blocks, statistics and the fallback reasons.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakesys.h"
#include "iiostream.h"

struct fixture {
	char *root;
	char sys[4096], dev[4096];
	struct iios_context *ctx;
	struct iios_stream *s;
	int wfd; /* test side of the FIFO */
};

static void make_tree(const char *root)
{
	const char *b = "sys/iio:device0/buffer0";

	fs_write(root, "sys/iio:device0/name", "sim-adc\n");
	fs_write(root, "sys/iio:device0/in_voltage_scale", "0.5\n");
	fs_write(root, "sys/iio:device0/in_voltage0_offset", "2.5\n");
	fs_write(root, "sys/iio:device0/buffer0/direction", "in\n");
	fs_write(root, "sys/iio:device0/buffer0/length", "1\n");
	fs_write(root, "sys/iio:device0/buffer0/watermark", "1\n");
	fs_write(root, "sys/iio:device0/buffer0/enable", "1\n"); /* left on by someone */
	fs_write(root, "sys/iio:device0/buffer0/overruns", "7\n");
	fs_scan_element(root, b, "in_voltage0", "le:s16/16>>0", 0);
	fs_scan_element(root, b, "in_voltage1", "le:s16/16>>0", 1);
	fs_scan_element(root, b, "in_voltage2", "be:u12/16>>4", 2);
	fs_write(root, "sys/iio:device0/buffer0/in_voltage1_en", "1\n"); /* must be cleared */
	fs_scan_element(root, b, "in_voltage3", "le:s16/12>>0", 3); /* malformed: cleared too */
	fs_write(root, "sys/iio:device0/buffer0/in_voltage3_en", "1\n");
	fs_mkfifo(root, "dev/iio:device0");

	fs_write(root, "sys/iio:device1/name", "sim-dac\n");
	fs_write(root, "sys/iio:device1/buffer0/direction", "out\n");
	fs_write(root, "sys/iio:device1/buffer0/enable", "0\n");
	fs_write(root, "sys/iio:device1/buffer0/underruns", "3\n");
	fs_scan_element(root, "sys/iio:device1/buffer0", "out_voltage0", "le:s16/16>>0", 0);
	fs_mkfifo(root, "dev/iio:device1");

	/* device3: a u8 and a be:s16 sample repeated 3 times (kernel ALIGN quirk) */
	fs_write(root, "sys/iio:device3/name", "rep\n");
	fs_write(root, "sys/iio:device3/in_rot_scale", "2\n");
	fs_write(root, "sys/iio:device3/buffer0/enable", "0\n");
	fs_scan_element(root, "sys/iio:device3/buffer0", "in_voltage0", "le:u8/8>>0", 0);
	fs_scan_element(root, "sys/iio:device3/buffer0", "in_rot0", "be:s16/16X3>>0", 1);
	fs_mkfifo(root, "dev/iio:device3");

	/* device2: buffer0 and buffer1, no device node at all */
	fs_write(root, "sys/iio:device2/name", "nodev\n");
	fs_write(root, "sys/iio:device2/buffer1/direction", "in\n");
	fs_write(root, "sys/iio:device2/buffer1/enable", "0\n");
	fs_scan_element(root, "sys/iio:device2/buffer1", "in_voltage0", "le:s16/16>>0", 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	f->root = fs_mkroot();
	f->wfd = -1;
	make_tree(f->root);
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->dev, sizeof(f->dev), "%s/dev", f->root);
	f->ctx = iios_context_new(f->sys, f->dev, err, sizeof(err));
	if (!f->ctx)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	iios_stream_close(f->s);
	if (f->wfd >= 0)
		close(f->wfd);
	iios_context_free(f->ctx);
	fs_rmroot(f->root);
	free(f);
	return 0;
}

static struct iios_buffer *adc_buffer(struct fixture *f)
{
	return iios_device_buffer(iios_context_find_device(f->ctx, "sim-adc"), 0);
}

/* Open the ADC with voltage2 and voltage0 (given out of order), 4 scans x 2 blocks. */
static struct iios_stream *open_adc(struct fixture *f, enum iios_backend be)
{
	struct iios_buffer *buf = adc_buffer(f);
	struct iios_channel *chans[2] = {
		iios_buffer_find_channel(buf, "voltage2"),
		iios_buffer_find_channel(buf, "voltage0"),
	};
	struct iios_stream_params p = { .block_scans = 4, .nb_blocks = 2, .backend = be };

	f->s = iios_stream_open(buf, chans, 2, &p);
	if (f->s && f->wfd < 0) {
		char path[8192];

		snprintf(path, sizeof(path), "%s/iio:device0", f->dev);
		f->wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		assert_true(f->wfd >= 0);
	}
	return f->s;
}

/* Scan i: voltage0 = -100 + i (le s16), voltage2 = 3*i (be u12 << 4, junk nibble). */
static void write_scans(struct fixture *f, unsigned int first, unsigned int n)
{
	uint8_t buf[256];

	assert_true(n * 4 <= sizeof(buf));
	for (unsigned int i = 0; i < n; i++) {
		int16_t v0 = (int16_t)(-100 + (int)(first + i));
		uint16_t v2 = (uint16_t)((((first + i) * 3) & 0xfff) << 4 | 0xf);
		uint8_t *p = buf + 4 * i;

		p[0] = (uint8_t)(v0 & 0xff);
		p[1] = (uint8_t)((uint16_t)v0 >> 8);
		p[2] = (uint8_t)(v2 >> 8);
		p[3] = (uint8_t)(v2 & 0xff);
	}
	assert_int_equal(write(f->wfd, buf, n * 4), (ssize_t)(n * 4));
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_open_sequence_and_fallback(void **state)
{
	struct fixture *f = *state;
	struct iios_stream *s = open_adc(f, IIOS_BACKEND_AUTO);
	const char *why;

	if (!s)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	assert_int_equal(iios_stream_backend(s), IIOS_BACKEND_FILEIO);
	assert_string_equal(iios_backend_name(iios_stream_backend(s)), "fileio");
	assert_null(iios_stream_allocator(s));
	why = iios_stream_fallback_reason(s);
	assert_non_null(why);
	assert_non_null(strstr(why, "sim-adc (iio:device0)"));
	assert_non_null(strstr(why, "IIO_BUFFER_GET_FD_IOCTL"));
	/* scan elements: chosen ones on, every other one (even malformed) off */
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/in_voltage0_en"), "1");
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/in_voltage1_en"), "0");
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/in_voltage2_en"), "1");
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/in_voltage3_en"), "0");
	/* fileio geometry: length = scans x blocks, watermark = one block; enabled */
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/length"), "8");
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/watermark"), "4");
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/enable"), "1");
	/* layout: voltage0 at 0, voltage2 at 2, 4-byte scans */
	assert_false(iios_stream_is_output(s));
	assert_int_equal(iios_stream_scan_bytes(s), 4);
	assert_int_equal(iios_stream_block_bytes(s), 16);
	assert_int_equal(iios_stream_block_count(s), 2);
	assert_int_equal(iios_stream_channel_offset(s, iios_buffer_find_channel(adc_buffer(f), "voltage0")), 0);
	assert_int_equal(iios_stream_channel_offset(s, iios_buffer_find_channel(adc_buffer(f), "voltage2")), 2);
	assert_int_equal(iios_stream_channel_offset(s, iios_buffer_find_channel(adc_buffer(f), "voltage1")), -EINVAL);
	iios_stream_close(s);
	f->s = NULL;
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/enable"), "0");
}

static void test_capture_and_convert(void **state)
{
	struct fixture *f = *state;
	struct iios_buffer *buf;
	struct iios_channel *v0, *v2;
	struct iios_stream_stats st;
	struct iios_block *blk, *blk2;
	int16_t raw[8];
	double d[8];

	assert_non_null(open_adc(f, IIOS_BACKEND_FILEIO));
	assert_null(iios_stream_fallback_reason(f->s)); /* forced: no fallback */
	buf = adc_buffer(f);
	v0 = iios_buffer_find_channel(buf, "voltage0");
	v2 = iios_buffer_find_channel(buf, "voltage2");
	write_scans(f, 0, 8);
	for (unsigned int b = 0; b < 2; b++) {
		assert_int_equal(iios_stream_get_block(f->s, 1000, &blk), 0);
		/* block 1 is the refill of the first released block: sequence 2 */
		assert_int_equal(iios_block_sequence(blk), b == 0 ? 0 : 2);
		assert_int_equal(iios_block_status(blk), 0);
		assert_int_equal(iios_block_size(blk), 16);
		assert_int_equal(iios_block_bytes_used(blk), 16);
		assert_int_equal(iios_block_dmabuf_fd(blk), -EOPNOTSUPP);
		assert_int_equal(iios_block_demux(blk, v0, raw, sizeof(raw)), 4);
		for (int i = 0; i < 4; i++)
			assert_int_equal(raw[i], -100 + 4 * (int)b + i);
		/* (raw + offset) * scale: voltage0 has offset 2.5 and shared scale 0.5 */
		assert_int_equal(iios_block_read_doubles(blk, v0, d, 8), 4);
		for (int i = 0; i < 4; i++)
			assert_true(d[i] == (-100.0 + 4 * b + i + 2.5) * 0.5);
		assert_int_equal(iios_block_read_doubles(blk, v2, d, 3), 3); /* max honoured */
		for (int i = 0; i < 3; i++)
			assert_true(d[i] == 3.0 * (4 * b + i) * 0.5);
		assert_int_equal(iios_block_demux(blk, iios_buffer_find_channel(buf, "voltage1"),
						  raw, sizeof(raw)), -EINVAL);
		if (b == 0) {
			/* holding one block, the other can still be read */
			assert_int_equal(iios_stream_get_block(f->s, 1000, &blk2), 0);
			assert_int_equal(iios_block_sequence(blk2), 1);
			assert_int_equal(iios_block_demux(blk2, v0, raw, sizeof(raw)), 4);
			assert_int_equal(raw[0], -96);
			/* both lent: nothing left */
			assert_int_equal(iios_stream_get_block(f->s, 0, &blk2), -ENOBUFS);
			assert_non_null(strstr(iios_stream_last_error(f->s), "holds every block"));
			assert_int_equal(iios_stream_release_block(f->s, blk), 0);
			/* double release is refused */
			assert_int_equal(iios_stream_release_block(f->s, blk), -EINVAL);
			assert_non_null(strstr(iios_stream_last_error(f->s), "not lent"));
			assert_int_equal(iios_stream_release_block(f->s, blk2), 0);
			write_scans(f, 4, 4);
			/* the released block is refilled with scans 4..7 */
			continue;
		}
		assert_int_equal(iios_stream_release_block(f->s, blk), 0);
	}
	/* nothing more to read */
	assert_int_equal(iios_stream_get_block(f->s, 0, &blk), -EAGAIN);
	assert_int_equal(iios_stream_get_block(f->s, 1000, &blk), -ETIMEDOUT);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 3);
	assert_int_equal(st.bytes, 48);
	assert_int_equal(st.block_errors, 0);
	assert_int_equal(st.overruns, 7);
	assert_int_equal(st.underruns, -1);
}

static void test_timeout_keeps_partial_data(void **state)
{
	struct fixture *f = *state;
	struct iios_channel *v0;
	struct iios_block *blk;
	struct timespec t0;
	int16_t raw[4];
	double ms;

	assert_non_null(open_adc(f, IIOS_BACKEND_AUTO));
	v0 = iios_buffer_find_channel(adc_buffer(f), "voltage0");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &blk), -EAGAIN);
	assert_int_equal(iios_stream_get_block(f->s, 60, &blk), -ETIMEDOUT);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 55 && ms < 1000);
	assert_non_null(strstr(iios_stream_last_error(f->s), "waiting for data"));
	assert_non_null(strstr(iios_stream_last_error(f->s), "timed out"));
	/* half a block, timeout, then the rest: nothing is lost */
	write_scans(f, 0, 2);
	assert_int_equal(iios_stream_get_block(f->s, 20, &blk), -ETIMEDOUT);
	write_scans(f, 2, 2);
	assert_int_equal(iios_stream_get_block(f->s, 1000, &blk), 0);
	assert_int_equal(iios_block_demux(blk, v0, raw, sizeof(raw)), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(raw[i], -100 + i);
}

struct canceller {
	struct iios_stream *s;
	int delay_ms;
};

static void *cancel_thread(void *arg)
{
	struct canceller *c = arg;
	struct timespec ts = { 0, c->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	iios_stream_cancel(c->s);
	return NULL;
}

static void test_cancel_from_other_thread(void **state)
{
	struct fixture *f = *state;
	struct canceller c;
	struct iios_block *blk;
	struct timespec t0;
	pthread_t th;
	double ms;

	assert_non_null(open_adc(f, IIOS_BACKEND_AUTO));
	c.s = f->s;
	c.delay_ms = 50;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pthread_create(&th, NULL, cancel_thread, &c), 0);
	assert_int_equal(iios_stream_get_block(f->s, -1, &blk), -ECANCELED);
	ms = elapsed_ms(&t0);
	pthread_join(th, NULL);
	assert_true(ms >= 45 && ms < 1000);
	/* sticky until cleared, even with data ready */
	write_scans(f, 0, 4);
	assert_int_equal(iios_stream_get_block(f->s, -1, &blk), -ECANCELED);
	iios_stream_clear_cancel(f->s);
	assert_int_equal(iios_stream_get_block(f->s, 1000, &blk), 0);
	iios_stream_clear_cancel(f->s); /* clearing when not cancelled is harmless */
	assert_int_equal(iios_stream_release_block(f->s, blk), 0);
	assert_int_equal(iios_stream_get_block(f->s, 10, &blk), -ETIMEDOUT);
}

static void test_forced_dmabuf_and_errors(void **state)
{
	struct fixture *f = *state;
	struct iios_buffer *buf = adc_buffer(f);
	struct iios_channel *v0 = iios_buffer_find_channel(buf, "voltage0");
	struct iios_stream_params p = { .block_scans = 4, .backend = IIOS_BACKEND_DMABUF };
	struct iios_device *nodev = iios_context_find_device(f->ctx, "nodev");
	struct iios_channel *other;

	errno = 0;
	assert_null(iios_stream_open(buf, &v0, 1, &p));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "IIO_BUFFER_GET_FD_IOCTL"));
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/enable"), "0");

	/* bad parameters */
	p.backend = IIOS_BACKEND_AUTO;
	p.block_scans = 0;
	assert_null(iios_stream_open(buf, &v0, 1, &p));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "invalid stream parameters"));
	p.block_scans = 4;
	assert_null(iios_stream_open(buf, &v0, 0, &p));
	assert_int_equal(errno, EINVAL);
	p.flags = 1u << 3; /* the first unknown flag */
	assert_null(iios_stream_open(buf, &v0, 1, &p));
	assert_int_equal(errno, EINVAL);
	p.flags = 0;
	{
		struct iios_channel *twice[2] = { v0, v0 };

		assert_null(iios_stream_open(buf, twice, 2, &p));
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(iios_context_last_error(f->ctx), "given twice"));
	}
	/* a channel of another buffer */
	other = iios_buffer_channel(iios_device_buffer(nodev, 0), 0);
	assert_null(iios_stream_open(buf, &other, 1, &p));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "not in this buffer"));
	/* no device node: ENOENT naming the path */
	assert_null(iios_stream_open(iios_device_buffer(nodev, 0), &other, 1, &p));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(iios_context_last_error(f->ctx), "nodev (iio:device2): opening"));
	assert_non_null(strstr(iios_context_last_error(f->ctx), "/dev/iio:device2"));
	assert_null(iios_stream_open(NULL, &v0, 1, &p));
	assert_int_equal(errno, EINVAL);
}

/* An open that cannot get the buffer fd (busy elsewhere, no node) leaves the
 * buffer's enable and scan elements as they were: another process may be
 * streaming from it. */
static void test_failed_open_leaves_buffer_alone(void **state)
{
	struct fixture *f = *state;
	struct iios_buffer *buf = iios_device_buffer(iios_context_find_device(f->ctx, "nodev"), 0);
	struct iios_channel *ch = iios_buffer_channel(buf, 0);
	struct iios_stream_params p = { .block_scans = 4 };

	fs_write(f->root, "sys/iio:device2/buffer1/enable", "1\n");
	fs_write(f->root, "sys/iio:device2/buffer1/in_voltage0_en", "1\n");
	assert_null(iios_stream_open(buf, &ch, 1, &p));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(fs_read(f->root, "sys/iio:device2/buffer1/enable"), "1\n");
	assert_string_equal(fs_read(f->root, "sys/iio:device2/buffer1/in_voltage0_en"), "1\n");
}

/* Open sim-dac's stream; returns the test's reading end of its FIFO node. */
static int open_dac(struct fixture *f, struct iios_buffer *buf, struct iios_channel *ch,
		    const struct iios_stream_params *p)
{
	char path[8192];
	int rfd;

	f->s = iios_stream_open(buf, &ch, 1, p);
	if (!f->s)
		fail_msg("%s", iios_context_last_error(f->ctx));
	snprintf(path, sizeof(path), "%s/iio:device1", f->dev);
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rfd >= 0);
	return rfd;
}

static void test_output_stream(void **state)
{
	struct fixture *f = *state;
	struct iios_buffer *buf = iios_device_buffer(iios_context_find_device(f->ctx, "sim-dac"), 0);
	struct iios_channel *ch = iios_buffer_channel(buf, 0);
	struct iios_stream_params p = { .block_scans = 8, .nb_blocks = 2 };
	struct iios_stream_stats st;
	struct iios_block *a, *b, *c;
	uint8_t got[64];
	int rfd;

	assert_true(iios_buffer_is_output(buf));
	rfd = open_dac(f, buf, ch, &p);
	assert_true(iios_stream_is_output(f->s));
	assert_string_equal(fs_read(f->root, "sys/iio:device1/buffer0/out_voltage0_en"), "1");
	/* output buffers are enabled at the first submit */
	assert_string_equal(fs_read(f->root, "sys/iio:device1/buffer0/enable"), "0");
	assert_int_equal(iios_stream_get_block(f->s, 0, &a), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &c), -ENOBUFS);
	memset(iios_block_data(a), 0x5a, 16);
	assert_int_equal(iios_stream_submit_block(f->s, a, 0, 0), -EINVAL);
	assert_int_equal(iios_stream_submit_block(f->s, a, 17, 0), -EINVAL);
	assert_int_equal(iios_stream_submit_block(f->s, a, 16, IIOS_SUBMIT_CYCLIC), -EOPNOTSUPP);
	assert_non_null(strstr(iios_stream_last_error(f->s), "cyclic"));
	assert_int_equal(iios_stream_release_block(f->s, a), -EINVAL);
	assert_non_null(strstr(iios_stream_last_error(f->s), "output stream"));
	assert_int_equal(iios_stream_submit_block(f->s, a, 10, 0), 0);
	assert_string_equal(fs_read(f->root, "sys/iio:device1/buffer0/enable"), "1");
	assert_int_equal(iios_block_bytes_used(a), 10);
	assert_int_equal(iios_stream_submit_block(f->s, a, 10, 0), -EINVAL); /* not lent any more */
	assert_int_equal(read(rfd, got, sizeof(got)), 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(got[i], 0x5a);
	/* the submitted block is free again */
	assert_int_equal(iios_stream_get_block(f->s, 0, &c), 0);
	assert_ptr_equal(c, a);
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 1);
	assert_int_equal(st.bytes, 10);
	assert_int_equal(st.underruns, 3);
	assert_int_equal(st.overruns, -1);
	close(rfd);

	/* device to device needs a lent input block and dmabuf on both sides */
	{
		struct iios_stream *out = f->s, *in;
		struct iios_block *ib;

		f->s = NULL;
		in = open_adc(f, IIOS_BACKEND_AUTO);
		assert_non_null(in);
		write_scans(f, 0, 4);
		assert_int_equal(iios_stream_get_block(in, 1000, &ib), 0);
		assert_int_equal(iios_block_forward(ib, out, 16), -EOPNOTSUPP);
		assert_non_null(strstr(iios_stream_last_error(out), "dmabuf on both"));
		assert_int_equal(iios_block_forward(ib, out, 0), -EINVAL);
		assert_int_equal(iios_block_forward(ib, out, 17), -EINVAL);
		assert_int_equal(iios_block_forward(c, in, 8), -EINVAL); /* output block */
		assert_int_equal(iios_block_forward(ib, in, 8), -EINVAL); /* into an input */
		assert_int_equal(iios_stream_release_block(in, ib), 0);
		assert_int_equal(iios_block_forward(ib, out, 16), -EINVAL); /* not lent */
		iios_stream_close(out);
	}
}

/* IIOS_STREAM_MANUAL_START with fileio: write()s while disabled, enable at
 * iios_stream_start() only (the device then starts with data). */
static void test_output_manual_start_fileio(void **state)
{
	struct fixture *f = *state;
	struct iios_buffer *buf = iios_device_buffer(iios_context_find_device(f->ctx, "sim-dac"), 0);
	struct iios_channel *ch = iios_buffer_channel(buf, 0);
	struct iios_stream_params p = { .block_scans = 8, .nb_blocks = 2,
					.flags = IIOS_STREAM_MANUAL_START };
	struct iios_block *a, *b;
	uint8_t got[64];
	int rfd = open_dac(f, buf, ch, &p);

	assert_int_equal(iios_stream_get_block(f->s, 0, &a), 0);
	assert_int_equal(iios_stream_get_block(f->s, 0, &b), 0);
	memset(iios_block_data(a), 1, 16);
	memset(iios_block_data(b), 2, 16);
	assert_int_equal(iios_stream_submit_block(f->s, a, 16, 0), 0);
	assert_int_equal(iios_stream_submit_block(f->s, b, 6, 0), 0);
	assert_string_equal(fs_read(f->root, "sys/iio:device1/buffer0/enable"), "0");
	assert_int_equal(read(rfd, got, sizeof(got)), 22);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[21], 2);
	assert_int_equal(iios_stream_start(f->s), 0);
	assert_string_equal(fs_read(f->root, "sys/iio:device1/buffer0/enable"), "1");
	assert_int_equal(iios_stream_start(f->s), 0);
	iios_stream_close(f->s);
	f->s = NULL;
	assert_string_equal(fs_read(f->root, "sys/iio:device1/buffer0/enable"), "0");
	close(rfd);
}

static void test_repeat_layout_and_conversion(void **state)
{
	struct fixture *f = *state;
	struct iios_buffer *buf = iios_device_buffer(iios_context_find_device(f->ctx, "rep"), 0);
	struct iios_channel *ch[2] = { iios_buffer_channel(buf, 1), iios_buffer_channel(buf, 0) };
	struct iios_stream_params p = { .block_scans = 2, .nb_blocks = 1 };
	/* two scans: u8 at 0, padding, 3 x be s16 at 2 (ALIGN(1, 6) = 2), 8 bytes */
	const uint8_t data[16] = { 7, 0xaa, 0x00, 0x01, 0xff, 0xff, 0x80, 0x00,
				   9, 0xaa, 0x7f, 0xff, 0x00, 0x02, 0x00, 0x03 };
	struct iios_block *blk;
	uint8_t rot[12], u8[2];
	double d[6];
	char path[8192];
	int wfd;

	f->s = iios_stream_open(buf, ch, 2, &p);
	if (!f->s)
		fail_msg("%s", iios_context_last_error(f->ctx));
	assert_int_equal(iios_stream_scan_bytes(f->s), 8);
	assert_int_equal(iios_stream_channel_offset(f->s, ch[0]), 2);
	assert_int_equal(iios_stream_channel_offset(f->s, ch[1]), 0);
	snprintf(path, sizeof(path), "%s/iio:device3", f->dev);
	wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, data, sizeof(data)), (ssize_t)sizeof(data));
	close(wfd);
	assert_int_equal(iios_stream_get_block(f->s, 1000, &blk), 0);
	assert_int_equal(iios_block_demux(blk, ch[1], u8, sizeof(u8)), 2);
	assert_int_equal(u8[0], 7);
	assert_int_equal(u8[1], 9);
	assert_int_equal(iios_block_demux(blk, ch[0], rot, sizeof(rot)), 2);
	assert_memory_equal(rot, data + 2, 6);
	assert_memory_equal(rot + 6, data + 10, 6);
	/* repeat 3 gives 3 doubles per scan; shared in_rot_scale = 2 */
	assert_int_equal(iios_block_read_doubles(blk, ch[0], d, 6), 6);
	assert_true(d[0] == 2.0 && d[1] == -2.0 && d[2] == -65536.0);
	assert_true(d[3] == 65534.0 && d[4] == 4.0 && d[5] == 6.0);
	assert_int_equal(iios_block_read_doubles(blk, ch[0], d, 4), 4);
	assert_int_equal(iios_stream_release_block(f->s, blk), 0);
}

/*
 * iios_stream_stop(): the buffer is disabled, what was produced is still
 * handed out (fileio: the last block partial), then -ENODATA. Output
 * streams cannot be stopped.
 */
static void test_stop_drains(void **state)
{
	struct fixture *f = *state;
	struct iios_channel *v0 = iios_buffer_find_channel(adc_buffer(f), "voltage0");
	struct iios_stream_params p = { .block_scans = 4 };
	struct iios_channel *out_ch;
	struct iios_stream_stats st;
	struct iios_stream *out;
	struct iios_block *b;
	int16_t sample;

	if (!open_adc(f, IIOS_BACKEND_FILEIO))
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	write_scans(f, 0, 6); /* one block and a half */
	assert_int_equal(iios_stream_get_block(f->s, 1000, &b), 0);
	assert_int_equal(iios_block_bytes_used(b), 16);
	assert_int_equal(iios_stream_release_block(f->s, b), 0);
	assert_int_equal(iios_stream_stop(f->s), 0);
	assert_string_equal(fs_read(f->root, "sys/iio:device0/buffer0/enable"), "0");
	assert_int_equal(iios_stream_stop(f->s), 0); /* again: no-op */
	assert_int_equal(iios_stream_get_block(f->s, 1000, &b), 0);
	assert_int_equal(iios_block_bytes_used(b), 8); /* scans 4 and 5 */
	assert_int_equal(iios_block_status(b), 0);
	assert_true(iios_block_status_known(b));
	assert_int_equal(iios_block_demux(b, v0, &sample, sizeof(sample)), 1);
	assert_int_equal(sample, -100 + 4);
	assert_int_equal(iios_stream_release_block(f->s, b), 0);
	assert_int_equal(iios_stream_get_block(f->s, 1000, &b), -ENODATA);
	assert_non_null(strstr(iios_stream_last_error(f->s), "stopped"));
	assert_int_equal(iios_stream_get_stats(f->s, &st), 0);
	assert_int_equal(st.blocks, 2);
	assert_int_equal(st.bytes, 24);

	out_ch = iios_buffer_channel(iios_device_buffer(iios_context_find_device(f->ctx, "sim-dac"), 0), 0);
	out = iios_stream_open(iios_channel_buffer(out_ch), &out_ch, 1, &p);
	if (!out)
		fail_msg("open: %s", iios_context_last_error(f->ctx));
	assert_int_equal(iios_stream_stop(out), -EINVAL);
	assert_non_null(strstr(iios_stream_last_error(out), "output"));
	iios_stream_close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_sequence_and_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_and_convert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_keeps_partial_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_from_other_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_dmabuf_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_open_leaves_buffer_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_manual_start_fileio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_layout_and_conversion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
