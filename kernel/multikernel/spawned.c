// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spawned kernel's side of an instance's lifecycle.
 *
 * The architecture finds the instance ID, the shared region and the
 * host's doorbell in its boot description and calls
 * multikernel_spawned_init(). This kernel then opens its link to the
 * host over the shared region's rings, says hello on the control
 * channel just before it runs init, keeps a heartbeat counter in the
 * shared header, powers off when the host asks, and tells the host
 * when its CPUs are parked or when it panics.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/workqueue.h>

#include "internal.h"

#define MK_HEARTBEAT_MS		1000

static unsigned int mk_id __ro_after_init;
static phys_addr_t mk_shared_base __ro_after_init;
static u64 mk_shared_size __ro_after_init;
static u32 mk_host_hwid __ro_after_init;
static struct multikernel_shared_header *mk_hdr __ro_after_init;
static struct mk_link *mk_host __ro_after_init;

/**
 * multikernel_spawned_init() - note that this kernel is a spawned instance
 * @id:		its instance ID on the host
 * @shared:	physical base of the region it shares with the host
 * @size:	size of that region
 * @host_hwid:	the host CPU that takes doorbells
 *
 * Called by the architecture while it parses its boot description.
 */
void __init multikernel_spawned_init(unsigned int id, phys_addr_t shared,
				     u64 size, u32 host_hwid)
{
	mk_id = id;
	mk_shared_base = shared;
	mk_shared_size = size;
	mk_host_hwid = host_hwid;
}

/* 0 in the host, the instance ID in a spawned kernel. */
unsigned int mk_spawned_id(void)
{
	return mk_id;
}

/* Tell the host, from a CPU that may be the last one running. */
static void mk_notify(u16 type, u32 val, u32 state)
{
	mk_link_send_atomic(mk_host, MULTIKERNEL_CHAN_CONTROL, type, &val,
			    sizeof(val));
	/* In case the ring could not take it; pairs with the host's read. */
	smp_store_release(&mk_hdr->state, state);
}

/**
 * multikernel_spawned_exit() - tell the host this kernel's CPUs are parked
 * @reason:	a &enum multikernel_exit
 *
 * Called by the architecture with interrupts off and the other CPUs
 * stopped, just before it halts this one for the host to reset.
 */
void multikernel_spawned_exit(int reason)
{
	if (!mk_host)
		return;
	mk_notify(MULTIKERNEL_CTRL_PARKED, reason, MULTIKERNEL_PEER_PARKED);
}

static int mk_panic_notify(struct notifier_block *nb, unsigned long ev,
			   void *msg)
{
	mk_notify(MULTIKERNEL_CTRL_PANIC, 0, MULTIKERNEL_PEER_PANIC);
	return NOTIFY_DONE;
}

static struct notifier_block mk_panic_nb = {
	.notifier_call = mk_panic_notify,
};

static void mk_heartbeat(struct work_struct *work);
static DECLARE_DELAYED_WORK(mk_heartbeat_work, mk_heartbeat);

static void mk_heartbeat(struct work_struct *work)
{
	WRITE_ONCE(mk_hdr->heartbeat, READ_ONCE(mk_hdr->heartbeat) + 1);
	schedule_delayed_work(&mk_heartbeat_work,
			      msecs_to_jiffies(MK_HEARTBEAT_MS));
}

/**
 * mk_spawned_control() - a control message from the host
 * @l:		the link to the host
 * @type:	a &enum multikernel_ctrl
 * @buf:	the payload, copied out of the ring
 * @len:	its length
 *
 * Called with interrupts off.
 */
void mk_spawned_control(struct mk_link *l, u16 type, const void *buf, u32 len)
{
	static bool shutting_down;

	switch (type) {
	case MULTIKERNEL_CTRL_SHUTDOWN:
		if (shutting_down)
			return;
		shutting_down = true;
		pr_info("instance %u: the host asks for power off\n", mk_id);
		orderly_poweroff(true);
		return;
	case MULTIKERNEL_CTRL_PING:
		/* A full ring loses the answer; the host times out. */
		mk_link_send(l, MULTIKERNEL_CHAN_CONTROL, MULTIKERNEL_CTRL_PONG,
			     buf, len);
		return;
	}
	atomic64_inc(&l->stats[MK_STAT_ERRORS]);
	pr_warn_ratelimited("bad control message %u (%u bytes) from the host\n",
			    type, len);
}

/**
 * mk_spawned_message() - send a line of text to the host
 * @buf:	the text
 * @len:	its length; at most %MK_TEXT_MAX
 *
 * Return: 0, -ENOTCONN without a link to the host, -EMSGSIZE when too
 * long, -EAGAIN when the ring to the host is full.
 */
int mk_spawned_message(const char *buf, size_t len)
{
	if (!mk_host)
		return -ENOTCONN;
	if (len > MK_TEXT_MAX)
		return -EMSGSIZE;
	return mk_link_send(mk_host, MULTIKERNEL_CHAN_CONTROL,
			    MULTIKERNEL_CTRL_TEXT, buf, len);
}

static int __init mk_spawned_map(void)
{
	struct multikernel_shared_header *hdr;
	struct mk_link *l;

	if (!mk_id)
		return 0;
	hdr = memremap(mk_shared_base, mk_shared_size, MEMREMAP_WB);
	if (!hdr) {
		pr_err("instance %u: cannot map the shared region\n", mk_id);
		return -ENOMEM;
	}
	/* Pairs with the host's release of the magic. */
	if (smp_load_acquire(&hdr->magic) != MULTIKERNEL_SHARED_MAGIC ||
	    READ_ONCE(hdr->version) != MULTIKERNEL_SHARED_VERSION ||
	    READ_ONCE(hdr->instance_id) != mk_id ||
	    READ_ONCE(hdr->size) != mk_shared_size) {
		pr_err("instance %u: the shared region has no valid header; no link to the host\n",
		       mk_id);
		goto fail;
	}
	l = mk_host_link_init(hdr, mk_shared_size, mk_host_hwid);
	if (IS_ERR(l)) {
		pr_err("instance %u: cannot use the rings in the shared region (%ld); no link to the host\n",
		       mk_id, PTR_ERR(l));
		goto fail;
	}
	mk_hdr = hdr;
	mk_host = l;
	atomic_notifier_chain_register(&panic_notifier_list, &mk_panic_nb);
	return 0;

fail:
	memunmap(hdr);
	return -EPROTO;
}
core_initcall(mk_spawned_map);

/* As late as an initcall can be: init runs next. */
static int __init mk_spawned_hello(void)
{
	u32 cpus = num_online_cpus();
	int ret;

	if (!mk_host)
		return 0;
	WRITE_ONCE(mk_hdr->nr_cpus, cpus);
	WRITE_ONCE(mk_hdr->state, MULTIKERNEL_PEER_RUNNING);
	ret = mk_link_send(mk_host, MULTIKERNEL_CHAN_CONTROL,
			   MULTIKERNEL_CTRL_HELLO, &cpus, sizeof(cpus));
	if (ret) {
		pr_err("instance %u: cannot say hello to the host (%d)\n",
		       mk_id, ret);
		return ret;
	}
	schedule_delayed_work(&mk_heartbeat_work,
			      msecs_to_jiffies(MK_HEARTBEAT_MS));
	pr_info("instance %u: up on %u CPUs, said hello to the host\n", mk_id,
		cpus);
	return 0;
}
late_initcall_sync(mk_spawned_hello);
