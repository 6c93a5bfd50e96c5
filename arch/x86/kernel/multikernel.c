// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 side of a multikernel host: the low memory a spawned kernel's
 * boot CPU starts in, the boot_params and descriptor the kexec_file
 * loader hands it, and the INIT-SIPI-SIPI that starts it.
 *
 * See Documentation/multikernel/x86-boot.rst.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kexec.h>
#include <linux/memblock.h>
#include <linux/multikernel.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/e820/types.h>
#include <asm/idtentry.h>
#include <asm/irq_vectors.h>
#include <asm/init.h>
#include <asm/multikernel.h>
#include <asm/nmi.h>
#include <asm/pgtable.h>
#include <asm/set_memory.h>
#include <asm/smp.h>
#include <asm/topology.h>
#include <asm/tsc.h>
#include <uapi/asm/multikernel.h>

/*
 * Each instance slot owns a window of low memory: its first page holds
 * the trampoline its boot CPU starts in; the spawned kernel gets the
 * whole window as RAM for its own real-mode trampoline, which brings up
 * its other CPUs. The windows are taken before the host reserves all of
 * the first megabyte.
 */
#define MK_LOW_WINDOW		SZ_32K

/*
 * How long INIT stays asserted when a CPU is reset: a busy wait, since
 * the crash path resets CPUs too (after which a software-disabled local
 * APIC still sends IPIs).
 */
#define MK_INIT_ASSERT_US	10

static phys_addr_t mk_low_base __ro_after_init;
static unsigned int mk_low_windows __ro_after_init;

/*
 * Page tables of the instances being started, by instance ID: as many
 * pages as the instance's size needs (one PMD page per GiB, fewer with
 * 1 GiB pages), linked through page->lru.
 */
static struct list_head mk_boot_pgt[CONFIG_MULTIKERNEL_INSTANCES];

static struct list_head *mk_boot_pgt_of(unsigned int id)
{
	struct list_head *pages = &mk_boot_pgt[id - 1];

	if (!pages->next)
		INIT_LIST_HEAD(pages);
	return pages;
}

/**
 * multikernel_reserve_low() - set low-memory windows aside for instances
 *
 * Called before the real-mode trampoline is placed and the rest of the
 * first megabyte is reserved; does nothing unless a pool was asked for.
 */
void __init multikernel_reserve_low(void)
{
	unsigned int n = CONFIG_MULTIKERNEL_INSTANCES;
	phys_addr_t base;

	if (!multikernel_pool_requested())
		return;

	/*
	 * An IPI shorthand ("all", "all but self") reaches every CPU of the
	 * machine, those given to instances too: call-function IPIs, and
	 * the REBOOT vector and NMIs that stop_other_cpus() and
	 * nmi_shootdown_cpus() send on reboot, kexec and panic. Address
	 * CPUs one by one instead, from before the first one is ever given
	 * away, so that no sender can still be on the shorthand path then.
	 * (Machine checks are broadcast by the hardware, not by the host.)
	 */
	apic_ipi_shorthand_disable();
	pr_info("IPI shorthands off: instances own CPUs of this machine\n");

	for (; n; n /= 2) {
		base = memblock_phys_alloc_range(n * MK_LOW_WINDOW, PAGE_SIZE,
						 SZ_64K, SZ_1M);
		if (base)
			break;
	}
	if (!n) {
		pr_warn("no low memory for instance start-up; instances cannot start\n");
		return;
	}
	mk_low_base = base;
	mk_low_windows = n;
	pr_info("low memory for %u instances at [mem %pa-%pa]\n", n, &base,
		&(phys_addr_t){ base + n * MK_LOW_WINDOW - 1 });
}

static phys_addr_t mk_low_window(unsigned int id)
{
	if (id < 1 || id > mk_low_windows)
		return 0;
	return mk_low_base + (id - 1) * MK_LOW_WINDOW;
}

/**
 * multikernel_setup_data_size() - room the descriptor takes in boot_params
 * @image:	the image being loaded
 *
 * Return: bytes to reserve after the other setup_data, 0 for images that
 * are not multikernel instances.
 */
unsigned long multikernel_setup_data_size(struct kimage *image)
{
	if (image->type != KEXEC_TYPE_MULTIKERNEL)
		return 0;
	return ALIGN(sizeof(struct setup_data) +
		     sizeof(struct multikernel_setup_data), 16);
}

static void mk_add_e820(struct boot_params *params, u64 start, u64 size)
{
	struct boot_e820_entry *e = &params->e820_table[params->e820_entries++];

	e->addr = start;
	e->size = size;
	e->type = E820_TYPE_RAM;
}

/*
 * The loader's SETUP_RNG_SEED would be the same at every start of the
 * instance: the kernel zeroes it after use because a seed must never be
 * used twice. Take it out of the list; a fresh one goes in the shared
 * region at each start instead. The entries lie in @params before
 * @end.
 */
static void mk_drop_rng_seed(struct boot_params *params,
			     unsigned long load_addr, unsigned long end)
{
	u64 *link = &params->hdr.setup_data;
	struct setup_data *sd;
	unsigned long off;
	unsigned int n;

	/*
	 * The loader's entries, a handful, come first in the list; its end
	 * is whatever the image's header said, so bound the walk.
	 */
	for (n = 0; n < 16 && *link >= load_addr && *link - load_addr < end; n++) {
		off = *link - load_addr;
		if (end - off < sizeof(*sd))
			break;
		sd = (void *)params + off;
		if (sd->type != SETUP_RNG_SEED) {
			link = &sd->next;
			continue;
		}
		if (sd->len <= end - off - sizeof(*sd))
			memzero_explicit(sd->data, sd->len);
		*link = sd->next;
	}
}

/**
 * multikernel_setup_boot_params() - describe an instance to its kernel
 * @image:	a KEXEC_TYPE_MULTIKERNEL image being loaded
 * @params:	the boot_params the bzImage loader filled in for the host
 * @params_load_addr: where @params will be in physical memory
 * @offset:	offset in @params of room for multikernel_setup_data_size()
 *
 * Replaces what describes the host's machine (e820 map, ACPI, EFI,
 * screen, disks) with the instance's own RAM, sets hardware_subarch and
 * puts the descriptor first in the setup_data list.
 *
 * Return: 0, or -EPROTONOSUPPORT for a kernel built without multikernel
 * support, -ENOSPC when no low-memory window is left for the instance,
 * -ENODEV when one of its CPUs has no APIC ID.
 */
int multikernel_setup_boot_params(struct kimage *image,
				  struct boot_params *params,
				  unsigned long params_load_addr,
				  unsigned long offset)
{
	struct setup_data *sd = (void *)params + offset;
	struct multikernel_setup_data *d = (void *)sd->data;
	struct multikernel_image_info info;
	phys_addr_t low;
	unsigned int cpu;
	int ret;

	if (image->type != KEXEC_TYPE_MULTIKERNEL)
		return 0;
	ret = multikernel_image_info(image, &info);
	if (ret)
		return ret;
	/* A kernel without the mode would take the host's machine for its own. */
	if (!(params->hdr.xloadflags & XLF_MULTIKERNEL)) {
		pr_info("instance %u: the image does not declare XLF_MULTIKERNEL: not a multikernel-capable kernel\n",
			info.id);
		return -EPROTONOSUPPORT;
	}
	low = mk_low_window(info.id);
	if (!low) {
		pr_info("instance %u: no low-memory window (%u reserved at boot)\n",
			info.id, mk_low_windows);
		return -ENOSPC;
	}

	mk_drop_rng_seed(params, params_load_addr, offset);
	memset(d, 0, sizeof(*d));
	d->magic = MULTIKERNEL_SETUP_MAGIC;
	d->version = MULTIKERNEL_SETUP_VERSION;
	d->size = sizeof(*d);
	d->instance_id = info.id;
	d->host_apic_id = per_cpu(x86_cpu_to_apicid, 0);
	d->tsc_khz = tsc_khz;
	d->lapic_khz = div_u64((u64)lapic_timer_period * HZ, 1000);
	for_each_cpu(cpu, info.cpus) {
		if (d->nr_cpus == MULTIKERNEL_SETUP_MAX_CPUS)
			return -E2BIG;
		if (per_cpu(x86_cpu_to_apicid, cpu) == BAD_APICID)
			return -ENODEV;
		d->apic_ids[d->nr_cpus++] = per_cpu(x86_cpu_to_apicid, cpu);
	}
	d->mem[0].start = low;
	d->mem[0].size = MK_LOW_WINDOW;
	d->mem[1].start = info.ram_start;
	d->mem[1].size = info.ram_end - info.ram_start + 1;
	d->nr_mem = 2;
	d->shared_base = info.shared_start;
	d->shared_size = info.shared_size;

	params->hdr.hardware_subarch = X86_SUBARCH_MULTIKERNEL;
	params->acpi_rsdp_addr = 0;
	memset(&params->efi_info, 0, sizeof(params->efi_info));
	memset(&params->screen_info, 0, sizeof(params->screen_info));
	memset(params->eddbuf, 0, sizeof(params->eddbuf));
	params->eddbuf_entries = 0;
	params->edd_mbr_sig_buf_entries = 0;
	params->alt_mem_k = 0;

	params->e820_entries = 0;
	mk_add_e820(params, d->mem[0].start, d->mem[0].size);
	mk_add_e820(params, d->mem[1].start, d->mem[1].size);

	sd->type = SETUP_MULTIKERNEL;
	sd->len = sizeof(*d);
	sd->next = params->hdr.setup_data;
	params->hdr.setup_data = params_load_addr + offset;
	return 0;
}

/**
 * arch_multikernel_protect() - take instance RAM out of the direct map
 * @start:	physical start, 2 MiB aligned
 * @size:	bytes, a multiple of 2 MiB
 * @protect:	true to unmap, false to map again
 *
 * While a spawned kernel owns the memory, a stray access from the host
 * faults instead of corrupting it.
 *
 * Return: 0 or a negative errno.
 */
int arch_multikernel_protect(phys_addr_t start, u64 size, bool protect)
{
	unsigned long addr = (unsigned long)phys_to_virt(start);
	int pages = size >> PAGE_SHIFT;

	return protect ? set_memory_np(addr, pages) : set_memory_p(addr, pages);
}

static void *mk_alloc_pgt_page(void *context)
{
	struct list_head *pages = context;
	struct page *page;

	/* The trampoline loads %cr3 in 32-bit mode. */
	page = alloc_page(GFP_KERNEL | __GFP_DMA32 | __GFP_ZERO);
	if (!page)
		return NULL;
	list_add(&page->lru, pages);
	return page_address(page);
}

/* Free the page-table pages on @pages. */
VISIBLE_IF_KUNIT void mk_free_boot_pgt(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}
EXPORT_SYMBOL_IF_KUNIT(mk_free_boot_pgt);

/**
 * arch_multikernel_kick_done() - free what an instance's start needed
 * @id:		the instance
 *
 * Called once the spawned kernel runs on page tables of its own, or
 * when its start is abandoned.
 */
void arch_multikernel_kick_done(unsigned int id)
{
	mk_free_boot_pgt(mk_boot_pgt_of(id));
}

static void mk_send_ipi(u32 icr, u32 apicid)
{
	unsigned long flags;

	/* In xAPIC mode the ICR is two registers: no IPI in between. */
	local_irq_save(flags);
	/* The ring's stores first: an x2APIC ICR write is not a fence. */
	weak_wrmsr_fence();
	apic_wait_icr_idle();
	apic_icr_write(icr, apicid);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

/**
 * arch_multikernel_send_doorbell() - ring another kernel's doorbell
 * @hwid:	the physical APIC ID of a CPU of that kernel
 *
 * Sends MULTIKERNEL_VECTOR by physical destination: the CPU belongs to
 * another kernel, so this one has no logical CPU number for it.
 */
void arch_multikernel_send_doorbell(u32 hwid)
{
	mk_send_ipi(APIC_DEST_PHYSICAL | APIC_DM_FIXED | MULTIKERNEL_VECTOR,
		    hwid);
}

/**
 * arch_multikernel_cpu_hwid() - the ID a CPU is addressed by in an IPI
 * @cpu:	a possible CPU of this kernel
 *
 * Return: its physical APIC ID.
 */
u32 arch_multikernel_cpu_hwid(unsigned int cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

/**
 * arch_multikernel_max_cpus() - the most CPUs one instance can have
 *
 * Return: how many APIC IDs the boot description has room for.
 */
unsigned int arch_multikernel_max_cpus(void)
{
	return MULTIKERNEL_SETUP_MAX_CPUS;
}

/**
 * arch_multikernel_same_core() - are two CPUs hardware threads of one core?
 * @a:		a present CPU
 * @b:		another
 *
 * Compares the package, die and core IDs each CPU reported when it
 * first booted; they stay valid while a CPU is offline.
 *
 * Return: true for two threads of one core; false otherwise, and for a
 * CPU that never booted, whose topology is unknown.
 */
bool arch_multikernel_same_core(unsigned int a, unsigned int b)
{
	if (!cpumask_test_cpu(a, &cpus_booted_once_mask) ||
	    !cpumask_test_cpu(b, &cpus_booted_once_mask))
		return false;
	return topology_physical_package_id(a) == topology_physical_package_id(b) &&
	       topology_die_id(a) == topology_die_id(b) &&
	       topology_core_id(a) == topology_core_id(b);
}

DEFINE_PER_CPU(unsigned int, multikernel_doorbell_count);

/* A peer kernel has messages for this one, or room for them. */
DEFINE_IDTENTRY_SYSVEC(sysvec_multikernel)
{
	apic_eoi();
	this_cpu_inc(multikernel_doorbell_count);
	multikernel_doorbell();
}

#ifdef CONFIG_MULTIKERNEL_BENCH
/* NMIs the test below sent to each CPU and that have not arrived yet. */
static DEFINE_PER_CPU(atomic_t, mk_nmi_due);

/*
 * While the test runs, every NMI is its: one from another source (perf)
 * could otherwise take a CPU's count, and the test's own NMI would then
 * be unknown to the kernel.
 */
static int mk_nmi_absorb(unsigned int cmd, struct pt_regs *regs)
{
	atomic_add_unless(this_cpu_ptr(&mk_nmi_due), -1, 0);
	return NMI_HANDLED;
}

/**
 * arch_multikernel_nmi_others() - send an NMI to "all but self"
 *
 * For the isolation test: sends NMI_VECTOR the way nmi_shootdown_cpus()
 * and stop_other_cpus() do, and takes the NMI on each host CPU it
 * reaches. The instances' CPUs must not get it.
 *
 * Return: how many host CPUs took it, or a negative errno.
 */
int arch_multikernel_nmi_others(void)
{
	unsigned int cpu, left = 0;
	cpumask_var_t mask;
	int i, ret;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = register_nmi_handler(NMI_LOCAL, mk_nmi_absorb, 0, "multikernel_test");
	if (ret)
		goto out;
	cpus_read_lock();
	preempt_disable();
	cpumask_andnot(mask, cpu_online_mask, cpumask_of(smp_processor_id()));
	for_each_cpu(cpu, mask)
		atomic_set(per_cpu_ptr(&mk_nmi_due, cpu), 1);
	apic_send_IPI_allbutself(NMI_VECTOR);
	preempt_enable();
	/* An NMI arrives in microseconds; a second is a lost one. */
	for (i = 0; i < 1000; i++) {
		left = 0;
		for_each_cpu(cpu, mask)
			left += atomic_read(per_cpu_ptr(&mk_nmi_due, cpu));
		if (!left)
			break;
		usleep_range(1000, 2000);
	}
	unregister_nmi_handler(NMI_LOCAL, "multikernel_test");
	for_each_cpu(cpu, mask)
		atomic_set(per_cpu_ptr(&mk_nmi_due, cpu), 0);
	ret = cpumask_weight(mask) - left;
	cpus_read_unlock();
out:
	free_cpumask_var(mask);
	return ret;
}
#endif

/**
 * arch_multikernel_reset_cpu() - stop whatever runs on a CPU
 * @cpu:	a CPU the host took offline and owns
 *
 * INIT cannot be masked: the CPU stops even with interrupts disabled
 * and waits for a SIPI, from which the host can bring it back online.
 * Does not sleep: the crash path calls it too.
 */
void arch_multikernel_reset_cpu(unsigned int cpu)
{
	u32 apicid = per_cpu(x86_cpu_to_apicid, cpu);

	mk_send_ipi(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apicid);
	udelay(MK_INIT_ASSERT_US);
	mk_send_ipi(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
}

/**
 * mk_build_boot_pgt() - identity page tables to start an instance on
 * @pages:	the list the page-table pages go on; the caller frees them
 * @low:	the instance's low-memory window
 * @mem_start:	the first byte of the instance's RAM
 * @mem_end:	its last byte
 *
 * Maps the window and the RAM, rounded out to 2 MiB, with as many
 * levels as the host's page tables have, in pages below 4 GiB, as many
 * as the size needs.
 *
 * Return: the top-level table, or NULL when out of memory.
 */
VISIBLE_IF_KUNIT pgd_t *mk_build_boot_pgt(struct list_head *pages,
					  phys_addr_t low, phys_addr_t mem_start,
					  phys_addr_t mem_end)
{
	struct x86_mapping_info info = {
		.alloc_pgt_page	= mk_alloc_pgt_page,
		.context	= pages,
		.page_flag	= __PAGE_KERNEL_LARGE_EXEC,
		.kernpg_flag	= _KERNPG_TABLE_NOENC,
		.direct_gbpages	= boot_cpu_has(X86_FEATURE_GBPAGES),
	};
	pgd_t *pgd;

	pgd = mk_alloc_pgt_page(pages);
	if (!pgd)
		return NULL;
	if (kernel_ident_mapping_init(&info, pgd, ALIGN_DOWN(low, PMD_SIZE),
				      ALIGN(low + MK_LOW_WINDOW, PMD_SIZE)) ||
	    kernel_ident_mapping_init(&info, pgd, ALIGN_DOWN(mem_start, PMD_SIZE),
				      ALIGN(mem_end + 1, PMD_SIZE)))
		return NULL;
	return pgd;
}
EXPORT_SYMBOL_IF_KUNIT(mk_build_boot_pgt);

/**
 * arch_multikernel_kick() - start an instance's boot CPU at its entry
 * @kick:	the instance, its boot CPU (offline, owned) and entry point
 *
 * Builds identity page tables for the trampoline and the instance's
 * memory, copies the trampoline to the instance's low-memory window and
 * sends INIT-SIPI-SIPI.
 *
 * Return: 0, -ENOSPC without a low-memory window, -ENOMEM.
 */
int arch_multikernel_kick(const struct multikernel_kick *kick)
{
	size_t len = mk_trampoline_end - mk_trampoline_start;
	phys_addr_t low = mk_low_window(kick->id);
	u32 apicid = per_cpu(x86_cpu_to_apicid, kick->cpu);
	u32 cr4 = X86_CR4_PAE;
	void *tramp;
	pgd_t *pgd;

	if (!low)
		return -ENOSPC;
	arch_multikernel_kick_done(kick->id);
	pgd = mk_build_boot_pgt(mk_boot_pgt_of(kick->id), low, kick->mem_start,
				kick->mem_end);
	if (!pgd) {
		arch_multikernel_kick_done(kick->id);
		return -ENOMEM;
	}

	/* The last run's low memory is not the next one's to read. */
	tramp = phys_to_virt(low);
	memset(tramp, 0, MK_LOW_WINDOW);
	memcpy(tramp, mk_trampoline_start, len);
	*(u64 *)(tramp + (mk_trampoline_entry - mk_trampoline_start)) = kick->entry;
	*(u32 *)(tramp + (mk_trampoline_cr3 - mk_trampoline_start)) = __pa(pgd);
	/* kernel_ident_mapping_init() built as many levels as the host has. */
	if (pgtable_l5_enabled())
		cr4 |= X86_CR4_LA57;
	*(u32 *)(tramp + (mk_trampoline_cr4 - mk_trampoline_start)) = cr4;
	/* The target CPU reads this after the SIPI, through its own caches. */
	wmb();

	mk_send_ipi(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apicid);
	usleep_range(10000, 11000);
	mk_send_ipi(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
	mk_send_ipi(APIC_DM_STARTUP | (low >> PAGE_SHIFT), apicid);
	usleep_range(200, 300);
	mk_send_ipi(APIC_DM_STARTUP | (low >> PAGE_SHIFT), apicid);
	return 0;
}
