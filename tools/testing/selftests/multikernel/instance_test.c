// SPDX-License-Identifier: GPL-2.0
/*
 * Loading kernels into multikernel instances with kexec_file_load():
 * configuration through sysfs, load and unload, every refused input with
 * its errno and no trace left behind, two instances at once, and the
 * ordinary and crash kexec images beside them. Without CAP_SYS_BOOT
 * nothing can be changed, and what reveals an instance is root's only.
 *
 * Needs a pool of at least 512M, a bzImage at /boot/bzImage (the
 * running kernel's own is fine), and for the crash test a crashkernel=
 * reservation.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/kexec.h>

#include "../kselftest_harness.h"
#include "kmsg.h"

#define MK		"/sys/kernel/multikernel/"
#define INST		MK "instances/"
#define PARAM		"/sys/module/multikernel/parameters/"
#define KERNEL		"/boot/bzImage"
#define INITRD		"/boot/initrd.img"
#define CMDLINE		"console=ttyS1 mk.test=1"

static int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* A parameter of multikernel, as sysfs shows it. */
static char *param_read(const char *name)
{
	static char buf[2][64];
	static int next;
	char path[128], *b = buf[next++ % 2];

	snprintf(path, sizeof(path), PARAM "%s", name);
	if (sysfs_read(path, b, sizeof(buf[0])))
		snprintf(b, sizeof(buf[0]), "<unreadable>");
	return b;
}

/* Write @len bytes of @val to the file at @path; 0 or -errno. */
static int write_file(const char *path, const char *val, size_t len)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write @len bytes of @val to instance @id's @attr; 0 or -errno. */
static int inst_write_len(int id, const char *attr, const char *val,
			  size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), INST "%d/%s", id, attr);
	return write_file(path, val, len);
}

/* Write the string @val to instance @id's @attr; 0 or -errno. */
static int inst_write(int id, const char *attr, const char *val)
{
	return inst_write_len(id, attr, val, strlen(val));
}

/* Write the string @val to parameter @name of multikernel. */
static int param_write(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM "%s", name);
	return write_file(path, val, strlen(val));
}

static char *inst_read(int id, const char *attr)
{
	static char buf[4][512];
	static int next;
	char path[128], *b = buf[next++ % 4];

	snprintf(path, sizeof(path), INST "%d/%s", id, attr);
	if (sysfs_read(path, b, sizeof(buf[0])))
		snprintf(b, sizeof(buf[0]), "<unreadable>");
	return b;
}

static int contains(const char *haystack, const char *needle)
{
	return !!strstr(haystack, needle);
}

static unsigned long long read_ull(const char *path)
{
	char buf[64];

	if (sysfs_read(path, buf, sizeof(buf)))
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

static unsigned long long pool_free(void)
{
	return read_ull(MK "pool_free");
}

static long kfl(int kfd, int ifd, const char *cmdline, unsigned long flags)
{
	unsigned long len = cmdline ? strlen(cmdline) + 1 : 0;

	if (syscall(SYS_kexec_file_load, kfd, ifd, len, cmdline, flags))
		return -errno;
	return 0;
}

static unsigned long mkflags(int id)
{
	return KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id);
}

static long mk_load_file(int id, const char *kernel, const char *initrd)
{
	int kfd, ifd = -1;
	unsigned long flags = mkflags(id);
	long ret;

	kfd = open(kernel, O_RDONLY);
	if (kfd < 0)
		return -errno;
	if (initrd) {
		ifd = open(initrd, O_RDONLY);
		if (ifd < 0) {
			close(kfd);
			return -errno;
		}
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
	ret = kfl(kfd, ifd, CMDLINE, flags);
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}

static long mk_unload(int id)
{
	return kfl(-1, -1, NULL, KEXEC_FILE_UNLOAD | mkflags(id));
}

/* Put every instance back to unassigned, whatever a failed test left. */
static void reset_all(void)
{
	int id;

	for (id = 1; id <= 8; id++)
		mk_unload(id);
}

/* What must not change when an operation is refused. */
struct snapshot {
	unsigned long long free;
	char state[32], cpus[64], memory[32], range[64];
};

static void snap(int id, struct snapshot *s)
{
	s->free = pool_free();
	snprintf(s->state, sizeof(s->state), "%s", inst_read(id, "state"));
	snprintf(s->cpus, sizeof(s->cpus), "%s", inst_read(id, "cpus"));
	snprintf(s->memory, sizeof(s->memory), "%s", inst_read(id, "memory"));
	snprintf(s->range, sizeof(s->range), "%s", inst_read(id, "mem_range"));
}

#define EXPECT_UNCHANGED(id, before) do {				\
	const struct snapshot *__b = (before);				\
	struct snapshot __a;						\
	snap(id, &__a);							\
	EXPECT_EQ(__b->free, __a.free);					\
	EXPECT_STREQ(__b->state, __a.state);				\
	EXPECT_STREQ(__b->cpus, __a.cpus);				\
	EXPECT_STREQ(__b->memory, __a.memory);				\
	EXPECT_STREQ(__b->range, __a.range);				\
} while (0)

/*
 * Each load hashes the whole image; under TCG and KASAN that takes
 * seconds, so the tests get more than the harness's default 30s.
 */
FIXTURE(mk) {
	unsigned long long free0;
};

FIXTURE_SETUP(mk)
{
	if (access(INST "1", F_OK))
		SKIP(return, "no multikernel instances in this kernel");
	if (read_ull(MK "pool_size") < (512ULL << 20))
		SKIP(return, "needs multikernel_pool=512M or more");
	reset_all();
	self->free0 = pool_free();
}

FIXTURE_TEARDOWN(mk)
{
	reset_all();
	EXPECT_EQ(self->free0, pool_free());
}

TEST_F_TIMEOUT(mk, layout, 300)
{
	char buf[64];
	int id;

	ASSERT_EQ(0, sysfs_read(MK "instance_id", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	for (id = 1; id <= 8; id++) {
		EXPECT_STREQ("empty", inst_read(id, "state"));
		EXPECT_STREQ("", inst_read(id, "cpus"));
		EXPECT_STREQ("0", inst_read(id, "memory"));
		EXPECT_STREQ("", inst_read(id, "mem_range"));
	}
	EXPECT_NE(0, access(INST "9", F_OK));
	EXPECT_NE(0, access(INST "0", F_OK));
}

/* The highest CPU number this machine has, from sysfs's "0-3" or "0,2-5". */
static int last_present_cpu(void)
{
	char buf[256], *p;

	if (sysfs_read("/sys/devices/system/cpu/present", buf, sizeof(buf)))
		return -1;
	p = buf + strlen(buf);
	while (p > buf && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return atoi(p);
}

TEST_F_TIMEOUT(mk, bad_cpus, 300)
{
	char absent[16], absent_range[16];
	const struct { const char *list; int err; } bad[] = {
		{ "0", -EBUSY },	/* the host's boot CPU */
		{ "0-1", -EBUSY },
		{ absent, -ENODEV },	/* one past the last CPU */
		{ absent_range, -ENODEV },
		{ "\n", -EINVAL },	/* what echo "" writes */
		{ "abc", -EINVAL },
		{ "2-", -EINVAL },
	};
	struct snapshot before;
	unsigned int i;
	int last = last_present_cpu();

	ASSERT_LT(2, last);
	snprintf(absent, sizeof(absent), "%d", last + 1);
	snprintf(absent_range, sizeof(absent_range), "2-%d", last + 6);
	snap(1, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(bad[i].err, inst_write(1, "cpus", bad[i].list)) {
			TH_LOG("cpus '%s'", bad[i].list);
		}
		EXPECT_UNCHANGED(1, &before);
	}
	/* What a line break or a NUL would hide is not dropped silently. */
	EXPECT_EQ(-EINVAL, inst_write_len(1, "cpus", "2\n3", 3));
	EXPECT_UNCHANGED(1, &before);
	EXPECT_TRUE(contains(inst_read(1, "last_error"), "a NUL or a line break"));
	EXPECT_EQ(-EINVAL, inst_write_len(1, "cpus", "2\0003", 3));
	EXPECT_UNCHANGED(1, &before);
	EXPECT_EQ(-EINVAL, inst_write_len(1, "state", "start\0junk", 10));
	EXPECT_UNCHANGED(1, &before);

	/* A CPU that another instance has. */
	ASSERT_EQ(0, inst_write(2, "cpus", "3"));
	EXPECT_EQ(-EBUSY, inst_write(1, "cpus", "2-3"));
	EXPECT_UNCHANGED(1, &before);
	EXPECT_STREQ("3", inst_read(2, "cpus"));
	EXPECT_TRUE(contains(inst_read(1, "last_error"), "another instance"));

	ASSERT_EQ(0, inst_write(1, "cpus", "1-2"));
	EXPECT_STREQ("1-2", inst_read(1, "cpus"));
}

TEST_F_TIMEOUT(mk, bad_memory, 300)
{
	static const struct { const char *size; int err; } bad[] = {
		{ "0", -EINVAL },
		{ "3M", -EINVAL },	/* not a multiple of 2M */
		{ "12Q", -EINVAL },
		{ "\n", -EINVAL },
		{ "-2M", -EINVAL },
		{ "1T", -ENOSPC },	/* more than the pool's free space */
		{ "99999999999999999999", -ERANGE },
	};
	struct snapshot before;
	unsigned int i;

	snap(1, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(bad[i].err, inst_write(1, "memory", bad[i].size)) {
			TH_LOG("memory '%s'", bad[i].size);
		}
		EXPECT_UNCHANGED(1, &before);
	}
	ASSERT_EQ(0, inst_write(1, "memory", "256M"));
	EXPECT_STREQ("256M", inst_read(1, "memory"));
	ASSERT_EQ(0, inst_write(1, "memory", "512M"));
	EXPECT_STREQ("512M", inst_read(1, "memory"));
}

TEST_F_TIMEOUT(mk, load_unload, 300)
{
	unsigned long long start, end;
	struct stat st;
	char *range;
	int n;

	ASSERT_EQ(0, stat(KERNEL, &st));
	/* Nothing to start, stop or unload yet. */
	EXPECT_EQ(-ENOEXEC, inst_write(1, "state", "start"));
	EXPECT_EQ(-EINVAL, inst_write(1, "state", "stop"));
	EXPECT_EQ(-ENOENT, mk_unload(1));
	EXPECT_STREQ("empty", inst_read(1, "state"));
	ASSERT_EQ(0, inst_write(1, "cpus", "2-3"));
	ASSERT_EQ(0, inst_write(1, "memory", "256M"));
	ASSERT_EQ(0, mk_load_file(1, KERNEL, INITRD)) {
		TH_LOG("last_error: %s", inst_read(1, "last_error"));
	}

	EXPECT_STREQ("loaded", inst_read(1, "state"));
	EXPECT_EQ(self->free0 - (256ULL << 20), pool_free());
	range = inst_read(1, "mem_range");
	n = sscanf(range, "%llx-%llx", &start, &end);
	ASSERT_EQ(2, n);
	EXPECT_EQ(256ULL << 20, end - start + 1);
	EXPECT_EQ((unsigned long long)st.st_size,
		  strtoull(inst_read(1, "image_size"), NULL, 0));
	EXPECT_NE(0, strtoull(inst_read(1, "initrd_size"), NULL, 0));
	EXPECT_STREQ(CMDLINE, inst_read(1, "cmdline"));

	/* A loaded instance keeps its assignment and its image. */
	EXPECT_EQ(-EBUSY, inst_write(1, "cpus", "1"));
	EXPECT_EQ(-EBUSY, inst_write(1, "memory", "128M"));
	EXPECT_EQ(-EBUSY, mk_load_file(1, KERNEL, INITRD));
	EXPECT_STREQ("2-3", inst_read(1, "cpus"));
	EXPECT_STREQ("loaded", inst_read(1, "state"));

	/* Nothing runs that could be stopped or killed. */
	EXPECT_EQ(-EINVAL, inst_write(1, "state", "stop"));
	EXPECT_EQ(-EINVAL, inst_write(1, "state", "kill"));
	EXPECT_EQ(-EINVAL, inst_write(1, "state", "bogus"));
	EXPECT_TRUE(contains(inst_read(1, "last_error"), "unknown command"));

	ASSERT_EQ(0, mk_unload(1));
	EXPECT_STREQ("empty", inst_read(1, "state"));
	EXPECT_STREQ("", inst_read(1, "cpus"));
	EXPECT_STREQ("", inst_read(1, "mem_range"));
	EXPECT_EQ(self->free0, pool_free());
	EXPECT_EQ(-ENOENT, mk_unload(1));
}

TEST_F_TIMEOUT(mk, bad_loads, 300)
{
	static const char garbage[] = "/tmp/garbage.img";
	static const char truncated[] = "/tmp/truncated.img";
	struct snapshot before;
	char buf[4096];
	int in, out, i;
	ssize_t n;

	/* A file of noise, and the first 256K of a real bzImage. */
	out = open(garbage, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	ASSERT_LE(0, out);
	for (i = 0; i < 64; i++) {
		int j;

		for (j = 0; j < (int)sizeof(buf); j++)
			buf[j] = (char)(i * 131 + j * 7);
		ASSERT_EQ((ssize_t)sizeof(buf), write(out, buf, sizeof(buf)));
	}
	close(out);
	in = open(KERNEL, O_RDONLY);
	ASSERT_LE(0, in);
	out = open(truncated, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	ASSERT_LE(0, out);
	for (i = 0; i < 64 && (n = read(in, buf, sizeof(buf))) > 0; i++)
		ASSERT_EQ(n, write(out, buf, n));
	close(in);
	close(out);

	/* Nothing assigned yet. */
	snap(1, &before);
	EXPECT_EQ(-EINVAL, mk_load_file(1, KERNEL, INITRD));
	EXPECT_UNCHANGED(1, &before);
	ASSERT_EQ(0, inst_write(1, "cpus", "2-3"));
	snap(1, &before);
	EXPECT_EQ(-EINVAL, mk_load_file(1, KERNEL, INITRD));
	EXPECT_TRUE(contains(inst_read(1, "last_error"), "no memory"));
	EXPECT_UNCHANGED(1, &before);
	ASSERT_EQ(0, inst_write(1, "memory", "256M"));
	snap(1, &before);

	EXPECT_EQ(-ENOEXEC, mk_load_file(1, garbage, INITRD));
	EXPECT_UNCHANGED(1, &before);
	EXPECT_EQ(-ENOEXEC, mk_load_file(1, truncated, INITRD));
	EXPECT_UNCHANGED(1, &before);
	/* An initrd promised but not given. */
	in = open(KERNEL, O_RDONLY);
	ASSERT_LE(0, in);
	EXPECT_EQ(-EBADF, kfl(in, -1, CMDLINE, mkflags(1)));
	close(in);
	EXPECT_UNCHANGED(1, &before);
	/* Too small to hold the image. */
	ASSERT_EQ(0, inst_write(1, "memory", "2M"));
	snap(1, &before);
	EXPECT_GT(0, mk_load_file(1, KERNEL, INITRD));
	EXPECT_UNCHANGED(1, &before);

	/* Instances that do not exist, and flags that do not go together. */
	EXPECT_EQ(-EINVAL, mk_load_file(0, KERNEL, INITRD));
	EXPECT_EQ(-EINVAL, mk_load_file(9, KERNEL, INITRD));
	EXPECT_EQ(-EINVAL, mk_load_file(200, KERNEL, INITRD));
	EXPECT_EQ(-EINVAL, kfl(-1, -1, NULL, KEXEC_FILE_UNLOAD |
			       KEXEC_FILE_ON_CRASH | mkflags(1)));
	EXPECT_EQ(-EINVAL, kfl(-1, -1, NULL, KEXEC_FILE_UNLOAD |
			       KEXEC_FILE_MK_ID(1)));
	EXPECT_UNCHANGED(1, &before);
	unlink(garbage);
	unlink(truncated);
}

TEST_F_TIMEOUT(mk, two_instances, 300)
{
	unsigned long long s1, e1, s2, e2;
	int n;

	ASSERT_EQ(0, inst_write(1, "cpus", "1"));
	ASSERT_EQ(0, inst_write(1, "memory", "128M"));
	ASSERT_EQ(0, inst_write(2, "cpus", "2-3"));
	ASSERT_EQ(0, inst_write(2, "memory", "256M"));
	ASSERT_EQ(0, mk_load_file(1, KERNEL, INITRD));
	ASSERT_EQ(0, mk_load_file(2, KERNEL, NULL));
	EXPECT_STREQ("loaded", inst_read(1, "state"));
	EXPECT_STREQ("loaded", inst_read(2, "state"));
	EXPECT_EQ(self->free0 - (384ULL << 20), pool_free());
	n = sscanf(inst_read(1, "mem_range"), "%llx-%llx", &s1, &e1);
	ASSERT_EQ(2, n);
	n = sscanf(inst_read(2, "mem_range"), "%llx-%llx", &s2, &e2);
	ASSERT_EQ(2, n);
	EXPECT_TRUE(e1 < s2 || e2 < s1);

	/* More than is left. */
	EXPECT_EQ(-ENOSPC, inst_write(3, "memory", "512M"));

	ASSERT_EQ(0, mk_unload(1));
	EXPECT_STREQ("loaded", inst_read(2, "state"));
	ASSERT_EQ(0, mk_unload(2));
	EXPECT_EQ(self->free0, pool_free());
}

#define KMEMLEAK "/sys/kernel/debug/kmemleak"

static int kmemleak(const char *cmd)
{
	int fd = open(KMEMLEAK, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Drop CAP_SYS_BOOT from every set of this process, for good. */
static int drop_cap_sys_boot(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_SYS_BOOT);
	__u32 mask = CAP_TO_MASK(CAP_SYS_BOOT);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0) ||
	    syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~mask;
	data[i].permitted &= ~mask;
	data[i].inheritable &= ~mask;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * Root without CAP_SYS_BOOT may read the instances but change nothing:
 * each refusal is EPERM. The child reports each wrong answer as a bit.
 */
TEST_F_TIMEOUT(mk, needs_cap_sys_boot, 300)
{
	static const char * const what[] = {
		"dropping CAP_SYS_BOOT", "start: EPERM", "kill: EPERM",
		"cpus: EPERM", "memory: EPERM", "unload: EPERM",
		"state still readable", "heartbeat_timeout: EPERM",
		"crash_stop: EPERM", "ring_size: EPERM",
	};
	struct snapshot before, before2;
	char hb[64], cs[8], rs[16];
	int status, bad, i, log, log2;
	pid_t pid;

	snprintf(hb, sizeof(hb), "%s", param_read("heartbeat_timeout"));
	snprintf(cs, sizeof(cs), "%s", param_read("crash_stop"));
	snprintf(rs, sizeof(rs), "%s", param_read("ring_size"));
	ASSERT_STRNE("0", hb);
	ASSERT_STRNE("16384", rs);
	ASSERT_EQ(0, inst_write(1, "cpus", "2-3"));
	ASSERT_EQ(0, inst_write(1, "memory", "256M"));
	ASSERT_EQ(0, mk_load_file(1, KERNEL, INITRD));
	snap(1, &before);
	snap(2, &before2);

	log = kmsg_mark();
	log2 = kmsg_mark();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		bad = 0;
		if (drop_cap_sys_boot())
			_exit(1);
		bad |= (inst_write(1, "state", "start") != -EPERM) << 1;
		bad |= (inst_write(1, "state", "kill") != -EPERM) << 2;
		bad |= (inst_write(2, "cpus", "1") != -EPERM) << 3;
		bad |= (inst_write(2, "memory", "128M") != -EPERM) << 4;
		bad |= (mk_unload(1) != -EPERM) << 5;
		bad |= (strcmp(inst_read(1, "state"), "loaded") != 0) << 6;
		bad |= (write_file(PARAM "heartbeat_timeout", "0", 1) != -EPERM) << 7;
		bad |= (write_file(PARAM "crash_stop", cs[0] == 'Y' ? "0" : "1",
				   1) != -EPERM) << 8;
		bad |= (write_file(PARAM "ring_size", "16384", 5) != -EPERM) << 9;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	bad = WEXITSTATUS(status);
	for (i = 0; i < (int)ARRAY_SIZE(what); i++)
		if (bad & (1 << i))
			TH_LOG("without CAP_SYS_BOOT, wrong: %s", what[i]);
	EXPECT_EQ(0, bad);
	EXPECT_UNCHANGED(1, &before);
	EXPECT_UNCHANGED(2, &before2);
	EXPECT_EQ(1, kmsg_scan(log, 5, "heartbeat_timeout needs CAP_SYS_BOOT"));
	EXPECT_EQ(1, kmsg_scan(log2, 5, "writing state needs CAP_SYS_BOOT"));
	EXPECT_STREQ(hb, param_read("heartbeat_timeout"));
	EXPECT_STREQ(cs, param_read("crash_stop"));
	EXPECT_STREQ(rs, param_read("ring_size"));
	/* Whatever the child managed to change, later tests get it back. */
	param_write("heartbeat_timeout", hb);
	param_write("crash_stop", cs);
	param_write("ring_size", rs);
	EXPECT_EQ(0, mk_unload(1));
}

/*
 * The parameters take values in their ranges only; anything else is
 * refused with EINVAL and a log line that gives the range, and changes
 * nothing.
 */
TEST_F_TIMEOUT(mk, bad_params, 300)
{
	static const struct { const char *name, *val, *log; } bad[] = {
		{ "start_timeout", "0", "start_timeout must be 1 to 3600 seconds" },
		{ "start_timeout", "3601", "start_timeout must be 1 to 3600 seconds" },
		{ "start_timeout", "-1", "start_timeout must be 1 to 3600 seconds" },
		{ "stop_timeout", "0", "stop_timeout must be 1 to 3600 seconds" },
		{ "stop_timeout", "4294967295", "stop_timeout must be 1 to 3600 seconds" },
		{ "heartbeat_timeout", "1",
		  "heartbeat_timeout must be 0 (off) or 3 to 3600 seconds" },
		{ "heartbeat_timeout", "ten",
		  "heartbeat_timeout must be 0 (off) or 3 to 3600 seconds" },
		{ "ring_size", "256K", "ring_size must be a power of two" },
		{ "ring_size", "3000", "ring_size must be a power of two" },
	};
	char before[64];
	unsigned int i;
	int log;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(before, sizeof(before), "%s", param_read(bad[i].name));
		log = kmsg_mark();
		EXPECT_EQ(-EINVAL, param_write(bad[i].name, bad[i].val)) {
			TH_LOG("%s=%s", bad[i].name, bad[i].val);
		}
		EXPECT_STREQ(before, param_read(bad[i].name));
		EXPECT_EQ(1, kmsg_scan(log, 6, bad[i].log)) {
			TH_LOG("no log line for %s=%s", bad[i].name, bad[i].val);
		}
	}
	/* 0 turns the heartbeat check off; the bounds themselves are fine. */
	snprintf(before, sizeof(before), "%s", param_read("heartbeat_timeout"));
	EXPECT_EQ(0, param_write("heartbeat_timeout", "0"));
	EXPECT_STREQ("0", param_read("heartbeat_timeout"));
	EXPECT_EQ(0, param_write("heartbeat_timeout", "3"));
	EXPECT_EQ(0, param_write("heartbeat_timeout", before));
	snprintf(before, sizeof(before), "%s", param_read("start_timeout"));
	EXPECT_EQ(0, param_write("start_timeout", "3600"));
	EXPECT_EQ(0, param_write("start_timeout", before));
}

/*
 * Two kernels never share a core: half of one is refused, with the
 * reason, and changes nothing; the whole core is fine. Needs a machine
 * with SMT and a core without CPU 0 (QEMU: -smp 4,threads=2).
 */
TEST_F_TIMEOUT(mk, whole_cores, 300)
{
	int cpu, a = -1, b = -1;
	struct snapshot before;
	char path[128], sib[64];

	for (cpu = 1; cpu < 64 && a < 0; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 cpu);
		if (sysfs_read(path, sib, sizeof(sib)))
			continue;
		if (sscanf(sib, "%d%*[-,]%d", &a, &b) != 2 || a == 0)
			a = -1;
	}
	if (a < 0)
		SKIP(return, "no core of two threads without CPU 0");

	snap(1, &before);
	snprintf(sib, sizeof(sib), "%d", b);
	EXPECT_EQ(-EBUSY, inst_write(1, "cpus", sib));
	EXPECT_TRUE(contains(inst_read(1, "last_error"), "shares a core"));
	EXPECT_UNCHANGED(1, &before);
	/* The other thread of CPU 0's core stays with the host too. */
	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list");
	ASSERT_EQ(0, sysfs_read(path, sib, sizeof(sib)));
	if (sscanf(sib, "0%*[-,]%d", &cpu) == 1) {
		snprintf(sib, sizeof(sib), "%d", cpu);
		EXPECT_EQ(-EBUSY, inst_write(1, "cpus", sib));
		EXPECT_UNCHANGED(1, &before);
	}
	snprintf(sib, sizeof(sib), "%d,%d", a, b);
	EXPECT_EQ(0, inst_write(1, "cpus", sib));
	EXPECT_EQ(0, mk_unload(1));
}

/* What reveals an instance's layout, command line or messages is root's. */
TEST_F_TIMEOUT(mk, root_only_files, 300)
{
	static const char * const secret[] = { "cmdline", "mem_range", "message" };
	char path[128];
	struct stat st;
	int status, i;
	pid_t pid;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), INST "1/%s", secret[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0400, st.st_mode & 0777) {
			TH_LOG("%s has mode %o", secret[i], st.st_mode & 0777);
		}
	}
	ASSERT_EQ(0, stat(INST "1/state", &st));
	EXPECT_EQ(0644, st.st_mode & 0777);
	/* The whole-core rule can be lifted at boot only. */
	ASSERT_EQ(0, stat("/sys/module/multikernel/parameters/allow_smt_split", &st));
	EXPECT_EQ(0444, st.st_mode & 0777);

	/* Nobody reads state, and nothing else. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int bad = 0, fd;

		if (setgid(65534) || setuid(65534))
			_exit(1);
		for (i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), INST "1/%s", secret[i]);
			fd = open(path, O_RDONLY);
			bad |= (fd >= 0 || errno != EACCES) << (i + 1);
		}
		fd = open(INST "1/state", O_RDONLY);
		bad |= (fd < 0) << 4;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* 100 rounds (MK_CYCLES to change) take minutes under TCG and KASAN. */
TEST_F_TIMEOUT(mk, cycles, 1200)
{
	const char *env = getenv("MK_CYCLES");
	int i, leak_check, cycles = env && *env ? atoi(env) : 100;
	char report[4096];

	/*
	 * Forget leaks from before; kmemleak=on and debugfs needed. A scan
	 * is refused when kmemleak is off, "clear" is not.
	 */
	leak_check = kmemleak("scan") == 0 && kmemleak("clear") == 0;
	ASSERT_EQ(0, inst_write(1, "cpus", "2-3"));
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, inst_write(1, "memory", "256M"));
		ASSERT_EQ(0, mk_load_file(1, KERNEL, INITRD)) {
			TH_LOG("cycle %d: %s", i, inst_read(1, "last_error"));
		}
		ASSERT_EQ(0, mk_unload(1));
		ASSERT_EQ(self->free0, pool_free()) {
			TH_LOG("cycle %d", i);
		}
		ASSERT_EQ(0, inst_write(1, "cpus", "2-3"));
	}
	/* Pool accounting above checked every cycle; leaks need kmemleak. */
	if (!leak_check)
		SKIP(return, "kmemleak not enabled (kmemleak=on): leaks not checked");
	/* An object is reported once unreferenced and 5 s old (kmemleak). */
	ASSERT_EQ(0, kmemleak("scan"));
	sleep(6);
	ASSERT_EQ(0, kmemleak("scan"));
	ASSERT_EQ(0, sysfs_read(KMEMLEAK, report, sizeof(report)));
	EXPECT_STREQ("", report);
}

/* The ordinary and the crash image load and unload beside an instance. */
TEST_F_TIMEOUT(mk, other_images, 300)
{
	int kfd;

	ASSERT_EQ(0, inst_write(1, "cpus", "2-3"));
	ASSERT_EQ(0, inst_write(1, "memory", "256M"));
	ASSERT_EQ(0, mk_load_file(1, KERNEL, INITRD));

	kfd = open(KERNEL, O_RDONLY);
	ASSERT_LE(0, kfd);
	EXPECT_EQ(0, kfl(kfd, -1, "", KEXEC_FILE_NO_INITRAMFS));
	EXPECT_EQ(1, read_ull("/sys/kernel/kexec_loaded"));
	EXPECT_STREQ("loaded", inst_read(1, "state"));
	EXPECT_EQ(0, kfl(-1, -1, NULL, KEXEC_FILE_UNLOAD));
	EXPECT_EQ(0, read_ull("/sys/kernel/kexec_loaded"));

	if (read_ull("/sys/kernel/kexec_crash_size") == 0) {
		close(kfd);
		SKIP(return, "no crashkernel= reservation");
	}
	EXPECT_EQ(0, kfl(kfd, -1, "", KEXEC_FILE_ON_CRASH |
			 KEXEC_FILE_NO_INITRAMFS));
	EXPECT_EQ(1, read_ull("/sys/kernel/kexec_crash_loaded"));
	EXPECT_STREQ("loaded", inst_read(1, "state"));
	EXPECT_EQ(0, kfl(-1, -1, NULL, KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH));
	EXPECT_EQ(0, read_ull("/sys/kernel/kexec_crash_loaded"));
	close(kfd);

	EXPECT_STREQ("loaded", inst_read(1, "state"));
	EXPECT_EQ(0, mk_unload(1));
}

TEST_HARNESS_MAIN
