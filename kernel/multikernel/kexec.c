// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading kernels into multikernel instances with kexec_file_load().
 *
 * KEXEC_FILE_MULTIKERNEL with an instance ID in the flags loads (or with
 * KEXEC_FILE_UNLOAD, unloads) that instance's image. The image is kept in
 * the instance, beside the ordinary and the crash images. Its memory is
 * taken from the pool when the load begins and every segment is placed
 * inside it, the way a crash kernel is placed inside crashk_res: the
 * image is a KEXEC_TYPE_MULTIKERNEL kimage whose reserved region is the
 * instance's memory.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/sha2.h>

#include "../kexec_internal.h"
#include "internal.h"

static struct mk_instance *mk_flags_instance(unsigned long flags)
{
	return mk_instance_get((flags & KEXEC_FILE_MK_ID_MASK) >>
			       KEXEC_FILE_MK_ID_SHIFT);
}

/* Nothing assigned and nothing loaded: the slot is free. */
static void mk_instance_clear(struct mk_instance *mi)
{
	cpumask_clear(mi->cpus);
	mi->mem_size = 0;
	WRITE_ONCE(mi->kernel_size, 0);
	WRITE_ONCE(mi->initrd_size, 0);
	kfree(mi->cmdline);
	mi->cmdline = NULL;
}

static void mk_instance_free_mem(struct mk_instance *mi)
{
	if (!mi->mem.parent)
		return;
	mk_lifecycle_unload(mi);
	release_resource(&mi->shared);
	release_resource(&mi->mem);
	mk_pool_release(mi->mem.start, resource_size(&mi->mem));
	mi->mem.start = 0;
	mi->mem.end = 0;
}

static int mk_instance_alloc_mem(struct mk_instance *mi)
{
	u64 addr;
	int ret;

	if (mi->mem_size <= MULTIKERNEL_SHARED_SIZE) {
		mk_set_error(mi, -EINVAL, "cannot load: %lluM is too little (%uM is shared)",
			     mi->mem_size >> 20, MULTIKERNEL_SHARED_SIZE >> 20);
		return -EINVAL;
	}
	ret = mk_pool_alloc(mi->mem_size, &addr);
	if (ret) {
		mk_set_error(mi, ret, "no free %lluM range in the pool (%lluM free in all)",
			     mi->mem_size >> 20, mk_pool_avail() >> 20);
		return ret;
	}
	mi->mem.name = mi->mem_name;
	mi->mem.start = addr;
	mi->mem.end = addr + mi->mem_size - 1;
	mi->mem.flags = IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY;
	mi->mem.desc = IORES_DESC_RESERVED;
	ret = request_resource(mk_pool_resource(), &mi->mem);
	if (!ret) {
		/* The top of it is shared with the host; the rest is RAM. */
		mi->shared.name = mi->shared_name;
		mi->shared.start = mi->mem.end + 1 - MULTIKERNEL_SHARED_SIZE;
		mi->shared.end = mi->mem.end;
		mi->shared.flags = IORESOURCE_MEM | IORESOURCE_BUSY;
		mi->shared.desc = IORES_DESC_RESERVED;
		ret = request_resource(&mi->mem, &mi->shared);
		if (ret)
			release_resource(&mi->mem);
		mi->ram.start = mi->mem.start;
		mi->ram.end = mi->shared.start - 1;
	}
	if (ret) {
		mk_pool_release(addr, mi->mem_size);
		mi->mem.start = 0;
		mi->mem.end = 0;
		mk_set_error(mi, ret, "its pool range is in use");
	}
	return ret;
}

/**
 * multikernel_kexec_begin() - pick the instance a kexec_file_load() is for
 * @flags:	the syscall's flags, with KEXEC_FILE_MULTIKERNEL and an ID
 * @cmdline:	the command line the image is loaded with
 * @cmdline_len: its length, including the terminating NUL
 * @dest:	set to where the instance keeps its image
 *
 * Called with the kexec lock held. On success, for an unload the
 * instance is locked until multikernel_kexec_end(); a load has taken
 * its memory from the pool, put it in the "loading" state, which
 * refuses every other change, and zeroed the memory. It leaves the
 * instance unlocked while the memory is zeroed and the files are read
 * and checked, so that a large or slow load holds up no other
 * instance. On failure nothing changed.
 *
 * Return: 0, or -EINVAL for bad flags or an instance with no CPUs or
 * memory assigned, -ENOENT to unload an empty instance, -EBUSY to load
 * a loaded one or unload a running one, -ENOSPC when the pool has no
 * range large enough.
 */
int multikernel_kexec_begin(unsigned long flags, const char __user *cmdline,
			    unsigned long cmdline_len, struct kimage ***dest)
{
	unsigned long id = (flags & KEXEC_FILE_MK_ID_MASK) >> KEXEC_FILE_MK_ID_SHIFT;
	struct mk_instance *mi = mk_flags_instance(flags);
	enum mk_state next;
	int ret;

	if (!(flags & KEXEC_FILE_MULTIKERNEL) || (flags & KEXEC_FILE_ON_CRASH)) {
		pr_info("kexec_file_load: bad multikernel flags %#lx\n", flags);
		return -EINVAL;
	}
	if (!mi) {
		pr_info("kexec_file_load: no instance %lu (1..%u)\n", id,
			MK_MAX_INSTANCES);
		return -EINVAL;
	}

	mutex_lock(&mk_lock);
	if (flags & KEXEC_FILE_UNLOAD) {
		ret = mk_state_next(mi->state, MK_EV_UNLOAD, &next);
		/* Unloading an empty, configured slot frees its CPUs. */
		if (ret == -ENOENT && (mi->mem_size || !cpumask_empty(mi->cpus)))
			ret = 0;
		if (ret && mi->state == MK_FAILED) {
			mk_set_error(mi, ret,
				     "cannot unload: a CPU was not confirmed reset; its CPUs and memory stay reserved until the host reboots");
			goto fail;
		}
		if (ret) {
			mk_set_error(mi, ret, "cannot unload: instance is %s",
				     mk_state_name(mi->state));
			goto fail;
		}
	} else {
		ret = mk_state_next(mi->state, MK_EV_LOAD, &next);
		if (ret) {
			mk_set_error(mi, ret, "cannot load: instance is %s",
				     mk_state_name(mi->state));
			goto fail;
		}
		/*
		 * With KEXEC_SIG, kexec_file_load() refuses an unsigned image
		 * under lockdown itself. Without it nothing would check the
		 * image, and the instance could write host memory.
		 */
		if (!IS_ENABLED(CONFIG_KEXEC_SIG)) {
			ret = security_locked_down(LOCKDOWN_KEXEC);
			if (ret) {
				mk_set_error(mi, ret,
					     "cannot load: the host is locked down and this kernel cannot check image signatures");
				goto fail;
			}
		}
		ret = -EINVAL;
		if (cpumask_empty(mi->cpus)) {
			mk_set_error(mi, ret, "cannot load: no CPUs assigned");
			goto fail;
		}
		if (!mi->mem_size) {
			mk_set_error(mi, ret, "cannot load: no memory assigned");
			goto fail;
		}
		ret = mk_instance_alloc_mem(mi);
		if (ret)
			goto fail;

		kfree(mi->cmdline);
		mi->cmdline = NULL;
		if (cmdline_len) {
			mi->cmdline = strndup_user(cmdline, cmdline_len);
			if (IS_ERR(mi->cmdline)) {
				ret = PTR_ERR(mi->cmdline);
				mi->cmdline = NULL;
				mk_instance_free_mem(mi);
				mk_set_error(mi, ret, "cannot load: bad command line");
				goto fail;
			}
		}
		mi->state = next;
		*dest = &mi->image;
		mutex_unlock(&mk_lock);
		/*
		 * Pool memory may hold anything: a run of another instance,
		 * or whatever was there before this kernel booted or was
		 * kexec'd. "loading" keeps the memory the instance's, and
		 * the image is copied in after this. A large instance takes
		 * a while, which holds up no start, stop or kill of another
		 * (other loads wait for kexec's lock, as they always do).
		 */
		mk_wipe_mem(mi->mem.start, resource_size(&mi->mem));
		return 0;
	}
	*dest = &mi->image;
	return 0;

fail:
	mutex_unlock(&mk_lock);
	return ret;
}

/**
 * multikernel_kimage_init() - make a new kimage an instance's image
 * @image:	the image being allocated by kexec_file_load()
 * @flags:	the syscall's flags
 *
 * Its segments and control pages must then lie inside the instance's
 * memory, which kexec treats like the crash kernel region.
 */
void multikernel_kimage_init(struct kimage *image, unsigned long flags)
{
	struct mk_instance *mi = mk_flags_instance(flags);

	image->type = KEXEC_TYPE_MULTIKERNEL;
	image->mk_mem = &mi->ram;
	image->control_page = mi->mem.start;
}

/**
 * multikernel_image_info() - describe the instance an image is loaded for
 * @image:	a KEXEC_TYPE_MULTIKERNEL image, while it is being loaded
 * @info:	filled in
 *
 * For the architecture's loader, which writes the instance's boot
 * description. Called while the instance is "loading", which keeps
 * its CPUs and memory from changing.
 *
 * Return: 0, or -EINVAL for an image that is not an instance's.
 */
int multikernel_image_info(struct kimage *image,
			   struct multikernel_image_info *info)
{
	struct mk_instance *mi;

	if (image->type != KEXEC_TYPE_MULTIKERNEL || !image->mk_mem)
		return -EINVAL;
	mi = container_of(image->mk_mem, struct mk_instance, ram);
	info->id = mi->id;
	info->cpus = mi->cpus;
	info->ram_start = mi->ram.start;
	info->ram_end = mi->ram.end;
	info->shared_start = mi->shared.start;
	info->shared_size = resource_size(&mi->shared);
	return 0;
}

/**
 * multikernel_kexec_post_load() - keep an instance's image for restarts
 * @image:	an instance's image, its segments loaded and purgatory's
 *		digest stored, before kexec_file frees the buffers and
 *		purgatory's section headers
 *
 * Copies every segment from the buffers the load hashed, so that a
 * restart writes back exactly what the load's digest covers.
 *
 * Before the new kernel runs, purgatory hashes every segment, up to its
 * memsz, against that digest: to catch memory that changed since. The
 * host checks the same before every start, with a checksum of its copy
 * that is several times cheaper than SHA-256 (see mk_image_check()), so
 * hashing it again is wasted, and it was most of a start's time under
 * emulation. The copy of the purgatory segment therefore has an empty
 * list of regions to hash and the digest of nothing, and it replaces
 * the one the load put in place (mk_lifecycle_loaded()).
 *
 * Return: 0, or -ENOMEM. A purgatory without those symbols is kept as
 * it is, to check everything on every start.
 */
int multikernel_kexec_post_load(struct kimage *image)
{
	struct mk_instance *mi;
#ifdef CONFIG_ARCH_SUPPORTS_KEXEC_PURGATORY
	const size_t rsize = KEXEC_SEGMENT_MAX * sizeof(struct kexec_sha_region);
	u8 digest[SHA256_DIGEST_SIZE], none[SHA256_DIGEST_SIZE];
	struct kexec_sha_region *regions = NULL;
	int err;
#endif
	int ret;

	if (image->type != KEXEC_TYPE_MULTIKERNEL || !image->mk_mem)
		return 0;
	/* The instance is "loading": nothing else looks at its copy. */
	mi = container_of(image->mk_mem, struct mk_instance, ram);
#ifdef CONFIG_ARCH_SUPPORTS_KEXEC_PURGATORY
	if (image->purgatory_info.purgatory_buf) {
		regions = kvzalloc(2 * rsize, GFP_KERNEL);
		if (!regions)
			return -ENOMEM;
		err = kexec_purgatory_get_set_symbol(image, "purgatory_sha_regions",
						     regions + KEXEC_SEGMENT_MAX,
						     rsize, true);
		if (!err)
			err = kexec_purgatory_get_set_symbol(image,
							     "purgatory_sha256_digest",
							     digest, sizeof(digest),
							     true);
		if (err) {
			pr_warn("instance %u: purgatory has no digest to skip; every start checks the image\n",
				mi->id);
			kvfree(regions);
			regions = NULL;
		}
	}
	/* Copy the quiet purgatory, then put the real values back. */
	if (regions) {
		sha256(NULL, 0, none);
		kexec_purgatory_get_set_symbol(image, "purgatory_sha_regions",
					       regions, rsize, false);
		kexec_purgatory_get_set_symbol(image, "purgatory_sha256_digest",
					       none, sizeof(none), false);
	}
	ret = mk_lifecycle_keep(mi, image);
	if (regions) {
		kexec_purgatory_get_set_symbol(image, "purgatory_sha_regions",
					       regions + KEXEC_SEGMENT_MAX,
					       rsize, false);
		kexec_purgatory_get_set_symbol(image, "purgatory_sha256_digest",
					       digest, sizeof(digest), false);
		kvfree(regions);
	}
#else
	ret = mk_lifecycle_keep(mi, image);
#endif
	return ret;
}

/* A load that began ends: loaded, or empty again. */
static void mk_settle_load(struct mk_instance *mi, enum mk_event ev)
{
	enum mk_state next;

	if (!WARN_ON_ONCE(mk_state_next(mi->state, ev, &next)))
		mi->state = next;
}

static const char *mk_load_error(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "not a kernel image this architecture can load, or truncated";
	case -EADDRNOTAVAIL:
	case -ENOMEM:
		return "image does not fit in the instance's memory";
	case -EBADF:
		return "bad kernel or initrd file descriptor";
	case -EKEYREJECTED:
		return "image signature rejected";
	case -EPERM:
		return "host locked down and image unsigned, or a security module refused it";
	case -EPROTONOSUPPORT:
		return "the image cannot run as an instance (built without CONFIG_MULTIKERNEL)";
	case -ENOSPC:
		return "no low-memory window for its start-up was left at boot";
	default:
		return "load failed; see the kernel log";
	}
}

/**
 * multikernel_kexec_end() - finish a kexec_file_load() for an instance
 * @flags:	the syscall's flags
 * @ret:	its result so far
 *
 * Settles the instance's state from whether it now holds an image: a
 * failed load or an unload gives its memory back to the pool, and an
 * unload also frees the CPUs and memory assigned to it. Unlocks the
 * instance.
 */
void multikernel_kexec_end(unsigned long flags, int ret)
{
	struct mk_instance *mi = mk_flags_instance(flags);
	struct kimage *image;

	if (!(flags & KEXEC_FILE_UNLOAD))
		mutex_lock(&mk_lock);
	image = mi->image;
	if (image && !(flags & KEXEC_FILE_UNLOAD) && ret == 0) {
		ret = mk_lifecycle_loaded(mi);
		if (ret) {
			mi->image = NULL;
			kimage_free(image);
			image = NULL;
		}
	}
	if (image) {
		mk_settle_load(mi, MK_EV_LOADED);
		mi->loads++;
		WRITE_ONCE(mi->kernel_size, image->kernel_buf_len);
		WRITE_ONCE(mi->initrd_size, image->initrd_buf_len);
		mi->last_error[0] = '\0';
		pr_info("instance %u: loaded into [mem %pa-%pa]\n", mi->id,
			&mi->mem.start, &mi->mem.end);
	} else {
		mk_instance_free_mem(mi);
		if (flags & KEXEC_FILE_UNLOAD)
			mi->state = MK_EMPTY;
		else
			mk_settle_load(mi, MK_EV_LOAD_FAILED);
		if (flags & KEXEC_FILE_UNLOAD) {
			mk_instance_clear(mi);
			mi->last_error[0] = '\0';
			pr_info("instance %u: unloaded\n", mi->id);
		} else {
			kfree(mi->cmdline);
			mi->cmdline = NULL;
			mk_set_error(mi, ret, "cannot load: %s", mk_load_error(ret));
		}
	}
	mutex_unlock(&mk_lock);
}
