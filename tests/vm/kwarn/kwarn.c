// SPDX-License-Identifier: GPL-2.0
/*
 * kwarn: a module whose only job is to make the kernel print a WARNING, so
 * that the vm/run self-test can prove such a report fails the run.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init kwarn_init(void)
{
	WARN(1, "kwarn: deliberate warning for the vm/run self-test\n");
	return 0;
}

static void __exit kwarn_exit(void)
{
}

module_init(kwarn_init);
module_exit(kwarn_exit);

MODULE_DESCRIPTION("Deliberate WARNING for testing vm/run");
MODULE_LICENSE("GPL");
