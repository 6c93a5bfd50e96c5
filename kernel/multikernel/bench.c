// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message benchmarks, driven from the host through debugfs:
 *
 *   echo "rtt ID COUNT" > /sys/kernel/debug/multikernel/bench
 *	COUNT 64-byte ping-pongs with instance ID while busy-polling for
 *	the pong, split into the way there and back by the instance's
 *	own reading of the cycle counter, and the share of the slowest
 *	1% spent on the way there; COUNT waiting for its doorbell; as
 *	many smp_call_function_single() round trips to another host
 *	CPU, and as many busy-polled round trips through one cache line
 *	between two host CPUs
 *   echo "tput ID SIZE COUNT" > /sys/kernel/debug/multikernel/bench
 *	COUNT messages of SIZE bytes to instance ID as fast as the ring
 *	takes them, in batches of 32 with one doorbell check each, timed
 *	until the instance has them all
 *   echo "broadcast COUNT" > /sys/kernel/debug/multikernel/bench
 *	COUNT on_each_cpu() calls and ten NMIs to "all but self", the
 *	host's broadcasts, which must reach no instance's CPU
 *   echo "wipe MIB" > /sys/kernel/debug/multikernel/bench
 *	zero MIB MiB of free pool memory as a load does, and time it; the
 *	longest piece between two chances to reschedule too
 *   echo "fail_reset CPU" > /sys/kernel/debug/multikernel/bench
 *	the next reset of CPU is taken as unconfirmed, as if it had not
 *	taken its INIT: its instance ends "failed"
 *   echo "corrupt_copy ID" > /sys/kernel/debug/multikernel/bench
 *	change a byte of the host's copy of instance ID's image, which
 *	the next restart must refuse to put back
 *   echo "corrupt_image ID" > /sys/kernel/debug/multikernel/bench
 *	change a byte of instance ID's image in its memory, loaded or
 *	stopped, which its next start must find and refuse
 *   cat /sys/kernel/debug/multikernel/bench
 *	the results of the last run, one "name value" per line
 *
 * A spawned kernel counts what arrives on the bench channel, which
 * makes it the first user of multikernel_register_handler(). Booted
 * with multikernel.bench_hello_delay_ms=MS, it waits that long before
 * its hello, so that the selftests can miss the host's start timeout
 * however fast it boots. With multikernel.bench_wire_version=V and
 * multikernel.bench_wire_features=MASK it passes for a kernel that knows
 * another layout of the shared region, or fewer features, as an older
 * or newer kernel would.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/multikernel.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>

#include "internal.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."

static unsigned int bench_hello_delay_ms;
module_param(bench_hello_delay_ms, uint, 0444);
MODULE_PARM_DESC(bench_hello_delay_ms,
		 "In a spawned kernel: milliseconds to wait before the hello (for tests)");

static unsigned int bench_wire_version = MULTIKERNEL_SHARED_VERSION;
module_param(bench_wire_version, uint, 0444);
MODULE_PARM_DESC(bench_wire_version,
		 "In a spawned kernel: the shared region version to know (for tests)");

static unsigned int bench_wire_features = MULTIKERNEL_F_ALL;
module_param(bench_wire_features, uint, 0444);
MODULE_PARM_DESC(bench_wire_features,
		 "In a spawned kernel: the features to know, a subset of all (for tests)");

/* What a spawned kernel takes the shared region for. */
u32 mk_bench_version(void)
{
	return bench_wire_version;
}

u32 mk_bench_features(void)
{
	return bench_wire_features & MULTIKERNEL_F_ALL;
}

#define MK_BENCH_MAX	100000
#define MK_BENCH_WAIT_NS	(5 * NSEC_PER_SEC)
/* Messages of a throughput run per doorbell check. */
#define MK_BENCH_BATCH	32

static DEFINE_MUTEX(mk_bench_lock);
static char mk_bench_result[1024];
static u64 mk_pong_seq;
static u64 mk_pong_stamp;
static atomic64_t mk_sink_messages;

/* The host: a PONG from an instance. */
static void mk_bench_pong(struct mk_link *l, const void *buf, u32 len)
{
	u64 seq;

	if (len < sizeof(seq))
		return;
	memcpy(&seq, buf, sizeof(seq));
	if (len == MULTIKERNEL_PING_STAMPED)
		WRITE_ONCE(mk_pong_stamp,
			   get_unaligned((u64 *)(buf + MULTIKERNEL_PING_STAMP)));
	/* Pairs with the acquire in mk_ping(). */
	smp_store_release(&mk_pong_seq, seq);
}

/* A spawned kernel: what the host floods it with. */
static void mk_bench_sink(unsigned int peer, u16 type, const void *data,
			  u32 len)
{
	atomic64_inc(&mk_sink_messages);
}

/*
 * Send a 64-byte ping numbered @seq and wait for its pong: busy-polling
 * the ring (@poll), or for the doorbell and its interrupt. With @legs,
 * the cycle counter when it was sent, when the instance got it (its
 * own reading, the same clock on one machine) and when the pong was
 * seen.
 */
static int mk_ping(struct mk_link *l, u64 seq, bool poll, u64 *legs)
{
	u8 msg[MULTIKERNEL_PING_STAMPED] = {};
	u64 end, sent;
	int ret;

	memcpy(msg, &seq, sizeof(seq));
	/* An instance that does not stamp its pong echoes this. */
	memset(msg + MULTIKERNEL_PING_STAMP, 0xff, sizeof(u64));
	end = ktime_get_ns() + MK_BENCH_WAIT_NS;
	do {
		sent = get_cycles();
		ret = mk_link_send(l, MULTIKERNEL_CHAN_CONTROL,
				   MULTIKERNEL_CTRL_PING, msg, sizeof(msg));
	} while (ret == -EAGAIN && ktime_get_ns() < end);
	if (ret)
		return ret;
	/* Pairs with the release in mk_bench_pong(). */
	while (smp_load_acquire(&mk_pong_seq) != seq) {
		if (ktime_get_ns() > end)
			return -ETIMEDOUT;
		if (poll) {
			mk_link_busy_poll(l);
			continue;
		}
		cond_resched();
		cpu_relax();
	}
	if (legs) {
		legs[2] = get_cycles();
		legs[1] = READ_ONCE(mk_pong_stamp);
		legs[0] = sent;
		/* Unstamped, or a late pong's stamp: no legs. */
		if (legs[1] == U64_MAX || smp_load_acquire(&mk_pong_seq) != seq) {
			legs[0] = legs[2];
			legs[1] = legs[2];
		}
	}
	return 0;
}

/* The other end of the host's own busy-poll round trip. */
struct mk_pp {
	u64 ping, pong;
	unsigned int count;
};

static int mk_pp_echo(void *data)
{
	struct mk_pp *pp = data;
	u64 n;

	for (n = 1; n <= pp->count; n++) {
		/* Pairs with the release in mk_bench_pp(). */
		while (smp_load_acquire(&pp->ping) != n) {
			if (kthread_should_stop())
				return 0;
			cpu_relax();
		}
		/* Pairs with the acquire in mk_bench_pp(). */
		smp_store_release(&pp->pong, n);
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * Round trips between two of the host's CPUs through one cache line,
 * both busy-polling as the instance's round trip does: what the machine
 * (or the emulator) adds to any such round trip, without a ring. The
 * caller keeps itself off @other.
 */
static int mk_bench_pp(unsigned int other, unsigned int count, u64 *pp_rtt)
{
	struct mk_pp pp = { .count = count };
	struct task_struct *echo;
	unsigned int i;
	u64 t, end;
	int ret = 0;

	echo = kthread_create(mk_pp_echo, &pp, "mk_bench_echo");
	if (IS_ERR(echo))
		return PTR_ERR(echo);
	kthread_bind(echo, other);
	wake_up_process(echo);
	for (i = 0; i < count && !ret; i++) {
		t = ktime_get_ns();
		end = t + MK_BENCH_WAIT_NS;
		/* Pairs with the acquire in mk_pp_echo(). */
		smp_store_release(&pp.ping, i + 1);
		/* Pairs with the release in mk_pp_echo(). */
		while (smp_load_acquire(&pp.pong) != i + 1) {
			if (ktime_get_ns() > end) {
				ret = -ETIMEDOUT;
				break;
			}
			cpu_relax();
		}
		pp_rtt[i] = ktime_get_ns() - t;
	}
	kthread_stop(echo);
	return ret;
}

/* Cycles to nanoseconds, at the rate measured over the run. */
static u64 mk_cyc_ns(u64 cycles, u64 run_cycles, u64 run_ns)
{
	return run_cycles ? mul_u64_u64_div_u64(cycles, run_ns, run_cycles) : 0;
}

static void mk_ipi_nop(void *info)
{
}

static int mk_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 mk_pct(u64 *v, unsigned int n, unsigned int pct)
{
	return v[min(n - 1, n * pct / 100)];
}

/* Host and instance legs of the busy-poll round trips in the slowest 1%. */
static u64 mk_tail_out_pct(u64 *rtt, u64 *out, u64 *back, unsigned int count,
			   u64 p99)
{
	u64 o = 0, b = 0;
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (rtt[i] < p99)
			continue;
		o += out[i];
		b += back[i];
	}
	return o + b ? div64_u64(o * 100, o + b) : 0;
}

static int mk_bench_rtt(struct mk_link *l, unsigned int count)
{
	u64 *rtt, *irq, *ipi, *pp, *out, *back, *sorted;
	u64 t, seq = READ_ONCE(mk_pong_seq);
	u64 legs[3] = {}, c0, ns0, run_cycles, run_ns, p99, tail_out;
	unsigned int i, cpu, other;
	int ret = 0;

	rtt = kvcalloc(count, sizeof(*rtt), GFP_KERNEL);
	irq = kvcalloc(count, sizeof(*irq), GFP_KERNEL);
	ipi = kvcalloc(count, sizeof(*ipi), GFP_KERNEL);
	pp = kvcalloc(count, sizeof(*pp), GFP_KERNEL);
	out = kvcalloc(count, sizeof(*out), GFP_KERNEL);
	back = kvcalloc(count, sizeof(*back), GFP_KERNEL);
	sorted = kvcalloc(count, sizeof(*sorted), GFP_KERNEL);
	if (!rtt || !irq || !ipi || !pp || !out || !back || !sorted) {
		ret = -ENOMEM;
		goto out;
	}

	migrate_disable();
	cpu = smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, cpu);
	c0 = get_cycles();
	ns0 = ktime_get_ns();
	for (i = 0; i < count && !ret; i++) {
		t = ktime_get_ns();
		ret = mk_ping(l, ++seq, true, legs);
		rtt[i] = ktime_get_ns() - t;
		/* Skewed clocks give a leg below zero: count it as none. */
		out[i] = legs[1] > legs[0] ? legs[1] - legs[0] : 0;
		back[i] = legs[2] > legs[1] ? legs[2] - legs[1] : 0;
	}
	run_cycles = get_cycles() - c0;
	run_ns = ktime_get_ns() - ns0;
	mk_link_kick(l);
	for (i = 0; i < count && !ret; i++) {
		t = ktime_get_ns();
		ret = mk_ping(l, ++seq, false, NULL);
		irq[i] = ktime_get_ns() - t;
	}
	for (i = 0; i < count && !ret && other < nr_cpu_ids; i++) {
		t = ktime_get_ns();
		ret = smp_call_function_single(other, mk_ipi_nop, NULL, 1);
		ipi[i] = ktime_get_ns() - t;
	}
	/* Still on @cpu: the echo thread must not share it, nor wait for it. */
	if (!ret && other < nr_cpu_ids)
		ret = mk_bench_pp(other, count, pp);
	migrate_enable();
	if (ret)
		goto out;
	if (other >= nr_cpu_ids) {
		ret = -ENODEV;
		goto out;
	}

	for (i = 0; i < count; i++) {
		out[i] = mk_cyc_ns(out[i], run_cycles, run_ns);
		back[i] = mk_cyc_ns(back[i], run_cycles, run_ns);
	}
	/* Which leg the slowest busy-poll round trips lost their time in. */
	memcpy(sorted, rtt, count * sizeof(*rtt));
	sort(sorted, count, sizeof(*sorted), mk_cmp_u64, NULL);
	p99 = mk_pct(sorted, count, 99);
	tail_out = mk_tail_out_pct(rtt, out, back, count, p99);

	sort(rtt, count, sizeof(*rtt), mk_cmp_u64, NULL);
	sort(irq, count, sizeof(*irq), mk_cmp_u64, NULL);
	sort(ipi, count, sizeof(*ipi), mk_cmp_u64, NULL);
	sort(pp, count, sizeof(*pp), mk_cmp_u64, NULL);
	sort(out, count, sizeof(*out), mk_cmp_u64, NULL);
	sort(back, count, sizeof(*back), mk_cmp_u64, NULL);
	snprintf(mk_bench_result, sizeof(mk_bench_result),
		 "count %u\nrtt_median_ns %llu\nrtt_p99_ns %llu\nirq_median_ns %llu\nirq_p99_ns %llu\nipi_median_ns %llu\nipi_p99_ns %llu\nipi_cpus %u-%u\n"
		 "pp_median_ns %llu\npp_p99_ns %llu\nout_median_ns %llu\nout_p99_ns %llu\nback_median_ns %llu\nback_p99_ns %llu\ntail_out_pct %llu\n",
		 count, mk_pct(rtt, count, 50), mk_pct(rtt, count, 99),
		 mk_pct(irq, count, 50), mk_pct(irq, count, 99),
		 mk_pct(ipi, count, 50), mk_pct(ipi, count, 99), cpu, other,
		 mk_pct(pp, count, 50), mk_pct(pp, count, 99),
		 mk_pct(out, count, 50), mk_pct(out, count, 99),
		 mk_pct(back, count, 50), mk_pct(back, count, 99), tail_out);
out:
	kvfree(rtt);
	kvfree(irq);
	kvfree(ipi);
	kvfree(pp);
	kvfree(out);
	kvfree(back);
	kvfree(sorted);
	return ret;
}

static int mk_bench_tput(struct mk_link *l, unsigned int size,
			 unsigned int count)
{
	u64 t, end, bells, full, seq;
	unsigned int i;
	void *buf;
	int ret = 0;

	if (size > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	buf = kzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	bells = atomic64_read(&l->stats[MK_STAT_DOORBELLS_SENT]);
	full = atomic64_read(&l->stats[MK_STAT_RING_FULL]);
	t = ktime_get_ns();
	end = t + MK_BENCH_WAIT_NS * 6;
	for (i = 0; i < count; ) {
		/* A producer with a backlog checks for the doorbell per batch. */
		ret = mk_link_send_more(l, MULTIKERNEL_CHAN_BENCH, 0, buf, size,
					(i + 1) % MK_BENCH_BATCH && i + 1 < count);
		if (!ret) {
			i++;
			continue;
		}
		if (ret != -EAGAIN || ktime_get_ns() > end)
			break;
		cond_resched();
		cpu_relax();
		ret = 0;
	}
	/* Messages arrive in order: its pong means it has them all. */
	seq = READ_ONCE(mk_pong_seq) + 1;
	if (!ret)
		ret = mk_ping(l, seq, false, NULL);
	t = ktime_get_ns() - t;
	bells = atomic64_read(&l->stats[MK_STAT_DOORBELLS_SENT]) - bells;
	full = atomic64_read(&l->stats[MK_STAT_RING_FULL]) - full;
	kfree(buf);
	if (ret)
		return ret;
	snprintf(mk_bench_result, sizeof(mk_bench_result),
		 "count %u\nsize %u\nns %llu\nmessages_per_s %llu\nbytes_per_s %llu\ndoorbells %llu\nring_full %llu\n",
		 count, size, t, div64_u64((u64)count * NSEC_PER_SEC, t),
		 div64_u64((u64)count * size * NSEC_PER_SEC, t), bells, full);
	return 0;
}

/* How fast a load zeroes pool memory, and for how long it holds a CPU. */
static int mk_bench_wipe(unsigned int mib)
{
	u64 size = (u64)mib << 20, addr, done, t, piece, longest = 0;
	int ret;

	ret = mk_pool_alloc(size, &addr);
	if (ret)
		return ret;
	t = ktime_get_ns();
	for (done = 0; done < size; done += SZ_2M) {
		piece = ktime_get_ns();
		mk_wipe_mem(addr + done, SZ_2M);
		longest = max(longest, ktime_get_ns() - piece);
	}
	t = ktime_get_ns() - t;
	mk_pool_release(addr, size);
	snprintf(mk_bench_result, sizeof(mk_bench_result),
		 "bytes %llu\nns %llu\nbytes_per_s %llu\npiece_max_ns %llu\n",
		 size, t, div64_u64(size * NSEC_PER_SEC, t), longest);
	return 0;
}

/* Broadcasts of the host, for a spawned kernel to count what it gets. */
static int mk_bench_broadcast(unsigned int count)
{
	unsigned int i, rounds = 10, want;
	int taken = 0, ret;

	for (i = 0; i < count; i++) {
		on_each_cpu(mk_ipi_nop, NULL, 1);
		cond_resched();
	}
	cpus_read_lock();
	want = (num_online_cpus() - 1) * rounds;
	cpus_read_unlock();
	for (i = 0; i < rounds; i++) {
		ret = arch_multikernel_nmi_others();
		if (ret < 0)
			return ret;
		taken += ret;
	}
	snprintf(mk_bench_result, sizeof(mk_bench_result),
		 "calls %u\nnmis_sent %u\nnmis_taken %d\n", count, want, taken);
	return 0;
}

static ssize_t mk_bench_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	unsigned int id, a, b = 0;
	struct mk_link *l;
	char cmd[64];
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';

	mutex_lock(&mk_bench_lock);
	mk_bench_result[0] = '\0';
	if (sscanf(cmd, "rtt %u %u", &id, &a) == 2) {
		l = mk_link_get(id);
		ret = !l || !a || a > MK_BENCH_MAX ? -EINVAL : mk_bench_rtt(l, a);
	} else if (sscanf(cmd, "tput %u %u %u", &id, &a, &b) == 3) {
		l = mk_link_get(id);
		ret = !l || !b ? -EINVAL : mk_bench_tput(l, a, b);
	} else if (sscanf(cmd, "wipe %u", &a) == 1) {
		ret = !a || a % 2 || a > (1U << 20) ? -EINVAL : mk_bench_wipe(a);
	} else if (sscanf(cmd, "fail_reset %u", &a) == 1) {
		ret = a < nr_cpu_ids ? 0 : -EINVAL;
		if (!ret)
			mk_lifecycle_fail_reset(a);
	} else if (sscanf(cmd, "corrupt_copy %u", &a) == 1) {
		ret = mk_lifecycle_corrupt_copy(a);
	} else if (sscanf(cmd, "corrupt_image %u", &a) == 1) {
		ret = mk_lifecycle_corrupt_image(a);
	} else if (sscanf(cmd, "broadcast %u", &a) == 1) {
		ret = !a || a > MK_BENCH_MAX ? -EINVAL : mk_bench_broadcast(a);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&mk_bench_lock);
	return ret ?: len;
}

static ssize_t mk_bench_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&mk_bench_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, mk_bench_result,
				      strlen(mk_bench_result));
	mutex_unlock(&mk_bench_lock);
	return ret;
}

static const struct file_operations mk_bench_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_bench_write,
	.read	= mk_bench_read,
};

static int __init mk_bench_init(void)
{
	struct dentry *dir;

	if (mk_spawned_id()) {
		/* A late initcall: the hello comes at late_initcall_sync. */
		if (bench_hello_delay_ms) {
			pr_info("instance %u: waiting %u ms before the hello\n",
				mk_spawned_id(), bench_hello_delay_ms);
			msleep_interruptible(bench_hello_delay_ms);
		}
		mk_probe_init();
		return multikernel_register_handler(MULTIKERNEL_CHAN_BENCH,
						    mk_bench_sink);
	}
	mk_lifecycle_set_pong(mk_bench_pong);
	dir = debugfs_create_dir("multikernel", NULL);
	debugfs_create_file("bench", 0600, dir, NULL, &mk_bench_fops);
	return 0;
}
late_initcall(mk_bench_init);
