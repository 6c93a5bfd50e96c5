// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting, watching, stopping and killing spawned kernels.
 *
 * While an image is loaded, its RAM is unmapped from the host's direct
 * map, so that a stray host access faults instead of corrupting it.
 *
 * Start takes the instance's CPUs offline and marks them owned (the
 * host cannot online them again until it has them back), refreshes the
 * image from its pristine copy if it has run before, prepares the
 * shared header and has the architecture start the boot CPU. The
 * spawned kernel says hello in the shared header before it runs init;
 * until then the instance is "starting", and a start that does not get
 * that far in start_timeout seconds ends "crashed". Stop asks it to power
 * off and waits until it reports its CPUs parked; kill does not ask.
 * Either way the host resets the CPUs and brings them back online.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kexec.h>
#include <linux/moduleparam.h>
#include <linux/multikernel.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "internal.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."

static unsigned int start_timeout = 120;
module_param(start_timeout, uint, 0644);
MODULE_PARM_DESC(start_timeout, "Seconds a spawned kernel has to say hello");

static unsigned int stop_timeout = 60;
module_param(stop_timeout, uint, 0644);
MODULE_PARM_DESC(stop_timeout, "Seconds a spawned kernel has to power off");

#define MK_POLL_MS	10

/* CPUs the host gave to a running instance; onlining them fails. */
static struct cpumask mk_owned_cpus;
static DECLARE_WAIT_QUEUE_HEAD(mk_wq);

static int mk_cpu_prepare(unsigned int cpu)
{
	if (!cpumask_test_cpu(cpu, &mk_owned_cpus))
		return 0;
	pr_info_ratelimited("CPU %u belongs to a running instance\n", cpu);
	return -EBUSY;
}

/* Give back @cpus to the host; the owner must have reset them. */
static void mk_return_cpus(struct mk_instance *mi, const struct cpumask *cpus)
{
	unsigned int cpu;
	int ret;

	cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, cpus);
	for_each_cpu(cpu, cpus) {
		ret = add_cpu(cpu);
		if (ret)
			pr_warn("instance %u: CPU %u did not come back online (%d)\n",
				mi->id, cpu, ret);
	}
}

static int mk_take_cpus(struct mk_instance *mi)
{
	cpumask_var_t done;
	unsigned int cpu;
	int ret = 0;

	if (!zalloc_cpumask_var(&done, GFP_KERNEL))
		return -ENOMEM;
	cpumask_or(&mk_owned_cpus, &mk_owned_cpus, mi->cpus);
	for_each_cpu(cpu, mi->cpus) {
		if (!cpu_online(cpu))
			continue;
		ret = remove_cpu(cpu);
		if (ret) {
			mk_set_error(mi, ret, "cannot start: the host cannot take CPU %u offline",
				     cpu);
			break;
		}
		cpumask_set_cpu(cpu, done);
	}
	if (ret) {
		cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, mi->cpus);
		mk_return_cpus(mi, done);
	}
	free_cpumask_var(done);
	return ret;
}

/* Reset the instance's CPUs and give them back to the host. */
static void mk_reclaim(struct mk_instance *mi)
{
	unsigned int cpu;

	for_each_cpu(cpu, mi->cpus)
		arch_multikernel_reset_cpu(cpu);
	arch_multikernel_kick_done(mi->id);
	mk_return_cpus(mi, mi->cpus);
}

static void mk_settle(struct mk_instance *mi, enum mk_event ev)
{
	enum mk_state next;

	if (!mk_state_next(mi->state, ev, &next))
		mi->state = next;
	wake_up_all(&mk_wq);
}

/**
 * mk_lifecycle_kill() - force a starting or running instance down
 * @mi:		the instance, with mk_lock held
 * @why:	what to log
 */
void mk_lifecycle_kill(struct mk_instance *mi, const char *why)
{
	cancel_delayed_work(&mi->poll);
	mk_reclaim(mi);
	mk_settle(mi, MK_EV_KILL);
	pr_info("instance %u: %s; CPUs %*pbl are back\n", mi->id, why,
		cpumask_pr_args(mi->cpus));
}

static void mk_crashed(struct mk_instance *mi, const char *why)
{
	mk_reclaim(mi);
	mk_set_error(mi, -EIO, "%s", why);
	mk_settle(mi, MK_EV_CRASH);
}

static void mk_poll(struct work_struct *work)
{
	struct mk_instance *mi = container_of(to_delayed_work(work),
					      struct mk_instance, poll);
	u32 peer;

	mutex_lock(&mk_lock);
	/* Pairs with the spawned kernel's release of its state. */
	peer = smp_load_acquire(&mi->hdr->state);
	switch (mi->state) {
	case MK_STARTING:
		if (peer == MULTIKERNEL_PEER_RUNNING) {
			mi->boot_time_ns = ktime_to_ns(ktime_sub(ktime_get(),
								 mi->start_time));
			arch_multikernel_kick_done(mi->id);
			mk_settle(mi, MK_EV_HELLO);
			pr_info("instance %u: running on CPUs %*pbl, up in %llu ms\n",
				mi->id, cpumask_pr_args(mi->cpus),
				div_u64(mi->boot_time_ns, NSEC_PER_MSEC));
		} else if (peer == MULTIKERNEL_PEER_PANIC) {
			mk_crashed(mi, "panicked while booting");
		} else if (peer != MULTIKERNEL_PEER_BOOTING) {
			mk_crashed(mi, "reported a bad state while booting");
		} else if (time_after(jiffies, mi->deadline)) {
			mk_crashed(mi, "did not say hello in time");
		}
		break;
	case MK_RUNNING:
	case MK_STOPPING:
		if (peer == MULTIKERNEL_PEER_PARKED) {
			mk_reclaim(mi);
			mk_settle(mi, mi->state == MK_RUNNING ? MK_EV_KILL :
							       MK_EV_PARKED);
			pr_info("instance %u: stopped; CPUs %*pbl are back\n",
				mi->id, cpumask_pr_args(mi->cpus));
		} else if (peer == MULTIKERNEL_PEER_PANIC) {
			mk_crashed(mi, "panicked");
		} else if (mi->state == MK_STOPPING &&
			   time_after(jiffies, mi->deadline)) {
			mi->killed = true;
			mk_lifecycle_kill(mi, "did not power off in time, killed");
		}
		break;
	default:
		break;
	}
	if (mi->state == MK_STARTING || mi->state == MK_RUNNING ||
	    mi->state == MK_STOPPING)
		queue_delayed_work(system_unbound_wq, &mi->poll,
				   msecs_to_jiffies(MK_POLL_MS));
	mutex_unlock(&mk_lock);
}

/* Map or unmap the instance's RAM in the host's direct map. */
static void mk_protect(struct mk_instance *mi, bool protect)
{
	int ret;

	if (mi->protected == protect)
		return;
	ret = arch_multikernel_protect(mi->ram.start, resource_size(&mi->ram),
				       protect);
	if (ret) {
		pr_warn("instance %u: cannot %s its memory in the direct map (%d)\n",
			mi->id, protect ? "unmap" : "map", ret);
		return;
	}
	mi->protected = protect;
}

static void mk_restore_image(struct mk_instance *mi)
{
	unsigned int i;

	mk_protect(mi, false);
	for (i = 0; i < mi->nr_segs; i++) {
		struct mk_segment *s = &mi->segs[i];
		void *p = phys_to_virt(s->mem);

		memcpy(p, s->buf, s->bufsz);
		memset(p + s->bufsz, 0, s->memsz - s->bufsz);
	}
	mk_protect(mi, true);
}

/**
 * mk_lifecycle_start() - boot a loaded or stopped instance
 * @mi:		the instance, with mk_lock held, in a state that may start
 *
 * Return: 0 once its boot CPU was started, or a negative errno with
 * nothing changed.
 */
int mk_lifecycle_start(struct mk_instance *mi)
{
	struct multikernel_kick kick = {
		.id		= mi->id,
		.cpu		= cpumask_first(mi->cpus),
		.entry		= mi->image->start,
		.mem_start	= mi->ram.start,
		.mem_end	= mi->ram.end,
	};
	struct multikernel_shared_header *hdr = mi->hdr;
	int ret;

	ret = mk_take_cpus(mi);
	if (ret)
		return ret;

	if (mi->started)
		mk_restore_image(mi);
	memset(hdr, 0, resource_size(&mi->shared));
	hdr->version = MULTIKERNEL_SHARED_VERSION;
	hdr->size = resource_size(&mi->shared);
	hdr->instance_id = mi->id;
	/* The spawned kernel trusts the fields once it sees the magic. */
	smp_store_release(&hdr->magic, MULTIKERNEL_SHARED_MAGIC);

	mi->start_time = ktime_get();
	mi->boot_time_ns = 0;
	mi->killed = false;
	ret = arch_multikernel_kick(&kick);
	if (ret) {
		cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, mi->cpus);
		mk_return_cpus(mi, mi->cpus);
		mk_set_error(mi, ret, "cannot start: the boot CPU could not be started");
		return ret;
	}
	mi->started = true;
	mi->deadline = jiffies + start_timeout * HZ;
	mk_settle(mi, MK_EV_START);
	mi->last_error[0] = '\0';
	queue_delayed_work(system_unbound_wq, &mi->poll,
			   msecs_to_jiffies(MK_POLL_MS));
	pr_info("instance %u: starting on CPUs %*pbl\n", mi->id,
		cpumask_pr_args(mi->cpus));
	return 0;
}

/**
 * mk_lifecycle_stop() - ask a running instance to power off, and wait
 * @mi:		the instance, with mk_lock held; it is dropped while waiting
 *
 * Return: 0 once it is stopped, -ETIMEDOUT when it had to be killed,
 * -EIO when it crashed instead, -EINTR when a signal ended the wait (the
 * stop goes on).
 */
int mk_lifecycle_stop(struct mk_instance *mi)
{
	int ret;

	mk_settle(mi, MK_EV_STOP);
	mi->deadline = jiffies + stop_timeout * HZ;
	/* Pairs with the acquire in the spawned kernel's poll. */
	smp_store_release(&mi->hdr->request, MULTIKERNEL_REQ_SHUTDOWN);
	mutex_unlock(&mk_lock);

	ret = wait_event_interruptible(mk_wq, READ_ONCE(mi->state) != MK_STOPPING);

	mutex_lock(&mk_lock);
	if (ret)
		return -EINTR;
	if (mi->state == MK_CRASHED)
		return -EIO;
	if (mi->killed) {
		mk_set_error(mi, -ETIMEDOUT, "did not power off within %u s; killed",
			     stop_timeout);
		return -ETIMEDOUT;
	}
	return 0;
}

/**
 * mk_message_read() - the last message the spawned kernel sent
 * @mi:		the instance, with mk_lock held
 * @buf:	where to copy it
 * @len:	room in @buf, including a terminating NUL
 *
 * Return: the message length, 0 when there is none.
 */
ssize_t mk_message_read(struct mk_instance *mi, char *buf, size_t len)
{
	struct multikernel_shared_header *hdr = mi->hdr;
	unsigned int tries;
	u32 seq, n;

	if (!mi->started)
		return 0;
	/* Untrusted: copy, bound the length, retry a torn read a little. */
	for (tries = 0; tries < 4; tries++) {
		/* Pairs with the release that ends the writer's update. */
		seq = smp_load_acquire(&hdr->message_seq);
		if (seq & 1)
			continue;
		n = min_t(u32, READ_ONCE(hdr->message_len),
			  MULTIKERNEL_MESSAGE_MAX);
		n = min_t(u32, n, len - 1);
		memcpy(buf, hdr->message, n);
		/* Read the text before checking that it did not change. */
		smp_rmb();
		if (READ_ONCE(hdr->message_seq) == seq) {
			buf[n] = '\0';
			return n;
		}
	}
	return 0;
}

/**
 * mk_lifecycle_loaded() - keep what a freshly loaded image needs
 * @mi:		the instance, with mk_lock held, its image just loaded
 *
 * Return: 0 or -ENOMEM.
 */
int mk_lifecycle_loaded(struct mk_instance *mi)
{
	struct kimage *image = mi->image;
	unsigned int i;

	mi->segs = kcalloc(image->nr_segments, sizeof(*mi->segs), GFP_KERNEL);
	if (!mi->segs)
		return -ENOMEM;
	for (i = 0; i < image->nr_segments; i++) {
		struct kexec_segment *ks = &image->segment[i];
		struct mk_segment *s = &mi->segs[i];

		s->mem = ks->mem;
		s->memsz = ks->memsz;
		s->bufsz = min(ks->bufsz, ks->memsz);
		s->buf = kvmalloc(s->bufsz, GFP_KERNEL);
		if (!s->buf) {
			mi->nr_segs = i;
			mk_lifecycle_unload(mi);
			return -ENOMEM;
		}
		memcpy(s->buf, phys_to_virt(s->mem), s->bufsz);
	}
	mi->nr_segs = image->nr_segments;
	mi->started = false;
	mi->hdr = phys_to_virt(mi->shared.start);
	mk_protect(mi, true);
	return 0;
}

/**
 * mk_lifecycle_unload() - forget the image and wipe the instance's memory
 * @mi:		the instance, with mk_lock held, not running
 */
void mk_lifecycle_unload(struct mk_instance *mi)
{
	unsigned int i;

	for (i = 0; i < mi->nr_segs; i++)
		kvfree(mi->segs[i].buf);
	kfree(mi->segs);
	mi->segs = NULL;
	mi->nr_segs = 0;
	mi->started = false;
	mi->boot_time_ns = 0;
	mk_protect(mi, false);
	if (mi->mem.parent)
		memset(phys_to_virt(mi->mem.start), 0, resource_size(&mi->mem));
}

void mk_lifecycle_init(struct mk_instance *mi)
{
	INIT_DELAYED_WORK(&mi->poll, mk_poll);
}

static int __init mk_lifecycle_setup(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "multikernel:owned",
					mk_cpu_prepare, NULL);
	return ret < 0 ? ret : 0;
}
device_initcall(mk_lifecycle_setup);
