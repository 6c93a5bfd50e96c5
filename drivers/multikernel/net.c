// SPDX-License-Identifier: GPL-2.0-only
/*
 * A network link between the host and each spawned kernel, over the
 * link between the two kernels.
 *
 * Each end is an Ethernet device: mk<id> on the host for instance <id>,
 * mk0 in the spawned kernel (its link to the host, peer 0). A frame
 * crosses as a struct multikernel_net_hdr and the frame, in one message
 * on the network channel or, for the long frames of segmentation
 * offload, in pieces that the core sends all together or not at all.
 * The sender copies the frame into the ring, the receiver out of it
 * into a new skb: no memory of either kernel but the shared region is
 * touched. The header carries checksum and segmentation offload as
 * virtio-net does, and the receiver checks it with the same helper a
 * tap device uses on what user space writes.
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
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/init.h>
#include <linux/multikernel.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/virtio_net.h>
#include <kunit/visibility.h>
#include <linux/multikernel_wire.h>

#include "net.h"

#define MKNET_INSTANCES		CONFIG_MULTIKERNEL_INSTANCES
#define MKNET_MTU		4000

/**
 * struct mknet_priv - one end of a network link
 * @peer:	the kernel at the other end: an instance ID on the host,
 *		0 (the host) in a spawned kernel
 * @rx_lock:	serializes @rx between the link's dispatch and its events
 * @rx:		the frame coming in pieces
 */
struct mknet_priv {
	unsigned int peer;
	spinlock_t rx_lock;	/* for @rx */
	struct mknet_rx rx;
};

/**
 * struct mknet_tx - a frame on its way out
 * @hdr:	its header
 * @skb:	the frame
 */
struct mknet_tx {
	struct multikernel_net_hdr hdr;
	const struct sk_buff *skb;
};

/* By peer, once probed: on the host the instances, in a spawned kernel [0]. */
static struct net_device *mknet_devs[MKNET_INSTANCES + 1];

static struct net_device *mknet_dev(unsigned int peer)
{
	if (peer > MKNET_INSTANCES)
		return NULL;
	/* Pairs with the release in mknet_probe(). */
	return smp_load_acquire(&mknet_devs[peer]);
}

static_assert(offsetof(struct multikernel_net_hdr, reserved) ==
	      sizeof(struct virtio_net_hdr));
/* No padding: every byte of a header sent is one set by the sender. */
static_assert(sizeof(struct multikernel_net_hdr) == 16);

/**
 * mknet_hdr_check() - check a frame's header from the peer
 * @hdr:	the header
 * @max_frame:	the longest frame without segmentation offload that this
 *		end takes
 * @features:	the %MULTIKERNEL_F_* features both kernels agreed on
 *
 * The offsets are checked against the frame once it is all there.
 *
 * Return: 0, or -EINVAL for a flag, an offload or a reserved field this
 * end does not know or did not agree to, -EMSGSIZE for a frame too short
 * or too long.
 */
VISIBLE_IF_KUNIT int mknet_hdr_check(const struct multikernel_net_hdr *hdr,
				     u32 max_frame, u32 features)
{
	if (hdr->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM || hdr->reserved)
		return -EINVAL;
	if ((hdr->flags && !(features & MULTIKERNEL_F_NET_CSUM)) ||
	    (hdr->gso_type && !(features & MULTIKERNEL_F_NET_GSO)))
		return -EINVAL;
	/* Only the offloads this end offers, TCP's. */
	switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (hdr->gso_type)
			return -EINVAL;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		/* Which its sender always leaves to be completed. */
		if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			return -EINVAL;
		max_frame = MKNET_GSO_FRAME_MAX;
		break;
	default:
		return -EINVAL;
	}
	if (le32_to_cpu(hdr->frame_len) < ETH_HLEN ||
	    le32_to_cpu(hdr->frame_len) > max_frame)
		return -EMSGSIZE;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mknet_hdr_check);

/**
 * mknet_rx_reset() - drop a frame that came only in part
 * @rx:		its state
 */
VISIBLE_IF_KUNIT void mknet_rx_reset(struct mknet_rx *rx)
{
	dev_kfree_skb_any(rx->skb);
	rx->skb = NULL;
	rx->left = 0;
	rx->skip = false;
}
EXPORT_SYMBOL_IF_KUNIT(mknet_rx_reset);

/**
 * mknet_rx_drop() - drop a piece, and the frame it is part of
 * @rx:		the state of the frame coming in pieces
 * @type:	the piece's message type
 *
 * The pieces that still follow are no frames of their own: they are
 * skipped up to the frame's last.
 */
static void mknet_rx_drop(struct mknet_rx *rx, u16 type)
{
	mknet_rx_reset(rx);
	rx->skip = type == MULTIKERNEL_NET_FRAME_MORE;
}

/*
 * Does a message of @len bytes, @n of them the frame's, not fit where
 * @left bytes of the frame are still to come? Every piece but the last
 * fills a message and leaves some; the last one ends the frame.
 */
static bool mknet_piece_bad(u16 type, u32 len, u32 n, u32 left)
{
	if (type == MULTIKERNEL_NET_FRAME)
		return n != left;
	return len != MULTIKERNEL_MSG_MAX || n >= left;
}

/* Dropped for want of memory, not for what the peer sent. */
static const char mknet_no_memory[] = "out of memory";

/* The first piece of a frame: its header and the frame's first bytes. */
static const char *mknet_rx_first(struct net_device *dev, struct mknet_rx *rx,
				  u16 type, const void *data, u32 len)
{
	u32 n;

	if (len < sizeof(rx->hdr) + ETH_HLEN)
		return "too short for the headers";
	memcpy(&rx->hdr, data, sizeof(rx->hdr));
	switch (mknet_hdr_check(&rx->hdr, dev->mtu + VLAN_ETH_HLEN,
				rx->features)) {
	case 0:
		break;
	case -EMSGSIZE:
		return "longer than the MTU allows";
	default:
		return "unknown or unagreed flags, offload or reserved bits";
	}
	n = len - sizeof(rx->hdr);
	if (mknet_piece_bad(type, len, n, le32_to_cpu(rx->hdr.frame_len)))
		return "pieces that do not add up to the frame";
	rx->skb = netdev_alloc_skb_ip_align(dev, n);
	if (!rx->skb)
		return mknet_no_memory;
	skb_put_data(rx->skb, data + sizeof(rx->hdr), n);
	rx->left = le32_to_cpu(rx->hdr.frame_len) - n;
	return NULL;
}

/* A further piece of a frame, into a page of its own. */
static const char *mknet_rx_more(struct mknet_rx *rx, u16 type,
				 const void *data, u32 len)
{
	struct sk_buff *skb = rx->skb;
	struct page *page;

	BUILD_BUG_ON(MULTIKERNEL_MSG_MAX > PAGE_SIZE);
	if (mknet_piece_bad(type, len, len, rx->left) ||
	    skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS)
		return "pieces that do not add up to the frame";
	page = alloc_page(GFP_ATOMIC);
	if (!page)
		return mknet_no_memory;
	memcpy(page_address(page), data, len);
	skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, len,
			PAGE_SIZE);
	rx->left -= len;
	return NULL;
}

/**
 * mknet_rx_piece() - take a message of the network channel from the peer
 * @dev:	the device it came to
 * @rx:		the state of the frame coming in pieces
 * @type:	the message's type
 * @data:	the message
 * @len:	its length
 * @reason:	set to why, when a frame is dropped; NULL otherwise
 *
 * Any context, with @rx serialized.
 *
 * Return: a whole frame as an skb for the stack, its protocol, checksum
 * and segmentation state set; NULL when more pieces are to come or when
 * the frame was dropped.
 */
VISIBLE_IF_KUNIT struct sk_buff *mknet_rx_piece(struct net_device *dev,
						struct mknet_rx *rx, u16 type,
						const void *data, u32 len,
						const char **reason)
{
	struct sk_buff *skb;

	*reason = NULL;
	if (rx->skip) {
		rx->skip = type != MULTIKERNEL_NET_FRAME;
		return NULL;
	}
	if (type != MULTIKERNEL_NET_FRAME && type != MULTIKERNEL_NET_FRAME_MORE)
		*reason = "unknown message type";
	else if (!rx->skb)
		*reason = mknet_rx_first(dev, rx, type, data, len);
	else
		*reason = mknet_rx_more(rx, type, data, len);
	if (*reason) {
		mknet_rx_drop(rx, type);
		return NULL;
	}
	if (rx->left)
		return NULL;
	skb = rx->skb;
	rx->skb = NULL;
	/* Offsets from the Ethernet header: before eth_type_trans(). */
	if (virtio_net_hdr_to_skb(skb, (struct virtio_net_hdr *)&rx->hdr,
				  true)) {
		dev_kfree_skb_any(skb);
		*reason = "checksum or segmentation fields that do not fit it";
		return NULL;
	}
	/*
	 * A segment size past the frame's end makes it one segment, which
	 * the MTU bounds as any frame without offload. (The segment size
	 * of a real GSO frame is the sender's business, as for a tap.)
	 */
	if (!skb_is_gso(skb) && skb->len > dev->mtu + VLAN_ETH_HLEN) {
		dev_kfree_skb_any(skb);
		*reason = "longer than the MTU allows";
		return NULL;
	}
	skb->protocol = eth_type_trans(skb, dev);
	if (rx->hdr.gso_type &&
	    !virtio_net_hdr_match_proto(skb->protocol, rx->hdr.gso_type)) {
		dev_kfree_skb_any(skb);
		*reason = "segmentation offload of another protocol";
		return NULL;
	}
	return skb;
}
EXPORT_SYMBOL_IF_KUNIT(mknet_rx_piece);

/* A message of the network channel from @peer, with interrupts off. */
static void mknet_receive(unsigned int peer, u16 type, const void *data,
			  u32 len)
{
	struct net_device *dev = mknet_dev(peer);
	struct mknet_priv *priv;
	const char *reason;
	struct sk_buff *skb;

	if (!dev)
		return;
	priv = netdev_priv(dev);
	spin_lock(&priv->rx_lock);
	/* Before hello the features are not agreed, and nothing is sent. */
	if (netif_running(dev) && multikernel_connected(peer)) {
		/* Set at the peer's hello, before the messages after it. */
		priv->rx.features = multikernel_peer_features(peer);
		skb = mknet_rx_piece(dev, &priv->rx, type, data, len, &reason);
	} else {
		/* Down, or not up yet: nothing would take it. */
		mknet_rx_drop(&priv->rx, type);
		DEV_STATS_INC(dev, rx_dropped);
		skb = NULL;
		reason = NULL;
	}
	spin_unlock(&priv->rx_lock);
	if (reason == mknet_no_memory) {
		DEV_STATS_INC(dev, rx_dropped);
	} else if (reason) {
		DEV_STATS_INC(dev, rx_errors);
		net_warn_ratelimited("%s: frame from the peer dropped: %s\n",
				     dev->name, reason);
	}
	if (!skb)
		return;
	/* Counted before the stack may free it. */
	DEV_STATS_INC(dev, rx_packets);
	DEV_STATS_ADD(dev, rx_bytes, skb->len + ETH_HLEN);
	netif_rx(skb);
}

/*
 * Write a part of the header and frame straight into the ring: the
 * frame's bytes are copied once on their way out.
 */
static void mknet_copy(void *dst, const void *src, u32 off, u32 len)
{
	const struct mknet_tx *tx = src;
	u32 n;

	if (off < sizeof(tx->hdr)) {
		n = min_t(u32, len, sizeof(tx->hdr) - off);
		memcpy(dst, (const u8 *)&tx->hdr + off, n);
		dst += n;
		off += n;
		len -= n;
	}
	/*
	 * Within the frame: the length came from it. Were it wrong, the
	 * peer gets zeros, never what the ring held before.
	 */
	if (len && WARN_ON_ONCE(skb_copy_bits(tx->skb, off - sizeof(tx->hdr),
					      dst, len)))
		memset(dst, 0, len);
}

static netdev_tx_t mknet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mknet_priv *priv = netdev_priv(dev);
	struct mknet_tx tx = { .skb = skb };
	struct multikernel_net_hdr *hdr = &tx.hdr;
	u32 len = sizeof(*hdr) + skb->len;
	u32 agreed;
	int ret;

	/*
	 * The stack completed what the peer did not agree to, unless the
	 * frame was checked under an earlier run's features (a requeue).
	 */
	agreed = multikernel_peer_features(priv->peer);
	if ((skb_is_gso(skb) && !(agreed & MULTIKERNEL_F_NET_GSO)) ||
	    (skb->ip_summed == CHECKSUM_PARTIAL &&
	     !(agreed & MULTIKERNEL_F_NET_CSUM) && skb_checksum_help(skb)))
		goto drop;
	if (skb->len > MKNET_GSO_FRAME_MAX ||
	    virtio_net_hdr_from_skb(skb, (struct virtio_net_hdr *)hdr, true,
				    false, 0))
		goto drop;
	hdr->frame_len = cpu_to_le32(skb->len);
	/* One doorbell check for a burst of frames, at its last. */
	ret = multikernel_send_pieces(priv->peer, MULTIKERNEL_CHAN_NET,
				      MULTIKERNEL_NET_FRAME_MORE,
				      MULTIKERNEL_NET_FRAME, mknet_copy, &tx,
				      len, netdev_xmit_more());
	if (ret == -EAGAIN) {
		/*
		 * The queue stops below when a frame might not fit, but the
		 * console and the raw channel share the ring and may have
		 * taken the room since. The peer's doorbell wakes the queue
		 * once it made room; the stack keeps the frame meanwhile.
		 */
		netif_stop_queue(dev);
		if (multikernel_writable_for(priv->peer, len))
			netif_wake_queue(dev);
		return NETDEV_TX_BUSY;
	}
	if (ret)
		goto drop;
	DEV_STATS_INC(dev, tx_packets);
	DEV_STATS_ADD(dev, tx_bytes, skb->len);
	consume_skb(skb);
	/* Stop before the next frame finds the ring full. */
	if (!multikernel_writable_for(priv->peer, MULTIKERNEL_PIECES_MAX)) {
		/* No next frame will end the burst: ring for it now. */
		multikernel_flush(priv->peer);
		netif_stop_queue(dev);
		/* Room came between the check and the stop: no doorbell. */
		if (multikernel_writable_for(priv->peer, MULTIKERNEL_PIECES_MAX))
			netif_wake_queue(dev);
	}
	return NETDEV_TX_OK;

drop:
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	/* The burst's last frame may be this one. */
	multikernel_flush(priv->peer);
	return NETDEV_TX_OK;
}

/*
 * Offloads only where the peer's kernel agreed to them, segmentation
 * only for frames the ring to the peer takes: the stack completes the
 * rest before the frame gets here.
 */
static netdev_features_t mknet_features_check(struct sk_buff *skb,
					      struct net_device *dev,
					      netdev_features_t features)
{
	struct mknet_priv *priv = netdev_priv(dev);
	u32 agreed = multikernel_peer_features(priv->peer);

	features = vlan_features_check(skb, features);
	if (!(agreed & MULTIKERNEL_F_NET_CSUM))
		features &= ~NETIF_F_CSUM_MASK;
	if (!(agreed & MULTIKERNEL_F_NET_GSO) ||
	    (skb_is_gso(skb) &&
	     multikernel_send_max(priv->peer) <
	     sizeof(struct multikernel_net_hdr) + MKNET_GSO_FRAME_MAX))
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

static void mknet_get_drvinfo(struct net_device *dev,
			      struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "multikernel", sizeof(info->driver));
}

static const struct ethtool_ops mknet_ethtool_ops = {
	.get_drvinfo	= mknet_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

static const struct net_device_ops mknet_ops = {
	.ndo_start_xmit		= mknet_xmit,
	.ndo_features_check	= mknet_features_check,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_set_mac_address	= eth_mac_addr,
};

/*
 * The carrier follows the link as it is now, not as the event said: a
 * link closed right after it came up may tell its two events in either
 * order. Under the receive lock, so that the last to set it saw the
 * link last.
 */
static void mknet_link(struct net_device *dev, unsigned int peer)
{
	struct mknet_priv *priv = netdev_priv(dev);
	unsigned long flags;

	spin_lock_irqsave(&priv->rx_lock, flags);
	if (multikernel_connected(peer)) {
		netif_carrier_on(dev);
		netif_wake_queue(dev);
	} else {
		/* A frame cut short by the peer's end never completes. */
		mknet_rx_reset(&priv->rx);
		netif_carrier_off(dev);
	}
	spin_unlock_irqrestore(&priv->rx_lock, flags);
}

static int mknet_link_event(struct notifier_block *nb, unsigned long event,
			    void *data)
{
	unsigned long peer = (unsigned long)data;
	struct net_device *dev = mknet_dev(peer);

	if (!dev)
		return NOTIFY_DONE;
	if (event == MULTIKERNEL_LINK_UP || event == MULTIKERNEL_LINK_DOWN)
		mknet_link(dev, peer);
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
	dev->ethtool_ops = &mknet_ethtool_ops;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = MKNET_MAX_MTU;
	dev->mtu = MKNET_MTU;
	dev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM |
			   NETIF_F_TSO | NETIF_F_TSO_ECN | NETIF_F_TSO6;
	dev->features = dev->hw_features;
	netif_set_tso_max_size(dev, GSO_LEGACY_MAX_SIZE);
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
}

/**
 * mknet_addr() - the MAC address of one end of a link
 * @addr:	set to the address
 * @id:		the instance ID
 * @instance_end: the spawned kernel's end rather than the host's
 * @host_id:	multikernel_host_id(), 0 for a host that gave none
 *
 * Locally administered and the same on every start while the host
 * runs, so that an operator's neighbour entries and filters keep
 * working; with 24 bits of the host's identity, so that links of
 * different hosts bridged together rarely share one. A host that gave
 * no identity (an older one) gets the addresses it would have used.
 */
VISIBLE_IF_KUNIT void mknet_addr(u8 *addr, unsigned int id, bool instance_end,
				 u32 host_id)
{
	if (host_id) {
		/* Not 0x02: never one of the addresses without it. */
		addr[0] = instance_end ? 0x0e : 0x0a;
		addr[1] = host_id >> 16;
		addr[2] = host_id >> 8;
		addr[3] = host_id;
	} else {
		addr[0] = 0x02;
		addr[1] = 'M';
		addr[2] = 'K';
		addr[3] = instance_end;
	}
	addr[4] = id >> 8;
	addr[5] = id;
}
EXPORT_SYMBOL_IF_KUNIT(mknet_addr);

static struct net_device *mknet_create(unsigned int peer, struct device *parent)
{
	unsigned int self = multikernel_instance_id();
	struct mknet_priv *priv;
	struct net_device *dev;
	char name[IFNAMSIZ];
	u8 addr[ETH_ALEN];
	int ret;

	snprintf(name, sizeof(name), "mk%u", peer);
	dev = alloc_netdev(sizeof(struct mknet_priv), name,
			   NET_NAME_PREDICTABLE, mknet_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	priv = netdev_priv(dev);
	priv->peer = peer;
	spin_lock_init(&priv->rx_lock);
	mknet_addr(addr, self ? self : peer, self, multikernel_host_id());
	eth_hw_addr_set(dev, addr);
	SET_NETDEV_DEV(dev, parent);
	netif_carrier_off(dev);
	ret = register_netdev(dev);
	if (ret) {
		free_netdev(dev);
		return ERR_PTR(ret);
	}
	return dev;
}

/* The "net" function of the link to a peer: its mk<peer>. */
static int mknet_probe(struct multikernel_device *mdev)
{
	struct net_device *dev;

	if (mdev->peer > MKNET_INSTANCES)
		return -EINVAL;
	dev = mknet_create(mdev->peer, &mdev->dev);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev_set_drvdata(&mdev->dev, dev);
	/* Registered before the link's events and messages find it. */
	smp_store_release(&mknet_devs[mdev->peer], dev);
	/* A link that came up before the device was there. */
	mknet_link(dev, mdev->peer);
	return 0;
}

static struct multikernel_driver mknet_driver = {
	.probe	= mknet_probe,
	.driver	= {
		.name		= "net",
		.probe_type	= PROBE_FORCE_SYNCHRONOUS,
	},
};

static int __init mknet_init(void)
{
	int ret;

	ret = multikernel_register_handler(MULTIKERNEL_CHAN_NET, mknet_receive);
	if (ret)
		goto fail;
	multikernel_register_notifier(&mknet_link_nb);
	ret = multikernel_register_driver(&mknet_driver);
	if (ret) {
		multikernel_unregister_notifier(&mknet_link_nb);
		multikernel_unregister_handler(MULTIKERNEL_CHAN_NET);
		goto fail;
	}
	return 0;

fail:
	pr_err("cannot set up the network link (%d)\n", ret);
	return ret;
}
device_initcall(mknet_init);
