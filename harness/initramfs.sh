#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs for one kernel variant: busybox, the init
# script and the kselftests, linked statically.

. "$(dirname "$0")/common.sh"

cfg=${1:?usage: initramfs.sh guest|debug}
O=$B/obj-$cfg
ST=$B/selftests-$cfg
R=$B/initramfs-$cfg
out=$B/initramfs-$cfg.cpio.gz

note "building kselftests"
kmake "$cfg" -s headers
mkdir -p "$ST"
for t in multikernel; do
	mkdir -p "$ST/$t"
	make -s -C "$KSRC/tools/testing/selftests/$t" OUTPUT="$ST/$t" \
		KHDR_INCLUDES="-isystem $O/usr/include" \
		CC="ccache gcc" LDFLAGS=-static
done

rm -rf "$R"
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,etc,root,selftests,boot}
cp /bin/busybox "$R/bin/busybox"
cp "$B/kexec" "$R/sbin/kexec"
# The guest loads the guest kernel into instances, with a small initrd.
# The debug kernel runs only as the host: KASAN and lockdep check the
# host's side there, and the guest kernel's own boots check the spawned
# side, so a debug boot does not start some twenty KASAN kernels under
# TCG.
inst=$B/obj-guest/arch/x86/boot/bzImage
[ -f "$inst" ] || die "$inst missing; run 'make kernel-guest' first"
cp "$inst" "$R/boot/bzImage"
# The same kernel without CONFIG_MULTIKERNEL, which a load must refuse
# ('make check' builds it first; kexec_tools_test.sh fails without it).
off=$B/obj-off/arch/x86/boot/bzImage
[ -f "$off" ] && cp "$off" "$R/boot/bzImage-off"
ln -s busybox "$R/bin/sh"
cp "$ROOT/harness/init" "$R/init"
chmod +x "$R/init"
for t in multikernel; do
	mkdir -p "$R/selftests/$t"
	# Helpers that the tests run, rather than tests, go to /bin.
	find "$ST/$t" -maxdepth 1 -type f -perm -u+x ! -name msg_peer \
		! -name mk_netperf -exec cp {} "$R/selftests/$t/" \;
	for h in msg_peer mk_netperf; do
		[ -f "$ST/$t/$h" ] && cp "$ST/$t/$h" "$R/bin/"
	done
	for s in "$KSRC/tools/testing/selftests/$t"/*.sh; do
		case "$s" in
		*/instance_init.sh) continue ;;	# runs in a spawned kernel
		*/tap.sh)			# sourced by the tests
			install -m 644 "$s" "$R/selftests/$t/"
			continue ;;
		esac
		[ -e "$s" ] && install -m 755 "$s" "$R/selftests/$t/"
	done
done
# Device nodes come from gen_init_cpio, so no root is needed to make them.
{
	printf 'dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\n'
	printf 'nod /dev/null 0666 0 0 c 1 3\n'
} >"$B/initramfs-nodes.list"
"$O/usr/gen_init_cpio" "$B/initramfs-nodes.list" | gzip -1 >"$R/boot/initrd.img"
# What spawn_test.sh and msg_test.sh boot in an instance: busybox,
# instance_init.sh and the echo agent.
{
	cat "$B/initramfs-nodes.list"
	printf 'dir /bin 0755 0 0\ndir /sbin 0755 0 0\ndir /proc 0755 0 0\n'
	printf 'dir /sys 0755 0 0\ndir /tmp 0755 0 0\n'
	printf 'file /bin/busybox /bin/busybox 0755 0 0\n'
	printf 'file /bin/msg_peer %s 0755 0 0\n' "$ST/multikernel/msg_peer"
	printf 'file /bin/mk_netperf %s 0755 0 0\n' "$ST/multikernel/mk_netperf"
	printf 'slink /bin/sh busybox 0777 0 0\n'
	printf 'slink /sbin/poweroff /bin/busybox 0777 0 0\n'
	printf 'file /init %s 0755 0 0\n' \
		"$KSRC/tools/testing/selftests/multikernel/instance_init.sh"
} >"$B/instance-initramfs.list"
"$O/usr/gen_init_cpio" "$B/instance-initramfs.list" | gzip -1 >"$R/boot/instance.img"
{
	"$O/usr/gen_init_cpio" "$B/initramfs-nodes.list"
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0)
} | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
