/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim-dma: a software dmaengine provider whose channels move data with the
 * CPU, paced by the engine of the iio-sim device at the other end. What its
 * consumer, iio-sim-dmaengine.ko, calls.
 */
#ifndef _SIM_DMA_H_
#define _SIM_DMA_H_

struct device;
struct sim_engine;

/*
 * The device whose "rx" and "tx" channels sim-dma's slave map serves: the
 * parent of the IIO devices on mainline's dmaengine buffer.
 */
#define SIM_DMA_CONSUMER	"iio-sim-dmaengine"

int sim_dma_connect(struct device *dev, const char *name,
		    struct sim_engine *eng);
void sim_dma_disconnect(struct device *dev, const char *name);

#endif /* _SIM_DMA_H_ */
