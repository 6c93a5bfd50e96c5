// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the checks a spawned kernel makes on its boot
 * descriptor before it touches any hardware, and for the page tables
 * the host starts an instance on.
 */

#include <kunit/test.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <asm/io.h>
#include <asm/pgtable.h>

#include <asm/multikernel.h>
#include <uapi/asm/multikernel.h>

static void mk_good_desc(struct multikernel_setup_data *d)
{
	memset(d, 0, sizeof(*d));
	d->magic = MULTIKERNEL_SETUP_MAGIC;
	d->version = MULTIKERNEL_SETUP_VERSION;
	d->size = sizeof(*d);
	d->instance_id = 1;
	d->nr_cpus = 2;
	d->apic_ids[0] = 2;
	d->apic_ids[1] = 3;
	d->tsc_khz = 2000000;
	d->lapic_khz = 1000000;
	d->nr_mem = 2;
	d->mem[0].start = 0x80000;
	d->mem[0].size = 0x8000;
	d->mem[1].start = 0x60000000;
	d->mem[1].size = 0x0fe00000;
	d->shared_base = 0x6fe00000;
	d->shared_size = 0x200000;
}

struct mk_desc_case {
	const char *name;
	void (*spoil)(struct multikernel_setup_data *d, u32 *len);
	const char *why;
};

#define MK_SPOIL(n, body)						\
static void spoil_##n(struct multikernel_setup_data *d, u32 *len)	\
{									\
	body;								\
}

MK_SPOIL(truncated, *len = sizeof(*d) - 1)
MK_SPOIL(magic, d->magic ^= 1)
MK_SPOIL(version, d->version = 2)
MK_SPOIL(size, d->size -= 4)
MK_SPOIL(id_zero, d->instance_id = 0)
MK_SPOIL(id_big, d->instance_id = 256)
MK_SPOIL(flags, d->flags = 1)
MK_SPOIL(no_cpus, d->nr_cpus = 0)
MK_SPOIL(many_cpus, d->nr_cpus = MULTIKERNEL_SETUP_MAX_CPUS + 1)
MK_SPOIL(no_tsc, d->tsc_khz = 0)
MK_SPOIL(no_mem, d->nr_mem = 0)
MK_SPOIL(many_mem, d->nr_mem = MULTIKERNEL_SETUP_MAX_MEM + 1)
MK_SPOIL(shared_empty, d->shared_size = 0)
MK_SPOIL(shared_unaligned, d->shared_base += 8)
MK_SPOIL(shared_wraps, d->shared_base = ~0ULL & ~0xfffULL)
MK_SPOIL(apic_twice, d->apic_ids[1] = 2)
MK_SPOIL(apic_bad, d->apic_ids[1] = ~0U)
MK_SPOIL(mem_empty, d->mem[1].size = 0)
MK_SPOIL(mem_unaligned, d->mem[1].start += 0x800)
MK_SPOIL(mem_wraps, d->mem[1].start = ~0ULL & ~0xfffULL)
MK_SPOIL(mem_overlap, d->mem[0].start = 0x60000000)
MK_SPOIL(mem_in_shared, d->mem[1].size += 0x1000)

static const struct mk_desc_case mk_desc_cases[] = {
	{ "truncated", spoil_truncated, "descriptor truncated" },
	{ "magic", spoil_magic, "bad magic" },
	{ "version", spoil_version, "unknown version" },
	{ "size", spoil_size, "size does not match the version" },
	{ "id 0", spoil_id_zero, "instance ID out of range" },
	{ "id 256", spoil_id_big, "instance ID out of range" },
	{ "flags", spoil_flags, "unknown flags" },
	{ "no CPUs", spoil_no_cpus, "CPU count out of range" },
	{ "too many CPUs", spoil_many_cpus, "CPU count out of range" },
	{ "no TSC rate", spoil_no_tsc, "no TSC frequency" },
	{ "no memory", spoil_no_mem, "memory range count out of range" },
	{ "too many ranges", spoil_many_mem, "memory range count out of range" },
	{ "empty shared", spoil_shared_empty, "bad shared region" },
	{ "unaligned shared", spoil_shared_unaligned, "bad shared region" },
	{ "shared wraps", spoil_shared_wraps, "bad shared region" },
	{ "APIC ID twice", spoil_apic_twice, "APIC ID listed twice" },
	{ "bad APIC ID", spoil_apic_bad, "bad APIC ID" },
	{ "empty range", spoil_mem_empty, "bad memory range" },
	{ "unaligned range", spoil_mem_unaligned, "bad memory range" },
	{ "range wraps", spoil_mem_wraps, "bad memory range" },
	{ "ranges overlap", spoil_mem_overlap, "memory ranges overlap" },
	{ "range in shared", spoil_mem_in_shared, "memory overlaps the shared region" },
};

static void mk_desc_case_name(const struct mk_desc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mk_desc, mk_desc_cases, mk_desc_case_name);

static void desc_good_test(struct kunit *test)
{
	struct multikernel_setup_data d;
	const char *why;

	mk_good_desc(&d);
	KUNIT_EXPECT_EQ(test, 0, multikernel_setup_check(&d, sizeof(d), &why));
	KUNIT_EXPECT_NULL(test, why);
}

static void desc_bad_test(struct kunit *test)
{
	const struct mk_desc_case *c = test->param_value;
	struct multikernel_setup_data d;
	u32 len = sizeof(d);
	const char *why;

	mk_good_desc(&d);
	c->spoil(&d, &len);
	KUNIT_EXPECT_EQ(test, -EINVAL, multikernel_setup_check(&d, len, &why));
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_STREQ(test, c->why, why);
}

/* Where the start-up tables send @addr, or -1 when they do not map it. */
static u64 mk_walk(pgd_t *pgd, u64 addr)
{
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	pgd += pgd_index(addr);
	if (!pgd_present(*pgd))
		return -1;
	p4d = p4d_offset(pgd, addr);
	if (!p4d_present(*p4d))
		return -1;
	pud = pud_offset(p4d, addr);
	if (!pud_present(*pud))
		return -1;
	if (pud_leaf(*pud))
		return (pud_pfn(*pud) << PAGE_SHIFT) + (addr & ~PUD_MASK);
	pmd = pmd_offset(pud, addr);
	if (!pmd_present(*pmd) || !pmd_leaf(*pmd))
		return -1;
	return (pmd_pfn(*pmd) << PAGE_SHIFT) + (addr & ~PMD_MASK);
}

struct mk_pgt_case {
	const char *name;
	u64 start, size;
};

/*
 * Made-up instances: the tables are only built and walked, never used.
 * Sizes past what sixteen pages could map, and a range across 512 GiB,
 * which needs a second top-level (four levels) or P4D (five) entry.
 */
static const struct mk_pgt_case mk_pgt_cases[] = {
	{ "256M at 1G", SZ_1G, SZ_256M },
	{ "2M at 3.5G, below 4G", 0xe0000000ULL, SZ_2M },
	{ "20G at 4G+2M, unaligned to 1G", SZ_4G + SZ_2M, 20ULL << 30 },
	{ "64G at 64G", 64ULL << 30, 64ULL << 30 },
	{ "1G at 511.5G, across 512G", (1023ULL << 29), SZ_1G },
};

static void mk_pgt_desc(const struct mk_pgt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mk_pgt, mk_pgt_cases, mk_pgt_desc);

static void boot_pgt_test(struct kunit *test)
{
	const struct mk_pgt_case *c = test->param_value;
	const u64 low = 0x80000, end = c->start + c->size - 1;
	struct page *page;
	LIST_HEAD(pages);
	pgd_t *pgd;
	int n = 0;

	pgd = mk_build_boot_pgt(&pages, low, c->start, end);
	KUNIT_ASSERT_NOT_NULL(test, pgd);
	list_for_each_entry(page, &pages, lru) {
		/* The trampoline loads %cr3 in 32-bit mode. */
		KUNIT_EXPECT_LT(test, page_to_phys(page), SZ_4G);
		n++;
	}
	kunit_info(test, "%d page-table pages", n);

	/* Identity, from the first byte to the last, and the low window. */
	KUNIT_EXPECT_EQ(test, mk_walk(pgd, c->start), c->start);
	KUNIT_EXPECT_EQ(test, mk_walk(pgd, c->start + c->size / 2 + 0x1234),
			c->start + c->size / 2 + 0x1234);
	KUNIT_EXPECT_EQ(test, mk_walk(pgd, end), end);
	KUNIT_EXPECT_EQ(test, mk_walk(pgd, low), low);
	/* Nothing past the instance's RAM, rounded to 2M. */
	KUNIT_EXPECT_EQ(test, mk_walk(pgd, ALIGN(end + 1, SZ_2M)), (u64)-1);

	mk_free_boot_pgt(&pages);
	KUNIT_EXPECT_TRUE(test, list_empty(&pages));
}

static struct kunit_case mk_pgt_test_cases[] = {
	KUNIT_CASE_PARAM(boot_pgt_test, mk_pgt_gen_params),
	{}
};

static struct kunit_suite mk_pgt_suite = {
	.name = "multikernel_x86_boot_pgt",
	.test_cases = mk_pgt_test_cases,
};

static struct kunit_case mk_desc_test_cases[] = {
	KUNIT_CASE(desc_good_test),
	KUNIT_CASE_PARAM(desc_bad_test, mk_desc_gen_params),
	{}
};

static struct kunit_suite mk_desc_suite = {
	.name = "multikernel_x86_descriptor",
	.test_cases = mk_desc_test_cases,
};

kunit_test_suites(&mk_desc_suite, &mk_pgt_suite);

MODULE_DESCRIPTION("KUnit tests for the x86 multikernel boot descriptor and page tables");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
