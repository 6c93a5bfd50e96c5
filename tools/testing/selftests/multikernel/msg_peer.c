// SPDX-License-Identifier: GPL-2.0
/*
 * Both ends of the multikernel raw channel tests.
 *
 *   msg_peer echo DEV
 *	In a spawned kernel: send back every message read from DEV
 *	(/dev/multikernel0) until the host goes away.
 *   msg_peer integrity DEV COUNT MAXLEN
 *	On the host: send COUNT messages of 16..MAXLEN bytes, each with
 *	its sequence number, length and checksum, through DEV to an
 *	instance that echoes them, and check that each comes back once,
 *	in order and intact. Non-blocking, so the rings fill up.
 *   msg_peer api DEV
 *	On the host, with an echoing instance: the file semantics, one
 *	check per line of output.
 *   msg_peer down DEV
 *	On the host, with no instance running: reads and writes fail
 *	with ENOTCONN.
 *   msg_peer readers DEV N
 *	On the host: N processes open DEV and block in read(); once all
 *	sleep there it prints "blocked N", and it succeeds when each read
 *	then fails with ENOTCONN (the instance stopped).
 *   msg_peer fill DEV
 *	On the host, with an instance that does not read: write messages
 *	of the largest size until the link takes no more; prints how many.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MSG_MAX		4096
#define STALL_MS	60000

struct hdr {
	uint64_t seq;
	uint32_t len;
	uint32_t sum;
};

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* The message numbered @seq, in @buf; returns its length. */
static size_t make_msg(uint64_t seq, size_t maxlen, uint8_t *buf)
{
	size_t len = sizeof(struct hdr) + mix(seq) % (maxlen - sizeof(struct hdr) + 1);
	struct hdr *h = (struct hdr *)buf;
	uint64_t r = mix(seq + 1);
	size_t i;

	for (i = sizeof(*h); i < len; i++) {
		buf[i] = r;
		r = r >> 8 | r << 56;
	}
	h->seq = seq;
	h->len = len;
	h->sum = fnv1a(buf + sizeof(*h), len - sizeof(*h));
	return len;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int echo(const char *dev)
{
	uint8_t buf[MSG_MAX];
	int fd = open(dev, O_RDWR);
	ssize_t n;

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 1;
		}
		while (write(fd, buf, n) != n) {
			if (errno != EINTR) {
				perror("write");
				return 1;
			}
		}
	}
}

static int integrity(const char *dev, uint64_t count, size_t maxlen)
{
	uint8_t out[MSG_MAX], in[MSG_MAX], want[MSG_MAX];
	uint64_t sent = 0, got = 0, full = 0;
	long long start = now_ms(), last = start;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (maxlen < sizeof(struct hdr) || maxlen > MSG_MAX) {
		fprintf(stderr, "bad maximum length %zu\n", maxlen);
		return 2;
	}
	fd = open(dev, O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	while (got < count) {
		int progress = 0;

		while (sent < count) {
			if (!len)
				len = make_msg(sent, maxlen, out);
			n = write(fd, out, len);
			if (n < 0 && errno == EAGAIN) {
				full++;
				break;
			}
			if (n != (ssize_t)len) {
				fprintf(stderr, "write of message %llu: %s\n",
					(unsigned long long)sent, strerror(errno));
				return 1;
			}
			sent++;
			len = 0;
			progress = 1;
		}
		for (;;) {
			struct hdr *h = (struct hdr *)in;
			size_t wlen;

			n = read(fd, in, sizeof(in));
			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0) {
				perror("read");
				return 1;
			}
			wlen = make_msg(got, maxlen, want);
			if ((size_t)n != wlen || h->seq != got || h->len != n ||
			    h->sum != fnv1a(in + sizeof(*h), n - sizeof(*h)) ||
			    memcmp(in, want, n)) {
				fprintf(stderr, "message %llu: %zd bytes, seq %llu; want %zu\n",
					(unsigned long long)got, n,
					(unsigned long long)h->seq, wlen);
				return 1;
			}
			got++;
			progress = 1;
		}
		if (progress) {
			last = now_ms();
			continue;
		}
		if (now_ms() - last > STALL_MS) {
			fprintf(stderr, "no progress for %d s: sent %llu, got %llu\n",
				STALL_MS / 1000, (unsigned long long)sent,
				(unsigned long long)got);
			return 1;
		}
		struct pollfd p = {
			.fd = fd,
			.events = POLLIN | (sent < count ? POLLOUT : 0),
		};
		poll(&p, 1, 1000);
	}
	/*
	 * Nothing more may come: no duplicates. The agent echoes each
	 * message as it reads it, so a duplicate would follow the last echo
	 * within milliseconds; 200 ms is that with room to spare.
	 */
	usleep(200000);
	n = read(fd, in, sizeof(in));
	if (n >= 0 || errno != EAGAIN) {
		fprintf(stderr, "a message beyond the last one came back\n");
		return 1;
	}
	printf("sent %llu got %llu ring_full_waits %llu ms %lld\n",
	       (unsigned long long)sent, (unsigned long long)got,
	       (unsigned long long)full, now_ms() - start);
	return 0;
}

static int failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	failed |= !ok;
}

static int api(const char *dev)
{
	uint8_t buf[MSG_MAX + 1], in[MSG_MAX + 1];
	struct pollfd p;
	void *bad;
	ssize_t n;
	int fd, i, sizes[] = { 64, 1, 2, 63, 65, 1000, MSG_MAX };

	fd = open(dev, O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	errno = 0;
	check(read(fd, in, sizeof(in)) < 0 && errno == EAGAIN,
	      "read with nothing to read, O_NONBLOCK: EAGAIN");
	p.fd = fd;
	p.events = POLLIN | POLLOUT;
	check(poll(&p, 1, 0) == 1 && p.revents == POLLOUT,
	      "poll with nothing to read: writable only");
	errno = 0;
	check(write(fd, buf, MSG_MAX + 1) < 0 && errno == EMSGSIZE,
	      "write beyond the largest message: EMSGSIZE");
	/* Sent, it would come back as a read of 0 bytes below. */
	check(write(fd, buf, 0) == 0, "write of no bytes: 0, nothing sent");

	for (i = 0; i < 7; i++) {
		memset(buf, i + 1, sizes[i]);
		if (write(fd, buf, sizes[i]) != sizes[i])
			break;
	}
	check(i == 7, "write 7 messages of 1 to 4096 bytes");
	p.events = POLLIN;
	/* An echo takes milliseconds; 30 s leaves room for a loaded TCG host. */
	check(poll(&p, 1, 30000) == 1 && (p.revents & POLLIN),
	      "poll: the echo is readable");
	errno = 0;
	check(read(fd, in, 10) < 0 && errno == EMSGSIZE,
	      "read into too small a buffer: EMSGSIZE");
	/* A buffer the reader may not write: the message must stay. */
	bad = mmap(NULL, sizeof(in), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	errno = 0;
	check(bad != MAP_FAILED && read(fd, bad, sizeof(in)) < 0 &&
	      errno == EFAULT, "read into a read-only buffer: EFAULT");
	for (i = 0; i < 7; i++) {
		/* The echoes come back one by one: wait for each. */
		p.events = POLLIN;
		if (poll(&p, 1, 30000) != 1)
			break;
		n = read(fd, in, sizeof(in));
		if (n != sizes[i] || in[0] != i + 1 || in[n - 1] != i + 1)
			break;
	}
	check(i == 7, "read: whole messages, in order, none lost to failed reads");
	close(fd);

	/* Blocking: a reader waits for the echo. */
	fd = open(dev, O_RDWR);
	memcpy(buf, "ping", 4);
	check(write(fd, buf, 4) == 4 && read(fd, in, sizeof(in)) == 4 &&
	      !memcmp(in, "ping", 4), "blocking write and read");
	close(fd);
	return failed;
}

static int down(const char *dev)
{
	uint8_t buf[16] = {};
	int fd = open(dev, O_RDWR | O_NONBLOCK);

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	errno = 0;
	check(write(fd, buf, sizeof(buf)) < 0 && errno == ENOTCONN,
	      "write with no instance running: ENOTCONN");
	errno = 0;
	check(write(fd, buf, 0) < 0 && errno == ENOTCONN,
	      "write of no bytes with no instance running: ENOTCONN");
	errno = 0;
	check(read(fd, buf, sizeof(buf)) < 0 && errno == ENOTCONN,
	      "read with no instance running: ENOTCONN");
	return failed;
}

/* Is process @pid asleep (state S)? */
static int sleeping(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static int readers(const char *dev, int nr)
{
	pid_t pids[16];
	int i, status, good = 0, tries;
	uint8_t buf[MSG_MAX];

	if (nr < 1 || nr > 16)
		return 2;
	for (i = 0; i < nr; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (!pids[i]) {
			int fd = open(dev, O_RDWR);

			if (fd < 0)
				_exit(3);
			alarm(600);
			if (read(fd, buf, sizeof(buf)) < 0 && errno == ENOTCONN)
				_exit(0);
			_exit(1);
		}
	}
	/* Each sleeps in read(), or is still on its way there. */
	for (tries = 0; tries < 600; tries++) {
		for (i = 0; i < nr && sleeping(pids[i]); i++)
			;
		if (i == nr)
			break;
		usleep(100000);
	}
	printf("blocked %d\n", i);
	fflush(stdout);
	for (i = 0; i < nr; i++)
		if (waitpid(pids[i], &status, 0) == pids[i] &&
		    WIFEXITED(status) && !WEXITSTATUS(status))
			good++;
	printf("ENOTCONN for %d of %d blocked reads\n", good, nr);
	return good != nr;
}

static int fill(const char *dev)
{
	uint8_t buf[MSG_MAX];
	long count = 0;
	int fd = open(dev, O_RDWR | O_NONBLOCK);

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	while (write(fd, buf, sizeof(buf)) == sizeof(buf))
		count++;
	printf("wrote %ld messages of %d bytes: %s\n", count, MSG_MAX,
	       strerror(errno));
	return !(count > 0 && errno == EAGAIN);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return echo(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "integrity"))
		return integrity(argv[2], strtoull(argv[3], NULL, 0),
				 strtoul(argv[4], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "api"))
		return api(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "down"))
		return down(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "readers"))
		return readers(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "fill"))
		return fill(argv[2]);
	fprintf(stderr, "usage: %s echo|integrity|api|down|readers|fill DEV [COUNT MAXLEN|N]\n",
		argv[0]);
	return 2;
}
