/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/cpumask.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct gen_pool;
struct kimage;

/*
 * The pool and everything carved from it is aligned to 2 MiB, so that
 * instance memory can be unmapped from the host's direct map without
 * splitting large pages.
 */
#define MK_POOL_ALIGN		SZ_2M

/* Instances are numbered 1..MK_MAX_INSTANCES; 0 is the host. */
#define MK_MAX_INSTANCES	CONFIG_MULTIKERNEL_INSTANCES

/**
 * struct mk_pool_spec - a parsed multikernel_pool= boot parameter
 * @size:	pool size in bytes, a non-zero multiple of %MK_POOL_ALIGN
 * @base:	physical base address; meaningful only when @fixed is set
 * @fixed:	true when the parameter named a base address
 */
struct mk_pool_spec {
	u64 size;
	u64 base;
	bool fixed;
};

int mk_parse_size(const char **pp, u64 *val, const char **why);
int mk_pool_parse(const char *arg, struct mk_pool_spec *spec,
		  const char **why);

u64 mk_pool_size(void);
u64 mk_pool_avail(void);
struct resource *mk_pool_resource(void);
int mk_pool_alloc(u64 size, u64 *addr);
void mk_pool_release(u64 addr, u64 size);
int mk_gen_pool_alloc(struct gen_pool *pool, u64 size, u64 *addr);

/* Instance lifecycle. */
enum mk_state {
	MK_EMPTY,
	MK_LOADED,
	MK_STARTING,
	MK_RUNNING,
	MK_STOPPING,
	MK_STOPPED,
	MK_CRASHED,
	MK_NR_STATES
};

enum mk_event {
	MK_EV_LOAD,	/* an image was loaded */
	MK_EV_UNLOAD,	/* the image was unloaded */
	MK_EV_START,	/* the operator starts it */
	MK_EV_HELLO,	/* the spawned kernel said hello */
	MK_EV_STOP,	/* the operator asks it to shut down */
	MK_EV_PARKED,	/* its CPUs are parked and back with the host */
	MK_EV_KILL,	/* the operator forces it down */
	MK_EV_CRASH,	/* it panicked, hung or never said hello */
	MK_NR_EVENTS
};

const char *mk_state_name(enum mk_state state);
int mk_state_next(enum mk_state from, enum mk_event event,
		  enum mk_state *to);

int mk_cpus_check(const struct cpumask *want, const struct cpumask *present,
		  const struct cpumask *taken, const char **why);

/**
 * struct mk_instance - one multikernel instance slot
 * @id:		instance number, 1..%MK_MAX_INSTANCES
 * @kobj:	/sys/kernel/multikernel/instances/<id>/
 * @state:	where it is in its lifecycle
 * @cpus:	CPUs assigned to it (logical numbers of this kernel)
 * @mem_size:	memory assigned to it, in bytes
 * @mem:	its memory while it has an image, a child of the pool
 * @image:	the loaded kexec image, or NULL
 * @kernel_size: size of the loaded kernel file
 * @initrd_size: size of the loaded initrd file
 * @cmdline:	command line the image was loaded with
 * @last_error: why the last operation on it failed
 */
struct mk_instance {
	unsigned int id;
	struct kobject kobj;
	enum mk_state state;
	cpumask_var_t cpus;
	u64 mem_size;
	struct resource mem;
	char mem_name[32];
	struct kimage *image;
	size_t kernel_size;
	size_t initrd_size;
	char *cmdline;
	char last_error[128];
};

/* Serializes changes to instances; taken inside the kexec lock. */
extern struct mutex mk_lock;

struct mk_instance *mk_instance_get(unsigned int id);
void mk_set_error(struct mk_instance *mi, int err, const char *fmt, ...)
	__printf(3, 4);
int mk_instance_set_cpus(struct mk_instance *mi, const char *buf);
int mk_instance_set_memory(struct mk_instance *mi, const char *buf);
int mk_instance_control(struct mk_instance *mi, const char *cmd);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
