/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a multikernel instance's boot CPU starts after INIT-SIPI-SIPI.
 *
 * The host copies this to the first page of the instance's low-memory
 * window, fills in mk_trampoline_cr3 (identity page tables below 4 GiB
 * that map this page and the instance's memory), mk_trampoline_cr4 (PAE,
 * and LA57 when those tables have five levels) and mk_trampoline_entry
 * (the 64-bit entry the kexec_file loader prepared: purgatory, which
 * checks the segments' digests and enters the kernel), and sends the
 * SIPI with this page's vector. The code runs at any page below 1 MiB:
 * it finds its base in %cs and writes the linear addresses its
 * descriptors need before it uses them.
 *
 * Real mode -> 32-bit protected mode -> long mode, interrupts off, no
 * stack; purgatory loads its own GDT and stack.
 */

#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#define OFS(sym)	((sym) - mk_trampoline_start)

#define MK_TR_CS64	0x08
#define MK_TR_CS32	0x10
#define MK_TR_DS	0x18

	.section ".rodata", "a"
	.balign	16
	.code16
SYM_DATA_START(mk_trampoline_start)
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx			/* %ebx: this page, physical */

	leal	OFS(.Lgdt)(%ebx), %eax
	movl	%eax, OFS(.Lgdt_desc) + 2
	leal	OFS(.Lpm32)(%ebx), %eax
	movl	%eax, OFS(.Lpm32_ptr)
	leal	OFS(.Llm64)(%ebx), %eax
	movl	%eax, OFS(.Llm64_ptr)

	lgdtl	OFS(.Lgdt_desc)
	movl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*OFS(.Lpm32_ptr)

	.code32
.Lpm32:
	movl	$MK_TR_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	/* PAE, and LA57 when the host's page tables have five levels. */
	movl	OFS(mk_trampoline_cr4)(%ebx), %eax
	movl	%eax, %cr4
	movl	OFS(mk_trampoline_cr3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$_EFER_LME, %eax
	wrmsr
	movl	$(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	*OFS(.Llm64_ptr)(%ebx)

	.code64
.Llm64:
	movl	%ebx, %ebx
	movq	OFS(mk_trampoline_entry)(%rbx), %rax
	jmpq	*%rax

	.balign	8
.Lgdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* MK_TR_CS64 */
	.quad	0x00cf9a000000ffff		/* MK_TR_CS32 */
	.quad	0x00cf92000000ffff		/* MK_TR_DS */
.Lgdt_end:
.Lgdt_desc:
	.word	.Lgdt_end - .Lgdt - 1
	.long	0
.Lpm32_ptr:
	.long	0
	.word	MK_TR_CS32
.Llm64_ptr:
	.long	0
	.word	MK_TR_CS64

	.balign	8
SYM_DATA(mk_trampoline_entry, .quad 0)
SYM_DATA(mk_trampoline_cr3, .long 0)
SYM_DATA(mk_trampoline_cr4, .long 0)
SYM_DATA_END_LABEL(mk_trampoline_start, SYM_L_GLOBAL, mk_trampoline_end)
