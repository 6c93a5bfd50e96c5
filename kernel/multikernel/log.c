// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spawned kernel's console log, kept where the host can read it.
 *
 * A spawned kernel registers a console that writes everything printk
 * prints, from the first line of its boot, into a circular buffer at
 * the top of the region it shares with the host. The host shows the
 * buffer in instances/<id>/log, while the instance runs and after it
 * crashed, failed to start or stopped, until the next start lays the
 * region out again: the record of a kernel that died before its
 * console over the link was up, like remoteproc's trace buffers.
 *
 * The spawned kernel only writes the buffer; the host only reads it and
 * trusts nothing in it: it uses its own idea of where the buffer is and
 * how large, and only the head index comes from the peer, which bounds
 * nothing the host copies.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/console.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

/**
 * mk_log_copy() - copy part of a circular log that another kernel writes
 * @data:	the log's data
 * @size:	bytes of @data
 * @head:	bytes ever written to it, as read once from the writer
 * @buf:	where to copy to
 * @off:	offset into the text kept, oldest byte first
 * @count:	bytes wanted
 *
 * The text kept is the last @size bytes written, or all of them while
 * fewer were. Any @head gives a copy within @data.
 *
 * Return: bytes copied: 0 at or past the end of the text kept.
 */
size_t mk_log_copy(const u8 *data, u32 size, u64 head, char *buf,
		   loff_t off, size_t count)
{
	u64 start = head > size ? head - size : 0;
	size_t done = 0, n;
	u64 pos;
	u32 at;

	if (!size || off < 0 || off >= head - start)
		return 0;
	count = min_t(u64, count, head - start - off);
	pos = start + off;
	while (done < count) {
		div_u64_rem(pos, size, &at);
		n = min_t(size_t, count - done, size - at);
		memcpy(buf + done, data + at, n);
		done += n;
		pos += n;
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(mk_log_copy);

/**
 * mk_log_read() - read an instance's console log
 * @mi:		the instance
 * @buf:	where to copy to
 * @off:	offset into the text kept
 * @count:	bytes wanted
 *
 * The instance may write while the host reads: a read that spans calls
 * can see a seam where the buffer wrapped between them.
 *
 * Return: bytes copied, 0 when it has not run since it was loaded, or
 * -EINTR.
 */
ssize_t mk_log_read(struct mk_instance *mi, char *buf, loff_t off,
		    size_t count)
{
	struct multikernel_log *log;
	ssize_t n = 0;
	u64 head;

	/* The largest rings end below the log. */
	BUILD_BUG_ON(PAGE_SIZE + 2 * ALIGN(sizeof(struct multikernel_ring) +
					   MULTIKERNEL_RING_MAX, PAGE_SIZE) >
		     MULTIKERNEL_SHARED_SIZE - MK_LOG_SIZE);
	if (mutex_lock_interruptible(&mk_lock))
		return -EINTR;
	if (mi->image && mi->started) {
		/* Where the host put it, not where the header now says. */
		log = (void *)mi->hdr + resource_size(&mi->shared) - MK_LOG_SIZE;
		/* Pairs with the release in mk_log_write(). */
		head = smp_load_acquire(&log->head);
		n = mk_log_copy(log->data, MK_LOG_SIZE - sizeof(*log), head,
				buf, off, count);
	}
	mutex_unlock(&mk_lock);
	return n;
}

/* In a spawned kernel: the buffer, its data bytes, and bytes written. */
static struct multikernel_log *mk_log;
static u32 mk_log_size;
static u64 mk_log_head;

/* Serialized by the console lock; never reads the buffer back. */
static void mk_log_write(struct console *con, const char *s, unsigned int len)
{
	u32 at, n;

	while (len) {
		div_u64_rem(mk_log_head, mk_log_size, &at);
		n = min(len, mk_log_size - at);
		memcpy(mk_log->data + at, s, n);
		mk_log_head += n;
		s += n;
		len -= n;
	}
	/* Pairs with the acquire in mk_log_read(). */
	smp_store_release(&mk_log->head, mk_log_head);
}

static struct console mk_log_console = {
	.name	= "mklog",
	.write	= mk_log_write,
	/* Enabled whatever console= says, and given the boot so far. */
	.flags	= CON_PRINTBUFFER | CON_ENABLED | CON_ANYTIME,
	.index	= 0,
};

/**
 * mk_log_start() - keep this spawned kernel's console log for the host
 * @hdr:	its mapping of the shared region, which must then stay
 * @size:	the region's size
 *
 * Return: true when the log console writes into @hdr from now on.
 */
bool mk_log_start(struct multikernel_shared_header *hdr, u32 size)
{
	u32 off = READ_ONCE(hdr->log_offset);
	u32 len = READ_ONCE(hdr->log_size);

	if (off < sizeof(*hdr) || off % 64 || off > size || len > size - off ||
	    len <= sizeof(*mk_log)) {
		pr_warn("the shared region has no valid log buffer (%#x bytes at %#x); the host sees no log\n",
			len, off);
		return false;
	}
	mk_log = (void *)hdr + off;
	mk_log_size = len - sizeof(*mk_log);
	register_console(&mk_log_console);
	return true;
}
