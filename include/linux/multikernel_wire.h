/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MULTIKERNEL_WIRE_H
#define _LINUX_MULTIKERNEL_WIRE_H

/*
 * The region a multikernel host shares with each kernel it spawns: the
 * top 2 MiB of the instance's memory, outside the instance's RAM.
 *
 *   offset 0                    struct multikernel_shared_header
 *   ring_offset[TO_INSTANCE]    struct multikernel_ring, then ring_size
 *                               bytes of data: host -> instance
 *   ring_offset[TO_HOST]        the same, instance -> host
 *   log_offset                  struct multikernel_log, then the
 *                               instance's console output (instance
 *                               writes, the host only reads)
 *
 * Either side may run a different kernel version. The version changes
 * only when a kernel that knows an older one could not use the region
 * at all; from version 7 on, the first five fields of the header keep
 * their places in every version, so that a spawned kernel can say which
 * version it knows. Everything else that a newer kernel adds is a feature bit:
 * the host offers the features it has, the spawned kernel takes those
 * it knows as well, and both then use only what it took. Every field
 * is written by one side only and read by the other, which treats
 * what it finds as untrusted. See
 * Documentation/multikernel/messaging.rst.
 *
 * Only kernels read this layout: it is not user-space ABI. The
 * selftests and the ring benchmark build kernel/multikernel/ring.c
 * from the tree, with this header.
 */

#include <linux/bits.h>
#include <linux/types.h>

#define MULTIKERNEL_SHARED_MAGIC	0x48534b4d	/* "MKSH" */
#define MULTIKERNEL_SHARED_VERSION	7
#define MULTIKERNEL_SHARED_SIZE		(2 << 20)

/*
 * Features (multikernel_shared_header.host_features, .features). The
 * first two apply to frames on MULTIKERNEL_CHAN_NET, in both directions;
 * NET_ADDR gives the network link's ends addresses made from the host's
 * host_id.
 */
#define MULTIKERNEL_F_NET_CSUM	BIT(0)	/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
#define MULTIKERNEL_F_NET_GSO	BIT(1)	/* GSO frames; needs NET_CSUM */
#define MULTIKERNEL_F_NET_ADDR	BIT(2)	/* addresses after the host_id */
#define MULTIKERNEL_F_ALL	(MULTIKERNEL_F_NET_CSUM | MULTIKERNEL_F_NET_GSO | \
				 MULTIKERNEL_F_NET_ADDR)

/* Ring data sizes: a power of two between these. */
#define MULTIKERNEL_RING_MIN		(16 << 10)
#define MULTIKERNEL_RING_MAX		(512 << 10)
/* The largest message payload. */
#define MULTIKERNEL_MSG_MAX		4096
/* Records start on this alignment. */
#define MULTIKERNEL_MSG_ALIGN		8

/* Index of each ring in multikernel_shared_header.ring_offset. */
#define MULTIKERNEL_RING_TO_INSTANCE	0
#define MULTIKERNEL_RING_TO_HOST	1

/* Where the spawned kernel is (instance writes). */
enum multikernel_peer_state {
	MULTIKERNEL_PEER_BOOTING	= 0,	/* not yet heard from */
	MULTIKERNEL_PEER_RUNNING	= 1,	/* hello: about to run init */
	MULTIKERNEL_PEER_PARKED		= 2,	/* CPUs halted, ready for reset */
	MULTIKERNEL_PEER_PANIC		= 3,	/* panicked */
};

/*
 * How far the spawned kernel must lock itself down (host writes): at
 * least as far as the host is.
 */
enum multikernel_lockdown {
	MULTIKERNEL_LOCKDOWN_NONE		= 0,
	MULTIKERNEL_LOCKDOWN_INTEGRITY		= 1,
	MULTIKERNEL_LOCKDOWN_CONFIDENTIALITY	= 2,
};

/*
 * What the host asks of the spawned kernel (multikernel_shared_header.
 * request, host writes): the same as the control message, for when that
 * waits in the ring behind messages nobody reads.
 */
#define MULTIKERNEL_REQUEST_SHUTDOWN	BIT(0)	/* power off */

/* Bytes of random seed the host gives the spawned kernel at each start. */
#define MULTIKERNEL_SEED_SIZE		32

/* Why a spawned kernel parked (the payload of MULTIKERNEL_CTRL_PARKED). */
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
 * @peer_version: the version the spawned kernel knows, when it is not
 *		@version (instance); the fields up to here are the same in
 *		every version
 * @host_features: the %MULTIKERNEL_F_* features the host has (host)
 * @features:	those of @host_features the spawned kernel has as well
 *		and uses (instance, before its hello); the host refuses an
 *		instance that takes what it did not offer
 * @ring_size:	data bytes of each ring, a power of two between
 *		%MULTIKERNEL_RING_MIN and %MULTIKERNEL_RING_MAX (host)
 * @ring_offset: where each ring's &struct multikernel_ring starts,
 *		from the start of the region (host)
 * @state:	a &enum multikernel_peer_state (instance); a copy of
 *		what the control messages say, for debugging, and the
 *		panic notice when the ring cannot take one
 * @nr_cpus:	CPUs the spawned kernel has online at hello (instance)
 * @lockdown:	a &enum multikernel_lockdown (host); the spawned kernel
 *		locks itself down at least this far before it runs init
 * @request:	%MULTIKERNEL_REQUEST_* bits (host); the spawned kernel
 *		looks at them every second while it runs
 * @heartbeat:	incremented by the spawned kernel every second while it
 *		runs (instance); a counter rather than a message, so that
 *		it gets through when the ring to the host is full
 * @host_heartbeat: incremented by the host while it watches (host)
 * @rng_seed:	random bytes, new at every start (host); the spawned
 *		kernel mixes them into its entropy pool and clears them
 * @log_offset: where the &struct multikernel_log starts, from the start
 *		of the region (host)
 * @log_size:	its size, control block included (host)
 * @hello_clock_ns: the spawned kernel's clock when it said hello, in
 *		nanoseconds since its clock started early in its boot
 *		(instance); the host splits the start's time with it
 * @host_id:	random and not zero, drawn once per boot of the host and
 *		the same for all its instances (host); read only with
 *		%MULTIKERNEL_F_NET_ADDR
 * @pad:	zero (host)
 */
struct multikernel_shared_header {
	__u32 magic;
	__u32 version;
	__u32 size;
	__u32 instance_id;
	__u32 peer_version;
	__u32 host_features;
	__u32 features;
	__u32 ring_size;
	__u32 ring_offset[2];
	__u32 state;
	__u32 nr_cpus;
	__u32 lockdown;
	__u32 request;
	__u64 heartbeat;
	__u64 host_heartbeat;
	__u8 rng_seed[MULTIKERNEL_SEED_SIZE];
	__u32 log_offset;
	__u32 log_size;
	__u64 hello_clock_ns;
	__u32 host_id;
	__u32 pad;
};

/**
 * struct multikernel_log - the spawned kernel's console log
 * @head:	bytes ever written to @data (instance writes, with release
 *		ordering after the bytes); byte n is at @data[n % size],
 *		where size is the header's log_size less this block
 * @pad:	zero; ends the cache line
 * @data:	the text, as the spawned kernel's consoles print it
 *
 * Written from the spawned kernel's first console line on and never
 * read back by it, so that the host can show it after a crash or a
 * start that failed, until the next start.
 */
struct multikernel_log {
	__u64 head;
	__u64 pad[7];
	__u8 data[];
};

/**
 * struct multikernel_ring - control block of a single-producer,
 * single-consumer ring
 * @prod:	bytes ever produced, modulo 2^32 (producer writes, with
 *		release ordering after the records)
 * @need_space: non-zero while the producer waits for room: the
 *		consumer rings the doorbell after it frees some (producer
 *		writes)
 * @pad0:	zero; ends the producer's cache line
 * @cons:	bytes ever consumed, modulo 2^32 (consumer writes, with
 *		release ordering after it has copied the records out)
 * @need_wakeup: non-zero while the consumer sleeps: the producer rings
 *		the doorbell after it publishes (consumer writes)
 * @pad1:	zero; ends the consumer's cache line
 * @data:	the records, @ring_size bytes of the shared header
 *
 * The producer's and the consumer's fields are on cache lines of their
 * own. @prod - @cons is the number of bytes in use; each side keeps its
 * own index privately and never reads it back from shared memory.
 */
struct multikernel_ring {
	__u32 prod;
	__u32 need_space;
	__u32 pad0[14];
	__u32 cons;
	__u32 need_wakeup;
	__u32 pad1[14];
	__u8 data[];
};

/**
 * struct multikernel_msg - header of one record in a ring's data
 * @len:	payload bytes that follow, at most %MULTIKERNEL_MSG_MAX
 * @channel:	a &enum multikernel_channel
 * @type:	meaning depends on @channel
 *
 * A record takes ALIGN(sizeof(header) + @len, %MULTIKERNEL_MSG_ALIGN)
 * bytes and never wraps around the end of the data: when it does not
 * fit, the producer fills the rest with a %MULTIKERNEL_CHAN_PAD record
 * and starts again at offset 0.
 */
struct multikernel_msg {
	__u32 len;
	__u16 channel;
	__u16 type;
};

/* Channels: the control channel and what the kernels carry for others. */
enum multikernel_channel {
	MULTIKERNEL_CHAN_CONTROL	= 0,	/* lifecycle, multikernel core */
	MULTIKERNEL_CHAN_RAW		= 1,	/* user space, /dev/multikernelN */
	MULTIKERNEL_CHAN_CONSOLE	= 2,	/* console: a tty each way */
	MULTIKERNEL_CHAN_NET		= 3,	/* network: Ethernet frames */
	MULTIKERNEL_CHAN_BENCH		= 4,	/* benchmark sink, debugfs */
	MULTIKERNEL_NR_CHANNELS,
	MULTIKERNEL_CHAN_PAD		= 0xffff,	/* skip to the start */
};

/* Types on MULTIKERNEL_CHAN_CONTROL. */
enum multikernel_ctrl {
	MULTIKERNEL_CTRL_HELLO		= 1,	/* to host: __u32 nr_cpus */
	MULTIKERNEL_CTRL_SHUTDOWN	= 2,	/* to instance: power off */
	MULTIKERNEL_CTRL_PARKED		= 3,	/* to host: __u32 exit reason */
	MULTIKERNEL_CTRL_PANIC		= 4,	/* to host: panicked */
	MULTIKERNEL_CTRL_TEXT		= 5,	/* to host: a line of text */
	MULTIKERNEL_CTRL_PING		= 6,	/* answer with PONG, same payload */
	MULTIKERNEL_CTRL_PONG		= 7,
};

/*
 * A PING of exactly this many bytes is answered with its payload but
 * for the 8 bytes at MULTIKERNEL_PING_STAMP, which hold the answering
 * kernel's get_cycles() when the PING arrived: the host's benchmark
 * splits a round trip into its two legs with it.
 */
#define MULTIKERNEL_PING_STAMPED	64
#define MULTIKERNEL_PING_STAMP		8

/* Types on MULTIKERNEL_CHAN_CONSOLE. */
enum multikernel_console {
	MULTIKERNEL_CONSOLE_DATA	= 1,	/* bytes typed or printed */
};

/* Types on MULTIKERNEL_CHAN_NET. */
enum multikernel_net {
	MULTIKERNEL_NET_FRAME		= 1,	/* a frame, or its last piece */
	MULTIKERNEL_NET_FRAME_MORE	= 2,	/* a piece, more follow */
};

/**
 * struct multikernel_net_hdr - before each frame on MULTIKERNEL_CHAN_NET
 * @flags:	VIRTIO_NET_HDR_F_NEEDS_CSUM or 0
 * @gso_type:	a VIRTIO_NET_HDR_GSO_* type, for a frame the receiver may
 *		have to segment
 * @hdr_len:	as in struct virtio_net_hdr
 * @gso_size:	as in struct virtio_net_hdr
 * @csum_start: as in struct virtio_net_hdr, from the Ethernet header
 * @csum_offset: as in struct virtio_net_hdr
 * @reserved:	zero
 * @frame_len:	the frame's length, from its Ethernet header on
 *
 * The first ten bytes are a struct virtio_net_hdr, little endian as
 * every field here:
 * checksum and segmentation offload mean what they mean for virtio-net,
 * and the receiver checks them as the kernel checks a tap device's. A
 * frame longer than one message goes in pieces: the first starts with
 * this header, every piece but the last is a MULTIKERNEL_NET_FRAME_MORE
 * message of MULTIKERNEL_MSG_MAX bytes, and the pieces add up to the
 * header and @frame_len.
 */
struct multikernel_net_hdr {
	__u8 flags;
	__u8 gso_type;
	__le16 hdr_len;
	__le16 gso_size;
	__le16 csum_start;
	__le16 csum_offset;
	__le16 reserved;
	__le32 frame_len;
};

#endif /* _LINUX_MULTIKERNEL_WIRE_H */
