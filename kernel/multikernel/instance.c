// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: their lifecycle state machine, the checks on
 * the CPUs and memory an operator assigns, and the assignment itself.
 *
 * Instances live in a fixed number of slots, 1..CONFIG_MULTIKERNEL_INSTANCES.
 * A slot is configured (cpus, memory), loaded with kexec, then started.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

/* Serializes changes to instances; taken inside the kexec lock. */
DEFINE_MUTEX(mk_lock);

/* Each slot is owned by its kobject; this table keeps a reference. */
static struct mk_instance *mk_instances[MK_MAX_INSTANCES];

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."

/* Read-only at run time: root without CAP_SYS_BOOT must not lift it. */
static bool allow_smt_split;
module_param(allow_smt_split, bool, 0444);
MODULE_PARM_DESC(allow_smt_split,
		 "Let an instance take some hardware threads of a core (default: whole cores only)");

static const char * const mk_state_names[MK_NR_STATES] = {
	[MK_EMPTY]	= "empty",
	[MK_LOADING]	= "loading",
	[MK_LOADED]	= "loaded",
	[MK_STARTING]	= "starting",
	[MK_RUNNING]	= "running",
	[MK_STOPPING]	= "stopping",
	[MK_STOPPED]	= "stopped",
	[MK_CRASHED]	= "crashed",
	[MK_FAILED]	= "failed",
};

/**
 * mk_state_name() - the name of a state, as sysfs shows it
 * @state:	the state
 *
 * Return: a constant string; "invalid" for an out-of-range value.
 */
const char *mk_state_name(enum mk_state state)
{
	if (state >= MK_NR_STATES)
		return "invalid";
	return mk_state_names[state];
}
EXPORT_SYMBOL_IF_KUNIT(mk_state_name);

/*
 * The lifecycle. A positive entry is the next state; a negative one is
 * the error for an event that is not allowed in that state:
 *   -ENOENT   nothing is loaded to unload
 *   -ENOEXEC  nothing is loaded to start
 *   -EBUSY    the instance is loading, loaded, starting or running
 *   -EINVAL   nothing runs that could be stopped or killed
 *   -EPROTO   the spawned kernel reported something out of turn, or a
 *             load ended that had not begun
 */
#define S(x)	(MK_##x + 1)
static const s8 mk_transitions[MK_NR_STATES][MK_NR_EVENTS] = {
	[MK_EMPTY] = {
		[MK_EV_LOAD] = S(LOADING),	[MK_EV_UNLOAD] = -ENOENT,
		[MK_EV_START] = -ENOEXEC,	[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EINVAL,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = -EINVAL,		[MK_EV_CRASH] = -EPROTO,
		[MK_EV_LOST] = -EPROTO,
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	/* kexec_file_load() reads and checks the image. */
	[MK_LOADING] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = -EBUSY,
		[MK_EV_START] = -EBUSY,		[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EINVAL,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = -EINVAL,		[MK_EV_CRASH] = -EPROTO,
		[MK_EV_LOST] = -EPROTO,
		[MK_EV_LOADED] = S(LOADED),	[MK_EV_LOAD_FAILED] = S(EMPTY),
	},
	[MK_LOADED] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = S(EMPTY),
		[MK_EV_START] = S(STARTING),	[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EINVAL,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = -EINVAL,		[MK_EV_CRASH] = -EPROTO,
		[MK_EV_LOST] = -EPROTO,
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	[MK_STARTING] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = -EBUSY,
		[MK_EV_START] = -EBUSY,		[MK_EV_HELLO] = S(RUNNING),
		[MK_EV_STOP] = -EBUSY,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = S(STOPPED),	[MK_EV_CRASH] = S(CRASHED),
		[MK_EV_LOST] = S(FAILED),
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	[MK_RUNNING] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = -EBUSY,
		[MK_EV_START] = -EBUSY,		[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = S(STOPPING),	[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = S(STOPPED),	[MK_EV_CRASH] = S(CRASHED),
		[MK_EV_LOST] = S(FAILED),
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	[MK_STOPPING] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = -EBUSY,
		[MK_EV_START] = -EBUSY,		[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EBUSY,		[MK_EV_PARKED] = S(STOPPED),
		[MK_EV_KILL] = S(STOPPED),	[MK_EV_CRASH] = S(CRASHED),
		[MK_EV_LOST] = S(FAILED),
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	[MK_STOPPED] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = S(EMPTY),
		[MK_EV_START] = S(STARTING),	[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EINVAL,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = -EINVAL,		[MK_EV_CRASH] = -EPROTO,
		[MK_EV_LOST] = -EPROTO,
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	[MK_CRASHED] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = S(EMPTY),
		[MK_EV_START] = S(STARTING),	[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EINVAL,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = -EINVAL,		[MK_EV_CRASH] = -EPROTO,
		[MK_EV_LOST] = -EPROTO,
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
	/* Its CPUs may still run it: nothing until the host reboots. */
	[MK_FAILED] = {
		[MK_EV_LOAD] = -EBUSY,		[MK_EV_UNLOAD] = -EBUSY,
		[MK_EV_START] = -EBUSY,		[MK_EV_HELLO] = -EPROTO,
		[MK_EV_STOP] = -EINVAL,		[MK_EV_PARKED] = -EPROTO,
		[MK_EV_KILL] = -EINVAL,		[MK_EV_CRASH] = -EPROTO,
		[MK_EV_LOST] = -EPROTO,
		[MK_EV_LOADED] = -EPROTO,	[MK_EV_LOAD_FAILED] = -EPROTO,
	},
};

#undef S

/**
 * mk_state_next() - the state an event leads to
 * @from:	the current state
 * @event:	what happened
 * @to:		the next state, set on success only
 *
 * Return: 0 when the event is allowed in @from, else the errno that the
 * operation reports (see the table above); -EINVAL for values out of
 * range.
 */
int mk_state_next(enum mk_state from, enum mk_event event, enum mk_state *to)
{
	int next;

	if (from >= MK_NR_STATES || event >= MK_NR_EVENTS)
		return -EINVAL;
	next = mk_transitions[from][event];
	if (next <= 0)
		return next ?: -EINVAL;
	*to = next - 1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_state_next);

/**
 * mk_cpus_check() - may these CPUs be given to an instance?
 * @want:	the CPUs asked for
 * @present:	the CPUs this kernel has
 * @taken:	CPUs already assigned to other instances
 * @max:	the most CPUs an instance can have
 * @why:	on failure, set to a short reason
 *
 * CPU 0 boots the host and handles its timekeeping and firmware
 * interfaces; it is never given away.
 *
 * Return: 0, -EINVAL for an empty list, -ENODEV for a CPU that is not
 * present, -EBUSY for CPU 0 or a CPU of another instance, -E2BIG for
 * more than @max CPUs.
 */
int mk_cpus_check(const struct cpumask *want, const struct cpumask *present,
		  const struct cpumask *taken, unsigned int max,
		  const char **why)
{
	if (cpumask_empty(want)) {
		*why = "empty CPU list";
		return -EINVAL;
	}
	if (!cpumask_subset(want, present)) {
		*why = "CPU not present";
		return -ENODEV;
	}
	if (cpumask_test_cpu(0, want)) {
		*why = "CPU 0 stays with the host";
		return -EBUSY;
	}
	if (cpumask_intersects(want, taken)) {
		*why = "CPU assigned to another instance";
		return -EBUSY;
	}
	if (cpumask_weight(want) > max) {
		*why = "more CPUs than an instance can have";
		return -E2BIG;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_cpus_check);

/**
 * mk_cpus_whole_cores() - are the CPUs asked for whole cores?
 * @want:	the CPUs asked for
 * @present:	the CPUs this kernel has
 * @same_core:	whether two CPUs are hardware threads of one core
 * @cpu:	on failure, a CPU of @want ...
 * @sibling:	... and a thread of its core that is not in @want
 *
 * Two kernels on the threads of one core share its caches, buffers and
 * per-core MSRs: what one runs can leak what the other computes (MDS,
 * L1TF), and one can change the other's MSRs.
 *
 * Return: 0, or -EBUSY when a core would be split.
 */
int mk_cpus_whole_cores(const struct cpumask *want,
			const struct cpumask *present,
			bool (*same_core)(unsigned int a, unsigned int b),
			unsigned int *cpu, unsigned int *sibling)
{
	unsigned int a, b;

	for_each_cpu(a, want) {
		for_each_cpu_andnot(b, present, want) {
			if (same_core(a, b)) {
				*cpu = a;
				*sibling = b;
				return -EBUSY;
			}
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_cpus_whole_cores);

/**
 * mk_instance_get() - look up an instance slot
 * @id:		1..%MK_MAX_INSTANCES
 *
 * Return: the slot, or NULL for an ID out of range or before the slots
 * are set up (a doorbell may come that early, from an instance that
 * outlived the kernel before this one).
 */
struct mk_instance *mk_instance_get(unsigned int id)
{
	if (id < 1 || id > MK_MAX_INSTANCES)
		return NULL;
	/* Pairs with the release in mk_instance_publish(). */
	return smp_load_acquire(&mk_instances[id - 1]);
}

/**
 * mk_instance_free() - free a slot, when its kobject's last reference goes
 * @kobj:	the slot's kobject
 *
 * Never called while the kernel runs: the slot table keeps a reference.
 */
void mk_instance_free(struct kobject *kobj)
{
	struct mk_instance *mi = container_of(kobj, struct mk_instance, kobj);

	mk_link_free(&mi->link);
	free_cpumask_var(mi->cpus);
	kfree(mi);
}

/**
 * mk_set_error() - record and log why an operation on an instance failed
 * @mi:		the instance
 * @err:	the errno returned to the caller
 * @fmt:	printf-style reason
 */
void mk_set_error(struct mk_instance *mi, int err, const char *fmt, ...)
{
	/* Room for " (errno)" after it. */
	char why[sizeof(mi->last_error) - 16];
	va_list args;

	va_start(args, fmt);
	vsnprintf(why, sizeof(why), fmt, args);
	va_end(args);
	snprintf(mi->last_error, sizeof(mi->last_error), "%s (%d)", why, err);
	pr_info_ratelimited("instance %u: %s (%d)\n", mi->id, why, err);
}

/* Changing the assignment is for unloaded instances only. */
static int mk_check_unloaded(struct mk_instance *mi, const char *what)
{
	if (mi->state == MK_EMPTY)
		return 0;
	mk_set_error(mi, -EBUSY, "cannot change %s: instance is %s; unload it first",
		     what, mk_state_name(mi->state));
	return -EBUSY;
}

/**
 * mk_instance_set_cpus() - assign CPUs to an instance
 * @mi:		the instance
 * @buf:	a CPU list, as in /sys/devices/system/cpu/online, trimmed
 *
 * Return: 0 or a negative errno; on failure nothing changes.
 */
int mk_instance_set_cpus(struct mk_instance *mi, const char *buf)
{
	unsigned int i, sibling;
	cpumask_var_t want, taken;
	const char *why = NULL;
	int ret;

	if (!zalloc_cpumask_var(&want, GFP_KERNEL))
		return -ENOMEM;
	if (!zalloc_cpumask_var(&taken, GFP_KERNEL)) {
		free_cpumask_var(want);
		return -ENOMEM;
	}

	mutex_lock(&mk_lock);
	ret = mk_check_unloaded(mi, "cpus");
	if (ret)
		goto out;

	ret = cpulist_parse(buf, want);
	if (ret == -ERANGE) {
		ret = -ENODEV;
		mk_set_error(mi, ret, "cpus '%*pE': CPU not present",
			     (int)min_t(size_t, strlen(buf), 32), buf);
		goto out;
	} else if (ret) {
		mk_set_error(mi, ret, "cpus: not a CPU list");
		goto out;
	}

	for (i = 1; i <= MK_MAX_INSTANCES; i++) {
		struct mk_instance *other = mk_instance_get(i);

		if (other != mi)
			cpumask_or(taken, taken, other->cpus);
	}
	ret = mk_cpus_check(want, cpu_present_mask, taken,
			    arch_multikernel_max_cpus(), &why);
	if (ret == -E2BIG) {
		mk_set_error(mi, ret, "cpus: %s (%u): %*pbl", why,
			     arch_multikernel_max_cpus(), cpumask_pr_args(want));
		goto out;
	} else if (ret) {
		mk_set_error(mi, ret, "cpus %*pbl: %s", cpumask_pr_args(want), why);
		goto out;
	}
	if (!allow_smt_split &&
	    mk_cpus_whole_cores(want, cpu_present_mask,
				arch_multikernel_same_core, &i, &sibling)) {
		ret = -EBUSY;
		mk_set_error(mi, ret,
			     "cpus %*pbl: CPU %u shares a core with CPU %u; instances get whole cores (multikernel.allow_smt_split=1 overrides)",
			     cpumask_pr_args(want), i, sibling);
		goto out;
	}
	cpumask_copy(mi->cpus, want);
out:
	mutex_unlock(&mk_lock);
	free_cpumask_var(taken);
	free_cpumask_var(want);
	return ret;
}

/**
 * mk_instance_set_memory() - set how much pool memory an instance gets
 * @mi:		the instance
 * @buf:	a size with an optional K, M, G or T suffix, a multiple of 2M,
 *		trimmed
 *
 * The memory is taken from the pool when the image is loaded.
 *
 * Return: 0 or a negative errno; on failure nothing changes.
 */
int mk_instance_set_memory(struct mk_instance *mi, const char *buf)
{
	const char *why = NULL, *p = buf;
	u64 size;
	int ret;

	mutex_lock(&mk_lock);
	ret = mk_check_unloaded(mi, "memory");
	if (ret)
		goto out;

	ret = mk_parse_size(&p, &size, &why);
	if (!ret && *p) {
		ret = -EINVAL;
		why = "trailing characters";
	}
	if (!ret && !size) {
		ret = -EINVAL;
		why = "size is zero";
	}
	if (!ret && !IS_ALIGNED(size, MK_POOL_ALIGN)) {
		ret = -EINVAL;
		why = "not a multiple of 2M";
	}
	if (ret) {
		mk_set_error(mi, ret, "memory: %s", why);
		goto out;
	}
	if (size > mk_pool_avail()) {
		ret = -ENOSPC;
		mk_set_error(mi, ret, "memory: %lluM asked for, %lluM free in the pool",
			     size >> 20, mk_pool_avail() >> 20);
		goto out;
	}
	mi->mem_size = size;
out:
	mutex_unlock(&mk_lock);
	return ret;
}

/**
 * mk_instance_publish() - let lookups and doorbells find a new slot
 * @mi:		the slot, whole, with its ID set
 */
void mk_instance_publish(struct mk_instance *mi)
{
	/* Pairs with the acquire in mk_instance_get(). */
	smp_store_release(&mk_instances[mi->id - 1], mi);
}
