// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/multikernelN: the raw channel to peer N for user space.
 *
 * On the host there is one device per instance slot, N being the
 * instance ID; in a spawned kernel there is /dev/multikernel0, the
 * host. Each write() sends one message and each read() returns one,
 * whole: a buffer too small for the next message gets -EMSGSIZE and
 * the message stays. Messages wait in the receiving kernel until they
 * are read; while they do not fit there, they wait in the ring, and
 * once that is full the sender blocks, or gets -EAGAIN with
 * O_NONBLOCK. poll() reports a message to read, and room for a
 * message of the largest size to write. A link whose peer is not
 * running gives -ENOTCONN once nothing is left to read.
 *
 * The devices are in the "multikernel" class, for udev rules. Each is
 * also its link's device: what the drivers over the link make for that
 * peer (its tty, its network device) has it as its parent.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/multikernel.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "msg.h"

static dev_t mk_devt;
static struct cdev mk_cdev;
static struct device *mk_devs[MK_MAX_INSTANCES + 1];
static const struct class mk_class = {
	.name = "multikernel",
};

static int mk_dev_open(struct inode *inode, struct file *file)
{
	struct mk_link *l = mk_link_get(iminor(inode));

	if (!l)
		return -ENODEV;
	file->private_data = l;
	return stream_open(inode, file);
}

static ssize_t mk_dev_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct mk_link *l = file->private_data;
	u32 gen;
	int ret;

	if (mutex_lock_interruptible(&l->read_lock))
		return -ERESTARTSYS;
	for (;;) {
		ret = mk_link_peek_raw(l, l->rbuf, count, &gen);
		if (ret != -EAGAIN || (file->f_flags & O_NONBLOCK))
			break;
		mutex_unlock(&l->read_lock);
		ret = wait_event_interruptible(l->rx_wq,
					       !kfifo_is_empty(&l->rawq) ||
					       !READ_ONCE(l->active));
		if (ret)
			return ret;
		if (mutex_lock_interruptible(&l->read_lock))
			return -ERESTARTSYS;
	}
	/* A fault here keeps the message for the next read. */
	if (ret >= 0) {
		if (copy_to_user(buf, l->rbuf, ret))
			ret = -EFAULT;
		else
			mk_link_consume_raw(l, gen);
	}
	mutex_unlock(&l->read_lock);
	return ret;
}

static ssize_t mk_dev_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct mk_link *l = file->private_data;
	int ret;

	if (count > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	/*
	 * An empty message would read as end of file at the other end:
	 * send none, but say whether one could have gone.
	 */
	if (!count)
		return READ_ONCE(l->active) ? 0 : -ENOTCONN;
	if (mutex_lock_interruptible(&l->write_lock))
		return -ERESTARTSYS;
	ret = -EFAULT;
	if (copy_from_user(l->wbuf, buf, count))
		goto out;
	for (;;) {
		ret = mk_link_send(l, MULTIKERNEL_CHAN_RAW, 0, l->wbuf, count);
		if (ret != -EAGAIN || (file->f_flags & O_NONBLOCK))
			break;
		ret = wait_event_interruptible(l->tx_wq,
					       mk_link_writable(l, MULTIKERNEL_MSG_MAX,
								false));
		if (ret)
			break;
	}
out:
	mutex_unlock(&l->write_lock);
	return ret ?: count;
}

static __poll_t mk_dev_poll(struct file *file, poll_table *wait)
{
	struct mk_link *l = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &l->rx_wq, wait);
	poll_wait(file, &l->tx_wq, wait);
	if (!kfifo_is_empty(&l->rawq))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (!READ_ONCE(l->active))
		mask |= EPOLLHUP;
	else if (mk_link_writable(l, MULTIKERNEL_MSG_MAX, false))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations mk_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= mk_dev_open,
	.read		= mk_dev_read,
	.write		= mk_dev_write,
	.poll		= mk_dev_poll,
};

static int __init mk_msgdev_add(struct mk_link *l)
{
	struct device *dev;

	dev = device_create(&mk_class, NULL, MKDEV(MAJOR(mk_devt), l->peer),
			    NULL, "multikernel%u", l->peer);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	mk_devs[l->peer] = dev;
	return mk_bus_add_functions(l->peer, dev);
}

/**
 * multikernel_device() - the device of the link to a peer
 * @peer:	as for multikernel_send()
 *
 * /sys/class/multikernel/multikernel<peer>: a device over the link
 * takes it as its parent, so that sysfs shows what each instance has.
 * It stays for as long as this kernel runs.
 *
 * Return: the device, or NULL when there is none (yet) for @peer.
 */
struct device *multikernel_device(unsigned int peer)
{
	return peer <= MK_MAX_INSTANCES ? mk_devs[peer] : NULL;
}
EXPORT_SYMBOL_GPL(multikernel_device);

/* The host's devices, one per instance slot, or a spawned kernel's one. */
static int __init mk_msgdev_links(void)
{
	unsigned int peer, last = mk_spawned_id() ? 0 : MK_MAX_INSTANCES;
	struct mk_link *l;
	int ret;

	for (peer = mk_spawned_id() ? 0 : 1; peer <= last; peer++) {
		l = mk_link_get(peer);
		if (!l)
			continue;
		ret = mk_msgdev_add(l);
		if (ret)
			return ret;
	}
	return 0;
}

/* Before the drivers over the links, which take these as parents. */
static int __init mk_msgdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&mk_devt, 0, MK_MAX_INSTANCES + 1,
				  "multikernel");
	if (ret)
		return ret;
	cdev_init(&mk_cdev, &mk_dev_fops);
	ret = cdev_add(&mk_cdev, mk_devt, MK_MAX_INSTANCES + 1);
	if (ret)
		goto unregister;
	ret = class_register(&mk_class);
	if (ret)
		goto del;
	return mk_msgdev_links();

del:
	cdev_del(&mk_cdev);
unregister:
	unregister_chrdev_region(mk_devt, MK_MAX_INSTANCES + 1);
	return ret;
}
subsys_initcall(mk_msgdev_init);
