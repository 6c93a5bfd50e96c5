// SPDX-License-Identifier: GPL-2.0-only
/*
 * Messages between kernels: the links to the peers, the doorbell, the
 * channels and the kernel API.
 *
 * Each link has two rings in the region its two kernels share, one each
 * way. A sender copies its message into the ring to the peer and rings
 * the peer's doorbell, an IPI on the architecture's multikernel vector,
 * only when the peer's consumer said it sleeps. The doorbell handler
 * copies messages out and hands them to their channel: the control
 * channel runs the instance's lifecycle, the raw channel queues them
 * for user space, and other channels have registered handlers. One
 * doorbell dispatches a bounded number of messages per link; the rest
 * are dispatched from a work item, which keeps polling while messages
 * keep coming and no doorbells are needed.
 *
 * See Documentation/multikernel/messaging.rst.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/kfifo.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#define CREATE_TRACE_POINTS
#include <trace/events/multikernel.h>

#include "internal.h"
#include "msg.h"

/* Messages one doorbell or one work item dispatches per link. */
#define MK_BUDGET	64

/*
 * After a pass that found messages, the consumer looks again for this
 * long before it asks for a doorbell and sleeps: a producer that keeps
 * sending then rings none, whether the consumer happens to keep pace
 * with it or not.
 */
#define MK_LINGER_NS	(20 * NSEC_PER_USEC)

/* What multikernel_handler_t points to: sparse checks the __rcu on it. */
typedef void mk_handler_fn(unsigned int peer, u16 type, const void *data,
			   u32 len);
static_assert(__same_type(mk_handler_fn *, multikernel_handler_t));
static mk_handler_fn __rcu *mk_handlers[MULTIKERNEL_NR_CHANNELS];
static DEFINE_MUTEX(mk_handlers_lock);
static ATOMIC_NOTIFIER_HEAD(mk_link_chain);
static struct mk_link mk_host_link;
static struct workqueue_struct *mk_wq;
static unsigned int mk_self_id __ro_after_init;

/*
 * The links by peer: on the host one per instance slot, in a spawned
 * kernel only [0], its host. Entries are set once and never cleared.
 */
static struct mk_link *mk_links[MK_MAX_INSTANCES + 1];

/* The host's identity: multikernel_host_id(). */
static u32 mk_host_id;

/**
 * mk_set_self_id() - this kernel is a spawned one
 * @id:		its instance ID, from the host's boot description
 */
void __init mk_set_self_id(unsigned int id)
{
	mk_self_id = id;
}

/**
 * mk_set_host_id() - a spawned kernel's host said who it is
 * @id:		the host_id of the shared header, 0 when it gave none
 */
void __init mk_set_host_id(u32 id)
{
	WRITE_ONCE(mk_host_id, id);
}

/**
 * multikernel_host_id() - which host this kernel belongs to
 *
 * A random number that the host draws once per boot and gives each
 * kernel it spawns (%MULTIKERNEL_F_NET_ADDR), so that what is named
 * after it, like the network link's addresses, differs between hosts
 * and stays the same across an instance's restarts. Any context.
 *
 * Return: not zero on the host; in a spawned kernel its host's, or 0
 * when the host gave none.
 */
u32 multikernel_host_id(void)
{
	u32 id = READ_ONCE(mk_host_id), new;

	if (id || mk_self_id)
		return id;
	new = get_random_u32() ?: 1;
	id = cmpxchg(&mk_host_id, 0, new);
	return id ?: new;
}
EXPORT_SYMBOL_GPL(multikernel_host_id);

/**
 * mk_spawned_id() - which kernel this is
 *
 * Return: 0 in the host, the instance ID in a spawned kernel.
 */
unsigned int mk_spawned_id(void)
{
	return mk_self_id;
}

/**
 * mk_link_publish() - let doorbells and lookups find a link
 * @l:		a link set up with mk_link_init(), for good
 */
void mk_link_publish(struct mk_link *l)
{
	/* Pairs with the acquire in mk_link_get(): whole before it is seen. */
	smp_store_release(&mk_links[l->peer], l);
}

/**
 * mk_link_get() - the link to a peer
 * @peer:	an instance ID on the host, 0 (the host) in a spawned kernel
 *
 * Return: the link, or NULL when this kernel has none to @peer (yet: a
 * doorbell may come before the links are set up, from an instance that
 * outlived the kernel before this one).
 */
struct mk_link *mk_link_get(unsigned int peer)
{
	if (peer > MK_MAX_INSTANCES)
		return NULL;
	/* Pairs with the release in mk_link_publish(). */
	return smp_load_acquire(&mk_links[peer]);
}

/* Tell the devices over @l that it came up or went down. Any context. */
static void mk_link_notify(struct mk_link *l, unsigned long event)
{
	atomic_notifier_call_chain(&mk_link_chain, event,
				   (void *)(unsigned long)l->peer);
}

static void mk_doorbell(struct mk_link *l)
{
	atomic64_inc(&l->stats[MK_STAT_DOORBELLS_SENT]);
	trace_multikernel_doorbell(l->peer, l->hwid);
	arch_multikernel_send_doorbell(l->hwid);
}

/*
 * Whether the peer needs the doorbell for what the sends since the last
 * check published: one full barrier for all of them. With @l->tx_lock
 * held.
 */
static bool mk_link_check(struct mk_link *l)
{
	if (!l->tx_unchecked || !l->active)
		return false;
	l->tx_unchecked = false;
	if (!mk_ring_kick_needed(&l->tx))
		return false;
	atomic64_inc(&l->stats[MK_STAT_DOORBELLS_SENT]);
	return true;
}

/*
 * With @l->tx_lock held. @more leaves the doorbell check to a later
 * send of the batch; the last one, or the first that fails, makes it
 * and sets *@kick for all of them.
 */
static int __mk_link_send(struct mk_link *l, u16 channel, u16 type,
			  mk_ring_copy_fn *copy, const void *src, u32 off,
			  u32 len, bool more, bool *kick)
{
	int ret;

	*kick = false;
	if (!l->active || !l->connected)
		return -ENOTCONN;
	if (copy)
		ret = mk_ring_send_from(&l->tx, channel, type, copy, src, off,
					len, NULL);
	else
		ret = mk_ring_send(&l->tx, channel, type,
				   (const u8 *)src + off, len, NULL);
	if (!ret) {
		atomic64_inc(&l->stats[MK_STAT_TX_MESSAGES]);
		atomic64_add(len, &l->stats[MK_STAT_TX_BYTES]);
		l->tx_unchecked = true;
	} else if (ret == -EAGAIN) {
		atomic64_inc(&l->stats[MK_STAT_RING_FULL]);
	} else if (ret == -EIO) {
		atomic64_inc(&l->stats[MK_STAT_ERRORS]);
		/* The consumer side closes the link, from process context. */
		l->connected = false;
		if (!l->closed)
			l->closed = "impossible read index in the ring to it";
		queue_work(mk_wq, &l->work);
	}
	if (!more || ret)
		*kick = mk_link_check(l);
	trace_multikernel_send(l->peer, channel, type, len, ret);
	return ret;
}

/**
 * mk_link_send_more() - send one message of a batch over a link
 * @l:		the link
 * @channel:	a &enum multikernel_channel
 * @type:	its type on @channel
 * @buf:	the payload
 * @len:	its length, at most %MULTIKERNEL_MSG_MAX
 * @more:	more sends follow: leave the doorbell to the last of them,
 *		or to mk_link_flush()
 *
 * Any context.
 *
 * Return: 0, -ENOTCONN when the peer is not running, -EAGAIN when the
 * ring is full, -EMSGSIZE when @len is too large, -EIO when the peer
 * broke the ring. A send that fails rings for the batch before it.
 */
int mk_link_send_more(struct mk_link *l, u16 channel, u16 type,
		      const void *buf, u32 len, bool more)
{
	unsigned long flags;
	bool kick;
	int ret;

	spin_lock_irqsave(&l->tx_lock, flags);
	ret = __mk_link_send(l, channel, type, NULL, buf, 0, len, more, &kick);
	spin_unlock_irqrestore(&l->tx_lock, flags);
	if (kick) {
		trace_multikernel_doorbell(l->peer, l->hwid);
		arch_multikernel_send_doorbell(l->hwid);
	}
	return ret;
}

/**
 * mk_link_send() - send one message over a link
 * @l:		the link
 * @channel:	a &enum multikernel_channel
 * @type:	its type on @channel
 * @buf:	the payload
 * @len:	its length, at most %MULTIKERNEL_MSG_MAX
 *
 * Any context.
 *
 * Return: as mk_link_send_more().
 */
int mk_link_send(struct mk_link *l, u16 channel, u16 type, const void *buf,
		 u32 len)
{
	return mk_link_send_more(l, channel, type, buf, len, false);
}

/**
 * mk_link_flush() - ring the doorbell for a batch of sends, if needed
 * @l:		the link
 *
 * Ends a batch of sends made with @more, when the caller has nothing
 * more to send for now. Any context.
 */
void mk_link_flush(struct mk_link *l)
{
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&l->tx_lock, flags);
	kick = mk_link_check(l);
	spin_unlock_irqrestore(&l->tx_lock, flags);
	if (kick) {
		trace_multikernel_doorbell(l->peer, l->hwid);
		arch_multikernel_send_doorbell(l->hwid);
	}
}

/**
 * mk_link_send_atomic() - send when another CPU may hold the link forever
 * @l:		the link
 * @channel:	a &enum multikernel_channel
 * @type:	its type on @channel
 * @buf:	the payload
 * @len:	its length
 *
 * For panic and power-off paths, where the other CPUs were stopped,
 * perhaps in the middle of a send: gives up instead of waiting.
 *
 * Return: as mk_link_send(), or -EBUSY when the link is held.
 */
int mk_link_send_atomic(struct mk_link *l, u16 channel, u16 type,
			const void *buf, u32 len)
{
	unsigned long flags;
	bool kick;
	int ret;

	if (!spin_trylock_irqsave(&l->tx_lock, flags))
		return -EBUSY;
	ret = __mk_link_send(l, channel, type, NULL, buf, 0, len, false, &kick);
	spin_unlock_irqrestore(&l->tx_lock, flags);
	if (kick)
		arch_multikernel_send_doorbell(l->hwid);
	return ret;
}

/* Ring bytes that @len bytes sent in pieces take, a wrap's pad included. */
static u32 mk_pieces_need(u32 len)
{
	u32 whole = len / MULTIKERNEL_MSG_MAX, rest = len % MULTIKERNEL_MSG_MAX;

	return whole * mk_ring_record_size(MULTIKERNEL_MSG_MAX) +
		(rest ? mk_ring_record_size(rest) : 0) +
		mk_ring_record_size(MULTIKERNEL_MSG_MAX);
}

/* The longest payload mk_link_send_pieces() takes on @l: half its ring. */
static u32 mk_link_send_max(struct mk_link *l)
{
	u32 n = READ_ONCE(l->tx.size) / 2 /
		mk_ring_record_size(MULTIKERNEL_MSG_MAX);

	return n > 1 ? min_t(u32, (n - 1) * MULTIKERNEL_MSG_MAX,
			     MULTIKERNEL_PIECES_MAX) : MULTIKERNEL_MSG_MAX;
}

/**
 * mk_link_send_pieces() - send a long payload as several messages, or none
 * @l:		the link
 * @channel:	a &enum multikernel_channel
 * @type_more:	the type of every piece but the last
 * @type_last:	the type of the last piece
 * @copy:	writes each piece into the ring (mk_ring_send_from())
 * @src:	passed on to @copy
 * @len:	the payload's length, at least 1 and at most
 *		%MULTIKERNEL_PIECES_MAX and half the ring
 * @more:	more sends follow: leave the doorbell to the last of them,
 *		or to mk_link_flush()
 *
 * The pieces are %MULTIKERNEL_MSG_MAX bytes each but the last, and no
 * other message to the peer comes between them. Any context.
 *
 * Return: as mk_link_send(); -EAGAIN when the ring has no room for all
 * of it now, and then nothing was sent.
 */
int mk_link_send_pieces(struct mk_link *l, u16 channel, u16 type_more,
			u16 type_last, mk_ring_copy_fn *copy, const void *src,
			u32 len, bool more)
{
	bool kick = false, k;
	unsigned long flags;
	u32 off, n;
	int ret;

	if (!len || len > MULTIKERNEL_PIECES_MAX)
		return -EMSGSIZE;
	spin_lock_irqsave(&l->tx_lock, flags);
	if (!l->active || !l->connected) {
		ret = -ENOTCONN;
	} else if (len > mk_link_send_max(l)) {
		ret = -EMSGSIZE;
	} else if (mk_ring_space(&l->tx) < mk_pieces_need(len)) {
		atomic64_inc(&l->stats[MK_STAT_RING_FULL]);
		/* Earlier sends of a batch must not wait for their doorbell. */
		kick = mk_link_check(l);
		ret = -EAGAIN;
	} else {
		for (off = 0; off < len; off += n) {
			n = min_t(u32, len - off, MULTIKERNEL_MSG_MAX);
			/* One check, and one doorbell, for all of them. */
			ret = __mk_link_send(l, channel, off + n < len ?
					     type_more : type_last, copy, src,
					     off, n, more || off + n < len, &k);
			kick |= k;
			if (ret)
				break;
		}
	}
	spin_unlock_irqrestore(&l->tx_lock, flags);
	if (kick) {
		trace_multikernel_doorbell(l->peer, l->hwid);
		arch_multikernel_send_doorbell(l->hwid);
	}
	return ret;
}

/**
 * mk_link_close() - the peer broke the protocol: stop using the link
 * @l:		the link, with its rx_lock held and interrupts off
 * @why:	what the peer did, for the log and the operator
 *
 * Nothing more is sent or dispatched on it until the next start; its
 * readers and writers get -ENOTCONN. The peer itself is left to the
 * lifecycle, which no longer trusts it to stop.
 */
void mk_link_close(struct mk_link *l, const char *why)
{
	spin_lock(&l->tx_lock);
	WRITE_ONCE(l->active, false);
	l->connected = false;
	l->tx_unchecked = false;
	if (!l->closed)
		l->closed = why;
	spin_unlock(&l->tx_lock);
	pr_err_ratelimited("peer %u: %s; link closed\n", l->peer, why);
	wake_up_interruptible(&l->rx_wq);
	wake_up_interruptible(&l->tx_wq);
	mk_link_notify(l, MULTIKERNEL_LINK_DOWN);
}

static void mk_deliver(struct mk_link *l, u32 len, bool *wake)
{
	u16 channel = l->msg.channel, type = l->msg.type;
	multikernel_handler_t fn;

	trace_multikernel_receive(l->peer, channel, type, len);
	switch (channel) {
	case MULTIKERNEL_CHAN_CONTROL:
		if (l->ops && l->ops->control)
			l->ops->control(l, type, l->buf, len);
		else
			atomic64_inc(&l->stats[MK_STAT_DROPS]);
		return;
	case MULTIKERNEL_CHAN_RAW:
		/* An empty one would read as end of file: no writer sends it. */
		if (!len) {
			atomic64_inc(&l->stats[MK_STAT_DROPS]);
			return;
		}
		/* The caller made sure a whole message fits. */
		kfifo_in(&l->rawq, l->buf, len);
		*wake = true;
		return;
	}
	fn = channel < MULTIKERNEL_NR_CHANNELS ?
		rcu_dereference(mk_handlers[channel]) : NULL;
	if (fn)
		fn(l->peer, type, l->buf, len);
	else
		atomic64_inc(&l->stats[MK_STAT_DROPS]);
}

/*
 * Dispatch up to @budget messages from the peer, with interrupts off.
 * A caller that busy-polls does not let the consumer sleep.
 * Return: true when more wait and the caller should come back.
 */
static bool mk_dispatch(struct mk_link *l, unsigned int budget, bool poll)
{
	bool more = false, wake = false, got = false, space;
	int ret;

	spin_lock(&l->rx_lock);
	if (l->active && l->closed)
		mk_link_close(l, l->closed);
	if (!l->active) {
		spin_unlock(&l->rx_lock);
		return false;
	}
	mk_ring_wake(&l->rx);
	for (;;) {
		/* A reader that does not read holds up the whole link. */
		if (kfifo_avail(&l->rawq) < MULTIKERNEL_MSG_MAX)
			break;
		if (!budget--) {
			more = true;
			break;
		}
		ret = mk_ring_recv(&l->rx, &l->msg, l->buf);
		if (ret == -EAGAIN) {
			/*
			 * A pass that found messages is followed by more,
			 * from the work item, for MK_LINGER_NS: a producer
			 * that keeps sending meanwhile needs no doorbells.
			 * Then sleep, unless one came in meanwhile.
			 */
			if (!poll)
				more = got ||
				       local_clock() - l->rx_last < MK_LINGER_NS ||
				       !mk_ring_sleep(&l->rx);
			break;
		}
		if (ret < 0) {
			atomic64_inc(&l->stats[MK_STAT_ERRORS]);
			mk_link_close(l, "malformed message ring from it");
			break;
		}
		got = true;
		atomic64_inc(&l->stats[MK_STAT_RX_MESSAGES]);
		atomic64_add(ret, &l->stats[MK_STAT_RX_BYTES]);
		rcu_read_lock();
		mk_deliver(l, ret, &wake);
		rcu_read_unlock();
		/* A malformed control message closed the link. */
		if (!l->active)
			break;
	}
	if (got)
		l->rx_last = local_clock();
	space = l->active && got && mk_ring_space_wanted(&l->rx);
	spin_unlock(&l->rx_lock);

	if (wake)
		wake_up_interruptible(&l->rx_wq);
	if (space)
		mk_doorbell(l);
	return more;
}

static void mk_link_work(struct work_struct *work)
{
	struct mk_link *l = container_of(work, struct mk_link, work);
	bool more;

	/* Softirqs the handlers raise (a device's receive) run at the end. */
	local_bh_disable();
	local_irq_disable();
	more = mk_dispatch(l, MK_BUDGET, false);
	local_irq_enable();
	local_bh_enable();
	if (more)
		queue_work(mk_wq, &l->work);
}

/**
 * mk_link_writable() - may a writer expect its send to fit?
 * @l:		the link
 * @len:	bytes it sends, in pieces when more than one message holds
 * @notify:	when it does not fit, the next doorbell calls the link
 *		notifiers with %MULTIKERNEL_LINK_WRITABLE (as well as
 *		waking @l->tx_wq)
 *
 * Asks the peer for a doorbell when it frees room, if there is too
 * little now. A link that is down is "writable": the send fails at once.
 *
 * Return: true when @len bytes fit now.
 */
bool mk_link_writable(struct mk_link *l, u32 len, bool notify)
{
	unsigned long flags;
	bool ret = true;
	u32 need;

	spin_lock_irqsave(&l->tx_lock, flags);
	/* A send longer than the ring takes fails at once: never wait. */
	need = mk_pieces_need(min(len, mk_link_send_max(l)));
	if (l->active && l->connected && mk_ring_space(&l->tx) < need) {
		/* Before the request, which a doorbell may answer at once. */
		if (notify) {
			WRITE_ONCE(l->notify_space, 1);
			/* Pairs with the barrier in mk_ring_space_clear(). */
			smp_wmb();
		}
		ret = mk_ring_want_space(&l->tx, need);
	}
	spin_unlock_irqrestore(&l->tx_lock, flags);
	return ret;
}

/**
 * mk_link_busy_poll() - dispatch a link's messages while waiting for one
 * @l:		the link
 *
 * For a caller that busy-waits for an answer from the peer: while it
 * keeps calling this, the consumer does not sleep and the peer sends no
 * doorbells. Once done, it calls mk_link_kick(), whose pass puts the
 * consumer to sleep again.
 */
void mk_link_busy_poll(struct mk_link *l)
{
	local_bh_disable();
	local_irq_disable();
	mk_dispatch(l, MK_BUDGET, true);
	local_irq_enable();
	local_bh_enable();
}

/**
 * mk_link_peek_raw() - copy out the next raw message, and keep it queued
 * @l:		the link
 * @buf:	room for %MULTIKERNEL_MSG_MAX bytes
 * @count:	the most the reader takes
 * @gen:	set to what mk_link_consume_raw() needs
 *
 * The reader copies @buf to user space with no lock of the link held,
 * so that a fault there holds up neither the doorbell nor a start.
 *
 * Return: the message's length, -EAGAIN when none waits, -ENOTCONN
 * when none waits and the peer is down, -EMSGSIZE when it is longer
 * than @count.
 */
int mk_link_peek_raw(struct mk_link *l, void *buf, size_t count, u32 *gen)
{
	int ret;

	spin_lock_irq(&l->rx_lock);
	if (kfifo_is_empty(&l->rawq))
		ret = l->active ? -EAGAIN : -ENOTCONN;
	else if (kfifo_peek_len(&l->rawq) > count)
		ret = -EMSGSIZE;
	else
		ret = kfifo_out_peek(&l->rawq, buf, MULTIKERNEL_MSG_MAX);
	*gen = l->raw_gen;
	spin_unlock_irq(&l->rx_lock);
	return ret;
}

/**
 * mk_link_consume_raw() - drop the message mk_link_peek_raw() copied out
 * @l:		the link
 * @gen:	as mk_link_peek_raw() set it
 *
 * Unless a new start emptied the queue meanwhile. Messages that wait in
 * the ring for the room are dispatched.
 */
void mk_link_consume_raw(struct mk_link *l, u32 gen)
{
	spin_lock_irq(&l->rx_lock);
	if (l->raw_gen == gen)
		kfifo_skip(&l->rawq);
	spin_unlock_irq(&l->rx_lock);
	mk_link_kick(l);
}

/* A raw reader made room, or a busy poller is done: dispatch again. */
void mk_link_kick(struct mk_link *l)
{
	if (READ_ONCE(l->active))
		queue_work(mk_wq, &l->work);
}

static void mk_doorbell_link(struct mk_link *l)
{
	/* Pairs with the release in mk_link_up(): the rings are set up. */
	if (!smp_load_acquire(&l->active))
		return;
	/* The peer freed room for a waiting writer: each looks again. */
	mk_ring_space_clear(&l->tx);
	if (wq_has_sleeper(&l->tx_wq))
		wake_up_interruptible(&l->tx_wq);
	if (READ_ONCE(l->notify_space) && xchg(&l->notify_space, 0))
		mk_link_notify(l, MULTIKERNEL_LINK_WRITABLE);
	if (mk_ring_empty(&l->rx))
		return;
	atomic64_inc(&l->stats[MK_STAT_DOORBELLS_RECEIVED]);
	if (mk_dispatch(l, MK_BUDGET, false))
		queue_work(mk_wq, &l->work);
}

/**
 * multikernel_doorbell() - handle the multikernel vector
 *
 * Called by the architecture, in hard interrupt context, when a peer
 * rang this kernel's doorbell. The doorbell does not say who rang:
 * every link is looked at, and a flood costs a bounded amount of work.
 */
void multikernel_doorbell(void)
{
	unsigned int peer, last = mk_self_id ? 0 : MK_MAX_INSTANCES;

	for (peer = 0; peer <= last; peer++) {
		struct mk_link *l = mk_link_get(peer);

		/* None before the links are set up: nothing to look at. */
		if (l)
			mk_doorbell_link(l);
	}
}

/* A spawned kernel of any version finds these where they are. */
static_assert(offsetof(struct multikernel_shared_header, magic) == 0);
static_assert(offsetof(struct multikernel_shared_header, version) == 4);
static_assert(offsetof(struct multikernel_shared_header, size) == 8);
static_assert(offsetof(struct multikernel_shared_header, instance_id) == 12);
static_assert(offsetof(struct multikernel_shared_header, peer_version) == 16);

/**
 * mk_shared_layout() - lay out a shared region for a new start
 * @shared:	the host's mapping of the region, zeroed
 * @size:	its size
 * @ring_size:	data bytes of each ring, valid for mk_ring_size_valid()
 */
void mk_shared_layout(void *shared, u32 size, u32 ring_size)
{
	struct multikernel_shared_header *hdr = shared;
	u32 ring = ALIGN(sizeof(struct multikernel_ring) + ring_size, PAGE_SIZE);

	hdr->version = MULTIKERNEL_SHARED_VERSION;
	hdr->size = size;
	hdr->host_features = MULTIKERNEL_F_ALL;
	hdr->host_id = multikernel_host_id();
	hdr->ring_size = ring_size;
	hdr->ring_offset[MULTIKERNEL_RING_TO_INSTANCE] = PAGE_SIZE;
	hdr->ring_offset[MULTIKERNEL_RING_TO_HOST] = PAGE_SIZE + ring;
	/* The log goes on top, where the largest rings leave room. */
	if (size >= 2 * MK_LOG_SIZE) {
		hdr->log_offset = size - MK_LOG_SIZE;
		hdr->log_size = MK_LOG_SIZE;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mk_shared_layout);

/*
 * Where a ring's control block starts, if the header's numbers make
 * sense for a region of @size bytes; 0 when they do not.
 */
static u32 mk_ring_offset(u32 off, u32 ring_size, u32 size)
{
	if (off < sizeof(struct multikernel_shared_header) || off % 64 ||
	    off > size || size - off < sizeof(struct multikernel_ring) ||
	    size - off - sizeof(struct multikernel_ring) < ring_size)
		return 0;
	return off;
}

/**
 * mk_link_up() - start using the rings of a shared region
 * @l:		the link
 * @shared:	this kernel's mapping of the region
 * @size:	its size
 * @hwid:	the peer CPU that takes doorbells
 * @host:	this is the host: the rings are new and reset here
 *
 * A spawned kernel reads the layout that the host wrote, once, and
 * checks it before it uses it.
 *
 * Return: 0, or -EPROTO for a layout it cannot use.
 */
int mk_link_up(struct mk_link *l, void *shared, u32 size, u32 hwid, bool host)
{
	struct multikernel_shared_header *hdr = shared;
	u32 rs = READ_ONCE(hdr->ring_size);
	u32 to_i = READ_ONCE(hdr->ring_offset[MULTIKERNEL_RING_TO_INSTANCE]);
	u32 to_h = READ_ONCE(hdr->ring_offset[MULTIKERNEL_RING_TO_HOST]);
	struct multikernel_ring *ti, *th;
	unsigned int i;

	if (!mk_ring_size_valid(rs) || !mk_ring_offset(to_i, rs, size) ||
	    !mk_ring_offset(to_h, rs, size) ||
	    (to_i < to_h ? to_h - to_i : to_i - to_h) <
	    sizeof(struct multikernel_ring) + rs)
		return -EPROTO;
	ti = shared + to_i;
	th = shared + to_h;

	spin_lock_irq(&l->rx_lock);
	spin_lock(&l->tx_lock);
	mk_ring_init(host ? &l->tx : &l->rx, ti, rs, host);
	mk_ring_init(host ? &l->rx : &l->tx, th, rs, host);
	l->hwid = hwid;
	/* A reader copying out a message of the last run drops it. */
	kfifo_reset(&l->rawq);
	l->raw_gen++;
	l->closed = NULL;
	for (i = 0; i < MK_NR_STATS; i++)
		atomic64_set(&l->stats[i], 0);
	l->connected = !host;
	l->tx_unchecked = false;
	/* Until the peer's hello, or mk_host_link_init(), says which. */
	l->features = 0;
	/* Pairs with the acquire in mk_doorbell_link(). */
	smp_store_release(&l->active, true);
	spin_unlock(&l->tx_lock);
	spin_unlock_irq(&l->rx_lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_up);

/**
 * mk_features_valid() - may a spawned kernel take these features?
 * @offered:	the %MULTIKERNEL_F_* features the host offered
 * @taken:	those the spawned kernel says it uses
 *
 * Return: true when @taken is a subset of @offered, with every feature
 * it needs.
 */
bool mk_features_valid(u32 offered, u32 taken)
{
	if (taken & ~offered)
		return false;
	return !(taken & MULTIKERNEL_F_NET_GSO) ||
		(taken & MULTIKERNEL_F_NET_CSUM);
}
EXPORT_SYMBOL_IF_KUNIT(mk_features_valid);

/**
 * mk_link_set_features() - the features both kernels use on a link
 * @l:		the link, active
 * @features:	the %MULTIKERNEL_F_* features, checked with
 *		mk_features_valid()
 *
 * On the host, called where the peer's hello is dispatched, so that
 * every message after it is taken with them. Any context.
 */
void mk_link_set_features(struct mk_link *l, u32 features)
{
	WRITE_ONCE(l->features, features);
}

/**
 * mk_link_connect() - the peer said hello: allow sends
 * @l:		the link
 *
 * Return: true, or false when the peer closed the link meanwhile (a
 * malformed message), which then stays down.
 */
bool mk_link_connect(struct mk_link *l)
{
	unsigned long flags;
	bool up;

	spin_lock_irqsave(&l->tx_lock, flags);
	up = l->active;
	WRITE_ONCE(l->connected, up);
	spin_unlock_irqrestore(&l->tx_lock, flags);
	if (!up)
		return false;
	wake_up_interruptible(&l->tx_wq);
	mk_link_notify(l, MULTIKERNEL_LINK_UP);
	return true;
}

/**
 * mk_link_down() - stop using a link's rings
 * @l:		the link
 *
 * Once it returns no CPU of this kernel touches the shared region
 * through @l again; readers and writers are woken and see -ENOTCONN
 * or what is left in the raw queue. Process context.
 */
void mk_link_down(struct mk_link *l)
{
	spin_lock_irq(&l->rx_lock);
	spin_lock(&l->tx_lock);
	WRITE_ONCE(l->active, false);
	l->connected = false;
	/* A batch cut short rings nobody: the region is not ours now. */
	l->tx_unchecked = false;
	spin_unlock(&l->tx_lock);
	spin_unlock_irq(&l->rx_lock);
	/*
	 * A doorbell handler that saw the link active may still look at
	 * the ring's indices; it runs with interrupts off, so after a grace
	 * period none does, and the region can be wiped and reused.
	 */
	synchronize_rcu();
	cancel_work_sync(&l->work);
	wake_up_interruptible(&l->rx_wq);
	wake_up_interruptible(&l->tx_wq);
	mk_link_notify(l, MULTIKERNEL_LINK_DOWN);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_down);

/**
 * mk_link_init() - set up a link slot at boot
 * @l:		the link
 * @peer:	the peer's instance ID, 0 for the host
 * @ops:	what to do with control messages; NULL drops them
 *
 * Return: 0 or -ENOMEM.
 */
int mk_link_init(struct mk_link *l, unsigned int peer,
		 const struct mk_link_ops *ops)
{
	int ret;

	if (!mk_wq) {
		/* Unbound: a CPU that busy-waits for a message cannot stall it. */
		mk_wq = alloc_workqueue("multikernel", WQ_UNBOUND | WQ_HIGHPRI, 0);
		if (!mk_wq)
			return -ENOMEM;
	}
	l->peer = peer;
	l->ops = ops;
	spin_lock_init(&l->tx_lock);
	spin_lock_init(&l->rx_lock);
	INIT_WORK(&l->work, mk_link_work);
	init_waitqueue_head(&l->rx_wq);
	init_waitqueue_head(&l->tx_wq);
	mutex_init(&l->read_lock);
	mutex_init(&l->write_lock);
	ret = kfifo_alloc(&l->rawq, MK_RAWQ_SIZE, GFP_KERNEL);
	if (ret)
		return ret;
	l->rbuf = kmalloc(MULTIKERNEL_MSG_MAX, GFP_KERNEL);
	l->wbuf = kmalloc(MULTIKERNEL_MSG_MAX, GFP_KERNEL);
	if (!l->rbuf || !l->wbuf) {
		mk_link_free(l);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_init);

/**
 * mk_link_free() - free what mk_link_init() allocated
 * @l:		a link that is down
 */
void mk_link_free(struct mk_link *l)
{
	kfree(l->rbuf);
	l->rbuf = NULL;
	kfree(l->wbuf);
	l->wbuf = NULL;
	kfifo_free(&l->rawq);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_free);

/**
 * mk_host_link_init() - a spawned kernel's link to its host
 * @shared:	its mapping of the shared region
 * @size:	the region's size
 * @hwid:	the host CPU that takes doorbells
 * @ops:	what to do with the host's control messages
 * @features:	the %MULTIKERNEL_F_* features this kernel took
 *
 * Return: the link, or an ERR_PTR().
 */
struct mk_link *mk_host_link_init(void *shared, u32 size, u32 hwid,
				  const struct mk_link_ops *ops, u32 features)
{
	int ret;

	ret = mk_link_init(&mk_host_link, 0, ops);
	if (ret)
		return ERR_PTR(ret);
	ret = mk_link_up(&mk_host_link, shared, size, hwid, false);
	if (ret) {
		mk_link_free(&mk_host_link);
		return ERR_PTR(ret);
	}
	mk_link_set_features(&mk_host_link, features);
	mk_link_publish(&mk_host_link);
	mk_link_notify(&mk_host_link, MULTIKERNEL_LINK_UP);
	return &mk_host_link;
}

/* The link to @peer for a kernel user of @channel, or NULL. */
static struct mk_link *mk_kernel_link(unsigned int peer, u16 channel)
{
	if (channel < MULTIKERNEL_CHAN_CONSOLE ||
	    channel >= MULTIKERNEL_NR_CHANNELS)
		return NULL;
	return mk_link_get(peer);
}

/**
 * multikernel_send() - send a message to another kernel
 * @peer:	on the host an instance ID, in a spawned kernel 0 (the host)
 * @channel:	a channel with a registered handler on the peer
 * @type:	meaning is up to the channel
 * @data:	the payload, copied before this returns
 * @len:	its length, at most %MULTIKERNEL_MSG_MAX
 *
 * Any context. The message is delivered whole and in order with the
 * other messages to @peer, or not at all.
 *
 * Return: 0, -EINVAL for a channel that is not for kernel users or a
 * peer this kernel has no link to, -ENOTCONN when the peer is not
 * running, -EAGAIN when the ring to it is full, -EMSGSIZE when @len is
 * too large, -EIO when the peer broke the ring.
 */
int multikernel_send(unsigned int peer, u16 channel, u16 type,
		     const void *data, u32 len)
{
	struct mk_link *l = mk_kernel_link(peer, channel);

	return l ? mk_link_send(l, channel, type, data, len) : -EINVAL;
}
EXPORT_SYMBOL_GPL(multikernel_send);

/**
 * multikernel_send_atomic() - send from where the link may be held forever
 * @peer:	as for multikernel_send()
 * @channel:	as for multikernel_send()
 * @type:	as for multikernel_send()
 * @data:	as for multikernel_send()
 * @len:	as for multikernel_send()
 *
 * For console output: a printk from inside a send on this CPU, or a
 * panic that stopped another CPU in the middle of one, must not wait for
 * the link. Gives up instead.
 *
 * Return: as multikernel_send(), or -EBUSY when the link is held.
 */
int multikernel_send_atomic(unsigned int peer, u16 channel, u16 type,
			    const void *data, u32 len)
{
	struct mk_link *l = mk_kernel_link(peer, channel);

	return l ? mk_link_send_atomic(l, channel, type, data, len) : -EINVAL;
}
EXPORT_SYMBOL_GPL(multikernel_send_atomic);

/**
 * multikernel_writable() - is there room for a message to a peer?
 * @peer:	as for multikernel_send()
 *
 * When there is not, the next doorbell after the peer made room calls
 * the link notifiers with %MULTIKERNEL_LINK_WRITABLE. Any context.
 *
 * Return: true when a message of the largest size fits now, or when
 * a send would fail at once anyway (no such peer, or it is down).
 */
bool multikernel_writable(unsigned int peer)
{
	return multikernel_writable_for(peer, MULTIKERNEL_MSG_MAX);
}
EXPORT_SYMBOL_GPL(multikernel_writable);

/**
 * multikernel_writable_for() - is there room for a send of some length?
 * @peer:	as for multikernel_send()
 * @len:	bytes to send, with multikernel_send_pieces() when more
 *		than %MULTIKERNEL_MSG_MAX
 *
 * As multikernel_writable(), for @len bytes.
 *
 * Return: true when they fit now, or when a send would fail at once
 * anyway.
 */
bool multikernel_writable_for(unsigned int peer, u32 len)
{
	struct mk_link *l = mk_link_get(peer);

	return !l || mk_link_writable(l, min_t(u32, len, MULTIKERNEL_PIECES_MAX),
				      true);
}
EXPORT_SYMBOL_GPL(multikernel_writable_for);

/**
 * multikernel_send_max() - the longest payload for multikernel_send_pieces()
 * @peer:	as for multikernel_send()
 *
 * It depends on the size of the ring to @peer, which the host chooses
 * at each start (multikernel.ring_size). Any context.
 *
 * Return: a length in bytes, at least %MULTIKERNEL_MSG_MAX.
 */
u32 multikernel_send_max(unsigned int peer)
{
	struct mk_link *l = mk_link_get(peer);

	return l && READ_ONCE(l->active) ? mk_link_send_max(l) :
		MULTIKERNEL_MSG_MAX;
}
EXPORT_SYMBOL_GPL(multikernel_send_max);

/**
 * multikernel_send_pieces() - send a long payload to another kernel
 * @peer:	as for multikernel_send()
 * @channel:	as for multikernel_send()
 * @type_more:	the type of every message but the last
 * @type_last:	the type of the last message
 * @copy:	writes the payload into the ring, a message's part of it
 *		per call: @copy(dst, @src, off, n) for the n bytes at
 *		offset off; it must not fail or sleep
 * @src:	passed on to @copy
 * @len:	the payload's length, at least 1 and at most
 *		multikernel_send_max()
 * @more:	the caller sends more right after this one (a network
 *		driver's netdev_xmit_more()): the doorbell waits for the
 *		last send of the batch, which has @more false, or for
 *		multikernel_flush()
 *
 * Any context. The payload goes as messages of %MULTIKERNEL_MSG_MAX
 * bytes but the last, with nothing else to @peer between them; all of
 * them are sent, or none. A send that fails rings for the batch before
 * it. @copy writes straight into the ring, so that a payload scattered
 * over several buffers (an skb) is copied once.
 *
 * Return: as multikernel_send(); -EAGAIN when the ring to @peer has no
 * room for all of it now, -EMSGSIZE when it is longer than
 * multikernel_send_max().
 */
int multikernel_send_pieces(unsigned int peer, u16 channel, u16 type_more,
			    u16 type_last, multikernel_copy_fn *copy,
			    const void *src, u32 len, bool more)
{
	struct mk_link *l = mk_kernel_link(peer, channel);

	if (!copy)
		return -EINVAL;
	return l ? mk_link_send_pieces(l, channel, type_more, type_last,
				       copy, src, len, more) : -EINVAL;
}
EXPORT_SYMBOL_GPL(multikernel_send_pieces);

/**
 * multikernel_flush() - end a batch of sends to another kernel
 * @peer:	as for multikernel_send()
 *
 * Rings @peer's doorbell if it sleeps and the sends made with @more
 * since the last check need it. A caller that sent with @more and then
 * waits for the peer (a stopped transmit queue) calls this first. Any
 * context.
 */
void multikernel_flush(unsigned int peer)
{
	struct mk_link *l = mk_link_get(peer);

	if (l)
		mk_link_flush(l);
}
EXPORT_SYMBOL_GPL(multikernel_flush);

/**
 * multikernel_connected() - does a peer run, with its link up?
 * @peer:	as for multikernel_send()
 *
 * For a device that registered its link notifier and now needs the
 * state it missed. Any context.
 *
 * Return: true when sends to @peer are allowed now.
 */
bool multikernel_connected(unsigned int peer)
{
	struct mk_link *l = mk_link_get(peer);

	return l && READ_ONCE(l->active) && READ_ONCE(l->connected);
}
EXPORT_SYMBOL_GPL(multikernel_connected);

/**
 * multikernel_peer_features() - what a peer's kernel can take
 * @peer:	as for multikernel_send()
 *
 * A device sends only what both kernels agreed on at the peer's start,
 * and refuses what arrives beyond it. Any context.
 *
 * Return: the %MULTIKERNEL_F_* features of include/linux/multikernel_wire.h
 * in use on the link to @peer: from its hello on; 0 before and while
 * the link is down.
 */
u32 multikernel_peer_features(unsigned int peer)
{
	struct mk_link *l = mk_link_get(peer);

	return l && READ_ONCE(l->active) ? READ_ONCE(l->features) : 0;
}
EXPORT_SYMBOL_GPL(multikernel_peer_features);

/**
 * multikernel_register_handler() - take the messages of a channel
 * @channel:	a &enum multikernel_channel other than control and raw
 * @fn:		called for each message, from every peer, with interrupts
 *		off and in order per peer; it must not sleep, and the data
 *		is valid only during the call. It runs in hard interrupt
 *		context or with bottom halves off, so that netif_rx() and
 *		the softirqs it raises work from it.
 *
 * Return: 0, -EINVAL for a channel that is not for kernel users, -EBUSY
 * when the channel is taken.
 */
int multikernel_register_handler(u16 channel, multikernel_handler_t fn)
{
	int ret = 0;

	if (channel < MULTIKERNEL_CHAN_CONSOLE ||
	    channel >= MULTIKERNEL_NR_CHANNELS || !fn)
		return -EINVAL;
	mutex_lock(&mk_handlers_lock);
	if (rcu_access_pointer(mk_handlers[channel]))
		ret = -EBUSY;
	else
		rcu_assign_pointer(mk_handlers[channel], fn);
	mutex_unlock(&mk_handlers_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(multikernel_register_handler);

/**
 * multikernel_unregister_handler() - stop taking a channel's messages
 * @channel:	a channel registered with multikernel_register_handler()
 *
 * Once it returns, the handler is not running and will not be called.
 * Messages that arrive on @channel later are counted as drops.
 */
void multikernel_unregister_handler(u16 channel)
{
	if (channel >= MULTIKERNEL_NR_CHANNELS)
		return;
	mutex_lock(&mk_handlers_lock);
	RCU_INIT_POINTER(mk_handlers[channel], NULL);
	mutex_unlock(&mk_handlers_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(multikernel_unregister_handler);

/**
 * multikernel_register_notifier() - hear when links come up and go down
 * @nb:		called with a &enum multikernel_link_event and the peer's
 *		ID (cast to a pointer), in any context, interrupts off
 *		included
 *
 * A device over the links uses it to wake or hang up its users; it
 * must not send from the call.
 *
 * Return: 0.
 */
int multikernel_register_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_register(&mk_link_chain, nb);
}
EXPORT_SYMBOL_GPL(multikernel_register_notifier);

/**
 * multikernel_unregister_notifier() - stop hearing of links
 * @nb:		a notifier registered with multikernel_register_notifier()
 *
 * Return: 0, or -ENOENT when @nb was not registered.
 */
int multikernel_unregister_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_unregister(&mk_link_chain, nb);
}
EXPORT_SYMBOL_GPL(multikernel_unregister_notifier);

/**
 * multikernel_instance_id() - which kernel this is
 *
 * Return: 0 in the host, the instance ID in a spawned kernel.
 */
unsigned int multikernel_instance_id(void)
{
	return mk_spawned_id();
}
EXPORT_SYMBOL_GPL(multikernel_instance_id);
