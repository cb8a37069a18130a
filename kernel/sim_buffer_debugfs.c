// SPDX-License-Identifier: GPL-2.0
/*
 * iio-sim buffer debugfs: the fault injection knobs of a buffer (fail the
 * next transfers with an errno, delay completions, stall the engine) and its
 * attachment count, for tests. The buffer and the engine act on them; see
 * kernel/README.md.
 */

#include <linux/debugfs.h>

#include "iio_sim.h"

static int sim_stall_get(void *data, u64 *val)
{
	struct sim_buffer *sb = data;

	*val = READ_ONCE(sb->engine.stall);
	return 0;
}

static int sim_stall_set(void *data, u64 val)
{
	struct sim_buffer *sb = data;

	WRITE_ONCE(sb->engine.stall, !!val);
	sim_engine_kick(&sb->engine);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_stall_fops, sim_stall_get, sim_stall_set,
			 "%llu\n");

static int sim_attachments_get(void *data, u64 *val)
{
	struct sim_buffer *sb = data;

	*val = READ_ONCE(sb->attached);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_attachments_fops, sim_attachments_get, NULL,
			 "%llu\n");

/**
 * sim_buffer_debugfs_init() - the buffer's fault injection files
 * @sb:		the buffer
 * @parent:	the device's debugfs directory
 *
 * Creates @parent/buffer0/ with fail_count, fail_errno, delay_ms, stall and
 * attachments (see kernel/README.md). Removed with @parent, which must go
 * before the buffer is released.
 */
void sim_buffer_debugfs_init(struct sim_buffer *sb, struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("buffer0", parent);

	sb->debugfs = dir;
	debugfs_create_atomic_t("fail_count", 0600, dir, &sb->fail_count);
	debugfs_create_u32("fail_errno", 0600, dir, &sb->fail_errno);
	debugfs_create_u32("delay_ms", 0600, dir, &sb->delay_ms);
	debugfs_create_file_unsafe("stall", 0600, dir, sb, &sim_stall_fops);
	debugfs_create_file_unsafe("attachments", 0400, dir, sb,
				   &sim_attachments_fops);
}
