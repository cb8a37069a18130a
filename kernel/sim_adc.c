// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim ADC: the "sim-adc" IIO device. Four 16-bit input channels
 * (in_voltage0..3, le:s16/16>>0) captured into one buffer (buffer0) that is
 * served by the software DMA engine.
 *
 * Waveforms, for the scan with sequence number seq (counted from 0 at each
 * enable, also across dropped scans):
 * - counter: channel i holds bits [16i, 16i + 16) of seq, so with all four
 *   channels enabled each 8-byte scan is seq as a little-endian u64;
 * - sine: channel i holds 32767 * sin(2 pi (seq + 90 i) / 360), a period of
 *   360 scans with channels a quarter period apart.
 */

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/fixp-arith.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "iio_sim.h"

#define SIM_ADC_NAME		"sim-adc"
#define SIM_ADC_CHANNELS	4
#define SIM_ADC_DEF_RATE	10000
#define SIM_ADC_MAX_RATE	100000000

enum sim_waveform {
	SIM_WAVE_COUNTER,
	SIM_WAVE_SINE,
};

static const char * const sim_waveform_names[] = {
	[SIM_WAVE_COUNTER] = "counter",
	[SIM_WAVE_SINE] = "sine",
};

struct sim_adc {
	struct iio_dev *indio_dev;
	struct sim_buffer *sb;
	enum sim_waveform waveform;
	/* enabled channels in scan order, fixed while the buffer is enabled */
	unsigned int nchan;
	u8 chan[SIM_ADC_CHANNELS];
};

static s16 sim_adc_sample(enum sim_waveform wave, unsigned int chan, u64 seq)
{
	if (wave == SIM_WAVE_SINE)
		return fixp_sin32((int)(seq % 360) + 90 * chan) >> 16;
	return (s16)(u16)(seq >> (16 * chan));
}

static void sim_adc_xfer(void *priv, void *data, u64 seq, unsigned int nscans)
{
	struct sim_adc *adc = priv;
	enum sim_waveform wave = READ_ONCE(adc->waveform);
	unsigned int i, c;
	__le16 *p16 = data;
	__le64 *p64 = data;

	if (wave == SIM_WAVE_COUNTER && adc->nchan == SIM_ADC_CHANNELS) {
		for (i = 0; i < nscans; i++)
			p64[i] = cpu_to_le64(seq + i);
		return;
	}

	for (i = 0; i < nscans; i++)
		for (c = 0; c < adc->nchan; c++)
			*p16++ = cpu_to_le16(sim_adc_sample(wave, adc->chan[c],
							    seq + i));
}

static int sim_adc_start(void *priv, const unsigned long *scan_mask)
{
	struct sim_adc *adc = priv;
	unsigned int bit;

	adc->nchan = 0;
	for_each_set_bit(bit, scan_mask, SIM_ADC_CHANNELS)
		adc->chan[adc->nchan++] = bit;
	return adc->nchan ? 0 : -EINVAL;
}

static const struct sim_engine_ops sim_adc_engine_ops = {
	.start = sim_adc_start,
	.xfer = sim_adc_xfer,
};

static int sim_adc_read_raw(struct iio_dev *indio_dev,
			    struct iio_chan_spec const *chan,
			    int *val, int *val2, long mask)
{
	struct sim_adc *adc = iio_priv(indio_dev);

	switch (mask) {
	case IIO_CHAN_INFO_SAMP_FREQ:
		*val = sim_engine_get_rate(&adc->sb->engine);
		return IIO_VAL_INT;
	default:
		return -EINVAL;
	}
}

static int sim_adc_write_raw(struct iio_dev *indio_dev,
			     struct iio_chan_spec const *chan,
			     int val, int val2, long mask)
{
	struct sim_adc *adc = iio_priv(indio_dev);

	switch (mask) {
	case IIO_CHAN_INFO_SAMP_FREQ:
		if (val < 0 || val > SIM_ADC_MAX_RATE || val2)
			return -EINVAL;
		sim_engine_set_rate(&adc->sb->engine, val);
		return 0;
	default:
		return -EINVAL;
	}
}

static int sim_adc_write_raw_get_fmt(struct iio_dev *indio_dev,
				     struct iio_chan_spec const *chan,
				     long mask)
{
	return IIO_VAL_INT;
}

static ssize_t waveform_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct sim_adc *adc = iio_priv(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%s\n",
			  sim_waveform_names[READ_ONCE(adc->waveform)]);
}

static ssize_t waveform_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct sim_adc *adc = iio_priv(dev_to_iio_dev(dev));
	int ret;

	ret = sysfs_match_string(sim_waveform_names, buf);
	if (ret < 0)
		return ret;
	WRITE_ONCE(adc->waveform, ret);
	return len;
}

static IIO_DEVICE_ATTR_RW(waveform, 0);
static IIO_CONST_ATTR(waveform_available, "counter sine");

static struct attribute *sim_adc_attrs[] = {
	&iio_dev_attr_waveform.dev_attr.attr,
	&iio_const_attr_waveform_available.dev_attr.attr,
	NULL
};

static const struct attribute_group sim_adc_attr_group = {
	.attrs = sim_adc_attrs,
};

static const struct iio_info sim_adc_info = {
	.read_raw = sim_adc_read_raw,
	.write_raw = sim_adc_write_raw,
	.write_raw_get_fmt = sim_adc_write_raw_get_fmt,
	.attrs = &sim_adc_attr_group,
};

#define SIM_ADC_CHAN(_chan, _index) {						\
	.type = IIO_VOLTAGE,						\
	.indexed = 1,							\
	.channel = (_chan),							\
	.info_mask_shared_by_all = BIT(IIO_CHAN_INFO_SAMP_FREQ),	\
	.scan_index = (_index),						\
	.scan_type = {							\
		.sign = 's',						\
		.realbits = 16,						\
		.storagebits = 16,					\
		.shift = 0,						\
		.endianness = IIO_LE,					\
	},								\
}

static const struct iio_chan_spec sim_adc_channels[SIM_ADC_CHANNELS] = {
	SIM_ADC_CHAN(0, 0),
	SIM_ADC_CHAN(1, 1),
	SIM_ADC_CHAN(2, 2),
	SIM_ADC_CHAN(3, 3),
};

/**
 * sim_adc_create() - create and register a sim-adc device
 * @parent:	parent device; DMABUFs are attached to it, so it must have
 *		a DMA mask
 * @dmabuf:	offer the DMABUF interface on buffer0
 *
 * Return: the device, or an ERR_PTR() on failure.
 */
struct sim_adc *sim_adc_create(struct device *parent, bool dmabuf)
{
	struct iio_dev *indio_dev;
	struct sim_adc *adc;
	int ret;

	indio_dev = iio_device_alloc(parent, sizeof(*adc));
	if (!indio_dev)
		return ERR_PTR(-ENOMEM);

	adc = iio_priv(indio_dev);
	adc->indio_dev = indio_dev;
	adc->waveform = SIM_WAVE_COUNTER;

	indio_dev->name = SIM_ADC_NAME;
	indio_dev->info = &sim_adc_info;
	indio_dev->channels = sim_adc_channels;
	indio_dev->num_channels = ARRAY_SIZE(sim_adc_channels);
	indio_dev->modes = INDIO_BUFFER_HARDWARE;

	adc->sb = sim_buffer_alloc(parent, IIO_BUFFER_DIRECTION_IN, dmabuf,
				   &sim_adc_engine_ops, adc);
	if (IS_ERR(adc->sb)) {
		ret = PTR_ERR(adc->sb);
		goto err_free_dev;
	}
	sim_engine_set_rate(&adc->sb->engine, SIM_ADC_DEF_RATE);

	ret = iio_device_attach_buffer(indio_dev, &adc->sb->buffer);
	if (ret)
		goto err_put_buffer;

	ret = iio_device_register(indio_dev);
	if (ret)
		goto err_put_buffer;

	return adc;

err_put_buffer:
	iio_buffer_put(&adc->sb->buffer);
err_free_dev:
	iio_device_free(indio_dev);
	return ERR_PTR(ret);
}

/**
 * sim_adc_destroy() - unregister and drop a sim-adc device
 * @adc:	the device
 *
 * Cancels every queued transfer. Open file descriptors keep the IIO device
 * and its buffer until they are closed.
 */
void sim_adc_destroy(struct sim_adc *adc)
{
	struct iio_dev *indio_dev = adc->indio_dev;
	struct sim_buffer *sb = adc->sb;

	sim_buffer_kill(sb);
	iio_device_unregister(indio_dev);
	iio_buffer_put(&sb->buffer);
	iio_device_free(indio_dev);
}
