// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 platform mode of a spawned multikernel instance.
 *
 * A kernel booted with hardware_subarch X86_SUBARCH_MULTIKERNEL shares
 * the machine with the host that started it. It must not discover or
 * program anything machine-wide: its CPUs, memory and clock rates come
 * from the SETUP_MULTIKERNEL descriptor alone, and it leaves ACPI, the
 * I/O APIC, the PIC, PIT, HPET, RTC, i8042, PCI configuration space and
 * all but one legacy UART to the host. Power off and reboot park its
 * CPUs and tell the host, which resets them.
 *
 * See Documentation/multikernel/x86-boot.rst.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/multikernel.h>
#include <linux/nmi.h>
#include <linux/reboot.h>
#include <linux/serial_8250.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/e820/api.h>
#include <asm/i8259.h>
#include <asm/io_apic.h>
#include <asm/mpspec.h>
#include <asm/multikernel.h>
#include <asm/pci_x86.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/x86_init.h>
#include <uapi/asm/multikernel.h>
#include <linux/multikernel_wire.h>

static struct multikernel_setup_data mk_desc __ro_after_init;
static unsigned long mk_uart __ro_after_init;

/* multikernel_uart=PORT: the one legacy UART this instance may drive. */
static int __init mk_uart_setup(char *arg)
{
	static const unsigned long ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	unsigned long port;
	unsigned int i;

	if (arg && !kstrtoul(arg, 0, &port)) {
		for (i = 0; i < ARRAY_SIZE(ports); i++) {
			if (port == ports[i]) {
				mk_uart = port;
				return 0;
			}
		}
	}
	pr_err("multikernel_uart=%s: not a legacy UART's port (0x3f8, 0x2f8, 0x3e8 or 0x2e8); no UART is driven\n",
	       arg ?: "");
	mk_uart = 0;
	return -EINVAL;
}
early_param("multikernel_uart", mk_uart_setup);

static bool mk_overlap(u64 s1, u64 l1, u64 s2, u64 l2)
{
	return s1 < s2 + l2 && s2 < s1 + l1;
}

/**
 * multikernel_setup_check() - is a boot descriptor well formed?
 * @d:		the descriptor, copied out of setup_data
 * @len:	the setup_data payload length
 * @why:	set to the first problem found
 *
 * Return: 0 or -EINVAL.
 */
int multikernel_setup_check(const struct multikernel_setup_data *d, u32 len,
			    const char **why)
{
	unsigned int i, j;

	*why = NULL;
	if (len < sizeof(*d))
		*why = "descriptor truncated";
	else if (d->magic != MULTIKERNEL_SETUP_MAGIC)
		*why = "bad magic";
	else if (d->version != MULTIKERNEL_SETUP_VERSION)
		*why = "unknown version";
	else if (d->size != sizeof(*d))
		*why = "size does not match the version";
	else if (!d->instance_id || d->instance_id > 255)
		*why = "instance ID out of range";
	else if (d->flags || d->reserved)
		*why = "unknown flags";
	else if (!d->nr_cpus || d->nr_cpus > MULTIKERNEL_SETUP_MAX_CPUS)
		*why = "CPU count out of range";
	else if (!d->tsc_khz)
		*why = "no TSC frequency";
	else if (!d->nr_mem || d->nr_mem > MULTIKERNEL_SETUP_MAX_MEM)
		*why = "memory range count out of range";
	else if (!d->shared_size || !PAGE_ALIGNED(d->shared_base) ||
		 !PAGE_ALIGNED(d->shared_size) ||
		 d->shared_base + d->shared_size < d->shared_base)
		*why = "bad shared region";
	if (*why)
		return -EINVAL;

	for (i = 0; i < d->nr_cpus; i++) {
		if (d->apic_ids[i] >= MAX_LOCAL_APIC)
			*why = "bad APIC ID";
		for (j = 0; j < i; j++)
			if (d->apic_ids[j] == d->apic_ids[i])
				*why = "APIC ID listed twice";
	}
	for (i = 0; i < d->nr_mem; i++) {
		const struct multikernel_setup_mem *m = &d->mem[i];

		if (!m->size || !PAGE_ALIGNED(m->start) ||
		    !PAGE_ALIGNED(m->size) || m->start + m->size < m->start)
			*why = "bad memory range";
		else if (mk_overlap(m->start, m->size, d->shared_base,
				    d->shared_size))
			*why = "memory overlaps the shared region";
		for (j = 0; j < i; j++)
			if (mk_overlap(m->start, m->size, d->mem[j].start,
				       d->mem[j].size))
				*why = "memory ranges overlap";
	}
	return *why ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(multikernel_setup_check);

/* Touching the machine any further could hurt the host: stop here. */
static void __init __noreturn mk_stop(const char *why)
{
	pr_emerg("bad boot descriptor: %s; stopping this CPU\n", why);
	for (;;)
		native_halt();
}

static bool __init mk_in_desc(u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; i < mk_desc.nr_mem; i++)
		if (start >= mk_desc.mem[i].start &&
		    start + size <= mk_desc.mem[i].start + mk_desc.mem[i].size)
			return true;
	return false;
}

static void __init mk_find_desc(void)
{
	u64 pa = boot_params.hdr.setup_data;
	const char *why = "no SETUP_MULTIKERNEL descriptor";
	unsigned int i;

	while (pa) {
		struct setup_data *sd = early_memremap(pa, sizeof(*sd));
		u32 type = sd->type, len = sd->len;
		u64 next = sd->next;

		early_memunmap(sd, sizeof(*sd));
		if (type == SETUP_MULTIKERNEL) {
			void *p = early_memremap(pa + sizeof(*sd), sizeof(mk_desc));

			memcpy(&mk_desc, p, sizeof(mk_desc));
			early_memunmap(p, sizeof(mk_desc));
			if (multikernel_setup_check(&mk_desc, len, &why))
				mk_stop(why);
			break;
		}
		pa = next;
	}
	if (!pa)
		mk_stop(why);

	for (i = 0; i < boot_params.e820_entries; i++) {
		struct boot_e820_entry *e = &boot_params.e820_table[i];

		if (e->type == E820_TYPE_RAM && !mk_in_desc(e->addr, e->size))
			mk_stop("e820 lists RAM that is not the instance's");
	}
}

static char *__init mk_memory_setup(void)
{
	mk_find_desc();
	if (!mk_desc.lapic_khz && !boot_cpu_has(X86_FEATURE_TSC_DEADLINE_TIMER))
		mk_stop("no local APIC timer frequency");

	disable_acpi();
	disable_ioapic_support();
	apic_ipi_shorthand_disable();
	hardlockup_detector_disable();
#ifdef CONFIG_PCI
	pci_probe = 0;
#endif
	setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	multikernel_spawned_init(mk_desc.instance_id, mk_desc.shared_base,
				 mk_desc.shared_size, mk_desc.host_apic_id);
	pr_info("instance %u: %u CPUs, shared region at %#llx\n",
		mk_desc.instance_id, mk_desc.nr_cpus, mk_desc.shared_base);

	return e820__memory_setup_default();
}

static void __init mk_parse_smp_cfg(void)
{
	unsigned int i;

	register_lapic_address(APIC_DEFAULT_PHYS_BASE);
	/* The BSP stays with the host; every CPU listed here may be INITed. */
	topology_register_foreign_bsp(mk_desc.host_apic_id);
	for (i = 0; i < mk_desc.nr_cpus; i++)
		topology_register_apic(mk_desc.apic_ids[i], CPU_ACPIID_INVALID,
				       true);
	smp_found_config = 1;
}

static void __init mk_timer_init(void)
{
	lapic_timer_period = mk_desc.lapic_khz * 1000 / HZ;
}

static unsigned long mk_tsc_khz(void)
{
	return mk_desc.tsc_khz;
}

static void mk_get_wallclock(struct timespec64 *now)
{
	/* The RTC is the host's; time comes from the network or the host. */
	memset(now, 0, sizeof(*now));
}

static int mk_set_wallclock(const struct timespec64 *now)
{
	return -ENODEV;
}

static int __init mk_pci_arch_init(void)
{
	/* PCI configuration space is the host's: no access method. */
	return 0;
}

static int __init mk_pci_init(void)
{
	return 1;
}

#if IS_BUILTIN(CONFIG_SERIAL_8250)
static void mk_serial_config(int port, struct uart_port *up, u32 *caps)
{
	if (!mk_uart || up->iobase != mk_uart) {
		up->iobase = 0;
		up->flags = 0;
		return;
	}
	/* Its interrupt line is routed by the host's I/O APIC: poll. */
	up->irq = 0;
}
#endif

static void __noreturn mk_park(int reason)
{
	local_irq_disable();
	if (num_online_cpus() > 1)
		stop_other_cpus();
	multikernel_spawned_exit(reason);
	for (;;)
		native_halt();
}

static void mk_power_off(void)
{
	mk_park(MULTIKERNEL_EXIT_POWER_OFF);
}

static void mk_restart(char *cmd)
{
	mk_park(MULTIKERNEL_EXIT_REBOOT);
}

static void mk_emergency_restart(void)
{
	mk_park(MULTIKERNEL_EXIT_REBOOT);
}

static void mk_halt(void)
{
	mk_park(MULTIKERNEL_EXIT_HALT);
}

static void mk_shutdown(void)
{
	/* Nothing machine-wide to restore; mk_park() stops the CPUs. */
}

/* Power off is always possible: it hands the CPUs back to the host. */
static int __init mk_power_off_init(void)
{
	if (boot_params.hdr.hardware_subarch != X86_SUBARCH_MULTIKERNEL)
		return 0;
	return register_platform_power_off(mk_power_off);
}
arch_initcall(mk_power_off_init);

/**
 * x86_multikernel_early_init() - enter spawned-instance platform mode
 *
 * Called from x86_early_init_platform_quirks() for hardware_subarch
 * X86_SUBARCH_MULTIKERNEL, before setup_arch(). The descriptor itself
 * is read when memory is set up, before anything probes hardware.
 */
void __init x86_multikernel_early_init(void)
{
	x86_platform.legacy.rtc = 0;
	x86_platform.legacy.warm_reset = 0;
	x86_platform.legacy.reserve_bios_regions = 0;
	x86_platform.legacy.i8042 = X86_LEGACY_I8042_PLATFORM_ABSENT;
	x86_platform.legacy.devices.pnpbios = 0;

	x86_init.resources.memory_setup = mk_memory_setup;
	x86_init.resources.probe_roms = x86_init_noop;
	x86_init.mpparse.find_mptable = x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg = x86_init_noop;
	x86_init.mpparse.parse_smp_cfg = mk_parse_smp_cfg;
	x86_init.irqs.pre_vector_init = x86_init_noop;
	x86_init.timers.timer_init = mk_timer_init;
	x86_init.pci.arch_init = mk_pci_arch_init;
	x86_init.pci.init = mk_pci_init;

	x86_platform.calibrate_cpu = mk_tsc_khz;
	x86_platform.calibrate_tsc = mk_tsc_khz;
	x86_platform.get_wallclock = mk_get_wallclock;
	x86_platform.set_wallclock = mk_set_wallclock;

	legacy_pic = &null_legacy_pic;

	machine_ops.power_off = mk_power_off;
	machine_ops.restart = mk_restart;
	machine_ops.emergency_restart = mk_emergency_restart;
	machine_ops.halt = mk_halt;
	machine_ops.shutdown = mk_shutdown;

#if IS_BUILTIN(CONFIG_SERIAL_8250)
	serial8250_set_isa_configurator(mk_serial_config);
#endif
}
