// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the multikernel instance logic: the lifecycle state
 * machine, the checks on assigned CPUs and the pool allocator.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/cpumask.h>
#include <linux/genalloc.h>
#include <linux/log2.h>
#include <linux/sizes.h>

#include "internal.h"

/* The lifecycle of Documentation/multikernel/, and nothing else. */
static const struct {
	enum mk_state from;
	enum mk_event event;
	enum mk_state to;
} legal[] = {
	{ MK_EMPTY,	MK_EV_LOAD,	MK_LOADING },
	{ MK_LOADING,	MK_EV_LOADED,	MK_LOADED },
	{ MK_LOADING,	MK_EV_LOAD_FAILED, MK_EMPTY },
	{ MK_LOADED,	MK_EV_UNLOAD,	MK_EMPTY },
	{ MK_LOADED,	MK_EV_START,	MK_STARTING },
	{ MK_STARTING,	MK_EV_HELLO,	MK_RUNNING },
	{ MK_STARTING,	MK_EV_KILL,	MK_STOPPED },
	{ MK_STARTING,	MK_EV_CRASH,	MK_CRASHED },
	{ MK_STARTING,	MK_EV_LOST,	MK_FAILED },
	{ MK_RUNNING,	MK_EV_STOP,	MK_STOPPING },
	{ MK_RUNNING,	MK_EV_KILL,	MK_STOPPED },
	{ MK_RUNNING,	MK_EV_CRASH,	MK_CRASHED },
	{ MK_RUNNING,	MK_EV_LOST,	MK_FAILED },
	{ MK_STOPPING,	MK_EV_PARKED,	MK_STOPPED },
	{ MK_STOPPING,	MK_EV_KILL,	MK_STOPPED },
	{ MK_STOPPING,	MK_EV_CRASH,	MK_CRASHED },
	{ MK_STOPPING,	MK_EV_LOST,	MK_FAILED },
	{ MK_STOPPED,	MK_EV_START,	MK_STARTING },
	{ MK_STOPPED,	MK_EV_UNLOAD,	MK_EMPTY },
	{ MK_CRASHED,	MK_EV_START,	MK_STARTING },
	{ MK_CRASHED,	MK_EV_UNLOAD,	MK_EMPTY },
};

static void state_every_transition_test(struct kunit *test)
{
	enum mk_state from, to;
	enum mk_event ev;
	unsigned int i;

	for (from = 0; from < MK_NR_STATES; from++) {
		for (ev = 0; ev < MK_NR_EVENTS; ev++) {
			int want = -1, ret;

			for (i = 0; i < ARRAY_SIZE(legal); i++)
				if (legal[i].from == from && legal[i].event == ev)
					want = legal[i].to;

			to = MK_NR_STATES;
			ret = mk_state_next(from, ev, &to);
			if (want >= 0) {
				KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s + event %d",
						    mk_state_name(from), ev);
				KUNIT_EXPECT_EQ(test, to, (enum mk_state)want);
			} else {
				KUNIT_EXPECT_LT_MSG(test, ret, 0, "%s + event %d",
						    mk_state_name(from), ev);
				KUNIT_EXPECT_EQ(test, to, MK_NR_STATES);
			}
		}
	}
}

/* The errno an operator sees for each refused operation. */
static void state_errno_test(struct kunit *test)
{
	enum mk_state to;

	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADED, MK_EV_LOAD, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_EMPTY, MK_EV_UNLOAD, &to), -ENOENT);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_RUNNING, MK_EV_UNLOAD, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_EMPTY, MK_EV_START, &to), -ENOEXEC);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_RUNNING, MK_EV_START, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_STARTING, MK_EV_START, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADED, MK_EV_STOP, &to), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_STOPPED, MK_EV_STOP, &to), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_EMPTY, MK_EV_KILL, &to), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADED, MK_EV_HELLO, &to), -EPROTO);
	/* While kexec_file_load() reads the image, nothing else happens. */
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADING, MK_EV_START, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADING, MK_EV_UNLOAD, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADING, MK_EV_LOAD, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_LOADED, MK_EV_LOADED, &to), -EPROTO);
	/* A failed instance keeps its CPUs and memory until the host reboots. */
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_FAILED, MK_EV_UNLOAD, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_FAILED, MK_EV_LOAD, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_FAILED, MK_EV_START, &to), -EBUSY);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_FAILED, MK_EV_KILL, &to), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_NR_STATES, MK_EV_LOAD, &to), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_state_next(MK_EMPTY, MK_NR_EVENTS, &to), -EINVAL);
}

static void state_names_test(struct kunit *test)
{
	static const char * const names[] = {
		"empty", "loading", "loaded", "starting", "running", "stopping",
		"stopped", "crashed", "failed",
	};
	enum mk_state s;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(names), (size_t)MK_NR_STATES);
	for (s = 0; s < MK_NR_STATES; s++)
		KUNIT_EXPECT_STREQ(test, mk_state_name(s), names[s]);
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_NR_STATES), "invalid");
}

struct cpus_case {
	const char *want;
	const char *taken;
	unsigned int max;
	int ret;
};

/* CPUs 0-2 present, out of at least four possible. */
static const struct cpus_case cpus_cases[] = {
	{ "2",		"",	64,	0 },
	{ "1-2",	"",	64,	0 },
	{ "1",		"2",	64,	0 },
	{ "",		"",	64,	-EINVAL },
	{ "0",		"",	64,	-EBUSY },
	{ "0-1",	"",	64,	-EBUSY },
	{ "3",		"",	64,	-ENODEV },
	{ "2-3",	"",	64,	-ENODEV },
	{ "1",		"1",	64,	-EBUSY },
	{ "1-2",	"2",	64,	-EBUSY },
	{ "1-2",	"",	1,	-E2BIG },
	{ "1",		"",	1,	0 },
};

static void cpus_desc(const struct cpus_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "want \"%s\" taken \"%s\" max %u", c->want, c->taken, c->max);
}

KUNIT_ARRAY_PARAM(cpus, cpus_cases, cpus_desc);

static void cpus_check_test(struct kunit *test)
{
	const struct cpus_case *c = test->param_value;
	cpumask_var_t want, present, taken;
	const char *why = NULL;
	int ret;

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs at least 4 possible CPUs");
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&want, GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&present, GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&taken, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, cpulist_parse("0-2", present), 0);
	KUNIT_ASSERT_EQ(test, cpulist_parse(c->want, want), 0);
	KUNIT_ASSERT_EQ(test, cpulist_parse(c->taken, taken), 0);

	ret = mk_cpus_check(want, present, taken, c->max, &why);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret)
		KUNIT_EXPECT_NOT_NULL(test, why);

	free_cpumask_var(want);
	free_cpumask_var(present);
	free_cpumask_var(taken);
}

/* A made-up machine whose cores are CPUs 0-1 and 2-3. */
static bool pairs_same_core(unsigned int a, unsigned int b)
{
	return a / 2 == b / 2;
}

static bool no_smt(unsigned int a, unsigned int b)
{
	return false;
}

static void cpus_whole_cores_test(struct kunit *test)
{
	cpumask_var_t want, present;
	unsigned int cpu = 0, sib = 0;

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs at least 4 possible CPUs");
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&want, GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&present, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, cpulist_parse("0-3", present), 0);

	/* A whole core. */
	KUNIT_ASSERT_EQ(test, cpulist_parse("2-3", want), 0);
	KUNIT_EXPECT_EQ(test, mk_cpus_whole_cores(want, present,
						  pairs_same_core, &cpu, &sib), 0);

	/* Half a core: the thread left behind is named. */
	KUNIT_ASSERT_EQ(test, cpulist_parse("2", want), 0);
	KUNIT_EXPECT_EQ(test, mk_cpus_whole_cores(want, present,
						  pairs_same_core, &cpu, &sib), -EBUSY);
	KUNIT_EXPECT_EQ(test, cpu, 2U);
	KUNIT_EXPECT_EQ(test, sib, 3U);

	/* The other thread of the host's first core, beside a whole one. */
	KUNIT_ASSERT_EQ(test, cpulist_parse("1-3", want), 0);
	KUNIT_EXPECT_EQ(test, mk_cpus_whole_cores(want, present,
						  pairs_same_core, &cpu, &sib), -EBUSY);
	KUNIT_EXPECT_EQ(test, cpu, 1U);
	KUNIT_EXPECT_EQ(test, sib, 0U);

	/* A thread whose sibling is not present is a whole core. */
	KUNIT_ASSERT_EQ(test, cpulist_parse("0-2", present), 0);
	KUNIT_ASSERT_EQ(test, cpulist_parse("2", want), 0);
	KUNIT_EXPECT_EQ(test, mk_cpus_whole_cores(want, present,
						  pairs_same_core, &cpu, &sib), 0);

	/* Without SMT every CPU is a core. */
	KUNIT_ASSERT_EQ(test, cpulist_parse("1", want), 0);
	KUNIT_EXPECT_EQ(test, mk_cpus_whole_cores(want, present, no_smt,
						  &cpu, &sib), 0);

	free_cpumask_var(want);
	free_cpumask_var(present);
}

#define FAKE_BASE	SZ_1G
#define FAKE_SIZE	SZ_64M

/* A pool over made-up addresses: the allocator never touches memory. */
static struct gen_pool *fake_pool(struct kunit *test)
{
	struct gen_pool *pool;

	pool = gen_pool_create(ilog2(MK_POOL_ALIGN), NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, gen_pool_add(pool, FAKE_BASE, FAKE_SIZE,
					   NUMA_NO_NODE), 0);
	return pool;
}

static void pool_alignment_test(struct kunit *test)
{
	struct gen_pool *pool = fake_pool(test);
	u64 a, b, c;

	KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, SZ_2M, &a), 0);
	KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, SZ_4M, &b), 0);
	KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, 3 * SZ_2M, &c), 0);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(a, MK_POOL_ALIGN));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(b, MK_POOL_ALIGN));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(c, MK_POOL_ALIGN));
	/* Inside the pool and apart from each other. */
	KUNIT_EXPECT_GE(test, a, (u64)FAKE_BASE);
	KUNIT_EXPECT_LE(test, c + 3 * SZ_2M, (u64)FAKE_BASE + FAKE_SIZE);
	KUNIT_EXPECT_TRUE(test, a + SZ_2M <= b || b + SZ_4M <= a);
	KUNIT_EXPECT_TRUE(test, b + SZ_4M <= c || c + 3 * SZ_2M <= b);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)(FAKE_SIZE - SZ_2M * 6));

	/* Sizes that cannot be handed out are refused, not rounded. */
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, 0, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, SZ_1M, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, SZ_2M + SZ_4K, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(NULL, SZ_2M, &a), -ENOSPC);

	gen_pool_free(pool, a, SZ_2M);
	gen_pool_free(pool, b, SZ_4M);
	gen_pool_free(pool, c, 3 * SZ_2M);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)FAKE_SIZE);
	gen_pool_destroy(pool);
}

static void pool_exhaustion_test(struct kunit *test)
{
	struct gen_pool *pool = fake_pool(test);
	u64 all, more;

	KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, FAKE_SIZE, &all), 0);
	KUNIT_EXPECT_EQ(test, all, (u64)FAKE_BASE);
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, SZ_2M, &more), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)0);
	gen_pool_free(pool, all, FAKE_SIZE);
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, 2 * FAKE_SIZE, &more), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)FAKE_SIZE);
	gen_pool_destroy(pool);
}

static void pool_fragmentation_test(struct kunit *test)
{
	struct gen_pool *pool = fake_pool(test);
	u64 chunk[8], big, hole;
	int i;

	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, SZ_8M, &chunk[i]), 0);
	gen_pool_free(pool, chunk[2], SZ_8M);
	gen_pool_free(pool, chunk[5], SZ_8M);

	/* 16M free in all, but not in one piece. */
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)SZ_16M);
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, SZ_16M, &big), -ENOSPC);
	KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, SZ_8M, &hole), 0);
	KUNIT_EXPECT_TRUE(test, hole == chunk[2] || hole == chunk[5]);

	gen_pool_free(pool, hole, SZ_8M);
	for (i = 0; i < 8; i++)
		if (i != 2 && i != 5)
			gen_pool_free(pool, chunk[i], SZ_8M);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)FAKE_SIZE);
	gen_pool_destroy(pool);
}

static void pool_free_any_order_test(struct kunit *test)
{
	struct gen_pool *pool = fake_pool(test);
	u64 chunk[16], all;
	int i;

	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, mk_gen_pool_alloc(pool, SZ_4M, &chunk[i]), 0);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)0);
	/* 5 is coprime with 16: every chunk once, in a scrambled order. */
	for (i = 0; i < 16; i++)
		gen_pool_free(pool, chunk[(i * 5) % 16], SZ_4M);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(pool), (size_t)FAKE_SIZE);
	/* Freed pieces join up again. */
	KUNIT_EXPECT_EQ(test, mk_gen_pool_alloc(pool, FAKE_SIZE, &all), 0);
	gen_pool_free(pool, all, FAKE_SIZE);
	gen_pool_destroy(pool);
}

static struct kunit_case instance_test_cases[] = {
	KUNIT_CASE(state_every_transition_test),
	KUNIT_CASE(state_errno_test),
	KUNIT_CASE(state_names_test),
	KUNIT_CASE_PARAM(cpus_check_test, cpus_gen_params),
	KUNIT_CASE(cpus_whole_cores_test),
	KUNIT_CASE(pool_alignment_test),
	KUNIT_CASE(pool_exhaustion_test),
	KUNIT_CASE(pool_fragmentation_test),
	KUNIT_CASE(pool_free_any_order_test),
	{}
};

static struct kunit_suite instance_test_suite = {
	.name = "multikernel_instance",
	.test_cases = instance_test_cases,
};

kunit_test_suite(instance_test_suite);

MODULE_DESCRIPTION("KUnit tests for multikernel instances");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
