/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_ASM_X86_MULTIKERNEL_H
#define _UAPI_ASM_X86_MULTIKERNEL_H

/*
 * The boot descriptor a multikernel host hands to a kernel it spawns,
 * as a SETUP_MULTIKERNEL setup_data entry next to a boot_params whose
 * hardware_subarch is X86_SUBARCH_MULTIKERNEL. It is the spawned
 * kernel's only description of its machine: which CPUs (by APIC ID)
 * and memory are its own, where the region shared with the host is,
 * and the clock frequencies it cannot measure without machine-wide
 * timers. See Documentation/multikernel/x86-boot.rst.
 */

#include <linux/types.h>

#define MULTIKERNEL_SETUP_MAGIC		0x4c4b4d4d	/* "MMKL" */
#define MULTIKERNEL_SETUP_VERSION	1
#define MULTIKERNEL_SETUP_MAX_CPUS	64
#define MULTIKERNEL_SETUP_MAX_MEM	4

/**
 * struct multikernel_setup_mem - a range of RAM given to the instance
 * @start:	physical address, page aligned
 * @size:	length in bytes, a non-zero multiple of the page size
 */
struct multikernel_setup_mem {
	__u64 start;
	__u64 size;
};

/**
 * struct multikernel_setup_data - what a spawned kernel runs on
 * @magic:	%MULTIKERNEL_SETUP_MAGIC
 * @version:	%MULTIKERNEL_SETUP_VERSION
 * @size:	sizeof(struct multikernel_setup_data)
 * @instance_id: the instance's ID on the host, 1..255
 * @flags:	none defined yet; must be 0
 * @nr_cpus:	entries used in @apic_ids, 1..%MULTIKERNEL_SETUP_MAX_CPUS
 * @host_apic_id: APIC ID of the host CPU that takes the doorbell
 * @tsc_khz:	the host's TSC frequency
 * @lapic_khz:	the host's local APIC timer frequency
 * @nr_mem:	entries used in @mem, 1..%MULTIKERNEL_SETUP_MAX_MEM
 * @reserved:	zero
 * @shared_base: physical base of the region shared with the host
 * @shared_size: its size in bytes
 * @mem:	the instance's RAM; the boot e820 map lists exactly this
 * @apic_ids:	the instance's CPUs; the first is the one it boots on
 */
struct multikernel_setup_data {
	__u32 magic;
	__u16 version;
	__u16 size;
	__u32 instance_id;
	__u32 flags;
	__u32 nr_cpus;
	__u32 host_apic_id;
	__u32 tsc_khz;
	__u32 lapic_khz;
	__u32 nr_mem;
	__u32 reserved;
	__u64 shared_base;
	__u64 shared_size;
	struct multikernel_setup_mem mem[MULTIKERNEL_SETUP_MAX_MEM];
	__u32 apic_ids[MULTIKERNEL_SETUP_MAX_CPUS];
} __attribute__((packed));

#endif /* _UAPI_ASM_X86_MULTIKERNEL_H */
