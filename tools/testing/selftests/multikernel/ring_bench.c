// SPDX-License-Identifier: GPL-2.0
/*
 * The multikernel message ring in user space, against Concurrency
 * Kit's single-producer, single-consumer ring, on two pinned threads.
 *
 * Both rings carry 64-byte messages by value in 64 KiB of ring memory.
 * Throughput: one thread sends COUNT messages as fast as the ring takes
 * them, the other receives them. Round trip: a message goes out on one
 * ring and comes back on another, COUNT times; median and 99th
 * percentile. The multikernel ring is built from kernel/multikernel/
 * ring.c itself, twice: "mk" with the doorbell check the kernel makes
 * (a full barrier): after each send of a round trip, and once per batch
 * of 32 sends and whenever the ring is full for throughput, as the
 * kernel's batched sends do; "mkpoll" without it, as for a consumer
 * that never sleeps, which is what ck's ring assumes.
 *
 * Usage: ring_bench [COUNT] [CPU CPU]; prints "name value" lines.
 */

#define _GNU_SOURCE
#include <ck_ring.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"

#define RING_BYTES	(64 << 10)
#define MSG		64

struct msg {
	unsigned char b[MSG];
};

CK_RING_PROTOTYPE(msg, msg)

static int cpus[2] = { 0, 1 };
static unsigned long count = 2000000;
static int go;

/* Two rings of each kind: 0 goes out, 1 comes back. */
static struct multikernel_ring *mk_ctl[2];
static struct mk_ring mk_tx[2], mk_rx[2];
static struct ck_ring ck[2];
static struct msg *ck_buf[2];
static unsigned long long *rtt;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		fprintf(stderr, "pinning to CPU %d failed\n", cpu);
		exit(1);
	}
}

/* Sends per doorbell check in a throughput run, as the kernel's bench. */
#define BATCH	32

static void mk_send(int i, struct msg *m)
{
	bool kick;

	while (mk_ring_send(&mk_tx[i], 1, 0, m, MSG, &kick))
		;
}

/* The doorbell itself is not rung: the consumer here never sleeps. */
static void mk_send_batch(int i, struct msg *m)
{
	static unsigned int n[2];
	static bool unchecked[2];

	while (mk_ring_send(&mk_tx[i], 1, 0, m, MSG, NULL)) {
		/* Full: the batch so far must not wait for its doorbell. */
		if (unchecked[i])
			mk_ring_kick_needed(&mk_tx[i]);
		unchecked[i] = false;
	}
	unchecked[i] = true;
	if (++n[i] % BATCH == 0) {
		mk_ring_kick_needed(&mk_tx[i]);
		unchecked[i] = false;
	}
}

static void mkpoll_send(int i, struct msg *m)
{
	while (mk_ring_send(&mk_tx[i], 1, 0, m, MSG, NULL))
		;
}

static void mk_recv(int i, struct msg *m)
{
	struct multikernel_msg h;

	while (mk_ring_recv(&mk_rx[i], &h, m) < 0)
		;
}

static void ck_send(int i, struct msg *m)
{
	while (!ck_ring_enqueue_spsc_msg(&ck[i], ck_buf[i], m))
		;
}

static void ck_recv(int i, struct msg *m)
{
	while (!ck_ring_dequeue_spsc_msg(&ck[i], ck_buf[i], m))
		;
}

struct job {
	void (*send)(int i, struct msg *m);
	void (*recv)(int i, struct msg *m);
	bool rtt;
};

static void *peer(void *arg)
{
	struct job *j = arg;
	struct msg m;
	unsigned long n;

	pin(cpus[1]);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	for (n = 0; n < count; n++) {
		j->recv(0, &m);
		if (j->rtt)
			j->send(1, &m);
		else if (m.b[0] != (unsigned char)n)
			abort();
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void reset(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		mk_ring_init(&mk_tx[i], mk_ctl[i], RING_BYTES, true);
		mk_ring_init(&mk_rx[i], mk_ctl[i], RING_BYTES, false);
		mk_ring_wake(&mk_rx[i]);
		ck_ring_init(&ck[i], RING_BYTES / MSG);
	}
}

static void run(const char *name, struct job *j)
{
	unsigned long long t, ns;
	unsigned long n;
	struct msg m = {};
	pthread_t th;

	reset();
	__atomic_store_n(&go, 0, __ATOMIC_RELEASE);
	pthread_create(&th, NULL, peer, j);
	pin(cpus[0]);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	t = now_ns();
	for (n = 0; n < count; n++) {
		m.b[0] = n;
		if (j->rtt) {
			unsigned long long t0 = now_ns();

			j->send(0, &m);
			j->recv(1, &m);
			rtt[n] = now_ns() - t0;
		} else {
			j->send(0, &m);
		}
	}
	pthread_join(th, NULL);
	ns = now_ns() - t;
	if (j->rtt) {
		qsort(rtt, count, sizeof(*rtt), cmp);
		printf("%s_rtt_median_ns %llu\n", name, rtt[count / 2]);
		printf("%s_rtt_p99_ns %llu\n", name, rtt[count * 99 / 100]);
	} else {
		printf("%s_msgs_per_s %llu\n", name, count * 1000000000ull / ns);
	}
}

int main(int argc, char **argv)
{
	struct job mk_tput = { mk_send_batch, mk_recv, false };
	struct job ck_tput = { ck_send, ck_recv, false };
	struct job mk_rtt = { mk_send, mk_recv, true };
	struct job ck_rtt = { ck_send, ck_recv, true };
	struct job mkpoll_tput = { mkpoll_send, mk_recv, false };
	struct job mkpoll_rtt = { mkpoll_send, mk_recv, true };
	int i;

	if (argc > 1)
		count = strtoul(argv[1], NULL, 0);
	if (argc > 3) {
		cpus[0] = atoi(argv[2]);
		cpus[1] = atoi(argv[3]);
	}
	for (i = 0; i < 2; i++) {
		mk_ctl[i] = aligned_alloc(4096, sizeof(*mk_ctl[i]) + RING_BYTES);
		ck_buf[i] = aligned_alloc(4096, RING_BYTES);
		if (!mk_ctl[i] || !ck_buf[i])
			return 1;
	}
	rtt = calloc(count, sizeof(*rtt));
	if (!count || !rtt)
		return 1;
	printf("count %lu\nmessage_bytes %d\nring_bytes %d\n", count, MSG,
	       RING_BYTES);
	/* Interleave, so that neither gets the warmer machine. */
	for (i = 0; i < 2; i++) {
		run("mk", &mk_tput);
		run("mkpoll", &mkpoll_tput);
		run("ck", &ck_tput);
		run("mk", &mk_rtt);
		run("mkpoll", &mkpoll_rtt);
		run("ck", &ck_rtt);
	}
	return 0;
}
