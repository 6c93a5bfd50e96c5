/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_MULTIKERNEL_H
#define _UAPI_LINUX_MULTIKERNEL_H

/*
 * The region a multikernel host shares with each kernel it spawns: the
 * top 2 MiB of the instance's memory, outside the instance's RAM. It
 * begins with this header, through which the two kernels run the
 * instance's lifecycle. Either side may be a different kernel version:
 * the layout is versioned and only ever grows at the end.
 *
 * Every field is written by one side only and read with acquire
 * ordering by the other; the reader treats what it finds as untrusted.
 */

#include <linux/types.h>

#define MULTIKERNEL_SHARED_MAGIC	0x48534b4d	/* "MKSH" */
#define MULTIKERNEL_SHARED_VERSION	1
#define MULTIKERNEL_SHARED_SIZE		(2 << 20)
#define MULTIKERNEL_MESSAGE_MAX		256

/* What the host asks of the instance (host writes). */
enum multikernel_request {
	MULTIKERNEL_REQ_NONE		= 0,
	MULTIKERNEL_REQ_SHUTDOWN	= 1,	/* power off cleanly */
};

/* Where the spawned kernel is (instance writes). */
enum multikernel_peer_state {
	MULTIKERNEL_PEER_BOOTING	= 0,	/* not yet heard from */
	MULTIKERNEL_PEER_RUNNING	= 1,	/* hello: about to run init */
	MULTIKERNEL_PEER_PARKED		= 2,	/* CPUs halted, ready for reset */
	MULTIKERNEL_PEER_PANIC		= 3,	/* panicked */
};

/* Why a spawned kernel parked (instance writes with _PEER_PARKED). */
enum multikernel_exit {
	MULTIKERNEL_EXIT_POWER_OFF	= 0,
	MULTIKERNEL_EXIT_REBOOT		= 1,
	MULTIKERNEL_EXIT_HALT		= 2,
};

/**
 * struct multikernel_shared_header - start of the shared region
 * @magic:	%MULTIKERNEL_SHARED_MAGIC (host writes before the start)
 * @version:	%MULTIKERNEL_SHARED_VERSION (host)
 * @size:	size of the whole shared region (host)
 * @instance_id: the instance's ID (host)
 * @request:	a &enum multikernel_request (host)
 * @state:	a &enum multikernel_peer_state (instance)
 * @exit_reason: a &enum multikernel_exit (instance)
 * @nr_cpus:	CPUs the spawned kernel has online at hello (instance)
 * @heartbeat:	incremented by the spawned kernel while it runs (instance)
 * @message_seq: odd while @message is being written, bumped to even
 *		after (instance)
 * @message_len: bytes used in @message (instance)
 * @message:	the last text written to /sys/kernel/multikernel/message
 *		in the spawned kernel (instance)
 */
struct multikernel_shared_header {
	__u32 magic;
	__u32 version;
	__u32 size;
	__u32 instance_id;
	__u32 request;
	__u32 state;
	__u32 exit_reason;
	__u32 nr_cpus;
	__u64 heartbeat;
	__u32 message_seq;
	__u32 message_len;
	char message[MULTIKERNEL_MESSAGE_MAX];
};

#endif /* _UAPI_LINUX_MULTIKERNEL_H */
