// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim DAC: the "sim-dac" IIO device. Two 16-bit output channels
 * (out_voltage0..1, le:s16/16>>0) played from one output buffer (buffer0)
 * that is served by the same buffer and engine as sim-adc, in the other
 * direction.
 *
 * The device "plays" a scan by accounting for it: a running checksum and a
 * byte count of everything consumed since the last enable (debugfs), and by
 * putting it on the loopback line to its sim-adc. During an underrun (a scan
 * due with nothing to play) the outputs are 0: zero scans on the line. Checksum: over the played
 * samples s (each as an unsigned 16-bit value, in order),
 *	a += s; b += a;	(both u64, from 0 at enable, wrapping)
 * and the checksum is b: sensitive to order, and k repetitions of a block
 * are visible in it.
 */

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>
#include <linux/kernel.h>
#include <linux/unaligned.h>

#include "iio_sim.h"

#define SIM_DAC_CHANNELS	2
#define SIM_DAC_DEF_RATE	10000

struct sim_dac {
	struct sim_dev dev;	/* first: see sim_dev.c */
	struct sim_line *line;
	/* enabled channels in scan order, fixed while the buffer is enabled */
	unsigned int nchan;
	u8 chan[SIM_DAC_CHANNELS];
	/* consumed since the last enable; written by the engine thread only */
	u64 sum_a;
	u64 sum_b;
	u64 bytes;
};

static void sim_dac_xfer(void *priv, void *data, u64 seq, unsigned int nscans)
{
	struct sim_dac *dac = priv;
	const __le16 *p = data;
	size_t i, n = (size_t)nscans * dac->nchan;
	u64 a = dac->sum_a, b = dac->sum_b;

	for (i = 0; i < n; i++) {
		a += get_unaligned_le16(&p[i]);
		b += a;
	}
	WRITE_ONCE(dac->sum_a, a);
	WRITE_ONCE(dac->sum_b, b);
	WRITE_ONCE(dac->bytes, dac->bytes + n * sizeof(*p));

	sim_line_play(dac->line, p, nscans, dac->nchan, dac->chan);
}

static int sim_dac_start(void *priv, const unsigned long *scan_mask)
{
	struct sim_dac *dac = priv;
	unsigned int bit;

	dac->nchan = 0;
	for_each_set_bit(bit, scan_mask, SIM_DAC_CHANNELS)
		dac->chan[dac->nchan++] = bit;
	WRITE_ONCE(dac->sum_a, 0);
	WRITE_ONCE(dac->sum_b, 0);
	WRITE_ONCE(dac->bytes, 0);
	return dac->nchan ? 0 : -EINVAL;
}

/* An underrun: the outputs are 0 for those scans. */
static void sim_dac_drop(void *priv, u64 nscans)
{
	struct sim_dac *dac = priv;

	sim_line_play(dac->line, NULL, min_t(u64, nscans, SIM_LINE_SCANS),
		      dac->nchan, dac->chan);
}

static const struct sim_engine_ops sim_dac_engine_ops = {
	.start = sim_dac_start,
	.xfer = sim_dac_xfer,
	.drop = sim_dac_drop,
};

static struct attribute *sim_dac_attrs[] = {
	&iio_dev_attr_buffer_impl.dev_attr.attr,
	NULL
};

static const struct attribute_group sim_dac_attr_group = {
	.attrs = sim_dac_attrs,
};

static const struct iio_info sim_dac_info = {
	.attrs = &sim_dac_attr_group,
	.read_raw = sim_dev_read_raw,
	.write_raw = sim_dev_write_raw,
	.write_raw_get_fmt = sim_dev_write_raw_get_fmt,
};

static const struct iio_chan_spec sim_dac_channels[SIM_DAC_CHANNELS] = {
	SIM_CHAN(0, 0, 1),
	SIM_CHAN(1, 1, 1),
};

static int sim_dac_checksum_get(void *data, u64 *val)
{
	struct sim_dac *dac = data;

	*val = READ_ONCE(dac->sum_b);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_dac_checksum_fops, sim_dac_checksum_get, NULL,
			 "%llu\n");

static int sim_dac_bytes_get(void *data, u64 *val)
{
	struct sim_dac *dac = data;

	*val = READ_ONCE(dac->bytes);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_dac_bytes_fops, sim_dac_bytes_get, NULL,
			 "%llu\n");

/**
 * sim_dac_create() - create and register a sim-dac device
 * @parent:	parent device; DMABUFs are attached to it, so it must have
 *		a DMA mask
 * @dmabuf:	offer the DMABUF interface on buffer0
 * @name:	IIO device name
 * @line:	the loopback line to its sim-adc
 * @backend:	buffer implementation; NULL for iio-sim's own
 *
 * Return: the device, or an ERR_PTR() on failure.
 */
struct sim_dac *sim_dac_create(struct device *parent, bool dmabuf,
			       const char *name, struct sim_line *line,
			       const struct sim_backend *backend)
{
	struct iio_dev *indio_dev;
	struct sim_dac *dac;
	int ret;

	indio_dev = iio_device_alloc(parent, sizeof(*dac));
	if (!indio_dev)
		return ERR_PTR(-ENOMEM);

	dac = iio_priv(indio_dev);
	dac->dev.indio_dev = indio_dev;
	dac->dev.backend = backend;
	dac->line = line;

	indio_dev->name = name;
	indio_dev->info = &sim_dac_info;
	indio_dev->channels = sim_dac_channels;
	indio_dev->num_channels = ARRAY_SIZE(sim_dac_channels);

	ret = sim_dev_register(&dac->dev, parent, IIO_BUFFER_DIRECTION_OUT, dmabuf,
			       &sim_dac_engine_ops, SIM_DAC_DEF_RATE);
	if (ret) {
		iio_device_free(indio_dev);
		return ERR_PTR(ret);
	}
	debugfs_create_file_unsafe("checksum", 0400, dac->dev.debugfs, dac,
				   &sim_dac_checksum_fops);
	debugfs_create_file_unsafe("bytes", 0400, dac->dev.debugfs, dac,
				   &sim_dac_bytes_fops);
	return dac;
}

/**
 * sim_dac_destroy() - unregister and drop a sim-dac device
 * @dac:	the device
 *
 * Cancels every queued transfer. Open file descriptors keep the IIO device
 * and its buffer until they are closed.
 */
void sim_dac_destroy(struct sim_dac *dac)
{
	sim_dev_destroy(&dac->dev);
}
