// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the network link: what a hostile peer can put in the
 * messages of a frame, whole or in pieces, and the addresses of the two
 * ends.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/virtio_net.h>

#include "net.h"

#define HDR	sizeof(struct multikernel_net_hdr)
#define MSG	MULTIKERNEL_MSG_MAX
#define CSUM	VIRTIO_NET_HDR_F_NEEDS_CSUM
#define TCP4	VIRTIO_NET_HDR_GSO_TCPV4

struct hdr_case {
	const char *name;
	u8 flags;
	u8 gso_type;
	u16 reserved;
	u32 frame_len;
	int ret;
	u32 without;	/* features the kernels did not agree on */
};

static const struct hdr_case hdr_cases[] = {
	{ "plain", 0, 0, 0, 60, 0 },
	{ "checksum flag", CSUM, 0, 0, 60, 0 },
	{ "data-valid flag", VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 60, -EINVAL },
	{ "all flags", 0xff, 0, 0, 60, -EINVAL },
	{ "reserved set", 0, 0, 1, 60, -EINVAL },
	{ "shorter than an Ethernet header", 0, 0, 0, ETH_HLEN - 1, -EMSGSIZE },
	{ "bare Ethernet header", 0, 0, 0, ETH_HLEN, 0 },
	{ "longest frame", 0, 0, 0, 1518, 0 },
	{ "one byte over the MTU", 0, 0, 0, 1519, -EMSGSIZE },
	{ "offload frame, longest", CSUM, TCP4, 0, MKNET_GSO_FRAME_MAX, 0 },
	{ "offload frame, one byte more", CSUM, TCP4, 0,
	  MKNET_GSO_FRAME_MAX + 1, -EMSGSIZE },
	{ "length near 2^32", CSUM, TCP4, 0, 0xfffffff0, -EMSGSIZE },
	{ "TCP offload with ECN", CSUM, TCP4 | VIRTIO_NET_HDR_GSO_ECN, 0, 9000,
	  0 },
	{ "TCPv6 offload", CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 0, 9000, 0 },
	{ "UDP offload, not offered", CSUM, VIRTIO_NET_HDR_GSO_UDP, 0, 9000,
	  -EINVAL },
	{ "UDP L4 offload, not offered", CSUM, VIRTIO_NET_HDR_GSO_UDP_L4, 0,
	  9000, -EINVAL },
	{ "unknown offload", CSUM, 2, 0, 9000, -EINVAL },
	{ "ECN alone", CSUM, VIRTIO_NET_HDR_GSO_ECN, 0, 60, -EINVAL },
	{ "offload without a checksum to complete", 0, TCP4, 0, 9000,
	  -EINVAL },
	{ "no features agreed: plain", 0, 0, 0, 60, 0, MULTIKERNEL_F_ALL },
	{ "no features agreed: checksum flag", CSUM, 0, 0, 60, -EINVAL,
	  MULTIKERNEL_F_ALL },
	{ "no features agreed: offload frame", CSUM, TCP4, 0, 9000, -EINVAL,
	  MULTIKERNEL_F_ALL },
	{ "checksums agreed only: checksum flag", CSUM, 0, 0, 60, 0,
	  MULTIKERNEL_F_NET_GSO },
	{ "checksums agreed only: offload frame", CSUM, TCP4, 0, 9000,
	  -EINVAL, MULTIKERNEL_F_NET_GSO },
};

static void hdr_case_desc(const struct hdr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hdr, hdr_cases, hdr_case_desc);

/* Header checks, against a peer that sends what it likes. */
static void net_hdr_check_test(struct kunit *test)
{
	const struct hdr_case *c = test->param_value;
	struct multikernel_net_hdr hdr = {
		.flags = c->flags, .gso_type = c->gso_type,
		.reserved = cpu_to_le16(c->reserved),
		.frame_len = cpu_to_le32(c->frame_len),
	};

	KUNIT_EXPECT_EQ(test, mknet_hdr_check(&hdr, 1518,
					      MULTIKERNEL_F_ALL & ~c->without),
			c->ret);
}

/*
 * A message stream as a peer sends it: @msgs messages cut from @buf
 * (the header, then the frame); @cut[i] is where message i ends, @type
 * its type.
 */
struct piece_case {
	const char *name;
	u32 frame_len;		/* the frame's real length */
	u32 claim;		/* what its header says, 0: the real one */
	u8 flags;
	u8 gso_type;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	int msgs;
	u32 cut[20];		/* 0: as the core cuts, MSG bytes each */
	u16 type[20];		/* 0: as the core types them */
	bool ok;
	u16 proto;		/* 0: IPv4 */
};

static const struct piece_case piece_cases[] = {
	{ "one message", 100, 0, 0, 0, 0, 0, 0, 1, {}, {}, true },
	{ "one message, checksum to complete", 100, 0, CSUM, 0, 0, 34, 16, 1,
	  {}, {}, true },
	{ "checksum at the very end", 100, 0, CSUM, 0, 0, 34, 64, 1, {}, {},
	  true },
	{ "checksum one past the end", 100, 0, CSUM, 0, 0, 34, 65, 1, {}, {},
	  false },
	{ "checksum start past the end", 100, 0, CSUM, 0, 0, 200, 0, 1, {},
	  {}, false },
	{ "checksum start inside the Ethernet header", 100, 0, CSUM, 0, 0, 2,
	  0, 1, {}, {}, false },
	{ "checksum start and offset at 2^16 - 1", 100, 0, CSUM, 0, 0, 0xffff,
	  0xffff, 1, {}, {}, false },
	{ "offload frame in 3 pieces", 10000, 0, CSUM, TCP4, 1448, 34, 16, 3,
	  {}, {}, true },
	{ "longest offload frame, in 17 pieces", GSO_LEGACY_MAX_SIZE, 0,
	  CSUM, TCP4, 1448, 34, 16, 17, {}, {}, true },
	{ "offload of an unknown type", 10000, 0, CSUM, 2, 1448, 34, 16, 3,
	  {}, {}, false },
	{ "TCPv6 offload of an IPv4 frame", 10000, 0, CSUM,
	  VIRTIO_NET_HDR_GSO_TCPV6, 1448, 34, 16, 3, {}, {}, false },
	{ "TCP offload of an ARP frame", 10000, 0, CSUM, TCP4, 1448, 34, 16, 3,
	  {}, {}, false, ETH_P_ARP },
	{ "offload with a zero segment size", 10000, 0, CSUM, TCP4, 0, 34, 16,
	  3, {}, {}, false },
	{ "offload with segments longer than the frame, over the MTU", 10000,
	  0, CSUM, TCP4, 0xffff, 34, 16, 3, {}, {}, false },
	{ "offload with the checksum off the TCP header", 10000, 0, CSUM,
	  TCP4, 1448, 34, 6, 3, {}, {}, false },
	{ "header claims more than comes", 100, 200, 0, 0, 0, 0, 0, 1, {}, {},
	  false },
	{ "header claims less than comes", 100, 50, 0, 0, 0, 0, 0, 1, {}, {},
	  false },
	{ "first piece short", 10000, 0, CSUM, TCP4, 1448, 34, 16, 3,
	  { MSG - 8, 2 * MSG - 8, HDR + 10000 }, {}, false },
	{ "middle piece short", 10000, 0, CSUM, TCP4, 1448, 34, 16, 3,
	  { MSG, 2 * MSG - 8, HDR + 10000 }, {}, false },
	{ "last piece marked as more", 10000, 0, CSUM, TCP4, 1448, 34, 16, 3,
	  {}, { 0, 0, MULTIKERNEL_NET_FRAME_MORE }, false },
	{ "middle piece marked as last", 10000, 0, CSUM, TCP4, 1448, 34, 16, 3,
	  {}, { 0, MULTIKERNEL_NET_FRAME, 0 }, false },
	{ "unknown message type", 100, 0, 0, 0, 0, 0, 0, 1, {}, { 7 }, false },
	{ "frame over the MTU", 3000, 0, 0, 0, 0, 0, 0, 1, {}, {},
	  false },
	{ "headers cut short", ETH_HLEN - 1, ETH_HLEN, 0, 0, 0, 0, 0, 1, {},
	  {}, false },
};

static void piece_case_desc(const struct piece_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(piece, piece_cases, piece_case_desc);

static void free_dev(void *dev)
{
	free_netdev(dev);
}

static struct net_device *test_dev(struct kunit *test)
{
	struct net_device *dev;
	u8 addr[ETH_ALEN];

	dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_dev, dev),
			0);
	mknet_addr(addr, 1, true, 0x123456);
	eth_hw_addr_set(dev, addr);
	return dev;
}

/* An IPv4 TCP frame to @dev as @c has it, after its header. */
static u8 *test_frame(struct kunit *test, struct net_device *dev,
		      const struct piece_case *c)
{
	struct multikernel_net_hdr hdr = {
		.flags = c->flags, .gso_type = c->gso_type,
		.hdr_len = cpu_to_le16(54), .gso_size = cpu_to_le16(c->gso_size),
		.csum_start = cpu_to_le16(c->csum_start),
		.csum_offset = cpu_to_le16(c->csum_offset),
		.frame_len = cpu_to_le32(c->claim ? c->claim : c->frame_len),
	};
	u32 len = max_t(u32, c->frame_len, 54), i;
	struct ethhdr *eth;
	struct iphdr *ip;
	u8 *buf;

	buf = kunit_kzalloc(test, HDR + len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, &hdr, HDR);
	eth = (struct ethhdr *)(buf + HDR);
	ether_addr_copy(eth->h_dest, dev->dev_addr);
	mknet_addr(eth->h_source, 1, false, 0x123456);
	eth->h_proto = htons(c->proto ? c->proto : ETH_P_IP);
	ip = (struct iphdr *)(eth + 1);
	ip->version = 4;
	ip->ihl = 5;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(len - ETH_HLEN);
	((struct tcphdr *)(ip + 1))->doff = 5;
	for (i = 54; i < len; i++)
		buf[HDR + i] = i * 7;
	return buf;
}

/* Messages of a frame, whole or in pieces, as the stack gets them. */
static void net_piece_test(struct kunit *test)
{
	const struct piece_case *c = test->param_value;
	struct mknet_rx rx = { .features = MULTIKERNEL_F_ALL };
	struct net_device *dev;
	struct sk_buff *skb = NULL;
	const char *reason = NULL;
	u32 start = 0, end, total = HDR + c->frame_len;
	u8 *buf, *copy;
	u16 type;
	int i;

	dev = test_dev(test);
	buf = test_frame(test, dev, c);
	for (i = 0; i < c->msgs; i++) {
		end = c->cut[i] ? c->cut[i] : min(start + MSG, total);
		type = c->type[i] ? c->type[i] : end < total ?
			MULTIKERNEL_NET_FRAME_MORE : MULTIKERNEL_NET_FRAME;
		skb = mknet_rx_piece(dev, &rx, type, buf + start, end - start,
				     &reason);
		start = end;
		if (reason || skb)
			break;
	}
	if (!c->ok) {
		KUNIT_EXPECT_NULL(test, skb);
		KUNIT_EXPECT_NOT_NULL(test, reason);
		KUNIT_EXPECT_NULL(test, rx.skb);
		kfree_skb(skb);
		mknet_rx_reset(&rx);
		return;
	}
	KUNIT_EXPECT_NULL(test, reason);
	KUNIT_EXPECT_EQ(test, i, c->msgs - 1);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_NULL(test, rx.skb);
	KUNIT_EXPECT_EQ(test, ntohs(skb->protocol), ETH_P_IP);
	KUNIT_EXPECT_EQ(test, (int)skb->pkt_type, PACKET_HOST);
	KUNIT_ASSERT_EQ(test, skb->len, c->frame_len - ETH_HLEN);
	copy = kunit_kzalloc(test, skb->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	KUNIT_EXPECT_EQ(test, skb_copy_bits(skb, 0, copy, skb->len), 0);
	KUNIT_EXPECT_EQ(test, memcmp(copy, buf + HDR + ETH_HLEN, skb->len), 0);
	if (c->flags & CSUM) {
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
		/* From the network header now, as the stack counts. */
		KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb),
				c->csum_start - ETH_HLEN);
		KUNIT_EXPECT_EQ(test, skb->csum_offset, c->csum_offset);
	} else {
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	}
	KUNIT_EXPECT_EQ(test, skb_is_gso(skb), !!c->gso_type);
	if (c->gso_type) {
		KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, c->gso_size);
		KUNIT_EXPECT_TRUE(test, skb_shinfo(skb)->gso_type &
				  SKB_GSO_DODGY);
	}
	kfree_skb(skb);
}

/*
 * A frame that uses an offload the kernels did not agree on is dropped
 * on its way in, whole, even when it is well formed.
 */
static void net_piece_unagreed_test(struct kunit *test)
{
	static const struct piece_case csum = {
		.frame_len = 100, .flags = CSUM, .csum_start = 34,
		.csum_offset = 16,
	};
	struct net_device *dev = test_dev(test);
	struct mknet_rx rx = { .features = MULTIKERNEL_F_NET_GSO };
	const char *reason;
	struct sk_buff *skb;
	u8 *a;

	a = test_frame(test, dev, &csum);
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME, a,
			     HDR + csum.frame_len,
			     &reason);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_NOT_NULL(test, reason);
	KUNIT_EXPECT_NULL(test, rx.skb);
	kfree_skb(skb);

	rx.features = MULTIKERNEL_F_NET_CSUM;
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME, a,
			     HDR + csum.frame_len,
			     &reason);
	KUNIT_EXPECT_NOT_NULL(test, skb);
	KUNIT_EXPECT_NULL(test, reason);
	kfree_skb(skb);
}

/* After a frame cut short, the next whole one is taken as it is. */
static void net_piece_recover_test(struct kunit *test)
{
	static const struct piece_case big = {
		.frame_len = 10000, .flags = CSUM, .gso_type = TCP4,
		.gso_size = 1448, .csum_start = 34, .csum_offset = 16,
	};
	static const struct piece_case small = { .frame_len = 100 };
	struct net_device *dev = test_dev(test);
	struct mknet_rx rx = { .features = MULTIKERNEL_F_ALL };
	const char *reason;
	struct sk_buff *skb;
	u8 *a, *b;

	a = test_frame(test, dev, &big);
	b = test_frame(test, dev, &small);
	/* The first piece of a big frame, then a whole small one. */
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME_MORE, a, MSG,
			     &reason);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_NULL(test, reason);
	KUNIT_EXPECT_NOT_NULL(test, rx.skb);
	/* Taken as the big frame's next piece: too short, dropped. */
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME, b, HDR + 100,
			     &reason);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_NOT_NULL(test, reason);
	KUNIT_EXPECT_NULL(test, rx.skb);
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME, b, HDR + 100,
			     &reason);
	KUNIT_EXPECT_NULL(test, reason);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, skb->len, 100 - ETH_HLEN);
	kfree_skb(skb);
	/*
	 * A piece that is not the last, dropped (here a first piece with a
	 * flag nobody knows): the frame's other pieces are skipped, even
	 * one that would pass as a frame of its own, and the next frame is
	 * taken.
	 */
	a[0] = 0xff;
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME_MORE, a, MSG,
			     &reason);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_NOT_NULL(test, reason);
	KUNIT_EXPECT_TRUE(test, rx.skip);
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME_MORE, a + MSG, MSG,
			     &reason);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_NULL(test, reason);
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME, b, HDR + 100,
			     &reason);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_NULL(test, reason);
	KUNIT_EXPECT_FALSE(test, rx.skip);
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME, b, HDR + 100,
			     &reason);
	KUNIT_EXPECT_NULL(test, reason);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	kfree_skb(skb);
	a[0] = CSUM;
	/* A start cut short is dropped by a reset (the link went down). */
	skb = mknet_rx_piece(dev, &rx, MULTIKERNEL_NET_FRAME_MORE, a, MSG,
			     &reason);
	KUNIT_EXPECT_NOT_NULL(test, rx.skb);
	mknet_rx_reset(&rx);
	KUNIT_EXPECT_NULL(test, rx.skb);
	KUNIT_EXPECT_EQ(test, rx.left, 0);
}

/*
 * Both ends' addresses: distinct, unicast, local, the same each start,
 * different for another host; as before for a host that gave no
 * identity, whatever its bits.
 */
static void net_addr_test(struct kunit *test)
{
	static const u32 ids[] = { 0x123456, 0xffffffff, 1, 0 };
	u8 host[ETH_ALEN], inst[ETH_ALEN], other[ETH_ALEN], again[ETH_ALEN];
	u8 legacy[ETH_ALEN] = { 0x02, 'M', 'K', 1, 1, 2 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		mknet_addr(host, 258, false, ids[i]);
		mknet_addr(inst, 258, true, ids[i]);
		mknet_addr(other, 2, true, ids[i]);
		mknet_addr(again, 258, true, ids[i]);
		KUNIT_EXPECT_TRUE(test, is_valid_ether_addr(host));
		KUNIT_EXPECT_TRUE(test, is_valid_ether_addr(inst));
		KUNIT_EXPECT_TRUE(test, is_local_ether_addr(host));
		KUNIT_EXPECT_TRUE(test, is_local_ether_addr(inst));
		KUNIT_EXPECT_FALSE(test, ether_addr_equal(host, inst));
		KUNIT_EXPECT_FALSE(test, ether_addr_equal(inst, other));
		KUNIT_EXPECT_TRUE(test, ether_addr_equal(inst, again));
		KUNIT_EXPECT_EQ(test, host[4], 1);
		KUNIT_EXPECT_EQ(test, host[5], 2);
	}
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(inst, legacy));
	mknet_addr(other, 258, true, 0x123457);
	mknet_addr(again, 258, true, 0x123456);
	KUNIT_EXPECT_FALSE(test, ether_addr_equal(other, again));
	KUNIT_EXPECT_EQ(test, again[0], 0x0e);
	KUNIT_EXPECT_EQ(test, again[1], 0x12);
	KUNIT_EXPECT_EQ(test, again[3], 0x56);
}

static struct kunit_case net_test_cases[] = {
	KUNIT_CASE_PARAM(net_hdr_check_test, hdr_gen_params),
	KUNIT_CASE_PARAM(net_piece_test, piece_gen_params),
	KUNIT_CASE(net_piece_unagreed_test),
	KUNIT_CASE(net_piece_recover_test),
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
