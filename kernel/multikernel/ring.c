// SPDX-License-Identifier: GPL-2.0-only
/*
 * Single-producer, single-consumer message rings between two kernels.
 *
 * The peer is not trusted: each side keeps its own index to itself and
 * reads only the other's, once, with acquire ordering; every index and
 * length found in shared memory is bounded before use; a record is
 * copied out whole before anyone looks at it; no pointer is ever taken
 * from shared memory. A ring found malformed counts an error and is
 * not touched again, so a hostile peer can waste its own channel but
 * make this side read or write nothing outside the ring.
 *
 * Each side remembers the other's index as last seen and reads it
 * again only when that is not enough: when the ring looked full, or
 * when everything published was consumed. Under load this keeps the two
 * sides' cache lines from bouncing on every message.
 *
 * Ordering: the producer writes the records, then publishes prod with
 * release; the consumer reads prod with acquire, copies the records
 * out, then publishes cons with release, which the producer reads with
 * acquire before it reuses the space. need_wakeup avoids a doorbell per
 * message: the consumer sets it before it sleeps and checks the ring
 * once more after a full barrier; the producer, after a full barrier
 * that follows its publication of prod, rings only if it is set. A
 * producer with several messages pays that barrier once, after the
 * last of them.
 *
 * See Documentation/multikernel/messaging.rst.
 */

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/barrier.h>

#include "ring.h"

/* User space builds define EXPORT_SYMBOL_IF_KUNIT() away. */
#ifdef __KERNEL__
#include <kunit/visibility.h>
#endif

/**
 * mk_ring_size_valid() - may a ring's data have @size bytes?
 * @size:	the size read from the shared header
 *
 * Return: true for a power of two from %MULTIKERNEL_RING_MIN to
 * %MULTIKERNEL_RING_MAX.
 */
bool mk_ring_size_valid(u32 size)
{
	return size >= MULTIKERNEL_RING_MIN && size <= MULTIKERNEL_RING_MAX &&
	       !(size & (size - 1));
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_size_valid);

/**
 * mk_ring_init() - set up one side's view of a ring
 * @r:		the view
 * @ctl:	the ring's control block, followed by @size bytes of data
 * @size:	a size for which mk_ring_size_valid() holds
 * @reset:	the ring is new: zero its control block (the host does
 *		this before the instance starts)
 *
 * Rings are handed over empty, with both indices 0: each side starts
 * there and never reads its own index back from shared memory.
 */
void mk_ring_init(struct mk_ring *r, struct multikernel_ring *ctl, u32 size,
		  bool reset)
{
	if (reset) {
		memset(ctl, 0, sizeof(*ctl));
		/* The consumer has not started: it wants the first doorbell. */
		ctl->need_wakeup = 1;
	}
	r->ctl = ctl;
	r->data = ctl->data;
	r->size = size;
	r->pos = 0;
	r->peer = 0;
	r->errors = 0;
	r->full = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_init);

static void mk_ring_put(struct mk_ring *r, u32 off, u16 channel, u16 type,
			u32 len)
{
	struct multikernel_msg m = {
		.len = len,
		.channel = channel,
		.type = type,
	};

	memcpy(r->data + off, &m, sizeof(m));
}

/*
 * One message into the ring: @len bytes of payload, from @buf, or from
 * @copy with @src and @off when @copy is set.
 */
static __always_inline int __mk_ring_send(struct mk_ring *r, u16 channel,
					  u16 type, mk_ring_copy_fn *copy,
					  const void *src, u32 from, u32 len,
					  bool *kick)
{
	u32 size = r->size, prod = r->pos, cons, off, tail, rec, need;
	u8 *payload;

	if (kick)
		*kick = false;
	if (len > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	if (r->errors)
		return -EIO;

	rec = mk_ring_record_size(len);
	off = prod & (size - 1);
	tail = size - off;
	need = rec > tail ? rec + tail : rec;
	/* Look at the consumer's index only when the last one seen is short. */
	if (size - (prod - r->peer) < need) {
		/* Pairs with the consumer's release of cons: the space is free. */
		cons = smp_load_acquire(&r->ctl->cons);
		if (prod - cons > size || (prod - cons) % MULTIKERNEL_MSG_ALIGN) {
			r->errors++;
			return -EIO;
		}
		r->peer = cons;
		if (size - (prod - cons) < need) {
			r->full++;
			return -EAGAIN;
		}
	}
	if (rec > tail) {
		mk_ring_put(r, off, MULTIKERNEL_CHAN_PAD, 0, tail -
			    sizeof(struct multikernel_msg));
		prod += tail;
		off = 0;
	}
	mk_ring_put(r, off, channel, type, len);
	payload = r->data + off + sizeof(struct multikernel_msg);
	if (copy)
		copy(payload, src, from, len);
	else
		memcpy(payload, (const u8 *)src + from, len);
	prod += rec;
	r->pos = prod;
	/* Pairs with the consumer's acquire of prod: the records are there. */
	smp_store_release(&r->ctl->prod, prod);

	if (kick)
		*kick = mk_ring_kick_needed(r);
	return 0;
}

/**
 * mk_ring_send() - copy one message into a ring
 * @r:		the producer's view
 * @channel:	its channel
 * @type:	its type on that channel
 * @buf:	the payload
 * @len:	payload bytes, at most %MULTIKERNEL_MSG_MAX
 * @kick:	set when the consumer sleeps and needs the doorbell; NULL
 *		for a send that mk_ring_kick_needed() follows later, in a
 *		batch, or for a consumer that never sleeps: that saves a
 *		full barrier
 *
 * The caller serializes producers.
 *
 * Return: 0, -EMSGSIZE when @len is too large, -EAGAIN when the ring is
 * full, -EIO when the consumer's index is impossible (the ring is then
 * dead).
 */
int mk_ring_send(struct mk_ring *r, u16 channel, u16 type, const void *buf,
		 u32 len, bool *kick)
{
	return __mk_ring_send(r, channel, type, NULL, buf, 0, len, kick);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_send);

/**
 * mk_ring_send_from() - write one message into a ring with a function
 * @r:		the producer's view
 * @channel:	its channel
 * @type:	its type on that channel
 * @copy:	writes the payload into the ring, in one call
 * @src:	passed on to @copy
 * @off:	passed on to @copy: where this message starts in a longer
 *		payload
 * @len:	payload bytes, at most %MULTIKERNEL_MSG_MAX
 * @kick:	as for mk_ring_send()
 *
 * As mk_ring_send(), for a payload that is not in one buffer (a network
 * frame in an skb): @copy writes it straight into the ring, which saves
 * a copy through a buffer of the sender's. @copy runs before the
 * message is published, under the caller's serialization (a spinlock
 * with interrupts off on a link): it must not fail or sleep.
 *
 * Return: as mk_ring_send().
 */
int mk_ring_send_from(struct mk_ring *r, u16 channel, u16 type,
		      mk_ring_copy_fn *copy, const void *src, u32 off, u32 len,
		      bool *kick)
{
	return __mk_ring_send(r, channel, type, copy, src, off, len, kick);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_send_from);

/**
 * mk_ring_kick_needed() - does the consumer sleep and need the doorbell?
 * @r:		the producer's view
 *
 * What mk_ring_send() checks with a @kick, once for a whole batch of
 * sends made without: one full barrier, after which the consumer
 * either sees every record the batch published or has asked for the
 * doorbell. A batch must end with this before the producer waits for
 * anything the consumer does.
 *
 * Return: true when the consumer needs the doorbell.
 */
bool mk_ring_kick_needed(struct mk_ring *r)
{
	/*
	 * Publish prod before reading need_wakeup; pairs with the barrier
	 * in mk_ring_sleep() between setting it and checking for records.
	 */
	smp_mb();
	return READ_ONCE(r->ctl->need_wakeup) != 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_kick_needed);

/**
 * mk_ring_recv() - copy the next message out of a ring
 * @r:		the consumer's view
 * @msg:	its header, as found
 * @buf:	room for %MULTIKERNEL_MSG_MAX bytes of payload
 *
 * The caller serializes consumers. Nothing in @msg or @buf changes
 * after the space is handed back to the producer.
 *
 * Return: the payload length, -EAGAIN when the ring is empty, -EIO
 * when its contents are malformed (the ring is then dead).
 */
int mk_ring_recv(struct mk_ring *r, struct multikernel_msg *msg, void *buf)
{
	u32 size = r->size, cons = r->pos, prod = r->peer, used, off, rec;

	if (r->errors)
		return -EIO;
	for (;;) {
		/* Look at the producer's index only when all seen is taken. */
		if (prod == cons) {
			/* Pairs with the producer's release of prod. */
			prod = smp_load_acquire(&r->ctl->prod);
			if (prod == cons)
				return -EAGAIN;
			r->peer = prod;
		}
		used = prod - cons;
		if (used > size || used % MULTIKERNEL_MSG_ALIGN)
			goto bad;

		off = cons & (size - 1);
		/* Records are aligned, so a header never straddles the end. */
		memcpy(msg, r->data + off, sizeof(*msg));
		if (msg->channel == MULTIKERNEL_CHAN_PAD) {
			/*
			 * Padding runs to the end of the data, and only there;
			 * never from its start, where any record fits. That
			 * bounds this loop to one padding record per call.
			 */
			if (!off)
				goto bad;
			rec = size - off;
			if (rec > used)
				goto bad;
			cons += rec;
			r->pos = cons;
			/* Pairs with the producer's acquire of cons. */
			smp_store_release(&r->ctl->cons, cons);
			continue;
		}
		if (msg->len > MULTIKERNEL_MSG_MAX)
			goto bad;
		rec = mk_ring_record_size(msg->len);
		if (rec > used || rec > size - off)
			goto bad;
		memcpy(buf, r->data + off + sizeof(*msg), msg->len);
		cons += rec;
		r->pos = cons;
		/* The copy is done before the producer may reuse the space. */
		smp_store_release(&r->ctl->cons, cons);
		return msg->len;
	}
bad:
	r->errors++;
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_recv);

/**
 * mk_ring_empty() - does a ring hold no message for its consumer?
 * @r:		the consumer's view
 *
 * Return: true when the producer has published nothing new.
 */
bool mk_ring_empty(struct mk_ring *r)
{
	/* Pairs with the producer's release of prod. */
	return smp_load_acquire(&r->ctl->prod) == r->pos;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_empty);

/**
 * mk_ring_sleep() - ask for the doorbell before the consumer sleeps
 * @r:		the consumer's view
 *
 * Return: true when the ring is still empty and the consumer may sleep,
 * false when a message came in meanwhile (need_wakeup is cleared again).
 */
bool mk_ring_sleep(struct mk_ring *r)
{
	WRITE_ONCE(r->ctl->need_wakeup, 1);
	/* Pairs with the barrier in mk_ring_send() after prod is published. */
	smp_mb();
	if (mk_ring_empty(r))
		return true;
	WRITE_ONCE(r->ctl->need_wakeup, 0);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_sleep);

/**
 * mk_ring_space() - bytes a producer may still fill
 * @r:		the producer's view
 *
 * Return: free bytes; 0 when the consumer's index is impossible.
 */
u32 mk_ring_space(struct mk_ring *r)
{
	u32 used;

	/* Pairs with the consumer's release of cons. */
	used = r->pos - smp_load_acquire(&r->ctl->cons);
	return used > r->size ? 0 : r->size - used;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_space);

/**
 * mk_ring_want_space() - ask the consumer for a doorbell when it frees space
 * @r:		the producer's view
 * @need:	free bytes the producer waits for
 *
 * Several producers' writers may wait, each for its own amount: the
 * request stays until mk_ring_space_clear(), whatever one of them finds.
 *
 * Return: true when @need bytes are free now, false when the producer
 * should wait for the doorbell.
 */
bool mk_ring_want_space(struct mk_ring *r, u32 need)
{
	if (mk_ring_space(r) >= need)
		return true;
	WRITE_ONCE(r->ctl->need_space, 1);
	/* Pairs with the barrier in mk_ring_space_wanted(). */
	smp_mb();
	return mk_ring_space(r) >= need;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_want_space);

/**
 * mk_ring_space_clear() - the doorbell for space came: ask for no more
 * @r:		the producer's view
 *
 * Every writer that waits is woken after this and asks again if the
 * space is still too little.
 */
void mk_ring_space_clear(struct mk_ring *r)
{
	if (!READ_ONCE(r->ctl->need_space))
		return;
	WRITE_ONCE(r->ctl->need_space, 0);
	/*
	 * Before the caller looks at who waits: a writer whose request this
	 * erased said so first (its notify flag, or its place on the wait
	 * queue), and is woken.
	 */
	smp_mb();
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_space_clear);

/**
 * mk_ring_space_wanted() - does the producer wait for the space just freed?
 * @r:		the consumer's view, after it consumed
 *
 * Return: true when the consumer should ring the producer's doorbell.
 */
bool mk_ring_space_wanted(struct mk_ring *r)
{
	/* Publish cons before reading need_space; pairs with the above. */
	smp_mb();
	return READ_ONCE(r->ctl->need_space) != 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_space_wanted);

/**
 * mk_ring_wake() - the consumer is awake and polls: no doorbells needed
 * @r:		the consumer's view
 */
void mk_ring_wake(struct mk_ring *r)
{
	WRITE_ONCE(r->ctl->need_wakeup, 0);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_wake);
