// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spawned kernel's side of an instance's lifecycle.
 *
 * The architecture finds the instance ID and the shared region in its
 * boot description and calls multikernel_spawned_init(). This kernel
 * then says hello in the shared header just before it runs init, keeps
 * a heartbeat, powers off when the host asks, and tells the host when
 * its CPUs are parked or when it panics.
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

#define MK_SPAWNED_POLL_MS	20

static unsigned int mk_id __ro_after_init;
static phys_addr_t mk_shared_base __ro_after_init;
static u64 mk_shared_size __ro_after_init;
static struct multikernel_shared_header *mk_hdr __ro_after_init;
static DEFINE_MUTEX(mk_message_lock);

/**
 * multikernel_spawned_init() - note that this kernel is a spawned instance
 * @id:		its instance ID on the host
 * @shared:	physical base of the region it shares with the host
 * @size:	size of that region
 *
 * Called by the architecture while it parses its boot description.
 */
void __init multikernel_spawned_init(unsigned int id, phys_addr_t shared,
				     u64 size)
{
	mk_id = id;
	mk_shared_base = shared;
	mk_shared_size = size;
}

/* 0 in the host, the instance ID in a spawned kernel. */
unsigned int mk_spawned_id(void)
{
	return mk_id;
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
	if (!mk_hdr)
		return;
	WRITE_ONCE(mk_hdr->exit_reason, reason);
	/* The host reads the reason after it sees the state. */
	smp_store_release(&mk_hdr->state, MULTIKERNEL_PEER_PARKED);
}

static int mk_panic_notify(struct notifier_block *nb, unsigned long ev,
			   void *msg)
{
	/* Pairs with the acquire in the host's poll. */
	smp_store_release(&mk_hdr->state, MULTIKERNEL_PEER_PANIC);
	return NOTIFY_DONE;
}

static struct notifier_block mk_panic_nb = {
	.notifier_call = mk_panic_notify,
};

static void mk_spawned_poll(struct work_struct *work);
static DECLARE_DELAYED_WORK(mk_poll_work, mk_spawned_poll);

static void mk_spawned_poll(struct work_struct *work)
{
	WRITE_ONCE(mk_hdr->heartbeat, READ_ONCE(mk_hdr->heartbeat) + 1);
	/* Pairs with the host's release of the request. */
	if (smp_load_acquire(&mk_hdr->request) == MULTIKERNEL_REQ_SHUTDOWN) {
		pr_info("instance %u: the host asks for power off\n", mk_id);
		orderly_poweroff(true);
		return;
	}
	schedule_delayed_work(&mk_poll_work, msecs_to_jiffies(MK_SPAWNED_POLL_MS));
}

/**
 * mk_spawned_message() - send a line of text to the host
 * @buf:	the text
 * @len:	its length; at most %MULTIKERNEL_MESSAGE_MAX
 *
 * Return: 0, -ENOTCONN without a channel to the host, -EMSGSIZE when too
 * long.
 */
int mk_spawned_message(const char *buf, size_t len)
{
	u32 seq;

	if (!mk_hdr)
		return -ENOTCONN;
	if (len > MULTIKERNEL_MESSAGE_MAX)
		return -EMSGSIZE;
	mutex_lock(&mk_message_lock);
	seq = READ_ONCE(mk_hdr->message_seq);
	WRITE_ONCE(mk_hdr->message_seq, seq + 1);
	/* An odd sequence is visible before the text changes. */
	smp_wmb();
	memcpy(mk_hdr->message, buf, len);
	WRITE_ONCE(mk_hdr->message_len, len);
	/* The text and length are visible before the even sequence. */
	smp_store_release(&mk_hdr->message_seq, seq + 2);
	mutex_unlock(&mk_message_lock);
	return 0;
}

static int __init mk_spawned_map(void)
{
	struct multikernel_shared_header *hdr;

	if (!mk_id)
		return 0;
	hdr = memremap(mk_shared_base, PAGE_SIZE, MEMREMAP_WB);
	if (!hdr) {
		pr_err("instance %u: cannot map the shared region\n", mk_id);
		return -ENOMEM;
	}
	/* Pairs with the host's release of the magic. */
	if (smp_load_acquire(&hdr->magic) != MULTIKERNEL_SHARED_MAGIC ||
	    READ_ONCE(hdr->version) != MULTIKERNEL_SHARED_VERSION ||
	    READ_ONCE(hdr->instance_id) != mk_id) {
		pr_err("instance %u: the shared region has no valid header; no channel to the host\n",
		       mk_id);
		memunmap(hdr);
		return -EPROTO;
	}
	mk_hdr = hdr;
	atomic_notifier_chain_register(&panic_notifier_list, &mk_panic_nb);
	return 0;
}
core_initcall(mk_spawned_map);

/* As late as an initcall can be: init runs next. */
static int __init mk_spawned_hello(void)
{
	if (!mk_hdr)
		return 0;
	WRITE_ONCE(mk_hdr->nr_cpus, num_online_cpus());
	/* The CPU count is visible before the hello. */
	smp_store_release(&mk_hdr->state, MULTIKERNEL_PEER_RUNNING);
	schedule_delayed_work(&mk_poll_work, msecs_to_jiffies(MK_SPAWNED_POLL_MS));
	pr_info("instance %u: up on %u CPUs, said hello to the host\n", mk_id,
		num_online_cpus());
	return 0;
}
late_initcall_sync(mk_spawned_hello);
