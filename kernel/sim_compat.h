/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iio-sim: the few helpers that hide differences between the kernels and
 * architectures the module builds for, so that no other file needs an #if.
 */
#ifndef _IIO_SIM_COMPAT_H_
#define _IIO_SIM_COMPAT_H_

#include <linux/device.h>

/**
 * sim_dma_set_coherent() - mark a device DMA coherent
 * @dev:	the device the software engine "is"
 *
 * The engine is the CPU: it reads and writes the buffers through the CPU's
 * caches, so its device is coherent by nature. On architectures where
 * devices may be non-coherent (arm64, riscv), a bare platform device is not,
 * and mapping or syncing a buffer for it would write back or invalidate the
 * CPU caches as if a device had written memory behind them: the engine's
 * own writes would be lost. Where devices are always coherent (x86) there
 * is no such flag and nothing to do.
 */
static inline void sim_dma_set_coherent(struct device *dev)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	dev->dma_coherent = true;
#endif
}

#endif /* _IIO_SIM_COMPAT_H_ */
