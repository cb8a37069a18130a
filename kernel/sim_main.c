// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim: simulated IIO devices for testing IIO DMABUF userspace.
 *
 * The module creates a platform device "iio-sim" with a 64-bit DMA mask,
 * marked DMA coherent (its "DMA" is the CPU), and binds its own platform
 * driver to it. Probing creates the simulated IIO
 * devices as children, so that DMABUFs are attached to (and mapped for) a
 * device that can reach all memory without bouncing. Unbinding the driver
 * through sysfs tears the IIO devices down while the module stays loaded.
 *
 * It creates "pairs" ADC/DAC pairs: pair 0 is sim-adc and sim-dac, pair i > 0
 * is sim-adc<i> and sim-dac<i> (no labels: the names are unique). The DAC of
 * a pair can loop back into its ADC (struct sim_line). With pairs=0 it
 * creates none: iio-sim-dmaengine.ko then creates the pair on mainline's
 * dmaengine buffer through sim_pairs_create().
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "iio_sim.h"
#include "sim_compat.h"

#define SIM_DRV_NAME	"iio-sim"

static bool dmabuf = true;
module_param(dmabuf, bool, 0444);
MODULE_PARM_DESC(dmabuf,
		 "Offer the IIO DMABUF interface on the buffers (default: true)");

static unsigned int pairs = 1;
module_param(pairs, uint, 0444);
MODULE_PARM_DESC(pairs,
		 "Number of sim-adc/sim-dac pairs, 0.." __stringify(SIM_MAX_PAIRS) " (default: 1)");

static struct platform_device *sim_pdev;
static struct dentry *sim_debugfs;

/**
 * sim_debugfs_root() - the module's debugfs directory, iio-sim
 *
 * Return: the directory (an error pointer if debugfs is unavailable, which
 * the debugfs functions accept and ignore).
 */
struct dentry *sim_debugfs_root(void)
{
	return sim_debugfs;
}

/**
 * struct sim_pair - an ADC/DAC pair
 * @names:	ADC name, DAC name
 * @line:	loopback line from the DAC to the ADC
 * @adc:	the ADC
 * @dac:	the DAC
 */
struct sim_pair {
	char names[2][24];
	struct sim_line line;
	struct sim_adc *adc;
	struct sim_dac *dac;
};

/**
 * struct sim_pairs - every pair of a parent device (iio-sim's platform
 * device's driver data)
 * @n:		number of pairs
 * @pair:	the pairs
 */
struct sim_pairs {
	unsigned int n;
	struct sim_pair pair[] __counted_by(n);
};

static void sim_pair_destroy(struct sim_pair *p)
{
	/* the DAC first: it feeds the ADC's line */
	if (!IS_ERR_OR_NULL(p->dac))
		sim_dac_destroy(p->dac);
	if (!IS_ERR_OR_NULL(p->adc))
		sim_adc_destroy(p->adc);
	vfree(p->line.fifo);
}

static int sim_pair_create(struct device *dev, struct sim_pair *p,
			   unsigned int i, bool dmabuf,
			   const struct sim_backend *backend)
{
	char sfx[12] = "";

	if (i)
		snprintf(sfx, sizeof(sfx), "%u", i);
	snprintf(p->names[0], sizeof(p->names[0]), "sim-adc%s", sfx);
	snprintf(p->names[1], sizeof(p->names[1]), "sim-dac%s", sfx);

	spin_lock_init(&p->line.lock);
	p->line.fifo = vmalloc_array(SIM_LINE_SCANS, sizeof(*p->line.fifo));
	if (!p->line.fifo)
		return -ENOMEM;

	p->adc = sim_adc_create(dev, dmabuf, p->names[0], &p->line, backend);
	if (IS_ERR(p->adc))
		return dev_err_probe(dev, PTR_ERR(p->adc), "cannot create %s\n",
				     p->names[0]);
	p->dac = sim_dac_create(dev, dmabuf, p->names[1], &p->line, backend);
	if (IS_ERR(p->dac))
		return dev_err_probe(dev, PTR_ERR(p->dac), "cannot create %s\n",
				     p->names[1]);
	return 0;
}

/**
 * sim_pairs_destroy() - destroy the pairs sim_pairs_create() made
 * @ps:		the pairs
 */
void sim_pairs_destroy(struct sim_pairs *ps)
{
	unsigned int i;

	for (i = ps->n; i-- > 0;)
		sim_pair_destroy(&ps->pair[i]);
	kfree(ps);
}
EXPORT_SYMBOL_GPL(sim_pairs_destroy);

/**
 * sim_pairs_create() - create and register ADC/DAC pairs
 * @dev:	their parent device
 * @n:		number of pairs, at most SIM_MAX_PAIRS (more are clamped)
 * @dmabuf:	offer the DMABUF interface (iio-sim's own buffer)
 * @backend:	buffer implementation, NULL for iio-sim's own
 *
 * Return: the pairs, to be destroyed with sim_pairs_destroy(), or an
 * ERR_PTR().
 */
struct sim_pairs *sim_pairs_create(struct device *dev, unsigned int n,
				   bool dmabuf,
				   const struct sim_backend *backend)
{
	struct sim_pairs *ps;
	unsigned int i;
	int ret;

	n = min_t(unsigned int, n, SIM_MAX_PAIRS);
	ps = kzalloc(struct_size(ps, pair, n), GFP_KERNEL);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	ps->n = n;
	for (i = 0; i < n; i++) {
		ret = sim_pair_create(dev, &ps->pair[i], i, dmabuf, backend);
		if (ret) {
			sim_pairs_destroy(ps);
			return ERR_PTR(ret);
		}
	}
	return ps;
}
EXPORT_SYMBOL_GPL(sim_pairs_create);

static int sim_probe(struct platform_device *pdev)
{
	struct sim_pairs *ps;

	/* exporters map DMABUFs for this device: no segment size limit */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	/* the engine is the CPU: no cache maintenance for its mappings */
	sim_dma_set_coherent(&pdev->dev);

	ps = sim_pairs_create(&pdev->dev, pairs, dmabuf, NULL);
	if (IS_ERR(ps))
		return PTR_ERR(ps);
	platform_set_drvdata(pdev, ps);
	return 0;
}

static void sim_remove(struct platform_device *pdev)
{
	sim_pairs_destroy(platform_get_drvdata(pdev));
}

static struct platform_driver sim_driver = {
	.probe = sim_probe,
	.remove = sim_remove,
	.driver = {
		.name = SIM_DRV_NAME,
	},
};

static int __init sim_init(void)
{
	struct platform_device_info info = {
		.name = SIM_DRV_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	sim_debugfs = debugfs_create_dir("iio-sim", NULL);
	ret = platform_driver_register(&sim_driver);
	if (ret)
		goto err_debugfs;

	sim_pdev = platform_device_register_full(&info);
	if (IS_ERR(sim_pdev)) {
		ret = PTR_ERR(sim_pdev);
		goto err_driver;
	}

	if (!platform_get_drvdata(sim_pdev)) {
		ret = -ENODEV;
		goto err_device;
	}
	return 0;

err_device:
	platform_device_unregister(sim_pdev);
err_driver:
	platform_driver_unregister(&sim_driver);
	sim_buffer_wait_all_released();
err_debugfs:
	debugfs_remove(sim_debugfs);
	return ret;
}
module_init(sim_init);

static void __exit sim_exit(void)
{
	platform_device_unregister(sim_pdev);
	platform_driver_unregister(&sim_driver);
	sim_buffer_wait_all_released();
	debugfs_remove(sim_debugfs);
}
module_exit(sim_exit);

MODULE_AUTHOR("iiostream project");
MODULE_DESCRIPTION("Simulated IIO devices with IIO DMABUF buffers");
MODULE_LICENSE("GPL");
