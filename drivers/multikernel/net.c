// SPDX-License-Identifier: GPL-2.0-only
/*
 * A network link between the host and each spawned kernel, over the
 * link between the two kernels.
 *
 * Each end is an Ethernet device: mk<id> on the host for instance <id>,
 * mk0 in the spawned kernel (its link to the host, peer 0). A frame
 * crosses as one MULTIKERNEL_NET_FRAME message on the network channel:
 * a struct multikernel_net_hdr, then the frame. Frames are copied into
 * the ring by the sender and out of it by the receiver's doorbell; no
 * memory of either kernel but the shared region is touched. A frame
 * fits one message, which bounds the MTU. Checksums are left for the
 * receiver to complete, as with a NIC's offload, since the bytes cannot
 * change in memory.
 *
 * The host's devices stay across stops, crashes and restarts, with
 * their addresses and routes: the carrier goes off when the instance
 * goes down and on when it is up again. When the ring to the peer is
 * full, the queue stops until the peer made room.
 *
 * See Documentation/multikernel/devices.rst.
 */

#define pr_fmt(fmt) "multikernel net: " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/init.h>
#include <linux/multikernel.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include <uapi/linux/multikernel.h>

#include "net.h"

#define MKNET_INSTANCES		CONFIG_MULTIKERNEL_INSTANCES
#define MKNET_MTU		4000

/**
 * struct mknet_priv - one end of a network link
 * @peer:	the kernel at the other end: an instance ID on the host,
 *		0 (the host) in a spawned kernel
 */
struct mknet_priv {
	unsigned int peer;
};

/* On the host, by instance ID - 1; in a spawned kernel, only [0]. */
static struct net_device **mknet_devs;
static unsigned int mknet_nr_devs;

static struct net_device *mknet_dev(unsigned int peer)
{
	if (!mknet_devs)
		return NULL;
	if (!multikernel_instance_id())
		return peer >= 1 && peer <= mknet_nr_devs ?
			mknet_devs[peer - 1] : NULL;
	return peer ? NULL : mknet_devs[0];
}

/**
 * mknet_frame_check() - check a frame's header from the peer
 * @data:	the message
 * @len:	its length
 * @max_frame:	the longest frame this end takes
 * @hdr:	set to the header, when it is good
 *
 * Only the header is checked here: the checksum offsets are checked
 * against the frame by skb_partial_csum_set().
 *
 * Return: the frame's length, or -EINVAL for a message too short for a
 * header and an Ethernet header, or with unknown flags or reserved bits
 * set, -EMSGSIZE for a frame longer than @max_frame.
 */
VISIBLE_IF_KUNIT int mknet_frame_check(const void *data, u32 len,
				       u32 max_frame,
				       struct multikernel_net_hdr *hdr)
{
	if (len < sizeof(*hdr) + ETH_HLEN)
		return -EINVAL;
	memcpy(hdr, data, sizeof(*hdr));
	if (hdr->flags & ~MULTIKERNEL_NET_CSUM_PARTIAL || hdr->reserved)
		return -EINVAL;
	if (len - sizeof(*hdr) > max_frame)
		return -EMSGSIZE;
	return len - sizeof(*hdr);
}
EXPORT_SYMBOL_IF_KUNIT(mknet_frame_check);

/**
 * mknet_build_skb() - a received frame as an skb for the stack
 * @dev:	the device it came to
 * @data:	the message from the peer
 * @len:	its length
 * @reason:	set to why, when the frame is dropped
 *
 * Any context.
 *
 * Return: the skb, its protocol and checksum state set, or NULL.
 */
VISIBLE_IF_KUNIT struct sk_buff *mknet_build_skb(struct net_device *dev,
						 const void *data, u32 len,
						 const char **reason)
{
	struct multikernel_net_hdr hdr;
	struct sk_buff *skb;
	int n;

	n = mknet_frame_check(data, len, dev->mtu + VLAN_ETH_HLEN, &hdr);
	if (n < 0) {
		*reason = n == -EMSGSIZE ? "longer than the MTU" :
			"malformed header";
		return NULL;
	}
	skb = netdev_alloc_skb_ip_align(dev, n);
	if (!skb) {
		*reason = "out of memory";
		return NULL;
	}
	skb_put_data(skb, data + sizeof(hdr), n);
	/* Offsets from the Ethernet header: before eth_type_trans(). */
	if (hdr.flags & MULTIKERNEL_NET_CSUM_PARTIAL &&
	    (hdr.csum_start < ETH_HLEN ||
	     !skb_partial_csum_set(skb, hdr.csum_start, hdr.csum_offset))) {
		kfree_skb(skb);
		*reason = "checksum offsets outside the frame";
		return NULL;
	}
	skb->protocol = eth_type_trans(skb, dev);
	return skb;
}
EXPORT_SYMBOL_IF_KUNIT(mknet_build_skb);

/* A frame from @peer, with interrupts off. */
static void mknet_receive(unsigned int peer, u16 type, const void *data,
			  u32 len)
{
	struct net_device *dev = mknet_dev(peer);
	const char *reason = "unknown message type";
	struct sk_buff *skb = NULL;

	if (!dev)
		return;
	if (type == MULTIKERNEL_NET_FRAME)
		skb = mknet_build_skb(dev, data, len, &reason);
	if (!skb) {
		DEV_STATS_INC(dev, rx_errors);
		net_warn_ratelimited("%s: frame from the peer dropped: %s\n",
				     dev->name, reason);
		return;
	}
	/* Counted before the stack may free it. */
	DEV_STATS_INC(dev, rx_packets);
	DEV_STATS_ADD(dev, rx_bytes, skb->len + ETH_HLEN);
	netif_rx(skb);
}

static netdev_tx_t mknet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct multikernel_net_hdr *hdr;
	unsigned int frame = skb->len;
	int ret;

	if (frame > dev->mtu + VLAN_ETH_HLEN || skb_linearize(skb) ||
	    skb_cow_head(skb, sizeof(*hdr)))
		goto drop;
	hdr = skb_push(skb, sizeof(*hdr));
	memset(hdr, 0, sizeof(*hdr));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		hdr->flags = MULTIKERNEL_NET_CSUM_PARTIAL;
		hdr->csum_start = skb_checksum_start_offset(skb) - sizeof(*hdr);
		hdr->csum_offset = skb->csum_offset;
	}
	ret = multikernel_send(priv->peer, MULTIKERNEL_CHAN_NET,
			       MULTIKERNEL_NET_FRAME, skb->data, skb->len);
	if (ret == -EAGAIN) {
		/* The peer's doorbell wakes the queue once it made room. */
		skb_pull(skb, sizeof(*hdr));
		netif_stop_queue(dev);
		if (multikernel_writable(priv->peer))
			netif_wake_queue(dev);
		return NETDEV_TX_BUSY;
	}
	if (ret)
		goto drop;
	DEV_STATS_INC(dev, tx_packets);
	DEV_STATS_ADD(dev, tx_bytes, frame);
	consume_skb(skb);
	/* Stop before the next frame finds the ring full. */
	if (!multikernel_writable(priv->peer)) {
		netif_stop_queue(dev);
		/* Room came between the check and the stop: no doorbell. */
		if (multikernel_writable(priv->peer))
			netif_wake_queue(dev);
	}
	return NETDEV_TX_OK;

drop:
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops mknet_ops = {
	.ndo_start_xmit		= mknet_xmit,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_set_mac_address	= eth_mac_addr,
};

static void mknet_link(struct net_device *dev, bool up)
{
	if (up) {
		netif_carrier_on(dev);
		netif_wake_queue(dev);
	} else {
		netif_carrier_off(dev);
	}
}

static int mknet_link_event(struct notifier_block *nb, unsigned long event,
			    void *data)
{
	struct net_device *dev = mknet_dev((unsigned long)data);

	if (!dev)
		return NOTIFY_DONE;
	if (event == MULTIKERNEL_LINK_UP)
		mknet_link(dev, true);
	else if (event == MULTIKERNEL_LINK_DOWN)
		mknet_link(dev, false);
	else if (event == MULTIKERNEL_LINK_WRITABLE)
		netif_wake_queue(dev);
	return NOTIFY_DONE;
}

static struct notifier_block mknet_link_nb = {
	.notifier_call = mknet_link_event,
};

static void mknet_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &mknet_ops;
	dev->needed_headroom = sizeof(struct multikernel_net_hdr);
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = MKNET_MAX_MTU;
	dev->mtu = MKNET_MTU;
	dev->hw_features = NETIF_F_HW_CSUM | NETIF_F_RXCSUM;
	dev->features = dev->hw_features;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
}

/**
 * mknet_addr() - the MAC address of one end of a link
 * @addr:	set to the address
 * @id:		the instance ID
 * @instance_end: the spawned kernel's end rather than the host's
 *
 * Locally administered and the same on every start, so that an
 * operator's neighbour entries and filters keep working.
 */
VISIBLE_IF_KUNIT void mknet_addr(u8 *addr, unsigned int id, bool instance_end)
{
	addr[0] = 0x02;
	addr[1] = 'M';
	addr[2] = 'K';
	addr[3] = instance_end;
	addr[4] = id >> 8;
	addr[5] = id;
}
EXPORT_SYMBOL_IF_KUNIT(mknet_addr);

static struct net_device *mknet_create(unsigned int peer)
{
	unsigned int self = multikernel_instance_id();
	struct net_device *dev;
	char name[IFNAMSIZ];
	u8 addr[ETH_ALEN];
	int ret;

	snprintf(name, sizeof(name), "mk%u", peer);
	dev = alloc_netdev(sizeof(struct mknet_priv), name,
			   NET_NAME_PREDICTABLE, mknet_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	((struct mknet_priv *)netdev_priv(dev))->peer = peer;
	mknet_addr(addr, self ? self : peer, self);
	eth_hw_addr_set(dev, addr);
	netif_carrier_off(dev);
	ret = register_netdev(dev);
	if (ret) {
		free_netdev(dev);
		return ERR_PTR(ret);
	}
	return dev;
}

static int __init mknet_init(void)
{
	unsigned int i, n = multikernel_instance_id() ? 1 : MKNET_INSTANCES;
	struct net_device *dev;
	int ret;

	mknet_devs = kcalloc(n, sizeof(*mknet_devs), GFP_KERNEL);
	if (!mknet_devs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		dev = mknet_create(multikernel_instance_id() ? 0 : i + 1);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			goto undo;
		}
		mknet_devs[i] = dev;
	}
	ret = multikernel_register_handler(MULTIKERNEL_CHAN_NET, mknet_receive);
	if (ret)
		goto undo;
	mknet_nr_devs = n;
	multikernel_register_notifier(&mknet_link_nb);
	/* A link that came up before the notifier was there. */
	for (i = 0; i < n; i++) {
		struct mknet_priv *priv = netdev_priv(mknet_devs[i]);

		if (multikernel_connected(priv->peer))
			mknet_link(mknet_devs[i], true);
	}
	return 0;

undo:
	while (i--)
		unregister_netdev(mknet_devs[i]);
	for (i = 0; i < n; i++)
		if (mknet_devs[i])
			free_netdev(mknet_devs[i]);
	kfree(mknet_devs);
	mknet_devs = NULL;
	pr_err("cannot set up the network link (%d)\n", ret);
	return ret;
}
device_initcall(mknet_init);
