// SPDX-License-Identifier: GPL-2.0-only
/*
 * A console for each spawned kernel, over its link to the host.
 *
 * Bytes go as MULTIKERNEL_CONSOLE_DATA messages on the console channel,
 * each way. In a spawned kernel the console is hvc0, an hvc backend
 * that polls a queue the channel's handler fills (and kicks). On the
 * host, instance <id> is /dev/ttyMK<id>: a tty with no line discipline
 * work of its own by default (raw, no echo), since the instance's tty
 * does the echoing and line editing, the way a pty master does.
 *
 * The host's ttys stay across stops, crashes and restarts: when an
 * instance goes down its tty is hung up, and what is written while it
 * is down is dropped, as on a line with nobody at the other end. What
 * the instance sends is taken only while the tty is open. Everything
 * from the peer is bytes for a tty; a message's length is bounded by
 * the link.
 *
 * See Documentation/multikernel/devices.rst.
 */

#define pr_fmt(fmt) "multikernel console: " fmt

#include <linux/init.h>
#include <linux/kfifo.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/workqueue.h>
#include <linux/multikernel_wire.h>

#include "../tty/hvc/hvc_console.h"

/* Bytes per message; a tty writes in pieces of at most this. */
#define MKCON_CHUNK		1024
/* What a spawned kernel's hvc0 keeps of input not read yet. */
#define MKCON_INQ_SIZE		(16 << 10)
/* The hvc vterm number: "MK". */
#define MKCON_VTERM		0x4d4b
#define MKCON_INSTANCES		CONFIG_MULTIKERNEL_INSTANCES

/* On the host. */

/**
 * struct mkcon_port - the host's tty of one instance
 * @port:	the tty port
 * @id:		the instance ID
 * @drops:	bytes from the instance that the tty had no room for
 * @wake:	wakes the writer when room came and went
 */
struct mkcon_port {
	struct tty_port port;
	unsigned int id;
	unsigned long drops;
	struct delayed_work wake;
};

static struct tty_driver *mkcon_driver;
static struct mkcon_port *mkcon_ports;

static struct mkcon_port *mkcon_port(unsigned int id)
{
	if (!mkcon_ports || id < 1 || id > MKCON_INSTANCES)
		return NULL;
	return &mkcon_ports[id - 1];
}

static int mkcon_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct mkcon_port *p = &mkcon_ports[tty->index];

	tty->driver_data = p;
	return tty_port_install(&p->port, driver, tty);
}

static int mkcon_open(struct tty_struct *tty, struct file *filp)
{
	struct mkcon_port *p = tty->driver_data;

	/*
	 * The first open after a hangup starts clean: what the last run
	 * sent and nobody read is not the next reader's. Nothing comes in
	 * meanwhile: bytes are kept only while the port is initialized.
	 */
	if (!tty_port_initialized(&p->port))
		tty_ldisc_flush(tty);
	return tty_port_open(&p->port, tty, filp);
}

static void mkcon_close(struct tty_struct *tty, struct file *filp)
{
	struct mkcon_port *p = tty->driver_data;

	tty_port_close(&p->port, tty, filp);
}

static void mkcon_hangup(struct tty_struct *tty)
{
	struct mkcon_port *p = tty->driver_data;

	tty_port_hangup(&p->port);
}

static ssize_t mkcon_write(struct tty_struct *tty, const u8 *buf,
			   size_t count)
{
	struct mkcon_port *p = tty->driver_data;
	size_t done = 0, n;
	bool retried = false;
	int ret;

	while (done < count) {
		n = min_t(size_t, count - done, MKCON_CHUNK);
		ret = multikernel_send(p->id, MULTIKERNEL_CHAN_CONSOLE,
				       MULTIKERNEL_CONSOLE_DATA, buf + done, n);
		if (ret == -EAGAIN) {
			/*
			 * Full: multikernel_writable() asks for the link
			 * event that wakes the writer once the instance made
			 * room, unless it did just now. Then once more only:
			 * a peer that makes room and takes it back gets the
			 * writer woken a tick later, not spinning.
			 */
			if (!multikernel_writable(p->id))
				break;
			if (!retried) {
				retried = true;
				continue;
			}
			schedule_delayed_work(&p->wake, 1);
			break;
		}
		if (ret)
			/* Down: nobody at the other end, the bytes are lost. */
			return count;
		done += n;
	}
	return done;
}

static unsigned int mkcon_write_room(struct tty_struct *tty)
{
	struct mkcon_port *p = tty->driver_data;

	return multikernel_writable(p->id) ? MKCON_CHUNK : 0;
}

static const struct tty_operations mkcon_tty_ops = {
	.install	= mkcon_install,
	.open		= mkcon_open,
	.close		= mkcon_close,
	.hangup		= mkcon_hangup,
	.write		= mkcon_write,
	.write_room	= mkcon_write_room,
};

static const struct tty_port_operations mkcon_port_ops = {};

static void mkcon_wake(struct work_struct *work)
{
	struct mkcon_port *p = container_of(to_delayed_work(work),
					    struct mkcon_port, wake);

	tty_port_tty_wakeup(&p->port);
}

/* Bytes from instance @id, with interrupts off. */
static void mkcon_host_receive(unsigned int id, const void *data, u32 len)
{
	struct mkcon_port *p = mkcon_port(id);
	size_t n;

	/* Nobody has the tty open: nothing to keep it for. */
	if (!p || !tty_port_initialized(&p->port))
		return;
	n = tty_insert_flip_string(&p->port, data, len);
	if (n < len) {
		p->drops += len - n;
		pr_warn_ratelimited("ttyMK%u: no room, %lu bytes from the instance dropped so far\n",
				    id, p->drops);
	}
	tty_flip_buffer_push(&p->port);
}

static int mkcon_link_event(struct notifier_block *nb, unsigned long event,
			    void *data)
{
	struct mkcon_port *p = mkcon_port((unsigned long)data);

	if (!p)
		return NOTIFY_DONE;
	if (event == MULTIKERNEL_LINK_DOWN)
		tty_port_tty_hangup(&p->port, false);
	else if (event == MULTIKERNEL_LINK_WRITABLE)
		tty_port_tty_wakeup(&p->port);
	return NOTIFY_DONE;
}

static struct notifier_block mkcon_link_nb = {
	.notifier_call = mkcon_link_event,
};

static int __init mkcon_host_init(void)
{
	struct tty_driver *driver;
	unsigned int i;
	int ret;

	mkcon_ports = kcalloc(MKCON_INSTANCES, sizeof(*mkcon_ports),
			      GFP_KERNEL);
	if (!mkcon_ports)
		return -ENOMEM;
	/* Each session starts raw, whatever the last one set. */
	driver = tty_alloc_driver(MKCON_INSTANCES, TTY_DRIVER_REAL_RAW |
				  TTY_DRIVER_DYNAMIC_DEV |
				  TTY_DRIVER_RESET_TERMIOS);
	if (IS_ERR(driver)) {
		ret = PTR_ERR(driver);
		goto free_ports;
	}
	driver->driver_name = "multikernel";
	driver->name = "ttyMK";
	driver->name_base = 1;
	driver->type = TTY_DRIVER_TYPE_SERIAL;
	driver->subtype = SERIAL_TYPE_NORMAL;
	driver->init_termios = tty_std_termios;
	/* Raw: the instance's own tty echoes and edits lines. */
	driver->init_termios.c_iflag = 0;
	driver->init_termios.c_oflag = 0;
	driver->init_termios.c_lflag = 0;
	driver->init_termios.c_cflag = B115200 | CS8 | CREAD | HUPCL | CLOCAL;
	driver->init_termios.c_ispeed = 115200;
	driver->init_termios.c_ospeed = 115200;
	tty_set_operations(driver, &mkcon_tty_ops);
	for (i = 0; i < MKCON_INSTANCES; i++) {
		tty_port_init(&mkcon_ports[i].port);
		mkcon_ports[i].port.ops = &mkcon_port_ops;
		mkcon_ports[i].id = i + 1;
		INIT_DELAYED_WORK(&mkcon_ports[i].wake, mkcon_wake);
	}
	ret = tty_register_driver(driver);
	if (ret)
		goto put_driver;
	/* Each instance's tty comes when its function is probed. */
	mkcon_driver = driver;
	multikernel_register_notifier(&mkcon_link_nb);
	return 0;

put_driver:
	for (i = 0; i < MKCON_INSTANCES; i++)
		tty_port_destroy(&mkcon_ports[i].port);
	tty_driver_kref_put(driver);
free_ports:
	kfree(mkcon_ports);
	mkcon_ports = NULL;
	return ret;
}

/* Undoes a successful mkcon_host_init(), before any probe. */
static void __init mkcon_host_exit(void)
{
	unsigned int i;

	multikernel_unregister_notifier(&mkcon_link_nb);
	tty_unregister_driver(mkcon_driver);
	for (i = 0; i < MKCON_INSTANCES; i++)
		tty_port_destroy(&mkcon_ports[i].port);
	tty_driver_kref_put(mkcon_driver);
	mkcon_driver = NULL;
	kfree(mkcon_ports);
	mkcon_ports = NULL;
}

/* In a spawned kernel. */

static DEFINE_SPINLOCK(mkcon_inq_lock);
static DEFINE_KFIFO(mkcon_inq, u8, MKCON_INQ_SIZE);
static unsigned long mkcon_inq_drops;

static ssize_t mkcon_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	return kfifo_out_spinlocked(&mkcon_inq, buf, count, &mkcon_inq_lock);
}

/*
 * Also the console's write, from any printk: never waits for the link,
 * which this CPU or a CPU a panic stopped may hold. When the ring is
 * full or the link busy, a tty write is tried again later; console
 * output is dropped, in pieces of at most 16 bytes (it is in the log).
 */
static ssize_t mkcon_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	size_t n = min_t(size_t, count, MKCON_CHUNK);
	int ret;

	ret = multikernel_send_atomic(0, MULTIKERNEL_CHAN_CONSOLE,
				      MULTIKERNEL_CONSOLE_DATA, buf, n);
	if (ret == -EAGAIN || ret == -EBUSY)
		return 0;
	return ret ? ret : n;
}

static const struct hv_ops mkcon_hv_ops = {
	.get_chars	= mkcon_get_chars,
	.put_chars	= mkcon_put_chars,
};

/* Bytes typed on the host, with interrupts off. */
static void mkcon_spawned_receive(const void *data, u32 len)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&mkcon_inq_lock, flags);
	n = kfifo_in(&mkcon_inq, (const u8 *)data, len);
	if (n < len) {
		mkcon_inq_drops += len - n;
		pr_warn_ratelimited("input queue full: %lu bytes typed on the host dropped so far\n",
				    mkcon_inq_drops);
	}
	spin_unlock_irqrestore(&mkcon_inq_lock, flags);
	hvc_kick();
}

static int __init mkcon_spawned_init(void)
{
	struct hvc_struct *hp;
	int ret;

	/* The console first, so that printk uses it once hvc0 is up. */
	ret = hvc_instantiate(MKCON_VTERM, 0, &mkcon_hv_ops);
	if (ret)
		return -ENODEV;
	/* Also without a link: init's console is hvc0. */
	hp = hvc_alloc(MKCON_VTERM, 0, &mkcon_hv_ops, MKCON_CHUNK);
	return PTR_ERR_OR_ZERO(hp);
}

static void mkcon_receive(unsigned int peer, u16 type, const void *data,
			  u32 len)
{
	if (type != MULTIKERNEL_CONSOLE_DATA) {
		pr_warn_ratelimited("peer %u: unknown message type %u dropped\n",
				    peer, type);
		return;
	}
	if (multikernel_instance_id())
		mkcon_spawned_receive(data, len);
	else
		mkcon_host_receive(peer, data, len);
}

/*
 * The "console" function of the link to a peer: on the host the
 * instance's ttyMK<id>. A spawned kernel's hvc0 is there from its init
 * on, with or without a link, as init's console.
 */
static int mkcon_probe(struct multikernel_device *mdev)
{
	struct device *dev;

	if (multikernel_instance_id())
		return mdev->peer ? -EINVAL : 0;
	if (!mkcon_port(mdev->peer))
		return -EINVAL;
	dev = tty_port_register_device(&mkcon_port(mdev->peer)->port,
				       mkcon_driver, mdev->peer - 1, &mdev->dev);
	return PTR_ERR_OR_ZERO(dev);
}

static struct multikernel_driver mkcon_mk_driver = {
	.probe	= mkcon_probe,
	.driver	= {
		.name		= "console",
		.probe_type	= PROBE_FORCE_SYNCHRONOUS,
	},
};

static int __init mkcon_init(void)
{
	int ret;

	if (multikernel_instance_id()) {
		ret = mkcon_spawned_init();
		/* hvc0 stays: its input waits for the channel. */
		if (!ret)
			ret = multikernel_register_handler(MULTIKERNEL_CHAN_CONSOLE,
							   mkcon_receive);
	} else {
		ret = mkcon_host_init();
		if (!ret) {
			ret = multikernel_register_handler(MULTIKERNEL_CHAN_CONSOLE,
							   mkcon_receive);
			if (ret)
				mkcon_host_exit();
		}
	}
	if (!ret) {
		ret = multikernel_register_driver(&mkcon_mk_driver);
		/* The spawned kernel's hvc0 works on without it. */
		if (ret && !multikernel_instance_id()) {
			multikernel_unregister_handler(MULTIKERNEL_CHAN_CONSOLE);
			mkcon_host_exit();
		}
	}
	if (ret)
		pr_err("cannot set up the console (%d)\n", ret);
	return ret;
}
device_initcall(mkcon_init);
