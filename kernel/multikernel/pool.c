// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel memory pool.
 *
 * The host reserves one physically contiguous range at boot with
 * memblock, before the page allocator owns the memory, exactly as the
 * crash kernel region is reserved. Spawned kernels take their memory
 * from this pool, so the host never has to find a large contiguous
 * range at run time.
 *
 * multikernel_pool=SIZE[@BASE]
 *
 * SIZE and BASE are decimal or 0x-prefixed hexadecimal numbers with an
 * optional K, M, G or T suffix. Both must be multiples of 2 MiB.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/memblock.h>
#include <linux/multikernel.h>
#include <linux/overflow.h>
#include <kunit/visibility.h>

#include "internal.h"

static struct mk_pool_spec mk_pool_req __initdata;
static bool mk_pool_requested __initdata;

static struct resource mk_pool_res = {
	.name	= "Multikernel pool",
	.flags	= IORESOURCE_MEM | IORESOURCE_BUSY,
	.desc	= IORES_DESC_RESERVED,
};

static struct gen_pool *mk_pool;

/* Parse a number with an optional 0x prefix; *pp is left past its digits. */
static int mk_parse_u64(const char **pp, u64 *val)
{
	const char *p = *pp;
	unsigned int radix = 10;
	unsigned int digits = 0;
	u64 v = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		radix = 16;
		p += 2;
	}

	for (; (d = hex_to_bin(*p)) >= 0 && d < radix; p++, digits++) {
		if (check_mul_overflow(v, (u64)radix, &v) ||
		    check_add_overflow(v, (u64)d, &v))
			return -ERANGE;
	}
	if (!digits)
		return -EINVAL;

	*pp = p;
	*val = v;
	return 0;
}

/**
 * mk_parse_size() - parse a size with an optional K, M, G or T suffix
 * @pp:		the text; on success, left past the number and suffix
 * @val:	the value in bytes
 * @why:	on failure, set to a short reason
 *
 * Return: 0, -EINVAL when there is no number, -ERANGE on overflow.
 */
int mk_parse_size(const char **pp, u64 *val, const char **why)
{
	unsigned int shift = 0;
	int ret;

	ret = mk_parse_u64(pp, val);
	if (ret) {
		*why = ret == -ERANGE ? "number too large" : "expected a number";
		return ret;
	}

	switch (**pp) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	}
	if (shift) {
		(*pp)++;
		if (check_shl_overflow(*val, shift, val)) {
			*why = "number too large";
			return -ERANGE;
		}
	}
	return 0;
}

/**
 * mk_pool_parse() - parse the value of multikernel_pool=
 * @arg:	the value, SIZE[@BASE]
 * @spec:	filled in on success, untouched on failure
 * @why:	on failure, set to a short reason fit for the kernel log
 *
 * Return: 0 on success, -EINVAL for a malformed, zero or misaligned
 * value, -ERANGE for a number or range that does not fit in 64 bits.
 */
int mk_pool_parse(const char *arg, struct mk_pool_spec *spec, const char **why)
{
	struct mk_pool_spec s = { };
	const char *p = arg;
	u64 end;
	int ret;

	if (!arg || !*arg) {
		*why = "empty value";
		return -EINVAL;
	}

	ret = mk_parse_size(&p, &s.size, why);
	if (ret)
		return ret;

	if (*p == '@') {
		p++;
		ret = mk_parse_size(&p, &s.base, why);
		if (ret)
			return ret;
		s.fixed = true;
	}

	if (*p) {
		*why = "trailing characters";
		return -EINVAL;
	}
	if (!s.size) {
		*why = "size is zero";
		return -EINVAL;
	}
	if (!IS_ALIGNED(s.size, MK_POOL_ALIGN)) {
		*why = "size is not a multiple of 2M";
		return -EINVAL;
	}
	if (s.fixed && !IS_ALIGNED(s.base, MK_POOL_ALIGN)) {
		*why = "base is not a multiple of 2M";
		return -EINVAL;
	}
	if (s.fixed && check_add_overflow(s.base, s.size, &end)) {
		*why = "range wraps around the address space";
		return -ERANGE;
	}

	*spec = s;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_parse);

static int __init mk_pool_setup(char *arg)
{
	const char *why = NULL;
	int ret;

	mk_pool_requested = false;
	ret = mk_pool_parse(arg, &mk_pool_req, &why);
	if (ret) {
		pr_err("ignoring multikernel_pool=%s: %s (%d)\n",
		       arg ?: "", why, ret);
		return 0;
	}
	mk_pool_requested = true;
	return 0;
}
early_param("multikernel_pool", mk_pool_setup);

/**
 * multikernel_pool_requested() - was a pool asked for on the command line?
 *
 * Lets the architecture set aside what instances need before the pool
 * itself is reserved.
 *
 * Return: true when multikernel_pool= was given, even if it is invalid.
 */
bool __init multikernel_pool_requested(void)
{
	return mk_pool_requested;
}

static void __init mk_pool_set(phys_addr_t addr, u64 size)
{
	/*
	 * The pool holds other kernels' memory and is unmapped from the
	 * direct map while they run: kmemleak must never scan it.
	 */
	kmemleak_ignore_phys(addr);
	mk_pool_res.start = addr;
	mk_pool_res.end = addr + size - 1;
	pr_info("reserved %lluM pool at [mem %#018llx-%#018llx]\n",
		size >> 20, (u64)mk_pool_res.start, (u64)mk_pool_res.end);
}

/**
 * multikernel_reserve_fixed_pool() - reserve a pool asked for at a fixed base
 *
 * Called by the architecture's setup code right after memblock learns
 * the memory map and before anything is allocated above the first
 * megabyte, so that a pool given as SIZE@BASE gets its range on every
 * boot (the decompressor keeps the kernel itself out of it). Does
 * nothing for a pool without a base; multikernel_reserve_pool() places
 * that one. On failure nothing is reserved and the reason is logged.
 */
void __init multikernel_reserve_fixed_pool(void)
{
	const struct mk_pool_spec *req = &mk_pool_req;
	phys_addr_t addr;

	if (!mk_pool_requested || !req->fixed)
		return;

	addr = memblock_phys_alloc_range(req->size, MK_POOL_ALIGN, req->base,
					 req->base + req->size);
	if (!addr) {
		pr_err("cannot reserve multikernel_pool: %lluM at %#llx is not free RAM\n",
		       req->size >> 20, req->base);
		return;
	}
	mk_pool_set(addr, req->size);
}

/**
 * multikernel_reserve_pool() - reserve a pool asked for without a base
 *
 * Called by the architecture's setup code once memblock knows all of
 * memory, at the point where the crash kernel region is reserved, so
 * that the pool stays out of hotpluggable memory. A pool at a fixed
 * base was reserved earlier, by multikernel_reserve_fixed_pool(). On
 * failure nothing is reserved and the reason is logged.
 */
void __init multikernel_reserve_pool(void)
{
	const struct mk_pool_spec *req = &mk_pool_req;
	phys_addr_t addr;

	if (!mk_pool_requested || req->fixed)
		return;

	addr = memblock_phys_alloc_range(req->size, MK_POOL_ALIGN, SZ_16M,
					 MEMBLOCK_ALLOC_ACCESSIBLE);
	if (!addr) {
		pr_err("cannot reserve multikernel_pool: no free %lluM range\n",
		       req->size >> 20);
		return;
	}
	mk_pool_set(addr, req->size);
}

static int __init mk_pool_init(void)
{
	u64 size = resource_size(&mk_pool_res);
	struct gen_pool *pool;

	if (!mk_pool_res.end)
		return 0;

	if (insert_resource(&iomem_resource, &mk_pool_res))
		pr_warn("pool [mem %pa-%pa] conflicts with another resource\n",
			&mk_pool_res.start, &mk_pool_res.end);

	pool = gen_pool_create(ilog2(MK_POOL_ALIGN), NUMA_NO_NODE);
	if (!pool)
		goto fail;
	if (gen_pool_add(pool, mk_pool_res.start, size, NUMA_NO_NODE)) {
		gen_pool_destroy(pool);
		goto fail;
	}
	mk_pool = pool;
	return 0;

fail:
	pr_err("cannot track the pool: out of memory; it stays reserved but unused\n");
	return -ENOMEM;
}
early_initcall(mk_pool_init);

/* Size of the reserved pool in bytes; 0 when there is none. */
u64 mk_pool_size(void)
{
	return mk_pool ? gen_pool_size(mk_pool) : 0;
}

/* Bytes of the pool not given to any instance. */
u64 mk_pool_avail(void)
{
	return mk_pool ? gen_pool_avail(mk_pool) : 0;
}

/* The pool's resource in /proc/iomem: instance memory nests under it. */
struct resource *mk_pool_resource(void)
{
	return &mk_pool_res;
}

/**
 * mk_gen_pool_alloc() - take a 2 MiB aligned range from a pool
 * @pool:	the pool
 * @size:	bytes, a non-zero multiple of %MK_POOL_ALIGN
 * @addr:	the start of the range on success
 *
 * Return: 0, -EINVAL for a bad size, -ENOSPC when no free range is
 * large enough (even if the free space in total would be).
 */
int mk_gen_pool_alloc(struct gen_pool *pool, u64 size, u64 *addr)
{
	struct genpool_data_align align = { .align = MK_POOL_ALIGN };
	unsigned long start;

	if (!size || !IS_ALIGNED(size, MK_POOL_ALIGN) || size > ULONG_MAX)
		return -EINVAL;
	if (!pool)
		return -ENOSPC;
	start = gen_pool_alloc_algo(pool, size, gen_pool_first_fit_align,
				    &align);
	if (!start)
		return -ENOSPC;
	*addr = start;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_gen_pool_alloc);

/* Take instance memory from the pool; see mk_gen_pool_alloc(). */
int mk_pool_alloc(u64 size, u64 *addr)
{
	return mk_gen_pool_alloc(mk_pool, size, addr);
}

/* Give instance memory back to the pool. */
void mk_pool_release(u64 addr, u64 size)
{
	gen_pool_free(mk_pool, addr, size);
}
