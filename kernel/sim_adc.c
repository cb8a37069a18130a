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
 *
 * Loopback ("loopback" attribute, 1): the samples come from what the paired
 * sim-dac played instead: channel i holds DAC channel i % 2 of the same
 * scan. The DAC then clocks the ADC: it captures one scan per scan played,
 * when it is played, whatever its own sampling_frequency. Scans played while
 * the line's FIFO (SIM_LINE_SCANS) is full are lost and count as overruns.
 */

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/fixp-arith.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "iio_sim.h"

#define SIM_ADC_CHANNELS	4
#define SIM_ADC_DEF_RATE	10000

enum sim_waveform {
	SIM_WAVE_COUNTER,
	SIM_WAVE_SINE,
};

static const char * const sim_waveform_names[] = {
	[SIM_WAVE_COUNTER] = "counter",
	[SIM_WAVE_SINE] = "sine",
};

struct sim_adc {
	struct sim_dev dev;	/* first: see sim_dev.c */
	struct sim_line *line;
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

/**
 * sim_line_play() - a DAC played scans: put them on the loopback line
 * @line:	the line
 * @data:	the scans, @nchan samples each; NULL for scans of zeros
 * @nscans:	number of scans
 * @nchan:	enabled DAC channels
 * @chan:	their channel numbers, in scan order
 *
 * Called by the DAC's engine thread. Does nothing while loopback is off.
 */
void sim_line_play(struct sim_line *line, const __le16 *data,
		   unsigned int nscans, unsigned int nchan, const u8 *chan)
{
	unsigned int i, c, n;
	u32 scan;

	spin_lock(&line->lock);
	if (!line->on) {
		spin_unlock(&line->lock);
		return;
	}
	n = min_t(u64, nscans, SIM_LINE_SCANS - (line->head - line->tail));
	for (i = 0; i < n; i++) {
		scan = 0;
		for (c = 0; data && c < nchan; c++)
			scan |= (u32)get_unaligned_le16(&data[i * nchan + c]) <<
				(16 * chan[c]);
		line->fifo[(line->head + i) % SIM_LINE_SCANS] = scan;
	}
	line->head += n;
	spin_unlock(&line->lock);

	if (n < nscans)
		atomic64_add(nscans - n, &line->adc->overruns);
	sim_engine_kick(line->adc);
}

/* Take @nscans scans off the line into @data. They are there (avail). */
static void sim_adc_xfer_line(struct sim_adc *adc, u8 *p,
			      unsigned int nscans)
{
	struct sim_line *line = adc->line;
	unsigned int i, c;
	u32 scan;

	spin_lock(&line->lock);
	for (i = 0; i < nscans && line->tail != line->head; i++) {
		scan = line->fifo[line->tail++ % SIM_LINE_SCANS];
		for (c = 0; c < adc->nchan; c++) {
			put_unaligned_le16(scan >> (16 * (adc->chan[c] % 2)), p);
			p += 2;
		}
	}
	spin_unlock(&line->lock);
	/* loopback switched off meanwhile: silence */
	memset(p, 0, (size_t)(nscans - i) * adc->nchan * 2);
}

static u64 sim_adc_avail(void *priv)
{
	struct sim_adc *adc = priv;
	struct sim_line *line = adc->line;
	u64 n = U64_MAX;

	spin_lock(&line->lock);
	if (line->on)
		n = line->head - line->tail;
	spin_unlock(&line->lock);
	return n;
}

/*
 * @data may be unaligned: a DMABUF block may start inside a scan (the engine
 * splits scans across blocks whose size is not a multiple of the scan size).
 */
static void sim_adc_xfer(void *priv, void *data, u64 seq, unsigned int nscans)
{
	struct sim_adc *adc = priv;
	enum sim_waveform wave = READ_ONCE(adc->waveform);
	unsigned int i, c;
	u8 *p = data;

	if (READ_ONCE(adc->line->on)) {
		sim_adc_xfer_line(adc, data, nscans);
		return;
	}

	if (wave == SIM_WAVE_COUNTER && adc->nchan == SIM_ADC_CHANNELS) {
		for (i = 0; i < nscans; i++)
			put_unaligned_le64(seq + i, p + 8 * i);
		return;
	}

	for (i = 0; i < nscans; i++) {
		for (c = 0; c < adc->nchan; c++) {
			put_unaligned_le16(sim_adc_sample(wave, adc->chan[c],
							  seq + i), p);
			p += 2;
		}
	}
}

static int sim_adc_start(void *priv, const unsigned long *scan_mask)
{
	struct sim_adc *adc = priv;
	unsigned int bit;

	adc->nchan = 0;
	for_each_set_bit(bit, scan_mask, SIM_ADC_CHANNELS)
		adc->chan[adc->nchan++] = bit;

	/* a capture starts with what is played from now on */
	spin_lock(&adc->line->lock);
	adc->line->tail = adc->line->head;
	spin_unlock(&adc->line->lock);
	return adc->nchan ? 0 : -EINVAL;
}

static const struct sim_engine_ops sim_adc_engine_ops = {
	.start = sim_adc_start,
	.xfer = sim_adc_xfer,
	.avail = sim_adc_avail,
};

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

static ssize_t loopback_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct sim_adc *adc = iio_priv(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%d\n", READ_ONCE(adc->line->on));
}

static ssize_t loopback_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct sim_adc *adc = iio_priv(dev_to_iio_dev(dev));
	struct sim_line *line = adc->line;
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	spin_lock(&line->lock);
	if (on != line->on)
		line->tail = line->head;
	WRITE_ONCE(line->on, on);
	spin_unlock(&line->lock);
	/* the engine switches between its own clock and the DAC's */
	sim_engine_set_rate(adc->dev.eng, sim_engine_get_rate(adc->dev.eng));
	return len;
}

static IIO_DEVICE_ATTR_RW(loopback, 0);

static struct attribute *sim_adc_attrs[] = {
	&iio_dev_attr_waveform.dev_attr.attr,
	&iio_const_attr_waveform_available.dev_attr.attr,
	&iio_dev_attr_loopback.dev_attr.attr,
	&iio_dev_attr_buffer_impl.dev_attr.attr,
	NULL
};

static const struct attribute_group sim_adc_attr_group = {
	.attrs = sim_adc_attrs,
};

static const struct iio_info sim_adc_info = {
	.read_raw = sim_dev_read_raw,
	.write_raw = sim_dev_write_raw,
	.write_raw_get_fmt = sim_dev_write_raw_get_fmt,
	.attrs = &sim_adc_attr_group,
};

static const struct iio_chan_spec sim_adc_channels[SIM_ADC_CHANNELS] = {
	SIM_CHAN(0, 0, 0),
	SIM_CHAN(1, 1, 0),
	SIM_CHAN(2, 2, 0),
	SIM_CHAN(3, 3, 0),
};

/**
 * sim_adc_create() - create and register a sim-adc device
 * @parent:	parent device; DMABUFs are attached to it, so it must have
 *		a DMA mask
 * @dmabuf:	offer the DMABUF interface on buffer0
 * @name:	IIO device name
 * @line:	the loopback line from its sim-dac; its @adc is set here
 * @backend:	buffer implementation; NULL for iio-sim's own
 *
 * Return: the device, or an ERR_PTR() on failure.
 */
struct sim_adc *sim_adc_create(struct device *parent, bool dmabuf,
			       const char *name, struct sim_line *line,
			       const struct sim_backend *backend)
{
	struct iio_dev *indio_dev;
	struct sim_adc *adc;
	int ret;

	indio_dev = iio_device_alloc(parent, sizeof(*adc));
	if (!indio_dev)
		return ERR_PTR(-ENOMEM);

	adc = iio_priv(indio_dev);
	adc->dev.indio_dev = indio_dev;
	adc->dev.backend = backend;
	adc->waveform = SIM_WAVE_COUNTER;
	adc->line = line;

	indio_dev->name = name;
	indio_dev->info = &sim_adc_info;
	indio_dev->channels = sim_adc_channels;
	indio_dev->num_channels = ARRAY_SIZE(sim_adc_channels);

	ret = sim_dev_register(&adc->dev, parent, IIO_BUFFER_DIRECTION_IN, dmabuf,
			       &sim_adc_engine_ops, SIM_ADC_DEF_RATE);
	if (ret) {
		iio_device_free(indio_dev);
		return ERR_PTR(ret);
	}
	line->adc = adc->dev.eng;
	return adc;
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
	sim_dev_destroy(&adc->dev);
}
