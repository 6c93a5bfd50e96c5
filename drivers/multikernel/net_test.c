// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the network link: what a hostile peer can put in a
 * frame's message, and the addresses of the two ends.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "net.h"

#define HDR	sizeof(struct multikernel_net_hdr)

struct frame_case {
	const char *name;
	u32 len;		/* message length */
	u16 flags;
	u16 reserved;
	int ret;
};

static const struct frame_case frame_cases[] = {
	{ "empty", 0, 0, 0, -EINVAL },
	{ "header only", HDR, 0, 0, -EINVAL },
	{ "short Ethernet header", HDR + ETH_HLEN - 1, 0, 0, -EINVAL },
	{ "bare Ethernet header", HDR + ETH_HLEN, 0, 0, ETH_HLEN },
	{ "unknown flag", HDR + 60, 1U << 1, 0, -EINVAL },
	{ "all flags", HDR + 60, 0xffff, 0, -EINVAL },
	{ "reserved set", HDR + 60, 0, 1, -EINVAL },
	{ "checksum flag", HDR + 60, MULTIKERNEL_NET_CSUM_PARTIAL, 0, 60 },
	{ "longest frame", HDR + 1518, 0, 0, 1518 },
	{ "one byte too long", HDR + 1519, 0, 0, -EMSGSIZE },
	{ "largest message", MULTIKERNEL_MSG_MAX, 0, 0, -EMSGSIZE },
	{ "length near 2^32", 0xfffffff0, 0, 0, -EMSGSIZE },
};

static void frame_case_desc(const struct frame_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(frame, frame_cases, frame_case_desc);

/* Header checks, against a peer that sends what it likes. */
static void net_frame_check_test(struct kunit *test)
{
	const struct frame_case *c = test->param_value;
	struct multikernel_net_hdr hdr = {
		.flags = c->flags, .reserved = c->reserved,
	}, out;
	u8 *msg;

	/* The message as long as it says, except for the absurd one. */
	msg = kunit_kzalloc(test, MULTIKERNEL_MSG_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	memcpy(msg, &hdr, HDR);
	KUNIT_EXPECT_EQ(test, mknet_frame_check(msg, c->len, 1518, &out),
			c->ret);
	if (c->ret >= 0)
		KUNIT_EXPECT_EQ(test, out.flags, c->flags);
}

struct skb_case {
	const char *name;
	u32 frame;		/* frame length */
	u16 flags;
	u16 csum_start;
	u16 csum_offset;
	bool ok;
};

static const struct skb_case skb_cases[] = {
	{ "plain frame", 100, 0, 0, 0, true },
	{ "checksum inside", 100, MULTIKERNEL_NET_CSUM_PARTIAL, 34, 16, true },
	{ "checksum at the very end", 100, MULTIKERNEL_NET_CSUM_PARTIAL,
	  34, 64, true },
	{ "checksum one past the end", 100, MULTIKERNEL_NET_CSUM_PARTIAL,
	  34, 65, false },
	{ "start past the end", 100, MULTIKERNEL_NET_CSUM_PARTIAL,
	  200, 0, false },
	{ "start and offset at 2^16 - 1", 100, MULTIKERNEL_NET_CSUM_PARTIAL,
	  0xffff, 0xffff, false },
	{ "start inside the Ethernet header", 100,
	  MULTIKERNEL_NET_CSUM_PARTIAL, 2, 0, false },
	{ "frame over the MTU", 1500 + VLAN_ETH_HLEN + 1, 0, 0, 0, false },
	{ "largest frame", 1500 + VLAN_ETH_HLEN, 0, 0, 0, true },
};

static void skb_case_desc(const struct skb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(skb, skb_cases, skb_case_desc);

static void free_dev(void *dev)
{
	free_netdev(dev);
}

/* Frames as the stack gets them, or dropped with a reason. */
static void net_build_skb_test(struct kunit *test)
{
	const struct skb_case *c = test->param_value;
	struct multikernel_net_hdr hdr = {
		.flags = c->flags,
		.csum_start = c->csum_start,
		.csum_offset = c->csum_offset,
	};
	const char *reason = NULL;
	struct net_device *dev;
	struct sk_buff *skb;
	struct ethhdr *eth;
	u8 addr[ETH_ALEN];
	u32 i;
	u8 *msg;

	dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_dev, dev),
			0);
	mknet_addr(addr, 1, true);
	eth_hw_addr_set(dev, addr);
	msg = kunit_kzalloc(test, HDR + c->frame, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	memcpy(msg, &hdr, HDR);
	eth = (struct ethhdr *)(msg + HDR);
	ether_addr_copy(eth->h_dest, addr);
	mknet_addr(eth->h_source, 1, false);
	eth->h_proto = htons(ETH_P_IP);
	for (i = ETH_HLEN; i < c->frame; i++)
		msg[HDR + i] = i;

	skb = mknet_build_skb(dev, msg, HDR + c->frame, &reason);
	if (!c->ok) {
		KUNIT_EXPECT_NULL(test, skb);
		KUNIT_EXPECT_NOT_NULL(test, reason);
		kfree_skb(skb);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, skb->protocol, htons(ETH_P_IP));
	KUNIT_EXPECT_EQ(test, (int)skb->pkt_type, PACKET_HOST);
	KUNIT_EXPECT_EQ(test, skb->len, c->frame - ETH_HLEN);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, msg + HDR + ETH_HLEN, skb->len),
			0);
	if (c->flags & MULTIKERNEL_NET_CSUM_PARTIAL) {
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
		/* From the network header now, as the stack counts. */
		KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb),
				c->csum_start - ETH_HLEN);
		KUNIT_EXPECT_EQ(test, skb->csum_offset, c->csum_offset);
	} else {
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	}
	kfree_skb(skb);
}

/* Both ends' addresses: distinct, unicast, local, the same each start. */
static void net_addr_test(struct kunit *test)
{
	u8 host[ETH_ALEN], inst[ETH_ALEN], other[ETH_ALEN];

	mknet_addr(host, 258, false);
	mknet_addr(inst, 258, true);
	mknet_addr(other, 2, true);
	KUNIT_EXPECT_TRUE(test, is_valid_ether_addr(host));
	KUNIT_EXPECT_TRUE(test, is_valid_ether_addr(inst));
	KUNIT_EXPECT_TRUE(test, is_local_ether_addr(host));
	KUNIT_EXPECT_FALSE(test, ether_addr_equal(host, inst));
	KUNIT_EXPECT_FALSE(test, ether_addr_equal(inst, other));
	KUNIT_EXPECT_EQ(test, host[4], 1);
	KUNIT_EXPECT_EQ(test, host[5], 2);
}

static struct kunit_case net_test_cases[] = {
	KUNIT_CASE_PARAM(net_frame_check_test, frame_gen_params),
	KUNIT_CASE_PARAM(net_build_skb_test, skb_gen_params),
	KUNIT_CASE(net_addr_test),
	{}
};

static struct kunit_suite net_test_suite = {
	.name = "multikernel_net",
	.test_cases = net_test_cases,
};

kunit_test_suite(net_test_suite);

MODULE_DESCRIPTION("KUnit tests of the multikernel network link");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
