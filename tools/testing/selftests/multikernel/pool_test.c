// SPDX-License-Identifier: GPL-2.0
/*
 * The multikernel pool as user space sees it: /sys/kernel/multikernel/
 * and the "Multikernel pool" range in /proc/iomem must agree, and a
 * multikernel_pool= the kernel refused must be logged and reserve
 * nothing.
 *
 * MK_EXPECT_POOL, when set, is what the test harness booted with:
 * "none", "SIZE" or "SIZE@BASE", numbers with an optional K, M or G.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "kmsg.h"

#define MK_SYSFS	"/sys/kernel/multikernel/"
#define POOL_NAME	"Multikernel pool"

static int read_u64(const char *path, unsigned long long *val)
{
	char buf[64], *end;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end != '\n')
		return -EINVAL;
	return 0;
}

/* Count "Multikernel pool" ranges in /proc/iomem; return the last one. */
static int iomem_pool(unsigned long long *start, unsigned long long *end)
{
	char line[256];
	int found = 0;
	FILE *f;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strstr(line, " : ");

		if (!colon || strcmp(colon + 3, POOL_NAME "\n"))
			continue;
		if (sscanf(line, " %llx-%llx", start, end) != 2) {
			fclose(f);
			return -EINVAL;
		}
		found++;
	}
	fclose(f);
	return found;
}

static unsigned long long parse_size(const char *s, char **end)
{
	static const char suffixes[] = "KMG";
	unsigned long long v = strtoull(s, end, 0);
	const char *p = **end ? strchr(suffixes, **end) : NULL;

	if (p) {
		v <<= 10 * (p - suffixes + 1);
		(*end)++;
	}
	return v;
}

static int cmdline_has_pool(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return !!strstr(buf, "multikernel_pool=");
}

TEST(sysfs_files)
{
	unsigned long long size, avail;

	ASSERT_EQ(0, read_u64(MK_SYSFS "pool_size", &size));
	ASSERT_EQ(0, read_u64(MK_SYSFS "pool_free", &avail));
	EXPECT_LE(avail, size);
	EXPECT_EQ(0, size % (2 << 20));
}

TEST(sysfs_read_only)
{
	static const char * const files[] = { "pool_size", "pool_free" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), MK_SYSFS "%s", files[i]);
		fd = open(path, O_WRONLY);
		EXPECT_EQ(-1, fd) {
			TH_LOG("%s opened for writing", path);
			close(fd);
		}
		EXPECT_EQ(EACCES, errno);
	}
}

TEST(iomem_matches_sysfs)
{
	unsigned long long size, start = 0, end = 0;
	int n;

	ASSERT_EQ(0, read_u64(MK_SYSFS "pool_size", &size));
	n = iomem_pool(&start, &end);
	ASSERT_LE(0, n);
	if (!size) {
		EXPECT_EQ(0, n);
		return;
	}
	ASSERT_EQ(1, n);
	EXPECT_EQ(size, end - start + 1);
	EXPECT_EQ(0, start % (2 << 20));
}

TEST(pool_as_booted)
{
	const char *expect = getenv("MK_EXPECT_POOL");
	unsigned long long size, avail, want_size, want_base = 0;
	unsigned long long start = 0, end = 0;
	char *at, *endp;

	if (!expect || !*expect)
		SKIP(return, "MK_EXPECT_POOL not set");

	ASSERT_EQ(0, read_u64(MK_SYSFS "pool_size", &size));
	ASSERT_EQ(0, read_u64(MK_SYSFS "pool_free", &avail));
	if (!strcmp(expect, "none")) {
		EXPECT_EQ(0, size);
		EXPECT_EQ(0, avail);
		EXPECT_EQ(0, iomem_pool(&start, &end));
		return;
	}

	want_size = parse_size(expect, &endp);
	at = strchr(expect, '@');
	if (at)
		want_base = parse_size(at + 1, &endp);
	EXPECT_EQ(want_size, size);
	/* No instance exists yet: the whole pool is free. */
	EXPECT_EQ(size, avail);
	ASSERT_EQ(1, iomem_pool(&start, &end));
	if (at)
		EXPECT_EQ(want_base, start);
}

TEST(refusal_is_logged)
{
	unsigned long long size;

	if (!cmdline_has_pool())
		SKIP(return, "booted without multikernel_pool=");

	ASSERT_EQ(0, read_u64(MK_SYSFS "pool_size", &size));
	if (size) {
		EXPECT_EQ(1, kmsg_has(6, "multikernel: reserved"));
		return;
	}
	/* Refused at parse time or at reservation: an error says which. */
	EXPECT_EQ(1, kmsg_has(3, "multikernel_pool")) {
		TH_LOG("no error line explains why the pool is missing");
	}
}

TEST_HARNESS_MAIN
