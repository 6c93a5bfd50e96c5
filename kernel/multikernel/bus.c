// SPDX-License-Identifier: GPL-2.0-only
/*
 * The multikernel bus: the functions of each link, for drivers to bind
 * to by name.
 *
 * Every link's device (/sys/class/multikernel/multikernel<peer>) has a
 * child on this bus for each function the kernels offer each other
 * over it, named "<function>.<peer>": on the host "console.<id>" and
 * "net.<id>" for each instance slot, in a spawned kernel "console.0"
 * and "net.0" for its host. A driver in drivers/multikernel/ registers
 * a &struct multikernel_driver named after its function and is probed
 * once for each peer, with the device to make its tty or network
 * device a child of. The devices stay for as long as the kernel runs:
 * what a driver made for a peer is there while the peer stops and
 * starts again, so that an operator's configuration stays with it.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/device.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

static const char * const mk_functions[] = { "console", "net" };

static struct multikernel_device *to_mk_device(struct device *dev)
{
	return container_of(dev, struct multikernel_device, dev);
}

static int mk_bus_match(struct device *dev, const struct device_driver *drv)
{
	return !strcmp(to_mk_device(dev)->function, drv->name);
}

static int mk_bus_probe(struct device *dev)
{
	const struct multikernel_driver *drv;

	drv = container_of(dev->driver, struct multikernel_driver, driver);
	return drv->probe(to_mk_device(dev));
}

static int mk_bus_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	const struct multikernel_device *mdev =
		container_of(dev, struct multikernel_device, dev);

	return add_uevent_var(env, "MULTIKERNEL_PEER=%u", mdev->peer);
}

static const struct bus_type mk_bus = {
	.name	= "multikernel",
	.match	= mk_bus_match,
	.probe	= mk_bus_probe,
	.uevent	= mk_bus_uevent,
};

static void mk_bus_release(struct device *dev)
{
	kfree(to_mk_device(dev));
}

/**
 * mk_bus_add_functions() - the functions of a new link
 * @peer:	the peer's ID
 * @parent:	the link's device
 *
 * Return: 0, or a negative errno when a device could not be added.
 */
int __init mk_bus_add_functions(unsigned int peer, struct device *parent)
{
	struct multikernel_device *mdev;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(mk_functions); i++) {
		mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
		if (!mdev)
			return -ENOMEM;
		mdev->peer = peer;
		mdev->function = mk_functions[i];
		mdev->dev.bus = &mk_bus;
		mdev->dev.parent = parent;
		mdev->dev.release = mk_bus_release;
		dev_set_name(&mdev->dev, "%s.%u", mdev->function, peer);
		ret = device_register(&mdev->dev);
		if (ret) {
			put_device(&mdev->dev);
			return ret;
		}
	}
	return 0;
}

/**
 * __multikernel_register_driver() - take a function of every link
 * @drv:	the driver; @drv->driver.name is the function's name
 * @owner:	the module that has @drv->probe
 *
 * @drv->probe is called once for each peer, in process context, before
 * or after this returns. The driver stays bound for as long as the
 * kernel runs: it cannot be unbound through sysfs.
 *
 * Return: 0, or a negative errno from driver_register().
 */
int __multikernel_register_driver(struct multikernel_driver *drv,
				  struct module *owner)
{
	drv->driver.bus = &mk_bus;
	drv->driver.owner = owner;
	drv->driver.suppress_bind_attrs = true;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__multikernel_register_driver);

static int __init mk_bus_init(void)
{
	return bus_register(&mk_bus);
}
postcore_initcall(mk_bus_init);
