// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim: simulated IIO devices for testing IIO DMABUF userspace.
 *
 * The module creates a platform device "iio-sim" with a 64-bit DMA mask and
 * binds its own platform driver to it. Probing creates the simulated IIO
 * devices as children, so that DMABUFs are attached to (and mapped for) a
 * device that can reach all memory without bouncing. Unbinding the driver
 * through sysfs tears the IIO devices down while the module stays loaded.
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>

#include "iio_sim.h"

#define SIM_DRV_NAME	"iio-sim"

static bool dmabuf = true;
module_param(dmabuf, bool, 0444);
MODULE_PARM_DESC(dmabuf,
		 "Offer the IIO DMABUF interface on the buffers (default: true)");

static struct platform_device *sim_pdev;

static int sim_probe(struct platform_device *pdev)
{
	struct sim_adc *adc;

	/* exporters map DMABUFs for this device: no segment size limit */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);

	adc = sim_adc_create(&pdev->dev, dmabuf);
	if (IS_ERR(adc))
		return dev_err_probe(&pdev->dev, PTR_ERR(adc),
				     "cannot create sim-adc\n");
	platform_set_drvdata(pdev, adc);
	return 0;
}

static void sim_remove(struct platform_device *pdev)
{
	sim_adc_destroy(platform_get_drvdata(pdev));
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

	ret = platform_driver_register(&sim_driver);
	if (ret)
		return ret;

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
	return ret;
}
module_init(sim_init);

static void __exit sim_exit(void)
{
	platform_device_unregister(sim_pdev);
	platform_driver_unregister(&sim_driver);
	sim_buffer_wait_all_released();
}
module_exit(sim_exit);

MODULE_AUTHOR("iiostream project");
MODULE_DESCRIPTION("Simulated IIO devices with IIO DMABUF buffers");
MODULE_LICENSE("GPL");
