/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: several independent kernels on one machine, each on its
 * own CPUs and memory, started from this one with kexec.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/compiler_types.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/types.h>

struct cpumask;
struct kimage;
struct module;

/* The longest payload multikernel_send_pieces() takes on any ring. */
#define MULTIKERNEL_PIECES_MAX	((64 << 10) + 4096)

struct notifier_block;

/**
 * typedef multikernel_copy_fn - write part of a payload into a ring
 * @dst:	where the part goes
 * @src:	what the sender passed to multikernel_send_pieces()
 * @off:	offset of the part in the payload
 * @len:	its length, at most %MULTIKERNEL_MSG_MAX
 */
typedef void multikernel_copy_fn(void *dst, const void *src, u32 off,
				 u32 len);

/*
 * Events of the link notifier chain, with the peer's ID as the data:
 * on the host an instance ID, in a spawned kernel 0 (the host).
 */
enum multikernel_link_event {
	MULTIKERNEL_LINK_UP,	/* the peer runs: sends are allowed */
	MULTIKERNEL_LINK_DOWN,	/* it stopped, crashed or broke the link */
	MULTIKERNEL_LINK_WRITABLE, /* room again, after multikernel_writable() */
};

/**
 * struct multikernel_image_info - what an instance's image runs on
 * @id:		the instance ID
 * @cpus:	its CPUs, in this kernel's numbering
 * @ram_start:	first byte of its RAM
 * @ram_end:	last byte of its RAM
 * @shared_start: physical base of the region it shares with the host
 * @shared_size: size of that region
 */
struct multikernel_image_info {
	unsigned int id;
	const struct cpumask *cpus;
	phys_addr_t ram_start;
	phys_addr_t ram_end;
	phys_addr_t shared_start;
	u64 shared_size;
};

/**
 * struct multikernel_kick - how to start an instance's boot CPU
 * @id:		the instance ID
 * @cpu:	its boot CPU, offline and owned by the instance
 * @entry:	physical address of the image's 64-bit entry point
 * @mem_start:	first byte of the memory the entry code may touch
 * @mem_end:	last byte of it
 */
struct multikernel_kick {
	unsigned int id;
	unsigned int cpu;
	phys_addr_t entry;
	phys_addr_t mem_start;
	phys_addr_t mem_end;
};

/**
 * typedef multikernel_handler_t - takes the messages of one channel
 * @peer:	who sent it: an instance ID on the host, 0 (the host) in a
 *		spawned kernel
 * @type:	the message's type on the channel
 * @data:	its payload, valid only during the call
 * @len:	payload bytes
 */
typedef void (*multikernel_handler_t)(unsigned int peer, u16 type,
				      const void *data, u32 len);

/**
 * struct multikernel_device - a function of the link to one peer
 * @dev:	its device on the "multikernel" bus, "<function>.<peer>",
 *		a child of multikernel_device(@peer); what a driver makes
 *		for the peer takes @dev as its parent
 * @peer:	as for multikernel_send()
 * @function:	what it is for, the name of the driver that binds to it:
 *		"console" or "net"
 */
struct multikernel_device {
	struct device dev;
	unsigned int peer;
	const char *function;
};

/**
 * struct multikernel_driver - a driver of one function over the links
 * @probe:	set up the function for @mdev->peer, in process context;
 *		return 0 or a negative errno
 * @driver:	the driver model's part; its name is the function's
 */
struct multikernel_driver {
	int (*probe)(struct multikernel_device *mdev);
	struct device_driver driver;
};

#define multikernel_register_driver(drv) \
	__multikernel_register_driver(drv, THIS_MODULE)

#ifdef CONFIG_MULTIKERNEL
int __multikernel_register_driver(struct multikernel_driver *drv,
				  struct module *owner);
int multikernel_send(unsigned int peer, u16 channel, u16 type,
		     const void *data, u32 len);
int multikernel_send_atomic(unsigned int peer, u16 channel, u16 type,
			    const void *data, u32 len);
bool multikernel_writable(unsigned int peer);
bool multikernel_writable_for(unsigned int peer, u32 len);
int multikernel_send_pieces(unsigned int peer, u16 channel, u16 type_more,
			    u16 type_last, multikernel_copy_fn *copy,
			    const void *src, u32 len, bool more);
void multikernel_flush(unsigned int peer);
u32 multikernel_send_max(unsigned int peer);
bool multikernel_connected(unsigned int peer);
u32 multikernel_peer_features(unsigned int peer);
u32 multikernel_host_id(void);
struct device *multikernel_device(unsigned int peer);
int multikernel_register_handler(u16 channel, multikernel_handler_t fn);
void multikernel_unregister_handler(u16 channel);
void multikernel_doorbell(void);
int multikernel_register_notifier(struct notifier_block *nb);
int multikernel_unregister_notifier(struct notifier_block *nb);
unsigned int multikernel_instance_id(void);

void __init multikernel_reserve_fixed_pool(void);
void __init multikernel_reserve_pool(void);
bool __init multikernel_pool_requested(void);
int multikernel_image_info(struct kimage *image,
			   struct multikernel_image_info *info);
void __init multikernel_spawned_init(unsigned int id, phys_addr_t shared,
				     u64 size, u32 host_hwid);
void multikernel_spawned_exit(int reason);
void multikernel_crash_stop(void);

/* Provided by the architecture. */
int arch_multikernel_kick(const struct multikernel_kick *kick);
void arch_multikernel_kick_done(unsigned int id);
void arch_multikernel_reset_cpu(unsigned int cpu);
int arch_multikernel_protect(phys_addr_t start, u64 size, bool protect);
void arch_multikernel_send_doorbell(u32 hwid);
u32 arch_multikernel_cpu_hwid(unsigned int cpu);
int arch_multikernel_nmi_others(void);
bool arch_multikernel_same_core(unsigned int a, unsigned int b);
unsigned int arch_multikernel_max_cpus(void);

int multikernel_kexec_begin(unsigned long flags, const char __user *cmdline,
			    unsigned long cmdline_len, struct kimage ***dest);
void multikernel_kexec_end(unsigned long flags, int ret);
void multikernel_kimage_init(struct kimage *image, unsigned long flags);
int multikernel_kexec_post_load(struct kimage *image);
#else
static inline int __multikernel_register_driver(struct multikernel_driver *drv,
						struct module *owner)
{
	return -ENODEV;
}

static inline int multikernel_send(unsigned int peer, u16 channel, u16 type,
				   const void *data, u32 len)
{
	return -ENOTCONN;
}

static inline int multikernel_send_atomic(unsigned int peer, u16 channel,
					  u16 type, const void *data, u32 len)
{
	return -ENOTCONN;
}

static inline bool multikernel_writable(unsigned int peer) { return true; }
static inline bool multikernel_writable_for(unsigned int peer, u32 len)
{
	return true;
}

static inline int multikernel_send_pieces(unsigned int peer, u16 channel,
					  u16 type_more, u16 type_last,
					  multikernel_copy_fn *copy,
					  const void *src, u32 len, bool more)
{
	return -ENOTCONN;
}

static inline void multikernel_flush(unsigned int peer) { }

static inline u32 multikernel_send_max(unsigned int peer) { return 0; }

static inline bool multikernel_connected(unsigned int peer) { return false; }

static inline u32 multikernel_peer_features(unsigned int peer) { return 0; }

static inline u32 multikernel_host_id(void) { return 0; }

static inline struct device *multikernel_device(unsigned int peer)
{
	return NULL;
}

static inline int multikernel_register_handler(u16 channel,
					       multikernel_handler_t fn)
{
	return -EOPNOTSUPP;
}

static inline void multikernel_unregister_handler(u16 channel) { }

static inline int multikernel_register_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline int multikernel_unregister_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline unsigned int multikernel_instance_id(void) { return 0; }
static inline void multikernel_reserve_fixed_pool(void) { }
static inline void multikernel_reserve_pool(void) { }
static inline bool multikernel_pool_requested(void) { return false; }
static inline void multikernel_spawned_exit(int reason) { }
static inline void multikernel_crash_stop(void) { }
static inline int multikernel_kexec_begin(unsigned long flags,
					  const char __user *cmdline,
					  unsigned long cmdline_len,
					  struct kimage ***dest)
{
	return -EINVAL;
}

static inline void multikernel_kexec_end(unsigned long flags, int ret) { }
static inline void multikernel_kimage_init(struct kimage *image,
					   unsigned long flags) { }
static inline int multikernel_kexec_post_load(struct kimage *image)
{
	return 0;
}
#endif

#endif /* _LINUX_MULTIKERNEL_H */
