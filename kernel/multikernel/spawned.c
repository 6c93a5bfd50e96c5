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
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/panic.h>
#include <linux/panic_notifier.h>
#include <linux/random.h>
#include <linux/reboot.h>
#include <linux/sched/clock.h>
#include <linux/security.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>

#include <asm/early_ioremap.h>

#include "internal.h"

#define MK_HEARTBEAT_MS		1000

static unsigned int mk_id __ro_after_init;
static phys_addr_t mk_shared_base __ro_after_init;
static u64 mk_shared_size __ro_after_init;
static u32 mk_host_hwid __ro_after_init;
static struct multikernel_shared_header *mk_hdr __ro_after_init;
static struct mk_link *mk_host __ro_after_init;

/* How far the host asked this kernel to lock down, and a seed fingerprint. */
static u32 mk_lockdown __ro_after_init;
static u32 mk_seed_print __ro_after_init;

/* The lockdown reason that tells whether a kernel is locked down to @level. */
static enum lockdown_reason mk_lockdown_reason(u32 level)
{
	/* The first reason of the confidentiality class. */
	return level == MULTIKERNEL_LOCKDOWN_INTEGRITY ? LOCKDOWN_INTEGRITY_MAX :
							 LOCKDOWN_KCORE;
}

/*
 * What the host gives every start, read before the kernel parses its
 * command line or runs anything else: a fresh seed for the entropy pool,
 * which the boot parameters cannot carry (they are the same at every
 * start), and how far to lock down, as far as the host is. A header
 * that cannot be read leaves the level unknown: lock down all the way.
 */
static void __init mk_spawned_early(phys_addr_t shared)
{
	struct multikernel_shared_header *hdr;
	enum lockdown_reason level;
	u8 seed[MULTIKERNEL_SEED_SIZE];

	mk_lockdown = MULTIKERNEL_LOCKDOWN_CONFIDENTIALITY;
	hdr = early_memremap(shared, sizeof(*hdr));
	if (hdr && hdr->magic == MULTIKERNEL_SHARED_MAGIC &&
	    hdr->version == MULTIKERNEL_SHARED_VERSION &&
	    hdr->instance_id == mk_id) {
		memcpy(seed, hdr->rng_seed, sizeof(seed));
		memzero_explicit(hdr->rng_seed, sizeof(hdr->rng_seed));
		add_bootloader_randomness(seed, sizeof(seed));
		mk_seed_print = get_unaligned((u32 *)seed);
		memzero_explicit(seed, sizeof(seed));
		/* A level this kernel does not know is the strictest it knows. */
		mk_lockdown = min_t(u32, hdr->lockdown,
				    MULTIKERNEL_LOCKDOWN_CONFIDENTIALITY);
	}
	if (hdr)
		early_memunmap(hdr, sizeof(*hdr));
	if (mk_lockdown == MULTIKERNEL_LOCKDOWN_NONE)
		return;
	level = mk_lockdown == MULTIKERNEL_LOCKDOWN_INTEGRITY ?
		LOCKDOWN_INTEGRITY_MAX : LOCKDOWN_CONFIDENTIALITY_MAX;
	/* Without the lockdown LSM, mk_lockdown_check() stops this kernel. */
	if (IS_ENABLED(CONFIG_SECURITY_LOCKDOWN_LSM))
		lock_kernel_down("the multikernel host", level);
}

/*
 * Once the LSMs are up: a kernel that could not lock itself down as far
 * as the host is must not run init, where root could do what the host's
 * lockdown forbids, with memory the host owns.
 */
static void __init mk_lockdown_check(void)
{
	if (mk_lockdown == MULTIKERNEL_LOCKDOWN_NONE)
		return;
	if (!security_locked_down(mk_lockdown_reason(mk_lockdown)))
		panic("multikernel: instance %u: the host is locked down and this kernel cannot lock itself down",
		      mk_id);
	pr_info("instance %u: locked down to %s, as the host is\n", mk_id,
		mk_lockdown == MULTIKERNEL_LOCKDOWN_INTEGRITY ?
		"integrity" : "confidentiality");
}

#ifdef CONFIG_MULTIKERNEL_BENCH
/**
 * mk_spawned_seed_print() - 32 bits of the seed this start was given
 *
 * For the selftest that each start gets a new one; those 32 bits are
 * no secret in a kernel built for benchmarks and tests.
 *
 * Return: the first 32 bits of the seed, as the host gave them.
 */
u32 mk_spawned_seed_print(void)
{
	return mk_seed_print;
}

/**
 * mk_spawned_hostile() - act as a broken or hostile instance would
 * @cmd:	"ring": make the ring to the host malformed; "control":
 *		send a control message of a wrong length; "header": write
 *		garbage into every field of the shared header that the host
 *		writes; "flood": ring the host's doorbell for a second
 *
 * For the selftests of the host's defences: a real peer, not a ring
 * faked on the host.
 *
 * Return: doorbells rung for "flood", else 0; -ENOTCONN without a link
 * to the host, -EINVAL for an unknown command.
 */
long mk_spawned_hostile(const char *cmd)
{
	unsigned long flags;
	u8 byte = 0;
	u64 end;
	long n;

	if (!mk_host)
		return -ENOTCONN;
	if (sysfs_streq(cmd, "ring")) {
		/*
		 * A producer index no record boundary can have, kept by
		 * every later send too.
		 */
		spin_lock_irqsave(&mk_host->tx_lock, flags);
		mk_host->tx.pos += 3;
		WRITE_ONCE(mk_host->tx.ctl->prod, mk_host->tx.pos);
		spin_unlock_irqrestore(&mk_host->tx_lock, flags);
		arch_multikernel_send_doorbell(mk_host_hwid);
		return 0;
	}
	if (sysfs_streq(cmd, "control"))
		return mk_link_send(mk_host, MULTIKERNEL_CHAN_CONTROL,
				    MULTIKERNEL_CTRL_HELLO, &byte, 1);
	if (sysfs_streq(cmd, "header")) {
		WRITE_ONCE(mk_hdr->magic, ~0U);
		WRITE_ONCE(mk_hdr->version, ~0U);
		WRITE_ONCE(mk_hdr->size, ~0U);
		WRITE_ONCE(mk_hdr->instance_id, ~0U);
		WRITE_ONCE(mk_hdr->ring_size, ~0U);
		WRITE_ONCE(mk_hdr->ring_offset[0], ~0U);
		WRITE_ONCE(mk_hdr->ring_offset[1], ~0U);
		WRITE_ONCE(mk_hdr->lockdown, ~0U);
		WRITE_ONCE(mk_hdr->peer_version, ~0U);
		WRITE_ONCE(mk_hdr->features, ~0U);
		WRITE_ONCE(mk_hdr->log_offset, ~0U);
		WRITE_ONCE(mk_hdr->log_size, ~0U);
		WRITE_ONCE(mk_hdr->host_heartbeat, ~0ULL);
		return 0;
	}
	if (sysfs_streq(cmd, "flood")) {
		end = ktime_get_ns() + NSEC_PER_SEC;
		for (n = 0; ktime_get_ns() < end; n++) {
			arch_multikernel_send_doorbell(mk_host_hwid);
			if (!(n % 1024))
				cond_resched();
		}
		return n;
	}
	return -EINVAL;
}
#endif

/**
 * multikernel_spawned_init() - note that this kernel is a spawned instance
 * @id:		its instance ID on the host
 * @shared:	physical base of the region it shares with the host
 * @size:	size of that region
 * @host_hwid:	the host CPU that takes doorbells
 *
 * Called by the architecture while it parses its boot description,
 * before the command line: takes the seed and the lockdown level the
 * host left in the shared region.
 */
void __init multikernel_spawned_init(unsigned int id, phys_addr_t shared,
				     u64 size, u32 host_hwid)
{
	mk_id = id;
	mk_set_self_id(id);
	mk_shared_base = shared;
	mk_shared_size = size;
	mk_host_hwid = host_hwid;
	mk_spawned_early(shared);
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

/* The host asks for power off; once is enough. Any context. */
static void mk_spawned_shutdown(void)
{
	static atomic_t shutting_down = ATOMIC_INIT(0);

	if (atomic_xchg(&shutting_down, 1))
		return;
	pr_info("instance %u: the host asks for power off\n", mk_id);
	orderly_poweroff(true);
}

static void mk_heartbeat(struct work_struct *work)
{
	WRITE_ONCE(mk_hdr->heartbeat, READ_ONCE(mk_hdr->heartbeat) + 1);
	if (READ_ONCE(mk_hdr->request) & MULTIKERNEL_REQUEST_SHUTDOWN)
		mk_spawned_shutdown();
	schedule_delayed_work(&mk_heartbeat_work,
			      msecs_to_jiffies(MK_HEARTBEAT_MS));
}

/*
 * A control message from the host, copied out of the ring; with
 * interrupts off.
 */
static void mk_spawned_control(struct mk_link *l, u16 type, const void *buf,
			       u32 len)
{
	switch (type) {
	case MULTIKERNEL_CTRL_SHUTDOWN:
		mk_spawned_shutdown();
		return;
	case MULTIKERNEL_CTRL_PING: {
		u8 pong[MULTIKERNEL_PING_STAMPED];
		u64 now = get_cycles();

		/*
		 * A full ring loses the answer; the host times out. The
		 * host's benchmark learns when the ping got here.
		 */
		if (len == sizeof(pong)) {
			memcpy(pong, buf, len);
			memcpy(pong + MULTIKERNEL_PING_STAMP, &now, sizeof(now));
			buf = pong;
		}
		mk_link_send(l, MULTIKERNEL_CHAN_CONTROL, MULTIKERNEL_CTRL_PONG,
			     buf, len);
		return;
	}
	}
	atomic64_inc(&l->stats[MK_STAT_ERRORS]);
	pr_warn_ratelimited("bad control message %u (%u bytes) from the host\n",
			    type, len);
	mk_link_close(l, "malformed control message from it");
}

static const struct mk_link_ops mk_spawned_link_ops = {
	.control	= mk_spawned_control,
};

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
	bool logging = false;
	u32 version, features;
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
	    READ_ONCE(hdr->instance_id) != mk_id ||
	    READ_ONCE(hdr->size) != mk_shared_size) {
		pr_err("instance %u: the shared region has no valid header; no link to the host\n",
		       mk_id);
		goto fail;
	}
	/* These fields are where they are in every version. */
	version = READ_ONCE(hdr->version);
	if (version != mk_bench_version()) {
		WRITE_ONCE(hdr->peer_version, mk_bench_version());
		pr_err("instance %u: the host lays out the shared region in version %u, this kernel knows %u; no link to the host\n",
		       mk_id, version, mk_bench_version());
		goto fail;
	}
	features = READ_ONCE(hdr->host_features) & mk_bench_features();
	if (!(features & MULTIKERNEL_F_NET_CSUM))
		features &= ~MULTIKERNEL_F_NET_GSO;
	WRITE_ONCE(hdr->features, features);
	if (features & MULTIKERNEL_F_NET_ADDR)
		mk_set_host_id(READ_ONCE(hdr->host_id));
	logging = mk_log_start(hdr, mk_shared_size);
	l = mk_host_link_init(hdr, mk_shared_size, mk_host_hwid,
			      &mk_spawned_link_ops, features);
	if (IS_ERR(l)) {
		pr_err("instance %u: cannot use the rings in the shared region (%ld); no link to the host\n",
		       mk_id, PTR_ERR(l));
		goto fail;
	}
	mk_hdr = hdr;
	mk_host = l;
	atomic_notifier_chain_register(&panic_notifier_list, &mk_panic_nb);
	mk_lockdown_check();
	return 0;

fail:
	/* The log console keeps writing there. */
	if (!logging)
		memunmap(hdr);
	mk_lockdown_check();
	return -EPROTO;
}

/* Early, for the log: a kernel that dies in its initcalls leaves one. */
early_initcall(mk_spawned_map);

/* As late as an initcall can be: init runs next. */
static int __init mk_spawned_hello(void)
{
	u32 cpus = num_online_cpus();
	int ret;

	if (!mk_host)
		return 0;
	WRITE_ONCE(mk_hdr->nr_cpus, cpus);
	/* Before the hello: the host splits the start's time with it. */
	WRITE_ONCE(mk_hdr->hello_clock_ns, local_clock());
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
