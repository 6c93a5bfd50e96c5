/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: several independent kernels on one machine, each on its
 * own CPUs and memory, started from this one with kexec.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#ifdef CONFIG_MULTIKERNEL
void __init multikernel_reserve_pool(void);
#else
static inline void multikernel_reserve_pool(void) { }
#endif

#endif /* _LINUX_MULTIKERNEL_H */
