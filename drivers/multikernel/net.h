/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network link over the multikernel link: what its KUnit test
 * reaches.
 */
#ifndef _DRIVERS_MULTIKERNEL_NET_H
#define _DRIVERS_MULTIKERNEL_NET_H

#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <linux/multikernel_wire.h>

struct sk_buff;

/* The largest MTU: a frame, even with a VLAN tag, fits one message. */
#define MKNET_MAX_MTU	(MULTIKERNEL_MSG_MAX - \
			 sizeof(struct multikernel_net_hdr) - VLAN_ETH_HLEN)
/* The longest frame of a segmentation offload, in pieces. */
#define MKNET_GSO_FRAME_MAX	(GSO_LEGACY_MAX_SIZE + VLAN_ETH_HLEN)

/**
 * struct mknet_rx - a frame coming in pieces
 * @skb:	what came of it so far; NULL between frames
 * @hdr:	its header
 * @left:	bytes of it still to come
 * @skip:	the rest of a frame dropped in part is still to come: its
 *		pieces, up to its last, are no frames of their own
 * @features:	the %MULTIKERNEL_F_* features of the link, since it came
 *		up: what the peer may send
 */
struct mknet_rx {
	struct sk_buff *skb;
	struct multikernel_net_hdr hdr;
	u32 left;
	bool skip;
	u32 features;
};

#if IS_ENABLED(CONFIG_KUNIT)
void mknet_rx_reset(struct mknet_rx *rx);
int mknet_hdr_check(const struct multikernel_net_hdr *hdr, u32 max_frame,
		    u32 features);
struct sk_buff *mknet_rx_piece(struct net_device *dev, struct mknet_rx *rx,
			       u16 type, const void *data, u32 len,
			       const char **reason);
void mknet_addr(u8 *addr, unsigned int id, bool instance_end,
		u32 host_id);
#endif

#endif /* _DRIVERS_MULTIKERNEL_NET_H */
