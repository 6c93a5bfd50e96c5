/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network link over the multikernel link: what its KUnit test
 * reaches.
 */
#ifndef _DRIVERS_MULTIKERNEL_NET_H
#define _DRIVERS_MULTIKERNEL_NET_H

#include <linux/if_vlan.h>
#include <linux/types.h>
#include <uapi/linux/multikernel.h>

struct net_device;
struct sk_buff;

/* The largest MTU: a frame, even with a VLAN tag, fits one message. */
#define MKNET_MAX_MTU	(MULTIKERNEL_MSG_MAX - \
			 sizeof(struct multikernel_net_hdr) - VLAN_ETH_HLEN)

#if IS_ENABLED(CONFIG_KUNIT)
int mknet_frame_check(const void *data, u32 len, u32 max_frame,
		      struct multikernel_net_hdr *hdr);
struct sk_buff *mknet_build_skb(struct net_device *dev, const void *data,
				u32 len, const char **reason);
void mknet_addr(u8 *addr, unsigned int id, bool instance_end);
#endif

#endif /* _DRIVERS_MULTIKERNEL_NET_H */
