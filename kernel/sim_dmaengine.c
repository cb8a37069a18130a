// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim-dmaengine: iio-sim's sim-adc and sim-dac on mainline's own DMA
 * buffer, industrialio-buffer-dmaengine (with industrialio-buffer-dma),
 * served by the software DMA controller of sim-dma.ko.
 *
 * Load iio-sim.ko with pairs=0, sim-dma.ko, then this module: it creates one
 * pair, "sim-adc" and "sim-dac", with the channels, waveforms, loopback,
 * counter and checksum of iio-sim's own pair, so that every test and tool
 * runs unchanged on mainline's buffer. Each device's buffer_impl attribute
 * says "dmaengine".
 *
 * The devices' parent is a platform device named SIM_DMA_CONSUMER, whose
 * "rx" (ADC) and "tx" (DAC) channels sim-dma's slave map names, so that
 * iio_dmaengine_buffer_setup_ext() finds them with dma_request_chan(). The
 * device's converter is an iio-sim engine whose memory side is its channel
 * (sim_dma_connect()): started in postenable, after the dmaengine buffer
 * submitted the blocks queued while disabled (they receive scan 0), and
 * stopped in predisable, before the buffer terminates the channel.
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/iio/buffer-dma.h>
#include <linux/iio/buffer-dmaengine.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "iio_sim.h"
#include "sim_dma.h"

/**
 * struct sim_dmaengine_dev - a device's buffer on mainline's dmaengine buffer
 * @eng:	its converter
 * @buffer:	the dmaengine buffer
 * @chan:	the DMA channel's name, "rx" or "tx"
 * @attrs:	the buffer's attributes: the dmaengine buffer's and overruns
 *		(ADC) or underruns (DAC)
 */
struct sim_dmaengine_dev {
	struct sim_engine eng;
	struct iio_buffer *buffer;
	const char *chan;
	const struct iio_dev_attr **attrs;
};

static struct platform_device *sim_dmaengine_pdev;
static struct sim_pairs *sim_dmaengine_pairs;

static struct sim_dmaengine_dev *to_sim_dmaengine_dev(struct iio_dev *indio_dev)
{
	struct sim_dev *sd = iio_priv(indio_dev);

	return sd->backend_priv;
}

static int sim_dmaengine_postenable(struct iio_dev *indio_dev)
{
	struct sim_dmaengine_dev *de = to_sim_dmaengine_dev(indio_dev);

	return sim_engine_start(&de->eng, indio_dev->active_scan_mask,
				de->buffer->bytes_per_datum);
}

static int sim_dmaengine_predisable(struct iio_dev *indio_dev)
{
	sim_engine_stop(&to_sim_dmaengine_dev(indio_dev)->eng);
	return 0;
}

static const struct iio_buffer_setup_ops sim_dmaengine_setup_ops = {
	.postenable = sim_dmaengine_postenable,
	.predisable = sim_dmaengine_predisable,
};

static IIO_DEVICE_ATTR(overruns, 0444, sim_dev_overruns_show, NULL, 0);
static IIO_DEVICE_ATTR(underruns, 0444, sim_dev_overruns_show, NULL, 0);

/* The dmaengine buffer's attributes and overruns or underruns. */
static int sim_dmaengine_attrs(struct sim_dmaengine_dev *de, bool in)
{
	const struct iio_dev_attr **attrs, **old = de->buffer->attrs;
	unsigned int n = 0;

	while (old && old[n])
		n++;
	attrs = kcalloc(n + 2, sizeof(*attrs), GFP_KERNEL);
	if (!attrs)
		return -ENOMEM;
	if (n)
		memcpy(attrs, old, n * sizeof(*attrs));
	attrs[n] = in ? &iio_dev_attr_overruns : &iio_dev_attr_underruns;
	de->attrs = attrs;
	/* read at registration */
	de->buffer->attrs = attrs;
	return 0;
}

static int sim_dmaengine_setup(struct sim_dev *sd,
			       enum iio_buffer_direction dir,
			       const struct sim_engine_ops *ops)
{
	struct iio_dev *indio_dev = sd->indio_dev;
	struct device *parent = indio_dev->dev.parent;
	bool in = dir == IIO_BUFFER_DIRECTION_IN;
	struct sim_dmaengine_dev *de;
	int ret;

	de = kzalloc(sizeof(*de), GFP_KERNEL);
	if (!de)
		return -ENOMEM;
	de->chan = in ? "rx" : "tx";
	sim_engine_init(&de->eng, ops, iio_priv(indio_dev), in);

	de->buffer = iio_dmaengine_buffer_setup_ext(parent, indio_dev,
						    de->chan, dir);
	if (IS_ERR(de->buffer)) {
		ret = dev_err_probe(parent, PTR_ERR(de->buffer),
				    "no dmaengine buffer on DMA channel %s\n",
				    de->chan);
		goto err_free;
	}
	ret = sim_dma_connect(parent, de->chan, &de->eng);
	if (ret) {
		dev_err(parent, "cannot connect to sim-dma channel %s: %d\n",
			de->chan, ret);
		goto err_buffer;
	}
	ret = sim_dmaengine_attrs(de, in);
	if (ret)
		goto err_disconnect;

	indio_dev->setup_ops = &sim_dmaengine_setup_ops;
	sd->eng = &de->eng;
	sd->backend_priv = de;
	return 0;

err_disconnect:
	sim_dma_disconnect(parent, de->chan);
err_buffer:
	iio_dmaengine_buffer_free(de->buffer);
err_free:
	sim_engine_free(&de->eng);
	kfree(de);
	return ret;
}

static void sim_dmaengine_teardown(struct sim_dev *sd)
{
	struct sim_dmaengine_dev *de = sd->backend_priv;
	struct device *parent = sd->indio_dev->dev.parent;

	/* the device is unregistered: its buffer disabled, the engine stopped */
	sim_dma_disconnect(parent, de->chan);
	iio_dmaengine_buffer_free(de->buffer);
	sim_engine_free(&de->eng);
	kfree(de->attrs);
	kfree(de);
	sd->backend_priv = NULL;
}

/*
 * debugfs buffer0/attachments, as on iio-sim's own buffer: the DMABUF blocks
 * buffer-dma holds (released after DETACH or close and the last transfer).
 */
static int sim_dmaengine_attachments_get(void *data, u64 *val)
{
	struct iio_dma_buffer_queue *queue = data;

	*val = atomic_read(&queue->num_dmabufs);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_dmaengine_attachments_fops,
			 sim_dmaengine_attachments_get, NULL, "%llu\n");

static void sim_dmaengine_debugfs_init(struct sim_dev *sd)
{
	struct sim_dmaengine_dev *de = sd->backend_priv;
	/* the dmaengine buffer is a buffer-dma queue, its first member */
	struct iio_dma_buffer_queue *queue =
		container_of(de->buffer, struct iio_dma_buffer_queue, buffer);
	struct dentry *dir = debugfs_create_dir("buffer0", sd->debugfs);

	debugfs_create_file_unsafe("attachments", 0400, dir, queue,
				   &sim_dmaengine_attachments_fops);
}

static const struct sim_backend sim_dmaengine_backend = {
	.name = "dmaengine",
	.setup = sim_dmaengine_setup,
	.teardown = sim_dmaengine_teardown,
	.debugfs_init = sim_dmaengine_debugfs_init,
};

static int __init sim_dmaengine_init(void)
{
	int ret;

	sim_dmaengine_pdev = platform_device_register_simple(SIM_DMA_CONSUMER,
							     PLATFORM_DEVID_NONE,
							     NULL, 0);
	if (IS_ERR(sim_dmaengine_pdev))
		return PTR_ERR(sim_dmaengine_pdev);

	sim_dmaengine_pairs = sim_pairs_create(&sim_dmaengine_pdev->dev, 1,
					       true, &sim_dmaengine_backend);
	if (IS_ERR(sim_dmaengine_pairs)) {
		ret = PTR_ERR(sim_dmaengine_pairs);
		platform_device_unregister(sim_dmaengine_pdev);
		return ret;
	}
	return 0;
}
module_init(sim_dmaengine_init);

static void __exit sim_dmaengine_exit(void)
{
	sim_pairs_destroy(sim_dmaengine_pairs);
	platform_device_unregister(sim_dmaengine_pdev);
}
module_exit(sim_dmaengine_exit);

MODULE_AUTHOR("iiostream project");
MODULE_DESCRIPTION("iio-sim's devices on mainline's dmaengine IIO buffer");
MODULE_LICENSE("GPL");
/* 6.12 takes an identifier, 6.13+ a string: both expand to this line */
MODULE_INFO(import_ns, "IIO_DMAENGINE_BUFFER");
