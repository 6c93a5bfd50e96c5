/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: several independent kernels on one machine, each on its
 * own CPUs and memory, started from this one with kexec.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/compiler_types.h>
#include <linux/errno.h>

struct kimage;

#ifdef CONFIG_MULTIKERNEL
void __init multikernel_reserve_pool(void);
int multikernel_kexec_begin(unsigned long flags, const char __user *cmdline,
			    unsigned long cmdline_len, struct kimage ***dest);
void multikernel_kexec_end(unsigned long flags, int ret);
void multikernel_kimage_init(struct kimage *image, unsigned long flags);
#else
static inline void multikernel_reserve_pool(void) { }
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
#endif

#endif /* _LINUX_MULTIKERNEL_H */
