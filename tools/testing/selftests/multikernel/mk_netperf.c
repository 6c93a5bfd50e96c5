// SPDX-License-Identifier: GPL-2.0
/*
 * TCP traffic for the network link's tests and bench, the same program
 * at both ends:
 *
 *   mk_netperf sink PORT                 take one connection, read it to
 *                                        the end, print bytes, hash and
 *                                        throughput
 *   mk_netperf source ADDR PORT BYTES    send BYTES of a fixed
 *                                        pseudo-random stream, print
 *                                        bytes, hash and throughput
 *   mk_netperf echo PORT                 take one connection, send back
 *                                        what comes until it ends
 *   mk_netperf rr ADDR PORT COUNT        COUNT round trips of 64 bytes,
 *                                        print the median and p99
 *   mk_netperf udp-echo PORT             send every UDP datagram back
 *   mk_netperf udp-rr ADDR PORT COUNT    COUNT UDP datagrams of 64 to
 *                                        8000 bytes (IP fragments beyond
 *                                        the MTU), each answered whole,
 *                                        print how many were
 *
 * The hash is FNV-1a over every byte, so the two ends' lines show
 * whether what arrived is what was sent, in order. A client retries its
 * connect for 60 s, so it may start before its server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(64 << 10)
#define RR_SIZE		64
#define FNV_BASIS	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static void die(const char *what)
{
	fprintf(stderr, "mk_netperf: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

static int port_of(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 1 || v > 65535) {
		fprintf(stderr, "mk_netperf: bad port '%s'\n", s);
		exit(2);
	}
	return v;
}

static int serve(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, s, c;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1))
		die("bind");
	c = accept(s, NULL, NULL);
	if (c < 0)
		die("accept");
	close(s);
	return c;
}

static int connect_to(const char *addr, int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	uint64_t end = now_us() + 60000000ULL;
	int s;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "mk_netperf: bad address '%s'\n", addr);
		exit(2);
	}
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			die("socket");
		if (!connect(s, (struct sockaddr *)&a, sizeof(a)))
			return s;
		if ((errno != ECONNREFUSED && errno != EHOSTUNREACH &&
		     errno != ENETUNREACH) || now_us() > end)
			die("connect");
		close(s);
		usleep(100000);
	}
}

static void run_sink(int port)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_BASIS, bytes = 0, t0, us;
	int c = serve(port);
	ssize_t n;

	t0 = now_us();
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, n);
		bytes += n;
	}
	if (n < 0)
		die("read");
	us = now_us() - t0;
	printf("mk-sink bytes=%llu hash=%016llx us=%llu mbit_s=%.1f\n",
	       (unsigned long long)bytes, (unsigned long long)h,
	       (unsigned long long)us, us ? bytes * 8.0 / us : 0.0);
	fflush(stdout);
	close(c);
}

static void run_source(const char *addr, int port, uint64_t bytes)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_BASIS, x = 0x4d4b4e4554ULL, left = bytes, t0, us;
	int s = connect_to(addr, port);
	size_t i, n, off;
	ssize_t w;

	t0 = now_us();
	while (left) {
		n = left < CHUNK ? left : CHUNK;
		for (i = 0; i < n; i += 8) {
			/* xorshift64 */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(buf + i, &x, n - i < 8 ? n - i : 8);
		}
		h = fnv(h, buf, n);
		for (off = 0; off < n; off += w) {
			w = write(s, buf + off, n - off);
			if (w < 0)
				die("write");
		}
		left -= n;
	}
	/* Done when the sink has read it all and closed. */
	shutdown(s, SHUT_WR);
	while (read(s, buf, sizeof(buf)) > 0)
		;
	us = now_us() - t0;
	printf("mk-source bytes=%llu hash=%016llx us=%llu mbit_s=%.1f\n",
	       (unsigned long long)bytes, (unsigned long long)h,
	       (unsigned long long)us, us ? bytes * 8.0 / us : 0.0);
	fflush(stdout);
	close(s);
}

static int full_io(int fd, unsigned char *buf, size_t n, int out)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = out ? write(fd, buf + done, n - done) :
			read(fd, buf + done, n - done);
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static void run_echo(int port)
{
	unsigned char buf[RR_SIZE];
	int c = serve(port), one = 1;

	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (!full_io(c, buf, sizeof(buf), 0))
		if (full_io(c, buf, sizeof(buf), 1))
			break;
	close(c);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run_rr(const char *addr, int port, long count)
{
	unsigned char buf[RR_SIZE] = { 0 };
	int s = connect_to(addr, port), one = 1;
	uint64_t *lat, t;
	long i;

	lat = calloc(count, sizeof(*lat));
	if (!lat)
		die("calloc");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < count; i++) {
		buf[0] = i;
		t = now_us();
		if (full_io(s, buf, sizeof(buf), 1) ||
		    full_io(s, buf, sizeof(buf), 0))
			die("round trip");
		lat[i] = now_us() - t;
		if (buf[0] != (unsigned char)i) {
			fprintf(stderr, "mk_netperf: answer %d is wrong\n",
				(int)i);
			exit(1);
		}
	}
	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("mk-rr count=%ld median_us=%llu p99_us=%llu\n", count,
	       (unsigned long long)lat[count / 2],
	       (unsigned long long)lat[count * 99 / 100]);
	fflush(stdout);
	close(s);
	free(lat);
}

#define UDP_MAX		8000

static int udp_socket(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		die("socket");
	return s;
}

static void run_udp_echo(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	}, from;
	static unsigned char buf[UDP_MAX];
	socklen_t fl;
	int s = udp_socket();
	ssize_t n;

	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &fl);
		if (n < 0)
			die("recvfrom");
		sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

static void run_udp_rr(const char *addr, int port, long count)
{
	static const size_t sizes[] = { 64, 1400, 3000, UDP_MAX };
	static unsigned char out[UDP_MAX], in[UDP_MAX];
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	struct timeval tv = { .tv_sec = 1 };
	long i, ok = 0;
	size_t j, len;
	int s = udp_socket(), try;
	ssize_t n;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "mk_netperf: bad address '%s'\n", addr);
		exit(2);
	}
	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < count; i++) {
		len = sizes[i % 4];
		for (j = 0; j < len; j++)
			out[j] = i + j * 13;
		/* A datagram may be lost; one lost three times fails. */
		for (try = 0; try < 3; try++) {
			if (send(s, out, len, 0) < 0)
				continue;
			n = recv(s, in, sizeof(in), 0);
			/* Late answers to an earlier try are not this one. */
			while (n >= 0 && ((size_t)n != len || memcmp(in, out, len)))
				n = recv(s, in, sizeof(in), 0);
			if (n >= 0) {
				ok++;
				break;
			}
		}
	}
	printf("mk-udp count=%ld ok=%ld\n", count, ok);
	fflush(stdout);
	close(s);
}

static int print_usage(void)
{
	fprintf(stderr, "usage: mk_netperf sink PORT | source ADDR PORT BYTES |\n"
		"       echo PORT | rr ADDR PORT COUNT |\n"
		"       udp-echo PORT | udp-rr ADDR PORT COUNT\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sink"))
		run_sink(port_of(argv[2]));
	else if (argc == 5 && !strcmp(argv[1], "source"))
		run_source(argv[2], port_of(argv[3]),
			   strtoull(argv[4], NULL, 0));
	else if (argc == 3 && !strcmp(argv[1], "echo"))
		run_echo(port_of(argv[2]));
	else if (argc == 5 && !strcmp(argv[1], "rr") && atol(argv[4]) > 0)
		run_rr(argv[2], port_of(argv[3]), atol(argv[4]));
	else if (argc == 3 && !strcmp(argv[1], "udp-echo"))
		run_udp_echo(port_of(argv[2]));
	else if (argc == 5 && !strcmp(argv[1], "udp-rr") && atol(argv[4]) > 0)
		run_udp_rr(argv[2], port_of(argv[3]), atol(argv[4]));
	else
		return print_usage();
	return 0;
}
