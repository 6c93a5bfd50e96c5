/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/cpumask.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/multikernel_wire.h>

#include "msg.h"

struct gen_pool;
struct kimage;

/*
 * The pool and everything carved from it is aligned to 2 MiB, so that
 * instance memory can be unmapped from the host's direct map without
 * splitting large pages.
 */
#define MK_POOL_ALIGN		SZ_2M

/* The longest line a spawned kernel's user space sends the host. */
#define MK_TEXT_MAX		256

/*
 * The spawned kernel's console log: the top of the shared region, out
 * of the rings' way (they end below 1.1 MiB at the largest ring size).
 */
#define MK_LOG_SIZE		SZ_256K

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
	MK_LOADING,
	MK_LOADED,
	MK_STARTING,
	MK_RUNNING,
	MK_STOPPING,
	MK_STOPPED,
	MK_CRASHED,
	MK_FAILED,
	MK_NR_STATES
};

enum mk_event {
	MK_EV_LOAD,	/* a load begins */
	MK_EV_LOADED,	/* ... and ends with an image */
	MK_EV_LOAD_FAILED, /* ... or without one */
	MK_EV_UNLOAD,	/* the image was unloaded */
	MK_EV_START,	/* the operator starts it */
	MK_EV_HELLO,	/* the spawned kernel said hello */
	MK_EV_STOP,	/* the operator asks it to shut down */
	MK_EV_PARKED,	/* its CPUs are parked and back with the host */
	MK_EV_KILL,	/* the operator forces it down */
	MK_EV_CRASH,	/* it panicked, hung or never said hello */
	MK_EV_LOST,	/* a CPU of it was not confirmed reset */
	MK_NR_EVENTS
};

const char *mk_state_name(enum mk_state state);
int mk_state_next(enum mk_state from, enum mk_event event,
		  enum mk_state *to);

int mk_cpus_check(const struct cpumask *want, const struct cpumask *present,
		  const struct cpumask *taken, unsigned int max,
		  const char **why);
int mk_cpus_whole_cores(const struct cpumask *want,
			const struct cpumask *present,
			bool (*same_core)(unsigned int a, unsigned int b),
			unsigned int *cpu, unsigned int *sibling);

/**
 * struct mk_instance - one multikernel instance slot
 * @id:		instance number, 1..%MK_MAX_INSTANCES
 * @kobj:	/sys/kernel/multikernel/instances/<id>/
 * @state:	where it is in its lifecycle
 * @cpus:	CPUs assigned to it (logical numbers of this kernel)
 * @mem_size:	memory assigned to it, in bytes
 * @mem:	its memory while it has an image, a child of the pool
 * @mem_name:	the name of @mem in /proc/iomem
 * @image:	the loaded kexec image, or NULL
 * @kernel_size: size of the loaded kernel file
 * @initrd_size: size of the loaded initrd file
 * @cmdline:	command line the image was loaded with
 * @last_error: why the last operation on it failed
 * @ram:	the part of @mem that is the spawned kernel's RAM (not in
 *		the resource tree; kexec places the image inside it)
 * @shared:	the top %MULTIKERNEL_SHARED_SIZE of @mem, shared with it
 * @shared_name: the name of @shared in /proc/iomem
 * @hdr:	the host's mapping of the start of @shared
 * @segs:	pristine copies of the image's segments, to start it again
 * @nr_segs:	entries in @segs
 * @image_sum:	checksum of @segs' contents when they were taken,
 *		checked before they are written back, and against the
 *		image in @ram before every start
 * @started:	the loaded image has run since it was copied in
 * @pristine:	@ram holds nothing but the image as loaded: a start need
 *		not wipe it and put the image back first
 * @reset:	after a run, wipes @ram and puts the image back while the
 *		instance is down, off the next start's path
 * @poll:	watches the shared header while it runs
 * @deadline:	jiffies by which the current start or stop must be done
 * @start_time: when the last start kicked its boot CPU
 * @boot_time_ns: from that start to the spawned kernel's hello
 * @hello_ns:	when its hello came, on the host's ktime_get() clock
 * @prepare_ns:	from the start request to the kick: image put back
 *		and checked in place, CPUs taken, shared region laid out
 * @entry_ns:	from the kick to the spawned kernel's clock: INIT-SIPI,
 *		purgatory, decompression, its earliest boot
 * @kernel_ns:	from its clock's start to its hello, as it says
 * @loads:	counts the images loaded into the slot
 * @starts:	counts its starts
 * @killed:	the last stop had to be forced
 * @link_closed: the closing of its link was reported in @last_error
 * @protected:	@ram is unmapped from the host's direct map
 * @link:	the rings to the spawned kernel
 * @peer_state:	what its last control message said, a &enum
 *		multikernel_peer_state
 * @peer_cpus:	CPUs it had online at hello
 * @features:	the %MULTIKERNEL_F_* features its kernel took at hello
 * @hello_features: what the header said they were when the hello was
 *		dispatched
 * @hb_seen:	its heartbeat counter when last read
 * @hb_time:	jiffies when it last changed
 * @text_lock:	protects @text and @text_len
 * @text:	the last line of text it sent
 * @text_len:	bytes in @text
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
	struct resource ram;
	struct resource shared;
	char shared_name[40];
	struct multikernel_shared_header *hdr;
	struct mk_segment *segs;
	unsigned int nr_segs;
	u64 image_sum;
	bool started;
	bool pristine;
	struct work_struct reset;
	struct delayed_work poll;
	unsigned long deadline;
	ktime_t start_time;
	u64 boot_time_ns;
	u64 hello_ns;
	u64 prepare_ns;
	u64 entry_ns;
	u64 kernel_ns;
	unsigned long loads;
	unsigned long starts;
	bool killed;
	bool link_closed;
	bool protected;
	struct mk_link link;
	u32 peer_state;
	u32 peer_cpus;
	u32 features;
	u32 hello_features;
	u64 hb_seen;
	unsigned long hb_time;
	spinlock_t text_lock;	/* protects text and text_len */
	char text[MK_TEXT_MAX];
	u32 text_len;
};

/**
 * struct mk_segment - a pristine copy of one loaded kexec segment
 * @mem:	where it is loaded
 * @memsz:	its size there; beyond @bufsz it is zero
 * @bufsz:	bytes in @buf
 * @buf:	its contents as loaded
 */
struct mk_segment {
	phys_addr_t mem;
	size_t memsz;
	size_t bufsz;
	void *buf;
};

/* Serializes changes to instances; taken inside the kexec lock. */
extern struct mutex mk_lock;

struct mk_instance *mk_instance_get(unsigned int id);
void mk_instance_free(struct kobject *kobj);
void mk_instance_publish(struct mk_instance *mi);
void mk_set_error(struct mk_instance *mi, int err, const char *fmt, ...)
	__printf(3, 4);
int mk_instance_set_cpus(struct mk_instance *mi, const char *buf);
int mk_instance_set_memory(struct mk_instance *mi, const char *buf);

/* The functions of each link, for drivers (bus.c). */
int __init mk_bus_add_functions(unsigned int peer, struct device *parent);

/* Starting, stopping and watching spawned kernels (lifecycle.c). */
int mk_instance_control(struct mk_instance *mi, const char *cmd);
int mk_lifecycle_keep(struct mk_instance *mi, struct kimage *image);
int mk_lifecycle_loaded(struct mk_instance *mi);
void mk_lifecycle_unload(struct mk_instance *mi);
void mk_wipe_mem(phys_addr_t start, u64 size);
typedef void mk_pong_fn(struct mk_link *l, const void *buf, u32 len);
void mk_lifecycle_set_pong(mk_pong_fn *fn);
ssize_t mk_message_read(struct mk_instance *mi, char *buf, size_t len);
struct mk_instance *mk_link_instance(struct mk_link *l);

/* The spawned kernel's console log (log.c). */
size_t mk_log_copy(const u8 *data, u32 size, u64 head, char *buf,
		   loff_t off, size_t count);
ssize_t mk_log_read(struct mk_instance *mi, char *buf, loff_t off,
		    size_t count);
bool mk_log_start(struct multikernel_shared_header *hdr, u32 size);

/* Benchmarks (bench.c). */
#ifdef CONFIG_MULTIKERNEL_BENCH
u32 mk_bench_version(void);
u32 mk_bench_features(void);
void mk_probe_init(void);
#else
static inline u32 mk_bench_version(void) { return MULTIKERNEL_SHARED_VERSION; }
static inline u32 mk_bench_features(void) { return MULTIKERNEL_F_ALL; }
#endif

/* In a spawned kernel (spawned.c). */
unsigned int mk_spawned_id(void);
int mk_spawned_message(const char *buf, size_t len);
u32 mk_spawned_seed_print(void);
long mk_spawned_hostile(const char *cmd);
void mk_lifecycle_fail_reset(int cpu);
int mk_lifecycle_corrupt_copy(unsigned int id);
int mk_lifecycle_corrupt_image(unsigned int id);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
