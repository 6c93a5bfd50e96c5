/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One side's view of a multikernel message ring. The code in ring.c
 * uses only what tools/include also provides, so the same ring builds
 * into user space for tests and benchmarks.
 */
#ifndef _KERNEL_MULTIKERNEL_RING_H
#define _KERNEL_MULTIKERNEL_RING_H

#include <linux/types.h>
#include <linux/multikernel_wire.h>

/**
 * struct mk_ring - a producer's or a consumer's view of a ring
 * @ctl:	the shared control block; only the peer's index and
 *		@ctl->need_wakeup are ever read from it
 * @data:	the shared data, @size bytes
 * @size:	a power of two
 * @pos:	this side's own index (prod or cons), kept privately
 * @peer:	the other side's index as last read, already checked
 * @errors:	malformed contents found; once set the ring is not used
 * @full:	sends refused because the ring was full
 */
struct mk_ring {
	struct multikernel_ring *ctl;
	u8 *data;
	u32 size;
	u32 pos;
	u32 peer;
	u32 errors;
	u32 full;
};

/**
 * mk_ring_record_size() - bytes a message of @len bytes takes in a ring
 * @len:	payload length
 *
 * Return: the header and @len bytes, rounded up to the record alignment.
 */
static inline u32 mk_ring_record_size(u32 len)
{
	return (sizeof(struct multikernel_msg) + len + MULTIKERNEL_MSG_ALIGN - 1) &
		~(MULTIKERNEL_MSG_ALIGN - 1);
}

/**
 * typedef mk_ring_copy_fn - write part of a payload into a ring
 * @dst:	where the part goes
 * @src:	what the sender passed on
 * @off:	offset of the part in the payload
 * @len:	its length
 */
typedef void mk_ring_copy_fn(void *dst, const void *src, u32 off, u32 len);

bool mk_ring_size_valid(u32 size);
void mk_ring_init(struct mk_ring *r, struct multikernel_ring *ctl, u32 size,
		  bool reset);
int mk_ring_send(struct mk_ring *r, u16 channel, u16 type, const void *buf,
		 u32 len, bool *kick);
int mk_ring_send_from(struct mk_ring *r, u16 channel, u16 type,
		      mk_ring_copy_fn *copy, const void *src, u32 off, u32 len,
		      bool *kick);
bool mk_ring_kick_needed(struct mk_ring *r);
int mk_ring_recv(struct mk_ring *r, struct multikernel_msg *msg, void *buf);
bool mk_ring_empty(struct mk_ring *r);
bool mk_ring_sleep(struct mk_ring *r);
void mk_ring_wake(struct mk_ring *r);
u32 mk_ring_space(struct mk_ring *r);
bool mk_ring_want_space(struct mk_ring *r, u32 need);
void mk_ring_space_clear(struct mk_ring *r);
bool mk_ring_space_wanted(struct mk_ring *r);

#endif /* _KERNEL_MULTIKERNEL_RING_H */
