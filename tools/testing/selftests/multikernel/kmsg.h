/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the multikernel selftests written in C. */

#ifndef MK_SELFTEST_KMSG_H
#define MK_SELFTEST_KMSG_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Does a line of the kernel log read from @fd on, at @level or more
 * urgent, contain @what? Closes @fd.
 */
static inline int kmsg_scan(int fd, int level, const char *what)
{
	char rec[2048];
	int found = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);

		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = '\0';
		if ((atoi(rec) & 7) <= level && strstr(rec, what)) {
			found = 1;
			break;
		}
	}
	close(fd);
	return found;
}

/* Does a kernel log line at @level or more urgent contain @what? */
static inline int kmsg_has(int level, const char *what)
{
	return kmsg_scan(open("/dev/kmsg", O_RDONLY | O_NONBLOCK), level, what);
}

/* The kernel log from its end on, for kmsg_scan(): what comes next. */
static inline int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
