// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting, watching, stopping and killing spawned kernels.
 *
 * While an image is loaded, its RAM is unmapped from the host's direct
 * map, so that a stray host access faults instead of corrupting it.
 *
 * Start puts the image back from its pristine copy if it has run
 * before, checks that the image in the instance's RAM is the one
 * loaded, takes the instance's CPUs offline and marks them owned (the
 * host cannot online them again until it has them back), lays out the
 * shared region with new rings and has the architecture start the boot
 * CPU. The spawned kernel sends hello on the control channel before it
 * runs init; until then the instance is "starting", and a start that
 * does not get that far in start_timeout seconds ends "crashed". Stop
 * sends a shutdown message and waits until the spawned kernel reports
 * its CPUs parked; kill does not ask. Either way the host resets the
 * CPUs and brings them back online. While it runs, a heartbeat counter
 * that stops for heartbeat_timeout seconds means it hangs: "crashed".
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kexec.h>
#include <linux/moduleparam.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/reboot.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/xxhash.h>

#include <trace/events/multikernel.h>

#include "internal.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."

/*
 * The parameters change what the host does to instances, so changing
 * them after boot (a reboot's notifiers run while user space still
 * does) takes what every other control does: CAP_SYS_BOOT.
 */
static bool mk_param_may_set(const struct kernel_param *kp)
{
	if (system_state < SYSTEM_RUNNING || capable(CAP_SYS_BOOT))
		return true;
	pr_notice_ratelimited("changing %s needs CAP_SYS_BOOT\n", kp->name);
	return false;
}

/**
 * struct mk_secs - a parameter in seconds, and the values it may take
 * @val:	the seconds
 * @min:	the least, but for 0 where @off says so
 * @max:	the most
 * @off:	0 is allowed and turns the check off
 */
struct mk_secs {
	unsigned int val;
	unsigned int min;
	unsigned int max;
	bool off;
};

static int mk_secs_set(const char *val, const struct kernel_param *kp)
{
	struct mk_secs *p = kp->arg;
	unsigned int secs;

	if (!mk_param_may_set(kp))
		return -EPERM;
	if (kstrtouint(val, 0, &secs) ||
	    ((secs < p->min || secs > p->max) && !(p->off && !secs))) {
		pr_info("%s must be %s%u to %u seconds\n", kp->name,
			p->off ? "0 (off) or " : "", p->min, p->max);
		return -EINVAL;
	}
	WRITE_ONCE(p->val, secs);
	return 0;
}

static int mk_secs_get(char *buf, const struct kernel_param *kp)
{
	const struct mk_secs *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(p->val));
}

static const struct kernel_param_ops mk_secs_ops = {
	.set = mk_secs_set,
	.get = mk_secs_get,
};

static struct mk_secs start_timeout = { .val = 120, .min = 1, .max = 3600 };
module_param_cb(start_timeout, &mk_secs_ops, &start_timeout, 0644);
MODULE_PARM_DESC(start_timeout,
		 "Seconds a spawned kernel has to say hello (1 to 3600)");

static struct mk_secs stop_timeout = { .val = 60, .min = 1, .max = 3600 };
module_param_cb(stop_timeout, &mk_secs_ops, &stop_timeout, 0644);
MODULE_PARM_DESC(stop_timeout,
		 "Seconds a spawned kernel has to power off (1 to 3600)");

static struct mk_secs heartbeat_timeout = {
	.val = 10, .min = 3, .max = 3600, .off = true,
};
module_param_cb(heartbeat_timeout, &mk_secs_ops, &heartbeat_timeout, 0644);
MODULE_PARM_DESC(heartbeat_timeout,
		 "Seconds without a heartbeat before a running instance is declared hung (0: never, else 3 to 3600)");

static bool crash_stop = true;

static int mk_crash_stop_set(const char *val, const struct kernel_param *kp)
{
	if (!mk_param_may_set(kp))
		return -EPERM;
	return param_set_bool(val, kp);
}

static const struct kernel_param_ops mk_crash_stop_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = mk_crash_stop_set,
	.get = param_get_bool,
};
module_param_cb(crash_stop, &mk_crash_stop_ops, &crash_stop, 0644);
MODULE_PARM_DESC(crash_stop,
		 "Reset the instances' CPUs when the host crashes, before a crash kernel runs (default: yes)");

static unsigned int ring_size = 256 << 10;

static int mk_ring_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int size;
	int ret;

	if (!mk_param_may_set(kp))
		return -EPERM;
	ret = kstrtouint(val, 0, &size);
	if (ret || !mk_ring_size_valid(size)) {
		pr_info("ring_size must be a power of two from %u to %u\n",
			MULTIKERNEL_RING_MIN, MULTIKERNEL_RING_MAX);
		return -EINVAL;
	}
	return param_set_uint(val, kp);
}

static const struct kernel_param_ops mk_ring_size_ops = {
	.set = mk_ring_size_set,
	.get = param_get_uint,
};
module_param_cb(ring_size, &mk_ring_size_ops, &ring_size, 0644);
MODULE_PARM_DESC(ring_size, "Bytes of each message ring of instances started from now on");

/* How often the host looks at a starting, running or stopping instance. */
#define MK_POLL_MS	100

/* CPUs the host gave to a running instance; onlining them fails. */
static struct cpumask mk_owned_cpus;
static DECLARE_WAIT_QUEUE_HEAD(mk_wq);

/* The host reboots, powers off or kexecs: no instance starts any more. */
static bool mk_host_down;
/* The host is suspending or hibernating: no instance starts until it is back. */
static bool mk_host_asleep;

static int mk_cpu_prepare(unsigned int cpu)
{
	if (!cpumask_test_cpu(cpu, &mk_owned_cpus))
		return 0;
	pr_info_ratelimited("CPU %u belongs to a multikernel instance\n", cpu);
	return -EBUSY;
}

#ifdef CONFIG_MULTIKERNEL_BENCH
/* For the selftests: a CPU whose next reset is taken as unconfirmed. */
static int mk_fail_reset_cpu = -1;

/**
 * mk_lifecycle_fail_reset() - have the next reset of a CPU go unconfirmed
 * @cpu:	the CPU, or -1 for none
 *
 * As if it had not taken its INIT: the selftests cannot block one.
 */
void mk_lifecycle_fail_reset(int cpu)
{
	mutex_lock(&mk_lock);
	mk_fail_reset_cpu = cpu;
	mutex_unlock(&mk_lock);
}

/**
 * mk_lifecycle_corrupt_copy() - change a byte of an instance's saved image
 * @id:		the instance
 *
 * For the selftests: the next time the host puts the image back, it
 * must find that its copy changed and refuse to start it.
 *
 * Return: 0, -EINVAL for no such instance, -ENOENT if it holds no image.
 */
int mk_lifecycle_corrupt_copy(unsigned int id)
{
	struct mk_instance *mi = mk_instance_get(id);
	int ret = -ENOENT;

	if (!mi)
		return -EINVAL;
	mutex_lock(&mk_lock);
	/* Not under a reset's feet: the next start puts the image back. */
	flush_work(&mi->reset);
	if (mi->nr_segs && mi->segs[0].bufsz) {
		((u8 *)mi->segs[0].buf)[mi->segs[0].bufsz / 2] ^= 0x5a;
		mi->pristine = false;
		ret = 0;
	}
	mutex_unlock(&mk_lock);
	return ret;
}

static bool mk_reset_fails(unsigned int cpu)
{
	if (mk_fail_reset_cpu != (int)cpu)
		return false;
	mk_fail_reset_cpu = -1;
	return true;
}
#else
static bool mk_reset_fails(unsigned int cpu)
{
	return false;
}
#endif

/*
 * CPUs being given back to the host, owned no more but not confirmed
 * reset yet: a host crash resets them too.
 */
static struct cpumask mk_returning_cpus;

/*
 * Give back @cpus, which the instance ran on, to the host; they have
 * been sent INIT. Onlining one sends it INIT and SIPI again and waits
 * for it to report in from the host's own startup code: that is what
 * confirms it stopped running the instance. INIT is blocked in VMX root
 * operation and held pending while GIF is clear on AMD; such a CPU
 * never reports in (-EIO), may still run the instance and write its
 * memory, and stays owned. Other errors come before any INIT is sent
 * (a CPU the host may not boot, hotplug disabled): the CPU stays
 * offline, as after any failed online. Return: how many may still run.
 */
static unsigned int mk_return_cpus(struct mk_instance *mi,
				   const struct cpumask *cpus)
{
	unsigned int cpu, lost = 0;
	int ret;

	cpumask_or(&mk_returning_cpus, &mk_returning_cpus, cpus);
	cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, cpus);
	for_each_cpu(cpu, cpus) {
		ret = mk_reset_fails(cpu) ? -EIO : add_cpu(cpu);
		/* 1: someone else onlined it meanwhile, which confirms it too. */
		if (ret == -EIO && !cpu_online(cpu)) {
			pr_err("instance %u: CPU %u did not report in after its reset; it may still run the instance\n",
			       mi->id, cpu);
			cpumask_set_cpu(cpu, &mk_owned_cpus);
			lost++;
		} else if (ret < 0) {
			pr_warn("instance %u: CPU %u did not come back online (%d)\n",
				mi->id, cpu, ret);
		}
		cpumask_clear_cpu(cpu, &mk_returning_cpus);
	}
	return lost;
}

/* Give back CPUs taken for a start that did not happen. */
static void mk_untake_cpus(struct mk_instance *mi, const struct cpumask *cpus)
{
	unsigned int cpu;
	int ret;

	cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, mi->cpus);
	for_each_cpu(cpu, cpus) {
		ret = add_cpu(cpu);
		if (ret)
			pr_warn("instance %u: CPU %u did not come back online (%d)\n",
				mi->id, cpu, ret);
	}
}

/*
 * Take the instance's CPUs offline and own them. The device hotplug
 * lock keeps anyone from onlining one between the check and the
 * offline; once owned, the hotplug callback refuses to online it.
 */
static int mk_take_cpus(struct mk_instance *mi)
{
	cpumask_var_t done;
	unsigned int cpu;
	int ret = 0;

	if (!zalloc_cpumask_var(&done, GFP_KERNEL))
		return -ENOMEM;
	lock_device_hotplug();
	cpumask_or(&mk_owned_cpus, &mk_owned_cpus, mi->cpus);
	for_each_cpu(cpu, mi->cpus) {
		if (!cpu_online(cpu))
			continue;
		ret = device_offline(get_cpu_device(cpu));
		if (ret) {
			mk_set_error(mi, ret, "cannot start: the host cannot take CPU %u offline",
				     cpu);
			break;
		}
		cpumask_set_cpu(cpu, done);
	}
	unlock_device_hotplug();
	if (ret)
		mk_untake_cpus(mi, done);
	free_cpumask_var(done);
	return ret;
}

/*
 * Reset the instance's CPUs and give them back to the host.
 * Return: false when one of them was not confirmed reset.
 */
static bool mk_reclaim(struct mk_instance *mi)
{
	unsigned int cpu;

	for_each_cpu(cpu, mi->cpus)
		arch_multikernel_reset_cpu(cpu);
	mk_link_down(&mi->link);
	if (mk_return_cpus(mi, mi->cpus))
		return false;
	/* A boot CPU that may still run keeps its page tables. */
	arch_multikernel_kick_done(mi->id);
	/*
	 * Nothing runs in its RAM now: get it ready for the next start.
	 * A CPU left offline by an error was not confirmed reset; then the
	 * next start wipes the RAM instead, before it takes the CPUs.
	 */
	if (cpumask_subset(mi->cpus, cpu_online_mask))
		queue_work(system_unbound_wq, &mi->reset);
	return true;
}

static void mk_settle(struct mk_instance *mi, enum mk_event ev)
{
	enum mk_state next;

	if (!mk_state_next(mi->state, ev, &next))
		mi->state = next;
	wake_up_all(&mk_wq);
}

/*
 * A CPU of the instance may still run it: its CPUs stay owned and its
 * memory reserved, and nothing is done with it until the host reboots.
 */
static void mk_lost(struct mk_instance *mi, const char *why)
{
	/* Under mk_lock: the CPUs of @mi that stay owned. */
	static struct cpumask lost;

	cpumask_and(&lost, mi->cpus, &mk_owned_cpus);
	mk_set_error(mi, -EIO,
		     "%s; CPUs %*pbl not confirmed reset, kept with its memory until reboot",
		     why, cpumask_pr_args(&lost));
	mk_settle(mi, MK_EV_LOST);
}

/**
 * mk_lifecycle_kill() - force a starting or running instance down
 * @mi:		the instance, with mk_lock held
 * @why:	what to log
 *
 * Return: 0, or -EIO when a CPU was not confirmed reset ("failed").
 */
static int mk_lifecycle_kill(struct mk_instance *mi, const char *why)
{
	cancel_delayed_work(&mi->poll);
	if (!mk_reclaim(mi)) {
		mk_lost(mi, why);
		return -EIO;
	}
	mk_settle(mi, MK_EV_KILL);
	pr_info("instance %u: %s; CPUs %*pbl are back\n", mi->id, why,
		cpumask_pr_args(mi->cpus));
	return 0;
}

static void mk_crashed_err(struct mk_instance *mi, int err, const char *why)
{
	if (!mk_reclaim(mi)) {
		mk_lost(mi, why);
		return;
	}
	mk_set_error(mi, err, "%s", why);
	mk_settle(mi, MK_EV_CRASH);
}

static void mk_crashed(struct mk_instance *mi, const char *why)
{
	mk_crashed_err(mi, -EIO, why);
}

/*
 * A spawned kernel that cannot use the host's layout of the shared
 * region says which version it knows, in a field that every version
 * keeps in its place, and runs on without a link.
 */
static bool mk_wrong_version(struct mk_instance *mi)
{
	u32 theirs = READ_ONCE(mi->hdr->peer_version);
	char why[80];

	if (!theirs || theirs == MULTIKERNEL_SHARED_VERSION)
		return false;
	snprintf(why, sizeof(why),
		 "its kernel knows shared region version %u, not %u", theirs,
		 MULTIKERNEL_SHARED_VERSION);
	mk_crashed_err(mi, -EPROTO, why);
	return true;
}

/* Hello: the features it took, from those that the host offered. */
static bool mk_take_features(struct mk_instance *mi)
{
	/* As the hello found them: the header may say otherwise by now. */
	u32 taken = READ_ONCE(mi->hello_features);

	/* What mk_shared_layout() offered, not what the header says now. */
	if (mk_features_valid(MULTIKERNEL_F_ALL, taken)) {
		mi->features = taken;
		return true;
	}
	mk_crashed_err(mi, -EPROTO, "took features the host did not offer");
	return false;
}

/*
 * What the spawned kernel last said. A panic or parking notice that
 * could not take the ring (another CPU stopped while it held it) is
 * left in the header instead.
 */
static u32 mk_peer_state(struct mk_instance *mi)
{
	u32 hs = READ_ONCE(mi->hdr->state);

	if (hs == MULTIKERNEL_PEER_PANIC || hs == MULTIKERNEL_PEER_PARKED)
		return hs;
	/* Pairs with the release in mk_host_control(). */
	return smp_load_acquire(&mi->peer_state);
}

/* Has the heartbeat stopped for longer than heartbeat_timeout? */
static bool mk_hung(struct mk_instance *mi)
{
	unsigned int secs = READ_ONCE(heartbeat_timeout.val);
	u64 hb = READ_ONCE(mi->hdr->heartbeat);

	WRITE_ONCE(mi->hdr->host_heartbeat, mi->hdr->host_heartbeat + 1);
	if (hb != mi->hb_seen) {
		mi->hb_seen = hb;
		mi->hb_time = jiffies;
		return false;
	}
	return secs &&
	       time_after(jiffies, mi->hb_time +
				  (unsigned long)secs * HZ);
}

/*
 * Where the start's time went, once the hello is in: the host's clock
 * from the kick to the hello, split by the spawned kernel's own clock at
 * hello, which is only believed as far as it fits.
 */
static void mk_boot_phases(struct mk_instance *mi)
{
	u64 start = ktime_to_ns(mi->start_time);
	u64 hello = READ_ONCE(mi->hello_ns);

	/* Only the hello message says running; be safe all the same. */
	if (hello < start)
		hello = ktime_get_ns();
	mi->boot_time_ns = hello - start;
	mi->kernel_ns = min(READ_ONCE(mi->hdr->hello_clock_ns),
			    mi->boot_time_ns);
	mi->entry_ns = mi->boot_time_ns - mi->kernel_ns;
	trace_multikernel_boot(mi->id, mi->prepare_ns, mi->entry_ns,
			       mi->kernel_ns);
}

/*
 * The link to the instance was closed because it broke the protocol:
 * say so once. It may run on, but is not trusted to stop when asked.
 */
static const char *mk_link_closed(struct mk_instance *mi)
{
	const char *why = READ_ONCE(mi->link.closed);

	if (why && !mi->link_closed) {
		mi->link_closed = true;
		mk_set_error(mi, -EPROTO, "link closed: %s; a stop kills it", why);
	}
	return why;
}

static void mk_poll(struct work_struct *work)
{
	struct mk_instance *mi = container_of(to_delayed_work(work),
					      struct mk_instance, poll);
	const char *closed;
	u32 peer;

	mutex_lock(&mk_lock);
	/*
	 * A control message can requeue this after the instance stopped:
	 * its shared header may then be another load's, or nobody's.
	 */
	if (mi->state != MK_STARTING && mi->state != MK_RUNNING &&
	    mi->state != MK_STOPPING) {
		mutex_unlock(&mk_lock);
		return;
	}
	peer = mk_peer_state(mi);
	closed = mk_link_closed(mi);
	switch (mi->state) {
	case MK_STARTING:
		if (closed) {
			mk_crashed(mi, "broke the link before hello");
		} else if (mk_wrong_version(mi)) {
			break;
		} else if (peer == MULTIKERNEL_PEER_RUNNING) {
			if (!mk_take_features(mi))
				break;
			/* Closed since the check above: no late link up. */
			if (!mk_link_connect(&mi->link)) {
				mk_crashed(mi, "broke the link before hello");
				break;
			}
			mk_boot_phases(mi);
			arch_multikernel_kick_done(mi->id);
			mi->hb_seen = READ_ONCE(mi->hdr->heartbeat);
			mi->hb_time = jiffies;
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
			if (!mk_reclaim(mi)) {
				mk_lost(mi, "stopped");
				break;
			}
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
		} else if (mi->state == MK_STOPPING && closed) {
			mi->killed = true;
			mk_lifecycle_kill(mi, "broke the link while stopping, killed");
		} else if (mk_hung(mi)) {
			mk_crashed(mi, "missed heartbeats: hung");
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

static mk_pong_fn __rcu *mk_pong;

/**
 * mk_lifecycle_set_pong() - take the answers to pings
 * @fn:		called like a &struct mk_link_ops control handler, for
 *		each %MULTIKERNEL_CTRL_PONG; NULL drops them
 *
 * For the benchmark, which pings instances from the host.
 */
void mk_lifecycle_set_pong(mk_pong_fn *fn)
{
	rcu_assign_pointer(mk_pong, fn);
}

/*
 * A control message from a spawned kernel, with interrupts off: notes
 * what the message says and has the instance's poll act on it. A
 * message the protocol does not have (an unknown type, a wrong length)
 * closes the link: the peer is broken or hostile, and a stop will not
 * ask it any more.
 */
static void mk_host_control(struct mk_link *l, u16 type, const void *buf,
			    u32 len)
{
	struct mk_instance *mi = mk_link_instance(l);
	u32 val = 0, features;
	mk_pong_fn *pong;

	if (len == sizeof(val))
		memcpy(&val, buf, sizeof(val));
	switch (type) {
	case MULTIKERNEL_CTRL_HELLO:
		if (len != sizeof(val))
			goto bad;
		WRITE_ONCE(mi->hello_ns, ktime_get_ns());
		WRITE_ONCE(mi->peer_cpus, val);
		/*
		 * Every message after the hello is taken with the features
		 * it took; the poll refuses the start when they are wrong.
		 */
		features = READ_ONCE(mi->hdr->features);
		WRITE_ONCE(mi->hello_features, features);
		if (mk_features_valid(MULTIKERNEL_F_ALL, features))
			mk_link_set_features(l, features);
		/* Pairs with the acquire in mk_peer_state(). */
		smp_store_release(&mi->peer_state, MULTIKERNEL_PEER_RUNNING);
		break;
	case MULTIKERNEL_CTRL_PARKED:
		/* Pairs with the acquire in mk_peer_state(). */
		smp_store_release(&mi->peer_state, MULTIKERNEL_PEER_PARKED);
		break;
	case MULTIKERNEL_CTRL_PANIC:
		/* Pairs with the acquire in mk_peer_state(). */
		smp_store_release(&mi->peer_state, MULTIKERNEL_PEER_PANIC);
		break;
	case MULTIKERNEL_CTRL_TEXT:
		if (len > MK_TEXT_MAX)
			goto bad;
		spin_lock(&mi->text_lock);
		memcpy(mi->text, buf, len);
		mi->text_len = len;
		spin_unlock(&mi->text_lock);
		return;
	case MULTIKERNEL_CTRL_PONG:
		/* The message core delivers under rcu_read_lock(). */
		pong = rcu_dereference(mk_pong);
		if (pong)
			pong(l, buf, len);
		return;
	default:
		goto bad;
	}
	mod_delayed_work(system_unbound_wq, &mi->poll, 0);
	return;
bad:
	atomic64_inc(&l->stats[MK_STAT_ERRORS]);
	pr_warn_ratelimited("instance %u: bad control message %u (%u bytes)\n",
			    mi->id, type, len);
	mk_link_close(l, "malformed control message from it");
	mod_delayed_work(system_unbound_wq, &mi->poll, 0);
}

static const struct mk_link_ops mk_host_link_ops = {
	.control	= mk_host_control,
};

/* Map or unmap the instance's RAM in the host's direct map. */
static int mk_protect(struct mk_instance *mi, bool protect)
{
	int ret;

	if (mi->protected == protect)
		return 0;
	ret = arch_multikernel_protect(mi->ram.start, resource_size(&mi->ram),
				       protect);
	if (ret) {
		pr_warn("instance %u: cannot %s its memory in the direct map (%d)\n",
			mi->id, protect ? "unmap" : "map", ret);
		return ret;
	}
	mi->protected = protect;
	return 0;
}

/*
 * A checksum of the host's copy of the image, a piece at a time. It
 * guards against the copy changing by accident (a stray write, a bit
 * flip): whoever could change it on purpose writes the host kernel's
 * memory and could change the checksum too. So a fast hash will do.
 */
static u64 mk_image_sum(struct mk_instance *mi)
{
	struct xxh64_state state;
	unsigned int i;
	size_t done, n;

	xxh64_reset(&state, 0);
	for (i = 0; i < mi->nr_segs; i++) {
		struct mk_segment *s = &mi->segs[i];

		for (done = 0; done < s->bufsz; done += n) {
			n = min_t(size_t, s->bufsz - done, SZ_2M);
			xxh64_update(&state, s->buf + done, n);
			cond_resched();
		}
	}
	return xxh64_digest(&state);
}

/*
 * Map @count pages of the instance's RAM from @phys in a mapping of
 * their own: the direct map has them unmapped while an image is loaded.
 */
static void *mk_map_ram(phys_addr_t phys, unsigned int count, pgprot_t prot,
			struct page **pages)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		pages[i] = pfn_to_page(PHYS_PFN(phys) + i);
	return vmap(pages, count, VM_MAP, prot);
}

#define MK_CHECK_PAGES	(SZ_2M >> PAGE_SHIFT)
#define MK_CHECK_BYTES	(MK_CHECK_PAGES << PAGE_SHIFT)

#ifdef CONFIG_MULTIKERNEL_BENCH
/**
 * mk_lifecycle_corrupt_image() - change a byte of an image in place
 * @id:		the instance
 *
 * For the selftests: a stray write to a loaded instance's memory, which
 * its next start must find and refuse.
 *
 * Return: 0, -EINVAL for no such instance, -ENOENT if it holds no image,
 * -EBUSY while it runs or stops, or while its image that ran is still
 * to be put back (the start would put it back first), -ENOMEM.
 */
int mk_lifecycle_corrupt_image(unsigned int id)
{
	struct mk_instance *mi = mk_instance_get(id);
	struct page *page;
	int ret = -ENOENT;
	u8 *p;

	if (!mi)
		return -EINVAL;
	mutex_lock(&mk_lock);
	flush_work(&mi->reset);
	if (mi->state != MK_LOADED && mi->state != MK_STOPPED &&
	    mi->state != MK_CRASHED) {
		ret = mi->nr_segs ? -EBUSY : -ENOENT;
	} else if (!mi->pristine) {
		ret = -EBUSY;
	} else if (mi->nr_segs && mi->segs[0].bufsz) {
		p = mk_map_ram(mi->segs[0].mem, 1, PAGE_KERNEL, &page);
		ret = p ? 0 : -ENOMEM;
		if (p) {
			p[mi->segs[0].bufsz / 2 % PAGE_SIZE] ^= 0x5a;
			vunmap(p);
		}
	}
	mutex_unlock(&mk_lock);
	return ret;
}
#endif

/*
 * Does the image in the instance's RAM match the host's copy: each
 * segment's data with the copy's checksum, the rest of it up to its
 * memsz zero? This is what purgatory's digest would find out, at a
 * fraction of its cost; the purgatory in place checks nothing.
 *
 * Return: 0, -EBADMSG if it does not match, -ENOMEM.
 */
static int mk_image_check(struct mk_instance *mi)
{
	struct xxh64_state state;
	bool zero = true;
	struct page **pages;
	unsigned int i;
	size_t done, n;
	void *p;

	pages = kmalloc_array(MK_CHECK_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	xxh64_reset(&state, 0);
	for (i = 0; i < mi->nr_segs && zero; i++) {
		struct mk_segment *s = &mi->segs[i];

		for (done = 0; done < s->memsz && zero; done += n) {
			n = min_t(size_t, s->memsz - done, MK_CHECK_BYTES);
			p = mk_map_ram(s->mem + done, DIV_ROUND_UP(n, PAGE_SIZE),
				       PAGE_KERNEL_RO, pages);
			if (!p) {
				kfree(pages);
				return -ENOMEM;
			}
			if (done < s->bufsz) {
				size_t data = min(n, s->bufsz - done);

				xxh64_update(&state, p, data);
				zero = !memchr_inv(p + data, 0, n - data);
			} else {
				zero = !memchr_inv(p, 0, n);
			}
			vunmap(p);
			cond_resched();
		}
	}
	kfree(pages);
	/* No stale mapping of the instance's RAM outlives the check. */
	vm_unmap_aliases();
	if (!zero || xxh64_digest(&state) != mi->image_sum) {
		pr_err("instance %u: its image changed in its memory since the host put it there\n",
		       mi->id);
		return -EBADMSG;
	}
	return 0;
}

/*
 * After a run: the last run's RAM is zeroed and the image copied in as
 * it was loaded, so that the next run reads nothing the last one wrote.
 * The copy is checked first; the start checks what is in place again
 * (mk_image_check()), which is why the purgatory it puts back checks
 * nothing (multikernel_kexec_post_load()).
 *
 * The RAM is written through the direct map, mapped for the while:
 * under emulation, zeroing it through a mapping of its own, 2 MiB at a
 * time, was four times slower than mapping and unmapping it all.
 */
static int mk_restore_image(struct mk_instance *mi)
{
	unsigned int i;
	int ret;

	if (mk_image_sum(mi) != mi->image_sum) {
		pr_err("instance %u: the host's copy of its image changed since the load\n",
		       mi->id);
		return -EBADMSG;
	}
	/* Unmapped, it cannot be written: the start that needs it fails. */
	ret = mk_protect(mi, false);
	if (ret)
		return ret;
	mk_wipe_mem(mi->ram.start, resource_size(&mi->ram));
	for (i = 0; i < mi->nr_segs; i++) {
		struct mk_segment *s = &mi->segs[i];

		memcpy(phys_to_virt(s->mem), s->buf, s->bufsz);
	}
	mk_protect(mi, true);
	mi->pristine = true;
	return 0;
}

/*
 * Runs without mk_lock, while the instance is down: whoever next uses
 * its RAM or image (a start, an unload) waits for it first, under
 * mk_lock, which also orders what it wrote before their reads.
 */
static void mk_reset_work(struct work_struct *work)
{
	mk_restore_image(container_of(work, struct mk_instance, reset));
}

/* Wait for a reset under way; mk_lock held. */
static void mk_reset_wait(struct mk_instance *mi)
{
	flush_work(&mi->reset);
}

/* Put the image back if it ran, and check it, before a start. */
static int mk_prepare_image(struct mk_instance *mi)
{
	int ret;

	ret = mi->pristine ? 0 : mk_restore_image(mi);
	if (ret == -EBADMSG)
		mk_set_error(mi, ret, "cannot start: its saved image changed; load it again");
	else if (ret)
		mk_set_error(mi, ret, "cannot start: its memory cannot be mapped to be wiped");
	if (ret)
		return ret;
	ret = mk_image_check(mi);
	if (ret == -EBADMSG) {
		/* Put back from the host's copy now, for the next start. */
		mi->pristine = false;
		queue_work(system_unbound_wq, &mi->reset);
		mk_set_error(mi, ret,
			     "cannot start: its image changed in memory; start again to restore it");
	} else if (ret) {
		mk_set_error(mi, ret, "cannot start: no memory to check its image");
	}
	return ret;
}

/* How far the host is locked down, for the spawned kernel to follow. */
static u32 mk_lockdown_level(void)
{
	/*
	 * The first reason of the confidentiality class: asking about
	 * LOCKDOWN_CONFIDENTIALITY_MAX itself is a bug to the LSM.
	 */
	if (security_locked_down(LOCKDOWN_KCORE))
		return MULTIKERNEL_LOCKDOWN_CONFIDENTIALITY;
	if (security_locked_down(LOCKDOWN_INTEGRITY_MAX))
		return MULTIKERNEL_LOCKDOWN_INTEGRITY;
	return MULTIKERNEL_LOCKDOWN_NONE;
}

/**
 * mk_lifecycle_start() - boot a loaded or stopped instance
 * @mi:		the instance, with mk_lock held, in a state that may start
 *
 * Return: 0 once its boot CPU was started, or a negative errno with
 * nothing changed.
 */
static int mk_lifecycle_start(struct mk_instance *mi)
{
	struct multikernel_kick kick = {
		.id		= mi->id,
		.cpu		= cpumask_first(mi->cpus),
		.entry		= mi->image->start,
		.mem_start	= mi->ram.start,
		.mem_end	= mi->ram.end,
	};
	struct multikernel_shared_header *hdr = mi->hdr;
	ktime_t request = ktime_get();
	int ret;

	if (mk_host_down) {
		mk_set_error(mi, -ESHUTDOWN, "cannot start: the host is going down");
		return -ESHUTDOWN;
	}
	if (mk_host_asleep) {
		mk_set_error(mi, -EBUSY, "cannot start: the host is suspending");
		return -EBUSY;
	}
	/* A start that cannot boot the image leaves the CPUs alone. */
	mk_reset_wait(mi);
	ret = mk_prepare_image(mi);
	if (ret)
		return ret;
	ret = mk_take_cpus(mi);
	if (ret)
		return ret;
	memset(hdr, 0, resource_size(&mi->shared));
	mk_shared_layout(hdr, resource_size(&mi->shared), READ_ONCE(ring_size));
	hdr->instance_id = mi->id;
	hdr->lockdown = mk_lockdown_level();
	get_random_bytes(hdr->rng_seed, sizeof(hdr->rng_seed));
	ret = mk_link_up(&mi->link, hdr, resource_size(&mi->shared),
			 arch_multikernel_cpu_hwid(kick.cpu), true);
	if (WARN_ON_ONCE(ret))
		goto undo;
	WRITE_ONCE(mi->peer_state, MULTIKERNEL_PEER_BOOTING);
	mi->link_closed = false;
	mi->features = 0;
	mi->hello_features = 0;
	mi->text_len = 0;
	/* The spawned kernel looks at the rest once it sees the magic. */
	smp_store_release(&hdr->magic, MULTIKERNEL_SHARED_MAGIC);

	mi->start_time = ktime_get();
	mi->prepare_ns = ktime_to_ns(ktime_sub(mi->start_time, request));
	mi->boot_time_ns = 0;
	mi->hello_ns = 0;
	mi->entry_ns = 0;
	mi->kernel_ns = 0;
	mi->killed = false;
	ret = arch_multikernel_kick(&kick);
	if (ret) {
		mk_link_down(&mi->link);
		mk_set_error(mi, ret, "cannot start: the boot CPU could not be started");
		goto undo;
	}
	mi->started = true;
	mi->pristine = false;
	mi->starts++;
	mi->deadline = jiffies + (unsigned long)READ_ONCE(start_timeout.val) * HZ;
	mk_settle(mi, MK_EV_START);
	mi->last_error[0] = '\0';
	queue_delayed_work(system_unbound_wq, &mi->poll,
			   msecs_to_jiffies(MK_POLL_MS));
	pr_info("instance %u: starting on CPUs %*pbl\n", mi->id,
		cpumask_pr_args(mi->cpus));
	return 0;

undo:
	mk_untake_cpus(mi, mi->cpus);
	return ret;
}

/* Ask a running instance to power off; it is killed after stop_timeout. */
static void mk_stop_begin(struct mk_instance *mi)
{
	unsigned int secs = READ_ONCE(stop_timeout.val);
	int ret;

	mk_settle(mi, MK_EV_STOP);
	mi->deadline = jiffies + (unsigned long)secs * HZ;
	/*
	 * Also in the header, which the spawned kernel looks at every
	 * second: the message waits behind unread raw messages.
	 */
	WRITE_ONCE(mi->hdr->request, mi->hdr->request |
		   MULTIKERNEL_REQUEST_SHUTDOWN);
	ret = mk_link_send(&mi->link, MULTIKERNEL_CHAN_CONTROL,
			   MULTIKERNEL_CTRL_SHUTDOWN, NULL, 0);
	if (ret && mi->link.closed)
		return;
	if (ret)
		pr_warn("instance %u: cannot send it the shutdown request (%d); it will be killed in %u s\n",
			mi->id, ret, secs);
}

/**
 * mk_lifecycle_stop() - ask a running instance to power off, and wait
 * @mi:		the instance, with mk_lock held; it is dropped while waiting
 *
 * Return: 0 once it is stopped, -ETIMEDOUT when it had to be killed,
 * -EPROTO when it was killed at once because it had broken the link,
 * -EIO when it crashed instead, -EINTR when a signal ended the wait (the
 * stop goes on).
 */
static int mk_lifecycle_stop(struct mk_instance *mi)
{
	unsigned long starts = mi->starts;
	int ret;

	if (mk_link_closed(mi)) {
		ret = mk_lifecycle_kill(mi, "killed: it broke the link, it is not asked");
		if (ret)
			return ret;
		mk_set_error(mi, -EPROTO, "link closed: %s; killed instead of stopped",
			     mi->link.closed);
		return -EPROTO;
	}
	mk_stop_begin(mi);
	mutex_unlock(&mk_lock);

	ret = wait_event_interruptible(mk_wq, READ_ONCE(mi->state) != MK_STOPPING);

	mutex_lock(&mk_lock);
	if (ret)
		return -EINTR;
	/* It stopped, and was started again (or reloaded) meanwhile. */
	if (mi->starts != starts)
		return 0;
	if (mi->state == MK_CRASHED || mi->state == MK_FAILED)
		return -EIO;
	if (mi->killed) {
		mk_set_error(mi, -ETIMEDOUT, "did not power off within %u s; killed",
			     READ_ONCE(stop_timeout.val));
		return -ETIMEDOUT;
	}
	return 0;
}

/**
 * mk_message_read() - the last line of text the spawned kernel sent
 * @mi:		the instance
 * @buf:	where to copy it
 * @len:	room in @buf, including a terminating NUL
 *
 * Return: the text's length, 0 when there is none.
 */
ssize_t mk_message_read(struct mk_instance *mi, char *buf, size_t len)
{
	u32 n;

	spin_lock_irq(&mi->text_lock);
	n = min_t(u32, mi->text_len, len - 1);
	memcpy(buf, mi->text, n);
	spin_unlock_irq(&mi->text_lock);
	buf[n] = '\0';
	return n;
}

/**
 * mk_lifecycle_keep() - copy a freshly loaded image's segments
 * @mi:		the instance, "loading"
 * @image:	its image, the segments loaded and their buffers still
 *		there
 *
 * From the buffers the load hashed, for mk_restore_image() to write
 * back on a restart.
 *
 * Return: 0, or -ENOMEM with nothing kept.
 */
int mk_lifecycle_keep(struct mk_instance *mi, struct kimage *image)
{
	struct mk_segment *segs;
	unsigned int i;

	segs = kcalloc(image->nr_segments, sizeof(*segs), GFP_KERNEL);
	if (!segs)
		return -ENOMEM;
	for (i = 0; i < image->nr_segments; i++) {
		struct kexec_segment *ks = &image->segment[i];
		struct mk_segment *s = &segs[i];

		s->mem = ks->mem;
		s->memsz = ks->memsz;
		s->bufsz = min(ks->bufsz, ks->memsz);
		s->buf = kvmemdup(ks->kbuf, s->bufsz, GFP_KERNEL);
		if (!s->buf)
			goto nomem;
	}
	mi->segs = segs;
	mi->nr_segs = image->nr_segments;
	return 0;
nomem:
	while (i--)
		kvfree(segs[i].buf);
	kfree(segs);
	return -ENOMEM;
}

/**
 * mk_lifecycle_loaded() - settle a freshly loaded image
 * @mi:		the instance, with mk_lock held, its image just loaded and
 *		kept by mk_lifecycle_keep()
 *
 * Return: 0, or -EINVAL when nothing was kept.
 */
int mk_lifecycle_loaded(struct mk_instance *mi)
{
	unsigned int i;

	if (WARN_ON_ONCE(!mi->segs))
		return -EINVAL;
	/* What is in place becomes the copy, with its quiet purgatory. */
	for (i = 0; i < mi->nr_segs; i++)
		memcpy(phys_to_virt(mi->segs[i].mem), mi->segs[i].buf,
		       mi->segs[i].bufsz);
	mi->image_sum = mk_image_sum(mi);
	mi->started = false;
	mi->pristine = true;
	mi->hdr = phys_to_virt(mi->shared.start);
	mk_protect(mi, true);
	return 0;
}

/**
 * mk_wipe_mem() - zero memory of the pool, a piece at a time
 * @start:	physical start, mapped in the host's direct map
 * @size:	bytes
 *
 * Gives the CPU up between 2 MiB pieces, so that wiping gigabytes does
 * not stall the host.
 */
void mk_wipe_mem(phys_addr_t start, u64 size)
{
	u64 done, n;

	for (done = 0; done < size; done += n) {
		n = min_t(u64, size - done, SZ_2M);
		memset(phys_to_virt(start + done), 0, n);
		cond_resched();
	}
}

/**
 * mk_lifecycle_unload() - forget the image
 * @mi:		the instance, with mk_lock held, not running
 *
 * Its memory is mapped again; the next load that takes it wipes it.
 */
void mk_lifecycle_unload(struct mk_instance *mi)
{
	unsigned int i;

	cancel_work_sync(&mi->reset);
	for (i = 0; i < mi->nr_segs; i++)
		kvfree(mi->segs[i].buf);
	kfree(mi->segs);
	mi->segs = NULL;
	mi->nr_segs = 0;
	mi->started = false;
	mi->boot_time_ns = 0;
	mk_protect(mi, false);
}

/**
 * mk_lifecycle_init() - set up an instance slot at boot
 * @mi:		the slot
 *
 * Return: 0 or -ENOMEM.
 */
static int mk_lifecycle_init(struct mk_instance *mi)
{
	INIT_DELAYED_WORK(&mi->poll, mk_poll);
	INIT_WORK(&mi->reset, mk_reset_work);
	spin_lock_init(&mi->text_lock);
	/* A spawned kernel has no instances of its own to talk to. */
	if (mk_spawned_id())
		return 0;
	return mk_link_init(&mi->link, mi->id, &mk_host_link_ops);
}

/**
 * mk_link_instance() - the instance at the other end of a host's link
 * @l:		a link of the host
 *
 * Return: the instance whose &struct mk_instance holds @l.
 */
struct mk_instance *mk_link_instance(struct mk_link *l)
{
	return container_of(l, struct mk_instance, link);
}

/**
 * multikernel_crash_stop() - stop the instances' CPUs on a host crash
 *
 * Called on the crash path, with interrupts off and the host's other
 * CPUs stopped, before a crash kernel runs: that kernel then finds the
 * CPUs waiting for a SIPI, and no other kernel writes the memory it
 * dumps. Takes no lock; the mask of owned CPUs is read as it is. With
 * multikernel.crash_stop=0 the instances run on.
 */
void multikernel_crash_stop(void)
{
	unsigned int cpu;

	if (!READ_ONCE(crash_stop) || mk_spawned_id())
		return;
	for_each_cpu(cpu, &mk_owned_cpus)
		arch_multikernel_reset_cpu(cpu);
	for_each_cpu(cpu, &mk_returning_cpus)
		arch_multikernel_reset_cpu(cpu);
}

/* Is any instance on CPUs of its own (starting, running or stopping)? */
static bool mk_any_active(void)
{
	unsigned int id;

	for (id = 1; id <= MK_MAX_INSTANCES; id++) {
		switch (READ_ONCE(mk_instance_get(id)->state)) {
		case MK_STARTING:
		case MK_RUNNING:
		case MK_STOPPING:
			return true;
		default:
			break;
		}
	}
	return false;
}

/*
 * The host reboots, powers off, halts or kexecs into another kernel.
 * Every running instance is asked to power off, as "stop" would, and
 * killed when it has not after stop_timeout; one still starting is
 * killed at once. The host goes on only when every CPU it gave away has
 * been reset and is its own again, so that no kernel is left running
 * to write memory that the firmware or the next kernel owns. Panic and
 * emergency restart run no reboot notifiers: they are not covered.
 */
static int mk_reboot_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct mk_instance *mi;
	unsigned int id, cpu;
	bool wait = false;

	mutex_lock(&mk_lock);
	mk_host_down = true;
	for (id = 1; id <= MK_MAX_INSTANCES; id++) {
		mi = mk_instance_get(id);
		switch (mi->state) {
		case MK_STARTING:
			mk_lifecycle_kill(mi, "killed: the host is going down");
			break;
		case MK_RUNNING:
			pr_info("instance %u: asking it to power off: the host is going down\n",
				id);
			mk_stop_begin(mi);
			fallthrough;
		case MK_STOPPING:
			wait = true;
			break;
		default:
			break;
		}
	}
	mutex_unlock(&mk_lock);

	/* The poll work kills what is still up at its deadline. */
	if (wait)
		wait_event_timeout(mk_wq, !mk_any_active(),
				   (unsigned long)READ_ONCE(stop_timeout.val) * HZ + 5 * HZ);

	mutex_lock(&mk_lock);
	for (id = 1; id <= MK_MAX_INSTANCES; id++) {
		mi = mk_instance_get(id);
		if (mi->state == MK_STARTING || mi->state == MK_RUNNING ||
		    mi->state == MK_STOPPING)
			mk_lifecycle_kill(mi, "killed: the host is going down");
		/* No wiping while the machine shuts down. */
		mk_reset_wait(mi);
		/*
		 * Nothing can be done for these but one more INIT, and a
		 * warning: the firmware or the next kernel may find their
		 * CPUs still running.
		 */
		if (mi->state == MK_FAILED) {
			for_each_cpu(cpu, mi->cpus)
				arch_multikernel_reset_cpu(cpu);
			pr_emerg("instance %u is failed: CPUs %*pbl may still run it and write memory the next kernel owns\n",
				 id, cpumask_pr_args(mi->cpus));
		}
	}
	mutex_unlock(&mk_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mk_reboot_nb = {
	.notifier_call	= mk_reboot_notify,
	/* Before other reboot notifiers take devices and CPUs away. */
	.priority	= INT_MAX,
};

/*
 * Suspend and hibernation take down every CPU and device of the
 * machine, and a hibernation image would not hold the instances'
 * memory; restoring one would overwrite it. Refuse all of them while an
 * instance is up, and start none until the host is back.
 */
static int mk_pm_notify(struct notifier_block *nb, unsigned long action,
			void *data)
{
	struct mk_instance *mi;
	unsigned int id;
	int ret = 0;

	switch (action) {
	case PM_SUSPEND_PREPARE:
	case PM_HIBERNATION_PREPARE:
	case PM_RESTORE_PREPARE:
		break;
	case PM_POST_SUSPEND:
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		mutex_lock(&mk_lock);
		mk_host_asleep = false;
		mutex_unlock(&mk_lock);
		return NOTIFY_DONE;
	default:
		return NOTIFY_DONE;
	}
	mutex_lock(&mk_lock);
	for (id = 1; id <= MK_MAX_INSTANCES && !ret; id++) {
		mi = mk_instance_get(id);
		/* No writes to the pool while the machine sleeps. */
		mk_reset_wait(mi);
		/*
		 * A hibernation image leaves out the instances' memory, which
		 * the machine loses while off: a start after it puts the image
		 * back from the host's copy, which the hibernation image holds.
		 */
		if (action != PM_SUSPEND_PREPARE)
			mi->pristine = false;
		if (mi->state == MK_STARTING || mi->state == MK_RUNNING ||
		    mi->state == MK_STOPPING || mi->state == MK_FAILED) {
			pr_warn("cannot %s: instance %u is %s; stop it first\n",
				action == PM_SUSPEND_PREPARE ? "suspend" :
				action == PM_HIBERNATION_PREPARE ? "hibernate" :
				"restore a hibernation image", id,
				mk_state_name(mi->state));
			ret = -EBUSY;
		}
	}
	/* A refusal gets no POST event; one after a later refusal does. */
	if (!ret)
		mk_host_asleep = true;
	mutex_unlock(&mk_lock);
	return notifier_from_errno(ret);
}

static struct notifier_block mk_pm_nb = {
	.notifier_call	= mk_pm_notify,
};

static int __init mk_lifecycle_setup(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "multikernel:owned",
					mk_cpu_prepare, NULL);
	if (ret < 0)
		return ret;
	/* A spawned kernel has no instances; its own exit goes to the host. */
	if (mk_spawned_id())
		return 0;
	ret = register_reboot_notifier(&mk_reboot_nb);
	if (!ret)
		ret = register_pm_notifier(&mk_pm_nb);
	return ret;
}
device_initcall(mk_lifecycle_setup);

/**
 * mk_instance_control() - act on a command written to the state file
 * @mi:		the instance
 * @cmd:	"start", "stop" or "kill", trimmed
 *
 * Start returns once the spawned kernel's boot CPU runs; stop once it
 * has powered off and its CPUs are back; kill at once.
 *
 * Return: 0 or a negative errno.
 */
int mk_instance_control(struct mk_instance *mi, const char *cmd)
{
	enum mk_state next;
	enum mk_event ev;
	int ret;

	if (!strcmp(cmd, "start")) {
		ev = MK_EV_START;
	} else if (!strcmp(cmd, "stop")) {
		ev = MK_EV_STOP;
	} else if (!strcmp(cmd, "kill")) {
		ev = MK_EV_KILL;
	} else {
		mutex_lock(&mk_lock);
		mk_set_error(mi, -EINVAL, "state: unknown command '%*pE' (start, stop or kill)",
			     (int)min_t(size_t, strlen(cmd), 16), cmd);
		mutex_unlock(&mk_lock);
		return -EINVAL;
	}

	mutex_lock(&mk_lock);
	ret = mk_state_next(mi->state, ev, &next);
	if (ret) {
		mk_set_error(mi, ret, "cannot %s: instance is %s", cmd,
			     mk_state_name(mi->state));
		goto out;
	}
	switch (ev) {
	case MK_EV_START:
		ret = mk_lifecycle_start(mi);
		break;
	case MK_EV_STOP:
		ret = mk_lifecycle_stop(mi);
		break;
	default:
		ret = mk_lifecycle_kill(mi, "killed");
		break;
	}
out:
	mutex_unlock(&mk_lock);
	return ret;
}

static int __init mk_instances_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < MK_MAX_INSTANCES; i++) {
		struct mk_instance *mi = kzalloc(sizeof(*mi), GFP_KERNEL);

		/* Every user of a slot ID relies on the slot being there. */
		if (!mi || !zalloc_cpumask_var(&mi->cpus, GFP_KERNEL))
			panic("multikernel: no memory for instance slots\n");
		mi->id = i + 1;
		mi->state = MK_EMPTY;
		snprintf(mi->mem_name, sizeof(mi->mem_name),
			 "Multikernel instance %u", mi->id);
		snprintf(mi->shared_name, sizeof(mi->shared_name),
			 "Multikernel instance %u shared", mi->id);
		ret = mk_lifecycle_init(mi);
		if (ret)
			panic("multikernel: cannot set up instance slot %u (%d)\n",
			      mi->id, ret);
		/* Whole before a doorbell or a lookup finds it. */
		if (!mk_spawned_id())
			mk_link_publish(&mi->link);
		mk_instance_publish(mi);
	}
	return 0;
}
core_initcall(mk_instances_init);
