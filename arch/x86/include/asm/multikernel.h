/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_MULTIKERNEL_H
#define _ASM_X86_MULTIKERNEL_H

#include <linux/types.h>
#include <asm/pgtable_types.h>

struct boot_params;
struct kimage;
struct multikernel_setup_data;

/* The trampoline an instance's boot CPU starts in, and its parameters. */
extern const u8 mk_trampoline_start[], mk_trampoline_end[];
extern const u8 mk_trampoline_entry[], mk_trampoline_cr3[], mk_trampoline_cr4[];

int multikernel_setup_check(const struct multikernel_setup_data *d, u32 len,
			    const char **why);

#if IS_ENABLED(CONFIG_KUNIT) && defined(CONFIG_MULTIKERNEL)
struct list_head;

/* The start-up page tables, visible to their KUnit test. */
pgd_t *mk_build_boot_pgt(struct list_head *pages, phys_addr_t low,
			 phys_addr_t mem_start, phys_addr_t mem_end);
void mk_free_boot_pgt(struct list_head *pages);
#endif

#ifdef CONFIG_MULTIKERNEL
#include <linux/percpu-defs.h>

/* Doorbells each CPU took: the MKD line of /proc/interrupts. */
DECLARE_PER_CPU(unsigned int, multikernel_doorbell_count);

void __init multikernel_reserve_low(void);
void __init x86_multikernel_early_init(void);
unsigned long multikernel_setup_data_size(struct kimage *image);
int multikernel_setup_boot_params(struct kimage *image,
				  struct boot_params *params,
				  unsigned long params_load_addr,
				  unsigned long offset);
#else
static inline void multikernel_reserve_low(void) { }
static inline void x86_multikernel_early_init(void) { }
static inline unsigned long multikernel_setup_data_size(struct kimage *image)
{
	return 0;
}

static inline int multikernel_setup_boot_params(struct kimage *image,
						struct boot_params *params,
						unsigned long params_load_addr,
						unsigned long offset)
{
	return 0;
}
#endif

#endif /* _ASM_X86_MULTIKERNEL_H */
