// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the multikernel_pool= parser.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/sizes.h>

#include "internal.h"

struct pool_parse_case {
	const char *arg;
	int ret;
	u64 size;
	u64 base;
	bool fixed;
};

static const struct pool_parse_case pool_parse_cases[] = {
	/* plain numbers and suffixes */
	{ "4194304",		0, SZ_4M },
	{ "2048k",		0, SZ_2M },
	{ "2048K",		0, SZ_2M },
	{ "512m",		0, SZ_512M },
	{ "512M",		0, SZ_512M },
	{ "1g",			0, SZ_1G },
	{ "3G",			0, 3ULL * SZ_1G },
	{ "1T",			0, 1ULL << 40 },
	{ "0x20000000",		0, SZ_512M },
	{ "0X200000",		0, SZ_2M },
	{ "0x2M",		0, SZ_2M },
	/* with a base */
	{ "256M@1G",		0, SZ_256M, SZ_1G, true },
	{ "256M@0x40000000",	0, SZ_256M, SZ_1G, true },
	{ "2M@0",		0, SZ_2M, 0, true },
	{ "1G@4G",		0, SZ_1G, 4ULL * SZ_1G, true },
	/* garbage */
	{ NULL,			-EINVAL },
	{ "",			-EINVAL },
	{ "M",			-EINVAL },
	{ "abc",		-EINVAL },
	{ "12Q",		-EINVAL },
	{ "512MB",		-EINVAL },
	{ "512M@",		-EINVAL },
	{ "512M@x",		-EINVAL },
	{ "512M@1G@2G",		-EINVAL },
	{ "-512M",		-EINVAL },
	{ " 512M",		-EINVAL },
	{ "512M ",		-EINVAL },
	{ "0x",			-EINVAL },
	{ "0xg",		-EINVAL },
	/* zero */
	{ "0",			-EINVAL },
	{ "0M",			-EINVAL },
	{ "0@1G",		-EINVAL },
	/* alignment */
	{ "1M",			-EINVAL },
	{ "513M",		-EINVAL },
	{ "4194305",		-EINVAL },
	{ "512M@1M",		-EINVAL },
	{ "512M@0x40001000",	-EINVAL },
	/* overflow */
	{ "18446744073709551616",	-ERANGE },
	{ "99999999999999999999999",	-ERANGE },
	{ "0x10000000000000000",	-ERANGE },
	{ "16777216T",		-ERANGE },
	{ "17179869184G",	-ERANGE },
	{ "2M@16777216T",	-ERANGE },
	{ "0x8000000000000000@0x8000000000000000", -ERANGE },
	{ "2M@0xfffffffffffe00000", -ERANGE },
	{ "4M@0xffffffffffe00000", -ERANGE },
};

static void pool_parse_desc(const struct pool_parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->arg ?: "(null)");
}

KUNIT_ARRAY_PARAM(pool_parse, pool_parse_cases, pool_parse_desc);

static void pool_parse_test(struct kunit *test)
{
	const struct pool_parse_case *c = test->param_value;
	struct mk_pool_spec poison = { .size = 1, .base = 3, .fixed = true };
	struct mk_pool_spec spec = poison;
	const char *why = NULL;
	int ret;

	ret = mk_pool_parse(c->arg, &spec, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "arg \"%s\"", c->arg);

	if (c->ret) {
		/* A rejected value says why and leaves the output alone. */
		KUNIT_EXPECT_NOT_NULL(test, why);
		KUNIT_EXPECT_EQ(test, spec.size, poison.size);
		KUNIT_EXPECT_EQ(test, spec.base, poison.base);
		KUNIT_EXPECT_EQ(test, spec.fixed, poison.fixed);
		return;
	}

	KUNIT_EXPECT_EQ(test, spec.size, c->size);
	KUNIT_EXPECT_EQ(test, spec.fixed, c->fixed);
	if (c->fixed)
		KUNIT_EXPECT_EQ(test, spec.base, c->base);
}

/* Every accepted value is aligned, whatever it was written as. */
static void pool_parse_alignment_test(struct kunit *test)
{
	struct mk_pool_spec spec;
	const char *why;
	char arg[32];
	u64 mib;

	for (mib = 1; mib <= 64; mib++) {
		int ret;

		snprintf(arg, sizeof(arg), "%lluM@%lluM", mib, mib * 3);
		ret = mk_pool_parse(arg, &spec, &why);
		if (mib % 2) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "arg %s", arg);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "arg %s", arg);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(spec.size, MK_POOL_ALIGN));
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(spec.base, MK_POOL_ALIGN));
	}
}

static struct kunit_case pool_parse_test_cases[] = {
	KUNIT_CASE_PARAM(pool_parse_test, pool_parse_gen_params),
	KUNIT_CASE(pool_parse_alignment_test),
	{}
};

static struct kunit_suite pool_parse_test_suite = {
	.name = "multikernel_pool_parse",
	.test_cases = pool_parse_test_cases,
};

kunit_test_suite(pool_parse_test_suite);

MODULE_DESCRIPTION("KUnit tests for the multikernel pool parameter");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
