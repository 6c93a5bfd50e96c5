// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the multikernel message ring: messages arrive whole
 * and in order, flow control, index wrap-around at 2^32, the doorbell
 * protocol, a hostile peer's ring contents, and the host's copy of a
 * log whose head a hostile peer writes. Each ring is allocated
 * to its exact size, so under KASAN any access outside it is reported.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/multikernel.h>
#include <linux/slab.h>

#include "internal.h"
#include "msg.h"
#include "ring.h"

#define RSIZE		MULTIKERNEL_RING_MIN
#define HDR		sizeof(struct multikernel_msg)

struct ring_pair {
	struct multikernel_ring *ctl;
	struct mk_ring tx, rx;
	struct multikernel_msg msg;
	u8 buf[MULTIKERNEL_MSG_MAX];
};

static struct ring_pair *pair_new(struct kunit *test, u32 start)
{
	struct ring_pair *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->ctl = kunit_kzalloc(test, sizeof(*p->ctl) + RSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->ctl);
	mk_ring_init(&p->tx, p->ctl, RSIZE, true);
	mk_ring_init(&p->rx, p->ctl, RSIZE, false);
	/* Start both sides at @start, as if that much had gone through. */
	p->ctl->prod = start;
	p->ctl->cons = start;
	p->tx.pos = start;
	p->tx.peer = start;
	p->rx.pos = start;
	p->rx.peer = start;
	return p;
}

static int send(struct ring_pair *p, u16 chan, u32 len, u8 fill)
{
	u8 *src = kmalloc(MULTIKERNEL_MSG_MAX + 1, GFP_KERNEL);
	bool kick;
	int ret;

	if (!src)
		return -ENOMEM;
	memset(src, fill, len);
	ret = mk_ring_send(&p->tx, chan, fill, src, len, &kick);
	kfree(src);
	return ret;
}

/* Receive one message and check that it is @len bytes of @fill. */
static void expect_msg(struct kunit *test, struct ring_pair *p, u16 chan,
		       u32 len, u8 fill)
{
	u32 i;

	KUNIT_ASSERT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), (int)len);
	KUNIT_EXPECT_EQ(test, p->msg.channel, chan);
	KUNIT_EXPECT_EQ(test, p->msg.type, fill);
	for (i = 0; i < len; i++)
		if (p->buf[i] != fill) {
			KUNIT_FAIL(test, "byte %u of %u is %#x, not %#x", i,
				   len, p->buf[i], fill);
			break;
		}
}

static void ring_size_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, mk_ring_size_valid(MULTIKERNEL_RING_MIN));
	KUNIT_EXPECT_TRUE(test, mk_ring_size_valid(MULTIKERNEL_RING_MAX));
	KUNIT_EXPECT_TRUE(test, mk_ring_size_valid(64 << 10));
	KUNIT_EXPECT_FALSE(test, mk_ring_size_valid(0));
	KUNIT_EXPECT_FALSE(test, mk_ring_size_valid(MULTIKERNEL_RING_MIN / 2));
	KUNIT_EXPECT_FALSE(test, mk_ring_size_valid(MULTIKERNEL_RING_MAX * 2));
	KUNIT_EXPECT_FALSE(test, mk_ring_size_valid(48 << 10));
	KUNIT_EXPECT_FALSE(test, mk_ring_size_valid(0x80000000));
}

static void ring_roundtrip_test(struct kunit *test)
{
	static const u32 lens[] = { 0, 1, 7, 8, 9, 64, 1000, MULTIKERNEL_MSG_MAX };
	struct ring_pair *p = pair_new(test, 0);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), -EAGAIN);
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		KUNIT_ASSERT_EQ(test, send(p, MULTIKERNEL_CHAN_RAW, lens[i], i + 1), 0);
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		expect_msg(test, p, MULTIKERNEL_CHAN_RAW, lens[i], i + 1);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), -EAGAIN);
	KUNIT_EXPECT_EQ(test, p->ctl->prod, p->ctl->cons);
	KUNIT_EXPECT_EQ(test, p->rx.errors, 0U);
}

/* A payload a function writes part by part, as a network driver's skb. */
static void from_copy(void *dst, const void *src, u32 off, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		((u8 *)dst)[i] = *(const u8 *)src + off + i;
}

static void ring_send_from_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, RSIZE - 640);
	const u8 base = 3;
	u32 i, off;

	/* The second part comes after a pad, at the start of the ring. */
	for (off = 0; off < 3 * 500; off += 500)
		KUNIT_ASSERT_EQ(test, mk_ring_send_from(&p->tx, MULTIKERNEL_CHAN_RAW,
							7, from_copy, &base, off,
							500, NULL), 0);
	for (off = 0; off < 3 * 500; off += 500) {
		KUNIT_ASSERT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), 500);
		KUNIT_EXPECT_EQ(test, p->msg.type, 7);
		for (i = 0; i < 500; i++)
			if (p->buf[i] != (u8)(base + off + i)) {
				KUNIT_FAIL(test, "byte %u of the part at %u is %#x",
					   i, off, p->buf[i]);
				break;
			}
	}
	KUNIT_EXPECT_EQ(test, mk_ring_send_from(&p->tx, MULTIKERNEL_CHAN_RAW, 7,
						from_copy, &base, 0,
						MULTIKERNEL_MSG_MAX + 1, NULL),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, p->rx.errors, 0U);
}

static void ring_too_big_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);

	KUNIT_EXPECT_EQ(test, send(p, 1, MULTIKERNEL_MSG_MAX + 1, 1), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, p->ctl->prod, 0U);
}

/* Fill the ring, get -EAGAIN, drain one, fit one more; order holds. */
static void ring_full_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);
	unsigned int n = 0, i;
	u32 prod;

	while (send(p, 1, 100, n & 0xff) == 0)
		n++;
	KUNIT_EXPECT_EQ(test, n, RSIZE / mk_ring_record_size(100));
	KUNIT_EXPECT_EQ(test, p->tx.full, 1U);
	prod = p->ctl->prod;
	KUNIT_EXPECT_EQ(test, send(p, 1, 100, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, p->ctl->prod, prod);

	expect_msg(test, p, 1, 100, 0);
	KUNIT_EXPECT_EQ(test, send(p, 1, 100, n & 0xff), 0);
	for (i = 1; i <= n; i++)
		expect_msg(test, p, 1, 100, i & 0xff);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), -EAGAIN);
}

/*
 * Indices run modulo 2^32: start just below the wrap and push many
 * ring sizes through, with lengths that force padding records.
 */
static void ring_wrap_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0U - 3 * RSIZE + 8);
	unsigned int i, sent = 0, got = 0;
	u32 len;

	for (i = 0; i < 2000; i++) {
		len = (i * 37) % 3000;
		if (send(p, 1, len, i & 0xff)) {
			KUNIT_EXPECT_EQ(test, send(p, 1, len, i & 0xff), -EAGAIN);
			while (got < sent) {
				expect_msg(test, p, 1, (got * 37) % 3000, got & 0xff);
				got++;
			}
			KUNIT_ASSERT_EQ(test, send(p, 1, len, i & 0xff), 0);
		}
		sent++;
	}
	while (got < sent) {
		expect_msg(test, p, 1, (got * 37) % 3000, got & 0xff);
		got++;
	}
	KUNIT_EXPECT_LT(test, p->ctl->prod, 0x80000000U);
	KUNIT_EXPECT_EQ(test, p->rx.errors, 0U);
	KUNIT_EXPECT_EQ(test, p->tx.errors, 0U);
}

/* A record that does not fit before the end is padded, never split. */
static void ring_pad_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, RSIZE - 64);
	struct multikernel_msg m;

	KUNIT_ASSERT_EQ(test, send(p, 1, 100, 5), 0);
	memcpy(&m, p->ctl->data + RSIZE - 64, sizeof(m));
	KUNIT_EXPECT_EQ(test, m.channel, MULTIKERNEL_CHAN_PAD);
	KUNIT_EXPECT_EQ(test, p->ctl->prod, RSIZE + mk_ring_record_size(100));
	expect_msg(test, p, 1, 100, 5);
}

static void ring_doorbell_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);
	bool kick;
	u8 b = 0;

	/* A new ring's consumer is asleep: the first message rings. */
	KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, &kick), 0);
	KUNIT_EXPECT_TRUE(test, kick);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), 1);
	/* A consumer that polls needs no doorbell. */
	mk_ring_wake(&p->rx);
	KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, &kick), 0);
	KUNIT_EXPECT_FALSE(test, kick);
	/* It may not sleep while a message waits. */
	KUNIT_EXPECT_FALSE(test, mk_ring_sleep(&p->rx));
	KUNIT_EXPECT_EQ(test, p->ctl->need_wakeup, 0U);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), 1);
	/* Asleep, it gets exactly the doorbells it asked for. */
	KUNIT_EXPECT_TRUE(test, mk_ring_sleep(&p->rx));
	KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, &kick), 0);
	KUNIT_EXPECT_TRUE(test, kick);
	mk_ring_wake(&p->rx);
	KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, &kick), 0);
	KUNIT_EXPECT_FALSE(test, kick);
}

static void ring_batch_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);
	unsigned int i;
	u8 b = 0;

	/* Sends of a batch check nothing; the check after them rings. */
	KUNIT_EXPECT_TRUE(test, mk_ring_sleep(&p->rx));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, NULL), 0);
	KUNIT_EXPECT_TRUE(test, mk_ring_kick_needed(&p->tx));
	/* The consumer, woken, may not sleep again before it took them. */
	mk_ring_wake(&p->rx);
	KUNIT_EXPECT_FALSE(test, mk_ring_sleep(&p->rx));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), 1);
	/* A polling consumer needs no doorbell for a whole batch. */
	mk_ring_wake(&p->rx);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, NULL), 0);
	KUNIT_EXPECT_FALSE(test, mk_ring_kick_needed(&p->tx));
	/* One that fell asleep before the check is rung by it. */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), 1);
	KUNIT_EXPECT_TRUE(test, mk_ring_sleep(&p->rx));
	KUNIT_EXPECT_EQ(test, mk_ring_send(&p->tx, 1, 0, &b, 1, NULL), 0);
	KUNIT_EXPECT_TRUE(test, mk_ring_kick_needed(&p->tx));
}

/*
 * What a hostile or broken producer can leave in the ring: each case
 * sets prod and writes one header at cons, and the consumer must report
 * -EIO, count the error and then refuse the ring for good.
 */
struct hostile_case {
	const char *name;
	u32 start;	/* cons */
	u32 prod;	/* relative to start */
	u32 off;	/* where to write the header, relative to start */
	u32 len;
	u16 channel;
};

static const struct hostile_case hostile_cases[] = {
	{ "prod beyond the ring", 0, RSIZE + 8, 0, 8, 1 },
	{ "prod behind cons", 4096, (u32)-8, 0, 8, 1 },
	{ "prod not aligned", 0, 12, 0, 4, 1 },
	{ "length beyond the maximum", 0, RSIZE, 0, MULTIKERNEL_MSG_MAX + 1, 1 },
	{ "length beyond what was published", 0, 16, 0, 64, 1 },
	{ "record across the end", RSIZE - 16, 4096, 0, 64, 1 },
	{ "length near 2^32", 0, 64, 0, 0xfffffff8U, 1 },
	{ "padding beyond what was published", 0, 64, 0, 0, MULTIKERNEL_CHAN_PAD },
	{ "padding from the start of the data", 0, RSIZE, 0, 0, MULTIKERNEL_CHAN_PAD },
	{ "wrapped: prod beyond the ring", 0xfffffff0U, RSIZE + 16, 0, 8, 1 },
	{ "wrapped: length beyond what was published", 0xfffffff8U, 16, 0, 100, 1 },
};

static void hostile_desc(const struct hostile_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hostile, hostile_cases, hostile_desc);

static void ring_hostile_test(struct kunit *test)
{
	const struct hostile_case *c = test->param_value;
	struct ring_pair *p = pair_new(test, c->start);
	struct multikernel_msg m = { .len = c->len, .channel = c->channel };
	u32 off = (c->start + c->off) & (RSIZE - 1);

	memcpy(p->ctl->data + off, &m, sizeof(m));
	p->ctl->prod = c->start + c->prod;
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), -EIO);
	KUNIT_EXPECT_EQ(test, p->rx.errors, 1U);
	/* cons did not move, and the ring stays dead even if repaired. */
	KUNIT_EXPECT_EQ(test, p->ctl->cons, c->start);
	p->ctl->prod = c->start;
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&p->rx, &p->msg, p->buf), -EIO);
}

/* A consumer that moves cons where it cannot be kills the ring. */
static void ring_hostile_consumer_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);
	unsigned int i;
	int ret = 0;

	KUNIT_ASSERT_EQ(test, send(p, 1, 8, 1), 0);
	/* Half the index space away: ahead of prod, whatever prod becomes. */
	p->ctl->cons = 0x80000000U;
	/* The producer finds out once it needs to look at cons. */
	for (i = 0; i < RSIZE && !ret; i++)
		ret = send(p, 1, 8, 1);
	KUNIT_EXPECT_EQ(test, ret, -EIO);
	KUNIT_EXPECT_EQ(test, p->tx.errors, 1U);
	p->ctl->cons = p->ctl->prod;
	KUNIT_EXPECT_EQ(test, send(p, 1, 8, 1), -EIO);
}

/*
 * A torn write: prod published before the record. Whatever is found
 * is either refused or taken as a message that lies wholly inside the
 * ring; nothing outside it is read (KASAN would say).
 */
static void ring_torn_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);
	u32 i;
	int ret;

	for (i = 0; i < RSIZE; i += 4)
		*(u32 *)(p->ctl->data + i) = i * 2654435761U;
	p->ctl->prod = RSIZE;
	for (i = 0; i < RSIZE; i++) {
		ret = mk_ring_recv(&p->rx, &p->msg, p->buf);
		if (ret < 0)
			break;
		KUNIT_EXPECT_LE(test, ret, MULTIKERNEL_MSG_MAX);
	}
	KUNIT_EXPECT_EQ(test, ret, -EIO);
	KUNIT_EXPECT_EQ(test, p->rx.errors, 1U);
}

/* A producer waiting for room gets a doorbell once the consumer frees it. */
static void ring_space_test(struct kunit *test)
{
	struct ring_pair *p = pair_new(test, 0);
	u32 need = 2 * mk_ring_record_size(MULTIKERNEL_MSG_MAX);

	KUNIT_EXPECT_EQ(test, mk_ring_space(&p->tx), (u32)RSIZE);
	KUNIT_EXPECT_TRUE(test, mk_ring_want_space(&p->tx, need));
	KUNIT_EXPECT_FALSE(test, mk_ring_space_wanted(&p->rx));
	while (send(p, 1, 1000, 1) == 0)
		;
	KUNIT_EXPECT_LT(test, mk_ring_space(&p->tx), need);
	KUNIT_EXPECT_FALSE(test, mk_ring_want_space(&p->tx, need));
	KUNIT_EXPECT_TRUE(test, mk_ring_space_wanted(&p->rx));
	/* Another writer, for whom there is room, leaves the request be. */
	KUNIT_EXPECT_TRUE(test, mk_ring_want_space(&p->tx, mk_ring_space(&p->tx)));
	KUNIT_EXPECT_TRUE(test, mk_ring_space_wanted(&p->rx));
	while (mk_ring_recv(&p->rx, &p->msg, p->buf) >= 0)
		;
	KUNIT_EXPECT_TRUE(test, mk_ring_want_space(&p->tx, need));
	/* Until the doorbell it asked for comes. */
	KUNIT_EXPECT_TRUE(test, mk_ring_space_wanted(&p->rx));
	mk_ring_space_clear(&p->tx);
	KUNIT_EXPECT_FALSE(test, mk_ring_space_wanted(&p->rx));
	KUNIT_EXPECT_TRUE(test, mk_ring_want_space(&p->tx, need));
	KUNIT_EXPECT_FALSE(test, mk_ring_space_wanted(&p->rx));
	/* A consumer that moved cons beyond prod leaves no space. */
	p->ctl->cons = p->tx.pos + 8;
	KUNIT_EXPECT_EQ(test, mk_ring_space(&p->tx), 0U);
}

/*
 * A spawned kernel checks the layout the host wrote before it uses it:
 * each case spoils one number of a good layout.
 */
#define LSIZE	(4096 + 2 * (RSIZE + 4096))

struct layout_case {
	const char *name;
	u32 ring_size;
	u32 to_instance;
	u32 to_host;
	int ret;
};

static const struct layout_case layout_cases[] = {
	{ "as the host lays it out", RSIZE, 4096, 4096 + RSIZE + 4096, 0 },
	{ "ring size not a power of two", RSIZE + 8, 4096, 24576, -EPROTO },
	{ "ring size below the minimum", RSIZE / 2, 4096, 24576, -EPROTO },
	{ "ring size beyond the region", 64 << 10, 4096, 24576, -EPROTO },
	{ "ring inside the header", RSIZE, 8, 24576, -EPROTO },
	{ "ring not aligned", RSIZE, 4100, 24576, -EPROTO },
	{ "rings overlap", RSIZE, 4096, 8192, -EPROTO },
	{ "same ring twice", RSIZE, 4096, 4096, -EPROTO },
	{ "ring beyond the region", RSIZE, 4096, LSIZE - 64, -EPROTO },
	{ "ring offset near 2^32", RSIZE, 4096, 0xffffffc0U, -EPROTO },
};

static void layout_desc(const struct layout_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(layout, layout_cases, layout_desc);

static void ring_layout_test(struct kunit *test)
{
	const struct layout_case *c = test->param_value;
	struct multikernel_shared_header *hdr;
	struct mk_link *l;

	hdr = kunit_kzalloc(test, LSIZE, GFP_KERNEL);
	l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_EQ(test, mk_link_init(l, 0, NULL), 0);

	mk_shared_layout(hdr, LSIZE, RSIZE);
	KUNIT_EXPECT_EQ(test, hdr->ring_offset[MULTIKERNEL_RING_TO_INSTANCE], 4096U);
	KUNIT_EXPECT_EQ(test, hdr->ring_offset[MULTIKERNEL_RING_TO_HOST],
			4096U + RSIZE + 4096);
	hdr->ring_size = c->ring_size;
	hdr->ring_offset[MULTIKERNEL_RING_TO_INSTANCE] = c->to_instance;
	hdr->ring_offset[MULTIKERNEL_RING_TO_HOST] = c->to_host;
	KUNIT_EXPECT_EQ(test, mk_link_up(l, hdr, LSIZE, 0, false), c->ret);
	KUNIT_EXPECT_EQ(test, l->active, !c->ret);
	mk_link_down(l);
	mk_link_free(l);
}

/*
 * What a spawned kernel may take of the features the host offered: a
 * subset, with what each feature needs, and nothing the host lacks.
 */
static void ring_features_test(struct kunit *test)
{
	const u32 all = MULTIKERNEL_F_ALL, csum = MULTIKERNEL_F_NET_CSUM;
	const u32 gso = MULTIKERNEL_F_NET_GSO;
	struct multikernel_shared_header *hdr;

	KUNIT_EXPECT_TRUE(test, mk_features_valid(all, all));
	KUNIT_EXPECT_TRUE(test, mk_features_valid(all, 0));
	KUNIT_EXPECT_TRUE(test, mk_features_valid(all, csum));
	KUNIT_EXPECT_TRUE(test, mk_features_valid(csum, csum));
	KUNIT_EXPECT_TRUE(test, mk_features_valid(0, 0));
	KUNIT_EXPECT_FALSE(test, mk_features_valid(all, gso));
	KUNIT_EXPECT_FALSE(test, mk_features_valid(csum, all));
	KUNIT_EXPECT_FALSE(test, mk_features_valid(0, csum));
	KUNIT_EXPECT_FALSE(test, mk_features_valid(all, all | 1U << 31));
	KUNIT_EXPECT_FALSE(test, mk_features_valid(all, ~0U));

	/* The host offers all it has, at every start. */
	hdr = kunit_kzalloc(test, LSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	mk_shared_layout(hdr, LSIZE, RSIZE);
	KUNIT_EXPECT_EQ(test, hdr->host_features, all);
	KUNIT_EXPECT_EQ(test, hdr->features, 0U);
	KUNIT_EXPECT_EQ(test, hdr->peer_version, 0U);
}

static void api_nop(unsigned int peer, u16 type, const void *data, u32 len)
{
}

/* The kernel API refuses what it must, on a host with nothing running. */
static void ring_api_test(struct kunit *test)
{
	u16 ch;
	u8 b = 0;
	int ret;

	KUNIT_EXPECT_EQ(test, multikernel_send(1, MULTIKERNEL_CHAN_CONTROL, 0, &b, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, multikernel_send(1, MULTIKERNEL_CHAN_RAW, 0, &b, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, multikernel_send(0, MULTIKERNEL_CHAN_CONSOLE, 0, &b, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, multikernel_send(1, MULTIKERNEL_CHAN_CONSOLE, 0, &b, 1),
			-ENOTCONN);
	ret = multikernel_send_pieces(1, MULTIKERNEL_CHAN_NET, 0, 0, NULL, &b, 1,
				      false);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, multikernel_register_handler(MULTIKERNEL_CHAN_RAW, api_nop),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, multikernel_register_handler(MULTIKERNEL_CHAN_CONSOLE, NULL),
			-EINVAL);
	/*
	 * Each kernel user's channel is taken once: by its driver, or here
	 * when no driver is built.
	 */
	for (ch = MULTIKERNEL_CHAN_CONSOLE; ch < MULTIKERNEL_NR_CHANNELS; ch++) {
		ret = multikernel_register_handler(ch, api_nop);
		if (ret) {
			KUNIT_EXPECT_EQ(test, ret, -EBUSY);
			continue;
		}
		KUNIT_EXPECT_EQ(test, multikernel_register_handler(ch, api_nop),
				-EBUSY);
		multikernel_unregister_handler(ch);
		KUNIT_EXPECT_EQ(test, multikernel_register_handler(ch, api_nop), 0);
		multikernel_unregister_handler(ch);
	}
}

#define LOGSZ	64

struct log_case {
	const char *name;
	u64 head;
	loff_t off;
	size_t count;
	size_t copied;
	u64 first;	/* the byte number copied first */
};

/* Byte n of the writer's text is (n % 251), so any byte tells its place. */
static const struct log_case log_cases[] = {
	{ "nothing written", 0, 0, 100, 0, 0 },
	{ "less than the buffer", 10, 0, 100, 10, 0 },
	{ "from an offset", 10, 4, 100, 6, 4 },
	{ "at the end", 10, 10, 100, 0, 0 },
	{ "past the end", 10, 11, 100, 0, 0 },
	{ "negative offset", 10, -1, 100, 0, 0 },
	{ "exactly full", LOGSZ, 0, 100, LOGSZ, 0 },
	{ "wrapped: the last LOGSZ bytes", 1000, 0, 100, LOGSZ, 1000 - LOGSZ },
	{ "wrapped, from an offset, short count", 1000, 60, 3, 3, 1000 - LOGSZ + 60 },
	{ "head near 2^64", U64_MAX - 3, 0, 100, LOGSZ, U64_MAX - 3 - LOGSZ },
	{ "head 2^64 - 1, huge offset", U64_MAX, 1LL << 62, 100, 0, 0 },
};

static void log_desc(const struct log_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(log, log_cases, log_desc);

/*
 * Whatever head the instance writes, the host copies only from the
 * buffer (allocated to its size, for KASAN) and in the writer's order.
 */
static void log_copy_test(struct kunit *test)
{
	const struct log_case *c = test->param_value;
	u8 *data = kunit_kzalloc(test, LOGSZ, GFP_KERNEL);
	char *buf = kunit_kzalloc(test, 100, GFP_KERNEL);
	u64 n, at;
	size_t i, got;

	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Lay out what a writer that wrote c->head bytes left. */
	for (i = 0; i < LOGSZ; i++) {
		/* The last byte written at place i. */
		n = c->head - 1 - ((c->head - 1 - i) % LOGSZ);
		if (c->head > i)
			data[i] = n % 251;
	}
	got = mk_log_copy(data, LOGSZ, c->head, buf, c->off, c->count);
	KUNIT_EXPECT_EQ(test, got, c->copied);
	for (i = 0; i < got; i++) {
		at = c->first + i;
		KUNIT_EXPECT_EQ_MSG(test, (u8)buf[i], (u8)(at % 251),
				    "byte %zu", i);
	}
}

static struct kunit_case ring_test_cases[] = {
	KUNIT_CASE(ring_size_test),
	KUNIT_CASE(ring_roundtrip_test),
	KUNIT_CASE(ring_send_from_test),
	KUNIT_CASE(ring_too_big_test),
	KUNIT_CASE(ring_full_test),
	KUNIT_CASE(ring_wrap_test),
	KUNIT_CASE(ring_pad_test),
	KUNIT_CASE(ring_doorbell_test),
	KUNIT_CASE(ring_batch_test),
	KUNIT_CASE(ring_space_test),
	KUNIT_CASE_PARAM(ring_hostile_test, hostile_gen_params),
	KUNIT_CASE(ring_hostile_consumer_test),
	KUNIT_CASE(ring_torn_test),
	KUNIT_CASE_PARAM(ring_layout_test, layout_gen_params),
	KUNIT_CASE(ring_features_test),
	KUNIT_CASE(ring_api_test),
	KUNIT_CASE_PARAM(log_copy_test, log_gen_params),
	{}
};

static struct kunit_suite ring_test_suite = {
	.name = "multikernel_ring",
	.test_cases = ring_test_cases,
};

kunit_test_suite(ring_test_suite);

MODULE_DESCRIPTION("KUnit tests for the multikernel message ring");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
