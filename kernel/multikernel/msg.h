/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A link between this kernel and one peer: the two rings in their
 * shared region, the doorbell, the raw channel's queue for user space
 * and the counters. The host has one per instance slot; a spawned
 * kernel has one, to the host.
 */
#ifndef _KERNEL_MULTIKERNEL_MSG_H
#define _KERNEL_MULTIKERNEL_MSG_H

#include <linux/atomic.h>
#include <linux/kfifo.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "ring.h"

/* What the raw channel keeps for a reader that has not read yet. */
#define MK_RAWQ_SIZE	(64 << 10)

/*
 * Counters of one link, as sysfs shows them (in this order, named as in
 * mk_stat_names[]): messages and payload bytes sent and received;
 * doorbells rung at the peer and doorbells that found messages here;
 * sends refused because the ring was full; messages received that nobody
 * took (no handler, bad type); malformed rings and messages found.
 */
enum mk_stat {
	MK_STAT_TX_MESSAGES,
	MK_STAT_TX_BYTES,
	MK_STAT_RX_MESSAGES,
	MK_STAT_RX_BYTES,
	MK_STAT_DOORBELLS_SENT,
	MK_STAT_DOORBELLS_RECEIVED,
	MK_STAT_RING_FULL,
	MK_STAT_DROPS,
	MK_STAT_ERRORS,
	MK_NR_STATS
};

struct mk_link;

/**
 * struct mk_link_ops - what a link's owner does with what it receives
 * @control:	a message on the control channel, copied out of the ring:
 *		called with interrupts off and the link's receive lock
 *		held, from the doorbell or the link's work; it must not
 *		sleep or take mk_lock, and may send and close the link
 *
 * The host's instances and a spawned kernel's link to its host each
 * have their own: the message core calls up only through it.
 */
struct mk_link_ops {
	void (*control)(struct mk_link *l, u16 type, const void *buf, u32 len);
};

/**
 * struct mk_link - this kernel's end of the link to one peer
 * @peer:	the peer's instance ID; 0 is the host
 * @ops:	the owner's handlers, fixed before the link first comes up
 * @hwid:	the peer CPU that takes this link's doorbells
 * @active:	the rings are set up and messages are dispatched
 * @connected:	the peer runs: sends are allowed
 * @features:	the %MULTIKERNEL_F_* features both kernels use
 * @tx:		the ring to the peer
 * @rx:		the ring from the peer
 * @tx_lock:	serializes producers of @tx
 * @tx_unchecked: sends of a batch published records without the
 *		doorbell check (under @tx_lock)
 * @rx_lock:	serializes the consumer of @rx
 * @msg:	header of the message being dispatched (under @rx_lock)
 * @buf:	its payload, copied out of the ring (under @rx_lock)
 * @work:	goes on dispatching when one doorbell's budget ran out
 * @rx_wq:	readers waiting for raw messages
 * @tx_wq:	writers waiting for room in @tx
 * @rawq:	raw messages not read yet (under @rx_lock)
 * @raw_gen:	counts the starts that emptied @rawq (under @rx_lock)
 * @read_lock:	serializes readers from user space
 * @write_lock: serializes writers from user space
 * @rbuf:	a reader's message, on its way to user space (under
 *		@read_lock)
 * @wbuf:	a writer's message, copied in from user space
 * @notify_space: a device waits for room in @tx: the next doorbell
 *		tells it, with %MULTIKERNEL_LINK_WRITABLE
 * @rx_last:	local_clock() at the end of the last dispatch pass that
 *		found messages (under @rx_lock)
 * @closed:	why this side stopped using the link, when the peer
 *		broke the protocol; NULL otherwise
 * @stats:	the counters, by &enum mk_stat
 */
struct mk_link {
	unsigned int peer;
	const struct mk_link_ops *ops;
	u32 hwid;
	bool active;
	bool connected;
	bool tx_unchecked;
	u32 features;
	struct mk_ring tx, rx;
	spinlock_t tx_lock, rx_lock;
	struct multikernel_msg msg;
	u8 buf[MULTIKERNEL_MSG_MAX];
	struct work_struct work;
	wait_queue_head_t rx_wq, tx_wq;
	struct kfifo_rec_ptr_2 rawq;
	u32 raw_gen;
	struct mutex read_lock, write_lock;
	u8 *rbuf;
	u8 *wbuf;
	int notify_space;
	u64 rx_last;
	const char *closed;
	atomic64_t stats[MK_NR_STATS];
};

int mk_link_init(struct mk_link *l, unsigned int peer,
		 const struct mk_link_ops *ops);
void mk_link_free(struct mk_link *l);
int mk_link_up(struct mk_link *l, void *shared, u32 size, u32 hwid,
	       bool host);
bool mk_link_connect(struct mk_link *l);
void mk_link_set_features(struct mk_link *l, u32 features);
bool mk_features_valid(u32 offered, u32 taken);
void mk_link_down(struct mk_link *l);
void mk_link_close(struct mk_link *l, const char *why);
int mk_link_send(struct mk_link *l, u16 channel, u16 type, const void *buf,
		 u32 len);
int mk_link_send_more(struct mk_link *l, u16 channel, u16 type,
		      const void *buf, u32 len, bool more);
int mk_link_send_atomic(struct mk_link *l, u16 channel, u16 type,
			const void *buf, u32 len);
void mk_shared_layout(void *shared, u32 size, u32 ring_size);
struct mk_link *mk_link_get(unsigned int peer);
struct mk_link *mk_host_link_init(void *shared, u32 size, u32 hwid,
				  const struct mk_link_ops *ops, u32 features);
void mk_link_kick(struct mk_link *l);
void mk_link_busy_poll(struct mk_link *l);
bool mk_link_writable(struct mk_link *l, u32 len, bool notify);
int mk_link_send_pieces(struct mk_link *l, u16 channel, u16 type_more,
			u16 type_last, mk_ring_copy_fn *copy, const void *src,
			u32 len, bool more);
void mk_link_flush(struct mk_link *l);
int mk_link_peek_raw(struct mk_link *l, void *buf, size_t count, u32 *gen);
void mk_link_consume_raw(struct mk_link *l, u32 gen);

void mk_link_publish(struct mk_link *l);
void mk_set_self_id(unsigned int id);
void mk_set_host_id(u32 id);
unsigned int mk_spawned_id(void);

#endif /* _KERNEL_MULTIKERNEL_MSG_H */
