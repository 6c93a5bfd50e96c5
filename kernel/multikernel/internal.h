/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/ioport.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct gen_pool;

/*
 * The pool and everything carved from it is aligned to 2 MiB, so that
 * instance memory can be unmapped from the host's direct map without
 * splitting large pages.
 */
#define MK_POOL_ALIGN		SZ_2M

/**
 * struct mk_pool_spec - a parsed multikernel_pool= boot parameter
 * @size:	pool size in bytes, a non-zero multiple of %MK_POOL_ALIGN
 * @base:	physical base address; meaningful only when @fixed is set
 * @fixed:	true when the parameter named a base address
 */
struct mk_pool_spec {
	u64 size;
	u64 base;
	bool fixed;
};

int mk_parse_size(const char **pp, u64 *val, const char **why);
int mk_pool_parse(const char *arg, struct mk_pool_spec *spec,
		  const char **why);

u64 mk_pool_size(void);
u64 mk_pool_avail(void);
struct resource *mk_pool_resource(void);
int mk_pool_alloc(u64 size, u64 *addr);
void mk_pool_release(u64 addr, u64 size);
int mk_gen_pool_alloc(struct gen_pool *pool, u64 size, u64 *addr);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
