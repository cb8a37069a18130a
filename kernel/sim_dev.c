// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim devices: what sim-adc and sim-dac share. Each has one buffer
 * (buffer0) served by the software DMA engine, a sampling_frequency
 * attribute that is the engine's rate, a buffer_impl attribute that names
 * the buffer implementation, and a debugfs directory iio-sim/iio:deviceN/
 * with the buffer's fault injection files (iio-sim's own buffer only).
 *
 * The buffer is iio-sim's own (struct sim_buffer), or comes from a backend
 * (struct sim_backend): iio-sim-dmaengine.ko puts the devices on mainline's
 * industrialio-buffer-dmaengine, fed by a sim-dma channel.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>

#include "iio_sim.h"

#define SIM_DEV_MAX_RATE	100000000

static struct sim_dev *to_sim_dev(struct iio_dev *indio_dev)
{
	/* struct sim_dev is the first member of every device's private data */
	return iio_priv(indio_dev);
}

/**
 * sim_dev_read_raw() - iio_info.read_raw: sampling_frequency
 * @indio_dev:	the device
 * @chan:	any channel (the attribute is shared by all)
 * @val:	scans per second
 * @val2:	unused
 * @mask:	IIO_CHAN_INFO_SAMP_FREQ
 *
 * Return: IIO_VAL_INT, or -EINVAL for another @mask.
 */
int sim_dev_read_raw(struct iio_dev *indio_dev,
		     struct iio_chan_spec const *chan,
		     int *val, int *val2, long mask)
{
	switch (mask) {
	case IIO_CHAN_INFO_SAMP_FREQ:
		*val = sim_engine_get_rate(to_sim_dev(indio_dev)->eng);
		return IIO_VAL_INT;
	default:
		return -EINVAL;
	}
}

/**
 * sim_dev_write_raw() - iio_info.write_raw: sampling_frequency
 * @indio_dev:	the device
 * @chan:	any channel (the attribute is shared by all)
 * @val:	scans per second, 0..SIM_DEV_MAX_RATE; 0 is unthrottled
 * @val2:	must be 0
 * @mask:	IIO_CHAN_INFO_SAMP_FREQ
 *
 * Return: 0, or -EINVAL.
 */
int sim_dev_write_raw(struct iio_dev *indio_dev,
		      struct iio_chan_spec const *chan,
		      int val, int val2, long mask)
{
	switch (mask) {
	case IIO_CHAN_INFO_SAMP_FREQ:
		if (val < 0 || val > SIM_DEV_MAX_RATE || val2)
			return -EINVAL;
		sim_engine_set_rate(to_sim_dev(indio_dev)->eng, val);
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * sim_dev_write_raw_get_fmt() - iio_info.write_raw_get_fmt: integers
 * @indio_dev:	the device
 * @chan:	any channel
 * @mask:	the attribute
 *
 * Return: IIO_VAL_INT.
 */
int sim_dev_write_raw_get_fmt(struct iio_dev *indio_dev,
			      struct iio_chan_spec const *chan, long mask)
{
	return IIO_VAL_INT;
}

static ssize_t buffer_impl_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct sim_dev *sd = to_sim_dev(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%s\n",
			  sd->backend ? sd->backend->name : "iio-sim");
}

/* in the attribute group of every device */
IIO_DEVICE_ATTR_RO(buffer_impl, 0);

/**
 * sim_dev_overruns_show() - show() of a buffer's overruns (or underruns)
 * @dev:	the IIO device
 * @attr:	the attribute
 * @buf:	the page to fill
 *
 * Return: the length written.
 */
ssize_t sim_dev_overruns_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct sim_dev *sd = to_sim_dev(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%llu\n",
			  (unsigned long long)atomic64_read(&sd->eng->overruns));
}
EXPORT_SYMBOL_GPL(sim_dev_overruns_show);

/* Buffer0 from a backend; nothing is left to undo on failure. */
static int sim_dev_setup_backend(struct sim_dev *sd,
				 enum iio_buffer_direction dir,
				 const struct sim_engine_ops *ops, u32 rate)
{
	struct iio_dev *indio_dev = sd->indio_dev;
	int ret;

	ret = sd->backend->setup(sd, dir, ops);
	if (ret)
		return ret;
	sim_engine_set_rate(sd->eng, rate);
	ret = iio_device_register(indio_dev);
	if (ret)
		sd->backend->teardown(sd);
	return ret;
}

/**
 * sim_dev_register() - give a device its buffer and register it
 * @sd:		the device's common part; @sd->indio_dev is set, with name,
 *		info and channels, and @sd->backend (NULL: iio-sim's buffer)
 * @parent:	device DMABUFs are attached to
 * @dir:	direction of the buffer
 * @dmabuf:	offer the DMABUF interface
 * @ops:	the device side of the engine; its argument is the private data
 * @rate:	initial sampling_frequency
 *
 * Return: 0, or a negative errno (nothing is left to undo then but
 * iio_device_free()).
 */
int sim_dev_register(struct sim_dev *sd, struct device *parent,
		     enum iio_buffer_direction dir, bool dmabuf,
		     const struct sim_engine_ops *ops, u32 rate)
{
	struct iio_dev *indio_dev = sd->indio_dev;
	int ret;

	indio_dev->modes = INDIO_BUFFER_HARDWARE;
	if (sd->backend) {
		ret = sim_dev_setup_backend(sd, dir, ops, rate);
		if (ret)
			return ret;
		sd->debugfs = debugfs_create_dir(dev_name(&indio_dev->dev),
						 sim_debugfs_root());
		if (sd->backend->debugfs_init)
			sd->backend->debugfs_init(sd);
		return 0;
	}

	sd->sb = sim_buffer_alloc(parent, dir, dmabuf, ops, iio_priv(indio_dev));
	if (IS_ERR(sd->sb))
		return PTR_ERR(sd->sb);
	sd->eng = &sd->sb->engine;
	sim_engine_set_rate(sd->eng, rate);

	ret = iio_device_attach_buffer(indio_dev, &sd->sb->buffer);
	if (!ret)
		ret = iio_device_register(indio_dev);
	if (ret) {
		iio_buffer_put(&sd->sb->buffer);
		return ret;
	}

	sd->debugfs = debugfs_create_dir(dev_name(&indio_dev->dev),
					 sim_debugfs_root());
	sim_buffer_debugfs_init(sd->sb, sd->debugfs);
	return 0;
}

/**
 * sim_dev_destroy() - unregister and drop a device
 * @sd:		the device's common part
 *
 * Cancels every queued transfer. Open file descriptors keep the IIO device
 * and its buffer until they are closed.
 */
void sim_dev_destroy(struct sim_dev *sd)
{
	struct iio_dev *indio_dev = sd->indio_dev;
	struct sim_buffer *sb = sd->sb;

	debugfs_remove_recursive(sd->debugfs);
	if (sd->backend) {
		/* unregistration disables the buffer: the engine stops */
		iio_device_unregister(indio_dev);
		sd->backend->teardown(sd);
		iio_device_free(indio_dev);
		return;
	}
	sim_buffer_kill(sb);
	iio_device_unregister(indio_dev);
	iio_buffer_put(&sb->buffer);
	iio_device_free(indio_dev);
}
