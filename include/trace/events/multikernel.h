/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM multikernel

#if !defined(_TRACE_MULTIKERNEL_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_MULTIKERNEL_H

#include <linux/tracepoint.h>

/* A message offered to the ring to @peer, and what came of it. */
TRACE_EVENT(multikernel_send,
	    TP_PROTO(unsigned int peer, u16 channel, u16 type, u32 len,
		     int ret),
	    TP_ARGS(peer, channel, type, len, ret),
	    TP_STRUCT__entry(__field(unsigned int, peer)
			     __field(u16, channel)
			     __field(u16, type)
			     __field(u32, len)
			     __field(int, ret)),
	    TP_fast_assign(__entry->peer = peer;
			   __entry->channel = channel;
			   __entry->type = type;
			   __entry->len = len;
			   __entry->ret = ret;),
	    TP_printk("peer=%u channel=%u type=%u len=%u ret=%d",
		      __entry->peer, __entry->channel, __entry->type,
		      __entry->len, __entry->ret)
);

/* A message taken from the ring from @peer, before it is delivered. */
TRACE_EVENT(multikernel_receive,
	    TP_PROTO(unsigned int peer, u16 channel, u16 type, u32 len),
	    TP_ARGS(peer, channel, type, len),
	    TP_STRUCT__entry(__field(unsigned int, peer)
			     __field(u16, channel)
			     __field(u16, type)
			     __field(u32, len)),
	    TP_fast_assign(__entry->peer = peer;
			   __entry->channel = channel;
			   __entry->type = type;
			   __entry->len = len;),
	    TP_printk("peer=%u channel=%u type=%u len=%u",
		      __entry->peer, __entry->channel, __entry->type,
		      __entry->len)
);

/* A doorbell rung at @peer's CPU @hwid. */
TRACE_EVENT(multikernel_doorbell,
	    TP_PROTO(unsigned int peer, u32 hwid),
	    TP_ARGS(peer, hwid),
	    TP_STRUCT__entry(__field(unsigned int, peer)
			     __field(u32, hwid)),
	    TP_fast_assign(__entry->peer = peer;
			   __entry->hwid = hwid;),
	    TP_printk("peer=%u hwid=%#x", __entry->peer, __entry->hwid)
);

/* Where instance @id's start went, in ns: see boot_*_us in sysfs. */
TRACE_EVENT(multikernel_boot,
	    TP_PROTO(unsigned int id, u64 prepare_ns, u64 entry_ns,
		     u64 kernel_ns),
	    TP_ARGS(id, prepare_ns, entry_ns, kernel_ns),
	    TP_STRUCT__entry(__field(unsigned int, id)
			     __field(u64, prepare_ns)
			     __field(u64, entry_ns)
			     __field(u64, kernel_ns)),
	    TP_fast_assign(__entry->id = id;
			   __entry->prepare_ns = prepare_ns;
			   __entry->entry_ns = entry_ns;
			   __entry->kernel_ns = kernel_ns;),
	    TP_printk("id=%u prepare_ns=%llu entry_ns=%llu kernel_ns=%llu",
		      __entry->id, __entry->prepare_ns, __entry->entry_ns,
		      __entry->kernel_ns)
);

#endif /* _TRACE_MULTIKERNEL_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
