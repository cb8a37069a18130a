// SPDX-License-Identifier: GPL-2.0
/*
 * sim-dma: a software DMA controller. A dmaengine provider (a dma_device on
 * the kernel's virt-dma helpers) whose channels move data with the CPU, so
 * that mainline's industrialio-buffer-dmaengine can serve iio-sim's devices
 * without hardware.
 *
 * Each channel is wired to one peripheral, an iio-sim device, by the slave
 * map it registers ("rx" and "tx" of SIM_DMA_CONSUMER), so that
 * dma_request_chan() finds it without devicetree or ACPI. The peripheral's
 * converter is an iio-sim engine (sim_engine.c): it paces the scans at the
 * device's sampling_frequency and asks the channel for memory through
 * struct sim_mem_ops. The channel hands it the issued descriptors in order:
 *
 * - slave transfers, DEV_TO_MEM on "rx" and MEM_TO_DEV on "tx", prepared with
 *   device_prep_peripheral_dma_vec (the dmaengine buffer's DMABUF blocks),
 *   device_prep_slave_sg (its fileio blocks) or device_prep_dma_cyclic;
 * - DMA_PREP_REPEAT on a dma_vec transfer repeats it until a transfer with
 *   DMA_PREP_LOAD_EOT is issued behind it, which starts at the end of the
 *   current pass; a cyclic transfer calls back at every period and repeats
 *   until terminated;
 * - a transfer completes (vchan_cookie_complete(), callback from the vchan
 *   tasklet with residue 0) once the engine moved all of it; scans that fall
 *   due while no transfer is issued are dropped by the engine and counted in
 *   the device's overruns, as a converter with a full FIFO does;
 * - terminate_all takes every descriptor, the one being moved included,
 *   without a callback; synchronize waits until the engine no longer touches
 *   the memory of any of them (the engine holds the channel's move_lock
 *   across each move) and for the callbacks.
 *
 * Memory: the engine is the CPU, so the controller's device is DMA coherent
 * and has a 64-bit mask and no segment limit. A DMA address is turned into
 * a kernel address only when it is the physical address of RAM in the
 * kernel's direct map: the device has no IOMMU domain and no DMA offset, and
 * the address is not in a swiotlb bounce buffer. Anything else is refused at
 * prep (NULL, and the log says why) rather than the wrong memory touched.
 */

#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/iommu.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/swiotlb.h>

#include "virt-dma.h"

#include "iio_sim.h"
#include "sim_compat.h"
#include "sim_dma.h"

#define SIM_DMA_NAME	"sim-dma"
#define SIM_DMA_CHANS	2

/**
 * struct sim_dma_seg - a piece of a transfer, in the kernel's direct map
 * @vaddr:	its kernel address
 * @len:	its length in bytes, > 0
 */
struct sim_dma_seg {
	void *vaddr;
	size_t len;
};

/**
 * struct sim_dma_desc - a transfer
 * @vd:		the virt-dma descriptor
 * @cyclic:	device_prep_dma_cyclic: a callback per segment (period),
 *		repeats until terminated
 * @repeat:	DMA_PREP_REPEAT: repeats until a DMA_PREP_LOAD_EOT transfer
 *		is issued behind it
 * @len:	bytes per pass
 * @done:	bytes moved in this pass
 * @seg:	the segment being moved
 * @seg_off:	bytes of it moved
 * @nsegs:	number of segments
 * @segs:	the segments
 *
 * @done, @seg and @seg_off are the engine's, under the vchan lock.
 */
struct sim_dma_desc {
	struct virt_dma_desc vd;
	bool cyclic;
	bool repeat;
	size_t len;
	size_t done;
	unsigned int seg;
	size_t seg_off;
	unsigned int nsegs;
	struct sim_dma_seg segs[] __counted_by(nsegs);
};

/**
 * struct sim_dma_chan - a channel, wired to one peripheral
 * @vc:		the virt-dma channel; its lock protects @cur, @moving, @eng
 * @dir:	the one direction the peripheral moves data in
 * @move_lock:	held by the engine from a peek() that found memory to the
 *		advance() that ends the move; synchronize takes it
 * @cur:	the descriptor the engine moves, off the vchan lists
 * @moving:	the descriptor of the open move
 * @eng:	the peripheral's engine, kicked when transfers are issued
 * @cfg:	the slave configuration (the peripheral has no FIFO address)
 */
struct sim_dma_chan {
	struct virt_dma_chan vc;
	enum dma_transfer_direction dir;
	struct mutex move_lock;		/* see above */
	struct sim_dma_desc *cur;
	struct sim_dma_desc *moving;
	struct sim_engine *eng;
	struct dma_slave_config cfg;
};

/**
 * struct sim_dma - the controller
 * @ddev:	the dma_device
 * @chans:	its channels: "rx" and "tx" of SIM_DMA_CONSUMER
 * @map:	the slave map that names them
 */
struct sim_dma {
	struct dma_device ddev;
	struct sim_dma_chan chans[SIM_DMA_CHANS];
	struct dma_slave_map map[SIM_DMA_CHANS];
};

/* The controller, while bound; sim_dma_connect() looks channels up in it. */
static DEFINE_MUTEX(sim_dma_lock);
static struct sim_dma *sim_dma;

static struct platform_device *sim_dma_pdev;

static struct sim_dma_chan *to_sim_dma_chan(struct dma_chan *chan)
{
	return container_of(chan, struct sim_dma_chan, vc.chan);
}

static struct sim_dma_desc *to_sim_dma_desc(struct virt_dma_desc *vd)
{
	return container_of(vd, struct sim_dma_desc, vd);
}

/* --- memory: DMA addresses to kernel addresses --------------------------- */

/*
 * The kernel address of [@addr, @addr + @len), a mapping for the
 * controller's device, or NULL (logged) if the CPU cannot reach exactly that
 * memory through the direct map.
 */
static void *sim_dma_vaddr(struct device *dev, dma_addr_t addr, size_t len)
{
	unsigned long pfn, last;
	phys_addr_t phys;

	if (iommu_get_domain_for_dev(dev)) {
		dev_warn_ratelimited(dev,
				     "DMA address %pad is an IOMMU address the CPU engine cannot see through; transfer refused\n",
				     &addr);
		return NULL;
	}
	if (dev->dma_range_map) {
		dev_warn_ratelimited(dev,
				     "DMA address %pad is offset from the physical address; transfer refused\n",
				     &addr);
		return NULL;
	}
	/* dma-direct without an offset: the physical address, maybe tagged */
	phys = __sme_clr(addr);
	if (swiotlb_find_pool(dev, phys) ||
	    swiotlb_find_pool(dev, phys + len - 1)) {
		dev_warn_ratelimited(dev,
				     "DMA address %pad is a swiotlb bounce buffer: the CPU engine would move the wrong copy; transfer refused\n",
				     &addr);
		return NULL;
	}
	last = PHYS_PFN(phys + len - 1);
	for (pfn = PHYS_PFN(phys); pfn <= last; pfn++) {
		if (!pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn))) {
			dev_warn_ratelimited(dev,
					     "DMA address %pad is not RAM in the kernel's direct map; transfer refused\n",
					     &addr);
			return NULL;
		}
	}
	return phys_to_virt(phys);
}

static bool sim_dma_dir_ok(struct sim_dma_chan *c,
			   enum dma_transfer_direction dir)
{
	if (dir == c->dir)
		return true;
	dev_warn_ratelimited(c->vc.chan.device->dev,
			     "%s: transfer direction %d refused: the peripheral moves data the other way\n",
			     dma_chan_name(&c->vc.chan), dir);
	return false;
}

/*
 * A descriptor for up to @nsegs segments; the prep path may run in atomic
 * context (the dmaengine buffer submits in a fence signalling section).
 */
static struct sim_dma_desc *sim_dma_desc_alloc(unsigned int nsegs)
{
	struct sim_dma_desc *d;

	/* nsegs counts the segments added: 0 here */
	return kzalloc(struct_size(d, segs, nsegs), GFP_NOWAIT);
}

/* Append [@addr, @addr + @len) to @d; zero-length pieces are skipped. */
static int sim_dma_desc_add(struct sim_dma_chan *c, struct sim_dma_desc *d,
			    dma_addr_t addr, size_t len)
{
	void *vaddr;

	if (!len)
		return 0;
	vaddr = sim_dma_vaddr(c->vc.chan.device->dev, addr, len);
	if (!vaddr)
		return -EINVAL;
	d->nsegs++;
	d->segs[d->nsegs - 1].vaddr = vaddr;
	d->segs[d->nsegs - 1].len = len;
	d->len += len;
	return 0;
}

static struct dma_async_tx_descriptor *
sim_dma_prep(struct sim_dma_chan *c, struct sim_dma_desc *d,
	     unsigned long flags)
{
	if (!d->len) {
		kfree(d);
		return NULL;
	}
	return vchan_tx_prep(&c->vc, &d->vd, flags);
}

static struct dma_async_tx_descriptor *
sim_dma_prep_dma_vec(struct dma_chan *chan, const struct dma_vec *vecs,
		     size_t nents, enum dma_transfer_direction dir,
		     unsigned long flags)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	struct sim_dma_desc *d;
	size_t i;

	if (!sim_dma_dir_ok(c, dir) || !nents || nents > UINT_MAX)
		return NULL;
	d = sim_dma_desc_alloc(nents);
	if (!d)
		return NULL;
	for (i = 0; i < nents; i++) {
		if (sim_dma_desc_add(c, d, vecs[i].addr, vecs[i].len)) {
			kfree(d);
			return NULL;
		}
	}
	d->repeat = flags & DMA_PREP_REPEAT;
	return sim_dma_prep(c, d, flags);
}

static struct dma_async_tx_descriptor *
sim_dma_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		      unsigned int sg_len, enum dma_transfer_direction dir,
		      unsigned long flags, void *context)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	struct sim_dma_desc *d;
	struct scatterlist *sg;
	unsigned int i;

	if (!sim_dma_dir_ok(c, dir) || !sg_len)
		return NULL;
	d = sim_dma_desc_alloc(sg_len);
	if (!d)
		return NULL;
	for_each_sg(sgl, sg, sg_len, i) {
		if (sim_dma_desc_add(c, d, sg_dma_address(sg), sg_dma_len(sg))) {
			kfree(d);
			return NULL;
		}
	}
	return sim_dma_prep(c, d, flags);
}

static struct dma_async_tx_descriptor *
sim_dma_prep_dma_cyclic(struct dma_chan *chan, dma_addr_t addr,
			size_t buf_len, size_t period_len,
			enum dma_transfer_direction dir, unsigned long flags)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	struct sim_dma_desc *d;
	size_t i, periods;

	if (!sim_dma_dir_ok(c, dir) || !period_len || !buf_len ||
	    buf_len % period_len || buf_len / period_len > UINT_MAX)
		return NULL;
	periods = buf_len / period_len;
	d = sim_dma_desc_alloc(periods);
	if (!d)
		return NULL;
	for (i = 0; i < periods; i++) {
		if (sim_dma_desc_add(c, d, addr + i * period_len, period_len)) {
			kfree(d);
			return NULL;
		}
	}
	d->cyclic = true;
	return sim_dma_prep(c, d, flags);
}

static void sim_dma_desc_free(struct virt_dma_desc *vd)
{
	kfree(to_sim_dma_desc(vd));
}

/* --- the engine's memory side --------------------------------------------- */

/* sim_mem_ops.peek: the next piece of the current or next issued transfer */
static size_t sim_dma_peek(void *mem, void **data)
{
	struct sim_dma_chan *c = mem;
	struct virt_dma_desc *vd;
	struct sim_dma_desc *d;
	unsigned long flags;
	size_t avail = 0;

	mutex_lock(&c->move_lock);
	spin_lock_irqsave(&c->vc.lock, flags);
	d = c->cur;
	if (!d) {
		vd = vchan_next_desc(&c->vc);
		if (vd) {
			list_del(&vd->node);
			d = to_sim_dma_desc(vd);
			c->cur = d;
		}
	}
	if (d) {
		*data = d->segs[d->seg].vaddr + d->seg_off;
		avail = d->segs[d->seg].len - d->seg_off;
	}
	c->moving = d;
	spin_unlock_irqrestore(&c->vc.lock, flags);

	if (!avail)
		mutex_unlock(&c->move_lock);
	return avail;
}

/* The end of a pass of @d, the current transfer. vc.lock held. */
static void sim_dma_end_pass(struct sim_dma_chan *c, struct sim_dma_desc *d)
{
	struct virt_dma_desc *next = vchan_next_desc(&c->vc);

	d->seg = 0;
	d->done = 0;
	if (d->cyclic)
		return;
	if (d->repeat && !(next && (next->tx.flags & DMA_PREP_LOAD_EOT)))
		return;
	c->cur = NULL;
	vchan_cookie_complete(&d->vd);
}

/* sim_mem_ops.advance: the engine moved @bytes; closes the move */
static void sim_dma_advance(void *mem, size_t bytes)
{
	struct sim_dma_chan *c = mem;
	struct sim_dma_desc *d;
	unsigned long flags;

	spin_lock_irqsave(&c->vc.lock, flags);
	d = c->cur;
	/* else terminated meanwhile: nothing to account for */
	if (d && d == c->moving) {
		d->seg_off += bytes;
		d->done += bytes;
		if (d->seg_off == d->segs[d->seg].len) {
			d->seg_off = 0;
			if (d->cyclic)
				vchan_cyclic_callback(&d->vd);
			if (++d->seg == d->nsegs)
				sim_dma_end_pass(c, d);
		}
	}
	c->moving = NULL;
	spin_unlock_irqrestore(&c->vc.lock, flags);
	mutex_unlock(&c->move_lock);
}

/* sim_mem_ops.ready: a transfer is being moved or issued */
static bool sim_dma_ready(void *mem)
{
	struct sim_dma_chan *c = mem;
	unsigned long flags;
	bool ready;

	spin_lock_irqsave(&c->vc.lock, flags);
	ready = c->cur || !list_empty(&c->vc.desc_issued);
	spin_unlock_irqrestore(&c->vc.lock, flags);
	return ready;
}

static const struct sim_mem_ops sim_dma_mem_ops = {
	.peek = sim_dma_peek,
	.advance = sim_dma_advance,
	.ready = sim_dma_ready,
};

/* --- dma_device operations ------------------------------------------------ */

static int sim_dma_config(struct dma_chan *chan, struct dma_slave_config *cfg)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&c->vc.lock, flags);
	c->cfg = *cfg;
	spin_unlock_irqrestore(&c->vc.lock, flags);
	return 0;
}

static void sim_dma_issue_pending(struct dma_chan *chan)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&c->vc.lock, flags);
	if (vchan_issue_pending(&c->vc) && c->eng)
		sim_engine_kick(c->eng);
	spin_unlock_irqrestore(&c->vc.lock, flags);
}

static enum dma_status sim_dma_tx_status(struct dma_chan *chan,
					 dma_cookie_t cookie,
					 struct dma_tx_state *state)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	struct virt_dma_desc *vd;
	enum dma_status status;
	unsigned long flags;
	size_t residue = 0;

	status = dma_cookie_status(chan, cookie, state);
	if (status == DMA_COMPLETE || !state)
		return status;

	spin_lock_irqsave(&c->vc.lock, flags);
	if (c->cur && c->cur->vd.tx.cookie == cookie) {
		residue = c->cur->len - c->cur->done;
	} else {
		vd = vchan_find_desc(&c->vc, cookie);
		if (vd)
			residue = to_sim_dma_desc(vd)->len;
	}
	spin_unlock_irqrestore(&c->vc.lock, flags);

	dma_set_residue(state, residue);
	return status;
}

static int sim_dma_terminate_all(struct dma_chan *chan)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);
	unsigned long flags;
	LIST_HEAD(head);

	spin_lock_irqsave(&c->vc.lock, flags);
	if (c->cur) {
		/* freed by synchronize: the engine may still be moving it */
		vchan_terminate_vdesc(&c->cur->vd);
		c->cur = NULL;
	}
	vchan_get_all_descriptors(&c->vc, &head);
	spin_unlock_irqrestore(&c->vc.lock, flags);

	vchan_dma_desc_free_list(&c->vc, &head);
	return 0;
}

static void sim_dma_synchronize(struct dma_chan *chan)
{
	struct sim_dma_chan *c = to_sim_dma_chan(chan);

	/* a move opened before terminate_all ends before this returns */
	mutex_lock(&c->move_lock);
	mutex_unlock(&c->move_lock);
	vchan_synchronize(&c->vc);
}

static void sim_dma_free_chan_resources(struct dma_chan *chan)
{
	vchan_free_chan_resources(to_virt_chan(chan));
}

static bool sim_dma_filter(struct dma_chan *chan, void *param)
{
	return chan == param;
}

/* --- the peripheral's side ------------------------------------------------ */

static struct sim_dma_chan *sim_dma_find(struct device *dev, const char *name)
{
	unsigned int i;

	lockdep_assert_held(&sim_dma_lock);
	if (!sim_dma)
		return NULL;
	for (i = 0; i < SIM_DMA_CHANS; i++) {
		if (!strcmp(sim_dma->map[i].devname, dev_name(dev)) &&
		    !strcmp(sim_dma->map[i].slave, name))
			return &sim_dma->chans[i];
	}
	return NULL;
}

/**
 * sim_dma_connect() - wire a peripheral's engine to its channel
 * @dev:	the peripheral's device, as passed to dma_request_chan()
 * @name:	the channel's name for it ("rx", "tx")
 * @eng:	the peripheral's engine, stopped; its memory side becomes the
 *		channel's transfers
 *
 * Return: 0, -ENODEV if the slave map has no such channel, -EBUSY if
 * another engine is connected to it.
 */
int sim_dma_connect(struct device *dev, const char *name,
		    struct sim_engine *eng)
{
	struct sim_dma_chan *c;
	unsigned long flags;
	int ret = 0;

	guard(mutex)(&sim_dma_lock);
	c = sim_dma_find(dev, name);
	if (!c)
		return -ENODEV;
	spin_lock_irqsave(&c->vc.lock, flags);
	if (c->eng)
		ret = -EBUSY;
	else
		c->eng = eng;
	spin_unlock_irqrestore(&c->vc.lock, flags);
	if (!ret)
		sim_engine_set_mem(eng, &sim_dma_mem_ops, c);
	return ret;
}
EXPORT_SYMBOL_GPL(sim_dma_connect);

/**
 * sim_dma_disconnect() - undo sim_dma_connect()
 * @dev:	the peripheral's device
 * @name:	the channel's name for it
 *
 * The engine must be stopped.
 */
void sim_dma_disconnect(struct device *dev, const char *name)
{
	struct sim_dma_chan *c;
	unsigned long flags;

	guard(mutex)(&sim_dma_lock);
	c = sim_dma_find(dev, name);
	if (!c)
		return;
	spin_lock_irqsave(&c->vc.lock, flags);
	c->eng = NULL;
	spin_unlock_irqrestore(&c->vc.lock, flags);
}
EXPORT_SYMBOL_GPL(sim_dma_disconnect);

/* --- the controller ------------------------------------------------------- */

static const char * const sim_dma_slave[SIM_DMA_CHANS] = { "rx", "tx" };

static void sim_dma_init_chan(struct sim_dma *sd, unsigned int i)
{
	struct sim_dma_chan *c = &sd->chans[i];

	c->dir = i ? DMA_MEM_TO_DEV : DMA_DEV_TO_MEM;
	mutex_init(&c->move_lock);
	c->vc.desc_free = sim_dma_desc_free;
	vchan_init(&c->vc, &sd->ddev);

	sd->map[i].devname = SIM_DMA_CONSUMER;
	sd->map[i].slave = sim_dma_slave[i];
	sd->map[i].param = &c->vc.chan;
}

static int sim_dma_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct dma_device *ddev;
	struct sim_dma *sd;
	unsigned int i;
	int ret;

	/* exporters map DMABUFs for this device: no segment size limit */
	dma_set_max_seg_size(dev, UINT_MAX);
	/* the engine is the CPU: no cache maintenance for its mappings */
	sim_dma_set_coherent(dev);

	sd = devm_kzalloc(dev, sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;

	ddev = &sd->ddev;
	ddev->dev = dev;
	INIT_LIST_HEAD(&ddev->channels);
	dma_cap_set(DMA_SLAVE, ddev->cap_mask);
	dma_cap_set(DMA_PRIVATE, ddev->cap_mask);
	dma_cap_set(DMA_CYCLIC, ddev->cap_mask);
	ddev->directions = BIT(DMA_DEV_TO_MEM) | BIT(DMA_MEM_TO_DEV);
	ddev->src_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_1_BYTE);
	ddev->dst_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_1_BYTE);
	ddev->residue_granularity = DMA_RESIDUE_GRANULARITY_BURST;
	ddev->device_free_chan_resources = sim_dma_free_chan_resources;
	ddev->device_prep_peripheral_dma_vec = sim_dma_prep_dma_vec;
	ddev->device_prep_slave_sg = sim_dma_prep_slave_sg;
	ddev->device_prep_dma_cyclic = sim_dma_prep_dma_cyclic;
	ddev->device_config = sim_dma_config;
	ddev->device_issue_pending = sim_dma_issue_pending;
	ddev->device_tx_status = sim_dma_tx_status;
	ddev->device_terminate_all = sim_dma_terminate_all;
	ddev->device_synchronize = sim_dma_synchronize;
	for (i = 0; i < SIM_DMA_CHANS; i++)
		sim_dma_init_chan(sd, i);
	ddev->filter.map = sd->map;
	ddev->filter.mapcnt = SIM_DMA_CHANS;
	ddev->filter.fn = sim_dma_filter;

	ret = dma_async_device_register(ddev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot register the dma_device\n");

	platform_set_drvdata(pdev, sd);
	scoped_guard(mutex, &sim_dma_lock)
		sim_dma = sd;
	return 0;
}

static void sim_dma_remove(struct platform_device *pdev)
{
	struct sim_dma *sd = platform_get_drvdata(pdev);
	unsigned int i;

	scoped_guard(mutex, &sim_dma_lock)
		sim_dma = NULL;
	/* no client is left: each held channel pins this module */
	dma_async_device_unregister(&sd->ddev);
	for (i = 0; i < SIM_DMA_CHANS; i++) {
		tasklet_kill(&sd->chans[i].vc.task);
		mutex_destroy(&sd->chans[i].move_lock);
	}
}

static struct platform_driver sim_dma_driver = {
	.probe = sim_dma_probe,
	.remove = sim_dma_remove,
	.driver = {
		.name = SIM_DMA_NAME,
		/* a held channel pins the module, not the binding */
		.suppress_bind_attrs = true,
	},
};

static int __init sim_dma_init(void)
{
	struct platform_device_info info = {
		.name = SIM_DMA_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	ret = platform_driver_register(&sim_dma_driver);
	if (ret)
		return ret;

	sim_dma_pdev = platform_device_register_full(&info);
	if (IS_ERR(sim_dma_pdev)) {
		ret = PTR_ERR(sim_dma_pdev);
		goto err_driver;
	}
	if (!platform_get_drvdata(sim_dma_pdev)) {
		ret = -ENODEV;
		goto err_device;
	}
	return 0;

err_device:
	platform_device_unregister(sim_dma_pdev);
err_driver:
	platform_driver_unregister(&sim_dma_driver);
	return ret;
}
module_init(sim_dma_init);

static void __exit sim_dma_exit(void)
{
	platform_device_unregister(sim_dma_pdev);
	platform_driver_unregister(&sim_dma_driver);
}
module_exit(sim_dma_exit);

MODULE_AUTHOR("iiostream project");
MODULE_DESCRIPTION("Software dmaengine provider for iio-sim's devices");
MODULE_LICENSE("GPL");
